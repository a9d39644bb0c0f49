/* bundle.c - `aot-tool bundle PROFILE -o OUT [-O0..-O3]` and the bundle
 * half of `aot-tool inspect`.  Every profile entry is re-translated from
 * its recorded guest bytes with the runtime's own frontend and optimiser;
 * the hot ones (--min-count) go through the runtime's IR->Wasm emitter
 * (import mode: helpers and slow paths are imports by name), all into ONE
 * module, which Binaryen optimises and validates; the others through the
 * runtime's TCI compiler into TCI images (all of them, none with --no-tci,
 * or those that ran after the profile's snapshot point with
 * --tci-after-snapshot: a bundle for a runtime that restores it).  The header and
 * index (runtime/exec/bundle-format.h) are appended after optimisation as
 * the last two custom sections.  Deterministic: the same profile and
 * options give the same bytes. */
#include "bundle.h"
#include <binaryen-c.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/bundle-format.h"
#include "exec/tb-key.h"
#include "ir/opt.h"
#include "profile.h"
#include "riscv/cpu.h"
#include "riscv/helpers.h"
#include "util/file.h"
#include "riscv/translate-internal.h"
#include "tci/tci.h"
#include "wasm/emit.h"
#include "wasm/wasm-writer.h"

#define DEFAULT_OPT_LEVEL 2

/* Blocks that ran fewer times than this in the profile get a TCI image
 * instead of a Wasm function (--min-count).  V8 compiles each bundle
 * function at its first call (~7 us per block with Liftoff on the 2-core CI
 * machine, plus TurboFan later), so compiled code pays only for blocks that
 * then run often.  Measured on the shared guest's boot in Node with TCI
 * images for the rest (docs/aot.md, interleaved runs): 0.230 s at 100,
 * 0.210 s at 300, 0.213 s at 1000, worse from 3000 on. */
#define DEFAULT_MIN_COUNT 300

/* Code source for re-translation: the entry's bytes at its addresses, and
 * nothing else (so the block ends where the recorded one did). */
typedef struct ByteSource {
    uint64_t vpc, ppc;
    const uint8_t *bytes;
    uint32_t len;
} ByteSource;

static int src_fetch(void *opaque, uint64_t vaddr, uint16_t *insn, uint64_t *paddr)
{
    const ByteSource *s = opaque;
    if (vaddr < s->vpc || vaddr - s->vpc + 2 > s->len)
        return EXC_INSN_ACCESS;
    uint64_t off = vaddr - s->vpc;
    *insn = (uint16_t)(s->bytes[off] | s->bytes[off + 1] << 8);
    *paddr = s->ppc + off;
    return 0;
}

/* A candidate: an index entry plus the profile entry it comes from, and
 * whether its group (same code, flags, size) ran often enough for Wasm. */
typedef struct Cand {
    BundleEntry e;
    const ProfEntry *pe;
    bool hot;   /* its group ran at least min_count times: compiled */
    bool after; /* its group ran after the profile's snapshot point */
} Cand;

/* Which cold blocks get a TCI image. */
typedef enum { TCI_ALL, TCI_NONE, TCI_AFTER_SNAPSHOT } TciMode;

static int cmp_cand(const void *a, const void *b)
{
    const Cand *x = a, *y = b;
    int c = bundle_entry_cmp(&x->e, &y->e);
    if (c)
        return c;
    return tb_key_cmp(&x->pe->key, &y->pe->key); /* total order: deterministic choice */
}

static void usage(void)
{
    fprintf(stderr,
            "usage: aot-tool bundle PROFILE -o OUT.kbundle.wasm [-O0|-O1|-O2|-O3] "
            "[--min-count N] [--no-tci | --tci-after-snapshot]\n"
            "  --min-count N  compile to Wasm the blocks that ran at least N times in the\n"
            "                 profile (default %d; entries with the same code and flags\n"
            "                 count together)\n"
            "  --no-tci       leave the other blocks out (default: their TCI code, so the\n"
            "                 runtime loads them instead of translating them)\n"
            "  --tci-after-snapshot  TCI code only for those of the other blocks that ran\n"
            "                 after the profile's snapshot point (aot-tool profile\n"
            "                 --snapshot-at): for a runtime that restores that snapshot\n",
            DEFAULT_MIN_COUNT);
}

