/*  envelope.c -- a Sluice message on the wire.  */

#include "envelope.h"
#include "codec.h"
#include "ident.h"
#include "status.h"
#include "version.h"

//  --version names the protocol version this code speaks
_Static_assert (SLUICE_PROTOCOL_VERSION == ENVELOPE_VERSION,
                "version.h and envelope.h disagree on the protocol version");
#include <sodium.h>

//  What each message type requires, as data rather than a chain of ifs.
typedef struct {
    int type;
    const char *name;
    bool sealed;            //  must be sealed to the recipient department
    bool departmental;      //  version 1 carries it between departments
} s_type_row_t;

//  Between departments, version 1 carries QUERY, RESPONSE and ERROR, and
//  the store-and-forward messages NOTICE, RECEIPT, ALERT and ACK; the
//  others are the broker's own (QUEUED among them)
static const s_type_row_t s_types [] = {
    { MSG_HELLO,     "HELLO",     false, false },
    { MSG_WELCOME,   "WELCOME",   false, false },
    { MSG_HEARTBEAT, "HEARTBEAT", false, false },
    { MSG_QUERY,     "QUERY",     true,  true  },
    { MSG_RESPONSE,  "RESPONSE",  true,  true  },
    { MSG_ERROR,     "ERROR",     false, true  },  //  sealed when from a department
    { MSG_DIRECTORY, "DIRECTORY", false, false },
    { MSG_NOTICE,    "NOTICE",    true,  true  },
    { MSG_RECEIPT,   "RECEIPT",   true,  true  },
    { MSG_ALERT,     "ALERT",     true,  true  },
    { MSG_ACK,       "ACK",       true,  true  },
    { MSG_QUEUED,    "QUEUED",    false, false },
    { MSG_REGISTRY,  "REGISTRY",  false, false },
};
#define S_TYPES (sizeof (s_types) / sizeof (s_types [0]))

//  Domain separation for message signatures
#define S_SIGN_CONTEXT      "sluice-msg-1"
#define S_SIGN_CONTEXT_SIZE 12

struct _envelope_t {
    envelope_header_t header;
    uint8_t header_bytes [ENVELOPE_HEADER_MAX];
    size_t header_size;
    uint8_t *body;              //  as on the wire
    size_t body_size;
    uint8_t *payload;           //  after seal or open
    size_t payload_size;
    uint8_t signature [ENVELOPE_SIG_BYTES];
};

static const s_type_row_t *
s_type (int type)
{
    for (size_t index = 0; index < S_TYPES; index++)
        if (s_types [index].type == type)
            return &s_types [index];
    return NULL;
}

const char *
envelope_type_name (int type)
{
    const s_type_row_t *row = s_type (type);
    return row? row->name: "UNKNOWN";
}

bool
envelope_type_departmental (int type)
{
    const s_type_row_t *row = s_type (type);
    return row && row->departmental;
}

bool
envelope_type_sealed (int type)
{
    const s_type_row_t *row = s_type (type);
    return row && row->sealed;
}

void
envelope_id_hex (const uint8_t *id, char *hex)
{
    sodium_bin2hex (hex, ENVELOPE_ID_BYTES * 2 + 1, id, ENVELOPE_ID_BYTES);
}

//  Encodes the header into self->header_bytes.
static int
s_header_encode (envelope_t *self)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    envelope_header_t *header = &self->header;
    msgpack_pack_array (&pk, 7);
    msgpack_pack_uint8 (&pk, header->version);
    msgpack_pack_uint8 (&pk, header->type);
    msgpack_pack_bin (&pk, ENVELOPE_ID_BYTES);
    msgpack_pack_bin_body (&pk, header->id, ENVELOPE_ID_BYTES);
    codec_pack_str (&pk, header->from);
    codec_pack_str (&pk, header->to);
    msgpack_pack_uint64 (&pk, header->time_ms);
    msgpack_pack_uint32 (&pk, header->flags);
    int rc = -1;
    if (buffer.size <= ENVELOPE_HEADER_MAX) {
        memcpy (self->header_bytes, buffer.data, buffer.size);
        self->header_size = buffer.size;
        rc = 0;
    }
    msgpack_sbuffer_destroy (&buffer);
    return rc;
}


static bool
s_valid_department (const char *id, bool may_be_empty)
{
    if (*id == 0)
        return may_be_empty;
    return ident_validate (IDENT_DEPARTMENT, id, NULL, 0, NULL);
}

