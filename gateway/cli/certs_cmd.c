/*  certs_cmd.c -- `sluice certs ...`, the admin command for the federation's
    trust. One table of subcommands; each names its options, and its usage
    text (with an example) is what `--help` prints.
*/

#include "certs_cmd.h"
#include "authority.h"
#include "cert.h"
#include "crl.h"
#include "certfile.h"
#include "ident.h"
#include "text.h"
#include <czmq.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <errno.h>

#define S_EXIT_OK       0
#define S_EXIT_REFUSED  1
#define S_EXIT_USAGE    2

#define S_OPTIONS_MAX   12
#define S_ARGS_MAX      4
#define S_DAYS_MAX      36500
//  Certificates start a little in the past, to absorb clock skew between
//  the admin's host and the federation's
#define S_BACKDATE      300

typedef struct {
    const char *name;           //  without the leading "--"
    bool takes_value;
} s_option_t;

//  Parsed command line of one subcommand
typedef struct {
    const char *command;        //  subcommand name, for messages
    const s_option_t *options;  //  what it accepts, terminated by a NULL name
    const char *values [S_OPTIONS_MAX];     //  by option index; NULL if absent
    const char *args [S_ARGS_MAX];          //  positional arguments
    size_t arg_count;
} s_args_t;

typedef int (s_run_fn) (s_args_t *args);

typedef struct {
    const char *name;
    s_run_fn *run;
    s_option_t options [S_OPTIONS_MAX];
    size_t arg_count;           //  positional arguments required
    const char *summary;
    const char *usage;
} s_command_t;

//  --------------------------------------------------------------------------
//  Helpers

//  Value of an option; "" for a flag that is set; NULL if absent
static const char *
s_value (s_args_t *args, const char *name)
{
    for (size_t index = 0; args->options [index].name; index++)
        if (streq (args->options [index].name, name))
            return args->values [index];
    assert (false);             //  a subcommand asked for an option it lacks
    return NULL;
}

static int
s_usage_error (s_args_t *args, const char *message)
{
    fprintf (stderr, "sluice certs %s: %s\n", args->command, message);
    fprintf (stderr, "Try 'sluice certs %s --help'.\n", args->command);
    return S_EXIT_USAGE;
}

//  Value of a required option, or NULL after printing a usage error
static const char *
s_required (s_args_t *args, const char *name, int *rc)
{
    const char *value = s_value (args, name);
    if (!value || !*value) {
        char *message = zsys_sprintf ("--%s is required", name);
        *rc = s_usage_error (args, message);
        zstr_free (&message);
    }
    return value && *value? value: NULL;
}

//  Parses an optional decimal option into *number (kept if absent); 0 or
//  -1 after printing a usage error
static int
s_number (s_args_t *args, const char *name, uint64_t min, uint64_t max,
          uint64_t *number)
{
    const char *value = s_value (args, name);
    if (!value)
        return 0;
    uint64_t parsed;
    if (certfile_uint_parse (value, max, &parsed) || parsed < min) {
        char *message = zsys_sprintf ("--%s must be a whole number from %" PRIu64
                                      " to %" PRIu64 ", not '%s'", name, min, max, value);
        s_usage_error (args, message);
        zstr_free (&message);
        return -1;
    }
    *number = parsed;
    return 0;
}

//  Creates a directory and its parents as needed; 0 or -1 with a message
static int
s_make_dir (const char *path, mode_t mode)
{
    char *copy = strdup (path);
    if (!copy)
        return -1;
    int rc = 0;
    for (char *slash = copy + 1; rc == 0; slash++) {
        bool end = *slash == 0;
        if (*slash == '/' || end) {
            *slash = 0;
            if (mkdir (copy, mode) == -1 && errno != EEXIST)
                rc = -1;
            *slash = end? 0: '/';
        }
        if (end)
            break;
    }
    struct stat st;
    if (rc == 0 && (stat (path, &st) == -1 || !S_ISDIR (st.st_mode)))
        rc = -1;
    if (rc == -1)
        fprintf (stderr, "sluice certs: cannot create directory %s: %s\n",
                 path, strerror (errno));
    free (copy);
    return rc;
}

static int64_t
s_now (void)
{
    return zclock_time () / 1000;
}

//  Loads the authority; with `secret`, insists on the secret key
static authority_t *
s_load_authority (s_args_t *args, const char *path, bool secret)
{
    char *error = NULL;
    authority_t *authority = authority_load (path, &error);
    if (!authority)
        fprintf (stderr, "sluice certs %s: cannot load the authority from %s: %s\n",
                 args->command, path, error);
    else
    if (secret && !authority_has_secret (authority)) {
        fprintf (stderr, "sluice certs %s: %s holds no secret key; give the "
                 "authority.secret file\n", args->command, path);
        authority_destroy (&authority);
    }
    zstr_free (&error);
    return authority;
}

static void
s_print_hex (const char *label, const uint8_t *bin, size_t size)
{
    char *hex = certfile_hex (bin, size);
    printf ("%-14s%s\n", label, hex? hex: "?");
    zstr_free (&hex);
}

//  --------------------------------------------------------------------------
//  Subcommands

