/* virt-dt.c - builds the `virt` board's device tree (see virt-dt.h).
 * Addresses and interrupt numbers come from machine.h; phandles are fixed
 * (cpu 1, cpu-intc 2, plic 3, test 4) like QEMU's. */
#include "hw/virt-dt.h"
#include <stdio.h>
#include "hw/fdt.h"
#include "hw/machine.h"

enum { PH_CPU = 1, PH_CPU_INTC = 2, PH_PLIC = 3, PH_TEST = 4 };

/* Sizes of the device windows, as QEMU 7.2 declares them. */
#define VIRT_TEST_SIZE 0x1000ull
#define VIRT_RTC_SIZE 0x1000ull
#define VIRT_CLINT_SIZE 0x10000ull
#define VIRT_PLIC_SIZE 0x600000ull
#define VIRT_UART_SIZE 0x100ull
#define VIRT_VIRTIO_SIZE 0x1000ull

static void reg(FDT *f, uint64_t base, uint64_t size)
{
    uint32_t c[4] = {(uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32),
                     (uint32_t)size};
    fdt_prop_cells(f, "reg", c, 4);
}

static void node_at(FDT *f, const char *name, uint64_t addr)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)addr);
    fdt_begin_node(f, buf);
}

static void cpus(FDT *f)
{
    fdt_begin_node(f, "cpus");
    fdt_prop_u32(f, "#address-cells", 1);
    fdt_prop_u32(f, "#size-cells", 0);
    fdt_prop_u32(f, "timebase-frequency", (uint32_t)VIRT_TIMEBASE_HZ);

    fdt_begin_node(f, "cpu@0");
    fdt_prop_u32(f, "phandle", PH_CPU);
    fdt_prop_string(f, "device_type", "cpu");
    fdt_prop_u32(f, "reg", 0);
    fdt_prop_string(f, "status", "okay");
    fdt_prop_string(f, "compatible", "riscv");
    fdt_prop_string(f, "riscv,isa", VIRT_DT_ISA);
    fdt_prop_string(f, "mmu-type", "riscv,sv48");
    fdt_begin_node(f, "interrupt-controller");
    fdt_prop_u32(f, "#address-cells", 0);
    fdt_prop_u32(f, "#interrupt-cells", 1);
    fdt_prop_empty(f, "interrupt-controller");
    fdt_prop_string(f, "compatible", "riscv,cpu-intc");
    fdt_prop_u32(f, "phandle", PH_CPU_INTC);
    fdt_end_node(f);
    fdt_end_node(f);

    fdt_begin_node(f, "cpu-map");
    fdt_begin_node(f, "cluster0");
    fdt_begin_node(f, "core0");
    fdt_prop_u32(f, "cpu", PH_CPU);
    fdt_end_node(f);
    fdt_end_node(f);
    fdt_end_node(f);
    fdt_end_node(f);
}

static void irq_dev(FDT *f, uint32_t irq)
{
    fdt_prop_u32(f, "interrupts", irq);
    fdt_prop_u32(f, "interrupt-parent", PH_PLIC);
}

