/* ir/opt.c - not yet written */
