/* hw/plic.c - not yet written */