static int
s_run_init (s_args_t *args)
{
    int rc = S_EXIT_OK;
    const char *dir = s_required (args, "dir", &rc);
    if (!dir)
        return rc;
    const char *name = s_value (args, "name");
    if (!name)
        name = "Sluice federation authority";
    bool force = s_value (args, "force") != NULL;
    if (s_make_dir (dir, 0700))
        return S_EXIT_REFUSED;
    authority_t *authority = authority_new (name, NULL);
    if (!authority) {
        fprintf (stderr, "sluice certs init: invalid --name '%s' (1 to 128 bytes, "
                 "no control characters or double quotes)\n", name);
        return S_EXIT_REFUSED;
    }
    char *error = NULL;
    if (authority_save (authority, dir, force, &error)) {
        fprintf (stderr, "sluice certs init: authority files not written in %s%s: %s\n",
                 dir, force? "": " (use --force to replace existing ones)", error);
        zstr_free (&error);
        authority_destroy (&authority);
        return S_EXIT_REFUSED;
    }
    printf ("authority     %s\n", authority_name (authority));
    s_print_hex ("sign key", authority_public (authority), 32);
    printf ("public file   %s/authority.pub   (give to every broker and gateway)\n", dir);
    printf ("secret file   %s/authority.secret (mode 0600, keep offline)\n", dir);
    authority_destroy (&authority);
    return S_EXIT_OK;
}

static int
s_run_issue (s_args_t *args)
{
    int rc = S_EXIT_OK;
    const char *authority_path = s_required (args, "authority", &rc);
    const char *department = authority_path? s_required (args, "department", &rc): NULL;
    const char *name = department? s_required (args, "name", &rc): NULL;
    const char *out = name? s_required (args, "out", &rc): NULL;
    if (!out)
        return rc;
    const char *role = s_value (args, "role");
    if (!role)
        role = "department";
    if (!streq (role, "department") && !streq (role, "broker"))
        return s_usage_error (args, "--role must be 'department' or 'broker'");
    //  A broker reads no field: it is cleared for none
    bool broker = streq (role, CERT_ROLE_BROKER);
    uint64_t clearance = broker? 0: 2, days = 365, serial = 0;
    if (s_number (args, "clearance", 0, CERT_CLEARANCE_MAX, &clearance)
    ||  s_number (args, "days", 1, S_DAYS_MAX, &days)
    ||  s_number (args, "serial", 1, CERTFILE_UINT_MAX, &serial))
        return S_EXIT_USAGE;
    if (broker && clearance != 0)
        return s_usage_error (args, "a broker certificate carries no clearance "
                              "(a broker routes sealed messages and never reads a "
                              "field): leave out --clearance, or give 0");
    const char *reason = NULL;
    char canon [IDENT_MAX + 1];
    if (!ident_validate (IDENT_DEPARTMENT, department, canon, 0, &reason)) {
        fprintf (stderr, "sluice certs issue: invalid --department '%s': %s\n",
                 department, reason? reason: "not a department id");
        return S_EXIT_REFUSED;
    }
    if (!certfile_text_valid (name, CERT_NAME_MAX, false)) {
        fprintf (stderr, "sluice certs issue: invalid --name: 1 to %d bytes of "
                 "UTF-8, no control characters or double quotes\n", CERT_NAME_MAX);
        return S_EXIT_REFUSED;
    }
    if (serial == 0) {
        //  Time of issue in microseconds: a later certificate of the same
        //  department always has a higher serial, so it replaces the older
        //  one in every trust store
        struct timeval now;
        gettimeofday (&now, NULL);
        serial = (uint64_t) now.tv_sec * 1000000 + (uint64_t) now.tv_usec;
    }
    authority_t *authority = s_load_authority (args, authority_path, true);
    if (!authority)
        return S_EXIT_REFUSED;
    int64_t not_before = s_now () - S_BACKDATE;
    int64_t not_after = not_before + S_BACKDATE + (int64_t) days * 86400;
    //  An explicit end (e.g. to align with a mandate) overrides --days
    const char *until = s_value (args, "not-after");
    if (until && (certfile_time_parse (until, &not_after) || not_after <= not_before)) {
        authority_destroy (&authority);
        return s_usage_error (args, "--not-after must be an ISO 8601 UTC time "
                              "(2027-01-01T00:00:00Z) after the start of validity");
    }
    char *error = NULL;
    cert_t *cert = cert_new (canon, name, role, (int) clearance, serial,
                             not_before, not_after, &error);
    char *path = zsys_sprintf ("%s/%s.cert", out, canon);
    rc = S_EXIT_REFUSED;
    if (!cert)
        fprintf (stderr, "sluice certs issue: cannot create the certificate: %s\n",
                 error);
    else
    if (s_make_dir (out, 0755) == 0) {
        cert_sign_by (cert, authority);
        if (cert_save (cert, path, s_value (args, "force") != NULL, &error) == 0) {
            char until_text [CERTFILE_TIME_SIZE];
            certfile_time_format (cert_not_after (cert), until_text);
            printf ("issued        %s (%s), serial %" PRIu64 ", clearance %d, "
                    "valid until %s\n", canon, role, serial, (int) clearance, until_text);
            printf ("public file   %s\n", path);
            printf ("secret file   %s_secret (mode 0600, install on the %s's host only)\n",
                    path, streq (role, "broker")? "broker": "department gateway");
            rc = S_EXIT_OK;
        }
        else
            fprintf (stderr, "sluice certs issue: certificate not written to %s%s: %s\n",
                     path, s_value (args, "force")? "": " (use --force to replace)",
                     error);
    }
    zstr_free (&error);
    zstr_free (&path);
    cert_destroy (&cert);
    authority_destroy (&authority);
    return rc;
}

