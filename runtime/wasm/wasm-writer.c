/* wasm-writer.c - byte buffers, LEB128 and the module builder (wasm-writer.h).
 *
 * Sections are kept as separate buffers of their entries and framed (id,
 * size, count) only in wasm_mb_finish(), in the order the spec requires.
 */
#include "wasm/wasm-writer.h"
#include <stdlib.h>
#include <string.h>

void wasm_buf_init(WasmBuf *b)
{
    memset(b, 0, sizeof(*b));
}

void wasm_buf_free(WasmBuf *b)
{
    free(b->data);
    wasm_buf_init(b);
}

void wasm_buf_reset(WasmBuf *b)
{
    b->len = 0;
    b->oom = false;
}

static bool buf_reserve(WasmBuf *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->len + n <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n)
        cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void wasm_buf_byte(WasmBuf *b, uint8_t v)
{
    if (buf_reserve(b, 1))
        b->data[b->len++] = v;
}

void wasm_buf_bytes(WasmBuf *b, const void *p, size_t n)
{
    if (n && buf_reserve(b, n)) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    }
}

void wasm_buf_u32(WasmBuf *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        wasm_buf_byte(b, byte | (v ? 0x80 : 0));
    } while (v);
}

void wasm_buf_s64(WasmBuf *b, int64_t v)
{
    for (;;) {
        uint8_t byte = (uint8_t)(v & 0x7f);
        /* arithmetic shift of a negative value: done on the magnitude bits */
        v = v < 0 ? ~(~v >> 7) : v >> 7;
        bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
        wasm_buf_byte(b, byte | (done ? 0 : 0x80));
        if (done)
            return;
    }
}

void wasm_buf_s32(WasmBuf *b, int32_t v)
{
    wasm_buf_s64(b, v);
}

void wasm_buf_name(WasmBuf *b, const char *s)
{
    size_t n = strlen(s);
    wasm_buf_u32(b, (uint32_t)n);
    wasm_buf_bytes(b, s, n);
}

/* ---- module builder ---- */

void wasm_mb_init(WasmModuleBuilder *mb)
{
    memset(mb, 0, sizeof(*mb));
}

void wasm_mb_free(WasmModuleBuilder *mb)
{
    WasmBuf *bufs[] = {&mb->imports, &mb->funcs, &mb->globals,
                       &mb->exports, &mb->code,  &mb->customs};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
        wasm_buf_free(bufs[i]);
    wasm_mb_init(mb);
}

uint32_t wasm_mb_type(WasmModuleBuilder *mb, unsigned nparams, const uint8_t *params,
                      unsigned nresults, const uint8_t *results)
{
    if (nparams > WASM_MAX_TYPE_ARITY || nresults > WASM_MAX_TYPE_ARITY) {
        mb->failed = true;
        return 0;
    }
    for (uint32_t i = 0; i < mb->ntypes; i++) {
        const WasmFuncType *t = &mb->types[i];
        if (t->nparams == nparams && t->nresults == nresults &&
            !memcmp(t->params, params, nparams) && !memcmp(t->results, results, nresults))
            return i;
    }
    if (mb->ntypes == WASM_MAX_TYPES) {
        mb->failed = true;
        return 0;
    }
    WasmFuncType *t = &mb->types[mb->ntypes];
    memset(t, 0, sizeof(*t));
    t->nparams = (uint8_t)nparams;
    t->nresults = (uint8_t)nresults;
    memcpy(t->params, params, nparams);
    memcpy(t->results, results, nresults);
    return mb->ntypes++;
}

/* Limits (5.3.4); flag 0x03 = shared with max (threads proposal). */
static void put_limits(WasmBuf *b, uint32_t min, int64_t max, bool shared)
{
    wasm_buf_byte(b, (uint8_t)((max >= 0 ? 1 : 0) | (shared ? 2 : 0)));
    wasm_buf_u32(b, min);
    if (max >= 0)
        wasm_buf_u32(b, (uint32_t)max);
}

