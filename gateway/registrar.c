/*  registrar.c -- a gateway's side of the federation's registry.  */

#include "registrar.h"
#include "rules.h"
#include "conf.h"
#include "ledger.h"
#include "agreement.h"
#include "agreementtext.h"
#include "codec.h"
#include "status.h"
#include "certfile.h"
#include "authority.h"
#include <sodium.h>
#include <sqlite3.h>

//  A round of the catch-up with one broker
typedef struct {
    char epoch [REGISTRY_EPOCH_MAX + 1];    //  where the round has got to
    uint64_t next;
    bool active;                //  a sync is out, the round's last page not in
    bool frozen;                //  a statement could not be judged yet: the
                                //  kept mark stays where it was
    bool wanted;                //  a round ended frozen, was interrupted, or a
                                //  pushed statement could not be kept: start
                                //  another
    int64_t due;                //  wanted: when to start it (monotonic ms)
    int64_t backoff;            //  the wait before the next, doubling while
                                //  rounds are wanted again; 0 after a clean one
} s_round_t;

//  The wait before another round is asked for, after the first failure and
//  at most, however often it fails
#define S_RETRY_FIRST_MS    1000
#define S_RETRY_MAX_MS      60000

struct _registrar_t {
    ledger_t *ledger;
    rules_t *rules;
    char *department;
    truststore_t *trust;        //  borrowed
    policy_t *policy;           //  borrowed
    int level;
    zhashx_t *rounds;           //  broker id -> s_round_t
};

static void
s_round_destroy (s_round_t **round_p)
{
    free (*round_p);
    *round_p = NULL;
}

#define S_OWN_VERSION   "own-version"   //  the last version this department used
#define S_MARK_PREFIX   "mark/"         //  + broker id: "EPOCH SEQ"

registrar_t *
registrar_new (const char *path, const char *department, truststore_t *trust,
               policy_t *policy, char **error)
{
    assert (path && department && trust && policy && error);
    registrar_t *self = (registrar_t *) zmalloc (sizeof (registrar_t));
    assert (self);
    self->ledger = ledger_new (path, error);
    self->department = strdup (department);
    self->trust = trust;
    self->policy = policy;
    self->level = 2;
    self->rounds = zhashx_new ();
    zhashx_set_destructor (self->rounds, (zhashx_destructor_fn *) s_round_destroy);
    if (self->ledger) {
        self->rules = rules_new (self->ledger, trust);
        rules_set_department (self->rules, department);
    }
    else
        registrar_destroy (&self);
    return self;
}

void
registrar_destroy (registrar_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        registrar_t *self = *self_p;
        rules_destroy (&self->rules);
        ledger_destroy (&self->ledger);
        zhashx_destroy (&self->rounds);
        free (self->department);
        free (self);
        *self_p = NULL;
    }
}

void
registrar_set_level (registrar_t *self, int level)
{
    assert (self);
    self->level = level;
}

void
registrar_set_order_limit (registrar_t *self, size_t limit)
{
    assert (self);
    rules_set_order_limit (self->rules, limit);
}

int
registrar_verify (registrar_t *self, statement_t *statement)
{
    return rules_verify (self->rules, statement);
}

static agreement_t *
s_agreement_of (statement_t *statement)
{
    return agreementtext_decode ((const char *) statement_payload (statement),
                             statement_payload_size (statement), NULL);
}

//  Puts an agreement in force, unless revoked; only as provider. The
//  policy verifies it again and keeps its version floor.
static void
s_apply_agreement (registrar_t *self, statement_t *statement)
{
    if (registrar_holds (self, STATEMENT_REVOCATION, statement_key (statement)))
        return;
    agreement_t *agreement = s_agreement_of (statement);
    char *refusal = NULL;
    int status = agreement && streq (agreement_provider (agreement), self->department)?
                 policy_add (self->policy, &agreement, &refusal): STATUS_OK;
    if (status == STATUS_INTERNAL)
        zsys_error ("%s", refusal);
    else
    if (status != STATUS_OK)
        zsys_warning ("%s", refusal);
    zstr_free (&refusal);
    agreement_destroy (&agreement);
}

//  Where a statement comes from, for what is logged of it
typedef enum {
    S_PUSHED,                   //  a broker's push
    S_PAGE,                     //  a page of the catch-up (which sums up the
                                //  authors unknown here)
    S_OWN                       //  this department's own, as it leaves
} s_origin_t;

static s_round_t *s_round (registrar_t *self, const char *broker);
static void s_want (s_round_t *round);

