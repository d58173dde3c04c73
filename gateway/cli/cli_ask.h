/*  cli_ask.h -- asking this department's gateway, and showing its answer:
    the one helper of every `sluice` command that talks to the local API.

    A command that asks declares CLI_ASK_OPTIONS (and, but for `query`,
    CLI_ASK_TIMEOUT) among its options: the gateway is found by --config
    (its configuration's gateway/local) or --gateway (the endpoint itself).
    Everything the gateway sent is printed through cli_out.h.
*/
#ifndef SLUICE_CLI_ASK_H_INCLUDED
#define SLUICE_CLI_ASK_H_INCLUDED

#include "cli.h"
#include "cli_out.h"
#include "localapi.h"

#define CLI_ASK_OPTIONS \
    { "config", "gateway.cfg", CLI_REQUIRED | CLI_EITHER, \
      "this department's gateway, by its configuration (its local endpoint)" }, \
    { "gateway", "ENDPOINT", 0, "or by its local endpoint itself" }
#define CLI_ASK_TIMEOUT(default_ms) \
    { "timeout-ms", "N", 0, \
      "how long to wait for the gateway, 100..600000 ms (default " default_ms ")" }
#define CLI_JSON_OPTION(what) \
    { "json", NULL, 0, "print " what " as JSON" }

//  How a command shows the answer (cli_ask_show)
typedef enum {
    CLI_SHOW_REPLY,     //  a line with the status (with the reason and a
                        //  hint when refused), then each row's fields, one
                        //  a line; --json: the whole reply
    CLI_SHOW_ROWS,      //  each row on one line, its `columns`; "(none)"
                        //  for no row; --json: the rows
    CLI_SHOW_DONE       //  "WHAT: DONE (the gateway's words)", or the
                        //  refusal on stderr
} cli_show_style_t;

typedef struct {
    cli_show_style_t style;
    const char *const *columns; //  ROWS: the keys shown, NULL-terminated
    const char *what;           //  DONE: what was done (a file, an id)
    bool what_from_reply;       //  DONE: the reply's item names it, if any
    const char *done;           //  DONE: what happened, e.g. "revoked"
    int not_found;              //  REPLY: a result code that exits 1 too
} cli_show_t;

//  Sends `request` to the gateway and waits for the answer: --timeout-ms
//  if given, else wait_ms; a request that gives the gateway a timeout of
//  its own (a query) that and a margin. Returns CLI_EXIT_OK with *reply
//  filled, or CLI_EXIT_FAILED (no answer, or a malformed one), or the
//  exit code for the configuration (cli_file_exit), with *error. Call
//  localapi_reply_destroy on reply in every case.
int
    cli_ask (cli_t *cli, localapi_request_t *request, int64_t wait_ms,
             localapi_reply_t *reply, char **error);

//  Asks (cli_ask), then shows the answer as `show` says. Returns the exit
//  code: a failure to ask, or the answer's (cli_exit_status).
int
    cli_ask_show (cli_t *cli, localapi_request_t *request, int64_t wait_ms,
                  const cli_show_t *show);

//  For a command that shows rows its own way: unless the answer is OK,
//  says what the gateway answered and returns its exit code; else 0.
int
    cli_ask_refused (cli_t *cli, localapi_reply_t *reply);

//  For self-tests: a stand-in gateway bound at `endpoint` that answers
//  each request with the next of `replies` (zchunk_t, taken from the list
//  as they are sent; the list destroys those left) and stays silent when
//  none is left. The list must outlive the actor (zactor_destroy).
zactor_t *
    cli_ask_fake (const char *endpoint, zlistx_t *replies);

//  For self-tests: a reply of `status` and `reason` from SH-PD-MSA, whose
//  rows are the packed array rows [0..size), as one chunk.
zchunk_t *
    cli_ask_fake_reply (int status, const char *reason, const char *rows, size_t size);

void
    cli_ask_test (bool verbose);

#endif
