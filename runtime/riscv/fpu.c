/* fpu.c - software IEEE 754 arithmetic for the F and D extensions (fpu.h).
 * Everything is integer arithmetic on unpacked values, except exact-result
 * fast paths for binary64 in RNE, which use host doubles (round-to-nearest
 * is all wasm and SSE give) plus exact error terms to derive the flags.
 */
#include "riscv/fpu.h"

#include <math.h>
#include <string.h>

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* the error-free transforms need unfused ops */
#endif

typedef unsigned __int128 u128;

/* Format parameters: stored mantissa bits, exponent bits, bias. */
typedef struct FPParams {
    unsigned mbits, ebits;
    int bias;
    uint64_t qnan;
} FPParams;

static const FPParams fp_params[2] = {
    [FP_S] = {23, 8, 127, FPU_QNAN_S},
    [FP_D] = {52, 11, 1023, FPU_QNAN_D},
};

/* An unpacked value.  For FPK_NUM: value = sig * 2^(exp - 62) with bit 62 of
 * sig set (subnormal inputs are normalised), bit 63 clear. */
enum { FPK_ZERO, FPK_NUM, FPK_INF, FPK_NAN };
typedef struct FPUnp {
    int kind;
    int sign;
    int snan;
    int32_t exp;
    uint64_t sig;
} FPUnp;

static inline int clz64(uint64_t x)
{
    return __builtin_clzll(x);
}

/* x >> n, with bit 0 set if any 1 bit was shifted out ("jamming"). */
static inline uint64_t shr_jam(uint64_t x, unsigned n)
{
    if (n == 0)
        return x;
    if (n >= 64)
        return x != 0;
    return (x >> n) | ((x << (64 - n)) != 0);
}

static inline u128 shr_jam128(u128 x, unsigned n)
{
    if (n == 0)
        return x;
    if (n >= 128)
        return x != 0;
    return (x >> n) | (u128)((x << (128 - n)) != 0);
}

static inline uint64_t sign_bit(const FPParams *P)
{
    return 1ull << (P->mbits + P->ebits);
}

static inline uint64_t emask(const FPParams *P)
{
    return (1ull << P->ebits) - 1;
}

static FPUnp fp_unpack(const FPParams *P, uint64_t x)
{
    FPUnp u = {0};
    uint64_t mmask = (1ull << P->mbits) - 1;
    uint64_t e = (x >> P->mbits) & emask(P);
    uint64_t m = x & mmask;
    u.sign = (x & sign_bit(P)) != 0;
    if (e == emask(P)) {
        u.kind = m ? FPK_NAN : FPK_INF;
        u.snan = m && !((m >> (P->mbits - 1)) & 1);
    } else if (e == 0) {
        if (m == 0) {
            u.kind = FPK_ZERO;
        } else {
            int lz = clz64(m);
            u.kind = FPK_NUM;
            u.sig = m << (lz - 1);
            u.exp = 64 - P->bias - (int)P->mbits - lz;
        }
    } else {
        u.kind = FPK_NUM;
        u.sig = (m | (1ull << P->mbits)) << (62 - P->mbits);
        u.exp = (int32_t)e - P->bias;
    }
    return u;
}

static inline uint64_t fp_zero(const FPParams *P, int sign)
{
    return sign ? sign_bit(P) : 0;
}

static inline uint64_t fp_inf(const FPParams *P, int sign)
{
    return fp_zero(P, sign) | (emask(P) << P->mbits);
}

/* Would rounding with remainder rem (out of 2*half) away from the kept bits
 * increase the magnitude?  lsb is the lowest kept bit. */
static inline bool fp_round_up(int rm, int sign, uint64_t lsb, uint64_t rem, uint64_t half)
{
    switch (rm) {
    case FPU_RNE: return rem > half || (rem == half && lsb);
    case FPU_RTZ: return false;
    case FPU_RDN: return sign && rem != 0;
    case FPU_RUP: return !sign && rem != 0;
    default: return rem >= half; /* RMM */
    }
}

/* Round sig * 2^(exp - 62) (sig has bit 62 set, bit 0 may be a sticky bit)
 * to the format and pack it, raising OF/UF/NX as RISC-V specifies. */
