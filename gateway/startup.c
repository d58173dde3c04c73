/*  startup.c -- what a gateway is made of, built from its settings.
*/

#include "startup.h"
#include "authority.h"
#include "certtext.h"
#include "status.h"
#include <sodium.h>
#include <sys/stat.h>
#include <sqlite3.h>

//  Modification time in nanoseconds, so that quick edits are all seen.
static int64_t
s_mtime (const char *path)
{
    struct stat status;
    if (stat (path, &status))
        return 0;
    return (int64_t) status.st_mtim.tv_sec * 1000000000 + status.st_mtim.tv_nsec;
}

//  This department's certificate, with its secrets, signed by the
//  authority
static int
s_identity (startup_t *self, char **error)
{
    //  The loaders' own reasons name the file and say what is wrong with it
    const char *path = conf_str (self->conf, "gateway/cert");
    char *reason = NULL;
    self->cert = certtext_load (path, &reason);
    if (!self->cert || !cert_has_secret (self->cert)) {
        status_set_error (error, "%s: cannot load this department's certificate with "
                          "its secret keys (gateway/cert): %s", path,
                          reason? reason: "it holds no secret keys");
        zstr_free (&reason);
        return -1;
    }
    self->id = cert_department (self->cert);
    const char *authority_path = conf_str (self->conf, "gateway/authority");
    authority_t *authority = authority_load (authority_path, &reason);
    if (!authority) {
        status_set_error (error, "%s: cannot load the authority key (gateway/authority):"
                          " %s", authority_path, reason);
        zstr_free (&reason);
        return -1;
    }
    memcpy (self->authority, authority_public (authority), 32);
    authority_destroy (&authority);
    if (cert_verify (self->cert, self->authority)) {
        status_set_error (error, "%s: certificate not signed by this authority", path);
        return -1;
    }
    self->trust = truststore_new (self->authority);
    cert_t *own = cert_dup (self->cert);
    truststore_add (self->trust, &own);
    return 0;
}

//  The brokers' certificates, each signed by the authority
static int
s_brokers (startup_t *self, char **error)
{
    self->links = links_new ();
    zlist_t *paths = conf_list (self->conf, "gateway/broker-cert");
    if (zlist_size (paths) > LINKS_MAX) {
        status_set_error (error, "gateway/broker-cert names %zu brokers; a gateway "
                          "connects to at most %d: name fewer brokers (and as many "
                          "endpoints in gateway/broker)", zlist_size (paths), LINKS_MAX);
        zlist_destroy (&paths);
        return -1;
    }
    int rc = 0;
    for (char *broker = (char *) zlist_first (paths); broker && rc == 0;
         broker = (char *) zlist_next (paths)) {
        char *reason = NULL;
        cert_t *cert = certtext_load (broker, &reason);
        if (!cert || cert_verify (cert, self->authority)
        ||  !streq (cert_role (cert), CERT_ROLE_BROKER)) {
            status_set_error (error, "%s: not a broker certificate signed by this "
                              "authority (gateway/broker-cert)%s%s", broker,
                              reason? ": ": "", reason? reason: "");
            rc = -1;
        }
        else
            rc = links_add_broker (self->links, &cert);
        zstr_free (&reason);
        cert_destroy (&cert);
    }
    zlist_destroy (&paths);
    return rc;
}

//  The catalog and its source
static int
s_catalog (startup_t *self, char **error)
{
    const char *path = conf_str (self->conf, "gateway/catalog");
    self->catalog_mtime = s_mtime (path);
    self->catalog = catalog_load (path, error);
    if (!self->catalog)
        return -1;
    self->source = source_new (conf_str (self->conf, "gateway/source"), self->catalog,
                               (int) conf_int (self->conf, "gateway/source-timeout-ms"),
                               error);
    return self->source? 0: -1;
}

//  Message ids whose message time is within the replay window are
//  remembered again after a restart, each until its own time + window, so
//  a restart does not reopen the window (ids outside it are stale anyway).
static void
s_remember (const char *msgid, int64_t msg_time_ms, void *argument)
{
    startup_t *self = (startup_t *) argument;
    uint8_t id [ENVELOPE_ID_BYTES];
    if (sodium_hex2bin (id, sizeof (id), msgid, strlen (msgid), NULL, NULL, NULL) == 0)
        replay_check (self->replay, id, msg_time_ms, zclock_time ());
}

