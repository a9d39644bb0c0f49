#!/usr/bin/env node
// tests/web/smoke.js - browser smoke test of the Web Worker build: serves the
// repo with tools/serve.py, opens runtime/web/smoke.html in headless Debian
// Chromium (playwright-core, pinned in package.json), boots the guest's hello
// workload with the JIT on, and checks: the console shows the hello marker,
// the runtime exits 0, --stats reports JIT executions > 0.  Case 'console'
// boots to the guest's shell instead, types a command and `poweroff` through
// the page's input ring (SharedArrayBuffer) and checks the command's output.
// Case 'restore' resumes in the page a deterministic snapshot that native
// kiln (--kiln) took of the bench-int workload at 'guest: init started':
// the page's console must be the native run's output after that point,
// byte for byte, with the same exit status (docs/snapshot-format.md).
// Saves a screenshot (web-CASE.png) and the console (web-CASE.log) in --out-dir.
//   smoke.js --wasm-build DIR --image FILE --out-dir DIR [--case hello|console|restore]
//            [--timeout S] [--chromium PATH] [--jit-threshold N] [--kiln FILE]
'use strict';
const fs = require('fs');
const path = require('path');
const {spawnSync} = require('child_process');

const {ROOT, fail, parseOptions, findRuntime, playwrightChromium, withServedPage} = require('./harness');

function parseArgs(argv) {
  const a = parseOptions(argv, 'smoke.js',
      {wasmBuild: path.join(ROOT, 'build-wasm'), image: null, outDir: '.', timeout: 120,
       chromium: '/usr/bin/chromium', jitThreshold: 100, case: 'hello', kiln: null},
      {'--wasm-build': 'wasmBuild', '--image': 'image', '--out-dir': 'outDir',
       '--timeout': 'timeout', '--chromium': 'chromium', '--jit-threshold': 'jitThreshold',
       '--case': 'case', '--kiln': 'kiln'});
  a.timeout = Number(a.timeout);
  if (!(a.case in CASES))
    fail(`--case ${a.case}: want one of ${Object.keys(CASES).join(', ')}`);
  return a;
}

class TestFailure extends Error {}

// append: the kernel command line; marker: console text the page waits for;
// typed: [text typed once the marker is there, regexp its output must match];
// snapshotAt: resume a native snapshot taken at this console text instead.
const CASES = {
  hello: {append: 'console=ttyS0 earlycon=sbi guest.run=hello', marker: 'guest: done hello b554cbb2',
          typed: []},
  console: {append: 'console=ttyS0 earlycon=sbi', marker: 'guest# ',
            typed: [['echo typed in chromium\r', /^typed in chromium\r?$/m],
                    ['poweroff\r', /guest: poweroff/]]},
  restore: {append: 'console=ttyS0 earlycon=sbi guest.run=bench-int guest.scale=1',
            marker: 'guest: done bench-int', typed: [], snapshotAt: 'guest: init started'},
};

