/* translate-internal.h - what the trans_<insn>() functions share.
 *
 * For every insn-table.h entry `name` there is one
 *     bool trans_<name>(DisasContext *ctx, const RVInsn *in);
 * (trans-rv*.c, trans-zicsr.c; F/D ones in trans-rvf.c / trans-rvd.c).
 * It appends the IR for the insn to ctx->f and returns true, or returns
 * false if the encoding/state is illegal: the caller then discards what it
 * emitted and emits an illegal-instruction exception instead.
 * A trans that leaves the TB itself (branch, jump, exception, state change)
 * sets ctx->end_tb after emitting its exits; otherwise execution falls
 * through to the next insn.
 *
 * Position independence: never put the TB's absolute PC into the IR; use
 * rv_gen_pc_rel() (env->tb_pc + offset).
 *
 * Helper contracts (helper-sys.c implements them):
 * - A faulting helper (IR_H_EXIT) gets the IRSite of its insn; the faulting
 *   PC is env->tb_pc + IR_SITE_PCOFF(site).  The backend leaves the TB right
 *   after a faulting call, so trans code writes rd only from the helper's
 *   result, after the call.
 * - cpu->icount is updated by the dispatcher at TB boundaries only.  A helper
 *   that needs the retired-instruction count (CSR reads of cycle, instret,
 *   time in deterministic mode) uses cpu->icount + IR_SITE_IDX(site): the
 *   insns of the current TB before this one have retired.
 * - helper_csr(op, value, site): op = CSROP_CSR(csr) | kind | CSROP_WRITE
 *   (csrrw*, or csrrs/c with rs1 != x0 / zimm != 0) | CSROP_READ (rd != x0
 *   or not csrrw*).  A writing CSR insn ends its TB with pc = next insn and
 *   IR_EXIT_SYNC (mode, MMU, FS and interrupt enables may have changed).
 * - mret/sret helpers set env->pc themselves; wfi's caller stores pc = next
 *   insn before the call.  sfence_vma(vaddr, asid, site) gets the register
 *   values (x0 reads as 0): flushing everything is always correct.
 */
#ifndef KILN_RISCV_TRANSLATE_INTERNAL_H
#define KILN_RISCV_TRANSLATE_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include "ir/ir.h"
#include "riscv/cpu.h"
#include "riscv/decode.h"
#include "riscv/helpers.h"
#include "riscv/translate.h"

typedef struct DisasContext {
    IRFunc *f;
    uint32_t flags;    /* TB flags (TBF_*) */
    uint32_t pc_off;   /* byte offset of the current insn from the TB start */
    uint32_t insn_idx; /* index of the current insn in the TB */
    uint32_t len;      /* length of the current insn (2 or 4) */
    bool end_tb;       /* the current insn emitted the TB's exit(s) */
    bool fs_dirtied;   /* the "mark FS dirty" sequence is already in this TB */
} DisasContext;

/* trans_<name>() prototypes, one per table entry. */
#define INSN(name, match, mask, fmt, ext) bool trans_##name(DisasContext *ctx, const RVInsn *in);
#include "riscv/insn-table.h"
#undef INSN

/* ---- small emit helpers ---- */

static inline IRSite rv_site(const DisasContext *ctx)
{
    return IR_SITE(ctx->pc_off, ctx->insn_idx);
}

static inline IRTemp rv_tmp(DisasContext *ctx)
{
    return ir_new_temp(ctx->f, IR_I64);
}

static inline IRTemp rv_const(DisasContext *ctx, int64_t v)
{
    return ir_const(ctx->f, IR_I64, v);
}

/* Value of x[r] as a temp to read (x0 reads as a constant 0).  The result
 * may be the global itself: read it before writing any register. */
static inline IRTemp rv_get_x(DisasContext *ctx, unsigned r)
{
    return r == 0 ? rv_const(ctx, 0) : RV_GLOBAL_X(r);
}

