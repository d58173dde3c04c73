/*  notice_cmd.c -- `sluice notice ...`; see notice_cmd.h.  */

#include "notice_cmd.h"
#include "cli_ask.h"
#include "certfile.h"
#include "codec.h"
#include "status.h"

#define S_WAIT_MS   15000       //  a send may wait for the catalog directory

int
notice_cmd_sent (cli_t *cli, localapi_request_t *request, const char *what)
{
    if (cli_json (cli)) {
        static const cli_show_t show = { CLI_SHOW_REPLY };
        return cli_ask_show (cli, request, S_WAIT_MS, &show);
    }
    localapi_reply_t reply;
    char *error = NULL;
    int rc = cli_ask (cli, request, S_WAIT_MS, &reply, &error);
    if (rc)
        cli_fail_with (cli, rc, &error);
    else
    if (reply.status != STATUS_OK) {
        //  The field is named unless the reason names it already
        bool named = *reply.field && !strstr (reply.reason, reply.field);
        rc = cli_fail (cli, cli_exit_status ((int) reply.status), "refused: %s -- %s%s%s%s",
                       status_name ((int) reply.status), reply.reason,
                       named? " (field '": "", named? reply.field: "", named? "')": "");
    }
    else {
        cli_out_t out = cli_out (stdout);
        printf ("%s %s: ", what, reply.msgid);
        cli_text_str (&out, reply.reason, 0);
        printf ("\n");
        for (uint32_t row = 0; row < reply.rows->via.array.size; row++) {
            char to [64] = "";
            codec_get_str (&reply.rows->via.array.ptr [row], "to", to, sizeof (to), false);
            printf ("  ");
            cli_text_str (&out, to, 0);
            printf ("\n");
        }
        cli_out_report (&out, cli->name);
    }
    localapi_reply_destroy (&reply);
    return rc;
}

//  --deadline: an ISO 8601 time in UTC (2026-12-31T17:00:00Z), or a date
//  (the end of that day, UTC); ms since the epoch
static int
s_deadline (cli_t *cli, uint64_t *deadline)
{
    const char *text = cli_get (cli, "deadline");
    if (!text)
        return CLI_EXIT_OK;
    char whole [32];
    snprintf (whole, sizeof (whole), strlen (text) == 10? "%sT23:59:59Z": "%s", text);
    int64_t seconds;
    if (strlen (text) > 20 || certfile_time_parse (whole, &seconds))
        return cli_usage_error (cli, "--deadline is a date (2026-12-31) or a UTC time "
                                "(2026-12-31T17:00:00Z), not '%.40s'", text);
    *deadline = (uint64_t) seconds * 1000 + (strlen (text) == 10? 999: 0);
    return CLI_EXIT_OK;
}

//  --field name=value ..., packed into `packed` as a map of str
static int
s_fields (cli_t *cli, msgpack_sbuffer *packed)
{
    size_t count = 0;
    while (cli_each (cli, "field", count))
        count++;
    msgpack_packer pk;
    msgpack_packer_init (&pk, packed, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, count);
    for (size_t index = 0; index < count; index++) {
        const char *field = cli_each (cli, "field", index);
        const char *equals = strchr (field, '=');
        if (!equals || equals == field)
            return cli_usage_error (cli, "--field is name=value, not '%.40s'", field);
        msgpack_pack_str (&pk, (size_t) (equals - field));
        msgpack_pack_str_body (&pk, field, (size_t) (equals - field));
        codec_pack_str (&pk, equals + 1);
    }
    return CLI_EXIT_OK;
}

static int
s_send (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "notice-send");
    msgpack_sbuffer packed;
    msgpack_sbuffer_init (&packed);
    int rc = cli_copy (cli, "to", request.recipients, sizeof (request.recipients))
          || cli_copy (cli, "kind", request.kind, sizeof (request.kind))
          || cli_copy (cli, "key-type", request.key_type, sizeof (request.key_type))
          || cli_copy (cli, "key", request.query.key, sizeof (request.query.key))
          || cli_copy (cli, "officer", request.query.officer, sizeof (request.query.officer))
          || cli_copy (cli, "ref", request.ref, sizeof (request.ref))
          || s_deadline (cli, &request.deadline_ms) || s_fields (cli, &packed);
    if (rc == 0) {
        codec_unpack ((uint8_t *) packed.data, packed.size, &request.unpacked);
        request.values = &request.unpacked.data;
        request.text = strdup (cli_has (cli, "basis")? cli_get (cli, "basis"): "");
        rc = notice_cmd_sent (cli, &request, "notice");
    }
    localapi_request_clear (&request);
    msgpack_sbuffer_destroy (&packed);
    return rc? rc: CLI_EXIT_OK;
}

