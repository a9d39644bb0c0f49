/* checksum.c - checksum64 (see checksum.h). */
#include "util/checksum.h"
#include "exec/tb-key.h"
#include "util/le.h"

uint64_t checksum64(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t lane[4] = {TB_HASH_INIT, TB_HASH_INIT ^ 1, TB_HASH_INIT ^ 2, TB_HASH_INIT ^ 3};
    size_t i = 0;
    for (; len - i >= 32; i += 32)
        for (unsigned k = 0; k < 4; k++)
            lane[k] = (lane[k] ^ le_load(p + i + 8 * k, 8)) * TB_HASH_PRIME;
    uint64_t h = tb_hash_bytes(p + i, len - i);
    for (unsigned k = 0; k < 4; k++)
        h = (h ^ lane[k]) * TB_HASH_PRIME;
    return (h ^ (uint64_t)len) * TB_HASH_PRIME;
}
