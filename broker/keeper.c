/*  keeper.c -- the broker's side of the registry.

    Each request is answered with one "done" (or "listed", or a catch-up
    page) to its sender; a statement registered is pushed to both parties.
    The keeper is the place that decides about a request, so it logs what
    it did (at info level) and what failed on its own disk.
*/

#include "keeper.h"
#include "ledger.h"
#include "registry.h"
#include "rules.h"
#include "crl.h"
#include "conf.h"
#include "ratelog.h"
#include "status.h"
#include "statedb.h"
#include "authority.h"
#include <sodium.h>

struct _keeper_t {
    ledger_t *ledger;           //  the federation's registry
    ratelog_t *send_log;        //  answers and pushes that could not be sent
    char epoch [REGISTRY_EPOCH_MAX + 1];    //  of this registry, kept in it
    uint8_t authority [32];
    char *crl_path;             //  where a published list is written; "" none
    size_t order_limit;
    int level;
};

//  The epoch of this registry: a random id made once and kept in it, so a
//  gateway's mark from another registry (or this one before its state was
//  lost) is never taken for one of this.
static int
s_epoch (keeper_t *self, char **error)
{
    char *epoch = ledger_value (self->ledger, "epoch");
    if (!epoch) {
        uint8_t random [16];
        randombytes_buf (random, sizeof (random));
        char hex [sizeof (random) * 2 + 1];
        sodium_bin2hex (hex, sizeof (hex), random, sizeof (random));
        char *problem = NULL;
        if (ledger_set_value (self->ledger, "epoch", hex, &problem)) {
            status_set_error (error, "cannot keep the registry's epoch (broker/state):"
                              " %s", problem);
            zstr_free (&problem);
            return -1;
        }
        epoch = strdup (hex);
    }
    snprintf (self->epoch, sizeof (self->epoch), "%s", epoch);
    zstr_free (&epoch);
    return 0;
}

keeper_t *
keeper_new (const char *state, const uint8_t *authority, const char *crl_path,
            size_t order_limit, int level, char **error)
{
    assert (state && authority && error);
    keeper_t *self = (keeper_t *) zmalloc (sizeof (keeper_t));
    assert (self);
    memcpy (self->authority, authority, sizeof (self->authority));
    self->crl_path = strdup (crl_path? crl_path: "");
    self->order_limit = order_limit;
    self->level = level;
    self->send_log = ratelog_new (20, 10000);
    char *path = zsys_sprintf ("%s/registry.db", state);
    if (zsys_dir_create ("%s", state) == 0)
        self->ledger = ledger_new (path, error);
    else
        *error = zsys_sprintf ("%s: cannot create the state directory (broker/state)",
                               state);
    zstr_free (&path);
    if (!self->ledger || s_epoch (self, error))
        keeper_destroy (&self);
    return self;
}

void
keeper_destroy (keeper_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        keeper_t *self = *self_p;
        ledger_destroy (&self->ledger);
        ratelog_destroy (&self->send_log);
        free (self->crl_path);
        free (self);
        *self_p = NULL;
    }
}

const char *
keeper_epoch (keeper_t *self)
{
    assert (self);
    return self->epoch;
}

int
keeper_crl_floor (keeper_t *self, truststore_t *trust, char **note)
{
    assert (self && trust && note);
    *note = NULL;
    rules_t *rules = rules_new (self->ledger, trust);
    char *problem = NULL;
    crl_t *kept = rules_kept_crl (rules, &problem);
    crl_t *held = truststore_crl (trust);
    int rc = 0;
    if (kept && (!held || crl_version (held) < crl_version (kept))) {
        uint64_t version = crl_version (kept);
        const char *file = held? "an older version": "none";     //  held is replaced
        if (truststore_set_crl (trust, &kept) == STATUS_OK)
            *note = zsys_sprintf ("the revocation list file (broker/crl) holds %s; "
                                  "serving version %" PRIu64 ", the newest accepted"
                                  " before", file, version);
        else {
            *note = strdup ("the revocation list kept in the registry is refused");
            rc = -1;
        }
    }
    else
    if (held && rules_keep_crl (rules, held, &problem)) {
        *note = zsys_sprintf ("cannot keep revocation list version %" PRIu64
                              " in the registry: %s", crl_version (held), problem);
        rc = -1;
    }
    else
    if (problem) {
        *note = zsys_sprintf ("%s", problem);
        rc = -1;
    }
    zstr_free (&problem);
    crl_destroy (&kept);
    rules_destroy (&rules);
    return rc;
}


