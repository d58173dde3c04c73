/*  registry_cmd.c -- `sluice agreement register|list|revoke`, `sluice order`
    and publishing a revocation list: the admin side of the registry.  */

#include "registry_cmd.h"
#include "cli.h"
#include "agreement.h"
#include "agreementtext.h"
#include "certfile.h"
#include "status.h"
#include "codec.h"

#define S_WAIT_MS 8000

//  Sends a request with op and prints the gateway's answer; exit status.
static int
s_request (const char *endpoint_flag, const char *config, localapi_request_t *request,
           const char *command, localapi_reply_t *reply)
{
    char *endpoint = cli_endpoint (endpoint_flag, config, command);
    if (!endpoint)
        return CLI_EXIT_USAGE;
    int rc = cli_call (endpoint, request, S_WAIT_MS, reply, command);
    free (endpoint);
    return rc? CLI_EXIT_FAILED: 0;
}

//  For put-like operations: one line saying what happened (`done`), with
//  the brokers' words (escaped: they come from the network).
static int
s_done (localapi_reply_t *reply, const char *command, const char *what,
        const char *done)
{
    if (reply->status == STATUS_OK) {
        cli_out_t out = cli_out (stdout);
        cli_text_str (&out, what, 0);
        printf (": %s (", done);
        cli_text_str (&out, reply->reason, 0);
        printf (")\n");
        cli_out_report (&out, command);
        return 0;
    }
    cli_out_t err = cli_out (stderr);
    fprintf (stderr, "sluice %s: ", command);
    cli_text_str (&err, what, 0);
    fprintf (stderr, " refused: %s -- ", status_name ((int) reply->status));
    cli_text_str (&err, reply->reason, 0);
    fprintf (stderr, "\n");
    cli_out_report (&err, command);
    return cli_exit_status ((int) reply->status);
}

//  Rows as JSON, or one line each with the named columns. Every row is
//  checked to be a map before it is read as one.
static void
s_print_rows (localapi_reply_t *reply, bool json, const char **columns,
              const char *command)
{
    cli_out_t out = cli_out (stdout);
    if (json) {
        cli_json_value (&out, reply->rows);
        printf ("\n");
        cli_out_report (&out, command);
        return;
    }
    for (uint32_t row = 0; row < reply->rows->via.array.size; row++) {
        const msgpack_object *map = &reply->rows->via.array.ptr [row];
        if (map->type != MSGPACK_OBJECT_MAP) {
            cli_out_odd_row (&out);
            printf ("(not a map) ");
            cli_text_value (&out, map, 0);
            printf ("\n");
            continue;
        }
        for (const char **column = columns; *column; column++) {
            bool bad = false;
            const msgpack_object *value = codec_get (map, *column, &bad);
            if (value) {
                printf (column == columns? "": "  ");
                cli_text_value (&out, value, 0);
            }
        }
        printf ("\n");
    }
    if (reply->rows->via.array.size == 0)
        printf ("(none)\n");
    cli_out_report (&out, command);
}

int
registry_cmd_agreement_register (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL, *file = NULL;
    bool help = false;
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config }, { "--file", &file },
        { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "agreement register"))
        return CLI_EXIT_USAGE;
    if (help || !file) {
        fprintf (help? stdout: stderr,
            "usage: sluice agreement register (--config gateway.cfg | --gateway EP)\n"
            "           --file FILE.agreement\n"
            "Registers an agreement signed by both departments at the brokers, which\n"
            "deliver it to both gateways (also to one that is offline now, when it\n"
            "comes back). The provider's gateway verifies both signatures itself\n"
            "before it grants anything under it.\n");
        return help? 0: CLI_EXIT_USAGE;
    }
    size_t size;
    char *error = NULL;
    char *text = certfile_read (file, AGREEMENT_TEXT_MAX, &size, &error);
    if (!text) {
        fprintf (stderr, "sluice agreement register: cannot read %s\n", error);
        zstr_free (&error);
        return CLI_EXIT_USAGE;
    }
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "register");
    request.text = text;
    localapi_reply_t reply;
    int rc = s_request (endpoint, config, &request, "agreement register", &reply);
    if (rc == 0)
        rc = s_done (&reply, "agreement register", file,
                     "registered; the brokers deliver it to both gateways");
    localapi_reply_destroy (&reply);
    localapi_request_clear (&request);
    return rc;
}

