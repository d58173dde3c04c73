/*  daemon.h -- the start-up every sluice daemon shares.

    sluice-broker and sluice-gateway start the same way: --help prints the
    usage, the configuration comes from --config FILE (or from defaults)
    with flags overriding single settings, and a configuration that does not
    pass its schema stops the program before anything opens. A daemon
    describes itself in a daemon_t and hands its main() to daemon_main.

    Exit codes: 0 after --help or a clean stop, 2 for a bad command line or
    configuration, 1 if libsodium or the server cannot start. Messages go to
    stderr as "PROGRAM: what is wrong".
*/
#ifndef SLUICE_DAEMON_H_INCLUDED
#define SLUICE_DAEMON_H_INCLUDED

#include "conf.h"
#include <stdio.h>

typedef struct {
    const char *name;           //  program name: messages and log ident
    const conf_key_t *schema;   //  the settings it accepts
    //  Prints the --help text to file
    void (*usage) (FILE *file);
    //  Builds the server from a checked configuration, which outlives it.
    //  Returns NULL and sets *error (fresh string) if it cannot start.
    void *(*server_new) (conf_t *conf, char **error);
    //  Serves until SIGTERM or SIGINT
    void (*server_run) (void *server);
    //  Destroys the server and nulls the pointer
    void (*server_destroy) (void **server_p);
    //  Where the usage and the messages go; NULL means stdout and stderr
    FILE *out;
    FILE *err;
} daemon_t;

//  Runs the daemon that spec describes with the program's arguments, and
//  returns the program's exit code (see above).
int
    daemon_main (int argc, char **argv, const daemon_t *spec);

void
    daemon_test (bool verbose);

#endif
