/*  cli.c -- helpers shared by the `sluice` subcommands; see cli.h.  */

#include "cli.h"
#include "gateway.h"
#include "status.h"

//  --------------------------------------------------------------------------
//  Options, endpoint and call

int
cli_parse (int argc, char **argv, cli_option_t *options, const char *command)
{
    for (int index = 1; index < argc; index++) {
        cli_option_t *option = options;
        while (option->flag && !streq (option->flag, argv [index]))
            option++;
        if (!option->flag) {
            fprintf (stderr, "sluice %s: unknown argument '%s' (see --help)\n",
                     command, argv [index]);
            return -1;
        }
        if (option->value) {
            if (index + 1 >= argc) {
                fprintf (stderr, "sluice %s: %s needs a value\n", command, option->flag);
                return -1;
            }
            *option->value = argv [++index];
        }
        else
            *option->set = true;
    }
    return 0;
}

//  The local endpoint: given, or read from the gateway's config file.
char *
cli_endpoint (const char *endpoint, const char *config, const char *command)
{
    if (endpoint)
        return strdup (endpoint);
    if (!config) {
        fprintf (stderr, "sluice %s: give --gateway ENDPOINT or --config gateway.cfg\n",
                 command);
        return NULL;
    }
    char *error = NULL;
    conf_t *conf = conf_load (config, gateway_schema, &error);
    if (!conf) {
        fprintf (stderr, "sluice %s: %s\n", command, error);
        zstr_free (&error);
        return NULL;
    }
    char *result = strdup (conf_str (conf, "gateway/local"));
    conf_destroy (&conf);
    return result;
}

