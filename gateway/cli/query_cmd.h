/*  query_cmd.h -- `sluice query`, ask another department through this
    department's gateway, and `sluice status`, the gateway's own state.
*/
#ifndef SLUICE_QUERY_CMD_H_INCLUDED
#define SLUICE_QUERY_CMD_H_INCLUDED

#include "cli.h"

extern const cli_command_t query_cmd;
extern const cli_command_t query_cmd_status;

#endif
