/* sbi.c - built-in SBI 1.0 for one hart (used when no firmware is loaded).
 *
 * Each extension is one handler in SBI_EXT_LIST; probe_extension answers
 * from the same table.  Reboot requests also stop the machine (exit code 0):
 * Kiln has no reset path, and a guest that panics reboots by design.
 */
#include "hw/bus.h"
#include "hw/console.h"
#include "hw/machine.h"
#include "ir/ir.h"
#include "riscv/csr.h"
#include "riscv/mem.h"
#include "riscv/sbi.h"

enum {
    SBI_SUCCESS = 0,
    SBI_ERR_FAILED = -1,
    SBI_ERR_NOT_SUPPORTED = -2,
    SBI_ERR_INVALID_PARAM = -3,
    SBI_ERR_INVALID_ADDRESS = -5,
    SBI_ERR_ALREADY_AVAILABLE = -6,
};

#define SBI_SPEC_VERSION 0x01000000ull /* 1.0: major in bits 30:24 */
#define REG_A(n) (10 + (n))

typedef struct SBIRet {
    int64_t error;
    uint64_t value;
} SBIRet;

typedef SBIRet SBIHandler(RVCPU *cpu, unsigned fid, const uint64_t *a);

static SBIRet sbi_base(RVCPU *cpu, unsigned fid, const uint64_t *a);
static SBIRet sbi_time(RVCPU *cpu, unsigned fid, const uint64_t *a);
static SBIRet sbi_ipi(RVCPU *cpu, unsigned fid, const uint64_t *a);
static SBIRet sbi_rfence(RVCPU *cpu, unsigned fid, const uint64_t *a);
static SBIRet sbi_hsm(RVCPU *cpu, unsigned fid, const uint64_t *a);
static SBIRet sbi_srst(RVCPU *cpu, unsigned fid, const uint64_t *a);
static SBIRet sbi_dbcn(RVCPU *cpu, unsigned fid, const uint64_t *a);

/* X(name, eid, handler): the SBI 0.2+ extensions. */
#define SBI_EXT_LIST(X)                                                                            \
    X(BASE, 0x10, sbi_base)                                                                        \
    X(TIME, 0x54494d45, sbi_time)                                                                  \
    X(IPI, 0x735049, sbi_ipi)                                                                      \
    X(RFENCE, 0x52464e43, sbi_rfence)                                                              \
    X(HSM, 0x48534d, sbi_hsm)                                                                      \
    X(SRST, 0x53525354, sbi_srst)                                                                  \
    X(DBCN, 0x4442434e, sbi_dbcn)

static const struct {
    uint64_t eid;
    SBIHandler *fn;
} sbi_exts[] = {
#define X(name, eid, fn) {eid, fn},
    SBI_EXT_LIST(X)
#undef X
};

/* Legacy (0.1) extension ids 0x00-0x08, all implemented. */
enum {
    SBI_LEGACY_SET_TIMER = 0,
    SBI_LEGACY_PUTCHAR = 1,
    SBI_LEGACY_GETCHAR = 2,
    SBI_LEGACY_CLEAR_IPI = 3,
    SBI_LEGACY_SEND_IPI = 4,
    SBI_LEGACY_REMOTE_FENCE_I = 5,
    SBI_LEGACY_SFENCE_VMA = 6,
    SBI_LEGACY_SFENCE_VMA_ASID = 7,
    SBI_LEGACY_SHUTDOWN = 8,
};

static SBIHandler *sbi_find(uint64_t eid)
{
    for (unsigned i = 0; i < sizeof(sbi_exts) / sizeof(sbi_exts[0]); i++)
        if (sbi_exts[i].eid == eid)
            return sbi_exts[i].fn;
    return NULL;
}

static SBIRet sbi_ok(uint64_t value)
{
    return (SBIRet){SBI_SUCCESS, value};
}

static SBIRet sbi_err(int64_t error)
{
    return (SBIRet){error, 0};
}

