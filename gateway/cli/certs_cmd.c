/*  certs_cmd.c -- `sluice certs init|issue|revoke|publish`, and the group
    (show, verify and crl are in certs_show_cmd.c); see certs_cmd.h.
*/

#include "certs_cmd.h"
#include "cli_ask.h"
#include "cert.h"
#include "certtext.h"
#include "crl.h"
#include "certfile.h"
#include "status.h"
#include "ident.h"
#include <sys/stat.h>
#include <sys/time.h>
#include <errno.h>

#define S_DAYS_MAX      36500
//  Certificates start a little in the past, to absorb clock skew between
//  the admin's host and the federation's
#define S_BACKDATE      300
#define S_WAIT_MS       8000    //  for the brokers' answer, through the gateway

static int64_t
s_now (void)
{
    return zclock_time () / 1000;
}

//  Creates a directory and its parents as needed; 0, or -1 with *error
static int
s_make_dir (const char *path, mode_t mode, char **error)
{
    char *copy = strdup (path);
    assert (copy);
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
        status_set_error (error, "cannot create directory %s: %s", path, strerror (errno));
    free (copy);
    return rc;
}


//  --------------------------------------------------------------------------
//  sluice certs init

static int
s_init (cli_t *cli)
{
    const char *dir = cli_get (cli, "dir");
    const char *name = cli_get (cli, "name");
    if (!name)
        name = "Sluice federation authority";
    bool force = cli_has (cli, "force");
    char *error = NULL;
    if (s_make_dir (dir, 0700, &error))
        return cli_fail_with (cli, CLI_EXIT_NOT_FOUND, &error);
    authority_t *authority = authority_new (name, NULL);
    if (!authority)
        return cli_fail (cli, CLI_EXIT_NOT_FOUND, "invalid --name '%s' (1 to 128 bytes, "
                         "no control characters or double quotes)", name);
    if (authority_save (authority, dir, force, &error)) {
        authority_destroy (&authority);
        int rc = cli_fail (cli, CLI_EXIT_NOT_FOUND, "authority files not written in %s%s: %s",
                           dir, force? "": " (use --force to replace existing ones)", error);
        zstr_free (&error);
        return rc;
    }
    printf ("authority     %s\n", authority_name (authority));
    certs_cmd_print_hex ("sign key", authority_public (authority), 32);
    printf ("public file   %s/authority.pub   (give to every broker and gateway)\n", dir);
    printf ("secret file   %s/authority.secret (mode 0600, keep offline)\n", dir);
    authority_destroy (&authority);
    return CLI_EXIT_OK;
}

static const cli_option_t s_init_options [] = {
    { "dir", "DIR", CLI_REQUIRED, "where the key pair is written" },
    { "name", "NAME", 0, "the authority's name" },
    { "force", NULL, 0, "replace existing files (every certificate issued so far "
      "becomes worthless)" },
    { NULL }
};

static const cli_exit_use_t s_done_exits [] = {
    { CLI_EXIT_OK, "done" },
    { CLI_EXIT_NOT_FOUND, "refused (an invalid value, a file that is there)" },
    { CLI_EXIT_NO_FILE, "no such file" },
    { 0, NULL }
};

static const cli_command_t s_init_command = {
    "init", "create the federation authority's key pair", s_init, s_init_options, NULL,
    "Creates DIR/authority.pub (give it to every broker and gateway) and\n"
    "DIR/authority.secret (mode 0600; keep it with the admin, offline).\n"
    "Refuses to replace existing files unless --force is given.\n",
    s_done_exits, "sluice certs init --dir /etc/sluice/authority --name \"Pudong federation\"\n"
};


//  --------------------------------------------------------------------------
//  sluice certs issue

//  What issue is asked for, checked
typedef struct {
    const char *role;
    char department [IDENT_MAX + 1];    //  canonical
    uint64_t clearance, days, serial;
    int64_t not_before, not_after;
} s_issue_t;

