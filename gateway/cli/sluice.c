/*  sluice.c -- the `sluice` command, for admins and scripts.

        sluice certs ...        the federation's trust (see gateway/cli/certs_cmd.h)
        sluice query ...        ask another department through the local gateway
        sluice status ...       the local gateway's state and figures
        sluice audit ...        verify, witness, show or renew a gateway's audit log
        sluice agreement ...    draft, sign, show and verify sharing agreements
        sluice catalog ...      the federation's catalogs (see catalog_cmd.h)
*/

#include "certs_cmd.h"
#include "catalog_cmd.h"
#include "registry_cmd.h"
#include "cli.h"
#include "settings.h"
#include "localapi.h"
#include "audit.h"
#include "auditverify.h"
#include "auditprint.h"
#include "agreement.h"
#include "agreementtext.h"
#include "authority.h"
#include "truststore.h"
#include "certfile.h"
#include "cert.h"
#include "ident.h"
#include "status.h"
#include "version.h"
#include <sodium.h>

//  Exit codes of `sluice query` (README "Exit codes")
#define EXIT_FAILED     3
#define EXIT_USAGE      64

typedef struct {
    const char *name;
    int (*run) (int argc, char **argv);
    const char *help;
} s_command_t;

//  What a new user can do about a refusal or failure, by result code; the
//  reason says what was wrong. %D is the department asked, %I the item.
static const struct {
    int code;
    const char *hint;
} s_hints [] = {
    { STATUS_UNKNOWN_ITEM,        "see what %D publishes: sluice catalog list --department %D" },
    { STATUS_UNKNOWN_FIELD,       "see the item's fields: sluice catalog show --department %D "
                                  "--item %I" },
    { STATUS_INVALID_KEY,         "check the key against the item's key type: sluice catalog "
                                  "show --department %D --item %I" },
    { STATUS_NO_AGREEMENT,        "%I is shared under an agreement only: order it from %D "
                                  "(sluice order file --to %D --item %I ...)" },
    { STATUS_FIELD_NOT_AGREED,    "ask only for the fields the agreement grants (sluice "
                                  "agreement list), or leave out --fields" },
    { STATUS_ITEM_CLOSED,         "%D does not share %I; the reason cites the legal basis" },
    { STATUS_QUOTA_EXCEEDED,      "the daily quota starts again at 00:00 UTC; for more, agree "
                                  "a larger quota with %D" },
    { STATUS_AGREEMENT_EXPIRED,   "see the agreement's dates with sluice agreement list; a new "
                                  "one must be signed by both and registered" },
    { STATUS_PURPOSE_REQUIRED,    "name the officer and the purpose: --officer NAME --purpose "
                                  "PURPOSE" },
    { STATUS_PURPOSE_NOT_AGREED,  "give one of the purposes the agreement allows: --purpose" },
    { STATUS_ROLE_NOT_AGREED,     "give one of the roles the agreement allows: --role" },
    { STATUS_CLEARANCE,           "the field is above this department's clearance (in its "
                                  "certificate): leave it out" },
    { STATUS_UNKNOWN_DEPARTMENT,  "check the department id: sluice catalog list shows the "
                                  "departments that publish" },
    { STATUS_DEPARTMENT_OFFLINE,  "%D's gateway is not connected now: try again later" },
    { STATUS_NOT_REGISTERED,      "this gateway is not registered with a broker: see sluice "
                                  "status and the gateway's log" },
    { STATUS_CERT_EXPIRED,        "%D's certificate is not valid now: the federation's "
                                  "authority issues a new one" },
    { STATUS_CERT_REVOKED,        "%D's certificate is revoked: nothing is sent to it" },
    { STATUS_TIMEOUT,             "no answer in time: try again, or give a longer --timeout-ms" },
    { STATUS_SOURCE_TIMEOUT,      "%D's own database did not answer in time: try again later" },
    { STATUS_SOURCE_FAILED,       "%D's own database failed: try again later, or tell %D" },
    { STATUS_BAD_ANSWER,          "%D's gateway answered against the protocol and nothing of "
                                  "it was kept: tell %D" },
    { STATUS_BUSY,                "try again in a moment" },
};

//  Prints the hint for `status`, if there is one, with %D and %I filled in
static void
s_print_hint (cli_out_t *out, int status, const char *department, const char *item)
{
    for (size_t index = 0; index < sizeof (s_hints) / sizeof (s_hints [0]); index++) {
        if (s_hints [index].code != status)
            continue;
        fputs ("  hint: ", out->file);
        for (const char *cursor = s_hints [index].hint; *cursor; cursor++)
            if (cursor [0] == '%' && (cursor [1] == 'D' || cursor [1] == 'I')) {
                cursor++;
                cli_text_str (out, *cursor == 'D'? department: item, 0);
            }
            else
                fputc (*cursor, out->file);
        fputc ('\n', out->file);
    }
}

