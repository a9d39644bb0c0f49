/* riscv/mem.c - not yet written */
