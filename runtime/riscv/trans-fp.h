/* trans-fp.h - IR emitters shared by the F and D frontends, parameterised by
 * format; defined in trans-rvf.c.  Each returns false (illegal insn) when FP
 * is off (mstatus.FS = Off) or the static rm field is reserved (5, 6).
 * Arithmetic goes through the helpers of helpers-fp.def; moves, sign
 * injection and NaN boxing are plain IR.
 */
#ifndef KILN_RISCV_TRANS_FP_H
#define KILN_RISCV_TRANS_FP_H
#include "riscv/fpu.h"
#include "riscv/translate-internal.h"

/* flw/fld: f[rd] = load (singles NaN-boxed). */
bool rv_fp_gen_load(DisasContext *ctx, const RVInsn *in, FPFmt fmt);
/* fsw/fsd: store the low 32 / all 64 bits of f[rs2]. */
bool rv_fp_gen_store(DisasContext *ctx, const RVInsn *in, FPFmt fmt);
/* f[rd] = helper(f[rs1], ..., f[rs<nsrc>], rmsite): arithmetic with rm. */
bool rv_fp_gen_rm_op(DisasContext *ctx, const RVInsn *in, unsigned helper, unsigned nsrc);
/* f[rd] (or x[rd] if to_x) = helper(f[rs1], f[rs2]): fmin/fmax, feq/flt/fle. */
bool rv_fp_gen_cmp(DisasContext *ctx, const RVInsn *in, unsigned helper, bool to_x);
/* x[rd] = helper(f[rs1], rmsite): fcvt to an integer. */
bool rv_fp_gen_to_int(DisasContext *ctx, const RVInsn *in, unsigned helper);
/* f[rd] = helper(x[rs1], rmsite): fcvt from an integer. */
bool rv_fp_gen_from_int(DisasContext *ctx, const RVInsn *in, unsigned helper);
/* x[rd] = fclass(f[rs1]). */
bool rv_fp_gen_class(DisasContext *ctx, const RVInsn *in, unsigned helper);

/* Sign injection: the sign of the result is rs2's (J), its inverse (JN),
 * or the xor of both signs (JX). */
typedef enum RVSgnj { SGNJ_J, SGNJ_JN, SGNJ_JX } RVSgnj;
bool rv_fp_gen_sgnj(DisasContext *ctx, const RVInsn *in, FPFmt fmt, RVSgnj kind);

#endif
