/* strict.c - spec rules on which Debian's QEMU 7.2 deviates, so this program
 * runs on kiln only (suite 'isa', not 'isa-qemu'); on QEMU 7.2 it fails:
 *  - a misaligned AMO raises cause 6 (store/AMO misaligned); QEMU gives 4;
 *  - simultaneous M-level interrupts are taken MEI > MSI > MTI > SEI > SSI >
 *    STI; QEMU 7.2 (without AIA) takes the lowest-numbered one first;
 *  - mstatus.MPP is WARL and never holds the reserved value 2. */
#include "lib/isa.h"

static volatile uint64_t order[8];
static volatile int norder;
static volatile uint64_t mem[2] __attribute__((aligned(16)));

static int irq_hook(TrapFrame *f, uint64_t cause)
{
    (void)f;
    if (!(cause & CAUSE_INTR))
        return 0;
    if (norder < 8)
        order[norder++] = cause;
    switch (cause & 0xff) {
    case IRQ_MSI: mmio_write32(CLINT_MSIP, 0); break;
    case IRQ_MTI: mmio_write64(CLINT_MTIMECMP, ~0UL); break;
    case IRQ_SSI: csr_clear(mip, 1UL << IRQ_SSI); break;
    default: csr_write(mie, 0); break;
    }
    return 1;
}

int main(void)
{
    isa_section("misaligned amo cause");
    isa_arm_trap();
    uint64_t r;
    __asm__ volatile("amoadd.w %0, %1, (%2)" : "=r"(r) : "r"(1UL), "r"((char *)mem + 1) : "memory");
    CHECK("traps", isa_disarm_trap(), 1);
    CHECK("mcause", isa_m_trap.cause, CAUSE_MISALIGNED_STORE);
    isa_arm_trap();
    __asm__ volatile("amoor.d %0, %1, (%2)" : "=r"(r) : "r"(1UL), "r"((char *)mem + 4) : "memory");
    CHECK("mcause .d", isa_m_trap.cause, CAUSE_MISALIGNED_STORE);
    isa_disarm_trap();

    isa_section("interrupt priority");
    isa_trap_hook = irq_hook;
    mmio_write64(CLINT_MTIMECMP, 0);
    csr_set(mip, 1UL << IRQ_SSI);
    mmio_write32(CLINT_MSIP, 1);
    csr_write(mie, (1UL << IRQ_MTI) | (1UL << IRQ_MSI) | (1UL << IRQ_SSI));
    csr_set(mstatus, MSTATUS_MIE);
    __asm__ volatile("nop\n\tnop\n\tnop");
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK("interrupts taken", norder, 3);
    CHECK("first MSI", order[0], CAUSE_INTR | IRQ_MSI);
    CHECK("then MTI", order[1], CAUSE_INTR | IRQ_MTI);
    CHECK("then SSI", order[2], CAUSE_INTR | IRQ_SSI);
    csr_write(mie, 0);

    isa_section("mstatus.MPP WARL");
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, 2UL << 11);
    CHECK_TRUE("MPP != 2", ((csr_read(mstatus) >> 11) & 3) != 2);
    return 0;
}
