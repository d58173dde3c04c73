/*  catalog.c -- a department's catalog, loaded from a ZPL file.

    The file is read whole (file_read: a regular file of at most
    CATALOG_FILE_MAX bytes, opened without blocking) and checked line by
    line against the ZPL rules (zpl_check) before zconfig parses it, so that
    a syntax mistake is reported as "PATH:LINE: reason" rather than only on
    zconfig's stdout log. Items keep the order of the file.
*/

#include "catalog.h"
#include "catalog_pub.h"
#include "codec.h"
#include "status.h"
#include "file.h"
#include "zpl.h"

#include <msgpack.h>
#include <sodium.h>

#define CATALOG_FILE_MAX (1024 * 1024)     //  a catalog is a small text file

struct _catalog_t {
    zlistx_t *items;            //  item_t, in file order, owned
    zhashx_t *by_name;          //  name -> item_t, not owned
    size_t notice_count;        //  the kinds of notice it accepts, owned
    noticekind_t *notices [CATALOG_NOTICES_MAX];
};


//  --------------------------------------------------------------------------
//  Reads the whole file, bounded. Returns a chunk, or NULL with *error set.

static zchunk_t *
s_read_file (const char *path, char **error)
{
    size_t size = 0;
    char *reason = NULL;
    char *text = file_read (path, CATALOG_FILE_MAX, &size, &reason);
    if (!text) {
        status_set_error (error, "%s: %s", path, reason);
        zstr_free (&reason);
        return NULL;
    }
    if (memchr (text, 0, size)) {
        free (text);
        status_set_error (error, "%s: contains a NUL byte, not a text file", path);
        return NULL;
    }
    zchunk_t *chunk = zchunk_new (text, size);
    assert (chunk);
    free (text);
    return chunk;
}


static void
s_item_destructor (void **item_p)
{
    item_destroy ((item_t **) item_p);
}


//  A `notice = "KIND"` section: 0, or -1 with *error
static int
s_notice_load (catalog_t *self, zconfig_t *node, const char *path, char **error)
{
    if (self->notice_count == CATALOG_NOTICES_MAX) {
        status_set_error (error, "%s: more than %d notice kinds", path, CATALOG_NOTICES_MAX);
        return -1;
    }
    char *reason = NULL;
    noticekind_t *kind = noticekind_new_from_config (node, &reason);
    if (!kind) {
        status_set_error (error, "%s: %s", path, reason);
        freen (reason);
        return -1;
    }
    if (catalog_notice_find (self, noticekind_name (kind))) {
        status_set_error (error, "%s: notice '%s': duplicate notice kind", path,
                          noticekind_name (kind));
        noticekind_destroy (&kind);
        return -1;
    }
    self->notices [self->notice_count++] = kind;
    return 0;
}


//  --------------------------------------------------------------------------
//  Loads and validates a catalog file; see catalog.h.

