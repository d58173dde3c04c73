/*  broker.c -- sluice-broker: routes sealed messages between certified
    department gateways, and never opens a body.

    Threading: one thread, one zloop. The ZAP handler is a socket in the same
    loop; libzmq holds a connecting peer's handshake until it answers. A
    monitor of the ROUTER, also in the loop, counts and caps connections
    (connections.c); ZeroMQ runs one I/O thread, which that relies on.
*/

#include "broker.h"
#include "zap.h"
#include "directory.h"
#include "connections.h"
#include "ratelog.h"
#include "cert.h"
#include "crl.h"
#include "truststore.h"
#include "authority.h"
#include "envelope.h"
#include "message.h"
#include "registry.h"
#include "ledger.h"
#include "agreement.h"
#include "rules.h"
#include "status.h"
#include <sodium.h>
#include <dirent.h>
#include <sys/resource.h>
#include <stdarg.h>

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"

//  Descriptors kept for the broker's own use beyond those open at start:
//  a reload (the certificates directory, a certificate, the list), the
//  list written by a publication, SQLite's journals, the sockets of a
//  rebind. Connections get the rest (connections.c)
#define S_RESERVED_FDS 32

//  A gateway busy waiting for many answers may be late with a heartbeat;
//  it is offline only after this many intervals of silence
#define S_SILENT_INTERVALS 5


//  A registered gateway.
typedef struct {
    char department [ENVELOPE_DEPT_MAX + 1];
    zframe_t *routing;          //  ROUTER identity of its connection
    int64_t last_seen;          //  monotonic ms
    uint64_t routed;            //  messages it sent that were delivered
    uint64_t refused;           //  messages it sent that were refused
    int64_t welcomed;           //  monotonic ms of its last WELCOME sent
    uint64_t held_epoch;        //  what its HELLO said it held then
    uint64_t held_version;
} s_peer_t;

struct _broker_t {
    conf_t *conf;               //  borrowed
    cert_t *cert;               //  our certificate, with secrets
    const char *id;             //  our department id (from cert)
    uint8_t authority [32];
    truststore_t *trust;
    ledger_t *ledger;           //  the federation's registry
    char epoch [REGISTRY_EPOCH_MAX + 1];    //  of this registry, kept in it
    zsock_t *router;            //  NULL while a rebind waits for descriptors
    zsock_t *zap;
    zloop_t *loop;
    zhashx_t *peers;            //  department -> s_peer_t
    directory_t *directory;     //  certificates and list, numbered, paged
    connections_t *connections; //  the router's connections, capped
    connections_caps_t caps;
    int64_t certs_mtime, crl_mtime;
    int64_t heartbeat_ms;
    int level;                  //  log level 0 error .. 3 debug
    ratelog_t *refusal_log;     //  refused messages
    ratelog_t *zap_log;         //  refused connections: a flood of bad
                                //  messages does not hide them
    ratelog_t *send_log;        //  messages that could not be sent
    ratelog_t *reload_log;      //  reloads that wait for descriptors
};

static void
s_peer_destroy (s_peer_t **peer_p)
{
    if (*peer_p) {
        zframe_destroy (&(*peer_p)->routing);
        free (*peer_p);
        *peer_p = NULL;
    }
}

//  A stamp that changes whenever a file, or any file in a directory, is
//  added, removed or rewritten: replacing a certificate in place changes
//  the file's time but not the directory's.
static int64_t
s_mtime (const char *path)
{
    struct stat status;
    if (!path || !*path || stat (path, &status))
        return 0;
    //  Unsigned: the mixing may wrap, which is fine for a stamp
    uint64_t stamp = (uint64_t) status.st_mtim.tv_sec * 1000000000
                   + (uint64_t) status.st_mtim.tv_nsec;
    if (!S_ISDIR (status.st_mode))
        return (int64_t) (stamp >> 1);
    DIR *handle = opendir (path);
    if (!handle)
        return (int64_t) (stamp >> 1);
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        char *file = zsys_sprintf ("%s/%s", path, entry->d_name);
        if (entry->d_name [0] != '.' && stat (file, &status) == 0)
            stamp = stamp * 31 + (uint64_t) status.st_mtim.tv_sec * 1000000000
                  + (uint64_t) status.st_mtim.tv_nsec + (uint64_t) status.st_size;
        zstr_free (&file);
    }
    closedir (handle);
    return (int64_t) (stamp >> 1);
}

//  How a reload went: the files are wrong (wait until they change), or
//  the system is short of descriptors or memory (try again soon).
typedef enum { S_LOADED = 0, S_LOAD_REFUSED, S_LOAD_RETRY } s_load_t;

static bool
s_transient (int error)
{
    return error == EMFILE || error == ENFILE || error == ENOMEM;
}

static void s_crl_floor (broker_t *self, truststore_t *trust);

//  Builds a fresh truststore from the certificates directory and the
//  revocation list; only if both load in full does it replace the one in
//  service, and the directory numbers what changed. A certificate file
//  that cannot be opened for want of descriptors fails the whole reload
//  (truststore_add_dir), so a reload under descriptor exhaustion never
//  trusts less than before.
static s_load_t
s_load_trust (broker_t *self, char **error)
{
    truststore_t *trust = truststore_new (self->authority);
    const char *certs = conf_str (self->conf, "broker/certs");
    errno = 0;
    if (!trust || truststore_add_dir (trust, certs) < 0) {
        int cause = trust? errno: ENOMEM;
        *error = zsys_sprintf ("cannot read certificates directory %s: %s", certs,
                               strerror (cause? cause: EIO));
        truststore_destroy (&trust);
        return s_transient (cause)? S_LOAD_RETRY: S_LOAD_REFUSED;
    }
    const char *crl_path = conf_str (self->conf, "broker/crl");
    if (crl_path && *crl_path && zsys_file_exists (crl_path)) {
        errno = 0;
        crl_t *crl = crl_load (crl_path);
        if (!crl) {
            int cause = errno;
            *error = s_transient (cause)?
                zsys_sprintf ("%s: cannot read the revocation list: %s", crl_path,
                              strerror (cause)):
                zsys_sprintf ("%s: not a valid revocation list", crl_path);
            truststore_destroy (&trust);
            return s_transient (cause)? S_LOAD_RETRY: S_LOAD_REFUSED;
        }
        if (truststore_set_crl (trust, &crl) != STATUS_OK) {
            *error = zsys_sprintf ("%s: revocation list not signed by the authority",
                                   crl_path);
            truststore_destroy (&trust);
            return S_LOAD_REFUSED;
        }
    }
    s_crl_floor (self, trust);
    truststore_destroy (&self->trust);
    self->trust = trust;
    size_t changes = directory_update (self->directory, trust);
    self->certs_mtime = s_mtime (certs);
    self->crl_mtime = s_mtime (crl_path);
    SLUICE_INFO (self->level, "broker: trusting %zu certificates%s; directory version %"
                 PRIu64 " (%zu changes)", truststore_size (trust),
                 truststore_crl (trust)? ", with a revocation list": "",
                 directory_version (self->directory), changes);
    return S_LOADED;
}

