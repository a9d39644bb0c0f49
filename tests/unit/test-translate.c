/* test-translate.c - the RV64 frontend (translate.c, trans-*.c): translates
 * hand-assembled snippets with a fake code fetch and checks TB boundaries,
 * exits, fetch faults and that the IR never embeds the TB's absolute PC.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "riscv/translate-internal.h"
#include "tci/tci.h"
#include "ir/opt.h"

#include "../check.h"

/* Fake guest code: `size` bytes at virtual `base`; physical = virtual +
 * PHYS_DELTA; fetches outside raise an instruction page fault. */
#define PHYS_DELTA 0x100000000ull

typedef struct FakeCode {
    uint64_t base;
    uint8_t bytes[1024];
    uint32_t size;
} FakeCode;

static int fake_fetch(void *opaque, uint64_t va, uint16_t *insn, uint64_t *pa)
{
    FakeCode *c = opaque;
    if (va < c->base || va + 2 > c->base + c->size) {
        return EXC_INSN_PAGE_FAULT;
    }
    uint32_t o = (uint32_t)(va - c->base);
    *insn = (uint16_t)(c->bytes[o] | c->bytes[o + 1] << 8);
    *pa = va + PHYS_DELTA;
    return 0;
}

/* Place 32-bit words (a word < 0x10000 with low bits != 3 is a 16-bit insn). */
static void fake_load(FakeCode *c, uint64_t base, const uint32_t *insns, unsigned n)
{
    memset(c, 0, sizeof(*c));
    c->base = base;
    for (unsigned i = 0; i < n; i++) {
        unsigned len = (insns[i] & 3) == 3 ? 4 : 2;
        for (unsigned b = 0; b < len; b++) {
            c->bytes[c->size++] = (uint8_t)(insns[i] >> (8 * b));
        }
    }
}

static IRFunc func;
static char dump[1 << 16];

/* Translate and dump the IR into `dump`. */
static int translate(FakeCode *c, uint64_t pc, uint32_t flags, RVTBInfo *info, uint64_t *tval)
{
    int err = rv_translate_fetch(fake_fetch, c, pc, flags, &func, info, tval);
    FILE *m = fmemopen(dump, sizeof(dump) - 1, "w");
    ir_dump(&func, m);
    fclose(m);
    return err;
}

static unsigned count(const char *s)
{
    unsigned n = 0;
    for (const char *p = dump; (p = strstr(p, s)) != NULL; p++) {
        n++;
    }
    return n;
}

/* No constant in the IR may be an absolute guest address of the TB. */
static void check_no_abs_pc(uint64_t lo, uint64_t hi)
{
    for (unsigned i = 0; i < func.nops; i++) {
        const IROp *op = &func.ops[i];
        if (op->opc == IR_movi) {
            uint64_t v = (uint64_t)op->imm;
            CHECK(v < lo || v > hi, "absolute PC-like constant 0x%" PRIx64 " in IR", v);
        }
    }
    char s[32];
    snprintf(s, sizeof(s), "%" PRIx64, lo);
    CHECK(strstr(dump, s) == NULL, "TB PC %s appears in the IR dump", s);
}

#define S_MODE_FLAGS (PRV_S | MMU_S << TBF_MMU_SHIFT)

static void test_straight_line_and_branch(void)
{
    static const uint32_t code[] = {
        0x00150513, /* addi a0, a0, 1 */
        0x00000297, /* auipc t0, 0 */
        0x00852583, /* lw a1, 8(a0) */
        0x0505,     /* c.addi a0, 1 */
        0x00b50863, /* beq a0, a1, 16 */
        0x00000013, /* (not reached: after the branch) */
    };
    FakeCode c;
    RVTBInfo info;
    uint64_t tval = 0;
    uint64_t pc = 0x80201234;
    fake_load(&c, pc, code, 6);
    int err = translate(&c, pc, S_MODE_FLAGS, &info, &tval);
    CHECK(err == 0, "translate: %d", err);
    CHECK(info.ninsns == 5 && info.size == 18, "ninsns %u size %u, want 5 and 18", info.ninsns,
          info.size);
    CHECK(info.phys[0] == ((pc + PHYS_DELTA) & ~0xfffull) && info.phys[1] == ~0ull,
          "phys %" PRIx64 " %" PRIx64, info.phys[0], info.phys[1]);
    CHECK(memcmp(info.bytes, c.bytes, 18) == 0, "info.bytes differ from the code");
    CHECK(count("insn_start") == 0 && count("---- insn") == 5, "5 insn markers");
    CHECK(count("goto_tb 0") == 1 && count("goto_tb 1") == 1, "branch: both chain slots");
    CHECK(count("brcond") == 1, "one brcond");
    CHECK(count("qld") == 1 && count("s32 mmu1") == 1, "lw: one signed 32-bit load, mmu S");
    CHECK(count("@2+0x8") == 1, "lw site is insn 2 at +8");
    CHECK(count("[env+0x") >= 3, "tb_pc loads and pc stores present");
    check_no_abs_pc(pc, pc + 64);
    if (failures) {
        printf("%s", dump);
    }
}

