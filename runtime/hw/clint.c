/* hw/clint.c - not yet written */
