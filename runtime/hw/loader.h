/* loader.h - load guest images into RAM: a RISC-V Linux `Image` (flat, with
 * the RISC-V boot header), an ELF64 RISC-V executable (PT_LOAD segments at
 * their physical addresses, bss zeroed), or a raw binary (firmware).
 * On error each function prints one message naming the file and the
 * problem and returns a negative value. */
#ifndef KILN_LOADER_H
#define KILN_LOADER_H
#include <stdbool.h>
#include <stdint.h>
#include "hw/bus.h"

typedef enum { LOAD_IMAGE, LOAD_ELF, LOAD_RAW } LoadKind;

typedef struct LoadInfo {
    LoadKind kind;
    uint64_t entry;            /* physical entry point */
    uint64_t low, high;        /* physical range written: [low, high) */
    bool has_tohost;           /* ELF symbol `tohost` (HTIF) */
    uint64_t tohost, fromhost; /* fromhost is 0 if the symbol is absent */
} LoadInfo;

/* A kernel: an Image is placed at image_addr; an ELF at its own addresses. */
int loader_load_kernel(Bus *bus, const char *path, uint64_t image_addr, LoadInfo *info);
/* Firmware: an ELF at its own addresses, anything else as raw at addr. */
int loader_load_firmware(Bus *bus, const char *path, uint64_t addr, uint64_t max_size,
                         LoadInfo *info);
/* A raw binary at addr (max_size bytes at most). */
int loader_load_raw(Bus *bus, const char *path, uint64_t addr, uint64_t max_size, LoadInfo *info);

#endif
