/*  catalog_cmd.c -- `sluice catalog ...`: list, show and search the
    catalogs the federation's departments published.

    The reply comes from the local gateway, but the catalogs in it were
    written by other departments: every catalog is checked for shape and
    bounds before anything is printed, texts are printed through cli.h
    (control characters and invalid UTF-8 escaped), and a catalog that fails the checks is skipped with
    a warning so that one bad catalog does not hide the others.
*/

#include "catalog_cmd.h"
#include "catalog.h"
#include "cli.h"
#include "codec.h"
#include "status.h"
#include "certfile.h"

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

//  One item that matched, pointing into the reply
typedef struct {
    char department [ENVELOPE_DEPT_MAX + 1];
    uint64_t published;             //  ms since the epoch
    const msgpack_object *item;     //  map, borrowed from the reply
    size_t order;                   //  position in the reply
} s_match_t;

typedef enum { S_LIST, S_SHOW, S_SEARCH } s_verb_t;


//  --------------------------------------------------------------------------
//  Checking what the gateway sent

//  True if `key` is a string of at most max bytes without NUL; absent is
//  fine only if optional.
static bool
s_check_str (const msgpack_object *map, const char *key, size_t max, bool optional)
{
    bool bad = false;
    const msgpack_object *value = codec_get (map, key, &bad);
    if (bad)
        return false;
    if (!value)
        return optional;
    return value->type == MSGPACK_OBJECT_STR
        && value->via.str.size <= max
        && !memchr (value->via.str.ptr, 0, value->via.str.size);
}

static bool
s_check_uint (const msgpack_object *map, const char *key, uint64_t min, uint64_t max)
{
    uint64_t value;
    return codec_get_uint (map, key, &value, max) == 0 && value >= min;
}

static bool
s_check_bool (const msgpack_object *map, const char *key)
{
    bool bad = false;
    const msgpack_object *value = codec_get (map, key, &bad);
    return !bad && value && value->type == MSGPACK_OBJECT_BOOLEAN;
}

//  The string `key` of a checked map; an empty string if absent
static msgpack_object_str
s_str (const msgpack_object *map, const char *key)
{
    bool bad = false;
    const msgpack_object *value = codec_get (map, key, &bad);
    if (value && value->type == MSGPACK_OBJECT_STR)
        return value->via.str;
    msgpack_object_str none = { 0, "" };
    return none;
}

static uint64_t
s_uint (const msgpack_object *map, const char *key)
{
    uint64_t value = 0;
    codec_get_uint (map, key, &value, UINT64_MAX);
    return value;
}

//  The array `key` of a checked map (an empty one if absent)
static msgpack_object_array
s_array (const msgpack_object *map, const char *key)
{
    bool bad = false;
    const msgpack_object *value = codec_get (map, key, &bad);
    if (value && value->type == MSGPACK_OBJECT_ARRAY)
        return value->via.array;
    msgpack_object_array none = { 0, NULL };
    return none;
}

static bool
s_is (msgpack_object_str string, const char *text)
{
    size_t length = strlen (text);
    return string.size == length && memcmp (string.ptr, text, length) == 0;
}

static bool
s_starts (msgpack_object_str string, const char *prefix, size_t length)
{
    return string.size >= length && memcmp (string.ptr, prefix, length) == 0;
}

static bool
s_contains (msgpack_object_str string, const char *needle)
{
    size_t length = strlen (needle);
    if (length == 0)
        return true;
    for (size_t offset = 0; offset + length <= string.size; offset++)
        if (memcmp (string.ptr + offset, needle, length) == 0)
            return true;
    return false;
}

//  Returns NULL if the field map has the published shape, else a reason
static const char *
s_check_field (const msgpack_object *field)
{
    if (field->type != MSGPACK_OBJECT_MAP)
        return "a field is not a map";
    if (!s_check_str (field, "name", ITEM_NAME_MAX, false)
    ||  s_str (field, "name").size == 0)
        return "a field has no valid name";
    if (!s_check_str (field, "type", ITEM_NAME_MAX, false))
        return "a field has no valid type";
    if (!s_check_uint (field, "sensitivity", 0, 5))
        return "a field has no sensitivity 0..5";
    if (!s_check_str (field, "description", ITEM_LONG_TEXT_MAX, false)
    ||  !s_check_str (field, "element", ITEM_NAME_MAX, false))
        return "a field has no valid description or element";
    if (!s_check_bool (field, "personal"))
        return "a field has no personal flag";
    return NULL;
}

