#!/usr/bin/env python3
"""compare.py - run one bare-metal ISA test program on Debian's
qemu-system-riscv64 and on kiln; pass when both exit 0 and print exactly the
same bytes on the console.

usage: compare.py --kiln PATH --qemu NAME_OR_PATH [--timeout S] PROGRAM.elf
"""
import argparse
import difflib
import shutil
import subprocess
import sys


def run(what, cmd, timeout):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        print(f"{what}: timed out after {timeout} s: {' '.join(cmd)}")
        return None, (e.stdout or b"")
    except OSError as e:
        print(f"{what}: cannot run {cmd[0]}: {e}")
        return None, b""
    if p.stderr:
        sys.stdout.write(f"{what} stderr:\n{p.stderr.decode(errors='replace')}")
    return p.returncode, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--timeout", type=float, default=100)
    ap.add_argument("elf")
    a = ap.parse_args()

    qemu = shutil.which(a.qemu)
    if not qemu:
        print(f"FAIL: {a.qemu} not found; run tools/setup (package qemu-system-misc)")
        return 1
    qrc, qout = run("qemu", [qemu, "-M", "virt", "-m", "256M", "-nographic", "-bios", "none",
                             "-kernel", a.elf], a.timeout)
    krc, kout = run("kiln", [a.kiln, "run", "--bios", "none", "--kernel", a.elf,
                             "--deterministic"], a.timeout)
    ok = True
    if qrc != 0:
        print(f"FAIL: qemu exit status {qrc} (expected 0: the program fails on QEMU too)")
        ok = False
    if krc != 0:
        print(f"FAIL: kiln exit status {krc} (expected 0)")
        ok = False
    if qout != kout:
        ok = False
        print("FAIL: console output differs (--- qemu, +++ kiln):")
        ql = qout.decode(errors="replace").splitlines(keepends=True)
        kl = kout.decode(errors="replace").splitlines(keepends=True)
        sys.stdout.writelines(difflib.unified_diff(ql, kl, "qemu", "kiln", n=2))
        print()
    else:
        nlines = qout.count(b"\n")
        print(f"outputs identical ({len(qout)} bytes, {nlines} lines)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
