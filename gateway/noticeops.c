/*  noticeops.c -- the local API's operations on notices and alerts; see
    noticeops.h.  */

#include "noticeops.h"
#include "localops.h"
#include "noticekind.h"
#include "codec.h"
#include "names.h"
#include "status.h"
#include "topics.h"
#include <sodium.h>

#define S_RECIPIENTS_MAX    32          //  departments one notice goes to
#define S_TAKE_DEFAULT      100         //  copies one take gives, unless asked
#define S_WAIT_DEFAULT_MS   30000       //  a wait's time, unless asked

//  A send or an alert waiting for the catalog directory
typedef struct {
    zmsg_t *reply_to;
    bool alert;
    char caller [LOCALAPI_CALLER_MAX + 1];
    char recipients [NOTICE_RECIPIENTS_MAX + 1];
    char subject [NOTICE_NAME_MAX + 1];         //  the kind, or the topic
    char key_type [NOTICE_KEY_TYPE_MAX + 1];
    char key [NOTICE_KEY_MAX + 1];
    char severity [NOTICE_SEVERITY_MAX + 1];
    char officer [NOTICE_OFFICER_MAX + 1];
    char *text;                                 //  the basis, or the alert's text
    uint64_t deadline_ms;
    msgpack_sbuffer values;                     //  the fields as the caller gave them
    msgpack_unpacked unpacked;
    int64_t expires;                            //  monotonic
    bool fetched;                               //  the directory was asked for
} s_wanted_t;

//  One recipient's copy, as judged: its fields of the types it declares
typedef struct {
    char to [ENVELOPE_DEPT_MAX + 1];
    msgpack_sbuffer typed;
} s_copy_to_t;

//  A caller waiting for new copies
typedef struct {
    zmsg_t *reply_to;
    int64_t expires;
} s_waiter_t;

struct _noticeops_t {
    startup_t *parts;               //  all borrowed
    noticing_t *noticing;
    notices_t *store;
    catalogs_t *catalogs;
    regclient_t *registry;
    zlistx_t *wanted;               //  s_wanted_t, for the directory
    zlistx_t *waiters;              //  s_waiter_t
    bool republish;                 //  the subscriptions changed
};

static void
s_wanted_destroy (s_wanted_t **wanted_p)
{
    if (*wanted_p) {
        s_wanted_t *wanted = *wanted_p;
        zmsg_destroy (&wanted->reply_to);
        free (wanted->text);
        msgpack_unpacked_destroy (&wanted->unpacked);
        msgpack_sbuffer_destroy (&wanted->values);
        free (wanted);
        *wanted_p = NULL;
    }
}

static void
s_copy_to_destroy (s_copy_to_t **copy_p)
{
    if (*copy_p) {
        msgpack_sbuffer_destroy (&(*copy_p)->typed);
        free (*copy_p);
        *copy_p = NULL;
    }
}

