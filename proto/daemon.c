/*  daemon.c -- the start-up every sluice daemon shares.  */

#include "daemon.h"
#include "version.h"
#include <sodium.h>
#include <sched.h>

int
daemon_main (int argc, char **argv, const daemon_t *spec)
{
    assert (spec);
    assert (spec->name && spec->schema && spec->usage);
    assert (spec->server_new && spec->server_run && spec->server_destroy);
    FILE *out = spec->out? spec->out: stdout;
    FILE *err = spec->err? spec->err: stderr;

    //  --version and --help win wherever they stand; --config FILE is the
    //  only flag read here, conf_apply_flags below takes the settings
    if (version_asked (argc, argv, spec->name, out))
        return 0;
    const char *config = NULL;
    for (int index = 1; index < argc; index++) {
        if (streq (argv [index], "--help") || streq (argv [index], "-h")) {
            spec->usage (out);
            return 0;
        }
        if (streq (argv [index], "--config") && index + 1 < argc)
            config = argv [++index];
    }
    if (sodium_init () < 0) {
        fprintf (err, "%s: libsodium failed to initialise\n", spec->name);
        return 1;
    }
    zsys_init ();
    zsys_set_logident (spec->name);
#ifdef SCHED_BATCH
    //  ZeroMQ's I/O threads only move bytes for the daemon's own thread: as
    //  batch threads their wakeups do not preempt it in the middle of a
    //  signature, so each wakeup carries more messages and there are far
    //  fewer context switches (DESIGN.md 6). They keep their full share of
    //  the CPU; only wakeup preemption changes.
    zsys_set_thread_sched_policy (SCHED_BATCH);
#endif
    char *error = NULL;
    conf_t *conf = config? conf_load (config, spec->schema, &error)
                         : conf_new (spec->schema);
    const char *own [] = { "--config", NULL };
    const char *switches [] = { "--help", "-h", NULL };
    if (conf && (conf_apply_flags (conf, argc - 1, argv + 1, own, switches, &error)
             ||  conf_check (conf, &error)))
        conf_destroy (&conf);
    if (!conf) {
        fprintf (err, "%s: %s\n", spec->name, error);
        if (!config)
            fprintf (err, "%s: give --config FILE (see --help)\n", spec->name);
        zstr_free (&error);
        return 2;
    }
    void *server = spec->server_new (conf, &error);
    if (!server) {
        fprintf (err, "%s: %s\n", spec->name, error);
        zstr_free (&error);
        conf_destroy (&conf);
        return 1;
    }
    spec->server_run (server);
    spec->server_destroy (&server);
    assert (server == NULL);
    conf_destroy (&conf);
    return 0;
}


//  --------------------------------------------------------------------------
//  Self test: a daemon whose server writes what happens to it into the file
//  its configuration names, so the test sees each step without shared state.
//  daemon_main sets the process's log ident, so the test daemon takes the
//  name of the program that runs the self-tests.

static const conf_key_t s_test_schema [] = {
    { "test/log", CONF_PATH, true, 0, 0, NULL, "where the server writes" },
    { "test/heartbeat-ms", CONF_INTEGER, false, 10, 60000, "500",
      "heartbeat interval" },
    { NULL }
};

static void
s_test_usage (FILE *file)
{
    fprintf (file, "usage: sluice-selftest --config FILE\n");
    conf_print_help (s_test_schema, file);
}

//  Refuses a heartbeat of 13 ms, to show how a server that cannot start
//  is reported
static void *
s_test_new (conf_t *conf, char **error)
{
    if (conf_int (conf, "test/heartbeat-ms") == 13) {
        *error = strdup ("heartbeat 13 is unlucky");
        return NULL;
    }
    FILE *log = fopen (conf_str (conf, "test/log"), "w");
    assert (log);
    fprintf (log, "new %d\n", (int) conf_int (conf, "test/heartbeat-ms"));
    return log;
}

