/*  catalog_cmd.c -- `sluice catalog list|show|search`: the catalogs the
    federation's departments published, as the local gateway holds them.

    The reply comes from the local gateway, but the catalogs in it were
    written by other departments: each is read by catalog_pub_decode, which
    checks its shape and bounds, before anything is printed; texts are
    printed through cli_out.h (control characters and invalid UTF-8
    escaped), and a catalog that fails the checks is skipped with a warning
    so that one bad catalog does not hide the others.
*/

#include "catalog_cmd.h"
#include "cli_ask.h"
#include "catalog.h"
#include "catalog_pub.h"
#include "codec.h"
#include "certfile.h"
#include "status.h"

#define S_WAIT_MS   5000            //  default wait for the gateway's answer

//  What the user asked for; NULL means "any"
typedef struct {
    const char *department;
    const char *item;
    const char *key_type;
    const char *category;
    const char *field;
    const char *element;
    const char *text;
    const char *share;
} s_filter_t;

//  One item that matched
typedef struct {
    char department [ENVELOPE_DEPT_MAX + 1];
    uint64_t published;                 //  ms since the epoch
    const catalog_pub_item_t *item;     //  borrowed from its catalog
    size_t order;                       //  position in the reply
} s_match_t;

//  Every match, and the catalogs they point into
typedef struct {
    s_match_t *matches;
    size_t count, capacity;
    zlistx_t *catalogs;                 //  catalog_pub_t, owned
} s_found_t;

typedef enum { S_LIST, S_SHOW, S_SEARCH } s_verb_t;


//  --------------------------------------------------------------------------
//  Reading the reply: { "department", "published", "catalog" } a row

//  The catalog of one row, checked; NULL with *error if it is not one.
//  department gets the row's department (if it has a valid one, even when
//  the rest is bad; "?" if not).
static catalog_pub_t *
s_row_catalog (const msgpack_object *row, char *department, size_t size,
               uint64_t *published, char **error)
{
    snprintf (department, size, "?");
    if (row->type != MSGPACK_OBJECT_MAP) {
        status_set_error (error, "not a map");
        return NULL;
    }
    if (codec_get_str (row, "department", department, size, false) || !*department) {
        snprintf (department, size, "?");
        status_set_error (error, "no valid department");
        return NULL;
    }
    if (codec_get_uint (row, "published", published, UINT64_MAX)) {
        status_set_error (error, "no publication time");
        return NULL;
    }
    bool twice = false;
    const msgpack_object *map = codec_get (row, "catalog", &twice);
    if (twice || !map || map->type != MSGPACK_OBJECT_MAP) {
        status_set_error (error, "no catalog map");
        return NULL;
    }
    catalog_pub_t *catalog = catalog_pub_decode (map, error);
    if (catalog && !streq (catalog_pub_department (catalog), department)) {
        status_set_error (error, "the catalog names another department");
        catalog_pub_destroy (&catalog);
    }
    return catalog;
}

//  A data element matches exactly, or as a prefix: "enterprise." and
//  "enterprise" both match "enterprise.name"
static bool
s_element_matches (const char *element, const char *wanted)
{
    size_t length = strlen (wanted);
    if (streq (element, wanted))
        return true;
    if (length && wanted [length - 1] == '.')
        return strncmp (element, wanted, length) == 0;
    return strncmp (element, wanted, length) == 0 && element [length] == '.';
}

//  True if one of the item's fields has the name, or the data element
static bool
s_has_field (const catalog_pub_item_t *item, const char *name, const char *element)
{
    for (size_t index = 0; index < item->field_count; index++)
        if ((name && streq (item->fields [index].name, name))
        ||  (element && s_element_matches (item->fields [index].element, element)))
            return true;
    return false;
}

