/* bundle-format.h - the AOT bundle file (.kbundle.wasm), shared by the
 * writer (aot-tool bundle) and the runtime's loader (--bundle).
 *
 * A bundle is ONE Wasm module (one function per hot guest block, not
 * exported: an element segment puts function i at table slot table_base +
 * i, table_base an imported global) followed by two custom sections,
 * always the last two:
 *   "kiln.bundle"        header (BundleHeader, fixed layout, checksummed)
 *   "kiln.bundle.index"  nentries BundleEntry records sorted by (hash, flags, size),
 *                        then nwhere BundleWhere records sorted by (pc, flags, entry),
 *                        then tci_len bytes of TCI images (tci/tci-image.c)
 * An entry's code is either a function of the module or a TCI image (the
 * blocks that ran too few times to repay a Wasm function: the runtime loads
 * the image instead of translating the block).  The where records say at
 * which virtual PC each entry's block was seen, so the runtime can find it
 * before translating (and then checks the guest bytes there).
 * All integers little-endian, fixed width.  The parser never trusts a length
 * or count before checking it against the data.  Layout: docs/aot.md.
 */
#ifndef KILN_BUNDLE_FORMAT_H
#define KILN_BUNDLE_FORMAT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUNDLE_MAGIC "KILNBNDL" /* 8 bytes, first in the header section */
#define BUNDLE_FORMAT_VERSION 3u
#define BUNDLE_SEC_HEADER "kiln.bundle"
#define BUNDLE_SEC_INDEX "kiln.bundle.index"
#define BUNDLE_HEADER_SIZE 104u   /* bytes of the header section's payload (magic to checksum) */
#define BUNDLE_ENTRY_SIZE 36u     /* bytes per index record */
#define BUNDLE_WHERE_SIZE 16u     /* bytes per where record */
#define BUNDLE_NO_FUNC UINT32_MAX /* BundleEntry.func of an entry whose code is a TCI image */
#define BUNDLE_MAX_ENTRIES (1u << 22)
#define BUNDLE_CHECK_INIT 0x6a09e667f3bcc909ull /* basis of the second (check) hash */

typedef struct BundleHeader {
    uint32_t format_version;   /* BUNDLE_FORMAT_VERSION */
    uint32_t wasm_abi_version; /* WASM_ABI_VERSION of the emitter */
    uint64_t abi_hash;         /* bundle_abi_hash() of the runtime it was built for */
    uint64_t kernel_hash;      /* guest image (from the profile): tb_hash_bytes of the kernel */
    uint64_t bios_hash;        /* ... of the firmware file, 0 for built-in/none */
    uint64_t code_len;         /* bytes of the module before the kiln.bundle sections */
    uint64_t code_hash;        /* checksum64 (util/checksum.h) of those bytes */
    uint64_t index_hash;       /* checksum64 of the index section's payload */
    uint32_t nentries;         /* index records */
    uint32_t nwhere;           /* where records */
    uint32_t tci_len;          /* bytes of TCI images */
    uint32_t nfuncs;           /* functions of the module (its element segment) */
    uint32_t opt_level;        /* Binaryen -O level it was optimised with */
    uint32_t profile_entries;  /* entries of the profile it was built from */
    uint64_t profile_execs;    /* sum of their execution counts */
} BundleHeader; /* + magic in front and an FNV-1a 64 of the preceding bytes at the end */

typedef struct BundleEntry {
    uint64_t hash;   /* tb_hash_bytes() of the block's guest code (the TBKey hash) */
    uint64_t check;  /* bundle_check_hash() of the same bytes: an independent second hash */
    uint32_t flags;  /* TB flags */
    uint16_t size;   /* guest bytes of the block */
    uint16_t ninsns; /* guest instructions */
    uint32_t func;   /* its code: function <func> of the segment, or BUNDLE_NO_FUNC */
    uint32_t tci_off, tci_len; /* or its TCI image: bytes [off, off+len) of the image area */
} BundleEntry;

typedef struct BundleWhere {
    uint64_t pc;    /* virtual PC the block was profiled at */
    uint32_t flags; /* its TB flags (= the entry's) */
    uint32_t entry; /* index record */
} BundleWhere;

/* A parsed bundle: header, decoded index and where records (owned: free
 * with bundle_view_free), and the TCI image area, which points into the
 * parsed bytes (valid while they are: no copy of a MB-sized area). */
typedef struct BundleView {
    BundleHeader hdr;
    BundleEntry *entries;
    BundleWhere *where;
    const uint8_t *tci;
} BundleView;

/* Second hash of guest code (FNV-1a 64 from another basis, over the length
 * then the bytes): a hit must match both hashes, size and ninsns. */
uint64_t bundle_check_hash(const void *bytes, size_t len);

/* Hash of everything the bundle's code assumes about the runtime: CPU state
 * offsets of the code ABI, TLB geometry, the IR globals, the helper list
 * (names, arity, flags, in order), the frontend's TB limits and
 * WASM_ABI_VERSION.  Same source tree -> same value on every host.
 * Defined in exec/bundle.c (it needs the guest's IRContext; the parser
 * here does not). */
uint64_t bundle_abi_hash(void);

/* Parse and check data[0..len) (structure, sections, checksums, index
 * order and bounds).  Does NOT compare the ABI or the guest image (the
 * caller does, to say which one differs).  0, or -1 with a message in err. */
int bundle_parse(const uint8_t *data, size_t len, BundleView *out, char *err, size_t errlen);
void bundle_view_free(BundleView *v);

/* What goes into the index section: entries sorted (bundle_entry_cmp),
 * where records sorted (bundle_where_cmp), the TCI image area. */
typedef struct BundleIndex {
    const BundleEntry *entries;
    uint32_t nentries;
    const BundleWhere *where;
    uint32_t nwhere;
    const uint8_t *tci;
    uint32_t tci_len;
} BundleIndex;

/* Serialise the two custom sections (complete sections: id, size, name,
 * payload) for a module of code_len bytes whose hash the header must hold:
 * fills hdr's format version, code, index and count fields, appends to *out
 * (realloc'd, *outlen updated).  0, or -1 when out of memory. */
int bundle_write_sections(BundleHeader *hdr, const BundleIndex *ix, const uint8_t *code,
                          size_t code_len, uint8_t **out, size_t *outlen);

/* Order of the index: hash, flags, size. */
int bundle_entry_cmp(const BundleEntry *a, const BundleEntry *b);
/* Order of the where records: pc, flags, entry. */
int bundle_where_cmp(const BundleWhere *a, const BundleWhere *b);

/* Binary search: the entry for (hash, flags, size), or NULL. */
const BundleEntry *bundle_find(const BundleView *v, uint64_t hash, uint32_t flags, uint32_t size);
/* Binary search: the first where record for (pc, flags) (the others
 * follow it), or NULL. */
const BundleWhere *bundle_find_where(const BundleView *v, uint64_t pc, uint32_t flags);

#endif
