/* machine.c - the `virt` board (see machine.h): builds the bus and devices,
 * loads firmware/kernel/DTB, resets the hart, and drives time: timer lines,
 * console input, HTIF tohost and the idle (WFI) policy.
 * Time: real-time mode reads the host's monotonic clock; deterministic
 * mode derives everything from cpu->icount (DET_INSNS_PER_TICK per tick),
 * so a run repeats exactly. */
#include "hw/machine.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hw/clint.h"
#include "exec/exec.h"
#include "hw/console.h"
#include "hw/goldfish-rtc.h"
#include "hw/loader.h"
#include "hw/plic.h"
#include "hw/sifive-test.h"
#include "hw/uart.h"
#include "hw/virt-dt.h"
#include "hw/virtio.h"
#include "riscv/cpu.h"
#include "snap/lz.h"
#include "snap/snap.h"
#include "util/file.h"
#include "util/le.h"

#define DEFAULT_RAM_SIZE (256ull << 20)
#define MIN_RAM_SIZE (16ull << 20)
#define KERNEL_ADDR (VIRT_RAM_BASE + 0x200000ull) /* 2 MiB aligned, as Linux needs */
#define MiB (1ull << 20)

/* Deterministic mode: the RTC starts at 2024-01-01 00:00:00 UTC. */
#define DET_EPOCH_NS (1704067200ull * 1000000000ull)
#define NS_PER_TICK (1000000000ull / VIRT_TIMEBASE_HZ)

/* How often the board runs (in instructions) when no timer is closer. */
#define POLL_CAP_DET 100000ull
#define POLL_CAP_REALTIME 20000ull
#define TX_FLUSH_INSNS 1000000ull /* console output waits at most ~10 ms of guest time */
/* Console input polling: real time every 1 ms, deterministic every N insns. */
#define INPUT_PERIOD_NS 1000000ull
#define INPUT_PERIOD_DET 100000ull
#define IDLE_MAX_MS 10

/* OpenSBI fw_dynamic_info (include/sbi/fw_dynamic.h), six u64. */
#define FW_DYNAMIC_MAGIC 0x4942534full /* "OSBI" */
#define FW_DYNAMIC_VERSION 2
#define FW_DYNAMIC_NEXT_MODE_S 1

/* HTIF syscall number for write (riscv-tests benchmarks' syscall.c). */
#define HTIF_SYS_WRITE 64

struct Machine {
    MachineConfig cfg;
    Bus bus;
    RVCPU *cpu;
    Clint *clint;
    Plic *plic;
    Uart *uart;
    GoldfishRtc *rtc;
    SifiveTest *test;
    VirtioMMIO *virtio[VIRT_VIRTIO_SLOTS];
    uint64_t start_ns;
    uint64_t next_input; /* ns (real time) or icount (deterministic) */
    bool stopped;
    int exit_code;
    bool htif;
    uint64_t tohost, fromhost;
    uint64_t dtb_addr;
    /* Console output (held in tx until the next poll: one host write per
     * poll, not per byte) and the snapshot marker (KMP matcher over it). */
    uint8_t tx[4096];
    size_t tx_len;
    uint64_t tx_icount; /* icount at the last flush */
    uint64_t console_bytes;
    size_t marker_len, marker_pos;
    size_t *marker_fail;
    bool snapshot_due;
    bool snapshot_taken;      /* the snapshot_at snapshot was written ... */
    uint64_t snapshot_icount; /* ... at this instruction count */
};

static uint64_t host_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t machine_mtime(Machine *m)
{
    if (m->cfg.deterministic)
        return m->cpu->icount / DET_INSNS_PER_TICK;
    return (host_ns(CLOCK_MONOTONIC) - m->start_ns) / NS_PER_TICK;
}

static uint64_t clint_now(void *opaque)
{
    return machine_mtime(opaque);
}

static uint64_t rtc_now(void *opaque)
{
    Machine *m = opaque;
    if (m->cfg.deterministic)
        return DET_EPOCH_NS + machine_mtime(m) * NS_PER_TICK;
    return host_ns(CLOCK_REALTIME);
}

static void console_flush(Machine *m)
{
    if (m->tx_len)
        console_write(m->tx, m->tx_len);
    m->tx_len = 0;
}

/* Every guest console byte (UART, HTIF, SBI debug console) goes through
 * here: buffered (flushed at the first poll TX_FLUSH_INSNS after the last
 * flush, when the guest idles, when the machine stops, and when full),
 * counted, and matched against the snapshot marker. */
void machine_console_out(Machine *m, const uint8_t *p, size_t n)
{
    if (n > sizeof(m->tx) - m->tx_len)
        console_flush(m);
    if (n > sizeof(m->tx)) {
        console_write(p, n);
    } else {
        memcpy(m->tx + m->tx_len, p, n);
        m->tx_len += n;
    }
    m->console_bytes += n;
    if (!m->marker_len)
        return;
    const char *mk = m->cfg.snapshot_at;
    for (size_t i = 0; i < n; i++) {
        while (m->marker_pos && (uint8_t)mk[m->marker_pos] != p[i])
            m->marker_pos = m->marker_fail[m->marker_pos - 1];
        if ((uint8_t)mk[m->marker_pos] == p[i])
            m->marker_pos++;
        if (m->marker_pos == m->marker_len) {
            m->snapshot_due = true; /* taken at the next poll */
            m->marker_len = 0;      /* once */
            return;
        }
    }
}

static void uart_tx(void *opaque, uint8_t byte)
{
    machine_console_out(opaque, &byte, 1);
}

uint64_t machine_console_bytes(const Machine *m)
{
    return m->console_bytes;
}

void machine_request_stop(Machine *m, int exit_code)
{
    if (!m->stopped) {
        m->stopped = true;
        m->exit_code = exit_code;
    }
    console_flush(m);
}

bool machine_stopped(const Machine *m, int *exit_code)
{
    if (m->stopped && exit_code)
        *exit_code = m->exit_code;
    return m->stopped;
}

static void test_stop(void *opaque, int exit_code, bool reset)
{
    if (reset)
        fprintf(stderr, "kiln: guest requested a reset; stopping (no reboot, like QEMU "
                        "-no-reboot)\n");
    machine_request_stop(opaque, exit_code);
}

