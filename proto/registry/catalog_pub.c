/*  catalog_pub.c -- a catalog as published; see catalog_pub.h.  */

#include "catalog_pub.h"
#include "catalog.h"
#include "codec.h"
#include "status.h"
#include "envelope.h"
#include "noticekind.h"
#include "topics.h"
#include <sodium.h>

//  --------------------------------------------------------------------------
//  The published form, declared once: each table lists a map's keys in the
//  order they are packed, and where each one is in the views of
//  catalog_pub.h. Encoding fills the views from the catalog's items and
//  packs them by the tables; decoding walks the same tables and checks each
//  value's type and bounds.

typedef enum {
    S_TEXT,                     //  const char *; min..max bytes
    S_UINT,                     //  uint64_t; min..max
    S_BOOL,                     //  bool
    S_LIST                      //  size_t count at count_at, then an array of
                                //  `list` records of at most max
} s_kind_t;

typedef struct s_table_s s_table_t;

typedef struct {
    const char *key;
    s_kind_t kind;
    size_t offset;              //  of the member in the record
    uint64_t min, max;
    const char *absent;         //  a text that older catalogs may leave out:
                                //  its value then (NULL: required)
    const s_table_t *list;      //  S_LIST: what its elements are
    size_t count_at;            //  S_LIST: offset of the element count
    bool optional;              //  S_LIST: packed only when not empty,
                                //  absent read as empty
} s_key_t;

struct s_table_s {
    const char *what;           //  for messages: "item", "field"
    const s_key_t *keys;
    size_t count;
    size_t size;                //  of one record
};

#define S_KEYS(keys) (keys), sizeof (keys) / sizeof ((keys) [0])
#define S_FIELD(member) offsetof (catalog_pub_field_t, member)
#define S_ITEM(member) offsetof (catalog_pub_item_t, member)

static const s_key_t s_field_keys [] = {
    { "name",        S_TEXT, S_FIELD (name),        1, ITEM_NAME_MAX },
    { "type",        S_TEXT, S_FIELD (type),        0, ITEM_NAME_MAX },
    { "sensitivity", S_UINT, S_FIELD (sensitivity), 0, CATALOG_SENSITIVITY_MAX },
    { "description", S_TEXT, S_FIELD (description), 0, ITEM_LONG_TEXT_MAX },
    { "element",     S_TEXT, S_FIELD (element),     0, ITEM_NAME_MAX },
    { "personal",    S_BOOL, S_FIELD (personal) },
};
static const s_table_t s_field_table = {
    "field", S_KEYS (s_field_keys), sizeof (catalog_pub_field_t)
};

static const s_key_t s_item_keys [] = {
    { "name",        S_TEXT, S_ITEM (name),        1, ITEM_NAME_MAX },
    { "title",       S_TEXT, S_ITEM (title),       0, ITEM_TEXT_MAX },
    { "description", S_TEXT, S_ITEM (description), 0, ITEM_LONG_TEXT_MAX },
    { "category",    S_TEXT, S_ITEM (category),    0, ITEM_TEXT_MAX },
    { "key_type",    S_TEXT, S_ITEM (key_type),    0, ITEM_NAME_MAX },
    { "share",       S_TEXT, S_ITEM (share),       1, ITEM_NAME_MAX },
    { "conditions",  S_TEXT, S_ITEM (conditions),  0, ITEM_LONG_TEXT_MAX },
    { "legal_basis", S_TEXT, S_ITEM (legal_basis), 0, ITEM_LONG_TEXT_MAX },
    { "update",      S_TEXT, S_ITEM (update),      0, ITEM_TEXT_MAX },
    { "format",      S_TEXT, S_ITEM (format),      0, ITEM_NAME_MAX },
    //  The share method came later than the rest
    { "method",      S_TEXT, S_ITEM (method),      0, ITEM_NAME_MAX, "query" },
    { "max_rows",    S_UINT, S_ITEM (max_rows),    1, ITEM_ROWS_MAX },
    { "fields",      S_LIST, S_ITEM (fields),      0, ITEM_FIELDS_MAX, NULL,
      &s_field_table, S_ITEM (field_count) },
};
static const s_table_t s_item_table = {
    "item", S_KEYS (s_item_keys), sizeof (catalog_pub_item_t)
};

//  The kinds of notice the department accepts (noticekind.h)
#define S_NOTICE_FIELD(member) offsetof (catalog_pub_notice_field_t, member)
#define S_NOTICE(member) offsetof (catalog_pub_notice_t, member)

static const s_key_t s_notice_field_keys [] = {
    { "name",        S_TEXT, S_NOTICE_FIELD (name),        1, ITEM_NAME_MAX },
    { "type",        S_TEXT, S_NOTICE_FIELD (type),        0, ITEM_NAME_MAX },
    { "required",    S_BOOL, S_NOTICE_FIELD (required) },
    { "description", S_TEXT, S_NOTICE_FIELD (description), 0, ITEM_LONG_TEXT_MAX },
};
static const s_table_t s_notice_field_table = {
    "field", S_KEYS (s_notice_field_keys), sizeof (catalog_pub_notice_field_t)
};

