// demo-early.js - the part of the demo page that starts before anything else
// loads (demo.html's <head>, after kiln-ring.js, before the stylesheets and
// xterm.js): it reads the URL options and starts what takes longest, the
// runtime worker (fetch, compile, initialise kiln-worker.js) and the guest
// file downloads, so they run while the page loads its terminal.  demo.js
// takes them over as window.kilnEarly:
//   options   the URL options (demo.js lists them): kernelUrl, runtimeUrl,
//             snapshotUrl, bundleUrl (null: off), append, opts
//   ring      the console input KilnRing (null: not cross-origin isolated)
//   worker    the runtime worker (kiln-worker.js, loading the runtime since
//             it started), sent {type: 'load'} with the ring already
//   workerError(url, event) the message for a worker's 'error' event
//   listen(f) hands the worker's messages to f(message, receivedAt) from now
//             on, first those that came before (receivedAt: performance.now()
//             when each arrived, so a mark such as 'loaded' keeps its time);
//             a worker error comes as {type: 'error', message}
//   responses {kernel, bundle, snapshot}: fetch() promises of the files this
//             mode needs, or undefined (not fetched here: off, or the kernel
//             in snapshot mode, which demo.js fetches only if the snapshot
//             is missing or refused)
'use strict';
(function() {
  const DEFAULT_BUNDLE = '/demo/shell.kbundle.wasm';
  const DEFAULT_RESTORE_BUNDLE = '/demo/shell-restore.kbundle.wasm';
  const DEFAULT_SNAPSHOT = '/demo/shell.snap';

  const params = new URLSearchParams(location.search);
  const isOff = (v) => v === '0' || v === 'off' || v === 'false' || v === 'no';
  // Optional file: null when switched off, else the URL (default or given).
  function optionalUrl(name, dflt) {
    const v = params.get(name);
    if (v !== null && isOff(v))
      return null;
    return v && v !== '1' ? v : dflt;
  }
  const snapshotUrl = optionalUrl('snapshot', DEFAULT_SNAPSHOT);
  const options = {
    kernelUrl: params.get('kernel') || '/guest/Image',
    runtimeUrl: new URL(params.get('runtime') || '/wasm/kiln-worker.js', location.href).href,
    snapshotUrl,
    bundleUrl: optionalUrl('bundle', snapshotUrl ? DEFAULT_RESTORE_BUNDLE : DEFAULT_BUNDLE),
    append: params.get('append') || 'console=ttyS0 earlycon=sbi',
    opts: (params.get('opts') || '').split(' ').filter((s) => s),
  };

  const ring = self.crossOriginIsolated ? KilnRing.create(4096) : null;

  // The page's message for a worker 'error' event e: a script that fails
  // to load gives a bare Event (no message), an exception an ErrorEvent.
  function workerError(url, e) {
    return e && e.message ? `runtime worker ${url}: ${e.message}`
                          : `cannot start the runtime worker ${url}: not found or not a script ` +
                                `(check the ?runtime= option and the server)`;
  }

  // Messages before listen(): kept with their arrival times.
  let pending = [];
  let listener = null;
  function deliver(m) {
    const at = performance.now();
    if (listener)
      listener(m, at);
    else
      pending.push([m, at]);
  }
  const worker = new Worker(options.runtimeUrl);
  worker.onmessage = (ev) => deliver(ev.data);
  worker.onerror = (e) => deliver({type: 'error', message: workerError(options.runtimeUrl, e)});
  worker.postMessage({type: 'load', input: ring ? ring.buffer : undefined});

  // A fetch the page reads later; a failure is reported there, not also
  // as an unhandled rejection now.
  function early(url) {
    const p = fetch(url);
    p.catch(() => {});
    return p;
  }
  const responses = {
    kernel: snapshotUrl ? undefined : early(options.kernelUrl),
    bundle: options.bundleUrl ? early(options.bundleUrl) : undefined,
    snapshot: snapshotUrl ? early(snapshotUrl) : undefined,
  };

  window.kilnEarly = {
    options,
    ring,
    worker,
    workerError,
    responses,
    listen(f) {
      listener = f;
      const before = pending;
      pending = [];
      for (const [m, at] of before)
        f(m, at);
    },
  };
})();