RVCPU *machine_cpu(Machine *m)
{
    return m->cpu;
}

Bus *machine_bus(Machine *m)
{
    return &m->bus;
}

static IRQLine cpu_line(RVCPU *cpu, int irq)
{
    IRQLine l = {cpu_set_irq, cpu, irq};
    return l;
}

static int create_devices(Machine *m)
{
    const IRQLine ctx[PLIC_NCTX] = {cpu_line(m->cpu, IRQ_MEI), cpu_line(m->cpu, IRQ_SEI)};
    m->plic = plic_create(&m->bus, VIRT_PLIC_BASE, ctx);
    m->clint = clint_create(&m->bus, VIRT_CLINT_BASE, cpu_line(m->cpu, IRQ_MTI),
                            cpu_line(m->cpu, IRQ_MSI), clint_now, m);
    if (!m->plic || !m->clint)
        return -1;
    m->uart = uart_create(&m->bus, VIRT_UART_BASE, plic_irq(m->plic, VIRT_UART_IRQ), uart_tx, m);
    m->rtc =
        goldfish_rtc_create(&m->bus, VIRT_RTC_BASE, plic_irq(m->plic, VIRT_RTC_IRQ), rtc_now, m);
    m->test = sifive_test_create(&m->bus, VIRT_TEST_BASE, test_stop, m);
    if (!m->uart || !m->rtc || !m->test)
        return -1;

    const VirtioDeviceOps *ops[VIRT_VIRTIO_SLOTS] = {0};
    void *dev[VIRT_VIRTIO_SLOTS] = {0};
    int slot = 0;
    if (m->cfg.drive) {
        dev[slot] = virtio_blk_new(m->cfg.drive);
        if (!dev[slot])
            return -1;
        ops[slot++] = &virtio_blk_ops;
    }
    if (m->cfg.rng) {
        dev[slot] = virtio_rng_new(m->cfg.deterministic);
        if (!dev[slot])
            return -1;
        ops[slot++] = &virtio_rng_ops;
    }
    for (int i = 0; i < VIRT_VIRTIO_SLOTS; i++) {
        uint64_t base = VIRT_VIRTIO_BASE + VIRTIO_MMIO_SIZE * (uint64_t)i;
        m->virtio[i] = virtio_mmio_create(&m->bus, base, plic_irq(m->plic, VIRT_VIRTIO_IRQ + i),
                                          ops[i], dev[i]);
        if (!m->virtio[i]) {
            if (ops[i] && ops[i]->destroy)
                ops[i]->destroy(dev[i]);
            return -1;
        }
    }
    return 0;
}

/* Build the DTB and place it like QEMU 7.2 does: below the end of RAM
 * (or 3 GiB), 2 MiB aligned.  Returns its end address, or 0 on error. */
static uint64_t place_dtb(Machine *m, uint64_t kernel_end)
{
    uint8_t seed[32];
    VirtDTConfig dc = {
        .ram_base = VIRT_RAM_BASE,
        .ram_size = m->bus.ram_size,
        .bootargs = m->cfg.append,
    };
    if (!m->cfg.deterministic && getentropy(seed, sizeof(seed)) == 0) {
        dc.rng_seed = seed;
        dc.rng_seed_len = sizeof(seed);
    }
    uint8_t *dtb;
    size_t size;
    if (virt_dt_build(&dc, &dtb, &size)) {
        fprintf(stderr, "kiln: cannot build the device tree\n");
        return 0;
    }
    uint64_t end = VIRT_RAM_BASE + m->bus.ram_size;
    uint64_t limit = 3072 * MiB;
    uint64_t top = VIRT_RAM_BASE < limit && end > limit ? limit : end;
    uint64_t addr = (top - size) & ~(2 * MiB - 1);
    uint8_t *dst = bus_ram_ptr(&m->bus, addr, size);
    if (!dst || addr < kernel_end) {
        fprintf(stderr, "kiln: guest RAM (%llu MiB) too small for the kernel and device tree\n",
                (unsigned long long)(m->bus.ram_size / MiB));
        free(dtb);
        return 0;
    }
    memcpy(dst, dtb, size);
    free(dtb);
    m->dtb_addr = addr;
    return (addr + size + 7) & ~7ull;
}

static int load_and_reset(Machine *m)
{
    const MachineConfig *c = &m->cfg;
    bool builtin = c->bios == NULL, none = c->bios && strcmp(c->bios, "none") == 0;
    LoadInfo fw = {0}, kern = {0};
    uint64_t kernel_end = VIRT_RAM_BASE;

    if (!builtin && !none) {
        uint64_t max = c->kernel ? KERNEL_ADDR - VIRT_RAM_BASE : m->bus.ram_size;
        if (loader_load_firmware(&m->bus, c->bios, VIRT_RAM_BASE, max, &fw))
            return -1;
        kernel_end = fw.high;
    } else if (!c->kernel) {
        fprintf(stderr, "kiln: no kernel given (needed without a firmware file)\n");
        return -1;
    }
    if (c->kernel) {
        if (loader_load_kernel(&m->bus, c->kernel, KERNEL_ADDR, &kern))
            return -1;
        if (kern.high > kernel_end)
            kernel_end = kern.high;
        if (kern.has_tohost && bus_ram_ptr(&m->bus, kern.tohost, 8)) {
            m->htif = true;
            m->tohost = kern.tohost;
            m->fromhost = kern.fromhost;
        }
    }
    if (fw.has_tohost && !m->htif && bus_ram_ptr(&m->bus, fw.tohost, 8)) {
        m->htif = true;
        m->tohost = fw.tohost;
        m->fromhost = fw.fromhost;
    }
    uint64_t info_addr = place_dtb(m, kernel_end);
    if (!info_addr)
        return -1;

    uint64_t pc;
    int priv;
    uint64_t a2 = 0;
    if (builtin) {
        pc = kern.entry;
        priv = PRV_S;
    } else if (none) {
        pc = kern.entry;
        priv = PRV_M;
    } else {
        /* fw_dynamic_info right after the DTB; OpenSBI copies it early. */
        uint8_t *info = bus_ram_ptr(&m->bus, info_addr, 48);
        if (!info) {
            fprintf(stderr, "kiln: no room in guest RAM for the firmware info block\n");
            return -1;
        }
        le_store(info + 0, 8, FW_DYNAMIC_MAGIC);
        le_store(info + 8, 8, FW_DYNAMIC_VERSION);
        le_store(info + 16, 8, c->kernel ? kern.entry : KERNEL_ADDR);
        le_store(info + 24, 8, FW_DYNAMIC_NEXT_MODE_S);
        le_store(info + 32, 8, 0); /* options */
        le_store(info + 40, 8, 0); /* boot hart */
        a2 = info_addr;
        pc = fw.entry;
        priv = PRV_M;
    }
    m->cpu->machine = m;
    cpu_reset(m->cpu, m, pc, priv);
    m->cpu->machine = m;
    m->cpu->x[10] = 0; /* a0: hart id */
    m->cpu->x[11] = m->dtb_addr;
    m->cpu->x[12] = a2;
    m->cpu->sbi_builtin = 0;
    if (builtin)
        cpu_enable_builtin_sbi(m->cpu); /* delegation, counter enables, stimecmp */
    return 0;
}

