/*  noticesend.h -- the local API's notice-send and alert-raise (PROTOCOL.md
    17.8, the sender), for noticeops.h.

    notice-send     checks the notice against each recipient's published
                    catalog (fetching the catalog directory first if a
                    recipient's copy is not held or does not fit), then
                    stores one copy per recipient and replies with the
                    notice id once the copies and their records are
                    durable; the copies go then, and again until receipted
    alert-raise     one copy to every department whose published catalog
                    subscribes to the topic (in a directory fetched for it)

    A recipient not known before a broker's whole directory is held, or a
    catalog directory that did not come whole, is NOT_REGISTERED (try
    again), never a refusal that reads as final.
*/
#ifndef SLUICE_NOTICESEND_H_INCLUDED
#define SLUICE_NOTICESEND_H_INCLUDED

#include <czmq.h>
#include "localapi.h"
#include "startup.h"
#include "noticing.h"
#include "catalogs.h"
#include "regclient.h"

typedef struct _noticesend_t noticesend_t;

//  The sends of the gateway made of `parts`, over `noticing`, judging by
//  the catalogs in `catalogs`, fetched through `registry` (all borrowed).
noticesend_t *
    noticesend_new (startup_t *parts, noticing_t *noticing, catalogs_t *catalogs,
                    regclient_t *registry);

void
    noticesend_destroy (noticesend_t **self_p);

//  notice-send and alert-raise, for the caller waiting at reply_to
//  (borrowed): replied to now, or once the catalog directory came.
void
    noticesend_notice (noticesend_t *self, zmsg_t *reply_to, localapi_request_t *request);
void
    noticesend_alert (noticesend_t *self, zmsg_t *reply_to, localapi_request_t *request);

//  The catalog directory came (`listed`: whole), or will not: the sends
//  and alerts waiting for it are judged.
void
    noticesend_catalogs (noticesend_t *self, bool listed);

//  Those waiting for it whose time has come are judged on what is held.
void
    noticesend_expire (noticesend_t *self);

void
    noticesend_test (bool verbose);

#endif
