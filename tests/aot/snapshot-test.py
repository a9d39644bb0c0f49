#!/usr/bin/env python3
"""snapshot-test.py - aot-tool profile --snapshot-at, suite 'aot'.

Cases (one per meson test), on the shared guest's shell:
  restore  the profile run writes the snapshot: byte-identical to `kiln run
           --deterministic --snapshot-at` and in two runs (the profile too);
           the header records the snapshot point and the input; `kiln run
           --restore` of it continues at the prompt and answers commands
  bundle   the profile holds blocks that ran only after the snapshot point
           (against a profile that stops at the prompt); restored with the
           bundle of each, natively (bundle lookups) and under Node (bundle
           executions from --stats), the commands typed after the restore
           run bundle code only with the snapshot profile's bundle; the
           profile counts the executions after the snapshot point
           (count_after: all of a block's when it ran only then, none for
           the blocks of a profile without a snapshot), and a bundle with
           the TCI images of just those blocks (--tci-after-snapshot)
           serves far more of the restored run's lookups than one without
           images, and most of what the full bundle serves, with under half
           its images
  errors   bad command lines (exit 2); a snapshot marker or stop marker that
           never appears, a timeout, an unwritable snapshot (exit 1): one
           message naming the problem, no file written, none left behind
"""
import argparse
import os
import re
import subprocess
import tempfile

from aotlib import add_tool_args, fail, read_prof

APPEND = "console=ttyS0 earlycon=sbi"
PROMPT = "guest# "
DEFAULT_INPUT = "\rhelp\runame -a\rls /\rrun hello,bench-fp\r"
# typed into the restored guest (stdin of kiln / kiln-node)
RESTORE_INPUT = b"uname -a\nrun hello,bench-fp\npoweroff\n"
def read_prof_counts(path, field="count"):
    """Header and {(vpc, ppc, flags, hash): count (or count_after)} of a profile."""
    hdr, entries = read_prof(open(path, "rb").read())
    return hdr, {(e["vpc"], e["ppc"], e["flags"], e["hash"]): e[field] for e in entries}


class Ctx:
    def __init__(self, a, tmp):
        self.a = a
        self.tmp = tmp
        self.image = os.path.join(a.guest_dir, "Image")
        if not os.path.exists(self.image):
            self.image = os.path.join(a.fallback_dir, "Image")
        if not os.path.exists(self.image):
            fail(f"guest Image not found ({self.image}): build it with tools/build-guest")

    def path(self, name):
        return os.path.join(self.tmp, name)

    def restore(self, *args, stdin=b""):
        """kiln run --restore ARGS (leak checks stay on in an ASan build)."""
        return self.run([self.a.kiln, "run", "--restore", *args], stdin=stdin)

    def run(self, cmd, stdin=b"", timeout=300, env=None):
        try:
            return subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            fail(f"timed out after {timeout} s: {' '.join(cmd)}")

    def aot(self, *args, check=None):
        p = self.run([self.a.aot_tool, *args])
        if check is not None and p.returncode != check:
            fail(f"aot-tool {' '.join(args)}: exit {p.returncode}, want {check}\n"
                 f"stderr: {p.stderr.decode(errors='replace')[-3000:]}")
        return p

    def profile(self, out, *extra, check=0):
        return self.aot("profile", "--kernel", self.image, "--append", APPEND, "--quiet",
                        *extra, "-o", out, check=check)

    def snap_profile(self, name, *extra):
        prof, snap = self.path(name + ".prof"), self.path(name + ".snap")
        p = self.profile(prof, "--snapshot-at", PROMPT, "--snapshot", snap, *extra)
        for f in (prof, snap):
            if not os.path.exists(f):
                fail(f"{f} was not written")
        if os.path.exists(snap + ".part"):
            fail(f"{snap}.part left behind")
        return prof, snap, p.stderr.decode(errors="replace")

    def node(self, *args, stdin=b""):
        kiln_js = os.path.join(self.a.wasm_build, "runtime", "kiln.js")
        if not os.path.exists(kiln_js):
            fail(f"no Wasm build at {self.a.wasm_build} (kiln.js): configure this build with "
                 "-Dwasm_build=DIR")
        env = dict(os.environ, KILN_WASM_BUILD=self.a.wasm_build)
        return self.run([self.a.node, self.a.kiln_node, "run", *args], stdin=stdin,
                        timeout=600, env=env)


