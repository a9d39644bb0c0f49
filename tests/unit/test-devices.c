/* test-devices.c - register-level tests of the virt board's devices (bus,
 * UART, PLIC, CLINT, virtio-mmio + blk + rng, sifive_test, goldfish RTC)
 * and of the image loader.  Devices are driven through the bus exactly as
 * the guest would; interrupt lines end in a recording sink. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hw/bus.h"
#include "hw/clint.h"
#include "hw/goldfish-rtc.h"
#include "hw/loader.h"
#include "hw/plic.h"
#include "hw/sifive-test.h"
#include "hw/uart.h"
#include "hw/virtio.h"
#include "../check.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1ull << 20)

/* Interrupt sink: level of each line. */
static int levels[128];
static void sink(void *opaque, int line, int level)
{
    (void)opaque;
    levels[line] = level;
}
static IRQLine line(int n)
{
    IRQLine l = {sink, NULL, n};
    return l;
}

static uint64_t rd(Bus *b, uint64_t a, int sz)
{
    uint64_t v = 0xdead;
    CHECK(bus_read(b, a, sz, &v) == 0);
    return v;
}
static void wr(Bus *b, uint64_t a, int sz, uint64_t v)
{
    CHECK(bus_write(b, a, sz, v) == 0);
}

static void test_bus(void)
{
    Bus b;
    CHECK(bus_init(&b, RAM_BASE, RAM_SIZE) == 0);
    wr(&b, RAM_BASE + 8, 3, 0x1122334455667788ull);
    CHECK(b.ram[8] == 0x88 && b.ram[15] == 0x11); /* little-endian */
    CHECK(rd(&b, RAM_BASE + 10, 1) == 0x5566);
    CHECK(rd(&b, RAM_BASE + 8, 2) == 0x55667788);
    uint64_t v;
    CHECK(bus_read(&b, 0x1000, 2, &v) == -1);
    CHECK(bus_write(&b, RAM_BASE + RAM_SIZE - 4, 3, 0) == -1); /* straddles the end */
    CHECK(bus_ram_ptr(&b, RAM_BASE + RAM_SIZE - 8, 8) != NULL);
    CHECK(bus_ram_ptr(&b, RAM_BASE + RAM_SIZE - 8, 9) == NULL);
    bus_free(&b);
}

/* ---- UART ---- */
static char txbuf[64];
static int txlen;
static void tx(void *opaque, uint8_t c)
{
    (void)opaque;
    if (txlen < (int)sizeof(txbuf))
        txbuf[txlen++] = (char)c;
}