static void
s_waiter_destroy (s_waiter_t **waiter_p)
{
    if (*waiter_p) {
        zmsg_destroy (&(*waiter_p)->reply_to);
        free (*waiter_p);
        *waiter_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Replies

static void
s_refuse (noticeops_t *self, zmsg_t *reply_to, int status, const char *reason,
          const char *field)
{
    localapi_reply_t reply = { .status = (uint32_t) status };
    LOCALOPS_COPY (reply.reason, reason);
    LOCALOPS_COPY (reply.field, field);
    localops_reply (self->parts->local, reply_to, &reply);
}

//  A reply of the rows packed in `rows` (one array); now, or once the
//  batch is durable
static void
s_reply_rows (noticeops_t *self, zmsg_t *reply_to, int status, const char *reason,
              const char *msgid, msgpack_sbuffer *rows, bool later)
{
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    codec_unpack ((uint8_t *) rows->data, rows->size, &unpacked);
    localapi_reply_t reply = {
        .status = (uint32_t) status, .served_at = (uint64_t) zclock_time (),
        .rows = unpacked.data.type == MSGPACK_OBJECT_ARRAY? &unpacked.data: NULL
    };
    LOCALOPS_COPY (reply.reason, reason);
    LOCALOPS_COPY (reply.from, self->parts->id);
    LOCALOPS_COPY (reply.msgid, msgid);
    zmsg_t *msg = localops_reply_msg (reply_to, &reply);
    if (later)
        noticing_reply_later (self->noticing, &msg, reply_to);
    else
        localops_send (self->parts->local, &msg);
    msgpack_unpacked_destroy (&unpacked);
}

//  The rows of several listings as one array: each of `count` buffers
//  holds an array
static void
s_merge (msgpack_sbuffer *parts, size_t count, msgpack_sbuffer *rows)
{
    msgpack_unpacked unpacked [4];
    size_t total = 0;
    assert (count <= 4);
    for (size_t index = 0; index < count; index++) {
        msgpack_unpacked_init (&unpacked [index]);
        if (codec_unpack ((uint8_t *) parts [index].data, parts [index].size,
                          &unpacked [index]) == STATUS_OK)
            total += unpacked [index].data.via.array.size;
    }
    msgpack_packer pk;
    msgpack_packer_init (&pk, rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, total);
    for (size_t index = 0; index < count; index++) {
        const msgpack_object *array = &unpacked [index].data;
        for (uint32_t row = 0; array->type == MSGPACK_OBJECT_ARRAY
                               && row < array->via.array.size; row++)
            msgpack_pack_object (&pk, array->via.array.ptr [row]);
        msgpack_unpacked_destroy (&unpacked [index]);
    }
}

//  The type an operation is about: its name's first word
static int
s_type (const localapi_request_t *request)
{
    return strncmp (request->op, "alert-", 6) == 0? MSG_ALERT: MSG_NOTICE;
}

//  The notice id of a request: 32 hex digits in `id`; 0 or -1
static int
s_notice_id (const localapi_request_t *request, uint8_t *id)
{
    size_t size = 0;
    return strlen (request->id) == NOTICEID_BYTES * 2
        && sodium_hex2bin (id, NOTICEID_BYTES, request->id, strlen (request->id), NULL,
                           &size, NULL) == 0 && size == NOTICEID_BYTES? 0: -1;
}


//  --------------------------------------------------------------------------
//  Sending: judged on the recipients' published catalogs

//  The published catalog of `department` held now (borrowed: the
//  catalogs keep it decoded); NULL if none is held
static catalog_pub_t *
s_published (noticeops_t *self, const char *department)
{
    return catalogs_get (self->catalogs, department);
}

//  Judges a notice for each recipient into `copies` (s_copy_to_t).
//  STATUS_OK; or a refusal, in reason and field; or -1 if a recipient's
//  catalog may yet change the verdict (not held, or it does not fit) and
//  this is not the `final` judgement
static int
s_judge_notice (noticeops_t *self, s_wanted_t *wanted, bool final, zlistx_t *copies,
                char *reason, char *field)
{
    const char *cursor = wanted->recipients, *name;
    size_t length;
    int status = STATUS_OK;
    while (status == STATUS_OK && names_next (&cursor, &name, &length)) {
        s_copy_to_t *copy = (s_copy_to_t *) zmalloc (sizeof (s_copy_to_t));
        msgpack_sbuffer_init (&copy->typed);
        snprintf (copy->to, sizeof (copy->to), "%.*s", (int) length, name);
        zlistx_add_end (copies, copy);
        catalog_pub_t *published = s_published (self, copy->to);
        const catalog_pub_notice_t *kind = published?
            catalog_pub_notice_find (published, wanted->subject): NULL;
        noticekind_input_t input = { copy->to, wanted->key_type, wanted->key,
                                     &wanted->unpacked.data, wanted->text, true };
        noticekind_verdict_t verdict;
        msgpack_packer pk;
        msgpack_packer_init (&pk, &copy->typed, msgpack_sbuffer_write);
        status = noticekind_check (kind, wanted->subject, &input, &pk, &verdict);
        if (status == STATUS_UNKNOWN_KIND && !published
        &&  !links_registered (self->parts->links)) {
            status = STATUS_NOT_REGISTERED;
            snprintf (verdict.reason, sizeof (verdict.reason), "no catalog of %s is held "
                      "here, and no broker is registered to fetch it", copy->to);
        }
        else
        if (status == STATUS_UNKNOWN_KIND && !published)
            snprintf (verdict.reason, sizeof (verdict.reason), "no catalog of %s is "
                      "published: it accepts no notices", copy->to);
        if (status != STATUS_OK && !final)
            return -1;
        snprintf (reason, NOTICE_REASON_MAX + 1, "%s", verdict.reason);
        snprintf (field, NOTICE_NAME_MAX + 1, "%s", verdict.field);
        if (status == STATUS_OK)
            snprintf (wanted->key, sizeof (wanted->key), "%s", verdict.key);
    }
    return status;
}

//  Stores one copy of `type` to `to` with `payload` and its record; the
//  copy goes after the commit. 0, or -1
static int
s_store_copy (noticeops_t *self, s_wanted_t *wanted, int type, const uint8_t *notice,
              const char *to, const msgpack_sbuffer *payload, const msgpack_sbuffer *typed,
              const char *names)
{
    uint8_t copy [NOTICEID_BYTES], digest [32];
    noticeid_copy (notice, to, copy);
    int status;
    zmsg_t *frames = noticing_seal (self->noticing, type, to, copy, payload, digest, &status);
    if (!frames)
        return -1;
    bool alert = type == MSG_ALERT;
    int64_t now = zclock_time ();
    notices_copy_t stored = {
        .copy = copy, .notice = notice, .type = type, .peer = to, .subject = wanted->subject,
        .key_type = wanted->key_type, .key = wanted->key,
        .fields = typed? (uint8_t *) typed->data: NULL, .fields_size = typed? typed->size: 0,
        .basis = alert? "": wanted->text, .deadline_ms = (int64_t) wanted->deadline_ms,
        .severity = wanted->severity, .text = alert? wanted->text: "",
        .officer = wanted->officer, .caller = wanted->caller, .time_ms = now
    };
    char msgid [ENVELOPE_ID_BYTES * 2 + 1], key [NOTICE_KEY_MAX + 1];
    envelope_id_hex (copy, msgid);
    noticing_key_shown (wanted->key_type, wanted->key, key);
    audit_record_t record = {
        .msg_time_ms = now, .direction = alert? "alert-out": "notice-out", .msgid = msgid,
        .peer = to, .caller = wanted->caller, .officer = wanted->officer,
        .purpose = alert? wanted->severity: wanted->text, .item = wanted->subject,
        .key = key, .fields = names, .decision = "sent", .agreement = "",
        .request_digest = digest
    };
    int rc = noticing_begin (self->noticing)
          || notices_put_copy (self->store, &stored, frames,
                               now + noticing_backoff (1, false))
          || noticing_record (self->noticing, &record)? -1: 0;
    if (rc)
        noticing_failed (self->noticing);
    else
        noticing_send_later (self->noticing, &frames);
    zmsg_destroy (&frames);
    return rc;
}

//  The names of a packed map's keys, comma-separated, into names
static void
s_names (const msgpack_object *map, char *names, size_t size)
{
    *names = 0;
    for (uint32_t index = 0; map && index < map->via.map.size; index++) {
        const msgpack_object_str *key = &map->via.map.ptr [index].key.via.str;
        size_t used = strlen (names);
        snprintf (names + used, size - used, "%s%.*s", index? ",": "", (int) key->size,
                  key->ptr);
    }
}

//  The copies of an accepted notice: stored, recorded, replied to once
//  durable with the notice id and each copy
static void
s_accept_notice (noticeops_t *self, s_wanted_t *wanted, zlistx_t *copies)
{
    uint8_t notice [NOTICEID_BYTES];
    randombytes_buf (notice, sizeof (notice));
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, zlistx_size (copies));
    int rc = 0;
    for (s_copy_to_t *copy = (s_copy_to_t *) zlistx_first (copies); copy && rc == 0;
         copy = (s_copy_to_t *) zlistx_next (copies)) {
        msgpack_unpacked typed;
        msgpack_unpacked_init (&typed);
        codec_unpack ((uint8_t *) copy->typed.data, copy->typed.size, &typed);
        notice_msg_t payload = { .deadline = wanted->deadline_ms, .fields = &typed.data };
        memcpy (payload.notice, notice, NOTICEID_BYTES);
        snprintf (payload.kind, sizeof (payload.kind), "%s", wanted->subject);
        snprintf (payload.key_type, sizeof (payload.key_type), "%s", wanted->key_type);
        snprintf (payload.key, sizeof (payload.key), "%s", wanted->key);
        snprintf (payload.basis, sizeof (payload.basis), "%s", wanted->text? wanted->text: "");
        snprintf (payload.officer, sizeof (payload.officer), "%s", wanted->officer);
        snprintf (payload.recipients, sizeof (payload.recipients), "%s", wanted->recipients);
        msgpack_sbuffer encoded;
        msgpack_sbuffer_init (&encoded);
        char names [1024];
        s_names (&typed.data, names, sizeof (names));
        rc = notice_msg_encode (&payload, &encoded)
          || s_store_copy (self, wanted, MSG_NOTICE, notice, copy->to, &encoded,
                           &copy->typed, names);
        msgpack_sbuffer_destroy (&encoded);
        msgpack_unpacked_destroy (&typed);
        uint8_t copy_id [NOTICEID_BYTES];
        char copy_hex [ENVELOPE_ID_BYTES * 2 + 1];
        noticeid_copy (notice, copy->to, copy_id);
        envelope_id_hex (copy_id, copy_hex);
        msgpack_pack_map (&pk, 2);
        codec_pack_kv_str (&pk, "to", copy->to);
        codec_pack_kv_str (&pk, "copy", copy_hex);
    }
    char msgid [ENVELOPE_ID_BYTES * 2 + 1], reason [96];
    envelope_id_hex (notice, msgid);
    snprintf (reason, sizeof (reason), "sent to %zu department%s; each copy is sent again "
              "until its receipt comes", zlistx_size (copies),
              zlistx_size (copies) == 1? "": "s");
    if (rc)
        s_refuse (self, wanted->reply_to, STATUS_INTERNAL, "the notice cannot be stored",
                  NULL);
    else
        s_reply_rows (self, wanted->reply_to, STATUS_OK, reason, msgid, &rows, true);
    msgpack_sbuffer_destroy (&rows);
}

//  The subscribers to the alert's topic, by the catalogs held, into copies
static void
s_subscribers (noticeops_t *self, s_wanted_t *wanted, zlistx_t *copies)
{
    zlist_t *departments = catalogs_departments (self->catalogs);
    for (char *department = (char *) zlist_first (departments); department;
         department = (char *) zlist_next (departments)) {
        catalog_pub_t *published = s_published (self, department);
        int status;
        if (published && catalog_pub_subscribes (published, wanted->subject)
        &&  !streq (department, self->parts->id)
        &&  peers_key (self->parts->peers, department, zclock_time () / 1000, NULL,
                       &status)) {
            s_copy_to_t *copy = (s_copy_to_t *) zmalloc (sizeof (s_copy_to_t));
            msgpack_sbuffer_init (&copy->typed);
            snprintf (copy->to, sizeof (copy->to), "%s", department);
            zlistx_add_end (copies, copy);
        }
    }
    zlist_destroy (&departments);
}

static void
s_accept_alert (noticeops_t *self, s_wanted_t *wanted)
{
    zlistx_t *copies = noticing_list ((zlistx_destructor_fn *) s_copy_to_destroy);
    s_subscribers (self, wanted, copies);
    if (zlistx_size (copies) == 0) {
        char reason [128];
        snprintf (reason, sizeof (reason), "no department subscribes to topic '%s'",
                  wanted->subject);
        s_refuse (self, wanted->reply_to, STATUS_NOT_FOUND, reason, NULL);
        zlistx_destroy (&copies);
        return;
    }
    uint8_t alert [NOTICEID_BYTES];
    randombytes_buf (alert, sizeof (alert));
    notice_alert_t payload;
    memset (&payload, 0, sizeof (payload));
    memcpy (payload.alert, alert, NOTICEID_BYTES);
    snprintf (payload.topic, sizeof (payload.topic), "%.32s", wanted->subject);
    snprintf (payload.severity, sizeof (payload.severity), "%s", wanted->severity);
    snprintf (payload.key_type, sizeof (payload.key_type), "%s", wanted->key_type);
    snprintf (payload.key, sizeof (payload.key), "%s", wanted->key);
    snprintf (payload.text, sizeof (payload.text), "%s", wanted->text);
    snprintf (payload.officer, sizeof (payload.officer), "%s", wanted->officer);
    msgpack_sbuffer encoded, rows;
    msgpack_sbuffer_init (&encoded);
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, zlistx_size (copies));
    int rc = notice_alert_encode (&payload, &encoded);
    for (s_copy_to_t *copy = (s_copy_to_t *) zlistx_first (copies); copy && rc == 0;
         copy = (s_copy_to_t *) zlistx_next (copies)) {
        rc = s_store_copy (self, wanted, MSG_ALERT, alert, copy->to, &encoded, NULL, "");
        msgpack_pack_map (&pk, 1);
        codec_pack_kv_str (&pk, "to", copy->to);
    }
    char msgid [ENVELOPE_ID_BYTES * 2 + 1], reason [96];
    envelope_id_hex (alert, msgid);
    snprintf (reason, sizeof (reason), "raised to %zu subscriber%s", zlistx_size (copies),
              zlistx_size (copies) == 1? "": "s");
    if (rc)
        s_refuse (self, wanted->reply_to, STATUS_INTERNAL, "the alert cannot be stored",
                  NULL);
    else
        s_reply_rows (self, wanted->reply_to, STATUS_OK, reason, msgid, &rows, true);
    msgpack_sbuffer_destroy (&rows);
    msgpack_sbuffer_destroy (&encoded);
    zlistx_destroy (&copies);
}

