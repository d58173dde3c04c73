/*  zpl.c -- ZPL text checked line by line.  */

#include "zpl.h"

#define S_DEPTH_MAX 16          //  deeper nodes are not located by zpl_line

static bool
s_is_namechar (char c)
{
    //  The characters zconfig accepts in a name
    return isalnum ((unsigned char) c) || c == '$' || c == '-' || c == '_'
        || c == '@' || c == '.' || c == '&' || c == '+' || c == '/';
}

//  Checks one line (NUL-terminated, trailing space trimmed) with the same
//  rules as zconfig. `depth` is the level of the previous named line, -1
//  before the first; updated when this line has a name, which is then in
//  *name (not terminated) and *length. Returns NULL if good, else a static
//  reason.
static const char *
s_line (const char *line, int *depth, const char **name, size_t *length)
{
    const char *scan = line;
    *length = 0;
    while (*scan == ' ')
        scan++;
    size_t indent = (size_t) (scan - line);
    if (*scan == '\t')
        return "indent with four spaces, not a tab";
    if (*scan == 0 || *scan == '#')
        return NULL;                //  Blank line or comment
    if (indent % 4)
        return "indent by multiples of four spaces";
    const char *start = scan;
    while (s_is_namechar (*scan))
        scan++;
    if (scan == start)
        return "expected a name";
    if (*start == '/' || scan [-1] == '/')
        return "'/' not valid at name start or end";
    int level = (int) (indent / 4);
    if (level > *depth + 1)
        return "indented deeper than its parent allows (one level of four "
               "spaces below the line above, at most)";
    const char *end = scan;
    while (isspace ((unsigned char) *scan))
        scan++;
    if (*scan == '=') {
        scan++;
        while (isspace ((unsigned char) *scan))
            scan++;
        if (*scan == '"' || *scan == '\'') {
            const char *close = strchr (scan + 1, *scan);
            if (!close)
                return *scan == '"'? "missing closing \"": "missing closing '";
            scan = close + 1;
        }
        else
            scan = "";              //  Unquoted value runs to a comment
    }
    while (isspace ((unsigned char) *scan))
        scan++;
    if (*scan && *scan != '#')
        return "unexpected text after the value (quote a value with spaces)";
    *depth = level;
    *name = start;
    *length = (size_t) (end - start);
    return NULL;
}

//  Calls `visit` with each line of the text (trimmed, NUL-terminated) and
//  its number, until it returns non-zero; returns that, or 0.
static int
s_each_line (const char *text, size_t size,
             int (*visit) (const char *line, int lineno, void *argument),
             void *argument)
{
    char *line = (char *) malloc (size + 1);
    assert (line);
    const char *scan = text;
    const char *end = text + size;
    int lineno = 0;
    int rc = 0;
    while (scan < end && rc == 0) {
        const char *eol = (const char *) memchr (scan, '\n', (size_t) (end - scan));
        if (!eol)
            eol = end;
        size_t length = (size_t) (eol - scan);
        memcpy (line, scan, length);
        while (length && isspace ((unsigned char) line [length - 1]))
            length--;
        line [length] = 0;
        rc = visit (line, ++lineno, argument);
        scan = eol + 1;
    }
    free (line);
    return rc;
}

typedef struct {
    int depth;
    const char *reason;
} s_check_t;

static int
s_check_line (const char *line, int lineno, void *argument)
{
    s_check_t *check = (s_check_t *) argument;
    const char *name;
    size_t length;
    check->reason = s_line (line, &check->depth, &name, &length);
    return check->reason? lineno: 0;
}

const char *
zpl_check (const char *text, size_t size, int *lineno)
{
    assert (text || size == 0);
    s_check_t check = { -1, NULL };
    *lineno = s_each_line (text, size, s_check_line, &check);
    return check.reason;
}

typedef struct {
    int depth;
    const char *path;
    //  The path of the current line: each level's name, joined
    char names [S_DEPTH_MAX][256];
} s_find_t;

static int
s_find_line (const char *line, int lineno, void *argument)
{
    s_find_t *find = (s_find_t *) argument;
    const char *name;
    size_t length;
    if (s_line (line, &find->depth, &name, &length) || length == 0
    ||  find->depth >= S_DEPTH_MAX || length >= sizeof (find->names [0]))
        return 0;
    memcpy (find->names [find->depth], name, length);
    find->names [find->depth][length] = 0;
    char path [S_DEPTH_MAX * 257] = "";
    for (int level = 0; level <= find->depth; level++) {
        if (level)
            strcat (path, "/");
        strcat (path, find->names [level]);
    }
    return streq (path, find->path)? lineno: 0;
}

int
zpl_line (const char *text, size_t size, const char *path)
{
    assert (text || size == 0);
    assert (path);
    s_find_t *find = (s_find_t *) zmalloc (sizeof (s_find_t));
    assert (find);
    find->depth = -1;
    find->path = path;
    int lineno = s_each_line (text, size, s_find_line, find);
    free (find);
    return lineno;
}

void
zpl_test (bool verbose)
{
    if (verbose)
        printf (" * zpl: ");
    const struct {
        const char *text;
        int lineno;
        const char *reason;         //  the start of it; NULL if good
    } cases [] = {
        { "gateway\n    cert = \"a b\"   # comment\n\n# x\n", 0, NULL },
        { "gateway\n\tcert = \"x\"\n", 2, "indent with four spaces, not a tab" },
        { "gateway\n   cert = \"x\"\n", 2, "indent by multiples of four spaces" },
        { "gateway\n    cert = \"x\n", 2, "missing closing \"" },
        { "gateway\n    cert = 'x\n", 2, "missing closing '" },
        { "gateway\n        cert = \"x\"\n", 2, "indented deeper" },
        { "    gateway\n", 1, "indented deeper" },
        { "gateway\n    cert = \"x\" y\n", 2, "unexpected text" },
        { "gateway\n    = \"x\"\n", 2, "expected a name" },
        { "gateway\n    /cert = 1\n", 2, "'/' not valid" },
        { "a\n    b\n        c = 1\n    d = 2\ne\n", 0, NULL },
    };
    for (size_t index = 0; index < sizeof (cases) / sizeof (cases [0]); index++) {
        int lineno = -1;
        const char *reason = zpl_check (cases [index].text,
                                        strlen (cases [index].text), &lineno);
        assert (lineno == cases [index].lineno);
        if (cases [index].reason)
            assert (reason && strncmp (reason, cases [index].reason,
                                       strlen (cases [index].reason)) == 0);
        else
            assert (reason == NULL);
    }
    //  Lines of nodes, first occurrence; not found is 0
    const char *text = "# a config\ngateway\n    cert = \"x\"\n\n    state = s\n"
                       "broker\n    cert = y\ngateway\n    cert = z\n";
    size_t size = strlen (text);
    assert (zpl_line (text, size, "gateway") == 2);
    assert (zpl_line (text, size, "gateway/cert") == 3);
    assert (zpl_line (text, size, "gateway/state") == 5);
    assert (zpl_line (text, size, "broker/cert") == 7);
    assert (zpl_line (text, size, "broker") == 6);
    assert (zpl_line (text, size, "cert") == 0);
    assert (zpl_line (text, size, "gateway/none") == 0);
    assert (zpl_line ("", 0, "x") == 0);
    if (verbose)
        printf ("OK\n");
}