static int
s_run_show (s_args_t *args)
{
    const char *path = args->args [0];
    char *error = NULL;
    cert_t *cert = cert_load (path, &error);
    if (!cert) {
        fprintf (stderr, "sluice certs show: %s is not a valid certificate: %s\n",
                 path, error);
        zstr_free (&error);
        return S_EXIT_REFUSED;
    }
    char not_before [CERTFILE_TIME_SIZE], not_after [CERTFILE_TIME_SIZE];
    certfile_time_format (cert_not_before (cert), not_before);
    certfile_time_format (cert_not_after (cert), not_after);
    int64_t now = s_now ();
    printf ("certificate   %s\n", path);
    printf ("department    %s\n", cert_department (cert));
    //  Names were checked when the file was read; printed escaped anyway,
    //  like everything that someone else wrote (text.h)
    printf ("name          ");
    text_puts (stdout, cert_name (cert), TEXT_TERMINAL, NULL);
    printf ("\n");
    printf ("role          %s\n", cert_role (cert));
    printf ("clearance     %d\n", cert_clearance (cert));
    printf ("serial        %" PRIu64 "\n", cert_serial (cert));
    printf ("not before    %s\n", not_before);
    printf ("not after     %s\n", not_after);
    printf ("validity      %s\n", cert_valid_at (cert, now)? "valid now"
                                : now < cert_not_before (cert)? "not yet valid": "expired");
    s_print_hex ("sign key", cert_sign_public (cert), CERT_KEY_BYTES);
    s_print_hex ("box key", cert_box_public (cert), CERT_KEY_BYTES);
    printf ("curve key     %s\n", cert_curve_public_txt (cert));
    s_print_hex ("signature", cert_authority_signature (cert), CERT_SIG_BYTES);
    printf ("              (not checked here: sluice certs verify --authority ...)\n");
    printf ("secret keys   %s\n", cert_has_secret (cert)
            ? "PRESENT: keep this file private (mode 0600)": "none");
    cert_destroy (&cert);
    return S_EXIT_OK;
}

static int
s_run_verify (s_args_t *args)
{
    int rc = S_EXIT_OK;
    const char *authority_path = s_required (args, "authority", &rc);
    if (!authority_path)
        return rc;
    const char *crl_path = s_value (args, "crl");
    const char *path = args->args [0];
    authority_t *authority = s_load_authority (args, authority_path, false);
    if (!authority)
        return S_EXIT_REFUSED;
    char *cert_error = NULL, *crl_error = NULL;
    cert_t *cert = cert_load (path, &cert_error);
    crl_t *crl = crl_path? crl_load (crl_path, &crl_error): NULL;
    const char *verdict = NULL;
    char detail [128] = "";
    rc = S_EXIT_REFUSED;
    int64_t now = s_now ();
    if (!cert)
        fprintf (stderr, "sluice certs verify: %s is not a valid certificate: %s\n",
                 path, cert_error);
    else
    if (crl_path && !crl)
        fprintf (stderr, "sluice certs verify: %s\n", crl_error);
    else
    if (crl && crl_verify (crl, authority_public (authority)))
        fprintf (stderr, "sluice certs verify: revocation list %s is not signed by "
                 "the authority in %s\n", crl_path, authority_path);
    else {
        if (cert_verify (cert, authority_public (authority)))
            verdict = "bad signature: not signed by this authority, or altered";
        else
        if (crl && crl_revoked (crl, cert_department (cert), cert_serial (cert))) {
            verdict = "revoked";
            snprintf (detail, sizeof (detail), " (revocation list %s, version %" PRIu64 ")",
                      crl_path, crl_version (crl));
        }
        else
        if (now < cert_not_before (cert)) {
            verdict = "not yet valid";
            char time [CERTFILE_TIME_SIZE];
            certfile_time_format (cert_not_before (cert), time);
            snprintf (detail, sizeof (detail), " (valid from %s)", time);
        }
        else
        if (!cert_valid_at (cert, now)) {
            verdict = "expired";
            char time [CERTFILE_TIME_SIZE];
            certfile_time_format (cert_not_after (cert), time);
            snprintf (detail, sizeof (detail), " (on %s)", time);
        }
        if (verdict)
            printf ("%s: %s%s\n", path, verdict, detail);
        else {
            printf ("valid\n");
            rc = S_EXIT_OK;
        }
    }
    zstr_free (&cert_error);
    zstr_free (&crl_error);
    crl_destroy (&crl);
    cert_destroy (&cert);
    authority_destroy (&authority);
    return rc;
}