//  Returns NULL if the item map has the published shape, else a reason
static const char *
s_check_item (const msgpack_object *item)
{
    if (item->type != MSGPACK_OBJECT_MAP)
        return "an item is not a map";
    if (!s_check_str (item, "name", ITEM_NAME_MAX, false)
    ||  s_str (item, "name").size == 0)
        return "an item has no valid name";
    static const struct {
        const char *key;
        size_t max;
    } texts [] = {
        { "title", ITEM_TEXT_MAX }, { "description", ITEM_LONG_TEXT_MAX },
        { "category", ITEM_TEXT_MAX }, { "key_type", ITEM_NAME_MAX },
        { "conditions", ITEM_LONG_TEXT_MAX }, { "legal_basis", ITEM_LONG_TEXT_MAX },
        { "update", ITEM_TEXT_MAX }, { "format", ITEM_NAME_MAX },
    };
    for (size_t index = 0; index < sizeof (texts) / sizeof (texts [0]); index++)
        if (!s_check_str (item, texts [index].key, texts [index].max, false))
            return "an item lacks a text or has one out of bounds";
    //  The share method came later than the rest: "query" if absent
    if (!s_check_str (item, "method", ITEM_NAME_MAX, true))
        return "an item has an invalid method";
    msgpack_object_str share = s_str (item, "share");
    if (!s_check_str (item, "share", ITEM_NAME_MAX, false)
    ||  (!s_is (share, "open") && !s_is (share, "conditional") && !s_is (share, "closed")))
        return "an item has no valid share class";
    if (!s_check_uint (item, "max_rows", 1, ITEM_ROWS_MAX))
        return "an item has no max_rows 1..100";
    bool bad = false;
    const msgpack_object *fields = codec_get (item, "fields", &bad);
    if (bad || !fields || fields->type != MSGPACK_OBJECT_ARRAY
    ||  fields->via.array.size > ITEM_FIELDS_MAX)
        return "an item has no valid list of fields";
    for (uint32_t index = 0; index < fields->via.array.size; index++) {
        const char *reason = s_check_field (&fields->via.array.ptr [index]);
        if (reason)
            return reason;
    }
    return NULL;
}

//  Checks one row of the reply. Returns NULL and fills department (from the
//  row, if it has a valid one even when the rest is bad) or a reason.
static const char *
s_check_row (const msgpack_object *row, char *department, size_t size)
{
    snprintf (department, size, "?");
    if (row->type != MSGPACK_OBJECT_MAP)
        return "not a map";
    if (!s_check_str (row, "department", ENVELOPE_DEPT_MAX, false)
    ||  s_str (row, "department").size == 0)
        return "no valid department";
    msgpack_object_str name = s_str (row, "department");
    snprintf (department, size, "%.*s", (int) name.size, name.ptr);
    if (!s_check_uint (row, "published", 0, UINT64_MAX))
        return "no publication time";
    bool bad = false;
    const msgpack_object *catalog = codec_get (row, "catalog", &bad);
    if (bad || !catalog || catalog->type != MSGPACK_OBJECT_MAP)
        return "no catalog map";
    if (!s_check_str (catalog, "department", ENVELOPE_DEPT_MAX, false)
    ||  !s_is (s_str (catalog, "department"), department))
        return "the catalog names another department";
    const msgpack_object *items = codec_get (catalog, "items", &bad);
    if (bad || !items || items->type != MSGPACK_OBJECT_ARRAY)
        return "no list of items";
    for (uint32_t index = 0; index < items->via.array.size; index++) {
        const char *reason = s_check_item (&items->via.array.ptr [index]);
        if (reason)
            return reason;
    }
    return NULL;
}


//  --------------------------------------------------------------------------
//  Filtering

//  A data element matches exactly, or as a prefix: "enterprise." and
//  "enterprise" both match "enterprise.name"
static bool
s_element_matches (msgpack_object_str element, const char *wanted)
{
    size_t length = strlen (wanted);
    if (s_is (element, wanted))
        return true;
    if (length && wanted [length - 1] == '.')
        return s_starts (element, wanted, length);
    return s_starts (element, wanted, length)
        && element.size > length && element.ptr [length] == '.';
}

