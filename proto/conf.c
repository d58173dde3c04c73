/*  conf.c -- configuration files in ZPL, checked against a schema.  */

#include "conf.h"
#include "status.h"
#include "file.h"
#include "zpl.h"
#include <limits.h>

#define S_FILE_MAX (256 * 1024)

struct _conf_t {
    const conf_key_t *schema;
    zhashx_t *values;           //  path -> value (strings, owned)
    char *dir;                  //  directory of the config file
    size_t retired;             //  values kept under retired keys
};

//  A string that conf_str handed out stays valid while the conf lives,
//  whatever happens later: a value that is replaced (conf_set, or a path
//  resolved again) is not freed but kept under a retired key of its own,
//  which no lookup uses, until conf_destroy. Replacements happen only when
//  a value really changes, so this stays as small as the settings.
static void
s_retire (conf_t *self, const char *key)
{
    if (!zhashx_lookup (self->values, key))
        return;
    char retired_key [320];
    snprintf (retired_key, sizeof (retired_key), "%s\x02%zu", key, self->retired++);
    int rc = zhashx_rename (self->values, key, retired_key);
    assert (rc == 0);
}

static const char *s_levels [] = { "error", "warning", "info", "debug" };

static const conf_key_t *
s_key (const conf_key_t *schema, const char *path)
{
    for (const conf_key_t *key = schema; key->path; key++)
        if (streq (key->path, path))
            return key;
    return NULL;
}

//  Checks one value against its schema row; NULL if fine, else a reason.
static const char *
s_check_value (const conf_key_t *key, const char *value, char *reason, size_t cap)
{
    if (key->kind == CONF_INTEGER) {
        char *end = NULL;
        errno = 0;
        long long number = strtoll (value, &end, 10);
        if (*value == 0 || *end != 0 || errno)
            return "is not an integer";
        if (number < key->min || number > key->max) {
            snprintf (reason, cap, "must be between %lld and %lld",
                      (long long) key->min, (long long) key->max);
            return reason;
        }
    }
    else
    if (key->kind == CONF_ENDPOINT || key->kind == CONF_ENDPOINTS) {
        //  Each element of a list, or the one value
        const char *cursor = value;
        do {
            while (*cursor == ' ' || *cursor == ',')
                cursor++;
            if (strncmp (cursor, "tcp://", 6) && strncmp (cursor, "ipc://", 6)
            &&  strncmp (cursor, "inproc://", 9))
                return key->kind == CONF_ENDPOINT?
                    "must be an endpoint like tcp://127.0.0.1:7700 or ipc:///path":
                    "must be endpoints like tcp://127.0.0.1:7700, separated by commas";
            cursor = strchr (cursor, ',');
        } while (key->kind == CONF_ENDPOINTS && cursor);
    }
    else
    if (key->kind == CONF_LEVEL) {
        for (size_t index = 0; index < 4; index++)
            if (streq (value, s_levels [index]))
                return NULL;
        return "must be error, warning, info or debug";
    }
    else
    if (*value == 0 && key->required)
        return "must not be empty";
    return NULL;
}

conf_t *
conf_new (const conf_key_t *schema)
{
    assert (schema);
    conf_t *self = (conf_t *) zmalloc (sizeof (conf_t));
    assert (self);
    self->schema = schema;
    self->values = zhashx_new ();
    assert (self->values);
    zhashx_set_destructor (self->values, (zhashx_destructor_fn *) zstr_free);
    zhashx_set_duplicator (self->values, (zhashx_duplicator_fn *) strdup);
    self->dir = strdup (".");
    for (const conf_key_t *key = schema; key->path; key++)
        if (key->fallback)
            zhashx_update (self->values, key->path, (void *) key->fallback);
    return self;
}

void
conf_destroy (conf_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        conf_t *self = *self_p;
        zhashx_destroy (&self->values);
        free (self->dir);
        free (self);
        *self_p = NULL;
    }
}

