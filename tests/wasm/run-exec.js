// run-exec.js - runs the Wasm modules written by test-wasm-emit (*.exec in
// DIR) on their initial env and guest page, and compares the returned status,
// the env (up to the scratch slot) and the page with TCI's results.
// Usage: node run-exec.js DIR   (exit 0 = all equal)
'use strict';
const fs = require('fs');
const path = require('path');

const ENV = 0x10000, RAM = 0x30000;
const CMP_BYTES = 56; // TestEnv up to `scratch`: g[3], w, exit_status, tb_pc, icount, icount_limit

const dir = process.argv[2];
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.exec')).sort();
let failures = 0;

function hex(a) {
    return Buffer.from(a).toString('hex');
}

for (const f of files) {
    const buf = fs.readFileSync(path.join(dir, f));
    let o = 0;
    const n = buf.readUInt32LE(o); o += 4;
    const init = buf.subarray(o, o + n); o += n;
    const expEnv = buf.subarray(o, o + n); o += n;
    const expStatus = buf.readUInt32LE(o); o += 4;
    const ram0 = buf.subarray(o, o + 4096); o += 4096;
    const expRam = buf.subarray(o, o + 4096); o += 4096;
    const bytes = buf.subarray(o);

    const memory = new WebAssembly.Memory({ initial: 4 });
    const table = new WebAssembly.Table({ initial: 0, element: 'anyfunc' });
    const mem8 = new Uint8Array(memory.buffer);
    mem8.set(init, ENV);
    mem8.set(ram0, RAM);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
        env: { memory, __indirect_function_table: table },
    });
    const pc = new DataView(memory.buffer).getBigUint64(ENV + 32, true);
    const status = inst.exports.f0(ENV, pc) >>> 0;
    const gotEnv = mem8.subarray(ENV, ENV + CMP_BYTES);
    const gotRam = mem8.subarray(RAM, RAM + 4096);
    let ok = status === expStatus;
    if (!ok) console.log(`FAIL ${f}: status ${status}, TCI ${expStatus}`);
    if (hex(gotEnv) !== hex(expEnv.subarray(0, CMP_BYTES))) {
        console.log(`FAIL ${f}: env\n  wasm ${hex(gotEnv)}\n  tci  ${hex(expEnv.subarray(0, CMP_BYTES))}`);
        ok = false;
    }
    if (hex(gotRam) !== hex(expRam)) {
        console.log(`FAIL ${f}: guest page differs`);
        ok = false;
    }
    if (!ok) failures++;
    else console.log(`ok ${f}`);
}
if (files.length === 0) {
    console.log(`FAIL: no .exec files in ${dir}`);
    failures++;
}
process.exit(failures ? 1 : 0);