/* The emitter's ABI for bundles: offsets of the code ABI part of RVCPU
 * (the same on every host: bundle_abi_hash checks it) and imports by name
 * for everything the runtime provides. */
static void bundle_abi(WasmABI *abi, const char **names)
{
    const IRContext *ctx = &rv_ir_context;
    memset(abi, 0, sizeof(*abi));
    abi->version = WASM_ABI_VERSION;
    abi->tb_pc_offset = CPU_OFF(tb_pc);
    abi->icount_offset = CPU_OFF(icount);
    abi->icount_limit_offset = CPU_OFF(icount_limit);
    abi->exit_status_offset = ctx->exit_status_offset;
    abi->tlb_offset = ctx->tlb_offset;
    abi->import_calls = true;
    for (unsigned i = 0; i < ctx->nhelpers; i++)
        names[i] = ctx->helpers[i].name;
    abi->helper_names = names;
    abi->nhelpers = ctx->nhelpers;
}

/* Binaryen: read, optimise at level, validate, write.  *out is malloc'd. */
static int optimise(const uint8_t *in, size_t len, int level, uint8_t **out, size_t *outlen)
{
    BinaryenModuleRef m = BinaryenModuleRead((char *)in, len);
    if (!m) {
        fprintf(stderr, "aot-tool bundle: Binaryen cannot read the emitted module\n");
        return -1;
    }
    /* What V8 in Node 16+ and current browsers run; the emitter uses
     * sign extension; nothing else may be introduced by the optimiser. */
    BinaryenModuleSetFeatures(m, BinaryenFeatureMVP() | BinaryenFeatureSignExt() |
                                     BinaryenFeatureMutableGlobals());
    if (!BinaryenModuleValidate(m)) {
        fprintf(stderr, "aot-tool bundle: the emitted module does not validate\n");
        BinaryenModuleDispose(m);
        return -1;
    }
    if (level > 0) {
        BinaryenSetOptimizeLevel(level);
        BinaryenSetShrinkLevel(0);
        BinaryenSetDebugInfo(false);
        BinaryenModuleOptimize(m);
        if (!BinaryenModuleValidate(m)) {
            fprintf(stderr, "aot-tool bundle: the optimised module does not validate\n");
            BinaryenModuleDispose(m);
            return -1;
        }
    }
    BinaryenModuleAllocateAndWriteResult r = BinaryenModuleAllocateAndWrite(m, NULL);
    BinaryenModuleDispose(m);
    free(r.sourceMap);
    if (!r.binary)
        return -1;
    *out = r.binary;
    *outlen = r.binaryBytes;
    return 0;
}

static int write_file(const char *path, const uint8_t *d, size_t n)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 8);
    if (!tmp)
        return -1;
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    int rc = -1;
    if (f) {
        bool ok = fwrite(d, 1, n, f) == n;
        ok = !fclose(f) && ok;
        if (ok && !rename(tmp, path))
            rc = 0;
        else
            remove(tmp);
    }
    if (rc)
        fprintf(stderr, "aot-tool bundle: cannot write %s\n", path);
    free(tmp);
    return rc;
}

/* What emit_all produced. */
typedef struct Emitted {
    BundleEntry *idx; /* entries, in candidate (index) order */
    uint32_t nidx;
    BundleWhere *where; /* one per candidate with an entry */
    uint32_t nwhere;
    WasmBuf tci; /* TCI images */
    unsigned skipped, shared, tci_blocks;
} Emitted;

/* The TCI image of f (optimised) appended to out->tci: 0, or -1. */
static int emit_tci(const IRFunc *f, Emitted *out, BundleEntry *e)
{
    TCIBlock *b = tci_compile(f);
    if (!b)
        return -1;
    size_t off = out->tci.len;
    int rc = tci_image_write(b, &rv_ir_context, &out->tci);
    tci_free(b);
    if (rc || out->tci.len > UINT32_MAX)
        return -1;
    e->func = BUNDLE_NO_FUNC;
    e->tci_off = (uint32_t)off;
    e->tci_len = (uint32_t)(out->tci.len - off);
    out->tci_blocks++;
    return 0;
}

