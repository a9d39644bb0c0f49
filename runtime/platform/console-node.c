/* console-node.c - console.h for the Emscripten build (replaces hw/console.c,
 * which needs poll(2) and termios).  Same contract: raw terminal while
 * running, Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A.  Input is polled
 * without blocking through kiln-host.js, so it works although the runtime
 * loop never yields to the JS event loop; waits sleep in short slices. */
#include "hw/console.h"
#include "hw/console-escape.h"
#include "platform/host.h"

#define WAIT_SLICE_MS 10 /* input latency while the guest idles */

static unsigned char in_buf[256];
static int in_pos, in_len;
static bool input_eof;
static ConsoleEscape escape;

void console_init(void)
{
    kiln_host_console_init();
}

void console_restore(void)
{
    kiln_host_console_restore();
}

void console_write(const void *buf, size_t len)
{
    if (len)
        kiln_host_write(buf, len);
}

/* True if in_buf holds a byte (refilled from the host when empty). */
static bool input_ready(void)
{
    if (in_pos < in_len)
        return true;
    if (input_eof || escape.quit)
        return false;
    int n = kiln_host_read(in_buf, sizeof(in_buf));
    if (n < 0) {
        input_eof = true;
        return false;
    }
    in_pos = 0;
    in_len = n;
    return n > 0;
}

bool console_wait(int timeout_ms)
{
    for (;;) {
        if (input_ready())
            return true;
        if (timeout_ms <= 0)
            return false;
        /* Once input has ended only the caller's pace matters. */
        int slice = input_eof || timeout_ms < WAIT_SLICE_MS ? timeout_ms : WAIT_SLICE_MS;
        kiln_host_sleep_ms(slice);
        timeout_ms -= slice;
    }
}

int console_read(void)
{
    while (input_ready()) {
        unsigned char c = in_buf[in_pos++];
        int out = console_escape_feed(&escape, c);
        if (out >= 0)
            return out;
        if (escape.quit)
            return -1;
    }
    return -1;
}

bool console_quit_requested(void)
{
    return escape.quit;
}
