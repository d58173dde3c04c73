/*  status.c -- the federation's result codes, as a table, and error messages.  */

#include "status.h"
#include <czmq.h>
#include <stdarg.h>
#include <assert.h>
#include <stddef.h>
#include <string.h>
#include <stdio.h>

typedef struct {
    int code;
    const char *name;
    const char *text;
} s_status_row_t;

static const s_status_row_t s_table [] = {
    { STATUS_OK,                 "OK",                 "found" },
    { STATUS_NOT_FOUND,          "NOT_FOUND",          "the source has no record for this key" },
    { STATUS_MALFORMED,          "MALFORMED",          "the message could not be decoded" },
    { STATUS_TOO_LARGE,          "TOO_LARGE",          "the message or a field exceeds its size limit" },
    { STATUS_BAD_VERSION,        "BAD_VERSION",        "unsupported protocol version" },
    { STATUS_BAD_TYPE,           "BAD_TYPE",           "unknown or misplaced message type" },
    { STATUS_BAD_SIGNATURE,      "BAD_SIGNATURE",      "the signature does not verify" },
    { STATUS_BAD_SEAL,           "BAD_SEAL",           "the body could not be opened by this department" },
    { STATUS_STALE,              "STALE",              "the message time is outside the accepted window, or the same or a newer version is held" },
    { STATUS_REPLAY,             "REPLAY",             "this message id was already seen" },
    { STATUS_CERT_UNKNOWN,       "CERT_UNKNOWN",       "no valid certificate for the sender" },
    { STATUS_CERT_EXPIRED,       "CERT_EXPIRED",       "the sender's certificate is not valid now" },
    { STATUS_CERT_REVOKED,       "CERT_REVOKED",       "the sender's certificate is revoked" },
    { STATUS_SENDER_MISMATCH,    "SENDER_MISMATCH",    "the sender does not match the authenticated connection" },
    { STATUS_NOT_REGISTERED,     "NOT_REGISTERED",     "the gateway has not registered with the broker" },
    { STATUS_NOT_PERMITTED,      "NOT_PERMITTED",      "this local caller may not use the gateway" },
    { STATUS_UNKNOWN_DEPARTMENT, "UNKNOWN_DEPARTMENT", "no such department in the federation" },
    { STATUS_DEPARTMENT_OFFLINE, "DEPARTMENT_OFFLINE", "the department's gateway is not connected" },
    { STATUS_BUSY,               "BUSY",               "the route is congested; try again" },
    { STATUS_LIMIT_REACHED,      "LIMIT_REACHED",      "the sender holds as much as its bound allows" },
    { STATUS_UNKNOWN_ITEM,       "UNKNOWN_ITEM",       "the provider has no such catalog item" },
    { STATUS_INVALID_KEY,        "INVALID_KEY",        "the key is not a valid identifier of the item's key type" },
    { STATUS_NO_AGREEMENT,       "NO_AGREEMENT",       "no valid sharing agreement covers this request" },
    { STATUS_FIELD_NOT_AGREED,   "FIELD_NOT_AGREED",   "a requested field is not granted to the requester" },
    { STATUS_ITEM_CLOSED,        "ITEM_CLOSED",        "the item is not shared (closed), see its legal basis" },
    { STATUS_QUOTA_EXCEEDED,     "QUOTA_EXCEEDED",     "the agreement's daily quota is used up" },
    { STATUS_AGREEMENT_EXPIRED,  "AGREEMENT_EXPIRED",  "the agreement is not valid now" },
    { STATUS_PURPOSE_REQUIRED,   "PURPOSE_REQUIRED",   "the request must name its officer and purpose" },
    { STATUS_CLEARANCE,          "CLEARANCE",          "a field is above the requester's clearance" },
    { STATUS_UNKNOWN_FIELD,      "UNKNOWN_FIELD",      "the item has no such field" },
    { STATUS_SOURCE_FAILED,      "SOURCE_FAILED",      "the provider's source database failed" },
    { STATUS_SOURCE_TIMEOUT,     "SOURCE_TIMEOUT",     "the provider's source did not answer in time" },
    { STATUS_TIMEOUT,            "TIMEOUT",            "no answer within the timeout" },
    { STATUS_BAD_ANSWER,         "BAD_ANSWER",         "the provider's answer broke the protocol and was refused" },
    { STATUS_PURPOSE_NOT_AGREED, "PURPOSE_NOT_AGREED", "the purpose is not one the agreement allows" },
    { STATUS_ROLE_NOT_AGREED,    "ROLE_NOT_AGREED",    "the officer's role is not one the agreement allows" },
    { STATUS_VERSION_AHEAD,      "VERSION_AHEAD",      "the statement's version is ahead of the clock (above the time in ms plus the allowed skew)" },
    { STATUS_CERT_ROLE,          "CERT_ROLE",          "the certificate is not a department's: only departments ask and answer" },
    { STATUS_UNKNOWN_KIND,       "UNKNOWN_KIND",       "the recipient accepts no notices of this kind" },
    { STATUS_FIELD_MISSING,      "FIELD_MISSING",      "a field the notice kind requires is missing" },
    { STATUS_FIELD_TYPE,         "FIELD_TYPE",         "a field's value is not of the type the notice kind declares" },
    { STATUS_BASIS_REQUIRED,     "BASIS_REQUIRED",     "the notice kind requires its legal basis" },
    { STATUS_UNKNOWN_TOPIC,      "UNKNOWN_TOPIC",      "not a topic of the published list" },
    { STATUS_NOT_SUBSCRIBED,     "NOT_SUBSCRIBED",     "the recipient does not subscribe to this topic" },
    { STATUS_ALREADY_HANDLED,    "ALREADY_HANDLED",    "the notice has its feedback already" },
    { STATUS_REF_REUSED,         "REF_REUSED",         "the reference names a notice sent with other terms" },
    { STATUS_INTERNAL,           "INTERNAL",           "internal error" },
};

