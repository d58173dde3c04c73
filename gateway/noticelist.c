/*  noticelist.c -- what a local caller lists of the notice store; see
    noticelist.h.  */

#include "noticelist.h"
#include "codec.h"
#include "status.h"
#include "statedb.h"

//  A state number as its name: -1 (no receipt yet) is "sent"
#define S_STATE_NAME \
    "CASE state WHEN -1 THEN 'sent' WHEN 0 THEN 'delivered' WHEN 1 THEN 'received'" \
    " WHEN 2 THEN 'handled' ELSE 'refused' END"

//  The columns of each kind of row, as a local caller sees them
static const char *s_outbox_notice =
    "lower (hex (notice)) AS id, lower (hex (copy)) AS copy, recipient AS \"to\","
    " subject AS kind, key_type, key, fields, basis, deadline_ms AS deadline, officer,"
    " caller, created_ms AS sent_at, " S_STATE_NAME " AS state,"
    " delivered_ms AS delivered_at, received_ms AS received_at, handled_ms AS handled_at,"
    " result, reason, handler AS handled_by, code, tries, queued";
static const char *s_outbox_alert =
    "lower (hex (notice)) AS id, lower (hex (copy)) AS copy, recipient AS \"to\","
    " subject AS topic, severity, key_type, key, text, officer, caller,"
    " created_ms AS sent_at, " S_STATE_NAME " AS state, delivered_ms AS delivered_at,"
    " received_ms AS received_at, reason, code, tries, queued";
static const char *s_inbox_notice =
    "lower (hex (notice)) AS id, lower (hex (copy)) AS copy, sender AS \"from\","
    " subject AS kind, key_type, key, fields, basis, deadline_ms AS deadline, officer,"
    " sent_ms AS sent_at, arrived_ms AS delivered_at, " S_STATE_NAME " AS state,"
    " taken_ms AS received_at, handled_ms AS handled_at, result, reason,"
    " handler AS handled_by, code";
static const char *s_inbox_alert =
    "lower (hex (notice)) AS id, lower (hex (copy)) AS copy, sender AS \"from\","
    " subject AS topic, severity, key_type, key, text, officer, sent_ms AS sent_at,"
    " arrived_ms AS delivered_at, " S_STATE_NAME " AS state, taken_ms AS received_at,"
    " reason, code";

//  One column of the current row, by its name
static void
s_pack_column (msgpack_packer *pk, sqlite3_stmt *stmt, int column)
{
    const char *name = sqlite3_column_name (stmt, column);
    codec_pack_str (pk, name);
    int type = sqlite3_column_type (stmt, column);
    if (type == SQLITE_NULL) {
        if (streq (name, "fields"))
            msgpack_pack_map (pk, 0);
        else
            msgpack_pack_nil (pk);
    }
    else
    if (type == SQLITE_INTEGER) {
        int64_t value = sqlite3_column_int64 (stmt, column);
        if (streq (name, "code"))
            codec_pack_str (pk, value? status_name ((int) value): "");
        else
        if (streq (name, "queued") || streq (name, "overdue")) {
            if (value)
                msgpack_pack_true (pk);
            else
                msgpack_pack_false (pk);
        }
        else
            msgpack_pack_int64 (pk, value);
    }
    else
    if (type == SQLITE_FLOAT)
        msgpack_pack_double (pk, sqlite3_column_double (stmt, column));
    else
    if (type == SQLITE_TEXT)
        codec_pack_str (pk, (const char *) sqlite3_column_text (stmt, column));
    else {
        //  A notice's fields: the map they were stored as
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        if (streq (name, "fields")
        &&  codec_unpack ((const uint8_t *) sqlite3_column_blob (stmt, column),
                          (size_t) sqlite3_column_bytes (stmt, column), &unpacked)
            == STATUS_OK)
            msgpack_pack_object (pk, unpacked.data);
        else
            msgpack_pack_nil (pk);
        msgpack_unpacked_destroy (&unpacked);
    }
}

//  Packs every row of a prepared statement as a map of its columns, into
//  an array; the count, or -1. The rows are counted first (the array's
//  size comes before them).
static int64_t
s_pack_rows (sqlite3_stmt *stmt, msgpack_packer *pk)
{
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer inner;
    msgpack_packer_init (&inner, &rows, msgpack_sbuffer_write);
    int64_t count = 0;
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int columns = sqlite3_column_count (stmt);
        msgpack_pack_map (&inner, (size_t) columns);
        for (int column = 0; column < columns; column++)
            s_pack_column (&inner, stmt, column);
        count++;
    }
    if (rc != SQLITE_DONE)
        count = -1;
    msgpack_pack_array (pk, count > 0? (size_t) count: 0);
    if (count > 0)
        msgpack_pack_str_body (pk, rows.data, rows.size);     //  raw bytes
    msgpack_sbuffer_destroy (&rows);
    return count;
}

