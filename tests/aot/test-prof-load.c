/* test-prof-load.c - the profile format: round trip, deterministic
 * serialisation, merge semantics, and the loader on corrupt input (every
 * truncation, every bit flip, crafted bad fields with a valid checksum,
 * random corruption): each must fail with one line "NAME: problem" and
 * never crash (run under ASan/UBSan by tools/test). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/tb-key.h"
#include "profile.h"

#include "../check.h"

#define NAME "sample.prof"
static const uint8_t code1[] = {0x13, 0x05, 0x10, 0x00}; /* addi a0,zero,1 */
static const uint8_t code2[] = {0x05, 0x45, 0x82, 0x80}; /* li a0,1; ret */
static const uint8_t code3[] = {0x93, 0x05, 0x20, 0x00, 0x67, 0x80, 0x00, 0x00};

static ProfHeader sample_header(void)
{
    ProfHeader h = {.flags = PROF_F_DETERMINISTIC,
                    .kernel_hash = 0x1111,
                    .bios_hash = 0,
                    .mem_size = 256ull << 20,
                    .insns = 1000,
                    .tb_execs = 100,
                    .min_count = 1,
                    .kiln_version = "0.1.0",
                    .kernel_name = "Image",
                    .bios = "",
                    .append = "console=ttyS0",
                    .drive = "",
                    .stop = "insns:1000"};
    return h;
}

static void add(Profile *p, uint64_t vpc, const uint8_t *b, uint32_t len, uint32_t ninsns,
                uint64_t count)
{
    TBKey k = tb_key_make(vpc, vpc - 0xffffffff00000000ull, 5, b, len);
    CHECK(prof_add(p, &k, ninsns, b, len, count, 0) == 0, "prof_add %#" PRIx64, vpc);
}

/* Sample profile: 3 entries, added in the given order. */
static Profile *sample(int order)
{
    ProfHeader h = sample_header();
    Profile *p = prof_new(&h);
    if (order == 0) {
        add(p, 0xffffffff80001000ull, code1, 4, 1, 10);
        add(p, 0xffffffff80002000ull, code2, 4, 2, 20);
        add(p, 0xffffffff80003000ull, code3, 8, 2, 30);
    } else { /* reverse order, one entry split in two adds */
        add(p, 0xffffffff80003000ull, code3, 8, 2, 30);
        add(p, 0xffffffff80002000ull, code2, 4, 2, 15);
        add(p, 0xffffffff80001000ull, code1, 4, 1, 10);
        add(p, 0xffffffff80002000ull, code2, 4, 2, 5);
    }
    return p;
}

static void serialize(Profile *p, uint8_t **d, size_t *n)
{
    char err[256];
    if (prof_serialize(p, d, n, err, sizeof(err)) != 0) {
        fprintf(stderr, "FATAL: serialize: %s\n", err);
        exit(1);
    }
}

