/* ir/opt.c - IR optimiser: constant folding, copy propagation, branch
 * folding, unreachable-code and dead-code removal, output retargeting.
 * Contract (opt.h): the result leaves the same globals, CPU state, guest
 * memory and helper calls (in order) as the input, for every input state.
 * Knowledge is per basic block: it is dropped at every label still targeted
 * by a branch.  Guest memory slow paths must not modify globals (they only
 * raise exceptions, after which the TB exits); helpers that are not IR_H_PURE
 * may read and write any global. */
#include "ir/opt.h"

#include <stdlib.h>
#include <string.h>

#define OPT_WORDS (IR_MAX_TEMPS / 64)

enum { K_UNKNOWN, K_CONST, K_COPY };

/* What is known about a temp's value; valid only if epoch matches. */
typedef struct TempInfo {
    uint32_t epoch;
    uint8_t kind;
    IRTemp src;       /* K_COPY: same value as src ... */
    uint32_t src_gen; /* ... as long as src was not written since */
    uint64_t val;     /* K_CONST (masked to the type) */
} TempInfo;

typedef struct OptState {
    IRFunc *f;
    const IRContext *ctx;
    unsigned nglobals;
    uint32_t epoch;
    TempInfo info[IR_MAX_TEMPS];
    uint32_t gen[IR_MAX_TEMPS]; /* bumped at every write of the temp */
    uint8_t removed[IR_MAX_OPS];
    uint32_t *label_refs; /* branches targeting each label */
} OptState;

static uint64_t type_mask(IRType t)
{
    return t == IR_I32 ? 0xffffffffull : ~0ull;
}

/* ---- knowledge ---- */

static bool temp_ok(const OptState *s, IRTemp t)
{
    (void)s;
    return t < IR_MAX_TEMPS;
}

static TempInfo *known(OptState *s, IRTemp t)
{
    if (!temp_ok(s, t) || s->info[t].epoch != s->epoch)
        return NULL;
    TempInfo *ti = &s->info[t];
    if (ti->kind == K_COPY && s->gen[ti->src] != ti->src_gen)
        return NULL;
    return ti->kind == K_UNKNOWN ? NULL : ti;
}

static bool is_const(OptState *s, IRTemp t, uint64_t *v)
{
    TempInfo *ti = known(s, t);
    if (!ti || ti->kind != K_CONST)
        return false;
    *v = ti->val;
    return true;
}

static IRTemp canon(OptState *s, IRTemp t)
{
    TempInfo *ti = known(s, t);
    return (ti && ti->kind == K_COPY) ? ti->src : t;
}

static void set_info(OptState *s, IRTemp t, uint8_t kind)
{
    if (!temp_ok(s, t))
        return;
    s->gen[t]++;
    s->info[t].epoch = s->epoch;
    s->info[t].kind = kind;
}

static void set_unknown(OptState *s, IRTemp t)
{
    set_info(s, t, K_UNKNOWN);
}

static void set_const(OptState *s, IRTemp t, uint64_t v)
{
    set_info(s, t, K_CONST);
    if (temp_ok(s, t))
        s->info[t].val = v;
}

static void set_copy(OptState *s, IRTemp d, IRTemp src)
{
    uint64_t v;
    if (is_const(s, src, &v)) {
        set_const(s, d, v);
        return;
    }
    set_info(s, d, K_COPY);
    if (temp_ok(s, d) && temp_ok(s, src)) {
        s->info[d].src = src;
        s->info[d].src_gen = s->gen[src];
    }
}

/* Globals may have changed behind our back (helper call, st into them). */
static void forget_global(OptState *s, IRTemp g)
{
    s->gen[g]++;
    s->info[g].epoch = 0;
}

static void forget_globals(OptState *s)
{
    for (unsigned g = 0; g < s->nglobals; g++)
        forget_global(s, (IRTemp)g);
}

