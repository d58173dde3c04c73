/*  fuzz_envelope.c -- libFuzzer target for proto/envelope, the two-frame
    message that the broker and every gateway read from the network.

    Input: two bytes that choose where to split, then the header frame and
    the body frame. Exercises envelope_header_decode (on the whole input and
    on the header part), envelope_decode on the two-frame message (and on
    one and three frames), and envelope_open with fixed keys, with and
    without a box key. When the header says sealed, the body is also sealed
    with the fixed box key and opened, so that the inner decoding is reached
    behind a valid seal. Every header the decoder accepts must survive a
    round trip through envelope_new / envelope_seal / envelope_encode.

    Checks: the status is one of those documented; an accepted header is
    valid (version, known type, department ids, flags, sealed types sealed)
    and its strings are exactly the strings on the wire; envelope_encode
    gives back the frames received.

    Build and run: sh tests/fuzz/run.sh (see README "Fuzzing").
*/

#include "envelope.h"
#include "codec.h"
#include "ident.h"
#include "status.h"
#include "fuzz_common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    s_fuzz_setup (false);
    return 0;
}

static bool
s_header_equal (const envelope_header_t *one, const envelope_header_t *two)
{
    return one->version == two->version
        && one->type == two->type
        && memcmp (one->id, two->id, ENVELOPE_ID_BYTES) == 0
        && strcmp (one->from, two->from) == 0
        && strcmp (one->to, two->to) == 0
        && one->time_ms == two->time_ms
        && one->flags == two->flags;
}

//  The string at `index` of the msgpack array in `data` has exactly the
//  bytes of `text` (no NUL inside, nothing after it dropped).
static bool
s_wire_string_is (const uint8_t *data, size_t size, uint32_t index,
                  const char *text)
{
    msgpack_unpacked result;
    msgpack_unpacked_init (&result);
    bool same = false;
    if (codec_unpack (data, size, &result) == STATUS_OK
    &&  result.data.type == MSGPACK_OBJECT_ARRAY
    &&  index < result.data.via.array.size) {
        const msgpack_object *string = &result.data.via.array.ptr [index];
        same = string->type == MSGPACK_OBJECT_STR
            && string->via.str.size == strlen (text)
            && (string->via.str.size == 0
            ||  memcmp (string->via.str.ptr, text, string->via.str.size) == 0);
    }
    msgpack_unpacked_destroy (&result);
    return same;
}

//  Checks what an accepted header promises.
static void
s_check_header (const envelope_header_t *header, const uint8_t *data,
                size_t size)
{
    S_REQUIRE (size <= ENVELOPE_HEADER_MAX);
    S_REQUIRE (header->version == ENVELOPE_VERSION);
    S_REQUIRE (strcmp (envelope_type_name (header->type), "UNKNOWN") != 0);
    S_REQUIRE (s_fuzz_terminated (header->from, sizeof (header->from)));
    S_REQUIRE (s_fuzz_terminated (header->to, sizeof (header->to)));
    S_REQUIRE (ident_validate (IDENT_DEPARTMENT, header->from, NULL, 0, NULL));
    S_REQUIRE (header->to [0] == 0
               || ident_validate (IDENT_DEPARTMENT, header->to, NULL, 0, NULL));
    S_REQUIRE (header->flags <= ENVELOPE_FLAG_SEALED);
    if (envelope_type_sealed (header->type))
        S_REQUIRE (header->flags & ENVELOPE_FLAG_SEALED);
    //  What the broker routes on is what was signed
    S_REQUIRE (s_wire_string_is (data, size, 3, header->from));
    S_REQUIRE (s_wire_string_is (data, size, 4, header->to));
}

static int
s_header_decode (const uint8_t *data, size_t size, envelope_header_t *header)
{
    memset (header, 0, sizeof (*header));
    int status = envelope_header_decode (data, size, header);
    S_REQUIRE (status == STATUS_OK || status == STATUS_MALFORMED
               || status == STATUS_TOO_LARGE || status == STATUS_BAD_VERSION
               || status == STATUS_BAD_TYPE);
    if (size > ENVELOPE_HEADER_MAX)
        S_REQUIRE (status == STATUS_TOO_LARGE);
    if (status == STATUS_OK)
        s_check_header (header, data, size);
    return status;
}

