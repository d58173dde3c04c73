/*  names.c -- the catalog's name rule and its comma-separated lists.  */

#include "names.h"
#include <assert.h>
#include <stdio.h>
#include <string.h>

//  True if name is 1..NAMES_MAX bytes of [a-z0-9_.-]; see names.h.

bool
names_valid (const char *name)
{
    size_t length = strlen (name);
    if (length == 0 || length > NAMES_MAX)
        return false;
    for (size_t index = 0; index < length; index++) {
        char c = name [index];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        ||    c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

//  The next name of a comma-separated list; see names.h.

bool
names_next (const char **cursor, const char **name, size_t *length)
{
    assert (cursor && name && length);
    const char *scan = *cursor;
    if (!scan)
        return false;
    while (*scan == ' ')
        scan++;
    const char *start = scan;
    while (*scan && *scan != ',')
        scan++;
    const char *end = scan;
    while (end > start && end [-1] == ' ')
        end--;
    *name = start;
    *length = (size_t) (end - start);
    *cursor = *scan == ','? scan + 1: NULL;       //  past the comma, or done
    return true;
}

void
names_test (bool verbose)
{
    if (verbose)
        printf (" * names: ");
    assert (names_valid ("enterprise-basic"));
    assert (names_valid ("enterprise.name_2"));
    assert (names_valid ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assert (!names_valid ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assert (!names_valid (""));
    assert (!names_valid ("Enterprise"));
    assert (!names_valid ("a b"));
    assert (!names_valid ("*"));
    const char *cursor = " name , ,address", *name;
    size_t length;
    assert (names_next (&cursor, &name, &length) && length == 4 && !strncmp (name, "name", 4));
    assert (names_next (&cursor, &name, &length) && length == 0);
    assert (names_next (&cursor, &name, &length) && length == 7
         && !strncmp (name, "address", 7));
    assert (!names_next (&cursor, &name, &length));
    if (verbose)
        printf ("OK\n");
}