static bool global_overlaps(const OptState *s, unsigned g, uint64_t off, IRType t)
{
    const IRGlobal *gl = &s->ctx->globals[g];
    uint64_t gsz = gl->type == IR_I32 ? 4 : 8, sz = t == IR_I32 ? 4 : 8;
    return off < gl->offset + gsz && gl->offset < off + sz;
}

/* The globals a ld/st of type t at off overlaps (at most 3: globals do not
 * overlap each other and span 4 or 8 bytes); returns their number.  Looks
 * them up by 4-byte unit of the CPU state in a map built once per thread
 * for the context, instead of testing every global; without a map (no
 * memory, or two globals sharing a unit) it tests every global. */
static unsigned overlapping_globals(const OptState *s, uint64_t off, IRType t, unsigned out[3])
{
    static _Thread_local const IRContext *map_ctx;
    static _Thread_local unsigned map_n = UINT32_MAX;
    static _Thread_local uint16_t *unit_g; /* global + 1 per unit, 0: none; NULL: no map */
    static _Thread_local uint64_t nunits;
    if (map_ctx != s->ctx || map_n != s->nglobals) {
        free(unit_g);
        unit_g = NULL;
        map_ctx = s->ctx;
        map_n = s->nglobals;
        uint64_t end = 0;
        for (unsigned g = 0; g < s->nglobals; g++) {
            const IRGlobal *gl = &s->ctx->globals[g];
            uint64_t e = (uint64_t)gl->offset + (gl->type == IR_I32 ? 4 : 8);
            end = e > end ? e : end;
        }
        nunits = end / 4 + 1;
        uint16_t *m = s->nglobals < UINT16_MAX ? calloc(nunits, sizeof(*m)) : NULL;
        for (unsigned g = 0; m && g < s->nglobals; g++) {
            const IRGlobal *gl = &s->ctx->globals[g];
            uint64_t last = (uint64_t)gl->offset + (gl->type == IR_I32 ? 4 : 8) - 1;
            for (uint64_t u = gl->offset / 4; m && u <= last / 4; u++) {
                if (m[u]) { /* shared unit: no map */
                    free(m);
                    m = NULL;
                } else {
                    m[u] = (uint16_t)(g + 1);
                }
            }
        }
        unit_g = m;
    }
    unsigned n = 0;
    if (!unit_g) {
        for (unsigned g = 0; g < s->nglobals && n < 3; g++)
            if (global_overlaps(s, g, off, t))
                out[n++] = g;
        return n;
    }
    uint64_t last = off + (t == IR_I32 ? 4 : 8) - 1;
    for (uint64_t u = off / 4; last >= off && u <= last / 4 && u < nunits; u++) {
        unsigned g = unit_g[u];
        if (g && (n == 0 || out[n - 1] != g - 1) && global_overlaps(s, g - 1, off, t))
            out[n++] = g - 1;
    }
    return n;
}

static bool helper_pure(const OptState *s, const IROp *op)
{
    return s->ctx && (uint64_t)op->imm < s->ctx->nhelpers &&
           (s->ctx->helpers[op->imm].flags & IR_H_PURE);
}

/* ---- op rewriting ---- */

static void op_clear_args(IROp *op)
{
    for (int i = 1; i < 5; i++)
        op->args[i] = IR_NONE;
    op->nargs = 0;
    op->aux = 0;
}

static void to_movi(OptState *s, IROp *op, uint64_t v)
{
    v &= type_mask((IRType)op->type);
    op->opc = IR_movi;
    op_clear_args(op);
    op->imm = (int64_t)v;
    set_const(s, op->args[0], v);
}

/* d = src.  A mov to itself disappears and leaves d's knowledge alone. */
static void to_mov(OptState *s, unsigned i, IROp *op, IRTemp src)
{
    IRTemp d = op->args[0];
    if (src == d) {
        s->removed[i] = 1;
        return;
    }
    op->opc = IR_mov;
    op_clear_args(op);
    op->args[1] = src;
    op->imm = 0;
    if (temp_ok(s, src) && temp_ok(s, d) && s->f->temp_type[src] == s->f->temp_type[d])
        set_copy(s, d, src);
    else
        set_unknown(s, d);
}

