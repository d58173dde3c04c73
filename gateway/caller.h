/*  caller.h -- who is asking through the gateway's local API, and whether
    the gateway serves them.

    The local API asks in the department's name, so the gateway identifies
    every caller itself, from the connection, never from what a request
    claims. Over ipc:// the kernel says who connected (SO_PEERCRED; libzmq
    gives it as a message's "Peer-Address" property, "...:UID:GID:PID").
    The gateway serves a caller whose uid is its own or root's, or who
    belongs to the configured group (by primary gid, or as a member in the
    user database); anyone else gets NOT_PERMITTED, even where the file
    system lets them reach the socket. A tcp:// local endpoint cannot
    identify its callers: it is refused unless the operator says so with
    `gateway/local-unidentified = 1`, and its callers are then named
    "unidentified (tcp ADDRESS)".

    The gateway's local HTTP API (http.h) serves on a unix socket, whose
    kernel says who connected too (SO_PEERCRED): its server passes each
    request on over inproc:// with its connection's credentials in a first
    frame, and the same rule (caller_judge) decides. Only a frame that came
    over inproc, which carries no Peer-Address, is read so: an ipc or tcp
    peer cannot claim to be anyone.

    Each caller is named "USER (uid N)" for the audit log and the gateway's
    log; decisions are remembered for a minute per uid, so that a change of
    group membership takes effect within a minute.
*/
#ifndef SLUICE_CALLER_H_INCLUDED
#define SLUICE_CALLER_H_INCLUDED

#include <czmq.h>

//  A caller's name: "USER (uid N)", or "unidentified (tcp ADDRESS)"
#define CALLER_NAME_MAX 96
//  Why one is refused, in words (within a reply's reason)
#define CALLER_REASON_MAX 320

typedef struct _caller_t caller_t;

//  Creates the door keeper: `group` names the group sharing the gateway
//  ("" for none), `tcp_allowed` accepts a tcp:// local endpoint. Returns
//  NULL and sets *error (fresh) if the group does not exist.
caller_t *
    caller_new (const char *group, bool tcp_allowed, char **error);

void
    caller_destroy (caller_t **self_p);

//  Binds `router` to the local `endpoint`: an ipc:// endpoint, whose socket
//  file gets mode 0600 (0660 and the group, with a group); tcp:// only if
//  allowed. Returns 0, or -1 with *error saying why and what to do.
int
    caller_bind (caller_t *self, zsock_t *router, const char *endpoint,
                 char **error);

//  Sets the mode of the unix socket file at `path`: 0600, or 0660 and the
//  group's with a group. Returns 0, or -1 with *error naming `setting`.
int
    caller_socket_mode (caller_t *self, const char *path, const char *setting,
                        char **error);

//  The one rule: writes the name of the caller of `uid` whose process runs
//  with primary `gid` into `name` (CALLER_NAME_MAX + 1 bytes) and returns
//  0 if the gateway serves it, else -1 (with `reason`, CALLER_REASON_MAX +
//  1 bytes, saying why). Decisions are remembered for a minute.
int
    caller_judge (caller_t *self, uid_t uid, gid_t gid, char *name, char *reason);

//  Identifies the caller of `msg`, a request received on the bound router
//  whose routing id was taken off into `reply_to`: over inproc (the HTTP
//  server's) its first frame, the credentials ":UID:GID:PID", is taken off
//  and judged; over ipc and tcp a REQ's empty delimiter is moved to
//  reply_to and the connection says who asks (caller_check). The request's
//  frame(s) stay in msg. Returns as caller_check.
int
    caller_take (caller_t *self, zmsg_t *msg, zmsg_t *reply_to, char *name,
                 char *reason);

//  Identifies the caller of a frame received on the bound router: writes
//  its name into `name` (CALLER_NAME_MAX + 1 bytes) and returns 0 if the
//  gateway serves it, else -1 (with `reason`, CALLER_REASON_MAX + 1 bytes,
//  saying why).
int
    caller_check (caller_t *self, zframe_t *frame, char *name, char *reason);

void
    caller_test (bool verbose);

#endif
