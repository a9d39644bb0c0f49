/* mem.h - guest memory access below the TLB fast path (mem.c).
 *
 * mem_page resolves one guest page for one access type through the TLB
 * (filling it on a miss).  Functions here return 0 or an exception cause
 * and never raise it themselves: the caller decides (precise faults).
 */
#ifndef KILN_RISCV_MEM_H
#define KILN_RISCV_MEM_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "riscv/cpu.h"

typedef struct MemPage {
    uint8_t *host;  /* host address of the page (RAM), or NULL (device: use the bus) */
    uint64_t paddr; /* physical address of the page */
    bool code;      /* (stores) the page holds translated code */
} MemPage;

/* Translate the page of vaddr for access (ACC_*) in MMU index mmu_idx. */
int mem_page(RVCPU *cpu, uint64_t vaddr, int access, int mmu_idx, MemPage *pg);

/* A store is about to modify code page paddr_page: drop its TBs (and the
 * TLB_CODE marks if no code is left on it). */
void mem_code_write(RVCPU *cpu, uint64_t paddr_page);

/* Whole load/store with the slow path's rules (memop: IR_MO_*), without
 * raising: returns 0 or the cause (tval is addr). */
int mem_read(RVCPU *cpu, uint64_t addr, uint32_t memop, uint64_t *val);
int mem_write(RVCPU *cpu, uint64_t addr, uint64_t val, uint32_t memop);

/* Little-endian host RAM access (all Kiln hosts are little-endian). */
static inline uint64_t mem_ld_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, p, size);
    return v;
}

static inline void mem_st_le(uint8_t *p, uint64_t v, unsigned size)
{
    memcpy(p, &v, size);
}

#endif
