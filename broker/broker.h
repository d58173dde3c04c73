/*  broker.h -- sluice-broker: routes sealed messages between certified
    department gateways, and never opens a body.

    A CurveZMQ ROUTER; its own ZAP handler admits only transport keys of
    certificates signed by the authority, valid now and not revoked. A gateway
    registers with a signed HELLO and gets the federation's directory
    (certificates and the revocation list) in a signed WELCOME. Requests are
    routed by the header's `to`, with ROUTER_MANDATORY and bounded queues: an
    unknown or offline department gets an immediate signed ERROR, never a hang.
*/
#ifndef SLUICE_BROKER_H_INCLUDED
#define SLUICE_BROKER_H_INCLUDED

#include "settings.h"

typedef struct _broker_t broker_t;

//  Creates a broker from checked settings: loads its certificate, the
//  authority, the certificates directory and the revocation list, binds.
//  Returns NULL and sets *error on any problem.
broker_t *
    broker_new (conf_t *conf, char **error);

void
    broker_destroy (broker_t **self_p);

//  Runs until interrupted (SIGINT/SIGTERM) or a message on `pipe` (may be
//  NULL): "RELOAD" (the daemon sends it at SIGHUP) reloads the certificates
//  and the revocation list at once and is answered with zsock_signal; any
//  other message ends the broker.
int
    broker_run (broker_t *self, zsock_t *pipe);

//  Actor entry: args is a conf_t * (borrowed).
void
    broker_actor (zsock_t *pipe, void *args);

void
    broker_test (bool verbose);

#endif
