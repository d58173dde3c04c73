/*  certtext.h -- a certificate's text form: czmq's ZPL certificate layout
    (zcert_load reads it too), `NAME.cert` with the public part and
    `NAME.cert_secret` (mode 0600) with the secret keys as well
    (proto/PROTOCOL.md, "Certificates").

    Strict both ways: decoding refuses any unknown, repeated, missing,
    malformed or oversized field, anything cert_new refuses, and a secret
    key that does not belong to its public key, and reads only the bytes it
    is given; encoding writes the fields in a fixed order, so a text read
    back encodes to the same bytes. Decoding does not verify the
    authority's signature: cert_verify does.
*/
#ifndef SLUICE_CERTTEXT_H_INCLUDED
#define SLUICE_CERTTEXT_H_INCLUDED

#include "cert.h"

#define CERTTEXT_MAX        8192    //  largest certificate text accepted

//  Decodes the public certificate text (as certtext_encode writes it).
//  Returns NULL and *error (fresh string, caller frees; error may be NULL)
//  on any malformed input, secret keys included; never reads past `size`.
cert_t *
    certtext_decode (const char *text, size_t size, char **error);

//  Loads a certificate from `path`: a public `.cert` file, or a
//  `.cert_secret` file (then the secret keys are loaded too). NULL and
//  *error (as certtext_decode), naming the file; errno is kept (EMFILE:
//  descriptors ran out). A secret file that others can read is loaded,
//  with a warning in the log.
cert_t *
    certtext_load (const char *path, char **error);

//  The public certificate text, a fresh string the caller frees (NULL if
//  memory is short).
char *
    certtext_encode (cert_t *cert);

//  Writes `path` (public) and `path`_secret (0600, only if the certificate
//  holds secrets). 0, or -1 and *error; refuses to replace an existing
//  file unless `force`, and checks both before it writes either.
int
    certtext_save (cert_t *cert, const char *path, bool force, char **error);

void
    certtext_test (bool verbose);

#endif