//  Judges, keeps and applies; logs as `origin` says. A catalog is never
//  kept by a gateway: catalogs are read from the brokers when asked for.
static int
s_take (registrar_t *self, statement_t *statement, s_origin_t origin)
{
    rules_verdict_t verdict;
    memset (&verdict, 0, sizeof (verdict));
    int status = STATUS_MALFORMED;
    char *error = NULL;
    if (streq (statement_kind (statement), STATEMENT_CATALOG))
        snprintf (verdict.reason, sizeof (verdict.reason), "a catalog is not pushed");
    else
        status = rules_admit (self->rules, statement, &verdict, &error);
    if (error)
        zsys_error ("registrar: %s", error);
    zstr_free (&error);
    const char *kind = statement_kind (statement);
    const char *key = statement_key (statement);
    if (status == STATUS_OK) {
        SLUICE_INFO (self->level, "registrar: %s %s from %s accepted (version %" PRIu64 ")",
                     kind, key, statement_author (statement), statement_version (statement));
        if (streq (kind, STATEMENT_AGREEMENT))
            s_apply_agreement (self, statement);
        else
        if (streq (kind, STATEMENT_REVOCATION)
        &&  policy_remove (self->policy, key) == 0)
            SLUICE_INFO (self->level, "registrar: agreement %s revoked by its provider", key);
    }
    else
    if (origin == S_OWN)
        SLUICE_INFO (self->level, "registrar: our %s %s version %" PRIu64 " not kept "
                     "here: %s (%s); the brokers judge it too", kind, key,
                     statement_version (statement), status_name (status), verdict.reason);
    else
    if (status == STATUS_INTERNAL)
        zsys_warning ("registrar: %s %s from %s could not be kept: %s (%s); it is asked "
                      "for again with the next catch-up round", kind, key,
                      statement_author (statement), status_name (status), verdict.reason);
    else
    if (status == STATUS_CERT_UNKNOWN && origin == S_PAGE)
        SLUICE_DEBUG (self->level, "registrar: %s %s from %s: %s (%s)", kind, key,
                      statement_author (statement), status_name (status), verdict.reason);
    else
    if (status == STATUS_STALE && !verdict.older)
        SLUICE_DEBUG (self->level, "registrar: %s %s version %" PRIu64 " from %s: %s",
                      kind, key, statement_version (statement),
                      statement_author (statement), verdict.reason);
    else
        zsys_warning ("registrar: %s %s claiming to be from %s refused: %s (%s)",
                      kind, key, statement_author (statement), status_name (status),
                      verdict.reason);
    return status;
}

int
registrar_take (registrar_t *self, const char *broker, statement_t *statement)
{
    assert (self && broker && statement);
    int status = s_take (self, statement, S_PUSHED);
    //  Not kept, though it may be later: the catch-up brings it again
    if (status == STATUS_INTERNAL)
        s_want (s_round (self, broker));
    return status;
}

int
registrar_take_own (registrar_t *self, statement_t *statement)
{
    assert (self && statement);
    return s_take (self, statement, S_OWN);
}

int
registrar_next_version (registrar_t *self, uint64_t *version)
{
    assert (self && version);
    char *text = ledger_value (self->ledger, S_OWN_VERSION);
    uint64_t last = text? strtoull (text, NULL, 10): 0;
    zstr_free (&text);
    //  Above the last one used, and at least the clock in ms: a department
    //  whose state was lost still numbers above what it used before
    uint64_t next = last + 1;
    uint64_t now = (uint64_t) zclock_time ();
    if (next < now)
        next = now;
    if (next > STATEMENT_VERSION_MAX) {
        zsys_error ("registrar: statement versions are used up");
        return STATUS_INTERNAL;
    }
    char value [24];
    snprintf (value, sizeof (value), "%" PRIu64, next);
    char *error = NULL;
    if (ledger_set_value (self->ledger, S_OWN_VERSION, value, &error)) {
        zsys_error ("registrar: %s", error);
        zstr_free (&error);
        return STATUS_INTERNAL;
    }
    *version = next;
    return STATUS_OK;
}

//  The statements of `kind` this department is a party to; a disk that
//  fails is said here and gives an empty list
static zlistx_t *
s_list (registrar_t *self, const char *kind)
{
    char *error = NULL;
    zlistx_t *list = ledger_list (self->ledger, kind, self->department, &error);
    if (error)
        zsys_error ("registrar: %s", error);
    zstr_free (&error);
    return list;
}

void
registrar_apply (registrar_t *self)
{
    zlistx_t *list = s_list (self, STATEMENT_AGREEMENT);
    for (statement_t *statement = (statement_t *) zlistx_first (list); statement;
         statement = (statement_t *) zlistx_next (list))
        s_apply_agreement (self, statement);
    zlistx_destroy (&list);
    //  Revocations win over agreements from any other source (files)
    list = s_list (self, STATEMENT_REVOCATION);
    for (statement_t *statement = (statement_t *) zlistx_first (list); statement;
         statement = (statement_t *) zlistx_next (list))
        policy_remove (self->policy, statement_key (statement));
    zlistx_destroy (&list);
}

bool
registrar_holds (registrar_t *self, const char *kind, const char *key)
{
    statement_t *held = ledger_get (self->ledger, kind, key);
    bool holds = held != NULL;
    statement_destroy (&held);
    return holds;
}


//  --------------------------------------------------------------------------
//  The revocation list kept

void
registrar_load_crl (registrar_t *self, truststore_t *trust)
{
    char *error = NULL;
    crl_t *crl = rules_kept_crl (self->rules, &error);
    if (error)
        zsys_error ("registrar: %s", error);
    zstr_free (&error);
    if (!crl)
        return;
    uint64_t version = crl_version (crl);
    int status = truststore_set_crl (trust, &crl);
    if (status == STATUS_OK)
        SLUICE_INFO (self->level, "registrar: revocation list version %" PRIu64
                     " kept from the last run", version);
    else
        zsys_warning ("registrar: the revocation list kept from the last run "
                      "refused: %s", status_name (status));
}