// The native run of a restore case: a deterministic boot that writes the
// snapshot file snap at c.snapshotAt and runs on to the end.  Returns its
// console bytes and exit status.
function nativeRun(a, c, snap) {
  if (!a.kiln || !fs.existsSync(a.kiln))
    fail(`case ${a.case} needs --kiln (the native build's kiln), got ${a.kiln}`);
  const r = spawnSync(a.kiln, ['run', '--deterministic', '--kernel', a.image, '--append', c.append,
                               '--snapshot-at', c.snapshotAt, '--snapshot', snap],
                      {maxBuffer: 1 << 26, timeout: a.timeout * 1000});
  if (r.error || r.status === null || !fs.existsSync(snap))
    fail(`native snapshot run failed (${r.error || 'status ' + r.status}): ${r.stderr}`);
  console.log(`native: exit ${r.status}, ${r.stdout.length} console bytes, snapshot ${snap}`);
  return {out: r.stdout, status: r.status};
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const runtimeDir = findRuntime(a.wasmBuild);
  if (!a.image || !fs.existsSync(a.image))
    fail(`guest Image not found: ${a.image} (meson option guest_dir)`);
  if (!fs.existsSync(a.chromium))
    fail(`${a.chromium} missing: tools/setup installs Debian's chromium`);
  const chromium = playwrightChromium();
  fs.mkdirSync(a.outDir, {recursive: true});

  const c = CASES[a.case];
  const snap = path.resolve(a.outDir, `web-${a.case}.snap`);
  const native = c.snapshotAt ? nativeRun(a, c, snap) : null;
  const imageDir = path.dirname(path.resolve(a.image));
  const mounts = {'/wasm': runtimeDir, '/guest': imageDir};
  if (native)
    mounts['/snap'] = path.dirname(snap);
  await withServedPage({chromium, executablePath: a.chromium, mounts,
                        viewport: {width: 1000, height: 1400}}, async ({page, url: root, pageErrors}) => {
    const q = new URLSearchParams({
      kernel: `/guest/${path.basename(a.image)}`,
      runtime: '/wasm/kiln-worker.js',
      append: c.append,
      opts: `--stats --jit-threshold ${a.jitThreshold}`,
      marker: c.marker,
    });
    if (native)
      q.set('restore', `/snap/${path.basename(snap)}`);
    const url = `${root}runtime/web/smoke.html?${q}`;
    console.log(`loading ${url}`);
    const t0 = Date.now();
    await page.goto(url);
    const deadline = t0 + a.timeout * 1000;
    let waitError = null;
    const problems = [];
    try {
      // The marker (or the end), then each typed command's output.
      await page.waitForFunction(() => window.kilnSmoke &&
                                       (window.kilnSmoke.done || window.kilnSmoke.exited ||
                                        window.kilnSmoke.error),
                                 null, {timeout: deadline - Date.now(), polling: 100});
      for (const [text, re] of c.typed) {
        const from = await page.evaluate(() => window.kilnSmoke.output.length);
        const queued = await page.evaluate((t) => window.kilnSmoke.input(t), text);
        if (queued !== text.length)
          problems.push(`typing ${JSON.stringify(text)}: ${queued} of ${text.length} bytes queued`);
        await page.waitForFunction(([from, src, flags]) =>
                                       new RegExp(src, flags).test(window.kilnSmoke.output.slice(from)) ||
                                       window.kilnSmoke.exited || window.kilnSmoke.error,
                                   [from, re.source, re.flags],
                                   {timeout: Math.max(1, deadline - Date.now()), polling: 100});
        const got = await page.evaluate((f) => window.kilnSmoke.output.slice(f), from);
        if (!re.test(got))
          problems.push(`typed ${JSON.stringify(text)}: output does not match ${re}: ${JSON.stringify(got)}`);
      }
      await page.waitForFunction(() => window.kilnSmoke.exited || window.kilnSmoke.error,
                                 null, {timeout: Math.max(1, deadline - Date.now()), polling: 100});
    } catch (e) {
      waitError = e;
    }
    const st = await page.evaluate(() => window.kilnSmoke);
    const wall = (Date.now() - t0) / 1000;
    const shot = path.join(a.outDir, `web-${a.case}.png`);
    await page.screenshot({path: shot, fullPage: true});
    fs.writeFileSync(path.join(a.outDir, `web-${a.case}.log`),
                     (st ? st.output + '\n--- stderr\n' + st.stderr.join('\n') + '\n' : 'no state\n'));
    console.log(`screenshot: ${shot}`);

    const marker = c.marker;
    if (!st)
      problems.push('smoke page did not start (window.kilnSmoke missing)');
    else {
      if (!st.crossOriginIsolated)
        problems.push('page is not cross-origin isolated (COOP/COEP headers missing?)');
      if (waitError)
        problems.push(`runtime did not finish within ${a.timeout} s (${waitError.message.split('\n')[0]})`);
      if (st.error)
        problems.push(`page error: ${st.error}`);
      if (!st.output.includes(marker))
        problems.push(`console lacks '${marker}'; tail:\n${st.output.slice(-1500)}`);
      if (st.exited && st.exitCode !== (native ? native.status : 0))
        problems.push(`exit status ${st.exitCode}`);
      if (native) {
        // The page decodes the console as UTF-8 (TextDecoder), so the native bytes too.
        const full = new TextDecoder().decode(native.out);
        const at = full.indexOf(c.snapshotAt);
        if (!st.stderr.some((l) => l.startsWith('kiln: restored ')))
          problems.push('no "kiln: restored" line from the runtime');
        if (!st.output || !full.endsWith(st.output))
          problems.push(`restored output is not the native run's tail; page:\n` +
                        `${JSON.stringify(st.output.slice(0, 300))}\nnative tail:\n` +
                        `${JSON.stringify(full.slice(-300))}`);
        else if (at < 0 || full.length - st.output.length < at + c.snapshotAt.length)
          problems.push(`restored output starts before the end of '${c.snapshotAt}'`);
        else
          console.log(`restore: ${st.output.length} console characters identical to the native ` +
                      `run's from character ${full.length - st.output.length}`);
      }
      const tiers = st.stderr.map((l) => /tiers: tci executions (\d+), jit executions (\d+)/.exec(l))
                        .find((m) => m);
      if (!tiers)
        problems.push('--stats output lacks the tiers line');
      else if (Number(tiers[2]) <= 0)
        problems.push(`JIT did not run: ${tiers[0]}`);
      const t = st.times;
      console.log(`kernel fetched ${(t.fetched / 1000).toFixed(2)} s, runtime loaded ` +
                  `${(t.loaded / 1000).toFixed(2)} s, '${marker}' at ` +
                  `${t.done ? (t.done / 1000).toFixed(2) + ' s' : 'never'}, exit at ` +
                  `${t.exit ? (t.exit / 1000).toFixed(2) + ' s' : 'never'} (page clock); wall ${wall.toFixed(1)} s`);
      for (const l of st.stderr)
        console.log(`  ${l}`);
    }
    if (problems.length) {
      for (const e of pageErrors)
        console.log(`page: ${e}`);
      throw new TestFailure(problems.join('\n')); // reported after cleanup
    }
    console.log(`ok: ${a.case}: guest ran in Chromium (Web Worker build) with the JIT on` +
                (native ? ', resumed from a native snapshot' : ''));
  });
}

main().catch((e) => fail(e instanceof TestFailure ? e.message : String((e && e.stack) || e)));
