/* virtio.h - virtio-mmio (version 2) transport and split virtqueues,
 * plus the interface a device model implements.
 *
 * A device model supplies VirtioDeviceOps; the transport owns negotiation,
 * queues and the interrupt line.  On a queue notify the transport calls
 * ops->notify, which pops requests with virtq_pop, handles them
 * synchronously and returns them with virtq_push.  Guest memory is only
 * reached through bounds-checked RAM pointers: a malformed ring sets
 * DEVICE_NEEDS_RESET and stops the queue, never touches host memory
 * outside guest RAM. */
#ifndef KILN_VIRTIO_H
#define KILN_VIRTIO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"

#define VIRTIO_MMIO_SIZE 0x1000ull
#define VIRTIO_MMIO_MAGIC 0x74726976u  /* "virt" */
#define VIRTIO_MMIO_VENDOR 0x554d4551u /* "QEMU", what Linux guests expect to see */
#define VIRTQ_NUM_MAX 256
#define VIRTQ_MAX_QUEUES 4
#define VIRTQ_MAX_SEGS 256 /* per request (after indirect expansion) */

#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_VERSION_1 32

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

enum { VIRTIO_ID_NET = 1, VIRTIO_ID_BLOCK = 2, VIRTIO_ID_CONSOLE = 3, VIRTIO_ID_RNG = 4 };

typedef struct VirtioMMIO VirtioMMIO;

/* One buffer segment in guest RAM, already bounds-checked. */
typedef struct VirtqSeg {
    uint8_t *ptr;
    uint32_t len;
} VirtqSeg;

/* A popped request: device-readable (out) then device-writable (in). */
typedef struct VirtqElem {
    uint16_t head;
    unsigned n_out, n_in;
    VirtqSeg out[VIRTQ_MAX_SEGS];
    VirtqSeg in[VIRTQ_MAX_SEGS];
} VirtqElem;

typedef struct VirtioDeviceOps {
    uint32_t device_id;
    unsigned num_queues;
    /* Device feature bits (VERSION_1 and INDIRECT_DESC are added). */
    uint64_t (*features)(void *dev);
    /* Config space (read-only here); *len its size. */
    const uint8_t *(*config)(void *dev, uint32_t *len);
    /* The driver made buffers available on queue q. */
    void (*notify)(void *dev, VirtioMMIO *t, unsigned q);
    void (*reset)(void *dev);   /* optional */
    void (*destroy)(void *dev); /* optional; frees dev */
} VirtioDeviceOps;

/* ops == NULL makes an empty slot (device id 0).  The transport owns dev
 * (virtio_mmio_destroy calls ops->destroy). */
VirtioMMIO *virtio_mmio_create(Bus *bus, uint64_t base, IRQLine irq, const VirtioDeviceOps *ops,
                               void *dev);
void virtio_mmio_destroy(VirtioMMIO *t);

/* Next available request of queue q: 1 and *e filled, 0 if none, -1 if
 * the ring is malformed (the device is marked NEEDS_RESET). */
int virtq_pop(VirtioMMIO *t, unsigned q, VirtqElem *e);
/* Return a request with `written` bytes stored in its in-segments. */
void virtq_push(VirtioMMIO *t, unsigned q, const VirtqElem *e, uint32_t written);
/* Raise the used-buffer interrupt (after one or more pushes). */
void virtq_interrupt(VirtioMMIO *t);

/* Gather/scatter helpers: copy up to len bytes at byte offset off of the
 * out (resp. in) segments; return the number of bytes copied. */
size_t virtq_elem_read(const VirtqElem *e, size_t off, void *buf, size_t len);
size_t virtq_elem_write(const VirtqElem *e, size_t off, const void *buf, size_t len);
size_t virtq_elem_in_size(const VirtqElem *e);
size_t virtq_elem_out_size(const VirtqElem *e);

/* Device models (virtio-blk.c, virtio-rng.c).  Return the ops and a device
 * (NULL after printing one message naming the file on error). */
extern const VirtioDeviceOps virtio_blk_ops;
void *virtio_blk_new(const char *path);
extern const VirtioDeviceOps virtio_rng_ops;
/* deterministic: bytes from a fixed-seed PRNG instead of the host. */
void *virtio_rng_new(bool deterministic);

/* Snapshot state of a slot: device id, transport registers, queue
 * addresses and indices, then the device model's own state (virtio-rng: the
 * PRNG; virtio-blk: nothing, requests complete synchronously so none is in
 * flight between TBs).  Load fails (returns -1) if the slot holds another
 * device type. */
struct SnapWriter;
struct SnapReader;
int virtio_mmio_snap_save(const VirtioMMIO *t, struct SnapWriter *w);
int virtio_mmio_snap_load(VirtioMMIO *t, struct SnapReader *r);
int virtio_rng_snap_save(const void *dev, struct SnapWriter *w);
int virtio_rng_snap_load(void *dev, struct SnapReader *r);
#endif
