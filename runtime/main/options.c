/* options.c - parse `kiln [run] OPTIONS`.  Every option is one row of
 * OPTION_TABLE (native name, QEMU name, argument, help); errors name the
 * offending option and exit status 2 follows. */
#include "main/options.h"
#include "util/size.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* X(id, native, qemu, takes_arg, metavar, help) */
#define OPTION_TABLE(X)                                                                            \
    X(KERNEL, "--kernel", "-kernel", 1, "FILE", "guest kernel: Linux Image or ELF")                \
    X(BIOS, "--bios", "-bios", 1, "FILE|none", "M-mode firmware (default: built-in SBI)")          \
    X(APPEND, "--append", "-append", 1, "STR", "kernel command line")                              \
    X(MEM, "--mem", "-m", 1, "SIZE", "RAM size, e.g. 256M, 1G (default 256M)")                     \
    X(DRIVE, "--drive", "-drive", 1, "FILE", "raw disk image for virtio-blk")                      \
    X(RNG, "--rng", NULL, 0, NULL, "add a virtio-rng device")                                      \
    X(DETERMINISTIC, "--deterministic", NULL, 0, NULL, "time from retired instructions")           \
    X(STATS, "--stats", NULL, 0, NULL, "print execution statistics at exit")                       \
    X(MAX_INSNS, "--max-insns", NULL, 1, "N", "stop after N guest instructions")                   \
    X(JIT_THRESHOLD, "--jit-threshold", NULL, 1, "N",                                              \
      "JIT a block after N runs (1: all; Wasm build)")                                             \
    X(JIT_BATCH, "--jit-batch", NULL, 1, "N", "blocks per JIT module (Wasm build)")                \
    X(NO_JIT, "--no-jit", NULL, 0, NULL, "run every block on the interpreter (TCI)")               \
    X(JIT_STRESS, "--jit-stress", NULL, 0, NULL, "JIT every block before its first run (tests)")   \
    X(JIT_CORRUPT, "--jit-test-corrupt", NULL, 0, NULL, "test: make every JIT module invalid")     \
    X(BUNDLE, "--bundle", NULL, 1, "FILE", "AOT bundle of compiled blocks (aot-tool bundle)")      \
    X(SNAPSHOT_AT, "--snapshot-at", NULL, 1, "MARKER", "snapshot once the console prints MARKER")  \
    X(SNAPSHOT, "--snapshot", NULL, 1, "FILE", "... into FILE (docs/snapshot-format.md)")          \
    X(SNAPSHOT_EXIT, "--snapshot-exit", NULL, 0, NULL,                                             \
      "stop (exit 0) once the snapshot is written")                                                \
    X(RESTORE, "--restore", NULL, 1, "FILE", "resume a snapshot (its config fills in the rest)")   \
    X(DUMP_IR, "--dump-ir", NULL, 0, NULL, "print the IR of each translated block")                \
    X(TRACE, "--trace-tbs", NULL, 0, NULL, "print each executed block")                            \
    X(MACHINE, NULL, "-M", 1, "virt", "machine type (only virt)")                                  \
    X(SMP, NULL, "-smp", 1, "1", "number of harts (only 1)")                                       \
    X(NOGRAPHIC, NULL, "-nographic", 0, NULL, "accepted; the console is always stdio")             \
    X(NOREBOOT, NULL, "-no-reboot", 0, NULL, "accepted; a guest reboot always exits")              \
    X(DEVICE, NULL, "-device", 1, "virtio-rng-device", "add a device (virtio-rng-device)")         \
    X(HELP, "--help", "-h", 0, NULL, "show this help")                                             \
    X(VERSION, "--version", "-version", 0, NULL, "show the version")

enum OptionId {
#define X(id, n, q, a, m, h) OPT_##id,
    OPTION_TABLE(X)
#undef X
};

static const struct OptionDef {
    const char *native, *qemu;
    int takes_arg;
    const char *metavar, *help;
} option_defs[] = {
#define X(id, n, q, a, m, h) {n, q, a, m, h},
    OPTION_TABLE(X)
#undef X
};

#define NB_OPTIONS (sizeof(option_defs) / sizeof(option_defs[0]))