//  The file being loaded, for messages that say where: "FILE:LINE: ..."
typedef struct {
    const char *path;
    const char *text;
    size_t size;
} s_file_t;

//  Fresh "FILE:LINE" for the node at `node`, or "FILE" if it is not found.
static char *
s_where (const s_file_t *file, const char *node)
{
    int line = zpl_line (file->text, file->size, node);
    return line? zsys_sprintf ("%s:%d", file->path, line): strdup (file->path);
}

//  True if the schema has settings in the section `name`.
static bool
s_is_section (const conf_key_t *schema, const char *name)
{
    size_t length = strlen (name);
    for (const conf_key_t *key = schema; key->path; key++)
        if (strncmp (key->path, name, length) == 0 && key->path [length] == '/')
            return true;
    return false;
}

//  Edit distance of two short names, capped: a typo is within 2.
static size_t
s_distance (const char *one, const char *other)
{
    size_t one_length = strlen (one), other_length = strlen (other);
    if (one_length > 63 || other_length > 63)
        return 64;
    size_t row [64];
    for (size_t index = 0; index <= other_length; index++)
        row [index] = index;
    for (size_t outer = 1; outer <= one_length; outer++) {
        size_t diagonal = row [0];
        row [0] = outer;
        for (size_t inner = 1; inner <= other_length; inner++) {
            size_t above = row [inner];
            size_t cost = one [outer - 1] == other [inner - 1]? 0: 1;
            size_t best = diagonal + cost;
            if (above + 1 < best)
                best = above + 1;
            if (row [inner - 1] + 1 < best)
                best = row [inner - 1] + 1;
            row [inner] = best;
            diagonal = above;
        }
    }
    return row [other_length];
}

//  True if one path is the other with more at its end ("a/heartbeat" and
//  "a/heartbeat-ms"), after a section and a few letters in common.
static bool
s_extends (const char *one, const char *other)
{
    size_t one_length = strlen (one), other_length = strlen (other);
    size_t shorter = one_length < other_length? one_length: other_length;
    const char *slash = strchr (one, '/');
    return slash && shorter >= (size_t) (slash - one) + 5
        && strncmp (one, other, shorter) == 0;
}

//  Refuses a name the schema does not have, saying what was meant: the
//  setting with the nearest name, or the section a setting belongs in.
static void
s_unknown (conf_t *self, const s_file_t *file, const char *path, bool section,
           char **error)
{
    char *where = s_where (file, path);
    const conf_key_t *near = NULL;
    for (const conf_key_t *key = self->schema; key->path && !near; key++)
        if (s_distance (key->path, path) <= 2 || s_extends (key->path, path))
            near = key;
    const char *slash = strchr (path, '/');
    const conf_key_t *schema = self->schema;
    if (near)
        status_set_error (error, "%s: unknown setting '%s': did you mean '%s'?",
                          where, path, near->path);
    else
    if (!slash && !section) {
        //  A setting outside any section: find the one it belongs in
        const conf_key_t *owner = NULL;
        for (const conf_key_t *key = schema; key->path && !owner; key++) {
            const char *name = strrchr (key->path, '/');
            if (name && streq (name + 1, path))
                owner = key;
        }
        if (owner)
            status_set_error (error, "%s: '%s' must be inside section '%.*s': put "
                              "a line '%.*s' above it and indent the settings "
                              "under it by four spaces", where, path,
                              (int) (strchr (owner->path, '/') - owner->path),
                              owner->path,
                              (int) (strchr (owner->path, '/') - owner->path),
                              owner->path);
        else
            status_set_error (error, "%s: unknown setting '%s'", where, path);
    }
    else {
        char top [64];
        snprintf (top, sizeof (top), "%.*s",
                  (int) (slash? (size_t) (slash - path): strlen (path)), path);
        const char *expected = strchr (schema->path, '/');
        if (!s_is_section (schema, top))
            status_set_error (error, "%s: unknown section '%s': expected section "
                              "'%.*s' (see --help)", where, top,
                              (int) (expected? expected - schema->path: 0),
                              schema->path);
        else
            status_set_error (error, "%s: unknown setting '%s'", where, path);
    }
    zstr_free (&where);
}

