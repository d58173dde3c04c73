/*  alert_cmd.h -- `sluice alert raise|list|take|stats|subscribe|topics`:
    regulatory alerts by topic (监管预警), through the local gateway.
*/
#ifndef SLUICE_ALERT_CMD_H_INCLUDED
#define SLUICE_ALERT_CMD_H_INCLUDED

#include "cli.h"

extern const cli_command_t alert_cmd;

#endif
