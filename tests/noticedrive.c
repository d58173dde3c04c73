/*  noticedrive.c -- sluice-noticedrive: the department systems at both
    ends of a stream of notices, through the gateways' local APIs, for the
    fault test (tests/notices_fault.sh) and the benchmark (tests/bench.sh).

        sluice-noticedrive send --config MSA/gateway.cfg --to SH-PD-FDA
                                --key USCC --count N [options]
        sluice-noticedrive receive --config FDA/gateway.cfg --count N [options]

    send: N notices of kind license-required, the i-th with the field name
    `n-i` (1 <= i <= N) and the reference `RUN-n-i` (RUN: this run's, in
    hex), LANES requests outstanding (one per socket). A request without
    an answer within --timeout-ms, or whose gateway is gone (killed: the
    pid in its state directory's lock file has gone), is sent again with
    its reference: the gateway answers with the notice it stored if it
    had, so each i is stored once. Any other failure (NOT_REGISTERED while
    no broker is up, INTERNAL, ...) is tried again; a refusal by the
    recipient's catalog ends the run. --log FILE gets a line `i ID` per
    notice stored, as it is known. With --wait STATE (delivered or
    handled) it then asks the gateway's receipt figures (notice stats)
    until every notice has a receipt of that state at least, counting from
    what they said before the first send, and prints the time from the
    first send to then, and notices per second.

    receive: takes notices (notice take, waiting with notice wait when
    there is none) until N are taken, and gives each its feedback (handled,
    licence-issued), LANES at a time. Each take has its own reference
    (`RUN-take-K`); a take without an answer (its gateway was killed after
    taking) is made again with it, and is given the copies it took, if it
    did. A notice a take gives that an earlier take gave is counted given
    twice. --log FILE gets a line `take ID NAME` per notice as it is taken,
    `again ID NAME` if from a take made again. Ends when every one of the N
    has its feedback.

    Each prints one line at the end, `noticedrive: ...`, and exits 0, or 1
    if the time (--seconds) ran out first, 2 on a refusal, 64 on usage.
    --help prints the usage, --version the version (version.h).
*/

#include <czmq.h>
#include "conf.h"
#include "settings.h"
#include "codec.h"
#include "localapi.h"
#include "status.h"
#include "version.h"

#define S_LANES_MAX     64
#define S_RETRY_MS      200         //  after a failure, before trying again

typedef struct {
    const char *mode, *config, *to, *key, *log_path, *wait_state;
    char run [17];              //  this run's: its references' prefix
    int count, lanes;
    int64_t timeout_ms, seconds;
    char *endpoint;
    char *lock;                 //  the gateway's STATE/lock: its pid
    pid_t pid;                  //  the gateway running now, 0 if none
    int64_t pid_read_at;
    FILE *log;
} s_options_t;

//  One socket with at most one request outstanding
typedef struct {
    zsock_t *socket;
    int64_t deadline;           //  0: idle
    int item;                   //  what is asked: an index
    int64_t sent_at;
    pid_t pid;                  //  the gateway it went to, 0 if none ran
} s_lane_t;

static int64_t
s_now (void)
{
    return zclock_mono ();
}

//  The pid of the gateway running now (its state directory's lock says
//  it), 0 if none; read at most every 20 ms
static pid_t
s_gateway (s_options_t *options)
{
    if (s_now () - options->pid_read_at < 20)
        return options->pid;
    options->pid_read_at = s_now ();
    long pid = 0;
    FILE *file = fopen (options->lock, "r");
    if (!file || fscanf (file, "%ld", &pid) != 1 || pid <= 0 || kill ((pid_t) pid, 0))
        pid = 0;
    if (file)
        fclose (file);
    options->pid = (pid_t) pid;
    return options->pid;
}

static zsock_t *
s_socket (const char *endpoint)
{
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    assert (socket);
    zsock_set_linger (socket, 0);
    if (zsock_connect (socket, "%s", endpoint)) {
        fprintf (stderr, "noticedrive: cannot connect to %s\n", endpoint);
        exit (64);
    }
    return socket;
}

//  Sends `request` on the lane for `item`
static void
s_ask (s_options_t *options, s_lane_t *lane, localapi_request_t *request, int item)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    int rc = localapi_request_encode (request, &buffer);
    assert (rc == 0);
    zframe_t *frame = zframe_new (buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    zframe_send (&frame, lane->socket, 0);
    lane->item = item;
    lane->sent_at = s_now ();
    lane->deadline = lane->sent_at + options->timeout_ms;
    lane->pid = s_gateway (options);
}