//  Decides a send or an alert if it can be now (or `final`ly); true if it
//  is decided (replied to)
static bool
s_decide (noticeops_t *self, s_wanted_t *wanted, bool final)
{
    if (wanted->alert) {
        //  On a directory fetched for it: subscriptions change
        if (!final)
            return false;
        s_accept_alert (self, wanted);
        return true;
    }
    zlistx_t *copies = noticing_list ((zlistx_destructor_fn *) s_copy_to_destroy);
    char reason [NOTICE_REASON_MAX + 1] = "", field [NOTICE_NAME_MAX + 1] = "";
    int status = s_judge_notice (self, wanted, final, copies, reason, field);
    if (status == STATUS_OK)
        s_accept_notice (self, wanted, copies);
    else
    if (status > 0)
        s_refuse (self, wanted->reply_to, status, reason, field);
    zlistx_destroy (&copies);
    return status >= 0;
}

//  Decided now, or once the directory comes (asked for here)
static void
s_decide_or_wait (noticeops_t *self, s_wanted_t *wanted)
{
    if (s_decide (self, wanted, false)) {
        s_wanted_destroy (&wanted);
        return;
    }
    if (regclient_fetch_catalogs (self->registry) == 0) {
        wanted->fetched = true;
        wanted->expires = zclock_mono () + self->parts->timeout_ms;
        zlistx_add_end (self->wanted, wanted);
    }
    else {
        s_decide (self, wanted, true);
        s_wanted_destroy (&wanted);
    }
}

