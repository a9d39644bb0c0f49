/* tb.c - the TB cache: hash table, jump cache, per-page lists (see tb.h).
 * Single instance per process: the emulator runs one machine. */
#include "exec/tb.h"
#include <stdlib.h>
#include <string.h>
#include "exec/tlb.h"

#define HASH_BITS 16
#define JC_BITS 12
#define MAX_TBS (1u << 17)
#define MAX_DEAD (1u << 14)
#define SLAB_TBS 2048u /* TBs per allocation chunk */

/* TB memory: chunks of SLAB_TBS, used in order and reused from the first
 * after a flush (one malloc per 2048 TBs instead of a calloc each). */
typedef struct TBSlab {
    struct TBSlab *next;
    TB tbs[SLAB_TBS];
} TBSlab;

static struct {
    TB *hash[1u << HASH_BITS];
    TB *jc[1u << JC_BITS];
    TB **page_tbs; /* per RAM page: first TB touching it */
    uint64_t ram_base, npages;
    TB *all;
    unsigned ntbs, ndead;
    TBSlab *slabs, *cur; /* all chunks; the one being filled (NULL: none yet) */
    unsigned cur_used;
    TBCacheStats stats;
} cache;

static inline unsigned hash_key(uint64_t pc, uint64_t phys_pc, uint32_t flags)
{
    uint64_t h = pc * 0x9e3779b97f4a7c15ull ^ phys_pc * 0xc2b2ae3d27d4eb4full ^ flags;
    return (unsigned)(h >> (64 - HASH_BITS));
}

static inline unsigned jc_index(uint64_t pc)
{
    return (unsigned)((pc >> 1) ^ (pc >> (JC_BITS + 1))) & ((1u << JC_BITS) - 1);
}

static TB **page_slot(uint64_t paddr)
{
    uint64_t i = (paddr - cache.ram_base) >> TLB_PAGE_BITS;
    if (paddr < cache.ram_base || i >= cache.npages)
        return NULL;
    return &cache.page_tbs[i];
}

void tb_cache_init(uint64_t ram_base, uint64_t ram_size)
{
    memset(&cache, 0, sizeof(cache));
    cache.ram_base = ram_base;
    cache.npages = ram_size >> TLB_PAGE_BITS;
    cache.page_tbs = calloc(cache.npages, sizeof(TB *));
}

void tb_cache_destroy(void)
{
    tb_flush_all();
    free(cache.page_tbs);
    cache.page_tbs = NULL;
    while (cache.slabs) {
        TBSlab *next = cache.slabs->next;
        free(cache.slabs);
        cache.slabs = next;
    }
    cache.cur = NULL;
}

TB *tb_alloc(void)
{
    if (!cache.cur || cache.cur_used == SLAB_TBS) {
        TBSlab *next = cache.cur ? cache.cur->next : cache.slabs;
        if (!next) {
            next = malloc(sizeof(*next));
            if (!next)
                return NULL;
            next->next = NULL;
            if (cache.cur)
                cache.cur->next = next;
            else
                cache.slabs = next;
        }
        cache.cur = next;
        cache.cur_used = 0;
    }
    TB *tb = &cache.cur->tbs[cache.cur_used++];
    memset(tb, 0, sizeof(*tb));
    return tb;
}

TB *tb_lookup(uint64_t pc, uint64_t phys_pc, uint32_t flags)
{
    for (TB *tb = cache.hash[hash_key(pc, phys_pc, flags)]; tb; tb = tb->hash_next)
        if (tb->pc == pc && tb->phys_pc == phys_pc && tb->flags == flags)
            return tb;
    return NULL;
}

TB *tb_jc_lookup(uint64_t pc, uint32_t flags)
{
    TB *tb = cache.jc[jc_index(pc)];
    if (tb && tb->pc == pc && tb->flags == flags)
        return tb;
    return NULL;
}

void tb_jc_set(TB *tb)
{
    cache.jc[jc_index(tb->pc)] = tb;
}

unsigned tb_insert(TB *tb)
{
    unsigned fresh = 0;
    unsigned h = hash_key(tb->pc, tb->phys_pc, tb->flags);
    tb->valid = true;
    tb->hash_next = cache.hash[h];
    cache.hash[h] = tb;
    for (int i = 0; i < 2; i++) {
        tb->page_next[i] = NULL;
        if (tb->phys_page[i] == TB_NO_PAGE)
            continue;
        TB **slot = page_slot(tb->phys_page[i]);
        if (!slot)
            continue;
        if (!*slot)
            fresh |= 1u << i;
        tb->page_next[i] = *slot;
        *slot = tb;
    }
    tb->all_next = cache.all;
    cache.all = tb;
    cache.ntbs++;
    cache.stats.created++;
    cache.stats.live++;
    return fresh;
}

static void hash_remove(TB *tb)
{
    TB **p = &cache.hash[hash_key(tb->pc, tb->phys_pc, tb->flags)];
    while (*p && *p != tb)
        p = &(*p)->hash_next;
    if (*p)
        *p = tb->hash_next;
    unsigned j = jc_index(tb->pc);
    if (cache.jc[j] == tb)
        cache.jc[j] = NULL;
}

/* Unlink tb from the page list of its other page (not `page`). */
static void page_list_remove(TB *tb, uint64_t page)
{
    for (int i = 0; i < 2; i++) {
        if (tb->phys_page[i] == TB_NO_PAGE || tb->phys_page[i] == page)
            continue;
        TB **p = page_slot(tb->phys_page[i]);
        while (p && *p) {
            TB *t = *p;
            int k = t->phys_page[0] == tb->phys_page[i] ? 0 : 1;
            if (t == tb) {
                *p = t->page_next[k];
                break;
            }
            p = &t->page_next[k];
        }
    }
}

unsigned tb_invalidate_page(uint64_t paddr_page)
{
    TB **slot = page_slot(paddr_page);
    if (!slot)
        return 0;
    unsigned n = 0;
    TB *tb = *slot;
    *slot = NULL;
    while (tb) {
        int k = tb->phys_page[0] == paddr_page ? 0 : 1;
        TB *next = tb->page_next[k];
        if (tb->valid) {
            tb->valid = false;
            hash_remove(tb);
            page_list_remove(tb, paddr_page);
            cache.ndead++;
            cache.stats.live--;
            cache.stats.invalidated++;
            n++;
        }
        tb = next;
    }
    return n;
}

bool tb_page_has_code(uint64_t paddr_page)
{
    TB **slot = page_slot(paddr_page);
    return slot && *slot;
}

void tb_flush_all(void)
{
    TB *tb = cache.all;
    while (tb) {
        TB *next = tb->all_next;
        if (!tb->from_image) /* images belong to the bundle */
            tci_free(tb->tci);
        tb = next;
    }
    cache.all = NULL;
    cache.cur = NULL; /* refill the chunks from the first */
    cache.cur_used = 0;
    memset(cache.hash, 0, sizeof(cache.hash));
    memset(cache.jc, 0, sizeof(cache.jc));
    if (cache.page_tbs)
        memset(cache.page_tbs, 0, cache.npages * sizeof(TB *));
    cache.ntbs = cache.ndead = 0;
    cache.stats.live = 0;
    cache.stats.flushes++;
}

bool tb_cache_full(void)
{
    return cache.ntbs >= MAX_TBS || cache.ndead >= MAX_DEAD;
}

const TBCacheStats *tb_cache_stats(void)
{
    return &cache.stats;
}
