/*  links.h -- the gateway's links to the brokers of its federation, one
    per broker (link.h), and the ways to send through them.

    An answer goes back through the link its query came by if that link can
    take it, else through any other registered link, in turn (round robin),
    so that a lost broker costs nothing. Each link has an index, 0 ..
    LINKS_MAX - 1, in the order the brokers are configured, and a bit of that
    index in the `tried` masks of the queries sent through it.
*/
#ifndef SLUICE_LINKS_H_INCLUDED
#define SLUICE_LINKS_H_INCLUDED

#include <czmq.h>
#include "cert.h"
#include "envelope.h"
#include "link.h"

#define LINKS_MAX   8           //  brokers a gateway connects to at most

typedef struct _links_t links_t;

links_t *
    links_new (void);

//  Closes every link.
void
    links_destroy (links_t **self_p);

//  Takes the certificate of the next broker (checked by the caller). Returns
//  0, or -1 if LINKS_MAX brokers are held already (nothing is taken).
int
    links_add_broker (links_t *self, cert_t **broker_p);

//  Brokers held.
size_t
    links_size (links_t *self);

//  Connects a link to each broker as `own` (borrowed: must outlive the
//  links), to `endpoints` (one per broker, in the same order: the caller
//  checks the count). 0, or -1 and *error.
int
    links_connect (links_t *self, cert_t *own, zlist_t *endpoints,
                   int64_t heartbeat_ms, int level, char **error);

//  The link of `index` (below links_size), or of `socket` (NULL if none).
link_t *
    links_at (links_t *self, size_t index);
link_t *
    links_of (links_t *self, zsock_t *socket);

//  The index of `link`; 0 for a link that is not one of these.
int
    links_index (links_t *self, link_t *link);

//  True if any broker has welcomed us.
bool
    links_registered (links_t *self);

//  True if some broker's directory is held whole (dirsync_held): then a
//  department whose certificate is not held here is none of the
//  federation's, not one whose certificate has not come yet.
bool
    links_directory_held (links_t *self);

//  Sends a sealed envelope through `via` if it can (via may be NULL), else
//  through another registered link, skipping those in the `tried` mask.
//  Returns the index of the link used, or -1 if none took it.
int
    links_send_through (links_t *self, envelope_t *envelope, link_t *via,
                        uint32_t tried)
    __attribute__ ((warn_unused_result));

//  Sends a sealed envelope through `via` or, failing that, any registered
//  link. Returns 0, or -1 if no link took it.
int
    links_send (links_t *self, envelope_t *envelope, link_t *via)
    __attribute__ ((warn_unused_result));

//  Signs `payload` into `envelope` (unsealed: for the brokers) and sends it
//  through every registered link. Returns how many took it.
size_t
    links_send_every (links_t *self, envelope_t *envelope, const uint8_t *payload,
                      size_t size);

//  Each broker and where its link stands: "BROKER: registered; BROKER-2:
//  authentication refused ...". Fresh string.
char *
    links_state (links_t *self);

//  The heartbeat tick and the retry between ticks, of every link (link.h).
void
    links_tick (links_t *self);
void
    links_retry (links_t *self);

void
    links_test (bool verbose);

#endif
