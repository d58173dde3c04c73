/*  agreements.h -- the agreements in force at this provider: held by id
    (owned) and indexed by consumer and item, so that a decision finds the
    few agreements of its pair with one lookup and a short walk, without
    allocating. What may be held, and what a request is granted under them,
    is the policy's (policy.h).
*/
#ifndef SLUICE_AGREEMENTS_H_INCLUDED
#define SLUICE_AGREEMENTS_H_INCLUDED

#include "agreement.h"

typedef struct _agreements_t agreements_t;

//  An empty set. NULL if memory is short.
agreements_t *
    agreements_new (void);

//  Destroys the set and every agreement it holds.
void
    agreements_destroy (agreements_t **self_p);

//  Holds `agreement` (taking it), in place of the one of its id, which is
//  destroyed. Returns true if there was one.
bool
    agreements_put (agreements_t *self, agreement_t *agreement);

//  Drops (and destroys) the agreement of this id. 0, or -1 if none is held.
//  The id may be the agreement's own.
int
    agreements_remove (agreements_t *self, const char *agreement_id);

//  The agreement of this id (borrowed, until removed or replaced), or NULL.
agreement_t *
    agreements_get (agreements_t *self, const char *agreement_id);

//  The agreements of a consumer for an item, in id order (borrowed): the
//  first, or NULL if there is none; then the next, until NULL. Putting or
//  removing one ends the walk.
agreement_t *
    agreements_first_of (agreements_t *self, const char *consumer, const char *item);
agreement_t *
    agreements_next_of (agreements_t *self);

//  Every agreement held, in no particular order (borrowed): first, then
//  next until NULL. Putting or removing one ends the walk.
agreement_t *
    agreements_first (agreements_t *self);
agreement_t *
    agreements_next (agreements_t *self);

//  The number of agreements held.
size_t
    agreements_size (agreements_t *self);

void
    agreements_test (bool verbose);

#endif
