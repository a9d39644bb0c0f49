#!/usr/bin/env python3
"""node.py - suite 'node': Kiln's Emscripten build (kiln.js) run under Node
through tools/kiln-node, like `kiln run` natively.

usage: node.py --kiln-node PATH --wasm-build DIR|FILE [--native KILN]
               [--timeout S] CASE [ARGS]

Cases:
  isa ELF            bare-metal program (--bios none --deterministic) exits 0;
                     with --native, its console output and exit status equal
                     the native kiln's byte for byte
  hello IMAGE        guest.run=hello prints "guest: done hello b554cbb2", exit 0;
                     with --native, the --deterministic console equals native
  jit-options IMAGE  --jit-threshold 1 / --jit-batch / --no-jit are accepted and
                     reported by --stats (with a JIT backend built in, threshold 1
                     runs blocks in it); a bad threshold exits 2 naming it;
                     KILN_NODE_COMPILE_TASKS (V8 compile threads) takes a
                     number and refuses anything else (exit 2)
  stdin IMAGE        the guest shell reads input from a pipe while it runs
                     (non-blocking console input), then powers off

A missing kiln.js (or .wasm) is a failure that says how to build it.
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time

APPEND = "console=ttyS0 earlycon=sbi panic=-1"


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def kiln_js(where):
    """The kiln.js of a build directory (or the file itself)."""
    if where.endswith(".js"):
        return where
    return os.path.join(where, "runtime", "kiln.js")


def run(cmd, env, timeout, stdin=subprocess.DEVNULL):
    print("+ " + " ".join(cmd), flush=True)
    try:
        p = subprocess.run(cmd, env=env, stdin=stdin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        sys.stdout.write((e.stdout or b"")[-2000:].decode(errors="replace"))
        fail(f"timed out after {timeout:.0f} s")
    return p.returncode, p.stdout, p.stderr


def show_tail(out, err):
    sys.stdout.write(out[-1500:].decode(errors="replace"))
    sys.stdout.write(err[-1500:].decode(errors="replace"))


def first_difference(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for n, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {n + 1}:\n  node:   {x!r}\n  native: {y!r}"
    return f"lengths differ: node {len(a)} bytes, native {len(b)} bytes"


def compare_native(a, args, rc, out):
    if not a.native:
        return
    nrc, nout, _ = run([a.native, "run"] + args, None, a.timeout)
    if nout != out:
        fail("console output differs from native kiln at " + first_difference(out, nout))
    if nrc != rc:
        fail(f"exit status {rc} under Node, {nrc} natively")
    print(f"ok: same {len(out)} bytes of console output and exit status as native")


def case_isa(a, env, rest):
    elf = rest[0]
    args = ["--bios", "none", "--kernel", elf, "--deterministic"]
    rc, out, err = run([a.kiln_node] + args + a.node_args, env, a.timeout)
    if rc != 0:
        show_tail(out, err)
        fail(f"{os.path.basename(elf)}: exit status {rc} under Node, expected 0")
    print(f"ok: {os.path.basename(elf)} exits 0 under Node")
    compare_native(a, args, rc, out)


def case_hello(a, env, rest):
    args = ["--kernel", rest[0], "--append", f"{APPEND} guest.run=hello", "--deterministic"]
    rc, out, err = run([a.kiln_node] + args, env, a.timeout)
    if b"guest: done hello b554cbb2" not in out:
        show_tail(out, err)
        fail("console lacks 'guest: done hello b554cbb2'")
    if rc != 0:
        fail(f"exit status {rc}, expected 0 (guest power-off)")
    print("ok: guest: done hello b554cbb2")
    compare_native(a, args, rc, out)


# Checksums of the shared guest's workloads at scale 1 (../shared/guest/README.md).
CHECKSUMS = {
    "hello": "b554cbb2",
    "bench-int": "aec939e1948e860ea9ef40c85e67cbd926945a5425d08f41dea8072b1c581d61",
    "bench-mem": "dbbcfde7",
    "bench-fork": "e9bae9f2",
    "bench-fp": "145637fb",
}


def case_workload(a, env, rest):
    """A guest workload under Node with --node-args (e.g. the JIT forced on):
    its checksum line, and (deterministic) output identical to native TCI."""
    image, name = rest[0], a.workload
    args = ["--kernel", image, "--append", f"{APPEND} guest.run={name}", "--deterministic"]
    rc, out, err = run([a.kiln_node] + args + a.node_args, env, a.timeout)
    want = f"guest: done {name} {CHECKSUMS[name]}".encode()
    if want not in out:
        show_tail(out, err)
        fail(f"console lacks '{want.decode()}'")
    if rc != 0:
        fail(f"exit status {rc}, expected 0 (guest power-off)")
    print(f"ok: {want.decode()} with {' '.join(a.node_args) or 'defaults'}")
    compare_native(a, args, rc, out)


def case_jit_reject(a, env, rest):
    """Every JIT module corrupt (--jit-test-corrupt): one warning, the blocks
    stay on TCI, and the guest still runs correctly."""
    args = ["--kernel", rest[0], "--append", f"{APPEND} guest.run=hello", "--deterministic"]
    rc, out, err = run([a.kiln_node] + args + ["--jit-threshold", "1", "--jit-test-corrupt",
                                               "--stats"], env, a.timeout)
    if rc != 0 or b"guest: done hello b554cbb2" not in out:
        show_tail(out, err)
        fail(f"hello did not complete with corrupt JIT modules (exit status {rc})")
    warnings = err.count(b"kiln: warning:")
    if warnings != 2:  # the engine's reason (JS) + kiln's own line, once each
        show_tail(b"", err)
        fail(f"expected the rejection to be reported once, saw {warnings} warning lines")
    m = re.search(rb"jit executions (\d+)", err)
    f = re.search(rb"compiled (\d+), failed (\d+)", err)
    if not m or int(m.group(1)) != 0 or not f or int(f.group(1)) != 0 or int(f.group(2)) == 0:
        show_tail(b"", err)
        fail("with every module rejected, no block may run in the JIT and failures must be counted")
    print(f"ok: {int(f.group(2))} blocks rejected, all ran on TCI, hello correct")
    compare_native(a, args, rc, out)


def case_jit_options(a, env, rest):
    """The Wasm build's JIT options, as --stats reports them.  With a JIT
    backend in the build, threshold 1 must run blocks in it."""
    base = ["--kernel", rest[0], "--append", f"{APPEND} guest.run=hello", "--stats"]
    for extra in (["--jit-threshold", "1"], ["--jit-threshold=7", "--jit-batch", "4", "--no-jit"]):
        rc, out, err = run([a.kiln_node] + base + extra, env, a.timeout)
        if rc != 0 or b"guest: done hello b554cbb2" not in out:
            show_tail(out, err)
            fail(f"{' '.join(extra)}: hello did not complete (exit status {rc})")
        m = re.search(rb"kiln: stats: tiers: tci executions (\d+), jit executions (\d+)", err)
        if not m:
            show_tail(b"", err)
            fail(f"{' '.join(extra)}: --stats lacks the tier line")
        jit_runs = int(m.group(2))
        off = b"kiln: stats: jit: off" in err
        if "--no-jit" in extra and (not off or jit_runs):
            fail(f"--no-jit: the JIT ran ({jit_runs} executions) or --stats does not say off")
        if "--no-jit" not in extra and not off and jit_runs == 0:
            fail("--jit-threshold 1: the JIT is on but no block ran in it")
        print(f"ok: {' '.join(extra)}: tci {int(m.group(1))}, jit {jit_runs} executions"
              f"{' (no JIT backend in this build yet)' if off and '--no-jit' not in extra else ''}")
    rc, out, err = run([a.kiln_node] + base + ["--jit-threshold", "0"], env, a.timeout)
    if rc != 2 or b"'0'" not in err:
        show_tail(out, err)
        fail(f"--jit-threshold 0: exit status {rc} (expected 2) and a message naming '0'")
    print("ok: --jit-threshold 0 rejected with exit status 2")
    # tools/kiln-node's V8 compile threads: a number (0: V8's default) runs
    # the guest as before; anything else is refused before kiln.js loads.
    for tasks in ("0", "1"):
        rc, out, err = run([a.kiln_node] + base, dict(env, KILN_NODE_COMPILE_TASKS=tasks),
                           a.timeout)
        if rc != 0 or b"guest: done hello b554cbb2" not in out:
            show_tail(out, err)
            fail(f"KILN_NODE_COMPILE_TASKS={tasks}: hello did not complete (exit status {rc})")
    rc, out, err = run([a.kiln_node] + base, dict(env, KILN_NODE_COMPILE_TASKS="two"), a.timeout)
    if rc != 2 or b"KILN_NODE_COMPILE_TASKS" not in err or b"'two'" not in err or out:
        show_tail(out, err)
        fail(f"KILN_NODE_COMPILE_TASKS=two: exit status {rc} (expected 2), one message naming it")
    print("ok: KILN_NODE_COMPILE_TASKS 0 and 1 run the guest, 'two' is refused (exit 2)")


def case_stdin(a, env, rest):
    """Types into the guest shell once it is ready: the runtime must see
    input that arrives while it runs (it never yields to Node's loop)."""
    cmd = [a.kiln_node, "--kernel", rest[0], "--append", APPEND]
    print("+ " + " ".join(cmd), flush=True)
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out = bytearray()
    ready = threading.Event()

    def reader():
        while True:
            chunk = p.stdout.read1(4096)
            if not chunk:
                return
            out.extend(chunk)
            if b"guest# " in out:
                ready.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    if not ready.wait(a.timeout):
        p.kill()
        fail("the guest shell prompt never appeared: " + out[-800:].decode(errors="replace"))
    time.sleep(0.5)  # the runtime is now idle-polling, with no input pending
    for line in (b"echo node-stdin-ok\n", b"poweroff\n"):
        p.stdin.write(line)
        p.stdin.flush()
        time.sleep(0.3)
    try:
        rc = p.wait(a.timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("the guest did not power off after 'poweroff' on stdin: " +
             out[-800:].decode(errors="replace"))
    t.join(5)
    text = bytes(out)
    if b"\nnode-stdin-ok" not in text.replace(b"\r", b""):
        fail("the shell did not echo 'node-stdin-ok': " + text[-800:].decode(errors="replace"))
    if b"guest: poweroff" not in text or rc != 0:
        fail(f"no clean power-off (exit status {rc})")
    print("ok: input typed while running reached the guest; exit status 0")


CASES = {"isa": case_isa, "hello": case_hello, "jit-options": case_jit_options,
         "stdin": case_stdin, "workload": case_workload, "jit-reject": case_jit_reject}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kiln-node", required=True)
    ap.add_argument("--wasm-build", required=True)
    ap.add_argument("--native", help="native kiln to compare the console output with")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--node-args", default="", help="extra kiln-node options, e.g. '--jit-threshold 1'")
    ap.add_argument("--workload", choices=sorted(CHECKSUMS), default="hello")
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("rest", nargs=1)
    a = ap.parse_args()
    a.node_args = a.node_args.split()
    js = kiln_js(a.wasm_build)
    if not (os.path.isfile(js) and os.path.isfile(js[:-3] + ".wasm")):
        fail(f"no Wasm build of kiln: {js} (and .wasm) missing. Build it with "
             f"`meson setup build-wasm --cross-file cross/emscripten.ini && ninja -C "
             f"build-wasm` (tools/test does), or set -Dwasm_build=DIR.")
    if not os.path.isfile(a.rest[0]):
        fail(f"{a.rest[0]}: no such file (guest image or ISA program)")
    env = dict(os.environ, KILN_WASM_BUILD=js)
    CASES[a.case](a, env, a.rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
