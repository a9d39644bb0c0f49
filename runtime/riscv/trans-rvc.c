/* trans-rvc.c - RV64C: expands each 16-bit compressed insn into the 32-bit
 * insn it stands for (then decoded and translated like any other).
 * Reserved encodings and the all-zero halfword are illegal; RV32-only
 * encodings (C.FLW, C.FSW, C.JAL...) are not RV64 and are decoded as their
 * RV64 meaning (C.LD, C.SD, C.ADDIW) or rejected.  HINTs expand to the
 * harmless base insn (e.g. addi x0, ...).
 */
#include "riscv/decode.h"

/* Base-ISA encoders (operands assumed in range). */
static uint32_t enc_r(uint32_t op, unsigned f3, unsigned f7, unsigned rd, unsigned rs1,
                      unsigned rs2)
{
    return op | rd << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | f7 << 25;
}

static uint32_t enc_i(uint32_t op, unsigned f3, unsigned rd, unsigned rs1, int32_t imm)
{
    return op | rd << 7 | f3 << 12 | rs1 << 15 | ((uint32_t)imm & 0xfff) << 20;
}

static uint32_t enc_s(uint32_t op, unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return op | (u & 0x1f) << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | ((u >> 5) & 0x7f) << 25;
}

static uint32_t enc_b(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return 0x63 | ((u >> 11) & 1) << 7 | ((u >> 1) & 0xf) << 8 | f3 << 12 | rs1 << 15 | rs2 << 20 |
           ((u >> 5) & 0x3f) << 25 | ((u >> 12) & 1) << 31;
}

static uint32_t enc_u(uint32_t op, unsigned rd, int32_t imm)
{
    return op | rd << 7 | ((uint32_t)imm & 0xfffff000u);
}

static uint32_t enc_j(unsigned rd, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return 0x6f | rd << 7 | ((u >> 12) & 0xff) << 12 | ((u >> 11) & 1) << 20 |
           ((u >> 1) & 0x3ff) << 21 | ((u >> 20) & 1) << 31;
}

enum {
    OP_LOAD = 0x03,
    OP_LOAD_FP = 0x07,
    OP_IMM = 0x13,
    OP_IMM_32 = 0x1b,
    OP_STORE = 0x23,
    OP_STORE_FP = 0x27,
    OP_OP = 0x33,
    OP_LUI = 0x37,
    OP_OP_32 = 0x3b,
    OP_JALR = 0x67,
    OP_SYSTEM = 0x73,
};

