/*  agreement_cmd.c -- `sluice agreement ...`; see agreement_cmd.h.

    An agreement is drafted by either side, signed by each department on
    its own host with its own key (the file can travel by any channel), then
    registered at the brokers through a gateway. A file may have come from
    the other party: its texts are printed through cli_out.h like
    everything else that someone else wrote.
*/

#include "agreement_cmd.h"
#include "cli_ask.h"
#include "agreement.h"
#include "agreementtext.h"
#include "authority.h"
#include "truststore.h"
#include "certfile.h"
#include "cert.h"
#include "certtext.h"
#include "status.h"

#define S_WAIT_MS   8000        //  for the brokers' answer, through the gateway

typedef size_t (s_count_fn) (agreement_t *);
typedef const char *(s_name_fn) (agreement_t *, size_t);

//  The names of one of the agreement's lists, joined by `separator`; a
//  fresh string
static char *
s_names (agreement_t *agreement, s_count_fn *count, s_name_fn *name, const char *separator)
{
    char *text = NULL;
    size_t size = 0;
    FILE *memory = open_memstream (&text, &size);
    assert (memory);
    for (size_t index = 0; index < count (agreement); index++)
        fprintf (memory, "%s%s", index? separator: "", name (agreement, index));
    fclose (memory);
    return text;
}

//  One labelled list for people: " a b c"
static void
s_print_names (cli_out_t *out, const char *label, agreement_t *agreement,
               s_count_fn *count, s_name_fn *name)
{
    fputs (label, out->file);
    for (size_t index = 0; index < count (agreement); index++) {
        fputc (' ', out->file);
        cli_text_str (out, name (agreement, index), 0);
    }
    fputc ('\n', out->file);
}

//  The agreement for people, then the signatures' verdict if checked
static void
s_print (cli_out_t *out, agreement_t *agreement, const char *signatures)
{
    char from [CERTFILE_TIME_SIZE], until [CERTFILE_TIME_SIZE];
    certfile_time_format (agreement_valid_from (agreement), from);
    certfile_time_format (agreement_valid_until (agreement), until);
    FILE *file = out->file;
    fputs ("agreement   ", file);
    cli_text_str (out, agreement_id (agreement), 0);
    fprintf (file, "\nversion     %" PRIu64, agreement_version (agreement));
    fputs ("\nprovider    ", file);
    cli_text_str (out, agreement_provider (agreement), 0);
    fputs (agreement_provider_signed (agreement)? " (signed)": " (not signed)", file);
    fputs ("\nconsumer    ", file);
    cli_text_str (out, agreement_consumer (agreement), 0);
    fputs (agreement_consumer_signed (agreement)? " (signed)": " (not signed)", file);
    fputs ("\nitem        ", file);
    cli_text_str (out, agreement_item (agreement), 0);
    fputc ('\n', file);
    s_print_names (out, "fields     ", agreement, agreement_field_count, agreement_field);
    s_print_names (out, "purposes   ", agreement, agreement_purpose_count,
                   agreement_purpose);
    s_print_names (out, "roles      ", agreement, agreement_role_count, agreement_role);
    fputs ("legal basis ", file);
    cli_text_str (out, agreement_legal_basis (agreement), 0);
    fprintf (file, "\nvalid       %s .. %s\n", from, until);
    fprintf (file, "daily quota %u\n", agreement_daily_quota (agreement));
    if (signatures)
        fprintf (file, "signatures  %s\n", signatures);
}

//  A list as JSON: the names joined by commas, as `agreement list` has it
static json_t *
s_json_names (cli_out_t *out, agreement_t *agreement, s_count_fn *count, s_name_fn *name)
{
    char *text = s_names (agreement, count, name, ",");
    json_t *json = jsonpack_str (&out->counts, text);
    free (text);
    return json;
}

