/* isa.h - runtime of the bare-metal ISA tests (M-mode, QEMU virt memory map).
 * Output goes to the ns16550a UART, exit to sifive_test: 0x5555 = pass,
 * 0x3333 | code << 16 = fail. Every check prints one line, so that the output
 * of two implementations can be compared byte for byte. */
#ifndef ISA_H
#define ISA_H

#define ISA_MAGIC 0x4b494c4e /* a7 of the `ecall` that returns to M-mode */

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stddef.h>

#define UART_BASE 0x10000000UL
#define TEST_BASE 0x100000UL
#define CLINT_BASE 0x2000000UL
#define CLINT_MSIP (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME (CLINT_BASE + 0xbff8)

#define MSTATUS_SIE (1UL << 1)
#define MSTATUS_MIE (1UL << 3)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_MPIE (1UL << 7)
#define MSTATUS_SPP (1UL << 8)
#define MSTATUS_MPP (3UL << 11)
#define MSTATUS_FS (3UL << 13)
#define MSTATUS_MPRV (1UL << 17)
#define MSTATUS_SUM (1UL << 18)
#define MSTATUS_MXR (1UL << 19)

#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7
#define CAUSE_INTR (1UL << 63)

enum {
    CAUSE_MISALIGNED_FETCH = 0,
    CAUSE_FETCH_ACCESS = 1,
    CAUSE_ILLEGAL = 2,
    CAUSE_BREAKPOINT = 3,
    CAUSE_MISALIGNED_LOAD = 4,
    CAUSE_LOAD_ACCESS = 5,
    CAUSE_MISALIGNED_STORE = 6,
    CAUSE_STORE_ACCESS = 7,
    CAUSE_ECALL_U = 8,
    CAUSE_ECALL_S = 9,
    CAUSE_ECALL_M = 11,
    CAUSE_FETCH_PAGE = 12,
    CAUSE_LOAD_PAGE = 13,
    CAUSE_STORE_PAGE = 15,
};

#define csr_read(csr)                                                                              \
    ({                                                                                             \
        unsigned long v_;                                                                          \
        __asm__ volatile("csrr %0, " #csr : "=r"(v_)::"memory");                                   \
        v_;                                                                                        \
    })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"r"((unsigned long)(v)) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"r"((unsigned long)(v)) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"r"((unsigned long)(v)) : "memory")

static inline uint64_t mmio_read64(unsigned long a)
{
    return *(volatile uint64_t *)a;
}
static inline void mmio_write64(unsigned long a, uint64_t v)
{
    *(volatile uint64_t *)a = v;
}
static inline uint32_t mmio_read32(unsigned long a)
{
    return *(volatile uint32_t *)a;
}
static inline void mmio_write32(unsigned long a, uint32_t v)
{
    *(volatile uint32_t *)a = v;
}

/* Register state at a trap into M-mode; x[0] is unused, x[2] is the
 * interrupted sp. Writing mepc or x[] changes what mret resumes with. */
typedef struct TrapFrame {
    uint64_t x[32];
    uint64_t mepc;
    uint64_t pad;
} TrapFrame;

/* What the last trap into M-mode (or into S through isa_s_trap_entry) saw. */
typedef struct TrapRecord {
    uint64_t cause, tval, epc, status, count, scratch;
} TrapRecord;

extern volatile TrapRecord isa_m_trap; /* filled for every handled M trap */
extern volatile TrapRecord isa_s_trap; /* filled by isa_s_trap_entry */

/* A hook sees every trap into M-mode first (except the return-to-M ecall);
 * it returns nonzero when it handled the trap. Without a hook (or when it
 * returns 0) exceptions are recorded in isa_m_trap and the faulting
 * instruction is skipped if isa_expect_trap is set; anything else is a test
 * failure that ends the program. */
typedef int TrapHook(TrapFrame *f, uint64_t cause);
extern TrapHook *volatile isa_trap_hook;
extern volatile int isa_expect_trap;
/* Added to mepc-derived instruction addresses to find their physical bytes
 * (for code run through an alias mapping). */
extern volatile uint64_t isa_code_alias;
extern uint64_t isa_ra_offset;

void isa_trap_entry(void);
void isa_s_trap_entry(void);
void isa_lower_return(void);
/* Run fn(arg) in mode 0 (U) or 1 (S) with stack sp; returns fn's result. */
long isa_enter_mode(int mode, long (*fn)(long), long arg, unsigned long sp);
extern char __lower_stack_top[];

void isa_putc(char c);
void isa_puts(const char *s);
void isa_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void isa_exit(int failures) __attribute__((noreturn));

/* Checks: print "name = value" and, when it differs from the expectation,
 * a FAIL line; failures are counted and become the exit code. */
extern int isa_failures;
void isa_check(const char *name, uint64_t got, uint64_t expected);
/* Like isa_check but prints nothing on success beyond "name ok" (for values
 * that legitimately differ between implementations). */
void isa_check_true(const char *name, int ok);
#define CHECK(name, got, exp) isa_check((name), (uint64_t)(got), (uint64_t)(exp))
#define CHECK_TRUE(name, cond) isa_check_true((name), (cond) ? 1 : 0)

void isa_section(const char *name);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

/* Runs one instruction sequence expected to trap into M (skipped there):
 * clears isa_m_trap, sets isa_expect_trap, and returns the trap count. */
void isa_arm_trap(void);
uint64_t isa_disarm_trap(void);

#endif /* __ASSEMBLER__ */
#endif /* ISA_H */
