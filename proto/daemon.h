/*  daemon.h -- the start-up every sluice daemon shares.

    sluice-broker and sluice-gateway start the same way: --help prints the
    usage, the configuration comes from --config FILE (or from defaults)
    with flags overriding single settings, and a configuration that does not
    pass its schema stops the program before anything opens. A daemon
    describes itself in a daemon_t and hands its main() to daemon_main.

    Exit codes: 0 after --help, --version or a clean stop, 2 for a bad
    command line or configuration, 1 if libsodium or the server cannot
    start. Messages go to stderr as "PROGRAM: what is wrong".

    The host boundary (README "Security model"): before the server starts,
    the daemon sets its umask and makes its state directory private, 0700
    with files 0600, or, with a group setting, 02750 and 0640 owned by that
    group (new files inherit the group); it refuses a FIFO, a device or a
    symbolic link there, which SQLite would open blindly. It then holds
    STATE/lock (flock, with its pid written in it) for as long as it runs:
    a second daemon on the same state directory refuses to start and names
    the one that holds it; the kernel releases the lock when the process
    ends, however it ends.

    SIGHUP is blocked in every thread and read from a signalfd by a small
    thread, which turns each one into "RELOAD" on the server's control
    socket; the server reloads what its files hold (broker.h, gateway.h)
    and answers with a signal (zsock_signal).

    Under systemd (Type=notify, NOTIFY_SOCKET set) the daemon says where it
    stands with sd_notify: READY=1 once the server is built (the broker
    bound, the gateway's sockets up), RELOADING=1 from a SIGHUP until the
    server answers it, then READY=1 again, and STOPPING=1 when it stops,
    each with a STATUS= line. Without NOTIFY_SOCKET nothing is sent.
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
    //  Serves until SIGTERM or SIGINT. `control` carries "RELOAD" at each
    //  SIGHUP, which the server answers with zsock_signal once reloaded.
    void (*server_run) (void *server, zsock_t *control);
    //  Destroys the server and nulls the pointer
    void (*server_destroy) (void **server_p);
    //  Where the usage and the messages go; NULL means stdout and stderr
    FILE *out;
    FILE *err;
    //  The setting that names the state directory (e.g. "broker/state"),
    //  and the one that names the group sharing it (NULL if none)
    const char *state;
    const char *group;
} daemon_t;

//  Runs the daemon that spec describes with the program's arguments, and
//  returns the program's exit code (see above).
int
    daemon_main (int argc, char **argv, const daemon_t *spec);

//  The group named `name` (a group name or a number), for settings like
//  gateway/group. Returns 0 with *gid set, or -1 with *error (fresh).
int
    daemon_group (const char *name, gid_t *gid, char **error);

void
    daemon_test (bool verbose);

#endif
