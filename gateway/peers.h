/*  peers.h -- the other departments, as this gateway knows them: their
    certificates, which the brokers' directories bring (each verified here
    against the authority: a broker only carries them and cannot make us
    trust anything), the federation's revocation list, and the box key
    sealed to each.

    The box key of a peer is crypto_box_beforenm of its encryption key and
    ours, computed once per certificate (again when its serial changes), so
    that sealing and opening cost no scalar multiplication.
*/
#ifndef SLUICE_PEERS_H_INCLUDED
#define SLUICE_PEERS_H_INCLUDED

#include <czmq.h>
#include "cert.h"
#include "truststore.h"
#include "link.h"
#include "registrar.h"

typedef struct _peers_t peers_t;

//  `own` is this department's certificate with its secrets, `trust` the
//  store of the federation's certificates, `registrar` keeps the revocation
//  list accepted: all borrowed. `level` is the log level (conf_level).
peers_t *
    peers_new (cert_t *own, truststore_t *trust, registrar_t *registrar, int level);

void
    peers_destroy (peers_t **self_p);

//  The box key for `department` at `now` (seconds since the epoch), and its
//  certificate in *cert_p (borrowed; cert_p may be NULL). NULL if the
//  department has no valid certificate of a department (*status says;
//  CERT_ROLE for a broker's): this lookup is the only way to a peer's keys,
//  so nothing is opened from, sealed to or served to any certificate but a
//  department's (truststore_check holds the role rule).
const uint8_t *
    peers_key (peers_t *self, const char *department, int64_t now, cert_t **cert_p,
               int *status);

//  Takes a page of the directory of the broker of `link`: a WELCOME (page
//  0) or a DIRECTORY page (PROTOCOL.md 6.2, 9.2). Its certificates are
//  verified and kept at once; once the transfer is complete its revocation
//  list is applied, and kept if accepted, so that no broker can take it
//  back after a restart. Returns what the page meant (dirsync.h): after
//  DIRSYNC_DONE or DIRSYNC_BEHIND everything the transfer carried is held;
//  after DIRSYNC_BEHIND or DIRSYNC_BROKEN the caller asks for the
//  directory again.
dirsync_result_t
    peers_take_page (peers_t *self, link_t *link, envelope_t *envelope, bool welcome);

void
    peers_test (bool verbose);

#endif
