/* test-fpu.c - the software FPU (riscv/fpu.c): known results in every rounding
 * mode and their fflags, RISC-V specifics (NaN boxing, fmin/fmax, saturating
 * conversions, fclass), and a randomized cross-check against the host FPU
 * (SSE/libm, all five modes via fesetround; x86 also detects tininess after
 * rounding, so flags are compared too).  Exits non-zero on any failure.
 */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "riscv/cpu.h"
#include "riscv/fpu.h"
#include "riscv/helpers.h"
#include "../check.h"

/* Check a result and its flags. */
#define EXPECT(expr, want, wantfl)                                                                 \
    do {                                                                                           \
        uint32_t fl_ = 0;                                                                          \
        uint32_t *fl = &fl_;                                                                       \
        uint64_t got_ = (expr);                                                                    \
        (void)fl;                                                                                  \
        CHECK(got_ == (uint64_t)(want) && fl_ == (uint32_t)(wantfl),                               \
              "%s = %016llx fl %02x, want %016llx fl %02x", #expr, (unsigned long long)got_, fl_,  \
              (unsigned long long)(want), (unsigned)(wantfl));                                     \
    } while (0)

static uint64_t D(double d)
{
    uint64_t x;
    memcpy(&x, &d, 8);
    return x;
}

static uint64_t S(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    return x;
}

static double toD(uint64_t x)
{
    double d;
    memcpy(&d, &x, 8);
    return d;
}

static float toS(uint64_t x)
{
    float f;
    uint32_t v = (uint32_t)x;
    memcpy(&f, &v, 4);
    return f;
}

enum { NX = FFLAG_NX, UF = FFLAG_UF, OF = FFLAG_OF, DZ = FFLAG_DZ, NV = FFLAG_NV };
enum { RNE = FPU_RNE, RTZ = FPU_RTZ, RDN = FPU_RDN, RUP = FPU_RUP, RMM = FPU_RMM };
#define QD FPU_QNAN_D
#define QS FPU_QNAN_S
#define SNAN_D 0x7ff0000000000001ull
#define SNAN_S 0x7f800001u
#define DMAX 0x7fefffffffffffffull
#define DMIN 0x0010000000000000ull
#define INF_D 0x7ff0000000000000ull
#define NINF_D 0xfff0000000000000ull

static void test_rounding(void)
{
    /* 1/3: RDN/RTZ/RNE/RMM give ...555, RUP ...556; -1/3 mirrors */
    EXPECT(fpu_div(FP_D, D(1), D(3), RNE, fl), 0x3fd5555555555555, NX);
    EXPECT(fpu_div(FP_D, D(1), D(3), RTZ, fl), 0x3fd5555555555555, NX);
    EXPECT(fpu_div(FP_D, D(1), D(3), RDN, fl), 0x3fd5555555555555, NX);
    EXPECT(fpu_div(FP_D, D(1), D(3), RUP, fl), 0x3fd5555555555556, NX);
    EXPECT(fpu_div(FP_D, D(1), D(3), RMM, fl), 0x3fd5555555555555, NX);
    EXPECT(fpu_div(FP_D, D(-1), D(3), RDN, fl), 0xbfd5555555555556, NX);
    EXPECT(fpu_div(FP_D, D(-1), D(3), RUP, fl), 0xbfd5555555555555, NX);
    EXPECT(fpu_div(FP_S, S(1), S(3), RUP, fl), 0x3eaaaaab, NX);
    EXPECT(fpu_div(FP_S, S(1), S(3), RDN, fl), 0x3eaaaaaa, NX);
    /* 2^53 + 1 is a tie: RNE to even (2^53), RMM away (2^53 + 2) */
    EXPECT(fpu_add(FP_D, D(9007199254740992.0), D(1), RNE, fl), D(9007199254740992.0), NX);
    EXPECT(fpu_add(FP_D, D(9007199254740992.0), D(1), RMM, fl), D(9007199254740994.0), NX);
    EXPECT(fpu_add(FP_D, D(-9007199254740992.0), D(-1), RMM, fl), D(-9007199254740994.0), NX);
    EXPECT(fpu_add(FP_D, D(9007199254740992.0), D(1), RUP, fl), D(9007199254740994.0), NX);
    EXPECT(fpu_add(FP_D, D(9007199254740992.0), D(1), RTZ, fl), D(9007199254740992.0), NX);
    EXPECT(fpu_from_int(FP_D, (1ull << 53) + 1, FPI_L, RMM, fl), D(9007199254740994.0), NX);
    EXPECT(fpu_from_int(FP_D, (1ull << 53) + 1, FPI_L, RNE, fl), D(9007199254740992.0), NX);
    EXPECT(fpu_from_int(FP_D, (1ull << 53) + 3, FPI_L, RNE, fl), D(9007199254740996.0), NX);
    EXPECT(fpu_from_int(FP_S, 16777217, FPI_W, RMM, fl), S(16777218.0f), NX);
    /* exact results raise nothing */
    EXPECT(fpu_add(FP_D, D(1.5), D(2.25), RNE, fl), D(3.75), 0);
    EXPECT(fpu_mul(FP_D, D(1.5), D(-2.0), RUP, fl), D(-3.0), 0);
    EXPECT(fpu_div(FP_D, D(7.5), D(2.5), RDN, fl), D(3.0), 0);
    EXPECT(fpu_sqrt(FP_D, D(2.25), RNE, fl), D(1.5), 0);
    EXPECT(fpu_sqrt(FP_D, D(2.0), RNE, fl), 0x3ff6a09e667f3bcd, NX);
    EXPECT(fpu_sqrt(FP_D, D(2.0), RDN, fl), 0x3ff6a09e667f3bcc, NX);
    EXPECT(fpu_sqrt(FP_S, S(2.0f), RNE, fl), 0x3fb504f3, NX);
    EXPECT(fpu_sqrt(FP_S, S(16.0f), RUP, fl), S(4.0f), 0);
    /* x - x is +0, except -0 in RDN */
    EXPECT(fpu_sub(FP_D, D(5), D(5), RNE, fl), 0, 0);
    EXPECT(fpu_sub(FP_D, D(5), D(5), RDN, fl), 0x8000000000000000ull, 0);
    EXPECT(fpu_add(FP_D, D(-0.0), D(-0.0), RNE, fl), 0x8000000000000000ull, 0);
    EXPECT(fpu_add(FP_D, D(-0.0), D(0.0), RNE, fl), 0, 0);
    EXPECT(fpu_add(FP_D, D(-0.0), D(0.0), RDN, fl), 0x8000000000000000ull, 0);
}

