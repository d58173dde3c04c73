/*  directory.c -- the broker's numbered directory, paged, with deltas.

    Each certificate is held as its text with the version at which it last
    changed, one entry per department and serial: a renewed department's
    superseded certificates travel too, since gateways verify with them what
    the old keys signed (truststore_verify_by). A transfer from version
    `since` is every certificate changed after it, in department and serial
    order, then the list's text if it changed after it; pages are filled in that order up to the page size, the list's text
    cut across as many pages as it needs. Updates are rare (a file changed)
    and transfers are built from scratch each time: a pass over the held
    certificates, nothing kept per gateway.
*/

#include "directory.h"
#include "message.h"
#include "crl.h"
#include "certtext.h"
#include "status.h"
#include <sodium.h>

//  Transfers kept between updates (most gateways are at one of a few
//  versions: nothing, the one before the last change, the current one)
#define S_TRANSFERS 4

typedef struct {
    char department [ENVELOPE_DEPT_MAX + 1];
    uint64_t serial;
    char key [ENVELOPE_DEPT_MAX + 22];  //  "DEPARTMENT SERIAL", the entry's key
    char *text;                 //  the public certificate text
    uint8_t signature [CERT_SIG_BYTES];     //  the authority's, over all of it
    uint64_t changed;           //  version at which it last changed
} s_entry_t;

//  What one page carries: entries [first, first + count) of the transfer,
//  and bytes [crl_offset, crl_offset + crl_length) of the list's text.
typedef struct {
    size_t first, count;
    size_t crl_offset, crl_length;
} s_plan_t;

struct _directory_t {
    message_page_t head;        //  broker, heartbeat and epoch of every page
    uint64_t version;
    zhashx_t *entries;          //  "DEPARTMENT SERIAL" -> s_entry_t, owned
    zlistx_t *order;            //  the entries by department and serial, borrowed
    char *crl_text;             //  NULL if no list is held
    size_t crl_size;
    uint64_t crl_changed;
    size_t page_bytes;
    zlistx_t *transfers [S_TRANSFERS];  //  built since the last update,
    uint64_t transfers_since [S_TRANSFERS];  //  from these versions
    size_t next_transfer;               //  the slot built next
};

static void
s_entry_destroy (s_entry_t **entry_p)
{
    if (*entry_p) {
        zstr_free (&(*entry_p)->text);
        free (*entry_p);
        *entry_p = NULL;
    }
}

static int
s_entry_compare (const void *one, const void *other)
{
    const s_entry_t *entry = (const s_entry_t *) one;
    const s_entry_t *another = (const s_entry_t *) other;
    int order = strcmp (entry->department, another->department);
    if (order == 0)
        order = entry->serial < another->serial? -1: entry->serial > another->serial;
    return order;
}

static zhashx_t *
s_entries_new (void)
{
    zhashx_t *entries = zhashx_new ();
    assert (entries);
    zhashx_set_destructor (entries, (zhashx_destructor_fn *) s_entry_destroy);
    return entries;
}

directory_t *
directory_new (const char *broker, uint64_t heartbeat_ms)
{
    assert (broker);
    directory_t *self = (directory_t *) zmalloc (sizeof (directory_t));
    assert (self);
    snprintf (self->head.broker, sizeof (self->head.broker), "%s", broker);
    self->head.heartbeat_ms = heartbeat_ms;
    //  Never 0, which a gateway's HELLO uses for "nothing held"
    do
        randombytes_buf (&self->head.epoch, sizeof (self->head.epoch));
    while (self->head.epoch == 0);
    self->entries = s_entries_new ();
    self->order = zlistx_new ();
    assert (self->order);
    zlistx_set_comparator (self->order, s_entry_compare);
    self->page_bytes = DIRECTORY_PAGE_BYTES;
    return self;
}

static void
s_forget_transfers (directory_t *self)
{
    for (size_t index = 0; index < S_TRANSFERS; index++)
        zlistx_destroy (&self->transfers [index]);
}

