/* test-tci.c - TCI against ir_eval()/ir_cond_eval() for every op, type and
 * operand form (register, constant first, constant second, i32 globals),
 * guest memory fast and slow paths with a fake TLB, faults, helper exits,
 * branches and loops.  Every block is also run from its image
 * (tci_image_write/read) and must do exactly the same; damaged images are
 * refused or, if accepted, run without touching memory outside env (ASan
 * build).  Prints a rough speed figure. */
#include "ir-test-env.h"
#include "tci/tci.h"
#include "wasm/wasm-writer.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- fake guest memory: one RAM page at RAM_VA for mmu 1 ---- */
#define RAM_VA 0x80001000ull
#define TEST_MMU 1
static _Alignas(8) uint8_t ram[TLB_PAGE_SIZE];
static int slow_loads, slow_stores;
static uint64_t slow_addr, slow_val;
static uint32_t slow_mo, slow_site;

/* Miss path: addresses in the fault page fault, others read a pattern. */
#define FAULT_VA 0x90000000ull
static int te_load_slow(void *env, uint64_t addr, uint32_t memop, uint32_t site, uint64_t *val)
{
    (void)env;
    slow_loads++;
    slow_addr = addr;
    slow_mo = memop;
    slow_site = site;
    if ((addr & TLB_PAGE_MASK) == FAULT_VA)
        return IR_EXIT_FAULT;
    *val = 0xf1f2f3f4f5f6f7f8ull; /* deliberately not extended: TCI must do it */
    return 0;
}

static int te_store_slow(void *env, uint64_t addr, uint64_t val, uint32_t memop, uint32_t site)
{
    (void)env;
    slow_stores++;
    slow_addr = addr;
    slow_val = val;
    slow_mo = memop;
    slow_site = site;
    return (addr & TLB_PAGE_MASK) == FAULT_VA ? IR_EXIT_FAULT : 0;
}

static const IRContext ctx = TE_CONTEXT(te_load_slow, te_store_slow);

static TestEnv env;
static IRFunc fn;

static void env_reset(void)
{
    memset(&env, 0, sizeof(env));
    env.canary0 = 0xc0c0c0c0;
    env.canary1 = 0xc1c1c1c1;
    for (int m = 0; m < TLB_NB_MMU; m++)
        for (unsigned i = 0; i < TLB_SIZE; i++)
            env.tlb.e[m][i].tag_r = env.tlb.e[m][i].tag_w = env.tlb.e[m][i].tag_x = TLB_INVALID;
    TLBEntry *e = &env.tlb.e[TEST_MMU][tlb_index(RAM_VA)];
    e->tag_r = e->tag_w = RAM_VA;
    e->addend = (int64_t)((uintptr_t)ram - RAM_VA);
    for (unsigned i = 0; i < sizeof(ram); i++)
        ram[i] = (uint8_t)(i * 37 + 0x81);
}

/* Everything a block run can change. */
typedef struct RunState {
    TestEnv env;
    uint8_t ram[TLB_PAGE_SIZE];
    int slow_loads, slow_stores;
    uint64_t slow_addr, slow_val;
    uint32_t slow_mo, slow_site;
} RunState;

static void state_save(RunState *s)
{
    memcpy(&s->env, &env, sizeof(env));
    memcpy(s->ram, ram, sizeof(ram));
    s->slow_loads = slow_loads, s->slow_stores = slow_stores;
    s->slow_addr = slow_addr, s->slow_val = slow_val;
    s->slow_mo = slow_mo, s->slow_site = slow_site;
}

static void state_load(const RunState *s)
{
    memcpy(&env, &s->env, sizeof(env));
    memcpy(ram, s->ram, sizeof(ram));
    slow_loads = s->slow_loads, slow_stores = s->slow_stores;
    slow_addr = s->slow_addr, slow_val = s->slow_val;
    slow_mo = s->slow_mo, slow_site = s->slow_site;
}

/* Sites in these tests are small; the image reader bounds them by this. */
#define GUEST_LIMIT 0x10000

/* Compile and run fn; returns the exit status.  The block is first run
 * from its image, from the same state, and must end in the same state. */
static uint32_t run(void)
{
    static RunState before, via_image, direct;
    TCIBlock *b = tci_compile(&fn);
    CHECK(b != NULL, "tci_compile failed");
    if (!b)
        return 0xffffffff;
    WasmBuf img;
    wasm_buf_init(&img);
    CHECK(!tci_image_write(b, &ctx, &img), "tci_image_write failed");
    const char *why = "";
    TCIBlock *c = tci_image_read(img.data, img.len, &ctx, GUEST_LIMIT, GUEST_LIMIT, &why);
    CHECK(c != NULL, "its own image refused: %s", why);
    uint32_t rc = 0;
    if (c) {
        state_save(&before);
        rc = tci_run(c, &env);
        state_save(&via_image);
        state_load(&before);
        tci_free(c);
    }
    wasm_buf_free(&img);
    uint32_t r = tci_run(b, &env);
    if (c) {
        state_save(&direct);
        CHECK(rc == r && !memcmp(&direct, &via_image, sizeof(direct)),
              "run from the image differs (exit %u vs %u)", rc, r);
    }
    tci_free(b);
    return r;
}

