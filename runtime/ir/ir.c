/* ir/ir.c - IR op table, builder, constant evaluation and text dump.
 * The builder never fails: when ops or temps run out it sets f->overflow and
 * writes into a scratch op / reuses the last temp, so the frontend can finish
 * the current instruction and then end the TB earlier. */
#include "ir/ir.h"
#include "ir/ir-arith.h"

#include <inttypes.h>
#include <string.h>

const IROpDef ir_op_defs[IR_NB_OPS] = {
#define DEF(name, nout, nin, nconst, flags) {#name, nout, nin, nconst, flags},
#include "ir/ir-ops.h"
#undef DEF
};

/* Where ops go once f->ops is full. Its content is never read. */
static _Thread_local IROp ir_overflow_op;

void ir_init(IRFunc *f, const IRContext *ctx)
{
    f->ctx = ctx;
    f->nops = 0;
    f->nlabels = 0;
    f->overflow = false;
    unsigned n = ctx ? ctx->nglobals : 0;
    if (n > IR_MAX_TEMPS) {
        n = IR_MAX_TEMPS;
        f->overflow = true;
    }
    for (unsigned i = 0; i < n; i++)
        f->temp_type[i] = ctx->globals[i].type;
    f->ntemps = n;
}

IRTemp ir_new_temp(IRFunc *f, IRType t)
{
    if (f->ntemps >= IR_MAX_TEMPS) {
        f->overflow = true;
        return IR_MAX_TEMPS - 1; /* valid index; the TB will be discarded */
    }
    f->temp_type[f->ntemps] = (uint8_t)t;
    return (IRTemp)f->ntemps++;
}

unsigned ir_new_label(IRFunc *f)
{
    return f->nlabels++;
}

IROp *ir_emit(IRFunc *f, IROpcode opc, IRType t)
{
    IROp *op;
    if (f->nops >= IR_MAX_OPS) {
        f->overflow = true;
        op = &ir_overflow_op;
    } else {
        op = &f->ops[f->nops++];
    }
    op->opc = (uint8_t)opc;
    op->type = (uint8_t)t;
    op->nargs = 0;
    op->pad = 0;
    for (int i = 0; i < 5; i++)
        op->args[i] = IR_NONE;
    op->aux = 0;
    op->imm = 0;
    return op;
}

static uint64_t ir_mask(IRType t, uint64_t v)
{
    return t == IR_I32 ? (uint32_t)v : v;
}

void ir_gen_movi(IRFunc *f, IRType t, IRTemp d, int64_t v)
{
    IROp *op = ir_emit(f, IR_movi, t);
    op->args[0] = d;
    op->imm = (int64_t)ir_mask(t, (uint64_t)v);
}

IRTemp ir_const(IRFunc *f, IRType t, int64_t v)
{
    IRTemp d = ir_new_temp(f, t);
    ir_gen_movi(f, t, d, v);
    return d;
}

void ir_gen_op1(IRFunc *f, IROpcode opc, IRType t, IRTemp d, IRTemp a)
{
    IROp *op = ir_emit(f, opc, t);
    op->args[0] = d;
    op->args[1] = a;
}

void ir_gen_op2(IRFunc *f, IROpcode opc, IRType t, IRTemp d, IRTemp a, IRTemp b)
{
    IROp *op = ir_emit(f, opc, t);
    op->args[0] = d;
    op->args[1] = a;
    op->args[2] = b;
}

void ir_gen_setcond(IRFunc *f, IRType t, IRCond c, IRTemp d, IRTemp a, IRTemp b)
{
    IROp *op = ir_emit(f, IR_setcond, t);
    op->args[0] = d;
    op->args[1] = a;
    op->args[2] = b;
    op->imm = c;
}

void ir_gen_movcond(IRFunc *f, IRType t, IRCond c, IRTemp d, IRTemp a, IRTemp b, IRTemp v1,
                    IRTemp v2)
{
    IROp *op = ir_emit(f, IR_movcond, t);
    op->args[0] = d;
    op->args[1] = a;
    op->args[2] = b;
    op->args[3] = v1;
    op->args[4] = v2;
    op->imm = c;
}

void ir_gen_ld(IRFunc *f, IRType t, IRTemp d, uint32_t offset)
{
    IROp *op = ir_emit(f, IR_ld, t);
    op->args[0] = d;
    op->imm = offset;
}

void ir_gen_st(IRFunc *f, IRType t, IRTemp a, uint32_t offset)
{
    IROp *op = ir_emit(f, IR_st, t);
    op->args[0] = a;
    op->imm = offset;
}

void ir_gen_qld(IRFunc *f, IRTemp d, IRTemp addr, IRMemOp mo, IRSite site)
{
    IRType t = (d < IR_MAX_TEMPS) ? (IRType)f->temp_type[d] : IR_I64;
    IROp *op = ir_emit(f, IR_qld, t);
    op->args[0] = d;
    op->args[1] = addr;
    op->imm = mo;
    op->aux = site;
}

