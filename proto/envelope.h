/*  envelope.h -- a Sluice message on the wire.

    Two ZeroMQ frames: a routing header that the broker reads, and a body.
    The header is a msgpack array [version, type, id, from, to, time, flags].
    The body holds the payload and the sender's Ed25519 signature over
    header and payload; for department-to-department messages the body is a
    crypto_box sealed to the recipient, so the broker sees only the header.
    See proto/PROTOCOL.md for the exact bytes.
*/
#ifndef SLUICE_ENVELOPE_H_INCLUDED
#define SLUICE_ENVELOPE_H_INCLUDED

#include <czmq.h>
#include <stdint.h>
#include <stdbool.h>

#define ENVELOPE_VERSION        1
#define ENVELOPE_ID_BYTES       16
#define ENVELOPE_DEPT_MAX       32          //  department id, bytes
#define ENVELOPE_HEADER_MAX     160         //  encoded header, bytes
#define ENVELOPE_PAYLOAD_MAX    (1024 * 1024)
#define ENVELOPE_BODY_MAX       (ENVELOPE_PAYLOAD_MAX + 256)
#define ENVELOPE_SIG_BYTES      64
#define ENVELOPE_KEY_BYTES      32          //  a precomputed box key
#define ENVELOPE_FLAG_SEALED    1

//  Message types. The table in envelope.c says which must be sealed and
//  who may send them; numbers are stable (PROTOCOL.md).
typedef enum {
    MSG_HELLO      = 1,     //  gateway -> broker: register
    MSG_WELCOME    = 2,     //  broker -> gateway: registered, with directory
    MSG_HEARTBEAT  = 3,     //  both ways
    MSG_QUERY      = 4,     //  department -> department, sealed
    MSG_RESPONSE   = 5,     //  department -> department, sealed
    MSG_ERROR      = 6,     //  sealed from a department, clear from a broker
    MSG_DIRECTORY  = 7,     //  broker -> gateway: certificates, revocations
    MSG_NOTICE     = 16,    //  department -> department, sealed: a notice
    MSG_RECEIPT    = 17,    //  department -> department, sealed: a receipt
    MSG_ALERT      = 18,    //  department -> department, sealed: an alert
    MSG_ACK        = 19,    //  department -> department, sealed: a receipt
                            //  acknowledged
    MSG_QUEUED     = 20,    //  broker -> gateway: a message held durably
    MSG_REGISTRY   = 32     //  reserved: catalogs, agreements, orders
} msg_type_t;

typedef struct {
    uint8_t version;
    uint8_t type;
    uint8_t id [ENVELOPE_ID_BYTES];
    char from [ENVELOPE_DEPT_MAX + 1];
    char to [ENVELOPE_DEPT_MAX + 1];        //  "" addresses the broker
    uint64_t time_ms;                       //  sender's wall clock
    uint32_t flags;
} envelope_header_t;

typedef struct _envelope_t envelope_t;

//  Name of a message type ("QUERY"), "UNKNOWN" if none.
const char *
    envelope_type_name (int type);

//  True if version 1 carries the type from one department to another
//  (QUERY, RESPONSE, ERROR, NOTICE, RECEIPT, ALERT, ACK): a broker routes
//  nothing else between departments, and a gateway serves nothing else
//  from one.
bool
    envelope_type_departmental (int type);

//  True if the type is defined and, when sealed says so, must be sealed.
bool
    envelope_type_sealed (int type);

//  New outgoing message with a fresh random id and the current time.
envelope_t *
    envelope_new (int type, const char *from, const char *to);

//  Decodes a received message (two frames). Checks the frame count, sizes
//  and header strictly; does no cryptography (the broker stops here). On
//  failure returns NULL and sets *status (MALFORMED, TOO_LARGE,
//  BAD_VERSION, BAD_TYPE). Does not take ownership of msg.
envelope_t *
    envelope_decode (zmsg_t *msg, int *status);

void
    envelope_destroy (envelope_t **self_p);

//  Decodes just a header frame into *header; returns STATUS_OK or the
//  reason it was refused. The broker routes on this alone.
int
    envelope_header_decode (const uint8_t *data, size_t size,
                            envelope_header_t *header);

//  The header, read-only.
const envelope_header_t *
    envelope_header (envelope_t *self);

//  The header, for changing an outgoing message before it is signed (tests
//  and the reply path set id/time explicitly).
envelope_header_t *
    envelope_header_mut (envelope_t *self);

//  Builds the body: signs header + payload with sign_secret (64 bytes) and,
//  if box_key (a crypto_box_beforenm key) is not NULL, seals it. Returns 0,
//  or -1 if the payload is too large.
int
    envelope_seal (envelope_t *self, const uint8_t *payload, size_t size,
                   const uint8_t *sign_secret, const uint8_t *box_key)
    __attribute__ ((warn_unused_result));

//  Opens and verifies a received body: box_key must be given exactly when
//  the header says sealed. Returns STATUS_OK, then the payload is available;
//  else BAD_SEAL, MALFORMED or BAD_SIGNATURE.
int
    envelope_open (envelope_t *self, const uint8_t *box_key,
                   const uint8_t *sign_public);

//  The payload after envelope_seal or a successful envelope_open.
const uint8_t *envelope_payload (envelope_t *self);
size_t         envelope_payload_size (envelope_t *self);

//  The signature after envelope_seal or a successful envelope_open.
const uint8_t *envelope_signature (envelope_t *self);

//  The two frames to send (header, body), after a successful envelope_seal
//  or a decode; caller owns the message.
zmsg_t *
    envelope_encode (envelope_t *self);

//  Sends the message (after envelope_seal) through a ROUTER socket to the
//  connection whose identity frame is `routing` (copied; the caller keeps
//  it). Returns 0, or -1 if the socket would not take it.
int
    envelope_send_routed (envelope_t *self, zsock_t *router, zframe_t *routing)
    __attribute__ ((warn_unused_result));

//  Encoded header and body bytes, borrowed (valid until destroy).
const uint8_t *envelope_header_bytes (envelope_t *self, size_t *size);
const uint8_t *envelope_body_bytes (envelope_t *self, size_t *size);

//  BLAKE2b-256 digest of header and payload, for audit records.
void
    envelope_digest (envelope_t *self, uint8_t *digest);

//  Message id as 32 hex chars into hex (33 bytes).
void
    envelope_id_hex (const uint8_t *id, char *hex);

void
    envelope_test (bool verbose);

#endif
