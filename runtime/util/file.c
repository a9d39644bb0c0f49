/* file.c - whole-file reading and hashing (see file.h). */
#include "util/file.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "exec/tb-key.h"

/* fopen(path, "rb") with *sb its fstat (st_mode 0 if fstat failed), or
 * NULL and *rc = -errno; a directory (which fopen opens and fread then
 * fails on) is -EISDIR. */
static FILE *open_file(const char *path, struct stat *sb, int *rc)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *rc = -errno;
        return NULL;
    }
    if (fstat(fileno(f), sb))
        memset(sb, 0, sizeof(*sb));
    if (S_ISDIR(sb->st_mode)) {
        fclose(f);
        *rc = -EISDIR;
        return NULL;
    }
    return f;
}

/* One buffer of the file's size (+1, to see a file that grew) when fstat
 * knows it, so the bytes are copied once into memory touched once: page
 * faults dominate reading a multi-MB kernel or bundle on some hosts.  Pipes
 * and other unsized files grow the buffer by doubling.  *sb is the open
 * file's fstat (st_mode 0 if fstat failed). */
static int read_all(const char *path, size_t limit, uint8_t **data, size_t *len, struct stat *sb)
{
    int rc = 0;
    FILE *f = open_file(path, sb, &rc);
    if (!f)
        return rc;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    if (S_ISREG(sb->st_mode) && sb->st_size > 0) {
        if ((uint64_t)sb->st_size > limit) {
            fclose(f);
            return -EFBIG;
        }
        cap = (size_t)sb->st_size + 1;
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
        errno = 0;
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > limit) {
            rc = -EFBIG;
            break;
        }
        if (got == 0) {
            if (ferror(f))
                rc = errno ? -errno : -EIO;
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

int file_read_all(const char *path, size_t limit, uint8_t **data, size_t *len)
{
    struct stat sb;
    return read_all(path, limit, data, len, &sb);
}

/* Hashes of files read with file_read_hashed, by path and identity (device,
 * inode, size, modification time): file_hash answers from here while they
 * match, instead of reading the file again.  A few slots (kernel, firmware),
 * replaced round robin. */
#define MEMO_SLOTS 4
static struct {
    char path[512];
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    uint64_t hash;
    bool used;
} memo[MEMO_SLOTS];
static unsigned memo_next;

static bool same_file(unsigned i, const char *path, const struct stat *sb)
{
    return memo[i].used && strcmp(memo[i].path, path) == 0 && memo[i].dev == sb->st_dev &&
           memo[i].ino == sb->st_ino && memo[i].size == sb->st_size &&
           memo[i].mtime.tv_sec == sb->st_mtim.tv_sec &&
           memo[i].mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

int file_read_hashed(const char *path, size_t limit, uint8_t **data, size_t *len)
{
    struct stat sb;
    int rc = read_all(path, limit, data, len, &sb);
    if (rc || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != *len ||
        strlen(path) >= sizeof(memo[0].path))
        return rc; /* not a plain file read whole: file_hash will read it */
    unsigned i = 0;
    while (i < MEMO_SLOTS && !(memo[i].used && strcmp(memo[i].path, path) == 0))
        i++;
    if (i == MEMO_SLOTS) { /* a new path: the next slot, round robin */
        i = memo_next;
        memo_next = (memo_next + 1) % MEMO_SLOTS;
    }
    strcpy(memo[i].path, path);
    memo[i].dev = sb.st_dev;
    memo[i].ino = sb.st_ino;
    memo[i].size = sb.st_size;
    memo[i].mtime = sb.st_mtim;
    memo[i].hash = tb_hash_update(TB_HASH_INIT, *data, *len);
    memo[i].used = true;
    return 0;
}

int file_hash(const char *path, uint64_t *hash, uint64_t *size)
{
    struct stat sb;
    int rc = 0;
    FILE *f = open_file(path, &sb, &rc);
    if (!f)
        return rc;
    if (S_ISREG(sb.st_mode))
        for (unsigned i = 0; i < MEMO_SLOTS; i++)
            if (same_file(i, path, &sb)) {
                fclose(f);
                *hash = memo[i].hash;
                if (size)
                    *size = (uint64_t)sb.st_size;
                return 0;
            }
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
