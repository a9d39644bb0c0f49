#!/usr/bin/env python3
"""boot.py - boot tests of kiln on the Linux test guest (../shared/guest).

usage: boot.py --kiln PATH --guest-dir DIR --fallback-dir DIR [--timeout S] CASE [ARGS]

Cases:
  hello [--bios FILE]       guest.run=hello reaches "guest: done hello b554cbb2"
  bench NAME                guest.run=NAME guest.scale=1 prints NAME's checksum
  deterministic             two --deterministic hello runs: byte-identical output
  qemu-spelling             the QEMU command-line spelling boots hello
  bad-option                an unknown option: non-zero exit, one message naming it
  missing-kernel            a kernel file that does not exist: clear error, non-zero
  corrupt-kernel            a kernel of random bytes: clear error, non-zero

The guest image is DIR/Image, else FALLBACK/Image (built by tools/build-guest);
without either the test fails and says how to get one.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

# Checksums at guest.scale=1, from ../shared/guest/README.md.
CHECKSUMS = {
    "hello": "b554cbb2",
    "bench-int": "aec939e1948e860ea9ef40c85e67cbd926945a5425d08f41dea8072b1c581d61",
    "bench-mem": "dbbcfde7",
    "bench-fork": "e9bae9f2",
    "bench-fp": "145637fb",
}
APPEND = "console=ttyS0 earlycon=sbi panic=-1"


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def find_image(a, name="Image"):
    for d in (a.guest_dir, a.fallback_dir):
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return p
    fail(f"no guest {name}: looked in {a.guest_dir} (meson option guest_dir, default "
         f"../shared/guest) and {a.fallback_dir}. Build our own guest with "
         f"tools/build-guest (writes build/guest/), or put the shared guest beside the repo.")


def run(cmd, timeout, show=True):
    """Runs cmd; returns (exit status or None on timeout, stdout, stderr)."""
    print("+ " + " ".join(cmd), flush=True)
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = None, e.stdout or b"", e.stderr or b""
    except OSError as e:
        fail(f"cannot run {cmd[0]}: {e}")
    if show:
        tail = out.decode(errors="replace").splitlines()[-40:]
        print("--- console (last 40 lines)")
        print("\n".join(tail))
        if err:
            print("--- stderr")
            print(err.decode(errors="replace")[-4000:])
    if rc is None:
        fail(f"timed out after {timeout} s")
    return rc, out, err


def expect_workload(a, name, extra_args=(), append_extra="", kiln_cmd=None):
    img = find_image(a)
    append = f"{APPEND} guest.run={name} guest.scale=1 {append_extra}".strip()
    cmd = kiln_cmd or [a.kiln, "run", "--kernel", img, "--append", append, "--deterministic"]
    cmd = list(cmd) + list(extra_args)
    rc, out, _ = run(cmd, a.timeout)
    want = f"guest: done {name} {CHECKSUMS[name]}".encode()
    if want not in out:
        fail(f"console lacks '{want.decode()}'")
    if rc != 0:
        fail(f"exit status {rc}, expected 0 (guest power-off)")
    print(f"ok: {want.decode()}")
    return out


def case_hello(a, rest):
    ap = argparse.ArgumentParser(prog="hello")
    ap.add_argument("--bios", help="firmware file; with a guest-relative path, "
                    "it is looked up like the Image")
    o = ap.parse_args(rest)
    extra = []
    if o.bios:
        bios = o.bios if os.path.isabs(o.bios) else find_image(a, o.bios)
        if not os.path.isfile(bios):
            fail(f"firmware {bios} not found; run tools/setup (packages opensbi, "
                 f"qemu-system-data)")
        extra = ["--bios", bios]
    expect_workload(a, "hello", extra)


def case_bench(a, rest):
    if len(rest) != 1 or rest[0] not in CHECKSUMS:
        fail(f"bench needs one of {', '.join(CHECKSUMS)}")
    expect_workload(a, rest[0])


def case_deterministic(a, rest):
    img = find_image(a)
    cmd = [a.kiln, "run", "--kernel", img, "--append", f"{APPEND} guest.run=hello",
           "--deterministic"]
    outs = []
    for i in range(2):
        rc, out, _ = run(cmd, a.timeout, show=(i == 0))
        if rc != 0:
            fail(f"run {i + 1}: exit status {rc}")
        outs.append(out)
    if b"guest: done hello" not in outs[0]:
        fail("the guest did not reach 'guest: done hello'")
    if outs[0] != outs[1]:
        l0, l1 = outs[0].splitlines(), outs[1].splitlines()
        for n, (x, y) in enumerate(zip(l0, l1)):
            if x != y:
                fail(f"outputs differ at line {n + 1}:\n  1: {x!r}\n  2: {y!r}")
        fail(f"outputs differ in length: {len(outs[0])} vs {len(outs[1])} bytes")
    print(f"ok: two runs gave the same {len(outs[0])} bytes")


def case_qemu_spelling(a, rest):
    img = find_image(a)
    cmd = [a.kiln, "-M", "virt", "-m", "256M", "-nographic", "-smp", "1", "-kernel", img,
           "-append", f"{APPEND} guest.run=hello"]
    expect_workload(a, "hello", kiln_cmd=cmd)


def expect_error(cmd, must_name, timeout):
    rc, out, err = run(cmd, timeout)
    text = (out + err).decode(errors="replace")
    if rc == 0:
        fail("exit status 0, expected non-zero")
    if rc < 0 or rc >= 128:
        fail(f"exit status {rc}: killed by a signal (a crash, not an error message)")
    if must_name not in text:
        fail(f"no message names '{must_name}'")
    lines = [l for l in err.decode(errors="replace").splitlines() if l.strip()]
    print(f"ok: exit status {rc}, message: {lines[0] if lines else text.strip()[:200]}")
    return lines


def case_bad_option(a, rest):
    img = find_image(a)
    lines = expect_error([a.kiln, "run", "--kernel", img, "--no-such-option"], "--no-such-option",
                         60)
    naming = [l for l in lines if "--no-such-option" in l]
    if len(naming) != 1:
        fail(f"expected one message naming the option on stderr, got {len(naming)}")


def case_missing_kernel(a, rest):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "no-such-Image")
        expect_error([a.kiln, "run", "--kernel", path], path, 60)


def case_corrupt_kernel(a, rest):
    rng = random.Random(20250101)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "corrupt-Image")
        with open(path, "wb") as f:
            f.write(bytes(rng.getrandbits(8) for _ in range(65536)))
        expect_error([a.kiln, "run", "--kernel", path, "--deterministic"], "corrupt-Image", 120)


CASES = {
    "hello": case_hello,
    "bench": case_bench,
    "deterministic": case_deterministic,
    "qemu-spelling": case_qemu_spelling,
    "bad-option": case_bad_option,
    "missing-kernel": case_missing_kernel,
    "corrupt-kernel": case_corrupt_kernel,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--fallback-dir", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("rest", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    CASES[a.case](a, a.rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
