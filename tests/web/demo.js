#!/usr/bin/env node
// tests/web/demo.js - end-to-end test of the demo page (runtime/web/demo.html)
// in headless Debian Chromium (playwright-core): serves the repo with
// tools/serve.py (gzip on, like tools/demo), loads the page in one mode, waits
// for the shell prompt in the xterm.js terminal (read from xterm's buffer),
// types `uname -a` through the terminal and checks its output, and checks the
// live status line shows block counts.  Keeps demo-MODE.png (screenshot) and
// demo-MODE.log (console + runtime stderr) in --out-dir.
//   demo.js --mode cold|bundle|snapshot|fallback|badsnap|nowasm|noworker|
//                  badbundle|badkernel|nokernel
//           --wasm-build DIR --image FILE
//           --out-dir DIR [--demo-dir DIR (bundle/snapshot files, mounted at
//           /demo)] [--timeout S] [--chromium PATH]
// Modes: cold = ?bundle=0&snapshot=0; bundle = ?snapshot=0 (the bundle in
// --demo-dir must be used: bundle executions > 0); snapshot = both (the
// snapshot must be restored: no kernel boot messages before the prompt);
// fallback = default options with neither file there (a cold boot that the
// status line explains); badsnap = a truncated snapshot (refused: cold boot
// with the bundle); nowasm / noworker = the runtime cannot load, badkernel /
// nokernel = a kernel it refuses / that is not there (the page must say so,
// once, naming the file); badbundle = a bundle the runtime refuses (the boot
// goes on without it, and the page's mode says so).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const {ROOT, fail, parseOptions, findRuntime, playwrightChromium, withServedPage, demoWaitPrompt,
       demoRunCommand} = require('./harness');

// query: the page's URL options; needs: files that must be in --demo-dir;
// images: the bundle has TCI images, and blocks must have run from them;
// zstd: URL paths the server compresses with zstd before the page loads
// (in the background, as for a visitor after the first), and which the page
// must then receive zstd-encoded.
const MODES = {
  cold: {query: {bundle: '0', snapshot: '0'}, needs: [], mode: 'cold boot'},
  bundle: {query: {snapshot: '0'}, needs: ['shell.kbundle.wasm'], mode: 'cold boot + bundle',
           images: true, zstd: ['/demo/shell.kbundle.wasm', '/wasm/kiln-worker.wasm']},
  // the restore bundle's images: the blocks that ran after the snapshot point
  snapshot: {query: {}, needs: ['shell-restore.kbundle.wasm', 'shell.snap'],
             mode: 'snapshot + bundle', images: true,
             zstd: ['/demo/shell-restore.kbundle.wasm', '/demo/shell.snap']},
  // Default options but neither file built (empty /demo): cold boot, saying so.
  fallback: {query: {}, needs: [], mode: 'cold boot',
             status: /no bundle: not built, no snapshot: not built/},
  // The snapshot served is truncated: the runtime refuses it and the page
  // cold-boots with the kernel and the bundle instead.
  badsnap: {query: {}, needs: ['shell-restore.kbundle.wasm', 'shell.snap'], truncateSnapshot: true,
            mode: 'cold boot + bundle (snapshot refused)'},
  // The runtime cannot load: kiln-worker.wasm missing beside kiln-worker.js,
  // or no kiln-worker.js at the ?runtime= URL.  One error naming the file
  // on the status line, and nothing else happens.
  nowasm: {query: {bundle: '0', snapshot: '0'}, needs: [], withoutWasm: true,
           error: /^cannot load the runtime http:\/\/\S+\/wasm\/kiln-worker\.wasm: HTTP 404\b/},
  noworker: {query: {bundle: '0', snapshot: '0', runtime: '/missing/kiln-worker.js'}, needs: [],
             error: /^cannot start the runtime worker http:\/\/\S+\/missing\/kiln-worker\.js: not found/},
  // Bad guest files (junk bytes in a scratch /demo): a bundle the runtime
  // refuses (the boot goes on without it and the page says so), a kernel it
  // refuses (one error, the runtime's own line naming the file by its URL
  // path), a kernel that is not there.
  badbundle: {query: {snapshot: '0'}, needs: [], junk: ['shell.kbundle.wasm'],
              mode: 'cold boot + bundle (bundle refused)', noBundleRun: true,
              stderr: /^kiln: warning: bundle \/demo\/shell\.kbundle\.wasm: not a Wasm module .*running without it$/},
  badkernel: {query: {kernel: '/demo/Image', bundle: '0', snapshot: '0'}, needs: [], junk: ['Image'],
              error: /^the runtime stopped \(exit 1\) before the guest started: kiln: \/demo\/Image: not a RISC-V Linux Image/},
  nokernel: {query: {kernel: '/demo/Image', bundle: '0', snapshot: '0'}, needs: [],
             error: /^fetching \/demo\/Image: HTTP 404$/},
};