int
registrar_keep_crl (registrar_t *self, truststore_t *trust)
{
    assert (self && trust);
    crl_t *crl = truststore_crl (trust);
    if (!crl)
        return 0;
    char *error = NULL;
    int rc = rules_keep_crl (self->rules, crl, &error);
    if (rc)
        zsys_error ("registrar: cannot keep revocation list version %" PRIu64 " in the "
                    "ledger: %s; it is in force until the gateway stops, and a restart "
                    "would start from the list kept before", crl_version (crl),
                    error? error: "no reason given");
    zstr_free (&error);
    return rc;
}


//  --------------------------------------------------------------------------
//  The catch-up, page by page

//  The mark held from `broker`: its epoch ("" if none) and change number.
static void
s_mark (registrar_t *self, const char *broker, char *epoch, uint64_t *seq)
{
    char *name = zsys_sprintf ("%s%s", S_MARK_PREFIX, broker);
    char *value = ledger_value (self->ledger, name);
    zstr_free (&name);
    *epoch = 0;
    *seq = 0;
    char *space = value? strchr (value, ' '): NULL;
    if (space && space - value <= REGISTRY_EPOCH_MAX) {
        memcpy (epoch, value, (size_t) (space - value));
        epoch [space - value] = 0;
        *seq = strtoull (space + 1, NULL, 10);
    }
    zstr_free (&value);
}

//  Another round is wanted: started after the backoff, which doubles each
//  time rounds are wanted again (a disk that stays full is not asked every
//  second)
static void
s_want (s_round_t *round)
{
    if (!round->wanted) {
        if (!round->backoff)
            round->backoff = S_RETRY_FIRST_MS;
        round->due = zclock_mono () + round->backoff;
        round->backoff = round->backoff * 2 > S_RETRY_MAX_MS? S_RETRY_MAX_MS:
                         round->backoff * 2;
    }
    round->wanted = true;
}

static s_round_t *
s_round (registrar_t *self, const char *broker)
{
    s_round_t *round = (s_round_t *) zhashx_lookup (self->rounds, broker);
    if (!round) {
        round = (s_round_t *) zmalloc (sizeof (s_round_t));
        assert (round);
        zhashx_insert (self->rounds, broker, round);
    }
    return round;
}

//  A sync from where the round has got to
static void
s_sync_encode (registrar_t *self, const char *broker, s_round_t *round,
               msgpack_sbuffer *buffer)
{
    registry_sync_encode (buffer, round->epoch, round->next);
    SLUICE_DEBUG (self->level, "registrar: asking %s for changes after %s:%" PRIu64,
                  broker, *round->epoch? round->epoch: "-", round->next);
}

void
registrar_sync_request (registrar_t *self, const char *broker, msgpack_sbuffer *buffer)
{
    assert (self && broker && buffer);
    s_round_t *round = s_round (self, broker);
    s_mark (self, broker, round->epoch, &round->next);
    round->active = true;
    round->frozen = false;
    round->wanted = false;
    s_sync_encode (self, broker, round, buffer);
}

bool
registrar_take_page (registrar_t *self, const char *broker, registry_msg_t *page,
                     bool directory_held, msgpack_sbuffer *next)
{
    assert (self && broker && page && next);
    char epoch [REGISTRY_EPOCH_MAX + 1];
    uint64_t seq;
    s_mark (self, broker, epoch, &seq);
    s_round_t *round = s_round (self, broker);
    size_t taken = 0, unknown = 0;
    size_t count = page->statements? page->statements->via.array.size: 0;
    char first_unknown [STATEMENT_KEY_MAX + 2 * IDENT_MAX + 64] = "";
    bool transient = false;
    for (size_t index = 0; index < count; index++) {
        const msgpack_object_bin *bin = &page->statements->via.array.ptr [index].via.bin;
        statement_t *statement = statement_decode ((const uint8_t *) bin->ptr, bin->size);
        int status = statement? s_take (self, statement, S_PAGE): STATUS_MALFORMED;
        if (!statement)
            zsys_warning ("registrar: malformed statement from %s, refused", broker);
        if (status == STATUS_OK)
            taken++;
        if (status == STATUS_CERT_UNKNOWN && !unknown++)
            snprintf (first_unknown, sizeof (first_unknown), "%s %s from %s",
                      statement_kind (statement), statement_key (statement),
                      statement_author (statement));
        //  What may be judged otherwise later keeps the page for the next
        //  round: a disk that failed, and an author whose certificate may
        //  still come with a directory transfer. Once the broker's directory
        //  is held whole, an author it does not name stays unknown
        if (status == STATUS_INTERNAL || (status == STATUS_CERT_UNKNOWN && !directory_held))
            transient = true;
        statement_destroy (&statement);
    }
    if (unknown)
        zsys_warning ("registrar: catch-up from %s: %zu statements whose authors have no "
                      "certificate here (%s), the first %s: %s", broker, unknown,
                      status_name (STATUS_CERT_UNKNOWN), first_unknown, directory_held?
                      "the broker's directory is held whole, so they are skipped for good":
                      "asked for again once the broker's directory is held whole");
    if (transient && !round->frozen) {
        round->frozen = true;
        zsys_warning ("registrar: catch-up from %s: statements that cannot be judged "
                      "yet; asked again from change %" PRIu64 " in a round of their own "
                      "(soon, or when the next directory transfer is complete)", broker,
                      seq);
    }
    //  The kept mark moves only while nothing is left to judge again
    if (!round->frozen) {
        char *name = zsys_sprintf ("%s%s", S_MARK_PREFIX, broker);
        char *value = zsys_sprintf ("%s %" PRIu64, page->epoch, page->next);
        char *error = NULL;
        if (ledger_set_value (self->ledger, name, value, &error))
            zsys_error ("registrar: catch-up from %s: %s", broker, error);
        zstr_free (&error);
        zstr_free (&name);
        zstr_free (&value);
    }
    SLUICE_INFO (self->level, "registrar: catch-up from %s: %zu statements, %zu new, "
                 "up to change %" PRIu64 "%s", broker, count, taken, page->next,
                 page->more? ", more follow": ", done");
    snprintf (round->epoch, sizeof (round->epoch), "%s", page->epoch);
    round->next = page->next;
    if (page->more)
        s_sync_encode (self, broker, round, next);
    else {
        //  A push not kept during the round may be after its pages: it
        //  stays wanted
        round->active = false;
        if (round->frozen)
            s_want (round);
        round->frozen = false;
        if (!round->wanted)
            round->backoff = 0;
    }
    return page->more;
}

