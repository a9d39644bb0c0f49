/* exec.h - TB cache and dispatcher (the CPU execution loop).
 *
 * Runs the CPU until the machine stops.  TBs are found by (virtual PC,
 * physical PC, flags) through a direct-mapped jump cache in front of a hash
 * table; each has an execution counter and an entry (TCI today).
 */
#ifndef KILN_EXEC_H
#define KILN_EXEC_H
#include <stdbool.h>
#include <stdint.h>

struct Machine;
struct RVCPU;

typedef struct ExecStats {
    /* tbs_translated: TBs the frontend translated (not those an AOT bundle
     * gave by PC: hash_misses counts every TB made) */
    uint64_t tbs_translated, tbs_executed, tbs_invalidated, tb_flushes;
    uint64_t chained, jc_misses, hash_misses; /* jump-cache and hash-table lookups that failed */
    uint64_t insns;                           /* retired by this run (after a restore: since it) */
    uint64_t exec_tci, exec_jit;              /* TB executions per tier */
    uint64_t exec_bundle;                     /* ... running AOT bundle code (exec/bundle.h) */
    uint64_t exec_bundle_tci; /* ... of exec_tci: TCI code from a bundle's TCI image */
    uint64_t jit_avoided;     /* bundle TBs that reached the JIT threshold */
    uint64_t ir_ops_before_opt, ir_ops_after_opt;
} ExecStats;

typedef struct ExecOptions {
    bool jit;                              /* use the JIT tier where the platform has one */
    unsigned jit_threshold;                /* executions before a TB is compiled (0: default) */
    unsigned jit_batch;                    /* TBs per module (0: default) */
    bool jit_stress;                       /* compile every TB before its first run (tests) */
    bool jit_corrupt;                      /* test switch: every JIT module is corrupt */
    bool dump_ir;                          /* print each TB's IR to stderr */
    bool trace_tbs;                        /* print each executed TB's PC to stderr */
    uint64_t max_insns;                    /* stop after this many more insns (0: no limit) */
    const char *bundle;                    /* AOT bundle file (--bundle), or NULL */
    const char *image_kernel, *image_bios; /* guest image files the bundle must match */
    /* ... or, if image_known, their FNV-1a 64 hashes as a restored snapshot
     * recorded them (the files need not exist; image_bios_hash 0: none). */
    bool image_known;
    uint64_t image_kernel_hash, image_bios_hash;
} ExecOptions;

/* Run until the machine stops; returns the exit code. */
int exec_run(struct Machine *m, const ExecOptions *opt, ExecStats *stats);

/* Physical page paddr (page-aligned) was written: drop the TBs on it.
 * Returns true if any TB was dropped. Called from the store slow path. */
bool exec_invalidate_phys_page(uint64_t paddr);

/* True if the physical page holds translated code. */
bool exec_page_has_code(uint64_t paddr);

/* Profiling hook (aot-tool profile).  A translated block as reported to the
 * profiler: bytes are the size guest code bytes it was translated from
 * (copied at translation, so still right if the page was rewritten since),
 * valid only during the call. */
typedef struct ExecTBProfile {
    uint64_t pc, phys_pc;
    uint32_t flags, ninsns, size;
    uint64_t exec_count; /* executions of this TB since its translation */
    const uint8_t *bytes;
} ExecTBProfile;
typedef void ExecTBProfileFunc(void *opaque, const ExecTBProfile *tb);
/* Install (fn != NULL) or remove the profiling sink.  While installed,
 * exec_run reports every TB it translated exactly once, invalidated ones
 * included: before each TB cache flush and when exec_run returns.  A block
 * translated again after a flush or invalidation is reported again (the
 * sink adds the counts up).  Off by default; costs nothing when off. */
void exec_set_tb_profiler(ExecTBProfileFunc *fn, void *opaque);

/* Drop all TBs (e.g. on satp changes we keep TBs: they are keyed by physical PC). */
void exec_flush_all(void);

#endif
