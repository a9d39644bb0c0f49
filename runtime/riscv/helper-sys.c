/* helper-sys.c - system helpers: traps, CSRs, xRET, WFI, SFENCE.VMA, atomics.
 *
 * A helper that faults raises the exception with cpu_raise_at (precise epc
 * from the site) and the backend leaves the TB.  mret/sret and a served SBI
 * ecall set pc themselves and exit with IR_EXIT_SYNC.
 */
#include "hw/bus.h"
#include "ir/ir.h"
#include "riscv/csr.h"
#include "riscv/helpers.h"
#include "riscv/mem.h"
#include "riscv/sbi.h"

static uint64_t helper_illegal(RVCPU *cpu, uint32_t site)
{
    cpu_raise_at(cpu, EXC_ILLEGAL_INSN, 0, site);
    return 0;
}

/* The ecall cause always follows the current privilege, whatever the
 * translator passed (8 + priv gives 8, 9, 11). */
uint64_t helper_raise(void *env, uint64_t cause, uint64_t tval, uint64_t site, uint64_t d)
{
    RVCPU *cpu = env;
    (void)d;
    if (cause == EXC_ECALL_U || cause == EXC_ECALL_S || cause == EXC_ECALL_M)
        cause = EXC_ECALL_U + cpu->priv;
    if (cause == EXC_ECALL_S && cpu->sbi_builtin) {
        if (!cpu->sbi_ready)
            cpu_enable_builtin_sbi(cpu);
        sbi_ecall(cpu);
        cpu->pc = cpu->tb_pc + IR_SITE_PCOFF((uint32_t)site) + 4;
        cpu->exit_status = IR_EXIT_SYNC;
        return 0;
    }
    cpu_raise_at(cpu, cause, tval, (uint32_t)site);
    return 0;
}

uint64_t helper_csr(void *env, uint64_t op, uint64_t value, uint64_t site, uint64_t d)
{
    RVCPU *cpu = env;
    (void)d;
    unsigned csr = CSROP_CSR((uint32_t)op), kind = CSROP_KIND((uint32_t)op);
    bool wr = (op & CSROP_WRITE) != 0, rd = (op & CSROP_READ) != 0;
    uint64_t old = 0;
    /* csrrw with rd = x0 has no read effects; all others read first (a
     * read has no side effects here, so a failed write leaves no trace). */
    if ((rd || kind != CSROP_RW || !wr) && csr_read_at(cpu, csr, IR_SITE_IDX((uint32_t)site), &old))
        return helper_illegal(cpu, (uint32_t)site);
    if (wr) {
        uint64_t nv = kind == CSROP_RS ? old | value : kind == CSROP_RC ? old & ~value : value;
        if (csr_write(cpu, csr, nv))
            return helper_illegal(cpu, (uint32_t)site);
    }
    return old;
}

uint64_t helper_mret(void *env, uint64_t site, uint64_t b, uint64_t c, uint64_t d)
{
    RVCPU *cpu = env;
    (void)b, (void)c, (void)d;
    if (cpu->priv != PRV_M)
        return helper_illegal(cpu, (uint32_t)site);
    uint64_t st = cpu->mstatus;
    unsigned mpp = (unsigned)((st & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
    st &= ~(MSTATUS_MIE | MSTATUS_MPP);
    if (st & MSTATUS_MPIE)
        st |= MSTATUS_MIE;
    st |= MSTATUS_MPIE; /* MPP becomes U (0) */
    if (mpp != PRV_M)
        st &= ~MSTATUS_MPRV;
    cpu->mstatus = st;
    cpu->priv = mpp;
    cpu->pc = cpu->mepc;
    cpu->exit_status = IR_EXIT_SYNC;
    return 0;
}

uint64_t helper_sret(void *env, uint64_t site, uint64_t b, uint64_t c, uint64_t d)
{
    RVCPU *cpu = env;
    (void)b, (void)c, (void)d;
    if (cpu->priv == PRV_U || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TSR)))
        return helper_illegal(cpu, (uint32_t)site);
    uint64_t st = cpu->mstatus;
    unsigned spp = (st & MSTATUS_SPP) ? PRV_S : PRV_U;
    st &= ~(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV);
    if (st & MSTATUS_SPIE)
        st |= MSTATUS_SIE;
    st |= MSTATUS_SPIE;
    cpu->mstatus = st;
    cpu->priv = spp;
    cpu->pc = cpu->sepc;
    cpu->exit_status = IR_EXIT_SYNC;
    return 0;
}

/* pc already points after the wfi; the dispatcher idles while halted. */
uint64_t helper_wfi(void *env, uint64_t site, uint64_t b, uint64_t c, uint64_t d)
{
    RVCPU *cpu = env;
    (void)b, (void)c, (void)d;
    if (cpu->priv == PRV_U || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TW)))
        return helper_illegal(cpu, (uint32_t)site);
    if (!cpu_wfi_wakeup(cpu))
        cpu->halted = true;
    return 0;
}

