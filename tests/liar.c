/*  liar.c -- sluice-liar: a broker that lies.

    DESIGN.md promises that "a broker that lies can delay or drop, never
    grant": a gateway believes no agreement, catalog, revocation or
    certificate because a broker carried it, only because it verified it.
    The integration tests (tests/run.sh) point a real gateway at this
    program, its only broker, to hold the gateway to that promise.

    It binds a CURVE ROUTER with a real broker certificate (so the gateway
    accepts its transport key and signatures) but has no ZAP handler: it
    admits anyone and takes every `from` at its word. It answers like a
    broker -- HELLO gets a WELCOME with a directory it builds, HEARTBEAT a
    HEARTBEAT, a REGISTRY put "done" (and the statement pushed back to its
    author, as a broker does), a list "listed" -- and routes messages between
    the departments connected to it. Then it performs one attack, named by
    --attack, against each gateway once that gateway has published its
    catalog (every gateway does so right after its WELCOME).

    Output (stdout), one line per event:
        registered: DEPT                    a HELLO was answered
        sent: WHAT                          one lie (or honest control) sent
        received: TYPE from X to Y, ...     a message for a department not
                                            connected here (e.g. an answer
                                            to a forged identity): dropped
    Exit status 0 on a clean stop (SIGTERM, SIGINT, --seconds), 2 on a usage
    or setup problem (said on stderr).
*/

#include "peer.h"
#include "message.h"
#include "registry.h"
#include "statement.h"
#include "codec.h"
#include "status.h"
#include "cert.h"
#include "certtext.h"
#include "crl.h"
#include "authority.h"
#include "truststore.h"
#include "certfile.h"
#include "agreement.h"
#include "agreementtext.h"
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>

#define S_HEARTBEAT_MS      500         //  announced in the directory
#define S_POLL_MS           100
#define S_SECONDS_MAX       86400
#define S_HOUR_MS           (3600 * INT64_C(1000))
#define S_TEN_YEARS         (10 * 365 * INT64_C(86400))
#define S_FAKE_DEPT         "SH-PD-FAKE"
#define S_GHOST_DEPT        "SH-PD-GHOST"   //  no certificate anywhere
#define S_FAKE_CRL_VERSION  1000000     //  newer than any real list
#define S_DEFAULT_ITEM      "enterprise-basic"
#define S_DEFAULT_KEY       "91310115MA1K3BTP2B"
#define S_DEFAULT_FIELD     "extra_field"
#define S_EXTRA_PURPOSE     "any-purpose"
#define S_FLOOD_DEFAULT     1001        //  one above the gateway's default bound
#define S_FLOOD_MAX         100000
#define S_FLOOD_BATCH       100         //  orders per push

//  Command-line values, borrowed from argv.
typedef struct {
    const char *endpoint;
    const char *cert;
    const char *authority;
    const char *certs;
    const char *attack;
    const char *agreement;
    const char *signer;
    const char *department;
    const char *revoker;
    const char *field;
    const char *item;
    const char *seconds;
    const char *crl;
    const char *old_crl;
    const char *count;
} s_args_t;

static const peer_flag_t s_flags [] = {
    { "--endpoint",   offsetof (s_args_t, endpoint),   true,
      "EP          endpoint to bind, e.g. tcp://127.0.0.1:7900" },
    { "--cert",       offsetof (s_args_t, cert),       true,
      "FILE            a real broker certificate with its secrets (.cert_secret)" },
    { "--authority",  offsetof (s_args_t, authority),  true,
      "FILE       the authority's public key (authority.pub)" },
    { "--certs",      offsetof (s_args_t, certs),      true,
      "DIR            the departments' public certificates (*.cert)" },
    { "--attack",     offsetof (s_args_t, attack),     true,
      "NAME          one of the attacks below" },
    { "--agreement",  offsetof (s_args_t, agreement),  false,
      "FILE       the agreement file the attack uses" },
    { "--signer",     offsetof (s_args_t, signer),     false,
      "FILE          a colluding department's .cert_secret" },
    { "--department", offsetof (s_args_t, department), false,
      "D         a department the lies are about" },
    { "--revoker",    offsetof (s_args_t, revoker),    false,
      "FILE         replay-revoked: the provider's .cert_secret, to revoke "
      "honestly\n                       (without it the liar waits for the "
      "gateway's own revocation)" },
    { "--field",      offsetof (s_args_t, field),      false,
      "NAME           altered: the field added (default " S_DEFAULT_FIELD ")" },
    { "--item",       offsetof (s_args_t, item),       false,
      "ITEM            forged-cert: the item a forged identity asks for "
      "(default " S_DEFAULT_ITEM ")" },
    { "--seconds",    offsetof (s_args_t, seconds),    false,
      "N            stop after N seconds (default: at SIGTERM or SIGINT)" },
    { "--crl",        offsetof (s_args_t, crl),        false,
      "FILE             older-crl: the newer list, served at a gateway's first HELLO" },
    { "--old-crl",    offsetof (s_args_t, old_crl),    false,
      "FILE         older-crl: the older list, served at every later HELLO\n"
      "                         (without it: no list at all)" },
    { "--count",      offsetof (s_args_t, count),      false,
      "N              order-flood: the orders pushed (default 1001)" },
};

//  A connected department (or anything that said HELLO).
typedef struct {
    char department [ENVELOPE_DEPT_MAX + 1];
    zframe_t *routing;
    bool attacked;
    size_t hellos;              //  HELLOs answered before this one
    bool rejoined;              //  a later HELLO, not yet struck again
} s_peer_t;

typedef struct _s_liar_t s_liar_t;

//  An attack: what it needs from the command line, and its hooks.
typedef int (s_setup_fn) (s_liar_t *self);
typedef void (s_strike_fn) (s_liar_t *self, s_peer_t *peer);
typedef void (s_list_fn) (s_liar_t *self, zlistx_t *statements);
//  A statement the gateway put (not a catalog); true if the hook took it
//  (then it is not echoed back as a broker would)
typedef bool (s_put_fn) (s_liar_t *self, s_peer_t *peer, statement_t *statement);
//  The statements of a catch-up page for a sync after `since` of `epoch`
//  (added to `statements`), and the page's change number
typedef uint64_t (s_sync_fn) (s_liar_t *self, s_peer_t *peer, const char *epoch,
                              uint64_t since, zlistx_t *statements);

typedef struct {
    const char *name;
    bool needs_agreement;
    bool needs_signer;
    bool needs_department;
    s_setup_fn *setup;          //  checks and prepares; NULL: nothing
    s_strike_fn *strike;        //  once per gateway, after its catalog
    s_list_fn *list;            //  adds to a "listed" answer of catalogs
    const char *help;
    s_put_fn *put;              //  NULL: every put is echoed
    s_strike_fn *again;         //  after each later catalog (a restart); or NULL
    s_sync_fn *sync;            //  NULL: a registry with nothing in it
} s_attack_t;

struct _s_liar_t {
    s_args_t args;
    const s_attack_t *attack;
    FILE *out;                  //  the report, one line per event
    cert_t *cert;               //  the broker's, with secrets
    const char *id;             //  its department id
    uint8_t authority [CERT_KEY_BYTES];
    truststore_t *trust;        //  the real, verified certificates
    agreement_t *agreement;     //  --agreement, or NULL
    cert_t *signer;             //  --signer, or NULL
    cert_t *revoker;            //  --revoker, or NULL
    int64_t seconds;            //  0: until a signal
    zsock_t *router;
    zhashx_t *peers;            //  department -> s_peer_t
    zlist_t *extra_certs;       //  forged certificate texts for the directory
    char *crl_text;             //  revocation list for the directory, or NULL
    char *old_crl_text;         //  older-crl: for every later HELLO, or NULL
    bool crl_rollback;          //  older-crl: later HELLOs get old_crl_text
    size_t flood;               //  order-flood: orders to push
    cert_t *fake;               //  forged-cert: SH-PD-FAKE, with secrets
    uint8_t replaced_sign_secret [CERT_SIGN_SECRET];   //  forged-cert
    zlistx_t *catalogs;         //  honest catalog statements received
    bool awaiting_revocation;   //  replay-revoked, without --revoker
    uint8_t ghost_secret [CERT_SIGN_SECRET];    //  unknown-author: S_GHOST_DEPT's key
};


