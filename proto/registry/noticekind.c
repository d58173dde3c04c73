/*  noticekind.c -- a kind of notice a department accepts, from its catalog
    file, and the one check of a notice against a kind as published.

    As with items, every value comes from a file an administrator wrote and
    is checked; a key the kind does not know is an error.
*/

#include "noticekind.h"
#include "names.h"
#include "status.h"
#include "text.h"
#include "codec.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>

struct _noticekind_t {
    char *name;
    char *title;
    char *description;
    char *keys;                 //  key type names, comma-separated
    bool basis_required;
    size_t field_count;
    noticekind_field_t fields [NOTICEKIND_FIELDS_MAX];
};

//  The keys of a kind's node and of its fields' nodes
typedef enum {
    S_TITLE, S_DESCRIPTION, S_KEYS, S_BASIS_REQUIRED, S_KIND_KEYS
} s_kind_key_t;

typedef enum {
    S_FIELD_TYPE, S_FIELD_REQUIRED, S_FIELD_DESCRIPTION, S_FIELD_KEYS
} s_field_key_t;

typedef struct {
    const char *name;
    int key;
    size_t max_size;
} s_key_row_t;

static const s_key_row_t s_kind_keys [] = {
    { "title",          S_TITLE,          ITEM_TEXT_MAX },
    { "description",    S_DESCRIPTION,    ITEM_LONG_TEXT_MAX },
    { "keys",           S_KEYS,           NOTICEKIND_KEYS_TEXT },
    { "basis-required", S_BASIS_REQUIRED, 1 },
};

static const s_key_row_t s_field_keys [] = {
    { "type",        S_FIELD_TYPE,        ITEM_NAME_MAX },
    { "required",    S_FIELD_REQUIRED,    1 },
    { "description", S_FIELD_DESCRIPTION, ITEM_LONG_TEXT_MAX },
};

#define S_ROWS(table) (sizeof (table) / sizeof (table [0]))

static const s_key_row_t *
s_lookup (const s_key_row_t *table, size_t rows, const char *name)
{
    for (size_t index = 0; index < rows; index++)
        if (streq (table [index].name, name))
            return &table [index];
    return NULL;
}

//  NULL if `text` is at most max bytes of UTF-8 without control
//  characters, else why not
static const char *
s_check_text (const char *text, size_t max)
{
    size_t size = strlen (text);
    if (size > max)
        return "is too long";
    if (!text_utf8_valid (text, size))
        return "is not valid UTF-8";
    for (size_t at = 0; at < size;) {
        uint32_t point;
        size_t length = text_utf8_char ((const uint8_t *) text + at, size - at, &point);
        if (text_is_control (point))
            return "contains a control character";
        at += length;
    }
    return NULL;
}

//  "0" or "1"; -1 for anything else
static int
s_flag (const char *value)
{
    return streq (value, "1")? 1: streq (value, "0")? 0: -1;
}

//  The field type of a name; 0 if none
static field_type_t
s_type (const char *name)
{
    for (field_type_t type = FIELD_TEXT; type <= FIELD_BOOLEAN; type++)
        if (streq (item_field_type_name (type), name))
            return type;
    return 0;
}

//  The key types: 1..NOTICEKIND_KEYS_MAX known names, none twice. NULL, or why not.
static const char *
s_check_keys (const char *list)
{
    const char *cursor = list, *name;
    size_t length, count = 0;
    char names [NOTICEKIND_KEYS_MAX][ITEM_NAME_MAX + 1];
    while (names_next (&cursor, &name, &length)) {
        if (count == NOTICEKIND_KEYS_MAX)
            return "names more than 5 key types";
        char one [ITEM_NAME_MAX + 1];
        snprintf (one, sizeof (one), "%.*s", (int) (length < ITEM_NAME_MAX? length:
                                                     ITEM_NAME_MAX), name);
        if (ident_type_from_name (one) == IDENT_NONE)
            return "names a key type that is not known (uscc, resident-id, "
                   "project-code, project-code-legacy)";
        for (size_t other = 0; other < count; other++)
            if (streq (names [other], one))
                return "names a key type twice";
        strcpy (names [count++], one);
    }
    return count? NULL: "names no key type";
}

