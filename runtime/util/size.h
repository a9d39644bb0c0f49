/* size.h - memory sizes on command lines (kiln --mem, aot-tool profile --mem). */
#ifndef KILN_UTIL_SIZE_H
#define KILN_UTIL_SIZE_H
#include <stdint.h>

/* Parses N[K|M|G][B|iB] (a plain number is MiB, like QEMU's -m) into bytes.
 * Returns 0, or -1 for anything else: no digits, a sign, an unknown suffix,
 * zero, or more than 1 TiB. */
int parse_mem_size(const char *s, uint64_t *out);

#endif