static SBIRet sbi_base(RVCPU *cpu, unsigned fid, const uint64_t *a)
{
    (void)cpu;
    switch (fid) {
    case 0: return sbi_ok(SBI_SPEC_VERSION);
    case 1: return sbi_ok(SBI_IMPL_ID_KILN);
    case 2: return sbi_ok(SBI_IMPL_VERSION);
    case 3: return sbi_ok(a[0] <= SBI_LEGACY_SHUTDOWN || sbi_find(a[0]) ? 1 : 0);
    case 4:                   /* mvendorid */
    case 5:                   /* marchid */
    case 6: return sbi_ok(0); /* mimpid */
    default: return sbi_err(SBI_ERR_NOT_SUPPORTED);
    }
}

static void sbi_set_timer(RVCPU *cpu, uint64_t deadline)
{
    cpu->stimecmp = deadline;
    cpu_update_sbi_timer(cpu, cpu->machine ? machine_mtime(cpu->machine) : 0);
    cpu_request_poll(cpu);
}

static SBIRet sbi_time(RVCPU *cpu, unsigned fid, const uint64_t *a)
{
    if (fid != 0)
        return sbi_err(SBI_ERR_NOT_SUPPORTED);
    sbi_set_timer(cpu, a[0]);
    return sbi_ok(0);
}

/* Does (hart_mask, hart_mask_base) name hart 0? Base ~0 means all harts. */
static bool sbi_mask_has_hart0(uint64_t mask, uint64_t base)
{
    return base == ~0ull || (base == 0 && (mask & 1));
}

static SBIRet sbi_ipi(RVCPU *cpu, unsigned fid, const uint64_t *a)
{
    if (fid != 0)
        return sbi_err(SBI_ERR_NOT_SUPPORTED);
    if (sbi_mask_has_hart0(a[0], a[1]))
        cpu->mip |= MIP_SSIP;
    return sbi_ok(0);
}

/* One hart: remote fences are local ones.  fence.i needs nothing (stores
 * to code pages already drop stale TBs). */
static SBIRet sbi_rfence(RVCPU *cpu, unsigned fid, const uint64_t *a)
{
    switch (fid) {
    case 0: return sbi_ok(0);
    case 1:
    case 2:
        if (sbi_mask_has_hart0(a[0], a[1]))
            tlb_flush(cpu);
        return sbi_ok(0);
    default: return sbi_err(SBI_ERR_NOT_SUPPORTED); /* hypervisor fences */
    }
}

static SBIRet sbi_hsm(RVCPU *cpu, unsigned fid, const uint64_t *a)
{
    uint64_t hart = a[0];
    switch (fid) {
    case 0: /* hart_start */
        return sbi_err(hart == cpu->mhartid ? SBI_ERR_ALREADY_AVAILABLE : SBI_ERR_INVALID_PARAM);
    case 1: return sbi_err(SBI_ERR_FAILED); /* hart_stop: the only hart keeps running */
    case 2:                                 /* hart_get_status: 0 = STARTED */
        return hart == cpu->mhartid ? sbi_ok(0) : sbi_err(SBI_ERR_INVALID_PARAM);
    default: return sbi_err(SBI_ERR_NOT_SUPPORTED);
    }
}

static void sbi_stop(RVCPU *cpu, int code)
{
    if (cpu->machine)
        machine_request_stop(cpu->machine, code);
    cpu_request_poll(cpu); /* the dispatcher should notice the stop at once */
}

/* system_reset(type, reason): shutdown (0) or reboot (1 cold, 2 warm) all
 * stop the machine; reason 1 (system failure) gives exit code 1. */
static SBIRet sbi_srst(RVCPU *cpu, unsigned fid, const uint64_t *a)
{
    if (fid != 0)
        return sbi_err(SBI_ERR_NOT_SUPPORTED);
    if (a[0] > 2 && a[0] < 0xf0000000ull)
        return sbi_err(SBI_ERR_INVALID_PARAM);
    if (a[0] > 2 || (a[1] > 1 && a[1] < 0xe0000000ull))
        return sbi_err(SBI_ERR_NOT_SUPPORTED); /* vendor types/reasons */
    sbi_stop(cpu, a[1] == 1 ? 1 : 0);
    return sbi_ok(0);
}

