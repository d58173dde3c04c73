/*  answer.c -- what a consumer checks in an answer before it believes it.

    The rules, in the order they are checked (the first broken one is the
    verdict). Without the catalog:
        1. the answer is for the item asked;
        2. NOT_FOUND has no row, OK at least one;
        3. at most ITEM_ROWS_MAX rows;
        4. each row has at most ITEM_FIELDS_MAX entries, each a distinct
           field name (the catalog's name rule) with a value a field can
           hold (nil, boolean, integer, real, string), and names only fields
           asked for when the query named fields.
    With the provider's published catalog:
        5. the item is in it;
        6. a record gives at most one row, a list at most its max-rows;
        7. every field is one of the item's, with a value of its type, and
           of a sensitivity within the consumer's clearance.
*/

#include "answer.h"
#include "item.h"
#include "catalog.h"
#include "codec.h"
#include "status.h"
#include <stdarg.h>

static int
s_refuse (answer_verdict_t *verdict, bool against_catalog, const char *field,
          const char *format, ...) __attribute__ ((format (printf, 4, 5)));

static int
s_refuse (answer_verdict_t *verdict, bool against_catalog, const char *field,
          const char *format, ...)
{
    verdict->status = STATUS_BAD_ANSWER;
    verdict->against_catalog = against_catalog;
    snprintf (verdict->field, sizeof (verdict->field), "%s", field? field: "");
    va_list argptr;
    va_start (argptr, format);
    vsnprintf (verdict->reason, sizeof (verdict->reason), format, argptr);
    va_end (argptr);
    return STATUS_BAD_ANSWER;
}

//  True if `name` is one of the comma-separated names in `list`, read as
//  the provider reads it.
static bool
s_asked (const char *list, const char *name)
{
    size_t length = strlen (name), size;
    const char *element;
    for (const char *cursor = list; names_next (&cursor, &element, &size); )
        if (size == length && memcmp (element, name, length) == 0)
            return true;
    return false;
}

//  How a source packs each field type (README "Catalog file"); nil, for a
//  NULL in the source, fits every type.
static const struct {
    msgpack_object_type value;
    const char *field;
} s_packings [] = {
    { MSGPACK_OBJECT_BOOLEAN,          "boolean" },
    { MSGPACK_OBJECT_POSITIVE_INTEGER, "integer" },
    { MSGPACK_OBJECT_NEGATIVE_INTEGER, "integer" },
    { MSGPACK_OBJECT_FLOAT32,          "real" },
    { MSGPACK_OBJECT_FLOAT64,          "real" },
    { MSGPACK_OBJECT_STR,              "text" },
    { MSGPACK_OBJECT_STR,              "date" },
};
#define S_PACKINGS (sizeof (s_packings) / sizeof (s_packings [0]))

//  True if a value may be of field type `field`, or (field NULL) of any.
static bool
s_fits (const msgpack_object *value, const char *field)
{
    if (value->type == MSGPACK_OBJECT_NIL)
        return true;
    for (size_t index = 0; index < S_PACKINGS; index++)
        if (s_packings [index].value == value->type
        &&  (!field || streq (field, s_packings [index].field)))
            return true;
    return false;
}

