/*  settings.c -- the settings of each daemon, declared once.  */

#include "settings.h"

const conf_key_t settings_gateway [] = {
    { "gateway/cert",         CONF_PATH,     true,  0, 0, NULL,
      "this department's certificate, the .cert_secret file" },
    { "gateway/authority",    CONF_PATH,     true,  0, 0, NULL,
      "the federation authority's public key, authority.pub" },
    { "gateway/broker",       CONF_ENDPOINTS, true, 0, 0, NULL,
      "the brokers' endpoints, comma-separated, e.g. tcp://127.0.0.1:7700" },
    { "gateway/broker-cert",  CONF_PATHS,    true,  0, 0, NULL,
      "each broker's public certificate (.cert), in the same order" },
    { "gateway/local",        CONF_ENDPOINT, true,  0, 0, NULL,
      "local API endpoint for this department's systems, ipc://PATH" },
    { "gateway/group",        CONF_STRING,   false, 0, 0, "",
      "a group whose members read the state and use the local API" },
    { "gateway/local-unidentified", CONF_INTEGER, false, 0, 1, "0",
      "1: accept a tcp:// local endpoint, whose callers cannot be identified" },
    { "gateway/http",         CONF_PATH,     false, 0, 0, "",
      "a unix socket where the local API is served as HTTP and JSON; \"\": none" },
    { "gateway/catalog",      CONF_PATH,     true,  0, 0, NULL,
      "the catalog file (sluice-catalog(5))" },
    { "gateway/source",       CONF_PATH,     true,  0, 0, NULL,
      "the department's SQLite database, opened read-only" },
    { "gateway/state",        CONF_PATH,     true,  0, 0, NULL,
      "directory for the audit log, the quota counters, the ledger and the state lock" },
    { "gateway/agreements",   CONF_PATH,     false, 0, 0, "",
      "directory of signed agreement files (*.agreement)" },
    { "gateway/timeout-ms",   CONF_INTEGER,  false, 100, 600000, "5000",
      "how long a query to another department may take" },
    { "gateway/source-timeout-ms", CONF_INTEGER, false, 10, 600000, "2000",
      "how long one lookup in the source may take" },
    { "gateway/replay-window-ms", CONF_INTEGER, false, 1000, 3600000, "60000",
      "accepted clock difference; message ids are remembered this long" },
    { "gateway/heartbeat-ms", CONF_INTEGER,  false, 100, 60000, "1000",
      "heartbeat interval to the broker" },
    { "gateway/order-limit",  CONF_INTEGER,  false, 1, SETTINGS_ORDER_LIMIT_MAX, "1000",
      "open orders one department may have filed with (or by) this one" },
    { "gateway/outbox-per-recipient", CONF_INTEGER, false, 1, 10000000, "100000",
      "notices and alerts to one department held for it at most until it receipts them" },
    { "gateway/inbox-per-sender", CONF_INTEGER, false, 1, 10000000, "100000",
      "notices and alerts from one department held here not taken yet at most" },
    { "gateway/replay-capacity", CONF_INTEGER, false, 100, 100000000, "1000000",
      "message ids remembered at most; one sender may hold a third" },
    { "gateway/log-level",    CONF_LEVEL,    false, 0, 0, "info",
      "error, warning, info or debug" },
    { NULL }
};

const conf_key_t settings_broker [] = {
    { "broker/endpoint",     CONF_ENDPOINT, true,  0, 0, NULL,
      "endpoint to bind, e.g. tcp://127.0.0.1:7700" },
    { "broker/cert",         CONF_PATH,     true,  0, 0, NULL,
      "the broker's own certificate, the .cert_secret file" },
    { "broker/authority",    CONF_PATH,     true,  0, 0, NULL,
      "the federation authority's public key, authority.pub" },
    { "broker/certs",        CONF_PATH,     true,  0, 0, NULL,
      "directory of department certificates (*.cert)" },
    { "broker/crl",          CONF_PATH,     false, 0, 0, "",
      "revocation list file, reloaded when it changes" },
    { "broker/state",        CONF_PATH,     false, 0, 0, "state",
      "directory for the registry (catalogs, agreements, orders), the queue and the state lock" },
    { "broker/heartbeat-ms", CONF_INTEGER,  false, 100, 60000, "1000",
      "heartbeat interval; a peer silent for 5 intervals is offline" },
    { "broker/queue-limit",  CONF_INTEGER,  false, 10, 1000000, "10000",
      "messages queued per peer before it is reported busy" },
    { "broker/order-limit",  CONF_INTEGER,  false, 1, SETTINGS_ORDER_LIMIT_MAX, "1000",
      "open orders (without an answer) one department may have filed" },
    { "broker/queue-per-sender", CONF_INTEGER, false, 1, 10000000, "100000",
      "notices, alerts and receipts held for delivery from one department" },
    { "broker/queue-days",   CONF_INTEGER,  false, 1, 3650, "30",
      "days a notice, alert or receipt is held for delivery at most" },
    { "broker/log-level",    CONF_LEVEL,    false, 0, 0, "info",
      "error, warning, info or debug" },
    { "broker/handshake-ms", CONF_INTEGER,  false, 100, 60000, "3000",
      "a connection not through its CURVE handshake by then is closed" },
    { "broker/handshakes-max", CONF_INTEGER, false, 1, 1000000, "256",
      "connections in their handshake at once, in all" },
    { "broker/handshakes-per-address", CONF_INTEGER, false, 1, 1000000, "32",
      "connections in their handshake at once from one address" },
    { "broker/connections-per-department", CONF_INTEGER, false, 1, 1000000, "8",
      "admitted connections one department may hold at once" },
    { "broker/connections-per-address", CONF_INTEGER, false, 1, 1000000, "64",
      "admitted connections one address may hold at once" },
    { NULL }
};

//  Every key is in its daemon's section, named once, with a help line.
static void
s_check (const conf_key_t *schema, const char *section)
{
    size_t prefix = strlen (section);
    for (const conf_key_t *key = schema; key->path; key++) {
        assert (strncmp (key->path, section, prefix) == 0 && key->path [prefix] == '/');
        assert (key->help && *key->help);
        for (const conf_key_t *other = key + 1; other->path; other++)
            assert (strcmp (key->path, other->path) != 0);
    }
}

void
settings_test (bool verbose)
{
    if (verbose)
        printf (" * settings: ");
    s_check (settings_gateway, "gateway");
    s_check (settings_broker, "broker");
    //  Defaults are valid values of their own keys
    conf_t *conf = conf_new (settings_gateway);
    assert (conf);
    assert (conf_int (conf, "gateway/timeout-ms") == 5000);
    conf_destroy (&conf);
    conf = conf_new (settings_broker);
    assert (conf);
    assert (conf_int (conf, "broker/order-limit") == 1000);
    assert (conf_int (conf, "broker/connections-per-department") == 8);
    assert (conf_int (conf, "broker/connections-per-address") == 64);
    assert (conf_int (conf, "broker/queue-per-sender") == 100000);
    assert (conf_int (conf, "broker/queue-days") == 30);
    conf_destroy (&conf);
    if (verbose)
        printf ("OK\n");
}