catalog_t *
catalog_load (const char *path, char **error)
{
    assert (path);
    if (error)
        *error = NULL;
    zchunk_t *chunk = s_read_file (path, error);
    if (!chunk)
        return NULL;

    int lineno;
    const char *reason = zpl_check ((const char *) zchunk_data (chunk),
                                    zchunk_size (chunk), &lineno);
    if (reason) {
        zchunk_destroy (&chunk);
        status_set_error (error, "%s:%d: %s", path, lineno, reason);
        return NULL;
    }
    zconfig_t *root = zconfig_chunk_load (chunk);
    zchunk_destroy (&chunk);
    if (!root) {
        status_set_error (error, "%s: ZPL syntax error", path);
        return NULL;
    }

    catalog_t *self = (catalog_t *) zmalloc (sizeof (catalog_t));
    assert (self);
    self->items = zlistx_new ();
    assert (self->items);
    zlistx_set_destructor (self->items, s_item_destructor);
    self->by_name = zhashx_new ();
    assert (self->by_name);

    //  The file holds exactly one "catalog" node at the top
    zconfig_t *top = zconfig_child (root);
    zconfig_t *catalog = NULL;
    bool valid = true;
    for (; top && valid; top = zconfig_next (top)) {
        if (!streq (zconfig_name (top), "catalog")) {
            status_set_error (error, "%s: unknown key '%.64s' at the top (expected "
                              "'catalog')", path, zconfig_name (top));
            valid = false;
        }
        else
        if (catalog) {
            status_set_error (error, "%s: more than one 'catalog'", path);
            valid = false;
        }
        else
            catalog = top;
    }
    if (valid && !catalog) {
        status_set_error (error, "%s: no 'catalog' in the file", path);
        valid = false;
    }
    zconfig_t *node = valid? zconfig_child (catalog): NULL;
    for (; node && valid; node = zconfig_next (node)) {
        if (streq (zconfig_name (node), "notice")) {
            valid = s_notice_load (self, node, path, error) == 0;
            continue;
        }
        if (!streq (zconfig_name (node), "item")) {
            status_set_error (error, "%s: unknown key '%.64s' in catalog (expected "
                              "'item' or 'notice')", path, zconfig_name (node));
            valid = false;
            break;
        }
        if (zlistx_size (self->items) == CATALOG_ITEMS_MAX) {
            status_set_error (error, "%s: more than %d items", path, CATALOG_ITEMS_MAX);
            valid = false;
            break;
        }
        char *reason_text = NULL;
        item_t *item = item_new_from_config (node, &reason_text);
        if (!item) {
            status_set_error (error, "%s: %s", path, reason_text);
            freen (reason_text);
            valid = false;
            break;
        }
        if (zhashx_lookup (self->by_name, item_name (item))) {
            status_set_error (error, "%s: item '%s': duplicate item name",
                              path, item_name (item));
            item_destroy (&item);
            valid = false;
            break;
        }
        zhashx_insert (self->by_name, item_name (item), item);
        zlistx_add_end (self->items, item);
    }
    if (valid && zlistx_size (self->items) == 0 && self->notice_count == 0) {
        status_set_error (error, "%s: the catalog has no items (and accepts no notices)",
                          path);
        valid = false;
    }
    zconfig_destroy (&root);
    if (!valid)
        catalog_destroy (&self);
    return self;
}


void
catalog_destroy (catalog_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        catalog_t *self = *self_p;
        for (size_t index = 0; index < self->notice_count; index++)
            noticekind_destroy (&self->notices [index]);
        zhashx_destroy (&self->by_name);
        zlistx_destroy (&self->items);
        freen (self);
        *self_p = NULL;
    }
}


size_t
catalog_size (catalog_t *self)
{
    assert (self);
    return zlistx_size (self->items);
}

item_t *
catalog_item (catalog_t *self, const char *name)
{
    assert (self);
    assert (name);
    return (item_t *) zhashx_lookup (self->by_name, name);
}

//  First item in file order, and resets the cursor; NULL if none
item_t *
catalog_first (catalog_t *self)
{
    assert (self);
    return (item_t *) zlistx_first (self->items);
}

//  Next item in file order; NULL after the last
item_t *
catalog_next (catalog_t *self)
{
    assert (self);
    return (item_t *) zlistx_next (self->items);
}


size_t
catalog_notice_count (catalog_t *self)
{
    assert (self);
    return self->notice_count;
}

noticekind_t *
catalog_notice (catalog_t *self, size_t index)
{
    assert (self);
    return index < self->notice_count? self->notices [index]: NULL;
}

noticekind_t *
catalog_notice_find (catalog_t *self, const char *name)
{
    assert (self && name);
    for (size_t index = 0; index < self->notice_count; index++)
        if (streq (noticekind_name (self->notices [index]), name))
            return self->notices [index];
    return NULL;
}


//  --------------------------------------------------------------------------
//  The catalog as published: its keys are declared once, in catalog_pub.c,
//  which also reads it back.

uint8_t *
catalog_encode (catalog_t *self, const char *department, size_t *size)
{
    return catalog_pub_encode (self, department, size);
}

statement_t *
catalog_statement (catalog_t *self, const char *department, uint64_t version,
                   const uint8_t *sign_secret)
{
    return catalog_statement_with (self, department, NULL, 0, version, sign_secret);
}

statement_t *
catalog_statement_with (catalog_t *self, const char *department,
                        const char *const *topics, size_t count,
                        uint64_t version, const uint8_t *sign_secret)
{
    assert (self);
    assert (department);
    assert (sign_secret);
    size_t size;
    uint8_t *payload = catalog_pub_encode_with (self, department, topics, count, &size);
    statement_t *statement = statement_new (STATEMENT_CATALOG, department, department,
                                            version, payload, size);
    free (payload);
    if (statement)
        statement_sign (statement, sign_secret);
    return statement;
}


//  --------------------------------------------------------------------------
//  Self test

static void
s_write (const char *path, const char *text)
{
    FILE *handle = fopen (path, "w");
    assert (handle);
    fputs (text, handle);
    fclose (handle);
}

