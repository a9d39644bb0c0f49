/* web-stats.c - live run counters for the browser page: kiln_web_stats()
 * copies the attached ExecStats and the CPU's instruction count into a
 * fixed array of doubles (exact up to 2^53) that JS reads from HEAPF64.
 * Layout (KILN_WEB_STAT_*, below) is shared with kiln-worker-main.js. */
#include <emscripten.h>
#include "platform/web-stats.h"
#include "riscv/cpu.h"

/* One row per published counter: name, expression over st and cpu. */
#define KILN_WEB_STATS(X)                                                                          \
    X(INSNS, cpu ? cpu->icount : 0)                                                                \
    X(EXEC_TCI, st->exec_tci)                                                                      \
    X(EXEC_JIT, st->exec_jit)                                                                      \
    X(EXEC_BUNDLE, st->exec_bundle)                                                                \
    X(TBS_TRANSLATED, st->tbs_translated)                                                          \
    X(JIT_AVOIDED, st->jit_avoided)                                                                \
    X(EXEC_BUNDLE_TCI, st->exec_bundle_tci)

enum {
#define KILN_WEB_STAT_ENUM(name, expr) KILN_WEB_STAT_##name,
    KILN_WEB_STATS(KILN_WEB_STAT_ENUM)
#undef KILN_WEB_STAT_ENUM
        KILN_WEB_STAT_COUNT
};

static const ExecStats *web_st;
static const RVCPU *web_cpu;
static double web_out[KILN_WEB_STAT_COUNT + 1]; /* [0]: 1 if attached */

void kiln_web_stats_attach(const ExecStats *st, const struct RVCPU *cpu)
{
    web_st = st;
    web_cpu = cpu;
}

/* Returns the address of [attached, INSNS, EXEC_TCI, EXEC_JIT, EXEC_BUNDLE,
 * TBS_TRANSLATED, JIT_AVOIDED, EXEC_BUNDLE_TCI] as doubles, refreshed by
 * this call; all 0 when no run is attached. */
EMSCRIPTEN_KEEPALIVE const double *kiln_web_stats(void)
{
    const ExecStats *st = web_st;
    const RVCPU *cpu = web_cpu;
    web_out[0] = st ? 1.0 : 0.0;
    if (!st) {
        for (int i = 1; i <= KILN_WEB_STAT_COUNT; i++)
            web_out[i] = 0.0;
        return web_out;
    }
#define KILN_WEB_STAT_SET(name, expr) web_out[1 + KILN_WEB_STAT_##name] = (double)(expr);
    KILN_WEB_STATS(KILN_WEB_STAT_SET)
#undef KILN_WEB_STAT_SET
    return web_out;
}
