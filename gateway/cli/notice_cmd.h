/*  notice_cmd.h -- `sluice notice send|list|show|take|feedback|wait|stats`:
    notices with dual feedback (双告知、双反馈), through the local gateway.
*/
#ifndef SLUICE_NOTICE_CMD_H_INCLUDED
#define SLUICE_NOTICE_CMD_H_INCLUDED

#include "cli.h"
#include "localapi.h"

extern const cli_command_t notice_cmd;

//  What a listing's exit codes mean, and the options of one that takes no
//  others (sluice notice, sluice alert)
extern const cli_exit_use_t notice_cmd_list_exits [];
extern const cli_option_t notice_cmd_rows_options [];

//  Sends a notice-send or alert-raise request and shows the answer: "WHAT
//  ID: what the gateway said", then each copy's recipient; with --json the
//  whole reply. Returns the exit code.
int
    notice_cmd_sent (cli_t *cli, localapi_request_t *request, const char *what);

//  Asks `request` and shows its rows, the `columns` of each on a line
//  (--json: the rows). Returns the exit code.
int
    notice_cmd_rows (cli_t *cli, localapi_request_t *request, const char *const *columns);

//  A take, `op` notice-take or alert-take, with --max and --ref; its rows
//  shown as notice_cmd_rows does. Returns the exit code.
int
    notice_cmd_take (cli_t *cli, const char *op, const char *const *columns);

#endif