static const cli_option_t s_send_options [] = {
    CLI_ASK_OPTIONS,
    { "to", "DEPT[,DEPT]", CLI_REQUIRED, "the departments told (at most 32)" },
    { "kind", "KIND", CLI_REQUIRED, "the notice's kind, as their catalogs accept it" },
    { "key-type", "TYPE", CLI_REQUIRED, "the subject's key type: uscc, resident-id, ..." },
    { "key", "KEY", CLI_REQUIRED, "the subject: a credit code, identity number, project code" },
    { "field", "name=value", CLI_REPEATED, "a field of the kind (again for each field)" },
    { "basis", "TEXT", CLI_WANTED, "the legal basis (some kinds require it)" },
    { "deadline", "ISO8601", 0, "feedback expected by: a date or a UTC time" },
    { "officer", "NAME", 0, "the officer who sends it" },
    { "ref", "REF", 0, "the system's own reference: sent again with it, the notice it "
      "named is answered, not sent twice" },
    CLI_ASK_TIMEOUT ("15000"),
    CLI_JSON_OPTION ("the gateway's whole reply"),
    { NULL }
};

static const cli_exit_use_t s_send_exits [] = {
    { CLI_EXIT_OK, "stored: each copy goes until its receipt comes" },
    { CLI_EXIT_REFUSED, "refused by a recipient's published catalog (131, 139, 190-199), "
      "or REF_REUSED: --ref names a notice sent with other terms" },
    { CLI_EXIT_FAILED, "any other refusal (LIMIT_REACHED: a recipient is sent no more "
      "until it receipts what is held), or no answer" },
    { 0, NULL }
};

int
notice_cmd_rows (cli_t *cli, localapi_request_t *request, const char *const *columns)
{
    cli_show_t show = { CLI_SHOW_ROWS, columns };
    return cli_ask_show (cli, request, S_WAIT_MS, &show);
}

int
notice_cmd_take (cli_t *cli, const char *op, const char *const *columns)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    snprintf (request.op, sizeof (request.op), "%s", op);
    if (cli_uint (cli, "max", 1, 10000, &request.max)
    ||  cli_copy (cli, "ref", request.ref, sizeof (request.ref)))
        return CLI_EXIT_USAGE;
    return notice_cmd_rows (cli, &request, columns);
}

static int
s_list (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "notice-list");
    if (cli_has (cli, "sent"))
        strcpy (request.filter, "sent");
    if (cli_has (cli, "received"))
        strcpy (request.filter, "received");
    request.pending = cli_has (cli, "pending");
    request.overdue = cli_has (cli, "overdue");
    if (cli_uint (cli, "max", 1, 10000, &request.max))
        return CLI_EXIT_USAGE;
    static const char *const columns [] = {
        "id", "state", "to", "from", "kind", "key", "deadline", "overdue", "result", NULL
    };
    return notice_cmd_rows (cli, &request, columns);
}

static const cli_option_t s_list_options [] = {
    CLI_ASK_OPTIONS,
    { "sent", NULL, CLI_EITHER, "only what this department sent" },
    { "received", NULL, 0, "or only what it received" },
    { "pending", NULL, 0, "only those without feedback yet (not handled)" },
    { "overdue", NULL, 0, "only those past their deadline without feedback" },
    { "max", "N", 0, "the newest N only (default 10000)" },
    CLI_ASK_TIMEOUT ("15000"),
    CLI_JSON_OPTION ("the rows"),
    { NULL }
};

const cli_exit_use_t notice_cmd_list_exits [] = {
    { CLI_EXIT_OK, "listed" }, { CLI_EXIT_FAILED, "no answer from the gateway" }, { 0, NULL }
};

static int
s_show (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "notice-show");
    snprintf (request.id, sizeof (request.id), "%.64s", cli_operand (cli, 0));
    static const cli_show_t show = { CLI_SHOW_REPLY };
    return cli_ask_show (cli, &request, S_WAIT_MS, &show);
}

static const cli_option_t s_show_options [] = {
    CLI_ASK_OPTIONS,
    CLI_ASK_TIMEOUT ("15000"),
    CLI_JSON_OPTION ("the whole reply"),
    { NULL }
};