static void test_jumps_and_exits(void)
{
    FakeCode c;
    RVTBInfo info;
    uint64_t tval;
    uint64_t pc = 0xffffffff80001000ull;

    static const uint32_t jalr[] = {0x000500e7}; /* jalr ra, 0(a0) */
    fake_load(&c, pc, jalr, 1);
    translate(&c, pc, S_MODE_FLAGS, &info, &tval);
    CHECK(info.ninsns == 1 && count("exit_tb 2") == 1, "jalr: exit_tb JUMP");
    CHECK(count("and_i64") == 1, "jalr clears bit 0");
    check_no_abs_pc(pc, pc + 8);

    static const uint32_t jal[] = {0x0080006f}; /* j +8 */
    fake_load(&c, pc, jal, 1);
    translate(&c, pc, S_MODE_FLAGS, &info, &tval);
    CHECK(info.ninsns == 1 && count("goto_tb 0") == 1, "jal: goto_tb 0");
    check_no_abs_pc(pc, pc + 16);

    /* csrw satp, a0 ends the TB with a SYNC exit; csrr does not */
    static const uint32_t csr[] = {
        0xc0102573, /* rdtime a0 (csrrs a0, time, x0) */
        0x18051073, /* csrw satp, a0 */
        0x00000013, /* nop: next TB */
    };
    fake_load(&c, pc, csr, 3);
    translate(&c, pc, S_MODE_FLAGS, &info, &tval);
    CHECK(info.ninsns == 2, "csr write ends the TB: ninsns %u", info.ninsns);
    CHECK(count("call csr") == 2 && count("exit_tb 3") == 1, "csr: 2 calls, one SYNC exit");

    static const uint32_t ecall[] = {0x00000073};
    fake_load(&c, pc, ecall, 1);
    translate(&c, pc, S_MODE_FLAGS, &info, &tval);
    CHECK(count("call raise") == 1 && count("$0x9\n") == 1, "ecall from S: cause 9");

    /* mret in S-mode is illegal: raise with tval = the insn bits */
    static const uint32_t mret[] = {0x30200073};
    fake_load(&c, pc, mret, 1);
    translate(&c, pc, S_MODE_FLAGS, &info, &tval);
    CHECK(count("call raise") == 1 && count("call mret") == 0 && count("$0x30200073") == 1,
          "mret in S mode: illegal");
    translate(&c, pc, PRV_M | MMU_M << TBF_MMU_SHIFT, &info, &tval);
    CHECK(count("call mret") == 1 && count("exit_tb 3") == 1, "mret in M mode");
}

static void test_illegal(void)
{
    FakeCode c;
    RVTBInfo info;
    uint64_t tval;
    static const uint32_t code[] = {0x00150513, 0x0000, 0x00150513};
    fake_load(&c, 0x1000, code, 3);
    translate(&c, 0x1000, S_MODE_FLAGS, &info, &tval);
    CHECK(info.ninsns == 2 && info.size == 6, "illegal insn ends the TB (%u insns)", info.ninsns);
    CHECK(count("call raise") == 1 && count("$0x2\n") == 1, "illegal: raise cause 2");
}

static void test_limits(void)
{
    FakeCode c;
    RVTBInfo info;
    uint64_t tval = 0;
    uint32_t code[300];

    /* size/insn limit */
    for (unsigned i = 0; i < 300; i++) {
        code[i] = 0x0001; /* c.nop */
    }
    fake_load(&c, 0x10000, code, 300);
    translate(&c, 0x10000, S_MODE_FLAGS, &info, &tval);
    CHECK(info.ninsns == RV_TB_MAX_INSNS, "insn limit: %u", info.ninsns);
    CHECK(!func.overflow, "no IR overflow");

    /* page end: addi at ff8, c.nop at ffc, a 32-bit insn straddling */
    static const uint32_t straddle[] = {0x00150513, 0x0001, 0x00150513, 0x00150513};
    fake_load(&c, 0x20ff8, straddle, 4);
    int err = translate(&c, 0x20ff8, S_MODE_FLAGS, &info, &tval);
    CHECK(err == 0 && info.ninsns == 3 && info.size == 10, "straddle: %u insns, %u bytes",
          info.ninsns, info.size);
    CHECK(info.phys[0] == 0x20000 + PHYS_DELTA && info.phys[1] == 0x21000 + PHYS_DELTA,
          "straddle: phys %" PRIx64 " %" PRIx64, info.phys[0], info.phys[1]);

    /* fetch fault on a later insn: the TB ends before it */
    fake_load(&c, 0x30000, straddle, 2); /* 6 bytes, then a fault */
    err = translate(&c, 0x30000, S_MODE_FLAGS, &info, &tval);
    CHECK(err == 0 && info.ninsns == 2 && count("goto_tb 0") == 1,
          "later fetch fault: %d, %u insns", err, info.ninsns);

    /* fetch fault on the first insn: cause and tval */
    err = translate(&c, 0x40000, S_MODE_FLAGS, &info, &tval);
    CHECK(err == EXC_INSN_PAGE_FAULT && tval == 0x40000, "first fetch fault: %d %" PRIx64, err,
          tval);
    /* ... or on its second half */
    fake_load(&c, 0x50ffe, NULL, 0);
    c.bytes[0] = 0x13; /* first half of addi; the second is unmapped */
    c.size = 2;
    err = translate(&c, 0x50ffe, S_MODE_FLAGS, &info, &tval);
    CHECK(err == EXC_INSN_PAGE_FAULT && tval == 0x51000, "second-half fetch fault: %d %" PRIx64,
          err, tval);
}

