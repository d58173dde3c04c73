/*  order_cmd.c -- `sluice order ...` (点菜); see order_cmd.h.  */

#include "order_cmd.h"
#include "cli_ask.h"
#include "agreement.h"
#include "agreementtext.h"
#include "codec.h"
#include "status.h"

#define S_WAIT_MS   8000        //  for the brokers' answer, through the gateway

static int
s_file (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "order");
    if (cli_copy (cli, "to", request.to, sizeof (request.to))
    ||  cli_copy (cli, "item", request.query.item, sizeof (request.query.item))
    ||  cli_copy (cli, "fields", request.query.fields, sizeof (request.query.fields))
    ||  cli_copy (cli, "purpose", request.query.purpose, sizeof (request.query.purpose))
    ||  cli_copy (cli, "id", request.id, sizeof (request.id)))
        return CLI_EXIT_USAGE;
    request.text = strdup (cli_get (cli, "legal-basis"));
    static const cli_show_t show = { CLI_SHOW_DONE, NULL, "order", true, "filed" };
    int rc = cli_ask_show (cli, &request, S_WAIT_MS, &show);
    localapi_request_clear (&request);
    return rc;
}

static const cli_option_t s_file_options [] = {
    CLI_ASK_OPTIONS,
    { "to", "PROVIDER", CLI_REQUIRED, "the department that would share it" },
    { "item", "ITEM", CLI_REQUIRED, "the item (it need not be offered)" },
    { "fields", "a,b", 0, "the fields wanted (default: the whole item)" },
    { "purpose", "PURPOSE", CLI_REQUIRED, "what for" },
    { "legal-basis", "TEXT", CLI_REQUIRED, "the legal basis of the order" },
    { "id", "ORDER-ID", 0, "its id (default ORD-<department>-<ms>)" },
    CLI_ASK_TIMEOUT ("8000"),
    { NULL }
};

//  What the brokers' answer means, for file and refuse
static const cli_exit_use_t s_registry_exits [] = {
    { CLI_EXIT_OK, "done" },
    { CLI_EXIT_REFUSED, "refused with a code of 130-139 or 160-169" },
    { CLI_EXIT_FAILED, "any other refusal, or no answer" },
    { 0, NULL }
};

static int
s_list (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "orders");
    static const char *const columns [] = {
        "id", "state", "age_s", "consumer", "provider", "item", "fields", "purpose",
        "legal_basis", "answer", NULL
    };
    static const cli_show_t show = { CLI_SHOW_ROWS, columns };
    return cli_ask_show (cli, &request, S_WAIT_MS, &show);
}

static const cli_option_t s_list_options [] = {
    CLI_ASK_OPTIONS,
    CLI_ASK_TIMEOUT ("8000"),
    CLI_JSON_OPTION ("the orders (with the time each was filed)"),
    { NULL }
};

static const cli_exit_use_t s_list_exits [] = {
    { CLI_EXIT_OK, "listed" }, { CLI_EXIT_FAILED, "no answer from the gateway" }, { 0, NULL }
};

//  Sends the provider's answer to an order
static int
s_answer (cli_t *cli, const char *id, const char *decision, const char *basis)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "answer");
    snprintf (request.id, sizeof (request.id), "%s", id);
    strcpy (request.decision, decision);
    request.text = strdup (basis? basis: "");
    cli_show_t show = { CLI_SHOW_DONE, NULL, id, false,
                        streq (decision, "accepted")? "accepted": "refused" };
    int rc = cli_ask_show (cli, &request, S_WAIT_MS, &show);
    localapi_request_clear (&request);
    return rc;
}


//  --------------------------------------------------------------------------
//  accept: an agreement draft prefilled from the order, then the answer

//  An order as the gateway lists it
typedef struct {
    char provider [64], consumer [64], item [65], fields [1025], purpose [257];
    char basis [1025], state [17];
} s_order_t;