static void test_uart(void)
{
    Bus b;
    bus_init(&b, RAM_BASE, RAM_SIZE);
    const uint64_t U = 0x10000000;
    Uart *u = uart_create(&b, U, line(10), tx, NULL);
    CHECK(rd(&b, U + 5, 0) == 0x60); /* LSR: THRE|TEMT, no data */
    CHECK(rd(&b, U + 2, 0) == 0x01); /* IIR: none */
    wr(&b, U, 0, 'h');
    wr(&b, U, 0, 'i');
    CHECK(txlen == 2 && memcmp(txbuf, "hi", 2) == 0);
    CHECK(levels[10] == 0);

    /* THRE interrupt: raised on enable, acknowledged by reading IIR,
     * re-armed by the next (instant) transmit. */
    wr(&b, U + 1, 0, 0x02);
    CHECK(levels[10] == 1);
    CHECK(rd(&b, U + 2, 0) == 0x02);
    CHECK(levels[10] == 0);
    CHECK(rd(&b, U + 2, 0) == 0x01);
    wr(&b, U, 0, '!');
    CHECK(levels[10] == 1);
    wr(&b, U + 1, 0, 0x00);
    CHECK(levels[10] == 0);

    /* FIFO mode and receive. */
    CHECK(uart_rx_room(u) == 1);
    wr(&b, U + 2, 0, 0x07); /* FCR: enable + clear */
    CHECK((rd(&b, U + 2, 0) & 0xc0) == 0xc0);
    CHECK(uart_rx_room(u) == UART_FIFO_SIZE);
    uart_receive(u, 'x');
    uart_receive(u, 'y');
    CHECK(levels[10] == 0); /* RX interrupt not enabled yet */
    CHECK(rd(&b, U + 5, 0) & 0x01);
    wr(&b, U + 1, 0, 0x03); /* ERBFI | ETBEI: RX data outranks THRE */
    CHECK(levels[10] == 1);
    CHECK((rd(&b, U + 2, 0) & 0x0f) == 0x04);
    CHECK(rd(&b, U, 0) == 'x');
    CHECK(rd(&b, U, 0) == 'y');
    CHECK((rd(&b, U + 5, 0) & 0x01) == 0);
    CHECK((rd(&b, U + 2, 0) & 0x0f) == 0x02); /* then THRE */
    CHECK(levels[10] == 0);
    wr(&b, U + 1, 0, 0);
    for (int i = 0; i < UART_FIFO_SIZE; i++)
        uart_receive(u, (uint8_t)i);
    CHECK(uart_rx_room(u) == 0);
    wr(&b, U + 2, 0, 0x03); /* clear RX FIFO */
    CHECK(uart_rx_room(u) == UART_FIFO_SIZE);

    /* Divisor latch. */
    wr(&b, U + 3, 0, 0x83);
    wr(&b, U + 0, 0, 0x12);
    wr(&b, U + 1, 0, 0x34);
    CHECK(rd(&b, U + 0, 0) == 0x12 && rd(&b, U + 1, 0) == 0x34);
    wr(&b, U + 3, 0, 0x03);
    CHECK(rd(&b, U + 1, 0) == 0); /* IER again */
    int before = txlen;
    /* Scratch and modem lines; loopback routes THR to RBR, not the host. */
    wr(&b, U + 7, 0, 0xa5);
    CHECK(rd(&b, U + 7, 0) == 0xa5);
    CHECK((rd(&b, U + 6, 0) & 0xb0) == 0xb0);
    wr(&b, U + 4, 0, 0x12); /* LOOP | RTS */
    CHECK((rd(&b, U + 6, 0) & 0xf0) == 0x10);
    wr(&b, U, 0, 'L');
    CHECK(txlen == before && rd(&b, U, 0) == 'L');
    free(u);
    bus_free(&b);
}