//  Reads and checks the options into self; 0, or an exit code (said)
static int
s_issue_check (cli_t *cli, s_issue_t *self)
{
    self->role = cli_get (cli, "role");
    if (!self->role)
        self->role = CERT_ROLE_DEPARTMENT;
    if (!streq (self->role, CERT_ROLE_DEPARTMENT) && !streq (self->role, CERT_ROLE_BROKER))
        return cli_usage_error (cli, "--role must be 'department' or 'broker'");
    //  A broker reads no field: it is cleared for none
    bool broker = streq (self->role, CERT_ROLE_BROKER);
    self->clearance = broker? 0: 2;
    self->days = 365;
    self->serial = 0;
    if (cli_uint (cli, "clearance", 0, CERT_CLEARANCE_MAX, &self->clearance)
    ||  cli_uint (cli, "days", 1, S_DAYS_MAX, &self->days)
    ||  cli_uint (cli, "serial", 1, CERTFILE_UINT_MAX, &self->serial))
        return CLI_EXIT_USAGE;
    if (broker && self->clearance != 0)
        return cli_usage_error (cli, "a broker certificate carries no clearance (a broker "
                                "routes sealed messages and never reads a field): leave "
                                "out --clearance, or give 0");
    self->not_before = s_now () - S_BACKDATE;
    self->not_after = self->not_before + S_BACKDATE + (int64_t) self->days * 86400;
    //  An explicit end (e.g. to align with a mandate) overrides --days
    const char *until = cli_get (cli, "not-after");
    if (until && (certfile_time_parse (until, &self->not_after)
              ||  self->not_after <= self->not_before))
        return cli_usage_error (cli, "--not-after must be an ISO 8601 UTC time "
                                "(2027-01-01T00:00:00Z) after the start of validity");
    const char *department = cli_get (cli, "department"), *reason = NULL;
    if (!ident_validate (IDENT_DEPARTMENT, department, self->department, 0, &reason))
        return cli_fail (cli, CLI_EXIT_NOT_FOUND, "invalid --department '%s': %s",
                         department, reason? reason: "not a department id");
    if (!certfile_text_valid (cli_get (cli, "name"), CERT_NAME_MAX, false))
        return cli_fail (cli, CLI_EXIT_NOT_FOUND, "invalid --name: 1 to %d bytes of UTF-8, "
                         "no control characters or double quotes", CERT_NAME_MAX);
    if (self->serial == 0) {
        //  Time of issue in microseconds: a later certificate of the same
        //  department always has a higher serial, so it replaces the older
        //  one in every trust store
        struct timeval now;
        gettimeofday (&now, NULL);
        self->serial = (uint64_t) now.tv_sec * 1000000 + (uint64_t) now.tv_usec;
    }
    return CLI_EXIT_OK;
}

static int
s_issue (cli_t *cli)
{
    s_issue_t self;
    int rc = s_issue_check (cli, &self);
    authority_t *authority = NULL;
    char *error = NULL;
    if (rc == CLI_EXIT_OK)
        rc = certs_cmd_authority (cli_get (cli, "authority"), true, &authority, &error);
    if (rc)
        return cli_fail_with (cli, rc, &error);
    const char *out = cli_get (cli, "out");
    bool force = cli_has (cli, "force");
    cert_t *cert = cert_new (self.department, cli_get (cli, "name"), self.role,
                             (int) self.clearance, self.serial, self.not_before,
                             self.not_after, NULL);
    char *path = zsys_sprintf ("%s/%s.cert", out, self.department);
    rc = CLI_EXIT_NOT_FOUND;
    if (!cert)
        status_set_error (&error, "cannot create the certificate");
    else
    if (s_make_dir (out, 0755, &error) == 0) {
        cert_sign_by (cert, authority);
        char *reason = NULL;
        if (certtext_save (cert, path, force, &reason) == 0) {
            char until [CERTFILE_TIME_SIZE];
            certfile_time_format (cert_not_after (cert), until);
            printf ("issued        %s (%s), serial %" PRIu64 ", clearance %d, valid until "
                    "%s\n", self.department, self.role, self.serial, (int) self.clearance,
                    until);
            printf ("public file   %s\n", path);
            printf ("secret file   %s_secret (mode 0600, install on the %s's host only)\n",
                    path, streq (self.role, "broker")? "broker": "department gateway");
            rc = CLI_EXIT_OK;
        }
        else
            status_set_error (&error, "certificate not written to %s%s: %s", path,
                              force? "": " (use --force to replace)", reason);
        zstr_free (&reason);
    }
    if (rc)
        cli_fail_with (cli, rc, &error);
    zstr_free (&path);
    cert_destroy (&cert);
    authority_destroy (&authority);
    return rc;
}

