/* helpers.c - the helper table of the RISC-V frontend, expanded from
 * helpers.def; indices are enum RVHelperIndex. */
#include "riscv/helpers.h"

const IRHelper rv_helpers[HELPER_COUNT] = {
#define DEF_HELPER(name, nargs, ret, flags) [HELPER_##name] = {#name, helper_##name, nargs, ret, flags},
#include "riscv/helpers.def"
#undef DEF_HELPER
};
