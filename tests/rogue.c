/*  rogue.c -- sluice-rogue: a hostile or broken federation member.

    The integration tests (tests/run.sh) run it against the real broker and
    gateways on loopback to drive each class of bad input through them. It
    performs one attack and prints one line on stdout, describing the last
    reply it waited for:

        status=NAME from=DEPT reason=TEXT     an ERROR (from a department or
                                              the broker)
        status=OK rows=N | status=NOT_FOUND   a RESPONSE
        replies=N ok=N errors=N [last=NAME reason=TEXT]
                                              the tally of flood and orders
                                              (with the last refusal)
        sent=N                                deaf-flood: the queries sent
        held=N most=N refused=N ended=N       hold: connections up at the end
                                              and at most at once, refused
                                              at ZAP, ended otherwise
        served=N                              serve: the queries answered
        done=NAME reason=TEXT                 publish, withdraw: the broker's
                                              answer to the last put
        answered=MODE to=DEPT                 lying-provider: the query it
                                              answered, and how
        queued id=HEX to=DEPT                 the broker holds the notice,
                                              alert or receipt sent
        received=N [TYPE:ID:FROM ...]         collect: the notices, alerts,
                                              receipts and acks received,
                                              in order, each verified
        bad-reply reason=TEXT                 a reply that did not decode or
                                              verify (a bug in the daemons)
        no-reply                              nothing within --timeout-ms

    Every reply is authenticated before it is believed: the broker's against
    its certificate, a department's against the certificate the broker's
    directory gave for it (verified against the authority). Exit status 0 if
    the attack ran, 2 on a usage or setup problem (message on stderr).
*/

#include "peer.h"
#include "message.h"
#include "registry.h"
#include "statement.h"
#include <math.h>
#include "codec.h"
#include "status.h"
#include "cert.h"
#include "certtext.h"
#include "catalog.h"
#include "statement.h"
#include "registry.h"
#include "dirsync.h"
#include "certfile.h"
#include "noticeid.h"
#include "queued.h"
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <sys/resource.h>

#define S_TIMEOUT_DEFAULT   3000
#define S_TIMEOUT_MAX       600000
#define S_COUNT_DEFAULT     100
#define S_COUNT_MAX         100000
#define S_GARBAGE_SIZE      48          //  bytes of a garbage frame
#define S_SKEW_MS           (10 * 60 * 1000)
#define S_DEFAULT_ITEM      "enterprise-basic"
#define S_DEFAULT_KEY       "91310115MA1K3BTP2B"
#define S_INJECTION_KEY     "' OR '1'='1"
#define S_UNKNOWN_DEPT      "NO-SUCH-DEPT"
#define S_HOLD_MAX          1000        //  hold: connections at most
#define S_HOLD_BACKOFF_MS   100         //  hold: first wait to connect again
#define S_HOLD_BACKOFF_MAX  3200        //  ... doubling to this

//  Command-line values, borrowed from argv.
typedef struct {
    const char *broker;
    const char *broker_cert;
    const char *authority;
    const char *cert;
    const char *to;
    const char *attack;
    const char *item;
    const char *key;
    const char *other;
    const char *timeout;
    const char *count;
    const char *file;
    const char *answer;
    const char *catalog;
    const char *type;
    const char *skew;
    const char *kill;
    const char *version;
    const char *backdate;
    const char *source;
    const char *id;
    const char *state;
} s_args_t;

static const peer_flag_t s_flags [] = {
    { "--broker",      offsetof (s_args_t, broker),      true,
      "ENDPOINT     the broker, e.g. tcp://127.0.0.1:7700" },
    { "--broker-cert", offsetof (s_args_t, broker_cert), true,
      "FILE    the broker's public certificate (.cert)" },
    { "--authority",   offsetof (s_args_t, authority),   true,
      "FILE      the authority's public key (authority.pub)" },
    { "--cert",        offsetof (s_args_t, cert),        true,
      "FILE           our certificate with its secrets (.cert_secret)" },
    { "--to",          offsetof (s_args_t, to),          true,
      "DEPT             the department attacked" },
    { "--attack",      offsetof (s_args_t, attack),      true,
      "NAME         one of the attacks below" },
    { "--item",        offsetof (s_args_t, item),        false,
      "ITEM           item queried (default " S_DEFAULT_ITEM ")" },
    { "--key",         offsetof (s_args_t, key),         false,
      "KEY             key queried (default " S_DEFAULT_KEY ")" },
    { "--other",       offsetof (s_args_t, other),       false,
      "FILE          a third department's .cert, for wrong-seal" },
    { "--timeout-ms",  offsetof (s_args_t, timeout),     false,
      "MS       how long to wait for each reply (default 3000)" },
    { "--count",       offsetof (s_args_t, count),       false,
      "N             queries sent by flood (default 100)" },
    { "--file",        offsetof (s_args_t, file),        false,
      "PATH           where record keeps, and resend takes, a sent query" },
    { "--answer",      offsetof (s_args_t, answer),      false,
      "MODE         lying-provider: how to answer (see below)" },
    { "--catalog",     offsetof (s_args_t, catalog),     false,
      "FILE        lying-provider: a catalog file to publish first" },
    { "--type",        offsetof (s_args_t, type),        false,
      "N              message type of typed and typed-flood (default 16)" },
    { "--skew-ms",     offsetof (s_args_t, skew),        false,
      "MS          added to a correct query's header time (-600000..600000)" },
    { "--kill",        offsetof (s_args_t, kill),        false,
      "PID            record: SIGKILL this process the instant the answer arrives" },
    { "--statement-version", offsetof (s_args_t, version), false,
      "N publish, withdraw, orders, lying-provider: the version of\n"
      "                        every statement put (1..2^63-1; default: the clock in ms)" },
    { "--backdate-ms", offsetof (s_args_t, backdate),    false,
      "MS      publish, withdraw, orders, lying-provider: every statement\n"
      "                        put says it was issued MS ago (0..600000; its version as ever)" },
    { "--source",      offsetof (s_args_t, source),      false,
      "ADDRESS      hold: connect from this local address (e.g. 127.0.0.2)" },
    { "--id",          offsetof (s_args_t, id),          false,
      "HEX              notice, alert, receipt, ack: the notice id, 32 hex digits\n"
      "                         (default random); the header id is derived from it" },
    { "--state",       offsetof (s_args_t, state),       false,
      "NAME          receipt, ack: the receipt's state (default delivered)" },
};

//  How lying-provider answers the query it receives: a RESPONSE for `item`
//  (NULL: the item asked) with `status` and `rows` rows, each holding the
//  fields asked (or "name" if none was named) and `extra`, every value of
//  kind `value` ('s' string, 'i' integer, 'a' array); or, if `error`, an
//  ERROR with code `status`.
typedef struct {
    const char *name;
    const char *item;
    int status;
    int rows;
    const char *extra;
    char value;
    bool error;
    const char *help;
} s_answer_t;

static const s_answer_t s_answers [] = {
    { "honest",          NULL, STATUS_OK, 1, NULL, 's', false,
      "one row of the fields asked (the control)" },
    { "extra-field",     NULL, STATUS_OK, 1, "status", 's', false,
      "adds field 'status', asked for or not" },
    { "unlisted-field",  NULL, STATUS_OK, 1, "unlisted_field", 's', false,
      "adds a field the published catalog does not have" },
    { "above-clearance", NULL, STATUS_OK, 1, "secret", 's', false,
      "adds field 'secret', of sensitivity 5 in the test catalog" },
    { "not-found-rows",  NULL, STATUS_NOT_FOUND, 1, NULL, 's', false,
      "NOT_FOUND with a row" },
    { "wrong-item",      "another-item", STATUS_OK, 1, NULL, 's', false,
      "a RESPONSE for another item" },
    { "record-rows",     NULL, STATUS_OK, 2, NULL, 's', false,
      "two rows (for a record item, one too many)" },
    { "too-many-rows",   NULL, STATUS_OK, 101, NULL, 's', false,
      "101 rows, more than any item gives" },
    { "ok-no-rows",      NULL, STATUS_OK, 0, NULL, 's', false,
      "OK without a row" },
    { "bad-value",       NULL, STATUS_OK, 1, NULL, 'a', false,
      "values that are arrays, which no field type is" },
    { "wrong-type",      NULL, STATUS_OK, 1, NULL, 'i', false,
      "integers where the catalog says text" },
    { "error-ok",        NULL, STATUS_OK, 0, NULL, 's', true,
      "an ERROR whose code is OK" },
};
#define S_ANSWERS (sizeof (s_answers) / sizeof (s_answers [0]))

//  What the last reply waited for turned out to be.
typedef enum {
    S_NO_REPLY = 0,
    S_WELCOMED,
    S_ERROR,
    S_RESPONSE,
    S_BAD_REPLY,
    S_TALLY,
    S_SERVED,                   //  we answered a query (serve)
    S_DONE,                     //  a broker answered a put (publish)
    S_ANSWERED,                 //  lying-provider answered a query
    S_HANDSHAKE,                //  what a handshake did (handshake)
    S_SENT,                     //  how many went out (deaf-flood)
    S_HELD,                     //  connections held (hold)
    S_QUEUED,                   //  the broker holds what we sent
    S_RECEIVED                  //  collect: what came, in order
} s_kind_t;

#define S_CODES 1000                        //  result codes are 0..999

typedef struct {
    s_kind_t kind;
    int code;                               //  ERROR code, RESPONSE status
    char from [ENVELOPE_DEPT_MAX + 1];
    char reason [MESSAGE_REASON_MAX + 1];
    size_t rows;
    size_t replies, ok, errors;             //  the flood's tally
    size_t served;                          //  serve: queries answered
    size_t sent;                            //  deaf-flood: queries sent
    size_t held, most, refused, ended;      //  hold
    int last_code;                          //  ... and its last refusal
    char last_reason [MESSAGE_REASON_MAX + 1];
    uint32_t *codes;                        //  errors by code (S_CODES)
    char handshake [64];                    //  what the monitor saw
    char queued [ENVELOPE_ID_BYTES * 2 + 1];    //  QUEUED: the id held
    zlistx_t *received;                     //  collect: what came (borrowed)
} s_outcome_t;

typedef struct {
    s_args_t args;
    int timeout_ms;
    int count;
    int type;                   //  of typed messages
    int64_t skew_ms;            //  --skew-ms
    long kill_pid;              //  --kill, 0 if none
    uint64_t version;           //  --statement-version, 0: by the clock
    int64_t backdate_ms;        //  --backdate-ms
    cert_t *me;                 //  with secrets
    cert_t *broker;             //  verified against the authority
    cert_t *other;              //  may be NULL
    uint8_t authority [CERT_KEY_BYTES];
    zsock_t *dealer;
    zpoller_t *poller;
    zhashx_t *directory;        //  department -> cert_t, verified
    dirsync_t *sync;            //  the directory transfer in progress
    bool welcomed;
    bool deaf;                  //  reads as little as it can (deaf-flood)
    s_outcome_t outcome;
    const s_answer_t *answer;   //  lying-provider's mode, else NULL
    uint8_t notice [NOTICEID_BYTES];    //  --id, or random
    noticeid_state_t state;             //  --state
    zlistx_t *received;         //  "TYPE:ID:FROM" of each stored-type message
    bool collecting;            //  collect: each one ends a wait
} s_rogue_t;

//  How a query body is sealed.
typedef enum {
    S_SEAL_RECIPIENT = 0,       //  to the recipient's certificate
    S_SEAL_OTHER,               //  to --other's (or a random) box key
    S_SEAL_SELF,                //  to our own box key
    S_SEAL_NONE                 //  in clear
} s_seal_t;

