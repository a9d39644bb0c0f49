/* tci/tci.c - not yet written */
