/*  serve.h -- serving one QUERY from another department.

    One function, with no socket and no audit log in it: it takes the verified
    request and everything the answer depends on, and returns what to send
    (the sealed RESPONSE or ERROR) and what to record first (the audit
    record of the provider's side). The caller appends the record, holds the
    answer until the record is durable, then sends it: no data leaves
    without its record.

    The checks, in order, each refusal an ERROR that names its record:
        MALFORMED       the payload does not decode
        UNKNOWN_ITEM    the catalog has no such item
        UNKNOWN_FIELD   a field named is not the item's
        INVALID_KEY     the key is not a valid one of the item's key type
                        (before anything else touches it: the policy, the
                        source)
        the policy's    policy.h, grant.h: officer and purpose, share
                        class, agreements, clearance, quota
        the source's    SOURCE_TIMEOUT, SOURCE_FAILED, TOO_LARGE
        TOO_LARGE       the answer does not seal into one message
    and a key the source does not hold is answered NOT_FOUND, a RESPONSE
    without rows.
*/
#ifndef SLUICE_SERVE_H_INCLUDED
#define SLUICE_SERVE_H_INCLUDED

#include "envelope.h"
#include "message.h"
#include "cert.h"
#include "catalog.h"
#include "source.h"
#include "policy.h"
#include "audit.h"

//  What serving a query needs; all borrowed
typedef struct {
    envelope_t *request;            //  the QUERY, opened, verified and
                                    //  checked against replays
    cert_t *sender;                 //  its sender's valid department
                                    //  certificate
    const uint8_t *box_key;         //  the box key shared with the sender
    cert_t *own;                    //  ours, with its secrets: signs
    catalog_t *catalog;
    source_t *source;
    policy_t *policy;
    message_head_t next;            //  the head of the answer's record
                                    //  (audit_next): the answer names it
    int64_t now_ms;                 //  wall clock, ms since the epoch
} serve_input_t;

//  What to record and what to send. Filled in place: `record` points into
//  the result itself and into the request, so it is read where it was
//  filled, while the request lives.
typedef struct {
    envelope_t *answer;             //  the sealed RESPONSE or ERROR (owned:
                                    //  take it, or serve_result_clear), or
                                    //  NULL if none could be made: then an
                                    //  INTERNAL error naming no record goes
    bool refused;                   //  the answer is an ERROR
    char *source_error;             //  why the source failed, for the
                                    //  operator (owned), or NULL
    int status;                     //  what was answered
    size_t rows;                    //  the rows of a RESPONSE
    bool decoded;                   //  `query` holds the request's payload
    message_query_t query;
    audit_record_t record;          //  to append before the answer leaves;
                                    //  time_ms is the caller's to set
    //  What `record` points to
    char msgid [ENVELOPE_ID_BYTES * 2 + 1];
    char key [IDENT_MAX + 1];       //  as the log may hold it: personal
                                    //  identifiers masked
    char fields [MESSAGE_FIELDS_MAX + 1];
    char decision [MESSAGE_REASON_MAX + 64];
    char agreement [AGREEMENT_ID_MAX + 1];
    uint8_t request_digest [32];
    uint8_t response_digest [32];
} serve_result_t;

//  Serves the QUERY of `input`: fills *result.
void
    serve_query (const serve_input_t *input, serve_result_t *result);

//  Refuses the QUERY of `input` with `status` before its payload is read
//  (the replay check's refusals): an ERROR that names its record.
void
    serve_refuse (const serve_input_t *input, int status, serve_result_t *result);

//  Destroys the answer if it was not taken, and the source's error.
void
    serve_result_clear (serve_result_t *result);

//  A sealed ERROR from `own` answering the message `re` of `to` with
//  `code`, `reason` (NULL or "": the code's text) and `field`, naming the
//  record `head` of this answer (NULL: none). NULL if it cannot be made.
envelope_t *
    serve_error_new (cert_t *own, const char *to, const uint8_t *box_key,
                     const uint8_t *re, int code, const char *reason,
                     const char *field, const message_head_t *head);

void
    serve_test (bool verbose);

#endif
