// kiln-ring.js - the console input queue between the page and the runtime
// worker: a single-producer (page) single-consumer (worker) byte ring on a
// SharedArrayBuffer.  The worker's runtime loop never yields to the event
// loop, so messages could not reach it; it polls this ring instead
// (Module.kilnConsoleIn, kiln-host.js), and while the guest idles it sleeps
// on it (waitForData: a write wakes it at once).  Needs a cross-origin isolated page
// (COOP same-origin + COEP require-corp; tools/serve.py sets both).
// Layout: Int32 [0] = bytes written, [1] = bytes read (both wrap at 2^32,
// only their difference matters), then `capacity` data bytes (a power of
// two, so positions stay continuous when the counters wrap).
(function(global) {
  'use strict';
  const HEADER = 8;

  class KilnRing {
    // buffer: a SharedArrayBuffer from KilnRing.create (or posted to us).
    constructor(buffer) {
      this.buffer = buffer;
      this.idx = new Int32Array(buffer, 0, 2);
      this.data = new Uint8Array(buffer, HEADER);
      const cap = this.data.length;
      if (cap === 0 || (cap & (cap - 1)) !== 0)
        throw new RangeError('KilnRing: capacity must be a power of two, not ' + cap);
    }

    static create(capacity = 4096) {
      return new KilnRing(new SharedArrayBuffer(HEADER + capacity));
    }

    // Producer: appends as many of bytes as fit; returns how many did.
    write(bytes) {
      const cap = this.data.length;
      const w = Atomics.load(this.idx, 0);
      const r = Atomics.load(this.idx, 1);
      const n = Math.min(bytes.length, cap - ((w - r) >>> 0));
      for (let i = 0; i < n; i++)
        this.data[((w + i) >>> 0) % cap] = bytes[i];
      Atomics.store(this.idx, 0, (w + n) | 0); // publishes the bytes
      if (n)
        Atomics.notify(this.idx, 0); // wakes a consumer in waitForData
      return n;
    }

    // Consumer: blocks (Atomics.wait: a worker only) until bytes are there
    // or ms have passed; returns at once if some already are.
    waitForData(ms) {
      const w = Atomics.load(this.idx, 0);
      if (w !== Atomics.load(this.idx, 1))
        return;
      Atomics.wait(this.idx, 0, w, ms);
    }

    // Consumer: takes up to max bytes; returns a Uint8Array (maybe empty).
    read(max) {
      const cap = this.data.length;
      const r = Atomics.load(this.idx, 1);
      const w = Atomics.load(this.idx, 0);
      const n = Math.min(max, (w - r) >>> 0);
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++)
        out[i] = this.data[((r + i) >>> 0) % cap];
      Atomics.store(this.idx, 1, (r + n) | 0); // frees the space
      return out;
    }
  }

  global.KilnRing = KilnRing;
})(self);
