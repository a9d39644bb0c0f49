/* helper-int.c - integer division helpers (pure, helpers.def).
 * RISC-V rules: x/0 = all ones (unsigned) or -1, x%0 = x; the signed
 * overflow INT_MIN/-1 = INT_MIN with remainder 0.  *W variants divide the
 * low 32 bits and return the 32-bit result sign-extended to 64 bits.
 */
#include "riscv/helpers.h"

static int64_t div64(int64_t a, int64_t b)
{
    if (b == 0) {
        return -1;
    }
    if (a == INT64_MIN && b == -1) {
        return a;
    }
    return a / b;
}

static int64_t rem64(int64_t a, int64_t b)
{
    if (b == 0) {
        return a;
    }
    if (a == INT64_MIN && b == -1) {
        return 0;
    }
    return a % b;
}

static int32_t div32(int32_t a, int32_t b)
{
    if (b == 0) {
        return -1;
    }
    if (a == INT32_MIN && b == -1) {
        return a;
    }
    return a / b;
}

static int32_t rem32(int32_t a, int32_t b)
{
    if (b == 0) {
        return a;
    }
    if (a == INT32_MIN && b == -1) {
        return 0;
    }
    return a % b;
}

uint64_t helper_div(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)env, (void)c, (void)d;
    return (uint64_t)div64((int64_t)a, (int64_t)b);
}

uint64_t helper_divu(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)env, (void)c, (void)d;
    return b == 0 ? UINT64_MAX : a / b;
}

uint64_t helper_rem(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)env, (void)c, (void)d;
    return (uint64_t)rem64((int64_t)a, (int64_t)b);
}

uint64_t helper_remu(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)env, (void)c, (void)d;
    return b == 0 ? a : a % b;
}

uint64_t helper_divw(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)env, (void)c, (void)d;
    return (uint64_t)(int64_t)div32((int32_t)a, (int32_t)b);
}

uint64_t helper_divuw(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)env, (void)c, (void)d;
    uint32_t x = (uint32_t)a, y = (uint32_t)b;
    return (uint64_t)(int64_t)(int32_t)(y == 0 ? UINT32_MAX : x / y);
}

uint64_t helper_remw(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)env, (void)c, (void)d;
    return (uint64_t)(int64_t)rem32((int32_t)a, (int32_t)b);
}

uint64_t helper_remuw(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)env, (void)c, (void)d;
    uint32_t x = (uint32_t)a, y = (uint32_t)b;
    return (uint64_t)(int64_t)(int32_t)(y == 0 ? x : x % y);
}
