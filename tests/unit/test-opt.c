/* test-opt.c - the optimiser: targeted checks of folding, copy propagation,
 * branch folding, dead code and output retargeting, then a randomized
 * equivalence test: random IR functions run under TCI before and after
 * opt_run() from the same random states must end in identical states
 * (globals, CPU state, memory, helper and slow-path effects, exit status).
 * The unoptimised function also runs under TCI without fusion
 * (TCI_NO_FUSE), which checks TCI's fused insns and aliases too. */
#include "ir-test-env.h"
#include "ir/opt.h"
#include "tci/tci.h"

#include <stdlib.h>

#define RAM_VA 0x80001000ull
#define TEST_MMU 1
static _Alignas(8) uint8_t ram[TLB_PAGE_SIZE];
static uint64_t slow_hash; /* every slow-path access, in order */

/* Misses: addresses with bit 40 set fault, others read a value derived
 * from the address and record themselves. */
static int te_load_slow(void *env, uint64_t addr, uint32_t memop, uint32_t site, uint64_t *val)
{
    (void)env;
    slow_hash = slow_hash * 1000003 + addr + memop + site;
    if (addr & (1ull << 40))
        return IR_EXIT_FAULT;
    *val = addr * 0x9e3779b97f4a7c15ull;
    return 0;
}

static int te_store_slow(void *env, uint64_t addr, uint64_t val, uint32_t memop, uint32_t site)
{
    (void)env;
    slow_hash = slow_hash * 1000003 + addr + val * 7 + memop + site;
    return (addr & (1ull << 40)) ? IR_EXIT_FAULT : 0;
}

static const IRContext ctx = TE_CONTEXT(te_load_slow, te_store_slow);

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static unsigned rndn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static void env_init(TestEnv *e, uint64_t seed)
{
    uint64_t saved = rng_state;
    rng_state = seed | 1;
    memset(e, 0, sizeof(*e));
    for (int i = 0; i < TE_NX; i++)
        e->x[i] = rndn(4) ? rnd() : rndn(8);
    e->w0 = (uint32_t)rnd();
    e->w1 = (uint32_t)rndn(5);
    e->canary0 = 0xc0c0c0c0;
    e->canary1 = 0xc1c1c1c1;
    for (int i = 0; i < 4; i++)
        e->st[i] = rnd();
    for (int m = 0; m < TLB_NB_MMU; m++)
        for (unsigned i = 0; i < TLB_SIZE; i++)
            e->tlb.e[m][i].tag_r = e->tlb.e[m][i].tag_w = TLB_INVALID;
    TLBEntry *t = &e->tlb.e[TEST_MMU][tlb_index(RAM_VA)];
    t->tag_r = t->tag_w = RAM_VA;
    t->addend = (int64_t)((uintptr_t)ram - RAM_VA);
    for (unsigned i = 0; i < sizeof(ram); i += 8) {
        uint64_t v = rnd();
        memcpy(ram + i, &v, 8);
    }
    slow_hash = 0;
    rng_state = saved;
}

typedef struct RunResult {
    uint32_t ret;
    TestEnv env; /* frame excluded from comparisons */
    uint8_t ram[TLB_PAGE_SIZE];
    uint64_t slow_hash;
} RunResult;

static TestEnv run_env;
static void run_fn(const IRFunc *f, uint64_t seed, RunResult *r, unsigned flags)
{
    env_init(&run_env, seed);
    TCIBlock *b = tci_compile_flags(f, flags);
    CHECK(b != NULL, "tci_compile");
    r->ret = b ? tci_run(b, &run_env) : 0xffffffff;
    tci_free(b);
    r->env = run_env;
    memcpy(r->ram, ram, sizeof(ram));
    r->slow_hash = slow_hash;
}

static bool same_result(const RunResult *a, const RunResult *b)
{
    return a->ret == b->ret && memcmp(a->env.x, b->env.x, sizeof(a->env.x)) == 0 &&
           a->env.w0 == b->env.w0 && a->env.w1 == b->env.w1 && a->env.canary0 == b->env.canary0 &&
           a->env.canary1 == b->env.canary1 &&
           memcmp(a->env.st, b->env.st, sizeof(a->env.st)) == 0 &&
           a->env.exit_status == b->env.exit_status && a->env.calls == b->env.calls &&
           a->env.hlog == b->env.hlog && memcmp(a->ram, b->ram, sizeof(a->ram)) == 0 &&
           a->slow_hash == b->slow_hash;
}

