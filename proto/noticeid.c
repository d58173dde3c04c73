/*  noticeid.c -- the ids of the store-and-forward messages; see noticeid.h.
*/

#include "noticeid.h"
#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *s_state_names [NOTICEID_STATES] = {
    "delivered", "received", "handled", "refused"
};

const char *
noticeid_state_name (int state)
{
    return state >= 0 && state < NOTICEID_STATES? s_state_names [state]: NULL;
}

int
noticeid_state_from_name (const char *name)
{
    for (int state = 0; name && state < NOTICEID_STATES; state++)
        if (strcmp (name, s_state_names [state]) == 0)
            return state;
    return -1;
}

//  BLAKE2b-128 of context || part || tail
static void
s_derive (const char *context, const uint8_t *part, const char *tail, uint8_t *out)
{
    crypto_generichash_state hash;
    int rc = crypto_generichash_init (&hash, NULL, 0, NOTICEID_BYTES);
    assert (rc == 0);
    crypto_generichash_update (&hash, (const uint8_t *) context, strlen (context));
    crypto_generichash_update (&hash, part, NOTICEID_BYTES);
    if (tail)
        crypto_generichash_update (&hash, (const uint8_t *) tail, strlen (tail));
    crypto_generichash_final (&hash, out, NOTICEID_BYTES);
}

void
noticeid_copy (const uint8_t *notice_id, const char *recipient, uint8_t *copy_id)
{
    assert (notice_id && recipient && copy_id);
    s_derive ("sluice-copy-1", notice_id, recipient, copy_id);
}

void
noticeid_receipt (const uint8_t *copy_id, noticeid_state_t state, uint8_t *receipt_id)
{
    assert (copy_id && receipt_id && noticeid_state_name ((int) state));
    s_derive ("sluice-receipt-1", copy_id, s_state_names [state], receipt_id);
}

void
noticeid_ack (const uint8_t *receipt_id, uint8_t *ack_id)
{
    assert (receipt_id && ack_id);
    s_derive ("sluice-ack-1", receipt_id, NULL, ack_id);
}

//  --------------------------------------------------------------------------
//  Self-test: the vectors of PROTOCOL.md section 17

static void
s_assert_hex (const uint8_t *bin, const char *hex)
{
    char text [NOTICEID_BYTES * 2 + 1];
    sodium_bin2hex (text, sizeof (text), bin, NOTICEID_BYTES);
    if (strcmp (text, hex) != 0) {
        fprintf (stderr, "noticeid: %s, expected %s\n", text, hex);
        assert (false);
    }
}

void
noticeid_test (bool verbose)
{
    if (verbose)
        printf (" * noticeid: ");
    assert (sodium_init () >= 0);
    for (int state = 0; state < NOTICEID_STATES; state++)
        assert (noticeid_state_from_name (noticeid_state_name (state)) == state);
    assert (noticeid_state_name (NOTICEID_STATES) == NULL);
    assert (noticeid_state_name (-1) == NULL);
    assert (noticeid_state_from_name ("taken") == -1);
    assert (noticeid_state_from_name (NULL) == -1);

    //  The notice id 00 01 .. 0f, to SH-PD-FDA
    uint8_t notice [NOTICEID_BYTES], copy [NOTICEID_BYTES], other [NOTICEID_BYTES];
    for (int index = 0; index < NOTICEID_BYTES; index++)
        notice [index] = (uint8_t) index;
    noticeid_copy (notice, "SH-PD-FDA", copy);
    s_assert_hex (copy, "759b45424d22916071e04a51e544e58c");
    //  Each recipient its own copy, each state its own receipt
    noticeid_copy (notice, "SH-PD-TAX", other);
    assert (memcmp (copy, other, NOTICEID_BYTES) != 0);
    uint8_t receipt [NOTICEID_BYTES], ack [NOTICEID_BYTES];
    noticeid_receipt (copy, NOTICEID_DELIVERED, receipt);
    s_assert_hex (receipt, "59fc585060b41f143f42999d4a895563");
    noticeid_receipt (copy, NOTICEID_HANDLED, other);
    s_assert_hex (other, "38e4cec197c84dc55c6bac1bcb937e18");
    noticeid_ack (receipt, ack);
    s_assert_hex (ack, "960fa0c604894fc3380943be94690af4");
    if (verbose)
        printf ("OK\n");
}
