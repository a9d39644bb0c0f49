#!/usr/bin/env python3
"""bundle-test.py - AOT bundles (aot-tool bundle, kiln --bundle), suite 'aot'.

Cases (one per meson test):
  determinism  bundling the same profile twice gives identical bytes; the
               bundle validates (wasm-validate) and `aot-tool inspect` reads it
  corrupt      truncations at many offsets, bit flips in the header, index and
               code, wrong format/ABI version, another guest image: natively
               every one gives exactly ONE warning naming the file and the
               guest still reaches its marker; a few of them also under Node;
               TCI images that pass the checksums but not their own checks:
               one warning, refused, same console (natively and under Node)
  diff         guest hello and bench-fp under Node with TCI only, with every
               block JIT-ed (--jit-threshold 1) and with a bundle (hello: the
               sample profile's; bench-fp: one profiled here, every block
               that ran twice): identical console output
  diff-isa     the ISA programs (ELF paths after the case) the same way,
               each with a bundle of all its blocks (JIT: --jit-stress), and
               with a bundle of TCI images only (natively, and under Node
               with --jit-threshold 2 so the JIT re-translates them)
  hitrate      boot under Node with the bundle of the sample profile
               (profiles/hello.prof): >= 90% of executed blocks ran bundle
               code (compiled or from a TCI image) and >= 80% compiled code
               (from --stats); the JIT compiled no block the bundle had
  fuzz         a short libFuzzer run of the bundle parser
"""
import argparse
import os
import random
import re
import struct
import subprocess

from aotlib import add_tool_args, checksum64, fail, fnv1a64, read_prof

APPEND = "console=ttyS0 earlycon=sbi panic=-1 guest.run=hello"
MARKER = b"guest: done hello"
HEADER_SEC = b"kiln.bundle"
INDEX_SEC = b"kiln.bundle.index"
HEADER_SIZE = 104
ENTRY_SIZE = 36
WHERE_SIZE = 16
NO_FUNC = 0xFFFFFFFF


def leb(data, pos):
    v = shift = 0
    while True:
        b = data[pos]
        pos += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, pos


def sections(data):
    """[(id, start, payload_start, end, name)] of a Wasm module."""
    out, pos = [], 8
    while pos < len(data):
        start = pos
        sid = data[pos]
        size, pos = leb(data, pos + 1)
        end = pos + size
        name = None
        if sid == 0:
            nlen, p = leb(data, pos)
            name = bytes(data[p:p + nlen])
            pos = p + nlen
        out.append((sid, start, pos, end, name))
        pos = end
    return out


def our_sections(data):
    hdr = idx = None
    for s in sections(data):
        if s[4] == HEADER_SEC:
            hdr = s
        elif s[4] == INDEX_SEC:
            idx = s
    return hdr, idx


def index_entries(data):
    """[(func, tci_off, tci_len)] of the index records, and the header's
    (nentries, nwhere, tci_len)."""
    hdr, idx = our_sections(data)
    nent, nwhere, tci_len = struct.unpack_from("<III", data, hdr[2] + 64)
    out = []
    for i in range(nent):
        out.append(struct.unpack_from("<III", data, idx[2] + i * ENTRY_SIZE + 24))
    return out, (nent, nwhere, tci_len)


def patch_header(data, off, fmt, value):
    """Set a header field (offset from the header payload) and fix the checksum."""
    data = bytearray(data)
    hdr, _ = our_sections(data)
    p = hdr[2]
    struct.pack_into(fmt, data, p + off, value)
    struct.pack_into("<Q", data, p + HEADER_SIZE - 8, fnv1a64(data[p:p + HEADER_SIZE - 8]))
    return bytes(data)


