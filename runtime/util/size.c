/* size.c - see size.h. */
#include "util/size.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int parse_mem_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    uint64_t mul = 1ull << 20;
    if (*end) {
        switch (*end) {
        case 'k':
        case 'K': mul = 1ull << 10; break;
        case 'm':
        case 'M': mul = 1ull << 20; break;
        case 'g':
        case 'G': mul = 1ull << 30; break;
        default: return -1;
        }
        const char *t = end + 1;
        if (*t && strcmp(t, "B") && strcmp(t, "b") && strcmp(t, "iB"))
            return -1;
    }
    if (v == 0 || v > (1ull << 40) / mul)
        return -1;
    *out = v * mul;
    return 0;
}
