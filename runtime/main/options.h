/* options.h - the `kiln` command line: native spellings and the common
 * QEMU subset, parsed from one table (options.c). */
#ifndef KILN_OPTIONS_H
#define KILN_OPTIONS_H
#include <stdbool.h>
#include "exec/exec.h"
#include "hw/machine.h"

typedef struct KilnOptions {
    MachineConfig machine;
    ExecOptions exec;
    bool stats;
} KilnOptions;

/* Returns 0 to run, 1 if help/version was printed (exit 0), -1 on a bad
 * command line (one message printed to stderr, exit 2). */
int options_parse(int argc, char **argv, KilnOptions *o);

#endif