static IRFunc f0, f1;
static RunResult ra, rb, rc;

/* opt_run(f) must not change what f does, from a few states. */
static bool check_equiv(IRFunc *f, const char *what)
{
    f1 = *f;
    opt_run(&f1);
    bool ok = f1.nops <= f->nops;
    for (uint64_t s = 1; s <= 3 && ok; s++) {
        run_fn(f, s * 0x1234567, &ra, TCI_NO_FUSE);
        run_fn(&f1, s * 0x1234567, &rb, 0);
        run_fn(f, s * 0x1234567, &rc, 0);
        CHECK(same_result(&ra, &rc), "%s: TCI fused/plain differ", what);
        ok = same_result(&ra, &rb) && same_result(&ra, &rc);
    }
    CHECK(ok, "%s: optimised function behaves differently", what);
    if (!ok && failures < 4) {
        printf("--- before:\n");
        ir_dump(f, stdout);
        printf("--- after:\n");
        ir_dump(&f1, stdout);
        printf("ret %u/%u x0 %#" PRIx64 "/%#" PRIx64 " x1 %#" PRIx64 "/%#" PRIx64 "\n", ra.ret,
               rb.ret, ra.env.x[0], rb.env.x[0], ra.env.x[1], rb.env.x[1]);
    }
    return ok;
}

/* ---- targeted tests ---- */

static unsigned count_op(const IRFunc *f, IROpcode opc)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->nops; i++)
        n += f->ops[i].opc == opc;
    return n;
}

