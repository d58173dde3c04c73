/*  ratelog.h -- log lines of one kind, at most so many per interval.

    A flood of bad input must not fill the disk with log lines, yet every
    refusal is accounted for: a line that is not written is counted, and
    the next line written says how many were left out before it. Time is
    given by the caller (monotonic ms), so the class has no clock of its
    own and its self-test is exact.
*/
#ifndef SLUICE_RATELOG_H_INCLUDED
#define SLUICE_RATELOG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _ratelog_t ratelog_t;

//  Allows `burst` lines in any `interval_ms`; NULL if either is 0.
ratelog_t *
    ratelog_new (size_t burst, int64_t interval_ms);

void
    ratelog_destroy (ratelog_t **self_p);

//  True if a line may be written at `now_ms`; then *skipped (may be NULL)
//  is how many were not written since the last one written (and the count
//  starts again). False if the line is to be left out: it is counted.
bool
    ratelog_allow (ratelog_t *self, int64_t now_ms, uint64_t *skipped);

//  The end of a line written after `skipped` were left out: " (N more
//  not logged before this one)", or "" when none were; in `buffer`.
const char *
    ratelog_note (uint64_t skipped, char *buffer, size_t size);

//  Writes one line of `format` at `now_ms` as a warning (or, `error`, an
//  error), with the note of those left out before it, if ratelog_allow
//  lets it; else counts it.
void
    ratelog_say (ratelog_t *self, int64_t now_ms, bool error, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

void
    ratelog_test (bool verbose);

#endif