static const s_key_t s_notice_keys [] = {
    { "name",           S_TEXT, S_NOTICE (name),           1, ITEM_NAME_MAX },
    { "title",          S_TEXT, S_NOTICE (title),          0, ITEM_TEXT_MAX },
    { "description",    S_TEXT, S_NOTICE (description),    0, ITEM_LONG_TEXT_MAX },
    { "key_types",      S_TEXT, S_NOTICE (key_types),      1, NOTICEKIND_KEYS_TEXT },
    { "basis_required", S_BOOL, S_NOTICE (basis_required) },
    { "fields",         S_LIST, S_NOTICE (fields),         0, NOTICEKIND_FIELDS_MAX, NULL,
      &s_notice_field_table, S_NOTICE (field_count) },
};
static const s_table_t s_notice_table = {
    "notice", S_KEYS (s_notice_keys), sizeof (catalog_pub_notice_t)
};

//  The alert topics it subscribes to (topics.h)
static const s_key_t s_subscription_keys [] = {
    { "topic", S_TEXT, offsetof (catalog_pub_subscription_t, topic), 1, TOPICS_NAME_MAX },
};
static const s_table_t s_subscription_table = {
    "subscription", S_KEYS (s_subscription_keys), sizeof (catalog_pub_subscription_t)
};

//  The catalog map itself: its notice kinds and subscriptions came later
//  than the items, and only a catalog that has some publishes them
typedef struct {
    const char *department;
    size_t item_count;
    catalog_pub_item_t *items;
    size_t notice_count;
    catalog_pub_notice_t *notices;
    size_t subscription_count;
    catalog_pub_subscription_t *subscriptions;
} s_catalog_view_t;

static const s_key_t s_catalog_keys [] = {
    { "department", S_TEXT, offsetof (s_catalog_view_t, department), 1, ENVELOPE_DEPT_MAX },
    { "items",      S_LIST, offsetof (s_catalog_view_t, items), 0, CATALOG_ITEMS_MAX, NULL,
      &s_item_table, offsetof (s_catalog_view_t, item_count) },
    { "notices",    S_LIST, offsetof (s_catalog_view_t, notices), 0, CATALOG_NOTICES_MAX,
      NULL, &s_notice_table, offsetof (s_catalog_view_t, notice_count), true },
    { "subscriptions", S_LIST, offsetof (s_catalog_view_t, subscriptions), 0, 64, NULL,
      &s_subscription_table, offsetof (s_catalog_view_t, subscription_count), true },
};
static const s_table_t s_catalog_table = {
    "catalog", S_KEYS (s_catalog_keys), sizeof (s_catalog_view_t)
};

//  A member of a record, by offset
#define S_MEMBER(type, record, offset) ((type *) ((char *) (record) + (offset)))

//  An optional list with nothing in it is not packed
static bool
s_left_out (const s_key_t *key, const void *record)
{
    return key->optional && *S_MEMBER (size_t, record, key->count_at) == 0;
}

static void
s_pack_record (msgpack_packer *pk, const s_table_t *table, const void *record)
{
    size_t written = 0;
    for (size_t index = 0; index < table->count; index++)
        written += !s_left_out (&table->keys [index], record);
    msgpack_pack_map (pk, written);
    for (size_t index = 0; index < table->count; index++) {
        const s_key_t *key = &table->keys [index];
        if (s_left_out (key, record))
            continue;
        codec_pack_str (pk, key->key);
        if (key->kind == S_TEXT) {
            const char *text = *S_MEMBER (const char *, record, key->offset);
            codec_pack_str (pk, text? text: "");
        }
        else
        if (key->kind == S_UINT)
            msgpack_pack_uint64 (pk, *S_MEMBER (uint64_t, record, key->offset));
        else
        if (key->kind == S_BOOL) {
            if (*S_MEMBER (bool, record, key->offset))
                msgpack_pack_true (pk);
            else
                msgpack_pack_false (pk);
        }
        else {
            size_t count = *S_MEMBER (size_t, record, key->count_at);
            const char *list;           //  the array, of whichever record type
            memcpy (&list, (const char *) record + key->offset, sizeof (list));
            msgpack_pack_array (pk, count);
            for (size_t element = 0; element < count; element++)
                s_pack_record (pk, key->list, list + element * key->list->size);
        }
    }
}

//  The catalog map of `view`: a fresh buffer (caller frees), its size in *size
static uint8_t *
s_packed (const s_catalog_view_t *view, size_t *size)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    s_pack_record (&pk, &s_catalog_table, view);
    //  The sbuffer's memory becomes the caller's
    *size = buffer.size;
    uint8_t *data = (uint8_t *) msgpack_sbuffer_release (&buffer);
    msgpack_sbuffer_destroy (&buffer);
    return data;
}

