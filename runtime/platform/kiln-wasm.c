/* kiln-wasm.c - `kiln run` for the Emscripten build (kiln.js, run by
 * tools/kiln-node): the native options plus the Wasm tier's --jit-threshold N
 * and --no-jit, then the same machine and loop as runtime/main/kiln.c; exits
 * with the guest's power-off code.  The JIT is not wired yet: every block
 * runs on TCI and the two JIT options are accepted and reported only. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "exec/exec.h"
#include "hw/console.h"
#include "hw/machine.h"
#include "main/options.h"

#define JIT_DEFAULT_THRESHOLD 1000u

/* Options of the Wasm tier (consumed here, before options_parse). */
typedef struct WasmTierOptions {
    bool jit;           /* --no-jit clears it */
    unsigned threshold; /* executions before a block is compiled; 1: all */
} WasmTierOptions;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Removes the Wasm-tier options from argv (compacting it); returns the new
 * argc, or -1 after one message on a bad value. */
static int take_tier_options(int argc, char **argv, WasmTierOptions *t)
{
    int out = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (!strcmp(a, "--no-jit")) {
            t->jit = false;
            continue;
        }
        if (!strcmp(a, "--jit-threshold")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "kiln: option '--jit-threshold' needs an argument (N)\n");
                return -1;
            }
            val = argv[++i];
        } else if (!strncmp(a, "--jit-threshold=", 16)) {
            val = a + 16;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        char *end;
        errno = 0;
        unsigned long v = strtoul(val, &end, 0);
        if (errno || !*val || *end || *val == '-' || v == 0 || v > 0xffffffffu) {
            fprintf(stderr, "kiln: bad JIT threshold '%s' (a count >= 1)\n", val);
            return -1;
        }
        t->threshold = (unsigned)v;
    }
    argv[out] = NULL;
    return out;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

static void print_stats(const ExecStats *st, const WasmTierOptions *t, double secs)
{
    double pct = st->ir_ops_before_opt
                     ? 100.0 * (double)st->ir_ops_after_opt / (double)st->ir_ops_before_opt
                     : 0.0;
    fprintf(stderr,
            "kiln: stats: %.3f s, %llu insns (%.1f MIPS)\n"
            "kiln: stats: tbs translated %llu, executed %llu, invalidated %llu, flushes %llu\n"
            "kiln: stats: chained %llu, jump-cache misses %llu, hash misses %llu\n"
            "kiln: stats: ir ops %llu before opt, %llu after (%.1f%%)\n",
            secs, (unsigned long long)st->insns,
            secs > 0 ? (double)st->insns / secs / 1e6 : 0.0,
            (unsigned long long)st->tbs_translated, (unsigned long long)st->tbs_executed,
            (unsigned long long)st->tbs_invalidated, (unsigned long long)st->tb_flushes,
            (unsigned long long)st->chained, (unsigned long long)st->jc_misses,
            (unsigned long long)st->hash_misses, (unsigned long long)st->ir_ops_before_opt,
            (unsigned long long)st->ir_ops_after_opt, pct);
    /* Per tier: until the JIT lands every block is interpreted. */
    fprintf(stderr,
            "kiln: stats: tiers: tci blocks %llu, executions %llu; jit blocks 0, executions 0, "
            "modules 0, compile 0.000 s\n"
            "kiln: stats: jit: not built (TCI only); %s, threshold %u\n",
            (unsigned long long)st->tbs_translated, (unsigned long long)st->tbs_executed,
            t->jit ? "enabled" : "disabled (--no-jit)", t->threshold);
}

int main(int argc, char **argv)
{
    WasmTierOptions tier = {.jit = true, .threshold = JIT_DEFAULT_THRESHOLD};
    argc = take_tier_options(argc, argv, &tier);
    if (argc < 0)
        return 2;
    KilnOptions o;
    int rc = options_parse(argc, argv, &o);
    if (rc) {
        if (rc > 0 && wants_help(argc, argv))
            printf("\nWasm build (tools/kiln-node) only:\n"
                   "  %-34s %s\n  %-34s %s\n",
                   "--jit-threshold N", "compile a block after N executions (1: all; no-op "
                                        "until the JIT lands)",
                   "--no-jit", "interpret every block (TCI only; today's behaviour)");
        return rc > 0 ? 0 : 2;
    }

    Machine *m = machine_create(&o.machine);
    if (!m)
        return 1;
    console_init();
    ExecStats st = {0};
    double t0 = now();
    int code = exec_run(m, &o.exec, &st);
    double t1 = now();
    console_restore();
    if (o.stats)
        print_stats(&st, &tier, t1 - t0);
    machine_destroy(m);
    return code;
}
