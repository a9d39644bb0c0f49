/* cpu.h - RV64GC hart state.
 *
 * The first part of RVCPU (up to `abi_end`) is the code ABI: TCI and
 * generated Wasm access it by byte offset, so it must hold only fixed-width
 * fields and have the same layout on every host (wasm32 and x86_64).
 * Everything after it is host-private.
 */
#ifndef KILN_RISCV_CPU_H
#define KILN_RISCV_CPU_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "exec/tlb.h"

/* Privilege levels. */
enum { PRV_U = 0, PRV_S = 1, PRV_M = 3 };

/* MMU indices (which TLB a data access uses). */
enum { MMU_U = 0, MMU_S = 1, MMU_M = 2, MMU_S_SUM = 3 };

/* TB flags: everything translation depends on besides the code bytes. */
#define TBF_PRIV(fl) ((fl)&3) /* privilege of execution */
#define TBF_MMU_SHIFT 2       /* bits 2-3: data MMU index */
#define TBF_MMU(fl) (((fl) >> 2) & 3)
#define TBF_FS_ON 0x10u    /* mstatus.FS != Off */
#define TBF_FS_DIRTY 0x20u /* mstatus.FS == Dirty already */

/* Exception causes (mcause, interrupt bit clear). */
enum {
    EXC_INSN_MISALIGNED = 0,
    EXC_INSN_ACCESS = 1,
    EXC_ILLEGAL_INSN = 2,
    EXC_BREAKPOINT = 3,
    EXC_LOAD_MISALIGNED = 4,
    EXC_LOAD_ACCESS = 5,
    EXC_STORE_MISALIGNED = 6,
    EXC_STORE_ACCESS = 7,
    EXC_ECALL_U = 8,
    EXC_ECALL_S = 9,
    EXC_ECALL_M = 11,
    EXC_INSN_PAGE_FAULT = 12,
    EXC_LOAD_PAGE_FAULT = 13,
    EXC_STORE_PAGE_FAULT = 15,
};
/* Interrupt numbers (bit positions in mip/mie). */
enum { IRQ_SSI = 1, IRQ_MSI = 3, IRQ_STI = 5, IRQ_MTI = 7, IRQ_SEI = 9, IRQ_MEI = 11 };

/* mstatus bits. */
#define MSTATUS_SIE (1ull << 1)
#define MSTATUS_MIE (1ull << 3)
#define MSTATUS_SPIE (1ull << 5)
#define MSTATUS_UBE (1ull << 6)
#define MSTATUS_MPIE (1ull << 7)
#define MSTATUS_SPP (1ull << 8)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP (3ull << 11)
#define MSTATUS_FS_SHIFT 13
#define MSTATUS_FS (3ull << 13)
#define MSTATUS_MPRV (1ull << 17)
#define MSTATUS_SUM (1ull << 18)
#define MSTATUS_MXR (1ull << 19)
#define MSTATUS_TVM (1ull << 20)
#define MSTATUS_TW (1ull << 21)
#define MSTATUS_TSR (1ull << 22)
#define MSTATUS_UXL (3ull << 32)
#define MSTATUS_SXL (3ull << 34)
#define MSTATUS_SD (1ull << 63)
#define FS_OFF 0
#define FS_INITIAL 1
#define FS_CLEAN 2
#define FS_DIRTY 3

struct Machine;

