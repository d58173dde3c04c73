/*  cli.c -- helpers shared by the `sluice` subcommands; see cli.h.  */

#include "cli.h"
#include "settings.h"
#include "status.h"
#include "codec.h"
#include <math.h>

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
    conf_t *conf = conf_load (config, settings_gateway, &error);
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
//  Printing what the gateway sent, as text or JSON

cli_out_t
cli_out (FILE *file)
{
    cli_out_t out;
    memset (&out, 0, sizeof (out));
    out.file = file;
    return out;
}

static void
s_pad (cli_out_t *out, size_t columns, size_t width)
{
    for (; columns < width; columns++)
        fputc (' ', out->file);
}

void
cli_text (cli_out_t *out, const char *data, size_t size, size_t width)
{
    size_t columns = text_write (out->file, data, size, TEXT_TERMINAL, &out->tally);
    s_pad (out, columns, width);
}

void
cli_text_str (cli_out_t *out, const char *string, size_t width)
{
    cli_text (out, string, string? strlen (string): 0, width);
}

size_t
cli_text_width (const char *data, size_t size)
{
    return text_write (NULL, data, size, TEXT_TERMINAL, NULL);
}

//  A float as the shortest of %.15g and %.17g that reads back the same
//  (finite values only)
static void
s_float (FILE *file, double value)
{
    char text [40];
    snprintf (text, sizeof (text), "%.15g", value);
    if (strtod (text, NULL) != value)
        snprintf (text, sizeof (text), "%.17g", value);
    fputs (text, file);
}

//  Writes what a value with no text or JSON form is, for people
static void
s_text_unshown (cli_out_t *out, const msgpack_object *object)
{
    out->unshown++;
    if (object->type == MSGPACK_OBJECT_BIN)
        fprintf (out->file, "<bin, %u byte%s>", object->via.bin.size,
                 object->via.bin.size == 1? "": "s");
    else
    if (object->type == MSGPACK_OBJECT_EXT)
        fprintf (out->file, "<ext %d, %u byte%s>", object->via.ext.type,
                 object->via.ext.size, object->via.ext.size == 1? "": "s");
    else
        fprintf (out->file, "<unknown type %d>", (int) object->type);
}

static void s_scalar_text (cli_out_t *out, const msgpack_object *object);

//  What `write` makes of object, as a fresh string of *size bytes; what it
//  escaped or left out is counted in out
static char *
s_rendered (cli_out_t *out, const msgpack_object *object,
            void (*write) (cli_out_t *, const msgpack_object *), size_t *size)
{
    char *text = NULL;
    FILE *memory = open_memstream (&text, size);
    assert (memory);
    cli_out_t inner = cli_out (memory);
    write (&inner, object);
    fclose (memory);
    out->tally.controls += inner.tally.controls;
    out->tally.invalid += inner.tally.invalid;
    out->odd_keys += inner.odd_keys;
    out->unshown += inner.unshown;
    out->odd_rows += inner.odd_rows;
    return text;
}

void
cli_text_value (cli_out_t *out, const msgpack_object *object, size_t width)
{
    if (object->type == MSGPACK_OBJECT_STR) {
        cli_text (out, object->via.str.ptr, object->via.str.size, width);
        return;
    }
    //  The rest is ASCII once rendered (JSON escapes its strings)
    size_t size;
    char *text = s_rendered (out, object, s_scalar_text, &size);
    fwrite (text, 1, size, out->file);
    s_pad (out, size, width);
    free (text);
}

//  Anything but a string, for people
static void
s_scalar_text (cli_out_t *out, const msgpack_object *object)
{
    if (object->type == MSGPACK_OBJECT_NIL)
        fputc ('-', out->file);
    else
    if (object->type == MSGPACK_OBJECT_FLOAT32 || object->type == MSGPACK_OBJECT_FLOAT64) {
        if (isfinite (object->via.f64))
            s_float (out->file, object->via.f64);
        else
            fputs (isnan (object->via.f64)? "nan": object->via.f64 > 0? "inf": "-inf",
                   out->file);
    }
    else
    if (object->type == MSGPACK_OBJECT_BIN || object->type == MSGPACK_OBJECT_EXT)
        s_text_unshown (out, object);
    else
        cli_json_value (out, object);
}

void
cli_text_key (cli_out_t *out, const msgpack_object *key, size_t width)
{
    if (key->type != MSGPACK_OBJECT_STR)
        out->odd_keys++;
    cli_text_value (out, key, width);
}

void
cli_json_string (cli_out_t *out, const char *data, size_t size)
{
    fputc ('"', out->file);
    text_write (out->file, data, size, TEXT_JSON, &out->tally);
    fputc ('"', out->file);
}