/* ---- Snapshots (docs/snapshot-format.md) ----
 * Sections in file order; restore needs every one of them, and nothing
 * else.  RAM goes last: it is the only part whose commit can still fail
 * (decompression), and only on a freshly created machine, which the
 * caller then discards. */

#define SNAP_PAGE 4096u
#define SNAP_BLOCK_PAGES 16u /* RAM is compressed in blocks of up to 64 KiB */
#define TAG_CONF SNAP_TAG('C', 'O', 'N', 'F')
#define TAG_RAM SNAP_TAG('R', 'A', 'M', ' ')

static int marker_init(Machine *m)
{
    const char *mk = m->cfg.snapshot_at;
    if (!mk || !*mk)
        return 0;
    if (!m->cfg.snapshot_path) {
        fprintf(stderr, "kiln: --snapshot-at needs --snapshot FILE\n");
        return -1;
    }
    size_t n = strlen(mk);
    m->marker_fail = malloc(n * sizeof(*m->marker_fail));
    if (!m->marker_fail)
        return -1;
    m->marker_fail[0] = 0; /* KMP failure function */
    for (size_t i = 1, k = 0; i < n; i++) {
        while (k && mk[i] != mk[k])
            k = m->marker_fail[k - 1];
        if (mk[i] == mk[k])
            k++;
        m->marker_fail[i] = k;
    }
    m->marker_len = n;
    return 0;
}

/* ---- per-part save/load, one row each in SNAP_PARTS ---- */

static int mach_save(Machine *m, SnapWriter *w, int arg)
{
    (void)arg;
    snap_put_u64(w, m->console_bytes);
    snap_put_u64(w, m->cfg.deterministic ? m->next_input : 0);
    snap_put_u64(w, machine_mtime(m));
    snap_put_u8(w, m->htif);
    snap_put_u64(w, m->tohost);
    snap_put_u64(w, m->fromhost);
    snap_put_u64(w, m->dtb_addr);
    return w->err ? -1 : 0;
}

static int mach_load(Machine *m, SnapReader *r, int arg)
{
    (void)arg;
    uint64_t bytes = snap_get_u64(r), next_input = snap_get_u64(r), mtime = snap_get_u64(r);
    bool htif = snap_get_bool(r);
    uint64_t tohost = snap_get_u64(r), fromhost = snap_get_u64(r), dtb = snap_get_u64(r);
    if (!snap_reader_done(r) || (htif && !bus_ram_ptr(&m->bus, tohost, 8)))
        return -1;
    if (r->dry_run)
        return 0;
    m->console_bytes = bytes;
    m->next_input = next_input;
    /* Real time: mtime continues from the saved value (an offset to the
     * host clock); deterministic time is the restored icount. */
    if (!m->cfg.deterministic)
        m->start_ns = host_ns(CLOCK_MONOTONIC) - mtime * NS_PER_TICK;
    m->htif = htif;
    m->tohost = tohost;
    m->fromhost = fromhost;
    m->dtb_addr = dtb;
    m->snapshot_due = false;
    return 0;
}

static int cpu_part_save(Machine *m, SnapWriter *w, int arg)
{
    (void)arg;
    return cpu_snap_save(m->cpu, w);
}
static int cpu_part_load(Machine *m, SnapReader *r, int arg)
{
    (void)arg;
    return cpu_snap_load(m->cpu, r);
}
static int clint_part_save(Machine *m, SnapWriter *w, int arg)
{
    (void)arg;
    return clint_snap_save(m->clint, w);
}
static int clint_part_load(Machine *m, SnapReader *r, int arg)
{
    (void)arg;
    return clint_snap_load(m->clint, r);
}
static int plic_part_save(Machine *m, SnapWriter *w, int arg)
{
    (void)arg;
    return plic_snap_save(m->plic, w);
}
static int plic_part_load(Machine *m, SnapReader *r, int arg)
{
    (void)arg;
    return plic_snap_load(m->plic, r);
}
static int uart_part_save(Machine *m, SnapWriter *w, int arg)
{
    (void)arg;
    return uart_snap_save(m->uart, w);
}
static int uart_part_load(Machine *m, SnapReader *r, int arg)
{
    (void)arg;
    return uart_snap_load(m->uart, r);
}
static int rtc_part_save(Machine *m, SnapWriter *w, int arg)
{
    (void)arg;
    return goldfish_rtc_snap_save(m->rtc, w);
}
static int rtc_part_load(Machine *m, SnapReader *r, int arg)
{
    (void)arg;
    return goldfish_rtc_snap_load(m->rtc, r);
}
static int test_part_save(Machine *m, SnapWriter *w, int arg)
{
    (void)arg;
    return sifive_test_snap_save(m->test, w);
}
static int test_part_load(Machine *m, SnapReader *r, int arg)
{
    (void)arg;
    return sifive_test_snap_load(m->test, r);
}
static int virtio_part_save(Machine *m, SnapWriter *w, int slot)
{
    return virtio_mmio_snap_save(m->virtio[slot], w);
}
static int virtio_part_load(Machine *m, SnapReader *r, int slot)
{
    return virtio_mmio_snap_load(m->virtio[slot], r);
}

