/*  startup.h -- what a gateway is made of, built from its settings.

    In order: its identity (this department's certificate with its secrets,
    the authority, the brokers' certificates, the trust store), its service
    (the catalog and its source, the state directory with the audit log,
    the quota store, the ledger and the notice store, the replay window
    filled again from the log), and its connections (the local API, a link to each broker).
    The catalog and the agreement files are read again from the same
    settings when they change (startup_reload_catalog,
    startup_load_agreements).

    The parts are the gateway's to use, each job borrowing what it needs;
    startup_destroy destroys them.
*/
#ifndef SLUICE_STARTUP_H_INCLUDED
#define SLUICE_STARTUP_H_INCLUDED

#include "settings.h"
#include "cert.h"
#include "truststore.h"
#include "catalog.h"
#include "audit.h"
#include "replay.h"
#include "source.h"
#include "policy.h"
#include "registrar.h"
#include "caller.h"
#include "links.h"
#include "peers.h"
#include "notices.h"

typedef struct {
    conf_t *conf;                   //  the settings, borrowed
    int level;                      //  log level (conf_level)
    int64_t heartbeat_ms;
    int64_t timeout_ms;             //  of a query, unless it says
    cert_t *cert;                   //  ours, with its secrets
    const char *id;                 //  our department id (the certificate's)
    uint8_t authority [32];         //  the authority's public key
    truststore_t *trust;            //  the federation's certificates
    peers_t *peers;                 //  the other departments' keys
    catalog_t *catalog;             //  what we serve, from its source
    source_t *source;
    int64_t catalog_mtime;          //  of the catalog file, ns
    policy_t *policy;
    audit_t *audit;
    replay_t *replay;
    registrar_t *registrar;
    notices_t *notices;             //  notices and alerts, both ends
    links_t *links;                 //  to the brokers
    zsock_t *local;                 //  the local API (ROUTER)
    caller_t *callers;              //  who may use it
} startup_t;

//  Builds the parts from checked settings. NULL and *error (naming the
//  setting or the file at fault) on any problem.
startup_t *
    startup_new (conf_t *conf, char **error);

void
    startup_destroy (startup_t **self_p);

//  Loads the catalog file and its source again if the file changed (or
//  `forced`); only if both are sound do they replace the ones in service.
//  Returns true if they did (the new catalog is to be published); a broken
//  edit is logged and changes nothing, so it never takes the gateway down.
bool
    startup_reload_catalog (startup_t *self, bool forced);

//  Verifies the agreement files against the certificates held, and applies
//  the registry's statements again on top of them.
void
    startup_load_agreements (startup_t *self);

//  For the self-tests of the jobs that use the parts: the parts of a
//  gateway of SH-PD-MSA, made in a directory of its own, /tmp/sluice-NAME-
//  test-PID (an authority, the certificates, a catalog of one open item
//  "enterprise-public" with its source, the state); its broker, at
//  tcp://127.0.0.1:9, never answers. Teardown destroys it all.
typedef struct {
    char *dir;
    conf_t *conf;                   //  the settings, as paths in dir
    startup_t *parts;
} startup_test_t;

void
    startup_test_setup (startup_test_t *test, const char *name);
void
    startup_test_teardown (startup_test_t *test);

void
    startup_test (bool verbose);

#endif