class Ctx:
    def __init__(self, a):
        self.a = a
        self.image = os.path.join(a.guest_dir, "Image")
        if not os.path.exists(self.image):
            self.image = os.path.join(a.fallback_dir, "Image")
        os.makedirs(a.work_dir, exist_ok=True)
        self.kiln_js = os.path.join(a.wasm_build, "runtime", "kiln.js")

    def path(self, name):
        return os.path.join(self.a.work_dir, name)

    def run(self, cmd, timeout=600, env=None):
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, env=env)

    def bundle(self, prof, out, *extra):
        p = self.run([self.a.aot_tool, "bundle", prof, "-o", out] + list(extra))
        if p.returncode:
            fail(f"aot-tool bundle {prof} failed ({p.returncode}): {p.stderr.decode()}")
        with open(out, "rb") as f:
            return f.read()

    def sample_bundle(self):
        out = self.path(f"bundle-hello-{self.a.case}.kbundle.wasm")
        prof = os.path.join(self.a.source_root, "profiles", "hello.prof")
        if not os.path.exists(prof):
            fail(f"no sample profile {prof}")
        return out, self.bundle(prof, out)

    def guest_args(self, *extra):
        return ["run", "--kernel", self.image, "--append", APPEND, "--deterministic"] + list(extra)

    def native(self, *extra):
        return self.run([self.a.kiln] + self.guest_args(*extra), timeout=300)

    def node(self, *extra):
        return self.node_run(self.guest_args(*extra))

    def node_run(self, args):
        """tools/kiln-node ARGS (the kiln.js of --wasm-build)."""
        if not os.path.exists(self.kiln_js):
            fail(f"no Wasm build at {self.a.wasm_build} (kiln.js): build it with "
                 "meson setup --cross-file cross/emscripten.ini DIR && ninja -C DIR, "
                 "and configure this build with -Dwasm_build=DIR")
        env = dict(os.environ, KILN_WASM_BUILD=self.a.wasm_build)
        return self.run([self.a.node, self.a.kiln_node] + args, timeout=600, env=env)


def case_determinism(c):
    out, b1 = c.sample_bundle()
    b2 = c.bundle(os.path.join(c.a.source_root, "profiles", "hello.prof"),
                  c.path("bundle-hello-determinism-2.kbundle.wasm"))
    if b1 != b2:
        fail(f"two bundles of the same profile differ ({len(b1)} vs {len(b2)} bytes)")
    p = c.run([c.a.wasm_validate, out])
    if p.returncode:
        fail(f"wasm-validate rejects the bundle: {p.stdout.decode()}{p.stderr.decode()}")
    p = c.run([c.a.aot_tool, "inspect", out])
    text = p.stdout.decode()
    if p.returncode or "kiln bundle, version 3" not in text or "matches" not in text:
        fail(f"aot-tool inspect: rc {p.returncode}\n{text}{p.stderr.decode()}")
    m = re.search(r"blocks: (\d+)", text)
    if not m or int(m.group(1)) < 1000:
        fail(f"inspect shows too few blocks:\n{text}")
    print(f"ok: {len(b1)} bytes, identical twice, valid; {m.group(0)}")
    # Every subcommand answers --help with its usage and exit 0; a bad
    # option is exit 2.
    for sub in ("profile", "merge", "bundle", "inspect"):
        p = c.run([c.a.aot_tool, sub, "--help"])
        if p.returncode or f"aot-tool {sub}" not in (p.stdout + p.stderr).decode():
            fail(f"aot-tool {sub} --help: rc {p.returncode}\n{p.stdout.decode()}{p.stderr.decode()}")
        p = c.run([c.a.aot_tool, sub, "--no-such-option"])
        if p.returncode != 2:
            fail(f"aot-tool {sub} --no-such-option: rc {p.returncode}, want 2")
    print("ok: --help of every subcommand (exit 0), unknown options (exit 2)")
    # --min-count N compiles the (code hash, flags, size) groups whose counts
    # add up to at least N (one record each, minus any skipped); every other
    # group is a TCI image (one record each), or left out with --no-tci.
    prof = os.path.join(c.a.source_root, "profiles", "hello.prof")
    _, entries = read_prof(open(prof, "rb").read())
    groups = {}
    for e in entries:
        k = (e["hash"], e["flags"], len(e["code"]))
        groups[k] = groups.get(k, 0) + e["count"]
    for n, extra in ((2, []), (100, []), (1000, []), (100, ["--no-tci"])):
        path = c.path(f"bundle-hello-min{n}{''.join(extra)}.kbundle.wasm")
        p = c.run([c.a.aot_tool, "bundle", prof, "-o", path, "--min-count", str(n)] + extra)
        sk = re.search(r"(\d+) skipped", p.stdout.decode())
        if p.returncode or not sk:
            fail(f"bundle --min-count {n}: rc {p.returncode}\n{p.stdout.decode()}{p.stderr.decode()}")
        recs, _ = index_entries(open(path, "rb").read())
        compiled = sum(1 for r in recs if r[0] != NO_FUNC)
        images = len(recs) - compiled
        want = sum(1 for v in groups.values() if v >= n) - int(sk.group(1))
        want_images = 0 if extra else sum(1 for v in groups.values() if v < n)
        if compiled != want or images != want_images:
            fail(f"--min-count {n} {extra}: {compiled} compiled records and {images} TCI images, "
                 f"want {want} and {want_images}")
        print(f"ok: --min-count {n} {' '.join(extra)}: {compiled} compiled, {images} TCI images")


