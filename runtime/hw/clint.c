/* clint.c - CLINT (see clint.h).  Registers take 4- or 8-byte accesses;
 * 64-bit registers can be written a 32-bit half at a time.  Writing mtime
 * sets an offset from the board clock. */
#include "hw/clint.h"
#include <stdlib.h>
#include "snap/snap.h"

#define CLINT_MSIP 0x0
#define CLINT_MTIMECMP 0x4000
#define CLINT_MTIME 0xbff8

struct Clint {
    IRQLine mtip, msip_line;
    ClintTimeFunc *now;
    void *now_opaque;
    uint32_t msip;
    uint64_t mtimecmp;
    uint64_t offset; /* mtime = now() + offset */
};

static uint64_t clint_mtime(const Clint *c)
{
    return c->now(c->now_opaque) + c->offset;
}

void clint_update(Clint *c)
{
    irq_set(&c->mtip, clint_mtime(c) >= c->mtimecmp);
}

uint64_t clint_deadline(const Clint *c)
{
    if (c->mtimecmp == UINT64_MAX)
        return UINT64_MAX;
    return c->mtimecmp - c->offset;
}

/* Read the 4 or 8 bytes at byte offset off (0 or 4) of a 64-bit value. */
static uint64_t part_read(uint64_t v, uint64_t off, int size_log2)
{
    if (size_log2 == 3)
        return v;
    return (uint32_t)(v >> (8 * (off & 4)));
}

static uint64_t part_write(uint64_t old, uint64_t off, uint64_t val, int size_log2)
{
    if (size_log2 == 3)
        return val;
    unsigned sh = 8 * (off & 4);
    return (old & ~(0xffffffffull << sh)) | ((val & 0xffffffffull) << sh);
}

static uint64_t clint_read(void *opaque, uint64_t off, int size_log2)
{
    Clint *c = opaque;
    if (size_log2 < 2)
        return 0;
    if (off == CLINT_MSIP)
        return c->msip;
    if (off >= CLINT_MTIMECMP && off < CLINT_MTIMECMP + 8)
        return part_read(c->mtimecmp, off - CLINT_MTIMECMP, size_log2);
    if (off >= CLINT_MTIME && off < CLINT_MTIME + 8)
        return part_read(clint_mtime(c), off - CLINT_MTIME, size_log2);
    return 0;
}

static void clint_write(void *opaque, uint64_t off, uint64_t val, int size_log2)
{
    Clint *c = opaque;
    if (size_log2 < 2)
        return;
    if (off == CLINT_MSIP) {
        c->msip = val & 1;
        irq_set(&c->msip_line, (int)c->msip);
    } else if (off >= CLINT_MTIMECMP && off < CLINT_MTIMECMP + 8) {
        c->mtimecmp = part_write(c->mtimecmp, off - CLINT_MTIMECMP, val, size_log2);
        clint_update(c);
    } else if (off >= CLINT_MTIME && off < CLINT_MTIME + 8) {
        uint64_t now = c->now(c->now_opaque);
        uint64_t mtime = part_write(now + c->offset, off - CLINT_MTIME, val, size_log2);
        c->offset = mtime - now;
        clint_update(c);
    }
}

Clint *clint_create(Bus *bus, uint64_t base, IRQLine mtip, IRQLine msip, ClintTimeFunc *now,
                    void *now_opaque)
{
    Clint *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->mtip = mtip;
    c->msip_line = msip;
    c->now = now;
    c->now_opaque = now_opaque;
    c->mtimecmp = UINT64_MAX; /* no timer interrupt until firmware programs one */
    bus_add(bus, "clint", base, CLINT_SIZE, c, clint_read, clint_write);
    return c;
}

int clint_snap_save(const Clint *c, SnapWriter *w)
{
    snap_put_u32(w, c->msip);
    snap_put_u64(w, c->mtimecmp);
    snap_put_u64(w, c->offset);
    return w->err ? -1 : 0;
}

int clint_snap_load(Clint *c, SnapReader *r)
{
    Clint t = *c;
    t.msip = snap_get_u32(r);
    t.mtimecmp = snap_get_u64(r);
    t.offset = snap_get_u64(r);
    if (!snap_reader_done(r))
        return -1;
    if (!r->dry_run)
        *c = t;
    return 0;
}