static bool
s_matches (const s_filter_t *filter, const char *department,
           const catalog_pub_item_t *item)
{
    if ((filter->department && !streq (filter->department, department))
    ||  (filter->item && !streq (item->name, filter->item))
    ||  (filter->key_type && !streq (item->key_type, filter->key_type))
    ||  (filter->category && !streq (item->category, filter->category))
    ||  (filter->share && !streq (item->share, filter->share)))
        return false;
    if (filter->text
    &&  !strstr (item->title, filter->text) && !strstr (item->description, filter->text)
    &&  !strstr (item->category, filter->text) && !strstr (item->name, filter->text))
        return false;
    return (!filter->field || s_has_field (item, filter->field, NULL))
        && (!filter->element || s_has_field (item, NULL, filter->element));
}

static void
s_add (s_found_t *found, const char *department, uint64_t published,
       const catalog_pub_item_t *item, size_t order)
{
    if (found->count == found->capacity) {
        found->capacity = found->capacity? found->capacity * 2: 16;
        found->matches = (s_match_t *) realloc (found->matches,
                                                found->capacity * sizeof (s_match_t));
        assert (found->matches);
    }
    s_match_t *match = &found->matches [found->count++];
    snprintf (match->department, sizeof (match->department), "%s", department);
    match->published = published;
    match->item = item;
    match->order = order;
}

static int
s_match_compare (const void *left, const void *right)
{
    const s_match_t *a = (const s_match_t *) left;
    const s_match_t *b = (const s_match_t *) right;
    int order = strcmp (a->department, b->department);
    if (order)
        return order;
    return a->order < b->order? -1: a->order > b->order? 1: 0;
}

static void
s_catalog_destructor (void **item)
{
    catalog_pub_destroy ((catalog_pub_t **) item);
}

//  Collects the items of the reply's valid catalogs that match, sorted by
//  department, in catalog order within one; warns about skipped catalogs
static void
s_collect (cli_t *cli, const msgpack_object *rows, const s_filter_t *filter,
           s_found_t *found)
{
    memset (found, 0, sizeof (*found));
    found->catalogs = zlistx_new ();
    assert (found->catalogs);
    zlistx_set_destructor (found->catalogs, s_catalog_destructor);
    size_t order = 0;
    for (uint32_t row = 0; row < rows->via.array.size; row++) {
        char department [ENVELOPE_DEPT_MAX + 1];
        uint64_t published = 0;
        char *error = NULL;
        catalog_pub_t *catalog = s_row_catalog (&rows->via.array.ptr [row], department,
                                                sizeof (department), &published, &error);
        if (!catalog) {
            cli_fail (cli, 0, "skipped the catalog of %s: %s", department, error);
            zstr_free (&error);
            continue;
        }
        zlistx_add_end (found->catalogs, catalog);
        for (size_t index = 0; index < catalog_pub_size (catalog); index++, order++) {
            const catalog_pub_item_t *item = catalog_pub_item (catalog, index);
            if (s_matches (filter, department, item))
                s_add (found, department, published, item, order);
        }
    }
    if (found->count > 1)
        qsort (found->matches, found->count, sizeof (s_match_t), s_match_compare);
}


//  --------------------------------------------------------------------------
//  Printing

//  A text of a catalog, escaped (cli_out.h), padded to `width` columns;
//  "-" for an empty one if `dash`
static void
s_put (cli_out_t *out, const char *text, size_t width, bool dash)
{
    cli_text_str (out, dash && !*text? "-": text, width);
}

//  The columns a text takes
static size_t
s_width (const char *text)
{
    return cli_text_width (text, strlen (text));
}

static size_t
s_max (size_t a, size_t b)
{
    return a > b? a: b;
}

static void
s_time (uint64_t published_ms, char *text)
{
    certfile_time_format ((int64_t) (published_ms / 1000), text);
}

