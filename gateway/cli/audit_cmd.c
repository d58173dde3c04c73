/*  audit_cmd.c -- `sluice audit verify|show|renew`; see audit_cmd.h.

    The log is opened read-only to verify and show it; renewing writes it,
    with the gateway stopped. What the log holds was written by others (the
    officers, purposes and reasons of other departments): the reports that
    quote it are printed escaped.
*/

#include "audit_cmd.h"
#include "cli_out.h"
#include "audit.h"
#include "auditfile.h"
#include "auditverify.h"
#include "auditprint.h"
#include "authority.h"
#include "cert.h"
#include "certtext.h"
#include "status.h"

//  The exit code for a result of auditverify_log, auditverify_witness or
//  auditfile_check that is not a count
static int
s_exit (int64_t result)
{
    return result >= 0? CLI_EXIT_OK:
           result == AUDIT_NO_FILE? CLI_EXIT_NO_FILE:
           result == AUDIT_NOT_A_LOG? CLI_EXIT_DATA: CLI_EXIT_NOT_FOUND;
}

//  The certificates of one department, comma-separated, as keys that may
//  sign checkpoints
typedef struct {
    audit_key_t *keys;
    size_t count;
    char *department;
} s_keys_t;

static void
s_keys_clear (s_keys_t *self)
{
    free (self->keys);
    zstr_free (&self->department);
    memset (self, 0, sizeof (*self));
}

//  Adds the certificate at path; returns 0, or an exit code with *error
static int
s_keys_add (s_keys_t *self, const char *path, char **error)
{
    cert_t *cert = certtext_load (path, NULL);
    if (!cert) {
        int code = cli_file_exit (path, CLI_EXIT_DATA);
        status_set_error (error, "%s: %s", path, code == CLI_EXIT_NO_FILE?
                          "no such file": "not a certificate");
        return code;
    }
    if (self->department && !streq (self->department, cert_department (cert))) {
        status_set_error (error, "%s is a certificate of %s, not of %s", path,
                          cert_department (cert), self->department);
        cert_destroy (&cert);
        return CLI_EXIT_USAGE;
    }
    if (!self->department)
        self->department = strdup (cert_department (cert));
    audit_key_t *grown = (audit_key_t *) realloc (self->keys,
                                                  sizeof (audit_key_t) * (self->count + 1));
    assert (grown);
    self->keys = grown;
    grown [self->count].serial = cert_serial (cert);
    memcpy (grown [self->count].sign_public, cert_sign_public (cert), AUDIT_KEY_SIZE);
    self->count++;
    cert_destroy (&cert);
    return CLI_EXIT_OK;
}

//  Loads every certificate of `list`; returns 0, or an exit code with
//  *error (and self cleared)
static int
s_keys_load (s_keys_t *self, const char *list, char **error)
{
    memset (self, 0, sizeof (*self));
    char *copy = strdup (list);
    assert (copy);
    char *save = NULL;
    int rc = CLI_EXIT_OK;
    for (char *path = strtok_r (copy, ",", &save); path && rc == CLI_EXIT_OK;
         path = strtok_r (NULL, ",", &save))
        rc = s_keys_add (self, path, error);
    free (copy);
    if (rc == CLI_EXIT_OK && self->count == 0) {
        status_set_error (error, "no certificate given");
        rc = CLI_EXIT_USAGE;
    }
    if (rc)
        s_keys_clear (self);
    return rc;
}


//  --------------------------------------------------------------------------
//  sluice audit verify

//  What verifying found
typedef struct {
    const char *log;
    const char *witness;            //  NULL if none given
    s_keys_t keys, witness_keys;
    int64_t records;                //  verified, or AUDIT_NOT_INTACT
    int64_t witnessed;              //  witness records that agree, or as records
    char *renewals;                 //  where the log was renewed, or NULL
    char *problem;                  //  the first problem, or NULL
} s_verified_t;

static void
s_verified_print (cli_out_t *out, const s_verified_t *self)
{
    FILE *file = out->file;
    if (self->problem) {
        fprintf (file, "audit log %s: NOT INTACT: ", self->log);
        cli_text_str (out, self->problem, 0);
        fputc ('\n', file);
        return;
    }
    fprintf (file, "audit log %s: intact, %" PRId64 " records, signed by %s", self->log,
             self->records, self->keys.department);
    if (self->renewals) {
        fputs ("; ", file);
        cli_text_str (out, self->renewals, 0);
    }
    if (self->witness)
        fprintf (file, "; witnessed by %s (%s): %" PRId64 " of its records agree",
                 self->witness, self->witness_keys.department, self->witnessed);
    fputc ('\n', file);
}

