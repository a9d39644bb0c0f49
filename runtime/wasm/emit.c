/* emit.c - IR -> Wasm: one optimised IRFunc becomes one Wasm function.
 *
 * Globals live in Wasm locals inside a basic block (loaded on first use,
 * written back when dirty at block ends, exits, non-pure helper calls and
 * memory slow paths); at every label memory holds the truth.  Forward IR
 * labels become nested `block`s.  Contract: docs/wasm-backend.md.
 */
#include "wasm/emit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/tlb.h"

/* Params of every TB function. */
#define L_ENV 0u
#define L_PC 1u
#define NO_LOCAL UINT32_MAX

/* Scratch locals, declared after the temps' locals (index = base + k). */
enum { SCR_A, SCR_B, SCR_C, SCR_T, SCR_H, SCR_ENT, SCR_ST, SCR_COUNT };
static const uint8_t scr_type[SCR_COUNT] = {WASM_I64, WASM_I64, WASM_I64, WASM_I64,
                                            WASM_I64, WASM_I32, WASM_I32};

typedef struct Emitter {
    const IRFunc *f;
    const IRContext *ctx;
    const WasmABI *abi;
    WasmBuf *b;
    unsigned nglobals;
    uint32_t local_of[IR_MAX_TEMPS];
    uint8_t local_type[IR_MAX_TEMPS + SCR_COUNT];
    unsigned nlocals;          /* declared locals (temps + scratch), params excluded */
    uint32_t scr;              /* local index of SCR_A */
    bool cached[IR_MAX_TEMPS]; /* global's local holds its value */
    bool dirty[IR_MAX_TEMPS];  /* ... and memory is stale */
    bool tb_pc_stored;         /* an st wrote env->tb_pc: $pc no longer equals it */
    bool loops;                /* the body is inside a `loop`: goto_tb to the start
                                  may branch back (see self_goto) */
    unsigned nranks;           /* labels (one `block` each, inside the loop) */
    bool ended;                /* the last op left the function or branched away */
    uint32_t addr;             /* local holding the guest address of a qld/qst */
    /* labels: rank = order of definition; open blocks = ranks >= next_rank */
    int *label_pos;
    unsigned *label_rank;
    unsigned next_rank;
} Emitter;

static inline uint32_t scr(const Emitter *E, unsigned k)
{
    return E->scr + k;
}

static inline IRType temp_type(const Emitter *E, IRTemp t)
{
    return (IRType)E->f->temp_type[t];
}

/* ---- globals cache ---- */

static void global_store(Emitter *E, IRTemp g)
{
    const IRGlobal *gl = &E->ctx->globals[g];
    wasm_local_get(E->b, L_ENV);
    wasm_local_get(E->b, E->local_of[g]);
    if (gl->type == IR_I64)
        wasm_i64_store(E->b, 3, gl->offset);
    else
        wasm_i32_store(E->b, 2, gl->offset);
}

/* Write back dirty globals; clear = the code after this point sees them clean. */
static void flush(Emitter *E, bool clear)
{
    for (IRTemp g = 0; g < E->nglobals; g++) {
        if (E->cached[g] && E->dirty[g]) {
            global_store(E, g);
            if (clear)
                E->dirty[g] = false;
        }
    }
}

/* Forget cached globals (all must be clean). */
static void forget_all(Emitter *E)
{
    for (IRTemp g = 0; g < E->nglobals; g++)
        E->cached[g] = false;
}

/* Make sure temp t's local holds its value (loads a global on first use). */
static void ensure(Emitter *E, IRTemp t)
{
    if (t >= E->nglobals || E->cached[t])
        return;
    const IRGlobal *gl = &E->ctx->globals[t];
    wasm_local_get(E->b, L_ENV);
    if (gl->type == IR_I64)
        wasm_i64_load(E->b, 3, gl->offset);
    else
        wasm_i32_load(E->b, 2, gl->offset);
    wasm_local_set(E->b, E->local_of[t]);
    E->cached[t] = true;
    E->dirty[t] = false;
}

/* Convert the value on the stack from type `from` to `to` (i32 values are
 * zero-extended, as the IR holds them). */
static void convert(Emitter *E, IRType from, IRType to)
{
    if (from == to)
        return;
    if (to == IR_I64)
        wasm_i64_extend_i32_u(E->b);
    else
        wasm_i32_wrap_i64(E->b);
}

/* Push temp t as type `as`. */
static void get(Emitter *E, IRTemp t, IRType as)
{
    ensure(E, t);
    wasm_local_get(E->b, E->local_of[t]);
    convert(E, temp_type(E, t), as);
}

/* Pop a value of type `from` into temp d. */
static void set(Emitter *E, IRTemp d, IRType from)
{
    convert(E, from, temp_type(E, d));
    wasm_local_set(E->b, E->local_of[d]);
    if (d < E->nglobals) {
        E->cached[d] = true;
        E->dirty[d] = true;
    }
}

