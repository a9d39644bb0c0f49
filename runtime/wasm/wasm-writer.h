/* wasm-writer.h - WebAssembly binary writer: byte buffers, LEB128, one
 * emitter per instruction (from wasm-opcodes.h) and a module builder.
 *
 * Everything appends to a WasmBuf; allocation failure sets buf->oom and
 * later appends do nothing, so callers check once (wasm_buf_ok) at the end.
 * The module builder owns its buffers; wasm_mb_finish() hands out a new
 * buffer that the caller owns (free it with wasm_buf_free).
 */
#ifndef KILN_WASM_WRITER_H
#define KILN_WASM_WRITER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct WasmBuf {
    uint8_t *data;
    size_t len, cap;
    bool oom; /* an allocation failed: contents are incomplete */
} WasmBuf;

void wasm_buf_init(WasmBuf *b);
void wasm_buf_free(WasmBuf *b);
void wasm_buf_reset(WasmBuf *b); /* len = 0, keeps the storage */
static inline bool wasm_buf_ok(const WasmBuf *b)
{
    return !b->oom;
}
void wasm_buf_byte(WasmBuf *b, uint8_t v);
void wasm_buf_bytes(WasmBuf *b, const void *p, size_t n);
/* LEB128 (binary spec 5.2.2), the only encoder of variable-length ints. */
void wasm_buf_u32(WasmBuf *b, uint32_t v);
void wasm_buf_s32(WasmBuf *b, int32_t v);
void wasm_buf_s64(WasmBuf *b, int64_t v);
void wasm_buf_name(WasmBuf *b, const char *s); /* u32 length + UTF-8 bytes (5.2.4) */

/* Value types (5.3.1) and the empty block type (5.4.1). */
typedef enum WasmValType {
    WASM_I32 = 0x7f,
    WASM_I64 = 0x7e,
    WASM_F32 = 0x7d,
    WASM_F64 = 0x7c,
    WASM_FUNCREF = 0x70,
} WasmValType;
#define WASM_BLOCK_VOID 0x40

/* Opcode bytes: WASM_OPC_<name>. */
enum {
#define WASM_OP(name, byte, imm, sec) WASM_OPC_##name = byte,
#include "wasm/wasm-opcodes.h"
#undef WASM_OP
};

/* One emitter per instruction; the signature follows the immediate kind:
 *   NONE     wasm_<op>(b)
 *   BLOCK    wasm_<op>(b, blocktype)        WASM_BLOCK_VOID or a WasmValType
 *   LABEL    wasm_<op>(b, depth)
 *   LOCAL    wasm_<op>(b, index)            local/global/function index
 *   CALL_IND wasm_<op>(b, typeidx, tableidx)
 *   MEM      wasm_<op>(b, align_log2, offset)
 *   I32/I64  wasm_<op>(b, value)
 */
#define WASM_EMIT_NONE(name, byte)                                                                 \
    static inline void wasm_##name(WasmBuf *b)                                                     \
    {                                                                                              \
        wasm_buf_byte(b, byte);                                                                    \
    }
#define WASM_EMIT_BLOCK(name, byte)                                                                \
    static inline void wasm_##name(WasmBuf *b, uint8_t blocktype)                                  \
    {                                                                                              \
        wasm_buf_byte(b, byte);                                                                    \
        wasm_buf_byte(b, blocktype);                                                               \
    }
#define WASM_EMIT_U32(name, byte)                                                                  \
    static inline void wasm_##name(WasmBuf *b, uint32_t idx)                                       \
    {                                                                                              \
        wasm_buf_byte(b, byte);                                                                    \
        wasm_buf_u32(b, idx);                                                                      \
    }
#define WASM_EMIT_LABEL(name, byte) WASM_EMIT_U32(name, byte)
#define WASM_EMIT_LOCAL(name, byte) WASM_EMIT_U32(name, byte)
#define WASM_EMIT_CALL_IND(name, byte)                                                             \
    static inline void wasm_##name(WasmBuf *b, uint32_t typeidx, uint32_t tableidx)                \
    {                                                                                              \
        wasm_buf_byte(b, byte);                                                                    \
        wasm_buf_u32(b, typeidx);                                                                  \
        wasm_buf_u32(b, tableidx);                                                                 \
    }
#define WASM_EMIT_MEM(name, byte)                                                                  \
    static inline void wasm_##name(WasmBuf *b, uint32_t align_log2, uint32_t offset)               \
    {                                                                                              \
        wasm_buf_byte(b, byte);                                                                    \
        wasm_buf_u32(b, align_log2);                                                               \
        wasm_buf_u32(b, offset);                                                                   \
    }
