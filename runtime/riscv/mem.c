/* mem.c - the software TLB and the guest memory slow paths.
 *
 * A TLB entry caches one guest page per MMU index; each access type (load,
 * store, fetch) has its own tag, filled only when that access type passed
 * mmu_translate (so a store fill implies the PTE's D bit is set).  Faults
 * are raised precisely: a misaligned access translates every page it
 * touches before reading or writing any byte.
 */
#include "exec/exec.h"
#include "hw/bus.h"
#include "ir/ir.h"
#include "riscv/mem.h"
#include "riscv/translate.h"

static inline bool tlb_match(uint64_t tag, uint64_t vpage)
{
    return (tag & (TLB_PAGE_MASK | TLB_INVALID)) == vpage;
}

static inline uint64_t *tlb_tag(TLBEntry *e, int access)
{
    return access == ACC_LOAD ? &e->tag_r : access == ACC_STORE ? &e->tag_w : &e->tag_x;
}

static void tlb_clear(RVCPU *cpu, unsigned mmu_idx, unsigned i)
{
    TLBEntry *e = &cpu->tlb.e[mmu_idx][i];
    e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
    e->addend = 0;
    cpu->tlb_paddr[mmu_idx][i] = 0;
}

void tlb_reset(RVCPU *cpu)
{
    for (unsigned m = 0; m < TLB_NB_MMU; m++)
        for (unsigned i = 0; i < TLB_SIZE; i++)
            tlb_clear(cpu, m, i);
    cpu->tlb_nused = 0;
}

/* Linux flushes the TLB at every context switch and page-table update
 * (thousands of times a boot) with a handful of entries filled in between:
 * clearing only those saves rewriting all TLB_NB_MMU * TLB_SIZE. */
void tlb_flush(RVCPU *cpu)
{
    for (uint32_t k = 0; k < cpu->tlb_nused; k++)
        tlb_clear(cpu, cpu->tlb_used[k] >> TLB_BITS, cpu->tlb_used[k] & (TLB_SIZE - 1));
    cpu->tlb_nused = 0;
}

/* Set (protect) or clear the TLB_CODE mark of every store tag on a page. */
static void tlb_mark_code(RVCPU *cpu, uint64_t paddr_page, bool code)
{
    for (uint32_t k = 0; k < cpu->tlb_nused; k++) {
        unsigned m = cpu->tlb_used[k] >> TLB_BITS, i = cpu->tlb_used[k] & (TLB_SIZE - 1);
        TLBEntry *e = &cpu->tlb.e[m][i];
        if ((e->tag_w & (TLB_INVALID | TLB_MMIO)) || cpu->tlb_paddr[m][i] != paddr_page)
            continue;
        if (code)
            e->tag_w |= TLB_CODE;
        else
            e->tag_w &= ~TLB_CODE;
    }
}

void tlb_protect_code_page(RVCPU *cpu, uint64_t paddr_page)
{
    tlb_mark_code(cpu, paddr_page & TLB_PAGE_MASK, true);
}

void mem_code_write(RVCPU *cpu, uint64_t paddr_page)
{
    if (exec_invalidate_phys_page(paddr_page))
        cpu_kick(cpu); /* a running loop may be one of the TBs dropped */
    if (!exec_page_has_code(paddr_page))
        tlb_mark_code(cpu, paddr_page, false);
}

