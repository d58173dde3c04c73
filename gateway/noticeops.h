/*  noticeops.h -- the local API's operations on notices and alerts
    (PROTOCOL.md 10 and 17.8), for the department's own system.

    notice-send, alert-raise
                    judged on the recipients' published catalogs, then one
                    copy each stored and sent (noticesend.h)
    notice-take     the new notices, each marked received (its receipt goes)
    alert-take      the same for alerts
    notice-feedback an officer's feedback: handled, with a result
    notice-wait     held until a new notice or alert is in the inbox, or the
                    time passes (a long poll; never a busy loop)
    notice-list, notice-show, notice-stats, alert-list, alert-stats
                    what the store holds, and the receipt rates
    alert-subscribe kept in the store, announced in the published catalog

    Every refusal names its rule and code (UNKNOWN_KIND, INVALID_KEY, ...).
*/
#ifndef SLUICE_NOTICEOPS_H_INCLUDED
#define SLUICE_NOTICEOPS_H_INCLUDED

#include <czmq.h>
#include "localapi.h"
#include "startup.h"
#include "noticing.h"
#include "catalogs.h"
#include "regclient.h"

typedef struct _noticeops_t noticeops_t;

//  The operations of the gateway made of `parts`, over `noticing`, judging
//  by the catalogs in `catalogs`, fetched through `registry` (all borrowed).
noticeops_t *
    noticeops_new (startup_t *parts, noticing_t *noticing, catalogs_t *catalogs,
                   regclient_t *registry);

void
    noticeops_destroy (noticeops_t **self_p);

//  An operation of the local API (request->op names it), for the caller
//  waiting at reply_to (borrowed).
typedef void (noticeops_fn) (noticeops_t *self, zmsg_t *reply_to,
                             localapi_request_t *request);

noticeops_fn noticeops_send, noticeops_raise, noticeops_list, noticeops_show,
             noticeops_take, noticeops_feedback, noticeops_wait, noticeops_stats,
             noticeops_subscribe;

//  The catalog directory came (or will not): the sends and alerts waiting
//  for it are judged.
void
    noticeops_catalogs (noticeops_t *self, bool listed);

//  Waits and judgements whose time has come end.
void
    noticeops_expire (noticeops_t *self);

void
    noticeops_test (bool verbose);

#endif
