/*  fuzz_ident.c -- libFuzzer target for proto/ident.

    Feeds arbitrary bytes to ident_validate for every key type (with today
    = now, a fixed day and a day taken from the input) and to ident_mask,
    and checks what the results promise: a valid value has a canonical form
    that is itself valid and unchanged by a second pass, a refusal always
    has a reason and leaves canon empty, a masked copy is bounded and
    printable. The input is copied into a buffer of exactly its size plus
    one NUL, so any read past the terminator is caught by the address
    sanitizer.

    Build and run (from the repository root):
        clang -g -fsanitize=fuzzer,address,undefined -Iproto \
            proto/ident.c tests/fuzz/fuzz_ident.c -o /tmp/fuzz_ident
        /tmp/fuzz_ident -max_total_time=20
*/

#include "ident.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

//  Aborts (a finding for the fuzzer) if `condition` is false; independent
//  of NDEBUG.
#define S_REQUIRE(condition) do { if (!(condition)) abort (); } while (0)

static bool
s_is_graphic (char c)
{
    unsigned char byte = (unsigned char) c;
    return byte >= 0x21 && byte <= 0x7E;
}

static void
s_check_one (ident_type_t type, const char *input, time_t today)
{
    char canon [IDENT_MAX + 1];
    const char *reason = NULL;
    bool valid = ident_validate (type, input, canon, today, &reason);
    size_t length = strnlen (canon, sizeof (canon));
    S_REQUIRE (length <= IDENT_MAX);

    if (valid) {
        S_REQUIRE (reason == NULL);
        S_REQUIRE (length > 0);
        S_REQUIRE (type != IDENT_NONE);
        for (size_t index = 0; index < length; index++) {
            S_REQUIRE (s_is_graphic (canon [index]));
            S_REQUIRE (!(canon [index] >= 'a' && canon [index] <= 'z'));
        }
        switch (type) {
            case IDENT_USCC:
            case IDENT_RESIDENT_ID:
                S_REQUIRE (length == 18);
                break;
            case IDENT_PROJECT_CODE:
                S_REQUIRE (length == 24);
                break;
            case IDENT_PROJECT_LEGACY:
                S_REQUIRE (length == 28);
                break;
            case IDENT_DEPARTMENT:
                S_REQUIRE (length >= 2 && length <= 32);
                S_REQUIRE (strcmp (canon, input) == 0);
                break;
            default:
                S_REQUIRE (false);
        }
        //  The canonical form is a fixed point
        char again [IDENT_MAX + 1];
        S_REQUIRE (ident_validate (type, canon, again, today, NULL));
        S_REQUIRE (strcmp (again, canon) == 0);
    }
    else {
        S_REQUIRE (reason != NULL && reason [0] != '\0');
        S_REQUIRE (canon [0] == '\0');
    }
    //  Without canon and reason the answer is the same
    S_REQUIRE (ident_validate (type, input, NULL, today, NULL) == valid);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *input = (char *) malloc (size + 1);
    if (!input)
        return 0;
    if (size)
        memcpy (input, data, size);
    input [size] = '\0';

    //  A `today` from the input's first 8 bytes exercises date arithmetic
    //  at any time_t, negative and extreme values included
    time_t fuzzed_today = 0;
    if (size >= 8) {
        int64_t seconds;
        memcpy (&seconds, data, sizeof (seconds));
        fuzzed_today = (time_t) seconds;
    }
    for (int type = IDENT_NONE; type <= IDENT_DEPARTMENT + 1; type++) {
        s_check_one ((ident_type_t) type, input, 0);
        s_check_one ((ident_type_t) type, input, (time_t) 1749945600);
        if (size >= 8) {
            s_check_one ((ident_type_t) type, input, fuzzed_today);
            s_check_one ((ident_type_t) type, input + 8, fuzzed_today);
        }
    }

    //  Names, and the check character helpers, which stop at the first
    //  character outside their alphabet (NUL included)
    ident_type_t named = ident_type_from_name (input);
    S_REQUIRE (named == IDENT_NONE
               || strcmp (ident_type_name (named), input) == 0);
    ident_uscc_check_char (input);
    ident_orgcode_check_char (input);
    ident_resident_check_char (input);

    //  Masking: bounded, printable, same length as the (cut) input
    char masked [IDENT_MAX + 1];
    ident_mask (input, masked);
    size_t masked_length = strnlen (masked, sizeof (masked));
    S_REQUIRE (masked_length <= IDENT_MAX);
    S_REQUIRE (masked_length == strnlen (input, IDENT_MAX));
    for (size_t index = 0; index < masked_length; index++)
        S_REQUIRE (s_is_graphic (masked [index]));

    free (input);
    return 0;
}
