/* record.c - `aot-tool profile`: boot the guest natively (deterministic by
 * default, TCI only), count executions per translated block through the
 * exec profiling hook, stop at a console marker or an instruction count,
 * and write the blocks that ran at least --min-count times to a .prof. */
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
#include "util/file.h"

#ifndef KILN_VERSION
#define KILN_VERSION "unknown"
#endif

#define DEFAULT_MIN_COUNT 2

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

/* Same syntax as kiln --mem: N[K|M|G][B|iB], default unit M. */
static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-')
        return -1;
    uint64_t mul = 1ull << 20;
    if (*end) {
        switch (*end) {
        case 'k':
        case 'K': mul = 1ull << 10; break;
        case 'm':
        case 'M': mul = 1ull << 20; break;
        case 'g':
        case 'G': mul = 1ull << 30; break;
        default: return -1;
        }
        const char *t = end + 1;
        if (*t && strcmp(t, "B") && strcmp(t, "b") && strcmp(t, "iB"))
            return -1;
    }
    if (v == 0 || v > (1ull << 40) / mul)
        return -1;
    *out = v * mul;
    return 0;
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

static void record_tb(void *opaque, const ExecTBProfile *tb)
{
    Profile *p = opaque;
    if (!tb->exec_count || !tb->size)
        return;
    TBKey key = tb_key_make(tb->pc, tb->phys_pc, tb->flags, tb->bytes, tb->size);
    if (prof_add(p, &key, tb->ninsns, tb->bytes, tb->size, tb->exec_count) != 0) {
        fprintf(stderr, "aot-tool: cannot record block at %#" PRIx64 " (out of memory?)\n", tb->pc);
        exit(1);
    }
}

static void usage(void)
{
    fprintf(stderr,
            "usage: aot-tool profile --kernel FILE [--bios FILE|none] [--append STR] [--mem SIZE]\n"
            "                        [--drive FILE] [--until MARKER | --insns N] [--min-count N]\n"
            "                        [--realtime] [--quiet] -o OUT.prof\n");
}

int aot_profile_main(int argc, char **argv)
{
    MachineConfig cfg = {.ram_size = 256ull << 20, .deterministic = true};
    const char *until = NULL, *out = NULL;
    uint64_t insns = 0, min_count = DEFAULT_MIN_COUNT;
    bool quiet = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_arg = i + 1 < argc;
#define ARG(name) (!strcmp(a, name) && has_arg && (a = argv[++i], 1))
        if (ARG("--kernel"))
            cfg.kernel = a;
        else if (ARG("--bios"))
            cfg.bios = a;
        else if (ARG("--append"))
            cfg.append = a;
        else if (ARG("--drive"))
            cfg.drive = a;
        else if (ARG("--until"))
            until = a;
        else if (ARG("-o"))
            out = a;
        else if (ARG("--mem")) {
            if (parse_size(a, &cfg.ram_size)) {
                fprintf(stderr, "aot-tool profile: bad memory size '%s' (e.g. 256M, 1G)\n", a);
                return 2;
            }
        } else if (ARG("--insns")) {
            if (parse_u64(a, &insns) || !insns) {
                fprintf(stderr, "aot-tool profile: bad instruction count '%s'\n", a);
                return 2;
            }
        } else if (ARG("--min-count")) {
            if (parse_u64(a, &min_count) || !min_count) {
                fprintf(stderr, "aot-tool profile: bad --min-count '%s' (>= 1)\n", a);
                return 2;
            }
        } else if (!strcmp(a, "--realtime"))
            cfg.deterministic = false;
        else if (!strcmp(a, "--quiet"))
            quiet = true;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage();
            return 0;
        } else {
            fprintf(stderr, "aot-tool profile: unknown option or missing argument: '%s'\n",
                    argv[i]);
            usage();
            return 2;
        }
#undef ARG
    }
    if (!cfg.kernel || !out) {
        fprintf(stderr, "aot-tool profile: --kernel and -o are required\n");
        usage();
        return 2;
    }
    if (until && insns) {
        fprintf(stderr, "aot-tool profile: --until and --insns exclude each other\n");
        return 2;
    }

    ProfHeader h = {.flags = cfg.deterministic ? PROF_F_DETERMINISTIC : 0,
                    .mem_size = cfg.ram_size,
                    .min_count = min_count,
                    .kiln_version = KILN_VERSION,
                    .kernel_name = (char *)base_name(cfg.kernel),
                    .bios = (char *)(cfg.bios ? base_name(cfg.bios) : ""),
                    .append = (char *)(cfg.append ? cfg.append : ""),
                    .drive = (char *)(cfg.drive ? base_name(cfg.drive) : "")};
    if (aot_hash_file(cfg.kernel, &h.kernel_hash))
        return 1;
    if (cfg.bios && strcmp(cfg.bios, "none") && aot_hash_file(cfg.bios, &h.bios_hash))
        return 1;
    if (cfg.drive && aot_hash_file(cfg.drive, &h.drive_hash))
        return 1;
    char stop[64];
    char *stop_str;
    if (until) {
        stop_str = malloc(strlen(until) + 7);
        if (!stop_str)
            return 1;
        sprintf(stop_str, "until:%s", until);
    } else {
        if (insns)
            snprintf(stop, sizeof(stop), "insns:%" PRIu64, insns);
        else
            snprintf(stop, sizeof(stop), "exit");
        stop_str = stop;
    }
    h.stop = stop_str;

    Profile *p = prof_new(&h);
    if (stop_str != stop)
        free(stop_str);
    if (!p) {
        fprintf(stderr, "aot-tool: out of memory\n");
        return 1;
    }
    Machine *m = machine_create(&cfg);
    if (!m) {
        prof_free(p);
        return 1;
    }
    console_tap_setup(m, until, quiet);
    exec_set_tb_profiler(record_tb, p);
    ExecOptions eo = {.jit = false, .max_insns = insns};
    ExecStats st = {0};
    int code = exec_run(m, &eo, &st);
    exec_set_tb_profiler(NULL, NULL);
    machine_destroy(m);
    bool seen = console_tap_seen();
    console_tap_setup(NULL, NULL, quiet); /* frees the marker window */
    if (!quiet)
        fflush(stdout);

    if (until && !seen) {
        fprintf(stderr,
                "aot-tool profile: the guest stopped (exit code %d after %" PRIu64
                " instructions) before printing \"%s\": no profile written\n",
                code, st.insns, until);
        prof_free(p);
        return 1;
    }
    ProfHeader *ph = prof_header_mut(p);
    ph->insns = st.insns;
    ph->tb_execs = st.tbs_executed;
    char err[512];
    if (prof_normalize(p) != 0) {
        fprintf(stderr, "aot-tool profile: execution counts overflow\n");
        prof_free(p);
        return 1;
    }
    size_t all = prof_count(p);
    prof_prune(p, min_count);
    if (prof_save(p, out, err, sizeof(err)) != 0) {
        fprintf(stderr, "aot-tool: %s\n", err);
        prof_free(p);
        return 1;
    }
    fprintf(stderr,
            "aot-tool profile: %" PRIu64 " instructions, %" PRIu64
            " block executions; %zu of %zu blocks ran >= %" PRIu64 " times -> %s\n",
            st.insns, st.tbs_executed, prof_count(p), all, min_count, out);
    prof_free(p);
    return 0;
}
