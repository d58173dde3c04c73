/*  fields.h -- a message's keys, declared once: one table per message type
    drives both its encoder and its decoder.

    Every payload is a msgpack map with str keys (PROTOCOL.md sections 6,
    10 and 16). Its table lists the keys in the order the encoder writes
    them (the order PROTOCOL.md gives), and for each: its type and bound,
    where its value lives in the C struct that holds the message (the
    record), whether the decoder requires it, and whether the encoder leaves
    it out. fields_encode writes a record from its table; fields_decode reads
    a map into a record by the same table, with the rules of PROTOCOL.md
    section 7: a known key at most once, unknown and non-str keys ignored,
    strings over their bound or holding a NUL byte refused (never cut),
    unsigned formats only for a uint, bins of their exact size. So a key
    cannot be written under one name or bound and read under another.

    A row names its value with FIELDS_AT (record type, member), which gives
    its offset and size:

        static const fields_row_t s_error_rows [] = {
            { "re",     FIELDS_BIN,  FIELDS_AT (message_error_t, re),
              .flags = FIELDS_REQUIRED },
            { "code",   FIELDS_UINT, FIELDS_AT (message_error_t, code), .max = 999,
              .flags = FIELDS_REQUIRED },
            { "reason", FIELDS_STR,  FIELDS_AT (message_error_t, reason) },
        };
        static const fields_t s_error =
            FIELDS_TABLE ("ERROR", message_error_t, s_error_rows, NULL);

        fields_encode (&s_error, &error, &buffer);
        int status = fields_decode (&s_error, data, size, &error);

    The table is data, checked by fields_valid in the codec's self-test.
*/
#ifndef SLUICE_FIELDS_H_INCLUDED
#define SLUICE_FIELDS_H_INCLUDED

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  The most rows one table may have
#define FIELDS_ROWS_MAX 32

//  What a row's value is, and where the record keeps it. "Borrowed" values
//  point into the unpacked input, which the record holds (FIELDS_TABLE_
//  UNPACKED); they live as long as it does. Absent, a value is empty: ""
//  for STR, 0, false, NULL for the pointers; a BIN keeps its zero bytes.
typedef enum {
    FIELDS_STR,         //  char [N]: str of at most N - 1 bytes
    FIELDS_TEXT,        //  char *, owned (malloc): str of at most max bytes
    FIELDS_STR_REF,     //  const char *, borrowed, and its size_t length
                        //  (FIELDS_LENGTH): str of at most max bytes
    FIELDS_UINT,        //  uint32_t or uint64_t: uint of at most max
    FIELDS_BOOL,        //  bool
    FIELDS_BIN,         //  uint8_t [N]: bin of exactly N bytes
    FIELDS_BIN_REF,     //  const uint8_t *, borrowed, and its size_t length:
                        //  bin of at most max bytes
    FIELDS_ARRAY,       //  const msgpack_object *, borrowed: an array whose
                        //  every element is of msgpack type `element`
                        //  (FIELDS_ANY: of any type)
    FIELDS_MAP,         //  const msgpack_object *, borrowed: a map whose
                        //  keys are all str and whose every value is of
                        //  msgpack type `element` (FIELDS_ANY: any type)
    FIELDS_DERIVED      //  written by the row's `pack` from the rest of the
                        //  record; never read (the decoder ignores the key)
} fields_type_t;

#define FIELDS_ANY (-1)

//  Flags of a row
#define FIELDS_REQUIRED      0x01   //  absent: MALFORMED
#define FIELDS_NOT_EMPTY     0x02   //  STR or UINT: "" or 0 is MALFORMED
#define FIELDS_OMIT_EMPTY    0x04   //  the encoder leaves it out when empty
#define FIELDS_WITH_PREVIOUS 0x08   //  present exactly when the row before
                                    //  is: the encoder writes both or
                                    //  neither, the decoder refuses one
                                    //  without the other