//  The terms of a send or an alert, checked before any catalog is
//  looked at; NULL if refused (replied)
static s_wanted_t *
s_wanted_new (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request,
              bool alert)
{
    s_wanted_t *wanted = (s_wanted_t *) zmalloc (sizeof (s_wanted_t));
    wanted->reply_to = zmsg_dup (reply_to);
    wanted->alert = alert;
    msgpack_sbuffer_init (&wanted->values);
    msgpack_unpacked_init (&wanted->unpacked);
    snprintf (wanted->caller, sizeof (wanted->caller), "%s", request->caller);
    snprintf (wanted->subject, sizeof (wanted->subject), "%s",
              alert? request->topic: request->kind);
    snprintf (wanted->key_type, sizeof (wanted->key_type), "%s", request->key_type);
    snprintf (wanted->key, sizeof (wanted->key), "%s", request->query.key);
    snprintf (wanted->severity, sizeof (wanted->severity), "%s", request->severity);
    snprintf (wanted->officer, sizeof (wanted->officer), "%s", request->query.officer);
    wanted->text = strdup (request->text? request->text: "");
    wanted->deadline_ms = request->deadline_ms;
    msgpack_packer pk;
    msgpack_packer_init (&pk, &wanted->values, msgpack_sbuffer_write);
    if (request->values)
        msgpack_pack_object (&pk, *request->values);
    else
        msgpack_pack_map (&pk, 0);
    codec_unpack ((uint8_t *) wanted->values.data, wanted->values.size, &wanted->unpacked);
    return wanted;
}

