/* riscv/fpu.c - not yet written */
