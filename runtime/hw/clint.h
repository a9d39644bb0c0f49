/* clint.h - SiFive CLINT for one hart: msip (0x0), mtimecmp (0x4000),
 * mtime (0xbff8).  mtime comes from the board clock through a callback. */
#ifndef KILN_CLINT_H
#define KILN_CLINT_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"

#define CLINT_SIZE 0x10000ull

typedef uint64_t ClintTimeFunc(void *opaque); /* current time in ticks */
typedef struct Clint Clint;

/* mtip/msip: lines into the hart.  The caller frees the result with free(). */
Clint *clint_create(Bus *bus, uint64_t base, IRQLine mtip, IRQLine msip, ClintTimeFunc *now,
                    void *now_opaque);
/* Re-evaluate MTIP = (mtime >= mtimecmp) against the current clock. */
void clint_update(Clint *c);
/* The board-clock tick at which MTIP will rise (UINT64_MAX: never). */
uint64_t clint_deadline(const Clint *c);

/* Snapshot state: msip, mtimecmp, mtime offset. */
struct SnapWriter;
struct SnapReader;
int clint_snap_save(const Clint *c, struct SnapWriter *w);
int clint_snap_load(Clint *c, struct SnapReader *r);
#endif