//  The recipients of a notice: 1..S_RECIPIENTS_MAX department ids, each
//  once, into wanted->recipients; 0, or the refusal's code with reason
static int
s_recipients (noticeops_t *self, s_wanted_t *wanted, const char *list, char *reason)
{
    const char *cursor = list, *name;
    size_t length, count = 0;
    char seen [S_RECIPIENTS_MAX][ENVELOPE_DEPT_MAX + 1];
    while (names_next (&cursor, &name, &length)) {
        char department [ENVELOPE_DEPT_MAX + 1];
        snprintf (department, sizeof (department), "%.*s", (int) length, name);
        int status = STATUS_OK;
        if (length > ENVELOPE_DEPT_MAX
        ||  !ident_validate (IDENT_DEPARTMENT, department, NULL, 0, NULL))
            status = STATUS_UNKNOWN_DEPARTMENT;
        else
        if (!peers_key (self->parts->peers, department, zclock_time () / 1000, NULL,
                        &status))
            //  Not known before a broker's whole directory is held (after a
            //  start): not yet registered, rather than no such department
            status = status != STATUS_CERT_UNKNOWN? status:
                     links_directory_held (self->parts->links)? STATUS_UNKNOWN_DEPARTMENT:
                                                                STATUS_NOT_REGISTERED;
        if (status != STATUS_OK) {
            snprintf (reason, NOTICE_REASON_MAX + 1, "'%.32s': %s", department,
                      status_text (status));
            return status;
        }
        bool again = false;
        for (size_t index = 0; index < count; index++)
            again |= streq (seen [index], department);
        if (again)
            continue;
        if (count == S_RECIPIENTS_MAX) {
            snprintf (reason, NOTICE_REASON_MAX + 1, "a notice goes to at most %d "
                      "departments", S_RECIPIENTS_MAX);
            return STATUS_MALFORMED;
        }
        strcpy (seen [count], department);
        size_t used = strlen (wanted->recipients);
        snprintf (wanted->recipients + used, sizeof (wanted->recipients) - used, "%s%s",
                  count? ",": "", department);
        count++;
    }
    if (count == 0) {
        snprintf (reason, NOTICE_REASON_MAX + 1, "a notice names its recipients");
        return STATUS_MALFORMED;
    }
    return STATUS_OK;
}

void
noticeops_send (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    s_wanted_t *wanted = s_wanted_new (self, reply_to, request, false);
    char reason [NOTICE_REASON_MAX + 1] = "";
    int status = s_recipients (self, wanted, request->recipients, reason);
    if (status == STATUS_OK && (!*wanted->subject || !*wanted->key_type || !*wanted->key)) {
        status = STATUS_MALFORMED;
        snprintf (reason, sizeof (reason), "a notice names its kind, its key type and key");
    }
    if (status == STATUS_OK && wanted->deadline_ms
    &&  wanted->deadline_ms <= (uint64_t) zclock_time ()) {
        status = STATUS_MALFORMED;
        snprintf (reason, sizeof (reason), "its deadline has passed already");
    }
    if (status == STATUS_OK && wanted->unpacked.data.via.map.size > NOTICE_FIELDS_MAX) {
        status = STATUS_MALFORMED;
        snprintf (reason, sizeof (reason), "a notice has at most %d fields",
                  NOTICE_FIELDS_MAX);
    }
    if (status != STATUS_OK) {
        s_refuse (self, reply_to, status, reason, NULL);
        s_wanted_destroy (&wanted);
    }
    else
        s_decide_or_wait (self, wanted);
}