static const cli_option_t s_issue_options [] = {
    { "authority", "DIR/authority.secret", CLI_REQUIRED, "the authority, with its secret key" },
    { "department", "ID", CLI_REQUIRED, "the department's (or broker's) id" },
    { "name", "\"Display Name\"", CLI_REQUIRED, "its name" },
    { "out", "DIR", CLI_REQUIRED, "where the certificate is written" },
    { "role", "department|broker", 0, "default department" },
    { "clearance", "0-5", 0, "the highest field sensitivity it may read (default 2; a "
      "broker: 0)" },
    { "days", "N", CLI_EITHER, "days of validity (default 365)" },
    { "not-after", "TIME", 0, "or the end of validity" },
    { "serial", "N", 0, "default: the time of issue in microseconds" },
    { "force", NULL, 0, "replace the files if they are there" },
    { NULL }
};

static const cli_command_t s_issue_command = {
    "issue", "issue a department or broker certificate", s_issue, s_issue_options, NULL,
    "Creates fresh keys (Ed25519 signing, X25519 sealing, CURVE transport) and\n"
    "writes OUT/ID.cert (public) and OUT/ID.cert_secret (mode 0600), signed\n"
    "by the authority. Defaults: role department, clearance 2, 365 days from\n"
    "now (the start is set 5 minutes back for clock skew), and as serial the\n"
    "time of issue in microseconds since 1970, so that a renewed certificate\n"
    "always has a higher serial and replaces the older one everywhere.\n"
    "A broker certificate has clearance 0 and refuses another: a broker routes\n"
    "sealed messages and never reads a field.\n",
    s_done_exits,
    "sluice certs issue --authority /etc/sluice/authority/authority.secret \\\n"
    "    --department SH-PD-MSA --name \"Pudong Market Supervision\" \\\n"
    "    --clearance 3 --out certs\n"
};


//  --------------------------------------------------------------------------
//  sluice certs publish

static int
s_publish (cli_t *cli)
{
    const char *crl_path = cli_get (cli, "crl");
    size_t size;
    char *error = NULL;
    char *text = certfile_read (crl_path, LOCALAPI_TEXT_MAX, &size, &error);
    if (!text) {
        int rc = cli_fail (cli, cli_file_exit (crl_path, CLI_EXIT_DATA),
                           "cannot read %s to publish it (%s)", crl_path, error);
        zstr_free (&error);
        return rc;
    }
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "crl");
    request.text = text;
    static const cli_show_t show = { CLI_SHOW_DONE, NULL, "revocation list", false,
                                     "published" };
    int rc = cli_ask_show (cli, &request, S_WAIT_MS, &show);
    localapi_request_clear (&request);
    return rc;
}

static const cli_option_t s_publish_options [] = {
    CLI_ASK_OPTIONS,
    { "crl", "FILE", CLI_REQUIRED, "the revocation list, signed by the authority" },
    CLI_ASK_TIMEOUT ("8000"),
    { NULL }
};

static const cli_exit_use_t s_publish_exits [] = {
    { CLI_EXIT_OK, "published" },
    { CLI_EXIT_FAILED, "a broker refused it (e.g. STALE), or no answer" },
    { CLI_EXIT_DATA, "not a file that can be sent" },
    { CLI_EXIT_NO_FILE, "no such file" },
    { 0, NULL }
};

static const cli_command_t s_publish_command = {
    "publish", "send a revocation list to the brokers through a gateway", s_publish,
    s_publish_options, NULL,
    "Sends the authority's revocation list FILE to the brokers through this\n"
    "department's gateway. The brokers check the authority's signature, keep\n"
    "only a newer list, drop revoked departments at once and pass it on to\n"
    "every gateway.\n",
    s_publish_exits, "sluice certs publish --crl federation.crl --config msa/gateway.cfg\n"
};


//  --------------------------------------------------------------------------
//  sluice certs revoke

