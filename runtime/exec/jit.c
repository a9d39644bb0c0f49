/* jit.c - lazy JIT policy (see jit.h): queue hot TBs, re-translate them
 * from their physical code bytes, emit one Wasm module per batch with the
 * shared IR->Wasm emitter, install it through the platform backend. */
#include "exec/jit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "exec/exec.h"
#include "exec/tb.h"
#include "hw/bus.h"
#include "ir/opt.h"
#include "riscv/cpu.h"
#include "riscv/translate-internal.h"
#include "wasm/emit.h"

static struct {
    JitOptions opt;
    JitInstallFn *install;
    JitReleaseFn *release;
    bool on;
    WasmABI abi;
    uint32_t helper_index[HELPER_COUNT];
    TB **queue;
    unsigned nqueued;
    TB *singles[JIT_MERGE_SINGLES]; /* stress mode: TBs in single-TB modules */
    unsigned nsingles;
    uint64_t first_queued_at; /* icount when the oldest queued TB was queued */
    /* Table indices handed out by install, for jit_drop_all. */
    uint32_t *installed;
    size_t ninstalled, cap_installed;
    JitStats stats;
} jit;

static void compile_now(RVCPU *cpu, TB *tb);

void jit_set_backend(JitInstallFn *install, JitReleaseFn *release)
{
    jit.install = install;
    jit.release = release;
}

unsigned jit_effective_threshold(void)
{
    return jit.opt.threshold;
}

bool jit_enabled(void)
{
    return jit.on;
}