static void test_flags(void)
{
    EXPECT(fpu_div(FP_D, 0, 0, RNE, fl), QD, NV);
    EXPECT(fpu_div(FP_D, D(1), 0, RNE, fl), INF_D, DZ);
    EXPECT(fpu_div(FP_D, D(-1), 0, RNE, fl), NINF_D, DZ);
    EXPECT(fpu_div(FP_S, S(1), 0x80000000u, RNE, fl), 0xff800000u, DZ);
    EXPECT(fpu_div(FP_D, INF_D, INF_D, RNE, fl), QD, NV);
    EXPECT(fpu_mul(FP_D, INF_D, 0, RNE, fl), QD, NV);
    EXPECT(fpu_add(FP_D, INF_D, NINF_D, RNE, fl), QD, NV);
    EXPECT(fpu_sqrt(FP_D, D(-1), RNE, fl), QD, NV);
    EXPECT(fpu_sqrt(FP_D, D(-0.0), RNE, fl), D(-0.0), 0);
    EXPECT(fpu_sqrt(FP_D, NINF_D, RNE, fl), QD, NV);
    EXPECT(fpu_add(FP_D, QD, D(1), RNE, fl), QD, 0);
    EXPECT(fpu_add(FP_D, 0xfff8000000000123ull, D(1), RNE, fl), QD, 0); /* canonicalised */
    EXPECT(fpu_add(FP_D, SNAN_D, D(1), RNE, fl), QD, NV);
    EXPECT(fpu_mul(FP_S, SNAN_S, S(1), RNE, fl), QS, NV);
    /* overflow: inf in RNE/RMM/RUP(+), max finite in RTZ/RDN(+) */
    EXPECT(fpu_mul(FP_D, DMAX, D(2), RNE, fl), INF_D, OF | NX);
    EXPECT(fpu_mul(FP_D, DMAX, D(2), RTZ, fl), DMAX, OF | NX);
    EXPECT(fpu_mul(FP_D, DMAX, D(2), RDN, fl), DMAX, OF | NX);
    EXPECT(fpu_mul(FP_D, DMAX, D(-2), RDN, fl), NINF_D, OF | NX);
    EXPECT(fpu_mul(FP_D, DMAX, D(-2), RUP, fl), DMAX | (1ull << 63), OF | NX);
    EXPECT(fpu_add(FP_D, DMAX, DMAX, RMM, fl), INF_D, OF | NX);
    EXPECT(fpu_mul(FP_S, 0x7f7fffffu, S(2), RNE, fl), 0x7f800000u, OF | NX);
    /* underflow: exact subnormal results raise nothing; inexact tiny UF|NX */
    EXPECT(fpu_mul(FP_D, DMIN, D(0.5), RNE, fl), 0x0008000000000000ull, 0);
    EXPECT(fpu_mul(FP_D, 1, D(0.5), RNE, fl), 0, UF | NX);
    EXPECT(fpu_mul(FP_D, 1, D(0.5), RUP, fl), 1, UF | NX);
    EXPECT(fpu_mul(FP_D, 3, D(0.5), RNE, fl), 2, UF | NX);
    EXPECT(fpu_div(FP_D, DMIN, D(3), RNE, fl), 0x0005555555555555ull, UF | NX);
    EXPECT(fpu_mul(FP_S, 1, S(0.5f), RMM, fl), 1, UF | NX);
    /* tininess after rounding: DMIN*(1+2^-52) * (1-2^-52) = DMIN*(1-2^-104)
     * rounds to DMIN with an unbounded exponent, so it is not tiny in RNE;
     * in RTZ it stays below DMIN: tiny, UF. */
    EXPECT(fpu_mul(FP_D, DMIN + 1, 0x3feffffffffffffeull, RNE, fl), DMIN, NX);
    EXPECT(fpu_mul(FP_D, DMIN + 1, 0x3feffffffffffffeull, RTZ, fl), DMIN - 1, UF | NX);
    /* (1-2^-53) * DMIN is exact at unbounded exponent (tiny), rounds up to DMIN */
    EXPECT(fpu_mul(FP_D, DMIN, 0x3fefffffffffffffull, RNE, fl), DMIN, UF | NX);
    /* subnormal inputs */
    EXPECT(fpu_add(FP_D, 1, 1, RNE, fl), 2, 0);
    EXPECT(fpu_mul(FP_D, 1, D(4), RNE, fl), 4, 0);
    EXPECT(fpu_sqrt(FP_D, 4, RNE, fl), 0x1e70000000000000ull, 0); /* sqrt(2^-1072) = 2^-536 */
}

