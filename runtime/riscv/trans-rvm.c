/* trans-rvm.c - RV64M multiply/divide -> IR.  Multiplies are IR ops;
 * divisions call the pure helpers of helper-int.c (RISC-V ÷0/overflow rules).
 * Contract: translate-internal.h.
 */
#include "riscv/translate-internal.h"

static bool gen_mul(DisasContext *ctx, const RVInsn *in, IROpcode op, bool w)
{
    IRTemp d = rv_tmp(ctx);
    ir_gen_op2(ctx->f, op, IR_I64, d, rv_get_x(ctx, in->rs1), rv_get_x(ctx, in->rs2));
    if (w) {
        IRTemp e = rv_tmp(ctx);
        ir_gen_op1(ctx->f, IR_ext32s, IR_I64, e, d);
        d = e;
    }
    rv_set_x(ctx, in->rd, d);
    return true;
}

static bool gen_div(DisasContext *ctx, const RVInsn *in, unsigned helper)
{
    IRTemp d = rv_gen_helper(ctx, helper, 2, rv_get_x(ctx, in->rs1), rv_get_x(ctx, in->rs2),
                             IR_NONE, IR_NONE);
    rv_set_x(ctx, in->rd, d);
    return true;
}

bool trans_mul(DisasContext *ctx, const RVInsn *in)
{
    return gen_mul(ctx, in, IR_mul, false);
}
bool trans_mulh(DisasContext *ctx, const RVInsn *in)
{
    return gen_mul(ctx, in, IR_mulsh, false);
}
bool trans_mulhsu(DisasContext *ctx, const RVInsn *in)
{
    return gen_mul(ctx, in, IR_mulsuh, false);
}
bool trans_mulhu(DisasContext *ctx, const RVInsn *in)
{
    return gen_mul(ctx, in, IR_muluh, false);
}
bool trans_mulw(DisasContext *ctx, const RVInsn *in)
{
    return gen_mul(ctx, in, IR_mul, true);
}

bool trans_div(DisasContext *ctx, const RVInsn *in)
{
    return gen_div(ctx, in, HELPER_div);
}
bool trans_divu(DisasContext *ctx, const RVInsn *in)
{
    return gen_div(ctx, in, HELPER_divu);
}
bool trans_rem(DisasContext *ctx, const RVInsn *in)
{
    return gen_div(ctx, in, HELPER_rem);
}
bool trans_remu(DisasContext *ctx, const RVInsn *in)
{
    return gen_div(ctx, in, HELPER_remu);
}
bool trans_divw(DisasContext *ctx, const RVInsn *in)
{
    return gen_div(ctx, in, HELPER_divw);
}
bool trans_divuw(DisasContext *ctx, const RVInsn *in)
{
    return gen_div(ctx, in, HELPER_divuw);
}
bool trans_remw(DisasContext *ctx, const RVInsn *in)
{
    return gen_div(ctx, in, HELPER_remw);
}
bool trans_remuw(DisasContext *ctx, const RVInsn *in)
{
    return gen_div(ctx, in, HELPER_remuw);
}
