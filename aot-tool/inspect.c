/* inspect.c - `aot-tool inspect FILE [--all | --top N]`: print a profile's
 * header and a summary (blocks, code bytes, coverage, hottest blocks); a
 * Wasm file is handed to the bundle inspector (bundle.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aot.h"
#include "bundle.h"
#include "profile.h"

#define DEFAULT_TOP 10

static int cmp_hot(const void *a, const void *b)
{
    const ProfEntry *x = *(const ProfEntry *const *)a, *y = *(const ProfEntry *const *)b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return tb_key_cmp(&x->key, &y->key); /* total order: stable output */
}

static void print_entry(const ProfEntry *e)
{
    printf("  %14" PRIu64 "  %016" PRIx64 "  %016" PRIx64 "  %08x  %5u  %5u  %016" PRIx64 "\n",
           e->count, e->key.vpc, e->key.ppc, e->key.flags, e->ninsns, e->len, e->key.hash);
}

/* s between double quotes, with C escapes for '"', '\\' and control bytes. */
static void print_quoted(const char *s)
{
    putchar('"');
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '\n': fputs("\\n", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        case '"': fputs("\\\"", stdout); break;
        case '\\': fputs("\\\\", stdout); break;
        default:
            if (*c < 0x20 || *c == 0x7f)
                printf("\\x%02x", *c);
            else
                putchar(*c);
        }
    }
    putchar('"');
}

static void print_profile(const char *path, const Profile *p, size_t top)
{
    const ProfHeader *h = prof_header(p);
    printf("file: %s\n", path);
    printf("format: kiln profile, version %u\n", h->version);
    printf("flags:%s%s\n", h->flags & PROF_F_DETERMINISTIC ? " deterministic" : " realtime",
           h->flags & PROF_F_MERGED ? " merged" : "");
    printf("kiln version: %s\n", h->kiln_version);
    printf("kernel: %s (hash %016" PRIx64 ")\n", h->kernel_name, h->kernel_hash);
    if (!*h->bios)
        printf("bios: built-in\n");
    else if (!strcmp(h->bios, "none"))
        printf("bios: none\n");
    else
        printf("bios: %s (hash %016" PRIx64 ")\n", h->bios, h->bios_hash);
    if (*h->drive)
        printf("drive: %s (hash %016" PRIx64 ")\n", h->drive, h->drive_hash);
    else
        printf("drive: none\n");
    printf("append: %s\n", h->append);
    printf("mem: %" PRIu64 " MiB\n", h->mem_size >> 20);
    printf("stop: %s\n", h->stop);
    if (*h->snapshot_at) {
        printf("snapshot: ");
        print_quoted(h->snapshot_at);
        if (h->flags & PROF_F_MERGED) /* insns is the sum of the merged runs */
            printf(" at instruction %" PRIu64 " (of the first merged profile)\n",
                   h->snapshot_insns);
        else
            printf(" at instruction %" PRIu64 " (%" PRIu64 " more after it)\n", h->snapshot_insns,
                   h->insns - h->snapshot_insns);
        printf("input: ");
        print_quoted(h->input);
        putchar('\n');
    } else {
        printf("snapshot: none\n");
    }
    printf("min count: %" PRIu64 "\n", h->min_count);
    printf("instructions: %" PRIu64 "\n", h->insns);
    printf("block executions: %" PRIu64 "\n", h->tb_execs);

    size_t n = prof_count(p), n_after = 0;
    uint64_t code = 0, insns = 0, execs = 0, dyn_insns = 0, execs_after = 0;
    for (const ProfEntry *e = prof_first(p); e; e = prof_next(p, e)) {
        code += e->len;
        insns += e->ninsns;
        execs += e->count;
        dyn_insns += e->count * e->ninsns;
        n_after += e->count_after != 0;
        execs_after += e->count_after;
    }
    printf("blocks: %zu (%" PRIu64 " code bytes, %" PRIu64 " instructions)\n", n, code, insns);
    if (*h->snapshot_at)
        printf("after the snapshot: %zu blocks ran, %" PRIu64 " block executions\n", n_after,
               execs_after);
    printf("coverage: %.2f%% of block executions, %.2f%% of instructions\n",
           h->tb_execs ? 100.0 * (double)execs / (double)h->tb_execs : 0.0,
           h->insns ? 100.0 * (double)dyn_insns / (double)h->insns : 0.0);
    if (!n || !top)
        return;
    const ProfEntry **v = malloc(n * sizeof(*v));
    if (!v)
        return;
    size_t i = 0;
    for (const ProfEntry *e = prof_first(p); e; e = prof_next(p, e))
        v[i++] = e;
    if (top < n)
        qsort(v, n, sizeof(*v), cmp_hot);
    else
        top = n; /* --all: file (key) order */
    printf("%s blocks:\n", top < n ? "hottest" : "all");
    printf("  %14s  %-16s  %-16s  %-8s  %5s  %5s  %s\n", "count", "vpc", "ppc", "flags", "insns",
           "bytes", "hash");
    for (i = 0; i < top; i++)
        print_entry(v[i]);
    free(v);
}

static void inspect_usage(void)
{
    fprintf(stderr, "usage: aot-tool inspect FILE [--all | --top N]\n");
}

int aot_inspect_main(int argc, char **argv)
{
    const char *path = NULL;
    size_t top = DEFAULT_TOP;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            inspect_usage();
            return 0;
        } else if (!strcmp(argv[i], "--all")) {
            top = SIZE_MAX;
        } else if (!strcmp(argv[i], "--top") && i + 1 < argc) {
            char *end;
            top = (size_t)strtoull(argv[++i], &end, 10);
            if (*end || !*argv[i]) {
                fprintf(stderr, "aot-tool inspect: bad --top '%s'\n", argv[i]);
                return 2;
            }
        } else if (argv[i][0] == '-' || path) {
            inspect_usage();
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        inspect_usage();
        return 2;
    }
    FILE *f = fopen(path, "rb");
    unsigned char magic[4] = {0};
    if (f) {
        size_t k = fread(magic, 1, sizeof(magic), f);
        fclose(f);
        if (k == 4 && !memcmp(magic, "\0asm", 4))
            return aot_bundle_inspect(path);
    }
    Profile *p;
    char err[512];
    if (prof_load(path, &p, err, sizeof(err)) != 0) {
        fprintf(stderr, "aot-tool: %s\n", err);
        return 1;
    }
    print_profile(path, p, top);
    prof_free(p);
    return 0;
}
