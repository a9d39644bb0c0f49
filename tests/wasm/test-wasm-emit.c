/* test-wasm-emit.c - expect tests of the IR -> Wasm emitter (runtime/wasm).
 *
 * Builds IR by hand and with the RV64 frontend, emits Wasm modules, checks
 * them with wasm-validate and compares wasm2wat's text with the reviewed
 * goldens in expect/ (KILN_UPDATE_EXPECT=1 rewrites the goldens).
 * Then runs the same functions under TCI here and under Node (run-exec.js)
 * and compares status, env and guest memory.
 * Usage: test-wasm-emit EXPECT_DIR OUT_DIR WASM_VALIDATE WASM2WAT NODE RUN_EXEC_JS
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ir/opt.h"
#include "riscv/helpers.h"
#include "riscv/translate-internal.h"
#include "tci/tci.h"
#include "wasm/emit.h"

#include "../check.h"

static const char *expect_dir, *out_dir, *validate_prog, *wat_prog;

/* ---- a small hand-made guest: 3 i64 globals, 1 i32 global ---- */

typedef struct TestEnv {
    uint64_t g[3];
    uint32_t w;
    uint32_t exit_status;
    uint64_t tb_pc;
    uint64_t icount, icount_limit;
    uint64_t scratch;
    uint64_t frame[64];
    TLB tlb;
} TestEnv;

#define TOFF(field) ((uint32_t)offsetof(TestEnv, field))

static uint64_t h_add(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)env, (void)c, (void)d;
    return a + b;
}
/* Writes g1 = a (a state helper). */
static uint64_t h_setg1(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)b, (void)c, (void)d;
    ((TestEnv *)env)->g[1] = a;
    return 0;
}
/* Faults (exit status 4) when a == 0, else returns a * 3. */
static uint64_t h_check(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    (void)b, (void)c, (void)d;
    if (a == 0)
        ((TestEnv *)env)->exit_status = IR_EXIT_FAULT;
    return a * 3;
}

static const IRGlobal t_globals[] = {
    {"g0", TOFF(g[0]), IR_I64},
    {"g1", TOFF(g[1]), IR_I64},
    {"g2", TOFF(g[2]), IR_I64},
    {"w", TOFF(w), IR_I32},
};
enum { H_ADD, H_SETG1, H_CHECK, NB_TH };
static const IRHelper t_helpers[NB_TH] = {
    [H_ADD] = {"add", h_add, 2, 1, IR_H_PURE},
    [H_SETG1] = {"setg1", h_setg1, 1, 0, IR_H_STATE},
    [H_CHECK] = {"check", h_check, 1, 1, IR_H_EXIT},
};
static const IRContext t_ctx = {
    .globals = t_globals,
    .nglobals = 4,
    .helpers = t_helpers,
    .nhelpers = NB_TH,
    .exit_status_offset = TOFF(exit_status),
    .tlb_offset = TOFF(tlb),
    .frame_offset = TOFF(frame),
    .frame_slots = 64,
};
enum { G0, G1, G2, GW };

/* Fake table indices: helpers at 100 + i, slow paths 10 and 11. */
static uint32_t helper_index[(int)HELPER_COUNT + (int)NB_TH];

static WasmABI make_abi(uint32_t tb_pc, uint32_t exit_status, uint32_t tlb, uint32_t scratch,
                        uint32_t icount, uint32_t icount_limit, uint32_t nhelpers)
{
    for (uint32_t i = 0; i < sizeof(helper_index) / sizeof(helper_index[0]); i++)
        helper_index[i] = 100 + i;
    WasmABI a = {
        .version = WASM_ABI_VERSION,
        .tb_pc_offset = tb_pc,
        .exit_status_offset = exit_status,
        .tlb_offset = tlb,
        .scratch_offset = scratch,
        .icount_offset = icount,
        .icount_limit_offset = icount_limit,
        .load_slow_index = 10,
        .store_slow_index = 11,
        .helper_index = helper_index,
        .nhelpers = nhelpers,
    };
    return a;
}

