#!/usr/bin/env python3
"""run.py - differential test harness: generate a random RV64GC program per
seed (gen.py), run it under two commands and compare their console output and
exit status byte for byte.

The runners are command templates; {elf} is replaced by the program path:
  --a '/path/kiln run --bios none --kernel {elf} --deterministic'   (default: --kiln)
  --b 'qemu-system-riscv64 -M virt -m 256M -nographic -bios none -kernel {elf}'
so the same harness compares kiln with QEMU, or kiln TCI with kiln JIT, e.g.
  run.py --seeds 0-999 --a 'node tools/kiln-node --no-jit ... {elf}' \\
         --b 'node tools/kiln-node --jit-threshold 1 ... {elf}'
On a mismatch it prints the seed and the first differing line and saves the
ELF, both outputs and the program listing in --save-dir for reproduction.
Exit status: 0 when every seed matched, 1 otherwise.
"""
import argparse
import concurrent.futures
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

QEMU_CMD = "qemu-system-riscv64 -M virt -m 256M -nographic -bios none -kernel {elf}"
KILN_CMD = "{kiln} run --bios none --kernel {elf} --deterministic"


def parse_seeds(spec):
    seeds = []
    for part in spec.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            seeds.extend(range(int(lo), int(hi) + 1))
        else:
            seeds.append(int(part))
    return seeds


def run_cmd(template, elf, timeout):
    cmd = [t.replace("{elf}", elf) for t in shlex.split(template)]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return "timeout", e.stdout or b"", e.stderr or b""
    except OSError as e:
        return f"cannot run: {e}", b"", b""


def first_diff(a, b):
    la, lb = a.decode(errors="replace").splitlines(), b.decode(errors="replace").splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "<missing>"
        y = lb[i] if i < len(lb) else "<missing>"
        if x != y:
            return i + 1, x, y
    return None


def check_seed(seed, args, workdir):
    elf = os.path.join(workdir, f"diff-{seed}.elf")
    listing = gen.write_program(seed, elf, args.n, args.mode)
    ra = run_cmd(args.a, elf, args.timeout)
    rb = run_cmd(args.b, elf, args.timeout)
    problems = []
    if ra[0] != 0 or rb[0] != 0:
        problems.append(f"exit status {args.a_name}={ra[0]} {args.b_name}={rb[0]} (both must be 0)")
    if ra[1] != rb[1]:
        d = first_diff(ra[1], rb[1])
        if d:
            problems.append(f"line {d[0]}: {args.a_name} '{d[1]}' vs {args.b_name} '{d[2]}'")
        else:
            problems.append("outputs differ (in bytes outside line text)")
    if problems:
        save = os.path.join(args.save_dir, f"seed-{seed}")
        os.makedirs(save, exist_ok=True)
        shutil.copy(elf, os.path.join(save, "prog.elf"))
        for nm, r in ((args.a_name, ra), (args.b_name, rb)):
            with open(os.path.join(save, f"{nm}.out"), "wb") as f:
                f.write(r[1])
            if r[2]:
                with open(os.path.join(save, f"{nm}.err"), "wb") as f:
                    f.write(r[2])
        with open(os.path.join(save, "listing.txt"), "w") as f:
            f.write(gen.format_listing(listing))
        problems.append(f"saved in {save}")
    os.unlink(elf)
    return seed, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0-99", help="e.g. 0-999 or 1,5,7-9")
    ap.add_argument("-n", type=int, default=300, help="random instruction groups per program")
    ap.add_argument("--mode", choices=sorted(gen.MODES),
                    help="privilege of the random body (default: by seed; S and U use Sv39)")
    ap.add_argument("--kiln", default="kiln", help="kiln binary for the default --a")
    ap.add_argument("--a", help=f"runner A (default: '{KILN_CMD}')")
    ap.add_argument("--b", default=QEMU_CMD, help=f"runner B (default: '{QEMU_CMD}')")
    ap.add_argument("--a-name", default="kiln")
    ap.add_argument("--b-name", default="qemu")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--save-dir", default="difftest-failures")
    ap.add_argument("--max-fail", type=int, default=10, help="stop after this many failing seeds")
    args = ap.parse_args()
    if args.a is None:
        args.a = KILN_CMD.replace("{kiln}", args.kiln)
    args.save_dir = os.path.abspath(args.save_dir)
    seeds = parse_seeds(args.seeds)

    t0 = time.time()
    failed = []
    with tempfile.TemporaryDirectory(prefix="difftest-") as work:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            futs = [ex.submit(check_seed, s, args, work) for s in seeds]
            for fut in concurrent.futures.as_completed(futs):
                seed, problems = fut.result()
                if problems:
                    failed.append(seed)
                    print(f"FAIL seed {seed}: " + "; ".join(problems), flush=True)
                    if len(failed) >= args.max_fail:
                        for f in futs:
                            f.cancel()
                        print(f"stopping after {len(failed)} failures")
                        break
    dt = time.time() - t0
    print(f"{len(seeds) - len(failed) if len(failed) < args.max_fail else '?'}/{len(seeds)} seeds "
          f"identical ({args.a_name} vs {args.b_name}, {args.n} groups each, {dt:.1f} s)")
    if failed:
        print("failing seeds:", ",".join(str(s) for s in sorted(failed)))
        print(f"reproduce: {sys.argv[0]} --seeds {sorted(failed)[0]} -n {args.n} ...; "
              f"gen.py SEED -n {args.n} -o prog.elf --listing")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
