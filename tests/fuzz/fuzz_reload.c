/*  fuzz_reload.c -- libFuzzer target for the reload paths of the running
    daemons: the broker's trust (certificates directory and revocation
    list) and the gateway's catalog (with its source) and agreement files.

    A real broker and a real gateway run as actors in this process, on a
    federation made at start (an authority, a broker certificate, one
    department, a source database). Each input is written as one of the
    files a reload reads, chosen by its first byte: the revocation list, a
    certificate in the broker's directory, the catalog, an agreement file.
    Then the daemon is told to reload, as SIGHUP does ("RELOAD" on its
    control pipe), and the target waits for its answer: a reload that
    crashes, reads freed memory or hangs is a finding. After each input the
    daemon must still answer the next reload.

    The daemons read configuration files whose paths are relative, as an
    operator writes them: each reload resolves them again (conf_str), so the
    strings a reload holds across another (the broker's) are covered too.
    Build and run: sh tests/fuzz/run.sh (see README "Fuzzing").
*/

#include "conf.h"
#include "cert.h"
#include "certtext.h"
#include "authority.h"
#include "broker.h"
#include "gateway.h"
#include "fuzz_common.h"
#include <sqlite3.h>
#include <sys/stat.h>

#define S_CATALOG \
    "catalog\n" \
    "    item = \"enterprise-basic\"\n" \
    "        title = \"basic\"\n" \
    "        key-type = \"uscc\"\n" \
    "        share = \"open\"\n" \
    "        sql = \"SELECT name FROM enterprise WHERE uscc = :key\"\n" \
    "        field = \"name\"\n" \
    "            type = \"text\"\n" \
    "            sensitivity = 1\n"

static char s_dir [64];
static zactor_t *s_broker, *s_gateway;
static conf_t *s_broker_conf, *s_gateway_conf;

//  At exit, before czmq's own shutdown (registered earlier, so run later):
//  the daemons stop as they would on SIGTERM, their threads (the broker's
//  reader of its trust among them) ending with them, not under a context
//  that is going away
static void
s_cleanup (void)
{
    zactor_destroy (&s_gateway);
    zactor_destroy (&s_broker);
    conf_destroy (&s_gateway_conf);
    conf_destroy (&s_broker_conf);
    s_fuzz_remove_tree (s_dir);
}

static char *
s_at (const char *name)
{
    char *path = zsys_sprintf ("%s/%s", s_dir, name);
    S_REQUIRE (path);
    return path;
}

static void
s_write (const char *name, const uint8_t *data, size_t size)
{
    char *path = s_at (name);
    FILE *file = fopen (path, "wb");
    S_REQUIRE (file);
    S_REQUIRE (size == 0 || fwrite (data, 1, size, file) == size);
    S_REQUIRE (fclose (file) == 0);
    zstr_free (&path);
}

//  A daemon's configuration file, written in the federation's directory
//  and loaded from there, so that its relative paths are relative to it
static conf_t *
s_conf_load (const char *name, const char *text, const conf_key_t *schema)
{
    s_write (name, (const uint8_t *) text, strlen (text));
    char *path = s_at (name);
    char *error = NULL;
    conf_t *conf = conf_load (path, schema, &error);
    if (!conf)
        fprintf (stderr, "fuzz_reload: %s\n", error);
    S_REQUIRE (conf);
    zstr_free (&path);
    return conf;
}

//  The gateway as an actor, as daemon_main runs it
static void
s_gateway_actor (zsock_t *pipe, void *args)
{
    char *error = NULL;
    gateway_t *gateway = gateway_new ((conf_t *) args, &error);
    zsock_signal (pipe, gateway? 0: 1);
    if (!gateway) {
        fprintf (stderr, "fuzz_reload: gateway: %s\n", error);
        zstr_free (&error);
        return;
    }
    gateway_run (gateway, pipe);
    gateway_destroy (&gateway);
}

//  Tells a daemon to reload and waits for its answer (a hang is a finding:
//  libFuzzer's -timeout catches it). The alarm that libFuzzer's -timeout
//  sets interrupts the wait now and then (SIGALRM): it is waited again.
static void
s_reload (zactor_t *daemon)
{
    S_REQUIRE (zstr_send (daemon, "RELOAD") == 0);
    int rc;
    do
        rc = zsock_wait (daemon);
    while (rc == -1 && zmq_errno () == EINTR);
    S_REQUIRE (rc == 0);
}

