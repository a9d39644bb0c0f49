/* zicsr.c - Zicsr: every csrr* form (old value returned, set/clear bits,
 * immediate forms), no write when rs1 = x0 / uimm = 0 (so read-only CSRs can
 * be read with csrrs/csrrc), writes to read-only CSRs trap, machine
 * information CSRs, and the cycle/time/instret counters (values not printed:
 * they differ between implementations). */
#include "lib/isa.h"

#define CSRRW(csr, v)                                                                              \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("csrrw %0, " #csr ", %1" : "=r"(r_) : "r"((uint64_t)(v)));                \
        r_;                                                                                        \
    })
#define CSRRS(csr, v)                                                                              \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("csrrs %0, " #csr ", %1" : "=r"(r_) : "r"((uint64_t)(v)));                \
        r_;                                                                                        \
    })
#define CSRRC(csr, v)                                                                              \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("csrrc %0, " #csr ", %1" : "=r"(r_) : "r"((uint64_t)(v)));                \
        r_;                                                                                        \
    })
#define CSRRI(insn, csr, imm)                                                                      \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(insn " %0, " #csr ", " #imm : "=r"(r_));                                  \
        r_;                                                                                        \
    })

int main(void)
{
    isa_section("csrr* forms");
    csr_write(sscratch, 0x1234);
    CHECK("csrrw old", CSRRW(sscratch, 0xff00), 0x1234);
    CHECK("csrrs old", CSRRS(sscratch, 0x00ff), 0xff00);
    CHECK("csrrc old", CSRRC(sscratch, 0x0f0f), 0xffff);
    CHECK("after csrrc", csr_read(sscratch), 0xf0f0);
    CHECK("csrrwi old", CSRRI("csrrwi", sscratch, 31), 0xf0f0);
    CHECK("csrrsi 0 old", CSRRI("csrrsi", sscratch, 0), 31);
    CHECK("csrrci old", CSRRI("csrrci", sscratch, 0x15), 31);
    CHECK("after csrrci", csr_read(sscratch), 0x0a);
    uint64_t old;
    __asm__ volatile("li t0, -1\n\tcsrrw x0, sscratch, t0\n\tcsrrs %0, sscratch, x0"
                     : "=r"(old)
                     :
                     : "t0");
    CHECK("csrrw rd=x0 writes", old, ~0UL);

    isa_section("read-only csrs");
    isa_arm_trap();
    /* rs1 must be x0 itself: a register holding 0 still attempts the write
     * (spec; QEMU 7.2 deviates), which traps on a read-only CSR. */
    __asm__ volatile("csrrs %0, mhartid, x0" : "=r"(old));
    CHECK("csrrs x0 mhartid", old, 0);
    __asm__ volatile("csrrc %0, mvendorid, x0" : "=r"(old));
    __asm__ volatile("csrrsi %0, marchid, 0" : "=r"(old));
    __asm__ volatile("csrrci %0, mimpid, 0" : "=r"(old));
    CHECK("reads without write do not trap", isa_disarm_trap(), 0);
    isa_arm_trap();
    __asm__ volatile("csrrw %0, mhartid, x0" : "=r"(old));
    CHECK("csrrw mhartid traps", isa_disarm_trap(), 1);
    CHECK("cause", isa_m_trap.cause, CAUSE_ILLEGAL);
    isa_arm_trap();
    __asm__ volatile("li t0, 1\n\tcsrrs %0, mvendorid, t0" : "=r"(old)::"t0");
    CHECK("csrrs nonzero mvendorid traps", isa_disarm_trap(), 1);
    isa_arm_trap();
    __asm__ volatile("csrr %0, 0x7ff" : "=r"(old)); /* custom space: not implemented */
    CHECK("unknown csr traps", isa_disarm_trap(), 1);
    CHECK("cause", isa_m_trap.cause, CAUSE_ILLEGAL);

    isa_section("machine info");
    uint64_t misa = csr_read(misa);
    CHECK("misa.MXL", misa >> 62, 2);
    const char *ext = "ACDFIMSU";
    for (const char *e = ext; *e; e++) {
        isa_printf("misa.%c ", *e);
        CHECK_TRUE("", (misa >> (*e - 'A')) & 1);
    }
    CHECK("mstatus.UXL", (csr_read(mstatus) >> 32) & 3, 2);
    CHECK("mstatus.SXL", (csr_read(mstatus) >> 34) & 3, 2);

    isa_section("counters");
    uint64_t c0 = csr_read(cycle), i0 = csr_read(instret), t0 = csr_read(time);
    volatile uint64_t sink = 0;
    for (int i = 0; i < 1000; i++)
        sink += (uint64_t)i;
    uint64_t c1 = csr_read(cycle), i1 = csr_read(instret), t1 = csr_read(time);
    CHECK_TRUE("instret advances", i1 - i0 >= 1000);
    CHECK_TRUE("cycle advances", c1 > c0);
    CHECK_TRUE("time monotonic", t1 >= t0);
    CHECK_TRUE("mcycle = cycle", csr_read(mcycle) >= c1);
    CHECK_TRUE("minstret = instret", csr_read(minstret) >= i1);
    uint64_t mt = mmio_read64(CLINT_MTIME);
    CHECK_TRUE("time >= CLINT mtime read before", csr_read(time) >= mt);
    return 0;
}
