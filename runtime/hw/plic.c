/* plic.c - platform-level interrupt controller (see plic.h).
 * Gateway model: a source is pending while its line is high and it is not
 * claimed; claim clears pending and marks it in service until complete.
 * A context's output is high when some enabled pending source has a
 * priority above the context's threshold. */
#include "hw/plic.h"
#include <stdbool.h>
#include <stdlib.h>
#include "snap/snap.h"

#define PLIC_WORDS ((PLIC_NSRC + 1 + 31) / 32)
#define PLIC_PRIO_MASK 7u

#define PLIC_PRIORITY 0x0
#define PLIC_PENDING 0x1000
#define PLIC_ENABLE 0x2000
#define PLIC_ENABLE_STRIDE 0x80
#define PLIC_CONTEXT 0x200000
#define PLIC_CONTEXT_STRIDE 0x1000

struct Plic {
    IRQLine out[PLIC_NCTX];
    uint32_t prio[PLIC_NSRC + 1];
    uint32_t level[PLIC_WORDS]; /* input line state */
    uint32_t pending[PLIC_WORDS];
    uint32_t claimed[PLIC_WORDS]; /* in service */
    uint32_t enable[PLIC_NCTX][PLIC_WORDS];
    uint32_t threshold[PLIC_NCTX];
};

static bool bit(const uint32_t *w, int n)
{
    return (w[n / 32] >> (n % 32)) & 1;
}

static void set_bit(uint32_t *w, int n, bool v)
{
    if (v)
        w[n / 32] |= 1u << (n % 32);
    else
        w[n / 32] &= ~(1u << (n % 32));
}

/* Best source for a context (0 if none): highest priority above the
 * threshold, lowest number on ties. */
static int plic_best(const Plic *p, int ctx)
{
    int best = 0;
    uint32_t best_prio = p->threshold[ctx];
    for (int w = 0; w < PLIC_WORDS; w++) {
        uint32_t cand = p->pending[w] & p->enable[ctx][w];
        while (cand) {
            int n = w * 32 + __builtin_ctz(cand);
            cand &= cand - 1;
            if (n >= 1 && n <= PLIC_NSRC && p->prio[n] > best_prio) {
                best = n;
                best_prio = p->prio[n];
            }
        }
    }
    return best;
}

static void plic_update(Plic *p)
{
    for (int ctx = 0; ctx < PLIC_NCTX; ctx++)
        irq_set(&p->out[ctx], plic_best(p, ctx) != 0);
}

void plic_set_irq(void *opaque, int line, int level)
{
    Plic *p = opaque;
    if (line < 1 || line > PLIC_NSRC)
        return;
    set_bit(p->level, line, level != 0);
    set_bit(p->pending, line, level != 0 && !bit(p->claimed, line));
    plic_update(p);
}

IRQLine plic_irq(Plic *p, int n)
{
    IRQLine l = {plic_set_irq, p, n};
    return l;
}