/* Translate and install the page of vaddr for one access type. */
static int tlb_fill(RVCPU *cpu, uint64_t vaddr, int access, int mmu_idx)
{
    uint64_t paddr;
    int cause = mmu_translate(cpu, vaddr, access, mmu_idx, &paddr);
    if (cause)
        return cause;

    uint64_t vpage = vaddr & TLB_PAGE_MASK, ppage = paddr & TLB_PAGE_MASK;
    unsigned i = tlb_index(vaddr);
    TLBEntry *e = &cpu->tlb.e[mmu_idx][i];
    uint8_t *host = bus_ram_ptr(cpu->bus, ppage, TLB_PAGE_SIZE);
    uint64_t tag = host ? vpage : vpage | TLB_MMIO;

    if (e->tag_r & e->tag_w & e->tag_x & TLB_INVALID) { /* empty: becomes used (tlb_flush) */
        if (cpu->tlb_nused == TLB_NB_MMU * TLB_SIZE)    /* never: an entry is listed once */
            tlb_reset(cpu);
        cpu->tlb_used[cpu->tlb_nused++] = (uint16_t)((unsigned)mmu_idx << TLB_BITS | i);
    }
    /* The other access types' tags stay only if they cache this very
     * page with the same physical backing. */
    bool same =
        cpu->tlb_paddr[mmu_idx][i] == ppage &&
        (tlb_match(e->tag_r, vpage) || tlb_match(e->tag_w, vpage) || tlb_match(e->tag_x, vpage));
    if (!same)
        e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
    if (access == ACC_STORE && host && exec_page_has_code(ppage))
        tag |= TLB_CODE;
    e->addend = host ? (int64_t)((uint64_t)(uintptr_t)host - vpage) : 0;
    cpu->tlb_paddr[mmu_idx][i] = ppage;
    *tlb_tag(e, access) = tag;
    return 0;
}

int mem_page(RVCPU *cpu, uint64_t vaddr, int access, int mmu_idx, MemPage *pg)
{
    uint64_t vpage = vaddr & TLB_PAGE_MASK;
    unsigned i = tlb_index(vaddr);
    TLBEntry *e = &cpu->tlb.e[mmu_idx][i];
    uint64_t *tag = tlb_tag(e, access);
    if (!tlb_match(*tag, vpage)) {
        int cause = tlb_fill(cpu, vaddr, access, mmu_idx);
        if (cause)
            return cause;
    }
    pg->paddr = cpu->tlb_paddr[mmu_idx][i];
    pg->host = (*tag & TLB_MMIO) ? NULL : (uint8_t *)(uintptr_t)(uint64_t)(vpage + e->addend);
    pg->code = access == ACC_STORE && (*tag & TLB_CODE);
    return 0;
}

static uint64_t mem_extend(uint64_t v, uint32_t memop)
{
    switch (IR_MO_SIZE(memop) | (memop & IR_MO_SIGN)) {
    case 0: return (uint8_t)v;
    case 1: return (uint16_t)v;
    case 2: return (uint32_t)v;
    case 0 | IR_MO_SIGN: return (uint64_t)(int64_t)(int8_t)v;
    case 1 | IR_MO_SIGN: return (uint64_t)(int64_t)(int16_t)v;
    case 2 | IR_MO_SIGN: return (uint64_t)(int64_t)(int32_t)v;
    default: return v;
    }
}

int mem_read(RVCPU *cpu, uint64_t addr, uint32_t memop, uint64_t *val)
{
    unsigned size_log2 = IR_MO_SIZE(memop), size = 1u << size_log2;
    int mmu = (int)IR_MO_MMU(memop);
    bool misaligned = (addr & (size - 1)) != 0;
    if (misaligned && (memop & IR_MO_ALIGN))
        return EXC_LOAD_MISALIGNED;

    MemPage p0, p1;
    int cause = mem_page(cpu, addr, ACC_LOAD, mmu, &p0);
    if (cause)
        return cause;
    unsigned off = (unsigned)(addr & ~TLB_PAGE_MASK);
    uint64_t v = 0;
    if (off + size <= TLB_PAGE_SIZE) {
        if (p0.host)
            v = mem_ld_le(p0.host + off, size);
        else if (misaligned || bus_read(cpu->bus, p0.paddr + off, (int)size_log2, &v) < 0)
            return EXC_LOAD_ACCESS;
    } else {
        uint64_t addr1 = (addr + size) & TLB_PAGE_MASK;
        cause = mem_page(cpu, addr1, ACC_LOAD, mmu, &p1);
        if (cause)
            return cause;
        for (unsigned k = 0; k < size; k++) {
            uint64_t a = addr + k, b = 0;
            const MemPage *pg = a >= addr1 ? &p1 : &p0;
            unsigned o = (unsigned)(a & ~TLB_PAGE_MASK);
            if (pg->host)
                b = pg->host[o];
            else if (bus_read(cpu->bus, pg->paddr + o, 0, &b) < 0)
                return EXC_LOAD_ACCESS;
            v |= (b & 0xff) << (8 * k);
        }
    }
    *val = mem_extend(v, memop);
    return 0;
}

