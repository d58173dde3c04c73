/*  item.h -- one catalog item: what a department offers, on which key, under
    which share class, and the SQL that reads it from the department's own
    database. Fields carry a type, a sensitivity level (0..5) and optionally
    the shared data element they map to (e.g. "enterprise.name").
*/
#ifndef SLUICE_ITEM_H_INCLUDED
#define SLUICE_ITEM_H_INCLUDED

#include <czmq.h>
#include <stdint.h>
#include "ident.h"
#include "names.h"

#define ITEM_FIELDS_MAX   64        //  fields per item: a uint64_t mask
#define ITEM_NAME_MAX     NAMES_MAX //  item and field names: [a-z0-9_-.], bytes
#define ITEM_ROWS_MAX     100       //  most rows a list item may return
#define ITEM_TEXT_MAX     256       //  title, category, update: bytes
#define ITEM_LONG_TEXT_MAX 4096     //  description, legal-basis, conditions,
                                    //  sql, field description: bytes

typedef enum {
    SHARE_OPEN = 1,         //  any federation member, still signed and logged
    SHARE_CONDITIONAL,      //  only under a registered agreement
    SHARE_CLOSED            //  never answered; cites its legal basis
} share_t;

typedef enum {
    FIELD_TEXT = 1, FIELD_INTEGER, FIELD_REAL, FIELD_DATE, FIELD_BOOLEAN
} field_type_t;

typedef struct {
    char *name;             //  column name in the item's SQL result
    field_type_t type;
    int sensitivity;        //  0 public .. 5 most sensitive
    char *description;
    char *element;          //  shared data element, or NULL
    bool personal;          //  personal data: masked unless granted whole
} field_t;

typedef struct _item_t item_t;

//  Builds an item from its ZPL node (`item = "name"` with children, see
//  README "Catalog file"). Returns NULL and sets *error (fresh string, caller
//  frees) to a message naming the item and the offending key.
item_t *
    item_new_from_config (zconfig_t *node, char **error);
void
    item_destroy (item_t **self_p);

const char   *item_name (item_t *self);
const char   *item_title (item_t *self);
const char   *item_description (item_t *self);
const char   *item_category (item_t *self);
ident_type_t  item_key_type (item_t *self);
share_t       item_share (item_t *self);
const char   *item_share_name (item_t *self);      //  "open" ...
const char   *item_legal_basis (item_t *self);     //  "" if none
const char   *item_conditions (item_t *self);      //  "" if none
const char   *item_update (item_t *self);          //  update frequency
const char   *item_sql (item_t *self);             //  "" if none (closed)
const char   *item_format_name (item_t *self);     //  "record" or "list"
const char   *item_method (item_t *self);          //  "query", "file" or "api"
size_t        item_max_rows (item_t *self);        //  1 for a record
size_t        item_field_count (item_t *self);
const field_t *item_field (item_t *self, size_t index);   //  NULL if out of range
//  Index of a field by name, -1 if none
int           item_field_index (item_t *self, const char *name);
//  Mask of all fields
uint64_t      item_all_fields (item_t *self);
//  Parses "a,b,c" into a mask; -1 and *bad = the first unknown name
//  (pointer into a static-free buffer the caller passes) on error.
//  Spaces around names are ignored, repeats are harmless; "" gives an
//  empty mask (0); an empty element ("a,,b") is an unknown name "".
int           item_fields_mask (item_t *self, const char *list,
                                uint64_t *mask, char *bad, size_t bad_size);
//  Highest sensitivity among the fields in mask; 0 for an empty mask
int           item_max_sensitivity (item_t *self, uint64_t mask);


//  Catalog names of a share class ("open", "conditional", "closed") and of
//  a field type ("text", ...); "unknown" for a value not in the enum.
const char   *item_share_name_of (share_t share);
const char   *item_field_type_name (field_type_t type);

void
    item_test (bool verbose);

#endif