static void push_const(Emitter *E, IRType t, int64_t v)
{
    if (t == IR_I64)
        wasm_i64_const(E->b, v);
    else
        wasm_i32_const(E->b, (int32_t)(uint32_t)v);
}

/* Globals whose state slot overlaps [off, off + size). */
static bool global_overlaps(const Emitter *E, IRTemp g, uint32_t off, uint32_t size)
{
    const IRGlobal *gl = &E->ctx->globals[g];
    uint32_t gsize = gl->type == IR_I64 ? 8 : 4;
    return off < gl->offset + gsize && gl->offset < off + size;
}

/* ---- value ops ---- */

/* One opcode per (IR op, type): [op][0] for i32, [op][1] for i64. */
static void binop(Emitter *E, IROpcode opc, IRType t)
{
    static const uint8_t ops[][2] = {
        [IR_add] = {WASM_OPC_i32_add, WASM_OPC_i64_add},
        [IR_sub] = {WASM_OPC_i32_sub, WASM_OPC_i64_sub},
        [IR_mul] = {WASM_OPC_i32_mul, WASM_OPC_i64_mul},
        [IR_and] = {WASM_OPC_i32_and, WASM_OPC_i64_and},
        [IR_or] = {WASM_OPC_i32_or, WASM_OPC_i64_or},
        [IR_xor] = {WASM_OPC_i32_xor, WASM_OPC_i64_xor},
        [IR_shl] = {WASM_OPC_i32_shl, WASM_OPC_i64_shl},
        [IR_shr] = {WASM_OPC_i32_shr_u, WASM_OPC_i64_shr_u},
        [IR_sar] = {WASM_OPC_i32_shr_s, WASM_OPC_i64_shr_s},
    };
    wasm_buf_byte(E->b, ops[opc][t == IR_I64]);
}

/* Compare the two values on the stack with c, leaving an i32 0/1. */
static void compare(Emitter *E, IRCond c, IRType t)
{
    static const uint8_t ops[10][2] = {
        [IR_EQ] = {WASM_OPC_i32_eq, WASM_OPC_i64_eq},
        [IR_NE] = {WASM_OPC_i32_ne, WASM_OPC_i64_ne},
        [IR_LT] = {WASM_OPC_i32_lt_s, WASM_OPC_i64_lt_s},
        [IR_GE] = {WASM_OPC_i32_ge_s, WASM_OPC_i64_ge_s},
        [IR_LTU] = {WASM_OPC_i32_lt_u, WASM_OPC_i64_lt_u},
        [IR_GEU] = {WASM_OPC_i32_ge_u, WASM_OPC_i64_ge_u},
        [IR_LE] = {WASM_OPC_i32_le_s, WASM_OPC_i64_le_s},
        [IR_GT] = {WASM_OPC_i32_gt_s, WASM_OPC_i64_gt_s},
        [IR_LEU] = {WASM_OPC_i32_le_u, WASM_OPC_i64_le_u},
        [IR_GTU] = {WASM_OPC_i32_gt_u, WASM_OPC_i64_gt_u},
    };
    wasm_buf_byte(E->b, ops[c][t == IR_I64]);
}

/* High 64 bits of a 64x64 product from 32-bit halves (Wasm has no 128-bit
 * multiply): hi(u a * u b) = ah*bh + hi32(ah*bl) + hi32(al*bh) + carry,
 * carry = hi32(lo32(ah*bl) + lo32(al*bh) + hi32(al*bl)).  Signed
 * operands subtract (a < 0 ? b : 0) and/or (b < 0 ? a : 0). */