//  Prepares *sql_p (freed), binds its parameters as `bind` says, and packs
//  its rows; an empty array if it cannot be prepared. The count, or -1.
static int64_t
s_pack_query (sqlite3 *db, char **sql_p, void (*bind) (sqlite3_stmt *, const void *),
              const void *arg, msgpack_packer *pk)
{
    sqlite3_stmt *stmt = NULL;
    int64_t count = -1;
    if (sqlite3_prepare_v2 (db, *sql_p, -1, &stmt, NULL) == SQLITE_OK) {
        bind (stmt, arg);
        count = s_pack_rows (stmt, pk);
    }
    else
        msgpack_pack_array (pk, 0);
    sqlite3_finalize (stmt);
    zstr_free (sql_p);
    return count;
}

//  A listing's parameters: ?1 now, ?2 the type, ?3 the notice id, ?4 max
static void
s_bind_filter (sqlite3_stmt *stmt, const void *arg)
{
    const notices_filter_t *filter = (const notices_filter_t *) arg;
    sqlite3_bind_int64 (stmt, 1, filter->now_ms);
    sqlite3_bind_int (stmt, 2, filter->type);
    if (filter->notice)
        sqlite3_bind_blob (stmt, 3, filter->notice, NOTICEID_BYTES, SQLITE_STATIC);
    size_t max = filter->max && filter->max < NOTICES_LIST_MAX? filter->max: NOTICES_LIST_MAX;
    sqlite3_bind_int64 (stmt, 4, (int64_t) max);
}

//  The rates' parameter: ?1 the type
static void
s_bind_type (sqlite3_stmt *stmt, const void *arg)
{
    sqlite3_bind_int (stmt, 1, *(const int *) arg);
}

int64_t
noticelist_pack (sqlite3 *db, const notices_filter_t *filter, msgpack_packer *pk)
{
    assert (db && filter && pk);
    bool notice = filter->type == MSG_NOTICE;
    const char *columns = filter->sent? (notice? s_outbox_notice: s_outbox_alert):
                                        (notice? s_inbox_notice: s_inbox_alert);
    //  Pending: no feedback yet (a notice not handled or refused; an alert,
    //  sent: no receipt at all; received: not taken)
    const char *pending = !filter->pending? "":
                          notice? " AND state < 2":
                          filter->sent? " AND state < 0": " AND state < 1";
    const char *overdue = filter->overdue?
        " AND deadline_ms > 0 AND deadline_ms < ?1 AND state < 2": "";
    //  One notice's copies by the notice's index (`+type` keeps the planner
    //  off the index by time, which would scan every copy), never by a scan
    char *sql = zsys_sprintf (
        "SELECT %s, (deadline_ms > 0 AND deadline_ms < ?1 AND state < 2) AS overdue"
        " FROM %s WHERE %s%s%s ORDER BY %s DESC, rowid DESC LIMIT ?4", columns,
        filter->sent? "outbox": "inbox", filter->notice? "+type = ?2 AND notice = ?3":
        "type = ?2", pending, overdue, filter->sent? "created_ms": "arrived_ms");
    return s_pack_query (db, &sql, s_bind_filter, filter, pk);
}

int64_t
noticelist_stats (sqlite3 *db, int type, msgpack_packer *pk)
{
    assert (db && pk);
    //  Per recipient, then per kind (or topic): how many copies reached
    //  each state at least, and the paper's receipt rate (接收率): the
    //  copies received (or handled) of those sent, in percent
#define S_FIGURES \
    " count (*) AS sent, sum (state BETWEEN 0 AND 2) AS delivered," \
    " sum (state BETWEEN 1 AND 2) AS received, sum (state = 2) AS handled," \
    " sum (state = 3) AS refused, sum (state < 0) AS unsettled," \
    " round (100.0 * sum (state BETWEEN 0 AND 2) / count (*), 2) AS delivered_rate," \
    " round (100.0 * sum (state BETWEEN 1 AND 2) / count (*), 2) AS received_rate"
    char *sql = zsys_sprintf (
        "SELECT * FROM (SELECT 'recipient' AS per, recipient AS name," S_FIGURES
        " FROM outbox WHERE type = ?1 GROUP BY recipient ORDER BY recipient)"
        " UNION ALL SELECT * FROM (SELECT '%s', subject," S_FIGURES
        " FROM outbox WHERE type = ?1 GROUP BY subject ORDER BY subject)",
        type == MSG_NOTICE? "kind": "topic");
    return s_pack_query (db, &sql, s_bind_type, &type, pk);
}


