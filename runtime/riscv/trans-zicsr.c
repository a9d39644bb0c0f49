/* riscv/trans-zicsr.c - not yet written */
