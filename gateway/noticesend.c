/*  noticesend.c -- notice-send and alert-raise, judged on the recipients'
    published catalogs; see noticesend.h.  */

#include "noticesend.h"
#include "localops.h"
#include "noticekind.h"
#include "codec.h"
#include "names.h"
#include "status.h"
#include "topics.h"
#include "noticeref.h"
#include <sodium.h>

#define S_RECIPIENTS_MAX    32          //  departments one notice goes to

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
    bool unlisted;                              //  and did not come whole
    char ref [LOCALAPI_REF_MAX + 1];            //  the sender's own; "" none
    uint8_t terms [NOTICEREF_TERMS_BYTES];      //  the digest of the request
} s_wanted_t;

//  One recipient's copy, as judged: its fields of the types it declares
typedef struct {
    char to [ENVELOPE_DEPT_MAX + 1];
    msgpack_sbuffer typed;
} s_copy_to_t;

struct _noticesend_t {
    startup_t *parts;               //  all borrowed
    noticing_t *noticing;
    notices_t *store;
    catalogs_t *catalogs;
    regclient_t *registry;
    zlistx_t *wanted;               //  s_wanted_t, for the directory
    int64_t per_recipient;          //  gateway/outbox-per-recipient
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

//  The published catalog of `department` held now (borrowed: the
//  catalogs keep it decoded); NULL if none is held
static catalog_pub_t *
s_published (noticesend_t *self, const char *department)
{
    return catalogs_get (self->catalogs, department);
}

//  Judges a notice for each recipient into `copies` (s_copy_to_t).
//  STATUS_OK; or a refusal, in reason and field; or -1 if a recipient's
//  catalog may yet change the verdict (not held, or it does not fit) and
//  this is not the `final` judgement
static int
s_judge_notice (noticesend_t *self, s_wanted_t *wanted, bool final, zlistx_t *copies,
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
        &&  (wanted->unlisted || !links_registered (self->parts->links))) {
            status = STATUS_NOT_REGISTERED;
            snprintf (verdict.reason, sizeof (verdict.reason), "no catalog of %s is held "
                      "here, and no broker gave the catalog directory", copy->to);
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

//  STATUS_OK; or LIMIT_REACHED, with reason, if a recipient of `copies`
//  has as many copies not yet delivered as gateway/outbox-per-recipient
//  allows: none is stored, and the sender's system hears it at once
static int
s_within_bound (noticesend_t *self, zlistx_t *copies, char *reason)
{
    for (s_copy_to_t *copy = (s_copy_to_t *) zlistx_first (copies); copy;
         copy = (s_copy_to_t *) zlistx_next (copies)) {
        int64_t held = notices_undelivered (self->store, copy->to);
        if (held >= self->per_recipient) {
            snprintf (reason, NOTICE_REASON_MAX + 1, "%s has not yet received the %" PRId64
                      " notices and alerts held for it here, as many as "
                      "gateway/outbox-per-recipient allows", copy->to, held);
            return STATUS_LIMIT_REACHED;
        }
    }
    return STATUS_OK;
}

//  Stores one copy of `type` to `to` with `payload` and its record; the
//  copy goes after the commit. 0, or -1
static int
s_store_copy (noticesend_t *self, s_wanted_t *wanted, int type, const uint8_t *notice,
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

//  Keeps the send's own reference, if it has one, as naming `notice` to
//  `recipients`, in the batch of its copies. 0, or -1 (the batch fails)
static int
s_keep_ref (noticesend_t *self, s_wanted_t *wanted, const uint8_t *notice,
            const char *recipients)
{
    if (!*wanted->ref)
        return 0;
    int rc = notices_ref_put (self->store, wanted->alert? MSG_ALERT: MSG_NOTICE, wanted->ref,
                              wanted->terms, notice, recipients);
    if (rc)
        noticing_failed (self->noticing);
    return rc;
}

//  The copies of an accepted notice: stored, recorded, replied to once
//  durable with the notice id and each copy
static void
s_accept_notice (noticesend_t *self, s_wanted_t *wanted, zlistx_t *copies)
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
    rc = rc? rc: s_keep_ref (self, wanted, notice, wanted->recipients);
    char msgid [ENVELOPE_ID_BYTES * 2 + 1], reason [96];
    envelope_id_hex (notice, msgid);
    snprintf (reason, sizeof (reason), "sent to %zu department%s; each copy is sent again "
              "until its receipt comes", zlistx_size (copies),
              zlistx_size (copies) == 1? "": "s");
    if (rc)
        noticing_refuse (self->noticing, wanted->reply_to, STATUS_INTERNAL, "the notice cannot be stored",
                  NULL);
    else
        noticing_reply_rows (self->noticing, wanted->reply_to, STATUS_OK, reason, msgid, &rows, true);
    msgpack_sbuffer_destroy (&rows);
}

//  The subscribers to the alert's topic, by the catalogs held, into copies
static void
s_subscribers (noticesend_t *self, s_wanted_t *wanted, zlistx_t *copies)
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
s_accept_alert (noticesend_t *self, s_wanted_t *wanted)
{
    zlistx_t *copies = noticing_list ((zlistx_destructor_fn *) s_copy_to_destroy);
    s_subscribers (self, wanted, copies);
    if (zlistx_size (copies) == 0) {
        char reason [128];
        snprintf (reason, sizeof (reason), "no department subscribes to topic '%s'",
                  wanted->subject);
        noticing_refuse (self->noticing, wanted->reply_to, STATUS_NOT_FOUND, reason, NULL);
        zlistx_destroy (&copies);
        return;
    }
    char bound [NOTICE_REASON_MAX + 1];
    if (s_within_bound (self, copies, bound) != STATUS_OK) {
        noticing_refuse (self->noticing, wanted->reply_to, STATUS_LIMIT_REACHED, bound, NULL);
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
    char *subscribers = strdup ("");
    for (s_copy_to_t *copy = (s_copy_to_t *) zlistx_first (copies); copy && rc == 0;
         copy = (s_copy_to_t *) zlistx_next (copies)) {
        rc = s_store_copy (self, wanted, MSG_ALERT, alert, copy->to, &encoded, NULL, "");
        msgpack_pack_map (&pk, 1);
        codec_pack_kv_str (&pk, "to", copy->to);
        char *longer = zsys_sprintf ("%s%s%s", subscribers, *subscribers? ",": "", copy->to);
        zstr_free (&subscribers);
        subscribers = longer;
    }
    rc = rc? rc: s_keep_ref (self, wanted, alert, subscribers);
    zstr_free (&subscribers);
    char msgid [ENVELOPE_ID_BYTES * 2 + 1], reason [96];
    envelope_id_hex (alert, msgid);
    snprintf (reason, sizeof (reason), "raised to %zu subscriber%s", zlistx_size (copies),
              zlistx_size (copies) == 1? "": "s");
    if (rc)
        noticing_refuse (self->noticing, wanted->reply_to, STATUS_INTERNAL, "the alert cannot be stored",
                  NULL);
    else
        noticing_reply_rows (self->noticing, wanted->reply_to, STATUS_OK, reason, msgid, &rows, true);
    msgpack_sbuffer_destroy (&rows);
    msgpack_sbuffer_destroy (&encoded);
    zlistx_destroy (&copies);
}

//  A send or an alert whose own reference names one sent before: answered
//  as that one was (with its id and copies, once durable: it may be in
//  the batch still), or REF_REUSED if its terms differ. True if answered
static bool
s_repeated (noticesend_t *self, s_wanted_t *wanted)
{
    int type = wanted->alert? MSG_ALERT: MSG_NOTICE;
    uint8_t notice [NOTICEID_BYTES];
    char *recipients = NULL;
    int found = *wanted->ref? notices_ref_find (self->store, type, wanted->ref,
                                                wanted->terms, notice, &recipients):
                              NOTICEREF_NONE;
    char msgid [ENVELOPE_ID_BYTES * 2 + 1], reason [NOTICE_REASON_MAX + 1];
    if (found == NOTICEREF_SAME) {
        envelope_id_hex (notice, msgid);
        msgpack_sbuffer rows;
        msgpack_sbuffer_init (&rows);
        msgpack_packer pk;
        msgpack_packer_init (&pk, &rows, msgpack_sbuffer_write);
        size_t count = 0;
        const char *cursor = recipients, *name;
        size_t length;
        while (names_next (&cursor, &name, &length))
            count++;
        msgpack_pack_array (&pk, count);
        for (cursor = recipients; names_next (&cursor, &name, &length); ) {
            char to [ENVELOPE_DEPT_MAX + 1], copy_hex [ENVELOPE_ID_BYTES * 2 + 1];
            uint8_t copy [NOTICEID_BYTES];
            snprintf (to, sizeof (to), "%.*s", (int) length, name);
            msgpack_pack_map (&pk, wanted->alert? 1: 2);
            codec_pack_kv_str (&pk, "to", to);
            noticeid_copy (notice, to, copy);
            envelope_id_hex (copy, copy_hex);
            if (!wanted->alert)
                codec_pack_kv_str (&pk, "copy", copy_hex);
        }
        snprintf (reason, sizeof (reason), "sent before as '%s' to %zu department%s; not "
                  "sent again", wanted->ref, count, count == 1? "": "s");
        noticing_reply_rows (self->noticing, wanted->reply_to, STATUS_OK, reason, msgid,
                             &rows, true);
        msgpack_sbuffer_destroy (&rows);
    }
    else
    if (found == NOTICEREF_OTHER) {
        envelope_id_hex (notice, msgid);
        snprintf (reason, sizeof (reason), "'%s' names %s %s, sent with other terms",
                  wanted->ref, wanted->alert? "alert": "notice", msgid);
        noticing_refuse (self->noticing, wanted->reply_to, STATUS_REF_REUSED, reason, "ref");
    }
    else
    if (found < 0)
        noticing_refuse (self->noticing, wanted->reply_to, STATUS_INTERNAL, "the notice "
                         "store cannot be read", NULL);
    zstr_free (&recipients);
    return found != NOTICEREF_NONE;
}

//  Decides a send or an alert if it can be now (or `final`ly); true if it
//  is decided (replied to)
static bool
s_decide (noticesend_t *self, s_wanted_t *wanted, bool final)
{
    if (s_repeated (self, wanted))
        return true;
    if (wanted->alert) {
        //  On a directory fetched for it, whole: subscriptions change
        if (!final)
            return false;
        if (wanted->unlisted)
            noticing_refuse (self->noticing, wanted->reply_to, STATUS_NOT_REGISTERED, "no broker gave the "
                      "catalog directory, which says who subscribes", NULL);
        else
            s_accept_alert (self, wanted);
        return true;
    }
    zlistx_t *copies = noticing_list ((zlistx_destructor_fn *) s_copy_to_destroy);
    char reason [NOTICE_REASON_MAX + 1] = "", field [NOTICE_NAME_MAX + 1] = "";
    int status = s_judge_notice (self, wanted, final, copies, reason, field);
    if (status == STATUS_OK)
        status = s_within_bound (self, copies, reason);
    if (status == STATUS_OK)
        s_accept_notice (self, wanted, copies);
    else
    if (status > 0)
        noticing_refuse (self->noticing, wanted->reply_to, status, reason, field);
    zlistx_destroy (&copies);
    return status >= 0;
}

//  Decided now, or once the directory comes (asked for here)
static void
s_decide_or_wait (noticesend_t *self, s_wanted_t *wanted)
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
s_wanted_new (noticesend_t *self, zmsg_t *reply_to, localapi_request_t *request,
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
    snprintf (wanted->ref, sizeof (wanted->ref), "%s", request->ref);
    if (*wanted->ref)
        noticeref_terms (request, wanted->terms);
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
s_recipients (noticesend_t *self, s_wanted_t *wanted, const char *list, char *reason)
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

//  True if the request's own reference, if it has one, is a reference;
//  else refused (replied)
static bool
s_ref_valid (noticesend_t *self, zmsg_t *reply_to, const localapi_request_t *request)
{
    if (!*request->ref || noticeref_valid (request->ref))
        return true;
    noticing_refuse (self->noticing, reply_to, STATUS_MALFORMED, NOTICEREF_RULE, "ref");
    return false;
}

void
noticesend_notice (noticesend_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    if (!s_ref_valid (self, reply_to, request))
        return;
    s_wanted_t *wanted = s_wanted_new (self, reply_to, request, false);
    //  Sent before (its answer lost): answered at once, whatever the
    //  recipients' state is now
    if (s_repeated (self, wanted)) {
        s_wanted_destroy (&wanted);
        return;
    }
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
        noticing_refuse (self->noticing, reply_to, status, reason, NULL);
        s_wanted_destroy (&wanted);
    }
    else
        s_decide_or_wait (self, wanted);
}

void
noticesend_alert (noticesend_t *self, zmsg_t *reply_to, localapi_request_t *request)
{
    assert (self && request);
    if (!s_ref_valid (self, reply_to, request))
        return;
    s_wanted_t *wanted = s_wanted_new (self, reply_to, request, true);
    if (s_repeated (self, wanted)) {
        s_wanted_destroy (&wanted);
        return;
    }
    const char *why = NULL;
    char canonical [IDENT_MAX + 1] = "";
    if (!topics_valid (request->topic))
        noticing_refuse (self->noticing, reply_to, STATUS_UNKNOWN_TOPIC, "not a topic of the published "
                  "list (sluice alert topics)", NULL);
    else
    if (!topics_severity_valid (request->severity))
        noticing_refuse (self->noticing, reply_to, STATUS_MALFORMED, "the severity is one of blue, yellow, "
                  "orange, red", NULL);
    else
    if (!request->text || !*request->text || strlen (request->text) > NOTICE_TEXT_MAX)
        noticing_refuse (self->noticing, reply_to, STATUS_MALFORMED, "an alert says what was found, in "
                  "at most 4096 bytes", NULL);
    else
    if ((*request->query.key || *request->key_type)
    &&  !ident_validate (ident_type_from_name (request->key_type), request->query.key,
                         canonical, 0, &why))
        noticing_refuse (self->noticing, reply_to, STATUS_INVALID_KEY, why? why: "not a valid key", NULL);
    else {
        snprintf (wanted->key, sizeof (wanted->key), "%s", canonical);
        s_decide_or_wait (self, wanted);
        return;
    }
    s_wanted_destroy (&wanted);
}

void
noticesend_catalogs (noticesend_t *self, bool listed)
{
    assert (self);
    s_wanted_t *wanted;
    while ((wanted = (s_wanted_t *) zlistx_detach (self->wanted, NULL))) {
        wanted->unlisted = !listed;
        s_decide (self, wanted, true);
        s_wanted_destroy (&wanted);
    }
}


void
noticesend_expire (noticesend_t *self)
{
    assert (self);
    int64_t now = zclock_mono ();
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

noticesend_t *
noticesend_new (startup_t *parts, noticing_t *noticing, catalogs_t *catalogs,
                regclient_t *registry)
{
    assert (parts && noticing && catalogs && registry);
    noticesend_t *self = (noticesend_t *) zmalloc (sizeof (noticesend_t));
    assert (self);
    self->parts = parts;
    self->noticing = noticing;
    self->store = noticing_store (noticing);
    self->catalogs = catalogs;
    self->registry = registry;
    self->wanted = noticing_list ((zlistx_destructor_fn *) s_wanted_destroy);
    self->per_recipient = conf_int (parts->conf, "gateway/outbox-per-recipient");
    return self;
}

void
noticesend_destroy (noticesend_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        noticesend_t *self = *self_p;
        zlistx_destroy (&self->wanted);
        free (self);
        *self_p = NULL;
    }
}

void
noticesend_test (bool verbose)
{
    if (verbose)
        printf (" * noticesend: ");
    //  Through the real daemons: tests/features/notices.sh and alerts.sh
    if (verbose)
        printf ("OK\n");
}
