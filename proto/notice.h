/*  notice.h -- the payloads of the store-and-forward messages: NOTICE,
    ALERT, RECEIPT and ACK (PROTOCOL.md section 17; the broker's QUEUED
    is queued.h's).

    A notice tells a department that something concerns it (a newly
    registered enterprise that needs its licence: 双告知), an alert tells
    every department subscribed to a topic of a risk found (监管预警); each
    recipient answers with signed receipts (双反馈: delivered, received,
    handled, or refused), which the sender acknowledges. Each message's
    keys are declared once, in a table of notice.c (fields.h) that both its
    encoder and its decoder read. The ids in the headers are derived
    (noticeid.h); these payloads carry the ids they derive from.
*/
#ifndef SLUICE_NOTICE_H_INCLUDED
#define SLUICE_NOTICE_H_INCLUDED

#include <msgpack.h>
#include "envelope.h"
#include "noticeid.h"

#define NOTICE_NAME_MAX         64      //  a kind, a field name, a result
#define NOTICE_KEY_TYPE_MAX     32
#define NOTICE_KEY_MAX          64      //  as a QUERY's key
#define NOTICE_BASIS_MAX        1024    //  the legal basis
#define NOTICE_OFFICER_MAX      128
#define NOTICE_RECIPIENTS_MAX   1024    //  every recipient, comma-separated
#define NOTICE_TEXT_MAX         4096    //  an alert's text, a field's value
#define NOTICE_REASON_MAX       512
#define NOTICE_FIELDS_MAX       64      //  fields of one notice
#define NOTICE_TOPIC_MAX        32
#define NOTICE_SEVERITY_MAX     16
#define NOTICE_STATE_MAX        16

//  NOTICE: one copy of a notice, to one recipient.
typedef struct {
    msgpack_unpacked unpacked;
    uint8_t notice [NOTICEID_BYTES];            //  the notice's id (every copy's)
    char kind [NOTICE_NAME_MAX + 1];            //  e.g. "license-required"
    char key_type [NOTICE_KEY_TYPE_MAX + 1];    //  an ident type name
    char key [NOTICE_KEY_MAX + 1];              //  canonical
    //  name -> value (nil, bool, int, float or str), borrowed; the encoder
    //  writes NULL as the empty map
    const msgpack_object *fields;
    char basis [NOTICE_BASIS_MAX + 1];
    uint64_t deadline;                          //  ms since the epoch; 0: none
    char officer [NOTICE_OFFICER_MAX + 1];
    char recipients [NOTICE_RECIPIENTS_MAX + 1];
} notice_msg_t;

//  ALERT: one copy of an alert, to one subscriber of its topic.
typedef struct {
    uint8_t alert [NOTICEID_BYTES];
    char topic [NOTICE_TOPIC_MAX + 1];
    char severity [NOTICE_SEVERITY_MAX + 1];
    char key_type [NOTICE_KEY_TYPE_MAX + 1];    //  with key, or neither
    char key [NOTICE_KEY_MAX + 1];
    char text [NOTICE_TEXT_MAX + 1];
    char officer [NOTICE_OFFICER_MAX + 1];
} notice_alert_t;

//  RECEIPT: what the recipient says of a copy.
typedef struct {
    uint8_t copy [NOTICEID_BYTES];
    char state [NOTICE_STATE_MAX + 1];          //  noticeid_state_name
    uint64_t at;                                //  when it reached the state, ms
    char result [NOTICE_NAME_MAX + 1];          //  handled: e.g. "licence-issued"
    char reason [NOTICE_REASON_MAX + 1];        //  handled, refused
    char officer [NOTICE_OFFICER_MAX + 1];      //  handled: who
    uint32_t code;                              //  refused: a result code
} notice_receipt_t;

//  Packs into buffer (initialised by the caller). 0, or -1 if the buffer
//  could not grow or a string does not fit its key (nothing is cut).
int notice_msg_encode (const notice_msg_t *notice, msgpack_sbuffer *buffer);
int notice_alert_encode (const notice_alert_t *alert, msgpack_sbuffer *buffer);
int notice_receipt_encode (const notice_receipt_t *receipt, msgpack_sbuffer *buffer);
int notice_ack_encode (const uint8_t *receipt_id, msgpack_sbuffer *buffer);

//  Decode; STATUS_OK, or STATUS_MALFORMED with every field empty. A NOTICE
//  is also MALFORMED with more than NOTICE_FIELDS_MAX fields, a field name
//  empty or over NOTICE_NAME_MAX bytes, or a value that is not nil, bool,
//  an integer, a float or a str of at most NOTICE_TEXT_MAX bytes without
//  NUL; call notice_msg_destroy in every case. A RECEIPT is also MALFORMED
//  with a state that is not a receipt state, a handled one without its
//  result, or a refused one without its code.
int  notice_msg_decode (const uint8_t *data, size_t size, notice_msg_t *notice);
void notice_msg_destroy (notice_msg_t *notice);
int  notice_alert_decode (const uint8_t *data, size_t size, notice_alert_t *alert);
int  notice_receipt_decode (const uint8_t *data, size_t size, notice_receipt_t *receipt);
int  notice_ack_decode (const uint8_t *data, size_t size, uint8_t *receipt_id);

void
    notice_test (bool verbose);

#endif