//  Reads the order `id` from the gateway's list into order; 0, or an exit
//  code with *error
static int
s_order_read (cli_t *cli, const char *id, s_order_t *order, char **error)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "orders");
    localapi_reply_t reply;
    int rc = cli_ask (cli, &request, S_WAIT_MS, &reply, error);
    if (rc == 0 && reply.status != STATUS_OK) {
        status_set_error (error, "the gateway answered %s: %s",
                          status_name ((int) reply.status), reply.reason);
        rc = cli_exit_status ((int) reply.status);
    }
    const msgpack_object *found = NULL;
    for (uint32_t row = 0; rc == 0 && !found && row < reply.rows->via.array.size; row++) {
        const msgpack_object *map = &reply.rows->via.array.ptr [row];
        char value [LOCALAPI_ID_MAX + 1];
        if (codec_get_str (map, "id", value, sizeof (value), false) == 0
        &&  streq (value, id))
            found = map;
    }
    if (rc == 0 && !found) {
        status_set_error (error, "no order %s at this department", id);
        rc = CLI_EXIT_NOT_FOUND;
    }
    else
    if (found
    && (codec_get_str (found, "provider", order->provider, sizeof (order->provider), false)
    ||  codec_get_str (found, "consumer", order->consumer, sizeof (order->consumer), false)
    ||  codec_get_str (found, "item", order->item, sizeof (order->item), false)
    ||  codec_get_str (found, "fields", order->fields, sizeof (order->fields), false)
    ||  codec_get_str (found, "purpose", order->purpose, sizeof (order->purpose), false)
    ||  codec_get_str (found, "legal_basis", order->basis, sizeof (order->basis), false)
    ||  codec_get_str (found, "state", order->state, sizeof (order->state), false))) {
        status_set_error (error, "malformed order from the gateway");
        rc = CLI_EXIT_FAILED;
    }
    else
    if (found && !streq (order->state, "open")) {
        status_set_error (error, "order %s is already %s", id, order->state);
        rc = CLI_EXIT_NOT_FOUND;
    }
    localapi_reply_destroy (&reply);
    return rc;
}

static int
s_accept (cli_t *cli)
{
    const char *id = cli_get (cli, "id"), *out = cli_get (cli, "out");
    const char *grant = cli_get (cli, "fields"), *roles = cli_get (cli, "roles");
    uint64_t days = 365, quota = 1000;
    if (strlen (id) > LOCALAPI_ID_MAX)
        return cli_usage_error (cli, "--id is longer than %d bytes", LOCALAPI_ID_MAX);
    if (cli_uint (cli, "days", 0, 100000, &days)
    ||  cli_uint (cli, "daily-quota", 0, 1000000000, &quota))
        return CLI_EXIT_USAGE;
    s_order_t order;
    char *error = NULL;
    int rc = s_order_read (cli, id, &order, &error);
    if (rc)
        return cli_fail_with (cli, rc, &error);
    //  Fields: as ordered, or as the provider grants
    if (grant)
        snprintf (order.fields, sizeof (order.fields), "%s", grant);
    if (!*order.fields)
        return cli_usage_error (cli, "order %s asks for the whole item: name the fields "
                                "to grant with --fields", id);
    char agreement_id [80];
    snprintf (agreement_id, sizeof (agreement_id), "AGR-%.58s", id);
    int64_t now = zclock_time () / 1000;
    agreement_t *draft = agreement_new (agreement_id, order.provider, order.consumer,
                                        order.item, order.fields, order.purpose,
                                        order.basis, now, now + (int64_t) days * 86400,
                                        (uint32_t) quota, roles? roles: "*", NULL);
    rc = !draft || agreementtext_save (draft, out, false, NULL);
    agreement_destroy (&draft);
    if (rc)
        return cli_fail (cli, CLI_EXIT_NOT_FOUND, "cannot write the draft %s", out);
    printf ("draft %s written from order %s; sign it, have %s sign it, register it\n",
            out, id, order.consumer);
    return s_answer (cli, id, "accepted", order.basis);
}