static bool import_ok(WasmModuleBuilder *mb)
{
    if (mb->nfuncs) {
        mb->failed = true; /* imports come first in their index spaces */
        return false;
    }
    return true;
}

uint32_t wasm_mb_import_func(WasmModuleBuilder *mb, const char *module, const char *name,
                             uint32_t typeidx)
{
    if (!import_ok(mb))
        return 0;
    wasm_buf_name(&mb->imports, module);
    wasm_buf_name(&mb->imports, name);
    wasm_buf_byte(&mb->imports, 0x00);
    wasm_buf_u32(&mb->imports, typeidx);
    mb->nimports++;
    return mb->nfunc_imports++;
}

uint32_t wasm_mb_import_memory(WasmModuleBuilder *mb, const char *module, const char *name,
                               uint32_t min_pages, int64_t max_pages, bool shared)
{
    if (!import_ok(mb) || (shared && max_pages < 0)) {
        mb->failed = true; /* a shared memory must declare its maximum */
        return 0;
    }
    wasm_buf_name(&mb->imports, module);
    wasm_buf_name(&mb->imports, name);
    wasm_buf_byte(&mb->imports, 0x02);
    put_limits(&mb->imports, min_pages, max_pages, shared);
    mb->nimports++;
    return 0;
}

uint32_t wasm_mb_import_table(WasmModuleBuilder *mb, const char *module, const char *name,
                              uint32_t min, int64_t max)
{
    if (!import_ok(mb))
        return 0;
    wasm_buf_name(&mb->imports, module);
    wasm_buf_name(&mb->imports, name);
    wasm_buf_byte(&mb->imports, 0x01);
    wasm_buf_byte(&mb->imports, WASM_FUNCREF);
    put_limits(&mb->imports, min, max, false);
    mb->nimports++;
    return mb->ntable_imports++;
}

uint32_t wasm_mb_add_global(WasmModuleBuilder *mb, WasmValType t, bool mutable_, int64_t init)
{
    WasmBuf *b = &mb->globals;
    wasm_buf_byte(b, (uint8_t)t);
    wasm_buf_byte(b, mutable_ ? 1 : 0);
    if (t == WASM_I32) {
        wasm_i32_const(b, (int32_t)init);
    } else if (t == WASM_I64) {
        wasm_i64_const(b, init);
    } else {
        mb->failed = true; /* only integer globals are needed */
    }
    wasm_end(b);
    return mb->nglobals++;
}

uint32_t wasm_mb_add_func(WasmModuleBuilder *mb, uint32_t typeidx, unsigned nlocals,
                          const uint8_t *locals, const uint8_t *body, size_t body_len)
{
    if (typeidx >= mb->ntypes) {
        mb->failed = true;
        return 0;
    }
    wasm_buf_u32(&mb->funcs, typeidx);

    /* Code entry (5.5.13): size, local groups (count, type), body, end. */
    WasmBuf f;
    wasm_buf_init(&f);
    uint32_t ngroups = 0;
    for (unsigned i = 0; i < nlocals; i++)
        ngroups += i == 0 || locals[i] != locals[i - 1];
    wasm_buf_u32(&f, ngroups);
    for (unsigned i = 0; i < nlocals;) {
        unsigned j = i;
        while (j < nlocals && locals[j] == locals[i])
            j++;
        wasm_buf_u32(&f, j - i);
        wasm_buf_byte(&f, locals[i]);
        i = j;
    }
    wasm_buf_bytes(&f, body, body_len);
    wasm_end(&f);
    if (f.oom)
        mb->code.oom = true;
    wasm_buf_u32(&mb->code, (uint32_t)f.len);
    wasm_buf_bytes(&mb->code, f.data, f.len);
    wasm_buf_free(&f);
    return mb->nfunc_imports + mb->nfuncs++;
}