static uint64_t fp_round_pack(const FPParams *P, int sign, int32_t exp, uint64_t sig, int rm,
                              uint32_t *fl)
{
    const int emin = 1 - P->bias, emax = P->bias;
    const unsigned extra = 62 - P->mbits; /* bits below the result's lsb */
    const uint64_t rmask = (1ull << extra) - 1, half = 1ull << (extra - 1);
    bool tiny = false;
    if (exp > emax)
        goto overflow;
    if (exp < emin) {
        /* Tiny after rounding: the value rounded to full precision with an
         * unbounded exponent is still below 2^emin. */
        tiny = true;
        if (exp == emin - 1) {
            uint64_t r = sig & ~rmask;
            if (fp_round_up(rm, sign, (sig >> extra) & 1, sig & rmask, half))
                r += 1ull << extra;
            tiny = (r >> 63) == 0;
        }
        sig = shr_jam(sig, (unsigned)(emin - exp));
        exp = emin - 1; /* biased field 0; a carry out makes it the minimum normal */
    } else {
        exp -= 1; /* the hidden bit adds one to the exponent field */
    }
    uint64_t rem = sig & rmask;
    uint64_t mant = sig >> extra;
    if (fp_round_up(rm, sign, mant & 1, rem, half))
        mant++;
    if (rem) {
        *fl |= FFLAG_NX;
        if (tiny)
            *fl |= FFLAG_UF;
    }
    uint64_t bits = ((uint64_t)(exp + P->bias) << P->mbits) + mant;
    if (((bits >> P->mbits) & emask(P)) == emask(P))
        goto overflow;
    return fp_zero(P, sign) | bits;

overflow:
    *fl |= FFLAG_OF | FFLAG_NX;
    if (rm == FPU_RTZ || (rm == FPU_RDN && !sign) || (rm == FPU_RUP && sign))
        return fp_zero(P, sign) | (((emask(P) - 1) << P->mbits) | ((1ull << P->mbits) - 1));
    return fp_inf(P, sign);
}

/* NaN result for an operation with these operands: NV on sNaN. */
static inline uint64_t fp_nan(const FPParams *P, uint32_t *fl, int snan)
{
    if (snan)
        *fl |= FFLAG_NV;
    return P->qnan;
}

static inline uint64_t fp_invalid(const FPParams *P, uint32_t *fl)
{
    *fl |= FFLAG_NV;
    return P->qnan;
}

/* ---- addition ---- */

static uint64_t fp_add_unp(const FPParams *P, FPUnp a, FPUnp b, int rm, uint32_t *fl)
{
    if (a.kind == FPK_NAN || b.kind == FPK_NAN)
        return fp_nan(P, fl, a.snan || b.snan);
    if (a.kind == FPK_INF || b.kind == FPK_INF) {
        if (a.kind == FPK_INF && b.kind == FPK_INF && a.sign != b.sign)
            return fp_invalid(P, fl);
        return fp_inf(P, a.kind == FPK_INF ? a.sign : b.sign);
    }
    if (a.kind == FPK_ZERO && b.kind == FPK_ZERO)
        return fp_zero(P, a.sign == b.sign ? a.sign : rm == FPU_RDN);
    if (a.kind == FPK_ZERO)
        a = b, b.kind = FPK_ZERO;
    if (b.kind == FPK_ZERO)
        return fp_round_pack(P, a.sign, a.exp, a.sig, rm, fl); /* exact */
    if (a.exp < b.exp || (a.exp == b.exp && a.sig < b.sig)) {
        FPUnp t = a;
        a = b;
        b = t;
    }
    uint64_t bs = shr_jam(b.sig, (unsigned)((int64_t)a.exp - b.exp > 64 ? 64 : a.exp - b.exp));
    uint64_t s;
    int32_t exp = a.exp;
    if (a.sign == b.sign) {
        s = a.sig + bs;
        if (s >> 63) {
            s = shr_jam(s, 1);
            exp++;
        }
    } else {
        s = a.sig - bs;
        if (s == 0)
            return fp_zero(P, rm == FPU_RDN);
        int sh = clz64(s) - 1;
        s <<= sh;
        exp -= sh;
    }
    return fp_round_pack(P, a.sign, exp, s, rm, fl);
}

