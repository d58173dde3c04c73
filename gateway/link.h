/*  link.h -- a gateway's connection to one broker.

    A CurveZMQ DEALER to the broker's endpoint, pinned to the broker's
    certified transport key, with the registration state: a HELLO until the
    broker WELCOMEs us, then HEARTBEATs; silence for three intervals means the
    broker is gone and we register again. A gateway holds one link per broker
    of the federation, so that losing a broker loses nothing.

    A socket monitor watches the connection. A handshake the broker refuses
    (its ZAP handler does not admit our key, e.g. our certificate has not
    reached it yet) ends libzmq's own reconnecting for good, so the link
    connects again by itself, after 100 ms, doubling to LINK_BACKOFF_MAX_MS,
    until a handshake succeeds. Why the link is not registered is kept in
    words (link_state), logged once each time it changes, and shown by
    `sluice status`.
*/
#ifndef SLUICE_LINK_H_INCLUDED
#define SLUICE_LINK_H_INCLUDED

#include <czmq.h>
#include "cert.h"
#include "envelope.h"
#include "dirsync.h"

typedef struct _link_t link_t;

#define LINK_BACKOFF_MIN_MS     100     //  first wait after a refused handshake
#define LINK_BACKOFF_MAX_MS     3200    //  the longest wait between two tries
#define LINK_STATE_MAX          320     //  link_state text, bytes

//  Connects to `endpoint` as `own` (borrowed: must outlive the link), trusting
//  `broker` (borrowed) as the broker there. Returns NULL and sets *error.
//  `level` is the log level (conf_level: 0 error .. 3 debug).
link_t *
    link_new (cert_t *own, cert_t *broker, const char *endpoint,
              int64_t heartbeat_ms, int level, char **error);
void
    link_destroy (link_t **self_p);

zsock_t    *link_socket (link_t *self);
zsock_t    *link_monitor (link_t *self);        //  the monitor's events, to poll
cert_t     *link_broker (link_t *self);         //  the broker's certificate
const char *link_broker_id (link_t *self);      //  its department id
const char *link_endpoint (link_t *self);
bool        link_registered (link_t *self);

//  Where the link stands, in words: "registered", or why it is not (e.g.
//  "authentication refused by the broker (ZAP 400) at the handshake;
//  likely, in order: ..."): after a failed handshake, what is known and the
//  likely causes in order (link.c, s_handshake_failed). Borrowed.
const char *link_state (link_t *self);

//  What we hold of this broker's directory (owned by the link); every
//  HELLO says it (PROTOCOL.md 6.1).
dirsync_t  *link_directory (link_t *self);

//  Signs (and seals, if box_key) the payload into envelope and sends it.
//  Returns 0, or -1 if the payload cannot be sealed or the link cannot take
//  it now (never blocks).
int
    link_send (link_t *self, envelope_t *envelope, const uint8_t *payload,
               size_t size, const uint8_t *box_key)
    __attribute__ ((warn_unused_result));

//  Sends an envelope already sealed with envelope_seal. 0 or -1.
int
    link_send_sealed (link_t *self, envelope_t *envelope)
    __attribute__ ((warn_unused_result));

//  Reads one event of the socket monitor (when link_monitor is readable):
//  notes a refused or failed handshake, a lost connection or a successful
//  handshake, and schedules connecting again when libzmq will not.
void
    link_monitor_event (link_t *self);

//  A verified message from the broker arrived; WELCOME registers us.
void
    link_heard (link_t *self, int type);

//  The broker says we are not registered (e.g. it restarted): HELLO again.
void
    link_unregister (link_t *self);

//  Heartbeat tick: notices a silent broker, sends HELLO or HEARTBEAT.
void
    link_tick (link_t *self);

//  Between heartbeats: while not registered, HELLO again (at most every
//  200 ms), so that a connection that has just come up registers at once
//  rather than a heartbeat later. A HELLO sent with no connection is not
//  queued, so trying is cheap. Connects again when a refused handshake's
//  backoff has passed.
void
    link_retry (link_t *self);

void
    link_test (bool verbose);

#endif