//  A message of the broker's that could not be sent is logged (at most a
//  few lines a second, however many fail).
static void
s_send_failed (broker_t *self, const char *to, int type, int status)
{
    uint64_t skipped = 0;
    char note [64];
    if (ratelog_allow (self->send_log, zclock_mono (), &skipped))
        zsys_warning ("broker: cannot send %s to %s: %s%s", envelope_type_name (type),
                      to, status_name (status), ratelog_note (skipped, note, sizeof (note)));
}

//  Sends a message from the broker itself, signed, to one connection.
//  Returns STATUS_OK, or why it was not sent (logged here, so callers need
//  not): TOO_LARGE (it cannot be built), BUSY (the connection's queue is
//  full), DEPARTMENT_OFFLINE (the connection is gone).
static int
s_send_own (broker_t *self, zframe_t *routing, const char *to, int type,
            const uint8_t *payload, size_t size)
    __attribute__ ((warn_unused_result));

static int
s_send_own (broker_t *self, zframe_t *routing, const char *to, int type,
            const uint8_t *payload, size_t size)
{
    if (!self->router)
        return STATUS_DEPARTMENT_OFFLINE;
    envelope_t *envelope = envelope_new (type, self->id, to);
    int status = STATUS_TOO_LARGE;
    if (envelope
    &&  envelope_seal (envelope, payload, size, cert_sign_secret (self->cert), NULL) == 0) {
        status = envelope_send_routed (envelope, self->router, routing) == 0?
                 STATUS_OK: errno == EAGAIN? STATUS_BUSY: STATUS_DEPARTMENT_OFFLINE;
    }
    envelope_destroy (&envelope);
    //  A heartbeat to a connection that is gone is how the heartbeat timer
    //  learns it: that is said there
    if (status != STATUS_OK && !(type == MSG_HEARTBEAT && status == STATUS_DEPARTMENT_OFFLINE))
        s_send_failed (self, to, type, status);
    return status;
}

//  Answers a message with an ERROR from the broker.
static void
s_send_error (broker_t *self, zframe_t *routing, const char *to,
              const uint8_t *re, int code, const char *reason)
{
    message_error_t error;
    memset (&error, 0, sizeof (error));
    if (re)
        memcpy (error.re, re, ENVELOPE_ID_BYTES);
    error.code = (uint32_t) code;
    snprintf (error.reason, sizeof (error.reason), "%s", reason? reason: status_text (code));
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    message_error_encode (&error, &buffer);
    //  One that cannot be sent is logged by s_send_own, at most a few lines
    //  a second: the sender, unanswered, times out
    if (s_send_own (self, routing, to, MSG_ERROR, (uint8_t *) buffer.data, buffer.size))
        SLUICE_DEBUG (self->level, "broker: %s for %s not sent", status_name (code), to);
    msgpack_sbuffer_destroy (&buffer);
}

//  Sends a directory transfer (directory.h) to one connection: the WELCOME
//  first if `welcome`, then the DIRECTORY pages. Returns STATUS_OK or why
//  a page could not be sent (logged); the rest is not sent, and the
//  gateway, finding a page missing, asks again.
static int
s_send_transfer (broker_t *self, zframe_t *routing, const char *to, uint64_t since,
                 bool welcome)
{
    zlistx_t *transfer = directory_transfer (self->directory, since);
    int status = STATUS_OK;
    int type = MSG_WELCOME;
    for (zchunk_t *page = (zchunk_t *) zlistx_first (transfer); page && status == STATUS_OK;
         page = (zchunk_t *) zlistx_next (transfer), type = MSG_DIRECTORY)
        if (welcome || type == MSG_DIRECTORY)
            status = s_send_own (self, routing, to, type, zchunk_data (page),
                                 zchunk_size (page));
    if (status == STATUS_OK)
        SLUICE_DEBUG (self->level, "broker: %s sent the directory since version %" PRIu64
                      " in %zu pages", to, since, zlistx_size (transfer) - 1);
    return status;
}

