/*  replay.c -- refuses replayed messages: a time window plus remembered ids.

    Ids live in a ring buffer of `capacity` slots, allocated once, in the
    order they were accepted, and in a zhashx that indexes the slots. Each
    slot has an expiry time: the message time + window, after which the
    message would be refused as stale anyway. To make the ring also ordered
    by expiry (so pruning only ever looks at its head), a slot's expiry is
    raised to the previous slot's when that is later. Raising only makes an
    id live longer, which is safe; by how much is bounded, since every
    accepted message time is within one window of the local time.

    The hash table's keys are the slots themselves (no copies). A slot starts
    with the id and carries a pointer to this cache's SipHash key, so the
    hasher, which zhashx calls with the key alone, can use a per-cache random
    key: a sender who chooses ids cannot aim them at one bucket. Lookups use
    a probe slot built on the stack.

    A slot checked with a sender points at that sender's count, kept in a
    second table while the sender holds any id; pruning a slot lowers it.
*/

#include "replay.h"
#include "status.h"

#include <czmq.h>
#include <sodium.h>

typedef struct {
    char name [REPLAY_SENDER_MAX + 1];
    size_t count;                   //  ids it holds
} s_sender_t;

typedef struct {
    uint8_t id [REPLAY_ID_SIZE];    //  must stay first (see header comment)
    const uint8_t *hash_key;        //  crypto_shorthash key of the cache
    int64_t expiry_ms;              //  forget when now_ms > expiry_ms
    s_sender_t *sender;             //  NULL if checked without one
} s_slot_t;

struct _replay_t {
    int64_t window_ms;
    size_t capacity;
    s_slot_t *ring;                 //  capacity slots
    size_t head;                    //  oldest slot
    size_t count;                   //  slots in use
    zhashx_t *index;                //  slot -> slot, keyed by the slot's id
    zhashx_t *senders;              //  name -> s_sender_t, owned
    uint8_t hash_key [crypto_shorthash_KEYBYTES];
};

static void
s_sender_free (s_sender_t **sender_p)
{
    free (*sender_p);
    *sender_p = NULL;
}

static size_t
s_slot_hash (const void *key)
{
    const s_slot_t *slot = (const s_slot_t *) key;
    uint8_t digest [crypto_shorthash_BYTES];
    crypto_shorthash (digest, slot->id, REPLAY_ID_SIZE, slot->hash_key);
    uint64_t value;
    memcpy (&value, digest, sizeof (value));
    return (size_t) value;
}

static int
s_slot_compare (const void *key1, const void *key2)
{
    return memcmp (((const s_slot_t *) key1)->id,
                   ((const s_slot_t *) key2)->id, REPLAY_ID_SIZE);
}


//  --------------------------------------------------------------------------
//  Creates a replay cache; NULL if the arguments are not positive or memory
//  is short.

replay_t *
replay_new (int64_t window_ms, size_t capacity)
{
    if (window_ms <= 0 || capacity == 0
    ||  capacity > SIZE_MAX / sizeof (s_slot_t))
        return NULL;

    replay_t *self = (replay_t *) zmalloc (sizeof (replay_t));
    if (!self)
        return NULL;
    self->window_ms = window_ms;
    self->capacity = capacity;
    self->ring = (s_slot_t *) calloc (capacity, sizeof (s_slot_t));
    self->index = zhashx_new ();
    self->senders = zhashx_new ();
    if (!self->ring || !self->index || !self->senders) {
        replay_destroy (&self);
        return NULL;
    }
    randombytes_buf (self->hash_key, sizeof (self->hash_key));
    zhashx_set_key_hasher (self->index, s_slot_hash);
    zhashx_set_key_comparator (self->index, s_slot_compare);
    zhashx_set_key_duplicator (self->index, NULL);
    zhashx_set_key_destructor (self->index, NULL);
    zhashx_set_destructor (self->senders, (zhashx_destructor_fn *) s_sender_free);
    return self;
}


//  --------------------------------------------------------------------------
//  Destroys the cache; safe to call twice.

void
replay_destroy (replay_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        replay_t *self = *self_p;
        zhashx_destroy (&self->index);
        zhashx_destroy (&self->senders);
        free (self->ring);
        free (self);
        *self_p = NULL;
    }
}


//  True if the two times are more than `window` apart; exact for every pair
//  of int64 values (the distance is computed in uint64, which cannot wrap).

static bool
s_outside_window (int64_t time_a, int64_t time_b, int64_t window)
{
    uint64_t distance = time_a > time_b
                      ? (uint64_t) time_a - (uint64_t) time_b
                      : (uint64_t) time_b - (uint64_t) time_a;
    return distance > (uint64_t) window;
}

