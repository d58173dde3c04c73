/*  settings_man.c -- the settings of sluice-gateway.conf(5) and
    sluice-broker.conf(5), from their one declaration.

        settings_man SECTION FORMATS.md < PAGE.5.in > PAGE.5

    Copies the page's template and writes, in place of its line
    `.\" @SETTINGS@`, one entry per setting of SECTION ("gateway" or
    "broker"): the name, its values, default or "required" from the daemon's
    schema (proto/settings.c, the table the daemon reads its file with and
    prints its --help from), and the meaning from the settings table of
    docs/formats.md. That table is checked against the schema on the way:
    a setting missing from it, a row for a setting the daemon does not
    have, or a "required", "default" or "values" cell that says otherwise
    than the schema stops the build with the row to fix. So neither the
    page nor the table can drift from what the daemon accepts.

    Run by the Makefile (make man); exit 0 done, 1 the table disagrees with
    the schema (or cannot be read), 64 usage.
*/

#include "settings.h"

//  A table row is at most this long, and has at most this many cells
#define S_LINE_MAX 4096
#define S_CELLS 8

//  What the "values" cell of a setting says, from its schema row
static void
s_values (const conf_key_t *key, char *text, size_t cap)
{
    static const char *names [] = {
        [CONF_STRING] = "text", [CONF_PATH] = "path", [CONF_ENDPOINT] = "endpoint",
        [CONF_LEVEL] = "level", [CONF_PATHS] = "paths", [CONF_ENDPOINTS] = "endpoints"
    };
    if (key->kind == CONF_INTEGER)
        snprintf (text, cap, "%lld..%lld", (long long) key->min, (long long) key->max);
    else
        snprintf (text, cap, "%s", names [key->kind]);
}

//  Splits a table row "| a | b |" into its cells, trimmed, in place.
//  Returns the number of cells.
static size_t
s_cells (char *row, char **cells)
{
    size_t count = 0;
    char *scan = strchr (row, '|');
    while (scan && count < S_CELLS) {
        char *start = scan + 1;
        char *end = strchr (start, '|');
        while (end && end [-1] == '\\')         //  "\|" is a bar in a cell
            end = strchr (end + 1, '|');
        if (!end)
            break;
        *end = 0;
        while (*start == ' ')
            start++;
        for (char *last = end - 1; last >= start && *last == ' '; last--)
            *last = 0;
        cells [count++] = start;
        scan = end;
    }
    return count;
}

//  The default as the table writes it: empty for none, `""` for the empty
//  string, a value in backticks or plain
static bool
s_default_matches (const char *cell, const char *fallback)
{
    if (!fallback)
        return *cell == 0;
    char value [256];
    size_t size = strlen (cell);
    if (size >= 2 && cell [0] == '`' && cell [size - 1] == '`')
        snprintf (value, sizeof (value), "%.*s", (int) size - 2, cell + 1);
    else
        snprintf (value, sizeof (value), "%s", cell);
    if (streq (value, "\"\""))
        *value = 0;
    return streq (value, fallback);
}

//  Checks one row against its schema key; prints what is wrong
static int
s_check_row (const conf_key_t *key, char **cells, const char *formats)
{
    char values [64];
    s_values (key, values, sizeof (values));
    const char *wrong = !streq (cells [1], key->required? "yes": "no")? "required":
                        !s_default_matches (cells [2], key->fallback)? "default":
                        !streq (cells [3], values)? "values": NULL;
    if (!wrong)
        return 0;
    fprintf (stderr, "settings_man: %s: %s: the '%s' cell does not say what "
             "proto/settings.c declares (required %s, default %s%s%s, values %s)\n",
             formats, key->path, wrong, key->required? "yes": "no",
             key->fallback? "`": "", key->fallback? key->fallback: "none",
             key->fallback? "`": "", values);
    return -1;
}

