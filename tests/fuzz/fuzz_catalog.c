/*  fuzz_catalog.c -- libFuzzer target for catalog_pub_decode
    (proto/registry/catalog_pub), the reader of a catalog another department
    published: the payload of a catalog statement, which reaches a gateway
    from any department through the broker's catalog directory.

    The input is copied into a buffer of exactly its size, unpacked with the
    project's codec (codec_unpack) and the object handed to
    catalog_pub_decode. Checks: a refused catalog gives NULL and an error
    message; an accepted one gives, through every accessor of
    catalog_pub.h, NUL-terminated texts within the bounds it states, equal
    to the strings of the object read (or the value an absent key reads
    as), counts that match the object's lists with NULL past the last, each
    item's map the one published, and each finder the first of its name.
    Packed again (catalog_pub_pack), it decodes to the same views and packs
    to the same bytes; its texts are copies, read again after the input and
    its object are freed. The destroy function is called in every case.

    Build and run: sh tests/fuzz/run.sh (see README "Fuzzing").
*/

#include "catalog_pub.h"
#include "catalog.h"
#include "codec.h"
#include "envelope.h"
#include "noticekind.h"
#include "status.h"
#include "topics.h"
#include "fuzz_common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    s_fuzz_setup (false);
    return 0;
}

//  A text of a view: its key in the published map, its bounds
typedef struct {
    const char *key;
    const char *text;
    size_t min, max;
} s_text_t;

//  Each text is NUL-terminated within its bounds and, if `map` is given,
//  the string of its key there; an absent key is allowed only where
//  `absent` says what it reads as (the key of that one text, and its value)
static void
s_check_texts (const s_text_t *texts, size_t count, const msgpack_object *map,
               const char *absent_key, const char *absent)
{
    for (size_t index = 0; index < count; index++) {
        const s_text_t *text = &texts [index];
        S_REQUIRE (text->text);
        size_t length = strlen (text->text);
        S_REQUIRE (length >= text->min && length <= text->max);
        if (!map)
            continue;
        bool twice = false;
        const msgpack_object *value = codec_get (map, text->key, &twice);
        S_REQUIRE (!twice);
        if (value)
            S_REQUIRE (value->type == MSGPACK_OBJECT_STR && value->via.str.size == length
                       && (length == 0
                           || memcmp (value->via.str.ptr, text->text, length) == 0));
        else
            S_REQUIRE (absent_key && strcmp (text->key, absent_key) == 0
                       && strcmp (text->text, absent) == 0);
    }
}

//  The value of `key` in `map`, which must be there
static const msgpack_object *
s_value (const msgpack_object *map, const char *key, msgpack_object_type type)
{
    bool twice = false;
    const msgpack_object *value = codec_get (map, key, &twice);
    S_REQUIRE (value && !twice && value->type == type);
    return value;
}

//  The list of `key` in `map` (NULL: no map) has `count` elements, or is
//  absent if `optional` and empty; its element at `index` (a map), or NULL
static const msgpack_object *
s_element (const msgpack_object *map, const char *key, size_t count, size_t index,
           bool optional)
{
    if (!map)
        return NULL;
    bool twice = false;
    const msgpack_object *list = codec_get (map, key, &twice);
    S_REQUIRE (!twice);
    if (!list) {
        S_REQUIRE (optional && count == 0);
        return NULL;
    }
    S_REQUIRE (list->type == MSGPACK_OBJECT_ARRAY && list->via.array.size == count);
    if (index >= count)
        return NULL;
    const msgpack_object *element = &list->via.array.ptr [index];
    S_REQUIRE (element->type == MSGPACK_OBJECT_MAP);
    return element;
}

static void
s_check_field (const catalog_pub_field_t *field, const msgpack_object *map)
{
    s_text_t texts [] = {
        { "name",        field->name,        1, ITEM_NAME_MAX },
        { "type",        field->type,        0, ITEM_NAME_MAX },
        { "description", field->description, 0, ITEM_LONG_TEXT_MAX },
        { "element",     field->element,     0, ITEM_NAME_MAX },
    };
    s_check_texts (texts, sizeof (texts) / sizeof (texts [0]), map, NULL, NULL);
    S_REQUIRE (field->sensitivity <= CATALOG_SENSITIVITY_MAX);
    if (map) {
        S_REQUIRE (s_value (map, "sensitivity", MSGPACK_OBJECT_POSITIVE_INTEGER)->via.u64
                   == field->sensitivity);
        S_REQUIRE (s_value (map, "personal", MSGPACK_OBJECT_BOOLEAN)->via.boolean
                   == field->personal);
    }
}

