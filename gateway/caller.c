/*  caller.c -- who is asking through the gateway's local API.  */

#include "caller.h"
#include "daemon.h"
#include "status.h"
#include <grp.h>
#include <pwd.h>

//  Decisions remembered per uid and gid, for so long, and at most so many
#define S_REMEMBER_MS   60000
#define S_REMEMBER_MAX  1024

typedef struct {
    bool served;
    int64_t until;              //  monotonic ms
    char name [CALLER_NAME_MAX + 1];
    char reason [CALLER_REASON_MAX + 1];
} s_known_t;

struct _caller_t {
    gid_t gid;                  //  the group's, or (gid_t) -1
    char group [64];            //  its name as configured
    bool tcp_allowed;
    char tcp [64];              //  the tcp endpoint bound, "" if ipc
    uid_t own;                  //  the gateway's user
    zhashx_t *known;            //  "UID:GID" -> s_known_t
};

static void
s_known_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

caller_t *
caller_new (const char *group, bool tcp_allowed, char **error)
{
    assert (group);
    caller_t *self = (caller_t *) zmalloc (sizeof (caller_t));
    assert (self);
    self->gid = (gid_t) -1;
    self->own = geteuid ();
    self->tcp_allowed = tcp_allowed;
    snprintf (self->group, sizeof (self->group), "%s", group);
    if (*group && daemon_group (group, &self->gid, error)) {
        free (self);
        return NULL;
    }
    self->known = zhashx_new ();
    assert (self->known);
    zhashx_set_destructor (self->known, s_known_free);
    return self;
}

void
caller_destroy (caller_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        caller_t *self = *self_p;
        zhashx_destroy (&self->known);
        free (self);
        *self_p = NULL;
    }
}

int
caller_bind (caller_t *self, zsock_t *router, const char *endpoint, char **error)
{
    assert (self && router && endpoint);
    bool tcp = strncmp (endpoint, "tcp://", 6) == 0;
    if (tcp && !self->tcp_allowed) {
        status_set_error (error, "%s: a tcp:// local endpoint cannot tell who is "
                          "asking, so anyone who reaches it would ask in this "
                          "department's name: use ipc://PATH (e.g. "
                          "\"ipc://state/local.ipc\"), or accept that with "
                          "gateway/local-unidentified = 1 (gateway/local)", endpoint);
        return -1;
    }
    if (!tcp && strncmp (endpoint, "ipc://", 6) != 0) {
        status_set_error (error, "%s: the local endpoint must be ipc://PATH "
                          "(gateway/local)", endpoint);
        return -1;
    }
    if (zsock_bind (router, "%s", endpoint) < 0) {
        status_set_error (error, "cannot bind %s: %s (gateway/local)", endpoint,
                          zmq_strerror (zmq_errno ()));
        return -1;
    }
    if (tcp) {
        snprintf (self->tcp, sizeof (self->tcp), "%s", endpoint);
        zsys_warning ("gateway: the local API at %s does not identify its callers: "
                      "whoever reaches it asks in this department's name "
                      "(gateway/local-unidentified)", endpoint);
        return 0;
    }
    return caller_socket_mode (self, endpoint + 6, "gateway/local", error);
}

int
caller_socket_mode (caller_t *self, const char *path, const char *setting, char **error)
{
    assert (self && path && setting);
    //  Created under the daemon's umask (0700); connecting needs write
    //  permission, which the group gets if there is one
    bool group = self->gid != (gid_t) -1;
    if (chmod (path, group? 0660: 0600) == -1
    ||  (group && chown (path, (uid_t) -1, self->gid) == -1)) {
        status_set_error (error, "%s: cannot set the socket's mode: %s (%s)", path,
                          strerror (errno), setting);
        return -1;
    }
    return 0;
}

//  True if the user `name` (primary group `primary`) belongs to `gid` in
//  the user database.
static bool
s_member (const char *name, gid_t primary, gid_t gid)
{
    if (primary == gid)
        return true;
    gid_t groups [256];
    int count = 256;
    if (getgrouplist (name, primary, groups, &count) == -1)
        return false;           //  more groups than that: not found here
    for (int index = 0; index < count; index++)
        if (groups [index] == gid)
            return true;
    return false;
}

