/*  certs_show_cmd.c -- `sluice certs show|verify|crl`: a certificate or a
    revocation list, shown and checked; see certs_cmd.h.

    The files may have come from anywhere: their names and reasons were
    checked when they were read, and are printed escaped anyway, like
    everything that someone else wrote (cli_out.h).
*/

#include "certs_cmd.h"
#include "cli_out.h"
#include "authority.h"
#include "cert.h"
#include "certtext.h"
#include "crl.h"
#include "certfile.h"
#include "status.h"

static int64_t
s_now (void)
{
    return zclock_time () / 1000;
}

//  Loads the authority; 0, or an exit code with *error
int
certs_cmd_authority (const char *path, bool secret, authority_t **authority, char **error)
{
    char *reason = NULL;
    *authority = authority_load (path, &reason);
    if (!*authority) {
        status_set_error (error, "cannot load the authority from %s (%s)", path, reason);
        zstr_free (&reason);
        return cli_file_exit (path, CLI_EXIT_NOT_FOUND);
    }
    if (secret && !authority_has_secret (*authority)) {
        status_set_error (error, "%s holds no secret key; give the authority.secret file",
                          path);
        authority_destroy (authority);
        return CLI_EXIT_NOT_FOUND;
    }
    return CLI_EXIT_OK;
}

void
certs_cmd_print_hex (const char *label, const uint8_t *bin, size_t size)
{
    char *hex = certfile_hex (bin, size);
    printf ("%-14s%s\n", label, hex? hex: "?");
    zstr_free (&hex);
}

//  The same as a JSON string
static json_t *
s_json_hex (const uint8_t *bin, size_t size)
{
    char *hex = certfile_hex (bin, size);
    json_t *json = json_string (hex? hex: "");
    zstr_free (&hex);
    return json;
}

static const char *
s_validity (cert_t *cert, int64_t now)
{
    return cert_valid_at (cert, now)? "valid now":
           now < cert_not_before (cert)? "not yet valid": "expired";
}


//  --------------------------------------------------------------------------
//  sluice certs show

static void
s_show_text (cli_out_t *out, cert_t *cert, const char *path)
{
    char not_before [CERTFILE_TIME_SIZE], not_after [CERTFILE_TIME_SIZE];
    certfile_time_format (cert_not_before (cert), not_before);
    certfile_time_format (cert_not_after (cert), not_after);
    printf ("certificate   %s\n", path);
    printf ("department    %s\n", cert_department (cert));
    printf ("name          ");
    cli_text_str (out, cert_name (cert), 0);
    printf ("\n");
    printf ("role          %s\n", cert_role (cert));
    printf ("clearance     %d\n", cert_clearance (cert));
    printf ("serial        %" PRIu64 "\n", cert_serial (cert));
    printf ("not before    %s\n", not_before);
    printf ("not after     %s\n", not_after);
    printf ("validity      %s\n", s_validity (cert, s_now ()));
    certs_cmd_print_hex ("sign key", cert_sign_public (cert), CERT_KEY_BYTES);
    certs_cmd_print_hex ("box key", cert_box_public (cert), CERT_KEY_BYTES);
    printf ("curve key     %s\n", cert_curve_public_txt (cert));
    certs_cmd_print_hex ("signature", cert_authority_signature (cert), CERT_SIG_BYTES);
    printf ("              (not checked here: sluice certs verify --authority ...)\n");
    printf ("secret keys   %s\n", cert_has_secret (cert)
            ? "PRESENT: keep this file private (mode 0600)": "none");
}

