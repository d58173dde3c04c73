/*  statement.h -- a signed statement of one department to the federation.

    Whatever a department publishes through the broker -- its catalog, an
    agreement it registers or revokes, an order it files or answers -- travels
    as a statement: a kind, the author's department id, a key that names what
    it is about, a version, the time it was issued, a payload, and the
    author's Ed25519 signature over all of it. The broker stores and forwards
    statements; every gateway verifies the signature itself with the author's
    certificate, so a broker that lies can drop or delay a statement, never
    forge one.

    The version, not the time, orders the statements of one kind and key
    (proto/registry/rules.h): it is inside the signed bytes, so no broker can change
    it, and for an agreement it must be the agreement's own version, which
    both parties signed.

    Canonical bytes (signed): msgpack array
        ["sluice-statement-2", kind, author, key, version, issued_ms, payload (bin)]
    Encoding: msgpack array of the same seven elements plus the signature
    (bin 64). See proto/PROTOCOL.md section 16.1.
*/
#ifndef SLUICE_STATEMENT_H_INCLUDED
#define SLUICE_STATEMENT_H_INCLUDED

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define STATEMENT_KIND_MAX      32
#define STATEMENT_KEY_MAX       64
#define STATEMENT_PAYLOAD_MAX   (512 * 1024)
#define STATEMENT_SIG_BYTES     64
#define STATEMENT_VERSION_MAX   INT64_MAX       //  versions are 1 .. 2^63-1

//  The kinds, by name
#define STATEMENT_CATALOG       "catalog"               //  key: the department
#define STATEMENT_AGREEMENT     "agreement"             //  key: agreement id
#define STATEMENT_REVOCATION    "agreement-revocation"  //  key: agreement id
#define STATEMENT_ORDER         "order"                 //  key: order id
#define STATEMENT_ANSWER        "order-answer"          //  key: order id

typedef struct _statement_t statement_t;

//  A new statement of `version` issued now, not yet signed. NULL if an
//  argument is out of bounds (kind not one of the above, author not a
//  department id, key not 1..STATEMENT_KEY_MAX printable ASCII bytes,
//  version not 1..STATEMENT_VERSION_MAX, payload too large).
statement_t *
    statement_new (const char *kind, const char *author, const char *key,
                   uint64_t version, const uint8_t *payload, size_t size);

//  Decodes an encoded statement; NULL if malformed in any way. Does not
//  verify the signature.
statement_t *
    statement_decode (const uint8_t *data, size_t size);

void
    statement_destroy (statement_t **self_p);

//  Signs with the author's Ed25519 secret key (64 bytes).
void
    statement_sign (statement_t *self, const uint8_t *sign_secret);

//  0 if the signature verifies with sign_public (32 bytes), else -1.
int
    statement_verify (statement_t *self, const uint8_t *sign_public);

//  Encoded bytes, borrowed (valid until destroy); NULL until signed.
const uint8_t *
    statement_encoded (statement_t *self, size_t *size);

const char    *statement_kind (statement_t *self);
const char    *statement_author (statement_t *self);
const char    *statement_key (statement_t *self);
uint64_t       statement_version (statement_t *self);
int64_t        statement_issued (statement_t *self);    //  ms since epoch
const uint8_t *statement_payload (statement_t *self);
size_t         statement_payload_size (statement_t *self);

//  For tests and replays: set the issue time before signing.
void
    statement_set_issued (statement_t *self, int64_t issued_ms);

void
    statement_test (bool verbose);

#endif
