/* tci/tci-image.c - TCI blocks as bytes: the form an AOT bundle carries
 * for the blocks it does not compile to Wasm, so the runtime loads them
 * instead of translating them (docs/aot.md, "TCI images").
 *
 * An image is position independent: opcodes instead of handler addresses,
 * helper indices (into the IRContext's list) instead of function pointers;
 * env offsets exactly as compiled.  Layout, every integer LEB128 (imm
 * signed):
 *   ninsns ncalls
 *   ninsns x { op d a b c imm }
 *   ncalls x { helper ret arg0 arg1 arg2 arg3 nargs bits }
 *             bits: has_ret | ret32 << 1 | arg32 << 2 (4 bits)
 * The reader trusts nothing: each operand is checked against what the
 * interpreter does with it (env offsets inside env, branch targets and call
 * indices inside the block, TLB rows of real MMU indices, fault sites inside
 * the guest block, control never running off the end), so a bad image is
 * refused, never run. */
#include <stdlib.h>
#include <string.h>
#include "exec/tlb.h"
#include "tci/tci-internal.h"
#include "util/leb.h"
#include "wasm/wasm-writer.h"

/* Operand roles per opcode class. */
static bool is_branch(unsigned op)
{
    return op == TCI_br || (op >= TCI_setcond_eq_64 && ((op - TCI_setcond_eq_64) & 4));
}

static bool is_qmem(unsigned op)
{
    return op >= TCI_qld8u && op <= TCI_qst64;
}

static unsigned insn_op(const TCIInsn *in)
{
#ifdef TCI_THREADED
    const void *const *t = tci_handler_table();
    for (unsigned op = 0; op < TCI_NB_OPS; op++)
        if (t[op] == in->u.h)
            return op;
    return TCI_NB_OPS;
#else
    return (unsigned)in->u.op;
#endif
}

int tci_image_write(const TCIBlock *b, const IRContext *ctx, WasmBuf *out)
{
    wasm_buf_u32(out, b->ninsns);
    wasm_buf_u32(out, b->ncalls);
    for (unsigned i = 0; i < b->ninsns; i++) {
        const TCIInsn *in = &b->insns[i];
        unsigned op = insn_op(in);
        if (op >= TCI_NB_OPS)
            return -1;
        wasm_buf_u32(out, op);
        wasm_buf_u32(out, in->d);
        wasm_buf_u32(out, in->a);
        wasm_buf_u32(out, in->b);
        wasm_buf_u32(out, in->c);
        wasm_buf_s64(out, in->imm);
    }
    for (unsigned i = 0; i < b->ncalls; i++) {
        const TCICall *c = &b->calls[i];
        unsigned h = 0;
        while (h < ctx->nhelpers && ctx->helpers[h].fn != c->fn)
            h++;
        if (h == ctx->nhelpers)
            return -1;
        wasm_buf_u32(out, h);
        wasm_buf_u32(out, c->ret);
        for (unsigned k = 0; k < 4; k++)
            wasm_buf_u32(out, c->arg[k]);
        wasm_buf_byte(out, c->nargs);
        wasm_buf_byte(out, (uint8_t)(c->has_ret | c->ret32 << 1 | (c->arg32 & 15) << 2));
    }
    return wasm_buf_ok(out) ? 0 : -1;
}

/* Reader state: the image, and the limits its operands must respect. */
typedef struct ImageReader {
    const uint8_t *d;
    size_t len, pos;
    uint32_t env_limit; /* an 8-byte access at offset o is in env iff o <= env_limit */
    const char *why;
} ImageReader;

/* Most numbers in an image take one or two bytes: those are decoded
 * inline (this runs for every operand of every block a boot loads). */
static inline __attribute__((always_inline)) bool rd_u32(ImageReader *r, uint32_t *v)
{
    size_t p = r->pos;
    if (p + 1 < r->len) {
        uint8_t b0 = r->d[p], b1 = r->d[p + 1];
        if (b0 < 0x80) {
            *v = b0;
            r->pos = p + 1;
            return true;
        }
        if (b1 < 0x80) {
            *v = (uint32_t)(b0 & 0x7f) | (uint32_t)b1 << 7;
            r->pos = p + 2;
            return true;
        }
    }
    if (leb_read_u32(r->d, r->len, &r->pos, v)) {
        r->why = "truncated or malformed number";
        return false;
    }
    return true;
}

