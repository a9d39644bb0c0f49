// bundle-host.js - Emscripten JS library: compile and instantiate an AOT
// bundle's module ONCE at boot (exec/bundle.c has already verified the
// file).  Its imports are resolved by name from the runtime itself: the
// memory, the function table, the slow paths and the helpers (C passes each
// one's table index, i.e. its C function pointer, with its name) and the
// scratch slot's offset in the CPU state.  Its n functions go into n
// consecutive new table slots (its element segment puts them at the
// offset of the imported global "table_base": no exports, no JS function
// objects), from which C enters them exactly like JIT code.  Nothing here
// is on the hot path.
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
      // A view, not a copy: the engine copies the bytes before it
      // compiles (synchronously, so the memory cannot grow meanwhile), and
      // a slice() would be a second 3 MB copy at every bundle boot.
      var module = new WebAssembly.Module(HEAPU8.subarray(ptr, ptr + len));
      var base = wasmTable.grow(nfuncs); // returns the old length: our first slot
      kiln.table_base = new WebAssembly.Global({value: 'i32', mutable: false}, base);
      new WebAssembly.Instance(module, {
        env: {memory: wasmMemory, __indirect_function_table: wasmTable},
        kiln: kiln,
      });
      // The segment must have filled exactly the new slots (a longer one
      // fails to instantiate: the table ends there).
      if (wasmTable.get(base + nfuncs - 1) === null)
        throw new Error('the module does not fill its ' + nfuncs + ' table slots');
      return base;
    } catch (e) {
      err('kiln: warning: bundle ' + path + ': rejected by the Wasm engine (' + e +
          '); running without it');
      return 0;
    }
  },
});
