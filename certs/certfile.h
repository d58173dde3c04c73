/*  certfile.h -- the text files of the federation's trust: bounded reading,
    strict ZPL sections, safe writing of secret files, and the field formats
    shared by certificates, the authority and the revocation list (ISO 8601
    UTC times, lowercase hex, decimal numbers, display text).

    Every function treats its input as hostile: sizes are bounded, formats
    are exact, and a failure is a return value, never an assert.
*/
#ifndef SLUICE_CERTFILE_H_INCLUDED
#define SLUICE_CERTFILE_H_INCLUDED

#include <czmq.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

//  "YYYY-MM-DDTHH:MM:SSZ" plus the NUL
#define CERTFILE_TIME_SIZE  21
//  Latest time the text format can express: 9999-12-31T23:59:59Z
#define CERTFILE_TIME_MAX   INT64_C(253402300799)
//  Largest serial or version: fits a signed 64-bit integer (e.g. SQLite)
#define CERTFILE_UINT_MAX   UINT64_C(0x7FFFFFFFFFFFFFFF)

//  Reads a whole regular file of at most `max` bytes into a fresh
//  NUL-terminated string (caller frees), its length in *size_p. Returns NULL,
//  and logs why, if the file is missing, not a regular file or too large.
char *
    certfile_read (const char *path, size_t max, size_t *size_p);

//  Writes `text` to `path`. A `secret` file is created with mode 0600 from
//  the start (it is never readable by others, not even while being written);
//  a public one with 0644. Without `force`, refuses (-1) if `path` exists;
//  with `force`, replaces it atomically (temporary file, then rename).
//  Returns 0 or -1, and logs why.
int
    certfile_write (const char *path, const char *text, bool secret,
                    bool force);

//  True if `path` exists (as anything).
bool
    certfile_exists (const char *path);

//  Parses ZPL text of `size` bytes (no NUL inside, at most `max`). Returns
//  the root, which the caller destroys, or NULL.
zconfig_t *
    certfile_parse (const char *text, size_t size, size_t max);

//  Strict section reading: every child of `section` must be a leaf whose
//  name is in `names` (of `count`), at most once. On success writes each
//  child's value into `values` (index as in `names`; NULL if absent) and
//  returns 0; else -1 and logs the offending name under `what`.
int
    certfile_fields (zconfig_t *section, const char *what,
                     const char **names, size_t count, const char **values);

//  Time as ISO 8601 UTC "2026-11-26T00:00:00Z" <-> seconds since the epoch.
//  Parsing is exact (that form only, a real calendar date, years 1970 to
//  9999); returns 0 or -1. Formatting writes CERTFILE_TIME_SIZE bytes; a time
//  out of range is clamped.
int
    certfile_time_parse (const char *text, int64_t *time_p);
void
    certfile_time_format (int64_t time, char *text);

//  Decimal number without sign or leading zeros, at most `max`; 0 or -1.
int
    certfile_uint_parse (const char *text, uint64_t max, uint64_t *value_p);

//  Exactly 2 * `size` lowercase hex digits into `bin`; 0 or -1.
int
    certfile_hex_parse (const char *text, uint8_t *bin, size_t size);

//  Lowercase hex of `size` bytes, a fresh string the caller frees.
char *
    certfile_hex (const uint8_t *bin, size_t size);

//  True if `text` is display text that a ZPL value holds safely: valid
//  UTF-8 of at most `max` bytes, no control characters, no double quote;
//  empty only if `empty_ok`.
bool
    certfile_text_valid (const char *text, size_t max, bool empty_ok);

void
    certfile_test (bool verbose);

#endif
