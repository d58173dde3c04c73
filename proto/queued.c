/*  queued.c -- the payload of QUEUED, one table for its encoder and its
    decoder (PROTOCOL.md 6.7).  */

#include "queued.h"
#include "fields.h"
#include "status.h"
#include <sodium.h>

static const fields_row_t s_queued_rows [] = {
    { "id", FIELDS_BIN, FIELDS_AT (queued_t, id), .flags = FIELDS_REQUIRED },
    { "to", FIELDS_STR, FIELDS_AT (queued_t, to),
      .flags = FIELDS_REQUIRED | FIELDS_NOT_EMPTY },
};
static const fields_t s_queued =
    FIELDS_TABLE ("QUEUED", queued_t, s_queued_rows, NULL);

int
queued_encode (const queued_t *queued, msgpack_sbuffer *buffer)
{
    assert (queued && buffer);
    if (!*queued->to)
        return -1;
    return fields_encode (&s_queued, queued, buffer);
}

int
queued_decode (const uint8_t *data, size_t size, queued_t *queued)
{
    assert (queued);
    return fields_decode (&s_queued, data, size, queued);
}


//  --------------------------------------------------------------------------
//  Self-test: the vector of PROTOCOL.md 6.7

//  {id 00 01 .. 0f, to "SH-PD-TAX"} (35 bytes)
#define S_VECTOR_QUEUED \
    "82a26964c410000102030405060708090a0b0c0d0e0fa2746fa953482d50442d" \
    "544158"

static void
s_assert_bytes (const msgpack_sbuffer *buffer, const char *hex)
{
    char *text = (char *) malloc (buffer->size * 2 + 1);
    assert (text);
    sodium_bin2hex (text, buffer->size * 2 + 1, (const uint8_t *) buffer->data,
                    buffer->size);
    if (strcmp (text, hex) != 0) {
        fprintf (stderr, "queued: %s, expected %s\n", text, hex);
        assert (false);
    }
    free (text);
}

void
queued_test (bool verbose)
{
    if (verbose)
        printf (" * queued: ");
    assert (fields_valid (&s_queued));
    queued_t queued;
    memset (&queued, 0, sizeof (queued));
    for (int index = 0; index < ENVELOPE_ID_BYTES; index++)
        queued.id [index] = (uint8_t) index;
    snprintf (queued.to, sizeof (queued.to), "SH-PD-TAX");

    //  The vector, both ways
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    assert (queued_encode (&queued, &buffer) == 0);
    s_assert_bytes (&buffer, S_VECTOR_QUEUED);
    queued_t decoded;
    assert (queued_decode ((const uint8_t *) buffer.data, buffer.size, &decoded)
            == STATUS_OK);
    assert (memcmp (decoded.id, queued.id, ENVELOPE_ID_BYTES) == 0);
    assert (streq (decoded.to, "SH-PD-TAX"));
    msgpack_sbuffer_destroy (&buffer);

    //  Refused: no `to` to encode; and on decoding, a short id, an empty or
    //  missing `to`, one over 32 bytes, not a map
    snprintf (queued.to, sizeof (queued.to), "%s", "");
    msgpack_sbuffer_init (&buffer);
    assert (queued_encode (&queued, &buffer) == -1);
    msgpack_sbuffer_destroy (&buffer);
    const char *refused [] = {
        "82a26964c40f000102030405060708090a0b0c0d0ea2746fa953482d50442d544158",
        "82a26964c410000102030405060708090a0b0c0d0e0fa2746fa0",
        "81a26964c410000102030405060708090a0b0c0d0e0f",
        "82a26964c410000102030405060708090a0b0c0d0e0fa2746fd9213030303030303030"
        "303030303030303030303030303030303030303030303030",
        "90",
    };
    for (size_t index = 0; index < sizeof (refused) / sizeof (refused [0]); index++) {
        uint8_t bytes [128];
        size_t size = 0;
        assert (sodium_hex2bin (bytes, sizeof (bytes), refused [index],
                                strlen (refused [index]), NULL, &size, NULL) == 0);
        assert (queued_decode (bytes, size, &decoded) == STATUS_MALFORMED);
        assert (decoded.to [0] == 0);
    }
    if (verbose)
        printf ("OK\n");
}
