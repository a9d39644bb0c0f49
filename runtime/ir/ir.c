/* ir/ir.c - not yet written */
