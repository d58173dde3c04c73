/*  fuzz_common.h -- helpers shared by the libFuzzer targets in tests/fuzz.

    Header-only (static inline functions), so that each target stays one file:
    S_REQUIRE for invariants, the once-per-process set-up, the input's
    private copy, fixed keys for the envelope target and its seeds, and a
    walk over a decoded msgpack object that reads every byte it points to
    (so that a borrowed pointer into a freed or too short buffer is caught
    by the address sanitizer).
*/
#ifndef SLUICE_FUZZ_COMMON_H_INCLUDED
#define SLUICE_FUZZ_COMMON_H_INCLUDED

#include <czmq.h>
#include <msgpack.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>

//  Aborts (a finding for the fuzzer) if `condition` is false; independent
//  of NDEBUG.
#define S_REQUIRE(condition) do { if (!(condition)) abort (); } while (0)

//  Once per process, from LLVMFuzzerInitialize: libsodium, and czmq without
//  its signal handler (libFuzzer handles SIGINT). With `quiet_stdout`,
//  standard output goes to /dev/null: czmq's ZPL parser prints its syntax
//  errors there. The library's log lines go to standard error
//  (proto/log.h), which run.sh has libFuzzer close (-close_fd_mask=2).
//  Set SLUICE_FUZZ_VERBOSE=1 in the environment to keep both.
static inline void
s_fuzz_setup (bool quiet_stdout)
{
    S_REQUIRE (sodium_init () >= 0);
    zsys_handler_set (NULL);
    zsys_init ();
    const char *verbose = getenv ("SLUICE_FUZZ_VERBOSE");
    if (verbose && *verbose && strcmp (verbose, "0") != 0)
        return;
    zsys_set_logstream (NULL);
    zsys_set_logsystem (false);
    if (quiet_stdout) {
        fflush (stdout);
        S_REQUIRE (freopen ("/dev/null", "w", stdout) != NULL);
    }
}

//  Fixed keys, derived from fixed seeds, so that seeds.c can make validly
//  signed and sealed envelopes that the envelope target opens.
typedef struct {
    uint8_t sign_public [crypto_sign_PUBLICKEYBYTES];
    uint8_t sign_secret [crypto_sign_SECRETKEYBYTES];
    uint8_t box_key [crypto_box_BEFORENMBYTES];
} s_fuzz_keys_t;

static inline void
s_fuzz_keys (s_fuzz_keys_t *keys)
{
    uint8_t seed [crypto_sign_SEEDBYTES];
    memset (seed, 0x5a, sizeof (seed));
    crypto_sign_seed_keypair (keys->sign_public, keys->sign_secret, seed);
    //  crypto_box_beforenm output is just 32 bytes of key: any fixed value
    //  serves for sealing and opening
    for (size_t index = 0; index < sizeof (keys->box_key); index++)
        keys->box_key [index] = (uint8_t) (0xa5 ^ index);
}

//  A private copy of the input, of exactly `size` bytes (at least one
//  allocated), so that a decoder's read past its end is caught; the caller
//  frees it.
static inline uint8_t *
s_fuzz_copy (const uint8_t *data, size_t size)
{
    uint8_t *copy = (uint8_t *) malloc (size? size: 1);
    S_REQUIRE (copy);
    if (size)
        memcpy (copy, data, size);
    return copy;
}

//  Reads every byte a decoded object points to; returns a checksum so the
//  reads cannot be optimised away. Bounded by the object's own depth.
static inline uint64_t
s_fuzz_walk (const msgpack_object *object)
{
    uint64_t sum = (uint64_t) object->type;
    switch (object->type) {
        case MSGPACK_OBJECT_STR:
            for (uint32_t index = 0; index < object->via.str.size; index++)
                sum += (uint8_t) object->via.str.ptr [index];
            break;
        case MSGPACK_OBJECT_BIN:
            for (uint32_t index = 0; index < object->via.bin.size; index++)
                sum += (uint8_t) object->via.bin.ptr [index];
            break;
        case MSGPACK_OBJECT_EXT:
            sum += (uint8_t) object->via.ext.type;
            for (uint32_t index = 0; index < object->via.ext.size; index++)
                sum += (uint8_t) object->via.ext.ptr [index];
            break;
        case MSGPACK_OBJECT_ARRAY:
            for (uint32_t index = 0; index < object->via.array.size; index++)
                sum += s_fuzz_walk (&object->via.array.ptr [index]);
            break;
        case MSGPACK_OBJECT_MAP:
            for (uint32_t index = 0; index < object->via.map.size; index++) {
                sum += s_fuzz_walk (&object->via.map.ptr [index].key);
                sum += s_fuzz_walk (&object->via.map.ptr [index].val);
            }
            break;
        case MSGPACK_OBJECT_BOOLEAN:
            sum += object->via.boolean? 1: 0;
            break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
            sum += object->via.u64;
            break;
        default:
            break;
    }
    return sum;
}

//  Removes a directory tree, not following links (for a target's files)
static inline int
s_fuzz_remove_one (const char *path, const struct stat *status, int flag,
                   struct FTW *walk)
{
    return remove (path);
}

static inline void
s_fuzz_remove_tree (const char *dir)
{
    nftw (dir, s_fuzz_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

//  True if `text` is NUL-terminated within `cap` bytes.
static inline bool
s_fuzz_terminated (const char *text, size_t cap)
{
    return memchr (text, 0, cap) != NULL;
}

#endif
