/*  seeds.c -- writes small valid inputs for each fuzz target, so that the
    fuzzers start from the shapes the decoders accept rather than from
    nothing. Seeds are made at run time with the project's own encoders
    (never committed), into DIR/<target>/seed-NN.

        seeds DIR

    Built and run by tests/fuzz/run.sh with the ordinary compiler.
*/

#include "codec.h"
#include "envelope.h"
#include "message.h"
#include "localapi.h"
#include "registry.h"
#include "statement.h"
#include "status.h"
#include "cert.h"
#include "certtext.h"
#include "crl.h"
#include "authority.h"
#include "agreement.h"
#include "agreementtext.h"
#include "catalog.h"
#include "jsonpack.h"
#include "fuzz_common.h"
#include <errno.h>
#include <sys/stat.h>

typedef struct {
    const char *dir;
    const char *target;
    int count;
} s_out_t;

static void
s_write (s_out_t *out, const void *data, size_t size)
{
    char *path = zsys_sprintf ("%s/%s/seed-%02d", out->dir, out->target,
                               ++out->count);
    S_REQUIRE (path);
    FILE *file = fopen (path, "wb");
    if (!file || (size && fwrite (data, 1, size, file) != size)) {
        fprintf (stderr, "seeds: cannot write %s: %s\n", path, strerror (errno));
        exit (1);
    }
    S_REQUIRE (fclose (file) == 0);
    zstr_free (&path);
}

static void
s_write_buffer (s_out_t *out, msgpack_sbuffer *buffer)
{
    s_write (out, buffer->data, buffer->size);
    msgpack_sbuffer_clear (buffer);
}

static void
s_write_text (s_out_t *out, char *text)
{
    S_REQUIRE (text);
    s_write (out, text, strlen (text));
    free (text);
}

static void
s_target (s_out_t *out, const char *target)
{
    out->target = target;
    out->count = 0;
    char *path = zsys_sprintf ("%s/%s", out->dir, target);
    S_REQUIRE (path);
    if (mkdir (path, 0755) == -1 && errno != EEXIST) {
        fprintf (stderr, "seeds: cannot create %s: %s\n", path, strerror (errno));
        exit (1);
    }
    zstr_free (&path);
}

