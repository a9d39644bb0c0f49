#!/usr/bin/env python3
"""test-translator-hash.py SCRIPT - checks runtime/exec/translator-hash.py,
whose KILN_TRANSLATOR_HASH goes into the AOT bundle ABI hash: the same
sources give the same header whatever their order and line endings, and
any change to one source, or a renamed source, gives a different hash."""
import os
import re
import subprocess
import sys
import tempfile


def run(script, out, files):
    subprocess.run([sys.executable, script, out] + files, check=True)
    with open(out) as f:
        m = re.fullmatch(r"/\*[^\n]*\*/\n#define KILN_TRANSLATOR_HASH 0x([0-9a-f]{16})ull\n", f.read())
    if not m:
        sys.exit(f"FAIL: {out} is not one KILN_TRANSLATOR_HASH define")
    return m.group(1)


def main():
    script = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        def put(name, data):
            p = os.path.join(d, name)
            with open(p, "wb") as f:
                f.write(data)
            return p
        a = put("trans-a.c", b"int a;\nint b;\n")
        b = put("trans-b.c", b"int c;\n")
        out = os.path.join(d, "h.h")
        base = run(script, out, [a, b])
        checks = {
            "same sources again": (run(script, out, [a, b]), True),
            "other order": (run(script, out, [b, a]), True),
        }
        put("trans-a.c", b"int a;\r\nint b;\r\n")
        checks["CRLF line endings"] = (run(script, out, [a, b]), True)
        put("trans-a.c", b"int a;\nint B;\n")
        checks["one byte changed"] = (run(script, out, [a, b]), False)
        put("trans-a.c", b"int a;\nint b;\n")
        c = put("trans-c.c", b"int c;\n")
        checks["a source renamed"] = (run(script, out, [a, c]), False)
        checks["a source left out"] = (run(script, out, [a]), False)
        bad = [k for k, (h, same) in checks.items() if (h == base) != same]
        for k, (h, same) in checks.items():
            print(f"{k}: {h} ({'same' if h == base else 'differs'}, expected "
                  f"{'same' if same else 'different'})")
        if bad:
            sys.exit(f"FAIL: {', '.join(bad)}")
    print("ok")


if __name__ == "__main__":
    main()
