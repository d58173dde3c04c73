/*  certfile.h -- the text files of the federation's trust: bounded reading,
    strict ZPL sections, safe writing of secret files, and the field formats
    shared by certificates, the authority and the revocation list (ISO 8601
    UTC times, lowercase hex, decimal numbers, display text, department ids),
    and the canonical msgpack encodings they sign with the authority's key.

    Every function treats its input as hostile: sizes are bounded, formats
    are exact, and a failure is a return value, never an assert.
*/
#ifndef SLUICE_CERTFILE_H_INCLUDED
#define SLUICE_CERTFILE_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

//  "YYYY-MM-DDTHH:MM:SSZ" plus the NUL
#define CERTFILE_TIME_SIZE  21
//  Latest time the text format can express: 9999-12-31T23:59:59Z
#define CERTFILE_TIME_MAX   INT64_C(253402300799)
//  Largest serial or version: fits a signed 64-bit integer (e.g. SQLite)
#define CERTFILE_UINT_MAX   UINT64_C(0x7FFFFFFFFFFFFFFF)

typedef struct _authority_t authority_t;

//  Reads a whole regular file of at most `max` bytes into a fresh
//  NUL-terminated string (caller frees), its length in *size_p. Returns NULL
//  and *error (fresh string, caller frees; error may be NULL), e.g.
//  "PATH: a directory, not a regular file", if the file is missing, not a
//  regular file or too large; errno is kept (EMFILE: descriptors ran out).
char *
    certfile_read (const char *path, size_t max, size_t *size_p, char **error);

//  Writes `text` to `path`. A `secret` file is created with mode 0600 from
//  the start (it is never readable by others, not even while being written);
//  a public one with 0644. Without `force`, refuses (-1) if `path` exists;
//  with `force`, replaces it atomically (temporary file, then rename).
//  Returns 0, or -1 and *error (as certfile_read).
int
    certfile_write (const char *path, const char *text, bool secret,
                    bool force, char **error);

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
//  returns 0; else -1 and *error naming the offending field under `what`
//  (a path, "agreement").
int
    certfile_fields (zconfig_t *section, const char *what,
                     const char **names, size_t count, const char **values,
                     char **error);

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

//  True if `department` is a department id in its canonical form; else
//  false and *error saying why, under `what` ("cert", "crl").
bool
    certfile_department_valid (const char *department, const char *what,
                               char **error);

//  Appends a msgpack string to a canonical encoding; 0 or -1, so that
//  callers can OR the results of a whole encoding together.
int
    certfile_pack_str (msgpack_packer *packer, const char *string);

//  Ends a canonical encoding into `buffer`: if `rc` (the ORed results of
//  the packing) is 0, hands over its bytes (the caller frees them, length in
//  *size); else frees them and returns NULL.
uint8_t *
    certfile_packed (msgpack_sbuffer *buffer, int rc, size_t *size);

//  Signs `canonical` (`size` bytes) with the authority's key into
//  `signature` (64 bytes). A NULL `canonical` means its encoding failed.
//  Returns 0, or -1 (memory, or an authority without its secret key)
//  leaving `signature` as it was. Does not take ownership of `canonical`.
int
    certfile_sign (const uint8_t *canonical, size_t size,
                   authority_t *authority, uint8_t *signature);

//  0 if `signature` (64 bytes) over `canonical` (`size` bytes) verifies
//  against `authority_public` (32 bytes); -1 if not, or if `canonical` is
//  NULL (its encoding failed). Does not take ownership of `canonical`.
int
    certfile_verify (const uint8_t *canonical, size_t size,
                     const uint8_t *signature, const uint8_t *authority_public);

void
    certfile_test (bool verbose);

#endif
