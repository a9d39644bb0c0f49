/* uart.h - NS16550A (byte registers, reg-shift 0).  Transmit is instant:
 * every THR write goes to the tx callback in order.  The board pushes
 * received bytes with uart_receive while uart_rx_room() > 0. */
#ifndef KILN_UART_H
#define KILN_UART_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"

#define UART_SIZE 0x100ull
#define UART_FIFO_SIZE 16

typedef void UartTxFunc(void *opaque, uint8_t byte);
typedef struct Uart Uart;

/* Freed with free(). */
Uart *uart_create(Bus *bus, uint64_t base, IRQLine irq, UartTxFunc *tx, void *tx_opaque);
/* Free receive slots (0 when full; 1 deep when the FIFO is disabled). */
int uart_rx_room(const Uart *u);
void uart_receive(Uart *u, uint8_t byte);

/* Snapshot state (snap/snap.h): FIFO, registers, pending THRE. */
struct SnapWriter;
struct SnapReader;
int uart_snap_save(const Uart *u, struct SnapWriter *w);
int uart_snap_load(Uart *u, struct SnapReader *r);
#endif
