/* bundle.c - load an AOT bundle at boot and find translated TBs in it (see
 * bundle.h).  Verification happens here in C (also natively); only the
 * engine compile/instantiate is platform code (bundle-host.js). */
#include "exec/bundle.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "exec/bundle-format.h"
#include "exec/exec.h"
#include "exec/tb-key.h"
#include "exec/tlb.h"
#include "ir/ir.h"
#include "riscv/cpu.h"
#include "riscv/translate.h"
#include "tci/tci.h"
#include "translator-hash.h"
#include "wasm/abi.h"
#include "util/file.h"
#include "util/le.h"

uint32_t bundle_slot_base, bundle_slot_count;

static struct {
    const char *path;
    uint8_t *data; /* the file's bytes: the view's TCI image area points here */
    BundleView view;
    /* TCI images decoded so far, by entry index (NULL: not yet).  Decoded
     * once per run into the chunks below and shared by every TB made from
     * the entry (TBs with from_image do not own their code); bundle_close
     * frees the chunks. */
    TCIBlock **images;
    struct ImageChunk *chunks; /* their memory (newest first) */
    BundleStats stats;
} bundle;

/* Decoded images live in chunks of IMAGE_CHUNK bytes (a bigger block gets a
 * chunk of its own) until bundle_close: one malloc per ~1,000 images
 * instead of a calloc each. */
#define IMAGE_CHUNK (256u << 10)
typedef struct ImageChunk {
    struct ImageChunk *next;
    size_t used, cap;
    _Alignas(16) uint8_t mem[];
} ImageChunk;

static void *image_alloc(size_t size, void *opaque)
{
    (void)opaque;
    size = (size + 15) & ~(size_t)15;
    ImageChunk *c = bundle.chunks;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > IMAGE_CHUNK ? size : IMAGE_CHUNK;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = bundle.chunks;
        bundle.chunks = c;
    }
    void *p = c->mem + c->used;
    c->used += size;
    return p; /* not zeroed: tci_image_read_in writes every field */
}

#ifdef __EMSCRIPTEN__
/* bundle-host.js: compile bytes[0..len), grow the table by nfuncs slots,
 * instantiate it with the runtime's memory, table, slow paths and helpers
 * (table indices by name), the scratch offset and the first new slot (its
 * element segment fills the new slots).  Returns the first slot, or 0
 * after printing why (path names the file in the message). */
uint32_t kiln_bundle_instantiate(const uint8_t *bytes, size_t len, uint32_t nfuncs,
                                 const char *path, uint32_t load_slow, uint32_t store_slow,
                                 const uint32_t *helper_index, const char *const *helper_names,
                                 uint32_t nhelpers, uint32_t scratch_offset);
#endif

static uint64_t hash_u64(uint64_t h, uint64_t v)
{
    uint8_t b[8];
    le_store(b, 8, v);
    return tb_hash_update(h, b, 8);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    return tb_hash_update(h, s ? s : "", (s ? strlen(s) : 0) + 1);
}

