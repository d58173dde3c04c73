/*  bench.c -- sluice-bench: how fast signed, sealed, authorized, audited
    lookups go through a running federation, against two floors.

        sluice-bench --config TAX/gateway.cfg --db DATA/market.db [options]

    Asks the provider (default SH-PD-MSA) for catalog item enterprise-basic
    through the requester's gateway local API, with keys picked at random
    from the provider's database:

      pipelined    one DEALER keeps WINDOW requests outstanding for SECONDS;
                   queries per second counts OK replies only
      latency      COUNT requests one at a time; p50 and p99 in microseconds
      crypto       the signing, verifying and sealing one round trip needs
                   (seal the query, open it, seal the response, open it),
                   alone in a loop on one thread
      transport    the same message sizes through a bare ZeroMQ ROUTER
                   with CURVE, in this process: requester and responder
                   DEALERs, the ROUTER forwarding by routing id

    The message sizes of both floors come from a real reply: its rows are
    packed into a RESPONSE payload and sealed as the provider would.
    Ends with one line, `bench: qps=N ...` (see the README, "Benchmark").

    With --audit-dir DIR it also measures the floor of durable audit commits
    on DIR's disk (as many one-record SQLite transactions, WAL and
    synchronous = FULL, as one thread can make), and with --provider-config
    the provider gateway's audit commits during the pipelined phase (how
    many records each durable commit carried). --reference-qps and
    --reference-p50-us take the figures of the same run without durable
    waits (tests/bench.sh gets them with the gateways' state on tmpfs) and
    print the ratios.

    With --drive N it only sends N lookups, WINDOW at a time, and waits for
    every reply, failures included (a provider may be killed meanwhile);
    --answers FILE keeps one line per reply, "msgid STATUS", for the tests.
*/

#include <czmq.h>
#include <sodium.h>
#include <sqlite3.h>
#include "conf.h"
#include "version.h"
#include "envelope.h"
#include "message.h"
#include "localapi.h"
#include "cert.h"
#include "gateway.h"
#include "status.h"

#define S_KEYS_MAX          100000
#define S_PIDS_MAX          8
#define S_REPLY_WAIT_MS     10000   //  silence that aborts a phase
#define S_PROBE_TRIES       100     //  transport floor: connect probes

typedef struct {
    //  Options
    const char *config;
    const char *db;
    const char *to;
    const char *item;
    const char *purpose;
    const char *officer;
    const char *role;
    double seconds;             //  pipelined phase
    double floor_seconds;       //  each floor
    int window;
    int latency_count;
    int key_count;
    int broker_pid;
    int gateway_pids [S_PIDS_MAX];
    size_t gateway_pid_count;
    bool verbose;
    int drive;                  //  lookups to drive, 0: measure
    bool lookups_only;          //  the federation's figures, no floors
    const char *answers_path;
    const char *audit_dir;
    const char *provider_config;
    double reference_qps;
    int reference_p50_us;

    //  State
    char *endpoint;             //  the gateway's local API
    char **keys;
    size_t keys_size;
    zchunk_t **requests;        //  encoded local requests, one per key
    uint8_t *response_payload;  //  a real RESPONSE payload, re-packed
    size_t response_size;
    uint8_t *query_payload;
    size_t query_size;
    size_t request_bytes, reply_bytes;  //  local API frames
    FILE *answers;              //  --answers, or NULL

    //  Results
    double qps, crypto_qps, transport_qps, commit_floor, records_per_commit;
    int64_t p50_us, p99_us;
    size_t query_header, query_body, response_header, response_body;
} s_bench_t;

static int64_t
s_usecs (void)
{
    return zclock_usecs ();
}

//  --------------------------------------------------------------------------
//  Setup: options, keys, requests

static int
s_int_option (const char *text, int low, int high, const char *flag, int *value)
{
    char *end = NULL;
    long number = strtol (text, &end, 10);
    if (!*text || *end || number < low || number > high) {
        fprintf (stderr, "sluice-bench: %s must be %d..%d\n", flag, low, high);
        return -1;
    }
    *value = (int) number;
    return 0;
}

static int
s_seconds_option (const char *text, const char *flag, double *value)
{
    char *end = NULL;
    double number = strtod (text, &end);
    if (!*text || *end || !(number >= 0.1 && number <= 600)) {
        fprintf (stderr, "sluice-bench: %s must be 0.1..600 seconds\n", flag);
        return -1;
    }
    *value = number;
    return 0;
}

static void
s_usage (FILE *file)
{
    fprintf (file,
        "usage: sluice-bench --config GATEWAY.cfg --db SOURCE.db [options]\n"
        "Measures lookups through the gateway of GATEWAY.cfg (the requester)\n"
        "against the department --to, with keys from SOURCE.db (table\n"
        "enterprise, column uscc), and the crypto and transport floors.\n"
        "  --to DEPT            provider (SH-PD-MSA)\n"
        "  --item ITEM          catalog item (enterprise-basic)\n"
        "  --purpose P          (tax-registration)\n"
        "  --officer NAME       (bench)\n"
        "  --role ROLE          (auditor)\n"
        "  --seconds S          pipelined phase length (5)\n"
        "  --window N           requests outstanding when pipelined (64)\n"
        "  --latency-count N    one-at-a-time requests (2000)\n"
        "  --floor-seconds S    length of each floor (2)\n"
        "  --keys N             distinct keys to use (1000)\n"
        "  --broker-pid PID     read the broker's peak memory at the end\n"
        "  --gateway-pid PID    same for a gateway (repeat for each)\n"
        "  --audit-dir DIR      measure durable audit commits per second in DIR\n"
        "  --provider-config F  the provider's gateway.cfg: its audit commits\n"
        "  --reference-qps N    qps of the same run without durable waits\n"
        "  --reference-p50-us N p50 of that run\n"
        "  --lookups-only       only the pipelined and one-at-a-time figures\n"
        "  --drive N            only send N lookups (for at most --seconds) and\n"
        "                       wait for every reply\n"
        "  --answers FILE       with --drive: \"msgid STATUS\" per reply\n"
        "  -v                   more detail\n");
}

