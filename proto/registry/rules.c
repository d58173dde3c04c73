/*  rules.c -- the registry's rules, one copy for the broker and every
    gateway.  */

#include "rules.h"
#include "agreement.h"
#include "agreementtext.h"
#include "registry.h"
#include "status.h"
#include "authority.h"
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>

struct _rules_t {
    ledger_t *ledger;           //  borrowed
    truststore_t *trust;        //  borrowed
    char *department;           //  a gateway's own, or NULL
    size_t order_limit;
};

rules_t *
rules_new (ledger_t *ledger, truststore_t *trust)
{
    assert (ledger && trust);
    rules_t *self = (rules_t *) zmalloc (sizeof (rules_t));
    assert (self);
    self->ledger = ledger;
    self->trust = trust;
    self->order_limit = RULES_ORDER_LIMIT;
    return self;
}

void
rules_destroy (rules_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        rules_t *self = *self_p;
        free (self->department);
        free (self);
        *self_p = NULL;
    }
}

void
rules_set_department (rules_t *self, const char *department)
{
    assert (self && department);
    free (self->department);
    self->department = strdup (department);
    assert (self->department);
}

void
rules_set_order_limit (rules_t *self, size_t limit)
{
    assert (self);
    assert (limit >= 1 && limit <= RULES_ORDER_LIMIT_MAX);
    self->order_limit = limit;
}