/* ---- PLIC ---- */
static void test_plic(void)
{
    Bus b;
    bus_init(&b, RAM_BASE, RAM_SIZE);
    const uint64_t P = 0xc000000;
    IRQLine ctx[PLIC_NCTX] = {line(100), line(101)}; /* M, S */
    Plic *p = plic_create(&b, P, ctx);
    memset(levels, 0, sizeof(levels));
    wr(&b, P + 4 * 10, 2, 1);
    CHECK(rd(&b, P + 4 * 10, 2) == 1);
    wr(&b, P + 0x2080, 2, 1u << 10); /* enable 10 for ctx 1 */
    wr(&b, P + 0x201000, 2, 0);      /* ctx 1 threshold */
    plic_set_irq(p, 10, 1);
    CHECK(levels[101] == 1 && levels[100] == 0);
    CHECK(rd(&b, P + 0x1000, 2) & (1u << 10));
    CHECK(rd(&b, P + 0x201004, 2) == 10); /* claim */
    CHECK(levels[101] == 0);
    CHECK((rd(&b, P + 0x1000, 2) & (1u << 10)) == 0);
    CHECK(rd(&b, P + 0x201004, 2) == 0); /* nothing else */
    wr(&b, P + 0x201004, 2, 10);         /* complete with the line still high */
    CHECK(levels[101] == 1);
    CHECK(rd(&b, P + 0x201004, 2) == 10);
    plic_set_irq(p, 10, 0);
    wr(&b, P + 0x201004, 2, 10);
    CHECK(levels[101] == 0);

    /* Threshold masks priorities <= it. */
    wr(&b, P + 0x201000, 2, 1);
    plic_set_irq(p, 10, 1);
    CHECK(levels[101] == 0);
    CHECK(rd(&b, P + 0x201004, 2) == 0);
    wr(&b, P + 0x201000, 2, 0);
    CHECK(levels[101] == 1);
    plic_set_irq(p, 10, 0);
    CHECK(levels[101] == 0);

    /* Priority order, ties to the lower number; ctx 0 independent. */
    wr(&b, P + 4 * 3, 2, 2);
    wr(&b, P + 4 * 5, 2, 5);
    wr(&b, P + 4 * 7, 2, 2);
    wr(&b, P + 0x2000, 2, (1u << 3) | (1u << 5) | (1u << 7));
    plic_set_irq(p, 7, 1);
    plic_set_irq(p, 3, 1);
    plic_set_irq(p, 5, 1);
    CHECK(levels[100] == 1 && levels[101] == 0);
    CHECK(rd(&b, P + 0x200004, 2) == 5);
    CHECK(rd(&b, P + 0x200004, 2) == 3);
    CHECK(rd(&b, P + 0x200004, 2) == 7);
    CHECK(levels[100] == 0);
    /* Source 0 cannot be enabled; writes to pending are ignored. */
    wr(&b, P + 0x2000, 2, 1);
    CHECK(rd(&b, P + 0x2000, 2) == 0);
    wr(&b, P + 0x1000, 2, 0xffffffff);
    CHECK(rd(&b, P + 0x1000, 2) == 0);
    free(p);
    bus_free(&b);
}

/* ---- CLINT ---- */
static uint64_t fake_ticks;
static uint64_t ticks(void *opaque)
{
    (void)opaque;
    return fake_ticks;
}

static void test_clint(void)
{
    Bus b;
    bus_init(&b, RAM_BASE, RAM_SIZE);
    const uint64_t C = 0x2000000;
    memset(levels, 0, sizeof(levels));
    fake_ticks = 50;
    Clint *c = clint_create(&b, C, line(7), line(3), ticks, NULL);
    CHECK(clint_deadline(c) == UINT64_MAX);
    CHECK(rd(&b, C + 0xbff8, 3) == 50);
    CHECK(rd(&b, C + 0xbff8, 2) == 50 && rd(&b, C + 0xbffc, 2) == 0);
    wr(&b, C + 0x4004, 2, 0); /* 32-bit halves, high first */
    wr(&b, C + 0x4000, 2, 100);
    CHECK(rd(&b, C + 0x4000, 3) == 100);
    CHECK(levels[7] == 0 && clint_deadline(c) == 100);
    fake_ticks = 100;
    clint_update(c);
    CHECK(levels[7] == 1);
    wr(&b, C + 0x4000, 3, 1000); /* 64-bit write lowers MTIP */
    CHECK(levels[7] == 0);
    wr(&b, C + 0x0, 2, 1);
    CHECK(levels[3] == 1 && rd(&b, C, 2) == 1);
    wr(&b, C + 0x0, 2, 0);
    CHECK(levels[3] == 0);
    wr(&b, C + 0xbff8, 3, 990); /* set mtime: now an offset of +890 */
    CHECK(rd(&b, C + 0xbff8, 3) == 990);
    fake_ticks = 110;
    clint_update(c);
    CHECK(levels[7] == 1 && clint_deadline(c) == 110);
    free(c);
    bus_free(&b);
}

/* ---- virtio ---- */
#define VQ_DESC (RAM_BASE + 0x1000)
#define VQ_AVAIL (RAM_BASE + 0x2000)
#define VQ_USED (RAM_BASE + 0x3000)
#define BUF (RAM_BASE + 0x10000)
#define VQ_NUM 8