//  The list at crl_path if there is one, checked against the authority:
//  0 with *current (NULL if none yet), or an exit code with *error
static int
s_revoke_current (const char *crl_path, authority_t *authority, crl_t **current,
                  char **error)
{
    *current = NULL;
    if (!certfile_exists (crl_path))
        return CLI_EXIT_OK;
    *current = crl_load (crl_path, NULL);
    if (!*current) {
        status_set_error (error, "%s is not a valid revocation list", crl_path);
        return CLI_EXIT_NOT_FOUND;
    }
    if (crl_verify (*current, authority_public (authority))) {
        status_set_error (error, "%s is not signed by this authority; not extended",
                          crl_path);
        crl_destroy (current);
        return CLI_EXIT_NOT_FOUND;
    }
    return CLI_EXIT_OK;
}

//  Writes the next version of the list with the entry; 0, or an exit code
//  with *error
static int
s_revoke_write (cli_t *cli, crl_t *current, authority_t *authority, uint64_t serial,
                char **error)
{
    const char *crl_path = cli_get (cli, "crl"), *department = cli_get (cli, "department");
    if (current && crl_revoked (current, department, serial)) {
        if (serial)
            printf ("already revoked: %s serial %" PRIu64, department, serial);
        else
            printf ("already revoked: every certificate of %s", department);
        printf ("; %s unchanged (version %" PRIu64 ")\n", crl_path, crl_version (current));
        return CLI_EXIT_OK;
    }
    crl_t *next = current? crl_next (current): crl_new (1, NULL);
    int rc = CLI_EXIT_NOT_FOUND;
    if (!next || crl_add (next, department, serial, s_now (), cli_get (cli, "reason"), NULL))
        status_set_error (error, "cannot add the entry to %s", crl_path);
    else {
        crl_sign_by (next, authority);
        if (crl_save (next, crl_path, NULL))
            status_set_error (error, "cannot write %s", crl_path);
        else
            rc = CLI_EXIT_OK;
    }
    if (rc == CLI_EXIT_OK) {
        if (serial)
            printf ("revoked       %s serial %" PRIu64 "\n", department, serial);
        else
            printf ("revoked       every certificate of %s\n", department);
        printf ("list          %s, version %" PRIu64 ", entries: %zu\n",
                crl_path, crl_version (next), crl_size (next));
        printf ("              distribute it to the broker and every gateway\n");
    }
    crl_destroy (&next);
    return rc;
}

static int
s_revoke (cli_t *cli)
{
    uint64_t serial = 0;
    if (cli_uint (cli, "serial", 0, CERTFILE_UINT_MAX, &serial))
        return CLI_EXIT_USAGE;
    const char *department = cli_get (cli, "department"), *refusal = NULL;
    if (!ident_validate (IDENT_DEPARTMENT, department, NULL, 0, &refusal))
        return cli_fail (cli, CLI_EXIT_NOT_FOUND, "invalid --department '%s': %s",
                         department, refusal? refusal: "not a department id");
    if (!certfile_text_valid (cli_get (cli, "reason"), CRL_REASON_MAX, false))
        return cli_fail (cli, CLI_EXIT_NOT_FOUND, "invalid --reason: 1 to %d bytes of "
                         "UTF-8, no control characters or double quotes", CRL_REASON_MAX);
    authority_t *authority = NULL;
    crl_t *current = NULL;
    char *error = NULL;
    int rc = certs_cmd_authority (cli_get (cli, "authority"), true, &authority, &error);
    if (rc == CLI_EXIT_OK)
        rc = s_revoke_current (cli_get (cli, "crl"), authority, &current, &error);
    if (rc == CLI_EXIT_OK)
        rc = s_revoke_write (cli, current, authority, serial, &error);
    crl_destroy (&current);
    authority_destroy (&authority);
    if (rc)
        return cli_fail_with (cli, rc, &error);
    //  Then sends the list to the brokers, as `certs publish` does
    const char *publish = cli_get (cli, "publish");
    if (!publish)
        return CLI_EXIT_OK;
    char *argv [] = { "publish", "--crl", (char *) cli_get (cli, "crl"),
                      "--config", (char *) publish, NULL };
    return cli_main (&s_publish_command, cli->name, 5, argv);
}