def warnings(stderr):
    """The lines of kiln's stderr (bytes) that warn, as text."""
    return [l for l in stderr.decode(errors="replace").splitlines() if "warning" in l]


def check_one_warning(c, p, path, what):
    err = p.stderr.decode(errors="replace")
    warns = warnings(p.stderr)
    if len(warns) != 1 or path not in warns[0] or "bundle" not in warns[0]:
        fail(f"{what}: expected one warning naming {path}, got:\n{err}")
    if MARKER not in p.stdout or p.returncode != 0:
        fail(f"{what}: the guest did not boot correctly (rc {p.returncode})\n{err[-2000:]}")


def corrupt_variants(good):
    hdr, idx = our_sections(good)
    rnd = random.Random(4)
    v = []
    # truncations: everywhere in the (small) custom sections, sampled in the code
    for n in sorted(set([0, 4, 8, 9, 100, len(good) // 2, hdr[1], hdr[1] + 1, hdr[2] + 40,
                         idx[1] - 1, idx[1], idx[1] + 3, idx[2] + ENTRY_SIZE * 3 + 5, len(good) - 1] +
                        [rnd.randrange(8, len(good)) for _ in range(10)])):
        v.append((f"truncated at {n}", good[:n]))
    for name, lo, hi in (("header", hdr[2], hdr[3]), ("index", idx[2], idx[3]),
                         ("code", 8, hdr[1])):
        for _ in range(6):
            d = bytearray(good)
            off = rnd.randrange(lo, hi)
            d[off] ^= 1 << rnd.randrange(8)
            v.append((f"bit flip in the {name} at {off}", bytes(d)))
    v.append(("format version 2", patch_header(good, 8, "<I", 2)))
    v.append(("format version 4", patch_header(good, 8, "<I", 4)))
    v.append(("wasm ABI version 99", patch_header(good, 12, "<I", 99)))
    v.append(("another ABI hash", patch_header(good, 16, "<Q", 0x1234)))
    v.append(("another kernel", patch_header(good, 24, "<Q", 0x5678)))
    v.append(("a firmware image", patch_header(good, 32, "<Q", 0x9abc)))
    v.append(("not a Wasm file", b"hello, world\n" * 10))
    return v


def bad_images(good):
    """good with every TCI image made invalid (its instruction count set to
    0) and the index and header checksums fixed, so only the checks of the
    images themselves can refuse them."""
    d = bytearray(good)
    hdr, idx = our_sections(d)
    recs, (nent, nwhere, _) = index_entries(d)
    area = idx[2] + nent * ENTRY_SIZE + nwhere * WHERE_SIZE
    n = 0
    for func, off, _ in recs:
        if func == NO_FUNC:
            d[area + off] = 0
            n += 1
    if not n:
        fail("the sample bundle holds no TCI images")
    return patch_header(d, 56, "<Q", checksum64(d[idx[2]:idx[3]])), n


