/*  answer.h -- what a consumer checks in an answer before it believes it.

    The provider's gateway decides what leaves; the consumer's gateway checks
    that what came back answers what was asked, so that a broken or lying
    provider cannot hand the department's systems more, or other, than they
    asked for. An answer that breaks a rule is refused whole (BAD_ANSWER):
    nothing of it is passed on, since a provider that sends one field it may
    not send has shown that its other fields cannot be trusted either.

    Without the provider's published catalog (section 16.4 of PROTOCOL.md)
    the checks are those the query and the protocol allow: the item, the
    status against the rows, at most ITEM_ROWS_MAX rows, each row a map of
    distinct field names to values of a field type, and only the fields
    asked for when fields were named. With the catalog item, also: the item
    is published, a record gives at most one row and a list at most its
    max-rows, every field is one of the item's, of its type, and not above
    the consumer's clearance.
*/
#ifndef SLUICE_ANSWER_H_INCLUDED
#define SLUICE_ANSWER_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include "message.h"
#include "catalog_pub.h"

typedef struct {
    int status;                             //  STATUS_OK or STATUS_BAD_ANSWER
    bool against_catalog;                   //  only the catalog's rules failed
    char reason [MESSAGE_REASON_MAX + 1];   //  the rule broken, in words
    char field [MESSAGE_ITEM_MAX + 1];      //  the offending field, if any
} answer_verdict_t;

//  Checks a decoded RESPONSE against the query it answers and, if `catalog`
//  is not NULL, against the provider's published catalog (the payload of its
//  catalog statement, section 16.4, read as catalogs_get gives it).
//  `clearance` is the consumer's. Returns the verdict's status.
int
    answer_check (const message_query_t *query, const message_response_t *response,
                  catalog_pub_t *catalog, int clearance, answer_verdict_t *verdict);

//  Checks an ERROR from the provider: its code must be a refusal or a
//  failure, never OK or NOT_FOUND (that would pass for an answer without
//  rows). Returns the verdict's status.
int
    answer_check_error (const message_error_t *error, answer_verdict_t *verdict);

void
    answer_test (bool verbose);

#endif
