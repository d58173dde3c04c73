/*  text.h -- text that someone else wrote, shown safely.

    Whatever a remote party sends (row values, reasons, catalog texts, order
    texts) and whatever a log or file holds may contain terminal control
    sequences or bytes that are not UTF-8. This is the one place that decides
    how such text is written out, for a terminal or inside a JSON string:

      - well-formed UTF-8 that is not a control character is written as it
        is (Chinese stays Chinese);
      - control characters are escaped: C0 (tab, newline and ESC included),
        DEL, C1 (U+0080..U+009F), and the format characters that reorder or
        break lines (U+061C, U+200E, U+200F, U+2028..U+202E, U+2066..U+2069);
        ESC escaped means no escape sequence reaches the terminal;
      - bytes that are not well-formed UTF-8 (stray continuation bytes,
        overlong forms, surrogates, anything above U+10FFFF, a sequence cut
        short) are escaped one byte at a time on a terminal, and replaced by
        U+FFFD in JSON, so that JSON output is always valid UTF-8.

    On a terminal: `\\` for a backslash, `\t` `\n` `\r`, `\xNN` for any other
    C0 byte, DEL and each invalid byte, `\u00NN` (or `\uNNNN`) for C1 and
    format characters. In JSON: the string's inside, with `\"` and `\\`,
    `\u00NN` for every control character and `\ufffd` for invalid bytes.
*/
#ifndef SLUICE_TEXT_H_INCLUDED
#define SLUICE_TEXT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    TEXT_TERMINAL,              //  for people: stdout, stderr
    TEXT_JSON                   //  the inside of a JSON string
} text_mode_t;

//  What writing had to change, counted over any number of calls.
typedef struct {
    size_t controls;            //  control characters escaped
    size_t invalid;             //  bytes that were not well-formed UTF-8
} text_tally_t;

//  The length (1..4) of the well-formed UTF-8 character at data [0..size)
//  and its code point in *point; 0 if the bytes there are not one.
size_t
    text_utf8_char (const uint8_t *data, size_t size, uint32_t *point);

//  True if data [0..size) is well-formed UTF-8 throughout.
bool
    text_utf8_valid (const char *data, size_t size);

//  True if the code point is one that text_write escapes.
bool
    text_is_control (uint32_t point);

//  Writes data [0..size) to `out` as `mode` says (see above); with out NULL
//  writes nothing and only measures. Returns the terminal columns the text
//  takes (East Asian wide characters count two). Adds what it escaped to
//  *tally if tally is not NULL. data may be NULL when size is 0.
size_t
    text_write (FILE *out, const char *data, size_t size, text_mode_t mode,
                text_tally_t *tally);

//  The same for a NUL-terminated string (NULL writes nothing).
size_t
    text_puts (FILE *out, const char *string, text_mode_t mode, text_tally_t *tally);

void
    text_test (bool verbose);

#endif