static void mulh64(Emitter *E, IROpcode opc, IRTemp a, IRTemp b)
{
    WasmBuf *B = E->b;
    uint32_t A = scr(E, SCR_A), Bv = scr(E, SCR_B), C = scr(E, SCR_C), T = scr(E, SCR_T),
             H = scr(E, SCR_H);
    get(E, a, IR_I64);
    wasm_local_set(B, A);
    get(E, b, IR_I64);
    wasm_local_set(B, Bv);
    /* T = hi32(al * bl) */
    wasm_local_get(B, A);
    wasm_i64_const(B, 0xffffffff);
    wasm_i64_and(B);
    wasm_local_get(B, Bv);
    wasm_i64_const(B, 0xffffffff);
    wasm_i64_and(B);
    wasm_i64_mul(B);
    wasm_i64_const(B, 32);
    wasm_i64_shr_u(B);
    wasm_local_set(B, T);
    /* H = al * bh; T += lo32(H); H = hi32(H) */
    wasm_local_get(B, A);
    wasm_i64_const(B, 0xffffffff);
    wasm_i64_and(B);
    wasm_local_get(B, Bv);
    wasm_i64_const(B, 32);
    wasm_i64_shr_u(B);
    wasm_i64_mul(B);
    wasm_local_tee(B, H);
    wasm_i64_const(B, 0xffffffff);
    wasm_i64_and(B);
    wasm_local_get(B, T);
    wasm_i64_add(B);
    wasm_local_set(B, T);
    wasm_local_get(B, H);
    wasm_i64_const(B, 32);
    wasm_i64_shr_u(B);
    wasm_local_set(B, H);
    /* C = ah * bl; result = hi32(T + lo32(C)) + hi32(C) + H + ah * bh */
    wasm_local_get(B, A);
    wasm_i64_const(B, 32);
    wasm_i64_shr_u(B);
    wasm_local_get(B, Bv);
    wasm_i64_const(B, 0xffffffff);
    wasm_i64_and(B);
    wasm_i64_mul(B);
    wasm_local_tee(B, C);
    wasm_i64_const(B, 0xffffffff);
    wasm_i64_and(B);
    wasm_local_get(B, T);
    wasm_i64_add(B);
    wasm_i64_const(B, 32);
    wasm_i64_shr_u(B);
    wasm_local_get(B, C);
    wasm_i64_const(B, 32);
    wasm_i64_shr_u(B);
    wasm_i64_add(B);
    wasm_local_get(B, H);
    wasm_i64_add(B);
    wasm_local_get(B, A);
    wasm_i64_const(B, 32);
    wasm_i64_shr_u(B);
    wasm_local_get(B, Bv);
    wasm_i64_const(B, 32);
    wasm_i64_shr_u(B);
    wasm_i64_mul(B);
    wasm_i64_add(B);
    if (opc == IR_mulsh || opc == IR_mulsuh) { /* a signed: - (a >> 63) & b */
        wasm_local_get(B, A);
        wasm_i64_const(B, 63);
        wasm_i64_shr_s(B);
        wasm_local_get(B, Bv);
        wasm_i64_and(B);
        wasm_i64_sub(B);
    }
    if (opc == IR_mulsh) { /* b signed: - (b >> 63) & a */
        wasm_local_get(B, Bv);
        wasm_i64_const(B, 63);
        wasm_i64_shr_s(B);
        wasm_local_get(B, A);
        wasm_i64_and(B);
        wasm_i64_sub(B);
    }
}

static void mulh(Emitter *E, const IROp *op)
{
    IRTemp a = op->args[1], b = op->args[2];
    if (op->type == IR_I64) {
        mulh64(E, (IROpcode)op->opc, a, b);
    } else { /* 32x32 -> 64 product, high half */
        get(E, a, IR_I32);
        if (op->opc == IR_muluh)
            wasm_i64_extend_i32_u(E->b);
        else
            wasm_i64_extend_i32_s(E->b);
        get(E, b, IR_I32);
        if (op->opc == IR_mulsh)
            wasm_i64_extend_i32_s(E->b);
        else
            wasm_i64_extend_i32_u(E->b);
        wasm_i64_mul(E->b);
        wasm_i64_const(E->b, 32);
        wasm_i64_shr_u(E->b);
        wasm_i32_wrap_i64(E->b);
    }
    set(E, op->args[0], (IRType)op->type);
}

/* Zero- or sign-extension of the low `bytes` of the i32/i64 on the stack. */
static void extend(Emitter *E, IRType t, unsigned bytes, bool sign)
{
    if (bytes >= (t == IR_I64 ? 8u : 4u))
        return;
    if (!sign) {
        push_const(E, t, bytes == 1 ? 0xff : bytes == 2 ? 0xffff : 0xffffffff);
        if (t == IR_I64)
            wasm_i64_and(E->b);
        else
            wasm_i32_and(E->b);
    } else if (t == IR_I64) {
        if (bytes == 1)
            wasm_i64_extend8_s(E->b);
        else if (bytes == 2)
            wasm_i64_extend16_s(E->b);
        else
            wasm_i64_extend32_s(E->b);
    } else {
        if (bytes == 1)
            wasm_i32_extend8_s(E->b);
        else
            wasm_i32_extend16_s(E->b);
    }
}

static void ext_op(Emitter *E, const IROp *op)
{
    IRType t = (IRType)op->type;
    IRTemp d = op->args[0], a = op->args[1];
    switch (op->opc) {
    case IR_extu_i32:
        get(E, a, IR_I32);
        wasm_i64_extend_i32_u(E->b);
        set(E, d, IR_I64);
        return;
    case IR_exts_i32:
        get(E, a, IR_I32);
        wasm_i64_extend_i32_s(E->b);
        set(E, d, IR_I64);
        return;
    case IR_trunc_i64:
        get(E, a, IR_I64);
        wasm_i32_wrap_i64(E->b);
        set(E, d, IR_I32);
        return;
    default: break;
    }
    get(E, a, t);
    switch (op->opc) {
    case IR_ext8s: extend(E, t, 1, true); break;
    case IR_ext8u: extend(E, t, 1, false); break;
    case IR_ext16s: extend(E, t, 2, true); break;
    case IR_ext16u: extend(E, t, 2, false); break;
    case IR_ext32s: extend(E, t, 4, true); break;
    case IR_ext32u: extend(E, t, 4, false); break;
    default: break;
    }
    set(E, d, t);
}

