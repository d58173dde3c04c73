/*  cli.h -- helpers shared by the `sluice` subcommands that talk to the
    local gateway: option parsing, finding the gateway's local endpoint,
    one request/reply call, and printing msgpack values as text or JSON.

    Messages name the subcommand ("sluice COMMAND: ...") and go to stderr;
    values are printed to stdout.
*/
#ifndef SLUICE_CLI_H_INCLUDED
#define SLUICE_CLI_H_INCLUDED

#include "localapi.h"

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

//  Prints data [0..size) as a JSON string, quoted and escaped.
void
    cli_json_string (const char *data, size_t size);

//  Prints a msgpack value as JSON (bin and ext as null).
void
    cli_json_value (const msgpack_object *object);

//  Prints a msgpack value for people: strings bare, nil as "-", anything
//  else as JSON.
void
    cli_text_value (const msgpack_object *object);

void
    cli_test (bool verbose);

#endif
