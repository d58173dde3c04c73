/*  daemon.c -- the start-up every sluice daemon shares.  */

#include "daemon.h"
#include "version.h"
#include "file.h"
#include "status.h"
#include <sodium.h>
#include <sched.h>
#include <grp.h>
#include <signal.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

//  Deeper state directories than this are not walked
#define S_STATE_DEPTH 8

int
daemon_group (const char *name, gid_t *gid, char **error)
{
    assert (name && gid);
    char buffer [16384];
    struct group entry, *found = NULL;
    if (getgrnam_r (name, &entry, buffer, sizeof (buffer), &found) == 0 && found) {
        *gid = found->gr_gid;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    unsigned long number = strtoul (name, &end, 10);
    if (*name && end && *end == 0 && errno == 0 && number < (unsigned long) (gid_t) -1) {
        *gid = (gid_t) number;
        return 0;
    }
    status_set_error (error, "no such group '%s' (see /etc/group)", name);
    return -1;
}

//  The modes of the state (README "Security model"): private to the
//  daemon's user, or shared for reading with one group
typedef struct {
    gid_t gid;                  //  (gid_t) -1: no group
    mode_t dir, file, socket;
} s_modes_t;

static void
s_modes (s_modes_t *modes, gid_t gid)
{
    bool group = gid != (gid_t) -1;
    modes->gid = gid;
    //  setgid: files created in the directory take its group
    modes->dir = group? 02750: 0700;
    modes->file = group? 0640: 0600;
    //  Connecting to a socket needs write permission
    modes->socket = group? 0660: 0600;
}

//  Gives one open file or directory its mode and group.
static int
s_secure_fd (int fd, mode_t mode, gid_t gid, const char *path, char **error)
{
    if (fchmod (fd, mode) == -1
    ||  (gid != (gid_t) -1 && fchown (fd, (uid_t) -1, gid) == -1)) {
        status_set_error (error, "%s: cannot set its mode %o%s: %s%s", path,
                          (unsigned) mode, gid != (gid_t) -1? " and group": "",
                          strerror (errno), errno == EPERM && gid != (gid_t) -1?
                          " (the daemon's user must belong to the group)": "");
        return -1;
    }
    return 0;
}

//  Gives the directory open at `dir` (named `path`) and everything in it
//  the modes, and refuses what a state directory never holds.
static int
s_secure_dir (int dir, const char *path, const s_modes_t *modes, int depth,
              char **error)
{
    if (s_secure_fd (dir, modes->dir, modes->gid, path, error))
        return -1;
    int listing = dup (dir);
    DIR *handle = listing == -1? NULL: fdopendir (listing);
    if (!handle) {
        if (listing != -1)
            close (listing);
        status_set_error (error, "%s: cannot read the directory: %s", path,
                          strerror (errno));
        return -1;
    }
    int rc = 0;
    struct dirent *entry;
    while (rc == 0 && (entry = readdir (handle))) {
        const char *name = entry->d_name;
        if (streq (name, ".") || streq (name, ".."))
            continue;
        char *inner = zsys_sprintf ("%s/%s", path, name);
        struct stat status;
        if (fstatat (dir, name, &status, AT_SYMLINK_NOFOLLOW) == -1)
            ;                   //  gone meanwhile
        else
        if (S_ISREG (status.st_mode) || (S_ISDIR (status.st_mode) && depth < S_STATE_DEPTH)) {
            //  Opened without following a link, so nothing outside the
            //  directory ever gets these modes
            int fd = openat (dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
                             | (S_ISDIR (status.st_mode)? O_DIRECTORY: 0));
            if (fd == -1)
                status_set_error (error, "%s: cannot open: %s", inner, strerror (errno));
            rc = fd == -1? -1:
                 S_ISDIR (status.st_mode)? s_secure_dir (fd, inner, modes, depth + 1, error):
                 s_secure_fd (fd, modes->file, modes->gid, inner, error);
            if (fd != -1)
                close (fd);
        }
        else
        if (S_ISSOCK (status.st_mode)) {
            //  The local API's socket, left by an earlier run
            if (fchmodat (dir, name, modes->socket, 0) == -1
            ||  (modes->gid != (gid_t) -1
            &&   fchownat (dir, name, (uid_t) -1, modes->gid, AT_SYMLINK_NOFOLLOW) == -1)) {
                status_set_error (error, "%s: cannot set its mode: %s", inner,
                                  strerror (errno));
                rc = -1;
            }
        }
        else
        if (!S_ISDIR (status.st_mode)) {
            status_set_error (error, "%s is %s: a state directory holds only the "
                              "daemon's own files (remove it, then start again)",
                              inner, file_kind (status.st_mode));
            rc = -1;
        }
        zstr_free (&inner);
    }
    closedir (handle);
    return rc;
}

//  Who holds a state lock, from the pid written in the lock file.
static char *
s_holder (int lock)
{
    char text [32] = "";
    ssize_t size = pread (lock, text, sizeof (text) - 1, 0);
    text [size > 0? size: 0] = 0;
    long pid = strtol (text, NULL, 10);
    if (pid <= 0)
        return strdup ("another process (its pid is not written yet)");
    char program [64] = "a process";
    char *path = zsys_sprintf ("/proc/%ld/comm", pid);
    FILE *comm = fopen (path, "r");
    if (comm && fgets (program, sizeof (program), comm))
        program [strcspn (program, "\n")] = 0;
    if (comm)
        fclose (comm);
    zstr_free (&path);
    return zsys_sprintf ("%s (pid %ld)", program, pid);
}

//  Creates the state directory if need be, takes its lock and makes it
//  private (see daemon.h). Returns the lock's descriptor, which the caller
//  holds while the server runs, or -1 with *error.
static int
s_state_open (const char *path, gid_t gid, char **error)
{
    s_modes_t modes;
    s_modes (&modes, gid);
    if (zsys_dir_create ("%s", path)) {
        status_set_error (error, "%s: cannot create the state directory: %s", path,
                          strerror (errno));
        return -1;
    }
    int dir = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir == -1) {
        status_set_error (error, "%s: cannot open the state directory: %s", path,
                          strerror (errno));
        return -1;
    }
    int lock = openat (dir, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK
                       | O_CLOEXEC, modes.file);
    if (lock == -1)
        status_set_error (error, "%s/lock: cannot open the state lock: %s", path,
                          strerror (errno));
    else
    if (flock (lock, LOCK_EX | LOCK_NB) == -1) {
        char *holder = s_holder (lock);
        status_set_error (error, "%s is in use by %s: one daemon per state "
                          "directory (stop that one first, or give this one "
                          "another state directory)", path, holder);
        zstr_free (&holder);
        close (lock);
        lock = -1;
    }
    else {
        char pid [32];
        int size = snprintf (pid, sizeof (pid), "%ld\n", (long) getpid ());
        if (ftruncate (lock, 0) == -1 || pwrite (lock, pid, (size_t) size, 0) != size) {
            status_set_error (error, "%s/lock: cannot write the pid: %s", path,
                              strerror (errno));
            close (lock);
            lock = -1;
        }
    }
    if (lock != -1 && s_secure_dir (dir, path, &modes, 0, error)) {
        close (lock);
        lock = -1;
    }
    close (dir);
    return lock;
}

