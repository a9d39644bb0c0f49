#!/usr/bin/env python3
"""tools/serve.py - static HTTP server for Kiln's browser pages, 127.0.0.1 only.

Serves the repository at / (so the wasm build at /build-wasm/ when it lives
in the repo) plus extra mounts, with the headers a cross-origin isolated page
needs (COOP same-origin, COEP require-corp, CORP same-origin: the runtime
uses SharedArrayBuffer for console input and Atomics.wait) and correct MIME
types (application/wasm for .wasm, text/javascript for .js).  Browsers may
keep what it serves but must ask again before each use (Cache-Control:
no-cache): every file has an ETag made of its size, modification time and
encoding, and a request whose If-None-Match names the current one gets 304
Not Modified, no body.  So a repeat visit downloads nothing that did not
change, and a file rebuilt under the server is never served stale (builds
change under it).  Responses are compressed when
the client accepts it, except already compressed formats and files that do
not shrink: zstd (level 19, 10-18% smaller than gzip for the guest files)
once a background `zstd` process has compressed that file version, gzip
until then (and for clients without zstd); X-Kiln-Length then gives the
uncompressed size (what a fetch() reader counts, for progress bars).
A compressed response sent while that zstd compression still runs carries
X-Kiln-Zstd: pending (tests/web/harness.js asks again until it is gone).
Prints "kiln-serve: URL" once listening, then serves until killed; on
stdout too, "kiln-serve: compressing FILE" and "kiln-serve: compressed FILE
..." around each background compression.
  tools/serve.py [--port N (0: any free port)] [--mount /PREFIX=DIR ...] [--no-gzip]
                 [--no-zstd] [--warm /URL/PATH ...]
  --warm compresses those files at start (in the background), so that even
  the first visitor gets them zstd-compressed once that is done.
  default mounts: /guest = ../shared/guest (or build/guest), /vendor =
  node_modules (xterm for the demo page); then open
  http://127.0.0.1:PORT/runtime/web/smoke.html or .../demo.html
"""
import argparse
import functools
import gzip
import io
import threading
import http.server
import os
import posixpath
import shutil
import subprocess
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-cache",  # store, but revalidate (ETag) before every use
}

MIME = {
    ".wasm": "application/wasm",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".html": "text/html",
    ".css": "text/css",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
    ".md": "text/plain",
    "": "application/octet-stream",  # e.g. the guest Image
}

# Not worth gzipping again (already compressed).
NO_GZIP = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".gz", ".xz", ".zst", ".bz2", ".zip", ".woff2"}
GZIP_LEVEL = 6
GZIP_MIN_SAVING = 0.9  # serve identity unless gzip output < 90% of the file
# zstd -19 picks a window no larger than the file; browsers accept up to
# 8 MiB for Content-Encoding: zstd (RFC 9659), so larger files stay gzip.
ZSTD_LEVEL = 19
ZSTD_MAX_FILE = 8 << 20
ZSTD_MIN_SIZE = 64 << 10  # smaller files: gzip is as good, and at once


