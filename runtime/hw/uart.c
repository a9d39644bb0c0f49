/* hw/uart.c - not yet written */
