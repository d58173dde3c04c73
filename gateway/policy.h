/*  policy.h -- the provider gateway's authorization decision: every
    agreement enforced at the source.

    The policy holds the agreements this department (the provider) has
    signed and verified itself, indexed by (consumer, item), and the daily
    quota counters of each agreement. Counters live in memory and are written
    to the quota store (quota.h) by policy_flush, which the gateway calls
    from a timer, and by policy_destroy; they are read back per agreement and
    UTC day when first needed, so a restart does not reset a quota. At most
    the increments since the last flush can be lost in a crash.

    The highest version of each agreement id ever put in force here is kept
    in the same store (its version floor): whatever its source, file or
    registry, an agreement never goes back to an older version, also after a
    restart.

    A decision is one call: the query's facts, gathered once into a
    policy_request_t, in; everything the answer and its audit record need,
    a policy_decision_t, out. The rules, in the order they apply, are in
    README "Authorization rules" and in grant.h.
*/
#ifndef SLUICE_POLICY_H_INCLUDED
#define SLUICE_POLICY_H_INCLUDED

#include <stdint.h>
#include <stddef.h>
#include "cert.h"
#include "truststore.h"
#include "item.h"
#include "agreement.h"

typedef struct _policy_t policy_t;

//  What a decision needs, built once per query: policy_request_init gathers
//  the item's and the consumer's facts in one pass, the caller sets the
//  rest by name. Everything is borrowed for the decision's time.
typedef struct {
    item_t *item;                           //  the catalog's item asked for
    const char *item_name;
    share_t share;
    const char *legal_basis;                //  a closed item's, or ""
    ident_type_t key_type;
    size_t field_count;
    const field_t *fields [ITEM_FIELDS_MAX];    //  the item's, in order
    uint64_t all_fields;                    //  mask of every field
    uint64_t requested;                     //  the fields asked for; 0: all
                                            //  the consumer may have
    char key [IDENT_MAX + 1];               //  the key, canonical (for the
                                            //  source: no rule reads it)
    cert_t *consumer;                       //  the sender's certificate,
                                            //  checked valid by the caller
    const char *consumer_id;                //  its department
    int clearance;                          //  its clearance
    const char *officer;                    //  as the query names them
    const char *role;
    const char *purpose;
    int64_t now;                            //  seconds since the epoch
} policy_request_t;

//  Fills the item's facts (name, share class, legal basis, key type, its
//  fields) and the consumer's (department, clearance), and clears the rest.
void
    policy_request_init (policy_request_t *request, item_t *item, cert_t *consumer);

//  Creates the policy of `department` (the provider: us), which verifies
//  agreements with `trust` (borrowed: it must outlive the policy) and keeps
//  quota counters in the SQLite database `state_db_path` (created if
//  missing). Returns NULL and sets *error (fresh string, caller frees; error
//  may be NULL) if the department id is invalid or the database cannot be
//  opened.
policy_t *
    policy_new (const char *department, truststore_t *trust,
                const char *state_db_path, char **error);

//  Log level for the policy's routine lines (conf_level: 0 error ..
//  3 debug; default 2, info).
void
    policy_set_level (policy_t *self, int level);

//  Flushes the quota counters (logging a failure: nobody else is left to
//  tell) and closes the database.
void
    policy_destroy (policy_t **self_p);

//  Verifies and adds an agreement, taking ownership (nulls *agreement_p
//  either way). Returns STATUS_OK, or refuses, says why in *error (fresh
//  string, "policy: agreement 'ID' refused: ...") and destroys it:
//  STATUS_NO_AGREEMENT if the provider is not this department, or the
//  status of agreement_verify at the current time (certificate unknown,
//  expired or revoked, or a missing or bad signature), STATUS_STALE if a
//  higher version of the id has ever been in force here (or the same
//  version with other terms), STATUS_INTERNAL if the version floor cannot
//  be read or written. An agreement with the id of one held replaces it and
//  keeps its quota count. An agreement that has already expired is
//  accepted (requests under it are then refused with AGREEMENT_EXPIRED,
//  which says more than NO_AGREEMENT).
int
    policy_add (policy_t *self, agreement_t **agreement_p, char **error);

//  Adds every `*.agreement` file in `dir` (not its subdirectories), in name
//  order. Returns how many were accepted, or -1 (and *error) if the
//  directory cannot be read; logs each refused file with the reason (one
//  bad file does not stop the others). Agreements in which this department
//  is the consumer are skipped quietly: the provider enforces them.
int
    policy_add_dir (policy_t *self, const char *dir, char **error);

//  Revokes an agreement: requests under it are refused from now on. Its
//  quota count stays in the database. Returns 0, or -1 if no such id.
int
    policy_remove (policy_t *self, const char *agreement_id);

//  The agreements in force here (borrowed), in no particular order: first,
//  then next until NULL. Adding or removing one ends the walk.
agreement_t *
    policy_first (policy_t *self);
agreement_t *
    policy_next (policy_t *self);

//  The agreement with this id (borrowed, until removed or replaced), or NULL.
agreement_t *
    policy_agreement (policy_t *self, const char *agreement_id);

//  Number of agreements held.
size_t
    policy_size (policy_t *self);

//  Writes the quota counters changed since the last flush, in one
//  transaction. Returns 0, or -1 and *error if the database failed; the
//  counters then stay pending for the next flush.
int
    policy_flush (policy_t *self, char **error);

//  A reason fits an ERROR's reason (MESSAGE_REASON_MAX bytes) with its NUL
#define POLICY_REASON_MAX 512

typedef struct {
    int status;                 //  STATUS_OK or the refusal code
    const char *rule;           //  static text naming the rule that decided,
                                //  stable for logs and tests (see README)
    uint64_t granted;           //  mask of the fields that may be returned;
                                //  0 unless status is STATUS_OK
    const char *agreement_id;   //  the agreement that decided (borrowed from
                                //  the policy, until it is removed or
                                //  replaced), or NULL
    char field [ITEM_NAME_MAX + 1];     //  the offending field, or ""
    char reason [POLICY_REASON_MAX];    //  the rule with its particulars,
                                //  e.g. "field 'capital' sensitivity 4 above
                                //  consumer clearance 2", for audit and reply;
                                //  texts of the request (purpose, role) are
                                //  quoted as they came, UTF-8 intact (they
                                //  are escaped where they are shown)
} policy_decision_t;

//  Decides `request` (see policy_request_t) and fills *decision. A granted
//  request under an agreement counts against the agreement's quota for the
//  UTC day of request->now; a refused one does not.
void
    policy_decide (policy_t *self, const policy_request_t *request,
                   policy_decision_t *decision);

void
    policy_test (bool verbose);

#endif
