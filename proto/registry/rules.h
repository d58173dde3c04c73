/*  rules.h -- the registry's rules: which signed statement may be kept, and
    which one is in force.

    One copy, used by the broker for what it stores and forwards, and by
    every gateway's registrar for what it keeps and applies: the broker's
    check only refuses junk early, each gateway checks again for itself, so
    a broker that lies can drop or delay a statement, never put one in
    force. A judge knows only what its own ledger holds (and its own trust
    store); the rules are the same.

    A statement is admitted only if all of these hold, in this order (the
    first that fails is the answer, with a reason in words):

    1.  it is not issued in the future (beyond RULES_SKEW_MS): STALE; its
        version is not above the judge's clock in ms plus RULES_SKEW_MS:
        VERSION_AHEAD (a version chosen far ahead would win over all the
        author makes later, and freeze its key for good);
    2.  its author has a certificate valid now in the trust store, and the
        signature verifies with it: CERT_UNKNOWN, CERT_EXPIRED,
        CERT_REVOKED, BAD_SIGNATURE;
    3.  its kind's rule, which also names the two departments it concerns:
        catalog     key = author (SENDER_MISMATCH)
        agreement   a valid agreement (MALFORMED) signed by both parties
                    with certificates valid now (their status), its id the
                    key (MALFORMED), its author a party (SENDER_MISMATCH),
                    the statement's version exactly the agreement's
                    (MALFORMED), and no revocation of the id held: a
                    revocation is final (STALE)
        agreement-revocation
                    the ledger holds the agreement (NO_AGREEMENT), the author
                    is its provider (SENDER_MISMATCH)
        order       the body decodes (MALFORMED), the provider is not its
                    author (SENDER_MISMATCH: answering oneself would free
                    the bound of step 6 without end), the provider has a
                    certificate (UNKNOWN_DEPARTMENT)
        order-answer
                    the ledger holds the order (UNKNOWN_ITEM), the author is
                    its provider (SENDER_MISMATCH), the body decodes
                    (MALFORMED)
    4.  for a gateway, it concerns that department (SENDER_MISMATCH);
    5.  against the statement held for its kind and key: an answer is final
        (STALE); an agreement keeps its two parties, any other kind its
        author, and an order its provider too (SENDER_MISMATCH); an answered
        order is final too (STALE);
        the version is strictly higher than the held one (STALE);
    6.  a new order keeps its author within the bound of open orders
        (LIMIT_REACHED);
    7.  the ledger keeps it (the same version rule, atomically; INTERNAL if
        the disk failed).

    Only both parties can make a higher version of an agreement (they sign
    it); of any other kind only its author, whose gateway numbers its own
    statements. So which one is in force never depends on a time, on who
    registers it, or on a broker.
*/
#ifndef SLUICE_RULES_H_INCLUDED
#define SLUICE_RULES_H_INCLUDED

#include <czmq.h>
#include "ident.h"
#include "settings.h"
#include "ledger.h"
#include "statement.h"
#include "truststore.h"

#define RULES_SKEW_MS           (5 * 60 * 1000)
#define RULES_ORDER_LIMIT       1000        //  open orders per consumer, default
#define RULES_ORDER_LIMIT_MAX   SETTINGS_ORDER_LIMIT_MAX
#define RULES_REASON_MAX        200

typedef struct _rules_t rules_t;

//  What the rules found: the departments a statement concerns (the
//  provider or author first; "" if none), and the reason of a refusal.
typedef struct {
    char party_a [IDENT_MAX + 1];
    char party_b [IDENT_MAX + 1];
    char reason [RULES_REASON_MAX];
    bool older;                 //  STALE: below the held version, or at it with
                                //  another payload (not a mere copy)
} rules_verdict_t;

//  Rules over `ledger` and `trust`, both borrowed: they must outlive it.
rules_t *
    rules_new (ledger_t *ledger, truststore_t *trust);
void
    rules_destroy (rules_t **self_p);

//  A gateway's rules: every statement kept must concern `department`.
void
    rules_set_department (rules_t *self, const char *department);

//  The most open orders (without an answer) one consumer may hold,
//  1 .. RULES_ORDER_LIMIT_MAX; RULES_ORDER_LIMIT unless set.
void
    rules_set_order_limit (rules_t *self, size_t limit);

//  Verifies a statement's signature with its author's department
//  certificate, or, after a renewal, with the superseded one whose key
//  signed it while that one is valid and not revoked. STATUS_OK or the
//  reason (truststore_verify_by).
int
    rules_verify (rules_t *self, statement_t *statement);

//  Judges a statement and, if it is admitted, keeps it in the ledger.
//  Returns STATUS_OK or the refusal; fills *verdict either way (its reason
//  goes to the statement's sender). STATUS_INTERNAL means the ledger's disk
//  failed: *error (fresh string, caller frees; error may be NULL) says how,
//  for the caller's log.
int
    rules_admit (rules_t *self, statement_t *statement, rules_verdict_t *verdict,
                 char **error);

//  The revocation list kept in the ledger: the newest one accepted, so that
//  after a restart nothing older (or nothing at all) un-revokes anyone.
//  A fresh list the caller destroys (to verify again), or NULL if none, or
//  NULL and *error if the one kept does not decode.
crl_t *
    rules_kept_crl (rules_t *self, char **error);

//  Keeps `crl` (borrowed, already verified) if its version is above the
//  kept one's. 0 (kept, or already as new), or -1 and *error if the disk
//  failed (or the one kept does not decode).
int
    rules_keep_crl (rules_t *self, crl_t *crl, char **error);

void
    rules_test (bool verbose);

#endif
