/* riscv/trans-rvm.c - not yet written */
