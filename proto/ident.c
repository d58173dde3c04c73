/*  ident.c -- identifiers that link records across departments.

    Every identifier arrives from the network or a file, so every function
    here reads at most IDENT_MAX + 1 bytes of its input and stops at the
    first NUL. Validation runs in two stages: a common stage refuses NULL,
    empty, over-long input and any byte that is not printable ASCII
    (control bytes, space, DEL, UTF-8); then each type applies its own
    rules, written as tables where the standard gives a table. The rules
    and their test vectors are specified in proto/PROTOCOL.md, section
    "Identifiers".
*/

#include "ident.h"
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

//  -------------------------------------------------------------------------
//  Type names, as a table

typedef struct {
    ident_type_t type;
    const char *name;
} s_type_row_t;

static const s_type_row_t s_types [] = {
    { IDENT_USCC,           "uscc" },
    { IDENT_RESIDENT_ID,    "resident-id" },
    { IDENT_PROJECT_CODE,   "project-code" },
    { IDENT_PROJECT_LEGACY, "project-code-legacy" },
    { IDENT_DEPARTMENT,     "department" },
};

#define S_TYPES (sizeof (s_types) / sizeof (s_types [0]))

//  -------------------------------------------------------------------------
//  Fixed lengths and limits

#define S_USCC_LENGTH        18
#define S_RESIDENT_LENGTH    18
#define S_PROJECT_LENGTH     24
#define S_LEGACY_LENGTH      28
#define S_DEPARTMENT_MIN     2
#define S_DEPARTMENT_MAX     32
#define S_PROJECT_FIRST_YEAR 1990

//  Earliest accepted birth date; records of people born in the 19th century
//  (e.g. 440524188001010014) are still held, so the bound is 1800-01-01.
#define S_BIRTH_EARLIEST     18000101L

//  -------------------------------------------------------------------------
//  GB 32100-2015 (USCC)

static const char s_uscc_alphabet [] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
#define S_USCC_BASE 31

static const int s_uscc_weights [17] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

//  Registration authorities (position 1): 1 编制, 5 民政, 9 工商, A, N, Y,
//  and 2-8 for the other authorities.
static const char s_uscc_authorities [] = "123456789ANY";

//  GB 11714 organization code weights
static const int s_orgcode_weights [8] = { 3, 7, 9, 10, 5, 8, 4, 2 };

//  -------------------------------------------------------------------------
//  GB 11643-1999 (resident identity number)

static const int s_resident_weights [17] = {
    7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
};
static const char s_resident_checks [] = "10X98765432";

//  Province codes (first two digits of the address code, GB/T 2260), with
//  71 Taiwan and 81 Hong Kong, 82 Macau, 83 Taiwan residence permits.
static const int s_provinces [] = {
    11, 12, 13, 14, 15,
    21, 22, 23,
    31, 32, 33, 34, 35, 36, 37,
    41, 42, 43, 44, 45, 46,
    50, 51, 52, 53, 54,
    61, 62, 63, 64, 65,
    71, 81, 82, 83
};

#define S_PROVINCES (sizeof (s_provinces) / sizeof (s_provinces [0]))

//  -------------------------------------------------------------------------
//  Reasons: static English text, one per refusal

static const char *S_NO_INPUT       = "no identifier given";
static const char *S_EMPTY          = "the identifier is empty";
static const char *S_TOO_LONG       = "the identifier is longer than 32 characters";
static const char *S_BAD_BYTE       = "the identifier contains a space, control byte or non-ASCII byte";
static const char *S_UNKNOWN_TYPE   = "unknown key type";

static const char *S_USCC_LENGTH_R  = "a unified social credit code has exactly 18 characters";
static const char *S_USCC_ALPHABET  = "a unified social credit code uses only 0-9 and A-Z without I, O, S, V, Z";
static const char *S_USCC_AUTHORITY = "USCC position 1 is not a registration authority (1-9, A, N, Y)";
static const char *S_USCC_DIVISION  = "USCC positions 3-8 (administrative division) must be digits";
static const char *S_USCC_ORGCODE   = "the check character of the embedded organization code (USCC position 17) is wrong";
static const char *S_USCC_CHECK     = "the USCC check character (position 18) is wrong";

static const char *S_RES_LENGTH     = "a resident identity number has exactly 18 characters";
static const char *S_RES_DIGITS     = "resident identity number positions 1-17 must be digits";
static const char *S_RES_LAST       = "the last character of a resident identity number must be a digit or X";
static const char *S_RES_PROVINCE   = "the address code's province (first two digits) does not exist";
static const char *S_RES_DATE       = "the birth date (positions 7-14) is not a real calendar date";
static const char *S_RES_EARLY      = "the birth date is before 1800-01-01";
static const char *S_RES_FUTURE     = "the birth date is in the future";
static const char *S_RES_CHECK      = "the resident identity number check character is wrong";

static const char *S_PRJ_LENGTH     = "a project code has exactly 24 characters (YYYY-RRRRRR-DD-TT-NNNNNC)";
static const char *S_PRJ_HYPHEN     = "a project code has hyphens at positions 5, 12, 15 and 18 only";
static const char *S_PRJ_DIGIT      = "a project code has digits in every position except its hyphens";
static const char *S_PRJ_YEAR_EARLY = "the project code's year is before 1990";
static const char *S_PRJ_YEAR_LATE  = "the project code's year is after next year";

static const char *S_LEG_LENGTH     = "a legacy project code has exactly 28 characters";
static const char *S_LEG_ALPHABET   = "a legacy project code uses only 0-9, upper-case A-Z and hyphens";
static const char *S_LEG_YEAR       = "a legacy project code starts with a 4-digit year";
static const char *S_LEG_YEAR_EARLY = "the legacy project code's year is before 1990";
static const char *S_LEG_YEAR_LATE  = "the legacy project code's year is after next year";

