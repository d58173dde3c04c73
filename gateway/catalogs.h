/*  catalogs.h -- the other departments' published catalogs, as this gateway
    last fetched them from a broker (the catalog directory, section 16.4 of
    PROTOCOL.md), kept to check their answers (answer.h).

    Only catalogs the registrar verified against their authors' certificates
    are given to it; each is kept as the author published it, the highest
    version per department (the author's numbering, inside the signed bytes;
    never the time the statement claims), and only if it reads as a
    published catalog (catalog_pub_decode, the one reader of that form).
    The version held is a floor: a broker that lists an older copy never
    takes this gateway back to it.
*/
#ifndef SLUICE_CATALOGS_H_INCLUDED
#define SLUICE_CATALOGS_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include "catalog_pub.h"

typedef struct _catalogs_t catalogs_t;

catalogs_t *
    catalogs_new (void);
void
    catalogs_destroy (catalogs_t **self_p);

//  Keeps a copy of `catalog` (the map a catalog statement carries), which
//  `department` published as `version` (its statement's), unless the copy
//  held is of that version or a higher one. Returns 0, or -1 if it does not
//  read as a published catalog (then nothing changes).
int
    catalogs_take (catalogs_t *self, const char *department, uint64_t version,
                   const msgpack_object *catalog);

//  The catalog held for `department`, read (borrowed, valid until the next
//  catalogs_take or destroy), or NULL.
catalog_pub_t *
    catalogs_get (catalogs_t *self, const char *department);

size_t
    catalogs_size (catalogs_t *self);

//  The departments whose catalogs are held (a fresh list of strings).
zlist_t *
    catalogs_departments (catalogs_t *self);

void
    catalogs_test (bool verbose);

#endif
