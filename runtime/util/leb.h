/* leb.h - LEB128 readers (Wasm binary spec 5.2.2) for Kiln's parsers of
 * untrusted files: each reads one value at d[*pos], never past d[end],
 * advances *pos and returns 0, or -1 if the value is truncated, too long
 * or out of range.  (The one encoder is wasm_buf_u32/s64, wasm-writer.h.) */
#ifndef KILN_LEB_H
#define KILN_LEB_H
#include <stddef.h>
#include <stdint.h>

static inline int leb_read_u32(const uint8_t *d, size_t end, size_t *pos, uint32_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (*pos >= end)
            return -1;
        uint8_t b = d[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (v > UINT32_MAX)
                return -1;
            *out = (uint32_t)v;
            return 0;
        }
    }
    return -1;
}

static inline int leb_read_s64(const uint8_t *d, size_t end, size_t *pos, int64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (*pos >= end)
            return -1;
        uint8_t b = d[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (shift + 7 < 64 && (b & 0x40))
                v |= ~0ull << (shift + 7); /* sign-extend */
            *out = (int64_t)v;
            return 0;
        }
    }
    return -1;
}

#endif
