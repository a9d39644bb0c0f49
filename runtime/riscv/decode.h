/* decode.h - RV64GC instruction decoding, derived from insn-table.h.
 *
 * rv_decode32() classifies a 32-bit word and extracts its operands;
 * rv_expand_rvc() (trans-rvc.c) turns a 16-bit compressed insn into the
 * 32-bit insn it stands for.  Neither needs any CPU state.
 */
#ifndef KILN_RISCV_DECODE_H
#define KILN_RISCV_DECODE_H
#include <stdbool.h>
#include <stdint.h>

/* Operand layouts (see the bit diagram in insn-table.h). */
typedef enum RVFormat {
    FMT_R,
    FMT_I,
    FMT_S,
    FMT_B,
    FMT_U,
    FMT_J,
    FMT_R4,
    FMT_SH,
    FMT_RF,
    FMT_R2,
    FMT_R2F,
    FMT_AMO,
    FMT_CSR,
    FMT_CSRI,
    FMT_NONE,
} RVFormat;

typedef enum RVExt {
    EXT_I,
    EXT_M,
    EXT_A,
    EXT_F,
    EXT_D,
    EXT_ZICSR,
    EXT_ZIFENCEI,
    EXT_PRIV,
} RVExt;

/* One id per table entry: RV_INSN_addi, RV_INSN_fadd_s, ... */
typedef enum RVInsnId {
#define INSN(name, match, mask, fmt, ext) RV_INSN_##name,
#include "riscv/insn-table.h"
#undef INSN
    RV_INSN_COUNT,
    RV_INSN_ILLEGAL = RV_INSN_COUNT,
} RVInsnId;

typedef struct RVInsnDef {
    const char *name; /* "addi", "fadd_s" (table spelling) */
    uint32_t match, mask;
    uint8_t format; /* RVFormat */
    uint8_t ext;    /* RVExt */
} RVInsnDef;

extern const RVInsnDef rv_insn_defs[RV_INSN_COUNT];

/* A decoded instruction.  Register fields are always extracted from their
 * standard positions (whether or not the format uses them); imm is the
 * format's immediate, sign-extended (zimm / shamt for CSRI / SH). */
typedef struct RVInsn {
    uint16_t id; /* RVInsnId, RV_INSN_ILLEGAL if no entry matches */
    uint8_t len; /* 2 (compressed) or 4 */
    uint8_t rd, rs1, rs2, rs3;
    uint8_t rm;   /* FP rounding mode field (bits 14:12) */
    bool aq, rl;  /* AMO ordering bits */
    uint16_t csr; /* CSR number (bits 31:20) */
    int64_t imm;
    uint32_t raw;  /* the insn as fetched: 16-bit value for compressed */
    uint32_t word; /* the 32-bit form (the expansion for compressed) */
} RVInsn;

/* Decode a 32-bit insn word into *in (len = 4, raw = word).  Returns false
 * (in->id = RV_INSN_ILLEGAL) if no table entry matches. */
bool rv_decode32(uint32_t word, RVInsn *in);

/* Expand a compressed insn (low 2 bits != 3) into its 32-bit equivalent.
 * Returns false for reserved/illegal encodings (including all zeros) and
 * for RV32-only ones (C.FLW etc.). */
bool rv_expand_rvc(uint16_t c, uint32_t *word);

/* Decode a 16-bit compressed insn: expand, then decode (len = 2, raw = c). */
bool rv_decode16(uint16_t c, RVInsn *in);

#endif
