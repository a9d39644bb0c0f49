/* decode.c - RV64GC decoder derived from insn-table.h.
 *
 * Entries are bucketed by major opcode (bits 6:2) on first use; a word is
 * then matched linearly against its bucket ((w & mask) == match).  The
 * buckets are built once and never change, so decoding is reentrant.
 */
#include "riscv/decode.h"

const RVInsnDef rv_insn_defs[RV_INSN_COUNT] = {
#define INSN(name, match, mask, fmt, ext)                                                          \
    [RV_INSN_##name] = {#name, match, mask, FMT_##fmt, EXT_##ext},
#include "riscv/insn-table.h"
#undef INSN
};

/* Every table entry fixes bits 6:0 (asserted while bucketing). */
#define RV_NBUCKETS 32
#define RV_BUCKET_MAX 64

typedef struct RVBucket {
    uint8_t n;
    uint16_t ids[RV_BUCKET_MAX];
} RVBucket;

static RVBucket rv_buckets[RV_NBUCKETS];
static bool rv_buckets_ready;

static void rv_decode_init(void)
{
    for (unsigned i = 0; i < RV_INSN_COUNT; i++) {
        const RVInsnDef *d = &rv_insn_defs[i];
        if ((d->mask & 0x7f) != 0x7f || (d->match & 3) != 3) {
            continue; /* cannot happen for a valid table; test-decode checks */
        }
        RVBucket *b = &rv_buckets[(d->match >> 2) & 31];
        if (b->n < RV_BUCKET_MAX) {
            b->ids[b->n++] = (uint16_t)i;
        }
    }
    rv_buckets_ready = true;
}

static inline int64_t sext(uint64_t v, unsigned bits)
{
    return (int64_t)(v << (64 - bits)) >> (64 - bits);
}

static int64_t rv_imm(uint32_t w, RVFormat fmt)
{
    switch (fmt) {
    case FMT_I: return sext(w >> 20, 12);
    case FMT_S: return sext(((w >> 25) << 5) | ((w >> 7) & 0x1f), 12);
    case FMT_B:
        return sext(((w >> 31) & 1) << 12 | ((w >> 7) & 1) << 11 | ((w >> 25) & 0x3f) << 5 |
                        ((w >> 8) & 0xf) << 1,
                    13);
    case FMT_U: return sext(w & 0xfffff000u, 32);
    case FMT_J:
        return sext(((w >> 31) & 1) << 20 | ((w >> 12) & 0xff) << 12 | ((w >> 20) & 1) << 11 |
                        ((w >> 21) & 0x3ff) << 1,
                    21);
    case FMT_SH: return (w >> 20) & 0x3f;
    case FMT_CSRI: return (w >> 15) & 0x1f;
    default: return 0;
    }
}

bool rv_decode32(uint32_t w, RVInsn *in)
{
    if (!rv_buckets_ready) {
        rv_decode_init();
    }
    in->len = 4;
    in->raw = w;
    in->word = w;
    in->rd = (w >> 7) & 31;
    in->rs1 = (w >> 15) & 31;
    in->rs2 = (w >> 20) & 31;
    in->rs3 = (w >> 27) & 31;
    in->rm = (w >> 12) & 7;
    in->aq = (w >> 26) & 1;
    in->rl = (w >> 25) & 1;
    in->csr = (uint16_t)(w >> 20);
    in->imm = 0;
    in->id = RV_INSN_ILLEGAL;
    if ((w & 3) != 3) {
        return false;
    }
    const RVBucket *b = &rv_buckets[(w >> 2) & 31];
    for (unsigned i = 0; i < b->n; i++) {
        const RVInsnDef *d = &rv_insn_defs[b->ids[i]];
        if ((w & d->mask) == d->match) {
            in->id = b->ids[i];
            in->imm = rv_imm(w, (RVFormat)d->format);
            return true;
        }
    }
    return false;
}

bool rv_decode16(uint16_t c, RVInsn *in)
{
    uint32_t w;
    *in = (RVInsn){0};
    bool ok = rv_expand_rvc(c, &w) && rv_decode32(w, in);
    if (!ok) {
        in->id = RV_INSN_ILLEGAL;
        in->word = 0;
    }
    in->len = 2;
    in->raw = c;
    return ok;
}
