/* csr.h - CSR numbers of the RV64 machine and supervisor levels, once.
 *
 * RV_CSR_LIST(X) expands X(name, number) for every CSR Kiln implements by
 * name; ranges (pmpaddr0-15, [m]hpmcounter3-31, mhpmevent3-31) are handled
 * by number in csr.c.  Number bits 9:8 give the lowest privilege that may
 * access a CSR, bits 11:10 == 3 mark it read-only.
 */
#ifndef KILN_RISCV_CSR_H
#define KILN_RISCV_CSR_H
#include <stdint.h>
#include "riscv/cpu.h"

#define RV_CSR_LIST(X)                                                                             \
    X(fflags, 0x001)                                                                               \
    X(frm, 0x002)                                                                                  \
    X(fcsr, 0x003)                                                                                 \
    X(cycle, 0xc00)                                                                                \
    X(time, 0xc01)                                                                                 \
    X(instret, 0xc02)                                                                              \
    X(sstatus, 0x100)                                                                              \
    X(sie, 0x104)                                                                                  \
    X(stvec, 0x105)                                                                                \
    X(scounteren, 0x106)                                                                           \
    X(senvcfg, 0x10a)                                                                              \
    X(sscratch, 0x140)                                                                             \
    X(sepc, 0x141)                                                                                 \
    X(scause, 0x142)                                                                               \
    X(stval, 0x143)                                                                                \
    X(sip, 0x144)                                                                                  \
    X(satp, 0x180)                                                                                 \
    X(mvendorid, 0xf11)                                                                            \
    X(marchid, 0xf12)                                                                              \
    X(mimpid, 0xf13)                                                                               \
    X(mhartid, 0xf14)                                                                              \
    X(mconfigptr, 0xf15)                                                                           \
    X(mstatus, 0x300)                                                                              \
    X(misa, 0x301)                                                                                 \
    X(medeleg, 0x302)                                                                              \
    X(mideleg, 0x303)                                                                              \
    X(mie, 0x304)                                                                                  \
    X(mtvec, 0x305)                                                                                \
    X(mcounteren, 0x306)                                                                           \
    X(menvcfg, 0x30a)                                                                              \
    X(mcountinhibit, 0x320)                                                                        \
    X(mscratch, 0x340)                                                                             \
    X(mepc, 0x341)                                                                                 \
    X(mcause, 0x342)                                                                               \
    X(mtval, 0x343)                                                                                \
    X(mip, 0x344)                                                                                  \
    X(pmpcfg0, 0x3a0)                                                                              \
    X(pmpcfg2, 0x3a2)                                                                              \
    X(pmpaddr0, 0x3b0)                                                                             \
    X(mcycle, 0xb00)                                                                               \
    X(minstret, 0xb02)

enum {
#define X(name, num) CSR_##name = num,
    RV_CSR_LIST(X)
#undef X
};

/* Ranges handled by number. */
#define CSR_PMPADDR_COUNT 16
#define CSR_HPMCOUNTER3 0xc03  /* ..0xc1f: read 0 (counter-enable checked) */
#define CSR_MHPMCOUNTER3 0xb03 /* ..0xb1f: read 0, writes ignored */
#define CSR_MHPMEVENT3 0x323   /* ..0x33f: read 0, writes ignored */

/* satp fields (RV64). */
#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE 0
#define SATP_MODE_SV39 8
#define SATP_MODE_SV48 9
#define SATP_PPN_MASK ((1ull << 44) - 1)

/* mstatus bits a write can change, and the sstatus view of mstatus. */
#define MSTATUS_WMASK                                                                              \
    (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP |         \
     MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW |            \
     MSTATUS_TSR)
#define SSTATUS_RMASK                                                                              \
    (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_FS | (3ull << 15) |          \
     MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL | MSTATUS_SD)
#define SSTATUS_WMASK                                                                              \
    (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR)

/* Interrupt bits. */
#define MIP_SSIP (1ull << IRQ_SSI)
#define MIP_MSIP (1ull << IRQ_MSI)
#define MIP_STIP (1ull << IRQ_STI)
#define MIP_MTIP (1ull << IRQ_MTI)
#define MIP_SEIP (1ull << IRQ_SEI)
#define MIP_MEIP (1ull << IRQ_MEI)
#define MIE_MASK (MIP_SSIP | MIP_MSIP | MIP_STIP | MIP_MTIP | MIP_SEIP | MIP_MEIP)
#define MIDELEG_MASK (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define MIP_M_WMASK (MIP_SSIP | MIP_STIP | MIP_SEIP) /* software-writable from M */
/* medeleg: every defined exception but ecall from M (read-only zero). */
#define MEDELEG_MASK 0xb3ffull

/* mstatus as read (SD computed from FS). */
uint64_t csr_mstatus_read(const RVCPU *cpu);

/* csr_read for the insn with index insn_idx in the running TB, so that
 * cycle/instret count exactly (icount holds the count at TB start). */
int csr_read_at(RVCPU *cpu, unsigned csr, uint32_t insn_idx, uint64_t *val);

#endif