//  The code's name, and its number when the table does not know it
static void
s_print_status (cli_out_t *out, int status)
{
    if (status_known (status))
        fputs (status_name (status), out->file);
    else
        fprintf (out->file, "%s (%d)", status_name (status), status);
}

static void
s_print_reply_json (cli_out_t *out, localapi_reply_t *reply)
{
    FILE *file = out->file;
    fprintf (file, "{\"status\":\"%s\",\"code\":%u,\"from\":",
             status_name ((int) reply->status), reply->status);
    cli_json_str (out, reply->from);
    fputs (",\"item\":", file);
    cli_json_str (out, reply->item);
    fputs (",\"reason\":", file);
    cli_json_str (out, reply->reason);
    fputs (",\"field\":", file);
    cli_json_str (out, reply->field);
    fputs (",\"agreement\":", file);
    cli_json_str (out, reply->agreement);
    fputs (",\"msgid\":", file);
    cli_json_str (out, reply->msgid);
    fprintf (file, ",\"served_at\":%" PRIu64 ",\"rows\":", reply->served_at);
    cli_json_value (out, reply->rows);
    fputs ("}\n", file);
}

//  The reply as JSON, or for people: one line with the status (and the
//  reason and a hint when refused), then each row's fields, one a line.
//  Everything the gateway or the provider sent is checked and escaped.
static void
s_print_reply (cli_out_t *out, localapi_reply_t *reply, bool json)
{
    if (json) {
        s_print_reply_json (out, reply);
        return;
    }
    FILE *file = out->file;
    uint32_t rows = reply->rows->via.array.size;
    cli_text_str (out, reply->from, 0);
    fputc (' ', file);
    cli_text_str (out, reply->item, 0);
    fputs (": ", file);
    s_print_status (out, (int) reply->status);
    if (reply->status != STATUS_OK) {
        //  The field is named unless the reason already names it
        bool named = *reply->field && !strstr (reply->reason, reply->field);
        fputs (" -- ", file);
        cli_text_str (out, reply->reason, 0);
        if (named) {
            fputs (" (field '", file);
            cli_text_str (out, reply->field, 0);
            fputs ("')", file);
        }
    }
    else {
        fprintf (file, " (%u row%s", rows, rows == 1? "": "s");
        if (*reply->agreement) {
            fputs (", agreement ", file);
            cli_text_str (out, reply->agreement, 0);
        }
        fputc (')', file);
    }
    fputc ('\n', file);
    s_print_hint (out, (int) reply->status, reply->from, reply->item);
    for (uint32_t row = 0; row < rows; row++) {
        const msgpack_object *value = &reply->rows->via.array.ptr [row];
        if (row)
            fputs ("  --\n", file);
        if (value->type != MSGPACK_OBJECT_MAP) {
            cli_out_odd_row (out);
            fputs ("  (not a map) ", file);
            cli_text_value (out, value, 0);
            fputc ('\n', file);
            continue;
        }
        const msgpack_object_map *map = &value->via.map;
        for (uint32_t index = 0; index < map->size; index++) {
            fputs ("  ", file);
            cli_text_key (out, &map->ptr [index].key, 24);
            fputc (' ', file);
            cli_text_value (out, &map->ptr [index].val, 0);
            fputc ('\n', file);
        }
    }
}

//  --------------------------------------------------------------------------
//  Subcommands