/* ---- semantics: single-insn TBs run by TCI on a CPU state ---- */

#define PC0 0x80201000ull
enum { A0 = 10, A1, A2, A3, A4, A5, A6, A7, T0 = 5, T1, T2, T3 = 28, T4, T5, T6 };
enum { RA = 1, SP = 2, S2 = 18, S3, S4, S5, S6, S7 };

static uint64_t init_x[32];

static void init_regs(void)
{
    init_x[A0] = 0x1000;
    init_x[A1] = 0x123456789abcdef0ull;
    init_x[A3] = (uint64_t)-17;
    init_x[A4] = 0x7fffffff;
    init_x[A5] = 0x8000000000000001ull;
    init_x[T1] = 0x7fffffff;
    init_x[T2] = 33;
    init_x[T4] = 0xfffffffff0000000ull;
    init_x[T5] = 36;
    init_x[T6] = 0;
    init_x[S6] = 0x8000000000000000ull;
    init_x[S7] = ~0ull;
    init_x[SP] = 0x80000;
}

typedef struct SemCase {
    uint32_t insn;
    const char *text;
    int rd;       /* register checked (-1: none) */
    uint64_t val; /* its expected value */
    uint64_t pc;  /* expected env->pc at exit */
    uint32_t exit;
} SemCase;

#define SX32(v) ((uint64_t)(int64_t)(int32_t)(uint32_t)(v))
#define ALU(insn, text, rd, val)                                                                   \
    {                                                                                              \
        insn, text, rd, val, PC0 + 4, IR_EXIT_SLOT0                                                \
    }
#define ALUC(insn, text, rd, val)                                                                  \
    {                                                                                              \
        insn, text, rd, val, PC0 + 2, IR_EXIT_SLOT0                                                \
    }