static void
s_verified_print_json (cli_out_t *out, const s_verified_t *self)
{
    json_t *json = json_object ();
    assert (json);
    jsonpack_set (json, "log", jsonpack_str (&out->counts, self->log));
    jsonpack_set (json, "intact", json_boolean (!self->problem));
    jsonpack_set (json, "department", jsonpack_str (&out->counts, self->keys.department));
    jsonpack_set (json, "records", self->problem? json_null (): json_integer (self->records));
    jsonpack_set (json, "renewals", self->renewals? jsonpack_str (&out->counts, self->renewals):
                                                    json_null ());
    jsonpack_set (json, "problem", self->problem? jsonpack_str (&out->counts, self->problem):
                                                  json_null ());
    json_t *witness = json_null ();
    if (self->witness) {
        json_decref (witness);
        witness = json_object ();
        assert (witness);
        jsonpack_set (witness, "log", jsonpack_str (&out->counts, self->witness));
        jsonpack_set (witness, "department", jsonpack_str (&out->counts,
                                                           self->witness_keys.department));
        jsonpack_set (witness, "agreeing", self->problem? json_null ():
                                           json_integer (self->witnessed));
    }
    jsonpack_set (json, "witness", witness);
    cli_json_print (out, &json);
}

//  Verifies the log, then against the witness; 0, or an exit code with
//  *error for a file that is not there or not a log (a log that is not
//  intact is a result: self->problem)
static int
s_verify_logs (s_verified_t *self, char **error)
{
    char *report = NULL;
    self->records = auditverify_log (self->log, self->keys.keys, self->keys.count, &report);
    if (self->records == AUDIT_NOT_INTACT)
        self->problem = report;
    else
    if (self->records < 0) {
        status_set_error (error, "%s", report? report: "cannot read the log");
        zstr_free (&report);
        return s_exit (self->records);
    }
    else
        self->renewals = report;
    if (!self->witness || self->problem)
        return CLI_EXIT_OK;
    report = NULL;
    self->witnessed = auditverify_witness (self->log, self->keys.keys, self->keys.count,
                                           self->witness, self->witness_keys.keys,
                                           self->witness_keys.count, &report);
    if (self->witnessed == AUDIT_NOT_INTACT)
        self->problem = report;
    else
    if (self->witnessed < 0) {
        status_set_error (error, "%s", report? report: "cannot read the witness log");
        zstr_free (&report);
        return s_exit (self->witnessed);
    }
    else
        zstr_free (&report);
    return CLI_EXIT_OK;
}

static int
s_verify (cli_t *cli)
{
    s_verified_t self = { cli_get (cli, "log"), cli_get (cli, "witness") };
    const char *witness_certs = cli_get (cli, "witness-cert");
    if (!self.witness != !witness_certs)
        return cli_usage_error (cli, "--witness and --witness-cert go together");
    char *error = NULL;
    int rc = s_keys_load (&self.keys, cli_get (cli, "cert"), &error);
    if (rc == CLI_EXIT_OK && self.witness)
        rc = s_keys_load (&self.witness_keys, witness_certs, &error);
    if (rc == CLI_EXIT_OK)
        rc = s_verify_logs (&self, &error);
    if (rc == CLI_EXIT_OK) {
        cli_out_t out = cli_out (stdout);
        if (cli_json (cli))
            s_verified_print_json (&out, &self);
        else
            s_verified_print (&out, &self);
        cli_out_report (&out, cli->name);
        rc = self.problem? CLI_EXIT_NOT_FOUND: CLI_EXIT_OK;
    }
    else
        rc = cli_fail_with (cli, rc, &error);
    s_keys_clear (&self.keys);
    s_keys_clear (&self.witness_keys);
    zstr_free (&self.renewals);
    zstr_free (&self.problem);
    return rc;
}

static const cli_option_t s_verify_options [] = {
    { "log", "STATE/audit.db", CLI_REQUIRED, "the audit log" },
    { "cert", "DEPT.cert[,OLD.cert...]", CLI_REQUIRED,
      "the department's certificates (after a renewal, the old ones too)" },
    { "witness", "OTHER/audit.db", 0, "the log of a department it exchanged queries with" },
    { "witness-cert", "OTHER.cert[,...]", 0, "that department's certificates" },
    { "json", NULL, 0, "print the verdict as JSON" },
    { NULL }
};