static bool page_is_zero(const uint8_t *p)
{
    uint64_t acc = 0;
    for (unsigned i = 0; i < SNAP_PAGE; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        acc |= v;
    }
    return acc == 0;
}

/* RAM: size, page size, block size, bitmap of non-zero pages, then those
 * pages in address order as LZ blocks of up to SNAP_BLOCK_PAGES pages. */
static int ram_save(Machine *m, SnapWriter *w, int arg)
{
    (void)arg;
    uint64_t npages = m->bus.ram_size / SNAP_PAGE;
    size_t bmlen = (size_t)((npages + 7) / 8);
    uint8_t *bm = calloc(1, bmlen);
    uint8_t *stage = malloc(SNAP_BLOCK_PAGES * SNAP_PAGE);
    if (!bm || !stage) {
        free(bm);
        free(stage);
        return -1;
    }
    for (uint64_t i = 0; i < npages; i++)
        if (!page_is_zero(m->bus.ram + i * SNAP_PAGE))
            bm[i / 8] |= (uint8_t)(1u << (i % 8));
    snap_put_u64(w, m->bus.ram_size);
    snap_put_u32(w, SNAP_PAGE);
    snap_put_u32(w, SNAP_BLOCK_PAGES);
    snap_put_bytes(w, bm, bmlen);
    uint64_t i = 0;
    for (;;) {
        unsigned n = 0;
        for (; i < npages && n < SNAP_BLOCK_PAGES; i++)
            if (bm[i / 8] & (1u << (i % 8)))
                memcpy(stage + (size_t)n++ * SNAP_PAGE, m->bus.ram + i * SNAP_PAGE, SNAP_PAGE);
        if (!n)
            break;
        size_t raw = (size_t)n * SNAP_PAGE;
        snap_put_u32(w, (uint32_t)raw);
        size_t at = w->len;
        snap_put_u32(w, 0);
        uint8_t *dst = snap_reserve(w, lz_bound(raw));
        if (!dst)
            break;
        size_t clen = lz_compress(stage, raw, dst);
        if (clen >= raw) { /* incompressible: stored */
            memcpy(dst, stage, raw);
            clen = raw;
        }
        w->len = at + 4 + clen;
        for (int b = 0; b < 4; b++)
            w->buf[at + (size_t)b] = (uint8_t)(clen >> (8 * b));
    }
    free(bm);
    free(stage);
    return w->err ? -1 : 0;
}

/* One block of a RAM part into RAM: its n pages (numbers in pages[]), raw
 * (cl == n pages) or compressed, decoded straight into RAM when the pages
 * are consecutive, else through stage.  Returns 0, or -1 on corrupt data.
 * Called through ram_block_fn, out of line, once per block: Wasm engines
 * (V8) run a function's first calls as baseline code and swap in optimised
 * code only at a later call, so a restore that decoded all of RAM in one
 * call would run baseline code throughout. */
__attribute__((noinline)) static int ram_block(Machine *m, const uint64_t *pages, unsigned n,
                                               const uint8_t *data, size_t cl, uint8_t *stage)
{
    size_t raw = (size_t)n * SNAP_PAGE;
    bool contiguous = pages[n - 1] - pages[0] == n - 1;
    uint8_t *dst = contiguous ? m->bus.ram + pages[0] * SNAP_PAGE : stage;
    if (cl == raw)
        memcpy(dst, data, raw);
    else if (lz_decompress(data, cl, dst, raw))
        return -1;
    if (!contiguous)
        for (unsigned k = 0; k < n; k++)
            memcpy(m->bus.ram + pages[k] * SNAP_PAGE, stage + (size_t)k * SNAP_PAGE, SNAP_PAGE);
    return 0;
}

static int (*volatile ram_block_fn)(Machine *, const uint64_t *, unsigned, const uint8_t *, size_t,
                                    uint8_t *) = ram_block;

/* Dry run: check the structure (and, unless the machine is fresh, decode
 * every block into scratch).  Commit: write the pages (zeroing the others
 * unless the machine is fresh, whose RAM is still all zero). */
static int ram_load_mode(Machine *m, SnapReader *r, bool fresh)
{
    uint64_t npages = m->bus.ram_size / SNAP_PAGE;
    size_t bmlen = (size_t)((npages + 7) / 8);
    if (snap_get_u64(r) != m->bus.ram_size || snap_get_u32(r) != SNAP_PAGE ||
        snap_get_u32(r) != SNAP_BLOCK_PAGES)
        return -1;
    const uint8_t *bm = snap_get_bytes(r, bmlen);
    if (!bm || (npages % 8 && (bm[bmlen - 1] >> (npages % 8))))
        return -1;
    bool decode = !r->dry_run || !fresh;
    uint8_t *stage = malloc(SNAP_BLOCK_PAGES * SNAP_PAGE);
    if (!stage)
        return -1;
    int rc = 0;
    uint64_t i = 0;
    for (;;) {
        uint64_t pages[SNAP_BLOCK_PAGES];
        unsigned n = 0;
        for (; i < npages && n < SNAP_BLOCK_PAGES; i++) {
            if (bm[i / 8] & (1u << (i % 8)))
                pages[n++] = i;
            else if (!r->dry_run && !fresh)
                memset(m->bus.ram + i * SNAP_PAGE, 0, SNAP_PAGE);
        }
        if (!n)
            break;
        size_t raw = (size_t)n * SNAP_PAGE;
        uint32_t rl = snap_get_u32(r), cl = snap_get_u32(r);
        const uint8_t *data = snap_get_bytes(r, cl);
        if (!data || rl != raw || cl > raw) {
            rc = -1;
            break;
        }
        if (!decode)
            continue;
        if (r->dry_run) { /* into stage only: RAM stays as it is */
            if (cl != raw && lz_decompress(data, cl, stage, raw)) {
                rc = -1;
                break;
            }
        } else if (ram_block_fn(m, pages, n, data, cl, stage)) {
            rc = -1;
            break;
        }
    }
    free(stage);
    return rc || !snap_reader_done(r) ? -1 : 0;
}

