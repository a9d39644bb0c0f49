/* dispatch.c - tools/bench's micro-benchmark of block dispatch: a bare-metal
 * RV64 program (built with tests/isa/lib's runtime, run with --bios none in
 * real time) that times, with the CLINT's mtime (10 MHz), three loops whose
 * blocks do almost nothing, so the time per iteration is what running one
 * block costs each tier:
 *   self    `1: addi; bnez 1b`: one block that branches to its own start
 *           (compiled code runs it without leaving its function)
 *   chain   `1: addi; j 2f; 2: bnez 1b`: two blocks per iteration, each
 *           leaving to the other through the dispatcher's chained path
 *   jump    `1: addi; jalr to 2f; 2: bnez 1b`: the jump goes through the
 *           dispatcher's jump-cache lookup (no chaining)
 * Prints one line per loop: "dispatch NAME ITERATIONS TICKS". */
#include "lib/isa.h"

#define N_SELF 40000000L
#define N_CHAIN 10000000L
#define N_JUMP 10000000L

static uint64_t now(void)
{
    return mmio_read64(CLINT_MTIME);
}

static void report(const char *name, long n, uint64_t t0)
{
    isa_printf("dispatch %s %ld %ld\n", name, n, (long)(now() - t0));
}

int main(void)
{
    long n = N_SELF;
    uint64_t t0 = now();
    __asm__ volatile("1: addi %0, %0, -1\n"
                     "   bnez %0, 1b\n"
                     : "+r"(n));
    report("self", N_SELF, t0);

    n = N_CHAIN;
    t0 = now();
    __asm__ volatile("1: addi %0, %0, -1\n"
                     "   j 2f\n"
                     "2: bnez %0, 1b\n"
                     : "+r"(n));
    report("chain", N_CHAIN, t0);

    n = N_JUMP;
    unsigned long target;
    t0 = now();
    __asm__ volatile("   la %1, 2f\n"
                     "1: addi %0, %0, -1\n"
                     "   jr %1\n"
                     "2: bnez %0, 1b\n"
                     : "+r"(n), "=&r"(target));
    report("jump", N_JUMP, t0);
    return 0;
}
