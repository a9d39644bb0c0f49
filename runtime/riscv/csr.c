/* csr.c - CSR reads and writes with the privileged spec's WARL rules.
 *
 * csr_read/csr_write do every legality check themselves (privilege from the
 * CSR number, read-only CSRs, FS off, counter enables, TVM) and return -1 on
 * an illegal access, which the caller turns into an illegal-insn trap.
 */
#include "hw/machine.h"
#include "riscv/csr.h"

#define PMPADDR_MASK ((1ull << 54) - 1)
#define ENVCFG_MASK 1ull /* FIOM only: no Zicbom/Svpbmt/Sstc */

uint64_t csr_mstatus_read(const RVCPU *cpu)
{
    uint64_t st = cpu->mstatus & ~MSTATUS_SD;
    if ((st & MSTATUS_FS) == MSTATUS_FS)
        st |= MSTATUS_SD;
    return st;
}

/* Merge val into mstatus under wmask, keeping the WARL fields legal. SUM,
 * MPRV and MPP need no TLB flush (each regime has its own MMU index); MXR
 * changes what a cached load permission means, so it does. */
static void csr_mstatus_write(RVCPU *cpu, uint64_t val, uint64_t wmask)
{
    uint64_t old = cpu->mstatus;
    uint64_t st = (old & ~wmask) | (val & wmask);
    if (((st & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) == 2) /* reserved: no H-mode */
        st = (st & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    st &= ~MSTATUS_SD;
    cpu->mstatus = st;
    if ((old ^ st) & MSTATUS_MXR)
        tlb_flush(cpu);
}

static bool csr_fs_on(const RVCPU *cpu)
{
    return (cpu->mstatus & MSTATUS_FS) != 0;
}

static void csr_fs_dirty(RVCPU *cpu)
{
    cpu->mstatus |= MSTATUS_FS;
}

/* User counter n (cycle 0, time 1, instret 2, hpmcounter3..31) readable? */
static bool csr_counter_ok(const RVCPU *cpu, unsigned n)
{
    if (cpu->priv < PRV_M && !((cpu->mcounteren >> n) & 1))
        return false;
    if (cpu->priv == PRV_U && !((cpu->scounteren >> n) & 1))
        return false;
    return true;
}

static bool csr_tvm_trap(const RVCPU *cpu)
{
    return cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TVM);
}

static bool csr_priv_ok(const RVCPU *cpu, unsigned csr)
{
    return ((csr >> 8) & 3) <= cpu->priv;
}

/* Read-zero ranges: returns true if csr is one of them. */
static bool csr_is_zero_range(unsigned csr)
{
    return (csr >= CSR_MHPMCOUNTER3 && csr <= 0xb1f) || (csr >= CSR_MHPMEVENT3 && csr <= 0x33f) ||
           (csr >= 0x3a4 && csr <= 0x3ae && !(csr & 1)) ||     /* pmpcfg4..14 */
           (csr >= 0x3b0 + CSR_PMPADDR_COUNT && csr <= 0x3ef); /* pmpaddr16..63 */
}

int csr_read_at(RVCPU *cpu, unsigned csr, uint32_t insn_idx, uint64_t *val)
{
    if (!csr_priv_ok(cpu, csr))
        return -1;
    uint64_t v;
    switch (csr) {
    case CSR_fflags:
    case CSR_frm:
    case CSR_fcsr:
        if (!csr_fs_on(cpu))
            return -1;
        v = csr == CSR_fflags ? cpu->fflags
            : csr == CSR_frm  ? cpu->frm
                              : (uint64_t)cpu->fflags | ((uint64_t)cpu->frm << 5);
        break;
    case CSR_cycle:
    case CSR_instret:
        if (!csr_counter_ok(cpu, csr & 31))
            return -1;
        /* fall through */
    case CSR_mcycle:
    case CSR_minstret:
        v = cpu->icount + insn_idx + ((csr & 31) == 0 ? cpu->mcycle_off : cpu->minstret_off);
        break;
    case CSR_time:
        if (!csr_counter_ok(cpu, 1))
            return -1;
        v = cpu->machine ? machine_mtime(cpu->machine) : 0;
        break;
    case CSR_sstatus: v = csr_mstatus_read(cpu) & SSTATUS_RMASK; break;
    case CSR_sie: v = cpu->mie & cpu->mideleg; break;
    case CSR_stvec: v = cpu->stvec; break;
    case CSR_scounteren: v = cpu->scounteren; break;
    case CSR_senvcfg: v = cpu->senvcfg; break;
    case CSR_sscratch: v = cpu->sscratch; break;
    case CSR_sepc: v = cpu->sepc; break;
    case CSR_scause: v = cpu->scause; break;
    case CSR_stval: v = cpu->stval; break;
    case CSR_sip: v = cpu_mip(cpu) & cpu->mideleg; break;
    case CSR_satp:
        if (csr_tvm_trap(cpu))
            return -1;
        v = cpu->satp;
        break;
    case CSR_mvendorid:
    case CSR_marchid:
    case CSR_mimpid:
    case CSR_mconfigptr: v = 0; break;
    case CSR_mhartid: v = cpu->mhartid; break;
    case CSR_mstatus: v = csr_mstatus_read(cpu); break;
    case CSR_misa: v = cpu->misa; break;
    case CSR_medeleg: v = cpu->medeleg; break;
    case CSR_mideleg: v = cpu->mideleg; break;
    case CSR_mie: v = cpu->mie; break;
    case CSR_mtvec: v = cpu->mtvec; break;
    case CSR_mcounteren: v = cpu->mcounteren; break;
    case CSR_menvcfg: v = cpu->menvcfg; break;
    case CSR_mcountinhibit: v = cpu->mcountinhibit; break;
    case CSR_mscratch: v = cpu->mscratch; break;
    case CSR_mepc: v = cpu->mepc; break;
    case CSR_mcause: v = cpu->mcause; break;
    case CSR_mtval: v = cpu->mtval; break;
    case CSR_mip: v = cpu_mip(cpu); break;
    case CSR_pmpcfg0: v = cpu->pmpcfg[0]; break;
    case CSR_pmpcfg2: v = cpu->pmpcfg[1]; break;
    default:
        if (csr >= CSR_pmpaddr0 && csr < CSR_pmpaddr0 + CSR_PMPADDR_COUNT) {
            v = cpu->pmpaddr[csr - CSR_pmpaddr0];
        } else if (csr >= CSR_HPMCOUNTER3 && csr <= 0xc1f) {
            if (!csr_counter_ok(cpu, csr & 31))
                return -1;
            v = 0;
        } else if (csr_is_zero_range(csr)) {
            v = 0;
        } else {
            return -1;
        }
        break;
    }
    *val = v;
    return 0;
}

int csr_read(RVCPU *cpu, unsigned csr, uint64_t *val)
{
    return csr_read_at(cpu, csr, 0, val);
}

/* satp: only Bare, Sv39 and Sv48 are accepted; any other MODE leaves satp
 * unchanged (WARL), which is how the kernel probes for Sv57/Sv48. ASIDLEN
 * is 0 (ASID reads 0): every satp write flushes the TLB anyway. */
static void csr_satp_write(RVCPU *cpu, uint64_t val)
{
    uint64_t mode = val >> SATP_MODE_SHIFT;
    if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48)
        return;
    cpu->satp = (mode << SATP_MODE_SHIFT) | (val & SATP_PPN_MASK);
    tlb_flush(cpu);
}

