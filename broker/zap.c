/*  zap.c -- the broker's admission decision (ZAP, ZeroMQ RFC 27).  */

#include "zap.h"
#include "connections.h"
#include "status.h"
#include "authority.h"
#include <sodium.h>

//  The request's frames, borrowed from the message (RFC 27 order).
typedef struct {
    zframe_t *version, *sequence, *domain, *address, *identity, *mechanism;
    zframe_t *key;              //  the first credential: CURVE's client key
} s_request_t;

//  The decision: status code, text, User-Id, and what the log says.
typedef struct {
    const char *code;           //  "200", "400" or "500"
    const char *text;
    const char *user;           //  the department id, if admitted
    char *refusal;              //  fresh log line, if refused
    zap_verdict_t verdict;
} s_decision_t;

static char *
s_frame_text (zframe_t *frame)
{
    return frame? zframe_strdup (frame): strdup ("");
}

//  Refuses with `code`; the log line names address, key and department.
static void
s_refuse (s_decision_t *decision, const s_request_t *request, int status,
          const char *code, const char *text, const char *why, cert_t *cert)
{
    char *address = s_frame_text (request->address);
    char key [41] = "";
    if (request->key && zframe_size (request->key) == 32)
        zmq_z85_encode (key, zframe_data (request->key), 32);
    decision->code = code;
    decision->text = text;
    decision->user = "";
    decision->verdict.status = status;
    decision->verdict.cap = NULL;
    decision->refusal = zsys_sprintf (
        "refused connection from %s%s%s: %s%s%s%s", *address? address: "?",
        *key? ", CURVE key ": "", key, why,
        cert? " (certificate of ": "", cert? cert_department (cert): "", cert? ")": "");
    free (address);
}

static void
s_decide (const s_request_t *request, truststore_t *trust, int64_t now,
          connections_t *connections, s_decision_t *decision)
{
    if (!request->mechanism || !zframe_streq (request->version, "1.0")) {
        s_refuse (decision, request, STATUS_MALFORMED, "500", "not a ZAP 1.0 request",
                  "not a ZAP 1.0 request", NULL);
        return;
    }
    if (!zframe_streq (request->domain, ZAP_DOMAIN)) {
        s_refuse (decision, request, STATUS_NOT_PERMITTED, "400", "wrong ZAP domain",
                  "ZAP domain is not \"" ZAP_DOMAIN "\"", NULL);
        return;
    }
    if (!zframe_streq (request->mechanism, "CURVE")) {
        char *mechanism = s_frame_text (request->mechanism);
        char why [64];
        snprintf (why, sizeof (why), "mechanism %.16s, only CURVE is admitted", mechanism);
        free (mechanism);
        s_refuse (decision, request, STATUS_NOT_PERMITTED, "400", "only CURVE is admitted",
                  why, NULL);
        return;
    }
    if (!request->key || zframe_size (request->key) != 32) {
        char why [64];
        snprintf (why, sizeof (why), "a CURVE key of %zu bytes, not 32",
                  request->key? zframe_size (request->key): (size_t) 0);
        s_refuse (decision, request, STATUS_MALFORMED, "400", "malformed CURVE key", why,
                  NULL);
        return;
    }
    char text [41];
    zmq_z85_encode (text, zframe_data (request->key), 32);
    cert_t *cert = truststore_by_curve (trust, text);
    int check = cert? (int) truststore_check_cert (trust, cert, now): STATUS_CERT_UNKNOWN;
    if (check != STATUS_OK) {
        s_refuse (decision, request, check, "400", status_text (check), status_name (check),
                  cert);
        return;
    }
    if (!streq (cert_role (cert), CERT_ROLE_DEPARTMENT)) {
        char why [64];
        snprintf (why, sizeof (why), "role %.16s, only departments connect", cert_role (cert));
        s_refuse (decision, request, STATUS_CERT_ROLE, "400",
                  "only department certificates connect", why, cert);
        return;
    }
    //  Last, so that only an admission counts against the caps
    char *address = s_frame_text (request->address);
    char capped [192];
    const char *cap = connections? connections_admit (connections, cert_department (cert),
                                                      address, capped, sizeof (capped)):
                                   NULL;
    free (address);
    //  "400", not RFC 27's "300" (temporary): libzmq sends the client no
    //  ERROR for a 300, and holds the connection until our handshake
    //  interval ends it, so the client would learn nothing, later
    if (cap) {
        char why [224];
        snprintf (why, sizeof (why), "LIMIT_REACHED: %s", capped);
        s_refuse (decision, request, STATUS_LIMIT_REACHED, "400",
                  status_text (STATUS_LIMIT_REACHED), why, cert);
        decision->verdict.cap = cap;
        return;
    }
    decision->code = "200";
    decision->text = "OK";
    decision->user = cert_department (cert);
    decision->refusal = NULL;
    decision->verdict.status = STATUS_OK;
    decision->verdict.cap = NULL;
}

