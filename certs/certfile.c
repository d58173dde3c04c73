/*  certfile.c -- the text files of the federation's trust.  */

#include "certfile.h"
#include "authority.h"
#include "ident.h"
#include "file.h"
#include "status.h"
#include <sodium.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>

char *
certfile_read (const char *path, size_t max, size_t *size_p, char **error)
{
    assert (path);
    assert (size_p);
    char *reason = NULL;
    char *text = file_read (path, max, size_p, &reason);
    //  errno is kept for the caller across the message: a shortage of
    //  descriptors (EMFILE) is not a bad file (the broker's reload tries
    //  again)
    int cause = errno;
    if (!text)
        status_set_error (error, "%s: %s", path, reason? reason: "cannot be read");
    zstr_free (&reason);
    errno = cause;
    return text;
}

static int
s_write_all (int fd, const char *text)
{
    size_t size = strlen (text);
    size_t done = 0;
    while (done < size) {
        ssize_t rc = write (fd, text + done, size - done);
        if (rc == -1 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        done += (size_t) rc;
    }
    return fsync (fd);
}

//  Writes a new file; never replaces one. 0 or -1 and *error.
static int
s_write_new (const char *path, const char *text, mode_t mode, char **error)
{
    //  O_EXCL: creation and the existence check are one step
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd == -1) {
        if (errno == EEXIST)
            status_set_error (error, "%s exists; not replaced without force", path);
        else
            status_set_error (error, "cannot create %s: %s", path, strerror (errno));
        return -1;
    }
    int rc = s_write_all (fd, text);
    if (close (fd) == -1)
        rc = -1;
    if (rc == -1) {
        status_set_error (error, "cannot write %s: %s", path, strerror (errno));
        unlink (path);
    }
    return rc;
}

int
certfile_write (const char *path, const char *text, bool secret, bool force,
                char **error)
{
    assert (path);
    assert (text);
    mode_t mode = secret? 0600: 0644;
    if (!force)
        return s_write_new (path, text, mode, error);
    //  Replace: mkstemp creates the temporary file with mode 0600, so a
    //  secret is never readable by others; then rename over the target
    char *temp = zsys_sprintf ("%s.tmp-XXXXXX", path);
    if (!temp) {
        status_set_error (error, "cannot write %s: out of memory", path);
        return -1;
    }
    int fd = mkstemp (temp);
    if (fd == -1) {
        status_set_error (error, "cannot create a file beside %s: %s",
                          path, strerror (errno));
        zstr_free (&temp);
        return -1;
    }
    int rc = 0;
    if (!secret && fchmod (fd, mode) == -1)
        rc = -1;
    if (rc == 0)
        rc = s_write_all (fd, text);
    if (close (fd) == -1)
        rc = -1;
    if (rc == 0 && rename (temp, path) == -1)
        rc = -1;
    if (rc == -1) {
        status_set_error (error, "cannot write %s: %s", path, strerror (errno));
        unlink (temp);
    }
    zstr_free (&temp);
    return rc;
}

bool
certfile_exists (const char *path)
{
    struct stat st;
    return lstat (path, &st) == 0;
}

zconfig_t *
certfile_parse (const char *text, size_t size, size_t max)
{
    if (!text || size == 0 || size > max)
        return NULL;
    if (memchr (text, 0, size))
        return NULL;            //  binary junk: no NUL inside a text file
    //  zconfig_str_load needs a NUL-terminated string
    char *copy = (char *) malloc (size + 1);
    if (!copy)
        return NULL;
    memcpy (copy, text, size);
    copy [size] = 0;
    zconfig_t *root = zconfig_str_load (copy);
    free (copy);
    return root;
}

int
certfile_fields (zconfig_t *section, const char *what,
                 const char **names, size_t count, const char **values,
                 char **error)
{
    assert (section);
    for (size_t index = 0; index < count; index++)
        values [index] = NULL;
    zconfig_t *child = zconfig_child (section);
    while (child) {
        const char *name = zconfig_name (child);
        size_t index;
        for (index = 0; index < count; index++)
            if (name && streq (name, names [index]))
                break;
        if (index == count) {
            status_set_error (error, "%s: unknown field '%s'", what, name? name: "");
            return -1;
        }
        if (values [index]) {
            status_set_error (error, "%s: field '%s' appears twice", what, name);
            return -1;
        }
        if (zconfig_child (child)) {
            status_set_error (error, "%s: field '%s' has children", what, name);
            return -1;
        }
        values [index] = zconfig_value (child)? zconfig_value (child): "";
        child = zconfig_next (child);
    }
    return 0;
}