//  --------------------------------------------------------------------------
//  Reporting

static void
s_report (s_liar_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
s_report (s_liar_t *self, const char *format, ...)
{
    va_list argptr;
    va_start (argptr, format);
    vfprintf (self->out, format, argptr);
    va_end (argptr);
    fputc ('\n', self->out);
    fflush (self->out);
}

//  Who signed an agreement, in words.
static const char *
s_signed_by (agreement_t *agreement)
{
    bool provider = agreement_provider_signed (agreement);
    bool consumer = agreement_consumer_signed (agreement);
    return provider && consumer? "signed by both parties":
           provider? "signed only by the provider":
           consumer? "signed only by the consumer": "signed by neither party";
}


//  --------------------------------------------------------------------------
//  Sending

//  Sends *msg_p to the connection `routing` names, and destroys it; 0 or -1.
static int
s_send_routed (s_liar_t *self, zframe_t *routing, zmsg_t **msg_p)
{
    zframe_t *copy = zframe_dup (routing);
    zmsg_prepend (*msg_p, &copy);
    int rc = zmsg_send (msg_p, self->router);
    zmsg_destroy (msg_p);
    return rc;
}

//  Sends a message from the broker itself, signed with its key.
static int
s_send_own (s_liar_t *self, s_peer_t *peer, int type, const uint8_t *payload,
            size_t size)
{
    envelope_t *envelope = peer_envelope_new (type, self->id, peer->department,
                                              payload, size, 0,
                                              cert_sign_secret (self->cert), NULL);
    int rc = envelope? envelope_send_routed (envelope, self->router, peer->routing): -1;
    envelope_destroy (&envelope);
    return rc;
}

//  Sends a REGISTRY payload (statements may be NULL).
static void
s_registry_send (s_liar_t *self, s_peer_t *peer, const char *op, const uint8_t *re,
                 int status, const char *reason, zlistx_t *statements)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, op, re, status, reason, NULL, statements, NULL);
    s_send_own (self, peer, MSG_REGISTRY, (uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
}

//  Pushes one statement to a gateway.
static void
s_push (s_liar_t *self, s_peer_t *peer, statement_t *statement)
{
    zlistx_t *one = zlistx_new ();
    zlistx_add_end (one, statement);
    s_registry_send (self, peer, "push", NULL, 0, NULL, one);
    zlistx_destroy (&one);
}

//  A statement of `kind` by `signer`'s department about `key`, issued
//  `age_ms` ago, signed with sign_secret. Its version is `version`, or if
//  0 the time it claims, in ms (as a gateway numbers its own, so an older
//  statement has a lower version). NULL (said on stderr) if the arguments
//  are out of bounds.
static statement_t *
s_statement (const char *kind, const char *author, const char *key, uint64_t version,
             const void *payload, size_t size, int64_t age_ms,
             const uint8_t *sign_secret)
{
    if (!version)
        version = (uint64_t) (zclock_time () - age_ms);
    statement_t *statement = statement_new (kind, author, key, version,
                                            (const uint8_t *) payload, size);
    if (!statement) {
        fprintf (stderr, "sluice-liar: cannot make a %s statement about %s\n", kind, key);
        return NULL;
    }
    if (age_ms)
        statement_set_issued (statement, zclock_time () - age_ms);
    statement_sign (statement, sign_secret);
    return statement;
}

//  The body of an order for --item (or the default) with the gateway.
static void
s_order_body (s_liar_t *self, s_peer_t *peer, const char *purpose, const char *basis,
              msgpack_sbuffer *buffer)
{
    order_t order;
    memset (&order, 0, sizeof (order));
    snprintf (order.provider, sizeof (order.provider), "%s", peer->department);
    snprintf (order.item, sizeof (order.item), "%s",
              self->args.item? self->args.item: S_DEFAULT_ITEM);
    snprintf (order.purpose, sizeof (order.purpose), "%s", purpose);
    snprintf (order.legal_basis, sizeof (order.legal_basis), "%s", basis);
    registry_order_encode (&order, buffer);
}

//  Pushes `agreement` wrapped in a statement by the signer, issued age_ms ago.
static void
s_push_agreement (s_liar_t *self, s_peer_t *peer, agreement_t *agreement,
                  int64_t age_ms, const char *what)
{
    char *text = agreementtext_encode (agreement);
    statement_t *statement = s_statement (STATEMENT_AGREEMENT, cert_department (self->signer),
                                          agreement_id (agreement),
                                          agreement_version (agreement), text, strlen (text),
                                          age_ms, cert_sign_secret (self->signer));
    if (statement) {
        s_push (self, peer, statement);
        s_report (self, "sent: agreement %s %s, %s, in a statement signed by %s%s",
                  agreement_id (agreement), s_signed_by (agreement), what,
                  cert_department (self->signer),
                  age_ms > 0? " (issued in the past)": "");
    }
    statement_destroy (&statement);
    zstr_free (&text);
}


//  --------------------------------------------------------------------------
//  Text surgery: forged objects keep their real signatures

//  Replaces the value of the line "    KEY = VALUE" in text; fresh string,
//  or NULL if there is no such line.
static char *
s_replace_value (const char *text, const char *key, const char *value)
{
    char *needle = zsys_sprintf ("\n    %s = ", key);
    const char *start = strstr (text, needle);
    char *result = NULL;
    if (start) {
        start += strlen (needle);
        const char *end = strchr (start, '\n');
        if (!end)
            end = start + strlen (start);
        result = zsys_sprintf ("%.*s%s%s", (int) (start - text), text, value, end);
    }
    zstr_free (&needle);
    return result;
}

//  The agreement with one or two values of its text changed (key2 may be
//  NULL), both signatures kept; NULL if the result does not decode or
//  signs the same bytes as the original.
static agreement_t *
s_agreement_altered (agreement_t *agreement, const char *key, const char *value,
                     const char *key2, const char *value2)
{
    char *text = agreementtext_encode (agreement);
    char *altered = s_replace_value (text, key, value);
    if (altered && key2) {
        char *twice = s_replace_value (altered, key2, value2);
        zstr_free (&altered);
        altered = twice;
    }
    agreement_t *result = altered? agreementtext_decode (altered, strlen (altered), NULL): NULL;
    if (result) {
        size_t size, altered_size;
        uint8_t *canonical = agreement_canonical (agreement, &size);
        uint8_t *changed = agreement_canonical (result, &altered_size);
        if (size == altered_size && memcmp (canonical, changed, size) == 0)
            agreement_destroy (&result);        //  nothing changed
        free (canonical);
        free (changed);
    }
    zstr_free (&altered);
    zstr_free (&text);
    return result;
}


//  --------------------------------------------------------------------------
//  Attacks on agreements

static void
s_strike_honest (s_liar_t *self, s_peer_t *peer)
{
    s_push_agreement (self, peer, self->agreement, 0,
                      "unaltered (the control: it should be in force)");
}

static int
s_setup_consumer_only (s_liar_t *self)
{
    if (agreement_provider_signed (self->agreement)) {
        fprintf (stderr, "sluice-liar: consumer-only needs an agreement its "
                 "provider has not signed\n");
        return -1;
    }
    return 0;
}

static void
s_strike_consumer_only (s_liar_t *self, s_peer_t *peer)
{
    s_push_agreement (self, peer, self->agreement, 0, "as if it were in force");
}

static int
s_setup_both_signed (s_liar_t *self)
{
    if (!agreement_provider_signed (self->agreement)
    ||  !agreement_consumer_signed (self->agreement)) {
        fprintf (stderr, "sluice-liar: %s needs an agreement signed by both parties\n",
                 self->attack->name);
        return -1;
    }
    return 0;
}

static void
s_strike_altered (s_liar_t *self, s_peer_t *peer)
{
    agreement_t *agreement = self->agreement;
    size_t used = 0;
    char fields [2048] = "";
    for (size_t index = 0; index < agreement_field_count (agreement); index++)
        used += (size_t) snprintf (fields + used, sizeof (fields) - used, "%s,",
                                   agreement_field (agreement, index));
    snprintf (fields + used, sizeof (fields) - used, "%s",
              self->args.field? self->args.field: S_DEFAULT_FIELD);
    used = 0;
    char purposes [2048] = "";
    for (size_t index = 0; index < agreement_purpose_count (agreement); index++)
        used += (size_t) snprintf (purposes + used, sizeof (purposes) - used, "%s,",
                                   agreement_purpose (agreement, index));
    snprintf (purposes + used, sizeof (purposes) - used, "%s", S_EXTRA_PURPOSE);
    char until [CERTFILE_TIME_SIZE];
    certfile_time_format (agreement_valid_until (agreement) + S_TEN_YEARS, until);
    char *quoted_fields = zsys_sprintf ("\"%s\"", fields);
    char *quoted_until = zsys_sprintf ("\"%s\"", until);
    char *quoted_purposes = zsys_sprintf ("\"%s\"", purposes);
    char *quota = zsys_sprintf ("%u", AGREEMENT_QUOTA_MAX);
    const struct {
        const char *key;
        const char *value;
        const char *what;
    } changes [] = {
        { "fields",      quoted_fields, "with a field added to `fields`" },
        { "valid-until", quoted_until,  "with valid-until extended by ten years" },
        { "daily-quota", quota,         "with its daily quota raised to the maximum" },
        { "purposes",    quoted_purposes, "with a purpose added" },
    };
    for (size_t index = 0; index < sizeof (changes) / sizeof (changes [0]); index++) {
        agreement_t *altered = s_agreement_altered (agreement, changes [index].key,
                                                    changes [index].value, NULL, NULL);
        if (altered) {
            char *what = zsys_sprintf ("%s (%s = %s), the original signatures kept",
                                       changes [index].what, changes [index].key,
                                       changes [index].value);
            s_push_agreement (self, peer, altered, 0, what);
            zstr_free (&what);
        }
        else
            fprintf (stderr, "sluice-liar: could not alter %s (or it was so already)\n",
                     changes [index].key);
        agreement_destroy (&altered);
    }
    zstr_free (&quoted_fields);
    zstr_free (&quoted_until);
    zstr_free (&quoted_purposes);
    zstr_free (&quota);
}

static int
s_setup_expired (s_liar_t *self)
{
    if (s_setup_both_signed (self))
        return -1;
    if (agreement_valid_until (self->agreement) > zclock_time () / 1000) {
        fprintf (stderr, "sluice-liar: expired needs an agreement whose "
                 "valid-until has passed\n");
        return -1;
    }
    return 0;
}

static void
s_strike_expired (s_liar_t *self, s_peer_t *peer)
{
    char until [CERTFILE_TIME_SIZE];
    certfile_time_format (agreement_valid_until (self->agreement), until);
    char *what = zsys_sprintf ("expired at %s", until);
    s_push_agreement (self, peer, self->agreement, 0, what);
    zstr_free (&what);
}

static int
s_setup_replay_revoked (s_liar_t *self)
{
    if (s_setup_both_signed (self))
        return -1;
    if (self->revoker
    &&  !streq (cert_department (self->revoker), agreement_provider (self->agreement))) {
        fprintf (stderr, "sluice-liar: --revoker must be the agreement's provider, %s\n",
                 agreement_provider (self->agreement));
        return -1;
    }
    return 0;
}

//  The replays, once the gateway holds the revocation: an older statement
//  of the agreement, and a newer one, each by the colluding signer.
static void
s_replay_revoked (s_liar_t *self, s_peer_t *peer)
{
    s_push_agreement (self, peer, self->agreement, 2 * S_HOUR_MS,
                      "replayed after its revocation: an older statement (2 h old)");
    s_push_agreement (self, peer, self->agreement, 0,
                      "registered again after its revocation: a newer statement");
}

static void
s_strike_replay_revoked (s_liar_t *self, s_peer_t *peer)
{
    s_push_agreement (self, peer, self->agreement, S_HOUR_MS,
                      "as registered 1 h ago (honest)");
    if (!self->revoker) {
        self->awaiting_revocation = true;
        s_report (self, "waiting: for %s to revoke %s", peer->department,
                  agreement_id (self->agreement));
        return;
    }
    const char *reason = "revoked by its provider";
    statement_t *revocation = s_statement (STATEMENT_REVOCATION,
                                           cert_department (self->revoker),
                                           agreement_id (self->agreement), 0,
                                           reason, strlen (reason), S_HOUR_MS / 2,
                                           cert_sign_secret (self->revoker));
    if (revocation) {
        s_push (self, peer, revocation);
        s_report (self, "sent: agreement-revocation %s signed by its provider %s "
                  "(honest, issued 30 min ago)", agreement_id (self->agreement),
                  cert_department (self->revoker));
        s_replay_revoked (self, peer);
    }
    statement_destroy (&revocation);
}

static int
s_setup_forged_revocation (s_liar_t *self)
{
    if (s_setup_both_signed (self))
        return -1;
    if (streq (cert_department (self->signer), agreement_provider (self->agreement))) {
        fprintf (stderr, "sluice-liar: forged-revocation needs a --signer that is "
                 "not the provider\n");
        return -1;
    }
    return 0;
}

//  Three revocations that are not the provider's: one before the gateway
//  holds the agreement (its payload an agreement naming the signer as the
//  provider), then the agreement itself, honestly, then one after.
static void
s_strike_forged_revocation (s_liar_t *self, s_peer_t *peer)
{
    agreement_t *agreement = self->agreement;
    const char *signer = cert_department (self->signer);
    //  The signer as provider, the real provider as consumer: for the
    //  consumer, the parties swapped
    char *provider = zsys_sprintf ("\"%s\"", signer);
    char *consumer = zsys_sprintf ("\"%s\"", agreement_provider (agreement));
    agreement_t *swapped = s_agreement_altered (agreement, "provider", provider,
                                                "consumer", consumer);
    if (swapped && streq (agreement_provider (swapped), signer)) {
        char *text = agreementtext_encode (swapped);
        statement_t *revocation = s_statement (STATEMENT_REVOCATION, signer,
                                               agreement_id (agreement), 0, text,
                                               strlen (text), 0,
                                               cert_sign_secret (self->signer));
        if (revocation) {
            s_push (self, peer, revocation);
            s_report (self, "sent: agreement-revocation %s signed by %s (not the "
                      "provider) before the gateway holds the agreement, its payload "
                      "an agreement naming %s as provider", agreement_id (agreement),
                      signer, signer);
        }
        statement_destroy (&revocation);
        zstr_free (&text);
    }
    else
        fprintf (stderr, "sluice-liar: could not make %s the provider of %s\n",
                 signer, agreement_id (agreement));
    agreement_destroy (&swapped);
    zstr_free (&provider);
    zstr_free (&consumer);

    s_push_agreement (self, peer, agreement, S_HOUR_MS,
                      "as registered 1 h ago (honest: it must stay in force)");
    const char *reason = "revoked by the consumer";
    statement_t *revocation = s_statement (STATEMENT_REVOCATION, signer,
                                           agreement_id (agreement), 0, reason,
                                           strlen (reason), 0,
                                           cert_sign_secret (self->signer));
    if (revocation) {
        s_push (self, peer, revocation);
        s_report (self, "sent: agreement-revocation %s signed by %s, the %s, not the "
                  "provider %s", agreement_id (agreement), signer,
                  streq (signer, agreement_consumer (agreement))? "consumer": "outsider",
                  agreement_provider (agreement));
    }
    statement_destroy (&revocation);
}


//  --------------------------------------------------------------------------
//  Forged catalogs

//  The base of the forged catalogs: the newest catalog a gateway published
//  here, or a small one with a conditional item.
static void
s_catalog_base (s_liar_t *self, msgpack_sbuffer *buffer)
{
    statement_t *last = (statement_t *) zlistx_last (self->catalogs);
    if (last) {
        msgpack_sbuffer_write (buffer, (const char *) statement_payload (last),
                               statement_payload_size (last));
        return;
    }
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_str (&pk, "department", "");
    codec_pack_str (&pk, "items");
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_str (&pk, "name", "forged-item");
    codec_pack_kv_str (&pk, "share", "conditional");
}

static bool
s_str_is (const msgpack_object *object, const char *text)
{
    return object->type == MSGPACK_OBJECT_STR
        && object->via.str.size == strlen (text)
        && memcmp (object->via.str.ptr, text, object->via.str.size) == 0;
}

//  Packs an item map with every share class made "open".
static void
s_pack_item_opened (msgpack_packer *pk, const msgpack_object *item)
{
    if (item->type != MSGPACK_OBJECT_MAP) {
        msgpack_pack_object (pk, *item);
        return;
    }
    msgpack_pack_map (pk, item->via.map.size);
    for (uint32_t index = 0; index < item->via.map.size; index++) {
        const msgpack_object_kv *entry = &item->via.map.ptr [index];
        msgpack_pack_object (pk, entry->key);
        if (s_str_is (&entry->key, "share"))
            codec_pack_str (pk, "open");
        else
            msgpack_pack_object (pk, entry->val);
    }
}

//  A catalog payload from the base: "department" set to `department`, and
//  if `open_all`, every item's share class "open". Returns 0, -1 if the base
//  is not a map.
static int
s_catalog_payload (s_liar_t *self, const char *department, bool open_all,
                   msgpack_sbuffer *buffer)
{
    msgpack_sbuffer base;
    msgpack_sbuffer_init (&base);
    s_catalog_base (self, &base);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    int rc = -1;
    if (codec_unpack ((uint8_t *) base.data, base.size, &unpacked) == STATUS_OK
    &&  unpacked.data.type == MSGPACK_OBJECT_MAP) {
        const msgpack_object_map *map = &unpacked.data.via.map;
        msgpack_packer pk;
        msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
        msgpack_pack_map (&pk, map->size);
        for (uint32_t index = 0; index < map->size; index++) {
            const msgpack_object_kv *entry = &map->ptr [index];
            msgpack_pack_object (&pk, entry->key);
            if (s_str_is (&entry->key, "department"))
                codec_pack_str (&pk, department);
            else
            if (open_all && s_str_is (&entry->key, "items")
            &&  entry->val.type == MSGPACK_OBJECT_ARRAY) {
                msgpack_pack_array (&pk, entry->val.via.array.size);
                for (uint32_t item = 0; item < entry->val.via.array.size; item++)
                    s_pack_item_opened (&pk, &entry->val.via.array.ptr [item]);
            }
            else
                msgpack_pack_object (&pk, entry->val);
        }
        rc = 0;
    }
    msgpack_unpacked_destroy (&unpacked);
    msgpack_sbuffer_destroy (&base);
    return rc;
}

//  A statement whose payload is `payload` but whose signature is that of
//  `signed_one` (same kind, author, key, version and time): encoded as
//  statement.c encodes, so only the signature check can tell.
static statement_t *
s_statement_with_payload (statement_t *signed_one, const uint8_t *payload, size_t size)
{
    size_t encoded_size;
    const uint8_t *encoded = statement_encoded (signed_one, &encoded_size);
    statement_t *decoded = statement_decode (encoded, encoded_size);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    statement_t *result = NULL;
    if (decoded && codec_unpack (encoded, encoded_size, &unpacked) == STATUS_OK) {
        const msgpack_object *signature = &unpacked.data.via.array.ptr [7];
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
        msgpack_pack_array (&pk, 8);
        codec_pack_str (&pk, "sluice-statement-2");
        codec_pack_str (&pk, statement_kind (signed_one));
        codec_pack_str (&pk, statement_author (signed_one));
        codec_pack_str (&pk, statement_key (signed_one));
        msgpack_pack_uint64 (&pk, statement_version (signed_one));
        msgpack_pack_int64 (&pk, statement_issued (signed_one));
        msgpack_pack_bin (&pk, size);
        msgpack_pack_bin_body (&pk, payload, size);
        msgpack_pack_object (&pk, *signature);
        result = statement_decode ((uint8_t *) buffer.data, buffer.size);
        msgpack_sbuffer_destroy (&buffer);
    }
    msgpack_unpacked_destroy (&unpacked);
    statement_destroy (&decoded);
    return result;
}

static void
s_list_forged_catalog (s_liar_t *self, zlistx_t *statements)
{
    const char *claimed = self->args.department;
    const char *signer = cert_department (self->signer);
    msgpack_sbuffer payload;
    msgpack_sbuffer_init (&payload);
    //  1. Claims to be another department's, signed with the broker's key
    if (s_catalog_payload (self, claimed, false, &payload) == 0) {
        statement_t *statement = s_statement (STATEMENT_CATALOG, claimed, claimed, 0,
                                              payload.data, payload.size, 0,
                                              cert_sign_secret (self->cert));
        if (statement) {
            zlistx_add_end (statements, statement);
            s_report (self, "sent: catalog claiming author %s, signed with the "
                      "broker's own key", claimed);
        }
    }
    //  2. The signer's, really signed, then its payload altered; and 3. the
    //  same unaltered, the control
    msgpack_sbuffer_clear (&payload);
    msgpack_sbuffer altered;
    msgpack_sbuffer_init (&altered);
    if (s_catalog_payload (self, signer, false, &payload) == 0
    &&  s_catalog_payload (self, signer, true, &altered) == 0) {
        statement_t *statement = s_statement (STATEMENT_CATALOG, signer, signer, 0,
                                              payload.data, payload.size, 0,
                                              cert_sign_secret (self->signer));
        statement_t *forged = statement?
            s_statement_with_payload (statement, (uint8_t *) altered.data, altered.size): NULL;
        if (forged) {
            zlistx_add_end (statements, forged);
            s_report (self, "sent: catalog of %s signed by %s, then its payload altered "
                      "(every item made open) keeping the signature", signer, signer);
        }
        if (statement) {
            zlistx_add_end (statements, statement);
            s_report (self, "sent: catalog of %s signed by %s, unaltered (the control: "
                      "it should be listed)", signer, signer);
        }
    }
    msgpack_sbuffer_destroy (&altered);
    msgpack_sbuffer_destroy (&payload);
}


//  --------------------------------------------------------------------------
//  Forged certificates and revocation lists (in the directory)

static int
s_setup_forged_cert (s_liar_t *self)
{
    int64_t now = zclock_time () / 1000;
    //  A department the authority never certified, signed by another key
    authority_t *fake_authority = authority_new ("Forged authority", NULL);
    self->fake = cert_new (S_FAKE_DEPT, "Forged department", "department",
                           CERT_CLEARANCE_MAX, 1, now - 60, now + 86400, NULL);
    if (!fake_authority || !self->fake) {
        authority_destroy (&fake_authority);
        fprintf (stderr, "sluice-liar: cannot make the forged certificate\n");
        return -1;
    }
    cert_sign_by (self->fake, fake_authority);
    authority_destroy (&fake_authority);
    char *text = certtext_encode (self->fake);
    zlist_append (self->extra_certs, text);
    zstr_free (&text);

    //  A real department's certificate with its signing key replaced
    cert_t *real = truststore_lookup (self->trust, self->args.department);
    if (!real) {
        fprintf (stderr, "sluice-liar: no certificate for %s in --certs\n",
                 self->args.department);
        return -1;
    }
    uint8_t sign_public [CERT_KEY_BYTES];
    crypto_sign_keypair (sign_public, self->replaced_sign_secret);
    char hex [CERT_KEY_BYTES * 2 + 3];
    hex [0] = '"';
    sodium_bin2hex (hex + 1, CERT_KEY_BYTES * 2 + 1, sign_public, CERT_KEY_BYTES);
    strcat (hex, "\"");
    text = certtext_encode (real);
    char *forged = s_replace_value (text, "sign-key", hex);
    cert_t *check = forged? certtext_decode (forged, strlen (forged), NULL): NULL;
    int rc = 0;
    if (!check || memcmp (cert_sign_public (check), sign_public, CERT_KEY_BYTES)) {
        fprintf (stderr, "sluice-liar: cannot replace the key of %s\n",
                 self->args.department);
        rc = -1;
    }
    else
        zlist_append (self->extra_certs, forged);
    cert_destroy (&check);
    zstr_free (&forged);
    zstr_free (&text);
    return rc;
}

//  A QUERY from `from`, signed with sign_secret and sealed with the box key
//  between box_secret and the gateway's certificate, routed to the gateway.
static void
s_query_as (s_liar_t *self, s_peer_t *peer, const char *from,
            const uint8_t *sign_secret, const uint8_t *box_secret, const char *who)
{
    cert_t *target = truststore_lookup (self->trust, peer->department);
    uint8_t box_key [ENVELOPE_KEY_BYTES];
    if (!target || crypto_box_beforenm (box_key, cert_box_public (target), box_secret))
        return;
    const peer_query_t query = {
        .from = from, .to = peer->department,
        .item = self->args.item? self->args.item: S_DEFAULT_ITEM,
        .key = S_DEFAULT_KEY, .purpose = "inspection", .officer = "liar"
    };
    envelope_t *envelope = peer_query_new (&query, sign_secret, box_key);
    if (envelope && envelope_send_routed (envelope, self->router, peer->routing) == 0)
        s_report (self, "sent: QUERY for %.*s from %s, %s", MESSAGE_ITEM_MAX,
                  query.item, from, who);
    envelope_destroy (&envelope);
    sodium_memzero (box_key, sizeof (box_key));
}

//  Pushes an order to the gateway, filed by `author` and signed with
//  sign_secret (which may not be the author's), for --item or the default.
static void
s_push_order (s_liar_t *self, s_peer_t *peer, const char *author,
              const uint8_t *sign_secret, const char *basis, const char *how)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    char *legal_basis = zsys_sprintf ("none: %s", basis);
    s_order_body (self, peer, "inspection", legal_basis, &buffer);
    zstr_free (&legal_basis);
    char key [STATEMENT_KEY_MAX + 1];
    snprintf (key, sizeof (key), "ORD-LIAR-%s", author);
    statement_t *statement = s_statement (STATEMENT_ORDER, author, key, 0,
                                          buffer.data, buffer.size, 0, sign_secret);
    if (statement) {
        s_push (self, peer, statement);
        s_report (self, "sent: order %s from %s %s", key, author, how);
    }
    statement_destroy (&statement);
    msgpack_sbuffer_destroy (&buffer);
}

