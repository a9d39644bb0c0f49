/* test-mmu.c - privileged architecture: Sv39/Sv48 walks, TLB slow paths,
 * CSR views and WARL rules, traps, interrupts and the built-in SBI.
 * Builds page tables by hand in RAM of a bare Bus (no Machine).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hw/bus.h"
#include "ir/ir.h"
#include "riscv/cpu.h"
#include "riscv/csr.h"
#include "riscv/helpers.h"
#include "riscv/sbi.h"
#include "riscv/translate.h"
#include "../check.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (64ull << 20)

#define V (1ull << 0)
#define R (1ull << 1)
#define W (1ull << 2)
#define X (1ull << 3)
#define U (1ull << 4)
#define A (1ull << 6)
#define D (1ull << 7)

static Bus bus;
static RVCPU *cpu;
static uint64_t next_table; /* bump allocator for page-table pages */

static uint64_t rd64(uint64_t pa)
{
    uint64_t v;
    memcpy(&v, bus_ram_ptr(&bus, pa, 8), 8);
    return v;
}

static void wr64(uint64_t pa, uint64_t v)
{
    memcpy(bus_ram_ptr(&bus, pa, 8), &v, 8);
}

static uint64_t alloc_table(void)
{
    uint64_t pa = next_table;
    next_table += 4096;
    memset(bus_ram_ptr(&bus, pa, 4096), 0, 4096);
    return pa;
}

/* Map va -> pa with a leaf at `level` (0: 4K, 1: 2M, 2: 1G), returns the
 * leaf PTE's physical address. */
static uint64_t map(uint64_t root, int levels, uint64_t va, uint64_t pa, int level, uint64_t flags)
{
    uint64_t table = root;
    for (int l = levels - 1; l > level; l--) {
        uint64_t slot = table + ((va >> (12 + 9 * l)) & 511) * 8;
        uint64_t pte = rd64(slot);
        if (!(pte & V)) {
            pte = ((alloc_table() >> 12) << 10) | V;
            wr64(slot, pte);
        }
        table = ((pte >> 10) & ((1ull << 44) - 1)) << 12;
    }
    uint64_t slot = table + ((va >> (12 + 9 * level)) & 511) * 8;
    wr64(slot, ((pa >> 12) << 10) | flags);
    return slot;
}

static void reset(int priv)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->bus = &bus;
    cpu->sbi_builtin = 1;
    cpu_reset(cpu, NULL, RAM_BASE, priv);
    next_table = RAM_BASE + 0x100000;
}

static void set_satp(uint64_t mode, uint64_t root)
{
    uint64_t old = cpu->priv;
    cpu->priv = PRV_M;
    CHECK_EQ(csr_write(cpu, CSR_satp, (mode << 60) | (root >> 12)), 0);
    cpu->priv = (uint32_t)old;
}

static int xlate(uint64_t va, int acc, int mmu, uint64_t *pa)
{
    *pa = ~0ull;
    return mmu_translate(cpu, va, acc, mmu, pa);
}