static void print_help(void)
{
    printf("usage: kiln run --kernel FILE [options]\n"
           "       kiln -M virt -m 256M -nographic -kernel FILE [-append STR] [-bios FILE|none]\n"
           "            [-drive file=FILE,format=raw,if=virtio]\n\noptions:\n");
    for (unsigned i = 0; i < NB_OPTIONS; i++) {
        const struct OptionDef *d = &option_defs[i];
        char names[64];
        snprintf(names, sizeof(names), "%s%s%s %s", d->native ? d->native : "",
                 d->native && d->qemu ? ", " : "", d->qemu ? d->qemu : "",
                 d->metavar ? d->metavar : "");
        printf("  %-34s %s\n", names, d->help);
    }
    printf("\nConsole: the guest's UART on stdin/stdout; Ctrl-A x quits.\n"
           "Exit status: the guest's power-off code.\n");
}

/* QEMU -drive: file=F[,format=raw][,if=virtio|none][,id=...]. */
static int parse_drive(const char *s, const char **file)
{
    if (!strchr(s, '=')) {
        *file = s;
        return 0;
    }
    char *copy = strdup(s), *save = NULL;
    int rc = 0;
    *file = NULL;
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        if (!strncmp(kv, "file=", 5)) {
            *file = strdup(kv + 5);
        } else if (!strncmp(kv, "format=", 7)) {
            if (strcmp(kv + 7, "raw")) {
                fprintf(stderr, "kiln: -drive: format '%s' is not supported (only raw)\n", kv + 7);
                rc = -1;
            }
        } else if (!strncmp(kv, "if=", 3)) {
            if (strcmp(kv + 3, "virtio") && strcmp(kv + 3, "none")) {
                fprintf(stderr, "kiln: -drive: interface '%s' is not supported (only virtio)\n",
                        kv + 3);
                rc = -1;
            }
        } else if (strncmp(kv, "id=", 3) && strncmp(kv, "media=", 6)) {
            fprintf(stderr, "kiln: -drive: unknown parameter '%s'\n", kv);
            rc = -1;
        }
    }
    free(copy);
    if (!rc && !*file) {
        fprintf(stderr, "kiln: -drive: missing file=\n");
        rc = -1;
    }
    return rc;
}

