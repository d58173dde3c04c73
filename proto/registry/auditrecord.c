/*  auditrecord.c -- one record of the audit log as its chain sees it.

    Formats (README "Audit log", proto/PROTOCOL.md section 15):
      h_0 = 32 zero bytes
      h_n = BLAKE2b-256 (h_{n-1} || canonical (record_n))
      canonical (record), format sluice-audit-2 = msgpack array of 19:
          [seq, time_ms, msg_time_ms, direction, msgid, peer, caller,
          officer, purpose, item, key, fields, status, decision, agreement,
          request_digest (bin 32), response_digest (bin 32), peer_seq,
          peer_head (bin 32)], integers and strings in their shortest
          msgpack form; format sluice-audit-1 (read only): array of 15,
          without msg_time_ms, caller, peer_seq and peer_head
      checkpoint signature = Ed25519 over
          FORMAT || seq (8 bytes big endian) || h_seq
*/

#include "auditrecord.h"
#include <czmq.h>
#include <sodium.h>

#define S_SIGN_CONTEXT_SIZE 14      //  the format name, no terminator

//  Positions in AUDITRECORD_COLUMNS
enum {
    S_COL_TIME = 1, S_COL_MSG_TIME = 2, S_COL_STATUS = 12,
    S_COL_REQUEST_DIGEST = 15, S_COL_RESPONSE_DIGEST = 16, S_COL_PEER_SEQ = 17,
    S_COL_PEER_HEAD = 18
};
static const int s_text_column [AUDITRECORD_TEXTS] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14 };
static const char *s_text_name [AUDITRECORD_TEXTS] = {
    "direction", "msgid", "peer", "caller", "officer", "purpose", "item", "key",
    "fields", "decision", "agreement"
};

//  Length of s cut to at most AUDIT_TEXT_MAX bytes, never inside a UTF-8
//  character: the cut moves back over at most 3 continuation bytes (the
//  most one character has), so text that is not UTF-8 is cut at the limit
//  rather than emptied.
static size_t
s_bounded_size (const char *text)
{
    size_t size = strnlen (text, AUDIT_TEXT_MAX + 1);
    if (size > AUDIT_TEXT_MAX) {
        size = AUDIT_TEXT_MAX;
        for (size_t back = 0; back < 3 && ((uint8_t) text [size] & 0xC0) == 0x80; back++)
            size--;
        if (((uint8_t) text [size] & 0xC0) == 0x80)
            size = AUDIT_TEXT_MAX;
    }
    return size;
}


//  --------------------------------------------------------------------------
//  A record from what the gateway gives; see auditrecord.h.

auditrecord_t *
auditrecord_new (const audit_record_t *record, uint64_t seq)
{
    assert (record);
    const char *texts [AUDITRECORD_TEXTS] = {
        record->direction, record->msgid, record->peer, record->caller,
        record->officer, record->purpose, record->item, record->key,
        record->fields, record->decision, record->agreement
    };
    size_t sizes [AUDITRECORD_TEXTS];
    size_t total = sizeof (auditrecord_t);
    for (int index = 0; index < AUDITRECORD_TEXTS; index++) {
        if (!texts [index])
            texts [index] = "";
        sizes [index] = s_bounded_size (texts [index]);
        total += sizes [index] + 1;
    }
    //  One allocation: the record, then its texts, each NUL-terminated
    auditrecord_t *self = (auditrecord_t *) calloc (1, total);
    if (!self)
        return NULL;
    char *cursor = (char *) (self + 1);
    for (int index = 0; index < AUDITRECORD_TEXTS; index++) {
        memcpy (cursor, texts [index], sizes [index]);
        cursor [sizes [index]] = 0;
        self->text [index] = cursor;
        self->size [index] = sizes [index];
        cursor += sizes [index] + 1;
    }
    self->seq = seq;
    self->time_ms = record->time_ms;
    self->msg_time_ms = record->msg_time_ms;
    self->status = record->status;
    if (record->request_digest)
        memcpy (self->request_digest, record->request_digest, AUDIT_DIGEST_SIZE);
    if (record->response_digest)
        memcpy (self->response_digest, record->response_digest, AUDIT_DIGEST_SIZE);
    const message_head_t *peer = record->peer_head;
    if (peer && peer->seq > 0 && peer->seq <= INT64_MAX) {
        self->peer_seq = peer->seq;
        memcpy (self->peer_head, peer->hash, AUDIT_HASH_SIZE);
    }
    return self;
}

