/* virtio-mmio.c - virtio-mmio version 2 transport and split virtqueue
 * processing (virtio 1.1, sections 2.6 and 4.2).  See virtio.h. */
#include "hw/virtio.h"
#include <stdlib.h>
#include <string.h>
#include "snap/snap.h"
#include "util/le.h"

/* Register offsets (virtio 1.1, 4.2.2). */
enum {
    MMIO_MAGIC = 0x000,
    MMIO_VERSION = 0x004,
    MMIO_DEVICE_ID = 0x008,
    MMIO_VENDOR_ID = 0x00c,
    MMIO_DEVICE_FEATURES = 0x010,
    MMIO_DEVICE_FEATURES_SEL = 0x014,
    MMIO_DRIVER_FEATURES = 0x020,
    MMIO_DRIVER_FEATURES_SEL = 0x024,
    MMIO_QUEUE_SEL = 0x030,
    MMIO_QUEUE_NUM_MAX = 0x034,
    MMIO_QUEUE_NUM = 0x038,
    MMIO_QUEUE_READY = 0x044,
    MMIO_QUEUE_NOTIFY = 0x050,
    MMIO_INTERRUPT_STATUS = 0x060,
    MMIO_INTERRUPT_ACK = 0x064,
    MMIO_STATUS = 0x070,
    MMIO_QUEUE_DESC_LOW = 0x080,
    MMIO_QUEUE_DESC_HIGH = 0x084,
    MMIO_QUEUE_DRIVER_LOW = 0x090,
    MMIO_QUEUE_DRIVER_HIGH = 0x094,
    MMIO_QUEUE_DEVICE_LOW = 0x0a0,
    MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
    MMIO_CONFIG_GENERATION = 0x0fc,
    MMIO_CONFIG = 0x100,
};

#define INT_USED_BUFFER 1u
#define INT_CONFIG_CHANGE 2u

/* Descriptor flags. */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

typedef struct Virtq {
    uint32_t num;
    bool ready, broken;
    uint64_t desc, avail, used;
    uint16_t last_avail, used_idx;
} Virtq;

