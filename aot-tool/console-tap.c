/* console-tap.c - aot-tool's implementation of hw/console.h: guest output
 * is echoed (unless quiet) and scanned for a stop marker; guest input is
 * only the text typed after a snapshot (console-tap.h), so a profiled run
 * depends only on the guest image and options.  Linked instead of the
 * runtime's console.c (which the archive then skips). */
#include "console-tap.h"
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hw/console.h"
#include "hw/machine.h"
#include "riscv/cpu.h"

/* Substring matcher over a byte stream (KMP: no re-scan of the output). */
typedef struct Matcher {
    const char *s;
    size_t len, pos; /* len 0: matches nothing */
    size_t *fail;
} Matcher;

static struct {
    ConsoleTapConfig cfg;
    Machine *m;
    Matcher until, prompt;
    bool after;             /* past the snapshot point (always, without a snapshot) */
    const char *next, *end; /* input still to type: [next, released) is typeable now */
    const char *released;
    uint64_t deadline_ns; /* 0: no timeout */
    ConsoleTapResult r;
} tap;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "aot-tool: out of memory\n");
        exit(1);
    }
    return p;
}

static void matcher_init(Matcher *mt, const char *s)
{
    *mt = (Matcher){.s = s, .len = s ? strlen(s) : 0};
    if (!mt->len)
        return;
    mt->fail = xmalloc(mt->len * sizeof(*mt->fail));
    mt->fail[0] = 0;
    for (size_t i = 1, k = 0; i < mt->len; i++) {
        while (k && s[i] != s[k])
            k = mt->fail[k - 1];
        if (s[i] == s[k])
            k++;
        mt->fail[i] = k;
    }
}

/* Feed one output byte; true when it completes an occurrence. */
static bool matcher_feed(Matcher *mt, char c)
{
    if (!mt->len)
        return false;
    while (mt->pos && mt->s[mt->pos] != c)
        mt->pos = mt->fail[mt->pos - 1];
    if (mt->s[mt->pos] == c)
        mt->pos++;
    if (mt->pos < mt->len)
        return false;
    mt->pos = mt->fail[mt->len - 1];
    return true;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* End the run at the dispatcher's next poll, which poll_request makes the
 * next TB boundary: a deterministic point. */
static void stop_run(void)
{
    machine_request_stop(tap.m, 0);
    machine_cpu(tap.m)->poll_request = true;
}

static void check_timeout(void)
{
    if (tap.deadline_ns && !tap.r.timed_out && !tap.r.stop_seen && now_ns() >= tap.deadline_ns) {
        tap.r.timed_out = true;
        stop_run();
    }
}

/* Make the next input line typeable; false if every line already is. */
static bool release_line(void)
{
    if (tap.released == tap.end)
        return false;
    const char *p = tap.released;
    while (p < tap.end && *p != '\r' && *p != '\n')
        p++;
    tap.released = p < tap.end ? p + 1 : p;
    tap.r.lines_typed++;
    return true;
}

/* Snapshot mode: notice that the machine wrote the snapshot (it also
 * flushed the TB cache then, so the rest of the run translates from an
 * empty cache like a runtime that restores it).  From now on the input is
 * typed and the prompts counted. */
static void check_snapshot(void)
{
    if (tap.after || !machine_snapshot_taken(tap.m, &tap.r.snapshot_insns))
        return;
    tap.after = true;
    tap.r.snapshot_taken = true;
    tap.prompt.pos = 0; /* count only the prompts after it */
    release_line();
}

void console_tap_start(Machine *m, const ConsoleTapConfig *cfg)
{
    memset(&tap, 0, sizeof(tap));
    tap.cfg = *cfg;
    tap.m = m;
    matcher_init(&tap.until, cfg->until);
    matcher_init(&tap.prompt, cfg->prompt);
    tap.after = !cfg->prompt;
    const char *in = cfg->input ? cfg->input : "";
    tap.next = tap.released = in;
    tap.end = in + strlen(in);
    for (const char *p = in; p < tap.end; p++)
        if (*p == '\r' || *p == '\n' || p + 1 == tap.end)
            tap.r.lines++;
    if (cfg->timeout > 0)
        tap.deadline_ns = now_ns() + (uint64_t)(cfg->timeout * 1e9);
    if (cfg->prompt && cfg->restored) { /* the TB cache is empty already */
        tap.after = tap.r.snapshot_taken = true;
        tap.r.snapshot_insns = machine_cpu(m)->icount;
        release_line();
    }
}

void console_tap_finish(ConsoleTapResult *out)
{
    /* The run may end at the poll that wrote the snapshot (--insns). */
    if (tap.m && !tap.after && machine_snapshot_taken(tap.m, &tap.r.snapshot_insns))
        tap.r.snapshot_taken = true;
    if (out)
        *out = tap.r;
    free(tap.until.fail);
    free(tap.prompt.fail);
    memset(&tap, 0, sizeof(tap));
}

void console_write(const void *buf, size_t len)
{
    if (!tap.cfg.quiet) {
        fwrite(buf, 1, len, stdout);
        fflush(stdout);
    }
    if (!tap.m || tap.r.stop_seen)
        return;
    check_timeout();
    check_snapshot();
    const char *p = buf;
    for (size_t i = 0; i < len; i++) {
        bool prompt = matcher_feed(&tap.prompt, p[i]);
        if (prompt)
            tap.r.prompt_seen = true;
        if (!tap.after)
            continue;
        if (matcher_feed(&tap.until, p[i])) {
            tap.r.stop_seen = true;
            stop_run();
            return;
        }
        if (prompt && !release_line() && tap.cfg.stop_after_input && tap.next == tap.end) {
            tap.r.stop_seen = true;
            stop_run();
            return;
        }
    }
}

void console_init(void) {}

void console_restore(void) {}

int console_read(void)
{
    if (!tap.m)
        return -1;
    check_timeout();
    check_snapshot();
    if (tap.next == tap.released)
        return -1;
    return (unsigned char)*tap.next++;
}

bool console_quit_requested(void)
{
    return false;
}

bool console_wait(int timeout_ms)
{
    if (tap.m) {
        check_timeout();
        check_snapshot();
        if (tap.next != tap.released)
            return true;
    }
    if (timeout_ms > 0) /* real-time mode: keep the caller's pace */
        poll(NULL, 0, timeout_ms);
    return false;
}
