/* kiln.c - `kiln run`: the native entry point.  Parses options, builds the
 * machine, runs it, exits with the guest's power-off code. */
#include <stdio.h>
#include <time.h>
#include "exec/bundle.h"
#include "exec/exec.h"
#include "exec/jit.h"
#include "hw/console.h"
#include "hw/machine.h"
#include "main/options.h"
#ifdef __EMSCRIPTEN__
#include "platform/web-stats.h"
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_jit_stats(const ExecStats *st)
{
    const JitStats *j = jit_stats();
    fprintf(stderr, "kiln: stats: tiers: tci executions %llu, jit executions %llu, bundle executions %llu\n",
            (unsigned long long)st->exec_tci, (unsigned long long)st->exec_jit,
            (unsigned long long)st->exec_bundle);
    bundle_print_stats(stderr, st);
    if (!jit_enabled()) {
        fprintf(stderr, "kiln: stats: jit: off (%s)\n",
                st->exec_jit ? "disabled" : "no Wasm backend in this build, or --no-jit");
        return;
    }
    fprintf(stderr,
            "kiln: stats: jit: blocks queued %llu, compiled %llu, failed %llu, emit failed %llu\n"
            "kiln: stats: jit: modules %llu (peak live %llu, merges %llu, drops %llu), %llu bytes, compile %.1f ms "
            "(%.1f us/block)\n",
            (unsigned long long)j->queued, (unsigned long long)j->compiled,
            (unsigned long long)j->failed, (unsigned long long)j->emit_failed,
            (unsigned long long)j->modules, (unsigned long long)j->peak_live_modules,
            (unsigned long long)j->merges,
            (unsigned long long)j->drops, (unsigned long long)j->module_bytes,
            (double)j->compile_ns / 1e6,
            j->compiled ? (double)j->compile_ns / 1e3 / (double)j->compiled : 0.0);
}

static void print_stats(const ExecStats *st, double secs)
{
    fprintf(stderr,
            "kiln: stats: %.3f s, %llu insns (%.1f MIPS)\n"
            "kiln: stats: tbs translated %llu, executed %llu, invalidated %llu, flushes %llu\n"
            "kiln: stats: chained %llu, jump-cache misses %llu, hash misses %llu\n"
            "kiln: stats: ir ops %llu before opt, %llu after (%.1f%%)\n",
            secs, (unsigned long long)st->insns, secs > 0 ? (double)st->insns / secs / 1e6 : 0.0,
            (unsigned long long)st->tbs_translated, (unsigned long long)st->tbs_executed,
            (unsigned long long)st->tbs_invalidated, (unsigned long long)st->tb_flushes,
            (unsigned long long)st->chained, (unsigned long long)st->jc_misses, (unsigned long long)st->hash_misses,
            (unsigned long long)st->ir_ops_before_opt, (unsigned long long)st->ir_ops_after_opt,
            st->ir_ops_before_opt ? 100.0 * (double)st->ir_ops_after_opt /
                                        (double)st->ir_ops_before_opt
                                  : 0.0);
}

int main(int argc, char **argv)
{
    KilnOptions o;
    int rc = options_parse(argc, argv, &o);
    if (rc)
        return rc > 0 ? 0 : 2;

#ifdef __EMSCRIPTEN__
    jit_platform_register();
#endif
    Machine *m = machine_create(&o.machine);
    if (!m)
        return 1;
    console_init();
    ExecStats st = {0};
#ifdef __EMSCRIPTEN__
    kiln_web_stats_attach(&st, machine_cpu(m)); /* live counters for the page */
#endif
    double t0 = now();
    int code = exec_run(m, &o.exec, &st);
    double t1 = now();
    console_restore();
    if (o.stats) {
        print_stats(&st, t1 - t0);
        print_jit_stats(&st);
    }
    machine_destroy(m);
    machine_snapshot_release();
    return code;
}
