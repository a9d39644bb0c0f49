/* trans-rvi.c - RV64I base integer insns, FENCE/FENCE.I and the privileged
 * insns (ecall, ebreak, mret, sret, wfi, sfence.vma) -> IR.
 * Contract: translate-internal.h (one trans_<name>() per table entry).
 */
#include "riscv/translate-internal.h"

/* ---- helpers for the common shapes ---- */

/* rd = a op b (64-bit), written through a temp so rd may equal a source. */
static bool gen_arith(DisasContext *ctx, const RVInsn *in, IROpcode op, IRTemp a, IRTemp b)
{
    IRTemp d = rv_tmp(ctx);
    ir_gen_op2(ctx->f, op, IR_I64, d, a, b);
    rv_set_x(ctx, in->rd, d);
    return true;
}

static bool gen_r(DisasContext *ctx, const RVInsn *in, IROpcode op)
{
    return gen_arith(ctx, in, op, rv_get_x(ctx, in->rs1), rv_get_x(ctx, in->rs2));
}

static bool gen_i(DisasContext *ctx, const RVInsn *in, IROpcode op)
{
    return gen_arith(ctx, in, op, rv_get_x(ctx, in->rs1), rv_const(ctx, in->imm));
}

static bool gen_setcond(DisasContext *ctx, const RVInsn *in, IRCond c, IRTemp a, IRTemp b)
{
    IRTemp d = rv_tmp(ctx);
    ir_gen_setcond(ctx->f, IR_I64, c, d, a, b);
    rv_set_x(ctx, in->rd, d);
    return true;
}

/* 32-bit op on the low halves, result sign-extended (the *W insns). */
static bool gen_w(DisasContext *ctx, const RVInsn *in, IROpcode op, IRTemp a, IRTemp b)
{
    IRFunc *f = ctx->f;
    IRTemp a32 = ir_new_temp(f, IR_I32), b32 = ir_new_temp(f, IR_I32);
    IRTemp d32 = ir_new_temp(f, IR_I32), d = rv_tmp(ctx);
    ir_gen_op1(f, IR_trunc_i64, IR_I32, a32, a);
    ir_gen_op1(f, IR_trunc_i64, IR_I32, b32, b);
    ir_gen_op2(f, op, IR_I32, d32, a32, b32);
    ir_gen_op1(f, IR_exts_i32, IR_I64, d, d32);
    rv_set_x(ctx, in->rd, d);
    return true;
}

static bool gen_load(DisasContext *ctx, const RVInsn *in, unsigned size_log2, bool sign)
{
    IRTemp addr = rv_gen_addr(ctx, in->rs1, in->imm);
    IRTemp d = rv_tmp(ctx);
    ir_gen_qld(ctx->f, d, addr, rv_memop(ctx, size_log2, sign), rv_site(ctx));
    rv_set_x(ctx, in->rd, d);
    return true;
}

static bool gen_store(DisasContext *ctx, const RVInsn *in, unsigned size_log2)
{
    IRTemp addr = rv_gen_addr(ctx, in->rs1, in->imm);
    ir_gen_qst(ctx->f, rv_get_x(ctx, in->rs2), addr, rv_memop(ctx, size_log2, false), rv_site(ctx));
    return true;
}

/* Store pc = this insn + off and leave through chain slot `slot` (the
 * caller's insn ends the TB); a jump back to the TB's start says so (a
 * loop to itself). */
static void gen_goto(DisasContext *ctx, int64_t off, unsigned slot)
{
    rv_gen_set_pc(ctx, rv_gen_pc(ctx, off));
    if ((int64_t)ctx->pc_off + off == 0)
        ir_gen_goto_tb_self(ctx->f, slot, ctx->insn_idx + 1);
    else
        ir_gen_goto_tb(ctx->f, slot);
}

