/* exec/cpu-loop.c - not yet written */
