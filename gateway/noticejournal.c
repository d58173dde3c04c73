/*  noticejournal.c -- an audit record as the notice store's journal keeps
    it; see noticejournal.h.  */

#include "noticejournal.h"
#include "codec.h"
#include "status.h"
#include <czmq.h>
#include <sqlite3.h>

#define S_TEXTS     11
#define S_CELLS     16

struct _noticejournal_t {
    uint8_t *data;              //  a copy: the unpacked digests point into it
    msgpack_unpacked unpacked;
    char texts [S_TEXTS][AUDIT_TEXT_MAX + 1];
    audit_record_t record;
};

static int
s_pack_digest (msgpack_packer *pk, const uint8_t *digest)
{
    if (!digest)
        return msgpack_pack_nil (pk);
    return msgpack_pack_bin (pk, AUDIT_DIGEST_SIZE)
         | msgpack_pack_bin_body (pk, digest, AUDIT_DIGEST_SIZE);
}

int
noticejournal_pack (const audit_record_t *record, msgpack_sbuffer *buffer)
{
    assert (record && buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    const char *texts [S_TEXTS] = {
        record->direction, record->msgid, record->peer, record->caller, record->officer,
        record->purpose, record->item, record->key, record->fields, record->decision,
        record->agreement
    };
    int rc = msgpack_pack_array (&pk, S_CELLS)
           | msgpack_pack_int64 (&pk, record->time_ms)
           | msgpack_pack_int64 (&pk, record->msg_time_ms);
    for (size_t index = 0; index < S_TEXTS; index++)
        rc |= codec_pack_str (&pk, texts [index]? texts [index]: "");
    rc |= msgpack_pack_int (&pk, record->status)
       |  s_pack_digest (&pk, record->request_digest)
       |  s_pack_digest (&pk, record->response_digest);
    return rc? -1: 0;
}

static bool
s_is_int (const msgpack_object *object)
{
    return object->type == MSGPACK_OBJECT_POSITIVE_INTEGER
        || object->type == MSGPACK_OBJECT_NEGATIVE_INTEGER;
}

//  A digest cell: 0 (set or left NULL), or -1
static int
s_digest (const msgpack_object *cell, const uint8_t **digest)
{
    if (cell->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (cell->type != MSGPACK_OBJECT_BIN || cell->via.bin.size != AUDIT_DIGEST_SIZE)
        return -1;
    *digest = (const uint8_t *) cell->via.bin.ptr;
    return 0;
}

noticejournal_t *
noticejournal_read (const void *data, size_t size)
{
    noticejournal_t *self = (noticejournal_t *) zmalloc (sizeof (noticejournal_t));
    assert (self);
    msgpack_unpacked_init (&self->unpacked);
    self->data = (uint8_t *) malloc (size? size: 1);
    assert (self->data);
    if (size)
        memcpy (self->data, data, size);
    bool valid = data && codec_unpack (self->data, size, &self->unpacked) == STATUS_OK;
    const msgpack_object *array = &self->unpacked.data;
    valid = valid && array->type == MSGPACK_OBJECT_ARRAY && array->via.array.size == S_CELLS;
    const msgpack_object *cell = valid? array->via.array.ptr: NULL;
    valid = valid && s_is_int (&cell [0]) && s_is_int (&cell [1]) && s_is_int (&cell [13]);
    for (size_t index = 0; valid && index < S_TEXTS; index++)
        valid = codec_copy_str (&cell [2 + index], self->texts [index],
                                sizeof (self->texts [index])) == 0;
    audit_record_t *record = &self->record;
    valid = valid && s_digest (&cell [14], &record->request_digest) == 0
                  && s_digest (&cell [15], &record->response_digest) == 0;
    if (!valid) {
        noticejournal_destroy (&self);
        return NULL;
    }
    record->time_ms = cell [0].via.i64;
    record->msg_time_ms = cell [1].via.i64;
    record->status = (int) cell [13].via.i64;
    const char **texts [S_TEXTS] = {
        &record->direction, &record->msgid, &record->peer, &record->caller,
        &record->officer, &record->purpose, &record->item, &record->key, &record->fields,
        &record->decision, &record->agreement
    };
    for (size_t index = 0; index < S_TEXTS; index++)
        *texts [index] = self->texts [index];
    return self;
}

void
noticejournal_destroy (noticejournal_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        msgpack_unpacked_destroy (&(*self_p)->unpacked);
        free ((*self_p)->data);
        free (*self_p);
        *self_p = NULL;
    }
}

const audit_record_t *
noticejournal_record (noticejournal_t *self)
{
    assert (self);
    return &self->record;
}

static bool
s_same_text (const char *one, const char *two)
{
    return streq (one? one: "", two? two: "");
}

bool
noticejournal_same (const audit_record_t *one, const audit_record_t *two)
{
    assert (one && two);
    return one->time_ms == two->time_ms && one->status == two->status
        && s_same_text (one->direction, two->direction)
        && s_same_text (one->msgid, two->msgid) && s_same_text (one->peer, two->peer)
        && s_same_text (one->decision, two->decision);
}

int64_t
noticejournal_each (sqlite3 *db, const char *path,
                    void (*fn) (const audit_record_t *record, int64_t id, void *arg),
                    void *arg)
{
    assert (db && path && fn);
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (db, "SELECT id, record FROM journal ORDER BY id", -1, &stmt,
                            NULL) != SQLITE_OK)
        return -1;
    int64_t count = 0;
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        noticejournal_t *entry = noticejournal_read (sqlite3_column_blob (stmt, 1),
                                                     (size_t) sqlite3_column_bytes (stmt, 1));
        if (entry) {
            fn (noticejournal_record (entry), sqlite3_column_int64 (stmt, 0), arg);
            count++;
        }
        else
            zsys_warning ("%s: a journal row that does not read, left out", path);
        noticejournal_destroy (&entry);
    }
    sqlite3_finalize (stmt);
    return rc == SQLITE_DONE? count: -1;
}