//  One line a match; columns as wide as their widest value, title last
static void
s_print_lines (cli_out_t *out, const s_found_t *found)
{
    size_t department = strlen ("DEPARTMENT"), name = strlen ("ITEM");
    size_t key_type = strlen ("KEY TYPE"), update = strlen ("UPDATE");
    size_t share = strlen ("conditional");
    for (size_t index = 0; index < found->count; index++) {
        const catalog_pub_item_t *item = found->matches [index].item;
        department = s_max (department, strlen (found->matches [index].department));
        name = s_max (name, s_width (item->name));
        key_type = s_max (key_type, s_width (item->key_type));
        update = s_max (update, s_width (item->update));
    }
    cli_text_str (out, "DEPARTMENT", department + 2);
    cli_text_str (out, "ITEM", name + 2);
    cli_text_str (out, "SHARE", share + 2);
    cli_text_str (out, "KEY TYPE", key_type + 2);
    cli_text_str (out, "FIELDS", 8);
    cli_text_str (out, "UPDATE", update + 2);
    cli_text_str (out, "PUBLISHED", 12);
    fputs ("TITLE\n", out->file);
    for (size_t index = 0; index < found->count; index++) {
        const s_match_t *match = &found->matches [index];
        char published [CERTFILE_TIME_SIZE];
        s_time (match->published, published);
        published [10] = 0;             //  The date is enough here
        cli_text_str (out, match->department, department + 2);
        s_put (out, match->item->name, name + 2, false);
        s_put (out, match->item->share, share + 2, false);
        s_put (out, match->item->key_type, key_type + 2, false);
        fprintf (out->file, "%-8zu", match->item->field_count);
        s_put (out, match->item->update, update + 2, true);
        cli_text_str (out, published, 12);
        s_put (out, match->item->title, 0, false);
        fputc ('\n', out->file);
    }
}

//  One labelled line of `show`, skipped if the value is empty and optional
static void
s_show_line (cli_out_t *out, const char *label, const char *value, bool optional)
{
    if (optional && !*value)
        return;
    cli_text_str (out, label, 13);
    s_put (out, value, 0, true);
    fputc ('\n', out->file);
}

//  The fields of an item, in columns
static void
s_print_fields (cli_out_t *out, const catalog_pub_item_t *item)
{
    fprintf (out->file, "fields       %zu\n", item->field_count);
    if (item->field_count == 0)
        return;
    size_t name = strlen ("FIELD"), element = strlen ("ELEMENT");
    for (size_t index = 0; index < item->field_count; index++) {
        name = s_max (name, s_width (item->fields [index].name));
        element = s_max (element, s_width (item->fields [index].element));
    }
    fputs ("  ", out->file);
    cli_text_str (out, "FIELD", name + 2);
    cli_text_str (out, "TYPE", 9);
    cli_text_str (out, "SENSITIVITY", 13);
    cli_text_str (out, "ELEMENT", element + 2);
    cli_text_str (out, "PERSONAL", 10);
    fputs ("DESCRIPTION\n", out->file);
    for (size_t index = 0; index < item->field_count; index++) {
        const catalog_pub_field_t *field = &item->fields [index];
        fputs ("  ", out->file);
        s_put (out, field->name, name + 2, false);
        s_put (out, field->type, 9, false);
        fprintf (out->file, "%-13" PRIu64, field->sensitivity);
        s_put (out, field->element, element + 2, true);
        cli_text_str (out, field->personal? "yes": "no", 10);
        s_put (out, field->description, 0, true);
        fputc ('\n', out->file);
    }
}

//  Everything published about one item
static void
s_print_item (cli_out_t *out, const s_match_t *match)
{
    const catalog_pub_item_t *item = match->item;
    char published [CERTFILE_TIME_SIZE];
    s_time (match->published, published);
    s_show_line (out, "department", match->department, false);
    s_show_line (out, "published", published, false);
    s_show_line (out, "item", item->name, false);
    s_show_line (out, "title", item->title, false);
    s_show_line (out, "description", item->description, false);
    s_show_line (out, "category", item->category, false);
    s_show_line (out, "key type", item->key_type, false);
    s_show_line (out, "share", item->share, false);
    s_show_line (out, "conditions", item->conditions, true);
    s_show_line (out, "legal basis", item->legal_basis, true);
    s_show_line (out, "update", item->update, false);
    s_show_line (out, "method", item->method, false);
    cli_text_str (out, "format", 13);
    s_put (out, item->format, 0, false);
    if (streq (item->format, "list"))
        fprintf (out->file, ", at most %" PRIu64 " row%s", item->max_rows,
                 item->max_rows == 1? "": "s");
    fputc ('\n', out->file);
    s_print_fields (out, item);
}

