// jit-host.js - Emscripten JS library: the JIT backend (exec/jit.h).
// C decides what to compile and hands over module bytes; this compiles and
// instantiates them synchronously (allowed in Node and in a Web Worker),
// importing the runtime's own memory and function table, and puts each
// exported function "f<i>" into a table slot.  Nothing here is on the hot
// path: compiled blocks are entered from C through call_indirect.
//
// Table slots are managed here, not with Emscripten's addFunction: its
// removeFunction leaves the function in the table (so released modules
// could never be collected), and growing the table one slot at a time is
// costly in V8 when many instances import it.  Slots are grown in chunks,
// cleared on release and reused.
mergeInto(LibraryManager.library, {
  $KilnJit: {
    free: [], // released slots, reused first
    warned: false, // one warning per run; C counts the rest (--stats)

    slot: function() {
      if (!KilnJit.free.length) {
        var n = Math.max(1024, wasmTable.length >> 2);
        var first = wasmTable.grow(n); // returns the old length
        for (var i = first + n - 1; i >= first; i--)
          KilnJit.free.push(i);
      }
      return KilnJit.free.pop();
    },
  },

  kiln_jit_install__deps: ['$KilnJit'],
  kiln_jit_install: function(ptr, len, nfuncs, outPtr) {
    var fns = [];
    try {
      // Copy: compiling may not read a view of a memory that can grow.
      var bytes = HEAPU8.slice(ptr, ptr + len);
      var module = new WebAssembly.Module(bytes);
      var instance = new WebAssembly.Instance(module, {
        env: {memory: wasmMemory, __indirect_function_table: wasmTable},
      });
      for (var i = 0; i < nfuncs; i++) {
        var fn = instance.exports['f' + i];
        if (typeof fn !== 'function')
          throw new Error('export f' + i + ' missing');
        fns.push(fn);
      }
    } catch (e) {
      if (!KilnJit.warned)
        err('kiln: warning: JIT module rejected by the Wasm engine: ' + e);
      KilnJit.warned = true;
      return -1;
    }
    for (var i = 0; i < nfuncs; i++) {
      var idx = KilnJit.slot();
      wasmTable.set(idx, fns[i]);
      HEAPU32[(outPtr >> 2) + i] = idx;
    }
    return 0;
  },

  kiln_jit_release__deps: ['$KilnJit'],
  kiln_jit_release: function(index) {
    wasmTable.set(index, null);
    KilnJit.free.push(index);
  },
});