//  A HELLO: the department is registered on this connection and gets a
//  WELCOME and the directory since what it says it holds. Returns 0; 1 if
//  the HELLO repeats one just welcomed on this connection (a gateway sends
//  HELLO every 200 ms until its WELCOME arrives: the transfer sent is on
//  its way, in order, and is not sent twice); -1 if the HELLO or the
//  WELCOME failed (the gateway has been answered with an ERROR that says
//  why, and the failure logged).
static int
s_register (broker_t *self, zframe_t *routing, const envelope_header_t *header,
            envelope_t *envelope)
{
    const char *department = header->from;
    uint64_t epoch, version;
    if (message_hello_decode (envelope_payload (envelope), envelope_payload_size (envelope),
                              &epoch, &version) != STATUS_OK) {
        zsys_warning ("broker: %s sent a malformed HELLO", department);
        s_send_error (self, routing, department, header->id, STATUS_MALFORMED,
                      "the HELLO payload could not be decoded");
        return -1;
    }
    int64_t now = zclock_mono ();
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, department);
    if (peer && zframe_eq (peer->routing, routing) && now - peer->welcomed < self->heartbeat_ms
    &&  peer->held_epoch == epoch && peer->held_version == version) {
        peer->last_seen = now;
        SLUICE_DEBUG (self->level, "broker: %s said HELLO again before its WELCOME "
                      "arrived; the transfer on its way is not sent twice", department);
        return 1;
    }
    if (!peer) {
        peer = (s_peer_t *) zmalloc (sizeof (s_peer_t));
        assert (peer);
        snprintf (peer->department, sizeof (peer->department), "%s", department);
        zhashx_insert (self->peers, department, peer);
    }
    //  The newest connection of a department wins
    zframe_destroy (&peer->routing);
    peer->routing = zframe_dup (routing);
    peer->last_seen = now;
    uint64_t since = directory_since (self->directory, epoch, version);
    int status = s_send_transfer (self, routing, department, since, true);
    if (status != STATUS_OK) {
        //  Not registered after all: the gateway, answered, says HELLO again
        zsys_warning ("broker: %s could not be welcomed: %s", department,
                      status_name (status));
        s_send_error (self, routing, department, header->id, status,
                      "the broker could not send its WELCOME and directory");
        zhashx_delete (self->peers, department);
        return -1;
    }
    peer->welcomed = now;
    peer->held_epoch = epoch;
    peer->held_version = version;
    SLUICE_INFO (self->level, "broker: %s registered (directory since version %" PRIu64
                 " of %" PRIu64 ")", department, since, directory_version (self->directory));
    return 0;
}

static int s_reload_timer (zloop_t *loop, int timer_id, void *argument);
static int s_rebind (broker_t *self);

//  --------------------------------------------------------------------------
//  The registry: signed statements of the departments, kept and forwarded.
//  The broker checks them so that junk is refused early, but every gateway
//  checks them again itself: nothing here can grant anything.

//  The revocation list never goes back: the newest one this broker ever
//  accepted is kept in its registry; a list file that is older (or gone)
//  is not believed, the kept list is served instead (put in `trust`, so
//  the directory carries it). A newer file is kept.
static void
s_crl_floor (broker_t *self, truststore_t *trust)
{
    rules_t *rules = rules_new (self->ledger, trust);
    crl_t *kept = rules_kept_crl (rules);
    crl_t *held = truststore_crl (trust);
    if (kept && (!held || crl_version (held) < crl_version (kept))) {
        uint64_t version = crl_version (kept);
        const char *file = held? "an older version": "none";     //  held is replaced
        if (truststore_set_crl (trust, &kept) == STATUS_OK)
            zsys_warning ("broker: the revocation list file (broker/crl) holds %s; "
                          "serving version %" PRIu64 ", the newest accepted before",
                          file, version);
        else
            zsys_error ("broker: the revocation list kept in the registry is refused");
    }
    else
    if (held && rules_keep_crl (rules, held))
        zsys_error ("broker: cannot keep revocation list version %" PRIu64
                    " in the registry", crl_version (held));
    crl_destroy (&kept);
    rules_destroy (&rules);
}

//  The epoch of this registry: a random id made once and kept in it, so a
//  gateway's mark from another registry (or this one before its state was
//  lost) is never taken for one of this.
static int
s_epoch (broker_t *self, char **error)
{
    char *epoch = ledger_value (self->ledger, "epoch");
    if (!epoch) {
        uint8_t random [16];
        randombytes_buf (random, sizeof (random));
        char hex [sizeof (random) * 2 + 1];
        sodium_bin2hex (hex, sizeof (hex), random, sizeof (random));
        if (ledger_set_value (self->ledger, "epoch", hex)) {
            *error = strdup ("cannot keep the registry's epoch (broker/state)");
            return -1;
        }
        epoch = strdup (hex);
    }
    snprintf (self->epoch, sizeof (self->epoch), "%s", epoch);
    zstr_free (&epoch);
    return 0;
}

//  Sends a REGISTRY payload to one department if it is connected. One that
//  is not sent is logged, at most a few lines a second (a department
//  offline misses a push for every statement registered meanwhile): the
//  department asks again, is told by a status of its own request, or gets
//  a push with its next catch-up.
static int
s_registry_send_payload (broker_t *self, const char *department, const char *what,
                         const uint8_t *payload, size_t size)
{
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, department);
    int status = peer? s_send_own (self, peer->routing, department, MSG_REGISTRY,
                                   payload, size): STATUS_NOT_REGISTERED;
    uint64_t skipped = 0;
    char note [64];
    if (status != STATUS_OK && ratelog_allow (self->send_log, zclock_mono (), &skipped))
        zsys_warning ("broker: registry %s for %s (%zu bytes) could not be sent: %s%s%s",
                      what, department, size,
                      peer? status_name (status): "not connected",
                      streq (what, "push")? "; it comes with the next catch-up": "",
                      ratelog_note (skipped, note, sizeof (note)));
    return status == STATUS_OK? 0: -1;
}

static int
s_registry_send (broker_t *self, const char *department, const char *op,
                 const uint8_t *re, int status, const char *reason,
                 zlistx_t *statements)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, op, re, status, reason, NULL, statements, NULL);
    int rc = s_registry_send_payload (self, department, op, (uint8_t *) buffer.data,
                                      buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return rc;
}

//  The registry's rules over the trust of now (which a reload replaces),
//  for one use.
static rules_t *
s_rules (broker_t *self)
{
    rules_t *rules = rules_new (self->ledger, self->trust);
    rules_set_order_limit (rules, (size_t) conf_int (self->conf, "broker/order-limit"));
    return rules;
}