static int
s_run_revoke (s_args_t *args)
{
    int rc = S_EXIT_OK;
    const char *authority_path = s_required (args, "authority", &rc);
    const char *crl_path = authority_path? s_required (args, "crl", &rc): NULL;
    const char *department = crl_path? s_required (args, "department", &rc): NULL;
    const char *reason = department? s_required (args, "reason", &rc): NULL;
    if (!reason)
        return rc;
    uint64_t serial = 0;
    if (s_number (args, "serial", 0, CERTFILE_UINT_MAX, &serial))
        return S_EXIT_USAGE;
    const char *refusal = NULL;
    if (!ident_validate (IDENT_DEPARTMENT, department, NULL, 0, &refusal)) {
        fprintf (stderr, "sluice certs revoke: invalid --department '%s': %s\n",
                 department, refusal? refusal: "not a department id");
        return S_EXIT_REFUSED;
    }
    if (!certfile_text_valid (reason, CRL_REASON_MAX, false)) {
        fprintf (stderr, "sluice certs revoke: invalid --reason: 1 to %d bytes "
                 "of UTF-8, no control characters or double quotes\n", CRL_REASON_MAX);
        return S_EXIT_REFUSED;
    }
    authority_t *authority = s_load_authority (args, authority_path, true);
    if (!authority)
        return S_EXIT_REFUSED;
    crl_t *current = NULL;
    crl_t *next = NULL;
    rc = S_EXIT_REFUSED;
    if (certfile_exists (crl_path)) {
        char *error = NULL;
        current = crl_load (crl_path, &error);
        if (!current)
            fprintf (stderr, "sluice certs revoke: %s\n", error);
        else
        if (crl_verify (current, authority_public (authority))) {
            fprintf (stderr, "sluice certs revoke: %s is not signed by the authority "
                     "in %s; not extended\n", crl_path, authority_path);
            crl_destroy (&current);
        }
        zstr_free (&error);
        if (!current)
            goto done;
    }
    if (current && crl_revoked (current, department, serial)) {
        if (serial)
            printf ("already revoked: %s serial %" PRIu64, department, serial);
        else
            printf ("already revoked: every certificate of %s", department);
        printf ("; %s unchanged (version %" PRIu64 ")\n", crl_path, crl_version (current));
        rc = S_EXIT_OK;
        goto done;
    }
    next = current? crl_next (current): crl_new (1, NULL);
    char *error = NULL;
    if (!next || crl_add (next, department, serial, s_now (), reason, &error)) {
        fprintf (stderr, "sluice certs revoke: cannot add the entry to %s%s%s\n",
                 crl_path, error? ": ": "", error? error: "");
        zstr_free (&error);
        goto done;
    }
    crl_sign_by (next, authority);
    if (crl_save (next, crl_path, &error)) {
        fprintf (stderr, "sluice certs revoke: cannot write %s: %s\n", crl_path, error);
        zstr_free (&error);
        goto done;
    }
    if (serial)
        printf ("revoked       %s serial %" PRIu64 "\n", department, serial);
    else
        printf ("revoked       every certificate of %s\n", department);
    printf ("list          %s, version %" PRIu64 ", entries: %zu\n",
            crl_path, crl_version (next), crl_size (next));
    printf ("              distribute it to the broker and every gateway\n");
    rc = S_EXIT_OK;
done:
    crl_destroy (&next);
    crl_destroy (&current);
    authority_destroy (&authority);
    return rc;
}

static int
s_run_crl (s_args_t *args)
{
    const char *path = args->args [0];
    const char *authority_path = s_value (args, "authority");
    authority_t *authority = NULL;
    if (authority_path) {
        authority = s_load_authority (args, authority_path, false);
        if (!authority)
            return S_EXIT_REFUSED;
    }
    char *error = NULL;
    crl_t *crl = crl_load (path, &error);
    if (!crl) {
        fprintf (stderr, "sluice certs crl: %s\n", error);
        zstr_free (&error);
        authority_destroy (&authority);
        return S_EXIT_REFUSED;
    }
    int rc = S_EXIT_OK;
    char time [CERTFILE_TIME_SIZE];
    certfile_time_format (crl_issued (crl), time);
    printf ("list          %s\n", path);
    printf ("version       %" PRIu64 "\n", crl_version (crl));
    printf ("issued        %s\n", time);
    if (!authority)
        printf ("signature     not checked (give --authority authority.pub)\n");
    else
    if (crl_verify (crl, authority_public (authority)) == 0)
        printf ("signature     verified: %s\n", authority_name (authority));
    else {
        printf ("signature     BAD: not signed by %s\n", authority_name (authority));
        rc = S_EXIT_REFUSED;
    }
    printf ("entries       %zu\n", crl_size (crl));
    for (size_t index = 0; index < crl_size (crl); index++) {
        const char *department, *reason;
        uint64_t serial;
        int64_t revoked_at;
        crl_entry (crl, index, &department, &serial, &revoked_at, &reason);
        certfile_time_format (revoked_at, time);
        char serial_text [24];
        if (serial)
            snprintf (serial_text, sizeof (serial_text), "%" PRIu64, serial);
        else
            strcpy (serial_text, "all");
        printf ("  %-32s  serial %-19s  %s  ", department, serial_text, time);
        text_puts (stdout, reason, TEXT_TERMINAL, NULL);
        printf ("\n");
    }
    crl_destroy (&crl);
    authority_destroy (&authority);
    return rc;
}

