/*  fuzz_files.c -- libFuzzer target for every file format a daemon reads,
    read as a file: daemon configurations (the gateway's and the broker's
    schema), catalogs, agreements, revocation lists, certificates and the
    authority file.

    Each input is written to a file, and every loader reads that file
    through the path a daemon uses (file_read: non-blocking open, regular
    files only, bounded), then the ZPL line checks, then the format's own
    rules. What a loader accepts is used through its getters; what it
    refuses must say so with the path (configuration and catalog errors are
    strings for a person; the others log).

    Build and run: sh tests/fuzz/run.sh (see README "Fuzzing").
*/

#include "conf.h"
#include "zpl.h"
#include "catalog.h"
#include "agreement.h"
#include "agreementtext.h"
#include "cert.h"
#include "certtext.h"
#include "crl.h"
#include "authority.h"
#include "broker.h"
#include "gateway.h"
#include "fuzz_common.h"
#include <sys/stat.h>

static char s_dir [64];
static char s_path [128];

static void
s_cleanup (void)
{
    s_fuzz_remove_tree (s_dir);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    s_fuzz_setup (true);
    snprintf (s_dir, sizeof (s_dir), "/tmp/sluice-fuzz-files-%d", getpid ());
    S_REQUIRE (mkdir (s_dir, 0700) == 0 || errno == EEXIST);
    atexit (s_cleanup);
    snprintf (s_path, sizeof (s_path), "%s/input.cfg", s_dir);
    return 0;
}

//  A configuration under one schema: accepted ones are read through every
//  getter; refused ones name the file
static void
s_conf (const conf_key_t *schema)
{
    char *error = NULL;
    conf_t *conf = conf_load (s_path, schema, &error);
    if (!conf) {
        S_REQUIRE (error && strstr (error, s_path) == error);
        zstr_free (&error);
        return;
    }
    S_REQUIRE (!error);
    S_REQUIRE (conf_check (conf, &error) == 0);
    for (const conf_key_t *key = schema; key->path; key++) {
        const char *value = conf_str (conf, key->path);
        if (key->required)
            S_REQUIRE (value);
        if (key->kind == CONF_INTEGER && value)
            S_REQUIRE (conf_int (conf, key->path) >= key->min
                       && conf_int (conf, key->path) <= key->max);
        if (key->kind == CONF_LEVEL)
            S_REQUIRE (conf_level (conf, key->path) >= 0
                       && conf_level (conf, key->path) <= 3);
        if (key->kind == CONF_PATHS || key->kind == CONF_ENDPOINTS) {
            zlist_t *list = conf_list (conf, key->path);
            S_REQUIRE (list);
            zlist_destroy (&list);
        }
    }
    conf_destroy (&conf);
}

static void
s_catalog (void)
{
    char *error = NULL;
    catalog_t *catalog = catalog_load (s_path, &error);
    if (!catalog) {
        S_REQUIRE (error && strstr (error, s_path) == error);
        zstr_free (&error);
        return;
    }
    S_REQUIRE (catalog_size (catalog) >= 1);
    size_t count = 0;
    for (item_t *item = catalog_first (catalog); item; item = catalog_next (catalog)) {
        S_REQUIRE (catalog_item (catalog, item_name (item)) == item);
        count++;
    }
    S_REQUIRE (count == catalog_size (catalog));
    size_t size = 0;
    uint8_t *published = catalog_encode (catalog, "SH-PD-MSA", &size);
    S_REQUIRE (published && size > 0);
    free (published);
    catalog_destroy (&catalog);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    FILE *file = fopen (s_path, "wb");
    S_REQUIRE (file);
    S_REQUIRE (size == 0 || fwrite (data, 1, size, file) == size);
    S_REQUIRE (fclose (file) == 0);

    int lineno = -1;
    const char *reason = zpl_check ((const char *) data, size, &lineno);
    S_REQUIRE (reason? lineno >= 1: lineno == 0);
    zpl_line ((const char *) data, size, "gateway/cert");

    s_conf (settings_gateway);
    s_conf (settings_broker);
    s_catalog ();
    agreement_t *agreement = agreementtext_load (s_path, NULL);
    agreement_destroy (&agreement);
    crl_t *crl = crl_load (s_path, NULL);
    crl_destroy (&crl);
    cert_t *cert = certtext_load (s_path, NULL);
    cert_destroy (&cert);
    authority_t *authority = authority_load (s_path, NULL);
    authority_destroy (&authority);
    return 0;
}