void
auditrecord_destroy (auditrecord_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}


//  --------------------------------------------------------------------------
//  Encodings

int
auditrecord_encode (const auditrecord_t *self, int format, msgpack_sbuffer *buffer)
{
    assert (self && buffer);
    bool second = format >= 2;
    msgpack_sbuffer_clear (buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, buffer, msgpack_sbuffer_write);
    int rc = msgpack_pack_array (&packer, second? 19: 15);
    rc |= msgpack_pack_uint64 (&packer, self->seq);
    rc |= msgpack_pack_int64 (&packer, self->time_ms);
    if (second)
        rc |= msgpack_pack_int64 (&packer, self->msg_time_ms);
    for (int index = 0; index < AUDITRECORD_TEXTS; index++) {
        if (index == AUDITRECORD_CALLER && !second)
            continue;
        if (index == AUDITRECORD_DECISION)
            rc |= msgpack_pack_int64 (&packer, self->status);
        rc |= msgpack_pack_str (&packer, self->size [index]);
        rc |= msgpack_pack_str_body (&packer, self->text [index], self->size [index]);
    }
    rc |= msgpack_pack_bin (&packer, AUDIT_DIGEST_SIZE);
    rc |= msgpack_pack_bin_body (&packer, self->request_digest, AUDIT_DIGEST_SIZE);
    rc |= msgpack_pack_bin (&packer, AUDIT_DIGEST_SIZE);
    rc |= msgpack_pack_bin_body (&packer, self->response_digest, AUDIT_DIGEST_SIZE);
    if (second) {
        rc |= msgpack_pack_uint64 (&packer, self->peer_seq);
        rc |= msgpack_pack_bin (&packer, AUDIT_HASH_SIZE);
        rc |= msgpack_pack_bin_body (&packer, self->peer_head, AUDIT_HASH_SIZE);
    }
    return rc == 0? 0: -1;
}

void
auditrecord_chain (const uint8_t *previous, const msgpack_sbuffer *canonical,
                   uint8_t *hash)
{
    crypto_generichash_state state;
    crypto_generichash_init (&state, NULL, 0, AUDIT_HASH_SIZE);
    crypto_generichash_update (&state, previous, AUDIT_HASH_SIZE);
    crypto_generichash_update (&state, (const uint8_t *) canonical->data,
                               canonical->size);
    crypto_generichash_final (&state, hash, AUDIT_HASH_SIZE);
}

void
auditrecord_sign_message (uint8_t *message, int format, uint64_t seq,
                          const uint8_t *head)
{
    memcpy (message, format >= 2? AUDITRECORD_FORMAT_2: AUDITRECORD_FORMAT_1,
            S_SIGN_CONTEXT_SIZE);
    for (int index = 0; index < 8; index++)
        message [S_SIGN_CONTEXT_SIZE + index] = (uint8_t) (seq >> (56 - 8 * index));
    memcpy (message + S_SIGN_CONTEXT_SIZE + 8, head, AUDIT_HASH_SIZE);
}


//  --------------------------------------------------------------------------
//  Rows of the record table

//  The texts of the current row, strictly typed and sized. 0 or -1 and
//  *problem.
static int
s_texts_read (auditrecord_t *self, sqlite3_stmt *stmt, const char **problem)
{
    for (int index = 0; index < AUDITRECORD_TEXTS; index++) {
        int column = s_text_column [index];
        if (sqlite3_column_type (stmt, column) != SQLITE_TEXT) {
            *problem = s_text_name [index];
            return -1;
        }
        const char *text = (const char *) sqlite3_column_text (stmt, column);
        int size = sqlite3_column_bytes (stmt, column);
        if (size < 0 || size > AUDIT_TEXT_MAX || (!text && size > 0)) {
            *problem = s_text_name [index];
            return -1;
        }
        self->text [index] = text? text: "";
        self->size [index] = (size_t) size;
    }
    return 0;
}