static bool
s_matches (const s_filter_t *filter, const char *department,
           const msgpack_object *item)
{
    if (filter->department && !streq (filter->department, department))
        return false;
    if (filter->item && !s_is (s_str (item, "name"), filter->item))
        return false;
    if (filter->key_type && !s_is (s_str (item, "key_type"), filter->key_type))
        return false;
    if (filter->category && !s_is (s_str (item, "category"), filter->category))
        return false;
    if (filter->share && !s_is (s_str (item, "share"), filter->share))
        return false;
    if (filter->text
    &&  !s_contains (s_str (item, "title"), filter->text)
    &&  !s_contains (s_str (item, "description"), filter->text)
    &&  !s_contains (s_str (item, "category"), filter->text)
    &&  !s_contains (s_str (item, "name"), filter->text))
        return false;
    msgpack_object_array fields = s_array (item, "fields");
    if (filter->field) {
        bool found = false;
        for (uint32_t index = 0; index < fields.size && !found; index++)
            found = s_is (s_str (&fields.ptr [index], "name"), filter->field);
        if (!found)
            return false;
    }
    if (filter->element) {
        bool found = false;
        for (uint32_t index = 0; index < fields.size && !found; index++)
            found = s_element_matches (s_str (&fields.ptr [index], "element"),
                                       filter->element);
        if (!found)
            return false;
    }
    return true;
}

