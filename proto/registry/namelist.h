/*  namelist.h -- a sorted list of distinct names, read from "a, b,c".

    An agreement's fields, purposes and roles are such lists: blanks around
    a name are ignored, no name may be empty or appear twice, each follows
    the rule given, and the list is kept sorted (bytewise), so that an
    agreement's canonical bytes do not depend on the order it was written
    in, and a lookup is a binary search.
*/
#ifndef SLUICE_NAMELIST_H_INCLUDED
#define SLUICE_NAMELIST_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

//  What a name of a list may be.
typedef struct {
    size_t max;                         //  bytes
    bool (*valid) (const char *name);
    const char *refusal;                //  why a name is not valid
    const char *too_long;               //  why a name is too long
} namelist_rule_t;

typedef struct _namelist_t namelist_t;

//  Parses "a, b,c" into a sorted list of at most max_count names that
//  follow `rule`. The star, if `star_ok`, is accepted as the only name.
//  NULL and *reason (static text, e.g. "a name appears twice in list") if
//  the text is not such a list.
namelist_t *
    namelist_new (const char *text, size_t max_count, bool star_ok,
                  const namelist_rule_t *rule, const char **reason);

void
    namelist_destroy (namelist_t **self_p);

namelist_t *
    namelist_dup (namelist_t *self);

//  The names, sorted; `index` below the size, the name borrowed.
size_t
    namelist_size (namelist_t *self);
const char *
    namelist_name (namelist_t *self, size_t index);

//  True if `name` (may be NULL: false) is on the list, exactly.
bool
    namelist_contains (namelist_t *self, const char *name);

void
    namelist_test (bool verbose);

#endif