int
auditrecord_read (auditrecord_t *self, sqlite3_stmt *stmt, const char **problem)
{
    assert (self && stmt && problem);
    struct { int column; const char *name; } integers [] = {
        { S_COL_TIME, "time_ms is not an integer" },
        { S_COL_MSG_TIME, "msg_time_ms is not an integer" },
        { S_COL_STATUS, "status is not an integer" },
        { S_COL_PEER_SEQ, "peer_seq is not an integer" }
    };
    for (size_t index = 0; index < sizeof (integers) / sizeof (integers [0]); index++)
        if (sqlite3_column_type (stmt, integers [index].column) != SQLITE_INTEGER) {
            *problem = integers [index].name;
            return -1;
        }
    self->seq = (uint64_t) sqlite3_column_int64 (stmt, AUDITRECORD_COL_SEQ);
    self->time_ms = sqlite3_column_int64 (stmt, S_COL_TIME);
    self->msg_time_ms = sqlite3_column_int64 (stmt, S_COL_MSG_TIME);
    self->status = sqlite3_column_int64 (stmt, S_COL_STATUS);
    int64_t peer_seq = sqlite3_column_int64 (stmt, S_COL_PEER_SEQ);
    if (peer_seq < 0) {
        *problem = "peer_seq is negative";
        return -1;
    }
    self->peer_seq = (uint64_t) peer_seq;
    if (s_texts_read (self, stmt, problem))
        return -1;
    struct { int column; uint8_t *target; const char *name; } blobs [] = {
        { S_COL_REQUEST_DIGEST, self->request_digest, "request_digest" },
        { S_COL_RESPONSE_DIGEST, self->response_digest, "response_digest" },
        { S_COL_PEER_HEAD, self->peer_head, "peer_head" },
        { AUDITRECORD_COL_HASH, self->hash, "hash" }
    };
    for (size_t index = 0; index < sizeof (blobs) / sizeof (blobs [0]); index++) {
        int column = blobs [index].column;
        const void *blob = sqlite3_column_blob (stmt, column);
        if (sqlite3_column_type (stmt, column) != SQLITE_BLOB
        ||  sqlite3_column_bytes (stmt, column) != AUDIT_HASH_SIZE || !blob) {
            *problem = blobs [index].name;
            return -1;
        }
        memcpy (blobs [index].target, blob, AUDIT_HASH_SIZE);
    }
    return 0;
}

void
auditrecord_bind (const auditrecord_t *self, sqlite3_stmt *stmt)
{
    assert (self && stmt);
    sqlite3_bind_int64 (stmt, 1 + AUDITRECORD_COL_SEQ, (sqlite3_int64) self->seq);
    sqlite3_bind_int64 (stmt, 1 + S_COL_TIME, self->time_ms);
    sqlite3_bind_int64 (stmt, 1 + S_COL_MSG_TIME, self->msg_time_ms);
    sqlite3_bind_int64 (stmt, 1 + S_COL_STATUS, self->status);
    sqlite3_bind_int64 (stmt, 1 + S_COL_PEER_SEQ, (sqlite3_int64) self->peer_seq);
    for (int index = 0; index < AUDITRECORD_TEXTS; index++)
        sqlite3_bind_text (stmt, 1 + s_text_column [index], self->text [index],
                           (int) self->size [index], SQLITE_STATIC);
    struct { int column; const uint8_t *blob; } blobs [] = {
        { S_COL_REQUEST_DIGEST, self->request_digest },
        { S_COL_RESPONSE_DIGEST, self->response_digest },
        { S_COL_PEER_HEAD, self->peer_head },
        { AUDITRECORD_COL_HASH, self->hash }
    };
    for (size_t index = 0; index < sizeof (blobs) / sizeof (blobs [0]); index++)
        sqlite3_bind_blob (stmt, 1 + blobs [index].column, blobs [index].blob,
                           AUDIT_HASH_SIZE, SQLITE_STATIC);
}

bool
auditrecord_is_renewal (const auditrecord_t *self)
{
    assert (self);
    return self->size [AUDITRECORD_DIRECTION] == strlen (AUDITRECORD_RENEWAL)
        && memcmp (self->text [AUDITRECORD_DIRECTION], AUDITRECORD_RENEWAL,
                   strlen (AUDITRECORD_RENEWAL)) == 0;
}

