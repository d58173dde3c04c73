/*  ident.h -- identifiers that link records across departments.

    Validation follows ../shared/IDENTIFIERS.md (GB 32100-2015 USCC with its
    embedded GB 11714 organization code, GB 11643-1999 resident identity
    number, GB/T 40058-2021 investment project code) and the federation's
    department ids. A key that fails these rules is refused before any source
    is touched. Pure functions, no allocation, no state.
*/
#ifndef SLUICE_IDENT_H_INCLUDED
#define SLUICE_IDENT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef enum {
    IDENT_NONE = 0,         //  not a known key type
    IDENT_USCC,             //  "uscc": 18-char unified social credit code
    IDENT_RESIDENT_ID,      //  "resident-id": 18-char resident identity number
    IDENT_PROJECT_CODE,     //  "project-code": 24-char investment project code
    IDENT_PROJECT_LEGACY,   //  "project-code-legacy": older 28-char local code
    IDENT_DEPARTMENT        //  "department": federation department id
} ident_type_t;

#define IDENT_MAX 32        //  longest identifier of any type, without NUL

//  Key type from its catalog name ("uscc", "resident-id", "project-code",
//  "project-code-legacy", "department"); IDENT_NONE if unknown.
ident_type_t
    ident_type_from_name (const char *name);

//  Catalog name of a key type; "none" for IDENT_NONE.
const char *
    ident_type_name (ident_type_t type);

//  Validates `input` as `type` and writes its canonical form (upper case,
//  e.g. a trailing resident-id 'x' becomes 'X') into `canon`, which must have
//  room for IDENT_MAX + 1 bytes; `canon` may be NULL. `today` (time_t, UTC)
//  bounds birth dates; pass 0 for now. Returns true if valid, else false and,
//  if `reason` is not NULL, sets it to a static English explanation.
bool
    ident_validate (ident_type_t type, const char *input, char *canon,
                    time_t today, const char **reason);

//  USCC check character for the first 17 characters of `code` (which must
//  be from the USCC alphabet); '\0' if any character is outside it.
char
    ident_uscc_check_char (const char *code17);

//  GB 11714 organization code check character for 8 characters; '\0' if
//  any character is not 0-9 or A-Z.
char
    ident_orgcode_check_char (const char *code8);

//  Resident identity number check character for 17 digits; '\0' if not
//  all digits.
char
    ident_resident_check_char (const char *digits17);

//  Writes a masked copy of a resident identity number for logs and output:
//  first 6 and last 4 characters kept, the rest '*'. Other inputs are masked
//  entirely except their first 2 characters. `out` has room for
//  IDENT_MAX + 1 bytes.
void
    ident_mask (const char *input, char *out);

void
    ident_test (bool verbose);

#endif