//  --------------------------------------------------------------------------
//  Requests

//  A request being handled: whom to answer, through what
typedef struct {
    keeper_t *self;
    truststore_t *trust;
    const envelope_header_t *header;
    registry_msg_t *request;
    keeper_send_fn *send;
    void *arg;
} s_request_t;

//  Sends a payload to `department` as `what`; 0, or -1 if it was not sent,
//  which is logged, at most a few lines a second (a department offline
//  misses a push for every statement registered meanwhile): the department
//  asks again, is told by a status of its own request, or gets a push with
//  its next catch-up.
static int
s_send_payload (s_request_t *request, const char *department, const char *what,
                const uint8_t *payload, size_t size)
{
    int status = request->send (request->arg, department, payload, size);
    uint64_t skipped = 0;
    char note [64];
    if (status != STATUS_OK
    &&  ratelog_allow (request->self->send_log, zclock_mono (), &skipped))
        zsys_warning ("broker: registry %s for %s (%zu bytes) could not be sent: %s%s%s",
                      what, department, size,
                      status == STATUS_NOT_REGISTERED? "not connected": status_name (status),
                      streq (what, "push")? "; it comes with the next catch-up": "",
                      ratelog_note (skipped, note, sizeof (note)));
    return status == STATUS_OK? 0: -1;
}

static int
s_send (s_request_t *request, const char *department, const char *op,
        const uint8_t *re, int status, const char *reason, zlistx_t *statements)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, op, re, status, reason, NULL, statements, NULL);
    int rc = s_send_payload (request, department, op, (uint8_t *) buffer.data,
                             buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return rc;
}

//  Answers the request with a "done"
static void
s_done (s_request_t *request, int status, const char *reason)
{
    if (s_send (request, request->header->from, "done", request->header->id, status,
                reason, NULL))
        SLUICE_DEBUG (request->self->level, "broker: registry answer for %s not sent",
                      request->header->from);
}

//  The statement a put carries, decoded; NULL and the refusal if none
static statement_t *
s_put_statement (s_request_t *request, int *status, rules_verdict_t *verdict)
{
    registry_msg_t *message = request->request;
    *status = STATUS_MALFORMED;
    snprintf (verdict->reason, sizeof (verdict->reason), "a put carries exactly one statement");
    if (!message->statements || message->statements->via.array.size != 1)
        return NULL;
    const msgpack_object_bin *bin = &message->statements->via.array.ptr [0].via.bin;
    statement_t *statement = statement_decode ((const uint8_t *) bin->ptr, bin->size);
    snprintf (verdict->reason, sizeof (verdict->reason), "the statement could not be decoded");
    if (statement && !streq (statement_author (statement), request->header->from)) {
        *status = STATUS_SENDER_MISMATCH;
        snprintf (verdict->reason, sizeof (verdict->reason),
                  "a department puts only its own statements");
    }
    return statement;
}

//  A department puts a statement: check, keep, forward to both parties.
static void
s_put (s_request_t *request)
{
    keeper_t *self = request->self;
    int status;
    rules_verdict_t verdict;
    memset (&verdict, 0, sizeof (verdict));
    statement_t *statement = s_put_statement (request, &status, &verdict);
    if (statement && status != STATUS_SENDER_MISMATCH) {
        rules_t *rules = rules_new (self->ledger, request->trust);
        rules_set_order_limit (rules, self->order_limit);
        char *error = NULL;
        status = rules_admit (rules, statement, &verdict, &error);
        if (error)
            zsys_error ("broker: registry: %s", error);
        zstr_free (&error);
        rules_destroy (&rules);
    }
    const char *from = request->header->from;
    SLUICE_INFO (self->level, "broker: %s put %s %s version %" PRIu64 ": %s", from,
                 statement? statement_kind (statement): "?",
                 statement? statement_key (statement): "?",
                 statement? statement_version (statement): 0, status_name (status));
    s_done (request, status, verdict.reason);
    if (status == STATUS_OK && *verdict.party_b) {
        zlistx_t *one = zlistx_new ();
        zlistx_add_end (one, statement);
        s_send (request, verdict.party_a, "push", NULL, 0, NULL, one);
        s_send (request, verdict.party_b, "push", NULL, 0, NULL, one);
        zlistx_destroy (&one);
    }
    statement_destroy (&statement);
}

