/* riscv/decode.c - not yet written */
