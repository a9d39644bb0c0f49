/* ir.h - Kiln's guest-neutral intermediate representation.
 *
 * A translation block (TB) is an IRFunc: a list of typed ops over temps.
 * Temps [0, nglobals) are globals: fixed slots of the CPU state (the guest
 * registers), valid across TBs.  Higher temps are TB-local, dead at TB exit.
 * The IR knows no guest and no backend: frontends build it with ir_gen_*(),
 * opt_run() simplifies it, TCI runs it and the Wasm emitter compiles it.
 */
#ifndef KILN_IR_H
#define KILN_IR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Op flags. */
enum {
    IR_F_STATE = 1 << 0,  /* reads/writes CPU state through an offset */
    IR_F_SIDE = 1 << 1,   /* has a side effect: never dead */
    IR_F_MEM = 1 << 2,    /* guest memory access */
    IR_F_EXIT = 1 << 3,   /* may leave the TB early (guest fault) */
    IR_F_BB_END = 1 << 4, /* ends a basic block (label, branch, exit) */
    IR_F_CALL = 1 << 5,   /* helper call */
    IR_F_BINARY = 1 << 6, /* pure value op d = f(a, b) (ir_eval folds it) */
    IR_F_UNARY = 1 << 7,  /* pure value op d = f(a) */
};

typedef enum IROpcode {
#define DEF(name, nout, nin, nconst, flags) IR_##name,
#include "ir-ops.h"
#undef DEF
    IR_NB_OPS
} IROpcode;

typedef struct IROpDef {
    const char *name;
    uint8_t nout, nin, nconst;
    uint32_t flags;
} IROpDef;

extern const IROpDef ir_op_defs[IR_NB_OPS];

typedef enum IRType { IR_I32 = 0, IR_I64 = 1 } IRType;

/* Comparison conditions (setcond, movcond, brcond). */
typedef enum IRCond {
    IR_EQ,
    IR_NE,
    IR_LT,
    IR_GE,
    IR_LTU,
    IR_GEU,
    IR_LE,
    IR_GT,
    IR_LEU,
    IR_GTU
} IRCond;

/* Guest memory op: bits 0-1 log2 size, bit 2 sign-extend, bits 4-7 mmu
 * index (which TLB), bit 8 "atomic/aligned": misaligned access faults. */
typedef uint32_t IRMemOp;
#define IR_MO_SIZE(mo) ((mo)&3)
#define IR_MO_SIGN 4u
#define IR_MO_MMU(mo) (((mo) >> 4) & 15)
#define IR_MO_ALIGN 0x100u
#define IR_MO_MAKE(size_log2, sign, mmu)                                                           \
    ((uint32_t)(size_log2) | ((sign) ? IR_MO_SIGN : 0) | ((uint32_t)(mmu) << 4))

/* Where a guest insn sits in its TB: used to make faults precise.
 * Bits 0-15: byte offset from the TB's start PC; bits 16-31: insn index. */
typedef uint32_t IRSite;
#define IR_SITE(pc_off, idx) ((uint32_t)(pc_off) | ((uint32_t)(idx) << 16))
#define IR_SITE_PCOFF(s) ((s)&0xffff)
#define IR_SITE_IDX(s) ((s) >> 16)

/* TB exit statuses returned by a TB to the dispatcher. */
typedef enum IRExit {
    IR_EXIT_SLOT0 = 0, /* goto_tb 0: next PC is in state, successor cacheable */
    IR_EXIT_SLOT1 = 1, /* goto_tb 1 */
    IR_EXIT_JUMP = 2,  /* indirect jump: look up the next PC */
    IR_EXIT_SYNC = 3,  /* state changed (CSR, fence.i, wfi...): re-evaluate */
    IR_EXIT_FAULT = 4, /* guest exception raised; env has the details */
} IRExit;

typedef uint16_t IRTemp;
#define IR_NONE 0xffffu

/* Helper functions: uniform C signature so every backend can call them. */
typedef uint64_t IRHelperFn(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d);

enum {
    IR_H_PURE = 1 << 0,  /* no side effects, reads no state: may be removed/folded */
    IR_H_EXIT = 1 << 1,  /* may raise a guest fault: backend checks env exit status */
    IR_H_STATE = 1 << 2, /* reads or writes globals in the CPU state */
};

typedef struct IRHelper {
    const char *name;
    IRHelperFn *fn;
    uint8_t nargs;   /* 0..4 (env is implicit) */
    uint8_t has_ret; /* returns an i64 */
    uint8_t flags;   /* IR_H_* */
} IRHelper;

/* One op. args: outputs then inputs (temps). imm/aux: constants. */
typedef struct IROp {
    uint8_t opc;   /* IROpcode */
    uint8_t type;  /* IRType */
    uint8_t nargs; /* for call: number of inputs */
    uint8_t pad;
    IRTemp args[5];
    uint32_t aux;
    int64_t imm;
} IROp;

typedef struct IRGlobal {
    const char *name;
    uint32_t offset; /* byte offset into the CPU state */
    uint8_t type;
} IRGlobal;

/* Guest memory slow paths (TLB miss, MMIO, misaligned, faults), given by
 * the guest.  Return 0 on success; on a guest fault they have raised the
 * exception in env and return IR_EXIT_FAULT. */
