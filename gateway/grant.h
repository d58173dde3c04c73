/*  grant.h -- the authorization rules, in the order they apply (README
    "Authorization rules").

    First the rules every item has: a request names its officer and
    purpose; a closed item is never answered; the fields must be the item's;
    an open item is answered within the consumer's clearance. A conditional
    item is answered only under an agreement, whose rules follow in order:
    its signers (the certificates that signed it still valid and not
    revoked), validity, purpose, officer role, fields, clearance, the
    daily quota.

    The rules read the request and the agreement and write the decision;
    they keep nothing. Which agreements apply, and how many requests each
    granted today, is the policy's (policy.h): the quota count is asked for
    through a function, only when a request gets that far.
*/
#ifndef SLUICE_GRANT_H_INCLUDED
#define SLUICE_GRANT_H_INCLUDED

#include "policy.h"

//  How far a request got through an agreement's rules; of the agreements
//  of a pair that refuse, the one that got furthest says why
typedef enum {
    GRANT_NONE = 0,
    GRANT_SIGNERS,
    GRANT_VALIDITY,
    GRANT_PURPOSE,
    GRANT_ROLE,
    GRANT_FIELDS,
    GRANT_CLEARANCE,
    GRANT_QUOTA,
    GRANT_GRANTED
} grant_stage_t;

//  The requests an agreement granted on `day` (UTC days since the epoch),
//  into *used; 0, or -1 if the count cannot be had (the function says why
//  to the operator: the rules only refuse).
typedef int (grant_count_fn) (void *argument, int64_t day, uint32_t *used);

//  A decision that says nothing yet: INTERNAL, no rule, nothing granted.
void
    grant_reset (policy_decision_t *decision);

//  Applies the rules of every item. Returns true if they decided (a
//  refusal, or an open item granted), false for a conditional item, which
//  only an agreement can grant.
bool
    grant_item (const policy_request_t *request, policy_decision_t *decision);

//  The refusal when no agreement names this consumer and item.
void
    grant_no_agreement (const policy_request_t *request, policy_decision_t *decision);

//  Applies one agreement's rules to the request; fills *decision and
//  returns how far the request got. The certificates that signed the
//  agreement (agreement_check_signers) are checked in `trust` at the
//  request's time, first: an agreement whose signer has since been
//  revoked or expired, a superseded certificate after a renewal too, is
//  no agreement (NO_AGREEMENT). `count` gives the agreement's count of the
//  request's day. Counts nothing.
grant_stage_t
    grant_agreement (agreement_t *agreement, const policy_request_t *request,
                     truststore_t *trust, grant_count_fn *count, void *argument,
                     policy_decision_t *decision);

//  The UTC day (days since the epoch) of `now` (seconds since the epoch).
int64_t
    grant_utc_day (int64_t now);

void
    grant_test (bool verbose);

#endif
