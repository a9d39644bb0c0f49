// harness.js - what the browser tests (smoke.js, demo.js) share: failing
// before the server starts, finding the worker build, serving with
// tools/serve.py, launching Debian's Chromium with a fresh profile, and
// collecting page errors.
'use strict';
const fs = require('fs');
const path = require('path');
const {spawn} = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');

// Only before the server starts (process.exit skips the caller's cleanup).
function fail(msg) {
  process.stderr.write(`FAIL: ${msg}\n`);
  process.exit(1);
}

// The directory holding kiln-worker.js + .wasm: DIR/runtime or DIR itself.
function findRuntime(where) {
  for (const d of [path.join(where, 'runtime'), where]) {
    if (fs.existsSync(path.join(d, 'kiln-worker.js')) && fs.existsSync(path.join(d, 'kiln-worker.wasm')))
      return path.resolve(d);
  }
  fail(`no kiln-worker.js + kiln-worker.wasm in ${where}/runtime or ${where}; build it: ` +
       `meson setup build-wasm --cross-file cross/emscripten.ini && ninja -C build-wasm ` +
       `(tools/test does), or pass -Dwasm_build=DIR`);
}

// playwright-core's chromium, or a clear failure.
function playwrightChromium() {
  try {
    return require('playwright-core').chromium;
  } catch (e) {
    fail(`playwright-core missing (${e.message}): run tools/setup (npm ci in ${ROOT})`);
  }
}

// Starts tools/serve.py on a free port with {prefix: dir} mounts; resolves to
// {proc, url}.
function startServer(mounts) {
  const args = [path.join(ROOT, 'tools', 'serve.py'), '--port', '0'];
  for (const [prefix, dir] of Object.entries(mounts))
    args.push('--mount', `${prefix}=${dir}`);
  return new Promise((resolve, reject) => {
    const proc = spawn('python3', args, {stdio: ['ignore', 'pipe', 'inherit']});
    let buf = '';
    proc.stdout.on('data', (d) => {
      buf += d;
      const m = /kiln-serve: (http:\/\/\S+)/.exec(buf);
      if (m)
        resolve({proc, url: m[1]});
    });
    proc.on('exit', (code) => reject(new Error(`tools/serve.py exited (${code}) before listening`)));
  });
}

// Debian's Chromium, headless, with the flags this machine needs.
// launchPersistentContext is Playwright's way of giving Chromium a
// --user-data-dir (profile: a fresh, empty directory).
function launchChromium(chromium, executablePath, profile, viewport) {
  return chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport,
  });
}

// Collects uncaught page errors and console errors/warnings into an array.
function watchPageErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      errors.push(`console.${m.type()}: ${m.text()}`);
  });
  return errors;
}

module.exports = {ROOT, fail, findRuntime, playwrightChromium, startServer, launchChromium,
                  watchPageErrors};
