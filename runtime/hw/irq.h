/* irq.h - an interrupt line: a device raises/lowers it, the sink (PLIC or
 * CPU) decides what it means. */
#ifndef KILN_IRQ_H
#define KILN_IRQ_H

typedef void IRQSetFunc(void *opaque, int line, int level);

typedef struct IRQLine {
    IRQSetFunc *set;
    void *opaque;
    int line;
} IRQLine;

static inline void irq_set(const IRQLine *irq, int level)
{
    if (irq->set)
        irq->set(irq->opaque, irq->line, level);
}

#endif
