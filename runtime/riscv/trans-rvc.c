/* riscv/trans-rvc.c - not yet written */