/* Translate every candidate group (sorted; one entry per (hash, flags,
 * size)): hot groups into a function of mb, the others (and hot blocks
 * the emitter cannot take) into a TCI image as tci says.  Each candidate
 * of a group that got an entry gives a where record. */
static void emit_all(WasmModuleBuilder *mb, const WasmABI *abi, const Cand *c, size_t n,
                     TciMode tci, Emitted *out)
{
    static IRFunc f;
    static RVTBInfo info;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && !bundle_entry_cmp(&c[i].e, &c[j].e); j++)
            out->shared++; /* same code bytes and flags as the group's first: shares its code */
        const ProfEntry *pe = c[i].pe;
        ByteSource src = {pe->key.vpc, pe->key.ppc, pe->bytes, pe->len};
        uint64_t tval;
        if (rv_translate_fetch(src_fetch, &src, pe->key.vpc, pe->key.flags, &f, &info, &tval) ||
            info.size != pe->len || info.ninsns != pe->ninsns) {
            out->skipped++;
            continue;
        }
        opt_run(&f);
        BundleEntry e = c[i].e;
        int fn = c[i].hot ? wasm_emit_func(mb, &f, abi) : -1; /* < 0: a loop, stays off Wasm */
        if (fn >= 0)
            e.func = (uint32_t)fn;
        else if (tci == TCI_NONE || (tci == TCI_AFTER_SNAPSHOT && !c[i].after) ||
                 emit_tci(&f, out, &e)) {
            out->skipped += c[i].hot;
            continue;
        }
        for (size_t k = i; k < j; k++) {
            BundleWhere w = {c[k].pe->key.vpc, c[k].pe->key.flags, out->nidx};
            if (!out->nwhere || bundle_where_cmp(&out->where[out->nwhere - 1], &w))
                out->where[out->nwhere++] = w;
        }
        out->idx[out->nidx++] = e;
    }
}

static int cmp_where(const void *a, const void *b)
{
    return bundle_where_cmp(a, b);
}

