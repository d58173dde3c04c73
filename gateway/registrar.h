/*  registrar.h -- a gateway's side of the federation's registry.

    Keeps, in the gateway's own ledger, the signed statements that concern
    this department (agreements it is party to, their revocations, orders
    filed with it or by it, and the answers), and applies them: an agreement
    in which we are the provider goes to the policy only after the policy
    verified both signatures itself; a revocation takes it out, but only if
    the provider signed it. Every statement is verified here against the
    author's certificate, whatever the broker says.
*/
#ifndef SLUICE_REGISTRAR_H_INCLUDED
#define SLUICE_REGISTRAR_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include "statement.h"
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

//  Verifies a statement from the broker, keeps and applies it. Returns
//  STATUS_OK, STATUS_STALE (already held), or the refusal (logged).
int
    registrar_take (registrar_t *self, statement_t *statement);

//  Verifies a statement with its author's valid certificate; STATUS_OK or
//  the reason.
int
    registrar_verify (registrar_t *self, statement_t *statement);

//  Applies every held agreement and revocation to the policy again (after
//  the trust store changed or agreement files were loaded).
void
    registrar_apply (registrar_t *self);

//  Packs the agreements this department is party to, as an array of maps
//  (see README "sluice agreement list").
void
    registrar_pack_agreements (registrar_t *self, msgpack_packer *pk);

//  Packs the orders filed by or with this department, with their answers.
void
    registrar_pack_orders (registrar_t *self, msgpack_packer *pk);

//  Packs verified catalogs from a "listed" array of encoded statements, as
//  an array of {department, published, catalog}; unverifiable ones are
//  left out and logged.
void
    registrar_pack_catalogs (registrar_t *self, const msgpack_object *statements,
                             msgpack_packer *pk);

//  True if the ledger holds a statement of this kind and key.
bool
    registrar_holds (registrar_t *self, const char *kind, const char *key);

void
    registrar_test (bool verbose);

#endif
