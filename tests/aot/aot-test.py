#!/usr/bin/env python3
"""aot-test.py - suite 'aot': aot-tool's CLI and the .prof format.

Holds an independent reader/writer of the format as documented in
docs/profile-format.md, so the C code and the document are checked against
each other.  One case per run:
  determinism  profile the hello boot twice (and an --insns run twice):
               byte-identical files; the profile covers the boot
  merge        merge two real profiles: union of blocks, counts added;
               merging profiles of different guest images fails
  inspect      exact inspect output for small profiles written here
               (format version 1, version 2 with a snapshot point, version 3
               with executions after it)
  corrupt-cli  corrupt/missing/non-profile files and bad command lines
               through the CLI: one clear message naming the file, exit 1/2;
               a marker never seen (also within an --insns limit): exit 1
  sample       profiles/hello.prof (version 1) is valid, for the shared
               guest's Image
  fuzz         a short libFuzzer run of the profile loader
"""
import argparse
import os
import struct
import subprocess
import tempfile

from aotlib import FIXED, STRINGS, fail, fnv1a64, read_prof, write_prof

APPEND = "console=ttyS0 earlycon=sbi guest.run=hello"
MARKER = "guest: done hello"


def small_profile():
    hdr = dict(flags=1, kernel_hash=0x963044C5B608354F, bios_hash=0, drive_hash=0,
               mem_size=256 << 20, insns=1000, tb_execs=100, min_count=2,
               kiln_version="0.1.0", kernel_name="Image", bios="", append="console=ttyS0",
               drive="", stop="insns:1000")
    entries = [
        dict(vpc=0xFFFFFFFF80001000, ppc=0x80201000, flags=5, ninsns=1, count=10,
             code=bytes([0x13, 0x05, 0x10, 0x00])),
        dict(vpc=0xFFFFFFFF80002000, ppc=0x80202000, flags=5, ninsns=2, count=60,
             code=bytes([0x05, 0x45, 0x82, 0x80])),
    ]
    return hdr, entries


class Ctx:
    def __init__(self, a):
        self.tool = a.aot_tool
        self.root = a.source_root
        self.work = a.work_dir
        self.fuzzer = a.fuzzer
        img = os.path.join(a.guest_dir, "Image")
        if not os.path.exists(img):
            img = os.path.join(a.fallback_dir, "Image")
        self.image = img

    def run(self, *args, check=None):
        p = subprocess.run([self.tool, *args], capture_output=True, text=True, timeout=500)
        if check is not None and p.returncode != check:
            fail(f"aot-tool {' '.join(args)}: exit {p.returncode}, want {check}\n"
                 f"stdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}")
        return p

    def profile(self, out, *extra):
        if not os.path.exists(self.image):
            fail(f"guest Image not found ({self.image}): build it with tools/build-guest")
        self.run("profile", "--kernel", self.image, "--append", APPEND, "--quiet", *extra,
                 "-o", out, check=0)
        with open(out, "rb") as f:
            return f.read()


def check_one_error(p, path, code=1):
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    if p.returncode != code or len(lines) != 1 or path not in lines[0]:
        fail(f"want exit {code} and one error line naming {path}; got exit {p.returncode}, "
             f"stderr {p.stderr!r}")
    return lines[0]


