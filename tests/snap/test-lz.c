/* test-lz.c - the snapshot codec and file envelope (suite 'snap'):
 * LZ round trips on random, zero-heavy, repetitive and incompressible data
 * of many sizes; the decoder rejects (never overruns on) corrupt input;
 * snap_file_parse accepts a good file and rejects truncations, bit flips
 * and a wrong version with a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "snap/lz.h"
#include "snap/snap.h"
#include "util/checksum.h"

#include "../check.h"

static uint64_t rng_state = 0x1234567;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

enum { KIND_RANDOM, KIND_ZERO_HEAVY, KIND_TEXT, KIND_RUNS, KIND_PERIODIC, KIND_NKINDS };
static const char *kind_name[] = {"random", "zero-heavy", "text", "runs", "periodic"};

static void fill(uint8_t *p, size_t n, int kind)
{
    static const char *words[] = {"kiln ", "snapshot ", "riscv ", "page ", "\n", "0x8000 "};
    size_t i = 0;
    switch (kind) {
    case KIND_RANDOM:
        for (; i < n; i++)
            p[i] = (uint8_t)rnd();
        break;
    case KIND_ZERO_HEAVY:
        memset(p, 0, n);
        for (size_t k = 0; k < n / 64; k++)
            p[rnd() % n] = (uint8_t)rnd();
        break;
    case KIND_TEXT:
        while (i < n) {
            const char *w = words[rnd() % 6];
            for (; *w && i < n; w++)
                p[i++] = (uint8_t)*w;
        }
        break;
    case KIND_PERIODIC: /* patterns of period 1-20 repeated: matches at offsets on
                           both sides of the decoder's 8-byte word copies */
        while (i < n) {
            size_t period = 1 + rnd() % 20, len = period + rnd() % 300;
            for (size_t k = 0; k < len && i < n; k++, i++)
                p[i] = k < period ? (uint8_t)rnd() : p[i - period];
        }
        break;
    default: /* runs of one byte, short and long: overlapping matches */
        while (i < n) {
            size_t len = 1 + rnd() % (rnd() % 4 ? 8 : 600);
            uint8_t b = (uint8_t)rnd();
            for (size_t k = 0; k < len && i < n; k++)
                p[i++] = b;
        }
    }
}

static void test_roundtrips(void)
{
    static const size_t sizes[] = {0,   1,   3,   4,    5,     15,    16,     19,
                                   255, 256, 270, 4096, 65535, 65536, 100000, LZ_MAX_INPUT};
    uint8_t *src = malloc(LZ_MAX_INPUT), *out = malloc(LZ_MAX_INPUT);
    uint8_t *comp = malloc(lz_bound(LZ_MAX_INPUT));
    for (int kind = 0; kind < KIND_NKINDS; kind++) {
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            size_t n = sizes[s];
            fill(src, n, kind);
            size_t c = lz_compress(src, n, comp);
            CHECK(c <= lz_bound(n), "%s n=%zu: compressed %zu > bound %zu", kind_name[kind], n, c,
                  lz_bound(n));
            memset(out, 0xaa, n);
            int rc = lz_decompress(comp, c, out, n);
            CHECK(rc == 0 && memcmp(src, out, n) == 0, "%s n=%zu: round trip differs (rc %d)",
                  kind_name[kind], n, rc);
            if (n >= 65536 && kind == KIND_ZERO_HEAVY)
                CHECK(c < n / 8, "zero-heavy n=%zu: compressed to %zu (ratio too poor)", n, c);
            if (n >= 65536 && kind == KIND_TEXT)
                CHECK(c < n / 2, "text n=%zu: compressed to %zu", n, c);
            /* Again into a buffer of exactly n bytes: the decoder copies in
             * whole words where there is room, and ASan sees any overrun. */
            uint8_t *exact = malloc(n ? n : 1);
            rc = lz_decompress(comp, c, exact, n);
            CHECK(rc == 0 && memcmp(src, exact, n) == 0,
                  "%s n=%zu: round trip into an exact buffer differs (rc %d)", kind_name[kind], n,
                  rc);
            free(exact);
            if (n > 0) { /* wrong expected size is an error */
                CHECK(lz_decompress(comp, c, out, n - 1) != 0, "%s n=%zu: short out accepted",
                      kind_name[kind], n);
            }
        }
    }
    free(src);
    free(out);
    free(comp);
}

/* Corrupt streams: truncated, bit-flipped, random.  Output goes into an
 * exact-size heap buffer, so an overrun shows under ASan/valgrind. */