static void test_targeted(void)
{
    IRFunc *f = &f0;

    /* Constant folding, and the constants' movi die. */
    ir_init(f, &ctx);
    ir_gen_op2(f, IR_add, IR_I64, G_X0, ir_const(f, IR_I64, 3), ir_const(f, IR_I64, 4));
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "fold add");
    CHECK(f1.nops == 2 && f1.ops[0].opc == IR_movi && f1.ops[0].args[0] == G_X0 &&
              f1.ops[0].imm == 7,
          "add of constants -> movi x0, 7 (nops %u)", f1.nops);

    /* i32 folding wraps and is masked. */
    ir_init(f, &ctx);
    ir_gen_op2(f, IR_add, IR_I32, G_W0, ir_const(f, IR_I32, 0xffffffff), ir_const(f, IR_I32, 2));
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "fold add_i32");
    CHECK(f1.nops == 2 && f1.ops[0].opc == IR_movi && f1.ops[0].imm == 1, "i32 wrap fold");

    /* Copy propagation makes the mov dead. */
    ir_init(f, &ctx);
    IRTemp t = ir_new_temp(f, IR_I64);
    ir_gen_op1(f, IR_mov, IR_I64, t, G_X1);
    ir_gen_op2(f, IR_add, IR_I64, G_X0, t, G_X2);
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "copy prop");
    CHECK(f1.nops == 2 && f1.ops[0].opc == IR_add && f1.ops[0].args[1] == G_X1 &&
              f1.ops[0].args[2] == G_X2,
          "mov t, x1; add x0, t, x2 -> add x0, x1, x2");

    /* Identities: produce a constant, produce a copy. */
    ir_init(f, &ctx);
    ir_gen_op2(f, IR_and, IR_I64, G_X0, G_X1, ir_const(f, IR_I64, 0));
    ir_gen_op2(f, IR_xor, IR_I64, G_X2, G_X1, G_X1);
    ir_gen_op2(f, IR_shl, IR_I64, G_X3, G_X1, ir_const(f, IR_I64, 64));
    ir_gen_op2(f, IR_or, IR_I32, G_W0, G_W1, ir_const(f, IR_I32, 0));
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "identities");
    CHECK(count_op(&f1, IR_movi) == 2 && count_op(&f1, IR_mov) == 2 && f1.nops == 5,
          "and 0 / xor x,x -> movi; shl 64 / or 0 -> mov (nops %u)", f1.nops);

    /* Dead code: pure ops and pure calls die; side effects and qld stay. */
    ir_init(f, &ctx);
    IRTemp d1 = ir_new_temp(f, IR_I64), d2 = ir_new_temp(f, IR_I64), d3 = ir_new_temp(f, IR_I64);
    IRTemp args[4] = {G_X1, G_X2, G_X3, G_X0};
    ir_gen_op2(f, IR_mul, IR_I64, d1, G_X1, G_X2);
    ir_gen_call(f, H_PURE, d2, 4, args);
    ir_gen_call(f, H_SIDE, IR_NONE, 4, args);
    ir_gen_qld(f, d3, G_X1, IR_MO_MAKE(3, 0, TEST_MMU), 0);
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "dce");
    CHECK(f1.nops == 3 && f1.ops[0].opc == IR_call && f1.ops[0].imm == H_SIDE &&
              f1.ops[1].opc == IR_qld,
          "dead mul and pure call removed, side call and qld kept (nops %u)", f1.nops);

    /* Dead global writes die unless something may read them in env. */
    ir_init(f, &ctx);
    ir_gen_movi(f, IR_I64, G_X0, 1);
    ir_gen_movi(f, IR_I64, G_X0, 2);
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "dead global write");
    CHECK(f1.nops == 2 && f1.ops[0].imm == 2, "overwritten global write removed");
    ir_init(f, &ctx);
    ir_gen_movi(f, IR_I64, G_X0, 1);
    ir_gen_qld(f, G_X2, G_X1, IR_MO_MAKE(3, 0, TEST_MMU), 0);
    ir_gen_movi(f, IR_I64, G_X0, 2);
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "global before qld");
    CHECK(f1.nops == 4, "global write before a qld (may fault) must stay");

    /* Constant branches: taken -> br and the skipped code goes; not taken
     * -> removed, label unused -> removed. */
    ir_init(f, &ctx);
    unsigned l1 = ir_new_label(f), l2 = ir_new_label(f);
    IRTemp c5 = ir_const(f, IR_I64, 5);
    ir_gen_brcond(f, IR_I64, IR_EQ, c5, ir_const(f, IR_I64, 5), l1);
    ir_gen_movi(f, IR_I64, G_X0, 1);
    ir_gen_label(f, l1);
    ir_gen_brcond(f, IR_I64, IR_LTU, c5, ir_const(f, IR_I64, 5), l2);
    ir_gen_movi(f, IR_I64, G_X1, 1);
    ir_gen_label(f, l2);
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "const branches");
    CHECK(count_op(&f1, IR_brcond) == 0 && count_op(&f1, IR_movi) == 1 &&
              f1.ops[f1.nops - 2].args[0] == G_X1,
          "constant brconds folded");

    /* Knowledge about globals dies at a side-effecting call... */
    ir_init(f, &ctx);
    t = ir_new_temp(f, IR_I64);
    ir_gen_op1(f, IR_mov, IR_I64, t, G_X0);
    IRTemp a1[4] = {ir_const(f, IR_I64, 9), G_X2, G_X2, G_X2};
    ir_gen_call(f, H_SIDE, IR_NONE, 4, a1);
    ir_gen_op1(f, IR_mov, IR_I64, G_X3, t);
    ir_gen_op2(f, IR_add, IR_I64, G_X2, G_X0, ir_const(f, IR_I64, 0));
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "copy across helper");
    /* ... and at a st into a global's slot. */
    ir_init(f, &ctx);
    ir_gen_movi(f, IR_I64, G_X0, 1);
    ir_gen_st(f, IR_I64, G_X2, TE_OFF(x[0]));
    ir_gen_op1(f, IR_mov, IR_I64, G_X1, G_X0);
    ir_gen_st(f, IR_I32, ir_const(f, IR_I32, 0x77), TE_OFF(w1));
    ir_gen_op1(f, IR_mov, IR_I32, G_W0, G_W1);
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "st aliasing a global");
    CHECK(f1.nops == f0.nops - 1, "only the dead movi goes (nops %u)", f1.nops);

    /* A local live across a label is kept; a dead one before a branch goes. */
    ir_init(f, &ctx);
    unsigned l3 = ir_new_label(f);
    IRTemp live = ir_new_temp(f, IR_I64), dead = ir_new_temp(f, IR_I64);
    ir_gen_op2(f, IR_add, IR_I64, live, G_X1, G_X2);
    ir_gen_op2(f, IR_sub, IR_I64, dead, G_X1, G_X2);
    ir_gen_brcond(f, IR_I64, IR_LT, G_X1, G_X2, l3);
    ir_gen_movi(f, IR_I64, G_X3, 3);
    ir_gen_label(f, l3);
    ir_gen_op1(f, IR_mov, IR_I64, G_X0, live);
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "liveness across labels");
    CHECK(count_op(&f1, IR_add) == 1 && count_op(&f1, IR_sub) == 0, "local liveness at labels");

    /* Retargeting: "add t; mov x0, t; use t" -> "add x0; use x0". */
    ir_init(f, &ctx);
    t = ir_new_temp(f, IR_I64);
    ir_gen_op2(f, IR_add, IR_I64, t, G_X1, G_X2);
    ir_gen_insn_start(f, 4, 1);
    ir_gen_op1(f, IR_mov, IR_I64, G_X0, t);
    ir_gen_op2(f, IR_xor, IR_I64, G_X3, t, G_X1);
    ir_gen_exit_tb(f, 0);
    check_equiv(f, "retarget");
    CHECK(count_op(&f1, IR_mov) == 0 && f1.ops[0].opc == IR_add && f1.ops[0].args[0] == G_X0 &&
              f1.ops[2].args[1] == G_X0,
          "add t; mov x0, t; xor x3, t -> add x0; xor x3, x0");

    /* Not across an op that may fault (x0 would change too early), nor
     * when x0 is read or written in between, nor when a later read of t
     * comes after x0 changed. */
    for (int k = 0; k < 4; k++) {
        ir_init(f, &ctx);
        t = ir_new_temp(f, IR_I64);
        ir_gen_op2(f, IR_add, IR_I64, t, G_X1, G_X2);
        if (k == 0)
            ir_gen_qld(f, G_X3, G_X1, IR_MO_MAKE(3, 0, TEST_MMU), 0);
        if (k == 1)
            ir_gen_op2(f, IR_add, IR_I64, G_X3, G_X0, G_X1);
        if (k == 2) {
            IRTemp args[4] = {G_X1, G_X1, G_X1, G_X1};
            ir_gen_call(f, H_SIDE, IR_NONE, 4, args);
        }
        ir_gen_op1(f, IR_mov, IR_I64, G_X0, t);
        if (k == 3) {
            ir_gen_qld(f, G_X2, G_X1, IR_MO_MAKE(3, 0, TEST_MMU), 0);
            ir_gen_op2(f, IR_add, IR_I64, G_X0, G_X0, G_X1);
        }
        ir_gen_op2(f, IR_xor, IR_I64, G_X3, t, G_X3);
        ir_gen_exit_tb(f, 0);
        check_equiv(f, "no retarget");
        CHECK(count_op(&f1, IR_mov) == 1, "retarget must not happen (case %d)", k);
    }
}

