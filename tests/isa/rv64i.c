/* rv64i.c - RV64I base integer instructions: arithmetic, shifts, compares,
 * W-ops, branches, jumps, loads/stores of every width and sign, misaligned
 * loads/stores (must work, no trap), x0 hard-wired to zero. */
#include "lib/isa.h"
#include "lib/ops.h"

static uint8_t buf[64] __attribute__((aligned(16)));

static void test_arith(void)
{
    isa_section("arith");
    CHECK("add", ROP("add", 0x7fffffffffffffffUL, 1), 0x8000000000000000UL);
    CHECK("sub", ROP("sub", 0, 1), ~0UL);
    CHECK("addi neg", IOP("addi", 5, -2048), (uint64_t)(5 - 2048));
    CHECK("and", ROP("and", 0xff00ff00ff00ff00UL, 0x0ff00ff00ff00ff0UL), 0x0f000f000f000f00UL);
    CHECK("or", ROP("or", 0xff00ff00ff00ff00UL, 0x0ff00ff00ff00ff0UL), 0xfff0fff0fff0fff0UL);
    CHECK("xor", ROP("xor", 0xff00ff00ff00ff00UL, 0x0ff00ff00ff00ff0UL), 0xf0f0f0f0f0f0f0f0UL);
    CHECK("andi", IOP("andi", 0x123456789abcdef0UL, -16), 0x123456789abcdef0UL);
    CHECK("ori", IOP("ori", 0x1000, 0x7ff), 0x17ffUL);
    CHECK("xori -1", IOP("xori", 0x5555, -1), ~0x5555UL);
    uint64_t r;
    __asm__ volatile("lui %0, 0x80000" : "=r"(r));
    CHECK("lui sign", r, 0xffffffff80000000UL);
    __asm__ volatile("lui %0, 0x7ffff" : "=r"(r));
    CHECK("lui pos", r, 0x7ffff000UL);
    uint64_t a, b;
    __asm__ volatile("auipc %0, 0\n\tauipc %1, 1" : "=r"(a), "=r"(b));
    CHECK("auipc delta", b - a, 0x1004);
    __asm__ volatile("li %0, 5\n\taddi x0, %0, 7\n\tmv %0, x0" : "=&r"(r));
    CHECK("x0 stays zero", r, 0);
}

static void test_shifts(void)
{
    isa_section("shifts");
    CHECK("sll", ROP("sll", 1, 63), 0x8000000000000000UL);
    CHECK("sll mask", ROP("sll", 1, 64 + 3), 8);
    CHECK("srl", ROP("srl", 0x8000000000000000UL, 63), 1);
    CHECK("sra", ROP("sra", 0x8000000000000000UL, 63), ~0UL);
    CHECK("sra mask", ROP("sra", 0x8000000000000000UL, 128 + 4), 0xf800000000000000UL);
    CHECK("slli", IOP("slli", 3, 62), 0xc000000000000000UL);
    CHECK("srli", IOP("srli", ~0UL, 60), 0xf);
    CHECK("srai", IOP("srai", 0xf000000000000000UL, 4), 0xff00000000000000UL);
}

static void test_compare(void)
{
    isa_section("compare");
    CHECK("slt", ROP("slt", -1L, 1), 1);
    CHECK("slt eq", ROP("slt", 7, 7), 0);
    CHECK("sltu", ROP("sltu", -1L, 1), 0);
    CHECK("sltu 0", ROP("sltu", 0, 1), 1);
    CHECK("slti", IOP("slti", -5L, -4), 1);
    CHECK("sltiu -1", IOP("sltiu", 5, -1), 1); /* imm sign-extended, then unsigned */
    CHECK("seqz", IOP("sltiu", 0, 1), 1);
    CHECK("beq", BRANCH("beq", 3, 3), 1);
    CHECK("beq nt", BRANCH("beq", 3, 4), 0);
    CHECK("bne", BRANCH("bne", 3, 4), 1);
    CHECK("blt", BRANCH("blt", -1L, 0), 1);
    CHECK("blt nt", BRANCH("blt", 0, -1L), 0);
    CHECK("bge eq", BRANCH("bge", 5, 5), 1);
    CHECK("bge nt", BRANCH("bge", -2L, 5), 0);
    CHECK("bltu", BRANCH("bltu", 0, -1L), 1);
    CHECK("bltu nt", BRANCH("bltu", -1L, 0), 0);
    CHECK("bgeu", BRANCH("bgeu", -1L, 0), 1);
    CHECK("bgeu nt", BRANCH("bgeu", 1, 2), 0);
}