void
cli_json_str (cli_out_t *out, const char *string)
{
    cli_json_string (out, string, string? strlen (string): 0);
}

void
cli_json_key (cli_out_t *out, const msgpack_object *key)
{
    if (key->type == MSGPACK_OBJECT_STR) {
        cli_json_string (out, key->via.str.ptr, key->via.str.size);
        return;
    }
    //  JSON keys are strings: the key as it is shown to people (nil "-",
    //  bin "<bin, N bytes>", arrays and maps as JSON), as a string
    out->odd_keys++;
    size_t size;
    char *text = s_rendered (out, key, s_scalar_text, &size);
    cli_json_string (out, text, size);
    free (text);
}

void
cli_json_value (cli_out_t *out, const msgpack_object *object)
{
    FILE *file = out->file;
    switch (object->type) {
        case MSGPACK_OBJECT_NIL: fputs ("null", file); break;
        case MSGPACK_OBJECT_BOOLEAN: fputs (object->via.boolean? "true": "false", file); break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER: fprintf (file, "%" PRIu64, object->via.u64); break;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER: fprintf (file, "%" PRId64, object->via.i64); break;
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            if (isfinite (object->via.f64))
                s_float (file, object->via.f64);
            else {
                out->unshown++;         //  JSON has no NaN or infinity
                fputs ("null", file);
            }
            break;
        case MSGPACK_OBJECT_STR:
            cli_json_string (out, object->via.str.ptr, object->via.str.size);
            break;
        case MSGPACK_OBJECT_ARRAY:
            fputc ('[', file);
            for (uint32_t index = 0; index < object->via.array.size; index++) {
                if (index)
                    fputc (',', file);
                cli_json_value (out, &object->via.array.ptr [index]);
            }
            fputc (']', file);
            break;
        case MSGPACK_OBJECT_MAP:
            fputc ('{', file);
            for (uint32_t index = 0; index < object->via.map.size; index++) {
                if (index)
                    fputc (',', file);
                cli_json_key (out, &object->via.map.ptr [index].key);
                fputc (':', file);
                cli_json_value (out, &object->via.map.ptr [index].val);
            }
            fputc ('}', file);
            break;
        default:                        //  bin, ext
            out->unshown++;
            fputs ("null", file);
    }
}

void
cli_out_odd_row (cli_out_t *out)
{
    out->odd_rows++;
}

bool
cli_out_report (const cli_out_t *out, const char *command)
{
    char clauses [4][160];
    size_t count = 0;
    size_t escaped = out->tally.controls + out->tally.invalid;
    if (escaped)
        snprintf (clauses [count++], sizeof (clauses [0]),
                  "%zu control character%s and %zu byte%s of invalid UTF-8 "
                  "shown escaped (\\xNN, \\uNNNN; in JSON \\u00NN and \\ufffd)",
                  out->tally.controls, out->tally.controls == 1? "": "s",
                  out->tally.invalid, out->tally.invalid == 1? "": "s");
    if (out->odd_keys)
        snprintf (clauses [count++], sizeof (clauses [0]), "%zu %s, shown as text",
                  out->odd_keys, out->odd_keys == 1? "map key that was not a string":
                  "map keys that were not strings");
    if (out->unshown)
        snprintf (clauses [count++], sizeof (clauses [0]),
                  "%zu value%s with no text form (binary, extension, not a number), "
                  "shown as <...> (in JSON null)", out->unshown,
                  out->unshown == 1? "": "s");
    if (out->odd_rows)
        snprintf (clauses [count++], sizeof (clauses [0]), "%zu %s, shown as a value",
                  out->odd_rows, out->odd_rows == 1? "row that was not a map":
                  "rows that were not maps");
    if (count == 0)
        return false;
    fprintf (stderr, "sluice %s: not everything could be shown as it was sent:", command);
    for (size_t index = 0; index < count; index++)
        fprintf (stderr, "%s %s", index? ";": "", clauses [index]);
    fprintf (stderr, "\n");
    return true;
}