//  Probes what the forged certificates would give: a query from the forged
//  department, sealed with its keys, and an order statement from the real
//  department signed with the replaced key.
static void
s_strike_forged_cert (s_liar_t *self, s_peer_t *peer)
{
    s_report (self, "sent: directory with a certificate for %s signed by a forged "
              "authority, and %s's certificate with its sign-key replaced",
              S_FAKE_DEPT, self->args.department);
    s_query_as (self, peer, S_FAKE_DEPT, cert_sign_secret (self->fake),
                cert_box_secret (self->fake),
                "signed and sealed with its forged certificate's keys");
    s_push_order (self, peer, self->args.department, self->replaced_sign_secret,
                  "a forged order", "signed with the replaced key");
}

static int
s_setup_forged_crl (s_liar_t *self)
{
    authority_t *fake_authority = authority_new ("Forged authority", NULL);
    crl_t *crl = crl_new (S_FAKE_CRL_VERSION, NULL);
    int rc = -1;
    if (fake_authority && crl
    &&  crl_add (crl, self->args.department, 0, zclock_time () / 1000,
                 "forged by a lying broker", NULL) == 0) {
        crl_sign_by (crl, fake_authority);
        self->crl_text = crl_encode (crl);
        rc = 0;
    }
    else
        fprintf (stderr, "sluice-liar: cannot make the forged revocation list\n");
    crl_destroy (&crl);
    authority_destroy (&fake_authority);
    return rc;
}