static void drop_branch(OptState *s, unsigned i, unsigned label)
{
    s->removed[i] = 1;
    if (label < s->f->nlabels && s->label_refs[label])
        s->label_refs[label]--;
}

/* ---- fold_<op>(): produce a constant, else a copy, else information ---- */

static void fold_mov(OptState *s, unsigned i, IROp *op)
{
    uint64_t v;
    if (is_const(s, op->args[1], &v))
        to_movi(s, op, v);
    else
        to_mov(s, i, op, op->args[1]);
}

static void fold_unary(OptState *s, IROp *op)
{
    uint64_t a, r;
    if (is_const(s, op->args[1], &a) && ir_eval((IROpcode)op->opc, (IRType)op->type, a, 0, &r))
        to_movi(s, op, r);
    else
        set_unknown(s, op->args[0]);
}

static void fold_binary(OptState *s, unsigned i, IROp *op)
{
    IRType t = (IRType)op->type;
    uint64_t m = type_mask(t), a = 0, b = 0, r;
    IRTemp ta = op->args[1], tb = op->args[2];
    bool ca = is_const(s, ta, &a), cb = is_const(s, tb, &b);

    if (ca && cb && ir_eval((IROpcode)op->opc, t, a, b, &r)) {
        to_movi(s, op, r);
        return;
    }
    /* Commutative ops: put a constant second so one test covers both. */
    switch (op->opc) {
    case IR_add:
    case IR_mul:
    case IR_and:
    case IR_or:
    case IR_xor:
        if (ca && !cb) {
            IRTemp tt = ta;
            ta = tb;
            tb = tt;
            b = a;
            cb = true;
            ca = false;
        }
        break;
    default: break;
    }
    switch (op->opc) {
    case IR_add:
    case IR_or:
    case IR_xor:
        if (cb && b == 0)
            return to_mov(s, i, op, ta);
        if (op->opc == IR_or && cb && b == m)
            return to_movi(s, op, m);
        if (op->opc == IR_or && ta == tb)
            return to_mov(s, i, op, ta);
        if (op->opc == IR_xor && ta == tb)
            return to_movi(s, op, 0);
        break;
    case IR_sub:
        if (cb && b == 0)
            return to_mov(s, i, op, ta);
        if (ta == tb)
            return to_movi(s, op, 0);
        break;
    case IR_mul:
        if (cb && b == 0)
            return to_movi(s, op, 0);
        if (cb && b == 1)
            return to_mov(s, i, op, ta);
        break;
    case IR_mulsh:
    case IR_muluh:
    case IR_mulsuh:
        if ((ca && a == 0) || (cb && b == 0))
            return to_movi(s, op, 0);
        break;
    case IR_and:
        if (cb && b == 0)
            return to_movi(s, op, 0);
        if ((cb && b == m) || ta == tb)
            return to_mov(s, i, op, ta);
        break;
    case IR_shl:
    case IR_shr:
    case IR_sar:
        if (cb && (b & (t == IR_I32 ? 31 : 63)) == 0)
            return to_mov(s, i, op, ta);
        if (ca && a == 0)
            return to_movi(s, op, 0);
        break;
    default: break;
    }
    set_unknown(s, op->args[0]);
}

/* Decide cond(a, b) if possible: returns 0/1, or -1 if unknown. */
static int cond_known(OptState *s, IRType t, IRCond c, IRTemp ta, IRTemp tb)
{
    uint64_t a, b;
    if (is_const(s, ta, &a) && is_const(s, tb, &b))
        return ir_cond_eval(c, t, a, b);
    if (ta == tb)
        return ir_cond_eval(c, t, 0, 0);
    return -1;
}