int
registry_cmd_agreement_list (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL;
    bool help = false, json = false;
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config }, { "--json", NULL, &json },
        { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "agreement list"))
        return CLI_EXIT_USAGE;
    if (help) {
        printf ("usage: sluice agreement list (--config gateway.cfg | --gateway EP) [--json]\n"
                "The agreements this department is party to, as registered, with their\n"
                "state (in force, revoked, expired, not yet valid, or at the provider\n"
                "superseded by a higher version or not in force) and version.\n");
        return 0;
    }
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "agreements");
    localapi_reply_t reply;
    int rc = s_request (endpoint, config, &request, "agreement list", &reply);
    if (rc == 0) {
        const char *columns [] = { "id", "state", "version", "provider", "consumer", "item", "fields",
                                   "valid_until", "daily_quota", NULL };
        s_print_rows (&reply, json, columns, "agreement list");
    }
    localapi_reply_destroy (&reply);
    return rc;
}

int
registry_cmd_agreement_revoke (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL, *id = NULL, *reason = "";
    bool help = false;
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config }, { "--id", &id },
        { "--reason", &reason }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "agreement revoke"))
        return CLI_EXIT_USAGE;
    if (help || !id || strlen (id) > LOCALAPI_ID_MAX) {
        fprintf (help? stdout: stderr,
            "usage: sluice agreement revoke (--config gateway.cfg | --gateway EP)\n"
            "           --id AGREEMENT-ID [--reason TEXT]\n"
            "The provider revokes an agreement; within seconds no request under it\n"
            "is granted, at its own gateway, and the consumer is told.\n");
        return help? 0: CLI_EXIT_USAGE;
    }
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "revoke");
    strcpy (request.id, id);
    request.text = strdup (reason);
    localapi_reply_t reply;
    int rc = s_request (endpoint, config, &request, "agreement revoke", &reply);
    if (rc == 0)
        rc = s_done (&reply, "agreement revoke", id, "revoked");
    localapi_reply_destroy (&reply);
    localapi_request_clear (&request);
    return rc;
}

//  --------------------------------------------------------------------------
//  Orders (点菜)

static int
s_order_file (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL, *to = NULL, *item = NULL;
    const char *fields = "", *purpose = NULL, *basis = NULL, *id = "";
    bool help = false;
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config }, { "--to", &to },
        { "--item", &item }, { "--fields", &fields }, { "--purpose", &purpose },
        { "--legal-basis", &basis }, { "--id", &id }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "order file"))
        return CLI_EXIT_USAGE;
    if (help || !to || !item || !purpose || !basis) {
        fprintf (help? stdout: stderr,
            "usage: sluice order file (--config gateway.cfg | --gateway EP) --to PROVIDER\n"
            "           --item ITEM [--fields a,b] --purpose PURPOSE --legal-basis TEXT\n"
            "           [--id ORDER-ID]\n"
            "Orders data that is not offered, or not to this department (点菜). The\n"
            "provider must accept or refuse it; open orders stay in both departments'\n"
            "lists, with their age, until it does.\n");
        return help? 0: CLI_EXIT_USAGE;
    }
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    if (strlen (to) >= sizeof (request.to) || strlen (item) >= sizeof (request.query.item)
    ||  strlen (fields) >= sizeof (request.query.fields)
    ||  strlen (purpose) >= sizeof (request.query.purpose)
    ||  strlen (id) >= sizeof (request.id)) {
        fprintf (stderr, "sluice order file: an argument is longer than allowed\n");
        return CLI_EXIT_USAGE;
    }
    strcpy (request.op, "order");
    strcpy (request.to, to);
    strcpy (request.query.item, item);
    strcpy (request.query.fields, fields);
    strcpy (request.query.purpose, purpose);
    strcpy (request.id, id);
    request.text = strdup (basis);
    localapi_reply_t reply;
    int rc = s_request (endpoint, config, &request, "order file", &reply);
    if (rc == 0)
        rc = s_done (&reply, "order file", *reply.item? reply.item: "order", "filed");
    localapi_reply_destroy (&reply);
    localapi_request_clear (&request);
    return rc;
}

