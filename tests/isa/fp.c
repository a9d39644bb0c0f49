/* fp.c - F and D extensions: rounding modes (frm and static rm), fflags,
 * NaN-boxing of single values, canonical NaN, fmin/fmax NaN and -0 rules,
 * fcvt saturation, fclass, fused multiply-add with one rounding, mstatus.FS.
 * Expected values are worked out from the IEEE 754 / RISC-V spec rules. */
#include "lib/isa.h"
#include "lib/ops.h"

#define D_ONE 0x3ff0000000000000UL
#define D_MONE 0xbff0000000000000UL
#define D_TWO 0x4000000000000000UL
#define D_ZERO 0x0000000000000000UL
#define D_NZERO 0x8000000000000000UL
#define D_INF 0x7ff0000000000000UL
#define D_NINF 0xfff0000000000000UL
#define D_QNAN 0x7ff8000000000000UL /* canonical NaN */
#define D_SNAN 0x7ff0000000000001UL
#define S_ONE 0x3f800000U
#define S_MONE 0xbf800000U
#define S_QNAN 0x7fc00000U
#define S_SNAN 0x7f800001U

enum { NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16 };
enum { RNE, RTZ, RDN, RUP, RMM };
static const char *const rm_name[] = {"rne", "rtz", "rdn", "rup", "rmm"};

static void clear_flags(void)
{
    csr_write(fflags, 0);
}
static uint64_t flags(void)
{
    return csr_read(fflags);
}

/* Static rounding mode: the rm field of the instruction itself. */
#define FADD_S_RM(rm, a, b)                                                                        \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("fmv.w.x ft0, %1\n\tfmv.w.x ft1, %2\n\tfadd.s ft2, ft0, ft1, " rm         \
                         "\n\tfmv.x.w %0, ft2"                                                     \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b))                                  \
                         : "ft0", "ft1", "ft2");                                                   \
        (uint32_t) r_;                                                                             \
    })
#define FCVT_W_D_RM(rm, a)                                                                         \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("fmv.d.x ft0, %1\n\tfcvt.w.d %0, ft0, " rm : "=r"(r_) : "r"(a) : "ft0");  \
        r_;                                                                                        \
    })

static void test_rounding(void)
{
    isa_section("rounding");
    /* 1 + 2^-30 and -1 - 2^-30 (inexact) and 1 + 2^-24 (a tie) in single */
    static const uint32_t up_exp[5] = {0x3f800000, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800000};
    static const uint32_t neg_exp[5] = {0xbf800000, 0xbf800000, 0xbf800001, 0xbf800000, 0xbf800000};
    static const uint32_t tie_exp[5] = {0x3f800000, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800001};
    for (int rm = 0; rm < 5; rm++) {
        csr_write(frm, rm);
        CHECK("frm readback", csr_read(frm), rm);
        const char *n = rm_name[rm];
        clear_flags();
        isa_printf("dyn %s: ", n);
        CHECK("1+2^-30", FOP2S("fadd.s", S_ONE, 0x30800000), up_exp[rm]);
        CHECK("  fflags", flags(), NX);
        isa_printf("dyn %s: ", n);
        CHECK("-1-2^-30", FOP2S("fadd.s", S_MONE, 0xb0800000), neg_exp[rm]);
        isa_printf("dyn %s: ", n);
        CHECK("1+2^-24 tie", FOP2S("fadd.s", S_ONE, 0x33800000), tie_exp[rm]);
    }
    csr_write(frm, RUP); /* the static rm overrides frm */
    CHECK("static rne", FADD_S_RM("rne", S_ONE, 0x30800000), up_exp[RNE]);
    CHECK("static rtz", FADD_S_RM("rtz", S_MONE, 0xb0800000), neg_exp[RTZ]);
    CHECK("static rdn", FADD_S_RM("rdn", S_MONE, 0xb0800000), neg_exp[RDN]);
    csr_write(frm, RNE);
    CHECK("static rup", FADD_S_RM("rup", S_ONE, 0x30800000), up_exp[RUP]);
    CHECK("static rmm", FADD_S_RM("rmm", S_ONE, 0x33800000), tie_exp[RMM]);
    /* fcvt.w.d of 2.5 and -2.5 in each mode */
    CHECK("fcvt.w.d 2.5 rne", FCVT_W_D_RM("rne", 0x4004000000000000UL), 2);
    CHECK("fcvt.w.d 2.5 rtz", FCVT_W_D_RM("rtz", 0x4004000000000000UL), 2);
    CHECK("fcvt.w.d 2.5 rdn", FCVT_W_D_RM("rdn", 0x4004000000000000UL), 2);
    CHECK("fcvt.w.d 2.5 rup", FCVT_W_D_RM("rup", 0x4004000000000000UL), 3);
    CHECK("fcvt.w.d 2.5 rmm", FCVT_W_D_RM("rmm", 0x4004000000000000UL), 3);
    CHECK("fcvt.w.d -2.5 rne", FCVT_W_D_RM("rne", 0xc004000000000000UL), (uint64_t)-2L);
    CHECK("fcvt.w.d -2.5 rtz", FCVT_W_D_RM("rtz", 0xc004000000000000UL), (uint64_t)-2L);
    CHECK("fcvt.w.d -2.5 rdn", FCVT_W_D_RM("rdn", 0xc004000000000000UL), (uint64_t)-3L);
    CHECK("fcvt.w.d -2.5 rup", FCVT_W_D_RM("rup", 0xc004000000000000UL), (uint64_t)-2L);
    CHECK("fcvt.w.d -2.5 rmm", FCVT_W_D_RM("rmm", 0xc004000000000000UL), (uint64_t)-3L);
    CHECK("fcvt.w.d 1.5 rne", FCVT_W_D_RM("rne", 0x3ff8000000000000UL), 2);
}