static size_t
s_max (size_t a, size_t b)
{
    return a > b? a: b;
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

//  Collects the items of the reply's valid catalogs that match, sorted by
//  department, in catalog order within one. Returns a fresh array (caller
//  frees) and *count; warns about skipped catalogs.
static s_match_t *
s_collect (const msgpack_object *rows, const s_filter_t *filter,
           const char *command, size_t *count)
{
    s_match_t *matches = NULL;
    size_t size = 0, capacity = 0, order = 0;
    for (uint32_t row = 0; row < rows->via.array.size; row++) {
        const msgpack_object *entry = &rows->via.array.ptr [row];
        char department [ENVELOPE_DEPT_MAX + 1];
        const char *reason = s_check_row (entry, department, sizeof (department));
        if (reason) {
            cli_out_t err = cli_out (stderr);
            fprintf (stderr, "sluice %s: skipped the catalog of ", command);
            cli_text_str (&err, department, 0);
            fprintf (stderr, ": %s\n", reason);
            continue;
        }
        bool bad = false;
        const msgpack_object *catalog = codec_get (entry, "catalog", &bad);
        msgpack_object_array items = s_array (catalog, "items");
        for (uint32_t index = 0; index < items.size; index++, order++) {
            if (!s_matches (filter, department, &items.ptr [index]))
                continue;
            if (size == capacity) {
                capacity = capacity? capacity * 2: 16;
                matches = (s_match_t *) realloc (matches, capacity * sizeof (s_match_t));
                assert (matches);
            }
            s_match_t *match = &matches [size++];
            snprintf (match->department, sizeof (match->department), "%s", department);
            match->published = s_uint (entry, "published");
            match->item = &items.ptr [index];
            match->order = order;
        }
    }
    if (size > 1)
        qsort (matches, size, sizeof (s_match_t), s_match_compare);
    *count = size;
    return matches;
}


//  --------------------------------------------------------------------------
//  Printing

//  Prints a text from the reply, escaped (cli_text), padded with spaces to
//  width columns
static void
s_put (cli_out_t *out, msgpack_object_str string, size_t width)
{
    cli_text (out, string.ptr, string.size, width);
}

//  The same, with "-" for an empty text
static void
s_put_or_dash (cli_out_t *out, msgpack_object_str string, size_t width)
{
    if (string.size)
        s_put (out, string, width);
    else
        cli_text_str (out, "-", width);
}

//  The columns a text of the reply takes
static size_t
s_width (msgpack_object_str string)
{
    return cli_text_width (string.ptr, string.size);
}

static void
s_time (uint64_t published_ms, char *text)
{
    certfile_time_format ((int64_t) (published_ms / 1000), text);
}

static void
s_print_lines (cli_out_t *out, s_match_t *matches, size_t count)
{
    //  Columns as wide as their widest value, title last
    size_t department = strlen ("DEPARTMENT"), name = strlen ("ITEM");
    size_t key_type = strlen ("KEY TYPE"), update = strlen ("UPDATE");
    for (size_t index = 0; index < count; index++) {
        const msgpack_object *item = matches [index].item;
        department = s_max (department, strlen (matches [index].department));
        name = s_max (name, s_width (s_str (item, "name")));
        key_type = s_max (key_type, s_width (s_str (item, "key_type")));
        update = s_max (update, s_width (s_str (item, "update")));
    }
    cli_text_str (out, "DEPARTMENT", department + 2);
    cli_text_str (out, "ITEM", name + 2);
    cli_text_str (out, "SHARE", strlen ("conditional") + 2);
    cli_text_str (out, "KEY TYPE", key_type + 2);
    cli_text_str (out, "FIELDS", 8);
    cli_text_str (out, "UPDATE", update + 2);
    cli_text_str (out, "PUBLISHED", 12);
    printf ("TITLE\n");
    for (size_t index = 0; index < count; index++) {
        const msgpack_object *item = matches [index].item;
        char published [CERTFILE_TIME_SIZE];
        s_time (matches [index].published, published);
        published [10] = 0;             //  The date is enough here
        cli_text_str (out, matches [index].department, department + 2);
        s_put (out, s_str (item, "name"), name + 2);
        s_put (out, s_str (item, "share"), strlen ("conditional") + 2);
        s_put (out, s_str (item, "key_type"), key_type + 2);
        printf ("%-8u", s_array (item, "fields").size);
        s_put_or_dash (out, s_str (item, "update"), update + 2);
        cli_text_str (out, published, 12);
        s_put (out, s_str (item, "title"), 0);
        putchar ('\n');
    }
}

//  One labelled line of `show`, skipped if the value is empty and optional
static void
s_show_line (cli_out_t *out, const char *label, msgpack_object_str value, bool optional)
{
    if (optional && value.size == 0)
        return;
    cli_text_str (out, label, 13);
    s_put_or_dash (out, value, 0);
    putchar ('\n');
}

static void
s_print_item (cli_out_t *out, s_match_t *match)
{
    const msgpack_object *item = match->item;
    char published [CERTFILE_TIME_SIZE];
    s_time (match->published, published);
    s_show_line (out, "department", (msgpack_object_str) {
                 (uint32_t) strlen (match->department), match->department }, false);
    s_show_line (out, "published", (msgpack_object_str) {
                 (uint32_t) strlen (published), published }, false);
    s_show_line (out, "item", s_str (item, "name"), false);
    s_show_line (out, "title", s_str (item, "title"), false);
    s_show_line (out, "description", s_str (item, "description"), false);
    s_show_line (out, "category", s_str (item, "category"), false);
    s_show_line (out, "key type", s_str (item, "key_type"), false);
    s_show_line (out, "share", s_str (item, "share"), false);
    s_show_line (out, "conditions", s_str (item, "conditions"), true);
    s_show_line (out, "legal basis", s_str (item, "legal_basis"), true);
    s_show_line (out, "update", s_str (item, "update"), false);
    msgpack_object_str method = s_str (item, "method");
    s_show_line (out, "method", method.size? method: (msgpack_object_str) { 5, "query" },
                 false);
    cli_text_str (out, "format", 13);
    s_put (out, s_str (item, "format"), 0);
    uint64_t max_rows = s_uint (item, "max_rows");
    if (s_is (s_str (item, "format"), "list"))
        printf (", at most %" PRIu64 " row%s", max_rows, max_rows == 1? "": "s");
    putchar ('\n');

    msgpack_object_array fields = s_array (item, "fields");
    printf ("fields       %u\n", fields.size);
    if (fields.size == 0)
        return;
    size_t name = strlen ("FIELD"), element = strlen ("ELEMENT");
    for (uint32_t index = 0; index < fields.size; index++) {
        name = s_max (name, s_width (s_str (&fields.ptr [index], "name")));
        element = s_max (element, s_width (s_str (&fields.ptr [index], "element")));
    }
    printf ("  ");
    cli_text_str (out, "FIELD", name + 2);
    cli_text_str (out, "TYPE", 9);
    cli_text_str (out, "SENSITIVITY", 13);
    cli_text_str (out, "ELEMENT", element + 2);
    cli_text_str (out, "PERSONAL", 10);
    printf ("DESCRIPTION\n");
    for (uint32_t index = 0; index < fields.size; index++) {
        const msgpack_object *field = &fields.ptr [index];
        bool bad = false;
        const msgpack_object *personal = codec_get (field, "personal", &bad);
        msgpack_object_str value = s_str (field, "element");
        printf ("  ");
        s_put (out, s_str (field, "name"), name + 2);
        s_put (out, s_str (field, "type"), 9);
        printf ("%-13" PRIu64, s_uint (field, "sensitivity"));
        s_put_or_dash (out, value, element + 2);
        cli_text_str (out, personal && personal->via.boolean? "yes": "no", 10);
        value = s_str (field, "description");
        s_put_or_dash (out, value, 0);
        putchar ('\n');
    }
}

//  The matches as a JSON array of objects: department, published (ISO 8601
//  UTC), then the item's metadata as published
static void
s_print_json (cli_out_t *out, s_match_t *matches, size_t count)
{
    putchar ('[');
    for (size_t index = 0; index < count; index++) {
        char published [CERTFILE_TIME_SIZE];
        s_time (matches [index].published, published);
        printf ("%s{\"department\":", index? ",": "");
        cli_json_str (out, matches [index].department);
        printf (",\"published\":\"%s\"", published);
        const msgpack_object_map *map = &matches [index].item->via.map;
        for (uint32_t entry = 0; entry < map->size; entry++) {
            putchar (',');
            cli_json_key (out, &map->ptr [entry].key);
            putchar (':');
            cli_json_value (out, &map->ptr [entry].val);
        }
        putchar ('}');
    }
    printf ("]\n");
}


//  --------------------------------------------------------------------------
//  Asking the gateway, then filtering and printing

static int
s_execute (s_verb_t verb, const char *command, const s_filter_t *filter,
           const char *endpoint, const char *config, const char *timeout, bool json)
{
    int64_t wait = S_WAIT_MS;
    if (timeout) {
        uint64_t value;
        if (certfile_uint_parse (timeout, 600000, &value) || value < 100) {
            fprintf (stderr, "sluice %s: --timeout-ms must be 100..600000\n", command);
            return CLI_EXIT_USAGE;
        }
        wait = (int64_t) value;
    }
    if (filter->share && !streq (filter->share, "open")
    &&  !streq (filter->share, "conditional") && !streq (filter->share, "closed")) {
        fprintf (stderr, "sluice %s: --share is open, conditional or closed\n", command);
        return CLI_EXIT_USAGE;
    }
    char *local = cli_endpoint (endpoint, config, command);
    if (!local)
        return CLI_EXIT_USAGE;
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "catalogs");
    localapi_reply_t reply;
    int rc = cli_call (local, &request, wait, &reply, command);
    free (local);
    if (rc) {
        localapi_reply_destroy (&reply);
        return CLI_EXIT_FAILED;
    }
    if (reply.status != STATUS_OK) {
        cli_out_t err = cli_out (stderr);
        fprintf (stderr, "sluice %s: the gateway answered %s: ", command,
                 status_name ((int) reply.status));
        cli_text_str (&err, reply.reason, 0);
        fprintf (stderr, "\n");
        localapi_reply_destroy (&reply);
        return CLI_EXIT_FAILED;
    }
    size_t count = 0;
    s_match_t *matches = s_collect (reply.rows, filter, command, &count);
    cli_out_t out = cli_out (stdout);
    if (json)
        s_print_json (&out, matches, verb == S_SHOW && count > 1? 1: count);
    else
    if (verb == S_SHOW && count > 0)
        s_print_item (&out, &matches [0]);
    else
    if (count > 0)
        s_print_lines (&out, matches, count);
    cli_out_report (&out, command);

    int code = CLI_EXIT_FOUND;
    if (count == 0) {
        if (verb == S_SHOW)
            fprintf (stderr, "sluice %s: %s has published no item '%s'\n",
                     command, filter->department, filter->item);
        else
        if (verb == S_SEARCH)
            fprintf (stderr, "sluice %s: no item matches\n", command);
        else
        if (filter->department)
            fprintf (stderr, "sluice %s: %s has published no catalog\n",
                     command, filter->department);
        else
            fprintf (stderr, "sluice %s: no department has published a catalog\n",
                     command);
        if (verb != S_LIST)
            code = CLI_EXIT_NOT_FOUND;
    }
    free (matches);
    localapi_reply_destroy (&reply);
    return code;
}

