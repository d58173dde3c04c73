/*  order_cmd.h -- `sluice order file|list|accept|refuse`: orders of data
    that is not offered (点菜), through the brokers.
*/
#ifndef SLUICE_ORDER_CMD_H_INCLUDED
#define SLUICE_ORDER_CMD_H_INCLUDED

#include "cli.h"

extern const cli_command_t order_cmd;

#endif