void
registrar_sync_interrupted (registrar_t *self, const char *broker)
{
    assert (self && broker);
    s_round_t *round = s_round (self, broker);
    round->active = false;
    round->frozen = false;
    s_want (round);
}

bool
registrar_sync_wanted (registrar_t *self, const char *broker)
{
    assert (self && broker);
    s_round_t *round = (s_round_t *) zhashx_lookup (self->rounds, broker);
    return round && round->wanted;
}

bool
registrar_sync_due (registrar_t *self, const char *broker, int64_t now)
{
    assert (self && broker);
    s_round_t *round = (s_round_t *) zhashx_lookup (self->rounds, broker);
    return round && round->wanted && !round->active && now >= round->due;
}


//  --------------------------------------------------------------------------
//  Rows for the local API

static void
s_pack_time (msgpack_packer *pk, const char *key, int64_t seconds)
{
    char text [CERTFILE_TIME_SIZE];
    certfile_time_format (seconds, text);
    codec_pack_kv_str (pk, key, text);
}

static void
s_pack_list (msgpack_packer *pk, const char *key, agreement_t *agreement,
             size_t (*count) (agreement_t *), const char *(*get) (agreement_t *, size_t))
{
    char text [2048] = "";
    size_t used = 0;
    for (size_t index = 0; index < count (agreement) && used < sizeof (text) - 1; index++)
        used += (size_t) snprintf (text + used, sizeof (text) - used, "%s%s",
                                   index? ",": "", get (agreement, index));
    codec_pack_kv_str (pk, key, text);
}

//  One agreement as a row of `sluice agreement list`, in `state` (NULL:
//  from its validity at `now`).
static void
s_pack_agreement (msgpack_packer *pk, agreement_t *agreement, const char *state,
                  const char *registered_by, int64_t now)
{
    if (!state)
        state = now < agreement_valid_from (agreement)? "not yet valid":
                now >= agreement_valid_until (agreement)? "expired": "in force";
    msgpack_pack_map (pk, 12);
    codec_pack_kv_str (pk, "id", agreement_id (agreement));
    codec_pack_kv_str (pk, "state", state);
    codec_pack_kv_uint (pk, "version", agreement_version (agreement));
    codec_pack_kv_str (pk, "provider", agreement_provider (agreement));
    codec_pack_kv_str (pk, "consumer", agreement_consumer (agreement));
    codec_pack_kv_str (pk, "item", agreement_item (agreement));
    s_pack_list (pk, "fields", agreement, agreement_field_count, agreement_field);
    s_pack_list (pk, "purposes", agreement, agreement_purpose_count, agreement_purpose);
    s_pack_time (pk, "valid_from", agreement_valid_from (agreement));
    s_pack_time (pk, "valid_until", agreement_valid_until (agreement));
    codec_pack_kv_uint (pk, "daily_quota", agreement_daily_quota (agreement));
    codec_pack_kv_str (pk, "registered_by", registered_by);
}

//  True if an agreement the policy holds grants nothing for its signers:
//  a certificate that signed it has since been revoked or expired (grant.h)
static bool
s_signers_lapsed (registrar_t *self, agreement_t *enforced)
{
    return agreement_check_signers (enforced, self->trust, zclock_time () / 1000, NULL)
           != STATUS_OK;
}

