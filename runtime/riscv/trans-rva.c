/* riscv/trans-rva.c - not yet written */
