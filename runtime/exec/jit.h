/* jit.h - the lazy JIT tier: which TBs to compile to Wasm, and when.
 *
 * C decides: a TB whose execution count reaches the threshold is queued;
 * a full batch (or the dispatcher, after a while) compiles all queued TBs
 * into ONE module with one function per TB and installs them through the
 * platform's backend (JS under Emscripten).  Compiled TBs are entered with
 * `status = fn(env, pc)`, returning the same IRExit as TCI.  A module that
 * fails to compile leaves its TBs on TCI (one warning).  Natively there is
 * no backend and the JIT stays off.
 */
#ifndef KILN_JIT_H
#define KILN_JIT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct TB;
struct RVCPU;

typedef struct JitOptions {
    bool enabled;
    unsigned threshold;   /* executions before a TB is queued (1: every TB) */
    unsigned batch;       /* TBs per module */
    unsigned max_modules; /* live modules before all JIT code is dropped */
    bool stress;          /* compile each TB alone before its first run */
    bool corrupt_modules; /* test switch: hand the engine truncated modules */
} JitOptions;

#define JIT_DEFAULT_THRESHOLD 1000u
#define JIT_DEFAULT_BATCH 64u
#define JIT_DEFAULT_MAX_MODULES 256u
#define JIT_MAX_BATCH 256u
/* Stress mode compiles each TB alone before its first run, then merges
 * every JIT_MERGE_SINGLES single-TB modules into one.  (It is for tests on
 * small programs: V8 does not cope with tens of thousands of modules.) */
#define JIT_MERGE_SINGLES 64u
#define JIT_STRESS_MAX_MODULES 1024u

typedef struct JitStats {
    uint64_t queued, compiled, failed, emit_failed;
    uint64_t modules, live_modules, peak_live_modules, module_bytes, drops, merges;
    uint64_t compile_ns; /* emit + platform compile/instantiate */
} JitStats;

/* Platform backend.  install: compile and instantiate a module whose
 * functions are exported as "f0".."f<n-1>" and put them in the function
 * table; write their table indices to out.  Returns 0, or -1 if the module
 * was rejected.  release: free a table index from install. */
typedef int JitInstallFn(const uint8_t *bytes, size_t len, unsigned nfuncs, uint32_t *out);
typedef void JitReleaseFn(uint32_t index);

/* The platform registers its backend before jit_init (NULL: none). */
void jit_set_backend(JitInstallFn *install, JitReleaseFn *release);
/* Defined by platforms that have a backend (runtime/platform/jit-backend.c). */
void jit_platform_register(void);
/* Returns false if the JIT cannot run here (no backend); it is then off. */
bool jit_init(const JitOptions *opt);
bool jit_enabled(void);
/* Executions after which a TB is queued (valid after jit_init). */
unsigned jit_effective_threshold(void);

/* tb reached the threshold: queue it; compiles the batch when full.  In
 * stress mode the TB is compiled at once (see JIT_MERGE_SINGLES). */
void jit_enqueue(struct RVCPU *cpu, struct TB *tb);
/* Called periodically by the dispatcher: compiles a partial batch once its
 * oldest TB has waited JIT_MAX_WAIT_INSNS instructions. */
void jit_poll(struct RVCPU *cpu);
#define JIT_MAX_WAIT_INSNS 2000000u
/* Compile whatever is queued now. */
void jit_compile_pending(struct RVCPU *cpu);
/* Forget every compiled function (called when the TB cache is flushed). */
void jit_drop_all(void);

const JitStats *jit_stats(void);

/* Entry of a compiled TB (a table index under Emscripten). */
typedef uint32_t JitTBFn(void *env, uint64_t pc);

#endif
