/*  statement.c -- a signed statement of one department to the federation.  */

#include "statement.h"
#include "codec.h"
#include "ident.h"
#include "status.h"
#include <czmq.h>
#include <sodium.h>

#define S_CONTEXT "sluice-statement-2"

static const char *s_kinds [] = {
    STATEMENT_CATALOG, STATEMENT_AGREEMENT, STATEMENT_REVOCATION,
    STATEMENT_ORDER, STATEMENT_ANSWER, NULL
};

struct _statement_t {
    char kind [STATEMENT_KIND_MAX + 1];
    char author [IDENT_MAX + 1];
    char key [STATEMENT_KEY_MAX + 1];
    uint64_t version;
    int64_t issued;
    uint8_t *payload;
    size_t payload_size;
    uint8_t signature [STATEMENT_SIG_BYTES];
    uint8_t *encoded;           //  after sign or decode
    size_t encoded_size;
};

static bool
s_valid_kind (const char *kind)
{
    for (const char **known = s_kinds; *known; known++)
        if (streq (*known, kind))
            return true;
    return false;
}

static bool
s_valid_key (const char *key, size_t size)
{
    if (size == 0 || size > STATEMENT_KEY_MAX)
        return false;
    for (size_t index = 0; index < size; index++)
        if (key [index] <= 0x20 || key [index] >= 0x7f)
            return false;
    return true;
}

statement_t *
statement_new (const char *kind, const char *author, const char *key,
               uint64_t version, const uint8_t *payload, size_t size)
{
    if (!kind || !author || !key || (!payload && size)
    ||  version < 1 || version > STATEMENT_VERSION_MAX
    ||  !s_valid_kind (kind)
    ||  !ident_validate (IDENT_DEPARTMENT, author, NULL, 0, NULL)
    ||  !s_valid_key (key, strlen (key))
    ||  size > STATEMENT_PAYLOAD_MAX)
        return NULL;
    statement_t *self = (statement_t *) zmalloc (sizeof (statement_t));
    assert (self);
    strcpy (self->kind, kind);
    strcpy (self->author, author);
    strcpy (self->key, key);
    self->version = version;
    self->issued = zclock_time ();
    self->payload = (uint8_t *) malloc (size? size: 1);
    assert (self->payload);
    if (size)
        memcpy (self->payload, payload, size);
    self->payload_size = size;
    return self;
}

void
statement_destroy (statement_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        statement_t *self = *self_p;
        free (self->payload);
        free (self->encoded);
        free (self);
        *self_p = NULL;
    }
}

//  Packs the seven signed elements, and the signature if with_signature.
static void
s_pack (statement_t *self, msgpack_sbuffer *buffer, bool with_signature)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, with_signature? 8: 7);
    codec_pack_str (&pk, S_CONTEXT);
    codec_pack_str (&pk, self->kind);
    codec_pack_str (&pk, self->author);
    codec_pack_str (&pk, self->key);
    msgpack_pack_uint64 (&pk, self->version);
    msgpack_pack_int64 (&pk, self->issued);
    msgpack_pack_bin (&pk, self->payload_size);
    msgpack_pack_bin_body (&pk, self->payload, self->payload_size);
    if (with_signature) {
        msgpack_pack_bin (&pk, STATEMENT_SIG_BYTES);
        msgpack_pack_bin_body (&pk, self->signature, STATEMENT_SIG_BYTES);
    }
}

void
statement_sign (statement_t *self, const uint8_t *sign_secret)
{
    assert (self && sign_secret);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    s_pack (self, &buffer, false);
    crypto_sign_detached (self->signature, NULL, (uint8_t *) buffer.data,
                          buffer.size, sign_secret);
    msgpack_sbuffer_clear (&buffer);
    s_pack (self, &buffer, true);
    free (self->encoded);
    self->encoded_size = buffer.size;
    self->encoded = (uint8_t *) msgpack_sbuffer_release (&buffer);
}

int
statement_verify (statement_t *self, const uint8_t *sign_public)
{
    assert (self && sign_public);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    s_pack (self, &buffer, false);
    int rc = crypto_sign_verify_detached (self->signature, (uint8_t *) buffer.data,
                                          buffer.size, sign_public) == 0? 0: -1;
    msgpack_sbuffer_destroy (&buffer);
    return rc;
}