static int
s_query (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL, *to = NULL, *item = NULL;
    const char *key = NULL, *fields = "", *purpose = "", *officer = "", *role = "";
    const char *timeout = NULL;
    bool json = false, help = false;
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config }, { "--to", &to },
        { "--item", &item }, { "--key", &key }, { "--fields", &fields },
        { "--purpose", &purpose }, { "--officer", &officer }, { "--role", &role },
        { "--timeout-ms", &timeout }, { "--json", NULL, &json },
        { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "query"))
        return EXIT_USAGE;
    if (help || !to || !item || !key) {
        fprintf (help? stdout: stderr,
            "usage: sluice query (--config gateway.cfg | --gateway ENDPOINT)\n"
            "                    --to DEPT --item ITEM --key KEY [--fields a,b,c]\n"
            "                    --purpose PURPOSE --officer NAME [--role ROLE]\n"
            "                    [--timeout-ms N] [--json]\n"
            "Asks department DEPT, through this department's gateway, for the record\n"
            "of KEY in catalog item ITEM. Only the fields its agreement grants come back.\n"
            "Exit: 0 found, 1 not found, 2 refused (the reason is printed), 3 failed,\n"
            "64 usage.\n"
            "Example:\n"
            "  sluice query --config tax.cfg --to SH-PD-MSA --item enterprise-basic \\\n"
            "      --key 91310115MA1K3BTP2B --purpose tax-registration --officer 'Wang Fang' \\\n"
            "      --role auditor\n");
        return help? 0: EXIT_USAGE;
    }
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "query");
    if (strlen (to) >= sizeof (request.to)
    ||  strlen (item) >= sizeof (request.query.item)
    ||  strlen (key) >= sizeof (request.query.key)
    ||  strlen (fields) >= sizeof (request.query.fields)
    ||  strlen (purpose) >= sizeof (request.query.purpose)
    ||  strlen (officer) >= sizeof (request.query.officer)
    ||  strlen (role) >= sizeof (request.query.role)) {
        fprintf (stderr, "sluice query: an argument is longer than the protocol allows\n");
        return EXIT_USAGE;
    }
    strcpy (request.to, to);
    strcpy (request.query.item, item);
    strcpy (request.query.key, key);
    strcpy (request.query.fields, fields);
    strcpy (request.query.purpose, purpose);
    strcpy (request.query.officer, officer);
    strcpy (request.query.role, role);
    int64_t wait = 5000;
    if (timeout) {
        wait = strtoll (timeout, NULL, 10);
        if (wait < 100 || wait > 600000) {
            fprintf (stderr, "sluice query: --timeout-ms must be 100..600000\n");
            return EXIT_USAGE;
        }
        request.timeout_ms = (uint64_t) wait;
    }
    char *local = cli_endpoint (endpoint, config, "query");
    if (!local)
        return EXIT_USAGE;
    localapi_reply_t reply;
    //  The gateway answers within the timeout; give it a margin
    int rc = cli_call (local, &request, wait + 2000, &reply, "query");
    free (local);
    if (rc) {
        localapi_reply_destroy (&reply);
        return EXIT_FAILED;
    }
    cli_out_t out = cli_out (stdout);
    s_print_reply (&out, &reply, json);
    cli_out_report (&out, "query");
    int code = cli_exit_status ((int) reply.status);
    localapi_reply_destroy (&reply);
    return code;
}

static int
s_status (int argc, char **argv)
{
    const char *endpoint = NULL, *config = NULL;
    bool json = false, help = false;
    cli_option_t options [] = {
        { "--gateway", &endpoint }, { "--config", &config },
        { "--json", NULL, &json }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "status"))
        return EXIT_USAGE;
    if (help) {
        printf ("usage: sluice status (--config gateway.cfg | --gateway ENDPOINT) [--json]\n"
                "Shows whether the gateway is registered with a broker (and why not), where\n"
                "each broker link stands, and its figures. Exit: 0 registered, 1 not\n"
                "registered with any broker, 3 no answer from the gateway, 64 usage.\n");
        return 0;
    }
    char *local = cli_endpoint (endpoint, config, "status");
    if (!local)
        return EXIT_USAGE;
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "status");
    localapi_reply_t reply;
    int rc = cli_call (local, &request, 3000, &reply, "status");
    free (local);
    if (rc == 0) {
        cli_out_t out = cli_out (stdout);
        s_print_reply (&out, &reply, json);
        cli_out_report (&out, "status");
    }
    //  A gateway that no broker has welcomed cannot share: not a success
    int code = rc? EXIT_FAILED: reply.status == STATUS_NOT_REGISTERED? CLI_EXIT_NOT_FOUND: 0;
    localapi_reply_destroy (&reply);
    return code;
}

//  Exit codes of `sluice audit` (README "sluice audit"), besides 0 and
//  EXIT_USAGE: the log is NOT INTACT; a file is not what it should be (not
//  an audit log, not a certificate); a file does not exist or cannot be read
#define EXIT_NOT_INTACT     1
#define EXIT_NOT_A_LOG      65
#define EXIT_NO_FILE        66

//  The exit code for an audit_* result, printing the report of a file that
//  is missing or not an audit log.
static int
s_audit_exit (int64_t result, const char *report)
{
    if (result == AUDIT_NO_FILE || result == AUDIT_NOT_A_LOG)
        fprintf (stderr, "sluice audit: %s\n", report? report: "cannot read the log");
    return result >= 0? 0:
           result == AUDIT_NO_FILE? EXIT_NO_FILE:
           result == AUDIT_NOT_A_LOG? EXIT_NOT_A_LOG: EXIT_NOT_INTACT;
}