//  Payloads: query, error, response with rows, directory, local request
//  and reply. Shared by the codec and message targets.
static void
s_payloads (s_out_t *out)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);

    message_query_t query = { "enterprise-basic", "91310115MA1K3BTP2B",
                              "name,address", "credit-check", "Li Wei",
                              "inspector" };
    message_query_encode (&query, &buffer);
    s_write_buffer (out, &buffer);
    query.head.seq = 42;                    //  with an audit head
    memset (query.head.hash, 0xab, sizeof (query.head.hash));
    message_query_encode (&query, &buffer);
    s_write_buffer (out, &buffer);

    message_error_t error;
    memset (&error, 0, sizeof (error));
    memset (error.re, 7, sizeof (error.re));
    error.code = STATUS_FIELD_NOT_AGREED;
    strcpy (error.reason, "field not agreed");
    strcpy (error.field, "legal_rep_id");
    message_error_encode (&error, &buffer);
    s_write_buffer (out, &buffer);
    error.head = query.head;
    message_error_encode (&error, &buffer);
    s_write_buffer (out, &buffer);

    uint8_t re [ENVELOPE_ID_BYTES];
    memset (re, 9, sizeof (re));
    message_response_begin (&pk, re, "enterprise-basic", STATUS_OK,
                            1749945600000ULL, "AGR-1");
    msgpack_pack_array (&pk, 2);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_str (&pk, "name", "Pudong Foods");
    codec_pack_kv_uint (&pk, "staff", 42);
    msgpack_pack_map (&pk, 1);
    codec_pack_str (&pk, "score");
    msgpack_pack_double (&pk, 3.5);
    s_write_buffer (out, &buffer);

    const char *certs [] = { "metadata\n    department = \"SH-PD-MSA\"\n", "" };
    message_page_t page = { "BROKER", 500, 0x1122334455667788ULL, 7, 3, 1, 2, 8 };
    message_directory_encode (&page, certs, 2, (const uint8_t *) "crl\n", 4, &buffer);
    s_write_buffer (out, &buffer);
    message_hello_encode (0x1122334455667788ULL, 7, &buffer);
    s_write_buffer (out, &buffer);

    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "query");
    strcpy (request.to, "SH-PD-TAX");
    request.query = query;
    request.timeout_ms = 4000;
    localapi_request_encode (&request, &buffer);
    s_write_buffer (out, &buffer);

    msgpack_sbuffer rows_buffer;
    msgpack_sbuffer_init (&rows_buffer);
    msgpack_packer rows_pk;
    msgpack_packer_init (&rows_pk, &rows_buffer, msgpack_sbuffer_write);
    msgpack_pack_array (&rows_pk, 1);
    msgpack_pack_map (&rows_pk, 1);
    codec_pack_kv_str (&rows_pk, "status", "active");
    msgpack_unpacked rows;
    msgpack_unpacked_init (&rows);
    S_REQUIRE (codec_unpack ((const uint8_t *) rows_buffer.data,
                             rows_buffer.size, &rows) == STATUS_OK);
    localapi_reply_encode (&buffer, STATUS_OK, "", "", "SH-PD-MSA",
                           "enterprise-basic", "0123456789abcdef0123456789abcdef",
                           1749945600000ULL, "AGR-1", &rows.data);
    s_write_buffer (out, &buffer);
    localapi_reply_encode (&buffer, STATUS_NO_AGREEMENT, "no agreement", "",
                           "SH-PD-MSA", "x", "", 0, "", NULL);
    s_write_buffer (out, &buffer);
    msgpack_unpacked_destroy (&rows);
    msgpack_sbuffer_destroy (&rows_buffer);

    //  Registry: an order, an answer, a signed statement, payloads
    order_t order;
    memset (&order, 0, sizeof (order));
    strcpy (order.provider, "SH-PD-MSA");
    strcpy (order.item, "enterprise-basic");
    strcpy (order.fields, "name,address");
    strcpy (order.purpose, "tax-registration");
    strcpy (order.legal_basis, "Tax administration law, article 6");
    registry_order_encode (&order, &buffer);
    s_write_buffer (out, &buffer);
    order_answer_t answer;
    memset (&answer, 0, sizeof (answer));
    strcpy (answer.decision, "accepted");
    strcpy (answer.agreement, "AGR-1");
    registry_answer_encode (&answer, &buffer);
    s_write_buffer (out, &buffer);

    s_fuzz_keys_t keys;
    s_fuzz_keys (&keys);
    statement_t *statement = statement_new (STATEMENT_ORDER, "SH-PD-TAX",
                                            "ORD-1", 1, (const uint8_t *) "\x80", 1);
    S_REQUIRE (statement);
    statement_sign (statement, keys.sign_secret);
    size_t statement_size = 0;
    const uint8_t *encoded = statement_encoded (statement, &statement_size);
    S_REQUIRE (encoded);
    s_write (out, encoded, statement_size);
    zlistx_t *list = zlistx_new ();
    zlistx_add_end (list, statement);
    registry_msg_encode (&buffer, "put", NULL, 0, NULL, NULL, list, NULL);
    s_write_buffer (out, &buffer);
    zlistx_destroy (&list);
    statement_destroy (&statement);
    uint8_t answered [ENVELOPE_ID_BYTES];
    memset (answered, 3, sizeof (answered));
    registry_msg_encode (&buffer, "done", answered, STATUS_OK, "stored",
                         NULL, NULL, NULL);
    s_write_buffer (out, &buffer);
    registry_msg_encode (&buffer, "crl", NULL, 0, NULL, NULL, NULL, "crl\n");
    s_write_buffer (out, &buffer);
    registry_sync_encode (&buffer, "00112233445566778899aabbccddeeff", 12);
    s_write_buffer (out, &buffer);
    zlistx_t *none = zlistx_new ();
    registry_page_encode (&buffer, answered, "00112233445566778899aabbccddeeff", 13,
                          true, none);
    s_write_buffer (out, &buffer);
    zlistx_destroy (&none);
    registry_msg_encode (&buffer, "list", NULL, 0, NULL, "agreement", NULL, NULL);
    s_write_buffer (out, &buffer);

    //  A record of fuzz_message's own table, a row of every type
    msgpack_pack_map (&pk, 11);
    codec_pack_kv_str (&pk, "n", "name");
    codec_pack_kv_uint (&pk, "c", 7);
    codec_pack_kv_uint (&pk, "u", 1ULL << 40);
    codec_pack_str (&pk, "f");
    msgpack_pack_true (&pk);
    codec_pack_kv_bin (&pk, "i", (const uint8_t *) "\1\2\3\4", 4);
    codec_pack_kv_str (&pk, "t", "some text");
    codec_pack_kv_str (&pk, "s", "note");
    codec_pack_kv_bin (&pk, "b", (const uint8_t *) "piece", 5);
    codec_pack_str (&pk, "l");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 0);
    codec_pack_kv_uint (&pk, "x", 3);
    codec_pack_kv_uint (&pk, "y", 4);
    s_write_buffer (out, &buffer);
    msgpack_sbuffer_destroy (&buffer);

    //  An ERROR whose code (an unsigned field) comes in a signed format:
    //  refused (PROTOCOL.md section 7)
    uint8_t signed_code [] = { 0x82, 0xa2, 'r', 'e', 0xc4, ENVELOPE_ID_BYTES,
                               1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                               0xa4, 'c', 'o', 'd', 'e', 0xd1, 0x00, 0x84 };
    s_write (out, signed_code, sizeof (signed_code));
}

