/*  selftest.c -- runs every class's self-test, in dependency order.

        sluice-selftest [-v] [CLASS ...]
*/

#include <czmq.h>
#include <sodium.h>
#include "status.h"
#include "ident.h"
#include "noticeid.h"
#include "queued.h"
#include "text.h"
#include "codec.h"
#include "fields.h"
#include "settings.h"
#include "log.h"
#include "file.h"
#include "zpl.h"
#include "conf.h"
#include "daemon.h"
#include "envelope.h"
#include "message.h"
#include "notice.h"
#include "topics.h"
#include "statement.h"
#include "statedb.h"
#include "ledger.h"
#include "registry.h"
#include "replay.h"
#include "ratelog.h"
#include "certfile.h"
#include "authority.h"
#include "cert.h"
#include "certtext.h"
#include "crl.h"
#include "truststore.h"
#include "certs_cmd.h"
#include "item.h"
#include "noticekind.h"
#include "catalog.h"
#include "catalog_pub.h"
#include "rowpack.h"
#include "source.h"
#include "namelist.h"
#include "agreement.h"
#include "agreementtext.h"
#include "names.h"
#include "quota.h"
#include "grant.h"
#include "agreements.h"
#include "policy.h"
#include "auditrecord.h"
#include "auditfile.h"
#include "audit.h"
#include "auditverify.h"
#include "auditprint.h"
#include "localapi.h"
#include "jsonpack.h"
#include "caller.h"
#include "http.h"
#include "dirsync.h"
#include "link.h"
#include "links.h"
#include "peers.h"
#include "rules.h"
#include "registrar.h"
#include "catalogs.h"
#include "answer.h"
#include "serve.h"
#include "asking.h"
#include "startup.h"
#include "regclient.h"
#include "localops.h"
#include "noticejournal.h"
#include "notices.h"
#include "noticelist.h"
#include "noticeref.h"
#include "noticejudge.h"
#include "noticing.h"
#include "noticeops.h"
#include "noticesend.h"
#include "cli.h"
#include "cli_out.h"
#include "cli_ask.h"
#include "catalog_cmd.h"
#include "peer.h"
#include "zap.h"
#include "directory.h"
#include "members.h"
#include "queue.h"
#include "relay.h"
#include "keeper.h"
#include "connections.h"
#include "loader.h"
#include "broker.h"
#include "gateway.h"
#include "version.h"

typedef struct {
    const char *name;
    void (*test) (bool verbose);
} s_class_t;

static const s_class_t s_classes [] = {
    { "status", status_test },
    { "ident", ident_test },
    { "noticeid", noticeid_test },
    { "text", text_test },
    { "codec", codec_test },
    { "fields", fields_test },
    { "log", log_test },
    { "file", file_test },
    { "zpl", zpl_test },
    { "conf", conf_test },
    { "settings", settings_test },
    { "daemon", daemon_test },
    { "envelope", envelope_test },
    { "message", message_test },
    { "notice", notice_test },
    { "topics", topics_test },
    { "queued", queued_test },
    { "statement", statement_test },
    { "statedb", statedb_test },
    { "ledger", ledger_test },
    { "registry", registry_test },
    { "replay", replay_test },
    { "ratelog", ratelog_test },
    { "certfile", certfile_test },
    { "authority", authority_test },
    { "cert", cert_test },
    { "certtext", certtext_test },
    { "crl", crl_test },
    { "truststore", truststore_test },
    { "certs_cmd", certs_cmd_test },
    { "item", item_test },
    { "noticekind", noticekind_test },
    { "catalog", catalog_test },
    { "catalog_pub", catalog_pub_test },
    { "rowpack", rowpack_test },
    { "source", source_test },
    { "names", names_test },
    { "namelist", namelist_test },
    { "agreement", agreement_test },
    { "quota", quota_test },
    { "grant", grant_test },
    { "agreementtext", agreementtext_test },
    { "agreements", agreements_test },
    { "policy", policy_test },
    { "auditrecord", auditrecord_test },
    { "auditfile", auditfile_test },
    { "audit", audit_test },
    { "auditverify", auditverify_test },
    { "auditprint", auditprint_test },
    { "localapi", localapi_test },
    { "jsonpack", jsonpack_test },
    { "caller", caller_test },
    { "http", http_test },
    { "dirsync", dirsync_test },
    { "link", link_test },
    { "links", links_test },
    { "rules", rules_test },
    { "catalogs", catalogs_test },
    { "answer", answer_test },
    { "serve", serve_test },
    { "asking", asking_test },
    { "registrar", registrar_test },
    { "peers", peers_test },
    { "startup", startup_test },
    { "regclient", regclient_test },
    { "localops", localops_test },
    { "noticejournal", noticejournal_test },
    { "notices", notices_test },
    { "noticelist", noticelist_test },
    { "noticeref", noticeref_test },
    { "noticejudge", noticejudge_test },
    { "noticing", noticing_test },
    { "noticeops", noticeops_test },
    { "noticesend", noticesend_test },
    { "cli", cli_test },
    { "cli_out", cli_out_test },
    { "cli_ask", cli_ask_test },
    { "catalog_cmd", catalog_cmd_test },
    { "zap", zap_test },
    { "directory", directory_test },
    { "connections", connections_test },
    { "loader", loader_test },
    { "queue", queue_test },
    { "members", members_test },
    { "relay", relay_test },
    { "keeper", keeper_test },
    { "broker", broker_test },
    { "gateway", gateway_test },
    { "peer", peer_test },
    { NULL }
};

int
main (int argc, char **argv)
{
    if (version_asked (argc, argv, "sluice-selftest", stdout))
        return 0;
    bool verbose = false;
    int first = 1;
    if (argc > 1 && streq (argv [1], "-l")) {
        for (const s_class_t *entry = s_classes; entry->name; entry++)
            printf ("%s\n", entry->name);
        return 0;
    }
    if (argc > 1 && streq (argv [1], "-v")) {
        verbose = true;
        first = 2;
    }
    if (sodium_init () < 0)
        return 1;
    zsys_init ();
    int ran = 0;
    for (const s_class_t *entry = s_classes; entry->name; entry++) {
        bool wanted = first >= argc;
        for (int index = first; index < argc; index++)
            if (streq (argv [index], entry->name))
                wanted = true;
        if (!wanted)
            continue;
        printf ("selftest: %s\n", entry->name);
        fflush (stdout);
        entry->test (verbose);
        ran++;
    }
    printf ("selftest: %d classes passed\n", ran);
    return ran? 0: 1;
}