int mem_write(RVCPU *cpu, uint64_t addr, uint64_t val, uint32_t memop)
{
    unsigned size_log2 = IR_MO_SIZE(memop), size = 1u << size_log2;
    int mmu = (int)IR_MO_MMU(memop);
    bool misaligned = (addr & (size - 1)) != 0;
    if (misaligned && (memop & IR_MO_ALIGN))
        return EXC_STORE_MISALIGNED;

    MemPage p0, p1;
    int cause = mem_page(cpu, addr, ACC_STORE, mmu, &p0);
    if (cause)
        return cause;
    unsigned off = (unsigned)(addr & ~TLB_PAGE_MASK);
    if (off + size <= TLB_PAGE_SIZE) {
        if (p0.code)
            mem_code_write(cpu, p0.paddr);
        if (p0.host)
            mem_st_le(p0.host + off, val, size);
        else if (misaligned || bus_write(cpu->bus, p0.paddr + off, (int)size_log2, val) < 0)
            return EXC_STORE_ACCESS;
        return 0;
    }

    uint64_t addr1 = (addr + size) & TLB_PAGE_MASK;
    cause = mem_page(cpu, addr1, ACC_STORE, mmu, &p1);
    if (cause)
        return cause;
    /* A device page in a split store: check it is there before writing. */
    if ((!p0.host && !bus_find(cpu->bus, p0.paddr + off)) ||
        (!p1.host && !bus_find(cpu->bus, p1.paddr)))
        return EXC_STORE_ACCESS;
    if (p0.code)
        mem_code_write(cpu, p0.paddr);
    if (p1.code)
        mem_code_write(cpu, p1.paddr);
    for (unsigned k = 0; k < size; k++) {
        uint64_t a = addr + k;
        const MemPage *pg = a >= addr1 ? &p1 : &p0;
        unsigned o = (unsigned)(a & ~TLB_PAGE_MASK);
        uint8_t b = (uint8_t)(val >> (8 * k));
        if (pg->host)
            pg->host[o] = b;
        else
            bus_write(cpu->bus, pg->paddr + o, 0, b);
    }
    return 0;
}

int rv_load_slow(void *env, uint64_t addr, uint32_t memop, uint32_t site, uint64_t *val)
{
    RVCPU *cpu = env;
    int cause = mem_read(cpu, addr, memop, val);
    if (cause)
        return cpu_raise_at(cpu, (uint64_t)cause, addr, site);
    return 0;
}

int rv_store_slow(void *env, uint64_t addr, uint64_t val, uint32_t memop, uint32_t site)
{
    RVCPU *cpu = env;
    int cause = mem_write(cpu, addr, val, memop);
    if (cause)
        return cpu_raise_at(cpu, (uint64_t)cause, addr, site);
    return 0;
}

/* Fetch uses the privilege the TB runs at (never MPRV) and the x tag. */
int rv_fetch16(RVCPU *cpu, uint64_t vaddr, uint16_t *insn, uint64_t *paddr)
{
    if (vaddr & 1)
        return EXC_INSN_MISALIGNED;
    MemPage pg;
    int cause = mem_page(cpu, vaddr, ACC_FETCH, cpu_mmu_index(cpu, cpu->priv, true), &pg);
    if (cause)
        return cause;
    if (!pg.host)
        return EXC_INSN_ACCESS;
    unsigned off = (unsigned)(vaddr & ~TLB_PAGE_MASK);
    *insn = (uint16_t)(pg.host[off] | (pg.host[off + 1] << 8));
    *paddr = pg.paddr | off;
    return 0;
}
