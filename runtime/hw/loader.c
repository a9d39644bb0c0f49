/* hw/loader.c - not yet written */
