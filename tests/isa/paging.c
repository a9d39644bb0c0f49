/* paging.c - Sv39 and Sv48 in S-mode with U pages: translation, page faults
 * with the right cause and stval/mtval, hardware A/D updates visible in the
 * PTE, SUM, MXR, megapages (and a misaligned one), gigapages, sfence.vma,
 * non-canonical addresses, and satp WARL. Faults are taken in M (no
 * delegation) and the faulting instruction is skipped there. */
#include "lib/isa.h"

enum { V = 1, R = 2, W = 4, X = 8, U = 16, G = 32, A = 64, D = 128 };
#define ALIAS_OFF 0x40000000UL /* VA 0xc0000000 -> PA 0x80000000, with U */
#define MEGA_PA 0x80600000UL   /* a free 2 MiB-aligned region of RAM */
#define VA_BASE 0x40000000UL   /* 4 KiB pages below, see build_tables */

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l2[512] __attribute__((aligned(4096)));
static uint64_t l2b[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static uint64_t pages[4][512] __attribute__((aligned(4096)));

static uint64_t pte(uint64_t pa, uint64_t flags)
{
    return (pa >> 12) << 10 | flags;
}
static uint64_t pa_of(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static void build_tables(int levels)
{
    memset(root, 0, sizeof root);
    memset(l2, 0, sizeof l2);
    memset(l2b, 0, sizeof l2b);
    memset(l1, 0, sizeof l1);
    memset(l0, 0, sizeof l0);
    uint64_t *top = l2;
    if (levels == 4) {
        root[0] = pte(pa_of(l2), V);
        root[1] = pte(pa_of(l2b), V);                  /* VA 512 GiB */
        l2b[0] = pte(0x80000000UL, V | R | W | A | D); /* gigapage */
        top = root;
    } else {
        memcpy(root, l2, sizeof root);
    }
    l2[1] = pte(pa_of(l1), V);
    l2[2] = pte(0x80000000UL, V | R | W | X | A | D);     /* identity, S code */
    l2[3] = pte(0x80000000UL, V | R | W | X | U | A | D); /* alias for U code */
    l1[0] = pte(pa_of(l0), V);
    l1[1] = pte(MEGA_PA, V | R | W | A | D);             /* VA 0x40200000 megapage */
    l1[2] = pte(MEGA_PA + 0x1000, V | R | A | D);        /* misaligned megapage */
    l0[0] = pte(pa_of(pages[0]), V | R | W);             /* A and D clear */
    l0[1] = pte(pa_of(pages[1]), V | R | A);             /* read-only */
    l0[2] = 0;                                           /* invalid */
    l0[3] = pte(pa_of(pages[2]), V | R | W | U | A | D); /* user page */
    l0[4] = pte(pa_of(pages[3]), V | X | A);             /* execute-only */
    l0[5] = pte(pa_of(pages[3]), V | W | A | D);         /* W without R: reserved */
    l0[6] = pte(pa_of(pages[0]), V | R | W | A | D);     /* no X */
    l0[7] = pte(pa_of(pages[0]), V | R | A);             /* remapped by the sfence test */
    if (levels == 3)
        memcpy(root, l2, sizeof root);
    (void)top;
    uint64_t mode = levels == 4 ? 9UL : 8UL;
    csr_write(satp, mode << 60 | pa_of(root) >> 12);
    __asm__ volatile("sfence.vma" ::: "memory");
}

/* --- code run in S or U mode (no jump tables: -fno-jump-tables) --- */
static long s_load(long va)
{
    uint64_t v;
    __asm__ volatile("li %0, -1\n\tld %0, 0(%1)" : "=&r"(v) : "r"(va) : "memory");
    return (long)v;
}
static long s_store(long va)
{
    __asm__ volatile("sd %0, 0(%0)" ::"r"(va) : "memory");
    return 0;
}
static long s_fetch(long va)
{
    long r = 0;
    __asm__ volatile("mv a0, zero\n\tjalr ra, 0(%1)\n\tmv %0, a0"
                     : "=r"(r)
                     : "r"(va)
                     : "ra", "a0", "memory");
    return r;
}
static long s_sfence_load(long va)
{
    __asm__ volatile("sfence.vma" ::: "memory");
    return s_load(va);
}
static long s_sfence_va_load(long va)
{
    __asm__ volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
    return s_load(va);
}

typedef long LowerFn(long);
static long in_s(LowerFn *fn, uint64_t va)
{
    isa_code_alias = 0;
    isa_ra_offset = 0;
    return isa_enter_mode(1, fn, (long)va, (unsigned long)__lower_stack_top);
}
static long in_u(LowerFn *fn, uint64_t va)
{
    isa_code_alias = (uint64_t)-ALIAS_OFF;
    isa_ra_offset = ALIAS_OFF;
    LowerFn *alias = (LowerFn *)((uintptr_t)fn + ALIAS_OFF);
    long r = isa_enter_mode(0, alias, (long)va, (unsigned long)__lower_stack_top + ALIAS_OFF);
    isa_code_alias = 0;
    isa_ra_offset = 0;
    return r;
}

/* Expect one fault with cause and tval = va. */
static void expect_fault(const char *what, LowerFn *fn, uint64_t va, uint64_t cause, int user)
{
    isa_arm_trap();
    if (user)
        in_u(fn, va);
    else
        in_s(fn, va);
    uint64_t n = isa_disarm_trap();
    isa_printf("%s: ", what);
    CHECK("faults", n, 1);
    CHECK("  cause", isa_m_trap.cause, cause);
    CHECK("  tval", isa_m_trap.tval, va);
}
static void expect_load(const char *what, LowerFn *fn, uint64_t va, uint64_t value, int user)
{
    isa_arm_trap();
    long v = user ? in_u(fn, va) : in_s(fn, va);
    uint64_t n = isa_disarm_trap();
    isa_printf("%s: ", what);
    CHECK("value", v, value);
    if (n)
        isa_printf("  (unexpected trap: cause %lu tval 0x%lx)\n", isa_m_trap.cause,
                   isa_m_trap.tval);
    CHECK("  traps", n, 0);
}

static void run_mode(int levels)
{
    isa_printf("== Sv%d\n", levels == 4 ? 48 : 39);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 512; j++)
            pages[i][j] = 0x1111111111111111UL * (uint64_t)(i + 1) + (uint64_t)j;
    /* execute-only page: "li a0, 0x55; ret" at its start */
    pages[3][0] = 0x0000806705500513UL;
    *(volatile uint64_t *)(MEGA_PA + 0x1238) = 0x6d656761706167e5UL;
    build_tables(levels);
    csr_clear(mstatus, MSTATUS_SUM | MSTATUS_MXR);

    expect_load("identity gigapage", s_load, pa_of(&pages[1][3]), pages[1][3], 0);
    /* A and D */
    CHECK("A,D before", l0[0] & (A | D), 0);
    expect_load("load sets A", s_load, VA_BASE + 8, pages[0][1], 0);
    CHECK("A,D after load", l0[0] & (A | D), A);
    isa_arm_trap();
    in_s(s_store, VA_BASE + 16);
    CHECK("store ok", isa_disarm_trap(), 0);
    CHECK("A,D after store", l0[0] & (A | D), A | D);
    CHECK("stored through VA", pages[0][2], VA_BASE + 16);

    expect_fault("store to read-only", s_store, VA_BASE + 0x1008, CAUSE_STORE_PAGE, 0);
    expect_load("load read-only", s_load, VA_BASE + 0x1008, pages[1][1], 0);
    expect_fault("load invalid", s_load, VA_BASE + 0x2010, CAUSE_LOAD_PAGE, 0);
    expect_fault("store invalid", s_store, VA_BASE + 0x2018, CAUSE_STORE_PAGE, 0);
    expect_fault("load W-only (reserved)", s_load, VA_BASE + 0x5000, CAUSE_LOAD_PAGE, 0);
    expect_fault("fetch no-X", s_fetch, VA_BASE + 0x6000, CAUSE_FETCH_PAGE, 0);
    expect_load("fetch X-only", s_fetch, VA_BASE + 0x4000, 0x55, 0);

    isa_section("MXR");
    expect_fault("load X-only", s_load, VA_BASE + 0x4000, CAUSE_LOAD_PAGE, 0);
    csr_set(mstatus, MSTATUS_MXR);
    expect_load("load X-only with MXR", s_load, VA_BASE + 0x4008, pages[3][1], 0);
    csr_clear(mstatus, MSTATUS_MXR);

    isa_section("SUM");
    expect_fault("S load U page", s_load, VA_BASE + 0x3000, CAUSE_LOAD_PAGE, 0);
    csr_set(mstatus, MSTATUS_SUM);
    expect_load("S load U page with SUM", s_load, VA_BASE + 0x3000, pages[2][0], 0);
    expect_fault("S fetch U page with SUM", s_fetch, 0xc0000000UL + 0x100, CAUSE_FETCH_PAGE, 0);
    csr_clear(mstatus, MSTATUS_SUM);

    isa_section("U mode");
    expect_load("U load U page", s_load, VA_BASE + 0x3010, pages[2][2], 1);
    expect_fault("U load S page", s_load, VA_BASE + 0x1000, CAUSE_LOAD_PAGE, 1);
    expect_fault("U store S page", s_store, VA_BASE, CAUSE_STORE_PAGE, 1);
    expect_fault("U fetch S page", s_fetch, VA_BASE + 0x4000, CAUSE_FETCH_PAGE, 1);

    isa_section("superpages");
    expect_load("megapage", s_load, 0x40200000UL + 0x1238, 0x6d656761706167e5UL, 0);
    expect_fault("misaligned megapage", s_load, 0x40400000UL + 0x18, CAUSE_LOAD_PAGE, 0);
    if (levels == 4)
        expect_load("VA above 512 GiB", s_load, 0x8000000000UL + 0x601238, 0x6d656761706167e5UL, 0);
    else
        expect_fault("non-canonical VA", s_load, 0x4000000000UL, CAUSE_LOAD_PAGE, 0);

    isa_section("sfence.vma");
    expect_load("before remap", s_load, VA_BASE + 0x7000, pages[0][0], 0);
    l0[7] = pte(pa_of(pages[1]), V | R | A);
    expect_load("after remap + sfence.vma", s_sfence_load, VA_BASE + 0x7000, pages[1][0], 0);
    l0[7] = pte(pa_of(pages[2]), V | R | A);
    expect_load("after remap + sfence.vma va", s_sfence_va_load, VA_BASE + 0x7000, pages[2][0], 0);
    csr_write(satp, 0);
}

static void test_satp(void)
{
    isa_section("satp WARL");
    uint64_t ppn = pa_of(root) >> 12;
    csr_write(satp, 8UL << 60 | ppn);
    CHECK("Sv39 accepted", csr_read(satp) >> 60, 8);
    csr_write(satp, 9UL << 60 | ppn);
    CHECK("Sv48 accepted", csr_read(satp) >> 60, 9);
    csr_write(satp, 5UL << 60 | ppn);
    CHECK("reserved mode 5 ignored", csr_read(satp) >> 60, 9);
    csr_write(satp, 10UL << 60 | ppn);
    uint64_t m = csr_read(satp) >> 60;
    CHECK_TRUE("Sv57 accepted or ignored", m == 10 || m == 9);
    csr_write(satp, 0);
    CHECK("bare", csr_read(satp), 0);
}

int main(void)
{
    test_satp();
    run_mode(3);
    run_mode(4);
    return 0;
}
