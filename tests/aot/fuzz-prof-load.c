/* fuzz-prof-load.c - libFuzzer target for the profile loader
 * (clang -fsanitize=fuzzer,address,undefined; run by tests/aot/aot-test.py).
 * Each input is loaded as is (exercising the magic/version/checksum gate)
 * and once more with its trailing checksum made valid, so mutations reach
 * the header, string and entry parsers.  A profile that loads must
 * serialise and load again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "exec/tb-key.h"
#include "profile.h"

static void load_one(const uint8_t *data, size_t size)
{
    Profile *p;
    char err[512];
    if (prof_load_mem(data, size, "fuzz.prof", &p, err, sizeof(err)) != 0) {
        if (strncmp(err, "fuzz.prof: ", 11) != 0)
            abort(); /* every error names the file */
        return;
    }
    uint8_t *d;
    size_t n;
    if (prof_serialize(p, &d, &n, err, sizeof(err)) != 0)
        abort();
    Profile *q;
    if (prof_load_mem(d, n, "fuzz.prof", &q, err, sizeof(err)) != 0)
        abort();
    if (prof_count(q) != prof_count(p))
        abort();
    prof_free(q);
    free(d);
    prof_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_one(size ? data : NULL, size);
    if (size >= 8) {
        uint8_t *c = malloc(size);
        if (!c)
            return 0;
        memcpy(c, data, size);
        uint64_t h = tb_hash_bytes(c, size - 8);
        for (int i = 0; i < 8; i++)
            c[size - 8 + i] = (uint8_t)(h >> (8 * i));
        load_one(c, size);
        free(c);
    }
    return 0;
}
