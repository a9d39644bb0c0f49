/* rvc.c - C extension: hand-written c.* instructions (rvc-asm.S), c.ebreak,
 * and ordinary compiled code, which uses RVC throughout (-march=rv64gc). */
#include "lib/isa.h"

long c_li_addi(void);
long c_lui(void);
long c_addiw(void);
long c_alu(long a, long b);
long c_shift63(void);
long c_w_ops(long a, long b);
long c_add(long a, long b);
long c_stack(long a, long b);
long c_branch(long a);
long c_jalr(void);
uint64_t c_fp(uint64_t a);
long c_mixed(void);

static uint64_t alu_model(uint64_t a, uint64_t b)
{
    uint64_t r = a - b;
    r ^= b;
    r |= b;
    r &= a;
    r <<= 3;
    r >>= 1;
    r = (uint64_t)((int64_t)r >> 1);
    return r & ~1UL;
}

static uint64_t fib(uint64_t n)
{
    uint64_t a = 0, b = 1;
    while (n--) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    return a;
}

int main(void)
{
    isa_section("rvc");
    CHECK("c.li/c.addi", c_li_addi(), (uint64_t)-1L);
    CHECK("c.lui", c_lui(), 0xfffffffffffe0000UL);
    CHECK("c.addiw", c_addiw(), 0xffffffff80000000UL);
    CHECK("c alu", c_alu(0x123456789abcdefL, 0x0f0f0f0f0f0f0f0fL),
          alu_model(0x123456789abcdefUL, 0x0f0f0f0f0f0f0f0fUL));
    CHECK("c alu neg", c_alu(-5L, 0x7fL), alu_model(-5L, 0x7f));
    CHECK("c.srli/slli/srai 63", c_shift63(), ~0UL);
    CHECK("c.addw/subw", c_w_ops(0x7ffffff0L, 0x20), 0xffffffff80000010UL);
    CHECK("c.add", c_add(40, 2), 84);
    CHECK("c stack forms", c_stack(0x100000000L, 0x80000000L), 0x100000000UL - 0x80000000UL);
    CHECK("c.beqz", c_branch(0), 2);
    CHECK("c.bnez", c_branch(5), 1);
    CHECK("c.jalr", c_jalr(), 17);
    CHECK("c.fsd/c.fld", c_fp(0x400921fb54442d18UL), 0x400921fb54442d18UL);
    CHECK("mixed lengths", c_mixed(), 1103);
    CHECK("compiled code", fib(90), 2880067194370816120UL);

    isa_section("c.ebreak");
    isa_arm_trap();
    __asm__ volatile(".option push\n\t.option rvc\n\tc.ebreak\n\t.option pop");
    CHECK("c.ebreak traps", isa_disarm_trap(), 1);
    CHECK("cause", isa_m_trap.cause, CAUSE_BREAKPOINT);
    /* illegal: the all-zero halfword is a defined illegal instruction */
    isa_arm_trap();
    __asm__ volatile(".option push\n\t.option rvc\n\t.2byte 0\n\t.option pop");
    CHECK("c zero halfword traps", isa_disarm_trap(), 1);
    CHECK("cause", isa_m_trap.cause, CAUSE_ILLEGAL);
    return 0;
}
