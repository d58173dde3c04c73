/*  jsonpack.h -- where JSON and msgpack meet: the one conversion between
    them, for the `sluice` command's --json output and for the gateway's
    local HTTP API (http.h), which both include it from here.

    msgpack to JSON (jansson): strings are made valid UTF-8 first (each
    byte that is not becomes U+FFFD) and jansson writes them, escaping
    quotes, backslashes and C0; jsonpack_dumps also escapes DEL, C1 and the
    characters that reorder or break lines (text.h), which jansson writes
    as they are. Numbers stay numbers (an integer above 2^63 - 1, which
    jansson cannot hold, becomes the nearest real), booleans stay booleans,
    nil is null; bin, ext and a float that is not finite are null; a map
    key that is not a string becomes the string of its text form
    (jsonpack_rendered). What had to change is counted (jsonpack_counts_t),
    so that the caller can say so.

    JSON to msgpack (a request's body): object -> map, array -> array,
    string -> str, integer -> int, real -> float64, true/false -> bool,
    null -> nil; at most JSONPACK_DEPTH_MAX levels of arrays and objects,
    a key given twice is refused, and so is a document that is not one
    JSON value of valid UTF-8. The result is read by the local API's own
    decoder (localapi.h), whose rules then apply as they do to msgpack.
*/
#ifndef SLUICE_JSONPACK_H_INCLUDED
#define SLUICE_JSONPACK_H_INCLUDED

#include "text.h"
#include "localapi.h"
#include "codec.h"
#include <msgpack.h>
#include <jansson.h>

//  Arrays and objects nested at most so deep in a request's JSON, the
//  object itself counted: as deep as the strict msgpack reader takes
#define JSONPACK_DEPTH_MAX CODEC_DEPTH_MAX

//  What the conversion to JSON (or to text) had to change
typedef struct {
    text_tally_t tally;         //  control characters, invalid UTF-8 escaped
    size_t odd_keys;            //  map keys that were not strings
    size_t unshown;             //  values with no text or JSON form (bin,
                                //  ext, a float that is not a number)
    size_t duplicates;          //  map keys given twice (JSON keeps the last)
    size_t big_numbers;         //  integers beyond JSON's (jansson's) range
    int precision;              //  digits the JSON reals need (15..17)
} jsonpack_counts_t;

//  --------------------------------------------------------------------------
//  msgpack to JSON: each returns a new reference

//  data [0..size) as a JSON string, made valid UTF-8.
json_t *
    jsonpack_text (jsonpack_counts_t *counts, const char *data, size_t size);

//  The same for a NUL-terminated string ("" for NULL).
json_t *
    jsonpack_str (jsonpack_counts_t *counts, const char *string);

//  A msgpack value, as the header says.
json_t *
    jsonpack_value (jsonpack_counts_t *counts, const msgpack_object *object);

//  A whole local API reply as one object: status (its name), code, from,
//  item, reason, field, agreement, msgid, served_at, rows.
json_t *
    jsonpack_reply (jsonpack_counts_t *counts, const localapi_reply_t *reply);

//  Sets `key` (one of ours: ASCII) of object to value, taking the reference.
void
    jsonpack_set (json_t *object, const char *key, json_t *value);

//  The compact JSON text of json, DEL, C1 and the format characters
//  escaped too, reals with the digits counts->precision says. Fresh string
//  (caller frees) of *size bytes.
char *
    jsonpack_dumps (jsonpack_counts_t *counts, const json_t *json, size_t *size);

//  The text form of a value that is not a string, for people and for map
//  keys: nil "-", numbers and booleans as JSON writes them, arrays and
//  maps as JSON, bin and ext as <bin, N bytes> / <ext T, N bytes>, NaN as
//  nan. Fresh string (caller frees) of *size bytes.
char *
    jsonpack_rendered (jsonpack_counts_t *counts, const msgpack_object *object,
                       size_t *size);

//  The fewest significant digits (15..17) that read back as `value`.
int
    jsonpack_digits (double value);

//  --------------------------------------------------------------------------
//  JSON to msgpack

//  Packs a JSON value as the header says. Returns 0, or -1 with *error
//  (fresh; NULL allowed) if it nests deeper than JSONPACK_DEPTH_MAX.
int
    jsonpack_pack (msgpack_packer *pk, const json_t *json, char **error);

//  Parses the JSON text data [0..size), which must be one object, and
//  packs it into `buffer` as a map whose first key is "op" (`op`), then
//  the object's keys, of which "op" may not be one. Returns 0, or -1 with
//  *error (fresh; NULL allowed) saying what is wrong and where.
int
    jsonpack_request (const char *data, size_t size, const char *op,
                      msgpack_sbuffer *buffer, char **error);

void
    jsonpack_test (bool verbose);

#endif