static void test_fma(void)
{
    /* (1+2^-52)(1-2^-52) - 1 = -2^-104 fused; mul-then-add would give 0 */
    uint64_t a = 0x3ff0000000000001ull, b = 0x3feffffffffffffeull;
    EXPECT(fpu_fma(FP_D, a, b, D(-1), false, false, RNE, fl), D(-ldexp(1, -104)), 0);
    EXPECT(fpu_sub(FP_D, fpu_mul(FP_D, a, b, RNE, fl), D(1), RNE, fl), 0, NX);
    /* (1+2^-52)^2 - 1 = 2^-51 + 2^-104: inexact, direction depends on rm */
    EXPECT(fpu_fma(FP_D, a, a, D(-1), false, false, RNE, fl), D(ldexp(1, -51)), NX);
    EXPECT(fpu_fma(FP_D, a, a, D(-1), false, false, RUP, fl), D(ldexp(1, -51)) + 1, NX);
    EXPECT(fpu_fma(FP_S, 0x3f800001u, 0x3f7ffffeu, S(-1), false, false, RNE, fl),
           S(-ldexpf(1, -46)), 0);
    EXPECT(fpu_fma(FP_D, D(3), D(5), D(1), false, false, RNE, fl), D(16), 0); /* fmadd */
    EXPECT(fpu_fma(FP_D, D(3), D(5), D(1), false, true, RNE, fl), D(14), 0);  /* fmsub */
    EXPECT(fpu_fma(FP_D, D(3), D(5), D(1), true, false, RNE, fl), D(-14), 0); /* fnmsub */
    EXPECT(fpu_fma(FP_D, D(3), D(5), D(1), true, true, RNE, fl), D(-16), 0);  /* fnmadd */
    EXPECT(fpu_fma(FP_S, S(3), S(5), S(1), true, true, RNE, fl), S(-16), 0);
    /* inf * 0 + qNaN is invalid */
    EXPECT(fpu_fma(FP_D, INF_D, 0, QD, false, false, RNE, fl), QD, NV);
    EXPECT(fpu_fma(FP_D, D(1), D(1), QD, false, false, RNE, fl), QD, 0);
    EXPECT(fpu_fma(FP_D, INF_D, D(1), NINF_D, false, false, RNE, fl), QD, NV);
    /* exact zero sums: +0 except RDN */
    EXPECT(fpu_fma(FP_D, D(2), D(3), D(-6), false, false, RNE, fl), 0, 0);
    EXPECT(fpu_fma(FP_D, D(2), D(3), D(-6), false, false, RDN, fl), 1ull << 63, 0);
    EXPECT(fpu_fma(FP_D, D(0), D(-3), D(-0.0), false, false, RNE, fl), 1ull << 63, 0);
    EXPECT(fpu_fma(FP_D, D(0), D(-3), D(-0.0), true, true, RNE, fl), 0, 0);
    EXPECT(fpu_fma(FP_D, D(0), D(3), D(7), false, false, RNE, fl), D(7), 0);
}