static int
s_list (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL, *timeout = NULL;
    bool json = false, help = false;
    s_filter_t filter = { NULL };
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config },
        { "--department", &filter.department }, { "--timeout-ms", &timeout },
        { "--json", NULL, &json }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "catalog list"))
        return CLI_EXIT_USAGE;
    if (help) {
        printf (
            "usage: sluice catalog list (--config gateway.cfg | --gateway ENDPOINT)\n"
            "                           [--department DEPT] [--timeout-ms N] [--json]\n"
            "Lists every item of every catalog published to the federation (or of\n"
            "DEPT's only), one line each: department, item, share class, key type,\n"
            "number of fields, update cycle, publication date (UTC), title.\n"
            "Exit: 0 done, 3 failed, 64 usage.\n"
            "Example:\n"
            "  sluice catalog list --config tax.cfg --department SH-PD-MSA\n");
        return 0;
    }
    return s_execute (S_LIST, "catalog list", &filter, endpoint, config, timeout, json);
}

static int
s_show (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL, *timeout = NULL;
    bool json = false, help = false;
    s_filter_t filter = { NULL };
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config },
        { "--department", &filter.department }, { "--item", &filter.item },
        { "--timeout-ms", &timeout },
        { "--json", NULL, &json }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "catalog show"))
        return CLI_EXIT_USAGE;
    if (help || !filter.department || !filter.item) {
        fprintf (help? stdout: stderr,
            "usage: sluice catalog show (--config gateway.cfg | --gateway ENDPOINT)\n"
            "                           --department DEPT --item ITEM [--timeout-ms N]\n"
            "                           [--json]\n"
            "Shows everything DEPT published about ITEM: title, description, key type,\n"
            "share class with its conditions or legal basis, update cycle, format, share\n"
            "method, and each field's type, sensitivity, data element and personal flag.\n"
            "Exit: 0 shown, 1 no such item, 3 failed, 64 usage.\n"
            "Example:\n"
            "  sluice catalog show --config tax.cfg --department SH-PD-MSA \\\n"
            "      --item enterprise-basic\n");
        return help? 0: CLI_EXIT_USAGE;
    }
    return s_execute (S_SHOW, "catalog show", &filter, endpoint, config, timeout, json);
}