static const cli_option_t s_revoke_options [] = {
    { "authority", "DIR/authority.secret", CLI_REQUIRED, "the authority, with its secret key" },
    { "crl", "FILE", CLI_REQUIRED, "the list, created or extended" },
    { "department", "ID", CLI_REQUIRED, "the department revoked" },
    { "serial", "N", 0, "its certificate (default 0: every one, present and future)" },
    { "reason", "TEXT", CLI_REQUIRED, "why" },
    { "publish", "GATEWAY.cfg", 0, "then send the list to the brokers through that "
      "gateway (as certs publish)" },
    { NULL }
};

static const cli_exit_use_t s_revoke_exits [] = {
    { CLI_EXIT_OK, "done" },
    { CLI_EXIT_NOT_FOUND, "refused (an invalid value, a list of another authority)" },
    { CLI_EXIT_FAILED, "a broker refused the list published, or no answer" },
    { CLI_EXIT_NO_FILE, "no such file" },
    { 0, NULL }
};

static const cli_command_t s_revoke_command = {
    "revoke", "add a certificate to the revocation list", s_revoke, s_revoke_options, NULL,
    "Creates the list (version 1) or writes the next version of it with the\n"
    "new entry, signed by the authority. Without --serial (or with 0) every\n"
    "certificate of the department is revoked, present and future.\n",
    s_revoke_exits,
    "sluice certs revoke --authority /etc/sluice/authority/authority.secret \\\n"
    "    --crl federation.crl --department SH-PD-MSA --serial 1001 \\\n"
    "    --reason \"key compromise\" --publish msa/gateway.cfg\n"
};


//  --------------------------------------------------------------------------
//  The group

static const cli_command_t *const s_commands [] = {
    &s_init_command, &s_issue_command, &certs_cmd_show, &certs_cmd_verify,
    &s_revoke_command, &certs_cmd_crl, &s_publish_command, NULL
};

const cli_command_t certs_cmd = {
    "certs", "authority, certificates and revocation", NULL, NULL, NULL,
    NULL, NULL, NULL, s_commands
};


//  --------------------------------------------------------------------------
//  Self test

//  Runs `sluice certs ARGS...` (NULL-terminated), output to /dev/null
#define S_RUN(...) cli_run_captured (&certs_cmd, "sluice certs", NULL, NULL, "certs", \
                                     __VA_ARGS__, NULL)

//  The same, stdout kept in *out (fresh string, caller frees)
#define S_SHOW(out, ...) cli_run_captured (&certs_cmd, "sluice certs", out, NULL, \
                                           "certs", __VA_ARGS__, NULL)

//  Usage: every mistake is 64, every --help 0
static void
s_test_usage (const char *dir)
{
    assert (cli_run_captured (&certs_cmd, "sluice certs", NULL, NULL, "certs", NULL)
            == CLI_EXIT_USAGE);
    assert (S_RUN ("--help") == CLI_EXIT_OK);
    assert (S_RUN ("frobnicate") == CLI_EXIT_USAGE);
    for (const cli_command_t *const *command = s_commands; *command; command++)
        assert (S_RUN ((*command)->name, "--help") == CLI_EXIT_OK);
    assert (S_RUN ("init") == CLI_EXIT_USAGE);
    assert (S_RUN ("init", "--dir") == CLI_EXIT_USAGE);
    assert (S_RUN ("init", "--dir", dir, "--dir", dir) == CLI_EXIT_USAGE);
    assert (S_RUN ("init", "--dir", dir, "--bogus") == CLI_EXIT_USAGE);
    assert (S_RUN ("init", "--dir", dir, "--force=yes") == CLI_EXIT_USAGE);
    assert (S_RUN ("init", "--dir", dir, "stray") == CLI_EXIT_USAGE);
    assert (S_RUN ("show") == CLI_EXIT_USAGE);
    assert (S_RUN ("revoke", "--publish", "x.cfg") == CLI_EXIT_USAGE);
    assert (S_RUN ("crl", "--publish", "x.cfg", "x.crl") == CLI_EXIT_USAGE);
}

