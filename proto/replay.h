/*  replay.h -- refuses replayed messages: a time window plus remembered ids.

    A message is fresh if its header time is within `window_ms` of local time
    and its 16-byte id has not been seen while it could still be fresh. Ids
    are remembered until their message would be stale anyway, so memory is
    bounded by what arrives within about two windows, and by `capacity`:
    when the cache is full of unexpired ids, new messages are refused with
    STATUS_BUSY rather than an id being forgotten early (forgetting would
    let a replay through).

    So that one sender cannot use up what every other needs, ids checked
    with replay_check_from count against their sender: a sender may hold
    fewer than half of the slots still free, counting its own as taken.
    Alone, a sender can fill at most a third of the cache; a flood gets its
    sender BUSY while everyone else still has room. A sender that holds
    nothing is refused only when the cache is full.
*/
#ifndef SLUICE_REPLAY_H_INCLUDED
#define SLUICE_REPLAY_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPLAY_ID_SIZE  16          //  message id size in bytes
#define REPLAY_SENDER_MAX 32        //  sender id size in bytes

typedef struct _replay_t replay_t;

//  Creates a replay cache. `window_ms` must be > 0 and `capacity` > 0;
//  returns NULL otherwise or when out of memory.
replay_t *
    replay_new (int64_t window_ms, size_t capacity);

void
    replay_destroy (replay_t **self_p);

//  Checks a message (its REPLAY_ID_SIZE-byte id and its header time in ms)
//  at local time now_ms, in this order:
//    STATUS_STALE  if |now_ms - msg_time_ms| > window (edges are fresh);
//    STATUS_REPLAY if the id is remembered;
//    STATUS_BUSY   if the cache holds `capacity` unexpired ids;
//    STATUS_OK     otherwise, and the id is remembered.
//  Ids whose message time + window is before now_ms are forgotten as time
//  advances (amortized O(1), no allocation once the cache is warm apart
//  from the hash table's own nodes). Any msg_time_ms is safe, including
//  hostile extremes.
int
    replay_check (replay_t *self, const uint8_t *msgid,
                  int64_t msg_time_ms, int64_t now_ms);

//  As replay_check, the id counted against `sender` (a department id, at
//  most REPLAY_SENDER_MAX bytes; copied): STATUS_BUSY also when the
//  sender already holds half of the slots still free, or more (the
//  order of the checks is the same, a replay is still REPLAY).
int
    replay_check_from (replay_t *self, const char *sender, const uint8_t *msgid,
                       int64_t msg_time_ms, int64_t now_ms);

//  Ids `sender` holds now (0 if none).
size_t
    replay_sender_size (replay_t *self, const char *sender);

//  Number of ids remembered now.
size_t
    replay_size (replay_t *self);

void
    replay_test (bool verbose);

#endif