static bool gen_branch(DisasContext *ctx, const RVInsn *in, IRCond c)
{
    unsigned taken = ir_new_label(ctx->f);
    ir_gen_brcond(ctx->f, IR_I64, c, rv_get_x(ctx, in->rs1), rv_get_x(ctx, in->rs2), taken);
    gen_goto(ctx, in->len, 0);
    ir_gen_label(ctx->f, taken);
    gen_goto(ctx, in->imm, 1);
    ctx->end_tb = true;
    return true;
}

/* ---- U / J ---- */

bool trans_lui(DisasContext *ctx, const RVInsn *in)
{
    rv_set_x(ctx, in->rd, rv_const(ctx, in->imm));
    return true;
}

bool trans_auipc(DisasContext *ctx, const RVInsn *in)
{
    rv_set_x(ctx, in->rd, rv_gen_pc(ctx, in->imm));
    return true;
}

bool trans_jal(DisasContext *ctx, const RVInsn *in)
{
    if (in->rd != 0) {
        rv_set_x(ctx, in->rd, rv_gen_pc(ctx, in->len));
    }
    gen_goto(ctx, in->imm, 0);
    ctx->end_tb = true;
    return true;
}

bool trans_jalr(DisasContext *ctx, const RVInsn *in)
{
    /* target first: rd may be rs1 */
    IRTemp sum = rv_gen_addr(ctx, in->rs1, in->imm), target = rv_tmp(ctx);
    ir_gen_op2(ctx->f, IR_and, IR_I64, target, sum, rv_const(ctx, ~(int64_t)1));
    if (in->rd != 0) {
        rv_set_x(ctx, in->rd, rv_gen_pc(ctx, in->len));
    }
    rv_gen_set_pc(ctx, target);
    ir_gen_exit_tb(ctx->f, IR_EXIT_JUMP);
    ctx->end_tb = true;
    return true;
}

/* ---- branches ---- */

bool trans_beq(DisasContext *ctx, const RVInsn *in)
{
    return gen_branch(ctx, in, IR_EQ);
}
bool trans_bne(DisasContext *ctx, const RVInsn *in)
{
    return gen_branch(ctx, in, IR_NE);
}
bool trans_blt(DisasContext *ctx, const RVInsn *in)
{
    return gen_branch(ctx, in, IR_LT);
}
bool trans_bge(DisasContext *ctx, const RVInsn *in)
{
    return gen_branch(ctx, in, IR_GE);
}
bool trans_bltu(DisasContext *ctx, const RVInsn *in)
{
    return gen_branch(ctx, in, IR_LTU);
}
bool trans_bgeu(DisasContext *ctx, const RVInsn *in)
{
    return gen_branch(ctx, in, IR_GEU);
}

/* ---- loads and stores ---- */

bool trans_lb(DisasContext *ctx, const RVInsn *in)
{
    return gen_load(ctx, in, 0, true);
}
bool trans_lh(DisasContext *ctx, const RVInsn *in)
{
    return gen_load(ctx, in, 1, true);
}
bool trans_lw(DisasContext *ctx, const RVInsn *in)
{
    return gen_load(ctx, in, 2, true);
}
bool trans_ld(DisasContext *ctx, const RVInsn *in)
{
    return gen_load(ctx, in, 3, false);
}
bool trans_lbu(DisasContext *ctx, const RVInsn *in)
{
    return gen_load(ctx, in, 0, false);
}
bool trans_lhu(DisasContext *ctx, const RVInsn *in)
{
    return gen_load(ctx, in, 1, false);
}
bool trans_lwu(DisasContext *ctx, const RVInsn *in)
{
    return gen_load(ctx, in, 2, false);
}
bool trans_sb(DisasContext *ctx, const RVInsn *in)
{
    return gen_store(ctx, in, 0);
}
bool trans_sh(DisasContext *ctx, const RVInsn *in)
{
    return gen_store(ctx, in, 1);
}
bool trans_sw(DisasContext *ctx, const RVInsn *in)
{
    return gen_store(ctx, in, 2);
}
bool trans_sd(DisasContext *ctx, const RVInsn *in)
{
    return gen_store(ctx, in, 3);
}