typedef struct {
    const char *key;
    fields_type_t type;
    size_t offset;              //  of the value in the record
    size_t size;                //  of the value: a STR's buffer, a BIN's
                                //  bytes, a UINT's width (4 or 8)
    uint64_t max;               //  UINT: the largest value; TEXT, STR_REF,
                                //  BIN_REF: the most bytes
    unsigned flags;
    size_t length;              //  STR_REF, BIN_REF: offset of the length
    size_t has;                 //  offset + 1 of a bool that says the key is
                                //  there (FIELDS_HAS): the decoder sets it, the
                                //  encoder writes the key only when it is
                                //  true; 0: none
    int element;                //  ARRAY: the elements' msgpack type; MAP:
                                //  the values'
    //  DERIVED: packs the value; 0, or -1 if the packer failed
    int (*pack) (msgpack_packer *pk, const void *record);
} fields_row_t;

#define FIELDS_AT(type, member) \
    .offset = offsetof (type, member), .size = sizeof (((type *) 0)->member)
#define FIELDS_LENGTH(type, member)     .length = offsetof (type, member)
#define FIELDS_HAS(type, member)        .has = offsetof (type, member) + 1

//  A message type's table
typedef struct {
    const char *name;           //  the message type, as PROTOCOL.md names it
    const fields_row_t *rows;
    size_t count;
    size_t size;                //  of the record
    size_t unpacked;            //  offset + 1 of the record's msgpack_unpacked
                                //  that borrowed values point into; 0: none
    //  Rules across keys, once every row is read: 0, or -1 (MALFORMED)
    int (*check) (const void *record);
} fields_t;

#define FIELDS_TABLE(name, type, rows, check) \
    { (name), (rows), sizeof (rows) / sizeof ((rows) [0]), sizeof (type), 0, (check) }
#define FIELDS_TABLE_UNPACKED(name, type, unpacked, rows, check) \
    { (name), (rows), sizeof (rows) / sizeof ((rows) [0]), sizeof (type), \
      offsetof (type, unpacked) + 1, (check) }

//  Packs the record as a map of the rows that are written, in the table's
//  order: a row with a presence bool when it is true, one with
//  FIELDS_OMIT_EMPTY when it is not empty, any other always (an empty
//  pointer as "", an empty array or an empty bin). Returns 0, or -1 if the
//  packer failed.
int
    fields_pack (const fields_t *fields, const void *record, msgpack_packer *pk);

//  The same, but of the last row only the key: the caller packs its value
//  next (a RESPONSE's rows, which the source packs). The last row must be
//  one that is written.
int
    fields_pack_open (const fields_t *fields, const void *record,
                      msgpack_packer *pk);

//  fields_pack into `buffer` (initialised by the caller).
int
    fields_encode (const fields_t *fields, const void *record,
                   msgpack_sbuffer *buffer);

//  Zeroes the record, unpacks data [0..size) (codec_unpack: one bounded,
//  well-formed object) into the record's own unpacked object, or into one
//  of its own that it destroys, and reads the map by the table, then runs
//  the table's check. Returns STATUS_OK, or STATUS_MALFORMED with every
//  row's value empty (owned values freed). With an unpacked object in the
//  record, call fields_destroy (or the codec's destroy) in every case.
int
    fields_decode (const fields_t *fields, const uint8_t *data, size_t size,
                   void *record);

//  Reads `map`, a map object that was unpacked already (an element of an
//  ARRAY row, say: a map inside a payload), into `record` by the table, as
//  fields_decode reads a payload's map; the record is zeroed first, and its
//  borrowed values point into `map`. For a table whose record holds its
//  unpacked object, use fields_decode. STATUS_OK, or STATUS_MALFORMED with
//  every row's value empty.
int
    fields_read (const fields_t *fields, const msgpack_object *map, void *record);

//  Empties every row's value: frees the owned ones, forgets the borrowed.
void
    fields_clear (const fields_t *fields, void *record);

//  fields_clear, then destroys the record's unpacked object, if it has
//  one. Safe to call twice.
void
    fields_destroy (const fields_t *fields, void *record);

//  Copies `value` (NULL as "") into a STR row's buffer of `size` bytes, for
//  an encoder given a string. Returns 0, or -1 if it does not fit (nothing
//  is cut: the buffer is then "").
int
    fields_set_str (char *buffer, size_t size, const char *value);

//  True if the table is well formed: distinct keys, values inside the
//  record, widths and bounds that fit, borrowed values only with an
//  unpacked object. Each codec's self-test checks its tables with it.
bool
    fields_valid (const fields_t *fields);

void
    fields_test (bool verbose);

#endif