//  The state of a registered agreement: revoked; at the provider, in force
//  only if the policy holds this very version ("superseded" if it holds a
//  higher one, from a file or the registry, "not in force" if none, e.g.
//  refused, or if a certificate that signed it is no longer valid);
//  elsewhere from its validity (NULL).
static const char *
s_registered_state (registrar_t *self, agreement_t *agreement)
{
    if (registrar_holds (self, STATEMENT_REVOCATION, agreement_id (agreement)))
        return "revoked";
    if (!streq (agreement_provider (agreement), self->department))
        return NULL;
    agreement_t *enforced = policy_agreement (self->policy, agreement_id (agreement));
    return !enforced? "not in force":
           agreement_version (enforced) > agreement_version (agreement)? "superseded":
           s_signers_lapsed (self, enforced)? "not in force": NULL;
}

//  True if the policy's agreement is not the one registered (then it came
//  from a file).
static bool
s_from_file (registrar_t *self, agreement_t *enforced)
{
    statement_t *held = ledger_get (self->ledger, STATEMENT_AGREEMENT, agreement_id (enforced));
    bool from_file = !held || statement_version (held) != agreement_version (enforced);
    statement_destroy (&held);
    return from_file;
}

void
registrar_pack_agreements (registrar_t *self, msgpack_packer *pk)
{
    zlistx_t *list = s_list (self, STATEMENT_AGREEMENT);
    zlistx_t *decoded = zlistx_new ();
    zlistx_set_destructor (decoded, (zlistx_destructor_fn *) agreement_destroy);
    for (statement_t *statement = (statement_t *) zlistx_first (list); statement;
         statement = (statement_t *) zlistx_next (list)) {
        agreement_t *agreement = s_agreement_of (statement);
        if (agreement)          //  verified when taken: always decodes
            zlistx_add_end (decoded, agreement);
    }
    //  Agreements in force from files, which the broker never carried (or
    //  a higher version than the one it carried)
    size_t files = 0;
    for (agreement_t *agreement = policy_first (self->policy); agreement;
         agreement = policy_next (self->policy))
        if (s_from_file (self, agreement))
            files++;
    msgpack_pack_array (pk, zlistx_size (decoded) + files);
    int64_t now = zclock_time () / 1000;
    statement_t *statement = (statement_t *) zlistx_first (list);
    for (agreement_t *agreement = (agreement_t *) zlistx_first (decoded); agreement;
         agreement = (agreement_t *) zlistx_next (decoded)) {
        s_pack_agreement (pk, agreement, s_registered_state (self, agreement),
                          statement_author (statement), now);
        statement = (statement_t *) zlistx_next (list);
    }
    for (agreement_t *agreement = policy_first (self->policy); agreement;
         agreement = policy_next (self->policy))
        if (s_from_file (self, agreement))
            s_pack_agreement (pk, agreement, s_signers_lapsed (self, agreement)?
                              "not in force": NULL, "file", now);
    zlistx_destroy (&decoded);
    zlistx_destroy (&list);
}

void
registrar_pack_orders (registrar_t *self, msgpack_packer *pk)
{
    zlistx_t *list = s_list (self, STATEMENT_ORDER);
    msgpack_pack_array (pk, zlistx_size (list));
    int64_t now = zclock_time ();
    for (statement_t *statement = (statement_t *) zlistx_first (list); statement;
         statement = (statement_t *) zlistx_next (list)) {
        order_t order;
        memset (&order, 0, sizeof (order));
        registry_order_decode (statement_payload (statement),
                               statement_payload_size (statement), &order);
        order_answer_t answer;
        memset (&answer, 0, sizeof (answer));
        strcpy (answer.decision, "open");
        statement_t *reply = ledger_get (self->ledger, STATEMENT_ANSWER, statement_key (statement));
        if (reply)
            registry_answer_decode (statement_payload (reply),
                                    statement_payload_size (reply), &answer);
        statement_destroy (&reply);
        msgpack_pack_map (pk, 11);
        codec_pack_kv_str (pk, "id", statement_key (statement));
        codec_pack_kv_str (pk, "state", answer.decision);
        codec_pack_kv_str (pk, "consumer", statement_author (statement));
        codec_pack_kv_str (pk, "provider", order.provider);
        codec_pack_kv_str (pk, "item", order.item);
        codec_pack_kv_str (pk, "fields", order.fields);
        codec_pack_kv_str (pk, "purpose", order.purpose);
        codec_pack_kv_str (pk, "legal_basis", order.legal_basis);
        s_pack_time (pk, "filed", statement_issued (statement) / 1000);
        codec_pack_kv_uint (pk, "age_s", (uint64_t) (now - statement_issued (statement)) / 1000);
        codec_pack_kv_str (pk, "answer", *answer.legal_basis || *answer.agreement?
                           (*answer.agreement? answer.agreement: answer.legal_basis): "");
    }
    zlistx_destroy (&list);
}