#define WASM_EMIT_I32(name, byte)                                                                  \
    static inline void wasm_##name(WasmBuf *b, int32_t v)                                          \
    {                                                                                              \
        wasm_buf_byte(b, byte);                                                                    \
        wasm_buf_s32(b, v);                                                                        \
    }
#define WASM_EMIT_I64(name, byte)                                                                  \
    static inline void wasm_##name(WasmBuf *b, int64_t v)                                          \
    {                                                                                              \
        wasm_buf_byte(b, byte);                                                                    \
        wasm_buf_s64(b, v);                                                                        \
    }
#define WASM_OP(name, byte, imm, sec) WASM_EMIT_##imm(name, byte)
#include "wasm/wasm-opcodes.h"
#undef WASM_OP

/* ---- module builder ---- */

/* Section ids (5.5.2). */
enum {
    WASM_SEC_CUSTOM = 0,
    WASM_SEC_TYPE = 1,
    WASM_SEC_IMPORT = 2,
    WASM_SEC_FUNCTION = 3,
    WASM_SEC_TABLE = 4,
    WASM_SEC_MEMORY = 5,
    WASM_SEC_GLOBAL = 6,
    WASM_SEC_EXPORT = 7,
    WASM_SEC_START = 8,
    WASM_SEC_ELEM = 9,
    WASM_SEC_CODE = 10,
    WASM_SEC_DATA = 11,
};

#define WASM_MAX_TYPES 32
#define WASM_MAX_TYPE_ARITY 8

typedef struct WasmFuncType {
    uint8_t nparams, nresults;
    uint8_t params[WASM_MAX_TYPE_ARITY], results[WASM_MAX_TYPE_ARITY];
} WasmFuncType;

typedef struct WasmModuleBuilder {
    WasmFuncType types[WASM_MAX_TYPES];
    uint32_t ntypes;
    WasmBuf imports, funcs, globals, exports, code, customs;
    uint32_t nimports, nfunc_imports, ntable_imports, nfuncs, nglobals, nexports;
    bool table_segment;      /* wasm_mb_set_table_segment was called */
    uint32_t segment_global; /* ... with this global */
    bool failed;             /* a call was invalid (too many types, import after a function...) */
} WasmModuleBuilder;

void wasm_mb_init(WasmModuleBuilder *mb);
void wasm_mb_free(WasmModuleBuilder *mb);

/* Type index of (params) -> (results), added if new (deduplicated). */
uint32_t wasm_mb_type(WasmModuleBuilder *mb, unsigned nparams, const uint8_t *params,
                      unsigned nresults, const uint8_t *results);

/* Imports must come before any function is added. Each returns the index
 * in its index space (functions, tables, memories). max_pages < 0: none. */
uint32_t wasm_mb_import_func(WasmModuleBuilder *mb, const char *module, const char *name,
                             uint32_t typeidx);
uint32_t wasm_mb_import_memory(WasmModuleBuilder *mb, const char *module, const char *name,
                               uint32_t min_pages, int64_t max_pages, bool shared);
uint32_t wasm_mb_import_table(WasmModuleBuilder *mb, const char *module, const char *name,
                              uint32_t min, int64_t max);

/* A mutable or constant global initialised to a constant. Returns its index. */
uint32_t wasm_mb_add_global(WasmModuleBuilder *mb, WasmValType t, bool mutable_, int64_t init);

/* A function: `nlocals` declared locals of types `locals` (after the
 * params), `body` the instruction bytes WITHOUT the final `end` (the
 * builder appends it).  Returns the function index (imports included). */
uint32_t wasm_mb_add_func(WasmModuleBuilder *mb, uint32_t typeidx, unsigned nlocals,
                          const uint8_t *locals, const uint8_t *body, size_t body_len);

void wasm_mb_export_func(WasmModuleBuilder *mb, const char *name, uint32_t funcidx);
/* Put every defined function, in order, into table 0 at the offset held by
 * the (imported, immutable i32) global globalidx when the module is
 * instantiated: one active element segment (5.5.12).  Then the host needs
 * no exports to install them. */
void wasm_mb_set_table_segment(WasmModuleBuilder *mb, uint32_t globalidx);
void wasm_mb_add_custom(WasmModuleBuilder *mb, const char *name, const void *data, size_t len);

/* Number of functions defined (not imported) so far. */
static inline uint32_t wasm_mb_nfuncs(const WasmModuleBuilder *mb)
{
    return mb->nfuncs;
}

/* Assemble the module into out (initialised here; caller frees).
 * Returns 0, or -1 if a builder call failed or memory ran out. */
int wasm_mb_finish(WasmModuleBuilder *mb, WasmBuf *out) __attribute__((warn_unused_result));

#endif
