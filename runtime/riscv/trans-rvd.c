/* trans-rvd.c - the D extension (double precision) -> IR, through the
 * format-generic emitters of trans-fp.h (defined in trans-rvf.c).
 * Contract: translate-internal.h.
 */
#include "riscv/trans-fp.h"

bool trans_fld(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_load(ctx, in, FP_D);
}

bool trans_fsd(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_store(ctx, in, FP_D);
}

bool trans_fmadd_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fmadd_d, 3);
}

bool trans_fmsub_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fmsub_d, 3);
}

bool trans_fnmsub_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fnmsub_d, 3);
}

bool trans_fnmadd_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fnmadd_d, 3);
}

bool trans_fadd_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fadd_d, 2);
}

bool trans_fsub_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fsub_d, 2);
}

bool trans_fmul_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fmul_d, 2);
}

bool trans_fdiv_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fdiv_d, 2);
}

bool trans_fsqrt_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fsqrt_d, 1);
}

bool trans_fsgnj_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_sgnj(ctx, in, FP_D, SGNJ_J);
}

bool trans_fsgnjn_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_sgnj(ctx, in, FP_D, SGNJ_JN);
}

bool trans_fsgnjx_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_sgnj(ctx, in, FP_D, SGNJ_JX);
}

bool trans_fmin_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_cmp(ctx, in, HELPER_fmin_d, false);
}

bool trans_fmax_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_cmp(ctx, in, HELPER_fmax_d, false);
}

bool trans_feq_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_cmp(ctx, in, HELPER_feq_d, true);
}

bool trans_flt_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_cmp(ctx, in, HELPER_flt_d, true);
}

bool trans_fle_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_cmp(ctx, in, HELPER_fle_d, true);
}

bool trans_fcvt_w_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_to_int(ctx, in, HELPER_fcvt_w_d);
}

bool trans_fcvt_wu_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_to_int(ctx, in, HELPER_fcvt_wu_d);
}

bool trans_fcvt_l_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_to_int(ctx, in, HELPER_fcvt_l_d);
}

bool trans_fcvt_lu_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_to_int(ctx, in, HELPER_fcvt_lu_d);
}

bool trans_fcvt_d_w(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_from_int(ctx, in, HELPER_fcvt_d_w);
}

bool trans_fcvt_d_wu(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_from_int(ctx, in, HELPER_fcvt_d_wu);
}

bool trans_fcvt_d_l(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_from_int(ctx, in, HELPER_fcvt_d_l);
}

bool trans_fcvt_d_lu(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_from_int(ctx, in, HELPER_fcvt_d_lu);
}

/* fmv.x.d / fmv.d.x: raw bit moves. */
bool trans_fmv_x_d(DisasContext *ctx, const RVInsn *in)
{
    if (!rv_fp_enabled(ctx))
        return false;
    IRTemp d = rv_tmp(ctx);
    ir_gen_op1(ctx->f, IR_mov, IR_I64, d, rv_get_f(ctx, in->rs1));
    rv_set_x(ctx, in->rd, d);
    return true;
}

bool trans_fclass_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_class(ctx, in, HELPER_fclass_d);
}

bool trans_fmv_d_x(DisasContext *ctx, const RVInsn *in)
{
    if (!rv_fp_enabled(ctx))
        return false;
    IRTemp d = rv_tmp(ctx);
    ir_gen_op1(ctx->f, IR_mov, IR_I64, d, rv_get_x(ctx, in->rs1));
    rv_gen_mark_fs_dirty(ctx);
    rv_set_f(ctx, in->rd, d);
    return true;
}

/* fcvt.s.d rounds (rm); fcvt.d.s is exact, its rm is only validated. */
bool trans_fcvt_s_d(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fcvt_s_d, 1);
}

bool trans_fcvt_d_s(DisasContext *ctx, const RVInsn *in)
{
    return rv_fp_gen_rm_op(ctx, in, HELPER_fcvt_d_s, 1);
}