typedef struct {
    char from [ENVELOPE_DEPT_MAX + 1];
    char to [ENVELOPE_DEPT_MAX + 1];
    const char *key;
    s_seal_t seal;
    int64_t skew_ms;            //  added to the header time
} s_query_spec_t;

typedef int (s_run_fn) (s_rogue_t *self);
typedef int (s_bend_fn) (s_rogue_t *self, envelope_t *envelope);

//  An attack is a procedure of its own (run), or frames bent from a correct
//  query (bend), or one message of a store-and-forward type (stored,
//  sealed as `seal` says), or else a query whose fields the rest of the row
//  changes.
typedef struct {
    const char *name;
    s_run_fn *run;
    s_bend_fn *bend;
    int stored;                 //  NOTICE, RECEIPT, ALERT, ACK; 0: none
    s_seal_t seal;
    int64_t skew_ms;            //  added to the header time
    const char *to;             //  NULL: --to
    const char *key;            //  used unless --key is given; NULL: default
    bool spoof;                 //  header `from` another department
    const char *help;
} s_attack_t;


//  --------------------------------------------------------------------------
//  Outcomes

//  Records a reply that failed to decode or verify; returns -1.
static int
s_bad_reply (s_rogue_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

static int
s_bad_reply (s_rogue_t *self, const char *format, ...)
{
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_BAD_REPLY;
    va_list argptr;
    va_start (argptr, format);
    vsnprintf (self->outcome.reason, sizeof (self->outcome.reason), format, argptr);
    va_end (argptr);
    return -1;
}

//  Text from the network goes on one line with no control characters.
static void
s_one_line (char *text)
{
    for (unsigned char *cursor = (unsigned char *) text; *cursor; cursor++)
        if (*cursor < 0x20 || *cursor == 0x7F)
            *cursor = '?';
}

static void
s_outcome_print (s_outcome_t *outcome, FILE *file)
{
    s_one_line (outcome->reason);
    switch (outcome->kind) {
        case S_ERROR:
            fprintf (file, "status=%s from=%s reason=%s\n", status_name (outcome->code),
                    outcome->from, outcome->reason);
            break;
        case S_RESPONSE:
            if (outcome->code == STATUS_OK)
                fprintf (file, "status=OK rows=%zu\n", outcome->rows);
            else
                fprintf (file, "status=%s\n", status_name (outcome->code));
            break;
        case S_BAD_REPLY:
            fprintf (file, "bad-reply reason=%s\n", outcome->reason);
            break;
        case S_TALLY:
            fprintf (file, "replies=%zu ok=%zu errors=%zu", outcome->replies,
                    outcome->ok, outcome->errors);
            for (int code = 0; outcome->codes && code < S_CODES; code++)
                if (outcome->codes [code])
                    fprintf (file, " %s=%u", status_name (code), outcome->codes [code]);
            s_one_line (outcome->last_reason);
            if (outcome->errors)
                fprintf (file, " last=%s reason=%s", status_name (outcome->last_code),
                         outcome->last_reason);
            fprintf (file, "\n");
            break;
        case S_HANDSHAKE:
            fprintf (file, "handshake=%s\n", outcome->handshake);
            break;
        case S_SENT:
            fprintf (file, "sent=%zu\n", outcome->sent);
            break;
        case S_HELD:
            fprintf (file, "held=%zu most=%zu refused=%zu ended=%zu\n", outcome->held,
                     outcome->most, outcome->refused, outcome->ended);
            break;
        case S_WELCOMED:
            fprintf (file, "welcomed\n");
            break;
        case S_SERVED:
            fprintf (file, "served=%zu\n", outcome->served);
            break;
        case S_ANSWERED:
            fprintf (file, "answered=%s to=%s\n", outcome->reason, outcome->from);
            break;
        case S_DONE:
            fprintf (file, "done=%s reason=%s\n", status_name (outcome->code),
                     outcome->reason);
            break;
        case S_QUEUED:
            fprintf (file, "queued id=%s to=%s\n", outcome->queued, outcome->from);
            break;
        case S_RECEIVED:
            fprintf (file, "received=%zu", zlistx_size (outcome->received));
            for (char *entry = (char *) zlistx_first (outcome->received); entry;
                 entry = (char *) zlistx_next (outcome->received))
                fprintf (file, " %s", entry);
            fprintf (file, "\n");
            break;
        case S_NO_REPLY:
        default:
            fprintf (file, "no-reply\n");
            break;
    }
    fflush (file);
}


//  --------------------------------------------------------------------------
//  Keys

//  crypto_box_beforenm key between our box secret and `peer_box_public`.
static int
s_box_key (s_rogue_t *self, const uint8_t *peer_box_public, uint8_t *key)
{
    return crypto_box_beforenm (key, peer_box_public, cert_box_secret (self->me));
}

static cert_t *
s_lookup (s_rogue_t *self, const char *department)
{
    return (cert_t *) zhashx_lookup (self->directory, department);
}

//  The box key a query of `spec` is sealed with; 1 if it is sealed, 0 if
//  in clear, -1 if no key can be made.
static int
s_seal_key (s_rogue_t *self, const s_query_spec_t *spec, uint8_t *key)
{
    const uint8_t *peer = cert_box_public (self->me);
    uint8_t random_public [crypto_box_PUBLICKEYBYTES];
    uint8_t random_secret [crypto_box_SECRETKEYBYTES];
    if (spec->seal == S_SEAL_NONE)
        return 0;
    if (spec->seal == S_SEAL_RECIPIENT) {
        cert_t *recipient = s_lookup (self, spec->to);
        if (recipient)
            peer = cert_box_public (recipient);
        else
            fprintf (stderr, "sluice-rogue: %s is not in the directory; "
                     "sealing to our own key\n", spec->to);
    }
    else
    if (spec->seal == S_SEAL_OTHER) {
        if (self->other)
            peer = cert_box_public (self->other);
        else {
            crypto_box_keypair (random_public, random_secret);
            sodium_memzero (random_secret, sizeof (random_secret));
            peer = random_public;
        }
    }
    return s_box_key (self, peer, key) == 0? 1: -1;
}


//  --------------------------------------------------------------------------
//  Sending

//  Sends and destroys *msg_p; 0 or -1 (then says why on stderr).
static int
s_send (s_rogue_t *self, zmsg_t **msg_p)
{
    int rc = zmsg_send (msg_p, self->dealer);
    if (rc) {
        fprintf (stderr, "sluice-rogue: send failed: %s\n", zmq_strerror (zmq_errno ()));
        zmsg_destroy (msg_p);
    }
    return rc;
}

static int
s_send_frames (s_rogue_t *self, const uint8_t *header, size_t header_size,
               const uint8_t *body, size_t body_size)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, header, header_size);
    zmsg_addmem (msg, body, body_size);
    return s_send (self, &msg);
}

static int
s_send_envelope (s_rogue_t *self, envelope_t *envelope)
{
    zmsg_t *msg = envelope_encode (envelope);
    return s_send (self, &msg);
}

//  Sends a signed message to the broker itself (HELLO, HEARTBEAT).
static int
s_send_own (s_rogue_t *self, int type, const uint8_t *payload, size_t size)
{
    envelope_t *envelope = peer_envelope_new (type, cert_department (self->me), "",
                                              payload, size, 0,
                                              cert_sign_secret (self->me), NULL);
    int rc = envelope? s_send_envelope (self, envelope): -1;
    envelope_destroy (&envelope);
    return rc;
}

//  The query of the command line, bent as `spec` says; NULL if it cannot be
//  built.
static envelope_t *
s_query_new (s_rogue_t *self, const s_query_spec_t *spec)
{
    uint8_t key [ENVELOPE_KEY_BYTES];
    int sealed = s_seal_key (self, spec, key);
    if (sealed < 0) {
        fprintf (stderr, "sluice-rogue: cannot compute a box key\n");
        return NULL;
    }
    const peer_query_t query = {
        .from = spec->from, .to = spec->to, .item = self->args.item, .key = spec->key,
        .purpose = "test", .officer = "rogue", .skew_ms = spec->skew_ms
    };
    envelope_t *envelope = peer_query_new (&query, cert_sign_secret (self->me),
                                           sealed? key: NULL);
    if (!envelope)
        fprintf (stderr, "sluice-rogue: cannot build the query\n");
    sodium_memzero (key, sizeof (key));
    return envelope;
}

//  A correct query from us to --to, sealed to the recipient.
static void
s_spec_default (s_rogue_t *self, s_query_spec_t *spec)
{
    memset (spec, 0, sizeof (*spec));
    snprintf (spec->from, sizeof (spec->from), "%s", cert_department (self->me));
    snprintf (spec->to, sizeof (spec->to), "%s", self->args.to);
    spec->key = self->args.key? self->args.key: S_DEFAULT_KEY;
    spec->seal = S_SEAL_RECIPIENT;
    spec->skew_ms = self->skew_ms;
}

static int
s_send_query (s_rogue_t *self, const s_query_spec_t *spec)
{
    envelope_t *envelope = s_query_new (self, spec);
    if (!envelope)
        return -1;
    int rc = s_send_envelope (self, envelope);
    envelope_destroy (&envelope);
    return rc;
}


//  --------------------------------------------------------------------------
//  Receiving

//  Authenticates a received message: addressed to us, from the broker (in
//  clear) or from a department of the directory (sealed to us). 0, or -1
//  with a bad-reply outcome.
static int
s_open (s_rogue_t *self, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    const char *type = envelope_type_name (header->type);
    if (!streq (header->to, cert_department (self->me)))
        return s_bad_reply (self, "%s addressed to '%s', not to us", type, header->to);
    bool from_broker = streq (header->from, cert_department (self->broker));
    cert_t *sender = from_broker? self->broker: s_lookup (self, header->from);
    if (!sender)
        return s_bad_reply (self, "%s from %s, which the directory does not list",
                            type, header->from);
    uint8_t key [ENVELOPE_KEY_BYTES];
    if (!from_broker && s_box_key (self, cert_box_public (sender), key))
        return s_bad_reply (self, "%s from %s: unusable box key", type, header->from);
    int status = envelope_open (envelope, from_broker? NULL: key,
                                cert_sign_public (sender));
    sodium_memzero (key, sizeof (key));
    if (status != STATUS_OK)
        return s_bad_reply (self, "%s from %s does not verify: %s", type,
                            header->from, status_name (status));
    return 0;
}

//  Keeps the verified certificates of a directory page (a WELCOME is page
//  0); true once the transfer is complete.
static bool
s_directory_load (s_rogue_t *self, const uint8_t *payload, size_t size, bool welcome)
{
    message_directory_t directory;
    bool complete = false;
    if (message_directory_decode (payload, size, &directory) != STATUS_OK)
        s_bad_reply (self, "%s with a malformed directory", welcome? "WELCOME": "DIRECTORY");
    else {
        for (uint32_t index = 0; index < directory.certs->via.array.size; index++) {
            const msgpack_object_str *text = &directory.certs->via.array.ptr [index].via.str;
            cert_t *cert = certtext_decode (text->ptr, text->size, NULL);
            if (cert && cert_verify (cert, self->authority) == 0)
                zhashx_update (self->directory, cert_department (cert), cert);
            else {
                fprintf (stderr, "sluice-rogue: directory entry %u does not verify, "
                         "skipped\n", index);
                cert_destroy (&cert);
            }
        }
        dirsync_result_t result = dirsync_take (self->sync, &directory, welcome);
        complete = result == DIRSYNC_DONE || result == DIRSYNC_BEHIND;
        if (result == DIRSYNC_BROKEN)
            s_bad_reply (self, "directory page %" PRIu64 " out of order", directory.page.page);
    }
    message_directory_destroy (&directory);
    return complete;
}

//  Each handler returns true if the message ends the wait.
typedef bool (s_handler_fn) (s_rogue_t *self, envelope_t *envelope);

