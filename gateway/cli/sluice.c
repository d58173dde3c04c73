/*  sluice.c -- the `sluice` command, for admins and scripts: one table of
    commands, each declared in its own file (cli.h says how).

        sluice certs ...        the federation's trust (certs_cmd.h)
        sluice query ...        ask another department through the local gateway
        sluice status ...       the local gateway's state and figures
        sluice audit ...        verify, witness, show or renew a gateway's audit log
        sluice agreement ...    draft, sign, show, register, list, revoke agreements
        sluice catalog ...      the federation's catalogs (catalog_cmd.h)
        sluice order ...        order data not offered, and answer orders
        sluice notice ...       notices with dual feedback (notice_cmd.h)
        sluice alert ...        regulatory alerts by topic (alert_cmd.h)
*/

#include "cli.h"
#include "certs_cmd.h"
#include "query_cmd.h"
#include "audit_cmd.h"
#include "agreement_cmd.h"
#include "catalog_cmd.h"
#include "order_cmd.h"
#include "notice_cmd.h"
#include "alert_cmd.h"
#include "version.h"
#include <sodium.h>

static const cli_command_t *const s_commands [] = {
    &certs_cmd, &query_cmd, &query_cmd_status, &audit_cmd, &agreement_cmd,
    &catalog_cmd, &order_cmd, &notice_cmd, &alert_cmd, NULL
};

//  `sluice --help` ends with the exit codes, which hold for every command
static void
s_epilogue (FILE *file)
{
    fprintf (file, "Exit codes of every command (its --help says what each means "
             "there):\n");
    cli_exits_print (file);
    fprintf (file, "'sluice --version' prints the version.\n");
}

static const cli_command_t s_sluice = {
    "sluice", NULL, NULL, NULL, NULL,
    "The federation's trust, and this department's gateway, for admins and scripts.\n",
    NULL, NULL, s_commands, s_epilogue
};

int
main (int argc, char **argv)
{
    //  Only as the command: a later argument may be any value
    if (argc > 1 && version_asked (2, argv, "sluice", stdout))
        return 0;
    if (sodium_init () < 0) {
        fprintf (stderr, "sluice: libsodium failed to initialise\n");
        return CLI_EXIT_FAILED;
    }
    zsys_init ();
    zsys_set_logident ("sluice");
    //  A command line tool: logs are errors for the admin, on stderr
    zsys_set_logstream (stderr);
    return cli_main (&s_sluice, "sluice", argc, argv);
}
