/*  ratelog.c -- log lines of one kind, at most so many per interval.

    A fixed window: the first `burst` lines of each interval are written,
    the rest counted. Simple, and enough to bound a flood to `burst` lines
    per interval whatever its rate.
*/

#include "ratelog.h"
#include <czmq.h>

struct _ratelog_t {
    size_t burst;
    int64_t interval_ms;
    int64_t window_start;       //  ms; the current window's first line
    size_t written;             //  lines written in the current window
    uint64_t skipped;           //  lines left out since the last written
    bool started;
};

ratelog_t *
ratelog_new (size_t burst, int64_t interval_ms)
{
    if (burst == 0 || interval_ms <= 0)
        return NULL;
    ratelog_t *self = (ratelog_t *) zmalloc (sizeof (ratelog_t));
    if (self) {
        self->burst = burst;
        self->interval_ms = interval_ms;
    }
    return self;
}

void
ratelog_destroy (ratelog_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

bool
ratelog_allow (ratelog_t *self, int64_t now_ms, uint64_t *skipped)
{
    assert (self);
    if (!self->started || now_ms - self->window_start >= self->interval_ms
    ||  now_ms < self->window_start) {
        self->started = true;
        self->window_start = now_ms;
        self->written = 0;
    }
    if (self->written == self->burst) {
        self->skipped++;
        return false;
    }
    self->written++;
    if (skipped)
        *skipped = self->skipped;
    self->skipped = 0;
    return true;
}

const char *
ratelog_note (uint64_t skipped, char *buffer, size_t size)
{
    assert (buffer && size);
    *buffer = 0;
    if (skipped)
        snprintf (buffer, size, " (%" PRIu64 " more not logged before this one)", skipped);
    return buffer;
}

void
ratelog_say (ratelog_t *self, int64_t now_ms, bool error, const char *format, ...)
{
    assert (self && format);
    uint64_t skipped = 0;
    if (!ratelog_allow (self, now_ms, &skipped))
        return;
    va_list arguments;
    va_start (arguments, format);
    char *text = zsys_vprintf (format, arguments);
    va_end (arguments);
    char note [64];
    if (error)
        zsys_error ("%s%s", text, ratelog_note (skipped, note, sizeof (note)));
    else
        zsys_warning ("%s%s", text, ratelog_note (skipped, note, sizeof (note)));
    zstr_free (&text);
}

void
ratelog_test (bool verbose)
{
    if (verbose)
        printf (" * ratelog: ");
    assert (ratelog_new (0, 1000) == NULL);
    assert (ratelog_new (5, 0) == NULL);
    //  A line said: written (to the log) or counted, as ratelog_allow says
    ratelog_t *said = ratelog_new (1, 1000);
    uint64_t left_out = 99;
    ratelog_say (said, 0, false, "ratelog: the self-test's line %d", 1);
    ratelog_say (said, 1, true, "ratelog: not written, counted");
    assert (ratelog_allow (said, 1000, &left_out) && left_out == 1);
    ratelog_destroy (&said);
    ratelog_t *log = ratelog_new (3, 1000);
    assert (log);
    uint64_t skipped = 99;
    //  Three lines in the first second, the rest counted
    assert (ratelog_allow (log, 5000, &skipped) && skipped == 0);
    assert (ratelog_allow (log, 5001, &skipped) && skipped == 0);
    assert (ratelog_allow (log, 5002, NULL));
    for (int index = 0; index < 1000; index++)
        assert (!ratelog_allow (log, 5003 + index / 10, &skipped));
    //  The next window's first line says how many were left out
    assert (ratelog_allow (log, 6000, &skipped) && skipped == 1000);
    assert (ratelog_allow (log, 6001, &skipped) && skipped == 0);
    //  A flood of a million lines over ten seconds writes at most 30
    size_t written = 0;
    uint64_t accounted = 0;
    for (int64_t index = 0; index < 1000000; index++)
        if (ratelog_allow (log, 7000 + index / 100000 * 1000, &skipped)) {
            written++;
            accounted += skipped;
        }
    assert (written == 30);
    //  and every line is written or accounted for by a later line
    assert (ratelog_allow (log, 20000, &skipped));
    assert (written + accounted + skipped == 1000000);
    //  A clock that goes back starts a new window instead of blocking
    assert (ratelog_allow (log, 10, &skipped) && skipped == 0);
    char note [64];
    assert (streq (ratelog_note (0, note, sizeof (note)), ""));
    assert (streq (ratelog_note (7, note, sizeof (note)), " (7 more not logged before this one)"));
    ratelog_destroy (&log);
    ratelog_destroy (&log);
    if (verbose)
        printf ("OK\n");
}
