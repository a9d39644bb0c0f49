/* bundle-format.c - AOT bundle file format (see bundle-format.h): the
 * parser (used on untrusted files: every length and count is
 * checked before use) and the writer of the two custom sections. */
#include "exec/bundle-format.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/tb-key.h"
#include "riscv/translate.h"
#include "util/le.h"
#include "util/checksum.h"
#include "util/leb.h"

uint64_t bundle_check_hash(const void *bytes, size_t len)
{
    uint8_t l[4] = {(uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24)};
    return tb_hash_update(tb_hash_update(BUNDLE_CHECK_INIT, l, 4), bytes, len);
}

/* ---- little-endian reading/writing ---- */

/* Fixed header layout: (field, bytes) in file order after the magic. */
#define BUNDLE_HEADER_FIELDS(X)                                                                    \
    X(format_version, 4)                                                                           \
    X(wasm_abi_version, 4)                                                                         \
    X(abi_hash, 8)                                                                                 \
    X(kernel_hash, 8)                                                                              \
    X(bios_hash, 8)                                                                                \
    X(code_len, 8)                                                                                 \
    X(code_hash, 8)                                                                                \
    X(index_hash, 8)                                                                               \
    X(nentries, 4)                                                                                 \
    X(nwhere, 4)                                                                                   \
    X(tci_len, 4)                                                                                  \
    X(nfuncs, 4)                                                                                   \
    X(opt_level, 4)                                                                                \
    X(profile_entries, 4)                                                                          \
    X(profile_execs, 8)

#define X(field, n) +n
_Static_assert(8 + 0 BUNDLE_HEADER_FIELDS(X) + 8 == BUNDLE_HEADER_SIZE, "header layout");
#undef X

static void header_encode(const BundleHeader *h, uint8_t out[BUNDLE_HEADER_SIZE])
{
    uint8_t *p = out;
    memcpy(p, BUNDLE_MAGIC, 8);
    p += 8;
#define X(field, n)                                                                                \
    le_store(p, n, h->field);                                                                      \
    p += n;
    BUNDLE_HEADER_FIELDS(X)
#undef X
    le_store(p, 8, tb_hash_bytes(out, (size_t)(p - out)));
}

static void header_decode(const uint8_t *p, BundleHeader *h)
{
    p += 8;
#define X(field, n)                                                                                \
    h->field = (__typeof__(h->field))le_load(p, n);                                                \
    p += n;
    BUNDLE_HEADER_FIELDS(X)
#undef X
}

static void entry_encode(const BundleEntry *e, uint8_t *p)
{
    le_store(p, 8, e->hash);
    le_store(p + 8, 8, e->check);
    le_store(p + 16, 4, e->flags);
    le_store(p + 20, 2, e->size);
    le_store(p + 22, 2, e->ninsns);
    le_store(p + 24, 4, e->func);
    le_store(p + 28, 4, e->tci_off);
    le_store(p + 32, 4, e->tci_len);
}

static void entry_decode(const uint8_t *p, BundleEntry *e)
{
    e->hash = le_load(p, 8);
    e->check = le_load(p + 8, 8);
    e->flags = (uint32_t)le_load(p + 16, 4);
    e->size = (uint16_t)le_load(p + 20, 2);
    e->ninsns = (uint16_t)le_load(p + 22, 2);
    e->func = (uint32_t)le_load(p + 24, 4);
    e->tci_off = (uint32_t)le_load(p + 28, 4);
    e->tci_len = (uint32_t)le_load(p + 32, 4);
}

static void where_encode(const BundleWhere *w, uint8_t *p)
{
    le_store(p, 8, w->pc);
    le_store(p + 8, 4, w->flags);
    le_store(p + 12, 4, w->entry);
}

static void where_decode(const uint8_t *p, BundleWhere *w)
{
    w->pc = le_load(p, 8);
    w->flags = (uint32_t)le_load(p + 8, 4);
    w->entry = (uint32_t)le_load(p + 12, 4);
}

int bundle_entry_cmp(const BundleEntry *a, const BundleEntry *b)
{
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    if (a->flags != b->flags)
        return a->flags < b->flags ? -1 : 1;
    if (a->size != b->size)
        return a->size < b->size ? -1 : 1;
    return 0;
}