//  Decides for a caller of `uid` whose process runs with primary `gid`.
static void
s_judge (caller_t *self, uid_t uid, gid_t gid, s_known_t *known)
{
    char buffer [16384];
    struct passwd entry, *found = NULL;
    bool named = getpwuid_r (uid, &entry, buffer, sizeof (buffer), &found) == 0
              && found;
    snprintf (known->name, sizeof (known->name), "%.64s (uid %u)",
              named? found->pw_name: "unknown", (unsigned) uid);
    bool group = self->gid != (gid_t) -1;
    known->served = uid == self->own || uid == 0
                 || (group && (gid == self->gid
                           || (named && s_member (found->pw_name, found->pw_gid,
                                                  self->gid))));
    if (group)
        snprintf (known->reason, sizeof (known->reason), "%s may not use this "
                  "gateway: it serves its own user (uid %u), root and the members "
                  "of group '%s'", known->name, (unsigned) self->own, self->group);
    else
        snprintf (known->reason, sizeof (known->reason), "%s may not use this "
                  "gateway: it serves its own user (uid %u) and root (to share it, "
                  "see gateway/group)", known->name, (unsigned) self->own);
}

//  Reads "...:UID:GID:PID" (an ipc peer's credentials); 0 or -1.
static int
s_credentials (const char *address, uid_t *uid, gid_t *gid)
{
    const char *fields [3] = { NULL, NULL, NULL };
    const char *scan = address? address + strlen (address): NULL;
    for (int index = 2; scan && index >= 0; index--) {
        while (scan > address && scan [-1] != ':')
            scan--;
        if (scan == address)
            return -1;
        fields [index] = scan;
        scan--;                 //  onto the ':'
    }
    if (!scan)
        return -1;
    char *end = NULL;
    unsigned long values [2];
    for (int index = 0; index < 2; index++) {
        errno = 0;
        values [index] = strtoul (fields [index], &end, 10);
        if (errno || end == fields [index] || *end != ':')
            return -1;
    }
    *uid = (uid_t) values [0];
    *gid = (gid_t) values [1];
    return 0;
}

int
caller_check (caller_t *self, zframe_t *frame, char *name, char *reason)
{
    assert (self && frame && name && reason);
    const char *address = zframe_meta (frame, "Peer-Address");
    if (*self->tcp) {
        snprintf (name, CALLER_NAME_MAX + 1, "unidentified (tcp %.60s)",
                  address? address: "?");
        return 0;
    }
    uid_t uid;
    gid_t gid;
    if (s_credentials (address, &uid, &gid)) {
        snprintf (name, CALLER_NAME_MAX + 1, "unidentified");
        snprintf (reason, CALLER_REASON_MAX + 1, "the caller cannot be identified "
                  "(no peer credentials on this connection)");
        return -1;
    }
    return caller_judge (self, uid, gid, name, reason);
}

int
caller_judge (caller_t *self, uid_t uid, gid_t gid, char *name, char *reason)
{
    assert (self && name && reason);
    char key [48];
    snprintf (key, sizeof (key), "%u:%u", (unsigned) uid, (unsigned) gid);
    int64_t now = zclock_mono ();
    s_known_t *known = (s_known_t *) zhashx_lookup (self->known, key);
    if (!known || now >= known->until) {
        if (!known && zhashx_size (self->known) >= S_REMEMBER_MAX)
            zhashx_purge (self->known);
        if (!known) {
            known = (s_known_t *) zmalloc (sizeof (s_known_t));
            assert (known);
            zhashx_insert (self->known, key, known);
        }
        s_judge (self, uid, gid, known);
        known->until = now + S_REMEMBER_MS;
    }
    snprintf (name, CALLER_NAME_MAX + 1, "%s", known->name);
    if (!known->served)
        snprintf (reason, CALLER_REASON_MAX + 1, "%s", known->reason);
    return known->served? 0: -1;
}

int
caller_take (caller_t *self, zmsg_t *msg, zmsg_t *reply_to, char *name, char *reason)
{
    assert (self && msg && reply_to && name && reason);
    zframe_t *first = zmsg_first (msg);
    if (!first) {
        snprintf (name, CALLER_NAME_MAX + 1, "unidentified");
        snprintf (reason, CALLER_REASON_MAX + 1, "an empty message");
        return -1;
    }
    //  libzmq gives every frame that came over ipc or tcp a Peer-Address;
    //  one without came over inproc, from the gateway's own HTTP server,
    //  whose first frame holds its connection's credentials (http.h). What
    //  an ipc or tcp peer puts in a frame never names anyone
    if (!zframe_meta (first, "Peer-Address")) {
        zframe_t *vouched = zmsg_pop (msg);
        char *credentials = zframe_strdup (vouched);
        zframe_destroy (&vouched);
        uid_t uid;
        gid_t gid;
        int rc = s_credentials (credentials, &uid, &gid) == 0
              && zmsg_size (msg) > 0?
                 caller_judge (self, uid, gid, name, reason): 1;
        zstr_free (&credentials);
        if (rc == 1) {
            snprintf (name, CALLER_NAME_MAX + 1, "unidentified");
            snprintf (reason, CALLER_REASON_MAX + 1, "the caller cannot be identified "
                      "(no credentials from the HTTP server)");
            return -1;
        }
        return rc;
    }
    //  A REQ's empty delimiter goes with the return address
    if (zmsg_size (msg) == 2 && zframe_size (first) == 0) {
        zframe_t *delimiter = zmsg_pop (msg);
        zmsg_append (reply_to, &delimiter);
    }
    return caller_check (self, zmsg_first (msg), name, reason);
}


