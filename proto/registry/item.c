/*  item.c -- one catalog item, built from its ZPL node.

    Every value comes from a file an administrator wrote, so every value is
    checked: names against a small alphabet, texts for length, UTF-8 and
    control characters, numbers as plain decimal digits within range. A key
    the item does not know is an error, not a warning: a misspelt
    "sensitivty" must never leave a field silently at its default.
*/

#include "item.h"
#include "status.h"

//  Kinds of item property, one row per key a catalog may use
typedef enum {
    S_ITEM_TITLE, S_ITEM_DESCRIPTION, S_ITEM_CATEGORY, S_ITEM_KEY_TYPE,
    S_ITEM_SHARE, S_ITEM_LEGAL_BASIS, S_ITEM_CONDITIONS, S_ITEM_UPDATE,
    S_ITEM_FORMAT, S_ITEM_MAX_ROWS, S_ITEM_SQL, S_ITEM_METHOD, S_ITEM_KEYS
} s_item_key_t;

typedef struct {
    const char *name;
    int key;                    //  s_item_key_t or s_field_key_t
    size_t max_size;            //  for texts, longest value in bytes
} s_key_row_t;

static const s_key_row_t s_item_keys [] = {
    { "title",       S_ITEM_TITLE,       ITEM_TEXT_MAX },
    { "description", S_ITEM_DESCRIPTION, ITEM_LONG_TEXT_MAX },
    { "category",    S_ITEM_CATEGORY,    ITEM_TEXT_MAX },
    { "key-type",    S_ITEM_KEY_TYPE,    ITEM_NAME_MAX },
    { "share",       S_ITEM_SHARE,       ITEM_NAME_MAX },
    { "legal-basis", S_ITEM_LEGAL_BASIS, ITEM_LONG_TEXT_MAX },
    { "conditions",  S_ITEM_CONDITIONS,  ITEM_LONG_TEXT_MAX },
    { "update",      S_ITEM_UPDATE,      ITEM_TEXT_MAX },
    { "format",      S_ITEM_FORMAT,      ITEM_NAME_MAX },
    { "max-rows",    S_ITEM_MAX_ROWS,    ITEM_NAME_MAX },
    { "sql",         S_ITEM_SQL,         ITEM_LONG_TEXT_MAX },
    { "method",      S_ITEM_METHOD,      ITEM_NAME_MAX },
};
#define S_ITEM_KEY_ROWS (sizeof (s_item_keys) / sizeof (s_item_keys [0]))

typedef enum {
    S_FIELD_TYPE, S_FIELD_SENSITIVITY, S_FIELD_DESCRIPTION, S_FIELD_ELEMENT,
    S_FIELD_PERSONAL, S_FIELD_KEYS
} s_field_key_t;

static const s_key_row_t s_field_keys [] = {
    { "type",        S_FIELD_TYPE,        ITEM_NAME_MAX },
    { "sensitivity", S_FIELD_SENSITIVITY, ITEM_NAME_MAX },
    { "description", S_FIELD_DESCRIPTION, ITEM_LONG_TEXT_MAX },
    { "element",     S_FIELD_ELEMENT,     ITEM_NAME_MAX },
    { "personal",    S_FIELD_PERSONAL,    ITEM_NAME_MAX },
};
#define S_FIELD_KEY_ROWS (sizeof (s_field_keys) / sizeof (s_field_keys [0]))

typedef struct {
    const char *name;
    share_t share;
} s_share_row_t;

static const s_share_row_t s_shares [] = {
    { "open",        SHARE_OPEN },
    { "conditional", SHARE_CONDITIONAL },
    { "closed",      SHARE_CLOSED },
};

typedef struct {
    const char *name;
    field_type_t type;
} s_type_row_t;

static const s_type_row_t s_types [] = {
    { "text",    FIELD_TEXT },
    { "integer", FIELD_INTEGER },
    { "real",    FIELD_REAL },
    { "date",    FIELD_DATE },
    { "boolean", FIELD_BOOLEAN },
};

//  Share methods (共享方式), published with the item; the first is the
//  default. The gateway answers every item that is not closed by query.
static const char *s_methods [] = { "query", "file", "api" };

#define S_ROWS(table) (sizeof (table) / sizeof (table [0]))

struct _item_t {
    char *name;
    char *title;
    char *description;
    char *category;
    char *legal_basis;
    char *conditions;
    char *update;
    char *sql;                  //  "" only for a closed item without SQL
    ident_type_t key_type;
    share_t share;
    bool list;                  //  format = list
    const char *method;         //  one of s_methods, static
    size_t max_rows;            //  1 for a record
    size_t field_count;
    field_t fields [ITEM_FIELDS_MAX];
};


