/* cpu-loop.c - the dispatcher: find or translate the TB at the current PC,
 * run it, account retired instructions, deliver interrupts, poll devices.
 * Translated code never longjmps: every TB returns an IRExit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/bundle.h"
#include "exec/exec.h"
#include "exec/jit.h"
#include "exec/tb.h"
#include "hw/machine.h"
#include "ir/opt.h"
#include "riscv/cpu.h"
#include "riscv/translate.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Set in mem.c's store path through exec_invalidate_phys_page. */
static bool flush_pending;

bool exec_invalidate_phys_page(uint64_t paddr)
{
    return tb_invalidate_page(paddr & TLB_PAGE_MASK) > 0;
}

bool exec_page_has_code(uint64_t paddr)
{
    return tb_page_has_code(paddr & TLB_PAGE_MASK);
}

void exec_flush_all(void)
{
    flush_pending = true;
}

/* Profiling sink (exec_set_tb_profiler): the TBs translated since the last
 * report, with a copy of their code bytes in one buffer. */
typedef struct TBProfSlot {
    TB *tb;
    size_t off; /* of its code in tbprof.code */
} TBProfSlot;

static struct {
    ExecTBProfileFunc *fn;
    void *opaque;
    TBProfSlot *tbs;
    size_t ntbs, cap;
    uint8_t *code;
    size_t code_len, code_cap;
} tbprof;

void exec_set_tb_profiler(ExecTBProfileFunc *fn, void *opaque)
{
    tbprof.fn = fn;
    tbprof.opaque = opaque;
}

static void *tbprof_grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    p = realloc(p, n * elem);
    if (!p) {
        fprintf(stderr, "kiln: out of memory\n");
        exit(70);
    }
    *cap = n;
    return p;
}

static void tbprof_track(TB *tb, const uint8_t *bytes)
{
    tbprof.tbs = tbprof_grow(tbprof.tbs, &tbprof.cap, tbprof.ntbs + 1, sizeof(*tbprof.tbs));
    tbprof.code = tbprof_grow(tbprof.code, &tbprof.code_cap, tbprof.code_len + tb->size, 1);
    memcpy(tbprof.code + tbprof.code_len, bytes, tb->size);
    tbprof.tbs[tbprof.ntbs++] = (TBProfSlot){tb, tbprof.code_len};
    tbprof.code_len += tb->size;
}

/* Report every tracked TB (all still allocated: called before a flush). */
static void tbprof_report(void)
{
    for (size_t i = 0; i < tbprof.ntbs; i++) {
        const TB *tb = tbprof.tbs[i].tb;
        ExecTBProfile r = {.pc = tb->pc,
                           .phys_pc = tb->phys_pc,
                           .flags = tb->flags,
                           .ninsns = tb->ninsns,
                           .size = tb->size,
                           .exec_count = tb->exec_count,
                           .bytes = tbprof.code + tbprof.tbs[i].off};
        tbprof.fn(tbprof.opaque, &r);
    }
    tbprof.ntbs = 0;
    tbprof.code_len = 0;
}

/* Physical address of the code at pc, from the fetch TLB or a page walk.
 * Returns 0, or an exception cause. */
static int code_phys(RVCPU *cpu, Bus *bus, uint64_t pc, uint64_t *phys)
{
    const TLBEntry *e = &cpu->tlb.e[cpu_fetch_mmu(cpu)][tlb_index(pc)];
    if (likely(e->tag_x == (pc & TLB_PAGE_MASK))) {
        uintptr_t host = (uintptr_t)(pc + (uint64_t)e->addend);
        *phys = (uint64_t)(host - (uintptr_t)bus->ram) + bus->ram_base;
        return 0;
    }
    uint16_t insn;
    return rv_fetch16(cpu, pc, &insn, phys);
}

/* A new TB for code found in the bundle or translated: fills the cache
 * indices and the code-page protection. */