static int
s_parse (s_bench_t *self, int argc, char **argv)
{
    for (int index = 1; index < argc; index++) {
        const char *flag = argv [index];
        if (streq (flag, "--help") || streq (flag, "-h")) {
            s_usage (stdout);
            exit (0);
        }
        if (streq (flag, "-v")) {
            self->verbose = true;
            continue;
        }
        if (streq (flag, "--lookups-only")) {
            self->lookups_only = true;
            continue;
        }
        if (index + 1 >= argc) {
            fprintf (stderr, "sluice-bench: unknown argument or missing value: %s\n", flag);
            return -1;
        }
        const char *value = argv [++index];
        int rc = 0;
        if (streq (flag, "--config"))   self->config = value;
        else
        if (streq (flag, "--db"))       self->db = value;
        else
        if (streq (flag, "--to"))       self->to = value;
        else
        if (streq (flag, "--item"))     self->item = value;
        else
        if (streq (flag, "--purpose"))  self->purpose = value;
        else
        if (streq (flag, "--officer"))  self->officer = value;
        else
        if (streq (flag, "--role"))     self->role = value;
        else
        if (streq (flag, "--seconds"))
            rc = s_seconds_option (value, flag, &self->seconds);
        else
        if (streq (flag, "--floor-seconds"))
            rc = s_seconds_option (value, flag, &self->floor_seconds);
        else
        if (streq (flag, "--window"))
            rc = s_int_option (value, 1, 10000, flag, &self->window);
        else
        if (streq (flag, "--latency-count"))
            rc = s_int_option (value, 10, 1000000, flag, &self->latency_count);
        else
        if (streq (flag, "--keys"))
            rc = s_int_option (value, 1, S_KEYS_MAX, flag, &self->key_count);
        else
        if (streq (flag, "--broker-pid"))
            rc = s_int_option (value, 1, INT_MAX, flag, &self->broker_pid);
        else
        if (streq (flag, "--drive"))
            rc = s_int_option (value, 1, 10000000, flag, &self->drive);
        else
        if (streq (flag, "--answers"))  self->answers_path = value;
        else
        if (streq (flag, "--audit-dir")) self->audit_dir = value;
        else
        if (streq (flag, "--provider-config")) self->provider_config = value;
        else
        if (streq (flag, "--reference-qps")) {
            int reference = 0;
            rc = s_int_option (value, 0, INT_MAX, flag, &reference);
            self->reference_qps = reference;
        }
        else
        if (streq (flag, "--reference-p50-us"))
            rc = s_int_option (value, 0, INT_MAX, flag, &self->reference_p50_us);
        else
        if (streq (flag, "--gateway-pid")) {
            if (self->gateway_pid_count == S_PIDS_MAX) {
                fprintf (stderr, "sluice-bench: at most %d --gateway-pid\n", S_PIDS_MAX);
                return -1;
            }
            rc = s_int_option (value, 1, INT_MAX, flag,
                               &self->gateway_pids [self->gateway_pid_count++]);
        }
        else {
            fprintf (stderr, "sluice-bench: unknown argument '%s' (see --help)\n", flag);
            return -1;
        }
        if (rc)
            return -1;
    }
    if (!self->config || !self->db) {
        s_usage (stderr);
        return -1;
    }
    return 0;
}

//  Picks key_count distinct keys at random from the source database.
static int
s_keys_load (s_bench_t *self)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2 (self->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf (stderr, "sluice-bench: cannot open %s: %s\n", self->db,
                 db? sqlite3_errmsg (db): "out of memory");
        sqlite3_close (db);
        return -1;
    }
    sqlite3_stmt *statement = NULL;
    if (sqlite3_prepare_v2 (db, "SELECT uscc FROM enterprise ORDER BY random() LIMIT ?1",
                            -1, &statement, NULL) != SQLITE_OK) {
        fprintf (stderr, "sluice-bench: %s: %s\n", self->db, sqlite3_errmsg (db));
        sqlite3_close (db);
        return -1;
    }
    sqlite3_bind_int (statement, 1, self->key_count);
    self->keys = (char **) zmalloc (sizeof (char *) * (size_t) self->key_count);
    assert (self->keys);
    while (sqlite3_step (statement) == SQLITE_ROW
       &&  self->keys_size < (size_t) self->key_count) {
        const char *key = (const char *) sqlite3_column_text (statement, 0);
        if (key && strlen (key) <= MESSAGE_KEY_MAX)
            self->keys [self->keys_size++] = strdup (key);
    }
    sqlite3_finalize (statement);
    sqlite3_close (db);
    if (self->keys_size == 0) {
        fprintf (stderr, "sluice-bench: no keys in %s (table enterprise)\n", self->db);
        return -1;
    }
    return 0;
}