uint64_t
auditrecord_serial (const auditrecord_t *self)
{
    assert (self);
    char text [24];
    size_t size = self->size [AUDITRECORD_KEY];
    if (size == 0 || size >= sizeof (text))
        return 0;
    memcpy (text, self->text [AUDITRECORD_KEY], size);
    text [size] = 0;
    uint64_t serial = 0;
    for (size_t index = 0; index < size; index++) {
        if (text [index] < '0' || text [index] > '9'
        ||  serial > (UINT64_MAX - (uint64_t) (text [index] - '0')) / 10)
            return 0;
        serial = serial * 10 + (uint64_t) (text [index] - '0');
    }
    return serial;
}


//  --------------------------------------------------------------------------
//  Self-test

audit_record_t
auditrecord_example (int number, char *msgid)
{
    snprintf (msgid, 33, "%032x", number);
    audit_record_t record = {
        .time_ms = 1700000000000 + number,
        .msg_time_ms = 1700000000000 + number - 5,
        .direction = number % 2? "asked": "served",
        .msgid = msgid,
        .peer = "pudong-market",
        .caller = number % 2? "wangli": "",
        .officer = "wang.li",
        .purpose = "license-check",
        .item = "enterprise-license",
        .key = "91310115MA1K3BTP2B",
        .fields = "name,status",
        .status = 0,
        .decision = "granted",
        .agreement = "agr-2024-001",
        .request_digest = NULL,
        .response_digest = NULL,
        .peer_head = NULL
    };
    return record;
}

//  The test vectors of PROTOCOL.md section 15.6. The key is the one whose
//  seed is the bytes 0, 1, ..., 31. Format 2: records 1 and 2 and the
//  checkpoint at 2. Format 1 (read only): the first record of a log of the
//  earlier format, its chain hash and the checkpoint at 1.
#define S_TEST_CANONICAL_1 \
    "dc001301cf0000018bcfe56800cf0000018bcfe5660ca6736572766564d92030" \
    "30303030303030303030303030303030303030303030303030303030303030ad" \
    "7075646f6e672d6d61726b6574a0a777616e672e6c69ad6c6963656e73652d63" \
    "6865636bb2656e74657270726973652d6c6963656e7365b23931333130313135" \
    "4d41314b334254503242ab6e616d652c73746174757300a76772616e746564ac" \
    "6167722d323032342d303031c420111111111111111111111111111111111111" \
    "1111111111111111111111111111c42022222222222222222222222222222222" \
    "2222222222222222222222222222222207c42033333333333333333333333333" \
    "33333333333333333333333333333333333333"
#define S_TEST_HASH_1 \
    "435c4bbba102a59de9f5f70f71174f417ffb970f9261577dc42871d57c847755"
#define S_TEST_CANONICAL_2 \
    "dc001302cf0000018bcfe568facf0000018bcfe568c8a561736b6564d9203030" \
    "303030303030303030303030303030303030303030303030303030303031ad70" \
    "75646f6e672d6d61726b6574b077616e672e6c69407461782d686f7374a77761" \
    "6e672e6c69ad6c6963656e73652d636865636bb2656e74657270726973652d6c" \
    "6963656e7365b239312a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2aab6e616d652c73" \
    "746174757300a8616e737765726564ac6167722d323032342d303031c4200000" \
    "000000000000000000000000000000000000000000000000000000000000c420" \
    "0000000000000000000000000000000000000000000000000000000000000000" \
    "00c4200000000000000000000000000000000000000000000000000000000000" \
    "000000"
#define S_TEST_HASH_2 \
    "a22383b13aa60e19f615ea855d1b19362bdacff71c580a38acbfb4a2d7f5d5af"
#define S_TEST_SIGNATURE \
    "91b59898a23d3546cecb22ebfe022c5db5e210228465f3cf0469a0d5bec48bf4" \
    "ee56caec8ce8b5cd705b1ee0e9349235a36ee39a0a94561a4616b95a1b61620e"
#define S_TEST_V1_CANONICAL \
    "9f01cf0000018bcfe56800a6736572766564d920303030303030303030303030" \
    "3030303030303030303030303030303030303030ad7075646f6e672d6d61726b" \
    "6574a777616e672e6c69ad6c6963656e73652d636865636bb2656e7465727072" \
    "6973652d6c6963656e7365b239313331303131354d41314b334254503242ab6e" \
    "616d652c73746174757300a76772616e746564ac6167722d323032342d303031" \
    "c420111111111111111111111111111111111111111111111111111111111111" \
    "1111c42022222222222222222222222222222222222222222222222222222222" \
    "22222222"
