/*  grant.c -- the authorization rules, in the order they apply.

    Each rule that refuses names itself (decision->rule, stable text for
    logs and tests) and says why with its particulars (decision->reason).
    A reason quotes the request's own texts as they came and is cut, when
    long, at a whole UTF-8 character.
*/

#include "grant.h"
#include "certfile.h"
#include "status.h"
#include <stdarg.h>

#define S_SECONDS_PER_DAY   86400

//  Cuts a string that snprintf truncated back to a whole UTF-8 character
static void
s_utf8_trim (char *text)
{
    size_t length = strlen (text);
    if (length == 0)
        return;
    size_t start = length - 1;
    while (start > 0 && ((uint8_t) text [start] & 0xC0) == 0x80)
        start--;
    uint8_t lead = (uint8_t) text [start];
    size_t need = lead < 0x80? 1: (lead & 0xE0) == 0xC0? 2:
                  (lead & 0xF0) == 0xE0? 3: 4;
    if (length - start < need)
        text [start] = 0;
}

static void
s_decide (policy_decision_t *decision, int status, const char *rule,
          const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

static void
s_decide (policy_decision_t *decision, int status, const char *rule,
          const char *format, ...)
{
    decision->status = status;
    decision->rule = rule;
    va_list args;
    va_start (args, format);
    vsnprintf (decision->reason, sizeof (decision->reason), format, args);
    va_end (args);
    s_utf8_trim (decision->reason);
}

//  Appends to the reason ", it allows: a, b" (or what `label` says) with
//  the agreement's names from `name`, as many as fit, then "..." for the
//  rest. Only the agreement's consumer reaches the rules that call this
//  (agreements are found by the authenticated requester), and it signed
//  the agreement: naming what the agreement allows reveals nothing it does
//  not hold (README "Authorization rules").
static void
s_reason_names (policy_decision_t *decision, const char *label,
                agreement_t *agreement, size_t (*count) (agreement_t *),
                const char *(*name) (agreement_t *, size_t))
{
    const char *more = ", ...";
    size_t used = strlen (decision->reason);
    size_t cap = sizeof (decision->reason);
    int written = snprintf (decision->reason + used, cap - used, "%s", label);
    if (written < 0 || (size_t) written >= cap - used)
        return;
    used += (size_t) written;
    size_t total = count (agreement);
    for (size_t index = 0; index < total; index++) {
        const char *text = name (agreement, index);
        size_t need = strlen (text) + (index? 2: 0);
        size_t reserve = index + 1 < total? strlen (more): 0;
        if (used + need + reserve >= cap) {
            snprintf (decision->reason + used, cap - used, "%s", index? more: "...");
            return;
        }
        used += (size_t) snprintf (decision->reason + used, cap - used, "%s%s",
                                   index? ", ": "", text);
    }
}

//  Grants `wanted`, except fields above the consumer's clearance: an
//  explicit request for one is refused, a request for "all" drops it.
//  Returns true and sets *granted, or false with the refusal decided.
static bool
s_within_clearance (const policy_request_t *request, uint64_t wanted,
                    policy_decision_t *decision, uint64_t *granted)
{
    uint64_t result = wanted;
    for (size_t index = 0; index < request->field_count; index++) {
        uint64_t bit = UINT64_C(1) << index;
        const field_t *field = request->fields [index];
        if (!(wanted & bit) || field->sensitivity <= request->clearance)
            continue;
        if (request->requested) {
            snprintf (decision->field, sizeof (decision->field), "%s", field->name);
            s_decide (decision, STATUS_CLEARANCE, "field above consumer clearance",
                      "field '%s' sensitivity %d above consumer clearance %d",
                      field->name, field->sensitivity, request->clearance);
            return false;
        }
        result &= ~bit;
    }
    if (result == 0) {
        s_decide (decision, STATUS_CLEARANCE, "no field within consumer clearance",
                  "no field of '%s' within consumer clearance %d",
                  request->item_name, request->clearance);
        return false;
    }
    *granted = result;
    return true;
}

int64_t
grant_utc_day (int64_t now)
{
    return now >= 0? now / S_SECONDS_PER_DAY
                   : -((-now + S_SECONDS_PER_DAY - 1) / S_SECONDS_PER_DAY);
}

void
grant_reset (policy_decision_t *decision)
{
    assert (decision);
    decision->status = STATUS_INTERNAL;
    decision->rule = "";
    decision->granted = 0;
    decision->agreement_id = NULL;
    decision->field [0] = 0;
    decision->reason [0] = 0;
}

bool
grant_item (const policy_request_t *request, policy_decision_t *decision)
{
    assert (request && decision);
    const char *officer = request->officer, *purpose = request->purpose;
    bool no_officer = !officer || !*officer, no_purpose = !purpose || !*purpose;
    if (no_officer || no_purpose) {
        s_decide (decision, STATUS_PURPOSE_REQUIRED, "officer and purpose are required",
                  "every request names its officer and purpose; this one names %s",
                  no_officer && no_purpose? "neither": no_officer? "no officer":
                  "no purpose");
        return true;
    }
    if (request->share == SHARE_CLOSED) {
        s_decide (decision, STATUS_ITEM_CLOSED, "item is closed",
                  "item is closed: %s", request->legal_basis);
        return true;
    }
    if (request->requested & ~request->all_fields) {
        s_decide (decision, STATUS_UNKNOWN_FIELD, "field not in item",
                  "a requested field is not in '%s'", request->item_name);
        return true;
    }
    if (request->share == SHARE_OPEN) {
        uint64_t wanted = request->requested? request->requested: request->all_fields;
        uint64_t granted;
        if (s_within_clearance (request, wanted, decision, &granted)) {
            decision->granted = granted;
            s_decide (decision, STATUS_OK, "open item",
                      "'%s' is open to every member", request->item_name);
        }
        return true;
    }
    if (request->share != SHARE_CONDITIONAL) {
        s_decide (decision, STATUS_INTERNAL, "unknown share class",
                  "'%s' has an unknown share class", request->item_name);
        return true;
    }
    return false;
}

void
grant_no_agreement (const policy_request_t *request, policy_decision_t *decision)
{
    assert (request && decision);
    s_decide (decision, STATUS_NO_AGREEMENT, "no agreement for consumer and item",
              "no agreement for %s to read '%s'", request->consumer_id,
              request->item_name);
}

//  The rules of validity, purpose and role: GRANT_NONE if they pass, else
//  the stage that refused, with the refusal decided
static grant_stage_t
s_terms (agreement_t *agreement, const policy_request_t *request,
         policy_decision_t *decision)
{
    const char *id = agreement_id (agreement);
    int64_t now = request->now;
    if (!agreement_valid_at (agreement, now)) {
        bool early = now < agreement_valid_from (agreement);
        char when [CERTFILE_TIME_SIZE];
        certfile_time_format (early? agreement_valid_from (agreement):
                                     agreement_valid_until (agreement), when);
        if (early)
            s_decide (decision, STATUS_AGREEMENT_EXPIRED, "agreement not yet valid",
                      "agreement '%s' is not valid before %s", id, when);
        else
            s_decide (decision, STATUS_AGREEMENT_EXPIRED, "agreement expired",
                      "agreement '%s' expired at %s", id, when);
        return GRANT_VALIDITY;
    }
    if (!agreement_allows_purpose (agreement, request->purpose)) {
        s_decide (decision, STATUS_PURPOSE_NOT_AGREED, "purpose not agreed",
                  "purpose '%s' not agreed in '%s'", request->purpose, id);
        s_reason_names (decision, ", which allows: ", agreement,
                        agreement_purpose_count, agreement_purpose);
        return GRANT_PURPOSE;
    }
    const char *role = request->role;
    if (!agreement_allows_role (agreement, role)) {
        if (role && *role)
            s_decide (decision, STATUS_ROLE_NOT_AGREED, "officer role not agreed",
                      "officer role '%s' not agreed in '%s'", role, id);
        else
            s_decide (decision, STATUS_ROLE_NOT_AGREED, "officer role not agreed",
                      "the request names no officer role; '%s' allows", id);
        s_reason_names (decision, role && *role? ", which allows: ": ": ", agreement,
                        agreement_role_count, agreement_role);
        return GRANT_ROLE;
    }
    return GRANT_NONE;
}

//  The rule of the fields: those asked for must be agreed, and "all" means
//  the agreed fields that the item has (names it no longer has grant
//  nothing). GRANT_NONE and *wanted set, or GRANT_FIELDS with the refusal.
static grant_stage_t
s_fields (agreement_t *agreement, const policy_request_t *request,
          policy_decision_t *decision, uint64_t *wanted)
{
    uint64_t agreed = 0;
    for (size_t index = 0; index < request->field_count; index++)
        if (agreement_grants_field (agreement, request->fields [index]->name))
            agreed |= UINT64_C(1) << index;
    uint64_t extra = request->requested & ~agreed;
    if (extra) {
        size_t index = 0;
        while (!(extra & (UINT64_C(1) << index)))
            index++;
        snprintf (decision->field, sizeof (decision->field), "%s",
                  request->fields [index]->name);
        s_decide (decision, STATUS_FIELD_NOT_AGREED, "field not agreed",
                  "field '%s' not agreed in '%s'", decision->field,
                  agreement_id (agreement));
        s_reason_names (decision, ", which grants: ", agreement,
                        agreement_field_count, agreement_field);
        return GRANT_FIELDS;
    }
    *wanted = request->requested? request->requested: agreed;
    if (*wanted == 0) {
        s_decide (decision, STATUS_FIELD_NOT_AGREED, "agreement grants no field of the item",
                  "agreement '%s' grants no field of '%s'", agreement_id (agreement),
                  request->item_name);
        return GRANT_FIELDS;
    }
    return GRANT_NONE;
}

//  The rule of the signers: the certificates whose keys signed the
//  agreement, as verified when it was put in force, are still valid and
//  not revoked now. GRANT_NONE, or GRANT_SIGNERS with the refusal.
static grant_stage_t
s_signers (agreement_t *agreement, const policy_request_t *request,
           truststore_t *trust, policy_decision_t *decision)
{
    bool provider = false;
    status_t status = agreement_check_signers (agreement, trust, request->now, &provider);
    if (status == STATUS_OK)
        return GRANT_NONE;
    s_decide (decision, STATUS_NO_AGREEMENT, "agreement signer no longer valid",
              "agreement '%s' was signed by %s with certificate serial %" PRIu64
              ", which is %s: it is no longer in force", agreement_id (agreement),
              provider? agreement_provider (agreement): agreement_consumer (agreement),
              provider? agreement_provider_signer (agreement):
                         agreement_consumer_signer (agreement),
              status == STATUS_CERT_REVOKED? "revoked":
              status == STATUS_CERT_EXPIRED? "not valid now":
              status == STATUS_BAD_SIGNATURE? "not verified": "not held here");
    return GRANT_SIGNERS;
}

grant_stage_t
grant_agreement (agreement_t *agreement, const policy_request_t *request,
                 truststore_t *trust, grant_count_fn *count, void *argument,
                 policy_decision_t *decision)
{
    assert (agreement && request && trust && count && decision);
    grant_reset (decision);
    decision->agreement_id = agreement_id (agreement);
    uint64_t wanted = 0, granted = 0;
    grant_stage_t stage = s_signers (agreement, request, trust, decision);
    if (stage == GRANT_NONE)
        stage = s_terms (agreement, request, decision);
    if (stage == GRANT_NONE)
        stage = s_fields (agreement, request, decision, &wanted);
    if (stage != GRANT_NONE)
        return stage;
    if (!s_within_clearance (request, wanted, decision, &granted))
        return GRANT_CLEARANCE;
    uint32_t used = 0;
    if (count (argument, grant_utc_day (request->now), &used)) {
        s_decide (decision, STATUS_INTERNAL, "quota state unavailable",
                  "quota state of '%s' unavailable", agreement_id (agreement));
        return GRANT_QUOTA;
    }
    uint32_t quota = agreement_daily_quota (agreement);
    if (used >= quota) {
        s_decide (decision, STATUS_QUOTA_EXCEEDED, "daily quota used up",
                  "quota used: agreement '%s' allows %u request%s a UTC day, "
                  "and today's are used", agreement_id (agreement), quota,
                  quota == 1? "": "s");
        return GRANT_QUOTA;
    }
    decision->granted = granted;
    s_decide (decision, STATUS_OK, "granted under agreement",
              "granted under agreement '%s'", agreement_id (agreement));
    return GRANT_GRANTED;
}


//  --------------------------------------------------------------------------
//  Self-test

typedef struct {
    int calls;                  //  how often the count was asked for
    bool fails;                 //  the count cannot be had
    uint32_t used;
} s_test_count_t;

static int
s_test_count (void *argument, int64_t day, uint32_t *used)
{
    s_test_count_t *counter = (s_test_count_t *) argument;
    counter->calls++;
    *used = counter->used;
    return counter->fails? -1: 0;
}

static item_t *
s_test_item_of (const char *text)
{
    zconfig_t *root = zconfig_str_load (text);
    assert (root);
    item_t *item = item_new_from_config (zconfig_child (root), NULL);
    assert (item);
    zconfig_destroy (&root);
    return item;
}

static item_t *
s_test_item (const char *share)
{
    char *text = zsys_sprintf (
        "item = \"enterprise-basic\"\n"
        "    title = \"t\"\n"
        "    key-type = \"uscc\"\n"
        "    share = \"%s\"\n"
        "    legal-basis = \"《保守国家秘密法》\"\n"
        "    sql = \"SELECT name, capital FROM e WHERE uscc = :key\"\n"
        "    field = \"name\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 1\n"
        "    field = \"capital\"\n"
        "        type = \"real\"\n"
        "        sensitivity = 3\n", share);
    item_t *item = s_test_item_of (text);
    zstr_free (&text);
    return item;
}

static void
s_test_request (policy_request_t *request, item_t *item, cert_t *consumer,
                int64_t now)
{
    policy_request_init (request, item, consumer);
    request->officer = "wang.li";
    request->role = "inspector";
    request->purpose = "tax-registration";
    request->now = now;
}

//  The item rules, each before the next
static void
s_test_item_rules (cert_t *consumer, int64_t now)
{
    item_t *open = s_test_item ("open");
    item_t *closed = s_test_item ("closed");
    item_t *conditional = s_test_item ("conditional");
    policy_request_t request;
    policy_decision_t decision;
    //  No officer, on a closed item asking for a field it has not
    s_test_request (&request, closed, consumer, now);
    request.officer = "";
    request.requested = UINT64_C(1) << 9;
    grant_reset (&decision);
    assert (grant_item (&request, &decision));
    assert (decision.status == STATUS_PURPOSE_REQUIRED);
    assert (strstr (decision.reason, "names no officer"));
    request.officer = "wang.li";
    assert (grant_item (&request, &decision) && decision.status == STATUS_ITEM_CLOSED);
    assert (strstr (decision.reason, "保守国家秘密法"));
    s_test_request (&request, open, consumer, now);
    request.requested = UINT64_C(1) << 9;
    assert (grant_item (&request, &decision) && decision.status == STATUS_UNKNOWN_FIELD);
    //  Open: within clearance 2, "all" drops capital, asking for it refuses
    request.requested = 0;
    grant_reset (&decision);
    assert (grant_item (&request, &decision) && decision.status == STATUS_OK);
    assert (decision.granted == 1 && streq (decision.rule, "open item"));
    request.requested = 2;
    grant_reset (&decision);
    assert (grant_item (&request, &decision) && decision.status == STATUS_CLEARANCE);
    assert (streq (decision.field, "capital") && decision.granted == 0);
    //  Conditional: for the agreements to decide
    s_test_request (&request, conditional, consumer, now);
    grant_reset (&decision);
    assert (!grant_item (&request, &decision));
    grant_no_agreement (&request, &decision);
    assert (decision.status == STATUS_NO_AGREEMENT);
    assert (streq (decision.reason, "no agreement for SH-PD-TAX to read 'enterprise-basic'"));
    item_destroy (&open);
    item_destroy (&closed);
    item_destroy (&conditional);
}

//  The federation of the rules' tests: the authority, the provider, the
//  consumer, and a trust store holding both
typedef struct {
    authority_t *authority;
    cert_t *provider, *consumer;
    truststore_t *trust;
} s_test_parties_t;

static cert_t *
s_test_cert (s_test_parties_t *parties, const char *department, int clearance,
             uint64_t serial, int64_t not_after)
{
    int64_t now = (int64_t) time (NULL);
    cert_t *cert = cert_new (department, department, "department", clearance, serial,
                             now - 86400, not_after, NULL);
    assert (cert && cert_sign_by (cert, parties->authority) == 0);
    cert_t *copy = cert_dup (cert);
    assert (truststore_add (parties->trust, &copy) == STATUS_OK);
    return cert;
}

//  A CRL of `version` revoking the department's certificate `serial`
static void
s_test_revoke (s_test_parties_t *parties, uint64_t version, const char *department,
               uint64_t serial)
{
    crl_t *crl = crl_new (version, NULL);
    assert (crl && crl_add (crl, department, serial, 0, "test", NULL) == 0);
    assert (crl_sign_by (crl, parties->authority) == 0);
    assert (truststore_set_crl (parties->trust, &crl) == STATUS_OK);
}

//  The rule of the signers: checked at each decision, whatever was
//  verified when the agreement was put in force
static void
s_test_signer_rules (s_test_parties_t *parties, int64_t now)
{
    item_t *item = s_test_item ("conditional");
    agreement_t *agreement = agreement_new ("AGR-S", "SH-PD-MSA", "SH-PD-TAX",
        "enterprise-basic", "name", "tax-registration", "basis",
        now - 86400, now + 86400 * 30, 5, "*", NULL);
    assert (agreement);
    assert (agreement_sign (agreement, parties->provider) == 0);
    assert (agreement_sign (agreement, parties->consumer) == 0);
    policy_request_t request;
    policy_decision_t decision;
    s_test_count_t counter = { 0, false, 0 };
    s_test_request (&request, item, parties->consumer, now);
    //  Never verified: no agreement
    assert (grant_agreement (agreement, &request, parties->trust, s_test_count, &counter,
                             &decision) == GRANT_SIGNERS);
    assert (decision.status == STATUS_NO_AGREEMENT);
    assert (agreement_verify (agreement, parties->trust, now) == STATUS_OK);
    assert (grant_agreement (agreement, &request, parties->trust, s_test_count, &counter,
                             &decision) == GRANT_GRANTED);
    //  The consumer renews (serial 2): what serial 1 signed still grants
    cert_t *renewed = s_test_cert (parties, "SH-PD-TAX", 2, 2, now + 86400 * 60);
    assert (grant_agreement (agreement, &request, parties->trust, s_test_count, &counter,
                             &decision) == GRANT_GRANTED);
    //  ... until serial 1 expires (the consumer's current certificate
    //  is valid all the while) ...
    request.now = now + 86400 * 20;
    assert (grant_agreement (agreement, &request, parties->trust, s_test_count, &counter,
                             &decision) == GRANT_SIGNERS);
    assert (decision.status == STATUS_NO_AGREEMENT);
    assert (streq (decision.rule, "agreement signer no longer valid"));
    assert (strstr (decision.reason, "signed by SH-PD-TAX with certificate serial 1, "
                    "which is not valid now"));
    //  ... or is revoked: refused at once, counted nothing
    request.now = now;
    s_test_revoke (parties, 1, "SH-PD-TAX", 1);
    assert (grant_agreement (agreement, &request, parties->trust, s_test_count, &counter,
                             &decision) == GRANT_SIGNERS);
    assert (decision.status == STATUS_NO_AGREEMENT && decision.granted == 0);
    assert (strstr (decision.reason, "serial 1, which is revoked"));
    assert (counter.calls == 2);
    //  Signed again by the new key, and verified: granted again
    assert (agreement_sign (agreement, renewed) == 0);
    assert (agreement_verify (agreement, parties->trust, now) == STATUS_OK);
    assert (agreement_consumer_signer (agreement) == 2);
    assert (grant_agreement (agreement, &request, parties->trust, s_test_count, &counter,
                             &decision) == GRANT_GRANTED);
    //  The provider's signer revoked: the provider is named
    s_test_revoke (parties, 2, "SH-PD-MSA", 1);
    assert (grant_agreement (agreement, &request, parties->trust, s_test_count, &counter,
                             &decision) == GRANT_SIGNERS);
    assert (strstr (decision.reason, "signed by SH-PD-MSA with certificate serial 1"));
    cert_destroy (&renewed);
    agreement_destroy (&agreement);
    item_destroy (&item);
}

//  An agreement's rules, each before the next; the count only when asked
static void
s_test_agreement_rules (s_test_parties_t *parties, int64_t now)
{
    cert_t *consumer = parties->consumer;
    truststore_t *trust = parties->trust;
    item_t *item = s_test_item ("conditional");
    agreement_t *agreement = agreement_new ("AGR-1", "SH-PD-MSA", "SH-PD-TAX",
        "enterprise-basic", "name,capital", "tax-registration", "basis",
        now - 86400, now + 86400, 2, "inspector", NULL);
    assert (agreement);
    assert (agreement_sign (agreement, parties->provider) == 0);
    assert (agreement_sign (agreement, consumer) == 0);
    assert (agreement_verify (agreement, trust, now) == STATUS_OK);
    policy_request_t request;
    policy_decision_t decision;
    s_test_count_t counter = { 0, false, 0 };
    //  Expired, and the purpose, role and field are wrong too: expiry first
    s_test_request (&request, item, consumer, now + 2 * 86400);
    request.purpose = "marketing";
    request.role = "clerk";
    request.requested = 2;
    assert (grant_agreement (agreement, &request, trust, s_test_count, &counter, &decision)
            == GRANT_VALIDITY);
    assert (decision.status == STATUS_AGREEMENT_EXPIRED);
    assert (streq (decision.agreement_id, "AGR-1"));
    request.now = now;
    assert (grant_agreement (agreement, &request, trust, s_test_count, &counter, &decision)
            == GRANT_PURPOSE);
    request.purpose = "tax-registration";
    assert (grant_agreement (agreement, &request, trust, s_test_count, &counter, &decision)
            == GRANT_ROLE);
    request.role = "inspector";
    assert (grant_agreement (agreement, &request, trust, s_test_count, &counter, &decision)
            == GRANT_CLEARANCE);
    assert (counter.calls == 0);
    //  "All": capital dropped; the count is read, and it decides
    request.requested = 0;
    assert (grant_agreement (agreement, &request, trust, s_test_count, &counter, &decision)
            == GRANT_GRANTED);
    assert (decision.granted == 1 && counter.calls == 1);
    counter.used = 2;
    assert (grant_agreement (agreement, &request, trust, s_test_count, &counter, &decision)
            == GRANT_QUOTA);
    assert (decision.status == STATUS_QUOTA_EXCEEDED && decision.granted == 0);
    assert (strstr (decision.reason, "allows 2 requests a UTC day"));
    //  A count that cannot be had refuses, saying only that
    counter.fails = true;
    assert (grant_agreement (agreement, &request, trust, s_test_count, &counter, &decision)
            == GRANT_QUOTA);
    assert (decision.status == STATUS_INTERNAL);
    assert (streq (decision.rule, "quota state unavailable"));
    assert (streq (decision.reason, "quota state of 'AGR-1' unavailable"));
    agreement_destroy (&agreement);
    item_destroy (&item);
}

//  A reason never splits a UTF-8 character
static void
s_test_long_reason (cert_t *consumer, int64_t now)
{
    char long_basis [POLICY_REASON_MAX * 2] = "";
    while (strlen (long_basis) + 3 < sizeof (long_basis))
        strcat (long_basis, "法");
    char *closed_text = zsys_sprintf (
        "item = \"long-closed\"\n"
        "    title = \"t\"\n"
        "    key-type = \"uscc\"\n"
        "    share = \"closed\"\n"
        "    legal-basis = \"%s\"\n", long_basis);
    item_t *long_closed = s_test_item_of (closed_text);
    policy_request_t request;
    policy_decision_t decision;
    s_test_request (&request, long_closed, consumer, now);
    grant_reset (&decision);
    assert (grant_item (&request, &decision));
    assert (decision.status == STATUS_ITEM_CLOSED && streq (decision.rule, "item is closed"));
    assert (strlen (decision.reason) < POLICY_REASON_MAX);
    assert (strlen (decision.reason) > POLICY_REASON_MAX - 4);
    assert ((strlen (decision.reason) - strlen ("item is closed: ")) % 3 == 0);
    item_destroy (&long_closed);
    zstr_free (&closed_text);
}

void
grant_test (bool verbose)
{
    if (verbose)
        printf (" * grant: ");
    int64_t now = (int64_t) time (NULL);
    s_test_parties_t parties;
    parties.authority = authority_new ("Test authority", NULL);
    assert (parties.authority);
    parties.trust = truststore_new (authority_public (parties.authority));
    assert (parties.trust);
    parties.provider = s_test_cert (&parties, "SH-PD-MSA", 3, 1, now + 86400 * 100);
    parties.consumer = s_test_cert (&parties, "SH-PD-TAX", 2, 1, now + 86400 * 10);
    cert_t *consumer = parties.consumer;
    s_test_item_rules (consumer, now);
    s_test_agreement_rules (&parties, now);
    s_test_signer_rules (&parties, now);
    s_test_long_reason (consumer, now);
    assert (grant_utc_day (0) == 0 && grant_utc_day (86399) == 0);
    assert (grant_utc_day (86400) == 1 && grant_utc_day (-1) == -1);
    assert (grant_utc_day (-86400) == -1 && grant_utc_day (-86401) == -2);
    truststore_destroy (&parties.trust);
    cert_destroy (&parties.provider);
    cert_destroy (&parties.consumer);
    authority_destroy (&parties.authority);
    if (verbose)
        printf ("OK\n");
}