//  --------------------------------------------------------------------------
//  The table

static const s_command_t s_commands [] = {
    { "init", s_run_init,
      { { "dir", true }, { "name", true }, { "force", false }, { NULL, false } }, 0,
      "create the federation authority's key pair",
      "Usage: sluice certs init --dir DIR [--name NAME] [--force]\n"
      "\n"
      "Creates DIR/authority.pub (give it to every broker and gateway) and\n"
      "DIR/authority.secret (mode 0600; keep it with the admin, offline).\n"
      "Refuses to replace existing files unless --force is given.\n"
      "\n"
      "Example:\n"
      "  sluice certs init --dir /etc/sluice/authority --name \"Pudong federation\"\n" },
    { "issue", s_run_issue,
      { { "authority", true }, { "department", true }, { "name", true },
        { "role", true }, { "clearance", true }, { "days", true },
        { "not-after", true }, { "serial", true }, { "out", true },
        { "force", false }, { NULL, false } }, 0,
      "issue a department or broker certificate",
      "Usage: sluice certs issue --authority DIR/authority.secret --department ID\n"
      "           --name \"Display Name\" --out DIR [--role department|broker]\n"
      "           [--clearance 0-5] [--days N | --not-after TIME] [--serial N]\n"
      "           [--force]\n"
      "\n"
      "Creates fresh keys (Ed25519 signing, X25519 sealing, CURVE transport) and\n"
      "writes OUT/ID.cert (public) and OUT/ID.cert_secret (mode 0600), signed\n"
      "by the authority. Defaults: role department, clearance 2, 365 days from\n"
      "now (the start is set 5 minutes back for clock skew), and as serial the\n"
      "time of issue in microseconds since 1970, so that a renewed certificate\n"
      "always has a higher serial and replaces the older one everywhere.\n"
      "A broker certificate has clearance 0 and refuses another: a broker routes\n"
      "sealed messages and never reads a field.\n"
      "\n"
      "Example:\n"
      "  sluice certs issue --authority /etc/sluice/authority/authority.secret \\\n"
      "      --department SH-PD-MSA --name \"Pudong Market Supervision\" \\\n"
      "      --clearance 3 --out certs\n" },
    { "show", s_run_show,
      { { NULL, false } }, 1,
      "print a certificate in readable form",
      "Usage: sluice certs show FILE\n"
      "\n"
      "Prints the department, name, role, clearance, serial, validity and keys\n"
      "of a .cert or .cert_secret file (secret keys are never printed). Does\n"
      "not check the signature: use 'sluice certs verify'.\n"
      "\n"
      "Example:\n"
      "  sluice certs show certs/SH-PD-MSA.cert\n" },
    { "verify", s_run_verify,
      { { "authority", true }, { "crl", true }, { NULL, false } }, 1,
      "check a certificate against the authority (and revocation list)",
      "Usage: sluice certs verify --authority authority.pub [--crl FILE] FILE\n"
      "\n"
      "Prints 'valid' and exits 0, or prints why not (bad signature, revoked,\n"
      "not yet valid, expired) and exits 1. A revocation list must itself be\n"
      "signed by the authority.\n"
      "\n"
      "Example:\n"
      "  sluice certs verify --authority authority.pub --crl federation.crl \\\n"
      "      certs/SH-PD-MSA.cert\n" },
    { "revoke", s_run_revoke,
      { { "authority", true }, { "crl", true }, { "department", true },
        { "serial", true }, { "reason", true }, { NULL, false } }, 0,
      "add a certificate to the revocation list",
      "Usage: sluice certs revoke --authority DIR/authority.secret --crl FILE\n"
      "           --department ID [--serial N] --reason TEXT\n"
      "\n"
      "Creates the list (version 1) or writes the next version of it with the\n"
      "new entry, signed by the authority. Without --serial (or with 0) every\n"
      "certificate of the department is revoked, present and future.\n"
      "\n"
      "Example:\n"
      "  sluice certs revoke --authority /etc/sluice/authority/authority.secret \\\n"
      "      --crl federation.crl --department SH-PD-MSA --serial 1001 \\\n"
      "      --reason \"key compromise\"\n" },
    { "crl", s_run_crl,
      { { "authority", true }, { NULL, false } }, 1,
      "print a revocation list",
      "Usage: sluice certs crl [--authority authority.pub] FILE\n"
      "\n"
      "Prints the version, issue time and entries of a revocation list; with\n"
      "--authority also checks its signature (exit 1 if it does not verify).\n"
      "\n"
      "Example:\n"
      "  sluice certs crl --authority authority.pub federation.crl\n" },
};

#define S_COMMANDS (sizeof (s_commands) / sizeof (s_commands [0]))

static void
s_print_overview (FILE *stream)
{
    fprintf (stream, "Usage: sluice certs COMMAND [OPTIONS]\n\nCommands:\n");
    for (size_t index = 0; index < S_COMMANDS; index++)
        fprintf (stream, "  %-8s %s\n", s_commands [index].name, s_commands [index].summary);
    fprintf (stream, "\n'sluice certs COMMAND --help' shows a command's options "
             "and an example.\n");
}