static void
s_codec (s_out_t *out)
{
    s_target (out, "fuzz_codec");
    s_payloads (out);
    //  Every family of lead byte, nested
    const uint8_t various [] = {
        0x9f, 0x00, 0xff, 0xc0, 0xc2, 0xc3,
        0xcc, 0x80, 0xcd, 0x01, 0x00, 0xce, 0, 0, 1, 0,
        0xcf, 0, 0, 0, 0, 0, 0, 1, 0,
        0xd0, 0x80, 0xd1, 0x80, 0, 0xd2, 0x80, 0, 0, 0,
        0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0,
        0xca, 0x3f, 0x80, 0, 0, 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,
        0xc4, 1, 'b', 0xd9, 1, 's', 0xa1, 'f',
        0xd4, 1, 2, 0xd5, 1, 2, 3, 0xc7, 1, 5, 'e',
        0x81, 0xa1, 'k', 0x91, 0x80,
        0xdc, 0, 1, 0xc0
    };
    s_write (out, various, sizeof (various));
    const uint8_t deep [] = { 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x01 };
    s_write (out, deep, sizeof (deep));
    const uint8_t twice [] = { 0x82, 0xa1, 'k', 0x01, 0xa1, 'k', 0x02 };
    s_write (out, twice, sizeof (twice));
    //  Values that are not negative in signed formats, which no unsigned
    //  field takes, also as keys and inside containers
    const uint8_t signed_forms [] = {
        0x84, 0xa1, 'a', 0xd0, 0x05, 0xa1, 'b', 0xd1, 0x00, 0x05,
        0xa1, 'c', 0xd2, 0, 0, 0, 5, 0xd3, 0, 0, 0, 0, 0, 0, 0, 5, 0x91, 0xd0, 0x7f
    };
    s_write (out, signed_forms, sizeof (signed_forms));
}

static void
s_message (s_out_t *out)
{
    s_target (out, "fuzz_message");
    s_payloads (out);
}