def case_restore(c):
    prof, snap, err = c.snap_profile("a")
    prof2, snap2, _ = c.snap_profile("b")
    if open(prof, "rb").read() != open(prof2, "rb").read():
        fail("two profiles of the same run differ")
    if open(snap, "rb").read() != open(snap2, "rb").read():
        fail("two snapshots of the same run differ")
    # kiln's own --snapshot-at (the demo's former way) writes the same bytes
    ksnap = c.path("kiln.snap")
    p = c.run([c.a.kiln, "run", "--deterministic", "--kernel", c.image, "--append", APPEND,
               "--snapshot-at", PROMPT, "--snapshot", ksnap, "--snapshot-exit"])
    if p.returncode or open(ksnap, "rb").read() != open(snap, "rb").read():
        fail(f"kiln --snapshot-at wrote another snapshot (exit {p.returncode})")
    hdr, entries = read_prof_counts(prof)
    m = re.search(r"kiln: snapshot \S+: \d+ bytes .* insn (\d+)", err)
    if not m:
        fail(f"no snapshot line from the machine:\n{err}")
    if (hdr["version"] != 3 or hdr["snapshot_at"] != PROMPT or hdr["input"] != DEFAULT_INPUT or
            hdr["snapshot_insns"] != int(m.group(1)) or
            not 0 < hdr["snapshot_insns"] < hdr["insns"] or hdr["stop"] != "until:" + PROMPT):
        fail(f"header {hdr}")
    text = c.aot("inspect", prof, check=0).stdout.decode()
    want = f'snapshot: "{PROMPT}" at instruction {hdr["snapshot_insns"]} '
    if want not in text or 'input: "\\rhelp\\runame -a\\r' not in text:
        fail(f"inspect does not show the snapshot point:\n{text}")
    # the snapshot restores natively, at the prompt
    p = c.restore(snap, stdin=b"echo restored-ok\nuname\npoweroff\n")
    out = p.stdout.decode(errors="replace")
    if (p.returncode or "\nrestored-ok\r\n" not in out or "Linux " not in out or
            "guest: poweroff" not in out or "Run /init" in out):
        fail(f"restore: exit {p.returncode}, output:\n{out}\n{p.stderr.decode()}")
    print(f"ok: snapshot at insn {hdr['snapshot_insns']} of {hdr['insns']}, {len(entries)} "
          f"blocks; identical twice and to kiln's; restored and answered")


def bundle_stats(err):
    m = re.search(r"bundle: executions (\d+) of (\d+) blocks executed", err)
    h = re.search(r"bundle: lookups (\d+), hits (\d+)", err)
    if not m or not h:
        fail(f"no bundle statistics in --stats:\n{err}")
    return int(m.group(1)), int(m.group(2)), int(h.group(1)), int(h.group(2))


