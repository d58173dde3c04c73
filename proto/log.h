/*  log.h -- the log lines of every sluice program.

    One line per event, on standard error, in one format whether or not
    standard error is a terminal:

        2026-12-01T09:10:59.123+08:00 sluice-gateway I: gateway: SH-PD-MSA serving ...

    the time (ISO 8601 with milliseconds and the local zone's offset from
    UTC), the program, the level (E error, W warning, N notice, I info, D
    debug) and the message. Control characters in the message (a newline
    from a peer's text, a terminal escape) are written as \xNN, so a line is
    always exactly one event.

    Under systemd, when standard error is the journal (JOURNAL_STREAM names
    its device and inode, systemd.exec(5)), a line is the message alone
    after a "<N>" prefix, the syslog priority of its level (E 3, W 4, N 5,
    I 6, D 7), which journald reads as the entry's priority: the journal
    records the time, the program and its pid itself, so `journalctl -p
    warning -u sluice-broker` shows warnings and errors only.

    czmq's own log lines carry neither the zone nor milliseconds. So that
    every existing call site keeps working and writes this format (in the
    daemons and in the libraries they use), log.c defines zsys_error,
    zsys_warning, zsys_notice, zsys_info and zsys_debug: linked into a
    program from libsluice, these take the place of czmq's (a program's own
    definition of a function wins over a shared library's). Which lines are
    written is decided at the call sites (SLUICE_INFO and SLUICE_DEBUG in
    conf.h, with the configured level), as before.
*/
#ifndef SLUICE_LOG_H_INCLUDED
#define SLUICE_LOG_H_INCLUDED

#include <czmq.h>
#include <stdarg.h>

//  "2026-12-01T09:10:59.123+08:00" and its NUL
#define LOG_STAMP_SIZE 30
//  A longer message is cut
#define LOG_MESSAGE_MAX 4000

//  Writes the time `time_ms` (ms since the epoch) as ISO 8601 in the local
//  zone, with its offset, into `stamp` (LOG_STAMP_SIZE bytes).
void
    log_stamp (int64_t time_ms, char *stamp);

//  Formats one log line, with its newline, into `line` (`cap` bytes, at
//  least LOG_STAMP_SIZE + 64); returns its length. Control characters of
//  `message` are escaped; a message too long for `cap` is cut.
size_t
    log_format (char *line, size_t cap, int64_t time_ms, const char *program,
                char level, const char *message);

//  Formats one line for the journal, "<N>" and the message with its
//  newline, into `line` (as log_format); returns its length.
size_t
    log_format_journal (char *line, size_t cap, char level, const char *message);

//  True if standard error is the journal's stream (JOURNAL_STREAM)
bool
    log_to_journal (void);

//  Writes one line at `level` ('E', 'W', 'N', 'I', 'D') to standard error,
//  in one write so that lines from several threads never mix; in the
//  journal's format when standard error is the journal.
void
    log_write (char level, const char *format, va_list args);

void
    log_test (bool verbose);

#endif
