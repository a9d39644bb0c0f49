/* tb.h - translation blocks and their cache (private to exec/).
 *
 * A TB is identified by (virtual PC, physical PC, flags).  TBs are indexed
 * three ways: a hash table on the full key, a direct-mapped jump cache on
 * the virtual PC, and a list per physical page of RAM (for invalidation
 * when the guest writes to code).  Invalidated TBs stay allocated (marked
 * invalid) until the next full flush, so a TB that invalidates itself can
 * finish running.
 */
#ifndef KILN_TB_H
#define KILN_TB_H
#include <stdbool.h>
#include <stdint.h>
#include "tci/tci.h"

/* The fields the dispatcher reads for every executed TB come first (52
 * bytes under wasm32), so that running one touches one or two cache lines
 * of it, and the struct is no larger than its fields: the dispatcher's time
 * is mostly these loads (cache and data-TLB misses are dear in a VM), and
 * every fresh page of TBs a page fault. */
typedef struct TB {
    /* hot: one cache line, read per execution */
    uint64_t pc, phys_pc;
    uint64_t exec_count;
    uint32_t flags;
    uint32_t ninsns;
    TCIBlock *tci;   /* NULL only for AOT bundle TBs (jit_fn set for good) */
    uint32_t jit_fn; /* compiled Wasm entry (a table index), 0 if none */
    /* Successor cache per goto_tb slot; only set when the successor starts on
     * the same virtual page (so its physical PC follows from this TB's). */
    struct TB *jmp[2];
    bool valid;
    bool from_image;   /* tci is an AOT bundle TCI image (the bundle owns it) */
    uint8_t jit_state; /* TB_JIT_* */
    bool bundle_fn;    /* jit_fn is AOT bundle code (bundle_owns(jit_fn)) */
    /* cold: translation, indexing, invalidation */
    uint32_t size;
    uint64_t phys_page[2]; /* [1] = ~0 when the TB lies on one page */
    struct TB *hash_next;
    struct TB *page_next[2]; /* next TB on phys_page[i] */
    struct TB *all_next;     /* every TB, for flushing */
} TB;

#define TB_NO_PAGE (~0ull)

enum { TB_JIT_NONE, TB_JIT_QUEUED, TB_JIT_COMPILED, TB_JIT_FAILED };

typedef struct TBCacheStats {
    uint64_t live, created, invalidated, flushes;
} TBCacheStats;

/* Set up for a RAM of ram_size bytes at ram_base (code runs only from RAM). */
void tb_cache_init(uint64_t ram_base, uint64_t ram_size);
void tb_cache_destroy(void);

TB *tb_lookup(uint64_t pc, uint64_t phys_pc, uint32_t flags);
/* Jump cache: fast path on the virtual PC only (caller verifies phys_pc). */
TB *tb_jc_lookup(uint64_t pc, uint32_t flags);
void tb_jc_set(TB *tb);

/* A zeroed TB, owned by the cache (released by tb_flush_all and
 * tb_cache_destroy, never individually); NULL when out of memory. */
TB *tb_alloc(void);

/* Insert a new TB from tb_alloc (takes ownership of tb->tci unless
 * from_image: then the bundle owns it). Returns a bitmask of which
 * of its pages had no code before (bit i for phys_page[i]). */
unsigned tb_insert(TB *tb);

/* Drop all TBs on a page; returns the number dropped. */
unsigned tb_invalidate_page(uint64_t paddr_page);
bool tb_page_has_code(uint64_t paddr_page);

/* Free every TB. Must not be called while a TB runs. */
void tb_flush_all(void);
/* True when the cache should be flushed (too many TBs or dead TBs). */
bool tb_cache_full(void);

const TBCacheStats *tb_cache_stats(void);

#endif