static void
s_show_json (cli_out_t *out, cert_t *cert, const char *path)
{
    char not_before [CERTFILE_TIME_SIZE], not_after [CERTFILE_TIME_SIZE];
    certfile_time_format (cert_not_before (cert), not_before);
    certfile_time_format (cert_not_after (cert), not_after);
    json_t *json = json_object ();
    assert (json);
    jsonpack_set (json, "certificate", jsonpack_str (&out->counts, path));
    jsonpack_set (json, "department", jsonpack_str (&out->counts, cert_department (cert)));
    jsonpack_set (json, "name", jsonpack_str (&out->counts, cert_name (cert)));
    jsonpack_set (json, "role", jsonpack_str (&out->counts, cert_role (cert)));
    jsonpack_set (json, "clearance", json_integer (cert_clearance (cert)));
    jsonpack_set (json, "serial", json_integer ((json_int_t) cert_serial (cert)));
    jsonpack_set (json, "not_before", json_string (not_before));
    jsonpack_set (json, "not_after", json_string (not_after));
    jsonpack_set (json, "validity", json_string (s_validity (cert, s_now ())));
    jsonpack_set (json, "sign_key", s_json_hex (cert_sign_public (cert), CERT_KEY_BYTES));
    jsonpack_set (json, "box_key", s_json_hex (cert_box_public (cert), CERT_KEY_BYTES));
    jsonpack_set (json, "curve_key", json_string (cert_curve_public_txt (cert)));
    jsonpack_set (json, "signature", s_json_hex (cert_authority_signature (cert),
                                                 CERT_SIG_BYTES));
    jsonpack_set (json, "secret_keys", json_boolean (cert_has_secret (cert)));
    cli_json_print (out, &json);
}

static int
s_show (cli_t *cli)
{
    const char *path = cli_operand (cli, 0);
    char *reason = NULL;
    cert_t *cert = certtext_load (path, &reason);
    if (!cert) {
        int rc = cli_fail (cli, cli_file_exit (path, CLI_EXIT_NOT_FOUND),
                           "%s is not a valid certificate (%s)", path, reason);
        zstr_free (&reason);
        return rc;
    }
    cli_out_t out = cli_out (stdout);
    if (cli_json (cli))
        s_show_json (&out, cert, path);
    else
        s_show_text (&out, cert, path);
    cli_out_report (&out, cli->name);
    cert_destroy (&cert);
    return CLI_EXIT_OK;
}

static const cli_option_t s_show_options [] = {
    { "json", NULL, 0, "print the certificate as JSON" },
    { NULL }
};

static const cli_exit_use_t s_show_exits [] = {
    { CLI_EXIT_OK, "shown" }, { CLI_EXIT_NOT_FOUND, "not a valid certificate" },
    { CLI_EXIT_NO_FILE, "no such file" }, { 0, NULL }
};

const cli_command_t certs_cmd_show = {
    "show", "print a certificate in readable form", s_show, s_show_options, "FILE",
    "Prints the department, name, role, clearance, serial, validity and keys\n"
    "of a .cert or .cert_secret file (secret keys are never printed). Does\n"
    "not check the signature: use 'sluice certs verify'.\n",
    s_show_exits, "sluice certs show certs/SH-PD-MSA.cert\n"
};


//  --------------------------------------------------------------------------
//  sluice certs verify

//  Why a certificate is not valid (NULL: it is), and a detail
static const char *
s_verdict (cert_t *cert, authority_t *authority, crl_t *crl, const char *crl_path,
           char *detail, size_t size)
{
    int64_t now = s_now ();
    char time [CERTFILE_TIME_SIZE];
    *detail = 0;
    if (cert_verify (cert, authority_public (authority)))
        return "bad signature: not signed by this authority, or altered";
    if (crl && crl_revoked (crl, cert_department (cert), cert_serial (cert))) {
        snprintf (detail, size, "revocation list %s, version %" PRIu64, crl_path,
                  crl_version (crl));
        return "revoked";
    }
    if (now < cert_not_before (cert)) {
        certfile_time_format (cert_not_before (cert), time);
        snprintf (detail, size, "valid from %s", time);
        return "not yet valid";
    }
    if (!cert_valid_at (cert, now)) {
        certfile_time_format (cert_not_after (cert), time);
        snprintf (detail, size, "on %s", time);
        return "expired";
    }
    return NULL;
}

static void
s_verdict_print (cli_t *cli, cert_t *cert, const char *path, const char *verdict,
                 const char *detail)
{
    if (!cli_json (cli)) {
        if (!verdict)
            printf ("valid\n");
        else
            printf ("%s: %s%s%s%s\n", path, verdict, *detail? " (": "", detail,
                    *detail? ")": "");
        return;
    }
    cli_out_t out = cli_out (stdout);
    json_t *json = json_object ();
    assert (json);
    jsonpack_set (json, "certificate", jsonpack_str (&out.counts, path));
    jsonpack_set (json, "department", jsonpack_str (&out.counts, cert_department (cert)));
    jsonpack_set (json, "serial", json_integer ((json_int_t) cert_serial (cert)));
    jsonpack_set (json, "valid", json_boolean (!verdict));
    jsonpack_set (json, "verdict", json_string (verdict? verdict: "valid"));
    jsonpack_set (json, "detail", *detail? jsonpack_str (&out.counts, detail): json_null ());
    cli_json_print (&out, &json);
}

