/* bus.c - the physical address space: one RAM block plus device regions.
 * Contract (bus.h): little-endian accesses of 1/2/4/8 bytes; an access that
 * is not wholly inside RAM or one device region returns -1. */
#include "hw/bus.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/le.h"

#ifdef __EMSCRIPTEN__
/* Guest RAM must start zeroed. Emscripten's calloc clears every byte (256
 * MiB took ~110 ms at start-up), but memory past the sbrk break was never
 * handed out (its malloc never trims: MORECORE_CANNOT_TRIM) and Wasm's
 * memory.grow yields zeroed pages, so RAM taken from sbrk is already zero.
 * It is never given back (a Wasm memory cannot shrink anyway). */
static uint8_t *ram_alloc(size_t size, bool *from_brk)
{
    const uintptr_t align = 4096;
    uintptr_t brk = (uintptr_t)sbrk(0);
    uintptr_t pad = (align - brk % align) % align;
    if (size > SIZE_MAX - pad)
        return NULL;
    void *p = sbrk((intptr_t)(size + pad));
    if (p == (void *)-1)
        return NULL;
    *from_brk = true;
    return (uint8_t *)p + pad;
}
#else
/* Natively calloc maps fresh zero pages lazily: nothing to clear. */
static uint8_t *ram_alloc(size_t size, bool *from_brk)
{
    *from_brk = false;
    return calloc(1, size);
}
#endif

int bus_init(Bus *bus, uint64_t ram_base, uint64_t ram_size)
{
    memset(bus, 0, sizeof(*bus));
    if (ram_size == 0 || ram_size != (size_t)ram_size)
        return -ENOMEM;
    bus->ram = ram_alloc((size_t)ram_size, &bus->ram_from_brk);
    if (!bus->ram)
        return -ENOMEM;
    bus->ram_base = ram_base;
    bus->ram_size = ram_size;
    return 0;
}

void bus_free(Bus *bus)
{
    if (!bus->ram_from_brk)
        free(bus->ram);
    bus->ram = NULL;
    bus->ram_size = 0;
    bus->nregions = 0;
}

void bus_add(Bus *bus, const char *name, uint64_t base, uint64_t size, void *opaque,
             DeviceReadFunc *read, DeviceWriteFunc *write)
{
    /* The board is fixed at build time: running out of slots is a bug. */
    if (bus->nregions >= BUS_MAX_REGIONS) {
        fprintf(stderr, "kiln: bus: too many regions (adding %s)\n", name);
        abort();
    }
    BusRegion *r = &bus->regions[bus->nregions++];
    r->name = name;
    r->base = base;
    r->size = size;
    r->opaque = opaque;
    r->read = read;
    r->write = write;
}

BusRegion *bus_find(Bus *bus, uint64_t paddr)
{
    for (unsigned i = 0; i < bus->nregions; i++) {
        BusRegion *r = &bus->regions[i];
        if (paddr >= r->base && paddr - r->base < r->size)
            return r;
    }
    return NULL;
}

/* Region that holds all of [paddr, paddr+n), or NULL. */
static BusRegion *find_span(Bus *bus, uint64_t paddr, unsigned n)
{
    BusRegion *r = bus_find(bus, paddr);
    if (r && n <= r->size - (paddr - r->base))
        return r;
    return NULL;
}

int bus_read(Bus *bus, uint64_t paddr, int size_log2, uint64_t *val)
{
    unsigned n = 1u << size_log2;
    uint8_t *p = bus_ram_ptr(bus, paddr, n);
    if (p) {
        *val = le_load(p, n);
        return 0;
    }
    BusRegion *r = find_span(bus, paddr, n);
    if (!r) {
        *val = 0;
        return -1;
    }
    uint64_t v = r->read ? r->read(r->opaque, paddr - r->base, size_log2) : 0;
    if (n < 8)
        v &= (1ull << (8 * n)) - 1;
    *val = v;
    return 0;
}

int bus_write(Bus *bus, uint64_t paddr, int size_log2, uint64_t val)
{
    unsigned n = 1u << size_log2;
    uint8_t *p = bus_ram_ptr(bus, paddr, n);
    if (p) {
        le_store(p, n, val);
        return 0;
    }
    BusRegion *r = find_span(bus, paddr, n);
    if (!r)
        return -1;
    if (n < 8)
        val &= (1ull << (8 * n)) - 1;
    if (r->write)
        r->write(r->opaque, paddr - r->base, val, size_log2);
    return 0;
}
