/* cpu.c - hart reset, TB flags, traps and interrupts (privileged spec 1.12).
 *
 * cpu_raise/cpu_check_interrupts are the only places that enter a trap
 * handler: they choose M or S by delegation, save the trap state and switch
 * privilege.  TLBs need no flush on a privilege change: each MMU index is
 * one fixed translation regime (see cpu_mmu_index).
 */
#include <stdlib.h>
#include <string.h>
#include "hw/machine.h"
#include "ir/ir.h"
#include "riscv/csr.h"
#include "riscv/cpu.h"
#include "snap/snap.h"

#define MISA_EXT(c) (1ull << ((c) - 'A'))
#define MISA_RV64 (2ull << 62)
#define MXL_64 2ull

/* What OpenSBI 1.1 delegates is 0xb109 (misaligned fetch, breakpoint, ecall
 * from U, page faults); it redirects the other S/U exceptions (illegal insn,
 * access faults, misaligned data) to S-mode by hand.  With no firmware the
 * net effect is delegating all of them; ecall from S is served in C. */
#define SBI_MEDELEG (MEDELEG_MASK & ~(1ull << EXC_ECALL_S))
#define SBI_MIDELEG MIDELEG_MASK
#define SBI_COUNTEREN 7ull /* CY, TM, IR: the vDSO reads time in U-mode */

int cpu_mmu_index(const RVCPU *cpu, unsigned priv, bool fetch)
{
    switch (priv) {
    case PRV_M: return MMU_M;
    case PRV_S: return !fetch && (cpu->mstatus & MSTATUS_SUM) ? MMU_S_SUM : MMU_S;
    default: return MMU_U;
    }
}

