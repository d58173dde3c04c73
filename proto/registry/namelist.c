/*  namelist.c -- a sorted list of distinct names.  */

#include "namelist.h"
#include <czmq.h>

struct _namelist_t {
    char **names;
    size_t count;
};

static int
s_compare_names (const void *a, const void *b)
{
    return strcmp (*(char * const *) a, *(char * const *) b);
}

static bool
s_is_blank (char c)
{
    return c == ' ' || c == '\t';
}

void
namelist_destroy (namelist_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        namelist_t *self = *self_p;
        for (size_t index = 0; index < self->count; index++)
            free (self->names [index]);
        free (self->names);
        free (self);
        *self_p = NULL;
    }
}

//  Reads the names, each trimmed of blanks, in the order written. 0, or -1
//  and *reason.
static int
s_names_read (namelist_t *self, const char *text, size_t max_count, bool star_ok,
              const namelist_rule_t *rule, const char **reason)
{
    const char *start = text;
    while (true) {
        const char *end = strchr (start, ',');
        if (!end)
            end = start + strlen (start);
        const char *first = start;
        const char *last = end;
        while (first < last && s_is_blank (*first))
            first++;
        while (last > first && s_is_blank (last [-1]))
            last--;
        size_t length = (size_t) (last - first);
        if (length == 0) {
            *reason = "empty name in list";
            return -1;
        }
        if (length > rule->max) {
            *reason = rule->too_long;
            return -1;
        }
        if (self->count == max_count) {
            *reason = "too many names in list";
            return -1;
        }
        char *name = (char *) malloc (length + 1);
        assert (name);
        memcpy (name, first, length);
        name [length] = 0;
        self->names [self->count++] = name;
        if (!(star_ok && streq (name, "*")) && !rule->valid (name)) {
            *reason = rule->refusal;
            return -1;
        }
        if (*end == 0)
            return 0;
        start = end + 1;
    }
}

namelist_t *
namelist_new (const char *text, size_t max_count, bool star_ok,
              const namelist_rule_t *rule, const char **reason)
{
    assert (text && rule && reason && max_count > 0);
    if (strlen (text) > max_count * (rule->max + 2) + 64) {
        *reason = "list is too long";
        return NULL;
    }
    namelist_t *self = (namelist_t *) zmalloc (sizeof (namelist_t));
    assert (self);
    self->names = (char **) calloc (max_count, sizeof (char *));
    assert (self->names);
    if (s_names_read (self, text, max_count, star_ok, rule, reason)) {
        namelist_destroy (&self);
        return NULL;
    }
    if (star_ok && self->count > 1)
        for (size_t index = 0; index < self->count; index++)
            if (streq (self->names [index], "*")) {
                *reason = "'*' must stand alone";
                namelist_destroy (&self);
                return NULL;
            }
    qsort (self->names, self->count, sizeof (char *), s_compare_names);
    for (size_t index = 1; index < self->count; index++)
        if (streq (self->names [index - 1], self->names [index])) {
            *reason = "a name appears twice in list";
            namelist_destroy (&self);
            return NULL;
        }
    return self;
}

namelist_t *
namelist_dup (namelist_t *self)
{
    assert (self);
    namelist_t *copy = (namelist_t *) zmalloc (sizeof (namelist_t));
    assert (copy);
    copy->count = self->count;
    copy->names = (char **) calloc (self->count? self->count: 1, sizeof (char *));
    assert (copy->names);
    for (size_t index = 0; index < self->count; index++) {
        copy->names [index] = strdup (self->names [index]);
        assert (copy->names [index]);
    }
    return copy;
}

size_t
namelist_size (namelist_t *self)
{
    assert (self);
    return self->count;
}

const char *
namelist_name (namelist_t *self, size_t index)
{
    assert (self);
    assert (index < self->count);
    return self->names [index];
}

bool
namelist_contains (namelist_t *self, const char *name)
{
    assert (self);
    if (!name)
        return false;
    return bsearch (&name, self->names, self->count, sizeof (char *),
                    s_compare_names) != NULL;
}


//  --------------------------------------------------------------------------
//  Self-test

static bool
s_test_lower (const char *name)
{
    for (const char *c = name; *c; c++)
        if (*c < 'a' || *c > 'z')
            return false;
    return true;
}

void
namelist_test (bool verbose)
{
    if (verbose)
        printf (" * namelist: ");
    namelist_rule_t rule = { 8, s_test_lower, "not lower case", "longer than 8" };
    const char *reason = NULL;
    namelist_t *list = namelist_new (" status, name,address\t", 4, false, &rule, &reason);
    assert (list && namelist_size (list) == 3);
    assert (streq (namelist_name (list, 0), "address"));
    assert (streq (namelist_name (list, 2), "status"));
    assert (namelist_contains (list, "name"));
    assert (!namelist_contains (list, "nam"));
    assert (!namelist_contains (list, NULL));
    namelist_t *copy = namelist_dup (list);
    assert (namelist_size (copy) == 3 && namelist_contains (copy, "status"));
    namelist_destroy (&copy);
    namelist_destroy (&list);
    namelist_destroy (&list);           //  safe twice
    list = namelist_new ("*", 4, true, &rule, &reason);
    assert (list && namelist_size (list) == 1 && namelist_contains (list, "*"));
    namelist_destroy (&list);

    struct { const char *text; bool star_ok; const char *reason; } bad [] = {
        { "", false, "empty name in list" },
        { "a,,b", false, "empty name in list" },
        { "a,", false, "empty name in list" },
        { "a,b,a", false, "a name appears twice in list" },
        { "a b", false, "not lower case" },
        { "*", false, "not lower case" },
        { "*,a", true, "'*' must stand alone" },
        { "abcdefghi", false, "longer than 8" },
        { "a,b,c,d,e", false, "too many names in list" },
        { NULL, false, "list is too long" },
    };
    char long_text [200];
    memset (long_text, 'a', sizeof (long_text) - 1);
    long_text [sizeof (long_text) - 1] = 0;
    bad [sizeof (bad) / sizeof (bad [0]) - 1].text = long_text;
    for (size_t index = 0; index < sizeof (bad) / sizeof (bad [0]); index++) {
        reason = NULL;
        list = namelist_new (bad [index].text, 4, bad [index].star_ok, &rule, &reason);
        assert (!list);
        if (!reason || !streq (reason, bad [index].reason))
            printf ("case %zu: expected '%s', got '%s'\n", index, bad [index].reason,
                    reason? reason: "");
        assert (reason && streq (reason, bad [index].reason));
    }
    if (verbose)
        printf ("OK\n");
}
