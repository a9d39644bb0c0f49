/* abi.h - what generated Wasm code assumes about the runtime (WasmABI).
 *
 * Filled by whoever loads the code: the runtime at run time (offsets from
 * its IRContext and CPU_OFF(), table indices = its C function pointers
 * under Emscripten) or the aot-tool from an ABI table.  Type indices are
 * filled by wasm_emit_module_init() for the module being built.  Guest
 * neutral: nothing here names RISC-V.
 */
#ifndef KILN_WASM_ABI_H
#define KILN_WASM_ABI_H
#include <stdbool.h>
#include <stdint.h>

#define WASM_ABI_VERSION 2

typedef struct WasmABI {
    uint32_t version; /* WASM_ABI_VERSION */

    /* Byte offsets in env (the CPU state). */
    uint32_t tb_pc_offset;        /* uint64: start PC of the running TB (read as $pc) */
    uint32_t exit_status_offset;  /* uint32: nonzero IRExit after an exiting helper */
    uint32_t tlb_offset;          /* TLB (exec/tlb.h) */
    uint32_t scratch_offset;      /* uint64 slot the load slow path writes its value to */
    uint32_t icount_offset;       /* uint64: retired insns (a loop to the TB start adds to it) */
    uint32_t icount_limit_offset; /* uint64: such a loop goes on while icount + n < limit */

    /* Indices in the imported function table (env.__indirect_function_table). */
    uint32_t load_slow_index;     /* IRLoadSlowFn */
    uint32_t store_slow_index;    /* IRStoreSlowFn */
    const uint32_t *helper_index; /* [IRContext.nhelpers]: IRHelperFn of each helper */
    uint32_t nhelpers;

    /* Type indices in the module (set by wasm_emit_module_init). */
    uint32_t type_tb;         /* (i32 env, i64 pc) -> i32 status */
    uint32_t type_helper;     /* (i32 env, i64, i64, i64, i64) -> i64 */
    uint32_t type_load_slow;  /* (i32 env, i64 addr, i32 memop, i32 site, i32 valptr) -> i32 */
    uint32_t type_store_slow; /* (i32 env, i64 addr, i64 val, i32 memop, i32 site) -> i32 */
    uint32_t table;           /* table index of the imported function table */

    /* Import mode (AOT bundles, built natively without the runtime's table
     * indices or host-private offsets).  When import_calls is set,
     * wasm_emit_module_init() also imports the slow paths as functions
     * "kiln" "load_slow" / "kiln" "store_slow", helper i as "kiln"
     * "h.<helper_names[i]>" (i < nhelpers) and the scratch slot's offset in
     * env as the immutable i32 global "kiln" "scratch"; the code then calls
     * them directly and *_index / scratch_offset are ignored.  The runtime
     * resolves the imports by name.  Off (zero): the JIT's table mode. */
    bool import_calls;
    const char *const *helper_names;
    /* Set by wasm_emit_module_init() in import mode: function indices of
     * the imports (helper i = helper_func0 + i) and the global's index. */
    uint32_t load_slow_func, store_slow_func, helper_func0, scratch_global;
} WasmABI;

#endif
