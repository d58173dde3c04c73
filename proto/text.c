/*  text.c -- text that someone else wrote, shown safely; see text.h.  */

#include "text.h"
#include <assert.h>
#include <string.h>
#include <stdlib.h>

//  Smallest code point of each sequence length: shorter forms are overlong
static const uint32_t s_min_point [5] = { 0, 0, 0x80, 0x800, 0x10000 };

size_t
text_utf8_char (const uint8_t *data, size_t size, uint32_t *point)
{
    if (size == 0)
        return 0;
    uint8_t lead = data [0];
    size_t length;
    uint32_t value;
    if (lead < 0x80) {
        *point = lead;
        return 1;
    }
    else
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        value = lead & 0x1F;
    }
    else
    if ((lead & 0xF0) == 0xE0) {
        length = 3;
        value = lead & 0x0F;
    }
    else
    if ((lead & 0xF8) == 0xF0) {
        length = 4;
        value = lead & 0x07;
    }
    else
        return 0;               //  a continuation byte, or 0xF8..0xFF
    if (size < length)
        return 0;
    for (size_t index = 1; index < length; index++) {
        if ((data [index] & 0xC0) != 0x80)
            return 0;
        value = (value << 6) | (data [index] & 0x3F);
    }
    if (value < s_min_point [length] || value > 0x10FFFF
    ||  (value >= 0xD800 && value <= 0xDFFF))
        return 0;
    *point = value;
    return length;
}

bool
text_utf8_valid (const char *data, size_t size)
{
    const uint8_t *bytes = (const uint8_t *) data;
    size_t offset = 0;
    while (offset < size) {
        uint32_t point;
        size_t length = text_utf8_char (bytes + offset, size - offset, &point);
        if (length == 0)
            return false;
        offset += length;
    }
    return true;
}

//  Format characters that reorder text or break lines: a value could
//  otherwise make the rest of a line read backwards or start a new one
static const struct {
    uint32_t first, last;
} s_format_controls [] = {
    { 0x061C, 0x061C }, { 0x200E, 0x200F }, { 0x2028, 0x202E }, { 0x2066, 0x2069 }
};

bool
text_is_control (uint32_t point)
{
    if (point < 0x20 || (point >= 0x7F && point <= 0x9F))
        return true;
    for (size_t index = 0;
         index < sizeof (s_format_controls) / sizeof (s_format_controls [0]); index++)
        if (point >= s_format_controls [index].first
        &&  point <= s_format_controls [index].last)
            return true;
    return false;
}

//  Characters that take two terminal columns (East Asian wide and
//  fullwidth, the common ranges)
static const struct {
    uint32_t first, last;
} s_wide [] = {
    { 0x1100, 0x115F }, { 0x2E80, 0x303E }, { 0x3041, 0x33FF }, { 0x3400, 0x4DBF },
    { 0x4E00, 0x9FFF }, { 0xA000, 0xA4CF }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF },
    { 0xFE30, 0xFE4F }, { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x1F300, 0x1F64F },
    { 0x1F900, 0x1F9FF }, { 0x20000, 0x2FFFD }, { 0x30000, 0x3FFFD }
};

static size_t
s_columns (uint32_t point)
{
    for (size_t index = 0; index < sizeof (s_wide) / sizeof (s_wide [0]); index++)
        if (point >= s_wide [index].first && point <= s_wide [index].last)
            return 2;
    return 1;
}

//  Writes `text` (ASCII) unless out is NULL; returns its length
static size_t
s_emit (FILE *out, const char *text)
{
    if (out)
        fputs (text, out);
    return strlen (text);
}

//  The escape of a control character, into buffer
static const char *
s_escape_control (uint32_t point, text_mode_t mode, char *buffer, size_t size)
{
    if (mode == TEXT_JSON)
        snprintf (buffer, size, "\\u%04x", (unsigned) point);
    else
    if (point == '\t')
        snprintf (buffer, size, "\\t");
    else
    if (point == '\n')
        snprintf (buffer, size, "\\n");
    else
    if (point == '\r')
        snprintf (buffer, size, "\\r");
    else
    if (point <= 0x7F)
        snprintf (buffer, size, "\\x%02x", (unsigned) point);
    else
        snprintf (buffer, size, "\\u%04x", (unsigned) point);
    return buffer;
}

size_t
text_write (FILE *out, const char *data, size_t size, text_mode_t mode,
            text_tally_t *tally)
{
    const uint8_t *bytes = (const uint8_t *) data;
    size_t columns = 0;
    size_t offset = 0;
    char escape [16];
    while (offset < size) {
        uint32_t point;
        size_t length = text_utf8_char (bytes + offset, size - offset, &point);
        if (length == 0) {
            //  One byte that is not UTF-8; the next byte is tried afresh
            if (mode == TEXT_JSON)
                columns += s_emit (out, "\\ufffd");
            else {
                snprintf (escape, sizeof (escape), "\\x%02x", bytes [offset]);
                columns += s_emit (out, escape);
            }
            if (tally)
                tally->invalid++;
            offset++;
            continue;
        }
        if (text_is_control (point)) {
            columns += s_emit (out, s_escape_control (point, mode, escape, sizeof (escape)));
            if (tally)
                tally->controls++;
        }
        else
        if (point == '\\')
            columns += s_emit (out, "\\\\");
        else
        if (point == '"' && mode == TEXT_JSON)
            columns += s_emit (out, "\\\"");
        else {
            if (out)
                fwrite (bytes + offset, 1, length, out);
            columns += s_columns (point);
        }
        offset += length;
    }
    return columns;
}

