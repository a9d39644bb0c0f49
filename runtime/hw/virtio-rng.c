/* virtio-rng.c - virtio entropy device (virtio 1.1, 5.4): fills every
 * device-writable buffer.  Deterministic mode uses a fixed-seed PRNG
 * (splitmix64) so runs repeat exactly; otherwise the host's getentropy. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hw/virtio.h"
#include "snap/snap.h"

#define RNG_SEED 0x6b696c6e2d726e67ull /* "kiln-rng" */

typedef struct VirtioRng {
    bool deterministic;
    uint64_t state;
    VirtqElem elem;
} VirtioRng;

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void rng_fill(VirtioRng *r, uint8_t *p, size_t len)
{
    if (!r->deterministic) {
        size_t done = 0;
        while (done < len) {
            size_t n = len - done < 256 ? len - done : 256; /* getentropy's limit */
            if (getentropy(p + done, n) != 0)
                break; /* fall back to the PRNG for the rest */
            done += n;
        }
        if (done == len)
            return;
        p += done;
        len -= done;
    }
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = splitmix64(&r->state);
        size_t n = len - i < 8 ? len - i : 8;
        for (size_t k = 0; k < n; k++)
            p[i + k] = (uint8_t)(v >> (8 * k));
    }
}

static void rng_notify(void *dev, VirtioMMIO *t, unsigned q)
{
    VirtioRng *r = dev;
    bool any = false;
    while (virtq_pop(t, q, &r->elem) == 1) {
        uint32_t written = 0;
        for (unsigned i = 0; i < r->elem.n_in; i++) {
            rng_fill(r, r->elem.in[i].ptr, r->elem.in[i].len);
            written += r->elem.in[i].len;
        }
        virtq_push(t, q, &r->elem, written);
        any = true;
    }
    if (any)
        virtq_interrupt(t);
}

static void rng_destroy(void *dev)
{
    free(dev);
}

const VirtioDeviceOps virtio_rng_ops = {
    .device_id = VIRTIO_ID_RNG,
    .num_queues = 1,
    .notify = rng_notify,
    .destroy = rng_destroy,
};

void *virtio_rng_new(bool deterministic)
{
    VirtioRng *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->deterministic = deterministic;
    r->state = RNG_SEED;
    return r;
}

int virtio_rng_snap_save(const void *dev, SnapWriter *w)
{
    const VirtioRng *r = dev;
    snap_put_u8(w, r->deterministic);
    snap_put_u64(w, r->state);
    return w->err ? -1 : 0;
}

int virtio_rng_snap_load(void *dev, SnapReader *r)
{
    VirtioRng *v = dev;
    bool det = snap_get_bool(r);
    uint64_t state = snap_get_u64(r);
    if (r->err || det != v->deterministic)
        return -1;
    if (!r->dry_run)
        v->state = state;
    return 0;
}