static TB *tb_make(RVCPU *cpu, uint64_t pc, uint64_t phys, uint32_t flags, uint32_t ninsns,
                   uint32_t size, const uint64_t page[2], TCIBlock *code, uint32_t fn,
                   bool from_bundle, const uint8_t *bytes)
{
    TB *tb = tb_alloc();
    if (!tb) {
        fprintf(stderr, "kiln: out of memory\n");
        exit(70);
    }
    tb->pc = pc;
    tb->phys_pc = phys;
    tb->flags = flags;
    tb->ninsns = ninsns;
    tb->size = size;
    tb->phys_page[0] = page[0] & TLB_PAGE_MASK;
    tb->phys_page[1] = page[1] == TB_NO_PAGE ? TB_NO_PAGE : page[1] & TLB_PAGE_MASK;
    tb->tci = code;
    tb->from_image = code && from_bundle;
    tb->jit_fn = fn;
    if (fn) { /* AOT bundle code: runs from the start, is never dropped */
        tb->jit_state = TB_JIT_COMPILED;
        tb->bundle_fn = true;
    }
    unsigned fresh = tb_insert(tb);
    if (unlikely(tbprof.fn))
        tbprof_track(tb, bytes);
    for (int i = 0; i < 2; i++)
        if (fresh & (1u << i))
            tlb_protect_code_page(cpu, tb->phys_page[i]);
    return tb;
}

/* The TB at pc: from the bundle by PC if it holds these bytes there (no
 * translation), else translated, its code from the bundle by content or
 * compiled to TCI.  NULL after raising a fetch fault. */
static TB *translate(RVCPU *cpu, Bus *bus, uint64_t pc, uint64_t phys, uint32_t flags,
                     const ExecOptions *opt, ExecStats *st)
{
    static IRFunc f;
    static RVTBInfo info;
    BundleCode bc;
    /* By PC: only blocks that end on this page of RAM (a block is a
     * function of its bytes and flags; one that went on to the next page,
     * or stopped short of it, is found by content after translating). */
    bool in_ram = phys >= bus->ram_base && phys - bus->ram_base < bus->ram_size;
    const uint8_t *bytes = in_ram ? bus->ram + (phys - bus->ram_base) : NULL;
    size_t avail = in_ram ? TLB_PAGE_SIZE - (phys & ~TLB_PAGE_MASK) : 0;
    if (bundle_lookup_at(pc, flags, bytes, avail, &bc))
        return tb_make(cpu, pc, phys, flags, bc.ninsns, bc.size,
                       (const uint64_t[2]){phys, TB_NO_PAGE}, bc.tci, bc.fn, true, bytes);
    uint64_t tval = 0;
    int cause = rv_translate(cpu, pc, flags, &f, &info, &tval);
    if (cause) {
        cpu_raise(cpu, (uint64_t)cause, tval, pc);
        return NULL;
    }
    st->tbs_translated++;
    if (bundle_lookup(flags, &info, &bc))
        return tb_make(cpu, pc, phys, flags, info.ninsns, info.size, info.phys, bc.tci, bc.fn, true,
                       info.bytes);
    st->ir_ops_before_opt += f.nops;
    opt_run(&f);
    st->ir_ops_after_opt += f.nops;
    if (opt->dump_ir) {
        fprintf(stderr, "TB pc=%#llx phys=%#llx flags=%#x insns=%u\n", (unsigned long long)pc,
                (unsigned long long)phys, flags, info.ninsns);
        ir_dump(&f, stderr);
    }
    TCIBlock *code = tci_compile(&f);
    if (!code) {
        fprintf(stderr, "kiln: internal error: cannot encode TB at %#llx\n",
                (unsigned long long)pc);
        exit(70);
    }
    return tb_make(cpu, pc, phys, flags, info.ninsns, info.size, info.phys, code, 0, false,
                   info.bytes);
}