static const cli_exit_use_t s_show_exits [] = {
    { CLI_EXIT_OK, "shown" }, { CLI_EXIT_NOT_FOUND, "no such notice here" },
    { CLI_EXIT_FAILED, "no answer from the gateway" }, { 0, NULL }
};

static int
s_take (cli_t *cli)
{
    static const char *const columns [] = {
        "id", "from", "kind", "key_type", "key", "fields", "basis", "deadline", NULL
    };
    return notice_cmd_take (cli, "notice-take", columns);
}

static const cli_option_t s_take_options [] = {
    CLI_ASK_OPTIONS,
    { "max", "N", 0, "at most N (default 100)" },
    { "ref", "REF", 0, "the system's own reference for this take: taken again with it, "
      "the same notices are given, nothing new" },
    CLI_ASK_TIMEOUT ("15000"),
    CLI_JSON_OPTION ("the notices taken"),
    { NULL }
};

static const cli_exit_use_t s_take_exits [] = {
    { CLI_EXIT_OK, "taken (perhaps none)" }, { CLI_EXIT_FAILED, "no answer from the gateway" },
    { 0, NULL }
};

static int
s_feedback (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "notice-feedback");
    snprintf (request.id, sizeof (request.id), "%.64s", cli_operand (cli, 0));
    if (cli_copy (cli, "result", request.result, sizeof (request.result))
    ||  cli_copy (cli, "officer", request.query.officer, sizeof (request.query.officer)))
        return CLI_EXIT_USAGE;
    request.text = strdup (cli_has (cli, "reason")? cli_get (cli, "reason"): "");
    cli_show_t show = { CLI_SHOW_DONE, NULL, cli_operand (cli, 0), false, "handled" };
    int rc = cli_ask_show (cli, &request, S_WAIT_MS, &show);
    localapi_request_clear (&request);
    return rc;
}

static const cli_option_t s_feedback_options [] = {
    CLI_ASK_OPTIONS,
    { "result", "RESULT", CLI_REQUIRED, "what came of it, e.g. licence-issued" },
    { "reason", "TEXT", 0, "why, or the licence's number" },
    { "officer", "NAME", 0, "the officer who handled it" },
    CLI_ASK_TIMEOUT ("15000"),
    { NULL }
};

static const cli_exit_use_t s_feedback_exits [] = {
    { CLI_EXIT_OK, "recorded; the receipt goes to the sender" },
    { CLI_EXIT_NOT_FOUND, "no such notice was received here" },
    { CLI_EXIT_REFUSED, "ALREADY_HANDLED: its feedback was given" },
    { CLI_EXIT_FAILED, "any other refusal, or no answer" },
    { 0, NULL }
};

static int
s_wait (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "notice-wait");
    request.timeout_ms = 30000;
    if (cli_uint (cli, "timeout-ms", 100, 3600000, &request.timeout_ms))
        return CLI_EXIT_USAGE;
    localapi_reply_t reply;
    char *error = NULL;
    int rc = cli_ask (cli, &request, S_WAIT_MS, &reply, &error);
    if (rc)
        return cli_fail_with (cli, rc, &error);
    uint64_t notices = 0, alerts = 0;
    if (reply.rows && reply.rows->via.array.size == 1) {
        codec_get_uint (&reply.rows->via.array.ptr [0], "notices", &notices, UINT64_MAX);
        codec_get_uint (&reply.rows->via.array.ptr [0], "alerts", &alerts, UINT64_MAX);
    }
    cli_out_t out = cli_out (stdout);
    if (cli_json (cli)) {
        json_t *json = jsonpack_value (&out.counts, reply.rows);
        cli_json_print (&out, &json);
    }
    else
    if (reply.status == STATUS_OK || reply.status == STATUS_TIMEOUT)
        printf ("%s: %" PRIu64 " notices, %" PRIu64 " alerts to take\n",
                reply.status == STATUS_OK? "new": "nothing new", notices, alerts);
    rc = reply.status == STATUS_OK? CLI_EXIT_OK: reply.status == STATUS_TIMEOUT?
         CLI_EXIT_NOT_FOUND: cli_ask_refused (cli, &reply);
    localapi_reply_destroy (&reply);
    return rc;
}

static const cli_option_t s_wait_options [] = {
    CLI_ASK_OPTIONS,
    { "timeout-ms", "N", 0, "how long to wait, 100..3600000 ms (default 30000)" },
    CLI_JSON_OPTION ("the counts"),
    { NULL }
};

