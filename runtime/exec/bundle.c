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
#include "translator-hash.h"
#include "wasm/abi.h"
#include "util/file.h"
#include "util/le.h"

uint32_t bundle_slot_base, bundle_slot_count;

static struct {
    const char *path;
    BundleView view;
    BundleStats stats;
} bundle;

#ifdef __EMSCRIPTEN__
/* bundle-host.js: compile bytes[0..len), instantiate it with the runtime's
 * memory, table, slow paths and helpers (table indices by name) and the
 * scratch offset; put f0..f<nfuncs-1> in nfuncs consecutive new table
 * slots.  Returns the first slot, or 0 after printing why (path names the
 * file in the message). */
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
    bundle.stats.entries = h->nentries;
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
    if (!ok)
        bundle_view_free(v);
    free(data);
    return ok;
}

void bundle_close(void)
{
    bundle_view_free(&bundle.view);
    /* The instance and its table slots live until exit (the TB cache may
     * be flushed and refilled from the bundle any number of times). */
}

uint32_t bundle_lookup(uint32_t flags, const RVTBInfo *info)
{
    if (!bundle.stats.loaded)
        return 0;
    bundle.stats.lookups++;
    uint64_t h = tb_hash_bytes(info->bytes, info->size);
    const BundleEntry *e = bundle_find(&bundle.view, h, flags, info->size);
    if (!e) {
        bundle.stats.misses++;
        return 0;
    }
    if (e->ninsns != info->ninsns || e->check != bundle_check_hash(info->bytes, info->size)) {
        bundle.stats.check_failed++;
        bundle.stats.misses++;
        return 0;
    }
    bundle.stats.hits++;
    return bundle.stats.runnable ? bundle_slot_base + e->func : 0;
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
            "kiln: stats: bundle: %u entries, %u functions, %llu bytes, load %.1f ms, compile "
            "%.1f ms%s\n"
            "kiln: stats: bundle: lookups %llu, hits %llu, misses %llu (check failed %llu), "
            "hit rate %.1f%%\n",
            b->entries, b->funcs, (unsigned long long)b->bytes, (double)b->load_ns / 1e6,
            (double)b->compile_ns / 1e6, b->runnable ? "" : " (no Wasm engine here: not run)",
            (unsigned long long)b->lookups, (unsigned long long)b->hits,
            (unsigned long long)b->misses, (unsigned long long)b->check_failed,
            b->lookups ? 100.0 * (double)b->hits / (double)b->lookups : 0.0);
    fprintf(out,
            "kiln: stats: bundle: executions %llu of %llu blocks executed (%.1f%%), jit compiles "
            "avoided %llu\n",
            (unsigned long long)st->exec_bundle, (unsigned long long)st->tbs_executed,
            st->tbs_executed ? 100.0 * (double)st->exec_bundle / (double)st->tbs_executed : 0.0,
            (unsigned long long)st->jit_avoided);
}