static bool restore_fresh; /* set by snapshot_restore for ram_load */

static int ram_load(Machine *m, SnapReader *r, int arg)
{
    (void)arg;
    return ram_load_mode(m, r, restore_fresh);
}

/* clang-format off */
/* X(tag, name, save, load, arg): every part of a snapshot after CONF. */
#define VIRTIO_PART(X, i)                                                                          \
    X(SNAP_TAG('V', 'I', 'O', '0' + i), "virtio-mmio slot " #i, virtio_part_save,                  \
      virtio_part_load, i)
#define SNAP_PARTS(X)                                                                              \
    X(SNAP_TAG('M', 'A', 'C', 'H'), "machine", mach_save, mach_load, 0)                            \
    X(SNAP_TAG('C', 'P', 'U', ' '), "cpu", cpu_part_save, cpu_part_load, 0)                        \
    X(SNAP_TAG('C', 'L', 'N', 'T'), "clint", clint_part_save, clint_part_load, 0)                  \
    X(SNAP_TAG('P', 'L', 'I', 'C'), "plic", plic_part_save, plic_part_load, 0)                     \
    X(SNAP_TAG('U', 'A', 'R', 'T'), "uart", uart_part_save, uart_part_load, 0)                     \
    X(SNAP_TAG('R', 'T', 'C', ' '), "goldfish-rtc", rtc_part_save, rtc_part_load, 0)               \
    X(SNAP_TAG('T', 'E', 'S', 'T'), "sifive-test", test_part_save, test_part_load, 0)              \
    VIRTIO_PART(X, 0) VIRTIO_PART(X, 1) VIRTIO_PART(X, 2) VIRTIO_PART(X, 3)                        \
    VIRTIO_PART(X, 4) VIRTIO_PART(X, 5) VIRTIO_PART(X, 6) VIRTIO_PART(X, 7)                        \
    X(TAG_RAM, "ram", ram_save, ram_load, 0)
/* clang-format on */

static const struct SnapPart {
    uint32_t tag;
    const char *name;
    int (*save)(Machine *m, SnapWriter *w, int arg);
    int (*load)(Machine *m, SnapReader *r, int arg);
    int arg;
} snap_parts[] = {
#define X(tag, name, save, load, arg) {tag, name, save, load, arg},
    SNAP_PARTS(X)
#undef X
};
#define NB_SNAP_PARTS (sizeof(snap_parts) / sizeof(snap_parts[0]))

/* Guest image identity: path (informational), FNV-1a 64 and size. */
static void put_image(SnapWriter *w, const char *path)
{
    uint64_t size = 0, h = 0;
    snap_put_str(w, path);
    if (path && strcmp(path, "none") && file_hash(path, &h, &size))
        h = size = 0; /* unreadable: a restore will report it */
    snap_put_u64(w, h);
    snap_put_u64(w, size);
}

static void conf_save(Machine *m, SnapWriter *w)
{
    const MachineConfig *c = &m->cfg;
    snap_put_u64(w, m->bus.ram_size);
    snap_put_u8(w, c->deterministic);
    snap_put_u8(w, c->rng);
    put_image(w, c->kernel);
    put_image(w, c->bios);
    snap_put_str(w, c->append);
    /* The disk is named, not hashed: the guest writes to it. */
    snap_put_str(w, c->drive);
    uint64_t dsize = 0;
    FILE *fp = c->drive ? fopen(c->drive, "rb") : NULL;
    if (fp && fseek(fp, 0, SEEK_END) == 0)
        dsize = (uint64_t)ftell(fp);
    if (fp)
        fclose(fp);
    snap_put_u64(w, dsize);
}

typedef struct SnapConf {
    uint64_t ram_size;
    bool deterministic, rng;
    char *kernel, *bios, *append, *drive;
    uint64_t khash, ksize, bhash, bsize, dsize;
} SnapConf;

static void conf_free(SnapConf *c)
{
    free(c->kernel);
    free(c->bios);
    free(c->append);
    free(c->drive);
}

static int conf_parse(const SnapFile *f, SnapConf *c)
{
    memset(c, 0, sizeof(*c));
    SnapReader r = snap_reader(snap_file_find(f, TAG_CONF), true);
    c->ram_size = snap_get_u64(&r);
    c->deterministic = snap_get_bool(&r);
    c->rng = snap_get_bool(&r);
    c->kernel = snap_get_str(&r);
    c->khash = snap_get_u64(&r);
    c->ksize = snap_get_u64(&r);
    c->bios = snap_get_str(&r);
    c->bhash = snap_get_u64(&r);
    c->bsize = snap_get_u64(&r);
    c->append = snap_get_str(&r);
    c->drive = snap_get_str(&r);
    c->dsize = snap_get_u64(&r);
    if (!snap_reader_done(&r)) {
        conf_free(c);
        return -1;
    }
    return 0;
}

/* Does the image file at path match (hash, size)?  Writes the problem. */
static bool file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

static int check_image(const char *what, const char *path, uint64_t h, uint64_t size, char *err,
                       size_t errlen)
{
    uint64_t fh, fsize;
    int rc = file_hash(path, &fh, &fsize);
    if (rc) {
        snprintf(err, errlen, "cannot read the %s %s: %s", what, path, strerror(-rc));
        return -1;
    }
    if (fh != h || fsize != size) {
        snprintf(err, errlen,
                 "taken with another guest image: %s %s has hash %016llx (%llu bytes), the "
                 "snapshot needs %016llx (%llu bytes)",
                 what, path, (unsigned long long)fh, (unsigned long long)fsize,
                 (unsigned long long)h, (unsigned long long)size);
        return -1;
    }
    return 0;
}

