/*  http.h -- the gateway's local HTTP API: the local API (localapi.h) as
    HTTP/1.1 and JSON, for the department's systems that speak HTTP
    (docs/http.md; PROTOCOL.md 10.1).

    `POST /v1/OP` with a JSON object of the request's keys (without "op");
    `GET /v1/status` too. The reply is the local API's, as one JSON object
    (jsonpack_reply), with an HTTP status from one table (http_status).

    It listens on a unix-domain socket only (gateway/http), never TCP, so
    that the kernel says who connected (SO_PEERCRED): each request goes to
    the gateway's loop over the local API's own ROUTER, bound also to an
    inproc:// endpoint, with its connection's credentials in a first frame;
    the gateway judges them by the same rule as an ipc caller's (caller.h)
    and audits the caller as itself. Replies route back by themselves, and
    the batching, the group commit and deferred replies stay the loop's.

    libmicrohttpd, a thread per connection: at most HTTP_CONNECTIONS_MAX at
    once, each closed after HTTP_IDLE_S idle, a body of at most
    HTTP_BODY_MAX bytes (more is 413).
*/
#ifndef SLUICE_HTTP_H_INCLUDED
#define SLUICE_HTTP_H_INCLUDED

#include <czmq.h>
#include "caller.h"
#include "localapi.h"

#define HTTP_CONNECTIONS_MAX    64
#define HTTP_IDLE_S             30
//  The local API's largest request is a text of LOCALAPI_TEXT_MAX bytes;
//  as JSON its newlines and quotes take two bytes each
#define HTTP_BODY_MAX           (LOCALAPI_TEXT_MAX + LOCALAPI_TEXT_MAX / 4)

typedef struct _http_t http_t;

//  Serves HTTP at the unix socket `path` (its directory must exist and be
//  the gateway's own; a socket left there is removed, any other file
//  refused), its mode set by `callers` (caller_socket_mode, borrowed for
//  this call only), passing requests to the ROUTER bound at `endpoint`
//  (inproc://). Returns NULL with *error naming gateway/http on failure.
http_t *
    http_new (const char *path, caller_t *callers, const char *endpoint,
              char **error);

//  Stops serving: requests waiting get 503, connections are closed, the
//  socket file removed.
void
    http_destroy (http_t **self_p);

//  The HTTP status that answers a local API reply of `status`.
int
    http_status (int status);

void
    http_test (bool verbose);

#endif