static void
s_strike_forged_crl (s_liar_t *self, s_peer_t *peer)
{
    s_report (self, "sent: directory with a revocation list (version %d) revoking %s, "
              "signed by a forged authority", S_FAKE_CRL_VERSION, self->args.department);
}


//  --------------------------------------------------------------------------
//  Rolling an agreement back, and more than the bound of orders

//  The older version, as registered before (honest)
static void
s_strike_rollback (s_liar_t *self, s_peer_t *peer)
{
    s_push_agreement (self, peer, self->agreement, 0,
                      "as registered before (honest, the older version)");
}

//  After a restart of the gateway: the older version once more
static void
s_again_rollback (s_liar_t *self, s_peer_t *peer)
{
    s_push_agreement (self, peer, self->agreement, 0,
                      "pushed again after the gateway came back");
}

//  The provider registers a newer version: swallowed, never echoed, and
//  the older one pushed again as if the consumer re-registered it
static bool
s_put_rollback (s_liar_t *self, s_peer_t *peer, statement_t *statement)
{
    if (!streq (statement_kind (statement), STATEMENT_AGREEMENT)
    ||  !streq (statement_key (statement), agreement_id (self->agreement)))
        return false;
    s_report (self, "swallowed: agreement %s version %" PRIu64 " from %s, not echoed",
              statement_key (statement), statement_version (statement),
              statement_author (statement));
    char *what = zsys_sprintf ("version %" PRIu64 ", re-registered by the consumer after "
                               "the provider's version %" PRIu64,
                               agreement_version (self->agreement),
                               statement_version (statement));
    s_push_agreement (self, peer, self->agreement, 0, what);
    zstr_free (&what);
    return true;
}

