/*  loader.c -- the broker's trust, read off its loop.

    An actor (one thread, one zloop) holds the certificates directory open
    and, every second, lists it again: the *.cert names, sorted, each with
    what fstatat says of it (its stamp: device, inode, size, modification
    and change times), and the revocation list's stamp. A digest of that
    listing is the state of the files; when it differs from the state at
    the last read that ended (read in full, or refused), or a read is
    owed (one asked for, one that ran short of descriptors), the actor
    reads a new trust store and sends it, or why not, on its pipe:

        "iips"  result (loader_result_t), forced (0 or 1), the store (a
                pointer, owned by the receiver; NULL unless LOADED), and
                the error text ("" if none)

    The files read are kept, each with the stamp it had when listed: a file
    whose stamp has not changed is not opened again, its certificate is
    copied from what was read (and verified again by the new store). A file
    rewritten between its listing and its read is read again at the next
    look, since its stamp will differ then. A read asked for
    (loader_reload) first forgets every file read.

    What the actor sent and nobody took (the broker stopping) is freed at
    loader_destroy: "STOP" makes the actor stop reading and answer
    "STOPPED", and everything before that answer is drained, then "$TERM"
    ends it.
*/

#include "loader.h"
#include "cert.h"
#include "certtext.h"
#include "crl.h"
#include "status.h"
#include <sodium.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <unistd.h>

//  How often the files are looked at, and a read owed tried again
#define S_LOOK_MS 1000

//  What fstatat says of a file: any rewrite, replacement or removal
//  changes one of these. An inode of 0 is "not known": read every time.
typedef struct {
    uint64_t device, inode, size;
    int64_t modified_ns, changed_ns;
} s_stamp_t;

//  A *.cert name of the directory, as listed
typedef struct {
    char *name;
    s_stamp_t stamp;
} s_listed_t;

//  A certificate file as last read
typedef struct {
    s_stamp_t stamp;
    cert_t *cert;               //  as parsed; each store verifies its copy
    uint64_t read;              //  the read that last found it listed
} s_file_t;

//  The actor's state
typedef struct {
    uint8_t authority [32];
    char *certs;                //  the certificates directory
    char *crl;                  //  the revocation list, "" if none
    DIR *directory;             //  held open, listed again at each look
    uint64_t directory_device, directory_inode;
    zhashx_t *files;            //  name -> s_file_t, what was read
    uint64_t reads;             //  reads begun
    uint8_t seen [crypto_generichash_BYTES];   //  the state at the last read ended
    bool owed;                  //  a read is owed whatever the state
    bool forced;                //  the read owed was asked for
    bool stopped;               //  told to send nothing more
    zsock_t *pipe;
} s_watch_t;

struct _loader_t {
    zactor_t *actor;
};

static bool
s_transient (int error)
{
    return error == EMFILE || error == ENFILE || error == ENOMEM;
}

static void
s_stamp (const struct stat *status, s_stamp_t *stamp)
{
    stamp->device = (uint64_t) status->st_dev;
    stamp->inode = (uint64_t) status->st_ino;
    stamp->size = (uint64_t) status->st_size;
    stamp->modified_ns = (int64_t) status->st_mtim.tv_sec * 1000000000
                       + status->st_mtim.tv_nsec;
    stamp->changed_ns = (int64_t) status->st_ctim.tv_sec * 1000000000
                      + status->st_ctim.tv_nsec;
}

static bool
s_same_stamp (const s_stamp_t *one, const s_stamp_t *other)
{
    return one->inode != 0 && memcmp (one, other, sizeof (s_stamp_t)) == 0;
}

static void
s_listed_destroy (s_listed_t **listed_p)
{
    if (*listed_p) {
        free ((*listed_p)->name);
        free (*listed_p);
        *listed_p = NULL;
    }
}

static int
s_listed_compare (const void *one, const void *other)
{
    return strcmp (((const s_listed_t *) one)->name, ((const s_listed_t *) other)->name);
}

static void
s_file_destroy (s_file_t **file_p)
{
    if (*file_p) {
        cert_destroy (&(*file_p)->cert);
        free (*file_p);
        *file_p = NULL;
    }
}

static void
s_watch_destroy (s_watch_t **self_p)
{
    if (*self_p) {
        s_watch_t *self = *self_p;
        if (self->directory)
            closedir (self->directory);
        zhashx_destroy (&self->files);
        free (self->certs);
        free (self->crl);
        free (self);
        *self_p = NULL;
    }
}