/* Error-free transforms on host doubles (round-to-nearest, no contraction). */
static inline double fp_two_sum_err(double a, double b, double s)
{
    double bb = s - a;
    return (a - (s - bb)) + (b - bb);
}

static inline void fp_split(double a, double *hi, double *lo)
{
    double c = 134217729.0 * a; /* 2^27 + 1 */
    double h = c - (c - a);
    *hi = h;
    *lo = a - h;
}

/* a * b - p exactly, for p = fl(a * b) well inside the normal range. */
static inline double fp_two_prod_err(double a, double b, double p)
{
    double ah, al, bh, bl;
    fp_split(a, &ah, &al);
    fp_split(b, &bh, &bl);
    return (((ah * bh - p) + ah * bl) + al * bh) + al * bl;
}

static inline double fp_d(uint64_t x)
{
    double d;
    memcpy(&d, &x, 8);
    return d;
}

static inline uint64_t fp_u(double d)
{
    uint64_t x;
    memcpy(&x, &d, 8);
    return x;
}

/* Biased exponent within [2^-900, 2^900): products/quotients of such
 * numbers and their error terms neither overflow nor lose bits. */
static inline bool fp_safe_d(uint64_t x)
{
    uint64_t e = (x >> 52) & 0x7ff;
    return e - 123 < 1800;
}

uint64_t fpu_add(FPFmt fmt, uint64_t a, uint64_t b, int rm, uint32_t *fl)
{
    /* below 2^1023 the two-sum's intermediates cannot overflow */
    if (fmt == FP_D && rm == FPU_RNE && ((a >> 52) & 0x7ff) < 0x7fe &&
        ((b >> 52) & 0x7ff) < 0x7fe) {
        double x = fp_d(a), y = fp_d(b), s = x + y;
        uint64_t r = fp_u(s);
        /* a finite sum of finite values: a subnormal sum is always exact */
        if (((r >> 52) & 0x7ff) != 0x7ff) {
            if (fp_two_sum_err(x, y, s) != 0)
                *fl |= FFLAG_NX;
            return r;
        }
    }
    const FPParams *P = &fp_params[fmt];
    return fp_add_unp(P, fp_unpack(P, a), fp_unpack(P, b), rm, fl);
}

uint64_t fpu_sub(FPFmt fmt, uint64_t a, uint64_t b, int rm, uint32_t *fl)
{
    /* flipping a NaN's sign is harmless: every NaN result is canonical */
    return fpu_add(fmt, a, b ^ sign_bit(&fp_params[fmt]), rm, fl);
}

/* ---- multiplication ---- */

static uint64_t fp_mul_unp(const FPParams *P, FPUnp a, FPUnp b, int rm, uint32_t *fl)
{
    int sign = a.sign ^ b.sign;
    if (a.kind == FPK_NAN || b.kind == FPK_NAN)
        return fp_nan(P, fl, a.snan || b.snan);
    if (a.kind == FPK_INF || b.kind == FPK_INF) {
        if (a.kind == FPK_ZERO || b.kind == FPK_ZERO)
            return fp_invalid(P, fl);
        return fp_inf(P, sign);
    }
    if (a.kind == FPK_ZERO || b.kind == FPK_ZERO)
        return fp_zero(P, sign);
    u128 p = (u128)a.sig * b.sig; /* in [2^124, 2^126) */
    int32_t exp = a.exp + b.exp;
    unsigned sh = 62;
    if ((uint64_t)(p >> 64) >> 61) {
        sh = 63;
        exp++;
    }
    uint64_t sig = (uint64_t)(p >> sh) | ((p & (((u128)1 << sh) - 1)) != 0);
    return fp_round_pack(P, sign, exp, sig, rm, fl);
}

