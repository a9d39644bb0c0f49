/* interrupts.c - CLINT timer interrupt (mtimecmp, mie.MTIE, mstatus.MIE),
 * mip.MTIP following mtime >= mtimecmp, WFI wake-up with interrupts
 * globally off, a pending but masked interrupt across a loop of chained
 * blocks, priority order MSI > MTI > SSI, M interrupts taken in U even with
 * mstatus.MIE = 0, and a software interrupt delegated to S. */
#include "lib/isa.h"

static volatile uint64_t order[16];
static volatile int norder;
static volatile int flag;

static void timer_off(void)
{
    mmio_write64(CLINT_MTIMECMP, ~0UL);
}

static int irq_hook(TrapFrame *f, uint64_t cause)
{
    (void)f;
    if (!(cause & CAUSE_INTR))
        return 0;
    unsigned irq = (unsigned)(cause & 0xff);
    if (norder < 16)
        order[norder++] = cause;
    isa_m_trap.status = csr_read(mstatus);
    switch (irq) {
    case IRQ_MSI: mmio_write32(CLINT_MSIP, 0); break;
    case IRQ_MTI: timer_off(); break;
    case IRQ_SSI: csr_clear(mip, 1UL << IRQ_SSI); break;
    default: break;
    }
    flag = 1;
    if (norder >= 16) /* an interrupt that cannot be cleared: stop it */
        csr_write(mie, 0);
    return 1;
}

static long u_wait_flag(long arg)
{
    while (!flag)
        ;
    return arg;
}

static long s_enable_sie(long arg)
{
    csr_set(sstatus, MSTATUS_SIE);
    for (volatile int i = 0; i < 100; i++)
        ;
    csr_clear(sstatus, MSTATUS_SIE);
    return arg;
}

int main(void)
{
    isa_trap_hook = irq_hook;
    timer_off();
    csr_write(mie, 0);
    csr_write(mideleg, 0);

    isa_section("mip.MTIP");
    CHECK("MTIP clear with mtimecmp = max", (csr_read(mip) >> IRQ_MTI) & 1, 0);
    mmio_write64(CLINT_MTIMECMP, 0);
    CHECK("MTIP set with mtimecmp = 0", (csr_read(mip) >> IRQ_MTI) & 1, 1);
    timer_off();
    CHECK("MTIP clear again", (csr_read(mip) >> IRQ_MTI) & 1, 0);

    isa_section("timer interrupt");
    norder = 0;
    csr_write(mie, 1UL << IRQ_MTI);
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + 1000);
    csr_set(mstatus, MSTATUS_MIE);
    for (long i = 0; i < 100000000L && norder == 0; i++)
        ;
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK("interrupts taken", norder, 1);
    CHECK("mcause", order[0], CAUSE_INTR | IRQ_MTI);
    CHECK("MPIE was 1", (isa_m_trap.status >> 7) & 1, 1);

    isa_section("wfi");
    norder = 0;
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + 2000);
    for (long i = 0; i < 1000000L && !((csr_read(mip) >> IRQ_MTI) & 1); i++)
        __asm__ volatile("wfi");
    CHECK("wfi wakes on pending MTI with MIE=0", (csr_read(mip) >> IRQ_MTI) & 1, 1);
    CHECK("no trap while MIE=0", norder, 0);
    csr_set(mstatus, MSTATUS_MIE);
    __asm__ volatile("nop");
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK("taken when MIE=1", norder, 1);

    isa_section("pending but masked across chained blocks");
    /* MTIP pending and enabled in mie, mstatus.MIE = 0: a loop of blocks
     * linked by goto_tb (the asm keeps the two arms branches) runs to its
     * end without a trap; the interrupt is taken as soon as MIE is set. */
    norder = 0;
    csr_write(mie, 1UL << IRQ_MTI);
    mmio_write64(CLINT_MTIMECMP, 0);
    long n = 0;
    for (long i = 0; i < 20000; i++) {
        if (i & 1)
            __asm__ volatile("addi %0, %0, 3" : "+r"(n));
        else
            __asm__ volatile("addi %0, %0, 1" : "+r"(n));
    }
    CHECK("no trap while MIE=0", norder, 0);
    CHECK("loop ran", n, 40000);
    CHECK("MTIP still pending", (csr_read(mip) >> IRQ_MTI) & 1, 1);
    csr_set(mstatus, MSTATUS_MIE);
    __asm__ volatile("nop");
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK("taken when MIE=1", norder, 1);
    CHECK("mcause", order[0], CAUSE_INTR | IRQ_MTI);

    isa_section("priorities");
    /* MSI before MTI. (The spec also puts both before SSI; QEMU 7.2 takes the
     * lowest-numbered pending interrupt first, so that part is in strict.c.) */
    norder = 0;
    mmio_write64(CLINT_MTIMECMP, 0);
    mmio_write32(CLINT_MSIP, 1);
    CHECK("mip pending", csr_read(mip) & 0xaa, (1UL << IRQ_MTI) | (1UL << IRQ_MSI));
    csr_write(mie, (1UL << IRQ_MTI) | (1UL << IRQ_MSI));
    csr_set(mstatus, MSTATUS_MIE);
    __asm__ volatile("nop\n\tnop\n\tnop");
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK("interrupts taken", norder, 2);
    CHECK("first MSI", order[0], CAUSE_INTR | IRQ_MSI);
    CHECK("then MTI", order[1], CAUSE_INTR | IRQ_MTI);
    norder = 0;
    csr_set(mip, 1UL << IRQ_SSI);
    CHECK("mip.SSIP", (csr_read(mip) >> IRQ_SSI) & 1, 1);
    csr_write(mie, 1UL << IRQ_SSI);
    csr_set(mstatus, MSTATUS_MIE);
    __asm__ volatile("nop");
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK("SSI taken in M (not delegated)", norder, 1);
    CHECK("mcause", order[0], CAUSE_INTR | IRQ_SSI);

    isa_section("M interrupt in U with MIE=0");
    norder = 0;
    flag = 0;
    csr_write(mie, 1UL << IRQ_MTI);
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + 500);
    CHECK("U returns", isa_enter_mode(0, u_wait_flag, 5, (unsigned long)__lower_stack_top), 5);
    CHECK("interrupts taken", norder, 1);
    CHECK("mcause", order[0], CAUSE_INTR | IRQ_MTI);
    CHECK("MPP = U", (isa_m_trap.status >> 11) & 3, 0);

    isa_section("SSI delegated to S");
    norder = 0;
    csr_write(stvec, (uintptr_t)isa_s_trap_entry);
    csr_write(mideleg, 1UL << IRQ_SSI);
    CHECK("mideleg.SSI", (csr_read(mideleg) >> IRQ_SSI) & 1, 1);
    csr_write(mie, 1UL << IRQ_SSI);
    csr_set(mip, 1UL << IRQ_SSI);
    isa_s_trap.count = 0;
    /* delegated and pending, but S-mode SIE = 0 and we are in M: not taken */
    csr_set(mstatus, MSTATUS_MIE);
    __asm__ volatile("nop");
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK("not taken in M", norder + isa_s_trap.count, 0);
    isa_enter_mode(1, s_enable_sie, 0, (unsigned long)__lower_stack_top);
    CHECK("S traps", isa_s_trap.count, 1);
    CHECK("scause", isa_s_trap.cause, CAUSE_INTR | IRQ_SSI);
    CHECK("M traps", norder, 0);
    CHECK("sip.SSIP cleared", (csr_read(mip) >> IRQ_SSI) & 1, 0);
    csr_write(mideleg, 0);
    csr_write(mie, 0);
    return 0;
}
