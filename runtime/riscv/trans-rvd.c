/* riscv/trans-rvd.c - not yet written */
