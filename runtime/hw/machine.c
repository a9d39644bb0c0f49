/* hw/machine.c - not yet written */