static void
s_test_run (void *server)
{
    fprintf ((FILE *) server, "run\n");
}

static void
s_test_destroy (void **server_p)
{
    assert (server_p);
    if (*server_p) {
        fprintf ((FILE *) *server_p, "destroy\n");
        fclose ((FILE *) *server_p);
        *server_p = NULL;
    }
}

//  Runs daemon_main with the arguments (NULL-terminated after the program
//  name) and returns its exit code; *out and *err get what it printed
//  (fresh strings).
static int
s_test_main (char **out, char **err, char *first, ...)
{
    char *argv [16] = { "sluice-selftest", first };
    int argc = first? 2: 1;
    va_list args;
    va_start (args, first);
    while (first && argc < 15 && (argv [argc] = va_arg (args, char *)))
        argc++;
    va_end (args);

    size_t out_size, err_size;
    daemon_t spec = {
        "sluice-selftest", s_test_schema, s_test_usage,
        s_test_new, s_test_run, s_test_destroy,
        open_memstream (out, &out_size), open_memstream (err, &err_size)
    };
    assert (spec.out && spec.err);
    int rc = daemon_main (argc, argv, &spec);
    fclose (spec.out);
    fclose (spec.err);
    return rc;
}

//  The file's whole text as a fresh string, or NULL if there is no file
static char *
s_test_slurp (const char *path)
{
    FILE *file = fopen (path, "r");
    if (!file)
        return NULL;
    char text [256];
    size_t size = fread (text, 1, sizeof (text) - 1, file);
    fclose (file);
    text [size] = 0;
    return strdup (text);
}