//  A department puts a statement: check, keep, forward to both parties.
static void
s_registry_put (broker_t *self, const envelope_header_t *header, registry_msg_t *request)
{
    int status = STATUS_MALFORMED;
    rules_verdict_t verdict;
    memset (&verdict, 0, sizeof (verdict));
    snprintf (verdict.reason, sizeof (verdict.reason), "a put carries exactly one statement");
    statement_t *statement = NULL;
    if (request->statements && request->statements->via.array.size == 1) {
        const msgpack_object_bin *bin = &request->statements->via.array.ptr [0].via.bin;
        statement = statement_decode ((const uint8_t *) bin->ptr, bin->size);
        snprintf (verdict.reason, sizeof (verdict.reason),
                  "the statement could not be decoded");
    }
    if (statement && !streq (statement_author (statement), header->from)) {
        status = STATUS_SENDER_MISMATCH;
        snprintf (verdict.reason, sizeof (verdict.reason),
                  "a department puts only its own statements");
    }
    else
    if (statement) {
        rules_t *rules = s_rules (self);
        status = rules_admit (rules, statement, &verdict);
        rules_destroy (&rules);
    }
    SLUICE_INFO (self->level, "broker: %s put %s %s version %" PRIu64 ": %s", header->from,
                 statement? statement_kind (statement): "?",
                 statement? statement_key (statement): "?",
                 statement? statement_version (statement): 0, status_name (status));
    s_registry_send (self, header->from, "done", header->id, status, verdict.reason, NULL);
    if (status == STATUS_OK && *verdict.party_b) {
        zlistx_t *one = zlistx_new ();
        zlistx_add_end (one, statement);
        s_registry_send (self, verdict.party_a, "push", NULL, 0, NULL, one);
        s_registry_send (self, verdict.party_b, "push", NULL, 0, NULL, one);
        zlistx_destroy (&one);
    }
    statement_destroy (&statement);
}

//  The catch-up: one page of the changes that concern the department after
//  the change number it holds from this registry (from the start if it
//  holds another epoch), catalogs excepted (they are read with list).
static void
s_registry_sync (broker_t *self, const envelope_header_t *header, registry_msg_t *request)
{
    uint64_t since = streq (request->epoch, self->epoch)? request->since: 0;
    uint64_t next;
    bool more;
    zlistx_t *page = ledger_page (self->ledger, header->from, STATEMENT_CATALOG, since,
                                  REGISTRY_PAGE_BUDGET, &next, &more);
    if (!page) {
        zsys_error ("broker: catch-up page for %s after %" PRIu64 " could not be built",
                    header->from, since);
        s_registry_send (self, header->from, "done", header->id, STATUS_INTERNAL,
                         "the broker cannot read its registry", NULL);
        return;
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_page_encode (&buffer, header->id, self->epoch, next, more, page);
    SLUICE_INFO (self->level, "broker: catch-up for %s after change %" PRIu64 ": %zu "
                 "statements (%zu bytes) up to %" PRIu64 "%s", header->from, since,
                 zlistx_size (page), buffer.size, next, more? ", more follow": "");
    if (s_registry_send_payload (self, header->from, "catch-up page",
                                 (uint8_t *) buffer.data, buffer.size))
        s_registry_send (self, header->from, "done", header->id, STATUS_INTERNAL,
                         "the catch-up page could not be sent; ask again", NULL);
    msgpack_sbuffer_destroy (&buffer);
    zlistx_destroy (&page);
}

//  Statements a department may read: every catalog; of the rest, those it
//  is a party to.
static void
s_registry_list (broker_t *self, const envelope_header_t *header, registry_msg_t *request)
{
    const char *kind = *request->kind? request->kind: NULL;
    bool public_kind = kind && streq (kind, STATEMENT_CATALOG);
    zlistx_t *list = ledger_list (self->ledger, kind, public_kind? NULL: header->from);
    if (s_registry_send (self, header->from, "listed", header->id, STATUS_OK, NULL, list))
        s_registry_send (self, header->from, "done", header->id, STATUS_TOO_LARGE,
                         "the listing could not be sent (see the broker's log)", NULL);
    zlistx_destroy (&list);
}

//  The authority's new revocation list, carried by a department's admin:
//  verified, written where the broker loads it from, and applied at once.
static void
s_registry_crl (broker_t *self, const envelope_header_t *header, registry_msg_t *request)
{
    int status = STATUS_MALFORMED;
    const char *reason = "not a revocation list";
    crl_t *crl = request->text? crl_decode (request->text, request->text_size): NULL;
    const char *path = conf_str (self->conf, "broker/crl");
    if (crl) {
        crl_t *held = truststore_crl (self->trust);
        if (crl_verify (crl, self->authority)) {
            status = STATUS_BAD_SIGNATURE;
            reason = "the list is not signed by the federation authority";
        }
        else
        if (held && crl_version (crl) <= crl_version (held)) {
            status = STATUS_STALE;
            reason = "the broker holds this version or a newer one";
        }
        else
        if (!path || !*path || crl_save (crl, path)) {
            status = STATUS_INTERNAL;
            reason = "the broker cannot write its revocation list (broker/crl)";
        }
        else {
            status = STATUS_OK;
            reason = "published";
        }
    }
    crl_destroy (&crl);
    s_registry_send (self, header->from, "done", header->id, status, reason, NULL);
    if (status == STATUS_OK) {
        SLUICE_INFO (self->level, "broker: new revocation list from %s", header->from);
        self->crl_mtime = 0;                //  reload now
        s_reload_timer (self->loop, 0, self);
    }
}

static void
s_registry (broker_t *self, const envelope_header_t *header, cert_t *sender,
            envelope_t *envelope)
{
    registry_msg_t request;
    int status = registry_msg_decode (envelope_payload (envelope),
                                      envelope_payload_size (envelope), &request);
    if (status != STATUS_OK)
        s_registry_send (self, header->from, "done", header->id, status,
                         "the registry request could not be decoded", NULL);
    else
    if (streq (request.op, "put"))
        s_registry_put (self, header, &request);
    else
    if (streq (request.op, "list"))
        s_registry_list (self, header, &request);
    else
    if (streq (request.op, "crl"))
        s_registry_crl (self, header, &request);
    else
    if (streq (request.op, "sync"))
        s_registry_sync (self, header, &request);
    else
        s_registry_send (self, header->from, "done", header->id, STATUS_BAD_TYPE,
                         "unknown registry operation", NULL);
    registry_msg_destroy (&request);
}

//  Messages addressed to the broker itself ("to" is empty).
static void
s_handle_own (broker_t *self, zframe_t *routing, zmsg_t *msg,
              const envelope_header_t *header, cert_t *sender)
{
    int status;
    envelope_t *envelope = envelope_decode (msg, &status);
    if (envelope)
        status = envelope_open (envelope, NULL, cert_sign_public (sender));
    if (status != STATUS_OK)
        s_send_error (self, routing, header->from, header->id, status, NULL);
    else
    if (header->type == MSG_HELLO) {
        //  Registered, a repeat, or refused: each is answered and logged by
        //  s_register. The registry's catch-up is not pushed here: the
        //  gateway asks for it (a sync) once its WELCOME is in
        if (s_register (self, routing, header, envelope) < 0)
            SLUICE_DEBUG (self->level, "broker: %s is not registered", header->from);
    }
    else
    if (header->type == MSG_REGISTRY) {
        s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, header->from);
        if (peer && zframe_eq (peer->routing, routing)) {
            peer->last_seen = zclock_mono ();
            s_registry (self, header, sender, envelope);
        }
        else
            s_send_error (self, routing, header->from, header->id,
                          STATUS_NOT_REGISTERED, NULL);
    }
    else
    if (header->type == MSG_HEARTBEAT) {
        s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, header->from);
        if (peer && zframe_eq (peer->routing, routing))
            peer->last_seen = zclock_mono ();
        else
            s_send_error (self, routing, header->from, header->id,
                          STATUS_NOT_REGISTERED, NULL);
    }
    else
        s_send_error (self, routing, header->from, header->id, STATUS_BAD_TYPE,
                      "this message type is not for the broker");
    envelope_destroy (&envelope);
}

