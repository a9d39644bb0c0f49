/* console-tap.h - the guest console while profiling (console-tap.c): output
 * echoed or dropped and watched for a stop marker; input only after a VM
 * snapshot (aot-tool profile --snapshot-at), typed one line per prompt. */
#ifndef KILN_AOT_CONSOLE_TAP_H
#define KILN_AOT_CONSOLE_TAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hw/machine.h"

typedef struct ConsoleTapConfig {
    bool quiet;        /* do not echo the guest's output */
    const char *until; /* stop once the output contains this (NULL or "": no marker) */
    /* Snapshot mode (prompt not NULL): the machine writes the snapshot at
     * the first prompt (MachineConfig.snapshot_at).  From then on the TB
     * cache starts empty again (as after a restore), `until` is matched,
     * and input is typed: one line (up to and including '\r' or '\n')
     * right away, then the next each time the prompt appears again. */
    const char *prompt;
    bool restored;         /* m was restored from a snapshot: the run starts at
                              the snapshot point (typing begins at once) */
    const char *input;     /* bytes to type (no NUL), or NULL */
    bool stop_after_input; /* stop at the first prompt once every line is typed */
    double timeout;        /* wall-clock limit in seconds (0: none) */
} ConsoleTapConfig;

typedef struct ConsoleTapResult {
    bool stop_seen;            /* the stop condition was met: the run ended there */
    bool prompt_seen;          /* snapshot mode: the prompt appeared (before a snapshot or not) */
    bool snapshot_taken;       /* snapshot mode: the snapshot was written ... */
    uint64_t snapshot_insns;   /* ... at this instruction count */
    bool timed_out;            /* the timeout stopped the run */
    size_t lines, lines_typed; /* input lines, and how many were released to the guest */
} ConsoleTapResult;

/* Install the tap on m (cfg's strings must outlive the run).  Exits with a
 * message if out of memory. */
void console_tap_start(Machine *m, const ConsoleTapConfig *cfg);
/* Report what happened and release the tap's state. */
void console_tap_finish(ConsoleTapResult *out);

#endif
