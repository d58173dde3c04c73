/*  quota.h -- the policy's counts and floors, and their store (quota.db in
    the gateway's state).

    How many requests each agreement granted on each UTC day: a count per
    agreement id lives in memory, for the day it last served; it is read
    from the store when the agreement meets a new day, and written back by
    quota_flush (the gateway's timer, every second) or when the agreement
    moves on to another day or is forgotten. At most the counts since the
    last flush can be lost in a crash. Old rows stay in the store: they are
    the usage history.

    Beside the counts the store keeps, for each agreement id, the highest
    version ever put in force here and the digest of its canonical text (its
    version floor), so that no agreement goes back, also after a restart.

    Which agreements are in force is the policy's (policy.h). Every function
    that can fail returns 0 or -1 (quota_admit a status) and says why in
    *error (a fresh string the caller frees; error may be NULL).
*/
#ifndef SLUICE_QUOTA_H_INCLUDED
#define SLUICE_QUOTA_H_INCLUDED

#include <stdint.h>
#include <stdbool.h>
#include "agreement.h"

typedef struct _quota_t quota_t;

//  Opens the store at `path`, creating it and its tables if missing (WAL,
//  synchronous NORMAL). NULL and *error if it cannot be opened or used.
quota_t *
    quota_new (const char *path, char **error);

//  Closes the store. Counts not flushed are dropped: flush first.
void
    quota_destroy (quota_t **self_p);

//  The requests `agreement_id` was granted on `day` (UTC days since the
//  epoch), into *used: 0 for a day never counted. If the agreement held the
//  count of another day, that is written first.
int
    quota_used (quota_t *self, const char *agreement_id, int64_t day,
                uint32_t *used, char **error)
    __attribute__ ((warn_unused_result));

//  Counts one granted request of `agreement_id`, on the day quota_used
//  last gave for it (it must have given one).
void
    quota_count (quota_t *self, const char *agreement_id);

//  Writes the counts changed since the last flush, in one transaction. On
//  failure they stay pending for the next flush.
int
    quota_flush (quota_t *self, char **error)
    __attribute__ ((warn_unused_result));

//  Forgets the count of `agreement_id` (revoked), writing it first if it
//  changed; it is forgotten even if that fails (-1).
int
    quota_forget (quota_t *self, const char *agreement_id, char **error);

//  Admits `agreement` at the floor of its id: STATUS_OK if its version is
//  above the floor (which is raised to it, durably) or at it with the same
//  canonical text; else STATUS_STALE (an older version, or the same with
//  other terms), or STATUS_INTERNAL if the store failed, with *error.
int
    quota_admit (quota_t *self, agreement_t *agreement, char **error)
    __attribute__ ((warn_unused_result));

void
    quota_test (bool verbose);

#endif
