/* console-escape.h - QEMU-style Ctrl-A escapes on console input, shared by
 * the native console (hw/console.c) and the Node one (platform/).
 * Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A, Ctrl-A <other> is dropped. */
#ifndef KILN_CONSOLE_ESCAPE_H
#define KILN_CONSOLE_ESCAPE_H
#include <stdbool.h>

#define CONSOLE_CTRL_A 0x01

typedef struct ConsoleEscape {
    bool pending; /* Ctrl-A seen, command byte next */
    bool quit;    /* Ctrl-A x seen */
} ConsoleEscape;

/* Feed one input byte: returns the byte for the guest, or -1 if the escape
 * logic consumed it. */
static inline int console_escape_feed(ConsoleEscape *e, unsigned char c)
{
    if (e->pending) {
        e->pending = false;
        if (c == 'x' || c == 'X') {
            e->quit = true;
            return -1;
        }
        return c == CONSOLE_CTRL_A ? CONSOLE_CTRL_A : -1;
    }
    if (c == CONSOLE_CTRL_A) {
        e->pending = true;
        return -1;
    }
    return c;
}

#endif