typedef struct RVCPU {
    /* ---- code ABI: accessed by offset from translated code ---- */
    uint64_t x[32];        /* x[0] is always 0: translated code never writes it */
    uint64_t f[32];        /* raw 64-bit FP registers (NaN-boxed singles) */
    uint64_t pc;           /* guest PC; stored by code at every TB exit */
    uint64_t tb_pc;        /* start PC of the running TB (set by the dispatcher) */
    uint32_t exit_status;  /* set nonzero (an IRExit) by a helper that faulted/exits */
    uint32_t fault_site;   /* IRSite of the insn that faulted */
    uint32_t frm;          /* dynamic rounding mode (fcsr[7:5]) */
    uint32_t fflags;       /* accrued exceptions (fcsr[4:0]) */
    uint64_t mstatus;      /* full mstatus; sstatus is a view of it */
    uint64_t load_res;     /* LR reservation address, or ~0 when none */
    uint64_t load_res_val; /* value seen by LR (for SC) */
    uint64_t icount;       /* retired instructions (deterministic clock source) */
    uint64_t icount_limit; /* compiled code loops back into its TB only while icount + n <
                              icount_limit (docs/ir.md); set by the dispatcher, cpu_kick */
    TLB tlb;
    uint64_t tci_frame[1024]; /* scratch slots for TCI's TB-local temps (in TCI images too) */
    uint8_t abi_end[8];

    /* ---- host-private ---- */
    uint32_t priv;
    bool halted; /* in WFI */
    uint64_t misa;
    uint64_t mie, mip; /* mip: software-visible bits; device lines ORed via irq_lines */
    uint64_t
        irq_lines; /* level-triggered interrupt lines from devices (MEIP, SEIP, MTIP, STIP...) */
    uint64_t medeleg, mideleg;
    uint64_t mtvec, mscratch, mepc, mcause, mtval;
    uint64_t stvec, sscratch, sepc, scause, stval, satp;
    uint64_t mcounteren, scounteren, menvcfg, senvcfg, mcountinhibit;
    uint64_t mhartid;
    uint64_t pmpcfg[4], pmpaddr[16]; /* stored only; no PMP enforcement */
    uint64_t stimecmp;               /* built-in SBI's timer deadline (in mtime units) */
    int sbi_builtin;                 /* 1: ecall from S-mode is served by sbi.c */
    bool sbi_ready;                  /* cpu_enable_builtin_sbi has run since reset */
    bool poll_request;               /* SBI set_timer/reset changed machine state: the dispatcher
                                        should call machine_poll (and clear this) before the next TB;
                                        set with cpu_request_poll */
    struct Machine *machine;
    struct Bus *bus;                   /* physical address space (cpu_reset: machine_bus(m)) */
    uint64_t mcycle_off, minstret_off; /* mcycle/minstret = icount + off (guest writes) */
    /* Physical page of each TLB entry (for TLB_CODE marking and MMIO). */
    uint64_t tlb_paddr[TLB_NB_MMU][TLB_SIZE];
    /* The TLB entries filled since the last flush (mmu << TLB_BITS | index),
     * each once: a flush and a code-page mark visit only these. */
    uint16_t tlb_used[TLB_NB_MMU * TLB_SIZE];
    uint32_t tlb_nused;
} RVCPU;

#define CPU_OFF(field) ((uint32_t)offsetof(RVCPU, field))

/* Compute the TB flags for the current state. */
uint32_t cpu_tb_flags(const RVCPU *cpu);

/* Reset to the given PC and privilege (a0/a1 set by the caller). */
void cpu_reset(RVCPU *cpu, struct Machine *m, uint64_t pc, int priv);

/* Take a synchronous exception now: sets cause/epc/tval, switches mode and
 * pc to the trap vector.  epc is the PC of the faulting instruction. */
void cpu_raise(RVCPU *cpu, uint64_t cause, uint64_t tval, uint64_t epc);

/* If an enabled interrupt is pending, take it (update pc/mode) and return
 * true.  Called by the dispatcher between TBs. */
bool cpu_check_interrupts(RVCPU *cpu);

/* True if any interrupt is pending and enabled-in-mie (wakes WFI,
 * regardless of global enables). */
bool cpu_wfi_wakeup(const RVCPU *cpu);

/* Stop compiled code at its next loop back-edge (see icount_limit): for
 * anything that changes what the dispatcher checks between TBs (interrupt
 * lines, a poll request, code written) while a TB runs. */
static inline void cpu_kick(RVCPU *cpu)
{
    cpu->icount_limit = 0;
}

/* Ask the dispatcher for a device poll before the next TB.  Kicks too:
 * compiled loops and chains of compiled TBs check only icount_limit. */
static inline void cpu_request_poll(RVCPU *cpu)
{
    cpu->poll_request = true;
    cpu_kick(cpu);
}

/* Effective pending interrupt bits (mip | irq_lines). */
static inline uint64_t cpu_mip(const RVCPU *cpu)
{
    return cpu->mip | cpu->irq_lines;
}

