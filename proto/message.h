/*  message.h -- payloads of the message types, as msgpack maps.

    Every payload is a map with string keys (PROTOCOL.md lists them); a
    receiver ignores keys it does not know and refuses missing, duplicated,
    mistyped or oversized ones. Strings are bounded by the fixed buffers
    below, so decoding allocates nothing that the sender controls.
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

//  Packs into buffer (initialised by the caller). Returns 0.
int message_query_encode (const message_query_t *query, msgpack_sbuffer *buffer);
int message_error_encode (const message_error_t *error, msgpack_sbuffer *buffer);

//  Decodes; STATUS_OK or STATUS_MALFORMED.
int message_query_decode (const uint8_t *data, size_t size, message_query_t *query);
int message_error_decode (const uint8_t *data, size_t size, message_error_t *error);

//  RESPONSE: {re, item, status, served_at, agreement, [audit_seq,
//  audit_head,] rows}. The rows are packed by the source; the writer starts
//  the map and the caller appends the "rows" value (array of maps).
//  message_response_begin packs everything but the rows value, whose key it
//  writes last; it writes no audit head (as message_response_begin_head with
//  head NULL). head: the provider's audit head before this answer's record;
//  NULL or seq 0 for none.
void message_response_begin (msgpack_packer *pk, const uint8_t *re,
                             const char *item, int status,
                             uint64_t served_at, const char *agreement);
void message_response_begin_head (msgpack_packer *pk, const uint8_t *re,
                                  const char *item, int status,
                                  uint64_t served_at, const char *agreement,
                                  const message_head_t *head);

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

int  message_response_decode (const uint8_t *data, size_t size,
                              message_response_t *response);
void message_response_destroy (message_response_t *response);

//  WELCOME and DIRECTORY: the broker's id, heartbeat interval, the texts of
//  every certificate it holds, and the revocation list text ("" if none).
int message_directory_encode (const char *broker, uint64_t heartbeat_ms,
                              zlist_t *cert_texts, const char *crl_text,
                              msgpack_sbuffer *buffer);

typedef struct {
    msgpack_unpacked unpacked;
    char broker [ENVELOPE_DEPT_MAX + 1];
    uint64_t heartbeat_ms;
    const msgpack_object *certs;            //  array of str, borrowed
    const msgpack_object *crl;              //  str, borrowed
} message_directory_t;

int  message_directory_decode (const uint8_t *data, size_t size,
                               message_directory_t *directory);
void message_directory_destroy (message_directory_t *directory);

void
    message_test (bool verbose);

#endif
