/* uart.c - NS16550A UART (see uart.h).
 * Interrupts (IIR priority order): receiver line status (never raised:
 * no errors), received data (IER.ERBFI and data in the FIFO), THR empty
 * (IER.ETBEI; cleared by reading IIR while it reports it or by a THR
 * write, re-armed when the instant transmit completes), modem status
 * (IER.EDSSI and a delta bit in MSR).  The IRQ line is high while IIR
 * reports an interrupt. */
#include "hw/uart.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "snap/snap.h"

enum {
    REG_RBR_THR = 0,
    REG_IER = 1,
    REG_IIR_FCR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* THR empty */
#define IER_ELSI 0x04  /* receiver line status */
#define IER_EDSSI 0x08 /* modem status */

#define IIR_NONE 0x01
#define IIR_MSR 0x00
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_FIFO_ON 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB 0x80
#define MCR_LOOP 0x10

#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DELTAS 0x0f

struct Uart {
    IRQLine irq;
    UartTxFunc *tx;
    void *tx_opaque;
    uint8_t ier, lcr, mcr, msr_deltas, scr, fcr, dll, dlm;
    bool thr_ipending;
    uint8_t fifo[UART_FIFO_SIZE];
    int head, count;
};

static uint8_t uart_msr(const Uart *u)
{
    uint8_t lines;
    if (u->mcr & MCR_LOOP) /* CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2 */
        lines = (uint8_t)(((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) | ((u->mcr & 0x04) << 4) |
                          ((u->mcr & 0x08) << 4));
    else
        lines = 0xb0; /* DCD, DSR, CTS asserted: a cable is always there */
    return lines | u->msr_deltas;
}

static uint8_t uart_iir_id(const Uart *u)
{
    if ((u->ier & IER_ERBFI) && u->count)
        return IIR_RDA;
    if ((u->ier & IER_ETBEI) && u->thr_ipending)
        return IIR_THRE;
    if ((u->ier & IER_EDSSI) && (u->msr_deltas & MSR_DELTAS))
        return IIR_MSR;
    return IIR_NONE;
}

static void uart_update(Uart *u)
{
    irq_set(&u->irq, uart_iir_id(u) != IIR_NONE);
}

int uart_rx_room(const Uart *u)
{
    int cap = (u->fcr & FCR_ENABLE) ? UART_FIFO_SIZE : 1;
    return u->count < cap ? cap - u->count : 0;
}

static void rx_push(Uart *u, uint8_t byte)
{
    if (u->count < UART_FIFO_SIZE) {
        u->fifo[(u->head + u->count) % UART_FIFO_SIZE] = byte;
        u->count++;
    }
}

void uart_receive(Uart *u, uint8_t byte)
{
    if (uart_rx_room(u) > 0)
        rx_push(u, byte);
    uart_update(u);
}

static uint64_t uart_read(void *opaque, uint64_t off, int size_log2)
{
    Uart *u = opaque;
    uint8_t v = 0;
    (void)size_log2;
    switch (off) {
    case REG_RBR_THR:
        if (u->lcr & LCR_DLAB) {
            v = u->dll;
        } else if (u->count) {
            v = u->fifo[u->head];
            u->head = (u->head + 1) % UART_FIFO_SIZE;
            u->count--;
        }
        break;
    case REG_IER: v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier; break;
    case REG_IIR_FCR:
        v = uart_iir_id(u);
        if (v == IIR_THRE)
            u->thr_ipending = false; /* reading IIR acknowledges THRE */
        if (u->fcr & FCR_ENABLE)
            v |= IIR_FIFO_ON;
        break;
    case REG_LCR: v = u->lcr; break;
    case REG_MCR: v = u->mcr; break;
    case REG_LSR: v = LSR_THRE | LSR_TEMT | (u->count ? LSR_DR : 0); break;
    case REG_MSR:
        v = uart_msr(u);
        u->msr_deltas = 0;
        break;
    case REG_SCR: v = u->scr; break;
    default: break;
    }
    uart_update(u);
    return v;
}

static void uart_write(void *opaque, uint64_t off, uint64_t val64, int size_log2)
{
    Uart *u = opaque;
    uint8_t val = (uint8_t)val64;
    (void)size_log2;
    switch (off) {
    case REG_RBR_THR:
        if (u->lcr & LCR_DLAB) {
            u->dll = val;
            break;
        }
        if (u->mcr & MCR_LOOP)
            rx_push(u, val);
        else
            u->tx(u->tx_opaque, val);
        u->thr_ipending = true; /* transmit done at once: THR empty again */
        break;
    case REG_IER:
        if (u->lcr & LCR_DLAB) {
            u->dlm = val;
            break;
        }
        /* Enabling ETBEI while THR is empty raises THRE at once. */
        if ((val & IER_ETBEI) && !(u->ier & IER_ETBEI))
            u->thr_ipending = true;
        u->ier = val & 0x0f;
        break;
    case REG_IIR_FCR:
        if ((val ^ u->fcr) & FCR_ENABLE)
            u->count = 0; /* changing FIFO mode clears the FIFOs */
        if (val & FCR_CLEAR_RX)
            u->count = 0;
        u->fcr = val & 0xc9; /* enable, DMA mode, trigger level */
        break;
    case REG_LCR: u->lcr = val; break;
    case REG_MCR: {
        uint8_t old = uart_msr(u);
        u->mcr = val & 0x1f;
        uint8_t now = uart_msr(u);
        /* Delta bits: DCTS, DDSR, TERI (RI falling edge), DDCD. */
        uint8_t ch = (uint8_t)(old ^ now);
        u->msr_deltas |= (uint8_t)(((ch >> 4) & 0x0b) | ((old & ~now & 0x40) >> 4));
        break;
    }
    case REG_SCR: u->scr = val; break;
    default: break;
    }
    uart_update(u);
}

Uart *uart_create(Bus *bus, uint64_t base, IRQLine irq, UartTxFunc *tx, void *tx_opaque)
{
    Uart *u = calloc(1, sizeof(*u));
    if (!u)
        return NULL;
    u->irq = irq;
    u->tx = tx;
    u->tx_opaque = tx_opaque;
    bus_add(bus, "uart", base, UART_SIZE, u, uart_read, uart_write);
    return u;
}

int uart_snap_save(const Uart *u, SnapWriter *w)
{
    const uint8_t regs[8] = {u->ier, u->lcr, u->mcr, u->msr_deltas, u->scr, u->fcr, u->dll, u->dlm};
    snap_put_bytes(w, regs, sizeof(regs));
    snap_put_u8(w, u->thr_ipending);
    snap_put_bytes(w, u->fifo, UART_FIFO_SIZE);
    snap_put_u8(w, (uint8_t)u->head);
    snap_put_u8(w, (uint8_t)u->count);
    return w->err ? -1 : 0;
}

/* The IRQ line level is not re-driven: the PLIC's saved line state holds it. */
int uart_snap_load(Uart *u, SnapReader *r)
{
    Uart t = *u;
    const uint8_t *regs = snap_get_bytes(r, 8);
    if (regs) {
        t.ier = regs[0], t.lcr = regs[1], t.mcr = regs[2], t.msr_deltas = regs[3];
        t.scr = regs[4], t.fcr = regs[5], t.dll = regs[6], t.dlm = regs[7];
    }
    t.thr_ipending = snap_get_bool(r);
    const uint8_t *fifo = snap_get_bytes(r, UART_FIFO_SIZE);
    if (fifo)
        memcpy(t.fifo, fifo, UART_FIFO_SIZE);
    t.head = snap_get_u8(r);
    t.count = snap_get_u8(r);
    if (t.head >= UART_FIFO_SIZE || t.count > UART_FIFO_SIZE || !snap_reader_done(r))
        return -1;
    if (!r->dry_run)
        *u = t;
    return 0;
}
