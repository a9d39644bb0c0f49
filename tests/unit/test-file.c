/* test-file.c - util/file.c: whole-file reads (limits, errors; regular files
 * and a pipe; a directory), the streamed file hash agreeing with tb_hash_bytes over the
 * same bytes, and file_hash answering from file_read_hashed's memo exactly
 * while the file's identity (device, inode, size, mtime) is unchanged. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "exec/tb-key.h"
#include "util/file.h"
#include "../check.h"

int main(void)
{
    char path[] = "/tmp/kiln-test-file-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    /* Larger than the first 64 KiB buffer, so a pipe takes the growth path. */
    size_t n = 200000;
    uint8_t *src = malloc(n);
    for (size_t i = 0; i < n; i++)
        src[i] = (uint8_t)(i * 131 + (i >> 9));
    CHECK(write(fd, src, n) == (ssize_t)n);
    close(fd);

    uint8_t *d = NULL;
    size_t len = 0;
    CHECK(file_read_all(path, n, &d, &len) == 0);
    CHECK(len == n && d && memcmp(d, src, n) == 0);
    free(d);
    d = NULL;
    CHECK(file_read_all(path, n - 1, &d, &len) == -EFBIG && d == NULL);
    CHECK(file_read_all("/nonexistent/kiln", 100, &d, &len) == -ENOENT);

    uint64_t h = 0, size = 0;
    CHECK(file_hash(path, &h, &size) == 0);
    CHECK(size == n && h == tb_hash_bytes(src, n));
    CHECK(file_hash(path, &h, NULL) == 0 && h == tb_hash_bytes(src, n));
    CHECK(file_hash("/nonexistent/kiln", &h, &size) == -ENOENT);
    /* A directory opens, but is no file: said so, not as an I/O error. */
    CHECK(file_read_all("/tmp", 100, &d, &len) == -EISDIR && d == NULL);
    CHECK(file_hash("/tmp", &h, &size) == -EISDIR);

    /* A FIFO has no size: the buffer grows while a child writes. */
    char fifo[] = "/tmp/kiln-test-fifo-XXXXXX";
    CHECK(mkdtemp(fifo) != NULL);
    char fpath[64];
    snprintf(fpath, sizeof(fpath), "%s/p", fifo);
    CHECK(mkfifo(fpath, 0600) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        int w = open(fpath, O_WRONLY);
        _exit(w >= 0 && write(w, src, n) == (ssize_t)n ? 0 : 1);
    }
    CHECK(file_read_all(fpath, n, &d, &len) == 0);
    CHECK(len == n && d && memcmp(d, src, n) == 0);
    free(d);
    int st = 0;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    unlink(fpath);
    rmdir(fifo);

    /* file_read_hashed: same bytes as file_read_all, and file_hash answers
     * from the memo while the identity holds.  Same size and mtime with other
     * bytes (restored by utimensat) is, by contract, the same file. */
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    CHECK(file_read_hashed(path, n, &d, &len) == 0);
    CHECK(len == n && d && memcmp(d, src, n) == 0);
    free(d);
    uint64_t h0 = tb_hash_bytes(src, n);
    src[0] ^= 1;
    uint64_t h1 = tb_hash_bytes(src, n);
    fd = open(path, O_WRONLY);
    CHECK(fd >= 0 && pwrite(fd, src, 1, 0) == 1);
    close(fd);
    struct timespec keep[2] = {sb.st_atim, sb.st_mtim};
    CHECK(utimensat(AT_FDCWD, path, keep, 0) == 0);
    CHECK(file_hash(path, &h, &size) == 0 && h == h0 && size == n);
    /* Another mtime: hashed again from the file. */
    struct timespec later[2] = {sb.st_atim, {sb.st_mtim.tv_sec + 10, sb.st_mtim.tv_nsec}};
    CHECK(utimensat(AT_FDCWD, path, later, 0) == 0);
    CHECK(file_hash(path, &h, &size) == 0 && h == h1 && size == n);
    /* Another size: likewise. */
    CHECK(file_read_hashed(path, n, &d, &len) == 0);
    free(d);
    CHECK(truncate(path, (off_t)(n - 1)) == 0);
    CHECK(utimensat(AT_FDCWD, path, later, 0) == 0);
    CHECK(file_hash(path, &h, &size) == 0 && h == tb_hash_bytes(src, n - 1) && size == n - 1);

    unlink(path);
    free(src);
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures != 0;
}