static void fold_setcond(OptState *s, IROp *op)
{
    int k = cond_known(s, (IRType)op->type, (IRCond)op->imm, op->args[1], op->args[2]);
    if (k >= 0)
        to_movi(s, op, (uint64_t)k);
    else
        set_unknown(s, op->args[0]);
}

static void fold_movcond(OptState *s, unsigned i, IROp *op)
{
    int k = cond_known(s, (IRType)op->type, (IRCond)op->imm, op->args[1], op->args[2]);
    IRTemp v1 = op->args[3], v2 = op->args[4];
    if (k < 0 && v1 != v2) {
        set_unknown(s, op->args[0]);
        return;
    }
    IRTemp src = (k == 0) ? v2 : v1;
    uint64_t v;
    if (is_const(s, src, &v))
        to_movi(s, op, v);
    else
        to_mov(s, i, op, src);
}

/* Returns true if code after op is unreachable. */
static bool fold_brcond(OptState *s, unsigned i, IROp *op)
{
    int k = cond_known(s, (IRType)op->type, (IRCond)op->imm, op->args[0], op->args[1]);
    if (k == 0) {
        drop_branch(s, i, op->aux);
    } else if (k == 1) {
        op->opc = IR_br;
        op->imm = op->aux;
        op->aux = 0;
        op->args[0] = op->args[1] = IR_NONE;
        return true;
    }
    return false;
}

static void fold_st(OptState *s, IROp *op)
{
    unsigned gs[3], n = overlapping_globals(s, (uint64_t)op->imm, (IRType)op->type, gs);
    for (unsigned i = 0; i < n; i++)
        forget_global(s, (IRTemp)gs[i]);
}

static void fold_call(OptState *s, IROp *op)
{
    if (!helper_pure(s, op))
        forget_globals(s);
    if (op->args[0] != IR_NONE)
        set_unknown(s, op->args[0]);
}

/* ---- forward pass ---- */

static void opt_forward(OptState *s)
{
    IRFunc *f = s->f;
    bool unreachable = false;
    unsigned last_br = UINT32_MAX; /* the br that made the code unreachable, if any */

    for (unsigned i = 0; i < f->nops; i++) {
        IROp *op = &f->ops[i];
        if (op->opc == IR_set_label) {
            unsigned l = (unsigned)op->imm;
            /* "br L; <unreachable>; L:" is a fall-through: drop the br, and
             * the label too if nothing else targets it (knowledge flows on). */
            if (unreachable && last_br != UINT32_MAX && f->ops[last_br].opc == IR_br &&
                (unsigned)f->ops[last_br].imm == l) {
                drop_branch(s, last_br, l);
                unreachable = false;
            }
            if (l < f->nlabels && s->label_refs[l] == 0) {
                s->removed[i] = 1; /* only reachable by falling through */
                continue;
            }
            unreachable = false;
            s->epoch++;
            continue;
        }
        if (unreachable) {
            if (op->opc == IR_br)
                drop_branch(s, i, (unsigned)op->imm);
            else if (op->opc == IR_brcond)
                drop_branch(s, i, op->aux);
            else
                s->removed[i] = 1;
            continue;
        }
        unsigned first = ir_op_first_in(op), nin = ir_op_nin(op);
        for (unsigned j = 0; j < nin; j++)
            op->args[first + j] = canon(s, op->args[first + j]);

        const uint32_t opflags = ir_op_defs[op->opc].flags;
        if (opflags & IR_F_BINARY) {
            fold_binary(s, i, op);
            continue;
        }
        if (opflags & IR_F_UNARY) {
            fold_unary(s, op);
            continue;
        }
        switch (op->opc) {
        case IR_mov: fold_mov(s, i, op); break;
        case IR_movi:
            set_const(s, op->args[0], (uint64_t)op->imm & type_mask((IRType)op->type));
            break;
        case IR_setcond: fold_setcond(s, op); break;
        case IR_movcond: fold_movcond(s, i, op); break;
        case IR_ld:
        case IR_qld: set_unknown(s, op->args[0]); break;
        case IR_st: fold_st(s, op); break;
        case IR_qst:
        case IR_insn_start: break;
        case IR_call: fold_call(s, op); break;
        case IR_brcond:
            unreachable = fold_brcond(s, i, op);
            last_br = unreachable ? i : UINT32_MAX;
            break;
        case IR_br:
            unreachable = true;
            last_br = i;
            break;
        case IR_goto_tb:
        case IR_exit_tb:
            unreachable = true;
            last_br = UINT32_MAX;
            break;
        default:
            /* Unknown op: be safe about everything it might write. */
            for (unsigned j = 0; j < ir_op_nout(op); j++)
                set_unknown(s, op->args[j]);
            forget_globals(s);
            break;
        }
    }
}