/* ---- random IR ---- */

static const uint64_t interesting[] = {0,
                                       1,
                                       2,
                                       3,
                                       8,
                                       31,
                                       32,
                                       63,
                                       64,
                                       0xff,
                                       0x7fffffff,
                                       0x80000000,
                                       0xffffffff,
                                       0x8000000000000000ull,
                                       0xffffffffffffffffull,
                                       0xdead};

typedef struct Gen {
    IRFunc *f;
    IRTemp pool[IR_MAX_TEMPS];
    unsigned npool;
    unsigned open[8], open_min[8], nopen; /* labels branched to, not placed */
} Gen;

static IRTemp pick(Gen *g, IRType t)
{
    for (;;) {
        unsigned n = g->npool;
        unsigned k = rndn(n + 3);
        IRTemp c;
        if (k < n)
            c = g->pool[k];
        else if (t == IR_I64)
            c = (IRTemp)(G_X0 + rndn(4));
        else
            c = (IRTemp)(G_W0 + rndn(2));
        if (g->f->temp_type[c] == t)
            return c;
    }
}

/* An output: a new local, an existing local or a global. */
static IRTemp pick_dst(Gen *g, IRType t)
{
    unsigned k = rndn(8);
    if (k < 4 || g->npool == 0) {
        IRTemp n = ir_new_temp(g->f, t);
        g->pool[g->npool++] = n;
        return n;
    }
    if (k < 6)
        return pick(g, t);
    return t == IR_I64 ? (IRTemp)(G_X0 + rndn(4)) : (IRTemp)(G_W0 + rndn(2));
}

static IRTemp gen_const(Gen *g, IRType t)
{
    uint64_t v = rndn(3) ? interesting[rndn(sizeof(interesting) / sizeof(interesting[0]))] : rnd();
    IRTemp d = ir_new_temp(g->f, t);
    g->pool[g->npool++] = d;
    ir_gen_movi(g->f, t, d, (int64_t)v);
    return d;
}

