/*  rogue.c -- sluice-rogue: a hostile or broken federation member.

    The integration tests (tests/run.sh) run it against the real broker and
    gateways on loopback to drive each class of bad input through them. It
    performs one attack and prints one line on stdout, describing the last
    reply it waited for:

        status=NAME from=DEPT reason=TEXT     an ERROR (from a department or
                                              the broker)
        status=OK rows=N | status=NOT_FOUND   a RESPONSE
        replies=N ok=N errors=N               the flood attack's tally
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
#include "codec.h"
#include "status.h"
#include "cert.h"
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>

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
    const char *skew;
    const char *kill;
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
    { "--skew-ms",     offsetof (s_args_t, skew),        false,
      "MS          added to a correct query's header time (-600000..600000)" },
    { "--kill",        offsetof (s_args_t, kill),        false,
      "PID            record: SIGKILL this process the instant the answer arrives" },
};

//  What the last reply waited for turned out to be.
typedef enum {
    S_NO_REPLY = 0,
    S_WELCOMED,
    S_ERROR,
    S_RESPONSE,
    S_BAD_REPLY,
    S_TALLY
} s_kind_t;

typedef struct {
    s_kind_t kind;
    int code;                               //  ERROR code, RESPONSE status
    char from [ENVELOPE_DEPT_MAX + 1];
    char reason [MESSAGE_REASON_MAX + 1];
    size_t rows;
    size_t replies, ok, errors;             //  the flood's tally
} s_outcome_t;

typedef struct {
    s_args_t args;
    int timeout_ms;
    int count;
    int64_t skew_ms;            //  --skew-ms
    long kill_pid;              //  --kill, 0 if none
    cert_t *me;                 //  with secrets
    cert_t *broker;             //  verified against the authority
    cert_t *other;              //  may be NULL
    uint8_t authority [CERT_KEY_BYTES];
    zsock_t *dealer;
    zpoller_t *poller;
    zhashx_t *directory;        //  department -> cert_t, verified
    bool welcomed;
    s_outcome_t outcome;
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
//  query (bend), or else a query whose fields the rest of the row changes.
typedef struct {
    const char *name;
    s_run_fn *run;
    s_bend_fn *bend;
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
            fprintf (file, "replies=%zu ok=%zu errors=%zu\n", outcome->replies,
                    outcome->ok, outcome->errors);
            break;
        case S_WELCOMED:
            fprintf (file, "welcomed\n");
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

//  Keeps the verified certificates of a directory payload.
static int
s_directory_load (s_rogue_t *self, const uint8_t *payload, size_t size)
{
    message_directory_t directory;
    int rc = 0;
    if (message_directory_decode (payload, size, &directory) != STATUS_OK)
        rc = s_bad_reply (self, "WELCOME with a malformed directory");
    else
    for (uint32_t index = 0; index < directory.certs->via.array.size; index++) {
        const msgpack_object_str *text = &directory.certs->via.array.ptr [index].via.str;
        cert_t *cert = cert_decode (text->ptr, text->size);
        if (cert && cert_verify (cert, self->authority) == 0)
            zhashx_update (self->directory, cert_department (cert), cert);
        else {
            fprintf (stderr, "sluice-rogue: directory entry %u does not verify, "
                     "skipped\n", index);
            cert_destroy (&cert);
        }
    }
    message_directory_destroy (&directory);
    return rc;
}

//  Each handler returns true if the message ends the wait.
typedef bool (s_handler_fn) (s_rogue_t *self, envelope_t *envelope);

static bool
s_on_welcome (s_rogue_t *self, envelope_t *envelope)
{
    if (self->welcomed)
        return false;
    const char *from = envelope_header (envelope)->from;
    if (!streq (from, cert_department (self->broker)))
        s_bad_reply (self, "WELCOME from %s, not from the broker", from);
    else
    if (s_open (self, envelope) == 0
    &&  s_directory_load (self, envelope_payload (envelope),
                          envelope_payload_size (envelope)) == 0) {
        memset (&self->outcome, 0, sizeof (self->outcome));
        self->outcome.kind = S_WELCOMED;
        self->welcomed = true;
    }
    return true;
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

static const struct {
    int type;
    s_handler_fn *handle;
} s_handlers [] = {
    { MSG_WELCOME,   s_on_welcome },
    { MSG_HEARTBEAT, s_on_heartbeat },
    { MSG_DIRECTORY, NULL },            //  ignored
    { MSG_ERROR,     s_on_error },
    { MSG_RESPONSE,  s_on_response },
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

//  --count correct queries without waiting, then counts the replies until
//  all have come or none has for --timeout-ms.
static int
s_run_flood (s_rogue_t *self)
{
    int rc = s_join (self);
    if (rc != 1)
        return rc;
    s_query_spec_t spec;
    s_spec_default (self, &spec);
    int sent = 0;
    for (; sent < self->count; sent++)
        if (s_send_query (self, &spec))
            break;
    size_t replies = 0, ok = 0, errors = 0;
    while (replies < (size_t) sent) {
        s_wait (self);
        if (self->outcome.kind == S_NO_REPLY)
            break;
        replies++;
        if (self->outcome.kind == S_RESPONSE)
            ok++;
        else
            errors++;
    }
    memset (&self->outcome, 0, sizeof (self->outcome));
    self->outcome.kind = S_TALLY;
    self->outcome.replies = replies;
    self->outcome.ok = ok;
    self->outcome.errors = errors;
    if (sent < self->count)
        fprintf (stderr, "sluice-rogue: only %d of %d queries were sent\n",
                 sent, self->count);
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

//  The body rebuilt as envelope.c builds it, with one bit of the signature
//  flipped: it opens, but does not verify.
static int
s_bend_signature (s_rogue_t *self, envelope_t *envelope)
{
    s_query_spec_t spec;
    s_spec_default (self, &spec);
    uint8_t box_key [ENVELOPE_KEY_BYTES];
    if (s_seal_key (self, &spec, box_key) != 1)
        return -1;
    uint8_t signature [ENVELOPE_SIG_BYTES];
    memcpy (signature, envelope_signature (envelope), ENVELOPE_SIG_BYTES);
    signature [0] ^= 0x01;

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
        size_t header_size;
        const uint8_t *header = envelope_header_bytes (envelope, &header_size);
        rc = s_send_frames (self, header, header_size, body, body_size);
        free (body);
    }
    msgpack_sbuffer_destroy (&inner);
    sodium_memzero (box_key, sizeof (box_key));
    return rc;
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
      .help = "--count queries without waiting; prints replies=N ok=N errors=N" },
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
    .epilogue = "\nprints one line: status=NAME from=DEPT reason=TEXT"
                " | status=OK rows=N | status=NOT_FOUND\n"
                "  | replies=N ok=N errors=N | bad-reply reason=TEXT | no-reply\n"
                "exit 0 if the attack ran, 2 on a usage or setup problem\n",
    PEER_CLI_TABLES (s_flags, s_args_t, s_attacks, s_attack_t),
    .run = s_run,
    .check = s_args_check,
    .attack_width = 15
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
    long timeout = args->timeout? s_number (args->timeout, 1, S_TIMEOUT_MAX):
                                  S_TIMEOUT_DEFAULT;
    long count = args->count? s_number (args->count, 1, S_COUNT_MAX): S_COUNT_DEFAULT;
    bool negative = args->skew && *args->skew == '-';
    long skew = args->skew? s_number (args->skew + negative, 0, S_SKEW_MS): 0;
    long kill_pid = args->kill? s_number (args->kill, 1, INT32_MAX): 0;
    const char *problem = NULL;
    if (timeout < 0)
        problem = "--timeout-ms must be 1 to 600000";
    else
    if (count < 0)
        problem = "--count must be 1 to 100000";
    else
    if (skew < 0)
        problem = "--skew-ms must be -600000 to 600000";
    else
    if (kill_pid < 0)
        problem = "--kill must be a process id";
    self->skew_ms = negative? -skew: skew;
    self->kill_pid = kill_pid;
    if (!problem) {
        self->timeout_ms = (int) timeout;
        self->count = (int) count;
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
    s_rogue_destroy (&rogue);
    return rc == 0? 0: PEER_EXIT_USAGE;
}

int
main (int argc, char *argv [])
{
    s_args_t args;
    return peer_main (&s_cli, argc, argv, &args);
}