zlistx_t *
registrar_verify_catalogs (registrar_t *self, const msgpack_object *statements)
{
    assert (self);
    zlistx_t *verified = zlistx_new ();
    zlistx_set_destructor (verified, (zlistx_destructor_fn *) statement_destroy);
    for (uint32_t index = 0; statements && index < statements->via.array.size; index++) {
        const msgpack_object_bin *bin = &statements->via.array.ptr [index].via.bin;
        statement_t *statement = statement_decode ((const uint8_t *) bin->ptr, bin->size);
        int status = statement? registrar_verify (self, statement): STATUS_MALFORMED;
        if (status == STATUS_OK
        && (!streq (statement_kind (statement), STATEMENT_CATALOG)
        ||  !streq (statement_key (statement), statement_author (statement))
        ||  codec_scan (statement_payload (statement), statement_payload_size (statement))))
            status = STATUS_MALFORMED;
        if (status == STATUS_OK)
            zlistx_add_end (verified, statement);
        else {
            zsys_warning ("registrar: a catalog from the broker refused: %s",
                          status_name (status));
            statement_destroy (&statement);
        }
    }
    return verified;
}

//  An agreement MSA -> TAX at `version`, signed by both, in a statement by
//  `author` of the same version.
static statement_t *
s_test_agreement (cert_t *msa, cert_t *tax, uint64_t version, const char *fields,
                  cert_t *author)
{
    int64_t now = zclock_time () / 1000;
    agreement_t *agreement = agreement_new ("AGR-T-1", "SH-PD-MSA", "SH-PD-TAX", "licences",
                                            fields, "audit", "a legal basis",
                                            now - 60, now + 86400, 10, "*", NULL);
    assert (agreement && agreement_set_version (agreement, version) == 0);
    assert (agreement_sign (agreement, msa) == 0 && agreement_sign (agreement, tax) == 0);
    char *text = agreementtext_encode (agreement);
    statement_t *statement = statement_new (STATEMENT_AGREEMENT, cert_department (author),
                                            "AGR-T-1", version, (uint8_t *) text,
                                            strlen (text));
    assert (statement);
    statement_sign (statement, cert_sign_secret (author));
    zstr_free (&text);
    agreement_destroy (&agreement);
    return statement;
}

//  A round of the catch-up with `broker`: its sync, then one last page up
//  to change `seq` of `epoch` holding `statement` (borrowed), taken with the
//  broker's directory held whole or not
static void
s_test_round (registrar_t *registrar, const char *broker, const char *epoch, uint64_t seq,
              statement_t *statement, bool directory_held)
{
    msgpack_sbuffer buffer, next;
    msgpack_sbuffer_init (&buffer);
    msgpack_sbuffer_init (&next);
    registrar_sync_request (registrar, broker, &buffer);
    msgpack_sbuffer_clear (&buffer);
    zlistx_t *list = zlistx_new ();
    zlistx_add_end (list, statement);
    uint8_t re [ENVELOPE_ID_BYTES] = { 0 };
    registry_page_encode (&buffer, re, epoch, seq, false, list);
    zlistx_destroy (&list);
    registry_msg_t page;
    assert (registry_msg_decode ((uint8_t *) buffer.data, buffer.size, &page) == STATUS_OK);
    assert (!registrar_take_page (registrar, broker, &page, directory_held, &next));
    assert (next.size == 0);
    registry_msg_destroy (&page);
    msgpack_sbuffer_destroy (&next);
    msgpack_sbuffer_destroy (&buffer);
}

//  Where the next round with `broker` starts: the change number of its sync
static uint64_t
s_test_since (registrar_t *registrar, const char *broker)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registrar_sync_request (registrar, broker, &buffer);
    registry_msg_t sync;
    assert (registry_msg_decode ((uint8_t *) buffer.data, buffer.size, &sync) == STATUS_OK);
    uint64_t since = sync.since;
    registry_msg_destroy (&sync);
    msgpack_sbuffer_destroy (&buffer);
    return since;
}

