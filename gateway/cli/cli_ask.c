/*  cli_ask.c -- asking this department's gateway, and showing its answer;
    see cli_ask.h.  */

#include "cli_ask.h"
#include "codec.h"
#include "conf.h"
#include "settings.h"
#include "status.h"

#define S_MARGIN_MS     2000    //  beyond the timeout a query gives the gateway

//  --------------------------------------------------------------------------
//  Asking

//  The local endpoint: --gateway, or gateway/local of --config. Returns
//  CLI_EXIT_OK and *endpoint (fresh), or an exit code with *error.
static int
s_endpoint (cli_t *cli, char **endpoint, char **error)
{
    const char *given = cli_get (cli, "gateway");
    const char *config = cli_get (cli, "config");
    if (given && *given) {
        *endpoint = strdup (given);
        return CLI_EXIT_OK;
    }
    assert (config);            //  the table requires one of them
    conf_t *conf = conf_load (config, settings_gateway, error);
    if (!conf)
        return cli_file_exit (config, CLI_EXIT_DATA);
    *endpoint = strdup (conf_str (conf, "gateway/local"));
    conf_destroy (&conf);
    return CLI_EXIT_OK;
}

//  One request out, one reply back within wait_ms
static int
s_call (const char *endpoint, localapi_request_t *request, int64_t wait_ms,
        localapi_reply_t *reply, char **error)
{
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    assert (socket);
    zsock_set_linger (socket, 0);
    if (zsock_connect (socket, "%s", endpoint) < 0) {
        status_set_error (error, "cannot connect to %s", endpoint);
        zsock_destroy (&socket);
        return CLI_EXIT_FAILED;
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    localapi_request_encode (request, &buffer);
    zframe_t *frame = zframe_new (buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    int rc = CLI_EXIT_FAILED;
    zpoller_t *poller = zpoller_new (socket, NULL);
    if (zframe_send (&frame, socket, 0))
        status_set_error (error, "cannot send to the gateway at %s", endpoint);
    else
    if (zpoller_wait (poller, (int) wait_ms)) {
        frame = zframe_recv (socket);
        msgpack_unpacked_destroy (&reply->unpacked);
        if (frame && localapi_reply_decode (zframe_data (frame), zframe_size (frame),
                                            reply) == STATUS_OK)
            rc = CLI_EXIT_OK;
        else
            status_set_error (error, "malformed reply from the gateway");
    }
    else
        status_set_error (error, "no answer from the gateway at %s within %d ms "
                          "(is sluice-gateway running?)", endpoint, (int) wait_ms);
    zframe_destroy (&frame);
    zpoller_destroy (&poller);
    zsock_destroy (&socket);
    return rc;
}

int
cli_ask (cli_t *cli, localapi_request_t *request, int64_t wait_ms,
         localapi_reply_t *reply, char **error)
{
    //  The reply can be destroyed whatever happens next
    memset (reply, 0, sizeof (*reply));
    msgpack_unpacked_init (&reply->unpacked);
    uint64_t wait = (uint64_t) wait_ms;
    int rc = cli_uint (cli, "timeout-ms", 100, 600000, &wait);
    if (rc)
        return rc;
    //  The gateway answers a query within the timeout it was given
    if (request->timeout_ms)
        wait = request->timeout_ms + S_MARGIN_MS;
    char *endpoint = NULL;
    rc = s_endpoint (cli, &endpoint, error);
    if (rc == CLI_EXIT_OK)
        rc = s_call (endpoint, request, (int64_t) wait, reply, error);
    free (endpoint);
    return rc;
}


//  --------------------------------------------------------------------------
//  The reply, for people: `query` and `status`

//  What a new user can do about a refusal or failure, by result code; the
//  reason says what was wrong. %D is the department asked, %I the item.
static const struct {
    int code;
    const char *hint;
} s_hints [] = {
    { STATUS_UNKNOWN_ITEM,        "see what %D publishes: sluice catalog list --department %D" },
    { STATUS_UNKNOWN_FIELD,       "see the item's fields: sluice catalog show --department %D "
                                  "--item %I" },
    { STATUS_INVALID_KEY,         "check the key against the item's key type: sluice catalog "
                                  "show --department %D --item %I" },
    { STATUS_NO_AGREEMENT,        "%I is shared under an agreement only: order it from %D "
                                  "(sluice order file --to %D --item %I ...)" },
    { STATUS_FIELD_NOT_AGREED,    "ask only for the fields the agreement grants (sluice "
                                  "agreement list), or leave out --fields" },
    { STATUS_ITEM_CLOSED,         "%D does not share %I; the reason cites the legal basis" },
    { STATUS_QUOTA_EXCEEDED,      "the daily quota starts again at 00:00 UTC; for more, agree "
                                  "a larger quota with %D" },
    { STATUS_AGREEMENT_EXPIRED,   "see the agreement's dates with sluice agreement list; a new "
                                  "one must be signed by both and registered" },
    { STATUS_PURPOSE_REQUIRED,    "name the officer and the purpose: --officer NAME --purpose "
                                  "PURPOSE" },
    { STATUS_PURPOSE_NOT_AGREED,  "give one of the purposes the agreement allows: --purpose" },
    { STATUS_ROLE_NOT_AGREED,     "give one of the roles the agreement allows: --role" },
    { STATUS_CLEARANCE,           "the field is above this department's clearance (in its "
                                  "certificate): leave it out" },
    { STATUS_UNKNOWN_DEPARTMENT,  "check the department id: sluice catalog list shows the "
                                  "departments that publish" },
    { STATUS_DEPARTMENT_OFFLINE,  "%D's gateway is not connected now: try again later" },
    { STATUS_NOT_REGISTERED,      "this gateway is not registered with a broker: see sluice "
                                  "status and the gateway's log" },
    { STATUS_CERT_EXPIRED,        "%D's certificate is not valid now: the federation's "
                                  "authority issues a new one" },
    { STATUS_CERT_REVOKED,        "%D's certificate is revoked: nothing is sent to it" },
    { STATUS_TIMEOUT,             "no answer in time: try again, or give a longer --timeout-ms" },
    { STATUS_SOURCE_TIMEOUT,      "%D's own database did not answer in time: try again later" },
    { STATUS_SOURCE_FAILED,       "%D's own database failed: try again later, or tell %D" },
    { STATUS_BAD_ANSWER,          "%D's gateway answered against the protocol and nothing of "
                                  "it was kept: tell %D" },
    { STATUS_BUSY,                "try again in a moment" },
};

//  Prints the hint for `status`, if there is one, with %D and %I filled in
static void
s_print_hint (cli_out_t *out, int status, const char *department, const char *item)
{
    for (size_t index = 0; index < sizeof (s_hints) / sizeof (s_hints [0]); index++) {
        if (s_hints [index].code != status)
            continue;
        fputs ("  hint: ", out->file);
        for (const char *cursor = s_hints [index].hint; *cursor; cursor++)
            if (cursor [0] == '%' && (cursor [1] == 'D' || cursor [1] == 'I')) {
                cursor++;
                cli_text_str (out, *cursor == 'D'? department: item, 0);
            }
            else
                fputc (*cursor, out->file);
        fputc ('\n', out->file);
    }
}

//  The code's name, and its number when the table does not know it
static void
s_print_status (cli_out_t *out, int status)
{
    if (status_known (status))
        fputs (status_name (status), out->file);
    else
        fprintf (out->file, "%s (%d)", status_name (status), status);
}

//  The first line: who answered what, and why not when refused
static void
s_print_head (cli_out_t *out, localapi_reply_t *reply)
{
    FILE *file = out->file;
    cli_text_str (out, reply->from, 0);
    if (*reply->item) {
        fputc (' ', file);
        cli_text_str (out, reply->item, 0);
    }
    fputs (": ", file);
    s_print_status (out, (int) reply->status);
    if (reply->status != STATUS_OK) {
        //  The field is named unless the reason already names it
        bool named = *reply->field && !strstr (reply->reason, reply->field);
        fputs (" -- ", file);
        cli_text_str (out, reply->reason, 0);
        if (named) {
            fputs (" (field '", file);
            cli_text_str (out, reply->field, 0);
            fputs ("')", file);
        }
    }
    else {
        uint32_t rows = reply->rows->via.array.size;
        fprintf (file, " (%u row%s", rows, rows == 1? "": "s");
        if (*reply->agreement) {
            fputs (", agreement ", file);
            cli_text_str (out, reply->agreement, 0);
        }
        fputc (')', file);
    }
    fputc ('\n', file);
}

//  The reply for people: the status line, a hint when refused, then each
//  row's fields, one a line, rows apart by "  --".
static void
s_print_reply (cli_out_t *out, localapi_reply_t *reply)
{
    FILE *file = out->file;
    s_print_head (out, reply);
    s_print_hint (out, (int) reply->status, reply->from, reply->item);
    for (uint32_t row = 0; row < reply->rows->via.array.size; row++) {
        const msgpack_object *value = &reply->rows->via.array.ptr [row];
        if (row)
            fputs ("  --\n", file);
        if (value->type != MSGPACK_OBJECT_MAP) {
            cli_out_odd_row (out);
            fputs ("  (not a map) ", file);
            cli_text_value (out, value, 0);
            fputc ('\n', file);
            continue;
        }
        const msgpack_object_map *map = &value->via.map;
        for (uint32_t index = 0; index < map->size; index++) {
            fputs ("  ", file);
            cli_text_key (out, &map->ptr [index].key, 24);
            fputc (' ', file);
            cli_text_value (out, &map->ptr [index].val, 0);
            fputc ('\n', file);
        }
    }
}

//  The whole reply as one JSON object (the shape the local HTTP API
//  answers with too)
static void
s_print_reply_json (cli_out_t *out, localapi_reply_t *reply)
{
    json_t *json = jsonpack_reply (&out->counts, reply);
    cli_json_print (out, &json);
}


//  --------------------------------------------------------------------------
//  Rows, one a line: `agreement list`, `order list`

static void
s_print_rows (cli_out_t *out, localapi_reply_t *reply, const char *const *columns)
{
    FILE *file = out->file;
    for (uint32_t row = 0; row < reply->rows->via.array.size; row++) {
        const msgpack_object *map = &reply->rows->via.array.ptr [row];
        if (map->type != MSGPACK_OBJECT_MAP) {
            cli_out_odd_row (out);
            fputs ("(not a map) ", file);
            cli_text_value (out, map, 0);
            fputc ('\n', file);
            continue;
        }
        for (const char *const *column = columns; *column; column++) {
            bool twice = false;
            const msgpack_object *value = codec_get (map, *column, &twice);
            if (value) {
                fputs (column == columns? "": "  ", file);
                cli_text_value (out, value, 0);
            }
        }
        fputc ('\n', file);
    }
    if (reply->rows->via.array.size == 0)
        fputs ("(none)\n", file);
}

int
cli_ask_refused (cli_t *cli, localapi_reply_t *reply)
{
    if (reply->status == STATUS_OK)
        return CLI_EXIT_OK;
    return cli_fail (cli, cli_exit_status ((int) reply->status),
                     "the gateway answered %s: %s", status_name ((int) reply->status),
                     reply->reason);
}


//  --------------------------------------------------------------------------
//  What an operation did: `agreement register`, `order file`, ...

static int
s_print_done (cli_t *cli, localapi_reply_t *reply, const cli_show_t *show)
{
    const char *what = show->what_from_reply && *reply->item? reply->item: show->what;
    if (reply->status == STATUS_OK) {
        cli_out_t out = cli_out (stdout);
        cli_text_str (&out, what, 0);
        printf (": %s (", show->done);
        cli_text_str (&out, reply->reason, 0);
        printf (")\n");
        cli_out_report (&out, cli->name);
        return CLI_EXIT_OK;
    }
    return cli_fail (cli, cli_exit_status ((int) reply->status), "%s refused: %s -- %s",
                     what, status_name ((int) reply->status), reply->reason);
}

int
cli_ask_show (cli_t *cli, localapi_request_t *request, int64_t wait_ms,
              const cli_show_t *show)
{
    localapi_reply_t reply;
    char *error = NULL;
    int rc = cli_ask (cli, request, wait_ms, &reply, &error);
    cli_out_t out = cli_out (stdout);
    if (rc)
        cli_fail_with (cli, rc, &error);
    else
    if (show->style == CLI_SHOW_DONE)
        rc = s_print_done (cli, &reply, show);
    else
    if (show->style == CLI_SHOW_ROWS) {
        rc = cli_ask_refused (cli, &reply);
        if (rc == 0 && cli_json (cli)) {
            json_t *json = jsonpack_value (&out.counts, reply.rows);
            cli_json_print (&out, &json);
        }
        else
        if (rc == 0)
            s_print_rows (&out, &reply, show->columns);
    }
    else {
        if (cli_json (cli))
            s_print_reply_json (&out, &reply);
        else
            s_print_reply (&out, &reply);
        rc = show->not_found && (int) reply.status == show->not_found?
             CLI_EXIT_NOT_FOUND: cli_exit_status ((int) reply.status);
    }
    cli_out_report (&out, cli->name);
    localapi_reply_destroy (&reply);
    return rc;
}


//  --------------------------------------------------------------------------
//  For self-tests: a stand-in gateway

typedef struct {
    char *endpoint;
    zlistx_t *replies;              //  zchunk_t, consumed in order
} s_fake_t;

static void
s_fake_gateway (zsock_t *pipe, void *args)
{
    s_fake_t *fake = (s_fake_t *) args;
    zsock_t *router = zsock_new_router (fake->endpoint);
    assert (router);
    zsock_signal (pipe, 0);
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    while (zpoller_wait (poller, -1) == router) {
        zmsg_t *msg = zmsg_recv (router);
        zframe_t *identity = zmsg_pop (msg);
        zchunk_t *reply = (zchunk_t *) zlistx_first (fake->replies);
        if (reply) {
            zframe_send (&identity, router, ZFRAME_MORE);
            zframe_t *frame = zframe_new (zchunk_data (reply), zchunk_size (reply));
            zframe_send (&frame, router, 0);
            zlistx_delete (fake->replies, zlistx_cursor (fake->replies));
        }
        zframe_destroy (&identity);
        zmsg_destroy (&msg);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&router);
    freen (fake->endpoint);
    freen (fake);
}

static void
s_chunk_destructor (void **item)
{
    zchunk_destroy ((zchunk_t **) item);
}

zactor_t *
cli_ask_fake (const char *endpoint, zlistx_t *replies)
{
    zlistx_set_destructor (replies, s_chunk_destructor);
    s_fake_t *fake = (s_fake_t *) zmalloc (sizeof (s_fake_t));
    assert (fake);
    fake->endpoint = strdup (endpoint);
    fake->replies = replies;
    return zactor_new (s_fake_gateway, fake);
}

zchunk_t *
cli_ask_fake_reply (int status, const char *reason, const char *rows, size_t size)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int rc = codec_unpack ((const uint8_t *) rows, size, &unpacked);
    assert (rc == STATUS_OK);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    localapi_reply_encode (&buffer, status, reason, "", "SH-PD-MSA", "licences", "",
                           0, "", &unpacked.data);
    zchunk_t *chunk = zchunk_new (buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    msgpack_unpacked_destroy (&unpacked);
    return chunk;
}


//  --------------------------------------------------------------------------
//  Self test

//  A reply of `status`, with one row (a map: name, age) or none
static zchunk_t *
s_test_reply (int status, const char *reason, bool row)
{
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, row? 1: 0);
    if (row) {
        msgpack_pack_map (&pk, 2);
        codec_pack_kv_str (&pk, "name", "税务\x1b[2J");
        codec_pack_kv_uint (&pk, "age", 42);
    }
    zchunk_t *chunk = cli_ask_fake_reply (status, reason, rows.data, rows.size);
    msgpack_sbuffer_destroy (&rows);
    return chunk;
}

static const char *const s_test_columns [] = { "name", "age", NULL };
static const cli_show_t s_test_shows [] = {
    { CLI_SHOW_REPLY },
    { CLI_SHOW_ROWS, s_test_columns },
    { CLI_SHOW_DONE, NULL, "FILE", false, "registered" },
};

//  The test command: --show N picks how it shows the answer
static int
s_test_run (cli_t *cli)
{
    uint64_t show = 0;
    cli_uint (cli, "show", 0, 2, &show);
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "status");
    return cli_ask_show (cli, &request, 1000, &s_test_shows [show]);
}