static void put16(Bus *b, uint64_t a, uint16_t v)
{
    wr(b, a, 1, v);
}
static void put_desc(Bus *b, uint64_t table, int i, uint64_t addr, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    wr(b, table + 16 * i, 3, addr);
    wr(b, table + 16 * i + 8, 2, len);
    put16(b, table + 16 * i + 12, flags);
    put16(b, table + 16 * i + 14, next);
}
/* Make descriptor `head` available and notify queue 0. */
static void submit(Bus *b, uint64_t base, uint16_t head)
{
    uint16_t idx = (uint16_t)rd(b, VQ_AVAIL + 2, 1);
    put16(b, VQ_AVAIL + 4 + 2 * (idx % VQ_NUM), head);
    put16(b, VQ_AVAIL + 2, (uint16_t)(idx + 1));
    wr(b, base + 0x50, 2, 0);
}

/* Driver initialisation (virtio 1.1, 3.1.1) with one queue. */
static void driver_init(Bus *b, uint64_t base, uint32_t feat_hi)
{
    wr(b, base + 0x70, 2, 0);
    wr(b, base + 0x70, 2, 1 | 2);
    wr(b, base + 0x24, 2, 1);
    wr(b, base + 0x20, 2, feat_hi);
    wr(b, base + 0x24, 2, 0);
    wr(b, base + 0x20, 2, 0);
    wr(b, base + 0x70, 2, 1 | 2 | 8);
    if (!(rd(b, base + 0x70, 2) & 8))
        return;
    wr(b, base + 0x30, 2, 0);
    CHECK(rd(b, base + 0x34, 2) == VIRTQ_NUM_MAX);
    wr(b, base + 0x38, 2, VQ_NUM);
    wr(b, base + 0x80, 2, (uint32_t)VQ_DESC);
    wr(b, base + 0x84, 2, 0);
    wr(b, base + 0x90, 2, (uint32_t)VQ_AVAIL);
    wr(b, base + 0x94, 2, 0);
    wr(b, base + 0xa0, 2, (uint32_t)VQ_USED);
    wr(b, base + 0xa4, 2, 0);
    wr(b, base + 0x44, 2, 1);
    wr(b, base + 0x70, 2, 1 | 2 | 4 | 8);
}