//  Loads the comma-separated certificates of one department into keys
//  (fresh array, caller frees); *department gets their department (fresh).
//  Returns the number of keys, or -1 (said on stderr) with *exit_code.
static int
s_audit_keys (const char *list, audit_key_t **keys, char **department, int *exit_code)
{
    *keys = NULL;
    *department = NULL;
    int count = 0;
    char *copy = strdup (list);
    assert (copy);
    char *save = NULL;
    for (char *path = strtok_r (copy, ",", &save); path; path = strtok_r (NULL, ",", &save)) {
        char *error = NULL;
        cert_t *cert = zsys_file_exists (path)? cert_load (path, &error): NULL;
        if (!cert) {
            fprintf (stderr, "sluice audit: %s: %s%s%s\n", path, zsys_file_exists (path)?
                     "not a certificate": "no such file", error? ": ": "",
                     error? error: "");
            zstr_free (&error);
            *exit_code = zsys_file_exists (path)? EXIT_NOT_A_LOG: EXIT_NO_FILE;
            count = -1;
            break;
        }
        if (*department && !streq (*department, cert_department (cert))) {
            fprintf (stderr, "sluice audit: %s is a certificate of %s, not of %s\n",
                     path, cert_department (cert), *department);
            *exit_code = EXIT_USAGE;
            cert_destroy (&cert);
            count = -1;
            break;
        }
        if (!*department)
            *department = strdup (cert_department (cert));
        audit_key_t *grown = (audit_key_t *) realloc (*keys, sizeof (audit_key_t) * (count + 1));
        assert (grown);
        *keys = grown;
        grown [count].serial = cert_serial (cert);
        memcpy (grown [count].sign_public, cert_sign_public (cert), AUDIT_KEY_SIZE);
        count++;
        cert_destroy (&cert);
    }
    free (copy);
    if (count == 0) {
        fprintf (stderr, "sluice audit: no certificate given\n");
        *exit_code = EXIT_USAGE;
        count = -1;
    }
    if (count < 0) {
        free (*keys);
        *keys = NULL;
        zstr_free (department);
    }
    return count;
}

//  The first problem of a log that is not intact; the report may quote
//  what the file holds, so it is shown escaped (cli_text_str).
static void
s_audit_not_intact (const char *log, const char *report)
{
    cli_out_t out = cli_out (stdout);
    printf ("audit log %s: NOT INTACT: ", log);
    cli_text_str (&out, report? report: "unknown problem", 0);
    printf ("\n");
}

//  The renewals a verification passed ("; " and their report, escaped), if any.
static void
s_audit_renewals (const char *renewals)
{
    cli_out_t out = cli_out (stdout);
    if (renewals) {
        printf ("; ");
        cli_text_str (&out, renewals, 0);
    }
}

//  sluice audit verify: the log alone, or against a witness log.
static int
s_audit_verify (const char *log, const char *certs, const char *witness,
                const char *witness_certs)
{
    audit_key_t *keys = NULL, *witness_keys = NULL;
    char *department = NULL, *witness_department = NULL;
    int rc = 0;
    int count = s_audit_keys (certs, &keys, &department, &rc);
    int witness_count = count > 0 && witness?
        s_audit_keys (witness_certs, &witness_keys, &witness_department, &rc): 0;
    if (count < 0 || witness_count < 0)
        goto done;
    char *report = NULL;
    int64_t records = auditverify_log (log, keys, (size_t) count, &report);
    rc = s_audit_exit (records, report);
    if (records == AUDIT_NOT_INTACT)
        s_audit_not_intact (log, report);
    else
    if (records >= 0 && !witness) {
        printf ("audit log %s: intact, %" PRId64 " records, signed by %s", log,
                records, department);
        s_audit_renewals (report);
        printf ("\n");
    }
    else
    if (records >= 0) {
        char *renewals = report;
        report = NULL;
        int64_t witnessed = auditverify_witness (log, keys, (size_t) count, witness,
                                                 witness_keys, (size_t) witness_count,
                                                 &report);
        rc = s_audit_exit (witnessed, report);
        if (witnessed == AUDIT_NOT_INTACT)
            s_audit_not_intact (log, report);
        else
        if (witnessed >= 0) {
            printf ("audit log %s: intact, %" PRId64 " records, signed by %s", log,
                    records, department);
            s_audit_renewals (renewals);
            printf ("; witnessed by %s (%s): %" PRId64 " of its records agree\n",
                    witness, witness_department, witnessed);
        }
        zstr_free (&renewals);
    }
    zstr_free (&report);
done:
    free (keys);
    free (witness_keys);
    zstr_free (&department);
    zstr_free (&witness_department);
    return rc;
}

