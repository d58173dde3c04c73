/*  catalog_cmd.h -- `sluice catalog ...`: the federation's catalog directory,
    as the local gateway knows it.

        sluice catalog list     every published item, one line each
        sluice catalog show     every metadata field of one item
        sluice catalog search   items matching filters, one line each

    Each asks the local gateway with op "catalogs"; the reply's rows are one
    map per department that published a catalog, whose signature the gateway
    has verified:

        { "department": str, "published": uint (ms since the epoch, when the
          catalog statement was issued), "catalog": map (catalog_pub.h) }

    A catalog that does not have that shape, or whose inner "department"
    differs from the row's, is skipped with a warning on stderr.
*/
#ifndef SLUICE_CATALOG_CMD_H_INCLUDED
#define SLUICE_CATALOG_CMD_H_INCLUDED

#include "cli.h"

extern const cli_command_t catalog_cmd;

//  Self test: runs every command against a stand-in gateway on ipc://.
void
    catalog_cmd_test (bool verbose);

#endif
