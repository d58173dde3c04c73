/*  query_cmd.c -- `sluice query` and `sluice status`; see query_cmd.h.  */

#include "query_cmd.h"
#include "cli_ask.h"
#include "status.h"

#define S_QUERY_WAIT_MS     5000    //  when the gateway keeps its own timeout
#define S_STATUS_WAIT_MS    3000

static int
s_query (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "query");
    uint64_t timeout = 0;
    if (cli_copy (cli, "to", request.to, sizeof (request.to))
    ||  cli_copy (cli, "item", request.query.item, sizeof (request.query.item))
    ||  cli_copy (cli, "key", request.query.key, sizeof (request.query.key))
    ||  cli_copy (cli, "fields", request.query.fields, sizeof (request.query.fields))
    ||  cli_copy (cli, "purpose", request.query.purpose, sizeof (request.query.purpose))
    ||  cli_copy (cli, "officer", request.query.officer, sizeof (request.query.officer))
    ||  cli_copy (cli, "role", request.query.role, sizeof (request.query.role))
    ||  cli_uint (cli, "timeout-ms", 100, 600000, &timeout))
        return CLI_EXIT_USAGE;
    request.timeout_ms = timeout;
    static const cli_show_t show = { CLI_SHOW_REPLY };
    return cli_ask_show (cli, &request, S_QUERY_WAIT_MS, &show);
}

static const cli_option_t s_query_options [] = {
    CLI_ASK_OPTIONS,
    { "to", "DEPT", CLI_REQUIRED, "the department asked" },
    { "item", "ITEM", CLI_REQUIRED, "the item of its catalog" },
    { "key", "KEY", CLI_REQUIRED, "the record's key, of the item's key type" },
    { "fields", "a,b,c", 0, "these fields only (default: every field granted)" },
    { "purpose", "PURPOSE", CLI_WANTED, "why the officer asks (every request names it)" },
    { "officer", "NAME", CLI_WANTED, "who asks (every request names the officer)" },
    { "role", "ROLE", 0, "the officer's role, as the agreement names it" },
    { "timeout-ms", "N", 0, "the gateway's timeout for the answer, 100..600000 ms "
      "(default: its timeout-ms setting)" },
    CLI_JSON_OPTION ("the reply"),
    { NULL }
};

static const cli_exit_use_t s_query_exits [] = {
    { CLI_EXIT_OK, "found" },
    { CLI_EXIT_NOT_FOUND, "not found" },
    { CLI_EXIT_REFUSED, "refused (the reason is printed, and a hint)" },
    { CLI_EXIT_FAILED, "failed (any other code, or no answer from the gateway)" },
    { 0, NULL }
};

const cli_command_t query_cmd = {
    "query", "ask another department through the local gateway", s_query,
    s_query_options, NULL,
    "Asks department DEPT, through this department's gateway, for the record\n"
    "of KEY in catalog item ITEM. Only the fields its agreement grants come back.\n",
    s_query_exits,
    "sluice query --config tax.cfg --to SH-PD-MSA --item enterprise-basic \\\n"
    "    --key 91310115MA1K3BTP2B --purpose tax-registration \\\n"
    "    --officer 'Wang Fang' --role auditor\n"
};

static int
s_status (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "status");
    //  A gateway that no broker has welcomed cannot share: not a success
    static const cli_show_t show = { CLI_SHOW_REPLY, .not_found = STATUS_NOT_REGISTERED };
    return cli_ask_show (cli, &request, S_STATUS_WAIT_MS, &show);
}

static const cli_option_t s_status_options [] = {
    CLI_ASK_OPTIONS, CLI_ASK_TIMEOUT ("3000"), CLI_JSON_OPTION ("the reply"), { NULL }
};

static const cli_exit_use_t s_status_exits [] = {
    { CLI_EXIT_OK, "registered" },
    { CLI_EXIT_NOT_FOUND, "not registered with any broker" },
    { CLI_EXIT_FAILED, "no answer from the gateway (or another code)" },
    { 0, NULL }
};

const cli_command_t query_cmd_status = {
    "status", "the local gateway's state and figures", s_status, s_status_options, NULL,
    "Shows whether the gateway is registered with a broker (and why not), where\n"
    "each broker link stands, and its figures.\n",
    s_status_exits, "sluice status --config tax.cfg\n"
};