static const uint64_t vals[] = {
    0,
    1,
    2,
    3,
    7,
    31,
    32,
    33,
    63,
    64,
    65,
    0x7f,
    0x80,
    0xff,
    0x100,
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
    0xfedcba9876543210ull,
    0x00000000fffffffeull,
    0xffffffff80000000ull,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

static uint64_t get_global(unsigned g)
{
    return g == G_W0 ? env.w0 : g == G_W1 ? env.w1 : env.x[g];
}

static void set_global(unsigned g, uint64_t v)
{
    if (g == G_W0)
        env.w0 = (uint32_t)v;
    else if (g == G_W1)
        env.w1 = (uint32_t)v;
    else
        env.x[g] = v;
}

static void check_canaries(const char *what)
{
    CHECK(env.canary0 == 0xc0c0c0c0 && env.canary1 == 0xc1c1c1c1, "%s clobbered a canary", what);
}

/* ---- value ops ---- */

static const IROpcode binops[] = {IR_add, IR_sub, IR_mul, IR_mulsh, IR_muluh, IR_mulsuh,
                                  IR_and, IR_or,  IR_xor, IR_shl,   IR_shr,   IR_sar};
static const IROpcode unops[] = {IR_mov,    IR_neg,    IR_not,    IR_ext8s, IR_ext8u,
                                 IR_ext16s, IR_ext16u, IR_ext32s, IR_ext32u};

/* form 0: d = op(ga, gb) into a global; 1: into a local then mov; 2: b is
 * a constant temp; 3: a is a constant temp. */
static void test_binop(IROpcode opc, IRType t, uint64_t a, uint64_t b, int form)
{
    unsigned ga = t == IR_I64 ? G_X1 : G_W0, gb = t == IR_I64 ? G_X2 : G_W1;
    unsigned gd = t == IR_I64 ? G_X3 : G_W1;
    uint64_t expect;
    if (!ir_eval(opc, t, a, b, &expect)) {
        CHECK(0, "ir_eval refused %s", ir_op_defs[opc].name);
        return;
    }
    env_reset();
    set_global(ga, a);
    set_global(gb, b);
    ir_init(&fn, &ctx);
    IRTemp ta = ga, tb = gb;
    if (form == 2)
        tb = ir_const(&fn, t, (int64_t)b);
    if (form == 3)
        ta = ir_const(&fn, t, (int64_t)a);
    if (form == 1) {
        IRTemp l = ir_new_temp(&fn, t);
        ir_gen_op2(&fn, opc, t, l, ta, tb);
        ir_gen_op1(&fn, IR_mov, t, gd, l);
    } else {
        ir_gen_op2(&fn, opc, t, gd, ta, tb);
    }
    ir_gen_exit_tb(&fn, IR_EXIT_SYNC);
    uint32_t r = run();
    uint64_t got = get_global(gd);
    CHECK(r == IR_EXIT_SYNC && got == expect,
          "%s_%s form %d a=%#" PRIx64 " b=%#" PRIx64 ": got %#" PRIx64 " want %#" PRIx64,
          ir_op_defs[opc].name, t ? "i64" : "i32", form, a, b, got, expect);
    if (form == 1 && t == IR_I32) /* i32 locals are kept zero-extended */
        CHECK(env.frame[0] == expect, "i32 slot not zero-extended: %#" PRIx64, env.frame[0]);
    check_canaries(ir_op_defs[opc].name);
}

static void test_unop(IROpcode opc, IRType td, IRType ta_type, uint64_t a, int form)
{
    unsigned ga = ta_type == IR_I64 ? G_X1 : G_W0, gd = td == IR_I64 ? G_X3 : G_W1;
    uint64_t expect;
    if (!ir_eval(opc, td, a, 0, &expect)) {
        CHECK(0, "ir_eval refused %s", ir_op_defs[opc].name);
        return;
    }
    env_reset();
    set_global(ga, a);
    ir_init(&fn, &ctx);
    IRTemp ta = ga;
    if (form == 2)
        ta = ir_const(&fn, ta_type, (int64_t)a);
    if (form == 1) {
        IRTemp l = ir_new_temp(&fn, td);
        ir_gen_op1(&fn, opc, td, l, ta);
        ir_gen_op1(&fn, IR_mov, td, gd, l);
    } else {
        ir_gen_op1(&fn, opc, td, gd, ta);
    }
    ir_gen_exit_tb(&fn, IR_EXIT_SYNC);
    run();
    uint64_t got = get_global(gd);
    CHECK(got == expect, "%s_%s form %d a=%#" PRIx64 ": got %#" PRIx64 " want %#" PRIx64,
          ir_op_defs[opc].name, td ? "i64" : "i32", form, a, got, expect);
    check_canaries(ir_op_defs[opc].name);
}

static void test_values(void)
{
    for (unsigned o = 0; o < sizeof(binops) / sizeof(binops[0]); o++)
        for (int t = 0; t < 2; t++)
            for (unsigned i = 0; i < NVALS; i++)
                for (unsigned j = 0; j < NVALS; j++)
                    for (int form = 0; form < 4; form++)
                        test_binop(binops[o], (IRType)t, vals[i], vals[j], form);
    for (unsigned o = 0; o < sizeof(unops) / sizeof(unops[0]); o++)
        for (int t = 0; t < 2; t++)
            for (unsigned i = 0; i < NVALS; i++)
                for (int form = 0; form < 3; form++)
                    test_unop(unops[o], (IRType)t, (IRType)t, vals[i], form);
    for (unsigned i = 0; i < NVALS; i++)
        for (int form = 0; form < 3; form++) {
            test_unop(IR_extu_i32, IR_I64, IR_I32, vals[i], form);
            test_unop(IR_exts_i32, IR_I64, IR_I32, vals[i], form);
            test_unop(IR_trunc_i64, IR_I32, IR_I64, vals[i], form);
        }
}

/* ---- comparisons: setcond, brcond, movcond in all forms ---- */

static void test_conds(void)
{
    for (int c = IR_EQ; c <= IR_GTU; c++)
        for (int t = 0; t < 2; t++)
            for (unsigned i = 0; i < NVALS; i++)
                for (unsigned j = 0; j < NVALS; j++)
                    for (int form = 0; form < 3; form++) {
                        uint64_t a = vals[i], b = vals[j];
                        IRType ty = (IRType)t;
                        unsigned ga = ty ? G_X1 : G_W0, gb = ty ? G_X2 : G_W1;
                        bool want = ir_cond_eval((IRCond)c, ty, a, b);
                        uint64_t m = ty ? ~0ull : 0xffffffffull;

                        env_reset();
                        set_global(ga, a);
                        set_global(gb, b);
                        ir_init(&fn, &ctx);
                        IRTemp ta = ga, tb = gb;
                        if (form == 1)
                            tb = ir_const(&fn, ty, (int64_t)b);
                        if (form == 2)
                            ta = ir_const(&fn, ty, (int64_t)a);
                        unsigned l = ir_new_label(&fn);
                        ir_gen_setcond(&fn, ty, (IRCond)c, G_X0, ta, tb);
                        IRTemp mc = ir_new_temp(&fn, ty);
                        ir_gen_movcond(&fn, ty, (IRCond)c, mc, ta, tb, ta, tb);
                        ir_gen_op1(&fn, ty ? IR_mov : IR_extu_i32, IR_I64, G_X3, mc);
                        ir_gen_brcond(&fn, ty, (IRCond)c, ta, tb, l);
                        ir_gen_exit_tb(&fn, IR_EXIT_SLOT0);
                        ir_gen_label(&fn, l);
                        ir_gen_goto_tb(&fn, 1);
                        uint32_t r = run();
                        uint64_t mv = env.x[3];
                        CHECK(env.x[0] == want, "setcond %s_%s form %d %#" PRIx64 " %#" PRIx64,
                              ir_cond_name((IRCond)c), ty ? "i64" : "i32", form, a, b);
                        CHECK(r == (want ? 1u : 0u), "brcond %s_%s form %d %#" PRIx64 " %#" PRIx64,
                              ir_cond_name((IRCond)c), ty ? "i64" : "i32", form, a, b);
                        CHECK(mv == ((want ? a : b) & m), "movcond %s_%s form %d",
                              ir_cond_name((IRCond)c), ty ? "i64" : "i32", form);
                        check_canaries("cond");
                    }
}

/* ---- CPU state, control flow, exits ---- */

static void test_state_and_flow(void)
{
    /* ld/st of both widths, sti (constant stores), insn_start is no code. */
    env_reset();
    env.st[0] = 0x1122334455667788ull;
    env.st[1] = 0xaabbccddeeff0011ull;
    ir_init(&fn, &ctx);
    ir_gen_insn_start(&fn, 0, 0);
    ir_gen_ld(&fn, IR_I64, G_X0, TE_OFF(st[0]));
    ir_gen_ld(&fn, IR_I32, G_W0, TE_OFF(st[1]));
    IRTemp t = ir_new_temp(&fn, IR_I32);
    ir_gen_ld(&fn, IR_I32, t, TE_OFF(st[1]) + 4);
    ir_gen_st(&fn, IR_I32, t, TE_OFF(st[2]));
    ir_gen_st(&fn, IR_I64, G_X0, TE_OFF(st[3]));
    ir_gen_st(&fn, IR_I32, ir_const(&fn, IR_I32, 0x12345678), TE_OFF(st[0]));
    ir_gen_st(&fn, IR_I64, ir_const(&fn, IR_I64, -2), TE_OFF(st[1]));
    uint32_t r = run();
    CHECK(r == IR_EXIT_JUMP, "falling off the end must return IR_EXIT_JUMP, got %u", r);
    CHECK(env.x[0] == 0x1122334455667788ull, "ld_i64");
    CHECK(env.w0 == 0xeeff0011u, "ld_i32 %#x", env.w0);
    CHECK(env.st[2] == 0xaabbccddull, "ld_i32/st_i32 %#" PRIx64, env.st[2]);
    CHECK(env.st[3] == 0x1122334455667788ull, "st_i64");
    CHECK(env.st[0] == 0x1122334412345678ull, "sti_i32 %#" PRIx64, env.st[0]);
    CHECK(env.st[1] == 0xfffffffffffffffeull, "sti_i64");
    check_canaries("ld/st");

    /* A loop with a backward branch, and a forward br over dead code. */
    env_reset();
    ir_init(&fn, &ctx);
    unsigned top = ir_new_label(&fn), out = ir_new_label(&fn);
    IRTemp i = ir_new_temp(&fn, IR_I64), one = ir_const(&fn, IR_I64, 1);
    ir_gen_movi(&fn, IR_I64, i, 0);
    ir_gen_label(&fn, top);
    ir_gen_op2(&fn, IR_add, IR_I64, i, i, one);
    ir_gen_op2(&fn, IR_add, IR_I64, G_X1, G_X1, i);
    ir_gen_brcond(&fn, IR_I64, IR_LTU, i, ir_const(&fn, IR_I64, 10), top);
    ir_gen_br(&fn, out);
    ir_gen_movi(&fn, IR_I64, G_X2, 99);
    ir_gen_label(&fn, out);
    ir_gen_op1(&fn, IR_mov, IR_I64, G_X0, i);
    ir_gen_exit_tb(&fn, IR_EXIT_SYNC);
    ir_gen_movi(&fn, IR_I64, G_X2, 98);
    r = run();
    CHECK(r == IR_EXIT_SYNC && env.x[0] == 10 && env.x[1] == 55 && env.x[2] == 0,
          "loop: r=%u x0=%" PRIu64 " x1=%" PRIu64 " x2=%" PRIu64, r, env.x[0], env.x[1], env.x[2]);
}

/* ---- guest memory ---- */

static uint64_t ext_ref(uint64_t v, unsigned size_log2, bool sign, IRType t)
{
    unsigned bits = 8u << size_log2;
    if (bits < 64) {
        v &= (1ull << bits) - 1;
        if (sign && (v >> (bits - 1)) & 1)
            v |= ~0ull << bits;
    }
    return t == IR_I32 ? (uint32_t)v : v;
}

static void test_memory(void)
{
    for (unsigned sz = 0; sz < 4; sz++)
        for (int sign = 0; sign < 2; sign++)
            for (int t = 0; t < 2; t++)
                for (unsigned off = 0; off < 64; off++) {
                    IRType ty = (IRType)t;
                    IRMemOp mo = IR_MO_MAKE(sz, sign, TEST_MMU);
                    uint64_t addr = RAM_VA + 0x100 + off;
                    bool aligned = (off & ((1u << sz) - 1)) == 0;
                    unsigned gd = ty ? G_X3 : G_W1;
                    env_reset();
                    env.x[1] = addr;
                    ir_init(&fn, &ctx);
                    ir_gen_qld(&fn, gd, G_X1, mo, IR_SITE(4, 1));
                    ir_gen_exit_tb(&fn, IR_EXIT_SYNC);
                    slow_loads = 0;
                    uint32_t r = run();
                    uint64_t raw = 0;
                    memcpy(&raw, ram + 0x100 + off, 8);
                    uint64_t want = ext_ref(aligned ? raw : 0xf1f2f3f4f5f6f7f8ull, sz, sign, ty);
                    CHECK(r == IR_EXIT_SYNC && get_global(gd) == want,
                          "qld size %u sign %d %s off %u: got %#" PRIx64 " want %#" PRIx64, sz,
                          sign, ty ? "i64" : "i32", off, get_global(gd), want);
                    CHECK(slow_loads == (aligned ? 0 : 1), "qld misaligned must take slow path");
                    if (!aligned)
                        CHECK(slow_addr == addr && slow_mo == mo && slow_site == IR_SITE(4, 1),
                              "slow path args");
                    check_canaries("qld");

                    /* Store the same way, from a value global. */
                    if (sign)
                        continue;
                    env_reset();
                    env.x[1] = addr;
                    set_global(ty ? G_X2 : G_W0, 0x0102030405060708ull);
                    ir_init(&fn, &ctx);
                    ir_gen_qst(&fn, ty ? G_X2 : G_W0, G_X1, mo, IR_SITE(8, 2));
                    ir_gen_exit_tb(&fn, IR_EXIT_SYNC);
                    slow_stores = 0;
                    uint8_t before[TLB_PAGE_SIZE];
                    memcpy(before, ram, sizeof(ram));
                    r = run();
                    uint64_t sval = ty ? 0x0102030405060708ull : 0x05060708ull;
                    if (sz < 3)
                        sval &= (1ull << (8u << sz)) - 1;
                    if (aligned) {
                        memcpy(before + 0x100 + off, &sval, 1u << sz);
                        CHECK(memcmp(before, ram, sizeof(ram)) == 0 && slow_stores == 0,
                              "qst size %u off %u", sz, off);
                    } else {
                        CHECK(slow_stores == 1 && slow_addr == addr && slow_val == sval &&
                                  slow_mo == mo && slow_site == IR_SITE(8, 2) &&
                                  memcmp(before, ram, sizeof(ram)) == 0,
                              "misaligned qst size %u off %u", sz, off);
                    }
                }

    /* TLB miss (other mmu index), TLB_CODE write tag, and faults. */
    env_reset();
    env.x[1] = RAM_VA + 8;
    ir_init(&fn, &ctx);
    ir_gen_qld(&fn, G_X0, G_X1, IR_MO_MAKE(3, 0, 2), 0);
    ir_gen_exit_tb(&fn, 3);
    slow_loads = 0;
    CHECK(run() == 3 && slow_loads == 1 && env.x[0] == 0xf1f2f3f4f5f6f7f8ull, "miss on mmu 2");

    env_reset();
    env.tlb.e[TEST_MMU][tlb_index(RAM_VA)].tag_w |= TLB_CODE;
    env.x[1] = RAM_VA + 8;
    ir_init(&fn, &ctx);
    ir_gen_qst(&fn, G_X1, G_X1, IR_MO_MAKE(3, 0, TEST_MMU), 0);
    ir_gen_exit_tb(&fn, 3);
    slow_stores = 0;
    CHECK(run() == 3 && slow_stores == 1, "TLB_CODE must force the store slow path");

    for (int store = 0; store < 2; store++) {
        env_reset();
        env.x[1] = FAULT_VA + 16;
        env.x[0] = 0x1234;
        ir_init(&fn, &ctx);
        ir_gen_movi(&fn, IR_I64, G_X2, 7);
        if (store)
            ir_gen_qst(&fn, G_X0, G_X1, IR_MO_MAKE(2, 0, TEST_MMU), IR_SITE(6, 3));
        else
            ir_gen_qld(&fn, G_X0, G_X1, IR_MO_MAKE(2, 1, TEST_MMU), IR_SITE(6, 3));
        ir_gen_movi(&fn, IR_I64, G_X3, 9);
        ir_gen_exit_tb(&fn, IR_EXIT_SYNC);
        uint32_t r = run();
        CHECK(r == IR_EXIT_FAULT, "%s fault must exit with IR_EXIT_FAULT, got %u",
              store ? "qst" : "qld", r);
        CHECK(env.x[2] == 7 && env.x[3] == 0 && env.x[0] == 0x1234,
              "fault: ops before ran, the faulting op wrote nothing, later ops did not run");
        CHECK(slow_site == IR_SITE(6, 3), "fault site");
    }
}

/* ---- helper calls ---- */

static void test_calls(void)
{
    env_reset();
    env.x[1] = 10;
    env.w0 = 3;
    ir_init(&fn, &ctx);
    IRTemp args[4] = {G_X1, G_W0, ir_const(&fn, IR_I64, 100), ir_const(&fn, IR_I64, 1000)};
    ir_gen_call(&fn, H_PURE, G_X2, 4, args);
    ir_gen_call(&fn, H_PURE, G_W1, 2, args); /* missing args read as 0 */
    ir_gen_call(&fn, H_EXIT, G_X3, 2, args);
    ir_gen_exit_tb(&fn, 2);
    uint32_t r = run();
    CHECK(r == 2 && env.x[2] == 10 * 3 + 3 * 5 + 100 * 7 + 1000 * 11, "call with 4 args: %" PRIu64,
          env.x[2]);
    CHECK(env.w1 == 45, "call with 2 args, i32 ret: %u", env.w1);
    CHECK(env.x[3] == 13 && env.calls == 1, "non-faulting exit helper");
    check_canaries("call");

    env_reset();
    env.x[1] = 0xdead;
    env.x[3] = 77;
    ir_init(&fn, &ctx);
    IRTemp a2[2] = {G_X1, G_X1};
    ir_gen_call(&fn, H_EXIT, G_X3, 2, a2);
    ir_gen_movi(&fn, IR_I64, G_X0, 5);
    ir_gen_exit_tb(&fn, 2);
    r = run();
    CHECK(r == IR_EXIT_FAULT && env.exit_status == IR_EXIT_FAULT && env.x[3] == 77 && env.x[0] == 0,
          "exiting helper: r=%u x3=%" PRIu64 " x0=%" PRIu64, r, env.x[3], env.x[0]);

    /* Side-effecting helper sees and changes globals in env. */
    env_reset();
    env.x[0] = 4;
    ir_init(&fn, &ctx);
    ir_gen_movi(&fn, IR_I64, G_X0, 6);
    IRTemp a1[4] = {ir_const(&fn, IR_I64, 1), ir_const(&fn, IR_I64, 0), ir_const(&fn, IR_I64, 0),
                    ir_const(&fn, IR_I64, 0)};
    ir_gen_call(&fn, H_SIDE, IR_NONE, 4, a1);
    ir_gen_goto_tb(&fn, 0);
    r = run();
    CHECK(r == 0 && env.x[0] == 7 && env.hlog == 7 && env.calls == 1, "side helper");
}

/* ---- images: damaged ones are refused or harmless ---- */

/* Runs b in a child process (it may loop forever: a damaged branch target
 * is a legal loop); true unless the child crashed or ASan reported. */
static bool runs_safely(const TCIBlock *b)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return true; /* no processes here (Emscripten): the reader's checks only */
    if (pid == 0) {
        alarm(2);
        env_reset();
        env.x[1] = RAM_VA + 64;
        env.x[2] = 0x1234;
        tci_run(b, &env);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    return (WIFEXITED(st) && WEXITSTATUS(st) == 0) || (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM);
}

static void test_image_damage(void)
{
    /* A block with every operand kind: globals, frame temps, state fields,
     * guest loads/stores, a helper call, a movcond and a branch. */
    ir_init(&fn, &ctx);
    IRTemp t = ir_new_temp(&fn, IR_I64), u = ir_new_temp(&fn, IR_I64);
    unsigned skip = ir_new_label(&fn);
    ir_gen_qld(&fn, t, G_X1, IR_MO_MAKE(3, 0, TEST_MMU), IR_SITE(4, 1));
    ir_gen_ld(&fn, IR_I64, u, TE_OFF(st[1]));
    ir_gen_op2(&fn, IR_add, IR_I64, u, u, t);
    ir_gen_st(&fn, IR_I64, u, TE_OFF(st[2]));
    ir_gen_brcond(&fn, IR_I64, IR_EQ, u, ir_const(&fn, IR_I64, 7), skip);
    IRTemp args[4] = {G_X2, u, G_W0, t};
    ir_gen_call(&fn, H_SIDE, G_X3, 4, args);
    ir_gen_movcond(&fn, IR_I64, IR_LTU, G_X0, t, u, G_X2, G_X3);
    ir_gen_qst(&fn, G_W0, G_X1, IR_MO_MAKE(2, 0, TEST_MMU), IR_SITE(8, 2));
    ir_gen_label(&fn, skip);
    ir_gen_exit_tb(&fn, 1);
    TCIBlock *b = tci_compile(&fn);
    CHECK(b != NULL, "damage: compile");
    if (!b)
        return;
    WasmBuf img;
    wasm_buf_init(&img);
    CHECK(!tci_image_write(b, &ctx, &img), "damage: write");
    tci_free(b);
    const char *why;
    unsigned refused = 0, accepted = 0;
    for (size_t n = 0; n < img.len; n++) {
        TCIBlock *c = tci_image_read(img.data, n, &ctx, GUEST_LIMIT, GUEST_LIMIT, &why);
        CHECK(c == NULL, "image truncated to %zu of %zu bytes accepted", n, img.len);
        tci_free(c);
    }
    uint8_t *d = malloc(img.len);
    static const uint8_t xors[] = {0x01, 0x02, 0x10, 0x40, 0x7f, 0x80, 0xff};
    for (size_t i = 0; i < img.len && d; i++) {
        for (size_t k = 0; k < sizeof(xors); k++) {
            memcpy(d, img.data, img.len);
            d[i] ^= xors[k];
            TCIBlock *c = tci_image_read(d, img.len, &ctx, GUEST_LIMIT, GUEST_LIMIT, &why);
            if (!c) {
                refused++;
                continue;
            }
            accepted++;
            CHECK(runs_safely(c), "damaged image (byte %zu ^ %#x) accepted and crashed", i,
                  xors[k]);
            tci_free(c);
        }
    }
    /* Operands out of env, bad opcodes, TLB rows, sites, call indices. */
    CHECK(refused > accepted / 4, "damaged images: only %u refused, %u accepted", refused,
          accepted);
    printf("tci images: %zu bytes; damaged copies: %u refused, %u accepted and ran safely\n",
           img.len, refused, accepted);
    free(d);
    wasm_buf_free(&img);
}

/* ---- fused insns and aliases ---- */

static uint64_t sext32(uint32_t v)
{
    return (uint64_t)(int64_t)(int32_t)v;
}

/* "trunc; trunc|const; op_i32; exts_i32; mov" (RISC-V addw, slliw, ...):
 * the fused insns against ir_eval, every input value, both operand forms,
 * constant first or second, into a global or through a local. */
static void test_fused_w(void)
{
    static const IROpcode ops[] = {IR_add, IR_sub, IR_mul, IR_shl, IR_shr, IR_sar, IR_xor};
    for (unsigned o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
        for (unsigned i = 0; i < NVALS; i++)
            for (unsigned j = 0; j < NVALS; j += 3)
                for (int form = 0; form < 4; form++) {
                    uint64_t a = vals[i], b = vals[j], r32;
                    env_reset();
                    env.x[1] = a;
                    env.x[2] = b;
                    ir_init(&fn, &ctx);
                    IRTemp x = ir_new_temp(&fn, IR_I32), y, z = ir_new_temp(&fn, IR_I32);
                    IRTemp w = ir_new_temp(&fn, IR_I64);
                    ir_gen_op1(&fn, IR_trunc_i64, IR_I32, x, G_X1);
                    if (form & 1) {
                        y = ir_const(&fn, IR_I32, (int64_t)b);
                    } else {
                        y = ir_new_temp(&fn, IR_I32);
                        ir_gen_op1(&fn, IR_trunc_i64, IR_I32, y, G_X2);
                    }
                    ir_gen_insn_start(&fn, 4, 1);
                    bool swap = form & 2;
                    ir_gen_op2(&fn, ops[o], IR_I32, z, swap ? y : x, swap ? x : y);
                    ir_gen_op1(&fn, IR_exts_i32, IR_I64, w, z);
                    ir_gen_op1(&fn, IR_mov, IR_I64, G_X3, w);
                    /* w read again after x1 changes: it must not alias x1. */
                    ir_gen_movi(&fn, IR_I64, G_X1, 0x5555);
                    ir_gen_op2(&fn, IR_add, IR_I64, G_X0, w, ir_const(&fn, IR_I64, 1));
                    ir_gen_exit_tb(&fn, IR_EXIT_SYNC);
                    uint32_t r = run();
                    uint64_t aa = (uint32_t)a, bb = (uint32_t)b;
                    ir_eval(ops[o], IR_I32, swap ? bb : aa, swap ? aa : bb, &r32);
                    CHECK(r == IR_EXIT_SYNC && env.x[3] == sext32((uint32_t)r32) &&
                              env.x[0] == sext32((uint32_t)r32) + 1 && env.x[1] == 0x5555,
                          "fused %s_i32 form %d (%#" PRIx64 ", %#" PRIx64 "): got %#" PRIx64,
                          ir_op_defs[ops[o]].name, form, a, b, env.x[3]);
                }
}

/* "add base, const; qld/qst": displacement folded into the access, both
 * signs, hits and slow paths (which must see the full address). */
static void test_fused_mem(void)
{
    static const int64_t disps[] = {0, 8, -8, 0x7f8, -0x100, 3, 0x7fffffff, 0x80000000ll};
    for (unsigned k = 0; k < sizeof(disps) / sizeof(disps[0]); k++)
        for (int st = 0; st < 2; st++)
            for (int sub = 0; sub < 2; sub++) {
                int64_t disp = disps[k];
                uint64_t addr = RAM_VA + 0x200 + (uint64_t)disp;
                bool hit = disp < 0x800 && disp >= -0x200 && (disp & 7) == 0;
                env_reset();
                env.x[1] = RAM_VA + 0x200;
                env.x[2] = 0x1122334455667788ull;
                ir_init(&fn, &ctx);
                IRTemp a = ir_new_temp(&fn, IR_I64);
                ir_gen_op2(&fn, sub ? IR_sub : IR_add, IR_I64, a, G_X1,
                           ir_const(&fn, IR_I64, sub ? -disp : disp));
                ir_gen_insn_start(&fn, 8, 2);
                IRMemOp mo = IR_MO_MAKE(3, 0, TEST_MMU);
                if (st)
                    ir_gen_qst(&fn, G_X2, a, mo, IR_SITE(8, 2));
                else
                    ir_gen_qld(&fn, G_X3, a, mo, IR_SITE(8, 2));
                ir_gen_exit_tb(&fn, IR_EXIT_SYNC);
                slow_loads = slow_stores = 0;
                slow_addr = 0;
                uint64_t raw = 0;
                if (hit)
                    memcpy(&raw, ram + 0x200 + disp, 8);
                uint32_t r = run();
                bool ok = r == IR_EXIT_SYNC;
                if (hit && st) {
                    uint64_t got;
                    memcpy(&got, ram + 0x200 + disp, 8);
                    ok = ok && got == env.x[2] && slow_stores == 0;
                } else if (hit) {
                    ok = ok && env.x[3] == raw && slow_loads == 0;
                } else {
                    ok = ok && (st ? slow_stores : slow_loads) == 1 && slow_addr == addr &&
                         slow_mo == mo && slow_site == IR_SITE(8, 2);
                }
                CHECK(ok, "fused %s disp %" PRId64 " %s", st ? "qst" : "qld", disp,
                      sub ? "sub" : "add");
            }
}

/* "ld; add; st" (next PC): the ld aliases its state slot and the add writes
 * the st's slot; an alias whose source is written before its last read
 * must read the old value. */
static void test_alias_redirect(void)
{
    env_reset();
    env.st[0] = 1000;
    ir_init(&fn, &ctx);
    IRTemp t = ir_new_temp(&fn, IR_I64), u = ir_new_temp(&fn, IR_I64);
    ir_gen_ld(&fn, IR_I64, t, TE_OFF(st[0]));
    ir_gen_op2(&fn, IR_add, IR_I64, u, t, ir_const(&fn, IR_I64, 6));
    ir_gen_st(&fn, IR_I64, u, TE_OFF(st[1]));
    ir_gen_exit_tb(&fn, IR_EXIT_JUMP);
    CHECK(run() == IR_EXIT_JUMP && env.st[1] == 1006 && env.st[0] == 1000, "ld/add/st: %" PRIu64,
          env.st[1]);

    /* Source overwritten between the ld/trunc and a read. */
    env_reset();
    env.st[0] = 7;
    env.x[1] = 0x100000009ull;
    ir_init(&fn, &ctx);
    t = ir_new_temp(&fn, IR_I64);
    IRTemp x = ir_new_temp(&fn, IR_I32);
    ir_gen_ld(&fn, IR_I64, t, TE_OFF(st[0]));
    ir_gen_op1(&fn, IR_trunc_i64, IR_I32, x, G_X1);
    ir_gen_st(&fn, IR_I64, G_X1, TE_OFF(st[0]));
    ir_gen_movi(&fn, IR_I64, G_X1, 0);
    ir_gen_op2(&fn, IR_add, IR_I64, G_X2, t, ir_const(&fn, IR_I64, 1));
    ir_gen_op1(&fn, IR_extu_i32, IR_I64, G_X3, x);
    ir_gen_exit_tb(&fn, IR_EXIT_JUMP);
    CHECK(run() == IR_EXIT_JUMP && env.x[2] == 8 && env.x[3] == 9,
          "aliases across writes: %" PRIu64 " %" PRIu64, env.x[2], env.x[3]);

    /* A helper call that writes globals ends a global's alias. */
    env_reset();
    env.x[0] = 5;
    ir_init(&fn, &ctx);
    x = ir_new_temp(&fn, IR_I32);
    ir_gen_op1(&fn, IR_trunc_i64, IR_I32, x, G_X0);
    IRTemp args[4] = {G_X2, G_X2, G_X2, G_X2};
    env.x[2] = 3;
    ir_gen_call(&fn, H_SIDE, IR_NONE, 4, args);
    ir_gen_op1(&fn, IR_extu_i32, IR_I64, G_X3, x);
    ir_gen_exit_tb(&fn, IR_EXIT_JUMP);
    CHECK(run() == IR_EXIT_JUMP && env.x[3] == 5 && env.x[0] == 8, "alias across call: %" PRIu64,
          env.x[3]);
}

/* ---- speed: a typical ALU-heavy TB ---- */

static void bench(void)
{
    env_reset();
    ir_init(&fn, &ctx);
    unsigned top = ir_new_label(&fn);
    IRTemp n = ir_new_temp(&fn, IR_I64);
    ir_gen_movi(&fn, IR_I64, n, 0);
    ir_gen_label(&fn, top);
    int nops = 0;
    for (int k = 0; k < 10; k++) {
        IRTemp t = ir_new_temp(&fn, IR_I64);
        ir_gen_op2(&fn, IR_add, IR_I64, t, G_X1, ir_const(&fn, IR_I64, k + 1));
        ir_gen_op2(&fn, IR_xor, IR_I64, G_X2, G_X2, t);
        ir_gen_op2(&fn, IR_shl, IR_I64, t, G_X2, ir_const(&fn, IR_I64, 3));
        ir_gen_op2(&fn, IR_sub, IR_I64, G_X1, t, G_X3);
        nops += 4;
    }
    ir_gen_op2(&fn, IR_add, IR_I64, n, n, ir_const(&fn, IR_I64, 1));
    ir_gen_brcond(&fn, IR_I64, IR_LTU, n, ir_const(&fn, IR_I64, 1000000), top);
    ir_gen_exit_tb(&fn, 0);
    nops += 2;
    TCIBlock *b = tci_compile(&fn);
    CHECK(b != NULL, "bench compile");
    if (!b)
        return;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tci_run(b, &env);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
    printf("tci: %.2f ns per IR op (%zu bytes of code)\n", ns / (1e6 * nops), tci_size(b));
    tci_free(b);
}

int main(void)
{
    test_values();
    test_conds();
    test_state_and_flow();
    test_memory();
    test_calls();
    test_fused_w();
    test_fused_mem();
    test_alias_redirect();
    test_image_damage();
    bench();
    if (failures) {
        printf("test-tci: %d failure(s)\n", failures);
        return 1;
    }
    printf("test-tci: ok\n");
    return 0;
}
