/*  alert_cmd.c -- `sluice alert ...`; see alert_cmd.h.  */

#include "alert_cmd.h"
#include "notice_cmd.h"
#include "cli_ask.h"
#include "status.h"
#include "topics.h"

#define S_WAIT_MS   15000       //  a raise may wait for the catalog directory

static int
s_raise (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "alert-raise");
    if (cli_copy (cli, "topic", request.topic, sizeof (request.topic))
    ||  cli_copy (cli, "severity", request.severity, sizeof (request.severity))
    ||  cli_copy (cli, "key-type", request.key_type, sizeof (request.key_type))
    ||  cli_copy (cli, "key", request.query.key, sizeof (request.query.key))
    ||  cli_copy (cli, "officer", request.query.officer, sizeof (request.query.officer))
    ||  cli_copy (cli, "ref", request.ref, sizeof (request.ref)))
        return CLI_EXIT_USAGE;
    if (cli_has (cli, "key") != cli_has (cli, "key-type"))
        return cli_usage_error (cli, "--key and --key-type come together");
    request.text = strdup (cli_get (cli, "text"));
    int rc = notice_cmd_sent (cli, &request, "alert");
    localapi_request_clear (&request);
    return rc;
}

static const cli_option_t s_raise_options [] = {
    CLI_ASK_OPTIONS,
    { "topic", "TOPIC", CLI_REQUIRED, "one of the published topics (sluice alert topics)" },
    { "severity", "LEVEL", CLI_REQUIRED, "blue, yellow, orange or red" },
    { "text", "TEXT", CLI_REQUIRED, "what was found, at most 4096 bytes" },
    { "key-type", "TYPE", 0, "the subject's key type, if the alert is about one" },
    { "key", "KEY", 0, "the subject" },
    { "officer", "NAME", 0, "the officer who raises it" },
    { "ref", "REF", 0, "the system's own reference: raised again with it, the alert it "
      "named is answered, not raised twice" },
    CLI_ASK_TIMEOUT ("15000"),
    CLI_JSON_OPTION ("the gateway's whole reply"),
    { NULL }
};

static const cli_exit_use_t s_raise_exits [] = {
    { CLI_EXIT_OK, "stored: each copy goes until its receipt comes" },
    { CLI_EXIT_NOT_FOUND, "no department subscribes to the topic" },
    { CLI_EXIT_REFUSED, "UNKNOWN_TOPIC, INVALID_KEY, REF_REUSED" },
    { CLI_EXIT_FAILED, "any other refusal, or no answer" },
    { 0, NULL }
};

static int
s_list (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "alert-list");
    if (cli_has (cli, "raised"))
        strcpy (request.filter, "sent");
    if (cli_has (cli, "received"))
        strcpy (request.filter, "received");
    request.pending = cli_has (cli, "pending");
    static const char *const columns [] = {
        "id", "state", "to", "from", "topic", "severity", "key", "text", NULL
    };
    return notice_cmd_rows (cli, &request, columns);
}

static const cli_option_t s_list_options [] = {
    CLI_ASK_OPTIONS,
    { "raised", NULL, CLI_EITHER, "only the alerts this department raised" },
    { "received", NULL, 0, "or only those it received" },
    { "pending", NULL, 0, "raised: no receipt yet; received: not taken yet" },
    CLI_ASK_TIMEOUT ("15000"),
    CLI_JSON_OPTION ("the rows"),
    { NULL }
};


static int
s_take (cli_t *cli)
{
    static const char *const columns [] = {
        "id", "from", "topic", "severity", "key", "text", NULL
    };
    return notice_cmd_take (cli, "alert-take", columns);
}

static const cli_option_t s_take_options [] = {
    CLI_ASK_OPTIONS,
    { "max", "N", 0, "at most N (default 100)" },
    { "ref", "REF", 0, "the system's own reference for this take: taken again with it, "
      "the same alerts are given, nothing new" },
    CLI_ASK_TIMEOUT ("15000"),
    CLI_JSON_OPTION ("the alerts taken"),
    { NULL }
};

static int
s_stats (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "alert-stats");
    static const char *const columns [] = {
        "per", "name", "sent", "delivered", "received", "refused", "delivered_rate",
        "received_rate", NULL
    };
    return notice_cmd_rows (cli, &request, columns);
}