static WasmABI test_abi(void)
{
    return make_abi(TOFF(tb_pc), TOFF(exit_status), TOFF(tlb), TOFF(scratch), TOFF(icount),
                    TOFF(icount_limit), NB_TH);
}

static WasmABI rv_abi(void)
{
    return make_abi(CPU_OFF(tb_pc), CPU_OFF(exit_status), CPU_OFF(tlb), CPU_OFF(tci_frame),
                    CPU_OFF(icount), CPU_OFF(icount_limit), HELPER_COUNT);
}

/* ---- hand-built functions ---- */

static IRFunc func;

/* Arithmetic of both widths, mulh family, extensions, compares. */
static void build_alu(IRFunc *f)
{
    ir_init(f, &t_ctx);
    IRTemp t = ir_new_temp(f, IR_I64), u = ir_new_temp(f, IR_I64), w = ir_new_temp(f, IR_I32);
    IRTemp k = ir_const(f, IR_I64, -5);
    ir_gen_op2(f, IR_add, IR_I64, t, G0, k);
    ir_gen_op2(f, IR_mulsh, IR_I64, u, t, G1);
    ir_gen_op2(f, IR_muluh, IR_I64, G2, u, G0);
    ir_gen_op2(f, IR_mulsuh, IR_I64, u, G2, t);
    ir_gen_op2(f, IR_sar, IR_I64, G0, u, G1);
    ir_gen_op1(f, IR_trunc_i64, IR_I32, w, G0);
    ir_gen_op2(f, IR_mulsh, IR_I32, w, w, GW);
    ir_gen_op1(f, IR_ext8s, IR_I32, w, w);
    ir_gen_op1(f, IR_not, IR_I32, GW, w);
    ir_gen_op1(f, IR_exts_i32, IR_I64, t, GW);
    ir_gen_op1(f, IR_ext32u, IR_I64, t, t);
    ir_gen_op1(f, IR_neg, IR_I64, t, t);
    ir_gen_setcond(f, IR_I64, IR_LTU, u, t, G2);
    ir_gen_movcond(f, IR_I64, IR_GE, G1, t, u, G0, G2);
    ir_gen_op2(f, IR_shl, IR_I64, G2, G1, u);
    ir_gen_goto_tb(f, 1);
}

/* The three high-half products of g0, g1 (both widths) into the globals. */
static void build_mulh(IRFunc *f)
{
    ir_init(f, &t_ctx);
    IRTemp t1 = ir_new_temp(f, IR_I64), t2 = ir_new_temp(f, IR_I64), t3 = ir_new_temp(f, IR_I64);
    IRTemp x = ir_new_temp(f, IR_I32);
    ir_gen_op1(f, IR_trunc_i64, IR_I32, x, G1);
    ir_gen_op2(f, IR_mulsh, IR_I64, t1, G0, G1);
    ir_gen_op2(f, IR_muluh, IR_I64, t2, G0, G1);
    ir_gen_op2(f, IR_mulsuh, IR_I64, t3, G0, G1);
    ir_gen_op2(f, IR_mulsuh, IR_I32, x, GW, x);
    ir_gen_op2(f, IR_xor, IR_I32, GW, GW, x);
    ir_gen_op1(f, IR_mov, IR_I64, G0, t1);
    ir_gen_op1(f, IR_mov, IR_I64, G1, t2);
    ir_gen_op1(f, IR_mov, IR_I64, G2, t3);
    ir_gen_exit_tb(f, IR_EXIT_JUMP);
}

/* Forward branches: globals written on two paths, memory is the truth at
 * the label. */
