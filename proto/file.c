/*  file.c -- reading the files a daemon is given, safely.  */

#include "file.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

const char *
file_kind (mode_t mode)
{
    static const struct {
        mode_t type;
        const char *name;
    } kinds [] = {
        { S_IFREG,  "a regular file" },
        { S_IFDIR,  "a directory" },
        { S_IFIFO,  "a FIFO" },
        { S_IFCHR,  "a character device" },
        { S_IFBLK,  "a block device" },
        { S_IFSOCK, "a socket" },
        { S_IFLNK,  "a symbolic link" },
    };
    for (size_t index = 0; index < sizeof (kinds) / sizeof (kinds [0]); index++)
        if ((mode & S_IFMT) == kinds [index].type)
            return kinds [index].name;
    return "not a file";
}

//  The reason a descriptor's file is refused, or NULL if it is a regular
//  file of at most `max` bytes.
static char *
s_refusal (const struct stat *status, size_t max)
{
    if (!S_ISREG (status->st_mode))
        return zsys_sprintf ("%s, not a regular file", file_kind (status->st_mode));
    if ((uint64_t) status->st_size > (uint64_t) max)
        return zsys_sprintf ("larger than %zu bytes (%lld)", max,
                             (long long) status->st_size);
    return NULL;
}

char *
file_read (const char *path, size_t max, size_t *size_p, char **reason)
{
    assert (path);
    assert (size_p);
    assert (reason);
    *reason = NULL;
    //  O_NONBLOCK: opening a FIFO returns at once instead of waiting for a
    //  writer; everything after is decided on the descriptor, so the file
    //  cannot be swapped between the check and the read
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd == -1) {
        //  errno is kept for the caller: a shortage of descriptors (EMFILE,
        //  ENFILE) is not a bad file, and the broker's reload tries again
        int error = errno;
        *reason = zsys_sprintf ("cannot open: %s", strerror (error));
        errno = error;
        return NULL;
    }
    struct stat status;
    if (fstat (fd, &status) == -1)
        *reason = zsys_sprintf ("cannot read: %s", strerror (errno));
    else
        *reason = s_refusal (&status, max);
    char *text = *reason? NULL: (char *) malloc (max + 2);
    size_t size = 0;
    //  Up to max + 1 bytes: the file may have grown since fstat
    while (text && size < max + 1) {
        ssize_t got = read (fd, text + size, max + 1 - size);
        if (got == -1 && errno == EINTR)
            continue;
        if (got == -1) {
            *reason = zsys_sprintf ("cannot read: %s", strerror (errno));
            break;
        }
        if (got == 0)
            break;
        size += (size_t) got;
    }
    close (fd);
    if (text && !*reason && size > max)
        *reason = zsys_sprintf ("larger than %zu bytes", max);
    if (*reason) {
        free (text);
        return NULL;
    }
    assert (text);
    text [size] = 0;
    *size_p = size;
    return text;
}

int
file_check_regular (const char *path, bool absent_ok, char **reason)
{
    assert (path);
    assert (reason);
    *reason = NULL;
    struct stat status;
    if (stat (path, &status) == -1) {
        if (errno == ENOENT && absent_ok)
            return 0;
        *reason = zsys_sprintf ("cannot open: %s", strerror (errno));
        return -1;
    }
    if (!S_ISREG (status.st_mode)) {
        *reason = zsys_sprintf ("%s, not a regular file", file_kind (status.st_mode));
        return -1;
    }
    return 0;
}

static int
s_compare_names (const void *a, const void *b)
{
    return strcmp ((const char *) a, (const char *) b);
}

zlistx_t *
file_names (const char *dir, const char *suffix)
{
    assert (dir);
    assert (suffix);
    DIR *handle = opendir (dir);
    if (!handle)
        return NULL;
    zlistx_t *names = zlistx_new ();
    if (!names) {
        closedir (handle);
        errno = ENOMEM;
        return NULL;
    }
    zlistx_set_destructor (names, (zlistx_destructor_fn *) zstr_free);
    zlistx_set_comparator (names, s_compare_names);
    size_t suffix_length = strlen (suffix);
    struct dirent *found;
    while ((found = readdir (handle))) {
        size_t length = strlen (found->d_name);
        if (found->d_name [0] != '.'
        &&  length > suffix_length
        &&  streq (found->d_name + length - suffix_length, suffix)) {
            char *name = strdup (found->d_name);
            if (!name || !zlistx_add_end (names, name)) {
                free (name);
                zlistx_destroy (&names);
                closedir (handle);
                errno = ENOMEM;
                return NULL;
            }
        }
    }
    closedir (handle);
    //  Sorted once at the end: a broker's directory holds thousands
    zlistx_sort (names);
    return names;
}


