#!/usr/bin/env python3
"""tests/web/serve-test.py - tools/serve.py over HTTP: the headers a
cross-origin isolated page needs, gzip with the uncompressed size, and
revalidation (ETag, 304 Not Modified, a changed file served anew); zstd once
the background compression of a file version is done (gzip before it, and
for a changed file until it is compressed again); a path out of the mount
is refused.  Runs the server on a free port with a
temporary directory mounted at /t.  Exit status 0 when every check holds."""
import gzip
import http.client
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def get(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r, body


def main():
    with tempfile.TemporaryDirectory() as d:
        text = b"kiln serve test\n" * 4000  # compresses well
        path = os.path.join(d, "a.js")
        with open(path, "wb") as f:
            f.write(text)
        srv = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "serve.py"), "--port", "0",
                                "--mount", f"/t={d}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
        try:
            line = srv.stdout.readline()
            check(line.startswith("kiln-serve: http://127.0.0.1:"), f"listening line: {line.strip()!r}")
            port = int(line.strip().rsplit(":", 1)[1].rstrip("/"))

            r, body = get(port, "/t/a.js", {"Accept-Encoding": "gzip"})
            check(r.status == 200, f"GET gzip: status {r.status}")
            check(r.getheader("Cross-Origin-Opener-Policy") == "same-origin" and
                  r.getheader("Cross-Origin-Embedder-Policy") == "require-corp",
                  "COOP/COEP headers (cross-origin isolation)")
            check(r.getheader("Content-Encoding") == "gzip" and gzip.decompress(body) == text,
                  "gzip body decompresses to the file")
            check(r.getheader("X-Kiln-Length") == str(len(text)), "X-Kiln-Length is the file's size")
            check(r.getheader("Cache-Control") == "no-cache", "Cache-Control: no-cache (revalidate)")
            check(r.version == 11, "HTTP/1.1 (Chromium revalidates HTTP/1.0 responses by date only)")
            check(r.getheader("Vary") == "Accept-Encoding", "Vary: Accept-Encoding")
            etag = r.getheader("ETag")
            check(bool(etag) and etag.startswith('"') and etag.endswith('"'), f"ETag given: {etag}")

            r, body = get(port, "/t/a.js", {"Accept-Encoding": "gzip", "If-None-Match": etag})
            check(r.status == 304 and body == b"", f"unchanged file, its ETag: 304 and no body ({r.status})")
            check(r.getheader("ETag") == etag, "304 repeats the ETag")
            r, _ = get(port, "/t/a.js", {"Accept-Encoding": "gzip", "If-None-Match": f'"x", W/{etag}'})
            check(r.status == 304, "a weak tag in a list matches too")

            r, body = get(port, "/t/a.js", {"If-None-Match": etag})
            check(r.status == 200 and body == text and r.getheader("ETag") != etag,
                  "without gzip: another representation, another ETag, the bytes as they are")
            plain = r.getheader("ETag")
            r, _ = get(port, "/t/a.js", {"If-None-Match": plain})
            check(r.status == 304, "identity response revalidates by its own ETag")

            changed = b"changed\n" * 5000
            with open(path, "wb") as f:
                f.write(changed)
            r, body = get(port, "/t/a.js", {"Accept-Encoding": "gzip", "If-None-Match": etag})
            check(r.status == 200 and gzip.decompress(body) == changed and r.getheader("ETag") != etag,
                  "changed file: 200 with the new bytes and a new ETag, not 304")

            # One connection: a GET, then a request that send_head does not
            # answer (501): no ETag left over from the GET.
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", "/t/a.js")
            c.getresponse().read()
            c.request("POST", "/t/a.js", body=b"x")
            r = c.getresponse()
            r.read()
            c.close()
            check(r.status == 501 and r.getheader("ETag") is None,
                  f"keep-alive: an error after a GET carries no ETag ({r.status}, {r.getheader('ETag')})")

            # zstd: a file of 256 KiB (smaller ones are only gzipped).
            zstd = shutil.which("zstd")
            check(zstd is not None, "the zstd program is installed (tools/setup)")
            if zstd is None:  # (the server has no zstd either: no lines to wait for)
                return 1
            big = os.path.join(d, "b.wasm")
            data = b"".join(b"block %d of the zstd test\n" % i for i in range(10000))[:256 << 10]
            with open(big, "wb") as f:
                f.write(data)
            both = {"Accept-Encoding": "gzip, deflate, br, zstd"}
            r, body = get(port, "/t/b.wasm", both)
            check(r.getheader("Content-Encoding") == "gzip" and gzip.decompress(body) == data,
                  "zstd accepted, first request: gzip while zstd compresses in the background")
            check(r.getheader("X-Kiln-Zstd") == "pending", "... saying so: X-Kiln-Zstd: pending")
            line = srv.stdout.readline()
            check(line.startswith("kiln-serve: compressing ") and line.strip().endswith("b.wasm"),
                  f"compressing line: {line.strip()!r}")
            line = srv.stdout.readline()
            check(line.startswith("kiln-serve: compressed ") and "zstd bytes" in line,
                  f"compressed line: {line.strip()!r}")
            r, body = get(port, "/t/b.wasm", both)
            un = subprocess.run([zstd, "-d", "-c"], input=body, capture_output=True).stdout
            check(r.getheader("Content-Encoding") == "zstd" and un == data and len(body) < len(data),
                  f"then zstd, decompressing to the file ({len(body)} of {len(data)} bytes)")
            check(r.getheader("X-Kiln-Length") == str(len(data)), "zstd: X-Kiln-Length is the file's size")
            check(r.getheader("X-Kiln-Zstd") is None, "no X-Kiln-Zstd once compressed")
            zetag = r.getheader("ETag")
            check(bool(zetag) and zetag.endswith('-zstd"'), f"zstd has its own ETag: {zetag}")
            r, body = get(port, "/t/b.wasm", dict(both, **{"If-None-Match": zetag}))
            check(r.status == 304 and body == b"", "zstd ETag revalidates: 304")
            r, body = get(port, "/t/b.wasm", {"Accept-Encoding": "gzip"})
            check(r.getheader("Content-Encoding") == "gzip", "gzip-only client: gzip")
            with open(big, "ab") as f:
                f.write(b"more")
            r, body = get(port, "/t/b.wasm", dict(both, **{"If-None-Match": zetag}))
            check(r.status == 200 and r.getheader("Content-Encoding") == "gzip" and
                  gzip.decompress(body) == data + b"more",
                  "changed file: its old zstd body never served; gzip until compressed again")
            for _ in range(2):
                srv.stdout.readline()  # that version's compressing / compressed lines

            r, body = get(port, "/t/../../../../etc/passwd")
            check(r.status == 404 and b"root:" not in body, f"no way out of the mounts: /etc/passwd ({r.status})")
            r, _ = get(port, "/t/missing.js", {"If-None-Match": "*"})
            check(r.status == 404, f"missing file: 404 even with If-None-Match: * ({r.status})")
        finally:
            srv.kill()
            srv.wait()
    print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