//  The state directory: the audit log, the quota store, the ledger, the
//  notice store
static int
s_state (startup_t *self, char **error)
{
    const char *state = conf_str (self->conf, "gateway/state");
    if (zsys_dir_create ("%s", state)) {
        status_set_error (error, "%s: cannot create the state directory (gateway/state)",
                          state);
        return -1;
    }
    char *path = zsys_sprintf ("%s/audit.db", state);
    self->audit = audit_new (path, self->id, cert_sign_secret (self->cert), error);
    zstr_free (&path);
    path = zsys_sprintf ("%s/quota.db", state);
    if (self->audit)
        self->policy = policy_new (self->id, self->trust, path, error);
    zstr_free (&path);
    path = zsys_sprintf ("%s/ledger.db", state);
    if (self->policy)
        self->registrar = registrar_new (path, self->id, self->trust, self->policy, error);
    zstr_free (&path);
    path = zsys_sprintf ("%s/notices.db", state);
    if (self->registrar)
        self->notices = notices_new (path, error);
    zstr_free (&path);
    if (!self->notices)
        return -1;
    policy_set_level (self->policy, self->level);
    registrar_set_level (self->registrar, self->level);
    registrar_set_order_limit (self->registrar,
                               (size_t) conf_int (self->conf, "gateway/order-limit"));
    //  The newest revocation list accepted before: no broker can take it back
    registrar_load_crl (self->registrar, self->trust);
    self->peers = peers_new (self->cert, self->trust, self->registrar, self->level);
    return 0;
}

static int
s_service (startup_t *self, char **error)
{
    if (s_catalog (self, error) || s_state (self, error))
        return -1;
    int64_t window = conf_int (self->conf, "gateway/replay-window-ms");
    self->replay = replay_new (window, (size_t) conf_int (self->conf,
                                                          "gateway/replay-capacity"));
    int64_t remembered = audit_each_since (self->audit, "served", zclock_time () - window,
                                           s_remember, self);
    if (remembered > 0)
        SLUICE_INFO (self->level, "gateway: %" PRId64 " message ids from the last %d s "
                     "remembered against replays", remembered, (int) (window / 1000));
    //  Agreements are verified against the departments' certificates, which
    //  arrive with the broker's directory: they are loaded then
    const char *agreements = conf_str (self->conf, "gateway/agreements");
    if (agreements && *agreements && !zsys_file_exists (agreements)) {
        status_set_error (error, "%s: no such agreements directory (gateway/agreements)",
                          agreements);
        return -1;
    }
    return 0;
}

//  The local API, and a link to each broker
static int
s_connect (startup_t *self, char **error)
{
    self->callers = caller_new (conf_str (self->conf, "gateway/group"),
                                conf_int (self->conf, "gateway/local-unidentified") == 1,
                                error);
    if (!self->callers)
        return -1;
    self->local = zsock_new (ZMQ_ROUTER);
    if (caller_bind (self->callers, self->local, conf_str (self->conf, "gateway/local"),
                     error))
        return -1;
    zlist_t *endpoints = conf_list (self->conf, "gateway/broker");
    size_t count = zlist_size (endpoints);
    int rc = 0;
    if (count != links_size (self->links)) {
        status_set_error (error, "gateway/broker names %zu endpoints but "
                          "gateway/broker-cert %zu certificates: give one of each per "
                          "broker, in the same order", count, links_size (self->links));
        rc = -1;
    }
    else
        rc = links_connect (self->links, self->cert, endpoints, self->heartbeat_ms,
                            self->level, error);
    zlist_destroy (&endpoints);
    return rc;
}

startup_t *
startup_new (conf_t *conf, char **error)
{
    assert (conf);
    startup_t *self = (startup_t *) zmalloc (sizeof (startup_t));
    assert (self);
    self->conf = conf;
    self->level = conf_level (conf, "gateway/log-level");
    self->heartbeat_ms = conf_int (conf, "gateway/heartbeat-ms");
    self->timeout_ms = conf_int (conf, "gateway/timeout-ms");
    if (s_identity (self, error)
    ||  s_brokers (self, error)
    ||  s_service (self, error)
    ||  s_connect (self, error))
        startup_destroy (&self);
    return self;
}

void
startup_destroy (startup_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        startup_t *self = *self_p;
        links_destroy (&self->links);
        zsock_destroy (&self->local);
        caller_destroy (&self->callers);
        peers_destroy (&self->peers);
        registrar_destroy (&self->registrar);
        audit_destroy (&self->audit);
        notices_destroy (&self->notices);
        policy_destroy (&self->policy);     //  flushes quotas
        source_destroy (&self->source);
        catalog_destroy (&self->catalog);
        replay_destroy (&self->replay);
        truststore_destroy (&self->trust);
        cert_destroy (&self->cert);
        free (self);
        *self_p = NULL;
    }
}