/* ---- CPU state ---- */

static void state_ld(Emitter *E, const IROp *op)
{
    uint32_t off = (uint32_t)op->imm, size = op->type == IR_I64 ? 8 : 4;
    if (op->type == IR_I64 && off == E->abi->tb_pc_offset && !E->tb_pc_stored) {
        wasm_local_get(E->b, L_PC); /* position independence: the PC is a parameter */
        set(E, op->args[0], IR_I64);
        return;
    }
    for (IRTemp g = 0; g < E->nglobals; g++) {
        if (E->cached[g] && E->dirty[g] && global_overlaps(E, g, off, size)) {
            global_store(E, g);
            E->dirty[g] = false;
        }
    }
    wasm_local_get(E->b, L_ENV);
    if (op->type == IR_I64)
        wasm_i64_load(E->b, 3, off);
    else
        wasm_i32_load(E->b, 2, off);
    set(E, op->args[0], (IRType)op->type);
}

static void state_st(Emitter *E, const IROp *op)
{
    uint32_t off = (uint32_t)op->imm, size = op->type == IR_I64 ? 8 : 4;
    /* A partly covered dirty global must reach memory first; any covered
     * global is reloaded from memory on its next use. */
    for (IRTemp g = 0; g < E->nglobals; g++) {
        if (E->cached[g] && E->dirty[g] && global_overlaps(E, g, off, size)) {
            global_store(E, g);
            E->dirty[g] = false;
        }
    }
    wasm_local_get(E->b, L_ENV);
    get(E, op->args[0], (IRType)op->type);
    if (op->type == IR_I64)
        wasm_i64_store(E->b, 3, off);
    else
        wasm_i32_store(E->b, 2, off);
    for (IRTemp g = 0; g < E->nglobals; g++) {
        if (global_overlaps(E, g, off, size))
            E->cached[g] = false;
    }
    if (off < E->abi->tb_pc_offset + 8 && E->abi->tb_pc_offset < off + size)
        E->tb_pc_stored = true;
}

/* ---- guest memory ---- */

/* SCR_A = address; SCR_ENT = env + 32 * TLB index; pushes the hit test
 * against the tag at tag_off in the entry.  Returns the memarg offset of
 * this MMU's TLB row (to add to SCR_ENT). */
static uint32_t tlb_probe(Emitter *E, IRTemp addr, IRMemOp mo, uint32_t tag_off)
{
    WasmBuf *B = E->b;
    uint32_t row = E->abi->tlb_offset + IR_MO_MMU(mo) * (uint32_t)(sizeof(TLBEntry) * TLB_SIZE);
    unsigned size = 1u << IR_MO_SIZE(mo);
    if (temp_type(E, addr) == IR_I64) { /* not written before the access completes */
        ensure(E, addr);
        E->addr = E->local_of[addr];
    } else {
        get(E, addr, IR_I64);
        wasm_local_set(B, scr(E, SCR_A));
        E->addr = scr(E, SCR_A);
    }
    wasm_local_get(B, L_ENV);
    wasm_local_get(B, E->addr);
    wasm_i64_const(B, TLB_PAGE_BITS);
    wasm_i64_shr_u(B);
    wasm_i32_wrap_i64(B);
    wasm_i32_const(B, TLB_SIZE - 1);
    wasm_i32_and(B);
    wasm_i32_const(B, 5); /* sizeof(TLBEntry) == 32 */
    wasm_i32_shl(B);
    wasm_i32_add(B);
    wasm_local_set(B, scr(E, SCR_ENT));
    wasm_local_get(B, E->addr);
    wasm_i64_const(B, (int64_t)(TLB_PAGE_MASK | (size - 1)));
    wasm_i64_and(B);
    wasm_local_get(B, scr(E, SCR_ENT));
    wasm_i64_load(B, 3, row + tag_off);
    wasm_i64_eq(B);
    return row;
}

/* Push the host address (i32) of SCR_A through the entry's addend. */
static void tlb_host(Emitter *E, uint32_t row)
{
    wasm_local_get(E->b, scr(E, SCR_ENT));
    wasm_i64_load(E->b, 3, row + (uint32_t)offsetof(TLBEntry, addend));
    wasm_local_get(E->b, E->addr);
    wasm_i64_add(E->b);
    wasm_i32_wrap_i64(E->b);
}

/* After a slow-path call: a nonzero status leaves the function. */
static void return_if_status(Emitter *E)
{
    wasm_local_tee(E->b, scr(E, SCR_ST));
    wasm_if(E->b, WASM_BLOCK_VOID);
    wasm_local_get(E->b, scr(E, SCR_ST));
    wasm_return(E->b);
    wasm_end(E->b);
}

/* Call a runtime function: an imported function (import mode, AOT
 * bundles) or a table index baked into the code (JIT).  The arguments are
 * on the stack. */
