/* runtime.c - output, checks, exit and the M-mode trap handler of the ISA
 * tests. No libc: a tiny printf (%s %c %d %u %x %p with 0/width/l flags). */
#include <stdarg.h>
#include "isa.h"

int isa_failures;
volatile TrapRecord isa_m_trap;
volatile TrapRecord isa_s_trap;
TrapHook *volatile isa_trap_hook;
volatile int isa_expect_trap;
volatile uint64_t isa_code_alias;
extern uint64_t isa_saved_sp;
void isa_enter_mode_resume(void);

void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *p = d;
    const unsigned char *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

/* The UART needs no polling on QEMU nor on kiln: THR accepts every byte. */
void isa_putc(char c)
{
    *(volatile uint8_t *)UART_BASE = (uint8_t)c;
}

void isa_puts(const char *s)
{
    while (*s)
        isa_putc(*s++);
}

static void put_num(uint64_t v, unsigned base, int width, char pad, int neg)
{
    char buf[24];
    int n = 0;
    do {
        unsigned d = (unsigned)(v % base);
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    if (neg)
        buf[n++] = '-';
    while (width-- > n)
        isa_putc(pad);
    while (n)
        isa_putc(buf[--n]);
}

void isa_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            isa_putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, lng = 0;
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            lng = 1;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_num(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, width, pad, v < 0);
            break;
        }
        case 'u':
            put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad, 0);
            break;
        case 'x':
            put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad, 0);
            break;
        case 'p':
            isa_puts("0x");
            put_num((uint64_t)(uintptr_t)va_arg(ap, void *), 16, 16, '0', 0);
            break;
        case 's': isa_puts(va_arg(ap, const char *)); break;
        case 'c': isa_putc((char)va_arg(ap, int)); break;
        case '%': isa_putc('%'); break;
        default: isa_putc('?'); break;
        }
    }
    va_end(ap);
}

void isa_section(const char *name)
{
    isa_printf("== %s\n", name);
}

void isa_check(const char *name, uint64_t got, uint64_t expected)
{
    isa_printf("%s = 0x%016lx\n", name, got);
    if (got != expected) {
        isa_printf("FAIL %s: expected 0x%016lx\n", name, expected);
        isa_failures++;
    }
}

void isa_check_true(const char *name, int ok)
{
    isa_printf("%s %s\n", name, ok ? "ok" : "FAILED");
    if (!ok)
        isa_failures++;
}

void isa_exit(int failures)
{
    failures += isa_failures;
    if (failures == 0) {
        isa_puts("PASS\n");
        mmio_write32(TEST_BASE, 0x5555);
    } else {
        isa_printf("FAIL: %d check(s) failed\n", failures);
        int code = failures > 255 ? 255 : failures;
        mmio_write32(TEST_BASE, 0x3333 | (uint32_t)code << 16);
    }
    for (;;)
        __asm__ volatile("wfi");
}

void isa_arm_trap(void)
{
    isa_m_trap.cause = isa_m_trap.tval = isa_m_trap.epc = ~0UL;
    isa_m_trap.count = 0;
    isa_expect_trap = 1;
}

uint64_t isa_disarm_trap(void)
{
    isa_expect_trap = 0;
    return isa_m_trap.count;
}

static unsigned insn_length(uint64_t pc)
{
    uint16_t h = *(volatile uint16_t *)(pc + isa_code_alias);
    return (h & 3) == 3 ? 4 : 2;
}

void isa_trap_handler(TrapFrame *f);
void isa_trap_handler(TrapFrame *f)
{
    uint64_t cause = csr_read(mcause);
    if ((cause == CAUSE_ECALL_U || cause == CAUSE_ECALL_S) && f->x[17] == ISA_MAGIC) {
        /* Return from isa_enter_mode's lower-mode function, a0 unchanged. */
        f->x[2] = isa_saved_sp;
        f->mepc = (uint64_t)(uintptr_t)isa_enter_mode_resume;
        csr_set(mstatus, MSTATUS_MPP);
        return;
    }
    if (isa_trap_hook && isa_trap_hook(f, cause))
        return;
    if (!(cause & CAUSE_INTR) && isa_expect_trap) {
        isa_m_trap.cause = cause;
        isa_m_trap.tval = csr_read(mtval);
        isa_m_trap.epc = f->mepc;
        isa_m_trap.status = csr_read(mstatus);
        isa_m_trap.count++;
        if (cause == CAUSE_MISALIGNED_FETCH || cause == CAUSE_FETCH_ACCESS ||
            cause == CAUSE_FETCH_PAGE)
            f->mepc = f->x[1]; /* fetch-fault tests jump with jalr ra */
        else
            f->mepc += insn_length(f->mepc);
        return;
    }
    isa_printf("FAIL unexpected trap: mcause=0x%lx mepc=0x%lx mtval=0x%lx\n", cause, f->mepc,
               csr_read(mtval));
    isa_exit(1);
}

/* Open all of memory to S and U through PMP entry 0 (TOR would also do).
 * QEMU implements PMP, and without a matching entry S/U accesses fail; an
 * implementation without PMP CSRs may trap on them, which is tolerated. */
void isa_init(void);
void isa_init(void)
{
    isa_arm_trap();
    csr_write(pmpaddr0, ~0UL >> 10);
    csr_write(pmpcfg0, 0x1f); /* NAPOT, R W X */
    isa_disarm_trap();
}