void wasm_mb_export_func(WasmModuleBuilder *mb, const char *name, uint32_t funcidx)
{
    wasm_buf_name(&mb->exports, name);
    wasm_buf_byte(&mb->exports, 0x00);
    wasm_buf_u32(&mb->exports, funcidx);
    mb->nexports++;
}

void wasm_mb_set_table_segment(WasmModuleBuilder *mb, uint32_t globalidx)
{
    mb->table_segment = true;
    mb->segment_global = globalidx;
}

void wasm_mb_add_custom(WasmModuleBuilder *mb, const char *name, const void *data, size_t len)
{
    WasmBuf c;
    wasm_buf_init(&c);
    wasm_buf_name(&c, name);
    wasm_buf_bytes(&c, data, len);
    if (c.oom)
        mb->customs.oom = true;
    wasm_buf_byte(&mb->customs, WASM_SEC_CUSTOM);
    wasm_buf_u32(&mb->customs, (uint32_t)c.len);
    wasm_buf_bytes(&mb->customs, c.data, c.len);
    wasm_buf_free(&c);
}

/* Frame one section: id, byte size, entry count, entries. */
static void put_section(WasmBuf *out, uint8_t id, uint32_t count, const WasmBuf *entries)
{
    if (!count)
        return;
    WasmBuf n;
    wasm_buf_init(&n);
    wasm_buf_u32(&n, count);
    if (n.oom || entries->oom)
        out->oom = true;
    wasm_buf_byte(out, id);
    wasm_buf_u32(out, (uint32_t)(n.len + entries->len));
    wasm_buf_bytes(out, n.data, n.len);
    wasm_buf_bytes(out, entries->data, entries->len);
    wasm_buf_free(&n);
}

int wasm_mb_finish(WasmModuleBuilder *mb, WasmBuf *out)
{
    static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    wasm_buf_init(out);
    wasm_buf_bytes(out, header, sizeof(header));

    WasmBuf types;
    wasm_buf_init(&types);
    for (uint32_t i = 0; i < mb->ntypes; i++) {
        const WasmFuncType *t = &mb->types[i];
        wasm_buf_byte(&types, 0x60);
        wasm_buf_u32(&types, t->nparams);
        wasm_buf_bytes(&types, t->params, t->nparams);
        wasm_buf_u32(&types, t->nresults);
        wasm_buf_bytes(&types, t->results, t->nresults);
    }
    put_section(out, WASM_SEC_TYPE, mb->ntypes, &types);
    wasm_buf_free(&types);
    put_section(out, WASM_SEC_IMPORT, mb->nimports, &mb->imports);
    put_section(out, WASM_SEC_FUNCTION, mb->nfuncs, &mb->funcs);
    put_section(out, WASM_SEC_GLOBAL, mb->nglobals, &mb->globals);
    put_section(out, WASM_SEC_EXPORT, mb->nexports, &mb->exports);
    if (mb->table_segment && mb->nfuncs) {
        /* flags 0: active, table 0, offset expression, function indices */
        WasmBuf seg;
        wasm_buf_init(&seg);
        wasm_buf_u32(&seg, 0);
        wasm_buf_byte(&seg, WASM_OPC_global_get);
        wasm_buf_u32(&seg, mb->segment_global);
        wasm_buf_byte(&seg, WASM_OPC_end);
        wasm_buf_u32(&seg, mb->nfuncs);
        for (uint32_t i = 0; i < mb->nfuncs; i++)
            wasm_buf_u32(&seg, mb->nfunc_imports + i);
        put_section(out, WASM_SEC_ELEM, 1, &seg);
        wasm_buf_free(&seg);
    }
    put_section(out, WASM_SEC_CODE, mb->nfuncs, &mb->code);
    wasm_buf_bytes(out, mb->customs.data, mb->customs.len);
    if (mb->customs.oom)
        out->oom = true;
    if (mb->failed || out->oom) {
        wasm_buf_free(out);
        return -1;
    }
    return 0;
}