static void test_corrupt_streams(void)
{
    size_t n = 20000;
    uint8_t *src = malloc(n), *comp = malloc(lz_bound(n));
    fill(src, n, KIND_TEXT);
    size_t c = lz_compress(src, n, comp);
    int rejected = 0, total = 0;
    for (size_t cut = 0; cut < c; cut += 1 + cut / 7) {
        uint8_t *out = malloc(n);
        total++;
        rejected += lz_decompress(comp, cut, out, n) != 0;
        free(out);
    }
    CHECK(rejected == total, "truncated streams: %d of %d rejected", rejected, total);
    uint8_t *bad = malloc(c);
    for (int k = 0; k < 2000; k++) {
        memcpy(bad, comp, c);
        bad[rnd() % c] ^= (uint8_t)(1u << (rnd() % 8));
        uint8_t *out = malloc(n);
        (void)lz_decompress(bad, c, out, n); /* may decode to other bytes; must not overrun */
        free(out);
    }
    for (int k = 0; k < 2000; k++) {
        size_t len = 1 + rnd() % 64, on = rnd() % 256;
        uint8_t junk[64];
        for (size_t i = 0; i < len; i++)
            junk[i] = (uint8_t)rnd();
        uint8_t *out = malloc(on ? on : 1);
        (void)lz_decompress(junk, len, out, on);
        free(out);
    }
    free(bad);
    free(src);
    free(comp);
}

static uint8_t *make_file(size_t *len)
{
    SnapWriter w = {0};
    snap_file_begin(&w, 0);
    size_t at = snap_section_begin(&w, SNAP_TAG('T', 'E', 'S', 'T'));
    snap_put_u64(&w, 0x0123456789abcdefull);
    snap_put_str(&w, "hello");
    snap_put_str(&w, NULL);
    snap_section_end(&w, at);
    at = snap_section_begin(&w, SNAP_TAG('E', 'M', 'P', 'T'));
    snap_section_end(&w, at);
    /* finish like snap_file_write, in memory */
    snap_put_u64(&w, 0);
    for (int i = 0; i < 8; i++)
        w.buf[16 + i] = (uint8_t)((uint64_t)w.len >> (8 * i));
    uint64_t h = checksum64(w.buf, w.len - 8);
    for (int i = 0; i < 8; i++)
        w.buf[w.len - 8 + (size_t)i] = (uint8_t)(h >> (8 * i));
    *len = w.len;
    return w.buf;
}

static int parse_copy(const uint8_t *p, size_t len, SnapFile *f, char *err)
{
    uint8_t *b = malloc(len ? len : 1);
    memcpy(b, p, len);
    return snap_file_parse(b, len, f, err, 200);
}

static void test_envelope(void)
{
    size_t len;
    uint8_t *good = make_file(&len);
    SnapFile f;
    char err[200] = "";
    CHECK(parse_copy(good, len, &f, err) == 0, "good file rejected: %s", err);
    CHECK(f.nsec == 2, "sections: %u", f.nsec);
    SnapReader r = snap_reader(snap_file_find(&f, SNAP_TAG('T', 'E', 'S', 'T')), false);
    CHECK(snap_get_u64(&r) == 0x0123456789abcdefull, "u64 read back");
    char *s = snap_get_str(&r), *s2 = snap_get_str(&r);
    CHECK(s && !strcmp(s, "hello") && !s2 && snap_reader_done(&r), "strings read back");
    CHECK(snap_get_u8(&r) == 0 && r.err, "overrun sets err");
    free(s);
    snap_file_free(&f);
    for (size_t cut = 0; cut < len; cut++) {
        err[0] = 0;
        int rc = parse_copy(good, cut, &f, err);
        CHECK(rc != 0 && err[0], "truncation at %zu accepted", cut);
        snap_file_free(&f);
    }
    for (size_t bit = 0; bit < len * 8; bit++) {
        uint8_t *b = malloc(len);
        memcpy(b, good, len);
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        err[0] = 0;
        int rc = parse_copy(b, len, &f, err);
        CHECK(rc != 0 && err[0], "bit flip %zu accepted", bit);
        snap_file_free(&f);
        free(b);
    }
    good[8] = SNAP_VERSION + 1; /* checksum not fixed: the version is reported first */
    err[0] = 0;
    CHECK(parse_copy(good, len, &f, err) != 0 && strstr(err, "version"), "wrong version: '%s'",
          err);
    snap_file_free(&f);
    free(good);
}

int main(void)
{
    test_roundtrips();
    test_corrupt_streams();
    test_envelope();
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
