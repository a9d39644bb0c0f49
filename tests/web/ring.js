#!/usr/bin/env node
// tests/web/ring.js - runtime/web/kiln-ring.js under Node: bytes in order
// through wrap-around, a full ring refusing the excess, and the consumer's
// waitForData: returns at once when bytes are there, and a write wakes a
// waiting consumer (another thread) long before its timeout.  The bounds
// are generous (a wake-up within 5 s of a 30 s wait): they check that the
// write notifies, not how fast a machine is.  Exit 0, or 1 naming the case.
'use strict';
const path = require('path');
const {Worker} = require('worker_threads');

const RING = path.join(__dirname, '..', '..', 'runtime', 'web', 'kiln-ring.js');
globalThis.self = globalThis; // kiln-ring.js defines self.KilnRing
require(RING);
const KilnRing = globalThis.KilnRing;

let failed = 0;
function check(what, ok, detail) {
  if (!ok) {
    failed++;
    process.stdout.write(`FAIL: ${what}${detail !== undefined ? ': ' + detail : ''}\n`);
  } else {
    process.stdout.write(`ok: ${what}\n`);
  }
}

function orderAndWrap() {
  const ring = KilnRing.create(16);
  const consumer = new KilnRing(ring.buffer); // the worker's view of the same memory
  let next = 0, expect = 0, good = true;
  for (let round = 0; round < 50; round++) {
    const chunk = Uint8Array.from({length: 1 + (round % 11)}, () => next++ & 0xff);
    const n = ring.write(chunk);
    good = good && n === chunk.length;
    for (const b of consumer.read(64)) {
      good = good && b === (expect & 0xff);
      expect++;
    }
  }
  check('bytes arrive in order across wrap-around', good && expect === next, `${expect} of ${next}`);
  const full = KilnRing.create(8);
  check('a full ring takes only its capacity', full.write(new Uint8Array(20)) === 8);
  check('and nothing more until read', full.write(new Uint8Array(1)) === 0);
  check('read frees the space', new KilnRing(full.buffer).read(3).length === 3 && full.write(new Uint8Array(5)) === 3);
}

function immediateWhenData() {
  const ring = KilnRing.create(16);
  ring.write(Uint8Array.of(7));
  const t0 = Date.now();
  new KilnRing(ring.buffer).waitForData(30000);
  check('waitForData returns at once when bytes are there', Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
}

// A worker thread waits (up to 30 s); this thread writes after 200 ms.
function wakeOnWrite() {
  const ring = KilnRing.create(16);
  const worker = new Worker(`
    const {parentPort, workerData} = require('worker_threads');
    globalThis.self = globalThis;
    require(workerData.ringPath);
    const ring = new self.KilnRing(workerData.buffer);
    parentPort.postMessage('waiting');
    const t0 = Date.now();
    ring.waitForData(30000);
    parentPort.postMessage({ms: Date.now() - t0, bytes: Array.from(ring.read(16))});
  `, {eval: true, workerData: {ringPath: RING, buffer: ring.buffer}});
  return new Promise((resolve) => {
    worker.on('message', (m) => {
      if (m === 'waiting') {
        setTimeout(() => ring.write(Uint8Array.of(13, 10)), 200);
        return;
      }
      check('a write wakes a waiting consumer', m.ms < 5000, `woke after ${m.ms} ms`);
      check('which then reads the bytes', m.bytes.join(',') === '13,10', m.bytes.join(','));
      worker.terminate().then(resolve);
    });
    worker.on('error', (e) => {
      check('worker ran', false, String(e));
      resolve();
    });
  });
}

(async () => {
  orderAndWrap();
  immediateWhenData();
  await wakeOnWrite();
  process.exit(failed ? 1 : 0);
})();