def case_bundle(c):
    prof, snap, _ = c.snap_profile("full")
    boot = c.path("boot.prof")
    c.profile(boot, "--until", PROMPT)
    hf, ef = read_prof_counts(prof)
    hb, eb = read_prof_counts(boot)
    after = [k for k in ef if k not in eb]
    user = [k for k in after if k[2] & 3 == 0]
    print(f"boot to the prompt: {len(eb)} blocks, {hb['tb_execs']} executions; with the "
          f"snapshot and input: {len(ef)} blocks, {hf['tb_execs']} executions; {len(after)} "
          f"blocks only after the snapshot ({len(user)} in user mode, "
          f"{sum(ef[k] for k in after)} executions)")
    if len(ef) <= len(eb) or hf["tb_execs"] <= hb["tb_execs"] or len(after) < 100 or not user:
        fail("the snapshot profile has no (or too few) blocks from after the snapshot")
    # count_after: every block only in the snapshot profile ran after the
    # snapshot point only; some of the boot's ran after it too, not all
    _, ca = read_prof_counts(prof, "count_after")
    _, cb = read_prof_counts(boot, "count_after")
    bad = [k for k in after if ca[k] != ef[k]]
    both = [k for k in eb if k in ca and ca[k]]
    if bad or not both or len(both) >= len(eb) or any(cb.values()):
        fail(f"count_after: {len(bad)} blocks only after the snapshot with count_after != "
             f"count; {len(both)} of the boot's {len(eb)} blocks ran after it too; "
             f"{sum(1 for v in cb.values() if v)} nonzero in the profile without a snapshot")
    print(f"count_after: {sum(1 for v in ca.values() if v)} blocks ran after the snapshot "
          f"({len(both)} of them in the boot too), {sum(ca.values())} executions")
    results = {}
    for name, p in (("boot", boot), ("snapshot", prof)):
        b = c.path(name + ".kbundle.wasm")
        c.aot("bundle", p, "-o", b, check=0)
        n = c.restore(snap, "--bundle", b, "--stats", stdin=RESTORE_INPUT)
        j = c.node("--restore", snap, "--bundle", b, "--stats", stdin=RESTORE_INPUT)
        for what, r in (("native", n), ("node", j)):
            err = r.stderr.decode(errors="replace")
            if r.returncode or b"guest: done bench-fp 145637fb" not in r.stdout or "warning" in err:
                fail(f"{name} bundle, {what}: exit {r.returncode}\n{err[-3000:]}")
        _, _, lookups, hits = bundle_stats(n.stderr.decode())
        execs, total, _, _ = bundle_stats(j.stderr.decode())
        results[name] = (hits, lookups, execs, total)
        print(f"{name} bundle after restore: native lookups {hits} hits of {lookups}; node "
              f"bundle executions {execs} of {total} ({100.0 * execs / total:.1f}%)")
    hb_, _, eb_, tb_ = results["boot"]
    hs, _, es, ts = results["snapshot"]
    if hs <= hb_ or es < 0.9 * ts or es / ts < eb_ / tb_ + 0.3:
        fail("the snapshot profile's bundle does not cover the commands typed after the restore")
    # restore bundles: compiled code only, or with the images of the blocks
    # that ran after the snapshot (what the demo page takes)
    hits = {}
    for opt in ("--no-tci", "--tci-after-snapshot"):
        b = c.path("r" + opt + ".kbundle.wasm")
        out = c.aot("bundle", prof, opt, "-o", b, check=0).stdout.decode()
        m = re.search(r"(\d+) compiled, (\d+) TCI images", out)
        n = c.restore(snap, "--bundle", b, "--stats", stdin=RESTORE_INPUT)
        err = n.stderr.decode(errors="replace")
        if not m or n.returncode or b"guest: done bench-fp 145637fb" not in n.stdout:
            fail(f"restore with the {opt} bundle: exit {n.returncode}\n{out}\n{err[-3000:]}")
        _, _, lookups, h = bundle_stats(err)
        hits[opt] = (h, lookups, int(m.group(2)))
        print(f"restore bundle {opt}: {m.group(1)} compiled, {m.group(2)} TCI images; native "
              f"lookups after the restore: {h} hits of {lookups}")
    (h0, _, i0), (h1, l1, i1) = hits["--no-tci"], hits["--tci-after-snapshot"]
    full_images = int(re.search(r"(\d+) TCI images",
                                c.aot("inspect", c.path("snapshot.kbundle.wasm"),
                                      check=0).stdout.decode()).group(1))
    # (the typed commands differ from the profile's input: poweroff runs
    # kernel code that ran in the boot only, which the full bundle has)
    if i0 != 0 or not 0 < i1 < full_images / 2 or h1 < h0 + 0.3 * l1 or h1 < 0.85 * hs:
        fail(f"--tci-after-snapshot: {i1} images (full bundle {full_images}), {h1} hits of "
             f"{l1} lookups against {h0} without images, {hs} with the full bundle")
    p = c.aot("bundle", boot, "--tci-after-snapshot", "-o", c.path("x.kbundle.wasm"))
    if p.returncode != 1 or "needs a profile with a snapshot point" not in p.stderr.decode():
        fail(f"--tci-after-snapshot of a profile without a snapshot: exit {p.returncode}, "
             f"{p.stderr.decode()!r}")
    p = c.aot("bundle", prof, "--no-tci", "--tci-after-snapshot", "-o", c.path("x.kbundle.wasm"))
    if p.returncode != 2 or "exclude each other" not in p.stderr.decode():
        fail(f"--no-tci with --tci-after-snapshot: exit {p.returncode}, {p.stderr.decode()!r}")
    print("ok")