const JitStats *jit_stats(void)
{
    return &jit.stats;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The ABI the emitted code is built against: this runtime's own offsets and,
 * since a C function pointer is a table index under Emscripten, its own
 * helpers' table indices. */
static void fill_abi(void)
{
    const IRContext *ctx = &rv_ir_context;
    memset(&jit.abi, 0, sizeof(jit.abi));
    jit.abi.version = WASM_ABI_VERSION;
    jit.abi.tb_pc_offset = CPU_OFF(tb_pc);
    jit.abi.icount_offset = CPU_OFF(icount);
    jit.abi.icount_limit_offset = CPU_OFF(icount_limit);
    jit.abi.exit_status_offset = ctx->exit_status_offset;
    jit.abi.tlb_offset = ctx->tlb_offset;
    jit.abi.scratch_offset = ctx->frame_offset; /* frame slot 0: TCI's, unused by Wasm code */
    jit.abi.load_slow_index = (uint32_t)(uintptr_t)ctx->load_slow;
    jit.abi.store_slow_index = (uint32_t)(uintptr_t)ctx->store_slow;
    for (unsigned i = 0; i < ctx->nhelpers && i < HELPER_COUNT; i++)
        jit.helper_index[i] = (uint32_t)(uintptr_t)ctx->helpers[i].fn;
    jit.abi.helper_index = jit.helper_index;
    jit.abi.nhelpers = ctx->nhelpers;
}

bool jit_init(const JitOptions *opt)
{
    jit.opt = *opt;
    if (jit.opt.stress)
        jit.opt.threshold = 1;
    if (!jit.opt.threshold)
        jit.opt.threshold = JIT_DEFAULT_THRESHOLD;
    if (!jit.opt.batch)
        jit.opt.batch = JIT_DEFAULT_BATCH;
    if (jit.opt.batch > JIT_MAX_BATCH)
        jit.opt.batch = JIT_MAX_BATCH;
    if (!jit.opt.max_modules)
        jit.opt.max_modules = jit.opt.stress ? JIT_STRESS_MAX_MODULES : JIT_DEFAULT_MAX_MODULES;
    jit.on = opt->enabled && jit.install != NULL;
    if (!jit.on)
        return !opt->enabled;
    fill_abi();
    jit.queue = calloc(jit.opt.batch, sizeof(TB *));
    if (!jit.queue) {
        jit.on = false;
        return false;
    }
    return true;
}

/* Code source for re-translation: the TB's own physical pages, and nothing
 * past its end, so the result is the TB that TCI ran. */
typedef struct TBSource {
    const TB *tb;
    Bus *bus;
} TBSource;

static int tb_fetch(void *opaque, uint64_t vaddr, uint16_t *insn, uint64_t *paddr)
{
    const TBSource *s = opaque;
    const TB *tb = s->tb;
    if (vaddr < tb->pc || vaddr + 2 > tb->pc + tb->size)
        return EXC_INSN_ACCESS;
    bool first = ((vaddr ^ tb->pc) & TLB_PAGE_MASK) == 0;
    uint64_t page = first ? tb->phys_page[0] : tb->phys_page[1];
    if (page == TB_NO_PAGE)
        return EXC_INSN_ACCESS;
    uint64_t pa = page + (vaddr & ~TLB_PAGE_MASK);
    const uint8_t *p = bus_ram_ptr(s->bus, pa, 2);
    if (!p)
        return EXC_INSN_ACCESS;
    *insn = (uint16_t)(p[0] | p[1] << 8);
    *paddr = pa;
    return 0;
}

void jit_enqueue(RVCPU *cpu, TB *tb)
{
    if (!jit.on || tb->jit_state != TB_JIT_NONE)
        return;
    if (jit.opt.stress) {
        compile_now(cpu, tb);
        return;
    }
    tb->jit_state = TB_JIT_QUEUED;
    if (!jit.nqueued)
        jit.first_queued_at = cpu->icount;
    jit.queue[jit.nqueued++] = tb;
    jit.stats.queued++;
    if (jit.nqueued >= jit.opt.batch)
        jit_compile_pending(cpu);
}

static void remember_installed(uint32_t idx)
{
    if (jit.ninstalled == jit.cap_installed) {
        size_t cap = jit.cap_installed ? jit.cap_installed * 2 : 1024;
        uint32_t *p = realloc(jit.installed, cap * sizeof(*p));
        if (!p)
            return; /* only costs a table slot until exit */
        jit.installed = p;
        jit.cap_installed = cap;
    }
    jit.installed[jit.ninstalled++] = idx;
}

/* Re-translate tbs[0..n) from their code bytes, emit them as one module and
 * install it.  TBs that are invalid or cannot be emitted are skipped; the
 * others get their new entry in jit_fn (an old one is overwritten: the
 * caller releases it).  Returns the number installed. */
static unsigned build_module(RVCPU *cpu, TB **tbs, unsigned n)
{
    static IRFunc f;
    static RVTBInfo info;
    WasmModuleBuilder mb;
    WasmModuleOptions mo = {.mem_min_pages = 1, .mem_max_pages = -1, .shared_memory = false};
    TB *members[JIT_MAX_BATCH];
    unsigned nmembers = 0;
    TBSource src = {.bus = cpu->bus};
    uint64_t t0 = now_ns();

    wasm_mb_init(&mb);
    if (wasm_emit_module_init(&mb, &jit.abi, &mo)) {
        wasm_mb_free(&mb);
        jit.on = false;
        fprintf(stderr, "kiln: warning: JIT disabled: cannot build a module\n");
        return 0;
    }
    for (unsigned i = 0; i < n && nmembers < JIT_MAX_BATCH; i++) {
        TB *tb = tbs[i];
        if (!tb->valid)
            continue;
        uint64_t tval;
        src.tb = tb;
        if (rv_translate_fetch(tb_fetch, &src, tb->pc, tb->flags, &f, &info, &tval) ||
            info.size != tb->size || info.ninsns != tb->ninsns) {
            jit.stats.emit_failed++;
            continue;
        }
        opt_run(&f);
        if (wasm_emit_func(&mb, &f, &jit.abi) < 0) {
            jit.stats.emit_failed++;
            continue;
        }
        members[nmembers++] = tb;
    }
    unsigned installed = 0;
    if (nmembers) {
        WasmBuf out;
        wasm_buf_init(&out);
        uint32_t idx[JIT_MAX_BATCH];
        int bad = wasm_mb_finish(&mb, &out);
        /* Test switch: a truncated module, which the engine must reject. */
        if (!bad && jit.opt.corrupt_modules)
            out.len--;
        if (bad || jit.install(out.data, out.len, nmembers, idx)) {
            if (!jit.stats.failed)
                fprintf(stderr, "kiln: warning: a JIT module was rejected; its blocks stay on TCI "
                                "(--stats counts all failures)\n");
            jit.stats.failed += nmembers;
        } else {
            for (unsigned i = 0; i < nmembers; i++) {
                members[i]->jit_fn = idx[i];
                members[i]->jit_state = TB_JIT_COMPILED;
                remember_installed(idx[i]);
            }
            installed = nmembers;
            jit.stats.compiled += nmembers;
            jit.stats.modules++;
            jit.stats.live_modules++;
            if (jit.stats.live_modules > jit.stats.peak_live_modules)
                jit.stats.peak_live_modules = jit.stats.live_modules;
            jit.stats.module_bytes += out.len;
        }
        wasm_buf_free(&out);
    }
    wasm_mb_free(&mb);
    jit.stats.compile_ns += now_ns() - t0;
    return installed;
}

/* Release one installed table index (and forget it for jit_drop_all). */
static void release_index(uint32_t idx)
{
    for (size_t i = jit.ninstalled; i-- > 0;) {
        if (jit.installed[i] == idx) {
            jit.installed[i] = jit.installed[--jit.ninstalled];
            break;
        }
    }
    if (jit.release)
        jit.release(idx);
}

/* Bounded module count: drop all compiled code at the next safe point;
 * the TBs are re-translated (and re-queued) as they run.  Returns true if
 * the limit was reached. */
static bool over_module_limit(RVCPU *cpu)
{
    if (jit.stats.live_modules < jit.opt.max_modules)
        return false;
    exec_flush_all();
    cpu_request_poll(cpu); /* the flush happens at the next poll */
    return true;
}

/* Stress mode: single-TB modules are merged into one module
 * once JIT_MERGE_SINGLES of them exist ("recompile rather than evict"), so
 * every TB runs compiled from its first execution while the module count
 * stays bounded. */
static void merge_singles(RVCPU *cpu)
{
    uint32_t old[JIT_MERGE_SINGLES];
    unsigned n = jit.nsingles;
    for (unsigned i = 0; i < n; i++)
        old[i] = jit.singles[i]->jit_fn;
    jit.nsingles = 0;
    if (!build_module(cpu, jit.singles, n))
        return; /* the singles stay installed (and counted) */
    for (unsigned i = 0; i < n; i++)
        release_index(old[i]);
    jit.stats.live_modules -= n;
    jit.stats.merges++;
}

static void compile_now(RVCPU *cpu, TB *tb)
{
    if (over_module_limit(cpu))
        return;
    if (build_module(cpu, &tb, 1)) {
        jit.singles[jit.nsingles++] = tb;
        if (jit.nsingles == JIT_MERGE_SINGLES)
            merge_singles(cpu);
    } else {
        tb->jit_state = TB_JIT_FAILED;
    }
}

void jit_compile_pending(RVCPU *cpu)
{
    if (!jit.nqueued)
        return;
    unsigned n = jit.nqueued;
    jit.nqueued = 0;
    for (unsigned i = 0; i < n; i++)
        jit.queue[i]->jit_state = TB_JIT_FAILED; /* unless build_module installs it */
    if (over_module_limit(cpu)) {
        for (unsigned i = 0; i < n; i++)
            jit.queue[i]->jit_state = TB_JIT_NONE;
        return;
    }
    build_module(cpu, jit.queue, n);
}

void jit_poll(RVCPU *cpu)
{
    /* A partial batch waits a while for company: fewer, larger modules. */
    if (jit.nqueued && cpu->icount - jit.first_queued_at >= JIT_MAX_WAIT_INSNS)
        jit_compile_pending(cpu);
}

void jit_drop_all(void)
{
    for (unsigned i = 0; i < jit.nqueued; i++)
        jit.queue[i]->jit_state = TB_JIT_NONE;
    jit.nqueued = 0;
    if (jit.release)
        for (size_t i = 0; i < jit.ninstalled; i++)
            jit.release(jit.installed[i]);
    jit.ninstalled = 0;
    jit.nsingles = 0;
    if (jit.stats.live_modules)
        jit.stats.drops++;
    jit.stats.live_modules = 0;
}