//  Walks the tree; every leaf with a value must be in the schema.
static int
s_walk (conf_t *self, zconfig_t *node, const char *prefix, const s_file_t *file,
        char **error)
{
    for (zconfig_t *child = zconfig_child (node); child; child = zconfig_next (child)) {
        char path [256];
        snprintf (path, sizeof (path), "%s%s%s", prefix, *prefix? "/": "",
                  zconfig_name (child));
        if (zconfig_child (child)) {
            if (!*prefix && !s_is_section (self->schema, path)) {
                s_unknown (self, file, path, true, error);
                return -1;
            }
            if (s_walk (self, child, path, file, error))
                return -1;
            continue;
        }
        const conf_key_t *key = s_key (self->schema, path);
        if (!key) {
            s_unknown (self, file, path, false, error);
            return -1;
        }
        const char *value = zconfig_value (child);
        char reason_buffer [128];
        const char *reason = s_check_value (key, value? value: "",
                                            reason_buffer, sizeof (reason_buffer));
        if (reason) {
            char *where = s_where (file, path);
            status_set_error (error, "%s: '%s' = \"%s\" %s", where, path,
                              value? value: "", reason);
            zstr_free (&where);
            return -1;
        }
        zhashx_update (self->values, path, (void *) (value? value: ""));
    }
    return 0;
}

//  Every required setting has a value; a missing one says where it goes.
static int
s_check_file (conf_t *self, const s_file_t *file, char **error)
{
    for (const conf_key_t *key = self->schema; key->path; key++) {
        if (!key->required || zhashx_lookup (self->values, key->path))
            continue;
        const char *name = strrchr (key->path, '/');
        char section [64];
        snprintf (section, sizeof (section), "%.*s",
                  (int) (name? (size_t) (name - key->path): 0), key->path);
        int line = zpl_line (file->text, file->size, section);
        if (name && !line)
            status_set_error (error, "%s: expected section '%s': the file starts "
                              "with a line '%s', then its settings indented by "
                              "four spaces (see --help)", file->path, section,
                              section);
        else
            status_set_error (error, "%s: missing required setting '%s' (%s): add "
                              "'%s = ...' under '%s' (line %d)", file->path,
                              key->path, key->help, name? name + 1: key->path,
                              section, line);
        return -1;
    }
    return 0;
}

conf_t *
conf_load (const char *path, const conf_key_t *schema, char **error)
{
    assert (path && schema);
    size_t size = 0;
    char *reason = NULL;
    char *text = file_read (path, S_FILE_MAX, &size, &reason);
    if (!text) {
        status_set_error (error, "%s: cannot read the configuration file: %s",
                          path, reason);
        zstr_free (&reason);
        return NULL;
    }
    //  Lines first, so that a mistake says where and what to do; zconfig
    //  would only print a line of its own (and leaks on a syntax error)
    int line = 0;
    const char *syntax = memchr (text, 0, size)? "a NUL byte: not a text file":
                         zpl_check (text, size, &line);
    zconfig_t *root = syntax? NULL: zconfig_str_load (text);
    if (!root) {
        if (line)
            status_set_error (error, "%s:%d: %s", path, line, syntax);
        else
            status_set_error (error, "%s: not valid ZPL: %s", path,
                              syntax? syntax: "zconfig cannot parse it");
        free (text);
        return NULL;
    }
    conf_t *self = conf_new (schema);
    char *slash = strrchr (path, '/');
    free (self->dir);
    self->dir = slash? strndup (path, (size_t) (slash - path)): strdup (".");
    s_file_t file = { path, text, size };
    if (s_walk (self, root, "", &file, error)
    ||  s_check_file (self, &file, error))
        conf_destroy (&self);
    zconfig_destroy (&root);
    free (text);
    return self;
}

