/* tb-key.c - TB keys and the FNV-1a 64 hash of guest code (see tb-key.h).
 * Pure functions: safe to use from aot-tool, the runtime and the fuzzer. */
#include "exec/tb-key.h"

uint64_t tb_hash_update(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * TB_HASH_PRIME;
    return h;
}

uint64_t tb_hash_bytes(const void *p, size_t n)
{
    return tb_hash_update(TB_HASH_INIT, p, n);
}

TBKey tb_key_make(uint64_t vpc, uint64_t ppc, uint32_t flags, const void *bytes, size_t len)
{
    TBKey k = {.hash = tb_hash_bytes(bytes, len), .flags = flags, .vpc = vpc, .ppc = ppc};
    return k;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

int tb_key_cmp(const TBKey *a, const TBKey *b)
{
    int c = cmp_u64(a->vpc, b->vpc);
    if (!c)
        c = cmp_u64(a->ppc, b->ppc);
    if (!c)
        c = cmp_u64(a->flags, b->flags);
    if (!c)
        c = cmp_u64(a->hash, b->hash);
    return c;
}