//  The WELCOME and the directory pages after it: welcomed once the last
//  page is in (a page that does not verify ends the wait as a bad reply).
static bool
s_on_directory (s_rogue_t *self, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    bool welcome = header->type == MSG_WELCOME;
    if (self->welcomed)
        return false;
    if (!streq (header->from, cert_department (self->broker))) {
        s_bad_reply (self, "%s from %s, not from the broker",
                     envelope_type_name (header->type), header->from);
        return true;
    }
    if (s_open (self, envelope))
        return true;
    if (s_directory_load (self, envelope_payload (envelope),
                          envelope_payload_size (envelope), welcome)) {
        memset (&self->outcome, 0, sizeof (self->outcome));
        self->outcome.kind = S_WELCOMED;
        self->welcomed = true;
        return true;
    }
    //  Registered since the WELCOME: a directory of thousands takes longer
    //  to verify than the broker waits for a word from a registered gateway
    //  (five heartbeats), so each page taken is said, as a gateway's timer
    //  does meanwhile
    if (self->outcome.kind != S_BAD_REPLY)
        s_send_own (self, MSG_HEARTBEAT, NULL, 0);
    return self->outcome.kind == S_BAD_REPLY;
}

//  Answering the broker's heartbeats keeps us registered through long waits.
static bool
s_on_heartbeat (s_rogue_t *self, envelope_t *envelope)
{
    if (self->welcomed
    &&  streq (envelope_header (envelope)->from, cert_department (self->broker)))
        s_send_own (self, MSG_HEARTBEAT, NULL, 0);
    return false;
}

static bool
s_on_error (s_rogue_t *self, envelope_t *envelope)
{
    if (s_open (self, envelope))
        return true;
    message_error_t error;
    if (message_error_decode (envelope_payload (envelope),
                              envelope_payload_size (envelope), &error) != STATUS_OK) {
        s_bad_reply (self, "ERROR from %s with a malformed payload",
                     envelope_header (envelope)->from);
        return true;
    }
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_ERROR;
    self->outcome.code = (int) error.code;
    snprintf (self->outcome.from, sizeof (self->outcome.from), "%s",
              envelope_header (envelope)->from);
    snprintf (self->outcome.reason, sizeof (self->outcome.reason), "%s", error.reason);
    return true;
}

static bool
s_on_response (s_rogue_t *self, envelope_t *envelope)
{
    if (s_open (self, envelope))
        return true;
    message_response_t response;
    if (message_response_decode (envelope_payload (envelope),
                                 envelope_payload_size (envelope),
                                 &response) != STATUS_OK)
        s_bad_reply (self, "RESPONSE from %s with a malformed payload",
                     envelope_header (envelope)->from);
    else {
        memset (&self->outcome, 0, sizeof (self->outcome));
        self->outcome.kind = S_RESPONSE;
        self->outcome.code = (int) response.status;
        self->outcome.rows = response.rows->via.array.size;
        snprintf (self->outcome.from, sizeof (self->outcome.from), "%s",
                  envelope_header (envelope)->from);
    }
    message_response_destroy (&response);
    return true;
}

static s_handler_fn s_on_query;

//  The broker's answer to a put
static bool
s_on_registry (s_rogue_t *self, envelope_t *envelope)
{
    if (s_open (self, envelope))
        return true;
    registry_msg_t msg;
    if (registry_msg_decode (envelope_payload (envelope),
                             envelope_payload_size (envelope), &msg) != STATUS_OK)
        s_bad_reply (self, "REGISTRY from %s with a malformed payload",
                     envelope_header (envelope)->from);
    else
    if (!streq (msg.op, "done")) {
        registry_msg_destroy (&msg);
        return false;                   //  a push: not what we wait for
    }
    else {
        memset (&self->outcome, 0, sizeof (self->outcome));
        self->outcome.kind = S_DONE;
        self->outcome.code = (int) msg.status;
        snprintf (self->outcome.reason, sizeof (self->outcome.reason), "%s", msg.reason);
    }
    registry_msg_destroy (&msg);
    return true;
}

//  The rows lying-provider's mode says, for `query` (answering `re`), as
//  the payload of a RESPONSE or ERROR; returns that type.
static int
s_pack_lie (s_rogue_t *self, const message_query_t *query, const uint8_t *re,
            msgpack_sbuffer *buffer)
{
    const s_answer_t *answer = self->answer;
    if (answer->error) {
        message_error_t error;
        memset (&error, 0, sizeof (error));
        memcpy (error.re, re, ENVELOPE_ID_BYTES);
        error.code = (uint32_t) answer->status;
        snprintf (error.reason, sizeof (error.reason), "a lie: %s", answer->name);
        message_error_encode (&error, buffer);
        return MSG_ERROR;
    }
    //  The fields asked, or "name", then the extra one
    zlist_t *names = zlist_new ();
    zlist_autofree (names);
    char fields [MESSAGE_FIELDS_MAX + 1];
    snprintf (fields, sizeof (fields), "%s", *query->fields? query->fields: "name");
    for (char *name = strtok (fields, ", "); name; name = strtok (NULL, ", "))
        zlist_append (names, name);
    if (answer->extra)
        zlist_append (names, (void *) answer->extra);
    msgpack_packer pk;
    msgpack_packer_init (&pk, buffer, msgpack_sbuffer_write);
    message_response_begin (&pk, re, answer->item? answer->item: query->item,
                            answer->status, (uint64_t) zclock_time (), "");
    msgpack_pack_array (&pk, (size_t) answer->rows);
    for (int row = 0; row < answer->rows; row++) {
        msgpack_pack_map (&pk, zlist_size (names));
        for (char *name = (char *) zlist_first (names); name;
             name = (char *) zlist_next (names)) {
            codec_pack_str (&pk, name);
            if (answer->value == 'i')
                msgpack_pack_int64 (&pk, 42);
            else
            if (answer->value == 'a')
                msgpack_pack_array (&pk, 0);
            else
                codec_pack_str (&pk, "told by a lying provider");
        }
    }
    zlist_destroy (&names);
    return MSG_RESPONSE;
}

//  lying-provider: answers the QUERY as --answer says, sealed and signed
//  like an honest answer, so only the consumer's checks can tell.
static bool
s_answer_lie (s_rogue_t *self, envelope_t *envelope)
{
    if (s_open (self, envelope))
        return true;
    const envelope_header_t *header = envelope_header (envelope);
    message_query_t query;
    if (message_query_decode (envelope_payload (envelope), envelope_payload_size (envelope),
                              &query) != STATUS_OK) {
        s_bad_reply (self, "QUERY from %s with a malformed payload", header->from);
        return true;
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    int type = s_pack_lie (self, &query, header->id, &buffer);
    uint8_t key [ENVELOPE_KEY_BYTES];
    cert_t *sender = s_lookup (self, header->from);
    envelope_t *reply = NULL;
    if (sender && s_box_key (self, cert_box_public (sender), key) == 0)
        reply = peer_envelope_new (type, cert_department (self->me), header->from,
                                   (uint8_t *) buffer.data, buffer.size, 0,
                                   cert_sign_secret (self->me), key);
    sodium_memzero (key, sizeof (key));
    msgpack_sbuffer_destroy (&buffer);
    if (!reply || s_send_envelope (self, reply))
        s_bad_reply (self, "cannot answer %s", header->from);
    else {
        memset (&self->outcome, 0, sizeof (self->outcome));
        self->outcome.kind = S_ANSWERED;
        snprintf (self->outcome.reason, sizeof (self->outcome.reason), "%s",
                  self->answer->name);
        snprintf (self->outcome.from, sizeof (self->outcome.from), "%s", header->from);
    }
    envelope_destroy (&reply);
    return true;
}

//  The broker holds what we sent: its id, and for whom
static bool
s_on_queued (s_rogue_t *self, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    if (!streq (header->from, cert_department (self->broker))) {
        s_bad_reply (self, "QUEUED from %s, not from the broker", header->from);
        return true;
    }
    if (s_open (self, envelope))
        return true;
    queued_t queued;
    if (queued_decode (envelope_payload (envelope), envelope_payload_size (envelope),
                       &queued) != STATUS_OK) {
        s_bad_reply (self, "QUEUED with a malformed payload");
        return true;
    }
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_QUEUED;
    envelope_id_hex (queued.id, self->outcome.queued);
    snprintf (self->outcome.from, sizeof (self->outcome.from), "%s", queued.to);
    return true;
}

//  A notice, alert, receipt or ack, verified (so that its frames are the
//  sender's, byte for byte) and kept in the order it came; it ends a wait
//  only when collecting, once registered
static bool
s_on_stored (s_rogue_t *self, envelope_t *envelope)
{
    const envelope_header_t *header = envelope_header (envelope);
    if (s_open (self, envelope))
        return true;
    char id [ENVELOPE_ID_BYTES * 2 + 1];
    envelope_id_hex (header->id, id);
    char *entry = zsys_sprintf ("%s:%s:%s", envelope_type_name (header->type), id,
                                header->from);
    zlistx_add_end (self->received, entry);
    zstr_free (&entry);
    if (!self->collecting || !self->welcomed)
        return false;
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_RECEIVED;
    return true;
}

static const struct {
    int type;
    s_handler_fn *handle;
} s_handlers [] = {
    { MSG_QUEUED,    s_on_queued },
    { MSG_NOTICE,    s_on_stored },
    { MSG_RECEIPT,   s_on_stored },
    { MSG_ALERT,     s_on_stored },
    { MSG_ACK,       s_on_stored },
    { MSG_WELCOME,   s_on_directory },
    { MSG_HEARTBEAT, s_on_heartbeat },
    { MSG_DIRECTORY, s_on_directory },  //  pages; later ones ignored
    { MSG_ERROR,     s_on_error },
    { MSG_RESPONSE,  s_on_response },
    { MSG_QUERY,     s_on_query },      //  serve answers them
    { MSG_REGISTRY,  s_on_registry },
};
#define S_HANDLERS (sizeof (s_handlers) / sizeof (s_handlers [0]))

//  Handles one received message; true if it ends the wait.
static bool
s_handle (s_rogue_t *self, zmsg_t *msg)
{
    int status;
    envelope_t *envelope = envelope_decode (msg, &status);
    if (!envelope) {
        s_bad_reply (self, "undecodable message: %s", status_name (status));
        return true;
    }
    int type = envelope_header (envelope)->type;
    bool final = true;
    size_t index;
    for (index = 0; index < S_HANDLERS; index++)
        if (s_handlers [index].type == type)
            break;
    if (index < S_HANDLERS)
        final = s_handlers [index].handle
              && s_handlers [index].handle (self, envelope);
    else
        s_bad_reply (self, "unexpected %s message", envelope_type_name (type));
    envelope_destroy (&envelope);
    return final;
}

//  Waits up to --timeout-ms for a reply and sets the outcome from it
//  (S_NO_REPLY if none came). Heartbeats and directories do not count.
static void
s_wait (s_rogue_t *self)
{
    memset (&self->outcome, 0, sizeof (self->outcome));
    int64_t deadline = zclock_mono () + self->timeout_ms;
    while (true) {
        int64_t left = deadline - zclock_mono ();
        if (left <= 0 || !zpoller_wait (self->poller, (int) left))
            break;
        zmsg_t *msg = zmsg_recv (self->dealer);
        bool final = msg && s_handle (self, msg);
        zmsg_destroy (&msg);
        if (final)
            break;
    }
}


//  --------------------------------------------------------------------------
//  Connecting

//  Connects a DEALER with the CURVE key pair `curve` to the broker.
static int
s_connect (s_rogue_t *self, zcert_t *curve)
{
    self->dealer = zsock_new (ZMQ_DEALER);
    if (!self->dealer) {
        fprintf (stderr, "sluice-rogue: cannot create a socket\n");
        return -1;
    }
    zsock_set_linger (self->dealer, 0);
    zsock_set_sndtimeo (self->dealer, self->timeout_ms);
    zsock_set_maxmsgsize (self->dealer, ENVELOPE_BODY_MAX + 4096);
    if (self->deaf) {
        //  Takes in one message and a few KiB at a time: what is sent to
        //  us waits at the broker
        zsock_set_rcvhwm (self->dealer, 1);
        zsock_set_rcvbuf (self->dealer, 4096);
    }
    zcert_apply (curve, self->dealer);
    zsock_set_curve_serverkey (self->dealer, cert_curve_public_txt (self->broker));
    if (zsock_connect (self->dealer, "%s", self->args.broker)) {
        fprintf (stderr, "sluice-rogue: cannot connect to %s: %s\n",
                 self->args.broker, zmq_strerror (zmq_errno ()));
        return -1;
    }
    self->poller = zpoller_new (self->dealer, NULL);
    return self->poller? 0: -1;
}

//  Sends HELLO and waits for WELCOME. Returns 1 if welcomed, 0 if not (the
//  outcome says why), -1 on a setup problem.
static int
s_hello (s_rogue_t *self)
{
    const uint8_t empty_map [] = { 0x80 };
    if (s_send_own (self, MSG_HELLO, empty_map, sizeof (empty_map)))
        return -1;
    s_wait (self);
    return self->welcomed? 1: 0;
}

//  Connects with our certificate and registers; as s_hello.
static int
s_join (s_rogue_t *self)
{
    if (s_connect (self, cert_zcert (self->me)))
        return -1;
    return s_hello (self);
}


//  --------------------------------------------------------------------------
//  Attacks: each returns 0 when it ran (the outcome is set), -1 on a setup
//  problem.

//  Another department's id for a spoofed `from`: --to's, unless that is us.
static void
s_spoof (s_rogue_t *self, s_query_spec_t *spec)
{
    const char *candidates [] = { self->args.to, "SH-PD-FDA", "SH-PD-TAX" };
    for (size_t index = 0; index < 3; index++)
        if (!streq (candidates [index], cert_department (self->me))) {
            snprintf (spec->from, sizeof (spec->from), "%s", candidates [index]);
            break;
        }
}

//  Registers, sends the query the attack's row describes, waits for the
//  reply.
static int
s_run_query (s_rogue_t *self, const s_attack_t *attack)
{
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    s_query_spec_t spec;
    s_spec_default (self, &spec);
    spec.seal = attack->seal;
    spec.skew_ms += attack->skew_ms;
    if (attack->to)
        snprintf (spec.to, sizeof (spec.to), "%s", attack->to);
    if (attack->key && !self->args.key)
        spec.key = attack->key;
    if (attack->spoof)
        s_spoof (self, &spec);
    if (s_send_query (self, &spec))
        return -1;
    s_wait (self);
    return 0;
}

//  A fresh CURVE key pair that no certificate holds: ZAP refuses it.
static int
s_run_uncertified (s_rogue_t *self)
{
    zcert_t *stranger = zcert_new ();
    if (!stranger) {
        fprintf (stderr, "sluice-rogue: cannot make a key pair\n");
        return -1;
    }
    int rc = s_connect (self, stranger);
    zcert_destroy (&stranger);
    if (rc == 0)
        rc = s_hello (self) < 0? -1: 0;
    return rc;
}

static int
s_run_no_hello (s_rogue_t *self)
{
    if (s_connect (self, cert_zcert (self->me)))
        return -1;
    s_query_spec_t spec;
    s_spec_default (self, &spec);
    spec.seal = S_SEAL_SELF;        //  no directory without HELLO
    if (s_send_query (self, &spec))
        return -1;
    s_wait (self);
    return 0;
}

static int
s_run_malformed (s_rogue_t *self)
{
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    uint8_t garbage [S_GARBAGE_SIZE];
    randombytes_buf (garbage, sizeof (garbage));
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, garbage, sizeof (garbage));
    if (s_send (self, &msg))
        return -1;
    s_wait (self);
    return 0;
}

