/*  crl.h -- the authority-signed certificate revocation list.

    A list has a version (strictly increasing: a store never goes back to an
    older list), an issue time, and entries (department, certificate serial,
    revocation time, reason). File format: ZPL text, see PROTOCOL.md.
*/
#ifndef SLUICE_CRL_H_INCLUDED
#define SLUICE_CRL_H_INCLUDED

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "authority.h"

typedef struct _crl_t crl_t;

#define CRL_TEXT_MAX    (1024 * 1024)
#define CRL_ENTRIES_MAX 10000
#define CRL_REASON_MAX  256     //  reason text, bytes of UTF-8

//  Functions that fail with a message for a person set *error (fresh
//  string, caller frees; error may be NULL) with status_set_error.

//  A new empty list of `version` (1 .. 2^63-1); NULL and *error if out of
//  range.
crl_t *
    crl_new (uint64_t version, char **error);
//  A list file; NULL and *error, which names the file ("PATH: not a valid
//  revocation list: ..."), if it cannot be read (errno is kept: EMFILE
//  means descriptors ran out) or is malformed.
crl_t *
    crl_load (const char *path, char **error);
//  List text; NULL and *error if malformed.
crl_t *
    crl_decode (const char *text, size_t size, char **error);
char *
    crl_encode (crl_t *self);                       //  caller frees
//  Writes the list, replacing the file atomically; 0, or -1 and *error.
int
    crl_save (crl_t *self, const char *path, char **error);
void
    crl_destroy (crl_t **self_p);

uint64_t crl_version (crl_t *self);
int64_t  crl_issued (crl_t *self);
size_t   crl_size (crl_t *self);

//  Adds an entry, kept in canonical order; serial 0 means every certificate
//  of the department. Adding an entry already on the list changes nothing.
//  Returns 0, or -1 and *error if the department id or reason is invalid or
//  the list is full.
int
    crl_add (crl_t *self, const char *department, uint64_t serial,
             int64_t revoked_at, const char *reason, char **error);

//  True if the certificate (department, serial) is on the list. An entry
//  with serial 0 revokes every certificate of its department.
bool
    crl_revoked (crl_t *self, const char *department, uint64_t serial);

//  Entry `index` (0 .. crl_size - 1, in canonical order: department, then
//  serial); the strings are borrowed. Returns 0, or -1 if out of range.
int
    crl_entry (crl_t *self, size_t index, const char **department,
               uint64_t *serial, int64_t *revoked_at, const char **reason);

//  A new list with version + 1, the same entries, not signed.
crl_t *
    crl_next (crl_t *self);

//  0, or -1 if the authority holds no secret key (or memory is short).
int
    crl_sign_by (crl_t *self, authority_t *authority);
int
    crl_verify (crl_t *self, const uint8_t *authority_public);   //  0 / -1

void
    crl_test (bool verbose);

#endif
