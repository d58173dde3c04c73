/*  noticelist.h -- what a local caller lists of the notice store: its
    copies as rows, and the receipt rates (notices.h, notices_pack and
    notices_pack_stats, which call these with the store's connection).

    Each row is a map packed from the columns of one SELECT, by name: a
    column's value as it is stored (integers, reals, texts), but ids as 32
    hex digits, `fields` as the map it holds, `state` by its name, `code`
    by its result code's name, `queued` and `overdue` as booleans.
*/
#ifndef SLUICE_NOTICELIST_H_INCLUDED
#define SLUICE_NOTICELIST_H_INCLUDED

#include <sqlite3.h>
#include "notices.h"

//  As notices_pack, on the store's connection
int64_t
    noticelist_pack (sqlite3 *db, const notices_filter_t *filter, msgpack_packer *pk);

//  As notices_pack_stats, on the store's connection
int64_t
    noticelist_stats (sqlite3 *db, int type, msgpack_packer *pk);

void
    noticelist_test (bool verbose);

#endif
