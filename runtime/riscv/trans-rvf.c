/* trans-rvf.c - the F extension (single precision) -> IR, and the
 * format-generic FP emitters of trans-fp.h that trans-rvd.c shares.
 * Contract: translate-internal.h; NaN boxing as in fpu.h.
 */
#include "riscv/trans-fp.h"

/* ---- shared emitters ---- */

/* rm | site << 8, the rounding-mode argument of the helpers. */
static IRTemp fp_rmsite(DisasContext *ctx, const RVInsn *in)
{
    return rv_const(ctx, (int64_t)(in->rm | ((uint64_t)rv_site(ctx) << 8)));
}

static bool fp_rm_ok(const RVInsn *in)
{
    return in->rm != 5 && in->rm != 6;
}

bool rv_fp_gen_load(DisasContext *ctx, const RVInsn *in, FPFmt fmt)
{
    if (!rv_fp_enabled(ctx))
        return false;
    IRTemp addr = rv_gen_addr(ctx, in->rs1, in->imm);
    IRTemp v = rv_tmp(ctx);
    ir_gen_qld(ctx->f, v, addr, rv_memop(ctx, fmt == FP_S ? 2 : 3, false), rv_site(ctx));
    rv_gen_mark_fs_dirty(ctx);
    if (fmt == FP_S) {
        IRTemp boxed = rv_tmp(ctx);
        ir_gen_op2(ctx->f, IR_or, IR_I64, boxed, v, rv_const(ctx, (int64_t)FPU_BOX_S));
        v = boxed;
    }
    rv_set_f(ctx, in->rd, v);
    return true;
}

bool rv_fp_gen_store(DisasContext *ctx, const RVInsn *in, FPFmt fmt)
{
    if (!rv_fp_enabled(ctx))
        return false;
    IRTemp addr = rv_gen_addr(ctx, in->rs1, in->imm);
    ir_gen_qst(ctx->f, rv_get_f(ctx, in->rs2), addr, rv_memop(ctx, fmt == FP_S ? 2 : 3, false),
               rv_site(ctx));
    return true;
}

bool rv_fp_gen_rm_op(DisasContext *ctx, const RVInsn *in, unsigned helper, unsigned nsrc)
{
    if (!rv_fp_enabled(ctx) || !fp_rm_ok(in))
        return false;
    IRTemp src[3] = {rv_get_f(ctx, in->rs1), rv_get_f(ctx, in->rs2), rv_get_f(ctx, in->rs3)};
    IRTemp args[4] = {IR_NONE, IR_NONE, IR_NONE, IR_NONE};
    for (unsigned i = 0; i < nsrc; i++)
        args[i] = src[i];
    args[nsrc] = fp_rmsite(ctx, in);
    rv_gen_mark_fs_dirty(ctx);
    IRTemp r = rv_gen_helper(ctx, helper, nsrc + 1, args[0], args[1], args[2], args[3]);
    rv_set_f(ctx, in->rd, r);
    return true;
}

bool rv_fp_gen_cmp(DisasContext *ctx, const RVInsn *in, unsigned helper, bool to_x)
{
    if (!rv_fp_enabled(ctx))
        return false;
    rv_gen_mark_fs_dirty(ctx); /* fflags may change */
    IRTemp r = rv_gen_helper(ctx, helper, 2, rv_get_f(ctx, in->rs1), rv_get_f(ctx, in->rs2),
                             IR_NONE, IR_NONE);
    if (to_x)
        rv_set_x(ctx, in->rd, r);
    else
        rv_set_f(ctx, in->rd, r);
    return true;
}

bool rv_fp_gen_to_int(DisasContext *ctx, const RVInsn *in, unsigned helper)
{
    if (!rv_fp_enabled(ctx) || !fp_rm_ok(in))
        return false;
    IRTemp rms = fp_rmsite(ctx, in);
    rv_gen_mark_fs_dirty(ctx);
    IRTemp r = rv_gen_helper(ctx, helper, 2, rv_get_f(ctx, in->rs1), rms, IR_NONE, IR_NONE);
    rv_set_x(ctx, in->rd, r);
    return true;
}

bool rv_fp_gen_from_int(DisasContext *ctx, const RVInsn *in, unsigned helper)
{
    if (!rv_fp_enabled(ctx) || !fp_rm_ok(in))
        return false;
    IRTemp v = rv_get_x(ctx, in->rs1), rms = fp_rmsite(ctx, in);
    rv_gen_mark_fs_dirty(ctx);
    IRTemp r = rv_gen_helper(ctx, helper, 2, v, rms, IR_NONE, IR_NONE);
    rv_set_f(ctx, in->rd, r);
    return true;
}

bool rv_fp_gen_class(DisasContext *ctx, const RVInsn *in, unsigned helper)
{
    if (!rv_fp_enabled(ctx))
        return false;
    IRTemp r = rv_gen_helper(ctx, helper, 1, rv_get_f(ctx, in->rs1), IR_NONE, IR_NONE, IR_NONE);
    rv_set_x(ctx, in->rd, r);
    return true;
}

/* A boxed single: r itself if properly NaN-boxed, else the boxed canonical NaN. */
static IRTemp fp_gen_unbox(DisasContext *ctx, IRTemp r)
{
    IRTemp hi = rv_tmp(ctx), d = rv_tmp(ctx);
    ir_gen_op2(ctx->f, IR_shr, IR_I64, hi, r, rv_const(ctx, 32));
    ir_gen_movcond(ctx->f, IR_I64, IR_EQ, d, hi, rv_const(ctx, 0xffffffff), r,
                   rv_const(ctx, (int64_t)(FPU_BOX_S | FPU_QNAN_S)));
    return d;
}