def case_determinism(c, tmp):
    a = c.profile(os.path.join(tmp, "a.prof"), "--until", MARKER)
    b = c.profile(os.path.join(tmp, "b.prof"), "--until", MARKER)
    if a != b:
        fail(f"two profiles of the same boot differ ({len(a)} vs {len(b)} bytes)")
    hdr, entries = read_prof(a)
    total = sum(e["count"] for e in entries)
    if hdr["stop"] != "until:" + MARKER or hdr["append"] != APPEND or not entries:
        fail(f"header {hdr}")
    if hdr["kernel_hash"] != fnv1a64(open(c.image, "rb").read()):
        fail("kernel hash is not FNV-1a 64 of the Image")
    if total > hdr["tb_execs"] or total < 0.9 * hdr["tb_execs"]:
        fail(f"recorded {total} of {hdr['tb_execs']} block executions")
    if hdr["min_count"] != 1 or min(e["count"] for e in entries) != 1:
        fail("the default --min-count is not 1 (every block that ran)")
    x = c.profile(os.path.join(tmp, "x.prof"), "--insns", "3000000", "--min-count", "1")
    y = c.profile(os.path.join(tmp, "y.prof"), "--insns", "3000000", "--min-count", "1")
    if x != y:
        fail("two --insns profiles differ")
    z = c.profile(os.path.join(tmp, "z.prof"), "--insns", "3000000", "--min-count", "2")
    key = lambda e: (e["vpc"], e["ppc"], e["flags"], e["hash"], e["count"])
    if sorted(map(key, read_prof(z)[1])) != sorted(key(e) for e in read_prof(x)[1]
                                                   if e["count"] >= 2):
        fail("--min-count 2 does not keep exactly the blocks that ran at least twice")
    hx, ex = read_prof(x)
    if not 3000000 <= hx["insns"] < 3100000 or hx["stop"] != "insns:3000000":
        fail(f"--insns run: {hx['insns']} insns, stop {hx['stop']}")
    print(f"ok: {len(a)} bytes, {len(entries)} blocks, {total}/{hdr['tb_execs']} executions")


def case_merge(c, tmp):
    pa, pb, pm = (os.path.join(tmp, n) for n in ("a.prof", "b.prof", "m.prof"))
    ha, ea = read_prof(c.profile(pa, "--insns", "2000000", "--min-count", "1"))
    hb, eb = read_prof(c.profile(pb, "--until", MARKER, "--min-count", "3"))
    c.run("merge", pa, pb, "-o", pm, check=0)
    hm, em = read_prof(open(pm, "rb").read())
    want = {}
    for e in ea + eb:
        k = (e["vpc"], e["ppc"], e["flags"], e["hash"])
        want[k] = want.get(k, 0) + e["count"]
    got = {(e["vpc"], e["ppc"], e["flags"], e["hash"]): e["count"] for e in em}
    if got != want:
        fail(f"merged blocks: {len(got)} entries, want {len(want)} (union, counts added)")
    if (hm["insns"] != ha["insns"] + hb["insns"] or hm["tb_execs"] != ha["tb_execs"] +
            hb["tb_execs"] or hm["min_count"] != 1 or not hm["flags"] & 2):
        fail(f"merged header {hm}")
    # merge is order-independent on entries
    pm2 = os.path.join(tmp, "m2.prof")
    c.run("merge", pb, pa, "-o", pm2, check=0)
    if read_prof(open(pm2, "rb").read())[1] != em:
        fail("merge B A differs from merge A B")
    # another guest image
    hs, es = small_profile()
    hs["kernel_hash"] ^= 1
    other = os.path.join(tmp, "other.prof")
    open(other, "wb").write(write_prof(hs, es))
    p = c.run("merge", pa, other, "-o", os.path.join(tmp, "bad.prof"))
    line = check_one_error(p, other)
    if "different guest images" not in line or os.path.exists(os.path.join(tmp, "bad.prof")):
        fail(f"merge of different images: {line}")
    print(f"ok: {len(ea)} + {len(eb)} -> {len(em)} blocks")


INSPECT_WANT = """file: {path}
format: kiln profile, version {version}
flags: deterministic
kiln version: 0.1.0
kernel: Image (hash 963044c5b608354f)
bios: built-in
drive: none
append: console=ttyS0
mem: 256 MiB
stop: insns:1000
{snapshot}min count: 2
instructions: 1000
block executions: 100
blocks: 2 (8 code bytes, 3 instructions)
{after}coverage: 70.00% of block executions, 13.00% of instructions
all blocks:
           count  vpc               ppc               flags     insns  bytes  hash
              10  ffffffff80001000  0000000080201000  00000005      1      4  {h1:016x}
              60  ffffffff80002000  0000000080202000  00000005      2      4  {h2:016x}
"""