uint64_t fpu_mul(FPFmt fmt, uint64_t a, uint64_t b, int rm, uint32_t *fl)
{
    if (fmt == FP_D && rm == FPU_RNE && fp_safe_d(a) && fp_safe_d(b)) {
        double x = fp_d(a), y = fp_d(b), p = x * y;
        uint64_t r = fp_u(p);
        if (fp_safe_d(r)) {
            if (fp_two_prod_err(x, y, p) != 0)
                *fl |= FFLAG_NX;
            return r;
        }
    }
    const FPParams *P = &fp_params[fmt];
    return fp_mul_unp(P, fp_unpack(P, a), fp_unpack(P, b), rm, fl);
}

/* ---- division ---- */

uint64_t fpu_div(FPFmt fmt, uint64_t a, uint64_t b, int rm, uint32_t *fl)
{
    if (fmt == FP_D && rm == FPU_RNE && fp_safe_d(a) && fp_safe_d(b)) {
        double x = fp_d(a), y = fp_d(b), q = x / y;
        uint64_t r = fp_u(q);
        if (fp_safe_d(r)) {
            double p = q * y; /* exact quotient <=> q * y == x exactly */
            if (p != x || fp_two_prod_err(q, y, p) != 0)
                *fl |= FFLAG_NX;
            return r;
        }
    }
    const FPParams *P = &fp_params[fmt];
    FPUnp ua = fp_unpack(P, a), ub = fp_unpack(P, b);
    int sign = ua.sign ^ ub.sign;
    if (ua.kind == FPK_NAN || ub.kind == FPK_NAN)
        return fp_nan(P, fl, ua.snan || ub.snan);
    if (ua.kind == FPK_INF)
        return ub.kind == FPK_INF ? fp_invalid(P, fl) : fp_inf(P, sign);
    if (ub.kind == FPK_INF)
        return fp_zero(P, sign);
    if (ub.kind == FPK_ZERO) {
        if (ua.kind == FPK_ZERO)
            return fp_invalid(P, fl);
        *fl |= FFLAG_DZ;
        return fp_inf(P, sign);
    }
    if (ua.kind == FPK_ZERO)
        return fp_zero(P, sign);
    /* a.sig, b.sig in [2^62, 2^63): q in (2^62, 2^64) */
    u128 n = (u128)ua.sig << 63;
    uint64_t q = (uint64_t)(n / ub.sig);
    bool rem = (uint64_t)(n % ub.sig) != 0;
    int32_t exp = ua.exp - ub.exp - 1;
    if (q >> 63) {
        q = shr_jam(q, 1);
        exp++;
    }
    return fp_round_pack(P, sign, exp, q | rem, rm, fl);
}

/* ---- square root ---- */

/* floor(sqrt(m)) for m in [2^126, 2^128). */
static uint64_t fp_isqrt128(u128 m)
{
    double est = sqrt((double)m);
    uint64_t r = est >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)est;
    /* one Newton step brings the ~2^11 error of the estimate to ~1 */
    u128 nr = ((u128)r + m / r) >> 1;
    r = nr >> 64 ? UINT64_MAX : (uint64_t)nr;
    while ((u128)r * r > m)
        r--;
    while (r != UINT64_MAX && (u128)(r + 1) * (r + 1) <= m)
        r++;
    return r;
}

uint64_t fpu_sqrt(FPFmt fmt, uint64_t a, int rm, uint32_t *fl)
{
    if (fmt == FP_D && rm == FPU_RNE && fp_safe_d(a) && !(a >> 63)) {
        double x = fp_d(a), s = sqrt(x);
        double p = s * s;
        if (p != x || fp_two_prod_err(s, s, p) != 0)
            *fl |= FFLAG_NX;
        return fp_u(s);
    }
    const FPParams *P = &fp_params[fmt];
    FPUnp u = fp_unpack(P, a);
    if (u.kind == FPK_NAN)
        return fp_nan(P, fl, u.snan);
    if (u.kind == FPK_ZERO)
        return a;
    if (u.sign)
        return fp_invalid(P, fl);
    if (u.kind == FPK_INF)
        return a;
    uint64_t sig = u.sig;
    int32_t e = u.exp;
    if (e & 1) {
        sig <<= 1;
        e--;
    }
    u128 m = (u128)sig << 64;
    uint64_t r = fp_isqrt128(m);
    bool rem = (u128)r * r != m;
    uint64_t s = shr_jam(r, 1) | rem;
    return fp_round_pack(P, 0, e / 2, s, rm, fl);
}