static void
s_federation (void)
{
    int64_t now = zclock_time () / 1000;
    authority_t *authority = authority_new ("Fuzz authority", NULL);
    S_REQUIRE (authority && authority_save (authority, s_dir, true, NULL) == 0);
    cert_t *broker = cert_new ("BROKER", "Fuzz broker", "broker", 0, 1,
                               now - 3600, now + 365 * 86400, NULL);
    cert_t *department = cert_new ("SH-PD-MSA", "Fuzz department", "department", 3, 2,
                                   now - 3600, now + 365 * 86400, NULL);
    S_REQUIRE (broker && department);
    cert_sign_by (broker, authority);
    cert_sign_by (department, authority);
    char *path = s_at ("BROKER.cert");
    S_REQUIRE (certtext_save (broker, path, true, NULL) == 0);
    zstr_free (&path);
    path = s_at ("SH-PD-MSA.cert");
    S_REQUIRE (certtext_save (department, path, true, NULL) == 0);
    zstr_free (&path);
    path = s_at ("certs");
    S_REQUIRE (mkdir (path, 0700) == 0);
    zstr_free (&path);
    cert_t *public = cert_dup (department);
    path = s_at ("certs/SH-PD-MSA.cert");
    S_REQUIRE (public && certtext_save (public, path, true, NULL) == 0);
    zstr_free (&path);
    path = s_at ("agreements");
    S_REQUIRE (mkdir (path, 0700) == 0);
    zstr_free (&path);
    cert_destroy (&public);
    cert_destroy (&department);
    cert_destroy (&broker);
    authority_destroy (&authority);

    sqlite3 *db = NULL;
    path = s_at ("source.db");
    S_REQUIRE (sqlite3_open (path, &db) == SQLITE_OK);
    S_REQUIRE (sqlite3_exec (db, "CREATE TABLE enterprise (uscc TEXT PRIMARY KEY, "
                             "name TEXT, address TEXT, status TEXT, capital INTEGER);"
                             "INSERT INTO enterprise VALUES ('91310115MA1K3BTP2B', "
                             "'Fuzz Ltd', 'Pudong', 'active', 100);",
                             NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (db);
    zstr_free (&path);
    s_write ("catalog.cfg", (const uint8_t *) S_CATALOG, strlen (S_CATALOG));
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    s_fuzz_setup (true);
    snprintf (s_dir, sizeof (s_dir), "/tmp/sluice-fuzz-reload-%d", getpid ());
    S_REQUIRE (mkdir (s_dir, 0700) == 0 || errno == EEXIST);
    atexit (s_cleanup);
    s_federation ();

    s_broker_conf = s_conf_load ("broker.cfg",
        "broker\n"
        "    endpoint = \"tcp://127.0.0.1:*\"\n"
        "    cert = \"BROKER.cert_secret\"\n"
        "    authority = \"authority.pub\"\n"
        "    certs = \"certs\"\n"
        "    crl = \"federation.crl\"\n"
        "    state = \"broker-state\"\n"
        "    log-level = \"error\"\n", settings_broker);
    s_broker = zactor_new (broker_actor, s_broker_conf);
    S_REQUIRE (s_broker);
    s_reload (s_broker);

    //  No broker at gateway/broker: reloads do not need one
    s_gateway_conf = s_conf_load ("gateway.cfg",
        "gateway\n"
        "    cert = \"SH-PD-MSA.cert_secret\"\n"
        "    authority = \"authority.pub\"\n"
        "    broker = \"tcp://127.0.0.1:9\"\n"
        "    broker-cert = \"BROKER.cert\"\n"
        "    local = \"ipc://local.ipc\"\n"
        "    catalog = \"catalog.cfg\"\n"
        "    source = \"source.db\"\n"
        "    state = \"gateway-state\"\n"
        "    agreements = \"agreements\"\n"
        "    log-level = \"error\"\n", settings_gateway);
    s_gateway = zactor_new (s_gateway_actor, s_gateway_conf);
    S_REQUIRE (s_gateway);
    s_reload (s_gateway);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static const struct {
        const char *file;
        bool broker;
    } targets [] = {
        { "federation.crl", true },
        { "certs/fuzz.cert", true },
        { "catalog.cfg", false },
        { "agreements/fuzz.agreement", false },
    };
    size_t which = data [0] % (sizeof (targets) / sizeof (targets [0]));
    s_write (targets [which].file, data + 1, size - 1);
    zactor_t *daemon = targets [which].broker? s_broker: s_gateway;
    s_reload (daemon);
    //  Still alive and answering
    s_reload (daemon);
    return 0;
}
