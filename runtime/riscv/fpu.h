/* fpu.h - IEEE 754 binary32/binary64 arithmetic with RISC-V semantics, in
 * software: bit-exact on every host (no fenv, no host rounding modes).
 *
 * Values are raw encodings: FP_S uses the low 32 bits (already un-boxed by
 * the caller), FP_D all 64.  rm must be a resolved static mode (FPU_RNE..
 * FPU_RMM).  Exception flags are ORed into *fl (RISC-V fflags layout).  Any
 * NaN result is the canonical NaN; tininess is detected after rounding.
 */
#ifndef KILN_RISCV_FPU_H
#define KILN_RISCV_FPU_H
#include <stdbool.h>
#include <stdint.h>

typedef enum FPFmt { FP_S = 0, FP_D = 1 } FPFmt;

/* Rounding modes (the insn rm field / frm). */
enum { FPU_RNE = 0, FPU_RTZ = 1, FPU_RDN = 2, FPU_RUP = 3, FPU_RMM = 4, FPU_DYN = 7 };

/* fflags bits. */
enum { FFLAG_NX = 1, FFLAG_UF = 2, FFLAG_OF = 4, FFLAG_DZ = 8, FFLAG_NV = 16 };

/* Integer kinds of fcvt: 32/64-bit, signed/unsigned. */
typedef enum FPIntKind { FPI_W = 0, FPI_WU = 1, FPI_L = 2, FPI_LU = 3 } FPIntKind;

#define FPU_QNAN_S 0x7fc00000u
#define FPU_QNAN_D 0x7ff8000000000000ull
#define FPU_BOX_S 0xffffffff00000000ull

/* A 64-bit register value as a single: properly NaN-boxed values give their
 * low 32 bits, anything else reads as the canonical NaN. */
static inline uint32_t fpu_unbox_s(uint64_t r)
{
    return (r >> 32) == 0xffffffffu ? (uint32_t)r : FPU_QNAN_S;
}

static inline uint64_t fpu_box_s(uint32_t v)
{
    return FPU_BOX_S | v;
}

uint64_t fpu_add(FPFmt fmt, uint64_t a, uint64_t b, int rm, uint32_t *fl);
uint64_t fpu_sub(FPFmt fmt, uint64_t a, uint64_t b, int rm, uint32_t *fl);
uint64_t fpu_mul(FPFmt fmt, uint64_t a, uint64_t b, int rm, uint32_t *fl);
uint64_t fpu_div(FPFmt fmt, uint64_t a, uint64_t b, int rm, uint32_t *fl);
uint64_t fpu_sqrt(FPFmt fmt, uint64_t a, int rm, uint32_t *fl);
/* (neg_prod ? -(a*b) : a*b) + (neg_c ? -c : c), rounded once:
 * fmadd (0,0), fmsub (0,1), fnmsub (1,0), fnmadd (1,1). */
uint64_t fpu_fma(FPFmt fmt, uint64_t a, uint64_t b, uint64_t c, bool neg_prod, bool neg_c, int rm,
                 uint32_t *fl);

/* fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber, -0 < +0). */
uint64_t fpu_min(FPFmt fmt, uint64_t a, uint64_t b, uint32_t *fl);
uint64_t fpu_max(FPFmt fmt, uint64_t a, uint64_t b, uint32_t *fl);
/* Comparisons return 0/1; feq signals only on sNaN, flt/fle on any NaN. */
uint64_t fpu_eq(FPFmt fmt, uint64_t a, uint64_t b, uint32_t *fl);
uint64_t fpu_lt(FPFmt fmt, uint64_t a, uint64_t b, uint32_t *fl);
uint64_t fpu_le(FPFmt fmt, uint64_t a, uint64_t b, uint32_t *fl);
/* fclass: one-hot 10-bit mask (bit 0 -inf ... bit 9 quiet NaN). */
uint64_t fpu_class(FPFmt fmt, uint64_t a);

/* fcvt.{w,wu,l,lu}.fmt: saturating; 32-bit results sign-extended to 64. */
uint64_t fpu_to_int(FPFmt fmt, uint64_t a, FPIntKind kind, int rm, uint32_t *fl);
/* fcvt.fmt.{w,wu,l,lu}: v holds the integer register (only the low 32
 * bits are used for W/WU). */
uint64_t fpu_from_int(FPFmt fmt, uint64_t v, FPIntKind kind, int rm, uint32_t *fl);
/* fcvt.d.s / fcvt.s.d. */
uint64_t fpu_s_to_d(uint64_t a, uint32_t *fl);
uint64_t fpu_d_to_s(uint64_t a, int rm, uint32_t *fl);

#endif
