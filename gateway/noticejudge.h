/*  noticejudge.h -- a copy received, judged before the inbox holds it
    (PROTOCOL.md 17.8, the recipient).

    A NOTICE is judged by our own catalog as published (its notice kinds,
    with noticekind_check, the rule the sender applied to the copy it
    read), an ALERT by the published topic list and the topics this
    department subscribes to; either is refused first if its id is not
    the copy of its notice or alert id to this department. The verdict is
    what the inbox holds of the copy and what its receipt says: delivered,
    or refused with a code and a reason.

    The catalog as published is encoded once and kept until the catalog
    in service changes (a reload).
*/
#ifndef SLUICE_NOTICEJUDGE_H_INCLUDED
#define SLUICE_NOTICEJUDGE_H_INCLUDED

#include "startup.h"
#include "notices.h"
#include "notice.h"

typedef struct _noticejudge_t noticejudge_t;

//  A verdict on one copy: initialise it with noticejudge_verdict_init,
//  clear it with noticejudge_verdict_clear (safe twice). Its copy's strings point into
//  the payload judged, which must outlive it.
typedef struct {
    int state;                          //  NOTICEID_DELIVERED or _REFUSED
    int code;                           //  refused: a result code
    char reason [NOTICE_REASON_MAX + 1];
    notices_copy_t copy;                //  what the inbox holds of it
    msgpack_sbuffer fields;             //  a notice's fields, packed
    char *names;                        //  their names, comma-separated
} noticejudge_verdict_t;

//  The judge of the copies to the department made of `parts` (borrowed).
noticejudge_t *
    noticejudge_new (startup_t *parts);

void
    noticejudge_destroy (noticejudge_t **self_p);

void
    noticejudge_verdict_init (noticejudge_verdict_t *verdict);

void
    noticejudge_verdict_clear (noticejudge_verdict_t *verdict);

//  The verdict is refused, with `code` and `reason` (a copy that does not
//  decode, say).
void
    noticejudge_refuse (noticejudge_verdict_t *verdict, int code, const char *reason);

//  Judges a NOTICE whose header id is `copy`.
void
    noticejudge_notice (noticejudge_t *self, const uint8_t *copy, notice_msg_t *notice,
                        noticejudge_verdict_t *verdict);

//  Judges an ALERT whose header id is `copy`.
void
    noticejudge_alert (noticejudge_t *self, const uint8_t *copy, notice_alert_t *alert,
                       noticejudge_verdict_t *verdict);

void
    noticejudge_test (bool verbose);

#endif
