/* traps.c - exceptions and privilege changes: illegal instruction (mtval),
 * ecall from M/S/U (mcause, mepc), ebreak, access fault, mret/sret into U
 * and S, mstatus MPP/MPIE/MIE and SPP/SPIE/SIE, delegation to S through
 * medeleg, and which CSRs a lower mode may touch. */
#include "lib/isa.h"

#define ILLEGAL_INSN 0x1234500bu /* custom-0 opcode: not implemented */

extern char ecall_m_insn[];

static long u_ecall(long arg)
{
    register long a0 __asm__("a0") = arg;
    register long a7 __asm__("a7") = 0;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
    return a0 + 1;
}

static long read_mstatus_fn(long arg)
{
    (void)arg;
    return (long)csr_read(mstatus);
}

static long read_sstatus_fn(long arg)
{
    (void)arg;
    return (long)csr_read(sstatus);
}

static long illegal_fn(long arg)
{
    __asm__ volatile(".4byte 0x1234500b" ::: "memory");
    return arg;
}

/* S mode: enable SIE, take a delegated illegal instruction, report sstatus */
static long s_sie_fn(long arg)
{
    (void)arg;
    csr_set(sstatus, MSTATUS_SIE);
    __asm__ volatile(".4byte 0x1234500b" ::: "memory");
    long after = (long)csr_read(sstatus);
    csr_clear(sstatus, MSTATUS_SIE);
    return after;
}

static long u_cycle_fn(long arg)
{
    (void)arg;
    return (long)csr_read(cycle);
}

static unsigned long lower_sp(void)
{
    return (unsigned long)__lower_stack_top;
}

static void test_m_mode(void)
{
    isa_section("M-mode exceptions");
    isa_arm_trap();
    __asm__ volatile(".option push\n.option norvc\n.4byte 0x1234500b\n.option pop");
    CHECK("illegal traps", isa_disarm_trap(), 1);
    CHECK("mcause", isa_m_trap.cause, CAUSE_ILLEGAL);
    CHECK("mtval = instruction", isa_m_trap.tval, ILLEGAL_INSN);
    isa_arm_trap();
    __asm__ volatile(".option push\n.option norvc\n.globl ecall_m_insn\necall_m_insn: ecall\n"
                     ".option pop" ::
                         : "memory");
    CHECK("ecall traps", isa_disarm_trap(), 1);
    CHECK("mcause", isa_m_trap.cause, CAUSE_ECALL_M);
    CHECK_TRUE("mepc = ecall", isa_m_trap.epc == (uint64_t)(uintptr_t)ecall_m_insn);
    CHECK("MPP = M", (isa_m_trap.status >> 11) & 3, 3);
    isa_arm_trap();
    __asm__ volatile(".option push\n.option norvc\nebreak\n.option pop");
    CHECK("ebreak traps", isa_disarm_trap(), 1);
    CHECK("mcause", isa_m_trap.cause, CAUSE_BREAKPOINT);
    isa_arm_trap();
    (void)mmio_read64(0x90000000UL + 0x1000); /* past the end of 256 MiB of RAM */
    CHECK("load outside memory traps", isa_disarm_trap(), 1);
    CHECK("mcause", isa_m_trap.cause, CAUSE_LOAD_ACCESS);
    CHECK("mtval", isa_m_trap.tval, 0x90001000UL);
    isa_arm_trap();
    mmio_write64(0x90000000UL + 0x2000, 1);
    CHECK("store outside memory traps", isa_disarm_trap(), 1);
    CHECK("mcause", isa_m_trap.cause, CAUSE_STORE_ACCESS);

    isa_section("mstatus on trap and mret");
    csr_set(mstatus, MSTATUS_MIE); /* mie = 0: no interrupt can be taken */
    csr_clear(mstatus, MSTATUS_MPIE);
    isa_arm_trap();
    __asm__ volatile("ecall" ::: "memory");
    isa_disarm_trap();
    uint64_t st = isa_m_trap.status;
    CHECK("in trap: MIE", (st >> 3) & 1, 0);
    CHECK("in trap: MPIE", (st >> 7) & 1, 1);
    uint64_t now = csr_read(mstatus);
    CHECK("after mret: MIE", (now >> 3) & 1, 1);
    CHECK("after mret: MPIE", (now >> 7) & 1, 1);
    CHECK("after mret: MPP = U", (now >> 11) & 3, 0);
    csr_clear(mstatus, MSTATUS_MIE);
}