//  --------------------------------------------------------------------------
//  Self-test (with the store, through notices_pack)

//  The rows a listing packs, unpacked into `unpacked`; their count
static uint32_t
s_test_list (notices_t *store, const notices_filter_t *filter, bool stats,
             msgpack_sbuffer *buffer, msgpack_unpacked *unpacked)
{
    msgpack_sbuffer_clear (buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    int64_t count = stats? notices_pack_stats (store, filter->type, &pk):
                           notices_pack (store, filter, &pk);
    msgpack_unpacked_destroy (unpacked);
    msgpack_unpacked_init (unpacked);
    assert (codec_unpack ((uint8_t *) buffer->data, buffer->size, unpacked) == STATUS_OK);
    assert (unpacked->data.type == MSGPACK_OBJECT_ARRAY
            && unpacked->data.via.array.size == (uint32_t) count);
    return (uint32_t) count;
}

static void
s_test_text (const msgpack_object *row, const char *key, const char *expected)
{
    char value [128];
    assert (codec_get_str (row, key, value, sizeof (value), false) == 0);
    if (!streq (value, expected)) {
        printf ("%s: '%s', expected '%s'\n", key, value, expected);
        assert (false);
    }
}

//  Three copies sent (two notices to FDA, one to TAX; one overdue, one
//  handled) and one alert received
static void
s_test_fill (notices_t *store, msgpack_sbuffer *fields)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, fields, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 1);
    codec_pack_kv_uint (&pk, "seats", 200);
    const char *peers [] = { "SH-PD-FDA", "SH-PD-FDA", "SH-PD-TAX" };
    const char *kinds [] = { "license-required", "license-required", "enterprise-registered" };
    assert (notices_begin (store) == 0);
    for (int index = 0; index < 3; index++) {
        uint8_t notice [NOTICEID_BYTES] = { (uint8_t) index }, copy [NOTICEID_BYTES];
        noticeid_copy (notice, peers [index], copy);
        notices_copy_t sent = {
            .copy = copy, .notice = notice, .type = MSG_NOTICE, .peer = peers [index],
            .subject = kinds [index], .key_type = "uscc", .key = "91310115MA1K3BTP2B",
            .fields = (uint8_t *) fields->data, .fields_size = fields->size,
            .deadline_ms = index == 1? 500: 0, .time_ms = 100 + index
        };
        zmsg_t *frames = zmsg_new ();
        zmsg_addstr (frames, "h");
        zmsg_addstr (frames, "b");
        assert (notices_put_copy (store, &sent, frames, 0) == 0);
        zmsg_destroy (&frames);
        notice_receipt_t receipt = { .at = 200, .result = "registered" };
        strcpy (receipt.state, index == 2? "handled": "delivered");
        memcpy (receipt.copy, copy, NOTICEID_BYTES);
        uint8_t receipt_id [NOTICEID_BYTES];
        noticeid_receipt (copy, index == 2? NOTICEID_HANDLED: NOTICEID_DELIVERED, receipt_id);
        notices_sent_t was;
        if (index > 0)
            assert (notices_take_receipt (store, receipt_id, peers [index], &receipt, 300,
                                          &was) == 1);
    }
    uint8_t alert [NOTICEID_BYTES] = { 9 }, copy [NOTICEID_BYTES];
    noticeid_copy (alert, "SH-PD-MSA", copy);
    notices_copy_t received = {
        .copy = copy, .notice = alert, .type = MSG_ALERT, .peer = "SH-PD-TAX",
        .subject = "food-drug", .severity = "red", .text = "melamine", .time_ms = 400
    };
    assert (notices_put_inbox (store, &received, NOTICEID_DELIVERED, 0, "") == 0);
    assert (notices_commit (store, NULL) == 0);
}

