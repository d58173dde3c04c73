/*  codec.h -- strict, bounded msgpack decoding for hostile input.

    msgpack-c trusts the counts in container headers and allocates for them
    before it has seen the elements; a 5-byte frame can claim four billion
    entries. codec_unpack first walks the bytes and checks that the input is
    exactly one well-formed object, no deeper than CODEC_DEPTH_MAX, whose
    every container count fits the bytes that remain. Only then is it handed to
    msgpack-c. The getters read typed fields of a map by key and refuse
    duplicates, wrong types and oversized values.
*/
#ifndef SLUICE_CODEC_H_INCLUDED
#define SLUICE_CODEC_H_INCLUDED

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define CODEC_DEPTH_MAX 8

//  0 if data[0..size) is exactly one well-formed msgpack object within the
//  depth limit, else -1. Reads nothing beyond size.
int
    codec_scan (const uint8_t *data, size_t size);

//  Scans, then unpacks into `result` (initialised by the caller with
//  msgpack_unpacked_init and destroyed with msgpack_unpacked_destroy).
//  Returns STATUS_OK or STATUS_MALFORMED.
//  An integer keeps the family of its format: one written in a signed
//  format (int 8..64, d0..d3) is MSGPACK_OBJECT_NEGATIVE_INTEGER even when
//  its value is not negative (msgpack-c would make it a positive integer),
//  with the value in via.i64. So every reader of an unsigned field, which
//  takes MSGPACK_OBJECT_POSITIVE_INTEGER only (codec_get_uint, the
//  envelope header), refuses signed formats, as PROTOCOL.md section 3
//  says; a reader of signed values reads via.i64 of either type.
int
    codec_unpack (const uint8_t *data, size_t size, msgpack_unpacked *result);

//  The value of `key` in map `map`, or NULL if absent. If the key appears
//  more than once, or `map` is not a map, sets *bad = true.
const msgpack_object *
    codec_get (const msgpack_object *map, const char *key, bool *bad);

//  Copies string `key` into buf (NUL-terminated). Returns 0, or -1 if the
//  value is absent (unless optional: then buf = ""), not a string, has a NUL
//  byte, or does not fit in cap - 1 bytes.
int
    codec_get_str (const msgpack_object *map, const char *key,
                   char *buf, size_t cap, bool optional);

//  Copies a string object into buf (NUL-terminated); -1 if it is not a
//  string, holds a NUL byte, or does not fit in cap - 1 bytes.
int
    codec_copy_str (const msgpack_object *object, char *buf, size_t cap);

//  Reads unsigned integer `key`; -1 if absent, wrong type (a signed format
//  included, see codec_unpack) or > max.
int
    codec_get_uint (const msgpack_object *map, const char *key,
                    uint64_t *value, uint64_t max);

//  Reads binary `key` of exactly `size` bytes into out; -1 otherwise.
int
    codec_get_bin (const msgpack_object *map, const char *key,
                   uint8_t *out, size_t size);

//  Packs a NUL-terminated string (msgpack str). Returns 0, or -1 if the
//  packer failed (as every packing function here).
int
    codec_pack_str (msgpack_packer *pk, const char *string);

//  Packs a key/value pair of strings (a NULL value as ""), or string/uint,
//  or string/bin.
int
    codec_pack_kv_str (msgpack_packer *pk, const char *key, const char *value);
int
    codec_pack_kv_uint (msgpack_packer *pk, const char *key, uint64_t value);
int
    codec_pack_kv_bin (msgpack_packer *pk, const char *key,
                       const uint8_t *data, size_t size);

//  For the self-tests' vectors: true if `buffer` holds exactly the bytes
//  that the lowercase hex text `expected` spells; if not and `verbose`,
//  prints what it holds.
bool
    codec_vector_equal (const msgpack_sbuffer *buffer, const char *expected,
                        bool verbose);

void
    codec_test (bool verbose);

#endif
