/*  audit_cmd.h -- `sluice audit verify|show|renew`: a gateway's audit log,
    verified (alone or against a witness's log), shown, or renewed to a new
    certificate.
*/
#ifndef SLUICE_AUDIT_CMD_H_INCLUDED
#define SLUICE_AUDIT_CMD_H_INCLUDED

#include "cli.h"

extern const cli_command_t audit_cmd;

#endif