static s_watch_t *
s_watch_new (const uint8_t *authority, const char *certs, const char *crl)
{
    s_watch_t *self = (s_watch_t *) zmalloc (sizeof (s_watch_t));
    assert (self);
    memcpy (self->authority, authority, 32);
    self->certs = strdup (certs);
    self->crl = strdup (crl? crl: "");
    self->files = zhashx_new ();
    assert (self->certs && self->crl && self->files);
    zhashx_set_destructor (self->files, (zhashx_destructor_fn *) s_file_destroy);
    self->owed = true;                  //  the first read
    return self;
}


//  --------------------------------------------------------------------------
//  Looking at the files

//  The *.cert names of the directory, sorted, with their stamps; NULL and
//  errno if it cannot be listed. The directory stays open between looks;
//  one put in its place (another inode) is opened anew.
static zlistx_t *
s_list (s_watch_t *self)
{
    struct stat status;
    if (stat (self->certs, &status))
        return NULL;
    if (!S_ISDIR (status.st_mode)) {
        errno = ENOTDIR;
        return NULL;
    }
    if (self->directory && (self->directory_device != (uint64_t) status.st_dev
                        ||  self->directory_inode != (uint64_t) status.st_ino)) {
        closedir (self->directory);
        self->directory = NULL;
    }
    if (self->directory)
        rewinddir (self->directory);
    else {
        self->directory = opendir (self->certs);
        if (!self->directory)
            return NULL;
        self->directory_device = (uint64_t) status.st_dev;
        self->directory_inode = (uint64_t) status.st_ino;
    }
    zlistx_t *names = zlistx_new ();
    if (!names) {
        errno = ENOMEM;
        return NULL;
    }
    zlistx_set_destructor (names, (zlistx_destructor_fn *) s_listed_destroy);
    zlistx_set_comparator (names, s_listed_compare);
    int fd = dirfd (self->directory);
    struct dirent *entry;
    errno = 0;
    while ((entry = readdir (self->directory))) {
        size_t length = strlen (entry->d_name);
        if (length <= 5 || !streq (entry->d_name + length - 5, ".cert"))
            continue;
        s_listed_t *listed = (s_listed_t *) zmalloc (sizeof (s_listed_t));
        assert (listed);
        listed->name = strdup (entry->d_name);
        assert (listed->name);
        struct stat file;
        //  One that cannot be looked at is read every time: its read says why
        if (fstatat (fd, entry->d_name, &file, 0) == 0)
            s_stamp (&file, &listed->stamp);
        zlistx_add_end (names, listed);
        errno = 0;
    }
    if (errno) {
        int cause = errno;
        zlistx_destroy (&names);
        errno = cause;
        return NULL;
    }
    zlistx_sort (names);
    return names;
}

//  The digest of the files' state: the directory listed (or why it cannot
//  be: `cause`), and the revocation list's stamp
static void
s_state (s_watch_t *self, zlistx_t *names, int cause, uint8_t *digest)
{
    crypto_generichash_state state;
    crypto_generichash_init (&state, NULL, 0, crypto_generichash_BYTES);
    int64_t failure = cause;
    crypto_generichash_update (&state, (const uint8_t *) &failure, sizeof (failure));
    for (s_listed_t *listed = names? (s_listed_t *) zlistx_first (names): NULL; listed;
         listed = (s_listed_t *) zlistx_next (names)) {
        crypto_generichash_update (&state, (const uint8_t *) listed->name,
                                   strlen (listed->name) + 1);
        crypto_generichash_update (&state, (const uint8_t *) &listed->stamp,
                                   sizeof (listed->stamp));
    }
    s_stamp_t crl;
    memset (&crl, 0, sizeof (crl));
    struct stat status;
    if (*self->crl && stat (self->crl, &status) == 0)
        s_stamp (&status, &crl);
    crypto_generichash_update (&state, (const uint8_t *) &crl, sizeof (crl));
    crypto_generichash_final (&state, digest, crypto_generichash_BYTES);
}


//  --------------------------------------------------------------------------
//  Reading the trust