//  Logs a refusal of what `department`'s connection sent, naming its
//  CURVE key when the broker holds its certificate; at most a few lines a
//  second however many are refused (the answer, an ERROR, goes every time).
static void
s_refusal (broker_t *self, const char *department, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_refusal (broker_t *self, const char *department, const char *format, ...)
{
    uint64_t skipped = 0;
    if (!ratelog_allow (self->refusal_log, zclock_mono (), &skipped))
        return;
    va_list arguments;
    va_start (arguments, format);
    char *what = zsys_vprintf (format, arguments);
    va_end (arguments);
    cert_t *cert = self->trust? truststore_lookup (self->trust, department): NULL;
    char note [64];
    zsys_warning ("broker: refused a message from %s (CURVE key %s): %s%s", department,
                  cert? cert_curve_public_txt (cert): "unknown", what,
                  ratelog_note (skipped, note, sizeof (note)));
    zstr_free (&what);
}

//  Routes a department-to-department message without opening it.
static void
s_route (broker_t *self, zframe_t *routing, zmsg_t **msg_p,
         const envelope_header_t *header)
{
    s_peer_t *sender = (s_peer_t *) zhashx_lookup (self->peers, header->from);
    if (!sender || !zframe_eq (sender->routing, routing)) {
        s_send_error (self, routing, header->from, header->id,
                      STATUS_NOT_REGISTERED, NULL);
        return;
    }
    sender->last_seen = zclock_mono ();
    if (!(header->flags & ENVELOPE_FLAG_SEALED)) {
        sender->refused++;
        s_send_error (self, routing, header->from, header->id, STATUS_BAD_TYPE,
                      "messages between departments must be sealed");
        return;
    }
    //  Only what version 1 carries between departments: the broker's own
    //  types (HELLO, WELCOME, HEARTBEAT, DIRECTORY, REGISTRY) and the
    //  reserved ones are refused here, not delivered to be dropped
    if (!envelope_type_departmental (header->type)) {
        sender->refused++;
        s_refusal (self, header->from, "%s to %s: BAD_TYPE",
                   envelope_type_name (header->type), header->to);
        char reason [96];
        snprintf (reason, sizeof (reason), "%s is not carried between departments",
                  envelope_type_name (header->type));
        s_send_error (self, routing, header->from, header->id, STATUS_BAD_TYPE, reason);
        return;
    }
    s_peer_t *recipient = (s_peer_t *) zhashx_lookup (self->peers, header->to);
    if (!recipient) {
        sender->refused++;
        bool known = truststore_lookup (self->trust, header->to) != NULL;
        s_send_error (self, routing, header->from, header->id,
                      known? STATUS_DEPARTMENT_OFFLINE: STATUS_UNKNOWN_DEPARTMENT,
                      NULL);
        return;
    }
    zframe_t *to = zframe_dup (recipient->routing);
    zmsg_prepend (*msg_p, &to);
    //  ROUTER_MANDATORY and a zero send timeout: a vanished peer or a full
    //  queue is an immediate error for the sender, never a blocked broker
    if (zmsg_send (msg_p, self->router) == 0)
        sender->routed++;
    else {
        int code = errno == EAGAIN? STATUS_BUSY: STATUS_DEPARTMENT_OFFLINE;
        sender->refused++;
        zmsg_destroy (msg_p);
        s_send_error (self, routing, header->from, header->id, code, NULL);
    }
}

static int
s_router_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    broker_t *self = (broker_t *) argument;
    zmsg_t *msg = zmsg_recv (reader);
    if (!msg)
        return 0;
    zframe_t *routing = zmsg_pop (msg);
    zframe_t *header_frame = zmsg_first (msg);
    const char *user = header_frame? zframe_meta (header_frame, "User-Id"): NULL;
    envelope_header_t header;
    int status = STATUS_MALFORMED;
    if (header_frame && zmsg_size (msg) == 2) {
        zframe_t *body = zmsg_next (msg);
        status = zframe_size (body) > ENVELOPE_BODY_MAX? STATUS_TOO_LARGE:
            envelope_header_decode (zframe_data (header_frame),
                                    zframe_size (header_frame), &header);
    }
    if (!user || !*user) {
        zsys_warning ("broker: message without an authenticated department, dropped");
        status = -1;
    }
    else
    if (status != STATUS_OK) {
        s_refusal (self, user, "a bad message: %s", status_name (status));
        s_send_error (self, routing, user, NULL, status, NULL);
    }
    else
    if (!streq (header.from, user)) {
        s_refusal (self, user, "a message claiming to be from %s: SENDER_MISMATCH",
                   header.from);
        s_send_error (self, routing, user, header.id, STATUS_SENDER_MISMATCH, NULL);
        status = -1;
    }
    if (status == STATUS_OK) {
        cert_t *sender = NULL;
        status = truststore_check (self->trust, header.from, zclock_time () / 1000, &sender);
        if (status != STATUS_OK) {
            s_refusal (self, header.from, "%s: %s", envelope_type_name (header.type),
                       status_name (status));
            s_send_error (self, routing, header.from, header.id, status, NULL);
        }
        else
        if (header.to [0] == 0)
            s_handle_own (self, routing, msg, &header, sender);
        else
            s_route (self, routing, &msg, &header);
    }
    zframe_destroy (&routing);
    zmsg_destroy (&msg);
    return 0;
}

