#!/usr/bin/env python3
"""Snapshot tests on the Linux test guest (suite 'snap').

usage: snap.py --kiln KILN --image IMAGE [--kiln-node TOOL --wasm-build DIR] CASE [ARG]

cases:
  roundtrip-devices WORKLOAD  the same with virtio-blk and virtio-rng
  roundtrip WORKLOAD  deterministic run with --snapshot-at 'guest: init started'
                      (continues to the end); --restore must print exactly the
                      full run's output tail, byte for byte, same exit status
  node WORKLOAD       snapshot taken natively, restored under tools/kiln-node:
                      same bytes as the native restore and the full run's tail
  corrupt             truncations, bit flips, wrong version, another guest
                      image, other RAM size/mode: one 'kiln: snapshot FILE: ...'
                      error line, exit status 1 or 2, no guest output, no crash
  mutate              a snapshot of the blk workload (virtio-blk and -rng on)
                      with each 4-byte field of its state sections (all but
                      CONF and RAM) set to a boundary value in turn, the
                      checksum fixed (--mutant-tool): the restore refuses it
                      (one error line, exit 1) or runs the guest on (up to
                      --max-insns) without the emulator crashing, hanging or
                      tripping ASan/UBSan
  sbi-console         --snapshot-at a line only the SBI debug console prints
                      (earlycon=sbi): taken, and the restore continues the
                      full run's output exactly
  shell               real-time snapshot at the shell prompt, restored with
                      'echo hi' on stdin: prints hi and powers off
  no-kernel           the kernel file the snapshot names is gone: restore
                      needs none (natively and under Node, the same tail as
                      the full run); a missing --kernel named on the command
                      line, or another file at the snapshot's path, is refused
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "aot"))
from aotlib import checksum64  # noqa: E402  (the runtime's util/checksum.c)

MARKER = "guest: init started"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def run(cmd, timeout, stdin=b""):
    try:
        p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail(f"timed out after {timeout} s: {' '.join(cmd)}")
    return p


def append(workload):
    return "console=ttyS0 earlycon=sbi" + (f" guest.run={workload}" if workload else "")


def take(a, tmp, workload, exit_after, marker=MARKER, det=True, extra=(), kernel=None):
    snap = os.path.join(tmp, f"{workload or 'shell'}.snap")
    cmd = [a.kiln, "run", "--kernel", kernel or a.image, "--append", append(workload),
           "--snapshot-at", marker, "--snapshot", snap] + list(extra)
    if det:
        cmd.append("--deterministic")
    if exit_after:
        cmd.append("--snapshot-exit")
    p = run(cmd, a.timeout)
    err = p.stderr.decode(errors="replace")
    if p.returncode != 0 or not os.path.exists(snap):
        fail(f"snapshot run: exit {p.returncode}, stderr:\n{err}")
    print(err.strip())
    return snap, p


def check_tail(full, rest, what, marker=MARKER):
    if not rest:
        fail(f"{what}: no output after restore")
    if not full.endswith(rest):
        fail(f"{what}: restored output is not the tail of the full run\n"
             f"--- full tail:\n{full[-400:]!r}\n--- restored:\n{rest[:400]!r}")
    start = len(full) - len(rest)
    mk = full.find(marker.encode())
    if mk < 0 or start < mk + len(marker):
        fail(f"{what}: restored output starts at byte {start}, before the marker end")
    print(f"{what}: {len(rest)} bytes identical (from byte {start}; marker ends at "
          f"{mk + len(marker)})")


def case_roundtrip(a, tmp, workload, devices=False):
    extra = []
    if devices:  # virtio-blk (a 4 MiB disk of fixed pseudo-random bytes) and virtio-rng
        disk = os.path.join(tmp, "disk.img")
        write(disk, random.Random(7).randbytes(4 << 20))
        extra = ["--rng", "--drive", disk]
    snap, full = take(a, tmp, workload, exit_after=False, extra=extra)
    rest = run([a.kiln, "run", "--restore", snap], a.timeout)
    if rest.returncode != full.returncode:
        fail(f"restore exit {rest.returncode}, full run {full.returncode}: "
             f"{rest.stderr.decode(errors='replace')}")
    check_tail(full.stdout, rest.stdout, f"native {workload}")
    if f"guest: done {workload}".encode() not in rest.stdout:
        fail(f"restored run did not finish {workload}")
    print(rest.stderr.decode(errors="replace").strip())


def node_restore(a, snap):
    """tools/kiln-node run --restore snap (kiln.js of --wasm-build)."""
    env = dict(os.environ, KILN_WASM_BUILD=a.wasm_build)
    try:
        return subprocess.run([a.kiln_node, "run", "--restore", snap], capture_output=True,
                              timeout=a.timeout, env=env)
    except subprocess.TimeoutExpired:
        fail("kiln-node restore timed out")


def case_node(a, tmp, workload):
    if not a.kiln_node or not os.path.exists(os.path.join(a.wasm_build, "runtime", "kiln.js")):
        fail(f"no kiln.js in {a.wasm_build} (build it: meson setup build-wasm --cross-file "
             "cross/emscripten.ini && ninja -C build-wasm runtime/kiln.js)")
    snap, full = take(a, tmp, workload, exit_after=False)
    p = node_restore(a, snap)
    if p.returncode != full.returncode:
        fail(f"node restore exit {p.returncode}: {p.stderr.decode(errors='replace')}")
    check_tail(full.stdout, p.stdout, f"node {workload}")
    print(p.stderr.decode(errors="replace").strip())


def expect_error(a, snap, what, extra=(), kernel=None):
    cmd = [a.kiln, "run", "--restore", snap, "--max-insns", "1000000"] + list(extra)
    if kernel:
        cmd += ["--kernel", kernel]
    p = run(cmd, 60)
    err = p.stderr.decode(errors="replace").strip().splitlines()
    if p.returncode not in (1, 2):
        fail(f"{what}: exit status {p.returncode} (want 1 or 2), stderr: {err}")
    if len(err) != 1 or not err[0].startswith(f"kiln: snapshot {snap}: "):
        fail(f"{what}: want one 'kiln: snapshot {snap}: ...' line, got {err}")
    if p.stdout:
        fail(f"{what}: the guest ran: {p.stdout[:200]!r}")
    return err[0]


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def refix(data):
    """Recompute the trailer checksum (to get past it)."""
    return data[:-8] + struct.pack("<Q", checksum64(data[:-8]))


def case_corrupt(a, tmp):
    snap, _ = take(a, tmp, "hello", exit_after=True)
    good = open(snap, "rb").read()
    bad = os.path.join(tmp, "bad.snap")
    rnd = random.Random(5)
    n = len(good)
    cuts = sorted(set([0, 1, 7, 8, 12, 23, 24, 40, 100, 1000, n // 2, n - 9, n - 8, n - 1] +
                      [rnd.randrange(n) for _ in range(20)]))
    for cut in cuts:
        write(bad, good[:cut])
        expect_error(a, bad, f"truncated at {cut}")
    for _ in range(30):
        pos = rnd.randrange(n)
        d = bytearray(good)
        d[pos] ^= 1 << rnd.randrange(8)
        write(bad, bytes(d))
        msg = expect_error(a, bad, f"bit flip at {pos}")
        if pos >= 24 and pos < n - 8 and "checksum" not in msg:
            fail(f"bit flip at {pos}: not reported as a checksum error: {msg}")
    # Past the checksum: wrong version, broken section table, bad CPU state.
    d = bytearray(good)
    d[8:12] = struct.pack("<I", 99)
    write(bad, refix(bytes(d)))
    msg = expect_error(a, bad, "wrong version")
    if "version 99" not in msg:
        fail(f"wrong version: {msg}")
    d = bytearray(good)
    d[24 + 8:24 + 16] = struct.pack("<Q", n)  # first section's length overruns
    write(bad, refix(bytes(d)))
    expect_error(a, bad, "section length")
    d = bytearray(good)
    i = d.find(b"CPU \0\0\0\0")
    priv_off = i + 16 + 8 * 64 + 8 * 31 + 4 * 2  # x, f, the u64 table, frm, fflags
    d[priv_off:priv_off + 4] = struct.pack("<I", 2)
    write(bad, refix(bytes(d)))
    msg = expect_error(a, bad, "bad privilege")
    if "cpu" not in msg:
        fail(f"bad privilege: {msg}")
    # Another guest image, other RAM size, other mode.
    other = os.path.join(tmp, "Image-other")
    img = bytearray(open(a.image, "rb").read())
    img[len(img) // 2] ^= 0xFF
    write(other, bytes(img))
    msg = expect_error(a, snap, "other image", kernel=other)
    if "another guest image" not in msg:
        fail(f"other image: {msg}")
    expect_error(a, snap, "other RAM size", extra=["--mem", "128M"])
    write(bad, b"not a snapshot at all")
    expect_error(a, bad, "not a snapshot")
    expect_error(a, os.path.join(tmp, "missing.snap"), "missing file")
    print(f"corrupt: {len(cuts)} truncations, 30 bit flips and 8 mismatches rejected cleanly")


def sections(data):
    """(tag, payload offset, payload length) of each section of a snapshot."""
    out, pos = [], 24
    while pos < len(data) - 8:
        tag = data[pos:pos + 4].decode()
        (n,) = struct.unpack_from("<Q", data, pos + 8)
        out.append((tag, pos + 16, n))
        pos += 16 + n
    return out


# Values a mutated 4-byte field gets (little-endian), in turn: all ones, the
# sign bit, zero, one past a small table's end, a large count.
MUTATIONS = [b"\xff\xff\xff\xff", b"\x00\x00\x00\x80", b"\x00\x00\x00\x00",
             b"\x60\x00\x00\x00", b"\x00\x10\x00\x00"]
# Guest instructions run after a restore that succeeds: the blk workload
# needs 13 M from its snapshot to power-off.
MUTATE_INSNS = 20000000


def restore_mutant(a, tmp, snap, tag, rel, off, value, i):
    """Restores snap with the 4 bytes at off (rel into section tag) set to
    value: "refused", "finished" (the blk workload), "ran", or a problem."""
    path = os.path.join(tmp, f"mutant-{i}.snap")
    # (checksum64 in Python takes 0.2 s for a 3.6 MB file; the helper 5 ms)
    m = subprocess.run([a.mutant_tool, snap, path, str(off), value.hex()], capture_output=True)
    if m.returncode:
        return f"{tag} + {rel}: snap-mutant failed: {m.stderr.decode(errors='replace')}"
    cmd = [a.kiln, "run", "--restore", path, "--max-insns", str(MUTATE_INSNS)]
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"{tag} + {rel} = {value.hex()}: kiln did not stop within 60 s"
    finally:
        os.remove(path)
    err = p.stderr.decode(errors="replace")
    what = f"{tag} + {rel} = {value.hex()}: exit {p.returncode}"
    if p.returncode < 0 or "Sanitizer" in err or "runtime error" in err:
        return f"{what}, the emulator crashed:\n{err[-2000:]}"
    lines = err.strip().splitlines()
    if lines and lines[0].startswith(f"kiln: snapshot {path}: "):
        if p.returncode != 1 or len(lines) != 1 or p.stdout:
            return f"{what}: a refusal must be one error line, exit 1, no guest output: {lines}"
        return "refused"
    if not lines or not lines[0].startswith(f"kiln: restored {path} "):
        return f"{what}: neither refused nor restored: {lines[:3]}"
    if b"guest: done blk" in p.stdout:
        return "finished"
    return "ran"


def case_mutate(a, tmp):
    # A snapshot with every device in use (virtio-blk and virtio-rng too),
    # so each section holds live state, taken where the guest goes on to
    # read the disk.
    if not a.mutant_tool:
        fail("mutate needs --mutant-tool (tests/snap/snap-mutant.c)")
    disk = os.path.join(tmp, "disk.img")
    write(disk, random.Random(3).randbytes(1 << 20))
    snap, _ = take(a, tmp, "blk", exit_after=True, extra=["--drive", disk, "--rng"])
    jobs, i = [], 0
    for tag, start, n in sections(open(snap, "rb").read()):
        if tag in ("CONF", "RAM "):
            continue  # CONF: checked against the machine (case corrupt); RAM: guest data
        for off in range(start, start + n - 3, 4):
            jobs.append((tag, off - start, off, MUTATIONS[i % len(MUTATIONS)], i))
            i += 1
    counts = {"refused": 0, "finished": 0, "ran": 0}
    problems = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        for r in ex.map(lambda j: restore_mutant(a, tmp, snap, *j), jobs):
            if r in counts:
                counts[r] += 1
            else:
                problems.append(r)
    for p in problems[:10]:
        print("problem:", p)
    if problems:
        fail(f"mutate: {len(problems)} of {len(jobs)} mutated snapshots misbehaved")
    print(f"mutate: {len(jobs)} mutated fields: {counts['refused']} refused cleanly; restored "
          f"without an emulator crash: {counts['finished']} finished the blk workload, "
          f"{counts['ran']} did not (stopped by the guest or at {MUTATE_INSNS} insns)")


def case_sbi_console(a, tmp):
    # With earlycon=sbi the kernel prints its first lines only through the SBI
    # debug console (ttyS0 does not replay them): that output must go through
    # the machine's console like the UART's, so a marker in it takes the
    # snapshot, and the restored run continues the full run's bytes exactly.
    marker = "Linux version"
    snap, full = take(a, tmp, "hello", exit_after=False, marker=marker)
    if full.stdout.count(marker.encode()) != 1:
        fail(f"expected '{marker}' once in the full run's output")
    rest = run([a.kiln, "run", "--restore", snap], a.timeout)
    if rest.returncode != full.returncode:
        fail(f"restore exit {rest.returncode}, full run {full.returncode}: "
             f"{rest.stderr.decode(errors='replace')}")
    check_tail(full.stdout, rest.stdout, "native restore after an SBI console marker", marker)
    if b"guest: done hello" not in rest.stdout:
        fail("restored run did not finish hello")


def case_shell(a, tmp):
    snap, _ = take(a, tmp, None, exit_after=True, marker="guest# ", det=False)
    p = run([a.kiln, "run", "--restore", snap], a.timeout, stdin=b"echo hi\npoweroff\n")
    out = p.stdout.decode(errors="replace")
    print(p.stderr.decode(errors="replace").strip())
    if p.returncode != 0 or "\nhi\r\n" not in out.replace("\r\r", "\r") or "guest: poweroff" not in out:
        fail(f"shell restore: exit {p.returncode}, output:\n{out}")
    print("shell: 'echo hi' answered after restore")


def case_no_kernel(a, tmp):
    kernel = os.path.join(tmp, "Image-copy")
    shutil.copyfile(a.image, kernel)
    snap, full = take(a, tmp, "hello", exit_after=False, kernel=kernel)
    os.remove(kernel)
    p = run([a.kiln, "run", "--restore", snap], a.timeout)
    if p.returncode != full.returncode:
        fail(f"restore without the kernel file: exit {p.returncode}: "
             f"{p.stderr.decode(errors='replace')}")
    check_tail(full.stdout, p.stdout, "native restore without the kernel file")
    if a.kiln_node:
        q = node_restore(a, snap)
        if q.returncode != full.returncode or q.stdout != p.stdout:
            fail(f"node restore without the kernel file: exit {q.returncode}, output differs "
                 f"from native: {q.stderr.decode(errors='replace')}")
    err = expect_error(a, snap, "--kernel missing", kernel=kernel)
    if "cannot read the kernel" not in err:
        fail(f"--kernel missing: {err}")
    write(kernel, open(a.image, "rb").read() + b"x")
    err = expect_error(a, snap, "another kernel at the snapshot's path")
    if "another guest image" not in err:
        fail(f"another kernel at the snapshot's path: {err}")
    print("no-kernel: restored without the kernel file; missing --kernel and another image refused")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--kiln-node")
    ap.add_argument("--wasm-build")
    ap.add_argument("--timeout", type=int, default=250)
    ap.add_argument("--mutant-tool")
    ap.add_argument("case")
    ap.add_argument("arg", nargs="?")
    a = ap.parse_args()
    if not os.path.exists(a.image):
        fail(f"no guest image {a.image}")
    with tempfile.TemporaryDirectory(prefix="kiln-snap-") as tmp:
        if a.case == "roundtrip":
            case_roundtrip(a, tmp, a.arg)
        elif a.case == "roundtrip-devices":
            case_roundtrip(a, tmp, a.arg, devices=True)
        elif a.case == "node":
            case_node(a, tmp, a.arg)
        elif a.case == "corrupt":
            case_corrupt(a, tmp)
        elif a.case == "mutate":
            case_mutate(a, tmp)
        elif a.case == "shell":
            case_shell(a, tmp)
        elif a.case == "sbi-console":
            case_sbi_console(a, tmp)
        elif a.case == "no-kernel":
            case_no_kernel(a, tmp)
        else:
            fail(f"unknown case {a.case}")
    print("ok")


if __name__ == "__main__":
    main()
