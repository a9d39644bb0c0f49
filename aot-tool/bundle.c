/* bundle.c - `aot-tool bundle PROFILE -o OUT [-O0..-O3]` and the bundle
 * half of `aot-tool inspect`.  Every profile entry is re-translated from
 * its recorded guest bytes with the runtime's own frontend, optimiser and
 * IR->Wasm emitter (import mode: helpers and slow paths are imports by
 * name), all into ONE module, which Binaryen optimises and validates; the
 * header and index (runtime/exec/bundle-format.h) are appended after
 * optimisation as the last two custom sections.  Deterministic: the same
 * profile and options give the same bytes. */
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
#include "wasm/emit.h"

#define DEFAULT_OPT_LEVEL 2

/* Blocks that ran fewer times than this in the profile stay out of the
 * bundle (--min-count).  A bundle function costs the engine about as much to
 * compile (V8 compiles each function at its first call: ~7 us per block on
 * the 2-core CI machine) as the runtime's TCI translation of the block, so
 * only blocks that run often enough for compiled code to repay that belong
 * in it.  Measured on the shared guest's boot (docs/aot.md): boot time falls
 * from min-count 2 to about 100 and is flat beyond, while the share of
 * executed blocks served by the bundle drops (95% at 100, 91% at 200). */
#define DEFAULT_MIN_COUNT 100

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

/* A candidate: an index entry plus the profile entry it comes from. */
typedef struct Cand {
    BundleEntry e;
    const ProfEntry *pe;
} Cand;

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
            "[--min-count N]\n"
            "  --min-count N  only blocks that ran at least N times in the profile "
            "(default %d;\n"
            "                 entries with the same code and flags count together)\n",
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

/* Translate and emit every candidate (sorted, duplicates of (hash, flags,
 * size) dropped) into mb; fills idx[] and returns their number. */
static uint32_t emit_all(WasmModuleBuilder *mb, const WasmABI *abi, Cand *c, size_t n,
                         BundleEntry *idx, unsigned *skipped, unsigned *shared)
{
    static IRFunc f;
    static RVTBInfo info;
    uint32_t nidx = 0;
    for (size_t i = 0; i < n; i++) {
        if (nidx && !bundle_entry_cmp(&idx[nidx - 1], &c[i].e)) {
            (*shared)++; /* same code bytes and flags as the previous entry: share */
            continue;
        }
        const ProfEntry *pe = c[i].pe;
        ByteSource src = {pe->key.vpc, pe->key.ppc, pe->bytes, pe->len};
        uint64_t tval;
        if (rv_translate_fetch(src_fetch, &src, pe->key.vpc, pe->key.flags, &f, &info, &tval) ||
            info.size != pe->len || info.ninsns != pe->ninsns) {
            (*skipped)++;
            continue;
        }
        opt_run(&f);
        int fn = wasm_emit_func(mb, &f, abi);
        if (fn < 0) {
            (*skipped)++; /* a loop: stays on TCI/JIT at run time */
            continue;
        }
        idx[nidx] = c[i].e;
        idx[nidx].func = (uint32_t)fn;
        nidx++;
    }
    return nidx;
}

int aot_bundle_main(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    int level = DEFAULT_OPT_LEVEL;
    uint64_t min_count = DEFAULT_MIN_COUNT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") && i + 1 < argc) {
            out = argv[++i];
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
    size_t n = prof_count(p);
    Cand *c = calloc(n ? n : 1, sizeof(*c));
    BundleEntry *idx = calloc(n ? n : 1, sizeof(*idx));
    if (!c || !idx) {
        fprintf(stderr, "aot-tool bundle: out of memory\n");
        free(c);
        free(idx);
        prof_free(p);
        return 1;
    }
    size_t nc = 0;
    unsigned skipped = 0, shared = 0;
    uint64_t execs = 0;
    for (const ProfEntry *e = prof_first(p); e; e = prof_next(p, e)) {
        execs += e->count;
        if (e->len > RV_TB_MAX_BYTES || !e->ninsns || e->ninsns > RV_TB_MAX_INSNS) {
            skipped++;
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
    /* Drop the groups (same code, flags and size: one function) that ran
     * fewer than min_count times in all. */
    size_t kept = 0;
    unsigned cold = 0;
    for (size_t i = 0, j; i < nc; i = j) {
        uint64_t sum = 0;
        for (j = i; j < nc && !bundle_entry_cmp(&c[i].e, &c[j].e); j++)
            sum += c[j].pe->count;
        if (sum < min_count) {
            cold += (unsigned)(j - i);
            continue;
        }
        memmove(&c[kept], &c[i], (j - i) * sizeof(*c));
        kept += j - i;
    }
    nc = kept;

    const char *names[HELPER_COUNT];
    WasmABI abi;
    bundle_abi(&abi, names);
    WasmModuleBuilder mb;
    WasmModuleOptions mo = {.mem_min_pages = 1, .mem_max_pages = -1, .shared_memory = false};
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
    uint32_t nidx = emit_all(&mb, &abi, c, nc, idx, &skipped, &shared);
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
    if (bundle_write_sections(&h, idx, nidx, opt_bytes, opt_len, &opt_bytes, &total)) {
        fprintf(stderr, "aot-tool bundle: out of memory\n");
        goto done;
    }
    if (write_file(out, opt_bytes, total))
        goto done;
    printf("aot-tool bundle: %s: %u blocks (%zu profile entries: %u ran < %llu times, %u "
           "skipped, %zu shared), %zu bytes (%zu before Binaryen -O%d)\n",
           out, nidx, n, cold, (unsigned long long)min_count, skipped, (size_t)shared, total,
           raw.len, level);
    if (!nidx)
        fprintf(stderr,
                "aot-tool bundle: warning: %s holds no blocks (none of the profile's ran at least "
                "%llu times: see --min-count)\n",
                out, (unsigned long long)min_count);
    rc = 0;
done:
    wasm_buf_free(&raw);
    wasm_mb_free(&mb);
    free(opt_bytes);
    free(c);
    free(idx);
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
    for (uint32_t i = 0; i < h->nentries; i++) {
        const BundleEntry *e = &v.entries[i];
        code += e->size;
        insns += e->ninsns;
        bool dup = false;
        for (unsigned k = 0; k < nflags; k++)
            dup |= seen[k] == e->flags;
        if (!dup && nflags < 64)
            seen[nflags++] = e->flags;
    }
    printf("blocks: %u (%" PRIu64 " guest code bytes, %" PRIu64 " instructions, %u flag sets)\n",
           h->nentries, code, insns, nflags);
    printf("profile: %u entries, %" PRIu64 " executions\n", h->profile_entries, h->profile_execs);
    bundle_view_free(&v);
    free(d);
    return 0;
}
