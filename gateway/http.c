/*  http.c -- the gateway's local HTTP API; see http.h.

    Each connection has a thread of libmicrohttpd's. A request is read
    whole (at most HTTP_BODY_MAX bytes), its JSON made the local API's
    msgpack (jsonpack.h), and sent from a DEALER of the request's own over
    inproc:// to the gateway's local ROUTER, after a frame with the
    connection's credentials (SO_PEERCRED, ":UID:GID:PID"); the thread
    waits for the one reply, polling so that it sees the gateway stop. The
    threads share nothing but the endpoint's name and the stop flag.
*/

#include "http.h"
#include "jsonpack.h"
#include "localops.h"
#include "status.h"
#include <microhttpd.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <libgen.h>

//  How long a request may wait for the gateway's reply: the local API's
//  longest wait (a query's or notice-wait's timeout_ms, an hour at most)
//  and a minute more
#define S_REPLY_MS      (3600000 + 60000)
//  How often a waiting thread looks whether the gateway stops
#define S_POLL_MS       200
//  How long a stop waits for the requests begun to be answered (503)
#define S_DRAIN_MS      (5 * S_POLL_MS)

struct _http_t {
    struct MHD_Daemon *daemon;
    char *path;                 //  the socket file
    ino_t inode;                //  ours, to remove only ours
    char endpoint [96];         //  the gateway's local ROUTER, inproc://
    atomic_bool stopping;
    atomic_int active;          //  requests begun and not completed
};

//  A request being read
typedef struct {
    char op [LOCALAPI_OP_MAX + 1];
    char *body;
    size_t size;
    bool too_large;
} s_request_t;


//  --------------------------------------------------------------------------
//  HTTP status of a local API reply: one table (docs/http.md)

static const struct {
    int status;
    int http;
} s_statuses [] = {
    { STATUS_OK,                MHD_HTTP_OK },
    { STATUS_NOT_FOUND,         MHD_HTTP_NOT_FOUND },
    { STATUS_MALFORMED,         MHD_HTTP_BAD_REQUEST },
    { STATUS_BAD_TYPE,          MHD_HTTP_BAD_REQUEST },
    { STATUS_TOO_LARGE,         MHD_HTTP_CONTENT_TOO_LARGE },
    { STATUS_NOT_PERMITTED,     MHD_HTTP_FORBIDDEN },
    { STATUS_NOT_REGISTERED,    MHD_HTTP_SERVICE_UNAVAILABLE },
    { STATUS_DEPARTMENT_OFFLINE, MHD_HTTP_SERVICE_UNAVAILABLE },
    { STATUS_BUSY,              MHD_HTTP_SERVICE_UNAVAILABLE },
    { STATUS_SOURCE_TIMEOUT,    MHD_HTTP_SERVICE_UNAVAILABLE },
    { STATUS_TIMEOUT,           MHD_HTTP_SERVICE_UNAVAILABLE },
    { STATUS_LIMIT_REACHED,     MHD_HTTP_TOO_MANY_REQUESTS },
    { STATUS_QUOTA_EXCEEDED,    MHD_HTTP_TOO_MANY_REQUESTS },
    { STATUS_ALREADY_HANDLED,   MHD_HTTP_CONFLICT },
    { STATUS_REF_REUSED,        MHD_HTTP_CONFLICT },
    { STATUS_BAD_VERSION,       MHD_HTTP_BAD_GATEWAY },
    { STATUS_BAD_SIGNATURE,     MHD_HTTP_BAD_GATEWAY },
    { STATUS_BAD_SEAL,          MHD_HTTP_BAD_GATEWAY },
    { STATUS_STALE,             MHD_HTTP_BAD_GATEWAY },
    { STATUS_REPLAY,            MHD_HTTP_BAD_GATEWAY },
    { STATUS_SENDER_MISMATCH,   MHD_HTTP_BAD_GATEWAY },
    { STATUS_SOURCE_FAILED,     MHD_HTTP_BAD_GATEWAY },
    { STATUS_BAD_ANSWER,        MHD_HTTP_BAD_GATEWAY },
    { STATUS_INTERNAL,          MHD_HTTP_INTERNAL_SERVER_ERROR },
};

