/* test-decode.c - the RV64GC decoder (decode.c) and RVC expansion
 * (trans-rvc.c): every table entry decodes to itself, the table has no
 * overlapping entries, operand fields and immediates match hand-checked
 * encodings, each C insn expands to its known 32-bit equivalent, and
 * reserved encodings are rejected.
 */
#include <stdio.h>
#include <string.h>
#include "riscv/decode.h"

#include "../check.h"

static const char *insn_name(unsigned id)
{
    return id < RV_INSN_COUNT ? rv_insn_defs[id].name : "(illegal)";
}

static void test_table_self_decode(void)
{
    for (unsigned i = 0; i < RV_INSN_COUNT; i++) {
        const RVInsnDef *d = &rv_insn_defs[i];
        RVInsn in;
        CHECK((d->match & ~d->mask) == 0, "%s: match has bits outside mask", d->name);
        CHECK((d->mask & 0x7f) == 0x7f && (d->match & 3) == 3, "%s: opcode not fixed", d->name);
        CHECK(rv_decode32(d->match, &in) && in.id == i, "%s (0x%08x) decodes as %s", d->name,
              d->match, insn_name(in.id));
        /* any value in the don't-care bits still decodes to the entry */
        uint32_t w = d->match | (~d->mask & 0xa5a5a5a5u);
        CHECK(rv_decode32(w, &in) && in.id == i, "%s (0x%08x) decodes as %s", d->name, w,
              insn_name(in.id));
    }
}

/* Two entries are ambiguous if some word satisfies both. */
static void test_table_unambiguous(void)
{
    for (unsigned i = 0; i < RV_INSN_COUNT; i++) {
        for (unsigned j = i + 1; j < RV_INSN_COUNT; j++) {
            const RVInsnDef *a = &rv_insn_defs[i], *b = &rv_insn_defs[j];
            CHECK(((a->match ^ b->match) & a->mask & b->mask) != 0, "%s and %s overlap", a->name,
                  b->name);
        }
    }
}

typedef struct Spot {
    uint32_t word;
    const char *name;
    int rd, rs1, rs2, rs3, rm, aq, rl, csr; /* -1: not checked */
    int64_t imm;
} Spot;

/* Encodings from an assembler, checked by hand. */
static const Spot spots[] = {
    {0x80058513, "addi", 10, 11, -1, -1, -1, -1, -1, -1, -2048},         /* addi a0, a1, -2048 */
    {0x7ff00f93, "addi", 31, 0, -1, -1, -1, -1, -1, -1, 2047},           /* addi t6, zero, 2047 */
    {0x7ff5b503, "ld", 10, 11, -1, -1, -1, -1, -1, -1, 2047},            /* ld a0, 2047(a1) */
    {0xfef13c23, "sd", -1, 2, 15, -1, -1, -1, -1, -1, -8},               /* sd a5, -8(sp) */
    {0x80548023, "sb", -1, 9, 5, -1, -1, -1, -1, -1, -2048},             /* sb t0, -2048(s1) */
    {0x80b50063, "beq", -1, 10, 11, -1, -1, -1, -1, -1, -4096},          /* beq a0, a1, -4096 */
    {0x7e641fe3, "bne", -1, 8, 6, -1, -1, -1, -1, -1, 4094},             /* bne s0, t1, 4094 */
    {0x00b56463, "bltu", -1, 10, 11, -1, -1, -1, -1, -1, 8},             /* bltu a0, a1, 8 */
    {0xfffff537, "lui", 10, -1, -1, -1, -1, -1, -1, -1, -4096},          /* lui a0, 0xfffff */
    {0x80000297, "auipc", 5, -1, -1, -1, -1, -1, -1, -1, -2147483648LL}, /* auipc t0, 0x80000 */
    {0x12345937, "lui", 18, -1, -1, -1, -1, -1, -1, -1, 0x12345000},     /* lui s2, 0x12345 */
    {0x800000ef, "jal", 1, -1, -1, -1, -1, -1, -1, -1, -1048576},        /* jal ra, -1048576 */
    {0x7ffff06f, "jal", 0, -1, -1, -1, -1, -1, -1, -1, 1048574},         /* jal zero, 1048574 */
    {0x001000ef, "jal", 1, -1, -1, -1, -1, -1, -1, -1, 2048},            /* jal ra, 2048 */
    {0x43f55513, "srai", 10, 10, -1, -1, -1, -1, -1, -1, 63},            /* srai a0, a0, 63 */
    {0x02031293, "slli", 5, 6, -1, -1, -1, -1, -1, -1, 32},              /* slli t0, t1, 32 */
    {0x41f5551b, "sraiw", 10, 10, -1, -1, -1, -1, -1, -1, 31},           /* sraiw a0, a0, 31 */
    {0x18059573, "csrrw", 10, 11, -1, -1, -1, -1, -1, 0x180, 0},         /* csrrw a0, satp, a1 */
    {0xffffe2f3, "csrrsi", 5, -1, -1, -1, -1, -1, -1, 0xfff, 31},        /* csrrsi t0, 0xfff, 31 */
    {0x30033073, "csrrc", 0, 6, -1, -1, -1, -1, -1, 0x300, 0},    /* csrrc zero, mstatus, t1 */
    {0x223110c3, "fmadd_d", 1, 2, 3, 4, 1, -1, -1, -1, 0},        /* fmadd.d f1,f2,f3,f4,rtz */
    {0x007372d3, "fadd_s", 5, 6, 7, -1, 7, -1, -1, -1, 0},        /* fadd.s f5, f6, f7, dyn */
    {0x0eb6352f, "amoswap_d", 10, 12, 11, -1, -1, 1, 1, -1, 0},   /* amoswap.d.aqrl a0,a1,(a2) */
    {0x140522af, "lr_w", 5, 10, 0, -1, -1, 1, 0, -1, 0},          /* lr.w.aq t0, (a0) */
    {0x12b50073, "sfence_vma", 0, 10, 11, -1, -1, -1, -1, -1, 0}, /* sfence.vma a0, a1 */
    {0x0330000f, "fence", 0, 0, -1, -1, -1, -1, -1, -1, 0x033},   /* fence rw, rw */
};