static void test_minmax_cmp(void)
{
    uint64_t nz = 1ull << 63;
    EXPECT(fpu_min(FP_D, nz, 0, fl), nz, 0);
    EXPECT(fpu_min(FP_D, 0, nz, fl), nz, 0);
    EXPECT(fpu_max(FP_D, nz, 0, fl), 0, 0);
    EXPECT(fpu_max(FP_D, 0, nz, fl), 0, 0);
    EXPECT(fpu_min(FP_D, QD, D(1), fl), D(1), 0);
    EXPECT(fpu_max(FP_D, D(1), QD, fl), D(1), 0);
    EXPECT(fpu_min(FP_D, SNAN_D, D(1), fl), D(1), NV);
    EXPECT(fpu_min(FP_D, SNAN_D, QD, fl), QD, NV);
    EXPECT(fpu_max(FP_D, 0x7ff8000000000005ull, 0xfff8000000000000ull, fl), QD, 0);
    EXPECT(fpu_min(FP_D, D(-3), D(2), fl), D(-3), 0);
    EXPECT(fpu_max(FP_D, D(-3), D(-2), fl), D(-2), 0);
    EXPECT(fpu_min(FP_S, S(-1), S(-2), fl), S(-2), 0);
    EXPECT(fpu_max(FP_S, SNAN_S, QS, fl), QS, NV);
    EXPECT(fpu_eq(FP_D, QD, D(1), fl), 0, 0);
    EXPECT(fpu_eq(FP_D, SNAN_D, D(1), fl), 0, NV);
    EXPECT(fpu_eq(FP_D, QD, QD, fl), 0, 0);
    EXPECT(fpu_lt(FP_D, QD, D(1), fl), 0, NV);
    EXPECT(fpu_le(FP_D, D(1), QD, fl), 0, NV);
    EXPECT(fpu_eq(FP_D, nz, 0, fl), 1, 0);
    EXPECT(fpu_lt(FP_D, nz, 0, fl), 0, 0);
    EXPECT(fpu_le(FP_D, nz, 0, fl), 1, 0);
    EXPECT(fpu_le(FP_D, 0, nz, fl), 1, 0);
    EXPECT(fpu_lt(FP_D, D(-2), D(-1), fl), 1, 0);
    EXPECT(fpu_lt(FP_D, D(-1), D(-2), fl), 0, 0);
    EXPECT(fpu_le(FP_D, D(1), D(1), fl), 1, 0);
    EXPECT(fpu_lt(FP_S, S(1), S(2), fl), 1, 0);
    EXPECT(fpu_lt(FP_D, NINF_D, INF_D, fl), 1, 0);
}

static void test_class_box(void)
{
    uint64_t dv[10] = {NINF_D, D(-1), 0x8000000000000001ull, 1ull << 63, 0, 1, D(1), INF_D,
                       SNAN_D, QD};
    uint64_t sv[10] = {0xff800000u, S(-1), 0x80000001u, 0x80000000u, 0,
                       1,           S(1),  0x7f800000u, SNAN_S,      QS};
    for (int i = 0; i < 10; i++) {
        EXPECT(fpu_class(FP_D, dv[i]), 1u << i, 0);
        EXPECT(fpu_class(FP_S, sv[i]), 1u << i, 0);
    }
    EXPECT(fpu_class(FP_S, fpu_unbox_s(0x000000003f800000ull)), 1u << 9, 0);
    EXPECT(fpu_unbox_s(0xffffffff3f800000ull), 0x3f800000u, 0);
    EXPECT(fpu_unbox_s(0xfffffffe3f800000ull), QS, 0);
    EXPECT(fpu_box_s(0x3f800000u), 0xffffffff3f800000ull, 0);
    /* fcvt between formats */
    EXPECT(fpu_s_to_d(S(1.5f), fl), D(1.5), 0);
    EXPECT(fpu_s_to_d(1, fl), D(ldexp(1, -149)), 0);
    EXPECT(fpu_s_to_d(SNAN_S, fl), QD, NV);
    EXPECT(fpu_s_to_d(0xffc00001u, fl), QD, 0);
    EXPECT(fpu_d_to_s(D(0.1), RNE, fl), S(0.1f), NX);
    EXPECT(fpu_d_to_s(D(1e300), RNE, fl), 0x7f800000u, OF | NX);
    EXPECT(fpu_d_to_s(D(1e300), RTZ, fl), 0x7f7fffffu, OF | NX);
    EXPECT(fpu_d_to_s(D(1e-300), RNE, fl), 0, UF | NX);
    EXPECT(fpu_d_to_s(D(-1e-300), RDN, fl), 0x80000001u, UF | NX);
    EXPECT(fpu_d_to_s(SNAN_D, RNE, fl), QS, NV);
    EXPECT(fpu_d_to_s(INF_D, RNE, fl), 0x7f800000u, 0);
}

