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
    uint64_t first_queued_at; /* icount when the oldest queued TB was queued */
    /* Table indices handed out by install, for jit_drop_all. */
    uint32_t *installed;
    size_t ninstalled, cap_installed;
    JitStats stats;
} jit;

void jit_set_backend(JitInstallFn *install, JitReleaseFn *release)
{
    jit.install = install;
    jit.release = release;
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
    if (!jit.opt.threshold)
        jit.opt.threshold = JIT_DEFAULT_THRESHOLD;
    if (!jit.opt.batch)
        jit.opt.batch = JIT_DEFAULT_BATCH;
    if (jit.opt.batch > JIT_MAX_BATCH)
        jit.opt.batch = JIT_MAX_BATCH;
    if (!jit.opt.max_modules)
        jit.opt.max_modules = jit.opt.threshold == 1 ? JIT_STRESS_MAX_MODULES
                                                     : JIT_DEFAULT_MAX_MODULES;
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

void jit_compile_pending(RVCPU *cpu)
{
    if (!jit.nqueued)
        return;
    if (jit.stats.live_modules >= jit.opt.max_modules) {
        /* Bounded module count: drop all compiled code at the next safe
         * point; the TBs are re-translated (and re-queued) as they run. */
        exec_flush_all();
        for (unsigned i = 0; i < jit.nqueued; i++)
            jit.queue[i]->jit_state = TB_JIT_NONE;
        jit.nqueued = 0;
        return;
    }
    uint64_t t0 = now_ns();
    static IRFunc f;
    static RVTBInfo info;
    WasmModuleBuilder mb;
    WasmModuleOptions mo = {.mem_min_pages = 1, .mem_max_pages = -1, .shared_memory = false};
    TB *members[JIT_MAX_BATCH];
    unsigned nmembers = 0;
    TBSource src = {.bus = cpu->bus};

    wasm_mb_init(&mb);
    if (wasm_emit_module_init(&mb, &jit.abi, &mo)) {
        wasm_mb_free(&mb);
        jit.on = false;
        fprintf(stderr, "kiln: warning: JIT disabled: cannot build a module\n");
        return;
    }
    for (unsigned i = 0; i < jit.nqueued; i++) {
        TB *tb = jit.queue[i];
        tb->jit_state = TB_JIT_FAILED;
        if (!tb->valid || nmembers >= sizeof(members) / sizeof(members[0]))
            continue;
        uint64_t tval;
        src.tb = tb;
        if (rv_translate_fetch(tb_fetch, &src, tb->pc, tb->flags, &f, &info, &tval) ||
            info.size != tb->size || info.ninsns != tb->ninsns) {
            jit.stats.emit_failed++;
            continue;
        }
        opt_run(&f);
        int fn = wasm_emit_func(&mb, &f, &jit.abi);
        if (fn < 0) {
            jit.stats.emit_failed++;
            continue;
        }
        members[nmembers++] = tb;
    }
    jit.nqueued = 0;
    if (nmembers) {
        WasmBuf out;
        wasm_buf_init(&out);
        uint32_t idx[sizeof(members) / sizeof(members[0])];
        if (wasm_mb_finish(&mb, &out) || jit.install(out.data, out.len, nmembers, idx)) {
            jit.stats.failed += nmembers;
            fprintf(stderr, "kiln: warning: JIT module of %u blocks rejected; they stay on TCI\n",
                    nmembers);
        } else {
            for (unsigned i = 0; i < nmembers; i++) {
                members[i]->jit_fn = idx[i];
                members[i]->jit_state = TB_JIT_COMPILED;
                remember_installed(idx[i]);
            }
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
    if (jit.stats.live_modules)
        jit.stats.drops++;
    jit.stats.live_modules = 0;
}
