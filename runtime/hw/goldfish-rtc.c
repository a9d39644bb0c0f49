/* hw/goldfish-rtc.c - not yet written */
