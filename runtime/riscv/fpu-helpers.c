/* fpu-helpers.c - the F/D helpers of helpers-fp.def: resolve the rounding
 * mode (raising illegal-instruction for invalid ones), un-box/box singles,
 * call the software FPU (fpu.h) and accrue its flags into env->fflags.
 */
#include "riscv/cpu.h"
#include "riscv/fpu.h"
#include "riscv/helpers.h"

/* The effective rounding mode of rmsite, or -1 after raising an
 * illegal-instruction exception (the helper then returns 0). */
static int fp_rm(RVCPU *cpu, uint64_t rmsite)
{
    unsigned rm = rmsite & 7;
    if (rm == FPU_DYN)
        rm = cpu->frm;
    if (rm > FPU_RMM) {
        cpu_raise_at(cpu, EXC_ILLEGAL_INSN, 0, (uint32_t)(rmsite >> 8));
        return -1;
    }
    return (int)rm;
}

/* Register value -> fpu.h operand of the format. */
static inline uint64_t fp_in(FPFmt fmt, uint64_t r)
{
    return fmt == FP_S ? fpu_unbox_s(r) : r;
}

static inline uint64_t fp_out(FPFmt fmt, uint64_t v)
{
    return fmt == FP_S ? fpu_box_s((uint32_t)v) : v;
}

enum { FOP_ADD, FOP_SUB, FOP_MUL, FOP_DIV, FOP_SQRT };

static uint64_t fp_binop(RVCPU *cpu, FPFmt fmt, int op, uint64_t a, uint64_t b, uint64_t rmsite)
{
    int rm = fp_rm(cpu, rmsite);
    if (rm < 0)
        return 0;
    uint32_t fl = 0;
    uint64_t r;
    a = fp_in(fmt, a);
    b = fp_in(fmt, b);
    switch (op) {
    case FOP_ADD: r = fpu_add(fmt, a, b, rm, &fl); break;
    case FOP_SUB: r = fpu_sub(fmt, a, b, rm, &fl); break;
    case FOP_MUL: r = fpu_mul(fmt, a, b, rm, &fl); break;
    case FOP_SQRT: r = fpu_sqrt(fmt, a, rm, &fl); break;
    default: r = fpu_div(fmt, a, b, rm, &fl); break;
    }
    cpu->fflags |= fl;
    return fp_out(fmt, r);
}

static uint64_t fp_fma(RVCPU *cpu, FPFmt fmt, bool neg_prod, bool neg_c, uint64_t a, uint64_t b,
                       uint64_t c, uint64_t rmsite)
{
    int rm = fp_rm(cpu, rmsite);
    if (rm < 0)
        return 0;
    uint32_t fl = 0;
    uint64_t r =
        fpu_fma(fmt, fp_in(fmt, a), fp_in(fmt, b), fp_in(fmt, c), neg_prod, neg_c, rm, &fl);
    cpu->fflags |= fl;
    return fp_out(fmt, r);
}

enum { FOP_MIN, FOP_MAX, FOP_EQ, FOP_LT, FOP_LE };

static uint64_t fp_cmp(RVCPU *cpu, FPFmt fmt, int op, uint64_t a, uint64_t b)
{
    uint32_t fl = 0;
    uint64_t r;
    a = fp_in(fmt, a);
    b = fp_in(fmt, b);
    switch (op) {
    case FOP_MIN: r = fp_out(fmt, fpu_min(fmt, a, b, &fl)); break;
    case FOP_MAX: r = fp_out(fmt, fpu_max(fmt, a, b, &fl)); break;
    case FOP_EQ: r = fpu_eq(fmt, a, b, &fl); break;
    case FOP_LT: r = fpu_lt(fmt, a, b, &fl); break;
    default: r = fpu_le(fmt, a, b, &fl); break;
    }
    cpu->fflags |= fl;
    return r;
}

static uint64_t fp_to_int(RVCPU *cpu, FPFmt fmt, FPIntKind kind, uint64_t a, uint64_t rmsite)
{
    int rm = fp_rm(cpu, rmsite);
    if (rm < 0)
        return 0;
    uint32_t fl = 0;
    uint64_t r = fpu_to_int(fmt, fp_in(fmt, a), kind, rm, &fl);
    cpu->fflags |= fl;
    return r;
}

static uint64_t fp_from_int(RVCPU *cpu, FPFmt fmt, FPIntKind kind, uint64_t v, uint64_t rmsite)
{
    int rm = fp_rm(cpu, rmsite);
    if (rm < 0)
        return 0;
    uint32_t fl = 0;
    uint64_t r = fpu_from_int(fmt, v, kind, rm, &fl);
    cpu->fflags |= fl;
    return fp_out(fmt, r);
}

/* One helper per (insn, format); the unused trailing args are ignored. */
#define FP_HELPER(name, body)                                                                      \
    uint64_t helper_##name(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)              \
    {                                                                                              \
        RVCPU *cpu = env;                                                                          \
        (void)cpu, (void)a, (void)b, (void)c, (void)d;                                             \
        return body;                                                                               \
    }