static int
s_search (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL, *timeout = NULL;
    bool json = false, help = false;
    s_filter_t filter = { NULL };
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config },
        { "--department", &filter.department }, { "--key-type", &filter.key_type },
        { "--category", &filter.category }, { "--field", &filter.field },
        { "--element", &filter.element }, { "--text", &filter.text },
        { "--share", &filter.share }, { "--timeout-ms", &timeout },
        { "--json", NULL, &json }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "catalog search"))
        return CLI_EXIT_USAGE;
    if (help) {
        printf (
            "usage: sluice catalog search (--config gateway.cfg | --gateway ENDPOINT)\n"
            "           [--department DEPT] [--key-type TYPE] [--category C]\n"
            "           [--field NAME] [--element E] [--text WORDS]\n"
            "           [--share open|conditional|closed] [--timeout-ms N] [--json]\n"
            "Lists the published items that match every filter given, like list:\n"
            "  --key-type  the item's key type (uscc, resident-id, ...), exactly\n"
            "  --category  the item's category, exactly\n"
            "  --field     a field of that name\n"
            "  --element   a field mapped to that data element, or to one under it:\n"
            "              'enterprise' and 'enterprise.' match 'enterprise.name'\n"
            "  --text      part of the name, title, description or category\n"
            "              (case-sensitive)\n"
            "Exit: 0 found, 1 nothing matched, 3 failed, 64 usage.\n"
            "Example:\n"
            "  sluice catalog search --config tax.cfg --element enterprise. --share open\n");
        return 0;
    }
    return s_execute (S_SEARCH, "catalog search", &filter, endpoint, config, timeout,
                      json);
}

typedef struct {
    const char *name;
    int (*run) (int argc, char **argv);
    const char *help;
} s_command_t;

static const s_command_t s_commands [] = {
    { "list",   s_list,   "every published item, one line each" },
    { "show",   s_show,   "everything published about one item" },
    { "search", s_search, "items matching filters (key type, element, text ...)" },
    { NULL }
};

int
catalog_cmd_main (int argc, char **argv)
{
    for (const s_command_t *command = s_commands; argc > 1 && command->name; command++)
        if (streq (command->name, argv [1]))
            return command->run (argc - 1, argv + 1);
    bool help = argc > 1 && (streq (argv [1], "--help") || streq (argv [1], "-h"));
    FILE *out = help? stdout: stderr;
    if (argc > 1 && !help)
        fprintf (stderr, "sluice catalog: unknown command '%s'\n", argv [1]);
    fprintf (out, "usage: sluice catalog COMMAND (COMMAND --help for each)\n");
    for (const s_command_t *command = s_commands; command->name; command++)
        fprintf (out, "  %-8s %s\n", command->name, command->help);
    return help? 0: CLI_EXIT_USAGE;
}


//  --------------------------------------------------------------------------
//  Self test: a stand-in gateway answers each request with the next reply
//  of a list it is given; with none left, it stays silent.

typedef struct {
    const char *endpoint;           //  where it binds
    zlistx_t *replies;              //  zchunk_t, consumed in order
} s_fake_t;