/* p serialises to a file that loads again. */
static void check_reloads(Profile *p, const char *what)
{
    uint8_t *d;
    size_t n;
    char err[512];
    serialize(p, &d, &n);
    Profile *l;
    CHECK(prof_load_mem(d, n, NAME, &l, err, sizeof(err)) == 0, "%s: %s", what, err);
    prof_free(l);
    free(d);
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

static void fix_checksum(uint8_t *d, size_t n)
{
    if (n >= 8)
        wr64(d + n - 8, tb_hash_bytes(d, n - 8));
}

/* The loader must fail with one line "NAME: ..." containing want (if not
 * NULL). Returns true if it failed as required. */
static bool expect_fail(const uint8_t *d, size_t n, const char *want, const char *what)
{
    char err[512];
    memset(err, 'x', sizeof(err));
    Profile *p = (Profile *)1;
    int rc = prof_load_mem(d, n, NAME, &p, err, sizeof(err));
    bool ok = true;
    if (rc != -1 || p != NULL) {
        CHECK(0, "%s: loaded a corrupt profile", what);
        prof_free(rc == 0 ? p : NULL);
        return false;
    }
    if (strncmp(err, NAME ": ", strlen(NAME) + 2) != 0 || strchr(err, '\n') ||
        strlen(err) < strlen(NAME) + 6) {
        CHECK(0, "%s: bad message '%.200s'", what, err);
        ok = false;
    }
    if (want && !strstr(err, want)) {
        CHECK(0, "%s: message '%s' lacks '%s'", what, err, want);
        ok = false;
    }
    return ok;
}

static void test_hash(void)
{
    /* FNV-1a 64 known answers (docs/profile-format.md). */
    CHECK(tb_hash_bytes("", 0) == 0xcbf29ce484222325ull, "fnv('')");
    CHECK(tb_hash_bytes("a", 1) == 0xaf63dc4c8601ec8cull, "fnv('a') %016" PRIx64,
          tb_hash_bytes("a", 1));
    CHECK(tb_hash_bytes("foobar", 6) == 0x85944171f73967e8ull, "fnv('foobar') %016" PRIx64,
          tb_hash_bytes("foobar", 6));
    CHECK(tb_hash_update(tb_hash_bytes("foo", 3), "bar", 3) == tb_hash_bytes("foobar", 6),
          "streaming");
    TBKey a = tb_key_make(1, 2, 3, code1, 4), b = a;
    CHECK(tb_key_cmp(&a, &b) == 0, "cmp equal");
    b.ppc = 3;
    CHECK(tb_key_cmp(&a, &b) < 0 && tb_key_cmp(&b, &a) > 0, "cmp ppc");
    b = a;
    b.vpc = 0;
    CHECK(tb_key_cmp(&a, &b) > 0, "cmp vpc first");
}

static void test_round_trip(void)
{
    Profile *p = sample(0), *q = sample(1), *l;
    uint8_t *d1, *d2, *d3;
    size_t n1, n2, n3;
    char err[256];
    serialize(p, &d1, &n1);
    serialize(q, &d2, &n2);
    CHECK(n1 == n2 && !memcmp(d1, d2, n1), "add order changes the file");
    CHECK(prof_load_mem(d1, n1, NAME, &l, err, sizeof(err)) == 0, "load: %s", err);
    if (!failures) {
        const ProfHeader *h = prof_header(l);
        CHECK(h->version == PROF_VERSION && h->kernel_hash == 0x1111 && h->insns == 1000 &&
                  h->tb_execs == 100 && h->mem_size == 256ull << 20,
              "header fields");
        CHECK(!strcmp(h->append, "console=ttyS0") && !strcmp(h->bios, "") &&
                  !strcmp(h->stop, "insns:1000") && !strcmp(h->kernel_name, "Image"),
              "header strings");
        CHECK(prof_count(l) == 3, "count %zu", prof_count(l));
        uint64_t want[] = {10, 20, 30};
        size_t i = 0;
        for (const ProfEntry *e = prof_first(l); e; e = prof_next(l, e), i++) {
            CHECK(i < 3 && e->count == want[i], "entry %zu count %" PRIu64, i, e->count);
            CHECK(e->key.hash == tb_hash_bytes(e->bytes, e->len), "entry %zu hash", i);
        }
        TBKey k = tb_key_make(0xffffffff80002000ull, 0x80002000ull, 5, code2, 4);
        const ProfEntry *e = prof_find(l, &k);
        CHECK(e && e->count == 20 && e->ninsns == 2, "prof_find");
        k.flags = 4;
        CHECK(!prof_find(l, &k), "prof_find of a missing key");
        serialize(l, &d3, &n3);
        CHECK(n3 == n1 && !memcmp(d1, d3, n1), "load + save changes the file");
        free(d3);
        prof_free(l);
    }
    /* prune */
    prof_prune(p, 20);
    CHECK(prof_count(p) == 2 && prof_header(p)->min_count == 20, "prune");
    free(d1);
    free(d2);
    prof_free(p);
    prof_free(q);
}

static void test_merge(void)
{
    ProfHeader h = sample_header();
    Profile *a = prof_new(&h), *b, *m;
    h.insns = 500;
    h.tb_execs = 50;
    h.min_count = 3;
    h.flags = 0;
    b = prof_new(&h);
    add(a, 0x1000, code1, 4, 1, 5);
    add(a, 0x2000, code2, 4, 2, 3);
    add(b, 0x2000, code2, 4, 2, 4);
    add(b, 0x3000, code3, 8, 2, 1);
    char err[256];
    CHECK(prof_merge(a, b, &m, err, sizeof(err)) == 0, "merge: %s", err);
    if (m) {
        const ProfHeader *mh = prof_header(m);
        CHECK(prof_count(m) == 3, "merged count %zu", prof_count(m));
        uint64_t want[] = {5, 7, 1};
        for (size_t i = 0; i < 3 && i < prof_count(m); i++)
            CHECK(prof_entry(m, i)->count == want[i], "merged entry %zu count %" PRIu64, i,
                  prof_entry(m, i)->count);
        CHECK(mh->insns == 1500 && mh->tb_execs == 150, "totals added");
        CHECK(mh->min_count == 1, "min_count is the smaller");
        CHECK((mh->flags & PROF_F_MERGED) && !(mh->flags & PROF_F_DETERMINISTIC), "flags %#x",
              mh->flags);
        /* merge is commutative on entries */
        Profile *m2;
        CHECK(prof_merge(b, a, &m2, err, sizeof(err)) == 0, "merge b a: %s", err);
        for (size_t i = 0; m2 && i < prof_count(m); i++)
            CHECK(prof_entry(m2, i)->count == prof_entry(m, i)->count &&
                      !tb_key_cmp(&prof_entry(m2, i)->key, &prof_entry(m, i)->key),
                  "commutative %zu", i);
        prof_free(m2);
        prof_free(m);
    }
    /* other guest image */
    prof_header_mut(b)->kernel_hash = 0x2222;
    CHECK(prof_merge(a, b, &m, err, sizeof(err)) == -1 && !m &&
              strstr(err, "different guest images"),
          "image mismatch: %s", err);
    prof_header_mut(b)->kernel_hash = 0x1111;
    prof_header_mut(b)->bios_hash = 0x3;
    CHECK(prof_merge(a, b, &m, err, sizeof(err)) == -1 && !m, "bios mismatch");
    prof_header_mut(b)->bios_hash = 0;
    /* totals overflow */
    prof_header_mut(a)->tb_execs = UINT64_MAX - 10;
    CHECK(prof_merge(a, b, &m, err, sizeof(err)) == -1 && !m && strstr(err, "overflow"),
          "overflow: %s", err);
    prof_free(a);
    prof_free(b);
    /* entry counts overflow while combining */
    h = sample_header();
    a = prof_new(&h);
    add(a, 0x1000, code1, 4, 1, UINT64_MAX - 1);
    add(a, 0x1000, code1, 4, 1, 5);
    CHECK(prof_normalize(a) == -1, "normalize overflow");
    uint8_t *d;
    size_t n;
    CHECK(prof_serialize(a, &d, &n, err, sizeof(err)) == -1, "serialize overflow");
    prof_free(a);
}

static void test_corrupt(void)
{
    Profile *p = sample(0);
    uint8_t *d;
    size_t n;
    serialize(p, &d, &n);
    prof_free(p);
    uint8_t *c = malloc(n + 64);
    char what[64];

    for (size_t k = 0; k < n; k++) {
        snprintf(what, sizeof(what), "truncated to %zu", k);
        uint8_t *t = malloc(k ? k : 1); /* exact size: ASan sees overreads */
        memcpy(t, d, k);
        expect_fail(k ? t : NULL, k, NULL, what);
        free(t);
    }
    for (size_t bit = 0; bit < n * 8; bit++) {
        memcpy(c, d, n);
        c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        snprintf(what, sizeof(what), "bit flip %zu", bit);
        expect_fail(c, n, NULL, what);
    }
    memcpy(c, d, n);
    c[0] = 'X';
    expect_fail(c, n, "bad magic", "wrong magic");
    memcpy(c, d, n);
    wr32(c + 8, 4);
    fix_checksum(c, n);
    expect_fail(c, n, "version 4", "wrong version");
    memcpy(c, d, n);
    wr32(c + 8, 0);
    fix_checksum(c, n);
    expect_fail(c, n, "version 0", "version 0");
    memcpy(c, d, n);
    c[n - 1] ^= 0x80;
    expect_fail(c, n, "checksum", "bad checksum");
    memcpy(c, d, n);
    c[n] = 0;
    expect_fail(c, n + 1, NULL, "extra byte");
    memcpy(c, d, n);
    memset(c + n - 8, 0, 8);
    wr64(c + n, 0); /* unchecksummed trailing data */
    fix_checksum(c, n + 8);
    expect_fail(c, n + 8, "unexpected data", "trailing data");

    /* Crafted fields with a valid checksum.  Layout (docs/profile-format.md,
     * version 3): 84-byte fixed header, 8 strings (u32 length + bytes; the
     * last two, snapshot and input, empty here), entries of 52 bytes + code
     * (count at +32, count_after at +40, len at +48). */
    size_t strs =
        4 * 8 + strlen("0.1.0") + strlen("Image") + strlen("console=ttyS0") + strlen("insns:1000");
    size_t e0 = 84 + strs, e1 = e0 + 52 + 4;
#define CRAFT(stmt, want, what)                                                                    \
    do {                                                                                           \
        memcpy(c, d, n);                                                                           \
        stmt;                                                                                      \
        fix_checksum(c, n);                                                                        \
        expect_fail(c, n, want, what);                                                             \
    } while (0)
    CRAFT(wr64(c + e0 + 32, UINT64_MAX), "overflow", "count overflows");
    CRAFT(wr64(c + e1 + 32, 99), "overflow", "counts exceed tb_execs");
    CRAFT(wr64(c + 56, 59), "overflow", "tb_execs below the sum");
    CRAFT(wr64(c + e0 + 32, 0), "count 0", "zero count");
    CRAFT(wr64(c + 64, 15), "min_count", "count below min_count");
    CRAFT(wr32(c + e0 + 48, 5), NULL, "bytes length mismatch (+1)");
    CRAFT(wr32(c + e1 + 48, 1000), "length mismatch", "bytes length past the end");
    CRAFT(wr32(c + e0 + 48, 0), "out of range", "zero length");
    CRAFT(wr32(c + e0 + 48, 0x7fffffff), "out of range", "huge length");
    CRAFT(c[e0 + 52] ^= 1, "hash", "code changed");
    CRAFT(wr64(c + e0 + 40, 1), "no snapshot", "count_after without a snapshot");
    CRAFT(wr32(c + e0 + 28, 3), "instruction count", "ninsns too big");
    CRAFT(wr32(c + e0 + 28, 0), "instruction count", "ninsns zero");
    CRAFT(wr64(c + e1, 0), "out of order", "unsorted");
    CRAFT(wr32(c + 72, 0xffffffff), "entry count", "nentries huge");
    CRAFT(wr32(c + 72, 4), "entry count", "nentries one too many");
    CRAFT(wr32(c + 72, 2), "unexpected data", "nentries one too few");
    CRAFT(wr32(c + 84, 0xfffffff0), "string length", "string length huge");
    CRAFT(wr32(c + 84, 3000), "truncated header", "string past the end");
    CRAFT(c[88] = 0, "NUL", "NUL in a string");
    CRAFT(wr64(c + 76, 5), "without a snapshot marker", "snapshot_insns without a snapshot");
    CRAFT(wr32(c + 12, 0x80), "flags", "unknown flag");
    CRAFT(wr64(c + 64, 0), "min_count", "min_count 0");
#undef CRAFT

    /* Random corruption with a valid checksum: never crash; what loads
     * must serialise and load again. */
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int it = 0; it < 20000; it++) {
        memcpy(c, d, n);
        size_t m = n;
        int nflips = 1 + it % 4;
        for (int f = 0; f < nflips; f++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            size_t at = (size_t)(s % (n - 8));
            c[at] = (s >> 32) & 1 ? (uint8_t)(s >> 40) : c[at] ^ (uint8_t)(1u << ((s >> 40) & 7));
        }
        if (it % 5 == 0)
            m = 8 + (size_t)((s >> 20) % (n - 8));
        fix_checksum(c, m);
        Profile *l;
        char err[512];
        if (prof_load_mem(c, m, NAME, &l, err, sizeof(err)) == 0) {
            check_reloads(l, "reload");
            prof_free(l);
        } else {
            snprintf(what, sizeof(what), "random corruption %d", it);
            CHECK(!strncmp(err, NAME ": ", strlen(NAME) + 2) && !strchr(err, '\n'),
                  "%s: bad message '%s'", what, err);
        }
    }
    free(c);
    free(d);
}

