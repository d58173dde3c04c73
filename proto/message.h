/*  message.h -- payloads of the message types, as msgpack maps.

    Every payload is a map with string keys (PROTOCOL.md lists them); a
    receiver ignores keys it does not know and refuses missing, duplicated,
    mistyped or oversized ones. Strings are bounded by the fixed buffers
    below, so decoding allocates nothing that the sender controls. Each
    type's keys are declared once, in a table of message.c (fields.h) that
    both its encoder and its decoder read.
*/
#ifndef SLUICE_MESSAGE_H_INCLUDED
#define SLUICE_MESSAGE_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include "envelope.h"

#define MESSAGE_ITEM_MAX     64
#define MESSAGE_KEY_MAX      64     //  raw key as sent, validated later
#define MESSAGE_FIELDS_MAX   1024   //  comma-separated field names
#define MESSAGE_PURPOSE_MAX  256
#define MESSAGE_OFFICER_MAX  128
#define MESSAGE_ROLE_MAX     64
#define MESSAGE_REASON_MAX   512
#define MESSAGE_HEAD_BYTES   32     //  an audit chain hash (PROTOCOL.md 15.3)
#define MESSAGE_HEAD_SEQ_MAX INT64_MAX
//  What the two audit head keys add to a map at most: "audit_seq" and a
//  uint 64 (10 + 9 bytes), "audit_head" and a bin 8 of 32 (11 + 34)
#define MESSAGE_HEAD_KEYS_MAX 64

//  The head of the sender's audit chain, as QUERY, RESPONSE and ERROR carry
//  it so that each side's log witnesses the other's (PROTOCOL.md 6.3-6.5):
//  `seq` records and the chain hash after record `seq`. seq 0 means none
//  (the keys are then absent on the wire and hash is 32 zero bytes).
typedef struct {
    uint64_t seq;
    uint8_t hash [MESSAGE_HEAD_BYTES];
} message_head_t;

//  QUERY: ask a department for the record of one key of one item.
typedef struct {
    char item [MESSAGE_ITEM_MAX + 1];
    char key [MESSAGE_KEY_MAX + 1];
    char fields [MESSAGE_FIELDS_MAX + 1];    //  "" = every field granted
    char purpose [MESSAGE_PURPOSE_MAX + 1];
    char officer [MESSAGE_OFFICER_MAX + 1];
    char role [MESSAGE_ROLE_MAX + 1];
    message_head_t head;                     //  the requester's audit head
} message_query_t;

//  ERROR: a refusal or failure, answering message `re`.
typedef struct {
    uint8_t re [ENVELOPE_ID_BYTES];
    uint32_t code;                           //  status_t
    char reason [MESSAGE_REASON_MAX + 1];    //  which rule refused, in words
    char field [MESSAGE_ITEM_MAX + 1];       //  offending field, if any
    message_head_t head;                     //  the provider's audit head
                                             //  before this answer's record
} message_error_t;

//  Packs into buffer (initialised by the caller). Returns 0, or -1 if the
//  buffer could not grow (as every encoder here).
int message_query_encode (const message_query_t *query, msgpack_sbuffer *buffer);
int message_error_encode (const message_error_t *error, msgpack_sbuffer *buffer);

//  Decodes; STATUS_OK, or STATUS_MALFORMED with every field empty.
int message_query_decode (const uint8_t *data, size_t size, message_query_t *query);
int message_error_decode (const uint8_t *data, size_t size, message_error_t *error);

//  RESPONSE: {re, item, status, served_at, agreement, [audit_seq,
//  audit_head,] rows}. The rows are packed by the source; the writer starts
//  the map and the caller appends the "rows" value (array of maps).
//  message_response_begin packs everything but the rows value, whose key it
//  writes last; it writes no audit head (as message_response_begin_head with
//  head NULL). head: the provider's audit head before this answer's record;
//  NULL or seq 0 for none. Returns 0, or -1 if the packer failed or item or
//  agreement is longer than MESSAGE_ITEM_MAX (then nothing is packed).
int message_response_begin (msgpack_packer *pk, const uint8_t *re,
                            const char *item, int status,
                            uint64_t served_at, const char *agreement);
