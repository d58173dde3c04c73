/*  log.c -- the log lines of every sluice program.  */

#include "log.h"
#include <time.h>
#include <syslog.h>

void
log_stamp (int64_t time_ms, char *stamp)
{
    time_t seconds = (time_t) (time_ms / 1000);
    int millis = (int) (time_ms % 1000);
    if (millis < 0) {
        seconds--;
        millis += 1000;
    }
    struct tm local;
    if (!localtime_r (&seconds, &local)) {
        snprintf (stamp, LOG_STAMP_SIZE, "0000-00-00T00:00:00.000+00:00");
        return;
    }
    long offset = local.tm_gmtoff / 60;
    char sign = offset < 0? '-': '+';
    if (offset < 0)
        offset = -offset;
    char date [20];
    strftime (date, sizeof (date), "%Y-%m-%dT%H:%M:%S", &local);
    snprintf (stamp, LOG_STAMP_SIZE, "%.19s.%03d%c%02ld:%02ld", date, millis, sign,
              (offset / 60) % 100, offset % 60);
}

//  Appends `message` to `line` from `used`, its control characters
//  escaped, then the newline; returns the line's length. Stops short of
//  `cap` with room for the newline and the NUL.
static size_t
s_append (char *line, size_t used, size_t cap, const char *message)
{
    for (const char *scan = message; *scan && used + 6 < cap; scan++) {
        unsigned char c = (unsigned char) *scan;
        if (c < 0x20 || c == 0x7f)
            used += (size_t) snprintf (line + used, cap - used, "\\x%02x", c);
        else
            line [used++] = (char) c;
    }
    line [used++] = '\n';
    line [used] = 0;
    return used;
}

size_t
log_format (char *line, size_t cap, int64_t time_ms, const char *program,
            char level, const char *message)
{
    assert (line && cap >= LOG_STAMP_SIZE + 64);
    char stamp [LOG_STAMP_SIZE];
    log_stamp (time_ms, stamp);
    int written = snprintf (line, cap, "%s %.40s %c: ", stamp,
                            program? program: "sluice", level);
    return s_append (line, written > 0? (size_t) written: 0, cap, message);
}

//  The syslog priority of each level, as journald reads it from "<N>"
static const struct {
    char level;
    int priority;
} s_priorities [] = {
    { 'E', LOG_ERR }, { 'W', LOG_WARNING }, { 'N', LOG_NOTICE },
    { 'I', LOG_INFO }, { 'D', LOG_DEBUG }
};

size_t
log_format_journal (char *line, size_t cap, char level, const char *message)
{
    assert (line && cap >= LOG_STAMP_SIZE + 64);
    int priority = LOG_ERR;             //  an unknown level is not lost
    for (size_t index = 0; index < sizeof (s_priorities) / sizeof (s_priorities [0]); index++)
        if (s_priorities [index].level == level)
            priority = s_priorities [index].priority;
    int written = snprintf (line, cap, "<%d>", priority);
    return s_append (line, written > 0? (size_t) written: 0, cap, message);
}

//  systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connects
//  standard error to; a program started from such a service with its
//  standard error elsewhere finds another file there, and keeps its lines.
//  Read at each line, so nothing is kept between them.
bool
log_to_journal (void)
{
    const char *stream = getenv ("JOURNAL_STREAM");
    unsigned long long device, inode;
    char tail;
    if (!stream || sscanf (stream, "%llu:%llu%c", &device, &inode, &tail) != 2)
        return false;
    struct stat status;
    return fstat (STDERR_FILENO, &status) == 0
        && (unsigned long long) status.st_dev == device
        && (unsigned long long) status.st_ino == inode;
}

void
log_write (char level, const char *format, va_list args)
{
    char message [LOG_MESSAGE_MAX + 1];
    vsnprintf (message, sizeof (message), format, args);
    char line [LOG_STAMP_SIZE + 64 + 4 * LOG_MESSAGE_MAX];
    size_t size = log_to_journal ()
                ? log_format_journal (line, sizeof (line), level, message)
                : log_format (line, sizeof (line), zclock_time (),
                              program_invocation_short_name, level, message);
    size_t done = 0;
    while (done < size) {
        ssize_t rc = write (STDERR_FILENO, line + done, size - done);
        if (rc == -1 && errno == EINTR)
            continue;
        if (rc <= 0)
            break;              //  Nowhere to log to: nothing more to do
        done += (size_t) rc;
    }
}

//  The thin replacements of czmq's log functions (see log.h)
#define S_LOG_FUNCTION(name, letter) \
    void name (const char *format, ...) \
    { \
        va_list args; \
        va_start (args, format); \
        log_write (letter, format, args); \
        va_end (args); \
    }
S_LOG_FUNCTION (zsys_error, 'E')
S_LOG_FUNCTION (zsys_warning, 'W')
S_LOG_FUNCTION (zsys_notice, 'N')
S_LOG_FUNCTION (zsys_info, 'I')
S_LOG_FUNCTION (zsys_debug, 'D')


//  --------------------------------------------------------------------------
//  Self test

//  True if `stamp` has the shape of an ISO 8601 time with milliseconds and
//  a zone offset
static bool
s_stamp_shaped (const char *stamp)
{
    const char *shape = "dddd-dd-ddTdd:dd:dd.ddd+dd:dd";
    for (size_t index = 0; shape [index]; index++) {
        char c = stamp [index];
        bool good = shape [index] == 'd'? isdigit ((unsigned char) c):
                    shape [index] == '+'? c == '+' || c == '-': c == shape [index];
        if (!good)
            return false;
    }
    return stamp [strlen (shape)] == 0 || stamp [strlen (shape)] == ' ';
}