/* x[r] = v (dropped for x0). */
static inline void rv_set_x(DisasContext *ctx, unsigned r, IRTemp v)
{
    if (r != 0) {
        ir_gen_op1(ctx->f, IR_mov, IR_I64, RV_GLOBAL_X(r), v);
    }
}

/* Raw 64-bit FP registers (singles are NaN-boxed by the F code). */
static inline IRTemp rv_get_f(DisasContext *ctx, unsigned r)
{
    (void)ctx;
    return RV_GLOBAL_F(r);
}

static inline void rv_set_f(DisasContext *ctx, unsigned r, IRTemp v)
{
    ir_gen_op1(ctx->f, IR_mov, IR_I64, RV_GLOBAL_F(r), v);
}

/* A new temp = env->tb_pc + off (the guest PC of TB offset off). */
static inline IRTemp rv_gen_pc_rel(DisasContext *ctx, int64_t off)
{
    IRTemp base = rv_tmp(ctx);
    ir_gen_ld(ctx->f, IR_I64, base, CPU_OFF(tb_pc));
    if (off == 0) {
        return base;
    }
    IRTemp d = rv_tmp(ctx);
    ir_gen_op2(ctx->f, IR_add, IR_I64, d, base, rv_const(ctx, off));
    return d;
}

/* PC of the current insn plus delta. */
static inline IRTemp rv_gen_pc(DisasContext *ctx, int64_t delta)
{
    return rv_gen_pc_rel(ctx, (int64_t)ctx->pc_off + delta);
}

/* env->pc = v. */
static inline void rv_gen_set_pc(DisasContext *ctx, IRTemp v)
{
    ir_gen_st(ctx->f, IR_I64, v, CPU_OFF(pc));
}

/* Call helper h with up to 4 args; returns the result temp (or IR_NONE). */
IRTemp rv_gen_helper(DisasContext *ctx, unsigned h, unsigned nargs, IRTemp a0, IRTemp a1, IRTemp a2,
                     IRTemp a3);

/* Raise exception `cause` with tval (a temp) at the current insn, and end
 * the TB.  tval may be IR_NONE for 0. */
void rv_gen_exception(DisasContext *ctx, unsigned cause, IRTemp tval);

/* Raise an illegal-instruction exception for the current insn (tval = the
 * raw insn bits) and end the TB. */
void rv_gen_illegal(DisasContext *ctx, const RVInsn *in);

/* End the TB after the current insn: pc = next insn, exit with `status`
 * (IR_EXIT_SYNC after state changes; IR_EXIT_SLOT0 for plain fall-through). */
void rv_gen_end_after(DisasContext *ctx, IRExit status);

/* FP state: true if FP insns may run (mstatus.FS != Off); a trans returns
 * false (illegal insn) otherwise. */
static inline bool rv_fp_enabled(const DisasContext *ctx)
{
    return (ctx->flags & TBF_FS_ON) != 0;
}

/* Set mstatus.FS = Dirty (and SD) before the first FP-register/fflags
 * write of the TB; nothing if the TB already runs with FS dirty. */
void rv_gen_mark_fs_dirty(DisasContext *ctx);

/* Data MMU index for guest loads/stores of this TB. */
static inline IRMemOp rv_memop(const DisasContext *ctx, unsigned size_log2, bool sign)
{
    return IR_MO_MAKE(size_log2, sign, TBF_MMU(ctx->flags));
}

/* A new temp = x[rs1] + imm (an effective address). */
IRTemp rv_gen_addr(DisasContext *ctx, unsigned rs1, int64_t imm);

/* rv_translate() with another code source (tests): fetch returns 0 and
 * the halfword at vaddr with its physical address, or a fault cause. */
typedef int RVFetchFn(void *opaque, uint64_t vaddr, uint16_t *insn, uint64_t *paddr);
int rv_translate_fetch(RVFetchFn *fetch, void *opaque, uint64_t pc, uint32_t flags, IRFunc *f,
                       RVTBInfo *info, uint64_t *tval);

#endif
