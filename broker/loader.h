/*  loader.h -- the broker's trust, read off its loop: the certificates
    directory and the revocation list, watched and read in a thread of
    their own.

    With ten thousand certificates a full read takes seconds (each file
    opened, parsed and verified); spent in the routing loop, that silence
    makes gateways give up on the broker, the broker count its own stall
    as theirs, and the router's monitor go unread (connections.h). So an
    actor does it: it looks at the files every second and, when one
    changed, reads a whole new trust store while the broker serves with
    the one in service, then hands the new one over.

    A look costs no descriptor (the directory is held open and listed again,
    each file looked at by name), and a reload one at a time for each file
    that changed since it was last read (its inode, size or times): the
    certificates of the others are taken from what was read before, and
    verified again by the new store. A reload that cannot open a file for
    want of descriptors (a flood of connections) keeps nothing half read
    and is tried again a second later; what it had read by then is not read
    again.
*/
#ifndef SLUICE_LOADER_H_INCLUDED
#define SLUICE_LOADER_H_INCLUDED

#include <czmq.h>
#include "truststore.h"

typedef struct _loader_t loader_t;

//  How a read went.
typedef enum {
    LOADER_LOADED = 0,          //  the trust is read in full
    LOADER_REFUSED,             //  a file is wrong: read again when the files change
    LOADER_RETRY                //  short of descriptors or memory: read again in a second
} loader_result_t;

//  Starts watching the certificates directory `certs` and the revocation
//  list `crl` (NULL or "": none; a list that does not exist yet is none
//  until it does), trusting the authority key `authority` (32 bytes,
//  copied), after a first read in full. Returns NULL and *error if that
//  read fails (either result); else the loader, and *trust_p the trust
//  read (the caller owns it). Files refused are logged ("broker:
//  certificate PATH: why"), at each read.
loader_t *
    loader_new (const uint8_t *authority, const char *certs, const char *crl,
                truststore_t **trust_p, char **error);

void
    loader_destroy (loader_t **self_p);

//  The socket to wait on (in a zloop or zpoller): readable when a read has
//  ended, to be taken with loader_recv.
zsock_t *
    loader_socket (loader_t *self);

//  Asks for a read of every file now, whether or not it looks changed
//  (SIGHUP). Its end is a result like any other, with *forced set.
void
    loader_reload (loader_t *self);

//  Takes the result of a read that ended (blocks until one has): LOADED
//  and *trust_p the trust read (the caller owns it), or REFUSED or RETRY
//  and *error (fresh, the caller frees) saying why. *forced is true if the
//  read was asked for by loader_reload.
loader_result_t
    loader_recv (loader_t *self, truststore_t **trust_p, bool *forced, char **error);

void
    loader_test (bool verbose);

#endif