zmsg_t *
zap_reply (zmsg_t *request, truststore_t *trust, int64_t now, connections_t *connections,
           char **refusal, zap_verdict_t *verdict)
{
    assert (request && trust && refusal);
    s_request_t frames = { NULL };
    zframe_t **slots [] = { &frames.version, &frames.sequence, &frames.domain,
                            &frames.address, &frames.identity, &frames.mechanism,
                            &frames.key };
    zframe_t *frame = zmsg_first (request);
    for (size_t index = 0; index < sizeof (slots) / sizeof (slots [0]) && frame;
         index++, frame = zmsg_next (request))
        *slots [index] = frame;
    s_decision_t decision;
    s_decide (&frames, trust, now, connections, &decision);
    zmsg_t *reply = zmsg_new ();
    assert (reply);
    zmsg_addstr (reply, "1.0");
    zframe_t *sequence = frames.sequence? zframe_dup (frames.sequence): zframe_new ("", 0);
    zmsg_append (reply, &sequence);
    zmsg_addstr (reply, decision.code);
    zmsg_addstr (reply, decision.text);
    zmsg_addstr (reply, decision.user);
    zmsg_addmem (reply, NULL, 0);               //  no metadata
    *refusal = decision.refusal;
    if (verdict)
        *verdict = decision.verdict;
    return reply;
}


//  --------------------------------------------------------------------------
//  Self-test: every case of the decision, against a trust store of our own.

//  A request as libzmq builds it: seven frames, the last the client's key.
static zmsg_t *
s_request (const char *version, const char *domain, const char *mechanism,
           const uint8_t *key, size_t key_size)
{
    zmsg_t *request = zmsg_new ();
    zmsg_addstr (request, version);
    zmsg_addstr (request, "7");
    zmsg_addstr (request, domain);
    zmsg_addstr (request, "127.0.0.2");
    zmsg_addstr (request, "");
    zmsg_addstr (request, mechanism);
    if (key)
        zmsg_addmem (request, key, key_size);
    return request;
}

//  Checks the reply's frames, judged with `connections` (may be NULL);
//  returns the refusal line (caller frees).
static char *
s_expect_with (zmsg_t *request, truststore_t *trust, int64_t now,
               connections_t *connections, const char *code, const char *user)
{
    char *refusal = NULL;
    zap_verdict_t verdict = { -1, NULL };
    zmsg_t *reply = zap_reply (request, trust, now, connections, &refusal, &verdict);
    assert (streq (code, "200") == (verdict.status == STATUS_OK));
    assert ((verdict.status == STATUS_LIMIT_REACHED) == (verdict.cap != NULL));
    if (verdict.cap)
        assert (strstr (refusal, verdict.cap));
    assert (zmsg_size (reply) == 6);
    char *version = zmsg_popstr (reply);
    char *sequence = zmsg_popstr (reply);
    char *status = zmsg_popstr (reply);
    char *text = zmsg_popstr (reply);
    char *user_id = zmsg_popstr (reply);
    assert (streq (version, "1.0"));
    assert (streq (sequence, zmsg_size (request) > 1? "7": ""));
    assert (streq (status, code));
    assert (*text);
    assert (streq (user_id, user));
    assert (streq (code, "200") == (refusal == NULL));
    zstr_free (&version);
    zstr_free (&sequence);
    zstr_free (&status);
    zstr_free (&text);
    zstr_free (&user_id);
    zmsg_destroy (&reply);
    zmsg_destroy (&request);
    return refusal;
}