int
envelope_header_decode (const uint8_t *data, size_t size,
                        envelope_header_t *header)
{
    if (size > ENVELOPE_HEADER_MAX)
        return STATUS_TOO_LARGE;
    msgpack_unpacked result;
    msgpack_unpacked_init (&result);
    int status = codec_unpack (data, size, &result);
    const msgpack_object *array = &result.data;
    if (status == STATUS_OK
    && (array->type != MSGPACK_OBJECT_ARRAY || array->via.array.size != 7))
        status = STATUS_MALFORMED;
    if (status == STATUS_OK) {
        const msgpack_object *field = array->via.array.ptr;
        memset (header, 0, sizeof (*header));
        if (field [0].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            status = STATUS_MALFORMED;
        else
        if (field [0].via.u64 != ENVELOPE_VERSION)
            status = STATUS_BAD_VERSION;
        else
        if (field [1].type != MSGPACK_OBJECT_POSITIVE_INTEGER
        ||  field [1].via.u64 > 255
        ||  field [2].type != MSGPACK_OBJECT_BIN
        ||  field [2].via.bin.size != ENVELOPE_ID_BYTES
        ||  codec_copy_str (&field [3], header->from, sizeof (header->from))
        ||  codec_copy_str (&field [4], header->to, sizeof (header->to))
        ||  field [5].type != MSGPACK_OBJECT_POSITIVE_INTEGER
        ||  field [6].type != MSGPACK_OBJECT_POSITIVE_INTEGER
        ||  field [6].via.u64 > ENVELOPE_FLAG_SEALED)
            status = STATUS_MALFORMED;
        else
        if (!s_type ((int) field [1].via.u64))
            status = STATUS_BAD_TYPE;
        else
        if (!s_valid_department (header->from, false)
        ||  !s_valid_department (header->to, true))
            status = STATUS_MALFORMED;
        else {
            header->version = (uint8_t) field [0].via.u64;
            header->type = (uint8_t) field [1].via.u64;
            memcpy (header->id, field [2].via.bin.ptr, ENVELOPE_ID_BYTES);
            header->time_ms = field [5].via.u64;
            header->flags = (uint32_t) field [6].via.u64;
            //  A type that must be sealed is never accepted in clear
            if (envelope_type_sealed (header->type)
            && !(header->flags & ENVELOPE_FLAG_SEALED))
                status = STATUS_BAD_TYPE;
        }
    }
    msgpack_unpacked_destroy (&result);
    return status;
}

envelope_t *
envelope_new (int type, const char *from, const char *to)
{
    if (!s_type (type)
    ||  !from || strlen (from) > ENVELOPE_DEPT_MAX
    ||  !to || strlen (to) > ENVELOPE_DEPT_MAX)
        return NULL;
    envelope_t *self = (envelope_t *) zmalloc (sizeof (envelope_t));
    assert (self);
    self->header.version = ENVELOPE_VERSION;
    self->header.type = (uint8_t) type;
    randombytes_buf (self->header.id, ENVELOPE_ID_BYTES);
    strcpy (self->header.from, from);
    strcpy (self->header.to, to);
    self->header.time_ms = (uint64_t) zclock_time ();
    return self;
}

envelope_t *
envelope_decode (zmsg_t *msg, int *status)
{
    assert (status);
    if (!msg || zmsg_size (msg) != 2) {
        *status = STATUS_MALFORMED;
        return NULL;
    }
    zframe_t *header_frame = zmsg_first (msg);
    zframe_t *body_frame = zmsg_next (msg);
    if (zframe_size (body_frame) > ENVELOPE_BODY_MAX) {
        *status = STATUS_TOO_LARGE;
        return NULL;
    }
    envelope_header_t header;
    *status = envelope_header_decode (zframe_data (header_frame),
                                      zframe_size (header_frame), &header);
    if (*status != STATUS_OK)
        return NULL;
    envelope_t *self = (envelope_t *) zmalloc (sizeof (envelope_t));
    assert (self);
    self->header = header;
    memcpy (self->header_bytes, zframe_data (header_frame),
            zframe_size (header_frame));
    self->header_size = zframe_size (header_frame);
    self->body_size = zframe_size (body_frame);
    self->body = (uint8_t *) malloc (self->body_size? self->body_size: 1);
    assert (self->body);
    memcpy (self->body, zframe_data (body_frame), self->body_size);
    return self;
}

void
envelope_destroy (envelope_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        envelope_t *self = *self_p;
        free (self->body);
        free (self->payload);
        free (self);
        *self_p = NULL;
    }
}

const envelope_header_t *
envelope_header (envelope_t *self)
{
    assert (self);
    return &self->header;
}

envelope_header_t *
envelope_header_mut (envelope_t *self)
{
    assert (self);
    return &self->header;
}

//  The bytes that are signed: context, header length, header, payload.
static uint8_t *
s_signed_bytes (envelope_t *self, const uint8_t *payload, size_t size,
                size_t *total)
{
    *total = S_SIGN_CONTEXT_SIZE + 4 + self->header_size + size;
    uint8_t *bytes = (uint8_t *) malloc (*total);
    assert (bytes);
    uint8_t *cursor = bytes;
    memcpy (cursor, S_SIGN_CONTEXT, S_SIGN_CONTEXT_SIZE);
    cursor += S_SIGN_CONTEXT_SIZE;
    uint32_t length = (uint32_t) self->header_size;
    *cursor++ = (uint8_t) (length >> 24);
    *cursor++ = (uint8_t) (length >> 16);
    *cursor++ = (uint8_t) (length >> 8);
    *cursor++ = (uint8_t) length;
    memcpy (cursor, self->header_bytes, self->header_size);
    cursor += self->header_size;
    if (size)
        memcpy (cursor, payload, size);
    return bytes;
}

//  Inner body: msgpack [bin payload, bin signature].
static uint8_t *
s_inner_encode (const uint8_t *payload, size_t size, const uint8_t *signature,
                size_t *inner_size)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 2);
    msgpack_pack_bin (&pk, size);
    msgpack_pack_bin_body (&pk, payload, size);
    msgpack_pack_bin (&pk, ENVELOPE_SIG_BYTES);
    msgpack_pack_bin_body (&pk, signature, ENVELOPE_SIG_BYTES);
    *inner_size = buffer.size;
    return (uint8_t *) msgpack_sbuffer_release (&buffer);
}