//  --------------------------------------------------------------------------
//  Self test

//  Expects file_read of `path` to fail with a reason containing `expected`
static void
s_expect_refused (const char *path, size_t max, const char *expected)
{
    size_t size = 0;
    char *reason = NULL;
    char *text = file_read (path, max, &size, &reason);
    if (text || !reason || !strstr (reason, expected)) {
        printf ("file: %s: expected '%s', got '%s'\n", path, expected,
                reason? reason: "(read)");
        assert (false);
    }
    zstr_free (&reason);
}

void
file_test (bool verbose)
{
    if (verbose)
        printf (" * file: ");
    char dir [64];
    snprintf (dir, sizeof (dir), "/tmp/sluice-file-%d", getpid ());
    assert (zsys_dir_create ("%s", dir) == 0);
    char *path = zsys_sprintf ("%s/text", dir);
    char *fifo = zsys_sprintf ("%s/fifo", dir);
    char *link = zsys_sprintf ("%s/zero", dir);
    FILE *handle = fopen (path, "w");
    assert (handle);
    fputs ("hello\n", handle);
    fclose (handle);

    //  A regular file within the bound, read whole and terminated
    size_t size = 0;
    char *reason = NULL;
    char *text = file_read (path, 6, &size, &reason);
    assert (text && !reason && size == 6 && streq (text, "hello\n"));
    free (text);
    assert (file_check_regular (path, false, &reason) == 0 && !reason);

    //  One byte over the bound; missing; a directory; a FIFO (which must
    //  not block); a symbolic link to a device
    s_expect_refused (path, 5, "larger than 5 bytes");
    char *missing = zsys_sprintf ("%s/none", dir);
    s_expect_refused (missing, 100, "cannot open: No such file");
    s_expect_refused (dir, 100, "a directory, not a regular file");
    assert (mkfifo (fifo, 0600) == 0);
    s_expect_refused (fifo, 100, "a FIFO, not a regular file");
    assert (symlink ("/dev/zero", link) == 0);
    s_expect_refused (link, 100, "a character device, not a regular file");

    //  The check before SQLite opens a path
    assert (file_check_regular (missing, true, &reason) == 0 && !reason);
    assert (file_check_regular (missing, false, &reason) == -1 && reason);
    zstr_free (&reason);
    assert (file_check_regular (fifo, true, &reason) == -1);
    assert (strstr (reason, "a FIFO"));
    zstr_free (&reason);
    assert (file_check_regular (dir, true, &reason) == -1);
    assert (strstr (reason, "a directory"));
    zstr_free (&reason);
    assert (streq (file_kind (S_IFSOCK | 0600), "a socket"));

    //  The names of a directory by suffix, sorted, none hidden
    const char *files [] = { "b.cert", "a.cert", ".a.cert", ".cert", "a.cert_secret",
                             "c.agreement" };
    for (size_t index = 0; index < sizeof (files) / sizeof (files [0]); index++) {
        char *name = zsys_sprintf ("%s/%s", dir, files [index]);
        handle = fopen (name, "w");
        assert (handle);
        fclose (handle);
        zstr_free (&name);
    }
    zlistx_t *names = file_names (dir, ".cert");
    assert (names && zlistx_size (names) == 2);
    assert (streq ((char *) zlistx_first (names), "a.cert"));
    assert (streq ((char *) zlistx_next (names), "b.cert"));
    zlistx_destroy (&names);
    names = file_names (dir, ".agreement");
    assert (names && zlistx_size (names) == 1);
    zlistx_destroy (&names);
    errno = 0;
    assert (file_names (missing, ".cert") == NULL && errno == ENOENT);
    for (size_t index = 0; index < sizeof (files) / sizeof (files [0]); index++) {
        char *name = zsys_sprintf ("%s/%s", dir, files [index]);
        remove (name);
        zstr_free (&name);
    }

    remove (link);
    remove (fifo);
    remove (path);
    zsys_dir_delete ("%s", dir);
    zstr_free (&missing);
    zstr_free (&link);
    zstr_free (&fifo);
    zstr_free (&path);
    if (verbose)
        printf ("OK\n");
}