static uint32_t plic_read32(Plic *p, uint64_t off)
{
    if (off < PLIC_PENDING) {
        unsigned n = (unsigned)(off / 4);
        return n <= PLIC_NSRC ? p->prio[n] : 0;
    }
    if (off < PLIC_ENABLE) {
        unsigned w = (unsigned)((off - PLIC_PENDING) / 4);
        return w < PLIC_WORDS ? p->pending[w] : 0;
    }
    if (off < PLIC_CONTEXT) {
        unsigned ctx = (unsigned)((off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE);
        unsigned w = (unsigned)((off - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4);
        return ctx < PLIC_NCTX && w < PLIC_WORDS ? p->enable[ctx][w] : 0;
    }
    unsigned ctx = (unsigned)((off - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE);
    unsigned reg = (unsigned)((off - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE);
    if (ctx >= PLIC_NCTX)
        return 0;
    if (reg == 0)
        return p->threshold[ctx];
    if (reg == 4) { /* claim */
        int n = plic_best(p, (int)ctx);
        if (n) {
            set_bit(p->pending, n, false);
            set_bit(p->claimed, n, true);
            plic_update(p);
        }
        return (uint32_t)n;
    }
    return 0;
}

static void plic_write32(Plic *p, uint64_t off, uint32_t val)
{
    if (off < PLIC_PENDING) {
        unsigned n = (unsigned)(off / 4);
        if (n >= 1 && n <= PLIC_NSRC)
            p->prio[n] = val & PLIC_PRIO_MASK;
    } else if (off < PLIC_ENABLE) {
        return; /* pending bits are read-only */
    } else if (off < PLIC_CONTEXT) {
        unsigned ctx = (unsigned)((off - PLIC_ENABLE) / PLIC_ENABLE_STRIDE);
        unsigned w = (unsigned)((off - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4);
        if (ctx >= PLIC_NCTX || w >= PLIC_WORDS)
            return;
        if (w == 0)
            val &= ~1u; /* source 0 does not exist */
        if (w == PLIC_WORDS - 1 && (PLIC_NSRC + 1) % 32)
            val &= (1u << ((PLIC_NSRC + 1) % 32)) - 1;
        p->enable[ctx][w] = val;
    } else {
        unsigned ctx = (unsigned)((off - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE);
        unsigned reg = (unsigned)((off - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE);
        if (ctx >= PLIC_NCTX)
            return;
        if (reg == 0) {
            p->threshold[ctx] = val & PLIC_PRIO_MASK;
        } else if (reg == 4) { /* complete */
            if (val >= 1 && val <= PLIC_NSRC && bit(p->claimed, (int)val)) {
                set_bit(p->claimed, (int)val, false);
                if (bit(p->level, (int)val))
                    set_bit(p->pending, (int)val, true);
            }
        }
    }
    plic_update(p);
}

static uint64_t plic_read(void *opaque, uint64_t off, int size_log2)
{
    Plic *p = opaque;
    if (size_log2 == 3)
        return plic_read32(p, off) | (uint64_t)plic_read32(p, off + 4) << 32;
    if (size_log2 == 2)
        return plic_read32(p, off);
    return 0;
}

static void plic_write(void *opaque, uint64_t off, uint64_t val, int size_log2)
{
    Plic *p = opaque;
    if (size_log2 == 3) {
        plic_write32(p, off, (uint32_t)val);
        plic_write32(p, off + 4, (uint32_t)(val >> 32));
    } else if (size_log2 == 2) {
        plic_write32(p, off, (uint32_t)val);
    }
}

Plic *plic_create(Bus *bus, uint64_t base, const IRQLine ctx_lines[PLIC_NCTX])
{
    Plic *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    for (int i = 0; i < PLIC_NCTX; i++)
        p->out[i] = ctx_lines[i];
    bus_add(bus, "plic", base, PLIC_SIZE, p, plic_read, plic_write);
    return p;
}

static void put_words(SnapWriter *w, const uint32_t *v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        snap_put_u32(w, v[i]);
}

static void get_words(SnapReader *r, uint32_t *v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        v[i] = snap_get_u32(r);
}

int plic_snap_save(const Plic *p, SnapWriter *w)
{
    snap_put_u32(w, PLIC_NSRC);
    snap_put_u32(w, PLIC_NCTX);
    put_words(w, p->prio, PLIC_NSRC + 1);
    put_words(w, p->level, PLIC_WORDS);
    put_words(w, p->pending, PLIC_WORDS);
    put_words(w, p->claimed, PLIC_WORDS);
    for (int c = 0; c < PLIC_NCTX; c++)
        put_words(w, p->enable[c], PLIC_WORDS);
    put_words(w, p->threshold, PLIC_NCTX);
    return w->err ? -1 : 0;
}

/* The context output lines are not re-driven: the CPU's saved irq_lines
 * hold them. */
int plic_snap_load(Plic *p, SnapReader *r)
{
    Plic t = *p;
    if (snap_get_u32(r) != PLIC_NSRC || snap_get_u32(r) != PLIC_NCTX)
        return -1;
    get_words(r, t.prio, PLIC_NSRC + 1);
    get_words(r, t.level, PLIC_WORDS);
    get_words(r, t.pending, PLIC_WORDS);
    get_words(r, t.claimed, PLIC_WORDS);
    for (int c = 0; c < PLIC_NCTX; c++)
        get_words(r, t.enable[c], PLIC_WORDS);
    get_words(r, t.threshold, PLIC_NCTX);
    if (!snap_reader_done(r))
        return -1;
    if (!r->dry_run)
        *p = t;
    return 0;
}
