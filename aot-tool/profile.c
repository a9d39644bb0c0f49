/* profile.c - .prof loader, writer, merge (see profile.h; the byte layout
 * is documented in docs/profile-format.md and mirrored by PROF_FIXED_SIZE
 * and ENTRY_FIXED_SIZE below).  All integers are little-endian. */
#include "profile.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/file.h"

/* magic 8, version 4, flags 4, 7 x u64 hashes/sizes/counts, nentries 4;
 * version 2 adds u64 snapshot_insns */
#define PROF_FIXED_SIZE_V1 76u
#define PROF_FIXED_SIZE 84u
/* vpc 8, ppc 8, hash 8, flags 4, ninsns 4, count 8, [version 3: count_after 8,] len 4 */
#define ENTRY_FIXED_SIZE_V2 44u
#define ENTRY_FIXED_SIZE 52u
#define CHECKSUM_SIZE 8u
#define KNOWN_FLAGS (PROF_F_DETERMINISTIC | PROF_F_MERGED)

/* Code bytes live in arena chunks owned by the profile. */
typedef struct ArenaChunk {
    struct ArenaChunk *next;
    size_t used, cap;
    uint8_t data[];
} ArenaChunk;

struct Profile {
    ProfHeader hdr;
    ProfEntry *e;
    size_t n, cap;
    bool sorted;   /* sorted and without duplicates */
    bool overflow; /* a combined count saturated: the profile cannot be saved */
    ArenaChunk *arena;
};

/* ---- helpers -------------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_err(char *err, size_t errlen, const char *name, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    int k = snprintf(err, errlen, "%s: ", name);
    if (k < 0 || (size_t)k >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
    va_end(ap);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static const uint8_t *arena_copy(Profile *p, const uint8_t *src, size_t n)
{
    ArenaChunk *c = p->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->next = p->arena;
        c->used = 0;
        c->cap = cap;
        p->arena = c;
    }
    uint8_t *dst = c->data + c->used;
    memcpy(dst, src, n);
    c->used += n;
    return dst;
}

static char *dup_str(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* Order: key, then length, then bytes (a total order on entries). */
static int entry_cmp(const ProfEntry *a, const ProfEntry *b)
{
    int c = tb_key_cmp(&a->key, &b->key);
    if (c)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return memcmp(a->bytes, b->bytes, a->len);
}

static int entry_qsort_cmp(const void *a, const void *b)
{
    return entry_cmp(a, b);
}

/* ---- building --------------------------------------------------------------- */

static Profile *prof_alloc(void)
{
    return calloc(1, sizeof(Profile));
}

Profile *prof_new(const ProfHeader *hdr)
{
    Profile *p = prof_alloc();
    if (!p)
        return NULL;
    p->hdr = *hdr;
    p->hdr.version = PROF_VERSION;
#define X(field, label, since)                                                                     \
    p->hdr.field = dup_str(hdr->field ? hdr->field : "", hdr->field ? strlen(hdr->field) : 0);     \
    if (!p->hdr.field)                                                                             \
        goto fail;
    PROF_STRING_FIELDS(X)
#undef X
    p->sorted = true;
    return p;
fail:
    prof_free(p);
    return NULL;
}

static int push_entry(Profile *p, const ProfEntry *src, bool copy_bytes)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        ProfEntry *e = realloc(p->e, cap * sizeof(*e));
        if (!e)
            return -1;
        p->e = e;
        p->cap = cap;
    }
    ProfEntry *d = &p->e[p->n];
    *d = *src;
    if (copy_bytes) {
        d->bytes = arena_copy(p, src->bytes, src->len);
        if (!d->bytes)
            return -1;
    }
    if (p->n && p->sorted && entry_cmp(&p->e[p->n - 1], d) >= 0)
        p->sorted = false;
    p->n++;
    return 0;
}