static IRTemp operand(Gen *g, IRType t)
{
    return rndn(4) == 0 ? gen_const(g, t) : pick(g, t);
}

static void place_label(Gen *g, unsigned i)
{
    ir_gen_label(g->f, g->open[i]);
    if (g->open_min[i] < g->npool)
        g->npool = g->open_min[i];
    g->open[i] = g->open[--g->nopen];
    g->open_min[i] = g->open_min[g->nopen];
    /* The pool is a stack: entries past npool will be other temps now. */
    for (unsigned j = 0; j < g->nopen; j++)
        if (g->open_min[j] > g->npool)
            g->open_min[j] = g->npool;
}

static void branch_to(Gen *g, bool cond)
{
    unsigned i;
    if (g->nopen < 8 && (g->nopen == 0 || rndn(2))) {
        i = g->nopen++;
        g->open[i] = ir_new_label(g->f);
        g->open_min[i] = g->npool;
    } else {
        i = rndn(g->nopen);
        if (g->npool < g->open_min[i])
            g->open_min[i] = g->npool;
    }
    if (cond) {
        IRType t = (IRType)rndn(2);
        IRTemp a = operand(g, t), b = operand(g, t);
        if (g->npool < g->open_min[i])
            g->open_min[i] = g->npool;
        ir_gen_brcond(g->f, t, (IRCond)rndn(10), a, b, g->open[i]);
    } else {
        ir_gen_br(g->f, g->open[i]);
    }
}

static IRTemp mem_addr(Gen *g);

/* One op without control flow, between the ops of a pattern. */
static void gen_filler(Gen *g)
{
    IRFunc *f = g->f;
    IRTemp args[4];
    switch (rndn(4)) {
    case 0:
        ir_gen_op2(f, IR_xor, IR_I64, pick_dst(g, IR_I64), pick(g, IR_I64), pick(g, IR_I64));
        break;
    case 1:
        for (unsigned i = 0; i < 4; i++)
            args[i] = pick(g, IR_I64);
        ir_gen_call(f, rndn(2) ? H_SIDE : H_PURE, pick_dst(g, IR_I64), 4, args);
        break;
    case 2: ir_gen_qld(f, pick_dst(g, IR_I64), mem_addr(g), IR_MO_MAKE(3, 0, TEST_MMU), 7); break;
    default: ir_gen_st(f, IR_I64, pick(g, IR_I64), TE_OFF(st[rndn(4)])); break;
    }
}

static IRTemp mem_addr(Gen *g)
{
    IRTemp a = pick(g, IR_I64);
    if (rndn(4) == 0)
        return a; /* anything: usually a miss, sometimes a fault */
    IRTemp m = ir_new_temp(g->f, IR_I64), r = ir_new_temp(g->f, IR_I64);
    ir_gen_op2(g->f, IR_and, IR_I64, m, a, ir_const(g->f, IR_I64, rndn(3) ? 0xff8 : 0xfff));
    ir_gen_op2(g->f, IR_add, IR_I64, r, m, ir_const(g->f, IR_I64, (int64_t)RAM_VA));
    return r;
}

