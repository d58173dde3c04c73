/*  catalog_pub.h -- a catalog as published to the federation (PROTOCOL.md
    section 16.4, the payload of a catalog statement): its keys declared
    once, in one table per map, which drive both the packing (for
    catalog_encode) and the reading back (for whoever shows or uses a
    catalog another department published).

    catalog_pub_decode checks a catalog map for shape and bounds, key by key
    as catalog_pub_pack writes them, and gives it as the views below. Every
    text is a NUL-terminated copy of what was published, which may still
    hold control characters or bytes that are not UTF-8: escape it before
    showing it (text.h). Names and enumerations (type, key_type, format,
    method) are not checked against this version's lists, except the share
    class. Keys it does not know are allowed (a later version may add some,
    and they need not be strings): they stay in each item's map as
    published.
*/
#ifndef SLUICE_CATALOG_PUB_H_INCLUDED
#define SLUICE_CATALOG_PUB_H_INCLUDED

#include "item.h"
#include <msgpack.h>

//  The highest field sensitivity (item.c refuses a higher one)
#define CATALOG_SENSITIVITY_MAX 5

typedef struct {
    const char *name;           //  1..ITEM_NAME_MAX bytes
    const char *type;           //  "text", "integer", ...
    uint64_t sensitivity;       //  0..CATALOG_SENSITIVITY_MAX
    const char *description;
    const char *element;        //  "" if none
    bool personal;
} catalog_pub_field_t;

typedef struct {
    const char *name;           //  1..ITEM_NAME_MAX bytes
    const char *title, *description, *category;
    const char *key_type;       //  an ident type name
    const char *share;          //  "open", "conditional" or "closed"
    const char *conditions, *legal_basis, *update;
    const char *format;         //  "record" or "list"
    const char *method;         //  "query" if absent (published before it)
    uint64_t max_rows;          //  1..ITEM_ROWS_MAX
    size_t field_count;         //  0..ITEM_FIELDS_MAX
    const catalog_pub_field_t *fields;
    const msgpack_object *map;  //  decoded: the item's map as published,
                                //  borrowed from the object decoded
} catalog_pub_item_t;

//  A kind of notice the department accepts (noticekind.h), as published
typedef struct {
    const char *name;           //  1..ITEM_NAME_MAX bytes
    const char *type;           //  "text", "integer", ...
    bool required;
    const char *description;
} catalog_pub_notice_field_t;

typedef struct {
    const char *name;           //  1..ITEM_NAME_MAX bytes
    const char *title, *description;
    const char *key_types;      //  ident type names, comma-separated
    bool basis_required;
    size_t field_count;         //  0..ITEM_FIELDS_MAX
    const catalog_pub_notice_field_t *fields;
} catalog_pub_notice_t;

//  A topic the department subscribes to (topics.h), as published
typedef struct {
    const char *topic;
} catalog_pub_subscription_t;

typedef struct _catalog_pub_t catalog_pub_t;

typedef struct _catalog_t catalog_t;

//  The catalog as catalog_encode publishes it (catalog.h says the layout):
//  a fresh buffer (caller frees) and its size in *size. Moves the
//  catalog_first/catalog_next cursor.
uint8_t *
    catalog_pub_encode (catalog_t *catalog, const char *department, size_t *size);

//  The same with the alert topics the department subscribes to (`count`
//  names in `topics`; 0: none). The catalog's notice kinds and the topics
//  are published under keys of their own, `notices` and `subscriptions`,
//  only when there are any: a catalog without them has the bytes it had
//  before either existed.
uint8_t *
    catalog_pub_encode_with (catalog_t *catalog, const char *department,
                             const char *const *topics, size_t count, size_t *size);

//  Reads `catalog`, a catalog map. Returns the views, valid while `catalog`
//  is (each item's map points into it), or NULL with *error (fresh string,
//  caller frees; NULL if not wanted) naming the first problem, e.g. "item
//  2, field 1: 'sensitivity' is not a whole number from 0 to 5".
catalog_pub_t *
    catalog_pub_decode (const msgpack_object *catalog, char **error);
void
    catalog_pub_destroy (catalog_pub_t **self_p);

//  The catalog `self` read, packed again as catalog_pub_encode packs one:
//  a fresh buffer (caller frees) and its size in *size, which decodes to
//  the same views. Keys the decoder does not know are not packed; what it
//  read as absent is packed as it was read (a method as "query"; notices
//  and subscriptions, when there are none, not at all).
uint8_t *
    catalog_pub_pack (catalog_pub_t *self, size_t *size);

//  The department the catalog names (1..ENVELOPE_DEPT_MAX bytes).
const char *
    catalog_pub_department (catalog_pub_t *self);

//  Its number of items, and the item at `index` in catalog order (NULL
//  past the last).
size_t
    catalog_pub_size (catalog_pub_t *self);
const catalog_pub_item_t *
    catalog_pub_item (catalog_pub_t *self, size_t index);

//  The first item named `name`, or NULL if there is none.
const catalog_pub_item_t *
    catalog_pub_find (catalog_pub_t *self, const char *name);

//  The first field of `item` named `name`, or NULL if there is none.
const catalog_pub_field_t *
    catalog_pub_field (const catalog_pub_item_t *item, const char *name);

//  Its notice kinds, in catalog order (NULL past the last), and the one of
//  `name` (NULL if none).
size_t
    catalog_pub_notice_count (catalog_pub_t *self);
const catalog_pub_notice_t *
    catalog_pub_notice (catalog_pub_t *self, size_t index);
const catalog_pub_notice_t *
    catalog_pub_notice_find (catalog_pub_t *self, const char *name);

//  The topics it subscribes to, and whether `topic` is one of them.
size_t
    catalog_pub_subscription_count (catalog_pub_t *self);
const char *
    catalog_pub_subscription (catalog_pub_t *self, size_t index);
bool
    catalog_pub_subscribes (catalog_pub_t *self, const char *topic);

void
    catalog_pub_test (bool verbose);

#endif
