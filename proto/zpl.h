/*  zpl.h -- ZPL text (ZeroMQ RFC 4, as czmq's zconfig reads it), checked
    line by line before zconfig parses it.

    zconfig reports a syntax mistake only on its own output, without saying
    which file; these checks give the line and a reason a person can act on
    ("indent with four spaces, not a tab"), so that a configuration or
    catalog error reads "FILE:LINE: what to do".
*/
#ifndef SLUICE_ZPL_H_INCLUDED
#define SLUICE_ZPL_H_INCLUDED

#include <czmq.h>

//  Checks `size` bytes of ZPL text with zconfig's rules. Returns NULL if
//  every line is good, else a static reason and *lineno the line at fault
//  (counted from 1).
const char *
    zpl_check (const char *text, size_t size, int *lineno);

//  The line (from 1) where the node at `path` (names joined by '/', e.g.
//  "gateway/cert") is first named in the text, or 0 if it is not.
int
    zpl_line (const char *text, size_t size, const char *path);

void
    zpl_test (bool verbose);

#endif