int
conf_set (conf_t *self, const char *path, const char *value, char **error)
{
    assert (self && path && value);
    const conf_key_t *key = s_key (self->schema, path);
    if (!key) {
        status_set_error (error, "unknown setting '%s'", path);
        return -1;
    }
    char reason_buffer [128];
    const char *reason = s_check_value (key, value, reason_buffer, sizeof (reason_buffer));
    if (reason) {
        status_set_error (error, "'%s' = \"%s\" %s", path, value, reason);
        return -1;
    }
    s_retire (self, path);
    zhashx_update (self->values, path, (void *) value);
    return 0;
}

static bool
s_listed (const char **list, const char *flag)
{
    for (; list && *list; list++)
        if (streq (*list, flag))
            return true;
    return false;
}

int
conf_apply_flags (conf_t *self, int argc, char **argv,
                  const char **own, const char **switches, char **error)
{
    for (int index = 0; index < argc; index++) {
        const char *flag = argv [index];
        if (s_listed (switches, flag))
            continue;
        if (s_listed (own, flag)) {
            index++;
            continue;
        }
        if (strncmp (flag, "--", 2) != 0) {
            status_set_error (error, "unexpected argument '%s'", flag);
            return -1;
        }
        const conf_key_t *found = NULL;
        for (const conf_key_t *key = self->schema; key->path && !found; key++) {
            const char *name = strrchr (key->path, '/');
            if (streq (name? name + 1: key->path, flag + 2))
                found = key;
        }
        if (!found) {
            status_set_error (error, "unknown flag '%s' (see --help)", flag);
            return -1;
        }
        if (index + 1 >= argc) {
            status_set_error (error, "%s needs a value", flag);
            return -1;
        }
        if (conf_set (self, found->path, argv [++index], error))
            return -1;
    }
    return 0;
}

int
conf_check (conf_t *self, char **error)
{
    for (const conf_key_t *key = self->schema; key->path; key++)
        if (key->required && !zhashx_lookup (self->values, key->path)) {
            status_set_error (error, "missing required setting '%s' (%s)",
                              key->path, key->help);
            return -1;
        }
    return 0;
}

const char *
conf_str (conf_t *self, const char *path)
{
    assert (self);
    const conf_key_t *key = s_key (self->schema, path);
    assert (key);       //  a program asking for a key it did not declare
    const char *value = (const char *) zhashx_lookup (self->values, path);
    if (!value || *value == 0)
        return value;
    //  Paths, and ipc:// endpoints, are relative to the configuration file
    const char *prefix = "";
    if (key->kind == CONF_ENDPOINT) {
        if (strncmp (value, "ipc://", 6) != 0 || value [6] == '/')
            return value;
        prefix = "ipc://";
        value += 6;
    }
    else
    if (key->kind != CONF_PATH || *value == '/')
        return value;
    //  Relative paths are relative to the configuration file; cache the
    //  resolved form under a derived key so the string stays owned here.
    //  A caller may hold what an earlier call returned (the broker's reload
    //  timer does, across a reload): the cached string is returned again
    //  as long as it is right, and retired, never freed, when it is not
    char resolved_key [300];
    snprintf (resolved_key, sizeof (resolved_key), "%s\x01", path);
    char *resolved = zsys_sprintf ("%s%s/%s", prefix, self->dir, value);
    const char *cached = (const char *) zhashx_lookup (self->values, resolved_key);
    if (!cached || !streq (cached, resolved)) {
        s_retire (self, resolved_key);
        zhashx_update (self->values, resolved_key, resolved);
    }
    zstr_free (&resolved);
    return (const char *) zhashx_lookup (self->values, resolved_key);
}