//  A page of the registry could not be read: logged, answered INTERNAL
static void
s_page_unread (s_request_t *request, const char *what, uint64_t since, char **error)
{
    zsys_error ("broker: %s for %s after %" PRIu64 " could not be read: %s", what,
                request->header->from, since, *error);
    zstr_free (error);
    s_done (request, STATUS_INTERNAL, "the broker cannot read its registry");
}

//  The catch-up: one page of the changes that concern the department after
//  the change number it holds from this registry (from the start if it
//  holds another epoch), catalogs excepted (they are read with list).
static void
s_sync (s_request_t *request)
{
    keeper_t *self = request->self;
    const char *from = request->header->from;
    uint64_t since = streq (request->request->epoch, self->epoch)? request->request->since: 0;
    uint64_t next;
    bool more;
    char *error = NULL;
    zlistx_t *page = ledger_page (self->ledger, from, STATEMENT_CATALOG, since,
                                  REGISTRY_PAGE_BUDGET, &next, &more, &error);
    if (!page) {
        s_page_unread (request, "a catch-up page", since, &error);
        return;
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_page_encode (&buffer, request->header->id, self->epoch, next, more, page);
    SLUICE_INFO (self->level, "broker: catch-up for %s after change %" PRIu64 ": %zu "
                 "statements (%zu bytes) up to %" PRIu64 "%s", from, since,
                 zlistx_size (page), buffer.size, next, more? ", more follow": "");
    if (s_send_payload (request, from, "catch-up page", (uint8_t *) buffer.data,
                        buffer.size))
        s_done (request, STATUS_INTERNAL, "the catch-up page could not be sent; ask again");
    msgpack_sbuffer_destroy (&buffer);
    zlistx_destroy (&page);
}

//  Statements a department may read: every catalog; of the rest, those it
//  is a party to. In pages, as the catch-up: the one after the change
//  number the request names (`since`, 0 if none), and whether more follow.
static void
s_list (s_request_t *request)
{
    keeper_t *self = request->self;
    const char *from = request->header->from;
    const char *kind = *request->request->kind? request->request->kind: NULL;
    bool public_kind = kind && streq (kind, STATEMENT_CATALOG);
    uint64_t since = request->request->since, next;
    bool more;
    char *error = NULL;
    zlistx_t *page = ledger_list_page (self->ledger, kind, public_kind? NULL: from, since,
                                       REGISTRY_PAGE_BUDGET, &next, &more, &error);
    if (!page) {
        s_page_unread (request, "a listing", since, &error);
        return;
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_listed_encode (&buffer, request->header->id, next, more, page);
    SLUICE_DEBUG (self->level, "broker: listing %s for %s after change %" PRIu64 ": %zu "
                  "statements (%zu bytes) up to %" PRIu64 "%s", kind? kind: "everything",
                  from, since, zlistx_size (page), buffer.size, next,
                  more? ", more follow": "");
    if (s_send_payload (request, from, "listed", (uint8_t *) buffer.data, buffer.size))
        s_done (request, STATUS_INTERNAL, "the listing could not be sent; ask again");
    msgpack_sbuffer_destroy (&buffer);
    zlistx_destroy (&page);
}

//  The authority's new revocation list, carried by a department's admin:
//  verified, written where the broker loads it from, and put in force in
//  the trust of now, so that the next request is judged against it. True
//  if published.
static bool
s_crl (s_request_t *request)
{
    keeper_t *self = request->self;
    int status = STATUS_MALFORMED;
    const char *reason = "not a revocation list";
    registry_msg_t *message = request->request;
    crl_t *crl = message->text? crl_decode (message->text, message->text_size, NULL): NULL;
    char *error = NULL;
    if (crl) {
        crl_t *held = truststore_crl (request->trust);
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
        if (!*self->crl_path || crl_save (crl, self->crl_path, &error)) {
            status = STATUS_INTERNAL;
            reason = "the broker cannot write its revocation list (broker/crl)";
            if (error)
                zsys_error ("broker: %s", error);
        }
        else
        if (truststore_set_crl (request->trust, &crl) != STATUS_OK) {
            status = STATUS_INTERNAL;
            reason = "the broker cannot put the list in force";
        }
        else {
            status = STATUS_OK;
            reason = "published";
        }
    }
    zstr_free (&error);
    crl_destroy (&crl);
    s_done (request, status, reason);
    if (status == STATUS_OK)
        SLUICE_INFO (self->level, "broker: new revocation list from %s",
                     request->header->from);
    return status == STATUS_OK;
}

bool
keeper_handle (keeper_t *self, truststore_t *trust, const envelope_header_t *header,
               envelope_t *envelope, keeper_send_fn *send, void *arg)
{
    assert (self && trust && header && envelope && send);
    registry_msg_t message;
    s_request_t request = { self, trust, header, &message, send, arg };
    int status = registry_msg_decode (envelope_payload (envelope),
                                      envelope_payload_size (envelope), &message);
    bool published = false;
    if (status != STATUS_OK)
        s_done (&request, status, "the registry request could not be decoded");
    else
    if (streq (message.op, "put"))
        s_put (&request);
    else
    if (streq (message.op, "list"))
        s_list (&request);
    else
    if (streq (message.op, "crl"))
        published = s_crl (&request);
    else
    if (streq (message.op, "sync"))
        s_sync (&request);
    else
        s_done (&request, STATUS_BAD_TYPE, "unknown registry operation");
    registry_msg_destroy (&message);
    return published;
}


//  --------------------------------------------------------------------------
//  Self-test

//  What the keeper sent, as the test's sender keeps it: "department op
//  status" per message
static int
s_test_send (void *arg, const char *department, const uint8_t *payload, size_t size)
{
    registry_msg_t message;
    int rc = registry_msg_decode (payload, size, &message);
    assert (rc == STATUS_OK);
    char *line = zsys_sprintf ("%s %s %s", department, message.op,
                               status_name ((int) message.status));
    zlist_append ((zlist_t *) arg, line);           //  copied: the list autofrees
    zstr_free (&line);
    registry_msg_destroy (&message);
    return streq (department, "SH-PD-MSA")? STATUS_NOT_REGISTERED: STATUS_OK;
}

//  What one listed page held, as the test's sender sees it
typedef struct {
    bool listed, more;
    size_t statements, size;
    uint64_t next;
} s_test_page_t;

static int
s_test_page_send (void *arg, const char *department, const uint8_t *payload, size_t size)
{
    s_test_page_t *page = (s_test_page_t *) arg;
    registry_msg_t message;
    assert (registry_msg_decode (payload, size, &message) == STATUS_OK);
    page->listed = streq (message.op, "listed");
    page->statements = message.statements? message.statements->via.array.size: 0;
    page->next = message.next;
    page->more = message.more;
    page->size = size;
    registry_msg_destroy (&message);
    return STATUS_OK;
}

//  A REGISTRY request from `cert`'s department, signed
static envelope_t *
s_test_request (cert_t *cert, const char *op, const char *kind, zlistx_t *statements,
                const char *text)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    if (streq (op, "sync"))
        registry_sync_encode (&buffer, "", 0);
    else
        registry_msg_encode (&buffer, op, NULL, 0, NULL, kind, statements, text);
    envelope_t *request = envelope_new (MSG_REGISTRY, cert_department (cert), "");
    assert (request);
    assert (envelope_seal (request, (uint8_t *) buffer.data, buffer.size,
                           cert_sign_secret (cert), NULL) == 0);
    msgpack_sbuffer_destroy (&buffer);
    return request;
}

//  Handles a request and checks what was sent, in order ("|"-separated)
static bool
s_test_handle (keeper_t *keeper, truststore_t *trust, envelope_t *request,
               const char *expected)
{
    zlist_t *sent = zlist_new ();
    zlist_autofree (sent);
    bool published = keeper_handle (keeper, trust, envelope_header (request), request,
                                    s_test_send, sent);
    char *all = NULL;
    for (char *line = (char *) zlist_first (sent); line; line = (char *) zlist_next (sent)) {
        char *longer = zsys_sprintf ("%s%s%s", all? all: "", all? "|": "", line);
        zstr_free (&all);
        all = longer;
    }
    if (!all || !streq (all, expected))
        printf ("\nexpected '%s', sent '%s'\n", expected, all? all: ""), fflush (stdout);
    assert (all && streq (all, expected));
    zstr_free (&all);
    zlist_destroy (&sent);
    envelope_destroy (&request);
    return published;
}

//  Catalogs of `count` departments, each of about `size` bytes, as if
//  published (their authors need no certificate: the ledger is filled
//  directly); a list of them comes in pages that hold them all, once, each
//  page within the budget
static void
s_test_listing (keeper_t *keeper, truststore_t *trust, cert_t *asker)
{
    char *payload = (char *) malloc (100 * 1024);
    assert (payload);
    memset (payload, 'x', 100 * 1024);
    for (int index = 0; index < 12; index++) {
        char department [32];
        snprintf (department, sizeof (department), "SH-PD-L%02d", index);
        statement_t *statement = statement_new (STATEMENT_CATALOG, department, department, 1,
                                                (uint8_t *) payload, 100 * 1024);
        statement_sign (statement, cert_sign_secret (asker));
        assert (ledger_put (keeper->ledger, statement, department, "", NULL) == STATUS_OK);
        statement_destroy (&statement);
    }
    free (payload);
    uint64_t since = 0;
    size_t pages = 0, seen = 0;
    bool more = true;
    while (more) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        registry_list_encode (&buffer, STATEMENT_CATALOG, since);
        envelope_t *request = envelope_new (MSG_REGISTRY, cert_department (asker), "");
        assert (envelope_seal (request, (uint8_t *) buffer.data, buffer.size,
                               cert_sign_secret (asker), NULL) == 0);
        msgpack_sbuffer_destroy (&buffer);
        s_test_page_t page = { 0 };
        keeper_handle (keeper, trust, envelope_header (request), request,
                       s_test_page_send, &page);
        envelope_destroy (&request);
        assert (page.listed && page.size < ENVELOPE_PAYLOAD_MAX);
        assert (page.next > since || !page.more);
        seen += page.statements;
        since = page.next;
        more = page.more;
        pages++;
    }
    assert (seen == 12 && pages >= 4);
}

