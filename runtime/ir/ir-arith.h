/* ir-arith.h - value semantics of the IR's arithmetic, shared by ir_eval()
 * (constant folding) and TCI so both compute bit-identical results.
 * i32 values are held zero-extended in uint64_t; helpers here take/return
 * them that way.  Multiply-high uses __int128 where the compiler has it and
 * a portable 32x32 schoolbook routine otherwise (both are tested). */
#ifndef KILN_IR_ARITH_H
#define KILN_IR_ARITH_H
#include <stdint.h>

/* High 64 bits of the unsigned 128-bit product, portable version. */
static inline uint64_t ir_muluh64_portable(uint64_t a, uint64_t b)
{
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl; /* < 3 * 2^32 */
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

static inline uint64_t ir_muluh64(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
#else
    return ir_muluh64_portable(a, b);
#endif
}

/* Signed x signed: correct the unsigned product for negative operands. */
static inline uint64_t ir_mulsh64(uint64_t a, uint64_t b)
{
    uint64_t h = ir_muluh64(a, b);
    h -= ((int64_t)a < 0) ? b : 0;
    h -= ((int64_t)b < 0) ? a : 0;
    return h;
}

/* Signed a x unsigned b. */
static inline uint64_t ir_mulsuh64(uint64_t a, uint64_t b)
{
    uint64_t h = ir_muluh64(a, b);
    h -= ((int64_t)a < 0) ? b : 0;
    return h;
}

static inline uint32_t ir_mulsh32(uint32_t a, uint32_t b)
{
    return (uint32_t)((uint64_t)((int64_t)(int32_t)a * (int64_t)(int32_t)b) >> 32);
}

static inline uint32_t ir_muluh32(uint32_t a, uint32_t b)
{
    return (uint32_t)(((uint64_t)a * b) >> 32);
}

static inline uint32_t ir_mulsuh32(uint32_t a, uint32_t b)
{
    /* |a| <= 2^31, b < 2^32: the product fits in int64_t. */
    return (uint32_t)((uint64_t)((int64_t)(int32_t)a * (int64_t)b) >> 32);
}

/* Arithmetic shift right without relying on implementation-defined >> of
 * negative values. n must be in [0, 63] / [0, 31]. */
static inline uint64_t ir_sar64(uint64_t a, unsigned n)
{
    uint64_t s = (a >> 63) ? ~(~a >> n) : a >> n;
    return s;
}

static inline uint32_t ir_sar32(uint32_t a, unsigned n)
{
    return (a >> 31) ? ~(~a >> n) : a >> n;
}

#endif
