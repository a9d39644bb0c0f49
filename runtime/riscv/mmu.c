/* riscv/mmu.c - not yet written */
