/*  cli_out.c -- where a `sluice` command writes what it shows; see
    cli_out.h.  */

#include "cli_out.h"
#include "codec.h"
#include "status.h"
#include <czmq.h>

cli_out_t
cli_out (FILE *file)
{
    cli_out_t out;
    memset (&out, 0, sizeof (out));
    out.file = file;
    return out;
}


//  --------------------------------------------------------------------------
//  Text for people

static void
s_pad (cli_out_t *out, size_t columns, size_t width)
{
    for (; columns < width; columns++)
        fputc (' ', out->file);
}

void
cli_text (cli_out_t *out, const char *data, size_t size, size_t width)
{
    size_t columns = text_write (out->file, data, size, TEXT_TERMINAL, &out->counts.tally);
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

void
cli_text_value (cli_out_t *out, const msgpack_object *object, size_t width)
{
    if (object->type == MSGPACK_OBJECT_STR) {
        cli_text (out, object->via.str.ptr, object->via.str.size, width);
        return;
    }
    //  The rest is ASCII once rendered, but for the characters inside
    //  strings of an array or map; their width counts
    size_t size;
    char *text = jsonpack_rendered (&out->counts, object, &size);
    fwrite (text, 1, size, out->file);
    s_pad (out, cli_text_width (text, size), width);
    free (text);
}

void
cli_text_key (cli_out_t *out, const msgpack_object *key, size_t width)
{
    if (key->type != MSGPACK_OBJECT_STR)
        out->counts.odd_keys++;
    cli_text_value (out, key, width);
}

void
cli_out_odd_row (cli_out_t *out)
{
    out->odd_rows++;
}


//  --------------------------------------------------------------------------
//  JSON, by jsonpack.h

int
cli_json_print (cli_out_t *out, json_t **json_p)
{
    assert (json_p);
    size_t size;
    char *text = jsonpack_dumps (&out->counts, *json_p, &size);
    int rc = fwrite (text, 1, size, out->file) == size && fputc ('\n', out->file) != EOF?
             0: -1;
    free (text);
    json_decref (*json_p);
    *json_p = NULL;
    return rc;
}

int
cli_json_element (cli_out_t *out, json_t **json_p)
{
    assert (json_p);
    size_t size;
    char *text = jsonpack_dumps (&out->counts, *json_p, &size);
    int rc = fputc (out->elements? ',': '[', out->file) != EOF
          && fwrite (text, 1, size, out->file) == size? 0: -1;
    out->elements++;
    free (text);
    json_decref (*json_p);
    *json_p = NULL;
    return rc;
}

int
cli_json_end (cli_out_t *out)
{
    int rc = fputs (out->elements? "]\n": "[]\n", out->file) != EOF? 0: -1;
    out->elements = 0;
    return rc;
}


//  --------------------------------------------------------------------------
//  What could not be shown as it was sent

bool
cli_out_report (const cli_out_t *out, const char *name)
{
    char clauses [6][160];
    size_t count = 0;
    size_t escaped = out->counts.tally.controls + out->counts.tally.invalid;
    if (escaped)
        snprintf (clauses [count++], sizeof (clauses [0]),
                  "%zu control character%s and %zu byte%s of invalid UTF-8 "
                  "shown escaped (\\xNN, \\uNNNN; in JSON \\u00NN, and U+FFFD for "
                  "invalid bytes)",
                  out->counts.tally.controls, out->counts.tally.controls == 1? "": "s",
                  out->counts.tally.invalid, out->counts.tally.invalid == 1? "": "s");
    if (out->counts.odd_keys)
        snprintf (clauses [count++], sizeof (clauses [0]), "%zu %s, shown as text",
                  out->counts.odd_keys, out->counts.odd_keys == 1? "map key that was not a string":
                  "map keys that were not strings");
    if (out->counts.unshown)
        snprintf (clauses [count++], sizeof (clauses [0]),
                  "%zu value%s with no text form (binary, extension, not a number), "
                  "shown as <...> (in JSON null)", out->counts.unshown,
                  out->counts.unshown == 1? "": "s");
    if (out->odd_rows)
        snprintf (clauses [count++], sizeof (clauses [0]), "%zu %s, shown as a value",
                  out->odd_rows, out->odd_rows == 1? "row that was not a map":
                  "rows that were not maps");
    if (out->counts.duplicates)
        snprintf (clauses [count++], sizeof (clauses [0]),
                  "%zu map key%s given twice, in JSON with the last value",
                  out->counts.duplicates, out->counts.duplicates == 1? "": "s");
    if (out->counts.big_numbers)
        snprintf (clauses [count++], sizeof (clauses [0]),
                  "%zu integer%s above 2^63 - 1, in JSON as the nearest real",
                  out->counts.big_numbers, out->counts.big_numbers == 1? "": "s");
    if (count == 0)
        return false;
    fprintf (stderr, "%s: not everything could be shown as it was sent:", name);
    for (size_t index = 0; index < count; index++)
        fprintf (stderr, "%s %s", index? ";": "", clauses [index]);
    fprintf (stderr, "\n");
    return true;
}


//  --------------------------------------------------------------------------
//  Self test

//  What a hostile provider may send: non-string keys, escape sequences, a
//  bell, C1, invalid UTF-8, bin, ext, NaN, nested values, a key twice.
//  Chinese stays as it is.
static void
s_test_pack_hostile (msgpack_sbuffer *buffer)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 9);
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
    codec_pack_kv_str (&pk, "rlo", "a\xe2\x80\xae" "b\x7f");
    codec_pack_kv_uint (&pk, "n", 6);
}