static const cli_exit_use_t s_wait_exits [] = {
    { CLI_EXIT_OK, "there is something new to take" },
    { CLI_EXIT_NOT_FOUND, "nothing new within the time" },
    { CLI_EXIT_FAILED, "no answer from the gateway" }, { 0, NULL }
};

const cli_option_t notice_cmd_rows_options [] = {
    CLI_ASK_OPTIONS,
    CLI_ASK_TIMEOUT ("15000"),
    CLI_JSON_OPTION ("the rows"),
    { NULL }
};

static int
s_stats (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "notice-stats");
    static const char *const columns [] = {
        "per", "name", "sent", "delivered", "received", "handled", "refused",
        "received_rate", NULL
    };
    return notice_cmd_rows (cli, &request, columns);
}


//  --------------------------------------------------------------------------
//  The group

static const cli_command_t s_send_command = {
    "send", "tell departments about a subject (双告知)", s_send, s_send_options, NULL,
    "Tells each department of --to about a subject, as a notice of a kind its\n"
    "published catalog accepts: the fields are checked against it (and typed\n"
    "as it declares them) before anything is stored. Then one copy per\n"
    "recipient is stored and sent, and sent again, with backoff, until its\n"
    "receipt comes: delivered, received, handled (or refused).\n",
    s_send_exits,
    "sluice notice send --config msa/gateway.cfg --to SH-PD-FDA \\\n"
    "    --kind license-required --key-type uscc --key 91310115MA1K3BTP2B \\\n"
    "    --field name=浦东测试餐馆 --field business=餐饮服务 --field seats=40 \\\n"
    "    --basis '《食品安全法》第三十五条' --deadline 2026-12-31 --ref MSA-2026-000123\n"
};

static const cli_command_t s_list_command = {
    "list", "notices sent and received, with their state", s_list, s_list_options, NULL,
    "Notices this department sent (one row per recipient) and received, newest\n"
    "first, with their state: sent (no receipt yet), delivered, received,\n"
    "handled or refused.\n",
    notice_cmd_list_exits, "sluice notice list --config msa/gateway.cfg --sent --pending\n"
};

static const cli_command_t s_show_command = {
    "show", "one notice: every copy and its receipts", s_show, s_show_options, "ID",
    "One notice, by its id: every copy sent (with each state's time, the\n"
    "result and reason of its feedback) or the copy received.\n",
    s_show_exits, "sluice notice show --config msa/gateway.cfg 3f0c...e1\n"
};

static const cli_command_t s_take_command = {
    "take", "take the new notices into this department's system", s_take,
    s_take_options, NULL,
    "Gives the notices delivered here and not taken yet, oldest first, and\n"
    "marks each received: its signed receipt goes to the sender (接收).\n",
    s_take_exits, "sluice notice take --config fda/gateway.cfg --ref FDA-TAKE-000042 --json\n"
};

static const cli_command_t s_feedback_command = {
    "feedback", "an officer's feedback on a notice received (双反馈)", s_feedback,
    s_feedback_options, "ID",
    "Records that a notice received was handled, with its result and reason;\n"
    "the signed receipt goes to the sender. Once per notice.\n",
    s_feedback_exits,
    "sluice notice feedback --config fda/gateway.cfg 3f0c...e1 \\\n"
    "    --result licence-issued --reason JY23101150000001 --officer 'Liu Fang'\n"
};

static const cli_command_t s_wait_command = {
    "wait", "wait until a notice or an alert arrives", s_wait, s_wait_options, NULL,
    "Waits until the inbox holds a notice or an alert not taken yet, or the\n"
    "time passes: the gateway holds the request (a long poll, no busy loop).\n",
    s_wait_exits, "sluice notice wait --config fda/gateway.cfg --timeout-ms 60000\n"
};

static const cli_command_t s_stats_command = {
    "stats", "receipt rates, per recipient and per kind", s_stats, notice_cmd_rows_options,
    NULL,
    "For the notices this department sent: how many reached each state, per\n"
    "recipient and per kind, and the receipt rate (接收率): received or handled,\n"
    "in percent of those sent.\n",
    notice_cmd_list_exits, "sluice notice stats --config msa/gateway.cfg\n"
};

static const cli_command_t *const s_commands [] = {
    &s_send_command, &s_list_command, &s_show_command, &s_take_command,
    &s_feedback_command, &s_wait_command, &s_stats_command, NULL
};

const cli_command_t notice_cmd = {
    "notice", "notices with dual feedback (双告知、双反馈)", NULL, NULL, NULL,
    NULL, NULL, NULL, s_commands
};
