/*  registrar.c -- a gateway's side of the federation's registry.  */

#include "registrar.h"
#include "conf.h"
#include "ledger.h"
#include "registry.h"
#include "agreement.h"
#include "codec.h"
#include "status.h"
#include "certfile.h"
#include <sodium.h>

struct _registrar_t {
    ledger_t *ledger;
    char *department;
    truststore_t *trust;        //  borrowed
    policy_t *policy;           //  borrowed
    int level;
};

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
    if (!self->ledger)
        registrar_destroy (&self);
    return self;
}

void
registrar_destroy (registrar_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        registrar_t *self = *self_p;
        ledger_destroy (&self->ledger);
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

static int
s_statement_signed_by (const uint8_t *sign_public, void *statement)
{
    return statement_verify ((statement_t *) statement, sign_public);
}

//  A statement verifies with its author's certificate, or, after a renewal,
//  with the superseded one whose key signed it (while valid, not revoked).
int
registrar_verify (registrar_t *self, statement_t *statement)
{
    return truststore_verify_by (self->trust, statement_author (statement),
                                 zclock_time () / 1000, s_statement_signed_by,
                                 statement);
}

static agreement_t *
s_agreement_of (statement_t *statement)
{
    return agreement_decode ((const char *) statement_payload (statement),
                             statement_payload_size (statement));
}

//  Finds the departments a statement concerns, and checks that its author
//  may make it. STATUS_OK or the refusal.
static int
s_parties (registrar_t *self, statement_t *statement, char *party_a, char *party_b)
{
    const char *kind = statement_kind (statement);
    const char *author = statement_author (statement);
    *party_a = *party_b = 0;
    int status = STATUS_MALFORMED;
    if (streq (kind, STATEMENT_AGREEMENT)) {
        agreement_t *agreement = s_agreement_of (statement);
        if (agreement) {
            strcpy (party_a, agreement_provider (agreement));
            strcpy (party_b, agreement_consumer (agreement));
            if (!streq (agreement_id (agreement), statement_key (statement)))
                status = STATUS_MALFORMED;
            else
                status = streq (author, party_a) || streq (author, party_b)?
                    agreement_verify (agreement, self->trust, zclock_time () / 1000):
                    STATUS_SENDER_MISMATCH;
        }
        agreement_destroy (&agreement);
    }
    else
    if (streq (kind, STATEMENT_REVOCATION)) {
        //  Only against an agreement we hold, registered or installed, and
        //  only from its provider: never from what the revocation says
        statement_t *held = ledger_get (self->ledger, STATEMENT_AGREEMENT,
                                        statement_key (statement));
        agreement_t *registered = held? s_agreement_of (held): NULL;
        agreement_t *agreement = registered? registered:
                                 policy_agreement (self->policy, statement_key (statement));
        status = STATUS_NO_AGREEMENT;
        if (agreement) {
            strcpy (party_a, agreement_provider (agreement));
            strcpy (party_b, agreement_consumer (agreement));
            status = streq (author, party_a)? STATUS_OK: STATUS_SENDER_MISMATCH;
        }
        agreement_destroy (&registered);
        statement_destroy (&held);
    }
    else
    if (streq (kind, STATEMENT_ORDER)) {
        order_t order;
        if (registry_order_decode (statement_payload (statement),
                                   statement_payload_size (statement), &order) == STATUS_OK) {
            strcpy (party_a, author);
            strcpy (party_b, order.provider);
            status = STATUS_OK;
        }
    }
    else
    if (streq (kind, STATEMENT_ANSWER)) {
        statement_t *held = ledger_get (self->ledger, STATEMENT_ORDER, statement_key (statement));
        order_t order;
        order_answer_t answer;
        status = STATUS_UNKNOWN_ITEM;
        if (held && registry_order_decode (statement_payload (held),
                                           statement_payload_size (held), &order) == STATUS_OK) {
            strcpy (party_a, statement_author (held));
            strcpy (party_b, order.provider);
            status = !streq (author, order.provider)? STATUS_SENDER_MISMATCH:
                registry_answer_decode (statement_payload (statement),
                                        statement_payload_size (statement), &answer);
        }
        statement_destroy (&held);
    }
    if (status == STATUS_OK
    &&  !streq (party_a, self->department) && !streq (party_b, self->department))
        status = STATUS_SENDER_MISMATCH;        //  not ours to keep
    return status;
}

//  Puts an agreement in force, unless revoked; only as provider.
static void
s_apply_agreement (registrar_t *self, statement_t *statement)
{
    if (registrar_holds (self, STATEMENT_REVOCATION, statement_key (statement)))
        return;
    agreement_t *agreement = s_agreement_of (statement);
    if (agreement && streq (agreement_provider (agreement), self->department))
        policy_add (self->policy, &agreement);
    agreement_destroy (&agreement);
}

//  The rules for every kind, as the broker applies them (a lying broker is
//  not trusted to have): nothing issued in the future, an id is never taken
//  over by another author or other parties, an answer is final.
#define S_SKEW_MS (5 * 60 * 1000)

static int
s_continuity (registrar_t *self, statement_t *statement,
              const char *party_a, const char *party_b)
{
    if (statement_issued (statement) > zclock_time () + S_SKEW_MS)
        return STATUS_STALE;
    statement_t *held = ledger_get (self->ledger, statement_kind (statement),
                                    statement_key (statement));
    int status = STATUS_OK;
    if (held && streq (statement_kind (statement), STATEMENT_ANSWER))
        status = STATUS_STALE;
    else
    if (held && streq (statement_kind (statement), STATEMENT_AGREEMENT)) {
        agreement_t *before = s_agreement_of (held);
        if (!before || !streq (agreement_provider (before), party_a)
        ||  !streq (agreement_consumer (before), party_b))
            status = STATUS_SENDER_MISMATCH;
        agreement_destroy (&before);
    }
    else
    if (held && !streq (statement_author (held), statement_author (statement)))
        status = STATUS_SENDER_MISMATCH;
    statement_destroy (&held);
    return status;
}

int
registrar_take (registrar_t *self, statement_t *statement)
{
    char party_a [IDENT_MAX + 1], party_b [IDENT_MAX + 1];
    int status = registrar_verify (self, statement);
    if (status == STATUS_OK)
        status = s_parties (self, statement, party_a, party_b);
    if (status == STATUS_OK)
        status = s_continuity (self, statement, party_a, party_b);
    if (status == STATUS_OK)
        status = ledger_put (self->ledger, statement, party_a, party_b);
    if (status == STATUS_OK) {
        SLUICE_INFO (self->level, "registrar: %s %s from %s accepted", statement_kind (statement),
                   statement_key (statement), statement_author (statement));
        if (streq (statement_kind (statement), STATEMENT_AGREEMENT))
            s_apply_agreement (self, statement);
        else
        if (streq (statement_kind (statement), STATEMENT_REVOCATION)
        &&  policy_remove (self->policy, statement_key (statement)) == 0)
            SLUICE_INFO (self->level, "registrar: agreement %s revoked by its provider",
                       statement_key (statement));
    }
    else
    if (status != STATUS_STALE)
        zsys_warning ("registrar: %s %s claiming to be from %s refused: %s",
                      statement_kind (statement), statement_key (statement),
                      statement_author (statement), status_name (status));
    return status;
}

void
registrar_apply (registrar_t *self)
{
    zlistx_t *list = ledger_list (self->ledger, STATEMENT_AGREEMENT, self->department);
    for (statement_t *statement = (statement_t *) zlistx_first (list); statement;
         statement = (statement_t *) zlistx_next (list))
        s_apply_agreement (self, statement);
    zlistx_destroy (&list);
    //  Revocations win over agreements from any other source (files)
    list = ledger_list (self->ledger, STATEMENT_REVOCATION, self->department);
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

//  One agreement as a row of `sluice agreement list`.
static void
s_pack_agreement (registrar_t *self, msgpack_packer *pk, agreement_t *agreement,
                  const char *registered_by, int64_t now)
{
    const char *state =
        registrar_holds (self, STATEMENT_REVOCATION, agreement_id (agreement))? "revoked":
        now < agreement_valid_from (agreement)? "not yet valid":
        now > agreement_valid_until (agreement)? "expired": "in force";
    msgpack_pack_map (pk, 11);
    codec_pack_kv_str (pk, "id", agreement_id (agreement));
    codec_pack_kv_str (pk, "state", state);
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

void
registrar_pack_agreements (registrar_t *self, msgpack_packer *pk)
{
    zlistx_t *list = ledger_list (self->ledger, STATEMENT_AGREEMENT, self->department);
    zlistx_t *decoded = zlistx_new ();
    zlistx_set_destructor (decoded, (zlistx_destructor_fn *) agreement_destroy);
    for (statement_t *statement = (statement_t *) zlistx_first (list); statement;
         statement = (statement_t *) zlistx_next (list)) {
        agreement_t *agreement = s_agreement_of (statement);
        if (agreement)          //  verified when taken: always decodes
            zlistx_add_end (decoded, agreement);
    }
    //  Agreements installed as files, which the broker never carried
    size_t files = 0;
    for (agreement_t *agreement = policy_first (self->policy); agreement;
         agreement = policy_next (self->policy))
        if (!registrar_holds (self, STATEMENT_AGREEMENT, agreement_id (agreement)))
            files++;
    msgpack_pack_array (pk, zlistx_size (decoded) + files);
    int64_t now = zclock_time () / 1000;
    statement_t *statement = (statement_t *) zlistx_first (list);
    for (agreement_t *agreement = (agreement_t *) zlistx_first (decoded); agreement;
         agreement = (agreement_t *) zlistx_next (decoded)) {
        s_pack_agreement (self, pk, agreement, statement_author (statement), now);
        statement = (statement_t *) zlistx_next (list);
    }
    for (agreement_t *agreement = policy_first (self->policy); agreement;
         agreement = policy_next (self->policy))
        if (!registrar_holds (self, STATEMENT_AGREEMENT, agreement_id (agreement)))
            s_pack_agreement (self, pk, agreement, "file", now);
    zlistx_destroy (&decoded);
    zlistx_destroy (&list);
}

void
registrar_pack_orders (registrar_t *self, msgpack_packer *pk)
{
    zlistx_t *list = ledger_list (self->ledger, STATEMENT_ORDER, self->department);
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

void
registrar_pack_catalogs (registrar_t *self, const msgpack_object *statements,
                         msgpack_packer *pk)
{
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
    msgpack_pack_array (pk, zlistx_size (verified));
    for (statement_t *statement = (statement_t *) zlistx_first (verified); statement;
         statement = (statement_t *) zlistx_next (verified)) {
        msgpack_pack_map (pk, 3);
        codec_pack_kv_str (pk, "department", statement_author (statement));
        codec_pack_kv_uint (pk, "published", (uint64_t) statement_issued (statement));
        codec_pack_str (pk, "catalog");
        //  The payload is one msgpack object (scanned above): copy it as is
        pk->callback (pk->data, (const char *) statement_payload (statement),
                      statement_payload_size (statement));
    }
    zlistx_destroy (&verified);
}

void
registrar_test (bool verbose)
{
    if (verbose)
        printf (" * registrar: ");
    //  Driven through the real daemons by tests/run.sh (registry section),
    //  including a hostile broker; here only construction and refusal of
    //  an unsigned statement.
    uint8_t authority [32] = { 0 };
    truststore_t *trust = truststore_new (authority);
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
    statement_t *statement = statement_new (STATEMENT_ORDER, "SH-PD-TAX", "ORD-1", NULL, 0);
    uint8_t public_key [32], secret_key [64];
    crypto_sign_keypair (public_key, secret_key);
    statement_sign (statement, secret_key);
    //  The author has no certificate here: refused, nothing kept
    assert (registrar_take (registrar, statement) == STATUS_CERT_UNKNOWN);
    assert (!registrar_holds (registrar, STATEMENT_ORDER, "ORD-1"));
    statement_destroy (&statement);
    registrar_destroy (&registrar);
    policy_destroy (&policy);
    truststore_destroy (&trust);
    zsys_dir_delete ("%s", path);   //  only if empty; files removed below
    char *command = zsys_sprintf ("rm -rf %s", path);
    if (system (command) != 0)
        zsys_warning ("registrar: could not remove %s", path);
    zstr_free (&command);
    zstr_free (&quota);
    zstr_free (&ledger);
    if (verbose)
        printf ("OK\n");
}
