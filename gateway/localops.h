/*  localops.h -- the operations of the local API (README "Local API"), and
    the replies to local callers.

    One table names each operation and the function that serves it:
    "query" asks another department (asking.h follows it to its end);
    "notice-..." and "alert-..." are notices and alerts (noticeops.h);
    "status" says where the gateway stands; "catalogs", "register",
    "revoke", "order", "answer" and "crl" go to the brokers' registry
    (regclient.h); "agreements" and "orders" are answered from the ledger.

    A reply is a localapi_reply_t filled by name, encoded in one place
    (localops_reply_msg).
*/
#ifndef SLUICE_LOCALOPS_H_INCLUDED
#define SLUICE_LOCALOPS_H_INCLUDED

#include <czmq.h>
#include "localapi.h"
#include "startup.h"
#include "asking.h"
#include "regclient.h"
#include "noticeops.h"

//  Copies `text` (NULL: "") into one of a reply's strings, as far as it
//  fits: LOCALOPS_COPY (reply.from, department)
#define LOCALOPS_COPY(to, text) localops_copy ((to), sizeof (to), (text))
void
    localops_copy (char *to, size_t size, const char *text);

//  The gateway's figures of serving, which "status" shows
typedef struct {
    uint64_t served;
    uint64_t refused;
} localops_figures_t;

typedef struct _localops_t localops_t;

//  The local operations of the gateway made of `parts`, asking with
//  `asking`, talking to the registry with `registry`, notices and alerts
//  through `notices` (NULL: none); `figures` are the gateway's (all
//  borrowed).
localops_t *
    localops_new (startup_t *parts, asking_t *asking, regclient_t *registry,
                  noticeops_t *notices, const localops_figures_t *figures);

void
    localops_destroy (localops_t **self_p);

//  True if `name` is one of the operations.
bool
    localops_known (const char *name);

//  Serves a request of the local caller request->caller (who asks is the
//  connection's to say: the gateway sets it), waiting at reply_to
//  (borrowed). The reply goes now, or when the query ends.
void
    localops_handle (localops_t *self, zmsg_t *reply_to, localapi_request_t *request);

//  The reply addressed to reply_to, ready to send (a reason left "" is the
//  status's text); NULL if reply_to is NULL (the gateway's own request:
//  nobody waits).
zmsg_t *
    localops_reply_msg (zmsg_t *reply_to, const localapi_reply_t *reply);

//  Sends a reply (if any) on the local API socket, destroying it; a caller
//  gone meanwhile is logged.
void
    localops_send (zsock_t *local, zmsg_t **msg_p);

//  Sends a reply to reply_to now (nothing if reply_to is NULL).
void
    localops_reply (zsock_t *local, zmsg_t *reply_to, const localapi_reply_t *reply);

void
    localops_test (bool verbose);

#endif