static const cli_option_t s_test_options [] = {
    CLI_ASK_OPTIONS, CLI_ASK_TIMEOUT ("1000"), CLI_JSON_OPTION ("it"),
    { "show", "N", 0, "0 reply, 1 rows, 2 done" },
    { NULL }
};
static const cli_command_t s_test_command = {
    "ask", "ask the test gateway", s_test_run, s_test_options
};

void
cli_ask_test (bool verbose)
{
    printf (" * cli_ask: ");
    if (verbose)
        printf ("\n");

    //  @selftest
    char *dir = zsys_sprintf ("/tmp/sluice-cli-ask-test-%d", getpid ());
    int rc = zsys_dir_create ("%s", dir);
    assert (rc == 0);
    char *endpoint = zsys_sprintf ("ipc://%s/gateway.ipc", dir);
    zlistx_t *replies = zlistx_new ();
    zlistx_add_end (replies, s_test_reply (STATUS_OK, "found", true));
    zlistx_add_end (replies, s_test_reply (STATUS_OK, "found", true));
    zlistx_add_end (replies, s_test_reply (STATUS_NO_AGREEMENT, "no \x1b[1magreement", false));
    zlistx_add_end (replies, s_test_reply (STATUS_OK, "found", true));
    zlistx_add_end (replies, s_test_reply (STATUS_OK, "found", false));
    zlistx_add_end (replies, s_test_reply (STATUS_OK, "found", true));
    zlistx_add_end (replies, s_test_reply (STATUS_NOT_PERMITTED, "not you", false));
    zlistx_add_end (replies, s_test_reply (STATUS_OK, "registered", false));
    zlistx_add_end (replies, s_test_reply (STATUS_STALE, "old", false));
    zlistx_add_end (replies, zchunk_new ("\x81\xa1x\x01", 4));
    zactor_t *gateway = cli_ask_fake (endpoint, replies);
    assert (gateway);

    char *out, *err;
    //  The reply for people, escaped, and said so; then as JSON
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, NULL);
    if (verbose)
        printf ("%s%s", out, err);
    assert (rc == 0);
    assert (streq (out, "SH-PD-MSA licences: OK (1 row)\n"
                        "  name                     税务\\x1b[2J\n"
                        "  age                      42\n"));
    assert (strstr (err, "sluice ask: not everything could be shown"));
    freen (out);
    freen (err);
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, "--json", NULL);
    assert (rc == 0);
    assert (streq (out, "{\"status\":\"OK\",\"code\":0,\"from\":\"SH-PD-MSA\",\"item\":"
                        "\"licences\",\"reason\":\"found\",\"field\":\"\",\"agreement\":"
                        "\"\",\"msgid\":\"\",\"served_at\":0,\"rows\":[{\"name\":"
                        "\"税务\\u001B[2J\",\"age\":42}]}\n"));
    freen (out);
    freen (err);
    //  A refusal: its reason and a hint, exit 2
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, NULL);
    assert (rc == CLI_EXIT_REFUSED);
    assert (strstr (out, "SH-PD-MSA licences: NO_AGREEMENT -- no \\x1b[1magreement\n"
                         "  hint: licences is shared under an agreement only"));
    freen (out);
    freen (err);

    //  Rows, one a line; none; as JSON; a refusal on stderr
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, "--show", "1", NULL);
    assert (rc == 0 && streq (out, "税务\\x1b[2J  42\n"));
    freen (out);
    freen (err);
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, "--show", "1", NULL);
    assert (rc == 0 && streq (out, "(none)\n"));
    freen (out);
    freen (err);
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, "--show", "1", "--json", NULL);
    assert (rc == 0 && streq (out, "[{\"name\":\"税务\\u001B[2J\",\"age\":42}]\n"));
    freen (out);
    freen (err);
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, "--show", "1", NULL);
    assert (rc == CLI_EXIT_FAILED && streq (out, ""));
    assert (streq (err, "sluice ask: the gateway answered NOT_PERMITTED: not you\n"));
    freen (out);
    freen (err);

    //  An operation: done, or refused
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, "--show", "2", NULL);
    assert (rc == 0 && streq (out, "FILE: registered (registered)\n"));
    freen (out);
    freen (err);
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, "--show", "2", NULL);
    assert (rc == CLI_EXIT_FAILED);
    assert (streq (err, "sluice ask: FILE refused: STALE -- old\n"));
    freen (out);
    freen (err);

    //  A malformed reply, then none; a configuration that is not there
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, NULL);
    assert (rc == CLI_EXIT_FAILED && strstr (err, "malformed reply from the gateway"));
    freen (out);
    freen (err);
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, "--timeout-ms", "100", NULL);
    assert (rc == CLI_EXIT_FAILED && strstr (err, "no answer from the gateway at "));
    freen (out);
    freen (err);
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--config", "/nonexistent/gateway.cfg", NULL);
    assert (rc == CLI_EXIT_NO_FILE && strstr (err, "/nonexistent/gateway.cfg"));
    freen (out);
    freen (err);
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--config", "/dev/null", NULL);
    assert (rc == CLI_EXIT_DATA);
    freen (out);
    freen (err);
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", endpoint, "--timeout-ms", "5", NULL);
    assert (rc == CLI_EXIT_USAGE);
    freen (out);
    freen (err);
    rc = cli_run_captured (&s_test_command, "sluice ask", &out, &err, "ask",
                           "--gateway", "nowhere", NULL);
    assert (rc == CLI_EXIT_FAILED && strstr (err, "cannot connect to nowhere"));
    freen (out);
    freen (err);

    zactor_destroy (&gateway);
    zlistx_destroy (&replies);
    char *socket_path = zsys_sprintf ("%s/gateway.ipc", dir);
    zsys_file_delete (socket_path);
    freen (socket_path);
    rc = zsys_dir_delete ("%s", dir);
    assert (rc == 0);
    freen (endpoint);
    freen (dir);
    //  @end

    printf ("OK\n");
}
