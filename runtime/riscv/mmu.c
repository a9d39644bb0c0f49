/* mmu.c - Sv39/Sv48 page-table walk (privileged spec 1.12, section 4.3-4.4).
 *
 * mmu_translate is the architectural translation: the MMU index names the
 * regime (M = identity; S, S with SUM, U = satp), MXR comes from mstatus.
 * It sets A (and D for stores) in the leaf PTE in guest RAM, like hardware
 * A/D updating.  PTEs must be in RAM; anything else is an access fault.
 */
#include <string.h>
#include "hw/bus.h"
#include "riscv/csr.h"
#include "riscv/cpu.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK ((1ull << 44) - 1)
#define PTE_RESERVED (0x3ffull << 54) /* N, PBMT, reserved: no Svnapot/Svpbmt */

static const int mmu_page_fault[3] = {EXC_LOAD_PAGE_FAULT, EXC_STORE_PAGE_FAULT,
                                      EXC_INSN_PAGE_FAULT};
static const int mmu_access_fault[3] = {EXC_LOAD_ACCESS, EXC_STORE_ACCESS, EXC_INSN_ACCESS};

/* Permission check of a valid leaf PTE for the access at privilege priv. */
static bool mmu_leaf_allows(const RVCPU *cpu, uint64_t pte, int access, unsigned priv, bool sum)
{
    if (priv == PRV_U) {
        if (!(pte & PTE_U))
            return false;
    } else if (pte & PTE_U) {
        /* S-mode never executes user pages; data only with SUM. */
        if (access == ACC_FETCH || !sum)
            return false;
    }
    switch (access) {
    case ACC_FETCH: return (pte & PTE_X) != 0;
    case ACC_STORE: return (pte & PTE_W) != 0;
    default: return (pte & PTE_R) || ((pte & PTE_X) && (cpu->mstatus & MSTATUS_MXR));
    }
}

int mmu_translate(RVCPU *cpu, uint64_t vaddr, int access, int mmu_idx, uint64_t *paddr)
{
    unsigned priv = mmu_idx == MMU_M ? PRV_M : mmu_idx == MMU_U ? PRV_U : PRV_S;
    bool sum = mmu_idx == MMU_S_SUM;
    unsigned mode = (unsigned)(cpu->satp >> SATP_MODE_SHIFT);
    if (priv == PRV_M || mode == SATP_MODE_BARE) {
        *paddr = vaddr;
        return 0;
    }

    int levels = mode == SATP_MODE_SV48 ? 4 : 3;
    int va_bits = 12 + 9 * levels;
    /* Bits 63..va_bits-1 must all equal bit va_bits-1. */
    int64_t top = (int64_t)vaddr >> (va_bits - 1);
    if (top != 0 && top != -1)
        return mmu_page_fault[access];

    uint64_t table = (cpu->satp & SATP_PPN_MASK) << 12;
    for (int level = levels - 1; level >= 0; level--) {
        uint64_t vpn = (vaddr >> (12 + 9 * level)) & 511;
        uint64_t pte_addr = table + vpn * 8;
        uint8_t *host = cpu->bus ? bus_ram_ptr(cpu->bus, pte_addr, 8) : NULL;
        if (!host)
            return mmu_access_fault[access];
        uint64_t pte;
        memcpy(&pte, host, 8); /* hosts are little-endian (x86_64, wasm32) */

        if (!(pte & PTE_V) || ((pte & PTE_W) && !(pte & PTE_R)) || (pte & PTE_RESERVED))
            return mmu_page_fault[access];
        uint64_t ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
        if (!(pte & (PTE_R | PTE_X))) {
            if (level == 0)
                return mmu_page_fault[access];
            table = ppn << 12;
            continue;
        }

        /* Leaf. */
        uint64_t low_mask = (1ull << (9 * level)) - 1; /* PPN bits a superpage takes from va */
        if (ppn & low_mask)
            return mmu_page_fault[access];
        if (!mmu_leaf_allows(cpu, pte, access, priv, sum))
            return mmu_page_fault[access];
        uint64_t want = PTE_A | (access == ACC_STORE ? PTE_D : 0);
        if ((pte & want) != want) {
            pte |= want;
            memcpy(host, &pte, 8);
        }
        ppn |= (vaddr >> 12) & low_mask;
        *paddr = (ppn << 12) | (vaddr & 0xfff);
        return 0;
    }
    return mmu_page_fault[access]; /* not reached */
}