void
directory_destroy (directory_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        directory_t *self = *self_p;
        s_forget_transfers (self);
        zlistx_destroy (&self->order);
        zhashx_destroy (&self->entries);
        zstr_free (&self->crl_text);
        free (self);
        *self_p = NULL;
    }
}

size_t
directory_update (directory_t *self, truststore_t *trust)
{
    assert (self && trust);
    uint64_t next = self->version + 1;
    size_t changes = 0;
    zhashx_t *entries = s_entries_new ();
    for (cert_t *cert = truststore_first (trust); cert; cert = truststore_next (trust)) {
        s_entry_t *entry = (s_entry_t *) zmalloc (sizeof (s_entry_t));
        assert (entry);
        snprintf (entry->department, sizeof (entry->department), "%s",
                  cert_department (cert));
        entry->serial = cert_serial (cert);
        snprintf (entry->key, sizeof (entry->key), "%s %" PRIu64, entry->department,
                  entry->serial);
        memcpy (entry->signature, cert_authority_signature (cert), CERT_SIG_BYTES);
        //  The same signature is the same certificate (it covers every field
        //  of the text, and the store verified it): its text is not made
        //  again, which a reload of ten thousand would spend the loop on
        s_entry_t *held = (s_entry_t *) zhashx_lookup (self->entries, entry->key);
        if (held && held->text
        &&  memcmp (held->signature, entry->signature, CERT_SIG_BYTES) == 0) {
            entry->text = held->text;
            held->text = NULL;
            entry->changed = held->changed;
        }
        else {
            entry->text = certtext_encode (cert);
            assert (entry->text);
            entry->changed = next;
            changes++;
        }
        if (zhashx_insert (entries, entry->key, entry))
            s_entry_destroy (&entry);   //  a store holds one per serial: never
    }
    zhashx_destroy (&self->entries);
    self->entries = entries;
    zlistx_purge (self->order);
    for (s_entry_t *entry = (s_entry_t *) zhashx_first (entries); entry;
         entry = (s_entry_t *) zhashx_next (entries))
        zlistx_add_end (self->order, entry);
    zlistx_sort (self->order);

    crl_t *crl = truststore_crl (trust);
    char *crl_text = crl? crl_encode (crl): NULL;
    if (crl_text && (!self->crl_text || !streq (crl_text, self->crl_text))) {
        self->crl_changed = next;
        changes++;
    }
    zstr_free (&self->crl_text);
    self->crl_text = crl_text;
    self->crl_size = crl_text? strlen (crl_text): 0;
    if (changes)
        self->version = next;
    s_forget_transfers (self);
    return changes;
}

uint64_t
directory_epoch (directory_t *self)
{
    assert (self);
    return self->head.epoch;
}

uint64_t
directory_version (directory_t *self)
{
    assert (self);
    return self->version;
}

size_t
directory_size (directory_t *self)
{
    assert (self);
    return zhashx_size (self->entries);
}

uint64_t
directory_since (directory_t *self, uint64_t epoch, uint64_t version)
{
    assert (self);
    return epoch == self->head.epoch && version <= self->version? version: 0;
}

void
directory_set_page_bytes (directory_t *self, size_t bytes)
{
    assert (self && bytes > 0);
    self->page_bytes = bytes;
    s_forget_transfers (self);
}

//  Plans the pages of a transfer of `texts` (count of them) and `crl`
//  bytes of list text; returns the number of pages, *plan_p a fresh array.
static size_t
s_plan (directory_t *self, s_entry_t **texts, size_t count, size_t crl,
        s_plan_t **plan_p)
{
    size_t pages = 0, capacity = 0, used = 0;
    s_plan_t *plan = NULL;
    bool open = false;
    size_t index = 0, crl_done = 0;
    while (index < count || crl_done < crl) {
        size_t size = index < count? strlen (texts [index]->text): 0;
        //  A new page when none is open, or this text does not fit in the
        //  open one (every page takes at least one text), or the open one
        //  has no room left for list text
        if (!open || (index < count && plan [pages - 1].count && used + size > self->page_bytes)
        ||  (index == count && used >= self->page_bytes)) {
            if (pages == capacity) {
                capacity = capacity? capacity * 2: 8;
                plan = (s_plan_t *) realloc (plan, capacity * sizeof (s_plan_t));
                assert (plan);
            }
            plan [pages++] = (s_plan_t) { index, 0, crl_done, 0 };
            used = 0;
            open = true;
        }
        s_plan_t *page = &plan [pages - 1];
        if (index < count) {
            page->count++;
            used += size;
            index++;
        }
        else {
            size_t take = crl - crl_done;
            if (take > self->page_bytes - used)
                take = self->page_bytes - used;
            page->crl_length += take;
            crl_done += take;
            used += take;
        }
    }
    *plan_p = plan;
    return pages;
}