int
envelope_seal (envelope_t *self, const uint8_t *payload, size_t size,
               const uint8_t *sign_secret, const uint8_t *box_key)
{
    assert (self && sign_secret);
    if (size > ENVELOPE_PAYLOAD_MAX)
        return -1;
    if (box_key)
        self->header.flags |= ENVELOPE_FLAG_SEALED;
    else
        self->header.flags &= ~ (uint32_t) ENVELOPE_FLAG_SEALED;
    if (s_header_encode (self))
        return -1;

    size_t signed_size;
    uint8_t *signed_bytes = s_signed_bytes (self, payload, size, &signed_size);
    crypto_sign_detached (self->signature, NULL, signed_bytes, signed_size,
                          sign_secret);
    free (signed_bytes);

    free (self->payload);
    self->payload = (uint8_t *) malloc (size? size: 1);
    assert (self->payload);
    if (size)
        memcpy (self->payload, payload, size);
    self->payload_size = size;

    size_t inner_size;
    uint8_t *inner = s_inner_encode (payload, size, self->signature, &inner_size);
    free (self->body);
    if (box_key) {
        self->body_size = crypto_box_NONCEBYTES + crypto_box_MACBYTES + inner_size;
        self->body = (uint8_t *) malloc (self->body_size);
        assert (self->body);
        randombytes_buf (self->body, crypto_box_NONCEBYTES);
        crypto_box_easy_afternm (self->body + crypto_box_NONCEBYTES, inner,
                                 inner_size, self->body, box_key);
        free (inner);
    }
    else {
        self->body = inner;
        self->body_size = inner_size;
    }
    return 0;
}

//  Splits the inner body into payload and signature, copying the payload.
static int
s_inner_decode (envelope_t *self, const uint8_t *inner, size_t size)
{
    msgpack_unpacked result;
    msgpack_unpacked_init (&result);
    int status = codec_unpack (inner, size, &result);
    const msgpack_object *array = &result.data;
    if (status == STATUS_OK
    && (array->type != MSGPACK_OBJECT_ARRAY
    ||  array->via.array.size != 2
    ||  array->via.array.ptr [0].type != MSGPACK_OBJECT_BIN
    ||  array->via.array.ptr [0].via.bin.size > ENVELOPE_PAYLOAD_MAX
    ||  array->via.array.ptr [1].type != MSGPACK_OBJECT_BIN
    ||  array->via.array.ptr [1].via.bin.size != ENVELOPE_SIG_BYTES))
        status = STATUS_MALFORMED;
    if (status == STATUS_OK) {
        const msgpack_object_bin *payload = &array->via.array.ptr [0].via.bin;
        free (self->payload);
        self->payload = (uint8_t *) malloc (payload->size? payload->size: 1);
        assert (self->payload);
        if (payload->size)
            memcpy (self->payload, payload->ptr, payload->size);
        self->payload_size = payload->size;
        memcpy (self->signature, array->via.array.ptr [1].via.bin.ptr,
                ENVELOPE_SIG_BYTES);
    }
    msgpack_unpacked_destroy (&result);
    return status;
}

int
envelope_open (envelope_t *self, const uint8_t *box_key,
               const uint8_t *sign_public)
{
    assert (self && sign_public);
    bool sealed = (self->header.flags & ENVELOPE_FLAG_SEALED) != 0;
    if (sealed != (box_key != NULL))
        return STATUS_BAD_SEAL;
    int status;
    if (sealed) {
        if (self->body_size < crypto_box_NONCEBYTES + crypto_box_MACBYTES)
            return STATUS_BAD_SEAL;
        size_t inner_size = self->body_size - crypto_box_NONCEBYTES
                          - crypto_box_MACBYTES;
        uint8_t *inner = (uint8_t *) malloc (inner_size? inner_size: 1);
        assert (inner);
        if (crypto_box_open_easy_afternm (inner,
                self->body + crypto_box_NONCEBYTES,
                self->body_size - crypto_box_NONCEBYTES,
                self->body, box_key) != 0)
            status = STATUS_BAD_SEAL;
        else
            status = s_inner_decode (self, inner, inner_size);
        free (inner);
    }
    else
        status = s_inner_decode (self, self->body, self->body_size);
    if (status != STATUS_OK)
        return status;

    size_t signed_size;
    uint8_t *signed_bytes = s_signed_bytes (self, self->payload,
                                            self->payload_size, &signed_size);
    if (crypto_sign_verify_detached (self->signature, signed_bytes,
                                     signed_size, sign_public) != 0)
        status = STATUS_BAD_SIGNATURE;
    free (signed_bytes);
    if (status != STATUS_OK) {
        free (self->payload);
        self->payload = NULL;
        self->payload_size = 0;
    }
    return status;
}

const uint8_t *
envelope_payload (envelope_t *self)
{
    assert (self);
    return self->payload;
}

size_t
envelope_payload_size (envelope_t *self)
{
    assert (self);
    return self->payload_size;
}

const uint8_t *
envelope_signature (envelope_t *self)
{
    assert (self);
    return self->signature;
}