static void
s_check_item (const catalog_pub_item_t *item, const msgpack_object *map)
{
    s_text_t texts [] = {
        { "name",        item->name,        1, ITEM_NAME_MAX },
        { "title",       item->title,       0, ITEM_TEXT_MAX },
        { "description", item->description, 0, ITEM_LONG_TEXT_MAX },
        { "category",    item->category,    0, ITEM_TEXT_MAX },
        { "key_type",    item->key_type,    0, ITEM_NAME_MAX },
        { "share",       item->share,       1, ITEM_NAME_MAX },
        { "conditions",  item->conditions,  0, ITEM_LONG_TEXT_MAX },
        { "legal_basis", item->legal_basis, 0, ITEM_LONG_TEXT_MAX },
        { "update",      item->update,      0, ITEM_TEXT_MAX },
        { "format",      item->format,      0, ITEM_NAME_MAX },
        { "method",      item->method,      0, ITEM_NAME_MAX },
    };
    //  A catalog published before the share method: "query"
    s_check_texts (texts, sizeof (texts) / sizeof (texts [0]), map, "method", "query");
    S_REQUIRE (strcmp (item->share, "open") == 0 || strcmp (item->share, "conditional") == 0
               || strcmp (item->share, "closed") == 0);
    S_REQUIRE (item->max_rows >= 1 && item->max_rows <= ITEM_ROWS_MAX);
    S_REQUIRE (item->field_count <= ITEM_FIELDS_MAX);
    S_REQUIRE (item->fields || item->field_count == 0);
    if (map) {
        S_REQUIRE (item->map == map);
        S_REQUIRE (s_value (map, "max_rows", MSGPACK_OBJECT_POSITIVE_INTEGER)->via.u64
                   == item->max_rows);
    }
    for (size_t index = 0; index < item->field_count; index++) {
        const catalog_pub_field_t *field = &item->fields [index];
        s_check_field (field, s_element (map, "fields", item->field_count, index, false));
        const catalog_pub_field_t *found = catalog_pub_field (item, field->name);
        S_REQUIRE (found && found <= field && strcmp (found->name, field->name) == 0);
    }
    S_REQUIRE (catalog_pub_field (item, "") == NULL);
}

static void
s_check_notice (const catalog_pub_notice_t *notice, const msgpack_object *map)
{
    s_text_t texts [] = {
        { "name",        notice->name,        1, ITEM_NAME_MAX },
        { "title",       notice->title,       0, ITEM_TEXT_MAX },
        { "description", notice->description, 0, ITEM_LONG_TEXT_MAX },
        { "key_types",   notice->key_types,   1, NOTICEKIND_KEYS_TEXT },
    };
    s_check_texts (texts, sizeof (texts) / sizeof (texts [0]), map, NULL, NULL);
    if (map)
        S_REQUIRE (s_value (map, "basis_required", MSGPACK_OBJECT_BOOLEAN)->via.boolean
                   == notice->basis_required);
    S_REQUIRE (notice->field_count <= NOTICEKIND_FIELDS_MAX);
    S_REQUIRE (notice->fields || notice->field_count == 0);
    for (size_t index = 0; index < notice->field_count; index++) {
        const catalog_pub_notice_field_t *field = &notice->fields [index];
        const msgpack_object *field_map =
            s_element (map, "fields", notice->field_count, index, false);
        s_text_t field_texts [] = {
            { "name",        field->name,        1, ITEM_NAME_MAX },
            { "type",        field->type,        0, ITEM_NAME_MAX },
            { "description", field->description, 0, ITEM_LONG_TEXT_MAX },
        };
        s_check_texts (field_texts, sizeof (field_texts) / sizeof (field_texts [0]),
                       field_map, NULL, NULL);
        if (field_map)
            S_REQUIRE (s_value (field_map, "required", MSGPACK_OBJECT_BOOLEAN)->via.boolean
                       == field->required);
    }
}

