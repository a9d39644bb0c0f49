// bundle-host.js - Emscripten JS library: compile and instantiate an AOT
// bundle's module ONCE at boot (exec/bundle.c has already verified the
// file).  Its imports are resolved by name from the runtime itself: the
// memory, the function table, the slow paths and the helpers (C passes each
// one's table index, i.e. its C function pointer, with its name) and the
// scratch slot's offset in the CPU state.  Its functions f0..f<n-1> go into
// n consecutive new table slots, from which C enters them exactly like JIT
// code.  Nothing here is on the hot path.
mergeInto(LibraryManager.library, {
  kiln_bundle_instantiate: function(ptr, len, nfuncs, pathPtr, loadSlow, storeSlow, helperIdx,
                                    helperNames, nhelpers, scratch) {
    var path = UTF8ToString(pathPtr);
    try {
      var kiln = {
        load_slow: wasmTable.get(loadSlow),
        store_slow: wasmTable.get(storeSlow),
        scratch: new WebAssembly.Global({value: 'i32', mutable: false}, scratch),
      };
      for (var i = 0; i < nhelpers; i++) {
        var name = UTF8ToString(HEAPU32[(helperNames >> 2) + i]);
        kiln['h.' + name] = wasmTable.get(HEAPU32[(helperIdx >> 2) + i]);
      }
      // Copy: compiling may not read a view of a memory that can grow.
      var module = new WebAssembly.Module(HEAPU8.slice(ptr, ptr + len));
      var instance = new WebAssembly.Instance(module, {
        env: {memory: wasmMemory, __indirect_function_table: wasmTable},
        kiln: kiln,
      });
      var fns = [];
      for (var i = 0; i < nfuncs; i++) {
        var fn = instance.exports['f' + i];
        if (typeof fn !== 'function')
          throw new Error('export f' + i + ' missing');
        fns.push(fn);
      }
      var base = wasmTable.grow(nfuncs); // returns the old length: our first slot
      for (var i = 0; i < nfuncs; i++)
        wasmTable.set(base + i, fns[i]);
      return base;
    } catch (e) {
      err('kiln: warning: bundle ' + path + ': rejected by the Wasm engine (' + e +
          '); running without it');
      return 0;
    }
  },
});