int csr_write(RVCPU *cpu, unsigned csr, uint64_t val)
{
    if (!csr_priv_ok(cpu, csr) || ((csr >> 10) & 3) == 3)
        return -1;
    switch (csr) {
    case CSR_fflags:
    case CSR_frm:
    case CSR_fcsr:
        if (!csr_fs_on(cpu))
            return -1;
        if (csr == CSR_fflags) {
            cpu->fflags = (uint32_t)(val & 31);
        } else if (csr == CSR_frm) {
            cpu->frm = (uint32_t)(val & 7);
        } else {
            cpu->fflags = (uint32_t)(val & 31);
            cpu->frm = (uint32_t)((val >> 5) & 7);
        }
        csr_fs_dirty(cpu);
        break;
    case CSR_sstatus: csr_mstatus_write(cpu, val, SSTATUS_WMASK); break;
    case CSR_sie: cpu->mie = (cpu->mie & ~cpu->mideleg) | (val & cpu->mideleg & MIE_MASK); break;
    case CSR_stvec: cpu->stvec = val & ~2ull; break;
    case CSR_scounteren: cpu->scounteren = val & 0xffffffffull; break;
    case CSR_senvcfg: cpu->senvcfg = val & ENVCFG_MASK; break;
    case CSR_sscratch: cpu->sscratch = val; break;
    case CSR_sepc: cpu->sepc = val & ~1ull; break;
    case CSR_scause: cpu->scause = val; break;
    case CSR_stval: cpu->stval = val; break;
    case CSR_sip: {
        uint64_t m = MIP_SSIP & cpu->mideleg;
        cpu->mip = (cpu->mip & ~m) | (val & m);
        break;
    }
    case CSR_satp:
        if (csr_tvm_trap(cpu))
            return -1;
        csr_satp_write(cpu, val);
        break;
    case CSR_mstatus: csr_mstatus_write(cpu, val, MSTATUS_WMASK); break;
    case CSR_misa: break; /* WARL: extensions cannot be turned off */
    case CSR_medeleg: cpu->medeleg = val & MEDELEG_MASK; break;
    case CSR_mideleg: cpu->mideleg = val & MIDELEG_MASK; break;
    case CSR_mie: cpu->mie = val & MIE_MASK; break;
    case CSR_mtvec: cpu->mtvec = val & ~2ull; break;
    case CSR_mcounteren: cpu->mcounteren = val & 0xffffffffull; break;
    case CSR_menvcfg: cpu->menvcfg = val & ENVCFG_MASK; break;
    case CSR_mcountinhibit: cpu->mcountinhibit = val & 0xfffffffdull; break;
    case CSR_mscratch: cpu->mscratch = val; break;
    case CSR_mepc: cpu->mepc = val & ~1ull; break;
    case CSR_mcause: cpu->mcause = val; break;
    case CSR_mtval: cpu->mtval = val; break;
    case CSR_mip: cpu->mip = (cpu->mip & ~MIP_M_WMASK) | (val & MIP_M_WMASK); break;
    case CSR_pmpcfg0: cpu->pmpcfg[0] = val; break;
    case CSR_pmpcfg2: cpu->pmpcfg[1] = val; break;
    case CSR_mcycle: cpu->mcycle_off = val - cpu->icount; break;
    case CSR_minstret: cpu->minstret_off = val - cpu->icount; break;
    default:
        if (csr >= CSR_pmpaddr0 && csr < CSR_pmpaddr0 + CSR_PMPADDR_COUNT)
            cpu->pmpaddr[csr - CSR_pmpaddr0] = val & PMPADDR_MASK;
        else if (!csr_is_zero_range(csr))
            return -1;
        break;
    }
    return 0;
}
