/* hw/fdt.c - not yet written */