class VersionCache:
    """Bodies by file version (path, size, mtime), only the newest version
    of each path kept; shared by all request threads (under self.lock)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = {}

    @staticmethod
    def key(path, st):
        return (path, st.st_size, st.st_mtime_ns)

    def lookup(self, key):
        """(found, body): the entry of key, under the lock."""
        with self.lock:
            return key in self.entries, self.entries.get(key)

    def store(self, key, body, only_if_present=False):
        """Sets key's entry, dropping the path's older versions (or, with
        only_if_present, only when key still has an entry)."""
        with self.lock:
            if not only_if_present or key in self.entries:
                self.put_locked(key, body)

    def put_locked(self, key, body):
        for k in [k for k in self.entries if k[0] == key[0] and k != key]:
            del self.entries[k]
        self.entries[key] = body


class ZstdCache(VersionCache):
    """zstd bodies made by a background `zstd` process (0.6-1.6 s per guest
    file): get() answers at once, the body when it is ready, else None (the
    caller serves gzip) after starting its compression.  None too when zstd
    does not pay off or the file changed meanwhile."""

    PENDING = object()

    def __init__(self, program):
        super().__init__()
        self.program = program

    def get(self, path, st):
        key = self.key(path, st)
        with self.lock:  # one compression per version, however many ask
            if key in self.entries:
                body = self.entries[key]
                return None if body is self.PENDING else body
            self.put_locked(key, self.PENDING)
        threading.Thread(target=self.compress, args=(key,), daemon=True).start()
        return None

    def pending(self, path, st):
        """Whether that file version's compression is still running."""
        return self.lookup(self.key(path, st))[1] is self.PENDING

    def compress(self, key):
        path = key[0]
        print(f"kiln-serve: compressing {path}", flush=True)
        body = None
        try:
            r = subprocess.run([self.program, f"-{ZSTD_LEVEL}", "-q", "-c", "--", path],
                               capture_output=True, timeout=300)
            st = os.stat(path)
            if (r.returncode == 0 and self.key(path, st) == key and
                    len(r.stdout) < GZIP_MIN_SAVING * st.st_size):
                body = r.stdout
        except (OSError, subprocess.SubprocessError):
            pass
        self.store(key, body, only_if_present=True)
        print(f"kiln-serve: compressed {path} " +
              (f"({len(body)} zstd bytes)" if body else "(no zstd body: not smaller, changed or failed)"),
              flush=True)


class GzipCache(VersionCache):
    """gzip bodies: each file version is compressed once, by the first
    request for it (a 4 MB kernel takes a few hundred ms), None when gzip
    does not pay off."""

    def get(self, path, st):
        key = self.key(path, st)
        found, body = self.lookup(key)
        if found:
            return body
        with open(path, "rb") as f:
            data = f.read()
        body = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
        if len(body) >= GZIP_MIN_SAVING * len(data):
            body = None
        self.store(key, body)
        return body


class Handler(http.server.SimpleHTTPRequestHandler):
    # HTTP/1.1: keep-alive, and browsers revalidate by ETag only with 1.1
    # responses (Chromium sends If-None-Match for none of HTTP/1.0's).
    protocol_version = "HTTP/1.1"
    # (prefix, directory) pairs, longest prefix first; set by main().
    mounts = []
    quiet = True
    gzip_cache = None  # GzipCache, or None: never compress
    zstd_cache = None  # ZstdCache, or None: no zstd
    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map, **MIME)

    def translate_path(self, path):
        """URL path -> file path under the longest matching mount.  Any '..'
        or empty segment that could leave the mount is refused (404)."""
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
        norm = posixpath.normpath(path)
        if not norm.startswith("/") or ".." in norm.split("/"):
            return os.path.join(ROOT, "\0invalid")
        if path.endswith("/") and norm != "/":
            norm += "/"
        for prefix, directory in self.mounts:
            if prefix == "/" or norm == prefix or norm.startswith(prefix + "/"):
                rest = norm[len(prefix):] if prefix != "/" else norm
                return os.path.join(directory, rest.lstrip("/"))
        return os.path.join(ROOT, "\0invalid")

    def send_head(self):
        """Like the base class, plus gzip and ETag revalidation (see the
        module doc) for regular files."""
        self.etag = None
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            return super().send_head()  # directories, 404s
        # Whether the response depends on Accept-Encoding (Vary).
        self.vary = self.gzip_cache is not None and os.path.splitext(path)[1].lower() not in NO_GZIP
        try:
            st = os.stat(path)
            body, encoding, zstd_pending = None, None, False
            accepted = [t.split(";")[0].strip() for t in self.headers.get("Accept-Encoding", "").split(",")]
            if (self.vary and self.zstd_cache and "zstd" in accepted and
                    ZSTD_MIN_SIZE <= st.st_size <= ZSTD_MAX_FILE):
                body, encoding = self.zstd_cache.get(path, st), "zstd"
                zstd_pending = body is None and self.zstd_cache.pending(path, st)
            if body is None and self.vary and "gzip" in accepted:
                body, encoding = self.gzip_cache.get(path, st), "gzip"
        except OSError:
            return super().send_head()
        # One tag per file version and encoding (a compressed body is another
        # representation than the file's bytes).
        self.etag = f'"{st.st_size:x}-{st.st_mtime_ns:x}{"-" + encoding if body is not None else ""}"'
        if self.etag_matches():
            self.send_response(304)
            self.send_header("Last-Modified", self.date_time_string(st.st_mtime))
            self.end_headers()
            return None
        if body is None:
            return super().send_head()
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Kiln-Length", str(st.st_size))
        if zstd_pending:
            self.send_header("X-Kiln-Zstd", "pending")  # tests/web/harness.js waits for it
        self.send_header("Last-Modified", self.date_time_string(st.st_mtime))
        self.end_headers()
        return io.BytesIO(body)

    def etag_matches(self):
        """Whether the request's If-None-Match names self.etag (or is *);
        W/ (weak) tags compare by their value."""
        inm = self.headers.get("If-None-Match")
        if inm is None:
            return False
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or self.etag in [t[2:] if t.startswith("W/") else t for t in tags]

    def end_headers(self):
        for k, v in HEADERS.items():
            self.send_header(k, v)
        # This response's tag (send_head), once: a connection's next response
        # may not come from send_head (an error), and must not carry it.
        etag, self.etag = getattr(self, "etag", None), None
        if etag:
            self.send_header("ETag", etag)
            if self.vary:
                self.send_header("Vary", "Accept-Encoding")
        super().end_headers()

    def log_message(self, fmt, *args):
        if not self.quiet:
            super().log_message(fmt, *args)


