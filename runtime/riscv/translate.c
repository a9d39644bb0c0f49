/* riscv/translate.c - not yet written */