static void test_wops(void)
{
    isa_section("w-ops");
    CHECK("addw ovf", ROP("addw", 0x7fffffff, 1), 0xffffffff80000000UL);
    CHECK("addw hi ignored", ROP("addw", 0x1234567800000001UL, 1), 2);
    CHECK("subw", ROP("subw", 0, 1), ~0UL);
    CHECK("addiw", IOP("addiw", 0xffffffffUL, 1), 0);
    CHECK("addiw sext", IOP("addiw", 0x7ffffff0UL, 0x10), 0xffffffff80000000UL);
    CHECK("sext.w", IOP("addiw", 0x00000000deadbeefUL, 0), 0xffffffffdeadbeefUL);
    CHECK("sllw", ROP("sllw", 1, 31), 0xffffffff80000000UL);
    CHECK("sllw mask", ROP("sllw", 1, 33), 2);
    CHECK("srlw", ROP("srlw", 0xffffffff80000000UL, 31), 1);
    CHECK("srlw 0", ROP("srlw", 0xffffffff80000000UL, 0), 0xffffffff80000000UL);
    CHECK("sraw", ROP("sraw", 0x80000000UL, 31), ~0UL);
    CHECK("slliw", IOP("slliw", 0x12345678UL, 4), 0x23456780UL);
    CHECK("srliw", IOP("srliw", 0xffffffff00000000UL | 0x80000000UL, 4), 0x08000000UL);
    CHECK("sraiw", IOP("sraiw", 0x80000000UL, 4), 0xfffffffff8000000UL);
}

uint64_t jal_target(void);
__asm__(".text\n.align 2\njal_target:\n\tli a0, 77\n\tret\n");

static void test_jumps(void)
{
    isa_section("jumps");
    uint64_t link, here, r;
    __asm__ volatile("jal %0, 1f\n1:\tauipc %1, 0" : "=&r"(link), "=r"(here));
    CHECK("jal link", here - link, 0);
    /* jalr clears bit 0 of the target */
    __asm__ volatile("la t0, 2f + 1\n\tjalr %0, t0, 0\n\tli %1, 1\n\tj 3f\n2:\tli %1, 2\n3:"
                     : "=&r"(link), "=&r"(r)
                     :
                     : "t0");
    CHECK("jalr odd target", r, 2);
    /* jalr with rd == rs1 uses the old value */
    __asm__ volatile("la %0, 4f\n\tjalr %0, %0, 0\n\tli %1, 1\n\tj 5f\n4:\tli %1, 3\n5:"
                     : "=&r"(link), "=&r"(r));
    CHECK("jalr rd==rs1", r, 3);
    CHECK("call", jal_target(), 77);
}

static void test_loads_stores(void)
{
    isa_section("loads/stores");
    for (int i = 0; i < 64; i++)
        buf[i] = (uint8_t)(0x80 + i * 3);
    CHECK("lb", LOAD("lb", buf, 0), 0xffffffffffffff80UL);
    CHECK("lbu", LOAD("lbu", buf, 0), 0x80);
    CHECK("lh", LOAD("lh", buf, 2), 0xffffffffffff8986UL);
    CHECK("lhu", LOAD("lhu", buf, 2), 0x8986);
    CHECK("lw", LOAD("lw", buf, 4), 0xffffffff95928f8cUL);
    CHECK("lwu", LOAD("lwu", buf, 4), 0x95928f8cUL);
    CHECK("ld", LOAD("ld", buf, 8), 0xadaaa7a4a19e9b98UL);
    CHECK("lb +", LOAD("lb", buf, 63), (uint64_t)(int8_t)(0x80 + 63 * 3));
    uint8_t *p = buf + 16;
    STORE("sd", p, 0, 0x1122334455667788UL);
    STORE("sw", p, 0, 0xaabbccddeeff0011UL);
    STORE("sh", p, 4, 0x9999UL);
    STORE("sb", p, 7, 0x1234UL);
    CHECK("sd/sw/sh/sb", LOAD("ld", p, 0), 0x34229999eeff0011UL);
    CHECK("negative offset", LOAD("lbu", p, -16), 0x80);
}

static void test_misaligned(void)
{
    isa_section("misaligned");
    for (int i = 0; i < 64; i++)
        buf[i] = (uint8_t)i;
    CHECK("ld +1", LOAD("ld", buf + 1, 0), 0x0807060504030201UL);
    CHECK("lw +3", LOAD("lw", buf + 3, 0), 0x06050403UL);
    CHECK("lwu +7 ", LOAD("lwu", buf + 7, 0), 0x0a090807UL);
    CHECK("lh +5", LOAD("lh", buf + 5, 0), 0x0605);
    CHECK("ld +13 crosses 8", LOAD("ld", buf + 13, 0), 0x14131211100f0e0dUL);
    STORE("sd", buf + 33, 0, 0xf1f2f3f4f5f6f7f8UL);
    STORE("sw", buf + 42, 0, 0xa1a2a3a4UL);
    STORE("sh", buf + 47, 0, 0xb1b2UL);
    CHECK("sd +33", LOAD("ld", buf + 32, 0), 0xf2f3f4f5f6f7f820UL);
    CHECK("sd +33 tail", LOAD("lbu", buf + 40, 0), 0xf1);
    CHECK("sw +42", LOAD("ld", buf + 40, 0), 0xb22ea1a2a3a429f1UL);
    CHECK("sh +47", LOAD("lhu", buf + 47, 0), 0xb1b2);
}

int main(void)
{
    test_arith();
    test_shifts();
    test_compare();
    test_wops();
    test_jumps();
    test_loads_stores();
    test_misaligned();
    return 0;
}