statement_t *
statement_decode (const uint8_t *data, size_t size)
{
    if (!data || size > STATEMENT_PAYLOAD_MAX + 1024)
        return NULL;
    msgpack_unpacked result;
    msgpack_unpacked_init (&result);
    statement_t *self = NULL;
    const msgpack_object *array = &result.data;
    char context [32];
    if (codec_unpack (data, size, &result) == STATUS_OK
    &&  array->type == MSGPACK_OBJECT_ARRAY && array->via.array.size == 8) {
        const msgpack_object *field = array->via.array.ptr;
        self = (statement_t *) zmalloc (sizeof (statement_t));
        assert (self);
        bool valid =
            codec_copy_str (&field [0], context, sizeof (context)) == 0
        &&  streq (context, S_CONTEXT)
        &&  codec_copy_str (&field [1], self->kind, sizeof (self->kind)) == 0
        &&  s_valid_kind (self->kind)
        &&  codec_copy_str (&field [2], self->author, sizeof (self->author)) == 0
        &&  ident_validate (IDENT_DEPARTMENT, self->author, NULL, 0, NULL)
        &&  codec_copy_str (&field [3], self->key, sizeof (self->key)) == 0
        &&  s_valid_key (self->key, strlen (self->key))
        &&  field [4].type == MSGPACK_OBJECT_POSITIVE_INTEGER
        &&  field [4].via.u64 >= 1 && field [4].via.u64 <= STATEMENT_VERSION_MAX
        &&  (field [5].type == MSGPACK_OBJECT_POSITIVE_INTEGER
         ||  field [5].type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        &&  field [6].type == MSGPACK_OBJECT_BIN
        &&  field [6].via.bin.size <= STATEMENT_PAYLOAD_MAX
        &&  field [7].type == MSGPACK_OBJECT_BIN
        &&  field [7].via.bin.size == STATEMENT_SIG_BYTES;
        if (valid) {
            self->version = field [4].via.u64;
            self->issued = field [5].via.i64;
            self->payload_size = field [6].via.bin.size;
            self->payload = (uint8_t *) malloc (self->payload_size? self->payload_size: 1);
            assert (self->payload);
            if (self->payload_size)
                memcpy (self->payload, field [6].via.bin.ptr, self->payload_size);
            memcpy (self->signature, field [7].via.bin.ptr, STATEMENT_SIG_BYTES);
            self->encoded = (uint8_t *) malloc (size);
            assert (self->encoded);
            memcpy (self->encoded, data, size);
            self->encoded_size = size;
        }
        else
            statement_destroy (&self);
    }
    msgpack_unpacked_destroy (&result);
    return self;
}

const uint8_t *
statement_encoded (statement_t *self, size_t *size)
{
    assert (self && size);
    *size = self->encoded_size;
    return self->encoded;
}

const char *statement_kind (statement_t *self) { return self->kind; }
const char *statement_author (statement_t *self) { return self->author; }
const char *statement_key (statement_t *self) { return self->key; }
uint64_t statement_version (statement_t *self) { return self->version; }
int64_t statement_issued (statement_t *self) { return self->issued; }
const uint8_t *statement_payload (statement_t *self) { return self->payload; }
size_t statement_payload_size (statement_t *self) { return self->payload_size; }

void
statement_set_issued (statement_t *self, int64_t issued_ms)
{
    assert (self);
    self->issued = issued_ms;
}

void
statement_test (bool verbose)
{
    if (verbose)
        printf (" * statement: ");
    uint8_t public_key [32], secret_key [64], other_public [32], other_secret [64];
    crypto_sign_keypair (public_key, secret_key);
    crypto_sign_keypair (other_public, other_secret);

    statement_t *statement = statement_new (STATEMENT_ORDER, "SH-PD-TAX", "ORD-1", 7,
                                            (const uint8_t *) "\x81\xa1x\x01", 4);
    assert (statement);
    size_t size;
    assert (statement_encoded (statement, &size) == NULL);
    statement_sign (statement, secret_key);
    assert (statement_verify (statement, public_key) == 0);
    assert (statement_verify (statement, other_public) == -1);
    const uint8_t *encoded = statement_encoded (statement, &size);
    statement_t *copy = statement_decode (encoded, size);
    assert (copy);
    assert (streq (statement_kind (copy), STATEMENT_ORDER));
    assert (streq (statement_author (copy), "SH-PD-TAX"));
    assert (streq (statement_key (copy), "ORD-1"));
    assert (statement_issued (copy) == statement_issued (statement));
    assert (statement_version (copy) == 7);
    assert (statement_payload_size (copy) == 4);
    assert (statement_verify (copy, public_key) == 0);
    statement_destroy (&copy);

    //  Any flipped byte is refused at decoding or at verification
    uint8_t *flipped = (uint8_t *) malloc (size);
    for (size_t index = 0; index < size; index++) {
        memcpy (flipped, encoded, size);
        flipped [index] ^= 0x01;
        copy = statement_decode (flipped, size);
        if (copy)
            assert (statement_verify (copy, public_key) == -1);
        statement_destroy (&copy);
    }
    //  Every truncation is refused
    for (size_t cut = 0; cut < size; cut++)
        assert (statement_decode (encoded, cut) == NULL);
    free (flipped);
    statement_destroy (&statement);

    //  The test vector of PROTOCOL.md section 16.7: an order by SH-PD-TAX
    //  (Ed25519 seed 32 bytes 02), version 1, issued 2026-01-01T00:00:00Z,
    //  whose payload is the order body {provider SH-PD-MSA, item
    //  market-violations, fields case_no,kind, purpose tax-risk, legal basis
    //  《税收征收管理法》第五条}
    {
        const char *payload_hex =
            "85a870726f7669646572a953482d50442d4d5341a46974656db16d61726b6574"
            "2d76696f6c6174696f6e73a66669656c6473ac636173655f6e6f2c6b696e64a7"
            "707572706f7365a87461782d7269736bab6c6567616c5f6261736973d924e380"
            "8ae7a88ee694b6e5be81e694b6e7aea1e79086e6b395e3808be7acace4ba94e6"
            "9da1";
        const char *encoded_hex =
            "98b2736c756963652d73746174656d656e742d32a56f72646572a953482d5044"
            "2d544158ac4f52442d5441582d3030303101cf0000019b76daa800c48285a870"
            "726f7669646572a953482d50442d4d5341a46974656db16d61726b65742d7669"
            "6f6c6174696f6e73a66669656c6473ac636173655f6e6f2c6b696e64a7707572"
            "706f7365a87461782d7269736bab6c6567616c5f6261736973d924e3808ae7a8"
            "8ee694b6e5be81e694b6e7aea1e79086e6b395e3808be7acace4ba94e69da1c4"
            "408f6b1147b048d5c042b78535d715d976bc683c67d35b464f0b8eb2b78329dc"
            "98ea9622ac65284eca5b260f00cd4ca894f78c06531e180faa34eb2ae1fe478a"
            "0e";
        uint8_t payload [130], expected [257], seed [32];
        size_t payload_size = 0, expected_size = 0;
        assert (sodium_hex2bin (payload, sizeof (payload), payload_hex, strlen (payload_hex),
                                NULL, &payload_size, NULL) == 0 && payload_size == 130);
        memset (seed, 0x02, sizeof (seed));
        uint8_t vector_public [32], vector_secret [64];
        crypto_sign_seed_keypair (vector_public, vector_secret, seed);
        statement_t *vector = statement_new (STATEMENT_ORDER, "SH-PD-TAX", "ORD-TAX-0001",
                                             1, payload, payload_size);
        assert (vector);
        statement_set_issued (vector, INT64_C (1767225600000));
        statement_sign (vector, vector_secret);
        size_t vector_size;
        const uint8_t *vector_encoded = statement_encoded (vector, &vector_size);
        if (verbose) {
            char hex [2 * 257 + 1];
            sodium_bin2hex (hex, sizeof (hex), vector_encoded, vector_size < 257? vector_size: 257);
            printf ("\n%s\n", hex);
        }
        assert (sodium_hex2bin (expected, sizeof (expected), encoded_hex, strlen (encoded_hex),
                                NULL, &expected_size, NULL) == 0 && expected_size == 257);
        assert (vector_size == expected_size);
        assert (memcmp (vector_encoded, expected, expected_size) == 0);
        //  The signed bytes are the same array of seven, without the signature
        uint8_t signed_bytes [191];
        signed_bytes [0] = 0x97;
        memcpy (signed_bytes + 1, expected + 1, sizeof (signed_bytes) - 1);
        assert (crypto_sign_verify_detached (expected + expected_size - 64, signed_bytes,
                                             sizeof (signed_bytes), vector_public) == 0);
        //  Decoded, it verifies with SH-PD-TAX's key and no other
        statement_t *decoded = statement_decode (expected, expected_size);
        assert (decoded);
        assert (statement_issued (decoded) == INT64_C (1767225600000));
        assert (statement_version (decoded) == 1);
        assert (streq (statement_key (decoded), "ORD-TAX-0001"));
        assert (statement_verify (decoded, vector_public) == 0);
        assert (statement_verify (decoded, public_key) == -1);
        statement_destroy (&decoded);
        statement_destroy (&vector);
        //  Another version is other signed bytes: the signature does not
        //  carry over, and a version of 0 does not decode
        uint8_t bumped [257];
        memcpy (bumped, expected, sizeof (bumped));
        assert (bumped [49] == 0x01);       //  the version, after the key
        bumped [49] = 0x02;
        decoded = statement_decode (bumped, sizeof (bumped));
        assert (decoded && statement_version (decoded) == 2);
        assert (statement_verify (decoded, vector_public) == -1);
        statement_destroy (&decoded);
        bumped [49] = 0x00;
        assert (!statement_decode (bumped, sizeof (bumped)));
    }

    //  Arguments out of bounds
    assert (!statement_new ("gossip", "SH-PD-TAX", "K", 1, NULL, 0));
    assert (!statement_new (STATEMENT_ORDER, "tax", "K", 1, NULL, 0));
    assert (!statement_new (STATEMENT_ORDER, "SH-PD-TAX", "", 1, NULL, 0));
    assert (!statement_new (STATEMENT_ORDER, "SH-PD-TAX", "has space", 1, NULL, 0));
    assert (!statement_new (STATEMENT_ORDER, "SH-PD-TAX", "K", 1, NULL, STATEMENT_PAYLOAD_MAX + 1));
    assert (!statement_new (STATEMENT_ORDER, "SH-PD-TAX", "K", 0, NULL, 0));
    assert (!statement_new (STATEMENT_ORDER, "SH-PD-TAX", "K", (uint64_t) STATEMENT_VERSION_MAX + 1,
                            NULL, 0));
    if (verbose)
        printf ("OK\n");
}