//  Every accessor of `catalog`; against `root`, the object it was decoded
//  from, unless NULL (then only its own views are read)
static void
s_check (catalog_pub_t *catalog, const msgpack_object *root)
{
    s_text_t department [] = {
        { "department", catalog_pub_department (catalog), 1, ENVELOPE_DEPT_MAX }
    };
    s_check_texts (department, 1, root, NULL, NULL);

    size_t count = catalog_pub_size (catalog);
    for (size_t index = 0; index < count; index++) {
        const catalog_pub_item_t *item = catalog_pub_item (catalog, index);
        S_REQUIRE (item);
        s_check_item (item, s_element (root, "items", count, index, false));
        const catalog_pub_item_t *found = catalog_pub_find (catalog, item->name);
        S_REQUIRE (found && found <= item && strcmp (found->name, item->name) == 0);
    }
    s_element (root, "items", count, count, false);
    S_REQUIRE (catalog_pub_item (catalog, count) == NULL);
    S_REQUIRE (catalog_pub_find (catalog, "") == NULL);

    count = catalog_pub_notice_count (catalog);
    S_REQUIRE (count <= CATALOG_NOTICES_MAX);
    for (size_t index = 0; index < count; index++) {
        const catalog_pub_notice_t *notice = catalog_pub_notice (catalog, index);
        S_REQUIRE (notice);
        s_check_notice (notice, s_element (root, "notices", count, index, true));
        const catalog_pub_notice_t *found = catalog_pub_notice_find (catalog, notice->name);
        S_REQUIRE (found && found <= notice && strcmp (found->name, notice->name) == 0);
    }
    s_element (root, "notices", count, count, true);
    S_REQUIRE (catalog_pub_notice (catalog, count) == NULL);
    S_REQUIRE (catalog_pub_notice_find (catalog, "") == NULL);

    count = catalog_pub_subscription_count (catalog);
    S_REQUIRE (count <= 64);
    for (size_t index = 0; index < count; index++) {
        const char *topic = catalog_pub_subscription (catalog, index);
        s_text_t texts [] = { { "topic", topic, 1, TOPICS_NAME_MAX } };
        s_check_texts (texts, 1, s_element (root, "subscriptions", count, index, true),
                       NULL, NULL);
        S_REQUIRE (catalog_pub_subscribes (catalog, topic));
    }
    s_element (root, "subscriptions", count, count, true);
    S_REQUIRE (catalog_pub_subscription (catalog, count) == NULL);
    S_REQUIRE (!catalog_pub_subscribes (catalog, ""));
}

static bool
s_same_text (const char *one, const char *two)
{
    return one && two && strcmp (one, two) == 0;
}