static void test_convert(void)
{
    EXPECT(fpu_to_int(FP_D, D(3e9), FPI_W, RNE, fl), 0x7fffffff, NV);
    EXPECT(fpu_to_int(FP_D, QD, FPI_W, RNE, fl), 0x7fffffff, NV);
    EXPECT(fpu_to_int(FP_D, 0xfff8000000000000ull, FPI_W, RNE, fl), 0x7fffffff, NV);
    EXPECT(fpu_to_int(FP_D, D(-3e9), FPI_W, RNE, fl), 0xffffffff80000000ull, NV);
    EXPECT(fpu_to_int(FP_D, NINF_D, FPI_W, RNE, fl), 0xffffffff80000000ull, NV);
    EXPECT(fpu_to_int(FP_D, D(-1), FPI_WU, RNE, fl), 0, NV);
    EXPECT(fpu_to_int(FP_D, D(-0.5), FPI_WU, RTZ, fl), 0, NX);
    EXPECT(fpu_to_int(FP_D, D(-0.7), FPI_WU, RNE, fl), 0, NV);
    EXPECT(fpu_to_int(FP_D, D(3e9), FPI_WU, RNE, fl), 0xffffffffb2d05e00ull, 0);
    EXPECT(fpu_to_int(FP_D, D(5e9), FPI_WU, RNE, fl), 0xffffffffffffffffull, NV);
    EXPECT(fpu_to_int(FP_D, QD, FPI_WU, RNE, fl), 0xffffffffffffffffull, NV);
    EXPECT(fpu_to_int(FP_D, QD, FPI_L, RNE, fl), 0x7fffffffffffffffull, NV);
    EXPECT(fpu_to_int(FP_D, QD, FPI_LU, RNE, fl), 0xffffffffffffffffull, NV);
    EXPECT(fpu_to_int(FP_D, NINF_D, FPI_LU, RNE, fl), 0, NV);
    EXPECT(fpu_to_int(FP_D, D(-9223372036854775808.0), FPI_L, RNE, fl), 1ull << 63, 0);
    EXPECT(fpu_to_int(FP_D, D(9223372036854775808.0), FPI_L, RNE, fl), INT64_MAX, NV);
    EXPECT(fpu_to_int(FP_D, D(18446744073709549568.0), FPI_LU, RNE, fl), 0xfffffffffffff800ull, 0);
    EXPECT(fpu_to_int(FP_D, D(18446744073709551616.0), FPI_LU, RNE, fl), UINT64_MAX, NV);
    EXPECT(fpu_to_int(FP_D, D(-2147483648.5), FPI_W, RTZ, fl), 0xffffffff80000000ull, NX);
    EXPECT(fpu_to_int(FP_D, D(-2147483648.5), FPI_W, RNE, fl), 0xffffffff80000000ull, NX);
    EXPECT(fpu_to_int(FP_D, D(-2147483648.5), FPI_W, RDN, fl), 0xffffffff80000000ull, NV);
    EXPECT(fpu_to_int(FP_D, D(2147483647.5), FPI_W, RNE, fl), 0x7fffffff, NV);
    EXPECT(fpu_to_int(FP_D, D(2147483647.4), FPI_W, RNE, fl), 0x7fffffff, NX);
    EXPECT(fpu_to_int(FP_D, D(2.5), FPI_W, RNE, fl), 2, NX);
    EXPECT(fpu_to_int(FP_D, D(2.5), FPI_W, RMM, fl), 3, NX);
    EXPECT(fpu_to_int(FP_D, D(2.5), FPI_W, RUP, fl), 3, NX);
    EXPECT(fpu_to_int(FP_D, D(2.5), FPI_W, RDN, fl), 2, NX);
    EXPECT(fpu_to_int(FP_D, D(-2.5), FPI_W, RMM, fl), (uint64_t)-3, NX);
    EXPECT(fpu_to_int(FP_D, D(-2.5), FPI_L, RDN, fl), (uint64_t)-3, NX);
    EXPECT(fpu_to_int(FP_D, D(-2.5), FPI_L, RUP, fl), (uint64_t)-2, NX);
    EXPECT(fpu_to_int(FP_D, D(0.3), FPI_L, RUP, fl), 1, NX);
    EXPECT(fpu_to_int(FP_D, D(-0.3), FPI_L, RDN, fl), (uint64_t)-1, NX);
    EXPECT(fpu_to_int(FP_D, D(0.5), FPI_L, RNE, fl), 0, NX);
    EXPECT(fpu_to_int(FP_D, D(0.5), FPI_L, RMM, fl), 1, NX);
    EXPECT(fpu_to_int(FP_D, 1, FPI_L, RUP, fl), 1, NX);
    EXPECT(fpu_to_int(FP_D, D(-0.0), FPI_LU, RNE, fl), 0, 0);
    EXPECT(fpu_to_int(FP_S, S(-7.0f), FPI_W, RNE, fl), (uint64_t)-7, 0);
    EXPECT(fpu_to_int(FP_S, S(4e9f), FPI_WU, RNE, fl), 0xffffffffee6b2800ull, 0);
    EXPECT(fpu_from_int(FP_D, 0xffffffff, FPI_W, RNE, fl), D(-1), 0);
    EXPECT(fpu_from_int(FP_D, 0xffffffff, FPI_WU, RNE, fl), D(4294967295.0), 0);
    EXPECT(fpu_from_int(FP_D, 0x12345678ffffffffull, FPI_WU, RNE, fl), D(4294967295.0), 0);
    EXPECT(fpu_from_int(FP_D, UINT64_MAX, FPI_LU, RNE, fl), D(18446744073709551616.0), NX);
    EXPECT(fpu_from_int(FP_D, UINT64_MAX, FPI_LU, RTZ, fl), 0x43efffffffffffffull, NX);
    EXPECT(fpu_from_int(FP_D, 1ull << 63, FPI_L, RNE, fl), D(-9223372036854775808.0), 0);
    EXPECT(fpu_from_int(FP_S, 0, FPI_L, RDN, fl), 0, 0);
    EXPECT(fpu_from_int(FP_S, 0xffffffff, FPI_WU, RNE, fl), S(4294967296.0f), NX);
}