//  Opens `envelope` and checks the outcome.
static void
s_open (envelope_t *envelope, const uint8_t *box_key, const uint8_t *sign_public)
{
    bool sealed = (envelope_header (envelope)->flags & ENVELOPE_FLAG_SEALED) != 0;
    int status = envelope_open (envelope, box_key, sign_public);
    S_REQUIRE (status == STATUS_OK || status == STATUS_BAD_SEAL
               || status == STATUS_MALFORMED || status == STATUS_BAD_SIGNATURE);
    if (sealed != (box_key != NULL))
        S_REQUIRE (status == STATUS_BAD_SEAL);
    if (status == STATUS_OK) {
        size_t payload_size = envelope_payload_size (envelope);
        const uint8_t *payload = envelope_payload (envelope);
        S_REQUIRE (payload_size <= ENVELOPE_PAYLOAD_MAX);
        S_REQUIRE (payload);
        uint8_t sum = 0;
        for (size_t index = 0; index < payload_size; index++)
            sum ^= payload [index];
        (void) sum;
        S_REQUIRE (envelope_signature (envelope));
        uint8_t digest [32];
        envelope_digest (envelope, digest);
    }
}

//  A two-frame message of the given parts.
static zmsg_t *
s_message (const uint8_t *header, size_t header_size,
           const uint8_t *body, size_t body_size)
{
    zmsg_t *msg = zmsg_new ();
    S_REQUIRE (msg);
    S_REQUIRE (zmsg_addmem (msg, header, header_size) == 0);
    S_REQUIRE (zmsg_addmem (msg, body, body_size) == 0);
    return msg;
}

//  Decodes header + body as received, checks, opens with both keys.
static void
s_decode_and_open (const uint8_t *header_data, size_t header_size,
                   const uint8_t *body_data, size_t body_size,
                   const s_fuzz_keys_t *keys)
{
    envelope_header_t header;
    int header_status = s_header_decode (header_data, header_size, &header);

    zmsg_t *msg = s_message (header_data, header_size, body_data, body_size);
    int status = -1;
    envelope_t *envelope = envelope_decode (msg, &status);
    S_REQUIRE ((envelope != NULL) == (status == STATUS_OK));
    if (body_size > ENVELOPE_BODY_MAX)
        S_REQUIRE (status == STATUS_TOO_LARGE);
    else
        S_REQUIRE (status == header_status);

    if (envelope) {
        S_REQUIRE (s_header_equal (envelope_header (envelope), &header));
        size_t size;
        const uint8_t *bytes = envelope_header_bytes (envelope, &size);
        S_REQUIRE (size == header_size && memcmp (bytes, header_data, size) == 0);
        bytes = envelope_body_bytes (envelope, &size);
        S_REQUIRE (size == body_size
                   && (size == 0 || memcmp (bytes, body_data, size) == 0));
        //  Encoding gives back the frames received
        zmsg_t *again = envelope_encode (envelope);
        S_REQUIRE (again && zmsg_size (again) == 2);
        zframe_t *frame = zmsg_first (again);
        S_REQUIRE (zframe_size (frame) == header_size);
        S_REQUIRE (memcmp (zframe_data (frame), header_data, header_size) == 0);
        frame = zmsg_next (again);
        S_REQUIRE (zframe_size (frame) == body_size);
        S_REQUIRE (body_size == 0
                   || memcmp (zframe_data (frame), body_data, body_size) == 0);
        zmsg_destroy (&again);
        char hex [ENVELOPE_ID_BYTES * 2 + 1];
        envelope_id_hex (envelope_header (envelope)->id, hex);
        S_REQUIRE (strlen (hex) == ENVELOPE_ID_BYTES * 2);

        s_open (envelope, NULL, keys->sign_public);
        s_open (envelope, keys->box_key, keys->sign_public);
        envelope_destroy (&envelope);
        envelope_destroy (&envelope);
    }
    zmsg_destroy (&msg);
}