void
log_test (bool verbose)
{
    if (verbose)
        printf (" * log: ");
    //  The stamp is local time with the zone's offset: shifting it back by
    //  the offset gives the UTC time
    char stamp [LOG_STAMP_SIZE];
    int64_t time_ms = INT64_C (1795591859123);      //  2026-11-25T07:30:59.123Z
    log_stamp (time_ms, stamp);
    assert (strlen (stamp) == LOG_STAMP_SIZE - 1);
    assert (s_stamp_shaped (stamp));
    assert (strncmp (stamp + 19, ".123", 4) == 0);
    struct tm utc;
    memset (&utc, 0, sizeof (utc));
    assert (strptime (stamp, "%Y-%m-%dT%H:%M:%S", &utc));
    int offset = ((stamp [24] - '0') * 10 + (stamp [25] - '0')) * 3600
               + ((stamp [27] - '0') * 10 + (stamp [28] - '0')) * 60;
    if (stamp [23] == '-')
        offset = -offset;
    assert ((int64_t) timegm (&utc) - offset == time_ms / 1000);
    log_stamp (-1, stamp);              //  before the epoch still reads right
    assert (s_stamp_shaped (stamp) && strncmp (stamp + 19, ".999", 4) == 0);

    //  A line: stamp, program, level, the message with controls escaped
    char line [LOG_STAMP_SIZE + 200];
    size_t size = log_format (line, sizeof (line), time_ms, "sluice-broker", 'W',
                              "broker: a\nb\x1b[2J");
    assert (size == strlen (line));
    assert (s_stamp_shaped (line));
    assert (streq (line + LOG_STAMP_SIZE - 1,
                   " sluice-broker W: broker: a\\x0ab\\x1b[2J\n"));
    //  Cut to fit, still one line
    char small [LOG_STAMP_SIZE + 64];
    char long_message [300];
    memset (long_message, 'x', sizeof (long_message) - 1);
    long_message [sizeof (long_message) - 1] = 0;
    size = log_format (small, sizeof (small), time_ms, "p", 'I', long_message);
    assert (size < sizeof (small) && small [size - 1] == '\n');
    assert (strchr (small, '\n') == small + size - 1);

    //  zsys_info is this logger's: its line reaches standard error
    char path [64];
    snprintf (path, sizeof (path), "/tmp/sluice-log-%d", getpid ());
    fflush (stderr);
    int saved = dup (STDERR_FILENO);
    int file = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert (saved >= 0 && file >= 0);
    dup2 (file, STDERR_FILENO);
    close (file);
    zsys_info ("log: test line %d", 42);
    zsys_error ("log: an error");
    //  Under systemd, with standard error the journal's stream: the
    //  priority prefix and the message; a stream named elsewhere, or a
    //  malformed one, leaves the line as it was
    char *before = getenv ("JOURNAL_STREAM")? strdup (getenv ("JOURNAL_STREAM")): NULL;
    struct stat status;
    assert (fstat (STDERR_FILENO, &status) == 0);
    char stream [64];
    snprintf (stream, sizeof (stream), "%llu:%llu",
              (unsigned long long) status.st_dev, (unsigned long long) status.st_ino);
    setenv ("JOURNAL_STREAM", stream, 1);
    assert (log_to_journal ());
    zsys_warning ("log: to the journal\x1b");
    zsys_debug ("log: debug");
    snprintf (stream, sizeof (stream), "%llu:%llu", (unsigned long long) status.st_dev,
              (unsigned long long) status.st_ino + 1);
    setenv ("JOURNAL_STREAM", stream, 1);
    assert (!log_to_journal ());
    setenv ("JOURNAL_STREAM", "12:x", 1);
    assert (!log_to_journal ());
    if (before)
        setenv ("JOURNAL_STREAM", before, 1);
    else
        unsetenv ("JOURNAL_STREAM");
    free (before);
    zsys_notice ("log: back");
    dup2 (saved, STDERR_FILENO);
    close (saved);
    char text [512] = "";
    FILE *handle = fopen (path, "r");
    assert (handle);
    size_t got = fread (text, 1, sizeof (text) - 1, handle);
    text [got] = 0;
    fclose (handle);
    remove (path);
    assert (s_stamp_shaped (text));
    char *second = strchr (text, '\n');
    assert (second && s_stamp_shaped (second + 1));
    char expected [64];
    snprintf (expected, sizeof (expected), " %s I: log: test line 42\n",
              program_invocation_short_name);
    assert (strncmp (text + LOG_STAMP_SIZE - 1, expected, strlen (expected)) == 0);
    assert (strstr (second, " E: log: an error\n<4>log: to the journal\\x1b\n"
                            "<7>log: debug\n"));
    char *last = strstr (second, "<7>log: debug\n") + strlen ("<7>log: debug\n");
    assert (s_stamp_shaped (last) && strstr (last, " N: log: back\n"));

    //  Each level's priority; an unknown one is an error, not lost
    size = log_format_journal (line, sizeof (line), 'I', "a\tb");
    assert (size == strlen (line) && streq (line, "<6>a\\x09b\n"));
    log_format_journal (line, sizeof (line), 'E', "x");
    assert (streq (line, "<3>x\n"));
    log_format_journal (line, sizeof (line), '?', "x");
    assert (streq (line, "<3>x\n"));
    if (verbose)
        printf ("OK\n");
}
