/*  rowpack.h -- the rows of one lookup, packed as the catalog declares them.

    Each row becomes a msgpack map of field name -> value, for the fields
    asked for only, in the item's order; each value as its field's declared
    type: integers as int, reals as float64, text and dates as str, booleans
    as bool, NULL as nil. SQLite types values per row, not per column, so a
    value that does not fit its type is refused rather than silently
    converted into something else (an integer field never says 0 for "abc");
    lossless conversions are made: an integral real to an integer, an
    integer to a real, a number to text.

    The rows go to a buffer of the packer's own, bounded by `limit` bytes
    with their array header, and reach the caller's packer only once the
    whole lookup has succeeded (rowpack_copy): a failure halfway through a
    list leaves the caller's output untouched.
*/
#ifndef SLUICE_ROWPACK_H_INCLUDED
#define SLUICE_ROWPACK_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include <sqlite3.h>
#include "item.h"

typedef struct _rowpack_t rowpack_t;

//  A packer for results of at most `limit` bytes, array header included.
rowpack_t *
    rowpack_new (size_t limit);

void
    rowpack_destroy (rowpack_t **self_p);

//  Drops the rows packed so far: a new lookup begins.
void
    rowpack_clear (rowpack_t *self);

//  Packs the current row of `stmt` for `item`: the fields in `mask`, field
//  i read from result column column [i]. Returns STATUS_OK,
//  STATUS_SOURCE_FAILED with *error ("item 'x': field 'y': text value does
//  not fit type integer") if a value does not fit its field's type, or
//  STATUS_TOO_LARGE if the rows would no longer fit `limit`.
int
    rowpack_row (rowpack_t *self, sqlite3_stmt *stmt, item_t *item,
                 const int *column, uint64_t mask, char **error);

//  Packs the `rows` rows packed since rowpack_clear into pk, as an array.
//  Returns 0, or -1 if pk refused them.
int
    rowpack_copy (rowpack_t *self, msgpack_packer *pk, size_t rows);

void
    rowpack_test (bool verbose);

#endif