/* The sample (no snapshot) written as an older version: version 2 drops
 * each entry's count_after (8 bytes at +40), version 1 also the u64 at 76
 * and the last two (empty) strings.  Returns a malloc'd file of *vn bytes. */
static uint8_t *downgrade(const uint8_t *d, size_t n, uint32_t v, size_t *vn)
{
    size_t strs6 =
        4 * 6 + strlen("0.1.0") + strlen("Image") + strlen("console=ttyS0") + strlen("insns:1000");
    size_t e0 = 84 + strs6 + 8;
    uint8_t *c = malloc(n);
    size_t o;
    if (v == 1) {
        memcpy(c, d, 76);
        memcpy(c + 76, d + 84, strs6);
        o = 76 + strs6;
    } else {
        memcpy(c, d, e0);
        o = e0;
    }
    for (size_t i = e0; i + 8 < n;) { /* entries: count_after out */
        uint32_t len = (uint32_t)d[i + 48] | (uint32_t)d[i + 49] << 8;
        memcpy(c + o, d + i, 40);
        memcpy(c + o + 40, d + i + 48, 4 + len);
        o += 44 + len;
        i += 52 + len;
    }
    o += 8;
    wr32(c + 8, v);
    fix_checksum(c, o);
    *vn = o;
    return c;
}