static void build_branch(IRFunc *f)
{
    ir_init(f, &t_ctx);
    unsigned l_else = ir_new_label(f), l_end = ir_new_label(f);
    IRTemp one = ir_const(f, IR_I64, 1);
    ir_gen_op2(f, IR_add, IR_I64, G0, G0, one);
    ir_gen_brcond(f, IR_I64, IR_LT, G0, G1, l_else);
    ir_gen_op2(f, IR_sub, IR_I64, G2, G2, one);
    ir_gen_br(f, l_end);
    ir_gen_label(f, l_else);
    ir_gen_op2(f, IR_xor, IR_I64, G2, G2, G0);
    ir_gen_label(f, l_end);
    ir_gen_op2(f, IR_add, IR_I64, G1, G1, G2);
    ir_gen_exit_tb(f, IR_EXIT_JUMP);
}

/* Guest memory: loads of every size/sign in two MMUs, stores. */
static void build_mem(IRFunc *f)
{
    ir_init(f, &t_ctx);
    IRTemp a = ir_new_temp(f, IR_I64), v = ir_new_temp(f, IR_I64);
    IRTemp k = ir_const(f, IR_I64, 8);
    ir_gen_op2(f, IR_add, IR_I64, a, G0, k);
    ir_gen_qld(f, v, a, IR_MO_MAKE(0, true, 0), IR_SITE(0, 0));
    ir_gen_qld(f, G1, a, IR_MO_MAKE(3, false, 1), IR_SITE(4, 1));
    ir_gen_qld(f, GW, G0, IR_MO_MAKE(2, true, 1), IR_SITE(8, 2));
    ir_gen_op2(f, IR_add, IR_I64, v, v, G1);
    ir_gen_qst(f, v, G2, IR_MO_MAKE(1, false, 0), IR_SITE(12, 3));
    ir_gen_qst(f, GW, a, IR_MO_MAKE(2, false, 0), IR_SITE(16, 4));
    ir_gen_goto_tb(f, 0);
}

/* Helper calls with each flag, a state load/store aliasing a global and
 * the TB's PC read from the parameter. */
static void build_call(IRFunc *f)
{
    ir_init(f, &t_ctx);
    IRTemp r = ir_new_temp(f, IR_I64), pc = ir_new_temp(f, IR_I64);
    IRTemp args[2] = {G0, G1};
    ir_gen_op2(f, IR_add, IR_I64, G0, G0, G0);
    ir_gen_call(f, H_ADD, r, 2, args);
    ir_gen_call(f, H_SETG1, IR_NONE, 1, &r);
    {
        IRTemp g1 = G1;
        ir_gen_call(f, H_CHECK, G2, 1, &g1);
    }
    ir_gen_ld(f, IR_I64, pc, TOFF(tb_pc));
    ir_gen_op2(f, IR_add, IR_I64, G0, pc, G2);
    ir_gen_st(f, IR_I64, r, TOFF(g[2]));
    ir_gen_ld(f, IR_I64, r, TOFF(g[0]));
    ir_gen_op2(f, IR_add, IR_I64, G1, G2, r);
    ir_gen_exit_tb(f, IR_EXIT_SYNC);
}

/* A loop: must be refused (stays on TCI). */
static void build_loop(IRFunc *f)
{
    ir_init(f, &t_ctx);
    unsigned top = ir_new_label(f);
    IRTemp one = ir_const(f, IR_I64, 1);
    ir_gen_label(f, top);
    ir_gen_op2(f, IR_sub, IR_I64, G0, G0, one);
    ir_gen_brcond(f, IR_I64, IR_NE, G0, G1, top);
    ir_gen_exit_tb(f, IR_EXIT_JUMP);
}

/* A TB that loops to its own start (goto_tb with aux = its 3 "insns"):
 * g0 += 1; g2 += g0; w += 1 (i32); if g0 < g1 go to the start (slot 1), else
 * leave by slot 0. */