static void call_runtime(Emitter *E, uint32_t func, uint32_t table_index, uint32_t type)
{
    if (E->abi->import_calls) {
        wasm_call(E->b, func);
    } else {
        wasm_i32_const(E->b, (int32_t)table_index);
        wasm_call_indirect(E->b, type, E->abi->table);
    }
}

/* Push the address of the load slow path's scratch slot, env + offset (the
 * offset is an imported global in import mode: it lies in the host-private
 * part of the state, whose layout differs between hosts). */
static void scratch_addr(Emitter *E)
{
    wasm_local_get(E->b, L_ENV);
    if (E->abi->import_calls)
        wasm_global_get(E->b, E->abi->scratch_global);
    else
        wasm_i32_const(E->b, (int32_t)E->abi->scratch_offset);
    wasm_i32_add(E->b);
}

static void guest_ld(Emitter *E, const IROp *op)
{
    static const uint8_t loads[2][4] = {
        {WASM_OPC_i64_load8_u, WASM_OPC_i64_load16_u, WASM_OPC_i64_load32_u, WASM_OPC_i64_load},
        {WASM_OPC_i64_load8_s, WASM_OPC_i64_load16_s, WASM_OPC_i64_load32_s, WASM_OPC_i64_load},
    };
    IRMemOp mo = (IRMemOp)op->imm;
    unsigned lg = IR_MO_SIZE(mo);
    bool sign = (mo & IR_MO_SIGN) != 0;
    WasmBuf *B = E->b;
    uint32_t row = tlb_probe(E, op->args[1], mo, (uint32_t)offsetof(TLBEntry, tag_r));
    wasm_if(B, WASM_I64);
    tlb_host(E, row);
    wasm_buf_byte(B, loads[sign][lg]);
    wasm_buf_u32(B, lg);
    wasm_buf_u32(B, 0);
    wasm_else(B);
    flush(E, false); /* a fault exits with env as the state */
    wasm_local_get(B, L_ENV);
    wasm_local_get(B, E->addr);
    wasm_i32_const(B, (int32_t)mo);
    wasm_i32_const(B, (int32_t)op->aux);
    scratch_addr(E);
    call_runtime(E, E->abi->load_slow_func, E->abi->load_slow_index, E->abi->type_load_slow);
    return_if_status(E);
    if (E->abi->import_calls) {
        scratch_addr(E);
        wasm_i64_load(B, 3, 0);
    } else {
        wasm_local_get(B, L_ENV);
        wasm_i64_load(B, 3, E->abi->scratch_offset);
    }
    extend(E, IR_I64, 1u << lg, sign);
    wasm_end(B);
    set(E, op->args[0], IR_I64);
}

static void guest_st(Emitter *E, const IROp *op)
{
    static const uint8_t stores[4] = {WASM_OPC_i64_store8, WASM_OPC_i64_store16,
                                      WASM_OPC_i64_store32, WASM_OPC_i64_store};
    IRMemOp mo = (IRMemOp)op->imm;
    unsigned lg = IR_MO_SIZE(mo);
    IRTemp val = op->args[0];
    WasmBuf *B = E->b;
    ensure(E, val); /* both arms read its local */
    uint32_t row = tlb_probe(E, op->args[1], mo, (uint32_t)offsetof(TLBEntry, tag_w));
    wasm_if(B, WASM_BLOCK_VOID);
    tlb_host(E, row);
    get(E, val, IR_I64);
    wasm_buf_byte(B, stores[lg]);
    wasm_buf_u32(B, lg);
    wasm_buf_u32(B, 0);
    wasm_else(B);
    flush(E, false);
    wasm_local_get(B, L_ENV);
    wasm_local_get(B, E->addr);
    get(E, val, IR_I64);
    if (temp_type(E, val) == IR_I64 || lg < 2) /* the slow path gets it zero-extended */
        extend(E, IR_I64, 1u << lg, false);
    wasm_i32_const(B, (int32_t)mo);
    wasm_i32_const(B, (int32_t)op->aux);
    call_runtime(E, E->abi->store_slow_func, E->abi->store_slow_index, E->abi->type_store_slow);
    return_if_status(E);
    wasm_end(B);
}

/* ---- helper calls ---- */

static int call_helper(Emitter *E, const IROp *op)
{
    WasmBuf *B = E->b;
    if ((uint64_t)op->imm >= E->ctx->nhelpers || (uint64_t)op->imm >= E->abi->nhelpers ||
        op->nargs > 4)
        return WASM_EMIT_EINVAL;
    const IRHelper *h = &E->ctx->helpers[op->imm];
    IRTemp ret = op->args[0];
    if (!(h->flags & IR_H_PURE))
        flush(E, true); /* it may read globals or fault */
    wasm_local_get(B, L_ENV);
    for (unsigned i = 0; i < 4; i++) {
        if (i < op->nargs)
            get(E, op->args[1 + i], IR_I64);
        else
            wasm_i64_const(B, 0);
    }
    call_runtime(E, E->abi->helper_func0 + (uint32_t)op->imm,
                 E->abi->import_calls ? 0 : E->abi->helper_index[op->imm], E->abi->type_helper);
    if (ret != IR_NONE)
        wasm_local_set(B, scr(E, SCR_A));
    else
        wasm_drop(B);
    if (h->flags & IR_H_STATE)
        forget_all(E);          /* it may have written globals */
    if (h->flags & IR_H_EXIT) { /* status checked before the result is written */
        wasm_local_get(B, L_ENV);
        wasm_i32_load(B, 2, E->abi->exit_status_offset);
        return_if_status(E);
    }
    if (ret != IR_NONE) {
        wasm_local_get(B, scr(E, SCR_A));
        set(E, ret, IR_I64);
    }
    return 0;
}

