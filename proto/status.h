/*  status.h -- the federation's result codes, and error messages.

    One table, shared by every part: the wire carries the number, logs and the
    CLI show the name and the text. Codes are stable; see proto/PROTOCOL.md.
    Functions that fail with a message for a human take `char **error` and
    fill it with status_set_error.
*/
#ifndef SLUICE_STATUS_H_INCLUDED
#define SLUICE_STATUS_H_INCLUDED

#include <stdbool.h>

typedef enum {
    STATUS_OK                 = 0,
    STATUS_NOT_FOUND          = 1,    //  the key is valid, the source has no record

    //  1xx: the message itself is bad (decoding, framing, sizes)
    STATUS_MALFORMED          = 100,
    STATUS_TOO_LARGE          = 101,
    STATUS_BAD_VERSION        = 102,
    STATUS_BAD_TYPE           = 103,

    //  11x: authenticity and freshness
    STATUS_BAD_SIGNATURE      = 110,
    STATUS_BAD_SEAL           = 111,
    STATUS_STALE              = 112,
    STATUS_REPLAY             = 113,
    STATUS_CERT_UNKNOWN       = 114,
    STATUS_CERT_EXPIRED       = 115,
    STATUS_CERT_REVOKED       = 116,
    STATUS_SENDER_MISMATCH    = 117,
    STATUS_NOT_REGISTERED     = 118,
    STATUS_NOT_PERMITTED      = 119,  //  a local caller this gateway does not serve

    //  12x: routing
    STATUS_UNKNOWN_DEPARTMENT = 120,
    STATUS_DEPARTMENT_OFFLINE = 121,
    STATUS_BUSY               = 122,
    STATUS_LIMIT_REACHED      = 123,  //  a bound on what one sender may hold

    //  13x: authorization at the source
    STATUS_UNKNOWN_ITEM       = 130,
    STATUS_INVALID_KEY        = 131,
    STATUS_NO_AGREEMENT       = 132,
    STATUS_FIELD_NOT_AGREED   = 133,
    STATUS_ITEM_CLOSED        = 134,
    STATUS_QUOTA_EXCEEDED     = 135,
    STATUS_AGREEMENT_EXPIRED  = 136,
    STATUS_PURPOSE_REQUIRED   = 137,
    STATUS_CLEARANCE          = 138,
    STATUS_UNKNOWN_FIELD      = 139,

    //  14x: the source and the path
    STATUS_SOURCE_FAILED      = 140,
    STATUS_SOURCE_TIMEOUT     = 141,
    STATUS_TIMEOUT            = 142,
    STATUS_BAD_ANSWER         = 143,  //  the provider's answer broke the rules

    //  16x: authorization at the source, the agreement's finer rules
    STATUS_PURPOSE_NOT_AGREED = 160,
    STATUS_ROLE_NOT_AGREED    = 161,

    //  17x: the registry's versions
    STATUS_VERSION_AHEAD      = 170,  //  a version above the judge's clock + skew

    //  18x: roles in the federation
    STATUS_CERT_ROLE          = 180,  //  a valid certificate, but not of a department

    //  19x: notices and alerts, judged by the recipient's catalog and
    //  subscriptions (at the sender, on the recipient's published copy)
    STATUS_UNKNOWN_KIND       = 190,
    STATUS_FIELD_MISSING      = 191,
    STATUS_FIELD_TYPE         = 192,
    STATUS_BASIS_REQUIRED     = 193,
    STATUS_UNKNOWN_TOPIC      = 194,
    STATUS_NOT_SUBSCRIBED     = 195,
    STATUS_ALREADY_HANDLED    = 196,
    STATUS_REF_REUSED         = 197,

    STATUS_INTERNAL           = 150
} status_t;

//  Short stable name of a code, e.g. "NO_AGREEMENT"; "UNKNOWN" for a code
//  not in the table. Never NULL.
const char *
    status_name (int code);

//  One-line human explanation of a code. Never NULL.
const char *
    status_text (int code);

//  True if the code is one of the table's.
bool
    status_known (int code);

//  Sets *error to a fresh formatted message that the caller frees, replacing
//  (and freeing) any earlier message in *error, which must therefore be NULL
//  or a string from an earlier call. Does nothing if error is NULL, so a
//  caller that does not want the message passes NULL. The arguments may
//  include *error itself: it is formatted before it is freed.
void
    status_set_error (char **error, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

void
    status_test (bool verbose);

#endif
