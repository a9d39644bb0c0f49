// smoke.js - drives smoke.html: fetches the kernel, starts the runtime
// worker (kiln-worker.js), shows the console, and records progress in
// window.kilnSmoke for tests (tests/web/smoke.js).  URL parameters:
//   kernel=URL   guest Image (default /guest/Image, tools/serve.py's mount)
//   runtime=URL  kiln-worker.js of a wasm build (default
//                /build-wasm/runtime/kiln-worker.js)
//   append=STR   kernel command line (default: hello workload, powers off)
//   opts=STR     extra kiln options, space separated (default --stats)
//   marker=STR   console text that means "done" (default: guest: done hello)
//   restore=URL  a VM snapshot to resume instead of booting (`--restore`; the
//                snapshot holds the guest and its command line, so kernel and
//                append are not used)
// document.title becomes 'kiln: done' when the marker appears, then
// 'kiln: exit N' when the runtime's main returns ('kiln: error' on failure).
'use strict';
(function() {
  const params = new URLSearchParams(location.search);
  const kernelUrl = params.get('kernel') || '/guest/Image';
  const runtimeUrl = new URL(params.get('runtime') || '/build-wasm/runtime/kiln-worker.js',
                             location.href).href;
  const append = params.get('append') || 'console=ttyS0 earlycon=sbi guest.run=hello';
  const opts = (params.get('opts') || '--stats').split(' ').filter((s) => s);
  const marker = params.get('marker') || 'guest: done hello';
  const restoreUrl = params.get('restore');
  const SNAPSHOT_PATH = '/restore.snap'; // where the snapshot goes in MEMFS

  const state = window.kilnSmoke = {
    output: '', stdout: [], stderr: [], done: false, exited: false, exitCode: null, error: null,
    times: {}, // ms since navigation start: fetched, loaded, done, exit
    crossOriginIsolated: self.crossOriginIsolated,
    input: null, // (string) -> bytes queued, once the worker runs
  };
  const statusEl = document.getElementById('status');
  const consoleEl = document.getElementById('console');
  const stderrEl = document.getElementById('stderr');
  const decoder = new TextDecoder();
  function status(s) {
    statusEl.textContent = s;
  }
  function fail(message) {
    state.error = message;
    document.title = 'kiln: error';
    status('error: ' + message);
  }

  async function download(url) {
    status('fetching ' + url);
    const resp = await fetch(url);
    if (!resp.ok)
      throw new Error(`fetching ${url}: HTTP ${resp.status}`);
    const data = await resp.arrayBuffer();
    state.times.fetched = performance.now();
    status(`${url}: ${data.byteLength} bytes; starting the runtime`);
    return data;
  }

  async function main() {
    // Boot: the kernel and its command line.  Restore: only the snapshot.
    const start = restoreUrl ?
        {files: [{path: SNAPSHOT_PATH, data: await download(restoreUrl)}],
         args: ['--restore', SNAPSHOT_PATH].concat(opts)} :
        {kernel: await download(kernelUrl), args: ['--kernel', '/Image', '--append', append].concat(opts)};

    const ring = self.crossOriginIsolated ? KilnRing.create(4096) : null;
    const enc = new TextEncoder();
    state.input = (s) => ring ? ring.write(enc.encode(s)) : 0;
    const worker = new Worker(runtimeUrl); // the whole worker script (docs/web.md)
    // An exception in the worker is an ErrorEvent; a script that does not
    // load, a bare Event without a message.
    worker.onerror = (e) => fail(e.message ? `runtime worker ${runtimeUrl}: ${e.message}`
                                           : `cannot start the runtime worker ${runtimeUrl}: ` +
                                                 'not found or not a script');
    worker.onmessage = (ev) => {
      const m = ev.data;
      switch (m.type) {
      case 'loaded':
        state.times.loaded = performance.now();
        status(`runtime loaded in ${m.ms.toFixed(0)} ms; booting`);
        break;
      case 'out': {
        const text = decoder.decode(m.bytes, {stream: true});
        state.output += text;
        consoleEl.textContent += text.replace(/\r/g, '');
        if (!state.done && state.output.includes(marker)) {
          state.done = true;
          state.times.done = performance.now();
          document.title = 'kiln: done';
          status(`'${marker}' after ${(state.times.done / 1000).toFixed(2)} s`);
        }
        break;
      }
      case 'stdout':
      case 'stderr':
        state[m.type].push(m.line);
        stderrEl.textContent += m.line + '\n';
        break;
      case 'exit':
        state.exited = true;
        state.exitCode = m.code;
        state.times.exit = performance.now();
        document.title = 'kiln: exit ' + m.code;
        status(statusEl.textContent + `; exit ${m.code}`);
        break;
      case 'error':
        fail(m.message);
        break;
      }
    };
    worker.postMessage({type: 'start', ...start, input: ring ? ring.buffer : undefined},
                       start.kernel ? [start.kernel] : start.files.map((f) => f.data));
  }

  // Typing into the console: printable keys, Enter, Backspace, Ctrl-letter.
  consoleEl.addEventListener('keydown', (e) => {
    if (!state.input)
      return;
    let s = null;
    if (e.key === 'Enter')
      s = '\r';
    else if (e.key === 'Backspace')
      s = '\x7f';
    else if (e.ctrlKey && e.key.length === 1 && /[a-z]/i.test(e.key))
      s = String.fromCharCode(e.key.toUpperCase().charCodeAt(0) & 31);
    else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey)
      s = e.key;
    if (s !== null) {
      state.input(s);
      e.preventDefault();
    }
  });

  main().catch((e) => fail(String((e && e.stack) || e)));
})();