/* ---- control flow ---- */

static void leave(Emitter *E, int32_t status)
{
    flush(E, true);
    wasm_i32_const(E->b, status);
    wasm_return(E->b);
}

static uint32_t label_depth(const Emitter *E, unsigned label)
{
    return E->label_rank[label] - E->next_rank;
}

/* goto_tb to the TB's own start, n insns (docs/ir.md): retire them and run
 * the body again while icount + n < icount_limit, else leave by the slot
 * like any goto_tb.  Memory holds every global at the loop's top. */
static void self_goto(Emitter *E, int32_t slot, uint32_t n)
{
    WasmBuf *B = E->b;
    flush(E, true);
    wasm_local_get(B, L_ENV);
    wasm_i64_load(B, 3, E->abi->icount_offset);
    wasm_i64_const(B, n);
    wasm_i64_add(B);
    wasm_local_tee(B, scr(E, SCR_A));
    wasm_local_get(B, L_ENV);
    wasm_i64_load(B, 3, E->abi->icount_limit_offset);
    wasm_i64_lt_u(B);
    wasm_if(B, WASM_BLOCK_VOID);
    wasm_local_get(B, L_ENV);
    wasm_local_get(B, scr(E, SCR_A));
    wasm_i64_store(B, 3, E->abi->icount_offset);
    wasm_br(B, E->nranks - E->next_rank + 1); /* the open label blocks, the if */
    wasm_end(B);
    wasm_i32_const(B, slot);
    wasm_return(B);
}

static int emit_op(Emitter *E, const IROp *op)
{
    IRType t = (IRType)op->type;
    WasmBuf *B = E->b;
    switch ((IROpcode)op->opc) {
    case IR_mov:
        get(E, op->args[1], t);
        set(E, op->args[0], t);
        break;
    case IR_movi:
        push_const(E, t, op->imm);
        set(E, op->args[0], t);
        break;
    case IR_add:
    case IR_sub:
    case IR_mul:
    case IR_and:
    case IR_or:
    case IR_xor:
    case IR_shl:
    case IR_shr:
    case IR_sar:
        get(E, op->args[1], t);
        get(E, op->args[2], t);
        binop(E, (IROpcode)op->opc, t);
        set(E, op->args[0], t);
        break;
    case IR_mulsh:
    case IR_muluh:
    case IR_mulsuh: mulh(E, op); break;
    case IR_neg:
        push_const(E, t, 0);
        get(E, op->args[1], t);
        binop(E, IR_sub, t);
        set(E, op->args[0], t);
        break;
    case IR_not:
        get(E, op->args[1], t);
        push_const(E, t, -1);
        binop(E, IR_xor, t);
        set(E, op->args[0], t);
        break;
    case IR_ext8s:
    case IR_ext8u:
    case IR_ext16s:
    case IR_ext16u:
    case IR_ext32s:
    case IR_ext32u:
    case IR_extu_i32:
    case IR_exts_i32:
    case IR_trunc_i64: ext_op(E, op); break;
    case IR_setcond:
        get(E, op->args[1], t);
        get(E, op->args[2], t);
        compare(E, (IRCond)op->imm, t);
        set(E, op->args[0], IR_I32);
        break;
    case IR_movcond:
        get(E, op->args[3], t);
        get(E, op->args[4], t);
        get(E, op->args[1], t);
        get(E, op->args[2], t);
        compare(E, (IRCond)op->imm, t);
        wasm_select(B);
        set(E, op->args[0], t);
        break;
    case IR_ld: state_ld(E, op); break;
    case IR_st: state_st(E, op); break;
    case IR_qld: guest_ld(E, op); break;
    case IR_qst: guest_st(E, op); break;
    case IR_call: return call_helper(E, op);
    case IR_set_label:
        flush(E, true);
        wasm_end(B);
        E->next_rank++;
        forget_all(E);
        break;
    case IR_br:
        flush(E, true);
        wasm_br(B, label_depth(E, (unsigned)op->imm));
        break;
    case IR_brcond:
        flush(E, true);
        get(E, op->args[0], t);
        get(E, op->args[1], t);
        compare(E, (IRCond)op->imm, t);
        wasm_br_if(B, label_depth(E, op->aux));
        break;
    case IR_goto_tb:
        if (op->aux && !E->tb_pc_stored) /* prepare() made the body a loop */
            self_goto(E, (int32_t)op->imm, op->aux);
        else
            leave(E, (int32_t)op->imm);
        break;
    case IR_exit_tb: leave(E, (int32_t)op->imm); break;
    case IR_insn_start: break;
    default: return WASM_EMIT_EINVAL;
    }
    return 0;
}