//  What is wrong with one key of a node, by its row (NULL: a key of
//  another node, named by `keys`), before its value is read: NULL if
//  nothing. Marks the row seen.
static const char *
s_key_problem (const s_key_row_t *row, bool *seen, zconfig_t *child, const char *keys)
{
    if (!row)
        return keys;
    if (seen [row->key])
        return "is given twice";
    if (zconfig_child (child))
        return "cannot have children";
    seen [row->key] = true;
    return s_check_text (zconfig_value (child), row->max_size);
}

static int
s_field_load (noticekind_field_t *field, const char *kind, zconfig_t *node, char **error)
{
    bool seen [S_FIELD_KEYS] = { false };
    for (zconfig_t *child = zconfig_child (node); child; child = zconfig_next (child)) {
        const char *key = zconfig_name (child), *value = zconfig_value (child);
        const s_key_row_t *row = s_lookup (s_field_keys, S_ROWS (s_field_keys), key);
        const char *problem = s_key_problem (row, seen, child, "is not a key of a "
                                             "notice's field (type, required, description)");
        if (!problem) {
            if (row->key == S_FIELD_TYPE && !(field->type = s_type (value)))
                problem = "is not text, integer, real, date or boolean";
            else
            if (row->key == S_FIELD_REQUIRED && s_flag (value) < 0)
                problem = "must be 0 or 1";
            else
            if (row->key == S_FIELD_REQUIRED)
                field->required = s_flag (value) == 1;
            else
            if (row->key == S_FIELD_DESCRIPTION)
                field->description = strdup (value);
        }
        if (problem) {
            status_set_error (error, "notice '%s': field '%s': %.64s %s", kind,
                              field->name, key, problem);
            return -1;
        }
    }
    if (!seen [S_FIELD_TYPE]) {
        status_set_error (error, "notice '%s': field '%s': type is missing", kind,
                          field->name);
        return -1;
    }
    if (!field->description)
        field->description = strdup ("");
    return 0;
}

//  One key of the kind's node: 0, or -1 with *error
static int
s_kind_key (noticekind_t *self, zconfig_t *child, bool *seen, char **error)
{
    const char *key = zconfig_name (child), *value = zconfig_value (child);
    if (streq (key, "field")) {
        const char *problem = NULL;
        if (self->field_count == NOTICEKIND_FIELDS_MAX)
            problem = "more than 64 fields";
        else
        if (!names_valid (value))
            problem = "name must be 1..64 characters of a-z 0-9 _ . -";
        for (size_t index = 0; !problem && index < self->field_count; index++)
            if (streq (self->fields [index].name, value))
                problem = "declared twice";
        if (problem) {
            status_set_error (error, "notice '%s': field '%.64s': %s", self->name,
                              value, problem);
            return -1;
        }
        noticekind_field_t *field = &self->fields [self->field_count++];
        field->name = strdup (value);
        return s_field_load (field, self->name, child, error);
    }
    const s_key_row_t *row = s_lookup (s_kind_keys, S_ROWS (s_kind_keys), key);
    const char *problem = s_key_problem (row, seen, child, "is not a key of a notice "
                                         "(title, description, keys, basis-required, field)");
    if (!problem) {
        if (row->key == S_TITLE)
            self->title = strdup (value);
        else
        if (row->key == S_DESCRIPTION)
            self->description = strdup (value);
        else
        if (row->key == S_KEYS && (problem = s_check_keys (value)) == NULL)
            self->keys = strdup (value);
        else
        if (row->key == S_BASIS_REQUIRED && s_flag (value) < 0)
            problem = "must be 0 or 1";
        else
        if (row->key == S_BASIS_REQUIRED)
            self->basis_required = s_flag (value) == 1;
    }
    if (problem) {
        status_set_error (error, "notice '%s': %.64s %s", self->name, key, problem);
        return -1;
    }
    return 0;
}