void ir_gen_qst(IRFunc *f, IRTemp val, IRTemp addr, IRMemOp mo, IRSite site)
{
    IRType t = (val < IR_MAX_TEMPS) ? (IRType)f->temp_type[val] : IR_I64;
    IROp *op = ir_emit(f, IR_qst, t);
    op->args[0] = val;
    op->args[1] = addr;
    op->imm = mo;
    op->aux = site;
}

void ir_gen_label(IRFunc *f, unsigned label)
{
    ir_emit(f, IR_set_label, IR_I64)->imm = label;
}

void ir_gen_br(IRFunc *f, unsigned label)
{
    ir_emit(f, IR_br, IR_I64)->imm = label;
}

void ir_gen_brcond(IRFunc *f, IRType t, IRCond c, IRTemp a, IRTemp b, unsigned label)
{
    IROp *op = ir_emit(f, IR_brcond, t);
    op->args[0] = a;
    op->args[1] = b;
    op->imm = c;
    op->aux = label;
}

void ir_gen_call(IRFunc *f, unsigned helper, IRTemp ret, unsigned nargs, const IRTemp *args)
{
    IROp *op = ir_emit(f, IR_call, IR_I64);
    if (nargs > 4) {
        nargs = 4; /* a frontend bug; keep the op well-formed */
        f->overflow = true;
    }
    op->args[0] = ret;
    op->nargs = (uint8_t)nargs;
    for (unsigned i = 0; i < nargs; i++)
        op->args[1 + i] = args[i];
    op->imm = helper;
}

void ir_gen_goto_tb(IRFunc *f, unsigned slot)
{
    ir_emit(f, IR_goto_tb, IR_I64)->imm = slot;
}

void ir_gen_goto_tb_self(IRFunc *f, unsigned slot, uint32_t ninsns)
{
    IROp *op = ir_emit(f, IR_goto_tb, IR_I64);
    op->imm = slot;
    op->aux = ninsns;
}

void ir_gen_exit_tb(IRFunc *f, IRExit status)
{
    ir_emit(f, IR_exit_tb, IR_I64)->imm = status;
}

void ir_gen_insn_start(IRFunc *f, uint32_t pc_off, uint32_t idx)
{
    IROp *op = ir_emit(f, IR_insn_start, IR_I64);
    op->imm = pc_off;
    op->aux = idx;
}

/* ---- conditions ---- */

bool ir_cond_eval(IRCond c, IRType t, uint64_t a, uint64_t b)
{
    int64_t sa, sb;
    if (t == IR_I32) {
        a = (uint32_t)a;
        b = (uint32_t)b;
        sa = (int32_t)a;
        sb = (int32_t)b;
    } else {
        sa = (int64_t)a;
        sb = (int64_t)b;
    }
    switch (c) {
    case IR_EQ: return a == b;
    case IR_NE: return a != b;
    case IR_LT: return sa < sb;
    case IR_GE: return sa >= sb;
    case IR_LTU: return a < b;
    case IR_GEU: return a >= b;
    case IR_LE: return sa <= sb;
    case IR_GT: return sa > sb;
    case IR_LEU: return a <= b;
    case IR_GTU: return a > b;
    }
    return false;
}

IRCond ir_cond_invert(IRCond c)
{
    static const uint8_t inv[] = {
        [IR_EQ] = IR_NE,   [IR_NE] = IR_EQ, [IR_LT] = IR_GE, [IR_GE] = IR_LT,   [IR_LTU] = IR_GEU,
        [IR_GEU] = IR_LTU, [IR_LE] = IR_GT, [IR_GT] = IR_LE, [IR_LEU] = IR_GTU, [IR_GTU] = IR_LEU,
    };
    return (IRCond)inv[c];
}

IRCond ir_cond_swap(IRCond c)
{
    static const uint8_t swp[] = {
        [IR_EQ] = IR_EQ,   [IR_NE] = IR_NE, [IR_LT] = IR_GT, [IR_GE] = IR_LE,   [IR_LTU] = IR_GTU,
        [IR_GEU] = IR_LEU, [IR_LE] = IR_GE, [IR_GT] = IR_LT, [IR_LEU] = IR_GEU, [IR_GTU] = IR_LTU,
    };
    return (IRCond)swp[c];
}

const char *ir_cond_name(IRCond c)
{
    static const char *const names[] = {"eq",  "ne", "lt", "ge",  "ltu",
                                        "geu", "le", "gt", "leu", "gtu"};
    return (unsigned)c < 10 ? names[c] : "?";
}

/* ---- constant evaluation ---- */