//  [split high, split low][header][body]
static void
s_envelope_one (s_out_t *out, int type, const char *from, const char *to,
                const char *payload, bool sealed, const s_fuzz_keys_t *keys)
{
    envelope_t *envelope = envelope_new (type, from, to);
    S_REQUIRE (envelope);
    S_REQUIRE (envelope_seal (envelope, (const uint8_t *) payload,
                              strlen (payload), keys->sign_secret,
                              sealed? keys->box_key: NULL) == 0);
    size_t header_size, body_size;
    const uint8_t *header = envelope_header_bytes (envelope, &header_size);
    const uint8_t *body = envelope_body_bytes (envelope, &body_size);
    size_t size = 2 + header_size + body_size;
    uint8_t *data = (uint8_t *) malloc (size);
    S_REQUIRE (data);
    data [0] = (uint8_t) (header_size >> 8);
    data [1] = (uint8_t) header_size;
    memcpy (data + 2, header, header_size);
    memcpy (data + 2 + header_size, body, body_size);
    s_write (out, data, size);
    free (data);
    envelope_destroy (&envelope);
}

static void
s_envelope (s_out_t *out)
{
    s_fuzz_keys_t keys;
    s_fuzz_keys (&keys);
    s_target (out, "fuzz_envelope");
    s_envelope_one (out, MSG_HELLO, "SH-PD-MSA", "", "", false, &keys);
    s_envelope_one (out, MSG_HEARTBEAT, "BROKER", "SH-PD-TAX", "", false, &keys);
    s_envelope_one (out, MSG_QUERY, "SH-PD-TAX", "SH-PD-MSA",
                    "\x82\xa4item\xa1x\xa3key\xa1y", true, &keys);
    s_envelope_one (out, MSG_ERROR, "BROKER", "SH-PD-TAX", "\x80", false, &keys);
    s_envelope_one (out, MSG_RESPONSE, "SH-PD-MSA", "SH-PD-TAX", "\x80", true, &keys);
    s_envelope_one (out, MSG_REGISTRY, "AB", "", "payload", false, &keys);

    //  A header whose time (cf + 8 bytes, then the flags) is written as a
    //  signed int 64 (d3): MALFORMED, whatever the value
    envelope_t *envelope = envelope_new (MSG_HEARTBEAT, "SH-PD-MSA", "");
    S_REQUIRE (envelope);
    S_REQUIRE (envelope_seal (envelope, NULL, 0, keys.sign_secret, NULL) == 0);
    size_t header_size, body_size;
    const uint8_t *header = envelope_header_bytes (envelope, &header_size);
    const uint8_t *body = envelope_body_bytes (envelope, &body_size);
    uint8_t *data = (uint8_t *) malloc (2 + header_size + body_size);
    S_REQUIRE (data && header_size > 10 && header [header_size - 10] == 0xcf);
    data [0] = (uint8_t) (header_size >> 8);
    data [1] = (uint8_t) header_size;
    memcpy (data + 2, header, header_size);
    memcpy (data + 2 + header_size, body, body_size);
    data [2 + header_size - 10] = 0xd3;
    s_write (out, data, 2 + header_size + body_size);
    free (data);
    envelope_destroy (&envelope);
}

