// demo.js - drives demo.html: downloads the kernel, the AOT bundle and the VM
// snapshot (progress bars), starts the runtime worker (kiln-worker.js),
// wires the xterm.js terminal to the guest console (output from the worker,
// keystrokes into the SharedArrayBuffer ring) and shows a live status line
// (blocks per tier, guest MIPS) from the worker's 'stats' messages.
// URL options:
//   bundle=0     no AOT bundle (bundle=URL: another one; default: with a
//                snapshot /demo/shell-restore.kbundle.wasm, compiled code
//                and TCI images of the blocks that ran after the snapshot
//                point, else /demo/shell.kbundle.wasm, which carries TCI
//                images of the boot's cold blocks too: ~0.8 MB more,
//                useful only to a boot)
//   snapshot=0   cold boot, no snapshot restore (snapshot=URL: another one)
//   append=STR   kernel command line (default: console=ttyS0 earlycon=sbi)
//   kernel=URL   guest Image (default /guest/Image, tools/serve.py's mount)
//   runtime=URL  kiln-worker.js (default /wasm/kiln-worker.js, tools/demo's mount)
//   opts=STR     extra kiln options, space separated (e.g. --jit-threshold 100)
// A bundle or snapshot that is not there (HTTP 404: not built yet) is left
// out and the status line says so.  With a snapshot the kernel is not
// downloaded at all (RAM in the snapshot holds the guest; the runtime checks
// the bundle against the guest image the snapshot records); it is fetched
// only if the snapshot turns out to be missing (cold boot), or if the runtime
// refuses it (a corrupt or mismatched snapshot: it exits before any prompt,
// naming the problem), in which case the page cold-boots with a new worker.  window.kilnDemo keeps state and timings
// (ms since navigation start) for tests and tools/bench.
'use strict';
(function() {
  const scriptsAt = performance.now(); // xterm.js and this script loaded
  const PROMPT = 'guest# ';
  // The URL options, the runtime worker and the downloads, started by
  // demo-early.js before the page loaded its terminal.
  const early = window.kilnEarly;
  const {kernelUrl, runtimeUrl, snapshotUrl, bundleUrl, append, opts} = early.options;

  const state = window.kilnDemo = {
    output: '',     // guest console text so far
    stderr: [],     // the runtime's own lines (warnings, --stats)
    stats: null,    // latest live counters (kiln-worker-main.js 'stats')
    mips: 0,        // guest MIPS over the last stats period (0 when idle)
    peakMips: 0,
    files: {},      // kernel|bundle|snapshot -> {status: 'off'|'absent'|'loaded'|'failed', bytes, wire}
    mode: null,     // 'cold boot' | 'cold boot + bundle' | 'snapshot' | 'snapshot + bundle'
    times: {},      // ms since navigation start: scripts, start, downloaded, loaded, restored (snapshot), prompt, exit
    prompt: false, exited: false, exitCode: null, error: null,
    crossOriginIsolated: self.crossOriginIsolated,
    term: null,     // the xterm.js Terminal
    input: null,    // (string) -> bytes queued, once the worker runs
    // The terminal's text, one string per line (xterm's buffer).
    screen() {
      const buf = state.term.buffer.active;
      const lines = [];
      for (let i = 0; i < buf.length; i++)
        lines.push(buf.getLine(i).translateToString(true));
      return lines;
    },
  };

  const statusEl = document.getElementById('status');
  const modeEl = document.getElementById('mode');
  const logEl = document.getElementById('log');
  let statusNote = 'loading'; // first status line (phase); counters follow

  function renderStatus() {
    let s = statusNote;
    const st = state.stats;
    if (st) {
      s += `\nblocks executed: TCI ${fmtCount(st.execTci)} ` +
           `(${fmtCount(st.execBundleTci)} from bundle images) · JIT ${fmtCount(st.execJit)} · ` +
           `bundle ${fmtCount(st.execBundle)} | translated ${fmtCount(st.tbsTranslated)} | ` +
           `guest ${fmtCount(st.insns)} insns, ${state.mips.toFixed(1)} MIPS ` +
           `(peak ${state.peakMips.toFixed(1)})`;
    }
    statusEl.textContent = s;
  }
  function status(s) {
    if (state.error)
      return; // the error stays on screen
    statusNote = s;
    renderStatus();
  }
  function fail(message) {
    if (state.error)
      return; // the first error is the cause
    status('error: ' + message);
    state.error = message;
    statusEl.classList.add('error');
    document.title = 'kiln demo: error';
  }
  // An error whose message says it all (e.clear), or anything else with its
  // stack: the page's one error line.
  function clearError(message) {
    return Object.assign(new Error(message), {clear: true});
  }
  function reportError(e) {
    fail(e && e.clear ? e.message : String((e && e.stack) || e));
  }
  function log(line) {
    logEl.textContent += line + '\n';
  }
  function fmtCount(n) {
    if (n >= 1e9)
      return (n / 1e9).toFixed(2) + 'G';
    if (n >= 1e6)
      return (n / 1e6).toFixed(2) + 'M';
    if (n >= 1e4)
      return (n / 1e3).toFixed(1) + 'k';
    return String(n);
  }
  function fmtBytes(n) {
    return n >= 1e6 ? (n / 1e6).toFixed(2) + ' MB' : (n / 1e3).toFixed(0) + ' kB';
  }
  const secs = (ms) => (ms / 1000).toFixed(2) + ' s';

  // --- downloads -----------------------------------------------------------
  function bar(name) {
    const el = document.getElementById('dl-' + name);
    return {
      el,
      progress: el.querySelector('progress'),
      info: el.querySelector('.info'),
      set(cls, text, frac) {
        el.className = 'dl ' + cls;
        this.info.textContent = text;
        this.info.title = text;
        if (frac === null)
          this.progress.removeAttribute('value'); // indeterminate
        else
          this.progress.value = frac;
      },
    };
  }

  // Fetches url into an ArrayBuffer, updating bar name as bytes arrive;
  // response: the promise of a fetch(url) started earlier, if there is one.
  // The total is the uncompressed size: tools/serve.py's X-Kiln-Length when
  // the response is gzipped (the reader yields decompressed bytes), else
  // Content-Length.  optional: a 404 resolves to null (file not built).
  async function download(name, url, optional, response) {
    const b = bar(name);
    const file = state.files[name] = {status: 'loading', url, bytes: 0, wire: 0};
    b.set('loading', 'connecting', 0);
    const resp = await (response || fetch(url));
    if (!resp.ok) {
      if (optional && resp.status === 404) {
        file.status = 'absent';
        b.set('absent', 'not built', 0);
        return null;
      }
      file.status = 'failed';
      b.set('failed', `HTTP ${resp.status}`, 0);
      throw clearError(`fetching ${url}: HTTP ${resp.status}`);
    }
    const h = resp.headers;
    file.encoding = h.get('Content-Encoding') || 'identity';
    const total = Number(h.get('X-Kiln-Length') || (h.get('Content-Encoding') ? 0 : h.get('Content-Length')) || 0);
    const reader = resp.body.getReader();
    const chunks = [];
    let got = 0;
    for (;;) {
      const {done, value} = await reader.read();
      if (done)
        break;
      chunks.push(value);
      got += value.length;
      b.set('loading', total ? `${fmtBytes(got)} / ${fmtBytes(total)}` : fmtBytes(got),
            total ? Math.min(1, got / total) : null);
    }
    const data = new Uint8Array(got);
    let off = 0;
    for (const c of chunks) {
      data.set(c, off);
      off += c.length;
    }
    // Bytes on the wire: the resource timing entry once there, else the
    // compressed Content-Length, else the body size.
    const entry = performance.getEntriesByName(new URL(url, location.href).href).pop();
    const clen = Number(h.get('Content-Length') || 0);
    file.status = 'loaded';
    file.bytes = got;
    file.wire = entry && entry.encodedBodySize ? entry.encodedBodySize : clen || got;
    file.ms = performance.now();
    const gz = file.wire < got ? ` (${fmtBytes(file.wire)} sent)` : '';
    b.set('loaded', `${fmtBytes(got)}${gz}`, 1);
    return data.buffer;
  }

  function skip(name, why) {
    state.files[name] = {status: 'off'};
    bar(name).set('off', why, 0);
    return Promise.resolve(null);
  }

  // --- terminal --------------------------------------------------------------
  const term = state.term = new Terminal({
    cursorBlink: true, fontSize: 14, scrollback: 5000, convertEol: false,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
    theme: {background: '#000000'},
  });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(document.getElementById('terminal'));
  fit.fit();
  window.addEventListener('resize', () => fit.fit());
  term.focus();

  const ring = early.ring;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let pendingInput = []; // typed before the worker runs, sent at start
  state.input = (s) => {
    const bytes = encoder.encode(s);
    return ring ? ring.write(bytes) : 0;
  };
  term.onData((s) => {
    if (!ring)
      return;
    if (!state.running) {
      pendingInput.push(s);
      return;
    }
    state.input(s);
  });

  // --- the run ---------------------------------------------------------------
  async function main() {
    state.times.scripts = scriptsAt;
    state.times.start = performance.now(); // ... and the terminal made
    if (!self.crossOriginIsolated)
      log('page is not cross-origin isolated (COOP/COEP headers missing): no keyboard input');
    // The runtime loads (fetch, compile, initialise) while the guest files
    // download, both since demo-early.js; 'start' below then only adds the
    // files and runs.
    worker = early.worker;
    early.listen(onWorkerMessage);
    status('downloading');
    const r = early.responses;
    const files = await Promise.all([
      snapshotUrl ? null : download('kernel', kernelUrl, false, r.kernel),
      bundleUrl ? download('bundle', bundleUrl, true, r.bundle) : skip('bundle', 'off (?bundle=0)'),
      snapshotUrl ? download('snapshot', snapshotUrl, true, r.snapshot) : skip('snapshot', 'off (?snapshot=0)'),
    ]);
    if (state.error)
      return; // e.g. the runtime could not load: nothing to start
    [kernel, bundle, snapshot] = files;
    if (snapshot)
      skip('kernel', 'not needed: restoring the snapshot');
    else if (!kernel)
      kernel = await download('kernel', kernelUrl, false); // no snapshot after all: cold boot
    state.times.downloaded = performance.now();
    startRun();
  }

  // A worker that loads the runtime now (after a refused snapshot: the
  // first one is demo-early.js's); its messages go to onWorkerMessage.
  function newWorker() {
    worker = new Worker(runtimeUrl);
    worker.onerror = (e) => fail(early.workerError(runtimeUrl, e));
    worker.onmessage = (ev) => onWorkerMessage(ev.data, performance.now());
    worker.postMessage({type: 'load', input: ring ? ring.buffer : undefined});
  }

  // Where a downloaded file goes in the worker's MEMFS: its URL's path, so
  // the runtime's messages about it name what the page was given.
  function memfsPath(url) {
    return decodeURIComponent(new URL(url, location.href).pathname);
  }

  // Starts the guest in the worker with the files downloaded so far.
  function startRun() {
    // A restore takes the command line and image identity from the snapshot.
    const kernelPath = memfsPath(kernelUrl);
    const args = snapshot ? ['--stats'] : ['--kernel', kernelPath, '--append', append, '--stats'];
    const files = [];
    const transfer = [];
    if (kernel) {
      files.push({path: kernelPath, data: kernel});
      transfer.push(kernel);
    }
    if (bundle) {
      // Transferred, so a cold-boot fallback after a refused snapshot
      // needs its own copy.
      files.push({path: memfsPath(bundleUrl), data: bundle});
      if (snapshot)
        bundleSpare = bundle.slice(0);
      transfer.push(bundle);
      args.push('--bundle', memfsPath(bundleUrl));
    }
    if (snapshot) {
      files.push({path: memfsPath(snapshotUrl), data: snapshot});
      transfer.push(snapshot);
      args.push('--restore', memfsPath(snapshotUrl));
    }
    args.push(...opts);
    state.args = args;
    missing = [];
    for (const n of ['bundle', 'snapshot'])
      if (state.files[n].status === 'absent')
        missing.push(`no ${n}: not built`);
      else if (state.files[n].status === 'off')
        missing.push(`${n} off`);
    showMode();
    worker.postMessage({type: 'start', args, files}, transfer);
    // Input typed so far goes to the ring now; the guest reads it once it
    // runs.  (After a restore the page also presses Enter, once the runtime
    // reports the restore: see 'stderr' below.)
    state.running = true;
    for (const s of pendingInput)
      state.input(s);
    pendingInput = [];
  }

  // The mode (what runs, and what the runtime refused) on the page, with
  // the run's first phase and the files that are missing or off.
  function showMode() {
    const refusals = [refused && 'snapshot refused', bundleRefused && 'bundle refused'].filter((x) => x);
    state.mode = (snapshot ? 'snapshot' : 'cold boot') + (bundle ? ' + bundle' : '') +
                 (refusals.length ? ` (${refusals.join(', ')})` : '');
    const why = missing.length ? ` (${missing.join(', ')})` : '';
    modeEl.textContent = state.mode + why;
    status(`${state.mode}: ` + (snapshot ? 'restoring' : 'booting Linux') + why);
  }

  let worker = null;
  let kernel = null, bundle = null, snapshot = null; // set once downloaded
  let bundleSpare = null; // a copy of the bundle while a snapshot is tried
  let refused = false;    // the runtime refused the snapshot: cold boot instead
  let bundleRefused = false; // the runtime refused the bundle: runs without it
  let missing = [];

  // The runtime exited before the restored prompt (it refuses a corrupt or
  // mismatched snapshot with one stderr line and exit status 1 or 2):
  // cold-boot instead, with the kernel, in a new worker.
  async function coldBootInstead(code) {
    refused = true;
    worker.terminate();
    const why = state.stderr.filter((l) => /snapshot/.test(l)).pop() || `exit status ${code}`;
    log(`the snapshot was refused (${why}): cold-booting instead`);
    state.files.snapshot.status = 'refused';
    bar('snapshot').set('failed', 'refused by the runtime: cold boot', 0);
    snapshot = null;
    bundle = bundleSpare;
    bundleSpare = null;
    state.running = false;
    newWorker();
    kernel = await download('kernel', kernelUrl, false);
    startRun();
  }
  let lastStats = null; // {ms, insns} of the previous 'stats' message
  // m: a message from the worker, which arrived at performance.now() = at.
  function onWorkerMessage(m, at) {
    switch (m.type) {
    case 'loaded':
      state.times.loaded = at;
      log(`runtime loaded in ${m.ms.toFixed(0)} ms`);
      break;
    case 'out': {
      term.write(m.bytes);
      state.output += decoder.decode(m.bytes, {stream: true});
      if (!state.prompt && state.output.includes(PROMPT)) {
        state.prompt = true;
        state.times.prompt = performance.now();
        document.title = 'kiln demo: ready';
        status(`${state.mode}: shell ready ${secs(state.times.prompt)} after page load ` +
               `(downloads ${secs(state.times.downloaded)}, runtime ${secs(state.times.loaded)})` +
               (missing.length ? ` — ${missing.join(', ')}` : ''));
      }
      break;
    }
    case 'stats':
      if (lastStats && m.ms > lastStats.ms)
        state.mips = (m.stats.insns - lastStats.insns) / ((m.ms - lastStats.ms) * 1000);
      state.peakMips = Math.max(state.peakMips, state.mips);
      lastStats = {ms: m.ms, insns: m.stats.insns};
      state.stats = m.stats;
      renderStatus();
      break;
    case 'stdout':
    case 'stderr':
      state.stderr.push(m.line);
      log(m.line);
      // The runtime runs on without a bundle it refuses (one warning line,
      // exec/bundle.c, before the guest runs): say so wherever the page
      // names the mode.
      if (bundle && !bundleRefused && /^kiln: warning: bundle .*running without it$/.test(m.line)) {
        bundleRefused = true;
        state.files.bundle.status = 'refused';
        bar('bundle').set('failed', 'refused by the runtime: see the runtime log', 0);
        showMode();
      }
      // The snapshot was taken just as the prompt appeared: Enter makes the
      // shell print a fresh one (and shows the guest is live).  Sent only
      // once restored, so a refused snapshot leaves no stray Enter behind.
      if (snapshot && m.line.startsWith('kiln: restored ')) {
        state.times.restored = performance.now();
        if (ring)
          state.input('\r');
      }
      break;
    case 'exit':
      if (snapshot && !state.prompt && m.code !== 0) {
        coldBootInstead(m.code).catch(reportError);
        break;
      }
      state.exited = true;
      state.exitCode = m.code;
      state.running = false;
      state.times.exit = performance.now();
      // Stopped before the guest printed anything: the runtime refused to
      // start (a bad kernel, an option); its last line says why.
      if (m.code !== 0 && !state.output) {
        fail(`the runtime stopped (exit ${m.code}) before the guest started: ` +
             (state.stderr[state.stderr.length - 1] || 'no message'));
        break;
      }
      document.title = 'kiln demo: exit ' + m.code;
      status(`${statusNote}\nguest powered off (exit ${m.code}); reload the page to boot again`);
      break;
    case 'error':
      fail(m.message);
      break;
    }
  }

  main().catch(reportError);
})();