/* ---- register-immediate ---- */

bool trans_addi(DisasContext *ctx, const RVInsn *in)
{
    if (in->rs1 == 0) { /* li */
        rv_set_x(ctx, in->rd, rv_const(ctx, in->imm));
        return true;
    }
    return gen_i(ctx, in, IR_add);
}

bool trans_slti(DisasContext *ctx, const RVInsn *in)
{
    return gen_setcond(ctx, in, IR_LT, rv_get_x(ctx, in->rs1), rv_const(ctx, in->imm));
}

bool trans_sltiu(DisasContext *ctx, const RVInsn *in)
{
    return gen_setcond(ctx, in, IR_LTU, rv_get_x(ctx, in->rs1), rv_const(ctx, in->imm));
}

bool trans_xori(DisasContext *ctx, const RVInsn *in)
{
    return gen_i(ctx, in, IR_xor);
}
bool trans_ori(DisasContext *ctx, const RVInsn *in)
{
    return gen_i(ctx, in, IR_or);
}
bool trans_andi(DisasContext *ctx, const RVInsn *in)
{
    return gen_i(ctx, in, IR_and);
}
bool trans_slli(DisasContext *ctx, const RVInsn *in)
{
    return gen_i(ctx, in, IR_shl);
}
bool trans_srli(DisasContext *ctx, const RVInsn *in)
{
    return gen_i(ctx, in, IR_shr);
}
bool trans_srai(DisasContext *ctx, const RVInsn *in)
{
    return gen_i(ctx, in, IR_sar);
}

/* ---- register-register ---- */

bool trans_add(DisasContext *ctx, const RVInsn *in)
{
    return gen_r(ctx, in, IR_add);
}
bool trans_sub(DisasContext *ctx, const RVInsn *in)
{
    return gen_r(ctx, in, IR_sub);
}
bool trans_sll(DisasContext *ctx, const RVInsn *in)
{
    return gen_r(ctx, in, IR_shl);
}
bool trans_xor(DisasContext *ctx, const RVInsn *in)
{
    return gen_r(ctx, in, IR_xor);
}
bool trans_srl(DisasContext *ctx, const RVInsn *in)
{
    return gen_r(ctx, in, IR_shr);
}
bool trans_sra(DisasContext *ctx, const RVInsn *in)
{
    return gen_r(ctx, in, IR_sar);
}
bool trans_or(DisasContext *ctx, const RVInsn *in)
{
    return gen_r(ctx, in, IR_or);
}
bool trans_and(DisasContext *ctx, const RVInsn *in)
{
    return gen_r(ctx, in, IR_and);
}

bool trans_slt(DisasContext *ctx, const RVInsn *in)
{
    return gen_setcond(ctx, in, IR_LT, rv_get_x(ctx, in->rs1), rv_get_x(ctx, in->rs2));
}

bool trans_sltu(DisasContext *ctx, const RVInsn *in)
{
    return gen_setcond(ctx, in, IR_LTU, rv_get_x(ctx, in->rs1), rv_get_x(ctx, in->rs2));
}

/* ---- 32-bit (W) ops ---- */

bool trans_addiw(DisasContext *ctx, const RVInsn *in)
{
    return gen_w(ctx, in, IR_add, rv_get_x(ctx, in->rs1), rv_const(ctx, in->imm));
}

bool trans_slliw(DisasContext *ctx, const RVInsn *in)
{
    return gen_w(ctx, in, IR_shl, rv_get_x(ctx, in->rs1), rv_const(ctx, in->imm));
}

bool trans_srliw(DisasContext *ctx, const RVInsn *in)
{
    return gen_w(ctx, in, IR_shr, rv_get_x(ctx, in->rs1), rv_const(ctx, in->imm));
}

