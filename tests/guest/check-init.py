#!/usr/bin/env python3
"""check-init.py - checks a host build of tools/guest/init.c against the guest protocol.
usage: check-init.py INIT EXPECTED SCALE
Runs `INIT run all SCALE` and requires exit status 0 and, for each workload the EXPECTED
file lists at SCALE, one "guest: time NAME S" and one "guest: done NAME CHECKSUM" line with
the listed checksum, in the order of "all". Also checks the unknown-workload and exit modes."""
import re
import subprocess
import sys


def run(args):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=240)
    return p.returncode, p.stdout.decode(errors="replace")


def main():
    init, expected_path, scale = sys.argv[1], sys.argv[2], sys.argv[3]
    want = []
    for line in open(expected_path):
        f = line.split()
        if len(f) == 3 and not line.startswith("#") and f[0] == scale:
            want.append((f[1], f[2]))
    errors = []
    if not want:
        errors.append(f"{expected_path} has no checksums for scale {scale}")

    rc, out = run([init, "run", "all", scale])
    print(out, end="")
    if rc != 0:
        errors.append(f"`run all {scale}` exited with {rc}")
    done = re.findall(r"^guest: done (\S+) (\S+)$", out, re.M)
    if [n for n, _ in done] != [n for n, _ in want]:
        errors.append(f"done lines for {[n for n, _ in done]}, wanted {[n for n, _ in want]}")
    got = dict(done)
    for name, sum_ in want:
        if got.get(name) != sum_:
            errors.append(f"{name} at scale {scale}: checksum {got.get(name)}, wanted {sum_}")
        if len(re.findall(rf"^guest: time {re.escape(name)} [0-9.]+ s$", out, re.M)) != 1:
            errors.append(f"{name}: no single 'guest: time {name} S s' line")
    if "guest: fail" in out:
        errors.append("a workload failed")

    rc, out = run([init, "run", "hello,no-such-workload", scale])
    if rc != 1 or "guest: fail no-such-workload unknown workload" not in out:
        errors.append(f"unknown workload: exit {rc}, output {out!r}")
    rc, _ = run([init, "exit", "77"])
    if rc != 77:
        errors.append(f"`exit 77` exited with {rc}")

    for e in errors:
        print("FAIL:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
