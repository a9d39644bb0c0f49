/* lz.c - the snapshot LZ codec (see lz.h).  Greedy matcher with a hash
 * table of 4-byte prefixes; matches are >= 4 bytes, offsets 1..65535.
 * Format of one sequence:
 *   token: high nibble literal count (15: more in ext bytes), low nibble
 *          match length - 4 (15: more in ext bytes)
 *   ext:   bytes added to the count, 255 means another byte follows
 *   literals, then (unless this is the last sequence) offset u16 LE and
 *   the match-length ext bytes. */
#include "snap/lz.h"
#include <string.h>

#define MIN_MATCH 4
#define HASH_BITS 14
#define MAX_OFFSET 65535u

static uint32_t read32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned hash4(uint32_t v)
{
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

static uint8_t *put_len(uint8_t *op, size_t len)
{
    while (len >= 255) {
        *op++ = 255;
        len -= 255;
    }
    *op++ = (uint8_t)len;
    return op;
}

static uint8_t *put_seq(uint8_t *op, const uint8_t *lit, size_t nlit, size_t off, size_t mlen)
{
    uint8_t *token = op++;
    size_t ml = mlen ? mlen - MIN_MATCH : 0;
    *token = (uint8_t)((nlit < 15 ? nlit : 15) << 4 | (ml < 15 ? ml : 15));
    if (nlit >= 15)
        op = put_len(op, nlit - 15);
    memcpy(op, lit, nlit);
    op += nlit;
    if (mlen) {
        *op++ = (uint8_t)off;
        *op++ = (uint8_t)(off >> 8);
        if (ml >= 15)
            op = put_len(op, ml - 15);
    }
    return op;
}

size_t lz_compress(const uint8_t *src, size_t n, uint8_t *dst)
{
    uint32_t table[1u << HASH_BITS];
    memset(table, 0xff, sizeof(table));
    uint8_t *op = dst;
    size_t anchor = 0, i = 0;
    while (n >= MIN_MATCH && i + MIN_MATCH <= n) {
        uint32_t v = read32(src + i);
        unsigned h = hash4(v);
        uint32_t cand = table[h];
        table[h] = (uint32_t)i;
        if (cand == UINT32_MAX || i - cand > MAX_OFFSET || read32(src + cand) != v) {
            i += 1 + ((i - anchor) >> 6); /* skip faster through incompressible data */
            continue;
        }
        size_t len = MIN_MATCH;
        while (i + len < n && src[cand + len] == src[i + len])
            len++;
        op = put_seq(op, src + anchor, i - anchor, i - cand, len);
        /* Index a couple of positions inside the match for the next search. */
        if (i + len + MIN_MATCH <= n && len > 2)
            table[hash4(read32(src + i + len - 2))] = (uint32_t)(i + len - 2);
        i += len;
        anchor = i;
    }
    return (size_t)(put_seq(op, src + anchor, n - anchor, 0, 0) - dst);
}

/* Read an extended length; -1 on overrun. */
static int get_len(const uint8_t **ip, const uint8_t *end, size_t *len)
{
    for (;;) {
        if (*ip >= end)
            return -1;
        uint8_t b = *(*ip)++;
        *len += b;
        if (b != 255)
            return 0;
    }
}

/* Copies n bytes from s to d a word (8 bytes) at a time, so it may write up
 * to 7 bytes past d + n and read as far past s + n: the caller checks there
 * is that room.  s may lie before d in the same buffer if s + 8 <= d (an LZ
 * match at offset >= 8): every word read was written before.  Small copies
 * dominate a decode; done this way they need no call to memcpy. */
static inline void copy_words(uint8_t *d, const uint8_t *s, size_t n)
{
    for (size_t k = 0; k < n; k += 8)
        memcpy(d + k, s + k, 8);
}

int lz_decompress(const uint8_t *src, size_t n, uint8_t *dst, size_t out_len)
{
    const uint8_t *ip = src, *end = src + n;
    size_t o = 0;
    for (;;) {
        if (ip >= end)
            return -1;
        uint8_t token = *ip++;
        size_t nlit = token >> 4;
        if (nlit == 15 && get_len(&ip, end, &nlit))
            return -1;
        if (nlit > (size_t)(end - ip) || nlit > out_len - o)
            return -1;
        if (nlit + 8 <= (size_t)(end - ip) && nlit + 8 <= out_len - o)
            copy_words(dst + o, ip, nlit);
        else
            memcpy(dst + o, ip, nlit);
        ip += nlit;
        o += nlit;
        if (ip == end)
            return o == out_len ? 0 : -1;
        if (end - ip < 2)
            return -1;
        size_t off = (size_t)ip[0] | (size_t)ip[1] << 8;
        ip += 2;
        size_t mlen = token & 15;
        if (mlen == 15 && get_len(&ip, end, &mlen))
            return -1;
        mlen += MIN_MATCH;
        if (off == 0 || off > o || mlen > out_len - o)
            return -1;
        /* Overlapping copy (off < mlen repeats a pattern): byte by byte,
         * unless whole words never overlap (off >= 8). */
        uint8_t *d = dst + o;
        const uint8_t *s = d - off;
        if (off >= 8 && mlen + 8 <= out_len - o)
            copy_words(d, s, mlen);
        else if (off >= mlen)
            memcpy(d, s, mlen);
        else
            for (size_t k = 0; k < mlen; k++)
                d[k] = s[k];
        o += mlen;
    }
}