static void test_virtio_blk(void)
{
    Bus b;
    bus_init(&b, RAM_BASE, RAM_SIZE);
    memset(levels, 0, sizeof(levels));
    char path[] = "/tmp/kiln-test-blk-XXXXXX";
    int fd = mkstemp(path);
    uint8_t disk[8 * 512];
    for (size_t i = 0; i < sizeof(disk); i++)
        disk[i] = (uint8_t)(i * 7 + (i >> 9));
    CHECK(write(fd, disk, sizeof(disk)) == (ssize_t)sizeof(disk));

    const uint64_t E = 0x10002000, V = 0x10001000;
    VirtioMMIO *empty = virtio_mmio_create(&b, E, line(2), NULL, NULL);
    CHECK(rd(&b, E, 2) == 0x74726976 && rd(&b, E + 4, 2) == 2 && rd(&b, E + 8, 2) == 0);
    void *dev = virtio_blk_new(path);
    CHECK(dev != NULL);
    CHECK(virtio_blk_new("/nonexistent/disk.img") == NULL);
    VirtioMMIO *t = virtio_mmio_create(&b, V, line(1), &virtio_blk_ops, dev);
    CHECK(rd(&b, V, 2) == 0x74726976);
    CHECK(rd(&b, V + 4, 2) == 2);
    CHECK(rd(&b, V + 8, 2) == 2);
    CHECK(rd(&b, V + 0xc, 2) == VIRTIO_MMIO_VENDOR);
    wr(&b, V + 0x14, 2, 1);
    CHECK(rd(&b, V + 0x10, 2) & 1); /* VERSION_1 */
    wr(&b, V + 0x14, 2, 0);
    CHECK(rd(&b, V + 0x10, 2) & (1u << 6)); /* BLK_SIZE */
    CHECK(rd(&b, V + 0x100, 3) == 8);       /* capacity in sectors */
    CHECK(rd(&b, V + 0x100 + 20, 2) == 512);

    /* A legacy-only driver (no VERSION_1) is refused. */
    driver_init(&b, V, 0);
    CHECK((rd(&b, V + 0x70, 2) & 8) == 0);
    driver_init(&b, V, 1);
    CHECK(rd(&b, V + 0x70, 2) == 15);

    /* Read sectors 2-3: header, data (writable), status (writable). */
    wr(&b, BUF, 2, 0);     /* IN */
    wr(&b, BUF + 8, 3, 2); /* sector */
    b.ram[0x20000] = 0xff; /* status byte (BUF2 below) */
    put_desc(&b, VQ_DESC, 0, BUF, 16, 1, 1);
    put_desc(&b, VQ_DESC, 1, BUF + 0x100, 1024, 2 | 1, 2);
    put_desc(&b, VQ_DESC, 2, RAM_BASE + 0x20000, 1, 2, 0);
    submit(&b, V, 0);
    CHECK(rd(&b, VQ_USED + 2, 1) == 1);
    CHECK(rd(&b, VQ_USED + 4, 2) == 0 && rd(&b, VQ_USED + 8, 2) == 1025);
    CHECK(b.ram[0x20000] == 0);
    CHECK(memcmp(b.ram + 0x10100, disk + 1024, 1024) == 0);
    CHECK(rd(&b, V + 0x60, 2) == 1 && levels[1] == 1);
    wr(&b, V + 0x64, 2, 1);
    CHECK(rd(&b, V + 0x60, 2) == 0 && levels[1] == 0);

    /* Write sector 5 through an indirect table. */
    const uint64_t IT = RAM_BASE + 0x4000;
    wr(&b, BUF + 0x800, 2, 1); /* OUT */
    wr(&b, BUF + 0x808, 3, 5);
    memset(b.ram + 0x11000, 0x5a, 512);
    put_desc(&b, IT, 0, BUF + 0x800, 16, 1, 1);
    put_desc(&b, IT, 1, BUF + 0x1000, 512, 1, 2);
    put_desc(&b, IT, 2, RAM_BASE + 0x20000, 1, 2, 0);
    put_desc(&b, VQ_DESC, 3, IT, 48, 4, 0);
    b.ram[0x20000] = 0xff;
    submit(&b, V, 3);
    CHECK(rd(&b, VQ_USED + 2, 1) == 2);
    CHECK(rd(&b, VQ_USED + 12, 2) == 3 && rd(&b, VQ_USED + 16, 2) == 1);
    CHECK(b.ram[0x20000] == 0);
    uint8_t sec[512];
    CHECK(pread(fd, sec, 512, 5 * 512) == 512);
    CHECK(sec[0] == 0x5a && sec[511] == 0x5a);

    /* Out of range -> IOERR; GET_ID; unknown type -> UNSUPP. */
    wr(&b, BUF, 2, 0);
    wr(&b, BUF + 8, 3, 7); /* 2 sectors from 7: past the end */
    submit(&b, V, 0);
    CHECK(b.ram[0x20000] == 1);
    wr(&b, BUF, 2, 8); /* GET_ID into the 1024-byte buffer */
    submit(&b, V, 0);
    CHECK(b.ram[0x20000] == 0 && memcmp(b.ram + 0x10100, "kiln", 4) == 0);
    wr(&b, BUF, 2, 99);
    submit(&b, V, 0);
    CHECK(b.ram[0x20000] == 2);
    wr(&b, BUF, 2, 4); /* FLUSH: header + status only */
    put_desc(&b, VQ_DESC, 4, BUF, 16, 1, 5);
    put_desc(&b, VQ_DESC, 5, RAM_BASE + 0x20000, 1, 2, 0);
    b.ram[0x20000] = 0xff;
    submit(&b, V, 4);
    CHECK(b.ram[0x20000] == 0);
    CHECK(rd(&b, VQ_USED + 2, 1) == 6);

    /* A descriptor outside RAM: NEEDS_RESET, no crash, queue stops. */
    put_desc(&b, VQ_DESC, 6, 0x1000, 16, 0, 0);
    submit(&b, V, 6);
    CHECK(rd(&b, V + 0x70, 2) & 0x40);
    CHECK(rd(&b, V + 0x60, 2) & 2);
    CHECK(rd(&b, VQ_USED + 2, 1) == 6);
    /* A descriptor loop is caught as well (after a reset). */
    driver_init(&b, V, 1);
    put16(&b, VQ_AVAIL + 2, 0);
    put_desc(&b, VQ_DESC, 0, BUF, 16, 1, 1);
    put_desc(&b, VQ_DESC, 1, BUF, 16, 1, 0);
    submit(&b, V, 0);
    CHECK(rd(&b, V + 0x70, 2) & 0x40);

    virtio_mmio_destroy(t);
    virtio_mmio_destroy(empty);
    close(fd);
    unlink(path);
    bus_free(&b);
}