//  Reads the settings table of `section` from `formats`: the meaning of
//  each schema key into meanings (fresh strings, in schema order). Returns
//  0, or -1 after printing every row that disagrees with the schema.
static int
s_read_table (const char *formats, const char *section, const conf_key_t *schema,
              char **meanings)
{
    FILE *file = fopen (formats, "r");
    if (!file) {
        fprintf (stderr, "settings_man: %s: %s\n", formats, strerror (errno));
        return -1;
    }
    char prefix [64];
    snprintf (prefix, sizeof (prefix), "| `%s/", section);
    int rc = 0;
    char line [S_LINE_MAX];
    while (fgets (line, sizeof (line), file)) {
        if (strncmp (line, prefix, strlen (prefix)) != 0)
            continue;
        line [strcspn (line, "\n")] = 0;
        char *cells [S_CELLS] = { NULL };
        size_t count = s_cells (line, cells);
        if (count == 0)
            continue;
        size_t path = strlen (cells [0]) - 1;
        const conf_key_t *key = schema;
        while (key->path && !(strncmp (cells [0] + 1, key->path, path - 1) == 0
                              && key->path [path - 1] == 0))
            key++;
        if (count != 5 || !key->path) {
            fprintf (stderr, "settings_man: %s: %s: %s\n", formats, cells [0],
                     count != 5? "a row has five cells: setting, required, "
                                 "default, values, meaning"
                               : "no such setting in proto/settings.c");
            rc = -1;
        }
        else {
            //  A row that disagrees still counts as present
            if (s_check_row (key, cells, formats))
                rc = -1;
            free (meanings [key - schema]);
            meanings [key - schema] = strdup (cells [4]);
        }
    }
    fclose (file);
    for (const conf_key_t *key = schema; key->path; key++)
        if (!meanings [key - schema]) {
            fprintf (stderr, "settings_man: %s: no row for %s, which proto/settings.c "
                     "declares\n", formats, key->path);
            rc = -1;
        }
    return rc;
}

//  Writes a table cell of markdown as roff text: `code` and **bold** in
//  bold, a link as its text, backslashes escaped, "\|" as a bar
static void
s_roff_text (const char *text, FILE *out)
{
    bool code = false, bold = false;
    if (*text == '.' || *text == '\'')
        fputs ("\\&", out);
    //  A sentence in the page: a capital to start, a full stop to end
    if (islower ((unsigned char) *text)) {
        fputc (toupper ((unsigned char) *text), out);
        text++;
    }
    for (const char *scan = text; *scan; scan++) {
        if (*scan == '`') {
            code = !code;
            fputs (code? "\\fB": "\\fR", out);
        }
        else
        if (!code && strncmp (scan, "**", 2) == 0) {
            bold = !bold;
            fputs (bold? "\\fB": "\\fR", out);
            scan++;
        }
        else
        if (!code && *scan == '[' && strstr (scan, "](")) {
            const char *close = strstr (scan, "](");
            const char *end = strchr (close, ')');
            fprintf (out, "%.*s", (int) (close - scan - 1), scan + 1);
            scan = end? end: close + 1;
        }
        else
        if (*scan == '\\' && scan [1] == '|') {
            fputc ('|', out);
            scan++;
        }
        else
        if (*scan == '\\')
            fputs ("\\e", out);
        else
        if (*scan == '-' && code)
            fputs ("\\-", out);
        else
            fputc (*scan, out);
    }
    size_t size = strlen (text);
    fputs (size && text [size - 1] != '.'? ".\n": "\n", out);
}

//  One entry per setting, as a tagged paragraph
static void
s_write_settings (const conf_key_t *schema, char **meanings, FILE *out)
{
    fputs (".\\\" Generated from proto/settings.c and docs/formats.md by "
           "docs/man/settings_man.c: edit those\n", out);
    for (const conf_key_t *key = schema; key->path; key++) {
        char values [64];
        s_values (key, values, sizeof (values));
        const char *name = strchr (key->path, '/') + 1;
        fprintf (out, ".TP\n\\fB%s\\fR = \\fI%s\\fR", name, values);
        if (key->required)
            fputs (" (required)\n", out);
        else
            fprintf (out, " (default \\fB%s\\fR)\n",
                     *key->fallback? key->fallback: "\"\"");
        s_roff_text (meanings [key - schema], out);
    }
}

int
main (int argc, char **argv)
{
    const conf_key_t *schema = argc == 3 && streq (argv [1], "gateway")? settings_gateway:
                               argc == 3 && streq (argv [1], "broker")? settings_broker: NULL;
    if (!schema) {
        fprintf (stderr, "usage: settings_man gateway|broker FORMATS.md < PAGE.in > PAGE\n");
        return 64;
    }
    size_t count = 0;
    while (schema [count].path)
        count++;
    char **meanings = (char **) calloc (count, sizeof (char *));
    assert (meanings);
    int rc = s_read_table (argv [2], argv [1], schema, meanings);
    bool written = false;
    char line [S_LINE_MAX];
    while (rc == 0 && fgets (line, sizeof (line), stdin)) {
        if (streq (line, ".\\\" @SETTINGS@\n")) {
            s_write_settings (schema, meanings, stdout);
            written = true;
        }
        else
            fputs (line, stdout);
    }
    if (rc == 0 && !written) {
        fprintf (stderr, "settings_man: the page has no line '.\\\" @SETTINGS@'\n");
        rc = -1;
    }
    for (size_t index = 0; index < count; index++)
        free (meanings [index]);
    free (meanings);
    return rc == 0 && fflush (stdout) == 0? 0: 1;
}