//  The agreement as one JSON object, with the keys of `agreement list`
static void
s_print_json (cli_out_t *out, agreement_t *agreement, const char *signatures)
{
    char from [CERTFILE_TIME_SIZE], until [CERTFILE_TIME_SIZE];
    certfile_time_format (agreement_valid_from (agreement), from);
    certfile_time_format (agreement_valid_until (agreement), until);
    json_t *json = json_object ();
    assert (json);
    jsonpack_set (json, "id", jsonpack_str (&out->counts, agreement_id (agreement)));
    jsonpack_set (json, "version", json_integer ((json_int_t) agreement_version (agreement)));
    jsonpack_set (json, "provider", jsonpack_str (&out->counts, agreement_provider (agreement)));
    jsonpack_set (json, "provider_signed", json_boolean (agreement_provider_signed (agreement)));
    jsonpack_set (json, "consumer", jsonpack_str (&out->counts, agreement_consumer (agreement)));
    jsonpack_set (json, "consumer_signed", json_boolean (agreement_consumer_signed (agreement)));
    jsonpack_set (json, "item", jsonpack_str (&out->counts, agreement_item (agreement)));
    jsonpack_set (json, "fields", s_json_names (out, agreement, agreement_field_count,
                                                agreement_field));
    jsonpack_set (json, "purposes", s_json_names (out, agreement, agreement_purpose_count,
                                                  agreement_purpose));
    jsonpack_set (json, "roles", s_json_names (out, agreement, agreement_role_count,
                                               agreement_role));
    jsonpack_set (json, "legal_basis", jsonpack_str (&out->counts, agreement_legal_basis (agreement)));
    jsonpack_set (json, "valid_from", json_string (from));
    jsonpack_set (json, "valid_until", json_string (until));
    jsonpack_set (json, "daily_quota", json_integer (agreement_daily_quota (agreement)));
    jsonpack_set (json, "signatures", signatures? json_string (signatures): json_null ());
    cli_json_print (out, &json);
}


//  --------------------------------------------------------------------------
//  draft, sign, show: files

static int
s_draft (cli_t *cli)
{
    int64_t from = zclock_time () / 1000, until;
    uint64_t quota = 1000, days = 365, version = 1;
    const char *valid_from = cli_get (cli, "valid-from");
    const char *valid_until = cli_get (cli, "valid-until");
    if (valid_from && certfile_time_parse (valid_from, &from))
        return cli_usage_error (cli, "bad --valid-from '%s'", valid_from);
    if (cli_uint (cli, "days", 0, 100000, &days)
    ||  cli_uint (cli, "daily-quota", 0, 1000000000, &quota)
    ||  cli_uint (cli, "version", 1, AGREEMENT_VERSION_MAX, &version))
        return CLI_EXIT_USAGE;
    until = from + (int64_t) days * 86400;
    if (valid_until && certfile_time_parse (valid_until, &until))
        return cli_usage_error (cli, "bad --valid-until '%s'", valid_until);
    const char *roles = cli_get (cli, "roles");
    const char *out = cli_get (cli, "out");
    agreement_t *agreement = agreement_new (
        cli_get (cli, "id"), cli_get (cli, "provider"), cli_get (cli, "consumer"),
        cli_get (cli, "item"), cli_get (cli, "fields"), cli_get (cli, "purposes"),
        cli_get (cli, "legal-basis"), from, until, (uint32_t) quota, roles? roles: "*", NULL);
    if (!agreement)
        return cli_fail (cli, CLI_EXIT_NOT_FOUND, "the agreement is not valid (see above)");
    int rc = agreement_set_version (agreement, version);
    assert (rc == 0);           //  in range, checked above
    rc = agreementtext_save (agreement, out, cli_has (cli, "force"), NULL);
    if (rc == 0)
        printf ("drafted %s: %s -> %s, item %s, version %" PRIu64 "; now both departments "
                "sign it\n", out, cli_get (cli, "provider"), cli_get (cli, "consumer"),
                cli_get (cli, "item"), version);
    agreement_destroy (&agreement);
    return rc? CLI_EXIT_NOT_FOUND: CLI_EXIT_OK;
}