int
http_status (int status)
{
    for (size_t index = 0; index < sizeof (s_statuses) / sizeof (s_statuses [0]); index++)
        if (s_statuses [index].status == status)
            return s_statuses [index].http;
    //  The rest is a refusal by the rules: the catalog's, an agreement's,
    //  the certificates', a notice's kind or topic
    return MHD_HTTP_UNPROCESSABLE_CONTENT;
}


//  --------------------------------------------------------------------------
//  Answers

//  Queues `reply` as JSON with the HTTP status `http` (and an Allow header
//  if `allow` is not NULL)
static enum MHD_Result
s_respond (struct MHD_Connection *connection, int http, const localapi_reply_t *reply,
           const char *allow)
{
    jsonpack_counts_t counts;
    memset (&counts, 0, sizeof (counts));
    json_t *json = jsonpack_reply (&counts, reply);
    size_t size;
    char *text = jsonpack_dumps (&counts, json, &size);
    json_decref (json);
    char *line = (char *) realloc (text, size + 1);
    assert (line);
    line [size++] = '\n';
    struct MHD_Response *response =
        MHD_create_response_from_buffer (size, line, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free (line);
        return MHD_NO;
    }
    MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (allow)
        MHD_add_response_header (response, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result rc = MHD_queue_response (connection, (unsigned int) http, response);
    MHD_destroy_response (response);
    return rc;
}

//  Answers `status` with `reason`, as the HTTP status `http`
static enum MHD_Result
s_refuse (struct MHD_Connection *connection, int http, int status, const char *reason,
          const char *allow)
{
    localapi_reply_t reply;
    memset (&reply, 0, sizeof (reply));
    reply.status = (uint32_t) status;
    snprintf (reply.reason, sizeof (reply.reason), "%s", reason);
    return s_respond (connection, http, &reply, allow);
}


//  --------------------------------------------------------------------------
//  A request, through the gateway's loop

//  Waits for the reply on `dealer`: NULL if the gateway stops first, or
//  none comes in S_REPLY_MS
static zmsg_t *
s_wait_reply (http_t *self, zsock_t *dealer)
{
    zpoller_t *poller = zpoller_new (dealer, NULL);
    assert (poller);
    int64_t deadline = zclock_mono () + S_REPLY_MS;
    zmsg_t *reply = NULL;
    while (!reply && !atomic_load (&self->stopping) && zclock_mono () < deadline) {
        if (zpoller_wait (poller, S_POLL_MS))
            reply = zmsg_recv (dealer);
        else
        if (zpoller_terminated (poller))
            break;
    }
    zpoller_destroy (&poller);
    return reply;
}

//  Sends the request, with the caller's credentials, to the gateway's loop
//  and answers with its reply
static enum MHD_Result
s_forward (http_t *self, struct MHD_Connection *connection, s_request_t *request)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info (connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct ucred credentials;
    socklen_t length = sizeof (credentials);
    if (!info
    ||  getsockopt (info->connect_fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == -1)
        return s_refuse (connection, MHD_HTTP_FORBIDDEN, STATUS_NOT_PERMITTED,
                         "the caller cannot be identified (no peer credentials on this "
                         "connection)", NULL);
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    char *error = NULL;
    enum MHD_Result rc;
    if (jsonpack_request (request->size? request->body: "{}", request->size? request->size: 2,
                          request->op, &buffer, &error)) {
        rc = s_refuse (connection, MHD_HTTP_BAD_REQUEST, STATUS_MALFORMED, error, NULL);
        zstr_free (&error);
        msgpack_sbuffer_destroy (&buffer);
        return rc;
    }
    zsock_t *dealer = zsock_new (ZMQ_DEALER);
    assert (dealer);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstrf (msg, ":%u:%u:%ld", (unsigned) credentials.uid, (unsigned) credentials.gid,
                  (long) credentials.pid);
    zmsg_addmem (msg, buffer.data, buffer.size);
    msgpack_sbuffer_destroy (&buffer);
    zmsg_t *answer = NULL;
    if (zsock_connect (dealer, "%s", self->endpoint) == 0 && zmsg_send (&msg, dealer) == 0)
        answer = s_wait_reply (self, dealer);
    zmsg_destroy (&msg);
    zsock_destroy (&dealer);
    if (!answer)
        return s_refuse (connection, MHD_HTTP_SERVICE_UNAVAILABLE, STATUS_TIMEOUT,
                         atomic_load (&self->stopping)? "the gateway is stopping":
                         "the gateway did not answer in time", NULL);
    zframe_t *frame = zmsg_last (answer);
    localapi_reply_t reply;
    memset (&reply, 0, sizeof (reply));
    if (zmsg_size (answer) == 1
    &&  localapi_reply_decode (zframe_data (frame), zframe_size (frame), &reply) == STATUS_OK)
        rc = s_respond (connection, http_status ((int) reply.status), &reply, NULL);
    else
        rc = s_refuse (connection, MHD_HTTP_INTERNAL_SERVER_ERROR, STATUS_INTERNAL,
                       "the gateway's reply could not be read", NULL);
    localapi_reply_destroy (&reply);
    zmsg_destroy (&answer);
    return rc;
}

//  The route of a request, at its first call: NULL and an answer queued
//  (*rc) if it has none
static s_request_t *
s_route (http_t *self, struct MHD_Connection *connection, const char *url,
         const char *method, enum MHD_Result *rc)
{
    const char *op = strncmp (url, "/v1/", 4) == 0? url + 4: "";
    if (strlen (op) > LOCALAPI_OP_MAX || !localops_known (op)) {
        *rc = s_refuse (connection, MHD_HTTP_NOT_FOUND, STATUS_BAD_TYPE,
                        "no such operation: POST /v1/OP, OP one of the local API's "
                        "(docs/http.md)", NULL);
        return NULL;
    }
    bool status = streq (op, "status");
    if (!streq (method, MHD_HTTP_METHOD_POST)
    &&  !(status && streq (method, MHD_HTTP_METHOD_GET))) {
        *rc = s_refuse (connection, MHD_HTTP_METHOD_NOT_ALLOWED, STATUS_MALFORMED,
                        status? "GET or POST": "POST, with a JSON object of the "
                        "request's keys", status? "GET, POST": "POST");
        return NULL;
    }
    const char *length = MHD_lookup_connection_value (connection, MHD_HEADER_KIND,
                                                      MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length && strtoull (length, NULL, 10) > HTTP_BODY_MAX) {
        *rc = s_refuse (connection, MHD_HTTP_CONTENT_TOO_LARGE, STATUS_TOO_LARGE,
                        "the body is larger than a local request may be", NULL);
        return NULL;
    }
    s_request_t *request = (s_request_t *) zmalloc (sizeof (s_request_t));
    assert (request);
    snprintf (request->op, sizeof (request->op), "%s", op);
    atomic_fetch_add (&self->active, 1);
    return request;
}

//  libmicrohttpd's handler: called at a request's start, for each piece of
//  its body, and once the body is whole
static enum MHD_Result
s_access (void *argument, struct MHD_Connection *connection, const char *url,
          const char *method, const char *version, const char *upload_data,
          size_t *upload_data_size, void **context)
{
    http_t *self = (http_t *) argument;
    s_request_t *request = (s_request_t *) *context;
    if (!request) {
        enum MHD_Result rc = MHD_YES;
        *context = s_route (self, connection, url, method, &rc);
        return rc;
    }
    if (*upload_data_size) {
        //  A body sent without its length, or longer than it said
        if (!request->too_large && request->size + *upload_data_size <= HTTP_BODY_MAX) {
            char *body = (char *) realloc (request->body, request->size + *upload_data_size);
            assert (body);
            memcpy (body + request->size, upload_data, *upload_data_size);
            request->body = body;
            request->size += *upload_data_size;
        }
        else {
            request->too_large = true;
            zstr_free (&request->body);
            request->size = 0;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (request->too_large)
        return s_refuse (connection, MHD_HTTP_CONTENT_TOO_LARGE, STATUS_TOO_LARGE,
                         "the body is larger than a local request may be", NULL);
    return s_forward (self, connection, request);
}

static void
s_completed (void *argument, struct MHD_Connection *connection, void **context,
             enum MHD_RequestTerminationCode code)
{
    http_t *self = (http_t *) argument;
    s_request_t *request = (s_request_t *) *context;
    if (request) {
        atomic_fetch_sub (&self->active, 1);
        free (request->body);
        free (request);
        *context = NULL;
    }
}


//  --------------------------------------------------------------------------
//  The socket

//  Binds and listens at `path`, as http_new says; the socket, or -1
static int
s_listen (const char *path, caller_t *callers, char **error)
{
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    if (strlen (path) >= sizeof (address.sun_path)) {
        status_set_error (error, "%s: longer than a unix socket's path may be (%zu bytes) "
                          "(gateway/http)", path, sizeof (address.sun_path) - 1);
        return -1;
    }
    snprintf (address.sun_path, sizeof (address.sun_path), "%s", path);
    char *copy = strdup (path);
    assert (copy);
    const char *dir = dirname (copy);
    struct stat status;
    int rc = -1;
    if (stat (dir, &status) == -1)
        status_set_error (error, "%s: no such directory for the HTTP socket %s "
                          "(gateway/http)", dir, path);
    else
    if (!S_ISDIR (status.st_mode))
        status_set_error (error, "%s: not a directory, for the HTTP socket %s "
                          "(gateway/http)", dir, path);
    else
    if (status.st_uid != geteuid ())
        status_set_error (error, "%s: the directory of the HTTP socket is not the "
                          "gateway's own (its owner is uid %u, the gateway's %u): whoever "
                          "owns it could replace the socket; put it in the state directory "
                          "(gateway/http)", dir, (unsigned) status.st_uid,
                          (unsigned) geteuid ());
    else
        rc = 0;
    free (copy);
    if (rc)
        return -1;
    //  A socket left by a gateway that ended is removed; never any other
    //  file, nor a socket another server still listens on
    if (lstat (path, &status) == 0) {
        if (!S_ISSOCK (status.st_mode)) {
            status_set_error (error, "%s: exists and is not a socket; it is left as it is "
                              "(gateway/http)", path);
            return -1;
        }
        int probe = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool listening = probe >= 0
            && connect (probe, (struct sockaddr *) &address, sizeof (address)) == 0;
        if (probe >= 0)
            close (probe);
        if (listening) {
            status_set_error (error, "%s: another server listens on this socket "
                              "(gateway/http)", path);
            return -1;
        }
        unlink (path);
    }
    int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0
    ||  bind (fd, (struct sockaddr *) &address, sizeof (address)) == -1) {
        status_set_error (error, "%s: cannot bind the HTTP socket: %s (gateway/http)", path,
                          strerror (errno));
        if (fd >= 0)
            close (fd);
        return -1;
    }
    if (caller_socket_mode (callers, path, "gateway/http", error)
    ||  listen (fd, HTTP_CONNECTIONS_MAX) == -1) {
        if (error && !*error)
            status_set_error (error, "%s: cannot listen: %s (gateway/http)", path,
                              strerror (errno));
        close (fd);
        unlink (path);
        return -1;
    }
    return fd;
}


//  --------------------------------------------------------------------------
//  Construction

http_t *
http_new (const char *path, caller_t *callers, const char *endpoint, char **error)
{
    assert (path && callers && endpoint);
    int fd = s_listen (path, callers, error);
    if (fd < 0)
        return NULL;
    http_t *self = (http_t *) zmalloc (sizeof (http_t));
    assert (self);
    self->path = strdup (path);
    struct stat status;
    if (stat (path, &status) == 0)
        self->inode = status.st_ino;
    snprintf (self->endpoint, sizeof (self->endpoint), "%s", endpoint);
    atomic_init (&self->stopping, false);
    atomic_init (&self->active, 0);
    self->daemon = MHD_start_daemon (
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL
        | MHD_USE_ITC, 0, NULL, NULL, s_access, self,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket) fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int) HTTP_CONNECTIONS_MAX,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) HTTP_IDLE_S,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, self,
        MHD_OPTION_END);
    if (!self->daemon) {
        status_set_error (error, "%s: cannot start the HTTP server (gateway/http)", path);
        close (fd);
        http_destroy (&self);
    }
    return self;
}