//  Encodes one local API request per key, once, so the loops only send.
static int
s_requests_build (s_bench_t *self)
{
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "query");
    if (strlen (self->to) >= sizeof (request.to)
    ||  strlen (self->item) >= sizeof (request.query.item)
    ||  strlen (self->purpose) >= sizeof (request.query.purpose)
    ||  strlen (self->officer) >= sizeof (request.query.officer)
    ||  strlen (self->role) >= sizeof (request.query.role)) {
        fprintf (stderr, "sluice-bench: an argument is longer than the protocol allows\n");
        return -1;
    }
    strcpy (request.to, self->to);
    strcpy (request.query.item, self->item);
    strcpy (request.query.purpose, self->purpose);
    strcpy (request.query.officer, self->officer);
    strcpy (request.query.role, self->role);
    self->requests = (zchunk_t **) zmalloc (sizeof (zchunk_t *) * self->keys_size);
    assert (self->requests);
    for (size_t index = 0; index < self->keys_size; index++) {
        strcpy (request.query.key, self->keys [index]);
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        localapi_request_encode (&request, &buffer);
        self->requests [index] = zchunk_new (buffer.data, buffer.size);
        msgpack_sbuffer_destroy (&buffer);
        if (index == 0) {
            //  The query payload the requester's gateway seals
            msgpack_sbuffer_init (&buffer);
            message_query_encode (&request.query, &buffer);
            self->query_payload = (uint8_t *) malloc (buffer.size);
            assert (self->query_payload);
            memcpy (self->query_payload, buffer.data, buffer.size);
            self->query_size = buffer.size;
            msgpack_sbuffer_destroy (&buffer);
        }
    }
    self->request_bytes = zchunk_size (self->requests [0]);
    return 0;
}

static char *
s_local_endpoint (const char *config)
{
    char *error = NULL;
    conf_t *conf = conf_load (config, settings_gateway, &error);
    if (!conf) {
        fprintf (stderr, "sluice-bench: %s\n", error? error: config);
        zstr_free (&error);
        return NULL;
    }
    char *endpoint = strdup (conf_str (conf, "gateway/local"));
    conf_destroy (&conf);
    return endpoint;
}

//  --------------------------------------------------------------------------
//  Lookups through the federation

//  Counts of reply statuses, and the first failure in words.
typedef struct {
    uint64_t ok, not_found, failed;
    int first_status;
    char first_reason [MESSAGE_REASON_MAX + 1];
} s_tally_t;

static void
s_send_request (s_bench_t *self, zsock_t *dealer, size_t index)
{
    zchunk_t *chunk = self->requests [index % self->keys_size];
    zframe_t *frame = zframe_new (zchunk_data (chunk), zchunk_size (chunk));
    zframe_send (&frame, dealer, 0);
}

//  Receives and tallies one reply. If sample is true and the reply is OK,
//  keeps its rows as the model RESPONSE payload for the floors.
static void
s_receive_reply (s_bench_t *self, zsock_t *dealer, s_tally_t *tally, bool sample)
{
    zframe_t *frame = zframe_recv (dealer);
    if (!frame) {
        tally->failed++;
        return;
    }
    localapi_reply_t reply;
    int status = localapi_reply_decode (zframe_data (frame), zframe_size (frame), &reply);
    if (status == STATUS_OK)
        status = (int) reply.status;
    if (self->answers)
        fprintf (self->answers, "%s %s\n", *reply.msgid? reply.msgid: "-",
                 status_name (status));
    if (status == STATUS_OK) {
        tally->ok++;
        if (sample && !self->response_payload) {
            self->reply_bytes = zframe_size (frame);
            //  As the provider packs it: the response map, then the rows
            msgpack_sbuffer buffer;
            msgpack_sbuffer_init (&buffer);
            msgpack_packer pk;
            msgpack_packer_init (&pk, &buffer, msgpack_sbuffer_write);
            uint8_t re [ENVELOPE_ID_BYTES];
            randombytes_buf (re, sizeof (re));
            message_response_begin (&pk, re, reply.item, STATUS_OK, reply.served_at,
                                    reply.agreement);
            msgpack_pack_object (&pk, *reply.rows);
            self->response_payload = (uint8_t *) malloc (buffer.size);
            assert (self->response_payload);
            memcpy (self->response_payload, buffer.data, buffer.size);
            self->response_size = buffer.size;
            msgpack_sbuffer_destroy (&buffer);
        }
    }
    else
    if (status == STATUS_NOT_FOUND)
        tally->not_found++;
    else {
        if (tally->failed == 0) {
            tally->first_status = status;
            snprintf (tally->first_reason, sizeof (tally->first_reason), "%s",
                      *reply.reason? reply.reason: "reply could not be decoded");
        }
        tally->failed++;
    }
    localapi_reply_destroy (&reply);
    zframe_destroy (&frame);
}

//  Keeps `window` requests outstanding until `limit` were sent or the time
//  is up, then collects the rest. Returns elapsed microseconds, or -1 if
//  the gateway fell silent.
static int64_t
s_pipeline (s_bench_t *self, zsock_t *dealer, int window, uint64_t limit,
            double seconds, s_tally_t *tally, bool sample)
{
    zpoller_t *poller = zpoller_new (dealer, NULL);
    int64_t start = s_usecs ();
    int64_t deadline = start + (int64_t) (seconds * 1e6);
    uint64_t sent = 0, received = 0;
    int64_t rc = 0;
    while (true) {
        while (sent - received < (uint64_t) window && sent < limit
           &&  s_usecs () < deadline)
            s_send_request (self, dealer, sent++);
        if (sent == received)
            break;
        if (!zpoller_wait (poller, S_REPLY_WAIT_MS)) {
            fprintf (stderr, "sluice-bench: no reply from the gateway within %d ms "
                     "(%" PRIu64 " outstanding)\n", S_REPLY_WAIT_MS, sent - received);
            rc = -1;
            break;
        }
        do {
            s_receive_reply (self, dealer, tally, sample);
            received++;
        } while (received < sent && (zsock_events (dealer) & ZMQ_POLLIN));
    }
    zpoller_destroy (&poller);
    return rc? rc: s_usecs () - start;
}

static int
s_compare_int64 (const void *left, const void *right)
{
    int64_t a = *(const int64_t *) left, b = *(const int64_t *) right;
    return a < b? -1: a > b? 1: 0;
}

