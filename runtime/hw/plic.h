/* plic.h - SiFive PLIC with QEMU's register layout: sources 1..PLIC_NSRC,
 * contexts 0 (hart0 M-mode) and 1 (hart0 S-mode).  Sources are
 * level-triggered: plic_set_irq is the IRQSetFunc devices drive. */
#ifndef KILN_PLIC_H
#define KILN_PLIC_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"

#define PLIC_NSRC 95
#define PLIC_NCTX 2
#define PLIC_SIZE 0x600000ull

typedef struct Plic Plic;

/* ctx_lines[i]: output of context i (into the hart).  Freed with free(). */
Plic *plic_create(Bus *bus, uint64_t base, const IRQLine ctx_lines[PLIC_NCTX]);
/* IRQSetFunc: opaque is the Plic, line the source number (1..PLIC_NSRC). */
void plic_set_irq(void *opaque, int line, int level);
/* An IRQLine for source n. */
IRQLine plic_irq(Plic *p, int n);

/* Snapshot state: priorities, line levels, pending/claimed, enables. */
struct SnapWriter;
struct SnapReader;
int plic_snap_save(const Plic *p, struct SnapWriter *w);
int plic_snap_load(Plic *p, struct SnapReader *r);
#endif
