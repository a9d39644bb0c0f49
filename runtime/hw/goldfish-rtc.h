/* goldfish-rtc.h - Goldfish real-time clock: nanoseconds since the Unix
 * epoch from a board callback (host time, or a fixed epoch plus virtual
 * time in deterministic mode), one alarm, one interrupt line. */
#ifndef KILN_GOLDFISH_RTC_H
#define KILN_GOLDFISH_RTC_H
#include <stdint.h>
#include "hw/bus.h"
#include "hw/irq.h"

#define GOLDFISH_RTC_SIZE 0x1000ull

typedef uint64_t RtcTimeFunc(void *opaque); /* ns since 1970-01-01 UTC */
typedef struct GoldfishRtc GoldfishRtc;

/* Freed with free(). */
GoldfishRtc *goldfish_rtc_create(Bus *bus, uint64_t base, IRQLine irq, RtcTimeFunc *now,
                                 void *now_opaque);
/* Fire the alarm if its time has come. */
void goldfish_rtc_update(GoldfishRtc *r);
/* Source-clock time (ns, as `now` returns it) of the armed alarm, or
 * UINT64_MAX. */
uint64_t goldfish_rtc_deadline(const GoldfishRtc *r);

/* Snapshot state: offset, latches, alarm, interrupt bits. */
struct SnapWriter;
struct SnapReader;
int goldfish_rtc_snap_save(const GoldfishRtc *r, struct SnapWriter *w);
int goldfish_rtc_snap_load(GoldfishRtc *r, struct SnapReader *rd);
#endif
