#!/usr/bin/env node
// tools/bench-web.js - the browser demo (runtime/web/demo.html) timed in
// headless Debian Chromium: page load -> shell prompt and bytes transferred,
// per mode; also draws tools/bench's bar chart of those times as a PNG.
// Run by tools/bench (its browser section); usable alone.
//
//   bench-web.js --wasm-build DIR --image FILE --demo-dir DIR [--reps N]
//                [--modes cold,bundle,snapshot] [--timeout S] [--chromium PATH]
//                [--no-warmup] [--no-check] [--no-repeat]
//     Serves the demo like tools/demo (tools/serve.py: gzip, COOP/COEP; DIR
//     holds kiln-worker.js, --demo-dir shell.kbundle.wasm,
//     shell-restore.kbundle.wasm and shell.snap).
//     First one unmeasured load, then every file of every mode requested
//     with gzip and with zstd accepted and the server's background zstd
//     compressions awaited, so each file sits in the server's caches
//     (tools/serve.py compresses each file version once) and the measured
//     loads get what a later visitor gets (zstd in Chromium).  Then for
//     each rep, each mode: a fresh browser context (a first visit: no HTTP
//     cache, no storage), the page with the mode's URL options, the prompt
//     `guest# ` awaited in the terminal, `uname -a` typed and its `Linux ...`
//     line checked, and the mode checked (its bundle executed, its snapshot
//     restored), so a broken boot is an error, never a fast sample.  Then,
//     unless --no-repeat, the same page once more in the same context (a
//     repeat visit: the browser revalidates its cached files, tools/serve.py
//     answers 304 for the unchanged ones), timed and checked the same way.
//     Prints JSON on stdout:
//       {chromium, chromiumArgs, reps, modes: {MODE: {label, query, samples: [s],
//        median, min, max, median_run, runs: [{prompt, scripts, start, downloaded, loaded, requests,
//        command, bytes: {total, files: {CLASS: bytes}}, repeat: {the same
//        for the repeat visit}}]}}}
//     command: seconds from pressing Enter after `uname -a` to the next
//     prompt (polled every 5 ms; not with --no-check).
//     Times are seconds from navigation start, the page's own clock
//     (window.kilnDemo.times: performance.now() when the console output
//     first holds the prompt, i.e. when it is handed to the terminal).
//     Bytes are response headers + body as sent (gzipped), summed over the
//     requests of each file class (FILE_CLASSES).  median_run: the index of
//     the run whose time is the median (the lower one for an even count).
//     Progress goes to stderr; any failure exits 1.  KILN_DEMO_PAGE=PATH
//     (relative to the repository) loads another copy of the page instead
//     of runtime/web/demo.html, e.g. a variant to compare in turns.
//     KILN_CHROMIUM_ARGS='SWITCH ...' launches Chromium with extra switches
//     (tests/web/harness.js), e.g. V8 flags a page cannot set; the JSON's
//     chromiumArgs lists them and stderr warns that the times are not a
//     default browser's.
//
//   bench-web.js --plot OUT.png [--chromium PATH] < CHART.json
//     CHART = {title, subtitle?, unit, bars: [{label, median, min, max,
//     parts?: [{name, value}]}]}: one bar per entry (stacked parts when
//     given, which should add up to median), a min-max whisker and the
//     median written above it; drawn on a canvas in headless Chromium and
//     saved as a PNG.
'use strict';
const fs = require('fs');
const net = require('net');
const path = require('path');

const {ROOT, EXTRA_CHROMIUM_ARGS, fail, findRuntime, playwrightChromium, startServer, launchBrowser,
       watchPageErrors, demoWaitPrompt, demoRunCommand, topChromeRenderers} = require('../tests/web/harness');

