/* fdt.c - flattened-device-tree writer (see fdt.h).  Layout of the blob:
 * header (40 bytes) | memory reservation block (one 16-byte terminator) |
 * structure block | strings block.  All integers big-endian. */
#include "hw/fdt.h"
#include <stdlib.h>
#include <string.h>

void fdt_init(FDT *f)
{
    memset(f, 0, sizeof(*f));
}

void fdt_free(FDT *f)
{
    free(f->st);
    free(f->str);
    memset(f, 0, sizeof(*f));
}

static void *grow(void *buf, size_t *cap, size_t need, int *error)
{
    if (need <= *cap)
        return buf;
    size_t ncap = *cap ? *cap : 256;
    while (ncap < need)
        ncap *= 2;
    void *nb = realloc(buf, ncap);
    if (!nb) {
        *error = 1;
        return NULL;
    }
    *cap = ncap;
    return nb;
}

/* Append len bytes then zero-pad the structure block to 4 bytes. */
static void st_put(FDT *f, const void *data, size_t len)
{
    size_t padded = (len + 3) & ~(size_t)3;
    if (f->error)
        return;
    uint8_t *nb = grow(f->st, &f->st_cap, f->st_len + padded, &f->error);
    if (!nb)
        return;
    f->st = nb;
    if (len)
        memcpy(f->st + f->st_len, data, len);
    memset(f->st + f->st_len + len, 0, padded - len);
    f->st_len += padded;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void st_u32(FDT *f, uint32_t v)
{
    uint8_t b[4];
    put_be32(b, v);
    st_put(f, b, 4);
}

/* Offset of name in the strings block, adding it once. */
static uint32_t str_offset(FDT *f, const char *name)
{
    size_t n = strlen(name) + 1;
    for (size_t off = 0; off < f->str_len; off += strlen(f->str + off) + 1)
        if (strcmp(f->str + off, name) == 0)
            return (uint32_t)off;
    char *nb = grow(f->str, &f->str_cap, f->str_len + n, &f->error);
    if (!nb)
        return 0;
    f->str = nb;
    memcpy(f->str + f->str_len, name, n);
    f->str_len += n;
    return (uint32_t)(f->str_len - n);
}

void fdt_begin_node(FDT *f, const char *name)
{
    st_u32(f, FDT_BEGIN_NODE);
    st_put(f, name, strlen(name) + 1);
    f->depth++;
}

void fdt_end_node(FDT *f)
{
    if (f->depth <= 0) {
        f->error = 1;
        return;
    }
    st_u32(f, FDT_END_NODE);
    f->depth--;
}

void fdt_prop(FDT *f, const char *name, const void *data, size_t len)
{
    if (f->depth <= 0)
        f->error = 1;
    uint32_t nameoff = str_offset(f, name);
    st_u32(f, FDT_PROP);
    st_u32(f, (uint32_t)len);
    st_u32(f, nameoff);
    st_put(f, data, len);
}

void fdt_prop_empty(FDT *f, const char *name)
{
    fdt_prop(f, name, NULL, 0);
}

void fdt_prop_u32(FDT *f, const char *name, uint32_t v)
{
    fdt_prop_cells(f, name, &v, 1);
}

void fdt_prop_u64(FDT *f, const char *name, uint64_t v)
{
    uint32_t c[2] = {(uint32_t)(v >> 32), (uint32_t)v};
    fdt_prop_cells(f, name, c, 2);
}

void fdt_prop_string(FDT *f, const char *name, const char *s)
{
    fdt_prop(f, name, s, strlen(s) + 1);
}

void fdt_prop_strings(FDT *f, const char *name, const char *const *s, int n)
{
    char buf[256];
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(s[i]) + 1;
        if (len + l > sizeof(buf)) {
            f->error = 1;
            return;
        }
        memcpy(buf + len, s[i], l);
        len += l;
    }
    fdt_prop(f, name, buf, len);
}

void fdt_prop_cells(FDT *f, const char *name, const uint32_t *cells, int n)
{
    uint8_t buf[4 * 64];
    if (n < 0 || n > 64) {
        f->error = 1;
        return;
    }
    for (int i = 0; i < n; i++)
        put_be32(buf + 4 * i, cells[i]);
    fdt_prop(f, name, buf, 4 * (size_t)n);
}

int fdt_finish(FDT *f, uint8_t **out, size_t *size)
{
    st_u32(f, FDT_END);
    if (f->error || f->depth != 0) {
        fdt_free(f);
        return -1;
    }
    const size_t rsv_off = FDT_HEADER_SIZE; /* 8-aligned as required */
    const size_t st_off = rsv_off + 16;
    const size_t str_off = st_off + f->st_len;
    const size_t total = str_off + f->str_len;
    uint8_t *b = calloc(1, total);
    if (!b) {
        fdt_free(f);
        return -1;
    }
    const uint32_t hdr[10] = {
        FDT_MAGIC,
        (uint32_t)total,
        (uint32_t)st_off,
        (uint32_t)str_off,
        (uint32_t)rsv_off,
        17 /* version */,
        16 /* last compatible version */,
        0 /* boot cpuid */,
        (uint32_t)f->str_len,
        (uint32_t)f->st_len,
    };
    for (int i = 0; i < 10; i++)
        put_be32(b + 4 * i, hdr[i]);
    memcpy(b + st_off, f->st, f->st_len);
    if (f->str_len)
        memcpy(b + str_off, f->str, f->str_len);
    fdt_free(f);
    *out = b;
    *size = total;
    return 0;
}