static void
s_cert (s_out_t *out)
{
    s_target (out, "fuzz_cert");
    authority_t *authority = authority_new ("Fuzz authority", NULL);
    S_REQUIRE (authority);
    cert_t *cert = cert_new ("SH-PD-MSA", "Market supervision", "department",
                             3, 1, 1735689600, 1893456000, NULL);
    S_REQUIRE (cert);
    cert_sign_by (cert, authority);
    s_write_text (out, certtext_encode (cert));
    cert_t *broker = cert_new ("BROKER", "Broker", "broker", 0, 7,
                               0, 253402300799, NULL);
    S_REQUIRE (broker);
    s_write_text (out, certtext_encode (broker));
    cert_destroy (&broker);

    crl_t *crl = crl_new (3, NULL);
    S_REQUIRE (crl);
    S_REQUIRE (crl_add (crl, "SH-PD-BAD", 0, 1749945600, "key compromise", NULL) == 0);
    S_REQUIRE (crl_add (crl, "SH-PD-MSA", 5, 1749945600, "superseded", NULL) == 0);
    S_REQUIRE (crl_add (crl, "SH-PD-MSA", 2, 1749945600, "", NULL) == 0);
    crl_sign_by (crl, authority);
    s_write_text (out, crl_encode (crl));
    crl_destroy (&crl);
    crl = crl_new (1, NULL);
    S_REQUIRE (crl);
    s_write_text (out, crl_encode (crl));
    crl_destroy (&crl);

    agreement_t *agreement = agreement_new (
        "AGR-SH-PD-MSA-TAX-0001", "SH-PD-MSA", "SH-PD-TAX", "enterprise-basic",
        "status, name,address", "tax-registration,credit-check",
        "Regulation on information sharing, article 12", 1735689600,
        1893456000, 1000, "inspector,auditor", NULL);
    S_REQUIRE (agreement);
    S_REQUIRE (agreement_sign (agreement, cert) == 0);
    s_write_text (out, agreementtext_encode (agreement));
    agreement_destroy (&agreement);
    agreement = agreement_new ("A-1", "TAX", "MSA", "x", "a", "p", "basis",
                               0, 1, 1, "*", NULL);
    S_REQUIRE (agreement);
    s_write_text (out, agreementtext_encode (agreement));
    agreement_destroy (&agreement);
    cert_destroy (&cert);
    authority_destroy (&authority);
}

//  The text of every file format a daemon reads, for the file targets:
//  configurations, a catalog, the authority, a certificate, a revocation
//  list, an agreement. A fresh list of fresh strings.
static zlist_t *
s_file_texts (void)
{
    zlist_t *texts = zlist_new ();
    S_REQUIRE (texts);
    zlist_autofree (texts);
    zlist_append (texts,
        "#   Gateway of SH-PD-MSA\n"
        "gateway\n"
        "    cert = \"SH-PD-MSA.cert_secret\"\n"
        "    authority = \"authority.pub\"\n"
        "    broker = \"tcp://127.0.0.1:7700, tcp://127.0.0.1:7701\"\n"
        "    broker-cert = \"BROKER.cert, BROKER-2.cert\"\n"
        "    local = \"ipc://state/local.ipc\"\n"
        "    group = \"msa-users\"\n"
        "    catalog = \"catalog.cfg\"\n"
        "    source = \"../data/market.db\"\n"
        "    state = \"state\"\n"
        "    agreements = \"agreements\"\n"
        "    heartbeat-ms = 500\n"
        "    timeout-ms = 4000\n"
        "    log-level = debug\n");
    zlist_append (texts,
        "broker\n"
        "    endpoint = \"tcp://127.0.0.1:7700\"\n"
        "    cert = \"BROKER.cert_secret\"\n"
        "    authority = \"authority.pub\"\n"
        "    certs = \"certs\"\n"
        "    crl = \"federation.crl\"\n"
        "    state = \"state\"\n"
        "    queue-limit = 100\n");
    zlist_append (texts,
        "catalog\n"
        "    item = \"enterprise-basic\"\n"
        "        title = \"企业登记基本信息\"\n"
        "        key-type = \"uscc\"\n"
        "        share = \"open\"\n"
        "        sql = \"SELECT name FROM enterprise WHERE uscc = :key\"\n"
        "        field = \"name\"\n"
        "            type = \"text\"\n"
        "            sensitivity = 1\n"
        "    item = \"penalty\"\n"
        "        title = \"行政处罚信息\"\n"
        "        key-type = \"uscc\"\n"
        "        share = \"closed\"\n"
        "        legal-basis = \"《行政处罚法》第四十八条\"\n");
    authority_t *authority = authority_new ("Fuzz authority", NULL);
    S_REQUIRE (authority);
    char dir [64];
    snprintf (dir, sizeof (dir), "/tmp/sluice-seeds-%d", getpid ());
    S_REQUIRE (mkdir (dir, 0700) == 0 || errno == EEXIST);
    S_REQUIRE (authority_save (authority, dir, true, NULL) == 0);
    for (int secret = 0; secret < 2; secret++) {
        char *path = zsys_sprintf ("%s/authority.%s", dir, secret? "secret": "pub");
        zchunk_t *chunk = zchunk_slurp (path, 0);
        S_REQUIRE (chunk);
        char *text = zchunk_strdup (chunk);
        zlist_append (texts, text);
        zstr_free (&text);
        zchunk_destroy (&chunk);
        remove (path);
        zstr_free (&path);
    }
    rmdir (dir);
    cert_t *cert = cert_new ("SH-PD-MSA", "Market supervision", "department",
                             3, 1, 1735689600, 1893456000, NULL);
    S_REQUIRE (cert);
    cert_sign_by (cert, authority);
    char *text = certtext_encode (cert);
    zlist_append (texts, text);
    zstr_free (&text);
    crl_t *crl = crl_new (3, NULL);
    S_REQUIRE (crl && crl_add (crl, "SH-PD-BAD", 0, 1749945600, "key compromise", NULL) == 0);
    crl_sign_by (crl, authority);
    text = crl_encode (crl);
    zlist_append (texts, text);
    zstr_free (&text);
    crl_destroy (&crl);
    agreement_t *agreement = agreement_new (
        "AGR-MSA-TAX-0001", "SH-PD-MSA", "SH-PD-TAX", "enterprise-basic",
        "name", "tax-registration", "Regulation, article 12", 1735689600,
        1893456000, 1000, "auditor", NULL);
    S_REQUIRE (agreement && agreement_sign (agreement, cert) == 0);
    text = agreementtext_encode (agreement);
    zlist_append (texts, text);
    zstr_free (&text);
    agreement_destroy (&agreement);
    cert_destroy (&cert);
    authority_destroy (&authority);
    return texts;
}