static const cli_option_t s_draft_options [] = {
    { "id", "ID", CLI_REQUIRED, "the agreement's id: A-Z a-z 0-9 -" },
    { "provider", "DEPT", CLI_REQUIRED, "the department that shares" },
    { "consumer", "DEPT", CLI_REQUIRED, "the department that asks" },
    { "item", "ITEM", CLI_REQUIRED, "the provider's catalog item" },
    { "fields", "a,b", CLI_REQUIRED, "the fields granted" },
    { "purposes", "p1,p2", CLI_REQUIRED, "the purposes allowed" },
    { "legal-basis", "TEXT", CLI_REQUIRED, "the legal basis of the sharing" },
    { "roles", "r1,r2 | '*'", 0, "the officer roles allowed (default '*', any)" },
    { "valid-from", "T", 0, "start of validity (default now)" },
    { "valid-until", "T", CLI_EITHER, "end of validity" },
    { "days", "N", 0, "or days of validity (default 365)" },
    { "daily-quota", "N", 0, "granted requests a UTC day (default 1000)" },
    { "version", "N", 0, "1 to 4294967295 (default 1)" },
    { "out", "FILE.agreement", CLI_REQUIRED, "where it is written" },
    { "force", NULL, 0, "replace the file if it is there" },
    { NULL }
};

static const cli_exit_use_t s_draft_exits [] = {
    { CLI_EXIT_OK, "drafted" },
    { CLI_EXIT_NOT_FOUND, "not a valid agreement, or the file is there (without --force)" },
    { 0, NULL }
};

static int
s_sign (cli_t *cli)
{
    const char *cert_path = cli_get (cli, "cert"), *file = cli_get (cli, "file");
    cert_t *cert = certtext_load (cert_path, NULL);
    agreement_t *agreement = cert? agreementtext_load (file, NULL): NULL;
    int rc = CLI_EXIT_NOT_FOUND;
    if (!cert || !cert_has_secret (cert))
        rc = cli_fail (cli, cli_file_exit (cert_path, CLI_EXIT_NOT_FOUND),
                       "%s: not a certificate with secret keys", cert_path);
    else
    if (!agreement)
        rc = cli_fail (cli, cli_file_exit (file, CLI_EXIT_NOT_FOUND),
                       "%s: not a valid agreement file", file);
    else
    if (agreement_sign (agreement, cert))
        cli_fail (cli, rc, "%s is neither provider nor consumer of %s",
                  cert_department (cert), file);
    else
    if (agreementtext_save (agreement, file, true, NULL) == 0) {
        printf ("signed %s as %s\n", file, cert_department (cert));
        rc = CLI_EXIT_OK;
    }
    agreement_destroy (&agreement);
    cert_destroy (&cert);
    return rc;
}

static const cli_option_t s_sign_options [] = {
    { "cert", "DEPT.cert_secret", CLI_REQUIRED, "the certificate of the signing party, "
      "with its secret keys" },
    { "file", "FILE.agreement", CLI_REQUIRED, "the agreement, written back signed" },
    { NULL }
};

static const cli_exit_use_t s_sign_exits [] = {
    { CLI_EXIT_OK, "signed" },
    { CLI_EXIT_NOT_FOUND, "not a valid file, or the certificate names neither party" },
    { CLI_EXIT_NO_FILE, "no such file" },
    { 0, NULL }
};

//  Verifies both signatures against the certificates in `certs`; 0 with
//  *verdict ("verified" or why not) and *status, or an exit code with
//  *error
static int
s_show_verify (agreement_t *agreement, const char *authority_path, const char *certs,
               const char **verdict, int *status, char **error)
{
    authority_t *authority = authority_load (authority_path, NULL);
    if (!authority) {
        status_set_error (error, "%s: not an authority key", authority_path);
        return cli_file_exit (authority_path, CLI_EXIT_NOT_FOUND);
    }
    truststore_t *trust = truststore_new (authority_public (authority));
    truststore_add_dir (trust, certs, NULL);
    *status = agreement_verify (agreement, trust, zclock_time () / 1000);
    *verdict = *status == STATUS_OK? "verified": status_text (*status);
    truststore_destroy (&trust);
    authority_destroy (&authority);
    return CLI_EXIT_OK;
}

