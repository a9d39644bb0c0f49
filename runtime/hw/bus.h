/* bus.h - the physical address space: RAM plus memory-mapped devices.
 *
 * Devices register a region with read/write callbacks.  Offsets are
 * relative to the region base; size_log2 is 0..3 (1, 2, 4, 8 bytes).
 * Devices know only the bus and the interrupt lines handed to them, never
 * the CPU or the execution tiers.
 */
#ifndef KILN_BUS_H
#define KILN_BUS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t DeviceReadFunc(void *opaque, uint64_t offset, int size_log2);
typedef void DeviceWriteFunc(void *opaque, uint64_t offset, uint64_t val, int size_log2);

typedef struct BusRegion {
    const char *name;
    uint64_t base, size;
    void *opaque;
    DeviceReadFunc *read;
    DeviceWriteFunc *write;
} BusRegion;

#define BUS_MAX_REGIONS 32

typedef struct Bus {
    uint8_t *ram;      /* host buffer of ram_size bytes, zeroed at bus_init */
    bool ram_from_brk; /* taken from sbrk (Emscripten): never freed */
    uint64_t ram_base; /* guest physical address of ram[0] */
    uint64_t ram_size;
    BusRegion regions[BUS_MAX_REGIONS];
    unsigned nregions;
} Bus;

/* Allocate RAM (zeroed). Returns 0 or -ENOMEM. */
int bus_init(Bus *bus, uint64_t ram_base, uint64_t ram_size);
void bus_free(Bus *bus);
void bus_add(Bus *bus, const char *name, uint64_t base, uint64_t size, void *opaque,
             DeviceReadFunc *read, DeviceWriteFunc *write);

/* Host pointer for [paddr, paddr+len) if it lies entirely in RAM, else NULL. */
static inline uint8_t *bus_ram_ptr(Bus *bus, uint64_t paddr, uint64_t len)
{
    uint64_t off = paddr - bus->ram_base;
    if (paddr < bus->ram_base || off >= bus->ram_size || len > bus->ram_size - off)
        return NULL;
    return bus->ram + off;
}

/* Device region containing paddr, or NULL. */
BusRegion *bus_find(Bus *bus, uint64_t paddr);

/* Physical access (RAM or device). Return 0, or -1 if nothing is mapped
 * there (the CPU raises an access fault). Little-endian. */
int bus_read(Bus *bus, uint64_t paddr, int size_log2, uint64_t *val);
int bus_write(Bus *bus, uint64_t paddr, int size_log2, uint64_t val);

#endif
