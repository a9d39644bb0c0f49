/* fdt.h - a small flattened-device-tree (DTB) writer, DT spec v0.4 ch. 5.
 * Build nodes depth-first (begin_node ... props ... end_node); fdt_finish
 * returns a malloc'ed blob (caller frees) of version 17 with an empty memory
 * reservation block and deduplicated property names. */
#ifndef KILN_FDT_H
#define KILN_FDT_H
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u
#define FDT_HEADER_SIZE 40u

typedef struct FDT {
    uint8_t *st; /* structure block */
    size_t st_len, st_cap;
    char *str; /* strings block */
    size_t str_len, str_cap;
    int depth;
    int error; /* sticky: allocation failure or unbalanced nodes */
} FDT;

void fdt_init(FDT *f);
void fdt_free(FDT *f);
void fdt_begin_node(FDT *f, const char *name); /* "" for the root */
void fdt_end_node(FDT *f);
void fdt_prop(FDT *f, const char *name, const void *data, size_t len);
void fdt_prop_empty(FDT *f, const char *name);
void fdt_prop_u32(FDT *f, const char *name, uint32_t v);
void fdt_prop_u64(FDT *f, const char *name, uint64_t v); /* two cells, high first */
void fdt_prop_string(FDT *f, const char *name, const char *s);
/* A string list: n NUL-terminated strings back to back ("a\0b\0"). */
void fdt_prop_strings(FDT *f, const char *name, const char *const *s, int n);
void fdt_prop_cells(FDT *f, const char *name, const uint32_t *cells, int n);

/* Close the tree. Returns 0 and the blob (*out, *size; caller frees *out)
 * or -1 if building failed; f is freed either way. */
int fdt_finish(FDT *f, uint8_t **out, size_t *size);

#endif