//  The lane's answer, if one came (decoded into reply: destroy it); false
//  if none is waiting
static bool
s_answer (s_lane_t *lane, localapi_reply_t *reply)
{
    if (!(zsock_events (lane->socket) & ZMQ_POLLIN))
        return false;
    zframe_t *frame = zframe_recv (lane->socket);
    if (!frame)
        return false;
    if (localapi_reply_decode (zframe_data (frame), zframe_size (frame), reply) != STATUS_OK)
        reply->status = STATUS_MALFORMED;
    zframe_destroy (&frame);
    lane->deadline = 0;
    return true;
}

//  A lane whose answer is overdue, or whose gateway is gone (killed: a
//  request that went to it reached it or nobody, and no answer will come):
//  a new socket (the old one's answer, if it ever comes, is dropped with
//  it); true if it was so
static bool
s_overdue (s_options_t *options, s_lane_t *lane)
{
    if (!lane->deadline)
        return false;
    bool gone = lane->pid && s_gateway (options) != lane->pid;
    if (!gone && s_now () < lane->deadline)
        return false;
    zsock_destroy (&lane->socket);
    lane->socket = s_socket (options->endpoint);
    lane->deadline = 0;
    return true;
}

//  A round of waiting on every lane busy (`count` of `lanes`, and `other`
//  if not NULL), at most `ms`
static void
s_wait (s_lane_t *lanes, int count, s_lane_t *other, int ms)
{
    zmq_pollitem_t items [S_LANES_MAX + 1];
    int used = 0;
    for (int index = 0; index <= count; index++) {
        s_lane_t *lane = index < count? &lanes [index]: other;
        if (lane && lane->deadline)
            items [used++] = (zmq_pollitem_t) { zsock_resolve (lane->socket), 0,
                                                ZMQ_POLLIN, 0 };
    }
    zmq_poll (items, used, ms);
}

//  The value of `key` in the map, or NULL
static const msgpack_object *
s_get (const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t size = strlen (key);
    for (uint32_t index = 0; index < map->via.map.size; index++) {
        const msgpack_object *name = &map->via.map.ptr [index].key;
        if (name->type == MSGPACK_OBJECT_STR && name->via.str.size == size
        &&  memcmp (name->via.str.ptr, key, size) == 0)
            return &map->via.map.ptr [index].val;
    }
    return NULL;
}

//  The str of `key` (of the row's map `within`, if given) into text
static void
s_text (const msgpack_object *row, const char *within, const char *key, char *text,
        size_t size)
{
    const msgpack_object *value = s_get (within? s_get (row, within): row, key);
    if (value && value->type == MSGPACK_OBJECT_STR)
        snprintf (text, size, "%.*s", (int) value->via.str.size, value->via.str.ptr);
    else
        *text = 0;
}

static int64_t
s_int (const msgpack_object *row, const char *key)
{
    const msgpack_object *value = s_get (row, key);
    return !value? 0: value->type == MSGPACK_OBJECT_POSITIVE_INTEGER? (int64_t) value->via.u64:
           value->type == MSGPACK_OBJECT_FLOAT64? (int64_t) value->via.f64: 0;
}

static bool
s_refusal (uint32_t status)
{
    return (status >= 130 && status < 140) || (status >= 190 && status < 200)
        || status == STATUS_UNKNOWN_DEPARTMENT || status == STATUS_MALFORMED;
}


//  --------------------------------------------------------------------------
//  send

