/*  catalog_cmd.h -- `sluice catalog ...`: the federation's catalog directory,
    as the local gateway knows it.

        sluice catalog list     every published item, one line each
        sluice catalog show     every metadata field of one item
        sluice catalog search   items matching filters, one line each

    Each asks the local gateway with op "catalogs"; the reply's rows are one
    map per department that published a catalog, whose signature the gateway
    has verified:

        { "department": str, "published": uint (ms since the epoch, when the
          catalog statement was issued), "catalog": map (catalog_encode) }

    A catalog that does not have that shape, or whose inner "department"
    differs from the row's, is skipped with a warning on stderr.

    Exit status: 0 found something / done, 1 nothing matched (show, search),
    3 failed (no answer, an error status or a malformed reply), 64 usage.
*/
#ifndef SLUICE_CATALOG_CMD_H_INCLUDED
#define SLUICE_CATALOG_CMD_H_INCLUDED

#include <stdbool.h>

//  Runs the command; argv [0] is "catalog", argv [1] the subcommand.
//  Returns the exit status.
int
    catalog_cmd_main (int argc, char **argv);

//  Self test: runs every subcommand against a stand-in gateway on ipc://.
void
    catalog_cmd_test (bool verbose);

#endif
