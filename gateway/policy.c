/*  policy.c -- the provider gateway's authorization decision.

    The agreements in force are held by agreements.h, by id and by
    (consumer, item), so a decision is one lookup and a walk over the few
    agreements of that pair, with no allocation. The counts of each
    agreement are the quota's (quota.h), kept by id, and so is each id's
    version floor: an agreement below it, or of the same version with other
    bytes, is refused, whatever its source, so neither an older file nor a
    broker nor a restart brings an older version back. The rules themselves
    are grant.h's.
*/

#include "policy.h"
#include "agreements.h"
#include "grant.h"
#include "quota.h"
#include "agreementtext.h"
#include "conf.h"
#include "file.h"
#include "status.h"
#include "ident.h"
#include <czmq.h>
#include <string.h>

struct _policy_t {
    char *department;           //  the provider: us
    truststore_t *trust;        //  borrowed
    quota_t *quota;             //  the agreements' counts and version floors
    agreements_t *held;         //  the agreements in force
    int level;                  //  log level, see policy_set_level
};

//  Passes the store's message up as the policy's ("policy: ..."); -1.
static int
s_store_failed (char **error, char **why_p)
{
    status_set_error (error, "policy: %s", *why_p? *why_p: "?");
    zstr_free (why_p);
    return -1;
}

void
policy_request_init (policy_request_t *request, item_t *item, cert_t *consumer)
{
    assert (request && item && consumer);
    memset (request, 0, sizeof (*request));
    request->item = item;
    request->item_name = item_name (item);
    request->share = item_share (item);
    request->legal_basis = item_legal_basis (item);
    request->key_type = item_key_type (item);
    request->field_count = item_field_count (item);
    for (size_t index = 0; index < request->field_count; index++)
        request->fields [index] = item_field (item, index);
    request->all_fields = item_all_fields (item);
    request->consumer = consumer;
    request->consumer_id = cert_department (consumer);
    request->clearance = cert_clearance (consumer);
}


//  --------------------------------------------------------------------------
//  Constructor and destructor

policy_t *
policy_new (const char *department, truststore_t *trust,
            const char *state_db_path, char **error)
{
    assert (trust);
    assert (state_db_path);
    if (error)
        *error = NULL;
    const char *reason = NULL;
    if (!department
    ||  !ident_validate (IDENT_DEPARTMENT, department, NULL, 0, &reason)) {
        status_set_error (error, "policy: '%s' is not a department id: %s",
                          department? department: "(null)",
                          reason? reason: "missing");
        return NULL;
    }
    char *why = NULL;
    quota_t *quota = quota_new (state_db_path, &why);
    if (!quota) {
        s_store_failed (error, &why);
        return NULL;
    }
    policy_t *self = (policy_t *) zmalloc (sizeof (policy_t));
    assert (self);
    self->department = strdup (department);
    assert (self->department);
    self->trust = trust;
    self->quota = quota;
    self->level = 2;
    self->held = agreements_new ();
    assert (self->held);
    return self;
}

