/*  gateway.h -- sluice-gateway: one department's door to the federation.

    It serves the department's catalog from its own database, under the
    agreements it verified itself, and asks other departments on behalf of
    the department's systems (the local API). It keeps the audit log, and
    registers with the broker, reconnecting by itself.

    Data flows one way: local API -> sealed QUERY -> broker -> provider's
    gateway -> source -> sealed RESPONSE -> broker -> local API.
*/
#ifndef SLUICE_GATEWAY_H_INCLUDED
#define SLUICE_GATEWAY_H_INCLUDED

#include "settings.h"

typedef struct _gateway_t gateway_t;

//  Creates a gateway from checked settings: loads its certificate, the
//  authority, the broker's certificate, the catalog, the source, the
//  agreements and the state (audit log, quotas); binds the local API and
//  connects to the broker. Returns NULL and sets *error on any problem.
gateway_t *
    gateway_new (conf_t *conf, char **error);

void
    gateway_destroy (gateway_t **self_p);

//  Runs until interrupted (SIGINT/SIGTERM) or a message on `pipe` (may be
//  NULL): "RELOAD" (the daemon sends it at SIGHUP) loads the catalog (with
//  its source) and the agreement files at once, keeping the ones in service
//  if they are not sound, and is answered with zsock_signal; any other
//  message ends the gateway.
int
    gateway_run (gateway_t *self, zsock_t *pipe);

void
    gateway_test (bool verbose);

#endif