bool trans_sraiw(DisasContext *ctx, const RVInsn *in)
{
    return gen_w(ctx, in, IR_sar, rv_get_x(ctx, in->rs1), rv_const(ctx, in->imm & 31));
}

static bool gen_rw(DisasContext *ctx, const RVInsn *in, IROpcode op)
{
    return gen_w(ctx, in, op, rv_get_x(ctx, in->rs1), rv_get_x(ctx, in->rs2));
}

bool trans_addw(DisasContext *ctx, const RVInsn *in)
{
    return gen_rw(ctx, in, IR_add);
}
bool trans_subw(DisasContext *ctx, const RVInsn *in)
{
    return gen_rw(ctx, in, IR_sub);
}
bool trans_sllw(DisasContext *ctx, const RVInsn *in)
{
    return gen_rw(ctx, in, IR_shl);
}
bool trans_srlw(DisasContext *ctx, const RVInsn *in)
{
    return gen_rw(ctx, in, IR_shr);
}
bool trans_sraw(DisasContext *ctx, const RVInsn *in)
{
    return gen_rw(ctx, in, IR_sar);
}

/* ---- fences ---- */

bool trans_fence(DisasContext *ctx, const RVInsn *in)
{
    /* one hart, sequentially consistent memory: nothing to do */
    (void)ctx;
    (void)in;
    return true;
}

bool trans_fence_i(DisasContext *ctx, const RVInsn *in)
{
    /* stores to code pages already invalidated their TBs; only the rest of
     * this TB may be stale, so leave it */
    (void)in;
    rv_gen_end_after(ctx, IR_EXIT_SYNC);
    return true;
}

/* ---- privileged ---- */

bool trans_ecall(DisasContext *ctx, const RVInsn *in)
{
    (void)in;
    rv_gen_exception(ctx, EXC_ECALL_U + TBF_PRIV(ctx->flags), IR_NONE);
    return true;
}

bool trans_ebreak(DisasContext *ctx, const RVInsn *in)
{
    (void)in;
    rv_gen_exception(ctx, EXC_BREAKPOINT, rv_gen_pc(ctx, 0));
    return true;
}

/* mret/sret: the helper checks TSR etc., sets pc and mode. */
static bool gen_xret(DisasContext *ctx, unsigned helper)
{
    rv_gen_helper(ctx, helper, 1, rv_const(ctx, rv_site(ctx)), IR_NONE, IR_NONE, IR_NONE);
    ir_gen_exit_tb(ctx->f, IR_EXIT_SYNC);
    ctx->end_tb = true;
    return true;
}

bool trans_mret(DisasContext *ctx, const RVInsn *in)
{
    (void)in;
    if (TBF_PRIV(ctx->flags) != PRV_M) {
        return false;
    }
    return gen_xret(ctx, HELPER_mret);
}

bool trans_sret(DisasContext *ctx, const RVInsn *in)
{
    (void)in;
    if (TBF_PRIV(ctx->flags) == PRV_U) {
        return false;
    }
    return gen_xret(ctx, HELPER_sret);
}

bool trans_wfi(DisasContext *ctx, const RVInsn *in)
{
    (void)in;
    rv_gen_set_pc(ctx, rv_gen_pc(ctx, ctx->len));
    rv_gen_helper(ctx, HELPER_wfi, 1, rv_const(ctx, rv_site(ctx)), IR_NONE, IR_NONE, IR_NONE);
    ir_gen_exit_tb(ctx->f, IR_EXIT_SYNC);
    ctx->end_tb = true;
    return true;
}

bool trans_sfence_vma(DisasContext *ctx, const RVInsn *in)
{
    if (TBF_PRIV(ctx->flags) == PRV_U) {
        return false;
    }
    rv_gen_helper(ctx, HELPER_sfence_vma, 3, rv_get_x(ctx, in->rs1), rv_get_x(ctx, in->rs2),
                  rv_const(ctx, rv_site(ctx)), IR_NONE);
    rv_gen_end_after(ctx, IR_EXIT_SYNC);
    return true;
}