static int
s_order_list (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL;
    bool help = false, json = false;
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config },
        { "--json", NULL, &json }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "order list"))
        return CLI_EXIT_USAGE;
    if (help) {
        printf ("usage: sluice order list (--config gateway.cfg | --gateway EP) [--json]\n"
                "Orders filed by or with this department, oldest first, with their age in\n"
                "seconds and state: open, accepted or refused.\n");
        return 0;
    }
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "orders");
    localapi_reply_t reply;
    int rc = s_request (endpoint, config, &request, "order list", &reply);
    if (rc == 0) {
        const char *columns [] = { "id", "state", "age_s", "consumer", "provider", "item",
                                   "fields", "purpose", "legal_basis", "answer", NULL };
        s_print_rows (&reply, json, columns, "order list");
    }
    localapi_reply_destroy (&reply);
    return rc;
}

//  The order `id` from the gateway's list, as a map (borrowed from reply).
static const msgpack_object *
s_find_order (localapi_reply_t *reply, const char *id)
{
    for (uint32_t row = 0; row < reply->rows->via.array.size; row++) {
        const msgpack_object *map = &reply->rows->via.array.ptr [row];
        char value [LOCALAPI_ID_MAX + 1];
        if (codec_get_str (map, "id", value, sizeof (value), false) == 0
        &&  streq (value, id))
            return map;
    }
    return NULL;
}

//  Sends the answer to an order.
static int
s_answer (const char *endpoint, const char *config, const char *id,
          const char *decision, const char *basis, const char *command)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "answer");
    snprintf (request.id, sizeof (request.id), "%s", id);
    strcpy (request.decision, decision);
    request.text = strdup (basis? basis: "");
    localapi_reply_t reply;
    int rc = s_request (endpoint, config, &request, command, &reply);
    if (rc == 0)
        rc = s_done (&reply, command, id, streq (decision, "accepted")?
                     "accepted": "refused");
    localapi_reply_destroy (&reply);
    localapi_request_clear (&request);
    return rc;
}

static int
s_order_accept (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL, *id = NULL, *out = NULL;
    const char *days = "365", *quota = "1000", *roles = "*", *grant = NULL;
    bool help = false;
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config }, { "--id", &id },
        { "--out", &out }, { "--days", &days }, { "--daily-quota", &quota },
        { "--fields", &grant },
        { "--roles", &roles }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "order accept"))
        return CLI_EXIT_USAGE;
    if (help || !id || !out || strlen (id) > LOCALAPI_ID_MAX) {
        fprintf (help? stdout: stderr,
            "usage: sluice order accept (--config gateway.cfg | --gateway EP) --id ORDER-ID\n"
            "           --out DRAFT.agreement [--fields a,b] [--days N] [--daily-quota N]\n"
            "           [--roles r1,r2]\n"
            "The provider accepts an order: writes an agreement draft prefilled from it\n"
            "(id AGR-ORDER-ID; --fields overrides the ordered fields, and is needed\n"
            "for an order of a whole item), and answers the order. Then both sign the\n"
            "draft and one registers it.\n");
        return help? 0: CLI_EXIT_USAGE;
    }
    uint64_t days_value, quota_value;
    if (certfile_uint_parse (days, 100000, &days_value)
    ||  certfile_uint_parse (quota, 1000000000, &quota_value)) {
        fprintf (stderr, "sluice order accept: bad --days or --daily-quota\n");
        return CLI_EXIT_USAGE;
    }
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "orders");
    localapi_reply_t reply;
    int rc = s_request (endpoint, config, &request, "order accept", &reply);
    const msgpack_object *order = rc == 0? s_find_order (&reply, id): NULL;
    char provider [64], consumer [64], item [65], fields [1025], purpose [257];
    char basis [1025], state [17];
    if (rc == 0 && !order) {
        fprintf (stderr, "sluice order accept: no order %s at this department\n", id);
        rc = 1;
    }
    else
    if (order
    && (codec_get_str (order, "provider", provider, sizeof (provider), false)
    ||  codec_get_str (order, "consumer", consumer, sizeof (consumer), false)
    ||  codec_get_str (order, "item", item, sizeof (item), false)
    ||  codec_get_str (order, "fields", fields, sizeof (fields), false)
    ||  codec_get_str (order, "purpose", purpose, sizeof (purpose), false)
    ||  codec_get_str (order, "legal_basis", basis, sizeof (basis), false)
    ||  codec_get_str (order, "state", state, sizeof (state), false))) {
        fprintf (stderr, "sluice order accept: malformed order from the gateway\n");
        rc = CLI_EXIT_FAILED;
    }
    else
    if (order && !streq (state, "open")) {
        cli_out_t err = cli_out (stderr);
        fprintf (stderr, "sluice order accept: order %s is already ", id);
        cli_text_str (&err, state, 0);
        fprintf (stderr, "\n");
        rc = 1;
    }
    localapi_reply_destroy (&reply);
    if (rc || !order)
        return rc;
    //  Fields: as ordered, or as the provider grants
    if (grant)
        snprintf (fields, sizeof (fields), "%s", grant);
    if (!*fields) {
        fprintf (stderr, "sluice order accept: order %s asks for the whole item: "
                 "name the fields to grant with --fields\n", id);
        return CLI_EXIT_USAGE;
    }
    char agreement_id [80];
    snprintf (agreement_id, sizeof (agreement_id), "AGR-%.58s", id);
    int64_t now = zclock_time () / 1000;
    char *error = NULL;
    agreement_t *draft = agreement_new (agreement_id, provider, consumer, item,
                                        fields, purpose, basis,
                                        now, now + (int64_t) days_value * 86400,
                                        (uint32_t) quota_value, roles, &error);
    if (!draft || agreementtext_save (draft, out, false, &error)) {
        fprintf (stderr, "sluice order accept: cannot write the draft %s: %s\n", out,
                 error? error: "refused");
        zstr_free (&error);
        agreement_destroy (&draft);
        return 1;
    }
    agreement_destroy (&draft);
    printf ("draft %s written from order %s; sign it, have %s sign it, register it\n",
            out, id, consumer);
    return s_answer (endpoint, config, id, "accepted", basis, "order accept");
}

