/*  agreement_cmd.h -- `sluice agreement draft|sign|show|register|list|
    revoke`: sharing agreements, as files and through the brokers.
*/
#ifndef SLUICE_AGREEMENT_CMD_H_INCLUDED
#define SLUICE_AGREEMENT_CMD_H_INCLUDED

#include "cli.h"

extern const cli_command_t agreement_cmd;

#endif