noticekind_t *
noticekind_new_from_config (zconfig_t *node, char **error)
{
    assert (node);
    const char *name = zconfig_value (node);
    if (!names_valid (name)) {
        status_set_error (error, "notice '%.64s': name must be 1..%d characters of "
                          "a-z 0-9 _ . -", name, ITEM_NAME_MAX);
        return NULL;
    }
    noticekind_t *self = (noticekind_t *) zmalloc (sizeof (noticekind_t));
    assert (self);
    self->name = strdup (name);
    bool seen [S_KIND_KEYS] = { false };
    int rc = 0;
    for (zconfig_t *child = zconfig_child (node); child && rc == 0;
         child = zconfig_next (child))
        rc = s_kind_key (self, child, seen, error);
    if (rc == 0 && !self->title) {
        status_set_error (error, "notice '%s': title is missing", name);
        rc = -1;
    }
    if (rc == 0 && !self->keys) {
        status_set_error (error, "notice '%s': keys is missing (the key types of its "
                          "subject, e.g. uscc)", name);
        rc = -1;
    }
    if (rc) {
        noticekind_destroy (&self);
        return NULL;
    }
    if (!self->description)
        self->description = strdup ("");
    return self;
}

void
noticekind_destroy (noticekind_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        noticekind_t *self = *self_p;
        for (size_t index = 0; index < self->field_count; index++) {
            freen (self->fields [index].name);
            freen (self->fields [index].description);
        }
        freen (self->name);
        freen (self->title);
        freen (self->description);
        freen (self->keys);
        freen (self);
        *self_p = NULL;
    }
}

const char *noticekind_name (noticekind_t *self) { assert (self); return self->name; }
const char *noticekind_title (noticekind_t *self) { assert (self); return self->title; }
const char *noticekind_keys (noticekind_t *self) { assert (self); return self->keys; }

const char *
noticekind_description (noticekind_t *self)
{
    assert (self);
    return self->description;
}

bool
noticekind_basis_required (noticekind_t *self)
{
    assert (self);
    return self->basis_required;
}

size_t
noticekind_field_count (noticekind_t *self)
{
    assert (self);
    return self->field_count;
}

const noticekind_field_t *
noticekind_field (noticekind_t *self, size_t index)
{
    assert (self);
    return index < self->field_count? &self->fields [index]: NULL;
}


//  --------------------------------------------------------------------------
//  The check

//  True if `text` [0..size) is a real date YYYY-MM-DD
static bool
s_is_date (const char *text, size_t size)
{
    if (size != 10 || text [4] != '-' || text [7] != '-')
        return false;
    int parts [3] = { 0 }, part = 0;
    for (size_t at = 0; at < size; at++) {
        if (at == 4 || at == 7) {
            part++;
            continue;
        }
        if (text [at] < '0' || text [at] > '9')
            return false;
        parts [part] = parts [part] * 10 + (text [at] - '0');
    }
    int year = parts [0], month = parts [1], day = parts [2];
    static const int days [] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return year >= 1 && month >= 1 && month <= 12 && day >= 1
        && day <= days [month - 1] - (month == 2 && !leap);
}

