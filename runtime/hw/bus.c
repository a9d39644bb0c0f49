/* hw/bus.c - not yet written */