static inline __attribute__((always_inline)) bool rd_s64(ImageReader *r, int64_t *v)
{
    size_t p = r->pos;
    if (p < r->len && r->d[p] < 0x80) {
        uint8_t b = r->d[p];
        *v = (b & 0x40) ? (int64_t)b - 0x80 : (int64_t)b; /* 7-bit signed */
        r->pos = p + 1;
        return true;
    }
    if (leb_read_s64(r->d, r->len, &r->pos, v)) {
        r->why = "truncated or malformed number";
        return false;
    }
    return true;
}

static bool env_ok(ImageReader *r, uint64_t off)
{
    if (off > r->env_limit) {
        r->why = "env offset out of range";
        return false;
    }
    return true;
}

/* The operands of insn in (opcode op) of a block of n insns, ncalls calls. */
static bool check_insn(ImageReader *r, const IRContext *ctx, const TCIInsn *in, unsigned op,
                       unsigned n, unsigned ncalls, unsigned guest_insns, unsigned guest_size)
{
    uint32_t hi = (uint32_t)((uint64_t)in->imm >> 32), lo = (uint32_t)in->imm;
    if (is_branch(op)) {
        if (in->d >= n) {
            r->why = "branch target out of range";
            return false;
        }
        return env_ok(r, in->a) && env_ok(r, in->b) && env_ok(r, in->c);
    }
    if (op == TCI_call) {
        if (in->a >= ncalls) {
            r->why = "call index out of range";
            return false;
        }
        return true;
    }
    if (is_qmem(op)) {
        uint32_t mo = hi & ~TCI_MO_I32;
        uint32_t row = ctx->tlb_offset + IR_MO_MMU(mo) * (uint32_t)(sizeof(TLBEntry) * TLB_SIZE);
        if (IR_MO_MMU(mo) >= TLB_NB_MMU || in->b != row) {
            r->why = "bad TLB row of a memory access";
            return false;
        }
        if (IR_SITE_IDX(in->c) >= guest_insns || IR_SITE_PCOFF(in->c) >= guest_size) {
            r->why = "fault site outside the guest block";
            return false;
        }
        return env_ok(r, in->d) && env_ok(r, in->a);
    }
    if (op == TCI_ld_64 || op == TCI_ld_32 || op == TCI_st_64 || op == TCI_st_32) {
        if (hi || !env_ok(r, lo))
            return false;
    } else if (op == TCI_movcond_64 || op == TCI_movcond_32) {
        if (hi > IR_GTU) {
            r->why = "bad condition";
            return false;
        }
        if (!env_ok(r, lo))
            return false;
    }
    return env_ok(r, in->d) && env_ok(r, in->a) && env_ok(r, in->b) && env_ok(r, in->c);
}

/* tci_image_read's allocator: malloc, and the block in *opaque, so the
 * caller can free it if the image is refused. */
static void *heap_alloc(size_t size, void *opaque)
{
    return *(void **)opaque = malloc(size);
}

TCIBlock *tci_image_read(const uint8_t *data, size_t len, const IRContext *ctx,
                         unsigned guest_insns, unsigned guest_size, const char **why)
{
    void *mem = NULL;
    TCIBlock *b = tci_image_read_in(data, len, ctx, guest_insns, guest_size, heap_alloc, &mem, why);
    if (!b)
        free(mem);
    return b;
}