static int
s_verify (cli_t *cli)
{
    const char *authority_path = cli_get (cli, "authority");
    const char *crl_path = cli_get (cli, "crl");
    const char *path = cli_operand (cli, 0);
    authority_t *authority = NULL;
    char *error = NULL;
    int rc = certs_cmd_authority (authority_path, false, &authority, &error);
    if (rc)
        return cli_fail_with (cli, rc, &error);
    char *reason = NULL;
    cert_t *cert = certtext_load (path, &reason);
    crl_t *crl = cert && crl_path? crl_load (crl_path, &reason): NULL;
    if (!cert)
        rc = cli_fail (cli, cli_file_exit (path, CLI_EXIT_NOT_FOUND),
                       "%s is not a valid certificate (%s)", path, reason);
    else
    if (crl_path && !crl)
        rc = cli_fail (cli, cli_file_exit (crl_path, CLI_EXIT_NOT_FOUND),
                       "%s is not a valid revocation list (%s)", crl_path, reason);
    else
    if (crl && crl_verify (crl, authority_public (authority)))
        rc = cli_fail (cli, CLI_EXIT_NOT_FOUND, "revocation list %s is not signed by the "
                       "authority in %s", crl_path, authority_path);
    else {
        char detail [128];
        const char *verdict = s_verdict (cert, authority, crl, crl_path,
                                         detail, sizeof (detail));
        s_verdict_print (cli, cert, path, verdict, detail);
        rc = verdict? CLI_EXIT_NOT_FOUND: CLI_EXIT_OK;
    }
    zstr_free (&reason);
    crl_destroy (&crl);
    cert_destroy (&cert);
    authority_destroy (&authority);
    return rc;
}

static const cli_option_t s_verify_options [] = {
    { "authority", "authority.pub", CLI_REQUIRED, "the federation's authority" },
    { "crl", "FILE", 0, "its revocation list" },
    { "json", NULL, 0, "print the verdict as JSON" },
    { NULL }
};

static const cli_exit_use_t s_verify_exits [] = {
    { CLI_EXIT_OK, "valid" },
    { CLI_EXIT_NOT_FOUND, "not valid (bad signature, revoked, not yet valid, expired), "
      "or a file that is not valid" },
    { CLI_EXIT_NO_FILE, "no such file" }, { 0, NULL }
};

const cli_command_t certs_cmd_verify = {
    "verify", "check a certificate against the authority (and revocation list)",
    s_verify, s_verify_options, "FILE",
    "Prints 'valid' and exits 0, or prints why not (bad signature, revoked,\n"
    "not yet valid, expired) and exits 1. A revocation list must itself be\n"
    "signed by the authority.\n",
    s_verify_exits,
    "sluice certs verify --authority authority.pub --crl federation.crl \\\n"
    "    certs/SH-PD-MSA.cert\n"
};


//  --------------------------------------------------------------------------
//  sluice certs crl

//  One entry of a list, its time as text
typedef struct {
    const char *department, *reason;
    uint64_t serial;                    //  0: every certificate
    char revoked_at [CERTFILE_TIME_SIZE];
} s_entry_t;

static void
s_crl_entry (crl_t *crl, size_t index, s_entry_t *entry)
{
    int64_t revoked_at;
    crl_entry (crl, index, &entry->department, &entry->serial, &revoked_at,
               &entry->reason);
    certfile_time_format (revoked_at, entry->revoked_at);
}

//  The list's signature, in words, and whether it is good
static const char *
s_crl_signature (crl_t *crl, authority_t *authority, bool *good)
{
    *good = !authority || crl_verify (crl, authority_public (authority)) == 0;
    return !authority? "not checked": *good? "verified": "BAD";
}