//  Any header the decoder accepts can be sent again: a new envelope with
//  the same header fields, sealed over `payload`, decodes and opens to the
//  same header and payload.
static void
s_round_trip (const envelope_header_t *header, const uint8_t *payload,
              size_t payload_size, const s_fuzz_keys_t *keys)
{
    envelope_t *envelope = envelope_new (header->type, header->from, header->to);
    S_REQUIRE (envelope);
    envelope_header_t *mutable_header = envelope_header_mut (envelope);
    memcpy (mutable_header->id, header->id, ENVELOPE_ID_BYTES);
    mutable_header->time_ms = header->time_ms;
    const uint8_t *box_key = (header->flags & ENVELOPE_FLAG_SEALED)? keys->box_key: NULL;
    S_REQUIRE (envelope_seal (envelope, payload, payload_size,
                              keys->sign_secret, box_key) == 0);
    S_REQUIRE (s_header_equal (envelope_header (envelope), header));
    zmsg_t *msg = envelope_encode (envelope);
    envelope_destroy (&envelope);

    int status = -1;
    envelope_t *back = envelope_decode (msg, &status);
    S_REQUIRE (back && status == STATUS_OK);
    S_REQUIRE (s_header_equal (envelope_header (back), header));
    S_REQUIRE (envelope_open (back, box_key, keys->sign_public) == STATUS_OK);
    S_REQUIRE (envelope_payload_size (back) == payload_size);
    S_REQUIRE (payload_size == 0
               || memcmp (envelope_payload (back), payload, payload_size) == 0);
    envelope_destroy (&back);
    zmsg_destroy (&msg);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    s_fuzz_keys_t keys;
    s_fuzz_keys (&keys);

    //  The whole input as a header frame
    envelope_header_t header;
    s_header_decode (data, size, &header);

    //  Split into header and body at a position taken from two bytes
    const uint8_t *rest = data;
    size_t rest_size = size;
    size_t split = size;
    if (size >= 2) {
        rest = data + 2;
        rest_size = size - 2;
        split = ((size_t) data [0] << 8 | data [1]) % (rest_size + 1);
    }
    const uint8_t *body = rest + split;
    size_t body_size = rest_size - split;
    s_decode_and_open (rest, split, body, body_size, &keys);

    //  Wrong frame counts are malformed, whatever they hold
    int status = -1;
    zmsg_t *msg = zmsg_new ();
    S_REQUIRE (envelope_decode (msg, &status) == NULL && status == STATUS_MALFORMED);
    S_REQUIRE (zmsg_addmem (msg, rest, split) == 0);
    S_REQUIRE (envelope_decode (msg, &status) == NULL && status == STATUS_MALFORMED);
    S_REQUIRE (zmsg_addmem (msg, body, body_size) == 0);
    S_REQUIRE (zmsg_addmem (msg, body, body_size) == 0);
    S_REQUIRE (envelope_decode (msg, &status) == NULL && status == STATUS_MALFORMED);
    zmsg_destroy (&msg);
    S_REQUIRE (envelope_decode (NULL, &status) == NULL && status == STATUS_MALFORMED);

    if (s_header_decode (rest, split, &header) == STATUS_OK) {
        //  Behind a valid seal, the inner decoding sees the fuzzed body
        if ((header.flags & ENVELOPE_FLAG_SEALED)
        &&  body_size <= ENVELOPE_BODY_MAX - crypto_box_NONCEBYTES
                                          - crypto_box_MACBYTES) {
            size_t sealed_size = crypto_box_NONCEBYTES + crypto_box_MACBYTES
                               + body_size;
            uint8_t *sealed = (uint8_t *) malloc (sealed_size);
            S_REQUIRE (sealed);
            memset (sealed, 0x11, crypto_box_NONCEBYTES);
            S_REQUIRE (crypto_box_easy_afternm (sealed + crypto_box_NONCEBYTES,
                                                body, body_size, sealed,
                                                keys.box_key) == 0);
            msg = s_message (rest, split, sealed, sealed_size);
            envelope_t *envelope = envelope_decode (msg, &status);
            S_REQUIRE (envelope && status == STATUS_OK);
            status = envelope_open (envelope, keys.box_key, keys.sign_public);
            S_REQUIRE (status == STATUS_OK || status == STATUS_MALFORMED
                       || status == STATUS_BAD_SIGNATURE);
            envelope_destroy (&envelope);
            zmsg_destroy (&msg);
            free (sealed);
        }
        if (body_size <= ENVELOPE_PAYLOAD_MAX)
            s_round_trip (&header, body, body_size, &keys);
    }
    return 0;
}
