/* le.h - little-endian loads and stores of n (1..8) bytes at any alignment:
 * guest memory, device registers and Kiln's file formats are all
 * little-endian, whatever the host. */
#ifndef KILN_LE_H
#define KILN_LE_H
#include <stdint.h>

static inline uint64_t le_load(const void *p, unsigned n)
{
    const uint8_t *b = p;
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static inline void le_store(void *p, unsigned n, uint64_t v)
{
    uint8_t *b = p;
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

#endif