//  Forgets every id whose expiry is before now_ms. The ring is ordered by
//  expiry, so this stops at the first slot still alive.

static void
s_prune (replay_t *self, int64_t now_ms)
{
    while (self->count > 0 && self->ring [self->head].expiry_ms < now_ms) {
        s_sender_t *sender = self->ring [self->head].sender;
        if (sender && --sender->count == 0)
            zhashx_delete (self->senders, sender->name);
        self->ring [self->head].sender = NULL;
        zhashx_delete (self->index, &self->ring [self->head]);
        self->head = (self->head + 1) % self->capacity;
        self->count--;
    }
}


//  --------------------------------------------------------------------------
//  Checks a message id and time at local time now_ms; see replay.h.

//  The check of both entry points; `sender` NULL: no share applies.
static int
s_check (replay_t *self, const char *sender_name, const uint8_t *msgid,
         int64_t msg_time_ms, int64_t now_ms)
{
    assert (self);
    assert (msgid);
    if (s_outside_window (now_ms, msg_time_ms, self->window_ms))
        return STATUS_STALE;

    s_prune (self, now_ms);

    s_slot_t probe;
    memcpy (probe.id, msgid, REPLAY_ID_SIZE);
    probe.hash_key = self->hash_key;
    if (zhashx_lookup (self->index, &probe))
        return STATUS_REPLAY;
    if (self->count == self->capacity)
        return STATUS_BUSY;
    s_sender_t *sender = NULL;
    if (sender_name) {
        char name [REPLAY_SENDER_MAX + 1];
        snprintf (name, sizeof (name), "%s", sender_name);
        sender = (s_sender_t *) zhashx_lookup (self->senders, name);
        //  Fewer than half of the free slots: alone, a third of the cache
        size_t free_slots = self->capacity - self->count;
        if (sender && 2 * sender->count >= free_slots)
            return STATUS_BUSY;
        if (!sender) {
            sender = (s_sender_t *) zmalloc (sizeof (s_sender_t));
            if (!sender)
                return STATUS_INTERNAL;
            memcpy (sender->name, name, sizeof (name));
            zhashx_insert (self->senders, name, sender);
        }
    }

    //  Expiry: message time + window, saturated, and never earlier than the
    //  newest slot's so the ring stays ordered by expiry
    int64_t expiry_ms = msg_time_ms > INT64_MAX - self->window_ms
                      ? INT64_MAX
                      : msg_time_ms + self->window_ms;
    if (self->count > 0) {
        size_t newest = (self->head + self->count - 1) % self->capacity;
        if (self->ring [newest].expiry_ms > expiry_ms)
            expiry_ms = self->ring [newest].expiry_ms;
    }
    size_t tail = (self->head + self->count) % self->capacity;
    s_slot_t *slot = &self->ring [tail];
    memcpy (slot->id, msgid, REPLAY_ID_SIZE);
    slot->hash_key = self->hash_key;
    slot->expiry_ms = expiry_ms;
    slot->sender = sender;
    if (zhashx_insert (self->index, slot, slot) != 0)
        return STATUS_INTERNAL;         //  cannot happen: lookup said absent
    if (sender)
        sender->count++;
    self->count++;
    return STATUS_OK;
}

int
replay_check (replay_t *self, const uint8_t *msgid,
              int64_t msg_time_ms, int64_t now_ms)
{
    return s_check (self, NULL, msgid, msg_time_ms, now_ms);
}

int
replay_check_from (replay_t *self, const char *sender, const uint8_t *msgid,
                   int64_t msg_time_ms, int64_t now_ms)
{
    assert (sender);
    return s_check (self, sender, msgid, msg_time_ms, now_ms);
}

size_t
replay_sender_size (replay_t *self, const char *sender)
{
    assert (self && sender);
    char name [REPLAY_SENDER_MAX + 1];
    snprintf (name, sizeof (name), "%s", sender);
    s_sender_t *held = (s_sender_t *) zhashx_lookup (self->senders, name);
    return held? held->count: 0;
}


//  --------------------------------------------------------------------------
//  Number of ids remembered now.

size_t
replay_size (replay_t *self)
{
    assert (self);
    return self->count;
}


//  --------------------------------------------------------------------------
//  Self-test: window edges, replays, pruning, capacity, hostile times.

static void
s_make_id (uint8_t *id, uint32_t number)
{
    memset (id, 0xA5, REPLAY_ID_SIZE);
    memcpy (id, &number, sizeof (number));
}