static void test_sv39(void)
{
    reset(PRV_S);
    uint64_t root = alloc_table(), pa;
    set_satp(SATP_MODE_SV39, root);

    /* 4K page. */
    map(root, 3, 0x1000, RAM_BASE + 0x200000, 0, V | R | W | X | A | D);
    CHECK_EQ(xlate(0x1234, ACC_LOAD, MMU_S, &pa), 0);
    CHECK_EQ(pa, RAM_BASE + 0x200234);
    CHECK_EQ(xlate(0x1ffc, ACC_STORE, MMU_S, &pa), 0);
    CHECK_EQ(pa, RAM_BASE + 0x200ffc);
    /* Unmapped neighbour. */
    CHECK_EQ(xlate(0x2000, ACC_LOAD, MMU_S, &pa), EXC_LOAD_PAGE_FAULT);
    CHECK_EQ(xlate(0x2000, ACC_STORE, MMU_S, &pa), EXC_STORE_PAGE_FAULT);
    CHECK_EQ(xlate(0x2000, ACC_FETCH, MMU_S, &pa), EXC_INSN_PAGE_FAULT);

    /* 2M megapage and 1G gigapage (kernel-style high addresses). */
    map(root, 3, 0xffffffffc0200000ull, RAM_BASE + 0x400000, 1, V | R | X | A);
    CHECK_EQ(xlate(0xffffffffc0312345ull, ACC_FETCH, MMU_S, &pa), 0);
    CHECK_EQ(pa, RAM_BASE + 0x512345);
    map(root, 3, 0x40000000, RAM_BASE, 2, V | R | W | A | D);
    CHECK_EQ(xlate(0x40000000 + 0x3456789, ACC_LOAD, MMU_S, &pa), 0);
    CHECK_EQ(pa, RAM_BASE + 0x3456789);
    /* Misaligned superpage: PPN[0] nonzero in a 2M leaf. */
    map(root, 3, 0x00600000, RAM_BASE + 0x201000, 1, V | R | A);
    CHECK_EQ(xlate(0x00600000, ACC_LOAD, MMU_S, &pa), EXC_LOAD_PAGE_FAULT);

    /* Non-canonical (bit 38 = 0 but upper bits set). */
    CHECK_EQ(xlate(0x0000004000001000ull, ACC_LOAD, MMU_S, &pa), EXC_LOAD_PAGE_FAULT);
    CHECK_EQ(xlate(0xffffff8000001000ull ^ (1ull << 63), ACC_STORE, MMU_S, &pa),
             EXC_STORE_PAGE_FAULT);

    /* Reserved encodings: W without R, reserved high bits, non-leaf at level 0. */
    map(root, 3, 0x3000, RAM_BASE + 0x203000, 0, V | W | A | D);
    CHECK_EQ(xlate(0x3000, ACC_LOAD, MMU_S, &pa), EXC_LOAD_PAGE_FAULT);
    map(root, 3, 0x4000, RAM_BASE + 0x204000, 0, V | R | A | (1ull << 61));
    CHECK_EQ(xlate(0x4000, ACC_LOAD, MMU_S, &pa), EXC_LOAD_PAGE_FAULT);
    map(root, 3, 0x5000, RAM_BASE + 0x205000, 0, V); /* pointer at the last level */
    CHECK_EQ(xlate(0x5000, ACC_LOAD, MMU_S, &pa), EXC_LOAD_PAGE_FAULT);

    /* Read-only page: store faults, load works. */
    map(root, 3, 0x6000, RAM_BASE + 0x206000, 0, V | R | A | D);
    CHECK_EQ(xlate(0x6000, ACC_STORE, MMU_S, &pa), EXC_STORE_PAGE_FAULT);
    CHECK_EQ(xlate(0x6000, ACC_LOAD, MMU_S, &pa), 0);
    CHECK_EQ(xlate(0x6000, ACC_FETCH, MMU_S, &pa), EXC_INSN_PAGE_FAULT);

    /* Execute-only page: load needs MXR. */
    map(root, 3, 0x7000, RAM_BASE + 0x207000, 0, V | X | A);
    CHECK_EQ(xlate(0x7000, ACC_FETCH, MMU_S, &pa), 0);
    CHECK_EQ(xlate(0x7000, ACC_LOAD, MMU_S, &pa), EXC_LOAD_PAGE_FAULT);
    cpu->mstatus |= MSTATUS_MXR;
    CHECK_EQ(xlate(0x7000, ACC_LOAD, MMU_S, &pa), 0);
    CHECK_EQ(pa, RAM_BASE + 0x207000);
    CHECK_EQ(xlate(0x7000, ACC_STORE, MMU_S, &pa), EXC_STORE_PAGE_FAULT);
    cpu->mstatus &= ~MSTATUS_MXR;

    /* User page: U-mode yes; S only with SUM and never for fetch. */
    map(root, 3, 0x8000, RAM_BASE + 0x208000, 0, V | R | W | X | U | A | D);
    CHECK_EQ(xlate(0x8000, ACC_LOAD, MMU_U, &pa), 0);
    CHECK_EQ(xlate(0x8000, ACC_FETCH, MMU_U, &pa), 0);
    CHECK_EQ(xlate(0x8000, ACC_LOAD, MMU_S, &pa), EXC_LOAD_PAGE_FAULT);
    CHECK_EQ(xlate(0x8000, ACC_STORE, MMU_S, &pa), EXC_STORE_PAGE_FAULT);
    CHECK_EQ(xlate(0x8000, ACC_LOAD, MMU_S_SUM, &pa), 0);
    CHECK_EQ(xlate(0x8000, ACC_STORE, MMU_S_SUM, &pa), 0);
    CHECK_EQ(xlate(0x8000, ACC_FETCH, MMU_S, &pa), EXC_INSN_PAGE_FAULT);
    /* ...and U-mode cannot touch supervisor pages. */
    CHECK_EQ(xlate(0x1000, ACC_LOAD, MMU_U, &pa), EXC_LOAD_PAGE_FAULT);
    /* M-mode is identity whatever satp says. */
    CHECK_EQ(xlate(0x2000, ACC_STORE, MMU_M, &pa), 0);
    CHECK_EQ(pa, 0x2000);

    /* A/D updates written back to the PTE. */
    uint64_t slot = map(root, 3, 0x9000, RAM_BASE + 0x209000, 0, V | R | W);
    CHECK_EQ(xlate(0x9008, ACC_LOAD, MMU_S, &pa), 0);
    CHECK_EQ(rd64(slot) & (A | D), A);
    CHECK_EQ(xlate(0x9008, ACC_STORE, MMU_S, &pa), 0);
    CHECK_EQ(rd64(slot) & (A | D), A | D);

    /* Page table outside RAM: access fault. */
    uint64_t root2 = alloc_table();
    wr64(root2, ((0x1000000ull >> 12) << 10) | V); /* next level at 16 MiB: not RAM */
    set_satp(SATP_MODE_SV39, root2);
    CHECK_EQ(xlate(0x1000, ACC_LOAD, MMU_S, &pa), EXC_LOAD_ACCESS);
    CHECK_EQ(xlate(0x1000, ACC_STORE, MMU_S, &pa), EXC_STORE_ACCESS);
    CHECK_EQ(xlate(0x1000, ACC_FETCH, MMU_S, &pa), EXC_INSN_ACCESS);

    /* Bare mode: identity for S/U. */
    set_satp(SATP_MODE_BARE, 0);
    CHECK_EQ(xlate(0x1234, ACC_LOAD, MMU_U, &pa), 0);
    CHECK_EQ(pa, 0x1234);
}

static void test_sv48(void)
{
    reset(PRV_S);
    uint64_t root = alloc_table(), pa;
    set_satp(SATP_MODE_SV48, root);
    uint64_t va = 0x00007f1234567000ull; /* needs all four levels */
    map(root, 4, va, RAM_BASE + 0x300000, 0, V | R | W | U | A | D);
    CHECK_EQ(xlate(va + 0x10, ACC_LOAD, MMU_U, &pa), 0);
    CHECK_EQ(pa, RAM_BASE + 0x300010);
    /* 1G and 512G-region addresses, canonical at bit 47. */
    map(root, 4, 0xffff800040000000ull, RAM_BASE, 2, V | R | A);
    CHECK_EQ(xlate(0xffff800040000123ull, ACC_LOAD, MMU_S, &pa), 0);
    CHECK_EQ(pa, RAM_BASE + 0x123);
    CHECK_EQ(xlate(0x0000800040000123ull, ACC_LOAD, MMU_S, &pa), EXC_LOAD_PAGE_FAULT);
    CHECK_EQ(xlate(0xfff0800040000123ull, ACC_LOAD, MMU_S, &pa), EXC_LOAD_PAGE_FAULT);
    /* An Sv39 walk would read a different root slot for the same va. */
    set_satp(SATP_MODE_SV39, root);
    CHECK(xlate(va + 0x10, ACC_LOAD, MMU_U, &pa) != 0);
}