static void rng_fill_once(Bus *b, uint8_t out[64])
{
    const uint64_t V = 0x10003000;
    VirtioMMIO *t = virtio_mmio_create(b, V, line(3), &virtio_rng_ops, virtio_rng_new(true));
    CHECK(rd(b, V + 8, 2) == 4);
    memset(b->ram, 0, 0x30000);
    driver_init(b, V, 1);
    put_desc(b, VQ_DESC, 0, BUF, 64, 2, 0);
    submit(b, V, 0);
    CHECK(rd(b, VQ_USED + 2, 1) == 1 && rd(b, VQ_USED + 8, 2) == 64);
    memcpy(out, b->ram + 0x10000, 64);
    virtio_mmio_destroy(t);
    b->nregions--; /* unmap it again for the next instance */
}

static void test_virtio_rng(void)
{
    Bus b;
    bus_init(&b, RAM_BASE, RAM_SIZE);
    uint8_t a[64], c[64], zero[64] = {0};
    rng_fill_once(&b, a);
    rng_fill_once(&b, c);
    CHECK(memcmp(a, zero, 64) != 0);
    CHECK(memcmp(a, c, 64) == 0); /* deterministic mode repeats */
    bus_free(&b);
}

/* ---- sifive_test, RTC ---- */
static int stop_code = -1, stop_reset = -1;
static void on_stop(void *opaque, int code, bool reset)
{
    (void)opaque;
    stop_code = code;
    stop_reset = reset;
}

static void test_sifive_test(void)
{
    Bus b;
    bus_init(&b, RAM_BASE, RAM_SIZE);
    SifiveTest *t = sifive_test_create(&b, 0x100000, on_stop, NULL);
    wr(&b, 0x100000, 2, 0x1234);
    CHECK(stop_code == -1);
    wr(&b, 0x100000, 2, 0x5555);
    CHECK(stop_code == 0 && stop_reset == 0);
    wr(&b, 0x100000, 2, 0x3333 | (3u << 16));
    CHECK(stop_code == 3 && stop_reset == 0);
    wr(&b, 0x100000, 2, 0x7777);
    CHECK(stop_code == 0 && stop_reset == 1);
    stop_code = -1;
    wr(&b, 0x100000, 1, 0x5555); /* OpenSBI uses a 16-bit write */
    CHECK(stop_code == 0 && stop_reset == 0);
    free(t);
    bus_free(&b);
}

static uint64_t fake_ns;
static uint64_t ns_now(void *opaque)
{
    (void)opaque;
    return fake_ns;
}