//  An item's view, borrowing its texts, its fields' views in `fields`
static void
s_view_item (item_t *item, catalog_pub_item_t *view, catalog_pub_field_t *fields)
{
    memset (view, 0, sizeof (*view));
    view->name = item_name (item);
    view->title = item_title (item);
    view->description = item_description (item);
    view->category = item_category (item);
    view->key_type = ident_type_name (item_key_type (item));
    view->share = item_share_name (item);
    view->conditions = item_conditions (item);
    view->legal_basis = item_legal_basis (item);
    view->update = item_update (item);
    view->format = item_format_name (item);
    view->method = item_method (item);
    view->max_rows = (uint64_t) item_max_rows (item);
    view->field_count = item_field_count (item);
    view->fields = fields;
    for (size_t index = 0; index < view->field_count; index++) {
        const field_t *field = item_field (item, index);
        fields [index] = (catalog_pub_field_t) {
            .name = field->name, .type = item_field_type_name (field->type),
            .sensitivity = (uint64_t) field->sensitivity,
            .description = field->description, .element = field->element,
            .personal = field->personal
        };
    }
}

//  A notice kind's view, borrowing its texts, its fields' views in `fields`
static void
s_view_notice (noticekind_t *kind, catalog_pub_notice_t *view,
               catalog_pub_notice_field_t *fields)
{
    *view = (catalog_pub_notice_t) {
        .name = noticekind_name (kind), .title = noticekind_title (kind),
        .description = noticekind_description (kind), .key_types = noticekind_keys (kind),
        .basis_required = noticekind_basis_required (kind),
        .field_count = noticekind_field_count (kind), .fields = fields
    };
    for (size_t index = 0; index < view->field_count; index++) {
        const noticekind_field_t *field = noticekind_field (kind, index);
        fields [index] = (catalog_pub_notice_field_t) {
            .name = field->name, .type = item_field_type_name (field->type),
            .required = field->required, .description = field->description
        };
    }
}

uint8_t *
catalog_pub_encode (catalog_t *catalog, const char *department, size_t *size)
{
    return catalog_pub_encode_with (catalog, department, NULL, 0, size);
}

uint8_t *
catalog_pub_encode_with (catalog_t *catalog, const char *department,
                         const char *const *topics, size_t topic_count, size_t *size)
{
    assert (catalog);
    assert (department);
    assert (size);
    size_t count = catalog_size (catalog), fields = 0;
    for (item_t *item = catalog_first (catalog); item; item = catalog_next (catalog))
        fields += item_field_count (item);
    catalog_pub_item_t *items =
        (catalog_pub_item_t *) zmalloc ((count + 1) * sizeof (catalog_pub_item_t));
    catalog_pub_field_t *field_views =
        (catalog_pub_field_t *) zmalloc ((fields + 1) * sizeof (catalog_pub_field_t));
    assert (items && field_views);
    size_t index = 0, used = 0;
    for (item_t *item = catalog_first (catalog); item;
         item = catalog_next (catalog), index++) {
        s_view_item (item, &items [index], field_views + used);
        used += items [index].field_count;
    }
    size_t notice_count = catalog_notice_count (catalog);
    catalog_pub_notice_t *notices =
        (catalog_pub_notice_t *) zmalloc ((notice_count + 1) * sizeof (catalog_pub_notice_t));
    catalog_pub_notice_field_t *notice_fields = (catalog_pub_notice_field_t *)
        zmalloc ((notice_count * NOTICEKIND_FIELDS_MAX + 1)
                 * sizeof (catalog_pub_notice_field_t));
    catalog_pub_subscription_t *subscriptions = (catalog_pub_subscription_t *)
        zmalloc ((topic_count + 1) * sizeof (catalog_pub_subscription_t));
    assert (notices && notice_fields && subscriptions);
    for (index = 0; index < notice_count; index++)
        s_view_notice (catalog_notice (catalog, index), &notices [index],
                       notice_fields + index * NOTICEKIND_FIELDS_MAX);
    for (index = 0; index < topic_count; index++)
        subscriptions [index].topic = topics [index];
    s_catalog_view_t view = { department, count, items, notice_count, notices,
                              topic_count, subscriptions };
    uint8_t *data = s_packed (&view, size);
    freen (items);
    freen (field_views);
    freen (notices);
    freen (notice_fields);
    freen (subscriptions);
    return data;
}

//  --------------------------------------------------------------------------
//  Reads a published catalog back

struct _catalog_pub_t {
    s_catalog_view_t view;
    zlistx_t *owned;            //  every text and array the views point to
};

static void
s_owned_destructor (void **item)
{
    freen (*item);
}

//  Keeps `memory` until the catalog is destroyed; returns it
static void *
s_own (catalog_pub_t *self, void *memory)
{
    assert (memory);
    zlistx_add_end (self->owned, memory);
    return memory;
}