static void test_satp_warl(void)
{
    reset(PRV_S);
    uint64_t v;
    uint64_t sv39 = (8ull << 60) | 0x80123;
    CHECK_EQ(csr_write(cpu, CSR_satp, sv39), 0);
    CHECK_EQ(csr_read(cpu, CSR_satp, &v), 0);
    CHECK_EQ(v, sv39);
    /* Sv57 (10) and Sv64 (11) and reserved modes: write ignored. */
    CHECK_EQ(csr_write(cpu, CSR_satp, (10ull << 60) | 0x80999), 0);
    CHECK_EQ(csr_read(cpu, CSR_satp, &v), 0);
    CHECK_EQ(v, sv39);
    CHECK_EQ(csr_write(cpu, CSR_satp, (1ull << 60) | 0x80999), 0);
    CHECK_EQ(csr_read(cpu, CSR_satp, &v), 0);
    CHECK_EQ(v, sv39);
    CHECK_EQ(csr_write(cpu, CSR_satp, (9ull << 60) | 0x80456), 0);
    CHECK_EQ(csr_read(cpu, CSR_satp, &v), 0);
    CHECK_EQ(v, (9ull << 60) | 0x80456);
    /* ASID is not implemented: reads back 0. */
    CHECK_EQ(csr_write(cpu, CSR_satp, (8ull << 60) | (0xffffull << 44) | 1), 0);
    CHECK_EQ(csr_read(cpu, CSR_satp, &v), 0);
    CHECK_EQ(v, (8ull << 60) | 1);
    /* TVM makes satp illegal from S. */
    cpu->mstatus |= MSTATUS_TVM;
    CHECK_EQ(csr_read(cpu, CSR_satp, &v), -1);
    CHECK_EQ(csr_write(cpu, CSR_satp, 0), -1);
    cpu->mstatus &= ~MSTATUS_TVM;
    /* A satp write flushes the TLB: entries filled by loads (bare mode:
     * virtual = physical), of two MMU indices. */
    CHECK_EQ(csr_write(cpu, CSR_satp, 0), 0);
    uint64_t va = RAM_BASE + 0x5000;
    CHECK_EQ(rv_load_slow(cpu, va, IR_MO_MAKE(3, 0, MMU_S), IR_SITE(0, 0), &v), 0);
    CHECK_EQ(rv_load_slow(cpu, va, IR_MO_MAKE(3, 0, MMU_U), IR_SITE(0, 0), &v), 0);
    CHECK_EQ(cpu->tlb.e[MMU_S][tlb_index(va)].tag_r, va);
    CHECK_EQ(cpu->tlb.e[MMU_U][tlb_index(va)].tag_r, va);
    CHECK_EQ(csr_write(cpu, CSR_satp, 0), 0);
    CHECK_EQ(cpu->tlb.e[MMU_S][tlb_index(va)].tag_r, TLB_INVALID);
    CHECK_EQ(cpu->tlb.e[MMU_U][tlb_index(va)].tag_r, TLB_INVALID);
    CHECK_EQ(cpu->tlb_nused, 0u);
    /* Every entry fills once until the next flush, however often it is
     * refilled: the list of used entries stays bounded. */
    for (int round = 0; round < 3; round++)
        for (unsigned p = 0; p < 2 * TLB_SIZE; p++)
            CHECK_EQ(rv_load_slow(cpu, RAM_BASE + (uint64_t)p * 4096, IR_MO_MAKE(3, 0, MMU_S),
                                  IR_SITE(0, 0), &v),
                     0);
    CHECK_EQ(cpu->tlb_nused, TLB_SIZE);
    tlb_flush(cpu);
    for (unsigned i = 0; i < TLB_SIZE; i++)
        CHECK_EQ(cpu->tlb.e[MMU_S][i].tag_r, TLB_INVALID);
}

#define SITE IR_SITE(6, 2)
#define TB_PC 0xffffffff80001000ull

/* Fast-path hit as generated code computes it. */
static bool tlb_hit(uint64_t va, unsigned size, int acc, int mmu, uint8_t **host)
{
    TLBEntry *e = &cpu->tlb.e[mmu][tlb_index(va)];
    uint64_t tag = acc == ACC_LOAD ? e->tag_r : acc == ACC_STORE ? e->tag_w : e->tag_x;
    if ((va & (TLB_PAGE_MASK | (size - 1))) != tag)
        return false;
    *host = (uint8_t *)(uintptr_t)(va + (uint64_t)e->addend);
    return true;
}