//  Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
//  days_from_civil), and back. Exact, with no time zone involved.
static int64_t
s_days_from_civil (int64_t year, int64_t month, int64_t day)
{
    year -= month <= 2;
    int64_t era = (year >= 0? year: year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t doy = (153 * (month + (month > 2? -3: 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
s_civil_from_days (int64_t days, int *year, int *month, int *day)
{
    days += 719468;
    int64_t era = (days >= 0? days: days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (int) (doy - (153 * mp + 2) / 5 + 1);
    *month = (int) (mp < 10? mp + 3: mp - 9);
    *year = (int) (yoe + era * 400 + (*month <= 2));
}

static int
s_digits (const char *text, int count)
{
    int value = 0;
    for (int index = 0; index < count; index++) {
        if (text [index] < '0' || text [index] > '9')
            return -1;
        value = value * 10 + (text [index] - '0');
    }
    return value;
}

int
certfile_time_parse (const char *text, int64_t *time_p)
{
    assert (time_p);
    if (!text || strlen (text) != CERTFILE_TIME_SIZE - 1)
        return -1;
    if (text [4] != '-' || text [7] != '-' || text [10] != 'T'
    ||  text [13] != ':' || text [16] != ':' || text [19] != 'Z')
        return -1;
    int year = s_digits (text, 4);
    int month = s_digits (text + 5, 2);
    int day = s_digits (text + 8, 2);
    int hour = s_digits (text + 11, 2);
    int minute = s_digits (text + 14, 2);
    int second = s_digits (text + 17, 2);
    if (year < 1970 || month < 1 || month > 12 || day < 1
    ||  hour < 0 || hour > 23 || minute < 0 || minute > 59
    ||  second < 0 || second > 59)
        return -1;
    static const int s_month_days [] = {
        31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > s_month_days [month - 1] || (month == 2 && day == 29 && !leap))
        return -1;
    *time_p = s_days_from_civil (year, month, day) * 86400
            + hour * 3600 + minute * 60 + second;
    return 0;
}

void
certfile_time_format (int64_t time, char *text)
{
    assert (text);
    if (time < 0)
        time = 0;
    if (time > CERTFILE_TIME_MAX)
        time = CERTFILE_TIME_MAX;
    int year, month, day;
    s_civil_from_days (time / 86400, &year, &month, &day);
    int64_t rest = time % 86400;
    //  The range is clamped above, so the text is always 20 characters; the
    //  larger buffer only keeps the compiler's truncation analysis quiet
    char buffer [64];
    snprintf (buffer, sizeof (buffer), "%04d-%02d-%02dT%02d:%02d:%02dZ",
              year, month, day, (int) (rest / 3600), (int) (rest / 60 % 60),
              (int) (rest % 60));
    memcpy (text, buffer, CERTFILE_TIME_SIZE - 1);
    text [CERTFILE_TIME_SIZE - 1] = 0;
}

int
certfile_uint_parse (const char *text, uint64_t max, uint64_t *value_p)
{
    assert (value_p);
    if (!text || !*text || strlen (text) > 20)
        return -1;
    if (text [0] == '0' && text [1])
        return -1;              //  one spelling per number: no leading zeros
    uint64_t value = 0;
    for (const char *digit = text; *digit; digit++) {
        if (*digit < '0' || *digit > '9')
            return -1;
        uint64_t cipher = (uint64_t) (*digit - '0');
        if (value > (UINT64_MAX - cipher) / 10)
            return -1;
        value = value * 10 + cipher;
    }
    if (value > max)
        return -1;
    *value_p = value;
    return 0;
}

int
certfile_hex_parse (const char *text, uint8_t *bin, size_t size)
{
    if (!text || strlen (text) != size * 2)
        return -1;
    //  Lowercase only, so that every value has exactly one spelling
    for (size_t index = 0; index < size * 2; index++)
        if (!((text [index] >= '0' && text [index] <= '9')
           || (text [index] >= 'a' && text [index] <= 'f')))
            return -1;
    size_t written = 0;
    if (sodium_hex2bin (bin, size, text, size * 2, NULL, &written, NULL) != 0
    ||  written != size)
        return -1;
    return 0;
}

char *
certfile_hex (const uint8_t *bin, size_t size)
{
    char *hex = (char *) malloc (size * 2 + 1);
    if (hex)
        sodium_bin2hex (hex, size * 2 + 1, bin, size);
    return hex;
}

bool
certfile_text_valid (const char *text, size_t max, bool empty_ok)
{
    if (!text)
        return false;
    size_t size = strlen (text);
    if (size > max || (size == 0 && !empty_ok))
        return false;
    const uint8_t *byte = (const uint8_t *) text;
    const uint8_t *end = byte + size;
    while (byte < end) {
        uint32_t code;
        size_t length;
        if (*byte < 0x80) {
            if (*byte < 0x20 || *byte == 0x7F || *byte == '"')
                return false;
            byte++;
            continue;
        }
        else
        if ((*byte & 0xE0) == 0xC0) {
            code = *byte & 0x1F;
            length = 2;
        }
        else
        if ((*byte & 0xF0) == 0xE0) {
            code = *byte & 0x0F;
            length = 3;
        }
        else
        if ((*byte & 0xF8) == 0xF0) {
            code = *byte & 0x07;
            length = 4;
        }
        else
            return false;
        if ((size_t) (end - byte) < length)
            return false;
        for (size_t index = 1; index < length; index++) {
            if ((byte [index] & 0xC0) != 0x80)
                return false;
            code = (code << 6) | (byte [index] & 0x3F);
        }
        //  No overlong forms, no surrogates, nothing past U+10FFFF, and no
        //  C1 control characters
        static const uint32_t s_min [] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (code < s_min [length] || code > 0x10FFFF
        || (code >= 0xD800 && code <= 0xDFFF)
        || (code >= 0x80 && code <= 0x9F))
            return false;
        byte += length;
    }
    return true;
}

bool
certfile_department_valid (const char *department, const char *what, char **error)
{
    assert (what);
    char canon [IDENT_MAX + 1];
    const char *reason = NULL;
    if (!department
    ||  !ident_validate (IDENT_DEPARTMENT, department, canon, 0, &reason)) {
        status_set_error (error, "%s: invalid department id: %s", what,
                          reason? reason: "missing");
        return false;
    }
    if (!streq (canon, department)) {
        status_set_error (error, "%s: department id '%s' is not in canonical form"
                          " '%s'", what, department, canon);
        return false;
    }
    return true;
}

int
certfile_pack_str (msgpack_packer *packer, const char *string)
{
    assert (packer);
    assert (string);
    size_t length = strlen (string);
    int rc = msgpack_pack_str (packer, length);
    rc |= msgpack_pack_str_body (packer, string, length);
    return rc;
}

uint8_t *
certfile_packed (msgpack_sbuffer *buffer, int rc, size_t *size)
{
    assert (buffer);
    assert (size);
    if (rc) {
        msgpack_sbuffer_destroy (buffer);
        return NULL;
    }
    *size = buffer->size;
    return (uint8_t *) msgpack_sbuffer_release (buffer);
}

int
certfile_sign (const uint8_t *canonical, size_t size, authority_t *authority,
               uint8_t *signature)
{
    assert (authority);
    assert (signature);
    if (!canonical || authority_sign (authority, canonical, size, signature))
        return -1;
    return 0;
}

int
certfile_verify (const uint8_t *canonical, size_t size,
                 const uint8_t *signature, const uint8_t *authority_public)
{
    assert (signature);
    assert (authority_public);
    if (!canonical)
        return -1;
    return crypto_sign_verify_detached (signature, canonical, size,
                                        authority_public) == 0? 0: -1;
}

void
certfile_test (bool verbose)
{
    printf (" * certfile: ");
    if (verbose)
        printf ("\n");

    //  Times: exact form, real dates, both directions
    int64_t time;
    assert (certfile_time_parse ("1970-01-01T00:00:00Z", &time) == 0);
    assert (time == 0);
    assert (certfile_time_parse ("2026-11-26T00:00:00Z", &time) == 0);
    assert (time == 1795651200);
    assert (certfile_time_parse ("2024-02-29T23:59:59Z", &time) == 0);
    char text [CERTFILE_TIME_SIZE];
    certfile_time_format (time, text);
    assert (streq (text, "2024-02-29T23:59:59Z"));
    certfile_time_format (CERTFILE_TIME_MAX, text);
    assert (streq (text, "9999-12-31T23:59:59Z"));
    assert (certfile_time_parse (text, &time) == 0);
    assert (time == CERTFILE_TIME_MAX);
    const char *bad_times [] = {
        "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-11-26T24:00:00Z", "2026-11-26T00:60:00Z", "2026-11-26T00:00:60Z",
        "2026-11-26 00:00:00Z", "2026-11-26T00:00:00", "2026-11-26T00:00:00+00",
        "1969-12-31T23:59:59Z", "+026-11-26T00:00:00Z", "2026-11-26T00:00:00Z ",
        "", "2026-1-26T00:00:00Z", NULL
    };
    for (int index = 0; bad_times [index]; index++)
        assert (certfile_time_parse (bad_times [index], &time) == -1);
    assert (certfile_time_parse (NULL, &time) == -1);
    //  Every day of a few centuries round-trips
    for (int64_t day = 0; day < 150000; day += 7) {
        certfile_time_format (day * 86400 + 3723, text);
        assert (certfile_time_parse (text, &time) == 0);
        assert (time == day * 86400 + 3723);
    }

    //  Numbers
    uint64_t value;
    assert (certfile_uint_parse ("0", 10, &value) == 0 && value == 0);
    assert (certfile_uint_parse ("9223372036854775807", CERTFILE_UINT_MAX, &value) == 0);
    assert (value == CERTFILE_UINT_MAX);
    assert (certfile_uint_parse ("9223372036854775808", CERTFILE_UINT_MAX, &value) == -1);
    assert (certfile_uint_parse ("18446744073709551616", UINT64_MAX, &value) == -1);
    assert (certfile_uint_parse ("007", 10, &value) == -1);
    assert (certfile_uint_parse ("-1", 10, &value) == -1);
    assert (certfile_uint_parse ("+1", 10, &value) == -1);
    assert (certfile_uint_parse ("1 ", 10, &value) == -1);
    assert (certfile_uint_parse ("", 10, &value) == -1);
    assert (certfile_uint_parse ("11", 10, &value) == -1);

    //  Hex: exact length, lowercase
    uint8_t bin [4];
    assert (certfile_hex_parse ("00ff10ab", bin, 4) == 0);
    assert (bin [1] == 0xFF && bin [3] == 0xAB);
    assert (certfile_hex_parse ("00FF10AB", bin, 4) == -1);
    assert (certfile_hex_parse ("00ff10a", bin, 4) == -1);
    assert (certfile_hex_parse ("00ff10abcd", bin, 4) == -1);
    assert (certfile_hex_parse ("00ff10ag", bin, 4) == -1);
    assert (certfile_hex_parse ("00 f10ab", bin, 4) == -1);
    char *hex = certfile_hex (bin, 4);
    assert (streq (hex, "00ff10ab"));
    free (hex);

    //  Display text
    assert (certfile_text_valid ("Pudong Market Supervision", 128, false));
    assert (certfile_text_valid ("浦东新区市场监督管理局", 128, false));
    assert (!certfile_text_valid ("", 128, false));
    assert (certfile_text_valid ("", 128, true));
    assert (!certfile_text_valid ("say \"hi\"", 128, false));
    assert (!certfile_text_valid ("two\nlines", 128, false));
    assert (!certfile_text_valid ("\xC0\xAF", 128, false));        //  overlong
    assert (!certfile_text_valid ("\xED\xA0\x80", 128, false));    //  surrogate
    assert (!certfile_text_valid ("\xE6\xB5", 128, false));        //  truncated
    assert (!certfile_text_valid ("\xC2\x85", 128, false));        //  C1 control
    assert (!certfile_text_valid ("abcdef", 5, false));
    assert (!certfile_text_valid (NULL, 5, true));

    //  Strict sections
    const char *zpl = "s\n    a = \"1\"\n    b = \"2\"\n";
    zconfig_t *root = certfile_parse (zpl, strlen (zpl), 100);
    assert (root);
    const char *names [] = { "a", "b", "c" };
    const char *values [3];
    char *error = NULL;
    assert (certfile_fields (zconfig_locate (root, "s"), "test", names, 3, values,
                             &error) == 0 && !error);
    assert (streq (values [0], "1") && streq (values [1], "2") && values [2] == NULL);
    assert (certfile_fields (zconfig_locate (root, "s"), "test", names, 1, values,
                             &error) == -1);
    assert (error && streq (error, "test: unknown field 'b'"));
    zstr_free (&error);
    zconfig_destroy (&root);
    zpl = "s\n    a = \"1\"\n    a = \"2\"\n";
    root = certfile_parse (zpl, strlen (zpl), 100);
    assert (root);
    assert (certfile_fields (zconfig_locate (root, "s"), "test", names, 3, values,
                             &error) == -1);
    assert (error && streq (error, "test: field 'a' appears twice"));
    zstr_free (&error);
    zconfig_destroy (&root);
    assert (certfile_parse (zpl, strlen (zpl), 10) == NULL);        //  too large
    assert (certfile_parse ("s\0x", 3, 100) == NULL);               //  NUL inside
    assert (certfile_parse (zpl, 0, 100) == NULL);

    //  Department ids: canonical only
    assert (certfile_department_valid ("SH-PD-MSA", "test", &error) && !error);
    assert (!certfile_department_valid ("sh-pd-msa", "test", &error));
    assert (error && strstr (error, "test: invalid department id: a department id is"
                                    " upper case"));
    assert (!certfile_department_valid ("Not An Id!", "test", &error));
    assert (error && strstr (error, "test: invalid department id"));
    assert (!certfile_department_valid ("", "test", NULL));
    assert (!certfile_department_valid (NULL, "test", &error));
    zstr_free (&error);

    //  Canonical encodings, signed by an authority and verified
    msgpack_sbuffer buffer;
    msgpack_sbuffer_init (&buffer);
    msgpack_packer packer;
    msgpack_packer_init (&packer, &buffer, msgpack_sbuffer_write);
    int rc = msgpack_pack_array (&packer, 2);
    rc |= certfile_pack_str (&packer, "sluice-test-1");
    rc |= certfile_pack_str (&packer, "");
    size_t canonical_size = 0;
    uint8_t *canonical = certfile_packed (&buffer, rc, &canonical_size);
    assert (canonical && canonical_size == 16);
    assert (canonical [0] == 0x92 && canonical [1] == 0xAD && canonical [15] == 0xA0);
    authority_t *authority = authority_new ("Test federation", NULL);
    assert (authority);
    uint8_t signature [64] = { 0 };
    assert (certfile_sign (canonical, canonical_size, authority, signature) == 0);
    assert (certfile_verify (canonical, canonical_size, signature,
                             authority_public (authority)) == 0);
    canonical [2] ^= 1;
    assert (certfile_verify (canonical, canonical_size, signature,
                             authority_public (authority)) == -1);
    assert (certfile_verify (NULL, 0, signature, authority_public (authority)) == -1);
    //  An encoding that failed signs nothing
    uint8_t untouched [64] = { 0 };
    assert (certfile_sign (NULL, 0, authority, untouched) == -1);
    assert (sodium_is_zero (untouched, sizeof (untouched)));
    free (canonical);
    msgpack_sbuffer_init (&buffer);
    msgpack_sbuffer_write (&buffer, "x", 1);
    assert (certfile_packed (&buffer, -1, &canonical_size) == NULL);
    authority_destroy (&authority);

    //  Files: exclusive creation, 0600 secrets, atomic replacement, bounds
    char *dir = zsys_sprintf ("/tmp/sluice-certfile-%d", getpid ());
    assert (mkdir (dir, 0700) == 0);
    char *path = zsys_sprintf ("%s/secret", dir);
    assert (certfile_write (path, "one\n", true, false, &error) == 0);
    struct stat st;
    assert (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
    assert (certfile_write (path, "two\n", true, false, &error) == -1);
    assert (error && strstr (error, "exists; not replaced without force"));
    zstr_free (&error);
    assert (certfile_exists (path));
    size_t size;
    char *read = certfile_read (path, 100, &size, &error);
    assert (read && size == 4 && streq (read, "one\n"));
    free (read);
    assert (certfile_write (path, "three\n", true, true, NULL) == 0);
    assert (stat (path, &st) == 0 && (st.st_mode & 0777) == 0600);
    read = certfile_read (path, 100, &size, NULL);
    assert (read && streq (read, "three\n"));
    free (read);
    assert (certfile_read (path, 5, &size, NULL) == NULL);          //  too large
    assert (certfile_read (dir, 100, &size, &error) == NULL);       //  a directory
    assert (error && strstr (error, "a directory, not a regular file"));
    zstr_free (&error);
    char *public = zsys_sprintf ("%s/public", dir);
    assert (certfile_write (public, "p\n", false, true, &error) == 0);
    assert (stat (public, &st) == 0 && (st.st_mode & 0777) == 0644);
    unlink (public);
    unlink (path);
    assert (!certfile_exists (path));
    assert (certfile_read (path, 100, &size, &error) == NULL);      //  missing
    assert (error && strstr (error, path));
    zstr_free (&error);
    rmdir (dir);
    zstr_free (&public);
    zstr_free (&path);
    zstr_free (&dir);
    printf ("OK\n");
}