/* ---- backward pass: liveness and dead code ---- */

typedef struct LiveSet {
    uint64_t w[OPT_WORDS];
} LiveSet;

static void live_set(LiveSet *l, IRTemp t)
{
    if (t < IR_MAX_TEMPS)
        l->w[t / 64] |= 1ull << (t % 64);
}

static void live_clear(LiveSet *l, IRTemp t)
{
    if (t < IR_MAX_TEMPS)
        l->w[t / 64] &= ~(1ull << (t % 64));
}

static bool live_get(const LiveSet *l, IRTemp t)
{
    return t < IR_MAX_TEMPS && (l->w[t / 64] >> (t % 64)) & 1;
}

static void live_or(LiveSet *l, const LiveSet *o)
{
    for (int i = 0; i < OPT_WORDS; i++)
        l->w[i] |= o->w[i];
}

static void live_all(LiveSet *l)
{
    memset(l, 0xff, sizeof(*l));
}

/* Returns false (and leaves f alone) if memory is short. */
static bool opt_dead_code(OptState *s)
{
    IRFunc *f = s->f;
    LiveSet live, globals;
    LiveSet *at_label = calloc(f->nlabels ? f->nlabels : 1, sizeof(LiveSet));
    uint8_t *seen = calloc(f->nlabels ? f->nlabels : 1, 1);
    if (!at_label || !seen) {
        free(at_label);
        free(seen);
        return false;
    }
    /* Temps 0..nglobals-1, built once per thread for the context's count. */
    static _Thread_local LiveSet globals_set;
    static _Thread_local unsigned globals_n = UINT32_MAX;
    if (globals_n != s->nglobals) {
        memset(&globals_set, 0, sizeof(globals_set));
        for (unsigned g = 0; g < s->nglobals; g++)
            live_set(&globals_set, (IRTemp)g);
        globals_n = s->nglobals;
    }
    globals = globals_set;
    live = globals; /* falling off the end: a bug, but keep globals */

    for (unsigned i = f->nops; i-- > 0;) {
        IROp *op = &f->ops[i];
        if (s->removed[i])
            continue;
        const IROpDef *def = &ir_op_defs[op->opc];
        unsigned l;
        switch (op->opc) {
        case IR_goto_tb:
        case IR_exit_tb: live = globals; continue;
        case IR_set_label:
            l = (unsigned)op->imm;
            live_or(&live, &globals);
            if (l < f->nlabels) {
                at_label[l] = live;
                seen[l] = 1;
            }
            continue;
        case IR_br:
        case IR_brcond:
            l = op->opc == IR_br ? (unsigned)op->imm : op->aux;
            if (op->opc == IR_br)
                memset(&live, 0, sizeof(live));
            if (l < f->nlabels && seen[l])
                live_or(&live, &at_label[l]);
            else
                live_all(&live); /* backward branch: be conservative */
            live_or(&live, &globals);
            if (op->opc == IR_brcond) {
                live_set(&live, op->args[0]);
                live_set(&live, op->args[1]);
            }
            continue;
        case IR_insn_start: continue;
        default: break;
        }

        unsigned nout = ir_op_nout(op), first = ir_op_first_in(op), nin = ir_op_nin(op);
        bool pure_call = op->opc == IR_call && helper_pure(s, op);
        bool removable = !(def->flags & (IR_F_SIDE | IR_F_EXIT | IR_F_BB_END)) &&
                         (op->opc != IR_call || pure_call);
        if (removable) {
            bool any = false;
            for (unsigned j = 0; j < nout; j++)
                any |= live_get(&live, op->args[j]);
            if (!any) {
                s->removed[i] = 1;
                continue;
            }
        }
        for (unsigned j = 0; j < nout; j++)
            live_clear(&live, op->args[j]);
        for (unsigned j = 0; j < nin; j++)
            if (op->args[first + j] != IR_NONE)
                live_set(&live, op->args[first + j]);
        if ((op->opc == IR_call && !pure_call) || (def->flags & IR_F_MEM))
            live_or(&live, &globals); /* may read them, or exit with them */
        /* ld/st through a global's slot read it; a st covering it exactly
         * defines it. */
        if (op->opc == IR_ld || op->opc == IR_st) {
            unsigned gs[3], n = overlapping_globals(s, (uint64_t)op->imm, (IRType)op->type, gs);
            for (unsigned k = 0; k < n; k++) {
                const IRGlobal *gl = &s->ctx->globals[gs[k]];
                if (op->opc == IR_st && gl->offset == (uint64_t)op->imm && gl->type == op->type)
                    live_clear(&live, (IRTemp)gs[k]);
                else
                    live_set(&live, (IRTemp)gs[k]);
            }
        }
        if (op->opc == IR_st)
            live_set(&live, op->args[0]); /* st x0, [x0's slot] still reads x0 */
    }
    free(at_label);
    free(seen);
    return true;
}