static void test_slow_paths(void)
{
    reset(PRV_S);
    uint64_t root = alloc_table(), v;
    set_satp(SATP_MODE_SV39, root);
    map(root, 3, 0x10000, RAM_BASE + 0x400000, 0, V | R | W | A | D);
    map(root, 3, 0x11000, RAM_BASE + 0x402000, 0, V | R | A); /* read-only, not contiguous */
    map(root, 3, 0x12000, RAM_BASE + 0x404000, 0, V | R | W | A | D);
    uint64_t dslot = map(root, 3, 0x13000, RAM_BASE + 0x406000, 0, V | R | W | A);
    wr64(RAM_BASE + 0x400010, 0x1122334455667788ull);
    uint32_t mo64 = IR_MO_MAKE(3, 0, MMU_S);
    cpu->tb_pc = TB_PC;

    /* Miss fills the load tag only; then the fast path hits. */
    uint8_t *host;
    CHECK(!tlb_hit(0x10010, 8, ACC_LOAD, MMU_S, &host));
    CHECK_EQ(rv_load_slow(cpu, 0x10010, mo64, SITE, &v), 0);
    CHECK_EQ(v, 0x1122334455667788ull);
    CHECK(tlb_hit(0x10010, 8, ACC_LOAD, MMU_S, &host));
    CHECK(tlb_hit(0x10ff8, 8, ACC_LOAD, MMU_S, &host) &&
          host == bus_ram_ptr(&bus, RAM_BASE + 0x400ff8, 8));
    CHECK(!tlb_hit(0x10010, 8, ACC_STORE, MMU_S, &host));
    CHECK(!tlb_hit(0x10011, 8, ACC_LOAD, MMU_S, &host)); /* misaligned: slow path */
    /* Sign extension per memop. */
    CHECK_EQ(rv_load_slow(cpu, 0x10010, IR_MO_MAKE(0, 1, MMU_S), SITE, &v), 0);
    CHECK_EQ(v, 0xffffffffffffff88ull);
    CHECK_EQ(rv_load_slow(cpu, 0x10012, IR_MO_MAKE(1, 0, MMU_S), SITE, &v), 0);
    CHECK_EQ(v, 0x5566);
    CHECK_EQ(rv_load_slow(cpu, 0x10014, IR_MO_MAKE(2, 1, MMU_S), SITE, &v), 0);
    CHECK_EQ(v, 0x11223344);
    CHECK_EQ(rv_load_slow(cpu, 0x10010, IR_MO_MAKE(2, 1, MMU_S), SITE, &v), 0);
    CHECK_EQ(v, 0x55667788);

    /* Store fill then store hit. */
    CHECK_EQ(rv_store_slow(cpu, 0x10020, 0xabcdef, IR_MO_MAKE(2, 0, MMU_S), SITE), 0);
    CHECK_EQ(rd64(RAM_BASE + 0x400020), 0xabcdef);
    CHECK(tlb_hit(0x10020, 4, ACC_STORE, MMU_S, &host));
    /* Store to a page with A set but D clear: slow path sets D, no fault. */
    CHECK_EQ(rv_store_slow(cpu, 0x13000, 7, mo64, SITE), 0);
    CHECK_EQ(rd64(dslot) & D, D);

    /* Store to read-only page: store page fault, precise epc, delegated to S. */
    cpu->exit_status = 0;
    CHECK_EQ(rv_store_slow(cpu, 0x11008, 1, mo64, SITE), IR_EXIT_FAULT);
    CHECK_EQ(cpu->scause, EXC_STORE_PAGE_FAULT);
    CHECK_EQ(cpu->sepc, TB_PC + 6);
    CHECK_EQ(cpu->stval, 0x11008);
    CHECK_EQ(cpu->exit_status, IR_EXIT_FAULT);
    CHECK_EQ(cpu->fault_site, SITE);
    CHECK_EQ(cpu->priv, PRV_S);
    CHECK_EQ(rd64(RAM_BASE + 0x402008), 0);

    /* Misaligned load across a page boundary (discontiguous physical pages). */
    wr64(RAM_BASE + 0x400ff8, 0x0706050403020100ull);
    wr64(RAM_BASE + 0x402000, 0x0f0e0d0c0b0a0908ull);
    CHECK_EQ(rv_load_slow(cpu, 0x10ffc, mo64, SITE, &v), 0);
    CHECK_EQ(v, 0x0b0a090807060504ull);
    CHECK_EQ(rv_load_slow(cpu, 0x10fff, IR_MO_MAKE(1, 1, MMU_S), SITE, &v), 0);
    CHECK_EQ(v, 0x0807);
    /* Misaligned within a page. */
    CHECK_EQ(rv_load_slow(cpu, 0x10ff9, IR_MO_MAKE(2, 0, MMU_S), SITE, &v), 0);
    CHECK_EQ(v, 0x04030201);
    /* ...but not for aligned-only (atomic) memops. */
    CHECK_EQ(rv_load_slow(cpu, 0x10ff9, IR_MO_MAKE(2, 0, MMU_S) | IR_MO_ALIGN, SITE, &v),
             IR_EXIT_FAULT);
    CHECK_EQ(cpu->scause, EXC_LOAD_MISALIGNED);
    /* Misaligned store across into a read-only page: faults, writes nothing. */
    cpu->priv = PRV_S;
    CHECK_EQ(rv_store_slow(cpu, 0x10ffc, ~0ull, mo64, SITE), IR_EXIT_FAULT);
    CHECK_EQ(cpu->scause, EXC_STORE_PAGE_FAULT);
    CHECK_EQ(cpu->stval, 0x10ffc);
    CHECK_EQ(rd64(RAM_BASE + 0x400ff8), 0x0706050403020100ull);
    /* Misaligned store across two writable pages. */
    wr64(RAM_BASE + 0x404000, 0);
    CHECK_EQ(rv_store_slow(cpu, 0x12ffe, 0xaabbccddull, IR_MO_MAKE(2, 0, MMU_S), SITE), 0);
    CHECK_EQ(rd64(RAM_BASE + 0x404ff8) >> 48, 0xccdd);
    CHECK_EQ(rd64(RAM_BASE + 0x406000) & 0xffff, 0xaabb);

    /* Unmapped physical address: access fault. */
    map(root, 3, 0x14000, 0x40000000, 0, V | R | W | A | D);
    CHECK_EQ(rv_load_slow(cpu, 0x14000, mo64, SITE, &v), IR_EXIT_FAULT);
    CHECK_EQ(cpu->scause, EXC_LOAD_ACCESS);

    /* Fetch: x tag, RAM only, no MPRV. */
    map(root, 3, 0x15000, RAM_BASE + 0x408000, 0, V | X | A);
    wr64(RAM_BASE + 0x408010, 0xbeef);
    uint16_t insn;
    uint64_t pa;
    CHECK_EQ(rv_fetch16(cpu, 0x15010, &insn, &pa), 0);
    CHECK_EQ(insn, 0xbeef);
    CHECK_EQ(pa, RAM_BASE + 0x408010);
    CHECK(tlb_hit(0x15010, 2, ACC_FETCH, MMU_S, &host));
    CHECK_EQ(rv_fetch16(cpu, 0x10000, &insn, &pa), EXC_INSN_PAGE_FAULT);
    CHECK_EQ(rv_fetch16(cpu, 0x14000, &insn, &pa), EXC_INSN_PAGE_FAULT); /* no X */

    /* tlb_protect_code_page marks store tags of that physical page. */
    CHECK_EQ(rv_store_slow(cpu, 0x10000, 1, mo64, SITE), 0);
    tlb_protect_code_page(cpu, RAM_BASE + 0x400000);
    CHECK(!tlb_hit(0x10000, 8, ACC_STORE, MMU_S, &host));
    CHECK(cpu->tlb.e[MMU_S][tlb_index(0x10000)].tag_w & TLB_CODE);
    CHECK(tlb_hit(0x10000, 8, ACC_LOAD, MMU_S, &host)); /* loads unaffected */
    /* A store through it still works (and drops the mark: no code there). */
    CHECK_EQ(rv_store_slow(cpu, 0x10000, 2, mo64, SITE), 0);
    CHECK_EQ(rd64(RAM_BASE + 0x400000), 2);
    CHECK(tlb_hit(0x10000, 8, ACC_STORE, MMU_S, &host));
}

