/* rv64m.c - M extension: multiplications (all high-part forms), divisions
 * and remainders, including division by zero and signed overflow, which
 * must not trap and give the values fixed by the spec. */
#include "lib/isa.h"
#include "lib/ops.h"

#define MIN64 0x8000000000000000UL
#define M1 0xffffffffffffffffUL

int main(void)
{
    isa_section("mul");
    CHECK("mul", ROP("mul", 0x123456789UL, 0x987654321UL), 0x123456789UL * 0x987654321UL);
    CHECK("mul neg", ROP("mul", -3L, 7), (uint64_t)-21L);
    CHECK("mulh -1*-1", ROP("mulh", M1, M1), 0);
    CHECK("mulh min*min", ROP("mulh", MIN64, MIN64), 0x4000000000000000UL);
    CHECK("mulh -2*3", ROP("mulh", -2L, 3), M1);
    CHECK("mulh max*2", ROP("mulh", 0x7fffffffffffffffUL, 2), 0);
    CHECK("mulhu", ROP("mulhu", M1, M1), 0xfffffffffffffffeUL);
    CHECK("mulhu 2^32", ROP("mulhu", 1UL << 32, 1UL << 32), 1);
    CHECK("mulhsu -1*max", ROP("mulhsu", M1, M1), M1);
    CHECK("mulhsu 2*max", ROP("mulhsu", 2, M1), 1);
    CHECK("mulhsu min*1", ROP("mulhsu", MIN64, 1), M1);
    CHECK("mulw", ROP("mulw", 0x7fffffff, 2), 0xfffffffffffffffeUL);
    CHECK("mulw hi", ROP("mulw", 0x100000001UL, 0x100000001UL), 1);
    CHECK("mulw sext", ROP("mulw", 0x10000, 0x8000), 0xffffffff80000000UL);

    isa_section("div");
    CHECK("div", ROP("div", -7L, 2), (uint64_t)-3L);
    CHECK("rem", ROP("rem", -7L, 2), M1);
    CHECK("rem sign of dividend", ROP("rem", 7, -2L), 1);
    CHECK("divu", ROP("divu", -7L, 2), 0x7ffffffffffffffcUL);
    CHECK("remu", ROP("remu", -7L, 2), 1);
    CHECK("div by 0", ROP("div", 42, 0), M1);
    CHECK("divu by 0", ROP("divu", 42, 0), M1);
    CHECK("rem by 0", ROP("rem", -42L, 0), (uint64_t)-42L);
    CHECK("remu by 0", ROP("remu", 42, 0), 42);
    CHECK("div overflow", ROP("div", MIN64, M1), MIN64);
    CHECK("rem overflow", ROP("rem", MIN64, M1), 0);

    isa_section("div w");
    CHECK("divw", ROP("divw", 0xabcdef00fffffff9UL, 2), (uint64_t)-3L);
    CHECK("divw hi ignored", ROP("divw", 0xabcdef0000000010UL, 0x1234567800000004UL), 4);
    CHECK("divuw", ROP("divuw", 0xfffffff9UL, 2), 0x7ffffffcUL);
    CHECK("divuw sext", ROP("divuw", 0xfffffffeUL, 1), 0xfffffffffffffffeUL);
    CHECK("remw", ROP("remw", 0xfffffff9UL, 2), M1);
    CHECK("remuw", ROP("remuw", 0xfffffff9UL, 2), 1);
    CHECK("divw by 0", ROP("divw", 5, 0x100000000UL), M1);
    CHECK("divuw by 0", ROP("divuw", 5, 0), M1);
    CHECK("remw by 0", ROP("remw", 0x80000005UL, 0), 0xffffffff80000005UL);
    CHECK("remuw by 0", ROP("remuw", 0x80000005UL, 0), 0xffffffff80000005UL);
    CHECK("divw overflow", ROP("divw", 0x80000000UL, M1), 0xffffffff80000000UL);
    CHECK("remw overflow", ROP("remw", 0x80000000UL, M1), 0);
    return 0;
}
