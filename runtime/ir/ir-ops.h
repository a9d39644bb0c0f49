/* ir-ops.h - every IR opcode, once (X-macro; include with DEF defined).
 *
 * DEF(name, nout, nin, nconst, flags)
 *   nout/nin: temp operands (outputs first in IROp.args), nconst: immediate
 *   operands (stored in IROp.imm / IROp.aux).  Ops are typed by IROp.type
 *   (IR_I32 or IR_I64) unless noted; shift counts are masked to the width.
 * Semantics, one line each ("a,b" are inputs, "d" the output):
 */
/* moves and constants */
DEF(mov,     1, 1, 0, 0)                 /* d = a */
DEF(movi,    1, 0, 1, 0)                 /* d = imm */
/* arithmetic and logic (wrap-around) */
DEF(add,     1, 2, 0, IR_F_BINARY)                 /* d = a + b */
DEF(sub,     1, 2, 0, IR_F_BINARY)                 /* d = a - b */
DEF(mul,     1, 2, 0, IR_F_BINARY)                 /* d = a * b (low half) */
DEF(mulsh,   1, 2, 0, IR_F_BINARY)                 /* d = high half of signed a * signed b */
DEF(muluh,   1, 2, 0, IR_F_BINARY)                 /* d = high half of unsigned a * unsigned b */
DEF(mulsuh,  1, 2, 0, IR_F_BINARY)                 /* d = high half of signed a * unsigned b */
DEF(and,     1, 2, 0, IR_F_BINARY)                 /* d = a & b */
DEF(or,      1, 2, 0, IR_F_BINARY)                 /* d = a | b */
DEF(xor,     1, 2, 0, IR_F_BINARY)                 /* d = a ^ b */
DEF(shl,     1, 2, 0, IR_F_BINARY)                 /* d = a << (b & (width-1)) */
DEF(shr,     1, 2, 0, IR_F_BINARY)                 /* d = a >> (b & (width-1)), logical */
DEF(sar,     1, 2, 0, IR_F_BINARY)                 /* d = a >> (b & (width-1)), arithmetic */
DEF(neg,     1, 1, 0, IR_F_UNARY)                 /* d = -a */
DEF(not,     1, 1, 0, IR_F_UNARY)                 /* d = ~a */
/* width changes (type = result type) */
DEF(ext8s,   1, 1, 0, IR_F_UNARY)                 /* d = (int8_t)a */
DEF(ext8u,   1, 1, 0, IR_F_UNARY)                 /* d = (uint8_t)a */
DEF(ext16s,  1, 1, 0, IR_F_UNARY)                 /* d = (int16_t)a */
DEF(ext16u,  1, 1, 0, IR_F_UNARY)                 /* d = (uint16_t)a */
DEF(ext32s,  1, 1, 0, IR_F_UNARY)                 /* i64: d = (int32_t)a */
DEF(ext32u,  1, 1, 0, IR_F_UNARY)                 /* i64: d = (uint32_t)a */
DEF(extu_i32, 1, 1, 0, IR_F_UNARY)                /* i64 d = zero-extended i32 a */
DEF(exts_i32, 1, 1, 0, IR_F_UNARY)                /* i64 d = sign-extended i32 a */
DEF(trunc_i64, 1, 1, 0, IR_F_UNARY)               /* i32 d = low 32 bits of i64 a */
/* comparisons: imm = IRCond */
DEF(setcond, 1, 2, 1, 0)                 /* d = cond(a, b) ? 1 : 0 */
DEF(movcond, 1, 4, 1, 0)                 /* d = cond(a, b) ? c : e (args: d,a,b,c,e) */
/* CPU state access: imm = byte offset into the CPU state (env) */
DEF(ld,      1, 0, 1, IR_F_STATE)        /* d = *(type *)(env + imm) */
DEF(st,      0, 1, 1, IR_F_STATE | IR_F_SIDE) /* *(type *)(env + imm) = a */
/* guest memory: imm = IRMemOp (size, sign, mmu index), aux = IRSite of the insn */
DEF(qld,     1, 1, 2, IR_F_MEM | IR_F_EXIT) /* d = load(a); faults exit the TB */
DEF(qst,     0, 2, 2, IR_F_MEM | IR_F_SIDE | IR_F_EXIT) /* store(addr=b, val=a) */
/* control flow inside a TB: labels are small integers local to the TB */
DEF(set_label, 0, 0, 1, IR_F_BB_END)     /* define label imm */
DEF(br,      0, 0, 1, IR_F_BB_END)       /* goto label imm */
DEF(brcond,  0, 2, 2, IR_F_BB_END)       /* if cond(a, b) goto label aux; imm = IRCond */
/* helper call: imm = helper index, args = [ret or IR_NONE, in0..in3]; see IRHelper */
DEF(call,    1, 4, 1, IR_F_CALL)
/* TB exits: the next guest PC has been stored in the CPU state before */
/* goto_tb: exit via chainable slot imm (0 or 1).  aux = 0, or n > 0 when the
 * next PC is the TB's own start and the TB has n insns (a loop to itself: a
 * backend may run the TB again without leaving, see docs/ir.md) */
DEF(goto_tb, 0, 0, 1, IR_F_BB_END | IR_F_SIDE)
DEF(exit_tb, 0, 0, 1, IR_F_BB_END | IR_F_SIDE) /* exit with status imm (IRExit) */
/* marker: start of guest insn number aux at TB offset imm (no code) */
DEF(insn_start, 0, 0, 2, 0)