static int s_decode_record (catalog_pub_t *self, const s_table_t *table,
                            const msgpack_object *map, void *record,
                            const char *where, char **error);

//  One value of a record; `where` names the record in messages
static int
s_decode_value (catalog_pub_t *self, const s_key_t *key, const msgpack_object *value,
                void *record, const char *where, char **error)
{
    if (key->kind == S_TEXT) {
        if (value->type != MSGPACK_OBJECT_STR || value->via.str.size < key->min
        ||  value->via.str.size > key->max
        ||  (value->via.str.size && memchr (value->via.str.ptr, 0, value->via.str.size))) {
            status_set_error (error, "%s'%s' is not a text of %s%" PRIu64 " bytes, no NUL",
                              where, key->key, key->min? "1 to ": "at most ", key->max);
            return -1;
        }
        //  msgpack-c may leave the pointer of an empty string NULL
        char *text = (char *) s_own (self, zmalloc (value->via.str.size + 1));
        if (value->via.str.size)
            memcpy (text, value->via.str.ptr, value->via.str.size);
        *S_MEMBER (const char *, record, key->offset) = text;
    }
    else
    if (key->kind == S_UINT) {
        if (value->type != MSGPACK_OBJECT_POSITIVE_INTEGER
        ||  value->via.u64 < key->min || value->via.u64 > key->max) {
            status_set_error (error, "%s'%s' is not a whole number from %" PRIu64
                              " to %" PRIu64, where, key->key, key->min, key->max);
            return -1;
        }
        *S_MEMBER (uint64_t, record, key->offset) = value->via.u64;
    }
    else
    if (key->kind == S_BOOL) {
        if (value->type != MSGPACK_OBJECT_BOOLEAN) {
            status_set_error (error, "%s'%s' is not true or false", where, key->key);
            return -1;
        }
        *S_MEMBER (bool, record, key->offset) = value->via.boolean;
    }
    else {
        if (value->type != MSGPACK_OBJECT_ARRAY || value->via.array.size > key->max) {
            status_set_error (error, "%s'%s' is not a list of at most %" PRIu64 " %ss",
                              where, key->key, key->max, key->list->what);
            return -1;
        }
        size_t count = value->via.array.size;
        char *list = (char *) s_own (self, zmalloc ((count + 1) * key->list->size));
        *S_MEMBER (size_t, record, key->count_at) = count;
        memcpy ((char *) record + key->offset, &list, sizeof (list));
        //  "item 2: ", then "item 2, field 1: "
        int outer = (int) strlen (where) - 2;
        for (size_t index = 0; index < count; index++) {
            char inner [64];
            snprintf (inner, sizeof (inner), "%.*s%s%s %zu: ", outer > 0? outer: 0, where,
                      outer > 0? ", ": "", key->list->what, index + 1);
            if (s_decode_record (self, key->list, &value->via.array.ptr [index],
                                 list + index * key->list->size, inner, error))
                return -1;
        }
    }
    return 0;
}

//  A map of `table`'s keys into record; keys it does not know are left
//  for the caller (a later version may add some)
static int
s_decode_record (catalog_pub_t *self, const s_table_t *table, const msgpack_object *map,
                 void *record, const char *where, char **error)
{
    if (map->type != MSGPACK_OBJECT_MAP) {
        status_set_error (error, "%snot a map", where);
        return -1;
    }
    for (size_t index = 0; index < table->count; index++) {
        const s_key_t *key = &table->keys [index];
        bool twice = false;
        const msgpack_object *value = codec_get (map, key->key, &twice);
        if (twice) {
            status_set_error (error, "%s'%s' appears twice", where, key->key);
            return -1;
        }
        if (!value && key->absent)
            *S_MEMBER (const char *, record, key->offset) = key->absent;
        else
        if (!value && key->optional)
            *S_MEMBER (size_t, record, key->count_at) = 0;
        else
        if (!value) {
            status_set_error (error, "%sno '%s'", where, key->key);
            return -1;
        }
        else
        if (s_decode_value (self, key, value, record, where, error))
            return -1;
    }
    return 0;
}

//  What decoding checks beyond the tables: the share class, and each item
//  keeps its map as published
static int
s_decode_check (catalog_pub_t *self, const msgpack_object *catalog, char **error)
{
    bool twice = false;
    const msgpack_object *items = codec_get (catalog, "items", &twice);
    for (size_t index = 0; index < self->view.item_count; index++) {
        catalog_pub_item_t *item = &self->view.items [index];
        item->map = &items->via.array.ptr [index];
        share_t share;
        for (share = SHARE_OPEN; share <= SHARE_CLOSED; share++)
            if (streq (item->share, item_share_name_of (share)))
                break;
        if (share > SHARE_CLOSED) {
            status_set_error (error, "item %zu: 'share' is not open, conditional or closed",
                              index + 1);
            return -1;
        }
    }
    return 0;
}

