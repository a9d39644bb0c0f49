/* translate.c - the RV64GC frontend driver: fetches the insns of one TB,
 * decodes them and calls their trans_<name>() to append IR.  Also defines
 * the guest's IRContext and the emit helpers of translate-internal.h.
 */
#include "riscv/translate-internal.h"

#define RV_G(name, field)                                                                          \
    {                                                                                              \
        name, CPU_OFF(field), IR_I64                                                               \
    }
static const IRGlobal rv_globals[64] = {
    RV_G("zero", x[0]), RV_G("ra", x[1]),   RV_G("sp", x[2]),   RV_G("gp", x[3]),
    RV_G("tp", x[4]),   RV_G("t0", x[5]),   RV_G("t1", x[6]),   RV_G("t2", x[7]),
    RV_G("s0", x[8]),   RV_G("s1", x[9]),   RV_G("a0", x[10]),  RV_G("a1", x[11]),
    RV_G("a2", x[12]),  RV_G("a3", x[13]),  RV_G("a4", x[14]),  RV_G("a5", x[15]),
    RV_G("a6", x[16]),  RV_G("a7", x[17]),  RV_G("s2", x[18]),  RV_G("s3", x[19]),
    RV_G("s4", x[20]),  RV_G("s5", x[21]),  RV_G("s6", x[22]),  RV_G("s7", x[23]),
    RV_G("s8", x[24]),  RV_G("s9", x[25]),  RV_G("s10", x[26]), RV_G("s11", x[27]),
    RV_G("t3", x[28]),  RV_G("t4", x[29]),  RV_G("t5", x[30]),  RV_G("t6", x[31]),
    RV_G("f0", f[0]),   RV_G("f1", f[1]),   RV_G("f2", f[2]),   RV_G("f3", f[3]),
    RV_G("f4", f[4]),   RV_G("f5", f[5]),   RV_G("f6", f[6]),   RV_G("f7", f[7]),
    RV_G("f8", f[8]),   RV_G("f9", f[9]),   RV_G("f10", f[10]), RV_G("f11", f[11]),
    RV_G("f12", f[12]), RV_G("f13", f[13]), RV_G("f14", f[14]), RV_G("f15", f[15]),
    RV_G("f16", f[16]), RV_G("f17", f[17]), RV_G("f18", f[18]), RV_G("f19", f[19]),
    RV_G("f20", f[20]), RV_G("f21", f[21]), RV_G("f22", f[22]), RV_G("f23", f[23]),
    RV_G("f24", f[24]), RV_G("f25", f[25]), RV_G("f26", f[26]), RV_G("f27", f[27]),
    RV_G("f28", f[28]), RV_G("f29", f[29]), RV_G("f30", f[30]), RV_G("f31", f[31]),
};
#undef RV_G

const IRContext rv_ir_context = {
    .globals = rv_globals,
    .nglobals = 64,
    .helpers = rv_helpers,
    .nhelpers = HELPER_COUNT,
    .exit_status_offset = CPU_OFF(exit_status),
    .tlb_offset = CPU_OFF(tlb),
    .frame_offset = CPU_OFF(tci_frame),
    .frame_slots = 1024,
    .load_slow = rv_load_slow,
    .store_slow = rv_store_slow,
};

typedef bool RVTransFn(DisasContext *ctx, const RVInsn *in);

static RVTransFn *const rv_trans[RV_INSN_COUNT] = {
#define INSN(name, match, mask, fmt, ext) [RV_INSN_##name] = trans_##name,
#include "riscv/insn-table.h"
#undef INSN
};

/* ---- emit helpers (translate-internal.h) ---- */

IRTemp rv_gen_helper(DisasContext *ctx, unsigned h, unsigned nargs, IRTemp a0, IRTemp a1, IRTemp a2,
                     IRTemp a3)
{
    IRTemp args[4] = {a0, a1, a2, a3};
    IRTemp ret = rv_helpers[h].has_ret ? rv_tmp(ctx) : IR_NONE;
    ir_gen_call(ctx->f, h, ret, nargs, args);
    return ret;
}

void rv_gen_exception(DisasContext *ctx, unsigned cause, IRTemp tval)
{
    if (tval == IR_NONE) {
        tval = rv_const(ctx, 0);
    }
    rv_gen_helper(ctx, HELPER_raise, 3, rv_const(ctx, cause), tval, rv_const(ctx, rv_site(ctx)),
                  IR_NONE);
    /* raise always faults, so this exit is not reached; it keeps the IR
     * well-formed (every path ends in an exit). */
    ir_gen_exit_tb(ctx->f, IR_EXIT_FAULT);
    ctx->end_tb = true;
}

void rv_gen_illegal(DisasContext *ctx, const RVInsn *in)
{
    rv_gen_exception(ctx, EXC_ILLEGAL_INSN, rv_const(ctx, in->raw));
}

void rv_gen_end_after(DisasContext *ctx, IRExit status)
{
    rv_gen_set_pc(ctx, rv_gen_pc(ctx, ctx->len));
    if (status == IR_EXIT_SLOT0 || status == IR_EXIT_SLOT1) {
        ir_gen_goto_tb(ctx->f, status);
    } else {
        ir_gen_exit_tb(ctx->f, status);
    }
    ctx->end_tb = true;
}