static void
s_crl_text (cli_out_t *out, crl_t *crl, const char *path, authority_t *authority)
{
    char time [CERTFILE_TIME_SIZE];
    certfile_time_format (crl_issued (crl), time);
    printf ("list          %s\n", path);
    printf ("version       %" PRIu64 "\n", crl_version (crl));
    printf ("issued        %s\n", time);
    bool good;
    s_crl_signature (crl, authority, &good);
    if (!authority)
        printf ("signature     not checked (give --authority authority.pub)\n");
    else
        printf (good? "signature     verified: %s\n": "signature     BAD: not signed by %s\n",
                authority_name (authority));
    printf ("entries       %zu\n", crl_size (crl));
    for (size_t index = 0; index < crl_size (crl); index++) {
        s_entry_t entry;
        s_crl_entry (crl, index, &entry);
        char serial [24];
        if (entry.serial)
            snprintf (serial, sizeof (serial), "%" PRIu64, entry.serial);
        else
            strcpy (serial, "all");
        printf ("  %-32s  serial %-19s  %s  ", entry.department, serial, entry.revoked_at);
        cli_text_str (out, entry.reason, 0);
        printf ("\n");
    }
}

static void
s_crl_json (cli_out_t *out, crl_t *crl, const char *path, authority_t *authority)
{
    char time [CERTFILE_TIME_SIZE];
    certfile_time_format (crl_issued (crl), time);
    bool good;
    json_t *json = json_object ();
    assert (json);
    jsonpack_set (json, "list", jsonpack_str (&out->counts, path));
    jsonpack_set (json, "version", json_integer ((json_int_t) crl_version (crl)));
    jsonpack_set (json, "issued", json_string (time));
    jsonpack_set (json, "signature", json_string (s_crl_signature (crl, authority, &good)));
    jsonpack_set (json, "authority", authority? jsonpack_str (&out->counts, authority_name (authority)):
                                                json_null ());
    json_t *entries = json_array ();
    assert (entries);
    for (size_t index = 0; index < crl_size (crl); index++) {
        s_entry_t entry;
        s_crl_entry (crl, index, &entry);
        json_t *object = json_object ();
        assert (object);
        jsonpack_set (object, "department", jsonpack_str (&out->counts, entry.department));
        jsonpack_set (object, "serial", json_integer ((json_int_t) entry.serial));
        jsonpack_set (object, "revoked_at", json_string (entry.revoked_at));
        jsonpack_set (object, "reason", jsonpack_str (&out->counts, entry.reason));
        json_array_append_new (entries, object);
    }
    jsonpack_set (json, "entries", entries);
    cli_json_print (out, &json);
}

static int
s_crl (cli_t *cli)
{
    const char *path = cli_operand (cli, 0);
    const char *authority_path = cli_get (cli, "authority");
    authority_t *authority = NULL;
    char *error = NULL;
    int rc = authority_path? certs_cmd_authority (authority_path, false, &authority, &error):
                             CLI_EXIT_OK;
    if (rc)
        return cli_fail_with (cli, rc, &error);
    char *reason = NULL;
    crl_t *crl = crl_load (path, &reason);
    if (!crl) {
        authority_destroy (&authority);
        rc = cli_fail (cli, cli_file_exit (path, CLI_EXIT_NOT_FOUND),
                       "%s is not a valid revocation list (%s)", path, reason);
        zstr_free (&reason);
        return rc;
    }
    cli_out_t out = cli_out (stdout);
    if (cli_json (cli))
        s_crl_json (&out, crl, path, authority);
    else
        s_crl_text (&out, crl, path, authority);
    cli_out_report (&out, cli->name);
    bool good;
    s_crl_signature (crl, authority, &good);
    crl_destroy (&crl);
    authority_destroy (&authority);
    return good? CLI_EXIT_OK: CLI_EXIT_NOT_FOUND;
}

static const cli_option_t s_crl_options [] = {
    { "authority", "authority.pub", 0, "check the list's signature" },
    { "json", NULL, 0, "print the list as JSON" },
    { NULL }
};

static const cli_exit_use_t s_crl_exits [] = {
    { CLI_EXIT_OK, "shown (and the signature verified, when asked)" },
    { CLI_EXIT_NOT_FOUND, "not a valid list, or a signature that does not verify" },
    { CLI_EXIT_NO_FILE, "no such file" }, { 0, NULL }
};

const cli_command_t certs_cmd_crl = {
    "crl", "print a revocation list", s_crl, s_crl_options, "FILE",
    "Prints the version, issue time and entries of a revocation list; with\n"
    "--authority also checks its signature.\n",
    s_crl_exits, "sluice certs crl --authority authority.pub federation.crl\n"
};
