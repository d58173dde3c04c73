/*  localapi.h -- the gateway's local API, between the department's own
    systems (the `sluice` command, scripts) and its gateway.

    One request, one reply, each a msgpack map in one ZeroMQ frame, over a
    DEALER (or REQ) socket to the gateway's `local` endpoint, an ipc://
    socket: the gateway identifies each caller from the connection and
    serves only its own user, root and its group (caller.h).
*/
#ifndef SLUICE_LOCALAPI_H_INCLUDED
#define SLUICE_LOCALAPI_H_INCLUDED

#include "message.h"
#include "notice.h"

#define LOCALAPI_OP_MAX     16
#define LOCALAPI_ID_MAX     64
#define LOCALAPI_TEXT_MAX   (1024 * 1024)    //  a revocation list may be large
#define LOCALAPI_CALLER_MAX 96                  //  as CALLER_NAME_MAX
#define LOCALAPI_REF_MAX    64                  //  a send's own reference

//  Operations: "query", "status"; the registry: "catalogs", "register",
//  "revoke", "agreements", "order", "answer", "orders", "crl"; notices and
//  alerts: "notice-send", "notice-list", "notice-show", "notice-take",
//  "notice-feedback", "notice-wait", "notice-stats", "alert-raise",
//  "alert-list", "alert-take", "alert-stats", "alert-subscribe" (README,
//  "Local API"; PROTOCOL.md 10 and 17).
typedef struct {
    char op [LOCALAPI_OP_MAX + 1];
    char to [ENVELOPE_DEPT_MAX + 1];        //  query: provider; order: provider
    message_query_t query;                  //  item, key, fields, purpose, ...
    uint64_t timeout_ms;                    //  0: the gateway's default
    char id [LOCALAPI_ID_MAX + 1];          //  agreement or order id
    char decision [LOCALAPI_OP_MAX + 1];    //  answer: "accepted" | "refused"
    char *text;                             //  agreement or CRL text, legal
                                            //  basis; owned, NULL if none
    //  Notices and alerts
    char recipients [NOTICE_RECIPIENTS_MAX + 1];    //  notice-send: comma-separated
    char kind [NOTICE_NAME_MAX + 1];        //  a notice's kind
    char key_type [NOTICE_KEY_TYPE_MAX + 1];
    const msgpack_object *values;           //  a notice's fields: name -> value
                                            //  (str, or of the field's type);
                                            //  borrowed from unpacked
    uint64_t deadline_ms;                   //  for feedback, ms since the epoch
    char topic [NOTICE_TOPIC_MAX + 1];      //  an alert's, or one subscribed to
    char severity [NOTICE_SEVERITY_MAX + 1];
    char result [NOTICE_NAME_MAX + 1];      //  notice-feedback
    uint64_t max;                           //  take: at most; list: the newest
    char filter [LOCALAPI_OP_MAX + 1];      //  list: "sent" | "received"
    bool pending;                           //  list: not handled yet
    bool overdue;                           //  list: past its deadline
    bool remove;                            //  alert-subscribe: no more
    char ref [LOCALAPI_REF_MAX + 1];        //  notice-send, alert-raise: the
                                            //  sender's own reference; "" none
    //  Who asked: "USER (uid N)", set by the gateway from the connection's
    //  credentials (caller.h); never encoded, never decoded from a request
    char caller [LOCALAPI_CALLER_MAX + 1];
    msgpack_unpacked unpacked;              //  what `values` points into
} localapi_request_t;

//  Frees the request's text and what its values point into (the struct
//  itself is the caller's). Safe to call twice, and on a request zeroed.
void
    localapi_request_clear (localapi_request_t *request);

//  Packs a request; returns 0, or -1 if the buffer could not grow.
int
    localapi_request_encode (const localapi_request_t *request,
                             msgpack_sbuffer *buffer);

//  STATUS_OK, or STATUS_MALFORMED with every field empty (no text); call
//  localapi_request_clear in every case.
int
    localapi_request_decode (const uint8_t *data, size_t size,
                             localapi_request_t *request);

//  A reply: status and its words, where it came from, and the rows (for
//  "status" requests, the rows hold one map of gateway figures).
typedef struct {
    msgpack_unpacked unpacked;
    uint8_t *data;                          //  own copy: rows point into it
    uint32_t status;
    char reason [MESSAGE_REASON_MAX + 1];
    char field [MESSAGE_ITEM_MAX + 1];
    char from [ENVELOPE_DEPT_MAX + 1];
    char item [MESSAGE_ITEM_MAX + 1];
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    uint64_t served_at;
    char agreement [MESSAGE_ITEM_MAX + 1];
    const msgpack_object *rows;             //  array of maps, borrowed
} localapi_reply_t;

//  Packs a reply. rows may be NULL (an empty array is packed). Returns 0,
//  or -1 if the buffer could not grow or a string is longer than its field
//  of localapi_reply_t holds (then nothing is packed).
int
    localapi_reply_encode (msgpack_sbuffer *buffer, int status,
                           const char *reason, const char *field,
                           const char *from, const char *item,
                           const char *msgid, uint64_t served_at,
                           const char *agreement, const msgpack_object *rows);

//  Decodes; call localapi_reply_destroy in every case.
int
    localapi_reply_decode (const uint8_t *data, size_t size,
                           localapi_reply_t *reply);
void
    localapi_reply_destroy (localapi_reply_t *reply);

void
    localapi_test (bool verbose);

#endif