void
noticeops_raise (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    const char *why = NULL;
    char canonical [IDENT_MAX + 1] = "";
    if (!topics_valid (request->topic))
        s_refuse (self, reply_to, STATUS_UNKNOWN_TOPIC, "not a topic of the published "
                  "list (sluice alert topics)", NULL);
    else
    if (!topics_severity_valid (request->severity))
        s_refuse (self, reply_to, STATUS_MALFORMED, "the severity is one of blue, yellow, "
                  "orange, red", NULL);
    else
    if (!request->text || !*request->text || strlen (request->text) > NOTICE_TEXT_MAX)
        s_refuse (self, reply_to, STATUS_MALFORMED, "an alert says what was found, in "
                  "at most 4096 bytes", NULL);
    else
    if ((*request->query.key || *request->key_type)
    &&  !ident_validate (ident_type_from_name (request->key_type), request->query.key,
                         canonical, 0, &why))
        s_refuse (self, reply_to, STATUS_INVALID_KEY, why? why: "not a valid key", NULL);
    else {
        s_wanted_t *wanted = s_wanted_new (self, reply_to, request, true);
        snprintf (wanted->key, sizeof (wanted->key), "%s", canonical);
        s_decide_or_wait (self, wanted);
    }
}

void
noticeops_catalogs (noticeops_t *self, bool listed)
{
    assert (self);
    s_wanted_t *wanted;
    while ((wanted = (s_wanted_t *) zlistx_detach (self->wanted, NULL))) {
        s_decide (self, wanted, true);
        s_wanted_destroy (&wanted);
    }
}


//  --------------------------------------------------------------------------
//  What the store holds

//  The rows of the listings of `filters` (count of them), merged
static void
s_list_rows (noticeops_t *self, notices_filter_t *filters, size_t count,
             msgpack_sbuffer *rows)
{
    msgpack_sbuffer parts [4];
    for (size_t index = 0; index < count; index++) {
        msgpack_sbuffer_init (&parts [index]);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &parts [index], msgpack_sbuffer_write);
        notices_pack (self->store, &filters [index], &pk);
    }
    s_merge (parts, count, rows);
    for (size_t index = 0; index < count; index++)
        msgpack_sbuffer_destroy (&parts [index]);
}

void
noticeops_list (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    if (*request->filter && !streq (request->filter, "sent")
    &&  !streq (request->filter, "received")) {
        s_refuse (self, reply_to, STATUS_MALFORMED, "a listing is of what was sent or "
                  "received", NULL);
        return;
    }
    notices_filter_t filters [2];
    size_t count = 0;
    for (int sent = 1; sent >= 0; sent--)
        if (!*request->filter || streq (request->filter, sent? "sent": "received"))
            filters [count++] = (notices_filter_t) {
                .sent = sent, .type = s_type (request), .pending = request->pending,
                .overdue = request->overdue, .max = (size_t) request->max,
                .now_ms = zclock_time ()
            };
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    s_list_rows (self, filters, count, &rows);
    s_reply_rows (self, reply_to, STATUS_OK, s_type (request) == MSG_ALERT? "alerts":
                  "notices", NULL, &rows, false);
    msgpack_sbuffer_destroy (&rows);
}

void
noticeops_show (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    uint8_t notice [NOTICEID_BYTES];
    if (s_notice_id (request, notice)) {
        s_refuse (self, reply_to, STATUS_MALFORMED, "a notice id is 32 hex digits", NULL);
        return;
    }
    notices_filter_t filters [4];
    for (int index = 0; index < 4; index++)
        filters [index] = (notices_filter_t) {
            .sent = index < 2, .type = index % 2? MSG_ALERT: MSG_NOTICE, .notice = notice,
            .now_ms = zclock_time ()
        };
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    s_list_rows (self, filters, 4, &rows);
    msgpack_unpacked unpacked;
    msgpack_unpacked_init (&unpacked);
    bool found = codec_unpack ((uint8_t *) rows.data, rows.size, &unpacked) == STATUS_OK
              && unpacked.data.via.array.size > 0;
    msgpack_unpacked_destroy (&unpacked);
    if (found)
        s_reply_rows (self, reply_to, STATUS_OK, "its copies, each with its state",
                      request->id, &rows, false);
    else
        s_refuse (self, reply_to, STATUS_NOT_FOUND, "no such notice or alert here", NULL);
    msgpack_sbuffer_destroy (&rows);
}

void
noticeops_stats (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    notices_pack_stats (self->store, s_type (request), &pk);
    s_reply_rows (self, reply_to, STATUS_OK, "receipt rates, per recipient and per kind",
                  NULL, &rows, false);
    msgpack_sbuffer_destroy (&rows);
}


//  --------------------------------------------------------------------------
//  The recipient's steps

//  A receipt of ours, and the step's record: `decision` in the record
static int
s_step (noticeops_t *self, const notices_held_t *held, const notice_receipt_t *receipt,
        const char *caller, const char *decision)
{
    uint8_t digest [32];
    char msgid [ENVELOPE_ID_BYTES * 2 + 1], key [NOTICE_KEY_MAX + 1];
    envelope_id_hex (held->copy, msgid);
    noticing_key_shown (held->key_type, held->key, key);
    //  A receipt that cannot be sealed now (its sender's certificate is no
    //  longer valid) is not sent; the step is still recorded
    bool sealed = noticing_receipt (self->noticing, held->peer, receipt, digest) == 0;
    audit_record_t record = {
        .msg_time_ms = (int64_t) receipt->at,
        .direction = held->type == MSG_ALERT? "alert-in": "notice-in", .msgid = msgid,
        .peer = held->peer, .caller = caller, .officer = receipt->officer,
        .purpose = "", .item = held->subject, .key = key, .fields = "",
        .decision = decision, .agreement = "", .response_digest = sealed? digest: NULL
    };
    return noticing_record (self->noticing, &record);
}

