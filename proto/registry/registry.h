/*  registry.h -- payloads of REGISTRY messages, and of the statements that
    travel in them (orders and their answers).

    A REGISTRY payload is a msgpack map: op (put, list, crl, sync from a
    gateway; done, listed, push, page from a broker), status, and what the
    operation carries of re, reason, kind, statements, text, epoch, since,
    next and more (proto/PROTOCOL.md section 16.3). Each payload's keys,
    and the order and answer bodies', are declared once, in a table of
    registry.c (fields.h) that both its encoder and its decoder read.
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
#define REGISTRY_EPOCH_MAX  64
#define REGISTRY_SEQ_MAX    INT64_MAX       //  change numbers
//  A page of the catch-up holds statements of at most this many encoded
//  bytes (and always one, which is at most STATEMENT_PAYLOAD_MAX + 1 KiB):
//  well under ENVELOPE_PAYLOAD_MAX
#define REGISTRY_PAGE_BUDGET (256 * 1024)

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
    char epoch [REGISTRY_EPOCH_MAX + 1];    //  "" if absent
    uint64_t since;                     //  0 if absent
    uint64_t next;                      //  0 if absent
    bool more;                          //  false if absent
    //  Whether each optional key of a fixed size was there (the encoder
    //  writes it only then); statements and text are NULL when absent
    bool has_re, has_reason, has_kind, has_epoch, has_since, has_next, has_more;
} registry_msg_t;

//  Packs a payload; re, reason, kind, statements, text may be NULL/absent.
//  `statements` is a list of signed statement_t. Returns 0, or -1 if the
//  buffer could not grow or op, reason or kind is over its bound (then
//  nothing is packed), as the other encoders here.
int
    registry_msg_encode (msgpack_sbuffer *buffer, const char *op,
                         const uint8_t *re, int status, const char *reason,
                         const char *kind, zlistx_t *statements,
                         const char *text);

//  A gateway's request for the changes after `since` of the registry of
//  `epoch` ("" if it holds none) that concern it.
int
    registry_sync_encode (msgpack_sbuffer *buffer, const char *epoch, uint64_t since);

//  A broker's answer to a sync: one page of statements, the change number
//  after it, and whether more follow.
int
    registry_page_encode (msgpack_sbuffer *buffer, const uint8_t *re,
                          const char *epoch, uint64_t next, bool more,
                          zlistx_t *statements);

//  A gateway's request for the statements of `kind` (NULL: every kind) it
//  may read, in pages: the page after change number `since` (0: the first).
int
    registry_list_encode (msgpack_sbuffer *buffer, const char *kind, uint64_t since);

//  A broker's answer to a list: one page of statements (at most
//  REGISTRY_PAGE_BUDGET bytes of them, always one if any), the change
//  number of its last one, and whether more follow.
int
    registry_listed_encode (msgpack_sbuffer *buffer, const uint8_t *re, uint64_t next,
                            bool more, zlistx_t *statements);

//  Decodes; STATUS_OK, or STATUS_MALFORMED with every field empty. Call
//  registry_msg_destroy always.
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

//  Encoders return 0, or -1 if the buffer could not grow; decoders return
//  STATUS_OK, or STATUS_MALFORMED with every field empty.
int registry_order_encode (const order_t *order, msgpack_sbuffer *buffer);
int registry_order_decode (const uint8_t *data, size_t size, order_t *order);
int registry_answer_encode (const order_answer_t *answer, msgpack_sbuffer *buffer);
int registry_answer_decode (const uint8_t *data, size_t size, order_answer_t *answer);

void
    registry_test (bool verbose);

#endif