//  The i-th notice; its fields packed in `packed` (initialised by the
//  caller, which destroys it after the request)
static void
s_notice_request (s_options_t *options, int seq, localapi_request_t *request,
                  msgpack_sbuffer *packed)
{
    memset (request, 0, sizeof (*request));
    strcpy (request->op, "notice-send");
    snprintf (request->recipients, sizeof (request->recipients), "%s", options->to);
    strcpy (request->kind, "license-required");
    strcpy (request->key_type, "uscc");
    snprintf (request->query.key, sizeof (request->query.key), "%s", options->key);
    strcpy (request->query.officer, "noticedrive");
    snprintf (request->ref, sizeof (request->ref), "%s-n-%d", options->run, seq);
    request->timeout_ms = 5000;
    msgpack_packer pk;
    msgpack_packer_init (&pk, packed, msgpack_sbuffer_write);
    char name [32];
    snprintf (name, sizeof (name), "n-%d", seq);
    msgpack_pack_map (&pk, 3);
    codec_pack_kv_str (&pk, "name", name);
    codec_pack_kv_str (&pk, "business", "food service");
    codec_pack_kv_uint (&pk, "seats", (uint64_t) (seq % 200 + 1));
    int rc = codec_unpack ((uint8_t *) packed->data, packed->size, &request->unpacked);
    assert (rc == STATUS_OK);
    request->values = &request->unpacked.data;
    request->text = strdup ("《食品安全法》第三十五条");
}

enum { S_TODO, S_ASKED, S_STORED };

typedef struct {
    s_options_t *options;
    char *state;                //  per i: S_TODO, ...
    char *lost;                 //  per i: an answer to it was lost
    int64_t *retry_at;          //  per i: not before
    int stored, lost_answers, reconciled, duplicates, tries;
} s_sender_t;

static void
s_stored (s_sender_t *self, int seq, const char *id)
{
    if (self->state [seq] == S_STORED) {
        self->duplicates++;
        return;
    }
    self->state [seq] = S_STORED;
    self->stored++;
    self->reconciled += self->lost [seq];
    if (self->options->log) {
        fprintf (self->options->log, "%d %s\n", seq, id);
        fflush (self->options->log);
    }
}

//  The sender's receipt figure --wait names for --to (notice-stats: the
//  copies in that state at least), asked through `lane` (idle); -1 if the
//  gateway does not say by `end`
static int64_t
s_figure (s_options_t *options, s_lane_t *lane, int64_t end)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "notice-stats");
    s_ask (options, lane, &request, 0);
    localapi_request_clear (&request);
    localapi_reply_t reply;
    while (!s_answer (lane, &reply)) {
        if (s_overdue (options, lane) || s_now () >= end)
            return -1;
        s_wait (lane, 1, NULL, 100);
    }
    int64_t figure = -1;
    for (uint32_t row = 0; reply.status == STATUS_OK && reply.rows
                           && row < reply.rows->via.array.size; row++) {
        const msgpack_object *one = &reply.rows->via.array.ptr [row];
        char per [32], name [64];
        s_text (one, NULL, "per", per, sizeof (per));
        s_text (one, NULL, "name", name, sizeof (name));
        if (streq (per, "recipient") && streq (name, options->to))
            figure = s_int (one, options->wait_state);
    }
    localapi_reply_destroy (&reply);
    return figure < 0? 0: figure;
}