/* Dispatcher state that lives across slices. */
typedef struct ExecLoop {
    Machine *m;
    RVCPU *cpu;
    Bus *bus;
    const ExecOptions *opt;
    ExecStats *st;
    uint64_t next_poll;     /* icount at which the next device poll is due */
    uint64_t jit_threshold; /* 0 is never reached: TB counts start at 1 */
    uint64_t stop_icount;   /* --max-insns: stop at this icount (0: never) */
    TB *prev;               /* TB that just exited through goto_tb slot prev_slot */
    unsigned prev_slot;
    uint64_t stall_icount; /* icount of the current run of traps (see stalled) */
    unsigned stalls;       /* traps in a row at stall_icount */
    bool stall_warned;
} ExecLoop;

/* Traps in a row that retire no instruction before the hart counts as
 * stalled: a fetch fault at its own trap vector, or a fault in the first
 * instruction of the handler it traps to, repeats forever.  Any real
 * handler retires an instruction long before this. */
#define STALL_TRAPS 1024u

/* Called after a trap raised for the instruction at icount (a fetch fault
 * or a fault at a TB's first instruction): true once STALL_TRAPS of them
 * came in a row without the icount moving.  Then the slice ends as for WFI
 * (next_poll 0): no interrupt can be taken inside the loop that keeps
 * trapping, so the machine polls its devices and idles until the next
 * timer or input (deterministic: skips ahead to it), and the run stays
 * responsive to --max-insns and the console's quit key instead of spinning
 * in the slice.  Off the per-TB path: only fault paths call it. */
static bool stalled(ExecLoop *l)
{
    if (l->cpu->icount != l->stall_icount) {
        l->stall_icount = l->cpu->icount;
        l->stalls = 0;
    }
    if (++l->stalls < STALL_TRAPS)
        return false;
    l->stalls = 0;
    if (!l->stall_warned) {
        l->stall_warned = true;
        fprintf(stderr,
                "kiln: warning: the guest hart retires nothing: each trap faults again (trap "
                "vector %#llx); it waits for an interrupt as in WFI\n",
                (unsigned long long)l->cpu->pc);
    }
    l->next_poll = 0; /* the caller idles the machine and polls */
    return true;
}

/* Runs TBs until a device poll is due (or requested), or the hart halts.
 * Kept out of line on purpose: Wasm engines (V8) start a function in a
 * baseline tier and swap in optimised code only at its next call, with no
 * on-stack replacement. A dispatcher that loops for the whole run would stay
 * baseline code forever; a slice returns every poll interval. exec_run
 * calls it through run_slice_fn so that no inliner (clang's, or Binaryen's
 * at Emscripten's link, which inlines any function with a single caller)
 * can fold it back into the caller's loop. */
