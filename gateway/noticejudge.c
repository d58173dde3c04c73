/*  noticejudge.c -- a copy received, judged before the inbox holds it;
    see noticejudge.h.  */

#include "noticejudge.h"
#include "noticekind.h"
#include "catalog_pub.h"
#include "codec.h"
#include "ident.h"
#include "status.h"
#include "topics.h"

struct _noticejudge_t {
    startup_t *parts;                   //  borrowed
    //  Our own catalog as published, to judge copies by (made again when
    //  the catalog is reloaded)
    catalog_t *judged_by;
    uint8_t *own_bytes;
    msgpack_unpacked own_unpacked;
    catalog_pub_t *own;
};

static void
s_own_clear (noticejudge_t *self)
{
    catalog_pub_destroy (&self->own);
    msgpack_unpacked_destroy (&self->own_unpacked);
    msgpack_unpacked_init (&self->own_unpacked);
    free (self->own_bytes);
    self->own_bytes = NULL;
    self->judged_by = NULL;
}

noticejudge_t *
noticejudge_new (startup_t *parts)
{
    assert (parts && parts->notices);
    noticejudge_t *self = (noticejudge_t *) zmalloc (sizeof (noticejudge_t));
    assert (self);
    self->parts = parts;
    msgpack_unpacked_init (&self->own_unpacked);
    return self;
}

void
noticejudge_destroy (noticejudge_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        noticejudge_t *self = *self_p;
        s_own_clear (self);
        msgpack_unpacked_destroy (&self->own_unpacked);
        free (self);
        *self_p = NULL;
    }
}

void
noticejudge_verdict_init (noticejudge_verdict_t *verdict)
{
    assert (verdict);
    memset (verdict, 0, sizeof (*verdict));
    verdict->state = NOTICEID_DELIVERED;
    msgpack_sbuffer_init (&verdict->fields);
}

void
noticejudge_verdict_clear (noticejudge_verdict_t *verdict)
{
    assert (verdict);
    msgpack_sbuffer_destroy (&verdict->fields);
    msgpack_sbuffer_init (&verdict->fields);        //  so that clearing twice is safe
    free (verdict->names);
    verdict->names = NULL;
}

//  Our catalog as published, for the kinds copies are judged by
static catalog_pub_t *
s_own (noticejudge_t *self)
{
    catalog_t *catalog = self->parts->catalog;
    if (self->judged_by == catalog && self->own)
        return self->own;
    s_own_clear (self);
    size_t size;
    self->own_bytes = catalog_encode (catalog, self->parts->id, &size);
    if (codec_unpack (self->own_bytes, size, &self->own_unpacked) == STATUS_OK)
        self->own = catalog_pub_decode (&self->own_unpacked.data, NULL);
    self->judged_by = catalog;
    return self->own;
}

void
noticejudge_refuse (noticejudge_verdict_t *judged, int code, const char *reason)
{
    assert (judged && reason);
    judged->state = NOTICEID_REFUSED;
    judged->code = code;
    snprintf (judged->reason, sizeof (judged->reason), "%s", reason);
}

//  The fields' names, and their packed map
static void
s_keep_fields (noticejudge_verdict_t *judged, const msgpack_object *fields)
{
    msgpack_packer pk;
    msgpack_packer_init (&pk, &judged->fields, msgpack_sbuffer_write);
    msgpack_pack_object (&pk, *fields);
    judged->copy.fields = (uint8_t *) judged->fields.data;
    judged->copy.fields_size = judged->fields.size;
    char names [1024] = "";
    for (uint32_t index = 0; index < fields->via.map.size; index++) {
        const msgpack_object_str *name = &fields->via.map.ptr [index].key.via.str;
        size_t used = strlen (names);
        snprintf (names + used, sizeof (names) - used, "%s%.*s", index? ",": "",
                  (int) name->size, name->ptr);
    }
    judged->names = strdup (names);
}

//  True if `copy` is not the copy of `notice` to this department (a copy
//  that is so refused)
static bool
s_not_derived (noticejudge_t *self, const uint8_t *notice, const uint8_t *copy,
               noticejudge_verdict_t *judged)
{
    uint8_t derived [NOTICEID_BYTES];
    noticeid_copy (notice, self->parts->id, derived);
    if (memcmp (derived, copy, NOTICEID_BYTES) == 0)
        return false;
    noticejudge_refuse (judged, STATUS_MALFORMED, "the copy's id is not derived from its "
                        "notice or alert id and this department");
    return true;
}

void
noticejudge_notice (noticejudge_t *self, const uint8_t *copy, notice_msg_t *notice,
                    noticejudge_verdict_t *judged)
{
    assert (self && copy && notice && judged);
    judged->copy.notice = notice->notice;
    judged->copy.subject = notice->kind;
    judged->copy.key_type = notice->key_type;
    judged->copy.key = notice->key;
    judged->copy.basis = notice->basis;
    judged->copy.deadline_ms = (int64_t) notice->deadline;
    judged->copy.officer = notice->officer;
    s_keep_fields (judged, notice->fields);
    if (s_not_derived (self, notice->notice, copy, judged))
        return;
    catalog_pub_t *own = s_own (self);
    const catalog_pub_notice_t *kind = own? catalog_pub_notice_find (own, notice->kind): NULL;
    noticekind_input_t input = { self->parts->id, notice->key_type, notice->key,
                                 notice->fields, notice->basis, false };
    noticekind_verdict_t verdict;
    int status = noticekind_check (kind, notice->kind, &input, NULL, &verdict);
    if (status != STATUS_OK)
        noticejudge_refuse (judged, status, verdict.reason);
}

