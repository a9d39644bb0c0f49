/* test-ir.c - the IR core: op table, builder output, overflow handling,
 * ir_eval()/ir_cond_eval() edge cases against independent references (a
 * bit-by-bit multiplier for the mulh ops), and ir_dump() text. */
#include "ir-test-env.h"
#include "ir/ir-arith.h"

#include <stdlib.h>

static const IRContext ctx = {
    .globals = te_globals,
    .nglobals = TE_NGLOBALS,
    .helpers = te_helpers,
    .nhelpers = TE_NHELPERS,
    .frame_offset = TE_OFF(frame),
    .frame_slots = IR_MAX_TEMPS,
};

static IRFunc fn;

static void test_table_and_builder(void)
{
    CHECK(strcmp(ir_op_defs[IR_add].name, "add") == 0 && ir_op_defs[IR_add].nout == 1 &&
              ir_op_defs[IR_add].nin == 2,
          "op table from the X-macro");
    CHECK((ir_op_defs[IR_qst].flags & IR_F_SIDE) && (ir_op_defs[IR_qld].flags & IR_F_EXIT) &&
              (ir_op_defs[IR_brcond].flags & IR_F_BB_END),
          "op flags");

    IRFunc *f = &fn;
    ir_init(f, &ctx);
    CHECK(f->ntemps == TE_NGLOBALS && f->nops == 0 && !f->overflow, "ir_init");
    CHECK(f->temp_type[G_X0] == IR_I64 && f->temp_type[G_W0] == IR_I32, "global types");
    IRTemp t = ir_new_temp(f, IR_I32);
    CHECK(t == TE_NGLOBALS && f->temp_type[t] == IR_I32, "first local follows the globals");
    unsigned l0 = ir_new_label(f), l1 = ir_new_label(f);
    CHECK(l0 == 0 && l1 == 1 && f->nlabels == 2, "labels");

    IRTemp c = ir_const(f, IR_I32, -1);
    CHECK(f->nops == 1 && f->ops[0].opc == IR_movi && f->ops[0].args[0] == c &&
              f->ops[0].imm == 0xffffffff,
          "i32 movi is stored zero-extended: %#" PRIx64, (uint64_t)f->ops[0].imm);
    ir_gen_op2(f, IR_sub, IR_I64, G_X1, G_X2, G_X3);
    IROp *op = &f->ops[1];
    CHECK(op->opc == IR_sub && op->type == IR_I64 && op->args[0] == G_X1 && op->args[1] == G_X2 &&
              op->args[2] == G_X3 && op->args[3] == IR_NONE,
          "op2 layout");
    ir_gen_brcond(f, IR_I32, IR_LTU, t, c, l1);
    op = &f->ops[2];
    CHECK(op->args[0] == t && op->args[1] == c && op->imm == IR_LTU && op->aux == l1 &&
              ir_op_nin(op) == 2 && ir_op_first_in(op) == 0,
          "brcond layout");
    IRTemp args[2] = {G_X1, G_X2};
    ir_gen_call(f, H_EXIT, G_X0, 2, args);
    op = &f->ops[3];
    CHECK(op->args[0] == G_X0 && op->args[1] == G_X1 && op->args[2] == G_X2 && op->nargs == 2 &&
              op->imm == H_EXIT && ir_op_nout(op) == 1 && ir_op_nin(op) == 2 &&
              ir_op_first_in(op) == 1,
          "call layout");
    ir_gen_call(f, H_SIDE, IR_NONE, 0, NULL);
    CHECK(ir_op_nout(&f->ops[4]) == 0, "call without ret has no output");
    ir_gen_qst(f, G_W0, G_X1, IR_MO_MAKE(2, 0, 3), IR_SITE(6, 2));
    op = &f->ops[5];
    CHECK(op->args[0] == G_W0 && op->args[1] == G_X1 && op->type == IR_I32 &&
              IR_MO_MMU(op->imm) == 3 && IR_MO_SIZE(op->imm) == 2 && IR_SITE_IDX(op->aux) == 2 &&
              IR_SITE_PCOFF(op->aux) == 6,
          "qst layout");

    /* Overflow: flag set, no crash, counts stay in bounds. */
    ir_init(f, &ctx);
    for (int i = 0; i < IR_MAX_OPS + 10; i++)
        ir_gen_movi(f, IR_I64, G_X0, i);
    CHECK(f->overflow && f->nops == IR_MAX_OPS, "op overflow");
    ir_init(f, &ctx);
    for (int i = 0; i < IR_MAX_TEMPS + 10; i++)
        t = ir_new_temp(f, IR_I64);
    CHECK(f->overflow && f->ntemps == IR_MAX_TEMPS && t < IR_MAX_TEMPS, "temp overflow");
}

/* ---- references, written differently from ir-arith.h ---- */