//  Nearest-rank percentile of a sorted array.
static int64_t
s_percentile (const int64_t *sorted, size_t size, double percent)
{
    size_t rank = (size_t) ((percent / 100.0) * (double) size + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > size)
        rank = size;
    return sorted [rank - 1];
}

static bool
s_errors_dominate (s_tally_t *tally, const char *phase)
{
    uint64_t total = tally->ok + tally->not_found + tally->failed;
    if (total > 0 && tally->ok * 2 >= total)
        return false;
    fprintf (stderr, "sluice-bench: %s: only %" PRIu64 " of %" PRIu64 " lookups succeeded",
             phase, tally->ok, total);
    if (tally->failed)
        fprintf (stderr, "; first failure %s: %s", status_name (tally->first_status),
                 tally->first_reason);
    fprintf (stderr, "\n");
    return true;
}

//  The provider gateway's audit figures (local API "status"): records in
//  its log and durable commits since it started. 0, or -1 if unknown.
static int
s_provider_audit (s_bench_t *self, uint64_t *records, uint64_t *commits)
{
    char *endpoint = self->provider_config? s_local_endpoint (self->provider_config): NULL;
    if (!endpoint)
        return -1;
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    assert (dealer);
    zsock_set_linger (dealer, 0);
    int rc = -1;
    localapi_request_t request;
    memset (&request, 0, sizeof (request));
    strcpy (request.op, "status");
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    localapi_request_encode (&request, &buffer);
    zpoller_t *poller = zpoller_new (dealer, NULL);
    if (zsock_connect (dealer, "%s", endpoint) == 0) {
        zframe_t *frame = zframe_new (buffer.data, buffer.size);
        zframe_send (&frame, dealer, 0);
        frame = zpoller_wait (poller, S_REPLY_WAIT_MS)? zframe_recv (dealer): NULL;
        localapi_reply_t reply;
        if (frame && localapi_reply_decode (zframe_data (frame), zframe_size (frame),
                                            &reply) == STATUS_OK
        &&  reply.rows->via.array.size == 1) {
            const msgpack_object_map *map = &reply.rows->via.array.ptr [0].via.map;
            int found = 0;
            for (uint32_t index = 0; index < map->size; index++) {
                const msgpack_object *key = &map->ptr [index].key;
                const msgpack_object *value = &map->ptr [index].val;
                if (key->type != MSGPACK_OBJECT_STR
                ||  value->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
                    continue;
                if (key->via.str.size == 13 && memcmp (key->via.str.ptr, "audit_records", 13) == 0)
                    *records = value->via.u64, found++;
                if (key->via.str.size == 13 && memcmp (key->via.str.ptr, "audit_commits", 13) == 0)
                    *commits = value->via.u64, found++;
            }
            rc = found == 2? 0: -1;
        }
        if (frame)
            localapi_reply_destroy (&reply);
        zframe_destroy (&frame);
    }
    zpoller_destroy (&poller);
    msgpack_sbuffer_destroy (&buffer);
    zsock_destroy (&dealer);
    free (endpoint);
    return rc;
}

//  A DEALER to the requester's local API, without limits on what waits;
//  NULL (said) if it cannot connect.
static zsock_t *
s_dealer_new (s_bench_t *self)
{
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    assert (dealer);
    zsock_set_linger (dealer, 0);
    zsock_set_rcvhwm (dealer, 0);
    zsock_set_sndhwm (dealer, 0);
    if (zsock_connect (dealer, "%s", self->endpoint)) {
        fprintf (stderr, "sluice-bench: cannot connect to %s\n", self->endpoint);
        zsock_destroy (&dealer);
    }
    return dealer;
}

static int
s_federation (s_bench_t *self)
{
    zsock_t *dealer = s_dealer_new (self);
    if (!dealer)
        return -1;
    int rc = -1;
    //  Warm up: caches, page cache, the peers' box keys; keep a real reply
    s_tally_t tally = { 0 };
    if (s_pipeline (self, dealer, 16, 500, 10, &tally, true) < 0
    ||  s_errors_dominate (&tally, "warm-up"))
        goto done;
    if (!self->response_payload) {
        fprintf (stderr, "sluice-bench: warm-up got no OK reply to model the floors on\n");
        goto done;
    }
    //  Pipelined, with the provider's durable commits meanwhile
    memset (&tally, 0, sizeof (tally));
    uint64_t records_before = 0, commits_before = 0, records_after = 0, commits_after = 0;
    bool counted = s_provider_audit (self, &records_before, &commits_before) == 0;
    int64_t elapsed = s_pipeline (self, dealer, self->window, UINT64_MAX,
                                  self->seconds, &tally, false);
    if (elapsed < 0 || s_errors_dominate (&tally, "pipelined"))
        goto done;
    counted = counted && s_provider_audit (self, &records_after, &commits_after) == 0
           && commits_after > commits_before;
    self->qps = (double) tally.ok / ((double) elapsed / 1e6);
    printf ("bench: pipelined: %" PRIu64 " lookups OK in %.2f s, window %d: %.0f per second"
            " (%" PRIu64 " not found, %" PRIu64 " failed)\n",
            tally.ok, (double) elapsed / 1e6, self->window, self->qps,
            tally.not_found, tally.failed);
    if (counted) {
        uint64_t records = records_after - records_before;
        uint64_t commits = commits_after - commits_before;
        self->records_per_commit = (double) records / (double) commits;
        printf ("bench: durable audit at the provider meanwhile: %" PRIu64 " records in"
                " %" PRIu64 " commits, %.1f records per commit, %.0f commits per second\n",
                records, commits, self->records_per_commit,
                (double) commits / ((double) elapsed / 1e6));
    }
    fflush (stdout);

    //  One at a time; bounded by the time too
    int64_t *samples = (int64_t *) zmalloc (sizeof (int64_t) * (size_t) self->latency_count);
    assert (samples);
    memset (&tally, 0, sizeof (tally));
    size_t count = 0;
    int64_t deadline = s_usecs () + 60 * 1000000LL;
    zpoller_t *poller = zpoller_new (dealer, NULL);
    for (int index = 0; index < self->latency_count && s_usecs () < deadline; index++) {
        int64_t start = s_usecs ();
        s_send_request (self, dealer, (size_t) index * 7 + 3);
        if (!zpoller_wait (poller, S_REPLY_WAIT_MS)) {
            fprintf (stderr, "sluice-bench: no reply from the gateway within %d ms\n",
                     S_REPLY_WAIT_MS);
            break;
        }
        uint64_t ok = tally.ok;
        s_receive_reply (self, dealer, &tally, false);
        if (tally.ok > ok)
            samples [count++] = s_usecs () - start;
    }
    zpoller_destroy (&poller);
    if (count > 0 && !s_errors_dominate (&tally, "one at a time")) {
        qsort (samples, count, sizeof (int64_t), s_compare_int64);
        self->p50_us = s_percentile (samples, count, 50);
        self->p99_us = s_percentile (samples, count, 99);
        printf ("bench: one at a time: %zu lookups OK: p50 %" PRId64 " us, p99 %" PRId64
                " us, max %" PRId64 " us\n", count, self->p50_us, self->p99_us,
                samples [count - 1]);
        rc = 0;
    }
    else
    if (count == 0)
        fprintf (stderr, "sluice-bench: one at a time: no lookup succeeded\n");
    free (samples);
done:
    zsock_destroy (&dealer);
    return rc;
}

//  Drives --drive lookups, --window at a time, for at most --seconds, and
//  waits for every reply; failures are counted, not fatal. 0 if every
//  reply came.
static int
s_drive (s_bench_t *self)
{
    zsock_t *dealer = s_dealer_new (self);
    if (!dealer)
        return -1;
    s_tally_t tally = { 0 };
    int64_t elapsed = s_pipeline (self, dealer, self->window, (uint64_t) self->drive,
                                  self->seconds, &tally, false);
    uint64_t replies = tally.ok + tally.not_found + tally.failed;
    printf ("bench: drive: %" PRIu64 " replies to %d lookups in %.2f s: %" PRIu64 " OK, %"
            PRIu64 " not found, %" PRIu64 " failed%s%s\n", replies, self->drive,
            elapsed > 0? (double) elapsed / 1e6: 0, tally.ok, tally.not_found,
            tally.failed, tally.failed? ", first ": "",
            tally.failed? status_name (tally.first_status): "");
    zsock_destroy (&dealer);
    return elapsed >= 0? 0: -1;        //  s_pipeline waited for every reply
}

//  --------------------------------------------------------------------------
//  Durable commit floor: one-record SQLite transactions, WAL and
//  synchronous = FULL as the audit log commits, alone on one thread, in a
//  file beside the gateways' state (the same disk)

static int
s_commit_floor (s_bench_t *self)
{
    char *path = zsys_sprintf ("%s/bench-commit-floor-%d.db", self->audit_dir,
                               (int) getpid ());
    sqlite3 *db = NULL;
    sqlite3_stmt *insert = NULL;
    int rc = -1;
    if (sqlite3_open (path, &db) != SQLITE_OK
    ||  sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                          "CREATE TABLE record (seq INTEGER PRIMARY KEY, body BLOB);",
                      NULL, NULL, NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (db, "INSERT INTO record (body) VALUES (?1)", -1, &insert,
                            NULL) != SQLITE_OK) {
        fprintf (stderr, "sluice-bench: commit floor: %s: %s\n", path,
                 db? sqlite3_errmsg (db): "out of memory");
        goto done;
    }
    uint8_t body [400];                 //  about one audit record and checkpoint
    randombytes_buf (body, sizeof (body));
    uint64_t commits = 0;
    int64_t start = s_usecs ();
    int64_t deadline = start + (int64_t) (self->floor_seconds * 1e6);
    int64_t now_us;
    do {
        sqlite3_bind_blob (insert, 1, body, sizeof (body), SQLITE_STATIC);
        if (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK
        ||  sqlite3_step (insert) != SQLITE_DONE
        ||  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            fprintf (stderr, "sluice-bench: commit floor: %s\n", sqlite3_errmsg (db));
            goto done;
        }
        sqlite3_reset (insert);
        commits++;
        now_us = s_usecs ();
    } while (now_us < deadline);
    self->commit_floor = (double) commits / ((double) (now_us - start) / 1e6);
    printf ("bench: durable commit floor: %" PRIu64 " one-record commits in %.2f s in %s"
            " (WAL, synchronous = FULL): %.0f per second, %.0f us each\n", commits,
            (double) (now_us - start) / 1e6, self->audit_dir, self->commit_floor,
            1e6 / self->commit_floor);
    fflush (stdout);
    rc = 0;
done:
    sqlite3_finalize (insert);
    sqlite3_close (db);
    const char *suffixes [] = { "", "-wal", "-shm" };
    for (size_t index = 0; index < 3; index++) {
        char *name = zsys_sprintf ("%s%s", path, suffixes [index]);
        remove (name);
        zstr_free (&name);
    }
    zstr_free (&path);
    return rc;
}

//  --------------------------------------------------------------------------
//  Crypto floor

typedef struct {
    cert_t *requester, *provider;
    uint8_t box_key [crypto_box_BEFORENMBYTES];     //  the same at both ends
} s_crypto_t;

//  One round trip's cryptography, with the messages encoded and decoded as
//  they cross the wire. Returns 0, or -1 if anything fails to verify.
static int
s_crypto_round (s_bench_t *self, s_crypto_t *crypto, bool measure)
{
    int status = STATUS_INTERNAL;
    envelope_t *query = envelope_new (MSG_QUERY, cert_department (crypto->requester),
                                      cert_department (crypto->provider));
    envelope_t *response = NULL, *query_in = NULL, *response_in = NULL;
    if (!query
    ||  envelope_seal (query, self->query_payload, self->query_size,
                       cert_sign_secret (crypto->requester), crypto->box_key))
        goto done;
    zmsg_t *msg = envelope_encode (query);
    query_in = envelope_decode (msg, &status);
    zmsg_destroy (&msg);
    if (!query_in
    || (status = envelope_open (query_in, crypto->box_key,
                                cert_sign_public (crypto->requester))) != STATUS_OK)
        goto done;
    status = STATUS_INTERNAL;
    response = envelope_new (MSG_RESPONSE, cert_department (crypto->provider),
                             cert_department (crypto->requester));
    if (!response
    ||  envelope_seal (response, self->response_payload, self->response_size,
                       cert_sign_secret (crypto->provider), crypto->box_key))
        goto done;
    msg = envelope_encode (response);
    response_in = envelope_decode (msg, &status);
    zmsg_destroy (&msg);
    if (!response_in
    || (status = envelope_open (response_in, crypto->box_key,
                                cert_sign_public (crypto->provider))) != STATUS_OK)
        goto done;
    if (measure) {
        envelope_header_bytes (query, &self->query_header);
        envelope_body_bytes (query, &self->query_body);
        envelope_header_bytes (response, &self->response_header);
        envelope_body_bytes (response, &self->response_body);
    }
done:
    envelope_destroy (&query);
    envelope_destroy (&query_in);
    envelope_destroy (&response);
    envelope_destroy (&response_in);
    if (status != STATUS_OK)
        fprintf (stderr, "sluice-bench: crypto floor: a round trip failed: %s\n",
                 status_name (status));
    return status == STATUS_OK? 0: -1;
}

static int
s_crypto_floor (s_bench_t *self)
{
    int64_t now = zclock_time () / 1000;
    s_crypto_t crypto;
    crypto.requester = cert_new ("SH-PD-TAX", "bench requester", "department", 3, 1,
                                 now - 60, now + 3600, NULL);
    crypto.provider = cert_new ("SH-PD-MSA", "bench provider", "department", 3, 2,
                                now - 60, now + 3600, NULL);
    int rc = -1;
    uint8_t other [crypto_box_BEFORENMBYTES];
    if (!crypto.requester || !crypto.provider
    ||  crypto_box_beforenm (crypto.box_key, cert_box_public (crypto.provider),
                             cert_box_secret (crypto.requester))
    ||  crypto_box_beforenm (other, cert_box_public (crypto.requester),
                             cert_box_secret (crypto.provider))
    ||  sodium_memcmp (crypto.box_key, other, sizeof (other)) != 0) {
        fprintf (stderr, "sluice-bench: crypto floor: cannot make keys\n");
        goto done;
    }
    if (s_crypto_round (self, &crypto, true))
        goto done;
    uint64_t rounds = 0;
    int64_t start = s_usecs ();
    int64_t deadline = start + (int64_t) (self->floor_seconds * 1e6);
    int64_t now_us;
    do {
        for (int batch = 0; batch < 64; batch++) {
            if (s_crypto_round (self, &crypto, false))
                goto done;
            rounds++;
        }
        now_us = s_usecs ();
    } while (now_us < deadline);
    self->crypto_qps = (double) rounds / ((double) (now_us - start) / 1e6);
    printf ("bench: crypto floor: %" PRIu64 " round trips in %.2f s on one thread: "
            "%.0f per second (sign+seal query, open+verify, sign+seal response, "
            "open+verify)\n", rounds, (double) (now_us - start) / 1e6, self->crypto_qps);
    fflush (stdout);
    rc = 0;
done:
    cert_destroy (&crypto.requester);
    cert_destroy (&crypto.provider);
    return rc;
}

//  --------------------------------------------------------------------------
//  Transport floor: a bare ROUTER with CURVE, two DEALERs

typedef struct {
    zcert_t *server;            //  the bare broker's CURVE keys
    zcert_t *client;            //  the responder's
    char endpoint [64];
    zchunk_t *header, *body;    //  what the responder sends back
} s_floor_t;

//  The bare broker: forwards each message to the other peer, by routing id.
static void
s_floor_broker (zsock_t *pipe, void *argument)
{
    s_floor_t *bare = (s_floor_t *) argument;
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    assert (router);
    zsock_set_linger (router, 0);
    zsock_set_sndhwm (router, 0);
    zsock_set_rcvhwm (router, 0);
    zcert_apply (bare->server, router);
    zsock_set_curve_server (router, 1);
    int port = zsock_bind (router, "tcp://127.0.0.1:*");
    zsock_signal (pipe, 0);
    zsock_send (pipe, "i", port);
    zpoller_t *poller = zpoller_new (pipe, router, NULL);
    while (port > 0) {
        void *which = zpoller_wait (poller, -1);
        if (which != router)
            break;              //  $TERM, or interrupted
        zmsg_t *msg = zmsg_recv (router);
        if (!msg)
            break;
        zframe_t *from = zmsg_pop (msg);
        const char *to = zframe_streq (from, "REQ")? "RSP": "REQ";
        zframe_destroy (&from);
        zmsg_pushstr (msg, to);
        zmsg_send (&msg, router);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&router);
}

//  The responder: answers each message with a response of the real size.
static void
s_floor_responder (zsock_t *pipe, void *argument)
{
    s_floor_t *bare = (s_floor_t *) argument;
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    assert (dealer);
    zsock_set_linger (dealer, 0);
    zsock_set_sndhwm (dealer, 0);
    zsock_set_rcvhwm (dealer, 0);
    zsock_set_identity (dealer, "RSP");
    zcert_apply (bare->client, dealer);
    zsock_set_curve_serverkey (dealer, zcert_public_txt (bare->server));
    int rc = zsock_connect (dealer, "%s", bare->endpoint);
    zsock_signal (pipe, rc == 0? 0: 1);
    zpoller_t *poller = zpoller_new (pipe, dealer, NULL);
    while (rc == 0) {
        void *which = zpoller_wait (poller, -1);
        if (which != dealer)
            break;
        zmsg_t *msg = zmsg_recv (dealer);
        if (!msg)
            break;
        zmsg_destroy (&msg);
        msg = zmsg_new ();
        zmsg_addmem (msg, zchunk_data (bare->header), zchunk_size (bare->header));
        zmsg_addmem (msg, zchunk_data (bare->body), zchunk_size (bare->body));
        zmsg_send (&msg, dealer);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&dealer);
}

//  A chunk of `size` random bytes.
static zchunk_t *
s_random_chunk (size_t size)
{
    uint8_t *data = (uint8_t *) malloc (size? size: 1);
    assert (data);
    randombytes_buf (data, size);
    zchunk_t *chunk = zchunk_new (data, size);
    free (data);
    return chunk;
}

//  Sends one query-sized message from the requester.
static void
s_floor_send (zsock_t *dealer, zchunk_t *header, zchunk_t *body)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addmem (msg, zchunk_data (header), zchunk_size (header));
    zmsg_addmem (msg, zchunk_data (body), zchunk_size (body));
    zmsg_send (&msg, dealer);
}

