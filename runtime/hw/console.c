/* console.c - host side of the guest console (see console.h).
 * stdin a tty: raw mode (restored at exit and on SIGINT/SIGTERM/SIGHUP),
 * Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A, other Ctrl-A commands are
 * dropped.  stdin not a tty: bytes pass through (the same Ctrl-A escapes
 * apply) and end of input just means no more bytes.  Output is written
 * unbuffered with write(2), in order, retrying partial writes. */
#include "hw/console.h"
#include "hw/console-escape.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>


static struct termios saved_tio;
static volatile sig_atomic_t raw_active;
static bool input_eof;
static ConsoleEscape escape;
static bool initialised;

void console_restore(void)
{
    if (raw_active) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
        raw_active = 0;
    }
}

static void on_signal(int sig)
{
    /* tcsetattr is async-signal-safe; then die of the signal as usual. */
    if (raw_active) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
        raw_active = 0;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void console_init(void)
{
    if (initialised)
        return;
    initialised = true;
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) != 0)
        return;
    struct termios raw = saved_tio;
    raw.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_oflag &= ~(tcflag_t)OPOST;
    raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0)
        return;
    raw_active = 1;
    atexit(console_restore);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

void console_write(const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = STDOUT_FILENO, .events = POLLOUT};
            poll(&pfd, 1, -1);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return; /* stdout is gone: nothing sensible left to do */
        }
    }
}

bool console_wait(int timeout_ms)
{
    if (!input_eof && !escape.quit) {
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        int r = poll(&pfd, 1, timeout_ms);
        if (r > 0 && !(pfd.revents & POLLNVAL))
            return true; /* data, hang-up or error: console_read finds out */
        if (r == 0 || (r < 0 && errno == EINTR))
            return false;
        input_eof = true; /* stdin closed or unusable: no more input */
    }
    if (timeout_ms > 0)
        poll(NULL, 0, timeout_ms); /* keep the caller's pace: no busy loop */
    return false;
}

int console_read(void)
{
    while (console_wait(0)) {
        unsigned char c;
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            return -1;
        if (n <= 0) {
            input_eof = true;
            return -1;
        }
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