bool rv_fp_gen_sgnj(DisasContext *ctx, const RVInsn *in, FPFmt fmt, RVSgnj kind)
{
    if (!rv_fp_enabled(ctx))
        return false;
    IRFunc *f = ctx->f;
    IRTemp a = rv_get_f(ctx, in->rs1), b = rv_get_f(ctx, in->rs2);
    int64_t sign = fmt == FP_S ? 0x80000000ll : (int64_t)(1ull << 63);
    if (fmt == FP_S) { /* the results keep the all-ones box of the un-boxed a */
        a = fp_gen_unbox(ctx, a);
        b = in->rs2 == in->rs1 ? a : fp_gen_unbox(ctx, b);
    }
    IRTemp bs = rv_tmp(ctx), d = rv_tmp(ctx);
    if (kind == SGNJ_JN) {
        IRTemp nb = rv_tmp(ctx);
        ir_gen_op1(f, IR_not, IR_I64, nb, b);
        b = nb;
    }
    ir_gen_op2(f, IR_and, IR_I64, bs, b, rv_const(ctx, sign));
    if (kind == SGNJ_JX) {
        ir_gen_op2(f, IR_xor, IR_I64, d, a, bs);
    } else {
        IRTemp am = rv_tmp(ctx);
        ir_gen_op2(f, IR_and, IR_I64, am, a, rv_const(ctx, ~sign));
        ir_gen_op2(f, IR_or, IR_I64, d, am, bs);
    }
    rv_gen_mark_fs_dirty(ctx);
    rv_set_f(ctx, in->rd, d);
    return true;
}

/* ---- F ---- */

bool trans_flw(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_load(ctx, in, FP_S);
}

bool trans_fsw(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_store(ctx, in, FP_S);
}

bool trans_fmadd_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fmadd_s, 3);
}

bool trans_fmsub_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fmsub_s, 3);
}

bool trans_fnmsub_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fnmsub_s, 3);
}

bool trans_fnmadd_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fnmadd_s, 3);
}

bool trans_fadd_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fadd_s, 2);
}

bool trans_fsub_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fsub_s, 2);
}

bool trans_fmul_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fmul_s, 2);
}

bool trans_fdiv_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fdiv_s, 2);
}

bool trans_fsqrt_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fsqrt_s, 1);
}

bool trans_fsgnj_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_sgnj(ctx, in, FP_S, SGNJ_J);
}

bool trans_fsgnjn_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_sgnj(ctx, in, FP_S, SGNJ_JN);
}

bool trans_fsgnjx_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_sgnj(ctx, in, FP_S, SGNJ_JX);
}

bool trans_fmin_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_cmp(ctx, in, HELPER_fmin_s, false);
}

bool trans_fmax_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_cmp(ctx, in, HELPER_fmax_s, false);
}

bool trans_feq_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_cmp(ctx, in, HELPER_feq_s, true);
}

bool trans_flt_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_cmp(ctx, in, HELPER_flt_s, true);
}

bool trans_fle_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_cmp(ctx, in, HELPER_fle_s, true);
}

bool trans_fcvt_w_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_to_int(ctx, in, HELPER_fcvt_w_s);
}

bool trans_fcvt_wu_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_to_int(ctx, in, HELPER_fcvt_wu_s);
}

bool trans_fcvt_l_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_to_int(ctx, in, HELPER_fcvt_l_s);
}

bool trans_fcvt_lu_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_to_int(ctx, in, HELPER_fcvt_lu_s);
}

bool trans_fcvt_s_w(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_from_int(ctx, in, HELPER_fcvt_s_w);
}

bool trans_fcvt_s_wu(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_from_int(ctx, in, HELPER_fcvt_s_wu);
}

bool trans_fcvt_s_l(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_from_int(ctx, in, HELPER_fcvt_s_l);
}

bool trans_fcvt_s_lu(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_from_int(ctx, in, HELPER_fcvt_s_lu);
}

/* fmv.x.w: x[rd] = sign-extended low 32 bits of f[rs1] (no un-boxing). */
bool trans_fmv_x_w(DisasContext *ctx, const RVInsn *in)
{
    if (!rv_fp_enabled(ctx))
        return false;
    IRTemp d = rv_tmp(ctx);
    ir_gen_op1(ctx->f, IR_ext32s, IR_I64, d, rv_get_f(ctx, in->rs1));
    rv_set_x(ctx, in->rd, d);
    return true;
}

bool trans_fclass_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_class(ctx, in, HELPER_fclass_s);
}

/* fmv.w.x: f[rd] = NaN-boxed low 32 bits of x[rs1]. */
bool trans_fmv_w_x(DisasContext *ctx, const RVInsn *in)
{
    if (!rv_fp_enabled(ctx))
        return false;
    IRTemp d = rv_tmp(ctx);
    ir_gen_op2(ctx->f, IR_or, IR_I64, d, rv_get_x(ctx, in->rs1), rv_const(ctx, (int64_t)FPU_BOX_S));
    rv_gen_mark_fs_dirty(ctx);
    rv_set_f(ctx, in->rd, d);
    return true;
}