//  Two catalogs give the same views
static void
s_same (catalog_pub_t *one, catalog_pub_t *two)
{
    S_REQUIRE (s_same_text (catalog_pub_department (one), catalog_pub_department (two)));
    S_REQUIRE (catalog_pub_size (one) == catalog_pub_size (two));
    for (size_t index = 0; index < catalog_pub_size (one); index++) {
        const catalog_pub_item_t *a = catalog_pub_item (one, index);
        const catalog_pub_item_t *b = catalog_pub_item (two, index);
        S_REQUIRE (s_same_text (a->name, b->name) && s_same_text (a->title, b->title)
                   && s_same_text (a->description, b->description)
                   && s_same_text (a->category, b->category)
                   && s_same_text (a->key_type, b->key_type)
                   && s_same_text (a->share, b->share)
                   && s_same_text (a->conditions, b->conditions)
                   && s_same_text (a->legal_basis, b->legal_basis)
                   && s_same_text (a->update, b->update)
                   && s_same_text (a->format, b->format)
                   && s_same_text (a->method, b->method));
        S_REQUIRE (a->max_rows == b->max_rows && a->field_count == b->field_count);
        for (size_t number = 0; number < a->field_count; number++) {
            const catalog_pub_field_t *x = &a->fields [number];
            const catalog_pub_field_t *y = &b->fields [number];
            S_REQUIRE (s_same_text (x->name, y->name) && s_same_text (x->type, y->type)
                       && x->sensitivity == y->sensitivity
                       && s_same_text (x->description, y->description)
                       && s_same_text (x->element, y->element)
                       && x->personal == y->personal);
        }
    }
    S_REQUIRE (catalog_pub_notice_count (one) == catalog_pub_notice_count (two));
    for (size_t index = 0; index < catalog_pub_notice_count (one); index++) {
        const catalog_pub_notice_t *a = catalog_pub_notice (one, index);
        const catalog_pub_notice_t *b = catalog_pub_notice (two, index);
        S_REQUIRE (s_same_text (a->name, b->name) && s_same_text (a->title, b->title)
                   && s_same_text (a->description, b->description)
                   && s_same_text (a->key_types, b->key_types)
                   && a->basis_required == b->basis_required
                   && a->field_count == b->field_count);
        for (size_t number = 0; number < a->field_count; number++) {
            const catalog_pub_notice_field_t *x = &a->fields [number];
            const catalog_pub_notice_field_t *y = &b->fields [number];
            S_REQUIRE (s_same_text (x->name, y->name) && s_same_text (x->type, y->type)
                       && x->required == y->required
                       && s_same_text (x->description, y->description));
        }
    }
    S_REQUIRE (catalog_pub_subscription_count (one) == catalog_pub_subscription_count (two));
    for (size_t index = 0; index < catalog_pub_subscription_count (one); index++)
        S_REQUIRE (s_same_text (catalog_pub_subscription (one, index),
                                catalog_pub_subscription (two, index)));
}

//  Decodes `data`, which must be a catalog; `unpacked` keeps its object
static catalog_pub_t *
s_decode_again (const uint8_t *data, size_t size, msgpack_unpacked *unpacked)
{
    msgpack_unpacked_init (unpacked);
    S_REQUIRE (codec_unpack (data, size, unpacked) == STATUS_OK);
    char *error = NULL;
    catalog_pub_t *catalog = catalog_pub_decode (&unpacked->data, &error);
    S_REQUIRE (catalog && !error);
    s_check (catalog, &unpacked->data);
    return catalog;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    uint8_t *copy = s_fuzz_copy (data, size);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    if (codec_unpack (copy, size, &unpacked) != STATUS_OK) {
        msgpack_unpacked_destroy (&unpacked);
        free (copy);
        return 0;
    }
    char *error = NULL;
    catalog_pub_t *catalog = catalog_pub_decode (&unpacked.data, &error);
    catalog_pub_t *quiet = catalog_pub_decode (&unpacked.data, NULL);
    S_REQUIRE ((catalog == NULL) == (quiet == NULL));
    catalog_pub_destroy (&quiet);
    if (!catalog) {
        S_REQUIRE (error && *error);
        free (error);
        catalog_pub_destroy (&catalog);
        msgpack_unpacked_destroy (&unpacked);
        free (copy);
        return 0;
    }
    S_REQUIRE (!error);
    s_check (catalog, &unpacked.data);

    //  Packed again, it reads the same, and packs to the same bytes
    size_t packed_size = 0;
    uint8_t *packed = catalog_pub_pack (catalog, &packed_size);
    S_REQUIRE (packed);
    msgpack_unpacked again;
    catalog_pub_t *back = s_decode_again (packed, packed_size, &again);
    s_same (catalog, back);
    size_t repacked_size = 0;
    uint8_t *repacked = catalog_pub_pack (back, &repacked_size);
    S_REQUIRE (repacked && repacked_size == packed_size
               && memcmp (repacked, packed, packed_size) == 0);
    free (repacked);

    //  Its texts are its own: they outlive the input and its object
    msgpack_unpacked_destroy (&unpacked);
    free (copy);
    s_check (catalog, NULL);
    s_same (catalog, back);

    catalog_pub_destroy (&back);
    msgpack_unpacked_destroy (&again);
    free (packed);
    catalog_pub_destroy (&catalog);
    catalog_pub_destroy (&catalog);
    S_REQUIRE (catalog == NULL);
    return 0;
}