//  --------------------------------------------------------------------------
//  Self test

//  Sends one frame from a fresh DEALER to `endpoint` and receives it on
//  `router`; returns the received body frame (the caller destroys it).
static zframe_t *
s_test_send (zsock_t *router, const char *endpoint)
{
    zsock_t *dealer = zsock_new_dealer (endpoint);
    assert (dealer);
    zstr_send (dealer, "hello");
    zmsg_t *msg = zmsg_recv (router);
    assert (msg && zmsg_size (msg) == 2);
    zframe_t *body = zmsg_pop (msg);
    zframe_destroy (&body);     //  the routing id
    body = zmsg_pop (msg);
    zmsg_destroy (&msg);
    zsock_destroy (&dealer);
    return body;
}

//  Receives what `sender` sent (two frames: `first`, then "request") on
//  `router` and takes its caller (caller_take); returns its result, the
//  name in `name`, and the frames left for the request in *left
static int
s_test_taken (caller_t *caller, zsock_t *router, zsock_t *sender, const char *first,
              char *name, size_t *left)
{
    char reason [CALLER_REASON_MAX + 1];
    if (first)
        zstr_sendm (sender, first);
    zstr_send (sender, "request");
    zmsg_t *msg = zmsg_recv (router);
    assert (msg);
    zmsg_t *reply_to = zmsg_new ();
    zframe_t *routing = zmsg_pop (msg);
    zmsg_append (reply_to, &routing);
    int rc = caller_take (caller, msg, reply_to, name, reason);
    *left = zmsg_size (msg);
    zmsg_destroy (&msg);
    zmsg_destroy (&reply_to);
    return rc;
}

//  Who asks, by where the request came from: over ipc the connection
//  says, whatever the frames claim; over inproc (the HTTP server's) the
//  credentials it puts first
static void
s_test_take (caller_t *caller, zsock_t *router, const char *endpoint)
{
    char name [CALLER_NAME_MAX + 1], own [CALLER_NAME_MAX + 1];
    char reason [CALLER_REASON_MAX + 1];
    assert (caller_judge (caller, getuid (), getgid (), own, reason) == 0);
    size_t left;
    zsock_t *dealer = zsock_new_dealer (endpoint);
    assert (dealer);
    assert (s_test_taken (caller, router, dealer, NULL, name, &left) == 0);
    assert (streq (name, own) && left == 1);
    //  An ipc client that sends the HTTP server's two frames is not
    //  believed: it is itself, and its request keeps both frames (which
    //  the gateway refuses as MALFORMED)
    assert (s_test_taken (caller, router, dealer, ":0:0:1", name, &left) == 0);
    assert (streq (name, own) && left == 2);
    assert (s_test_taken (caller, router, dealer, ":65534:65534:1", name, &left) == 0);
    assert (streq (name, own) && left == 2);
    zsock_destroy (&dealer);
    //  A REQ's empty delimiter goes with the return address
    zsock_t *req = zsock_new_req (endpoint);
    assert (req);
    assert (s_test_taken (caller, router, req, NULL, name, &left) == 0);
    assert (streq (name, own) && left == 1);
    zsock_destroy (&req);
    //  Over inproc: the credentials first, judged by the same rule
    char inproc [64];
    snprintf (inproc, sizeof (inproc), "inproc://sluice-caller-test-%d", getpid ());
    assert (zsock_bind (router, "%s", inproc) == 0);
    dealer = zsock_new_dealer (inproc);
    assert (dealer);
    assert (s_test_taken (caller, router, dealer, ":0:0:1", name, &left) == 0);
    assert (strstr (name, "(uid 0)") && left == 1);
    assert (s_test_taken (caller, router, dealer, ":65534:65534:1", name, &left) == -1);
    assert (strstr (name, "(uid 65534)") && left == 1);
    assert (s_test_taken (caller, router, dealer, "nobody", name, &left) == -1);
    assert (streq (name, "unidentified"));
    zsock_destroy (&dealer);
}

