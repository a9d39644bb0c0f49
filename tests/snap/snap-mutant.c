/* snap-mutant.c - test helper for tests/snap/snap.py's mutate case:
 *   snap-mutant IN OUT OFFSET HEX
 * writes OUT: the snapshot IN with the bytes at OFFSET replaced by HEX (an
 * even number of hex digits) and its checksum trailer recomputed
 * (checksum64, docs/snapshot-format.md), so the restore gets past the
 * envelope to the sections.  Exit status 0, or 1 with a message. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/checksum.h"
#include "util/file.h"

static int usage(const char *why)
{
    fprintf(stderr, "snap-mutant: %s\nusage: snap-mutant IN OUT OFFSET HEX\n", why);
    return 1;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 5)
        return usage("four arguments needed");
    uint8_t *d;
    size_t len;
    int rc = file_read_all(argv[1], (size_t)1 << 31, &d, &len);
    if (rc) {
        fprintf(stderr, "snap-mutant: %s: %s\n", argv[1], strerror(-rc));
        return 1;
    }
    char *end;
    unsigned long long off = strtoull(argv[3], &end, 0);
    size_t n = strlen(argv[4]) / 2;
    if (*end || strlen(argv[4]) % 2 || len < 8 || off > len - 8 || n > len - 8 - off) {
        free(d);
        return usage("OFFSET + HEX must lie before the 8-byte trailer");
    }
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(argv[4][2 * i]), lo = hexval(argv[4][2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(d);
            return usage("HEX: lower-case hex digits only");
        }
        d[off + i] = (uint8_t)(hi << 4 | lo);
    }
    uint64_t sum = checksum64(d, len - 8);
    for (int b = 0; b < 8; b++)
        d[len - 8 + (size_t)b] = (uint8_t)(sum >> (8 * b));
    FILE *f = fopen(argv[2], "wb");
    bool ok = f && fwrite(d, 1, len, f) == len;
    if (f && fclose(f))
        ok = false;
    if (!ok)
        fprintf(stderr, "snap-mutant: %s: %s\n", argv[2], strerror(errno));
    free(d);
    return ok ? 0 : 1;
}