//  Tells systemd where the daemon stands (Type=notify, sd_notify(3)): a
//  no-op unless systemd started it with NOTIFY_SOCKET set. A message that
//  cannot be sent is logged; the daemon goes on serving either way.
static void
s_notify (const char *name, const char *state)
{
    int rc = sd_notify (0, state);
    if (rc < 0)
        zsys_warning ("%s: cannot tell systemd '%.*s': %s", name,
                      (int) strcspn (state, "\n"), state, strerror (-rc));
}

//  What the hangup thread is given: its end of the control pipe and the
//  program's name
typedef struct {
    zsock_t *pipe;
    const char *name;
} s_hangup_t;

//  Turns each SIGHUP into "RELOAD" on its end of the server's control
//  pipe, until "$TERM" comes the other way, and tells systemd that the
//  daemon reloads until the server answers. Every thread has SIGHUP
//  blocked, so it stays pending for the process until this thread's
//  signalfd reads it: no handler, no shared flag. A plain thread, joined by
//  s_serve, so that its socket is closed when the server's is.
static void *
s_hangup_thread (void *args)
{
    zsock_t *pipe = ((s_hangup_t *) args)->pipe;
    const char *name = ((s_hangup_t *) args)->name;
    sigset_t hangup;
    sigemptyset (&hangup);
    sigaddset (&hangup, SIGHUP);
    int fd = signalfd (-1, &hangup, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd == -1)
        zsys_error ("daemon: SIGHUP cannot be read (signalfd: %s); it stays blocked",
                    strerror (errno));
    zmq_pollitem_t items [] = {
        { zsock_resolve (pipe), 0, ZMQ_POLLIN, 0 },
        { NULL, fd, ZMQ_POLLIN, 0 }
    };
    bool running = true;
    while (running) {
        if (zmq_poll (items, fd == -1? 1: 2, -1) == -1) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (items [0].revents & ZMQ_POLLIN) {
            //  $TERM ends the thread; the server's answer to a RELOAD
            //  (a signal) says it serves again
            zmsg_t *msg = zmsg_recv (pipe);
            bool reloaded = msg && zmsg_signal (msg) >= 0;
            char *command = msg && !reloaded? zmsg_popstr (msg): NULL;
            if (!msg || (command && streq (command, "$TERM")))
                running = false;
            if (reloaded)
                s_notify (name, "READY=1\nSTATUS=serving");
            zstr_free (&command);
            zmsg_destroy (&msg);
        }
        struct signalfd_siginfo info;
        if (running && (items [1].revents & ZMQ_POLLIN))
            while (read (fd, &info, sizeof (info)) == (ssize_t) sizeof (info)) {
                char state [96];
                snprintf (state, sizeof (state), "RELOADING=1\nSTATUS=reloading"
                          "\nMONOTONIC_USEC=%" PRId64, zclock_usecs ());
                s_notify (name, state);
                zstr_send (pipe, "RELOAD");
            }
    }
    if (fd != -1)
        close (fd);
    return NULL;
}

