/* riscv/helper-int.c - not yet written */
