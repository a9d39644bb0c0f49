/* ops.h - inline-asm wrappers that force one exact instruction, so that the
 * compiler can neither fold nor replace what a test means to execute. */
#ifndef OPS_H
#define OPS_H
#include <stdint.h>

#define ROP(insn, a, b)                                                                            \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(insn " %0, %1, %2" : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)));  \
        r_;                                                                                        \
    })
#define IOP(insn, a, imm)                                                                          \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(insn " %0, %1, " #imm : "=r"(r_) : "r"((uint64_t)(a)));                   \
        r_;                                                                                        \
    })
/* 1 if the branch is taken */
#define BRANCH(insn, a, b)                                                                         \
    ({                                                                                             \
        uint64_t t_;                                                                               \
        __asm__ volatile("li %0, 1\n\t" insn " %1, %2, 1f\n\tli %0, 0\n1:"                         \
                         : "=&r"(t_)                                                               \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b)));                                \
        t_;                                                                                        \
    })
#define LOAD(insn, addr, off)                                                                      \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(insn " %0, " #off "(%1)" : "=r"(r_) : "r"(addr) : "memory");              \
        r_;                                                                                        \
    })
#define STORE(insn, addr, off, v)                                                                  \
    __asm__ volatile(insn " %0, " #off "(%1)" ::"r"((uint64_t)(v)), "r"(addr) : "memory")

/* Floating point: values travel as raw bits in integer registers. */
#define FOP2D(insn, a, b)                                                                          \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\t" insn " ft2, ft0, ft1\n\t"        \
                         "fmv.x.d %0, ft2"                                                         \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b))                                  \
                         : "ft0", "ft1", "ft2");                                                   \
        r_;                                                                                        \
    })
#define FOP2S(insn, a, b)                                                                          \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("fmv.w.x ft0, %1\n\tfmv.w.x ft1, %2\n\t" insn " ft2, ft0, ft1\n\t"        \
                         "fmv.x.w %0, ft2"                                                         \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b))                                  \
                         : "ft0", "ft1", "ft2");                                                   \
        (uint32_t) r_;                                                                             \
    })
#define FOP3D(insn, a, b, c)                                                                       \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfmv.d.x ft2, %3\n\t" insn          \
                         " ft3, ft0, ft1, ft2\n\tfmv.x.d %0, ft3"                                  \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b)), "r"((uint64_t)(c))              \
                         : "ft0", "ft1", "ft2", "ft3");                                            \
        r_;                                                                                        \
    })
#define FOP3S(insn, a, b, c)                                                                       \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("fmv.w.x ft0, %1\n\tfmv.w.x ft1, %2\n\tfmv.w.x ft2, %3\n\t" insn          \
                         " ft3, ft0, ft1, ft2\n\tfmv.x.w %0, ft3"                                  \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b)), "r"((uint64_t)(c))              \
                         : "ft0", "ft1", "ft2", "ft3");                                            \
        (uint32_t) r_;                                                                             \
    })
/* one-operand FP op with FP result (fsqrt, fcvt.s.d ...): "insn ft1, ft0" */
#define FOP1D(insn, a)                                                                             \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("fmv.d.x ft0, %1\n\t" insn " ft1, ft0\n\tfmv.x.d %0, ft1"                 \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a))                                                      \
                         : "ft0", "ft1");                                                          \
        r_;                                                                                        \
    })
/* FP source, integer result (fcvt.w.d, fclass, feq ...): "insn rd, ft0[, ft1]" */
#define FTOI(insn, a)                                                                              \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("fmv.d.x ft0, %1\n\t" insn " %0, ft0"                                     \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a))                                                      \
                         : "ft0");                                                                 \
        r_;                                                                                        \
    })
#define FCMP(insn, a, b)                                                                           \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\t" insn " %0, ft0, ft1"             \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b))                                  \
                         : "ft0", "ft1");                                                          \
        r_;                                                                                        \
    })
/* integer source, FP result (fcvt.d.l ...) */
#define ITOF(insn, a)                                                                              \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(insn " ft0, %1\n\tfmv.x.d %0, ft0"                                        \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a))                                                      \
                         : "ft0");                                                                 \
        r_;                                                                                        \
    })

#endif /* OPS_H */