static zchunk_t *
s_encode (const message_page_t *page, const char *const *texts, size_t count,
          const uint8_t *crl_piece, size_t crl_piece_size)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    message_directory_encode (page, texts, count, crl_piece, crl_piece_size, &buffer);
    zchunk_t *chunk = zchunk_new (buffer.data, buffer.size);
    assert (chunk);
    msgpack_sbuffer_destroy (&buffer);
    return chunk;
}

static void
s_chunk_destroy (zchunk_t **chunk_p)
{
    zchunk_destroy (chunk_p);
}

static zlistx_t *
s_transfer (directory_t *self, uint64_t since)
{
    size_t count = 0;
    s_entry_t **texts = (s_entry_t **) calloc (zlistx_size (self->order) + 1,
                                               sizeof (s_entry_t *));
    assert (texts);
    for (s_entry_t *entry = (s_entry_t *) zlistx_first (self->order); entry;
         entry = (s_entry_t *) zlistx_next (self->order))
        if (entry->changed > since)
            texts [count++] = entry;
    size_t crl = self->crl_text && self->crl_changed > since? self->crl_size: 0;
    s_plan_t *plan = NULL;
    size_t pages = s_plan (self, texts, count, crl, &plan);

    message_page_t head = self->head;
    head.version = self->version;
    head.since = since;
    head.pages = pages;
    head.crl_size = crl;
    zlistx_t *transfer = zlistx_new ();
    assert (transfer);
    zlistx_set_destructor (transfer, (zlistx_destructor_fn *) s_chunk_destroy);
    zlistx_add_end (transfer, s_encode (&head, NULL, 0, NULL, 0));
    const char **page_texts = (const char **) calloc (count + 1, sizeof (char *));
    assert (page_texts);
    for (size_t number = 0; number < pages; number++) {
        head.page = number + 1;
        for (size_t index = 0; index < plan [number].count; index++)
            page_texts [index] = texts [plan [number].first + index]->text;
        zlistx_add_end (transfer, s_encode (&head, page_texts, plan [number].count,
                        (const uint8_t *) self->crl_text + plan [number].crl_offset,
                        plan [number].crl_length));
    }
    free (page_texts);
    free (plan);
    free (texts);
    return transfer;
}

zlistx_t *
directory_transfer (directory_t *self, uint64_t since)
{
    assert (self);
    for (size_t index = 0; index < S_TRANSFERS; index++)
        if (self->transfers [index] && self->transfers_since [index] == since)
            return self->transfers [index];
    size_t slot = self->next_transfer++ % S_TRANSFERS;
    zlistx_destroy (&self->transfers [slot]);
    self->transfers [slot] = s_transfer (self, since);
    self->transfers_since [slot] = since;
    return self->transfers [slot];
}


//  --------------------------------------------------------------------------
//  Self-test

