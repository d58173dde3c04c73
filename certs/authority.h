/*  authority.h -- the federation authority: the Ed25519 key that signs
    department certificates and revocation lists.

    Files: `authority.pub` (text: name and public key in hex) is given to every
    broker and gateway; `authority.secret` (mode 0600) stays with the admin.
*/
#ifndef SLUICE_AUTHORITY_H_INCLUDED
#define SLUICE_AUTHORITY_H_INCLUDED

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct _authority_t authority_t;

//  New authority with a fresh key pair. NULL and *error (fresh string,
//  caller frees; error may be NULL) if the name is not valid display text.
authority_t *
    authority_new (const char *name, char **error);

//  Loads `authority.secret` (with the secret key) or `authority.pub` (public
//  only). Returns NULL and *error (as authority_new), naming the file, on
//  any problem. A secret file that others can read is loaded, with a
//  warning in the log: nothing fails, the admin is told.
authority_t *
    authority_load (const char *path, char **error);

//  Writes DIR/authority.pub and DIR/authority.secret (0600). 0, or -1 and
//  *error, also if either exists and not `force`.
int
    authority_save (authority_t *self, const char *dir, bool force, char **error);

void
    authority_destroy (authority_t **self_p);

const char    *authority_name (authority_t *self);
const uint8_t *authority_public (authority_t *self);   //  32 bytes
bool           authority_has_secret (authority_t *self);

//  Detached Ed25519 signature of data into sig (64 bytes); -1 without secret.
int
    authority_sign (authority_t *self, const uint8_t *data, size_t size,
                    uint8_t *sig);

void
    authority_test (bool verbose);

#endif
