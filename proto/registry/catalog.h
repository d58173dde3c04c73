/*  catalog.h -- a department's catalog: the items it offers, loaded from a
    ZPL file (see README "Catalog file").
*/
#ifndef SLUICE_CATALOG_H_INCLUDED
#define SLUICE_CATALOG_H_INCLUDED

#include "item.h"
#include "noticekind.h"
#include "statement.h"

typedef struct _catalog_t catalog_t;

//  Loads and validates a catalog file. Returns NULL and sets *error (fresh
//  string, caller frees) to "PATH: item 'x': what is wrong" on any problem.
catalog_t *
    catalog_load (const char *path, char **error);
void
    catalog_destroy (catalog_t **self_p);

//  Its items, in file order: how many (at most CATALOG_ITEMS_MAX: a
//  published catalog with more is refused, so that one cannot make its
//  readers reserve room for a list of nothing), the one of `name`, the first
//  and the next.
#define CATALOG_ITEMS_MAX 1024
size_t  catalog_size (catalog_t *self);
item_t *catalog_item (catalog_t *self, const char *name);   //  NULL if none
item_t *catalog_first (catalog_t *self);
item_t *catalog_next (catalog_t *self);

//  The kinds of notice the catalog accepts (`notice = "KIND"` sections), in
//  file order: how many, the one at `index` (NULL past the last), the one
//  of `name` (NULL if none).
#define CATALOG_NOTICES_MAX 64
size_t          catalog_notice_count (catalog_t *self);
noticekind_t   *catalog_notice (catalog_t *self, size_t index);
noticekind_t   *catalog_notice_find (catalog_t *self, const char *name);

//  The catalog as published to the federation, for `department`: a fresh
//  buffer (caller frees) holding one msgpack map, and its size in *size.
//  Deterministic: the same catalog gives the same bytes. The items' SQL is
//  not published.
//
//      { "department": str, "items": [ item, ... ] }      in catalog order
//      item = { "name", "title", "description", "category",
//               "key_type" (ident type name), "share" ("open" | "conditional"
//               | "closed"), "conditions", "legal_basis", "update": str,
//               "format" ("record" | "list"), "method" ("query" | "file" |
//               "api"): str, "max_rows": uint, "fields": [ field, ... ] }
//      field = { "name", "type" ("text" | "integer" | "real" | "date" |
//                "boolean"): str, "sensitivity": uint, "description",
//                "element" ("" if none): str, "personal": bool }
//
//  Absent texts are "". Keys are packed in the order above (the tables of
//  catalog_pub.c, which also reads it back). A catalog that accepts notices
//  adds "notices": [ kind, ... ] after the items (catalog_pub_encode_with
//  says when, and also publishes the alert topics subscribed to):
//
//      kind = { "name", "title", "description", "key_types" (comma-separated
//               ident type names): str, "basis_required": bool,
//               "fields": [ { "name", "type": str, "required": bool,
//                             "description": str }, ... ] } Moves the
//  catalog_first/catalog_next cursor.
uint8_t *
    catalog_encode (catalog_t *self, const char *department, size_t *size);

//  The catalog published as `department`'s catalog statement (kind
//  catalog, key the department, section 16.4 of PROTOCOL.md) of `version`,
//  signed with sign_secret; NULL if it is too large for a statement or the
//  version is out of bounds. The caller destroys it.
statement_t *
    catalog_statement (catalog_t *self, const char *department, uint64_t version,
                       const uint8_t *sign_secret);

//  The same, publishing the alert topics this department subscribes to
//  (`count` names in `topics`).
statement_t *
    catalog_statement_with (catalog_t *self, const char *department,
                            const char *const *topics, size_t count,
                            uint64_t version, const uint8_t *sign_secret);

void
    catalog_test (bool verbose);

#endif