static int
s_transport_floor (s_bench_t *self)
{
    //  Frames of exactly the real sizes; contents are random (the broker
    //  floor does not read them)
    zchunk_t *query_header = s_random_chunk (self->query_header);
    zchunk_t *query_body = s_random_chunk (self->query_body);
    s_floor_t bare = {
        .server = zcert_new (), .client = zcert_new (),
        .header = s_random_chunk (self->response_header),
        .body = s_random_chunk (self->response_body)
    };
    zcert_t *requester_cert = zcert_new ();
    zactor_t *broker = zactor_new (s_floor_broker, &bare);
    zactor_t *responder = NULL;
    zsock_t *dealer = NULL;
    zpoller_t *poller = NULL;
    int rc = -1;
    int port = -1;
    zsock_recv (broker, "i", &port);
    if (port <= 0) {
        fprintf (stderr, "sluice-bench: transport floor: cannot bind on 127.0.0.1\n");
        goto done;
    }
    snprintf (bare.endpoint, sizeof (bare.endpoint), "tcp://127.0.0.1:%d", port);
    responder = zactor_new (s_floor_responder, &bare);
    dealer = zsock_new (ZMQ_DEALER);
    assert (dealer);
    zsock_set_linger (dealer, 0);
    zsock_set_sndhwm (dealer, 0);
    zsock_set_rcvhwm (dealer, 0);
    zsock_set_identity (dealer, "REQ");
    zcert_apply (requester_cert, dealer);
    zsock_set_curve_serverkey (dealer, zcert_public_txt (bare.server));
    zsock_connect (dealer, "%s", bare.endpoint);
    poller = zpoller_new (dealer, NULL);

    //  The bare broker drops messages for a peer it has not seen yet: probe
    //  until a round trip comes back, then drain late answers
    bool connected = false;
    for (int probe = 0; probe < S_PROBE_TRIES && !connected; probe++) {
        s_floor_send (dealer, query_header, query_body);
        connected = zpoller_wait (poller, 100) != NULL;
    }
    if (!connected) {
        fprintf (stderr, "sluice-bench: transport floor: no round trip within %d ms\n",
                 S_PROBE_TRIES * 100);
        goto done;
    }
    do {
        zmsg_t *msg = zmsg_recv (dealer);
        zmsg_destroy (&msg);
    } while (zpoller_wait (poller, 200));

    uint64_t sent = 0, received = 0;
    int64_t start = s_usecs ();
    int64_t deadline = start + (int64_t) (self->floor_seconds * 1e6);
    while (true) {
        while (sent - received < (uint64_t) self->window && s_usecs () < deadline) {
            s_floor_send (dealer, query_header, query_body);
            sent++;
        }
        if (sent == received)
            break;
        if (!zpoller_wait (poller, S_REPLY_WAIT_MS)) {
            fprintf (stderr, "sluice-bench: transport floor: no reply within %d ms\n",
                     S_REPLY_WAIT_MS);
            goto done;
        }
        do {
            zmsg_t *msg = zmsg_recv (dealer);
            zmsg_destroy (&msg);
            received++;
        } while (received < sent && (zsock_events (dealer) & ZMQ_POLLIN));
    }
    int64_t elapsed = s_usecs () - start;
    self->transport_qps = (double) received / ((double) elapsed / 1e6);
    printf ("bench: transport floor: %" PRIu64 " round trips in %.2f s through a bare "
            "CURVE ROUTER, window %d: %.0f per second\n", received,
            (double) elapsed / 1e6, self->window, self->transport_qps);
    fflush (stdout);
    rc = 0;
done:
    zpoller_destroy (&poller);
    zsock_destroy (&dealer);
    zactor_destroy (&responder);
    zactor_destroy (&broker);
    zcert_destroy (&requester_cert);
    zcert_destroy (&bare.server);
    zcert_destroy (&bare.client);
    zchunk_destroy (&query_header);
    zchunk_destroy (&query_body);
    zchunk_destroy (&bare.header);
    zchunk_destroy (&bare.body);
    return rc;
}

