// kiln-host.js - Emscripten JS library: the host side of Kiln's console and
// sleeping (C prototypes and contracts in host.h).  Node: stdin is read with
// non-blocking fs.readSync on a private descriptor, so the synchronous
// runtime loop can poll it without yielding to the event loop.  Elsewhere (a
// future Web Worker build): output goes to Module.kilnConsoleOut(bytes) or
// out(), input comes from Module.kilnConsoleIn() (returns a Uint8Array or
// null), sleeping is Module.kilnSleep(ms) if it takes it, else Atomics.wait.
mergeInto(LibraryManager.library, {
  $KilnHost: {
    inFd: -1,        // Node: descriptor read for console input (-1: none)
    inOwned: false,  // inFd was opened here (closed at restore)
    inEnded: false,  // input has ended: read returns -1 from now on
    inited: false,
    rawTty: null,    // tty.ReadStream put in raw mode, if any
    sleepCell: null, // Int32Array on a SharedArrayBuffer for Atomics.wait
    lineBuf: '',     // non-Node output without kilnConsoleOut: pending line

    isNode: function() {
      return typeof process === 'object' && typeof process.versions === 'object' &&
             typeof process.versions.node === 'string';
    },

    // Node: choose a descriptor that never blocks: a regular file or
    // /dev/null is read as is; a pipe or terminal is reopened through
    // /proc/self/fd/0 with O_NONBLOCK (a new open file description, so the
    // flag does not leak to other processes sharing our stdin).
    openInput: function() {
      var fs = require('fs');
      var st;
      try {
        st = fs.fstatSync(0);
      } catch (e) {
        KilnHost.inEnded = true; // no stdin at all
        return;
      }
      if (st.isFile() || st.isCharacterDevice() && !require('tty').isatty(0)) {
        KilnHost.inFd = 0; // file, /dev/null, ...: reads never block
        return;
      }
      try {
        var c = fs.constants;
        KilnHost.inFd = fs.openSync('/proc/self/fd/0', c.O_RDONLY | c.O_NONBLOCK);
        KilnHost.inOwned = true;
      } catch (e) {
        // e.g. a socket: cannot be reopened; reading it could block forever.
        KilnHost.inEnded = true;
        return;
      }
      if (require('tty').isatty(0)) {
        try {
          // process.stdin is created paused (no reads); only its termios matter.
          process.stdin.setRawMode(true);
          KilnHost.rawTty = process.stdin;
          // libuv's raw mode keeps output post-processing (ONLCR): the
          // guest's CR LF would reach the terminal as CR CR LF.  Best effort;
          // setRawMode(false) restores the whole saved termios.
          require('child_process').spawnSync('stty', ['-opost'], {stdio: ['inherit', 'ignore', 'ignore']});
        } catch (e) {
          KilnHost.rawTty = null;
        }
      }
    },
  },

  kiln_host_console_init__deps: ['$KilnHost'],
  kiln_host_console_init: function() {
    if (KilnHost.inited)
      return;
    KilnHost.inited = true;
    if (KilnHost.isNode())
      KilnHost.openInput();
  },

  kiln_host_console_restore__deps: ['$KilnHost'],
  kiln_host_console_restore: function() {
    if (KilnHost.rawTty) {
      try {
        KilnHost.rawTty.setRawMode(false);
      } catch (e) {
      }
      KilnHost.rawTty = null;
    }
    if (KilnHost.inOwned) {
      try {
        require('fs').closeSync(KilnHost.inFd);
      } catch (e) {
      }
      KilnHost.inOwned = false;
      KilnHost.inFd = -1;
    }
  },

  kiln_host_write__deps: ['$KilnHost'],
  kiln_host_write: function(buf, len) {
    var bytes = HEAPU8.subarray(buf, buf + len);
    if (KilnHost.isNode()) {
      var fs = require('fs');
      var off = 0;
      while (off < len) {
        try {
          off += fs.writeSync(1, bytes, off, len - off);
        } catch (e) {
          if (e.code === 'EAGAIN') {
            _kiln_host_sleep_ms(1); // stdout is a full non-blocking pipe
            continue;
          }
          return; // stdout is gone: nothing sensible left to do
        }
      }
      return;
    }
    if (Module['kilnConsoleOut']) {
      Module['kilnConsoleOut'](bytes.slice());
      return;
    }
    for (var i = 0; i < len; i++) {
      var ch = bytes[i];
      if (ch === 10) {
        out(KilnHost.lineBuf);
        KilnHost.lineBuf = '';
      } else if (ch !== 13) {
        KilnHost.lineBuf += String.fromCharCode(ch);
      }
    }
  },

  kiln_host_read__deps: ['$KilnHost'],
  kiln_host_read: function(buf, len) {
    if (KilnHost.inEnded)
      return -1;
    if (!KilnHost.isNode()) {
      var chunk = Module['kilnConsoleIn'] ? Module['kilnConsoleIn'](len) : null;
      if (!chunk || chunk.length === 0)
        return 0;
      var n = Math.min(chunk.length, len);
      HEAPU8.set(chunk.subarray(0, n), buf);
      return n;
    }
    if (KilnHost.inFd < 0)
      return -1;
    try {
      var got = require('fs').readSync(KilnHost.inFd, HEAPU8, buf, len, null);
      if (got === 0) {
        KilnHost.inEnded = true;
        return -1;
      }
      return got;
    } catch (e) {
      if (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK' || e.code === 'EINTR')
        return 0;
      KilnHost.inEnded = true; // EIO (terminal gone), EBADF, ...
      return -1;
    }
  },

  kiln_host_sleep_ms__deps: ['$KilnHost'],
  kiln_host_sleep_ms: function(ms) {
    if (ms <= 0)
      return;
    // Non-Node hosts may sleep their own way: Module.kilnSleep(ms) returns
    // true if it slept (the web worker: post pending output, then wait until
    // input arrives or ms pass), false to sleep as below.
    if (!KilnHost.isNode() && Module['kilnSleep'] && Module['kilnSleep'](ms))
      return;
    if (typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object') {
      if (!KilnHost.sleepCell)
        KilnHost.sleepCell = new Int32Array(new SharedArrayBuffer(4));
      try {
        Atomics.wait(KilnHost.sleepCell, 0, 0, ms);
        return;
      } catch (e) {
        // Atomics.wait is not allowed on this thread (a page's main thread).
      }
    }
    var end = performance.now() + ms;
    while (performance.now() < end) {
    }
  },
});
