/* console.h - the host side of the guest console (stdin/stdout).
 * Raw mode while running (restored at exit); Ctrl-A x quits, Ctrl-A Ctrl-A
 * sends a literal Ctrl-A, like QEMU's -nographic. */
#ifndef KILN_CONSOLE_H
#define KILN_CONSOLE_H
#include <stdbool.h>
#include <stddef.h>

void console_init(void);    /* raw mode if stdin is a tty */
void console_restore(void); /* idempotent; also installed with atexit */
void console_write(const void *buf, size_t len);
/* Next input byte, or -1 if none available now. */
int console_read(void);
/* True once the user typed Ctrl-A x. */
bool console_quit_requested(void);
/* Wait up to timeout_ms for input (0: just check).  True if a byte may be
 * ready; false on timeout or once input has ended. */
bool console_wait(int timeout_ms);

#endif
