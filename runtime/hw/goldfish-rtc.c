/* goldfish-rtc.c - Goldfish RTC (see goldfish-rtc.h).
 * Reading TIME_LOW latches TIME_HIGH; writing TIME_HIGH then TIME_LOW sets
 * the clock (kept as an offset from the source); writing ALARM_LOW arms
 * the alarm at ALARM_HIGH:ALARM_LOW. */
#include "hw/goldfish-rtc.h"
#include <stdbool.h>
#include <stdlib.h>
#include "snap/snap.h"

enum {
    RTC_TIME_LOW = 0x00,
    RTC_TIME_HIGH = 0x04,
    RTC_ALARM_LOW = 0x08,
    RTC_ALARM_HIGH = 0x0c,
    RTC_IRQ_ENABLED = 0x10,
    RTC_CLEAR_ALARM = 0x14,
    RTC_ALARM_STATUS = 0x18,
    RTC_CLEAR_INTERRUPT = 0x1c,
};

struct GoldfishRtc {
    IRQLine irq;
    RtcTimeFunc *now;
    void *now_opaque;
    uint64_t offset;    /* guest time = now() + offset */
    uint32_t time_high; /* latched by a TIME_LOW read */
    uint32_t set_high;  /* written TIME_HIGH, applied by TIME_LOW */
    uint64_t alarm;
    uint32_t alarm_high;
    bool alarm_armed, irq_enabled, irq_pending;
};

static uint64_t rtc_time(const GoldfishRtc *r)
{
    return r->now(r->now_opaque) + r->offset;
}

static void rtc_irq(GoldfishRtc *r)
{
    irq_set(&r->irq, r->irq_enabled && r->irq_pending);
}

void goldfish_rtc_update(GoldfishRtc *r)
{
    if (r->alarm_armed && rtc_time(r) >= r->alarm) {
        r->alarm_armed = false;
        r->irq_pending = true;
    }
    rtc_irq(r);
}

uint64_t goldfish_rtc_deadline(const GoldfishRtc *r)
{
    return r->alarm_armed ? r->alarm - r->offset : UINT64_MAX;
}

static uint64_t rtc_read(void *opaque, uint64_t off, int size_log2)
{
    GoldfishRtc *r = opaque;
    (void)size_log2;
    switch (off) {
    case RTC_TIME_LOW: {
        uint64_t t = rtc_time(r);
        r->time_high = (uint32_t)(t >> 32);
        return (uint32_t)t;
    }
    case RTC_TIME_HIGH: return r->time_high;
    case RTC_ALARM_LOW: return (uint32_t)r->alarm;
    case RTC_ALARM_HIGH: return (uint32_t)(r->alarm >> 32);
    case RTC_IRQ_ENABLED: return r->irq_enabled;
    case RTC_ALARM_STATUS: return r->alarm_armed;
    default: return 0;
    }
}

static void rtc_write(void *opaque, uint64_t off, uint64_t val, int size_log2)
{
    GoldfishRtc *r = opaque;
    (void)size_log2;
    switch (off) {
    case RTC_TIME_LOW: {
        uint64_t t = (uint64_t)r->set_high << 32 | (uint32_t)val;
        r->offset = t - r->now(r->now_opaque);
        break;
    }
    case RTC_TIME_HIGH: r->set_high = (uint32_t)val; break;
    case RTC_ALARM_LOW:
        r->alarm = (uint64_t)r->alarm_high << 32 | (uint32_t)val;
        r->alarm_armed = true;
        break;
    case RTC_ALARM_HIGH: r->alarm_high = (uint32_t)val; break;
    case RTC_IRQ_ENABLED: r->irq_enabled = val & 1; break;
    case RTC_CLEAR_ALARM: r->alarm_armed = false; break;
    case RTC_CLEAR_INTERRUPT: r->irq_pending = false; break;
    default: break;
    }
    goldfish_rtc_update(r);
}

GoldfishRtc *goldfish_rtc_create(Bus *bus, uint64_t base, IRQLine irq, RtcTimeFunc *now,
                                 void *now_opaque)
{
    GoldfishRtc *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->irq = irq;
    r->now = now;
    r->now_opaque = now_opaque;
    bus_add(bus, "goldfish_rtc", base, GOLDFISH_RTC_SIZE, r, rtc_read, rtc_write);
    return r;
}

int goldfish_rtc_snap_save(const GoldfishRtc *r, SnapWriter *w)
{
    snap_put_u64(w, r->offset);
    snap_put_u32(w, r->time_high);
    snap_put_u32(w, r->set_high);
    snap_put_u64(w, r->alarm);
    snap_put_u32(w, r->alarm_high);
    snap_put_u8(w, r->alarm_armed);
    snap_put_u8(w, r->irq_enabled);
    snap_put_u8(w, r->irq_pending);
    return w->err ? -1 : 0;
}

int goldfish_rtc_snap_load(GoldfishRtc *r, SnapReader *rd)
{
    GoldfishRtc t = *r;
    t.offset = snap_get_u64(rd);
    t.time_high = snap_get_u32(rd);
    t.set_high = snap_get_u32(rd);
    t.alarm = snap_get_u64(rd);
    t.alarm_high = snap_get_u32(rd);
    t.alarm_armed = snap_get_bool(rd);
    t.irq_enabled = snap_get_bool(rd);
    t.irq_pending = snap_get_bool(rd);
    if (!snap_reader_done(rd))
        return -1;
    if (!rd->dry_run)
        *r = t;
    return 0;
}