__attribute__((noinline)) static void run_slice(ExecLoop *l)
{
    RVCPU *cpu = l->cpu;
    Bus *bus = l->bus;
    ExecStats *st = l->st;
    const uint64_t next_poll = l->next_poll;
    const uint64_t jit_threshold = l->jit_threshold;
    const bool trace = l->opt->trace_tbs;
    TB *prev = l->prev;
    unsigned prev_slot = l->prev_slot;

    while (likely(cpu->icount < next_poll && !cpu->poll_request)) {
        if (unlikely(cpu_mip(cpu) & cpu->mie) && cpu_check_interrupts(cpu))
            prev = NULL;
        if (unlikely(cpu->halted)) {
            if (cpu_wfi_wakeup(cpu)) {
                cpu->halted = false;
                prev = NULL;
                continue;
            }
            l->next_poll = 0; /* the caller idles the machine and polls */
            prev = NULL;
            break;
        }

        uint64_t pc = cpu->pc;
        TB *tb = NULL;
        /* Chained successor: same flags (goto_tb exits never change
         * translation state) and same virtual page as prev, so the mapping
         * verified for prev holds for it. */
        if (prev && prev->jmp[prev_slot] && prev->jmp[prev_slot]->pc == pc &&
            prev->jmp[prev_slot]->valid) {
            tb = prev->jmp[prev_slot];
            st->chained++;
        } else {
            uint64_t phys;
            uint32_t flags = cpu_tb_flags(cpu);
            int cause = code_phys(cpu, bus, pc, &phys);
            if (unlikely(cause)) {
                cpu_raise(cpu, (uint64_t)cause, pc, pc);
                prev = NULL;
                if (stalled(l))
                    break;
                continue;
            }
            tb = tb_jc_lookup(pc, flags);
            if (unlikely(!tb || tb->phys_pc != phys)) {
                st->jc_misses++;
                tb = tb_lookup(pc, phys, flags);
                if (!tb) {
                    st->hash_misses++;
                    tb = translate(cpu, bus, pc, phys, flags, l->opt, st);
                    if (!tb) {
                        prev = NULL;
                        if (stalled(l))
                            break;
                        continue;
                    }
                }
                tb_jc_set(tb);
            }
            if (prev && ((prev->pc ^ pc) & TLB_PAGE_MASK) == 0 && prev->flags == flags)
                prev->jmp[prev_slot] = tb;
        }

        if (unlikely(trace))
            fprintf(stderr, "tb %#llx %u\n", (unsigned long long)pc, tb->ninsns);
        cpu->tb_pc = pc;
        tb->exec_count++;
        uint32_t status;
        if (unlikely(tb->exec_count == jit_threshold)) {
            if (bundle_owns(tb->jit_fn))
                st->jit_avoided++;
            else
                jit_enqueue(cpu, tb);
        }
        if (tb->jit_fn) {
            /* Compiled TBs chained to compiled TBs stay in this inner loop:
             * per TB only the call, retiring its instructions, and the
             * checks that end the chain (exit kind, successor, icount_limit)
             * remain.  Like a compiled loop (docs/ir.md), a chain stops where
             * the slice ends or once a cpu_kick zeroed icount_limit: nothing
             * else makes an interrupt deliverable, or a poll due, between
             * two goto_tb-linked TBs (interrupt lines and poll requests
             * kick; CSR writes, WFI and traps end a TB with a status other
             * than a slot), so pending but masked interrupts do not break
             * chains. */
            uint64_t runs = 0, bundle_runs = 0; /* kept local: off the memory path */
            cpu->icount_limit = next_poll;
            for (;;) {
                status = ((JitTBFn *)(uintptr_t)tb->jit_fn)(cpu, pc);
                runs++;
                bundle_runs += tb->bundle_fn;
                if (status > IR_EXIT_SLOT1 || unlikely(trace))
                    break;
                TB *next = tb->jmp[status];
                if (!next || !next->jit_fn || next->pc != cpu->pc || !next->valid ||
                    cpu->icount + tb->ninsns >= cpu->icount_limit)
                    break;
                cpu->icount += tb->ninsns;
                tb = next;
                pc = tb->pc;
                cpu->tb_pc = pc;
                tb->exec_count++; /* also drives the "JIT compiles avoided" count */
            }
            st->exec_bundle += bundle_runs;
            st->exec_jit += runs - bundle_runs;
            st->chained += runs - 1;
        } else {
            status = tci_run(tb->tci, cpu);
            st->exec_tci++;
            st->exec_bundle_tci += tb->from_image;
        }
        prev = NULL;
        if (likely(status <= IR_EXIT_SLOT1)) {
            cpu->icount += tb->ninsns;
            prev = tb;
            prev_slot = status;
        } else if (status != IR_EXIT_FAULT) {
            cpu->icount += tb->ninsns;
        } else {
            cpu->icount += IR_SITE_IDX(cpu->fault_site);
            if (unlikely(IR_SITE_IDX(cpu->fault_site) == 0) && stalled(l)) {
                cpu->exit_status = 0;
                break;
            }
        }
        cpu->exit_status = 0;
    }
    l->prev = prev;
    l->prev_slot = prev_slot;
}

static void (*volatile run_slice_fn)(ExecLoop *) = run_slice;