typedef int IRLoadSlowFn(void *env, uint64_t addr, uint32_t memop, uint32_t site, uint64_t *val);
typedef int IRStoreSlowFn(void *env, uint64_t addr, uint64_t val, uint32_t memop, uint32_t site);

/* The environment a frontend gives: its globals, helpers and memory ABI. */
typedef struct IRContext {
    const IRGlobal *globals;
    unsigned nglobals;
    const IRHelper *helpers;
    unsigned nhelpers;
    uint32_t exit_status_offset; /* uint32 in env: nonzero (IRExit) after an exiting helper */
    uint32_t tlb_offset;         /* TLB (exec/tlb.h) in env */
    uint32_t frame_offset;       /* scratch uint64 slots in env for TB-local temps (TCI) */
    uint32_t frame_slots;
    IRLoadSlowFn *load_slow;
    IRStoreSlowFn *store_slow;
} IRContext;

#define IR_MAX_OPS 2048
#define IR_MAX_TEMPS 1024

typedef struct IRFunc {
    const IRContext *ctx;
    IROp ops[IR_MAX_OPS];
    unsigned nops;
    uint8_t temp_type[IR_MAX_TEMPS];
    unsigned ntemps; /* including globals */
    unsigned nlabels;
    bool overflow; /* ran out of ops/temps: frontend must end the TB earlier */
} IRFunc;

/* Builder. ir_init() resets f for a new TB. All ir_gen_* append one op. */
void ir_init(IRFunc *f, const IRContext *ctx);
IRTemp ir_new_temp(IRFunc *f, IRType t);
unsigned ir_new_label(IRFunc *f);
IROp *ir_emit(IRFunc *f, IROpcode opc, IRType t);

void ir_gen_movi(IRFunc *f, IRType t, IRTemp d, int64_t v);
IRTemp ir_const(IRFunc *f, IRType t, int64_t v); /* new temp holding v */
void ir_gen_op1(IRFunc *f, IROpcode opc, IRType t, IRTemp d, IRTemp a);
void ir_gen_op2(IRFunc *f, IROpcode opc, IRType t, IRTemp d, IRTemp a, IRTemp b);
void ir_gen_setcond(IRFunc *f, IRType t, IRCond c, IRTemp d, IRTemp a, IRTemp b);
void ir_gen_movcond(IRFunc *f, IRType t, IRCond c, IRTemp d, IRTemp a, IRTemp b, IRTemp v1,
                    IRTemp v2);
void ir_gen_ld(IRFunc *f, IRType t, IRTemp d, uint32_t offset);
void ir_gen_st(IRFunc *f, IRType t, IRTemp a, uint32_t offset);
void ir_gen_qld(IRFunc *f, IRTemp d, IRTemp addr, IRMemOp mo, IRSite site);
void ir_gen_qst(IRFunc *f, IRTemp val, IRTemp addr, IRMemOp mo, IRSite site);
void ir_gen_label(IRFunc *f, unsigned label);
void ir_gen_br(IRFunc *f, unsigned label);
void ir_gen_brcond(IRFunc *f, IRType t, IRCond c, IRTemp a, IRTemp b, unsigned label);
/* ret may be IR_NONE; nargs must match the helper's declaration. */
void ir_gen_call(IRFunc *f, unsigned helper, IRTemp ret, unsigned nargs, const IRTemp *args);
void ir_gen_goto_tb(IRFunc *f, unsigned slot);
/* goto_tb whose next PC is this TB's start; ninsns = the TB's insn count. */
void ir_gen_goto_tb_self(IRFunc *f, unsigned slot, uint32_t ninsns);
void ir_gen_exit_tb(IRFunc *f, IRExit status);
void ir_gen_insn_start(IRFunc *f, uint32_t pc_off, uint32_t idx);

/* Condition helpers, shared by the optimiser and the backends. */
bool ir_cond_eval(IRCond c, IRType t, uint64_t a, uint64_t b);
IRCond ir_cond_invert(IRCond c); /* !c(a, b) == ir_cond_invert(c)(a, b) */
IRCond ir_cond_swap(IRCond c);   /* c(a, b) == ir_cond_swap(c)(b, a) */
const char *ir_cond_name(IRCond c);
/* Evaluate a pure arithmetic op on constants (for folding and TCI tests).
 * Returns false if opc is not a pure value op. */
bool ir_eval(IROpcode opc, IRType t, uint64_t a, uint64_t b, uint64_t *out);

/* Operand layout, uniform over all ops: outputs are args[0 .. nout), inputs
 * args[first_in .. first_in + nin).  A call has nout 0 when its ret is
 * IR_NONE and its inputs always start at args[1]. */
static inline unsigned ir_op_nout(const IROp *op)
{
    if (op->opc == IR_call)
        return op->args[0] != IR_NONE;
    return ir_op_defs[op->opc].nout;
}
static inline unsigned ir_op_nin(const IROp *op)
{
    return op->opc == IR_call ? op->nargs : ir_op_defs[op->opc].nin;
}
static inline unsigned ir_op_first_in(const IROp *op)
{
    return ir_op_defs[op->opc].nout;
}

/* Print f in a readable text form (for tests and --dump-ir). */
void ir_dump(const IRFunc *f, FILE *out);

#endif
