/*  names.h -- the catalog's name rule and its comma-separated lists.

    Item, field and data element names, and an agreement's item, field and
    role names, follow one rule: 1 to NAMES_MAX bytes of a-z 0-9 _ . -.
    Lists of them are comma-separated, as a query's `fields` and an
    agreement's lists are written. Both are written once, here, for the
    catalog, the agreements and the consumer's checks of an answer.
*/
#ifndef SLUICE_NAMES_H_INCLUDED
#define SLUICE_NAMES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#define NAMES_MAX   64      //  bytes of one name

//  True if `name` follows the rule.
bool
    names_valid (const char *name);

//  Steps through a comma-separated list of names: *cursor starts at the
//  list; each call sets *name (into the list, not terminated) and *length
//  to the next element, spaces around it left out ("a,,b" has an empty
//  one), and returns true; false after the last.
bool
    names_next (const char **cursor, const char **name, size_t *length);

void
    names_test (bool verbose);

#endif