zlist_t *
conf_list (conf_t *self, const char *path)
{
    assert (self);
    const conf_key_t *key = s_key (self->schema, path);
    assert (key);
    zlist_t *list = zlist_new ();
    zlist_autofree (list);
    const char *value = (const char *) zhashx_lookup (self->values, path);
    char *copy = strdup (value? value: "");
    char *saveptr = NULL;
    for (char *element = strtok_r (copy, ",", &saveptr); element;
         element = strtok_r (NULL, ",", &saveptr)) {
        while (*element == ' ')
            element++;
        size_t length = strlen (element);
        while (length && element [length - 1] == ' ')
            element [--length] = 0;
        if (!length)
            continue;
        if (key->kind == CONF_PATHS && *element != '/') {
            char *resolved = zsys_sprintf ("%s/%s", self->dir, element);
            zlist_append (list, resolved);
            zstr_free (&resolved);
        }
        else
            zlist_append (list, element);
    }
    free (copy);
    return list;
}

int64_t
conf_int (conf_t *self, const char *path)
{
    const char *value = conf_str (self, path);
    return value? strtoll (value, NULL, 10): 0;
}

int
conf_level (conf_t *self, const char *path)
{
    const char *value = conf_str (self, path);
    for (int index = 0; value && index < 4; index++)
        if (streq (value, s_levels [index]))
            return index;
    return 2;
}

void
conf_print_help (const conf_key_t *schema, FILE *file)
{
    for (const conf_key_t *key = schema; key->path; key++) {
        fprintf (file, "  %-28s %s%s", key->path, key->help,
                 key->required? " (required)": "");
        if (key->fallback)
            fprintf (file, " [default %s]", *key->fallback? key->fallback: "\"\"");
        fprintf (file, "\n");
    }
}

