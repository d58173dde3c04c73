/*  catalog.h -- a department's catalog: the items it offers, loaded from a
    ZPL file (see README "Catalog file").
*/
#ifndef SLUICE_CATALOG_H_INCLUDED
#define SLUICE_CATALOG_H_INCLUDED

#include "item.h"

typedef struct _catalog_t catalog_t;

//  Loads and validates a catalog file. Returns NULL and sets *error (fresh
//  string, caller frees) to "PATH: item 'x': what is wrong" on any problem.
catalog_t *
    catalog_load (const char *path, char **error);
void
    catalog_destroy (catalog_t **self_p);

size_t  catalog_size (catalog_t *self);
item_t *catalog_item (catalog_t *self, const char *name);   //  NULL if none
item_t *catalog_first (catalog_t *self);
item_t *catalog_next (catalog_t *self);

void
    catalog_test (bool verbose);

#endif