//  --------------------------------------------------------------------------


//  --------------------------------------------------------------------------
//  Checks a free text: at most max_size bytes, well-formed UTF-8 (no
//  overlong forms, no surrogates), no control characters. Returns NULL if
//  good, else a static reason.

static const char *
s_check_text (const char *text, size_t max_size)
{
    size_t length = strlen (text);
    if (length > max_size)
        return "is too long";
    const unsigned char *scan = (const unsigned char *) text;
    const unsigned char *end = scan + length;
    while (scan < end) {
        unsigned char c = *scan;
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7F)
                return "contains a control character";
            scan++;
            continue;
        }
        size_t extra;
        uint32_t point;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            point = c & 0x1F;
        }
        else
        if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            point = c & 0x0F;
        }
        else
        if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            point = c & 0x07;
        }
        else
            return "is not valid UTF-8";
        if ((size_t) (end - scan) <= extra)
            return "is not valid UTF-8";
        for (size_t index = 1; index <= extra; index++) {
            if ((scan [index] & 0xC0) != 0x80)
                return "is not valid UTF-8";
            point = (point << 6) | (scan [index] & 0x3F);
        }
        if ((extra == 2 && point < 0x800)
        ||  (extra == 3 && (point < 0x10000 || point > 0x10FFFF))
        ||  (point >= 0xD800 && point <= 0xDFFF))
            return "is not valid UTF-8";
        if (point >= 0x80 && point <= 0x9F)
            return "contains a control character";
        scan += extra + 1;
    }
    return NULL;
}


//  --------------------------------------------------------------------------
//  Parses plain decimal digits (no sign, no spaces) into *value, refusing
//  anything above max. Returns 0 or -1.

static int
s_parse_uint (const char *text, unsigned long max, unsigned long *value)
{
    if (*text == 0 || strlen (text) > 9)
        return -1;
    unsigned long result = 0;
    for (const char *scan = text; *scan; scan++) {
        if (*scan < '0' || *scan > '9')
            return -1;
        result = result * 10 + (unsigned long) (*scan - '0');
    }
    if (result > max)
        return -1;
    *value = result;
    return 0;
}


static const s_key_row_t *
s_key_lookup (const s_key_row_t *table, size_t rows, const char *name)
{
    for (size_t index = 0; index < rows; index++)
        if (streq (table [index].name, name))
            return &table [index];
    return NULL;
}


//  --------------------------------------------------------------------------
//  Fills one field from its node. Returns 0, or -1 with *error set to
//  "item 'x': field 'y': what".

static int
s_field_load (field_t *field, const char *item_name, zconfig_t *node,
              char **error)
{
    const char *name = zconfig_value (node);
    bool seen [S_FIELD_KEYS] = { false };
    unsigned long number;

    zconfig_t *child = zconfig_child (node);
    for (; child; child = zconfig_next (child)) {
        const char *key = zconfig_name (child);
        const char *value = zconfig_value (child);
        const s_key_row_t *row = s_key_lookup (s_field_keys, S_FIELD_KEY_ROWS, key);
        if (!row) {
            status_set_error (error, "item '%s': field '%s': unknown key '%.64s'",
                              item_name, name, key);
            return -1;
        }
        if (seen [row->key]) {
            status_set_error (error, "item '%s': field '%s': '%s' given twice",
                              item_name, name, key);
            return -1;
        }
        seen [row->key] = true;
        if (zconfig_child (child)) {
            status_set_error (error, "item '%s': field '%s': '%s' cannot have children",
                              item_name, name, key);
            return -1;
        }
        const char *reason = s_check_text (value, row->max_size);
        if (reason) {
            status_set_error (error, "item '%s': field '%s': %s %s",
                              item_name, name, key, reason);
            return -1;
        }
        switch (row->key) {
            case S_FIELD_TYPE:
                for (size_t index = 0; index < S_ROWS (s_types); index++)
                    if (streq (s_types [index].name, value))
                        field->type = s_types [index].type;
                if (!field->type) {
                    status_set_error (error, "item '%s': field '%s': type '%s' is not "
                                      "text, integer, real, date or boolean",
                                      item_name, name, value);
                    return -1;
                }
                break;
            case S_FIELD_SENSITIVITY:
                if (s_parse_uint (value, 5, &number)) {
                    status_set_error (error, "item '%s': field '%s': sensitivity '%s' "
                                      "is not a level 0..5", item_name, name, value);
                    return -1;
                }
                field->sensitivity = (int) number;
                break;
            case S_FIELD_DESCRIPTION:
                field->description = strdup (value);
                break;
            case S_FIELD_ELEMENT:
                if (!names_valid (value)) {
                    status_set_error (error, "item '%s': field '%s': element '%s' must "
                                      "be 1..%d characters of a-z 0-9 _ . -",
                                      item_name, name, value, ITEM_NAME_MAX);
                    return -1;
                }
                field->element = strdup (value);
                break;
            case S_FIELD_PERSONAL:
                if (!streq (value, "0") && !streq (value, "1")) {
                    status_set_error (error, "item '%s': field '%s': personal must be "
                                      "0 or 1", item_name, name);
                    return -1;
                }
                field->personal = streq (value, "1");
                break;
            default:
                assert (false);
        }
    }
    if (!seen [S_FIELD_TYPE]) {
        status_set_error (error, "item '%s': field '%s': type is missing",
                          item_name, name);
        return -1;
    }
    if (!seen [S_FIELD_SENSITIVITY]) {
        status_set_error (error, "item '%s': field '%s': sensitivity is missing",
                          item_name, name);
        return -1;
    }
    if (!field->description)
        field->description = strdup ("");
    return 0;
}