uint64_t bundle_abi_hash(void)
{
    /* Code ABI fields of RVCPU the frontend's IR reads or writes by offset. */
    static const uint32_t offs[] = {
        CPU_OFF(x),           CPU_OFF(f),          CPU_OFF(pc),           CPU_OFF(tb_pc),
        CPU_OFF(exit_status), CPU_OFF(fault_site), CPU_OFF(frm),          CPU_OFF(fflags),
        CPU_OFF(mstatus),     CPU_OFF(load_res),   CPU_OFF(load_res_val), CPU_OFF(icount),
        CPU_OFF(tlb),         CPU_OFF(abi_end),
    };
    const IRContext *ctx = &rv_ir_context;
    uint64_t h = hash_str(TB_HASH_INIT, "kiln-bundle-abi");
    h = hash_u64(h, WASM_ABI_VERSION);
    h = hash_u64(h, KILN_TRANSLATOR_HASH); /* the frontend, optimiser and emitter */
    for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
        h = hash_u64(h, offs[i]);
    h = hash_u64(h, CPU_OFF(icount_limit)); /* read by loops to the TB start */
    h = hash_u64(h, sizeof(TLBEntry));
    h = hash_u64(h, offsetof(TLBEntry, tag_r));
    h = hash_u64(h, offsetof(TLBEntry, tag_w));
    h = hash_u64(h, offsetof(TLBEntry, addend));
    h = hash_u64(h, TLB_SIZE);
    h = hash_u64(h, TLB_NB_MMU);
    h = hash_u64(h, TLB_PAGE_BITS);
    h = hash_u64(h, RV_TB_MAX_INSNS);
    h = hash_u64(h, RV_TB_MAX_BYTES);
    h = hash_u64(h, ctx->exit_status_offset);
    h = hash_u64(h, ctx->tlb_offset);
    h = hash_u64(h, ctx->frame_offset); /* TCI images address TB-local temps there */
    h = hash_u64(h, ctx->frame_slots);
    h = hash_u64(h, ctx->nglobals);
    for (unsigned i = 0; i < ctx->nglobals; i++) {
        h = hash_str(h, ctx->globals[i].name);
        h = hash_u64(h, ctx->globals[i].offset);
        h = hash_u64(h, ctx->globals[i].type);
    }
    h = hash_u64(h, ctx->nhelpers);
    for (unsigned i = 0; i < ctx->nhelpers; i++) {
        const IRHelper *hp = &ctx->helpers[i];
        h = hash_str(h, hp->name);
        h = hash_u64(h,
                     (uint64_t)hp->nargs | (uint64_t)hp->has_ret << 8 | (uint64_t)hp->flags << 16);
    }
    return h;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool warn(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "kiln: warning: bundle %s: ", bundle.path);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "; running without it\n");
    return false;
}

bool bundle_open(const char *path, const BundleImage *img)
{
    uint64_t t0 = now_ns();
    uint8_t *data = NULL;
    size_t len = 0;
    char err[256];
    bundle.path = path;
    int rc = file_read_all(path, SIZE_MAX, &data, &len);
    if (rc)
        return warn("cannot read the file: %s", strerror(-rc));
    bool ok = false;
    BundleView *v = &bundle.view;
    if (bundle_parse(data, len, v, err, sizeof(err))) {
        warn("%s", err);
        goto out;
    }
    const BundleHeader *h = &v->hdr;
    if (h->wasm_abi_version != WASM_ABI_VERSION || h->abi_hash != bundle_abi_hash()) {
        warn("built for another runtime ABI (wasm ABI %u, ABI hash %016llx; this runtime: %u, "
             "%016llx): rebuild it with this tree's aot-tool",
             h->wasm_abi_version, (unsigned long long)h->abi_hash, WASM_ABI_VERSION,
             (unsigned long long)bundle_abi_hash());
        goto out;
    }
    uint64_t kh = 0, bh = 0;
    if (img->known) {
        kh = img->kernel_hash;
        bh = img->bios_hash;
    } else if (!img->kernel || file_hash(img->kernel, &kh, NULL)) {
        warn("cannot read the kernel to check the guest image");
        goto out;
    } else if (img->bios && strcmp(img->bios, "none") && file_hash(img->bios, &bh, NULL)) {
        warn("cannot read the firmware to check the guest image");
        goto out;
    }
    if (kh != h->kernel_hash || bh != h->bios_hash) {
        warn("built for another guest image (%s hash %016llx, this boot's %016llx)",
             kh != h->kernel_hash ? "kernel" : "firmware",
             (unsigned long long)(kh != h->kernel_hash ? h->kernel_hash : h->bios_hash),
             (unsigned long long)(kh != h->kernel_hash ? kh : bh));
        goto out;
    }
    bundle.images = calloc(h->nentries ? h->nentries : 1, sizeof(*bundle.images));
    if (!bundle.images) {
        warn("out of memory for the image table");
        goto out;
    }
    bundle.stats.entries = h->nentries;
    for (uint32_t i = 0; i < h->nentries; i++)
        bundle.stats.tci_images += v->entries[i].func == BUNDLE_NO_FUNC;
    bundle.stats.funcs = h->nfuncs;
    bundle.stats.bytes = len;
    bundle.stats.load_ns = now_ns() - t0;
#ifdef __EMSCRIPTEN__
    {
        const IRContext *ctx = &rv_ir_context;
        static uint32_t idx[256];
        static const char *names[256];
        if (ctx->nhelpers > 256) {
            warn("too many helpers");
            goto out;
        }
        for (unsigned i = 0; i < ctx->nhelpers; i++) {
            idx[i] = (uint32_t)(uintptr_t)ctx->helpers[i].fn;
            names[i] = ctx->helpers[i].name;
        }
        uint64_t t1 = now_ns();
        /* Only the module, not our custom sections, goes to the engine. */
        uint32_t base = h->nfuncs
                            ? kiln_bundle_instantiate(data, (size_t)h->code_len, h->nfuncs, path,
                                                      (uint32_t)(uintptr_t)ctx->load_slow,
                                                      (uint32_t)(uintptr_t)ctx->store_slow, idx,
                                                      names, ctx->nhelpers, ctx->frame_offset)
                            : 0;
        bundle.stats.compile_ns = now_ns() - t1;
        if (h->nfuncs && !base) {
            bundle_view_free(v);
            goto out; /* the JS side printed the warning */
        }
        bundle_slot_base = base;
        bundle_slot_count = h->nfuncs;
        bundle.stats.runnable = true;
    }
#endif
    bundle.stats.loaded = true;
    ok = true;
out:
    if (ok) {
        bundle.data = data;
    } else {
        bundle_view_free(v);
        free(bundle.images);
        bundle.images = NULL;
        free(data);
    }
    return ok;
}

