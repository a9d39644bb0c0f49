/* lz.h - Kiln's small LZ77 codec for snapshot RAM (LZ4-like byte format,
 * own code).  A block is a sequence of [token][literal-len ext][literals]
 * [offset u16 LE][match-len ext]; the last sequence has literals only.
 * Decoding is bounds-checked: corrupt input returns -1, never overruns. */
#ifndef KILN_SNAP_LZ_H
#define KILN_SNAP_LZ_H
#include <stddef.h>
#include <stdint.h>

#define LZ_MAX_INPUT (1u << 20) /* per block */

/* Worst-case compressed size of n input bytes. */
static inline size_t lz_bound(size_t n)
{
    return n + n / 255 + 16;
}

/* Compress src[0..n) into dst (capacity >= lz_bound(n)).  n <=
 * LZ_MAX_INPUT.  Returns the compressed size. */
size_t lz_compress(const uint8_t *src, size_t n, uint8_t *dst);

/* Decompress src[0..n) into dst, which must receive exactly out_len
 * bytes.  Returns 0, or -1 if the input is malformed. */
int lz_decompress(const uint8_t *src, size_t n, uint8_t *dst, size_t out_len);

#endif