catalog_pub_t *
catalog_pub_decode (const msgpack_object *catalog, char **error)
{
    assert (catalog);
    catalog_pub_t *self = (catalog_pub_t *) zmalloc (sizeof (catalog_pub_t));
    assert (self);
    self->owned = zlistx_new ();
    assert (self->owned);
    zlistx_set_destructor (self->owned, s_owned_destructor);
    if (s_decode_record (self, &s_catalog_table, catalog, &self->view, "", error)
    ||  s_decode_check (self, catalog, error))
        catalog_pub_destroy (&self);
    return self;
}

uint8_t *
catalog_pub_pack (catalog_pub_t *self, size_t *size)
{
    assert (self);
    assert (size);
    return s_packed (&self->view, size);
}

void
catalog_pub_destroy (catalog_pub_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        catalog_pub_t *self = *self_p;
        zlistx_destroy (&self->owned);
        freen (self);
        *self_p = NULL;
    }
}

const char *
catalog_pub_department (catalog_pub_t *self)
{
    assert (self);
    return self->view.department;
}

size_t
catalog_pub_size (catalog_pub_t *self)
{
    assert (self);
    return self->view.item_count;
}

const catalog_pub_item_t *
catalog_pub_item (catalog_pub_t *self, size_t index)
{
    assert (self);
    return index < self->view.item_count? &self->view.items [index]: NULL;
}

const catalog_pub_item_t *
catalog_pub_find (catalog_pub_t *self, const char *name)
{
    assert (self);
    assert (name);
    for (size_t index = 0; index < self->view.item_count; index++)
        if (streq (self->view.items [index].name, name))
            return &self->view.items [index];
    return NULL;
}

const catalog_pub_field_t *
catalog_pub_field (const catalog_pub_item_t *item, const char *name)
{
    assert (item);
    assert (name);
    for (size_t index = 0; index < item->field_count; index++)
        if (streq (item->fields [index].name, name))
            return &item->fields [index];
    return NULL;
}

size_t
catalog_pub_notice_count (catalog_pub_t *self)
{
    assert (self);
    return self->view.notice_count;
}

const catalog_pub_notice_t *
catalog_pub_notice (catalog_pub_t *self, size_t index)
{
    assert (self);
    return index < self->view.notice_count? &self->view.notices [index]: NULL;
}

const catalog_pub_notice_t *
catalog_pub_notice_find (catalog_pub_t *self, const char *name)
{
    assert (self && name);
    for (size_t index = 0; index < self->view.notice_count; index++)
        if (streq (self->view.notices [index].name, name))
            return &self->view.notices [index];
    return NULL;
}

size_t
catalog_pub_subscription_count (catalog_pub_t *self)
{
    assert (self);
    return self->view.subscription_count;
}

const char *
catalog_pub_subscription (catalog_pub_t *self, size_t index)
{
    assert (self);
    return index < self->view.subscription_count?
           self->view.subscriptions [index].topic: NULL;
}

bool
catalog_pub_subscribes (catalog_pub_t *self, const char *topic)
{
    assert (self && topic);
    for (size_t index = 0; index < self->view.subscription_count; index++)
        if (streq (self->view.subscriptions [index].topic, topic))
            return true;
    return false;
}


//  --------------------------------------------------------------------------
//  Self test

//  The views catalog_pub_decode gave of catalog_encode's output hold what
//  the catalog's items hold
static void
s_test_round_trip (catalog_t *catalog, catalog_pub_t *published,
                   const msgpack_object *map)
{
    assert (streq (catalog_pub_department (published), "SH-PD-MSA"));
    assert (catalog_pub_size (published) == catalog_size (catalog));
    assert (catalog_pub_item (published, catalog_size (catalog)) == NULL);
    size_t index = 0;
    for (item_t *item = catalog_first (catalog); item; item = catalog_next (catalog)) {
        const catalog_pub_item_t *view = catalog_pub_item (published, index);
        assert (view->map == &map->via.map.ptr [1].val.via.array.ptr [index]);
        assert (streq (view->name, item_name (item)));
        assert (streq (view->title, item_title (item)));
        assert (streq (view->description, item_description (item)));
        assert (streq (view->category, item_category (item)));
        assert (streq (view->key_type, ident_type_name (item_key_type (item))));
        assert (streq (view->share, item_share_name (item)));
        assert (streq (view->conditions, item_conditions (item)));
        assert (streq (view->legal_basis, item_legal_basis (item)));
        assert (streq (view->update, item_update (item)));
        assert (streq (view->format, item_format_name (item)));
        assert (streq (view->method, item_method (item)));
        assert (view->max_rows == item_max_rows (item));
        assert (view->field_count == item_field_count (item));
        for (size_t number = 0; number < view->field_count; number++) {
            const field_t *field = item_field (item, number);
            const catalog_pub_field_t *copy = &view->fields [number];
            assert (streq (copy->name, field->name));
            assert (streq (copy->type, item_field_type_name (field->type)));
            assert (copy->sensitivity == (uint64_t) field->sensitivity);
            assert (streq (copy->description, field->description? field->description: ""));
            assert (streq (copy->element, field->element? field->element: ""));
            assert (copy->personal == field->personal);
            assert (catalog_pub_field (view, field->name) == copy);
        }
        assert (catalog_pub_find (published, item_name (item)) == view);
        index++;
    }
    assert (catalog_pub_find (published, "no-such-item") == NULL);
    assert (catalog_pub_field (catalog_pub_item (published, 0), "no-such-field") == NULL);
}