//  A real, as a value from the gateway
static json_t *
s_test_real (cli_out_t *out, double value)
{
    msgpack_object object = { .type = MSGPACK_OBJECT_FLOAT64 };
    object.via.f64 = value;
    return jsonpack_value (&out->counts, &object);
}

//  What write made of the hostile map into a fresh string (caller frees)
static char *
s_test_capture (const msgpack_object *map, bool json, cli_out_t *counts)
{
    char *text = NULL;
    size_t size = 0;
    FILE *memory = open_memstream (&text, &size);
    assert (memory);
    cli_out_t out = cli_out (memory);
    if (json) {
        json_t *value = jsonpack_value (&out.counts, map);
        assert (cli_json_print (&out, &value) == 0 && value == NULL);
    }
    else
        for (uint32_t index = 0; index < map->via.map.size; index++) {
            cli_text_key (&out, &map->via.map.ptr [index].key, 8);
            fputc ('|', memory);
            cli_text_value (&out, &map->via.map.ptr [index].val, 0);
            fputc ('\n', memory);
        }
    fclose (memory);
    *counts = out;
    return text;
}

void
cli_out_test (bool verbose)
{
    printf (" * cli_out: ");
    if (verbose)
        printf ("\n");

    //  @selftest
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    s_test_pack_hostile (&buffer);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    assert (codec_unpack ((const uint8_t *) buffer.data, buffer.size, &unpacked) == STATUS_OK);
    const msgpack_object *map = &unpacked.data;

    //  JSON: keys are strings, nothing is raw, and it is valid UTF-8
    cli_out_t out;
    char *text = s_test_capture (map, true, &out);
    if (verbose)
        printf ("%s", text);
    assert (strstr (text, "{\"name\":\"税务登记\\u001B]0;owned\\u0007\","));
    assert (strstr (text, "\"7\":\"\xef\xbf\xbd\\u009B2J\""));
    assert (strstr (text, "\"bin\":null,\"nan\":null,\"n\":6,"));
    assert (strstr (text, "\"[null]\":\"nested\""));
    assert (strstr (text, "\"\\u001B[31m\":0.1,"));
    assert (strstr (text, "\"rlo\":\"a\\u202Eb\\u007F\""));
    assert (text_utf8_valid (text, strlen (text)));
    json_error_t error;
    json_t *parsed = json_loads (text, 0, &error);
    assert (parsed && json_object_size (parsed) == 8);
    json_decref (parsed);
    for (size_t index = 0; text [index]; index++) {
        uint8_t byte = (uint8_t) text [index];
        assert ((byte >= 0x20 && byte != 0x7F) || text [index + 1] == 0);
        assert (!(byte == 0xC2 && (uint8_t) text [index + 1] <= 0x9F));
    }
    assert (out.counts.odd_keys == 2 && out.counts.unshown == 2);
    assert (out.counts.duplicates == 1 && out.counts.big_numbers == 0);
    assert (out.counts.tally.controls == 6 && out.counts.tally.invalid == 1);
    free (text);

    //  For people: each key padded to its column, the same escapes
    text = s_test_capture (map, false, &out);
    if (verbose)
        printf ("%s", text);
    assert (strstr (text, "name    |税务登记\\x1b]0;owned\\x07\n"));
    assert (strstr (text, "7       |\\xff\\u009b2J\n"));
    assert (strstr (text, "bin     |<bin, 3 bytes>\n"));
    assert (strstr (text, "nan     |nan\n"));
    assert (strstr (text, "n       |-5\n"));
    assert (strstr (text, "[null]  |nested\n"));
    assert (strstr (text, "\\x1b[31m|0.1\n"));
    for (size_t index = 0; text [index]; index++)
        assert ((uint8_t) text [index] >= 0x20 || text [index] == '\n');
    assert (out.counts.odd_keys == 2 && out.counts.unshown == 1 && out.counts.duplicates == 0);
    free (text);

    //  Padding counts columns, not bytes
    size_t size = 0;
    FILE *memory = open_memstream (&text, &size);
    out = cli_out (memory);
    cli_text_str (&out, "税务", 6);
    cli_text_str (&out, "|", 0);
    fclose (memory);
    assert (streq (text, "税务  |"));
    free (text);

    //  Reals with the fewest digits that read back (as many as the one that
    //  needs most); strings as given; an integer jansson cannot hold
    memory = open_memstream (&text, &size);
    out = cli_out (memory);
    json_t *array = json_array ();
    json_array_append_new (array, s_test_real (&out, 0.1));
    json_array_append_new (array, jsonpack_str (&out.counts, NULL));
    json_array_append_new (array, jsonpack_text (&out.counts, "a\0b", 3));
    assert (cli_json_print (&out, &array) == 0);
    fclose (memory);
    assert (streq (text, "[0.1,\"\",\"a\\u0000b\"]\n"));
    free (text);
    memory = open_memstream (&text, &size);
    out = cli_out (memory);
    array = json_array ();
    json_array_append_new (array, s_test_real (&out, 0.1));
    json_array_append_new (array, s_test_real (&out, 1.0 / 3));
    msgpack_object big = { .type = MSGPACK_OBJECT_POSITIVE_INTEGER };
    big.via.u64 = UINT64_MAX;
    json_array_append_new (array, jsonpack_value (&out.counts, &big));
    assert (cli_json_print (&out, &array) == 0);
    fclose (memory);
    assert (out.counts.big_numbers == 1);
    parsed = json_loads (text, 0, &error);
    assert (json_real_value (json_array_get (parsed, 0)) == 0.1);
    assert (json_real_value (json_array_get (parsed, 1)) == 1.0 / 3);
    assert (json_real_value (json_array_get (parsed, 2)) == (double) UINT64_MAX);
    json_decref (parsed);
    free (text);

    //  An array written element by element: the same text as at once, the
    //  same escapes; an empty one too
    memory = open_memstream (&text, &size);
    out = cli_out (memory);
    for (int index = 0; index < 2; index++) {
        json_t *element = jsonpack_str (&out.counts, index? "\x7f": "税务");
        assert (cli_json_element (&out, &element) == 0 && element == NULL);
    }
    assert (cli_json_end (&out) == 0);
    assert (cli_json_end (&out) == 0);
    fclose (memory);
    assert (streq (text, "[\"税务\",\"\\u007F\"]\n[]\n"));
    free (text);

    //  A report only when something was changed (it goes to stderr)
    out = cli_out (stdout);
    assert (cli_out_report (&out, "test") == false);
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&buffer);
    //  @end

    printf ("OK\n");
}