//  The matches as a JSON array of objects: department, published (ISO 8601
//  UTC), then the item as published, every key of its map
static void
s_print_json (cli_out_t *out, const s_found_t *found, size_t count)
{
    json_t *json = json_array ();
    assert (json);
    for (size_t index = 0; index < count; index++) {
        const s_match_t *match = &found->matches [index];
        char published [CERTFILE_TIME_SIZE];
        s_time (match->published, published);
        json_t *entry = json_object ();
        assert (entry);
        jsonpack_set (entry, "department", jsonpack_str (&out->counts, match->department));
        jsonpack_set (entry, "published", json_string (published));
        json_t *item = jsonpack_value (&out->counts, match->item->map);
        json_object_update (entry, item);
        json_decref (item);
        json_array_append_new (json, entry);
    }
    cli_json_print (out, &json);
}


//  --------------------------------------------------------------------------
//  Asking the gateway, then filtering and printing

//  What to say when nothing is found, and the exit code
static int
s_none (cli_t *cli, s_verb_t verb, const s_filter_t *filter)
{
    if (verb == S_SHOW)
        return cli_fail (cli, CLI_EXIT_NOT_FOUND, "%s has published no item '%s'",
                         filter->department, filter->item);
    if (verb == S_SEARCH)
        return cli_fail (cli, CLI_EXIT_NOT_FOUND, "no item matches");
    //  An empty list is not a failure
    if (filter->department)
        return cli_fail (cli, CLI_EXIT_OK, "%s has published no catalog",
                         filter->department);
    return cli_fail (cli, CLI_EXIT_OK, "no department has published a catalog");
}

static int
s_execute (cli_t *cli, s_verb_t verb, const s_filter_t *filter)
{
    if (filter->share && !streq (filter->share, "open")
    &&  !streq (filter->share, "conditional") && !streq (filter->share, "closed"))
        return cli_usage_error (cli, "--share is open, conditional or closed");
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "catalogs");
    localapi_reply_t reply;
    char *error = NULL;
    int rc = cli_ask (cli, &request, S_WAIT_MS, &reply, &error);
    if (rc)
        cli_fail_with (cli, rc, &error);
    else
        rc = cli_ask_refused (cli, &reply);
    if (rc) {
        localapi_reply_destroy (&reply);
        return rc;
    }
    s_found_t found;
    s_collect (cli, reply.rows, filter, &found);
    cli_out_t out = cli_out (stdout);
    if (cli_json (cli))
        s_print_json (&out, &found, verb == S_SHOW && found.count > 1? 1: found.count);
    else
    if (verb == S_SHOW && found.count > 0)
        s_print_item (&out, &found.matches [0]);
    else
    if (found.count > 0)
        s_print_lines (&out, &found);
    cli_out_report (&out, cli->name);
    rc = found.count? CLI_EXIT_OK: s_none (cli, verb, filter);
    free (found.matches);
    zlistx_destroy (&found.catalogs);
    localapi_reply_destroy (&reply);
    return rc;
}

//  The filter as the options give it
static s_filter_t
s_filter (cli_t *cli, s_verb_t verb)
{
    s_filter_t filter = { cli_get (cli, "department") };
    if (verb == S_SHOW)
        filter.item = cli_get (cli, "item");
    if (verb == S_SEARCH) {
        filter.key_type = cli_get (cli, "key-type");
        filter.category = cli_get (cli, "category");
        filter.field = cli_get (cli, "field");
        filter.element = cli_get (cli, "element");
        filter.text = cli_get (cli, "text");
        filter.share = cli_get (cli, "share");
    }
    return filter;
}

static int
s_list (cli_t *cli)
{
    s_filter_t filter = s_filter (cli, S_LIST);
    return s_execute (cli, S_LIST, &filter);
}