//  A sealed message of --type (default NOTICE) with an empty map, from us
//  to --to; NULL if it cannot be built.
static envelope_t *
s_typed_new (s_rogue_t *self)
{
    s_query_spec_t spec;
    s_spec_default (self, &spec);
    uint8_t key [ENVELOPE_KEY_BYTES];
    if (s_seal_key (self, &spec, key) != 1)
        return NULL;
    const uint8_t empty_map [] = { 0x80 };
    envelope_t *envelope = peer_envelope_new (self->type, spec.from, spec.to, empty_map,
                                              sizeof (empty_map), 0,
                                              cert_sign_secret (self->me), key);
    sodium_memzero (key, sizeof (key));
    return envelope;
}

static int
s_send_typed (s_rogue_t *self)
{
    envelope_t *envelope = s_typed_new (self);
    int rc = envelope? s_send_envelope (self, envelope): -1;
    envelope_destroy (&envelope);
    return rc;
}

//  Sends --count messages made by `send` without waiting, then counts the
//  replies, by code, until all have come or none has for --timeout-ms.
static int
s_flood (s_rogue_t *self, int (*send) (s_rogue_t *self))
{
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    int sent = 0;
    for (; sent < self->count; sent++)
        if (send (self))
            break;
    size_t replies = 0, ok = 0, errors = 0;
    uint32_t *codes = (uint32_t *) calloc (S_CODES, sizeof (uint32_t));
    assert (codes);
    while (replies < (size_t) sent) {
        s_wait (self);
        if (self->outcome.kind == S_NO_REPLY)
            break;
        replies++;
        if (self->outcome.kind == S_RESPONSE || self->outcome.kind == S_QUEUED)
            ok++;
        else {
            errors++;
            if (self->outcome.kind == S_ERROR && self->outcome.code >= 0
            &&  self->outcome.code < S_CODES)
                codes [self->outcome.code]++;
        }
    }
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_TALLY;
    self->outcome.replies = replies;
    self->outcome.ok = ok;
    self->outcome.errors = errors;
    self->outcome.codes = codes;
    if (sent < self->count)
        fprintf (stderr, "sluice-rogue: only %d of %d messages were sent\n",
                 sent, self->count);
    return 0;
}

static int
s_send_default_query (s_rogue_t *self)
{
    s_query_spec_t spec;
    s_spec_default (self, &spec);
    return s_send_query (self, &spec);
}

//  --count correct queries without waiting, then counts the replies.
static int
s_run_flood (s_rogue_t *self)
{
    return s_flood (self, s_send_default_query);
}

//  --count correct queries, then reads nothing for --timeout-ms: the
//  answers wait at the broker until its queue for us is full, and the
//  broker answers the provider BUSY for each one after that (which the
//  provider hears about a query it no longer waits on).
static int
s_run_deaf_flood (s_rogue_t *self)
{
    self->deaf = true;
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    size_t sent = 0;
    while (sent < (size_t) self->count && s_send_default_query (self) == 0)
        sent++;
    zclock_sleep (self->timeout_ms);        //  deaf, and still connected
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_SENT;
    self->outcome.sent = sent;
    return 0;
}

//  One connection of hold: a DEALER with our certificate and its monitor.
typedef struct {
    zsock_t *dealer;
    zsock_t *monitor;
    bool up;                    //  through its handshake, not lost
    int64_t retry_at;           //  monotonic ms to connect again
    int64_t backoff_ms;
} s_hold_t;

static void
s_hold_close (s_hold_t *hold, int64_t now)
{
    if (hold->monitor)
        zmq_socket_monitor (zsock_resolve (hold->dealer), NULL, 0);
    zsock_destroy (&hold->monitor);
    zsock_destroy (&hold->dealer);
    hold->up = false;
    hold->retry_at = now + hold->backoff_ms;
    hold->backoff_ms = hold->backoff_ms * 2 > S_HOLD_BACKOFF_MAX?
                       S_HOLD_BACKOFF_MAX: hold->backoff_ms * 2;
}

//  Connects one: 0, or -1 (said on stderr).
static int
s_hold_open (s_rogue_t *self, s_hold_t *hold, const char *endpoint)
{
    hold->dealer = zsock_new (ZMQ_DEALER);
    hold->monitor = zsock_new (ZMQ_PAIR);
    if (!hold->dealer || !hold->monitor) {
        fprintf (stderr, "sluice-rogue: cannot create a socket\n");
        return -1;
    }
    char inproc [64];
    snprintf (inproc, sizeof (inproc), "inproc://rogue-hold-%p", (void *) hold->dealer);
    zsock_set_linger (hold->dealer, 0);
    zsock_set_sndtimeo (hold->dealer, 0);
    zcert_apply (cert_zcert (self->me), hold->dealer);
    zsock_set_curve_serverkey (hold->dealer, cert_curve_public_txt (self->broker));
    if (zmq_socket_monitor (zsock_resolve (hold->dealer), inproc,
                            ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED
                          | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                          | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                          | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
    ||  zsock_connect (hold->monitor, "%s", inproc)
    ||  zsock_connect (hold->dealer, "%s", endpoint)) {
        fprintf (stderr, "sluice-rogue: cannot connect to %s\n", endpoint);
        return -1;
    }
    return 0;
}

//  What one connection's monitor says; a connection up says HELLO, so
//  that it is a registered department's connection like any gateway's.
static void
s_hold_events (s_rogue_t *self, s_hold_t *hold, int64_t now)
{
    zframe_t *frame;
    while (hold->monitor && (frame = zframe_recv_nowait (hold->monitor))) {
        uint16_t event = 0;
        if (zframe_size (frame) == 6)
            memcpy (&event, zframe_data (frame), 2);
        zframe_destroy (&frame);
        zframe_t *endpoint = zframe_recv_nowait (hold->monitor);
        zframe_destroy (&endpoint);
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            hold->up = true;
            hold->backoff_ms = S_HOLD_BACKOFF_MS;
            envelope_t *envelope = peer_envelope_new (MSG_HELLO, cert_department (self->me),
                                                      "", (const uint8_t *) "\x80", 1, 0,
                                                      cert_sign_secret (self->me), NULL);
            zmsg_t *msg = envelope? envelope_encode (envelope): NULL;
            if (msg && zmsg_send (&msg, hold->dealer))
                zmsg_destroy (&msg);
            envelope_destroy (&envelope);
        }
        else {
            if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
                self->outcome.refused++;
            else
                self->outcome.ended++;
            s_hold_close (hold, now);
        }
    }
    //  What the broker sends (its WELCOME, the directory) is read and left
    zmsg_t *msg;
    while (hold->up && zsock_events (hold->dealer) & ZMQ_POLLIN
       &&  (msg = zmsg_recv (hold->dealer)))
        zmsg_destroy (&msg);
}