FP_HELPER(fadd_s, fp_binop(cpu, FP_S, FOP_ADD, a, b, c))
FP_HELPER(fsub_s, fp_binop(cpu, FP_S, FOP_SUB, a, b, c))
FP_HELPER(fmul_s, fp_binop(cpu, FP_S, FOP_MUL, a, b, c))
FP_HELPER(fdiv_s, fp_binop(cpu, FP_S, FOP_DIV, a, b, c))
FP_HELPER(fadd_d, fp_binop(cpu, FP_D, FOP_ADD, a, b, c))
FP_HELPER(fsub_d, fp_binop(cpu, FP_D, FOP_SUB, a, b, c))
FP_HELPER(fmul_d, fp_binop(cpu, FP_D, FOP_MUL, a, b, c))
FP_HELPER(fdiv_d, fp_binop(cpu, FP_D, FOP_DIV, a, b, c))
FP_HELPER(fsqrt_s, fp_binop(cpu, FP_S, FOP_SQRT, a, 0, b))
FP_HELPER(fsqrt_d, fp_binop(cpu, FP_D, FOP_SQRT, a, 0, b))

FP_HELPER(fmadd_s, fp_fma(cpu, FP_S, false, false, a, b, c, d))
FP_HELPER(fmsub_s, fp_fma(cpu, FP_S, false, true, a, b, c, d))
FP_HELPER(fnmsub_s, fp_fma(cpu, FP_S, true, false, a, b, c, d))
FP_HELPER(fnmadd_s, fp_fma(cpu, FP_S, true, true, a, b, c, d))
FP_HELPER(fmadd_d, fp_fma(cpu, FP_D, false, false, a, b, c, d))
FP_HELPER(fmsub_d, fp_fma(cpu, FP_D, false, true, a, b, c, d))
FP_HELPER(fnmsub_d, fp_fma(cpu, FP_D, true, false, a, b, c, d))
FP_HELPER(fnmadd_d, fp_fma(cpu, FP_D, true, true, a, b, c, d))

FP_HELPER(fmin_s, fp_cmp(cpu, FP_S, FOP_MIN, a, b))
FP_HELPER(fmax_s, fp_cmp(cpu, FP_S, FOP_MAX, a, b))
FP_HELPER(feq_s, fp_cmp(cpu, FP_S, FOP_EQ, a, b))
FP_HELPER(flt_s, fp_cmp(cpu, FP_S, FOP_LT, a, b))
FP_HELPER(fle_s, fp_cmp(cpu, FP_S, FOP_LE, a, b))
FP_HELPER(fmin_d, fp_cmp(cpu, FP_D, FOP_MIN, a, b))
FP_HELPER(fmax_d, fp_cmp(cpu, FP_D, FOP_MAX, a, b))
FP_HELPER(feq_d, fp_cmp(cpu, FP_D, FOP_EQ, a, b))
FP_HELPER(flt_d, fp_cmp(cpu, FP_D, FOP_LT, a, b))
FP_HELPER(fle_d, fp_cmp(cpu, FP_D, FOP_LE, a, b))

FP_HELPER(fclass_s, fpu_class(FP_S, fpu_unbox_s(a)))
FP_HELPER(fclass_d, fpu_class(FP_D, a))

FP_HELPER(fcvt_w_s, fp_to_int(cpu, FP_S, FPI_W, a, b))
FP_HELPER(fcvt_wu_s, fp_to_int(cpu, FP_S, FPI_WU, a, b))
FP_HELPER(fcvt_l_s, fp_to_int(cpu, FP_S, FPI_L, a, b))
FP_HELPER(fcvt_lu_s, fp_to_int(cpu, FP_S, FPI_LU, a, b))
FP_HELPER(fcvt_w_d, fp_to_int(cpu, FP_D, FPI_W, a, b))
FP_HELPER(fcvt_wu_d, fp_to_int(cpu, FP_D, FPI_WU, a, b))
FP_HELPER(fcvt_l_d, fp_to_int(cpu, FP_D, FPI_L, a, b))
FP_HELPER(fcvt_lu_d, fp_to_int(cpu, FP_D, FPI_LU, a, b))

FP_HELPER(fcvt_s_w, fp_from_int(cpu, FP_S, FPI_W, a, b))
FP_HELPER(fcvt_s_wu, fp_from_int(cpu, FP_S, FPI_WU, a, b))
FP_HELPER(fcvt_s_l, fp_from_int(cpu, FP_S, FPI_L, a, b))
FP_HELPER(fcvt_s_lu, fp_from_int(cpu, FP_S, FPI_LU, a, b))
FP_HELPER(fcvt_d_w, fp_from_int(cpu, FP_D, FPI_W, a, b))
FP_HELPER(fcvt_d_wu, fp_from_int(cpu, FP_D, FPI_WU, a, b))
FP_HELPER(fcvt_d_l, fp_from_int(cpu, FP_D, FPI_L, a, b))
FP_HELPER(fcvt_d_lu, fp_from_int(cpu, FP_D, FPI_LU, a, b))

/* fcvt.s.d rounds; fcvt.d.s is exact but still validates its rm field. */
uint64_t helper_fcvt_s_d(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    RVCPU *cpu = env;
    int rm = fp_rm(cpu, b);
    uint32_t fl = 0;
    (void)c, (void)d;
    if (rm < 0)
        return 0;
    uint64_t r = fpu_box_s((uint32_t)fpu_d_to_s(a, rm, &fl));
    cpu->fflags |= fl;
    return r;
}

uint64_t helper_fcvt_d_s(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    RVCPU *cpu = env;
    uint32_t fl = 0;
    (void)c, (void)d;
    if (fp_rm(cpu, b) < 0)
        return 0;
    uint64_t r = fpu_s_to_d(fpu_unbox_s(a), &fl);
    cpu->fflags |= fl;
    return r;
}