// The demo's modes: URL options, the page's name for the mode
// (kilnDemo.mode) and the --demo-dir files it needs.  The bundle and
// snapshot are always mounted; cold mode switches them off in the URL.
const MODES = {
  cold: {query: {bundle: '0', snapshot: '0'}, label: 'cold boot', needs: []},
  bundle: {query: {snapshot: '0'}, label: 'cold boot + bundle', needs: ['shell.kbundle.wasm']},
  snapshot: {query: {}, label: 'snapshot + bundle',
             needs: ['shell-restore.kbundle.wasm', 'shell.snap']},
};

// Request URL path -> file class for the byte counts; the first match
// wins, anything else is 'page' (demo.html/.css/.js, kiln-ring.js,
// xterm.js and its CSS and fit addon).
const FILE_CLASSES = [
  ['kiln-worker.wasm', /\/kiln-worker\.wasm$/],
  ['kiln-worker.js', /\/kiln-worker\.js$/],
  ['Image', /^\/guest\//],
  ['bundle', /\.kbundle\.wasm$/],
  ['snapshot', /\.snap$/],
];
const OTHER_CLASS = 'page';

const VIEWPORT = {width: 1100, height: 900};

function log(msg) {
  process.stderr.write(`bench-web: ${msg}\n`);
}

function parseArgs(argv) {
  const a = {wasmBuild: path.join(ROOT, 'build-wasm'), image: null, demoDir: path.join(ROOT, 'build', 'demo'),
             reps: 5, modes: Object.keys(MODES).join(','), timeout: 60, chromium: '/usr/bin/chromium',
             warmup: true, check: true, repeat: true, plot: null};
  const names = {'--wasm-build': 'wasmBuild', '--image': 'image', '--demo-dir': 'demoDir', '--reps': 'reps',
                 '--modes': 'modes', '--timeout': 'timeout', '--chromium': 'chromium', '--plot': 'plot'};
  const usage = () => fail('usage: bench-web.js [--wasm-build DIR] --image FILE [--demo-dir DIR] [--reps N] ' +
                           '[--modes cold,bundle,snapshot] [--timeout S] [--chromium PATH] [--no-warmup] ' +
                           '[--no-check] [--no-repeat] | --plot OUT.png < CHART.json (see the header of tools/bench-web.js)');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-warmup')
      a.warmup = false;
    else if (argv[i] === '--no-check')
      a.check = false;
    else if (argv[i] === '--no-repeat')
      a.repeat = false;
    else if (argv[i] in names && i + 1 < argv.length)
      a[names[argv[i]]] = argv[++i];
    else
      usage();
  }
  a.reps = Number(a.reps);
  a.timeout = Number(a.timeout);
  a.modes = a.modes.split(',').filter((m) => m);
  if (!(a.reps >= 1) || !(a.timeout > 0))
    usage();
  for (const m of a.modes) {
    if (!(m in MODES))
      fail(`--modes: unknown mode ${m} (want ${Object.keys(MODES).join(', ')})`);
  }
  return a;
}

// URL path (with its query) -> file class.
function fileClass(urlPath) {
  const p = urlPath.split('?')[0];
  const c = FILE_CLASSES.find(([, re]) => re.test(p));
  return c ? c[0] : OTHER_CLASS;
}

// A TCP pass-through in front of tools/serve.py that counts what the
// browser receives: every byte from the server (status line, headers, body
// as sent, so gzipped) is added to the request the connection carries.
// Requests on one connection are sequential (no pipelining), so bytes
// belong to the latest request line seen going the other way.  Why not
// Playwright's request.sizes(): here it reported the kernel and bundle
// fetches as aborted (net::ERR_ABORTED) although they completed, and never
// saw kiln-worker.wasm finish while the worker's thread ran the guest.
// Resolves to {url, take()}: take() returns [{path, bytes}] of the requests
// since the last take() and forgets them.
function startCountingProxy(targetUrl) {
  const target = new URL(targetUrl);
  let records = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    let current = null;
    let carry = ''; // the end of the previous chunk, for a split request line
    client.on('data', (d) => {
      const text = carry + d.toString('latin1');
      const re = /(?:^|\n)(?:GET|HEAD|POST) (\S+) HTTP\/1\.[01]\r?\n/g;
      let m;
      let end = 0;
      while ((m = re.exec(text))) {
        current = {path: m[1], bytes: 0};
        records.push(current);
        end = re.lastIndex;
      }
      carry = text.slice(Math.max(end, text.length - 2048));
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (current)
        current.bytes += d.length;
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      resolve({url: `http://127.0.0.1:${server.address().port}/`,
               take() {
                 const r = records;
                 records = [];
                 return r;
               }});
    });
  });
}

