/*  cli.h -- helpers shared by the `sluice` subcommands that talk to the
    local gateway: option parsing, finding the gateway's local endpoint,
    one request/reply call, and printing what the gateway sent, as text or
    JSON, checked and escaped.

    Messages name the subcommand ("sluice COMMAND: ...") and go to stderr;
    values are printed to stdout.
*/
#ifndef SLUICE_CLI_H_INCLUDED
#define SLUICE_CLI_H_INCLUDED

#include "localapi.h"
#include "text.h"

//  Exit codes of the commands that ask the gateway (README "Exit codes")
#define CLI_EXIT_FOUND      0
#define CLI_EXIT_NOT_FOUND  1
#define CLI_EXIT_REFUSED    2
#define CLI_EXIT_FAILED     3
#define CLI_EXIT_USAGE      64

//  One option of a subcommand, in a table ended by { NULL }: a flag that
//  takes a value (stored in *value, pointing into argv) or a switch (sets
//  *set to true).
typedef struct {
    const char *flag;
    const char **value;         //  where a value goes, or NULL for a switch
    bool *set;                  //  for switches
} cli_option_t;

//  Parses argv [1 .. argc) against the table. Returns 0, or -1 with a
//  message on an unknown argument or a flag without its value.
int
    cli_parse (int argc, char **argv, cli_option_t *options, const char *command);

//  The gateway's local endpoint: `endpoint` if given, else `gateway/local`
//  from the gateway's config file. Fresh string (caller frees), or NULL with
//  a message if neither is given or the config does not load.
char *
    cli_endpoint (const char *endpoint, const char *config, const char *command);

//  Sends one local API request and waits up to wait_ms for the reply.
//  Returns 0 and fills reply, or -1 (message printed) if the gateway does not
//  answer or the reply is malformed. Call localapi_reply_destroy on reply in
//  every case.
int
    cli_call (const char *endpoint, localapi_request_t *request, int64_t wait_ms,
              localapi_reply_t *reply, const char *command);

//  Where a command writes what it shows, and what it had to change on the
//  way. Everything the gateway or a remote party sent is printed through
//  the functions below only: text is escaped as text.h says, every msgpack
//  value is type-checked before it is printed, and cli_out_report tells,
//  at the end, what could not be shown as it was.
typedef struct {
    FILE *file;                 //  stdout or stderr, borrowed
    text_tally_t tally;         //  control characters, invalid UTF-8 escaped
    size_t odd_keys;            //  map keys that were not strings
    size_t unshown;             //  values with no text or JSON form (bin,
                                //  ext, a float that is not a number)
    size_t odd_rows;            //  rows that were not maps
} cli_out_t;

//  A cli_out_t writing to `file`, nothing counted yet.
cli_out_t
    cli_out (FILE *file);

//  Text for people: data [0..size) escaped, then spaces up to `width`
//  terminal columns (0: no padding).
void
    cli_text (cli_out_t *out, const char *data, size_t size, size_t width);

//  The same for a NUL-terminated string.
void
    cli_text_str (cli_out_t *out, const char *string, size_t width);

//  The terminal columns cli_text would take for data [0..size).
size_t
    cli_text_width (const char *data, size_t size);

//  A msgpack value for people, padded to `width` columns: strings bare
//  (escaped), nil as "-", numbers and booleans as JSON, arrays and maps as
//  JSON, bin and ext as <bin, N bytes> / <ext T, N bytes>.
void
    cli_text_value (cli_out_t *out, const msgpack_object *object, size_t width);

//  A map key for people: a string as cli_text; anything else as
//  cli_text_value, counted as a key that was not a string.
void
    cli_text_key (cli_out_t *out, const msgpack_object *key, size_t width);

//  data [0..size) as a JSON string, quoted; always valid UTF-8 JSON.
void
    cli_json_string (cli_out_t *out, const char *data, size_t size);

//  The same for a NUL-terminated string.
void
    cli_json_str (cli_out_t *out, const char *string);

//  A msgpack value as JSON. Map keys that are not strings become strings
//  (their JSON text), bin, ext and floats that are not finite numbers
//  become null; each is counted.
void
    cli_json_value (cli_out_t *out, const msgpack_object *object);

//  A map key as a JSON string, as cli_json_value writes keys.
void
    cli_json_key (cli_out_t *out, const msgpack_object *key);

//  Counts a row that is not a map (the caller shows it as a value).
void
    cli_out_odd_row (cli_out_t *out);

//  If `out` had to escape, convert or leave out anything, says what on
//  stderr, naming the command ("sluice COMMAND: ..."). Returns true if it
//  said something.
bool
    cli_out_report (const cli_out_t *out, const char *command);

//  The exit code (CLI_EXIT_*) for a result code of the gateway or the
//  provider: 0 OK, 1 NOT_FOUND, 2 refused by the provider (130..139 and
//  160..169), 3 anything else.
int
    cli_exit_status (int status);

void
    cli_test (bool verbose);

#endif
