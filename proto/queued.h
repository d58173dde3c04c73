/*  queued.h -- the payload of QUEUED: the broker holds a message.

    A broker sends QUEUED (message type 20, in clear, signed with its own
    certificate's key) to the sender of a NOTICE, ALERT or RECEIPT once
    that message is durable in its queue (PROTOCOL.md 6.7). The payload
    names the message and the department it is held for:

        { "id": bin 16, "to": str 1..32 }

    Declared once, in a table of queued.c (fields.h) that both the encoder
    and the decoder read.
*/
#ifndef SLUICE_QUEUED_H_INCLUDED
#define SLUICE_QUEUED_H_INCLUDED

#include <msgpack.h>
#include "envelope.h"

typedef struct {
    uint8_t id [ENVELOPE_ID_BYTES];         //  the header id of the message held
    char to [ENVELOPE_DEPT_MAX + 1];        //  the department it is held for
} queued_t;

//  Packs into buffer (initialised by the caller). Returns 0, or -1 if the
//  buffer could not grow or `to` is empty.
int
    queued_encode (const queued_t *queued, msgpack_sbuffer *buffer);

//  Decodes; STATUS_OK, or STATUS_MALFORMED with every field empty (a
//  missing or empty `to`, an `id` of another size, ...).
int
    queued_decode (const uint8_t *data, size_t size, queued_t *queued);

void
    queued_test (bool verbose);

#endif