void
daemon_test (bool verbose)
{
    if (verbose)
        printf (" * daemon: ");

    char dir [64];
    snprintf (dir, sizeof (dir), "/tmp/sluice-daemon-%d", getpid ());
    zsys_dir_create (dir);
    char config [128], broken [128], missing [128], log [128];
    snprintf (config, sizeof (config), "%s/test.cfg", dir);
    snprintf (broken, sizeof (broken), "%s/broken.cfg", dir);
    snprintf (missing, sizeof (missing), "%s/none.cfg", dir);
    snprintf (log, sizeof (log), "%s/server.log", dir);
    FILE *file = fopen (config, "w");
    assert (file);
    fprintf (file, "test\n    log = \"server.log\"\n    heartbeat-ms = 200\n");
    fclose (file);
    file = fopen (broken, "w");
    assert (file);
    fprintf (file, "test\n    log = \"server.log\"\n    heartbeat = 200\n");
    fclose (file);
    char *out, *err, *text;

    //  --help (or -h) anywhere prints the usage and nothing starts
    int rc = s_test_main (&out, &err, "--bogus", "--help", NULL);
    assert (rc == 0);
    assert (streq (err, ""));
    assert (strstr (out, "usage: sluice-selftest --config FILE"));
    assert (strstr (out, "heartbeat interval"));
    zstr_free (&out);
    zstr_free (&err);
    rc = s_test_main (&out, &err, "-h", NULL);
    assert (rc == 0);
    assert (strstr (out, "usage: sluice-selftest"));
    zstr_free (&out);
    zstr_free (&err);
    //  So does --version, with the version of version.h
    rc = s_test_main (&out, &err, "--config", config, "--version", NULL);
    assert (rc == 0);
    assert (streq (out, "sluice-selftest " SLUICE_VERSION " (protocol 1)\n"));
    assert (streq (err, ""));
    zstr_free (&out);
    zstr_free (&err);
    assert (!zsys_file_exists (log));

    //  The configuration file starts the server: new, run, destroy
    rc = s_test_main (&out, &err, "--config", config, NULL);
    assert (rc == 0);
    assert (streq (out, ""));
    assert (streq (err, ""));
    text = s_test_slurp (log);
    assert (text && streq (text, "new 200\nrun\ndestroy\n"));
    zstr_free (&text);
    zstr_free (&out);
    zstr_free (&err);

    //  A flag overrides one setting, before or after --config
    rc = s_test_main (&out, &err, "--heartbeat-ms", "300", "--config", config, NULL);
    assert (rc == 0);
    text = s_test_slurp (log);
    assert (text && streq (text, "new 300\nrun\ndestroy\n"));
    zstr_free (&text);
    zstr_free (&out);
    zstr_free (&err);
    remove (log);

    //  Flags alone are a configuration too
    rc = s_test_main (&out, &err, "--log", log, NULL);
    assert (rc == 0);
    text = s_test_slurp (log);
    assert (text && streq (text, "new 500\nrun\ndestroy\n"));
    zstr_free (&text);
    zstr_free (&out);
    zstr_free (&err);
    remove (log);

    //  Bad command lines and configurations: exit code 2, what is wrong on
    //  stderr, and the server never starts
    rc = s_test_main (&out, &err, "--config", config, "--bogus", "1", NULL);
    assert (rc == 2);
    assert (streq (out, ""));
    assert (streq (err, "sluice-selftest: unknown flag '--bogus' (see --help)\n"));
    zstr_free (&out);
    zstr_free (&err);

    rc = s_test_main (&out, &err, "--config", config, "--heartbeat-ms", "5", NULL);
    assert (rc == 2);
    assert (strstr (err, "sluice-selftest: 'test/heartbeat-ms' = \"5\""));
    assert (strstr (err, "between"));
    zstr_free (&out);
    zstr_free (&err);

    rc = s_test_main (&out, &err, "--config", config, "stray", NULL);
    assert (rc == 2);
    assert (streq (err, "sluice-selftest: unexpected argument 'stray'\n"));
    zstr_free (&out);
    zstr_free (&err);

    rc = s_test_main (&out, &err, "--config", config, "--heartbeat-ms", NULL);
    assert (rc == 2);
    assert (streq (err, "sluice-selftest: --heartbeat-ms needs a value\n"));
    zstr_free (&out);
    zstr_free (&err);

    rc = s_test_main (&out, &err, "--config", missing, NULL);
    assert (rc == 2);
    assert (strstr (err, "sluice-selftest: "));
    assert (strstr (err, "none.cfg: cannot read the configuration file"));
    assert (!strstr (err, "give --config"));
    zstr_free (&out);
    zstr_free (&err);

    rc = s_test_main (&out, &err, "--config", broken, NULL);
    assert (rc == 2);
    assert (strstr (err, "broken.cfg:3: unknown setting 'test/heartbeat': "
                       "did you mean 'test/heartbeat-ms'?"));
    zstr_free (&out);
    zstr_free (&err);

    //  Without --config a missing setting also says how to give one; so
    //  does a --config that lacks its file name
    const char *hint = "sluice-selftest: missing required setting 'test/log' "
                       "(where the server writes)\n"
                       "sluice-selftest: give --config FILE (see --help)\n";
    rc = s_test_main (&out, &err, NULL);
    assert (rc == 2);
    assert (streq (err, hint));
    zstr_free (&out);
    zstr_free (&err);
    rc = s_test_main (&out, &err, "--config", NULL);
    assert (rc == 2);
    assert (streq (err, hint));
    zstr_free (&out);
    zstr_free (&err);
    assert (!zsys_file_exists (log));

    //  A server that cannot start: exit code 1 with its reason
    rc = s_test_main (&out, &err, "--config", config, "--heartbeat-ms", "13", NULL);
    assert (rc == 1);
    assert (streq (err, "sluice-selftest: heartbeat 13 is unlucky\n"));
    zstr_free (&out);
    zstr_free (&err);
    assert (!zsys_file_exists (log));

    remove (config);
    remove (broken);
    zsys_dir_delete (dir);
    if (verbose)
        printf ("OK\n");
}
