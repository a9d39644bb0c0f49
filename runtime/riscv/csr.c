/* riscv/csr.c - not yet written */