def case_errors(c):
    img = c.image
    snap = c.path("e.snap")
    usage = [
        (["--snapshot-at", PROMPT], "--snapshot FILE"),
        (["--snapshot", snap], "--snapshot-at"),
        (["--after-input", "x\\r"], "--snapshot-at"),
        (["--snapshot-at", "", "--snapshot", snap], "non-empty"),
        (["--snapshot-at", PROMPT, "--snapshot", snap, "--after-input", "a\\q"], "escape"),
        (["--snapshot-at", PROMPT, "--snapshot", snap, "--after-input", "a\\x00"], "\\x"),
        (["--snapshot-at", PROMPT, "--snapshot", snap, "--after-input", "ls"], "needs an end"),
        (["--snapshot-at", PROMPT, "--snapshot", c.path("e.prof")], "same file"),
        (["--timeout", "0"], "--timeout"),
    ]
    out = c.path("e.prof")
    for args, want in usage:
        p = c.aot("profile", "--kernel", img, *args, "-o", out)
        err = p.stderr.decode()
        if p.returncode != 2 or want not in err.splitlines()[0]:
            fail(f"profile {args}: exit {p.returncode}, want 2 and '{want}'; stderr {err!r}")
    # runs that fail: exit 1, one aot-tool line naming the problem, no files
    runs = [
        ("the guest powers off first", ["--append", APPEND + " guest.run=hello",
                                        "--snapshot-at", "no such prompt"],
         ['snapshot marker "no such prompt" never appeared', "the guest stopped"]),
        ("--insns before the marker", ["--snapshot-at", "no such prompt", "--insns", "50000000"],
         ['"no such prompt" never appeared', "--insns limit"]),
        ("--until never after the input", ["--snapshot-at", PROMPT, "--after-input",
                                           "uname\\r", "--until", "no such output",
                                           "--insns", "100000000"],
         ['"no such output" did not appear after the snapshot', "1 of 1 input lines"]),
        ("input powers the guest off", ["--snapshot-at", PROMPT, "--after-input",
                                        "help\\rpoweroff\\r"],
         [f'"{PROMPT}" did not appear after the last input line', "2 of 2", "guest stopped"]),
        ("--timeout", ["--snapshot-at", PROMPT, "--after-input", "sleep 100000\\r",
                       "--timeout", "2"], ["--timeout of 2 s"]),
        ("unwritable snapshot", ["--snapshot-at", PROMPT, "--snapshot",
                                 c.path("no-such-dir/x.snap")], ["x.snap", "cannot create"]),
    ]
    for what, args, wants in runs:
        if "--snapshot" not in args:
            args = args + ["--snapshot", snap]
        p = c.aot("profile", "--kernel", img, "--append", APPEND, "--quiet", *args, "-o", out)
        err = p.stderr.decode(errors="replace")
        lines = [ln for ln in err.splitlines() if ln.startswith("aot-tool")]
        if p.returncode != 1 or len(lines) != 1 or not all(w in lines[0] for w in wants):
            fail(f"{what}: exit {p.returncode}, want 1 and one line with {wants}; stderr:\n{err}")
        left = sorted(os.listdir(c.tmp))
        if left:
            fail(f"{what}: files left behind: {left}")
        print(f"ok: {what}: {lines[0]}")
    # a failed run leaves earlier files alone
    open(out, "wb").write(b"old profile")
    open(snap, "wb").write(b"old snapshot")
    c.aot("profile", "--kernel", img, "--append", APPEND, "--quiet", "--snapshot-at", PROMPT,
          "--snapshot", snap, "--after-input", "uname\\r", "--until", "no such output",
          "--insns", "60000000", "-o", out, check=1)
    if (open(out, "rb").read() != b"old profile" or open(snap, "rb").read() != b"old snapshot"
            or len(os.listdir(c.tmp)) != 2):
        fail("a failed run changed or added files")
    print("ok")


def main():
    ap = argparse.ArgumentParser()
    add_tool_args(ap)
    ap.add_argument("case", choices=["restore", "bundle", "errors"])
    a = ap.parse_args()
    os.makedirs(a.work_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=a.work_dir, prefix="aot-snapshot-" + a.case + "-") as tmp:
        globals()["case_" + a.case](Ctx(a, tmp))


if __name__ == "__main__":
    main()