//  Decoding `catalog` fails, the message holding `expect`
static void
s_expect_undecoded (const msgpack_object *catalog, const char *expect, bool verbose)
{
    char *error = NULL;
    catalog_pub_t *published = catalog_pub_decode (catalog, &error);
    if (published || !error || !strstr (error, expect)) {
        printf ("\nexpected '%s', got '%s'\n", expect, error? error: "(decoded)");
        fflush (stdout);
        assert (false);
    }
    if (verbose)
        printf ("   undecoded: %s\n", error);
    freen (error);
}

//  What a department that does not follow the form may publish: each
//  change made to the decoded object of a good catalog, then undone
static void
s_test_undecodable (msgpack_object *catalog, bool verbose)
{
    msgpack_object *department = &catalog->via.map.ptr [0].val;
    msgpack_object *item = &catalog->via.map.ptr [1].val.via.array.ptr [0];
    msgpack_object_kv *pairs = item->via.map.ptr;
    msgpack_object *fields = &pairs [12].val;
    msgpack_object *field = &fields->via.array.ptr [1];
    assert (pairs [12].key.via.str.size == 6);               //  "fields"
    msgpack_object saved;

    saved = *catalog;
    catalog->type = MSGPACK_OBJECT_ARRAY;
    s_expect_undecoded (catalog, "not a map", verbose);
    *catalog = saved;
    saved = *department;
    department->via.str.size = 0;
    s_expect_undecoded (catalog, "'department' is not a text of 1 to 32 bytes", verbose);
    *department = saved;
    msgpack_object *items = &catalog->via.map.ptr [1].val;      //  refused before read
    saved = *items;
    items->via.array.size = CATALOG_ITEMS_MAX + 1;
    s_expect_undecoded (catalog, "'items' is not a list of at most 1024", verbose);
    *items = saved;
    saved = pairs [1].val;                                  //  title
    pairs [1].val.type = MSGPACK_OBJECT_POSITIVE_INTEGER;
    s_expect_undecoded (catalog, "item 1: 'title' is not a text of at most 256", verbose);
    pairs [1].val = saved;
    saved = pairs [1].val;
    pairs [1].val.via.str.ptr = "a\0b";
    pairs [1].val.via.str.size = 3;
    s_expect_undecoded (catalog, "item 1: 'title' is not a text", verbose);
    pairs [1].val = saved;
    saved = pairs [11].val;                                 //  max_rows
    pairs [11].val.via.u64 = 0;
    s_expect_undecoded (catalog, "item 1: 'max_rows' is not a whole number from 1 to 100",
                        verbose);
    pairs [11].val.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;   //  a signed format
    pairs [11].val.via.i64 = 1;
    s_expect_undecoded (catalog, "'max_rows' is not a whole number", verbose);
    pairs [11].val = saved;
    saved = pairs [5].val;                                  //  share
    pairs [5].val.via.str.ptr = "shared";
    pairs [5].val.via.str.size = 6;
    s_expect_undecoded (catalog, "item 1: 'share' is not open, conditional or closed",
                        verbose);
    pairs [5].val = saved;
    saved = pairs [1].key;                                  //  "title" -> "name"
    pairs [1].key = pairs [0].key;
    s_expect_undecoded (catalog, "item 1: 'name' appears twice", verbose);
    pairs [1].key = saved;
    saved = pairs [8].key;                                  //  "update" -> "updates"
    pairs [8].key.via.str.ptr = "updates";
    pairs [8].key.via.str.size = 7;
    s_expect_undecoded (catalog, "item 1: no 'update'", verbose);
    pairs [8].key = saved;
    saved = field->via.map.ptr [2].val;                     //  sensitivity
    field->via.map.ptr [2].val.via.u64 = 6;
    s_expect_undecoded (catalog, "item 1, field 2: 'sensitivity' is not a whole "
                        "number from 0 to 5", verbose);
    field->via.map.ptr [2].val = saved;
    saved = field->via.map.ptr [5].val;                     //  personal
    field->via.map.ptr [5].val.type = MSGPACK_OBJECT_NIL;
    s_expect_undecoded (catalog, "item 1, field 2: 'personal' is not true or false",
                        verbose);
    field->via.map.ptr [5].val = saved;
    saved = *field;
    field->type = MSGPACK_OBJECT_STR;
    s_expect_undecoded (catalog, "item 1, field 2: not a map", verbose);
    *field = saved;
    saved = *fields;                                        //  refused before read
    fields->via.array.size = ITEM_FIELDS_MAX + 1;
    s_expect_undecoded (catalog, "item 1: 'fields' is not a list of at most 64 fields",
                        verbose);
    *fields = saved;

    //  A catalog published before the share method: "query"
    saved = pairs [10].key;
    pairs [10].key.via.str.ptr = "methods";
    pairs [10].key.via.str.size = 7;
    char *error = NULL;
    catalog_pub_t *published = catalog_pub_decode (catalog, &error);
    assert (published && !error);
    assert (streq (catalog_pub_item (published, 0)->method, "query"));
    catalog_pub_destroy (&published);
    pairs [10].key = saved;
    published = catalog_pub_decode (catalog, NULL);             //  undone: as it was
    assert (published && streq (catalog_pub_item (published, 0)->method, "api"));
    catalog_pub_destroy (&published);
}