static int conf_check(Machine *m, const SnapConf *c, char *err, size_t errlen)
{
    const MachineConfig *mc = &m->cfg;
    if (c->ram_size != m->bus.ram_size) {
        snprintf(err, errlen, "taken with %llu MiB of RAM, this machine has %llu MiB",
                 (unsigned long long)(c->ram_size >> 20),
                 (unsigned long long)(m->bus.ram_size >> 20));
        return -1;
    }
    if (c->deterministic != mc->deterministic) {
        snprintf(err, errlen, "taken in %s mode, restoring in %s mode",
                 c->deterministic ? "deterministic" : "real-time",
                 mc->deterministic ? "deterministic" : "real-time");
        return -1;
    }
    if (c->rng != mc->rng || !c->drive != !mc->drive) {
        snprintf(err, errlen, "taken with other devices (virtio-rng %s, disk %s)",
                 c->rng ? "on" : "off", c->drive ? c->drive : "none");
        return -1;
    }
    /* The snapshot's own kernel path may be absent here (e.g. in a browser,
     * where only the snapshot was downloaded): RAM holds the guest. */
    bool kernel_absent = mc->kernel_from_snapshot && (!mc->kernel || !file_exists(mc->kernel));
    if (!kernel_absent &&
        (!mc->kernel || check_image("kernel", mc->kernel, c->khash, c->ksize, err, errlen)))
        return mc->kernel ? -1 : (snprintf(err, errlen, "no kernel to check"), -1);
    bool cfile = c->bios && strcmp(c->bios, "none"), mfile = mc->bios && strcmp(mc->bios, "none");
    if (cfile != mfile || (!cfile && !c->bios != !mc->bios)) {
        snprintf(err, errlen, "taken with firmware %s, not %s",
                 c->bios ? c->bios : "(built-in SBI)", mc->bios ? mc->bios : "(built-in SBI)");
        return -1;
    }
    if (mfile && !(mc->bios_from_snapshot && !file_exists(mc->bios)) &&
        check_image("firmware", mc->bios, c->bhash, c->bsize, err, errlen))
        return -1;
    if (mc->drive) {
        FILE *fp = fopen(mc->drive, "rb");
        uint64_t dsize = 0;
        if (fp && fseek(fp, 0, SEEK_END) == 0)
            dsize = (uint64_t)ftell(fp);
        if (fp)
            fclose(fp);
        if (dsize != c->dsize) {
            snprintf(err, errlen, "disk %s has %llu bytes, the snapshot's disk had %llu", mc->drive,
                     (unsigned long long)dsize, (unsigned long long)c->dsize);
            return -1;
        }
    }
    return 0;
}

int machine_snapshot_save(Machine *m, const char *path)
{
    uint64_t t0 = host_ns(CLOCK_MONOTONIC);
    SnapWriter w = {0};
    snap_file_begin(&w, m->cfg.deterministic ? SNAP_FLAG_DETERMINISTIC : 0);
    size_t at = snap_section_begin(&w, TAG_CONF);
    conf_save(m, &w);
    snap_section_end(&w, at);
    size_t ram_at = 0;
    for (unsigned i = 0; i < NB_SNAP_PARTS; i++) {
        at = snap_section_begin(&w, snap_parts[i].tag);
        if (snap_parts[i].tag == TAG_RAM)
            ram_at = at;
        if (snap_parts[i].save(m, &w, snap_parts[i].arg)) {
            fprintf(stderr, "kiln: snapshot %s: cannot save the %s state (out of memory?)\n", path,
                    snap_parts[i].name);
            snap_writer_free(&w);
            return -1;
        }
        snap_section_end(&w, at);
    }
    size_t ram_bytes = w.len - ram_at - 8;
    int rc = snap_file_write(&w, path);
    if (!rc)
        fprintf(stderr,
                "kiln: snapshot %s: %zu bytes (RAM %llu MiB -> %.2f MiB), uart byte %llu, "
                "insn %llu, %.1f ms\n",
                path, w.len, (unsigned long long)(m->bus.ram_size >> 20),
                (double)ram_bytes / (1 << 20), (unsigned long long)m->console_bytes,
                (unsigned long long)m->cpu->icount, (double)(host_ns(CLOCK_MONOTONIC) - t0) / 1e6);
    snap_writer_free(&w);
    return rc;
}

/* The file machine_snapshot_peek read, kept for the restore that follows,
 * and the config strings it handed out (freed by machine_snapshot_release). */
static struct {
    char *path;
    SnapFile f;
    char *strings[4];
    unsigned nstrings;
} peeked;

static char *peek_strdup(const char *s)
{
    if (!s || peeked.nstrings == sizeof(peeked.strings) / sizeof(peeked.strings[0]))
        return NULL;
    char *d = strdup(s);
    peeked.strings[peeked.nstrings++] = d;
    return d;
}

void machine_snapshot_release(void)
{
    for (unsigned i = 0; i < peeked.nstrings; i++)
        free(peeked.strings[i]);
    peeked.nstrings = 0;
    free(peeked.path);
    peeked.path = NULL;
    snap_file_free(&peeked.f);
}

static int load_file(const char *path, SnapFile *f)
{
    if (peeked.path && !strcmp(peeked.path, path)) {
        *f = peeked.f;
        memset(&peeked.f, 0, sizeof(peeked.f)); /* now the caller's */
        free(peeked.path);
        peeked.path = NULL;
        return 0;
    }
    char err[256];
    if (snap_file_read(path, f, err, sizeof(err))) {
        fprintf(stderr, "kiln: snapshot %s: %s\n", path, err);
        snap_file_free(f);
        return -1;
    }
    return 0;
}

int machine_snapshot_peek(const char *path, MachineConfig *cfg, bool ram_given)
{
    SnapFile f;
    if (load_file(path, &f))
        return -1;
    SnapConf c;
    if (conf_parse(&f, &c)) {
        fprintf(stderr, "kiln: snapshot %s: bad or missing config section\n", path);
        snap_file_free(&f);
        return -1;
    }
    /* The strings stay allocated until machine_snapshot_release (cfg points
     * at them); one peek per run. */
    machine_snapshot_release();
    cfg->kernel_from_snapshot = !cfg->kernel;
    cfg->bios_from_snapshot = !cfg->bios;
    if (!cfg->kernel)
        cfg->kernel = peek_strdup(c.kernel);
    if (!cfg->bios)
        cfg->bios = peek_strdup(c.bios);
    cfg->image_known = true;
    cfg->image_kernel_hash = c.khash;
    cfg->image_bios_hash = c.bios && strcmp(c.bios, "none") ? c.bhash : 0;
    if (!cfg->drive)
        cfg->drive = peek_strdup(c.drive);
    cfg->append = peek_strdup(c.append);
    if (!ram_given)
        cfg->ram_size = c.ram_size;
    cfg->deterministic |= c.deterministic;
    cfg->rng |= c.rng;
    conf_free(&c);
    peeked.path = strdup(path);
    peeked.f = f;
    return 0;
}