//  sluice audit renew: the old key signs the new one into the chain.
static int
s_audit_renew (const char *log, const char *old_path, const char *new_path,
               const char *authority_path)
{
    char *error = NULL;
    cert_t *old_cert = cert_load (old_path, &error);
    cert_t *new_cert = old_cert? cert_load (new_path, &error): NULL;
    authority_t *authority = new_cert && authority_path?
                             authority_load (authority_path, &error): NULL;
    int rc = EXIT_NOT_A_LOG;
    if (!old_cert || !cert_has_secret (old_cert))
        fprintf (stderr, "sluice audit: %s: not a certificate with its secret keys"
                 " (the old .cert_secret)%s%s\n", old_path, error? ": ": "",
                 error? error: "");
    else
    if (!new_cert)
        fprintf (stderr, "sluice audit: %s: not a certificate: %s\n", new_path, error);
    else
    if (authority_path && !authority)
        fprintf (stderr, "sluice audit: %s: not an authority key: %s\n",
                 authority_path, error);
    else
    if (authority && (cert_verify (old_cert, authority_public (authority))
                  ||  cert_verify (new_cert, authority_public (authority))))
        fprintf (stderr, "sluice audit: the certificates are not both signed by"
                 " this authority\n");
    else
    if (!streq (cert_department (old_cert), cert_department (new_cert)))
        fprintf (stderr, "sluice audit: %s is a certificate of %s, not of %s\n",
                 new_path, cert_department (new_cert), cert_department (old_cert));
    else
    if (cert_serial (new_cert) <= cert_serial (old_cert))
        fprintf (stderr, "sluice audit: the new certificate's serial (%" PRIu64 ") must"
                 " be above the old one's (%" PRIu64 ")\n", cert_serial (new_cert),
                 cert_serial (old_cert));
    else {
        char *report = NULL;
        int check = auditfile_check (log, &report);
        int64_t seq = check? check: audit_renew (log, cert_department (old_cert),
                                                 cert_sign_secret (old_cert),
                                                 cert_serial (old_cert),
                                                 cert_serial (new_cert),
                                                 cert_sign_public (new_cert), &report);
        rc = check? s_audit_exit (check, report): seq < 0? EXIT_NOT_INTACT: 0;
        if (!check && seq < 0)
            fprintf (stderr, "sluice audit: %s\n", report? report: "renewal refused");
        else
        if (seq > 0)
            printf ("audit log %s: renewal recorded at record %" PRId64 ", certificate"
                    " serial %" PRIu64 " replaced by serial %" PRIu64 "; start the"
                    " gateway with %s's new certificate\n", log, seq,
                    cert_serial (old_cert), cert_serial (new_cert),
                    cert_department (new_cert));
        zstr_free (&report);
    }
    zstr_free (&error);
    cert_destroy (&old_cert);
    cert_destroy (&new_cert);
    authority_destroy (&authority);
    return rc;
}

static int
s_audit (int argc, char **argv)
{
    const char *log = NULL, *cert_path = NULL, *last = NULL, *witness = NULL,
               *witness_cert = NULL, *new_cert = NULL, *authority = NULL;
    bool help = false;
    const char *verb = argc > 1? argv [1]: "";
    cli_option_t options [] = {
        { "--log", &log }, { "--cert", &cert_path }, { "--last", &last },
        { "--witness", &witness }, { "--witness-cert", &witness_cert },
        { "--new-cert", &new_cert }, { "--authority", &authority },
        { "--help", NULL, &help }, { NULL }
    };
    if (streq (verb, "--help"))
        help = true;
    bool verify = streq (verb, "verify"), show = streq (verb, "show"),
         renew = streq (verb, "renew");
    if (help || (!verify && !show && !renew)
    ||  cli_parse (argc - 1, argv + 1, options, "audit")
    ||  help || !log || (verify && !cert_path) || (!!witness != !!witness_cert)
    ||  (renew && (!cert_path || !new_cert))) {
        FILE *out = help? stdout: stderr;
        fprintf (out,
            "usage: sluice audit verify --log STATE/audit.db --cert DEPT.cert[,OLD.cert...]\n"
            "                  [--witness OTHER/audit.db --witness-cert OTHER.cert[,...]]\n"
            "       sluice audit show --log STATE/audit.db [--last N]\n"
            "       sluice audit renew --log STATE/audit.db --cert OLD.cert_secret\n"
            "                  --new-cert NEW.cert [--authority authority.pub]\n"
            "verify recomputes the hash chain and checks every checkpoint signature\n"
            "with the department's certificates (the old ones too, after a renewal);\n"
            "with --witness, also checks the log against the other department's log,\n"
            "which holds this log's head with every answer (a log cut back is caught).\n"
            "show prints the newest N records (default 20, 0 for all). renew records a\n"
            "certificate renewal, signed by the old key, with the gateway stopped.\n"
            "exit 0 intact (or done), 1 NOT INTACT, 64 usage, 65 not an audit log (or\n"
            "not a certificate), 66 no such file.\n");
        return help? 0: EXIT_USAGE;
    }
    if (show) {
        char *report = NULL;
        int check = auditfile_check (log, &report);
        int rc = check? s_audit_exit (check, report):
                 auditprint_records (log, stdout, last? strtoll (last, NULL, 10): 20,
                                     &report) < 0? EXIT_NOT_INTACT: 0;
        if (!check && rc)
            fprintf (stderr, "sluice audit: %s\n", report? report: "cannot read");
        zstr_free (&report);
        return rc;
    }
    if (renew)
        return s_audit_renew (log, cert_path, new_cert, authority);
    return s_audit_verify (log, cert_path, witness, witness_cert);
}