size_t
text_puts (FILE *out, const char *string, text_mode_t mode, text_tally_t *tally)
{
    return string? text_write (out, string, strlen (string), mode, tally): 0;
}


//  --------------------------------------------------------------------------
//  Self test

//  What text_write makes of `input` (size bytes), as a fresh string
static char *
s_shown (const char *input, size_t size, text_mode_t mode, text_tally_t *tally,
         size_t *columns)
{
    char *shown = NULL;
    size_t shown_size = 0;
    FILE *out = open_memstream (&shown, &shown_size);
    assert (out);
    size_t written = text_write (out, input, size, mode, tally);
    fclose (out);
    if (columns)
        *columns = written;
    return shown;
}

void
text_test (bool verbose)
{
    if (verbose)
        printf (" * text: ");

    //  @selftest
    //  Decoding: each length, and each way of not being UTF-8
    uint32_t point;
    assert (text_utf8_char ((const uint8_t *) "A", 1, &point) == 1 && point == 'A');
    assert (text_utf8_char ((const uint8_t *) "\xc3\xa9", 2, &point) == 2 && point == 0xE9);
    assert (text_utf8_char ((const uint8_t *) "税", 3, &point) == 3 && point == 0x7A0E);
    assert (text_utf8_char ((const uint8_t *) "\xf0\x9f\x98\x80", 4, &point) == 4
            && point == 0x1F600);
    const char *invalid [] = {
        "\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xed\xa0\x80",
        "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xff", "\xe7\xa8", "\xc3"
    };
    for (size_t index = 0; index < sizeof (invalid) / sizeof (invalid [0]); index++)
        assert (text_utf8_char ((const uint8_t *) invalid [index],
                                strlen (invalid [index]), &point) == 0);
    assert (text_utf8_valid ("税务登记 ok", strlen ("税务登记 ok")));
    assert (!text_utf8_valid ("税\xff", 4));
    assert (text_utf8_valid (NULL, 0));

    //  Chinese, and plain text, stay as they are; wide characters take two
    //  columns
    text_tally_t tally = { 0 };
    size_t columns;
    char *shown = s_shown ("税务登记 ok", strlen ("税务登记 ok"), TEXT_TERMINAL,
                           &tally, &columns);
    assert (!strcmp (shown, "税务登记 ok"));
    assert (columns == 11);
    assert (tally.controls == 0 && tally.invalid == 0);
    free (shown);
    assert (text_write (NULL, "税务", strlen ("税务"), TEXT_TERMINAL, NULL) == 4);

    //  A terminal never gets a control character: ESC, BEL, C1 CSI, a
    //  right-to-left override, tab and newline
    const char hostile [] = "\x1b[2J\x07\xc2\x9b" "31m\xe2\x80\xae" "a\tb\nc\\";
    shown = s_shown (hostile, sizeof (hostile) - 1, TEXT_TERMINAL, &tally, &columns);
    if (verbose)
        printf ("%s ", shown);
    assert (!strcmp (shown, "\\x1b[2J\\x07\\u009b31m\\u202ea\\tb\\nc\\\\"));
    assert (columns == strlen (shown));
    assert (tally.controls == 6 && tally.invalid == 0);
    for (const char *cursor = shown; *cursor; cursor++)
        assert ((unsigned char) *cursor >= 0x20 && (unsigned char) *cursor < 0x7F);
    free (shown);
    //  Invalid bytes are shown one by one; the text after them survives
    tally = (text_tally_t) { 0 };
    shown = s_shown ("\xff\xfe税\xe7\xa8", 7, TEXT_TERMINAL, &tally, NULL);
    assert (!strcmp (shown, "\\xff\\xfe税\\xe7\\xa8"));
    assert (tally.invalid == 4 && tally.controls == 0);
    free (shown);

    //  JSON: quotes and backslashes escaped, controls as \u00NN, invalid
    //  bytes as U+FFFD, so the result is always valid UTF-8
    tally = (text_tally_t) { 0 };
    const char mixed [] = "\"税\"\x1b\x7f\xc2\x85\xff\\";
    shown = s_shown (mixed, sizeof (mixed) - 1, TEXT_JSON, &tally, NULL);
    assert (!strcmp (shown, "\\\"税\\\"\\u001b\\u007f\\u0085\\ufffd\\\\"));
    assert (tally.controls == 3 && tally.invalid == 1);
    assert (text_utf8_valid (shown, strlen (shown)));
    free (shown);
    //  Every byte value, alone: terminal output is printable ASCII or
    //  nothing, JSON output valid UTF-8
    for (int byte = 0; byte < 256; byte++) {
        char one = (char) byte;
        shown = s_shown (&one, 1, TEXT_TERMINAL, NULL, NULL);
        for (const char *cursor = shown; *cursor; cursor++)
            assert ((unsigned char) *cursor >= 0x20 && (unsigned char) *cursor < 0x7F);
        free (shown);
        shown = s_shown (&one, 1, TEXT_JSON, NULL, NULL);
        assert (text_utf8_valid (shown, strlen (shown)));
        free (shown);
    }
    assert (text_puts (NULL, NULL, TEXT_TERMINAL, NULL) == 0);
    assert (text_write (NULL, NULL, 0, TEXT_JSON, NULL) == 0);
    //  @end

    if (verbose)
        printf ("OK\n");
}