/* bit field c[hi:lo] */
static inline unsigned bits(uint16_t c, unsigned hi, unsigned lo)
{
    return (c >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int32_t sext(uint32_t v, unsigned nbits)
{
    return (int32_t)(v << (32 - nbits)) >> (32 - nbits);
}

/* Immediates of the compressed formats (RISC-V C spec, chapter "RVC"). */
static unsigned imm_ci6(uint16_t c) /* imm[5] = c[12], imm[4:0] = c[6:2] */
{
    return bits(c, 12, 12) << 5 | bits(c, 6, 2);
}

static unsigned uimm_ld(uint16_t c) /* C.LD/C.SD/C.FLD/C.FSD: [5:3]=12:10, [7:6]=6:5 */
{
    return bits(c, 12, 10) << 3 | bits(c, 6, 5) << 6;
}

static unsigned uimm_lw(uint16_t c) /* C.LW/C.SW: [5:3]=12:10, [2]=6, [6]=5 */
{
    return bits(c, 12, 10) << 3 | bits(c, 6, 6) << 2 | bits(c, 5, 5) << 6;
}

static int32_t imm_cj(uint16_t c) /* offset[11|4|9:8|10|6|7|3:1|5] = c[12:2] */
{
    uint32_t v = bits(c, 12, 12) << 11 | bits(c, 11, 11) << 4 | bits(c, 10, 9) << 8 |
                 bits(c, 8, 8) << 10 | bits(c, 7, 7) << 6 | bits(c, 6, 6) << 7 |
                 bits(c, 5, 3) << 1 | bits(c, 2, 2) << 5;
    return sext(v, 12);
}

static int32_t imm_cb(uint16_t c) /* offset[8|4:3] = c[12:10], [7:6|2:1|5] = c[6:2] */
{
    uint32_t v = bits(c, 12, 12) << 8 | bits(c, 11, 10) << 3 | bits(c, 6, 5) << 6 |
                 bits(c, 4, 3) << 1 | bits(c, 2, 2) << 5;
    return sext(v, 9);
}

static bool expand_q0(uint16_t c, uint32_t *w)
{
    unsigned rdp = 8 + bits(c, 4, 2), rs1p = 8 + bits(c, 9, 7);
    switch (bits(c, 15, 13)) {
    case 0: { /* C.ADDI4SPN: nzuimm[5:4|9:6|2|3] = c[12:5] */
        unsigned u =
            bits(c, 12, 11) << 4 | bits(c, 10, 7) << 6 | bits(c, 6, 6) << 2 | bits(c, 5, 5) << 3;
        if (u == 0) {
            return false; /* includes the all-zero insn */
        }
        *w = enc_i(OP_IMM, 0, rdp, 2, (int32_t)u);
        return true;
    }
    case 1: *w = enc_i(OP_LOAD_FP, 3, rdp, rs1p, (int32_t)uimm_ld(c)); return true;  /* C.FLD */
    case 2: *w = enc_i(OP_LOAD, 2, rdp, rs1p, (int32_t)uimm_lw(c)); return true;     /* C.LW */
    case 3: *w = enc_i(OP_LOAD, 3, rdp, rs1p, (int32_t)uimm_ld(c)); return true;     /* C.LD */
    case 5: *w = enc_s(OP_STORE_FP, 3, rs1p, rdp, (int32_t)uimm_ld(c)); return true; /* C.FSD */
    case 6: *w = enc_s(OP_STORE, 2, rs1p, rdp, (int32_t)uimm_lw(c)); return true;    /* C.SW */
    case 7: *w = enc_s(OP_STORE, 3, rs1p, rdp, (int32_t)uimm_ld(c)); return true;    /* C.SD */
    default: return false;                                                           /* reserved */
    }
}

static bool expand_q1(uint16_t c, uint32_t *w)
{
    unsigned rd = bits(c, 11, 7), rdp = 8 + bits(c, 9, 7), rs2p = 8 + bits(c, 4, 2);
    int32_t imm6 = sext(imm_ci6(c), 6);
    switch (bits(c, 15, 13)) {
    case 0: *w = enc_i(OP_IMM, 0, rd, rd, imm6); return true; /* C.ADDI, C.NOP */
    case 1:                                                   /* C.ADDIW */
        if (rd == 0) {
            return false;
        }
        *w = enc_i(OP_IMM_32, 0, rd, rd, imm6);
        return true;
    case 2: *w = enc_i(OP_IMM, 0, rd, 0, imm6); return true; /* C.LI */
    case 3:
        if (rd == 2) { /* C.ADDI16SP: nzimm[9|4|6|8:7|5] = c[12|6:2] */
            uint32_t v = bits(c, 12, 12) << 9 | bits(c, 6, 6) << 4 | bits(c, 5, 5) << 6 |
                         bits(c, 4, 3) << 7 | bits(c, 2, 2) << 5;
            if (v == 0) {
                return false;
            }
            *w = enc_i(OP_IMM, 0, 2, 2, sext(v, 10));
            return true;
        }
        if (imm6 == 0) { /* C.LUI: nzimm[17|16:12] */
            return false;
        }
        *w = enc_u(OP_LUI, rd, (int32_t)((uint32_t)imm6 << 12));
        return true;
    case 4:
        switch (bits(c, 11, 10)) {
        case 0: *w = enc_i(OP_IMM, 5, rdp, rdp, (int32_t)imm_ci6(c)); return true; /* C.SRLI */
        case 1:                                                                    /* C.SRAI */
            *w = enc_i(OP_IMM, 5, rdp, rdp, (int32_t)(imm_ci6(c) | 0x400));
            return true;
        case 2: *w = enc_i(OP_IMM, 7, rdp, rdp, imm6); return true; /* C.ANDI */
        default: {
            static const uint8_t f3[4] = {0, 4, 6, 7}; /* SUB, XOR, OR, AND */
            unsigned sel = bits(c, 6, 5);
            if (bits(c, 12, 12) == 0) {
                *w = enc_r(OP_OP, f3[sel], sel == 0 ? 0x20 : 0, rdp, rdp, rs2p);
                return true;
            }
            if (sel >= 2) {
                return false; /* reserved */
            }
            /* C.SUBW, C.ADDW */
            *w = enc_r(OP_OP_32, 0, sel == 0 ? 0x20 : 0, rdp, rdp, rs2p);
            return true;
        }
        }
    case 5: *w = enc_j(0, imm_cj(c)); return true;          /* C.J */
    case 6: *w = enc_b(0, rdp, 0, imm_cb(c)); return true;  /* C.BEQZ */
    default: *w = enc_b(1, rdp, 0, imm_cb(c)); return true; /* C.BNEZ */
    }
}

static bool expand_q2(uint16_t c, uint32_t *w)
{
    unsigned rd = bits(c, 11, 7), rs2 = bits(c, 6, 2);
    /* SP-relative offsets */
    unsigned u_ldsp = bits(c, 12, 12) << 5 | bits(c, 6, 5) << 3 | bits(c, 4, 2) << 6;
    unsigned u_lwsp = bits(c, 12, 12) << 5 | bits(c, 6, 4) << 2 | bits(c, 3, 2) << 6;
    unsigned u_sdsp = bits(c, 12, 10) << 3 | bits(c, 9, 7) << 6;
    unsigned u_swsp = bits(c, 12, 9) << 2 | bits(c, 8, 7) << 6;
    switch (bits(c, 15, 13)) {
    case 0: *w = enc_i(OP_IMM, 1, rd, rd, (int32_t)imm_ci6(c)); return true; /* C.SLLI */
    case 1: *w = enc_i(OP_LOAD_FP, 3, rd, 2, (int32_t)u_ldsp); return true;  /* C.FLDSP */
    case 2:                                                                  /* C.LWSP */
        if (rd == 0) {
            return false;
        }
        *w = enc_i(OP_LOAD, 2, rd, 2, (int32_t)u_lwsp);
        return true;
    case 3: /* C.LDSP */
        if (rd == 0) {
            return false;
        }
        *w = enc_i(OP_LOAD, 3, rd, 2, (int32_t)u_ldsp);
        return true;
    case 4:
        if (bits(c, 12, 12) == 0) {
            if (rs2 == 0) { /* C.JR */
                if (rd == 0) {
                    return false;
                }
                *w = enc_i(OP_JALR, 0, 0, rd, 0);
            } else { /* C.MV */
                *w = enc_r(OP_OP, 0, 0, rd, 0, rs2);
            }
            return true;
        }
        if (rs2 == 0) {
            /* C.EBREAK (rd = 0) or C.JALR */
            *w = rd == 0 ? 0x00100073u : enc_i(OP_JALR, 0, 1, rd, 0);
        } else { /* C.ADD */
            *w = enc_r(OP_OP, 0, 0, rd, rd, rs2);
        }
        return true;
    case 5: *w = enc_s(OP_STORE_FP, 3, 2, rs2, (int32_t)u_sdsp); return true; /* C.FSDSP */
    case 6: *w = enc_s(OP_STORE, 2, 2, rs2, (int32_t)u_swsp); return true;    /* C.SWSP */
    default: *w = enc_s(OP_STORE, 3, 2, rs2, (int32_t)u_sdsp); return true;   /* C.SDSP */
    }
}

bool rv_expand_rvc(uint16_t c, uint32_t *w)
{
    switch (c & 3) {
    case 0: return expand_q0(c, w);
    case 1: return expand_q1(c, w);
    case 2: return expand_q2(c, w);
    default: return false;
    }
}
