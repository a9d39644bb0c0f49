// kiln-worker-main.js - the Web Worker that runs Kiln in a browser (see
// docs/web.md).  Not a script of its own: the worker build links it after
// the Emscripten glue (--extern-post-js; kiln-ring.js before it,
// --extern-pre-js), so the worker is `new Worker(URL of kiln-worker.js)`,
// one request, and it starts loading the runtime (kiln-worker.wasm, beside
// kiln-worker.js) as soon as it runs, before any message.  Protocol,
// page -> worker:
//   {type: 'load', input} (optional, first): the console input ring
//    (SharedArrayBuffer of a KilnRing; absent: no console input), e.g.
//    sent right after creating the worker, while the page still downloads
//    the guest files.
//   {type: 'start', kernel: ArrayBuffer (the guest Image; absent when
//    restoring a snapshot without it), args: argv after the program
//    name (e.g. ['--kernel', '/Image', '--append', '...', '--stats']),
//    kernelPath: where to put the kernel in MEMFS (default '/Image'),
//    files: optional [{path, data: ArrayBuffer}] also put into MEMFS
//    (e.g. an AOT bundle or a snapshot named by args),
//    input: as for 'load' (when no 'load' came)}
// worker -> page:
//   {type: 'loaded', ms}            runtime compiled and initialised
//   {type: 'out', bytes: Uint8Array} guest console output, in order
//   {type: 'stderr', line}          the runtime's stderr (warnings, --stats)
//   {type: 'stdout', line}          the runtime's own stdout (e.g. --help)
//   {type: 'stats', ms, stats}      live counters, every STATS_MS while the
//                                   guest runs (Module.kilnStats(): insns,
//                                   execTci, execJit, execBundle,
//                                   tbsTranslated, jitAvoided, execBundleTci
//                                   (of execTci: TCI images); ms: worker clock)
//   {type: 'exit', code, ms}        main returned: the guest's exit status
//   {type: 'error', message}        the runtime could not start or crashed
// The runtime loop is synchronous: once main runs, this worker handles no
// more messages, so console input arrives through the shared ring, and
// output is posted straight from the loop (batched, see flushOut).
(function() {
'use strict';

const OUT_BATCH_BYTES = 4096; // post console output at this size...
const OUT_BATCH_MS = 16;      // ...or when the oldest pending byte is this old
const STATS_MS = 500;         // period of 'stats' messages during the run
// Order of the doubles at kiln_web_stats() (runtime/platform/web-stats.c).
const STATS_NAMES = ['insns', 'execTci', 'execJit', 'execBundle', 'tbsTranslated', 'jitAvoided',
                     'execBundleTci'];

let ring = null;     // the console input KilnRing, once a message gave it
let started = false;
// An error the worker explains itself (e.clear: its message says it all)
// goes to the page as it is; anything else with its stack.
const report = (e) => self.postMessage({type: 'error',
                                        message: e && e.clear ? e.message : String((e && e.stack) || e)});
const loading = load(); // Promise of the initialised runtime module
loading.catch(report);

self.onmessage = (ev) => {
  const msg = ev.data;
  if (!msg)
    return;
  if (msg.input && !ring)
    ring = new KilnRing(msg.input);
  if (msg.type === 'start' && !started) {
    started = true;
    // (A failed load was reported above, once.)
    loading.then((mod) => {
      try {
        run(mod, msg);
      } catch (e) {
        report(e);
      }
    }, () => {});
  }
};

// Loads the runtime (kiln-worker.wasm beside this script) and posts
// 'loaded'; resolves to the module, ready for callMain.
async function load() {
  const t0 = performance.now();

  let pending = [];   // Uint8Arrays not yet posted
  let pendingBytes = 0;
  let pendingSince = 0;
  let statsAt = 0;
  function flushOut() {
    if (!pendingBytes)
      return;
    const bytes = new Uint8Array(pendingBytes);
    let off = 0;
    for (const p of pending) {
      bytes.set(p, off);
      off += p.length;
    }
    pending = [];
    pendingBytes = 0;
    self.postMessage({type: 'out', bytes}, [bytes.buffer]);
  }

  // kiln-worker.wasm, beside this script, is fetched and compiled here
  // rather than by the glue, so that a failure is one message naming it
  // (the glue would go on to compile a 404 page and report its first bytes).
  const wasmUrl = new URL('kiln-worker.wasm', self.location.href).href;
  let wasmFailed = null;
  const failed = new Promise((resolve, reject) => {
    wasmFailed = (e) => reject(Object.assign(
        new Error(`cannot load the runtime ${wasmUrl}: ${e.message || e}`), {clear: true}));
  });
  let mod = null;
  mod = await Promise.race([failed, createKiln({
    noInitialRun: true,
    instantiateWasm: (imports, receive) => {
      fetch(wasmUrl, {credentials: 'same-origin'})
          .then((resp) => {
            if (!resp.ok)
              throw new Error(`HTTP ${resp.status} ${resp.statusText}`.trim());
            // Compiled while it downloads; a server without the Wasm MIME
            // type gets the whole file compiled at once instead.
            if ((resp.headers.get('Content-Type') || '').startsWith('application/wasm'))
              return WebAssembly.instantiateStreaming(resp, imports);
            return resp.arrayBuffer().then((bytes) => WebAssembly.instantiate(bytes, imports));
          })
          .then((r) => receive(r.instance, r.module), wasmFailed);
      return {}; // Emscripten's contract: instantiated later, via receive
    },
    print: (line) => {
      flushOut();
      self.postMessage({type: 'stdout', line});
    },
    printErr: (line) => {
      flushOut(); // keep stderr ordered after the console output before it
      self.postMessage({type: 'stderr', line});
    },
    // kiln-host.js, non-Node path: every console write, as a fresh copy.
    kilnConsoleOut: (bytes) => {
      const now = performance.now();
      if (!pendingBytes)
        pendingSince = now;
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= OUT_BATCH_BYTES || now - pendingSince >= OUT_BATCH_MS)
        flushOut();
    },
    // The runtime's sleep while the guest idles (kiln-host.js): the guest
    // has nothing more to print for now, so its output goes out at once,
    // and typed input ends the sleep at once (the page's ring.write
    // notifies), instead of at the next poll.  Without a ring, kiln-host.js
    // sleeps its own way (returns false).
    kilnSleep: (ms) => {
      flushOut();
      if (!ring)
        return false;
      ring.waitForData(ms);
      return true;
    },
    // Polled by the runtime loop (also while the guest idles), so it is
    // also where output that stopped growing gets posted.
    kilnConsoleIn: (max) => {
      const now = performance.now();
      if (pendingBytes && now - pendingSince >= OUT_BATCH_MS)
        flushOut();
      if (now - statsAt >= STATS_MS && mod && mod.kilnStats) {
        statsAt = now;
        const stats = mod.kilnStats();
        if (stats)
          self.postMessage({type: 'stats', ms: now, stats});
      }
      return ring ? ring.read(max) : null;
    },
  })]);
  // Live counters of the running guest (null when none runs or the build
  // lacks web-stats.c); read while main runs, e.g. from kilnConsoleIn.
  mod.kilnStats = () => {
    if (typeof mod._kiln_web_stats !== 'function')
      return null;
    const at = mod._kiln_web_stats() >> 3;
    const heap = mod.HEAPF64 || new Float64Array(mod.HEAPU8.buffer);
    if (!heap[at])
      return null;
    const stats = {};
    STATS_NAMES.forEach((name, i) => { stats[name] = heap[at + 1 + i]; });
    return stats;
  };
  mod.kilnFlushOut = flushOut;
  mod.kilnT0 = t0;
  self.postMessage({type: 'loaded', ms: performance.now() - t0});
  return mod;
}

// Puts the guest files into MEMFS and runs main; posts 'exit'.
function run(mod, msg) {
  const flushOut = mod.kilnFlushOut, t0 = mod.kilnT0;
  const files = (msg.files || []).slice();
  if (msg.kernel)
    files.unshift({path: msg.kernelPath || '/Image', data: msg.kernel});
  for (const f of files) {
    const dir = f.path.slice(0, f.path.lastIndexOf('/'));
    if (dir)
      mod.FS.mkdirTree(dir);
    // canOwn: MEMFS keeps this buffer as the file instead of copying it
    // (the message's own: transferred or cloned, used nowhere else).
    mod.FS.writeFile(f.path, new Uint8Array(f.data), {canOwn: true});
  }
  msg.kernel = msg.files = null; // the files are MEMFS's now
  let code;
  try {
    code = mod.callMain(msg.args); // returns the exit status (EXIT_RUNTIME)
  } finally {
    flushOut();
  }
  self.postMessage({type: 'exit', code, ms: performance.now() - t0});
}
})();
