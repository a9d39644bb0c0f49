/* tci/tci.c - TCI: compiles an IRFunc to pre-decoded, typed instructions
 * whose operands are byte offsets into env, and runs them.
 * Contract: tci_run() computes exactly what the IR says (ir_eval semantics),
 * i32 values are kept zero-extended in 64-bit frame slots, faults from
 * guest memory or IR_H_EXIT helpers return their status at once, before the
 * faulting op writes its output.  Assumes a little-endian host (x86, Arm,
 * wasm): 32-bit reads of 64-bit slots read the low half. */
#include "tci/tci.h"
#include "exec/tlb.h"
#include "ir/ir-arith.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "TCI assumes a little-endian host"
#endif

#if defined(__GNUC__)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#if defined(__clang__)
#define TCI_NOINLINE __attribute__((noinline))
#else
/* noclone: handler addresses must come from the one copy of tci_exec(). */
#define TCI_NOINLINE __attribute__((noinline, noclone))
#endif
#else
#define likely(x) (x)
#define unlikely(x) (x)
#define TCI_NOINLINE
#endif

#include "tci/tci-internal.h"

/* ---- run ---- */

static inline uint64_t tci_ld64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t tci_ld32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline void tci_st64(char *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static inline void tci_st32(char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static TCI_NOINLINE int tci_load_slow(const TCIBlock *b, void *env, uint64_t addr, uint32_t mo,
                                      uint32_t site, uint64_t *v)
{
    *v = 0;
    if (!b->load_slow)
        return IR_EXIT_FAULT;
    return b->load_slow(env, addr, mo & ~TCI_MO_I32, site, v);
}

static TCI_NOINLINE int tci_store_slow(const TCIBlock *b, void *env, uint64_t addr, uint64_t v,
                                       uint32_t mo, uint32_t site)
{
    if (!b->store_slow)
        return IR_EXIT_FAULT;
    return b->store_slow(env, addr, v, mo, site);
}

static TCI_NOINLINE uint32_t tci_call(const TCIBlock *b, const TCICall *c, char *E)
{
    uint64_t x[4] = {0, 0, 0, 0};
    for (unsigned i = 0; i < c->nargs; i++)
        x[i] = (c->arg32 >> i) & 1 ? tci_ld32(E + c->arg[i]) : tci_ld64(E + c->arg[i]);
    uint64_t r = c->fn(E, x[0], x[1], x[2], x[3]);
    if (c->check_exit) {
        uint32_t st = tci_ld32(E + b->exit_status_offset);
        if (st)
            return st;
    }
    if (c->has_ret)
        tci_st64(E + c->ret, c->ret32 ? (uint32_t)r : r);
    return 0;
}

static uint64_t tci_mo_extend(uint64_t v, uint32_t mo)
{
    switch (IR_MO_SIZE(mo) | (mo & IR_MO_SIGN)) {
    case 0: v = (uint8_t)v; break;
    case 1: v = (uint16_t)v; break;
    case 2: v = (uint32_t)v; break;
    case 0 | IR_MO_SIGN: v = (uint64_t)(int64_t)(int8_t)v; break;
    case 1 | IR_MO_SIGN: v = (uint64_t)(int64_t)(int16_t)v; break;
    case 2 | IR_MO_SIGN: v = (uint64_t)(int64_t)(int32_t)v; break;
    default: break;
    }
    return (mo & TCI_MO_I32) ? (uint32_t)v : v;
}

#ifdef TCI_THREADED
#define vmdispatch(x) goto *(x)->u.h;
#define vmcase(n) L_##n:
#define vmbreak goto * ip->u.h
#else
#define vmdispatch(x) switch ((x)->u.op)
#define vmcase(n) case TCI_##n:
#define vmbreak continue
#endif

#define R64(o) tci_ld64(E + (o))
#define R32(o) tci_ld32(E + (o))
#define W64(o, v) tci_st64(E + (o), (v))
#define NEXT                                                                                       \
    ip++;                                                                                          \
    vmbreak

/* Binary op, register and immediate second input. */
#define TCI_BIN(n, e64, e32)                                                                       \
    vmcase(n##_64)                                                                                 \
    {                                                                                              \
        uint64_t a = R64(ip->a), b = R64(ip->b);                                                   \
        W64(ip->d, e64);                                                                           \
        NEXT;                                                                                      \
    }                                                                                              \
    vmcase(n##_32)                                                                                 \
    {                                                                                              \
        uint32_t a = R32(ip->a), b = R32(ip->b);                                                   \
        W64(ip->d, (uint32_t)(e32));                                                               \
        NEXT;                                                                                      \
    }
#define TCI_BINI(n, e64, e32)                                                                      \
    vmcase(n##_64)                                                                                 \
    {                                                                                              \
        uint64_t a = R64(ip->a), b = (uint64_t)ip->imm;                                            \
        W64(ip->d, e64);                                                                           \
        NEXT;                                                                                      \
    }                                                                                              \
    vmcase(n##_32)                                                                                 \
    {                                                                                              \
        uint32_t a = R32(ip->a), b = (uint32_t)ip->imm;                                            \
        W64(ip->d, (uint32_t)(e32));                                                               \
        NEXT;                                                                                      \
    }
/* i32 op sign-extended into a 64-bit result, register and immediate b. */
#define TCI_BINW(n, e)                                                                             \
    vmcase(n)                                                                                      \
    {                                                                                              \
        uint32_t a = R32(ip->a), b = R32(ip->b);                                                   \
        W64(ip->d, (uint64_t)(int64_t)(int32_t)(uint32_t)(e));                                     \
        NEXT;                                                                                      \
    }
#define TCI_BINWI(n, e)                                                                            \
    vmcase(n)                                                                                      \
    {                                                                                              \
        uint32_t a = R32(ip->a), b = (uint32_t)ip->imm;                                            \
        W64(ip->d, (uint64_t)(int64_t)(int32_t)(uint32_t)(e));                                     \
        NEXT;                                                                                      \
    }
#define TCI_UN(n, e64, e32)                                                                        \
    vmcase(n##_64)                                                                                 \
    {                                                                                              \
        uint64_t a = R64(ip->a);                                                                   \
        W64(ip->d, e64);                                                                           \
        NEXT;                                                                                      \
    }                                                                                              \
    vmcase(n##_32)                                                                                 \
    {                                                                                              \
        uint32_t a = R32(ip->a);                                                                   \
        W64(ip->d, (uint32_t)(e32));                                                               \
        NEXT;                                                                                      \
    }
/* Comparisons: S64/S32 give signedness. */
#define TCI_COND(c, OP, S64, S32)                                                                  \
    vmcase(setcond_##c##_64)                                                                       \
    {                                                                                              \
        W64(ip->d, (S64)R64(ip->a) OP(S64) R64(ip->b));                                            \
        NEXT;                                                                                      \
    }                                                                                              \
    vmcase(setcond_##c##_32)                                                                       \
    {                                                                                              \
        W64(ip->d, (S32)R32(ip->a) OP(S32) R32(ip->b));                                            \
        NEXT;                                                                                      \
    }                                                                                              \
    vmcase(setcondi_##c##_64)                                                                      \
    {                                                                                              \
        W64(ip->d, (S64)R64(ip->a) OP(S64) ip->imm);                                               \
        NEXT;                                                                                      \
    }                                                                                              \
    vmcase(setcondi_##c##_32)                                                                      \
    {                                                                                              \
        W64(ip->d, (S32)R32(ip->a) OP(S32)(uint32_t) ip->imm);                                     \
        NEXT;                                                                                      \
    }                                                                                              \
    vmcase(brcond_##c##_64)                                                                        \
    {                                                                                              \
        ip = ((S64)R64(ip->a) OP(S64) R64(ip->b)) ? base + ip->d : ip + 1;                         \
        vmbreak;                                                                                   \
    }                                                                                              \
    vmcase(brcond_##c##_32)                                                                        \
    {                                                                                              \
        ip = ((S32)R32(ip->a) OP(S32) R32(ip->b)) ? base + ip->d : ip + 1;                         \
        vmbreak;                                                                                   \
    }                                                                                              \
    vmcase(brcondi_##c##_64)                                                                       \
    {                                                                                              \
        ip = ((S64)R64(ip->a) OP(S64) ip->imm) ? base + ip->d : ip + 1;                            \
        vmbreak;                                                                                   \
    }                                                                                              \
    vmcase(brcondi_##c##_32)                                                                       \
    {                                                                                              \
        ip = ((S32)R32(ip->a) OP(S32)(uint32_t) ip->imm) ? base + ip->d : ip + 1;                  \
        vmbreak;                                                                                   \
    }
/* Guest load of SZ bytes read as type T, widened by cast chain EXT. */
#define TCI_QLD(n, SZ, T, EXT)                                                                     \
    vmcase(n)                                                                                      \
    {                                                                                              \
        uint64_t addr = R64(ip->a) + (uint64_t)(int64_t)(int32_t)ip->imm, v;                       \
        const TLBEntry *te = (const TLBEntry *)(E + ip->b) + tlb_index(addr);                      \
        if (likely((addr & (TLB_PAGE_MASK | (SZ - 1))) == te->tag_r)) {                            \
            T x;                                                                                   \
            memcpy(&x, (const void *)(uintptr_t)(addr + (uint64_t)te->addend), SZ);                \
            v = EXT x;                                                                             \
        } else {                                                                                   \
            int rc = tci_load_slow(blk, env, addr, (uint32_t)(ip->imm >> 32), ip->c, &v);          \
            if (rc)                                                                                \
                return (uint32_t)rc;                                                               \
            v = EXT(T) v;                                                                          \
        }                                                                                          \
        W64(ip->d, v);                                                                             \
        NEXT;                                                                                      \
    }
#define TCI_QST(n, SZ, T)                                                                          \
    vmcase(n)                                                                                      \
    {                                                                                              \
        uint64_t addr = R64(ip->a) + (uint64_t)(int64_t)(int32_t)ip->imm, v = R64(ip->d);          \
        const TLBEntry *te = (const TLBEntry *)(E + ip->b) + tlb_index(addr);                      \
        if (likely((addr & (TLB_PAGE_MASK | (SZ - 1))) == te->tag_w)) {                            \
            T x = (T)v;                                                                            \
            memcpy((void *)(uintptr_t)(addr + (uint64_t)te->addend), &x, SZ);                      \
        } else {                                                                                   \
            int rc = tci_store_slow(blk, env, addr, (T)v, (uint32_t)(ip->imm >> 32), ip->c);       \
            if (rc)                                                                                \
                return (uint32_t)rc;                                                               \
        }                                                                                          \
        NEXT;                                                                                      \
    }

/* Runs b on env.  With b == NULL it only exports the handler table (for
 * direct threading) through *handlers. */
static TCI_NOINLINE uint32_t tci_exec(const TCIBlock *blk, void *env, const void *const **handlers)
{
#ifdef TCI_THREADED
    static const void *const table[TCI_NB_OPS] = {
#define TCI_OP(n) &&L_##n,
        TCI_OPS
#undef TCI_OP
    };
    if (!blk) {
        *handlers = table;
        return 0;
    }
#else
    (void)handlers;
    if (!blk)
        return 0;
#endif
    char *E = env;
    const TCIInsn *base = blk->insns, *ip = base;

    for (;;) {
        vmdispatch(ip)
        {
            vmcase(end) return IR_EXIT_JUMP;
            vmcase(ret) return (uint32_t)ip->imm;
            vmcase(br)
            {
                ip = base + ip->d;
                vmbreak;
            }
            vmcase(movi)
            {
                W64(ip->d, (uint64_t)ip->imm);
                NEXT;
            }
            vmcase(mov_64)
            {
                W64(ip->d, R64(ip->a));
                NEXT;
            }
            vmcase(mov_32)
            {
                W64(ip->d, R32(ip->a));
                NEXT;
            }
            vmcase(sext32)
            {
                W64(ip->d, (uint64_t)(int64_t)(int32_t)R32(ip->a));
                NEXT;
            }
            vmcase(ext8u)
            {
                W64(ip->d, (uint8_t)R32(ip->a));
                NEXT;
            }
            vmcase(ext16u)
            {
                W64(ip->d, (uint16_t)R32(ip->a));
                NEXT;
            }
            TCI_BIN(add, a + b, a + b)
            TCI_BIN(sub, a - b, a - b)
            TCI_BIN(mul, a * b, a * b)
            TCI_BIN(mulsh, ir_mulsh64(a, b), ir_mulsh32(a, b))
            TCI_BIN(muluh, ir_muluh64(a, b), ir_muluh32(a, b))
            TCI_BIN(mulsuh, ir_mulsuh64(a, b), ir_mulsuh32(a, b))
            TCI_BIN(and, a & b, a & b)
            TCI_BIN(or, a | b, a | b)
            TCI_BIN(xor, a ^ b, a ^ b)
            TCI_BIN(shl, a << (b & 63), a << (b & 31))
            TCI_BIN(shr, a >> (b & 63), a >> (b & 31))
            TCI_BIN(sar, ir_sar64(a, b & 63), ir_sar32(a, b & 31))
            TCI_BINI(addi, a + b, a + b)
            TCI_BINI(muli, a * b, a * b)
            TCI_BINI(andi, a & b, a & b)
            TCI_BINI(ori, a | b, a | b)
            TCI_BINI(xori, a ^ b, a ^ b)
            TCI_BINI(shli, a << (b & 63), a << (b & 31))
            TCI_BINI(shri, a >> (b & 63), a >> (b & 31))
            TCI_BINI(sari, ir_sar64(a, b & 63), ir_sar32(a, b & 31))
            TCI_BINW(addw, a + b)
            TCI_BINW(subw, a - b)
            TCI_BINW(mulw, a * b)
            TCI_BINW(shlw, a << (b & 31))
            TCI_BINW(shrw, a >> (b & 31))
            TCI_BINW(sarw, ir_sar32(a, b & 31))
            TCI_BINWI(addwi, a + b)
            TCI_BINWI(shlwi, a << (b & 31))
            TCI_BINWI(shrwi, a >> (b & 31))
            TCI_BINWI(sarwi, ir_sar32(a, b & 31))
            TCI_UN(neg, -a, -a)
            TCI_UN(not, ~a, ~a)
            TCI_UN(ext8s, (uint64_t)(int64_t)(int8_t)a, (uint32_t)(int32_t)(int8_t)a)
            TCI_UN(ext16s, (uint64_t)(int64_t)(int16_t)a, (uint32_t)(int32_t)(int16_t)a)
            vmcase(movcond_64)
            {
                uint64_t x = R64(ip->a), y = R64(ip->b);
                bool t = ir_cond_eval((IRCond)(ip->imm >> 32), IR_I64, x, y);
                W64(ip->d, t ? R64(ip->c) : R64((uint32_t)ip->imm));
                NEXT;
            }
            vmcase(movcond_32)
            {
                uint64_t x = R32(ip->a), y = R32(ip->b);
                bool t = ir_cond_eval((IRCond)(ip->imm >> 32), IR_I32, x, y);
                W64(ip->d, t ? R32(ip->c) : R32((uint32_t)ip->imm));
                NEXT;
            }
            vmcase(ld_64)
            {
                W64(ip->d, R64((uint32_t)ip->imm));
                NEXT;
            }
            vmcase(ld_32)
            {
                W64(ip->d, R32((uint32_t)ip->imm));
                NEXT;
            }
            vmcase(st_64)
            {
                W64((uint32_t)ip->imm, R64(ip->a));
                NEXT;
            }
            vmcase(st_32)
            {
                tci_st32(E + (uint32_t)ip->imm, R32(ip->a));
                NEXT;
            }
            vmcase(sti_64)
            {
                W64(ip->d, (uint64_t)ip->imm);
                NEXT;
            }
            vmcase(sti_32)
            {
                tci_st32(E + ip->d, (uint32_t)ip->imm);
                NEXT;
            }
            TCI_QLD(qld8u, 1, uint8_t, (uint64_t))
            TCI_QLD(qld8s, 1, int8_t, (uint64_t)(int64_t))
            TCI_QLD(qld16u, 2, uint16_t, (uint64_t))
            TCI_QLD(qld16s, 2, int16_t, (uint64_t)(int64_t))
            TCI_QLD(qld32u, 4, uint32_t, (uint64_t))
            TCI_QLD(qld32s, 4, int32_t, (uint64_t)(int64_t))
            TCI_QLD(qld64, 8, uint64_t, (uint64_t))
            vmcase(qld_gen)
            {
                uint64_t addr = R64(ip->a) + (uint64_t)(int64_t)(int32_t)ip->imm, v = 0;
                uint32_t mo = (uint32_t)(ip->imm >> 32);
                unsigned sz = 1u << IR_MO_SIZE(mo);
                const TLBEntry *te = (const TLBEntry *)(E + ip->b) + tlb_index(addr);
                if (likely((addr & (TLB_PAGE_MASK | (sz - 1))) == te->tag_r)) {
                    memcpy(&v, (const void *)(uintptr_t)(addr + (uint64_t)te->addend), sz);
                } else {
                    int rc = tci_load_slow(blk, env, addr, mo, ip->c, &v);
                    if (rc)
                        return (uint32_t)rc;
                }
                W64(ip->d, tci_mo_extend(v, mo));
                NEXT;
            }
            TCI_QST(qst8, 1, uint8_t)
            TCI_QST(qst16, 2, uint16_t)
            TCI_QST(qst32, 4, uint32_t)
            TCI_QST(qst64, 8, uint64_t)
            vmcase(call)
            {
                uint32_t st = tci_call(blk, &blk->calls[ip->a], E);
                if (st)
                    return st;
                NEXT;
            }
            TCI_COND(eq, ==, uint64_t, uint32_t)
            TCI_COND(ne, !=, uint64_t, uint32_t)
            TCI_COND(lt, <, int64_t, int32_t)
            TCI_COND(ge, >=, int64_t, int32_t)
            TCI_COND(ltu, <, uint64_t, uint32_t)
            TCI_COND(geu, >=, uint64_t, uint32_t)
            TCI_COND(le, <=, int64_t, int32_t)
            TCI_COND(gt, >, int64_t, int32_t)
            TCI_COND(leu, <=, uint64_t, uint32_t)
            TCI_COND(gtu, >, uint64_t, uint32_t)
#ifndef TCI_THREADED
        default: return IR_EXIT_JUMP; /* corrupt block: cannot happen */
#endif
        }
    }
}

uint32_t tci_run(const TCIBlock *b, void *env)
{
    return tci_exec(b, env, NULL);
}

/* ---- compile ---- */

typedef struct TCICompiler {
    const IRFunc *f;
    const IRContext *ctx;
    unsigned nglobals;
    bool emitting; /* pass 2: write insns (pass 1 only counts and marks uses) */
    bool fail;
    bool fuse; /* fused insns and aliases allowed */
    TCIInsn *insns;
    TCICall *calls;
    unsigned n, ncalls;
    uint32_t scratch;     /* frame slot for results bound for i32 globals */
    int64_t pending_st32; /* offset of the i32 global the last dst() chose, or -1 */
    uint32_t *label_pos;
    int64_t redirect;            /* env offset the next dst() must return instead, or -1 */
    uint8_t ndefs[IR_MAX_TEMPS]; /* saturates at 2 */
    uint8_t nuse[IR_MAX_TEMPS];  /* reads as an input, saturates at 255 */
    uint8_t is_const[IR_MAX_TEMPS];
    uint8_t needed[IR_MAX_TEMPS]; /* read as a register somewhere */
    uint8_t is_alias[IR_MAX_TEMPS];
    IRTemp alias_src[IR_MAX_TEMPS]; /* temp whose slot an alias reads, or IR_NONE */
    uint32_t alias_off[IR_MAX_TEMPS];
    uint64_t cval[IR_MAX_TEMPS];
    uint8_t skip[IR_MAX_OPS]; /* op already compiled into an earlier fused insn */
} TCICompiler;

static TCIInsn *emit(TCICompiler *C, unsigned opc)
{
    static _Thread_local TCIInsn dummy;
    TCIInsn *p = C->emitting ? &C->insns[C->n] : &dummy;
    C->n++;
    memset(p, 0, sizeof(*p));
    p->u.op = opc;
    return p;
}

static uint32_t temp_off(TCICompiler *C, IRTemp t)
{
    if (t >= C->f->ntemps) {
        C->fail = true;
        return 0;
    }
    if (t < C->nglobals)
        return C->ctx->globals[t].offset;
    return C->ctx->frame_offset + 8u * (t - C->nglobals);
}

static bool cnst(TCICompiler *C, IRTemp t, uint64_t *v)
{
    if (t >= C->f->ntemps || !C->is_const[t])
        return false;
    *v = C->cval[t];
    return true;
}

/* An input read from its slot (an alias reads its source's bytes). */
static uint32_t rd(TCICompiler *C, IRTemp t)
{
    if (t < C->f->ntemps && C->is_alias[t]) {
        if (C->alias_src[t] != IR_NONE)
            C->needed[C->alias_src[t]] = 1;
        return C->alias_off[t];
    }
    if (t < C->f->ntemps)
        C->needed[t] = 1;
    return temp_off(C, t);
}

static bool is_i32_global(TCICompiler *C, IRTemp t)
{
    return t < C->nglobals && C->ctx->globals[t].type == IR_I32;
}

/* An output slot.  Handlers write 64 bits, so an i32 global (a 4-byte
 * field) is written through the scratch slot and a st_32 (dst_done). */
static uint32_t dst(TCICompiler *C, IRTemp t)
{
    if (C->redirect >= 0) {
        uint32_t o = (uint32_t)C->redirect;
        C->redirect = -1;
        return o;
    }
    if (is_i32_global(C, t)) {
        C->pending_st32 = C->ctx->globals[t].offset;
        return C->scratch;
    }
    return temp_off(C, t);
}

static void dst_done(TCICompiler *C)
{
    if (C->pending_st32 >= 0) {
        TCIInsn *p = emit(C, TCI_st_32);
        p->a = C->scratch;
        p->imm = C->pending_st32;
        C->pending_st32 = -1;
    }
}

static void emit_movi(TCICompiler *C, IRTemp d, uint64_t v)
{
    TCIInsn *p = emit(C, TCI_movi);
    p->d = dst(C, d);
    p->imm = (int64_t)v;
    dst_done(C);
}

static void emit_rr(TCICompiler *C, unsigned opc, IRTemp d, IRTemp a, IRTemp b)
{
    TCIInsn *p = emit(C, opc);
    p->a = rd(C, a);
    if (b != IR_NONE)
        p->b = rd(C, b);
    p->d = dst(C, d);
    dst_done(C);
}

static void emit_ri(TCICompiler *C, unsigned opc, IRTemp d, IRTemp a, uint64_t imm)
{
    TCIInsn *p = emit(C, opc);
    p->a = rd(C, a);
    p->imm = (int64_t)imm;
    p->d = dst(C, d);
    dst_done(C);
}

static void compile_binary(TCICompiler *C, const IROp *op, unsigned w)
{
    IRTemp d = op->args[0], a = op->args[1], b = op->args[2];
    uint64_t k;
    unsigned reg, imm = 0;
    bool commutative = false;
    switch (op->opc) {
    case IR_add: reg = TCI_add_64, imm = TCI_addi_64, commutative = true; break;
    case IR_sub: reg = TCI_sub_64, imm = TCI_addi_64; break;
    case IR_mul: reg = TCI_mul_64, imm = TCI_muli_64, commutative = true; break;
    case IR_and: reg = TCI_and_64, imm = TCI_andi_64, commutative = true; break;
    case IR_or: reg = TCI_or_64, imm = TCI_ori_64, commutative = true; break;
    case IR_xor: reg = TCI_xor_64, imm = TCI_xori_64, commutative = true; break;
    case IR_shl: reg = TCI_shl_64, imm = TCI_shli_64; break;
    case IR_shr: reg = TCI_shr_64, imm = TCI_shri_64; break;
    case IR_sar: reg = TCI_sar_64, imm = TCI_sari_64; break;
    case IR_mulsh: reg = TCI_mulsh_64; break;
    case IR_muluh: reg = TCI_muluh_64; break;
    default: reg = TCI_mulsuh_64; break;
    }
    if (imm && cnst(C, b, &k)) {
        if (op->opc == IR_sub)
            k = -k;
        if (op->opc == IR_shl || op->opc == IR_shr || op->opc == IR_sar)
            k &= w ? 31 : 63;
        emit_ri(C, imm + w, d, a, k);
    } else if (imm && commutative && cnst(C, a, &k)) {
        emit_ri(C, imm + w, d, b, k);
    } else {
        emit_rr(C, reg + w, d, a, b);
    }
}

static unsigned cond_opc(IRCond c, bool branch, bool imm, unsigned w)
{
    return TCI_setcond_eq_64 + 8u * c + (branch ? 4u : 0u) + (imm ? 2u : 0u) + w;
}

/* setcond (d != IR_NONE) or brcond to label. */
static void compile_cond(TCICompiler *C, IRCond c, unsigned w, IRTemp d, IRTemp a, IRTemp b,
                         unsigned label)
{
    uint64_t k;
    bool branch = d == IR_NONE;
    TCIInsn *p;
    if ((unsigned)c > IR_GTU) {
        C->fail = true;
        return;
    }
    if (cnst(C, b, &k)) {
        p = emit(C, cond_opc(c, branch, true, w));
        p->a = rd(C, a);
        p->imm = (int64_t)k;
    } else if (cnst(C, a, &k)) {
        p = emit(C, cond_opc(ir_cond_swap(c), branch, true, w));
        p->a = rd(C, b);
        p->imm = (int64_t)k;
    } else {
        p = emit(C, cond_opc(c, branch, false, w));
        p->a = rd(C, a);
        p->b = rd(C, b);
    }
    if (branch) {
        p->d = label; /* resolved after the last op */
    } else {
        p->d = dst(C, d);
        dst_done(C);
    }
}

static uint32_t tlb_row(TCICompiler *C, uint32_t mo)
{
    return C->ctx->tlb_offset + IR_MO_MMU(mo) * (uint32_t)(sizeof(TLBEntry) * TLB_SIZE);
}

/* Guest load/store of op, address = base + disp. */
static void compile_qld(TCICompiler *C, const IROp *op, IRTemp base, int32_t disp)
{
    static const uint8_t fast[8] = {TCI_qld8u, TCI_qld16u, TCI_qld32u, TCI_qld64,
                                    TCI_qld8s, TCI_qld16s, TCI_qld32s, TCI_qld64};
    uint32_t mo = (uint32_t)op->imm;
    unsigned opc = fast[IR_MO_SIZE(mo) | ((mo & IR_MO_SIGN) ? 4 : 0)];
    /* i32 results: unsigned 8/16 and 32-bit loads need no further care. */
    if (op->type == IR_I32 && (IR_MO_SIZE(mo) == 3 || (mo & IR_MO_SIGN))) {
        opc = TCI_qld_gen;
        mo |= TCI_MO_I32;
    }
    TCIInsn *p = emit(C, opc);
    p->a = rd(C, base);
    p->b = tlb_row(C, mo);
    p->c = op->aux;
    p->imm = (int64_t)(((uint64_t)mo << 32) | (uint32_t)disp);
    p->d = dst(C, op->args[0]);
    dst_done(C);
}

static void compile_qst(TCICompiler *C, const IROp *op, IRTemp base, int32_t disp)
{
    static const uint8_t opcs[4] = {TCI_qst8, TCI_qst16, TCI_qst32, TCI_qst64};
    uint32_t mo = (uint32_t)op->imm;
    uint32_t val = rd(C, op->args[0]);
    if (op->type == IR_I32 && IR_MO_SIZE(mo) == 3) {
        /* 8-byte store of an i32: zero-extend it first (it may be a 4-byte global). */
        TCIInsn *m = emit(C, TCI_mov_32);
        m->a = val;
        m->d = val = C->scratch;
    }
    TCIInsn *p = emit(C, opcs[IR_MO_SIZE(mo)]);
    p->d = val;
    p->a = rd(C, base);
    p->b = tlb_row(C, mo);
    p->c = op->aux;
    p->imm = (int64_t)(((uint64_t)mo << 32) | (uint32_t)disp);
}

static void compile_call(TCICompiler *C, const IROp *op)
{
    if ((uint64_t)op->imm >= C->ctx->nhelpers || op->nargs > 4) {
        C->fail = true;
        return;
    }
    const IRHelper *h = &C->ctx->helpers[op->imm];
    TCICall call = {.fn = h->fn, .nargs = op->nargs, .check_exit = (h->flags & IR_H_EXIT) != 0};
    for (unsigned i = 0; i < op->nargs; i++) {
        IRTemp t = op->args[1 + i];
        call.arg[i] = rd(C, t);
        if (t < C->f->ntemps && C->f->temp_type[t] == IR_I32)
            call.arg32 |= (uint8_t)(1u << i);
    }
    TCIInsn *p = emit(C, TCI_call);
    p->a = C->ncalls;
    IRTemp r = op->args[0];
    if (r != IR_NONE) {
        call.has_ret = 1;
        call.ret32 = r < C->f->ntemps && C->f->temp_type[r] == IR_I32;
        call.ret = dst(C, r);
    }
    if (C->emitting)
        C->calls[C->ncalls] = call;
    C->ncalls++;
    dst_done(C);
}

static void compile_op(TCICompiler *C, const IROp *op)
{
    unsigned w = op->type == IR_I32;
    IRTemp d = op->args[0], a = op->args[1];
    uint64_t k;
    if ((op->opc == IR_trunc_i64 || op->opc == IR_ld) && d < C->f->ntemps && C->is_alias[d])
        return; /* readers of d read its source instead */
    if (ir_op_defs[op->opc].flags & IR_F_BINARY) {
        compile_binary(C, op, w);
        return;
    }
    switch (op->opc) {
    case IR_insn_start: break;
    case IR_movi:
        /* A constant only ever used as an immediate needs no slot. */
        if (C->emitting && d < C->f->ntemps && C->is_const[d] && !C->needed[d])
            break;
        emit_movi(C, d, (uint64_t)op->imm & (w ? 0xffffffffull : ~0ull));
        break;
    case IR_mov:
        if (cnst(C, a, &k))
            emit_movi(C, d, k);
        else if (d != a)
            emit_rr(C, TCI_mov_64 + w, d, a, IR_NONE);
        break;
    case IR_neg: emit_rr(C, TCI_neg_64 + w, d, a, IR_NONE); break;
    case IR_not: emit_rr(C, TCI_not_64 + w, d, a, IR_NONE); break;
    case IR_ext8s: emit_rr(C, TCI_ext8s_64 + w, d, a, IR_NONE); break;
    case IR_ext16s: emit_rr(C, TCI_ext16s_64 + w, d, a, IR_NONE); break;
    case IR_ext8u: emit_rr(C, TCI_ext8u, d, a, IR_NONE); break;
    case IR_ext16u: emit_rr(C, TCI_ext16u, d, a, IR_NONE); break;
    case IR_ext32s: emit_rr(C, w ? TCI_mov_32 : TCI_sext32, d, a, IR_NONE); break;
    case IR_exts_i32: emit_rr(C, TCI_sext32, d, a, IR_NONE); break;
    case IR_ext32u:
    case IR_extu_i32:
    case IR_trunc_i64: emit_rr(C, TCI_mov_32, d, a, IR_NONE); break;
    case IR_setcond: compile_cond(C, (IRCond)op->imm, w, d, a, op->args[2], 0); break;
    case IR_brcond:
        compile_cond(C, (IRCond)op->imm, w, IR_NONE, op->args[0], op->args[1], op->aux);
        break;
    case IR_movcond: {
        if ((uint64_t)op->imm > IR_GTU) {
            C->fail = true;
            break;
        }
        TCIInsn *p = emit(C, TCI_movcond_64 + w);
        p->a = rd(C, a);
        p->b = rd(C, op->args[2]);
        p->c = rd(C, op->args[3]);
        p->imm = (int64_t)(((uint64_t)op->imm << 32) | rd(C, op->args[4]));
        p->d = dst(C, d);
        dst_done(C);
        break;
    }
    case IR_ld: {
        TCIInsn *p = emit(C, TCI_ld_64 + w);
        p->imm = (uint32_t)op->imm;
        p->d = dst(C, d);
        dst_done(C);
        break;
    }
    case IR_st:
        if (cnst(C, d, &k)) {
            TCIInsn *p = emit(C, TCI_sti_64 + w);
            p->d = (uint32_t)op->imm;
            p->imm = (int64_t)k;
        } else {
            TCIInsn *p = emit(C, TCI_st_64 + w);
            p->a = rd(C, d);
            p->imm = (uint32_t)op->imm;
        }
        break;
    case IR_qld: compile_qld(C, op, op->args[1], 0); break;
    case IR_qst: compile_qst(C, op, op->args[1], 0); break;
    case IR_call: compile_call(C, op); break;
    case IR_set_label:
        if (C->emitting && (uint64_t)op->imm < C->f->nlabels)
            C->label_pos[op->imm] = C->n;
        break;
    case IR_br: emit(C, TCI_br)->d = (uint32_t)op->imm; break;
    case IR_goto_tb:
    case IR_exit_tb: emit(C, TCI_ret)->imm = op->imm; break;
    default: C->fail = true; break;
    }
}

/* ---- fusion: a few adjacent IR ops, one insn ----
 * Each fusion needs the intermediate temp to be TB-local, written once and
 * read once (by the op fused with), and the ops to be adjacent (only
 * insn_start between), so skipping the intermediate's write is invisible. */

static bool is_local1(TCICompiler *C, IRTemp t)
{
    return t >= C->nglobals && t < C->f->ntemps && C->ndefs[t] == 1 && C->nuse[t] == 1 &&
           !C->is_alias[t];
}

static unsigned next_op(const TCICompiler *C, unsigned i)
{
    for (i++; i < C->f->nops && C->f->ops[i].opc == IR_insn_start; i++)
        continue;
    return i;
}

/* "op_i32 z, a, b; exts_i32_i64 d, z" -> <op>w[i] d, a, b. */
static bool fuse_w(TCICompiler *C, unsigned i)
{
    const IROp *op = &C->f->ops[i];
    unsigned n = next_op(C, i);
    if (op->type != IR_I32 || n >= C->f->nops || !is_local1(C, op->args[0]))
        return false;
    const IROp *x = &C->f->ops[n];
    if (x->opc != IR_exts_i32 || x->args[1] != op->args[0])
        return false;
    unsigned reg, imm = 0;
    bool commutative = false;
    switch (op->opc) {
    case IR_add: reg = TCI_addw, imm = TCI_addwi, commutative = true; break;
    case IR_sub: reg = TCI_subw, imm = TCI_addwi; break;
    case IR_mul: reg = TCI_mulw, commutative = true; break;
    case IR_shl: reg = TCI_shlw, imm = TCI_shlwi; break;
    case IR_shr: reg = TCI_shrw, imm = TCI_shrwi; break;
    case IR_sar: reg = TCI_sarw, imm = TCI_sarwi; break;
    default: return false;
    }
    IRTemp a = op->args[1], b = op->args[2], d = x->args[0];
    uint64_t k;
    C->skip[n] = 1;
    if (imm && cnst(C, b, &k))
        emit_ri(C, imm, d, a, (uint32_t)(op->opc == IR_sub ? -k : k));
    else if (imm && commutative && cnst(C, a, &k))
        emit_ri(C, imm, d, b, (uint32_t)k);
    else
        emit_rr(C, reg, d, a, b);
    return true;
}

/* "add_i64 t, base, const; qld/qst [t]" -> qld/qst [base + disp]. */
static bool fuse_mem(TCICompiler *C, unsigned i)
{
    const IROp *op = &C->f->ops[i];
    unsigned n = next_op(C, i);
    if ((op->opc != IR_add && op->opc != IR_sub) || op->type != IR_I64 || n >= C->f->nops ||
        !is_local1(C, op->args[0]))
        return false;
    const IROp *m = &C->f->ops[n];
    if ((m->opc != IR_qld && m->opc != IR_qst) || m->args[1] != op->args[0])
        return false;
    IRTemp base = op->args[1];
    uint64_t k;
    if (cnst(C, op->args[2], &k)) {
        if (op->opc == IR_sub)
            k = -k;
    } else if (op->opc == IR_add && cnst(C, op->args[1], &k)) {
        base = op->args[2];
    } else {
        return false;
    }
    if ((int64_t)k != (int32_t)k)
        return false;
    C->skip[n] = 1;
    if (m->opc == IR_qld)
        compile_qld(C, m, base, (int32_t)k);
    else
        compile_qst(C, m, base, (int32_t)k);
    return true;
}

/* "op t, ...; st_i64 t, [off]": op writes env + off directly. */
static void plan_redirect(TCICompiler *C, unsigned i)
{
    const IROp *op = &C->f->ops[i];
    if (op->opc == IR_movi || ir_op_nout(op) != 1)
        return;
    IRTemp t = op->args[0];
    unsigned n = next_op(C, i);
    if (!is_local1(C, t) || C->f->temp_type[t] != IR_I64 || n >= C->f->nops)
        return;
    const IROp *st = &C->f->ops[n];
    if (st->opc != IR_st || st->type != IR_I64 || st->args[0] != t || st->imm < 0 ||
        st->imm > UINT32_MAX - 8)
        return;
    C->redirect = st->imm;
    C->skip[n] = 1;
}

/* ---- aliases: a trunc_i64 or ld whose readers can read its source ----
 * i32 readers only look at the low 4 bytes of a slot (little-endian), so
 * "trunc_i64 x, s" can be read from s's slot, and "ld x, [off]" from env +
 * off, as long as nothing may write the source before x's last read and no
 * basic block ends in between. */

static unsigned temp_size(TCICompiler *C, IRTemp t)
{
    return is_i32_global(C, t) ? 4 : 8;
}

static bool overlap(uint64_t a, unsigned asz, uint64_t b, unsigned bsz)
{
    return a < b + bsz && b < a + asz;
}

/* May o write env bytes [off, off + sz)?  state: the source is CPU state
 * (a global or a plain field) that helpers may write; ld_src: a plain field,
 * which memory slow paths might write too. */
static bool clobbers(TCICompiler *C, const IROp *o, uint64_t off, unsigned sz, bool state,
                     bool ld_src)
{
    for (unsigned j = 0; j < ir_op_nout(o); j++) {
        IRTemp t = o->args[j];
        if (t < C->f->ntemps && overlap(temp_off(C, t), temp_size(C, t), off, sz))
            return true;
    }
    switch (o->opc) {
    case IR_st: return overlap((uint64_t)o->imm, o->type == IR_I32 ? 4 : 8, off, sz);
    case IR_call:
        return state && ((uint64_t)o->imm >= C->ctx->nhelpers ||
                         !(C->ctx->helpers[o->imm].flags & IR_H_PURE));
    case IR_qld:
    case IR_qst: return ld_src;
    default: return o->opc >= IR_NB_OPS;
    }
}

static void find_aliases(TCICompiler *C)
{
    const IRFunc *f = C->f;
    for (unsigned i = 0; i < f->nops; i++) {
        const IROp *op = &f->ops[i];
        IRTemp x = op->args[0], s = IR_NONE;
        uint64_t off;
        unsigned sz;
        bool is_ld = op->opc == IR_ld;
        if (op->opc != IR_trunc_i64 && !is_ld)
            continue;
        if (x < C->nglobals || x >= f->ntemps || C->ndefs[x] != 1 || C->nuse[x] == 0 ||
            C->nuse[x] == 255)
            continue;
        if (is_ld) {
            if (op->imm < 0 || op->imm > UINT32_MAX - 8)
                continue;
            off = (uint64_t)op->imm;
            sz = op->type == IR_I32 ? 4 : 8;
        } else {
            s = op->args[1];
            if (s >= f->ntemps || C->is_alias[s])
                continue;
            off = temp_off(C, s);
            sz = temp_size(C, s);
        }
        unsigned seen = 0;
        for (unsigned k = i + 1; k < f->nops; k++) {
            const IROp *o = &f->ops[k];
            unsigned first = ir_op_first_in(o), nin = ir_op_nin(o);
            for (unsigned j = 0; j < nin; j++)
                seen += o->args[first + j] == x;
            if (seen >= C->nuse[x]) {
                C->is_alias[x] = 1;
                C->alias_src[x] = s;
                C->alias_off[x] = (uint32_t)off;
                break;
            }
            if ((ir_op_defs[o->opc].flags & IR_F_BB_END) ||
                clobbers(C, o, off, sz, is_ld || s < C->nglobals, is_ld))
                break;
        }
    }
}

#ifdef TCI_THREADED
static const void *const *tci_handlers;

const void *const *tci_handler_table(void)
{
    if (!tci_handlers)
        tci_exec(NULL, NULL, &tci_handlers);
    return tci_handlers;
}
#endif

static bool compile_pass(TCICompiler *C)
{
    C->n = 0;
    C->ncalls = 0;
    C->pending_st32 = -1;
    C->redirect = -1;
    memset(C->skip, 0, C->f->nops);
    for (unsigned i = 0; i < C->f->nops && !C->fail; i++) {
        const IROp *op = &C->f->ops[i];
        if (op->opc >= IR_NB_OPS ||
            ((op->opc == IR_ld || op->opc == IR_st) && (op->imm < 0 || op->imm > UINT32_MAX))) {
            C->fail = true;
            break;
        }
        if (C->skip[i] || (C->fuse && (fuse_w(C, i) || fuse_mem(C, i))))
            continue;
        if (C->fuse)
            plan_redirect(C, i);
        compile_op(C, op);
        if (C->redirect >= 0)
            C->fail = true; /* the op wrote no output: cannot happen */
    }
    emit(C, TCI_end);
    return !C->fail;
}

TCIBlock *tci_compile(const IRFunc *f)
{
    return tci_compile_flags(f, 0);
}

TCIBlock *tci_compile_flags(const IRFunc *f, unsigned flags)
{
    const IRContext *ctx = f->ctx;
    TCICompiler *C = NULL;
    TCIBlock *b = NULL;
    if (!ctx || f->ntemps > IR_MAX_TEMPS || ctx->nglobals > f->ntemps)
        return NULL;
    unsigned nlocals = f->ntemps - ctx->nglobals;
    if (nlocals + 1 > ctx->frame_slots)
        return NULL;
#ifdef TCI_THREADED
    tci_handler_table();
#endif
    if (f->nops > IR_MAX_OPS)
        return NULL;
    /* One compiler per thread, reused: its per-temp arrays are indexed only
     * below f->ntemps and skip[] below f->nops, so clearing those prefixes
     * is as good as a fresh calloc (a whole one was ~21 KB per TB). */
    static _Thread_local TCICompiler compiler;
    C = &compiler;
    memset(C, 0, offsetof(TCICompiler, ndefs));
    memset(C->ndefs, 0, f->ntemps);
    memset(C->nuse, 0, f->ntemps);
    memset(C->is_const, 0, f->ntemps);
    memset(C->needed, 0, f->ntemps);
    memset(C->is_alias, 0, f->ntemps);
    C->f = f;
    C->ctx = ctx;
    C->nglobals = ctx->nglobals;
    C->fuse = !(flags & TCI_NO_FUSE);
    C->scratch = ctx->frame_offset + 8u * nlocals;
    C->label_pos = calloc(f->nlabels ? f->nlabels : 1, sizeof(uint32_t));
    if (!C->label_pos)
        goto fail;

    /* Constant temps: TB-local, written once, by a movi. */
    for (unsigned i = 0; i < f->nops; i++) {
        const IROp *op = &f->ops[i];
        for (unsigned j = 0; j < ir_op_nout(op); j++) {
            IRTemp t = op->args[j];
            if (t < f->ntemps && C->ndefs[t] < 2)
                C->ndefs[t]++;
        }
    }
    for (unsigned i = 0; i < f->nops; i++) {
        const IROp *op = &f->ops[i];
        IRTemp t = op->args[0];
        if (op->opc == IR_movi && t < f->ntemps && t >= C->nglobals && C->ndefs[t] == 1) {
            C->is_const[t] = 1;
            C->cval[t] = (uint64_t)op->imm & (op->type == IR_I32 ? 0xffffffffull : ~0ull);
        }
        unsigned first = ir_op_first_in(op), nin = ir_op_nin(op);
        for (unsigned j = 0; j < nin; j++) {
            IRTemp u = op->args[first + j];
            if (u < f->ntemps && C->nuse[u] < 255)
                C->nuse[u]++;
        }
    }
    if (C->fuse)
        find_aliases(C);

    if (!compile_pass(C))
        goto fail;
    unsigned max_insns = C->n, max_calls = C->ncalls;
    size_t size = sizeof(TCIBlock) + sizeof(TCIInsn) * max_insns + sizeof(TCICall) * max_calls;
    b = calloc(1, size);
    if (!b)
        goto fail;
    TCIInsn *insns = (TCIInsn *)(b + 1);
    C->insns = insns;
    C->calls = (TCICall *)(insns + max_insns);
    C->emitting = true;
    for (unsigned l = 0; l < f->nlabels; l++)
        C->label_pos[l] = UINT32_MAX;
    if (!compile_pass(C) || C->n > max_insns || C->ncalls > max_calls)
        goto fail;

    /* Resolve branch targets; a label never placed goes to the final end. */
    for (unsigned i = 0; i < C->n; i++) {
        uintptr_t op = insns[i].u.op;
        bool branch = op == TCI_br || (op >= TCI_setcond_eq_64 && ((op - TCI_setcond_eq_64) & 4));
        if (branch) {
            uint32_t l = insns[i].d;
            insns[i].d =
                (l < f->nlabels && C->label_pos[l] != UINT32_MAX) ? C->label_pos[l] : C->n - 1;
        }
#ifdef TCI_THREADED
        insns[i].u.h = tci_handlers[op];
#endif
    }
    b->insns = insns;
    b->calls = C->calls;
    b->ninsns = C->n;
    b->ncalls = C->ncalls;
    b->load_slow = ctx->load_slow;
    b->store_slow = ctx->store_slow;
    b->exit_status_offset = ctx->exit_status_offset;
    b->size = size;
    free(C->label_pos);
    return b;

fail:
    if (C)
        free(C->label_pos);
    free(b);
    return NULL;
}

void tci_free(TCIBlock *b)
{
    free(b);
}

size_t tci_size(const TCIBlock *b)
{
    return b ? b->size : 0;
}
