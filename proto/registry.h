/*  registry.h -- payloads of REGISTRY messages, and of the statements that
    travel in them (orders and their answers).

    A REGISTRY payload is a msgpack map:
        op          str     put | list | crl          (gateway -> broker)
                            done | listed | push      (broker -> gateway)
        re          bin 16  the request answered (done, listed)
        status      uint    result code of a put or crl (done)
        reason      str     words for the status (done)
        kind        str     statement kind to list (list)
        statements  array   encoded statements, each bin (put: one)
        text        str     a revocation list's text (crl)
*/
#ifndef SLUICE_REGISTRY_H_INCLUDED
#define SLUICE_REGISTRY_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include "envelope.h"
#include "statement.h"

#define REGISTRY_OP_MAX     16
#define REGISTRY_REASON_MAX 512
#define REGISTRY_TEXT_MAX   (1024 * 1024)

typedef struct {
    msgpack_unpacked unpacked;
    char op [REGISTRY_OP_MAX + 1];
    uint8_t re [ENVELOPE_ID_BYTES];
    uint32_t status;
    char reason [REGISTRY_REASON_MAX + 1];
    char kind [STATEMENT_KIND_MAX + 1];
    const msgpack_object *statements;   //  array of bin, borrowed; NULL if none
    const char *text;                   //  borrowed, text_size bytes; NULL if none
    size_t text_size;
} registry_msg_t;

//  Packs a payload; re, reason, kind, statements, text may be NULL/absent.
//  `statements` is a list of signed statement_t.
void
    registry_msg_encode (msgpack_sbuffer *buffer, const char *op,
                         const uint8_t *re, int status, const char *reason,
                         const char *kind, zlistx_t *statements,
                         const char *text);

//  Decodes; STATUS_OK or STATUS_MALFORMED. Call registry_msg_destroy always.
int
    registry_msg_decode (const uint8_t *data, size_t size, registry_msg_t *msg);
void
    registry_msg_destroy (registry_msg_t *msg);

//  The body of an order statement (点菜): what the consumer asks for.
#define ORDER_TEXT_MAX 1024
typedef struct {
    char provider [ENVELOPE_DEPT_MAX + 1];
    char item [65];
    char fields [1025];                 //  comma-separated, "" = the item
    char purpose [257];
    char legal_basis [ORDER_TEXT_MAX + 1];
} order_t;

//  The body of an order-answer statement.
typedef struct {
    char decision [17];                 //  "accepted" or "refused"
    char legal_basis [ORDER_TEXT_MAX + 1];  //  why refused, or the basis
    char agreement [65];                //  id of the drafted agreement, if any
} order_answer_t;

void registry_order_encode (const order_t *order, msgpack_sbuffer *buffer);
int  registry_order_decode (const uint8_t *data, size_t size, order_t *order);
void registry_answer_encode (const order_answer_t *answer, msgpack_sbuffer *buffer);
int  registry_answer_decode (const uint8_t *data, size_t size, order_answer_t *answer);

void
    registry_test (bool verbose);

#endif