def default_guest_dir():
    for d in (os.path.join(ROOT, "..", "shared", "guest"), os.path.join(ROOT, "build", "guest")):
        if os.path.isfile(os.path.join(d, "Image")):
            return os.path.abspath(d)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=8000, help="TCP port on 127.0.0.1 (0: any free one)")
    ap.add_argument("--mount", action="append", default=[], metavar="/PREFIX=DIR",
                    help="serve DIR at /PREFIX (repeatable; overrides the defaults)")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    ap.add_argument("--no-gzip", action="store_true", help="never compress responses")
    ap.add_argument("--no-zstd", action="store_true", help="gzip only (no zstd, even when installed)")
    ap.add_argument("--warm", action="append", default=[], metavar="/URL/PATH",
                    help="compress this file at start, in the background (repeatable)")
    a = ap.parse_args()

    mounts = {"/": ROOT}
    guest = default_guest_dir()
    if guest:
        mounts["/guest"] = guest
    if os.path.isdir(os.path.join(ROOT, "node_modules")):
        mounts["/vendor"] = os.path.join(ROOT, "node_modules")  # npm ci (tools/setup)
    for m in a.mount:
        prefix, sep, directory = m.partition("=")
        if not sep or not prefix.startswith("/") or not os.path.isdir(directory):
            ap.error(f"--mount {m}: want /PREFIX=EXISTING_DIR")
        mounts[prefix.rstrip("/") or "/"] = os.path.abspath(directory)
    Handler.mounts = sorted(mounts.items(), key=lambda kv: -len(kv[0]))
    Handler.quiet = not a.verbose
    Handler.gzip_cache = None if a.no_gzip else GzipCache()
    zstd = None if a.no_gzip or a.no_zstd else shutil.which("zstd")
    Handler.zstd_cache = ZstdCache(zstd) if zstd else None

    warm = []
    for url_path in a.warm:
        path = Handler.translate_path(Handler, url_path)
        if not os.path.isfile(path):
            ap.error(f"--warm {url_path}: no such file under the mounts")
        warm.append(path)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), functools.partial(Handler))
    httpd.daemon_threads = True
    print(f"kiln-serve: http://127.0.0.1:{httpd.server_address[1]}/", flush=True)
    for prefix, directory in Handler.mounts:
        print(f"kiln-serve:   {prefix} -> {directory}", file=sys.stderr, flush=True)
    for path in warm:  # after the URL line, which callers read first
        st = os.stat(path)
        if Handler.zstd_cache and ZSTD_MIN_SIZE <= st.st_size <= ZSTD_MAX_FILE:
            Handler.zstd_cache.get(path, st)  # starts its compression
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
