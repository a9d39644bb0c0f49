/* riscv/cpu.c - not yet written */