static int
s_show (cli_t *cli)
{
    const char *file = cli_get (cli, "file");
    const char *authority_path = cli_get (cli, "authority"), *certs = cli_get (cli, "certs");
    if (!authority_path != !certs)
        return cli_usage_error (cli, "--authority and --certs go together");
    agreement_t *agreement = agreementtext_load (file, NULL);
    if (!agreement)
        return cli_fail (cli, cli_file_exit (file, CLI_EXIT_NOT_FOUND),
                         "%s: not a valid agreement file", file);
    const char *verdict = NULL;
    int status = STATUS_OK;
    char *error = NULL;
    int rc = authority_path? s_show_verify (agreement, authority_path, certs, &verdict,
                                            &status, &error): CLI_EXIT_OK;
    cli_out_t out = cli_out (stdout);
    if (rc == CLI_EXIT_OK && cli_json (cli))
        s_print_json (&out, agreement, verdict);
    else
    if (rc == CLI_EXIT_OK)
        s_print (&out, agreement, verdict);
    else
        cli_fail_with (cli, rc, &error);
    cli_out_report (&out, cli->name);
    agreement_destroy (&agreement);
    return rc? rc: status == STATUS_OK? CLI_EXIT_OK: CLI_EXIT_NOT_FOUND;
}

static const cli_option_t s_show_options [] = {
    { "file", "FILE.agreement", CLI_REQUIRED, "the agreement" },
    { "authority", "authority.pub", 0, "with --certs: verify both signatures" },
    { "certs", "DIR", 0, "the departments' certificates (.cert files)" },
    CLI_JSON_OPTION ("the agreement"),
    { NULL }
};

static const cli_exit_use_t s_show_exits [] = {
    { CLI_EXIT_OK, "shown (and the signatures verified, when asked)" },
    { CLI_EXIT_NOT_FOUND, "not a valid agreement file, or signatures that do not verify" },
    { CLI_EXIT_NO_FILE, "no such file" },
    { 0, NULL }
};


//  --------------------------------------------------------------------------
//  register, list, revoke: through the gateway and the brokers

static int
s_register (cli_t *cli)
{
    const char *file = cli_get (cli, "file");
    size_t size;
    char *text = certfile_read (file, AGREEMENT_TEXT_MAX, &size, NULL);
    if (!text)
        return cli_fail (cli, cli_file_exit (file, CLI_EXIT_DATA), "cannot read %s", file);
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "register");
    request.text = text;
    cli_show_t show = { CLI_SHOW_DONE, NULL, file, false,
                        "registered; the brokers deliver it to both gateways" };
    int rc = cli_ask_show (cli, &request, S_WAIT_MS, &show);
    localapi_request_clear (&request);
    return rc;
}

static const cli_option_t s_register_options [] = {
    CLI_ASK_OPTIONS,
    { "file", "FILE.agreement", CLI_REQUIRED, "the agreement, signed by both" },
    CLI_ASK_TIMEOUT ("8000"),
    { NULL }
};

//  What the brokers' answer means, for register and revoke
static const cli_exit_use_t s_registry_exits [] = {
    { CLI_EXIT_OK, "registered" },
    { CLI_EXIT_REFUSED, "refused with a code of 130-139 or 160-169" },
    { CLI_EXIT_FAILED, "any other refusal, or no answer" },
    { CLI_EXIT_NO_FILE, "no such file" },
    { 0, NULL }
};

static int
s_list (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "agreements");
    static const char *const columns [] = {
        "id", "state", "version", "provider", "consumer", "item", "fields",
        "valid_until", "daily_quota", NULL
    };
    static const cli_show_t show = { CLI_SHOW_ROWS, columns };
    return cli_ask_show (cli, &request, S_WAIT_MS, &show);
}

static const cli_option_t s_list_options [] = {
    CLI_ASK_OPTIONS,
    CLI_ASK_TIMEOUT ("8000"),
    CLI_JSON_OPTION ("the agreements (with purposes, valid_from, registered_by)"),
    { NULL }
};

static const cli_exit_use_t s_list_exits [] = {
    { CLI_EXIT_OK, "listed" }, { CLI_EXIT_FAILED, "no answer from the gateway" }, { 0, NULL }
};

