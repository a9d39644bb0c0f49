/* sbi.h - the built-in SBI (no firmware): S-mode ecalls served in C.
 *
 * Implements SBI 1.0 BASE, TIME, IPI, RFENCE, HSM, SRST, DBCN and the
 * legacy 0.1 calls for a single hart.  Implementation id SBI_IMPL_ID_KILN.
 */
#ifndef KILN_RISCV_SBI_H
#define KILN_RISCV_SBI_H
#include "riscv/cpu.h"

/* "KILN" in ASCII: not among the ids the SBI spec assigns (0-11 so far). */
#define SBI_IMPL_ID_KILN 0x4b494c4eull
#define SBI_IMPL_VERSION 0x00000100ull /* 0.1.0 */

/* Serve the ecall in a7 (EID) / a6 (FID) with args a0-a5; results go to
 * a0 (error) and a1 (value), or a0 only for legacy calls.  Does not touch
 * pc: the caller resumes after the ecall. */
void sbi_ecall(RVCPU *cpu);

#endif
