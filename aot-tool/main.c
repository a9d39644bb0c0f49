/* main.c - aot-tool's command line: `aot-tool profile|merge|inspect|bundle`.
 * Each subcommand parses its own options (record.c, inspect.c, bundle.c);
 * merge is small enough to live here. */
#include <stdio.h>
#include <string.h>
#include "aot.h"
#include "bundle.h"
#include "profile.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: aot-tool profile --kernel FILE [options] -o OUT.prof\n"
               "       aot-tool merge A.prof B.prof [more.prof...] -o OUT.prof\n"
               "       aot-tool inspect FILE [--all | --top N]\n"
               "       aot-tool bundle PROFILE -o OUT.kbundle.wasm [-O0..-O3]\n"
               "run `aot-tool SUBCOMMAND --help` for a subcommand's options\n");
}

static void merge_usage(void)
{
    fprintf(stderr, "usage: aot-tool merge A.prof B.prof [more.prof...] -o OUT.prof\n"
                    "  sums the counts of the same blocks; the profiles must be of the same guest\n"
                    "  image and machine\n");
}

int aot_merge_main(int argc, char **argv)
{
    const char *out = NULL, *in[64];
    int nin = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            merge_usage();
            return 0;
        } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (argv[i][0] == '-' || nin == 64) {
            merge_usage();
            return 2;
        } else {
            in[nin++] = argv[i];
        }
    }
    if (!out || nin < 2) {
        merge_usage();
        return 2;
    }
    char err[512];
    Profile *acc;
    if (prof_load(in[0], &acc, err, sizeof(err)) != 0) {
        fprintf(stderr, "aot-tool: %s\n", err);
        return 1;
    }
    for (int i = 1; i < nin; i++) {
        Profile *b, *m;
        if (prof_load(in[i], &b, err, sizeof(err)) != 0) {
            fprintf(stderr, "aot-tool: %s\n", err);
            prof_free(acc);
            return 1;
        }
        int rc = prof_merge(acc, b, &m, err, sizeof(err));
        prof_free(b);
        if (rc != 0) {
            fprintf(stderr, "aot-tool: %s (%s + %s)\n", err, in[0], in[i]);
            prof_free(acc);
            return 1;
        }
        prof_free(acc);
        acc = m;
    }
    int rc = prof_save(acc, out, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "aot-tool: %s\n", err);
    prof_free(acc);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "profile"))
        return aot_profile_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "merge"))
        return aot_merge_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "inspect"))
        return aot_inspect_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "bundle"))
        return aot_bundle_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "aot-tool: unknown subcommand '%s'\n", cmd);
    usage(stderr);
    return 2;
}