//  --------------------------------------------------------------------------
//  Peak resident memory of a process, kB, from /proc; -1 if unknown.

static long
s_peak_rss_kb (int pid)
{
    char path [64];
    snprintf (path, sizeof (path), "/proc/%d/status", pid);
    FILE *file = fopen (path, "r");
    if (!file)
        return -1;
    char line [256];
    long peak = -1;
    while (fgets (line, sizeof (line), file))
        if (strncmp (line, "VmHWM:", 6) == 0) {
            peak = strtol (line + 6, NULL, 10);
            break;
        }
    fclose (file);
    return peak;
}

static void
s_bench_destroy (s_bench_t *self)
{
    for (size_t index = 0; index < self->keys_size; index++) {
        free (self->keys [index]);
        if (self->requests)
            zchunk_destroy (&self->requests [index]);
    }
    free (self->keys);
    free (self->requests);
    free (self->endpoint);
    free (self->query_payload);
    free (self->response_payload);
}

int
main (int argc, char **argv)
{
    s_bench_t bench = {
        .to = "SH-PD-MSA", .item = "enterprise-basic", .purpose = "tax-registration",
        .officer = "bench", .role = "auditor", .seconds = 5, .floor_seconds = 2,
        .window = 64, .latency_count = 2000, .key_count = 1000
    };
    if (version_asked (argc, argv, "sluice-bench", stdout))
        return 0;
    if (s_parse (&bench, argc, argv))
        return 64;
    if (sodium_init () < 0) {
        fprintf (stderr, "sluice-bench: libsodium cannot start\n");
        return 1;
    }
    zsys_init ();
    zsys_set_logident ("sluice-bench");
    int rc = 1;
    if (!(bench.endpoint = s_local_endpoint (bench.config))
    ||  s_keys_load (&bench)
    ||  s_requests_build (&bench))
        goto done;
    printf ("bench: %zu distinct keys from %s; asking %s for '%s' through %s\n",
            bench.keys_size, bench.db, bench.to, bench.item, bench.endpoint);
    fflush (stdout);
    if (bench.drive) {
        bench.answers = bench.answers_path? fopen (bench.answers_path, "w"): NULL;
        if (bench.answers_path && !bench.answers)
            fprintf (stderr, "sluice-bench: cannot write %s\n", bench.answers_path);
        else
            rc = s_drive (&bench) == 0? 0: 1;
        if (bench.answers && fclose (bench.answers))
            rc = 1;
        bench.answers = NULL;
        goto done;
    }
    if (s_federation (&bench))
        goto done;
    if (bench.lookups_only) {
        printf ("bench: lookups: qps=%.0f p50_us=%" PRId64 " p99_us=%" PRId64 "\n",
                bench.qps, bench.p50_us, bench.p99_us);
        rc = 0;
        goto done;
    }
    if (bench.audit_dir && s_commit_floor (&bench))
        goto done;
    if (s_crypto_floor (&bench))
        goto done;
    printf ("bench: message sizes: query %zu B header + %zu B sealed body "
            "(payload %zu B), response %zu B + %zu B (payload %zu B); "
            "local API request %zu B, reply %zu B\n",
            bench.query_header, bench.query_body, bench.query_size,
            bench.response_header, bench.response_body, bench.response_size,
            bench.request_bytes, bench.reply_bytes);
    if (s_transport_floor (&bench))
        goto done;

    long broker_kb = bench.broker_pid? s_peak_rss_kb (bench.broker_pid): -1;
    long gateway_kb = -1;
    for (size_t index = 0; index < bench.gateway_pid_count; index++) {
        long peak = s_peak_rss_kb (bench.gateway_pids [index]);
        if (bench.verbose)
            printf ("bench: gateway pid %d: peak %ld kB\n", bench.gateway_pids [index], peak);
        if (peak > gateway_kb)
            gateway_kb = peak;
    }
    if ((bench.broker_pid && broker_kb < 0)
    ||  (bench.gateway_pid_count && gateway_kb < 0))
        fprintf (stderr, "sluice-bench: cannot read peak memory from /proc "
                 "(has a daemon exited?)\n");
    printf ("bench: peak resident memory: broker %ld kB, largest gateway %ld kB\n",
            broker_kb, gateway_kb);
    if (bench.reference_qps > 0)
        printf ("bench: the cost of durable audit records: %.0f lookups per second with"
                " them, %.0f without the durable waits (ratio %.3f); p50 %" PRId64 " us"
                " against %d us (+%" PRId64 " us for the two durable commits of a round"
                " trip)\n", bench.qps, bench.reference_qps,
                bench.qps / bench.reference_qps, bench.p50_us, bench.reference_p50_us,
                bench.p50_us - bench.reference_p50_us);
    printf ("bench: qps=%.0f p50_us=%" PRId64 " p99_us=%" PRId64 " crypto_floor_qps=%.0f "
            "transport_floor_qps=%.0f ratio_crypto=%.3f ratio_transport=%.3f "
            "broker_rss_kb=%ld gateway_rss_kb=%ld commit_floor_per_s=%.0f "
            "records_per_commit=%.1f qps_without_durable_waits=%.0f ratio_durable=%.3f\n",
            bench.qps, bench.p50_us, bench.p99_us, bench.crypto_qps, bench.transport_qps,
            bench.crypto_qps > 0? bench.qps / bench.crypto_qps: 0,
            bench.transport_qps > 0? bench.qps / bench.transport_qps: 0,
            broker_kb < 0? 0: broker_kb, gateway_kb < 0? 0: gateway_kb,
            bench.commit_floor, bench.records_per_commit, bench.reference_qps,
            bench.reference_qps > 0? bench.qps / bench.reference_qps: 0);
    rc = (bench.broker_pid && broker_kb < 0)
      || (bench.gateway_pid_count && gateway_kb < 0)? 1: 0;
done:
    fflush (stdout);
    s_bench_destroy (&bench);
    return rc;
}