/* A decimal or 0x count up to max. */
static int parse_count(const char *s, uint64_t *out, uint64_t max)
{
    char *end;
    if (!*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int find_option(const char *arg)
{
    for (unsigned i = 0; i < NB_OPTIONS; i++) {
        const struct OptionDef *d = &option_defs[i];
        if ((d->native && !strcmp(arg, d->native)) || (d->qemu && !strcmp(arg, d->qemu)))
            return (int)i;
        /* QEMU also accepts --name for -name. */
        if (d->qemu && arg[0] == '-' && arg[1] == '-' && !strcmp(arg + 1, d->qemu))
            return (int)i;
    }
    return -1;
}

int options_parse(int argc, char **argv, KilnOptions *o)
{
    memset(o, 0, sizeof(*o));
    o->machine.ram_size = 256ull << 20;
    o->exec.jit = true;
    bool ram_given = false;
    int i = 1;
    if (i < argc && !strcmp(argv[i], "run"))
        i++;
    for (; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        char name[64];
        const char *eq = strchr(arg, '=');
        /* --opt=value form for native options */
        if (eq && arg[0] == '-' && arg[1] == '-' && (size_t)(eq - arg) < sizeof(name)) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = 0;
            val = eq + 1;
            arg = name;
        }
        int id = find_option(arg);
        if (id < 0) {
            fprintf(stderr, "kiln: unknown option '%s' (try --help)\n", argv[i]);
            return -1;
        }
        if (option_defs[id].takes_arg && !val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "kiln: option '%s' needs an argument (%s)\n", arg,
                        option_defs[id].metavar);
                return -1;
            }
            val = argv[++i];
        } else if (!option_defs[id].takes_arg && val) {
            fprintf(stderr, "kiln: option '%s' takes no argument\n", arg);
            return -1;
        }
        switch ((enum OptionId)id) {
        case OPT_KERNEL: o->machine.kernel = val; break;
        case OPT_BIOS: o->machine.bios = strcmp(val, "default") ? val : NULL; break;
        case OPT_APPEND: o->machine.append = val; break;
        case OPT_MEM:
            ram_given = true;
            if (parse_mem_size(val, &o->machine.ram_size)) {
                fprintf(stderr, "kiln: bad memory size '%s' (e.g. 256M, 1G)\n", val);
                return -1;
            }
            break;
        case OPT_DRIVE:
            if (parse_drive(val, &o->machine.drive))
                return -1;
            break;
        case OPT_RNG: o->machine.rng = true; break;
        case OPT_DETERMINISTIC: o->machine.deterministic = true; break;
        case OPT_STATS: o->stats = true; break;
        case OPT_MAX_INSNS:
            if (parse_count(val, &o->exec.max_insns, ~0ull)) {
                fprintf(stderr, "kiln: bad instruction count '%s'\n", val);
                return -1;
            }
            break;
        case OPT_JIT_THRESHOLD:
        case OPT_JIT_BATCH: {
            uint64_t v;
            if (parse_count(val, &v, id == OPT_JIT_BATCH ? 256 : 0xffffffffu) || v == 0) {
                fprintf(stderr, "kiln: bad value '%s' for %s (a count >= 1%s)\n", val, arg,
                        id == OPT_JIT_BATCH ? ", at most 256" : "");
                return -1;
            }
            if (id == OPT_JIT_BATCH)
                o->exec.jit_batch = (unsigned)v;
            else
                o->exec.jit_threshold = (unsigned)v;
            break;
        }
        case OPT_NO_JIT: o->exec.jit = false; break;
        case OPT_JIT_STRESS: o->exec.jit_stress = true; break;
        case OPT_JIT_CORRUPT: o->exec.jit_corrupt = true; break;
        case OPT_BUNDLE: o->exec.bundle = val; break;
        case OPT_SNAPSHOT_AT: o->machine.snapshot_at = val; break;
        case OPT_SNAPSHOT: o->machine.snapshot_path = val; break;
        case OPT_SNAPSHOT_EXIT: o->machine.snapshot_exit = true; break;
        case OPT_RESTORE: o->machine.restore = val; break;
        case OPT_DUMP_IR: o->exec.dump_ir = true; break;
        case OPT_TRACE: o->exec.trace_tbs = true; break;
        case OPT_MACHINE:
            if (strcmp(val, "virt") && strncmp(val, "virt,", 5)) {
                fprintf(stderr, "kiln: machine '%s' is not supported (only virt)\n", val);
                return -1;
            }
            break;
        case OPT_SMP:
            if (strcmp(val, "1") && strcmp(val, "cpus=1")) {
                fprintf(stderr, "kiln: -smp %s is not supported (one hart only)\n", val);
                return -1;
            }
            break;
        case OPT_NOGRAPHIC:
        case OPT_NOREBOOT: break;
        case OPT_DEVICE:
            if (strcmp(val, "virtio-rng-device") && strcmp(val, "virtio-rng")) {
                fprintf(stderr, "kiln: device '%s' is not supported (virtio-rng-device)\n", val);
                return -1;
            }
            o->machine.rng = true;
            break;
        case OPT_HELP: print_help(); return 1;
        case OPT_VERSION: printf("kiln 0.1.0\n"); return 1;
        }
    }
    if (!o->machine.snapshot_at != !o->machine.snapshot_path ||
        (o->machine.snapshot_exit && !o->machine.snapshot_at)) {
        fprintf(stderr, "kiln: --snapshot-at MARKER and --snapshot FILE go together "
                        "(--snapshot-exit needs both)\n");
        return -1;
    }
    if (o->machine.snapshot_at && !*o->machine.snapshot_at) {
        fprintf(stderr, "kiln: --snapshot-at: empty marker\n");
        return -1;
    }
    /* A snapshot names its guest: kernel, firmware, RAM size, mode, devices. */
    if (o->machine.restore && machine_snapshot_peek(o->machine.restore, &o->machine, ram_given))
        return -1;
    if (!o->machine.kernel) {
        fprintf(stderr, "kiln: no kernel given (--kernel FILE)\n");
        return -1;
    }
    o->exec.image_kernel = o->machine.kernel;
    o->exec.image_bios = o->machine.bios;
    o->exec.image_known = o->machine.image_known;
    o->exec.image_kernel_hash = o->machine.image_kernel_hash;
    o->exec.image_bios_hash = o->machine.image_bios_hash;
    return 0;
}