static void test_rtc(void)
{
    Bus b;
    bus_init(&b, RAM_BASE, RAM_SIZE);
    const uint64_t R = 0x101000;
    memset(levels, 0, sizeof(levels));
    fake_ns = 0x123456789abcdefull;
    GoldfishRtc *r = goldfish_rtc_create(&b, R, line(11), ns_now, NULL);
    CHECK(rd(&b, R, 2) == 0x89abcdef);
    fake_ns += 1ull << 32; /* high half latched by the low read */
    CHECK(rd(&b, R + 4, 2) == 0x01234567);
    wr(&b, R + 0x10, 2, 1); /* IRQ enable */
    wr(&b, R + 0x0c, 2, (uint32_t)((fake_ns + 1000) >> 32));
    wr(&b, R + 0x08, 2, (uint32_t)(fake_ns + 1000));
    CHECK(rd(&b, R + 0x18, 2) == 1 && goldfish_rtc_deadline(r) == fake_ns + 1000);
    goldfish_rtc_update(r);
    CHECK(levels[11] == 0);
    fake_ns += 1000;
    goldfish_rtc_update(r);
    CHECK(levels[11] == 1 && rd(&b, R + 0x18, 2) == 0);
    wr(&b, R + 0x1c, 2, 1);
    CHECK(levels[11] == 0);
    /* Setting the time: TIME_HIGH then TIME_LOW. */
    wr(&b, R + 4, 2, 7);
    wr(&b, R, 2, 42);
    CHECK(rd(&b, R, 2) == 42 && rd(&b, R + 4, 2) == 7);
    free(r);
    bus_free(&b);
}

/* ---- loader ---- */
static void put_le(uint8_t *p, int n, uint64_t v)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void write_file(const char *path, const uint8_t *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(d, 1, n, f) == n);
    if (f)
        fclose(f);
}

/* A minimal RISC-V ELF: one PT_LOAD (8 bytes of file, 16 in memory) at
 * 0x80001000, entry 0x80001004, symbols tohost/fromhost. */
static size_t make_elf(uint8_t *e, uint16_t machine)
{
    memset(e, 0, 1024);
    memcpy(e,
           "\x7f"
           "ELF",
           4);
    e[4] = 2; /* 64-bit */
    e[5] = 1; /* little-endian */
    e[6] = 1;
    put_le(e + 16, 2, 2); /* ET_EXEC */
    put_le(e + 18, 2, machine);
    put_le(e + 20, 4, 1);
    put_le(e + 24, 8, 0x80001004);
    put_le(e + 32, 8, 64);  /* phoff */
    put_le(e + 40, 8, 256); /* shoff */
    put_le(e + 52, 2, 64);
    put_le(e + 54, 2, 56);
    put_le(e + 56, 2, 1);
    put_le(e + 58, 2, 64);
    put_le(e + 60, 2, 3);
    uint8_t *ph = e + 64;
    put_le(ph, 4, 1);
    put_le(ph + 8, 8, 128); /* offset */
    put_le(ph + 16, 8, 0x80001000);
    put_le(ph + 24, 8, 0x80001000);
    put_le(ph + 32, 8, 8);
    put_le(ph + 40, 8, 16);
    put_le(e + 128, 8, 0x1122334455667788ull);
    /* symtab at 144 (3 symbols), strtab at 216 */
    put_le(e + 144 + 24, 4, 1);
    put_le(e + 144 + 24 + 8, 8, 0x80001008);
    put_le(e + 144 + 48, 4, 8);
    put_le(e + 144 + 48 + 8, 8, 0x80001040);
    memcpy(e + 216, "\0tohost\0fromhost\0", 17);
    uint8_t *sh = e + 256 + 64; /* [1] symtab */
    put_le(sh + 4, 4, 2);
    put_le(sh + 24, 8, 144);
    put_le(sh + 32, 8, 72);
    put_le(sh + 40, 4, 2);
    put_le(sh + 56, 8, 24);
    sh += 64; /* [2] strtab */
    put_le(sh + 4, 4, 3);
    put_le(sh + 24, 8, 216);
    put_le(sh + 32, 8, 17);
    return 256 + 3 * 64;
}

