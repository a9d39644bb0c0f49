/* riscv/trans-rvf.c - not yet written */