bool
startup_reload_catalog (startup_t *self, bool forced)
{
    assert (self);
    const char *path = conf_str (self->conf, "gateway/catalog");
    int64_t mtime = s_mtime (path);
    if (mtime == self->catalog_mtime && !forced)
        return false;
    self->catalog_mtime = mtime;
    char *error = NULL;
    catalog_t *catalog = catalog_load (path, &error);
    source_t *source = catalog? source_new (conf_str (self->conf, "gateway/source"),
                                            catalog, (int) conf_int (self->conf,
                                            "gateway/source-timeout-ms"), &error): NULL;
    if (!source) {
        zsys_error ("gateway: catalog change not applied, the previous one stays "
                    "in service: %s", error);
        zstr_free (&error);
        catalog_destroy (&catalog);
        return false;
    }
    source_destroy (&self->source);
    catalog_destroy (&self->catalog);
    self->catalog = catalog;
    self->source = source;
    SLUICE_INFO (self->level, "gateway: catalog changed, %zu items now; publishing it",
                 catalog_size (catalog));
    return true;
}

void
startup_load_agreements (startup_t *self)
{
    assert (self);
    const char *agreements = conf_str (self->conf, "gateway/agreements");
    if (agreements && *agreements) {
        char *error = NULL;
        int count = policy_add_dir (self->policy, agreements, &error);
        if (count < 0)
            zsys_error ("%s", error);
        zstr_free (&error);
        SLUICE_INFO (self->level, "gateway: %d agreement files verified", count);
    }
    registrar_apply (self->registrar);
}


//  --------------------------------------------------------------------------
//  Self-test

#define S_TEST_CATALOG \
    "catalog\n" \
    "    item = \"enterprise-public\"\n" \
    "        title = \"t\"\n" \
    "        key-type = \"uscc\"\n" \
    "        share = \"open\"\n" \
    "        sql = \"SELECT name FROM e WHERE uscc = :key\"\n" \
    "        field = \"name\"\n" \
    "            type = \"text\"\n" \
    "            sensitivity = 0\n"

static char *
s_test_path (const char *dir, const char *name)
{
    char *path = zsys_sprintf ("%s/%s", dir, name);
    assert (path);
    return path;
}

static void
s_test_write (const char *dir, const char *name, const char *text)
{
    char *path = s_test_path (dir, name);
    FILE *file = fopen (path, "w");
    assert (file);
    fputs (text, file);
    fclose (file);
    zstr_free (&path);
}

//  The authority, SH-PD-MSA's certificate and the broker's, in dir
static void
s_test_certs (const char *dir)
{
    int64_t now = zclock_time () / 1000;
    authority_t *authority = authority_new ("Test authority", NULL);
    assert (authority && authority_save (authority, dir, true, NULL) == 0);
    cert_t *department = cert_new ("SH-PD-MSA", "msa", "department", 3, 1, now - 60,
                                   now + 86400, NULL);
    cert_t *broker = cert_new ("BROKER", "broker", "broker", 0, 1, now - 60, now + 86400, NULL);
    assert (department && broker);
    cert_sign_by (department, authority);
    cert_sign_by (broker, authority);
    char *path = s_test_path (dir, "SH-PD-MSA.cert");
    assert (certtext_save (department, path, true, NULL) == 0);
    zstr_free (&path);
    path = s_test_path (dir, "BROKER.cert");
    assert (certtext_save (broker, path, true, NULL) == 0);
    zstr_free (&path);
    cert_destroy (&department);
    cert_destroy (&broker);
    authority_destroy (&authority);
}

//  The settings of the test gateway, as paths in dir
static conf_t *
s_test_conf (const char *dir)
{
    const char *settings [][2] = {
        { "gateway/cert", "SH-PD-MSA.cert_secret" },
        { "gateway/authority", "authority.pub" },
        { "gateway/broker", "tcp://127.0.0.1:9" },
        { "gateway/broker-cert", "BROKER.cert" },
        { "gateway/local", "local.ipc" },
        { "gateway/catalog", "catalog.cfg" },
        { "gateway/source", "source.db" },
        { "gateway/state", "state" },
        { "gateway/agreements", "agreements" },
        { "gateway/log-level", "error" },
    };
    conf_t *conf = conf_new (settings_gateway);
    char *error = NULL;
    for (size_t index = 0; index < sizeof (settings) / sizeof (settings [0]); index++) {
        const char *value = settings [index][1];
        char *text = streq (settings [index][0], "gateway/local")?
            zsys_sprintf ("ipc://%s/%s", dir, value):
            streq (settings [index][0], "gateway/broker") || streq (value, "error")?
            strdup (value): s_test_path (dir, value);
        assert (conf_set (conf, settings [index][0], text, &error) == 0);
        zstr_free (&text);
    }
    assert (conf_check (conf, &error) == 0);
    return conf;
}

