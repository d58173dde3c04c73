/*  cli_out.h -- where a `sluice` command writes what it shows: text for
    people, or JSON (jansson), and at the end what it had to change.

    Everything the gateway, a remote party or a file sent is printed through
    these functions only: text is escaped as text.h says, every msgpack value
    is type-checked before it is printed, JSON is always valid UTF-8 JSON,
    and cli_out_report tells what could not be shown as it was.

    JSON: the conversion is jsonpack.h's (proto/), the same one that the
    gateway's local HTTP API writes with.
*/
#ifndef SLUICE_CLI_OUT_H_INCLUDED
#define SLUICE_CLI_OUT_H_INCLUDED

#include "text.h"
#include "jsonpack.h"
#include <msgpack.h>
#include <jansson.h>

typedef struct {
    FILE *file;                 //  stdout or stderr, borrowed
    jsonpack_counts_t counts;   //  what text and JSON had to change
    size_t odd_rows;            //  rows that were not maps
    size_t elements;            //  written of the array cli_json_element is
                                //  writing
} cli_out_t;

//  A cli_out_t writing to `file`, nothing counted yet.
cli_out_t
    cli_out (FILE *file);

//  --------------------------------------------------------------------------
//  Text for people

//  data [0..size) escaped, then spaces up to `width` terminal columns (0:
//  no padding).
void
    cli_text (cli_out_t *out, const char *data, size_t size, size_t width);

//  The same for a NUL-terminated string (NULL prints nothing).
void
    cli_text_str (cli_out_t *out, const char *string, size_t width);

//  The terminal columns cli_text would take for data [0..size).
size_t
    cli_text_width (const char *data, size_t size);

//  A msgpack value, padded to `width` columns: strings bare (escaped), nil
//  as "-", numbers and booleans as JSON writes them, arrays and maps as
//  JSON, bin and ext as <bin, N bytes> / <ext T, N bytes>, NaN as nan.
void
    cli_text_value (cli_out_t *out, const msgpack_object *object, size_t width);

//  A map key: a string as cli_text; anything else as cli_text_value,
//  counted as a key that was not a string.
void
    cli_text_key (cli_out_t *out, const msgpack_object *key, size_t width);

//  Counts a row that is not a map (the caller shows it as a value).
void
    cli_out_odd_row (cli_out_t *out);

//  --------------------------------------------------------------------------
//  JSON: values are built with jsonpack.h (each returns a new reference,
//  what text had to change counted in out->counts), then printed once with
//  cli_json_print

//  Writes the value to out->file, compact, on one line, and destroys it
//  (*json_p is nulled). Returns 0, or -1 if it could not be written.
int
    cli_json_print (cli_out_t *out, json_t **json_p);

//  A JSON array too long to hold (the records of an audit log), written
//  one element at a time: each cli_json_element writes one value as
//  cli_json_print does ("[" before the first, "," before the others) and
//  destroys it; cli_json_end closes the array ("[]" if it had none) and
//  the line. Each returns 0, or -1 if it could not be written.
int
    cli_json_element (cli_out_t *out, json_t **json_p);
int
    cli_json_end (cli_out_t *out);

//  --------------------------------------------------------------------------

//  If `out` had to escape, convert or leave out anything, says what on
//  stderr, naming the command (`name`: "sluice query"). Returns true if it
//  said something.
bool
    cli_out_report (const cli_out_t *out, const char *name);

void
    cli_out_test (bool verbose);

#endif
