/* hw/sifive-test.c - not yet written */