int message_response_begin_head (msgpack_packer *pk, const uint8_t *re,
                                 const char *item, int status,
                                 uint64_t served_at, const char *agreement,
                                 const message_head_t *head);

//  The size chain that makes every answer fit one envelope: a RESPONSE is
//  what message_response_begin_head packs (at most MESSAGE_RESPONSE_OVERHEAD
//  bytes, with every string and number at its largest and the audit head
//  keys too, MESSAGE_HEAD_KEYS_MAX: message_test packs that case and checks
//  it) followed by the packed rows, array header included. So the rows may take MESSAGE_ROWS_MAX bytes, and a source
//  returns at most that (SOURCE_RESULT_MAX), one row or a hundred.
#define MESSAGE_RESPONSE_OVERHEAD   512
#define MESSAGE_ROWS_MAX            (ENVELOPE_PAYLOAD_MAX - MESSAGE_RESPONSE_OVERHEAD)

//  A decoded response: the unpacked object stays valid until destroyed.
typedef struct {
    msgpack_unpacked unpacked;
    uint8_t re [ENVELOPE_ID_BYTES];
    char item [MESSAGE_ITEM_MAX + 1];
    uint32_t status;
    uint64_t served_at;
    char agreement [MESSAGE_ITEM_MAX + 1];
    message_head_t head;                    //  the provider's audit head
    const msgpack_object *rows;             //  array of maps, borrowed
} message_response_t;

//  STATUS_OK or STATUS_MALFORMED; call message_response_destroy in every
//  case.
int  message_response_decode (const uint8_t *data, size_t size,
                              message_response_t *response);
void message_response_destroy (message_response_t *response);

//  HELLO: what the gateway holds of this broker's directory, the epoch and
//  version of the last transfer it completed (PROTOCOL.md 6.1); 0 and 0
//  when it holds nothing, which encodes as the empty map.
int message_hello_encode (uint64_t epoch, uint64_t version, msgpack_sbuffer *buffer);
int message_hello_decode (const uint8_t *data, size_t size,
                          uint64_t *epoch, uint64_t *version);

//  WELCOME and DIRECTORY: one page of a transfer of the broker's numbered
//  directory (PROTOCOL.md 6.2). The WELCOME is page 0 and carries no
//  certificates; the transfer's certificates and revocation list follow in
//  DIRECTORY pages 1 .. pages. The list's text may be cut across pages:
//  each page carries a piece, and crl_size is the whole text's size.
#define MESSAGE_CRL_MAX     (1024 * 1024)   //  a revocation list's text
#define MESSAGE_PAGES_MAX   100000          //  pages of one transfer

typedef struct {
    char broker [ENVELOPE_DEPT_MAX + 1];
    uint64_t heartbeat_ms;
    uint64_t epoch;             //  the broker's directory epoch
    uint64_t version;           //  what the receiver holds after the transfer
    uint64_t since;             //  what the transfer is a delta from; 0: all
    uint64_t page;              //  0 (WELCOME) .. pages
    uint64_t pages;             //  DIRECTORY pages of the transfer
    uint64_t crl_size;          //  the list's text in bytes; 0: no list
} message_page_t;

//  Encodes a page with `count` certificate texts and a piece of the
//  revocation list's text (crl_piece_size bytes, may be 0).
int message_directory_encode (const message_page_t *page,
                              const char *const *cert_texts, size_t count,
                              const uint8_t *crl_piece, size_t crl_piece_size,
                              msgpack_sbuffer *buffer);

typedef struct {
    msgpack_unpacked unpacked;
    message_page_t page;
    const msgpack_object *certs;            //  array of str, borrowed
    const uint8_t *crl_piece;               //  borrowed
    size_t crl_piece_size;
} message_directory_t;

//  Decodes a page; STATUS_OK or STATUS_MALFORMED (also for a page number
//  above pages, a piece larger than crl_size, crl_size above
//  MESSAGE_CRL_MAX or pages above MESSAGE_PAGES_MAX). Destroy it either way.
int  message_directory_decode (const uint8_t *data, size_t size,
                               message_directory_t *directory);
void message_directory_destroy (message_directory_t *directory);

void
    message_test (bool verbose);

#endif