/* Console output of the SBI calls: the machine's console (buffered, seen by
 * the snapshot marker) or, without a machine (unit tests), the host's. */
static void sbi_console_out(RVCPU *cpu, const uint8_t *p, size_t n)
{
    if (cpu->machine)
        machine_console_out(cpu->machine, p, n);
    else
        console_write(p, n);
}

/* Debug console: buffers are physical addresses (lo, hi) in RAM. */
static SBIRet sbi_dbcn(RVCPU *cpu, unsigned fid, const uint64_t *a)
{
    uint64_t n = a[0], addr = a[1] | (a[2] << 32);
    uint8_t *buf = NULL;
    if (fid <= 1 && n) {
        buf = cpu->bus ? bus_ram_ptr(cpu->bus, a[1], n) : NULL;
        if (!buf || addr != a[1])
            return sbi_err(SBI_ERR_INVALID_PARAM);
    }
    switch (fid) {
    case 0: sbi_console_out(cpu, buf, (size_t)n); return sbi_ok(n);
    case 1: {
        uint64_t got = 0;
        for (int c; got < n && (c = console_read()) >= 0; got++)
            buf[got] = (uint8_t)c;
        return sbi_ok(got);
    }
    case 2: {
        uint8_t c = (uint8_t)a[0];
        sbi_console_out(cpu, &c, 1);
        return sbi_ok(0);
    }
    default: return sbi_err(SBI_ERR_NOT_SUPPORTED);
    }
}

/* Legacy calls return one value in a0. hart masks are S-mode pointers. */
static int64_t sbi_legacy(RVCPU *cpu, unsigned eid, const uint64_t *a)
{
    uint64_t mask = 1;
    if (eid >= SBI_LEGACY_SEND_IPI && eid <= SBI_LEGACY_SFENCE_VMA_ASID && a[0]) {
        uint32_t mo = IR_MO_MAKE(3, 0, cpu_mmu_index(cpu, PRV_S, false));
        if (mem_read(cpu, a[0], mo, &mask))
            return SBI_ERR_INVALID_ADDRESS;
    }
    switch (eid) {
    case SBI_LEGACY_SET_TIMER: sbi_set_timer(cpu, a[0]); return 0;
    case SBI_LEGACY_PUTCHAR: {
        uint8_t c = (uint8_t)a[0];
        sbi_console_out(cpu, &c, 1);
        return 0;
    }
    case SBI_LEGACY_GETCHAR: return console_read();
    case SBI_LEGACY_CLEAR_IPI: cpu->mip &= ~MIP_SSIP; return 0;
    case SBI_LEGACY_SEND_IPI:
        if (mask & 1)
            cpu->mip |= MIP_SSIP;
        return 0;
    case SBI_LEGACY_REMOTE_FENCE_I: return 0;
    case SBI_LEGACY_SFENCE_VMA:
    case SBI_LEGACY_SFENCE_VMA_ASID:
        if (mask & 1)
            tlb_flush(cpu);
        return 0;
    case SBI_LEGACY_SHUTDOWN: sbi_stop(cpu, 0); return 0;
    default: return SBI_ERR_NOT_SUPPORTED;
    }
}

void sbi_ecall(RVCPU *cpu)
{
    uint64_t eid = cpu->x[17], a[6];
    unsigned fid = (unsigned)cpu->x[16];
    for (int i = 0; i < 6; i++)
        a[i] = cpu->x[REG_A(i)];
    if (eid <= SBI_LEGACY_SHUTDOWN) {
        cpu->x[REG_A(0)] = (uint64_t)sbi_legacy(cpu, (unsigned)eid, a);
        return;
    }
    SBIHandler *fn = sbi_find(eid);
    SBIRet r = fn ? fn(cpu, fid, a) : sbi_err(SBI_ERR_NOT_SUPPORTED);
    cpu->x[REG_A(0)] = (uint64_t)r.error;
    cpu->x[REG_A(1)] = r.value;
}
