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

//  Identifies the caller of a frame received on the bound router: writes
//  its name into `name` (CALLER_NAME_MAX + 1 bytes) and returns 0 if the
//  gateway serves it, else -1 (with `reason`, CALLER_REASON_MAX + 1 bytes,
//  saying why).
int
    caller_check (caller_t *self, zframe_t *frame, char *name, char *reason);

void
    caller_test (bool verbose);

#endif