//  The certificate of one listed file: the one read before if its stamp is
//  the same, else read now. NULL if the file is refused (logged) or, with
//  *cause set (EMFILE, ENFILE, ENOMEM), cannot be read for want of
//  descriptors or memory.
static cert_t *
s_file_cert (s_watch_t *self, s_listed_t *listed, int *cause)
{
    *cause = 0;
    s_file_t *file = (s_file_t *) zhashx_lookup (self->files, listed->name);
    if (!file || !s_same_stamp (&file->stamp, &listed->stamp)) {
        zhashx_delete (self->files, listed->name);
        char *path = zsys_sprintf ("%s/%s", self->certs, listed->name);
        char *why = NULL;
        errno = 0;
        cert_t *cert = path? certtext_load (path, &why): NULL;
        int error = path? errno: ENOMEM;
        if (!cert && s_transient (error))
            *cause = error;
        else
        if (!cert)
            zsys_warning ("broker: certificate %s", why? why: path);
        zstr_free (&why);
        zstr_free (&path);
        if (!cert)
            return NULL;
        file = (s_file_t *) zmalloc (sizeof (s_file_t));
        assert (file);
        file->stamp = listed->stamp;
        file->cert = cert;
        zhashx_insert (self->files, listed->name, file);
    }
    file->read = self->reads;
    cert_t *copy = cert_dup (file->cert);
    if (!copy)
        *cause = ENOMEM;
    return copy;
}

//  Forgets the files a complete read did not find listed
static void
s_forget_unlisted (s_watch_t *self)
{
    zlist_t *gone = zlist_new ();
    assert (gone);
    for (s_file_t *file = (s_file_t *) zhashx_first (self->files); file;
         file = (s_file_t *) zhashx_next (self->files))
        if (file->read != self->reads)
            zlist_append (gone, (void *) zhashx_cursor (self->files));
    for (const char *name = (const char *) zlist_first (gone); name;
         name = (const char *) zlist_next (gone))
        zhashx_delete (self->files, name);
    zlist_destroy (&gone);
}

//  Why the certificates directory cannot be read (errno `cause`): files
//  that are wrong, or a shortage
static loader_result_t
s_unreadable (s_watch_t *self, int cause, char **error)
{
    status_set_error (error, "cannot read certificates directory %s: %s", self->certs,
                      strerror (cause? cause: EIO));
    return s_transient (cause)? LOADER_RETRY: LOADER_REFUSED;
}

//  Reads a new trust store from the listed certificates (NULL: the
//  directory could not be listed, errno `cause`) and the revocation list.
//  LOADED and *trust_p, or why not in *error.
static loader_result_t
s_read (s_watch_t *self, zlistx_t *names, int cause, truststore_t **trust_p, char **error)
{
    if (!names)
        return s_unreadable (self, cause, error);
    truststore_t *trust = truststore_new (self->authority);
    if (!trust)
        return s_unreadable (self, ENOMEM, error);
    self->reads++;
    for (s_listed_t *listed = (s_listed_t *) zlistx_first (names); listed;
         listed = (s_listed_t *) zlistx_next (names)) {
        cert_t *cert = s_file_cert (self, listed, &cause);
        if (cause) {
            //  Nothing half read is put in service; what was read is kept
            truststore_destroy (&trust);
            return s_unreadable (self, cause, error);
        }
        if (!cert)
            continue;
        status_t status = truststore_add (trust, &cert);
        if (status != STATUS_OK)
            zsys_warning ("broker: certificate %s/%s: refused: %s", self->certs,
                          listed->name, status_text (status));
    }
    s_forget_unlisted (self);
    if (*self->crl && zsys_file_exists (self->crl)) {
        errno = 0;
        crl_t *crl = crl_load (self->crl, error);
        int crl_cause = errno;
        if (!crl) {
            truststore_destroy (&trust);
            return s_transient (crl_cause)? LOADER_RETRY: LOADER_REFUSED;
        }
        if (truststore_set_crl (trust, &crl) != STATUS_OK) {
            status_set_error (error, "%s: revocation list not signed by the authority",
                              self->crl);
            truststore_destroy (&trust);
            return LOADER_REFUSED;
        }
    }
    *trust_p = trust;
    return LOADER_LOADED;
}

//  Sends a read's end on the pipe
static void
s_send (s_watch_t *self, loader_result_t result, truststore_t *trust, const char *error)
{
    if (zsock_send (self->pipe, "iips", (int) result, self->forced? 1: 0, (void *) trust,
                    error? error: ""))
        truststore_destroy (&trust);
    self->forced = false;
}