// One page load in a fresh context, through proxy.  Resolves to {prompt,
// downloaded, loaded (s), requests, bytes: {total, files}}; throws an Error
// saying what went wrong (no prompt, wrong mode, bad `uname -a`).
async function loadOnce(browser, proxy, image, mode, a) {
  proxy.take(); // forget earlier contexts' requests
  const context = await browser.newContext({viewport: VIEWPORT});
  try {
    const page = await context.newPage();
    const pageErrors = watchPageErrors(page);
    const r = await visit(page, pageErrors, proxy, image, mode, a);
    if (a.repeat) // the same page again in this context: its HTTP cache revalidated
      r.repeat = await visit(page, pageErrors, proxy, image, mode, a);
    return r;
  } finally {
    await context.close().catch(() => {});
  }
}

// One visit of the demo page in mode (page: a tab of the load's context);
// resolves to its times, first command and bytes (see the header).
async function visit(page, pageErrors, proxy, image, mode, a) {
  const m = MODES[mode];
  const q = new URLSearchParams({kernel: `/guest/${path.basename(image)}`, ...m.query});
  const deadline = Date.now() + a.timeout * 1000;
  const left = () => Math.max(1, deadline - Date.now());
  await page.goto(`${proxy.url}${process.env.KILN_DEMO_PAGE || "runtime/web/demo.html"}?${q}`, {timeout: left()});
  const state = () => page.evaluate(() => {
    const d = window.kilnDemo;
    return d && {mode: d.mode, times: d.times, error: d.error, exited: d.exited, stats: d.stats,
                 output: d.output, coi: d.crossOriginIsolated};
  });
  const problem = async (what) => {
    const st = await state().catch(() => null);
    const tail = st ? st.output.slice(-800) : '(no page state)';
    return new Error(`${mode}: ${what}` + (pageErrors.length ? `\npage: ${pageErrors.join('\npage: ')}` : '') +
                     `\nconsole tail:\n${tail}`);
  };
  try {
    await demoWaitPrompt(page, left());
  } catch {
    throw await problem(`no prompt within ${a.timeout} s`);
  }
  let st = await state();
  if (st.error || st.exited)
    throw await problem(st.error ? `page error: ${st.error}` : 'the runtime exited');
  if (st.mode !== m.label)
    throw await problem(`page mode '${st.mode}', want '${m.label}' (bundle/snapshot missing?)`);
  if (!st.coi)
    throw await problem('page not cross-origin isolated (no console input)');
  if (mode === 'snapshot' && /Linux version/.test(st.output))
    throw await problem('the kernel booted: the snapshot was not restored');
  // the first command typed at the prompt, Enter to the next prompt
  const command = {pollMs: 5};
  if (a.check) {
    const out = await demoRunCommand(page, 'uname -a', left(), command).catch(() => null);
    if (out === null || !/^Linux \S+ .*riscv64$/m.test(out))
      throw await problem(`uname -a did not print 'Linux ... riscv64': ${JSON.stringify(out)}`);
    if (m.needs.some((f) => f.endsWith('.kbundle.wasm'))) {
      // Live counters arrive every 500 ms: wait for one showing bundle use.
      await page.waitForFunction(() => {
        const s = window.kilnDemo.stats;
        return s && s.execBundle > 0;
      }, null, {timeout: left(), polling: 100}).catch(() => null);
      st = await state();
      if (!(st.stats && st.stats.execBundle > 0))
        throw await problem(`bundle not used: ${JSON.stringify(st.stats)}`);
    }
  }
  // The guest files and the worker's own (fetched while they download)
  // are all in before the guest starts, so nothing is still on its way.
  const reqs = proxy.take();
  const files = {};
  let total = 0;
  for (const r of reqs) {
    const c = fileClass(r.path);
    files[c] = (files[c] || 0) + r.bytes;
    total += r.bytes;
  }
  const t = st.times;
  const topChrome = topChromeRenderers(); // while the page is open
  return {topChrome, prompt: t.prompt / 1000, start: t.start / 1000, scripts: t.scripts / 1000,
          downloaded: t.downloaded / 1000, loaded: t.loaded / 1000,
          ...(t.restored ? {restored: t.restored / 1000} : {}),
          ...(command.seconds !== undefined ? {command: command.seconds} : {}),
          requests: reqs.length, bytes: {total, files}};
}