//  ZAP: admit a CURVE client only if its key belongs to a certificate the
//  authority signed, valid now and not revoked (zap.c decides). The
//  department id becomes the connection's User-Id, which every message
//  then carries. The monitor is drained first: connections.c explains why
//  that keeps its shutdowns off admitted connections.
static int
s_zap_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    broker_t *self = (broker_t *) argument;
    if (self->connections)
        connections_drain (self->connections);
    zmsg_t *request = zmsg_recv (reader);
    if (!request)
        return 0;
    char *refusal = NULL;
    zmsg_t *reply = zap_reply (request, self->trust, zclock_time () / 1000, &refusal);
    if (refusal) {
        uint64_t skipped = 0;
        char note [64];
        if (ratelog_allow (self->zap_log, zclock_mono (), &skipped))
            zsys_warning ("broker: %s%s", refusal, ratelog_note (skipped, note, sizeof (note)));
        zstr_free (&refusal);
    }
    if (zmsg_send (&reply, reader))
        zsys_error ("broker: cannot answer a ZAP request: %s", zmq_strerror (zmq_errno ()));
    zmsg_destroy (&reply);
    zmsg_destroy (&request);
    return 0;
}

static int
s_connections_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    broker_t *self = (broker_t *) argument;
    if (self->connections)
        connections_drain (self->connections);
    return 0;
}

//  Drops peers that are silent or no longer trusted; heartbeats the rest.
static int
s_heartbeat_timer (zloop_t *loop, int timer_id, void *argument)
{
    broker_t *self = (broker_t *) argument;
    int64_t now = zclock_mono ();
    zlist_t *gone = zlist_new ();
    for (s_peer_t *peer = (s_peer_t *) zhashx_first (self->peers); peer;
         peer = (s_peer_t *) zhashx_next (self->peers)) {
        int trust = truststore_check (self->trust, peer->department,
                                      zclock_time () / 1000, NULL);
        if (trust != STATUS_OK) {
            zsys_warning ("broker: dropping %s: %s", peer->department, status_name (trust));
            s_send_error (self, peer->routing, peer->department, NULL, trust, NULL);
            zlist_append (gone, peer->department);
        }
        else
        if (now - peer->last_seen > S_SILENT_INTERVALS * self->heartbeat_ms) {
            SLUICE_INFO (self->level, "broker: %s is offline (silent for %d ms)",
                       peer->department, (int) (now - peer->last_seen));
            zlist_append (gone, peer->department);
        }
        else
        if (s_send_own (self, peer->routing, peer->department, MSG_HEARTBEAT, NULL, 0)
            == STATUS_DEPARTMENT_OFFLINE) {
            SLUICE_INFO (self->level, "broker: %s is offline (its connection is gone)",
                         peer->department);
            zlist_append (gone, peer->department);
        }
    }
    for (char *department = (char *) zlist_first (gone); department;
         department = (char *) zlist_next (gone))
        zhashx_delete (self->peers, department);
    zlist_destroy (&gone);
    return 0;
}

//  Reloads certificates and the revocation list when their files change,
//  then pushes what changed in the directory to every gateway. A reload
//  that fails keeps the previous trust: files that are wrong are tried
//  again when they change, a shortage of descriptors at the next tick.
static int
s_reload_timer (zloop_t *loop, int timer_id, void *argument)
{
    broker_t *self = (broker_t *) argument;
    if (!self->router)
        return s_rebind (self);             //  a rebind waits for descriptors
    const char *certs = conf_str (self->conf, "broker/certs");
    const char *crl = conf_str (self->conf, "broker/crl");
    if (s_mtime (certs) == self->certs_mtime && s_mtime (crl) == self->crl_mtime)
        return 0;
    uint64_t before = directory_version (self->directory);
    char *error = NULL;
    s_load_t loaded = s_load_trust (self, &error);
    if (loaded == S_LOAD_RETRY) {
        if (ratelog_allow (self->reload_log, zclock_mono (), NULL))
            zsys_error ("broker: reload failed, keeping the previous trust, trying again "
                        "in a second: %s", error);
        zstr_free (&error);
        return 0;
    }
    if (loaded == S_LOAD_REFUSED) {
        zsys_error ("broker: reload failed, keeping the previous trust: %s", error);
        zstr_free (&error);
        self->certs_mtime = s_mtime (certs);
        self->crl_mtime = s_mtime (crl);
        return 0;
    }
    //  A gateway the delta could not reach is forgotten: its next HEARTBEAT
    //  is answered NOT_REGISTERED, and its HELLO gets what it misses
    bool revoked = false;
    zlist_t *missed = zlist_new ();
    for (s_peer_t *peer = (s_peer_t *) zhashx_first (self->peers); peer;
         peer = (s_peer_t *) zhashx_next (self->peers)) {
        if (directory_version (self->directory) != before
        &&  s_send_transfer (self, peer->routing, peer->department, before, false)
            != STATUS_OK)
            zlist_append (missed, peer->department);
        if (truststore_check (self->trust, peer->department,
                              zclock_time () / 1000, NULL) != STATUS_OK)
            revoked = true;
    }
    for (char *department = (char *) zlist_first (missed); department;
         department = (char *) zlist_next (missed)) {
        zsys_warning ("broker: %s did not get the directory's changes; it is to "
                      "register again", department);
        zhashx_delete (self->peers, department);
    }
    zlist_destroy (&missed);
    //  Revoked peers are told and dropped at once, not at the next heartbeat
    s_heartbeat_timer (loop, timer_id, argument);
    if (revoked && self->loop)
        return s_rebind (self);
    return 0;
}