#define S_ROWS (sizeof (s_table) / sizeof (s_table [0]))

static const s_status_row_t *
s_row (int code)
{
    for (size_t index = 0; index < S_ROWS; index++)
        if (s_table [index].code == code)
            return &s_table [index];
    return NULL;
}

const char *
status_name (int code)
{
    const s_status_row_t *row = s_row (code);
    return row? row->name: "UNKNOWN";
}

const char *
status_text (int code)
{
    const s_status_row_t *row = s_row (code);
    return row? row->text: "unknown status code";
}

bool
status_known (int code)
{
    return s_row (code) != NULL;
}

void
status_set_error (char **error, const char *format, ...)
{
    if (!error)
        return;
    va_list args;
    va_start (args, format);
    char *message = zsys_vprintf (format, args);
    va_end (args);
    zstr_free (error);
    *error = message;
}

void
status_test (bool verbose)
{
    if (verbose)
        printf (" * status: ");
    assert (strcmp (status_name (STATUS_NO_AGREEMENT), "NO_AGREEMENT") == 0);
    assert (strcmp (status_name (9999), "UNKNOWN") == 0);
    assert (!status_known (9999));
    //  Names are unique: the CLI and the logs rely on that
    for (size_t a = 0; a < S_ROWS; a++)
        for (size_t b = a + 1; b < S_ROWS; b++) {
            assert (s_table [a].code != s_table [b].code);
            assert (strcmp (s_table [a].name, s_table [b].name) != 0);
        }

    //  Error messages: NULL means the caller does not want one
    status_set_error (NULL, "ignored %d", 1);
    char *error = NULL;
    status_set_error (&error, "%s: line %d", "catalog.cfg", 7);
    assert (streq (error, "catalog.cfg: line 7"));
    //  A second message replaces the first (no leak under the sanitizers)
    status_set_error (&error, "second");
    assert (streq (error, "second"));
    //  The earlier message may be an argument of the new one
    status_set_error (&error, "gateway.cfg: %s", error);
    assert (streq (error, "gateway.cfg: second"));
    zstr_free (&error);
    assert (error == NULL);
    if (verbose)
        printf ("OK\n");
}