void
registrar_test (bool verbose)
{
    if (verbose)
        printf (" * registrar: ");
    //  Driven through the real daemons by the features of tests/features,
    //  including a hostile broker; here the version rules at a provider
    //  and the bookkeeping of the catch-up
    authority_t *authority = authority_new ("Test authority", NULL);
    truststore_t *trust = truststore_new (authority_public (authority));
    int64_t now = zclock_time () / 1000;
    cert_t *msa = cert_new ("SH-PD-MSA", "MSA", "department", 3, 1, now - 60, now + 86400, NULL);
    cert_t *tax = cert_new ("SH-PD-TAX", "TAX", "department", 3, 1, now - 60, now + 86400, NULL);
    cert_sign_by (msa, authority);
    cert_sign_by (tax, authority);
    cert_t *copy = cert_dup (msa);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    copy = cert_dup (tax);
    assert (truststore_add (trust, &copy) == STATUS_OK);
    char path [64];
    snprintf (path, sizeof (path), "/tmp/sluice-registrar-%d", getpid ());
    zsys_dir_create (path);
    char *quota = zsys_sprintf ("%s/quota.db", path);
    char *ledger = zsys_sprintf ("%s/ledger.db", path);
    char *error = NULL;
    policy_t *policy = policy_new ("SH-PD-MSA", trust, quota, &error);
    assert (policy);
    registrar_t *registrar = registrar_new (ledger, "SH-PD-MSA", trust, policy, &error);
    assert (registrar);

    //  An author without a certificate here: refused, nothing kept
    uint8_t public_key [32], secret_key [64];
    crypto_sign_keypair (public_key, secret_key);
    statement_t *statement = statement_new (STATEMENT_ORDER, "SH-PD-FDA", "ORD-1", 1, NULL, 0);
    statement_sign (statement, secret_key);
    assert (registrar_take (registrar, "BROKER", statement) == STATUS_CERT_UNKNOWN);
    assert (!registrar_holds (registrar, STATEMENT_ORDER, "ORD-1"));
    statement_destroy (&statement);

    //  Our own versions only grow, also after a restart
    uint64_t first, second;
    assert (registrar_next_version (registrar, &first) == STATUS_OK);
    assert (registrar_next_version (registrar, &second) == STATUS_OK && second > first);

    //  v1 from the broker, then our own v2 (kept at once), then v1 again:
    //  stale, v2 stays in force
    statement = s_test_agreement (msa, tax, 1, "kind,licence_no", tax);
    assert (registrar_take (registrar, "BROKER", statement) == STATUS_OK);
    statement_destroy (&statement);
    assert (agreement_grants_field (policy_agreement (policy, "AGR-T-1"), "kind"));
    statement = s_test_agreement (msa, tax, 2, "licence_no", msa);
    assert (registrar_take_own (registrar, statement) == STATUS_OK);
    statement_destroy (&statement);
    statement = s_test_agreement (msa, tax, 1, "kind,licence_no", tax);
    assert (registrar_take (registrar, "BROKER", statement) == STATUS_STALE);
    assert (agreement_version (policy_agreement (policy, "AGR-T-1")) == 2);
    assert (!agreement_grants_field (policy_agreement (policy, "AGR-T-1"), "kind"));

    //  A page of the catch-up: the mark is kept, and asked from next time
    zlistx_t *list = zlistx_new ();
    zlistx_add_end (list, statement);
    uint8_t re [ENVELOPE_ID_BYTES] = { 0 };
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_page_encode (&buffer, re, "epoch-1", 42, false, list);
    registry_msg_t page;
    assert (registry_msg_decode ((uint8_t *) buffer.data, buffer.size, &page) == STATUS_OK);
    msgpack_sbuffer next;
    msgpack_sbuffer_init (&next);
    assert (!registrar_take_page (registrar, "BROKER", &page, true, &next));
    assert (next.size == 0);
    assert (!registrar_sync_wanted (registrar, "BROKER"));
    registrar_sync_interrupted (registrar, "BROKER-3");
    assert (registrar_sync_wanted (registrar, "BROKER-3"));
    registry_msg_destroy (&page);
    msgpack_sbuffer_destroy (&buffer);
    zlistx_destroy (&list);
    statement_destroy (&statement);

    //  A round with a statement that cannot be judged yet (no certificate
    //  for its author here): the round goes on from the page's end, the
    //  kept mark stays at 42, and another round is wanted
    statement = statement_new (STATEMENT_ORDER, "SH-PD-FDA", "ORD-2", 1, NULL, 0);
    statement_sign (statement, secret_key);
    list = zlistx_new ();
    zlistx_add_end (list, statement);
    msgpack_sbuffer_init (&buffer);
    registrar_sync_request (registrar, "BROKER", &buffer);
    msgpack_sbuffer_clear (&buffer);
    registry_page_encode (&buffer, re, "epoch-1", 50, true, list);
    assert (registry_msg_decode ((uint8_t *) buffer.data, buffer.size, &page) == STATUS_OK);
    assert (registrar_take_page (registrar, "BROKER", &page, false, &next));
    registry_msg_t sync;
    assert (registry_msg_decode ((uint8_t *) next.data, next.size, &sync) == STATUS_OK);
    assert (streq (sync.op, "sync") && sync.since == 50);
    registry_msg_destroy (&sync);
    registry_msg_destroy (&page);
    msgpack_sbuffer_clear (&buffer);
    msgpack_sbuffer_clear (&next);
    zlistx_purge (list);
    registry_page_encode (&buffer, re, "epoch-1", 60, false, list);
    assert (registry_msg_decode ((uint8_t *) buffer.data, buffer.size, &page) == STATUS_OK);
    assert (!registrar_take_page (registrar, "BROKER", &page, false, &next));
    assert (registrar_sync_wanted (registrar, "BROKER"));
    registry_msg_destroy (&page);
    msgpack_sbuffer_destroy (&buffer);
    msgpack_sbuffer_destroy (&next);
    zlistx_destroy (&list);
    statement_destroy (&statement);
    registrar_destroy (&registrar);
    policy_destroy (&policy);

    policy = policy_new ("SH-PD-MSA", trust, quota, &error);
    registrar = registrar_new (ledger, "SH-PD-MSA", trust, policy, &error);
    assert (registrar);
    uint64_t third;
    assert (registrar_next_version (registrar, &third) == STATUS_OK && third > second);
    msgpack_sbuffer_init (&buffer);
    registrar_sync_request (registrar, "BROKER", &buffer);
    assert (registry_msg_decode ((uint8_t *) buffer.data, buffer.size, &sync) == STATUS_OK);
    assert (streq (sync.op, "sync") && streq (sync.epoch, "epoch-1") && sync.since == 42);
    registry_msg_destroy (&sync);
    msgpack_sbuffer_destroy (&buffer);
    //  Another broker: from the start
    msgpack_sbuffer_init (&buffer);
    registrar_sync_request (registrar, "BROKER-2", &buffer);
    assert (registry_msg_decode ((uint8_t *) buffer.data, buffer.size, &sync) == STATUS_OK);
    assert (streq (sync.epoch, "") && sync.since == 0);
    registry_msg_destroy (&sync);
    msgpack_sbuffer_destroy (&buffer);
    //  After the restart the registered v2 is applied again: in force
    registrar_apply (registrar);
    assert (agreement_version (policy_agreement (policy, "AGR-T-1")) == 2);


    //  The revocation list kept: a disk that refuses is said (logged) and
    //  returned; kept once the disk takes it, and loaded after a restart
    crl_t *crl = crl_new (1, NULL);
    assert (crl && crl_add (crl, "SH-PD-FDA", 0, now, "left", NULL) == 0);
    crl_sign_by (crl, authority);
    assert (truststore_set_crl (trust, &crl) == STATUS_OK);
    {
        sqlite3 *blocker = NULL;
        assert (sqlite3_open (ledger, &blocker) == SQLITE_OK);
        assert (sqlite3_exec (blocker, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
        assert (registrar_keep_crl (registrar, trust) == -1);
        assert (sqlite3_exec (blocker, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
        sqlite3_close (blocker);
    }
    assert (registrar_keep_crl (registrar, trust) == 0);
    truststore_t *restarted = truststore_new (authority_public (authority));
    registrar_load_crl (registrar, restarted);
    assert (truststore_crl (restarted) && crl_version (truststore_crl (restarted)) == 1);
    truststore_destroy (&restarted);
    //  The same statement of an unknown author once the broker's directory
    //  is held whole: skipped for good, the mark moves on, nothing wanted
    statement = statement_new (STATEMENT_ORDER, "SH-PD-FDA", "ORD-2", 1, NULL, 0);
    statement_sign (statement, secret_key);
    s_test_round (registrar, "BROKER", "epoch-1", 70, statement, true);
    assert (!registrar_sync_wanted (registrar, "BROKER"));
    assert (s_test_since (registrar, "BROKER") == 70);
    statement_destroy (&statement);

    //  A round wanted is due after its backoff, which doubles while rounds
    //  keep failing, and never while one is under way
    int64_t mono = zclock_mono ();
    assert (!registrar_sync_due (registrar, "BROKER-3", mono));
    registrar_sync_interrupted (registrar, "BROKER-3");
    assert (!registrar_sync_due (registrar, "BROKER-3", mono));
    assert (registrar_sync_due (registrar, "BROKER-3", mono + S_RETRY_FIRST_MS + 500));
    msgpack_sbuffer_init (&buffer);
    registrar_sync_request (registrar, "BROKER-3", &buffer);
    msgpack_sbuffer_destroy (&buffer);
    assert (!registrar_sync_due (registrar, "BROKER-3", mono + S_RETRY_MAX_MS * 10));
    mono = zclock_mono ();
    registrar_sync_interrupted (registrar, "BROKER-3");
    assert (!registrar_sync_due (registrar, "BROKER-3", mono + S_RETRY_FIRST_MS + 500));
    assert (registrar_sync_due (registrar, "BROKER-3", mono + 2 * S_RETRY_FIRST_MS + 500));

    //  A pushed statement that cannot be kept (here another writer holds
    //  the ledger, as a full disk would refuse it): another round is
    //  wanted, which brings it again; one that leaves nothing ends the
    //  backoff
    sqlite3 *writer = NULL;
    assert (sqlite3_open (ledger, &writer) == SQLITE_OK);
    assert (sqlite3_exec (writer, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    statement = s_test_agreement (msa, tax, 3, "licence_no", tax);
    mono = zclock_mono ();
    assert (registrar_take (registrar, "BROKER-4", statement) == STATUS_INTERNAL);
    assert (registrar_sync_wanted (registrar, "BROKER-4"));
    assert (registrar_sync_due (registrar, "BROKER-4", mono + S_RETRY_FIRST_MS + 1500));
    assert (sqlite3_exec (writer, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close (writer);
    s_test_round (registrar, "BROKER-4", "epoch-4", 5, statement, true);
    assert (!registrar_sync_wanted (registrar, "BROKER-4"));
    assert (agreement_version (policy_agreement (policy, "AGR-T-1")) == 3);
    statement_destroy (&statement);

    registrar_destroy (&registrar);
    policy_destroy (&policy);
    truststore_destroy (&trust);
    cert_destroy (&msa);
    cert_destroy (&tax);
    authority_destroy (&authority);
    char *command = zsys_sprintf ("rm -rf %s", path);
    if (system (command) != 0)
        zsys_warning ("registrar: could not remove %s", path);
    zstr_free (&command);
    zstr_free (&quota);
    zstr_free (&ledger);
    if (verbose)
        printf ("OK\n");
}