def case_inspect(c, tmp):
    hdr, entries = small_profile()
    path = os.path.join(tmp, "small.prof")
    # version 1 (no snapshot fields), version 2 with a snapshot point, version
    # 3 with executions after it
    v2 = dict(hdr, version=2, snapshot_at="guest# ", input='\rls "/"\\\x01\r', snapshot_insns=400)
    v3 = dict(v2, version=3)
    snap = ('snapshot: "guest# " at instruction 400 (600 more after it)\n'
            'input: "\\rls \\"/\\"\\\\\\x01\\r"\n')
    after3 = [dict(entries[0]), dict(entries[1], count_after=15)]
    for h, ents, snapshot, after in (
            (hdr, entries, "snapshot: none\n", ""),
            (v2, entries, snap, "after the snapshot: 0 blocks ran, 0 block executions\n"),
            (v3, after3, snap, "after the snapshot: 1 blocks ran, 15 block executions\n")):
        open(path, "wb").write(write_prof(h, ents))
        p = c.run("inspect", path, "--all", check=0)
        want = INSPECT_WANT.format(path=path, version=h.get("version", 1), snapshot=snapshot,
                                   after=after, h1=fnv1a64(entries[0]["code"]),
                                   h2=fnv1a64(entries[1]["code"]))
        if p.stdout != want:
            fail(f"inspect output:\n{p.stdout}\nwant:\n{want}")
    p = c.run("inspect", path, "--top", "1", check=0)
    lines = p.stdout.splitlines()
    if lines[-2].split()[0] != "count" or lines[-1].split()[0] != "60" or \
            "hottest blocks:" not in lines:
        fail(f"inspect --top 1:\n{p.stdout}")
    print("ok")


def case_corrupt_cli(c, tmp):
    hdr, entries = small_profile()
    good = write_prof(hdr, entries)
    cases = {
        "truncated": good[:50],
        "empty": b"",
        "bitflip": good[:100] + bytes([good[100] ^ 4]) + good[101:],
        "magic": b"XILNPROF" + good[8:],
        "version": good[:8] + struct.pack("<I", 9) + good[12:],
        "snapshot": write_prof(dict(hdr, version=2, snapshot_at="guest# ", snapshot_insns=1001),
                               entries),
        "lenmismatch": None,
        "overflow": None,
    }
    h2 = dict(hdr)
    h2["tb_execs"] = 69  # counts add up to 70
    cases["overflow"] = write_prof(h2, entries)
    bad = bytearray(good)
    off = FIXED[1].size + sum(4 + len(hdr[s]) for s in STRINGS[1])
    struct.pack_into("<I", bad, off + 40, 400)
    bad[-8:] = struct.pack("<Q", fnv1a64(bytes(bad[:-8])))
    cases["lenmismatch"] = bytes(bad)
    want = {"magic": "bad magic", "version": "version 9", "overflow": "overflow",
            "lenmismatch": "length mismatch", "bitflip": "checksum",
            "snapshot": "after the 1000 instructions"}
    for name, data in cases.items():
        path = os.path.join(tmp, name + ".prof")
        open(path, "wb").write(data)
        for args in (["inspect", path], ["merge", path, path, "-o", path + ".out"]):
            line = check_one_error(c.run(*args), path)
            if name in want and want[name] not in line:
                fail(f"{name}: '{line}' lacks '{want[name]}'")
            if not line.startswith("aot-tool: " + path + ": "):
                fail(f"{name}: message format '{line}'")
    missing = os.path.join(tmp, "missing.prof")
    check_one_error(c.run("inspect", missing), missing)
    check_one_error(c.run("inspect", c.image), c.image)
    # bad command lines: exit 2
    for args in (["frobnicate"], ["profile"], ["profile", "--kernel", c.image],
                 ["profile", "--kernel", c.image, "-o", "x", "--insns", "0"],
                 ["profile", "--kernel", c.image, "-o", "x", "--until", ""],
                 ["profile", "--kernel", c.image, "-o", "x", "--timeout", "-1"],
                 ["merge", "a.prof"], ["inspect"]):
        p = c.run(*args)
        if p.returncode != 2 or not p.stderr.strip():
            fail(f"aot-tool {' '.join(args)}: exit {p.returncode}, stderr {p.stderr!r}")
    # a marker the guest never prints: exit 1, no file
    out = os.path.join(tmp, "never.prof")
    p = c.run("profile", "--kernel", c.image, "--append", APPEND, "--quiet", "--until",
              "no such marker", "-o", out)
    if p.returncode != 1 or "no such marker" not in p.stderr or os.path.exists(out):
        fail(f"unseen marker: exit {p.returncode}, stderr {p.stderr!r}")
    # ... nor within an --insns limit
    p = c.run("profile", "--kernel", c.image, "--append", APPEND, "--quiet", "--until",
              "no such marker", "--insns", "5000000", "-o", out)
    if p.returncode != 1 or "--insns limit of 5000000" not in p.stderr or os.path.exists(out):
        fail(f"unseen marker within --insns: exit {p.returncode}, stderr {p.stderr!r}")
    p = c.run("profile", "--kernel", missing, "-o", out)
    check_one_error(p, missing)
    print(f"ok: {len(cases)} corrupt files")