static const cli_exit_use_t s_verify_exits [] = {
    { CLI_EXIT_OK, "intact" }, { CLI_EXIT_NOT_FOUND, "NOT INTACT" },
    { CLI_EXIT_DATA, "not an audit log, or not a certificate" },
    { CLI_EXIT_NO_FILE, "no such file" },
    { 0, NULL }
};


//  --------------------------------------------------------------------------
//  sluice audit show

//  One record as a JSON object: seq, time (as the text shows it), time_ms,
//  then the texts by their names
static void
s_show_json (const auditprint_row_t *row, void *argument)
{
    cli_out_t *out = (cli_out_t *) argument;
    char stamp [AUDITPRINT_TIME_SIZE];
    auditprint_time (row->time_ms, stamp);
    json_t *json = json_object ();
    assert (json);
    jsonpack_set (json, "seq", json_integer (row->seq));
    jsonpack_set (json, "time", json_string (stamp));
    jsonpack_set (json, "time_ms", json_integer (row->time_ms));
    for (int text = 0; text < AUDITPRINT_TEXTS; text++)
        jsonpack_set (json, auditprint_name (text), jsonpack_str (&out->counts, row->texts [text]));
    cli_json_element (out, &json);
}

static int
s_show (cli_t *cli)
{
    const char *log = cli_get (cli, "log");
    uint64_t last = 20;
    if (cli_uint (cli, "last", 0, INT64_MAX, &last))
        return CLI_EXIT_USAGE;
    char *report = NULL;
    int check = auditfile_check (log, &report);
    if (check)
        return cli_fail_with (cli, s_exit (check), &report);
    int64_t shown;
    if (cli_json (cli)) {
        //  Streamed, as the text is: a log may hold more than memory
        cli_out_t out = cli_out (stdout);
        shown = auditprint_each (log, (int64_t) last, s_show_json, &out, &report);
        if (shown >= 0 || out.elements) {       //  valid JSON, also cut short
            cli_json_end (&out);
            cli_out_report (&out, cli->name);
        }
    }
    else
        shown = auditprint_records (log, stdout, (int64_t) last, &report);
    if (shown < 0)
        return cli_fail_with (cli, s_exit (shown), &report);
    return CLI_EXIT_OK;
}

static const cli_option_t s_show_options [] = {
    { "log", "STATE/audit.db", CLI_REQUIRED, "the audit log" },
    { "last", "N", 0, "the newest N records (default 20, 0 for all)" },
    { "json", NULL, 0, "print the records as JSON: seq, time, time_ms, then the texts" },
    { NULL }
};

static const cli_exit_use_t s_show_exits [] = {
    { CLI_EXIT_OK, "shown" }, { CLI_EXIT_NOT_FOUND, "the log cannot be read through" },
    { CLI_EXIT_DATA, "not an audit log" }, { CLI_EXIT_NO_FILE, "no such file" },
    { 0, NULL }
};


//  --------------------------------------------------------------------------
//  sluice audit renew: the old key signs the new one into the chain

//  Checks the two certificates (and the authority, if given); 0, or an exit
//  code with *error
static int
s_renew_check (cli_t *cli, cert_t *old_cert, cert_t *new_cert, authority_t *authority,
               char **error)
{
    const char *old_path = cli_get (cli, "cert"), *new_path = cli_get (cli, "new-cert");
    const char *authority_path = cli_get (cli, "authority");
    int rc = CLI_EXIT_DATA;
    if (!old_cert || !cert_has_secret (old_cert)) {
        rc = cli_file_exit (old_path, CLI_EXIT_DATA);
        status_set_error (error, "%s: not a certificate with its secret keys (the old "
                          ".cert_secret)", old_path);
    }
    else
    if (!new_cert) {
        rc = cli_file_exit (new_path, CLI_EXIT_DATA);
        status_set_error (error, "%s: not a certificate", new_path);
    }
    else
    if (authority_path && !authority) {
        rc = cli_file_exit (authority_path, CLI_EXIT_DATA);
        status_set_error (error, "%s: not an authority key", authority_path);
    }
    else
    if (authority && (cert_verify (old_cert, authority_public (authority))
                  ||  cert_verify (new_cert, authority_public (authority))))
        status_set_error (error, "the certificates are not both signed by this authority");
    else
    if (!streq (cert_department (old_cert), cert_department (new_cert)))
        status_set_error (error, "%s is a certificate of %s, not of %s", new_path,
                          cert_department (new_cert), cert_department (old_cert));
    else
    if (cert_serial (new_cert) <= cert_serial (old_cert))
        status_set_error (error, "the new certificate's serial (%" PRIu64 ") must be above "
                          "the old one's (%" PRIu64 ")", cert_serial (new_cert),
                          cert_serial (old_cert));
    else
        rc = CLI_EXIT_OK;
    return rc;
}

