/* virt-dt.h - the device tree of the `virt` board (QEMU 7.2 layout, minus
 * pci/flash/fw-cfg/platform-bus/pmu).  Depends only on the FDT writer so
 * tools and tests can build it without a CPU. */
#ifndef KILN_VIRT_DT_H
#define KILN_VIRT_DT_H
#include <stddef.h>
#include <stdint.h>

#define VIRT_DT_ISA "rv64imafdc_zicsr_zifencei"
#define VIRT_PLIC_NDEV 95

typedef struct VirtDTConfig {
    uint64_t ram_base, ram_size;
    const char *bootargs;    /* NULL: no /chosen/bootargs */
    const uint8_t *rng_seed; /* NULL: no /chosen/rng-seed (deterministic runs) */
    size_t rng_seed_len;
} VirtDTConfig;

/* Returns 0 and a malloc'ed DTB (caller frees), or -1. */
int virt_dt_build(const VirtDTConfig *cfg, uint8_t **dtb, size_t *size);

#endif