int
cli_exit_status (int status)
{
    if (status == STATUS_OK)
        return CLI_EXIT_FOUND;
    if (status == STATUS_NOT_FOUND)
        return CLI_EXIT_NOT_FOUND;
    if ((status >= 130 && status < 140) || (status >= 160 && status < 170))
        return CLI_EXIT_REFUSED;
    return CLI_EXIT_FAILED;
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

    //  A report only when something was changed (it goes to stderr)
    cli_out_t out = cli_out (stdout);
    assert (cli_out_report (&out, "test") == false);
    out.odd_rows = 1;
    assert (cli_out_report (&out, "test"));
    fflush (stderr);
    dup2 (saved, STDERR_FILENO);
    close (saved);

    //  What a hostile provider may send: non-string keys, escape sequences,
    //  a bell, C1, invalid UTF-8, bin, ext, NaN, nested values. Chinese
    //  stays as it is.
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 7);
    codec_pack_kv_str (&pk, "name", "税务登记\x1b]0;owned\x07");
    msgpack_pack_int (&pk, 7);
    codec_pack_str (&pk, "\xff\xc2\x9b" "2J");
    codec_pack_str (&pk, "bin");
    msgpack_pack_bin (&pk, 3);
    msgpack_pack_bin_body (&pk, "abc", 3);
    codec_pack_str (&pk, "nan");
    msgpack_pack_double (&pk, NAN);
    codec_pack_str (&pk, "n");
    msgpack_pack_int64 (&pk, -5);
    msgpack_pack_array (&pk, 1);
    msgpack_pack_nil (&pk);
    codec_pack_str (&pk, "nested");
    codec_pack_str (&pk, "\x1b[31m");
    msgpack_pack_double (&pk, 0.1);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack ((const uint8_t *) buffer.data, buffer.size, &unpacked) == STATUS_OK);
    const msgpack_object *map = &unpacked.data;

    char *text = NULL;
    size_t size = 0;
    FILE *memory = open_memstream (&text, &size);
    assert (memory);
    out = cli_out (memory);
    cli_json_value (&out, map);
    fclose (memory);
    if (verbose)
        printf ("%s\n", text);
    //  Keys are strings, nothing is raw, and it is valid UTF-8
    assert (strstr (text, "{\"name\":\"税务登记\\u001b]0;owned\\u0007\","));
    assert (strstr (text, "\"7\":\"\\ufffd\\u009b2J\""));
    assert (strstr (text, "\"bin\":null,\"nan\":null,\"n\":-5"));
    assert (strstr (text, "\"[null]\":\"nested\""));
    assert (strstr (text, "\"7\":"));
    assert (text_utf8_valid (text, size));
    for (size_t index = 0; index < size; index++)
        assert ((uint8_t) text [index] >= 0x20 && (uint8_t) text [index] != 0x7F);
    assert (out.odd_keys == 2 && out.unshown == 2);
    assert (out.tally.controls == 4 && out.tally.invalid == 1);
    free (text);

    //  For people: each key padded to its column, the same escapes
    memory = open_memstream (&text, &size);
    out = cli_out (memory);
    for (uint32_t index = 0; index < map->via.map.size; index++) {
        cli_text_key (&out, &map->via.map.ptr [index].key, 8);
        fputc ('|', memory);
        cli_text_value (&out, &map->via.map.ptr [index].val, 0);
        fputc ('\n', memory);
    }
    fclose (memory);
    if (verbose)
        printf ("%s", text);
    assert (strstr (text, "name    |税务登记\\x1b]0;owned\\x07\n"));
    assert (strstr (text, "7       |\\xff\\u009b2J\n"));
    assert (strstr (text, "bin     |<bin, 3 bytes>\n"));
    assert (strstr (text, "nan     |nan\n"));
    assert (strstr (text, "[null]  |nested\n"));
    assert (strstr (text, "\\x1b[31m|0.1\n"));
    for (size_t index = 0; index < size; index++)
        assert ((uint8_t) text [index] >= 0x20 || text [index] == '\n');
    assert (out.odd_keys == 2 && out.unshown == 1);
    free (text);
    //  Padding counts columns, not bytes
    memory = open_memstream (&text, &size);
    out = cli_out (memory);
    cli_text_str (&out, "税务", 6);
    cli_text_str (&out, "|", 0);
    fclose (memory);
    assert (streq (text, "税务  |"));
    free (text);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);

    //  Exit codes: refusals of both families of authorization codes
    assert (cli_exit_status (STATUS_OK) == CLI_EXIT_FOUND);
    assert (cli_exit_status (STATUS_NOT_FOUND) == CLI_EXIT_NOT_FOUND);
    assert (cli_exit_status (STATUS_NO_AGREEMENT) == CLI_EXIT_REFUSED);
    assert (cli_exit_status (STATUS_PURPOSE_NOT_AGREED) == CLI_EXIT_REFUSED);
    assert (cli_exit_status (STATUS_ROLE_NOT_AGREED) == CLI_EXIT_REFUSED);
    assert (cli_exit_status (STATUS_TIMEOUT) == CLI_EXIT_FAILED);
    assert (cli_exit_status (STATUS_INTERNAL) == CLI_EXIT_FAILED);
    //  @end

    printf ("OK\n");
}