//  Rule 4 for one row, and rule 7 if `item` (the item as published).
static int
s_check_row (const message_query_t *query, const msgpack_object *row,
             const catalog_pub_item_t *item, int clearance, answer_verdict_t *verdict)
{
    const msgpack_object_map *map = &row->via.map;
    if (map->size > ITEM_FIELDS_MAX)
        return s_refuse (verdict, false, NULL, "a row of %u fields: no item has "
                         "more than %d", map->size, ITEM_FIELDS_MAX);
    char names [ITEM_FIELDS_MAX][ITEM_NAME_MAX + 1];
    for (uint32_t index = 0; index < map->size; index++) {
        const msgpack_object *key = &map->ptr [index].key;
        const msgpack_object *value = &map->ptr [index].val;
        char *name = names [index];
        if (key->type != MSGPACK_OBJECT_STR || key->via.str.size > ITEM_NAME_MAX)
            return s_refuse (verdict, false, NULL, "a row with a key that is not "
                             "a field name");
        memcpy (name, key->via.str.ptr, key->via.str.size);
        name [key->via.str.size] = 0;
        if (!names_valid (name))
            return s_refuse (verdict, false, NULL, "a row with a key that is not "
                             "a field name");
        for (uint32_t other = 0; other < index; other++)
            if (streq (names [other], name))
                return s_refuse (verdict, false, name, "field '%s' twice in one row",
                                 name);
        if (*query->fields && !s_asked (query->fields, name))
            return s_refuse (verdict, false, name, "field '%s' was not asked for", name);
        if (!s_fits (value, NULL))
            return s_refuse (verdict, false, name, "field '%s' holds a value that no "
                             "field type has", name);
        if (!item)
            continue;
        const catalog_pub_field_t *field = catalog_pub_field (item, name);
        if (!field)
            return s_refuse (verdict, true, name, "field '%s' is not in the "
                             "provider's published catalog", name);
        if (!s_fits (value, field->type))
            return s_refuse (verdict, true, name, "field '%s' is %s in the catalog; "
                             "the answer gives another type", name, field->type);
        if (field->sensitivity > (uint64_t) clearance)
            return s_refuse (verdict, true, name, "field '%s' has sensitivity %"
                             PRIu64 ", above this department's clearance %d",
                             name, field->sensitivity, clearance);
    }
    return STATUS_OK;
}

int
answer_check (const message_query_t *query, const message_response_t *response,
              catalog_pub_t *catalog, int clearance, answer_verdict_t *verdict)
{
    assert (query);
    assert (response);
    assert (verdict);
    memset (verdict, 0, sizeof (*verdict));
    verdict->status = STATUS_OK;
    uint32_t rows = response->rows->via.array.size;
    if (!streq (response->item, query->item))
        return s_refuse (verdict, false, NULL, "the answer is for item '%s', not for "
                         "the item asked", response->item);
    if (response->status == STATUS_NOT_FOUND && rows > 0)
        return s_refuse (verdict, false, NULL, "NOT_FOUND with %u rows", rows);
    if (response->status == STATUS_OK && rows == 0)
        return s_refuse (verdict, false, NULL, "OK without a row");
    if (rows > ITEM_ROWS_MAX)
        return s_refuse (verdict, false, NULL, "%u rows: no item gives more than %d",
                         rows, ITEM_ROWS_MAX);
    const catalog_pub_item_t *item = NULL;
    if (catalog) {
        item = catalog_pub_find (catalog, query->item);
        if (!item)
            return s_refuse (verdict, true, NULL, "item '%s' is not in the provider's "
                             "published catalog", query->item);
        if (streq (item->format, "record") && rows > 1)
            return s_refuse (verdict, true, NULL, "%u rows for a record item", rows);
        if (rows > item->max_rows)
            return s_refuse (verdict, true, NULL, "%u rows: the item gives at most %"
                             PRIu64, rows, item->max_rows);
    }
    for (uint32_t index = 0; index < rows; index++)
        if (s_check_row (query, &response->rows->via.array.ptr [index], item,
                         clearance, verdict) != STATUS_OK)
            return verdict->status;
    return STATUS_OK;
}

int
answer_check_error (const message_error_t *error, answer_verdict_t *verdict)
{
    assert (error);
    assert (verdict);
    memset (verdict, 0, sizeof (*verdict));
    verdict->status = STATUS_OK;
    if (error->code == STATUS_OK || error->code == STATUS_NOT_FOUND)
        return s_refuse (verdict, false, NULL, "an ERROR that says %s",
                         status_name ((int) error->code));
    return STATUS_OK;
}


//  --------------------------------------------------------------------------
//  Self-test

