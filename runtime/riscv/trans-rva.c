/* trans-rva.c - RV64A atomics -> IR: LR/SC/AMO call helpers (helper-sys.c)
 * that do the access, the reservation and faults; rd is written from the
 * helper's result only after it returned.  aq/rl need nothing (one hart).
 * Contract: translate-internal.h.
 */
#include "riscv/translate-internal.h"

/* Write the helper result to rd, sign-extending 32-bit results. */
static void gen_result(DisasContext *ctx, const RVInsn *in, IRTemp v, unsigned size_log2)
{
    if (in->rd == 0) {
        return;
    }
    if (size_log2 == 2) {
        IRTemp e = rv_tmp(ctx);
        ir_gen_op1(ctx->f, IR_ext32s, IR_I64, e, v);
        v = e;
    }
    rv_set_x(ctx, in->rd, v);
}

static bool gen_lr(DisasContext *ctx, const RVInsn *in, unsigned size_log2)
{
    IRTemp v = rv_gen_helper(ctx, HELPER_lr, 3, rv_get_x(ctx, in->rs1), rv_const(ctx, size_log2),
                             rv_const(ctx, rv_site(ctx)), IR_NONE);
    gen_result(ctx, in, v, size_log2);
    return true;
}

static bool gen_sc(DisasContext *ctx, const RVInsn *in, unsigned size_log2)
{
    IRTemp v = rv_gen_helper(ctx, HELPER_sc, 4, rv_get_x(ctx, in->rs1), rv_get_x(ctx, in->rs2),
                             rv_const(ctx, size_log2), rv_const(ctx, rv_site(ctx)));
    if (in->rd != 0) {
        rv_set_x(ctx, in->rd, v);
    }
    return true;
}

static bool gen_amo(DisasContext *ctx, const RVInsn *in, unsigned op, unsigned size_log2)
{
    IRTemp v = rv_gen_helper(ctx, HELPER_amo, 4, rv_get_x(ctx, in->rs1), rv_get_x(ctx, in->rs2),
                             rv_const(ctx, op | size_log2 << 8), rv_const(ctx, rv_site(ctx)));
    gen_result(ctx, in, v, size_log2);
    return true;
}

bool trans_lr_w(DisasContext *ctx, const RVInsn *in)
{
    return gen_lr(ctx, in, 2);
}
bool trans_lr_d(DisasContext *ctx, const RVInsn *in)
{
    return gen_lr(ctx, in, 3);
}
bool trans_sc_w(DisasContext *ctx, const RVInsn *in)
{
    return gen_sc(ctx, in, 2);
}
bool trans_sc_d(DisasContext *ctx, const RVInsn *in)
{
    return gen_sc(ctx, in, 3);
}

#define RV_AMO(name, op)                                                                           \
    bool trans_##name##_w(DisasContext *ctx, const RVInsn *in)                                     \
    {                                                                                              \
        return gen_amo(ctx, in, op, 2);                                                            \
    }                                                                                              \
    bool trans_##name##_d(DisasContext *ctx, const RVInsn *in)                                     \
    {                                                                                              \
        return gen_amo(ctx, in, op, 3);                                                            \
    }
RV_AMO(amoswap, AMO_SWAP)
RV_AMO(amoadd, AMO_ADD)
RV_AMO(amoxor, AMO_XOR)
RV_AMO(amoand, AMO_AND)
RV_AMO(amoor, AMO_OR)
RV_AMO(amomin, AMO_MIN)
RV_AMO(amomax, AMO_MAX)
RV_AMO(amominu, AMO_MINU)
RV_AMO(amomaxu, AMO_MAXU)
#undef RV_AMO