static const cli_option_t s_accept_options [] = {
    CLI_ASK_OPTIONS,
    { "id", "ORDER-ID", CLI_REQUIRED, "the order" },
    { "out", "DRAFT.agreement", CLI_REQUIRED, "where the draft is written" },
    { "fields", "a,b", 0, "the fields granted (default: as ordered)" },
    { "days", "N", 0, "days of validity (default 365)" },
    { "daily-quota", "N", 0, "granted requests a UTC day (default 1000)" },
    { "roles", "r1,r2", 0, "the officer roles allowed (default '*', any)" },
    CLI_ASK_TIMEOUT ("8000"),
    { NULL }
};

static const cli_exit_use_t s_accept_exits [] = {
    { CLI_EXIT_OK, "done" },
    { CLI_EXIT_NOT_FOUND, "no such open order, or the draft is not written" },
    { CLI_EXIT_REFUSED, "refused with a code of 130-139 or 160-169" },
    { CLI_EXIT_FAILED, "any other refusal, or no answer" },
    { 0, NULL }
};

static int
s_refuse (cli_t *cli)
{
    const char *id = cli_get (cli, "id");
    if (strlen (id) > LOCALAPI_ID_MAX)
        return cli_usage_error (cli, "--id is longer than %d bytes", LOCALAPI_ID_MAX);
    return s_answer (cli, id, "refused", cli_get (cli, "legal-basis"));
}

static const cli_option_t s_refuse_options [] = {
    CLI_ASK_OPTIONS,
    { "id", "ORDER-ID", CLI_REQUIRED, "the order" },
    { "legal-basis", "TEXT", CLI_REQUIRED, "the legal basis of the refusal" },
    CLI_ASK_TIMEOUT ("8000"),
    { NULL }
};


//  --------------------------------------------------------------------------
//  The group

static const cli_command_t s_file_command = {
    "file", "order data that is not offered to this department", s_file,
    s_file_options, NULL,
    "Orders data that is not offered, or not to this department (点菜). The\n"
    "provider must accept or refuse it; open orders stay in both departments'\n"
    "lists, with their age, until it does.\n",
    s_registry_exits,
    "sluice order file --config tax/gateway.cfg --to SH-PD-MSA \\\n"
    "    --item market-violations --fields case_no,kind --purpose tax-risk \\\n"
    "    --legal-basis 'Article 5'\n"
};

static const cli_command_t s_list_command = {
    "list", "orders filed by or with this department, with age", s_list, s_list_options,
    NULL,
    "Orders filed by or with this department, oldest first, with their age in\n"
    "seconds and state: open, accepted or refused.\n",
    s_list_exits, "sluice order list --config msa/gateway.cfg\n"
};

static const cli_command_t s_accept_command = {
    "accept", "accept an order: an agreement draft prefilled from it", s_accept,
    s_accept_options, NULL,
    "The provider accepts an order: writes an agreement draft prefilled from it\n"
    "(id AGR-ORDER-ID; --fields overrides the ordered fields, and is needed\n"
    "for an order of a whole item), and answers the order. Then both sign the\n"
    "draft and one registers it.\n",
    s_accept_exits,
    "sluice order accept --config msa/gateway.cfg --id ORD-TAX-0001 \\\n"
    "    --out AGR-ORD-TAX-0001.agreement --roles auditor\n"
};

static const cli_command_t s_refuse_command = {
    "refuse", "refuse an order, citing the legal basis", s_refuse, s_refuse_options, NULL,
    "The provider refuses an order, citing the legal basis (不予共享).\n",
    s_registry_exits,
    "sluice order refuse --config msa/gateway.cfg --id ORD-TAX-0002 \\\n"
    "    --legal-basis 'Article 32'\n"
};

static const cli_command_t *const s_commands [] = {
    &s_file_command, &s_list_command, &s_accept_command, &s_refuse_command, NULL
};

const cli_command_t order_cmd = {
    "order", "order data not offered (点菜), and answer orders", NULL, NULL, NULL,
    NULL, NULL, NULL, s_commands
};