def case_sample(c, tmp):
    path = os.path.join(c.root, "profiles", "hello.prof")
    data = open(path, "rb").read()
    if len(data) > 5 << 20:
        fail(f"{path}: {len(data)} bytes (> 5 MB)")
    hdr, entries = read_prof(data)
    if hdr["stop"] != "until:" + MARKER or hdr["append"] != APPEND:
        fail(f"{path}: not a profile of the hello boot ({hdr['stop']}, {hdr['append']})")
    if hdr["kernel_hash"] != fnv1a64(open(c.image, "rb").read()):
        fail(f"{path} is for another guest Image: regenerate it (profiles/README.md)")
    c.run("inspect", path, check=0)
    print(f"ok: {len(data)} bytes, {len(entries)} blocks")


def case_fuzz(c, tmp):
    if not c.fuzzer or not os.path.exists(c.fuzzer):
        fail("no libFuzzer target: clang with -fsanitize=fuzzer is needed (tools/setup)")
    corpus = os.path.join(tmp, "corpus")
    os.mkdir(corpus)
    hdr, entries = small_profile()
    open(os.path.join(corpus, "small"), "wb").write(write_prof(hdr, entries))
    open(os.path.join(corpus, "empty-entries"), "wb").write(write_prof(hdr, []))
    open(os.path.join(corpus, "snapshot"), "wb").write(
        write_prof(dict(hdr, version=2, snapshot_at="guest# ", input="ls\r", snapshot_insns=9),
                   entries))
    p = subprocess.run([c.fuzzer, corpus, "-runs=1000000", "-max_total_time=30", "-max_len=2048",
                        "-seed=1", "-print_final_stats=1"],
                       capture_output=True, text=True, timeout=280, cwd=tmp)
    if p.returncode != 0:
        fail(f"fuzzer exit {p.returncode}:\n{p.stderr[-4000:]}")
    print("ok: " + " ".join(ln for ln in p.stderr.splitlines() if "stat::number_of_executed"
                            in ln or ln.startswith("Done")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aot-tool", required=True)
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--fallback-dir", required=True)
    ap.add_argument("--source-root", required=True)
    ap.add_argument("--work-dir", required=True)
    ap.add_argument("--fuzzer", default="")
    ap.add_argument("case", choices=["determinism", "merge", "inspect", "corrupt-cli", "sample",
                                     "fuzz"])
    a = ap.parse_args()
    c = Ctx(a)
    os.makedirs(a.work_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=a.work_dir, prefix="aot-" + a.case + "-") as tmp:
        globals()["case_" + a.case.replace("-", "_")](c, tmp)


if __name__ == "__main__":
    main()