function parseArgs(argv) {
  const a = parseOptions(argv, 'demo.js',
      {mode: 'cold', wasmBuild: path.join(ROOT, 'build-wasm'), image: null, outDir: '.',
       demoDir: null, timeout: 120, chromium: '/usr/bin/chromium'},
      {'--mode': 'mode', '--wasm-build': 'wasmBuild', '--image': 'image', '--out-dir': 'outDir',
       '--demo-dir': 'demoDir', '--timeout': 'timeout', '--chromium': 'chromium'});
  a.timeout = Number(a.timeout);
  if (!(a.mode in MODES))
    fail(`--mode ${a.mode}: want one of ${Object.keys(MODES).join(', ')}`);
  return a;
}

class TestFailure extends Error {}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const mode = MODES[a.mode];
  const runtimeDir = findRuntime(a.wasmBuild);
  if (!a.image || !fs.existsSync(a.image))
    fail(`guest Image not found: ${a.image} (meson option guest_dir)`);
  for (const f of mode.needs) {
    if (!a.demoDir || !fs.existsSync(path.join(a.demoDir, f)))
      fail(`mode ${a.mode} needs ${f} in --demo-dir (${a.demoDir})`);
  }
  if (!fs.existsSync(a.chromium))
    fail(`${a.chromium} missing: tools/setup installs Debian's chromium`);
  if (!fs.existsSync(path.join(ROOT, 'node_modules', 'xterm', 'lib', 'xterm.js')))
    fail(`node_modules/xterm missing: run tools/setup (npm ci in ${ROOT})`);
  const chromium = playwrightChromium();
  fs.mkdirSync(a.outDir, {recursive: true});

  const mounts = {'/wasm': runtimeDir, '/guest': path.dirname(path.resolve(a.image))};
  const scratchWasm = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-web-demo-wasm-'));
  if (mode.withoutWasm) { // kiln-worker.js alone
    fs.copyFileSync(path.join(runtimeDir, 'kiln-worker.js'), path.join(scratchWasm, 'kiln-worker.js'));
    mounts['/wasm'] = scratchWasm;
  }
  // Modes without demo files get an empty /demo, so nothing optional could be
  // picked up; badsnap gets a copy with a truncated snapshot.
  const scratchDemo = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-web-demo-files-'));
  mounts['/demo'] = a.demoDir && mode.needs.length ? path.resolve(a.demoDir) : scratchDemo;
  for (const f of mode.junk || []) { // 64 KiB of a fixed pattern: neither Wasm nor a kernel
    const junk = Buffer.alloc(65536);
    for (let i = 0; i < junk.length; i++)
      junk[i] = (i * 131 + 7) & 0xff;
    fs.writeFileSync(path.join(scratchDemo, f), junk);
  }
  if (mode.truncateSnapshot) { // the bundle, and the first half of the snapshot
    for (const f of mode.needs) {
      const data = fs.readFileSync(path.join(a.demoDir, f));
      fs.writeFileSync(path.join(scratchDemo, f), f.endsWith('.snap') ? data.subarray(0, data.length >> 1) : data);
    }
    mounts['/demo'] = scratchDemo;
  }
  await withServedPage({chromium, executablePath: a.chromium, mounts, viewport: {width: 1100, height: 900},
                        alsoRemove: [scratchDemo, scratchWasm]}, async ({page, url: root, server, pageErrors}) => {
    const q = new URLSearchParams({kernel: `/guest/${path.basename(a.image)}`, ...mode.query});
    const url = `${root}runtime/web/demo.html?${q}`;
    const encodings = {}; // URL path -> Content-Encoding of the page's response
    if (mode.zstd) {
      await server.warm(mode.zstd);
      page.on('response', (r) => {
        encodings[new URL(r.url()).pathname] = r.headers()['content-encoding'] || 'identity';
      });
      // (the worker's own fetch of kiln-worker.wasm is reported here too)
    }
    console.log(`loading ${url}`);
    const t0 = Date.now();
    await page.goto(url);
    const deadline = t0 + a.timeout * 1000;
    const left = () => Math.max(1, deadline - Date.now());
    const problems = [];
    let promptLines = null;
    let unameOut = null;
    if (mode.error) {
      await errorCase(page, mode, a, left, problems);
      if (problems.length)
        throw new TestFailure(problems.join('\n'));
      console.log(`ok: demo ${a.mode}`);
      return;
    }
    try {
      // The prompt, read from the terminal itself (xterm's buffer).
      await demoWaitPrompt(page, left());
      promptLines = await page.evaluate(() => window.kilnDemo.screen().length);
      // Typed through xterm (its textarea gets the key events, onData -> ring).
      unameOut = await demoRunCommand(page, 'uname -a', left());
      const re = /^Linux \S+ 6\.1\.\d+ .*riscv64$/m;
      if (!re.test(unameOut))
        problems.push(`uname -a output does not match ${re}: ${JSON.stringify(unameOut)}`);
      // The status line: live counters arrive every 500 ms (also while the
      // guest idles), so wait for a report taken after blocks ran.
      await page.waitForFunction((bundle) => {
        const s = window.kilnDemo.stats;
        return /blocks executed: TCI \S+ \(\S+ from bundle images\) · JIT \S+ · bundle \S+.*MIPS/
                   .test(document.getElementById('status').textContent) &&
               s && s.execTci + s.execJit + s.execBundle > 0 && (!bundle || s.execBundle > 0);
      }, mode.needs.length > 0, {timeout: left(), polling: 100});
    } catch (e) {
      problems.push(`timed out or failed waiting (${e.message.split('\n')[0]})`);
    }
    const wall = (Date.now() - t0) / 1000;
    const st = await page.evaluate(() => {
      const d = window.kilnDemo;
      return d && {output: d.output, stderr: d.stderr, stats: d.stats, files: d.files, mode: d.mode,
                   times: d.times, error: d.error, exited: d.exited, coi: d.crossOriginIsolated,
                   status: document.getElementById('status').textContent};
    });
    await keepArtefacts(page, a, st ? `${st.output}\n--- stderr\n${st.stderr.join('\n')}\n--- status\n${st.status}\n`
                                    : 'no state\n');

    if (!st) {
      problems.push('demo page did not start (window.kilnDemo missing)');
    } else {
      if (!st.coi)
        problems.push('page is not cross-origin isolated');
      if (st.error)
        problems.push(`page error: ${st.error}`);
      if (st.exited)
        problems.push('the runtime exited');
      if (st.mode !== mode.mode)
        problems.push(`page mode '${st.mode}', want '${mode.mode}'`);
      const s = st.stats;
      if (!s || !(s.execTci + s.execJit + s.execBundle > 0))
        problems.push(`no live block counts: ${JSON.stringify(s)}`);
      else if (mode.noBundleRun && s.execBundle > 0)
        problems.push(`a refused bundle ran: ${JSON.stringify(s)}`);
      else if (mode.needs.length && !(s.execBundle > 0 && (!mode.images || s.execBundleTci > 0)))
        problems.push(`bundle not used (compiled code${mode.images ? ' and TCI images' : ''}): ` +
                      JSON.stringify(s));
      if (mode.status && !mode.status.test(st.status))
        problems.push(`status line does not match ${mode.status}`);
      if (mode.stderr && !st.stderr.some((l) => mode.stderr.test(l)))
        problems.push(`no runtime line matches ${mode.stderr}: ${JSON.stringify(st.stderr.slice(0, 5))}`);
      if (mode.noBundleRun && !st.status.startsWith(`${mode.mode}: `))
        problems.push(`status line does not name the mode '${mode.mode}': ${JSON.stringify(st.status)}`);
      if (a.mode === 'snapshot' && /Linux version/.test(st.output))
        problems.push('the kernel booted: the snapshot was not restored');
      for (const p of mode.zstd || []) {
        if (encodings[p] !== 'zstd')
          problems.push(`${p}: Content-Encoding ${encodings[p]}, want zstd (tools/serve.py had compressed ` +
                        `it; is the zstd program installed? tools/setup installs it)`);
      }
      // A restore needs no kernel: the page must not fetch it; a boot must.
      const kernelStatus = st.files.kernel && st.files.kernel.status;
      if (kernelStatus !== (a.mode === 'snapshot' ? 'off' : 'loaded'))
        problems.push(`kernel download status '${kernelStatus}' in mode ${a.mode}`);
      const t = st.times;
      // A restore is marked when the runtime reports it: after the runtime
      // loaded and the files came, before the prompt (never in a cold boot).
      if (a.mode === 'snapshot' &&
          !(t.restored >= Math.max(t.loaded, t.downloaded) && (!t.prompt || t.restored <= t.prompt)))
        problems.push(`times.restored ${t.restored} not between the runtime/downloads ` +
                      `(${t.loaded}, ${t.downloaded}) and the prompt (${t.prompt})`);
      if (a.mode !== 'snapshot' && t.restored !== undefined)
        problems.push(`times.restored set in mode ${a.mode}`);
      const sizes = Object.entries(st.files).map(([n, f]) => `${n} ${f.status}` +
                                                   (f.bytes ? ` ${f.bytes} B (${f.wire} sent, ${f.encoding})` : ''));
      console.log(`mode ${st.mode}: downloads ${(t.downloaded / 1000).toFixed(2)} s, runtime loaded ` +
                  `${(t.loaded / 1000).toFixed(2)} s, ` +
                  (t.restored ? `restored ${(t.restored / 1000).toFixed(2)} s, ` : '') + `prompt at ` +
                  `${t.prompt ? (t.prompt / 1000).toFixed(2) + ' s' : 'never'} (page clock); ` +
                  `wall ${wall.toFixed(1)} s; ${sizes.join(', ')}`);
      console.log(`status: ${st.status.replace(/\n/g, ' | ')}`);
      if (unameOut !== null)
        console.log(`uname -a: ${unameOut.split('\n')[0]}`);
      if (promptLines === null)
        problems.push(`no prompt; console tail:\n${st.output.slice(-1500)}`);
    }
    if (problems.length) {
      for (const e of pageErrors)
        console.log(`page: ${e}`);
      throw new TestFailure(problems.join('\n'));
    }
    console.log(`ok: demo ${a.mode}`);
  });
}