//  --------------------------------------------------------------------------
//  Builds an item from its ZPL node; see item.h.

item_t *
item_new_from_config (zconfig_t *node, char **error)
{
    assert (node);
    if (error)
        *error = NULL;
    const char *name = zconfig_value (node);
    if (!streq (zconfig_name (node), "item")) {
        status_set_error (error, "'%.64s' is not an item", zconfig_name (node));
        return NULL;
    }
    if (!names_valid (name)) {
        status_set_error (error, "item '%.64s': name must be 1..%d characters "
                          "of a-z 0-9 _ . -", name, ITEM_NAME_MAX);
        return NULL;
    }

    item_t *self = (item_t *) zmalloc (sizeof (item_t));
    assert (self);
    self->name = strdup (name);
    bool seen [S_ITEM_KEYS] = { false };
    bool valid = true;
    unsigned long number = 0;

    zconfig_t *child = zconfig_child (node);
    for (; child && valid; child = zconfig_next (child)) {
        const char *key = zconfig_name (child);
        const char *value = zconfig_value (child);
        valid = false;

        if (streq (key, "field")) {
            if (self->field_count == ITEM_FIELDS_MAX) {
                status_set_error (error, "item '%s': more than %d fields",
                                  name, ITEM_FIELDS_MAX);
                break;
            }
            if (!names_valid (value)) {
                status_set_error (error, "item '%s': field '%.64s': name must "
                                  "be 1..%d characters of a-z 0-9 _ . -",
                                  name, value, ITEM_NAME_MAX);
                break;
            }
            if (item_field_index (self, value) >= 0) {
                status_set_error (error, "item '%s': field '%s' declared twice",
                                  name, value);
                break;
            }
            field_t *field = &self->fields [self->field_count++];
            field->name = strdup (value);
            valid = s_field_load (field, name, child, error) == 0;
            continue;
        }
        const s_key_row_t *row = s_key_lookup (s_item_keys, S_ITEM_KEY_ROWS, key);
        if (!row) {
            status_set_error (error, "item '%s': unknown key '%.64s'", name, key);
            break;
        }
        if (seen [row->key]) {
            status_set_error (error, "item '%s': '%s' given twice", name, key);
            break;
        }
        seen [row->key] = true;
        if (zconfig_child (child)) {
            status_set_error (error, "item '%s': '%s' cannot have children", name, key);
            break;
        }
        const char *reason = s_check_text (value, row->max_size);
        if (reason) {
            status_set_error (error, "item '%s': %s %s", name, key, reason);
            break;
        }
        switch (row->key) {
            case S_ITEM_TITLE:       self->title = strdup (value); break;
            case S_ITEM_DESCRIPTION: self->description = strdup (value); break;
            case S_ITEM_CATEGORY:    self->category = strdup (value); break;
            case S_ITEM_LEGAL_BASIS: self->legal_basis = strdup (value); break;
            case S_ITEM_CONDITIONS:  self->conditions = strdup (value); break;
            case S_ITEM_UPDATE:      self->update = strdup (value); break;
            case S_ITEM_SQL:         self->sql = strdup (value); break;
            case S_ITEM_KEY_TYPE:
                self->key_type = ident_type_from_name (value);
                if (self->key_type == IDENT_NONE) {
                    status_set_error (error, "item '%s': key-type '%s' is not known",
                                      name, value);
                    continue;
                }
                break;
            case S_ITEM_SHARE:
                for (size_t index = 0; index < S_ROWS (s_shares); index++)
                    if (streq (s_shares [index].name, value))
                        self->share = s_shares [index].share;
                if (!self->share) {
                    status_set_error (error, "item '%s': share '%s' is not open, "
                                      "conditional or closed", name, value);
                    continue;
                }
                break;
            case S_ITEM_FORMAT:
                if (!streq (value, "record") && !streq (value, "list")) {
                    status_set_error (error, "item '%s': format '%s' is not record or "
                                      "list", name, value);
                    continue;
                }
                self->list = streq (value, "list");
                break;
            case S_ITEM_METHOD:
                for (size_t index = 0; index < S_ROWS (s_methods); index++)
                    if (streq (s_methods [index], value))
                        self->method = s_methods [index];
                if (!self->method) {
                    status_set_error (error, "item '%s': method '%s' is not query, file "
                                      "or api", name, value);
                    continue;
                }
                break;
            case S_ITEM_MAX_ROWS:
                if (s_parse_uint (value, ITEM_ROWS_MAX, &number) || number == 0) {
                    status_set_error (error, "item '%s': max-rows '%s' is not a number "
                                      "1..%d", name, value, ITEM_ROWS_MAX);
                    continue;
                }
                break;
            default:
                assert (false);
        }
        valid = true;
    }
    //  Whole-item rules, once every key is read
    if (valid) {
        valid = false;
        if (!self->title || !*self->title)
            status_set_error (error, "item '%s': title is missing", name);
        else
        if (self->key_type == IDENT_NONE)
            status_set_error (error, "item '%s': key-type is missing", name);
        else
        if (!self->share)
            status_set_error (error, "item '%s': share is missing", name);
        else
        if (self->share == SHARE_CLOSED
        && (!self->legal_basis || !*self->legal_basis))
            status_set_error (error, "item '%s': a closed item must cite its legal-basis",
                              name);
        else
        if (self->conditions && self->share != SHARE_CONDITIONAL)
            status_set_error (error, "item '%s': conditions apply only to share = "
                              "conditional", name);
        else
        if (self->share != SHARE_CLOSED && (!self->sql || !*self->sql))
            status_set_error (error, "item '%s': sql is missing", name);
        else
        if (self->share != SHARE_CLOSED && self->field_count == 0)
            status_set_error (error, "item '%s': no fields declared", name);
        else
        if (self->list && !seen [S_ITEM_MAX_ROWS])
            status_set_error (error, "item '%s': a list item needs max-rows", name);
        else
        if (!self->list && seen [S_ITEM_MAX_ROWS])
            status_set_error (error, "item '%s': max-rows applies only to format = list",
                              name);
        else
            valid = true;
    }
    if (!valid) {
        item_destroy (&self);
        return NULL;
    }
    self->max_rows = self->list? (size_t) number: 1;
    if (!self->method)
        self->method = s_methods [0];
    if (!self->description)
        self->description = strdup ("");
    if (!self->category)
        self->category = strdup ("");
    if (!self->legal_basis)
        self->legal_basis = strdup ("");
    if (!self->conditions)
        self->conditions = strdup ("");
    if (!self->update)
        self->update = strdup ("");
    if (!self->sql)
        self->sql = strdup ("");
    return self;
}