//  --count connections with our certificate, held open for --timeout-ms
//  or until SIGTERM; one the broker refuses or ends is opened again, after
//  100 ms doubling to 3.2 s (as a gateway does); from --source, if given.
static int
s_run_hold (s_rogue_t *self)
{
    if (self->count > S_HOLD_MAX) {
        fprintf (stderr, "sluice-rogue: hold takes at most %d connections\n", S_HOLD_MAX);
        return -1;
    }
    //  Two sockets and a descriptor or two a connection
    zsys_set_max_sockets (0);
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit (RLIMIT_NOFILE, &limit);
    }
    char endpoint [256];
    const char *broker = self->args.broker;
    if (self->args.source && strncmp (broker, "tcp://", 6) == 0)
        snprintf (endpoint, sizeof (endpoint), "tcp://%s:0;%s", self->args.source,
                  broker + 6);
    else
        snprintf (endpoint, sizeof (endpoint), "%s", broker);
    s_hold_t *holds = (s_hold_t *) calloc ((size_t) self->count, sizeof (s_hold_t));
    assert (holds);
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_HELD;
    int rc = 0;
    int64_t deadline = zclock_mono () + self->timeout_ms;
    while (rc == 0 && zclock_mono () < deadline && !zsys_interrupted) {
        int64_t now = zclock_mono ();
        size_t up = 0;
        for (int index = 0; rc == 0 && index < self->count; index++) {
            s_hold_t *hold = &holds [index];
            if (!hold->dealer && now >= hold->retry_at) {
                if (!hold->backoff_ms)
                    hold->backoff_ms = S_HOLD_BACKOFF_MS;
                rc = s_hold_open (self, hold, endpoint);
            }
            s_hold_events (self, hold, now);
            up += hold->up;
        }
        if (up > self->outcome.most)
            self->outcome.most = up;
        self->outcome.held = up;
        zclock_sleep (20);
    }
    for (int index = 0; index < self->count; index++)
        s_hold_close (&holds [index], 0);
    free (holds);
    return rc;
}

//  --count messages of --type without waiting, then counts the replies.
static int
s_run_typed_flood (s_rogue_t *self)
{
    return s_flood (self, s_send_typed);
}

//  One message of --type; the outcome is its answer.
static int
s_run_typed (s_rogue_t *self)
{
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    if (s_send_typed (self))
        return -1;
    s_wait (self);
    return 0;
}

//  The header id of a message of `type` about the notice --id names: a
//  NOTICE's or ALERT's is the copy for --to; a RECEIPT's, from us, is the
//  receipt in --state of our copy; an ACK's, to --to, is the ack of that
//  receipt from --to of its copy
static void
s_stored_id (s_rogue_t *self, int type, uint8_t *id)
{
    uint8_t copy [NOTICEID_BYTES], receipt [NOTICEID_BYTES];
    noticeid_copy (self->notice, type == MSG_RECEIPT? cert_department (self->me):
                   self->args.to, copy);
    if (type == MSG_RECEIPT)
        noticeid_receipt (copy, self->state, id);
    else
    if (type == MSG_ACK) {
        noticeid_receipt (copy, self->state, receipt);
        noticeid_ack (receipt, id);
    }
    else
        memcpy (id, copy, NOTICEID_BYTES);
}

//  Sends a message of `type` to --to with the id s_stored_id derives, an
//  empty map as its payload (the broker never reads it), sealed as `seal`
//  says. 0, or -1 (said on stderr).
static int
s_send_stored (s_rogue_t *self, int type, s_seal_t seal)
{
    s_query_spec_t spec;
    s_spec_default (self, &spec);
    spec.seal = seal;
    uint8_t key [ENVELOPE_KEY_BYTES];
    int sealed = s_seal_key (self, &spec, key);
    if (sealed < 0) {
        fprintf (stderr, "sluice-rogue: cannot compute a box key\n");
        return -1;
    }
    uint8_t id [ENVELOPE_ID_BYTES];
    s_stored_id (self, type, id);
    const uint8_t empty_map [] = { 0x80 };
    envelope_t *envelope = peer_envelope_id_new (type, spec.from, spec.to, id, empty_map,
                                                 sizeof (empty_map),
                                                 cert_sign_secret (self->me),
                                                 sealed? key: NULL);
    sodium_memzero (key, sizeof (key));
    int rc = envelope? s_send_envelope (self, envelope): -1;
    envelope_destroy (&envelope);
    return rc;
}

//  Registers, sends one message of `type`, sealed as `seal` says, and
//  waits for the answer (QUEUED, an ERROR, or none)
static int
s_run_stored (s_rogue_t *self, int type, s_seal_t seal)
{
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    if (s_send_stored (self, type, seal))
        return -1;
    s_wait (self);
    return 0;
}

//  A notice without registering first
static int
s_run_notice_no_hello (s_rogue_t *self)
{
    if (s_connect (self, cert_zcert (self->me)))
        return -1;
    if (s_send_stored (self, MSG_NOTICE, S_SEAL_SELF))
        return -1;
    s_wait (self);
    return 0;
}

//  Registers, then waits for --count notices, alerts, receipts or acks (or
//  until none has come for --timeout-ms); the outcome lists them in order
static int
s_run_collect (s_rogue_t *self)
{
    self->collecting = true;
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    while (zlistx_size (self->received) < (size_t) self->count) {
        s_wait (self);
        if (self->outcome.kind == S_NO_REPLY || self->outcome.kind == S_BAD_REPLY)
            break;
    }
    if (self->outcome.kind == S_BAD_REPLY)
        return 0;
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_RECEIVED;
    self->outcome.received = self->received;
    return 0;
}

//  Connects with the CURVE key pair `curve` and a socket monitor, and waits
//  up to --timeout-ms for the handshake's first outcome.
static int
s_handshake (s_rogue_t *self, zcert_t *curve)
{
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    zsock_t *monitor = zsock_new (ZMQ_PAIR);
    if (!dealer || !monitor) {
        zsock_destroy (&dealer);
        zsock_destroy (&monitor);
        fprintf (stderr, "sluice-rogue: cannot create a socket\n");
        return -1;
    }
    char endpoint [64];
    snprintf (endpoint, sizeof (endpoint), "inproc://rogue-monitor-%p", (void *) dealer);
    int rc = zmq_socket_monitor (zsock_resolve (dealer), endpoint,
                                 ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                               | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                               | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                               | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);
    if (rc == 0)
        rc = zsock_connect (monitor, "%s", endpoint);
    zsock_set_linger (dealer, 0);
    zcert_apply (curve, dealer);
    zsock_set_curve_serverkey (dealer, cert_curve_public_txt (self->broker));
    if (rc == 0)
        rc = zsock_connect (dealer, "%s", self->args.broker);
    if (rc) {
        fprintf (stderr, "sluice-rogue: cannot connect to %s\n", self->args.broker);
        zsock_destroy (&dealer);
        zsock_destroy (&monitor);
        return -1;
    }
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_HANDSHAKE;
    snprintf (self->outcome.handshake, sizeof (self->outcome.handshake), "NONE");
    zsock_set_rcvtimeo (monitor, self->timeout_ms);
    zframe_t *frame = zframe_recv (monitor);
    if (frame && zframe_size (frame) == 6) {
        uint16_t event;
        uint32_t value;
        memcpy (&event, zframe_data (frame), 2);
        memcpy (&value, zframe_data (frame) + 2, 4);
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            snprintf (self->outcome.handshake, sizeof (self->outcome.handshake),
                      "SUCCEEDED");
        else
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            snprintf (self->outcome.handshake, sizeof (self->outcome.handshake),
                      "FAILED_AUTH status=%u", value);
        else
            snprintf (self->outcome.handshake, sizeof (self->outcome.handshake),
                      "FAILED_PROTOCOL");
    }
    zframe_destroy (&frame);
    zsock_destroy (&dealer);
    zsock_destroy (&monitor);
    return 0;
}

//  The handshake with our certificate's key.
static int
s_run_handshake (s_rogue_t *self)
{
    return s_handshake (self, cert_zcert (self->me));
}

//  The handshake with a fresh key that no certificate holds.
static int
s_run_handshake_uncertified (s_rogue_t *self)
{
    zcert_t *stranger = zcert_new ();
    if (!stranger)
        return -1;
    int rc = s_handshake (self, stranger);
    zcert_destroy (&stranger);
    return rc;
}

//  A statement of ours, signed: of `version` unless --statement-version
//  gives another, issued now or --backdate-ms ago. NULL if out of bounds.
static statement_t *
s_own_statement (s_rogue_t *self, const char *kind, const char *key, uint64_t version,
                 const uint8_t *payload, size_t size)
{
    statement_t *statement = statement_new (kind, cert_department (self->me), key,
                                            self->version? self->version: version,
                                            payload, size);
    if (statement && self->backdate_ms)
        statement_set_issued (statement, zclock_time () - self->backdate_ms);
    if (statement)
        statement_sign (statement, cert_sign_secret (self->me));
    return statement;
}

