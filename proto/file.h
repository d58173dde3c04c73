/*  file.h -- reading the files a daemon is given, safely.

    Every file a daemon reads (its configuration, the catalog, agreements,
    certificates, the authority key, the revocation list) comes through
    file_read: it is opened without blocking (a FIFO in its place cannot
    hang the reader), checked on the open descriptor to be a regular file
    (never a FIFO, a directory or a device, also through a symbolic link),
    and read whole up to a bound that the format chooses. SQLite files,
    which SQLite opens itself, are checked with file_check_regular first.

    Failures are return values with a reason for a person, never an assert.
*/
#ifndef SLUICE_FILE_H_INCLUDED
#define SLUICE_FILE_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>

//  Reads the whole regular file at `path`, at most `max` bytes, into a
//  fresh NUL-terminated buffer (the caller frees it), its length in
//  *size_p. Returns NULL and sets *reason (a fresh string without the path,
//  e.g. "a FIFO, not a regular file", "larger than 1048576 bytes") if the
//  file cannot be opened, is not a regular file or is too large. When it
//  cannot be opened, errno is the open's (EMFILE: no descriptor left).
char *
    file_read (const char *path, size_t max, size_t *size_p, char **reason);

//  Checks that `path` is a regular file, or does not exist if `absent_ok`
//  (state that the caller is about to create). Returns 0, or -1 with
//  *reason as for file_read.
int
    file_check_regular (const char *path, bool absent_ok, char **reason);

//  What a file of this mode is, for messages: "a regular file", "a
//  directory", "a FIFO", "a character device", ...
const char *
    file_kind (mode_t mode);

//  The names in directory `dir` that end in `suffix` (".cert",
//  ".agreement") after at least one character, but not those that start
//  with a dot (an editor's or a copy's), sorted, so that what a daemon
//  loads from a directory does not depend on the order the directory
//  gives. A fresh list of fresh strings, the caller destroys it; NULL if
//  the directory cannot be read (errno says why).
zlistx_t *
    file_names (const char *dir, const char *suffix);

void
    file_test (bool verbose);

#endif