/* Check operands, give every used temp a local and rank the labels. */
static int prepare(Emitter *E)
{
    const IRFunc *f = E->f;
    bool used[IR_MAX_TEMPS] = {false};
    for (unsigned i = 0; i < f->nlabels; i++)
        E->label_pos[i] = -1;
    for (unsigned i = 0; i < f->nops; i++) {
        const IROp *op = &f->ops[i];
        if (op->opc >= IR_NB_OPS)
            return WASM_EMIT_EINVAL;
        unsigned n = ir_op_first_in(op) + ir_op_nin(op);
        for (unsigned k = 0; k < n && k < 5; k++) {
            IRTemp t = op->args[k];
            if (t == IR_NONE)
                continue;
            if (t >= f->ntemps)
                return WASM_EMIT_EINVAL;
            used[t] = true;
        }
        if (op->opc == IR_goto_tb && op->aux)
            E->loops = true;
        if (op->opc == IR_qld || op->opc == IR_qst) {
            if (IR_MO_MMU((IRMemOp)op->imm) >= TLB_NB_MMU)
                return WASM_EMIT_EINVAL;
        } else if (op->opc == IR_set_label) {
            if ((uint64_t)op->imm >= f->nlabels || E->label_pos[op->imm] >= 0)
                return WASM_EMIT_EINVAL;
            E->label_pos[op->imm] = (int)i;
        } else if (op->opc == IR_br || op->opc == IR_brcond) {
            uint64_t l = op->opc == IR_br ? (uint64_t)op->imm : op->aux;
            if (l >= f->nlabels)
                return WASM_EMIT_EINVAL;
            if (E->label_pos[l] >= 0)
                return WASM_EMIT_EBACKWARD;
        }
    }
    unsigned rank = 0;
    for (unsigned i = 0; i < f->nops; i++) {
        if (f->ops[i].opc == IR_set_label)
            E->label_rank[f->ops[i].imm] = rank++;
    }
    for (unsigned i = 0; i < f->nops; i++) { /* every target defined */
        const IROp *op = &f->ops[i];
        uint64_t l = op->opc == IR_br ? (uint64_t)op->imm : op->aux;
        if ((op->opc == IR_br || op->opc == IR_brcond) && E->label_pos[l] < 0)
            return WASM_EMIT_EINVAL;
    }
    for (unsigned t = 0; t < f->ntemps; t++) {
        E->local_of[t] = NO_LOCAL;
        if (!used[t])
            continue;
        if (t < E->nglobals && E->ctx->globals[t].type != f->temp_type[t])
            return WASM_EMIT_EINVAL;
        E->local_of[t] = 2 + E->nlocals;
        E->local_type[E->nlocals++] = f->temp_type[t] == IR_I64 ? WASM_I64 : WASM_I32;
    }
    E->scr = 2 + E->nlocals;
    for (unsigned k = 0; k < SCR_COUNT; k++)
        E->local_type[E->nlocals++] = scr_type[k];
    return (int)rank;
}

int wasm_emit_func(WasmModuleBuilder *mb, const IRFunc *f, const WasmABI *abi)
{
    if (abi->version != WASM_ABI_VERSION || !f->ctx || f->overflow || f->ntemps > IR_MAX_TEMPS)
        return WASM_EMIT_EINVAL;
    Emitter *E = calloc(1, sizeof(*E));
    WasmBuf body;
    wasm_buf_init(&body);
    int rc = WASM_EMIT_ENOMEM;
    if (!E)
        return rc;
    E->f = f;
    E->ctx = f->ctx;
    E->abi = abi;
    E->b = &body;
    E->nglobals = f->ctx->nglobals;
    E->label_pos = malloc((f->nlabels + 1) * sizeof(*E->label_pos));
    E->label_rank = malloc((f->nlabels + 1) * sizeof(*E->label_rank));
    if (!E->label_pos || !E->label_rank)
        goto fail;
    int nranks = prepare(E);
    if (nranks < 0) {
        rc = nranks;
        goto fail;
    }
    E->nranks = (unsigned)nranks;
    /* A TB that loops to its start has its body in a `loop` (result: the
     * status when the body falls off its end). */
    if (E->loops)
        wasm_loop(&body, WASM_I32);
    /* One block per label, innermost = first defined: `end` at set_label. */
    for (int i = 0; i < nranks; i++)
        wasm_block(&body, WASM_BLOCK_VOID);
    for (unsigned i = 0; i < f->nops; i++) {
        const IROp *op = &f->ops[i];
        rc = emit_op(E, op);
        if (rc < 0)
            goto fail;
        if (op->opc != IR_insn_start)
            E->ended = op->opc == IR_goto_tb || op->opc == IR_exit_tb || op->opc == IR_br;
    }
    if (!E->ended) { /* falling off the end: as TCI, an indirect jump */
        flush(E, true);
        wasm_i32_const(&body, IR_EXIT_JUMP);
    }
    if (E->loops)
        wasm_end(&body);
    rc = WASM_EMIT_ENOMEM;
    if (!wasm_buf_ok(&body))
        goto fail;
    uint32_t idx = wasm_mb_nfuncs(mb);
    char name[16];
    snprintf(name, sizeof(name), "f%u", (unsigned)idx);
    uint32_t fidx =
        wasm_mb_add_func(mb, abi->type_tb, E->nlocals, E->local_type, body.data, body.len);
    if (!mb->table_segment)
        wasm_mb_export_func(mb, name, fidx);
    rc = (int)idx;
fail:
    wasm_buf_free(&body);
    free(E->label_pos);
    free(E->label_rank);
    free(E);
    return rc;
}