/* ---- output retargeting ---- */

/* "op t, ...; ...; mov g, t" with t a TB-local temp defined once: op writes
 * the global g directly, the mov goes and later reads of t read g.  Legal
 * when nothing between op and the mov reads or writes g, may leave the TB
 * (so env never shows g's new value early, even at a fault) or ends a basic
 * block, and when g keeps t's value until t's last read. */

static bool op_reads(const IROp *op, IRTemp t)
{
    unsigned first = ir_op_first_in(op), nin = ir_op_nin(op);
    for (unsigned j = 0; j < nin; j++)
        if (op->args[first + j] == t)
            return true;
    return false;
}

static bool op_writes(const IROp *op, IRTemp t)
{
    for (unsigned j = 0; j < ir_op_nout(op); j++)
        if (op->args[j] == t)
            return true;
    return false;
}

/* May op touch g other than through its operands: helpers, ld/st of g's
 * slot, or unknown ops. */
static bool op_touches_global(const OptState *s, const IROp *op, unsigned g)
{
    if (op->opc == IR_call)
        return !helper_pure(s, op);
    if (op->opc == IR_ld || op->opc == IR_st)
        return global_overlaps(s, g, (uint64_t)op->imm, (IRType)op->type);
    return op->opc >= IR_NB_OPS;
}

static void replace_reads(IROp *op, IRTemp from, IRTemp to)
{
    unsigned first = ir_op_first_in(op), nin = ir_op_nin(op);
    for (unsigned j = 0; j < nin; j++)
        if (op->args[first + j] == from)
            op->args[first + j] = to;
}

/* Can t (defined at i, copied to g by the mov at j) be replaced by g? */
static bool retarget_ok(OptState *s, unsigned i, unsigned j, IRTemp t, IRTemp g)
{
    IRFunc *f = s->f;
    for (unsigned k = i + 1; k < j; k++) {
        const IROp *op = &f->ops[k];
        if (op->opc == IR_insn_start)
            continue;
        if ((ir_op_defs[op->opc].flags & (IR_F_EXIT | IR_F_BB_END)) || op_reads(op, g) ||
            op_writes(op, g) || op_touches_global(s, op, g))
            return false;
    }
    bool clobbered = false, label = false;
    for (unsigned k = j + 1; k < f->nops; k++) {
        const IROp *op = &f->ops[k];
        if (op_reads(op, t) && (clobbered || label))
            return false;
        if (op_writes(op, g) || op_touches_global(s, op, g))
            clobbered = true;
        if (op->opc == IR_set_label)
            label = true;
    }
    return true;
}