//  Keys a later version may add, even ones that are not strings, are
//  allowed and kept in the item's map
static void
s_test_extra_keys (const uint8_t *data, size_t size)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack (data, size, &unpacked) == STATUS_OK);
    const msgpack_object *items = &unpacked.data.via.map.ptr [1].val;
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_str (&pk, "department", "SH-PD-MSA");
    codec_pack_str (&pk, "items");
    msgpack_pack_array (&pk, 1);
    const msgpack_object_map *item = &items->via.array.ptr [0].via.map;
    msgpack_pack_map (&pk, item->size + 2);
    for (uint32_t index = 0; index < item->size; index++) {
        msgpack_pack_object (&pk, item->ptr [index].key);
        msgpack_pack_object (&pk, item->ptr [index].val);
    }
    msgpack_pack_int (&pk, 7);
    codec_pack_str (&pk, "seven");
    codec_pack_kv_str (&pk, "colour", "red");
    msgpack_unpacked again;
    msgpack_unpacked_init (&again);
    assert (codec_unpack ((const uint8_t *) buffer.data, buffer.size, &again) == STATUS_OK);
    catalog_pub_t *published = catalog_pub_decode (&again.data, NULL);
    assert (published && catalog_pub_size (published) == 1);
    const catalog_pub_item_t *view = catalog_pub_item (published, 0);
    assert (streq (view->name, "enterprise-basic"));
    assert (view->map->via.map.size == item->size + 2);
    catalog_pub_destroy (&published);
    msgpack_unpacked_destroy (&again);
    msgpack_sbuffer_destroy (&buffer);
    msgpack_unpacked_destroy (&unpacked);
}

//  The views packed again give the bytes they were read from
static void
s_test_repack (catalog_pub_t *published, const uint8_t *data, size_t size)
{
    size_t packed_size;
    uint8_t *packed = catalog_pub_pack (published, &packed_size);
    assert (packed && packed_size == size && memcmp (packed, data, size) == 0);
    freen (packed);
}

//  A catalog that accepts notices and subscribes to topics publishes both,
//  and they read back as declared
static void
s_test_notices (const char *dir)
{
    char *path = zsys_sprintf ("%s/notices.cfg", dir);
    FILE *handle = fopen (path, "w");
    assert (handle);
    fputs ("catalog\n"
           "    notice = \"license-required\"\n"
           "        title = \"需办理经营许可\"\n"
           "        keys = \"uscc\"\n"
           "        basis-required = 1\n"
           "        field = \"name\"\n"
           "            type = \"text\"\n"
           "            required = 1\n"
           "        field = \"seats\"\n"
           "            type = \"integer\"\n"
           "            description = \"dining seats\"\n"
           "    notice = \"address-changed\"\n"
           "        title = \"住所变更\"\n"
           "        keys = \"uscc,resident-id\"\n", handle);
    fclose (handle);
    char *error = NULL;
    catalog_t *catalog = catalog_load (path, &error);
    assert (catalog && !error && catalog_size (catalog) == 0);
    assert (catalog_notice_count (catalog) == 2);
    const char *topics [] = { "food-drug", "production-safety" };
    size_t size;
    uint8_t *data = catalog_pub_encode_with (catalog, "SH-PD-FDA", topics, 2, &size);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack (data, size, &unpacked) == STATUS_OK);
    assert (unpacked.data.via.map.size == 4);
    catalog_pub_t *published = catalog_pub_decode (&unpacked.data, &error);
    assert (published && !error);
    assert (catalog_pub_notice_count (published) == 2);
    const catalog_pub_notice_t *kind = catalog_pub_notice_find (published, "license-required");
    assert (kind && streq (kind->title, "需办理经营许可") && streq (kind->key_types, "uscc"));
    assert (kind->basis_required && kind->field_count == 2);
    assert (streq (kind->fields [0].name, "name") && kind->fields [0].required);
    assert (streq (kind->fields [1].type, "integer") && !kind->fields [1].required);
    assert (streq (kind->fields [1].description, "dining seats"));
    kind = catalog_pub_notice (published, 1);
    assert (streq (kind->name, "address-changed") && !kind->basis_required);
    assert (kind->field_count == 0 && streq (kind->description, ""));
    assert (!catalog_pub_notice_find (published, "nothing"));
    assert (!catalog_pub_notice (published, 2));
    assert (catalog_pub_subscription_count (published) == 2);
    assert (streq (catalog_pub_subscription (published, 1), "production-safety"));
    assert (catalog_pub_subscribes (published, "food-drug"));
    assert (!catalog_pub_subscribes (published, "finance"));
    assert (!catalog_pub_subscription (published, 2));
    s_test_repack (published, data, size);
    catalog_pub_destroy (&published);
    msgpack_unpacked_destroy (&unpacked);
    freen (data);
    //  Without subscriptions only the notices are added
    data = catalog_pub_encode (catalog, "SH-PD-FDA", &size);
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack (data, size, &unpacked) == STATUS_OK);
    assert (unpacked.data.via.map.size == 3);
    msgpack_unpacked_destroy (&unpacked);
    freen (data);
    catalog_destroy (&catalog);
    zsys_file_delete (path);
    freen (path);
}

