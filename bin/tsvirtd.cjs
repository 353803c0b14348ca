#!/usr/bin/env node
'use strict';
// Starts tsvirtd from the compiled modules (dist/, built by `tsc`).
// process.exit: a daemon that has shut down must not linger on a handle
// someone forgot to close.

(async () => {
  const { main } = await import('../dist/src/daemon/main.js');
  process.exit(await main(process.argv.slice(2)));
})().catch((err) => {
  process.stderr.write(`tsvirtd: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
