/* host.h - the JS side of the Emscripten build (kiln-host.js), as C sees it.
 * Only code under runtime/platform/ calls these; everything else reaches the
 * host through console.h.  All calls are synchronous and never throw. */
#ifndef KILN_PLATFORM_HOST_H
#define KILN_PLATFORM_HOST_H
#include <stddef.h>

/* Console output: writes all len bytes to the host's stdout, in order. */
void kiln_host_write(const void *buf, size_t len);
/* Sets up console input (raw mode when stdin is a terminal).  Idempotent. */
void kiln_host_console_init(void);
/* Leaves raw mode.  Idempotent; Node also restores the terminal at exit. */
void kiln_host_console_restore(void);
/* Reads up to len bytes of console input without blocking.  Returns the
 * count (> 0), 0 if none is available now, -1 once input has ended. */
int kiln_host_read(void *buf, size_t len);
/* Blocks the calling thread for ms milliseconds (Atomics.wait). */
void kiln_host_sleep_ms(int ms);

#endif