void
policy_destroy (policy_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        policy_t *self = *self_p;
        char *error = NULL;
        if (policy_flush (self, &error)) {
            zsys_error ("%s", error);
            zstr_free (&error);
        }
        quota_destroy (&self->quota);
        agreements_destroy (&self->held);
        free (self->department);
        free (self);
        *self_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Quota counts

//  The count of one agreement for the rules (grant_count_fn); the policy is
//  the one to tell the operator when the store fails
typedef struct {
    policy_t *policy;
    agreement_t *agreement;
} s_counting_t;

static int
s_count (void *argument, int64_t day, uint32_t *used)
{
    s_counting_t *counting = (s_counting_t *) argument;
    char *why = NULL;
    if (quota_used (counting->policy->quota, agreement_id (counting->agreement), day,
                    used, &why)) {
        zsys_error ("policy: %s", why);
        zstr_free (&why);
        return -1;
    }
    return 0;
}

int
policy_flush (policy_t *self, char **error)
{
    assert (self);
    char *why = NULL;
    if (quota_flush (self->quota, &why))
        return s_store_failed (error, &why);
    return 0;
}


//  --------------------------------------------------------------------------
//  Adding and removing agreements

//  Keeps a verified agreement, replacing the one of its id (whose count,
//  kept by id, carries over: the same agreement, amended)
static void
s_keep (policy_t *self, agreement_t *agreement)
{
    bool replaced = agreements_put (self->held, agreement);
    SLUICE_INFO (self->level, "policy: agreement '%s' version %" PRIu64 " %s: %s may "
                 "read '%s'", agreement_id (agreement), agreement_version (agreement),
                 replaced? "replaced": "added", agreement_consumer (agreement),
                 agreement_item (agreement));
}

int
policy_add (policy_t *self, agreement_t **agreement_p, char **error)
{
    assert (self);
    assert (agreement_p && *agreement_p);
    agreement_t *agreement = *agreement_p;
    *agreement_p = NULL;
    int64_t now = (int64_t) time (NULL);
    int status = STATUS_OK;
    if (!streq (agreement_provider (agreement), self->department)) {
        status_set_error (error, "policy: agreement '%s' refused: its provider is %s, "
                          "not this department (%s)", agreement_id (agreement),
                          agreement_provider (agreement), self->department);
        status = STATUS_NO_AGREEMENT;
    }
    if (status == STATUS_OK) {
        status = agreement_verify (agreement, self->trust, now);
        if (status != STATUS_OK)
            status_set_error (error, "policy: agreement '%s' refused: %s (%s)",
                              agreement_id (agreement), status_name (status),
                              status_text (status));
    }
    char *why = NULL;
    if (status == STATUS_OK
    && (status = quota_admit (self->quota, agreement, &why)) != STATUS_OK) {
        status_set_error (error, "policy: %s", why);
        zstr_free (&why);
    }
    if (status != STATUS_OK) {
        agreement_destroy (&agreement);
        return status;
    }
    if (!agreement_valid_at (agreement, now)
    &&  now >= agreement_valid_until (agreement))
        SLUICE_INFO (self->level, "policy: agreement '%s' has expired; requests under it "
                   "will be refused", agreement_id (agreement));
    s_keep (self, agreement);
    return STATUS_OK;
}

int
policy_add_dir (policy_t *self, const char *dir, char **error)
{
    assert (self);
    assert (dir);
    zlistx_t *names = file_names (dir, ".agreement");
    if (!names) {
        status_set_error (error, "policy: cannot read directory %s", dir);
        return -1;
    }
    int accepted = 0;
    for (char *name = (char *) zlistx_first (names); name;
         name = (char *) zlistx_next (names)) {
        char *path = zsys_sprintf ("%s/%s", dir, name);
        assert (path);
        char *refusal = NULL;
        agreement_t *agreement = agreementtext_load (path, &refusal);
        int status = STATUS_OK;
        if (!agreement) {
            zsys_warning ("policy: %s", refusal);
            zstr_free (&refusal);
        }
        else
        if (streq (agreement_consumer (agreement), self->department))
            agreement_destroy (&agreement);     //  our copy as consumer: the
                                                //  provider enforces it
        else
        if ((status = policy_add (self, &agreement, &refusal)) == STATUS_OK)
            accepted++;
        else {
            //  One bad file is the operator's to hear of, not the end of the others
            if (status == STATUS_INTERNAL)
                zsys_error ("%s", refusal);
            else
                zsys_warning ("%s", refusal);
            zsys_warning ("policy: %s refused", path);
        }
        zstr_free (&refusal);
        zstr_free (&path);
    }
    zlistx_destroy (&names);
    return accepted;
}

int
policy_remove (policy_t *self, const char *agreement_id)
{
    assert (self);
    agreement_t *agreement = agreements_get (self->held, agreement_id);
    if (!agreement)
        return -1;
    //  The caller's id may be the agreement's own string, freed below
    char id [AGREEMENT_ID_MAX + 1];
    snprintf (id, sizeof (id), "%s", agreement_id);
    //  The count stays in the store for the supervision figures; if it
    //  cannot be written the revocation stands all the same
    char *why = NULL;
    if (quota_forget (self->quota, id, &why)) {
        zsys_error ("policy: %s", why);
        zstr_free (&why);
    }
    agreements_remove (self->held, id);
    SLUICE_INFO (self->level, "policy: agreement '%s' revoked", id);
    return 0;
}

agreement_t *
policy_agreement (policy_t *self, const char *agreement_id)
{
    assert (self);
    return agreements_get (self->held, agreement_id);
}

void
policy_set_level (policy_t *self, int level)
{
    assert (self);
    self->level = level;
}

agreement_t *
policy_first (policy_t *self)
{
    assert (self);
    return agreements_first (self->held);
}

agreement_t *
policy_next (policy_t *self)
{
    assert (self);
    return agreements_next (self->held);
}

size_t
policy_size (policy_t *self)
{
    assert (self);
    return agreements_size (self->held);
}


//  --------------------------------------------------------------------------
//  The decision

void
policy_decide (policy_t *self, const policy_request_t *request,
               policy_decision_t *decision)
{
    assert (self);
    assert (request && request->item && request->consumer);
    assert (decision);
    grant_reset (decision);
    if (grant_item (request, decision))
        return;
    //  Conditional: the first agreement (by id) that grants decides; if none
    //  does, the refusal of the one that came closest
    agreement_t *agreement = agreements_first_of (self->held, request->consumer_id,
                                                  request->item_name);
    if (!agreement) {
        grant_no_agreement (request, decision);
        return;
    }
    policy_decision_t trial;
    grant_stage_t best = GRANT_NONE;
    for (; agreement; agreement = agreements_next_of (self->held)) {
        s_counting_t counting = { self, agreement };
        grant_stage_t stage = grant_agreement (agreement, request, self->trust,
                                               s_count, &counting, &trial);
        if (stage > best) {
            best = stage;
            *decision = trial;
        }
        if (stage == GRANT_GRANTED)
            break;
    }
    //  The count of the day grant_agreement asked for
    if (best == GRANT_GRANTED)
        quota_count (self->quota, decision->agreement_id);
}


//  Self-test

#define S_DAY   INT64_C(86400)

static item_t *
s_test_item (const char *text)
{
    zconfig_t *root = zconfig_str_load (text);
    assert (root);
    char *error = NULL;
    item_t *item = item_new_from_config (zconfig_child (root), &error);
    if (!item)
        printf ("item refused: %s\n", error);
    assert (item);
    zconfig_destroy (&root);
    return item;
}

static agreement_t *
s_test_agreement (const char *id, const char *provider, const char *consumer,
                  const char *item, const char *fields, const char *purposes,
                  int64_t from, int64_t until, uint32_t quota,
                  const char *roles, cert_t *signer1, cert_t *signer2)
{
    agreement_t *agreement = agreement_new (
        id, provider, consumer, item, fields, purposes,
        "《优化营商环境条例》第三十七条", from, until, quota, roles, NULL);
    assert (agreement);
    if (signer1)
        assert (agreement_sign (agreement, signer1) == 0);
    if (signer2)
        assert (agreement_sign (agreement, signer2) == 0);
    return agreement;
}

//  The agreement at `version`, signed again by both
static void
s_test_version (agreement_t *agreement, uint64_t version, cert_t *signer1,
                cert_t *signer2)
{
    assert (agreement_set_version (agreement, version) == 0);
    assert (agreement_sign (agreement, signer1) == 0);
    assert (agreement_sign (agreement, signer2) == 0);
}

//  Asks and checks the status and the rule
static void
s_expect (policy_t *policy, cert_t *consumer, item_t *item, uint64_t requested,
          const char *officer, const char *role, const char *purpose,
          int64_t now, int status, const char *rule,
          policy_decision_t *decision, bool verbose)
{
    policy_request_t request;
    policy_request_init (&request, item, consumer);
    request.requested = requested;
    request.officer = officer;
    request.role = role;
    request.purpose = purpose;
    request.now = now;
    policy_decide (policy, &request, decision);
    if (verbose)
        printf ("    %s %s: %s [%s]\n", cert_department (consumer),
                item_name (item), status_name (decision->status),
                decision->reason);
    if (decision->status != status || !streq (decision->rule, rule)) {
        printf ("expected %s '%s', got %s '%s' (%s)\n", status_name (status),
                rule, status_name (decision->status), decision->rule,
                decision->reason);
        assert (false);
    }
    if (status != STATUS_OK)
        assert (decision->granted == 0);
}

void
policy_test (bool verbose)
{
    if (verbose)
        printf (" * policy:\n");

    int64_t now = (int64_t) time (NULL);
    //  Test times are whole days apart from midnight, so the day of each
    //  decision is known
    int64_t today = grant_utc_day (now) * S_DAY + 12 * 3600;
    char *dir = zsys_sprintf ("/tmp/sluice-policy-test-%d", getpid ());
    assert (dir);
    zsys_dir_create ("%s", dir);
    char *db_path = zsys_sprintf ("%s/state.db", dir);
    char *error = NULL;

    //  Federation: the provider (market supervision), a consumer with
    //  clearance 2 (tax), another department, and one the store never saw;
    //  valid from 20 days back, since an agreement's signers are checked
    //  at each decision's time, and the tests decide up to 11 days back
    authority_t *authority = authority_new ("Test authority", NULL);
    assert (authority);
    cert_t *msa = cert_new ("SH-PD-MSA", "Market supervision", "department",
                            5, 1, now - 20 * S_DAY, now + 365 * S_DAY, NULL);
    cert_t *tax = cert_new ("SH-PD-TAX", "Tax bureau", "department",
                            2, 1, now - 20 * S_DAY, now + 365 * S_DAY, NULL);
    cert_t *other = cert_new ("SH-PD-HR", "Human resources", "department",
                              5, 1, now - 20 * S_DAY, now + 365 * S_DAY, NULL);
    cert_t *stranger = cert_new ("SH-PD-X", "Unknown", "department",
                                 5, 1, now - 20 * S_DAY, now + 365 * S_DAY, NULL);
    assert (msa && tax && other && stranger);
    cert_sign_by (msa, authority);
    cert_sign_by (tax, authority);
    cert_sign_by (other, authority);
    cert_sign_by (stranger, authority);
    truststore_t *trust = truststore_new (authority_public (authority));
    assert (trust);
    cert_t *copy = cert_dup (msa);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    copy = cert_dup (tax);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    copy = cert_dup (other);
    assert (truststore_add (trust, &copy) == STATUS_OK);

    //  Items: conditional, open and closed
    item_t *basic = s_test_item (
        "item = \"enterprise-basic\"\n"
        "    title = \"企业登记基本信息\"\n"
        "    key-type = \"uscc\"\n"
        "    share = \"conditional\"\n"
        "    sql = \"SELECT name, address, status, capital, legal-person-id, "
                      "registered-on FROM e WHERE uscc = :key\"\n"
        "    field = \"name\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 1\n"
        "    field = \"address\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 1\n"
        "    field = \"status\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 0\n"
        "    field = \"capital\"\n"
        "        type = \"real\"\n"
        "        sensitivity = 3\n"
        "    field = \"legal-person-id\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 4\n"
        "    field = \"registered-on\"\n"
        "        type = \"date\"\n"
        "        sensitivity = 0\n");
    item_t *open = s_test_item (
        "item = \"enterprise-public\"\n"
        "    title = \"企业公示信息\"\n"
        "    key-type = \"uscc\"\n"
        "    share = \"open\"\n"
        "    sql = \"SELECT name, penalties FROM e WHERE uscc = :key\"\n"
        "    field = \"name\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 0\n"
        "    field = \"penalties\"\n"
        "        type = \"text\"\n"
        "        sensitivity = 3\n");
    item_t *closed = s_test_item (
        "item = \"enterprise-secret\"\n"
        "    title = \"涉密信息\"\n"
        "    key-type = \"uscc\"\n"
        "    share = \"closed\"\n"
        "    legal-basis = \"《中华人民共和国保守国家秘密法》第九条\"\n");
    const uint64_t NAME = 1, ADDRESS = 2, STATUS = 4, CAPITAL = 8,
                   PERSON_ID = 16, REGISTERED = 32;

    //  Bad construction
    assert (!policy_new ("msa", trust, db_path, &error));
    assert (error && strstr (error, "department"));
    zstr_free (&error);
    char *bad_path = zsys_sprintf ("%s/no/such/dir/state.db", dir);
    assert (!policy_new ("SH-PD-MSA", trust, bad_path, &error));
    assert (error);
    zstr_free (&error);
    zstr_free (&bad_path);

    policy_t *policy = policy_new ("SH-PD-MSA", trust, db_path, &error);
    assert (policy);
    assert (error == NULL);
    assert (policy_size (policy) == 0);

    //  The main agreement: tax may read four fields, 3 requests a day
    agreement_t *main_agreement = s_test_agreement (
        "AGR-1", "SH-PD-MSA", "SH-PD-TAX", "enterprise-basic",
        "name,address,status,capital", "tax-registration,credit-check",
        today - 10 * S_DAY, today + 10 * S_DAY, 3, "inspector,auditor",
        msa, tax);
    char *main_text = agreementtext_encode (main_agreement);
    agreement_t *agreement = agreement_dup (main_agreement);
    assert (policy_add (policy, &agreement, NULL) == STATUS_OK);
    assert (agreement == NULL);
    assert (policy_size (policy) == 1);
    assert (policy_agreement (policy, "AGR-1"));
    assert (!policy_agreement (policy, "AGR-2"));

    //  Refused agreements
    agreement = s_test_agreement ("AGR-R1", "SH-PD-MSA", "SH-PD-TAX",
                                  "enterprise-basic", "name", "audit",
                                  today - S_DAY, today + S_DAY, 5, "*",
                                  tax, NULL);     //  consumer only
    assert (policy_add (policy, &agreement, NULL) == STATUS_BAD_SIGNATURE);
    assert (agreement == NULL);
    agreement = s_test_agreement ("AGR-R2", "SH-PD-MSA", "SH-PD-TAX",
                                  "enterprise-basic", "name", "audit",
                                  today - S_DAY, today + S_DAY, 5, "*",
                                  msa, NULL);     //  provider only
    assert (policy_add (policy, &agreement, NULL) == STATUS_BAD_SIGNATURE);
    agreement = s_test_agreement ("AGR-R3", "SH-PD-HR", "SH-PD-TAX",
                                  "enterprise-basic", "name", "audit",
                                  today - S_DAY, today + S_DAY, 5, "*",
                                  other, tax);    //  another provider's
    assert (policy_add (policy, &agreement, NULL) == STATUS_NO_AGREEMENT);
    agreement = s_test_agreement ("AGR-R4", "SH-PD-MSA", "SH-PD-X",
                                  "enterprise-basic", "name", "audit",
                                  today - S_DAY, today + S_DAY, 5, "*",
                                  msa, stranger); //  consumer not certified
    assert (policy_add (policy, &agreement, NULL) == STATUS_CERT_UNKNOWN);
    //  Tampered after signing: a field added to the text
    char *forged_text = zsys_sprintf ("%s", main_text);
    char *at = strstr (forged_text, "name,status");
    assert (at);
    char *tampered = zsys_sprintf ("%.*slegal-person-id,%s",
                                   (int) (at - forged_text), forged_text, at);
    agreement = agreementtext_decode (tampered, strlen (tampered), NULL);
    assert (agreement);
    assert (agreement_grants_field (agreement, "legal-person-id"));
    assert (policy_add (policy, &agreement, NULL) == STATUS_BAD_SIGNATURE);
    assert (policy_size (policy) == 1);
    assert (!policy_agreement (policy, "AGR-R1"));

    policy_decision_t decision;
    const char *officer = "wang.li";
    const char *purpose = "tax-registration";

    //  Officer and purpose first, for every share class
    s_expect (policy, tax, basic, 0, "", "inspector", purpose, today,
              STATUS_PURPOSE_REQUIRED, "officer and purpose are required",
              &decision, verbose);
    assert (strstr (decision.reason, "names no officer"));
    s_expect (policy, tax, open, 0, officer, "inspector", NULL, today,
              STATUS_PURPOSE_REQUIRED, "officer and purpose are required",
              &decision, verbose);
    s_expect (policy, tax, closed, 0, NULL, NULL, "", today,
              STATUS_PURPOSE_REQUIRED, "officer and purpose are required",
              &decision, verbose);
    //  Closed: never, with the legal basis
    s_expect (policy, tax, closed, 0, officer, "inspector", purpose, today,
              STATUS_ITEM_CLOSED, "item is closed", &decision, verbose);
    assert (strstr (decision.reason, "保守国家秘密法"));
    //  A field bit the item does not have
    s_expect (policy, tax, basic, UINT64_C(1) << 40, officer, "inspector",
              purpose, today, STATUS_UNKNOWN_FIELD, "field not in item",
              &decision, verbose);

    //  Open: any member, within clearance
    s_expect (policy, stranger, open, 0, officer, "clerk", "statistics",
              today, STATUS_OK, "open item", &decision, verbose);
    assert (decision.granted == 3);
    assert (decision.agreement_id == NULL);
    s_expect (policy, tax, open, 0, officer, "", "statistics", today,
              STATUS_OK, "open item", &decision, verbose);
    assert (decision.granted == 1);             //  penalties dropped
    s_expect (policy, tax, open, 2, officer, "clerk", "statistics", today,
              STATUS_CLEARANCE, "field above consumer clearance",
              &decision, verbose);
    assert (streq (decision.field, "penalties"));
    assert (strstr (decision.reason, "sensitivity 3 above consumer clearance 2"));

    //  Conditional, rule by rule
    s_expect (policy, other, basic, 0, officer, "inspector", purpose, today,
              STATUS_NO_AGREEMENT, "no agreement for consumer and item",
              &decision, verbose);
    s_expect (policy, tax, basic, 0, officer, "inspector", "marketing", today,
              STATUS_PURPOSE_NOT_AGREED, "purpose not agreed",
              &decision, verbose);
    assert (streq (decision.agreement_id, "AGR-1"));
    //  The consumer is told what its own agreement allows
    assert (streq (decision.reason, "purpose 'marketing' not agreed in 'AGR-1', "
                   "which allows: credit-check, tax-registration"));
    //  A purpose in Chinese comes back as it was sent
    s_expect (policy, tax, basic, 0, officer, "inspector", "税务登记", today,
              STATUS_PURPOSE_NOT_AGREED, "purpose not agreed",
              &decision, verbose);
    assert (strstr (decision.reason, "purpose '税务登记' not agreed"));
    s_expect (policy, tax, basic, 0, officer, "clerk", purpose, today,
              STATUS_ROLE_NOT_AGREED, "officer role not agreed",
              &decision, verbose);
    assert (streq (decision.reason, "officer role 'clerk' not agreed in 'AGR-1', "
                   "which allows: auditor, inspector"));
    s_expect (policy, tax, basic, 0, officer, NULL, purpose, today,
              STATUS_ROLE_NOT_AGREED, "officer role not agreed",
              &decision, verbose);
    assert (streq (decision.reason, "the request names no officer role; 'AGR-1' "
                   "allows: auditor, inspector"));
    s_expect (policy, tax, basic, NAME | PERSON_ID, officer, "inspector",
              purpose, today, STATUS_FIELD_NOT_AGREED, "field not agreed",
              &decision, verbose);
    assert (streq (decision.field, "legal-person-id"));
    assert (streq (decision.reason, "field 'legal-person-id' not agreed in 'AGR-1', "
                   "which grants: address, capital, name, status"));
    //  Agreed, but above the consumer's clearance: never granted
    s_expect (policy, tax, basic, NAME | CAPITAL, officer, "inspector",
              purpose, today, STATUS_CLEARANCE,
              "field above consumer clearance", &decision, verbose);
    assert (streq (decision.field, "capital"));
    s_expect (policy, tax, basic, CAPITAL, officer, "inspector",
              purpose, today + 5 * S_DAY, STATUS_CLEARANCE,
              "field above consumer clearance", &decision, verbose);
    //  Expiry and not yet valid
    s_expect (policy, tax, basic, 0, officer, "inspector", purpose,
              today - 10 * S_DAY - 1, STATUS_AGREEMENT_EXPIRED,
              "agreement not yet valid", &decision, verbose);
    s_expect (policy, tax, basic, 0, officer, "inspector", purpose,
              today + 10 * S_DAY, STATUS_AGREEMENT_EXPIRED,
              "agreement expired", &decision, verbose);
    assert (strstr (decision.reason, "agreement 'AGR-1' expired at 20"));
    //  "All": the agreed fields within clearance (capital dropped)
    s_expect (policy, tax, basic, 0, officer, "inspector", purpose, today,
              STATUS_OK, "granted under agreement", &decision, verbose);
    assert (decision.granted == (NAME | ADDRESS | STATUS));
    assert (streq (decision.agreement_id, "AGR-1"));
    //  Quota: 3 a day, refusals above did not count
    s_expect (policy, tax, basic, NAME, officer, "auditor", "credit-check",
              today, STATUS_OK, "granted under agreement", &decision, verbose);
    assert (decision.granted == NAME);
    s_expect (policy, tax, basic, STATUS | ADDRESS, officer, "inspector",
              purpose, today + 3600, STATUS_OK, "granted under agreement",
              &decision, verbose);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 3600, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);
    assert (strstr (decision.reason, "agreement 'AGR-1' allows 3 requests a UTC day"));
    //  A later day has a fresh quota
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 10 * S_DAY - 12 * 3600 - 1, STATUS_OK,
              "granted under agreement", &decision, verbose);
    //  Back to today: still used up (read back from the database)
    assert (policy_flush (policy, NULL) == 0);
    assert (policy_flush (policy, NULL) == 0);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);

    //  A second agreement for the same pair: the one that grants decides
    agreement = s_test_agreement (
        "AGR-2", "SH-PD-MSA", "SH-PD-TAX", "enterprise-basic",
        "name,registered-on", "statistics,tax-registration",
        today - S_DAY, today + S_DAY, 2, "*", tax, msa);
    assert (policy_add (policy, &agreement, NULL) == STATUS_OK);
    assert (policy_size (policy) == 2);
    s_expect (policy, tax, basic, REGISTERED, officer, "clerk", "statistics",
              today, STATUS_OK, "granted under agreement", &decision, verbose);
    assert (streq (decision.agreement_id, "AGR-2"));
    //  AGR-1 is used up today: AGR-2 grants the name
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today, STATUS_OK, "granted under agreement", &decision, verbose);
    assert (streq (decision.agreement_id, "AGR-2"));
    //  Now both are used up
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);
    //  No agreement grants both: the closest refusal is reported
    s_expect (policy, tax, basic, ADDRESS | REGISTERED, officer, "inspector",
              purpose, today + S_DAY / 2, STATUS_FIELD_NOT_AGREED,
              "field not agreed", &decision, verbose);

    //  Replacing AGR-1 (same id, larger quota) keeps today's count; only a
    //  higher version replaces it
    agreement = s_test_agreement (
        "AGR-1", "SH-PD-MSA", "SH-PD-TAX", "enterprise-basic",
        "name,address,status,capital", "tax-registration,credit-check",
        today - 10 * S_DAY, today + 10 * S_DAY, 4, "inspector,auditor",
        msa, tax);
    agreement_t *second = agreement_dup (agreement);
    assert (policy_add (policy, &agreement, &error) == STATUS_STALE);  //  version 1 again
    assert (error && streq (error, "policy: agreement 'AGR-1' version 1 refused: version 1 "
                            "with other terms has been in force here, and an agreement "
                            "never goes back"));
    zstr_free (&error);
    assert (agreement_daily_quota (policy_agreement (policy, "AGR-1")) == 3);
    s_test_version (second, 2, msa, tax);
    agreement = agreement_dup (second);
    assert (policy_add (policy, &agreement, NULL) == STATUS_OK);
    assert (policy_size (policy) == 2);
    assert (agreement_daily_quota (policy_agreement (policy, "AGR-1")) == 4);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today, STATUS_OK, "granted under agreement", &decision, verbose);
    assert (streq (decision.agreement_id, "AGR-1"));
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);

    //  Revocation
    assert (policy_remove (policy,
            agreement_id (policy_agreement (policy, "AGR-2"))) == 0);
    assert (policy_remove (policy, "AGR-2") == -1);
    assert (policy_remove (policy, NULL) == -1);
    assert (policy_size (policy) == 1);
    s_expect (policy, tax, basic, REGISTERED, officer, "clerk", "statistics",
              today, STATUS_PURPOSE_NOT_AGREED, "purpose not agreed",
              &decision, verbose);
    //  An expired agreement is accepted, and refuses with AGREEMENT_EXPIRED
    agreement = s_test_agreement (
        "AGR-OLD", "SH-PD-MSA", "SH-PD-HR", "enterprise-basic", "name",
        "hiring", today - 100 * S_DAY, today - 50 * S_DAY, 10, "*",
        msa, other);
    assert (policy_add (policy, &agreement, NULL) == STATUS_OK);
    s_expect (policy, other, basic, NAME, officer, "hr", "hiring", today,
              STATUS_AGREEMENT_EXPIRED, "agreement expired",
              &decision, verbose);
    //  What an agreement allows is listed as far as the reason has room
    {
        char purposes [32 * 66] = "";
        for (int index = 0; index < 32; index++) {
            char name [66];
            snprintf (name, sizeof (name), "%s%02d-%s", index? ",": "", index,
                      "purpose-with-a-long-name-to-fill-the-reason-of-a-refusal-x");
            strcat (purposes, name);
        }
        agreement = s_test_agreement (
            "AGR-WIDE", "SH-PD-MSA", "SH-PD-HR", "enterprise-basic", "name",
            purposes, today - S_DAY, today + S_DAY, 10, "*", msa, other);
        assert (agreement);
        assert (policy_add (policy, &agreement, NULL) == STATUS_OK);
        s_expect (policy, other, basic, NAME, officer, "hr", "hiring", today,
                  STATUS_PURPOSE_NOT_AGREED, "purpose not agreed",
                  &decision, verbose);
        size_t length = strlen (decision.reason);
        assert (length < POLICY_REASON_MAX);
        assert (length > POLICY_REASON_MAX - 80);
        assert (streq (decision.reason + length - 5, ", ..."));
        assert (strstr (decision.reason, "which allows: 00-purpose"));
    }
    policy_destroy (&policy);
    policy_destroy (&policy);
    assert (policy == NULL);

    //  Restart: quota counts survive, agreements come from a directory
    char *agreements = zsys_sprintf ("%s/agreements", dir);
    zsys_dir_create ("%s", agreements);
    char *path_good = zsys_sprintf ("%s/10-main.agreement", agreements);
    char *path_older = zsys_sprintf ("%s/05-older.agreement", agreements);
    assert (agreementtext_save (second, path_good, false, NULL) == 0);
    assert (agreementtext_save (main_agreement, path_older, false, NULL) == 0);
    //  A forged one, junk, and an agreement in a file of another name
    const char *files [][2] = {
        { "20-forged.agreement", tampered },
        { "30-junk.agreement", "agreement\n    id = \"X\"\n\x01\x02" },
        { "notes.txt", main_text }
    };
    for (size_t index = 0; index < 3; index++) {
        char *path = zsys_sprintf ("%s/%s", agreements, files [index][0]);
        FILE *file = fopen (path, "w");
        assert (file);
        fputs (files [index][1], file);
        fclose (file);
        zstr_free (&path);
    }

    policy = policy_new ("SH-PD-MSA", trust, db_path, NULL);
    assert (policy);
    assert (policy_add_dir (policy, agreements, NULL) == 1);
    assert (policy_size (policy) == 1);
    char *missing = zsys_sprintf ("%s/missing", dir);
    assert (policy_add_dir (policy, missing, &error) == -1);
    assert (error && strstr (error, "policy: cannot read directory") && strstr (error, missing));
    zstr_free (&error);
    zstr_free (&missing);
    //  The older file of AGR-1 (version 1) stays out: version 2 was in
    //  force before the restart
    assert (agreement_version (policy_agreement (policy, "AGR-1")) == 2);
    //  The file's AGR-1 has quota 4, and today's 4 were used before
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 60, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);
    //  The day before expiry had one request, so three remain
    int64_t last_day = today + 10 * S_DAY - 12 * 3600 - 1;
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              last_day, STATUS_OK, "granted under agreement", &decision,
              verbose);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              last_day, STATUS_OK, "granted under agreement", &decision,
              verbose);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              last_day, STATUS_OK, "granted under agreement", &decision,
              verbose);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              last_day, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);
    //  ... and a day nobody used is fresh
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 2 * S_DAY, STATUS_OK, "granted under agreement",
              &decision, verbose);
    policy_destroy (&policy);

    //  Counts written at destroy are there after the next start too
    policy = policy_new ("SH-PD-MSA", trust, db_path, NULL);
    assert (policy);
    agreement = agreement_dup (main_agreement);
    assert (policy_add (policy, &agreement, NULL) == STATUS_STALE);  //  the floor holds
    assert (policy_size (policy) == 0);
    agreement = agreement_dup (second);
    assert (policy_add (policy, &agreement, NULL) == STATUS_OK);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              last_day, STATUS_QUOTA_EXCEEDED, "daily quota used up",
              &decision, verbose);
    //  A version 2 with other terms than the one in force is refused; a
    //  version 3 replaces it, and the floor moves to 3
    agreement = agreement_dup (main_agreement);
    s_test_version (agreement, 2, msa, tax);
    assert (policy_add (policy, &agreement, NULL) == STATUS_STALE);
    agreement = agreement_dup (main_agreement);
    s_test_version (agreement, 3, tax, msa);
    assert (policy_add (policy, &agreement, NULL) == STATUS_OK);
    assert (agreement_version (policy_agreement (policy, "AGR-1")) == 3);
    agreement = agreement_dup (second);
    assert (policy_add (policy, &agreement, NULL) == STATUS_STALE);
    assert (agreement_version (policy_agreement (policy, "AGR-1")) == 3);
    //  The consumer renews; then the certificate that signed version 3 is
    //  revoked: the agreement held grants no more, at once, with no new
    //  policy_add (NO_AGREEMENT, as after a restart, which refuses it)
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 3 * S_DAY, STATUS_OK, "granted under agreement",
              &decision, verbose);
    cert_t *renewed = cert_new ("SH-PD-TAX", "Tax bureau", "department",
                                2, 2, now - 20 * S_DAY, now + 365 * S_DAY, NULL);
    assert (renewed && cert_sign_by (renewed, authority) == 0);
    copy = cert_dup (renewed);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 3 * S_DAY, STATUS_OK, "granted under agreement",
              &decision, verbose);
    crl_t *crl = crl_new (1, NULL);
    assert (crl && crl_add (crl, "SH-PD-TAX", 1, now, "renewed", NULL) == 0);
    assert (crl_sign_by (crl, authority) == 0);
    assert (truststore_set_crl (trust, &crl) == STATUS_OK);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 3 * S_DAY, STATUS_NO_AGREEMENT, "agreement signer no longer valid",
              &decision, verbose);
    assert (streq (decision.agreement_id, "AGR-1"));
    assert (strstr (decision.reason, "signed by SH-PD-TAX with certificate serial 1, "
                    "which is revoked"));
    //  Signed again by the new key: in force again
    agreement = agreement_dup (policy_agreement (policy, "AGR-1"));
    assert (agreement_sign (agreement, renewed) == 0);
    assert (policy_add (policy, &agreement, NULL) == STATUS_OK);
    s_expect (policy, tax, basic, NAME, officer, "inspector", purpose,
              today + 3 * S_DAY, STATUS_OK, "granted under agreement",
              &decision, verbose);
    cert_destroy (&renewed);
    policy_destroy (&policy);

    char *command = zsys_sprintf ("rm -rf %s", dir);
    assert (command && system (command) == 0);
    zstr_free (&command);
    zstr_free (&path_good);
    zstr_free (&path_older);
    zstr_free (&agreements);
    agreement_destroy (&second);
    zstr_free (&tampered);
    zstr_free (&forged_text);
    zstr_free (&main_text);
    zstr_free (&db_path);
    zstr_free (&dir);
    agreement_destroy (&main_agreement);
    item_destroy (&basic);
    item_destroy (&open);
    item_destroy (&closed);
    truststore_destroy (&trust);
    cert_destroy (&msa);
    cert_destroy (&tax);
    cert_destroy (&other);
    cert_destroy (&stranger);
    authority_destroy (&authority);

    if (verbose)
        printf ("   OK\n");
}
