/* translate.h - RV64GC frontend: guest code -> IR, one TB at a time.
 *
 * A TB ends at a branch/jump, after an insn that changes translation state
 * (CSR write, mret/sret, fence.i, sfence.vma, wfi, ecall/ebreak), at a page
 * boundary, or after RV_TB_MAX_INSNS.  Emitted IR never uses the TB's
 * absolute PC: PC-relative values are computed from env->tb_pc.
 */
#ifndef KILN_RISCV_TRANSLATE_H
#define KILN_RISCV_TRANSLATE_H
#include "ir/ir.h"
#include "riscv/cpu.h"

#define RV_TB_MAX_INSNS 64
#define RV_TB_MAX_BYTES 512

typedef struct RVTBInfo {
    uint64_t pc;         /* virtual PC of the first insn */
    uint32_t flags;      /* TB flags it was translated for */
    uint32_t ninsns;     /* guest insns in the TB */
    uint32_t size;       /* guest bytes covered */
    uint64_t phys[2];    /* physical page(s) of the code; phys[1] = ~0 if one page */
    uint8_t bytes[RV_TB_MAX_BYTES + 4]; /* the guest code bytes */
} RVTBInfo;

/* The IR environment of this guest (globals x0-x31 as temps 0-31, f0-f31
 * as temps 32-63; helpers; memory ABI). */
extern const IRContext rv_ir_context;
#define RV_GLOBAL_X(i) ((IRTemp)(i))
#define RV_GLOBAL_F(i) ((IRTemp)(32 + (i)))

/* Translate the TB at pc into f. Returns 0, or an exception cause (> 0)
 * with *tval set if the first instruction cannot be fetched. */
int rv_translate(RVCPU *cpu, uint64_t pc, uint32_t flags, IRFunc *f, RVTBInfo *info,
                 uint64_t *tval);

/* Fetch 16 bits of code at vaddr (mem.c). Returns 0 and the physical
 * address, or an exception cause (fetch page/access fault). */
int rv_fetch16(RVCPU *cpu, uint64_t vaddr, uint16_t *insn, uint64_t *paddr);

#endif