void
catalog_pub_test (bool verbose)
{
    printf (" * catalog_pub: ");
    if (verbose)
        printf ("\n");

    //  @selftest
    //  A catalog of the file format, as catalog_encode publishes it
    char *dir = zsys_sprintf ("/tmp/sluice-catalog-pub-test-%d", getpid ());
    int rc = zsys_dir_create ("%s", dir);
    assert (rc == 0);
    char *path = zsys_sprintf ("%s/catalog.zpl", dir);
    FILE *handle = fopen (path, "w");
    assert (handle);
    fputs ("catalog\n"
           "    item = \"enterprise-basic\"\n"
           "        title = \"企业登记基本信息\"\n"
           "        key-type = \"uscc\"\n"
           "        share = \"open\"\n"
           "        method = \"api\"\n"
           "        sql = \"SELECT name FROM enterprise WHERE uscc = :key\"\n"
           "        field = \"name\"\n"
           "            type = \"text\"\n"
           "            sensitivity = 1\n"
           "        field = \"rep-id\"\n"
           "            type = \"text\"\n"
           "            sensitivity = 4\n"
           "            element = \"person.resident-id\"\n"
           "            personal = 1\n"
           "    item = \"licences\"\n"
           "        title = \"许可证信息\"\n"
           "        key-type = \"uscc\"\n"
           "        share = \"conditional\"\n"
           "        conditions = \"inspection duties only\"\n"
           "        format = \"list\"\n"
           "        max-rows = 20\n"
           "        sql = \"SELECT licence_no FROM licence WHERE uscc = :key\"\n"
           "        field = \"licence_no\"\n"
           "            type = \"integer\"\n"
           "            sensitivity = 0\n"
           "    item = \"penalty\"\n"
           "        title = \"行政处罚信息\"\n"
           "        key-type = \"uscc\"\n"
           "        share = \"closed\"\n"
           "        legal-basis = \"《行政处罚法》第四十八条\"\n", handle);
    fclose (handle);
    char *error = NULL;
    catalog_t *catalog = catalog_load (path, &error);
    assert (catalog && !error);
    size_t size;
    uint8_t *data = catalog_encode (catalog, "SH-PD-MSA", &size);

    //  Read back, it gives every item and field as the file has them
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack (data, size, &unpacked) == STATUS_OK);
    catalog_pub_t *published = catalog_pub_decode (&unpacked.data, &error);
    assert (published && !error);
    s_test_round_trip (catalog, published, &unpacked.data);
    catalog_pub_destroy (&published);
    catalog_pub_destroy (&published);
    assert (published == NULL);

    //  Packed again from its views, it is the same bytes
    published = catalog_pub_decode (&unpacked.data, NULL);
    assert (catalog_pub_size (published) == 3);
    assert (catalog_pub_notice_count (published) == 0);
    assert (catalog_pub_subscription_count (published) == 0);
    s_test_repack (published, data, size);
    catalog_pub_destroy (&published);
    s_test_notices (dir);

    s_test_undecodable (&unpacked.data, verbose);
    msgpack_unpacked_destroy (&unpacked);
    s_test_extra_keys (data, size);
    freen (data);
    catalog_destroy (&catalog);
    zsys_file_delete (path);
    rc = zsys_dir_delete ("%s", dir);
    assert (rc == 0);
    freen (path);
    freen (dir);
    //  @end

    printf ("OK\n");
}
