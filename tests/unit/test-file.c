/* test-file.c - util/file.c: whole-file reads (limits, errors) and the
 * streamed file hash agreeing with tb_hash_bytes over the same bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "exec/tb-key.h"
#include "util/file.h"
#include "../check.h"

int main(void)
{
    char path[] = "/tmp/kiln-test-file-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    /* Larger than the first 64 KiB buffer, so the growth path runs. */
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

    unlink(path);
    free(src);
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures != 0;
}
