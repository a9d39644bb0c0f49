// harness.js - what the browser tests (smoke.js, demo.js) and
// tools/bench-web.js share: failing before the server starts, finding the
// worker build, serving with tools/serve.py, launching Debian's Chromium with
// a fresh profile, collecting page errors, and driving the demo page's shell.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const {spawn} = require('child_process');

const ROOT = path.resolve(__dirname, '..', '..');

// Only before the server starts (process.exit skips the caller's cleanup).
function fail(msg) {
  process.stderr.write(`FAIL: ${msg}\n`);
  process.exit(1);
}

// Command line of a test script: argv is pairs "--option value"; names maps
// each option to its key in a copy of defaults.  Anything else fails with
// a usage line naming script.
function parseOptions(argv, script, defaults, names) {
  const a = {...defaults};
  for (let i = 0; i < argv.length; i += 2) {
    if (!(argv[i] in names) || i + 1 >= argv.length)
      fail(`usage: ${script} ${Object.keys(names).map((n) => `[${n} X]`).join(' ')} (bad: ${argv[i]})`);
    a[names[argv[i]]] = argv[i + 1];
  }
  return a;
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
// {proc, url, warm(paths)}: warm requests each URL path with gzip and with
// zstd accepted, again while the server answers X-Kiln-Zstd: pending, so
// each file sits in both of the server's caches once it resolves.
function startServer(mounts) {
  const args = [path.join(ROOT, 'tools', 'serve.py'), '--port', '0'];
  for (const [prefix, dir] of Object.entries(mounts))
    args.push('--mount', `${prefix}=${dir}`);
  return new Promise((resolve, reject) => {
    const proc = spawn('python3', args, {stdio: ['ignore', 'pipe', 'inherit']});
    // Read until the URL line, then only drained (the server logs a line
    // per file it compresses; an unread pipe would block it).
    let buf = '';
    proc.stdout.on('data', (d) => {
      if (buf === null)
        return;
      buf += d;
      const m = /kiln-serve: (http:\/\/\S+)/.exec(buf);
      if (m) {
        buf = null;
        resolve({proc, url: m[1], warm: (paths) => warmFiles(m[1], paths)});
      }
    });
    proc.on('exit', (code) => reject(new Error(`tools/serve.py exited (${code}) before listening`)));
  });
}

// startServer's warm: resolves once every path was answered without
// X-Kiln-Zstd: pending (rejects after 120 s).
function warmFiles(url, paths) {
  const http = require('http');
  const get = (p, enc) => new Promise((resolve, reject) => {
    http.get(new URL(p, url), {headers: {'Accept-Encoding': enc}}, (res) => {
      res.resume();
      res.on('end', () => resolve(res.headers['x-kiln-zstd'] === 'pending'));
    }).on('error', reject);
  });
  const deadline = Date.now() + 120000;
  const warmOne = async (p) => {
    await get(p, 'gzip');
    while (await get(p, 'gzip, zstd')) {
      if (Date.now() > deadline)
        throw new Error(`tools/serve.py: ${p} still compressing after 120 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return Promise.all(paths.map(warmOne));
}

// Chromium features switched off.  Chromium keeps only the last
// --disable-features switch (a later one replaces an earlier one whole), and
// playwright-core puts its own before ours, so this list repeats playwright-core
// 1.65's (package-lock.json) and adds the omnibox popup's WebUI: each browser
// context is a new window, whose omnibox popup loads as a WebUI page in a
// renderer of its own (`--top-chrome-webui`) that took ~0.5 s of CPU during
// every demo load on the 2-core VM, from the page and its worker (a visitor
// loading the page in an open window does not pay it; docs/benchmarks.md).
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding', 'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect', 'TcpPortRandomizationWin', 'OptimizationHints', 'NetworkTimeServiceQuerying',
  'AimEnabled', 'PreconnectToSearch', 'msForceBrowserSignIn', 'msEdgeUpdateLaunchServicesPreferredVersion',
];
const DISABLED_FEATURES = [...PLAYWRIGHT_DISABLED_FEATURES, 'WebUIOmniboxPopup', 'WebUIOmniboxFullPopup',
                           'WebUIOmniboxAimPopup'];

// Extra switches for measurements (KILN_CHROMIUM_ARGS, space-separated),
// e.g. V8 settings a page cannot make: `--js-flags=--wasm-tiering-budget=1800000`
// (docs/benchmarks.md).  They go first, so that the last switch stays ours
// (checkDisabledFeatures); a --disable-features among them would be
// silently replaced by ours, so it is refused.
const EXTRA_CHROMIUM_ARGS = (process.env.KILN_CHROMIUM_ARGS || '').split(' ').filter((a) => a);
if (EXTRA_CHROMIUM_ARGS.some((a) => a.startsWith('--disable-features')))
  fail('KILN_CHROMIUM_ARGS: --disable-features cannot be added there (Chromium keeps only the last such ' +
       'switch, which is ours: add the feature to DISABLED_FEATURES in tests/web/harness.js)');

// The flags Debian's Chromium needs on this machine (headless, no sandbox
// or GPU, no background traffic, no WebUI renderer per window), after the
// extra ones.
const CHROMIUM_ARGS = [...EXTRA_CHROMIUM_ARGS, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
                       '--no-first-run', '--disable-background-networking', '--disable-component-update',
                       '--disable-sync', `--disable-features=${DISABLED_FEATURES.join(',')}`];

// Debian's Chromium, headless, with the flags this machine needs.
// launchPersistentContext is Playwright's way of giving Chromium a
// --user-data-dir (profile: a fresh, empty directory).
async function launchChromium(chromium, executablePath, profile, viewport) {
  return checkedLaunch(await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  }));
}

// launched (a Browser or BrowserContext) after checkDisabledFeatures, or
// closed and the check's error thrown.
async function checkedLaunch(launched) {
  try {
    checkDisabledFeatures();
  } catch (e) {
    await launched.close().catch(() => {});
    throw e;
  }
  return launched;
}

// The command lines of this machine's processes, as /proc gives them
// (arguments NUL-separated; a Chromium child process sets its title, so
// its arguments come as one string), skipping those gone or not readable.
function processCmdlines() {
  const out = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d))) {
    try {
      out.push(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

// Throws when an earlier --disable-features switch on the command line of
// the Chromium just launched (playwright-core's) names a feature that
// DISABLED_FEATURES lacks: after a playwright-core update, the last switch,
// ours, would silently switch it back on.
function checkDisabledFeatures() {
  const ours = CHROMIUM_ARGS[CHROMIUM_ARGS.length - 1];
  for (const args of processCmdlines().map((c) => c.split('\0'))) {
    if (!args.includes(ours) || args.some((a) => a.startsWith('--type=')))
      continue; // not a Chromium browser process launched with CHROMIUM_ARGS
    const lost = args.filter((a) => a.startsWith('--disable-features=') && a !== ours)
                     .flatMap((a) => a.slice('--disable-features='.length).split(','))
                     .filter((f) => f && !DISABLED_FEATURES.includes(f));
    if (lost.length)
      throw new Error(`playwright-core disables Chromium features that DISABLED_FEATURES in ` +
                      `tests/web/harness.js lacks (only the last --disable-features counts): ${lost.join(', ')}`);
  }
}

// Running Chromium renderers of top-chrome WebUI (the per-window ones
// DISABLED_FEATURES means to keep out of measured page loads).
function topChromeRenderers() {
  return processCmdlines().filter((c) => /(^|[\s\0])--top-chrome-webui([\s\0]|$)/.test(c)).length;
}

// A test's page: serves mounts with tools/serve.py, opens Debian's Chromium
// on a fresh profile (a first visit) and resolves to fn({page, url, server,
// pageErrors}) (url: the server's root, server: startServer's,
// pageErrors: watchPageErrors(page));
// whatever fn does, then closes the browser, stops the server and removes
// the profile and the directories in alsoRemove.
async function withServedPage({chromium, executablePath, mounts, viewport, alsoRemove = []}, fn) {
  const server = await startServer(mounts);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-web-profile-'));
  let context = null;
  try {
    context = await launchChromium(chromium, executablePath, profile, viewport);
    const page = context.pages()[0] || await context.newPage();
    return await fn({page, url: server.url, server, pageErrors: watchPageErrors(page)});
  } finally {
    if (context)
      await context.close().catch(() => {});
    server.proc.kill();
    for (const d of [profile, ...alsoRemove])
      fs.rmSync(d, {recursive: true, force: true});
  }
}

// The same Chromium as a Browser, for callers that open many fresh contexts
// (browser.newContext(): no cookies, storage or HTTP cache shared between
// them, as on a first visit); resolves to the Browser, which the caller closes.
async function launchBrowser(chromium, executablePath) {
  return checkedLaunch(await chromium.launch({executablePath, headless: true, args: CHROMIUM_ARGS}));
}

// Demo page (runtime/web/demo.html): waits until the shell prompt is in
// xterm's buffer, or the page reports an error or the runtime's exit (the
// caller checks window.kilnDemo for those).  Rejects after timeoutMs.
function demoWaitPrompt(page, timeoutMs) {
  return page.waitForFunction(() => {
    const d = window.kilnDemo;
    return d && (d.error || d.exited || d.screen().some((l) => l.startsWith('guest# ')));
  }, null, {timeout: timeoutMs, polling: 100});
}

// Demo page at its prompt: types cmd into the terminal (xterm's textarea,
// so it goes through onData and the input ring like a user's keys), waits
// for the next prompt and resolves to the lines printed in between (joined
// with '\n'; '' on an error or exit).  Rejects after timeoutMs.  With
// timing = {pollMs}, the screen is checked every pollMs (default 100) and
// timing.seconds is set to the time from pressing Enter to the next prompt
// (to within pollMs).
async function demoRunCommand(page, cmd, timeoutMs, timing) {
  await page.click('#terminal');
  await page.keyboard.type(cmd, {delay: 5});
  const t0 = performance.now();
  await page.keyboard.press('Enter');
  const echo = `guest# ${cmd}`;
  await page.waitForFunction((echo) => {
    const d = window.kilnDemo;
    const l = d.screen();
    const i = l.findIndex((s) => s.startsWith(echo));
    return d.error || d.exited || (i >= 0 && l.slice(i + 1).some((s) => s.startsWith('guest# ')));
  }, echo, {timeout: timeoutMs, polling: (timing && timing.pollMs) || 100});
  if (timing)
    timing.seconds = (performance.now() - t0) / 1000;
  const lines = await page.evaluate(() => window.kilnDemo.screen());
  const i = lines.findIndex((s) => s.startsWith(echo));
  if (i < 0)
    return '';
  const rest = lines.slice(i + 1);
  const end = rest.findIndex((s) => s.startsWith('guest# '));
  return rest.slice(0, end < 0 ? rest.length : end).join('\n');
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

module.exports = {ROOT, EXTRA_CHROMIUM_ARGS, fail, parseOptions, findRuntime, playwrightChromium, startServer,
                  launchChromium, topChromeRenderers, withServedPage, launchBrowser, watchPageErrors,
                  demoWaitPrompt, demoRunCommand};