def case_corrupt(c):
    _, good = c.sample_bundle()
    variants = corrupt_variants(good)
    for i, (what, data) in enumerate(variants):
        path = c.path(f"bundle-bad-{i}.kbundle.wasm")
        with open(path, "wb") as f:
            f.write(data)
        check_one_warning(c, c.native("--bundle", path), path, what + " (native)")
    # TCI images that pass the checksums but not their own checks: one
    # warning, each refused image's block translated instead, same console.
    bad, n = bad_images(good)
    path = c.path("bundle-bad-images.kbundle.wasm")
    with open(path, "wb") as f:
        f.write(bad)
    for run in (c.native, c.node):
        ref = run()
        p = run("--bundle", path, "--stats")
        check_one_warning(c, p, path, f"{n} invalid TCI images ({run.__name__})")
        err = p.stderr.decode(errors="replace")
        m = re.search(r"refused TCI images (\d+)", err)
        if "TCI image of index entry" not in err or not m or int(m.group(1)) < 100:
            fail(f"invalid TCI images ({run.__name__}): not refused as such:\n{err[-2000:]}")
        if p.stdout != ref.stdout:
            fail(f"invalid TCI images ({run.__name__}): console differs from a run without bundle")
    print(f"ok: {n} invalid TCI images: refused ({m.group(1)} looked up), one warning, same console")
    # Under Node: the real engine path with a few of them (each is a full boot).
    picks = [i for i, (w, _) in enumerate(variants)
             if w.startswith(("bit flip in the code", "another kernel", "wasm ABI"))][:3]
    picks.append(0)
    for i in picks:
        path = c.path(f"bundle-bad-{i}.kbundle.wasm")
        check_one_warning(c, c.node("--bundle", path), path, variants[i][0] + " (node)")
    # Another guest image for real: the SMP kernel with the hello bundle.
    smp = os.path.join(os.path.dirname(c.image), "Image-smp")
    if os.path.exists(smp):
        good_path = c.path("bundle-hello-corrupt.kbundle.wasm")
        p = c.run([c.a.kiln, "run", "--kernel", smp, "--append", APPEND, "--deterministic",
                   "--bundle", good_path], timeout=300)
        check_one_warning(c, p, good_path, "bundle of Image used with Image-smp")
        if "another guest image" not in p.stderr.decode():
            fail("Image-smp: the warning does not say the guest image differs")
    print(f"ok: {len(variants)} corrupt bundles natively, {len(picks)} under Node: one warning "
          "each, guest boots")


def console(p):
    return p.stdout


def diff_modes(c, what, guest_args, bundle, jit_forced, marker=None):
    """Runs guest_args under Node with TCI only, the JIT forced, and bundle:
    the console output (and exit status) must be identical, and the bundle
    run must have executed bundle code."""
    runs = {
        "tci": c.node_run(guest_args + ["--no-jit"]),
        "jit": c.node_run(guest_args + jit_forced),
        "bundle": c.node_run(guest_args + ["--bundle", bundle, "--stats"]),
    }
    for k, p in runs.items():
        if marker and marker not in p.stdout:
            fail(f"{what}, {k}: no '{marker.decode()}' (rc {p.returncode})\n"
                 f"{p.stderr.decode(errors='replace')[-2000:]}")
    ref = runs["tci"]
    for k in ("jit", "bundle"):
        if console(runs[k]) != console(ref) or runs[k].returncode != ref.returncode:
            fail(f"{what}: console output or exit status with {k} differs from TCI-only")
    if b"bundle executions 0 " in runs["bundle"].stderr or \
            b"bundle executions" not in runs["bundle"].stderr:
        fail(f"{what}: the bundle run executed no bundle code")
    m = re.search(rb"bundle: executions (\d+) of (\d+)", runs["bundle"].stderr)
    print(f"ok: {what}: TCI, JIT and bundle identical ({len(ref.stdout)} bytes of console; "
          f"bundle ran {m.group(1).decode()} of {m.group(2).decode()} blocks)")


def case_diff(c):
    path, _ = c.sample_bundle()
    diff_modes(c, "hello", c.guest_args(), path, ["--jit-threshold", "1"], MARKER)
    append = "console=ttyS0 earlycon=sbi panic=-1 guest.run=bench-fp"
    prof, bundle = c.path("diff-bench-fp.prof"), c.path("diff-bench-fp.kbundle.wasm")
    p = c.run([c.a.aot_tool, "profile", "--kernel", c.image, "--append", append, "--until",
               "guest: done bench-fp", "--quiet", "-o", prof])
    if p.returncode:
        fail(f"profiling bench-fp failed: {p.stderr.decode(errors='replace')}")
    c.bundle(prof, bundle, "--min-count", "2")
    args = ["run", "--kernel", c.image, "--append", append, "--deterministic"]
    diff_modes(c, "bench-fp", args, bundle, ["--jit-threshold", "1"], b"guest: done bench-fp")


