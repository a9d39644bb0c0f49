/* tb-key.h - the identity of a translation block across runs: the key that
 * aot-tool profiles record and that the runtime computes to find a block in
 * an AOT bundle.  Shared by aot-tool and the runtime (one definition).
 *
 * A TBKey is (hash of the guest code bytes, TB flags, virtual PC, physical
 * PC).  The hash is FNV-1a 64 over the bytes in address order (byte-wise, so
 * independent of host endianness):
 *     h = 0xcbf29ce484222325; for each byte b: h = (h ^ b) * 0x100000001b3
 * The same function hashes whole files (guest image identity, checksums). */
#ifndef KILN_TB_KEY_H
#define KILN_TB_KEY_H
#include <stddef.h>
#include <stdint.h>

#define TB_HASH_INIT 0xcbf29ce484222325ull /* FNV-1a 64 offset basis */
#define TB_HASH_PRIME 0x100000001b3ull     /* FNV-1a 64 prime */

typedef struct TBKey {
    uint64_t hash;  /* tb_hash_bytes() of the TB's guest code bytes */
    uint32_t flags; /* cpu_tb_flags() the TB was translated for */
    uint64_t vpc;   /* virtual PC of the first instruction */
    uint64_t ppc;   /* physical PC of the first instruction */
} TBKey;

/* Continue an FNV-1a 64 hash h over n bytes (start with TB_HASH_INIT). */
uint64_t tb_hash_update(uint64_t h, const void *p, size_t n);
/* FNV-1a 64 of n bytes. */
uint64_t tb_hash_bytes(const void *p, size_t n);

/* The key of the TB at (vpc, ppc, flags) whose code is bytes[0..len). */
TBKey tb_key_make(uint64_t vpc, uint64_t ppc, uint32_t flags, const void *bytes, size_t len);

/* Total order on keys: vpc, then ppc, then flags, then hash. Returns <0, 0, >0. */
int tb_key_cmp(const TBKey *a, const TBKey *b);

#endif