//  --------------------------------------------------------------------------
//  Destroys the item and its fields; nulls the caller's pointer.

void
item_destroy (item_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        item_t *self = *self_p;
        for (size_t index = 0; index < self->field_count; index++) {
            freen (self->fields [index].name);
            freen (self->fields [index].description);
            freen (self->fields [index].element);
        }
        freen (self->name);
        freen (self->title);
        freen (self->description);
        freen (self->category);
        freen (self->legal_basis);
        freen (self->conditions);
        freen (self->update);
        freen (self->sql);
        freen (self);
        *self_p = NULL;
    }
}


const char *
item_name (item_t *self)
{
    assert (self);
    return self->name;
}

const char *
item_title (item_t *self)
{
    assert (self);
    return self->title;
}

const char *
item_description (item_t *self)
{
    assert (self);
    return self->description;
}

const char *
item_category (item_t *self)
{
    assert (self);
    return self->category;
}

ident_type_t
item_key_type (item_t *self)
{
    assert (self);
    return self->key_type;
}

share_t
item_share (item_t *self)
{
    assert (self);
    return self->share;
}

const char *
item_share_name (item_t *self)
{
    assert (self);
    return item_share_name_of (self->share);
}

const char *
item_legal_basis (item_t *self)
{
    assert (self);
    return self->legal_basis;
}