/* A device poll: false when the run is over (*exit_code set if the machine
 * stopped).  Also flushes the TB cache when asked to or full. */
static bool run_poll(ExecLoop *l, int *exit_code)
{
    RVCPU *cpu = l->cpu;
    cpu->poll_request = false;
    jit_poll(cpu);
    l->next_poll = machine_poll(l->m);
    if (machine_stopped(l->m, exit_code))
        return false;
    if (l->stop_icount && cpu->icount >= l->stop_icount)
        return false;
    /* Checked at polls only, off the per-TB path: the cache may overshoot
     * its limit by one poll interval. */
    if (unlikely(flush_pending || tb_cache_full())) {
        jit_drop_all();
        if (unlikely(tbprof.fn))
            tbprof_report();
        tb_flush_all();
        flush_pending = false;
        l->prev = NULL;
    }
    return true;
}

/* Called through this pointer so that Binaryen does not inline it (a single
 * caller) into run_loop, which must stay small (below). */
static bool (*volatile run_poll_fn)(ExecLoop *, int *) = run_poll;

/* Slices and polls until the machine stops; returns its exit code.  The
 * one function that loops for the whole run, so kept as small as this: a
 * Wasm engine that tiers it up (its loop runs hot) compiles code that never
 * runs (no on-stack replacement), and with it anything inlined here.  It is
 * called through run_loop_fn so that Binaryen does not inline it into its
 * single caller, exec_run, nor that into main (measured: main tiered up,
 * 4.6 KB of Wasm and 15 ms of V8's single compile thread, for nothing). */
__attribute__((noinline)) static int run_loop(ExecLoop *l)
{
    int exit_code = 0;
    for (;;) {
        if ((l->cpu->icount >= l->next_poll || l->cpu->poll_request) && !run_poll_fn(l, &exit_code))
            return exit_code;
        run_slice_fn(l);
        if (l->next_poll == 0) /* halted (WFI) with nothing pending */
            machine_idle(l->m);
    }
}

static int (*volatile run_loop_fn)(ExecLoop *) = run_loop;

int exec_run(Machine *m, const ExecOptions *opt, ExecStats *st)
{
    RVCPU *cpu = machine_cpu(m);
    Bus *bus = machine_bus(m);

    tb_cache_init(bus->ram_base, bus->ram_size);
    JitOptions jo = {.enabled = opt->jit,
                     .threshold = opt->jit_threshold,
                     .batch = opt->jit_batch,
                     .stress = opt->jit_stress,
                     .corrupt_modules = opt->jit_corrupt};
    jit_init(&jo);
    if (opt->bundle)
        bundle_open(opt->bundle, &(BundleImage){.kernel = opt->image_kernel,
                                                .bios = opt->image_bios,
                                                .known = opt->image_known,
                                                .kernel_hash = opt->image_kernel_hash,
                                                .bios_hash = opt->image_bios_hash});
    /* A restored machine starts at the snapshot's icount: --max-insns and
     * the stats count from there. */
    const uint64_t start = cpu->icount;
    ExecLoop l = {.m = m,
                  .cpu = cpu,
                  .bus = bus,
                  .opt = opt,
                  .st = st,
                  .jit_threshold = jit_enabled() ? jit_effective_threshold() : 0,
                  .stop_icount = !opt->max_insns           ? 0
                                 : opt->max_insns > ~start ? ~0ull
                                                           : start + opt->max_insns};
    int exit_code = run_loop_fn(&l);
    st->insns = cpu->icount - start;
    st->tbs_executed = st->exec_tci + st->exec_jit + st->exec_bundle;
    const TBCacheStats *cs = tb_cache_stats();
    st->tbs_invalidated = cs->invalidated;
    st->tb_flushes = cs->flushes;
    jit_drop_all();
    if (tbprof.fn)
        tbprof_report();
    tb_cache_destroy();
    bundle_close();
    return exit_code;
}