#define SELF_LOOP_N 3
static void build_self_loop(IRFunc *f)
{
    ir_init(f, &t_ctx);
    unsigned again = ir_new_label(f);
    IRTemp one = ir_const(f, IR_I64, 1);
    IRTemp one32 = ir_const(f, IR_I32, 1);
    ir_gen_op2(f, IR_add, IR_I64, G0, G0, one);
    ir_gen_op2(f, IR_add, IR_I64, G2, G2, G0);
    ir_gen_op2(f, IR_add, IR_I32, GW, GW, one32);
    ir_gen_brcond(f, IR_I64, IR_LTU, G0, G1, again);
    ir_gen_goto_tb(f, 0);
    ir_gen_label(f, again);
    ir_gen_goto_tb_self(f, 1, SELF_LOOP_N);
}

/* ---- RV64 snippets through the real frontend ---- */

#define RV_BASE 0x80000000ull
#define RV_FLAGS (PRV_M | (MMU_M << TBF_MMU_SHIFT))

enum { A0 = 10, A1, A2, A3, A4, RA = 1, SP = 2 };

/* Instruction encoders (constant expressions). */
#define R_TYPE(f7, rs2, rs1, f3, rd, opc)                                                          \
    ((uint32_t)(f7) << 25 | (uint32_t)(rs2) << 20 | (uint32_t)(rs1) << 15 | (f3) << 12 |           \
     (uint32_t)(rd) << 7 | (opc))
#define I_TYPE(imm, rs1, f3, rd, opc)                                                              \
    ((uint32_t)((imm)&0xfff) << 20 | (uint32_t)(rs1) << 15 | (f3) << 12 | (uint32_t)(rd) << 7 |    \
     (opc))
#define S_TYPE(imm, rs2, rs1, f3)                                                                  \
    (((uint32_t)(imm)&0xfe0) << 20 | (uint32_t)(rs2) << 20 | (uint32_t)(rs1) << 15 | (f3) << 12 |  \
     ((uint32_t)(imm)&31) << 7 | 0x23)
#define B_TYPE(imm, rs2, rs1, f3)                                                                  \
    (((uint32_t)(imm) >> 12 & 1) << 31 | ((uint32_t)(imm) >> 5 & 63) << 25 |                       \
     (uint32_t)(rs2) << 20 | (uint32_t)(rs1) << 15 | (f3) << 12 |                                  \
     ((uint32_t)(imm) >> 1 & 15) << 8 | ((uint32_t)(imm) >> 11 & 1) << 7 | 0x63)
#define J_TYPE(imm, rd)                                                                            \
    (((uint32_t)(imm) >> 20 & 1) << 31 | ((uint32_t)(imm) >> 1 & 0x3ff) << 21 |                    \
     ((uint32_t)(imm) >> 11 & 1) << 20 | ((uint32_t)(imm) >> 12 & 0xff) << 12 |                    \
     (uint32_t)(rd) << 7 | 0x6f)

typedef struct FakeCode {
    const uint32_t *insns;
    unsigned n;
} FakeCode;

static int fake_fetch(void *opaque, uint64_t va, uint16_t *insn, uint64_t *pa)
{
    const FakeCode *c = opaque;
    uint64_t off = va - RV_BASE;
    if (va < RV_BASE || off + 2 > 4ull * c->n)
        return EXC_INSN_ACCESS;
    *insn = (uint16_t)(c->insns[off / 4] >> (off % 4 ? 16 : 0));
    *pa = va;
    return 0;
}

static int translate(IRFunc *f, const uint32_t *insns, unsigned n)
{
    static RVTBInfo info;
    uint64_t tval;
    FakeCode c = {insns, n};
    int err = rv_translate_fetch(fake_fetch, &c, RV_BASE, RV_FLAGS, f, &info, &tval);
    if (!err)
        opt_run(f);
    return err;
}