//  --------------------------------------------------------------------------
//  Agreements: drafted by either side, signed by each department on its own
//  host with its own key; the file can travel by any channel.

//  A list of the agreement's names, one space before each
static void
s_agreement_names (cli_out_t *out, agreement_t *agreement,
                   size_t (*count) (agreement_t *),
                   const char *(*name) (agreement_t *, size_t))
{
    for (size_t index = 0; index < count (agreement); index++) {
        fputc (' ', out->file);
        cli_text_str (out, name (agreement, index), 0);
    }
    fputc ('\n', out->file);
}

//  The agreement for people. The file may have come from the other party
//  by any channel: its texts are printed through cli_text like everything
//  else that someone else wrote.
static void
s_agreement_print (cli_out_t *out, agreement_t *agreement)
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
    fputs ("\nfields     ", file);
    s_agreement_names (out, agreement, agreement_field_count, agreement_field);
    fputs ("purposes   ", file);
    s_agreement_names (out, agreement, agreement_purpose_count, agreement_purpose);
    fputs ("roles      ", file);
    s_agreement_names (out, agreement, agreement_role_count, agreement_role);
    fputs ("legal basis ", file);
    cli_text_str (out, agreement_legal_basis (agreement), 0);
    fprintf (file, "\nvalid       %s .. %s\n", from, until);
    fprintf (file, "daily quota %u\n", agreement_daily_quota (agreement));
}

static int
s_agreement_draft (int argc, char **argv)
{
    const char *id = NULL, *provider = NULL, *consumer = NULL, *item = NULL;
    const char *fields = NULL, *purposes = NULL, *basis = NULL, *roles = "*";
    const char *valid_from = NULL, *valid_until = NULL, *days = "365";
    const char *quota = "1000", *out = NULL, *version = "1";
    bool force = false, help = false;
    cli_option_t options [] = {
        { "--id", &id }, { "--provider", &provider }, { "--consumer", &consumer },
        { "--item", &item }, { "--fields", &fields }, { "--purposes", &purposes },
        { "--legal-basis", &basis }, { "--roles", &roles },
        { "--valid-from", &valid_from }, { "--valid-until", &valid_until },
        { "--days", &days }, { "--daily-quota", &quota }, { "--out", &out },
        { "--version", &version },
        { "--force", NULL, &force }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "agreement draft"))
        return EXIT_USAGE;
    if (help || !id || !provider || !consumer || !item || !fields || !purposes
    ||  !basis || !out) {
        fprintf (help? stdout: stderr,
            "usage: sluice agreement draft --id ID --provider DEPT --consumer DEPT\n"
            "           --item ITEM --fields a,b --purposes p1,p2 --legal-basis TEXT\n"
            "           [--roles r1,r2 | '*'] [--valid-from T] [--valid-until T | --days N]\n"
            "           [--daily-quota N] [--version N] --out FILE.agreement [--force]\n"
            "T is ISO 8601 UTC, e.g. 2026-01-01T00:00:00Z; valid-from defaults to now.\n"
            "--version (default 1): of two agreements with the same id, the higher\n"
            "version is in force; a new version is signed again by both departments.\n");
        return help? 0: EXIT_USAGE;
    }
    int64_t from = zclock_time () / 1000, until;
    uint64_t quota_value, days_value, version_value;
    if ((valid_from && certfile_time_parse (valid_from, &from))
    ||  certfile_uint_parse (days, 100000, &days_value)
    ||  certfile_uint_parse (quota, 1000000000, &quota_value)) {
        fprintf (stderr, "sluice agreement draft: bad --valid-from, --days or --daily-quota\n");
        return EXIT_USAGE;
    }
    if (certfile_uint_parse (version, AGREEMENT_VERSION_MAX, &version_value)
    ||  version_value < 1) {
        fprintf (stderr, "sluice agreement draft: --version must be a number from 1 to %u\n",
                 AGREEMENT_VERSION_MAX);
        return EXIT_USAGE;
    }
    until = from + (int64_t) days_value * 86400;
    if (valid_until && certfile_time_parse (valid_until, &until)) {
        fprintf (stderr, "sluice agreement draft: bad --valid-until '%s'\n", valid_until);
        return EXIT_USAGE;
    }
    char *error = NULL;
    agreement_t *agreement = agreement_new (id, provider, consumer, item, fields,
                                            purposes, basis, from, until,
                                            (uint32_t) quota_value, roles, &error);
    if (!agreement) {
        fprintf (stderr, "sluice agreement draft: the agreement is not valid: %s\n", error);
        zstr_free (&error);
        return 1;
    }
    int rc = agreement_set_version (agreement, version_value);
    assert (rc == 0);           //  in range, checked above
    rc = agreementtext_save (agreement, out, force, &error);
    if (rc)
        fprintf (stderr, "sluice agreement draft: %s\n", error);
    zstr_free (&error);
    if (rc == 0)
        printf ("drafted %s: %s -> %s, item %s, version %" PRIu64 "; now both departments "
                "sign it\n", out, provider, consumer, item, version_value);
    agreement_destroy (&agreement);
    return rc? 1: 0;
}

