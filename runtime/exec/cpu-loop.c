/* cpu-loop.c - the dispatcher: find or translate the TB at the current PC,
 * run it, account retired instructions, deliver interrupts, poll devices.
 * Translated code never longjmps: every TB returns an IRExit status. */
#include <stdio.h>
#include <stdlib.h>
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

static TB *translate(RVCPU *cpu, uint64_t pc, uint64_t phys, uint32_t flags,
                     const ExecOptions *opt, ExecStats *st)
{
    static IRFunc f;
    static RVTBInfo info;
    uint64_t tval = 0;
    int cause = rv_translate(cpu, pc, flags, &f, &info, &tval);
    if (cause) {
        cpu_raise(cpu, (uint64_t)cause, tval, pc);
        return NULL;
    }
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
    TB *tb = calloc(1, sizeof(*tb));
    if (!tb) {
        fprintf(stderr, "kiln: out of memory\n");
        exit(70);
    }
    tb->pc = pc;
    tb->phys_pc = phys;
    tb->flags = flags;
    tb->ninsns = info.ninsns;
    tb->size = info.size;
    tb->phys_page[0] = info.phys[0] & TLB_PAGE_MASK;
    tb->phys_page[1] = info.phys[1] == TB_NO_PAGE ? TB_NO_PAGE : info.phys[1] & TLB_PAGE_MASK;
    tb->tci = code;
    unsigned fresh = tb_insert(tb);
    for (int i = 0; i < 2; i++)
        if (fresh & (1u << i))
            tlb_protect_code_page(cpu, tb->phys_page[i]);
    st->tbs_translated++;
    return tb;
}

int exec_run(Machine *m, const ExecOptions *opt, ExecStats *st)
{
    RVCPU *cpu = machine_cpu(m);
    Bus *bus = machine_bus(m);
    int exit_code = 0;
    uint64_t next_poll = 0;
    TB *prev = NULL; /* TB that just exited through goto_tb slot prev_slot */
    unsigned prev_slot = 0;

    tb_cache_init(bus->ram_base, bus->ram_size);
    JitOptions jo = {.enabled = opt->jit,
                     .threshold = opt->jit_threshold,
                     .batch = opt->jit_batch,
                     .stress = opt->jit_stress,
                     .corrupt_modules = opt->jit_corrupt};
    jit_init(&jo);
    /* 0 is never reached: TB counts start at 1. */
    uint64_t jit_threshold = jit_enabled() ? jit_effective_threshold() : 0;
    for (;;) {
        if (unlikely(cpu->icount >= next_poll || cpu->poll_request)) {
            cpu->poll_request = false;
            jit_poll(cpu);
            next_poll = machine_poll(m);
            if (machine_stopped(m, &exit_code))
                break;
            if (opt->max_insns && cpu->icount >= opt->max_insns)
                break;
        }
        if (unlikely(cpu_mip(cpu) & cpu->mie) && cpu_check_interrupts(cpu))
            prev = NULL;
        if (unlikely(cpu->halted)) {
            if (cpu_wfi_wakeup(cpu)) {
                cpu->halted = false;
            } else {
                machine_idle(m);
                next_poll = 0;
            }
            prev = NULL;
            continue;
        }
        if (unlikely(flush_pending || tb_cache_full())) {
            jit_drop_all();
            tb_flush_all();
            flush_pending = false;
            prev = NULL;
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
                continue;
            }
            tb = tb_jc_lookup(pc, flags);
            if (unlikely(!tb || tb->phys_pc != phys)) {
                st->jc_misses++;
                tb = tb_lookup(pc, phys, flags);
                if (!tb) {
                    st->hash_misses++;
                    tb = translate(cpu, pc, phys, flags, opt, st);
                    if (!tb) {
                        prev = NULL;
                        continue;
                    }
                }
                tb_jc_set(tb);
            }
            if (prev && ((prev->pc ^ pc) & TLB_PAGE_MASK) == 0 && prev->flags == flags)
                prev->jmp[prev_slot] = tb;
        }

        if (unlikely(opt->trace_tbs))
            fprintf(stderr, "tb %#llx %u\n", (unsigned long long)pc, tb->ninsns);
        cpu->tb_pc = pc;
        tb->exec_count++;
        st->tbs_executed++;
        uint32_t status;
        if (unlikely(tb->exec_count == jit_threshold))
            jit_enqueue(cpu, tb);
        if (tb->jit_fn) {
            status = ((JitTBFn *)(uintptr_t)tb->jit_fn)(cpu, pc);
            st->exec_jit++;
        } else {
            status = tci_run(tb->tci, cpu);
            st->exec_tci++;
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
        }
        cpu->exit_status = 0;
    }
    st->insns = cpu->icount;
    const TBCacheStats *cs = tb_cache_stats();
    st->tbs_invalidated = cs->invalidated;
    st->tb_flushes = cs->flushes;
    jit_drop_all();
    tb_cache_destroy();
    return exit_code;
}