void bundle_close(void)
{
    while (bundle.chunks) {
        ImageChunk *next = bundle.chunks->next;
        free(bundle.chunks);
        bundle.chunks = next;
    }
    free(bundle.images);
    bundle.images = NULL;
    bundle_view_free(&bundle.view);
    free(bundle.data);
    bundle.data = NULL;
    /* The instance and its table slots live until exit (the TB cache may
     * be flushed and refilled from the bundle any number of times). */
}

/* The code of entry e for a block of its size: false if it cannot run here
 * (compiled code without a Wasm engine) or its TCI image fails its checks
 * (then, once per run, one warning, and the entry is dropped). */
static bool entry_code(BundleEntry *e, BundleCode *out)
{
    out->size = e->size;
    out->ninsns = e->ninsns;
    out->tci = NULL;
    out->fn = 0;
    if (e->func != BUNDLE_NO_FUNC) {
        if (!bundle.stats.runnable)
            return false;
        out->fn = bundle_slot_base + e->func;
        return true;
    }
    if (!e->tci_len)
        return false; /* dropped: its image was refused */
    TCIBlock **img = &bundle.images[e - bundle.view.entries];
    if (!*img) {
        const char *why;
        *img = tci_image_read_in(bundle.view.tci + e->tci_off, e->tci_len, &rv_ir_context,
                                 e->ninsns, e->size, image_alloc, NULL, &why);
        if (!*img) {
            if (!bundle.stats.bad_images++)
                fprintf(stderr,
                        "kiln: warning: bundle %s: TCI image of index entry %u refused (%s); "
                        "blocks with refused images are translated instead\n",
                        bundle.path, (unsigned)(e - bundle.view.entries), why);
            e->tci_len = 0;
            return false;
        }
    }
    out->tci = *img;
    bundle.stats.hits_tci++;
    return true;
}

