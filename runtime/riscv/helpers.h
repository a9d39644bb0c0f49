/* helpers.h - declarations and indices of the RISC-V helpers (helpers.def). */
#ifndef KILN_RISCV_HELPERS_H
#define KILN_RISCV_HELPERS_H
#include "ir/ir.h"

enum RVHelperIndex {
#define DEF_HELPER(name, nargs, ret, flags) HELPER_##name,
#include "riscv/helpers.def"
#undef DEF_HELPER
    HELPER_COUNT
};

#define DEF_HELPER(name, nargs, ret, flags)                                                        \
    uint64_t helper_##name(void *env, uint64_t a, uint64_t b, uint64_t c, uint64_t d);
#include "riscv/helpers.def"
#undef DEF_HELPER

/* CSR op encoding for helper_csr's first argument. */
#define CSROP_CSR(x) ((x)&0xfff)
#define CSROP_RW (1u << 12)
#define CSROP_RS (2u << 12)
#define CSROP_RC (3u << 12)
#define CSROP_KIND(x) ((x) & (3u << 12))
#define CSROP_WRITE (1u << 16) /* perform the write (false for csrrs/c with rs1 = x0) */
#define CSROP_READ (1u << 17)  /* rd != x0 (csrrw with rd = x0 has no read effects) */

/* AMO op codes for helper_amo. */
enum { AMO_SWAP, AMO_ADD, AMO_XOR, AMO_AND, AMO_OR, AMO_MIN, AMO_MAX, AMO_MINU, AMO_MAXU };

extern const IRHelper rv_helpers[HELPER_COUNT];

#endif