/* Import mode: the slow paths, the helpers (by name) and the scratch
 * offset global.  The builder has no global imports: this writes the entry
 * itself, which is only valid before any global is defined (emitted
 * modules define none), so the global's index is 0. */
static int import_runtime(WasmModuleBuilder *mb, WasmABI *abi)
{
    if (mb->nfuncs || mb->nglobals || (abi->nhelpers && !abi->helper_names))
        return -1;
    abi->load_slow_func = wasm_mb_import_func(mb, "kiln", "load_slow", abi->type_load_slow);
    abi->store_slow_func = wasm_mb_import_func(mb, "kiln", "store_slow", abi->type_store_slow);
    abi->helper_func0 = mb->nfunc_imports;
    for (uint32_t i = 0; i < abi->nhelpers; i++) {
        char name[64];
        if (!abi->helper_names[i] ||
            (size_t)snprintf(name, sizeof(name), "h.%s", abi->helper_names[i]) >= sizeof(name))
            return -1;
        wasm_mb_import_func(mb, "kiln", name, abi->type_helper);
    }
    wasm_buf_name(&mb->imports, "kiln");
    wasm_buf_name(&mb->imports, "scratch");
    wasm_buf_byte(&mb->imports, 0x03); /* global import (5.5.5): i32, immutable */
    wasm_buf_byte(&mb->imports, WASM_I32);
    wasm_buf_byte(&mb->imports, 0x00);
    mb->nimports++;
    abi->scratch_global = 0;
    return mb->failed ? -1 : 0;
}

int wasm_emit_module_init(WasmModuleBuilder *mb, WasmABI *abi, const WasmModuleOptions *opt)
{
    static const uint8_t tb_p[] = {WASM_I32, WASM_I64};
    static const uint8_t helper_p[] = {WASM_I32, WASM_I64, WASM_I64, WASM_I64, WASM_I64};
    static const uint8_t lslow_p[] = {WASM_I32, WASM_I64, WASM_I32, WASM_I32, WASM_I32};
    static const uint8_t sslow_p[] = {WASM_I32, WASM_I64, WASM_I64, WASM_I32, WASM_I32};
    static const uint8_t r_i32[] = {WASM_I32}, r_i64[] = {WASM_I64};
    abi->type_tb = wasm_mb_type(mb, 2, tb_p, 1, r_i32);
    abi->type_helper = wasm_mb_type(mb, 5, helper_p, 1, r_i64);
    abi->type_load_slow = wasm_mb_type(mb, 5, lslow_p, 1, r_i32);
    abi->type_store_slow = wasm_mb_type(mb, 5, sslow_p, 1, r_i32);
    wasm_mb_import_memory(mb, "env", "memory", opt->mem_min_pages, opt->mem_max_pages,
                          opt->shared_memory);
    abi->table = wasm_mb_import_table(mb, "env", "__indirect_function_table", 0, -1);
    if (abi->import_calls && import_runtime(mb, abi))
        return WASM_EMIT_EINVAL;
    if (opt->table_segment) {
        if (!abi->import_calls)
            return WASM_EMIT_EINVAL;
        wasm_buf_name(&mb->imports, "kiln");
        wasm_buf_name(&mb->imports, "table_base");
        wasm_buf_byte(&mb->imports, 0x03); /* global import: i32, immutable (index 1) */
        wasm_buf_byte(&mb->imports, WASM_I32);
        wasm_buf_byte(&mb->imports, 0x00);
        mb->nimports++;
        wasm_mb_set_table_segment(mb, abi->scratch_global + 1);
    }
    WasmBuf ver; /* custom section "kiln.abi": u32 ABI version */
    wasm_buf_init(&ver);
    wasm_buf_u32(&ver, WASM_ABI_VERSION);
    wasm_mb_add_custom(mb, "kiln.abi", ver.data, ver.len);
    bool oom = ver.oom;
    wasm_buf_free(&ver);
    return mb->failed || oom ? WASM_EMIT_EINVAL : 0;
}
