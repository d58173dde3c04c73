/*  catalogs.h -- the other departments' published catalogs, as this gateway
    last fetched them from a broker (the catalog directory, section 16.4 of
    PROTOCOL.md), kept to check their answers (answer.h).

    Only catalogs the registrar verified against their authors' certificates
    are given to it; each is kept as the author published it, the highest
    version per department (the author's numbering, inside the signed bytes;
    never the time the statement claims), and only if a check can read it:
    items with a name, format, max_rows and at most ITEM_FIELDS_MAX fields,
    each with a name, type and sensitivity. The version held is a floor: a
    broker that lists an older copy never takes this gateway back to it.
*/
#ifndef SLUICE_CATALOGS_H_INCLUDED
#define SLUICE_CATALOGS_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>

typedef struct _catalogs_t catalogs_t;

catalogs_t *
    catalogs_new (void);
void
    catalogs_destroy (catalogs_t **self_p);

//  Keeps a copy of `catalog` (the map a catalog statement carries), which
//  `department` published as `version` (its statement's), unless the copy
//  held is of that version or a higher one. Returns 0, or -1 if a check
//  could not read it (then nothing changes).
int
    catalogs_take (catalogs_t *self, const char *department, uint64_t version,
                   const msgpack_object *catalog);

//  The catalog held for `department` (borrowed, valid until the next
//  catalogs_take or destroy), or NULL.
const msgpack_object *
    catalogs_get (catalogs_t *self, const char *department);

size_t
    catalogs_size (catalogs_t *self);

//  The departments whose catalogs are held (a fresh list of strings).
zlist_t *
    catalogs_departments (catalogs_t *self);

void
    catalogs_test (bool verbose);

#endif