//  Runs the server with the state prepared and SIGHUP turned into RELOAD;
//  returns the exit code.
static int
s_serve (const daemon_t *spec, conf_t *conf, gid_t gid, FILE *err)
{
    char *error = NULL;
    int lock = -1;
    const char *state = spec->state? conf_str (conf, spec->state): NULL;
    if (state && *state && (lock = s_state_open (state, gid, &error)) == -1) {
        fprintf (err, "%s: %s\n", spec->name, error);
        zstr_free (&error);
        return 1;
    }
    void *server = spec->server_new (conf, &error);
    if (!server) {
        fprintf (err, "%s: %s\n", spec->name, error);
        zstr_free (&error);
        if (lock != -1)
            close (lock);
        return 1;
    }
    zsock_t *relay = NULL;
    zsock_t *control = zsys_create_pipe (&relay);
    s_hangup_t args = { relay, spec->name };
    pthread_t hangup;
    bool relaying = control && pthread_create (&hangup, NULL, s_hangup_thread, &args) == 0;
    if (!relaying)
        zsys_error ("%s: SIGHUP cannot be relayed; it stays blocked", spec->name);
    //  The server is bound and its sockets are up: it serves
    s_notify (spec->name, "READY=1\nSTATUS=serving");
    spec->server_run (server, control);
    s_notify (spec->name, "STOPPING=1\nSTATUS=stopping");
    spec->server_destroy (&server);
    assert (server == NULL);
    if (relaying) {
        zstr_send (control, "$TERM");
        pthread_join (hangup, NULL);
    }
    zsock_destroy (&control);
    zsock_destroy (&relay);
    //  Closing the lock's only descriptor releases it
    if (lock != -1)
        close (lock);
    return 0;
}

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
    //  Before any thread starts, so that every thread inherits it: SIGHUP
    //  waits for the hangup thread instead of ending the process
    sigset_t hangup, previous;
    sigemptyset (&hangup);
    sigaddset (&hangup, SIGHUP);
    pthread_sigmask (SIG_BLOCK, &hangup, &previous);
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
    //  Without a file, a missing setting also says how to give one
    bool hint = !config;
    gid_t gid = (gid_t) -1;
    const char *group = conf && spec->group? conf_str (conf, spec->group): NULL;
    if (group && *group && daemon_group (group, &gid, &error)) {
        char *message = zsys_sprintf ("'%s': %s", spec->group, error);
        zstr_free (&error);
        error = message;
        conf_destroy (&conf);
        hint = false;
    }
    int rc = 2;
    if (!conf) {
        fprintf (err, "%s: %s\n", spec->name, error);
        if (hint)
            fprintf (err, "%s: give --config FILE (see --help)\n", spec->name);
        zstr_free (&error);
    }
    else {
        //  Whatever the daemon creates is private to its user, or readable
        //  by the group only
        mode_t mask = umask (gid == (gid_t) -1? 077: 027);
        rc = s_serve (spec, conf, gid, err);
        umask (mask);
        conf_destroy (&conf);
    }
    pthread_sigmask (SIG_SETMASK, &previous, NULL);
    return rc;
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
    { "test/state", CONF_PATH, false, 0, 0, "state", "state directory" },
    { "test/group", CONF_STRING, false, 0, 0, "", "group sharing the state" },
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
s_test_run (void *server, zsock_t *control)
{
    assert (control);
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
        open_memstream (out, &out_size), open_memstream (err, &err_size),
        "test/state", "test/group"
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

//  Mode bits (with setgid) and group of a path
static mode_t
s_test_mode (const char *path, gid_t *gid)
{
    struct stat status;
    assert (lstat (path, &status) == 0);
    if (gid)
        *gid = status.st_gid;
    return status.st_mode & 07777;
}

//  The state directory: private, locked, refusing what it never holds
static void
s_test_state (const char *dir, const char *config)
{
    char state [128], lock [160], db [160], odd [160];
    snprintf (state, sizeof (state), "%s/state", dir);
    snprintf (lock, sizeof (lock), "%s/lock", state);
    snprintf (db, sizeof (db), "%s/audit.db", state);
    snprintf (odd, sizeof (odd), "%s/odd.db", state);
    char *out, *err, *text;

    //  A state directory and a file as an earlier version left them, open
    //  to everyone: private after a start, the lock holding our pid
    assert (zsys_dir_create ("%s", state) == 0);
    assert (chmod (state, 0755) == 0);
    FILE *file = fopen (db, "w");
    assert (file);
    fclose (file);
    assert (chmod (db, 0644) == 0);
    int rc = s_test_main (&out, &err, "--config", config, NULL);
    assert (rc == 0);
    assert (s_test_mode (state, NULL) == 0700);
    assert (s_test_mode (db, NULL) == 0600);
    assert (s_test_mode (lock, NULL) == 0600);
    text = s_test_slurp (lock);
    assert (text && atol (text) == (long) getpid ());
    zstr_free (&text);
    zstr_free (&out);
    zstr_free (&err);

    //  Shared with a group (ours): setgid directory, files of the group
    gid_t gid = getegid ();
    char group [32];
    snprintf (group, sizeof (group), "%u", (unsigned) gid);
    rc = s_test_main (&out, &err, "--config", config, "--group", group, NULL);
    assert (rc == 0);
    gid_t owner;
    assert (s_test_mode (state, &owner) == 02750 && owner == gid);
    assert (s_test_mode (db, &owner) == 0640 && owner == gid);
    zstr_free (&out);
    zstr_free (&err);
    rc = s_test_main (&out, &err, "--config", config, "--group", "no-such-group-x", NULL);
    assert (rc == 2);
    assert (strstr (err, "'test/group': no such group 'no-such-group-x'"));
    assert (!strstr (err, "give --config"));
    zstr_free (&out);
    zstr_free (&err);

    //  A second daemon on a held state directory is refused, naming the
    //  holder; nothing of it starts
    int held = open (lock, O_RDWR);
    assert (held >= 0 && flock (held, LOCK_EX | LOCK_NB) == 0);
    char log [128];
    snprintf (log, sizeof (log), "%s/server.log", dir);
    remove (log);
    rc = s_test_main (&out, &err, "--config", config, NULL);
    assert (rc == 1);
    char expected [128];
    snprintf (expected, sizeof (expected), "state is in use by sluice-selftest (pid %ld)",
              (long) getpid ());
    assert (strstr (err, expected));
    assert (!zsys_file_exists (log));
    zstr_free (&out);
    zstr_free (&err);
    close (held);

    //  A FIFO (which SQLite would wait on forever) or a symbolic link in the
    //  state directory stops the start
    assert (mkfifo (odd, 0600) == 0);
    rc = s_test_main (&out, &err, "--config", config, NULL);
    assert (rc == 1);
    assert (strstr (err, "odd.db is a FIFO: a state directory holds only"));
    zstr_free (&out);
    zstr_free (&err);
    remove (odd);
    assert (symlink ("/etc/passwd", odd) == 0);
    rc = s_test_main (&out, &err, "--config", config, NULL);
    assert (rc == 1);
    assert (strstr (err, "odd.db is a symbolic link"));
    zstr_free (&out);
    zstr_free (&err);
    remove (odd);

    remove (log);
    remove (lock);
    remove (db);
    zsys_dir_delete ("%s", state);
}

//  Under systemd (NOTIFY_SOCKET set): READY=1 once the server is up, then
//  STOPPING=1 when it stops; a socket that is not there stops nothing
static void
s_test_notify (const char *dir, const char *config)
{
    char path [128];
    snprintf (path, sizeof (path), "%s/notify", dir);
    int listener = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert (listener >= 0);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    assert (strlen (path) < sizeof (address.sun_path));
    strcpy (address.sun_path, path);
    assert (bind (listener, (struct sockaddr *) &address, sizeof (address)) == 0);
    char *before = getenv ("NOTIFY_SOCKET")? strdup (getenv ("NOTIFY_SOCKET")): NULL;
    setenv ("NOTIFY_SOCKET", path, 1);
    char *out, *err;
    int rc = s_test_main (&out, &err, "--config", config, NULL);
    assert (rc == 0);
    zstr_free (&out);
    zstr_free (&err);
    const char *expected [] = { "READY=1\nSTATUS=serving", "STOPPING=1\nSTATUS=stopping" };
    for (size_t index = 0; index < 2; index++) {
        char datagram [256];
        ssize_t size = recv (listener, datagram, sizeof (datagram) - 1, MSG_DONTWAIT);
        assert (size > 0);
        datagram [size] = 0;
        assert (streq (datagram, expected [index]));
    }
    assert (recv (listener, path, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN);
    close (listener);
    remove (path);
    //  Nobody listens: the daemon runs and stops as before
    rc = s_test_main (&out, &err, "--config", config, NULL);
    assert (rc == 0);
    zstr_free (&out);
    zstr_free (&err);
    if (before)
        setenv ("NOTIFY_SOCKET", before, 1);
    else
        unsetenv ("NOTIFY_SOCKET");
    free (before);
    snprintf (path, sizeof (path), "%s/state/lock", dir);
    remove (path);
    zsys_dir_delete ("%s/state", dir);
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

    //  Flags alone are a configuration too (the state directory's default
    //  would be relative to the working directory)
    char state [128];
    snprintf (state, sizeof (state), "%s/state", dir);
    rc = s_test_main (&out, &err, "--log", log, "--state", state, NULL);
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

    s_test_state (dir, config);
    s_test_notify (dir, config);
    remove (log);
    remove (config);
    remove (broken);
    zsys_dir_delete (dir);
    if (verbose)
        printf ("OK\n");
}
