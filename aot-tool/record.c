/* record.c - `aot-tool profile`: boot the guest natively (deterministic by
 * default, TCI only), count executions per translated block through the
 * exec profiling hook, stop at a console marker or an instruction count,
 * and write the blocks that ran at least --min-count times to a .prof.
 * With --snapshot-at it also writes a VM snapshot at a console marker (the
 * machine's own snapshot code, as `kiln --snapshot-at`), then types input
 * and keeps recording, so the profile holds the blocks a restored run
 * executes too.  Files are written only if the whole run succeeds. */
#include "aot.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "console-tap.h"
#include "exec/exec.h"
#include "exec/tb-key.h"
#include "hw/machine.h"
#include "profile.h"
#include "riscv/cpu.h"
#include "util/file.h"
#include "util/size.h"

#ifndef KILN_VERSION
#define KILN_VERSION "unknown"
#endif

/* Every block by default: the bundle carries the ones that ran too few times
 * for Wasm as TCI images, so a boot with it translates (almost) nothing. */
#define DEFAULT_MIN_COUNT 1
/* Typed after the snapshot when --after-input is not given: what a demo
 * user does first at the restored prompt (the demo page itself presses
 * Enter once), with a short workload of the guest's shell. */
#define DEFAULT_INPUT "\\rhelp\\runame -a\\rls /\\rrun hello,bench-fp\\r"

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* FNV-1a 64 of a whole file (tb_hash_bytes of its contents), or a message. */
int aot_hash_file(const char *path, uint64_t *hash)
{
    int rc = file_hash(path, hash, NULL);
    if (rc)
        fprintf(stderr, "aot-tool: %s: cannot read: %s\n", path, strerror(-rc));
    return rc ? -1 : 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || *s == '-')
        return -1;
    *out = v;
    return 0;
}

/* The profiling sink's state: the profile and the machine it watches. */
typedef struct Recorder {
    Profile *p;
    Machine *m;
} Recorder;

/* A TB's report.  Reports come at TB cache flushes, and the machine
 * flushes the cache at the snapshot point (a safe point between TBs), so a
 * TB reported after that point, when more instructions have retired, was
 * translated and run after it: all its executions count as after it. */
static void record_tb(void *opaque, const ExecTBProfile *tb)
{
    Recorder *r = opaque;
    if (!tb->exec_count || !tb->size)
        return;
    uint64_t snap_insns;
    bool after =
        machine_snapshot_taken(r->m, &snap_insns) && machine_cpu(r->m)->icount > snap_insns;
    TBKey key = tb_key_make(tb->pc, tb->phys_pc, tb->flags, tb->bytes, tb->size);
    if (prof_add(r->p, &key, tb->ninsns, tb->bytes, tb->size, tb->exec_count,
                 after ? tb->exec_count : 0) != 0) {
        fprintf(stderr, "aot-tool: cannot record block at %#" PRIx64 " (out of memory?)\n", tb->pc);
        exit(1);
    }
}

static void usage(void)
{
    fprintf(
        stderr,
        "usage: aot-tool profile --kernel FILE [--bios FILE|none] [--append STR] [--mem SIZE]\n"
        "                        [--drive FILE] [--until MARKER] [--insns N] [--timeout SECONDS]\n"
        "                        [--snapshot-at MARKER --snapshot FILE [--after-input TEXT]]\n"
        "                        [--min-count N] [--realtime] [--quiet] -o OUT.prof\n"
        "  --until MARKER       stop when the console prints MARKER\n"
        "  --insns N            stop after N instructions; with a marker to wait for, fail\n"
        "                       if it has not appeared by then\n"
        "  --timeout SECONDS    fail if the run is not over after SECONDS of wall time\n"
        "  --snapshot-at MARKER write a VM snapshot to FILE at the first MARKER (as kiln\n"
        "                       --snapshot-at), then type TEXT one line per MARKER and keep\n"
        "                       recording; stop at --until MARKER2 (after the snapshot), by\n"
        "                       default at the MARKER after the last line\n"
        "  --after-input TEXT   escapes \\n \\r \\t \\e \\b \\\\ \\xHH; default \"%s\"\n",
        DEFAULT_INPUT);
}

typedef struct ProfileOptions {
    MachineConfig cfg;
    const char *until, *out;
    const char *snapshot_at, *snapshot, *after_input;
    char *input; /* after_input decoded (malloc'd) */
    uint64_t insns, min_count;
    double timeout;
    bool quiet;
    bool stop_after_input; /* snapshot mode without --until: stop at the last prompt */
} ProfileOptions;

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Decode the escapes of --after-input into a malloc'd string.  0, or -1
 * with a message. */
