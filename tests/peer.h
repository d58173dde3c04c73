/*  peer.h -- what the test peers (sluice-rogue, sluice-liar) share.

    Both are hostile members of a federation driven by tests/run.sh: each
    reads a command line of flags and one --attack, loads the authority and
    certificates it names, writes its report on a stdout of its own, and
    builds signed (and perhaps sealed) envelopes. The logic of those steps
    is here, once; each program keeps its own tables and attacks.
*/

#ifndef SLUICE_TESTS_PEER_H_INCLUDED
#define SLUICE_TESTS_PEER_H_INCLUDED

#include "envelope.h"
#include "cert.h"
#include <stdio.h>
#include <stddef.h>

//  One command-line flag. Its value is a `const char *` borrowed from argv,
//  stored at `offset` in the program's argument struct (NULL if not given).
//  The name comes first: tables are searched by it (peer_table_find).
typedef struct {
    const char *flag;
    size_t offset;              //  of its const char * in the argument struct
    bool required;
    const char *help;
} peer_flag_t;

#define PEER_EXIT_USAGE     2       //  a usage or setup problem

//  Checks the parsed arguments further (and may fill in defaults); 0, or
//  -1 after saying why on stderr.
typedef int (peer_check_fn) (void *args);

//  Performs the attack, once the command line is read: `args` is the
//  program's argument struct, `attack` its entry of the attack table, `out`
//  the report stream (borrowed). Returns the exit status.
typedef int (peer_run_fn) (void *args, const void *attack, FILE *out);

//  A program's command line. The attacks are the program's own structs,
//  `attack_size` bytes each, each beginning with its name (a const char *);
//  attack_help is the offset of its help (a const char *).
typedef struct {
    const char *program;        //  prefixes every message: "sluice-rogue"
    const char *synopsis;       //  --help text before the flags
    const char *epilogue;       //  --help text after the attacks
    const peer_flag_t *flags;
    size_t flag_count;
    size_t attack_arg;          //  offset of --attack's value in the arguments
    peer_check_fn *check;       //  NULL: nothing more to check
    peer_run_fn *run;
    const void *attacks;
    size_t attack_count;
    size_t attack_size;
    size_t attack_help;
    int attack_width;           //  of the name column in --help
} peer_cli_t;

//  The table members of a peer_cli_t: flags_table (peer_flag_t) for
//  arguments of `args_type`, whose member `attack` holds --attack's value;
//  attacks_table of `attack_type` entries, each beginning with its `name`
//  and holding a `help`.
#define PEER_CLI_TABLES(flags_table, args_type, attacks_table, attack_type) \
    .flags = (flags_table), \
    .flag_count = sizeof (flags_table) / sizeof ((flags_table) [0]), \
    .attack_arg = offsetof (args_type, attack), \
    .attacks = (attacks_table), \
    .attack_count = sizeof (attacks_table) / sizeof ((attacks_table) [0]), \
    .attack_size = sizeof (attack_type), \
    .attack_help = offsetof (attack_type, help)

//  The whole of a peer's main. Starts logging on stderr and libsodium, fills
//  `args` (the program's argument struct: each flag's value is set
//  to NULL first, then to its argv string), finds the attack it
//  names and calls cli->run with a report stream of its own. Libraries may
//  print on stdout (zconfig reports syntax errors there), but a report must
//  stand alone: the stream is the real stdout, and file descriptor 1 goes to
//  stderr meanwhile. Returns the exit status: 0 after --help (the usage on
//  stdout), PEER_EXIT_USAGE on a usage or setup problem (said on stderr),
//  else what cli->run returns.
int
    peer_main (const peer_cli_t *cli, int argc, char *argv [], void *args);

//  The entry of `table` (count entries of `size` bytes, each beginning with
//  its name as a const char *) named `name`; NULL if there is none.
const void *
    peer_table_find (const void *table, size_t count, size_t size, const char *name);

//  Reads the authority's public key (CERT_KEY_BYTES) from `path` into
//  authority; 0, or -1 if it cannot be loaded.
int
    peer_authority_load (const char *path, uint8_t *authority);

//  Loads a certificate; NULL if it cannot be loaded, lacks its secret keys
//  when `with_secret`, or (if authority is not NULL) does not verify against
//  that authority key. The caller destroys it.
cert_t *
    peer_cert_load (const char *path, const uint8_t *authority, bool with_secret);

//  A new envelope of `type` from `from` to `to` ("" for the broker itself),
//  its header time moved by skew_ms, the payload signed with sign_secret and,
//  if box_key is not NULL, sealed with it. NULL if it cannot be built. The
//  caller destroys it.
envelope_t *
    peer_envelope_new (int type, const char *from, const char *to,
                       const uint8_t *payload, size_t size, int64_t skew_ms,
                       const uint8_t *sign_secret, const uint8_t *box_key);

//  As peer_envelope_new, with the header id `id` (ENVELOPE_ID_BYTES)
//  instead of a fresh one, and the header time now: a notice's, alert's,
//  receipt's or ack's id is derived (noticeid.h), so that a resend is the
//  same message.
envelope_t *
    peer_envelope_id_new (int type, const char *from, const char *to, const uint8_t *id,
                          const uint8_t *payload, size_t size,
                          const uint8_t *sign_secret, const uint8_t *box_key);

//  What a QUERY asks, all borrowed; its role is "inspector".
typedef struct {
    const char *from;
    const char *to;
    const char *item;
    const char *key;
    const char *purpose;
    const char *officer;
    int64_t skew_ms;            //  added to the header time
} peer_query_t;

//  A QUERY envelope as `query` says, as peer_envelope_new builds it; NULL
//  if it cannot be built. The caller destroys it.
envelope_t *
    peer_query_new (const peer_query_t *query, const uint8_t *sign_secret,
                    const uint8_t *box_key);

//  Self-test.
void
    peer_test (bool verbose);

#endif
