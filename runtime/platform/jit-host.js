// jit-host.js - Emscripten JS library: the JIT backend (exec/jit.h).
// C decides what to compile and hands over module bytes; this compiles and
// instantiates them synchronously (allowed in Node and in a Web Worker),
// importing the runtime's own memory and function table, and puts each
// exported function "f<i>" into the table.  Nothing here is on the hot path:
// compiled blocks are entered from C through call_indirect.
mergeInto(LibraryManager.library, {
  kiln_jit_install: function(ptr, len, nfuncs, outPtr) {
    try {
      // Copy: compiling may not read a view of a memory that can grow.
      var bytes = HEAPU8.slice(ptr, ptr + len);
      var module = new WebAssembly.Module(bytes);
      var instance = new WebAssembly.Instance(module, {
        env: {memory: wasmMemory, __indirect_function_table: wasmTable},
      });
      var indices = [];
      for (var i = 0; i < nfuncs; i++) {
        var fn = instance.exports['f' + i];
        if (typeof fn !== 'function')
          throw new Error('export f' + i + ' missing');
        indices.push(addFunction(fn, 'iij'));
      }
      for (var i = 0; i < nfuncs; i++)
        HEAPU32[(outPtr >> 2) + i] = indices[i];
      return 0;
    } catch (e) {
      err('kiln: warning: JIT module rejected: ' + e);
      return -1;
    }
  },

  kiln_jit_release: function(index) {
    removeFunction(index);
  },
});
