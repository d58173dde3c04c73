/*  sluice_broker.c -- the sluice-broker daemon.  */

#include "broker.h"
#include <sodium.h>

static void
s_usage (FILE *file)
{
    fprintf (file,
        "usage: sluice-broker --config FILE [--SETTING VALUE ...]\n"
        "\n"
        "Routes sealed messages between certified department gateways. It admits\n"
        "only CURVE keys certified by the federation authority and not revoked,\n"
        "and never opens a message body. Stops cleanly on SIGTERM or SIGINT.\n"
        "\n"
        "Settings (in the config file, or as flags by their last name,\n"
        "e.g. --endpoint tcp://127.0.0.1:7700):\n");
    conf_print_help (broker_schema, file);
    fprintf (file,
        "\n"
        "Example config (broker.cfg):\n"
        "  broker\n"
        "      endpoint = \"tcp://127.0.0.1:7700\"\n"
        "      cert = \"certs/BROKER.cert_secret\"\n"
        "      authority = \"certs/authority.pub\"\n"
        "      certs = \"certs/public\"\n"
        "      crl = \"certs/federation.crl\"\n");
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
        fprintf (stderr, "sluice-broker: libsodium failed to initialise\n");
        return 1;
    }
    zsys_init ();
    zsys_set_logident ("sluice-broker");
    char *error = NULL;
    conf_t *conf = config? conf_load (config, broker_schema, &error)
                         : conf_new (broker_schema);
    const char *own [] = { "--config", NULL };
    const char *switches [] = { "--help", "-h", NULL };
    if (conf && (conf_apply_flags (conf, argc - 1, argv + 1, own, switches, &error)
             ||  conf_check (conf, &error)))
        conf_destroy (&conf);
    if (!conf) {
        fprintf (stderr, "sluice-broker: %s\n", error);
        if (!config)
            fprintf (stderr, "sluice-broker: give --config FILE (see --help)\n");
        zstr_free (&error);
        return 2;
    }
    broker_t *broker = broker_new (conf, &error);
    if (!broker) {
        fprintf (stderr, "sluice-broker: %s\n", error);
        zstr_free (&error);
        conf_destroy (&conf);
        return 1;
    }
    broker_run (broker, NULL);
    broker_destroy (&broker);
    conf_destroy (&conf);
    return 0;
}