//  issue: validation of every option
static void
s_test_issue_refused (const char *secret_path, const char *public_path, const char *out)
{
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Market") == CLI_EXIT_USAGE);                 //  no --out
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "sh-pd-msa",
                   "--name", "Market", "--out", out) == CLI_EXIT_NOT_FOUND); //  lower case
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Market", "--out", out, "--clearance", "6") == CLI_EXIT_USAGE);
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Market", "--out", out, "--days", "0") == CLI_EXIT_USAGE);
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Market", "--out", out, "--role", "admin") == CLI_EXIT_USAGE);
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Market", "--out", out, "--serial", "x") == CLI_EXIT_USAGE);
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "BROKER",
                   "--name", "Broker", "--out", out, "--role", "broker", "--clearance", "1")
            == CLI_EXIT_USAGE);             //  a broker has no clearance
    assert (S_RUN ("issue", "--authority", public_path, "--department", "SH-PD-MSA",
                   "--name", "Market", "--out", out) == CLI_EXIT_NOT_FOUND);  //  no secret
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Bad \"name\"", "--out", out) == CLI_EXIT_NOT_FOUND);
    assert (S_RUN ("issue", "--authority", "/nonexistent/authority.secret", "--department",
                   "SH-PD-MSA", "--name", "Market", "--out", out) == CLI_EXIT_NO_FILE);
}

//  show and verify, as text and as JSON
static void
s_test_show (const char *cert_path, const char *public_path, const char *other_public,
             const char *missing)
{
    assert (S_RUN ("show", cert_path) == CLI_EXIT_OK);
    assert (S_RUN ("show", missing) == CLI_EXIT_NO_FILE);
    assert (S_RUN ("show", public_path) == CLI_EXIT_NOT_FOUND);      //  not a cert
    char *out = NULL;
    assert (S_SHOW (&out, "show", "--json", cert_path) == CLI_EXIT_OK);
    assert (strstr (out, "{\"certificate\":\"") && strstr (out, "\"department\":"
                         "\"SH-PD-MSA\",\"name\":\"Pudong Market Supervision\","
                         "\"role\":\"department\",\"clearance\":3,\"serial\":1001,"));
    assert (strstr (out, "\"validity\":\"valid now\""));
    assert (strstr (out, "\"secret_keys\":false}\n"));
    freen (out);
    assert (S_RUN ("verify", "--authority", public_path, cert_path) == CLI_EXIT_OK);
    assert (S_SHOW (&out, "verify", "--authority", public_path, cert_path) == CLI_EXIT_OK);
    assert (streq (out, "valid\n"));
    freen (out);
    assert (S_SHOW (&out, "verify", "--json", "--authority", other_public, cert_path)
            == CLI_EXIT_NOT_FOUND);
    assert (strstr (out, "\"department\":\"SH-PD-MSA\",\"serial\":1001,\"valid\":false,"
                         "\"verdict\":\"bad signature: not signed by this authority, or "
                         "altered\",\"detail\":null}"));
    freen (out);
    assert (S_RUN ("verify", cert_path) == CLI_EXIT_USAGE);
    assert (S_RUN ("verify", "--authority", public_path, missing) == CLI_EXIT_NO_FILE);
}

//  Expired and not yet valid
static void
s_test_validity (const char *dir, const char *secret_path, const char *public_path)
{
    authority_t *authority = authority_load (secret_path, NULL);
    assert (authority);
    int64_t now = s_now ();
    char *old_path = zsys_sprintf ("%s/old.cert", dir);
    cert_t *cert = cert_new ("CUSTOMS", "Customs", "department", 1, 1, now - 1000, now - 10, NULL);
    cert_sign_by (cert, authority);
    assert (certtext_save (cert, old_path, false, NULL) == 0);
    cert_destroy (&cert);
    char *out = NULL;
    assert (S_SHOW (&out, "verify", "--authority", public_path, old_path)
            == CLI_EXIT_NOT_FOUND);
    assert (strstr (out, "old.cert: expired (on "));
    freen (out);
    cert = cert_new ("CUSTOMS", "Customs", "department", 1, 2, now + 1000, now + 2000, NULL);
    cert_sign_by (cert, authority);
    assert (certtext_save (cert, old_path, true, NULL) == 0);
    cert_destroy (&cert);
    assert (S_SHOW (&out, "verify", "--authority", public_path, "--json", old_path)
            == CLI_EXIT_NOT_FOUND);
    assert (strstr (out, "\"verdict\":\"not yet valid\",\"detail\":\"valid from "));
    freen (out);
    authority_destroy (&authority);
    unlink (old_path);
    char *old_secret = zsys_sprintf ("%s_secret", old_path);
    unlink (old_secret);
    zstr_free (&old_secret);
    zstr_free (&old_path);
}