function median(v) {
  const s = [...v].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

async function bench(a) {
  const runtimeDir = findRuntime(a.wasmBuild);
  if (!a.image || !fs.existsSync(a.image))
    fail(`guest Image not found: ${a.image} (--image)`);
  for (const mode of a.modes) {
    for (const f of MODES[mode].needs) {
      if (!fs.existsSync(path.join(a.demoDir, f)))
        fail(`mode ${mode} needs ${f} in --demo-dir ${a.demoDir} (tools/demo or tools/demo-files makes it)`);
    }
  }
  if (!fs.existsSync(a.chromium))
    fail(`${a.chromium} missing: tools/setup installs Debian's chromium`);
  if (!fs.existsSync(path.join(ROOT, 'node_modules', 'xterm', 'lib', 'xterm.js')))
    fail(`node_modules/xterm missing: run tools/setup (npm ci in ${ROOT})`);
  const chromium = playwrightChromium();
  const server = await startServer({'/wasm': runtimeDir, '/guest': path.dirname(path.resolve(a.image)),
                                    '/demo': path.resolve(a.demoDir)});
  const proxy = await startCountingProxy(server.url);
  let browser = null;
  try {
    browser = await launchBrowser(chromium, a.chromium);
    if (EXTRA_CHROMIUM_ARGS.length)
      log(`warning: Chromium runs with extra switches (KILN_CHROMIUM_ARGS): ${EXTRA_CHROMIUM_ARGS.join(' ')}; ` +
          `these are not a default browser's times`);
    const out = {chromium: browser.version(), chromiumArgs: EXTRA_CHROMIUM_ARGS, reps: a.reps,
                 image: path.resolve(a.image), wasm: runtimeDir, demo: path.resolve(a.demoDir), modes: {}};
    if (a.warmup) {
      // The mode that fetches most files (the snapshot one fetches them all).
      const w = a.modes.includes('snapshot') ? 'snapshot' : a.modes[a.modes.length - 1];
      const r = await loadOnce(browser, proxy, a.image, w, a);
      log(`warm-up (${w}, not counted): prompt ${r.prompt.toFixed(2)} s`);
      await server.warm([`/guest/${path.basename(a.image)}`, '/wasm/kiln-worker.js', '/wasm/kiln-worker.wasm',
                         ...Object.values(MODES).flatMap((m) => m.needs.map((f) => `/demo/${f}`))]);
      const n = r.topChrome;
      if (n)
        log(`warning: ${n} top-chrome WebUI renderer(s) running beside the pages (each new window's ` +
            `omnibox popup, ~0.5 s of CPU per load here): DISABLED_FEATURES in tests/web/harness.js no ` +
            `longer keeps them out of this Chromium; the times below include them`);
    }
    for (const mode of a.modes)
      out.modes[mode] = {label: MODES[mode].label, query: MODES[mode].query, runs: []};
    // Modes interleaved within each rep, so slow phases of a noisy host
    // spread over all of them.
    for (let rep = 0; rep < a.reps; rep++) {
      for (const mode of a.modes) {
        const r = await loadOnce(browser, proxy, a.image, mode, a);
        log(`${mode} ${rep + 1}/${a.reps}: prompt ${r.prompt.toFixed(2)} s (scripts ${r.scripts.toFixed(2)} s, page ready ${r.start.toFixed(2)} s, downloads ${r.downloaded.toFixed(2)} s, ` +
            `runtime ${r.loaded.toFixed(2)} s${r.restored ? `, restored ${r.restored.toFixed(2)} s` : ''}), ${(r.bytes.total / 1e6).toFixed(2)} MB in ${r.requests} requests` +
            (r.repeat ? `; repeat visit: prompt ${r.repeat.prompt.toFixed(2)} s, ${(r.repeat.bytes.total / 1e6).toFixed(3)} MB` : ''));
        out.modes[mode].runs.push(r);
      }
    }
    for (const mode of a.modes) {
      const o = out.modes[mode];
      o.samples = o.runs.map((r) => r.prompt);
      o.median = median(o.samples);
      o.min = Math.min(...o.samples);
      o.max = Math.max(...o.samples);
      const order = o.samples.map((s, i) => [s, i]).sort((x, y) => x[0] - y[0]);
      o.median_run = order[(order.length - 1) >> 1][1];
    }
    process.stdout.write(JSON.stringify(out, null, 1) + '\n');
  } finally {
    if (browser)
      await browser.close().catch(() => {});
    server.proc.kill();
  }
}

// --- the plot ----------------------------------------------------------------

// Runs in the page: draws chart on a new canvas of w x h CSS pixels.
function drawChart(chart, w, h) {
  const PART_COLORS = ['#6baed6', '#fdae6b', '#74c476', '#9e9ac8', '#bdbdbd'];
  const canvas = document.createElement('canvas');
  const dpr = window.devicePixelRatio || 1;
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  document.body.appendChild(canvas);
  const g = canvas.getContext('2d');
  g.scale(dpr, dpr);
  g.fillStyle = '#fff';
  g.fillRect(0, 0, w, h);
  const font = (px, bold) => `${bold ? 'bold ' : ''}${px}px "DejaVu Sans", Arial, sans-serif`;

  g.fillStyle = '#222';
  g.textAlign = 'center';
  g.font = font(20, true);
  g.fillText(chart.title, w / 2, 30);
  if (chart.subtitle) {
    g.font = font(13);
    g.fillStyle = '#555';
    g.fillText(chart.subtitle, w / 2, 50);
  }

  // Part names in order of first appearance: one colour and legend entry each.
  const partNames = [];
  for (const b of chart.bars)
    for (const p of b.parts || [])
      if (!partNames.includes(p.name))
        partNames.push(p.name);
  const color = (name) => PART_COLORS[partNames.indexOf(name) % PART_COLORS.length];

  const plot = {left: 70, right: w - 20, top: 80, bottom: h - 100};
  const top = Math.max(...chart.bars.map((b) => Math.max(b.max, b.median))) * 1.15;
  const raw = top / 5;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw);
  const yMax = Math.ceil(top / step) * step;
  const y = (v) => plot.bottom - (v / yMax) * (plot.bottom - plot.top);

  // Grid, y ticks and axis title.
  g.font = font(12);
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let v = 0; v <= yMax + step / 2; v += step) {
    g.strokeStyle = v === 0 ? '#333' : '#e3e3e3';
    g.beginPath();
    g.moveTo(plot.left, y(v));
    g.lineTo(plot.right, y(v));
    g.stroke();
    g.fillStyle = '#333';
    g.fillText(String(+v.toFixed(3)), plot.left - 8, y(v));
  }
  g.save();
  g.translate(20, (plot.top + plot.bottom) / 2);
  g.rotate(-Math.PI / 2);
  g.textAlign = 'center';
  g.font = font(13);
  g.fillText(chart.unit, 0, 0);
  g.restore();

  // Bars: stacked parts (or one plain bar), whisker, value, label.
  const slot = (plot.right - plot.left) / chart.bars.length;
  const bw = Math.min(120, slot * 0.55);
  chart.bars.forEach((b, i) => {
    const cx = plot.left + slot * (i + 0.5);
    const parts = b.parts && b.parts.length ? b.parts : [{name: null, value: b.median}];
    let acc = 0;
    for (const p of parts) {
      g.fillStyle = p.name === null ? '#888' : color(p.name);
      g.fillRect(cx - bw / 2, y(acc + p.value), bw, y(acc) - y(acc + p.value));
      acc += p.value;
    }
    g.strokeStyle = '#222';
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(cx, y(b.min));
    g.lineTo(cx, y(b.max));
    for (const v of [b.min, b.max]) {
      g.moveTo(cx - 10, y(v));
      g.lineTo(cx + 10, y(v));
    }
    g.stroke();
    g.lineWidth = 1;
    g.fillStyle = '#111';
    g.textAlign = 'center';
    g.textBaseline = 'alphabetic';
    g.font = font(14, true);
    g.fillText(`${b.median.toFixed(2)} ${chart.unitShort || ''}`.trim(), cx, y(Math.max(b.max, b.median)) - 8);
    g.font = font(13);
    g.textBaseline = 'top';
    b.label.split('\n').forEach((line, k) => g.fillText(line, cx, plot.bottom + 8 + k * 16));
  });

  // Legend under the labels, wrapping onto a second row when needed.
  g.font = font(12);
  g.textAlign = 'left';
  g.textBaseline = 'middle';
  const items = partNames.map((name) => ({name, swatch: color(name)}));
  items.push({name: 'min-max of the runs', swatch: null});
  let lx = plot.left;
  let ly = plot.bottom + 52;
  for (const it of items) {
    const wItem = 17 + g.measureText(it.name).width + 22;
    if (lx + wItem > plot.right && lx > plot.left) {
      lx = plot.left;
      ly += 18;
    }
    if (it.swatch) {
      g.fillStyle = it.swatch;
      g.fillRect(lx, ly - 6, 12, 12);
    } else {
      g.strokeStyle = '#222';
      g.lineWidth = 1.5;
      g.beginPath();
      g.moveTo(lx + 6, ly - 7);
      g.lineTo(lx + 6, ly + 7);
      g.moveTo(lx + 1, ly - 7);
      g.lineTo(lx + 11, ly - 7);
      g.moveTo(lx + 1, ly + 7);
      g.lineTo(lx + 11, ly + 7);
      g.stroke();
      g.lineWidth = 1;
    }
    g.fillStyle = '#333';
    g.fillText(it.name, lx + 17, ly);
    lx += wItem;
  }
}