static int
s_revoke (cli_t *cli)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "revoke");
    if (cli_copy (cli, "id", request.id, sizeof (request.id)))
        return CLI_EXIT_USAGE;
    const char *reason = cli_get (cli, "reason");
    request.text = strdup (reason? reason: "");
    cli_show_t show = { CLI_SHOW_DONE, NULL, request.id, false, "revoked" };
    int rc = cli_ask_show (cli, &request, S_WAIT_MS, &show);
    localapi_request_clear (&request);
    return rc;
}

static const cli_option_t s_revoke_options [] = {
    CLI_ASK_OPTIONS,
    { "id", "AGREEMENT-ID", CLI_REQUIRED, "the agreement" },
    { "reason", "TEXT", 0, "why, for the consumer" },
    CLI_ASK_TIMEOUT ("8000"),
    { NULL }
};


//  --------------------------------------------------------------------------
//  The group

static const cli_command_t s_draft_command = {
    "draft", "write a new agreement file, unsigned", s_draft, s_draft_options, NULL,
    "T is ISO 8601 UTC, e.g. 2026-01-01T00:00:00Z. Of two agreements with the\n"
    "same id, the higher version is in force; a new version is signed again by\n"
    "both departments.\n",
    s_draft_exits,
    "sluice agreement draft --id AGR-FDA-TAX-0001 --provider SH-PD-FDA \\\n"
    "    --consumer SH-PD-TAX --item food-violations --fields case_no,decided \\\n"
    "    --purposes tax-audit --legal-basis 'Article 37' \\\n"
    "    --out AGR-FDA-TAX-0001.agreement\n"
};

static const cli_command_t s_sign_command = {
    "sign", "sign as provider or consumer", s_sign, s_sign_options, NULL,
    "Signs the agreement as its provider or consumer, whichever the certificate\n"
    "names, and writes the file back.\n",
    s_sign_exits,
    "sluice agreement sign --cert fda/SH-PD-FDA.cert_secret \\\n"
    "    --file AGR-FDA-TAX-0001.agreement\n"
};

static const cli_command_t s_show_command = {
    "show", "print, and verify the signatures", s_show, s_show_options, NULL,
    "Prints the agreement; with --authority and --certs, also verifies both\n"
    "signatures against the departments' certificates.\n",
    s_show_exits,
    "sluice agreement show --file AGR-FDA-TAX-0001.agreement \\\n"
    "    --authority authority/authority.pub --certs broker/certs\n"
};

static const cli_command_t s_register_command = {
    "register", "register at the brokers (both gateways get it)", s_register,
    s_register_options, NULL,
    "Registers an agreement signed by both departments at the brokers, which\n"
    "deliver it to both gateways (also to one that is offline now, when it\n"
    "comes back). The provider's gateway verifies both signatures itself\n"
    "before it grants anything under it.\n",
    s_registry_exits,
    "sluice agreement register --config tax/gateway.cfg \\\n"
    "    --file AGR-FDA-TAX-0001.agreement\n"
};

static const cli_command_t s_list_command = {
    "list", "this department's agreements and their state", s_list, s_list_options, NULL,
    "The agreements this department is party to, as registered, with their\n"
    "state (in force, revoked, expired, not yet valid, or at the provider\n"
    "superseded by a higher version or not in force) and version.\n",
    s_list_exits, "sluice agreement list --config fda/gateway.cfg\n"
};

static const cli_command_t s_revoke_command = {
    "revoke", "the provider ends an agreement, everywhere", s_revoke, s_revoke_options,
    NULL,
    "The provider revokes an agreement; within seconds no request under it\n"
    "is granted, at its own gateway, and the consumer is told.\n",
    s_registry_exits,
    "sluice agreement revoke --config fda/gateway.cfg --id AGR-FDA-TAX-0001 \\\n"
    "    --reason 'audit closed'\n"
};

static const cli_command_t *const s_commands [] = {
    &s_draft_command, &s_sign_command, &s_show_command, &s_register_command, &s_list_command, &s_revoke_command, NULL
};

const cli_command_t agreement_cmd = {
    "agreement", "draft, sign, register, list and revoke sharing agreements", NULL, NULL,
    NULL, NULL, NULL, NULL, s_commands
};