//  Everything but the parts, in dir
static void
s_test_files (const char *dir)
{
    assert (zsys_dir_create ("%s/agreements", dir) == 0);
    s_test_certs (dir);
    s_test_write (dir, "catalog.cfg", S_TEST_CATALOG);
    char *path = s_test_path (dir, "source.db");
    sqlite3 *db = NULL;
    assert (sqlite3_open (path, &db) == SQLITE_OK);
    assert (sqlite3_exec (db, "CREATE TABLE e (uscc TEXT, name TEXT)", NULL, NULL,
                          NULL) == SQLITE_OK);
    sqlite3_close (db);
    zstr_free (&path);
}

void
startup_test_setup (startup_test_t *test, const char *name)
{
    assert (test && name);
    test->dir = zsys_sprintf ("/tmp/sluice-%s-test-%d", name, getpid ());
    s_test_files (test->dir);
    test->conf = s_test_conf (test->dir);
    char *error = NULL;
    test->parts = startup_new (test->conf, &error);
    if (!test->parts)
        printf ("startup: %s\n", error);
    assert (test->parts && !error);
}

void
startup_test_teardown (startup_test_t *test)
{
    assert (test);
    startup_destroy (&test->parts);
    conf_destroy (&test->conf);
    char *command = zsys_sprintf ("rm -rf %s", test->dir);
    assert (command && system (command) == 0);
    zstr_free (&command);
    zstr_free (&test->dir);
}

void
startup_test (bool verbose)
{
    if (verbose)
        printf (" * startup: ");
    startup_test_t test;
    startup_test_setup (&test, "startup");
    startup_t *parts = test.parts;
    const char *dir = test.dir;
    conf_t *conf = test.conf;
    assert (streq (parts->id, "SH-PD-MSA") && catalog_size (parts->catalog) == 1);
    assert (links_size (parts->links) == 1 && !links_registered (parts->links));
    assert (truststore_size (parts->trust) == 1);
    //  An unchanged catalog is not loaded again; a broken edit changes
    //  nothing; a sound one replaces the catalog in service
    assert (!startup_reload_catalog (parts, false));
    catalog_t *before = parts->catalog;
    s_test_write (dir, "catalog.cfg", "catalog\n    item = \"broken\"\n");
    assert (!startup_reload_catalog (parts, true));
    assert (parts->catalog == before);
    s_test_write (dir, "catalog.cfg", S_TEST_CATALOG);
    assert (startup_reload_catalog (parts, true));
    assert (parts->catalog != before && catalog_size (parts->catalog) == 1);
    startup_load_agreements (parts);
    assert (policy_size (parts->policy) == 0);
    startup_destroy (&test.parts);
    startup_destroy (&test.parts);
    assert (!test.parts);

    //  What cannot be started says which setting or file is at fault
    char *error = NULL;
    char *path = s_test_path (dir, "missing.cert_secret");
    assert (conf_set (conf, "gateway/cert", path, &error) == 0);
    assert (!startup_new (conf, &error));
    assert (error && strstr (error, path) && strstr (error, "(gateway/cert)"));
    zstr_free (&error);
    zstr_free (&path);
    path = s_test_path (dir, "SH-PD-MSA.cert_secret");
    assert (conf_set (conf, "gateway/cert", path, &error) == 0);
    zstr_free (&path);
    path = s_test_path (dir, "SH-PD-MSA.cert");     //  not a broker's
    assert (conf_set (conf, "gateway/broker-cert", path, &error) == 0);
    assert (!startup_new (conf, &error));
    assert (error && strstr (error, "not a broker certificate signed by this authority"));
    zstr_free (&error);
    zstr_free (&path);
    path = s_test_path (dir, "BROKER.cert");
    assert (conf_set (conf, "gateway/broker-cert", path, &error) == 0);
    assert (conf_set (conf, "gateway/broker", "tcp://127.0.0.1:9,tcp://127.0.0.1:10",
                      &error) == 0);
    parts = startup_new (conf, &error);
    assert (!parts && error && strstr (error, "gateway/broker names 2 endpoints but "
                                       "gateway/broker-cert 1 certificates"));
    zstr_free (&error);
    zstr_free (&path);
    startup_test_teardown (&test);
    if (verbose)
        printf ("OK\n");
}