zmsg_t *
envelope_encode (envelope_t *self)
{
    assert (self && self->body);
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, self->header_bytes, self->header_size);
    zmsg_addmem (msg, self->body, self->body_size);
    return msg;
}

int
envelope_send_routed (envelope_t *self, zsock_t *router, zframe_t *routing)
{
    assert (self);
    assert (router);
    assert (routing);
    zmsg_t *msg = envelope_encode (self);
    zframe_t *copy = zframe_dup (routing);
    zmsg_prepend (msg, &copy);
    int rc = zmsg_send (&msg, router);
    zmsg_destroy (&msg);
    return rc;
}

const uint8_t *
envelope_header_bytes (envelope_t *self, size_t *size)
{
    assert (self);
    *size = self->header_size;
    return self->header_bytes;
}

const uint8_t *
envelope_body_bytes (envelope_t *self, size_t *size)
{
    assert (self);
    *size = self->body_size;
    return self->body;
}

void
envelope_digest (envelope_t *self, uint8_t *digest)
{
    assert (self);
    crypto_generichash_state state;
    crypto_generichash_init (&state, NULL, 0, 32);
    crypto_generichash_update (&state, self->header_bytes, self->header_size);
    if (self->payload)
        crypto_generichash_update (&state, self->payload, self->payload_size);
    crypto_generichash_final (&state, digest, 32);
}

//  --------------------------------------------------------------------------
//  Self-test, with the fixed-key test vectors of PROTOCOL.md

//  Keys: Ed25519 from 32-byte seeds of 0x02 (SH-PD-TAX) and 0x01 (SH-PD-MSA);
//  X25519 secrets of 32 bytes 0x22 (SH-PD-TAX) and 0x11 (SH-PD-MSA)
#define S_VECTOR_TAX_SIGN_PK \
    "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394"
#define S_VECTOR_TAX_BOX_PK \
    "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20"
#define S_VECTOR_MSA_BOX_PK \
    "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13"
#define S_VECTOR_SHARED_KEY \
    "8abe7c8ae6800b76d4f5986b04b77f6e9b4f332403c90df02428336e8bd9b525"
//  HEARTBEAT SH-PD-TAX -> broker, id 00..0f, time 1767225600000, payload 80
#define S_VECTOR_HEARTBEAT_HEADER \
    "970103c410000102030405060708090a0b0c0d0e0fa953482d50442d544158a0" \
    "cf0000019b76daa80000"
#define S_VECTOR_HEARTBEAT_BODY \
    "92c40180c440ca66109c16d7dc1e07cc67642384298c268801364110b7aa8536" \
    "9ac0acb1d4b8fa76be821f4726cc079ab9800ce05a9b9a512529d5fa4413df57" \
    "088c1309c90a"
//  QUERY SH-PD-TAX -> SH-PD-MSA, id 10..1f, time 1767225600000, sealed
//  with nonce 40..57; the payload is message_test's QUERY vector
#define S_VECTOR_QUERY_PAYLOAD \
    "86a46974656db0656e74657270726973652d6261736963a36b6579b239313331" \
    "303131354d41314b334254503242a66669656c6473ac6e616d652c6164647265" \
    "7373a7707572706f7365b07461782d726567697374726174696f6ea76f666669" \
    "636572a957616e672046616e67a4726f6c65a761756469746f72"
#define S_VECTOR_QUERY_HEADER \
    "970104c410101112131415161718191a1b1c1d1e1fa953482d50442d544158a9" \
    "53482d50442d4d5341cf0000019b76daa80001"
#define S_VECTOR_QUERY_SIGNED \
    "736c756963652d6d73672d3100000033970104c410101112131415161718191a" \
    "1b1c1d1e1fa953482d50442d544158a953482d50442d4d5341cf0000019b76da" \
    "a8000186a46974656db0656e74657270726973652d6261736963a36b6579b239" \
    "313331303131354d41314b334254503242a66669656c6473ac6e616d652c6164" \
    "6472657373a7707572706f7365b07461782d726567697374726174696f6ea76f" \
    "666669636572a957616e672046616e67a4726f6c65a761756469746f72"
#define S_VECTOR_QUERY_SIGNATURE \
    "b1386d145ed9fb051680e774565323fa27a9ddc4c186acca658cff4d9dcccb8b" \
    "9241e2e5d4d9df0790c32b55ed75486c59640beb42a54a20f21e71468091f701"
#define S_VECTOR_QUERY_BODY \
    "404142434445464748494a4b4c4d4e4f5051525354555657133da1170ee82e98" \
    "b8d82620bf6871e6d972ca3344d98fccc5141051208de1a9c3c2a5057d334577" \
    "d166614ffd31fc54e5fc4e54ea191ed36b36f4d7d3a44f34376205ee81b092fc" \
    "8be52111599a77a5848ba05fd9773a899b6f42cb9d2c7aa617ac87cf0c98b304" \
    "2e45e728b2b34616d9da1c8f45944bf5579c3974378bb191e06946e6a86478c2" \
    "95347ab78e6fdbce29fb950e4b230755864faa7fe4e1e954efe2b2f5616fc909" \
    "8144f30a835f1b84c912594220f3e8e48ee377772db56b99cc87da594c206965" \
    "530cb5f07a1486"