//  Decodes a transfer, checks its pages, and returns the certificate texts
//  it carries (fresh list) and the list text (fresh, or NULL).
static zlist_t *
s_receive (directory_t *self, zlistx_t *transfer, uint64_t since, char **crl_text)
{
    zlist_t *texts = zlist_new ();
    zlist_autofree (texts);
    zchunk_t *chunk = (zchunk_t *) zlistx_first (transfer);
    message_directory_t page;
    assert (message_directory_decode (zchunk_data (chunk), zchunk_size (chunk), &page) == 0);
    assert (page.page.page == 0 && page.certs->via.array.size == 0);
    assert (page.page.since == since && page.page.version == self->version);
    assert (page.page.epoch == self->head.epoch);
    uint64_t pages = page.page.pages;
    size_t crl_size = page.page.crl_size;
    message_directory_destroy (&page);
    assert (zlistx_size (transfer) == pages + 1);
    char *crl = crl_size? (char *) zmalloc (crl_size + 1): NULL;
    size_t crl_got = 0;
    for (uint64_t number = 1; number <= pages; number++) {
        chunk = (zchunk_t *) zlistx_next (transfer);
        //  Well under the payload limit, and near the page size
        assert (zchunk_size (chunk) < self->page_bytes + 512 + 16 * 8);
        assert (message_directory_decode (zchunk_data (chunk), zchunk_size (chunk),
                                          &page) == 0);
        assert (page.page.page == number && page.page.pages == pages);
        for (uint32_t index = 0; index < page.certs->via.array.size; index++) {
            const msgpack_object_str *text = &page.certs->via.array.ptr [index].via.str;
            char *copy = strndup (text->ptr, text->size);
            zlist_append (texts, copy);
            free (copy);
        }
        assert (crl_got + page.crl_piece_size <= crl_size);
        if (page.crl_piece_size)
            memcpy (crl + crl_got, page.crl_piece, page.crl_piece_size);
        crl_got += page.crl_piece_size;
        message_directory_destroy (&page);
    }
    assert (crl_got == crl_size);
    *crl_text = crl;
    return texts;
}