def case_diff_isa(c):
    if not c.a.elfs:
        fail("no ISA programs given")
    for elf in c.a.elfs:
        name = os.path.basename(elf)
        prof, bundle = c.path(f"diff-{name}.prof"), c.path(f"diff-{name}.kbundle.wasm")
        p = c.run([c.a.aot_tool, "profile", "--kernel", elf, "--bios", "none", "--min-count",
                   "1", "--quiet", "-o", prof])
        if p.returncode:
            fail(f"profiling {name} failed: {p.stderr.decode(errors='replace')}")
        c.bundle(prof, bundle, "--min-count", "1")
        args = ["run", "--bios", "none", "--kernel", elf, "--deterministic"]
        diff_modes(c, name, args, bundle, ["--jit-stress"])
        # Every block as a TCI image (none compiled): natively and under Node.
        tci = c.path(f"diff-{name}-tci.kbundle.wasm")
        c.bundle(prof, tci, "--min-count", str(1 << 62))
        # Under Node the image-loaded blocks also go to the JIT from their
        # second run (--jit-threshold 2): the JIT re-translates them.
        for where, run, jit in (("native", lambda a: c.run([c.a.kiln] + a, timeout=300),
                                 ["--no-jit"]),
                                ("node", c.node_run, ["--jit-threshold", "2"])):
            ref, p = run(args + ["--no-jit"]), run(args + jit + ["--bundle", tci, "--stats"])
            m = re.search(rb"given TCI code (\d+)", p.stderr)
            # (the program's own warnings, e.g. stall.elf's, in both runs)
            if p.stdout != ref.stdout or p.returncode != ref.returncode or \
                    warnings(p.stderr) != warnings(ref.stderr):
                fail(f"{name} ({where}): with a bundle of TCI images the run differs\n"
                     f"{p.stderr.decode(errors='replace')}")
            if not m or int(m.group(1)) == 0:
                fail(f"{name} ({where}): no block ran from a TCI image\n{p.stderr.decode()}")
        print(f"ok: {name}: TCI images (natively, and under Node with the JIT) identical to TCI")


def case_hitrate(c):
    path, _ = c.sample_bundle()
    p = c.node("--bundle", path, "--stats")
    err = p.stderr.decode(errors="replace")
    if p.returncode or MARKER not in p.stdout:
        fail(f"boot with the bundle failed (rc {p.returncode})\n{err[-2000:]}")
    if "warning" in err:
        fail(f"unexpected warning:\n{err}")
    m = re.search(r"bundle: executions (\d+) of (\d+) blocks executed \([0-9.]+%\): "
                  r"compiled (\d+)", err)
    if not m:
        fail(f"no bundle statistics in --stats:\n{err}")
    hits, total, compiled = int(m.group(1)), int(m.group(2)), int(m.group(3))
    rate = 100.0 * hits / total if total else 0.0
    crate = 100.0 * compiled / total if total else 0.0
    print(f"bundle executions {hits} of {total} ({rate:.1f}%), compiled code {compiled} "
          f"({crate:.1f}%)")
    if crate < 80.0:
        fail(f"only {crate:.1f}% of executed blocks ran compiled bundle code (< 80%)")
    for line in err.splitlines():
        if "bundle" in line or "tiers" in line:
            print(line)
    if rate < 90.0:
        fail(f"bundle hit rate over executed blocks {rate:.1f}% < 90%")
    print("ok")


def case_fuzz(c):
    if not c.a.fuzzer or not os.path.exists(c.a.fuzzer):
        fail("no libFuzzer binary (clang with -fsanitize=fuzzer is needed)")
    corpus = c.path("bundle-fuzz-corpus")
    os.makedirs(corpus, exist_ok=True)
    _, good = c.sample_bundle()
    hdr, idx = our_sections(good)
    # seed: a small valid bundle (a tiny module with our sections) from the sample's sections
    with open(os.path.join(corpus, "sample-tail"), "wb") as f:
        f.write(good[hdr[1]:hdr[1] + 200])
    p = c.run([c.a.fuzzer, corpus, "-max_total_time=20", "-max_len=4096", "-seed=1"],
              timeout=300)
    if p.returncode:
        fail(f"fuzzer failed:\n{p.stderr.decode(errors='replace')[-3000:]}")
    print("ok: fuzzer ran 20 s without a finding")


def main():
    ap = argparse.ArgumentParser()
    add_tool_args(ap)
    ap.add_argument("--wasm-validate", default="wasm-validate")
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--fuzzer", default="")
    ap.add_argument("case", choices=["determinism", "corrupt", "diff", "diff-isa", "hitrate",
                                     "fuzz"])
    ap.add_argument("elfs", nargs="*", help="diff-isa: the ISA programs")
    a = ap.parse_args()
    c = Ctx(a)
    globals()["case_" + a.case.replace("-", "_")](c)


if __name__ == "__main__":
    main()