static int decode_input(const char *s, char **out)
{
    char *d = malloc(strlen(s) + 1), *w = d;
    if (!d) {
        fprintf(stderr, "aot-tool: out of memory\n");
        return -1;
    }
    for (const char *p = s; *p; p++) {
        if (*p != '\\') {
            *w++ = *p;
            continue;
        }
        char c = *++p;
        switch (c) {
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'e': *w++ = 0x1b; break;
        case 'b': *w++ = '\b'; break;
        case '\\': *w++ = '\\'; break;
        case 'x': {
            int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);
            int v = hi < 0 || lo < 0 ? 0 : hi << 4 | lo;
            if (!v) {
                fprintf(stderr,
                        "aot-tool profile: --after-input: \\x needs two hex digits, not 00\n");
                free(d);
                return -1;
            }
            *w++ = (char)v;
            p += 2;
            break;
        }
        default:
            fprintf(stderr,
                    "aot-tool profile: --after-input: unknown escape '\\%.1s' (known: \\n \\r "
                    "\\t \\e \\b \\\\ \\xHH)\n",
                    c ? p : "");
            free(d);
            return -1;
        }
    }
    *w = 0;
    *out = d;
    return 0;
}

/* 0 to run, 1 after --help, 2 on a bad command line (message printed). */
static int parse_options(int argc, char **argv, ProfileOptions *o)
{
    *o = (ProfileOptions){.cfg = {.ram_size = 256ull << 20, .deterministic = true},
                          .min_count = DEFAULT_MIN_COUNT};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_arg = i + 1 < argc;
#define ARG(name) (!strcmp(a, name) && has_arg && (a = argv[++i], 1))
        if (ARG("--kernel"))
            o->cfg.kernel = a;
        else if (ARG("--bios"))
            o->cfg.bios = a;
        else if (ARG("--append"))
            o->cfg.append = a;
        else if (ARG("--drive"))
            o->cfg.drive = a;
        else if (ARG("--until"))
            o->until = a;
        else if (ARG("-o"))
            o->out = a;
        else if (ARG("--snapshot-at"))
            o->snapshot_at = a;
        else if (ARG("--snapshot"))
            o->snapshot = a;
        else if (ARG("--after-input"))
            o->after_input = a;
        else if (ARG("--mem")) {
            if (parse_mem_size(a, &o->cfg.ram_size)) {
                fprintf(stderr, "aot-tool profile: bad memory size '%s' (e.g. 256M, 1G)\n", a);
                return 2;
            }
        } else if (ARG("--insns")) {
            if (parse_u64(a, &o->insns) || !o->insns) {
                fprintf(stderr, "aot-tool profile: bad instruction count '%s'\n", a);
                return 2;
            }
        } else if (ARG("--timeout")) {
            char *end;
            o->timeout = strtod(a, &end);
            if (end == a || *end || !(o->timeout > 0 && o->timeout < 1e9)) {
                fprintf(stderr, "aot-tool profile: bad --timeout '%s' (seconds > 0)\n", a);
                return 2;
            }
        } else if (ARG("--min-count")) {
            if (parse_u64(a, &o->min_count) || !o->min_count) {
                fprintf(stderr, "aot-tool profile: bad --min-count '%s' (>= 1)\n", a);
                return 2;
            }
        } else if (!strcmp(a, "--realtime"))
            o->cfg.deterministic = false;
        else if (!strcmp(a, "--quiet"))
            o->quiet = true;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage();
            return 1;
        } else {
            fprintf(stderr, "aot-tool profile: unknown option or missing argument: '%s'\n",
                    argv[i]);
            usage();
            return 2;
        }