//  Fills args from argv [2..]; returns S_EXIT_OK, or an exit status to stop
//  with (help printed, or a usage error)
static int
s_parse (const s_command_t *command, s_args_t *args, int argc, char **argv)
{
    bool options_done = false;
    for (int index = 2; index < argc; index++) {
        const char *arg = argv [index];
        if (!options_done && (streq (arg, "--help") || streq (arg, "-h"))) {
            printf ("%s", command->usage);
            return -1;          //  stop, successfully
        }
        if (!options_done && streq (arg, "--")) {
            options_done = true;
            continue;
        }
        if (options_done || strncmp (arg, "--", 2) != 0) {
            if (args->arg_count == S_ARGS_MAX || args->arg_count == command->arg_count) {
                char *message = zsys_sprintf ("unexpected argument '%s'", arg);
                s_usage_error (args, message);
                zstr_free (&message);
                return S_EXIT_USAGE;
            }
            args->args [args->arg_count++] = arg;
            continue;
        }
        const char *name = arg + 2;
        const char *equals = strchr (name, '=');
        size_t length = equals? (size_t) (equals - name): strlen (name);
        size_t option;
        for (option = 0; command->options [option].name; option++)
            if (strlen (command->options [option].name) == length
            &&  memcmp (command->options [option].name, name, length) == 0)
                break;
        const s_option_t *spec = &command->options [option];
        char *message = NULL;
        if (!spec->name)
            message = zsys_sprintf ("unknown option '%s'", arg);
        else
        if (args->values [option])
            message = zsys_sprintf ("option --%s given twice", spec->name);
        else
        if (!spec->takes_value && equals)
            message = zsys_sprintf ("option --%s takes no value", spec->name);
        else
        if (spec->takes_value && !equals && index + 1 >= argc)
            message = zsys_sprintf ("option --%s needs a value", spec->name);
        if (message) {
            s_usage_error (args, message);
            zstr_free (&message);
            return S_EXIT_USAGE;
        }
        if (!spec->takes_value)
            args->values [option] = "";
        else
            args->values [option] = equals? equals + 1: argv [++index];
    }
    if (args->arg_count < command->arg_count)
        return s_usage_error (args, command->arg_count == 1? "FILE is required"
                                                           : "arguments are missing");
    return S_EXIT_OK;
}

int
certs_cmd_main (int argc, char **argv)
{
    //  A command line tool: logs are errors for the admin, on stderr
    zsys_set_logstream (stderr);
    if (argc < 2) {
        s_print_overview (stderr);
        return S_EXIT_USAGE;
    }
    const char *name = argv [1];
    if (streq (name, "--help") || streq (name, "-h") || streq (name, "help")) {
        s_print_overview (stdout);
        return S_EXIT_OK;
    }
    const s_command_t *command = NULL;
    for (size_t index = 0; index < S_COMMANDS; index++)
        if (streq (s_commands [index].name, name))
            command = &s_commands [index];
    if (!command) {
        fprintf (stderr, "sluice certs: unknown command '%s'\n\n", name);
        s_print_overview (stderr);
        return S_EXIT_USAGE;
    }
    s_args_t args = { command->name, command->options, { NULL }, { NULL }, 0 };
    int rc = s_parse (command, &args, argc, argv);
    if (rc == -1)
        return S_EXIT_OK;       //  --help
    if (rc != S_EXIT_OK)
        return rc;
    return command->run (&args);
}

//  --------------------------------------------------------------------------
//  Self test

static int
s_run (const char *first, ...)
{
    char *argv [32];
    int argc = 0;
    va_list list;
    va_start (list, first);
    for (const char *arg = first; arg && argc < 31; arg = va_arg (list, const char *))
        argv [argc++] = (char *) arg;
    va_end (list);
    argv [argc] = NULL;
    return certs_cmd_main (argc, argv);
}