static int snapshot_restore(Machine *m, const char *path, bool fresh)
{
    uint64_t t0 = host_ns(CLOCK_MONOTONIC);
    SnapFile f;
    if (load_file(path, &f))
        return -1;
    char err[512];
    SnapConf c;
    int rc = -1;
    if (conf_parse(&f, &c)) {
        fprintf(stderr, "kiln: snapshot %s: bad or missing config section\n", path);
        snap_file_free(&f);
        return -1;
    }
    if (conf_check(m, &c, err, sizeof(err))) {
        fprintf(stderr, "kiln: snapshot %s: %s\n", path, err);
        goto out;
    }
    if (f.nsec != NB_SNAP_PARTS + 1) {
        fprintf(stderr, "kiln: snapshot %s: %u sections, expected %u\n", path, f.nsec,
                (unsigned)NB_SNAP_PARTS + 1);
        goto out;
    }
    restore_fresh = fresh;
    /* Pass 0 validates every part; pass 1 commits. */
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < NB_SNAP_PARTS; i++) {
            const struct SnapPart *p = &snap_parts[i];
            const SnapSection *s = snap_file_find(&f, p->tag);
            if (!s) {
                fprintf(stderr, "kiln: snapshot %s: no %s section\n", path, p->name);
                goto out;
            }
            SnapReader r = snap_reader(s, pass == 0);
            if (p->load(m, &r, p->arg)) {
                fprintf(stderr, "kiln: snapshot %s: bad %s section%s\n", path, p->name,
                        pass ? " (the machine is now unusable)" : "");
                goto out;
            }
        }
    }
    if (!fresh)
        exec_flush_all(); /* TBs of the old state must not run */
    fprintf(stderr, "kiln: restored %s (%zu bytes) at insn %llu in %.1f ms\n", path, f.len,
            (unsigned long long)m->cpu->icount, (double)(host_ns(CLOCK_MONOTONIC) - t0) / 1e6);
    rc = 0;
out:
    conf_free(&c);
    snap_file_free(&f);
    return rc;
}

int machine_snapshot_restore(Machine *m, const char *path)
{
    return snapshot_restore(m, path, false);
}

/* Called at the end of machine_poll (a safe point between TBs). */
static void snapshot_poll(Machine *m)
{
    if (!m->snapshot_due)
        return;
    m->snapshot_due = false;
    if (machine_snapshot_save(m, m->cfg.snapshot_path)) {
        machine_request_stop(m, 1);
        return;
    }
    m->snapshot_taken = true;
    m->snapshot_icount = m->cpu->icount;
    /* The run goes on from an empty TB cache, like a runtime that restores
     * this snapshot: the flush comes at once, still at this instruction
     * count (exec's poll flushes right after machine_poll), so a profiler
     * sees which TBs ran before the snapshot and which after it. */
    exec_flush_all();
    if (m->cfg.snapshot_exit)
        machine_request_stop(m, 0);
}

bool machine_snapshot_taken(const Machine *m, uint64_t *icount)
{
    if (m->snapshot_taken && icount)
        *icount = m->snapshot_icount;
    return m->snapshot_taken;
}

Machine *machine_create(const MachineConfig *cfg)
{
    Machine *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->cfg = *cfg;
    if (!m->cfg.ram_size)
        m->cfg.ram_size = DEFAULT_RAM_SIZE;
    if (m->cfg.ram_size < MIN_RAM_SIZE || m->cfg.ram_size % MiB || m->cfg.ram_size > (1ull << 40)) {
        fprintf(stderr, "kiln: bad RAM size %llu bytes (a multiple of 1 MiB, at least 16 MiB)\n",
                (unsigned long long)m->cfg.ram_size);
        free(m);
        return NULL;
    }
    m->start_ns = host_ns(CLOCK_MONOTONIC);
    if (bus_init(&m->bus, VIRT_RAM_BASE, m->cfg.ram_size)) {
        fprintf(stderr, "kiln: cannot allocate %llu MiB of guest RAM\n",
                (unsigned long long)(m->cfg.ram_size / MiB));
        free(m);
        return NULL;
    }
    m->cpu = calloc(1, sizeof(*m->cpu));
    if (!m->cpu || create_devices(m) || marker_init(m)) {
        machine_destroy(m);
        return NULL;
    }
    if (m->cfg.restore) {
        /* RAM is still all zero: restore writes only the saved pages. */
        cpu_reset(m->cpu, m, 0, PRV_M);
        if (snapshot_restore(m, m->cfg.restore, true)) {
            machine_destroy(m);
            return NULL;
        }
    } else if (load_and_reset(m)) {
        machine_destroy(m);
        return NULL;
    }
    return m;
}

void machine_destroy(Machine *m)
{
    if (!m)
        return;
    console_flush(m);
    for (int i = 0; i < VIRT_VIRTIO_SLOTS; i++)
        virtio_mmio_destroy(m->virtio[i]);
    free(m->clint);
    free(m->plic);
    free(m->uart);
    free(m->rtc);
    free(m->test);
    free(m->cpu);
    free(m->marker_fail);
    bus_free(&m->bus);
    free(m);
}

/* HTIF (Spike's host-target interface) through the ELF's tohost word:
 * device 0 command 0 is exit (payload bit 0 set: code = payload >> 1) or a
 * syscall block pointer (only write is served); device 1 command 1 prints
 * one character.  The request is acknowledged by clearing tohost and
 * setting fromhost to 1. */