void
http_destroy (http_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        http_t *self = *self_p;
        //  Threads waiting for a reply see this within S_POLL_MS and answer
        //  503; once they have (or after S_DRAIN_MS), libmicrohttpd closes
        //  every connection and the socket
        atomic_store (&self->stopping, true);
        int64_t until = zclock_mono () + S_DRAIN_MS;
        while (atomic_load (&self->active) > 0 && zclock_mono () < until)
            zclock_sleep (10);
        if (self->daemon)
            MHD_stop_daemon (self->daemon);
        struct stat status;
        if (self->inode && lstat (self->path, &status) == 0 && S_ISSOCK (status.st_mode)
        &&  status.st_ino == self->inode)
            unlink (self->path);
        free (self->path);
        free (self);
        *self_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Self test

//  Sends `request` to the server at `path`; if `router` is not NULL,
//  answers what the server passes on with a reply of `status` (after
//  checking the caller's credentials, ours). Returns the whole response
//  (caller frees).
static char *
s_test_exchange (const char *path, const char *request, zsock_t *router, int status)
{
    int fd = socket (AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    snprintf (address.sun_path, sizeof (address.sun_path), "%s", path);
    assert (connect (fd, (struct sockaddr *) &address, sizeof (address)) == 0);
    assert (write (fd, request, strlen (request)) == (ssize_t) strlen (request));
    if (router) {
        zmsg_t *msg = zmsg_recv (router);
        assert (msg && zmsg_size (msg) == 3);
        zframe_t *routing = zmsg_pop (msg);
        char *credentials = zmsg_popstr (msg);
        char expected [64];
        snprintf (expected, sizeof (expected), ":%u:%u:%ld", (unsigned) getuid (),
                  (unsigned) getgid (), (long) getpid ());
        assert (streq (credentials, expected));
        zstr_free (&credentials);
        zframe_t *body = zmsg_pop (msg);
        localapi_request_t decoded;
        assert (localapi_request_decode (zframe_data (body), zframe_size (body), &decoded)
                == STATUS_OK);
        assert (streq (decoded.op, "status") || streq (decoded.op, "query"));
        localapi_request_clear (&decoded);
        zframe_destroy (&body);
        zmsg_destroy (&msg);
        msgpack_sbuffer buffer;
        msgpack_sbuffer_init (&buffer);
        localapi_reply_encode (&buffer, status, "as asked", "", "SH-PD-MSA", "", "", 0, "",
                               NULL);
        zmsg_t *reply = zmsg_new ();
        zmsg_append (reply, &routing);
        zmsg_addmem (reply, buffer.data, buffer.size);
        msgpack_sbuffer_destroy (&buffer);
        assert (zmsg_send (&reply, router) == 0);
    }
    char *text = NULL;
    size_t size = 0;
    FILE *memory = open_memstream (&text, &size);
    char block [4096];
    ssize_t count;
    while ((count = read (fd, block, sizeof (block))) > 0)
        fwrite (block, 1, (size_t) count, memory);
    fclose (memory);
    close (fd);
    return text;
}

//  True if the response has that HTTP status and holds `text`
static bool
s_test_answered (char *response, int http, const char *text)
{
    char line [32];
    snprintf (line, sizeof (line), "HTTP/1.1 %d ", http);
    bool answered = response && strncmp (response, line, strlen (line)) == 0
                 && strstr (response, text);
    if (!answered)
        printf ("unexpected response: %s\n", response? response: "(none)");
    free (response);
    return answered;
}

void
http_test (bool verbose)
{
    if (verbose)
        printf (" * http: ");
    char dir [64];
    snprintf (dir, sizeof (dir), "/tmp/sluice-http-%d", getpid ());
    assert (zsys_dir_create ("%s", dir) == 0);
    char *path = zsys_sprintf ("%s/http.sock", dir);
    char *endpoint = zsys_sprintf ("inproc://sluice-http-test-%d", getpid ());
    char *error = NULL;
    caller_t *callers = caller_new ("", false, &error);
    assert (callers);

    //  The table: OK 200, refusals by their kind
    assert (http_status (STATUS_OK) == 200 && http_status (STATUS_NOT_PERMITTED) == 403);
    assert (http_status (STATUS_PURPOSE_NOT_AGREED) == 422);
    assert (http_status (STATUS_NOT_REGISTERED) == 503 && http_status (STATUS_INTERNAL) == 500);

    //  Settings refused, naming gateway/http: no directory, a file that is
    //  not a socket (left as it is)
    char *missing = zsys_sprintf ("%s/none/http.sock", dir);
    assert (http_new (missing, callers, endpoint, &error) == NULL);
    assert (strstr (error, "no such directory") && strstr (error, "(gateway/http)"));
    zstr_free (&error);
    zstr_free (&missing);
    FILE *file = fopen (path, "w");
    assert (file);
    fclose (file);
    assert (http_new (path, callers, endpoint, &error) == NULL);
    assert (strstr (error, "is not a socket") && strstr (error, "(gateway/http)"));
    zstr_free (&error);
    struct stat status;
    assert (stat (path, &status) == 0 && S_ISREG (status.st_mode));
    remove (path);

    //  A socket left behind is replaced; the new one is private
    int stale = socket (AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    snprintf (address.sun_path, sizeof (address.sun_path), "%s", path);
    assert (bind (stale, (struct sockaddr *) &address, sizeof (address)) == 0);
    close (stale);
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    assert (zsock_bind (router, "%s", endpoint) == 0);
    zsock_set_rcvtimeo (router, 5000);
    http_t *http = http_new (path, callers, endpoint, &error);
    assert (http && !error);
    assert (stat (path, &status) == 0 && S_ISSOCK (status.st_mode));
    assert ((status.st_mode & 0777) == 0600);
    //  A second server on the same socket is refused
    assert (http_new (path, callers, endpoint, &error) == NULL);
    assert (strstr (error, "another server listens"));
    zstr_free (&error);

    //  Requests go to the gateway's loop with our credentials; its reply
    //  comes back as JSON
    assert (s_test_answered (s_test_exchange (path, "GET /v1/status HTTP/1.1\r\nHost: x\r\n"
                                              "Connection: close\r\n\r\n", router, STATUS_OK),
                             200, "\"status\":\"OK\""));
    const char *query = "{\"to\":\"SH-PD-TAX\",\"item\":\"taxpayer\"}";
    char *request = zsys_sprintf ("POST /v1/query HTTP/1.1\r\nHost: x\r\nConnection: close"
                                  "\r\nContent-Length: %zu\r\n\r\n%s", strlen (query), query);
    assert (s_test_answered (s_test_exchange (path, request, router, STATUS_NO_AGREEMENT),
                             422, "\"code\":132"));
    zstr_free (&request);
    //  Answered here, never passed on
    assert (s_test_answered (s_test_exchange (path, "POST /v1/nothing HTTP/1.1\r\nHost: x\r\n"
                                              "Content-Length: 0\r\nConnection: close\r\n\r\n",
                                              NULL, 0), 404, "BAD_TYPE"));
    assert (s_test_answered (s_test_exchange (path, "GET /v1/query HTTP/1.1\r\nHost: x\r\n"
                                              "Connection: close\r\n\r\n", NULL, 0),
                             405, "Allow: POST"));
    assert (s_test_answered (s_test_exchange (path, "POST /v1/query HTTP/1.1\r\nHost: x\r\n"
                                              "Content-Length: 6\r\nConnection: close\r\n\r\n"
                                              "{\"to\":", NULL, 0), 400, "not valid JSON"));
    assert (s_test_answered (s_test_exchange (path, "POST /v1/query HTTP/1.1\r\nHost: x\r\n"
                                              "Content-Length: 99999999\r\nConnection: close"
                                              "\r\n\r\n", NULL, 0), 413, "TOO_LARGE"));
    //  Stopped: the socket goes
    http_destroy (&http);
    http_destroy (&http);
    assert (stat (path, &status) == -1);
    zsock_destroy (&router);
    caller_destroy (&callers);
    zsys_dir_delete ("%s", dir);
    zstr_free (&endpoint);
    zstr_free (&path);
    if (verbose)
        printf ("OK\n");
}