static const char *S_DEP_LENGTH     = "a department id has 2 to 32 characters";
static const char *S_DEP_LOWER      = "a department id is upper case; lower case is refused";
static const char *S_DEP_FIRST      = "a department id starts with a letter A-Z";
static const char *S_DEP_ALPHABET   = "a department id uses only A-Z, 0-9 and hyphens";
static const char *S_DEP_HYPHEN     = "a hyphen in a department id must be followed by a letter or digit";


//  -------------------------------------------------------------------------
//  Small helpers. None depends on the locale.

//  Length of a string, reading at most `bound` bytes (like strnlen, which
//  C11 does not declare); returns `bound` if no NUL came first.
static size_t
s_length (const char *string, size_t bound)
{
    size_t length = 0;
    while (length < bound && string [length])
        length++;
    return length;
}

static bool
s_is_digit (char c)
{
    return c >= '0' && c <= '9';
}

static bool
s_is_upper (char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool
s_is_lower (char c)
{
    return c >= 'a' && c <= 'z';
}

//  Printable ASCII without space: '!' .. '~'
static bool
s_is_graphic (char c)
{
    unsigned char byte = (unsigned char) c;
    return byte >= 0x21 && byte <= 0x7E;
}

static char
s_to_upper (char c)
{
    return s_is_lower (c)? (char) (c - 'a' + 'A'): c;
}

//  Value of a USCC character, or -1 if outside the alphabet. The alphabet
//  is upper case; callers canonicalize first.
static int
s_uscc_value (char c)
{
    if (c == '\0')
        return -1;
    const char *found = strchr (s_uscc_alphabet, c);
    return found? (int) (found - s_uscc_alphabet): -1;
}

//  Value of a GB 11714 character: 0-9 are 0-9, A-Z are 10-35; -1 otherwise.
static int
s_orgcode_value (char c)
{
    if (s_is_digit (c))
        return c - '0';
    if (s_is_upper (c))
        return c - 'A' + 10;
    return -1;
}

//  Value of `count` digits at `text`; the caller has checked they are digits.
static long
s_digits_value (const char *text, size_t count)
{
    long value = 0;
    for (size_t index = 0; index < count; index++)
        value = value * 10 + (text [index] - '0');
    return value;
}

static bool
s_is_leap (long year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
s_days_in_month (long year, long month)
{
    static const int days [12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    assert (month >= 1 && month <= 12);
    if (month == 2 && s_is_leap (year))
        return 29;
    return days [month - 1];
}

//  Civil date (UTC) of `today` as YYYYMMDD, with 0 meaning now. Computed
//  from the day count (proleptic Gregorian calendar), so it needs neither
//  gmtime_r nor the time zone, and works for any time_t without overflow.
//  Years are clamped to 0..9999, which is all the comparisons need.
static long
s_today_ymd (time_t today)
{
    if (today == 0)
        today = time (NULL);

    long long seconds = (long long) today;
    long long days = seconds / 86400;
    if (seconds % 86400 < 0)
        days--;                 //  floor division for times before 1970

    //  Days since 1970-01-01 to year/month/day, from H. Hinnant's
    //  "chrono-compatible low-level date algorithms"
    long long z = days + 719468;
    long long era = (z >= 0? z: z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long year = yoe + era * 400;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long day = doy - (153 * mp + 2) / 5 + 1;
    long long month = mp < 10? mp + 3: mp - 9;
    if (month <= 2)
        year++;

    if (year < 0)
        return 101;             //  0000-01-01
    if (year > 9999)
        return 99991231;
    return (long) (year * 10000 + month * 100 + day);
}

//  Checks a 4-digit year at `text` (already known to be digits) against
//  1990 .. the year after `today`'s; returns NULL or a reason.
static const char *
s_check_project_year (const char *text, time_t today,
                      const char *too_early, const char *too_late)
{
    long year = s_digits_value (text, 4);
    long this_year = s_today_ymd (today) / 10000;
    if (year < S_PROJECT_FIRST_YEAR)
        return too_early;
    if (year > this_year + 1)
        return too_late;
    return NULL;
}


//  -------------------------------------------------------------------------
//  Type rules. Each takes the canonical candidate (length already bounded
//  by IDENT_MAX, every byte printable ASCII) and returns NULL if valid or
//  the reason it is not.

static const char *
s_check_uscc (const char *code, size_t length)
{
    if (length != S_USCC_LENGTH)
        return S_USCC_LENGTH_R;
    for (size_t index = 0; index < S_USCC_LENGTH; index++)
        if (s_uscc_value (code [index]) < 0)
            return S_USCC_ALPHABET;
    if (!strchr (s_uscc_authorities, code [0]))
        return S_USCC_AUTHORITY;
    //  Position 2 may be any character of the alphabet
    for (size_t index = 2; index < 8; index++)
        if (!s_is_digit (code [index]))
            return S_USCC_DIVISION;
    if (ident_orgcode_check_char (code + 8) != code [16])
        return S_USCC_ORGCODE;
    if (ident_uscc_check_char (code) != code [17])
        return S_USCC_CHECK;
    return NULL;
}

static const char *
s_check_resident (const char *code, size_t length, time_t today)
{
    if (length != S_RESIDENT_LENGTH)
        return S_RES_LENGTH;
    for (size_t index = 0; index < 17; index++)
        if (!s_is_digit (code [index]))
            return S_RES_DIGITS;
    if (!s_is_digit (code [17]) && code [17] != 'X')
        return S_RES_LAST;

    long province = s_digits_value (code, 2);
    bool province_known = false;
    for (size_t index = 0; index < S_PROVINCES; index++)
        if (s_provinces [index] == province)
            province_known = true;
    if (!province_known)
        return S_RES_PROVINCE;

    long year = s_digits_value (code + 6, 4);
    long month = s_digits_value (code + 10, 2);
    long day = s_digits_value (code + 12, 2);
    if (month < 1 || month > 12
    ||  day < 1 || day > s_days_in_month (year, month))
        return S_RES_DATE;
    long birth = year * 10000 + month * 100 + day;
    if (birth < S_BIRTH_EARLIEST)
        return S_RES_EARLY;
    if (birth > s_today_ymd (today))
        return S_RES_FUTURE;

    if (ident_resident_check_char (code) != code [17])
        return S_RES_CHECK;
    return NULL;
}

static const char *
s_check_project (const char *code, size_t length, time_t today)
{
    //  YYYY-RRRRRR-DD-TT-NNNNNC
    static const char pattern [] = "9999-999999-99-99-999999";
    assert (sizeof (pattern) - 1 == S_PROJECT_LENGTH);

    if (length != S_PROJECT_LENGTH)
        return S_PRJ_LENGTH;
    for (size_t index = 0; index < S_PROJECT_LENGTH; index++) {
        if (pattern [index] == '-') {
            if (code [index] != '-')
                return S_PRJ_HYPHEN;
        }
        else
        if (!s_is_digit (code [index]))
            return code [index] == '-'? S_PRJ_HYPHEN: S_PRJ_DIGIT;
    }
    return s_check_project_year (code, today, S_PRJ_YEAR_EARLY, S_PRJ_YEAR_LATE);
}

static const char *
s_check_legacy (const char *code, size_t length, time_t today)
{
    if (length != S_LEGACY_LENGTH)
        return S_LEG_LENGTH;
    for (size_t index = 0; index < S_LEGACY_LENGTH; index++)
        if (!s_is_digit (code [index]) && !s_is_upper (code [index])
        &&  code [index] != '-')
            return S_LEG_ALPHABET;
    for (size_t index = 0; index < 4; index++)
        if (!s_is_digit (code [index]))
            return S_LEG_YEAR;
    return s_check_project_year (code, today, S_LEG_YEAR_EARLY, S_LEG_YEAR_LATE);
}

static const char *
s_check_department (const char *code, size_t length)
{
    if (length < S_DEPARTMENT_MIN || length > S_DEPARTMENT_MAX)
        return S_DEP_LENGTH;
    for (size_t index = 0; index < length; index++)
        if (s_is_lower (code [index]))
            return S_DEP_LOWER;
    for (size_t index = 0; index < length; index++)
        if (!s_is_upper (code [index]) && !s_is_digit (code [index])
        &&  code [index] != '-')
            return S_DEP_ALPHABET;
    if (!s_is_upper (code [0]))
        return S_DEP_FIRST;
    //  ^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$: every hyphen is followed by a
    //  letter or digit, hence no "--" and no trailing hyphen
    for (size_t index = 0; index < length; index++)
        if (code [index] == '-'
        && (index + 1 == length || code [index + 1] == '-'))
            return S_DEP_HYPHEN;
    return NULL;
}


//  -------------------------------------------------------------------------
//  Key type from its catalog name; IDENT_NONE if unknown.

ident_type_t
ident_type_from_name (const char *name)
{
    if (!name)
        return IDENT_NONE;
    //  Longest name is "project-code-legacy" (19); bound the read
    size_t length = s_length (name, IDENT_MAX + 1);
    for (size_t index = 0; index < S_TYPES; index++)
        if (strlen (s_types [index].name) == length
        &&  memcmp (s_types [index].name, name, length) == 0)
            return s_types [index].type;
    return IDENT_NONE;
}


//  -------------------------------------------------------------------------
//  Catalog name of a key type; "none" for IDENT_NONE (and unknown values).

const char *
ident_type_name (ident_type_t type)
{
    for (size_t index = 0; index < S_TYPES; index++)
        if (s_types [index].type == type)
            return s_types [index].name;
    return "none";
}


//  -------------------------------------------------------------------------
//  Validates `input` as `type`; see ident.h.

bool
ident_validate (ident_type_t type, const char *input, char *canon,
                time_t today, const char **reason)
{
    const char *refusal = NULL;
    char candidate [IDENT_MAX + 1];
    size_t length = 0;

    if (canon)
        canon [0] = '\0';

    if (!input)
        refusal = S_NO_INPUT;
    else {
        length = s_length (input, IDENT_MAX + 1);
        if (length == 0)
            refusal = S_EMPTY;
        else
        if (length > IDENT_MAX)
            refusal = S_TOO_LONG;
        else {
            for (size_t index = 0; index < length && !refusal; index++)
                if (!s_is_graphic (input [index]))
                    refusal = S_BAD_BYTE;
        }
    }
    if (!refusal) {
        //  Only the USCC and the resident identity number fold lower case;
        //  the other types refuse it in their own rules
        bool fold = type == IDENT_USCC || type == IDENT_RESIDENT_ID;
        for (size_t index = 0; index < length; index++)
            candidate [index] = fold? s_to_upper (input [index]): input [index];
        candidate [length] = '\0';

        switch (type) {
            case IDENT_USCC:
                refusal = s_check_uscc (candidate, length);
                break;
            case IDENT_RESIDENT_ID:
                refusal = s_check_resident (candidate, length, today);
                break;
            case IDENT_PROJECT_CODE:
                refusal = s_check_project (candidate, length, today);
                break;
            case IDENT_PROJECT_LEGACY:
                refusal = s_check_legacy (candidate, length, today);
                break;
            case IDENT_DEPARTMENT:
                refusal = s_check_department (candidate, length);
                break;
            case IDENT_NONE:
            default:
                refusal = S_UNKNOWN_TYPE;
                break;
        }
    }
    if (refusal) {
        if (reason)
            *reason = refusal;
        return false;
    }
    if (canon)
        memcpy (canon, candidate, length + 1);
    if (reason)
        *reason = NULL;
    return true;
}


//  -------------------------------------------------------------------------
//  USCC check character for 17 characters of the USCC alphabet.

char
ident_uscc_check_char (const char *code17)
{
    if (!code17)
        return '\0';
    int sum = 0;
    //  Stops at the first character outside the alphabet, NUL included
    for (size_t index = 0; index < 17; index++) {
        int value = s_uscc_value (code17 [index]);
        if (value < 0)
            return '\0';
        sum += value * s_uscc_weights [index];
    }
    int check = S_USCC_BASE - sum % S_USCC_BASE;
    if (check == S_USCC_BASE)
        check = 0;
    return s_uscc_alphabet [check];
}


//  -------------------------------------------------------------------------
//  GB 11714 organization code check character for 8 characters 0-9, A-Z.

char
ident_orgcode_check_char (const char *code8)
{
    if (!code8)
        return '\0';
    int sum = 0;
    for (size_t index = 0; index < 8; index++) {
        int value = s_orgcode_value (code8 [index]);
        if (value < 0)
            return '\0';
        sum += value * s_orgcode_weights [index];
    }
    int check = 11 - sum % 11;
    if (check == 10)
        return 'X';
    if (check == 11)
        return '0';
    return (char) ('0' + check);
}


//  -------------------------------------------------------------------------
//  Resident identity number check character for 17 digits.

char
ident_resident_check_char (const char *digits17)
{
    if (!digits17)
        return '\0';
    int sum = 0;
    for (size_t index = 0; index < 17; index++) {
        if (!s_is_digit (digits17 [index]))
            return '\0';
        sum += (digits17 [index] - '0') * s_resident_weights [index];
    }
    return s_resident_checks [sum % 11];
}


//  -------------------------------------------------------------------------
//  Masked copy for logs and output; see ident.h. A value shaped like a
//  resident identity number (17 digits then a digit or X/x) keeps its first
//  6 and last 4 characters whether or not it is valid. Anything else keeps
//  its first 2 characters, and only those that are printable ASCII, so that
//  a masked value can never carry control bytes into a log. Over-long input
//  is cut to IDENT_MAX characters. NULL input gives an empty string.

void
ident_mask (const char *input, char *out)
{
    assert (out);
    out [0] = '\0';
    if (!input)
        return;

    size_t length = s_length (input, IDENT_MAX);
    bool resident = length == S_RESIDENT_LENGTH;
    for (size_t index = 0; index < 17 && resident; index++)
        if (!s_is_digit (input [index]))
            resident = false;
    if (resident
    && !s_is_digit (input [17]) && input [17] != 'X' && input [17] != 'x')
        resident = false;

    for (size_t index = 0; index < length; index++) {
        bool keep = resident? (index < 6 || index >= length - 4): index < 2;
        out [index] = keep && s_is_graphic (input [index])? input [index]: '*';
    }
    out [length] = '\0';
}


//  -------------------------------------------------------------------------
//  Self test: the vectors of proto/PROTOCOL.md ("Identifiers"), then every
//  class of bad input.

typedef struct {
    ident_type_t type;
    const char *input;
    const char *canon;          //  NULL: must be refused
} s_vector_t;

//  2025-06-15 00:00:00 UTC, a fixed "today" so the vectors do not age
#define S_TEST_TODAY ((time_t) 1749945600)

void
ident_test (bool verbose)
{
    printf (" * ident: ");
    if (verbose)
        printf ("\n");

    //  Names
    for (size_t index = 0; index < S_TYPES; index++) {
        assert (ident_type_from_name (ident_type_name (s_types [index].type))
                == s_types [index].type);
    }
    assert (ident_type_from_name ("uscc") == IDENT_USCC);
    assert (ident_type_from_name ("resident-id") == IDENT_RESIDENT_ID);
    assert (ident_type_from_name ("project-code") == IDENT_PROJECT_CODE);
    assert (ident_type_from_name ("project-code-legacy") == IDENT_PROJECT_LEGACY);
    assert (ident_type_from_name ("department") == IDENT_DEPARTMENT);
    assert (ident_type_from_name ("USCC") == IDENT_NONE);
    assert (ident_type_from_name ("uscc ") == IDENT_NONE);
    assert (ident_type_from_name ("project") == IDENT_NONE);
    assert (ident_type_from_name ("") == IDENT_NONE);
    assert (ident_type_from_name (NULL) == IDENT_NONE);
    assert (ident_type_from_name ("none") == IDENT_NONE);
    assert (strcmp (ident_type_name (IDENT_NONE), "none") == 0);
    assert (strcmp (ident_type_name ((ident_type_t) 99), "none") == 0);
    assert (strcmp (ident_type_name (IDENT_PROJECT_LEGACY), "project-code-legacy") == 0);

    //  Check characters, including the remainder mappings
    assert (ident_uscc_check_char ("91310115MA1K3BTP2") == 'B');
    assert (ident_uscc_check_char ("91310115100000067") == '0');     //  31 -> '0'
    assert (ident_uscc_check_char ("9131011510000006") == '\0');     //  short
    assert (ident_uscc_check_char ("9131011510000006I") == '\0');
    assert (ident_uscc_check_char ("91310115ma1k3btp2") == '\0');    //  upper only
    assert (ident_uscc_check_char (NULL) == '\0');
    assert (ident_orgcode_check_char ("MA1K3BTP") == '2');
    assert (ident_orgcode_check_char ("10000018") == 'X');            //  10 -> 'X'
    assert (ident_orgcode_check_char ("10000004") == '0');            //  11 -> '0'
    assert (ident_orgcode_check_char ("6000373") == '\0');
    assert (ident_orgcode_check_char ("6000373a") == '\0');
    assert (ident_orgcode_check_char (NULL) == '\0');
    assert (ident_resident_check_char ("11010519491231002") == 'X');
    assert (ident_resident_check_char ("44052418800101001") == '4');
    assert (ident_resident_check_char ("1101051949123100") == '\0');
    assert (ident_resident_check_char ("1101051949123100A") == '\0');
    assert (ident_resident_check_char (NULL) == '\0');

    //  The table of proto/PROTOCOL.md, "Identifiers", with today = 2025-06-15
    static const s_vector_t vectors [] = {
        //  USCC, valid
        { IDENT_USCC, "91310115MA1K3BTP2B", "91310115MA1K3BTP2B" },
        { IDENT_USCC, "91110000600037341L", "91110000600037341L" },
        { IDENT_USCC, "121200004013590816", "121200004013590816" },
        { IDENT_USCC, "91310115ma1k3btp2b", "91310115MA1K3BTP2B" },
        { IDENT_USCC, "913101151000000670", "913101151000000670" },
        { IDENT_USCC, "9131011510000018XU", "9131011510000018XU" },
        { IDENT_USCC, "913101151000000408", "913101151000000408" },
        { IDENT_USCC, "Y1110000MA01AB2C3C", "Y1110000MA01AB2C3C" },
        { IDENT_USCC, "NA310115P00000010M", "NA310115P00000010M" },
        { IDENT_USCC, "A2440300123456788H", "A2440300123456788H" },
        //  USCC, invalid
        { IDENT_USCC, "91110000600037341N", NULL },     //  check character
        { IDENT_USCC, "9111000060003IOZSV", NULL },     //  forbidden letters
        { IDENT_USCC, "91110000600037342P", NULL },     //  embedded check
        { IDENT_USCC, "B1310115600037341W", NULL },     //  authority B
        { IDENT_USCC, "013101156000373418", NULL },     //  authority 0
        { IDENT_USCC, "913101A5600037341A", NULL },     //  letter in division
        { IDENT_USCC, "91310115MA1K3BTP2", NULL },      //  17 characters
        { IDENT_USCC, "91310115MA1K3BTP2BB", NULL },    //  19 characters
        { IDENT_USCC, "91310115MA1K3BTP2 ", NULL },     //  space
        { IDENT_USCC, "91310115MA1K3BTP2-", NULL },
        //  Resident identity number, valid
        { IDENT_RESIDENT_ID, "11010519491231002X", "11010519491231002X" },
        { IDENT_RESIDENT_ID, "11010519491231002x", "11010519491231002X" },
        { IDENT_RESIDENT_ID, "440524188001010014", "440524188001010014" },
        { IDENT_RESIDENT_ID, "110101200002290018", "110101200002290018" },
        { IDENT_RESIDENT_ID, "110101202402290024", "110101202402290024" },
        { IDENT_RESIDENT_ID, "110101180001010015", "110101180001010015" },
        { IDENT_RESIDENT_ID, "710000198001010010", "710000198001010010" },
        { IDENT_RESIDENT_ID, "810000199001010027", "810000199001010027" },
        { IDENT_RESIDENT_ID, "820000199001010037", "820000199001010037" },
        { IDENT_RESIDENT_ID, "830000199001010047", "830000199001010047" },
        { IDENT_RESIDENT_ID, "110101202506150018", "110101202506150018" },
        //  Resident identity number, invalid
        { IDENT_RESIDENT_ID, "360426199113010079", NULL },  //  month 13
        { IDENT_RESIDENT_ID, "110101190002290011", NULL },  //  1900 not leap
        { IDENT_RESIDENT_ID, "110101202302290019", NULL },  //  2023 not leap
        { IDENT_RESIDENT_ID, "110101199004310013", NULL },  //  April 31
        { IDENT_RESIDENT_ID, "11010119900100001X", NULL },  //  day 0
        { IDENT_RESIDENT_ID, "110101199000010013", NULL },  //  month 0
        { IDENT_RESIDENT_ID, "110101179912310010", NULL },  //  before 1800
        { IDENT_RESIDENT_ID, "110101209912310015", NULL },  //  future
        { IDENT_RESIDENT_ID, "110101202506160013", NULL },  //  tomorrow
        { IDENT_RESIDENT_ID, "100101199001010013", NULL },  //  province 10
        { IDENT_RESIDENT_ID, "160101199001010014", NULL },  //  province 16
        { IDENT_RESIDENT_ID, "990101199001010019", NULL },  //  province 99
        { IDENT_RESIDENT_ID, "110105194912310021", NULL },  //  check character
        { IDENT_RESIDENT_ID, "11010519491231002Y", NULL },
        { IDENT_RESIDENT_ID, "1101051949123100X2", NULL },
        { IDENT_RESIDENT_ID, "11010519491231002", NULL },
        { IDENT_RESIDENT_ID, "110105194912310", NULL },     //  old 15-digit
        //  Project code, valid
        { IDENT_PROJECT_CODE, "2017-310115-04-01-000123", "2017-310115-04-01-000123" },
        { IDENT_PROJECT_CODE, "1990-110000-00-00-000000", "1990-110000-00-00-000000" },
        { IDENT_PROJECT_CODE, "2026-440300-89-02-123459", "2026-440300-89-02-123459" },
        //  Project code, invalid
        { IDENT_PROJECT_CODE, "1989-310115-04-01-000123", NULL },   //  year
        { IDENT_PROJECT_CODE, "2027-310115-04-01-000123", NULL },   //  year
        { IDENT_PROJECT_CODE, "2017-310115-04-01-00012", NULL },
        { IDENT_PROJECT_CODE, "2017-310115-04-01-0001234", NULL },
        { IDENT_PROJECT_CODE, "2017-310115-04-01-00012A", NULL },
        { IDENT_PROJECT_CODE, "2017310115-04-01-0001234", NULL },
        { IDENT_PROJECT_CODE, "2017-310115-04-01--00123", NULL },
        { IDENT_PROJECT_CODE, "2017 310115 04 01 000123", NULL },
        { IDENT_PROJECT_CODE, "2017_310115_04_01_000123", NULL },
        //  Legacy project code, valid
        { IDENT_PROJECT_LEGACY, "2015-310115-04-01-0001230001", "2015-310115-04-01-0001230001" },
        { IDENT_PROJECT_LEGACY, "2012SHPD0000000000000000ABCD", "2012SHPD0000000000000000ABCD" },
        //  Legacy project code, invalid
        { IDENT_PROJECT_LEGACY, "2015-310115-04-01-000123000", NULL },
        { IDENT_PROJECT_LEGACY, "2015-310115-04-01-00012300012", NULL },
        { IDENT_PROJECT_LEGACY, "2012shpd0000000000000000abcd", NULL },
        { IDENT_PROJECT_LEGACY, "SH15-310115-04-01-0001230001", NULL },
        { IDENT_PROJECT_LEGACY, "1989-310115-04-01-0001230001", NULL },
        { IDENT_PROJECT_LEGACY, "2027-310115-04-01-0001230001", NULL },
        { IDENT_PROJECT_LEGACY, "2015-310115-04-01_0001230001", NULL },
        //  Department id, valid
        { IDENT_DEPARTMENT, "SH-PD-MSA", "SH-PD-MSA" },
        { IDENT_DEPARTMENT, "TAX", "TAX" },
        { IDENT_DEPARTMENT, "BROKER", "BROKER" },
        { IDENT_DEPARTMENT, "A1", "A1" },
        { IDENT_DEPARTMENT, "A-1", "A-1" },
        { IDENT_DEPARTMENT, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-01234", "ABCDEFGHIJKLMNOPQRSTUVWXYZ-01234" },
        //  Department id, invalid
        { IDENT_DEPARTMENT, "A", NULL },
        { IDENT_DEPARTMENT, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-012345", NULL },
        { IDENT_DEPARTMENT, "tax", NULL },
        { IDENT_DEPARTMENT, "Tax", NULL },
        { IDENT_DEPARTMENT, "1TAX", NULL },
        { IDENT_DEPARTMENT, "-TAX", NULL },
        { IDENT_DEPARTMENT, "TAX-", NULL },
        { IDENT_DEPARTMENT, "SH--PD", NULL },
        { IDENT_DEPARTMENT, "SH_PD", NULL },
        { IDENT_DEPARTMENT, "SH.PD", NULL },
        { IDENT_DEPARTMENT, "SH PD", NULL },
        { IDENT_DEPARTMENT, "SH/PD", NULL },
        //  Hostile input, refused by every type
        { IDENT_DEPARTMENT, "' OR 1=1 --", NULL },
        { IDENT_DEPARTMENT, "TAX';DROP", NULL },
        { IDENT_USCC, "' OR 1=1 --", NULL },
        { IDENT_USCC, "91310115MA1K3B'--", NULL },
        { IDENT_RESIDENT_ID, "' OR '1'='1' --123", NULL },
        { IDENT_PROJECT_CODE, "2017-310115-04-01-0'--;", NULL },
        { IDENT_PROJECT_LEGACY, "2015' OR 1=1 -- 00000000000", NULL },
        { IDENT_USCC, "91310115'OR'1'='1'", NULL },
        { IDENT_RESIDENT_ID, "110105'OR'1'='1'--", NULL },
        { IDENT_PROJECT_CODE, "2017-310115-04-01-0'--;'", NULL },
        { IDENT_PROJECT_LEGACY, "2015-310115';DROP-TABLE-X--1", NULL },
        { IDENT_DEPARTMENT, "TAX\n", NULL },
        { IDENT_DEPARTMENT, "TAX\t", NULL },
        { IDENT_DEPARTMENT, "\x7fTAX", NULL },
        { IDENT_DEPARTMENT, "T\xc3\x84X", NULL },                   //  UTF-8
        { IDENT_USCC, "91310115MA1K3BTP2\xef\xbc\xa2", NULL },      //  fullwidth B
        { IDENT_RESIDENT_ID, "11010519491231002\xc3\x97", NULL },
        { IDENT_RESIDENT_ID, "\xef\xbc\x91\xef\xbc\x91" "0105194912310020", NULL },
        { IDENT_USCC, "", NULL },
        { IDENT_RESIDENT_ID, "", NULL },
        { IDENT_PROJECT_CODE, "", NULL },
        { IDENT_PROJECT_LEGACY, "", NULL },
        { IDENT_DEPARTMENT, "", NULL },
        //  A valid value of one type is not valid as another type
        { IDENT_DEPARTMENT, "91310115MA1K3BTP2B", NULL },
        { IDENT_RESIDENT_ID, "91310115MA1K3BTP2B", NULL },
        { IDENT_USCC, "11010519491231002X", NULL },
        { IDENT_NONE, "TAX", NULL },
        { (ident_type_t) 99, "TAX", NULL },
    };
    size_t vector_count = sizeof (vectors) / sizeof (vectors [0]);
    for (size_t index = 0; index < vector_count; index++) {
        const s_vector_t *vector = &vectors [index];
        char canon [IDENT_MAX + 1];
        const char *reason = "unset";
        memset (canon, 'Z', sizeof (canon));
        bool valid = ident_validate (vector->type, vector->input, canon,
                                     S_TEST_TODAY, &reason);
        if (verbose) {
            //  Shown with its bytes escaped, as hostile input is never
            //  written raw to a terminal or log
            char shown [4 * IDENT_MAX + 1];
            size_t used = 0;
            for (size_t at = 0; vector->input [at] && at < IDENT_MAX; at++) {
                if (s_is_graphic (vector->input [at]))
                    shown [used++] = vector->input [at];
                else {
                    snprintf (shown + used, 5, "\\x%02x",
                              (unsigned char) vector->input [at]);
                    used += 4;
                }
            }
            shown [used] = '\0';
            printf ("   %-20s %-34s %s\n", ident_type_name (vector->type),
                    shown, valid? "valid": reason);
        }
        if (vector->canon) {
            if (!valid)
                printf ("E: %s refused: %s\n", vector->input, reason);
            assert (valid);
            assert (reason == NULL);
            assert (strcmp (canon, vector->canon) == 0);
            //  The canonical form is a fixed point
            char again [IDENT_MAX + 1];
            assert (ident_validate (vector->type, canon, again, S_TEST_TODAY, NULL));
            assert (strcmp (again, canon) == 0);
            (void) again;
        }
        else {
            if (valid)
                printf ("E: %s accepted\n", vector->input);
            assert (!valid);
            assert (reason && strlen (reason) > 0);
            assert (canon [0] == '\0');
        }
        //  canon and reason may both be NULL
        assert (ident_validate (vector->type, vector->input, NULL,
                                S_TEST_TODAY, NULL) == (vector->canon != NULL));
    }

    //  Specific reasons for the classes of bad input
    const char *reason = NULL;
    char canon [IDENT_MAX + 1];
    (void) reason;
    assert (!ident_validate (IDENT_USCC, NULL, canon, 0, &reason));
    assert (reason == S_NO_INPUT);
    assert (!ident_validate (IDENT_USCC, "", canon, 0, &reason));
    assert (reason == S_EMPTY);
    assert (!ident_validate (IDENT_NONE, "TAX", canon, 0, &reason));
    assert (reason == S_UNKNOWN_TYPE);
    assert (!ident_validate (IDENT_DEPARTMENT, "tax", canon, 0, &reason));
    assert (reason == S_DEP_LOWER);
    assert (!ident_validate (IDENT_DEPARTMENT, "' OR 1=1 --", canon, 0, &reason));
    assert (reason == S_BAD_BYTE);
    assert (!ident_validate (IDENT_DEPARTMENT, "'OR-1=1", canon, 0, &reason));
    assert (reason == S_DEP_ALPHABET);
    assert (!ident_validate (IDENT_USCC, "91110000600037341N", canon, 0, &reason));
    assert (reason == S_USCC_CHECK);
    assert (!ident_validate (IDENT_USCC, "9111000060003IOZSV", canon, 0, &reason));
    assert (reason == S_USCC_ALPHABET);
    assert (!ident_validate (IDENT_USCC, "91110000600037342P", canon, 0, &reason));
    assert (reason == S_USCC_ORGCODE);
    assert (!ident_validate (IDENT_USCC, "B1310115600037341W", canon, 0, &reason));
    assert (reason == S_USCC_AUTHORITY);
    assert (!ident_validate (IDENT_USCC, "913101A5600037341A", canon, 0, &reason));
    assert (reason == S_USCC_DIVISION);
    assert (!ident_validate (IDENT_RESIDENT_ID, "360426199113010079", canon, 0, &reason));
    assert (reason == S_RES_DATE);
    assert (!ident_validate (IDENT_RESIDENT_ID, "110101179912310010", canon, 0, &reason));
    assert (reason == S_RES_EARLY);
    assert (!ident_validate (IDENT_RESIDENT_ID, "110101209912310015", canon, 0, &reason));
    assert (reason == S_RES_FUTURE);
    assert (!ident_validate (IDENT_RESIDENT_ID, "990101199001010019", canon, 0, &reason));
    assert (reason == S_RES_PROVINCE);
    assert (!ident_validate (IDENT_RESIDENT_ID, "110105194912310021", canon, 0, &reason));
    assert (reason == S_RES_CHECK);
    assert (!ident_validate (IDENT_PROJECT_CODE, "2017-310115-04-01-00012A", canon, 0, &reason));
    assert (reason == S_PRJ_DIGIT);
    assert (!ident_validate (IDENT_PROJECT_CODE, "2017310115-04-01-0001234", canon, 0, &reason));
    assert (reason == S_PRJ_HYPHEN);
    assert (!ident_validate (IDENT_PROJECT_LEGACY, "SH15-310115-04-01-0001230001", canon, 0, &reason));
    assert (reason == S_LEG_YEAR);

    //  Birth dates and project years follow `today`
    time_t day_2000_02_28 = (time_t) 951696000;     //  2000-02-28 00:00 UTC
    (void) day_2000_02_28;
    assert (!ident_validate (IDENT_RESIDENT_ID, "110101200002290018", NULL,
                             day_2000_02_28, &reason));
    assert (reason == S_RES_FUTURE);
    assert (ident_validate (IDENT_RESIDENT_ID, "110101200002290018", NULL,
                            day_2000_02_28 + 86400, NULL));
    assert (ident_validate (IDENT_RESIDENT_ID, "110101200002290018", NULL,
                            day_2000_02_28 + 2 * 86400 - 1, NULL));
    assert (ident_validate (IDENT_PROJECT_CODE, "2001-310115-04-01-000123", NULL,
                            day_2000_02_28, NULL));
    assert (!ident_validate (IDENT_PROJECT_CODE, "2002-310115-04-01-000123", NULL,
                             day_2000_02_28, NULL));
    //  Times before 1970 and at the limits of time_t are handled
    assert (s_today_ymd ((time_t) -1) == 19691231);
    assert (s_today_ymd ((time_t) -86400) == 19691231);
    assert (s_today_ymd ((time_t) -86401) == 19691230);
    assert (s_today_ymd ((time_t) 1) == 19700101);
    assert (s_today_ymd ((time_t) 951782400) == 20000229);
    assert (s_today_ymd (S_TEST_TODAY) == 20250615);
    assert (!ident_validate (IDENT_RESIDENT_ID, "440524188001010014", NULL,
                             (time_t) -3000000000LL, NULL));   //  1874
    if (sizeof (time_t) >= 8) {
        assert (s_today_ymd ((time_t) INT64_MAX) == 99991231);
        assert (s_today_ymd ((time_t) INT64_MIN) == 101);
    }
    //  Now: a person born in 1949 is valid today and every later day
    assert (ident_validate (IDENT_RESIDENT_ID, "11010519491231002X", NULL, 0, NULL));

    //  Over-long input: refused without reading past IDENT_MAX + 1 bytes.
    //  The buffer has no NUL at all, so a longer read would be caught by
    //  the address sanitizer.
    char unterminated [IDENT_MAX + 1];
    memset (unterminated, 'A', sizeof (unterminated));
    for (int type = IDENT_NONE; type <= IDENT_DEPARTMENT; type++) {
        assert (!ident_validate ((ident_type_t) type, unterminated, canon, 0, &reason));
        assert (reason == S_TOO_LONG);
    }
    assert (ident_type_from_name (unterminated) == IDENT_NONE);
    char exact [IDENT_MAX + 1];
    memset (exact, 'A', IDENT_MAX);
    exact [IDENT_MAX] = '\0';
    assert (ident_validate (IDENT_DEPARTMENT, exact, canon, 0, NULL));
    assert (strcmp (canon, exact) == 0);

    //  NUL tricks: the value ends at the first NUL; what follows is ignored
    //  and never makes a short value look complete
    assert (!ident_validate (IDENT_USCC, "91310115MA1K3BT\0P2B", canon, 0, &reason));
    assert (reason == S_USCC_LENGTH_R);
    assert (ident_validate (IDENT_DEPARTMENT, "TAX\0' OR 1=1", canon, 0, NULL));
    assert (strcmp (canon, "TAX") == 0);

    //  Every single byte 0x01..0xFF on its own and inside a valid value
    for (int byte = 1; byte < 256; byte++) {
        char value [IDENT_MAX + 1];
        snprintf (value, sizeof (value), "SH%cPD", byte);
        bool valid = ident_validate (IDENT_DEPARTMENT, value, canon, 0, NULL);
        assert (valid == (s_is_upper ((char) byte) || s_is_digit ((char) byte)
                          || byte == '-'));
        snprintf (value, sizeof (value), "91310115MA1K3BTP2B");
        value [4] = (char) byte;
        valid = ident_validate (IDENT_USCC, value, canon, 0, NULL);
        assert (valid == (byte == '0'));
        snprintf (value, sizeof (value), "11010519491231002X");
        value [17] = (char) byte;
        valid = ident_validate (IDENT_RESIDENT_ID, value, canon, 0, NULL);
        assert (valid == (byte == 'X' || byte == 'x'));
        (void) valid;
    }

    //  Masking
    char masked [IDENT_MAX + 1];
    ident_mask ("11010519491231002X", masked);
    assert (strcmp (masked, "110105********002X") == 0);
    ident_mask ("11010519491231002x", masked);
    assert (strcmp (masked, "110105********002x") == 0);
    ident_mask ("110105194912310021", masked);          //  wrong check, still
    assert (strcmp (masked, "110105********0021") == 0);
    ident_mask ("91310115MA1K3BTP2B", masked);
    assert (strcmp (masked, "91****************") == 0);
    ident_mask ("TAX", masked);
    assert (strcmp (masked, "TA*") == 0);
    ident_mask ("T", masked);
    assert (strcmp (masked, "T") == 0);
    ident_mask ("", masked);
    assert (strcmp (masked, "") == 0);
    ident_mask (NULL, masked);
    assert (strcmp (masked, "") == 0);
    ident_mask ("\n\x1b[31m", masked);                  //  no control bytes out
    assert (strcmp (masked, "******") == 0);
    ident_mask ("\xc3\x84X", masked);
    assert (strcmp (masked, "***") == 0);
    ident_mask (unterminated, masked);                  //  cut, not overrun
    assert (strlen (masked) == IDENT_MAX);
    assert (memcmp (masked, "AA******", 8) == 0);
    ident_mask ("1101051949123100XX", masked);          //  not resident-shaped
    assert (strcmp (masked, "11****************") == 0);

    printf ("OK\n");
}