//  Each file text as a file (fuzz_files), and as the file a reload reads
//  (fuzz_reload: the first byte chooses which, the rest is the text)
static void
s_files (s_out_t *out)
{
    zlist_t *texts = s_file_texts ();
    s_target (out, "fuzz_files");
    for (char *text = (char *) zlist_first (texts); text; text = (char *) zlist_next (texts))
        s_write (out, text, strlen (text));
    s_target (out, "fuzz_reload");
    for (uint8_t which = 0; which < 4; which++)
        for (char *text = (char *) zlist_first (texts); text;
             text = (char *) zlist_next (texts)) {
            size_t size = strlen (text);
            uint8_t *input = (uint8_t *) malloc (size + 1);
            S_REQUIRE (input);
            input [0] = which;
            memcpy (input + 1, text, size);
            s_write (out, input, size + 1);
            free (input);
        }
    zlist_destroy (&texts);
}

static void
s_ident (s_out_t *out)
{
    s_target (out, "fuzz_ident");
    const char *values [] = {
        "91310115MA1K3BTP2B", "91110000600037341L", "SH-PD-MSA",
        "110101199003074477", "2024-310115-01-03-000123", ""
    };
    for (size_t index = 0; index < sizeof (values) / sizeof (values [0]); index++)
        s_write (out, values [index], strlen (values [index]));
}

//  A catalog as its department's gateway publishes it: the payload of its
//  catalog statement, without and with the alert topics it subscribes to
static void
s_catalog_one (s_out_t *out, const char *path, const char *department,
               const s_fuzz_keys_t *keys)
{
    char *error = NULL;
    catalog_t *catalog = catalog_load (path, &error);
    if (!catalog) {
        fprintf (stderr, "seeds: %s\n", error);
        exit (1);
    }
    const char *topics [] = { "food-drug", "production-safety" };
    for (size_t count = 0; count <= 2; count += 2) {
        statement_t *statement = catalog_statement_with (catalog, department, topics,
                                                         count, 1, keys->sign_secret);
        S_REQUIRE (statement);
        s_write (out, statement_payload (statement), statement_payload_size (statement));
        statement_destroy (&statement);
    }
    catalog_destroy (&catalog);
}

