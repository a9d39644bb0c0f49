/* test-snapshot-keys.c - the blocks that `aot-tool profile --snapshot-at`
 * records after the snapshot point are exactly those a runtime executes
 * after restoring that snapshot: same keys (vpc, ppc, flags, code hash),
 * same lengths, same counts.  Three deterministic runs of the shell guest:
 *   full      aot-tool profile --snapshot-at 'guest# ' (default input)
 *   boot      the same boot, stopped at the snapshot point (--insns of
 *             full's snapshot instruction count, no input)
 *   restored  a machine restored from full's snapshot file (fresh TB cache,
 *             as in the browser), the same input typed the same way
 * For every block: count(full) == count(boot) + count(restored).
 *   usage: test-snapshot-keys IMAGE WORKDIR */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aot.h"
#include "console-tap.h"
#include "exec/exec.h"
#include "hw/machine.h"
#include "profile.h"
#include "util/file.h"

#define APPEND "console=ttyS0 earlycon=sbi"
#define PROMPT "guest# "

#include "../check.h"

static Profile *load(const char *path)
{
    Profile *p;
    char err[512];
    if (prof_load(path, &p, err, sizeof(err))) {
        fprintf(stderr, "FATAL: %s\n", err);
        exit(1);
    }
    return p;
}

static void profile(char **args, int n)
{
    char *argv[32] = {"profile", "--append", APPEND, "--quiet", "--min-count", "1"};
    int argc = 6;
    for (int i = 0; i < n; i++)
        argv[argc++] = args[i];
    if (aot_profile_main(argc, argv) != 0) {
        fprintf(stderr, "FATAL: aot-tool profile failed\n");
        exit(1);
    }
}

static void record(void *opaque, const ExecTBProfile *tb)
{
    if (!tb->exec_count)
        return;
    TBKey key = tb_key_make(tb->pc, tb->phys_pc, tb->flags, tb->bytes, tb->size);
    if (prof_add(opaque, &key, tb->ninsns, tb->bytes, tb->size, tb->exec_count, 0)) {
        fprintf(stderr, "FATAL: prof_add\n");
        exit(1);
    }
}

/* Restore snap into a fresh machine and record its blocks while input is
 * typed exactly as aot-tool profile types it after the snapshot. */
static Profile *restored_run(const char *snap, const char *input)
{
    MachineConfig cfg = {.restore = snap};
    if (machine_snapshot_peek(snap, &cfg, false))
        exit(1);
    Machine *m = machine_create(&cfg);
    if (!m)
        exit(1);
    ProfHeader h = {.min_count = 1};
    Profile *p = prof_new(&h);
    ConsoleTapConfig tc = {.quiet = true,
                           .prompt = PROMPT,
                           .restored = true,
                           .input = input,
                           .stop_after_input = true};
    console_tap_start(m, &tc);
    exec_set_tb_profiler(record, p);
    ExecOptions eo = {0};
    ExecStats st = {0};
    exec_run(m, &eo, &st);
    exec_set_tb_profiler(NULL, NULL);
    ConsoleTapResult tr;
    console_tap_finish(&tr);
    machine_destroy(m);
    /* machine_snapshot_peek strdup'ed what cfg left open */
    free((char *)cfg.kernel);
    free((char *)cfg.bios);
    free((char *)cfg.drive);
    free((char *)cfg.append);
    CHECK(tr.stop_seen && tr.lines_typed == tr.lines, "restored run: prompt after %zu of %zu lines",
          tr.lines_typed, tr.lines);
    if (prof_normalize(p)) {
        fprintf(stderr, "FATAL: counts overflow\n");
        exit(1);
    }
    return p;
}