void
replay_test (bool verbose)
{
    if (verbose)
        printf (" * replay: ");

    //  Bad arguments
    assert (replay_new (0, 10) == NULL);
    assert (replay_new (-5, 10) == NULL);
    assert (replay_new (1000, 0) == NULL);
    assert (replay_new (1000, SIZE_MAX) == NULL);

    const int64_t window = 1000;
    const int64_t now = 1700000000000;
    replay_t *replay = replay_new (window, 8);
    assert (replay);
    uint8_t id [REPLAY_ID_SIZE];

    //  Window edges: exactly one window away is fresh, one ms more is stale
    s_make_id (id, 1);
    assert (replay_check (replay, id, now - window - 1, now) == STATUS_STALE);
    assert (replay_check (replay, id, now + window + 1, now) == STATUS_STALE);
    assert (replay_size (replay) == 0);         //  stale ids are not kept
    assert (replay_check (replay, id, now - window, now) == STATUS_OK);
    s_make_id (id, 2);
    assert (replay_check (replay, id, now + window, now) == STATUS_OK);
    s_make_id (id, 3);
    assert (replay_check (replay, id, now, now) == STATUS_OK);
    assert (replay_size (replay) == 3);

    //  Hostile extremes never overflow and are stale
    assert (replay_check (replay, id, INT64_MIN, now) == STATUS_STALE);
    assert (replay_check (replay, id, INT64_MAX, now) == STATUS_STALE);
    assert (replay_check (replay, id, INT64_MIN, INT64_MAX) == STATUS_STALE);
    assert (replay_check (replay, id, INT64_MAX, INT64_MIN) == STATUS_STALE);

    //  Replays are refused, whatever time they claim within the window
    s_make_id (id, 1);
    assert (replay_check (replay, id, now - window, now) == STATUS_REPLAY);
    s_make_id (id, 3);
    assert (replay_check (replay, id, now, now) == STATUS_REPLAY);
    assert (replay_check (replay, id, now + 5, now) == STATUS_REPLAY);
    assert (replay_size (replay) == 3);
    //  Id 1 (time now - window) expires first: at now + 10 it is stale
    //  anyway, and forgotten
    s_make_id (id, 1);
    assert (replay_check (replay, id, now - window, now + 10) == STATUS_STALE);
    s_make_id (id, 3);
    assert (replay_check (replay, id, now, now + 10) == STATUS_REPLAY);
    assert (replay_size (replay) == 2);
    replay_destroy (&replay);

    //  Pruning: an id is remembered up to time + window inclusive, then
    //  forgotten; the same id sent later with a new time is a new message
    replay = replay_new (window, 8);
    s_make_id (id, 1);
    assert (replay_check (replay, id, now, now) == STATUS_OK);
    s_make_id (id, 2);
    assert (replay_check (replay, id, now + 100, now + 100) == STATUS_OK);
    s_make_id (id, 1);
    assert (replay_check (replay, id, now, now + window) == STATUS_REPLAY);
    assert (replay_size (replay) == 2);
    s_make_id (id, 3);
    assert (replay_check (replay, id, now + window + 1, now + window + 1)
            == STATUS_OK);
    assert (replay_size (replay) == 2);         //  1 forgotten, 2 and 3 kept
    s_make_id (id, 1);
    assert (replay_check (replay, id, now, now + window + 1) == STATUS_STALE);
    assert (replay_check (replay, id, now + window + 1, now + window + 1)
            == STATUS_OK);
    assert (replay_size (replay) == 3);
    s_make_id (id, 2);
    assert (replay_check (replay, id, now + 100, now + window + 100)
            == STATUS_REPLAY);
    //  Much later every id has expired and the cache is empty again
    s_make_id (id, 4);
    assert (replay_check (replay, id, now + 10 * window, now + 10 * window)
            == STATUS_OK);
    assert (replay_size (replay) == 1);
    replay_destroy (&replay);

    //  A message arriving after a later-timed one gets its expiry raised to
    //  that one's (the ring stays ordered by expiry): kept longer, never less
    replay = replay_new (window, 8);
    s_make_id (id, 10);
    assert (replay_check (replay, id, now + window, now) == STATUS_OK);
    s_make_id (id, 11);
    assert (replay_check (replay, id, now - window, now) == STATUS_OK);
    assert (replay_check (replay, id, now - window, now) == STATUS_REPLAY);
    s_make_id (id, 12);
    assert (replay_check (replay, id, now + window + 1, now + window + 1)
            == STATUS_OK);
    assert (replay_size (replay) == 3);         //  11 kept past its own expiry
    s_make_id (id, 13);
    assert (replay_check (replay, id, now + 2 * window + 1, now + 2 * window + 1)
            == STATUS_OK);
    assert (replay_size (replay) == 2);         //  10 and 11 gone together
    replay_destroy (&replay);

    //  Capacity: full of unexpired ids -> BUSY, nothing forgotten early;
    //  a replay is still reported as a replay when full
    replay = replay_new (window, 4);
    for (uint32_t number = 0; number < 4; number++) {
        s_make_id (id, 100 + number);
        assert (replay_check (replay, id, now, now) == STATUS_OK);
    }
    s_make_id (id, 200);
    assert (replay_check (replay, id, now, now) == STATUS_BUSY);
    assert (replay_check (replay, id, now, now + window) == STATUS_BUSY);
    assert (replay_size (replay) == 4);
    s_make_id (id, 101);
    assert (replay_check (replay, id, now, now + window) == STATUS_REPLAY);
    //  Once they expire there is room again
    s_make_id (id, 200);
    assert (replay_check (replay, id, now + window + 1, now + window + 1)
            == STATUS_OK);
    assert (replay_size (replay) == 1);
    replay_destroy (&replay);
    replay_destroy (&replay);                   //  safe twice
    assert (replay == NULL);

    //  Shares: a sender alone fills at most a third of the cache, then is
    //  BUSY while others are not; a replay is still a replay; as its ids
    //  expire it has room again
    replay = replay_new (window, 300);
    uint32_t sent = 0;
    int status;
    do {
        s_make_id (id, 1000 + sent++);
        status = replay_check_from (replay, "SH-PD-ROGUE", id, now, now);
    } while (status == STATUS_OK);
    assert (status == STATUS_BUSY);
    assert (replay_sender_size (replay, "SH-PD-ROGUE") == 100);
    s_make_id (id, 1000);
    assert (replay_check_from (replay, "SH-PD-ROGUE", id, now, now) == STATUS_REPLAY);
    for (uint32_t other = 0; other < 50; other++) {
        s_make_id (id, 5000 + other);
        assert (replay_check_from (replay, "SH-PD-TAX", id, now, now) == STATUS_OK);
    }
    //  A second flooder takes half of what is left, and still others have
    //  room
    sent = 0;
    do {
        s_make_id (id, 7000 + sent++);
        status = replay_check_from (replay, "SH-PD-ALSO", id, now, now);
    } while (status == STATUS_OK);
    assert (replay_sender_size (replay, "SH-PD-ALSO") == 50);
    s_make_id (id, 9000);
    assert (replay_check_from (replay, "SH-PD-FDA", id, now, now) == STATUS_OK);
    assert (replay_size (replay) == 201);
    //  Ids checked without a sender are bound by the capacity alone
    for (uint32_t other = 0; other < 99; other++) {
        s_make_id (id, 10000 + other);
        assert (replay_check (replay, id, now, now) == STATUS_OK);
    }
    s_make_id (id, 20000);
    assert (replay_check (replay, id, now, now) == STATUS_BUSY);
    assert (replay_check_from (replay, "SH-PD-NEW", id, now, now) == STATUS_BUSY);
    //  Later, everything expired: the flooder has room again, and the
    //  senders' counts are gone with their ids
    s_make_id (id, 30000);
    assert (replay_check_from (replay, "SH-PD-ROGUE", id, now + 3 * window,
                               now + 3 * window) == STATUS_OK);
    assert (replay_sender_size (replay, "SH-PD-ROGUE") == 1);
    assert (replay_sender_size (replay, "SH-PD-TAX") == 0);
    replay_destroy (&replay);

    //  Volume: ids arriving at a steady rate with jittered times stay
    //  bounded by about two windows' worth, and every replay is caught
    replay = replay_new (window, 10000);
    int64_t clock = now;
    for (uint32_t number = 0; number < 200000; number++) {
        clock += 1;                             //  1000 messages per second
        int64_t jitter = (int64_t) (number % 7) * 50 - 150;
        s_make_id (id, number);
        assert (replay_check (replay, id, clock + jitter, clock) == STATUS_OK);
        if (number % 97 == 0)
            assert (replay_check (replay, id, clock + jitter, clock)
                    == STATUS_REPLAY);
        assert (replay_size (replay) <= 2 * (size_t) window + 400);
    }
    replay_destroy (&replay);

    if (verbose)
        printf ("OK\n");
}