/* 128-bit product by shift-and-add, then the high half. */
static uint64_t ref_mulh(uint64_t a, uint64_t b, bool sa, bool sb)
{
    uint64_t hi = 0, lo = 0;
    /* Sign-extend both to 128 bits: (ah:a) * (bh:b) mod 2^128. */
    uint64_t ah = (sa && (a >> 63)) ? ~0ull : 0, bh = (sb && (b >> 63)) ? ~0ull : 0;
    for (int i = 0; i < 128; i++) {
        uint64_t bit = i < 64 ? (b >> i) & 1 : (bh >> (i - 64)) & 1;
        if (!bit)
            continue;
        /* add (ah:a) << i */
        uint64_t sl, sh;
        if (i == 0) {
            sl = a;
            sh = ah;
        } else if (i < 64) {
            sl = a << i;
            sh = (ah << i) | (a >> (64 - i));
        } else {
            sl = 0;
            sh = a << (i - 64);
        }
        uint64_t nl = lo + sl;
        hi += sh + (nl < lo);
        lo = nl;
    }
    return hi;
}

static const uint64_t vals[] = {
    0,
    1,
    2,
    3,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0x8000,
    0xffff,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x100000000ull,
    0x7fffffffffffffffull,
    0x8000000000000000ull,
    0xffffffffffffffffull,
    0xfffffffffffffffeull,
    0x123456789abcdef0ull,
    0xdeadbeefcafebabeull,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

static uint64_t ev(IROpcode opc, IRType t, uint64_t a, uint64_t b)
{
    uint64_t r = 0xbad;
    bool ok = ir_eval(opc, t, a, b, &r);
    CHECK(ok, "ir_eval(%s) refused", ir_op_defs[opc].name);
    return r;
}

static void test_eval(void)
{
    /* Shifts by width-1, masking of the count, arithmetic shift. */
    CHECK(ev(IR_shl, IR_I64, 1, 63) == 0x8000000000000000ull, "shl 63");
    CHECK(ev(IR_shl, IR_I64, 1, 64) == 1, "shl count masked to 6 bits");
    CHECK(ev(IR_shl, IR_I32, 1, 31) == 0x80000000u, "shl_i32 31");
    CHECK(ev(IR_shl, IR_I32, 3, 33) == 6, "shl_i32 count masked to 5 bits");
    CHECK(ev(IR_sar, IR_I64, 0x8000000000000000ull, 63) == ~0ull, "sar 63");
    CHECK(ev(IR_sar, IR_I32, 0x80000000u, 31) == 0xffffffffu, "sar_i32 31 stays 32-bit");
    CHECK(ev(IR_shr, IR_I32, 0xffffffff80000000ull, 31) == 1, "shr_i32 ignores high bits");
    CHECK(ev(IR_sar, IR_I64, 0x4000000000000000ull, 62) == 1, "sar positive");
    /* i32 wrap and masking. */
    CHECK(ev(IR_add, IR_I32, 0xffffffff, 1) == 0, "add_i32 wraps");
    CHECK(ev(IR_sub, IR_I32, 0, 1) == 0xffffffff, "sub_i32 result zero-extended");
    CHECK(ev(IR_neg, IR_I32, 1, 0) == 0xffffffff, "neg_i32");
    CHECK(ev(IR_not, IR_I32, 0, 0) == 0xffffffff, "not_i32");
    CHECK(ev(IR_mul, IR_I32, 0x10000, 0x10000) == 0, "mul_i32 wraps");
    /* Sign/zero extensions. */
    CHECK(ev(IR_ext8s, IR_I64, 0x80, 0) == 0xffffffffffffff80ull, "ext8s");
    CHECK(ev(IR_ext8s, IR_I32, 0x80, 0) == 0xffffff80u, "ext8s_i32");
    CHECK(ev(IR_ext16s, IR_I64, 0x17fff, 0) == 0x7fff, "ext16s positive");
    CHECK(ev(IR_ext16u, IR_I64, 0xffff8000ull, 0) == 0x8000, "ext16u");
    CHECK(ev(IR_ext32s, IR_I64, 0x80000000u, 0) == 0xffffffff80000000ull, "ext32s");
    CHECK(ev(IR_ext32u, IR_I64, 0xffffffff80000000ull, 0) == 0x80000000u, "ext32u");
    CHECK(ev(IR_exts_i32, IR_I64, 0xffffffffu, 0) == ~0ull, "exts_i32");
    CHECK(ev(IR_extu_i32, IR_I64, 0xffffffffu, 0) == 0xffffffffu, "extu_i32");
    CHECK(ev(IR_trunc_i64, IR_I32, 0x123456789ull, 0) == 0x23456789u, "trunc_i64");
    uint64_t r;
    CHECK(!ir_eval(IR_qld, IR_I64, 0, 0, &r) && !ir_eval(IR_call, IR_I64, 0, 0, &r),
          "ir_eval refuses non-value ops");

    /* Multiply-high against the bitwise reference, and the portable
     * routine against the compiler's 128-bit one. */
    for (unsigned i = 0; i < NVALS; i++)
        for (unsigned j = 0; j < NVALS; j++) {
            uint64_t a = vals[i], b = vals[j];
            CHECK(ev(IR_muluh, IR_I64, a, b) == ref_mulh(a, b, false, false),
                  "muluh %#" PRIx64 " %#" PRIx64, a, b);
            CHECK(ev(IR_mulsh, IR_I64, a, b) == ref_mulh(a, b, true, true),
                  "mulsh %#" PRIx64 " %#" PRIx64, a, b);
            CHECK(ev(IR_mulsuh, IR_I64, a, b) == ref_mulh(a, b, true, false),
                  "mulsuh %#" PRIx64 " %#" PRIx64, a, b);
            CHECK(ir_muluh64_portable(a, b) == ref_mulh(a, b, false, false), "portable muluh");
            uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
            uint64_t sa = (uint64_t)(int64_t)(int32_t)a32, sb = (uint64_t)(int64_t)(int32_t)b32;
            CHECK(ev(IR_muluh, IR_I32, a, b) == ((uint64_t)a32 * b32) >> 32, "muluh_i32");
            CHECK(ev(IR_mulsh, IR_I32, a, b) == (uint32_t)((sa * sb) >> 32), "mulsh_i32 %#x %#x",
                  a32, b32);
            CHECK(ev(IR_mulsuh, IR_I32, a, b) == (uint32_t)((sa * b32) >> 32), "mulsuh_i32");
        }
    uint64_t s = 88172645463325252ull;
    for (int k = 0; k < 20000; k++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        uint64_t a = s, b = s * 0x9e3779b97f4a7c15ull;
        CHECK(ir_muluh64_portable(a, b) == ref_mulh(a, b, false, false), "random portable muluh");
        CHECK(ir_mulsh64(a, b) == ref_mulh(a, b, true, true), "random mulsh");
    }

    /* Conditions: unsigned vs signed, i32 views of 64-bit values. */
    CHECK(ir_cond_eval(IR_LTU, IR_I64, 1, ~0ull) && !ir_cond_eval(IR_LT, IR_I64, 1, ~0ull),
          "ltu vs lt");
    CHECK(ir_cond_eval(IR_LT, IR_I32, 0x80000000u, 0) &&
              !ir_cond_eval(IR_LT, IR_I64, 0x80000000u, 0),
          "i32 sign bit");
    CHECK(ir_cond_eval(IR_EQ, IR_I32, 0x100000005ull, 5), "i32 compares low halves");
    CHECK(ir_cond_eval(IR_GEU, IR_I64, 5, 5) && ir_cond_eval(IR_LEU, IR_I64, 5, 5) &&
              !ir_cond_eval(IR_GTU, IR_I64, 5, 5),
          "equal operands");
    for (int c = IR_EQ; c <= IR_GTU; c++)
        for (unsigned i = 0; i < NVALS; i++)
            for (unsigned j = 0; j < NVALS; j++)
                for (int t = 0; t < 2; t++) {
                    uint64_t a = vals[i], b = vals[j];
                    bool v = ir_cond_eval((IRCond)c, (IRType)t, a, b);
                    CHECK(ir_cond_eval(ir_cond_invert((IRCond)c), (IRType)t, a, b) == !v, "invert");
                    CHECK(ir_cond_eval(ir_cond_swap((IRCond)c), (IRType)t, b, a) == v, "swap");
                }
}

static void test_dump(void)
{
    IRFunc *f = &fn;
    ir_init(f, &ctx);
    unsigned l = ir_new_label(f);
    ir_gen_insn_start(f, 4, 1);
    IRTemp t = ir_const(f, IR_I64, 16);
    IRTemp u = ir_new_temp(f, IR_I64);
    ir_gen_op2(f, IR_add, IR_I64, u, G_X1, t);
    ir_gen_qld(f, G_X2, u, IR_MO_MAKE(2, 1, 1), IR_SITE(4, 1));
    ir_gen_brcond(f, IR_I32, IR_LTU, G_W0, G_W1, l);
    IRTemp args[2] = {G_X1, u};
    ir_gen_call(f, H_EXIT, G_X3, 2, args);
    ir_gen_st(f, IR_I64, u, 0x40);
    ir_gen_goto_tb(f, 1);
    ir_gen_label(f, l);
    ir_gen_exit_tb(f, IR_EXIT_JUMP);

    char buf[1024];
    FILE *mem = fmemopen(buf, sizeof(buf), "w");
    CHECK(mem != NULL, "fmemopen");
    if (!mem)
        return;
    ir_dump(f, mem);
    fclose(mem);
    static const char want[] = " ---- insn 1 +0x4\n"
                               "  movi_i64 t6, $0x10\n"
                               "  add_i64 t7, x1, t6\n"
                               "  qld_i64 x2, t7, s32 mmu1 @1+0x4\n"
                               "  brcond_i32 w0, w1, ltu, L0\n"
                               "  call mayexit, x3, x1, t7\n"
                               "  st_i64 t7, [env+0x40]\n"
                               "  goto_tb 1\n"
                               "L0:\n"
                               "  exit_tb 2\n";
    CHECK(strcmp(buf, want) == 0, "ir_dump output:\n%s--- expected:\n%s", buf, want);
}

int main(void)
{
    test_table_and_builder();
    test_eval();
    test_dump();
    if (failures) {
        printf("test-ir: %d failure(s)\n", failures);
        return 1;
    }
    printf("test-ir: ok\n");
    return 0;
}