int prof_add(Profile *p, const TBKey *key, uint32_t ninsns, const uint8_t *bytes, uint32_t len,
             uint64_t count, uint64_t count_after)
{
    if (!len || len > PROF_MAX_CODE || !count || !ninsns || count_after > count)
        return -1;
    ProfEntry e = {.key = *key,
                   .ninsns = ninsns,
                   .len = len,
                   .count = count,
                   .count_after = count_after,
                   .bytes = bytes};
    return push_entry(p, &e, true);
}

int prof_normalize(Profile *p)
{
    if (p->sorted)
        return p->overflow ? -1 : 0;
    qsort(p->e, p->n, sizeof(*p->e), entry_qsort_cmp);
    size_t w = 0;
    int rc = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (w && entry_cmp(&p->e[w - 1], &p->e[i]) == 0) {
            ProfEntry *d = &p->e[w - 1];
            if (d->count > UINT64_MAX - p->e[i].count) { /* count_after <= count */
                d->count = d->count_after = UINT64_MAX;
                p->overflow = true;
                rc = -1;
            } else {
                d->count += p->e[i].count;
                d->count_after += p->e[i].count_after;
            }
            continue;
        }
        p->e[w++] = p->e[i];
    }
    p->n = w;
    p->sorted = true;
    return rc;
}

void prof_prune(Profile *p, uint64_t min_count)
{
    size_t w = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->e[i].count >= min_count)
            p->e[w++] = p->e[i];
    p->n = w;
    p->hdr.min_count = min_count;
}

void prof_free(Profile *p)
{
    if (!p)
        return;
#define X(field, label, since) free(p->hdr.field);
    PROF_STRING_FIELDS(X)
#undef X
    free(p->e);
    ArenaChunk *c = p->arena;
    while (c) {
        ArenaChunk *next = c->next;
        free(c);
        c = next;
    }
    free(p);
}

/* ---- access ----------------------------------------------------------------- */

const ProfHeader *prof_header(const Profile *p)
{
    return &p->hdr;
}

ProfHeader *prof_header_mut(Profile *p)
{
    return &p->hdr;
}

size_t prof_count(const Profile *p)
{
    return p->n;
}

const ProfEntry *prof_entry(const Profile *p, size_t i)
{
    return i < p->n ? &p->e[i] : NULL;
}

const ProfEntry *prof_first(const Profile *p)
{
    return p->n ? &p->e[0] : NULL;
}

const ProfEntry *prof_next(const Profile *p, const ProfEntry *e)
{
    size_t i = (size_t)(e - p->e) + 1;
    return i < p->n ? &p->e[i] : NULL;
}