const char *
item_conditions (item_t *self)
{
    assert (self);
    return self->conditions;
}

const char *
item_update (item_t *self)
{
    assert (self);
    return self->update;
}

//  "" for a closed item that declares no SQL
const char *
item_sql (item_t *self)
{
    assert (self);
    return self->sql;
}

const char *
item_format_name (item_t *self)
{
    assert (self);
    return self->list? "list": "record";
}

//  Share method: "query" (the default), "file" or "api"
const char *
item_method (item_t *self)
{
    assert (self);
    return self->method;
}

size_t
item_max_rows (item_t *self)
{
    assert (self);
    return self->max_rows;
}

size_t
item_field_count (item_t *self)
{
    assert (self);
    return self->field_count;
}

//  NULL if index is out of range
const field_t *
item_field (item_t *self, size_t index)
{
    assert (self);
    return index < self->field_count? &self->fields [index]: NULL;
}

int
item_field_index (item_t *self, const char *name)
{
    assert (self);
    assert (name);
    for (size_t index = 0; index < self->field_count; index++)
        if (streq (self->fields [index].name, name))
            return (int) index;
    return -1;
}

uint64_t
item_all_fields (item_t *self)
{
    assert (self);
    if (self->field_count == 64)
        return UINT64_MAX;
    return ((uint64_t) 1 << self->field_count) - 1;
}


//  --------------------------------------------------------------------------


//  --------------------------------------------------------------------------
//  Parses "a,b,c" (spaces around names ignored) into a mask. An empty list
//  gives an empty mask; an empty element ("a,,b") or an unknown name is an
//  error, with that name (truncated to fit) copied into bad.

int
item_fields_mask (item_t *self, const char *list, uint64_t *mask,
                  char *bad, size_t bad_size)
{
    assert (self);
    assert (list);
    assert (mask);
    uint64_t result = 0;
    const char *cursor = list + strspn (list, " ");
    if (*cursor == 0) {
        *mask = 0;
        return 0;
    }
    const char *start;
    size_t length;
    while (names_next (&cursor, &start, &length)) {
        int index = -1;
        if (length > 0 && length <= ITEM_NAME_MAX) {
            char name [ITEM_NAME_MAX + 1];
            memcpy (name, start, length);
            name [length] = 0;
            index = item_field_index (self, name);
        }
        if (index < 0) {
            if (bad && bad_size > 0) {
                size_t copy = length < bad_size - 1? length: bad_size - 1;
                memcpy (bad, start, copy);
                bad [copy] = 0;
            }
            return -1;
        }
        result |= (uint64_t) 1 << index;
    }
    *mask = result;
    return 0;
}


//  --------------------------------------------------------------------------
//  Highest sensitivity among the fields in mask; 0 for an empty mask.

int
item_max_sensitivity (item_t *self, uint64_t mask)
{
    assert (self);
    int highest = 0;
    for (size_t index = 0; index < self->field_count; index++)
        if ((mask & ((uint64_t) 1 << index))
        &&  self->fields [index].sensitivity > highest)
            highest = self->fields [index].sensitivity;
    return highest;
}


//  --------------------------------------------------------------------------
//  Names for the catalog's enumerations, for publishing and display.

const char *
item_share_name_of (share_t share)
{
    for (size_t index = 0; index < S_ROWS (s_shares); index++)
        if (s_shares [index].share == share)
            return s_shares [index].name;
    return "unknown";
}

const char *
item_field_type_name (field_type_t type)
{
    for (size_t index = 0; index < S_ROWS (s_types); index++)
        if (s_types [index].type == type)
            return s_types [index].name;
    return "unknown";
}


//  --------------------------------------------------------------------------
//  Self test

//  Builds an item from ZPL text; returns it, or NULL with *error set
static item_t *
s_item_from_text (const char *text, char **error)
{
    zconfig_t *root = zconfig_str_load (text);
    assert (root);
    zconfig_t *node = zconfig_child (root);
    assert (node);
    item_t *item = item_new_from_config (node, error);
    zconfig_destroy (&root);
    return item;
}