struct VirtioMMIO {
    Bus *bus;
    IRQLine irq;
    const VirtioDeviceOps *ops;
    void *dev;
    uint32_t dev_features_sel, drv_features_sel;
    uint64_t drv_features;
    uint32_t queue_sel;
    uint32_t int_status;
    uint32_t status;
    Virtq q[VIRTQ_MAX_QUEUES];
};

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ld64(const uint8_t *p)
{
    return ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static void st16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void mmio_update_irq(VirtioMMIO *t)
{
    irq_set(&t->irq, t->int_status != 0);
}

static uint64_t device_features(const VirtioMMIO *t)
{
    uint64_t f = t->ops->features ? t->ops->features(t->dev) : 0;
    return f | 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_INDIRECT_DESC;
}

static void mmio_reset(VirtioMMIO *t)
{
    t->dev_features_sel = t->drv_features_sel = 0;
    t->drv_features = 0;
    t->queue_sel = 0;
    t->int_status = 0;
    t->status = 0;
    memset(t->q, 0, sizeof(t->q));
    if (t->ops && t->ops->reset)
        t->ops->reset(t->dev);
    mmio_update_irq(t);
}

/* The ring is unusable: tell the driver (virtio 1.1, 2.1.2). */
static void mark_broken(VirtioMMIO *t, Virtq *vq)
{
    vq->broken = true;
    t->status |= VIRTIO_STATUS_NEEDS_RESET;
    if (t->status & VIRTIO_STATUS_DRIVER_OK) {
        t->int_status |= INT_CONFIG_CHANGE;
        mmio_update_irq(t);
    }
}

void virtq_interrupt(VirtioMMIO *t)
{
    t->int_status |= INT_USED_BUFFER;
    mmio_update_irq(t);
}

/* Append one descriptor's buffer to e.  Returns 0, or -1 if it is not in
 * RAM, too many segments, or a readable segment follows a writable one. */
static int add_seg(VirtioMMIO *t, VirtqElem *e, uint64_t addr, uint32_t len, uint16_t flags)
{
    uint8_t *p = bus_ram_ptr(t->bus, addr, len);
    if (!p && len)
        return -1;
    if (flags & VIRTQ_DESC_F_WRITE) {
        if (e->n_in >= VIRTQ_MAX_SEGS)
            return -1;
        e->in[e->n_in++] = (VirtqSeg){p, len};
    } else {
        if (e->n_in || e->n_out >= VIRTQ_MAX_SEGS)
            return -1;
        e->out[e->n_out++] = (VirtqSeg){p, len};
    }
    return 0;
}

/* Walk a descriptor chain in a table of `num` entries starting at i. */
static int walk_chain(VirtioMMIO *t, VirtqElem *e, const uint8_t *table, uint32_t num, uint16_t i,
                      bool indirect_ok)
{
    for (uint32_t steps = 0;; steps++) {
        if (i >= num || steps >= num)
            return -1; /* out of range or a loop */
        const uint8_t *d = table + 16u * i;
        uint64_t addr = ld64(d);
        uint32_t len = ld32(d + 8);
        uint16_t flags = ld16(d + 12);
        uint16_t next = ld16(d + 14);
        if (flags & VIRTQ_DESC_F_INDIRECT) {
            /* Only as the sole descriptor of a direct chain (2.6.5.3.1). */
            if (!indirect_ok || (flags & VIRTQ_DESC_F_NEXT) || len == 0 || len % 16 ||
                len / 16 > 0xffff || e->n_in || e->n_out)
                return -1;
            const uint8_t *it = bus_ram_ptr(t->bus, addr, len);
            if (!it)
                return -1;
            return walk_chain(t, e, it, len / 16, 0, false);
        }
        if (add_seg(t, e, addr, len, flags))
            return -1;
        if (!(flags & VIRTQ_DESC_F_NEXT))
            return 0;
        i = next;
    }
}

int virtq_pop(VirtioMMIO *t, unsigned q, VirtqElem *e)
{
    if (q >= VIRTQ_MAX_QUEUES)
        return -1;
    Virtq *vq = &t->q[q];
    if (!vq->ready || vq->broken || !(t->status & VIRTIO_STATUS_DRIVER_OK))
        return vq->broken ? -1 : 0;
    const uint8_t *avail = bus_ram_ptr(t->bus, vq->avail, 4 + 2ull * vq->num);
    const uint8_t *desc = bus_ram_ptr(t->bus, vq->desc, 16ull * vq->num);
    if (!avail || !desc) {
        mark_broken(t, vq);
        return -1;
    }
    uint16_t avail_idx = ld16(avail + 2);
    if (avail_idx == vq->last_avail)
        return 0;
    if ((uint16_t)(avail_idx - vq->last_avail) > vq->num) {
        mark_broken(t, vq);
        return -1;
    }
    uint16_t head = ld16(avail + 4 + 2 * (vq->last_avail % vq->num));
    e->head = head;
    e->n_in = e->n_out = 0;
    if (walk_chain(t, e, desc, vq->num, head, true)) {
        mark_broken(t, vq);
        return -1;
    }
    vq->last_avail++;
    return 1;
}

void virtq_push(VirtioMMIO *t, unsigned q, const VirtqElem *e, uint32_t written)
{
    if (q >= VIRTQ_MAX_QUEUES)
        return;
    Virtq *vq = &t->q[q];
    uint8_t *used = bus_ram_ptr(t->bus, vq->used, 4 + 8ull * vq->num);
    if (!used || vq->num == 0) {
        mark_broken(t, vq);
        return;
    }
    uint8_t *elem = used + 4 + 8 * (vq->used_idx % vq->num);
    le_store(elem, 4, e->head);
    le_store(elem + 4, 4, written);
    vq->used_idx++;
    st16(used + 2, vq->used_idx);
}

size_t virtq_elem_read(const VirtqElem *e, size_t off, void *buf, size_t len)
{
    size_t done = 0;
    for (unsigned i = 0; i < e->n_out && done < len; i++) {
        size_t sl = e->out[i].len;
        if (off >= sl) {
            off -= sl;
            continue;
        }
        size_t n = sl - off < len - done ? sl - off : len - done;
        memcpy((uint8_t *)buf + done, e->out[i].ptr + off, n);
        done += n;
        off = 0;
    }
    return done;
}

size_t virtq_elem_write(const VirtqElem *e, size_t off, const void *buf, size_t len)
{
    size_t done = 0;
    for (unsigned i = 0; i < e->n_in && done < len; i++) {
        size_t sl = e->in[i].len;
        if (off >= sl) {
            off -= sl;
            continue;
        }
        size_t n = sl - off < len - done ? sl - off : len - done;
        memcpy(e->in[i].ptr + off, (const uint8_t *)buf + done, n);
        done += n;
        off = 0;
    }
    return done;
}

size_t virtq_elem_in_size(const VirtqElem *e)
{
    size_t s = 0;
    for (unsigned i = 0; i < e->n_in; i++)
        s += e->in[i].len;
    return s;
}

size_t virtq_elem_out_size(const VirtqElem *e)
{
    size_t s = 0;
    for (unsigned i = 0; i < e->n_out; i++)
        s += e->out[i].len;
    return s;
}

static Virtq *cur_queue(VirtioMMIO *t)
{
    if (!t->ops || t->queue_sel >= t->ops->num_queues || t->queue_sel >= VIRTQ_MAX_QUEUES)
        return NULL;
    return &t->q[t->queue_sel];
}

static uint64_t mmio_read(void *opaque, uint64_t off, int size_log2)
{
    VirtioMMIO *t = opaque;
    if (off >= MMIO_CONFIG) {
        uint32_t len = 0;
        const uint8_t *cfg = t->ops && t->ops->config ? t->ops->config(t->dev, &len) : NULL;
        uint64_t o = off - MMIO_CONFIG, v = 0;
        unsigned n = 1u << size_log2;
        for (unsigned i = 0; i < n; i++)
            if (cfg && o + i < len)
                v |= (uint64_t)cfg[o + i] << (8 * i);
        return v;
    }
    if (size_log2 != 2)
        return 0;
    switch (off) {
    case MMIO_MAGIC: return VIRTIO_MMIO_MAGIC;
    case MMIO_VERSION: return 2;
    case MMIO_DEVICE_ID: return t->ops ? t->ops->device_id : 0;
    case MMIO_VENDOR_ID: return t->ops ? VIRTIO_MMIO_VENDOR : 0;
    default: break;
    }
    if (!t->ops)
        return 0;
    Virtq *vq = cur_queue(t);
    switch (off) {
    case MMIO_DEVICE_FEATURES:
        return t->dev_features_sel > 1
                   ? 0
                   : (uint32_t)(device_features(t) >> (32 * t->dev_features_sel));
    case MMIO_QUEUE_NUM_MAX: return vq ? VIRTQ_NUM_MAX : 0;
    case MMIO_QUEUE_READY: return vq ? vq->ready : 0;
    case MMIO_INTERRUPT_STATUS: return t->int_status;
    case MMIO_STATUS: return t->status;
    case MMIO_CONFIG_GENERATION: return 0;
    case MMIO_QUEUE_NUM: return vq ? vq->num : 0;
    case MMIO_QUEUE_DESC_LOW: return vq ? (uint32_t)vq->desc : 0;
    case MMIO_QUEUE_DESC_HIGH: return vq ? (uint32_t)(vq->desc >> 32) : 0;
    case MMIO_QUEUE_DRIVER_LOW: return vq ? (uint32_t)vq->avail : 0;
    case MMIO_QUEUE_DRIVER_HIGH: return vq ? (uint32_t)(vq->avail >> 32) : 0;
    case MMIO_QUEUE_DEVICE_LOW: return vq ? (uint32_t)vq->used : 0;
    case MMIO_QUEUE_DEVICE_HIGH: return vq ? (uint32_t)(vq->used >> 32) : 0;
    default: return 0;
    }
}

static void set_lo(uint64_t *r, uint32_t v)
{
    *r = (*r & ~0xffffffffull) | v;
}

static void set_hi(uint64_t *r, uint32_t v)
{
    *r = (*r & 0xffffffffull) | (uint64_t)v << 32;
}

static void write_status(VirtioMMIO *t, uint32_t val)
{
    if (val == 0) {
        mmio_reset(t);
        return;
    }
    if ((val & VIRTIO_STATUS_FEATURES_OK) && !(t->status & VIRTIO_STATUS_FEATURES_OK)) {
        /* Accept only a subset of ours that includes VERSION_1 (modern). */
        uint64_t f = t->drv_features;
        if ((f & ~device_features(t)) || !(f >> VIRTIO_F_VERSION_1 & 1))
            val &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
    }
    t->status = (val & 0xff & ~(uint32_t)VIRTIO_STATUS_NEEDS_RESET) |
                (t->status & VIRTIO_STATUS_NEEDS_RESET);
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val64, int size_log2)
{
    VirtioMMIO *t = opaque;
    uint32_t val = (uint32_t)val64;
    if (!t->ops || off >= MMIO_CONFIG || size_log2 != 2)
        return; /* config space is read-only for our devices */
    Virtq *vq = cur_queue(t);
    switch (off) {
    case MMIO_DEVICE_FEATURES_SEL: t->dev_features_sel = val; break;
    case MMIO_DRIVER_FEATURES_SEL: t->drv_features_sel = val; break;
    case MMIO_DRIVER_FEATURES:
        if (t->drv_features_sel == 0)
            set_lo(&t->drv_features, val);
        else if (t->drv_features_sel == 1)
            set_hi(&t->drv_features, val);
        break;
    case MMIO_QUEUE_SEL: t->queue_sel = val; break;
    case MMIO_QUEUE_NUM:
        if (vq && !vq->ready && val && val <= VIRTQ_NUM_MAX)
            vq->num = val;
        break;
    case MMIO_QUEUE_READY:
        if (vq) {
            vq->ready = val & 1;
            if (!vq->ready)
                vq->broken = false;
        }
        break;
    case MMIO_QUEUE_NOTIFY:
        if (val < t->ops->num_queues && val < VIRTQ_MAX_QUEUES && t->q[val].ready &&
            (t->status & VIRTIO_STATUS_DRIVER_OK))
            t->ops->notify(t->dev, t, val);
        break;
    case MMIO_INTERRUPT_ACK:
        t->int_status &= ~val;
        mmio_update_irq(t);
        break;
    case MMIO_STATUS: write_status(t, val); break;
    case MMIO_QUEUE_DESC_LOW:
        if (vq)
            set_lo(&vq->desc, val);
        break;
    case MMIO_QUEUE_DESC_HIGH:
        if (vq)
            set_hi(&vq->desc, val);
        break;
    case MMIO_QUEUE_DRIVER_LOW:
        if (vq)
            set_lo(&vq->avail, val);
        break;
    case MMIO_QUEUE_DRIVER_HIGH:
        if (vq)
            set_hi(&vq->avail, val);
        break;
    case MMIO_QUEUE_DEVICE_LOW:
        if (vq)
            set_lo(&vq->used, val);
        break;
    case MMIO_QUEUE_DEVICE_HIGH:
        if (vq)
            set_hi(&vq->used, val);
        break;
    default: break;
    }
}

VirtioMMIO *virtio_mmio_create(Bus *bus, uint64_t base, IRQLine irq, const VirtioDeviceOps *ops,
                               void *dev)
{
    VirtioMMIO *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->bus = bus;
    t->irq = irq;
    t->ops = ops;
    t->dev = dev;
    bus_add(bus, "virtio_mmio", base, VIRTIO_MMIO_SIZE, t, mmio_read, mmio_write);
    return t;
}

void virtio_mmio_destroy(VirtioMMIO *t)
{
    if (!t)
        return;
    if (t->ops && t->ops->destroy)
        t->ops->destroy(t->dev);
    free(t);
}

int virtio_mmio_snap_save(const VirtioMMIO *t, SnapWriter *w)
{
    uint32_t id = t->ops ? t->ops->device_id : 0;
    snap_put_u32(w, id);
    snap_put_u32(w, t->dev_features_sel);
    snap_put_u32(w, t->drv_features_sel);
    snap_put_u64(w, t->drv_features);
    snap_put_u32(w, t->queue_sel);
    snap_put_u32(w, t->int_status);
    snap_put_u32(w, t->status);
    snap_put_u32(w, VIRTQ_MAX_QUEUES);
    for (int i = 0; i < VIRTQ_MAX_QUEUES; i++) {
        const Virtq *q = &t->q[i];
        snap_put_u32(w, q->num);
        snap_put_u8(w, q->ready);
        snap_put_u8(w, q->broken);
        snap_put_u64(w, q->desc);
        snap_put_u64(w, q->avail);
        snap_put_u64(w, q->used);
        snap_put_u16(w, q->last_avail);
        snap_put_u16(w, q->used_idx);
    }
    if (id == VIRTIO_ID_RNG)
        virtio_rng_snap_save(t->dev, w);
    return w->err ? -1 : 0;
}

int virtio_mmio_snap_load(VirtioMMIO *t, SnapReader *r)
{
    uint32_t id = t->ops ? t->ops->device_id : 0;
    if (snap_get_u32(r) != id)
        return -1;
    VirtioMMIO n = *t;
    n.dev_features_sel = snap_get_u32(r);
    n.drv_features_sel = snap_get_u32(r);
    n.drv_features = snap_get_u64(r);
    n.queue_sel = snap_get_u32(r);
    n.int_status = snap_get_u32(r);
    n.status = snap_get_u32(r);
    if (snap_get_u32(r) != VIRTQ_MAX_QUEUES)
        return -1;
    for (int i = 0; i < VIRTQ_MAX_QUEUES; i++) {
        Virtq *q = &n.q[i];
        q->num = snap_get_u32(r);
        q->ready = snap_get_bool(r);
        q->broken = snap_get_bool(r);
        q->desc = snap_get_u64(r);
        q->avail = snap_get_u64(r);
        q->used = snap_get_u64(r);
        q->last_avail = snap_get_u16(r);
        q->used_idx = snap_get_u16(r);
        if (q->num > VIRTQ_NUM_MAX)
            r->err = true;
    }
    if (r->err)
        return -1;
    /* Device state: validated (dry run) before anything is committed. */
    SnapReader dr = *r;
    dr.dry_run = true;
    if (id == VIRTIO_ID_RNG && virtio_rng_snap_load(t->dev, &dr))
        return -1;
    if (!snap_reader_done(&dr))
        return -1;
    if (!r->dry_run) {
        if (id == VIRTIO_ID_RNG)
            virtio_rng_snap_load(t->dev, r);
        *t = n;
    }
    r->pos = dr.pos;
    return 0;
}