/* Shapes a RISC-V frontend emits, which TCI fuses and opt retargets. */
static void gen_pattern(Gen *g)
{
    IRFunc *f = g->f;
    static const IROpcode wops[] = {IR_add, IR_sub, IR_mul, IR_shl, IR_shr, IR_sar, IR_xor};
    switch (rndn(5)) {
    case 0: { /* addw/slliw: trunc, op_i32, exts_i32, mov to a global */
        IRTemp x = ir_new_temp(f, IR_I32), z = ir_new_temp(f, IR_I32), w = ir_new_temp(f, IR_I64);
        ir_gen_op1(f, IR_trunc_i64, IR_I32, x, pick(g, IR_I64));
        IRTemp y;
        if (rndn(2)) {
            y = ir_new_temp(f, IR_I32);
            ir_gen_op1(f, IR_trunc_i64, IR_I32, y, pick(g, IR_I64));
        } else {
            y = ir_const(f, IR_I32, rndn(2) ? rndn(40) : (int64_t)rnd());
        }
        IROpcode o = wops[rndn(7)];
        if (rndn(4) == 0)
            ir_gen_op2(f, o, IR_I32, z, y, x);
        else
            ir_gen_op2(f, o, IR_I32, z, x, y);
        ir_gen_op1(f, IR_exts_i32, IR_I64, w, z);
        if (rndn(3))
            ir_gen_op1(f, IR_mov, IR_I64, (IRTemp)(G_X0 + rndn(4)), w);
        g->pool[g->npool++] = w;
        break;
    }
    case 1: { /* load/store at base + small offset */
        IRTemp base = mem_addr(g), a = ir_new_temp(f, IR_I64);
        IRTemp k = ir_const(f, IR_I64, (int64_t)rndn(33) - 16);
        if (rndn(3))
            ir_gen_op2(f, IR_add, IR_I64, a, base, k);
        else
            ir_gen_op2(f, rndn(2) ? IR_sub : IR_add, IR_I64, a, rndn(2) ? base : k,
                       rndn(2) ? k : base);
        ir_gen_insn_start(f, rndn(64), rndn(16));
        unsigned sz = rndn(4);
        if (rndn(2)) {
            IRType lt = rndn(4) ? IR_I64 : IR_I32;
            IRTemp d = rndn(2) ? (IRTemp)(lt == IR_I64 ? G_X0 + rndn(4) : G_W0 + rndn(2))
                               : pick_dst(g, lt);
            ir_gen_qld(f, d, a, IR_MO_MAKE(sz, rndn(2), TEST_MMU), rnd() & 0xffff);
        } else {
            IRType vt = rndn(4) ? IR_I64 : IR_I32;
            ir_gen_qst(f, pick(g, vt), a, IR_MO_MAKE(sz, 0, TEST_MMU), rnd() & 0xffff);
        }
        break;
    }
    case 2: { /* next PC: ld, add, st */
        IRTemp t = ir_new_temp(f, IR_I64), u = ir_new_temp(f, IR_I64);
        ir_gen_ld(f, IR_I64, t, rndn(2) ? TE_OFF(st[rndn(4)]) : te_globals[rndn(4)].offset);
        ir_gen_op2(f, IR_add, IR_I64, u, t, ir_const(f, IR_I64, rndn(64)));
        if (rndn(4) == 0)
            gen_filler(g);
        ir_gen_st(f, IR_I64, rndn(3) ? u : t, TE_OFF(st[rndn(4)]));
        break;
    }
    case 3: { /* op into a local, copied to a global, the local read again */
        IRType t = (IRType)rndn(2);
        IRTemp d = ir_new_temp(f, t),
               gl = t == IR_I64 ? (IRTemp)(G_X0 + rndn(4)) : (IRTemp)(G_W0 + rndn(2));
        ir_gen_op2(f, wops[rndn(7)], t, d, pick(g, t), operand(g, t));
        if (rndn(3) == 0)
            gen_filler(g);
        ir_gen_op1(f, IR_mov, t, gl, d);
        g->pool[g->npool++] = d;
        break;
    }
    default: { /* load into a local, copied to a global */
        IRTemp d = ir_new_temp(f, IR_I64);
        ir_gen_qld(f, d, mem_addr(g), IR_MO_MAKE(rndn(4), rndn(2), TEST_MMU), rnd() & 0xffff);
        ir_gen_op1(f, IR_mov, IR_I64, (IRTemp)(G_X0 + rndn(4)), d);
        g->pool[g->npool++] = d;
        break;
    }
    }
}

