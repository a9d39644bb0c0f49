#!/usr/bin/env node
// tests/web/smoke.js - browser smoke test of the Web Worker build: serves the
// repo with tools/serve.py, opens runtime/web/smoke.html in headless Debian
// Chromium (playwright-core, pinned in package.json), boots the guest's hello
// workload with the JIT on, and checks: the console shows the hello marker,
// the runtime exits 0, --stats reports JIT executions > 0.  Case 'console'
// boots to the guest's shell instead, types a command and `poweroff` through
// the page's input ring (SharedArrayBuffer) and checks the command's output.
// Saves a screenshot (web-CASE.png) and the console (web-CASE.log) in --out-dir.
//   smoke.js --wasm-build DIR --image FILE --out-dir DIR [--case hello|console]
//            [--timeout S] [--chromium PATH] [--jit-threshold N]
'use strict';
const fs = require('fs');
const path = require('path');

const {ROOT, fail, parseOptions, findRuntime, playwrightChromium, withServedPage} = require('./harness');

function parseArgs(argv) {
  const a = parseOptions(argv, 'smoke.js',
      {wasmBuild: path.join(ROOT, 'build-wasm'), image: null, outDir: '.', timeout: 120,
       chromium: '/usr/bin/chromium', jitThreshold: 100, case: 'hello'},
      {'--wasm-build': 'wasmBuild', '--image': 'image', '--out-dir': 'outDir',
       '--timeout': 'timeout', '--chromium': 'chromium', '--jit-threshold': 'jitThreshold',
       '--case': 'case'});
  a.timeout = Number(a.timeout);
  if (!(a.case in CASES))
    fail(`--case ${a.case}: want one of ${Object.keys(CASES).join(', ')}`);
  return a;
}

class TestFailure extends Error {}

// append: the kernel command line; marker: console text the page waits for;
// typed: [text typed once the marker is there, regexp its output must match].
const CASES = {
  hello: {append: 'console=ttyS0 earlycon=sbi guest.run=hello', marker: 'guest: done hello b554cbb2',
          typed: []},
  console: {append: 'console=ttyS0 earlycon=sbi', marker: 'guest# ',
            typed: [['echo typed in chromium\r', /^typed in chromium\r?$/m],
                    ['poweroff\r', /guest: poweroff/]]},
};

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const runtimeDir = findRuntime(a.wasmBuild);
  if (!a.image || !fs.existsSync(a.image))
    fail(`guest Image not found: ${a.image} (meson option guest_dir)`);
  if (!fs.existsSync(a.chromium))
    fail(`${a.chromium} missing: tools/setup installs Debian's chromium`);
  const chromium = playwrightChromium();
  fs.mkdirSync(a.outDir, {recursive: true});

  const imageDir = path.dirname(path.resolve(a.image));
  await withServedPage({chromium, executablePath: a.chromium, mounts: {'/wasm': runtimeDir, '/guest': imageDir},
                        viewport: {width: 1000, height: 1400}}, async ({page, url: root, pageErrors}) => {
    const q = new URLSearchParams({
      kernel: `/guest/${path.basename(a.image)}`,
      runtime: '/wasm/kiln-worker.js',
      append: CASES[a.case].append,
      opts: `--stats --jit-threshold ${a.jitThreshold}`,
      marker: CASES[a.case].marker,
    });
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
      for (const [text, re] of CASES[a.case].typed) {
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

    const marker = CASES[a.case].marker;
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
      if (st.exited && st.exitCode !== 0)
        problems.push(`exit status ${st.exitCode}`);
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
    console.log(`ok: ${a.case}: guest ran in Chromium (Web Worker build) with the JIT on`);
  });
}

main().catch((e) => fail(e instanceof TestFailure ? e.message : String((e && e.stack) || e)));
