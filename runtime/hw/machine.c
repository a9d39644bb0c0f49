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
#include "hw/console.h"
#include "hw/goldfish-rtc.h"
#include "hw/loader.h"
#include "hw/plic.h"
#include "hw/sifive-test.h"
#include "hw/uart.h"
#include "hw/virt-dt.h"
#include "hw/virtio.h"
#include "riscv/cpu.h"

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

static void uart_tx(void *opaque, uint8_t byte)
{
    (void)opaque;
    console_write(&byte, 1);
}

void machine_request_stop(Machine *m, int exit_code)
{
    if (!m->stopped) {
        m->stopped = true;
        m->exit_code = exit_code;
    }
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

static void st64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t ld64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
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
        st64(info + 0, FW_DYNAMIC_MAGIC);
        st64(info + 8, FW_DYNAMIC_VERSION);
        st64(info + 16, c->kernel ? kern.entry : KERNEL_ADDR);
        st64(info + 24, FW_DYNAMIC_NEXT_MODE_S);
        st64(info + 32, 0); /* options */
        st64(info + 40, 0); /* boot hart */
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
    if (!m->cpu || create_devices(m) || load_and_reset(m)) {
        machine_destroy(m);
        return NULL;
    }
    return m;
}

void machine_destroy(Machine *m)
{
    if (!m)
        return;
    for (int i = 0; i < VIRT_VIRTIO_SLOTS; i++)
        virtio_mmio_destroy(m->virtio[i]);
    free(m->clint);
    free(m->plic);
    free(m->uart);
    free(m->rtc);
    free(m->test);
    free(m->cpu);
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
    uint64_t v = to ? ld64(to) : 0;
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
            if (ld64(sc) == HTIF_SYS_WRITE) {
                uint64_t fd = ld64(sc + 8), buf = ld64(sc + 16), len = ld64(sc + 24);
                uint8_t *p = bus_ram_ptr(&m->bus, buf, len);
                if (p && (fd == 1 || fd == 2)) {
                    console_write(p, (size_t)len);
                    ret = len;
                }
            }
            st64(sc, ret);
        }
    } else if (dev == 1 && cmd == 1) {
        uint8_t ch = (uint8_t)payload;
        console_write(&ch, 1);
    }
    st64(to, 0);
    uint8_t *from = m->fromhost ? bus_ram_ptr(&m->bus, m->fromhost, 8) : NULL;
    if (from)
        st64(from, 1);
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
    update_lines(m);
    poll_input(m, false);
    if (m->htif)
        htif_poll(m);
    uint64_t icount = m->cpu->icount;
    if (!m->cfg.deterministic)
        return icount + POLL_CAP_REALTIME;
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
    return deadline;
}

void machine_idle(Machine *m)
{
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
