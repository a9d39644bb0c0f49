/* snap.c - snapshot writer/reader primitives and the file envelope (see
 * snap.h and docs/snapshot-format.md).  All integers little-endian. */
#include "snap/snap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/checksum.h"
#include "util/file.h"
#include "util/le.h"

uint8_t *snap_reserve(SnapWriter *w, size_t n)
{
    if (w->err)
        return NULL;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 65536;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *b = realloc(w->buf, cap);
        if (!b) {
            w->err = true;
            return NULL;
        }
        w->buf = b;
        w->cap = cap;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

void snap_put_bytes(SnapWriter *w, const void *p, size_t n)
{
    uint8_t *d = snap_reserve(w, n);
    if (d && n)
        memcpy(d, p, n);
}

static void put_le(SnapWriter *w, uint64_t v, unsigned n)
{
    uint8_t *d = snap_reserve(w, n);
    if (d)
        le_store(d, n, v);
}

void snap_put_u8(SnapWriter *w, uint8_t v)
{
    put_le(w, v, 1);
}
void snap_put_u16(SnapWriter *w, uint16_t v)
{
    put_le(w, v, 2);
}
void snap_put_u32(SnapWriter *w, uint32_t v)
{
    put_le(w, v, 4);
}
void snap_put_u64(SnapWriter *w, uint64_t v)
{
    put_le(w, v, 8);
}

void snap_put_str(SnapWriter *w, const char *s)
{
    if (!s) {
        snap_put_u32(w, UINT32_MAX);
        return;
    }
    size_t n = strlen(s);
    snap_put_u32(w, (uint32_t)n);
    snap_put_bytes(w, s, n);
}

size_t snap_section_begin(SnapWriter *w, uint32_t tag)
{
    snap_put_u32(w, tag);
    snap_put_u32(w, 0);
    size_t at = w->len;
    snap_put_u64(w, 0);
    return at;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void snap_section_end(SnapWriter *w, size_t at)
{
    if (!w->err)
        le_store(w->buf + at, 8, w->len - at - 8);
}

void snap_writer_free(SnapWriter *w)
{
    free(w->buf);
    memset(w, 0, sizeof(*w));
}

const uint8_t *snap_get_bytes(SnapReader *r, size_t n)
{
    if (r->err || n > r->len - r->pos) {
        r->err = true;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

static uint64_t get_le(SnapReader *r, unsigned n)
{
    const uint8_t *p = snap_get_bytes(r, n);
    return p ? le_load(p, n) : 0;
}

uint8_t snap_get_u8(SnapReader *r)
{
    return (uint8_t)get_le(r, 1);
}
uint16_t snap_get_u16(SnapReader *r)
{
    return (uint16_t)get_le(r, 2);
}
uint32_t snap_get_u32(SnapReader *r)
{
    return (uint32_t)get_le(r, 4);
}
uint64_t snap_get_u64(SnapReader *r)
{
    return get_le(r, 8);
}

bool snap_get_bool(SnapReader *r)
{
    uint8_t v = snap_get_u8(r);
    if (v > 1)
        r->err = true;
    return v == 1;
}

char *snap_get_str(SnapReader *r)
{
    uint32_t n = snap_get_u32(r);
    if (r->err || n == UINT32_MAX)
        return NULL;
    const uint8_t *p = snap_get_bytes(r, n);
    if (!p || memchr(p, 0, n)) {
        r->err = true;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        r->err = true;
        return NULL;
    }
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

void snap_file_begin(SnapWriter *w, uint32_t flags)
{
    snap_put_bytes(w, SNAP_MAGIC, 8);
    snap_put_u32(w, SNAP_VERSION);
    snap_put_u32(w, flags);
    snap_put_u64(w, 0); /* file length, patched by snap_file_write */
}

int snap_file_write(SnapWriter *w, const char *path)
{
    snap_put_u64(w, 0); /* trailer placeholder */
    if (w->err) {
        fprintf(stderr, "kiln: snapshot %s: out of memory\n", path);
        return -1;
    }
    le_store(w->buf + 16, 8, w->len);
    le_store(w->buf + w->len - 8, 8, checksum64(w->buf, w->len - 8));
    /* Write a temporary file and rename it: a reader never sees half a file. */
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 8);
    if (!tmp) {
        fprintf(stderr, "kiln: snapshot %s: out of memory\n", path);
        return -1;
    }
    snprintf(tmp, plen + 8, "%s.tmp", path);
    FILE *fp = fopen(tmp, "wb");
    bool ok = fp && fwrite(w->buf, 1, w->len, fp) == w->len;
    if (fp && fclose(fp))
        ok = false;
    if (ok && rename(tmp, path))
        ok = false;
    if (!ok) {
        perror(NULL);
        fprintf(stderr, "kiln: snapshot %s: cannot write the file\n", path);
        remove(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

int snap_file_parse(uint8_t *buf, size_t len, SnapFile *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    f->buf = buf;
    f->len = len;
    if (len < 8 || memcmp(buf, SNAP_MAGIC, 8)) {
        snprintf(err, errlen, "not a Kiln snapshot (bad magic)");
        return -1;
    }
    if (len < SNAP_HEADER_SIZE + SNAP_TRAILER_SIZE) {
        snprintf(err, errlen, "truncated (%zu bytes)", len);
        return -1;
    }
    f->version = get32(buf + 8);
    f->flags = get32(buf + 12);
    if (f->version != SNAP_VERSION) {
        snprintf(err, errlen, "format version %u, this kiln reads version %u", f->version,
                 SNAP_VERSION);
        return -1;
    }
    uint64_t flen = le_load(buf + 16, 8);
    if (flen != len) {
        snprintf(err, errlen, "%s (header says %llu bytes, file has %zu)",
                 flen > len ? "truncated" : "length mismatch", (unsigned long long)flen, len);
        return -1;
    }
    if (le_load(buf + len - 8, 8) != checksum64(buf, len - 8)) {
        snprintf(err, errlen, "checksum mismatch (the file is corrupt)");
        return -1;
    }
    size_t pos = SNAP_HEADER_SIZE, end = len - SNAP_TRAILER_SIZE;
    while (pos < end) {
        if (end - pos < 16 || f->nsec == SNAP_MAX_SECTIONS) {
            snprintf(err, errlen, "bad section table at byte %zu", pos);
            return -1;
        }
        uint64_t slen = le_load(buf + pos + 8, 8);
        if (slen > end - pos - 16) {
            snprintf(err, errlen, "section at byte %zu overruns the file", pos);
            return -1;
        }
        f->sec[f->nsec++] = (SnapSection){get32(buf + pos), buf + pos + 16, (size_t)slen};
        pos += 16 + (size_t)slen;
    }
    return 0;
}

int snap_file_read(const char *path, SnapFile *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    uint8_t *buf;
    size_t len;
    int rc = file_read_all(path, SIZE_MAX, &buf, &len);
    if (rc) {
        snprintf(err, errlen, "cannot read the file: %s", strerror(-rc));
        return -1;
    }
    return snap_file_parse(buf, len, f, err, errlen);
}

void snap_file_free(SnapFile *f)
{
    free(f->buf);
    memset(f, 0, sizeof(*f));
}

const SnapSection *snap_file_find(const SnapFile *f, uint32_t tag)
{
    for (unsigned i = 0; i < f->nsec; i++)
        if (f->sec[i].tag == tag)
            return &f->sec[i];
    return NULL;
}

SnapReader snap_reader(const SnapSection *s, bool dry_run)
{
    SnapReader r = {.p = s ? s->data : NULL, .len = s ? s->len : 0, .err = !s, .dry_run = dry_run};
    return r;
}
