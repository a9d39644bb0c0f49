/* riscv/sbi.c - not yet written */