static int
s_show (cli_t *cli)
{
    s_filter_t filter = s_filter (cli, S_SHOW);
    return s_execute (cli, S_SHOW, &filter);
}

static int
s_search (cli_t *cli)
{
    s_filter_t filter = s_filter (cli, S_SEARCH);
    return s_execute (cli, S_SEARCH, &filter);
}


//  --------------------------------------------------------------------------
//  The group

#define S_JSON_OPTION \
    { "json", NULL, 0, "print the items as JSON: department, published, then the item " \
      "as published" }

static const cli_option_t s_list_options [] = {
    CLI_ASK_OPTIONS,
    { "department", "DEPT", 0, "DEPT's catalog only" },
    CLI_ASK_TIMEOUT ("5000"), S_JSON_OPTION,
    { NULL }
};

static const cli_exit_use_t s_list_exits [] = {
    { CLI_EXIT_OK, "done (also when nothing is published)" },
    { CLI_EXIT_FAILED, "no answer, or the gateway refused" },
    { 0, NULL }
};

static const cli_command_t s_list_command = {
    "list", "every published item, one line each", s_list, s_list_options, NULL,
    "Lists every item of every catalog published to the federation (or of\n"
    "DEPT's only), one line each: department, item, share class, key type,\n"
    "number of fields, update cycle, publication date (UTC), title.\n",
    s_list_exits, "sluice catalog list --config tax.cfg --department SH-PD-MSA\n"
};

static const cli_option_t s_show_options [] = {
    CLI_ASK_OPTIONS,
    { "department", "DEPT", CLI_REQUIRED, "the department that publishes it" },
    { "item", "ITEM", CLI_REQUIRED, "the item" },
    CLI_ASK_TIMEOUT ("5000"), S_JSON_OPTION,
    { NULL }
};

static const cli_exit_use_t s_show_exits [] = {
    { CLI_EXIT_OK, "shown" }, { CLI_EXIT_NOT_FOUND, "no such item" },
    { CLI_EXIT_FAILED, "no answer, or the gateway refused" },
    { 0, NULL }
};

static const cli_command_t s_show_command = {
    "show", "everything published about one item", s_show, s_show_options, NULL,
    "Shows everything DEPT published about ITEM: title, description, key type,\n"
    "share class with its conditions or legal basis, update cycle, format, share\n"
    "method, and each field's type, sensitivity, data element and personal flag.\n",
    s_show_exits,
    "sluice catalog show --config tax.cfg --department SH-PD-MSA \\\n"
    "    --item enterprise-basic\n"
};

static const cli_option_t s_search_options [] = {
    CLI_ASK_OPTIONS,
    { "department", "DEPT", 0, "DEPT's catalog only" },
    { "key-type", "TYPE", 0, "the item's key type (uscc, resident-id, ...), exactly" },
    { "category", "C", 0, "the item's category, exactly" },
    { "field", "NAME", 0, "a field of that name" },
    { "element", "E", 0, "a field mapped to that data element, or to one under it: "
      "'enterprise' and 'enterprise.' match 'enterprise.name'" },
    { "text", "WORDS", 0, "part of the name, title, description or category "
      "(case-sensitive)" },
    { "share", "open|conditional|closed", 0, "the share class" },
    CLI_ASK_TIMEOUT ("5000"), S_JSON_OPTION,
    { NULL }
};

static const cli_exit_use_t s_search_exits [] = {
    { CLI_EXIT_OK, "found" }, { CLI_EXIT_NOT_FOUND, "nothing matched" },
    { CLI_EXIT_FAILED, "no answer, or the gateway refused" },
    { 0, NULL }
};

static const cli_command_t s_search_command = {
    "search", "items matching filters (key type, element, text ...)", s_search,
    s_search_options, NULL,
    "Lists the published items that match every filter given, as list does.\n",
    s_search_exits,
    "sluice catalog search --config tax.cfg --element enterprise. --share open\n"
};

static const cli_command_t *const s_commands [] = {
    &s_list_command, &s_show_command, &s_search_command, NULL
};