#undef ARG
    }
    if (!o->cfg.kernel || !o->out) {
        fprintf(stderr, "aot-tool profile: --kernel and -o are required\n");
        usage();
        return 2;
    }
    if (o->until && !*o->until) {
        fprintf(stderr, "aot-tool profile: --until needs a non-empty marker\n");
        return 2;
    }
    if (!o->snapshot_at) {
        if (o->snapshot || o->after_input) {
            fprintf(stderr, "aot-tool profile: %s needs --snapshot-at MARKER\n",
                    o->snapshot ? "--snapshot" : "--after-input");
            return 2;
        }
        return 0;
    }
    if (!*o->snapshot_at) {
        fprintf(stderr, "aot-tool profile: --snapshot-at needs a non-empty marker\n");
        return 2;
    }
    if (!o->snapshot) {
        fprintf(stderr, "aot-tool profile: --snapshot-at needs --snapshot FILE\n");
        return 2;
    }
    if (!strcmp(o->snapshot, o->out)) {
        fprintf(stderr, "aot-tool profile: --snapshot and -o name the same file\n");
        return 2;
    }
    if (decode_input(o->after_input ? o->after_input : DEFAULT_INPUT, &o->input))
        return 2;
    size_t n = strlen(o->input);
    o->stop_after_input = !o->until && n && (o->input[n - 1] == '\r' || o->input[n - 1] == '\n');
    if (!o->until && !o->stop_after_input && !o->insns) {
        fprintf(stderr, "aot-tool profile: with --snapshot-at, the run needs an end: --until "
                        "MARKER2, --insns N, or an --after-input that ends with \\n or \\r\n");
        free(o->input);
        o->input = NULL;
        return 2;
    }
    return 0;
}

/* Why the run ended, for error messages. */
static void describe_end(char *buf, size_t len, const ProfileOptions *o, const ConsoleTapResult *tr,
                         int code, uint64_t insns)
{
    if (tr->timed_out)
        snprintf(buf, len, "the --timeout of %g s ran out after %" PRIu64 " instructions",
                 o->timeout, insns);
    else if (o->insns && insns >= o->insns)
        snprintf(buf, len, "the --insns limit of %" PRIu64 " instructions was reached", o->insns);
    else
        snprintf(buf, len, "the guest stopped after %" PRIu64 " instructions, exit code %d", insns,
                 code);
}

/* The run's outcome: 0 if the files can be written, else 1 with one
 * message naming what did not happen and why the run ended. */
static int check_outcome(const ProfileOptions *o, const ConsoleTapResult *tr, int code,
                         uint64_t insns)
{
    char why[160];
    describe_end(why, sizeof(why), o, tr, code, insns);
    const char *none = o->snapshot_at ? "no profile or snapshot written" : "no profile written";
    if (o->snapshot_at && !tr->snapshot_taken) {
        if (tr->prompt_seen && !tr->timed_out)
            fprintf(stderr,
                    "aot-tool profile: the snapshot at \"%s\" could not be written (see "
                    "above): %s\n",
                    o->snapshot_at, none);
        else
            fprintf(stderr,
                    "aot-tool profile: the snapshot marker \"%s\" never appeared (%s): %s\n",
                    o->snapshot_at, why, none);
        return 1;
    }
    if (o->snapshot_at && (o->until || o->stop_after_input) && !tr->stop_seen) {
        fprintf(stderr,
                "aot-tool profile: \"%s\" did not appear after the %s (%zu of %zu input lines "
                "typed; %s): %s\n",
                o->until ? o->until : o->snapshot_at, o->until ? "snapshot" : "last input line",
                tr->lines_typed, tr->lines, why, none);
        return 1;
    }
    if (!o->snapshot_at && o->until && !tr->stop_seen) {
        fprintf(stderr, "aot-tool profile: \"%s\" never appeared (%s): %s\n", o->until, why, none);
        return 1;
    }
    if (tr->timed_out && !tr->stop_seen) {
        fprintf(stderr, "aot-tool profile: %s: %s\n", why, none);
        return 1;
    }
    return 0;
}

/* "until:MARKER", "insns:N" or "exit" (malloc'd). */
static char *stop_string(const ProfileOptions *o)
{
    const char *until = o->until ? o->until : o->stop_after_input ? o->snapshot_at : NULL;
    char buf[32];
    if (until) {
        char *s = malloc(strlen(until) + sizeof("until:"));
        if (s)
            sprintf(s, "until:%s", until);
        return s;
    }
    if (o->insns)
        snprintf(buf, sizeof(buf), "insns:%" PRIu64, o->insns);
    else
        snprintf(buf, sizeof(buf), "exit");
    return strdup(buf);
}