static int
s_send_all (s_options_t *options)
{
    s_sender_t self = { options };
    self.state = (char *) zmalloc ((size_t) options->count + 1);
    self.lost = (char *) zmalloc ((size_t) options->count + 1);
    self.retry_at = (int64_t *) zmalloc (sizeof (int64_t) * ((size_t) options->count + 1));
    assert (self.state && self.lost && self.retry_at);
    s_lane_t lanes [S_LANES_MAX];
    for (int index = 0; index < options->lanes; index++)
        lanes [index] = (s_lane_t) { s_socket (options->endpoint) };
    s_lane_t lister = { s_socket (options->endpoint) };
    int64_t start = s_now (), end = start + options->seconds * 1000;
    //  What the figure waited for says already (an earlier run's notices)
    int64_t baseline = options->wait_state? s_figure (options, &lister, end): 0;
    start = s_now ();
    int next = 1;                   //  the lowest i that may be to do
    while (self.stored < options->count && s_now () < end) {
        //  Answers, and lanes whose gateway went
        for (int index = 0; index < options->lanes; index++) {
            s_lane_t *lane = &lanes [index];
            localapi_reply_t reply;
            if (lane->deadline && s_answer (lane, &reply)) {
                if (reply.status == STATUS_OK)
                    s_stored (&self, lane->item, reply.msgid);
                else
                if (s_refusal (reply.status)) {
                    fprintf (stderr, "noticedrive: notice n-%d refused: %s (%s)\n",
                             lane->item, status_name ((int) reply.status), reply.reason);
                    localapi_reply_destroy (&reply);
                    exit (2);
                }
                else {
                    self.state [lane->item] = S_TODO;
                    self.retry_at [lane->item] = s_now () + S_RETRY_MS;
                    next = lane->item < next? lane->item: next;
                }
                localapi_reply_destroy (&reply);
            }
            else
            if (s_overdue (options, lane)) {
                //  Stored or not: sent again with its reference, it is
                //  answered as it was stored, or stored now
                self.state [lane->item] = S_TODO;
                self.lost [lane->item] = 1;
                self.lost_answers++;
                self.retry_at [lane->item] = s_now () + S_RETRY_MS;
                next = lane->item < next? lane->item: next;
            }
        }
        //  More requests on idle lanes
        int64_t now = s_now ();
        for (int index = 0; index < options->lanes; index++) {
            if (lanes [index].deadline)
                continue;
            while (next <= options->count && self.state [next] != S_TODO)
                next++;
            int seq = next;
            while (seq <= options->count
               && (self.state [seq] != S_TODO || self.retry_at [seq] > now))
                seq++;
            if (seq > options->count)
                break;
            localapi_request_t request;
            msgpack_sbuffer packed;
            msgpack_sbuffer_init (&packed);
            s_notice_request (options, seq, &request, &packed);
            s_ask (options, &lanes [index], &request, seq);
            localapi_request_clear (&request);
            msgpack_sbuffer_destroy (&packed);
            self.state [seq] = S_ASKED;
            self.tries++;
        }
        s_wait (lanes, options->lanes, &lister, 50);
    }
    int64_t sent_ms = s_now () - start;
    int rc = self.stored == options->count? 0: 1;
    printf ("noticedrive: %d notices stored in %.2f s (%d requests, %d answers lost, "
            "%d stored after one was, %d stored twice)\n", self.stored,
            (double) sent_ms / 1000, self.tries, self.lost_answers, self.reconciled,
            self.duplicates);
    fflush (stdout);
    //  Every notice's receipt in the state asked for, by the gateway's figures
    while (rc == 0 && options->wait_state) {
        int64_t reached = s_figure (options, &lister, end) - baseline;
        if (reached >= options->count) {
            int64_t elapsed = s_now () - start;
            printf ("noticedrive: every notice %s at the sender %.2f s after the first was "
                    "sent: %.0f notices per second\n", options->wait_state,
                    (double) elapsed / 1000, options->count * 1000.0 / (double) elapsed);
            break;
        }
        if (s_now () >= end) {
            printf ("noticedrive: %" PRId64 " of %d notices %s at the sender when the time "
                    "ran out\n", reached, options->count, options->wait_state);
            rc = 1;
            break;
        }
        zclock_sleep (50);
    }
    for (int index = 0; index < options->lanes; index++)
        zsock_destroy (&lanes [index].socket);
    zsock_destroy (&lister.socket);
    free (self.state);
    free (self.lost);
    free (self.retry_at);
    return rc;
}


//  --------------------------------------------------------------------------
//  receive

typedef struct {
    s_options_t *options;
    zhashx_t *seen;             //  notice id -> its index in `ids`
    char (*ids) [LOCALAPI_ID_MAX + 1];
    char *handled;              //  per index: 0 to do, 1 asked, 2 done
    int64_t *retry_at;
    int count, by_take, by_again, given_twice, done;
} s_receiver_t;

//  A notice the system now holds, from `how` ("take" or "again"): once
static void
s_held (s_receiver_t *self, const msgpack_object *row, const char *how)
{
    char id [LOCALAPI_ID_MAX + 1], name [64];
    s_text (row, NULL, "id", id, sizeof (id));
    s_text (row, "fields", "name", name, sizeof (name));
    if (*id && zhashx_lookup (self->seen, id) && streq (how, "take"))
        self->given_twice++;
    if (!*id || zhashx_lookup (self->seen, id) || self->count >= self->options->count)
        return;
    snprintf (self->ids [self->count], sizeof (self->ids [0]), "%s", id);
    zhashx_insert (self->seen, id, (void *) (intptr_t) (self->count + 1));
    self->count++;
    if (streq (how, "take"))
        self->by_take++;
    else
        self->by_again++;
    if (self->options->log) {
        fprintf (self->options->log, "%s %s %s\n", how, id, *name? name: "-");
        fflush (self->options->log);
    }
}