/* Version 1 and 2 files still load; a snapshot profile round-trips and
 * its fields are checked. */
static void test_versions(void)
{
    Profile *p = sample(0);
    uint8_t *d, *c;
    size_t n;
    char err[512];
    serialize(p, &d, &n);
    Profile *l;
    for (uint32_t v = 1; v <= 2; v++) {
        size_t vn;
        c = downgrade(d, n, v, &vn);
        CHECK(prof_load_mem(c, vn, NAME, &l, err, sizeof(err)) == 0, "version %u: %s", v, err);
        if (l) {
            const ProfHeader *h = prof_header(l);
            bool zero_after = true;
            for (size_t i = 0; i < prof_count(l); i++)
                zero_after &= prof_entry(l, i)->count_after == 0;
            CHECK(h->version == v && !*h->snapshot_at && !*h->input && !h->snapshot_insns &&
                      prof_count(l) == 3 && !strcmp(h->stop, "insns:1000") && zero_after,
                  "version %u fields", v);
            uint8_t *d2;
            size_t n2;
            serialize(l, &d2, &n2); /* written as the current version */
            CHECK(n2 == n && !memcmp(d2, d, n), "version %u re-saved differs from version 3", v);
            free(d2);
            prof_free(l);
        }
        for (size_t k = 0; k < vn; k++) { /* truncated old files */
            uint8_t *t = malloc(k ? k : 1);
            memcpy(t, c, k);
            expect_fail(k ? t : NULL, k, NULL, "truncated old version");
            free(t);
        }
        free(c);
    }
    free(d);

    ProfHeader *h = prof_header_mut(p);
    free(h->snapshot_at);
    free(h->input);
    h->snapshot_at = strdup("guest# ");
    h->input = strdup("uname -a\r");
    h->snapshot_insns = 400;
    /* executions after the snapshot: 4 of code2's 5 more, all of a new block */
    TBKey k2 = tb_key_make(0xffffffff80002000ull, 0x80002000ull, 5, code2, 4);
    TBKey k4 = tb_key_make(0xffffffff80004000ull, 0x80004000ull, 5, code1, 4);
    CHECK(prof_add(p, &k2, 2, code2, 4, 5, 4) == 0 && prof_add(p, &k4, 1, code1, 4, 7, 7) == 0 &&
              prof_add(p, &k4, 1, code1, 4, 1, 2) == -1,
          "prof_add with count_after");
    h->tb_execs += 12;
    serialize(p, &d, &n);
    CHECK(prof_load_mem(d, n, NAME, &l, err, sizeof(err)) == 0, "snapshot profile: %s", err);
    if (l) {
        const ProfHeader *lh = prof_header(l);
        CHECK(lh->version == PROF_VERSION && !strcmp(lh->snapshot_at, "guest# ") &&
                  !strcmp(lh->input, "uname -a\r") && lh->snapshot_insns == 400,
              "snapshot fields");
        const ProfEntry *e2 = prof_find(l, &k2), *e4 = prof_find(l, &k4);
        CHECK(prof_count(l) == 4 && e2 && e2->count == 25 && e2->count_after == 4 && e4 &&
                  e4->count == 7 && e4->count_after == 7,
              "count_after round trip");
        /* merge: a's header decides whether executions after a snapshot
         * point mean anything */
        Profile *plain = sample(0), *m;
        CHECK(prof_merge(l, plain, &m, err, sizeof(err)) == 0, "merge: %s", err);
        if (m) {
            const ProfEntry *me = prof_find(m, &k2);
            CHECK(me && me->count == 45 && me->count_after == 4, "merged count_after");
            prof_free(m);
        }
        CHECK(prof_merge(plain, l, &m, err, sizeof(err)) == 0, "merge: %s", err);
        if (m) {
            const ProfEntry *me = prof_find(m, &k4);
            CHECK(me && me->count == 7 && me->count_after == 0, "count_after under a plain header");
            check_reloads(m, "merged");
            prof_free(m);
        }
        prof_free(plain);
        prof_free(l);
    }
    /* e4 is the last entry: its count_after above its count is refused */
    c = malloc(n);
    memcpy(c, d, n);
    wr64(c + n - 8 - 4 - 52 + 40, 8);
    fix_checksum(c, n);
    expect_fail(c, n, "more than its count", "count_after > count");
    free(c);
    c = malloc(n);
    memcpy(c, d, n);
    wr64(c + 76, 1001); /* after the run's 1000 instructions */
    fix_checksum(c, n);
    expect_fail(c, n, "after the 1000 instructions", "snapshot_insns > insns");
    free(c);
    free(d);
    prof_free(p);
}

static void test_files(const char *dir)
{
    char path[4096], err[512];
    snprintf(path, sizeof(path), "%s/test-prof-load.prof", dir);
    Profile *p = sample(0), *l;
    CHECK(prof_save(p, path, err, sizeof(err)) == 0, "save: %s", err);
    CHECK(prof_load(path, &l, err, sizeof(err)) == 0, "load: %s", err);
    prof_free(l);
    remove(path);
    CHECK(prof_load(path, &l, err, sizeof(err)) == -1 && !l && strstr(err, path) &&
              strstr(err, "cannot open"),
          "missing file: %s", err);
    snprintf(path, sizeof(path), "%s/no-such-dir/x.prof", dir);
    CHECK(prof_save(p, path, err, sizeof(err)) == -1 && strstr(err, path), "save: %s", err);
    prof_free(p);
}

int main(int argc, char **argv)
{
    test_hash();
    test_round_trip();
    test_merge();
    test_corrupt();
    test_versions();
    test_files(argc > 1 ? argv[1] : ".");
    if (failures) {
        fprintf(stderr, "test-prof-load: %d failures\n", failures);
        return 1;
    }
    printf("test-prof-load: ok\n");
    return 0;
}