static int
s_setup_order_flood (s_liar_t *self)
{
    uint64_t count = S_FLOOD_DEFAULT;
    if (self->args.count
    &&  (certfile_uint_parse (self->args.count, S_FLOOD_MAX, &count) || count == 0)) {
        fprintf (stderr, "sluice-liar: --count must be 1 to %d\n", S_FLOOD_MAX);
        return -1;
    }
    self->flood = (size_t) count;
    return 0;
}

//  --count orders from the signer to the gateway, in pushes of
//  S_FLOOD_BATCH: more than the gateway keeps for one department
static void
s_strike_order_flood (s_liar_t *self, s_peer_t *peer)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    s_order_body (self, peer, "flood", "none: a flood of orders", &buffer);
    const char *signer = cert_department (self->signer);
    zlistx_t *batch = zlistx_new ();
    zlistx_set_destructor (batch, (zlistx_destructor_fn *) statement_destroy);
    size_t sent = 0;
    for (size_t index = 0; index < self->flood; index++) {
        char key [STATEMENT_KEY_MAX + 1];
        snprintf (key, sizeof (key), "ORD-LIAR-FLOOD-%zu", index);
        statement_t *statement = s_statement (STATEMENT_ORDER, signer, key, 0, buffer.data,
                                              buffer.size, 0, cert_sign_secret (self->signer));
        if (statement)
            zlistx_add_end (batch, statement);
        if (zlistx_size (batch) == S_FLOOD_BATCH || index + 1 == self->flood) {
            s_registry_send (self, peer, "push", NULL, 0, NULL, batch);
            sent += zlistx_size (batch);
            zlistx_purge (batch);
        }
    }
    zlistx_destroy (&batch);
    msgpack_sbuffer_destroy (&buffer);
    s_report (self, "sent: %zu orders from %s to %s, in pushes of %d", sent, signer,
              peer->department, S_FLOOD_BATCH);
}


//  --------------------------------------------------------------------------
//  An older revocation list after a restart