const BundleEntry *bundle_find(const BundleView *v, uint64_t hash, uint32_t flags, uint32_t size)
{
    BundleEntry key = {.hash = hash, .flags = flags, .size = (uint16_t)size};
    if (size > UINT16_MAX)
        return NULL;
    size_t lo = 0, hi = v->hdr.nentries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = bundle_entry_cmp(&v->entries[mid], &key);
        if (!c)
            return &v->entries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int bundle_where_cmp(const BundleWhere *a, const BundleWhere *b)
{
    if (a->pc != b->pc)
        return a->pc < b->pc ? -1 : 1;
    if (a->flags != b->flags)
        return a->flags < b->flags ? -1 : 1;
    if (a->entry != b->entry)
        return a->entry < b->entry ? -1 : 1;
    return 0;
}

const BundleWhere *bundle_find_where(const BundleView *v, uint64_t pc, uint32_t flags)
{
    /* Lower bound of (pc, flags, 0). */
    BundleWhere key = {.pc = pc, .flags = flags, .entry = 0};
    size_t lo = 0, hi = v->hdr.nwhere;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bundle_where_cmp(&v->where[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < v->hdr.nwhere && v->where[lo].pc == pc && v->where[lo].flags == flags)
        return &v->where[lo];
    return NULL;
}

/* ---- parser ---- */

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

typedef struct Section {
    size_t start;        /* offset of the id byte */
    size_t payload, len; /* custom payload (after the name) */
} Section;

int bundle_parse(const uint8_t *d, size_t len, BundleView *out, char *err, size_t errlen)
{
    static const uint8_t wasm_magic[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    memset(out, 0, sizeof(*out));
    if (len < 8 || memcmp(d, wasm_magic, 8))
        return fail(err, errlen, "not a Wasm module (bad magic or version)");
    /* Walk every section; remember the custom sections that are ours. */
    Section hdr = {0}, idx = {0};
    int nhdr = 0, nidx = 0, last = -1, prev = -1; /* which of ours the last two sections were */
    size_t pos = 8;
    while (pos < len) {
        size_t start = pos;
        uint8_t id = d[pos++];
        uint32_t size;
        if (leb_read_u32(d, len, &pos, &size) || size > len - pos)
            return fail(err, errlen, "truncated: section at offset %zu runs past the end", start);
        size_t end = pos + size;
        int ours = 0;
        if (id == 0) {
            uint32_t nlen;
            if (leb_read_u32(d, end, &pos, &nlen) || nlen > end - pos)
                return fail(err, errlen, "corrupt custom section name at offset %zu", start);
            const char *name = (const char *)d + pos;
            pos += nlen;
            Section s = {start, pos, end - pos};
            if (nlen == strlen(BUNDLE_SEC_HEADER) && !memcmp(name, BUNDLE_SEC_HEADER, nlen)) {
                hdr = s;
                nhdr++;
                ours = 1;
            } else if (nlen == strlen(BUNDLE_SEC_INDEX) && !memcmp(name, BUNDLE_SEC_INDEX, nlen)) {
                idx = s;
                nidx++;
                ours = 2;
            }
        }
        prev = last;
        last = ours;
        pos = end;
    }
    if (!nhdr)
        return fail(err, errlen, "no %s section (not a Kiln bundle, or truncated)",
                    BUNDLE_SEC_HEADER);
    if (!nidx)
        return fail(err, errlen, "no %s section (truncated?)", BUNDLE_SEC_INDEX);
    if (nhdr > 1 || nidx > 1 || prev != 1 || last != 2)
        return fail(err, errlen, "bundle sections are not the last two sections, once each");
    if (hdr.len != BUNDLE_HEADER_SIZE || memcmp(d + hdr.payload, BUNDLE_MAGIC, 8))
        return fail(err, errlen, "bad bundle header (magic or size)");
    const uint8_t *hp = d + hdr.payload;
    if (le_load(hp + BUNDLE_HEADER_SIZE - 8, 8) != tb_hash_bytes(hp, BUNDLE_HEADER_SIZE - 8))
        return fail(err, errlen, "bundle header checksum mismatch (corrupt header)");
    BundleHeader *h = &out->hdr;
    header_decode(hp, h);
    if (h->format_version != BUNDLE_FORMAT_VERSION)
        return fail(err, errlen, "bundle format version %u, this runtime reads version %u",
                    h->format_version, BUNDLE_FORMAT_VERSION);
    if (h->code_len != hdr.start)
        return fail(err, errlen, "module size %llu in the header, %zu in the file",
                    (unsigned long long)h->code_len, hdr.start);
    if (h->code_hash != checksum64(d, hdr.start))
        return fail(err, errlen, "module code checksum mismatch (corrupt code)");
    uint64_t need = (uint64_t)h->nentries * BUNDLE_ENTRY_SIZE +
                    (uint64_t)h->nwhere * BUNDLE_WHERE_SIZE + h->tci_len;
    if (h->nentries > BUNDLE_MAX_ENTRIES || h->nwhere > BUNDLE_MAX_ENTRIES || need != idx.len)
        return fail(err, errlen,
                    "index holds %zu bytes, header says %u entries, %u where records and %u "
                    "bytes of TCI images",
                    idx.len, h->nentries, h->nwhere, h->tci_len);
    if (h->index_hash != checksum64(d + idx.payload, idx.len))
        return fail(err, errlen, "index checksum mismatch (corrupt index)");
    out->entries = malloc((h->nentries ? h->nentries : 1) * sizeof(BundleEntry));
    out->where = malloc((h->nwhere ? h->nwhere : 1) * sizeof(BundleWhere));
    if (!out->entries || !out->where) {
        bundle_view_free(out);
        return fail(err, errlen, "out of memory for the index (%zu bytes)", idx.len);
    }
    const uint8_t *p = d + idx.payload;
    for (uint32_t i = 0; i < h->nentries; i++, p += BUNDLE_ENTRY_SIZE) {
        BundleEntry *e = &out->entries[i];
        entry_decode(p, e);
        const char *bad = NULL;
        if (e->func == BUNDLE_NO_FUNC
                ? !e->tci_len || e->tci_off > h->tci_len || e->tci_len > h->tci_len - e->tci_off
                : e->func >= h->nfuncs || e->tci_len || e->tci_off)
            bad = "function or TCI image out of range";
        else if (!e->ninsns || e->ninsns > RV_TB_MAX_INSNS || e->size < 2u * e->ninsns ||
                 e->size > 4u * e->ninsns)
            bad = "bad size or instruction count";
        else if (i && bundle_entry_cmp(&out->entries[i - 1], e) >= 0)
            bad = "not sorted or duplicated";
        if (bad) {
            bundle_view_free(out);
            return fail(err, errlen, "index entry %u: %s", i, bad);
        }
    }
    for (uint32_t i = 0; i < h->nwhere; i++, p += BUNDLE_WHERE_SIZE) {
        BundleWhere *w = &out->where[i];
        where_decode(p, w);
        const char *bad = NULL;
        if (w->entry >= h->nentries || out->entries[w->entry].flags != w->flags)
            bad = "entry out of range, or other flags than its entry";
        else if (i && bundle_where_cmp(&out->where[i - 1], w) >= 0)
            bad = "not sorted or duplicated";
        if (bad) {
            bundle_view_free(out);
            return fail(err, errlen, "where record %u: %s", i, bad);
        }
    }
    out->tci = p;
    return 0;
}

void bundle_view_free(BundleView *v)
{
    free(v->entries);
    free(v->where);
    v->entries = NULL;
    v->where = NULL;
    v->tci = NULL;
}

/* ---- writer ---- */

static size_t leb_len(uint32_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *put_leb(uint8_t *p, uint32_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        *p++ = b | (v ? 0x80 : 0);
    } while (v);
    return p;
}

/* Append a custom section named name with payload[0..n). */
static int append_custom(uint8_t **out, size_t *outlen, const char *name, const uint8_t *payload,
                         size_t n)
{
    size_t nl = strlen(name);
    size_t body = leb_len((uint32_t)nl) + nl + n;
    if (body > UINT32_MAX)
        return -1;
    size_t total = 1 + leb_len((uint32_t)body) + body;
    uint8_t *buf = realloc(*out, *outlen + total);
    if (!buf)
        return -1;
    *out = buf;
    uint8_t *p = buf + *outlen;
    *p++ = 0;
    p = put_leb(p, (uint32_t)body);
    p = put_leb(p, (uint32_t)nl);
    memcpy(p, name, nl);
    p += nl;
    if (n)
        memcpy(p, payload, n);
    *outlen += total;
    return 0;
}

int bundle_write_sections(BundleHeader *hdr, const BundleIndex *ix, const uint8_t *code,
                          size_t code_len, uint8_t **out, size_t *outlen)
{
    size_t len = (size_t)ix->nentries * BUNDLE_ENTRY_SIZE + (size_t)ix->nwhere * BUNDLE_WHERE_SIZE +
                 ix->tci_len;
    uint8_t *index = malloc(len + 1), *p = index;
    if (!index)
        return -1;
    for (uint32_t i = 0; i < ix->nentries; i++, p += BUNDLE_ENTRY_SIZE)
        entry_encode(&ix->entries[i], p);
    for (uint32_t i = 0; i < ix->nwhere; i++, p += BUNDLE_WHERE_SIZE)
        where_encode(&ix->where[i], p);
    if (ix->tci_len)
        memcpy(p, ix->tci, ix->tci_len);
    hdr->format_version = BUNDLE_FORMAT_VERSION;
    hdr->nentries = ix->nentries;
    hdr->nwhere = ix->nwhere;
    hdr->tci_len = ix->tci_len;
    hdr->code_len = code_len;
    hdr->code_hash = checksum64(code, code_len);
    hdr->index_hash = checksum64(index, len);
    uint8_t h[BUNDLE_HEADER_SIZE];
    header_encode(hdr, h);
    int rc = append_custom(out, outlen, BUNDLE_SEC_HEADER, h, sizeof(h));
    if (!rc)
        rc = append_custom(out, outlen, BUNDLE_SEC_INDEX, index, len);
    free(index);
    return rc;
}
