/* riscv/trans-rvi.c - not yet written */