int aot_bundle_main(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    int level = DEFAULT_OPT_LEVEL;
    uint64_t min_count = DEFAULT_MIN_COUNT;
    TciMode tci = TCI_ALL;
    const char *tci_opt = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (!strcmp(a, "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(a, "--no-tci") || !strcmp(a, "--tci-after-snapshot")) {
            TciMode m = !strcmp(a, "--no-tci") ? TCI_NONE : TCI_AFTER_SNAPSHOT;
            if (tci_opt && tci != m) {
                fprintf(stderr, "aot-tool bundle: %s and %s exclude each other\n", tci_opt, a);
                return 2;
            }
            tci = m;
            tci_opt = a;
        } else if (!strcmp(a, "--min-count") && i + 1 < argc) {
            char *end;
            const char *v = argv[++i];
            unsigned long long x = strtoull(v, &end, 10);
            if (!*v || *end || v[0] == '-' || x == 0) {
                fprintf(stderr, "aot-tool bundle: --min-count wants a positive integer, not '%s'\n",
                        v);
                return 2;
            }
            min_count = x;
        } else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) {
            level = a[2] - '0';
        } else if (a[0] != '-' && !in) {
            in = a;
        } else {
            fprintf(stderr, "aot-tool bundle: unexpected argument '%s'\n", a);
            usage();
            return 2;
        }
    }
    if (!in || !out) {
        usage();
        return 2;
    }
    char err[512];
    Profile *p;
    if (prof_load(in, &p, err, sizeof(err))) {
        fprintf(stderr, "aot-tool bundle: %s\n", err);
        return 1;
    }
    if (tci == TCI_AFTER_SNAPSHOT && !*prof_header(p)->snapshot_at) {
        fprintf(stderr,
                "aot-tool bundle: %s: --tci-after-snapshot needs a profile with a snapshot point "
                "(aot-tool profile --snapshot-at); this one has none\n",
                in);
        prof_free(p);
        return 1;
    }
    size_t n = prof_count(p);
    Cand *c = calloc(n ? n : 1, sizeof(*c));
    Emitted em = {.idx = calloc(n ? n : 1, sizeof(BundleEntry)),
                  .where = calloc(n ? n : 1, sizeof(BundleWhere))};
    wasm_buf_init(&em.tci);
    if (!c || !em.idx || !em.where) {
        fprintf(stderr, "aot-tool bundle: out of memory\n");
        free(c);
        free(em.idx);
        free(em.where);
        prof_free(p);
        return 1;
    }
    size_t nc = 0;
    uint64_t execs = 0;
    for (const ProfEntry *e = prof_first(p); e; e = prof_next(p, e)) {
        execs += e->count;
        if (e->len > RV_TB_MAX_BYTES || !e->ninsns || e->ninsns > RV_TB_MAX_INSNS) {
            em.skipped++;
            continue;
        }
        c[nc].pe = e;
        c[nc].e = (BundleEntry){.hash = tb_hash_bytes(e->bytes, e->len),
                                .check = bundle_check_hash(e->bytes, e->len),
                                .flags = e->key.flags,
                                .size = (uint16_t)e->len,
                                .ninsns = (uint16_t)e->ninsns};
        nc++;
    }
    qsort(c, nc, sizeof(*c), cmp_cand);
    /* Mark the groups (same code, flags and size: one entry) that ran at
     * least min_count times in all: those become Wasm functions. */
    unsigned cold = 0;
    for (size_t i = 0, j; i < nc; i = j) {
        uint64_t sum = 0;
        bool after = false;
        for (j = i; j < nc && !bundle_entry_cmp(&c[i].e, &c[j].e); j++) {
            sum += c[j].pe->count;
            after |= c[j].pe->count_after != 0;
        }
        for (size_t k = i; k < j; k++) {
            c[k].hot = sum >= min_count;
            c[k].after = after;
        }
        cold += sum < min_count ? (unsigned)(j - i) : 0;
    }

    const char *names[HELPER_COUNT];
    WasmABI abi;
    bundle_abi(&abi, names);
    WasmModuleBuilder mb;
    WasmModuleOptions mo = {
        .mem_min_pages = 1, .mem_max_pages = -1, .shared_memory = false, .table_segment = true};
    wasm_mb_init(&mb);
    int rc = 1;
    uint8_t *opt_bytes = NULL;
    size_t opt_len = 0;
    WasmBuf raw;
    wasm_buf_init(&raw);
    if (wasm_emit_module_init(&mb, &abi, &mo)) {
        fprintf(stderr, "aot-tool bundle: cannot start the module\n");
        goto done;
    }
    emit_all(&mb, &abi, c, nc, tci, &em);
    qsort(em.where, em.nwhere, sizeof(*em.where), cmp_where);
    if (!wasm_buf_ok(&em.tci) || em.tci.len > UINT32_MAX) {
        fprintf(stderr, "aot-tool bundle: out of memory for TCI images\n");
        goto done;
    }
    if (wasm_mb_finish(&mb, &raw)) {
        fprintf(stderr, "aot-tool bundle: out of memory building the module\n");
        goto done;
    }
    if (optimise(raw.data, raw.len, level, &opt_bytes, &opt_len))
        goto done;
    const ProfHeader *ph = prof_header(p);
    BundleHeader h = {.wasm_abi_version = WASM_ABI_VERSION,
                      .abi_hash = bundle_abi_hash(),
                      .kernel_hash = ph->kernel_hash,
                      .bios_hash = ph->bios_hash,
                      .nfuncs = wasm_mb_nfuncs(&mb),
                      .opt_level = (uint32_t)level,
                      .profile_entries = (uint32_t)n,
                      .profile_execs = execs};
    size_t total = opt_len;
    BundleIndex ix = {em.idx, em.nidx, em.where, em.nwhere, em.tci.data, (uint32_t)em.tci.len};
    if (bundle_write_sections(&h, &ix, opt_bytes, opt_len, &opt_bytes, &total)) {
        fprintf(stderr, "aot-tool bundle: out of memory\n");
        goto done;
    }
    if (write_file(out, opt_bytes, total))
        goto done;
    printf("aot-tool bundle: %s: %u blocks: %u compiled, %u TCI images (%zu profile entries: %u "
           "ran < %llu times, %u skipped, %u shared), %zu bytes (module %zu, %zu before Binaryen "
           "-O%d; TCI images %zu)\n",
           out, em.nidx, em.nidx - em.tci_blocks, em.tci_blocks, n, cold,
           (unsigned long long)min_count, em.skipped, em.shared, total, opt_len, raw.len, level,
           em.tci.len);
    if (em.nidx == em.tci_blocks)
        fprintf(stderr,
                "aot-tool bundle: warning: %s holds no compiled blocks (none of the profile's ran "
                "at least %llu times: see --min-count)\n",
                out, (unsigned long long)min_count);
    rc = 0;