static int
s_subscribe (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "alert-subscribe");
    snprintf (request.topic, sizeof (request.topic), "%.32s", cli_operand (cli, 0));
    request.remove = cli_has (cli, "remove");
    cli_show_t show = { CLI_SHOW_DONE, NULL, cli_operand (cli, 0), false,
                        request.remove? "unsubscribed": "subscribed" };
    return cli_ask_show (cli, &request, S_WAIT_MS, &show);
}

static const cli_option_t s_subscribe_options [] = {
    CLI_ASK_OPTIONS,
    { "remove", NULL, 0, "no more alerts on this topic" },
    CLI_ASK_TIMEOUT ("15000"),
    { NULL }
};

static const cli_exit_use_t s_subscribe_exits [] = {
    { CLI_EXIT_OK, "done; the published catalog says so" },
    { CLI_EXIT_REFUSED, "UNKNOWN_TOPIC" },
    { CLI_EXIT_FAILED, "no answer from the gateway" }, { 0, NULL }
};

static int
s_topics (cli_t *cli)
{
    for (size_t index = 0; index < topics_count (); index++)
        printf ("%-18s %s\n", topics_name (index), topics_title (index));
    printf ("severities: %s\n", topics_severities ());
    return CLI_EXIT_OK;
}

static const cli_exit_use_t s_topics_exits [] = { { CLI_EXIT_OK, "listed" }, { 0, NULL } };


//  --------------------------------------------------------------------------
//  The group

static const cli_command_t s_raise_command = {
    "raise", "raise an alert to every department subscribed to its topic", s_raise,
    s_raise_options, NULL,
    "Raises a regulatory alert (监管预警): one copy to every department whose\n"
    "published catalog subscribes to the topic, offline ones too, each sent\n"
    "again until its receipt comes. `sluice alert stats` counts the receipts.\n",
    s_raise_exits,
    "sluice alert raise --config fda/gateway.cfg --topic food-drug --severity orange \\\n"
    "    --key-type uscc --key 91310115MA1K3BTP2B --text 'melamine in batch 2026-11'\n"
};

static const cli_command_t s_list_command = {
    "list", "alerts raised and received, with their state", s_list, s_list_options, NULL,
    "Alerts this department raised (one row per subscriber) and received,\n"
    "newest first, with their state.\n",
    notice_cmd_list_exits, "sluice alert list --config msa/gateway.cfg --received\n"
};

static const cli_command_t s_take_command = {
    "take", "take the new alerts into this department's system", s_take, s_take_options,
    NULL,
    "Gives the alerts delivered here and not taken yet, and marks each\n"
    "received: its receipt goes to the department that raised it.\n",
    notice_cmd_list_exits, "sluice alert take --config tax/gateway.cfg\n"
};

static const cli_command_t s_stats_command = {
    "stats", "who has the alerts raised here: receipts per department", s_stats,
    notice_cmd_rows_options, NULL,
    "For the alerts this department raised: how many reached each state, per\n"
    "subscriber and per topic, and the shares delivered and received (taken\n"
    "by the subscriber's system: the receipt rate), in percent.\n",
    notice_cmd_list_exits, "sluice alert stats --config fda/gateway.cfg\n"
};

static const cli_command_t s_subscribe_command = {
    "subscribe", "subscribe to a topic's alerts (or --remove)", s_subscribe,
    s_subscribe_options, "TOPIC",
    "Subscribes this department to the alerts of a topic, or no more with\n"
    "--remove; kept by the gateway and announced in its published catalog.\n",
    s_subscribe_exits, "sluice alert subscribe --config tax/gateway.cfg food-drug\n"
};

static const cli_command_t s_topics_command = {
    "topics", "the published topics and severities", s_topics, NULL, NULL,
    "The topics alerts are raised on (the key areas of joint supervision),\n"
    "and the severities, lowest first.\n",
    s_topics_exits, "sluice alert topics\n"
};

static const cli_command_t *const s_commands [] = {
    &s_raise_command, &s_list_command, &s_take_command, &s_stats_command,
    &s_subscribe_command, &s_topics_command, NULL
};

const cli_command_t alert_cmd = {
    "alert", "regulatory alerts by topic (监管预警)", NULL, NULL, NULL, NULL, NULL, NULL,
    s_commands
};