/* Flushes everything: entries are not tagged by ASID and a full flush is
 * cheap compared with the walks that follow it. */
uint64_t helper_sfence_vma(void *env, uint64_t vaddr, uint64_t asid, uint64_t site, uint64_t d)
{
    RVCPU *cpu = env;
    (void)vaddr, (void)asid, (void)d;
    if (cpu->priv == PRV_U || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TVM)))
        return helper_illegal(cpu, (uint32_t)site);
    tlb_flush(cpu);
    return 0;
}

static uint32_t helper_memop(const RVCPU *cpu, unsigned size_log2, bool sign)
{
    return IR_MO_MAKE(size_log2, sign, TBF_MMU(cpu_tb_flags(cpu))) | IR_MO_ALIGN;
}

uint64_t helper_lr(void *env, uint64_t addr, uint64_t size_log2, uint64_t site, uint64_t d)
{
    RVCPU *cpu = env;
    (void)d;
    uint64_t v;
    int cause = mem_read(cpu, addr, helper_memop(cpu, (unsigned)size_log2, true), &v);
    if (cause) {
        cpu_raise_at(cpu, (uint64_t)cause, addr, (uint32_t)site);
        return 0;
    }
    cpu->load_res = addr;
    cpu->load_res_val = v;
    return v;
}

/* One hart: SC succeeds iff the reservation is on addr (traps clear it). */
uint64_t helper_sc(void *env, uint64_t addr, uint64_t val, uint64_t size_log2, uint64_t site)
{
    RVCPU *cpu = env;
    if (addr & ((1ull << size_log2) - 1)) {
        cpu_raise_at(cpu, EXC_STORE_MISALIGNED, addr, (uint32_t)site);
        return 1;
    }
    bool ok = cpu->load_res == addr;
    cpu->load_res = ~0ull;
    if (!ok)
        return 1;
    int cause = mem_write(cpu, addr, val, helper_memop(cpu, (unsigned)size_log2, false));
    if (cause) {
        cpu_raise_at(cpu, (uint64_t)cause, addr, (uint32_t)site);
        return 1;
    }
    return 0;
}

static uint64_t helper_amo_op(unsigned op, unsigned size_log2, uint64_t old, uint64_t val)
{
    int64_t so = (int64_t)old, sv = (int64_t)val;
    uint64_t uo = old, uv = val;
    if (size_log2 == 2) {
        so = (int32_t)old, sv = (int32_t)val;
        uo = (uint32_t)old, uv = (uint32_t)val;
    }
    switch (op) {
    case AMO_SWAP: return val;
    case AMO_ADD: return old + val;
    case AMO_XOR: return old ^ val;
    case AMO_AND: return old & val;
    case AMO_OR: return old | val;
    case AMO_MIN: return so < sv ? old : val;
    case AMO_MAX: return so > sv ? old : val;
    case AMO_MINU: return uo < uv ? old : val;
    default: return uo > uv ? old : val; /* AMO_MAXU */
    }
}

/* AMOs need store permission (a read-only page gives a store page fault). */
uint64_t helper_amo(void *env, uint64_t addr, uint64_t val, uint64_t opsize, uint64_t site)
{
    RVCPU *cpu = env;
    unsigned op = (unsigned)(opsize & 0xff), size_log2 = (unsigned)((opsize >> 8) & 3);
    unsigned size = 1u << size_log2;
    int cause = 0;
    MemPage pg;
    uint64_t old = 0;
    if (addr & (size - 1)) {
        cause = EXC_STORE_MISALIGNED;
        goto fail;
    }
    cause = mem_page(cpu, addr, ACC_STORE, TBF_MMU(cpu_tb_flags(cpu)), &pg);
    if (cause)
        goto fail;
    unsigned off = (unsigned)(addr & ~TLB_PAGE_MASK);
    if (pg.host) {
        if (pg.code)
            mem_code_write(cpu, pg.paddr);
        old = mem_ld_le(pg.host + off, size);
        mem_st_le(pg.host + off, helper_amo_op(op, size_log2, old, val), size);
    } else {
        if (bus_read(cpu->bus, pg.paddr + off, (int)size_log2, &old) < 0 ||
            bus_write(cpu->bus, pg.paddr + off, (int)size_log2,
                      helper_amo_op(op, size_log2, old, val)) < 0) {
            cause = EXC_STORE_ACCESS;
            goto fail;
        }
    }
    return size_log2 == 2 ? (uint64_t)(int64_t)(int32_t)old : old;
fail:
    cpu_raise_at(cpu, (uint64_t)cause, addr, (uint32_t)site);
    return 0;
}