//  "RELOAD" (SIGHUP, see daemon.h) reloads the certificates and the
//  revocation list now, whether or not their files look changed, and is
//  answered with a signal; any other command ends the actor.
static int
s_pipe_event (zloop_t *loop, zsock_t *reader, void *argument)
{
    broker_t *self = (broker_t *) argument;
    char *command = zstr_recv (reader);
    bool reload = command && streq (command, "RELOAD");
    zstr_free (&command);
    if (!reload)
        return -1;
    SLUICE_INFO (self->level, "broker: SIGHUP: reloading the certificates and the "
                 "revocation list");
    self->certs_mtime = self->crl_mtime = -1;      //  no file has this stamp
    int rc = s_reload_timer (loop, 0, self);
    zsock_signal (reader, 0);
    return rc;
}

//  The CURVE server socket and the monitor that caps its connections; ZAP
//  must be bound first. On failure nothing is left half made.
static int
s_bind_router (broker_t *self, char **error)
{
    conf_t *conf = self->conf;
    self->router = zsock_new (ZMQ_ROUTER);
    if (!self->router) {
        *error = zsys_sprintf ("cannot create the broker's socket: %s",
                               zmq_strerror (zmq_errno ()));
        return -1;
    }
    zsock_set_router_mandatory (self->router, 1);
    zsock_set_sndtimeo (self->router, 0);
    zsock_set_sndhwm (self->router, (int) conf_int (conf, "broker/queue-limit"));
    zsock_set_rcvhwm (self->router, (int) conf_int (conf, "broker/queue-limit"));
    zsock_set_maxmsgsize (self->router, ENVELOPE_BODY_MAX + 4096);
    zsock_set_heartbeat_ivl (self->router, (int) self->heartbeat_ms);
    zsock_set_heartbeat_timeout (self->router, (int) self->heartbeat_ms * 3);
    //  A connection silent in its handshake holds a descriptor this long
    zsock_set_handshake_ivl (self->router, (int) self->caps.handshake_ms);
    zsock_set_zap_domain (self->router, ZAP_DOMAIN);
    zcert_apply (cert_zcert (self->cert), self->router);
    zsock_set_curve_server (self->router, 1);
    self->connections = connections_new (self->router, &self->caps, self->level);
    if (!self->connections) {
        *error = zsys_sprintf ("cannot monitor the broker's socket: %s",
                               zmq_strerror (zmq_errno ()));
        zsock_destroy (&self->router);
        return -1;
    }
    const char *endpoint = conf_str (conf, "broker/endpoint");
    //  After a rebind the old socket may hold the port for a moment
    for (int attempt = 0; attempt < 20; attempt++) {
        if (zsock_bind (self->router, "%s", endpoint) >= 0)
            return 0;
        zclock_sleep (50);
    }
    *error = zsys_sprintf ("cannot bind %s: %s (broker/endpoint)", endpoint,
                           zmq_strerror (zmq_errno ()));
    connections_destroy (&self->connections);
    zsock_destroy (&self->router);
    return -1;
}

//  ZeroMQ has no way to close one peer's connection: to drop a department
//  that was revoked while connected, every connection is closed and the
//  others come back through ZAP within a heartbeat, while the revoked one
//  is refused there. If the new socket cannot be made (no descriptor
//  left), the reload timer tries again every second.
static int
s_rebind (broker_t *self)
{
    if (self->router) {
        zloop_reader_end (self->loop, connections_socket (self->connections));
        zloop_reader_end (self->loop, self->router);
        connections_destroy (&self->connections);
        zsock_set_linger (self->router, 200);       //  let the last errors out
        zsock_destroy (&self->router);
        zhashx_purge (self->peers);
    }
    char *error = NULL;
    if (s_bind_router (self, &error)) {
        if (ratelog_allow (self->reload_log, zclock_mono (), NULL))
            zsys_error ("broker: %s; trying again in a second", error);
        zstr_free (&error);
        return 0;
    }
    zloop_reader (self->loop, self->router, s_router_event, self);
    zloop_reader (self->loop, connections_socket (self->connections),
                  s_connections_event, self);
    SLUICE_INFO (self->level, "broker: closed every connection to drop revoked departments; "
               "the others reconnect");
    return 0;
}

//  Descriptors open in this process now (Linux: /proc/self/fd), or a
//  generous guess where that cannot be read.
static size_t
s_descriptors_open (void)
{
    DIR *handle = opendir ("/proc/self/fd");
    if (!handle)
        return 64;
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir (handle)))
        if (entry->d_name [0] != '.')
            count++;
    closedir (handle);
    return count > 0? count - 1: 0;         //  not the one reading it
}