bool ir_eval(IROpcode opc, IRType t, uint64_t a, uint64_t b, uint64_t *out)
{
    uint64_t r;
    bool w = t == IR_I64;
    if (!w) {
        a = (uint32_t)a;
        b = (uint32_t)b;
    }
    unsigned sh = (unsigned)b & (w ? 63 : 31);
    switch (opc) {
    case IR_mov: r = a; break;
    case IR_add: r = a + b; break;
    case IR_sub: r = a - b; break;
    case IR_mul: r = a * b; break;
    case IR_mulsh: r = w ? ir_mulsh64(a, b) : ir_mulsh32((uint32_t)a, (uint32_t)b); break;
    case IR_muluh: r = w ? ir_muluh64(a, b) : ir_muluh32((uint32_t)a, (uint32_t)b); break;
    case IR_mulsuh: r = w ? ir_mulsuh64(a, b) : ir_mulsuh32((uint32_t)a, (uint32_t)b); break;
    case IR_and: r = a & b; break;
    case IR_or: r = a | b; break;
    case IR_xor: r = a ^ b; break;
    case IR_shl: r = a << sh; break;
    case IR_shr: r = a >> sh; break;
    case IR_sar: r = w ? ir_sar64(a, sh) : ir_sar32((uint32_t)a, sh); break;
    case IR_neg: r = -a; break;
    case IR_not: r = ~a; break;
    case IR_ext8s: r = (uint64_t)(int64_t)(int8_t)a; break;
    case IR_ext8u: r = (uint8_t)a; break;
    case IR_ext16s: r = (uint64_t)(int64_t)(int16_t)a; break;
    case IR_ext16u: r = (uint16_t)a; break;
    case IR_ext32s: r = (uint64_t)(int64_t)(int32_t)a; break;
    case IR_ext32u: r = (uint32_t)a; break;
    /* Width changes: the input is an i32 (extu/exts) or an i64 (trunc),
     * whatever t says about the output. */
    case IR_extu_i32: r = (uint32_t)a; break;
    case IR_exts_i32: r = (uint64_t)(int64_t)(int32_t)a; break;
    case IR_trunc_i64: r = (uint32_t)a; break;
    default: return false;
    }
    *out = ir_mask(t, r);
    return true;
}

/* ---- dump ---- */

static void dump_temp(const IRFunc *f, IRTemp t, FILE *out)
{
    if (t == IR_NONE)
        fputs("none", out);
    else if (f->ctx && t < f->ctx->nglobals && f->ctx->globals[t].name)
        fputs(f->ctx->globals[t].name, out);
    else
        fprintf(out, "t%u", (unsigned)t);
}

static void dump_op(const IRFunc *f, const IROp *op, FILE *out)
{
    const IROpDef *def = &ir_op_defs[op->opc];
    const char *ty = op->type == IR_I32 ? "_i32" : "_i64";
    unsigned nout = ir_op_nout(op), nin = ir_op_nin(op), first = ir_op_first_in(op);
    bool sep = false;

    switch (op->opc) {
    case IR_insn_start:
        fprintf(out, " ---- insn %u +0x%" PRIx64 "\n", (unsigned)op->aux, (uint64_t)op->imm);
        return;
    case IR_set_label: fprintf(out, "L%" PRId64 ":\n", op->imm); return;
    case IR_br: fprintf(out, "  br L%" PRId64 "\n", op->imm); return;
    case IR_goto_tb:
        if (op->aux)
            fprintf(out, "  goto_tb %" PRId64 " (to the start, %u insns)\n", op->imm,
                    (unsigned)op->aux);
        else
            fprintf(out, "  goto_tb %" PRId64 "\n", op->imm);
        return;
    case IR_exit_tb: fprintf(out, "  exit_tb %" PRId64 "\n", op->imm); return;
    case IR_call: {
        const IRContext *c = f->ctx;
        const char *hn = (c && (uint64_t)op->imm < c->nhelpers) ? c->helpers[op->imm].name : NULL;
        if (hn)
            fprintf(out, "  call %s", hn);
        else
            fprintf(out, "  call #%" PRId64, op->imm);
        sep = true;
        break;
    }
    default: fprintf(out, "  %s%s ", def->name, ty); break;
    }
    for (unsigned i = 0; i < nout; i++) {
        if (sep)
            fputs(", ", out);
        dump_temp(f, op->args[i], out);
        sep = true;
    }
    for (unsigned i = 0; i < nin; i++) {
        if (sep)
            fputs(", ", out);
        dump_temp(f, op->args[first + i], out);
        sep = true;
    }
    switch (op->opc) {
    case IR_movi: fprintf(out, ", $0x%" PRIx64, (uint64_t)op->imm); break;
    case IR_setcond:
    case IR_movcond: fprintf(out, ", %s", ir_cond_name((IRCond)op->imm)); break;
    case IR_brcond:
        fprintf(out, ", %s, L%u", ir_cond_name((IRCond)op->imm), (unsigned)op->aux);
        break;
    case IR_ld:
    case IR_st: fprintf(out, ", [env+0x%" PRIx64 "]", (uint64_t)op->imm); break;
    case IR_qld:
    case IR_qst: {
        uint32_t mo = (uint32_t)op->imm;
        fprintf(out, ", %c%u mmu%u%s @%u+0x%x", (mo & IR_MO_SIGN) ? 's' : 'u', 8u << IR_MO_SIZE(mo),
                IR_MO_MMU(mo), (mo & IR_MO_ALIGN) ? " align" : "", IR_SITE_IDX(op->aux),
                IR_SITE_PCOFF(op->aux));
        break;
    }
    default: break;
    }
    fputc('\n', out);
}

void ir_dump(const IRFunc *f, FILE *out)
{
    for (unsigned i = 0; i < f->nops; i++)
        dump_op(f, &f->ops[i], out);
}