static void
s_fake_gateway (zsock_t *pipe, void *args)
{
    s_fake_t *fake = (s_fake_t *) args;
    zlistx_t *replies = fake->replies;
    zsock_t *router = zsock_new_router (fake->endpoint);
    assert (router);
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    while (true) {
        zsock_t *which = (zsock_t *) zpoller_wait (poller, -1);
        if (which != router)
            break;                  //  $TERM or interrupted
        zmsg_t *msg = zmsg_recv (router);
        zframe_t *identity = zmsg_pop (msg);
        zframe_t *body = zmsg_pop (msg);
        localapi_request_t request;
        int status = localapi_request_decode (zframe_data (body), zframe_size (body),
                                              &request);
        assert (status == STATUS_OK);
        assert (streq (request.op, "catalogs"));
        zchunk_t *reply = (zchunk_t *) zlistx_first (replies);
        if (reply) {
            zframe_send (&identity, router, ZFRAME_MORE);
            zframe_t *frame = zframe_new (zchunk_data (reply), zchunk_size (reply));
            zframe_send (&frame, router, 0);
            zlistx_delete (replies, zlistx_cursor (replies));
        }
        zframe_destroy (&identity);
        zframe_destroy (&body);
        zmsg_destroy (&msg);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&router);
}

static void
s_chunk_destructor (void **item)
{
    zchunk_destroy ((zchunk_t **) item);
}

//  A reply whose rows are the given packed row maps
static zchunk_t *
s_reply (int status, const char *rows_data, size_t rows_size)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int rc = codec_unpack ((const uint8_t *) rows_data, rows_size, &unpacked);
    assert (rc == STATUS_OK);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    localapi_reply_encode (&buffer, status, status? "unknown op": "catalogs", "",
                           "SH-PD-TAX", "", "", 0, "", &unpacked.data);
    zchunk_t *chunk = zchunk_new (buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    msgpack_unpacked_destroy (&unpacked);
    return chunk;
}