//  Seals the body again with a given nonce, for the reproducible vector
//  (envelope_seal always draws a random one).
static void
s_reseal (envelope_t *self, const uint8_t *nonce, const uint8_t *box_key)
{
    assert (self->body_size >= crypto_box_NONCEBYTES + crypto_box_MACBYTES);
    size_t inner_size = self->body_size - crypto_box_NONCEBYTES - crypto_box_MACBYTES;
    uint8_t *inner = (uint8_t *) malloc (inner_size? inner_size: 1);
    assert (inner);
    int rc = crypto_box_open_easy_afternm (inner, self->body + crypto_box_NONCEBYTES,
                                           self->body_size - crypto_box_NONCEBYTES,
                                           self->body, box_key);
    assert (rc == 0);
    memcpy (self->body, nonce, crypto_box_NONCEBYTES);
    crypto_box_easy_afternm (self->body + crypto_box_NONCEBYTES, inner, inner_size,
                             self->body, box_key);
    free (inner);
}

static void
s_keys_from_seed (uint8_t seed_byte, uint8_t *sign_pk, uint8_t *sign_sk,
                  uint8_t *box_pk, uint8_t *box_sk)
{
    uint8_t seed [32];
    memset (seed, seed_byte, sizeof (seed));
    crypto_sign_seed_keypair (sign_pk, sign_sk, seed);
    crypto_box_seed_keypair (box_pk, box_sk, seed);
}

