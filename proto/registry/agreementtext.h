/*  agreementtext.h -- an agreement's text form: the ZPL of an agreement
    file (`NAME.agreement`, README "Agreement file"), which is also what a
    registered agreement statement carries.

    Strict both ways: decoding refuses any unknown, repeated, missing or
    malformed key and anything agreement_new refuses, and reads only the
    bytes it is given; encoding writes what decoding gives back, with the
    same canonical bytes and signatures. Decoding does not verify
    signatures: agreement_verify does.
*/
#ifndef SLUICE_AGREEMENTTEXT_H_INCLUDED
#define SLUICE_AGREEMENTTEXT_H_INCLUDED

#include "agreement.h"

//  Decodes agreement text of `size` bytes (at most AGREEMENT_TEXT_MAX; no
//  NUL needed; a NUL inside is refused). NULL and *error (fresh string,
//  caller frees; error may be NULL) saying why, e.g. "'daily-quota' must be
//  a number from 1 to 1000000000".
agreement_t *
    agreementtext_decode (const char *text, size_t size, char **error);

//  Loads an agreement file (at most AGREEMENT_TEXT_MAX bytes), as
//  agreementtext_decode; *error names the file.
agreement_t *
    agreementtext_load (const char *path, char **error);

//  The agreement as ZPL text (with the signatures it has), a fresh string
//  the caller frees.
char *
    agreementtext_encode (agreement_t *agreement);

//  Writes the text to `path` (mode 0644). Refuses (-1) to replace an
//  existing file unless `force`; replacement is atomic. 0, or -1 and
//  *error (as agreementtext_decode).
int
    agreementtext_save (agreement_t *agreement, const char *path, bool force,
                        char **error);

void
    agreementtext_test (bool verbose);

#endif