/* addi, add, slli, sltu, addw, then beq (TB end). */
static const uint32_t rv_alu[] = {
    I_TYPE(1, A0, 0, A0, 0x13),     R_TYPE(0, A2, A0, 0, A1, 0x33), I_TYPE(3, A1, 1, A1, 0x13),
    R_TYPE(0, A1, A0, 3, A3, 0x33), R_TYPE(0, A1, A0, 0, A4, 0x3b), B_TYPE(8, A1, A0, 0),
};
/* ld, lbu, lw, sw, sd, jalr x0, 0(ra). */
static const uint32_t rv_mem[] = {
    I_TYPE(8, A1, 3, A0, 0x03), I_TYPE(0, A0, 4, A2, 0x03), I_TYPE(-4, A0, 2, A3, 0x03),
    S_TYPE(4, A0, A2, 2),       S_TYPE(0, A3, SP, 3),       I_TYPE(0, RA, 0, 0, 0x67),
};
/* mul, mulh, mulhsu, mulhu, div, then ecall. */
static const uint32_t rv_mul[] = {
    R_TYPE(1, A2, A1, 0, A0, 0x33), R_TYPE(1, A2, A1, 1, A3, 0x33), R_TYPE(1, A2, A1, 2, A4, 0x33),
    R_TYPE(1, A1, A0, 3, A2, 0x33), R_TYPE(1, A2, A1, 4, A1, 0x33), 0x00000073,
};
/* auipc a0, 0x12; jal ra, +16: PC-relative values from $pc. */
static const uint32_t rv_pc[] = {0x00012517, J_TYPE(16, RA)};
/* csrrw a0, mscratch, a1 (a helper that may fault and writes state). */
static const uint32_t rv_csr[] = {I_TYPE(0x340, A1, 1, A0, 0x73), I_TYPE(1, A0, 0, A0, 0x13)};
/* 1: lw a2, 0(a1); addi a1, a1, 4; sw a2, 0(a0); addi a0, a0, 4; bltu a1, a3, 1b:
 * a copy loop whose taken branch goes back to the TB's start. */
static const uint32_t rv_loop[] = {
    I_TYPE(0, A1, 2, A2, 0x03), I_TYPE(4, A1, 0, A1, 0x13), S_TYPE(0, A2, A0, 2),
    I_TYPE(4, A0, 0, A0, 0x13), B_TYPE(-16, A3, A1, 6),
};

/* ---- driver ---- */

static void module_begin(WasmModuleBuilder *mb, WasmABI *abi, bool shared);

/* ---- execution data for the Node harness (run-exec.js) ----
 * The same IRFunc runs here under TCI; the harness runs the emitted Wasm on
 * the same initial env and guest page and compares with TCI's result.
 * Wasm memory layout: env at EXEC_ENV, the guest page (virtual EXEC_VA) at
 * EXEC_RAM; both MMUs 0 and 1 map it with read/write tags. */
#define EXEC_ENV 0x10000u
#define EXEC_RAM 0x30000u
#define EXEC_VA 0x70000000ull
#define EXEC_PC 0x80001000ull

static uint8_t exec_ram[4096];

static void exec_map(TestEnv *e, int64_t addend)
{
    for (int m = 0; m < TLB_NB_MMU; m++) {
        for (unsigned i = 0; i < TLB_SIZE; i++) {
            TLBEntry *te = &e->tlb.e[m][i];
            te->tag_r = te->tag_w = te->tag_x = TLB_INVALID;
            te->addend = 0;
        }
    }
    for (int m = 0; m < 2; m++) {
        TLBEntry *te = &e->tlb.e[m][tlb_index(EXEC_VA)];
        te->tag_r = te->tag_w = EXEC_VA;
        te->addend = addend;
    }
}

static void put(FILE *fp, const void *p, size_t n)
{
    if (fwrite(p, 1, n, fp) != n)
        failures++;
}

/* Writes OUT/<name>.exec: u32 env size, initial env (Wasm addends),
 * expected env, u32 expected status, initial page, expected page, then the
 * module bytes. */