bool bundle_lookup_at(uint64_t pc, uint32_t flags, const uint8_t *code, size_t avail,
                      BundleCode *out)
{
    if (!bundle.stats.loaded)
        return false;
    bundle.stats.lookups++;
    const BundleView *v = &bundle.view;
    const BundleWhere *w = bundle_find_where(v, pc, flags);
    for (; w && w < v->where + v->hdr.nwhere && w->pc == pc && w->flags == flags; w++) {
        BundleEntry *e = &v->entries[w->entry];
        if (e->size > avail || e->hash != tb_hash_bytes(code, e->size) ||
            e->check != bundle_check_hash(code, e->size))
            continue;
        if (entry_code(e, out)) {
            bundle.stats.hits++;
            bundle.stats.hits_at++;
            return true;
        }
    }
    return false;
}

bool bundle_lookup(uint32_t flags, const RVTBInfo *info, BundleCode *out)
{
    if (!bundle.stats.loaded)
        return false;
    uint64_t h = tb_hash_bytes(info->bytes, info->size);
    BundleEntry *e = (BundleEntry *)bundle_find(&bundle.view, h, flags, info->size);
    if (!e) {
        bundle.stats.misses++;
        return false;
    }
    if (e->ninsns != info->ninsns || e->check != bundle_check_hash(info->bytes, info->size)) {
        bundle.stats.check_failed++;
        bundle.stats.misses++;
        return false;
    }
    if (!entry_code(e, out)) {
        /* Natively a compiled entry still counts: the stats show the hits
         * the bundle would give where it can run. */
        if (e->func != BUNDLE_NO_FUNC && !bundle.stats.runnable)
            bundle.stats.hits++;
        else
            bundle.stats.misses++;
        return false;
    }
    bundle.stats.hits++;
    return true;
}

const BundleStats *bundle_stats(void)
{
    return &bundle.stats;
}

void bundle_print_stats(FILE *out, const ExecStats *st)
{
    const BundleStats *b = &bundle.stats;
    if (!bundle.path)
        return;
    if (!b->loaded) {
        fprintf(out, "kiln: stats: bundle: not used (see the warning above)\n");
        return;
    }
    fprintf(out,
            "kiln: stats: bundle: %u entries, %u functions, %u TCI images, %llu bytes, load %.1f "
            "ms, compile %.1f ms%s\n"
            "kiln: stats: bundle: lookups %llu, hits %llu, misses %llu (check failed %llu), "
            "hit rate %.1f%%\n"
            "kiln: stats: bundle: hits found by PC (not translated) %llu, given TCI code %llu, "
            "refused TCI images %llu\n",
            b->entries, b->funcs, b->tci_images, (unsigned long long)b->bytes,
            (double)b->load_ns / 1e6, (double)b->compile_ns / 1e6,
            b->runnable ? "" : " (no Wasm engine here: compiled code not run)",
            (unsigned long long)b->lookups, (unsigned long long)b->hits,
            (unsigned long long)b->misses, (unsigned long long)b->check_failed,
            b->lookups ? 100.0 * (double)b->hits / (double)b->lookups : 0.0,
            (unsigned long long)b->hits_at, (unsigned long long)b->hits_tci,
            (unsigned long long)b->bad_images);
    uint64_t ex = st->exec_bundle + st->exec_bundle_tci;
    fprintf(out,
            "kiln: stats: bundle: executions %llu of %llu blocks executed (%.1f%%): compiled "
            "%llu (%.1f%%), TCI images %llu; jit compiles avoided %llu\n",
            (unsigned long long)ex, (unsigned long long)st->tbs_executed,
            st->tbs_executed ? 100.0 * (double)ex / (double)st->tbs_executed : 0.0,
            (unsigned long long)st->exec_bundle,
            st->tbs_executed ? 100.0 * (double)st->exec_bundle / (double)st->tbs_executed : 0.0,
            (unsigned long long)st->exec_bundle_tci, (unsigned long long)st->jit_avoided);
}