void
noticeops_take (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    zlistx_t *taken = noticing_list ((zlistx_destructor_fn *) zstr_free);
    int type = s_type (request);
    int64_t now = zclock_time ();
    size_t max = request->max? (size_t) request->max: S_TAKE_DEFAULT;
    if (noticing_begin (self->noticing)
    ||  notices_take_new (self->store, type, max, now, taken))
        noticing_failed (self->noticing);
    size_t count = 0;
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, zlistx_size (taken));
    for (notices_held_t *held = (notices_held_t *) zlistx_first (taken); held;
         held = (notices_held_t *) zlistx_next (taken)) {
        notice_receipt_t receipt = { .state = "received", .at = (uint64_t) now };
        memcpy (receipt.copy, held->copy, NOTICEID_BYTES);
        s_step (self, held, &receipt, request->caller, "received");
        //  Its row, as a listing gives it (the inbox holds one copy of it)
        notices_filter_t filter = { .type = type, .notice = held->notice, .now_ms = now };
        msgpack_sbuffer one;
        msgpack_sbuffer_init (&one);
        s_list_rows (self, &filter, 1, &one);
        msgpack_unpacked unpacked;
        msgpack_unpacked_init (&unpacked);
        if (codec_unpack ((uint8_t *) one.data, one.size, &unpacked) == STATUS_OK
        &&  unpacked.data.via.array.size == 1)
            msgpack_pack_object (&pk, unpacked.data.via.array.ptr [0]);
        else
            msgpack_pack_nil (&pk);
        msgpack_unpacked_destroy (&unpacked);
        msgpack_sbuffer_destroy (&one);
        count++;
    }
    char reason [64];
    snprintf (reason, sizeof (reason), "%zu taken", count);
    s_reply_rows (self, reply_to, STATUS_OK, reason, NULL, &rows, true);
    msgpack_sbuffer_destroy (&rows);
    zlistx_destroy (&taken);
}

void
noticeops_feedback (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    uint8_t notice [NOTICEID_BYTES];
    if (s_notice_id (request, notice)) {
        s_refuse (self, reply_to, STATUS_MALFORMED, "a notice id is 32 hex digits", NULL);
        return;
    }
    if (!names_valid (request->result)) {
        s_refuse (self, reply_to, STATUS_MALFORMED, "a result is a name: 1..64 "
                  "characters of a-z 0-9 _ . - (e.g. licence-issued)", NULL);
        return;
    }
    const char *reason = request->text? request->text: "";
    if (strlen (reason) > NOTICE_REASON_MAX) {
        s_refuse (self, reply_to, STATUS_TOO_LARGE, "a reason has at most 512 bytes", NULL);
        return;
    }
    notices_held_t held;
    int64_t now = zclock_time ();
    int status = noticing_begin (self->noticing)? STATUS_INTERNAL:
                 notices_feedback (self->store, notice, request->result, reason,
                                   request->query.officer, now, &held);
    if (status != STATUS_OK) {
        s_refuse (self, reply_to, status, status == STATUS_NOT_FOUND?
                  "no such notice was received here": NULL, NULL);
        if (status == STATUS_INTERNAL)
            noticing_failed (self->noticing);
        return;
    }
    notice_receipt_t receipt = { .state = "handled", .at = (uint64_t) now };
    memcpy (receipt.copy, held.copy, NOTICEID_BYTES);
    snprintf (receipt.result, sizeof (receipt.result), "%s", request->result);
    snprintf (receipt.reason, sizeof (receipt.reason), "%s", reason);
    snprintf (receipt.officer, sizeof (receipt.officer), "%s", request->query.officer);
    char decision [NOTICE_REASON_MAX + NOTICE_NAME_MAX + 16];
    snprintf (decision, sizeof (decision), "handled: %s (%s)", request->result, reason);
    s_step (self, &held, &receipt, request->caller, decision);
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 0);
    s_reply_rows (self, reply_to, STATUS_OK, "handled; the receipt goes to the sender",
                  request->id, &rows, true);
    msgpack_sbuffer_destroy (&rows);
}


//  --------------------------------------------------------------------------
//  Waiting for what arrives

//  Replies to a waiter with what is new: OK and the counts, or TIMEOUT
static void
s_wake (noticeops_t *self, zmsg_t *reply_to, bool timed_out)
{
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    msgpack_pack_array (&pk, 1);
    msgpack_pack_map (&pk, 2);
    codec_pack_kv_uint (&pk, "notices", (uint64_t) notices_untaken (self->store, MSG_NOTICE));
    codec_pack_kv_uint (&pk, "alerts", (uint64_t) notices_untaken (self->store, MSG_ALERT));
    s_reply_rows (self, reply_to, timed_out? STATUS_TIMEOUT: STATUS_OK,
                  timed_out? "nothing new within the time": "new notices or alerts to take",
                  NULL, &rows, false);
    msgpack_sbuffer_destroy (&rows);
}