static int
s_agreement_sign (int argc, char **argv)
{
    const char *cert_path = NULL, *file = NULL;
    bool help = false;
    cli_option_t options [] = {
        { "--cert", &cert_path }, { "--file", &file }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "agreement sign"))
        return EXIT_USAGE;
    if (help || !cert_path || !file) {
        fprintf (help? stdout: stderr,
            "usage: sluice agreement sign --cert DEPT.cert_secret --file FILE.agreement\n"
            "Signs the agreement as its provider or consumer, whichever the certificate\n"
            "names, and writes the file back.\n");
        return help? 0: EXIT_USAGE;
    }
    char *error = NULL;
    cert_t *cert = cert_load (cert_path, &error);
    agreement_t *agreement = NULL;
    int rc = 1;
    if (!cert || !cert_has_secret (cert))
        fprintf (stderr, "sluice agreement sign: %s: not a certificate with secret keys%s%s\n",
                 cert_path, error? ": ": "", error? error: "");
    else
    if (!(agreement = agreementtext_load (file, &error)))
        fprintf (stderr, "sluice agreement sign: %s: not a valid agreement file (%s)\n",
                 file, error);
    else
    if (agreement_sign (agreement, cert))
        fprintf (stderr, "sluice agreement sign: %s is neither provider nor consumer "
                 "of %s\n", cert_department (cert), file);
    else
    if (agreementtext_save (agreement, file, true, &error) == 0) {
        printf ("signed %s as %s\n", file, cert_department (cert));
        rc = 0;
    }
    else
        fprintf (stderr, "sluice agreement sign: %s\n", error);
    zstr_free (&error);
    agreement_destroy (&agreement);
    cert_destroy (&cert);
    return rc;
}

static int
s_agreement_show (int argc, char **argv)
{
    const char *authority_path = NULL, *certs = NULL, *file = NULL;
    bool help = false;
    cli_option_t options [] = {
        { "--authority", &authority_path }, { "--certs", &certs },
        { "--file", &file }, { "--help", NULL, &help }, { NULL }
    };
    if (cli_parse (argc, argv, options, "agreement show"))
        return EXIT_USAGE;
    if (help || !file || (!authority_path != !certs)) {
        fprintf (help? stdout: stderr,
            "usage: sluice agreement show --file FILE.agreement\n"
            "           [--authority authority.pub --certs DIR]\n"
            "With --authority and --certs, also verifies both signatures against the\n"
            "departments' certificates; exit 1 if they do not verify.\n");
        return help? 0: EXIT_USAGE;
    }
    char *error = NULL;
    agreement_t *agreement = agreementtext_load (file, &error);
    if (!agreement) {
        fprintf (stderr, "sluice agreement show: %s: not a valid agreement file (%s)\n",
                 file, error);
        zstr_free (&error);
        return 1;
    }
    cli_out_t out = cli_out (stdout);
    s_agreement_print (&out, agreement);
    int rc = 0;
    if (authority_path) {
        authority_t *authority = authority_load (authority_path, &error);
        if (!authority) {
            fprintf (stderr, "sluice agreement show: %s: not an authority key: %s\n",
                     authority_path, error);
            zstr_free (&error);
            rc = 1;
        }
        else {
            truststore_t *trust = truststore_new (authority_public (authority));
            char *refused = NULL;
            truststore_add_dir (trust, certs, &refused);
            if (refused)
                fprintf (stderr, "sluice agreement show: certificates refused:\n%s\n",
                         refused);
            zstr_free (&refused);
            int status = agreement_verify (agreement, trust, zclock_time () / 1000);
            printf ("signatures  %s\n", status == STATUS_OK? "verified":
                    status_text (status));
            rc = status == STATUS_OK? 0: 1;
            truststore_destroy (&trust);
            authority_destroy (&authority);
        }
    }
    cli_out_report (&out, "agreement show");
    agreement_destroy (&agreement);
    return rc;
}

static const s_command_t s_agreement_commands [] = {
    { "draft", s_agreement_draft, "write a new agreement file, unsigned" },
    { "sign",  s_agreement_sign,  "sign as provider or consumer" },
    { "show",  s_agreement_show,  "print, and verify the signatures" },
    { "register", registry_cmd_agreement_register, "register at the brokers (both gateways get it)" },
    { "list",  registry_cmd_agreement_list, "this department's agreements and their state" },
    { "revoke", registry_cmd_agreement_revoke, "the provider ends an agreement, everywhere" },
    { NULL }
};

