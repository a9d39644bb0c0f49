/* fuzz-bundle-parse.c - libFuzzer target for the AOT bundle parser
 * (runtime/exec/bundle-format.c).  Two paths per input: the raw bytes as a
 * bundle file (must be rejected or parsed without a crash), and the input
 * as a Wasm prefix plus index and where records and TCI image bytes
 * wrapped by the writer with valid checksums (so the fuzzer reaches the
 * index checks): a written bundle must parse back to the same entries and
 * records, and every entry and record must be found. */
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
        if (e->func == BUNDLE_NO_FUNC && (uint64_t)e->tci_off + e->tci_len > v->hdr.tci_len)
            abort();
    }
    for (uint32_t i = 0; i < v->hdr.nwhere; i++) {
        const BundleWhere *w = &v->where[i], *f = bundle_find_where(v, w->pc, w->flags);
        if (!f || f > w || f->pc != w->pc || f->flags != w->flags || w->entry >= v->hdr.nentries)
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
    /* Structured: [n, nw, tci_len (1 byte each)] [n * 36-byte entries]
     * [nw * 16-byte where records] [tci_len bytes] [rest: module bytes
     * after the magic]. */
    if (size < 3)
        return 0;
    uint32_t n = data[0], nw = data[1], tl = data[2];
    if (size < 3 + (size_t)n * 36 + (size_t)nw * 16 + tl)
        return 0;
    BundleEntry *e = calloc(n ? n : 1, sizeof(*e));
    BundleWhere *w = calloc(nw ? nw : 1, sizeof(*w));
    const uint8_t *p = data + 3;
    for (uint32_t i = 0; i < n; i++, p += 36) {
        memcpy(&e[i].hash, p, 8);
        memcpy(&e[i].check, p + 8, 8);
        memcpy(&e[i].flags, p + 16, 4);
        memcpy(&e[i].size, p + 20, 2);
        memcpy(&e[i].ninsns, p + 22, 2);
        memcpy(&e[i].func, p + 24, 4);
        memcpy(&e[i].tci_off, p + 28, 4);
        memcpy(&e[i].tci_len, p + 32, 4);
    }
    for (uint32_t i = 0; i < nw; i++, p += 16) {
        memcpy(&w[i].pc, p, 8);
        memcpy(&w[i].flags, p + 8, 4);
        memcpy(&w[i].entry, p + 12, 4);
    }
    const uint8_t *tci = p;
    p += tl;
    size_t rest = size - (size_t)(p - data);
    size_t len = 8 + rest;
    uint8_t *mod = malloc(len);
    memcpy(mod, "\0asm\1\0\0\0", 8);
    memcpy(mod + 8, p, rest);
    BundleHeader h = {.wasm_abi_version = 1, .nfuncs = 64};
    BundleIndex ix = {e, n, w, nw, tci, tl};
    if (!bundle_write_sections(&h, &ix, mod, len, &mod, &len) &&
        !bundle_parse(mod, len, &v, err, sizeof(err))) {
        if (v.hdr.nentries != n || v.hdr.nwhere != nw || v.hdr.tci_len != tl ||
            memcmp(v.tci, tci, tl))
            abort(); /* accepted records must come back exactly */
        for (uint32_t i = 0; i < n; i++) {
            const BundleEntry *a = &v.entries[i], *b = &e[i];
            if (bundle_entry_cmp(a, b) || a->check != b->check || a->ninsns != b->ninsns ||
                a->func != b->func || a->tci_off != b->tci_off || a->tci_len != b->tci_len)
                abort();
        }
        for (uint32_t i = 0; i < nw; i++)
            if (bundle_where_cmp(&v.where[i], &w[i]))
                abort();
        check_view(&v);
        bundle_view_free(&v);
    }
    free(mod);
    free(e);
    free(w);
    return 0;
}
