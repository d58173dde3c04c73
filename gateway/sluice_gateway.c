/*  sluice_gateway.c -- the sluice-gateway daemon.  */

#include "gateway.h"
#include <sodium.h>

static void
s_usage (FILE *file)
{
    fprintf (file,
        "usage: sluice-gateway --config FILE [--SETTING VALUE ...]\n"
        "\n"
        "One department's gateway: serves its catalog from its own database under\n"
        "the agreements it verified itself, asks other departments for its own\n"
        "systems (local API, used by `sluice query`), keeps the signed audit log.\n"
        "Reconnects to the broker by itself. Stops cleanly on SIGTERM or SIGINT.\n"
        "\n"
        "Settings (in the config file, or as flags by their last name,\n"
        "e.g. --log-level debug):\n");
    conf_print_help (gateway_schema, file);
    fprintf (file,
        "\n"
        "Example config (gateway.cfg):\n"
        "  gateway\n"
        "      cert = \"certs/SH-PD-MSA.cert_secret\"\n"
        "      authority = \"certs/authority.pub\"\n"
        "      broker = \"tcp://127.0.0.1:7700\"\n"
        "      broker-cert = \"certs/BROKER.cert\"\n"
        "      local = \"ipc://state/msa.ipc\"\n"
        "      catalog = \"msa-catalog.cfg\"\n"
        "      source = \"data/market.db\"\n"
        "      state = \"state/msa\"\n"
        "      agreements = \"agreements\"\n");
}

int
main (int argc, char **argv)
{
    const char *config = NULL;
    for (int index = 1; index < argc; index++) {
        if (streq (argv [index], "--help") || streq (argv [index], "-h")) {
            s_usage (stdout);
            return 0;
        }
        if (streq (argv [index], "--config") && index + 1 < argc)
            config = argv [++index];
    }
    if (sodium_init () < 0) {
        fprintf (stderr, "sluice-gateway: libsodium failed to initialise\n");
        return 1;
    }
    zsys_init ();
    zsys_set_logident ("sluice-gateway");
    char *error = NULL;
    conf_t *conf = config? conf_load (config, gateway_schema, &error)
                         : conf_new (gateway_schema);
    const char *own [] = { "--config", NULL };
    const char *switches [] = { "--help", "-h", NULL };
    if (conf && (conf_apply_flags (conf, argc - 1, argv + 1, own, switches, &error)
             ||  conf_check (conf, &error)))
        conf_destroy (&conf);
    if (!conf) {
        fprintf (stderr, "sluice-gateway: %s\n", error);
        if (!config)
            fprintf (stderr, "sluice-gateway: give --config FILE (see --help)\n");
        zstr_free (&error);
        return 2;
    }
    gateway_t *gateway = gateway_new (conf, &error);
    if (!gateway) {
        fprintf (stderr, "sluice-gateway: %s\n", error);
        zstr_free (&error);
        conf_destroy (&conf);
        return 1;
    }
    gateway_run (gateway, NULL);
    gateway_destroy (&gateway);
    conf_destroy (&conf);
    return 0;
}