static void opt_retarget(OptState *s)
{
    IRFunc *f = s->f;
    static const unsigned none = UINT32_MAX;
    /* Read only below f->ntemps (checked below); entries above it may hold
     * stale values from an earlier call, never read. */
    static _Thread_local unsigned def_at[IR_MAX_TEMPS];
    for (unsigned t = 0; t < f->ntemps && t < IR_MAX_TEMPS; t++)
        def_at[t] = none;
    for (unsigned i = 0; i < f->nops; i++) {
        const IROp *op = &f->ops[i];
        for (unsigned j = 0; j < ir_op_nout(op); j++) {
            IRTemp t = op->args[j];
            if (t < IR_MAX_TEMPS)
                def_at[t] = (def_at[t] == none && ir_op_nout(op) == 1) ? i : none - 1;
        }
    }
    for (unsigned j = 0; j < f->nops; j++) {
        IROp *mv = &f->ops[j];
        if (mv->opc != IR_mov)
            continue;
        IRTemp g = mv->args[0], t = mv->args[1];
        if (g >= s->nglobals || t < s->nglobals || t >= IR_MAX_TEMPS || t >= f->ntemps ||
            f->temp_type[t] != f->temp_type[g])
            continue;
        unsigned i = def_at[t];
        if (i >= j || !retarget_ok(s, i, j, t, g))
            continue;
        f->ops[i].args[0] = g;
        def_at[t] = none - 1;
        s->removed[j] = 1;
        for (unsigned k = i + 1; k < f->nops; k++)
            if (!s->removed[k])
                replace_reads(&f->ops[k], t, g);
    }
}

static void opt_compact(OptState *s)
{
    IRFunc *f = s->f;
    unsigned n = 0;
    for (unsigned i = 0; i < f->nops; i++)
        if (!s->removed[i])
            f->ops[n++] = f->ops[i];
    f->nops = n;
}

void opt_run(IRFunc *f)
{
    /* One state per thread, reused. info[] needs no clearing: an entry is
     * valid only if its epoch is the current one, and epochs only grow
     * across calls (0 means "invalid"). gen[] only grows too, so a recorded
     * src_gen still detects a later write. removed[] is cleared up to nops.
     * (A fresh calloc of the ~30 KB state cost more than the passes.) */
    static _Thread_local OptState state;
    OptState *s = &state;
    if (f->nops > IR_MAX_OPS)
        return;
    if (s->epoch > UINT32_MAX - 2 * IR_MAX_OPS - 2)
        memset(s, 0, sizeof(*s)); /* epoch wrap: start over */
    s->label_refs = calloc(f->nlabels ? f->nlabels : 1, sizeof(uint32_t));
    if (!s->label_refs)
        return;
    s->f = f;
    s->ctx = f->ctx;
    s->nglobals = f->ctx ? f->ctx->nglobals : 0;
    if (s->nglobals > IR_MAX_TEMPS)
        s->nglobals = IR_MAX_TEMPS;
    s->epoch++;
    memset(s->removed, 0, f->nops);
    for (unsigned i = 0; i < f->nops; i++) {
        const IROp *op = &f->ops[i];
        unsigned l = op->opc == IR_br ? (unsigned)op->imm : op->aux;
        if ((op->opc == IR_br || op->opc == IR_brcond) && l < f->nlabels)
            s->label_refs[l]++;
    }
    opt_forward(s);
    opt_dead_code(s);
    opt_compact(s);
    memset(s->removed, 0, f->nops);
    opt_retarget(s);
    opt_compact(s);
    free(s->label_refs);
    s->label_refs = NULL;
}
