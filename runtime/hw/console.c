/* hw/console.c - not yet written */
