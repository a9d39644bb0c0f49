/* main/kiln.c - not yet written */