void
keeper_test (bool verbose)
{
    if (verbose)
        printf (" * keeper: ");
    char *state = zsys_sprintf ("/tmp/sluice-keeper-test-%d", (int) getpid ());
    char *crl_path = zsys_sprintf ("%s/federation.crl", state);
    int64_t now = zclock_time () / 1000;
    authority_t *authority = authority_new ("Test", NULL);
    truststore_t *trust = truststore_new (authority_public (authority));
    cert_t *tax = cert_new ("SH-PD-TAX", "Tax", CERT_ROLE_DEPARTMENT, 2, 1,
                            now - 60, now + 86400, NULL);
    assert (tax && cert_sign_by (tax, authority) == 0);
    cert_t *msa = cert_new ("SH-PD-MSA", "MSA", CERT_ROLE_DEPARTMENT, 2, 1,
                            now - 60, now + 86400, NULL);
    assert (msa && cert_sign_by (msa, authority) == 0);
    cert_t *copy = cert_dup (tax);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    copy = cert_dup (msa);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    char *error = NULL;

    //  The epoch is made once and kept
    keeper_t *keeper = keeper_new (state, authority_public (authority), crl_path, 2, 0,
                                   &error);
    assert (keeper && !error);
    char epoch [REGISTRY_EPOCH_MAX + 1];
    snprintf (epoch, sizeof (epoch), "%s", keeper_epoch (keeper));
    assert (strlen (epoch) == 32);
    keeper_destroy (&keeper);
    keeper = keeper_new (state, authority_public (authority), crl_path, 2, 0, &error);
    assert (keeper && streq (keeper_epoch (keeper), epoch));
    assert (!keeper_new ("/dev/null/state", authority_public (authority), "", 2, 0,
                         &error));
    assert (error && strstr (error, "/dev/null/state"));
    zstr_free (&error);

    //  Every request gets its answer: undecodable, unknown, a listing, a
    //  catch-up page, a list that is not one
    envelope_t *junk = envelope_new (MSG_REGISTRY, "SH-PD-TAX", "");
    assert (envelope_seal (junk, (uint8_t *) "x", 1, cert_sign_secret (tax), NULL) == 0);
    s_test_handle (keeper, trust, junk, "SH-PD-TAX done MALFORMED");
    s_test_handle (keeper, trust, s_test_request (tax, "frob", NULL, NULL, NULL),
                   "SH-PD-TAX done BAD_TYPE");
    s_test_handle (keeper, trust, s_test_request (tax, "list", "catalog", NULL, NULL),
                   "SH-PD-TAX listed OK");
    s_test_listing (keeper, trust, tax);
    s_test_handle (keeper, trust, s_test_request (tax, "sync", NULL, NULL, NULL),
                   "SH-PD-TAX page OK");
    assert (!s_test_handle (keeper, trust, s_test_request (tax, "crl", NULL, NULL, "x"),
                            "SH-PD-TAX done MALFORMED"));

    //  A put: one statement, the author's own; an order is kept and pushed
    //  to both parties
    order_t order = { "SH-PD-MSA", "licences", "", "check", "law" };
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_order_encode (&order, &buffer);
    statement_t *statement = statement_new (STATEMENT_ORDER, "SH-PD-TAX", "ORD-1", 1,
                                            (uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    statement_sign (statement, cert_sign_secret (tax));
    zlistx_t *one = zlistx_new ();
    zlistx_add_end (one, statement);
    s_test_handle (keeper, trust, s_test_request (tax, "put", NULL, NULL, NULL),
                   "SH-PD-TAX done MALFORMED");
    s_test_handle (keeper, trust, s_test_request (tax, "put", NULL, one, NULL),
                   "SH-PD-TAX done OK|SH-PD-TAX push OK|SH-PD-MSA push OK");
    s_test_handle (keeper, trust, s_test_request (tax, "put", NULL, one, NULL),
                   "SH-PD-TAX done STALE");
    s_test_handle (keeper, trust, s_test_request (msa, "put", NULL, one, NULL),
                   "SH-PD-MSA done SENDER_MISMATCH");

    //  A revocation list: verified, written, published once
    crl_t *crl = crl_new (2, NULL);
    assert (crl && crl_sign_by (crl, authority) == 0);
    char *text = crl_encode (crl);
    assert (s_test_handle (keeper, trust, s_test_request (tax, "crl", NULL, NULL, text),
                           "SH-PD-TAX done OK"));
    assert (zsys_file_exists (crl_path));
    crl_t *held = crl_load (crl_path, NULL);
    assert (held && crl_version (held) == 2);
    crl_destroy (&held);
    assert (truststore_crl (trust) && crl_version (truststore_crl (trust)) == 2);
    assert (!s_test_handle (keeper, trust, s_test_request (tax, "crl", NULL, NULL, text),
                            "SH-PD-TAX done STALE"));
    zstr_free (&text);

    //  The floor: the list in the trust is kept; a trust loaded without one
    //  (the file gone) gets the kept one back, and says so
    char *note = NULL;
    assert (keeper_crl_floor (keeper, trust, &note) == 0 && !note);
    truststore_t *bare = truststore_new (authority_public (authority));
    assert (keeper_crl_floor (keeper, bare, &note) == 0);
    assert (note && strstr (note, "holds none; serving version 2"));
    zstr_free (&note);
    assert (truststore_crl (bare) && crl_version (truststore_crl (bare)) == 2);
    truststore_destroy (&bare);

    crl_destroy (&crl);
    zlistx_destroy (&one);
    statement_destroy (&statement);
    keeper_destroy (&keeper);
    keeper_destroy (&keeper);           //  safe twice
    cert_destroy (&msa);
    cert_destroy (&tax);
    truststore_destroy (&trust);
    authority_destroy (&authority);
    char *registry = zsys_sprintf ("%s/registry.db", state);
    statedb_remove (registry);
    zsys_file_delete (crl_path);
    zsys_dir_delete ("%s", state);
    zstr_free (&registry);
    zstr_free (&crl_path);
    zstr_free (&state);
    if (verbose)
        printf ("OK\n");
}