/* The helpers: boxing, dynamic rm, fflags accrual, invalid rm traps. */
static void test_helpers(void)
{
    static RVCPU cpu;
    uint64_t one_s = fpu_box_s(0x3f800000u), three_s = fpu_box_s(0x40400000u);
    uint64_t site = (uint64_t)IR_SITE(8, 2) << 8;
    cpu.priv = PRV_M;
    cpu.tb_pc = 0x80001000;
    EXPECT(helper_fadd_s(&cpu, one_s, one_s, FPU_RNE | site, 0), fpu_box_s(0x40000000u), 0);
    /* an improperly boxed operand reads as the canonical NaN */
    EXPECT(helper_fadd_s(&cpu, 0x3f800000ull, one_s, FPU_RNE | site, 0), fpu_box_s(QS), 0);
    CHECK(cpu.fflags == 0, "fflags %x after exact ops", cpu.fflags);
    cpu.frm = FPU_RUP;
    EXPECT(helper_fdiv_s(&cpu, one_s, three_s, FPU_DYN | site, 0), fpu_box_s(0x3eaaaaabu), 0);
    CHECK(cpu.fflags == NX, "fflags %x, want NX", cpu.fflags);
    EXPECT(helper_fdiv_d(&cpu, D(1), 0, FPU_RNE | site, 0), INF_D, 0);
    CHECK(cpu.fflags == (NX | DZ), "fflags %x, want NX|DZ (accrued)", cpu.fflags);
    EXPECT(helper_fcvt_w_d(&cpu, D(-3e9), FPU_RTZ | site, 0, 0), 0xffffffff80000000ull, 0);
    CHECK(cpu.fflags == (NX | DZ | NV), "fflags %x, want NX|DZ|NV", cpu.fflags);
    EXPECT(helper_fcvt_s_d(&cpu, D(1.5), FPU_RNE | site, 0, 0), fpu_box_s(0x3fc00000u), 0);
    EXPECT(helper_fcvt_d_s(&cpu, fpu_box_s(0x3fc00000u), FPU_RNE | site, 0, 0), D(1.5), 0);
    EXPECT(helper_fmadd_d(&cpu, D(2), D(3), D(4), FPU_RNE | site), D(10), 0);
    EXPECT(helper_fnmadd_s(&cpu, three_s, three_s, one_s, FPU_RNE | site), fpu_box_s(S(-10)), 0);
    EXPECT(helper_fmin_s(&cpu, 0x1234ull, one_s, 0, 0), one_s, 0);
    EXPECT(helper_fclass_s(&cpu, 0x1234ull, 0, 0, 0), 1u << 9, 0);
    EXPECT(helper_fcvt_s_w(&cpu, 0xfffffffffffffffeull, FPU_RNE | site, 0, 0), fpu_box_s(S(-2)), 0);
    CHECK(cpu.exit_status == 0, "no fault expected, exit_status %u", cpu.exit_status);
    /* dynamic rm with an invalid frm: illegal instruction at tb_pc + 8 */
    cpu.frm = 5;
    cpu.fflags = 0;
    EXPECT(helper_fadd_d(&cpu, D(1), D(1), FPU_DYN | site, 0), 0, 0);
    CHECK(cpu.exit_status == IR_EXIT_FAULT && cpu.fault_site == IR_SITE(8, 2) &&
              cpu.mcause == EXC_ILLEGAL_INSN && cpu.mepc == 0x80001008 && cpu.fflags == 0,
          "invalid frm: exit %u site %x mcause %llu mepc %llx fflags %x", cpu.exit_status,
          cpu.fault_site, (unsigned long long)cpu.mcause, (unsigned long long)cpu.mepc, cpu.fflags);
    cpu.exit_status = 0;
    EXPECT(helper_fsqrt_d(&cpu, D(4), 6 | site, 0, 0), 0, 0);
    CHECK(cpu.exit_status == IR_EXIT_FAULT, "static rm 6 must fault");
}