//  Writes `text` as a catalog and expects it refused with `expect` in the
//  message, after the path
static void
s_expect_refused (const char *path, const char *text, const char *expect,
                  bool verbose)
{
    s_write (path, text);
    char *error = NULL;
    catalog_t *catalog = catalog_load (path, &error);
    if (catalog || !error || strncmp (error, path, strlen (path)) != 0
    || !strstr (error, expect)) {
        printf ("\nexpected '%s', got '%s'\n", expect, error? error: "(accepted)");
        assert (false);
    }
    if (verbose)
        printf ("   refused: %s\n", error);
    freen (error);
}

#define S_ITEM_A \
    "    item = \"enterprise-basic\"\n" \
    "        title = \"企业登记基本信息\"\n" \
    "        key-type = \"uscc\"\n" \
    "        share = \"open\"\n" \
    "        sql = \"SELECT name FROM enterprise WHERE uscc = :key\"\n" \
    "        field = \"name\"\n" \
    "            type = \"text\"\n" \
    "            sensitivity = 1\n"

#define S_ITEM_B \
    "    item = \"penalty\"\n" \
    "        title = \"行政处罚信息\"\n" \
    "        key-type = \"uscc\"\n" \
    "        share = \"closed\"\n" \
    "        legal-basis = \"《行政处罚法》第四十八条\"\n"

