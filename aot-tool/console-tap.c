/* console-tap.c - aot-tool's implementation of hw/console.h: guest output
 * is echoed (unless quiet) and scanned for a stop marker; there is no guest
 * input, so a profiled boot depends only on the guest image and options.
 * Linked instead of the runtime's console.c (which the archive then skips). */
#include "console-tap.h"
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hw/console.h"
#include "hw/machine.h"
#include "riscv/cpu.h"

static struct {
    bool quiet;
    const char *marker;
    size_t marker_len;
    char *window; /* the last marker_len output bytes (ring) */
    size_t pos, filled;
    bool seen;
    Machine *m;
} tap;

void console_tap_setup(Machine *m, const char *marker, bool quiet)
{
    tap.quiet = quiet;
    tap.m = m;
    tap.seen = false;
    tap.pos = tap.filled = 0;
    free(tap.window);
    tap.window = NULL;
    tap.marker = marker && *marker ? marker : NULL;
    tap.marker_len = tap.marker ? strlen(marker) : 0;
    if (tap.marker) {
        tap.window = malloc(tap.marker_len);
        if (!tap.window) {
            fprintf(stderr, "aot-tool: out of memory\n");
            exit(1);
        }
    }
}

bool console_tap_seen(void)
{
    return tap.seen;
}

/* True if the ring holds the marker (oldest byte at tap.pos). */
static bool window_matches(void)
{
    if (tap.filled < tap.marker_len)
        return false;
    for (size_t i = 0; i < tap.marker_len; i++)
        if (tap.window[(tap.pos + i) % tap.marker_len] != tap.marker[i])
            return false;
    return true;
}

void console_write(const void *buf, size_t len)
{
    if (!tap.quiet) {
        fwrite(buf, 1, len, stdout);
        fflush(stdout);
    }
    if (!tap.marker || tap.seen)
        return;
    const char *p = buf;
    for (size_t i = 0; i < len; i++) {
        tap.window[tap.pos] = p[i];
        tap.pos = (tap.pos + 1) % tap.marker_len;
        if (tap.filled < tap.marker_len)
            tap.filled++;
        if (window_matches()) {
            tap.seen = true;
            /* Stop at the dispatcher's next poll, which poll_request makes
             * the next TB boundary: a deterministic point. */
            machine_request_stop(tap.m, 0);
            machine_cpu(tap.m)->poll_request = true;
            return;
        }
    }
}

void console_init(void) {}

void console_restore(void) {}

int console_read(void)
{
    return -1;
}

bool console_quit_requested(void)
{
    return false;
}

bool console_wait(int timeout_ms)
{
    if (timeout_ms > 0) /* real-time mode: keep the caller's pace */
        poll(NULL, 0, timeout_ms);
    return false;
}