const cli_command_t catalog_cmd = {
    "catalog", "list, show and search the federation's catalogs", NULL, NULL, NULL,
    NULL, NULL, NULL, s_commands
};


//  --------------------------------------------------------------------------
//  Self test: a stand-in gateway (cli_ask_fake) answers each command

//  Runs `sluice catalog ARGS...`, stdout and stderr into *out and *err
#define S_RUN(out, err, ...) \
    cli_run_captured (&catalog_cmd, "sluice catalog", out, err, __VA_ARGS__)

void
catalog_cmd_test (bool verbose)
{
    printf (" * catalog_cmd: ");
    if (verbose)
        printf ("\n");

    //  @selftest
    char *dir = zsys_sprintf ("/tmp/sluice-catalog-cmd-test-%d", getpid ());
    int rc = zsys_dir_create ("%s", dir);
    assert (rc == 0);
    char *path = zsys_sprintf ("%s/catalog.cfg", dir);
    FILE *handle = fopen (path, "w");
    assert (handle);
    fputs ("catalog\n"
           "    item = \"enterprise-basic\"\n"
           "        title = \"企业登记基本信息\"\n"
           "        description = \"Registered name and address\"\n"
           "        category = \"市场主体\"\n"
           "        key-type = \"uscc\"\n"
           "        share = \"open\"\n"
           "        update = \"daily\"\n"
           "        sql = \"SELECT name, address FROM enterprise WHERE uscc = :key\"\n"
           "        field = \"name\"\n"
           "            type = \"text\"\n"
           "            sensitivity = 0\n"
           "            description = \"registered name\"\n"
           "            element = \"enterprise.name\"\n"
           "        field = \"address\"\n"
           "            type = \"text\"\n"
           "            sensitivity = 1\n"
           "            element = \"enterprise.address\"\n"
           "    item = \"legal-rep\"\n"
           "        title = \"法定代表人\"\n"
           "        category = \"市场主体\"\n"
           "        key-type = \"uscc\"\n"
           "        share = \"conditional\"\n"
           "        conditions = \"registration checks only\"\n"
           "        format = \"list\"\n"
           "        max-rows = 5\n"
           "        method = \"api\"\n"
           "        sql = \"SELECT rep_id FROM enterprise WHERE uscc = :key\"\n"
           "        field = \"rep_id\"\n"
           "            type = \"text\"\n"
           "            sensitivity = 4\n"
           "            element = \"person.resident-id\"\n"
           "            personal = 1\n"
           "    item = \"complaints\"\n"
           "        title = \"投诉举报案卷\"\n"
           "        category = \"执法\"\n"
           "        key-type = \"uscc\"\n"
           "        share = \"closed\"\n"
           "        legal-basis = \"《市场监督管理投诉举报处理暂行办法》第三十二条\"\n",
           handle);
    fclose (handle);
    char *error = NULL;
    catalog_t *catalog = catalog_load (path, &error);
    assert (catalog);
    size_t msa_size, tax_size;
    uint8_t *msa = catalog_encode (catalog, "SH-PD-MSA", &msa_size);
    uint8_t *tax = catalog_encode (catalog, "SH-PD-TAX", &tax_size);
    uint8_t *liar = catalog_encode (catalog, "SH-PD-MSA", &tax_size);
    catalog_destroy (&catalog);

    //  Rows: TAX (listed after MSA though sent first), MSA, a catalog that
    //  names another department, and a row that is not a map
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 4);
    const char *departments [3] = { "SH-PD-TAX", "SH-PD-MSA", "SH-PD-FDA" };
    const uint8_t *catalogs [3] = { tax, msa, liar };
    size_t sizes [3] = { tax_size, msa_size, tax_size };
    for (int index = 0; index < 3; index++) {
        msgpack_pack_map (&pk, 3);
        codec_pack_kv_str (&pk, "department", departments [index]);
        codec_pack_kv_uint (&pk, "published", 1777622400000ULL);   //  2026-05-01
        codec_pack_str (&pk, "catalog");
        msgpack_sbuffer_write (&rows, (const char *) catalogs [index], sizes [index]);
    }
    msgpack_pack_str (&pk, 3);
    msgpack_pack_str_body (&pk, "odd", 3);
    freen (msa);
    freen (tax);
    freen (liar);

    zlistx_t *replies = zlistx_new ();
    //  One good reply per command that reaches the gateway, in order
    for (int index = 0; index < 11; index++)
        zlistx_add_end (replies, cli_ask_fake_reply (STATUS_OK, "catalogs", rows.data,
                                                     rows.size));
    zlistx_add_end (replies, cli_ask_fake_reply (STATUS_BAD_TYPE, "unknown op", "\x90", 1));
    zchunk_t *garbage = zchunk_new ("\x81\xa1x\x01", 4);
    zlistx_add_end (replies, garbage);
    msgpack_sbuffer_destroy (&rows);

    char *endpoint = zsys_sprintf ("ipc://%s/gateway.ipc", dir);
    zactor_t *gateway = cli_ask_fake (endpoint, replies);
    assert (gateway);

    char *out, *err;
    //  list: every item of the valid catalogs, MSA first; bad ones skipped
    rc = S_RUN (&out, &err, "catalog", "list", "--gateway", endpoint, NULL);
    if (verbose)
        printf ("%s%s", out, err);
    assert (rc == 0);
    assert (strstr (out, "DEPARTMENT"));
    assert (strstr (out, "SH-PD-MSA   enterprise-basic"));
    assert (strstr (out, "2026-05-01"));
    assert (strstr (out, "企业登记基本信息"));
    assert (strstr (out, "conditional"));
    assert (strstr (out, "SH-PD-MSA") < strstr (out, "SH-PD-TAX"));
    assert (!strstr (out, "SH-PD-FDA"));
    assert (strstr (err, "skipped the catalog of SH-PD-FDA: the catalog names "
                         "another department"));
    assert (strstr (err, "skipped the catalog of ?: not a map"));
    freen (out);
    freen (err);

    //  list --department, as JSON
    rc = S_RUN (&out, &err, "catalog", "list", "--gateway", endpoint,
                "--department", "SH-PD-TAX", "--json", NULL);
    assert (rc == 0);
    assert (out [0] == '[');
    assert (strstr (out, "{\"department\":\"SH-PD-TAX\",\"published\":"
                         "\"2026-05-01T08:00:00Z\",\"name\":\"enterprise-basic\""));
    assert (strstr (out, "\"method\":\"api\""));
    assert (strstr (out, "\"personal\":true"));
    assert (!strstr (out, "SH-PD-MSA"));
    assert (!strstr (out, "SELECT"));
    freen (out);
    freen (err);

    //  show: every field of one item
    rc = S_RUN (&out, &err, "catalog", "show", "--gateway", endpoint,
                "--department", "SH-PD-MSA", "--item", "legal-rep", NULL);
    if (verbose)
        printf ("%s", out);
    assert (rc == 0);
    assert (strstr (out, "conditions   registration checks only"));
    assert (strstr (out, "format       list, at most 5 rows"));
    assert (strstr (out, "method       api"));
    assert (strstr (out, "rep_id  text     4            person.resident-id  yes"));
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "show", "--gateway", endpoint,
                "--department", "SH-PD-MSA", "--item", "complaints", NULL);
    assert (rc == 0);
    assert (strstr (out, "legal basis  《市场监督管理投诉举报处理暂行办法》第三十二条"));
    assert (strstr (out, "fields       0"));
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "show", "--gateway", endpoint,
                "--department", "SH-PD-MSA", "--item", "nothing", NULL);
    assert (rc == CLI_EXIT_NOT_FOUND);
    assert (streq (out, ""));
    assert (strstr (err, "SH-PD-MSA has published no item 'nothing'"));
    freen (out);
    freen (err);

    //  search: every filter must match
    rc = S_RUN (&out, &err, "catalog", "search", "--gateway", endpoint,
                "--element", "enterprise.", "--share", "open", NULL);
    assert (rc == 0);
    assert (strstr (out, "SH-PD-MSA   enterprise-basic"));
    assert (strstr (out, "SH-PD-TAX   enterprise-basic"));
    assert (!strstr (out, "legal-rep"));
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "search", "--gateway", endpoint,
                "--element", "person", "--department", "SH-PD-TAX",
                "--key-type", "uscc", "--category", "市场主体", "--json", NULL);
    assert (rc == 0);
    assert (strstr (out, "\"name\":\"legal-rep\""));
    assert (!strstr (out, "enterprise-basic"));
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "search", "--gateway", endpoint,
                "--text", "Registered", "--field", "address", NULL);
    assert (rc == 0);
    assert (strstr (out, "enterprise-basic"));
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "search", "--gateway", endpoint,
                "--text", "registered", "--element", "enterprise.nam", NULL);
    assert (rc == CLI_EXIT_NOT_FOUND);
    assert (strstr (err, "no item matches"));
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "search", "--gateway", endpoint,
                "--share", "closed", "--json", NULL);
    assert (rc == 0);
    assert (strstr (out, "\"fields\":[]"));
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "search", "--gateway", endpoint,
                "--field", "nothing", "--json", NULL);
    assert (rc == CLI_EXIT_NOT_FOUND);
    assert (streq (out, "[]\n"));
    freen (out);
    freen (err);

    //  The gateway's error status, a malformed reply, then no answer
    rc = S_RUN (&out, &err, "catalog", "list", "--gateway", endpoint, NULL);
    assert (rc == CLI_EXIT_FAILED);
    assert (strstr (err, "the gateway answered BAD_TYPE") || strstr (err, "unknown op"));
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "list", "--gateway", endpoint, NULL);
    assert (rc == CLI_EXIT_FAILED);
    assert (strstr (err, "malformed reply"));
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "list", "--gateway", endpoint,
                "--timeout-ms", "100", NULL);
    assert (rc == CLI_EXIT_FAILED);
    assert (strstr (err, "no answer"));
    freen (out);
    freen (err);

    //  Usage
    rc = S_RUN (&out, &err, "catalog", NULL);
    assert (rc == CLI_EXIT_USAGE);
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "lsit", NULL);
    assert (rc == CLI_EXIT_USAGE);
    assert (strstr (err, "unknown command 'lsit'"));
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "--help", NULL);
    assert (rc == 0 && strstr (out, "search"));
    freen (out);
    freen (err);
    const char *verbs [3] = { "list", "show", "search" };
    for (int index = 0; index < 3; index++) {
        rc = S_RUN (&out, &err, "catalog", verbs [index], "--help", NULL);
        assert (rc == 0 && strstr (out, "Example:"));
        freen (out);
        freen (err);
    }
    rc = S_RUN (&out, &err, "catalog", "show", "--gateway", endpoint,
                "--item", "x", NULL);
    assert (rc == CLI_EXIT_USAGE);
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "list", NULL);
    assert (rc == CLI_EXIT_USAGE);
    assert (strstr (err, "give --config gateway.cfg or --gateway ENDPOINT"));
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "search", "--gateway", endpoint,
                "--share", "shared", NULL);
    assert (rc == CLI_EXIT_USAGE);
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "list", "--gateway", endpoint,
                "--timeout-ms", "5", NULL);
    assert (rc == CLI_EXIT_USAGE);
    freen (out);
    freen (err);
    rc = S_RUN (&out, &err, "catalog", "search", "--gateway", NULL);
    assert (rc == CLI_EXIT_USAGE);
    freen (out);
    freen (err);

    zactor_destroy (&gateway);
    zlistx_destroy (&replies);
    zsys_file_delete (path);
    char *socket_path = zsys_sprintf ("%s/gateway.ipc", dir);
    zsys_file_delete (socket_path);
    freen (socket_path);
    rc = zsys_dir_delete ("%s", dir);
    assert (rc == 0);
    freen (endpoint);
    freen (path);
    freen (dir);
    //  @end

    printf ("OK\n");
}
