/* bundle.h - the runtime side of AOT bundles (--bundle FILE).
 *
 * bundle_open() reads and verifies a bundle once at boot (format, ABI,
 * guest image, checksums: bundle-format.h), then under Emscripten compiles
 * and instantiates its module once (platform/bundle-host.js), with the
 * runtime's own slow paths and helpers as imports, and puts its functions
 * in a contiguous range of table slots.  The dispatcher asks
 * bundle_lookup() for every TB it translates; a hit (hash, second hash,
 * flags, size and instruction count all equal) gives the table index of
 * the block's compiled code, so it never runs on TCI.  Any problem with
 * the file: ONE warning naming it, and the run continues without it.
 * Natively there is no Wasm engine: the bundle is verified and looked up
 * (the statistics show its would-be hits) but never run.
 */
#ifndef KILN_BUNDLE_H
#define KILN_BUNDLE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct RVTBInfo;
struct ExecStats;
struct TCIBlock;

typedef struct BundleStats {
    bool loaded;   /* verified (and instantiated where there is an engine) */
    bool runnable; /* its code can run here (Emscripten build) */
    uint32_t entries, funcs;
    uint64_t bytes;
    uint32_t tci_images; /* entries whose code is a TCI image */
    uint64_t lookups;    /* TBs the dispatcher needed code for */
    uint64_t hits_at;    /* ... found by bundle_lookup_at (not translated) */
    uint64_t hits_tci;   /* ... of all hits, those given TCI code */
    uint64_t hits, misses, check_failed, bad_images;
    uint64_t load_ns, compile_ns; /* read+verify; engine compile+instantiate */
} BundleStats;

/* The guest image a bundle must be built for: the kernel and firmware files
 * (bios NULL or "none": no firmware file), hashed here, or, if known, the
 * hashes a restored snapshot recorded for them (bios_hash 0: no file). */
typedef struct BundleImage {
    const char *kernel, *bios;
    bool known;
    uint64_t kernel_hash, bios_hash;
} BundleImage;

/* Load path for a guest image img.  Returns true if the bundle is in use;
 * false after one warning on stderr. */
bool bundle_open(const char *path, const BundleImage *img);
void bundle_close(void);

/* A bundle's code for one block: a table index of compiled code, or TCI
 * code (a new block the caller owns); size and ninsns of the guest block. */
typedef struct BundleCode {
    uint32_t fn;
    struct TCIBlock *tci;
    uint32_t size, ninsns;
} BundleCode;

/* Code for the block at virtual pc with flags whose guest bytes start at
 * host pointer code, avail bytes readable there (to the end of the page;
 * 0 and NULL: not in RAM): true and *out filled if an entry profiled at pc
 * matches those bytes.  Counts one lookup: call it once per TB the
 * dispatcher needs. */
bool bundle_lookup_at(uint64_t pc, uint32_t flags, const uint8_t *code, size_t avail,
                      BundleCode *out);
/* Code for the TB just translated from info (flags, bytes, size, ninsns),
 * after bundle_lookup_at missed: true and *out filled on a hit. */
bool bundle_lookup(uint32_t flags, const struct RVTBInfo *info, BundleCode *out);

/* True if fn (a TB's jit_fn) is bundle code. */
extern uint32_t bundle_slot_base, bundle_slot_count;
static inline bool bundle_owns(uint32_t fn)
{
    return fn - bundle_slot_base < bundle_slot_count;
}

const BundleStats *bundle_stats(void);
/* The --stats lines about the bundle (nothing if none was given). */
void bundle_print_stats(FILE *out, const struct ExecStats *st);

#endif