//  Looks at the files and reads the trust if they changed since the last
//  read that ended, or a read is owed
static void
s_look (s_watch_t *self)
{
    if (self->stopped)
        return;
    zlistx_t *names = s_list (self);
    int cause = names? 0: errno;
    if (!names && s_transient (cause)) {
        //  The directory was replaced and cannot be opened now: whether
        //  anything changed is not known until it can
        if (self->owed) {
            char *error = NULL;
            s_send (self, s_unreadable (self, cause, &error), NULL, error);
            zstr_free (&error);
        }
        return;
    }
    uint8_t state [crypto_generichash_BYTES];
    s_state (self, names, cause, state);
    if (self->owed || memcmp (state, self->seen, sizeof (state))) {
        truststore_t *trust = NULL;
        char *error = NULL;
        loader_result_t result = s_read (self, names, cause, &trust, &error);
        self->owed = result == LOADER_RETRY;
        if (result != LOADER_RETRY)
            memcpy (self->seen, state, sizeof (state));
        s_send (self, result, trust, error);
        zstr_free (&error);
    }
    zlistx_destroy (&names);
}

//  A look, and the next one a second after this one ended: on a loaded
//  machine a look that took long is not followed by another at once
static int
s_look_timer (zloop_t *loop, int timer_id, void *argument)
{
    s_look ((s_watch_t *) argument);
    zloop_timer (loop, S_LOOK_MS, 1, s_look_timer, argument);
    return 0;
}

//  "RELOAD" reads every file again now; "STOP" ends the reads, answered
//  "STOPPED"; anything else ("$TERM") ends the actor
static int
s_pipe_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    s_watch_t *self = (s_watch_t *) argument;
    char *command = zstr_recv (reader);
    int rc = 0;
    if (command && streq (command, "RELOAD")) {
        zhashx_purge (self->files);
        self->owed = self->forced = true;
        s_look (self);
    }
    else
    if (command && streq (command, "STOP")) {
        self->stopped = true;
        zstr_send (reader, "STOPPED");
    }
    else
        rc = -1;
    zstr_free (&command);
    return rc;
}

static void
s_loader_actor (zsock_t *pipe, void *argument)
{
    s_watch_t *self = (s_watch_t *) argument;
    self->pipe = pipe;
    zsock_signal (pipe, 0);
    s_look (self);                      //  the first read, owed
    zloop_t *loop = zloop_new ();
    assert (loop);
    //  Ended by its owner only: SIGTERM stops the broker's loop, which then
    //  stops this one (loader_destroy)
    zloop_set_nonstop (loop, true);
    zloop_reader (loop, pipe, s_pipe_event, self);
    zloop_timer (loop, S_LOOK_MS, 1, s_look_timer, self);
    zloop_start (loop);
    zloop_destroy (&loop);
    s_watch_destroy (&self);
}

//  Stops the actor's reads and frees the stores it sent that nobody took
static void
s_drain (zactor_t *actor)
{
    if (zstr_send (actor, "STOP"))
        return;
    while (true) {
        zmsg_t *msg = zmsg_recv (actor);
        zframe_t *frame = msg? zmsg_first (msg): NULL;
        if (!frame || zframe_streq (frame, "STOPPED") || zmsg_signal (msg) >= 0) {
            zmsg_destroy (&msg);
            break;
        }
        for (int index = 0; frame && index < 2; index++)
            frame = zmsg_next (msg);
        if (frame && zframe_size (frame) == sizeof (void *)) {
            truststore_t *trust;
            memcpy (&trust, zframe_data (frame), sizeof (void *));
            truststore_destroy (&trust);
        }
        zmsg_destroy (&msg);
    }
}


//  --------------------------------------------------------------------------
//  The broker's side

loader_t *
loader_new (const uint8_t *authority, const char *certs, const char *crl,
            truststore_t **trust_p, char **error)
{
    assert (authority && certs && trust_p);
    *trust_p = NULL;
    loader_t *self = (loader_t *) zmalloc (sizeof (loader_t));
    assert (self);
    self->actor = zactor_new (s_loader_actor, s_watch_new (authority, certs, crl));
    assert (self->actor);
    bool forced;
    char *why = NULL;
    if (loader_recv (self, trust_p, &forced, &why) != LOADER_LOADED) {
        status_set_error (error, "%s", why);
        zstr_free (&why);
        loader_destroy (&self);
    }
    return self;
}