const ProfEntry *prof_find(const Profile *p, const TBKey *key)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) { /* first entry with key >= *key */
        size_t mid = lo + (hi - lo) / 2;
        if (tb_key_cmp(&p->e[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->n && tb_key_cmp(&p->e[lo].key, key) == 0 ? &p->e[lo] : NULL;
}

/* ---- loading ---------------------------------------------------------------- */

/* Bounded reader over the file image; every read checks the remaining size. */
typedef struct Reader {
    const uint8_t *p;
    size_t left;
} Reader;

static bool take(Reader *r, size_t n, const uint8_t **out)
{
    if (r->left < n)
        return false;
    *out = r->p;
    r->p += n;
    r->left -= n;
    return true;
}

static const char *const string_labels[] = {
#define X(field, label, since) label,
    PROF_STRING_FIELDS(X)
#undef X
};

static const uint32_t string_since[] = {
#define X(field, label, since) since,
    PROF_STRING_FIELDS(X)
#undef X
};

int prof_load_mem(const void *data, size_t size, const char *name, Profile **out, char *err,
                  size_t errlen)
{
    const uint8_t *d = data;
    *out = NULL;
    size_t magic_len = strlen(PROF_MAGIC);
    if (size == 0) {
        set_err(err, errlen, name, "empty file, not a Kiln profile");
        return -1;
    }
    if (memcmp(d, PROF_MAGIC, size < magic_len ? size : magic_len) != 0) {
        set_err(err, errlen, name, "not a Kiln profile (bad magic; expected \"%s\")", PROF_MAGIC);
        return -1;
    }
    if (size < magic_len + 4) {
        set_err(err, errlen, name, "truncated: %zu bytes, too short for the magic and version",
                size);
        return -1;
    }
    uint32_t version = rd32(d + 8);
    if (version < PROF_VERSION_MIN || version > PROF_VERSION) {
        set_err(err, errlen, name,
                "unsupported profile format version %u (this tool reads %u to %u)", version,
                PROF_VERSION_MIN, PROF_VERSION);
        return -1;
    }
    size_t fixed = version == 1 ? PROF_FIXED_SIZE_V1 : PROF_FIXED_SIZE;
    if (size < fixed + CHECKSUM_SIZE) {
        set_err(err, errlen, name,
                "truncated header: %zu bytes, a version %u profile has at least %zu", size, version,
                fixed + CHECKSUM_SIZE);
        return -1;
    }
    size_t body = size - CHECKSUM_SIZE;
    uint64_t want = rd64(d + body), got = tb_hash_bytes(d, body);
    if (want != got) {
        set_err(err, errlen, name,
                "checksum mismatch (file corrupt or truncated): stored %016llx, computed %016llx",
                (unsigned long long)want, (unsigned long long)got);
        return -1;
    }

    Profile *p = prof_alloc();
    if (!p) {
        set_err(err, errlen, name, "out of memory");
        return -1;
    }
    ProfHeader *h = &p->hdr;
    h->version = version;
    h->flags = rd32(d + 12);
    h->kernel_hash = rd64(d + 16);
    h->bios_hash = rd64(d + 24);
    h->drive_hash = rd64(d + 32);
    h->mem_size = rd64(d + 40);
    h->insns = rd64(d + 48);
    h->tb_execs = rd64(d + 56);
    h->min_count = rd64(d + 64);
    uint32_t nentries = rd32(d + 72);
    h->snapshot_insns = version >= 2 ? rd64(d + 76) : 0;
    Reader r = {d + fixed, body - fixed};
    const uint8_t *q;

    if (h->flags & ~KNOWN_FLAGS) {
        set_err(err, errlen, name, "unknown header flags %#x", h->flags & ~KNOWN_FLAGS);
        goto fail;
    }
    if (nentries > PROF_MAX_ENTRIES) {
        set_err(err, errlen, name, "entry count %u exceeds the limit %u", nentries,
                PROF_MAX_ENTRIES);
        goto fail;
    }
    if (nentries && !h->min_count) {
        set_err(err, errlen, name, "header min_count is 0");
        goto fail;
    }
    char **strs[] = {
#define X(field, label, since) &h->field,
        PROF_STRING_FIELDS(X)
#undef X
    };
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        if (string_since[i] > version) { /* not in this version: "" */
            *strs[i] = dup_str("", 0);
            if (!*strs[i]) {
                set_err(err, errlen, name, "out of memory");
                goto fail;
            }
            continue;
        }
        if (!take(&r, 4, &q)) {
            set_err(err, errlen, name, "truncated header: length of the %s string is missing",
                    string_labels[i]);
            goto fail;
        }
        uint32_t len = rd32(q);
        if (len > PROF_MAX_STRING) {
            set_err(err, errlen, name, "%s string length %u exceeds the limit %u", string_labels[i],
                    len, PROF_MAX_STRING);
            goto fail;
        }
        if (!take(&r, len, &q)) {
            set_err(err, errlen, name, "truncated header: %s string needs %u bytes, %zu left",
                    string_labels[i], len, r.left);
            goto fail;
        }
        if (memchr(q, 0, len)) {
            set_err(err, errlen, name, "%s string contains a NUL byte", string_labels[i]);
            goto fail;
        }
        *strs[i] = dup_str((const char *)q, len);
        if (!*strs[i]) {
            set_err(err, errlen, name, "out of memory");
            goto fail;
        }
    }
    if (!*h->snapshot_at && (h->snapshot_insns || *h->input)) {
        set_err(err, errlen, name, "snapshot instruction count or input without a snapshot marker");
        goto fail;
    }
    if (h->snapshot_insns > h->insns) {
        set_err(err, errlen, name,
                "snapshot at instruction %llu, after the %llu instructions of the run",
                (unsigned long long)h->snapshot_insns, (unsigned long long)h->insns);
        goto fail;
    }
    /* Each entry needs at least ENTRY_FIXED_SIZE + 1 bytes: check the count
     * against the data before allocating for it. */
    const uint32_t entry_fixed = version >= 3 ? ENTRY_FIXED_SIZE : ENTRY_FIXED_SIZE_V2;
    if ((uint64_t)nentries * (entry_fixed + 1) > r.left) {
        set_err(err, errlen, name, "entry count %u does not fit in the %zu bytes of entry data",
                nentries, r.left);
        goto fail;
    }
    if (nentries) {
        p->e = malloc((size_t)nentries * sizeof(*p->e));
        if (!p->e) {
            set_err(err, errlen, name, "out of memory");
            goto fail;
        }
        p->cap = nentries;
    }
    uint64_t total = 0;
    for (uint32_t i = 0; i < nentries; i++) {
        ProfEntry *e = &p->e[i];
        if (!take(&r, entry_fixed, &q)) {
            set_err(err, errlen, name, "entry %u: truncated (%zu bytes left, need %u)", i, r.left,
                    entry_fixed);
            goto fail;
        }
        e->key.vpc = rd64(q);
        e->key.ppc = rd64(q + 8);
        e->key.hash = rd64(q + 16);
        e->key.flags = rd32(q + 24);
        e->ninsns = rd32(q + 28);
        e->count = rd64(q + 32);
        e->count_after = version >= 3 ? rd64(q + 40) : 0;
        e->len = rd32(q + entry_fixed - 4);
        if (!e->len || e->len > PROF_MAX_CODE) {
            set_err(err, errlen, name, "entry %u: code length %u out of range 1..%u", i, e->len,
                    PROF_MAX_CODE);
            goto fail;
        }
        if (!take(&r, e->len, &q)) {
            set_err(err, errlen, name,
                    "entry %u: code bytes length mismatch: length %u but only %zu bytes left", i,
                    e->len, r.left);
            goto fail;
        }
        e->bytes = q; /* re-pointed into the arena below */
        if (tb_hash_bytes(q, e->len) != e->key.hash) {
            set_err(err, errlen, name, "entry %u: code hash %016llx does not match its %u bytes", i,
                    (unsigned long long)e->key.hash, e->len);
            goto fail;
        }
        if (!e->ninsns || e->ninsns > e->len / 2) {
            set_err(err, errlen, name,
                    "entry %u: instruction count %u impossible for %u bytes of code", i, e->ninsns,
                    e->len);
            goto fail;
        }
        if (e->count < h->min_count || !e->count) {
            set_err(err, errlen, name, "entry %u: count %llu below the profile's min_count %llu", i,
                    (unsigned long long)e->count, (unsigned long long)h->min_count);
            goto fail;
        }
        if (e->count > UINT64_MAX - total || total + e->count > h->tb_execs) {
            set_err(err, errlen, name,
                    "entry %u: execution counts overflow (they add up to more than the "
                    "header's %llu block executions)",
                    i, (unsigned long long)h->tb_execs);
            goto fail;
        }
        total += e->count;
        if (e->count_after > e->count) {
            set_err(err, errlen, name,
                    "entry %u: %llu executions after the snapshot point, more than its count %llu",
                    i, (unsigned long long)e->count_after, (unsigned long long)e->count);
            goto fail;
        }
        if (e->count_after && !*h->snapshot_at) {
            set_err(err, errlen, name,
                    "entry %u: executions after a snapshot point, but the profile has no snapshot",
                    i);
            goto fail;
        }
        if (i && entry_cmp(&p->e[i - 1], e) >= 0) {
            set_err(err, errlen, name, "entry %u: out of order or duplicate (pc %#llx)", i,
                    (unsigned long long)e->key.vpc);
            goto fail;
        }
        p->n = i + 1;
    }
    if (r.left) {
        set_err(err, errlen, name, "%zu bytes of unexpected data after entry %u", r.left, nentries);
        goto fail;
    }
    /* Copy all code into one arena chunk so the profile owns its bytes. */
    size_t code = 0;
    for (size_t i = 0; i < p->n; i++)
        code += p->e[i].len;
    if (code) {
        ArenaChunk *c = malloc(sizeof(*c) + code);
        if (!c) {
            set_err(err, errlen, name, "out of memory");
            goto fail;
        }
        c->next = NULL;
        c->cap = c->used = code;
        p->arena = c;
        size_t off = 0;
        for (size_t i = 0; i < p->n; i++) {
            memcpy(c->data + off, p->e[i].bytes, p->e[i].len);
            p->e[i].bytes = c->data + off;
            off += p->e[i].len;
        }
    }
    p->sorted = true;
    *out = p;
    return 0;
fail:
    p->n = 0; /* entries point into data, not the arena */
    prof_free(p);
    return -1;
}

int prof_load(const char *path, Profile **out, char *err, size_t errlen)
{
    *out = NULL;
    uint8_t *buf;
    size_t size;
    int rc = file_read_all(path, SIZE_MAX, &buf, &size);
    if (rc) {
        set_err(err, errlen, path, "cannot open: %s", strerror(-rc));
        return -1;
    }
    rc = prof_load_mem(buf, size, path, out, err, errlen);
    free(buf);
    return rc;
}

/* ---- writing ---------------------------------------------------------------- */

typedef struct Buf {
    uint8_t *d;
    size_t n, cap;
    bool oom;
} Buf;

static void put(Buf *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (b->cap - b->n < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->n < n)
            cap *= 2;
        uint8_t *d = realloc(b->d, cap);
        if (!d) {
            b->oom = true;
            return;
        }
        b->d = d;
        b->cap = cap;
    }
    memcpy(b->d + b->n, src, n);
    b->n += n;
}

static void put32(Buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

static void put64(Buf *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}

int prof_serialize(Profile *p, uint8_t **data, size_t *size, char *err, size_t errlen)
{
    if (prof_normalize(p) != 0) {
        set_err(err, errlen, "profile", "execution counts overflow 64 bits");
        return -1;
    }
    if (p->n > PROF_MAX_ENTRIES) {
        set_err(err, errlen, "profile", "too many entries (%zu)", p->n);
        return -1;
    }
    Buf b = {0};
    const ProfHeader *h = &p->hdr;
    put(&b, PROF_MAGIC, strlen(PROF_MAGIC));
    put32(&b, PROF_VERSION);
    put32(&b, h->flags);
    put64(&b, h->kernel_hash);
    put64(&b, h->bios_hash);
    put64(&b, h->drive_hash);
    put64(&b, h->mem_size);
    put64(&b, h->insns);
    put64(&b, h->tb_execs);
    put64(&b, h->min_count ? h->min_count : 1);
    put32(&b, (uint32_t)p->n);
    put64(&b, h->snapshot_insns);
#define X(field, label, since)                                                                     \
    {                                                                                              \
        size_t len = strlen(h->field);                                                             \
        if (len > PROF_MAX_STRING) {                                                               \
            set_err(err, errlen, "profile", "%s string too long", label);                          \
            free(b.d);                                                                             \
            return -1;                                                                             \
        }                                                                                          \
        put32(&b, (uint32_t)len);                                                                  \
        put(&b, h->field, len);                                                                    \
    }
    PROF_STRING_FIELDS(X)
#undef X
    for (size_t i = 0; i < p->n; i++) {
        const ProfEntry *e = &p->e[i];
        put64(&b, e->key.vpc);
        put64(&b, e->key.ppc);
        put64(&b, e->key.hash);
        put32(&b, e->key.flags);
        put32(&b, e->ninsns);
        put64(&b, e->count);
        put64(&b, e->count_after);
        put32(&b, e->len);
        put(&b, e->bytes, e->len);
    }
    if (!b.oom)
        put64(&b, tb_hash_bytes(b.d, b.n));
    if (b.oom) {
        set_err(err, errlen, "profile", "out of memory");
        free(b.d);
        return -1;
    }
    *data = b.d;
    *size = b.n;
    return 0;
}

int prof_save(Profile *p, const char *path, char *err, size_t errlen)
{
    uint8_t *data;
    size_t size;
    if (prof_serialize(p, &data, &size, err, errlen) != 0)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f) {
        set_err(err, errlen, path, "cannot create: %s", strerror(errno));
        free(data);
        return -1;
    }
    bool ok = fwrite(data, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
    free(data);
    if (!ok) {
        set_err(err, errlen, path, "write error: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- merging ---------------------------------------------------------------- */

int prof_merge(const Profile *a, const Profile *b, Profile **out, char *err, size_t errlen)
{
    *out = NULL;
    if (a->hdr.kernel_hash != b->hdr.kernel_hash || a->hdr.bios_hash != b->hdr.bios_hash) {
        set_err(err, errlen, "merge",
                "profiles are for different guest images (kernel %016llx/%016llx, bios "
                "%016llx/%016llx)",
                (unsigned long long)a->hdr.kernel_hash, (unsigned long long)b->hdr.kernel_hash,
                (unsigned long long)a->hdr.bios_hash, (unsigned long long)b->hdr.bios_hash);
        return -1;
    }
    if (a->hdr.insns > UINT64_MAX - b->hdr.insns ||
        a->hdr.tb_execs > UINT64_MAX - b->hdr.tb_execs) {
        set_err(err, errlen, "merge", "instruction or block execution totals overflow 64 bits");
        return -1;
    }
    Profile *p = prof_new(&a->hdr);
    if (!p) {
        set_err(err, errlen, "merge", "out of memory");
        return -1;
    }
    p->hdr.flags |= PROF_F_MERGED;
    if (!(b->hdr.flags & PROF_F_DETERMINISTIC)) /* deterministic only if both were */
        p->hdr.flags &= ~PROF_F_DETERMINISTIC;
    p->hdr.insns = a->hdr.insns + b->hdr.insns;
    p->hdr.tb_execs = a->hdr.tb_execs + b->hdr.tb_execs;
    uint64_t ma = a->hdr.min_count ? a->hdr.min_count : 1;
    uint64_t mb = b->hdr.min_count ? b->hdr.min_count : 1;
    p->hdr.min_count = ma < mb ? ma : mb;
    /* Executions after a snapshot point mean something only under a's
     * header, which the result takes: without a snapshot there, none. */
    bool after = *a->hdr.snapshot_at != 0;
    const Profile *src[2] = {a, b};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < src[s]->n; i++) {
            ProfEntry e = src[s]->e[i];
            if (!after)
                e.count_after = 0;
            if (push_entry(p, &e, true) != 0) {
                set_err(err, errlen, "merge", "out of memory");
                prof_free(p);
                return -1;
            }
        }
    if (prof_normalize(p) != 0) {
        set_err(err, errlen, "merge", "execution counts overflow 64 bits");
        prof_free(p);
        return -1;
    }
    *out = p;
    return 0;
}