//  Packs a RESPONSE for item with `rows` rows, each the pairs of `fields`
//  ("name=value,...", values: s string, i integer, b boolean, f real, a
//  array, n nil), and decodes it into *response.
static void
s_response (const char *item, int status, int rows, const char *fields,
            msgpack_sbuffer *buffer, message_response_t *response)
{
    msgpack_sbuffer_clear (buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    uint8_t re [ENVELOPE_ID_BYTES] = { 0 };
    message_response_begin (&pk, re, item, status, 1, "");
    msgpack_pack_array (&pk, (size_t) rows);
    for (int row = 0; row < rows; row++) {
        size_t count = *fields? 1: 0;
        for (const char *scan = fields; *scan; scan++)
            count += *scan == ',';
        msgpack_pack_map (&pk, count);
        char *copy = strdup (fields);
        for (char *pair = strtok (copy, ","); pair; pair = strtok (NULL, ",")) {
            char *equals = strchr (pair, '=');
            assert (equals);
            *equals = 0;
            codec_pack_str (&pk, pair);
            switch (equals [1]) {
                case 's': codec_pack_str (&pk, "text"); break;
                case 'i': msgpack_pack_int64 (&pk, -7); break;
                case 'b': msgpack_pack_true (&pk); break;
                case 'f': msgpack_pack_double (&pk, 1.5); break;
                case 'a': msgpack_pack_array (&pk, 0); break;
                default:  msgpack_pack_nil (&pk); break;
            }
        }
        free (copy);
    }
    message_response_destroy (response);
    assert (message_response_decode ((uint8_t *) buffer->data, buffer->size,
                                     response) == STATUS_OK);
}

void
answer_test (bool verbose)
{
    if (verbose)
        printf (" * answer: ");
    //  A published catalog: a record item and a list item
    msgpack_sbuffer catalog_buffer;
    msgpack_sbuffer_init (&catalog_buffer);
    {
        zconfig_t *root = zconfig_str_load (
            "catalog\n"
            "    item = \"basic\"\n"
            "        title = \"basic\"\n"
            "        key-type = \"uscc\"\n"
            "        share = \"open\"\n"
            "        sql = \"SELECT name, staff, secret FROM t WHERE k = :key\"\n"
            "        field = \"name\"\n"
            "            type = \"text\"\n"
            "            sensitivity = 0\n"
            "        field = \"staff\"\n"
            "            type = \"integer\"\n"
            "            sensitivity = 1\n"
            "        field = \"secret\"\n"
            "            type = \"text\"\n"
            "            sensitivity = 4\n"
            "    item = \"visits\"\n"
            "        title = \"visits\"\n"
            "        key-type = \"uscc\"\n"
            "        share = \"open\"\n"
            "        format = \"list\"\n"
            "        max-rows = 3\n"
            "        sql = \"SELECT day FROM v WHERE k = :key\"\n"
            "        field = \"day\"\n"
            "            type = \"date\"\n"
            "            sensitivity = 0\n");
        assert (root);
        char *path = zsys_sprintf ("/tmp/sluice-answer-%d.cfg", getpid ());
        assert (zconfig_save (root, path) == 0);
        zconfig_destroy (&root);
        char *error = NULL;
        catalog_t *catalog = catalog_load (path, &error);
        assert (catalog);
        size_t size;
        uint8_t *payload = catalog_encode (catalog, "SH-PD-MSA", &size);
        msgpack_sbuffer_write (&catalog_buffer, (const char *) payload, size);
        free (payload);
        catalog_destroy (&catalog);
        unlink (path);
        zstr_free (&path);
    }
    msgpack_unpacked catalog;
    msgpack_unpacked_init (&catalog);
    assert (codec_unpack ((uint8_t *) catalog_buffer.data, catalog_buffer.size,
                          &catalog) == STATUS_OK);
    catalog_pub_t *published = catalog_pub_decode (&catalog.data, NULL);
    assert (published);

    message_query_t query;
    memset (&query, 0, sizeof (query));
    strcpy (query.item, "basic");
    strcpy (query.fields, "name, staff");
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    message_response_t response;
    memset (&response, 0, sizeof (response));
    msgpack_unpacked_init (&response.unpacked);
    answer_verdict_t verdict;

    //  Each case: the item asked (and answered, unless `answered`), the
    //  fields asked (NULL: "name, staff"), the answer's status, rows and row
    //  fields, with or without the catalog; the rule the verdict names ("":
    //  accepted), and whether it rests on the catalog
    const struct {
        const char *item;
        const char *answered;
        const char *fields;
        int status;
        int rows;
        const char *row;
        bool with_catalog;
        const char *reason;
        bool against_catalog;
    } cases [] = {
        { "basic", NULL, NULL, STATUS_OK, 1, "name=s,staff=i", true, "", false },
        { "basic", NULL, NULL, STATUS_OK, 1, "name=n,staff=n", true, "", false },
        { "basic", NULL, NULL, STATUS_NOT_FOUND, 0, "", true, "", false },
        { "basic", NULL, "", STATUS_OK, 1, "", false, "", false },
        { "basic", "other", NULL, STATUS_OK, 1, "name=s", false,
          "item 'other'", false },
        { "basic", NULL, NULL, STATUS_NOT_FOUND, 1, "name=s", false,
          "NOT_FOUND with 1", false },
        { "basic", NULL, NULL, STATUS_OK, 0, "", false, "OK without", false },
        { "basic", NULL, "", STATUS_OK, 101, "name=s", false, "101 rows", false },
        { "basic", NULL, NULL, STATUS_OK, 1, "name=s,secret=s", false,
          "'secret' was not asked", false },
        { "basic", NULL, NULL, STATUS_OK, 1, "name=s,name=s", false, "twice", false },
        { "basic", NULL, NULL, STATUS_OK, 1, "Not A Name=s", false,
          "not a field name", false },
        { "basic", NULL, NULL, STATUS_OK, 1, "name=a", false, "no field type", false },
        //  Without the catalog these pass; with it they do not
        { "basic", NULL, "", STATUS_OK, 1, "name=s,hidden=s", false, "", false },
        { "basic", NULL, "", STATUS_OK, 1, "name=s,hidden=s", true,
          "'hidden' is not in", true },
        { "basic", NULL, "", STATUS_OK, 2, "name=s", false, "", false },
        { "basic", NULL, "", STATUS_OK, 2, "name=s", true, "2 rows for a record", true },
        { "visits", NULL, "", STATUS_OK, 3, "day=s", true, "", false },
        { "visits", NULL, "", STATUS_OK, 4, "day=s", true, "at most 3", true },
        { "basic", NULL, "", STATUS_OK, 1, "staff=s", true, "'staff' is integer", true },
        { "basic", NULL, "", STATUS_OK, 1, "name=f", true, "'name' is text", true },
        { "basic", NULL, "", STATUS_OK, 1, "secret=s", true, "sensitivity 4, above", true },
        { "unlisted", NULL, "", STATUS_OK, 1, "name=s", true,
          "'unlisted' is not in", true },
    };
    for (size_t index = 0; index < sizeof (cases) / sizeof (cases [0]); index++) {
        strcpy (query.item, cases [index].item);
        strcpy (query.fields, cases [index].fields? cases [index].fields: "name, staff");
        s_response (cases [index].answered? cases [index].answered: cases [index].item,
                    cases [index].status, cases [index].rows, cases [index].row,
                    &buffer, &response);
        int status = answer_check (&query, &response,
                                   cases [index].with_catalog? published: NULL,
                                   2, &verdict);
        int expected = *cases [index].reason? STATUS_BAD_ANSWER: STATUS_OK;
        if (verbose || status != expected || !strstr (verdict.reason, cases [index].reason))
            fprintf (stderr, "\n   case %zu: %s (%s)\n", index, status_name (status),
                     verdict.reason);
        assert (status == expected && verdict.status == status);
        assert (verdict.against_catalog == cases [index].against_catalog);
        assert (strstr (verdict.reason, cases [index].reason));
    }

    //  An ERROR must refuse or fail
    message_error_t error;
    memset (&error, 0, sizeof (error));
    error.code = STATUS_NO_AGREEMENT;
    assert (answer_check_error (&error, &verdict) == STATUS_OK);
    error.code = STATUS_OK;
    assert (answer_check_error (&error, &verdict) == STATUS_BAD_ANSWER);
    error.code = STATUS_NOT_FOUND;
    assert (answer_check_error (&error, &verdict) == STATUS_BAD_ANSWER);
    assert (strstr (verdict.reason, "NOT_FOUND"));

    message_response_destroy (&response);
    msgpack_sbuffer_destroy (&buffer);
    catalog_pub_destroy (&published);
    msgpack_unpacked_destroy (&catalog);
    msgpack_sbuffer_destroy (&catalog_buffer);
    if (verbose)
        printf ("OK\n");
}
