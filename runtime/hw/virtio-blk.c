/* virtio-blk.c - virtio block device (virtio 1.1, 5.2) backed by a raw
 * image file: read-write, or read-only (VIRTIO_BLK_F_RO) when the file
 * cannot be opened for writing.  Requests complete synchronously. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hw/virtio.h"
#include "util/le.h"

#define BLK_F_SEG_MAX 2
#define BLK_F_RO 5
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9

enum { BLK_T_IN = 0, BLK_T_OUT = 1, BLK_T_FLUSH = 4, BLK_T_GET_ID = 8 };
enum { BLK_S_OK = 0, BLK_S_IOERR = 1, BLK_S_UNSUPP = 2 };

#define SECTOR 512u
#define BLK_CONFIG_SIZE 24 /* capacity, size_max, seg_max, geometry, blk_size */
#define BLK_ID_BYTES 20

typedef struct VirtioBlk {
    int fd;
    bool ro;
    uint64_t sectors;
    uint8_t config[BLK_CONFIG_SIZE];
    uint8_t bounce[64 * 1024];
    VirtqElem elem;
} VirtioBlk;

static uint64_t blk_features(void *dev)
{
    VirtioBlk *b = dev;
    uint64_t f = 1ull << BLK_F_SEG_MAX | 1ull << BLK_F_BLK_SIZE | 1ull << BLK_F_FLUSH;
    return b->ro ? f | 1ull << BLK_F_RO : f;
}

static const uint8_t *blk_config(void *dev, uint32_t *len)
{
    VirtioBlk *b = dev;
    *len = sizeof(b->config);
    return b->config;
}

/* Move `len` bytes between the file at byte `pos` and the request's data
 * segments (data starts after the 16-byte header on the out side, at 0 on
 * the in side).  Returns 0 or -1 on an I/O error. */
static int blk_rw(VirtioBlk *b, const VirtqElem *e, bool write, uint64_t pos, size_t len)
{
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof(b->bounce) ? len - done : sizeof(b->bounce);
        ssize_t r;
        if (write) {
            virtq_elem_read(e, 16 + done, b->bounce, n);
            r = pwrite(b->fd, b->bounce, n, (off_t)(pos + done));
        } else {
            r = pread(b->fd, b->bounce, n, (off_t)(pos + done));
            if (r > 0)
                virtq_elem_write(e, done, b->bounce, (size_t)r);
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

/* Handle one request; returns bytes written into the in-segments. */
static uint32_t blk_request(VirtioBlk *b, const VirtqElem *e)
{
    uint8_t hdr[16];
    size_t in_size = virtq_elem_in_size(e);
    if (in_size < 1 || virtq_elem_read(e, 0, hdr, 16) < 16)
        return 0; /* no room for a status byte: drop it */
    uint32_t type = (uint32_t)le_load(hdr, 4);
    uint64_t sector = le_load(hdr + 8, 8);
    size_t data_in = in_size - 1; /* the last writable byte is the status */
    size_t data_out = virtq_elem_out_size(e) - 16;
    uint8_t status = BLK_S_OK;
    uint32_t written = 1;

    switch (type) {
    case BLK_T_IN:
    case BLK_T_OUT: {
        bool wr = type == BLK_T_OUT;
        size_t len = wr ? data_out : data_in;
        if (len % SECTOR || sector > b->sectors || len / SECTOR > b->sectors - sector)
            status = BLK_S_IOERR;
        else if (wr && b->ro)
            status = BLK_S_IOERR;
        else if (blk_rw(b, e, wr, sector * SECTOR, len))
            status = BLK_S_IOERR;
        if (!wr && status == BLK_S_OK)
            written += (uint32_t)len;
        break;
    }
    case BLK_T_FLUSH:
        if (!b->ro && fsync(b->fd) != 0)
            status = BLK_S_IOERR;
        break;
    case BLK_T_GET_ID: {
        char id[BLK_ID_BYTES] = "kiln-virtio-blk";
        size_t n = data_in < BLK_ID_BYTES ? data_in : BLK_ID_BYTES;
        virtq_elem_write(e, 0, id, n);
        written += (uint32_t)n;
        break;
    }
    default: status = BLK_S_UNSUPP; break;
    }
    virtq_elem_write(e, in_size - 1, &status, 1);
    return written;
}

static void blk_notify(void *dev, VirtioMMIO *t, unsigned q)
{
    VirtioBlk *b = dev;
    bool any = false;
    while (virtq_pop(t, q, &b->elem) == 1) {
        virtq_push(t, q, &b->elem, blk_request(b, &b->elem));
        any = true;
    }
    if (any)
        virtq_interrupt(t);
}

static void blk_destroy(void *dev)
{
    VirtioBlk *b = dev;
    close(b->fd);
    free(b);
}

const VirtioDeviceOps virtio_blk_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .num_queues = 1,
    .features = blk_features,
    .config = blk_config,
    .notify = blk_notify,
    .destroy = blk_destroy,
};

void *virtio_blk_new(const char *path)
{
    bool ro = false;
    int fd = open(path, O_RDWR);
    if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM)) {
        fd = open(path, O_RDONLY);
        ro = true;
    }
    if (fd < 0) {
        fprintf(stderr, "kiln: %s: cannot open disk image: %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "kiln: %s: disk image is not a regular file\n", path);
        close(fd);
        return NULL;
    }
    VirtioBlk *b = calloc(1, sizeof(*b));
    if (!b) {
        close(fd);
        return NULL;
    }
    b->fd = fd;
    b->ro = ro;
    b->sectors = (uint64_t)st.st_size / SECTOR;
    le_store(b->config + 0, 8, b->sectors);         /* capacity */
    le_store(b->config + 12, 4, VIRTQ_NUM_MAX - 2); /* seg_max */
    le_store(b->config + 20, 4, SECTOR);            /* blk_size */
    return b;
}