/* ---- fused multiply-add ---- */

uint64_t fpu_fma(FPFmt fmt, uint64_t a, uint64_t b, uint64_t c, bool neg_prod, bool neg_c, int rm,
                 uint32_t *fl)
{
    const FPParams *P = &fp_params[fmt];
    FPUnp ua = fp_unpack(P, a), ub = fp_unpack(P, b), uc = fp_unpack(P, c);
    int psign = ua.sign ^ ub.sign ^ neg_prod;
    uc.sign ^= neg_c;
    bool inf_zero =
        (ua.kind == FPK_INF && ub.kind == FPK_ZERO) || (ua.kind == FPK_ZERO && ub.kind == FPK_INF);
    if (ua.kind == FPK_NAN || ub.kind == FPK_NAN || uc.kind == FPK_NAN) {
        if (inf_zero)
            *fl |= FFLAG_NV; /* even when the addend is a quiet NaN */
        return fp_nan(P, fl, ua.snan || ub.snan || uc.snan);
    }
    if (inf_zero)
        return fp_invalid(P, fl);
    if (ua.kind == FPK_INF || ub.kind == FPK_INF) {
        if (uc.kind == FPK_INF && uc.sign != psign)
            return fp_invalid(P, fl);
        return fp_inf(P, psign);
    }
    if (uc.kind == FPK_INF)
        return fp_inf(P, uc.sign);
    if (ua.kind == FPK_ZERO || ub.kind == FPK_ZERO) {
        FPUnp z = {.kind = FPK_ZERO, .sign = psign};
        return fp_add_unp(P, z, uc, rm, fl);
    }
    /* exact product: p * 2^(pexp - 125), p in [2^125, 2^126) */
    u128 p = (u128)ua.sig * ub.sig;
    int32_t pexp = ua.exp + ub.exp;
    if ((uint64_t)(p >> 64) >> 61)
        pexp++;
    else
        p <<= 1;
    if (uc.kind == FPK_ZERO) {
        uint64_t sig = (uint64_t)(p >> 63) | ((p & (((u128)1 << 63) - 1)) != 0);
        return fp_round_pack(P, psign, pexp, sig, rm, fl);
    }
    /* addend on the same scale: c * 2^(cexp - 125), c in [2^125, 2^126) */
    u128 cs = (u128)uc.sig << 63;
    int32_t cexp = uc.exp;
    /* order by magnitude so that the difference is never negative */
    bool p_big = pexp != cexp ? pexp > cexp : p >= cs;
    u128 big = p_big ? p : cs, small = p_big ? cs : p;
    int32_t exp = p_big ? pexp : cexp;
    int sign = p_big ? psign : uc.sign;
    int64_t d = p_big ? (int64_t)pexp - cexp : (int64_t)cexp - pexp;
    small = shr_jam128(small, d > 128 ? 128 : (unsigned)d);
    u128 s;
    if (psign == uc.sign) {
        s = big + small; /* < 2^127 */
    } else {
        s = big - small;
        if (s == 0)
            return fp_zero(P, rm == FPU_RDN);
    }
    /* normalise s to bit 126 (value s * 2^(exp - 125)), then keep 64 bits */
    int top = 127 - (s >> 64 ? clz64((uint64_t)(s >> 64)) : 64 + clz64((uint64_t)s));
    if (top > 126) {
        s = shr_jam128(s, (unsigned)(top - 126));
        exp += top - 126;
    } else if (top < 126) {
        s <<= 126 - top;
        exp -= 126 - top;
    }
    uint64_t sig = (uint64_t)(s >> 64) | ((uint64_t)s != 0);
    return fp_round_pack(P, sign, exp + 1, sig, rm, fl);
}

/* ---- min/max, comparisons, classification ---- */