static void exec_case_limit(const char *name, void (*build)(IRFunc *), const uint64_t g[3],
                            uint32_t w, uint64_t icount, uint64_t icount_limit)
{
    static TestEnv init, tci_env;
    memset(&init, 0, sizeof(init));
    memcpy(init.g, g, sizeof(init.g));
    init.w = w;
    init.tb_pc = EXEC_PC;
    init.icount = icount;
    init.icount_limit = icount_limit;
    for (unsigned i = 0; i < sizeof(exec_ram); i++)
        exec_ram[i] = (uint8_t)(i * 7 + 3);
    uint8_t ram0[sizeof(exec_ram)];
    memcpy(ram0, exec_ram, sizeof(ram0));

    build(&func);
    TCIBlock *blk = tci_compile(&func);
    CHECK(blk != NULL, "%s: tci_compile failed", name);
    if (!blk)
        return;
    tci_env = init;
    exec_map(&tci_env, (int64_t)((uint64_t)(uintptr_t)exec_ram - EXEC_VA));
    /* TCI runs a loop to the TB's start once per call; the reference for
     * the Wasm code's loop is what docs/ir.md says it does instead. */
    uint32_t loop_slot = UINT32_MAX, loop_n = 0;
    for (unsigned i = 0; i < func.nops; i++) {
        if (func.ops[i].opc == IR_goto_tb && func.ops[i].aux) {
            loop_slot = (uint32_t)func.ops[i].imm;
            loop_n = func.ops[i].aux;
        }
    }
    uint32_t status;
    for (;;) {
        status = tci_run(blk, &tci_env);
        if (status != loop_slot || tci_env.icount + loop_n >= tci_env.icount_limit)
            break;
        tci_env.icount += loop_n;
    }
    tci_free(blk);
    exec_map(&init, (int64_t)EXEC_RAM - (int64_t)EXEC_VA);
    tci_env.tlb = init.tlb;

    WasmModuleBuilder mb;
    WasmABI abi = test_abi();
    module_begin(&mb, &abi, false);
    int rc = wasm_emit_func(&mb, &func, &abi);
    WasmBuf mod;
    CHECK(rc == 0 && wasm_mb_finish(&mb, &mod) == 0, "%s: emit failed (%d)", name, rc);
    wasm_mb_free(&mb);
    if (rc != 0)
        return;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.exec", out_dir, name);
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL, "cannot write %s", path);
    if (fp) {
        uint32_t n = (uint32_t)sizeof(TestEnv);
        put(fp, &n, 4);
        put(fp, &init, n);
        put(fp, &tci_env, n);
        put(fp, &status, 4);
        put(fp, ram0, sizeof(ram0));
        put(fp, exec_ram, sizeof(exec_ram));
        put(fp, mod.data, mod.len);
        fclose(fp);
    }
    wasm_buf_free(&mod);
}

static void exec_case(const char *name, void (*build)(IRFunc *), const uint64_t g[3], uint32_t w)
{
    exec_case_limit(name, build, g, w, 0, 0);
}

static void exec_cases(void)
{
    const uint64_t a[3] = {0x123456789abcdef0ull, 0xfedcba9876543210ull, 0x0f0f0f0f0f0f0f0full};
    const uint64_t b[3] = {0x8000000000000000ull, 0xffffffffffffffffull, 3};
    const uint64_t c[3] = {5, 5, 7};
    const uint64_t d[3] = {EXEC_VA + 0x100, 0, EXEC_VA + 0x202};
    exec_case("exec-alu-1", build_alu, a, 0x89abcdefu);
    exec_case("exec-alu-2", build_alu, b, 0x80000000u);
    exec_case("exec-alu-3", build_alu, c, 7);
    exec_case("exec-branch-1", build_branch, c, 0);
    exec_case("exec-branch-2", build_branch, a, 0);
    exec_case("exec-mem-hit", build_mem, d, 0);
    /* a loop to the TB's start: ends by its condition (g0 reaches g1 = 10
     * after 10 runs), by the instruction limit (icount + 3 < 20: 7 runs, the
     * last leaving by the loop's slot) and at once when kicked (limit 0) */
    const uint64_t e[3] = {0, 10, 100};
    exec_case_limit("exec-self-loop-cond", build_self_loop, e, 0x7ffffffeu, 1000, 5000);
    exec_case_limit("exec-self-loop-limit", build_self_loop, e, 0, 0, 20);
    exec_case_limit("exec-self-loop-kicked", build_self_loop, e, 0, 77, 0);
    /* mulh family on random operands (fixed seed) */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 12; i++) {
        uint64_t v[3];
        for (int k = 0; k < 3; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v[k] = i % 3 == 0 ? x >> (x & 63) : i % 3 == 1 ? x | (1ull << 63) : x;
        }
        char name[32];
        snprintf(name, sizeof(name), "exec-mulh-%02d", i);
        exec_case(name, build_mulh, v, (uint32_t)(x >> 20));
    }
}