static int
s_agreement (int argc, char **argv)
{
    for (const s_command_t *command = s_agreement_commands;
         argc > 1 && command->name; command++)
        if (streq (command->name, argv [1]))
            return command->run (argc - 1, argv + 1);
    FILE *out = argc > 1 && streq (argv [1], "--help")? stdout: stderr;
    fprintf (out, "usage: sluice agreement COMMAND (COMMAND --help for each)\n");
    for (const s_command_t *command = s_agreement_commands; command->name; command++)
        fprintf (out, "  %-8s %s\n", command->name, command->help);
    return out == stdout? 0: EXIT_USAGE;
}

//  `sluice certs revoke ... --publish gateway.cfg` also sends the new list
//  to the brokers through that gateway; the rest is certs_cmd's.
//  `sluice certs publish --crl FILE --config gateway.cfg`: sends a list the
//  authority signed earlier (e.g. offline) to the brokers.
static int
s_certs_publish (int argc, char **argv)
{
    const char *crl = NULL, *config = NULL;
    bool help = false;
    cli_option_t options [] = {
        { "--crl", &crl }, { "--config", &config }, { "--help", NULL, &help }, { NULL }
    };
    //  Usage errors exit 2, like every `sluice certs` command
    if (cli_parse (argc, argv, options, "certs publish"))
        return 2;
    if (help || !crl || !config) {
        fprintf (help? stdout: stderr,
            "usage: sluice certs publish --crl FILE --config gateway.cfg\n"
            "Sends the authority's revocation list FILE to the brokers through this\n"
            "department's gateway. The brokers check the authority's signature, keep\n"
            "only a newer list, drop revoked departments at once and pass it on to\n"
            "every gateway.\n");
        return help? 0: 2;
    }
    return registry_cmd_publish_crl (config, crl, "certs publish");
}

static int
s_certs (int argc, char **argv)
{
    if (argc > 1 && streq (argv [1], "publish"))
        return s_certs_publish (argc - 1, argv + 1);
    const char *publish = NULL, *crl = NULL;
    char **rest = (char **) calloc ((size_t) argc + 1, sizeof (char *));
    assert (rest);
    int count = 0;
    for (int index = 0; index < argc; index++) {
        if (streq (argv [index], "--publish") && index + 1 < argc)
            publish = argv [++index];
        else {
            if (streq (argv [index], "--crl") && index + 1 < argc)
                crl = argv [index + 1];
            rest [count++] = argv [index];
        }
    }
    int rc;
    if (publish && !(count > 1 && streq (rest [1], "revoke") && crl)) {
        fprintf (stderr, "sluice certs: --publish goes with revoke --crl FILE\n");
        rc = 2;
    }
    else {
        rc = certs_cmd_main (count, rest);
        if (rc == 0 && publish)
            rc = registry_cmd_publish_crl (publish, crl, "certs revoke");
        //  The command that certs_cmd does not know about
        if (count < 2 || streq (rest [1], "--help") || streq (rest [1], "-h"))
            fprintf (count < 2? stderr: stdout,
                     "  publish   send a revocation list to the brokers through a gateway\n"
                     "            (and: sluice certs revoke ... --publish GATEWAY.cfg)\n");
    }
    free (rest);
    return rc;
}

static const s_command_t s_commands [] = {
    { "certs",  s_certs,  "authority, certificates and revocation" },
    { "query",  s_query,  "ask another department through the local gateway" },
    { "status", s_status, "the local gateway's state and figures" },
    { "audit",  s_audit,  "verify, witness, show or renew a gateway's audit log" },
    { "agreement", s_agreement, "draft, sign, register, list and revoke sharing agreements" },
    { "catalog", catalog_cmd_main, "list, show and search the federation's catalogs" },
    { "order",  registry_cmd_order, "order data not offered (点菜), and answer orders" },
    { NULL }
};

static void
s_usage (FILE *file)
{
    fprintf (file, "usage: sluice COMMAND [ARGS] (sluice COMMAND --help for each)\n\n");
    for (const s_command_t *command = s_commands; command->name; command++)
        fprintf (file, "  %-10s %s\n", command->name, command->help);
}

int
main (int argc, char **argv)
{
    //  Only as the command: a later argument may be any value
    if (argc > 1 && version_asked (2, argv, "sluice", stdout))
        return 0;
    if (argc < 2 || streq (argv [1], "--help") || streq (argv [1], "-h")) {
        s_usage (argc < 2? stderr: stdout);
        return argc < 2? EXIT_USAGE: 0;
    }
    if (sodium_init () < 0) {
        fprintf (stderr, "sluice: libsodium failed to initialise\n");
        return EXIT_FAILED;
    }
    zsys_init ();
    zsys_set_logident ("sluice");
    for (const s_command_t *command = s_commands; command->name; command++)
        if (streq (command->name, argv [1]))
            return command->run (argc - 1, argv + 1);
    fprintf (stderr, "sluice: unknown command '%s'\n", argv [1]);
    s_usage (stderr);
    return EXIT_USAGE;
}
