/* emit.h - the IR -> Wasm backend: one optimised TB becomes one function.
 *
 * A module is started with wasm_emit_module_init() (types, imports of the
 * runtime's memory and function table), then gets one function per TB from
 * wasm_emit_func(), exported as "f<i>" (i = 0, 1, ... in emission order);
 * wasm_mb_finish() gives the bytes.  Calling convention, caching of globals,
 * memory access and branch encoding: docs/wasm-backend.md.
 */
#ifndef KILN_WASM_EMIT_H
#define KILN_WASM_EMIT_H
#include <stdbool.h>
#include "ir/ir.h"
#include "wasm/abi.h"
#include "wasm/wasm-writer.h"

typedef struct WasmModuleOptions {
    uint32_t mem_min_pages; /* minimum of the imported memory (64 KiB pages) */
    int64_t mem_max_pages;  /* maximum, or -1 for none (required if shared) */
    bool shared_memory;     /* import a shared memory (threads) */
    /* Import mode only: no exports; the functions go into the table at the
     * offset of the imported i32 global "kiln" "table_base" (an element
     * segment), so instantiating the module installs them. */
    bool table_segment;
} WasmModuleOptions;

/* Errors of wasm_emit_func (the TB then stays on TCI). */
enum {
    WASM_EMIT_ENOMEM = -1,    /* out of memory */
    WASM_EMIT_EBACKWARD = -2, /* a branch to a label defined before it (loop) */
    WASM_EMIT_EINVAL = -3,    /* malformed IR or ABI (undefined label, bad helper...) */
};

/* Add the types and imports every Kiln module has to an empty builder and
 * fill abi's type indices and table index.  Returns 0 or WASM_EMIT_EINVAL. */
int wasm_emit_module_init(WasmModuleBuilder *mb, WasmABI *abi, const WasmModuleOptions *opt);

/* Compile f into a new function (signature abi->type_tb) exported as
 * "f<i>" (or, with table_segment, at table_base + i).  Returns i >= 0, or a
 * WASM_EMIT_E* error with mb unchanged. */
int wasm_emit_func(WasmModuleBuilder *mb, const IRFunc *f, const WasmABI *abi)
    __attribute__((warn_unused_result));

#endif
