/*  certgen.c -- sluice-certgen: many department certificates at once, for
    tests of a large federation.

        sluice-certgen AUTHORITY.secret DIR COUNT PREFIX [N ...]

    Issues COUNT certificates signed by the authority, for departments
    PREFIX-00001 .. PREFIX-COUNT (role department, clearance 2, valid from a
    minute ago for a year), and writes DIR/PREFIX-NNNNN.cert for each: the
    public file only, except for the numbers N listed, which also get their
    .cert_secret (to run a gateway as that department). What `sluice certs
    issue` does, in one process, without making each file durable: issuing
    ten thousand certificates with the command takes minutes, with this a
    few seconds. Prints how many it wrote; exit status 0, or 2 on a usage
    or setup problem. --help prints the usage, --version the version (as
    every program does, version.h), both on standard output with status 0.
*/

#include "authority.h"
#include "cert.h"
#include "version.h"
#include "certtext.h"
#include <sodium.h>

#define S_COUNT_MAX 100000

#define S_USAGE "usage: sluice-certgen AUTHORITY.secret DIR COUNT PREFIX [N ...]\n"

static int
s_usage (void)
{
    fprintf (stderr, S_USAGE "(sluice-certgen --help says more)\n");
    return 2;
}

static void
s_help (FILE *out)
{
    fprintf (out, S_USAGE "\n"
        "Issues COUNT department certificates (1 to %d) signed by the authority of\n"
        "AUTHORITY.secret, for PREFIX-00001 .. PREFIX-COUNT (PREFIX at most 24\n"
        "bytes): role department, clearance 2, valid from a minute ago for a year.\n"
        "Writes DIR/PREFIX-NNNNN.cert for each, and DIR/PREFIX-NNNNN.cert_secret\n"
        "as well for each number N listed. For tests of a large federation.\n\n"
        "  --help       this text\n"
        "  --version    the version\n\n"
        "exit 0 when every certificate was written, 2 on a usage or setup problem\n",
        S_COUNT_MAX);
}

static bool
s_wanted (int number, int argc, char **argv)
{
    for (int index = 5; index < argc; index++)
        if (atoi (argv [index]) == number)
            return true;
    return false;
}

int
main (int argc, char **argv)
{
    if (version_asked (argc, argv, "sluice-certgen", stdout))
        return 0;
    for (int index = 1; index < argc; index++)
        if (streq (argv [index], "--help") || streq (argv [index], "-h")) {
            s_help (stdout);
            return 0;
        }
    if (argc < 5 || sodium_init () < 0)
        return s_usage ();
    zsys_init ();
    int count = atoi (argv [3]);
    if (count < 1 || count > S_COUNT_MAX || strlen (argv [4]) > 24)
        return s_usage ();
    authority_t *authority = authority_load (argv [1], NULL);
    if (!authority || !authority_has_secret (authority)) {
        fprintf (stderr, "sluice-certgen: %s is not an authority's secret file\n", argv [1]);
        authority_destroy (&authority);
        return 2;
    }
    int64_t now = zclock_time () / 1000;
    int written = 0;
    for (int number = 1; number <= count; number++) {
        char department [40], name [64];
        snprintf (department, sizeof (department), "%s-%05d", argv [4], number);
        snprintf (name, sizeof (name), "Generated department %d", number);
        cert_t *cert = cert_new (department, name, "department", 2, 1, now - 60,
                                 now + 365 * 86400, NULL);
        if (!cert) {
            fprintf (stderr, "sluice-certgen: %s is not a department id\n", department);
            break;
        }
        cert_sign_by (cert, authority);
        char *path = zsys_sprintf ("%s/%s.cert", argv [2], department);
        int rc = -1;
        if (s_wanted (number, argc, argv))
            rc = certtext_save (cert, path, true, NULL);
        else {
            //  The public text written plainly: certtext_save makes each file
            //  durable (fsync), which for ten thousand files takes minutes
            char *text = certtext_encode (cert);
            FILE *file = text? fopen (path, "w"): NULL;
            if (file && fputs (text, file) >= 0)
                rc = 0;
            if (file && fclose (file))
                rc = -1;
            zstr_free (&text);
        }
        cert_destroy (&cert);
        if (rc) {
            fprintf (stderr, "sluice-certgen: cannot write %s\n", path);
            zstr_free (&path);
            break;
        }
        zstr_free (&path);
        written++;
    }
    authority_destroy (&authority);
    printf ("%d certificates written\n", written);
    return written == count? 0: 2;
}