//  Packs `value` as `type` into pk (NULL: only checks). A str is read as the
//  type when `convert`; anything else must be the type's own form. 0, or
//  -1 if it is not of the type.
static int
s_typed (field_type_t type, const msgpack_object *value, bool convert, msgpack_packer *pk)
{
    bool is_str = value->type == MSGPACK_OBJECT_STR;
    char text [64] = "";
    if (is_str && value->via.str.size < sizeof (text))
        memcpy (text, value->via.str.ptr, value->via.str.size);
    bool short_str = is_str && value->via.str.size < sizeof (text);
    switch (type) {
        case FIELD_TEXT:
            if (!is_str)
                return -1;
            return pk? msgpack_pack_object (pk, *value): 0;
        case FIELD_DATE:
            if (!is_str || !s_is_date (value->via.str.ptr, value->via.str.size))
                return -1;
            return pk? msgpack_pack_object (pk, *value): 0;
        case FIELD_INTEGER:
            if (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER
            ||  value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
                return pk? msgpack_pack_object (pk, *value): 0;
            if (convert && short_str && *text) {
                char *end = NULL;
                errno = 0;
                long long number = strtoll (text, &end, 10);
                if (errno || *end || !(isdigit ((unsigned char) text [0])
                                   || (text [0] == '-' && isdigit ((unsigned char) text [1]))))
                    return -1;
                return pk? msgpack_pack_int64 (pk, number): 0;
            }
            return -1;
        case FIELD_REAL:
            if (value->type == MSGPACK_OBJECT_FLOAT64 || value->type == MSGPACK_OBJECT_FLOAT32)
                return pk? msgpack_pack_double (pk, value->via.f64): 0;
            if (convert && short_str && *text && !isspace ((unsigned char) text [0])) {
                char *end = NULL;
                double number = strtod (text, &end);
                if (*end || !isfinite (number))
                    return -1;
                return pk? msgpack_pack_double (pk, number): 0;
            }
            return -1;
        case FIELD_BOOLEAN:
            if (value->type == MSGPACK_OBJECT_BOOLEAN)
                return pk? msgpack_pack_object (pk, *value): 0;
            if (convert && short_str && (streq (text, "true") || streq (text, "1")))
                return pk? msgpack_pack_true (pk): 0;
            if (convert && short_str && (streq (text, "false") || streq (text, "0")))
                return pk? msgpack_pack_false (pk): 0;
            return -1;
    }
    return -1;
}

//  The value of field `name` in values (NULL if absent or nil)
static const msgpack_object *
s_value (const msgpack_object *values, const char *name)
{
    for (uint32_t index = 0; values && index < values->via.map.size; index++) {
        const msgpack_object_kv *pair = &values->via.map.ptr [index];
        if (pair->key.type == MSGPACK_OBJECT_STR
        &&  pair->key.via.str.size == strlen (name)
        &&  memcmp (pair->key.via.str.ptr, name, pair->key.via.str.size) == 0)
            return pair->val.type == MSGPACK_OBJECT_NIL? NULL: &pair->val;
    }
    return NULL;
}

static int
s_refuse (noticekind_verdict_t *verdict, int status, const char *field,
          const char *format, ...) __attribute__ ((format (printf, 4, 5)));

static int
s_refuse (noticekind_verdict_t *verdict, int status, const char *field,
          const char *format, ...)
{
    va_list args;
    va_start (args, format);
    vsnprintf (verdict->reason, sizeof (verdict->reason), format, args);
    va_end (args);
    snprintf (verdict->field, sizeof (verdict->field), "%s", field? field: "");
    return status;
}

//  True if the kind's list of key types holds `key_type`
static bool
s_takes (const catalog_pub_notice_t *kind, const char *key_type)
{
    const char *cursor = kind->key_types, *name;
    size_t length;
    while (names_next (&cursor, &name, &length))
        if (length == strlen (key_type) && memcmp (name, key_type, length) == 0)
            return true;
    return false;
}

int
noticekind_check (const catalog_pub_notice_t *kind, const char *kind_name,
                  const noticekind_input_t *input, msgpack_packer *typed,
                  noticekind_verdict_t *verdict)
{
    assert (input && verdict);
    memset (verdict, 0, sizeof (*verdict));
    const char *department = input->department? input->department: "the department";
    if (!kind)
        return s_refuse (verdict, STATUS_UNKNOWN_KIND, NULL, "%s accepts no notices of "
                         "kind '%.64s'", department, kind_name? kind_name: "");
    if (!s_takes (kind, input->key_type))
        return s_refuse (verdict, STATUS_INVALID_KEY, NULL, "notice kind '%s' takes keys "
                         "of type %s, not '%.32s'", kind->name, kind->key_types,
                         input->key_type);
    const char *why = NULL;
    if (!ident_validate (ident_type_from_name (input->key_type), input->key, verdict->key,
                         0, &why))
        return s_refuse (verdict, STATUS_INVALID_KEY, NULL, "not a valid %s: %s",
                         input->key_type, why? why: "invalid");
    if (kind->basis_required && (!input->basis || !*input->basis))
        return s_refuse (verdict, STATUS_BASIS_REQUIRED, NULL, "notice kind '%s' of %s "
                         "must cite its legal basis", kind->name, department);
    const msgpack_object *values = input->values;
    for (uint32_t index = 0; values && index < values->via.map.size; index++) {
        const msgpack_object *key = &values->via.map.ptr [index].key;
        char name [ITEM_NAME_MAX + 1] = "";
        if (key->type == MSGPACK_OBJECT_STR && key->via.str.size <= ITEM_NAME_MAX)
            memcpy (name, key->via.str.ptr, key->via.str.size);
        const catalog_pub_notice_field_t *field = NULL;
        for (size_t at = 0; !field && at < kind->field_count; at++)
            if (key->type == MSGPACK_OBJECT_STR && streq (kind->fields [at].name, name)
            &&  strlen (name) == key->via.str.size)
                field = &kind->fields [at];
        if (!field)
            return s_refuse (verdict, STATUS_UNKNOWN_FIELD, name, "notice kind '%s' of "
                             "%s has no field '%s'", kind->name, department, name);
        const msgpack_object *value = &values->via.map.ptr [index].val;
        if (value->type != MSGPACK_OBJECT_NIL
        &&  s_typed (s_type (field->type), value, input->convert, NULL))
            return s_refuse (verdict, STATUS_FIELD_TYPE, name, "field '%s' of notice "
                             "kind '%s' is of type %s", name, kind->name, field->type);
    }
    size_t given = 0;
    for (size_t at = 0; at < kind->field_count; at++) {
        bool present = s_value (values, kind->fields [at].name) != NULL;
        if (kind->fields [at].required && !present)
            return s_refuse (verdict, STATUS_FIELD_MISSING, kind->fields [at].name,
                             "notice kind '%s' of %s requires field '%s'", kind->name,
                             department, kind->fields [at].name);
        given += present;
    }
    if (typed) {
        msgpack_pack_map (typed, given);
        for (size_t at = 0; at < kind->field_count; at++) {
            const msgpack_object *value = s_value (values, kind->fields [at].name);
            if (value) {
                codec_pack_str (typed, kind->fields [at].name);
                s_typed (s_type (kind->fields [at].type), value, input->convert, typed);
            }
        }
    }
    return STATUS_OK;
}


//  --------------------------------------------------------------------------
//  Self-test

//  A kind from the text of its node; NULL and the error if refused
static noticekind_t *
s_kind_from_text (const char *text, char **error)
{
    char *whole = zsys_sprintf ("catalog\n%s", text);
    zconfig_t *root = zconfig_str_load (whole);
    freen (whole);
    assert (root);
    noticekind_t *kind = noticekind_new_from_config (zconfig_child (zconfig_child (root)),
                                                     error);
    zconfig_destroy (&root);
    return kind;
}

static void
s_expect_refused (const char *text, const char *expect, bool verbose)
{
    char *error = NULL;
    noticekind_t *kind = s_kind_from_text (text, &error);
    if (kind || !error || !strstr (error, expect)) {
        printf ("\nexpected '%s', got '%s'\n", expect, error? error: "(accepted)");
        fflush (stdout);
        assert (false);
    }
    if (verbose)
        printf ("   refused: %s\n", error);
    freen (error);
}

//  Judges `values` (hex of a msgpack map) by the example kind
static int
s_judge (const catalog_pub_notice_t *kind, const char *key_type, const char *key,
         const char *values_hex, const char *basis, bool convert,
         msgpack_sbuffer *typed, noticekind_verdict_t *verdict)
{
    uint8_t bytes [256];
    size_t size = 0;
    assert (sodium_hex2bin (bytes, sizeof (bytes), values_hex, strlen (values_hex), NULL,
                            &size, NULL) == 0);
    msgpack_unpacked values;
    msgpack_unpacked_init (&values);
    assert (codec_unpack (bytes, size, &values) == STATUS_OK);
    noticekind_input_t input = { "SH-PD-FDA", key_type, key, &values.data, basis, convert };
    msgpack_packer pk;
    if (typed)
        msgpack_packer_init (&pk, typed, msgpack_sbuffer_write);
    int status = noticekind_check (kind, "license-required", &input, typed? &pk: NULL,
                                   verdict);
    msgpack_unpacked_destroy (&values);
    return status;
}

void
noticekind_test (bool verbose)
{
    if (verbose)
        printf (" * noticekind: \n");
    char *error = NULL;
    noticekind_t *kind = s_kind_from_text (
        "    notice = \"license-required\"\n"
        "        title = \"需办理经营许可\"\n"
        "        keys = \"uscc, resident-id\"\n"
        "        basis-required = 1\n"
        "        field = \"name\"\n"
        "            type = \"text\"\n"
        "            required = 1\n"
        "        field = \"seats\"\n"
        "            type = \"integer\"\n", &error);
    assert (kind && !error);
    assert (streq (noticekind_name (kind), "license-required"));
    assert (streq (noticekind_keys (kind), "uscc, resident-id"));
    assert (noticekind_basis_required (kind) && noticekind_field_count (kind) == 2);
    assert (noticekind_field (kind, 0)->required && !noticekind_field (kind, 1)->required);
    assert (noticekind_field (kind, 1)->type == FIELD_INTEGER);
    assert (!noticekind_field (kind, 2));
    noticekind_destroy (&kind);
    noticekind_destroy (&kind);

    //  What a catalog may not say
    s_expect_refused ("    notice = \"Bad!\"\n", "name must be", verbose);
    s_expect_refused ("    notice = \"k\"\n        keys = \"uscc\"\n", "title is missing",
                      verbose);
    s_expect_refused ("    notice = \"k\"\n        title = \"t\"\n", "keys is missing",
                      verbose);
    s_expect_refused ("    notice = \"k\"\n        title = \"t\"\n        keys = \"ssn\"\n",
                      "not known", verbose);
    s_expect_refused ("    notice = \"k\"\n        title = \"t\"\n"
                      "        keys = \"uscc,uscc\"\n", "twice", verbose);
    s_expect_refused ("    notice = \"k\"\n        title = \"t\"\n        colour = \"red\"\n",
                      "colour is not a key of a notice", verbose);
    s_expect_refused ("    notice = \"k\"\n        title = \"t\"\n        keys = \"uscc\"\n"
                      "        basis-required = 2\n", "must be 0 or 1", verbose);
    s_expect_refused ("    notice = \"k\"\n        title = \"t\"\n        keys = \"uscc\"\n"
                      "        field = \"a\"\n", "field 'a': type is missing", verbose);
    s_expect_refused ("    notice = \"k\"\n        title = \"t\"\n        keys = \"uscc\"\n"
                      "        field = \"a\"\n            type = \"blob\"\n",
                      "is not text, integer", verbose);
    s_expect_refused ("    notice = \"k\"\n        title = \"t\"\n        keys = \"uscc\"\n"
                      "        field = \"a\"\n            type = \"text\"\n"
                      "        field = \"a\"\n            type = \"text\"\n",
                      "declared twice", verbose);
    s_expect_refused ("    notice = \"k\"\n        title = \"t\x01\"\n",
                      "control character", verbose);

    //  The check, on the published form
    catalog_pub_notice_field_t fields [] = {
        { "name", "text", true, "" }, { "seats", "integer", false, "" },
        { "opened", "date", false, "" }, { "area", "real", false, "" },
        { "chain", "boolean", false, "" },
    };
    catalog_pub_notice_t published = { "license-required", "t", "", "uscc", true, 5, fields };
    noticekind_verdict_t verdict;
    msgpack_sbuffer typed;
    msgpack_sbuffer_init (&typed);
    //  {"seats": "200", "name": "x", "opened": "2026-01-05", "area": "85.5",
    //   "chain": "false"}: converted, packed in the kind's order
    const char *values =
        "85a5736561747" "3a3323030a46e616d65a178a66f70656e6564aa323032362d30312d3035"
        "a461726561a438352e35a5636861696ea566616c7365";
    assert (s_judge (&published, "uscc", "91310115ma1k3btp2b", values, "basis", true,
                     &typed, &verdict) == STATUS_OK);
    assert (streq (verdict.key, "91310115MA1K3BTP2B"));
    const char *expected =
        "85a46e616d65a178a573656174" "73ccc8a66f70656e6564aa323032362d30312d3035"
        "a461726561cb4055600000000000a5636861696ec2";
    assert (codec_vector_equal (&typed, expected, verbose));
    //  Arrived: the values must be of their types already
    assert (s_judge (&published, "uscc", "91310115MA1K3BTP2B", values, "basis", false,
                     NULL, &verdict) == STATUS_FIELD_TYPE);
    assert (s_judge (&published, "uscc", "91310115MA1K3BTP2B", expected, "basis", false,
                     NULL, &verdict) == STATUS_OK);
    //  Each rule, in its order
    assert (noticekind_check (NULL, "x", &(noticekind_input_t) { "SH-PD-FDA" }, NULL,
                              &verdict) == STATUS_UNKNOWN_KIND);
    assert (strstr (verdict.reason, "SH-PD-FDA accepts no notices of kind 'x'"));
    assert (s_judge (&published, "resident-id", "11010519491231002X", "80", "b", true,
                     NULL, &verdict) == STATUS_INVALID_KEY);
    assert (strstr (verdict.reason, "takes keys of type uscc"));
    assert (s_judge (&published, "uscc", "91110000600037341N", "80", "b", true, NULL,
                     &verdict) == STATUS_INVALID_KEY);
    assert (s_judge (&published, "uscc", "91310115MA1K3BTP2B", "81a46e616d65a178", "",
                     true, NULL, &verdict) == STATUS_BASIS_REQUIRED);
    assert (s_judge (&published, "uscc", "91310115MA1K3BTP2B", "81a17aa178", "b", true,
                     NULL, &verdict) == STATUS_UNKNOWN_FIELD && streq (verdict.field, "z"));
    assert (s_judge (&published, "uscc", "91310115MA1K3BTP2B",
                     "82a46e616d65a178a573656174" "73a3746f6f", "b", true, NULL, &verdict)
            == STATUS_FIELD_TYPE && streq (verdict.field, "seats"));
    assert (s_judge (&published, "uscc", "91310115MA1K3BTP2B",
                     "82a46e616d65a178a66f70656e6564aa323032362d30322d3330", "b", true,
                     NULL, &verdict) == STATUS_FIELD_TYPE);            //  30 February
    assert (s_judge (&published, "uscc", "91310115MA1K3BTP2B", "81a573656174" "7301", "b",
                     true, NULL, &verdict) == STATUS_FIELD_MISSING
            && streq (verdict.field, "name"));
    assert (s_judge (&published, "uscc", "91310115MA1K3BTP2B", "81a46e616d65c0", "b", true,
                     NULL, &verdict) == STATUS_FIELD_MISSING);          //  nil is absent
    msgpack_sbuffer_destroy (&typed);
    if (verbose)
        printf ("OK\n");
}