static void test_loader(void)
{
    Bus b;
    bus_init(&b, RAM_BASE, 4ull << 20);
    LoadInfo li;
    char path[] = "/tmp/kiln-test-load-XXXXXX";
    close(mkstemp(path));
    uint8_t buf[1024];

    printf("(the loader error messages below are expected)\n");
    CHECK(loader_load_kernel(&b, "/nonexistent/Image", RAM_BASE + 0x200000, &li) < 0);
    memset(buf, 'x', sizeof(buf));
    write_file(path, buf, 100);
    CHECK(loader_load_kernel(&b, path, RAM_BASE + 0x200000, &li) < 0); /* not Image/ELF */
    size_t n = make_elf(buf, 62 /* x86-64 */);
    write_file(path, buf, n);
    CHECK(loader_load_kernel(&b, path, RAM_BASE + 0x200000, &li) < 0); /* wrong machine */
    n = make_elf(buf, 243);
    write_file(path, buf, 100);
    CHECK(loader_load_kernel(&b, path, RAM_BASE + 0x200000, &li) < 0); /* truncated */
    put_le(buf + 64 + 24, 8, 0x1000);                                  /* segment outside RAM */
    write_file(path, buf, n);
    CHECK(loader_load_kernel(&b, path, RAM_BASE + 0x200000, &li) < 0);

    make_elf(buf, 243);
    write_file(path, buf, n);
    memset(b.ram + 0x1000, 0xff, 32);
    CHECK(loader_load_kernel(&b, path, RAM_BASE + 0x200000, &li) == 0);
    CHECK(li.kind == LOAD_ELF && li.entry == 0x80001004);
    CHECK(li.low == 0x80001000 && li.high == 0x80001010);
    CHECK(rd(&b, 0x80001000, 3) == 0x1122334455667788ull);
    CHECK(rd(&b, 0x80001008, 3) == 0); /* bss zeroed */
    CHECK(b.ram[0x1010] == 0xff);      /* and nothing beyond */
    CHECK(li.has_tohost && li.tohost == 0x80001008 && li.fromhost == 0x80001040);

    /* Image: header magic, loaded at the given address; image_size checked. */
    memset(buf, 0, sizeof(buf));
    put_le(buf + 8, 8, 0x200000);
    put_le(buf + 16, 8, 0x1000);
    memcpy(buf + 0x30, "RISCV\0\0\0", 8);
    memcpy(buf + 0x38, "RSC\x05", 4);
    buf[0x100] = 0xab;
    write_file(path, buf, 0x200);
    CHECK(loader_load_kernel(&b, path, RAM_BASE + 0x200000, &li) == 0);
    CHECK(li.kind == LOAD_IMAGE && li.entry == RAM_BASE + 0x200000);
    CHECK(li.high == RAM_BASE + 0x201000 && b.ram[0x200100] == 0xab);
    put_le(buf + 16, 8, 64ull << 20); /* bss beyond RAM */
    write_file(path, buf, 0x200);
    CHECK(loader_load_kernel(&b, path, RAM_BASE + 0x200000, &li) < 0);

    /* Raw firmware. */
    CHECK(loader_load_firmware(&b, path, RAM_BASE, 0x200000, &li) == 0);
    CHECK(li.kind == LOAD_RAW && li.entry == RAM_BASE && li.high == RAM_BASE + 0x200);
    CHECK(loader_load_raw(&b, path, RAM_BASE, 0x100, &li) < 0); /* too big for its slot */
    unlink(path);
    bus_free(&b);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0); /* keep order with stderr messages */
    test_bus();
    test_uart();
    test_plic();
    test_clint();
    test_virtio_blk();
    test_virtio_rng();
    test_sifive_test();
    test_rtc();
    test_loader();
    if (failures) {
        printf("test-devices: %d failure(s)\n", failures);
        return 1;
    }
    printf("test-devices: ok\n");
    return 0;
}