static int run_cmd(const char *cmd)
{
    int rc = system(cmd);
    CHECK(rc == 0, "command failed (%d): %s", rc, cmd);
    return rc;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, fp) != (size_t)n) {
        free(p);
        p = NULL;
    }
    if (p)
        p[n] = 0;
    *len = (size_t)n;
    fclose(fp);
    return p;
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -errno;
    size_t w = fwrite(data, 1, len, fp);
    return fclose(fp) == 0 && w == len ? 0 : -EIO;
}

/* Finish mb, validate, disassemble and compare with expect/<name>.wat. */
static void check_module(const char *name, WasmModuleBuilder *mb, bool shared)
{
    WasmBuf out;
    char wasm[512], wat[512], golden[512], cmd[2048];
    const char *feat = shared ? " --enable-threads" : "";
    if (wasm_mb_finish(mb, &out) != 0) {
        CHECK(0, "%s: wasm_mb_finish failed", name);
        return;
    }
    snprintf(wasm, sizeof(wasm), "%s/%s.wasm", out_dir, name);
    snprintf(wat, sizeof(wat), "%s/%s.wat", out_dir, name);
    snprintf(golden, sizeof(golden), "%s/%s.wat", expect_dir, name);
    CHECK(write_file(wasm, out.data, out.len) == 0, "%s: cannot write %s", name, wasm);
    wasm_buf_free(&out);
    snprintf(cmd, sizeof(cmd), "'%s'%s '%s'", validate_prog, feat, wasm);
    if (run_cmd(cmd))
        return;
    snprintf(cmd, sizeof(cmd), "'%s'%s '%s' -o '%s'", wat_prog, feat, wasm, wat);
    if (run_cmd(cmd))
        return;
    size_t nw = 0, ng = 0;
    char *got = read_file(wat, &nw);
    const char *upd = getenv("KILN_UPDATE_EXPECT");
    if (upd && !strcmp(upd, "1")) {
        CHECK(got && write_file(golden, got, nw) == 0, "%s: cannot update %s", name, golden);
        printf("updated %s\n", golden);
        free(got);
        return;
    }
    char *exp = read_file(golden, &ng);
    CHECK(exp != NULL, "%s: missing golden %s (run with KILN_UPDATE_EXPECT=1)", name, golden);
    if (got && exp && (nw != ng || memcmp(got, exp, nw) != 0)) {
        CHECK(0, "%s: emitted code differs from %s; diff:", name, golden);
        snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s'", golden, wat);
        if (system(cmd) < 0)
            printf("(diff not run)\n");
    }
    free(got);
    free(exp);
}

static void module_begin(WasmModuleBuilder *mb, WasmABI *abi, bool shared)
{
    WasmModuleOptions opt = {
        .mem_min_pages = 1, .mem_max_pages = shared ? 65536 : -1, .shared_memory = shared};
    wasm_mb_init(mb);
    CHECK(wasm_emit_module_init(mb, abi, &opt) == 0, "wasm_emit_module_init failed");
}

