/*  registrar.h -- a gateway's side of the federation's registry.

    Keeps, in the gateway's own ledger, the signed statements that concern
    this department (agreements it is party to, their revocations, orders
    filed with it or by it, and the answers), and applies them: an agreement
    in which we are the provider goes to the policy only after the policy
    verified both signatures itself; a revocation takes it out. Every
    statement is judged here by the registry's rules (rules.h), the same
    rules the brokers apply, against the author's certificate in our own
    trust store, whatever the broker says.

    The statements this department makes itself are numbered here (each a
    higher version than any before, persisted before it is signed) and kept
    as they are sent, so a broker that never echoes them cannot roll them
    back.

    The catch-up: after each WELCOME the gateway asks the broker for the
    changes since the high-water mark it holds from that broker (the
    broker's epoch and change number, kept in the ledger), page by page,
    until there are no more.
*/
#ifndef SLUICE_REGISTRAR_H_INCLUDED
#define SLUICE_REGISTRAR_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include "statement.h"
#include "registry.h"
#include "truststore.h"
#include "policy.h"

typedef struct _registrar_t registrar_t;

//  Opens the ledger at path, for `department`; trust and policy are
//  borrowed. NULL and *error on failure.
registrar_t *
    registrar_new (const char *path, const char *department,
                   truststore_t *trust, policy_t *policy, char **error);
void
    registrar_destroy (registrar_t **self_p);

//  Log level for routine lines (conf_level; default 2, info). Refusals are
//  always logged.
void
    registrar_set_level (registrar_t *self, int level);

//  The most open orders one consumer may have here (rules_set_order_limit).
void
    registrar_set_order_limit (registrar_t *self, size_t limit);

//  Judges a statement `broker` (its id) pushed, keeps and applies it.
//  Returns STATUS_OK, STATUS_STALE (already held, or older), or the refusal
//  (logged). One that could not be kept (STATUS_INTERNAL: the disk failed)
//  makes another catch-up round with that broker wanted, which brings it
//  again (registrar_sync_due).
int
    registrar_take (registrar_t *self, const char *broker, statement_t *statement);

//  The version for the next statement this department signs: above every
//  version it used before, and kept durably before it is returned.
//  STATUS_OK, or STATUS_INTERNAL (logged) if the disk failed.
int
    registrar_next_version (registrar_t *self, uint64_t *version);

//  Keeps and applies a statement this department signed, at once, as it
//  goes to the brokers (before any can answer). Returns what the rules say
//  (a refusal here is logged; the brokers decide for themselves).
int
    registrar_take_own (registrar_t *self, statement_t *statement);

//  Verifies a statement with its author's valid certificate, or a
//  superseded one's (rules_verify); STATUS_OK or the reason.
int
    registrar_verify (registrar_t *self, statement_t *statement);

//  Applies every held agreement and revocation to the policy again (after
//  the trust store changed or agreement files were loaded).
void
    registrar_apply (registrar_t *self);

//  Loads the revocation list kept from the last run into `trust` (which
//  verifies it again); logged, nothing done if none is kept.
void
    registrar_load_crl (registrar_t *self, truststore_t *trust);

//  Keeps the list the trust store now holds, if newer than the kept one.
//  0, or -1 if the ledger cannot keep it: then logged with the reason (the
//  list is in force all the same, but a restart would start from the one
//  kept before).
int
    registrar_keep_crl (registrar_t *self, truststore_t *trust);

//  A sync request to `broker` (its id) for the changes after the mark held
//  from it; starts a round of the catch-up.
void
    registrar_sync_request (registrar_t *self, const char *broker,
                            msgpack_sbuffer *buffer);

//  Takes a page of the catch-up from `broker`: each statement judged, kept
//  and applied, then the broker's epoch and change number kept as the
//  mark, unless a statement could not be judged yet: then the kept mark
//  stays before that page and another round is wanted. A statement cannot
//  be judged yet if the disk failed, or if its author has no certificate
//  here while `directory_held` is false (a directory transfer from that
//  broker is under way or none is complete: the certificate may still
//  come). With the broker's directory held whole, an author it does not
//  name is unknown for good: that statement is skipped (logged once, with
//  the page) and the mark moves on. Returns true if more pages follow,
//  with the sync for the next one in `next` (send it).
bool
    registrar_take_page (registrar_t *self, const char *broker, registry_msg_t *page,
                         bool directory_held, msgpack_sbuffer *next);

//  True if another round with `broker` is wanted: the last one left
//  statements to judge again or was interrupted, or a pushed statement
//  could not be kept. The gateway starts one when the broker's next
//  directory transfer is complete (its certificates held), or when it is
//  due (registrar_sync_due).
bool
    registrar_sync_wanted (registrar_t *self, const char *broker);

//  True if a round with `broker` is wanted, none is under way, and its
//  backoff has passed at `now` (monotonic ms): 1 s after the first failure,
//  doubling to at most a minute while rounds keep failing, back to 1 s
//  after a round that left nothing.
bool
    registrar_sync_due (registrar_t *self, const char *broker, int64_t now);

//  The broker could not answer a round (a page it could not build or send):
//  another round is wanted.
void
    registrar_sync_interrupted (registrar_t *self, const char *broker);

//  Packs the agreements this department is party to, as an array of maps
//  (see README "sluice agreement list").
void
    registrar_pack_agreements (registrar_t *self, msgpack_packer *pk);

//  Packs the orders filed by or with this department, with their answers.
void
    registrar_pack_orders (registrar_t *self, msgpack_packer *pk);

//  The catalogs of a "listed" array of encoded statements (may be NULL)
//  that verify: of kind catalog, keyed by their author, signed with the
//  author's certificate, the payload one msgpack object. A fresh list of
//  statements (the caller destroys it); the others are left out and
//  logged.
zlistx_t *
    registrar_verify_catalogs (registrar_t *self, const msgpack_object *statements);

//  True if the ledger holds a statement of this kind and key.
bool
    registrar_holds (registrar_t *self, const char *kind, const char *key);

void
    registrar_test (bool verbose);

#endif
