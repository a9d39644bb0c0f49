/* sifive-test.c - test finisher / syscon power-off device (see
 * sifive-test.h).  Unknown values are ignored; reads return 0. */
#include "hw/sifive-test.h"
#include <stdlib.h>
#include "snap/snap.h"

enum { TEST_FAIL = 0x3333, TEST_PASS = 0x5555, TEST_RESET = 0x7777 };

struct SifiveTest {
    SifiveTestStopFunc *stop;
    void *opaque;
};

static uint64_t sifive_test_read(void *opaque, uint64_t off, int size_log2)
{
    (void)opaque;
    (void)off;
    (void)size_log2;
    return 0;
}

static void sifive_test_write(void *opaque, uint64_t off, uint64_t val, int size_log2)
{
    SifiveTest *t = opaque;
    /* 16- or 32-bit, like QEMU's device: OpenSBI powers off with writew. */
    if (off != 0 || size_log2 < 1)
        return;
    switch (val & 0xffff) {
    case TEST_PASS: t->stop(t->opaque, 0, false); break;
    case TEST_FAIL: t->stop(t->opaque, (int)((val >> 16) & 0xffff), false); break;
    case TEST_RESET: t->stop(t->opaque, 0, true); break;
    default: break;
    }
}

SifiveTest *sifive_test_create(Bus *bus, uint64_t base, SifiveTestStopFunc *stop, void *opaque)
{
    SifiveTest *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->stop = stop;
    t->opaque = opaque;
    bus_add(bus, "sifive_test", base, SIFIVE_TEST_SIZE, t, sifive_test_read, sifive_test_write);
    return t;
}

int sifive_test_snap_save(const SifiveTest *t, SnapWriter *w)
{
    (void)t;
    snap_put_u32(w, 1); /* state version; the device has no state */
    return w->err ? -1 : 0;
}

int sifive_test_snap_load(SifiveTest *t, SnapReader *r)
{
    (void)t;
    return snap_get_u32(r) == 1 && snap_reader_done(r) ? 0 : -1;
}