void
noticelist_test (bool verbose)
{
    if (verbose)
        printf (" * noticelist: ");
    char *path = zsys_sprintf ("/tmp/sluice-noticelist-test-%d.db", (int) getpid ());
    notices_t *store = notices_new (path, NULL);
    assert (store);
    msgpack_sbuffer fields, buffer;
    msgpack_sbuffer_init (&fields);
    msgpack_sbuffer_init (&buffer);
    s_test_fill (store, &fields);
    msgpack_unpacked rows;
    msgpack_unpacked_init (&rows);

    //  Sent: newest first, with their state and fields
    notices_filter_t filter = { .sent = true, .type = MSG_NOTICE, .now_ms = 1000 };
    assert (s_test_list (store, &filter, false, &buffer, &rows) == 3);
    const msgpack_object *row = &rows.data.via.array.ptr [0];
    s_test_text (row, "to", "SH-PD-TAX");
    s_test_text (row, "kind", "enterprise-registered");
    s_test_text (row, "state", "handled");
    s_test_text (row, "result", "registered");
    s_test_text (row, "id", "02000000000000000000000000000000");
    bool bad = false;
    const msgpack_object *map = codec_get (row, "fields", &bad);
    assert (map && map->type == MSGPACK_OBJECT_MAP && map->via.map.size == 1);
    uint64_t number;
    assert (codec_get_uint (map, "seats", &number, 1000) == 0 && number == 200);
    const msgpack_object *overdue = codec_get (row, "overdue", &bad);
    assert (overdue && overdue->type == MSGPACK_OBJECT_BOOLEAN && !overdue->via.boolean);
    s_test_text (&rows.data.via.array.ptr [2], "state", "sent");
    //  Pending (not handled), overdue (its deadline passed), one notice
    filter.pending = true;
    assert (s_test_list (store, &filter, false, &buffer, &rows) == 2);
    filter.overdue = true;
    assert (s_test_list (store, &filter, false, &buffer, &rows) == 1);
    s_test_text (&rows.data.via.array.ptr [0], "id", "01000000000000000000000000000000");
    filter.now_ms = 400;
    assert (s_test_list (store, &filter, false, &buffer, &rows) == 0);
    uint8_t first [NOTICEID_BYTES] = { 0 };
    filter = (notices_filter_t) { .sent = true, .type = MSG_NOTICE, .notice = first };
    assert (s_test_list (store, &filter, false, &buffer, &rows) == 1);
    filter.max = 1;
    filter.notice = NULL;
    assert (s_test_list (store, &filter, false, &buffer, &rows) == 1);
    //  Received: the alert, by its topic
    filter = (notices_filter_t) { .sent = false, .type = MSG_ALERT };
    assert (s_test_list (store, &filter, false, &buffer, &rows) == 1);
    s_test_text (&rows.data.via.array.ptr [0], "topic", "food-drug");
    s_test_text (&rows.data.via.array.ptr [0], "from", "SH-PD-TAX");
    s_test_text (&rows.data.via.array.ptr [0], "state", "delivered");
    filter.type = MSG_NOTICE;
    assert (s_test_list (store, &filter, false, &buffer, &rows) == 0);

    //  Rates: per recipient, then per kind
    filter.type = MSG_NOTICE;
    assert (s_test_list (store, &filter, true, &buffer, &rows) == 4);
    row = &rows.data.via.array.ptr [0];
    s_test_text (row, "per", "recipient");
    s_test_text (row, "name", "SH-PD-FDA");
    assert (codec_get_uint (row, "sent", &number, 100) == 0 && number == 2);
    assert (codec_get_uint (row, "delivered", &number, 100) == 0 && number == 1);
    const msgpack_object *rate = codec_get (row, "delivered_rate", &bad);
    assert (rate && rate->type == MSGPACK_OBJECT_FLOAT64 && rate->via.f64 == 50.0);
    row = &rows.data.via.array.ptr [3];
    s_test_text (row, "per", "kind");
    s_test_text (row, "name", "license-required");
    row = &rows.data.via.array.ptr [2];
    assert (codec_get_uint (row, "handled", &number, 100) == 0 && number == 1);
    rate = codec_get (row, "received_rate", &bad);
    assert (rate && rate->via.f64 == 100.0);

    msgpack_unpacked_destroy (&rows);
    msgpack_sbuffer_destroy (&buffer);
    msgpack_sbuffer_destroy (&fields);
    notices_destroy (&store);
    statedb_remove (path);
    zstr_free (&path);
    if (verbose)
        printf ("OK\n");
}