static char *
s_expect (zmsg_t *request, truststore_t *trust, int64_t now, const char *code,
          const char *user)
{
    return s_expect_with (request, trust, now, NULL, code, user);
}

//  A request from `address` with `key`, as libzmq builds it
static zmsg_t *
s_request_from (const char *address, const uint8_t *key)
{
    zmsg_t *request = s_request ("1.0", ZAP_DOMAIN, "CURVE", key, 32);
    zframe_t *frame = zmsg_first (request);
    for (int index = 0; index < 3; index++)
        frame = zmsg_next (request);
    zframe_reset (frame, address, strlen (address));
    return request;
}

//  The caps on admitted connections: one department at most 2, one address
//  at most 3; a refusal over either says LIMIT_REACHED and which cap, a
//  refusal for any other reason counts against neither
static void
s_test_caps (truststore_t *trust, int64_t now, uint8_t keys [][32], bool verbose)
{
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    assert (router);
    connections_caps_t caps = { 100, 100, 100, 1000, 2, 3 };
    connections_t *connections = connections_new (router, &caps, 0);
    assert (connections);
    struct {
        const char *address;
        int key;                    //  index in keys
        const char *code;
        const char *needle;         //  in the refusal
    } cases [] = {
        { "10.0.0.1", 0, "200", NULL },
        { "10.0.0.2", 0, "200", NULL },
        { "10.0.0.3", 0, "400", "LIMIT_REACHED: SH-PD-MSA holds 2 admitted connections, "
                                "the most one department may" },
        { "10.0.0.1", 1, "400", "CERT_EXPIRED" },
        { "10.0.0.1", 2, "400", "CERT_REVOKED" },
        { "10.0.0.1", 4, "200", NULL },
        { "10.0.0.1", 4, "200", NULL },
        { "10.0.0.1", 5, "400", "LIMIT_REACHED: 10.0.0.1 holds 3 admitted connections, "
                                "the most one address may" },
        { "10.0.0.4", 5, "200", NULL },
    };
    for (size_t index = 0; index < sizeof (cases) / sizeof (cases [0]); index++) {
        const char *user = streq (cases [index].code, "200")?
                           (cases [index].key == 0? "SH-PD-MSA":
                            cases [index].key == 4? "SH-PD-TAX": "SH-PD-FDA"): "";
        char *refusal = s_expect_with (s_request_from (cases [index].address,
                                                       keys [cases [index].key]),
                                       trust, now, connections, cases [index].code, user);
        if (verbose && refusal)
            printf ("\n   %s", refusal);
        assert (!cases [index].needle || (refusal && strstr (refusal, cases [index].needle)));
        zstr_free (&refusal);
    }
    assert (connections_admitted_by (connections, "SH-PD-MSA") == 2);
    assert (connections_admitted_by (connections, "SH-PD-TAX") == 2);
    assert (connections_admitted_by (connections, "SH-PD-OLD") == 0);
    assert (connections_admitted_from (connections, "10.0.0.1") == 3);
    assert (connections_admitted_from (connections, "10.0.0.4") == 1);
    connections_destroy (&connections);
    zsock_destroy (&router);
}

