/* tci-internal.h - TCI's code format, shared by the compiler and
 * interpreter (tci.c) and the serialised form (tci-image.c).  Private to
 * tci/: everything else sees TCIBlock as opaque (tci.h). */
#ifndef KILN_TCI_INTERNAL_H
#define KILN_TCI_INTERNAL_H
#include <stdint.h>
#include "ir/ir.h"
#include "tci/tci.h"

#if defined(__GNUC__) && !defined(__EMSCRIPTEN__)
#define TCI_THREADED 1 /* direct threading: each insn holds its handler address */
#endif

/* ---- TCI opcodes: one table (X-macro), expanded into the enum and the
 * handler table.  Suffix _64/_32: operand type.  "i" forms take their second
 * input from imm.  Operand fields (byte offsets into env unless noted):
 *   binary/unary   d = a OP b           d, a, b (or imm)
 *   movi           d = imm
 *   movcond_T      d = cond(a, b) ? c : e; cond = imm >> 32, e = (uint32_t)imm
 *   ld_T / st_T    d = env[imm] / env[imm] = a;  sti_T: env[d] = imm
 *   setcond*_c_T   d = c(a, b|imm)
 *   brcond*_c_T    if c(a, b|imm) goto insn d
 *   br             goto insn d;  ret: return imm;  end: return IR_EXIT_JUMP
 *   <op>w[i]       d = sext64((int32_t)(a OP b|imm)), i.e. an i32 op
 *                  whose only use is an exts_i32 (RISC-V addw, slliw...)
 *   qldN / qstN    d = value, a = base address, b = byte offset of the TLB
 *                  row for the memop's mmu, c = site, imm = memop << 32 |
 *                  (uint32_t)disp: the address is a + (int32_t)disp (a
 *                  folded "add base, const");
 *                  store_slow gets the value zero-extended from the access size
 *   call           a = index into the block's call table */
/* clang-format off */
#define TCI_CONDS(G) G(eq) G(ne) G(lt) G(ge) G(ltu) G(geu) G(le) G(gt) G(leu) G(gtu)
/* Per condition, in IRCond order: opcode = setcond_eq_64 + 8*cond
 * + 4*branch + 2*imm + is_i32 (see cond_opc()). */
#define TCI_COND_GROUP(c) \
    TCI_OP(setcond_##c##_64) TCI_OP(setcond_##c##_32) \
    TCI_OP(setcondi_##c##_64) TCI_OP(setcondi_##c##_32) \
    TCI_OP(brcond_##c##_64) TCI_OP(brcond_##c##_32) \
    TCI_OP(brcondi_##c##_64) TCI_OP(brcondi_##c##_32)
#define TCI_T(n) TCI_OP(n##_64) TCI_OP(n##_32)
#define TCI_OPS \
    TCI_OP(end) TCI_OP(ret) TCI_OP(br) \
    TCI_OP(movi) TCI_T(mov) TCI_OP(sext32) TCI_OP(ext8u) TCI_OP(ext16u) \
    TCI_T(add) TCI_T(sub) TCI_T(mul) TCI_T(mulsh) TCI_T(muluh) TCI_T(mulsuh) \
    TCI_T(and) TCI_T(or) TCI_T(xor) TCI_T(shl) TCI_T(shr) TCI_T(sar) \
    TCI_T(addi) TCI_T(muli) TCI_T(andi) TCI_T(ori) TCI_T(xori) \
    TCI_T(shli) TCI_T(shri) TCI_T(sari) \
    TCI_OP(addw) TCI_OP(subw) TCI_OP(mulw) TCI_OP(shlw) TCI_OP(shrw) TCI_OP(sarw) \
    TCI_OP(addwi) TCI_OP(shlwi) TCI_OP(shrwi) TCI_OP(sarwi) \
    TCI_T(neg) TCI_T(not) TCI_T(ext8s) TCI_T(ext16s) TCI_T(movcond) \
    TCI_T(ld) TCI_T(st) TCI_T(sti) \
    TCI_OP(qld8u) TCI_OP(qld8s) TCI_OP(qld16u) TCI_OP(qld16s) \
    TCI_OP(qld32u) TCI_OP(qld32s) TCI_OP(qld64) TCI_OP(qld_gen) \
    TCI_OP(qst8) TCI_OP(qst16) TCI_OP(qst32) TCI_OP(qst64) \
    TCI_OP(call) \
    TCI_CONDS(TCI_COND_GROUP) /* last: compile checks "op >= setcond_eq_64" */
/* clang-format on */

enum {
#define TCI_OP(n) TCI_##n,
    TCI_OPS
#undef TCI_OP
        TCI_NB_OPS
};

/* qld_gen: memop bit 31 (never set in an IRMemOp) = i32 result. */
#define TCI_MO_I32 0x80000000u

typedef struct TCIInsn {
    union {
        const void *h; /* TCI_THREADED: handler address */
        uintptr_t op;  /* otherwise: TCI opcode */
    } u;
    uint32_t d, a, b, c;
    int64_t imm;
} TCIInsn;

typedef struct TCICall {
    IRHelperFn *fn;
    uint32_t ret, arg[4];
    uint8_t nargs, has_ret, ret32, arg32, check_exit;
} TCICall;

struct TCIBlock {
    const TCIInsn *insns;
    const TCICall *calls;
    unsigned ninsns, ncalls;
    IRLoadSlowFn *load_slow;
    IRStoreSlowFn *store_slow;
    uint32_t exit_status_offset;
    size_t size;
};

#ifdef TCI_THREADED
/* Handler address of each opcode (insn.u.h), from tci_exec(). */
const void *const *tci_handler_table(void);
#endif

#endif
