/* tlb.h - software TLB: guest virtual page -> host address, per MMU index.
 *
 * Layout is part of the code ABI (TCI and generated Wasm read it), so it
 * holds only fixed-width fields.  A tag is the page-aligned guest virtual
 * address, or TLB_INVALID; flag bits in the page-offset bits of a tag force
 * the slow path.  A hit for an aligned access of size S is:
 *   (addr & (TLB_PAGE_MASK | (S-1))) == tag   and then host = addr + addend.
 */
#ifndef KILN_TLB_H
#define KILN_TLB_H
#include <stdint.h>

#define TLB_PAGE_BITS 12
#define TLB_PAGE_SIZE (1ull << TLB_PAGE_BITS)
#define TLB_PAGE_MASK (~(TLB_PAGE_SIZE - 1))
#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_NB_MMU 4

/* Tag flag bits (never set in a page-aligned address). */
#define TLB_INVALID 0x800ull /* entry empty for this access type */
#define TLB_MMIO 0x400ull    /* page is a device: go through the bus */
#define TLB_CODE 0x200ull    /* (write tag) page holds translated code */

typedef struct TLBEntry {
    uint64_t tag_r; /* for loads */
    uint64_t tag_w; /* for stores */
    uint64_t tag_x; /* for instruction fetch */
    int64_t addend; /* host address - guest virtual address (RAM only) */
} TLBEntry;

typedef struct TLB {
    TLBEntry e[TLB_NB_MMU][TLB_SIZE];
} TLB;

static inline unsigned tlb_index(uint64_t vaddr)
{
    return (unsigned)(vaddr >> TLB_PAGE_BITS) & (TLB_SIZE - 1);
}

#endif