#define S_TEST_V1_HASH \
    "41e6ae4a84f5bdacccc34a5fdd12469837a7ca990b6b8d1a6ea9d8b4d0e3623a"
#define S_TEST_V1_SIGNATURE \
    "295997dd5ab2f14bdb36f2af9a2b306f5daa46ad7dee5ac2e5dd5ea731e166a0" \
    "42f3bf407c7b1e40c4e10ac55ced244db6eb8da3c8f313a7217b7ce5a7d02f00"

//  Checks the hex of `size` bytes against a vector (SLUICE_AUDIT_VECTOR=1
//  prints it, to make a new one)
static void
s_test_vector (const char *name, const void *data, size_t size, const char *expected)
{
    char *hex = (char *) malloc (size * 2 + 1);
    assert (hex);
    sodium_bin2hex (hex, size * 2 + 1, (const uint8_t *) data, size);
    if (getenv ("SLUICE_AUDIT_VECTOR"))
        printf ("\n%s %s", name, hex);
    fflush (stdout);
    assert (streq (hex, expected));
    free (hex);
}

//  Records 1 and 2 of the vectors, chained, and the checkpoint at 2
static void
s_test_vectors_2 (const uint8_t *secret)
{
    uint8_t request_digest [AUDIT_DIGEST_SIZE];
    uint8_t response_digest [AUDIT_DIGEST_SIZE];
    memset (request_digest, 0x11, sizeof (request_digest));
    memset (response_digest, 0x22, sizeof (response_digest));
    message_head_t peer_head = { 7, { 0 } };
    memset (peer_head.hash, 0x33, sizeof (peer_head.hash));
    char msgid [33], msgid_2 [33];
    audit_record_t first = auditrecord_example (0, msgid);
    first.time_ms = 1700000000000;
    first.msg_time_ms = 1699999999500;
    first.request_digest = request_digest;
    first.response_digest = response_digest;
    first.peer_head = &peer_head;
    audit_record_t second = auditrecord_example (1, msgid_2);
    second.time_ms = 1700000000250;
    second.msg_time_ms = 1700000000200;
    second.caller = "wang.li@tax-host";
    second.peer = "pudong-market";
    second.key = "91****************";
    second.decision = "answered";

    msgpack_sbuffer canonical;
    msgpack_sbuffer_init (&canonical);
    uint8_t chain [AUDIT_HASH_SIZE] = { 0 };
    auditrecord_t *record = auditrecord_new (&first, 1);
    assert (record && auditrecord_encode (record, 2, &canonical) == 0);
    s_test_vector ("canonical_1", canonical.data, canonical.size, S_TEST_CANONICAL_1);
    auditrecord_chain (chain, &canonical, chain);
    s_test_vector ("h_1", chain, AUDIT_HASH_SIZE, S_TEST_HASH_1);
    auditrecord_destroy (&record);
    record = auditrecord_new (&second, 2);
    assert (record && auditrecord_encode (record, 2, &canonical) == 0);
    s_test_vector ("canonical_2", canonical.data, canonical.size, S_TEST_CANONICAL_2);
    auditrecord_chain (chain, &canonical, chain);
    s_test_vector ("h_2", chain, AUDIT_HASH_SIZE, S_TEST_HASH_2);
    auditrecord_destroy (&record);
    uint8_t message [AUDITRECORD_SIGN_SIZE];
    uint8_t signature [crypto_sign_BYTES];
    auditrecord_sign_message (message, 2, 2, chain);
    crypto_sign_detached (signature, NULL, message, sizeof (message), secret);
    s_test_vector ("signature", signature, sizeof (signature), S_TEST_SIGNATURE);
    msgpack_sbuffer_destroy (&canonical);
}