done:
    wasm_buf_free(&raw);
    wasm_mb_free(&mb);
    free(opt_bytes);
    free(c);
    free(em.idx);
    free(em.where);
    wasm_buf_free(&em.tci);
    prof_free(p);
    return rc;
}

/* ---- inspect ---- */

int aot_bundle_inspect(const char *path)
{
    uint8_t *d;
    size_t len;
    int rc = file_read_all(path, SIZE_MAX, &d, &len);
    if (rc) {
        fprintf(stderr, "aot-tool inspect: %s: cannot read: %s\n", path, strerror(-rc));
        return 1;
    }
    BundleView v;
    char err[256];
    if (bundle_parse(d, len, &v, err, sizeof(err))) {
        fprintf(stderr, "aot-tool inspect: %s: %s\n", path, err);
        free(d);
        return 1;
    }
    const BundleHeader *h = &v.hdr;
    uint64_t abi = bundle_abi_hash();
    printf("file: %s\n", path);
    printf("format: kiln bundle, version %u\n", h->format_version);
    printf("wasm abi: %u%s\n", h->wasm_abi_version,
           h->wasm_abi_version == WASM_ABI_VERSION ? "" : " (this tree: different)");
    printf("abi hash: %016" PRIx64 " (%s this tree's runtime)\n", h->abi_hash,
           h->abi_hash == abi ? "matches" : "does NOT match");
    printf("kernel hash: %016" PRIx64 "\n", h->kernel_hash);
    printf("bios hash: %016" PRIx64 "%s\n", h->bios_hash, h->bios_hash ? "" : " (built-in/none)");
    printf("binaryen: -O%u\n", h->opt_level);
    printf("module: %" PRIu64 " bytes, %u functions\n", h->code_len, h->nfuncs);
    printf("file: %zu bytes\n", len);
    unsigned nflags = 0;
    uint32_t seen[64];
    uint64_t code = 0, insns = 0;
    uint32_t ntci = 0;
    for (uint32_t i = 0; i < h->nentries; i++) {
        const BundleEntry *e = &v.entries[i];
        code += e->size;
        insns += e->ninsns;
        ntci += e->func == BUNDLE_NO_FUNC;
        bool dup = false;
        for (unsigned k = 0; k < nflags; k++)
            dup |= seen[k] == e->flags;
        if (!dup && nflags < 64)
            seen[nflags++] = e->flags;
    }
    printf("blocks: %u (%" PRIu64 " guest code bytes, %" PRIu64 " instructions, %u flag sets)\n",
           h->nentries, code, insns, nflags);
    printf("code: %u compiled, %u TCI images (%u bytes)\n", h->nentries - ntci, ntci, h->tci_len);
    printf("where: %u records (virtual PCs the blocks were profiled at)\n", h->nwhere);
    printf("profile: %u entries, %" PRIu64 " executions\n", h->profile_entries, h->profile_execs);
    bundle_view_free(&v);
    free(d);
    return 0;
}
