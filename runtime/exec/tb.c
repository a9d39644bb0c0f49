/* exec/tb.c - not yet written */