//  As many descriptors as the system lets us have (the soft limit raised
//  to the hard one), and the caps on connections that follow: every
//  connection costs a descriptor, and S_RESERVED_FDS stay for the
//  broker's own files and sockets.
static void
s_set_caps (broker_t *self)
{
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        struct rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit (RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    size_t descriptors = limit.rlim_cur == RLIM_INFINITY? (size_t) 1 << 20:
                                                          (size_t) limit.rlim_cur;
    //  The sockets made after this point (ZAP, router, monitor) count too.
    //  Beyond the broker's own reserve, a quarter of the rest is kept free
    //  for connections that libzmq accepted and the monitor has not yet
    //  reported: a burst of them must not reach the limit
    size_t in_use = s_descriptors_open () + 8;
    size_t spare = descriptors > in_use? descriptors - in_use: 0;
    size_t reserve = S_RESERVED_FDS + spare / 4;
    self->caps.connections_max = spare > reserve + 8? spare - reserve: 8;
    self->caps.handshakes_max = (size_t) conf_int (self->conf, "broker/handshakes-max");
    self->caps.handshakes_per_address =
        (size_t) conf_int (self->conf, "broker/handshakes-per-address");
    self->caps.handshake_ms = conf_int (self->conf, "broker/handshake-ms");
    SLUICE_INFO (self->level, "broker: %zu descriptors: at most %zu connections, %zu in "
                 "their handshake (%zu from one address), each given %d ms",
                 descriptors, self->caps.connections_max, self->caps.handshakes_max,
                 self->caps.handshakes_per_address, (int) self->caps.handshake_ms);
}

broker_t *
broker_new (conf_t *conf, char **error)
{
    assert (conf && error);
    broker_t *self = (broker_t *) zmalloc (sizeof (broker_t));
    assert (self);
    self->conf = conf;
    self->heartbeat_ms = conf_int (conf, "broker/heartbeat-ms");
    self->level = conf_level (conf, "broker/log-level");
    self->peers = zhashx_new ();
    zhashx_set_destructor (self->peers, (zhashx_destructor_fn *) s_peer_destroy);
    self->refusal_log = ratelog_new (20, 10000);
    self->zap_log = ratelog_new (20, 10000);
    self->send_log = ratelog_new (20, 10000);
    self->reload_log = ratelog_new (1, 10000);
    s_set_caps (self);

    const char *cert_path = conf_str (conf, "broker/cert");
    self->cert = cert_load (cert_path);
    if (!self->cert || !cert_has_secret (self->cert)) {
        *error = zsys_sprintf ("%s: cannot load the broker's certificate with its "
                               "secret keys (broker/cert)", cert_path);
        broker_destroy (&self);
        return NULL;
    }
    self->id = cert_department (self->cert);
    const char *authority_path = conf_str (conf, "broker/authority");
    authority_t *authority = authority_load (authority_path);
    if (!authority) {
        *error = zsys_sprintf ("%s: cannot load the authority key (broker/authority)",
                               authority_path);
        broker_destroy (&self);
        return NULL;
    }
    memcpy (self->authority, authority_public (authority), 32);
    authority_destroy (&authority);
    if (cert_verify (self->cert, self->authority)
    ||  !streq (cert_role (self->cert), "broker")) {
        *error = zsys_sprintf ("%s: not a broker certificate signed by this authority",
                               cert_path);
        broker_destroy (&self);
        return NULL;
    }
    self->directory = directory_new (self->id, (uint64_t) self->heartbeat_ms);
    //  The registry before the trust: it keeps the newest revocation list
    const char *state = conf_str (conf, "broker/state");
    char *path = zsys_sprintf ("%s/registry.db", state);
    if (zsys_dir_create ("%s", state) == 0)
        self->ledger = ledger_new (path, error);
    else
        *error = zsys_sprintf ("%s: cannot create the state directory (broker/state)", state);
    zstr_free (&path);
    if (!self->ledger || s_epoch (self, error) || s_load_trust (self, error) != S_LOADED) {
        broker_destroy (&self);
        return NULL;
    }

    //  The ZAP handler must be bound before the CURVE socket accepts anyone
    self->zap = zsock_new (ZMQ_REP);
    if (zsock_bind (self->zap, S_ZAP_ENDPOINT) != 0) {
        *error = strdup ("cannot bind the ZAP handler (another broker in this process?)");
        broker_destroy (&self);
        return NULL;
    }
    if (s_bind_router (self, error)) {
        broker_destroy (&self);
        return NULL;
    }
    const char *endpoint = conf_str (conf, "broker/endpoint");
    SLUICE_INFO (self->level, "broker: %s listening on %s", self->id, endpoint);
    return self;
}

void
broker_destroy (broker_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        broker_t *self = *self_p;
        zloop_destroy (&self->loop);
        connections_destroy (&self->connections);
        zsock_destroy (&self->router);
        zsock_destroy (&self->zap);
        zhashx_destroy (&self->peers);
        truststore_destroy (&self->trust);
        ledger_destroy (&self->ledger);
        cert_destroy (&self->cert);
        directory_destroy (&self->directory);
        ratelog_destroy (&self->refusal_log);
        ratelog_destroy (&self->zap_log);
        ratelog_destroy (&self->send_log);
        ratelog_destroy (&self->reload_log);
        free (self);
        *self_p = NULL;
    }
}

int
broker_run (broker_t *self, zsock_t *pipe)
{
    assert (self);
    self->loop = zloop_new ();
    zloop_reader (self->loop, self->router, s_router_event, self);
    zloop_reader (self->loop, connections_socket (self->connections),
                  s_connections_event, self);
    zloop_reader (self->loop, self->zap, s_zap_event, self);
    if (pipe)
        zloop_reader (self->loop, pipe, s_pipe_event, self);
    zloop_timer (self->loop, (size_t) self->heartbeat_ms, 0, s_heartbeat_timer, self);
    zloop_timer (self->loop, 1000, 0, s_reload_timer, self);
    zloop_start (self->loop);
    SLUICE_INFO (self->level, "broker: stopping");
    return 0;
}

void
broker_actor (zsock_t *pipe, void *args)
{
    char *error = NULL;
    broker_t *self = broker_new ((conf_t *) args, &error);
    if (!self) {
        zsys_error ("broker: %s", error);
        zstr_free (&error);
        zsock_signal (pipe, 1);
        return;
    }
    zsock_signal (pipe, 0);
    broker_run (self, pipe);
    broker_destroy (&self);
}

void
broker_test (bool verbose)
{
    if (verbose)
        printf (" * broker: ");
    //  A configuration that names missing files is refused with the path
    conf_t *conf = conf_new (settings_broker);
    char *error = NULL;
    assert (conf_check (conf, &error) == -1);
    assert (strstr (error, "broker/endpoint"));
    zstr_free (&error);
    assert (conf_set (conf, "broker/endpoint", "tcp://127.0.0.1:*", &error) == 0);
    assert (conf_set (conf, "broker/cert", "/nonexistent/broker.cert_secret", &error) == 0);
    assert (conf_set (conf, "broker/authority", "/nonexistent/authority.pub", &error) == 0);
    assert (conf_set (conf, "broker/certs", "/nonexistent", &error) == 0);
    broker_t *broker = broker_new (conf, &error);
    assert (!broker);
    assert (error && strstr (error, "/nonexistent/broker.cert_secret"));
    zstr_free (&error);
    conf_destroy (&conf);
    //  Routing, ZAP and refusals are driven through the real daemons by
    //  tests/run.sh, where each runs in its own process.
    if (verbose)
        printf ("OK\n");
}