static void test_flags(void)
{
    isa_section("fflags");
    clear_flags();
    CHECK("1/0", FOP2D("fdiv.d", D_ONE, D_ZERO), D_INF);
    CHECK("  fflags", flags(), DZ);
    clear_flags();
    CHECK("-1/0", FOP2D("fdiv.d", D_MONE, D_ZERO), D_NINF);
    clear_flags();
    CHECK("sqrt(-1)", FOP1D("fsqrt.d", D_MONE), D_QNAN);
    CHECK("  fflags", flags(), NV);
    clear_flags();
    CHECK("0/0", FOP2D("fdiv.d", D_ZERO, D_ZERO), D_QNAN);
    CHECK("  fflags", flags(), NV);
    clear_flags();
    CHECK("inf-inf", FOP2D("fsub.d", D_INF, D_INF), D_QNAN);
    CHECK("  fflags", flags(), NV);
    clear_flags();
    CHECK("overflow", FOP2D("fmul.d", 0x7fe1ccf385ebc8a0UL, 0x4024000000000000UL), D_INF);
    CHECK("  fflags", flags(), OF | NX);
    clear_flags();
    CHECK("underflow", FOP2D("fmul.d", 0x0010000000000001UL, 0x3fe0000000000000UL),
          0x0008000000000000UL);
    CHECK("  fflags", flags(), UF | NX);
    clear_flags();
    CHECK("exact", FOP2D("fadd.d", D_ONE, D_ONE), D_TWO);
    CHECK("  fflags", flags(), 0);
    CHECK("1+2^-60", FOP2D("fadd.d", D_ONE, 0x3c30000000000000UL), D_ONE);
    FOP2D("fdiv.d", D_ONE, D_ZERO);
    CHECK("  fflags accumulate", flags(), NX | DZ);
    csr_write(fcsr, 0xff);
    CHECK("fcsr 0xff", csr_read(fcsr), 0xff);
    CHECK("frm from fcsr", csr_read(frm), 7);
    CHECK("fflags from fcsr", csr_read(fflags), 0x1f);
    csr_write(frm, 2);
    CHECK("fcsr after frm=2", csr_read(fcsr), 0x5f);
    csr_write(fcsr, 0);
    isa_section("arith");
    CHECK("sqrt(2)", FOP1D("fsqrt.d", D_TWO), 0x3ff6a09e667f3bcdUL);
    CHECK("1/3", FOP2D("fdiv.d", D_ONE, 0x4008000000000000UL), 0x3fd5555555555555UL);
    CHECK("fcvt.s.d 1/3", FOP1D("fcvt.s.d", 0x3fd5555555555555UL), 0xffffffff3eaaaaabUL);
    CHECK("fcvt.d.s 1.0", FOP1D("fcvt.d.s", 0xffffffff3f800000UL), D_ONE);
    clear_flags();
    CHECK("fcvt.d.l 2^53+1", ITOF("fcvt.d.l", (1UL << 53) + 1), 0x4340000000000000UL);
    CHECK("  fflags", flags(), NX);
    CHECK("fcvt.d.lu max", ITOF("fcvt.d.lu", ~0UL), 0x43f0000000000000UL);
    CHECK("fcvt.s.w 2^24+1", ITOF("fcvt.s.w", 16777217), 0xffffffff4b800000UL);
    CHECK("fcvt.d.w -1", ITOF("fcvt.d.w", 0xffffffffUL), D_MONE);
    CHECK("fcvt.d.wu", ITOF("fcvt.d.wu", 0xffffffffUL), 0x41efffffffe00000UL);
    CHECK("fsgnj.d", FOP2D("fsgnj.d", D_ONE, D_NZERO), D_MONE);
    CHECK("fsgnjn.d", FOP2D("fsgnjn.d", D_ONE, D_NZERO), D_ONE);
    CHECK("fsgnjx.d", FOP2D("fsgnjx.d", D_MONE, D_NZERO), D_ONE);
    CHECK("fsgnjn.s", FOP2S("fsgnjn.s", S_ONE, S_ONE), S_MONE);
    clear_flags();
    CHECK("feq -0 +0", FCMP("feq.d", D_NZERO, D_ZERO), 1);
    CHECK("feq qnan", FCMP("feq.d", D_QNAN, D_QNAN), 0);
    CHECK("  fflags", flags(), 0);
    CHECK("feq snan", FCMP("feq.d", D_SNAN, D_ONE), 0);
    CHECK("  fflags", flags(), NV);
    clear_flags();
    CHECK("flt qnan", FCMP("flt.d", D_QNAN, D_ONE), 0);
    CHECK("  fflags", flags(), NV);
    CHECK("flt", FCMP("flt.d", D_MONE, D_ONE), 1);
    CHECK("fle eq", FCMP("fle.d", D_ONE, D_ONE), 1);
    CHECK("fle", FCMP("fle.d", D_TWO, D_ONE), 0);
}