static void test_lower_modes(void)
{
    isa_section("ecall from U and S");
    isa_arm_trap();
    CHECK("U function result", isa_enter_mode(0, u_ecall, 41, lower_sp()), 42);
    CHECK("U ecall traps", isa_disarm_trap(), 1);
    CHECK("mcause", isa_m_trap.cause, CAUSE_ECALL_U);
    CHECK("MPP = U", (isa_m_trap.status >> 11) & 3, 0);
    CHECK_TRUE("mepc in u_ecall", isa_m_trap.epc - (uint64_t)(uintptr_t)u_ecall < 64);
    isa_arm_trap();
    CHECK("S function result", isa_enter_mode(1, u_ecall, 9, lower_sp()), 10);
    CHECK("S ecall traps", isa_disarm_trap(), 1);
    CHECK("mcause", isa_m_trap.cause, CAUSE_ECALL_S);
    CHECK("MPP = S", (isa_m_trap.status >> 11) & 3, 1);

    isa_section("privileged access from lower modes");
    isa_arm_trap();
    isa_enter_mode(0, read_mstatus_fn, 0, lower_sp());
    CHECK("U reads mstatus: traps", isa_disarm_trap(), 1);
    CHECK("mcause", isa_m_trap.cause, CAUSE_ILLEGAL);
    isa_arm_trap();
    isa_enter_mode(0, read_sstatus_fn, 0, lower_sp());
    CHECK("U reads sstatus: traps", isa_disarm_trap(), 1);
    isa_arm_trap();
    isa_enter_mode(1, read_mstatus_fn, 0, lower_sp());
    CHECK("S reads mstatus: traps", isa_disarm_trap(), 1);
    isa_arm_trap();
    uint64_t ss = (uint64_t)isa_enter_mode(1, read_sstatus_fn, 0, lower_sp());
    CHECK("S reads sstatus: ok", isa_disarm_trap(), 0);
    CHECK("sstatus hides MPP", (ss >> 11) & 3, 0);
    /* counters in U need mcounteren and scounteren */
    csr_write(mcounteren, 0);
    isa_arm_trap();
    isa_enter_mode(0, u_cycle_fn, 0, lower_sp());
    CHECK("U cycle, mcounteren=0: traps", isa_disarm_trap(), 1);
    csr_write(mcounteren, 7);
    csr_write(scounteren, 0);
    isa_arm_trap();
    isa_enter_mode(0, u_cycle_fn, 0, lower_sp());
    CHECK("U cycle, scounteren=0: traps", isa_disarm_trap(), 1);
    csr_write(scounteren, 7);
    isa_arm_trap();
    isa_enter_mode(0, u_cycle_fn, 0, lower_sp());
    CHECK("U cycle, both 7: ok", isa_disarm_trap(), 0);
    isa_arm_trap();
    isa_enter_mode(1, u_cycle_fn, 0, lower_sp());
    CHECK("S cycle, mcounteren=7: ok", isa_disarm_trap(), 0);
    isa_arm_trap();
    isa_enter_mode(0, illegal_fn, 0, lower_sp());
    CHECK("U illegal: traps to M", isa_disarm_trap(), 1);
    CHECK("mtval", isa_m_trap.tval, ILLEGAL_INSN);
}

static void test_delegation(void)
{
    isa_section("delegation to S");
    csr_write(stvec, (uintptr_t)isa_s_trap_entry);
    csr_write(medeleg, (1UL << CAUSE_ECALL_U) | (1UL << CAUSE_ILLEGAL));
    CHECK("medeleg readback", csr_read(medeleg), (1UL << CAUSE_ECALL_U) | (1UL << CAUSE_ILLEGAL));
    isa_s_trap.count = 0;
    isa_arm_trap();
    CHECK("U ecall delegated: result", isa_enter_mode(0, u_ecall, 1, lower_sp()), 2);
    CHECK("M traps", isa_disarm_trap(), 0);
    CHECK("S traps", isa_s_trap.count, 1);
    CHECK("scause", isa_s_trap.cause, CAUSE_ECALL_U);
    CHECK("SPP = U", (isa_s_trap.status >> 8) & 1, 0);
    isa_s_trap.count = 0;
    isa_enter_mode(0, illegal_fn, 0, lower_sp());
    CHECK("U illegal delegated", isa_s_trap.count, 1);
    CHECK("scause", isa_s_trap.cause, CAUSE_ILLEGAL);
    CHECK("stval", isa_s_trap.tval, ILLEGAL_INSN);
    isa_s_trap.count = 0;
    uint64_t after = (uint64_t)isa_enter_mode(1, s_sie_fn, 0, lower_sp());
    CHECK("S illegal delegated", isa_s_trap.count, 1);
    CHECK("SPP = S", (isa_s_trap.status >> 8) & 1, 1);
    CHECK("in trap: SIE", (isa_s_trap.status >> 1) & 1, 0);
    CHECK("in trap: SPIE", (isa_s_trap.status >> 5) & 1, 1);
    CHECK("after sret: SIE", (after >> 1) & 1, 1);
    CHECK("after sret: SPIE", (after >> 5) & 1, 1);
    CHECK("after sret: SPP = U", (after >> 8) & 1, 0);
    isa_arm_trap();
    isa_enter_mode(1, u_ecall, 0, lower_sp());
    CHECK("S ecall not delegated: M traps", isa_disarm_trap(), 1);
    CHECK("mcause", isa_m_trap.cause, CAUSE_ECALL_S);
    /* Traps taken in M are never delegated. */
    isa_s_trap.count = 0;
    isa_arm_trap();
    __asm__ volatile(".option push\n.option norvc\n.4byte 0x1234500b\n.option pop");
    CHECK("M illegal stays in M", isa_disarm_trap(), 1);
    CHECK("S traps", isa_s_trap.count, 0);
    csr_write(medeleg, 0);
}

int main(void)
{
    test_m_mode();
    test_lower_modes();
    test_delegation();
    return 0;
}