uint32_t cpu_tb_flags(const RVCPU *cpu)
{
    unsigned data_priv = cpu->priv;
    if (cpu->priv == PRV_M && (cpu->mstatus & MSTATUS_MPRV))
        data_priv = (unsigned)((cpu->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
    uint32_t fl =
        (cpu->priv & 3) | ((uint32_t)cpu_mmu_index(cpu, data_priv, false) << TBF_MMU_SHIFT);
    unsigned fs = (unsigned)((cpu->mstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT);
    if (fs != FS_OFF)
        fl |= TBF_FS_ON;
    if (fs == FS_DIRTY)
        fl |= TBF_FS_DIRTY;
    return fl;
}

void cpu_enable_builtin_sbi(RVCPU *cpu)
{
    cpu->sbi_builtin = 1;
    cpu->sbi_ready = true;
    cpu->medeleg = SBI_MEDELEG;
    cpu->mideleg = SBI_MIDELEG;
    cpu->mcounteren = SBI_COUNTEREN;
    cpu->scounteren = SBI_COUNTEREN;
    cpu->stimecmp = ~0ull;
}

void cpu_reset(RVCPU *cpu, struct Machine *m, uint64_t pc, int priv)
{
    int sbi = cpu->sbi_builtin;
    struct Bus *bus = cpu->bus;
    memset(cpu, 0, sizeof(*cpu));
    cpu->machine = m;
    cpu->bus = m ? machine_bus(m) : bus; /* no machine (unit tests): keep the caller's bus */
    cpu->pc = pc;
    cpu->priv = (uint32_t)priv;
    cpu->misa = MISA_RV64 | MISA_EXT('I') | MISA_EXT('M') | MISA_EXT('A') | MISA_EXT('F') |
                MISA_EXT('D') | MISA_EXT('C') | MISA_EXT('S') | MISA_EXT('U');
    cpu->mstatus = (MXL_64 << 32) | (MXL_64 << 34); /* UXL = SXL = 64-bit */
    cpu->load_res = ~0ull;
    cpu->stimecmp = ~0ull;
    cpu->mhartid = 0;
    tlb_reset(cpu);
    if (sbi)
        cpu_enable_builtin_sbi(cpu);
}

void cpu_raise(RVCPU *cpu, uint64_t cause, uint64_t tval, uint64_t epc)
{
    bool irq = (cause >> 63) != 0;
    unsigned code = (unsigned)(cause & 63);
    uint64_t deleg = irq ? cpu->mideleg : cpu->medeleg;
    uint64_t st = cpu->mstatus;

    cpu->load_res = ~0ull;
    cpu->halted = false;
    if (cpu->priv <= PRV_S && ((deleg >> code) & 1)) {
        cpu->sepc = epc;
        cpu->scause = cause;
        cpu->stval = tval;
        st &= ~(MSTATUS_SPP | MSTATUS_SPIE);
        if (cpu->priv == PRV_S)
            st |= MSTATUS_SPP;
        if (st & MSTATUS_SIE)
            st |= MSTATUS_SPIE;
        st &= ~MSTATUS_SIE;
        cpu->mstatus = st;
        cpu->priv = PRV_S;
        cpu->pc = cpu->stvec & ~3ull;
        if (irq && (cpu->stvec & 3) == 1)
            cpu->pc += 4ull * code;
    } else {
        cpu->mepc = epc;
        cpu->mcause = cause;
        cpu->mtval = tval;
        st &= ~(MSTATUS_MPP | MSTATUS_MPIE);
        st |= (uint64_t)cpu->priv << MSTATUS_MPP_SHIFT;
        if (st & MSTATUS_MIE)
            st |= MSTATUS_MPIE;
        st &= ~MSTATUS_MIE;
        cpu->mstatus = st;
        cpu->priv = PRV_M;
        cpu->pc = cpu->mtvec & ~3ull;
        if (irq && (cpu->mtvec & 3) == 1)
            cpu->pc += 4ull * code;
    }
}

int cpu_raise_at(RVCPU *cpu, uint64_t cause, uint64_t tval, uint32_t site)
{
    cpu_raise(cpu, cause, tval, cpu->tb_pc + IR_SITE_PCOFF(site));
    cpu->fault_site = site;
    cpu->exit_status = IR_EXIT_FAULT;
    return IR_EXIT_FAULT;
}

bool cpu_wfi_wakeup(const RVCPU *cpu)
{
    return (cpu_mip(cpu) & cpu->mie) != 0;
}

/* Highest-priority interrupt in set (MEI > MSI > MTI > SEI > SSI > STI), or -1. */
static int cpu_irq_pick(uint64_t set)
{
    static const int order[] = {IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_SSI, IRQ_STI};
    for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if ((set >> order[i]) & 1)
            return order[i];
    return -1;
}

/* Also ends WFI as soon as an interrupt is pending in mie, even if the
 * global enable keeps it from being taken (the spec's WFI wake-up rule). */
bool cpu_check_interrupts(RVCPU *cpu)
{
    uint64_t pending = cpu_mip(cpu) & cpu->mie;
    if (!pending)
        return false;
    cpu->halted = false;

    uint64_t m_set = pending & ~cpu->mideleg;
    uint64_t s_set = pending & cpu->mideleg;
    bool m_on = cpu->priv < PRV_M || (cpu->mstatus & MSTATUS_MIE);
    bool s_on = cpu->priv < PRV_S || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_SIE));
    int irq = m_on ? cpu_irq_pick(m_set) : -1;
    if (irq < 0 && s_on)
        irq = cpu_irq_pick(s_set);
    if (irq < 0)
        return false;
    cpu_raise(cpu, (1ull << 63) | (uint64_t)irq, 0, cpu->pc);
    return true;
}

void cpu_set_irq(void *opaque, int line, int level)
{
    RVCPU *cpu = opaque;
    if (level)
        cpu->irq_lines |= 1ull << line;
    else
        cpu->irq_lines &= ~(1ull << line);
    cpu_kick(cpu);
}

void cpu_update_sbi_timer(RVCPU *cpu, uint64_t mtime)
{
    if (!cpu->sbi_builtin)
        return;
    cpu_set_irq(cpu, IRQ_STI, mtime >= cpu->stimecmp);
}

/* The saved 64-bit fields, in file order (one table: save and load). */
/* clang-format off */
#define CPU_SNAP_U64(X) \
    X(pc) X(mstatus) X(load_res) X(load_res_val) X(icount) X(misa) X(mie) X(mip) \
    X(irq_lines) X(medeleg) X(mideleg) X(mtvec) X(mscratch) X(mepc) X(mcause) X(mtval) \
    X(stvec) X(sscratch) X(sepc) X(scause) X(stval) X(satp) X(mcounteren) X(scounteren) \
    X(menvcfg) X(senvcfg) X(mcountinhibit) X(mhartid) X(stimecmp) X(mcycle_off) \
    X(minstret_off)
/* clang-format on */
#define CPU_SNAP_U32(X) X(frm) X(fflags) X(priv)
#define CPU_SNAP_BOOL(X) X(halted) X(sbi_ready) X(poll_request)

int cpu_snap_save(const RVCPU *cpu, SnapWriter *w)
{
    for (int i = 0; i < 32; i++)
        snap_put_u64(w, cpu->x[i]);
    for (int i = 0; i < 32; i++)
        snap_put_u64(w, cpu->f[i]);
#define X(f) snap_put_u64(w, cpu->f);
    CPU_SNAP_U64(X)
#undef X
#define X(f) snap_put_u32(w, (uint32_t)cpu->f);
    CPU_SNAP_U32(X)
#undef X
#define X(f) snap_put_u8(w, cpu->f ? 1 : 0);
    CPU_SNAP_BOOL(X)
#undef X
    snap_put_u32(w, (uint32_t)cpu->sbi_builtin);
    for (int i = 0; i < 4; i++)
        snap_put_u64(w, cpu->pmpcfg[i]);
    for (int i = 0; i < 16; i++)
        snap_put_u64(w, cpu->pmpaddr[i]);
    return w->err ? -1 : 0;
}

int cpu_snap_load(RVCPU *cpu, SnapReader *r)
{
    /* Parse into a copy of the fields (RVCPU is large: heap). */
    RVCPU *t = malloc(sizeof(*t));
    if (!t)
        return -1;
    memcpy(t, cpu, offsetof(RVCPU, tlb_paddr));
    for (int i = 0; i < 32; i++)
        t->x[i] = snap_get_u64(r);
    for (int i = 0; i < 32; i++)
        t->f[i] = snap_get_u64(r);
#define X(f) t->f = snap_get_u64(r);
    CPU_SNAP_U64(X)
#undef X
#define X(f) t->f = snap_get_u32(r);
    CPU_SNAP_U32(X)
#undef X
#define X(f) t->f = snap_get_bool(r);
    CPU_SNAP_BOOL(X)
#undef X
    t->sbi_builtin = (int)snap_get_u32(r);
    for (int i = 0; i < 4; i++)
        t->pmpcfg[i] = snap_get_u64(r);
    for (int i = 0; i < 16; i++)
        t->pmpaddr[i] = snap_get_u64(r);
    bool ok = snap_reader_done(r) && t->x[0] == 0 &&
              (t->priv == PRV_U || t->priv == PRV_S || t->priv == PRV_M) && t->frm < 8 &&
              t->fflags < 32 && t->sbi_builtin >= 0 && t->sbi_builtin <= 1;
    if (ok && !r->dry_run) {
        memcpy(cpu->x, t->x, sizeof(cpu->x));
        memcpy(cpu->f, t->f, sizeof(cpu->f));
        memcpy(cpu->pmpcfg, t->pmpcfg, sizeof(cpu->pmpcfg));
        memcpy(cpu->pmpaddr, t->pmpaddr, sizeof(cpu->pmpaddr));
        cpu->sbi_builtin = t->sbi_builtin;
#define X(f) cpu->f = t->f;
        CPU_SNAP_U64(X)
        CPU_SNAP_U32(X)
        CPU_SNAP_BOOL(X)
#undef X
        cpu->tb_pc = cpu->pc;
        cpu->exit_status = 0;
        cpu->fault_site = 0;
        tlb_flush(cpu); /* entries hold host addends of the old state */
    }
    free(t);
    return ok ? 0 : -1;
}