//  Sets the reason and returns the status, for one-line refusals.
static int
s_refuse (rules_verdict_t *verdict, int status, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
s_refuse (rules_verdict_t *verdict, int status, const char *format, ...)
{
    va_list argptr;
    va_start (argptr, format);
    vsnprintf (verdict->reason, sizeof (verdict->reason), format, argptr);
    va_end (argptr);
    return status;
}

static void
s_set_parties (rules_verdict_t *verdict, const char *party_a, const char *party_b)
{
    snprintf (verdict->party_a, sizeof (verdict->party_a), "%s", party_a);
    snprintf (verdict->party_b, sizeof (verdict->party_b), "%s", party_b);
}

static agreement_t *
s_agreement_of (statement_t *statement)
{
    return agreementtext_decode ((const char *) statement_payload (statement),
                             statement_payload_size (statement), NULL);
}

//  True if `held` is an order filed with `provider`
static bool
s_ordered_from (statement_t *held, const char *provider)
{
    order_t order;
    return registry_order_decode (statement_payload (held), statement_payload_size (held),
                                  &order) == STATUS_OK
        && streq (order.provider, provider);
}

static bool
s_holds (rules_t *self, const char *kind, const char *key)
{
    statement_t *held = ledger_get (self->ledger, kind, key);
    bool holds = held != NULL;
    statement_destroy (&held);
    return holds;
}


//  --------------------------------------------------------------------------
//  Each kind's rule (step 3); sets the parties

typedef int (s_kind_fn) (rules_t *self, statement_t *statement, rules_verdict_t *verdict);

static int
s_catalog (rules_t *self, statement_t *statement, rules_verdict_t *verdict)
{
    s_set_parties (verdict, statement_author (statement), "");
    if (!streq (statement_key (statement), statement_author (statement)))
        return s_refuse (verdict, STATUS_SENDER_MISMATCH,
                         "a catalog is published by its own department");
    return STATUS_OK;
}

static int
s_agreement (rules_t *self, statement_t *statement, rules_verdict_t *verdict)
{
    agreement_t *agreement = s_agreement_of (statement);
    if (!agreement)
        return s_refuse (verdict, STATUS_MALFORMED, "not a valid agreement");
    s_set_parties (verdict, agreement_provider (agreement), agreement_consumer (agreement));
    const char *author = statement_author (statement);
    int status = agreement_verify (agreement, self->trust, zclock_time () / 1000);
    if (status != STATUS_OK)
        s_refuse (verdict, status,
                  "both departments must sign the agreement with valid certificates");
    else
    if (!streq (statement_key (statement), agreement_id (agreement)))
        status = s_refuse (verdict, STATUS_MALFORMED,
                           "the statement key is not the agreement's id");
    else
    if (!streq (author, verdict->party_a) && !streq (author, verdict->party_b))
        status = s_refuse (verdict, STATUS_SENDER_MISMATCH,
                           "only a party to an agreement registers it");
    else
    if (statement_version (statement) != agreement_version (agreement))
        status = s_refuse (verdict, STATUS_MALFORMED,
                           "the statement's version %" PRIu64 " is not the agreement's, %"
                           PRIu64, statement_version (statement),
                           agreement_version (agreement));
    else
    if (s_holds (self, STATEMENT_REVOCATION, agreement_id (agreement)))
        status = s_refuse (verdict, STATUS_STALE,
                           "the agreement is revoked, and a revocation is final");
    agreement_destroy (&agreement);
    return status;
}

static int
s_revocation (rules_t *self, statement_t *statement, rules_verdict_t *verdict)
{
    //  Judged against the agreement held, never by what the revocation says
    statement_t *held = ledger_get (self->ledger, STATEMENT_AGREEMENT,
                                    statement_key (statement));
    agreement_t *agreement = held? s_agreement_of (held): NULL;
    statement_destroy (&held);
    if (!agreement)
        return s_refuse (verdict, STATUS_NO_AGREEMENT, "no such agreement is registered");
    s_set_parties (verdict, agreement_provider (agreement), agreement_consumer (agreement));
    agreement_destroy (&agreement);
    if (!streq (statement_author (statement), verdict->party_a))
        return s_refuse (verdict, STATUS_SENDER_MISMATCH,
                         "only the provider revokes an agreement");
    return STATUS_OK;
}

static int
s_order (rules_t *self, statement_t *statement, rules_verdict_t *verdict)
{
    order_t order;
    s_set_parties (verdict, statement_author (statement), "");
    if (registry_order_decode (statement_payload (statement),
                               statement_payload_size (statement), &order))
        return s_refuse (verdict, STATUS_MALFORMED,
                         "not a valid order (provider, item, purpose and legal basis)");
    s_set_parties (verdict, statement_author (statement), order.provider);
    //  An order to oneself would be answered by oneself, and each answer
    //  frees a place of the bound on open orders: without end
    if (streq (order.provider, statement_author (statement)))
        return s_refuse (verdict, STATUS_SENDER_MISMATCH,
                         "a department does not order from itself");
    //  The provider is a peer like any other: a department with a valid
    //  certificate, never a broker, nor one revoked or expired
    int status = truststore_check (self->trust, order.provider, zclock_time () / 1000,
                                   NULL);
    if (status == STATUS_CERT_UNKNOWN)
        return s_refuse (verdict, STATUS_UNKNOWN_DEPARTMENT, "no such department");
    if (status != STATUS_OK)
        return s_refuse (verdict, status, "the provider %s %s", order.provider,
                         status == STATUS_CERT_REVOKED? "is revoked":
                         status == STATUS_CERT_EXPIRED? "has no certificate valid now":
                         "is not a department");
    return STATUS_OK;
}

static int
s_answer (rules_t *self, statement_t *statement, rules_verdict_t *verdict)
{
    statement_t *held = ledger_get (self->ledger, STATEMENT_ORDER, statement_key (statement));
    order_t order;
    int status = STATUS_OK;
    if (!held || registry_order_decode (statement_payload (held),
                                        statement_payload_size (held), &order))
        status = s_refuse (verdict, STATUS_UNKNOWN_ITEM, "no such order is registered");
    else {
        s_set_parties (verdict, statement_author (held), order.provider);
        order_answer_t answer;
        if (!streq (statement_author (statement), order.provider))
            status = s_refuse (verdict, STATUS_SENDER_MISMATCH,
                               "only the provider answers an order");
        else
        if (registry_answer_decode (statement_payload (statement),
                                    statement_payload_size (statement), &answer))
            status = s_refuse (verdict, STATUS_MALFORMED,
                               "not a valid answer (a refusal states its legal basis)");
    }
    statement_destroy (&held);
    return status;
}

static const struct {
    const char *kind;
    s_kind_fn *judge;
} s_kinds [] = {
    { STATEMENT_CATALOG,    s_catalog },
    { STATEMENT_AGREEMENT,  s_agreement },
    { STATEMENT_REVOCATION, s_revocation },
    { STATEMENT_ORDER,      s_order },
    { STATEMENT_ANSWER,     s_answer },
};
#define S_KINDS (sizeof (s_kinds) / sizeof (s_kinds [0]))


//  --------------------------------------------------------------------------
//  Continuity with the statement held (step 5)

static int
s_continuity (rules_t *self, statement_t *statement, rules_verdict_t *verdict,
              char **error)
{
    const char *kind = statement_kind (statement);
    statement_t *held = ledger_get (self->ledger, kind, statement_key (statement));
    int status = STATUS_OK;
    if (streq (kind, STATEMENT_ANSWER) && held)
        status = s_refuse (verdict, STATUS_STALE, "the order is already answered");
    else
    if (held && streq (kind, STATEMENT_AGREEMENT)) {
        agreement_t *before = s_agreement_of (held);
        if (!before || !streq (agreement_provider (before), verdict->party_a)
        ||  !streq (agreement_consumer (before), verdict->party_b))
            status = s_refuse (verdict, STATUS_SENDER_MISMATCH,
                               "this agreement id belongs to other departments");
        agreement_destroy (&before);
    }
    else
    if (held && !streq (statement_author (held), statement_author (statement)))
        status = s_refuse (verdict, STATUS_SENDER_MISMATCH,
                           "this id belongs to a statement of another department");
    else
    if (held && streq (kind, STATEMENT_ORDER) && !s_ordered_from (held, verdict->party_b))
        //  Else the first provider would hold an order it can never answer
        status = s_refuse (verdict, STATUS_SENDER_MISMATCH,
                           "this order was filed with another provider, and keeps it");
    if (status == STATUS_OK && streq (kind, STATEMENT_ORDER)
    &&  s_holds (self, STATEMENT_ANSWER, statement_key (statement)))
        status = s_refuse (verdict, STATUS_STALE,
                           "the order is already answered, and stays as it was");
    if (status == STATUS_OK && held
    &&  statement_version (statement) < statement_version (held)) {
        status = s_refuse (verdict, STATUS_STALE,
                           "version %" PRIu64 " is not above version %" PRIu64
                           ", which is registered", statement_version (statement),
                           statement_version (held));
        verdict->older = true;
    }
    else
    if (status == STATUS_OK && held
    &&  statement_version (statement) == statement_version (held)) {
        status = s_refuse (verdict, STATUS_STALE, "version %" PRIu64 " is registered "
                           "already", statement_version (held));
        verdict->older = statement_payload_size (statement) != statement_payload_size (held)
                      || memcmp (statement_payload (statement), statement_payload (held),
                                 statement_payload_size (held));
    }
    //  A new order counts against its author's bound (step 6)
    if (status == STATUS_OK && !held && streq (kind, STATEMENT_ORDER)) {
        int64_t open = ledger_open_orders (self->ledger, statement_author (statement),
                                           error);
        if (open < 0)
            status = s_refuse (verdict, STATUS_INTERNAL, "the registry cannot count orders");
        else
        if ((size_t) open >= self->order_limit)
            status = s_refuse (verdict, STATUS_LIMIT_REACHED,
                               "%s has %" PRId64 " open orders, the most one department "
                               "may have (order-limit %zu)", statement_author (statement),
                               open, self->order_limit);
    }
    statement_destroy (&held);
    return status;
}


//  --------------------------------------------------------------------------
//  All the steps

static int
s_statement_signed_by (const uint8_t *sign_public, void *statement)
{
    return statement_verify ((statement_t *) statement, sign_public);
}

int
rules_verify (rules_t *self, statement_t *statement)
{
    assert (self && statement);
    return truststore_verify_by (self->trust, statement_author (statement),
                                 zclock_time () / 1000, s_statement_signed_by,
                                 statement, NULL);
}

int
rules_admit (rules_t *self, statement_t *statement, rules_verdict_t *verdict,
             char **error)
{
    assert (self && statement && verdict);
    memset (verdict, 0, sizeof (*verdict));
    int64_t now = zclock_time ();
    if (statement_issued (statement) > now + RULES_SKEW_MS)
        return s_refuse (verdict, STATUS_STALE, "the statement is issued in the future");
    //  An author numbers its own statements (an agreement's both parties):
    //  a version far ahead of every clock would win over anything it makes
    //  later, and freeze the key for good
    uint64_t bound = (uint64_t) (now + RULES_SKEW_MS);
    if (statement_version (statement) > bound)
        return s_refuse (verdict, STATUS_VERSION_AHEAD, "version %" PRIu64 " is ahead of "
                         "the clock: above %" PRIu64 ", this registry's time in ms plus %d s",
                         statement_version (statement), bound, RULES_SKEW_MS / 1000);
    int status = rules_verify (self, statement);
    if (status == STATUS_BAD_SIGNATURE)
        return s_refuse (verdict, status, "the statement's signature does not verify");
    if (status != STATUS_OK)
        return s_refuse (verdict, status, "the author has no valid certificate here");
    size_t index;
    for (index = 0; index < S_KINDS; index++)
        if (streq (s_kinds [index].kind, statement_kind (statement)))
            break;
    assert (index < S_KINDS);           //  statement_decode knows the kinds
    status = s_kinds [index].judge (self, statement, verdict);
    if (status == STATUS_OK && self->department
    &&  !streq (verdict->party_a, self->department)
    &&  !streq (verdict->party_b, self->department))
        status = s_refuse (verdict, STATUS_SENDER_MISMATCH,
                           "the statement does not concern %s", self->department);
    if (status == STATUS_OK)
        status = s_continuity (self, statement, verdict, error);
    if (status == STATUS_OK) {
        status = ledger_put (self->ledger, statement, verdict->party_a, verdict->party_b,
                             error);
        s_refuse (verdict, status, "%s", status == STATUS_OK? "registered":
                  status == STATUS_STALE? "a statement of this version or a newer one "
                  "is registered": "the registry cannot store it");
    }
    return status;
}


//  --------------------------------------------------------------------------
//  The revocation list kept

#define S_CRL_VALUE "crl"

crl_t *
rules_kept_crl (rules_t *self, char **error)
{
    assert (self);
    char *text = ledger_value (self->ledger, S_CRL_VALUE);
    char *problem = NULL;
    crl_t *crl = text? crl_decode (text, strlen (text), &problem): NULL;
    if (text && !crl)
        status_set_error (error, "the revocation list kept in the ledger does not"
                          " decode: %s", problem);
    zstr_free (&problem);
    zstr_free (&text);
    return crl;
}

int
rules_keep_crl (rules_t *self, crl_t *crl, char **error)
{
    assert (self && crl);
    //  A kept list that does not decode is no floor: the verified one
    //  replaces it (rules_kept_crl says so to whoever loads it)
    crl_t *kept = rules_kept_crl (self, NULL);
    bool newer = !kept || crl_version (crl) > crl_version (kept);
    crl_destroy (&kept);
    if (!newer)
        return 0;
    char *text = crl_encode (crl);
    if (!text) {
        status_set_error (error, "cannot encode revocation list version %" PRIu64,
                          crl_version (crl));
        return -1;
    }
    int rc = ledger_set_value (self->ledger, S_CRL_VALUE, text, error);
    zstr_free (&text);
    return rc;
}


//  --------------------------------------------------------------------------
//  Self-test

typedef struct {
    authority_t *authority;
    truststore_t *trust;
    cert_t *msa, *tax, *fda;
    ledger_t *ledger;
    rules_t *rules;
    char *path;
    int64_t now;                //  once, so that an agreement made twice has
                                //  the same bytes whenever a second ticks
} s_test_t;

static cert_t *
s_test_cert (s_test_t *test, const char *department)
{
    int64_t now = zclock_time () / 1000;
    cert_t *cert = cert_new (department, department, "department", 3, 1,
                             now - 60, now + 86400, NULL);
    assert (cert);
    cert_sign_by (cert, test->authority);
    cert_t *copy = cert_dup (cert);
    assert (truststore_add (test->trust, &copy) == STATUS_OK);
    return cert;
}

static statement_t *
s_test_statement (const char *kind, cert_t *author, const char *key, uint64_t version,
                  const void *payload, size_t size)
{
    statement_t *statement = statement_new (kind, cert_department (author), key,
                                            version, (const uint8_t *) payload, size);
    assert (statement);
    statement_sign (statement, cert_sign_secret (author));
    return statement;
}

//  An agreement MSA -> TAX of `fields` at `version`, signed by both, in a
//  statement by `author`.
static statement_t *
s_test_agreement (s_test_t *test, const char *id, uint64_t version, const char *fields,
                  cert_t *author)
{
    agreement_t *agreement = agreement_new (id, "SH-PD-MSA", "SH-PD-TAX", "licences",
                                            fields, "audit", "a legal basis",
                                            test->now - 60, test->now + 86400, 10, "*",
                                            NULL);
    assert (agreement);
    assert (agreement_set_version (agreement, version) == 0);
    assert (agreement_sign (agreement, test->msa) == 0);
    assert (agreement_sign (agreement, test->tax) == 0);
    char *text = agreementtext_encode (agreement);
    statement_t *statement = s_test_statement (STATEMENT_AGREEMENT, author, id, version,
                                               text, strlen (text));
    zstr_free (&text);
    agreement_destroy (&agreement);
    return statement;
}

static statement_t *
s_test_order (cert_t *consumer, const char *key, uint64_t version, const char *provider)
{
    order_t order;
    memset (&order, 0, sizeof (order));
    snprintf (order.provider, sizeof (order.provider), "%s", provider);
    strcpy (order.item, "licences");
    strcpy (order.purpose, "audit");
    strcpy (order.legal_basis, "a legal basis");
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_order_encode (&order, &buffer);
    statement_t *statement = s_test_statement (STATEMENT_ORDER, consumer, key, version,
                                               buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return statement;
}

static statement_t *
s_test_answer (cert_t *provider, const char *key, uint64_t version)
{
    order_answer_t answer = { "refused", "not shared", "" };
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_answer_encode (&answer, &buffer);
    statement_t *statement = s_test_statement (STATEMENT_ANSWER, provider, key, version,
                                               buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return statement;
}

//  Admits and destroys a statement; the status
static int
s_try (s_test_t *test, statement_t *statement, rules_verdict_t *verdict)
{
    char *error = NULL;
    int status = rules_admit (test->rules, statement, verdict, &error);
    //  Only a failing disk has a cause for the log
    assert ((status == STATUS_INTERNAL) == (error != NULL));
    zstr_free (&error);
    statement_destroy (&statement);
    return status;
}

static void
s_test_open (s_test_t *test, const char *name)
{
    test->path = zsys_sprintf ("/tmp/sluice-rules-%d-%s.db", getpid (), name);
    char *error = NULL;
    test->ledger = ledger_new (test->path, &error);
    assert (test->ledger);
    test->rules = rules_new (test->ledger, test->trust);
}

static void
s_test_close (s_test_t *test)
{
    rules_destroy (&test->rules);
    ledger_destroy (&test->ledger);
    const char *suffixes [] = { "", "-wal", "-shm" };
    for (size_t index = 0; index < 3; index++) {
        char *file = zsys_sprintf ("%s%s", test->path, suffixes [index]);
        zsys_file_delete (file);
        zstr_free (&file);
    }
    zstr_free (&test->path);
}

void
rules_test (bool verbose)
{
    if (verbose)
        printf (" * rules: ");
    s_test_t test;
    memset (&test, 0, sizeof (test));
    test.now = zclock_time () / 1000;
    test.authority = authority_new ("Test authority", NULL);
    test.trust = truststore_new (authority_public (test.authority));
    test.msa = s_test_cert (&test, "SH-PD-MSA");
    test.tax = s_test_cert (&test, "SH-PD-TAX");
    test.fda = s_test_cert (&test, "SH-PD-FDA");
    //  Providers no order may name: revoked, expired, a broker
    {
        int64_t now = zclock_time () / 1000;
        cert_t *gone = s_test_cert (&test, "SH-PD-GONE");
        cert_t *expired = cert_new ("SH-PD-OLD", "old", "department", 3, 1,
                                    now - 86400, now - 60, NULL);
        cert_t *broker = cert_new ("BROKER", "broker", CERT_ROLE_BROKER, 0, 1,
                                   now - 60, now + 86400, NULL);
        assert (expired && broker);
        cert_sign_by (expired, test.authority);
        cert_sign_by (broker, test.authority);
        assert (truststore_add (test.trust, &expired) == STATUS_OK);
        assert (truststore_add (test.trust, &broker) == STATUS_OK);
        crl_t *crl = crl_new (1, NULL);
        assert (crl_add (crl, "SH-PD-GONE", 0, now, "left", NULL) == 0);
        crl_sign_by (crl, test.authority);
        assert (truststore_set_crl (test.trust, &crl) == STATUS_OK);
        cert_destroy (&gone);
    }
    rules_verdict_t verdict;

    //  As a broker: any department's statements
    s_test_open (&test, "broker");
    //  The reported attack: v1 wide, then v2 narrow, both signed by both;
    //  the consumer registers v1 again, with a fresh statement
    assert (s_try (&test, s_test_agreement (&test, "AGR-1", 1, "kind,licence_no", test.tax),
                   &verdict) == STATUS_OK);
    assert (streq (verdict.party_a, "SH-PD-MSA") && streq (verdict.party_b, "SH-PD-TAX"));
    assert (s_try (&test, s_test_agreement (&test, "AGR-1", 2, "licence_no", test.msa),
                   &verdict) == STATUS_OK);
    assert (s_try (&test, s_test_agreement (&test, "AGR-1", 1, "kind,licence_no", test.tax),
                   &verdict) == STATUS_STALE);
    assert (strstr (verdict.reason, "version 1 is not above version 2"));
    assert (verdict.older);
    //  The same version again, even newly signed: stale too (a copy)
    assert (s_try (&test, s_test_agreement (&test, "AGR-1", 2, "licence_no", test.tax),
                   &verdict) == STATUS_STALE);
    assert (strstr (verdict.reason, "version 2 is registered already") && !verdict.older);
    //  The same version with other terms: stale, and not a mere copy
    assert (s_try (&test, s_test_agreement (&test, "AGR-1", 2, "kind", test.tax),
                   &verdict) == STATUS_STALE);
    assert (verdict.older);
    statement_t *held = ledger_get (test.ledger, STATEMENT_AGREEMENT, "AGR-1");
    assert (held && statement_version (held) == 2);
    statement_destroy (&held);
    //  A statement whose version is not its agreement's
    statement_t *statement = s_test_agreement (&test, "AGR-1", 3, "licence_no", test.tax);
    const uint8_t *payload = statement_payload (statement);
    statement_t *mismatch = s_test_statement (STATEMENT_AGREEMENT, test.tax, "AGR-1", 9,
                                              payload, statement_payload_size (statement));
    assert (s_try (&test, mismatch, &verdict) == STATUS_MALFORMED);
    assert (strstr (verdict.reason, "not the agreement's"));
    statement_destroy (&statement);
    //  Only parties register; only the provider revokes
    assert (s_try (&test, s_test_agreement (&test, "AGR-2", 1, "kind", test.fda),
                   &verdict) == STATUS_SENDER_MISMATCH);
    const char *reason = "closed";
    assert (s_try (&test, s_test_statement (STATEMENT_REVOCATION, test.tax, "AGR-1", 1,
                                            reason, strlen (reason)), &verdict)
            == STATUS_SENDER_MISMATCH);
    assert (s_try (&test, s_test_statement (STATEMENT_REVOCATION, test.msa, "AGR-9", 1,
                                            reason, strlen (reason)), &verdict)
            == STATUS_NO_AGREEMENT);
    assert (s_try (&test, s_test_statement (STATEMENT_REVOCATION, test.msa, "AGR-1", 1,
                                            reason, strlen (reason)), &verdict)
            == STATUS_OK);
    //  A revocation is final: no new version of the agreement
    assert (s_try (&test, s_test_agreement (&test, "AGR-1", 3, "licence_no", test.msa),
                   &verdict) == STATUS_STALE);
    assert (strstr (verdict.reason, "revoked"));
    //  Catalogs: by their own department, newer versions replace
    assert (s_try (&test, s_test_statement (STATEMENT_CATALOG, test.fda, "SH-PD-MSA", 1,
                                            "\x80", 1), &verdict) == STATUS_SENDER_MISMATCH);
    assert (s_try (&test, s_test_statement (STATEMENT_CATALOG, test.fda, "SH-PD-FDA", 5,
                                            "\x80", 1), &verdict) == STATUS_OK);
    assert (s_try (&test, s_test_statement (STATEMENT_CATALOG, test.fda, "SH-PD-FDA", 4,
                                            "\x80", 1), &verdict) == STATUS_STALE);
    //  Not in the future, and signed by its author
    statement = s_test_statement (STATEMENT_CATALOG, test.fda, "SH-PD-FDA", 6, "\x80", 1);
    statement_set_issued (statement, zclock_time () + RULES_SKEW_MS + 60000);
    statement_sign (statement, cert_sign_secret (test.fda));
    assert (s_try (&test, statement, &verdict) == STATUS_STALE);
    statement = s_test_statement (STATEMENT_CATALOG, test.fda, "SH-PD-FDA", 6, "\x80", 1);
    statement_sign (statement, cert_sign_secret (test.tax));
    assert (s_try (&test, statement, &verdict) == STATUS_BAD_SIGNATURE);
    //  A version ahead of the clock (beyond the skew) would freeze the key:
    //  refused, of every kind an author numbers; up to the skew is taken,
    //  and a later statement numbered by the clock still replaces nothing
    //  below it
    uint64_t ahead = (uint64_t) (zclock_time () + RULES_SKEW_MS + 60000);
    uint64_t within = (uint64_t) (zclock_time () + RULES_SKEW_MS - 60000);
    assert (s_try (&test, s_test_statement (STATEMENT_CATALOG, test.fda, "SH-PD-FDA",
                                            STATEMENT_VERSION_MAX, "\x80", 1), &verdict)
            == STATUS_VERSION_AHEAD);
    assert (strstr (verdict.reason, "ahead of the clock"));
    assert (s_try (&test, s_test_statement (STATEMENT_CATALOG, test.fda, "SH-PD-FDA",
                                            ahead, "\x80", 1), &verdict)
            == STATUS_VERSION_AHEAD);
    assert (s_try (&test, s_test_order (test.tax, "ORD-AHEAD", STATEMENT_VERSION_MAX,
                                        "SH-PD-MSA"), &verdict) == STATUS_VERSION_AHEAD);
    assert (s_try (&test, s_test_statement (STATEMENT_REVOCATION, test.msa, "AGR-1", ahead,
                                            "", 0), &verdict) == STATUS_VERSION_AHEAD);
    assert (s_try (&test, s_test_statement (STATEMENT_CATALOG, test.fda, "SH-PD-FDA",
                                            within, "\x80", 1), &verdict) == STATUS_OK);
    assert (!s_holds (test.rules, STATEMENT_ORDER, "ORD-AHEAD"));
    //  Orders, in turn: an id is its author's; an answer only by the
    //  provider, final; an answered order stays as it was. Then the bound
    //  on open orders, three here: a new version of an open order takes no
    //  new place, another consumer has its own bound, an answer frees one.
    //  An order keeps its provider, and none is filed with its own author
    struct {
        bool answer;            //  an answer by `author`, else an order
        cert_t *author;
        const char *key;
        uint64_t version;
        const char *provider;   //  of an order
        int status;
    } steps [] = {
        { false, test.tax, "ORD-1", 1, "SH-PD-MSA", STATUS_OK },
        { false, test.fda, "ORD-1", 2, "SH-PD-MSA", STATUS_SENDER_MISMATCH },
        { false, test.tax, "ORD-2", 1, "SH-PD-NONE", STATUS_UNKNOWN_DEPARTMENT },
        { false, test.tax, "ORD-1", 2, "SH-PD-MSA", STATUS_OK },
        { true,  test.fda, "ORD-1", 1, NULL, STATUS_SENDER_MISMATCH },
        { true,  test.msa, "ORD-9", 1, NULL, STATUS_UNKNOWN_ITEM },
        { true,  test.msa, "ORD-1", 1, NULL, STATUS_OK },
        { true,  test.msa, "ORD-1", 2, NULL, STATUS_STALE },
        { false, test.tax, "ORD-1", 3, "SH-PD-MSA", STATUS_STALE },
        { false, test.tax, "ORD-2", 1, "SH-PD-MSA", STATUS_OK },     //  the bound: 3
        { false, test.tax, "ORD-3", 1, "SH-PD-FDA", STATUS_OK },
        { false, test.tax, "ORD-4", 1, "SH-PD-MSA", STATUS_OK },
        { false, test.tax, "ORD-5", 1, "SH-PD-MSA", STATUS_LIMIT_REACHED },
        { false, test.tax, "ORD-4", 2, "SH-PD-MSA", STATUS_OK },
        { false, test.fda, "ORD-F1", 1, "SH-PD-MSA", STATUS_OK },
        { true,  test.msa, "ORD-2", 1, NULL, STATUS_OK },
        { false, test.tax, "ORD-5", 1, "SH-PD-MSA", STATUS_OK },
        //  The provider is checked as every peer is
        { false, test.fda, "ORD-F2", 1, "SH-PD-GONE", STATUS_CERT_REVOKED },
        { false, test.fda, "ORD-F3", 1, "SH-PD-OLD", STATUS_CERT_EXPIRED },
        { false, test.fda, "ORD-F4", 1, "BROKER", STATUS_CERT_ROLE },
        { false, test.tax, "ORD-4", 3, "SH-PD-FDA", STATUS_SENDER_MISMATCH },
        { false, test.tax, "ORD-4", 3, "SH-PD-MSA", STATUS_OK },
        { false, test.tax, "ORD-6", 1, "SH-PD-TAX", STATUS_SENDER_MISMATCH },
        { true,  test.tax, "ORD-6", 1, NULL, STATUS_UNKNOWN_ITEM },
    };
    for (size_t index = 0; index < sizeof (steps) / sizeof (steps [0]); index++) {
        if (index == 9)
            rules_set_order_limit (test.rules, 3);
        statement = steps [index].answer?
            s_test_answer (steps [index].author, steps [index].key, steps [index].version):
            s_test_order (steps [index].author, steps [index].key, steps [index].version,
                          steps [index].provider);
        int status = s_try (&test, statement, &verdict);
        if (verbose && status != steps [index].status)
            printf ("step %zu: %s (%s)\n", index, status_name (status), verdict.reason);
        assert (status == steps [index].status);
        if (steps [index].answer && status == STATUS_OK && index == 6)
            assert (streq (verdict.party_a, "SH-PD-TAX")
                 && streq (verdict.party_b, "SH-PD-MSA"));
        if (status == STATUS_LIMIT_REACHED)
            assert (strstr (verdict.reason, "3 open orders")
                 && strstr (verdict.reason, "order-limit 3"));
        if (status == STATUS_CERT_ROLE)
            assert (streq (verdict.reason, "the provider BROKER is not a department"));
        if (status == STATUS_SENDER_MISMATCH && streq (steps [index].key, "ORD-4"))
            assert (strstr (verdict.reason, "another provider"));
        if (status == STATUS_SENDER_MISMATCH && streq (steps [index].key, "ORD-6"))
            assert (strstr (verdict.reason, "from itself"));
    }
    s_test_close (&test);

    //  As MSA's gateway: only what concerns MSA; the same rules
    s_test_open (&test, "gateway");
    rules_set_department (test.rules, "SH-PD-MSA");
    assert (s_try (&test, s_test_order (test.tax, "ORD-7", 1, "SH-PD-FDA"), &verdict)
            == STATUS_SENDER_MISMATCH);
    assert (s_try (&test, s_test_agreement (&test, "AGR-1", 2, "licence_no", test.msa),
                   &verdict) == STATUS_OK);
    assert (s_try (&test, s_test_agreement (&test, "AGR-1", 1, "kind,licence_no", test.tax),
                   &verdict) == STATUS_STALE);
    assert (s_try (&test, s_test_order (test.tax, "ORD-8", 1, "SH-PD-MSA"), &verdict)
            == STATUS_OK);
    //  A department renewed with new keys: what its old key signed still
    //  verifies while the superseded certificate is valid; a key that was
    //  never certified does not
    {
        int64_t now = zclock_time () / 1000;
        cert_t *renewed = cert_new ("SH-PD-TAX", "SH-PD-TAX", "department", 3, 2,
                                    now - 60, now + 86400, NULL);
        cert_sign_by (renewed, test.authority);
        assert (truststore_add (test.trust, &renewed) == STATUS_OK);
        assert (s_try (&test, s_test_order (test.tax, "ORD-8", 2, "SH-PD-MSA"), &verdict)
                == STATUS_OK);
        cert_t *stranger = cert_new ("SH-PD-TAX", "SH-PD-TAX", "department", 3, 3,
                                     now - 60, now + 86400, NULL);
        statement = s_test_order (stranger, "ORD-8", 3, "SH-PD-MSA");
        assert (s_try (&test, statement, &verdict) == STATUS_BAD_SIGNATURE);
        cert_destroy (&stranger);
    }

    //  The revocation list kept: only a newer one replaces it
    assert (rules_kept_crl (test.rules, NULL) == NULL);
    crl_t *crl = crl_new (2, NULL);
    assert (crl_add (crl, "SH-PD-FDA", 0, zclock_time () / 1000, "left", NULL) == 0);
    crl_sign_by (crl, test.authority);
    assert (rules_keep_crl (test.rules, crl, NULL) == 0);
    crl_t *older = crl_new (1, NULL);
    crl_sign_by (older, test.authority);
    assert (rules_keep_crl (test.rules, older, NULL) == 0);
    crl_t *kept = rules_kept_crl (test.rules, NULL);
    assert (kept && crl_version (kept) == 2 && crl_size (kept) == 1);
    assert (crl_verify (kept, authority_public (test.authority)) == 0);
    crl_destroy (&kept);
    //  A disk that refuses says why, and keeps what it had
    {
        sqlite3 *blocker = NULL;
        assert (sqlite3_open (test.path, &blocker) == SQLITE_OK);
        assert (sqlite3_exec (blocker, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
        crl_t *newer = crl_next (crl);
        crl_sign_by (newer, test.authority);
        char *error = NULL;
        assert (rules_keep_crl (test.rules, newer, &error) == -1);
        assert (error && strstr (error, "ledger: cannot store 'crl'"));
        zstr_free (&error);
        assert (sqlite3_exec (blocker, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close (blocker);
        kept = rules_kept_crl (test.rules, NULL);
        assert (kept && crl_version (kept) == 2);
        crl_destroy (&kept);
        crl_destroy (&newer);
    }
    //  A kept list that does not decode is said when loaded, and replaced
    assert (ledger_set_value (test.ledger, "crl", "not a list", NULL) == 0);
    char *problem = NULL;
    assert (rules_kept_crl (test.rules, &problem) == NULL);
    assert (problem && strstr (problem, "does not decode"));
    zstr_free (&problem);
    assert (rules_keep_crl (test.rules, older, &problem) == 0 && !problem);
    kept = rules_kept_crl (test.rules, NULL);
    assert (kept && crl_version (kept) == 1);
    crl_destroy (&kept);
    crl_destroy (&older);
    crl_destroy (&crl);
    s_test_close (&test);

    cert_destroy (&test.msa);
    cert_destroy (&test.tax);
    cert_destroy (&test.fda);
    truststore_destroy (&test.trust);
    authority_destroy (&test.authority);
    if (verbose)
        printf ("OK\n");
}