void
directory_test (bool verbose)
{
    if (verbose)
        printf (" * directory: ");
    authority_t *authority = authority_new ("test authority", NULL);
    truststore_t *trust = truststore_new (authority_public (authority));
    for (int index = 0; index < 40; index++) {
        char department [32];
        snprintf (department, sizeof (department), "SH-PD-T%03d", index);
        cert_t *cert = cert_new (department, "test", "department", 1, 1, 0, 4102444800, NULL);
        cert_sign_by (cert, authority);
        assert (truststore_add (trust, &cert) == STATUS_OK);
    }
    directory_t *directory = directory_new ("BROKER", 500);
    directory_set_page_bytes (directory, 4096);
    assert (directory_version (directory) == 0 && directory_epoch (directory) != 0);

    //  Everything, in pages of a few certificates each
    assert (directory_update (directory, trust) == 40);
    assert (directory_version (directory) == 1 && directory_size (directory) == 40);
    zlistx_t *transfer = directory_transfer (directory, 0);
    char *crl_text = NULL;
    zlist_t *texts = s_receive (directory, transfer, 0, &crl_text);
    assert (zlist_size (texts) == 40 && !crl_text);
    assert (zlistx_size (transfer) > 8);
    cert_t *first = certtext_decode (zlist_first (texts), strlen (zlist_first (texts)), NULL);
    assert (first && streq (cert_department (first), "SH-PD-T000"));
    cert_destroy (&first);
    zlist_destroy (&texts);
    //  Asked again, the same pages, built once
    assert (directory_transfer (directory, 0) == transfer);

    //  The same store again changes nothing; the version held is current,
    //  so the transfer is the WELCOME alone
    assert (directory_update (directory, trust) == 0);
    assert (directory_version (directory) == 1);
    transfer = directory_transfer (directory, 1);
    assert (zlistx_size (transfer) == 1);

    //  A new department, a renewed one and a list long enough to be cut
    //  across pages: one version, and a delta of exactly those
    cert_t *cert = cert_new ("SH-PD-NEW", "new", "department", 1, 1, 0, 4102444800, NULL);
    cert_sign_by (cert, authority);
    assert (truststore_add (trust, &cert) == STATUS_OK);
    cert = cert_new ("SH-PD-T007", "renewed", "department", 1, 2, 0, 4102444800, NULL);
    cert_sign_by (cert, authority);
    assert (truststore_add (trust, &cert) == STATUS_OK);
    crl_t *crl = crl_new (1, NULL);
    for (int index = 0; index < 200; index++) {
        char department [32];
        snprintf (department, sizeof (department), "SH-PD-GONE-%03d", index);
        assert (crl_add (crl, department, 0, 1767225600, "left the federation", NULL) == 0);
    }
    crl_sign_by (crl, authority);
    char *expected_crl = crl_encode (crl);
    assert (strlen (expected_crl) > 3 * 4096);
    assert (truststore_set_crl (trust, &crl) == STATUS_OK);
    assert (directory_update (directory, trust) == 3);
    assert (directory_version (directory) == 2);
    transfer = directory_transfer (directory, 1);
    texts = s_receive (directory, transfer, 1, &crl_text);
    assert (zlist_size (texts) == 2);
    assert (crl_text && streq (crl_text, expected_crl));
    zstr_free (&crl_text);
    zlist_destroy (&texts);
    //  From the start: all 42 (the renewed department's superseded serial 1
    //  too, before its serial 2) and the list
    transfer = directory_transfer (directory, 0);
    texts = s_receive (directory, transfer, 0, &crl_text);
    assert (zlist_size (texts) == 42 && crl_text);
    assert (directory_size (directory) == 42);
    size_t renewed = 0;
    for (char *text = (char *) zlist_first (texts); text; text = (char *) zlist_next (texts)) {
        cert_t *held = certtext_decode (text, strlen (text), NULL);
        assert (held);
        if (streq (cert_department (held), "SH-PD-T007"))
            assert (cert_serial (held) == ++renewed);
        cert_destroy (&held);
    }
    assert (renewed == 2);
    zstr_free (&crl_text);
    zlist_destroy (&texts);
    zstr_free (&expected_crl);

    //  What a HELLO says it holds: this epoch's version, else everything
    uint64_t epoch = directory_epoch (directory);
    assert (directory_since (directory, epoch, 1) == 1);
    assert (directory_since (directory, epoch, 2) == 2);
    assert (directory_since (directory, epoch, 3) == 0);        //  beyond ours
    assert (directory_since (directory, epoch + 1, 1) == 0);    //  another run
    assert (directory_since (directory, 0, 0) == 0);

    //  A certificate larger than a page still travels, alone on its page
    directory_set_page_bytes (directory, 100);
    transfer = directory_transfer (directory, 0);
    assert (zlistx_size (transfer) > 42 + 1);

    //  A store read again (other copies of the same certificates) changes
    //  nothing; a certificate issued again under the same serial with other
    //  content (so another signature) is a change, and its new text travels
    directory_set_page_bytes (directory, 4096);
    for (int round = 0; round < 2; round++) {
        truststore_t *again = truststore_new (authority_public (authority));
        for (cert = truststore_first (trust); cert; cert = truststore_next (trust)) {
            cert_t *copy = cert_dup (cert);
            if (round == 1 && streq (cert_department (copy), "SH-PD-T003")) {
                cert_destroy (&copy);
                copy = cert_new ("SH-PD-T003", "issued again", "department", 1, 1, 0,
                                 4102444800, NULL);
                cert_sign_by (copy, authority);
            }
            assert (truststore_add (again, &copy) == STATUS_OK);
        }
        char *text = crl_encode (truststore_crl (trust));
        crl = crl_decode (text, strlen (text), NULL);
        zstr_free (&text);
        assert (truststore_set_crl (again, &crl) == STATUS_OK);
        assert (directory_update (directory, again) == (size_t) round);
        truststore_destroy (&again);
    }
    assert (directory_version (directory) == 3);
    transfer = directory_transfer (directory, 2);
    texts = s_receive (directory, transfer, 2, &crl_text);
    assert (zlist_size (texts) == 1 && !crl_text);
    assert (strstr ((char *) zlist_first (texts), "issued again"));
    zlist_destroy (&texts);

    directory_destroy (&directory);
    directory_destroy (&directory);
    truststore_destroy (&trust);
    authority_destroy (&authority);
    if (verbose)
        printf ("OK\n");
}