static inline bool fp_is_nan(const FPParams *P, uint64_t x)
{
    return ((x >> P->mbits) & emask(P)) == emask(P) && (x & ((1ull << P->mbits) - 1));
}

static inline bool fp_is_snan(const FPParams *P, uint64_t x)
{
    return fp_is_nan(P, x) && !((x >> (P->mbits - 1)) & 1);
}

/* a < b for non-NaN values, with -0 < +0 when total is set. */
static bool fp_less(const FPParams *P, uint64_t a, uint64_t b, bool total)
{
    uint64_t sb = sign_bit(P);
    bool sa = a & sb, sbb = b & sb;
    uint64_t ma = a & (sb - 1), mb = b & (sb - 1);
    if (sa != sbb) {
        if (!total && ma == 0 && mb == 0)
            return false;
        return sa;
    }
    return sa ? ma > mb : ma < mb;
}

static uint64_t fp_minmax(FPFmt fmt, uint64_t a, uint64_t b, bool is_max, uint32_t *fl)
{
    const FPParams *P = &fp_params[fmt];
    bool na = fp_is_nan(P, a), nb = fp_is_nan(P, b);
    if (fp_is_snan(P, a) || fp_is_snan(P, b))
        *fl |= FFLAG_NV;
    if (na && nb)
        return P->qnan;
    if (na)
        return b;
    if (nb)
        return a;
    return fp_less(P, a, b, true) != is_max ? a : b;
}

uint64_t fpu_min(FPFmt fmt, uint64_t a, uint64_t b, uint32_t *fl)
{
    return fp_minmax(fmt, a, b, false, fl);
}

uint64_t fpu_max(FPFmt fmt, uint64_t a, uint64_t b, uint32_t *fl)
{
    return fp_minmax(fmt, a, b, true, fl);
}

uint64_t fpu_eq(FPFmt fmt, uint64_t a, uint64_t b, uint32_t *fl)
{
    const FPParams *P = &fp_params[fmt];
    if (fp_is_nan(P, a) || fp_is_nan(P, b)) {
        if (fp_is_snan(P, a) || fp_is_snan(P, b))
            *fl |= FFLAG_NV;
        return 0;
    }
    return a == b || ((a | b) & (sign_bit(P) - 1)) == 0;
}

uint64_t fpu_lt(FPFmt fmt, uint64_t a, uint64_t b, uint32_t *fl)
{
    const FPParams *P = &fp_params[fmt];
    if (fp_is_nan(P, a) || fp_is_nan(P, b)) {
        *fl |= FFLAG_NV;
        return 0;
    }
    return fp_less(P, a, b, false);
}

uint64_t fpu_le(FPFmt fmt, uint64_t a, uint64_t b, uint32_t *fl)
{
    const FPParams *P = &fp_params[fmt];
    if (fp_is_nan(P, a) || fp_is_nan(P, b)) {
        *fl |= FFLAG_NV;
        return 0;
    }
    return !fp_less(P, b, a, false);
}

uint64_t fpu_class(FPFmt fmt, uint64_t a)
{
    const FPParams *P = &fp_params[fmt];
    bool neg = (a & sign_bit(P)) != 0;
    uint64_t e = (a >> P->mbits) & emask(P), m = a & ((1ull << P->mbits) - 1);
    if (e == emask(P)) {
        if (m == 0)
            return neg ? 1u << 0 : 1u << 7;
        return (m >> (P->mbits - 1)) & 1 ? 1u << 9 : 1u << 8;
    }
    if (e == 0)
        return m == 0 ? (neg ? 1u << 3 : 1u << 4) : (neg ? 1u << 2 : 1u << 5);
    return neg ? 1u << 1 : 1u << 6;
}

/* ---- conversions ---- */