static void test_spots(void)
{
    for (unsigned i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
        const Spot *s = &spots[i];
        RVInsn in;
        bool ok = rv_decode32(s->word, &in);
        CHECK(ok && strcmp(insn_name(in.id), s->name) == 0, "0x%08x: want %s, got %s", s->word,
              s->name, insn_name(in.id));
        if (!ok) {
            continue;
        }
        CHECK(in.len == 4 && in.raw == s->word, "0x%08x: len/raw", s->word);
        CHECK(in.imm == s->imm, "0x%08x (%s): imm %lld, want %lld", s->word, s->name,
              (long long)in.imm, (long long)s->imm);
#define FIELD(f)                                                                                   \
    CHECK(s->f < 0 || in.f == s->f, "0x%08x (%s): " #f " %d, want %d", s->word, s->name, in.f, s->f)
        FIELD(rd);
        FIELD(rs1);
        FIELD(rs2);
        FIELD(rs3);
        FIELD(rm);
        FIELD(aq);
        FIELD(rl);
        FIELD(csr);
#undef FIELD
    }
}

/* Each C insn and the 32-bit insn it stands for (both from an assembler). */
static const struct {
    uint16_t c;
    uint32_t w;
} rvc_pairs[] = {
    {0x1fe8, 0x3fc10513}, /* c.addi4spn a0, sp, 1020 */
    {0x3de8, 0x0f85b507}, /* c.fld fa0, 248(a1) */
    {0x5ef0, 0x07c6a603}, /* c.lw a2, 124(a3) */
    {0x7ce0, 0x0f84b403}, /* c.ld s0, 248(s1) */
    {0xa71c, 0x00f73427}, /* c.fsd fa5, 8(a4) */
    {0xc13c, 0x04f52023}, /* c.sw a5, 64(a0) */
    {0xe654, 0x08d63423}, /* c.sd a3, 136(a2) */
    {0x0001, 0x00000013}, /* c.nop */
    {0x1281, 0xfe028293}, /* c.addi t0, -32 */
    {0x257d, 0x01f5051b}, /* c.addiw a0, 31 */
    {0x59fd, 0xfff00993}, /* c.li s3, -1 */
    {0x7101, 0xe0010113}, /* c.addi16sp sp, -512 */
    {0x617d, 0x1f010113}, /* c.addi16sp sp, 496 */
    {0x7301, 0xfffe0337}, /* c.lui t1, 0xfffe0 */
    {0x657d, 0x0001f537}, /* c.lui a0, 31 */
    {0x91fd, 0x03f5d593}, /* c.srli a1, 63 */
    {0x8485, 0x4014d493}, /* c.srai s1, 1 */
    {0x9b31, 0xfec77713}, /* c.andi a4, -20 */
    {0x8d0d, 0x40b50533}, /* c.sub a0, a1 */
    {0x8c25, 0x00944433}, /* c.xor s0, s1 */
    {0x8e55, 0x00d66633}, /* c.or a2, a3 */
    {0x8f7d, 0x00f77733}, /* c.and a4, a5 */
    {0x9d1d, 0x40f5053b}, /* c.subw a0, a5 */
    {0x9cb1, 0x00c484bb}, /* c.addw s1, a2 */
    {0xb001, 0x801ff06f}, /* c.j -2048 */
    {0xaffd, 0x7fe0006f}, /* c.j 2046 */
    {0xd101, 0xf00500e3}, /* c.beqz a0, -256 */
    {0xecfd, 0x0e049f63}, /* c.bnez s1, 254 */
    {0x1e06, 0x021e1e13}, /* c.slli t3, 33 */
    {0x307e, 0x1f813007}, /* c.fldsp ft0, 504(sp) */
    {0x50fe, 0x0fc12083}, /* c.lwsp ra, 252(sp) */
    {0x7ffe, 0x1f813f83}, /* c.ldsp t6, 504(sp) */
    {0x8082, 0x00008067}, /* c.jr ra */
    {0x851e, 0x00700533}, /* c.mv a0, t2 */
    {0x9002, 0x00100073}, /* c.ebreak */
    {0x9782, 0x000780e7}, /* c.jalr a5 */
    {0x9dfa, 0x01ed8db3}, /* c.add s11, t5 */
    {0xbfa2, 0x1e813c27}, /* c.fsdsp fs0, 504(sp) */
    {0xdfca, 0x0f212e23}, /* c.swsp s2, 252(sp) */
    {0xe446, 0x01113423}, /* c.sdsp a7, 8(sp) */
};

static void test_rvc(void)
{
    for (unsigned i = 0; i < sizeof(rvc_pairs) / sizeof(rvc_pairs[0]); i++) {
        uint32_t w = 0;
        RVInsn in, ref;
        bool ok = rv_expand_rvc(rvc_pairs[i].c, &w);
        CHECK(ok && w == rvc_pairs[i].w, "c 0x%04x: expanded to 0x%08x, want 0x%08x",
              rvc_pairs[i].c, w, rvc_pairs[i].w);
        ok = rv_decode16(rvc_pairs[i].c, &in);
        rv_decode32(rvc_pairs[i].w, &ref);
        CHECK(ok && in.id == ref.id && in.len == 2 && in.raw == rvc_pairs[i].c &&
                  in.imm == ref.imm && in.rd == ref.rd && in.rs1 == ref.rs1,
              "c 0x%04x: decode16 differs from its expansion", rvc_pairs[i].c);
    }
}

/* Reserved / illegal encodings. */
static void test_illegal(void)
{
    static const uint16_t bad16[] = {
        0x0000, /* all zeros (c.addi4spn, nzuimm = 0) */
        0x0010, /* c.addi4spn a2, sp, 0 */
        0x8000, /* quadrant 0, funct3 4: reserved */
        0x2001, /* c.addiw x0 */
        0x6101, /* c.addi16sp sp, 0 */
        0x6001, /* c.lui x0, 0 */
        0x6501, /* c.lui a0, 0 */
        0x9c41, /* c.subw with bit 6:5 = 10: reserved */
        0x9c61, /* 11: reserved */
        0x4002, /* c.lwsp x0 */
        0x6002, /* c.ldsp x0 */
        0x8002, /* c.jr x0 */
    };
    for (unsigned i = 0; i < sizeof(bad16) / sizeof(bad16[0]); i++) {
        uint32_t w;
        RVInsn in;
        CHECK(!rv_expand_rvc(bad16[i], &w), "c 0x%04x should be illegal", bad16[i]);
        CHECK(!rv_decode16(bad16[i], &in) && in.id == RV_INSN_ILLEGAL && in.raw == bad16[i] &&
                  in.len == 2,
              "c 0x%04x should decode as illegal", bad16[i]);
    }
    static const uint32_t bad32[] = {
        0xffffffff, /* not a 32-bit insn (low bits 11, but opcode 0x7f) */
        0x0000007f, /* 64-bit+ encoding space */
        0x04001013, /* slli with bit 26 set (RV128 shamt) */
        0x0200101b, /* slliw with shamt[5] set */
        0x80000033, /* OP with funct7 0x40 */
        0x3020007b, /* custom-3 */
        0x00004023, /* store funct3 4 */
        0x0000402f, /* AMO funct3 4 */
        0x0e100053, /* OP-FP funct7 7 */
        0x10500173, /* wfi with rd != 0 */
        0x30200273, /* mret with rd != 0 */
        0x0010200f, /* MISC-MEM funct3 2 */
        0x1010202f, /* lr.w with rs2 != 0 */
        0x5800007b, /* custom */
    };
    for (unsigned i = 0; i < sizeof(bad32) / sizeof(bad32[0]); i++) {
        RVInsn in;
        CHECK(!rv_decode32(bad32[i], &in) && in.id == RV_INSN_ILLEGAL,
              "0x%08x should be illegal (%s)", bad32[i], insn_name(in.id));
    }
    RVInsn in;
    CHECK(!rv_decode32(0x00000000, &in), "all-zero word should be illegal");
}

int main(void)
{
    test_table_self_decode();
    test_table_unambiguous();
    test_spots();
    test_rvc();
    test_illegal();
    if (failures) {
        printf("test-decode: %d failure(s)\n", failures);
        return 1;
    }
    printf("test-decode: ok (%d table entries)\n", RV_INSN_COUNT);
    return 0;
}