//  The first record of a format 1 log, its hash and the checkpoint at 1
static void
s_test_vectors_1 (const uint8_t *secret)
{
    char msgid [33];
    audit_record_t example = auditrecord_example (0, msgid);
    uint8_t request_digest [AUDIT_DIGEST_SIZE];
    uint8_t response_digest [AUDIT_DIGEST_SIZE];
    memset (request_digest, 0x11, sizeof (request_digest));
    memset (response_digest, 0x22, sizeof (response_digest));
    example.time_ms = 1700000000000;
    example.caller = "";
    example.request_digest = request_digest;
    example.response_digest = response_digest;
    auditrecord_t *record = auditrecord_new (&example, 1);
    assert (record);
    msgpack_sbuffer canonical;
    msgpack_sbuffer_init (&canonical);
    assert (auditrecord_encode (record, 1, &canonical) == 0);
    s_test_vector ("v1_canonical", canonical.data, canonical.size, S_TEST_V1_CANONICAL);
    uint8_t chain [AUDIT_HASH_SIZE] = { 0 };
    auditrecord_chain (chain, &canonical, chain);
    s_test_vector ("v1_hash", chain, AUDIT_HASH_SIZE, S_TEST_V1_HASH);
    uint8_t message [AUDITRECORD_SIGN_SIZE];
    uint8_t signature [crypto_sign_BYTES];
    auditrecord_sign_message (message, 1, 1, chain);
    crypto_sign_detached (signature, NULL, message, sizeof (message), secret);
    s_test_vector ("v1_signature", signature, sizeof (signature), S_TEST_V1_SIGNATURE);
    msgpack_sbuffer_destroy (&canonical);
    auditrecord_destroy (&record);
}

void
auditrecord_test (bool verbose)
{
    if (verbose)
        printf (" * auditrecord: ");
    uint8_t secret [crypto_sign_SECRETKEYBYTES];
    uint8_t public_key [crypto_sign_PUBLICKEYBYTES];
    uint8_t seed [crypto_sign_SEEDBYTES];
    for (size_t index = 0; index < crypto_sign_SEEDBYTES; index++)
        seed [index] = (uint8_t) index;
    crypto_sign_seed_keypair (public_key, secret, seed);

    //  Test vectors (PROTOCOL.md 15.6), of both formats
    s_test_vectors_2 (secret);
    s_test_vectors_1 (secret);

    //  NULL strings become "", overlong ones are cut at a UTF-8 boundary:
    //  1023 'a' then a 3-byte character would end at 1026, so it is dropped
    char *longtext = (char *) malloc (2001);
    assert (longtext);
    memset (longtext, 'a', 2000);
    memcpy (longtext + 1023, "\xE6\xB5\xA6", 3);    //  浦
    longtext [2000] = 0;
    audit_record_t example = { .time_ms = 1700000000006, .officer = longtext,
                               .status = 132, .decision = "refused: NO_AGREEMENT" };
    message_head_t none = { 0, { 0 } };
    example.peer_head = &none;              //  sequence 0: no head
    auditrecord_t *record = auditrecord_new (&example, 6);
    assert (record && record->seq == 6);
    assert (record->size [AUDITRECORD_OFFICER] == 1023);
    assert (record->size [AUDITRECORD_DIRECTION] == 0);
    assert (streq (record->text [AUDITRECORD_MSGID], ""));
    assert (record->peer_seq == 0);
    assert (!auditrecord_is_renewal (record));
    auditrecord_destroy (&record);
    auditrecord_destroy (&record);          //  safe twice
    //  A text that is not UTF-8 is cut at the limit, never emptied
    memset (longtext, 0x80, 2000);
    assert (s_bounded_size (longtext) == AUDIT_TEXT_MAX);
    memset (longtext, 'a', 2000);
    memcpy (longtext + 1022, "\xF0\x9F\x98\x80", 4);
    assert (s_bounded_size (longtext) == 1022);
    free (longtext);

    //  A renewal names its new certificate's serial, in decimal
    audit_record_t renewal = { .direction = AUDITRECORD_RENEWAL, .key = "1002" };
    record = auditrecord_new (&renewal, 4);
    assert (record && auditrecord_is_renewal (record));
    assert (auditrecord_serial (record) == 1002);
    auditrecord_destroy (&record);
    const char *malformed [] = { "", "x", "-1", "18446744073709551616", "1 2" };
    for (size_t index = 0; index < sizeof (malformed) / sizeof (malformed [0]); index++) {
        renewal.key = malformed [index];
        record = auditrecord_new (&renewal, 4);
        assert (record && auditrecord_serial (record) == 0);
        auditrecord_destroy (&record);
    }
    renewal.key = "18446744073709551615";
    record = auditrecord_new (&renewal, 4);
    assert (record && auditrecord_serial (record) == UINT64_MAX);
    auditrecord_destroy (&record);
    if (verbose)
        printf ("OK\n");
}
