#!/usr/bin/env python3
"""check-dispatch.py CMD... - runs tools/bench's dispatch micro-benchmark
(tools/bench-guest/dispatch.c) with CMD and checks that it exits 0 after
printing its three timing lines "dispatch NAME ITERATIONS TICKS" (NAME =
self, chain, jump; both numbers positive).  The times themselves are
tools/bench's business, not a test's."""
import re
import subprocess
import sys

p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=100)
names = [m.group(1) for m in
         re.finditer(r"^dispatch (self|chain|jump) [1-9][0-9]* [1-9][0-9]*$", p.stdout, re.M)]
if p.returncode != 0 or names != ["self", "chain", "jump"]:
    sys.exit(f"FAIL: exit {p.returncode}, timing lines {names}; output:\n{p.stdout}{p.stderr}")
print("ok: " + ", ".join(l for l in p.stdout.splitlines() if l.startswith("dispatch ")))