void
conf_test (bool verbose)
{
    if (verbose)
        printf (" * conf: ");
    static const conf_key_t schema [] = {
        { "daemon/endpoint", CONF_ENDPOINT, true, 0, 0, NULL, "where to bind" },
        { "daemon/heartbeat-ms", CONF_INTEGER, false, 100, 60000, "1000", "heartbeat" },
        { "daemon/data", CONF_PATH, false, 0, 0, "state", "state directory" },
        { "daemon/log-level", CONF_LEVEL, false, 0, 0, "info", "log level" },
        { NULL }
    };
    char dir [64];
    snprintf (dir, sizeof (dir), "/tmp/sluice-conf-%d", getpid ());
    zsys_dir_create (dir);
    char path [128];
    snprintf (path, sizeof (path), "%s/test.cfg", dir);
    char *error = NULL;

    //  A good file; relative paths resolve against its directory
    FILE *file = fopen (path, "w");
    fprintf (file, "daemon\n    endpoint = \"tcp://127.0.0.1:9\"\n    heartbeat-ms = 500\n");
    fclose (file);
    conf_t *conf = conf_load (path, schema, &error);
    assert (conf && !error);
    assert (streq (conf_str (conf, "daemon/endpoint"), "tcp://127.0.0.1:9"));
    assert (conf_int (conf, "daemon/heartbeat-ms") == 500);
    char expected [160];
    snprintf (expected, sizeof (expected), "%s/state", dir);
    assert (streq (conf_str (conf, "daemon/data"), expected));
    assert (conf_level (conf, "daemon/log-level") == 2);
    assert (conf_set (conf, "daemon/heartbeat-ms", "5", &error) == -1);
    assert (error && strstr (error, "between 100 and 60000"));
    zstr_free (&error);
    assert (conf_set (conf, "daemon/heartbeat-ms", "2000", &error) == 0);
    assert (conf_int (conf, "daemon/heartbeat-ms") == 2000);
    //  A string handed out stays valid while the conf lives: asking again
    //  returns the same one, and a value set later does not free it
    const char *data = conf_str (conf, "daemon/data");
    const char *endpoint = conf_str (conf, "daemon/endpoint");
    for (int round = 0; round < 3; round++)
        assert (conf_str (conf, "daemon/data") == data);
    assert (conf_set (conf, "daemon/data", "elsewhere", &error) == 0);
    assert (conf_set (conf, "daemon/endpoint", "tcp://127.0.0.1:10", &error) == 0);
    snprintf (expected, sizeof (expected), "%s/elsewhere", dir);
    assert (streq (conf_str (conf, "daemon/data"), expected));
    assert (streq (conf_str (conf, "daemon/endpoint"), "tcp://127.0.0.1:10"));
    snprintf (expected, sizeof (expected), "%s/state", dir);
    assert (streq (data, expected));
    assert (streq (endpoint, "tcp://127.0.0.1:9"));
    conf_destroy (&conf);

    //  Each kind of broken file is refused with a message naming file and key
    const char *broken [][2] = {
        { "daemon\n    endpoint = \"tcp://x:1\"\n    hearbeat-ms = 5\n", "unknown setting 'daemon/hearbeat-ms'" },
        { "daemon\n    heartbeat-ms = 500\n", "missing required setting 'daemon/endpoint'" },
        { "daemon\n    endpoint = \"http://x\"\n", "must be an endpoint" },
        { "daemon\n    endpoint = \"tcp://x:1\"\n    heartbeat-ms = abc\n", "is not an integer" },
        { "daemon\n    endpoint = \"tcp://x:1\"\n    log-level = loud\n", "must be error" },
        { "daemon\n    endpoint = \"tcp://x:1\n", ":2: missing closing \"" },
        //  As a new user writes them: each says the line and what to do
        { "daemon\n\tendpoint = \"tcp://x:1\"\n", ":2: indent with four spaces, not a tab" },
        { "daemon\n    endpoint = \"tcp://x:1\"\n    hearbeat-ms = 5\n",
          ":3: unknown setting 'daemon/hearbeat-ms': did you mean 'daemon/heartbeat-ms'?" },
        { "endpoint = \"tcp://x:1\"\n", ":1: 'endpoint' must be inside section 'daemon'" },
        { "# comment\n\nbroker\n    endpoint = \"tcp://x:1\"\n",
          ":3: unknown section 'broker': expected section 'daemon'" },
        { "# nothing but a comment\n", ": expected section 'daemon': the file starts with" },
        { "daemon\n    heartbeat-ms = 500\n", "add 'endpoint = ...' under 'daemon' (line 1)" },
        { "daemon\n    endpoint = \"tcp://x:1\"\n\n    heartbeat-ms = 5\n",
          ":4: 'daemon/heartbeat-ms' = \"5\" must be between 100 and 60000" },
        { "daemon\n    endpoint = \"tcp://x:1\"\n    data\n        x = 1\n",
          ":4: unknown setting 'daemon/data/x'" },
    };
    for (size_t index = 0; index < sizeof (broken) / sizeof (broken [0]); index++) {
        file = fopen (path, "w");
        fputs (broken [index][0], file);
        fclose (file);
        conf = conf_load (path, schema, &error);
        assert (!conf);
        assert (error);
        if (!strstr (error, broken [index][1]) || !strstr (error, path)) {
            printf ("conf: unexpected error '%s'\n", error);
            assert (false);
        }
        zstr_free (&error);
    }
    conf = conf_load ("/nonexistent/sluice.cfg", schema, &error);
    assert (!conf && error && strstr (error, "cannot read"));
    zstr_free (&error);
    //  A FIFO in place of the file is refused at once
    zsys_file_delete (path);
    assert (mkfifo (path, 0600) == 0);
    conf = conf_load (path, schema, &error);
    assert (!conf && error);
    assert (strstr (error, "cannot read the configuration file: a FIFO, not a "
                           "regular file"));
    zstr_free (&error);
    zsys_file_delete (path);
    zsys_dir_delete (dir);
    if (verbose)
        printf ("OK\n");
}
