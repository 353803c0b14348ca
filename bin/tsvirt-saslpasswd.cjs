#!/usr/bin/env node
'use strict';
// tsvirt-saslpasswd: manages tsvirtd's SASL users (src/cli/saslpasswd.ts), from
// the compiled modules (dist/, built by `tsc`).
(async () => {
  const { saslpasswdMain, processIO } = await import('../dist/src/cli/saslpasswd.js');
  process.exitCode = await saslpasswdMain(process.argv.slice(2), processIO());
})().catch((err) => {
  process.stderr.write(`tsvirt-saslpasswd: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
