/*  dirsync.c -- what a gateway holds of one broker's directory.  */

#include "dirsync.h"

struct _dirsync_t {
    uint64_t held_epoch, held_version;
    bool active;                //  a transfer is in progress
    message_page_t transfer;    //  its head (page unused)
    uint64_t next;              //  the page expected next
    char *crl;                  //  the list's text, put together
    size_t crl_got;
    bool crl_ready;             //  a complete transfer carried a list
    bool whole;                 //  the last transfer was DIRSYNC_DONE, and
                                //  none is under way
};

dirsync_t *
dirsync_new (void)
{
    dirsync_t *self = (dirsync_t *) zmalloc (sizeof (dirsync_t));
    assert (self);
    return self;
}

void
dirsync_destroy (dirsync_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free ((*self_p)->crl);
        free (*self_p);
        *self_p = NULL;
    }
}

uint64_t
dirsync_epoch (dirsync_t *self)
{
    assert (self);
    return self->held_epoch;
}

uint64_t
dirsync_version (dirsync_t *self)
{
    assert (self);
    return self->held_version;
}

bool
dirsync_held (dirsync_t *self)
{
    assert (self);
    return self->whole && !self->active;
}

static void
s_drop (dirsync_t *self)
{
    self->active = false;
    self->whole = false;
    self->crl_ready = false;
    self->crl_got = 0;
    free (self->crl);
    self->crl = NULL;
}

//  True if the page belongs to the transfer in progress.
static bool
s_same (const message_page_t *one, const message_page_t *other)
{
    return streq (one->broker, other->broker) && one->epoch == other->epoch
        && one->version == other->version && one->since == other->since
        && one->pages == other->pages && one->crl_size == other->crl_size;
}

static void
s_start (dirsync_t *self, const message_page_t *head)
{
    s_drop (self);
    self->active = true;
    self->transfer = *head;
    self->next = 1;
    self->crl = (char *) zmalloc (head->crl_size + 1);
    assert (self->crl);
}

//  The last page is in: what it means for what is held.
static dirsync_result_t
s_finish (dirsync_t *self)
{
    const message_page_t *transfer = &self->transfer;
    self->active = false;
    if (self->crl_got != transfer->crl_size) {
        s_drop (self);
        return DIRSYNC_BROKEN;
    }
    self->crl_ready = transfer->crl_size > 0;
    bool same_epoch = transfer->epoch == self->held_epoch;
    if (transfer->since > 0 && !(same_epoch && transfer->since <= self->held_version))
        return DIRSYNC_BEHIND;
    if (!same_epoch || transfer->version > self->held_version) {
        self->held_epoch = transfer->epoch;
        self->held_version = transfer->version;
    }
    self->whole = true;
    return DIRSYNC_DONE;
}

dirsync_result_t
dirsync_take (dirsync_t *self, const message_directory_t *directory, bool welcome)
{
    assert (self && directory);
    const message_page_t *page = &directory->page;
    if (!self->active)
        s_drop (self);          //  the list of the last transfer is given up
    if (welcome != (page->page == 0)) {
        s_drop (self);
        return DIRSYNC_BROKEN;
    }
    //  A transfer starts with its WELCOME or, for a push, its first page
    if (welcome || (page->page == 1
                && !(self->active && self->next == 1 && s_same (&self->transfer, page))))
        s_start (self, page);
    else
    if (!self->active || page->page != self->next || !s_same (&self->transfer, page)) {
        s_drop (self);
        return DIRSYNC_BROKEN;
    }
    if (!welcome) {
        if (directory->crl_piece_size > self->transfer.crl_size - self->crl_got) {
            s_drop (self);
            return DIRSYNC_BROKEN;
        }
        if (directory->crl_piece_size)
            memcpy (self->crl + self->crl_got, directory->crl_piece,
                    directory->crl_piece_size);
        self->crl_got += directory->crl_piece_size;
        self->next++;
    }
    return page->page == page->pages? s_finish (self): DIRSYNC_MORE;
}

const char *
dirsync_crl (dirsync_t *self, size_t *size)
{
    assert (self);
    if (size)
        *size = self->crl_ready? self->crl_got: 0;
    return self->crl_ready? self->crl: NULL;
}


//  --------------------------------------------------------------------------
//  Self-test

//  A decoded page of a transfer, with the bytes it borrows from.
typedef struct {
    message_directory_t page;
    msgpack_sbuffer buffer;
} s_test_page_t;

static s_test_page_t *
s_page (message_page_t head, uint64_t number, const char *piece)
{
    head.page = number;
    const char *texts [] = { "cert" };
    s_test_page_t *self = (s_test_page_t *) zmalloc (sizeof (s_test_page_t));
    msgpack_sbuffer_init (&self->buffer);
    message_directory_encode (&head, texts, number? 1: 0, (const uint8_t *) piece,
                              piece? strlen (piece): 0, &self->buffer);
    int rc = message_directory_decode ((const uint8_t *) self->buffer.data,
                                       self->buffer.size, &self->page);
    assert (rc == 0);
    return self;
}

static void
s_page_destroy (s_test_page_t **self_p)
{
    message_directory_destroy (&(*self_p)->page);
    msgpack_sbuffer_destroy (&(*self_p)->buffer);
    free (*self_p);
    *self_p = NULL;
}

