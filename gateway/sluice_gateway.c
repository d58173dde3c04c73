/*  sluice_gateway.c -- the sluice-gateway daemon.  */

#include "gateway.h"
#include "daemon.h"

static void
s_usage (FILE *file)
{
    fprintf (file,
        "usage: sluice-gateway --config FILE [--SETTING VALUE ...]\n"
        "\n"
        "One department's gateway: serves its catalog from its own database under\n"
        "the agreements it verified itself, asks other departments for its own\n"
        "systems (local API, used by `sluice query`), keeps the signed audit log.\n"
        "Reconnects to the broker by itself. Stops cleanly on SIGTERM or SIGINT;\n"
        "SIGHUP loads the catalog and the agreement files again. One gateway per\n"
        "state directory; --version prints the version.\n"
        "\n"
        "Settings (in the config file, or as flags by their last name,\n"
        "e.g. --log-level debug):\n");
    conf_print_help (settings_gateway, file);
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

//  daemon_main holds the server as a void *; these three adapt to it.

static void *
s_new (conf_t *conf, char **error)
{
    return gateway_new (conf, error);
}

static void
s_run (void *server, zsock_t *control)
{
    gateway_run ((gateway_t *) server, control);
}

static void
s_destroy (void **server_p)
{
    gateway_t *gateway = (gateway_t *) *server_p;
    gateway_destroy (&gateway);
    *server_p = NULL;
}

int
main (int argc, char **argv)
{
    const daemon_t spec = {
        .name = "sluice-gateway", .schema = settings_gateway, .usage = s_usage,
        .server_new = s_new, .server_run = s_run, .server_destroy = s_destroy,
        .state = "gateway/state", .group = "gateway/group"
    };
    return daemon_main (argc, argv, &spec);
}