void
envelope_test (bool verbose)
{
    if (verbose)
        printf (" * envelope: ");

    //  Between departments, version 1 carries seven types, no other
    const int departmental [] = { MSG_QUERY, MSG_RESPONSE, MSG_ERROR, MSG_NOTICE,
                                  MSG_RECEIPT, MSG_ALERT, MSG_ACK };
    const int others [] = { MSG_HELLO, MSG_WELCOME, MSG_HEARTBEAT, MSG_DIRECTORY,
                            MSG_QUEUED, MSG_REGISTRY, 0, 99, 255 };
    for (size_t index = 0; index < sizeof (departmental) / sizeof (departmental [0]);
         index++)
        assert (envelope_type_departmental (departmental [index]));
    for (size_t index = 0; index < sizeof (others) / sizeof (others [0]); index++)
        assert (!envelope_type_departmental (others [index]));

    uint8_t a_sign_pk [32], a_sign_sk [64], a_box_pk [32], a_box_sk [32];
    uint8_t b_sign_pk [32], b_sign_sk [64], b_box_pk [32], b_box_sk [32];
    s_keys_from_seed (0xA1, a_sign_pk, a_sign_sk, a_box_pk, a_box_sk);
    s_keys_from_seed (0xB2, b_sign_pk, b_sign_sk, b_box_pk, b_box_sk);
    uint8_t key_ab [32], key_ba [32];
    assert (crypto_box_beforenm (key_ab, b_box_pk, a_box_sk) == 0);
    assert (crypto_box_beforenm (key_ba, a_box_pk, b_box_sk) == 0);
    assert (memcmp (key_ab, key_ba, 32) == 0);

    //  Test vectors of PROTOCOL.md: fixed keys, ids, times and nonce
    {
        uint8_t seed [32], tax_sign_pk [32], tax_sign_sk [64];
        uint8_t msa_sign_pk [32], msa_sign_sk [64];
        memset (seed, 0x02, sizeof (seed));
        crypto_sign_seed_keypair (tax_sign_pk, tax_sign_sk, seed);
        memset (seed, 0x01, sizeof (seed));
        crypto_sign_seed_keypair (msa_sign_pk, msa_sign_sk, seed);
        uint8_t tax_box_sk [32], tax_box_pk [32], msa_box_sk [32], msa_box_pk [32];
        memset (tax_box_sk, 0x22, sizeof (tax_box_sk));
        memset (msa_box_sk, 0x11, sizeof (msa_box_sk));
        crypto_scalarmult_base (tax_box_pk, tax_box_sk);
        crypto_scalarmult_base (msa_box_pk, msa_box_sk);
        uint8_t tax_key [32], msa_key [32];
        assert (crypto_box_beforenm (tax_key, msa_box_pk, tax_box_sk) == 0);
        assert (crypto_box_beforenm (msa_key, tax_box_pk, msa_box_sk) == 0);

        //  Clear HEARTBEAT to the broker
        envelope_t *vector = envelope_new (MSG_HEARTBEAT, "SH-PD-TAX", "");
        assert (vector);
        for (int index = 0; index < ENVELOPE_ID_BYTES; index++)
            envelope_header_mut (vector)->id [index] = (uint8_t) index;
        envelope_header_mut (vector)->time_ms = 1767225600000ULL;
        const uint8_t empty_map = 0x80;
        assert (envelope_seal (vector, &empty_map, 1, tax_sign_sk, NULL) == 0);
        size_t heartbeat_header_size, heartbeat_body_size;
        const uint8_t *heartbeat_header =
            envelope_header_bytes (vector, &heartbeat_header_size);
        const uint8_t *heartbeat_body =
            envelope_body_bytes (vector, &heartbeat_body_size);

        //  Sealed QUERY to SH-PD-MSA, nonce 40 41 .. 57
        uint8_t query_payload [256];
        size_t query_payload_size;
        assert (sodium_hex2bin (query_payload, sizeof (query_payload),
                                S_VECTOR_QUERY_PAYLOAD, strlen (S_VECTOR_QUERY_PAYLOAD),
                                NULL, &query_payload_size, NULL) == 0);
        envelope_t *query = envelope_new (MSG_QUERY, "SH-PD-TAX", "SH-PD-MSA");
        assert (query);
        for (int index = 0; index < ENVELOPE_ID_BYTES; index++)
            envelope_header_mut (query)->id [index] = (uint8_t) (0x10 + index);
        envelope_header_mut (query)->time_ms = 1767225600000ULL;
        assert (envelope_seal (query, query_payload, query_payload_size,
                               tax_sign_sk, tax_key) == 0);
        uint8_t nonce [crypto_box_NONCEBYTES];
        for (size_t index = 0; index < crypto_box_NONCEBYTES; index++)
            nonce [index] = (uint8_t) (0x40 + index);
        s_reseal (query, nonce, tax_key);
        size_t signed_size, query_header_size, query_body_size;
        uint8_t *signed_bytes = s_signed_bytes (query, query_payload,
                                                query_payload_size, &signed_size);
        const uint8_t *query_header = envelope_header_bytes (query, &query_header_size);
        const uint8_t *query_body = envelope_body_bytes (query, &query_body_size);

        struct {
            const uint8_t *data;
            size_t size;
            const char *hex;
        } checks [] = {
            { tax_sign_pk, 32, S_VECTOR_TAX_SIGN_PK },
            { tax_box_pk, 32, S_VECTOR_TAX_BOX_PK },
            { msa_box_pk, 32, S_VECTOR_MSA_BOX_PK },
            { tax_key, 32, S_VECTOR_SHARED_KEY },
            { msa_key, 32, S_VECTOR_SHARED_KEY },
            { heartbeat_header, heartbeat_header_size, S_VECTOR_HEARTBEAT_HEADER },
            { heartbeat_body, heartbeat_body_size, S_VECTOR_HEARTBEAT_BODY },
            { query_header, query_header_size, S_VECTOR_QUERY_HEADER },
            { signed_bytes, signed_size, S_VECTOR_QUERY_SIGNED },
            { envelope_signature (query), ENVELOPE_SIG_BYTES, S_VECTOR_QUERY_SIGNATURE },
            { query_body, query_body_size, S_VECTOR_QUERY_BODY },
        };
        for (size_t index = 0; index < sizeof (checks) / sizeof (checks [0]); index++) {
            char text [1024];
            assert (checks [index].size * 2 < sizeof (text));
            sodium_bin2hex (text, sizeof (text), checks [index].data, checks [index].size);
            if (verbose && !streq (text, checks [index].hex))
                printf ("\nvector %zu: %s\n", index, text);
            assert (streq (text, checks [index].hex));
        }
        free (signed_bytes);

        //  The vectors, as received: decoded from hex and opened
        uint8_t frame [512];
        size_t frame_size;
        zmsg_t *received = zmsg_new ();
        assert (sodium_hex2bin (frame, sizeof (frame), S_VECTOR_QUERY_HEADER,
                                strlen (S_VECTOR_QUERY_HEADER), NULL, &frame_size,
                                NULL) == 0);
        zmsg_addmem (received, frame, frame_size);
        assert (sodium_hex2bin (frame, sizeof (frame), S_VECTOR_QUERY_BODY,
                                strlen (S_VECTOR_QUERY_BODY), NULL, &frame_size,
                                NULL) == 0);
        zmsg_addmem (received, frame, frame_size);
        int received_status;
        envelope_t *opened = envelope_decode (received, &received_status);
        assert (opened && received_status == STATUS_OK);
        assert (envelope_header (opened)->type == MSG_QUERY);
        assert (envelope_header (opened)->flags == ENVELOPE_FLAG_SEALED);
        assert (envelope_header (opened)->time_ms == 1767225600000ULL);
        assert (streq (envelope_header (opened)->to, "SH-PD-MSA"));
        assert (envelope_open (opened, msa_key, msa_sign_pk) == STATUS_BAD_SIGNATURE);
        assert (envelope_open (opened, msa_key, tax_sign_pk) == STATUS_OK);
        assert (envelope_payload_size (opened) == query_payload_size);
        assert (memcmp (envelope_payload (opened), query_payload,
                        query_payload_size) == 0);
        envelope_destroy (&opened);
        zmsg_destroy (&received);

        received = zmsg_new ();
        zmsg_addmem (received, heartbeat_header, heartbeat_header_size);
        zmsg_addmem (received, heartbeat_body, heartbeat_body_size);
        opened = envelope_decode (received, &received_status);
        assert (opened && received_status == STATUS_OK);
        assert (envelope_header (opened)->to [0] == 0);
        assert (envelope_open (opened, NULL, tax_sign_pk) == STATUS_OK);
        assert (envelope_payload_size (opened) == 1);
        envelope_destroy (&opened);
        zmsg_destroy (&received);
        envelope_destroy (&query);
        envelope_destroy (&vector);
    }

    //  Round trip, sealed
    const uint8_t payload [] = { 0x81, 0xa4, 'i', 't', 'e', 'm', 0xa1, 'x' };
    envelope_t *out = envelope_new (MSG_QUERY, "SH-PD-MSA", "SH-PD-TAX");
    assert (out);
    assert (envelope_seal (out, payload, sizeof (payload), a_sign_sk, key_ab) == 0);
    zmsg_t *msg = envelope_encode (out);
    int status;
    envelope_t *in = envelope_decode (msg, &status);
    assert (in && status == STATUS_OK);
    assert (envelope_header (in)->type == MSG_QUERY);
    assert (streq (envelope_header (in)->from, "SH-PD-MSA"));
    assert (envelope_open (in, key_ba, a_sign_pk) == STATUS_OK);
    assert (envelope_payload_size (in) == sizeof (payload));
    assert (memcmp (envelope_payload (in), payload, sizeof (payload)) == 0);
    uint8_t digest_out [32], digest_in [32];
    envelope_digest (out, digest_out);
    envelope_digest (in, digest_in);
    assert (memcmp (digest_out, digest_in, 32) == 0);
    envelope_destroy (&in);

    //  The broker cannot read the body: the payload bytes are not in clear
    size_t body_size;
    const uint8_t *body = envelope_body_bytes (out, &body_size);
    assert (!memmem (body, body_size, "item", 4));

    //  Wrong signer, wrong box key, no box key
    in = envelope_decode (msg, &status);
    assert (envelope_open (in, key_ba, b_sign_pk) == STATUS_BAD_SIGNATURE);
    uint8_t wrong [32];
    memset (wrong, 7, 32);
    assert (envelope_open (in, wrong, a_sign_pk) == STATUS_BAD_SEAL);
    assert (envelope_open (in, NULL, a_sign_pk) == STATUS_BAD_SEAL);
    envelope_destroy (&in);

    //  A header altered in transit (e.g. "from") fails the signature
    zframe_t *header_frame = zmsg_first (msg);
    envelope_header_t header;
    assert (envelope_header_decode (zframe_data (header_frame),
                                    zframe_size (header_frame), &header) == STATUS_OK);
    envelope_t *forged = envelope_new (MSG_QUERY, "SH-PD-FDA", "SH-PD-TAX");
    memcpy (envelope_header_mut (forged)->id, header.id, ENVELOPE_ID_BYTES);
    envelope_header_mut (forged)->time_ms = header.time_ms;
    envelope_header_mut (forged)->flags = ENVELOPE_FLAG_SEALED;
    assert (s_header_encode (forged) == 0);
    zmsg_t *tampered = zmsg_new ();
    zmsg_addmem (tampered, forged->header_bytes, forged->header_size);
    zmsg_addmem (tampered, body, body_size);
    in = envelope_decode (tampered, &status);
    assert (in);
    assert (envelope_open (in, key_ba, a_sign_pk) == STATUS_BAD_SIGNATURE);
    envelope_destroy (&in);
    envelope_destroy (&forged);
    zmsg_destroy (&tampered);

    //  Flipping any body byte is refused
    for (size_t index = 0; index < body_size; index += 7) {
        zmsg_t *copy = zmsg_new ();
        zmsg_addmem (copy, zframe_data (header_frame), zframe_size (header_frame));
        uint8_t *flipped = (uint8_t *) malloc (body_size);
        memcpy (flipped, body, body_size);
        flipped [index] ^= 0x01;
        zmsg_addmem (copy, flipped, body_size);
        free (flipped);
        in = envelope_decode (copy, &status);
        assert (in);
        assert (envelope_open (in, key_ba, a_sign_pk) != STATUS_OK);
        envelope_destroy (&in);
        zmsg_destroy (&copy);
    }
    zmsg_destroy (&msg);
    envelope_destroy (&out);

    //  Clear (broker-addressed) message
    out = envelope_new (MSG_HELLO, "SH-PD-MSA", "");
    assert (envelope_seal (out, payload, sizeof (payload), a_sign_sk, NULL) == 0);
    msg = envelope_encode (out);
    in = envelope_decode (msg, &status);
    assert (in);
    assert (envelope_open (in, NULL, a_sign_pk) == STATUS_OK);
    assert (envelope_open (in, key_ba, a_sign_pk) == STATUS_BAD_SEAL);
    envelope_destroy (&in);
    zmsg_destroy (&msg);
    envelope_destroy (&out);

    //  A QUERY in clear is refused at the header, before any crypto
    out = envelope_new (MSG_QUERY, "SH-PD-MSA", "SH-PD-TAX");
    assert (envelope_seal (out, payload, sizeof (payload), a_sign_sk, NULL) == 0);
    msg = envelope_encode (out);
    in = envelope_decode (msg, &status);
    assert (!in && status == STATUS_BAD_TYPE);
    zmsg_destroy (&msg);
    envelope_destroy (&out);

    //  Malformed frames: wrong count, garbage, truncation, bad ids
    msg = zmsg_new ();
    zmsg_addstr (msg, "hello");
    in = envelope_decode (msg, &status);
    assert (!in && status == STATUS_MALFORMED);
    zmsg_addstr (msg, "world");
    in = envelope_decode (msg, &status);
    assert (!in && status == STATUS_MALFORMED);
    zmsg_destroy (&msg);
    assert (!envelope_decode (NULL, &status));

    out = envelope_new (MSG_HEARTBEAT, "SH-PD-MSA", "");
    assert (envelope_seal (out, NULL, 0, a_sign_sk, NULL) == 0);
    size_t header_size;
    const uint8_t *header_bytes = envelope_header_bytes (out, &header_size);
    for (size_t size = 0; size < header_size; size++)
        assert (envelope_header_decode (header_bytes, size, &header) != STATUS_OK);
    assert (envelope_header_decode (header_bytes, header_size, &header) == STATUS_OK);
    envelope_destroy (&out);

    assert (!envelope_new (99, "A1", "B1"));
    out = envelope_new (MSG_HELLO, "lower-case", "");
    assert (envelope_seal (out, NULL, 0, a_sign_sk, NULL) == 0);
    header_bytes = envelope_header_bytes (out, &header_size);
    assert (envelope_header_decode (header_bytes, header_size, &header) == STATUS_MALFORMED);
    envelope_destroy (&out);

    //  Each unsigned header field (version, type, time, flags) in a signed
    //  format is MALFORMED, even with a value that is not negative; the
    //  same header in unsigned formats decodes (PROTOCOL.md section 3)
    {
        const uint64_t values [7] = { 1, MSG_HEARTBEAT, 0, 0, 0, 1767225600000ULL, 0 };
        const int fields [4] = { 0, 1, 5, 6 };
        for (int trial = -1; trial < 8; trial++) {
            int signed_field = trial < 0? -1: fields [trial % 4];
            uint8_t format = trial < 4? 0xd3: 0xd0 + (uint8_t) (trial % 4 == 2? 3: 0);
            uint8_t bytes [ENVELOPE_HEADER_MAX];
            size_t size = 0;
            bytes [size++] = 0x97;
            for (int field = 0; field < 7; field++) {
                if (field == 2) {
                    bytes [size++] = 0xc4;
                    bytes [size++] = ENVELOPE_ID_BYTES;
                    memset (bytes + size, 0x42, ENVELOPE_ID_BYTES);
                    size += ENVELOPE_ID_BYTES;
                }
                else
                if (field == 3 || field == 4) {
                    const char *name = field == 3? "SH-PD-MSA": "";
                    bytes [size++] = 0xa0 | (uint8_t) strlen (name);
                    memcpy (bytes + size, name, strlen (name));
                    size += strlen (name);
                }
                else
                if (field == signed_field) {
                    size_t width = (size_t) 1 << (format - 0xd0);
                    bytes [size++] = format;
                    for (size_t index = 0; index < width; index++)
                        bytes [size++] = (uint8_t) (values [field] >> (8 * (width - 1 - index)));
                }
                else
                if (field == 5) {
                    bytes [size++] = 0xcf;
                    for (int index = 7; index >= 0; index--)
                        bytes [size++] = (uint8_t) (values [field] >> (8 * index));
                }
                else
                    bytes [size++] = (uint8_t) values [field];      //  fixint
            }
            int expected = signed_field < 0? STATUS_OK: STATUS_MALFORMED;
            assert (envelope_header_decode (bytes, size, &header) == expected);
        }
    }

    //  Sent through a ROUTER to one connection, by its identity frame
    {
        zsock_t *router = zsock_new (ZMQ_ROUTER);
        assert (router);
        zsock_set_router_mandatory (router, 1);
        char *endpoint = zsys_sprintf ("inproc://sluice-envelope-%p", (void *) router);
        assert (zsock_bind (router, "%s", endpoint) == 0);
        zsock_t *dealer = zsock_new (ZMQ_DEALER);
        assert (dealer);
        zsock_set_identity (dealer, "gateway-1");
        assert (zsock_connect (dealer, "%s", endpoint) == 0);
        zstr_send (dealer, "hello");
        zmsg_t *hello = zmsg_recv (router);
        assert (hello && zmsg_size (hello) == 2);
        zframe_t *routing = zmsg_pop (hello);
        zmsg_destroy (&hello);
        out = envelope_new (MSG_WELCOME, "BROKER", "SH-PD-MSA");
        assert (envelope_seal (out, payload, sizeof (payload), a_sign_sk, NULL) == 0);
        assert (envelope_send_routed (out, router, routing) == 0);
        assert (zframe_streq (routing, "gateway-1"));  //  still the caller's
        msg = zmsg_recv (dealer);
        assert (msg && zmsg_size (msg) == 2);
        in = envelope_decode (msg, &status);
        assert (in && status == STATUS_OK);
        assert (envelope_open (in, NULL, a_sign_pk) == STATUS_OK);
        assert (envelope_header (in)->type == MSG_WELCOME);
        envelope_destroy (&in);
        zmsg_destroy (&msg);
        //  A connection the socket does not know is an error, not a block
        zframe_t *stranger = zframe_from ("nobody");
        assert (envelope_send_routed (out, router, stranger) == -1);
        zframe_destroy (&stranger);
        envelope_destroy (&out);
        zframe_destroy (&routing);
        zsock_destroy (&dealer);
        zsock_destroy (&router);
        zstr_free (&endpoint);
    }

    //  Oversized body is refused before it is copied
    msg = zmsg_new ();
    zmsg_addmem (msg, "\x90", 1);
    zframe_t *big = zframe_new (NULL, ENVELOPE_BODY_MAX + 1);
    zmsg_append (msg, &big);
    in = envelope_decode (msg, &status);
    assert (!in && status == STATUS_TOO_LARGE);
    zmsg_destroy (&msg);

    if (verbose)
        printf ("OK\n");
}
