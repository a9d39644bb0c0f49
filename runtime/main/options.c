/* main/options.c - not yet written */