//  The Pudong examples' catalogs (items, notice kinds), and a small one
//  with one of each
static void
s_catalog (s_out_t *out)
{
    s_fuzz_keys_t keys;
    s_fuzz_keys (&keys);
    s_target (out, "fuzz_catalog");
    s_catalog_one (out, "examples/pudong/catalogs/msa.cfg", "SH-PD-MSA", &keys);
    s_catalog_one (out, "examples/pudong/catalogs/tax.cfg", "SH-PD-TAX", &keys);
    s_catalog_one (out, "examples/pudong/catalogs/fda.cfg", "SH-PD-FDA", &keys);
    char *path = zsys_sprintf ("/tmp/sluice-seeds-%d.cfg", getpid ());
    S_REQUIRE (path);
    FILE *file = fopen (path, "w");
    S_REQUIRE (file);
    fputs ("catalog\n"
           "    item = \"penalty\"\n"
           "        title = \"行政处罚信息\"\n"
           "        key-type = \"uscc\"\n"
           "        share = \"conditional\"\n"
           "        format = \"list\"\n"
           "        max-rows = 5\n"
           "        sql = \"SELECT decided FROM penalty WHERE uscc = :key\"\n"
           "        field = \"decided\"\n"
           "            type = \"date\"\n"
           "            sensitivity = 2\n"
           "            personal = 1\n"
           "    notice = \"address-changed\"\n"
           "        title = \"住所变更\"\n"
           "        keys = \"uscc\"\n"
           "        field = \"address\"\n"
           "            type = \"text\"\n"
           "            required = 1\n", file);
    S_REQUIRE (fclose (file) == 0);
    s_catalog_one (out, path, "SH-PD-X", &keys);
    remove (path);
    zstr_free (&path);
}

//  Bodies of the local HTTP API's requests (docs/http.md)
static void
s_jsonpack (s_out_t *out)
{
    s_target (out, "fuzz_jsonpack");
    const char *bodies [] = {
        "{\"to\":\"SH-PD-MSA\",\"item\":\"enterprise-basic\",\"key\":\"91310115MA1K3BTP2B\","
        "\"purpose\":\"tax-registration\",\"officer\":\"Wang Fang\",\"role\":\"auditor\"}",
        "{\"recipients\":\"SH-PD-FDA\",\"kind\":\"license-required\",\"key_type\":\"uscc\","
        "\"key\":\"91310115MA1K3BTP2B\",\"values\":{\"name\":\"浦东测试餐馆\",\"seats\":40},"
        "\"text\":\"《食品安全法》第三十五条\",\"deadline_ms\":1768089600000}",
        "{\"max\":10,\"pending\":true,\"overdue\":false,\"ref\":null,\"x\":[1.5,-2,[[]],{}]}",
        "{}",
        "{\"a\":\"\\u00e9\\ud83d\\ude00\\n\"}",
    };
    for (size_t index = 0; index < sizeof (bodies) / sizeof (bodies [0]); index++)
        s_write (out, bodies [index], strlen (bodies [index]));
}

int
main (int argc, char *argv [])
{
    if (argc != 2) {
        fprintf (stderr, "usage: seeds DIR\n");
        return 64;
    }
    s_fuzz_setup (false);
    s_out_t out = { argv [1], NULL, 0 };
    if (mkdir (out.dir, 0755) == -1 && errno != EEXIST) {
        fprintf (stderr, "seeds: cannot create %s: %s\n", out.dir, strerror (errno));
        return 1;
    }
    s_codec (&out);
    s_message (&out);
    s_envelope (&out);
    s_cert (&out);
    s_files (&out);
    s_ident (&out);
    s_catalog (&out);
    s_jsonpack (&out);
    return 0;
}