//  revoke, crl, verify against the list
static void
s_test_revoke (const char *secret_path, const char *public_path, const char *other_public,
               const char *other_secret, const char *crl_path, const char *cert_path,
               const char *tax_path)
{
    assert (S_RUN ("revoke", "--authority", secret_path, "--crl", crl_path,
                   "--department", "SH-PD-MSA") == CLI_EXIT_USAGE);             //  no reason
    assert (S_RUN ("revoke", "--authority", public_path, "--crl", crl_path,
                   "--department", "SH-PD-MSA", "--reason", "x") == CLI_EXIT_NOT_FOUND);
    assert (S_RUN ("revoke", "--authority", secret_path, "--crl", crl_path, "--department",
                   "SH-PD-MSA", "--serial", "999", "--reason", "superseded") == CLI_EXIT_OK);
    crl_t *crl = crl_load (crl_path, NULL);
    assert (crl && crl_version (crl) == 1 && crl_size (crl) == 1);
    crl_destroy (&crl);
    assert (S_RUN ("verify", "--authority", public_path, "--crl", crl_path, cert_path)
            == CLI_EXIT_OK);                                                    //  other serial
    assert (S_RUN ("revoke", "--authority", secret_path, "--crl", crl_path, "--department",
                   "SH-PD-MSA", "--serial", "1001", "--reason", "key compromise")
            == CLI_EXIT_OK);
    assert (S_RUN ("revoke", "--authority", secret_path, "--crl", crl_path, "--department",
                   "SH-PD-MSA", "--serial", "1001", "--reason", "again") == CLI_EXIT_OK);
    crl = crl_load (crl_path, NULL);
    assert (crl && crl_version (crl) == 2 && crl_size (crl) == 2);
    crl_destroy (&crl);
    assert (S_RUN ("verify", "--authority", public_path, "--crl", crl_path, cert_path)
            == CLI_EXIT_NOT_FOUND);                                             //  revoked
    assert (S_RUN ("verify", "--authority", public_path, "--crl", crl_path, tax_path)
            == CLI_EXIT_OK);
    assert (S_RUN ("revoke", "--authority", secret_path, "--crl", crl_path, "--department",
                   "TAX", "--reason", "left the federation") == CLI_EXIT_OK);
    assert (S_RUN ("verify", "--authority", public_path, "--crl", crl_path, tax_path)
            == CLI_EXIT_NOT_FOUND);                                             //  serial 0
    assert (S_RUN ("crl", crl_path) == CLI_EXIT_OK);
    assert (S_RUN ("crl", "--authority", public_path, crl_path) == CLI_EXIT_OK);
    assert (S_RUN ("crl", "--authority", other_public, crl_path) == CLI_EXIT_NOT_FOUND);
    char *out = NULL;
    assert (S_SHOW (&out, "crl", "--json", "--authority", public_path, crl_path) == 0);
    assert (strstr (out, "\"version\":3,") && strstr (out, "\"signature\":\"verified\","
                         "\"authority\":\"Test federation\",\"entries\":[{\"department\":"
                         "\"SH-PD-MSA\",\"serial\":999,"));
    assert (strstr (out, "{\"department\":\"TAX\",\"serial\":0,\"revoked_at\":\""));
    assert (strstr (out, "\"reason\":\"left the federation\"}]}\n"));
    freen (out);
    //  A list from another authority is neither used nor extended
    assert (S_RUN ("verify", "--authority", other_public, "--crl", crl_path, tax_path)
            == CLI_EXIT_NOT_FOUND);
    assert (S_RUN ("revoke", "--authority", other_secret, "--crl", crl_path,
                   "--department", "TAX", "--reason", "x") == CLI_EXIT_NOT_FOUND);
    crl = crl_load (crl_path, NULL);
    assert (crl && crl_version (crl) == 3 && crl_size (crl) == 3);
    crl_destroy (&crl);
    //  Publishing needs a gateway: none answers here
    assert (S_RUN ("publish", "--crl", crl_path, "--gateway", "ipc:///nonexistent/x.ipc",
                   "--timeout-ms", "100") == CLI_EXIT_FAILED);
    assert (S_RUN ("publish", "--crl", "/nonexistent/x.crl", "--gateway", "ipc://x")
            == CLI_EXIT_NO_FILE);
}

