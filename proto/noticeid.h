/*  noticeid.h -- the ids of the store-and-forward messages.

    A notice or an alert is one logical message (its notice id, 16 random
    bytes fixed when the sender's gateway accepts it) sent as one copy per
    recipient. Every id on the wire after that is derived, so that a resend
    is the same message byte for byte, the recipient deduplicates by id,
    and the broker, which reads headers only, can tell which receipt
    settles which queued copy (PROTOCOL.md section 17):

        copy id     = BLAKE2b-128 ("sluice-copy-1"    || notice id || recipient)
        receipt id  = BLAKE2b-128 ("sluice-receipt-1" || copy id   || state)
        ack id      = BLAKE2b-128 ("sluice-ack-1"     || receipt id)

    recipient is the department id's bytes, state one of the receipt state
    names below; no terminators, no lengths (each part but the last is of a
    fixed size). Pure functions, no state.
*/
#ifndef SLUICE_NOTICEID_H_INCLUDED
#define SLUICE_NOTICEID_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOTICEID_BYTES 16

//  What a recipient's gateway says of a copy, in the order they can come:
//  delivered (held durably by the recipient's gateway, automatic), received
//  (taken by the department's own system), handled (an officer's feedback);
//  or refused (not accepted at all: a terminal state instead of the others).
typedef enum {
    NOTICEID_DELIVERED = 0,
    NOTICEID_RECEIVED,
    NOTICEID_HANDLED,
    NOTICEID_REFUSED,
    NOTICEID_STATES
} noticeid_state_t;

//  The state's name on the wire ("delivered", "received", "handled",
//  "refused"); NULL for a number outside the table.
const char *
    noticeid_state_name (int state);

//  The state of a name; -1 if it is none of them.
int
    noticeid_state_from_name (const char *name);

//  The copy of notice_id for recipient (a department id, 1..32 bytes).
void
    noticeid_copy (const uint8_t *notice_id, const char *recipient, uint8_t *copy_id);

//  The id of the receipt that reports `state` of copy_id.
void
    noticeid_receipt (const uint8_t *copy_id, noticeid_state_t state, uint8_t *receipt_id);

//  The id of the acknowledgement of receipt_id.
void
    noticeid_ack (const uint8_t *receipt_id, uint8_t *ack_id);

void
    noticeid_test (bool verbose);

#endif