void
zap_test (bool verbose)
{
    if (verbose)
        printf (" * zap: ");
    authority_t *authority = authority_new ("test authority", NULL);
    truststore_t *trust = truststore_new (authority_public (authority));
    const int64_t now = 1767225600;         //  2026-01-01
    const int64_t year = 365 * 86400;
    //  A valid department, an expired one, one to revoke, a broker, two
    //  more valid ones
    const char *names [] = { "SH-PD-MSA", "SH-PD-OLD", "SH-PD-BAD", "BROKER",
                             "SH-PD-TAX", "SH-PD-FDA" };
    int64_t not_after [] = { now + year, now - 10, now + year, now + year,
                             now + year, now + year };
    uint8_t keys [6][32];
    for (int index = 0; index < 6; index++) {
        //  A broker's certificate carries no clearance
        cert_t *cert = cert_new (names [index], "test",
                                 index == 3? CERT_ROLE_BROKER: CERT_ROLE_DEPARTMENT,
                                 index == 3? 0: 1, 1, now - year, not_after [index], NULL);
        assert (cert);
        cert_sign_by (cert, authority);
        memcpy (keys [index], cert_curve_public (cert), 32);
        cert_t *public_copy = cert_dup (cert);
        assert (truststore_add (trust, &public_copy) == STATUS_OK);
        cert_destroy (&cert);
    }
    crl_t *crl = crl_new (1, NULL);
    assert (crl_add (crl, "SH-PD-BAD", 0, now - 5, "key compromise", NULL) == 0);
    crl_sign_by (crl, authority);
    assert (truststore_set_crl (trust, &crl) == STATUS_OK);
    uint8_t stranger [32];
    randombytes_buf (stranger, sizeof (stranger));

    //  Valid: admitted, the department becomes the User-Id
    char *refusal = s_expect (s_request ("1.0", ZAP_DOMAIN, "CURVE", keys [0], 32),
                              trust, now, "200", "SH-PD-MSA");
    assert (!refusal);
    //  Refused, each with a log line that names the key and, where known,
    //  the department
    char z85 [41];
    struct {
        zmsg_t *request;
        const char *code;
        const char *needle;
        const uint8_t *key;         //  named in Z85, if any
    } cases [] = {
        { s_request ("1.0", ZAP_DOMAIN, "CURVE", stranger, 32), "400",
          ": CERT_UNKNOWN", stranger },
        { s_request ("1.0", ZAP_DOMAIN, "CURVE", keys [1], 32), "400",
          ": CERT_EXPIRED (certificate of SH-PD-OLD)", keys [1] },
        { s_request ("1.0", ZAP_DOMAIN, "CURVE", keys [2], 32), "400",
          ": CERT_REVOKED (certificate of SH-PD-BAD)", keys [2] },
        { s_request ("1.0", ZAP_DOMAIN, "CURVE", keys [3], 32), "400",
          "role broker, only departments connect (certificate of BROKER)", keys [3] },
        { s_request ("1.0", ZAP_DOMAIN, "NULL", NULL, 0), "400",
          "mechanism NULL, only CURVE", NULL },
        { s_request ("1.0", ZAP_DOMAIN, "PLAIN", (const uint8_t *) "admin", 5), "400",
          "mechanism PLAIN", NULL },
        { s_request ("1.0", ZAP_DOMAIN, "CURVE", keys [0], 31), "400",
          "a CURVE key of 31 bytes", NULL },
        { s_request ("1.0", ZAP_DOMAIN, "CURVE", NULL, 0), "400",
          "a CURVE key of 0 bytes", NULL },
        { s_request ("1.0", "other", "CURVE", keys [0], 32), "400",
          "ZAP domain", keys [0] },
        { s_request ("2.0", ZAP_DOMAIN, "CURVE", keys [0], 32), "500",
          "not a ZAP 1.0 request", keys [0] },
    };
    for (size_t index = 0; index < sizeof (cases) / sizeof (cases [0]); index++) {
        refusal = s_expect (cases [index].request, trust, now, cases [index].code, "");
        if (verbose)
            printf ("\n   %s", refusal);
        assert (refusal && strstr (refusal, "refused connection from 127.0.0.2"));
        assert (strstr (refusal, cases [index].needle));
        if (cases [index].key) {
            zmq_z85_encode (z85, cases [index].key, 32);
            assert (strstr (refusal, z85));
        }
        zstr_free (&refusal);
    }
    //  A request of one frame is answered, never crashes the handler
    zmsg_t *request = zmsg_new ();
    zmsg_addstr (request, "1.0");
    refusal = s_expect (request, trust, now, "500", "");
    zstr_free (&refusal);
    //  The same valid key is refused once its certificate has expired
    refusal = s_expect (s_request ("1.0", ZAP_DOMAIN, "CURVE", keys [0], 32),
                        trust, now + 2 * year, "400", "");
    assert (strstr (refusal, "CERT_EXPIRED (certificate of SH-PD-MSA)"));
    zstr_free (&refusal);
    s_test_caps (trust, now, keys, verbose);

    truststore_destroy (&trust);
    authority_destroy (&authority);
    if (verbose)
        printf ("\nOK\n");
}