static bool same_file(const char *a, const char *b)
{
    uint8_t *da, *db;
    size_t na, nb;
    if (file_read_all(a, SIZE_MAX, &da, &na) || file_read_all(b, SIZE_MAX, &db, &nb))
        return false;
    bool same = na == nb && !memcmp(da, db, na);
    free(da);
    free(db);
    return same;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test-snapshot-keys IMAGE WORKDIR\n");
        return 2;
    }
    char *image = argv[1], path[4][4096];
    const char *names[4] = {"keys-full.prof", "keys-full.snap", "keys-boot.prof", "keys-boot.snap"};
    for (int i = 0; i < 4; i++)
        snprintf(path[i], sizeof(path[i]), "%s/%s", argv[2], names[i]);

    profile((char *[]){"--kernel", image, "--snapshot-at", PROMPT, "--snapshot", path[1], "-o",
                       path[0]},
            8);
    Profile *full = load(path[0]);
    const ProfHeader *fh = prof_header(full);
    CHECK(fh->snapshot_insns > 0 && fh->snapshot_insns < fh->insns && *fh->input,
          "full: snapshot at %" PRIu64 " of %" PRIu64, fh->snapshot_insns, fh->insns);
    char insns[32];
    snprintf(insns, sizeof(insns), "%" PRIu64, fh->snapshot_insns);
    profile((char *[]){"--kernel", image, "--snapshot-at", PROMPT, "--snapshot", path[3],
                       "--after-input", "", "--insns", insns, "-o", path[2]},
            12);
    Profile *boot = load(path[2]);
    CHECK(prof_header(boot)->insns == fh->snapshot_insns,
          "boot run stopped at %" PRIu64 ", not at the snapshot", prof_header(boot)->insns);
    CHECK(same_file(path[1], path[3]), "the two runs wrote different snapshots");
    Profile *rest = restored_run(path[1], fh->input);

    /* full == boot + restored, block by block. */
    size_t only_after = 0, mismatches = 0;
    uint64_t sum = 0, after_execs = 0;
    for (const ProfEntry *e = prof_first(full); e; e = prof_next(full, e)) {
        const ProfEntry *b = prof_find(boot, &e->key), *r = prof_find(rest, &e->key);
        uint64_t want = (b ? b->count : 0) + (r ? r->count : 0);
        if (want != e->count || (b && b->len != e->len) || (r && r->len != e->len)) {
            if (mismatches++ < 10)
                fprintf(stderr,
                        "mismatch: vpc %016" PRIx64 " ppc %016" PRIx64 " flags %x: full %" PRIu64
                        ", boot %" PRIu64 " + restored %" PRIu64 "\n",
                        e->key.vpc, e->key.ppc, e->key.flags, e->count, b ? b->count : 0,
                        r ? r->count : 0);
        }
        sum += want;
        if (r && !b) {
            only_after++;
            after_execs += r->count;
        }
    }
    for (const ProfEntry *r = prof_first(rest); r; r = prof_next(rest, r))
        if (!prof_find(full, &r->key) && mismatches++ < 10)
            fprintf(stderr, "restored run has a block the full profile lacks: vpc %016" PRIx64 "\n",
                    r->key.vpc);
    CHECK(mismatches == 0, "%zu blocks differ", mismatches);
    CHECK(prof_count(full) == prof_count(boot) + only_after, "block counts %zu != %zu + %zu",
          prof_count(full), prof_count(boot), only_after);
    CHECK(only_after > 100, "only %zu blocks ran after the snapshot alone", only_after);
    printf("full %zu blocks (%" PRIu64 " executions) = boot %zu blocks + restored %zu blocks, "
           "%zu of them only after the snapshot (%" PRIu64 " executions)\n",
           prof_count(full), fh->tb_execs, prof_count(boot), prof_count(rest), only_after,
           after_execs);
    CHECK(sum == fh->tb_execs, "executions %" PRIu64 " != %" PRIu64, sum, fh->tb_execs);
    prof_free(full);
    prof_free(boot);
    prof_free(rest);
    for (int i = 0; i < 4; i++)
        remove(path[i]);
    if (failures) {
        fprintf(stderr, "test-snapshot-keys: %d failures\n", failures);
        return 1;
    }
    printf("test-snapshot-keys: ok\n");
    return 0;
}
