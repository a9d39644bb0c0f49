/* file.c - whole-file reading and hashing (see file.h). */
#include "util/file.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "exec/tb-key.h"

/* One buffer of the file's size (+1, to see a file that grew) when fstat
 * knows it, so the bytes are copied once into memory touched once: page
 * faults dominate reading a multi-MB kernel or bundle on some hosts.  Pipes
 * and other unsized files grow the buffer by doubling. */
int file_read_all(const char *path, size_t limit, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
        if ((uint64_t)sb.st_size > limit) {
            fclose(f);
            return -EFBIG;
        }
        cap = (size_t)sb.st_size + 1;
        buf = malloc(cap);
        if (!buf) {
            fclose(f);
            return -ENOMEM;
        }
    }
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 1u << 16;
            uint8_t *p = realloc(buf, ncap);
            if (!p) {
                rc = -ENOMEM;
                break;
            }
            buf = p;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > limit) {
            rc = -EFBIG;
            break;
        }
        if (got == 0) {
            if (ferror(f))
                rc = -EIO;
            break;
        }
    }
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return 0;
}

int file_hash(const char *path, uint64_t *hash, uint64_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    uint8_t buf[65536];
    uint64_t h = TB_HASH_INIT, total = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        h = tb_hash_update(h, buf, n);
        total += n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return -EIO;
    *hash = h;
    if (size)
        *size = total;
    return 0;
}