static char *
s_crl_text (const char *path)
{
    crl_t *crl = path? crl_load (path, NULL): NULL;
    char *text = crl? crl_encode (crl): NULL;
    crl_destroy (&crl);
    return text;
}

static int
s_setup_older_crl (s_liar_t *self)
{
    self->crl_text = s_crl_text (self->args.crl);
    self->old_crl_text = self->args.old_crl? s_crl_text (self->args.old_crl): NULL;
    if (!self->crl_text || (self->args.old_crl && !self->old_crl_text)) {
        fprintf (stderr, "sluice-liar: older-crl needs --crl (and --old-crl, if "
                 "given) to be revocation lists\n");
        return -1;
    }
    self->crl_rollback = true;
    return 0;
}

//  A broker's identity posing as a department

//  --signer is another broker's certificate: its public text goes into the
//  directory, as a broker whose certificates directory held it would send.
static int
s_setup_broker_peer (s_liar_t *self)
{
    if (!streq (cert_role (self->signer), CERT_ROLE_BROKER)) {
        fprintf (stderr, "sluice-liar: broker-peer needs --signer to be a broker's "
                 ".cert_secret\n");
        return -1;
    }
    char *text = certtext_encode (self->signer);
    zlist_append (self->extra_certs, text);
    zstr_free (&text);
    return 0;
}

//  Asks as the other broker, and as this broker itself, each signed and
//  sealed with that broker's own keys; files an order as the other broker.
//  Only departments ask and answer: the gateway answers none of them.
static void
s_strike_broker_peer (s_liar_t *self, s_peer_t *peer)
{
    s_query_as (self, peer, cert_department (self->signer), cert_sign_secret (self->signer),
                cert_box_secret (self->signer),
                "signed and sealed with that broker's keys (the other broker's)");
    s_query_as (self, peer, self->id, cert_sign_secret (self->cert),
                cert_box_secret (self->cert),
                "signed and sealed with this broker's own keys");
    s_push_order (self, peer, cert_department (self->signer), cert_sign_secret (self->signer),
                  "a broker's order", "signed with its key");
}


//  --------------------------------------------------------------------------
//  Versions ahead of the clock, and authors unknown in a catch-up

//  An order from the signer numbered 2^63-1, which would freeze its id for
//  good, then the same id numbered by the clock
static void
s_strike_version_ahead (s_liar_t *self, s_peer_t *peer)
{
    const char *signer = cert_department (self->signer);
    const char *purposes [2] = { "numbered ahead", "numbered by the clock" };
    uint64_t versions [2] = { STATEMENT_VERSION_MAX, 0 };
    for (size_t index = 0; index < 2; index++) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        s_order_body (self, peer, purposes [index], "none: versions", &buffer);
        statement_t *statement = s_statement (STATEMENT_ORDER, signer, "ORD-LIAR-AHEAD",
                                              versions [index], buffer.data, buffer.size,
                                              0, cert_sign_secret (self->signer));
        if (statement) {
            s_push (self, peer, statement);
            s_report (self, "sent: order ORD-LIAR-AHEAD from %s version %" PRIu64 " (%s)",
                      signer, statement_version (statement), purposes [index]);
        }
        statement_destroy (&statement);
        msgpack_sbuffer_destroy (&buffer);
    }
}

static int
s_setup_unknown_author (s_liar_t *self)
{
    uint8_t public_key [CERT_KEY_BYTES];
    crypto_sign_keypair (public_key, self->ghost_secret);
    return 0;
}

//  The catch-up holds, at change 1, an order from S_GHOST_DEPT, whom no
//  certificate names (its directory is whole without it), and at change 2
//  one from the signer; after change 2, nothing
static uint64_t
s_sync_unknown_author (s_liar_t *self, s_peer_t *peer, const char *epoch, uint64_t since,
                       zlistx_t *statements)
{
    if (streq (epoch, "liar") && since >= 2)
        return since;
    struct {
        const char *author, *key;
        const uint8_t *sign_secret;
    } orders [2] = {
        { S_GHOST_DEPT, "ORD-LIAR-GHOST", self->ghost_secret },
        { cert_department (self->signer), "ORD-LIAR-KNOWN", cert_sign_secret (self->signer) }
    };
    for (size_t index = 0; index < 2; index++) {
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        s_order_body (self, peer, "catch-up", "none: a catch-up", &buffer);
        statement_t *statement = s_statement (STATEMENT_ORDER, orders [index].author,
                                              orders [index].key, 0, buffer.data,
                                              buffer.size, 0, orders [index].sign_secret);
        if (statement)
            zlistx_add_end (statements, statement);
        msgpack_sbuffer_destroy (&buffer);
    }
    s_report (self, "sent: catch-up page to %s: order ORD-LIAR-GHOST from %s (no "
              "certificate), order ORD-LIAR-KNOWN from %s; up to change 2",
              peer->department, S_GHOST_DEPT, cert_department (self->signer));
    return 2;
}

static const s_attack_t s_attacks [] = {
    { "honest", true, true, false, NULL, s_strike_honest, NULL,
      "push --agreement as it is, by --signer (the control: it is granted)" },
    { "consumer-only", true, true, false, s_setup_consumer_only,
      s_strike_consumer_only, NULL,
      "push --agreement signed only by its consumer, by --signer" },
    { "altered", true, true, false, s_setup_both_signed, s_strike_altered, NULL,
      "push --agreement with fields, valid-until, quota or purposes changed, "
      "signatures kept" },
    { "expired", true, true, false, s_setup_expired, s_strike_expired, NULL,
      "push --agreement, signed by both but expired, by --signer" },
    { "replay-revoked", true, true, false, s_setup_replay_revoked,
      s_strike_replay_revoked, NULL,
      "push --agreement, its revocation (--revoker), then older and newer copies" },
    { "forged-revocation", true, true, false, s_setup_forged_revocation,
      s_strike_forged_revocation, NULL,
      "revoke --agreement by --signer (not its provider), before and after it is held" },
    { "forged-catalog", false, true, true, NULL, NULL, s_list_forged_catalog,
      "list a catalog of --department signed by the broker, and an altered one "
      "of --signer" },
    { "forged-cert", false, false, true, s_setup_forged_cert, s_strike_forged_cert, NULL,
      "directory: " S_FAKE_DEPT " by a forged authority, --department with a "
      "key replaced" },
    { "forged-crl", false, false, true, s_setup_forged_crl, s_strike_forged_crl, NULL,
      "directory: a revocation list revoking --department, by a forged authority" },
    { "rollback", true, true, false, s_setup_both_signed, s_strike_rollback, NULL,
      "push --agreement; when the gateway registers a newer version, swallow it\n"
      "                     and push --agreement again (and after a restart)",
      s_put_rollback, s_again_rollback },
    { "order-flood", false, true, false, s_setup_order_flood, s_strike_order_flood, NULL,
      "push --count orders from --signer: more than a gateway keeps" },
    { "older-crl", false, false, false, s_setup_older_crl, NULL, NULL,
      "directory: --crl at a gateway's first HELLO, --old-crl (or none) after" },
    { "broker-peer", false, true, false, s_setup_broker_peer, s_strike_broker_peer, NULL,
      "ask (and order) as --signer, another broker, and as this broker, each with "
      "its own keys" },
    { .name = "version-ahead", .needs_signer = true, .strike = s_strike_version_ahead,
      .help = "push an order from --signer numbered 2^63-1, then the same id "
              "numbered by the clock" },
    { .name = "unknown-author", .needs_signer = true, .setup = s_setup_unknown_author,
      .sync = s_sync_unknown_author,
      .help = "catch-up: an order from " S_GHOST_DEPT ", whom no certificate names,\n"
              "                     then one from --signer" },
};


//  --------------------------------------------------------------------------
//  Answering like a broker

static void
s_peer_destroy (s_peer_t **peer_p)
{
    if (*peer_p) {
        zframe_destroy (&(*peer_p)->routing);
        free (*peer_p);
        *peer_p = NULL;
    }
}