void
noticeops_wait (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    if (notices_untaken (self->store, MSG_NOTICE) > 0
    ||  notices_untaken (self->store, MSG_ALERT) > 0) {
        s_wake (self, reply_to, false);
        return;
    }
    s_waiter_t *waiter = (s_waiter_t *) zmalloc (sizeof (s_waiter_t));
    waiter->reply_to = zmsg_dup (reply_to);
    waiter->expires = zclock_mono () + (request->timeout_ms? (int64_t) request->timeout_ms:
                                        S_WAIT_DEFAULT_MS);
    zlistx_add_end (self->waiters, waiter);
}

void
noticeops_subscribe (noticeops_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    if (!topics_valid (request->topic)) {
        s_refuse (self, reply_to, STATUS_UNKNOWN_TOPIC, "not a topic of the published list",
                  NULL);
        return;
    }
    int changed = noticing_begin (self->noticing)? -1:
                  notices_subscribe (self->store, request->topic, !request->remove);
    if (changed < 0) {
        noticing_failed (self->noticing);
        s_refuse (self, reply_to, STATUS_INTERNAL, "the subscription cannot be stored", NULL);
        return;
    }
    self->republish |= changed > 0;
    SLUICE_INFO (self->parts->level, "gateway: %s topic %s", request->remove?
                 "no longer subscribed to": "subscribed to", request->topic);
    msgpack_sbuffer rows;
    msgpack_sbuffer_init (&rows);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
    zlist_t *topics = notices_topics (self->store);
    msgpack_pack_array (&pk, zlist_size (topics));
    for (char *topic = (char *) zlist_first (topics); topic;
         topic = (char *) zlist_next (topics)) {
        msgpack_pack_map (&pk, 1);
        codec_pack_kv_str (&pk, "topic", topic);
    }
    zlist_destroy (&topics);
    s_reply_rows (self, reply_to, STATUS_OK, request->remove? "unsubscribed; the catalog "
                  "says so": "subscribed; the catalog says so", NULL, &rows, true);
    msgpack_sbuffer_destroy (&rows);
}

//  After each commit: waiters hear of what arrived; changed subscriptions
//  are published
static void
s_released (void *argument, bool arrived)
{
    noticeops_t *self = (noticeops_t *) argument;
    s_waiter_t *waiter;
    while (arrived && (waiter = (s_waiter_t *) zlistx_detach (self->waiters, NULL))) {
        s_wake (self, waiter->reply_to, false);
        s_waiter_destroy (&waiter);
    }
    if (self->republish) {
        self->republish = false;
        regclient_publish (self->registry, NULL);
    }
}

void
noticeops_expire (noticeops_t *self)
{
    assert (self);
    int64_t now = zclock_mono ();
    zlistx_t *waiting = noticing_list ((zlistx_destructor_fn *) s_waiter_destroy);
    s_waiter_t *waiter;
    while ((waiter = (s_waiter_t *) zlistx_detach (self->waiters, NULL))) {
        if (now >= waiter->expires) {
            s_wake (self, waiter->reply_to, true);
            s_waiter_destroy (&waiter);
        }
        else
            zlistx_add_end (waiting, waiter);
    }
    zlistx_destroy (&self->waiters);
    self->waiters = waiting;
    zlistx_t *wanting = noticing_list ((zlistx_destructor_fn *) s_wanted_destroy);
    s_wanted_t *wanted;
    while ((wanted = (s_wanted_t *) zlistx_detach (self->wanted, NULL))) {
        if (now >= wanted->expires) {
            s_decide (self, wanted, true);
            s_wanted_destroy (&wanted);
        }
        else
            zlistx_add_end (wanting, wanted);
    }
    zlistx_destroy (&self->wanted);
    self->wanted = wanting;
}

noticeops_t *
noticeops_new (startup_t *parts, noticing_t *noticing, catalogs_t *catalogs,
               regclient_t *registry)
{
    assert (parts && noticing && catalogs && registry);
    noticeops_t *self = (noticeops_t *) zmalloc (sizeof (noticeops_t));
    assert (self);
    self->parts = parts;
    self->noticing = noticing;
    self->store = noticing_store (noticing);
    self->catalogs = catalogs;
    self->registry = registry;
    self->wanted = noticing_list ((zlistx_destructor_fn *) s_wanted_destroy);
    self->waiters = noticing_list ((zlistx_destructor_fn *) s_waiter_destroy);
    noticing_on_release (noticing, s_released, self);
    return self;
}

void
noticeops_destroy (noticeops_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        noticeops_t *self = *self_p;
        noticing_on_release (self->noticing, NULL, NULL);
        zlistx_destroy (&self->wanted);
        zlistx_destroy (&self->waiters);
        free (self);
        *self_p = NULL;
    }
}

void
noticeops_test (bool verbose)
{
    if (verbose)
        printf (" * noticeops: ");
    //  Through the real daemons: tests/features/notices.sh and alerts.sh
    if (verbose)
        printf ("OK\n");
}