void
caller_test (bool verbose)
{
    if (verbose)
        printf (" * caller: ");
    char dir [64];
    snprintf (dir, sizeof (dir), "/tmp/sluice-caller-%d", getpid ());
    assert (zsys_dir_create ("%s", dir) == 0);
    char *path = zsys_sprintf ("%s/local.ipc", dir);
    char *endpoint = zsys_sprintf ("ipc://%s", path);
    char *error = NULL;
    char name [CALLER_NAME_MAX + 1], reason [CALLER_REASON_MAX + 1];

    //  Over ipc the kernel names the caller: libzmq's Peer-Address ends in
    //  ":UID:GID:PID" (SO_PEERCRED), here our own
    caller_t *caller = caller_new ("", false, &error);
    assert (caller && !error);
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    assert (caller_bind (caller, router, endpoint, &error) == 0);
    struct stat status;
    assert (stat (path, &status) == 0 && S_ISSOCK (status.st_mode));
    assert ((status.st_mode & 0777) == 0600);
    zframe_t *frame = s_test_send (router, endpoint);
    char expected [64];
    snprintf (expected, sizeof (expected), ":%u:%u:%ld", (unsigned) getuid (),
              (unsigned) getgid (), (long) getpid ());
    const char *address = zframe_meta (frame, "Peer-Address");
    assert (address && strlen (address) >= strlen (expected));
    assert (streq (address + strlen (address) - strlen (expected), expected));
    assert (caller_check (caller, frame, name, reason) == 0);
    snprintf (expected, sizeof (expected), " (uid %u)", (unsigned) getuid ());
    assert (strstr (name, expected));
    //  Remembered: the same answer again
    assert (caller_check (caller, frame, name, reason) == 0);
    zframe_destroy (&frame);
    s_test_take (caller, router, endpoint);
    zsock_destroy (&router);

    //  The rules, for callers this test cannot be: another user is refused,
    //  unless the group is set and the caller runs with it
    s_known_t known;
    s_judge (caller, 65534, 65534, &known);
    assert (!known.served && strstr (known.name, "(uid 65534)"));
    assert (strstr (known.reason, "may not use this gateway"));
    assert (strstr (known.reason, "gateway/group"));
    s_judge (caller, 0, 0, &known);
    assert (known.served);
    caller_destroy (&caller);
    caller = caller_new ("65534", false, &error);
    assert (caller);
    s_judge (caller, 65534, 65534, &known);
    assert (known.served);
    s_judge (caller, 54321, 54321, &known);
    assert (!known.served && strstr (known.name, "unknown (uid 54321)"));
    assert (strstr (known.reason, "members of group '65534'"));
    assert (s_credentials ("localhost:12:34:56", &(uid_t) { 0 }, &(gid_t) { 0 }) == 0);
    uid_t uid;
    gid_t gid;
    assert (s_credentials (":7:8:9", &uid, &gid) == 0 && uid == 7 && gid == 8);
    assert (s_credentials ("127.0.0.1", &uid, &gid) == -1);
    assert (s_credentials ("x:1:2", &uid, &gid) == -1);
    assert (s_credentials (":a:2:3", &uid, &gid) == -1);
    assert (s_credentials (NULL, &uid, &gid) == -1);
    caller_destroy (&caller);

    //  With a group (ours), the socket is the group's too
    char group [32];
    snprintf (group, sizeof (group), "%u", (unsigned) getegid ());
    caller = caller_new (group, false, &error);
    assert (caller);
    router = zsock_new (ZMQ_ROUTER);
    assert (caller_bind (caller, router, endpoint, &error) == 0);
    assert (stat (path, &status) == 0 && (status.st_mode & 0777) == 0660);
    assert (status.st_gid == getegid ());
    zsock_destroy (&router);

    //  tcp:// is refused, saying why and what to do; only allowed, it
    //  serves everyone as "unidentified"
    router = zsock_new (ZMQ_ROUTER);
    assert (caller_bind (caller, router, "tcp://127.0.0.1:*", &error) == -1);
    assert (strstr (error, "cannot tell who is asking"));
    assert (strstr (error, "gateway/local-unidentified = 1"));
    zstr_free (&error);
    assert (caller_bind (caller, router, "inproc://local", &error) == -1);
    assert (strstr (error, "must be ipc://"));
    zstr_free (&error);
    caller_destroy (&caller);
    caller = caller_new ("", true, &error);
    assert (caller);
    assert (caller_bind (caller, router, "tcp://127.0.0.1:*", &error) == 0);
    char *tcp = zsock_last_endpoint (router);
    assert (tcp);
    frame = s_test_send (router, tcp);
    assert (caller_check (caller, frame, name, reason) == 0);
    assert (streq (name, "unidentified (tcp 127.0.0.1)"));
    zframe_destroy (&frame);
    zsock_destroy (&router);
    caller_destroy (&caller);
    zstr_free (&tcp);

    assert (caller_new ("no-such-group-x", false, &error) == NULL);
    assert (error && strstr (error, "no such group"));
    zstr_free (&error);

    remove (path);
    zsys_dir_delete ("%s", dir);
    zstr_free (&endpoint);
    zstr_free (&path);
    if (verbose)
        printf ("OK\n");
}