static void test_nan(void)
{
    isa_section("nan-boxing");
    uint64_t r;
    __asm__ volatile("fmv.w.x ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(0x3f800000UL) : "ft0");
    CHECK("fmv.w.x boxed", r, 0xffffffff3f800000UL);
    static volatile uint32_t word = 0x40490fdb;
    __asm__ volatile("flw ft0, 0(%1)\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(&word) : "ft0");
    CHECK("flw boxed", r, 0xffffffff40490fdbUL);
    __asm__ volatile("fmv.w.x ft0, %1\n\tfadd.s ft0, ft0, ft0\n\tfmv.x.d %0, ft0"
                     : "=r"(r)
                     : "r"(0x3f800000UL)
                     : "ft0");
    CHECK("fadd.s result boxed", r, 0xffffffff40000000UL);
    /* a double in an f register is not a valid single: read as canonical NaN */
    __asm__ volatile("fmv.d.x ft0, %1\n\tfadd.s ft1, ft0, ft0\n\tfmv.x.d %0, ft1"
                     : "=r"(r)
                     : "r"(0x000000003f800000UL)
                     : "ft0", "ft1");
    CHECK("unboxed input -> canonical NaN", r, 0xffffffff7fc00000UL);
    __asm__ volatile("fmv.d.x ft0, %1\n\tfcvt.d.s ft1, ft0\n\tfmv.x.d %0, ft1"
                     : "=r"(r)
                     : "r"(D_ONE)
                     : "ft0", "ft1");
    CHECK("fcvt.d.s of unboxed", r, D_QNAN);
    __asm__ volatile("fmv.w.x ft0, %1\n\tfmv.x.w %0, ft0" : "=r"(r) : "r"(0x80000000UL) : "ft0");
    CHECK("fmv.x.w sign-extends", r, 0xffffffff80000000UL);

    isa_section("canonical nan");
    clear_flags();
    CHECK("snan + 1", FOP2D("fadd.d", D_SNAN, D_ONE), D_QNAN);
    CHECK("  fflags", flags(), NV);
    clear_flags();
    CHECK("payload not propagated", FOP2S("fadd.s", 0x7fc12345, S_ONE), S_QNAN);
    CHECK("  fflags", flags(), 0);
    CHECK("neg nan mul", FOP2D("fmul.d", 0xfff8000000000123UL, D_TWO), D_QNAN);

    isa_section("fmin/fmax");
    clear_flags();
    CHECK("fmin qnan,1", FOP2D("fmin.d", D_QNAN, D_ONE), D_ONE);
    CHECK("fmax 1,qnan", FOP2D("fmax.d", D_ONE, D_QNAN), D_ONE);
    CHECK("  fflags", flags(), 0);
    CHECK("fmin snan,1", FOP2D("fmin.d", D_SNAN, D_ONE), D_ONE);
    CHECK("  fflags", flags(), NV);
    CHECK("fmin nan,nan", FOP2D("fmin.d", D_SNAN, 0x7ff8000000000077UL), D_QNAN);
    CHECK("fmin -0,+0", FOP2D("fmin.d", D_NZERO, D_ZERO), D_NZERO);
    CHECK("fmin +0,-0", FOP2D("fmin.d", D_ZERO, D_NZERO), D_NZERO);
    CHECK("fmax -0,+0", FOP2D("fmax.d", D_NZERO, D_ZERO), D_ZERO);
    CHECK("fmax +0,-0", FOP2D("fmax.d", D_ZERO, D_NZERO), D_ZERO);
    CHECK("fmin.s -1,1", FOP2S("fmin.s", S_MONE, S_ONE), S_MONE);
    CHECK("fmax.s nan,nan", FOP2S("fmax.s", S_SNAN, S_QNAN), S_QNAN);
    CHECK("fmin.s -0,+0", FOP2S("fmin.s", 0x80000000U, 0), 0x80000000U);
}

static void test_fcvt(void)
{
    isa_section("fcvt saturation");
    clear_flags();
    CHECK("w.d 3e9", FTOI("fcvt.w.d", 0x41e65a0bc0000000UL), 0x7fffffffUL);
    CHECK("  fflags", flags(), NV);
    CHECK("w.d -3e9", FTOI("fcvt.w.d", 0xc1e65a0bc0000000UL), 0xffffffff80000000UL);
    CHECK("w.d nan", FTOI("fcvt.w.d", D_QNAN), 0x7fffffffUL);
    CHECK("w.d inf", FTOI("fcvt.w.d", D_INF), 0x7fffffffUL);
    CHECK("w.d -inf", FTOI("fcvt.w.d", D_NINF), 0xffffffff80000000UL);
    clear_flags();
    CHECK("wu.d -1", FTOI("fcvt.wu.d", D_MONE), 0);
    CHECK("  fflags", flags(), NV);
    clear_flags();
    CHECK("wu.d -0.5 rne", FTOI("fcvt.wu.d", 0xbfe0000000000000UL), 0);
    CHECK("  fflags", flags(), NX);
    CHECK("wu.d 5e9", FTOI("fcvt.wu.d", 0x41f2a05f20000000UL), ~0UL);
    CHECK("wu.d 3e9 sext", FTOI("fcvt.wu.d", 0x41e65a0bc0000000UL), 0xffffffffb2d05e00UL);
    CHECK("wu.d nan", FTOI("fcvt.wu.d", D_QNAN), ~0UL);
    CHECK("l.d 1e19", FTOI("fcvt.l.d", 0x43e158e460913d00UL), 0x7fffffffffffffffUL);
    CHECK("l.d -1e19", FTOI("fcvt.l.d", 0xc3e158e460913d00UL), 0x8000000000000000UL);
    CHECK("l.d nan", FTOI("fcvt.l.d", D_QNAN), 0x7fffffffffffffffUL);
    CHECK("lu.d -1", FTOI("fcvt.lu.d", D_MONE), 0);
    CHECK("lu.d 2e19", FTOI("fcvt.lu.d", 0x43f158e460913d00UL), ~0UL);
    CHECK("lu.d 1e19", FTOI("fcvt.lu.d", 0x43e158e460913d00UL), 10000000000000000000UL);
    CHECK("l.d -1.5 rne", FTOI("fcvt.l.d", 0xbff8000000000000UL), (uint64_t)-2L);
    uint64_t r;
    __asm__ volatile("fmv.w.x ft0, %1\n\tfcvt.w.s %0, ft0, rtz"
                     : "=r"(r)
                     : "r"(0x4f000000UL)
                     : "ft0");
    CHECK("w.s 2^31", r, 0x7fffffffUL);
    __asm__ volatile("fmv.w.x ft0, %1\n\tfcvt.l.s %0, ft0, rtz"
                     : "=r"(r)
                     : "r"(0x4f000000UL)
                     : "ft0");
    CHECK("l.s 2^31", r, 0x80000000UL);
}

static void test_fclass(void)
{
    isa_section("fclass");
    static const uint64_t v[10] = {
        D_NINF, D_MONE, 0x800fffffffffffffUL, D_NZERO, D_ZERO, 0x0000000000000001UL, D_ONE, D_INF,
        D_SNAN, D_QNAN};
    for (int i = 0; i < 10; i++) {
        isa_printf("fclass.d[%d] ", i);
        CHECK("", FTOI("fclass.d", v[i]), 1UL << i);
    }
    static const uint32_t s[10] = {0xff800000, S_MONE, 0x807fffff, 0x80000000, 0,
                                   1,          S_ONE,  0x7f800000, S_SNAN,     S_QNAN};
    for (int i = 0; i < 10; i++) {
        uint64_t r;
        __asm__ volatile("fmv.w.x ft0, %1\n\tfclass.s %0, ft0"
                         : "=r"(r)
                         : "r"((uint64_t)s[i])
                         : "ft0");
        isa_printf("fclass.s[%d] ", i);
        CHECK("", r, 1UL << i);
    }
    uint64_t r;
    __asm__ volatile("fmv.d.x ft0, %1\n\tfclass.s %0, ft0" : "=r"(r) : "r"(D_ONE) : "ft0");
    CHECK("fclass.s unboxed = qnan", r, 1UL << 9);
}

static void test_fma(void)
{
    isa_section("fma");
    const uint64_t a = 0x3ff0000000400000UL, b = 0x3fefffffff800000UL; /* 1 +- 2^-30 */
    clear_flags();
    CHECK("fmadd.d single rounding", FOP3D("fmadd.d", a, b, D_MONE), 0xbc30000000000000UL);
    CHECK("  fflags", flags(), 0);
    CHECK("fmul+fadd differs", FOP2D("fadd.d", FOP2D("fmul.d", a, b), D_MONE), 0);
    CHECK("fnmadd.d", FOP3D("fnmadd.d", a, b, D_MONE), 0x3c30000000000000UL);
    CHECK("fmsub.d", FOP3D("fmsub.d", a, b, D_MONE), D_TWO);
    CHECK("fnmsub.d", FOP3D("fnmsub.d", a, b, D_MONE), 0xc000000000000000UL);
    CHECK("fmadd.s", FOP3S("fmadd.s", 0x3f800800, 0x3f7ff000, S_MONE), 0xb3800000U);
    clear_flags();
    CHECK("fmadd inf*0+1", FOP3D("fmadd.d", D_INF, D_ZERO, D_ONE), D_QNAN);
    CHECK("  fflags", flags(), NV);
}

static void test_fs(void)
{
    isa_section("mstatus.FS");
    csr_clear(mstatus, MSTATUS_FS);
    csr_set(mstatus, 1UL << 13); /* Initial */
    FOP2D("fadd.d", D_ONE, D_ONE);
    CHECK("FS dirty after fp write", (csr_read(mstatus) >> 13) & 3, 3);
    CHECK_TRUE("SD set", (csr_read(mstatus) >> 63) == 1);
    csr_clear(mstatus, MSTATUS_FS);
    isa_arm_trap();
    __asm__ volatile(".option push\n\t.option norvc\n\tfadd.d ft0, ft0, ft0\n\t.option pop" ::
                         : "ft0");
    uint64_t n = isa_disarm_trap();
    csr_set(mstatus, 1UL << 13);
    CHECK("fp with FS=Off traps", n, 1);
    CHECK("cause", isa_m_trap.cause, CAUSE_ILLEGAL);
    isa_arm_trap();
    __asm__ volatile("csrr t0, fcsr" ::: "t0");
    CHECK("fcsr with FS=Initial ok", isa_disarm_trap(), 0);
}

int main(void)
{
    test_rounding();
    test_flags();
    test_nan();
    test_fcvt();
    test_fclass();
    test_fma();
    test_fs();
    return 0;
}