static void test_semantics(void)
{
    init_regs();
    const uint64_t *X = init_x;
    const SemCase cases[] = {
        ALU(0xfff58513, "addi a0, a1, -1", A0, X[A1] - 1),
        ALU(0x40a58633, "sub a2, a1, a0", A2, X[A1] - X[A0]),
        ALU(0xfff5c693, "xori a3, a1, -1", A3, ~X[A1]),
        ALU(0x7f05f713, "andi a4, a1, 0x7f0", A4, X[A1] & 0x7f0),
        ALU(0x00a5e7b3, "or a5, a1, a0", A5, X[A1] | X[A0]),
        ALU(0x007302bb, "addw t0, t1, t2", T0, 0xffffffff80000020ull),
        ALU(0x40600e3b, "subw t3, zero, t1", T3, 0xffffffff80000001ull),
        ALU(0x0073153b, "sllw a0, t1, t2", A0, 0xfffffffffffffffeull),
        ALU(0x01eed5bb, "srlw a1, t4, t5", A1, 0x0f000000),
        ALU(0x41eed63b, "sraw a2, t4, t5", A2, 0xffffffffff000000ull),
        ALU(0x004ed69b, "srliw a3, t4, 4", A3, 0x0f000000),
        ALU(0x404ed71b, "sraiw a4, t4, 4", A4, 0xffffffffff000000ull),
        ALU(0x03f39793, "slli a5, t2, 63", A5, 0x8000000000000000ull),
        ALU(0x43f7d813, "srai a6, a5, 63", A6, ~0ull),
        ALU(0x03f7d893, "srli a7, a5, 63", A7, 1),
        ALU(0x006ea933, "slt s2, t4, t1", S2, 1),
        ALU(0x006eb9b3, "sltu s3, t4, t1", S3, 0),
        ALU(0xfffeaa13, "slti s4, t4, -1", S4, 1),
        ALU(0xfff33a93, "sltiu s5, t1, -1", S5, 1),
        ALU(0x03de8533, "mul a0, t4, t4", A0, 0x0100000000000000ull),
        ALU(0x03de95b3, "mulh a1, t4, t4", A1, 0),
        ALU(0x03deb633, "mulhu a2, t4, t4", A2, 0xffffffffe0000000ull),
        ALU(0x03dea6b3, "mulhsu a3, t4, t4", A3, 0xfffffffff0000000ull),
        ALU(0x0263073b, "mulw a4, t1, t1", A4, 1),
        ALU(0x020347b3, "div a5, t1, zero", A5, ~0ull),
        ALU(0x02035833, "divu a6, t1, zero", A6, ~0ull),
        ALU(0x020368b3, "rem a7, t1, zero", A7, 0x7fffffff),
        ALU(0x037b4933, "div s2, s6, s7", S2, 0x8000000000000000ull),
        ALU(0x037b69b3, "rem s3, s6, s7", S3, 0),
        ALU(0x02734a3b, "divw s4, t1, t2", S4, 0x7fffffff / 33),
        ALU(0x03fefabb, "remuw s5, t4, t6", S5, 0xfffffffff0000000ull),
        ALU(0x80000537, "lui a0, 0x80000", A0, 0xffffffff80000000ull),
        ALU(0x00001597, "auipc a1, 0x1", A1, PC0 + 0x1000),
        ALU(0x00000013, "nop", 0, 0),
        ALUC(0x7605, "c.lui a2, 0xfffe1", A2, 0xfffffffffffe1000ull),
        ALUC(0x7139, "c.addi16sp sp, -64", SP, 0x80000 - 64),
        ALUC(0x8689, "c.srai a3, 2", A3, (uint64_t)-5),
        ALUC(0x9f3d, "c.addw a4, a5", A4, 0xffffffff80000000ull),
        {0x001000ef, "jal ra, 2048", RA, PC0 + 4, PC0 + 2048, IR_EXIT_SLOT0},
        {0xffd50567, "jalr a0, -3(a0)", A0, PC0 + 4, 0xffc, IR_EXIT_JUMP},
        {0x9502, "c.jalr a0", RA, PC0 + 2, 0x1000, IR_EXIT_JUMP},
        {0x06730263, "beq t1, t2, 100", -1, 0, PC0 + 4, IR_EXIT_SLOT0},
        {0x06731263, "bne t1, t2, 100", -1, 0, PC0 + 100, IR_EXIT_SLOT1},
        {0xf9d36ee3, "bltu t1, t4, -100", -1, 0, PC0 - 100, IR_EXIT_SLOT1},
        {0x01d35663, "bge t1, t4, 12", -1, 0, PC0 + 12, IR_EXIT_SLOT1},
    };
    static RVCPU cpu;
    /* pass 0: IR as translated; pass 1: after the optimiser */
    for (unsigned i = 0; i < 2 * sizeof(cases) / sizeof(cases[0]); i++) {
        const SemCase *k = &cases[i / 2];
        const char *pass = i % 2 ? "opt" : "raw";
        FakeCode c;
        RVTBInfo info;
        uint64_t tval;
        fake_load(&c, PC0, &k->insn, 1);
        translate(&c, PC0, S_MODE_FLAGS, &info, &tval);
        if (i % 2) {
            opt_run(&func);
        }
        TCIBlock *b = tci_compile(&func);
        CHECK(b != NULL, "%s (%s): tci_compile failed", k->text, pass);
        if (!b) {
            continue;
        }
        memset(&cpu, 0, sizeof(cpu));
        memcpy(cpu.x, init_x, sizeof(init_x));
        cpu.tb_pc = PC0;
        uint32_t ex = tci_run(b, &cpu);
        tci_free(b);
        CHECK(ex == k->exit && cpu.pc == k->pc,
              "%s (%s): exit %u pc 0x%" PRIx64 ", want %u 0x%" PRIx64, k->text, pass, ex, cpu.pc,
              k->exit, k->pc);
        for (int r = 0; r < 32; r++) {
            uint64_t want = r == k->rd && r != 0 ? k->val : init_x[r];
            CHECK(cpu.x[r] == want, "%s (%s): x%d = 0x%" PRIx64 ", want 0x%" PRIx64, k->text, pass,
                  r, cpu.x[r], want);
        }
    }
}

int main(void)
{
    test_straight_line_and_branch();
    test_jumps_and_exits();
    test_illegal();
    test_limits();
    test_semantics();
    if (failures) {
        printf("test-translate: %d failure(s)\n", failures);
        return 1;
    }
    printf("test-translate: ok\n");
    return 0;
}