static int
s_order_refuse (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL, *id = NULL, *basis = NULL;
    bool help = false;
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config }, { "--id", &id },
        { "--legal-basis", &basis }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "order refuse"))
        return CLI_EXIT_USAGE;
    if (help || !id || !basis || strlen (id) > LOCALAPI_ID_MAX) {
        fprintf (help? stdout: stderr,
            "usage: sluice order refuse (--config gateway.cfg | --gateway EP) --id ORDER-ID\n"
            "           --legal-basis TEXT\n"
            "The provider refuses an order, citing the legal basis (不予共享).\n");
        return help? 0: CLI_EXIT_USAGE;
    }
    return s_answer (endpoint, config, id, "refused", basis, "order refuse");
}

typedef struct {
    const char *name;
    int (*run) (int argc, char **argv);
    const char *help;
} s_verb_t;

static const s_verb_t s_order_verbs [] = {
    { "file",   s_order_file,   "order data that is not offered to this department" },
    { "list",   s_order_list,   "orders filed by or with this department, with age" },
    { "accept", s_order_accept, "accept an order: an agreement draft prefilled from it" },
    { "refuse", s_order_refuse, "refuse an order, citing the legal basis" },
    { NULL }
};

int
registry_cmd_order (int argc, char **argv)
{
    for (const s_verb_t *verb = s_order_verbs; argc > 1 && verb->name; verb++)
        if (streq (verb->name, argv [1]))
            return verb->run (argc - 1, argv + 1);
    FILE *out = argc > 1 && streq (argv [1], "--help")? stdout: stderr;
    fprintf (out, "usage: sluice order COMMAND (COMMAND --help for each)\n");
    for (const s_verb_t *verb = s_order_verbs; verb->name; verb++)
        fprintf (out, "  %-8s %s\n", verb->name, verb->help);
    return out == stdout? 0: CLI_EXIT_USAGE;
}

int
registry_cmd_publish_crl (const char *config, const char *crl_path,
                          const char *command)
{
    size_t size;
    char *error = NULL;
    char *text = certfile_read (crl_path, 1024 * 1024, &size, &error);
    if (!text) {
        fprintf (stderr, "sluice %s: cannot read %s to publish it\n", command, error);
        zstr_free (&error);
        return 1;
    }
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "crl");
    request.text = text;
    localapi_reply_t reply;
    int rc = s_request (NULL, config, &request, command, &reply);
    if (rc == 0)
        rc = s_done (&reply, command, "revocation list", "published");
    localapi_reply_destroy (&reply);
    localapi_request_clear (&request);
    return rc;
}