//  Runs the command with stdout and stderr captured into *out and *err
//  (fresh strings); returns its exit status
static int
s_run (const char *dir, char **out, char **err, ...)
{
    char *argv [32];
    int argc = 0;
    va_list args;
    va_start (args, err);
    for (char *arg = va_arg (args, char *); arg; arg = va_arg (args, char *)) {
        assert (argc < 31);
        argv [argc++] = arg;
    }
    va_end (args);
    argv [argc] = NULL;

    char *out_path = zsys_sprintf ("%s/stdout", dir);
    char *err_path = zsys_sprintf ("%s/stderr", dir);
    fflush (stdout);
    fflush (stderr);
    int saved_out = dup (STDOUT_FILENO);
    int saved_err = dup (STDERR_FILENO);
    int out_fd = open (out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err_fd = open (err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert (saved_out >= 0 && saved_err >= 0 && out_fd >= 0 && err_fd >= 0);
    dup2 (out_fd, STDOUT_FILENO);
    dup2 (err_fd, STDERR_FILENO);
    close (out_fd);
    close (err_fd);
    int rc = catalog_cmd_main (argc, argv);
    fflush (stdout);
    fflush (stderr);
    dup2 (saved_out, STDOUT_FILENO);
    dup2 (saved_err, STDERR_FILENO);
    close (saved_out);
    close (saved_err);

    const char *paths [2] = { out_path, err_path };
    char **texts [2] = { out, err };
    for (int index = 0; index < 2; index++) {
        zfile_t *file = zfile_new (NULL, paths [index]);
        assert (file);
        size_t size = (size_t) zfile_cursize (file);
        char *text = (char *) zmalloc (size + 1);
        if (size) {
            int opened = zfile_input (file);
            assert (opened == 0);
            zchunk_t *chunk = zfile_read (file, size, 0);
            assert (chunk && zchunk_size (chunk) == size);
            memcpy (text, zchunk_data (chunk), size);
            zchunk_destroy (&chunk);
        }
        zfile_destroy (&file);
        zsys_file_delete (paths [index]);
        *texts [index] = text;
    }
    freen (out_path);
    freen (err_path);
    return rc;
}

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
    zlistx_set_destructor (replies, s_chunk_destructor);
    //  One good reply per command that reaches the gateway, in order
    for (int index = 0; index < 11; index++)
        zlistx_add_end (replies, s_reply (STATUS_OK, rows.data, rows.size));
    zlistx_add_end (replies, s_reply (STATUS_BAD_TYPE, "\x90", 1));
    zchunk_t *garbage = zchunk_new ("\x81\xa1x\x01", 4);
    zlistx_add_end (replies, garbage);
    msgpack_sbuffer_destroy (&rows);

    char *endpoint = zsys_sprintf ("ipc://%s/gateway.ipc", dir);
    s_fake_t fake = { endpoint, replies };
    zactor_t *gateway = zactor_new (s_fake_gateway, &fake);
    assert (gateway);

    char *out, *err;
    //  list: every item of the valid catalogs, MSA first; bad ones skipped
    rc = s_run (dir, &out, &err, "catalog", "list", "--gateway", endpoint, NULL);
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
    rc = s_run (dir, &out, &err, "catalog", "list", "--gateway", endpoint,
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
    rc = s_run (dir, &out, &err, "catalog", "show", "--gateway", endpoint,
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
    rc = s_run (dir, &out, &err, "catalog", "show", "--gateway", endpoint,
                "--department", "SH-PD-MSA", "--item", "complaints", NULL);
    assert (rc == 0);
    assert (strstr (out, "legal basis  《市场监督管理投诉举报处理暂行办法》第三十二条"));
    assert (strstr (out, "fields       0"));
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "show", "--gateway", endpoint,
                "--department", "SH-PD-MSA", "--item", "nothing", NULL);
    assert (rc == CLI_EXIT_NOT_FOUND);
    assert (streq (out, ""));
    assert (strstr (err, "SH-PD-MSA has published no item 'nothing'"));
    freen (out);
    freen (err);

    //  search: every filter must match
    rc = s_run (dir, &out, &err, "catalog", "search", "--gateway", endpoint,
                "--element", "enterprise.", "--share", "open", NULL);
    assert (rc == 0);
    assert (strstr (out, "SH-PD-MSA   enterprise-basic"));
    assert (strstr (out, "SH-PD-TAX   enterprise-basic"));
    assert (!strstr (out, "legal-rep"));
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "search", "--gateway", endpoint,
                "--element", "person", "--department", "SH-PD-TAX",
                "--key-type", "uscc", "--category", "市场主体", "--json", NULL);
    assert (rc == 0);
    assert (strstr (out, "\"name\":\"legal-rep\""));
    assert (!strstr (out, "enterprise-basic"));
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "search", "--gateway", endpoint,
                "--text", "Registered", "--field", "address", NULL);
    assert (rc == 0);
    assert (strstr (out, "enterprise-basic"));
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "search", "--gateway", endpoint,
                "--text", "registered", "--element", "enterprise.nam", NULL);
    assert (rc == CLI_EXIT_NOT_FOUND);
    assert (strstr (err, "no item matches"));
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "search", "--gateway", endpoint,
                "--share", "closed", "--json", NULL);
    assert (rc == 0);
    assert (strstr (out, "\"fields\":[]"));
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "search", "--gateway", endpoint,
                "--field", "nothing", "--json", NULL);
    assert (rc == CLI_EXIT_NOT_FOUND);
    assert (streq (out, "[]\n"));
    freen (out);
    freen (err);

    //  The gateway's error status, a malformed reply, then no answer
    rc = s_run (dir, &out, &err, "catalog", "list", "--gateway", endpoint, NULL);
    assert (rc == CLI_EXIT_FAILED);
    assert (strstr (err, "the gateway answered BAD_TYPE") || strstr (err, "unknown op"));
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "list", "--gateway", endpoint, NULL);
    assert (rc == CLI_EXIT_FAILED);
    assert (strstr (err, "malformed reply"));
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "list", "--gateway", endpoint,
                "--timeout-ms", "100", NULL);
    assert (rc == CLI_EXIT_FAILED);
    assert (strstr (err, "no answer"));
    freen (out);
    freen (err);

    //  Usage
    rc = s_run (dir, &out, &err, "catalog", NULL);
    assert (rc == CLI_EXIT_USAGE);
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "lsit", NULL);
    assert (rc == CLI_EXIT_USAGE);
    assert (strstr (err, "unknown command 'lsit'"));
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "--help", NULL);
    assert (rc == 0 && strstr (out, "search"));
    freen (out);
    freen (err);
    const char *verbs [3] = { "list", "show", "search" };
    for (int index = 0; index < 3; index++) {
        rc = s_run (dir, &out, &err, "catalog", verbs [index], "--help", NULL);
        assert (rc == 0 && strstr (out, "Example:"));
        freen (out);
        freen (err);
    }
    rc = s_run (dir, &out, &err, "catalog", "show", "--gateway", endpoint,
                "--item", "x", NULL);
    assert (rc == CLI_EXIT_USAGE);
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "list", NULL);
    assert (rc == CLI_EXIT_USAGE);
    assert (strstr (err, "give --gateway ENDPOINT or --config"));
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "search", "--gateway", endpoint,
                "--share", "shared", NULL);
    assert (rc == CLI_EXIT_USAGE);
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "list", "--gateway", endpoint,
                "--timeout-ms", "5", NULL);
    assert (rc == CLI_EXIT_USAGE);
    freen (out);
    freen (err);
    rc = s_run (dir, &out, &err, "catalog", "search", "--gateway", NULL);
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