static void test_status_csrs(void)
{
    reset(PRV_M);
    uint64_t v;
    CHECK_EQ(csr_read(cpu, CSR_mstatus, &v), 0);
    CHECK_EQ(v & (MSTATUS_UXL | MSTATUS_SXL), (2ull << 32) | (2ull << 34));
    CHECK_EQ(csr_read(cpu, CSR_misa, &v), 0);
    CHECK_EQ(v >> 62, 2);
    CHECK_EQ(v & 0x3ffffff, 0x14112d); /* A C D F I M S U */
    /* MPP = 2 is reserved: keeps the old value. */
    CHECK_EQ(csr_write(cpu, CSR_mstatus, 1ull << MSTATUS_MPP_SHIFT), 0);
    CHECK_EQ(csr_write(cpu, CSR_mstatus, 2ull << MSTATUS_MPP_SHIFT), 0);
    CHECK_EQ(cpu->mstatus & MSTATUS_MPP, 1ull << MSTATUS_MPP_SHIFT);
    /* UXL/SXL are read-only. */
    CHECK_EQ(csr_write(cpu, CSR_mstatus, 0), 0);
    CHECK_EQ(csr_read(cpu, CSR_mstatus, &v), 0);
    CHECK_EQ(v & (MSTATUS_UXL | MSTATUS_SXL), (2ull << 32) | (2ull << 34));

    /* sstatus is a masked view; SD follows FS. */
    cpu->mstatus |= MSTATUS_MIE | MSTATUS_SIE | MSTATUS_FS;
    CHECK_EQ(csr_read(cpu, CSR_sstatus, &v), 0);
    CHECK_EQ(v & MSTATUS_MIE, 0);
    CHECK(v & MSTATUS_SIE);
    CHECK(v & MSTATUS_SD);
    CHECK_EQ(v & MSTATUS_SXL, 0);
    CHECK_EQ(v & MSTATUS_UXL, 2ull << 32);
    CHECK_EQ(csr_write(cpu, CSR_sstatus, MSTATUS_SUM | MSTATUS_MPP | MSTATUS_TVM), 0);
    CHECK_EQ(cpu->mstatus & (MSTATUS_SUM | MSTATUS_MIE | MSTATUS_SIE | MSTATUS_TVM | MSTATUS_FS),
             MSTATUS_SUM | MSTATUS_MIE);
    CHECK_EQ(csr_read(cpu, CSR_sstatus, &v), 0);
    CHECK_EQ(v & MSTATUS_SD, 0);

    /* FP CSRs need FS on; writes make FS dirty. */
    CHECK_EQ(csr_read(cpu, CSR_fcsr, &v), -1);
    CHECK_EQ(csr_write(cpu, CSR_fflags, 1), -1);
    cpu->mstatus |= (uint64_t)FS_INITIAL << MSTATUS_FS_SHIFT;
    CHECK_EQ(cpu_tb_flags(cpu) & (TBF_FS_ON | TBF_FS_DIRTY), TBF_FS_ON);
    CHECK_EQ(csr_write(cpu, CSR_fcsr, 0xff), 0);
    CHECK_EQ(cpu->frm, 7);
    CHECK_EQ(cpu->fflags, 31);
    CHECK_EQ((cpu->mstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT, FS_DIRTY);
    CHECK_EQ(cpu_tb_flags(cpu) & (TBF_FS_ON | TBF_FS_DIRTY), TBF_FS_ON | TBF_FS_DIRTY);

    /* Privilege and read-only checks from the CSR number. */
    cpu->priv = PRV_S;
    CHECK_EQ(csr_read(cpu, CSR_mstatus, &v), -1);
    CHECK_EQ(csr_read(cpu, CSR_sstatus, &v), 0);
    cpu->priv = PRV_M;
    CHECK_EQ(csr_write(cpu, CSR_mhartid, 1), -1);
    CHECK_EQ(csr_read(cpu, CSR_mhartid, &v), 0);
    CHECK_EQ(csr_read(cpu, 0x7c0, &v), -1); /* unknown custom CSR */

    /* mip/sip: software bits only; sie/sip see only delegated bits. */
    CHECK_EQ(csr_write(cpu, CSR_mip, ~0ull), 0);
    CHECK_EQ(cpu->mip, MIP_SSIP | MIP_STIP | MIP_SEIP);
    cpu->mip = 0;
    cpu->mideleg = MIP_SSIP | MIP_STIP;
    CHECK_EQ(csr_write(cpu, CSR_sie, ~0ull), 0);
    CHECK_EQ(cpu->mie, MIP_SSIP | MIP_STIP);
    CHECK_EQ(csr_write(cpu, CSR_sip, ~0ull), 0);
    CHECK_EQ(cpu->mip, MIP_SSIP);
    cpu->irq_lines = MIP_MTIP | MIP_STIP;
    CHECK_EQ(csr_read(cpu, CSR_sip, &v), 0);
    CHECK_EQ(v, MIP_SSIP | MIP_STIP);
    CHECK_EQ(csr_write(cpu, CSR_mideleg, ~0ull), 0);
    CHECK_EQ(cpu->mideleg, MIP_SSIP | MIP_STIP | MIP_SEIP);
    CHECK_EQ(csr_write(cpu, CSR_medeleg, ~0ull), 0);
    CHECK_EQ(cpu->medeleg & (1u << EXC_ECALL_M), 0);
    CHECK_EQ(csr_write(cpu, CSR_mepc, 0x80000003), 0);
    CHECK_EQ(cpu->mepc, 0x80000002);

    /* Counters: enable bits gate S and U; cycle counts the insn index. */
    cpu->icount = 1000;
    cpu->mcounteren = 0;
    cpu->scounteren = 0;
    CHECK_EQ(csr_read_at(cpu, CSR_cycle, 3, &v), 0);
    CHECK_EQ(v, 1003);
    cpu->priv = PRV_S;
    CHECK_EQ(csr_read(cpu, CSR_instret, &v), -1);
    cpu->mcounteren = 5;
    CHECK_EQ(csr_read(cpu, CSR_instret, &v), 0);
    CHECK_EQ(csr_read(cpu, CSR_time, &v), -1);
    cpu->priv = PRV_U;
    CHECK_EQ(csr_read(cpu, CSR_cycle, &v), -1);
    cpu->scounteren = 1;
    CHECK_EQ(csr_read(cpu, CSR_cycle, &v), 0);
    CHECK_EQ(csr_read(cpu, CSR_HPMCOUNTER3, &v), -1);
    CHECK_EQ(csr_read(cpu, CSR_sstatus, &v), -1);

    /* Built-in SBI sets up counters like OpenSBI (the vDSO reads time in U). */
    reset(PRV_S);
    CHECK_EQ(cpu->scounteren & 7, 7);
    CHECK_EQ(cpu->mcounteren & 7, 7);
    CHECK_EQ(cpu->mideleg, 0x222);
    /* PMP registers are stored. */
    cpu->priv = PRV_M;
    CHECK_EQ(csr_write(cpu, CSR_pmpaddr0 + 3, ~0ull), 0);
    CHECK_EQ(csr_read(cpu, CSR_pmpaddr0 + 3, &v), 0);
    CHECK_EQ(v, (1ull << 54) - 1);
}

static void test_tb_flags(void)
{
    reset(PRV_M);
    CHECK_EQ(cpu_tb_flags(cpu), PRV_M | (MMU_M << TBF_MMU_SHIFT));
    cpu->mstatus |= MSTATUS_MPRV | (1ull << MSTATUS_MPP_SHIFT);
    CHECK_EQ(TBF_MMU(cpu_tb_flags(cpu)), MMU_S);
    cpu->mstatus |= MSTATUS_SUM;
    CHECK_EQ(TBF_MMU(cpu_tb_flags(cpu)), MMU_S_SUM);
    cpu->mstatus &= ~MSTATUS_MPP;
    CHECK_EQ(TBF_MMU(cpu_tb_flags(cpu)), MMU_U);
    CHECK_EQ(TBF_PRIV(cpu_tb_flags(cpu)), PRV_M);
    cpu->priv = PRV_S; /* MPRV only applies in M */
    CHECK_EQ(cpu_tb_flags(cpu), PRV_S | (MMU_S_SUM << TBF_MMU_SHIFT));
    cpu->priv = PRV_U;
    CHECK_EQ(cpu_tb_flags(cpu), PRV_U | (MMU_U << TBF_MMU_SHIFT));
}

static void test_traps(void)
{
    /* No firmware delegation: an S-mode illegal insn goes to M. */
    reset(PRV_S);
    cpu->sbi_builtin = 0;
    cpu->medeleg = 0;
    cpu->mtvec = 0x80000101; /* vectored: exceptions still go to base */
    cpu->mstatus |= MSTATUS_MIE | MSTATUS_SIE;
    cpu->load_res = 0x1000;
    cpu_raise(cpu, EXC_ILLEGAL_INSN, 0x1234, 0x80000040);
    CHECK_EQ(cpu->priv, PRV_M);
    CHECK_EQ(cpu->pc, 0x80000100);
    CHECK_EQ(cpu->mepc, 0x80000040);
    CHECK_EQ(cpu->mcause, EXC_ILLEGAL_INSN);
    CHECK_EQ(cpu->mtval, 0x1234);
    CHECK_EQ((cpu->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT, PRV_S);
    CHECK_EQ(cpu->mstatus & (MSTATUS_MIE | MSTATUS_MPIE), MSTATUS_MPIE);
    CHECK_EQ(cpu->load_res, ~0ull);
    /* mret back to S restores MIE, clears MPRV. */
    cpu->mstatus |= MSTATUS_MPRV;
    cpu->mepc = 0x80000044;
    cpu->tb_pc = 0x80000100;
    cpu->exit_status = 0;
    helper_mret(cpu, IR_SITE(0, 0), 0, 0, 0);
    CHECK_EQ(cpu->priv, PRV_S);
    CHECK_EQ(cpu->pc, 0x80000044);
    CHECK(cpu->mstatus & MSTATUS_MIE);
    CHECK_EQ(cpu->mstatus & (MSTATUS_MPRV | MSTATUS_MPP), 0);
    CHECK_EQ(cpu->exit_status, IR_EXIT_SYNC);

    /* Delegated: U-mode page fault goes to S. */
    cpu->medeleg = 1u << EXC_LOAD_PAGE_FAULT;
    cpu->stvec = 0xffffffff80002000ull;
    cpu->priv = PRV_U;
    cpu->mstatus |= MSTATUS_SIE;
    cpu_raise(cpu, EXC_LOAD_PAGE_FAULT, 0x42, 0x10000);
    CHECK_EQ(cpu->priv, PRV_S);
    CHECK_EQ(cpu->pc, 0xffffffff80002000ull);
    CHECK_EQ(cpu->scause, EXC_LOAD_PAGE_FAULT);
    CHECK_EQ(cpu->sepc, 0x10000);
    CHECK_EQ(cpu->mstatus & (MSTATUS_SPP | MSTATUS_SIE | MSTATUS_SPIE), MSTATUS_SPIE);
    /* sret returns to U. */
    cpu->sepc = 0x10004;
    helper_sret(cpu, 0, 0, 0, 0);
    CHECK_EQ(cpu->priv, PRV_U);
    CHECK_EQ(cpu->pc, 0x10004);
    CHECK(cpu->mstatus & MSTATUS_SIE);
    /* sret from U is illegal; the trap goes to M (not delegated). */
    cpu->exit_status = 0;
    cpu->tb_pc = 0x10004;
    helper_sret(cpu, IR_SITE(0, 0), 0, 0, 0);
    CHECK_EQ(cpu->exit_status, IR_EXIT_FAULT);
    CHECK_EQ(cpu->mcause, EXC_ILLEGAL_INSN);
    CHECK_EQ(cpu->priv, PRV_M);

    /* helper_csr: illegal access raises with the site's epc. */
    reset(PRV_U);
    cpu->stvec = 0x80003000;
    cpu->tb_pc = 0x10000;
    cpu->exit_status = 0;
    helper_csr(cpu, CSR_sstatus | CSROP_RS | CSROP_READ, 0, IR_SITE(8, 3), 0);
    CHECK_EQ(cpu->exit_status, IR_EXIT_FAULT);
    CHECK_EQ(cpu->priv, PRV_S); /* built-in SBI delegates illegal insns */
    CHECK_EQ(cpu->scause, EXC_ILLEGAL_INSN);
    CHECK_EQ(cpu->sepc, 0x10008);
    /* csrrs/csrrc read-modify-write and return the old value. */
    cpu->exit_status = 0;
    cpu->sscratch = 0xf0;
    CHECK_EQ(helper_csr(cpu, CSR_sscratch | CSROP_RS | CSROP_READ | CSROP_WRITE, 0x0f, 0, 0), 0xf0);
    CHECK_EQ(cpu->sscratch, 0xff);
    CHECK_EQ(helper_csr(cpu, CSR_sscratch | CSROP_RC | CSROP_READ | CSROP_WRITE, 0x3c, 0, 0), 0xff);
    CHECK_EQ(cpu->sscratch, 0xc3);
    CHECK_EQ(helper_csr(cpu, CSR_sscratch | CSROP_RW | CSROP_WRITE, 5, 0, 0), 0);
    CHECK_EQ(cpu->sscratch, 5);
    CHECK_EQ(cpu->exit_status, 0);
    /* csrrw x0, time: a write to a read-only CSR is illegal. */
    helper_csr(cpu, CSR_time | CSROP_RW | CSROP_WRITE, 5, 0, 0);
    CHECK_EQ(cpu->exit_status, IR_EXIT_FAULT);

    /* WFI: halts unless something is pending in mie; TW traps in S. */
    reset(PRV_S);
    cpu->exit_status = 0;
    helper_wfi(cpu, 0, 0, 0, 0);
    CHECK(cpu->halted);
    CHECK_EQ(cpu->exit_status, 0);
    cpu->halted = false;
    cpu->mstatus |= MSTATUS_TW;
    helper_wfi(cpu, 0, 0, 0, 0);
    CHECK_EQ(cpu->exit_status, IR_EXIT_FAULT);
    CHECK(!cpu->halted);

    /* AMOs and LR/SC (M-mode: physical). */
    reset(PRV_M);
    uint64_t pa = RAM_BASE + 0x500000;
    wr64(pa, 0xfffffff0ull);
    CHECK_EQ(helper_amo(cpu, pa, 0x20, AMO_ADD | (2 << 8), 0), 0xfffffffffffffff0ull);
    CHECK_EQ(rd64(pa), 0x10);
    CHECK_EQ(helper_amo(cpu, pa, (uint64_t)-5, AMO_MIN | (3 << 8), 0), 0x10);
    CHECK_EQ(rd64(pa), (uint64_t)-5);
    CHECK_EQ(helper_amo(cpu, pa, 3, AMO_MINU | (3 << 8), 0), (uint64_t)-5);
    CHECK_EQ(rd64(pa), 3);
    CHECK_EQ(helper_lr(cpu, pa, 3, 0, 0), 3);
    CHECK_EQ(helper_sc(cpu, pa + 8, 9, 3, 0), 1); /* other address: fails */
    CHECK_EQ(helper_sc(cpu, pa, 9, 3, 0), 1);     /* reservation was cleared */
    CHECK_EQ(helper_lr(cpu, pa, 3, 0, 0), 3);
    CHECK_EQ(helper_sc(cpu, pa, 9, 3, 0), 0);
    CHECK_EQ(rd64(pa), 9);
    cpu->exit_status = 0;
    cpu->mtvec = 0x80000000;
    helper_amo(cpu, pa + 4, 1, AMO_ADD | (3 << 8), 0);
    CHECK_EQ(cpu->exit_status, IR_EXIT_FAULT);
    CHECK_EQ(cpu->mcause, EXC_STORE_MISALIGNED);
}

static void test_interrupts(void)
{
    reset(PRV_S);
    cpu->sbi_builtin = 0;
    cpu->mideleg = MIP_SSIP | MIP_STIP | MIP_SEIP;
    cpu->mie = MIE_MASK;
    cpu->stvec = 0x80001001; /* vectored */
    cpu->mtvec = 0x80002000;
    cpu->pc = 0x80000500;

    /* Nothing pending. */
    CHECK(!cpu_check_interrupts(cpu));
    /* S-level pending but SIE = 0 in S-mode: not taken, but wakes WFI. */
    cpu->irq_lines = MIP_STIP;
    cpu->halted = true;
    CHECK(cpu_wfi_wakeup(cpu));
    CHECK(!cpu_check_interrupts(cpu));
    CHECK(!cpu->halted);
    /* SIE set: STI taken, vectored. */
    cpu->mstatus |= MSTATUS_SIE;
    cpu->irq_lines = MIP_STIP | MIP_SEIP;
    cpu->mip = MIP_SSIP;
    CHECK(cpu_check_interrupts(cpu));
    CHECK_EQ(cpu->scause, (1ull << 63) | IRQ_SEI); /* SEI > SSI > STI */
    CHECK_EQ(cpu->pc, 0x80001000 + 4 * IRQ_SEI);
    CHECK_EQ(cpu->sepc, 0x80000500);
    CHECK_EQ(cpu->priv, PRV_S);
    CHECK_EQ(cpu->mstatus & MSTATUS_SIE, 0);
    /* In S with SIE clear, M-level interrupts are still taken (to M). */
    cpu->irq_lines = MIP_MTIP | MIP_SEIP;
    cpu->pc = 0x80000600;
    CHECK(cpu_check_interrupts(cpu));
    CHECK_EQ(cpu->priv, PRV_M);
    CHECK_EQ(cpu->mcause, (1ull << 63) | IRQ_MTI);
    CHECK_EQ(cpu->pc, 0x80002000);
    CHECK_EQ(cpu->mepc, 0x80000600);
    /* In M with MIE clear: nothing; delegated ones never in M. */
    CHECK(!cpu_check_interrupts(cpu));
    cpu->mstatus |= MSTATUS_MIE | MSTATUS_SIE;
    cpu->irq_lines = MIP_SEIP;
    cpu->mip = 0;
    CHECK(!cpu_check_interrupts(cpu));
    /* M priority: MEI > MSI > MTI. */
    cpu->irq_lines = MIP_MTIP | MIP_MSIP | MIP_MEIP;
    CHECK(cpu_check_interrupts(cpu));
    CHECK_EQ(cpu->mcause, (1ull << 63) | IRQ_MEI);
    cpu->priv = PRV_U;
    cpu->irq_lines = MIP_MTIP | MIP_MSIP;
    CHECK(cpu_check_interrupts(cpu));
    CHECK_EQ(cpu->mcause, (1ull << 63) | IRQ_MSI);
    /* U-mode takes S interrupts even with SIE clear. */
    cpu->priv = PRV_U;
    cpu->mstatus &= ~MSTATUS_SIE;
    cpu->irq_lines = 0;
    cpu->mip = MIP_SSIP;
    CHECK(cpu_check_interrupts(cpu));
    CHECK_EQ(cpu->scause, (1ull << 63) | IRQ_SSI);
    CHECK_EQ(cpu->priv, PRV_S);
    CHECK_EQ(cpu->mstatus & MSTATUS_SPP, 0);
    /* Masked in mie: not taken. */
    cpu->priv = PRV_U;
    cpu->mie = 0;
    CHECK(!cpu_check_interrupts(cpu));

    /* cpu_set_irq / built-in SBI timer. */
    reset(PRV_S);
    cpu_set_irq(cpu, IRQ_SEI, 1);
    CHECK_EQ(cpu->irq_lines, MIP_SEIP);
    cpu_set_irq(cpu, IRQ_SEI, 0);
    CHECK_EQ(cpu->irq_lines, 0);
    cpu->stimecmp = 100;
    cpu_update_sbi_timer(cpu, 99);
    CHECK_EQ(cpu->irq_lines & MIP_STIP, 0);
    cpu_update_sbi_timer(cpu, 100);
    CHECK_EQ(cpu->irq_lines & MIP_STIP, MIP_STIP);
}

static void sbi_call(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1)
{
    cpu->x[17] = eid;
    cpu->x[16] = fid;
    cpu->x[10] = a0;
    cpu->x[11] = a1;
    cpu->tb_pc = 0x80200000;
    cpu->exit_status = 0;
    helper_raise(cpu, EXC_ECALL_S, 0, IR_SITE(0x10, 4), 0);
}

static void test_sbi(void)
{
    reset(PRV_S);
    sbi_call(0x10, 0, 0, 0);
    CHECK_EQ(cpu->x[10], 0);
    CHECK_EQ(cpu->x[11], 0x01000000);
    CHECK_EQ(cpu->pc, 0x80200014);
    CHECK_EQ(cpu->exit_status, IR_EXIT_SYNC);
    CHECK_EQ(cpu->priv, PRV_S);
    sbi_call(0x10, 1, 0, 0);
    CHECK_EQ(cpu->x[11], SBI_IMPL_ID_KILN);
    sbi_call(0x10, 3, 0x53525354, 0); /* probe SRST */
    CHECK_EQ(cpu->x[11], 1);
    sbi_call(0x10, 3, 0x54494d45, 0); /* probe TIME */
    CHECK_EQ(cpu->x[11], 1);
    sbi_call(0x10, 3, 0x12345678, 0);
    CHECK_EQ(cpu->x[11], 0);
    sbi_call(0x12345678, 0, 0, 0);
    CHECK_EQ(cpu->x[10], (uint64_t)-2);
    /* set_timer clears STIP until the deadline. */
    cpu->irq_lines = MIP_STIP;
    sbi_call(0x54494d45, 0, 500, 0);
    CHECK_EQ(cpu->x[10], 0);
    CHECK_EQ(cpu->stimecmp, 500);
    CHECK_EQ(cpu->irq_lines & MIP_STIP, 0);
    /* IPI to hart 0 sets SSIP. */
    sbi_call(0x735049, 0, 1, 0);
    CHECK_EQ(cpu->mip & MIP_SSIP, MIP_SSIP);
    /* HSM. */
    sbi_call(0x48534d, 2, 0, 0);
    CHECK_EQ(cpu->x[10], 0);
    CHECK_EQ(cpu->x[11], 0);
    sbi_call(0x48534d, 0, 0, 0);
    CHECK_EQ(cpu->x[10], (uint64_t)-6);
    /* sbi_builtin set after cpu_reset (no delegation yet): the first SBI
     * call still sets up what OpenSBI would have. */
    cpu->sbi_builtin = 0;
    cpu_reset(cpu, NULL, RAM_BASE, PRV_S);
    cpu->sbi_builtin = 1;
    CHECK_EQ(cpu->mideleg, 0);
    sbi_call(0x10, 0, 0, 0);
    CHECK_EQ(cpu->x[11], 0x01000000);
    CHECK_EQ(cpu->mideleg, 0x222);
    CHECK_EQ(cpu->scounteren, 7);
    CHECK(cpu->medeleg & (1u << EXC_STORE_PAGE_FAULT));
    /* A U-mode ecall is not SBI: it traps to S. */
    cpu->priv = PRV_U;
    cpu->stvec = 0x80004000;
    sbi_call(0x10, 0, 0, 0);
    CHECK_EQ(cpu->exit_status, IR_EXIT_FAULT);
    CHECK_EQ(cpu->scause, EXC_ECALL_U);
    CHECK_EQ(cpu->sepc, 0x80200010);
    CHECK_EQ(cpu->pc, 0x80004000);
}

int main(void)
{
    if (bus_init(&bus, RAM_BASE, RAM_SIZE) != 0) {
        printf("FAIL: cannot allocate RAM\n");
        return 1;
    }
    cpu = calloc(1, sizeof(*cpu));
    test_sv39();
    test_sv48();
    test_satp_warl();
    test_slow_paths();
    test_status_csrs();
    test_tb_flags();
    test_traps();
    test_interrupts();
    test_sbi();
    free(cpu);
    bus_free(&bus);
    if (failures) {
        printf("test-mmu: %d failure(s)\n", failures);
        return 1;
    }
    printf("test-mmu: ok\n");
    return 0;
}