//  Expects the text to be refused with a message containing `expect`
static void
s_expect_refused (const char *text, const char *expect, bool verbose)
{
    char *error = NULL;
    item_t *item = s_item_from_text (text, &error);
    if (item || !error || !strstr (error, expect)) {
        printf ("\nexpected '%s', got '%s'\n", expect, error? error: "(accepted)");
        assert (false);
    }
    if (verbose)
        printf ("   refused: %s\n", error);
    freen (error);
}

#define S_GOOD_HEAD \
    "item = \"enterprise-basic\"\n" \
    "    title = \"企业登记基本信息\"\n" \
    "    key-type = \"uscc\"\n"

#define S_GOOD_FIELD \
    "    field = \"name\"\n" \
    "        type = \"text\"\n" \
    "        sensitivity = 1\n"

void
item_test (bool verbose)
{
    printf (" * item: ");
    if (verbose)
        printf ("\n");

    //  @selftest
    const char *text =
        "item = \"enterprise-basic\"\n"
        "    title = \"企业登记基本信息\"\n"
        "    description = \"Registered name, address, status\"\n"
        "    category = \"市场主体\"\n"
        "    key-type = \"uscc\"\n"
        "    share = \"conditional\"     # open | conditional | closed\n"
        "    conditions = \"for market supervision only\"\n"
        "    update = \"daily\"\n"
        "    format = \"list\"\n"
        "    max-rows = 20\n"
        "    sql = \"SELECT name, capital, opened FROM enterprise WHERE uscc = :key\"\n"
        "    field = \"name\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 1\n"
        "        description = \"registered name\"\n"
        "        element = \"enterprise.name\"\n"
        "    field = \"capital\"\n"
        "        type = \"real\"\n"
        "        sensitivity = 3\n"
        "    field = \"opened\"\n"
        "        type = \"date\"\n"
        "        sensitivity = 0\n"
        "        personal = 1\n";
    char *error = NULL;
    item_t *item = s_item_from_text (text, &error);
    assert (item);
    assert (error == NULL);
    assert (streq (item_name (item), "enterprise-basic"));
    assert (streq (item_title (item), "企业登记基本信息"));
    assert (streq (item_category (item), "市场主体"));
    assert (item_key_type (item) == IDENT_USCC);
    assert (item_share (item) == SHARE_CONDITIONAL);
    assert (streq (item_share_name (item), "conditional"));
    assert (streq (item_conditions (item), "for market supervision only"));
    assert (streq (item_legal_basis (item), ""));
    assert (streq (item_update (item), "daily"));
    assert (streq (item_format_name (item), "list"));
    assert (item_max_rows (item) == 20);
    assert (streq (item_method (item), "query"));
    assert (strstr (item_sql (item), ":key"));
    assert (item_field_count (item) == 3);
    const field_t *field = item_field (item, 0);
    assert (streq (field->name, "name"));
    assert (field->type == FIELD_TEXT);
    assert (field->sensitivity == 1);
    assert (streq (field->element, "enterprise.name"));
    assert (!field->personal);
    field = item_field (item, 2);
    assert (field->type == FIELD_DATE);
    assert (field->personal);
    assert (field->element == NULL);
    assert (streq (field->description, ""));
    assert (item_field (item, 3) == NULL);
    assert (item_field_index (item, "capital") == 1);
    assert (item_field_index (item, "nope") == -1);
    assert (item_all_fields (item) == 7);

    //  Field lists, with spaces, duplicates and bad names
    uint64_t mask = 0;
    char bad [16];
    assert (item_fields_mask (item, "name,opened", &mask, bad, sizeof (bad)) == 0);
    assert (mask == 5);
    assert (item_fields_mask (item, " capital , name ,capital", &mask, bad, sizeof (bad)) == 0);
    assert (mask == 3);
    assert (item_fields_mask (item, "", &mask, bad, sizeof (bad)) == 0);
    assert (mask == 0);
    assert (item_fields_mask (item, "name,salary", &mask, bad, sizeof (bad)) == -1);
    assert (streq (bad, "salary"));
    assert (item_fields_mask (item, "name,,opened", &mask, bad, sizeof (bad)) == -1);
    assert (streq (bad, ""));
    assert (item_fields_mask (item, "averyveryverylongfieldname", &mask, bad, sizeof (bad)) == -1);
    assert (strlen (bad) == sizeof (bad) - 1);
    assert (item_max_sensitivity (item, 7) == 3);
    assert (item_max_sensitivity (item, 5) == 1);
    assert (item_max_sensitivity (item, 0) == 0);
    assert (streq (item_field_type_name (FIELD_BOOLEAN), "boolean"));
    assert (streq (item_share_name_of (SHARE_CLOSED), "closed"));
    item_destroy (&item);
    item_destroy (&item);
    assert (item == NULL);

    //  A closed item needs no SQL and no fields, but its legal basis
    item = s_item_from_text (S_GOOD_HEAD
        "    share = \"closed\"\n"
        "    legal-basis = \"《中华人民共和国保守国家秘密法》第九条\"\n", &error);
    assert (item);
    assert (streq (item_sql (item), ""));
    assert (item_max_rows (item) == 1);
    assert (streq (item_format_name (item), "record"));
    item_destroy (&item);

    //  The share method is published with the item; query by default
    item = s_item_from_text (S_GOOD_HEAD "    share = \"open\"\n"
        "    method = \"file\"\n    sql = \"SELECT name\"\n" S_GOOD_FIELD, &error);
    assert (item);
    assert (streq (item_method (item), "file"));
    item_destroy (&item);
    s_expect_refused (S_GOOD_HEAD "    method = \"email\"\n",
                      "item 'enterprise-basic': method 'email' is not query, file or api",
                      verbose);
    s_expect_refused (S_GOOD_HEAD "    method = \"api\"\n    method = \"api\"\n",
                      "'method' given twice", verbose);

    //  Sixty-four fields fill the mask exactly
    char *big = strdup (S_GOOD_HEAD "    share = \"open\"\n    sql = \"SELECT 1\"\n");
    for (int index = 0; index < ITEM_FIELDS_MAX; index++) {
        char *more = zsys_sprintf ("%s    field = \"f%d\"\n        type = \"integer\"\n"
                                   "        sensitivity = 0\n", big, index);
        freen (big);
        big = more;
    }
    item = s_item_from_text (big, &error);
    assert (item);
    assert (item_all_fields (item) == UINT64_MAX);
    assert (item_fields_mask (item, "f63", &mask, NULL, 0) == 0);
    assert (mask == (uint64_t) 1 << 63);
    item_destroy (&item);
    char *more = zsys_sprintf ("%s    field = \"f64\"\n        type = \"integer\"\n"
                               "        sensitivity = 0\n", big);
    s_expect_refused (more, "more than 64 fields", verbose);
    freen (more);
    freen (big);

    //  Every kind of mistake is refused, naming the item and the key
    s_expect_refused ("item = \"Bad Name\"\n", "item 'Bad Name': name must be", verbose);
    s_expect_refused ("item\n", "item '': name must be", verbose);
    s_expect_refused ("thing = \"x\"\n", "'thing' is not an item", verbose);
    s_expect_refused (S_GOOD_HEAD "    share = \"open\"\n    sql = \"SELECT name\"\n"
                      "    titel = \"x\"\n" S_GOOD_FIELD,
                      "item 'enterprise-basic': unknown key 'titel'", verbose);
    s_expect_refused (S_GOOD_HEAD "    share = \"open\"\n    sql = \"SELECT name\"\n"
                      "    title = \"again\"\n" S_GOOD_FIELD,
                      "'title' given twice", verbose);
    s_expect_refused (S_GOOD_HEAD "    share = \"secret\"\n",
                      "share 'secret' is not open, conditional or closed", verbose);
    s_expect_refused ("item = \"x\"\n    title = \"t\"\n    key-type = \"passport\"\n",
                      "item 'x': key-type 'passport' is not known", verbose);
    s_expect_refused ("item = \"x\"\n    title = \"t\"\n    share = \"open\"\n",
                      "item 'x': key-type is missing", verbose);
    s_expect_refused ("item = \"x\"\n    key-type = \"uscc\"\n",
                      "item 'x': title is missing", verbose);
    s_expect_refused (S_GOOD_HEAD, "share is missing", verbose);
    s_expect_refused (S_GOOD_HEAD "    share = \"closed\"\n",
                      "a closed item must cite its legal-basis", verbose);
    s_expect_refused (S_GOOD_HEAD "    share = \"open\"\n" S_GOOD_FIELD,
                      "sql is missing", verbose);
    s_expect_refused (S_GOOD_HEAD "    share = \"open\"\n    sql = \"SELECT 1\"\n",
                      "no fields declared", verbose);
    s_expect_refused (S_GOOD_HEAD "    share = \"open\"\n    conditions = \"c\"\n",
                      "conditions apply only to share = conditional", verbose);
    s_expect_refused (S_GOOD_HEAD "    share = \"open\"\n    sql = \"SELECT name\"\n"
                      "    format = \"list\"\n" S_GOOD_FIELD,
                      "a list item needs max-rows", verbose);
    s_expect_refused (S_GOOD_HEAD "    share = \"open\"\n    sql = \"SELECT name\"\n"
                      "    max-rows = 5\n" S_GOOD_FIELD,
                      "max-rows applies only to format = list", verbose);
    s_expect_refused (S_GOOD_HEAD "    format = \"table\"\n",
                      "format 'table' is not record or list", verbose);
    s_expect_refused (S_GOOD_HEAD "    max-rows = 101\n", "max-rows '101' is not", verbose);
    s_expect_refused (S_GOOD_HEAD "    max-rows = 0\n", "max-rows '0' is not", verbose);
    s_expect_refused (S_GOOD_HEAD "    max-rows = -3\n", "max-rows '-3' is not", verbose);
    s_expect_refused (S_GOOD_HEAD "    max-rows = 99999999999999999999\n",
                      "is not a number", verbose);
    s_expect_refused (S_GOOD_HEAD "    title = \"x\"\n        oops = 1\n",
                      "'title' given twice", verbose);
    s_expect_refused ("item = \"x\"\n    title = \"t\"\n        oops = 1\n",
                      "'title' cannot have children", verbose);
    s_expect_refused ("item = \"x\"\n    title = \"bad \xC0\xAF utf8\"\n",
                      "title is not valid UTF-8", verbose);
    s_expect_refused ("item = \"x\"\n    title = \"bell \x07\"\n",
                      "title contains a control character", verbose);
    char *long_title = zsys_sprintf ("item = \"x\"\n    title = \"%0*d\"\n",
                                     ITEM_TEXT_MAX + 1, 0);
    s_expect_refused (long_title, "title is too long", verbose);
    freen (long_title);
    char *long_name = zsys_sprintf ("item = \"%0*d\"\n", ITEM_NAME_MAX + 1, 0);
    s_expect_refused (long_name, "name must be 1..64", verbose);
    freen (long_name);

    //  Field mistakes
    s_expect_refused (S_GOOD_HEAD "    field = \"Name\"\n",
                      "item 'enterprise-basic': field 'Name': name must be", verbose);
    s_expect_refused (S_GOOD_HEAD S_GOOD_FIELD S_GOOD_FIELD,
                      "field 'name' declared twice", verbose);
    s_expect_refused (S_GOOD_HEAD "    field = \"name\"\n        sensitivity = 1\n",
                      "field 'name': type is missing", verbose);
    s_expect_refused (S_GOOD_HEAD "    field = \"name\"\n        type = \"text\"\n",
                      "field 'name': sensitivity is missing", verbose);
    s_expect_refused (S_GOOD_HEAD "    field = \"name\"\n        type = \"blob\"\n",
                      "field 'name': type 'blob' is not", verbose);
    s_expect_refused (S_GOOD_HEAD "    field = \"name\"\n        sensitivity = 6\n",
                      "field 'name': sensitivity '6' is not a level 0..5", verbose);
    s_expect_refused (S_GOOD_HEAD "    field = \"name\"\n        sensitivity = \" 1\"\n",
                      "sensitivity ' 1' is not", verbose);
    s_expect_refused (S_GOOD_HEAD "    field = \"name\"\n        sensitivity = \"\"\n",
                      "sensitivity '' is not", verbose);
    s_expect_refused (S_GOOD_HEAD "    field = \"name\"\n        senstivity = 1\n",
                      "field 'name': unknown key 'senstivity'", verbose);
    s_expect_refused (S_GOOD_HEAD "    field = \"name\"\n        personal = yes\n",
                      "field 'name': personal must be 0 or 1", verbose);
    s_expect_refused (S_GOOD_HEAD "    field = \"name\"\n        element = \"Enterprise Name\"\n",
                      "field 'name': element 'Enterprise Name' must be", verbose);
    s_expect_refused (S_GOOD_HEAD "    field = \"name\"\n        type = \"text\"\n"
                      "        type = \"text\"\n", "field 'name': 'type' given twice", verbose);
    s_expect_refused (S_GOOD_HEAD "    field = \"name\"\n        type = \"text\"\n"
                      "            deeper = 1\n", "field 'name': 'type' cannot have children",
                      verbose);
    //  @end

    printf ("OK\n");
}