static void gen_op(Gen *g)
{
    IRFunc *f = g->f;
    IRType t = (IRType)rndn(2);
    static const IROpcode bin[] = {IR_add, IR_sub, IR_mul, IR_mulsh, IR_muluh, IR_mulsuh,
                                   IR_and, IR_or,  IR_xor, IR_shl,   IR_shr,   IR_sar};
    static const IROpcode un[] = {IR_mov,    IR_neg,    IR_not,    IR_ext8s, IR_ext8u,
                                  IR_ext16s, IR_ext16u, IR_ext32s, IR_ext32u};
    unsigned k = rndn(125);
    if (k < 30) {
        IRTemp a = operand(g, t), b = operand(g, t);
        ir_gen_op2(f, bin[rndn(12)], t, pick_dst(g, t), a, b);
    } else if (k < 40) {
        IRTemp a = operand(g, t);
        ir_gen_op1(f, un[rndn(9)], t, pick_dst(g, t), a);
    } else if (k < 44) {
        IRTemp a = operand(g, IR_I32);
        ir_gen_op1(f, rndn(2) ? IR_extu_i32 : IR_exts_i32, IR_I64, pick_dst(g, IR_I64), a);
    } else if (k < 47) {
        IRTemp a = operand(g, IR_I64);
        ir_gen_op1(f, IR_trunc_i64, IR_I32, pick_dst(g, IR_I32), a);
    } else if (k < 52) {
        gen_const(g, t);
    } else if (k < 56) {
        IRTemp a = operand(g, t), b = operand(g, t);
        ir_gen_setcond(f, t, (IRCond)rndn(10), pick_dst(g, t), a, b);
    } else if (k < 59) {
        IRTemp a = operand(g, t), b = operand(g, t), c = operand(g, t), e = operand(g, t);
        ir_gen_movcond(f, t, (IRCond)rndn(10), pick_dst(g, t), a, b, c, e);
    } else if (k < 63) {
        /* ld from plain state or from a global's own slot */
        uint32_t off =
            rndn(2) ? TE_OFF(st[rndn(4)]) : te_globals[t ? rndn(4) : G_W0 + rndn(2)].offset;
        ir_gen_ld(f, t, pick_dst(g, t), off);
    } else if (k < 67) {
        uint32_t off =
            rndn(2) ? TE_OFF(st[rndn(4)]) : te_globals[t ? rndn(4) : G_W0 + rndn(2)].offset;
        ir_gen_st(f, t, operand(g, t), off);
    } else if (k < 72) {
        unsigned h = rndn(TE_NHELPERS);
        IRTemp args[4];
        unsigned n = te_helpers[h].nargs;
        for (unsigned i = 0; i < n; i++)
            args[i] = (h == H_EXIT && i == 0 && rndn(6) == 0) ? ir_const(f, IR_I64, 0xdead)
                                                              : operand(g, IR_I64);
        IRTemp r = rndn(4) ? pick_dst(g, IR_I64) : IR_NONE;
        ir_gen_call(f, h, r, n, args);
    } else if (k < 78) {
        IRTemp a = mem_addr(g);
        unsigned sz = rndn(4);
        IRType lt = rndn(4) ? IR_I64 : IR_I32;
        ir_gen_qld(f, pick_dst(g, lt), a, IR_MO_MAKE(sz, rndn(2), TEST_MMU), rnd() & 0xffff);
    } else if (k < 83) {
        IRTemp a = mem_addr(g);
        IRType vt = rndn(4) ? IR_I64 : IR_I32;
        ir_gen_qst(f, operand(g, vt), a, IR_MO_MAKE(rndn(4), 0, TEST_MMU), rnd() & 0xffff);
    } else if (k < 90) {
        branch_to(g, true);
    } else if (k < 92) {
        branch_to(g, false);
    } else if (k < 95 && g->nopen) {
        place_label(g, rndn(g->nopen));
    } else if (k < 96) {
        ir_gen_exit_tb(f, (IRExit)rndn(4));
    } else if (k < 100) {
        ir_gen_insn_start(f, rndn(64), rndn(16));
    } else {
        gen_pattern(g);
    }
}

static void gen_function(IRFunc *f, unsigned len)
{
    static Gen g;
    memset(&g, 0, sizeof(g));
    g.f = f;
    ir_init(f, &ctx);
    for (unsigned i = 0; i < len && f->nops < IR_MAX_OPS - 64; i++)
        gen_op(&g);
    while (g.nopen)
        place_label(&g, g.nopen - 1);
    ir_gen_st(f, IR_I64, operand(&g, IR_I64), TE_OFF(st[0]));
    ir_gen_goto_tb(f, rndn(2));
}

static void test_random(void)
{
    unsigned before = 0, after = 0, cases = 6000;
    for (unsigned i = 0; i < cases; i++) {
        rng_state = 0x9e3779b97f4a7c15ull * (i + 1);
        gen_function(&f0, 10 + rndn(80));
        if (!check_equiv(&f0, "random"))
            printf("  (case %u)\n", i);
        before += f0.nops;
        after += f1.nops;
        if (failures > 20)
            break;
    }
    printf("random: %u cases, %u ops -> %u after opt\n", cases, before, after);
}

int main(void)
{
    test_targeted();
    test_random();
    if (failures) {
        printf("test-opt: %d failure(s)\n", failures);
        return 1;
    }
    printf("test-opt: ok\n");
    return 0;
}