/* ---- randomized cross-check against the host ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random binary64 with a bias to edge cases. */
static uint64_t rnd_d(void)
{
    static const uint64_t special[] = {0,
                                       1ull << 63,
                                       1,
                                       0x000fffffffffffffull,
                                       DMIN,
                                       DMAX,
                                       INF_D,
                                       NINF_D,
                                       0x3ff0000000000000ull,
                                       0xbff0000000000000ull,
                                       0x4000000000000000ull,
                                       QD,
                                       SNAN_D,
                                       0x7fe0000000000000ull,
                                       0x3ff0000000000001ull,
                                       0x3fefffffffffffffull};
    uint64_t r = rnd(), sign = r & (1ull << 63);
    switch (r % 8) {
    case 0: return special[(r >> 8) % (sizeof special / sizeof special[0])] ^ (sign & rnd());
    case 1: return sign | (rnd() & 0x000fffffffffffffull);                          /* subnormal */
    case 2: return sign | ((uint64_t)(0x7fd + (r >> 8) % 3) << 52) | (rnd() >> 12); /* huge */
    case 3: return sign | ((uint64_t)(1 + (r >> 8) % 60) << 52) | (rnd() >> 12);    /* tiny */
    case 4: return sign | ((uint64_t)(1013 + (r >> 8) % 20) << 52) | (rnd() >> 12); /* near 1 */
    case 5: return sign | ((uint64_t)(1023 << 0) << 52) | (rnd() >> 12 & 0xff00000000000ull);
    default: return rnd() & ~(((r >> 20) & 1) ? 0x7ff0000000000000ull : 0); /* anything */
    }
}

static uint64_t rnd_s(void)
{
    static const uint32_t special[] = {
        0,           0x80000000u, 1,  0x007fffffu, 0x00800000u, 0x7f7fffffu, 0x7f800000u,
        0xff800000u, 0x3f800000u, QS, SNAN_S,      0x3f800001u, 0x3f7fffffu};
    uint64_t r = rnd();
    uint32_t sign = (uint32_t)(r >> 63) << 31;
    switch (r % 7) {
    case 0: return special[(r >> 8) % (sizeof special / sizeof special[0])] ^ sign;
    case 1: return sign | ((uint32_t)rnd() & 0x007fffffu);
    case 2: return sign | ((uint32_t)(0xfc + (r >> 8) % 3) << 23) | ((uint32_t)rnd() >> 9);
    case 3: return sign | ((uint32_t)(1 + (r >> 8) % 30) << 23) | ((uint32_t)rnd() >> 9);
    case 4: return sign | ((uint32_t)(117 + (r >> 8) % 20) << 23) | ((uint32_t)rnd() >> 9);
    default: return (uint32_t)rnd();
    }
}

static const int host_rm[5] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD, -1};

static uint32_t host_flags(void)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    return (e & FE_INEXACT ? NX : 0) | (e & FE_UNDERFLOW ? UF : 0) | (e & FE_OVERFLOW ? OF : 0) |
           (e & FE_DIVBYZERO ? DZ : 0) | (e & FE_INVALID ? NV : 0);
}

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_FMA, OP_CVT, OP_COUNT };
static const char *op_names[OP_COUNT] = {"add", "sub", "mul", "div", "sqrt", "fma", "cvt"};

static volatile double vd_a, vd_b, vd_c, vd_r;
static volatile float vs_a, vs_b, vs_c, vs_r;
static volatile int64_t vi;

static void host_d(int op, uint64_t a, uint64_t b, uint64_t c, uint64_t *res, uint32_t *fl)
{
    vd_a = toD(a), vd_b = toD(b), vd_c = toD(c);
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case OP_ADD: vd_r = vd_a + vd_b; break;
    case OP_SUB: vd_r = vd_a - vd_b; break;
    case OP_MUL: vd_r = vd_a * vd_b; break;
    case OP_DIV: vd_r = vd_a / vd_b; break;
    case OP_SQRT: vd_r = sqrt(vd_a); break;
    case OP_FMA: vd_r = fma(vd_a, vd_b, vd_c); break;
    default:
        vi = (int64_t)a;
        vd_r = (double)vi;
        break;
    }
    *fl = host_flags();
    *res = D(vd_r);
}