static int
s_receive_all (s_options_t *options)
{
    s_receiver_t self = { options };
    self.seen = zhashx_new ();
    self.ids = zmalloc (sizeof (self.ids [0]) * (size_t) options->count);
    self.handled = (char *) zmalloc ((size_t) options->count);
    self.retry_at = (int64_t *) zmalloc (sizeof (int64_t) * (size_t) options->count);
    assert (self.seen && self.ids && self.handled && self.retry_at);
    s_lane_t lanes [S_LANES_MAX];
    for (int index = 0; index < options->lanes; index++)
        lanes [index] = (s_lane_t) { s_socket (options->endpoint) };
    //  The taker: a take, or a wait when there was nothing to take
    s_lane_t taker = { s_socket (options->endpoint) };
    enum { S_TAKE, S_WAITING } asked = S_TAKE;
    int take = 1;                       //  K of the take's reference
    bool lost = false;                  //  its answer did not come: again
    int64_t start = s_now (), end = start + options->seconds * 1000;
    int next = 0;
    while (self.done < options->count && s_now () < end) {
        localapi_reply_t reply;
        if (taker.deadline && s_answer (&taker, &reply)) {
            const msgpack_object *rows = reply.status == STATUS_OK? reply.rows: NULL;
            for (uint32_t row = 0; rows && asked == S_TAKE && row < rows->via.array.size;
                 row++)
                s_held (&self, &rows->via.array.ptr [row], lost? "again": "take");
            //  Answered: the next take has a reference of its own
            if (asked == S_TAKE && reply.status == STATUS_OK) {
                take++;
                lost = false;
            }
            //  Nothing to take: wait for something
            asked = asked == S_TAKE && rows && rows->via.array.size == 0? S_WAITING: S_TAKE;
            localapi_reply_destroy (&reply);
        }
        else
        if (s_overdue (options, &taker)) {
            lost = lost || asked == S_TAKE;
            asked = S_TAKE;
        }
        if (!taker.deadline && self.count < options->count) {
            localapi_request_t request;
            memset (&request, 0, sizeof (request));
            if (asked == S_WAITING) {
                strcpy (request.op, "notice-wait");
                request.timeout_ms = 1000;
            }
            else {
                strcpy (request.op, "notice-take");
                request.max = 100;
                snprintf (request.ref, sizeof (request.ref), "%s-take-%d", options->run, take);
            }
            s_ask (options, &taker, &request, 0);
            localapi_request_clear (&request);
        }
        //  Feedback, LANES at a time
        for (int index = 0; index < options->lanes; index++) {
            s_lane_t *lane = &lanes [index];
            if (lane->deadline && s_answer (lane, &reply)) {
                if (reply.status == STATUS_OK || reply.status == STATUS_ALREADY_HANDLED) {
                    self.handled [lane->item] = 2;
                    self.done++;
                }
                else {
                    self.handled [lane->item] = 0;
                    self.retry_at [lane->item] = s_now () + S_RETRY_MS;
                    next = lane->item < next? lane->item: next;
                }
                localapi_reply_destroy (&reply);
            }
            else
            if (s_overdue (options, lane)) {
                self.handled [lane->item] = 0;      //  again: ALREADY_HANDLED if it was
                next = lane->item < next? lane->item: next;
            }
            if (lane->deadline)
                continue;
            while (next < self.count && self.handled [next] != 0)
                next++;
            int item = next;
            int64_t now = s_now ();
            while (item < self.count && (self.handled [item] || self.retry_at [item] > now))
                item++;
            if (item >= self.count)
                continue;
            localapi_request_t request;
            memset (&request, 0, sizeof (request));
            strcpy (request.op, "notice-feedback");
            snprintf (request.id, sizeof (request.id), "%s", self.ids [item]);
            strcpy (request.result, "licence-issued");
            strcpy (request.query.officer, "noticedrive");
            request.text = strdup ("food operations licence issued");
            s_ask (options, lane, &request, item);
            localapi_request_clear (&request);
            self.handled [item] = 1;
        }
        s_wait (lanes, options->lanes, &taker, 50);
    }
    int64_t elapsed = s_now () - start;
    printf ("noticedrive: %d notices taken (%d by take, %d by a take made again after its "
            "answer was lost, %d given twice), %d handled, in %.2f s\n", self.count,
            self.by_take, self.by_again, self.given_twice, self.done, (double) elapsed / 1000);
    for (int index = 0; index < options->lanes; index++)
        zsock_destroy (&lanes [index].socket);
    zsock_destroy (&taker.socket);
    zhashx_destroy (&self.seen);
    free (self.ids);
    free (self.handled);
    free (self.retry_at);
    return self.done == options->count? 0: 1;
}