TCIBlock *tci_image_read_in(const uint8_t *data, size_t len, const IRContext *ctx,
                            unsigned guest_insns, unsigned guest_size, TCIImageAlloc *alloc,
                            void *opaque, const char **why)
{
    ImageReader r = {.d = data, .len = len};
    uint64_t env_end = (uint64_t)ctx->frame_offset + 8ull * ctx->frame_slots;
    r.env_limit = env_end >= 8 ? (uint32_t)(env_end - 8) : 0;
    uint32_t n, ncalls;
    TCIBlock *b = NULL;
    if (!rd_u32(&r, &n) || !rd_u32(&r, &ncalls))
        goto fail;
    /* Each insn takes at least 6 bytes, each call 8: bounds the allocation. */
    if (!n || n > (len - r.pos) / 6 || ncalls > (len - r.pos) / 8) {
        r.why = "insn or call count does not fit the image";
        goto fail;
    }
    size_t size = sizeof(TCIBlock) + sizeof(TCIInsn) * n + sizeof(TCICall) * ncalls;
    b = alloc(size, opaque);
    if (!b) {
        r.why = "out of memory";
        goto fail;
    }
    TCIInsn *insns = (TCIInsn *)(b + 1);
    TCICall *calls = (TCICall *)(insns + n);
#ifdef TCI_THREADED
    const void *const *handlers = tci_handler_table();
#endif
    uint32_t op = TCI_NB_OPS;
    for (unsigned i = 0; i < n; i++) {
        TCIInsn *in = &insns[i];
        if (!rd_u32(&r, &op) || !rd_u32(&r, &in->d) || !rd_u32(&r, &in->a) || !rd_u32(&r, &in->b) ||
            !rd_u32(&r, &in->c))
            goto fail;
        if (!rd_s64(&r, &in->imm))
            goto fail;
        if (op >= TCI_NB_OPS) {
            r.why = "unknown opcode";
            goto fail;
        }
        if (!check_insn(&r, ctx, in, op, n, ncalls, guest_insns, guest_size))
            goto fail;
        if (op == TCI_ret && (uint64_t)in->imm > IR_EXIT_FAULT) {
            r.why = "bad exit status";
            goto fail;
        }
#ifdef TCI_THREADED
        in->u.h = handlers[op];
#else
        in->u.op = op;
#endif
    }
    /* The last insn must leave the block or jump: nothing runs past it. */
    if (op != TCI_end && op != TCI_ret && op != TCI_br) {
        r.why = "block does not end in a jump or exit";
        goto fail;
    }
    for (unsigned i = 0; i < ncalls; i++) {
        TCICall *c = &calls[i];
        uint32_t h;
        if (!rd_u32(&r, &h) || !rd_u32(&r, &c->ret))
            goto fail;
        for (unsigned k = 0; k < 4; k++)
            if (!rd_u32(&r, &c->arg[k]))
                goto fail;
        if (r.len - r.pos < 2) {
            r.why = "truncated call";
            goto fail;
        }
        c->nargs = r.d[r.pos++];
        uint8_t bits = r.d[r.pos++];
        if (h >= ctx->nhelpers || c->nargs > 4 || bits > 63 ||
            ((bits & 1) && !ctx->helpers[h].has_ret)) {
            r.why = "bad helper call";
            goto fail;
        }
        if (!env_ok(&r, c->ret) || !env_ok(&r, c->arg[0]) || !env_ok(&r, c->arg[1]) ||
            !env_ok(&r, c->arg[2]) || !env_ok(&r, c->arg[3]))
            goto fail;
        c->fn = ctx->helpers[h].fn;
        c->has_ret = bits & 1;
        c->ret32 = (bits >> 1) & 1;
        c->arg32 = bits >> 2;
        c->check_exit = (ctx->helpers[h].flags & IR_H_EXIT) != 0;
    }
    if (r.pos != len) {
        r.why = "trailing bytes after the block";
        goto fail;
    }
    b->insns = insns;
    b->calls = calls;
    b->ninsns = n;
    b->ncalls = ncalls;
    b->load_slow = ctx->load_slow;
    b->store_slow = ctx->store_slow;
    b->exit_status_offset = ctx->exit_status_offset;
    b->size = size;
    return b;

fail: /* b, if any, is the caller's memory (tci_image_read frees its own) */
    if (why)
        *why = r.why ? r.why : "bad image";
    return NULL;
}