//  The directory: every real certificate, then the forged ones, and the
//  (forged, or for older-crl at a later HELLO the older) revocation list
//  if any, as a WELCOME and one DIRECTORY page.
static void
s_welcome (s_liar_t *self, s_peer_t *peer)
{
    const char *crl_text = self->crl_rollback && peer->hellos?
                           self->old_crl_text: self->crl_text;
    zlist_t *texts = zlist_new ();
    zlist_autofree (texts);
    for (cert_t *cert = truststore_first (self->trust); cert;
         cert = truststore_next (self->trust)) {
        char *text = certtext_encode (cert);
        zlist_append (texts, text);
        zstr_free (&text);
    }
    for (char *text = (char *) zlist_first (self->extra_certs); text;
         text = (char *) zlist_next (self->extra_certs))
        zlist_append (texts, text);
    const char **array = (const char **) calloc (zlist_size (texts) + 1, sizeof (char *));
    assert (array);
    size_t count = 0;
    for (char *text = (char *) zlist_first (texts); text; text = (char *) zlist_next (texts))
        array [count++] = text;
    size_t crl_size = crl_text? strlen (crl_text): 0;
    message_page_t page = { .heartbeat_ms = S_HEARTBEAT_MS, .epoch = 1, .version = 1,
                            .since = 0, .page = 0, .pages = 1, .crl_size = crl_size };
    snprintf (page.broker, sizeof (page.broker), "%s", self->id);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    message_directory_encode (&page, NULL, 0, NULL, 0, &buffer);
    s_send_own (self, peer, MSG_WELCOME, (uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    page.page = 1;
    msgpack_sbuffer_init (&buffer);
    message_directory_encode (&page, array, count, (const uint8_t *) crl_text,
                              crl_size, &buffer);
    s_send_own (self, peer, MSG_DIRECTORY, (uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    if (self->crl_rollback)
        s_report (self, "sent: directory to %s with %s", peer->department,
                  !crl_text? "no revocation list":
                  crl_text == self->crl_text? "the newer revocation list (--crl)":
                  "the older revocation list (--old-crl)");
    free (array);
    zlist_destroy (&texts);
}

static void
s_hello (s_liar_t *self, zframe_t *routing, const char *department)
{
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, department);
    if (!peer) {
        peer = (s_peer_t *) zmalloc (sizeof (s_peer_t));
        assert (peer);
        snprintf (peer->department, sizeof (peer->department), "%s", department);
        zhashx_insert (self->peers, department, peer);
    }
    else {
        peer->hellos++;
        peer->rejoined = true;
    }
    zframe_destroy (&peer->routing);
    peer->routing = zframe_dup (routing);
    s_welcome (self, peer);
    s_report (self, "registered: %s", department);
}

//  Keeps the newest catalog of each department, for honest listings.
static void
s_keep_catalog (s_liar_t *self, statement_t *statement)
{
    for (statement_t *held = (statement_t *) zlistx_first (self->catalogs); held;
         held = (statement_t *) zlistx_next (self->catalogs))
        if (streq (statement_author (held), statement_author (statement))) {
            zlistx_delete (self->catalogs, zlistx_cursor (self->catalogs));
            break;
        }
    size_t size;
    const uint8_t *encoded = statement_encoded (statement, &size);
    zlistx_add_end (self->catalogs, statement_decode (encoded, size));
}

static void
s_put (s_liar_t *self, s_peer_t *peer, const envelope_header_t *header,
       registry_msg_t *request)
{
    statement_t *statement = NULL;
    if (request->statements && request->statements->via.array.size == 1
    &&  request->statements->via.array.ptr [0].type == MSGPACK_OBJECT_BIN) {
        const msgpack_object_bin *bin = &request->statements->via.array.ptr [0].via.bin;
        statement = statement_decode ((const uint8_t *) bin->ptr, bin->size);
    }
    s_registry_send (self, peer, "done", header->id,
                     statement? STATUS_OK: STATUS_MALFORMED,
                     statement? "registered": "not one statement", NULL);
    if (!statement)
        return;
    if (streq (statement_kind (statement), STATEMENT_CATALOG)) {
        s_keep_catalog (self, statement);
        if (!peer->attacked && self->attack->strike) {
            peer->attacked = true;
            self->attack->strike (self, peer);
        }
        else
        if (peer->attacked && peer->rejoined && self->attack->again) {
            peer->rejoined = false;
            self->attack->again (self, peer);
        }
    }
    else
    if (!(self->attack->put && self->attack->put (self, peer, statement))) {
        //  As a broker does: the statement goes back to its author
        s_push (self, peer, statement);
        if (self->awaiting_revocation && self->agreement
        &&  streq (statement_kind (statement), STATEMENT_REVOCATION)
        &&  streq (statement_key (statement), agreement_id (self->agreement))) {
            self->awaiting_revocation = false;
            s_report (self, "passed on: agreement-revocation %s from %s (honest)",
                      statement_key (statement), statement_author (statement));
            s_replay_revoked (self, peer);
        }
    }
    statement_destroy (&statement);
}

static void
s_list (s_liar_t *self, s_peer_t *peer, const envelope_header_t *header,
        registry_msg_t *request)
{
    zlistx_t *statements = zlistx_new ();
    zlistx_set_destructor (statements, (zlistx_destructor_fn *) statement_destroy);
    if (streq (request->kind, STATEMENT_CATALOG)) {
        for (statement_t *held = (statement_t *) zlistx_first (self->catalogs); held;
             held = (statement_t *) zlistx_next (self->catalogs)) {
            size_t size;
            const uint8_t *encoded = statement_encoded (held, &size);
            zlistx_add_end (statements, statement_decode (encoded, size));
        }
        if (self->attack->list)
            self->attack->list (self, statements);
    }
    s_registry_send (self, peer, "listed", header->id, STATUS_OK, NULL, statements);
    zlistx_destroy (&statements);
}

static void
s_registry (s_liar_t *self, s_peer_t *peer, zmsg_t *msg, const envelope_header_t *header)
{
    int status;
    envelope_t *envelope = envelope_decode (msg, &status);
    cert_t *sender = truststore_lookup (self->trust, header->from);
    if (!envelope || !sender
    ||  envelope_open (envelope, NULL, cert_sign_public (sender)) != STATUS_OK) {
        fprintf (stderr, "sluice-liar: unreadable REGISTRY from %s, ignored\n", header->from);
        envelope_destroy (&envelope);
        return;
    }
    registry_msg_t request;
    if (registry_msg_decode (envelope_payload (envelope), envelope_payload_size (envelope),
                             &request) != STATUS_OK)
        s_registry_send (self, peer, "done", header->id, STATUS_MALFORMED,
                         "the registry request could not be decoded", NULL);
    else
    if (streq (request.op, "put"))
        s_put (self, peer, header, &request);
    else
    if (streq (request.op, "list"))
        s_list (self, peer, header, &request);
    else
    if (streq (request.op, "sync")) {
        //  An honest registry with nothing in it, unless the attack says
        s_report (self, "sync: from %s after %s:%" PRIu64, peer->department,
                  *request.epoch? request.epoch: "-", request.since);
        zlistx_t *statements = zlistx_new ();
        zlistx_set_destructor (statements, (zlistx_destructor_fn *) statement_destroy);
        uint64_t next = self->attack->sync?
            self->attack->sync (self, peer, request.epoch, request.since, statements): 0;
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        registry_page_encode (&buffer, header->id, "liar", next, false, statements);
        s_send_own (self, peer, MSG_REGISTRY, (uint8_t *) buffer.data, buffer.size);
        msgpack_sbuffer_destroy (&buffer);
        zlistx_destroy (&statements);
    }
    else        //  "crl" and anything else: said to be done, and dropped
        s_registry_send (self, peer, "done", header->id, STATUS_OK, "published", NULL);
    registry_msg_destroy (&request);
    envelope_destroy (&envelope);
}

//  A message between departments: passed on if the recipient is here.
static void
s_route (s_liar_t *self, zmsg_t **msg_p, const envelope_header_t *header)
{
    s_peer_t *recipient = (s_peer_t *) zhashx_lookup (self->peers, header->to);
    if (recipient)
        s_send_routed (self, recipient->routing, msg_p);
    else
        s_report (self, "received: %s from %s to %s, not connected here; dropped",
                  envelope_type_name (header->type), header->from, header->to);
}

static void
s_router_event (s_liar_t *self)
{
    zmsg_t *msg = zmsg_recv (self->router);
    if (!msg)
        return;
    zframe_t *routing = zmsg_pop (msg);
    zframe_t *header_frame = zmsg_first (msg);
    envelope_header_t header;
    if (!routing || zmsg_size (msg) != 2
    ||  envelope_header_decode (zframe_data (header_frame), zframe_size (header_frame),
                                &header) != STATUS_OK)
        fprintf (stderr, "sluice-liar: undecodable message, dropped\n");
    else
    if (*header.to)
        s_route (self, &msg, &header);
    else
    if (header.type == MSG_HELLO)
        s_hello (self, routing, header.from);
    else {
        s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, header.from);
        if (!peer || !zframe_eq (peer->routing, routing))
            fprintf (stderr, "sluice-liar: %s from %s before its HELLO, dropped\n",
                     envelope_type_name (header.type), header.from);
        else
        if (header.type == MSG_HEARTBEAT)
            s_send_own (self, peer, MSG_HEARTBEAT, NULL, 0);
        else
        if (header.type == MSG_REGISTRY)
            s_registry (self, peer, msg, &header);
    }
    zframe_destroy (&routing);
    zmsg_destroy (&msg);
}


//  --------------------------------------------------------------------------
//  Command line and setup

static peer_run_fn s_run;

static const peer_cli_t s_cli = {
    .program = "sluice-liar",
    .synopsis = "usage: sluice-liar --endpoint EP --cert BROKER.cert_secret "
                "--authority authority.pub\n"
                "           --certs DIR --attack NAME [options]\n\n"
                "A broker that lies, for tests: answers gateways like a broker, then\n"
                "performs one attack against each gateway that registers.\n\n",
    .epilogue = "\nprints one line per event: registered: DEPT | sent: WHAT"
                " | received: TYPE from X to Y, ...\n"
                "exit 0 on a clean stop, 2 on a usage or setup problem\n",
    PEER_CLI_TABLES (s_flags, s_args_t, s_attacks, s_attack_t),
    .run = s_run,
    .attack_width = 18
};

static void
s_liar_destroy (s_liar_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        s_liar_t *self = *self_p;
        zsock_destroy (&self->router);
        zhashx_destroy (&self->peers);
        zlist_destroy (&self->extra_certs);
        zlistx_destroy (&self->catalogs);
        zstr_free (&self->crl_text);
        zstr_free (&self->old_crl_text);
        cert_destroy (&self->fake);
        sodium_memzero (self->replaced_sign_secret, sizeof (self->replaced_sign_secret));
        sodium_memzero (self->ghost_secret, sizeof (self->ghost_secret));
        agreement_destroy (&self->agreement);
        cert_destroy (&self->signer);
        cert_destroy (&self->revoker);
        truststore_destroy (&self->trust);
        cert_destroy (&self->cert);
        free (self);
        *self_p = NULL;
    }
}

//  Loads what the command line names and binds; NULL (said on stderr) on
//  any problem.
static s_liar_t *
s_liar_new (const s_args_t *args, const s_attack_t *attack, FILE *out)
{
    s_liar_t *self = (s_liar_t *) zmalloc (sizeof (s_liar_t));
    assert (self);
    self->args = *args;
    self->attack = attack;
    self->out = out;
    self->peers = zhashx_new ();
    zhashx_set_destructor (self->peers, (zhashx_destructor_fn *) s_peer_destroy);
    self->extra_certs = zlist_new ();
    zlist_autofree (self->extra_certs);
    self->catalogs = zlistx_new ();
    zlistx_set_destructor (self->catalogs, (zlistx_destructor_fn *) statement_destroy);
    const char *problem = NULL;
    if (args->seconds) {
        uint64_t seconds;
        if (certfile_uint_parse (args->seconds, S_SECONDS_MAX, &seconds) || seconds == 0)
            problem = "--seconds must be 1 to 86400";
        self->seconds = (int64_t) seconds;
    }
    if (!problem && ((attack->needs_agreement && !args->agreement)
                 ||  (attack->needs_signer && !args->signer)
                 ||  (attack->needs_department && !args->department)))
        problem = "this attack needs --agreement, --signer or --department (see --help)";
    if (!problem && peer_authority_load (args->authority, self->authority))
        problem = "cannot load --authority";
    if (!problem) {
        self->cert = peer_cert_load (args->cert, self->authority, true);
        if (!self->cert || !streq (cert_role (self->cert), "broker"))
            problem = "--cert must be a broker certificate of this authority, "
                      "with its secrets";
        else
            self->id = cert_department (self->cert);
    }
    if (!problem) {
        self->trust = truststore_new (self->authority);
        if (truststore_add_dir (self->trust, args->certs, NULL) < 0)
            problem = "cannot read --certs";
    }
    if (!problem && args->agreement) {
        self->agreement = agreementtext_load (args->agreement, NULL);
        if (!self->agreement)
            problem = "cannot load --agreement";
    }
    if (!problem && args->signer) {
        self->signer = peer_cert_load (args->signer, self->authority, true);
        if (!self->signer)
            problem = "--signer must be a department certificate of this authority, "
                      "with its secrets";
    }
    if (!problem && args->revoker) {
        self->revoker = peer_cert_load (args->revoker, self->authority, true);
        if (!self->revoker)
            problem = "--revoker must be a department certificate of this authority, "
                      "with its secrets";
    }
    if (!problem && args->department
    &&  !truststore_lookup (self->trust, args->department))
        problem = "--department has no certificate in --certs";
    if (problem)
        fprintf (stderr, "sluice-liar: %s\n", problem);
    if (problem || (attack->setup && attack->setup (self))) {
        s_liar_destroy (&self);
        return NULL;
    }
    //  CURVE with a real broker key, but no ZAP handler: anyone gets in
    self->router = zsock_new (ZMQ_ROUTER);
    zsock_set_router_mandatory (self->router, 1);
    zsock_set_sndtimeo (self->router, 0);
    zsock_set_maxmsgsize (self->router, ENVELOPE_BODY_MAX + 4096);
    zcert_apply (cert_zcert (self->cert), self->router);
    zsock_set_curve_server (self->router, 1);
    if (zsock_bind (self->router, "%s", args->endpoint) < 0) {
        fprintf (stderr, "sluice-liar: cannot bind %s: %s\n", args->endpoint,
                 zmq_strerror (zmq_errno ()));
        s_liar_destroy (&self);
    }
    return self;
}

//  Serves until a signal or --seconds.
static void
s_liar_run (s_liar_t *self)
{
    int64_t deadline = self->seconds? zclock_mono () + self->seconds * 1000: 0;
    zpoller_t *poller = zpoller_new (self->router, NULL);
    while (!zsys_interrupted && (!deadline || zclock_mono () < deadline)) {
        void *which = zpoller_wait (poller, S_POLL_MS);
        if (which == self->router)
            s_router_event (self);
        else
        if (zpoller_terminated (poller))
            break;
    }
    zpoller_destroy (&poller);
}

//  Binds, then serves and reports until a signal or --seconds.
static int
s_run (void *args_void, const void *attack, FILE *out)
{
    const s_args_t *args = (const s_args_t *) args_void;
    s_liar_t *liar = s_liar_new (args, (const s_attack_t *) attack, out);
    if (liar) {
        s_report (liar, "listening: %s as %s, attack %s", args->endpoint, liar->id,
                  liar->attack->name);
        s_liar_run (liar);
    }
    int rc = liar? 0: PEER_EXIT_USAGE;
    s_liar_destroy (&liar);
    return rc;
}

int
main (int argc, char *argv [])
{
    s_args_t args;
    return peer_main (&s_cli, argc, argv, &args);
}