void
certs_cmd_test (bool verbose)
{
    printf (" * certs_cmd: ");
    if (verbose)
        printf ("\n");

    //  @selftest
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
    s_test_usage (dir);

    //  init: creates, refuses to overwrite, replaces with --force
    assert (S_RUN ("init", "--dir", authority_dir, "--name", "Test federation") == 0);
    struct stat st;
    assert (stat (secret_path, &st) == 0 && (st.st_mode & 0777) == 0600);
    assert (S_RUN ("init", "--dir", authority_dir) == CLI_EXIT_NOT_FOUND);
    assert (S_RUN ("init", "--dir", other_dir) == CLI_EXIT_OK);
    assert (S_RUN ("init", "--dir=" , "x") == CLI_EXIT_USAGE);
    assert (S_RUN ("init", "--dir", other_dir, "--force") == CLI_EXIT_OK);
    assert (S_RUN ("init", "--dir", other_dir, "--force", "--name", "") == CLI_EXIT_NOT_FOUND);
    s_test_issue_refused (secret_path, public_path, out);

    //  issue, show, verify
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Pudong Market Supervision", "--clearance", "3",
                   "--serial", "1001", "--out", out) == CLI_EXIT_OK);
    assert (stat (cert_secret, &st) == 0 && (st.st_mode & 0777) == 0600);
    cert_t *cert = certtext_load (cert_path, NULL);
    assert (cert);
    assert (cert_serial (cert) == 1001 && cert_clearance (cert) == 3);
    assert (cert_not_after (cert) - cert_not_before (cert) == 365 * 86400 + S_BACKDATE);
    cert_destroy (&cert);
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "SH-PD-MSA",
                   "--name", "Pudong Market Supervision", "--out", out) == CLI_EXIT_NOT_FOUND);
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "TAX",
                   "--name", "Pudong Tax", "--role=broker", "--days=30", "--out", out) == 0);
    cert = certtext_load (tax_secret, NULL);
    assert (cert && cert_has_secret (cert) && streq (cert_role (cert), "broker"));
    assert (cert_serial (cert) > 0 && cert_clearance (cert) == 0);
    uint64_t first_serial = cert_serial (cert);
    cert_destroy (&cert);
    //  A renewal gets a higher serial by default
    assert (S_RUN ("issue", "--authority", secret_path, "--department", "TAX",
                   "--name", "Pudong Tax", "--role=broker", "--days=30", "--out", out,
                   "--force") == CLI_EXIT_OK);
    cert = certtext_load (tax_path, NULL);
    assert (cert && cert_serial (cert) > first_serial);
    cert_destroy (&cert);
    assert (S_RUN ("show", cert_secret) == CLI_EXIT_OK);
    s_test_show (cert_path, public_path, other_public, crl_path);
    assert (S_RUN ("verify", "--authority", secret_path, cert_path) == CLI_EXIT_OK);
    s_test_validity (dir, secret_path, public_path);
    s_test_revoke (secret_path, public_path, other_public, other_secret, crl_path,
                   cert_path, tax_path);

    //  Clean up
    const char *files [] = {
        public_path, secret_path, other_public, other_secret, cert_path, cert_secret,
        tax_path, tax_secret, crl_path, NULL
    };
    for (int index = 0; files [index]; index++)
        unlink (files [index]);
    rmdir (out);
    rmdir (authority_dir);
    rmdir (other_dir);
    assert (rmdir (dir) == 0);
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
    //  @end

    printf ("OK\n");
}
