/* file.h - whole-file reading and hashing, shared by every loader (kernel and
 * firmware images, bundles, snapshots, profiles) so each reports the same
 * errors the same way.  Functions return 0 or a negative errno; callers
 * name the file in their one-line message (strerror(-rc)). */
#ifndef KILN_FILE_H
#define KILN_FILE_H
#include <stddef.h>
#include <stdint.h>

/* Read all of path (regular file or stream) into a malloc'd buffer the
 * caller frees.  More than limit bytes: -EFBIG (nothing returned). */
int file_read_all(const char *path, size_t limit, uint8_t **data, size_t *len)
    __attribute__((warn_unused_result));

/* file_read_all, and remember the bytes' hash (tb_hash_bytes) for
 * file_hash: for files whose identity a bundle, snapshot or profile checks
 * later (kernel, firmware), so that check needs no second read. */
int file_read_hashed(const char *path, size_t limit, uint8_t **data, size_t *len)
    __attribute__((warn_unused_result));

/* tb_hash_bytes() of the whole file (the guest image identity used by
 * profiles, bundles and snapshots), and its size (may be NULL): streamed,
 * or remembered from file_read_hashed while the file's device, inode, size
 * and modification time are unchanged. */
int file_hash(const char *path, uint64_t *hash, uint64_t *size) __attribute__((warn_unused_result));

#endif
