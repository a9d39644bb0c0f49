/* console-tap.h - the guest console while profiling (console-tap.c): output
 * echoed or dropped and watched for a marker string; no input. */
#ifndef KILN_AOT_CONSOLE_TAP_H
#define KILN_AOT_CONSOLE_TAP_H
#include <stdbool.h>
#include "hw/machine.h"

/* Watch for marker (NULL/"": none) in m's console output; when it appears,
 * request a machine stop (exit code 0).  quiet: do not echo the output. */
void console_tap_setup(Machine *m, const char *marker, bool quiet);
bool console_tap_seen(void);

#endif
