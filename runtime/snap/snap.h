/* snap.h - snapshot byte streams: a growable little-endian writer and a
 * bounds-checked reader, the section framing and the file envelope of
 * docs/snapshot-format.md.  Devices write/read their state with these;
 * hw/machine.c orchestrates a whole snapshot.
 * Readers never fail loudly: an overrun sets r->err and returns zeros, so a
 * load function parses everything, then checks r->err once. */
#ifndef KILN_SNAP_H
#define KILN_SNAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAP_MAGIC "KILNSNAP"
/* 2: the trailer is checksum64 (1: bytewise FNV-1a 64, ~3x slower). */
#define SNAP_VERSION 2u
#define SNAP_HEADER_SIZE 24 /* magic, version u32, flags u32, file length u64 */
#define SNAP_TRAILER_SIZE 8 /* checksum64 (util/checksum.h) of everything before it */
#define SNAP_FLAG_DETERMINISTIC 1u

/* Section tags: four ASCII bytes, stored as a u32 LE. */
#define SNAP_TAG(a, b, c, d)                                                                       \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

typedef struct SnapWriter {
    uint8_t *buf;
    size_t len, cap;
    bool err; /* out of memory */
} SnapWriter;

typedef struct SnapReader {
    const uint8_t *p;
    size_t len, pos;
    bool err;     /* overrun or a bad value (set by the load function) */
    bool dry_run; /* validate only: load functions must not change the device */
} SnapReader;

void snap_put_bytes(SnapWriter *w, const void *p, size_t n);
void snap_put_u8(SnapWriter *w, uint8_t v);
void snap_put_u16(SnapWriter *w, uint16_t v);
void snap_put_u32(SnapWriter *w, uint32_t v);
void snap_put_u64(SnapWriter *w, uint64_t v);
void snap_put_str(SnapWriter *w, const char *s); /* u32 length + bytes; NULL: 0xffffffff */
/* Reserve room for n bytes and return where to write them (NULL on OOM). */
uint8_t *snap_reserve(SnapWriter *w, size_t n);
/* Section: tag, u32 0 (reserved), u64 payload length.  begin returns the
 * offset end needs to patch the length. */
size_t snap_section_begin(SnapWriter *w, uint32_t tag);
void snap_section_end(SnapWriter *w, size_t at);
void snap_writer_free(SnapWriter *w);

const uint8_t *snap_get_bytes(SnapReader *r, size_t n); /* NULL (and err) on overrun */
uint8_t snap_get_u8(SnapReader *r);
uint16_t snap_get_u16(SnapReader *r);
uint32_t snap_get_u32(SnapReader *r);
uint64_t snap_get_u64(SnapReader *r);
bool snap_get_bool(SnapReader *r); /* a u8 that must be 0 or 1 */
/* A string written by snap_put_str, as a malloc'ed copy (NULL for a NULL
 * string; sets err on a bad length). */
char *snap_get_str(SnapReader *r);
/* True if every byte was consumed and nothing went wrong. */
static inline bool snap_reader_done(const SnapReader *r)
{
    return !r->err && r->pos == r->len;
}

/* A parsed snapshot file: the whole file in memory, sections indexed. */
#define SNAP_MAX_SECTIONS 64
typedef struct SnapSection {
    uint32_t tag;
    const uint8_t *data;
    size_t len;
} SnapSection;
typedef struct SnapFile {
    uint8_t *buf;
    size_t len;
    uint32_t version, flags;
    SnapSection sec[SNAP_MAX_SECTIONS];
    unsigned nsec;
} SnapFile;

/* Finish w as a snapshot file (header + sections already written after
 * snap_file_begin) and write it to path.  Returns 0, or -1 after printing
 * one message naming the file. */
void snap_file_begin(SnapWriter *w, uint32_t flags);
int snap_file_write(SnapWriter *w, const char *path);

/* Read and verify path: size, magic, version, length, checksum, section
 * framing.  Returns 0, or -1 with a message (naming the problem, not the
 * file) in err[errlen]. */
int snap_file_read(const char *path, SnapFile *f, char *err, size_t errlen);
/* Parse an in-memory file (takes ownership of buf). */
int snap_file_parse(uint8_t *buf, size_t len, SnapFile *f, char *err, size_t errlen);
void snap_file_free(SnapFile *f);
/* The section with this tag (the first one), or NULL. */
const SnapSection *snap_file_find(const SnapFile *f, uint32_t tag);
/* A reader over a section's payload. */
SnapReader snap_reader(const SnapSection *s, bool dry_run);

/* FNV-1a 64 of a file (guest image identity); 0 and *ok=false if it cannot
 * be read.  *size receives its size. */

#endif