//  Puts one order for --item with --to, its legal basis ORDER_TEXT_MAX
//  bytes long, and waits for the broker's answer. 0, or -1 if it cannot
//  be sent.
static int
s_put_order (s_rogue_t *self, const char *key, uint64_t version)
{
    order_t order;
    memset (&order, 0, sizeof (order));
    snprintf (order.provider, sizeof (order.provider), "%s", self->args.to);
    snprintf (order.item, sizeof (order.item), "%s", self->args.item);
    snprintf (order.purpose, sizeof (order.purpose), "rogue-load");
    memset (order.legal_basis, 'x', ORDER_TEXT_MAX);
    memcpy (order.legal_basis, "a long legal basis ", 19);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_order_encode (&order, &buffer);
    statement_t *statement = s_own_statement (self, STATEMENT_ORDER, key, version,
                                              (uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    if (!statement)
        return -1;
    zlistx_t *one = zlistx_new ();
    zlistx_add_end (one, statement);
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, "put", NULL, 0, NULL, NULL, one, NULL);
    zlistx_destroy (&one);
    statement_destroy (&statement);
    int rc = s_send_own (self, MSG_REGISTRY, (uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    if (rc == 0)
        s_wait (self);
    return rc;
}

//  --count orders, each put and answered in turn; the tally of the
//  broker's answers, with the last refusal.
static int
s_run_orders (s_rogue_t *self)
{
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    size_t replies = 0, ok = 0, errors = 0;
    int last_code = 0;
    char last_reason [MESSAGE_REASON_MAX + 1] = "";
    int64_t stamp = zclock_time ();
    for (int index = 0; index < self->count; index++) {
        char key [STATEMENT_KEY_MAX + 1];
        snprintf (key, sizeof (key), "ORD-%s-%" PRId64 "-%d", cert_department (self->me),
                  stamp, index);
        if (s_put_order (self, key, (uint64_t) stamp + (uint64_t) index))
            return -1;
        if (self->outcome.kind == S_NO_REPLY)
            break;
        replies++;
        if (self->outcome.kind == S_DONE && self->outcome.code == STATUS_OK)
            ok++;
        else {
            errors++;
            last_code = self->outcome.code;
            snprintf (last_reason, sizeof (last_reason), "%s", self->outcome.reason);
        }
    }
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_TALLY;
    self->outcome.replies = replies;
    self->outcome.ok = ok;
    self->outcome.errors = errors;
    self->outcome.last_code = last_code;
    snprintf (self->outcome.last_reason, sizeof (self->outcome.last_reason), "%s",
              last_reason);
    return 0;
}

//  Publishes --catalog as our catalog statement (REGISTRY put).
static int
s_publish_catalog (s_rogue_t *self)
{
    char *error = NULL;
    catalog_t *catalog = catalog_load (self->args.catalog, &error);
    if (!catalog) {
        fprintf (stderr, "sluice-rogue: %s\n", error);
        zstr_free (&error);
        return -1;
    }
    //  Versions by the clock: a later withdraw outranks the publish
    size_t size;
    uint8_t *payload = catalog_encode (catalog, cert_department (self->me), &size);
    statement_t *statement = s_own_statement (self, STATEMENT_CATALOG,
                                              cert_department (self->me),
                                              (uint64_t) zclock_time (), payload, size);
    free (payload);
    catalog_destroy (&catalog);
    if (!statement) {
        fprintf (stderr, "sluice-rogue: the catalog does not fit a statement\n");
        return -1;
    }
    zlistx_t *statements = zlistx_new ();
    zlistx_add_end (statements, statement);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, "put", NULL, 0, NULL, NULL, statements, NULL);
    int rc = s_send_own (self, MSG_REGISTRY, (uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    zlistx_destroy (&statements);
    statement_destroy (&statement);
    return rc;
}

//  Registers and publishes --catalog, if given, waiting for the broker's
//  answer: 1 if it took it (or there was none), 0 if not (the outcome says
//  what happened), -1 on a setup problem
static int
s_join_publishing (s_rogue_t *self)
{
    int rc = s_join (self);
    if (rc != 1 || !self->args.catalog)
        return rc;
    if (s_publish_catalog (self))
        return -1;
    s_wait (self);
    return self->outcome.kind == S_DONE && self->outcome.code == STATUS_OK? 1: 0;
}

//  A provider that lies: registers, publishes --catalog if given, then
//  answers the first QUERY as --answer says.
static int
s_run_lying_provider (s_rogue_t *self)
{
    if (!self->answer) {
        fprintf (stderr, "sluice-rogue: lying-provider needs --answer MODE\n");
        return -1;
    }
    int rc = s_join_publishing (self);
    if (rc != 1)
        return rc;              //  the outcome says what the broker said
    fprintf (stderr, "sluice-rogue: %s waiting for a query, to answer it %s\n",
             cert_department (self->me), self->answer->name);
    s_wait (self);
    //  The answer leaves before the socket closes
    zsock_set_linger (self->dealer, 2000);
    return 0;
}

//  Registers, builds a correct query and sends frames made from it by
//  `bend`, then waits for the reply.
static int
s_run_bent (s_rogue_t *self, s_bend_fn *bend)
{
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    s_query_spec_t spec;
    s_spec_default (self, &spec);
    envelope_t *envelope = s_query_new (self, &spec);
    if (!envelope)
        return -1;
    rc = bend (self, envelope);
    envelope_destroy (&envelope);
    if (rc == 0)
        s_wait (self);
    return rc > 0? 0: rc;
}

static int
s_bend_garbage_header (s_rogue_t *self, envelope_t *envelope)
{
    uint8_t garbage [S_GARBAGE_SIZE];
    randombytes_buf (garbage, sizeof (garbage));
    size_t body_size;
    const uint8_t *body = envelope_body_bytes (envelope, &body_size);
    return s_send_frames (self, garbage, sizeof (garbage), body, body_size);
}

static int
s_bend_truncated (s_rogue_t *self, envelope_t *envelope)
{
    size_t header_size, body_size;
    const uint8_t *header = envelope_header_bytes (envelope, &header_size);
    const uint8_t *body = envelope_body_bytes (envelope, &body_size);
    return s_send_frames (self, header, header_size, body, body_size / 2);
}

static int
s_bend_oversized (s_rogue_t *self, envelope_t *envelope)
{
    size_t header_size;
    const uint8_t *header = envelope_header_bytes (envelope, &header_size);
    size_t body_size = ENVELOPE_BODY_MAX + 1;
    uint8_t *body = (uint8_t *) malloc (body_size);
    if (!body)
        return -1;
    randombytes_buf (body, body_size);
    int rc = s_send_frames (self, header, header_size, body, body_size);
    free (body);
    return rc;
}

//  Sends `header` with the envelope's payload and `signature`, the body
//  built as envelope.c builds it: [payload, signature] sealed to --to
static int
s_send_rebuilt (s_rogue_t *self, envelope_t *envelope, const uint8_t *header,
                size_t header_size, const uint8_t *signature)
{
    s_query_spec_t spec;
    s_spec_default (self, &spec);
    uint8_t box_key [ENVELOPE_KEY_BYTES];
    if (s_seal_key (self, &spec, box_key) != 1)
        return -1;
    msgpack_sbuffer inner;
    msgpack_sbuffer_init (&inner);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &inner, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 2);
    msgpack_pack_bin (&pk, envelope_payload_size (envelope));
    msgpack_pack_bin_body (&pk, envelope_payload (envelope),
                           envelope_payload_size (envelope));
    msgpack_pack_bin (&pk, ENVELOPE_SIG_BYTES);
    msgpack_pack_bin_body (&pk, signature, ENVELOPE_SIG_BYTES);

    size_t body_size = crypto_box_NONCEBYTES + crypto_box_MACBYTES + inner.size;
    uint8_t *body = (uint8_t *) malloc (body_size);
    int rc = -1;
    if (body) {
        randombytes_buf (body, crypto_box_NONCEBYTES);
        crypto_box_easy_afternm (body + crypto_box_NONCEBYTES,
                                 (const uint8_t *) inner.data, inner.size,
                                 body, box_key);
        rc = s_send_frames (self, header, header_size, body, body_size);
        free (body);
    }
    msgpack_sbuffer_destroy (&inner);
    sodium_memzero (box_key, sizeof (box_key));
    return rc;
}

//  The body rebuilt with one bit of the signature flipped: it opens, but
//  does not verify.
static int
s_bend_signature (s_rogue_t *self, envelope_t *envelope)
{
    uint8_t signature [ENVELOPE_SIG_BYTES];
    memcpy (signature, envelope_signature (envelope), ENVELOPE_SIG_BYTES);
    signature [0] ^= 0x01;
    size_t header_size;
    const uint8_t *header = envelope_header_bytes (envelope, &header_size);
    return s_send_rebuilt (self, envelope, header, header_size, signature);
}

//  The header's time (cf + 8 bytes, just before the flags) written as a
//  signed int 64 (d3) with the same value, and signed as sent, as
//  PROTOCOL.md section 5.2 says: only the format is wrong.
static int
s_bend_signed_time (s_rogue_t *self, envelope_t *envelope)
{
    size_t header_size;
    const uint8_t *original = envelope_header_bytes (envelope, &header_size);
    uint8_t header [ENVELOPE_HEADER_MAX];
    if (header_size < 10 || header_size > sizeof (header)
    ||  original [header_size - 10] != 0xcf) {
        fprintf (stderr, "sluice-rogue: the header's time is not where it should be\n");
        return -1;
    }
    memcpy (header, original, header_size);
    header [header_size - 10] = 0xd3;
    const char context [] = "sluice-msg-1";
    size_t payload_size = envelope_payload_size (envelope);
    size_t signed_size = strlen (context) + 4 + header_size + payload_size;
    uint8_t *message = (uint8_t *) malloc (signed_size);
    if (!message)
        return -1;
    uint8_t *cursor = message;
    memcpy (cursor, context, strlen (context));
    cursor += strlen (context);
    for (int shift = 24; shift >= 0; shift -= 8)
        *cursor++ = (uint8_t) (header_size >> shift);
    memcpy (cursor, header, header_size);
    cursor += header_size;
    memcpy (cursor, envelope_payload (envelope), payload_size);
    uint8_t signature [ENVELOPE_SIG_BYTES];
    crypto_sign_detached (signature, NULL, message, signed_size,
                          cert_sign_secret (self->me));
    free (message);
    return s_send_rebuilt (self, envelope, header, header_size, signature);
}

//  Sends a correct query and keeps its exact frames in --file (for resend,
//  e.g. after the provider restarted); with --kill, kills that process the
//  instant the answer has arrived (so an audit record the provider had not
//  made durable before answering would be lost).
static int
s_bend_record (s_rogue_t *self, envelope_t *envelope)
{
    if (!self->args.file) {
        fprintf (stderr, "sluice-rogue: record needs --file\n");
        return -1;
    }
    size_t header_size, body_size;
    const uint8_t *header = envelope_header_bytes (envelope, &header_size);
    const uint8_t *body = envelope_body_bytes (envelope, &body_size);
    FILE *file = fopen (self->args.file, "wb");
    uint8_t length [2] = { (uint8_t) (header_size >> 8), (uint8_t) header_size };
    if (!file || fwrite (length, 1, 2, file) != 2
    ||  fwrite (header, 1, header_size, file) != header_size
    ||  fwrite (body, 1, body_size, file) != body_size) {
        fprintf (stderr, "sluice-rogue: cannot write %s\n", self->args.file);
        if (file)
            fclose (file);
        return -1;
    }
    fclose (file);
    if (!self->kill_pid)
        return s_send_envelope (self, envelope);
    if (s_send_envelope (self, envelope))
        return -1;
    s_wait (self);
    if (self->outcome.kind == S_RESPONSE || self->outcome.kind == S_ERROR)
        kill ((pid_t) self->kill_pid, SIGKILL);
    return 1;                           //  waited already
}

//  Sends again the frames record kept, byte for byte.
static int
s_run_resend (s_rogue_t *self)
{
    if (!self->args.file) {
        fprintf (stderr, "sluice-rogue: resend needs --file\n");
        return -1;
    }
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    uint8_t *data = (uint8_t *) malloc (ENVELOPE_BODY_MAX);
    assert (data);
    FILE *file = fopen (self->args.file, "rb");
    size_t size = file? fread (data, 1, ENVELOPE_BODY_MAX, file): 0;
    if (file)
        fclose (file);
    size_t header_size = size >= 2? ((size_t) data [0] << 8) | data [1]: 0;
    if (size < 2 || header_size == 0 || header_size > size - 2) {
        fprintf (stderr, "sluice-rogue: %s holds no recorded query\n", self->args.file);
        free (data);
        return -1;
    }
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, data + 2, header_size);
    zmsg_addmem (msg, data + 2 + header_size, size - 2 - header_size);
    free (data);
    if (s_send (self, &msg))
        return -1;
    s_wait (self);
    return 0;
}

//  The same envelope twice; the outcome is the reply to the second.
static int
s_bend_replay (s_rogue_t *self, envelope_t *envelope)
{
    if (s_send_envelope (self, envelope))
        return -1;
    s_wait (self);
    return s_send_envelope (self, envelope);
}

//  --------------------------------------------------------------------------
//  Hostile answers: what a member may send to be shown on another
//  department's screens. Escape sequences (clear screen, window title, a
//  bell, SGR), a C1 CSI, bytes that are not UTF-8, Chinese that must stay
//  as it is, map keys that are not strings, values with no text form.

#define S_HOSTILE_TEXT  "\x1b[2J\x1b]0;owned\x07 \xc2\x9b" "31m \xff\xfe 税务登记"
#define S_HOSTILE_ITEM  "hostile-values"
#define S_ODD_ITEM      "odd-keys"

//  The rows of a hostile-values answer: string keys that the published
//  catalog has, hostile texts in the values
static void
s_pack_hostile_values (msgpack_packer *pk)
{
    msgpack_pack_array (pk, 1);
    msgpack_pack_map (pk, 5);
    codec_pack_kv_str (pk, "name", "上海浦东新区税务局");
    codec_pack_kv_str (pk, "note", S_HOSTILE_TEXT);
    codec_pack_kv_str (pk, "title", "\x1b[31mred\x1b[0m\x07\x08\x08\r\n");
    codec_pack_kv_uint (pk, "count", 42);
    codec_pack_str (pk, "score");
    msgpack_pack_double (pk, NAN);
}

//  The rows of an odd-keys answer: keys that are not strings, bin, ext,
//  nested values, and a row that is not a map (in an array of maps
//  messages refuse it, so it is the second map's value instead)
static void
s_pack_odd_keys (msgpack_packer *pk)
{
    msgpack_pack_array (pk, 2);
    msgpack_pack_map (pk, 5);
    msgpack_pack_int (pk, 7);
    codec_pack_str (pk, "seven");
    msgpack_pack_nil (pk);
    codec_pack_str (pk, "\x1b[1mbold");
    msgpack_pack_bin (pk, 1);
    msgpack_pack_bin_body (pk, "k", 1);
    msgpack_pack_bin (pk, 4);
    msgpack_pack_bin_body (pk, "\x1b[5m", 4);
    codec_pack_str (pk, "nested");
    msgpack_pack_map (pk, 1);
    codec_pack_str (pk, "\x1b");
    msgpack_pack_array (pk, 2);
    msgpack_pack_int (pk, 1);
    codec_pack_str (pk, "\xff\x07");
    codec_pack_str (pk, "ext");
    msgpack_pack_ext (pk, 2, 5);
    msgpack_pack_ext_body (pk, "\x1b\x07", 2);
    msgpack_pack_map (pk, 1);
    msgpack_pack_array (pk, 1);
    codec_pack_str (pk, "\x9b" "31m");
    codec_pack_str (pk, "\x07");
}

//  Seals `payload` from us to `to` and sends it as a message of `type`
static int
s_send_sealed (s_rogue_t *self, int type, const char *to, const uint8_t *payload,
               size_t size)
{
    cert_t *recipient = s_lookup (self, to);
    uint8_t key [ENVELOPE_KEY_BYTES];
    if (!recipient || s_box_key (self, cert_box_public (recipient), key))
        return -1;
    envelope_t *envelope = peer_envelope_new (type, cert_department (self->me), to,
                                              payload, size, 0,
                                              cert_sign_secret (self->me), key);
    sodium_memzero (key, sizeof (key));
    int rc = envelope? s_send_envelope (self, envelope): -1;
    envelope_destroy (&envelope);
    return rc;
}

//  Answers a query sent to us: hostile rows for the two items above, a
//  refusal with a hostile reason and field for any other
static bool
s_on_query (s_rogue_t *self, envelope_t *envelope)
{
    if (self->answer)
        return s_answer_lie (self, envelope);
    if (s_open (self, envelope))
        return true;
    const envelope_header_t *header = envelope_header (envelope);
    message_query_t query;
    if (message_query_decode (envelope_payload (envelope),
                              envelope_payload_size (envelope), &query) != STATUS_OK) {
        s_bad_reply (self, "QUERY from %s with a malformed payload", header->from);
        return true;
    }
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    int type = MSG_RESPONSE;
    if (streq (query.item, S_HOSTILE_ITEM) || streq (query.item, S_ODD_ITEM)) {
        message_response_begin (&pk, header->id, query.item, STATUS_OK,
                                (uint64_t) zclock_time (), "");
        if (streq (query.item, S_HOSTILE_ITEM))
            s_pack_hostile_values (&pk);
        else
            s_pack_odd_keys (&pk);
    }
    else {
        message_error_t error;
        memset (&error, 0, sizeof (error));
        memcpy (error.re, header->id, ENVELOPE_ID_BYTES);
        error.code = STATUS_ITEM_CLOSED;
        snprintf (error.reason, sizeof (error.reason), "closed under "
                  "《\x1b[31m法\x07》 %s", S_HOSTILE_TEXT);
        snprintf (error.field, sizeof (error.field), "f\x1b[1m\xff");
        message_error_encode (&error, &buffer);
        type = MSG_ERROR;
    }
    int rc = s_send_sealed (self, type, header->from, (const uint8_t *) buffer.data,
                            buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    if (rc)
        s_bad_reply (self, "cannot answer %s", header->from);
    else {
        size_t served = self->outcome.served;
        memset (&self->outcome, 0, sizeof (self->outcome));
        self->outcome.kind = S_SERVED;
        self->outcome.served = served + 1;
    }
    return true;
}

//  Registers, then answers --count queries, or fewer if none comes for
//  --timeout-ms; the outcome counts the answers
static int
s_run_serve (s_rogue_t *self)
{
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    size_t served = 0;
    while (served < (size_t) self->count) {
        s_wait (self);
        if (self->outcome.kind == S_SERVED)
            served++;
        else
        if (self->outcome.kind == S_NO_REPLY)
            break;
        //  A bad or unexpected message is skipped; serving goes on
    }
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_SERVED;
    self->outcome.served = served;
    return 0;
}

//  Signs a statement of ours and puts it at the broker; waits for the
//  broker's done. 0 when it came (the outcome says what it was), -1 on a
//  setup problem.
static int
s_put (s_rogue_t *self, const char *kind, const char *key, const uint8_t *payload,
       size_t size)
{
    //  Versions by the clock: a later withdraw outranks the publish
    statement_t *statement = s_own_statement (self, kind, key, (uint64_t) zclock_time (),
                                              payload, size);
    if (!statement) {
        fprintf (stderr, "sluice-rogue: cannot make a %s statement\n", kind);
        return -1;
    }
    zlistx_t *list = zlistx_new ();
    zlistx_add_end (list, statement);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    registry_msg_encode (&buffer, "put", NULL, 0, NULL, NULL, list, NULL);
    zlistx_destroy (&list);
    statement_destroy (&statement);
    int rc = s_send_own (self, MSG_REGISTRY, (const uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    if (rc == 0)
        s_wait (self);
    return rc;
}

//  Our catalog as published (PROTOCOL.md 16.4), its texts hostile, with a
//  key that is not a string in the item
static void
s_pack_hostile_catalog (s_rogue_t *self, msgpack_packer *pk)
{
    const char *fields [5][2] = {
        { "name", "text" }, { "note", "text" }, { "title", "text" },
        { "count", "integer" }, { "score", "real" }
    };
    msgpack_pack_map (pk, 2);
    codec_pack_kv_str (pk, "department", cert_department (self->me));
    codec_pack_str (pk, "items");
    msgpack_pack_array (pk, 1);
    msgpack_pack_map (pk, 15);
    codec_pack_kv_str (pk, "name", S_HOSTILE_ITEM);
    codec_pack_kv_str (pk, "title", S_HOSTILE_TEXT);
    codec_pack_kv_str (pk, "description", "\x1b[31mred\x1b[0m \xc2\x85 next line");
    codec_pack_kv_str (pk, "category", "测试\x07");
    codec_pack_kv_str (pk, "key_type", "uscc");
    codec_pack_kv_str (pk, "share", "open");
    codec_pack_kv_str (pk, "conditions", "");
    codec_pack_kv_str (pk, "legal_basis", "《\x1b]0;owned\x07》");
    codec_pack_kv_str (pk, "update", "\xe6\xaf\x8f\xe6\x97\xa5\xff");
    codec_pack_kv_str (pk, "format", "record");
    codec_pack_kv_str (pk, "method", "query");
    codec_pack_kv_uint (pk, "max_rows", 1);
    codec_pack_str (pk, "fields");
    msgpack_pack_array (pk, 5);
    for (int index = 0; index < 5; index++) {
        msgpack_pack_map (pk, 6);
        codec_pack_kv_str (pk, "name", fields [index][0]);
        codec_pack_kv_str (pk, "type", fields [index][1]);
        codec_pack_kv_uint (pk, "sensitivity", 0);
        codec_pack_kv_str (pk, "description", index? "": "\x1b[5mblink\x07");
        codec_pack_kv_str (pk, "element", "");
        codec_pack_str (pk, "personal");
        msgpack_pack_false (pk);
    }
    msgpack_pack_int (pk, 7);
    codec_pack_str (pk, "\x1b[1m");
    codec_pack_str (pk, "\xff");
    codec_pack_str (pk, "not UTF-8");
}

//  Puts our catalog: the hostile one, or one of no items; as s_put
static int
s_put_catalog (s_rogue_t *self, bool hostile)
{
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
    if (hostile)
        s_pack_hostile_catalog (self, &pk);
    else {
        msgpack_pack_map (&pk, 2);
        codec_pack_kv_str (&pk, "department", cert_department (self->me));
        codec_pack_str (&pk, "items");
        msgpack_pack_array (&pk, 0);
    }
    int rc = s_put (self, STATEMENT_CATALOG, cert_department (self->me),
                    (const uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return rc;
}

//  Registers, publishes our hostile catalog, then files an order with --to
//  whose purpose and legal basis are hostile; the outcome is the broker's
//  answer to the order (or to the catalog, if it was refused)
static int
s_run_publish (s_rogue_t *self)
{
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    rc = s_put_catalog (self, true);
    if (rc || self->outcome.kind != S_DONE || self->outcome.code != STATUS_OK)
        return rc;
    msgpack_sbuffer buffer;
    order_t order;
    memset (&order, 0, sizeof (order));
    snprintf (order.provider, sizeof (order.provider), "%s", self->args.to);
    snprintf (order.item, sizeof (order.item), "%s", self->args.item);
    snprintf (order.purpose, sizeof (order.purpose), "%s", S_HOSTILE_TEXT);
    snprintf (order.legal_basis, sizeof (order.legal_basis),
              "《\x1b[31m法\x1b[0m》\x07 \xc2\x9b \xe7\xa8");
    msgpack_sbuffer_init (&buffer);
    registry_order_encode (&order, &buffer);
    char key [STATEMENT_KEY_MAX + 1];
    snprintf (key, sizeof (key), "ORD-%s-%" PRId64, cert_department (self->me),
              zclock_time ());
    rc = s_put (self, STATEMENT_ORDER, key, (const uint8_t *) buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    return rc;
}

//  Registers and publishes --catalog; the outcome is the broker's answer
static int
s_run_publish_catalog (s_rogue_t *self)
{
    if (!self->args.catalog) {
        fprintf (stderr, "sluice-rogue: publish-catalog needs --catalog FILE\n");
        return -1;
    }
    int rc = s_join_publishing (self);
    return rc < 0? -1: 0;
}

//  Registers and publishes a catalog of no items, which takes back what
//  publish published
static int
s_run_withdraw (s_rogue_t *self)
{
    int rc = s_join (self);
    return rc == 1? s_put_catalog (self, false): rc;
}

static const s_attack_t s_attacks [] = {
    { .name = "valid",
      .help = "a correct query (checks that the setup works)" },
    { .name = "uncertified",    .run = s_run_uncertified,
      .help = "connect with a CURVE key no certificate holds, send HELLO (no-reply)" },
    { .name = "malformed",      .run = s_run_malformed,
      .help = "a one-frame message of random bytes (MALFORMED)" },
    { .name = "garbage-header", .bend = s_bend_garbage_header,
      .help = "two frames, the header random bytes (MALFORMED)" },
    { .name = "truncated",      .bend = s_bend_truncated,
      .help = "a correct query with its body cut in half" },
    { .name = "oversized",      .bend = s_bend_oversized,
      .help = "a body of ENVELOPE_BODY_MAX + 1 bytes (TOO_LARGE)" },
    { .name = "spoof",          .spoof = true,
      .help = "header `from` another department, signed by us (SENDER_MISMATCH)" },
    { .name = "bad-signature",  .bend = s_bend_signature,
      .help = "one bit of the signature flipped inside the seal (BAD_SIGNATURE)" },
    { .name = "wrong-seal",     .seal = S_SEAL_OTHER,
      .help = "sealed to --other's box key, or a random one (BAD_SEAL)" },
    { .name = "replay",         .bend = s_bend_replay,
      .help = "the same query twice; the reply to the second (REPLAY)" },
    { .name = "record",         .bend = s_bend_record,
      .help = "a correct query, its frames kept in --file" },
    { .name = "resend",         .run = s_run_resend,
      .help = "the frames record kept in --file, sent again (REPLAY)" },
    { .name = "stale",          .skew_ms = -S_SKEW_MS,
      .help = "header time 10 minutes in the past (STALE)" },
    { .name = "future",         .skew_ms = S_SKEW_MS,
      .help = "header time 10 minutes ahead (STALE)" },
    { .name = "clear-query",    .seal = S_SEAL_NONE,
      .help = "a QUERY whose body is not sealed (BAD_TYPE)" },
    { .name = "unknown-dept",   .seal = S_SEAL_SELF, .to = S_UNKNOWN_DEPT,
      .help = "to " S_UNKNOWN_DEPT " (UNKNOWN_DEPARTMENT)" },
    { .name = "no-hello",       .run = s_run_no_hello,
      .help = "a query without registering first (NOT_REGISTERED)" },
    { .name = "injection",      .key = S_INJECTION_KEY,
      .help = "key \"" S_INJECTION_KEY "\" or --key (INVALID_KEY)" },
    { .name = "flood",          .run = s_run_flood,
      .help = "--count queries without waiting; prints replies=N ok=N errors=N ..." },
    { .name = "deaf-flood",     .run = s_run_deaf_flood,
      .help = "--count queries, then reads nothing for --timeout-ms (the broker answers "
              "the provider BUSY); prints sent=N" },
    { .name = "hold",           .run = s_run_hold,
      .help = "--count connections with our certificate, each saying HELLO once up, held\n"
              "                         for --timeout-ms or until SIGTERM (from --source); one\n"
              "                         refused or ended is opened again with backoff; prints\n"
              "                         held=N most=N refused=N ended=N" },
    { .name = "signed-time",    .bend = s_bend_signed_time,
      .help = "a correct query whose header time is a signed int 64, signed as sent (MALFORMED)" },
    { .name = "serve",          .run = s_run_serve,
      .help = "answer --count queries (or until --timeout-ms without one) with hostile rows "
              "(items " S_HOSTILE_ITEM ", " S_ODD_ITEM ") or a hostile refusal (any other); "
              "prints served=N" },
    { .name = "publish",        .run = s_run_publish,
      .help = "publish a catalog, then file an order with --to for --item, texts hostile; "
              "prints done=STATUS reason=TEXT" },
    { .name = "publish-catalog", .run = s_run_publish_catalog,
      .help = "publish --catalog as our catalog; prints done=STATUS reason=TEXT" },
    { .name = "withdraw",       .run = s_run_withdraw,
      .help = "publish a catalog of no items (takes back publish's); prints done=..." },
    { .name = "orders",         .run = s_run_orders,
      .help = "--count orders for --item with --to (legal bases of 1 KiB), put at\n"
              "                         the broker in turn; the tally of its answers" },
    { .name = "lying-provider", .run = s_run_lying_provider,
      .help = "publish --catalog, answer the first query as --answer says" },
    { .name = "typed",          .run = s_run_typed,
      .help = "a sealed message of --type (default 16, NOTICE) to --to" },
    { .name = "typed-flood",    .run = s_run_typed_flood,
      .help = "--count messages of --type without waiting; the tally as flood" },
    { .name = "notice",         .stored = MSG_NOTICE,
      .help = "a sealed NOTICE to --to, the copy of notice --id for --to; prints\n"
              "                         queued id=HEX to=DEPT, or the ERROR" },
    { .name = "alert",          .stored = MSG_ALERT,
      .help = "the same as an ALERT" },
    { .name = "receipt",        .stored = MSG_RECEIPT,
      .help = "a sealed RECEIPT to --to in --state of our copy of notice --id" },
    { .name = "ack",            .stored = MSG_ACK,
      .help = "a sealed ACK to --to of its --state receipt of its copy of notice --id\n"
              "                         (an ACK is not answered when delivered: no-reply)" },
    { .name = "clear-notice",   .stored = MSG_NOTICE, .seal = S_SEAL_NONE,
      .help = "a NOTICE whose body is not sealed (BAD_TYPE)" },
    { .name = "notice-no-hello", .run = s_run_notice_no_hello,
      .help = "a NOTICE without registering first (NOT_REGISTERED)" },
    { .name = "collect",        .run = s_run_collect,
      .help = "register, wait for --count notices, alerts, receipts or acks (or none\n"
              "                         for --timeout-ms); prints received=N TYPE:ID:FROM ..." },
    { .name = "handshake",      .run = s_run_handshake,
      .help = "connect with a socket monitor; prints what the handshake did" },
    { .name = "handshake-uncertified", .run = s_run_handshake_uncertified,
      .help = "the same with a fresh key no certificate holds" },
};

//  Performs one attack: 0 when it ran (the outcome is set), -1 on a setup
//  problem (said on stderr).
static int
s_attack_run (s_rogue_t *self, const s_attack_t *attack)
{
    if (attack->run)
        return attack->run (self);
    if (attack->bend)
        return s_run_bent (self, attack->bend);
    if (attack->stored)
        return s_run_stored (self, attack->stored, attack->seal);
    return s_run_query (self, attack);
}


//  --------------------------------------------------------------------------
//  Command line and setup

//  Strict decimal in [min, max]; -1 if not.
static long
s_number (const char *text, long min, long max)
{
    if (!text || !*text || *text == '-' || *text == '+')
        return -1;
    char *end;
    errno = 0;
    long value = strtol (text, &end, 10);
    if (errno || *end || value < min || value > max)
        return -1;
    return value;
}

//  Sets the default item and bounds --to, --item and --key; 0, or -1 (said
//  on stderr).
static int
s_args_check (void *args_void)
{
    s_args_t *args = (s_args_t *) args_void;
    if (!args->item)
        args->item = S_DEFAULT_ITEM;
    if (!*args->to || strlen (args->to) > ENVELOPE_DEPT_MAX
    ||  strlen (args->item) > MESSAGE_ITEM_MAX
    ||  (args->key && strlen (args->key) > MESSAGE_KEY_MAX)) {
        fprintf (stderr, "sluice-rogue: --to, --item or --key is empty or too long\n");
        return -1;
    }
    return 0;
}

static peer_run_fn s_run;

static const peer_cli_t s_cli = {
    .program = "sluice-rogue",
    .synopsis = "usage: sluice-rogue --broker ENDPOINT --broker-cert BROKER.cert "
                "--authority authority.pub\n"
                "           --cert ME.cert_secret --to DEPT --attack NAME [options]\n\n",
    .epilogue = "\n--answer modes of lying-provider: honest, extra-field, unlisted-field,\n"
                "  above-clearance, not-found-rows, wrong-item, record-rows, too-many-rows,\n"
                "  ok-no-rows, bad-value, wrong-type, error-ok\n"
                "\nprints one line: status=NAME from=DEPT reason=TEXT"
                " | status=OK rows=N | status=NOT_FOUND\n"
                "  | replies=N ok=N errors=N [last=NAME reason=TEXT] | served=N\n"
                "  | done=NAME reason=TEXT | answered=MODE to=DEPT\n"
                "  | queued id=HEX to=DEPT | received=N TYPE:ID:FROM ...\n"
                "  | bad-reply reason=TEXT | no-reply\n"
                "exit 0 if the attack ran, 2 on a usage or setup problem\n",
    PEER_CLI_TABLES (s_flags, s_args_t, s_attacks, s_attack_t),
    .run = s_run,
    .check = s_args_check,
    .attack_width = 22
};

static void
s_rogue_destroy (s_rogue_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        s_rogue_t *self = *self_p;
        zpoller_destroy (&self->poller);
        zsock_destroy (&self->dealer);
        zhashx_destroy (&self->directory);
        zlistx_destroy (&self->received);
        dirsync_destroy (&self->sync);
        cert_destroy (&self->me);
        cert_destroy (&self->broker);
        cert_destroy (&self->other);
        free (self);
        *self_p = NULL;
    }
}

//  Loads the files the command line names; NULL (said on stderr) if any is
//  unusable.
static s_rogue_t *
s_rogue_new (const s_args_t *args)
{
    s_rogue_t *self = (s_rogue_t *) zmalloc (sizeof (s_rogue_t));
    assert (self);
    self->args = *args;
    self->directory = zhashx_new ();
    zhashx_set_destructor (self->directory, (zhashx_destructor_fn *) cert_destroy);
    self->sync = dirsync_new ();
    self->received = zlistx_new ();
    assert (self->received);
    zlistx_set_duplicator (self->received, (zlistx_duplicator_fn *) strdup);
    zlistx_set_destructor (self->received, (zlistx_destructor_fn *) zstr_free);
    long timeout = args->timeout? s_number (args->timeout, 1, S_TIMEOUT_MAX):
                                  S_TIMEOUT_DEFAULT;
    long count = args->count? s_number (args->count, 1, S_COUNT_MAX): S_COUNT_DEFAULT;
    long type = args->type? s_number (args->type, 1, 255): MSG_NOTICE;
    bool negative = args->skew && *args->skew == '-';
    long skew = args->skew? s_number (args->skew + negative, 0, S_SKEW_MS): 0;
    long kill_pid = args->kill? s_number (args->kill, 1, INT32_MAX): 0;
    long backdate = args->backdate? s_number (args->backdate, 0, S_SKEW_MS): 0;
    const char *problem = NULL;
    if (timeout < 0)
        problem = "--timeout-ms must be 1 to 600000";
    else
    if (count < 0)
        problem = "--count must be 1 to 100000";
    else
    if (type < 0)
        problem = "--type must be 1 to 255";
    else
    if (skew < 0)
        problem = "--skew-ms must be -600000 to 600000";
    else
    if (kill_pid < 0)
        problem = "--kill must be a process id";
    else
    if (backdate < 0)
        problem = "--backdate-ms must be 0 to 600000";
    else
    if (args->version && (certfile_uint_parse (args->version, STATEMENT_VERSION_MAX,
                                               &self->version) || !self->version))
        problem = "--statement-version must be 1 to 9223372036854775807";
    self->skew_ms = negative? -skew: skew;
    self->kill_pid = kill_pid;
    self->backdate_ms = backdate;
    if (!problem) {
        self->timeout_ms = (int) timeout;
        self->count = (int) count;
        self->type = (int) type;
        if (peer_authority_load (args->authority, self->authority))
            problem = "cannot load --authority";
    }
    if (!problem) {
        self->me = peer_cert_load (args->cert, NULL, true);
        if (!self->me)
            problem = "--cert must be a certificate with its secret keys";
    }
    if (!problem) {
        self->broker = peer_cert_load (args->broker_cert, self->authority, false);
        if (!self->broker)
            problem = "--broker-cert must be a certificate signed by the authority";
    }
    if (!problem && args->other) {
        self->other = peer_cert_load (args->other, NULL, false);
        if (!self->other)
            problem = "cannot load --other";
    }
    int state = args->state? noticeid_state_from_name (args->state): NOTICEID_DELIVERED;
    size_t id_size = 0;
    if (!problem && args->id
    &&  (strlen (args->id) != NOTICEID_BYTES * 2
         || sodium_hex2bin (self->notice, sizeof (self->notice), args->id,
                            strlen (args->id), NULL, &id_size, NULL)
         || id_size != NOTICEID_BYTES))
        problem = "--id must be 32 hex digits";
    else
    if (!problem && !args->id)
        randombytes_buf (self->notice, sizeof (self->notice));
    if (!problem && state < 0)
        problem = "--state must be delivered, received, handled or refused";
    self->state = state < 0? NOTICEID_DELIVERED: (noticeid_state_t) state;
    if (!problem && args->answer) {
        self->answer = (const s_answer_t *) peer_table_find (s_answers, S_ANSWERS,
                                                             sizeof (s_answer_t),
                                                             args->answer);
        if (!self->answer)
            problem = "--answer names no mode (see --help)";
    }
    if (problem) {
        fprintf (stderr, "sluice-rogue: %s\n", problem);
        s_rogue_destroy (&self);
    }
    return self;
}

//  Performs the attack and prints its outcome.
static int
s_run (void *args, const void *attack, FILE *out)
{
    s_rogue_t *rogue = s_rogue_new ((const s_args_t *) args);
    int rc = rogue? s_attack_run (rogue, (const s_attack_t *) attack): -1;
    if (rc == 0)
        s_outcome_print (&rogue->outcome, out);
    if (rogue)
        free (rogue->outcome.codes);
    s_rogue_destroy (&rogue);
    return rc == 0? 0: PEER_EXIT_USAGE;
}

int
main (int argc, char *argv [])
{
    s_args_t args;
    return peer_main (&s_cli, argc, argv, &args);
}