static void soc(FDT *f)
{
    fdt_begin_node(f, "soc");
    fdt_prop_u32(f, "#address-cells", 2);
    fdt_prop_u32(f, "#size-cells", 2);
    fdt_prop_string(f, "compatible", "simple-bus");
    fdt_prop_empty(f, "ranges");

    node_at(f, "rtc", VIRT_RTC_BASE);
    irq_dev(f, VIRT_RTC_IRQ);
    reg(f, VIRT_RTC_BASE, VIRT_RTC_SIZE);
    fdt_prop_string(f, "compatible", "google,goldfish-rtc");
    fdt_end_node(f);

    node_at(f, "serial", VIRT_UART_BASE);
    irq_dev(f, VIRT_UART_IRQ);
    fdt_prop_u32(f, "clock-frequency", 3686400);
    reg(f, VIRT_UART_BASE, VIRT_UART_SIZE);
    fdt_prop_string(f, "compatible", "ns16550a");
    fdt_end_node(f);

    node_at(f, "test", VIRT_TEST_BASE);
    fdt_prop_u32(f, "phandle", PH_TEST);
    reg(f, VIRT_TEST_BASE, VIRT_TEST_SIZE);
    static const char *const test_compat[] = {"sifive,test1", "sifive,test0", "syscon"};
    fdt_prop_strings(f, "compatible", test_compat, 3);
    fdt_end_node(f);

    /* Highest slot first, as QEMU emits them (Linux numbers vda..by order). */
    for (int i = VIRT_VIRTIO_SLOTS - 1; i >= 0; i--) {
        uint64_t base = VIRT_VIRTIO_BASE + VIRT_VIRTIO_SIZE * (uint64_t)i;
        node_at(f, "virtio_mmio", base);
        irq_dev(f, VIRT_VIRTIO_IRQ + (uint32_t)i);
        reg(f, base, VIRT_VIRTIO_SIZE);
        fdt_prop_string(f, "compatible", "virtio,mmio");
        fdt_end_node(f);
    }

    node_at(f, "plic", VIRT_PLIC_BASE);
    fdt_prop_u32(f, "phandle", PH_PLIC);
    fdt_prop_u32(f, "riscv,ndev", VIRT_PLIC_NDEV);
    reg(f, VIRT_PLIC_BASE, VIRT_PLIC_SIZE);
    const uint32_t plic_ie[] = {PH_CPU_INTC, 11 /* MEI */, PH_CPU_INTC, 9 /* SEI */};
    fdt_prop_cells(f, "interrupts-extended", plic_ie, 4);
    fdt_prop_empty(f, "interrupt-controller");
    static const char *const plic_compat[] = {"sifive,plic-1.0.0", "riscv,plic0"};
    fdt_prop_strings(f, "compatible", plic_compat, 2);
    fdt_prop_u32(f, "#address-cells", 0);
    fdt_prop_u32(f, "#interrupt-cells", 1);
    fdt_end_node(f);

    node_at(f, "clint", VIRT_CLINT_BASE);
    const uint32_t clint_ie[] = {PH_CPU_INTC, 3 /* MSI */, PH_CPU_INTC, 7 /* MTI */};
    fdt_prop_cells(f, "interrupts-extended", clint_ie, 4);
    reg(f, VIRT_CLINT_BASE, VIRT_CLINT_SIZE);
    static const char *const clint_compat[] = {"sifive,clint0", "riscv,clint0"};
    fdt_prop_strings(f, "compatible", clint_compat, 2);
    fdt_end_node(f);

    fdt_end_node(f);
}

static void syscon(FDT *f, const char *name, const char *compat, uint32_t value)
{
    fdt_begin_node(f, name);
    fdt_prop_u32(f, "value", value);
    fdt_prop_u32(f, "offset", 0);
    fdt_prop_u32(f, "regmap", PH_TEST);
    fdt_prop_string(f, "compatible", compat);
    fdt_end_node(f);
}

int virt_dt_build(const VirtDTConfig *cfg, uint8_t **dtb, size_t *size)
{
    FDT f;
    fdt_init(&f);
    fdt_begin_node(&f, "");
    fdt_prop_u32(&f, "#address-cells", 2);
    fdt_prop_u32(&f, "#size-cells", 2);
    fdt_prop_string(&f, "compatible", "riscv-virtio");
    fdt_prop_string(&f, "model", "riscv-virtio,qemu");

    fdt_begin_node(&f, "chosen");
    if (cfg->bootargs)
        fdt_prop_string(&f, "bootargs", cfg->bootargs);
    fdt_prop_string(&f, "stdout-path", "/soc/serial@10000000");
    if (cfg->rng_seed && cfg->rng_seed_len)
        fdt_prop(&f, "rng-seed", cfg->rng_seed, cfg->rng_seed_len);
    fdt_end_node(&f);

    syscon(&f, "poweroff", "syscon-poweroff", 0x5555);
    syscon(&f, "reboot", "syscon-reboot", 0x7777);

    node_at(&f, "memory", cfg->ram_base);
    fdt_prop_string(&f, "device_type", "memory");
    reg(&f, cfg->ram_base, cfg->ram_size);
    fdt_end_node(&f);

    cpus(&f);
    soc(&f);
    fdt_end_node(&f);
    return fdt_finish(&f, dtb, size);
}