uint64_t fpu_to_int(FPFmt fmt, uint64_t a, FPIntKind kind, int rm, uint32_t *fl)
{
    const FPParams *P = &fp_params[fmt];
    FPUnp u = fp_unpack(P, a);
    bool is_signed = kind == FPI_W || kind == FPI_L;
    bool is64 = kind == FPI_L || kind == FPI_LU;
    /* saturation bounds as 64-bit patterns (32-bit ones sign-extended) */
    uint64_t maxv = is64 ? (is_signed ? INT64_MAX : UINT64_MAX)
                         : (is_signed ? (uint64_t)INT32_MAX : UINT64_MAX /* sext 0xffffffff */);
    uint64_t minv = is_signed ? (is64 ? (uint64_t)INT64_MIN : (uint64_t)(int64_t)INT32_MIN) : 0;
    /* largest magnitudes allowed for positive / negative results */
    uint64_t pos_lim = is64 ? (is_signed ? (uint64_t)INT64_MAX : UINT64_MAX)
                            : (is_signed ? (uint64_t)INT32_MAX : UINT32_MAX);
    uint64_t neg_lim = is_signed ? (is64 ? 1ull << 63 : 1ull << 31) : 0;
    uint64_t mag;
    bool inexact = false;
    switch (u.kind) {
    case FPK_NAN: *fl |= FFLAG_NV; return maxv;
    case FPK_INF: *fl |= FFLAG_NV; return u.sign ? minv : maxv;
    case FPK_ZERO: return 0;
    default: break;
    }
    if (u.exp > 63)
        goto invalid;
    if (u.exp >= 62) {
        mag = u.sig << (u.exp - 62);
    } else {
        uint64_t rem, half;
        if (u.exp >= -1) {
            unsigned sh = (unsigned)(62 - u.exp); /* 1..63 */
            mag = u.sig >> sh;
            rem = u.sig & ((1ull << sh) - 1);
            half = 1ull << (sh - 1);
        } else { /* |value| < 0.5 */
            mag = 0;
            rem = 1;
            half = 2;
        }
        inexact = rem != 0;
        if (fp_round_up(rm, u.sign, mag & 1, rem, half))
            mag++;
    }
    if (u.sign ? mag > neg_lim : mag > pos_lim)
        goto invalid;
    if (inexact)
        *fl |= FFLAG_NX;
    {
        uint64_t v = u.sign ? 0 - mag : mag;
        return is64 ? v : (uint64_t)(int64_t)(int32_t)(uint32_t)v;
    }
invalid:
    *fl |= FFLAG_NV;
    return u.sign ? minv : maxv;
}

uint64_t fpu_from_int(FPFmt fmt, uint64_t v, FPIntKind kind, int rm, uint32_t *fl)
{
    const FPParams *P = &fp_params[fmt];
    bool is_signed = kind == FPI_W || kind == FPI_L;
    if (kind == FPI_W)
        v = (uint64_t)(int64_t)(int32_t)(uint32_t)v;
    else if (kind == FPI_WU)
        v = (uint32_t)v;
    int sign = is_signed && (int64_t)v < 0;
    uint64_t mag = sign ? 0 - v : v;
    if (mag == 0)
        return 0;
    int lz = clz64(mag);
    uint64_t sig = lz ? mag << (lz - 1) : shr_jam(mag, 1);
    return fp_round_pack(P, sign, 63 - lz, sig, rm, fl);
}

uint64_t fpu_s_to_d(uint64_t a, uint32_t *fl)
{
    const FPParams *S = &fp_params[FP_S], *D = &fp_params[FP_D];
    FPUnp u = fp_unpack(S, a);
    switch (u.kind) {
    case FPK_NAN: return fp_nan(D, fl, u.snan);
    case FPK_INF: return fp_inf(D, u.sign);
    case FPK_ZERO: return fp_zero(D, u.sign);
    default: return fp_round_pack(D, u.sign, u.exp, u.sig, FPU_RNE, fl); /* exact */
    }
}

uint64_t fpu_d_to_s(uint64_t a, int rm, uint32_t *fl)
{
    const FPParams *S = &fp_params[FP_S], *D = &fp_params[FP_D];
    FPUnp u = fp_unpack(D, a);
    switch (u.kind) {
    case FPK_NAN: return fp_nan(S, fl, u.snan);
    case FPK_INF: return fp_inf(S, u.sign);
    case FPK_ZERO: return fp_zero(S, u.sign);
    default: return fp_round_pack(S, u.sign, u.exp, u.sig, rm, fl);
    }
}
