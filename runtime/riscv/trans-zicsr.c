/* trans-zicsr.c - Zicsr insns -> one helper_csr call (csr.c decides
 * legality and side effects).  A CSR write ends the TB (IR_EXIT_SYNC):
 * it may change mode, MMU, FS or interrupt enables.
 * Contract (operands, icount for counters): translate-internal.h.
 */
#include "riscv/translate-internal.h"

/* kind: CSROP_RW/RS/RC; src: the value temp; writes/reads: effects. */
static bool gen_csr(DisasContext *ctx, const RVInsn *in, uint32_t kind, IRTemp src, bool writes,
                    bool reads)
{
    uint32_t op = CSROP_CSR(in->csr) | kind | (writes ? CSROP_WRITE : 0) | (reads ? CSROP_READ : 0);
    IRTemp old = rv_gen_helper(ctx, HELPER_csr, 3, rv_const(ctx, op), src,
                               rv_const(ctx, rv_site(ctx)), IR_NONE);
    rv_set_x(ctx, in->rd, old);
    if (writes) {
        rv_gen_end_after(ctx, IR_EXIT_SYNC);
    }
    return true;
}

bool trans_csrrw(DisasContext *ctx, const RVInsn *in)
{
    return gen_csr(ctx, in, CSROP_RW, rv_get_x(ctx, in->rs1), true, in->rd != 0);
}

bool trans_csrrs(DisasContext *ctx, const RVInsn *in)
{
    return gen_csr(ctx, in, CSROP_RS, rv_get_x(ctx, in->rs1), in->rs1 != 0, true);
}

bool trans_csrrc(DisasContext *ctx, const RVInsn *in)
{
    return gen_csr(ctx, in, CSROP_RC, rv_get_x(ctx, in->rs1), in->rs1 != 0, true);
}

bool trans_csrrwi(DisasContext *ctx, const RVInsn *in)
{
    return gen_csr(ctx, in, CSROP_RW, rv_const(ctx, in->imm), true, in->rd != 0);
}

bool trans_csrrsi(DisasContext *ctx, const RVInsn *in)
{
    return gen_csr(ctx, in, CSROP_RS, rv_const(ctx, in->imm), in->imm != 0, true);
}

bool trans_csrrci(DisasContext *ctx, const RVInsn *in)
{
    return gen_csr(ctx, in, CSROP_RC, rv_const(ctx, in->imm), in->imm != 0, true);
}