void
loader_destroy (loader_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        loader_t *self = *self_p;
        s_drain (self->actor);
        zactor_destroy (&self->actor);
        free (self);
        *self_p = NULL;
    }
}

zsock_t *
loader_socket (loader_t *self)
{
    assert (self);
    return zactor_sock (self->actor);
}

void
loader_reload (loader_t *self)
{
    assert (self);
    zstr_send (self->actor, "RELOAD");
}

loader_result_t
loader_recv (loader_t *self, truststore_t **trust_p, bool *forced, char **error)
{
    assert (self && trust_p && forced && error);
    *trust_p = NULL;
    *error = NULL;
    int result = LOADER_RETRY, was_forced = 0;
    void *trust = NULL;
    char *text = NULL;
    if (zsock_recv (self->actor, "iips", &result, &was_forced, &trust, &text)) {
        *forced = false;
        *error = strdup ("the certificates' reader did not answer");
        return LOADER_RETRY;
    }
    *forced = was_forced != 0;
    if (result == LOADER_LOADED && trust) {
        *trust_p = (truststore_t *) trust;
        zstr_free (&text);
        return LOADER_LOADED;
    }
    truststore_t *unexpected = (truststore_t *) trust;
    truststore_destroy (&unexpected);
    *error = text && *text? text: strdup ("the trust could not be read");
    if (*error != text)
        zstr_free (&text);
    return result == LOADER_REFUSED? LOADER_REFUSED: LOADER_RETRY;
}


//  --------------------------------------------------------------------------
//  Self-test: a directory of certificates changed under a running loader

#include "authority.h"

//  A certificate of `department` signed by `authority`, saved in `dir`
static void
s_test_cert (authority_t *authority, const char *dir, const char *department,
             uint64_t serial)
{
    int64_t now = zclock_time () / 1000;
    cert_t *cert = cert_new (department, department, CERT_ROLE_DEPARTMENT, 1, serial,
                             now - 60, now + 86400, NULL);
    assert (cert && cert_sign_by (cert, authority) == 0);
    char *path = zsys_sprintf ("%s/%s.cert", dir, department);
    assert (certtext_save (cert, path, true, NULL) == 0);
    zstr_free (&path);
    cert_destroy (&cert);
}

//  Writes `text` to `path` at once (beside it, then renamed), as an admin's
//  tools do, so that no look sees it half written
static void
s_test_write (const char *path, const char *text)
{
    char *temp = zsys_sprintf ("%s.new", path);
    FILE *file = fopen (temp, "w");
    assert (file);
    fputs (text, file);
    fclose (file);
    assert (rename (temp, path) == 0);
    zstr_free (&temp);
}

//  Waits up to 5 s (on `poller`, made beforehand: a poller may need a
//  descriptor) for the next result; a store read is sized into *size
static loader_result_t
s_test_next (loader_t *loader, zpoller_t *poller, size_t *size, bool *forced)
{
    assert (zpoller_wait (poller, 5000) == loader_socket (loader));
    truststore_t *trust = NULL;
    char *error = NULL;
    loader_result_t result = loader_recv (loader, &trust, forced, &error);
    *size = trust? truststore_size (trust): 0;
    assert ((result == LOADER_LOADED) == (trust != NULL) && (trust != NULL) == !error);
    truststore_destroy (&trust);
    zstr_free (&error);
    return result;
}