void rv_gen_mark_fs_dirty(DisasContext *ctx)
{
    if ((ctx->flags & TBF_FS_DIRTY) || ctx->fs_dirtied) {
        return;
    }
    IRTemp ms = rv_tmp(ctx), nms = rv_tmp(ctx);
    ir_gen_ld(ctx->f, IR_I64, ms, CPU_OFF(mstatus));
    ir_gen_op2(ctx->f, IR_or, IR_I64, nms, ms, rv_const(ctx, (int64_t)(MSTATUS_FS | MSTATUS_SD)));
    ir_gen_st(ctx->f, IR_I64, nms, CPU_OFF(mstatus));
    ctx->fs_dirtied = true;
}

IRTemp rv_gen_addr(DisasContext *ctx, unsigned rs1, int64_t imm)
{
    if (imm == 0 && rs1 != 0) {
        return RV_GLOBAL_X(rs1);
    }
    IRTemp a = rv_tmp(ctx);
    ir_gen_op2(ctx->f, IR_add, IR_I64, a, rv_get_x(ctx, rs1), rv_const(ctx, imm));
    return a;
}

/* ---- the translation loop ---- */

/* Room one insn may need at most (ops/temps); the F/D trans functions and
 * AMOs are the biggest. */
#define RV_INSN_MAX_OPS 48
#define RV_INSN_MAX_TEMPS 40
#define RV_PAGE_SIZE 4096u

/* Translate at most max_insns insns. Returns 0 or a fetch fault cause. */
static int rv_translate_n(RVFetchFn *fetch, void *opaque, uint64_t pc, uint32_t flags, IRFunc *f,
                          RVTBInfo *info, uint64_t *tval, uint32_t max_insns)
{
    DisasContext ctx = {.f = f, .flags = flags};
    uint64_t page_end = (pc & ~(uint64_t)(RV_PAGE_SIZE - 1)) + RV_PAGE_SIZE;

    ir_init(f, &rv_ir_context);
    info->pc = pc;
    info->flags = flags;
    info->ninsns = 0;
    info->size = 0;
    info->phys[0] = info->phys[1] = ~(uint64_t)0;

    while (info->ninsns < max_insns && info->size < RV_TB_MAX_BYTES) {
        uint32_t off = info->size;
        uint64_t va = pc + off;
        bool first = info->ninsns == 0;
        uint16_t lo, hi = 0;
        uint64_t pa;
        int err;

        if (!first && (va >= page_end || f->nops + RV_INSN_MAX_OPS > IR_MAX_OPS ||
                       f->ntemps + RV_INSN_MAX_TEMPS > IR_MAX_TEMPS)) {
            break;
        }
        err = fetch(opaque, va, &lo, &pa);
        if (err) {
            if (first) {
                *tval = va;
                return err;
            }
            break;
        }
        if (first) {
            info->phys[0] = pa & ~(uint64_t)(RV_PAGE_SIZE - 1);
        }
        uint32_t len = (lo & 3) == 3 ? 4 : 2;
        if (len == 4) {
            uint64_t pa2;
            err = fetch(opaque, va + 2, &hi, &pa2);
            if (err) {
                if (first) {
                    *tval = va + 2;
                    return err;
                }
                break;
            }
            if (va + 2 >= page_end) {
                info->phys[1] = pa2 & ~(uint64_t)(RV_PAGE_SIZE - 1);
            }
        }
        info->bytes[off] = (uint8_t)lo;
        info->bytes[off + 1] = (uint8_t)(lo >> 8);
        if (len == 4) {
            info->bytes[off + 2] = (uint8_t)hi;
            info->bytes[off + 3] = (uint8_t)(hi >> 8);
        }

        RVInsn in;
        bool ok =
            len == 4 ? rv_decode32((uint32_t)lo | (uint32_t)hi << 16, &in) : rv_decode16(lo, &in);
        ctx.pc_off = off;
        ctx.insn_idx = info->ninsns;
        ctx.len = len;
        ir_gen_insn_start(f, off, info->ninsns);

        unsigned nops = f->nops, ntemps = f->ntemps, nlabels = f->nlabels;
        bool fs_dirtied = ctx.fs_dirtied;
        if (!ok || !rv_trans[in.id](&ctx, &in)) {
            /* drop whatever the trans emitted before refusing */
            f->nops = nops;
            f->ntemps = ntemps;
            f->nlabels = nlabels;
            ctx.fs_dirtied = fs_dirtied;
            ctx.end_tb = false;
            rv_gen_illegal(&ctx, &in);
        }
        info->ninsns++;
        info->size = off + len;
        if (ctx.end_tb) {
            break;
        }
    }
    if (!ctx.end_tb) {
        rv_gen_set_pc(&ctx, rv_gen_pc_rel(&ctx, info->size));
        ir_gen_goto_tb(f, 0);
    }
    return 0;
}

int rv_translate_fetch(RVFetchFn *fetch, void *opaque, uint64_t pc, uint32_t flags, IRFunc *f,
                       RVTBInfo *info, uint64_t *tval)
{
    uint32_t max = RV_TB_MAX_INSNS;
    for (;;) {
        int err = rv_translate_n(fetch, opaque, pc, flags, f, info, tval, max);
        if (err || !f->overflow || info->ninsns <= 1) {
            return err;
        }
        /* the IR filled up despite the per-insn reserve: retry shorter */
        max = info->ninsns - 1;
    }
}

static int rv_fetch_cpu(void *opaque, uint64_t vaddr, uint16_t *insn, uint64_t *paddr)
{
    return rv_fetch16(opaque, vaddr, insn, paddr);
}

int rv_translate(RVCPU *cpu, uint64_t pc, uint32_t flags, IRFunc *f, RVTBInfo *info, uint64_t *tval)
{
    return rv_translate_fetch(rv_fetch_cpu, cpu, pc, flags, f, info, tval);
}