// demo-MODE.png (the page as it is now) and demo-MODE.log (log) in --out-dir.
async function keepArtefacts(page, a, log) {
  const shot = path.join(a.outDir, `demo-${a.mode}.png`);
  await page.screenshot({path: shot});
  fs.writeFileSync(path.join(a.outDir, `demo-${a.mode}.log`), log);
  console.log(`screenshot: ${shot}`);
}

// A load that must fail: the page's error (kilnDemo.error, the status
// line) matches mode.error, and no boot starts.
async function errorCase(page, mode, a, left, problems) {
  try {
    await page.waitForFunction(() => window.kilnDemo && window.kilnDemo.error, null,
                               {timeout: Math.min(left(), 30000)});
  } catch (e) {
    problems.push(`no error reported (${e.message.split('\n')[0]})`);
  }
  await page.waitForTimeout(1000); // anything that would wrongly follow
  const st = await page.evaluate(() => window.kilnDemo && {
    error: window.kilnDemo.error, output: window.kilnDemo.output,
    status: document.getElementById('status').textContent});
  await keepArtefacts(page, a, st ? `${st.error}\n--- status\n${st.status}\n` : 'no state\n');
  if (!st)
    return problems.push('demo page did not start (window.kilnDemo missing)');
  console.log(`error: ${st.error}`);
  if (!mode.error.test(st.error || ''))
    problems.push(`error ${JSON.stringify(st.error)} does not match ${mode.error}`);
  if (st.status !== `error: ${st.error}`)
    problems.push(`status line ${JSON.stringify(st.status)} does not show the error alone`);
  if (st.output)
    problems.push(`guest output although the runtime did not load: ${JSON.stringify(st.output.slice(0, 200))}`);
}

main().catch((e) => fail(e instanceof TestFailure ? e.message : String((e && e.stack) || e)));