void
catalog_test (bool verbose)
{
    printf (" * catalog: ");
    if (verbose)
        printf ("\n");

    //  @selftest
    char *dir = zsys_sprintf ("/tmp/sluice-catalog-test-%d", getpid ());
    int rc = zsys_dir_create ("%s", dir);
    assert (rc == 0);
    char *path = zsys_sprintf ("%s/catalog.zpl", dir);

    s_write (path,
        "#   Catalog of the market supervision bureau\n"
        "catalog\n"
        S_ITEM_A
        "\n"
        "    # a closed item, listed with its legal basis\n"
        S_ITEM_B);
    char *error = NULL;
    catalog_t *catalog = catalog_load (path, &error);
    assert (catalog);
    assert (error == NULL);
    assert (catalog_size (catalog) == 2);
    item_t *item = catalog_first (catalog);
    assert (streq (item_name (item), "enterprise-basic"));
    item = catalog_next (catalog);
    assert (streq (item_name (item), "penalty"));
    assert (item_share (item) == SHARE_CLOSED);
    assert (catalog_next (catalog) == NULL);
    assert (catalog_item (catalog, "penalty") == item);
    assert (catalog_item (catalog, "nothing") == NULL);
    catalog_destroy (&catalog);
    catalog_destroy (&catalog);
    assert (catalog == NULL);

    //  Missing files, directories, binary and oversized files
    char *missing = zsys_sprintf ("%s/missing.zpl", dir);
    catalog = catalog_load (missing, &error);
    assert (!catalog);
    assert (strstr (error, "missing.zpl: cannot open"));
    if (verbose)
        printf ("   refused: %s\n", error);
    freen (error);
    freen (missing);
    catalog = catalog_load (dir, &error);
    assert (!catalog);
    assert (strncmp (error, dir, strlen (dir)) == 0);
    assert (strstr (error, "a directory, not a regular file"));
    freen (error);
    //  A FIFO in place of the file is refused at once, never waited on
    char *fifo = zsys_sprintf ("%s/catalog.fifo", dir);
    assert (mkfifo (fifo, 0600) == 0);
    catalog = catalog_load (fifo, &error);
    assert (!catalog);
    assert (strstr (error, "catalog.fifo: a FIFO, not a regular file"));
    freen (error);
    remove (fifo);
    freen (fifo);
    FILE *handle = fopen (path, "wb");
    assert (handle);
    fwrite ("catalog\n\0\0", 1, 10, handle);
    fclose (handle);
    catalog = catalog_load (path, &error);
    assert (!catalog);
    assert (strstr (error, "NUL byte"));
    freen (error);
    handle = fopen (path, "wb");
    assert (handle);
    for (int index = 0; index < CATALOG_FILE_MAX / 16 + 1; index++)
        fputs ("# padding......\n", handle);
    fclose (handle);
    catalog = catalog_load (path, &error);
    assert (!catalog);
    assert (strstr (error, "larger than"));
    freen (error);

    //  ZPL syntax mistakes, with their line
    s_expect_refused (path, "catalog\n   item = \"x\"\n",
                      ":2: indent by multiples of four spaces", verbose);
    s_expect_refused (path, "catalog\n\titem = \"x\"\n",
                      ":2: indent with four spaces, not a tab", verbose);
    s_expect_refused (path, "catalog\n    item = \"x\n",
                      ":2: missing closing \"", verbose);
    s_expect_refused (path, "catalog\n        item = \"x\"\n",
                      ":2: indented deeper", verbose);
    s_expect_refused (path, "catalog\n    item = \"x\" y\n",
                      ":2: unexpected text", verbose);
    s_expect_refused (path, "catalog\n    = \"x\"\n",
                      ":2: expected a name", verbose);
    s_expect_refused (path, "    catalog\n", ":1: indented", verbose);

    //  Structure
    s_expect_refused (path, "", "no 'catalog' in the file", verbose);
    s_expect_refused (path, "# only a comment\n", "no 'catalog' in the file", verbose);
    s_expect_refused (path, "catalog\n", "the catalog has no items", verbose);
    s_expect_refused (path, "catalog\ncatalog\n", "more than one 'catalog'", verbose);
    s_expect_refused (path, "katalog\n", "unknown key 'katalog' at the top", verbose);
    s_expect_refused (path, "catalog\n    itme = \"x\"\n",
                      "unknown key 'itme' in catalog", verbose);
    s_expect_refused (path, "catalog\n" S_ITEM_A S_ITEM_B S_ITEM_A,
                      "item 'enterprise-basic': duplicate item name", verbose);
    //  At most CATALOG_ITEMS_MAX items: each of the many a name of its own
    char *many = strdup ("catalog\n");
    for (int index = 0; index <= CATALOG_ITEMS_MAX; index++) {
        char *longer = zsys_sprintf ("%s    item = \"item-%d\"\n        title = \"t\"\n"
                                     "        key-type = \"uscc\"\n        share = \"closed\"\n"
                                     "        legal-basis = \"b\"\n", many, index);
        zstr_free (&many);
        many = longer;
    }
    s_expect_refused (path, many, "more than 1024 items", verbose);
    zstr_free (&many);

    //  Notice kinds: loaded in file order, each name once, mistakes with
    //  the path
#define S_NOTICE_A \
    "    notice = \"license-required\"\n" \
    "        title = \"需办理经营许可\"\n" \
    "        keys = \"uscc\"\n"
    s_write (path, "catalog\n" S_ITEM_A S_NOTICE_A
             "    notice = \"address-changed\"\n"
             "        title = \"住所变更\"\n"
             "        keys = \"uscc\"\n");
    catalog = catalog_load (path, &error);
    assert (catalog && catalog_size (catalog) == 1 && catalog_notice_count (catalog) == 2);
    assert (catalog_notice (catalog, 1) == catalog_notice_find (catalog, "address-changed"));
    assert (!catalog_notice (catalog, 2) && !catalog_notice_find (catalog, "x"));
    catalog_destroy (&catalog);
    s_expect_refused (path, "catalog\n" S_NOTICE_A S_NOTICE_A,
                      "notice 'license-required': duplicate notice kind", verbose);
    s_expect_refused (path, "catalog\n    notice = \"x\"\n        title = \"t\"\n",
                      ": notice 'x': keys is missing", verbose);

    //  Item mistakes come back prefixed with the path
    s_expect_refused (path, "catalog\n" S_ITEM_A "        colour = \"red\"\n",
                      ": item 'enterprise-basic': unknown key 'colour'", verbose);
    s_expect_refused (path, "catalog\n" S_ITEM_A
                      "    item = \"Bad!\"\n        title = \"x\"\n",
                      ": item 'Bad!': name must be", verbose);
    s_expect_refused (path, "catalog\n" S_ITEM_A
                      "        field = \"x\"\n            type = \"text\"\n"
                      "            sensitivity = 9\n",
                      ": item 'enterprise-basic': field 'x': sensitivity '9'", verbose);
    s_expect_refused (path, "catalog\n    item = \"x\"\n        title = \"t\"\n"
                      "        key-type = \"uscc\"\n        share = \"closed\"\n",
                      ": item 'x': a closed item must cite its legal-basis", verbose);
    s_expect_refused (path, "catalog\n    item = \"x\"\n        title = \"t\"\n"
                      "        key-type = \"ssn\"\n",
                      ": item 'x': key-type 'ssn' is not known", verbose);
    s_expect_refused (path, "catalog\n    item = \"x\"\n        title = \"t\"\n"
                      "        key-type = \"uscc\"\n        share = \"shared\"\n",
                      ": item 'x': share 'shared' is not", verbose);

    //  The published form: every item's metadata, in catalog order, no SQL
    s_write (path,
        "catalog\n"
        S_ITEM_A
        "        description = \"registered name\"\n"
        "        category = \"市场主体\"\n"
        "        update = \"daily\"\n"
        "        method = \"api\"\n"
        "        field = \"rep-id\"\n"
        "            type = \"text\"\n"
        "            sensitivity = 4\n"
        "            description = \"resident id of the legal representative\"\n"
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
        S_ITEM_B);
    catalog = catalog_load (path, &error);
    assert (catalog);
    size_t size = 0;
    uint8_t *data = catalog_encode (catalog, "SH-PD-MSA", &size);
    assert (data && size > 0);
    //  Deterministic, also across loads of the same file
    size_t again_size = 0;
    uint8_t *again = catalog_encode (catalog, "SH-PD-MSA", &again_size);
    assert (again_size == size && memcmp (again, data, size) == 0);
    freen (again);
    //  As a statement: the same bytes, signed by the department
    uint8_t sign_public [32], sign_secret [64];
    crypto_sign_keypair (sign_public, sign_secret);
    statement_t *statement = catalog_statement (catalog, "SH-PD-MSA", 1, sign_secret);
    assert (statement);
    assert (streq (statement_kind (statement), STATEMENT_CATALOG));
    assert (streq (statement_key (statement), "SH-PD-MSA"));
    assert (statement_payload_size (statement) == size);
    assert (memcmp (statement_payload (statement), data, size) == 0);
    assert (statement_verify (statement, sign_public) == 0);
    statement_destroy (&statement);
    catalog_t *twin = catalog_load (path, &error);
    assert (twin);
    again = catalog_encode (twin, "SH-PD-MSA", &again_size);
    assert (again_size == size && memcmp (again, data, size) == 0);
    freen (again);
    catalog_destroy (&twin);
    //  The SQL stays inside the department
    for (size_t offset = 0; offset + 6 <= size; offset++)
        assert (memcmp (data + offset, "SELECT", 6) != 0);

    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack (data, size, &unpacked) == STATUS_OK);
    const msgpack_object *map = &unpacked.data;
    char text [ITEM_LONG_TEXT_MAX + 1];
    uint64_t number;
    bool bad = false;
    assert (map->type == MSGPACK_OBJECT_MAP && map->via.map.size == 2);
    assert (codec_get_str (map, "department", text, sizeof (text), false) == 0);
    assert (streq (text, "SH-PD-MSA"));
    const msgpack_object *items = codec_get (map, "items", &bad);
    assert (!bad && items && items->type == MSGPACK_OBJECT_ARRAY);
    assert (items->via.array.size == 3);

    const msgpack_object *entry = &items->via.array.ptr [0];
    assert (entry->type == MSGPACK_OBJECT_MAP && entry->via.map.size == 13);
    assert (codec_get (entry, "sql", &bad) == NULL && !bad);
    assert (codec_get_str (entry, "name", text, sizeof (text), false) == 0);
    assert (streq (text, "enterprise-basic"));
    assert (codec_get_str (entry, "title", text, sizeof (text), false) == 0);
    assert (streq (text, "企业登记基本信息"));
    assert (codec_get_str (entry, "description", text, sizeof (text), false) == 0);
    assert (streq (text, "registered name"));
    assert (codec_get_str (entry, "category", text, sizeof (text), false) == 0);
    assert (streq (text, "市场主体"));
    assert (codec_get_str (entry, "key_type", text, sizeof (text), false) == 0);
    assert (streq (text, "uscc"));
    assert (codec_get_str (entry, "share", text, sizeof (text), false) == 0);
    assert (streq (text, "open"));
    assert (codec_get_str (entry, "conditions", text, sizeof (text), false) == 0);
    assert (streq (text, ""));
    assert (codec_get_str (entry, "legal_basis", text, sizeof (text), false) == 0);
    assert (streq (text, ""));
    assert (codec_get_str (entry, "update", text, sizeof (text), false) == 0);
    assert (streq (text, "daily"));
    assert (codec_get_str (entry, "format", text, sizeof (text), false) == 0);
    assert (streq (text, "record"));
    assert (codec_get_str (entry, "method", text, sizeof (text), false) == 0);
    assert (streq (text, "api"));
    assert (codec_get_uint (entry, "max_rows", &number, 100) == 0 && number == 1);
    const msgpack_object *fields = codec_get (entry, "fields", &bad);
    assert (!bad && fields && fields->type == MSGPACK_OBJECT_ARRAY);
    assert (fields->via.array.size == 2);
    const msgpack_object *field = &fields->via.array.ptr [0];
    assert (field->type == MSGPACK_OBJECT_MAP && field->via.map.size == 6);
    assert (codec_get_str (field, "name", text, sizeof (text), false) == 0);
    assert (streq (text, "name"));
    assert (codec_get_str (field, "type", text, sizeof (text), false) == 0);
    assert (streq (text, "text"));
    assert (codec_get_uint (field, "sensitivity", &number, 5) == 0 && number == 1);
    assert (codec_get_str (field, "description", text, sizeof (text), false) == 0);
    assert (streq (text, ""));
    assert (codec_get_str (field, "element", text, sizeof (text), false) == 0);
    assert (streq (text, ""));
    const msgpack_object *personal = codec_get (field, "personal", &bad);
    assert (personal && personal->type == MSGPACK_OBJECT_BOOLEAN);
    assert (!personal->via.boolean);
    field = &fields->via.array.ptr [1];
    assert (codec_get_str (field, "name", text, sizeof (text), false) == 0);
    assert (streq (text, "rep-id"));
    assert (codec_get_uint (field, "sensitivity", &number, 5) == 0 && number == 4);
    assert (codec_get_str (field, "element", text, sizeof (text), false) == 0);
    assert (streq (text, "person.resident-id"));
    assert (codec_get_str (field, "description", text, sizeof (text), false) == 0);
    assert (streq (text, "resident id of the legal representative"));
    personal = codec_get (field, "personal", &bad);
    assert (personal && personal->type == MSGPACK_OBJECT_BOOLEAN);
    assert (personal->via.boolean);

    entry = &items->via.array.ptr [1];
    assert (codec_get_str (entry, "name", text, sizeof (text), false) == 0);
    assert (streq (text, "licences"));
    assert (codec_get_str (entry, "share", text, sizeof (text), false) == 0);
    assert (streq (text, "conditional"));
    assert (codec_get_str (entry, "conditions", text, sizeof (text), false) == 0);
    assert (streq (text, "inspection duties only"));
    assert (codec_get_str (entry, "format", text, sizeof (text), false) == 0);
    assert (streq (text, "list"));
    assert (codec_get_str (entry, "method", text, sizeof (text), false) == 0);
    assert (streq (text, "query"));
    assert (codec_get_uint (entry, "max_rows", &number, 100) == 0 && number == 20);
    fields = codec_get (entry, "fields", &bad);
    assert (fields && fields->via.array.size == 1);
    assert (codec_get_str (&fields->via.array.ptr [0], "type", text,
                           sizeof (text), false) == 0);
    assert (streq (text, "integer"));

    entry = &items->via.array.ptr [2];
    assert (codec_get_str (entry, "name", text, sizeof (text), false) == 0);
    assert (streq (text, "penalty"));
    assert (codec_get_str (entry, "share", text, sizeof (text), false) == 0);
    assert (streq (text, "closed"));
    assert (codec_get_str (entry, "legal_basis", text, sizeof (text), false) == 0);
    assert (streq (text, "《行政处罚法》第四十八条"));
    fields = codec_get (entry, "fields", &bad);
    assert (fields && fields->type == MSGPACK_OBJECT_ARRAY);
    assert (fields->via.array.size == 0);
    msgpack_unpacked_destroy (&unpacked);

    //  The bytes of the published form stay what they were (PROTOCOL.md
    //  16.4): the SHA-256 of this encoding
    uint8_t digest [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (digest, data, size);
    char digest_hex [crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex (digest_hex, sizeof (digest_hex), digest, sizeof (digest));
    assert (size == 900);
    assert (streq (digest_hex,
                   "adaa51b5089bc59b6cf650270e1e1c1d5185c6bf313fad3d5cecd890d14b1d9e"));

    //  Any cut of the encoding is refused by the strict decoder
    for (size_t cut = 0; cut < size; cut += 7) {
        msgpack_unpacked_init (&unpacked);
        assert (codec_unpack (data, cut, &unpacked) == STATUS_MALFORMED);
        msgpack_unpacked_destroy (&unpacked);
    }
    //  The department is part of what is published
    again = catalog_encode (catalog, "SH-PD-TAX", &again_size);
    assert (again_size == size && memcmp (again, data, size) != 0);
    freen (again);
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