static void host_s(int op, uint64_t a, uint64_t b, uint64_t c, uint64_t *res, uint32_t *fl)
{
    vs_a = toS(a), vs_b = toS(b), vs_c = toS(c);
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case OP_ADD: vs_r = vs_a + vs_b; break;
    case OP_SUB: vs_r = vs_a - vs_b; break;
    case OP_MUL: vs_r = vs_a * vs_b; break;
    case OP_DIV: vs_r = vs_a / vs_b; break;
    case OP_SQRT: vs_r = sqrtf(vs_a); break;
    case OP_FMA: vs_r = fmaf(vs_a, vs_b, vs_c); break;
    default:
        vi = (int64_t)a;
        vs_r = (float)vi;
        break;
    }
    *fl = host_flags();
    *res = S(vs_r);
}

static uint64_t ours(FPFmt fmt, int op, uint64_t a, uint64_t b, uint64_t c, int rm, uint32_t *fl)
{
    switch (op) {
    case OP_ADD: return fpu_add(fmt, a, b, rm, fl);
    case OP_SUB: return fpu_sub(fmt, a, b, rm, fl);
    case OP_MUL: return fpu_mul(fmt, a, b, rm, fl);
    case OP_DIV: return fpu_div(fmt, a, b, rm, fl);
    case OP_SQRT: return fpu_sqrt(fmt, a, rm, fl);
    case OP_FMA: return fpu_fma(fmt, a, b, c, false, false, rm, fl);
    default: return fpu_from_int(fmt, a, FPI_L, rm, fl);
    }
}

static void cross_check(FPFmt fmt, int n)
{
    int bad[OP_COUNT] = {0};
    for (int i = 0; i < n; i++) {
        int op = i % OP_COUNT;
        int rmi = (i / OP_COUNT) % 4; /* the host has no RMM */
        uint64_t a = fmt == FP_D ? rnd_d() : rnd_s();
        uint64_t b = fmt == FP_D ? rnd_d() : rnd_s();
        uint64_t c = fmt == FP_D ? rnd_d() : rnd_s();
        if (op == OP_CVT)
            a = rnd() >> (rnd() % 64);
        if (op == OP_ADD && (i & 8)) /* cancellation */
            b = (a ^ (fmt == FP_D ? 1ull << 63 : 1u << 31)) + (rnd() % 16) - 8;
        if (op == OP_FMA && (i & 8)) { /* c close to -(a*b) */
            uint64_t p;
            uint32_t f;
            fesetround(FE_TONEAREST);
            if (fmt == FP_D)
                host_d(OP_MUL, a, b, 0, &p, &f);
            else
                host_s(OP_MUL, a, b, 0, &p, &f);
            c = (p ^ (fmt == FP_D ? 1ull << 63 : 1u << 31)) + (rnd() % 4) - 2;
        }
        uint64_t want, got;
        uint32_t wfl, gfl = 0;
        if (op == OP_FMA && fpu_class(fmt, c) >= 1u << 8 &&
            ((fpu_class(fmt, a) & 0x81 && fpu_class(fmt, b) & 0x18) ||
             (fpu_class(fmt, b) & 0x81 && fpu_class(fmt, a) & 0x18))) {
            /* inf * 0 + qNaN: RISC-V requires NV, IEEE leaves it open */
            EXPECT(ours(fmt, op, a, b, c, rmi, fl), fmt == FP_D ? QD : QS, NV);
            continue;
        }
        fesetround(host_rm[rmi]);
        if (fmt == FP_D)
            host_d(op, a, b, c, &want, &wfl);
        else
            host_s(op, a, b, c, &want, &wfl);
        fesetround(FE_TONEAREST);
        got = ours(fmt, op, a, b, c, rmi, &gfl);
        bool want_nan = fmt == FP_D ? isnan(toD(want)) : isnan(toS(want));
        if (want_nan)
            want = fmt == FP_D ? QD : QS;
        if (got != want || gfl != wfl) {
            bad[op]++;
            CHECK(0,
                  "%s %s rm %d: %016llx %016llx %016llx -> %016llx fl %02x, host %016llx fl %02x",
                  fmt == FP_D ? "d" : "s", op_names[op], rmi, (unsigned long long)a,
                  (unsigned long long)b, (unsigned long long)c, (unsigned long long)got, gfl,
                  (unsigned long long)want, wfl);
        } else {
            checks++;
        }
    }
    for (int op = 0; op < OP_COUNT; op++)
        if (bad[op])
            printf("cross-check %s %s: %d mismatches\n", fmt == FP_D ? "d" : "s", op_names[op],
                   bad[op]);
}

int main(void)
{
    test_rounding();
    test_flags();
    test_fma();
    test_minmax_cmp();
    test_class_box();
    test_convert();
    test_helpers();
    cross_check(FP_D, 400000);
    cross_check(FP_S, 200000);
    printf("test-fpu: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
