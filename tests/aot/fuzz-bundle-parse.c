/* fuzz-bundle-parse.c - libFuzzer target for the AOT bundle parser
 * (runtime/exec/bundle-format.c).  Two paths per input: the raw bytes as a
 * bundle file (must be rejected or parsed without a crash), and the input
 * as a Wasm prefix plus index records wrapped by the writer with valid
 * checksums (so the fuzzer reaches the index checks): a written bundle
 * must parse back to the same entries, and every entry must be found. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "exec/bundle-format.h"

static void check_view(const BundleView *v)
{
    for (uint32_t i = 0; i < v->hdr.nentries; i++) {
        const BundleEntry *e = &v->entries[i];
        if (bundle_find(v, e->hash, e->flags, e->size) != e)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    BundleView v;
    char err[256];
    if (!bundle_parse(data, size, &v, err, sizeof(err))) {
        check_view(&v);
        bundle_view_free(&v);
    }
    /* Structured: [n (1 byte)] [n * 28-byte records] [rest: module bytes after the magic]. */
    if (size < 1)
        return 0;
    uint32_t n = data[0];
    if (size < 1 + (size_t)n * 28)
        return 0;
    BundleEntry *e = calloc(n ? n : 1, sizeof(*e));
    const uint8_t *p = data + 1;
    for (uint32_t i = 0; i < n; i++, p += 28) {
        memcpy(&e[i].hash, p, 8);
        memcpy(&e[i].check, p + 8, 8);
        memcpy(&e[i].flags, p + 16, 4);
        memcpy(&e[i].size, p + 20, 2);
        memcpy(&e[i].ninsns, p + 22, 2);
        memcpy(&e[i].func, p + 24, 4);
    }
    size_t rest = size - 1 - (size_t)n * 28;
    size_t len = 8 + rest;
    uint8_t *mod = malloc(len);
    memcpy(mod, "\0asm\1\0\0\0", 8);
    memcpy(mod + 8, p, rest);
    BundleHeader h = {.wasm_abi_version = 1, .nfuncs = 64};
    if (!bundle_write_sections(&h, e, n, mod, len, &mod, &len) &&
        !bundle_parse(mod, len, &v, err, sizeof(err))) {
        if (v.hdr.nentries != n)
            abort(); /* accepted entries must come back exactly */
        for (uint32_t i = 0; i < n; i++) {
            const BundleEntry *a = &v.entries[i], *b = &e[i];
            if (bundle_entry_cmp(a, b) || a->check != b->check || a->ninsns != b->ninsns ||
                a->func != b->func)
                abort();
        }
        check_view(&v);
        bundle_view_free(&v);
    }
    free(mod);
    free(e);
    return 0;
}
