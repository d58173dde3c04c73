/*  version.h -- the one place that says which version of Sluice this is.

    Every program answers --version with "PROGRAM VERSION (protocol N)" on
    standard output and exit code 0, before it reads anything else.
*/
#ifndef SLUICE_VERSION_H_INCLUDED
#define SLUICE_VERSION_H_INCLUDED

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define SLUICE_VERSION          "0.6.0"
//  The envelope's version byte (PROTOCOL.md section 3), as ENVELOPE_VERSION
#define SLUICE_PROTOCOL_VERSION 1

//  True if one of the `argc` arguments after the program name is
//  --version; then the version line has been printed to `out`.
static inline bool
version_asked (int argc, char **argv, const char *program, FILE *out)
{
    for (int index = 1; index < argc; index++)
        if (strcmp (argv [index], "--version") == 0) {
            fprintf (out, "%s %s (protocol %d)\n", program, SLUICE_VERSION,
                     SLUICE_PROTOCOL_VERSION);
            return true;
        }
    return false;
}

#endif