async function plotChart(a) {
  const chart = JSON.parse(fs.readFileSync(0, 'utf8'));
  if (!chart || !Array.isArray(chart.bars) || !chart.bars.length)
    fail('--plot: stdin must be a chart {title, unit, bars: [{label, median, min, max}]}');
  if (!fs.existsSync(a.chromium))
    fail(`${a.chromium} missing: tools/setup installs Debian's chromium`);
  const browser = await launchBrowser(playwrightChromium(), a.chromium);
  try {
    const [w, h] = [900, 520];
    const context = await browser.newContext({viewport: {width: w, height: h}, deviceScaleFactor: 2});
    const page = await context.newPage();
    await page.setContent('<!DOCTYPE html><body style="margin:0"></body>');
    await page.evaluate(`(${drawChart})(${JSON.stringify(chart)}, ${w}, ${h})`);
    fs.mkdirSync(path.dirname(path.resolve(a.plot)), {recursive: true});
    await page.locator('canvas').screenshot({path: a.plot});
    log(`plot: ${a.plot}`);
  } finally {
    await browser.close().catch(() => {});
  }
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (a.plot)
    await plotChart(a);
  else
    await bench(a);
}

main().catch((e) => {
  process.stderr.write(`bench-web: ${(e && e.message) || e}\n`);
  process.exit(1);
});
