/*  noticekind.h -- a kind of notice a department accepts (双告知): its
    name, the key types of its subject, its fields and whether it must cite
    a legal basis, as a catalog file declares it (`notice = "KIND"`, see
    docs/formats.md), and the check of a notice against a kind as its
    department published it (catalog_pub.h).

    The sender's gateway checks a notice against the recipient's published
    catalog before it accepts it, converting the values its caller typed
    to the declared types; the recipient's gateway checks it again against
    its own catalog on arrival. Both run noticekind_check on the published
    form, so both judge by one rule.
*/
#ifndef SLUICE_NOTICEKIND_H_INCLUDED
#define SLUICE_NOTICEKIND_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include "item.h"
#include "catalog_pub.h"

#define NOTICEKIND_FIELDS_MAX   64      //  fields of one kind (NOTICE_FIELDS_MAX)
#define NOTICEKIND_KEYS_MAX     5       //  key types one kind accepts
#define NOTICEKIND_KEYS_TEXT    128     //  the key types, comma-separated

typedef struct {
    char *name;
    field_type_t type;
    bool required;
    char *description;
} noticekind_field_t;

typedef struct _noticekind_t noticekind_t;

//  Builds a kind from its ZPL node (`notice = "name"` with children).
//  NULL and *error (fresh string, caller frees) naming the kind and the
//  offending key: "notice 'x': keys 'ssn' is not a key type".
noticekind_t *
    noticekind_new_from_config (zconfig_t *node, char **error);

void
    noticekind_destroy (noticekind_t **self_p);

const char *noticekind_name (noticekind_t *self);
const char *noticekind_title (noticekind_t *self);
const char *noticekind_description (noticekind_t *self);
const char *noticekind_keys (noticekind_t *self);       //  "uscc,resident-id"
bool        noticekind_basis_required (noticekind_t *self);
size_t      noticekind_field_count (noticekind_t *self);
const noticekind_field_t *
            noticekind_field (noticekind_t *self, size_t index);    //  NULL past

//  What a notice is judged on, and what the judge gives back
typedef struct {
    const char *department;     //  whose kind it is, for the reasons
    const char *key_type;       //  as the notice names it
    const char *key;
    const msgpack_object *values;   //  a map name -> value; NULL: none
    const char *basis;
    //  true: a str value is read as its field's type ("200" for an
    //  integer), as a caller typed it; false: every value must already be
    //  of its type's msgpack form (what arrives in a NOTICE)
    bool convert;
} noticekind_input_t;

typedef struct {
    char key [IDENT_MAX + 1];           //  the key, canonical
    char field [ITEM_NAME_MAX + 1];     //  the field at fault, if any
    char reason [512];                  //  why it is refused
} noticekind_verdict_t;

//  Judges a notice by `kind` (NULL: the department accepts no such kind,
//  named `kind_name`): STATUS_OK, or the first rule broken, in this order:
//  UNKNOWN_KIND; INVALID_KEY (a key type the kind does not take, or a key
//  not valid for its type: section 12); BASIS_REQUIRED; UNKNOWN_FIELD;
//  FIELD_TYPE; FIELD_MISSING (a required field absent or nil). With
//  `typed` not NULL, on OK packs the fields given, as a map in the kind's
//  order, each of its declared type (nil values left out).
int
    noticekind_check (const catalog_pub_notice_t *kind, const char *kind_name,
                      const noticekind_input_t *input, msgpack_packer *typed,
                      noticekind_verdict_t *verdict);

void
    noticekind_test (bool verbose);

#endif
