/* web-stats.h - live run counters for the browser page (Emscripten only).
 * kiln.c attaches the run's ExecStats and CPU before exec_run; the worker
 * glue (runtime/web/kiln-worker-main.js, Module.kilnStats) reads them while
 * the run loop polls console input. */
#ifndef KILN_PLATFORM_WEB_STATS_H
#define KILN_PLATFORM_WEB_STATS_H
#include "exec/exec.h"

struct RVCPU;

/* Publish st and cpu (both live until exec_run returns); NULLs detach. */
void kiln_web_stats_attach(const ExecStats *st, const struct RVCPU *cpu);

#endif