void
loader_test (bool verbose)
{
    if (verbose)
        printf (" * loader: ");
    authority_t *authority = authority_new ("Test", NULL);
    assert (authority);
    char *dir = zsys_sprintf ("/tmp/sluice-loader-%d", getpid ());
    char *crl_path = zsys_sprintf ("%s.crl", dir);
    char *junk = zsys_sprintf ("%s/junk.cert", dir);
    char *tax = zsys_sprintf ("%s/SH-PD-TAX.cert", dir);
    assert (mkdir (dir, 0700) == 0);
    s_test_cert (authority, dir, "SH-PD-MSA", 1);
    s_test_cert (authority, dir, "SH-PD-TAX", 1);

    //  A directory that cannot be read: no loader, and why
    truststore_t *trust = NULL;
    char *error = NULL;
    loader_t *loader = loader_new (authority_public (authority), "/nonexistent/certs",
                                   NULL, &trust, &error);
    assert (!loader && !trust);
    assert (error && strstr (error, "/nonexistent/certs: No such file or directory"));
    zstr_free (&error);

    //  The first read, in full
    loader = loader_new (authority_public (authority), dir, crl_path, &trust, &error);
    assert (loader && trust && !error);
    assert (truststore_size (trust) == 2 && !truststore_crl (trust));
    truststore_destroy (&trust);
    zpoller_t *poller = zpoller_new (loader_socket (loader), NULL);
    assert (poller);

    //  A certificate added: the next look reads it, the others kept
    size_t size;
    bool forced;
    s_test_cert (authority, dir, "SH-PD-FDA", 1);
    assert (s_test_next (loader, poller, &size, &forced) == LOADER_LOADED);
    assert (size == 3 && !forced);
    //  A file that is not a certificate is logged and left out
    s_test_write (junk, "not a certificate\n");
    assert (s_test_next (loader, poller, &size, &forced) == LOADER_LOADED && size == 3);
    unlink (junk);
    assert (s_test_next (loader, poller, &size, &forced) == LOADER_LOADED && size == 3);

    //  A broken revocation list: refused, and not read again until a file
    //  changes; a valid one is then read
    s_test_write (crl_path, "not a revocation list\n");
    assert (s_test_next (loader, poller, &size, &forced) == LOADER_REFUSED);
    assert (zpoller_wait (poller, 2 * S_LOOK_MS + 500) == NULL);
    crl_t *crl = crl_new (1, NULL);
    assert (crl && crl_sign_by (crl, authority) == 0);
    assert (crl_save (crl, crl_path, NULL) == 0);
    crl_destroy (&crl);
    assert (s_test_next (loader, poller, &size, &forced) == LOADER_LOADED && size == 3);

    //  Asked for: every file read again, at once, and said to be
    assert (zpoller_wait (poller, S_LOOK_MS + 500) == NULL);
    loader_reload (loader);
    assert (s_test_next (loader, poller, &size, &forced) == LOADER_LOADED);
    assert (size == 3 && forced);

    //  Out of descriptors: a look costs none, a changed file cannot be
    //  read; the read is tried again every second, and done once there
    //  are descriptors again
    struct rlimit limit, low;
    assert (getrlimit (RLIMIT_NOFILE, &limit) == 0);
    //  A new descriptor takes the lowest number free: sixteen more at most
    int lowest = dup (0);
    assert (lowest >= 0);
    close (lowest);
    low = limit;
    low.rlim_cur = (rlim_t) lowest + 16;
    assert (low.rlim_cur < limit.rlim_cur && setrlimit (RLIMIT_NOFILE, &low) == 0);
    int held [64];
    int count = 0;
    while (count < 64 && (held [count] = dup (0)) >= 0)
        count++;
    assert (count < 64 && errno == EMFILE);
    assert (utimensat (AT_FDCWD, tax, NULL, 0) == 0);     //  changed, in place
    assert (s_test_next (loader, poller, &size, &forced) == LOADER_RETRY);
    assert (s_test_next (loader, poller, &size, &forced) == LOADER_RETRY);
    while (count)
        close (held [--count]);
    assert (setrlimit (RLIMIT_NOFILE, &limit) == 0);
    assert (s_test_next (loader, poller, &size, &forced) == LOADER_LOADED && size == 3);
    zpoller_destroy (&poller);

    //  Stopped with a result not taken: it is freed
    s_test_cert (authority, dir, "SH-PD-MSA", 2);
    zclock_sleep (S_LOOK_MS + 500);
    loader_destroy (&loader);
    loader_destroy (&loader);           //  safe twice

    const char *departments [] = { "SH-PD-MSA", "SH-PD-TAX", "SH-PD-FDA" };
    for (size_t index = 0; index < 3; index++) {
        char *path = zsys_sprintf ("%s/%s.cert", dir, departments [index]);
        unlink (path);
        zstr_free (&path);
    }
    unlink (crl_path);
    rmdir (dir);
    zstr_free (&junk);
    zstr_free (&tax);
    zstr_free (&crl_path);
    zstr_free (&dir);
    authority_destroy (&authority);
    if (verbose)
        printf ("OK\n");
}