void
noticejudge_alert (noticejudge_t *self, const uint8_t *copy, notice_alert_t *alert,
                   noticejudge_verdict_t *judged)
{
    assert (self && copy && alert && judged);
    judged->copy.notice = alert->alert;
    judged->copy.subject = alert->topic;
    judged->copy.key_type = alert->key_type;
    judged->copy.key = alert->key;
    judged->copy.severity = alert->severity;
    judged->copy.text = alert->text;
    judged->copy.officer = alert->officer;
    const char *why = NULL;
    zlist_t *topics = notices_topics (self->parts->notices);
    bool subscribed = false;
    for (char *topic = (char *) zlist_first (topics); topic;
         topic = (char *) zlist_next (topics))
        subscribed |= streq (topic, alert->topic);
    zlist_destroy (&topics);
    char reason [NOTICE_REASON_MAX + 1];
    if (s_not_derived (self, alert->alert, copy, judged))
        return;
    if (!topics_valid (alert->topic))
        noticejudge_refuse (judged, STATUS_UNKNOWN_TOPIC,
                            "not a topic of the published list");
    else
    if (!topics_severity_valid (alert->severity))
        noticejudge_refuse (judged, STATUS_MALFORMED,
                            "not a severity: blue, yellow, orange, red");
    else
    if (*alert->key && !ident_validate (ident_type_from_name (alert->key_type), alert->key,
                                        NULL, 0, &why)) {
        snprintf (reason, sizeof (reason), "not a valid %s: %s", alert->key_type,
                  why? why: "invalid");
        noticejudge_refuse (judged, STATUS_INVALID_KEY, reason);
    }
    else
    if (!subscribed) {
        snprintf (reason, sizeof (reason), "%s does not subscribe to topic '%s'",
                  self->parts->id, alert->topic);
        noticejudge_refuse (judged, STATUS_NOT_SUBSCRIBED, reason);
    }
}



//  --------------------------------------------------------------------------
//  Self-test

void
noticejudge_test (bool verbose)
{
    if (verbose)
        printf (" * noticejudge: ");
    startup_test_t test;
    startup_test_setup (&test, "noticejudge");
    startup_t *parts = test.parts;
    noticejudge_t *self = noticejudge_new (parts);
    uint8_t alert_id [NOTICEID_BYTES], copy [NOTICEID_BYTES];
    memset (alert_id, 7, sizeof (alert_id));
    noticeid_copy (alert_id, parts->id, copy);

    //  An alert: a topic of the list that we subscribe to, else refused
    notice_alert_t alert = { .topic = "food-drug", .severity = "red", .text = "found" };
    memcpy (alert.alert, alert_id, NOTICEID_BYTES);
    noticejudge_verdict_t verdict;
    noticejudge_verdict_init (&verdict);
    noticejudge_alert (self, copy, &alert, &verdict);
    assert (verdict.state == NOTICEID_REFUSED && verdict.code == STATUS_NOT_SUBSCRIBED);
    noticejudge_verdict_clear (&verdict);
    assert (notices_begin (parts->notices) == 0
         && notices_subscribe (parts->notices, "food-drug", true) == 1
         && notices_commit (parts->notices, NULL) == 0);
    noticejudge_verdict_init (&verdict);
    noticejudge_alert (self, copy, &alert, &verdict);
    assert (verdict.state == NOTICEID_DELIVERED && verdict.code == 0);
    assert (streq (verdict.copy.subject, "food-drug"));
    noticejudge_verdict_clear (&verdict);
    strcpy (alert.topic, "weather");
    noticejudge_verdict_init (&verdict);
    noticejudge_alert (self, copy, &alert, &verdict);
    assert (verdict.code == STATUS_UNKNOWN_TOPIC);
    noticejudge_verdict_clear (&verdict);
    //  A copy id that is not the copy of its alert id to us
    strcpy (alert.topic, "food-drug");
    noticejudge_verdict_init (&verdict);
    noticejudge_alert (self, alert_id, &alert, &verdict);
    assert (verdict.state == NOTICEID_REFUSED && verdict.code == STATUS_MALFORMED);
    noticejudge_verdict_clear (&verdict);

    //  A notice of a kind our catalog does not accept
    msgpack_unpacked fields;
    msgpack_unpacked_init (&fields);
    assert (codec_unpack ((const uint8_t *) "\x80", 1, &fields) == STATUS_OK);
    notice_msg_t notice = { .kind = "license-required", .key_type = "uscc",
                            .key = "91310115MA1K3BTP2B", .fields = &fields.data };
    memcpy (notice.notice, alert_id, NOTICEID_BYTES);
    noticejudge_verdict_init (&verdict);
    noticejudge_notice (self, copy, &notice, &verdict);
    assert (verdict.state == NOTICEID_REFUSED && verdict.code == STATUS_UNKNOWN_KIND);
    assert (verdict.names && streq (verdict.names, ""));
    noticejudge_verdict_clear (&verdict);
    noticejudge_verdict_clear (&verdict);
    msgpack_unpacked_destroy (&fields);

    noticejudge_destroy (&self);
    noticejudge_destroy (&self);
    startup_test_teardown (&test);
    if (verbose)
        printf ("OK\n");
}
