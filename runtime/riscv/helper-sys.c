/* riscv/helper-sys.c - not yet written */