//  Sends one local request and waits for the reply; see cli.h.
int
cli_call (const char *endpoint, localapi_request_t *request, int64_t wait_ms,
          localapi_reply_t *reply, const char *command)
{
    //  The reply can be destroyed whatever happens next
    memset (reply, 0, sizeof (*reply));
    msgpack_unpacked_init (&reply->unpacked);
    zsock_t *socket = zsock_new (ZMQ_DEALER);
    zsock_set_linger (socket, 0);
    if (zsock_connect (socket, "%s", endpoint) < 0) {
        fprintf (stderr, "sluice %s: cannot connect to %s\n", command, endpoint);
        zsock_destroy (&socket);
        return -1;
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    localapi_request_encode (request, &buffer);
    zframe_t *frame = zframe_new (buffer.data, buffer.size);
    zframe_send (&frame, socket, 0);
    msgpack_sbuffer_destroy (&buffer);

    zpoller_t *poller = zpoller_new (socket, NULL);
    int rc = -1;
    if (zpoller_wait (poller, (int) wait_ms)) {
        frame = zframe_recv (socket);
        msgpack_unpacked_destroy (&reply->unpacked);
        if (frame && localapi_reply_decode (zframe_data (frame), zframe_size (frame),
                                            reply) == STATUS_OK)
            rc = 0;
        else
            fprintf (stderr, "sluice %s: malformed reply from the gateway\n", command);
        zframe_destroy (&frame);
    }
    else
        fprintf (stderr, "sluice %s: no answer from the gateway at %s within %d ms "
                 "(is sluice-gateway running?)\n", command, endpoint, (int) wait_ms);
    zpoller_destroy (&poller);
    zsock_destroy (&socket);
    return rc;
}

//  --------------------------------------------------------------------------
//  Printing values, as text or JSON

void
cli_json_string (const char *data, size_t size)
{
    putchar ('"');
    for (size_t index = 0; index < size; index++) {
        unsigned char c = (unsigned char) data [index];
        if (c == '"' || c == '\\')
            printf ("\\%c", c);
        else
        if (c < 0x20)
            printf ("\\u%04x", c);
        else
            putchar (c);
    }
    putchar ('"');
}

void
cli_json_value (const msgpack_object *object)
{
    switch (object->type) {
        case MSGPACK_OBJECT_NIL: printf ("null"); break;
        case MSGPACK_OBJECT_BOOLEAN: printf (object->via.boolean? "true": "false"); break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER: printf ("%" PRIu64, object->via.u64); break;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: printf ("%" PRId64, object->via.i64); break;
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64: printf ("%.15g", object->via.f64); break;
        case MSGPACK_OBJECT_STR: cli_json_string (object->via.str.ptr, object->via.str.size); break;
        case MSGPACK_OBJECT_ARRAY:
            putchar ('[');
            for (uint32_t index = 0; index < object->via.array.size; index++) {
                if (index)
                    putchar (',');
                cli_json_value (&object->via.array.ptr [index]);
            }
            putchar (']');
            break;
        case MSGPACK_OBJECT_MAP:
            putchar ('{');
            for (uint32_t index = 0; index < object->via.map.size; index++) {
                if (index)
                    putchar (',');
                cli_json_value (&object->via.map.ptr [index].key);
                putchar (':');
                cli_json_value (&object->via.map.ptr [index].val);
            }
            putchar ('}');
            break;
        default: printf ("null");
    }
}

void
cli_text_value (const msgpack_object *object)
{
    if (object->type == MSGPACK_OBJECT_STR)
        printf ("%.*s", (int) object->via.str.size, object->via.str.ptr);
    else
    if (object->type == MSGPACK_OBJECT_NIL)
        printf ("-");
    else
        cli_json_value (object);
}


//  --------------------------------------------------------------------------
//  Self test

void
cli_test (bool verbose)
{
    printf (" * cli: ");
    if (verbose)
        printf ("\n");

    //  @selftest
    const char *item = NULL, *key = "default";
    bool json = false, help = false;
    cli_option_t options [] = {
        { "--item", &item }, { "--key", &key },
        { "--json", NULL, &json }, { "--help", NULL, &help }, { NULL }
    };
    char *good [] = { "query", "--json", "--item", "licences", NULL };
    assert (cli_parse (4, good, options, "test") == 0);
    assert (json && !help);
    assert (streq (item, "licences"));
    assert (streq (key, "default"));
    char *last [] = { "query", "--key", "a", "--key", "b", NULL };
    assert (cli_parse (5, last, options, "test") == 0);
    assert (streq (key, "b"));
    //  Errors go to stderr; keep the test's output quiet
    fflush (stderr);
    int saved = dup (STDERR_FILENO);
    int quiet = open ("/dev/null", O_WRONLY);
    assert (saved >= 0 && quiet >= 0);
    dup2 (quiet, STDERR_FILENO);
    close (quiet);
    char *unknown [] = { "query", "--colour", "red", NULL };
    assert (cli_parse (3, unknown, options, "test") == -1);
    char *missing [] = { "query", "--item", NULL };
    assert (cli_parse (2, missing, options, "test") == -1);
    char *none [] = { "query", NULL };
    assert (cli_parse (1, none, options, "test") == 0);

    //  The endpoint: given, else from the config, else an error
    char *endpoint = cli_endpoint ("ipc:///tmp/x.ipc", NULL, "test");
    assert (endpoint && streq (endpoint, "ipc:///tmp/x.ipc"));
    freen (endpoint);
    assert (cli_endpoint (NULL, NULL, "test") == NULL);
    assert (cli_endpoint (NULL, "/nonexistent/gateway.cfg", "test") == NULL);

    //  A gateway that does not answer, and an endpoint that is not one
    char *path = zsys_sprintf ("ipc:///tmp/sluice-cli-test-%d.ipc", getpid ());
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "status");
    localapi_reply_t reply;
    assert (cli_call (path, &request, 50, &reply, "test") == -1);
    localapi_reply_destroy (&reply);
    assert (cli_call ("nowhere", &request, 50, &reply, "test") == -1);
    localapi_reply_destroy (&reply);
    freen (path);
    fflush (stderr);
    dup2 (saved, STDERR_FILENO);
    close (saved);
    //  @end

    printf ("OK\n");
}