void
noticejournal_test (bool verbose)
{
    if (verbose)
        printf (" * noticejournal: ");
    char msgid [33];
    audit_record_t record = auditrecord_example (3, msgid);
    uint8_t digest [AUDIT_DIGEST_SIZE];
    memset (digest, 0xab, sizeof (digest));
    record.request_digest = digest;
    record.response_digest = NULL;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert (noticejournal_pack (&record, &buffer) == 0);
    noticejournal_t *entry = noticejournal_read (buffer.data, buffer.size);
    assert (entry);
    const audit_record_t *back = noticejournal_record (entry);
    assert (noticejournal_same (&record, back));
    assert (back->msg_time_ms == record.msg_time_ms);
    assert (streq (back->officer, record.officer) && streq (back->key, record.key));
    assert (memcmp (back->request_digest, digest, AUDIT_DIGEST_SIZE) == 0);
    //  It holds its own copy
    memset (buffer.data, 0, buffer.size);
    assert (memcmp (back->request_digest, digest, AUDIT_DIGEST_SIZE) == 0);
    assert (streq (back->officer, record.officer));
    assert (back->response_digest == NULL);
    audit_record_t other = record;
    other.decision = "refused";
    assert (!noticejournal_same (&other, back));
    noticejournal_destroy (&entry);
    noticejournal_destroy (&entry);
    //  Every cut is refused, and what is not a record
    for (size_t size = 0; size < buffer.size; size++)
        assert (!noticejournal_read (buffer.data, size));
    const uint8_t not_one [] = { 0x91, 0x01 };
    assert (!noticejournal_read (not_one, sizeof (not_one)));
    assert (!noticejournal_read (NULL, 0));
    msgpack_sbuffer_destroy (&buffer);
    if (verbose)
        printf ("OK\n");
}