/* CSR access. Returns 0 on success, -1 if the access is illegal (the caller
 * raises an illegal-instruction exception). write_mask/wval: bits to write. */
int csr_read(RVCPU *cpu, unsigned csr, uint64_t *val);
int csr_write(RVCPU *cpu, unsigned csr, uint64_t val);

/* Address translation (Sv39/Sv48), access: 0 load, 1 store, 2 fetch.
 * On success fills *paddr (and may set A/D bits in the PTE) and returns 0;
 * on failure returns the exception cause to raise. */
enum { ACC_LOAD = 0, ACC_STORE = 1, ACC_FETCH = 2 };
int mmu_translate(RVCPU *cpu, uint64_t vaddr, int access, int mmu_idx, uint64_t *paddr);

/* Flush all TLB entries (satp/mstatus changes, sfence.vma): touches only
 * the entries filled since the last flush. */
void tlb_flush(RVCPU *cpu);
/* Empty every TLB entry whatever it holds (cpu_reset: after zeroing). */
void tlb_reset(RVCPU *cpu);

/* A physical page just got its first TB: make every TLB write entry that
 * maps it take the slow path (TLB_CODE), so stores invalidate the TBs. */
void tlb_protect_code_page(RVCPU *cpu, uint64_t paddr_page);

/* MMU index used for instruction fetch at the current privilege (fetch
 * ignores MPRV and SUM): M -> MMU_M, S -> MMU_S, U -> MMU_U. */
static inline int cpu_fetch_mmu(const RVCPU *cpu)
{
    return cpu->priv == PRV_M ? MMU_M : cpu->priv == PRV_S ? MMU_S : MMU_U;
}

/* Guest memory slow paths (IRContext load_slow/store_slow; mem.c): TLB
 * miss/fill, MMIO, misaligned and code-page stores.  Return 0, or raise
 * the guest fault (epc from tb_pc + site) and return IR_EXIT_FAULT. */
int rv_load_slow(void *env, uint64_t addr, uint32_t memop, uint32_t site, uint64_t *val);
int rv_store_slow(void *env, uint64_t addr, uint64_t val, uint32_t memop, uint32_t site);

/* Raise a synchronous exception for the insn at site of the running TB:
 * cpu_raise with epc = tb_pc + IR_SITE_PCOFF(site), fault_site = site,
 * exit_status = IR_EXIT_FAULT.  Returns IR_EXIT_FAULT. */
int cpu_raise_at(RVCPU *cpu, uint64_t cause, uint64_t tval, uint32_t site);

/* Data MMU index used for accesses at privilege priv (SUM taken from
 * mstatus for S); fetches use cpu_mmu_index(cpu, priv, true). */
int cpu_mmu_index(const RVCPU *cpu, unsigned priv, bool fetch);

/* Built-in SBI (no firmware): set sbi_builtin and program what OpenSBI
 * would have (delegation, counter enables).  Call it after cpu_reset (or
 * set sbi_builtin before cpu_reset, which keeps it and calls this); as a
 * safety net the first SBI ecall runs it if it has not run yet. */
void cpu_enable_builtin_sbi(RVCPU *cpu);

/* Built-in SBI timer: raise STIP iff mtime >= stimecmp.  The machine's
 * poll loop calls it (deadline: cpu->stimecmp); set_timer calls it too. */
void cpu_update_sbi_timer(RVCPU *cpu, uint64_t mtime);

/* Interrupt-line sink for devices (CLINT, PLIC): opaque is the RVCPU,
 * line an IRQ_* number; sets/clears that bit of irq_lines. */
void cpu_set_irq(void *opaque, int line, int level);

/* Snapshot (snap/snap.h): every architectural register and CSR, the
 * privilege, WFI state, FP state, LR reservation, icount, counter offsets
 * and the built-in SBI timer.  Not saved: the TLB and translation scratch
 * (load flushes the TLB; host pointers never enter a snapshot).  Load
 * validates everything before it changes the CPU. */
struct SnapWriter;
struct SnapReader;
int cpu_snap_save(const RVCPU *cpu, struct SnapWriter *w);
int cpu_snap_load(RVCPU *cpu, struct SnapReader *r);

#endif