static int
s_renew (cli_t *cli)
{
    const char *log = cli_get (cli, "log");
    const char *authority_path = cli_get (cli, "authority");
    cert_t *old_cert = certtext_load (cli_get (cli, "cert"), NULL);
    cert_t *new_cert = certtext_load (cli_get (cli, "new-cert"), NULL);
    authority_t *authority = authority_path? authority_load (authority_path, NULL): NULL;
    char *error = NULL;
    int rc = s_renew_check (cli, old_cert, new_cert, authority, &error);
    if (rc == CLI_EXIT_OK) {
        int check = auditfile_check (log, &error);
        rc = s_exit (check);
    }
    int64_t seq = 0;
    if (rc == CLI_EXIT_OK) {
        seq = audit_renew (log, cert_department (old_cert), cert_sign_secret (old_cert),
                           cert_serial (old_cert), cert_serial (new_cert),
                           cert_sign_public (new_cert), &error);
        if (seq < 0) {
            if (!error)
                status_set_error (&error, "renewal refused");
            rc = CLI_EXIT_NOT_FOUND;
        }
    }
    if (rc)
        cli_fail_with (cli, rc, &error);
    else
        printf ("audit log %s: renewal recorded at record %" PRId64 ", certificate serial "
                "%" PRIu64 " replaced by serial %" PRIu64 "; start the gateway with %s's "
                "new certificate\n", log, seq, cert_serial (old_cert),
                cert_serial (new_cert), cert_department (new_cert));
    cert_destroy (&old_cert);
    cert_destroy (&new_cert);
    authority_destroy (&authority);
    return rc;
}

static const cli_option_t s_renew_options [] = {
    { "log", "STATE/audit.db", CLI_REQUIRED, "the audit log, its gateway stopped" },
    { "cert", "OLD.cert_secret", CLI_REQUIRED, "the old certificate, with its secret keys" },
    { "new-cert", "NEW.cert", CLI_REQUIRED, "the new certificate" },
    { "authority", "authority.pub", 0, "check that the authority signed both" },
    { NULL }
};

static const cli_exit_use_t s_renew_exits [] = {
    { CLI_EXIT_OK, "renewal recorded" },
    { CLI_EXIT_NOT_FOUND, "refused (e.g. the log is signed with another key)" },
    { CLI_EXIT_DATA, "not an audit log, or certificates that do not fit" },
    { CLI_EXIT_NO_FILE, "no such file" },
    { 0, NULL }
};


//  --------------------------------------------------------------------------
//  The group

static const cli_command_t s_verify_command = {
    "verify", "verify a log, alone or against a witness's log", s_verify,
    s_verify_options, NULL,
    "Recomputes the hash chain and checks every checkpoint signature with the\n"
    "department's certificates (the old ones too, after a renewal). With\n"
    "--witness (and --witness-cert, together), also checks the log against the\n"
    "other department's log, which holds this log's head with every answer (a\n"
    "log cut back is caught).\n",
    s_verify_exits,
    "sluice audit verify --log msa/state/audit.db --cert msa/SH-PD-MSA.cert \\\n"
    "    --witness tax/state/audit.db --witness-cert tax/SH-PD-TAX.cert\n"
};

static const cli_command_t s_show_command = {
    "show", "print the newest records", s_show, s_show_options, NULL,
    "Prints the newest N records, oldest first, tab-separated: seq, time,\n"
    "direction, peer, caller, officer, purpose, item, key, fields, decision;\n"
    "an empty value as '-', everything escaped. With --json, an array of\n"
    "objects with these keys (and time_ms), an empty value as \"\".\n",
    s_show_exits, "sluice audit show --log tax/state/audit.db --last 2\n"
};

static const cli_command_t s_renew_command = {
    "renew", "record a certificate renewal, signed by the old key", s_renew,
    s_renew_options, NULL,
    "Records a certificate renewal in the log, signed by the old key, with the\n"
    "gateway stopped; from then on the log continues with the new key.\n",
    s_renew_exits,
    "sluice audit renew --log msa/state/audit.db --cert SH-PD-MSA.cert_secret \\\n"
    "    --new-cert renewed/SH-PD-MSA.cert --authority authority.pub\n"
};

static const cli_command_t *const s_commands [] = {
    &s_verify_command, &s_show_command, &s_renew_command, NULL
};

const cli_command_t audit_cmd = {
    "audit", "verify, witness, show or renew a gateway's audit log", NULL, NULL, NULL,
    NULL, NULL, NULL, s_commands
};