//  Takes a page, checks the result, frees the page.
static void
s_take (dirsync_t *self, message_page_t head, uint64_t number, const char *piece,
        dirsync_result_t expected)
{
    s_test_page_t *page = s_page (head, number, piece);
    dirsync_result_t result = dirsync_take (self, &page->page, number == 0);
    if (result != expected) {
        printf ("dirsync: page %d: %d, expected %d\n", (int) number, result, expected);
        assert (false);
    }
    s_page_destroy (&page);
}

void
dirsync_test (bool verbose)
{
    if (verbose)
        printf (" * dirsync: ");
    dirsync_t *sync = dirsync_new ();
    assert (dirsync_epoch (sync) == 0 && dirsync_version (sync) == 0);
    assert (!dirsync_held (sync));

    //  A full transfer: WELCOME, three pages, the list in two pieces; the
    //  directory is held whole once it is complete
    message_page_t head = { "BROKER", 500, 77, 5, 0, 0, 3, 10 };
    s_take (sync, head, 0, NULL, DIRSYNC_MORE);
    s_take (sync, head, 1, NULL, DIRSYNC_MORE);
    s_take (sync, head, 2, "crl-p", DIRSYNC_MORE);
    assert (!dirsync_crl (sync, NULL));
    assert (!dirsync_held (sync));
    s_take (sync, head, 3, "iece!", DIRSYNC_DONE);
    assert (dirsync_held (sync));
    size_t size;
    assert (streq (dirsync_crl (sync, &size), "crl-piece!") && size == 10);
    assert (dirsync_epoch (sync) == 77 && dirsync_version (sync) == 5);

    //  Nothing changed: a WELCOME of no pages
    message_page_t same = { "BROKER", 500, 77, 5, 5, 0, 0, 0 };
    s_take (sync, same, 0, NULL, DIRSYNC_DONE);
    assert (!dirsync_crl (sync, NULL));
    assert (dirsync_version (sync) == 5);

    //  A pushed delta from the version held
    message_page_t delta = { "BROKER", 500, 77, 6, 5, 0, 1, 0 };
    s_take (sync, delta, 1, NULL, DIRSYNC_DONE);
    assert (dirsync_version (sync) == 6);

    //  A delta from a version after ours: complete, but behind
    message_page_t ahead = { "BROKER", 500, 77, 9, 8, 0, 1, 0 };
    s_take (sync, ahead, 1, NULL, DIRSYNC_BEHIND);
    assert (dirsync_version (sync) == 6);
    assert (!dirsync_held (sync));

    //  A page missing: broken, nothing held changes, the next page of it
    //  is broken too, and a new transfer starts cleanly
    message_page_t next = { "BROKER", 500, 77, 8, 6, 0, 3, 0 };
    s_take (sync, next, 0, NULL, DIRSYNC_MORE);
    s_take (sync, next, 1, NULL, DIRSYNC_MORE);
    s_take (sync, next, 3, NULL, DIRSYNC_BROKEN);
    s_take (sync, next, 2, NULL, DIRSYNC_BROKEN);
    assert (dirsync_version (sync) == 6);
    assert (!dirsync_held (sync));
    s_take (sync, next, 1, NULL, DIRSYNC_MORE);
    s_take (sync, next, 2, NULL, DIRSYNC_MORE);
    assert (!dirsync_held (sync));
    s_take (sync, next, 3, NULL, DIRSYNC_DONE);
    assert (dirsync_version (sync) == 8);
    assert (dirsync_held (sync));

    //  A page of another transfer in the middle of one: broken
    message_page_t one = { "BROKER", 500, 77, 10, 8, 0, 2, 0 };
    message_page_t other = { "BROKER", 500, 77, 11, 8, 0, 2, 0 };
    s_take (sync, one, 1, NULL, DIRSYNC_MORE);
    s_take (sync, other, 2, NULL, DIRSYNC_BROKEN);
    //  List pieces that do not add up: broken
    message_page_t short_list = { "BROKER", 500, 77, 10, 8, 0, 2, 6 };
    s_take (sync, short_list, 1, "abc", DIRSYNC_MORE);
    s_take (sync, short_list, 2, "de", DIRSYNC_BROKEN);
    s_take (sync, short_list, 1, "abcd", DIRSYNC_MORE);
    s_take (sync, short_list, 2, "efg", DIRSYNC_BROKEN);
    //  A WELCOME that is not page 0, a DIRECTORY that is: broken
    message_page_t welcome = { "BROKER", 500, 77, 10, 8, 0, 2, 0 };
    s_test_page_t *page = s_page (welcome, 1, NULL);
    assert (dirsync_take (sync, &page->page, true) == DIRSYNC_BROKEN);
    s_page_destroy (&page);
    page = s_page (welcome, 0, NULL);
    assert (dirsync_take (sync, &page->page, false) == DIRSYNC_BROKEN);
    s_page_destroy (&page);
    assert (dirsync_version (sync) == 8);

    //  A broker that restarted: another epoch, everything from 0
    message_page_t restart = { "BROKER", 500, 91, 2, 0, 0, 1, 0 };
    s_take (sync, restart, 0, NULL, DIRSYNC_MORE);
    s_take (sync, restart, 1, NULL, DIRSYNC_DONE);
    assert (dirsync_epoch (sync) == 91 && dirsync_version (sync) == 2);
    //  A delta of another epoch than the one held: behind
    message_page_t stray = { "BROKER", 500, 92, 3, 2, 0, 1, 0 };
    s_take (sync, stray, 1, NULL, DIRSYNC_BEHIND);
    assert (dirsync_epoch (sync) == 91);

    dirsync_destroy (&sync);
    dirsync_destroy (&sync);
    if (verbose)
        printf ("OK\n");
}