/* One module holding one hand-built function. */
static void expect_hand(const char *name, void (*build)(IRFunc *))
{
    WasmModuleBuilder mb;
    WasmABI abi = test_abi();
    module_begin(&mb, &abi, false);
    build(&func);
    int rc = wasm_emit_func(&mb, &func, &abi);
    CHECK(rc == 0, "%s: wasm_emit_func returned %d", name, rc);
    if (rc == 0)
        check_module(name, &mb, false);
    wasm_mb_free(&mb);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s EXPECT_DIR OUT_DIR WASM_VALIDATE WASM2WAT NODE RUN_EXEC_JS\n",
                argv[0]);
        return 2;
    }
    expect_dir = argv[1];
    out_dir = argv[2];
    validate_prog = argv[3];
    wat_prog = argv[4];

    expect_hand("ir-alu", build_alu);
    expect_hand("ir-branch", build_branch);
    expect_hand("ir-mem", build_mem);
    expect_hand("ir-call", build_call);
    expect_hand("ir-self-loop", build_self_loop);

    /* A backward branch is refused and leaves the module as it was. */
    {
        WasmModuleBuilder mb;
        WasmABI abi = test_abi();
        module_begin(&mb, &abi, false);
        build_loop(&func);
        int rc = wasm_emit_func(&mb, &func, &abi);
        CHECK(rc == WASM_EMIT_EBACKWARD, "loop: got %d, want WASM_EMIT_EBACKWARD", rc);
        CHECK(wasm_mb_nfuncs(&mb) == 0, "loop: a function was added");
        wasm_mb_free(&mb);
    }

    /* RV64 snippets: one module with one function each, on a shared memory. */
    {
        static const struct {
            const char *name;
            const uint32_t *insns;
            unsigned n;
        } snip[] = {
            {"rv-alu", rv_alu, 6}, {"rv-mem", rv_mem, 6}, {"rv-mul", rv_mul, 6},
            {"rv-pc", rv_pc, 2},   {"rv-csr", rv_csr, 2}, {"rv-loop", rv_loop, 5},
        };
        WasmModuleBuilder mb;
        WasmABI abi = rv_abi();
        module_begin(&mb, &abi, true);
        for (unsigned i = 0; i < sizeof(snip) / sizeof(snip[0]); i++) {
            int err = translate(&func, snip[i].insns, snip[i].n);
            CHECK(err == 0, "%s: rv_translate_fetch returned %d", snip[i].name, err);
            /* the frontend marks the branch back to the TB's start (only it) */
            unsigned self = 0;
            for (unsigned k = 0; k < func.nops; k++)
                if (func.ops[k].opc == IR_goto_tb && func.ops[k].aux)
                    self += func.ops[k].aux == snip[i].n ? 1 : 1000;
            CHECK(self == (snip[i].insns == rv_loop ? 1u : 0u),
                  "%s: goto_tb to the TB start marked %u (want %d)", snip[i].name, self,
                  snip[i].insns == rv_loop);
            int rc = wasm_emit_func(&mb, &func, &abi);
            CHECK(rc == (int)i, "%s: wasm_emit_func returned %d, want %u", snip[i].name, rc, i);
            /* position independence: no absolute guest PC constant */
            WasmBuf probe;
            wasm_buf_init(&probe);
            wasm_i64_const(&probe, (int64_t)RV_BASE);
            bool found = false;
            for (size_t k = 0; k + probe.len <= mb.code.len && !found; k++)
                found = !memcmp(mb.code.data + k, probe.data, probe.len);
            CHECK(!found, "%s: code embeds the TB's absolute PC", snip[i].name);
            wasm_buf_free(&probe);
        }
        check_module("rv-snippets", &mb, true);
        wasm_mb_free(&mb);
    }

    exec_cases();
    {
        char cmd[2048];
        snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s'", argv[5], argv[6], out_dir);
        run_cmd(cmd);
    }

    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("wasm emitter expect tests passed\n");
    return 0;
}