static void htif_poll(Machine *m)
{
    uint8_t *to = bus_ram_ptr(&m->bus, m->tohost, 8);
    uint64_t v = to ? le_load(to, 8) : 0;
    if (!v)
        return;
    unsigned dev = (unsigned)(v >> 56), cmd = (unsigned)(v >> 48) & 0xff;
    uint64_t payload = v & ((1ull << 48) - 1);
    if (dev == 0 && cmd == 0 && (payload & 1)) {
        machine_request_stop(m, (int)(payload >> 1));
        return;
    }
    if (dev == 0 && cmd == 0) {
        uint8_t *sc = bus_ram_ptr(&m->bus, payload, 64);
        if (sc) {
            uint64_t ret = (uint64_t)-1;
            if (le_load(sc, 8) == HTIF_SYS_WRITE) {
                uint64_t fd = le_load(sc + 8, 8), buf = le_load(sc + 16, 8),
                         len = le_load(sc + 24, 8);
                uint8_t *p = bus_ram_ptr(&m->bus, buf, len);
                if (p && (fd == 1 || fd == 2)) {
                    machine_console_out(m, p, (size_t)len);
                    ret = len;
                }
            }
            le_store(sc, 8, ret);
        }
    } else if (dev == 1 && cmd == 1) {
        uint8_t ch = (uint8_t)payload;
        machine_console_out(m, &ch, 1);
    }
    le_store(to, 8, 0);
    uint8_t *from = m->fromhost ? bus_ram_ptr(&m->bus, m->fromhost, 8) : NULL;
    if (from)
        le_store(from, 8, 1);
}

static void poll_input(Machine *m, bool force)
{
    if (m->cfg.deterministic) {
        if (!force && m->cpu->icount < m->next_input)
            return;
        m->next_input = m->cpu->icount + INPUT_PERIOD_DET;
    } else {
        uint64_t now = host_ns(CLOCK_MONOTONIC);
        if (!force && now < m->next_input)
            return;
        m->next_input = now + INPUT_PERIOD_NS;
    }
    while (uart_rx_room(m->uart) > 0) {
        int c = console_read();
        if (c < 0)
            break;
        uart_receive(m->uart, (uint8_t)c);
    }
    if (console_quit_requested())
        machine_request_stop(m, 0);
}

/* Earliest timer deadline in mtime ticks (UINT64_MAX: none). */
static uint64_t next_timer_tick(Machine *m)
{
    uint64_t t = clint_deadline(m->clint);
    if (m->cpu->sbi_builtin && m->cpu->stimecmp < t)
        t = m->cpu->stimecmp;
    uint64_t rtc = goldfish_rtc_deadline(m->rtc);
    if (rtc != UINT64_MAX) {
        uint64_t base = m->cfg.deterministic ? DET_EPOCH_NS : host_ns(CLOCK_REALTIME);
        uint64_t now_tick = machine_mtime(m);
        /* Convert the alarm (ns of the RTC's clock) to a tick. */
        uint64_t ns_left = rtc > base ? rtc - base : 0;
        uint64_t ticks_left = (ns_left + NS_PER_TICK - 1) / NS_PER_TICK;
        uint64_t tick = m->cfg.deterministic ? ticks_left : now_tick + ticks_left;
        if (tick < t)
            t = tick;
    }
    return t;
}

static void update_lines(Machine *m)
{
    clint_update(m->clint);
    cpu_update_sbi_timer(m->cpu, machine_mtime(m)); /* no-op without the built-in SBI */
    goldfish_rtc_update(m->rtc);
}

uint64_t machine_poll(Machine *m)
{
    /* By instruction count, not wall time: the flush points (and so what
     * aot-tool's console tap sees when) stay deterministic. */
    if (m->cpu->icount - m->tx_icount >= TX_FLUSH_INSNS) {
        console_flush(m);
        m->tx_icount = m->cpu->icount;
    }
    update_lines(m);
    poll_input(m, false);
    if (m->htif)
        htif_poll(m);
    uint64_t icount = m->cpu->icount;
    if (!m->cfg.deterministic) {
        snapshot_poll(m);
        return icount + POLL_CAP_REALTIME;
    }
    /* Deterministic: be back exactly when the next timer fires. */
    uint64_t deadline = icount + POLL_CAP_DET;
    uint64_t tick = next_timer_tick(m);
    if (tick < deadline / DET_INSNS_PER_TICK + 1) {
        uint64_t at = tick * DET_INSNS_PER_TICK;
        if (at > icount && at < deadline)
            deadline = at;
    }
    if (m->next_input > icount && m->next_input < deadline)
        deadline = m->next_input;
    snapshot_poll(m);
    return deadline;
}

void machine_idle(Machine *m)
{
    console_flush(m); /* the guest waits: show what it printed */
    /* Only future deadlines matter: a timer already due has raised its
     * line, and the CPU idles because that line is masked. */
    uint64_t tick = next_timer_tick(m);
    if (m->cfg.deterministic) {
        /* Skip the idle time: jump to the next timer or input poll. */
        uint64_t icount = m->cpu->icount;
        uint64_t target = m->next_input > icount ? m->next_input : icount + INPUT_PERIOD_DET;
        if (tick < target / DET_INSNS_PER_TICK + 1) {
            uint64_t at = tick * DET_INSNS_PER_TICK;
            if (at > icount && at < target)
                target = at;
        }
        m->cpu->icount = target;
        machine_poll(m);
        return;
    }
    uint64_t now = machine_mtime(m);
    const uint64_t ticks_per_ms = VIRT_TIMEBASE_HZ / 1000;
    int ms = IDLE_MAX_MS;
    if (tick > now && tick - now < IDLE_MAX_MS * ticks_per_ms)
        ms = (int)((tick - now + ticks_per_ms - 1) / ticks_per_ms);
    if (uart_rx_room(m->uart) > 0) {
        if (console_wait(ms)) /* sleeps ms unless input arrives */
            poll_input(m, true);
    } else {
        /* The guest is not reading its input: wait for time only. */
        struct timespec ts = {0, (long)ms * 1000000};
        nanosleep(&ts, NULL);
    }
    machine_poll(m);
}
