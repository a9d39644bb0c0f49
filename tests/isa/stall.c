/* stall.c - a hart that retires nothing: in S-mode with stvec at an address
 * with no memory (0) and instruction access faults delegated to S, an
 * illegal instruction traps to stvec, whose fetch faults and traps to stvec
 * again, forever.  Only an interrupt can end it: the M timer, always enabled
 * below M, fires and the M handler sees the loop's state.  kiln must let
 * time pass while the hart loops (deterministic mode: time is the icount,
 * which a loop of traps never moves; the dispatcher idles it as in WFI)
 * and keep polling its devices, else this program never ends. */
#include "lib/isa.h"

#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL 2
#define BAD_VECTOR 0UL /* no memory at physical 0 on virt */

static volatile int timer_seen;

static int stall_hook(TrapFrame *f, uint64_t cause)
{
    if (cause != (CAUSE_INTR | IRQ_MTI))
        return 0;
    mmio_write64(CLINT_MTIMECMP, ~0UL);
    timer_seen = 1;
    CHECK("interrupted at the bad trap vector: mepc", f->mepc, BAD_VECTOR);
    CHECK("previous mode was S", (csr_read(mstatus) >> 11) & 3, 1);
    CHECK("last S trap: scause is an instruction access fault", csr_read(scause),
          CAUSE_FETCH_ACCESS);
    CHECK("stval", csr_read(stval), BAD_VECTOR);
    CHECK("sepc", csr_read(sepc), BAD_VECTOR);
    isa_exit(isa_failures); /* the S code has nowhere to return to */
}

static long s_trap_storm(long arg)
{
    csr_write(stvec, BAD_VECTOR);
    __asm__ volatile(".word 0" ::: "memory"); /* illegal: traps to stvec */
    return arg;                               /* not reached */
}

int main(void)
{
    isa_trap_hook = stall_hook;
    isa_section("trap loop ended by an M timer interrupt");
    csr_write(medeleg, (1UL << CAUSE_FETCH_ACCESS) | (1UL << CAUSE_ILLEGAL));
    csr_write(mideleg, 0);
    csr_write(mie, 1UL << IRQ_MTI);
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + 10000); /* 1 ms */
    isa_enter_mode(1, s_trap_storm, 0, (unsigned long)__lower_stack_top);
    CHECK("the S code returned", 1, 0);
    return isa_failures;
}