void
certs_cmd_test (bool verbose)
{
    printf (" * certs_cmd: ");
    if (verbose)
        printf ("\n");

    char *dir = zsys_sprintf ("/tmp/sluice-certs-cmd-%d", getpid ());
    char *authority_dir = zsys_sprintf ("%s/authority", dir);
    char *public_path = zsys_sprintf ("%s/authority.pub", authority_dir);
    char *secret_path = zsys_sprintf ("%s/authority.secret", authority_dir);
    char *other_dir = zsys_sprintf ("%s/other", dir);
    char *other_public = zsys_sprintf ("%s/authority.pub", other_dir);
    char *other_secret = zsys_sprintf ("%s/authority.secret", other_dir);
    char *out = zsys_sprintf ("%s/certs", dir);
    char *cert_path = zsys_sprintf ("%s/SH-PD-MSA.cert", out);
    char *cert_secret = zsys_sprintf ("%s/SH-PD-MSA.cert_secret", out);
    char *tax_path = zsys_sprintf ("%s/TAX.cert", out);
    char *tax_secret = zsys_sprintf ("%s/TAX.cert_secret", out);
    char *crl_path = zsys_sprintf ("%s/federation.crl", dir);

    //  Usage and help
    assert (s_run ("certs", NULL) == S_EXIT_USAGE);
    assert (s_run ("certs", "--help", NULL) == S_EXIT_OK);
    assert (s_run ("certs", "frobnicate", NULL) == S_EXIT_USAGE);
    for (size_t index = 0; index < S_COMMANDS; index++)
        assert (s_run ("certs", s_commands [index].name, "--help", NULL) == S_EXIT_OK);
    assert (s_run ("certs", "init", NULL) == S_EXIT_USAGE);
    assert (s_run ("certs", "init", "--dir", NULL) == S_EXIT_USAGE);
    assert (s_run ("certs", "init", "--dir", dir, "--dir", dir, NULL) == S_EXIT_USAGE);
    assert (s_run ("certs", "init", "--dir", dir, "--bogus", NULL) == S_EXIT_USAGE);
    assert (s_run ("certs", "init", "--dir", dir, "--force=yes", NULL) == S_EXIT_USAGE);
    assert (s_run ("certs", "init", "--dir", dir, "stray", NULL) == S_EXIT_USAGE);
    assert (s_run ("certs", "show", NULL) == S_EXIT_USAGE);

    //  init: creates, refuses to overwrite, replaces with --force
    assert (s_run ("certs", "init", "--dir", authority_dir, "--name", "Test federation",
                   NULL) == S_EXIT_OK);
    struct stat st;
    assert (stat (secret_path, &st) == 0 && (st.st_mode & 0777) == 0600);
    assert (s_run ("certs", "init", "--dir", authority_dir, NULL) == S_EXIT_REFUSED);
    assert (s_run ("certs", "init", "--dir", other_dir, NULL) == S_EXIT_OK);
    assert (s_run ("certs", "init", "--dir", other_dir, "--force", NULL) == S_EXIT_OK);
    assert (s_run ("certs", "init", "--dir", other_dir, "--force", "--name", "",
                   NULL) == S_EXIT_REFUSED);

    //  issue: validation of every option
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Market", NULL) == S_EXIT_USAGE);                  //  no --out
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "sh-pd-msa",
                   "--name", "Market", "--out", out, NULL) == S_EXIT_REFUSED);  //  lower case
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Market", "--out", out, "--clearance", "6", NULL) == S_EXIT_USAGE);
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Market", "--out", out, "--days", "0", NULL) == S_EXIT_USAGE);
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Market", "--out", out, "--role", "admin", NULL) == S_EXIT_USAGE);
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Market", "--out", out, "--serial", "x", NULL) == S_EXIT_USAGE);
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "BROKER",
                   "--name", "Broker", "--out", out, "--role", "broker", "--clearance", "1",
                   NULL) == S_EXIT_USAGE);             //  a broker has no clearance
    assert (s_run ("certs", "issue", "--authority", public_path, "--department", "SH-PD-MSA",
                   "--name", "Market", "--out", out, NULL) == S_EXIT_REFUSED);  //  no secret
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Bad \"name\"", "--out", out, NULL) == S_EXIT_REFUSED);

    //  issue, show, verify
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Pudong Market Supervision", "--clearance", "3",
                   "--serial", "1001", "--out", out, NULL) == S_EXIT_OK);
    assert (stat (cert_secret, &st) == 0 && (st.st_mode & 0777) == 0600);
    cert_t *cert = cert_load (cert_path, NULL);
    assert (cert);
    assert (cert_serial (cert) == 1001 && cert_clearance (cert) == 3);
    assert (cert_not_after (cert) - cert_not_before (cert) == 365 * 86400 + S_BACKDATE);
    cert_destroy (&cert);
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Pudong Market Supervision", "--out", out, NULL) == S_EXIT_REFUSED);
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "TAX",
                   "--name", "Pudong Tax", "--role=broker", "--days=30", "--out", out,
                   NULL) == S_EXIT_OK);
    cert = cert_load (tax_secret, NULL);
    assert (cert && cert_has_secret (cert) && streq (cert_role (cert), "broker"));
    assert (cert_serial (cert) > 0 && cert_clearance (cert) == 0);
    uint64_t first_serial = cert_serial (cert);
    cert_destroy (&cert);
    //  A renewal gets a higher serial by default
    assert (s_run ("certs", "issue", "--authority", secret_path, "--department", "TAX",
                   "--name", "Pudong Tax", "--role=broker", "--days=30", "--out", out,
                   "--force", NULL) == S_EXIT_OK);
    cert = cert_load (tax_path, NULL);
    assert (cert && cert_serial (cert) > first_serial);
    cert_destroy (&cert);
    assert (s_run ("certs", "show", cert_path, NULL) == S_EXIT_OK);
    assert (s_run ("certs", "show", cert_secret, NULL) == S_EXIT_OK);
    assert (s_run ("certs", "show", crl_path, NULL) == S_EXIT_REFUSED);        //  missing
    assert (s_run ("certs", "show", public_path, NULL) == S_EXIT_REFUSED);     //  not a cert
    assert (s_run ("certs", "verify", "--authority", public_path, cert_path, NULL) == S_EXIT_OK);
    assert (s_run ("certs", "verify", "--authority", secret_path, cert_path, NULL) == S_EXIT_OK);
    assert (s_run ("certs", "verify", "--authority", other_public, cert_path, NULL)
            == S_EXIT_REFUSED);
    assert (s_run ("certs", "verify", cert_path, NULL) == S_EXIT_USAGE);

    //  Expired and not yet valid
    authority_t *authority = authority_load (secret_path, NULL);
    assert (authority);
    int64_t now = s_now ();
    char *old_path = zsys_sprintf ("%s/old.cert", dir);
    cert = cert_new ("CUSTOMS", "Customs", "department", 1, 1, now - 1000, now - 10, NULL);
    cert_sign_by (cert, authority);
    assert (cert_save (cert, old_path, false, NULL) == 0);
    cert_destroy (&cert);
    assert (s_run ("certs", "verify", "--authority", public_path, old_path, NULL)
            == S_EXIT_REFUSED);
    cert = cert_new ("CUSTOMS", "Customs", "department", 1, 2, now + 1000, now + 2000, NULL);
    cert_sign_by (cert, authority);
    assert (cert_save (cert, old_path, true, NULL) == 0);
    cert_destroy (&cert);
    assert (s_run ("certs", "verify", "--authority", public_path, old_path, NULL)
            == S_EXIT_REFUSED);
    authority_destroy (&authority);

    //  revoke, crl, verify against the list
    assert (s_run ("certs", "revoke", "--authority", secret_path, "--crl", crl_path,
                   "--department", "SH-PD-MSA", NULL) == S_EXIT_USAGE);         //  no reason
    assert (s_run ("certs", "revoke", "--authority", public_path, "--crl", crl_path,
                   "--department", "SH-PD-MSA", "--reason", "x", NULL) == S_EXIT_REFUSED);
    assert (s_run ("certs", "revoke", "--authority", secret_path, "--crl", crl_path,
                   "--department", "SH-PD-MSA", "--serial", "999", "--reason",
                   "superseded", NULL) == S_EXIT_OK);
    crl_t *crl = crl_load (crl_path, NULL);
    assert (crl && crl_version (crl) == 1 && crl_size (crl) == 1);
    crl_destroy (&crl);
    assert (s_run ("certs", "verify", "--authority", public_path, "--crl", crl_path,
                   cert_path, NULL) == S_EXIT_OK);                              //  other serial
    assert (s_run ("certs", "revoke", "--authority", secret_path, "--crl", crl_path,
                   "--department", "SH-PD-MSA", "--serial", "1001", "--reason",
                   "key compromise", NULL) == S_EXIT_OK);
    assert (s_run ("certs", "revoke", "--authority", secret_path, "--crl", crl_path,
                   "--department", "SH-PD-MSA", "--serial", "1001", "--reason",
                   "again", NULL) == S_EXIT_OK);                                //  no change
    crl = crl_load (crl_path, NULL);
    assert (crl && crl_version (crl) == 2 && crl_size (crl) == 2);
    crl_destroy (&crl);
    assert (s_run ("certs", "verify", "--authority", public_path, "--crl", crl_path,
                   cert_path, NULL) == S_EXIT_REFUSED);                         //  revoked
    assert (s_run ("certs", "verify", "--authority", public_path, "--crl", crl_path,
                   tax_path, NULL) == S_EXIT_OK);
    assert (s_run ("certs", "revoke", "--authority", secret_path, "--crl", crl_path,
                   "--department", "TAX", "--reason", "left the federation", NULL) == S_EXIT_OK);
    assert (s_run ("certs", "verify", "--authority", public_path, "--crl", crl_path,
                   tax_path, NULL) == S_EXIT_REFUSED);                          //  serial 0
    assert (s_run ("certs", "crl", crl_path, NULL) == S_EXIT_OK);
    assert (s_run ("certs", "crl", "--authority", public_path, crl_path, NULL) == S_EXIT_OK);
    assert (s_run ("certs", "crl", "--authority", other_public, crl_path, NULL)
            == S_EXIT_REFUSED);
    //  A list from another authority is neither used nor extended
    assert (s_run ("certs", "verify", "--authority", other_public, "--crl", crl_path,
                   tax_path, NULL) == S_EXIT_REFUSED);
    assert (s_run ("certs", "revoke", "--authority", other_secret, "--crl", crl_path,
                   "--department", "TAX", "--reason", "x", NULL) == S_EXIT_REFUSED);
    crl = crl_load (crl_path, NULL);
    assert (crl && crl_version (crl) == 3 && crl_size (crl) == 3);
    crl_destroy (&crl);

    //  Clean up
    const char *files [] = {
        public_path, secret_path, other_public, other_secret, cert_path, cert_secret,
        tax_path, tax_secret, crl_path, old_path, NULL
    };
    for (int index = 0; files [index]; index++)
        unlink (files [index]);
    char *old_secret = zsys_sprintf ("%s_secret", old_path);
    unlink (old_secret);
    zstr_free (&old_secret);
    rmdir (out);
    rmdir (authority_dir);
    rmdir (other_dir);
    assert (rmdir (dir) == 0);
    zstr_free (&old_path);
    zstr_free (&dir);
    zstr_free (&authority_dir);
    zstr_free (&public_path);
    zstr_free (&secret_path);
    zstr_free (&other_dir);
    zstr_free (&other_public);
    zstr_free (&other_secret);
    zstr_free (&out);
    zstr_free (&cert_path);
    zstr_free (&cert_secret);
    zstr_free (&tax_path);
    zstr_free (&tax_secret);
    zstr_free (&crl_path);
    printf ("OK\n");
}