/* Boot, record and write the files; the process exit status. */
static int profile_run(ProfileOptions *o, char *snap_tmp)
{
    MachineConfig cfg = o->cfg;
    ProfHeader h = {.flags = cfg.deterministic ? PROF_F_DETERMINISTIC : 0,
                    .mem_size = cfg.ram_size,
                    .min_count = o->min_count,
                    .kiln_version = KILN_VERSION,
                    .kernel_name = (char *)base_name(cfg.kernel),
                    .bios = (char *)(cfg.bios ? base_name(cfg.bios) : ""),
                    .append = (char *)(cfg.append ? cfg.append : ""),
                    .drive = (char *)(cfg.drive ? base_name(cfg.drive) : ""),
                    .snapshot_at = (char *)(o->snapshot_at ? o->snapshot_at : ""),
                    .input = o->input ? o->input : ""};
    if (aot_hash_file(cfg.kernel, &h.kernel_hash))
        return 1;
    if (cfg.bios && strcmp(cfg.bios, "none") && aot_hash_file(cfg.bios, &h.bios_hash))
        return 1;
    if (cfg.drive && aot_hash_file(cfg.drive, &h.drive_hash))
        return 1;
    if (snap_tmp) {
        /* Fail now, not after the boot, if the snapshot cannot be written. */
        FILE *f = fopen(snap_tmp, "wb");
        if (!f) {
            fprintf(stderr, "aot-tool: %s: cannot create: %s\n", o->snapshot, strerror(errno));
            return 1;
        }
        fclose(f);
        remove(snap_tmp);
        cfg.snapshot_at = o->snapshot_at;
        cfg.snapshot_path = snap_tmp;
    }
    h.stop = stop_string(o);
    Profile *p = h.stop ? prof_new(&h) : NULL;
    free(h.stop);
    if (!p) {
        fprintf(stderr, "aot-tool: out of memory\n");
        return 1;
    }
    Machine *m = machine_create(&cfg);
    if (!m) {
        prof_free(p);
        return 1;
    }
    ConsoleTapConfig tc = {.quiet = o->quiet,
                           .until = o->until,
                           .prompt = o->snapshot_at,
                           .input = o->input,
                           .stop_after_input = o->stop_after_input,
                           .timeout = o->timeout};
    console_tap_start(m, &tc);
    Recorder rec = {.p = p, .m = m};
    exec_set_tb_profiler(record_tb, &rec);
    ExecOptions eo = {.jit = false, .max_insns = o->insns};
    ExecStats st = {0};
    int code = exec_run(m, &eo, &st);
    exec_set_tb_profiler(NULL, NULL);
    ConsoleTapResult tr;
    console_tap_finish(&tr);
    machine_destroy(m);
    if (!o->quiet)
        fflush(stdout);

    if (check_outcome(o, &tr, code, st.insns)) {
        prof_free(p);
        return 1;
    }
    ProfHeader *ph = prof_header_mut(p);
    ph->insns = st.insns;
    ph->tb_execs = st.tbs_executed;
    ph->snapshot_insns = tr.snapshot_insns;
    char err[512];
    if (prof_normalize(p) != 0) {
        fprintf(stderr, "aot-tool profile: execution counts overflow\n");
        prof_free(p);
        return 1;
    }
    size_t all = prof_count(p);
    prof_prune(p, o->min_count);
    if (prof_save(p, o->out, err, sizeof(err)) != 0) {
        fprintf(stderr, "aot-tool: %s\n", err);
        prof_free(p);
        return 1;
    }
    if (snap_tmp && rename(snap_tmp, o->snapshot) != 0) {
        fprintf(stderr, "aot-tool: %s: cannot rename %s to it: %s\n", o->snapshot, snap_tmp,
                strerror(errno));
        remove(o->out);
        prof_free(p);
        return 1;
    }
    fprintf(stderr,
            "aot-tool profile: %" PRIu64 " instructions, %" PRIu64
            " block executions; %zu of %zu blocks ran >= %" PRIu64 " times -> %s\n",
            st.insns, st.tbs_executed, prof_count(p), all, o->min_count, o->out);
    if (snap_tmp)
        fprintf(stderr,
                "aot-tool profile: snapshot at \"%s\", instruction %" PRIu64 " -> %s; then %zu "
                "input lines typed, %" PRIu64 " instructions\n",
                o->snapshot_at, tr.snapshot_insns, o->snapshot, tr.lines_typed,
                st.insns - tr.snapshot_insns);
    prof_free(p);
    return 0;
}

int aot_profile_main(int argc, char **argv)
{
    ProfileOptions o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : 2;
    char *snap_tmp = NULL;
    if (o.snapshot) {
        /* The machine writes the snapshot here (kiln's code path); it is
         * renamed to the real name only once the whole run succeeded. */
        snap_tmp = malloc(strlen(o.snapshot) + sizeof(".part"));
        if (!snap_tmp) {
            fprintf(stderr, "aot-tool: out of memory\n");
            free(o.input);
            return 1;
        }
        sprintf(snap_tmp, "%s.part", o.snapshot);
    }
    rc = profile_run(&o, snap_tmp);
    if (snap_tmp) {
        remove(snap_tmp); /* left only by a failed run */
        free(snap_tmp);
    }
    free(o.input);
    return rc;
}
