/* fencei.c - Zifencei and self-modifying code: instructions written to RAM
 * and run after fence.i; the same buffer rewritten and run again must run
 * the new code (a stale translation would return the old value). Also code
 * that patches its own next instruction, and 16-bit instructions. */
#include "lib/isa.h"

static uint32_t code[16] __attribute__((aligned(64)));
typedef long CodeFn(void);

/* addi a0, zero, imm */
static uint32_t enc_li_a0(int imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | 10 << 7 | 0x13;
}
#define INSN_RET 0x00008067u /* jalr x0, 0(ra) */

static long call_code(void)
{
    __asm__ volatile("fence.i" ::: "memory");
    CodeFn *fn = (CodeFn *)(uintptr_t)code;
    return fn();
}

/* Patches the instruction at 1: with a1, then runs it (a0 = its result). */
long smc_self(long unused, uint32_t insn);
__asm__(".pushsection .smc, \"awx\", @progbits\n"
        ".align 2\n"
        ".option push\n.option norvc\n"
        "smc_self:\n"
        "\tla t0, 1f\n"
        "\tsw a1, 0(t0)\n"
        "\tfence.i\n"
        "1:\taddi a0, zero, 1\n"
        "\tret\n"
        ".option pop\n"
        ".popsection\n");

/* A loop to its own start (compiled code may run it without leaving, see
 * docs/ir.md) whose store hits its own code page on every iteration: the
 * store drops the page's TBs, the running loop included, and it must stop
 * and be translated again, counting every iteration once.  Returns the sum
 * a0 + (a0 - 1) + ... + 1; the last value stored (1) is read back in a2. */
long smc_loop(long n, long unused);
__asm__(".pushsection .smc, \"awx\", @progbits\n"
        ".align 2\n"
        ".option push\n.option norvc\n"
        "smc_loop:\n"
        "\tla t0, 2f\n"
        "\tli a1, 0\n"
        "1:\tsw a0, 0(t0)\n"
        "\tadd a1, a1, a0\n"
        "\taddi a0, a0, -1\n"
        "\tbnez a0, 1b\n"
        "\tlw a2, 0(t0)\n"
        "\tmul a0, a1, a2\n"
        "\tret\n"
        "2:\t.word 0\n"
        ".option pop\n"
        ".popsection\n");

int main(void)
{
    isa_section("fence.i");
    code[0] = enc_li_a0(42);
    code[1] = INSN_RET;
    CHECK("first code", call_code(), 42);
    for (int i = 0; i < 5; i++) {
        code[0] = enc_li_a0(100 + i);
        isa_printf("rewrite %d: ", i);
        CHECK("new code runs", call_code(), 100 + i);
    }
    /* Longer body: the changed instruction is in the middle of the block. */
    code[0] = enc_li_a0(1);
    code[1] = 0x00150513; /* addi a0, a0, 1 */
    code[2] = 0x00150513;
    code[3] = INSN_RET;
    CHECK("three insns", call_code(), 3);
    code[2] = 0x00a50533; /* add a0, a0, a0 */
    CHECK("middle insn changed", call_code(), 4);
    /* 16-bit forms: c.li a0, 5; c.jr ra */
    uint16_t *h = (uint16_t *)code;
    h[0] = 0x4515;
    h[1] = 0x8082;
    CHECK("compressed code", call_code(), 5);
    h[0] = 0x4525; /* c.li a0, 9 */
    CHECK("compressed rewritten", call_code(), 9);
    /* Byte-wise store: only the immediate's low byte changes. */
    code[0] = enc_li_a0(0x7f);
    code[1] = INSN_RET;
    CHECK("before byte store", call_code(), 0x7f);
    ((volatile uint8_t *)code)[3] = 0x11; /* imm[11:4] = 0x11 */
    CHECK("after byte store", call_code(), 0x11f);

    isa_section("self-patching block");
    CHECK("patch 7", smc_self(0, enc_li_a0(7)), 7);
    CHECK("patch 8", smc_self(0, enc_li_a0(8)), 8);
    CHECK("patch -3", smc_self(0, enc_li_a0(-3)), (uint64_t)-3L);

    isa_section("loop storing to its own page");
    CHECK("300 iterations", smc_loop(300, 0), 300 * 301 / 2);
    CHECK("1 iteration", smc_loop(1, 0), 1);
    return 0;
}
