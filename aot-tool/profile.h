/* profile.h - hot-block profiles (.prof): the in-memory form, the loader,
 * the writer and merging.  File format: docs/profile-format.md.
 *
 * A Profile owns everything it points to (strings, entries, code bytes);
 * prof_free() releases it.  Entries are kept sorted by tb_key_cmp() then
 * code length once normalised (after prof_load, prof_merge, prof_save), so
 * the same set of blocks always serialises to the same bytes.  Every loader
 * error is one message "FILE: problem" in err; the loader never trusts a
 * length or count from the file before checking it against the data. */
#ifndef KILN_AOT_PROFILE_H
#define KILN_AOT_PROFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "exec/tb-key.h"

#define PROF_MAGIC "KILNPROF" /* 8 bytes, no NUL in the file */
#define PROF_VERSION 3u       /* written; versions 1 (no snapshot fields) and 2 (no
                                 count_after) are still read */
#define PROF_VERSION_MIN 1u
#define PROF_MAX_CODE 4096u    /* bytes of guest code per entry, at most */
#define PROF_MAX_STRING 65536u /* bytes per header string, at most */
#define PROF_MAX_ENTRIES (1u << 24)

/* ProfHeader.flags */
#define PROF_F_DETERMINISTIC 1u /* recorded with time from retired insns */
#define PROF_F_MERGED 2u        /* produced by prof_merge */

/* Header string fields in file order (X-macro: one table for the struct,
 * loader, writer and inspect).  X(field, label, since): since is the first
 * format version with the field; older files read it as "". */
#define PROF_STRING_FIELDS(X)                                                                      \
    X(kiln_version, "kiln version", 1)                                                             \
    X(kernel_name, "kernel", 1)                                                                    \
    X(bios, "bios", 1)                                                                             \
    X(append, "append", 1)                                                                         \
    X(drive, "drive", 1)                                                                           \
    X(stop, "stop", 1)                                                                             \
    X(snapshot_at, "snapshot", 2)                                                                  \
    X(input, "input", 2)

typedef struct ProfHeader {
    uint32_t version;     /* PROF_VERSION */
    uint32_t flags;       /* PROF_F_* */
    uint64_t kernel_hash; /* tb_hash_bytes() of the whole kernel file */
    uint64_t bios_hash;   /* same for a firmware file; 0 for built-in/none */
    uint64_t drive_hash;  /* same for the disk image; 0 without one */
    uint64_t mem_size;    /* guest RAM bytes */
    uint64_t insns;       /* guest instructions retired while profiling */
    uint64_t tb_execs;    /* TB executions while profiling (all blocks) */
    uint64_t min_count;   /* entries ran at least this often */
    /* Instructions retired when the VM snapshot was written (aot-tool
     * profile --snapshot-at); 0 without a snapshot.  Entries count the
     * blocks of the whole run: before and after that point. */
    uint64_t snapshot_insns;
    /* NUL-terminated, never NULL after prof_load/prof_new (may be "").
     * kernel_name/drive: base names; bios: "" (built-in), "none" or a base
     * name; stop: "until:MARKER", "insns:N" or "exit"; snapshot_at: the
     * console marker of the snapshot ("" none); input: the text typed on
     * the console after it, as given on the command line (escapes kept). */
#define X(field, label, since) char *field;
    PROF_STRING_FIELDS(X)
#undef X
} ProfHeader;

typedef struct ProfEntry {
    TBKey key;            /* key.hash == tb_hash_bytes(bytes, len) */
    uint32_t ninsns;      /* guest instructions in the block */
    uint32_t len;         /* code bytes, 1..PROF_MAX_CODE */
    uint64_t count;       /* executions, >= 1 */
    uint64_t count_after; /* of those, after the snapshot point (0 without a snapshot) */
    const uint8_t *bytes; /* len bytes of guest code, owned by the Profile */
} ProfEntry;

typedef struct Profile Profile;

/* Load and validate path.  0 and *out on success; -1 with a message naming
 * path and the problem in err (never crashes on malformed input). */
int prof_load(const char *path, Profile **out, char *err, size_t errlen);
/* Same for a file already in memory; name is used in messages. */
int prof_load_mem(const void *data, size_t size, const char *name, Profile **out, char *err,
                  size_t errlen);

/* Write p (normalised first) to path.  0, or -1 with a message in err. */
int prof_save(Profile *p, const char *path, char *err, size_t errlen);
/* Serialise p (normalised first) into a malloc'd buffer (*data, *size). */
int prof_serialize(Profile *p, uint8_t **data, size_t *size, char *err, size_t errlen);

/* Union of a and b's blocks with counts added; both must profile the same
 * guest image (kernel and bios hashes).  The header is a's, with insns and
 * tb_execs added, min_count the smaller one and PROF_F_MERGED set.  0 and
 * *out, or -1 with a message (image mismatch, count overflow). */
int prof_merge(const Profile *a, const Profile *b, Profile **out, char *err, size_t errlen);

void prof_free(Profile *p);

/* Building (aot-tool profile): a new empty profile with a copy of hdr's
 * fields (NULL strings become ""); version is set to PROF_VERSION. */
Profile *prof_new(const ProfHeader *hdr);
/* Add count executions of a block, count_after (<= count) of them after the
 * snapshot point; entries with the same key and length are combined by
 * prof_normalize.  0, or -1 on bad arguments/overflow. */
int prof_add(Profile *p, const TBKey *key, uint32_t ninsns, const uint8_t *bytes, uint32_t len,
             uint64_t count, uint64_t count_after);
/* Sort entries and combine duplicates (idempotent). -1 if counts overflow. */
int prof_normalize(Profile *p);
/* Drop entries that ran fewer than min_count times; records min_count. */
void prof_prune(Profile *p, uint64_t min_count);

/* Access. Entries are in sorted order once normalised. */
const ProfHeader *prof_header(const Profile *p);
ProfHeader *prof_header_mut(Profile *p); /* strings must stay malloc'd */
size_t prof_count(const Profile *p);
const ProfEntry *prof_entry(const Profile *p, size_t i);
/* Entry with this key (any length), or NULL. p must be normalised. */
const ProfEntry *prof_find(const Profile *p, const TBKey *key);

/* Iteration: for (const ProfEntry *e = prof_first(p); e; e = prof_next(p, e)) */
const ProfEntry *prof_first(const Profile *p);
const ProfEntry *prof_next(const Profile *p, const ProfEntry *e);

#endif
