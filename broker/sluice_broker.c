/*  sluice_broker.c -- the sluice-broker daemon.  */

#include "broker.h"
#include "daemon.h"

static void
s_usage (FILE *file)
{
    fprintf (file,
        "usage: sluice-broker --config FILE [--SETTING VALUE ...]\n"
        "\n"
        "Routes sealed messages between certified department gateways. It admits\n"
        "only CURVE keys certified by the federation authority and not revoked,\n"
        "and never opens a message body. Stops cleanly on SIGTERM or SIGINT;\n"
        "SIGHUP reloads the certificates and the revocation list. One broker per\n"
        "state directory; --version prints the version.\n"
        "\n"
        "Settings (in the config file, or as flags by their last name,\n"
        "e.g. --endpoint tcp://127.0.0.1:7700):\n");
    conf_print_help (settings_broker, file);
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

//  daemon_main holds the server as a void *; these three adapt to it.

static void *
s_new (conf_t *conf, char **error)
{
    return broker_new (conf, error);
}

static void
s_run (void *server, zsock_t *control)
{
    broker_run ((broker_t *) server, control);
}

static void
s_destroy (void **server_p)
{
    broker_t *broker = (broker_t *) *server_p;
    broker_destroy (&broker);
    *server_p = NULL;
}

int
main (int argc, char **argv)
{
    const daemon_t spec = {
        .name = "sluice-broker", .schema = settings_broker, .usage = s_usage,
        .server_new = s_new, .server_run = s_run, .server_destroy = s_destroy,
        .state = "broker/state"
    };
    return daemon_main (argc, argv, &spec);
}