//  --------------------------------------------------------------------------

static void
s_usage (FILE *file)
{
    fprintf (file,
        "usage: sluice-noticedrive send --config CFG --to DEPT --key USCC --count N\n"
        "                          [--lanes N] [--log FILE] [--wait delivered|handled]\n"
        "                          [--timeout-ms MS] [--seconds S]\n"
        "       sluice-noticedrive receive --config CFG --count N [--lanes N] [--log FILE]\n"
        "                          [--timeout-ms MS] [--seconds S]\n"
        "       sluice-noticedrive --help | --version\n"
        "Drives notices through a gateway's local API (tests/noticedrive.c says how).\n");
}

static int
s_number (const char *text, int64_t low, int64_t high, int64_t *value)
{
    char *end = NULL;
    long long number = text? strtoll (text, &end, 10): 0;
    if (!text || end == text || *end || number < low || number > high)
        return -1;
    *value = number;
    return 0;
}

int
main (int argc, char **argv)
{
    s_options_t options = { .lanes = 16, .timeout_ms = 20000, .seconds = 600 };
    if (version_asked (argc, argv, "sluice-noticedrive", stdout))
        return 0;
    if (argc < 2 || (!streq (argv [1], "send") && !streq (argv [1], "receive"))) {
        s_usage (argc > 1 && streq (argv [1], "--help")? stdout: stderr);
        return argc > 1 && streq (argv [1], "--help")? 0: 64;
    }
    options.mode = argv [1];
    for (int index = 2; index < argc; index++) {
        const char *flag = argv [index], *value = index + 1 < argc? argv [index + 1]: NULL;
        int64_t number = 0;
        int rc = 0;
        if (streq (flag, "--config"))   options.config = value;
        else
        if (streq (flag, "--to"))       options.to = value;
        else
        if (streq (flag, "--key"))      options.key = value;
        else
        if (streq (flag, "--log"))      options.log_path = value;
        else
        if (streq (flag, "--wait"))     options.wait_state = value;
        else
        if (streq (flag, "--count"))
            rc = s_number (value, 1, 1000000, &number) || !(options.count = (int) number);
        else
        if (streq (flag, "--lanes"))
            rc = s_number (value, 1, S_LANES_MAX, &number) || !(options.lanes = (int) number);
        else
        if (streq (flag, "--timeout-ms"))
            rc = s_number (value, 100, 600000, &options.timeout_ms);
        else
        if (streq (flag, "--seconds"))
            rc = s_number (value, 1, 86400, &options.seconds);
        else
            rc = -1;
        if (rc || !value) {
            fprintf (stderr, "noticedrive: %s: a bad option or value\n", flag);
            s_usage (stderr);
            return 64;
        }
        index++;
    }
    bool send = streq (options.mode, "send");
    snprintf (options.run, sizeof (options.run), "%" PRIx64, (uint64_t) zclock_usecs ());
    if (!options.config || !options.count || (send && (!options.to || !options.key))
    ||  (options.wait_state && !streq (options.wait_state, "delivered")
                            && !streq (options.wait_state, "handled"))) {
        s_usage (stderr);
        return 64;
    }
    char *error = NULL;
    conf_t *conf = conf_load (options.config, settings_gateway, &error);
    if (!conf) {
        fprintf (stderr, "noticedrive: %s\n", error? error: options.config);
        zstr_free (&error);
        return 64;
    }
    options.endpoint = strdup (conf_str (conf, "gateway/local"));
    options.lock = zsys_sprintf ("%s/lock", conf_str (conf, "gateway/state"));
    conf_destroy (&conf);
    if (options.log_path && !(options.log = fopen (options.log_path, "a"))) {
        fprintf (stderr, "noticedrive: cannot write %s\n", options.log_path);
        return 64;
    }
    zsys_init ();
    zsys_set_linger (0);
    int rc = send? s_send_all (&options): s_receive_all (&options);
    if (options.log)
        fclose (options.log);
    free (options.endpoint);
    zstr_free (&options.lock);
    return rc;
}
