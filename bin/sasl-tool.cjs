'use strict';
// Runs one of the SASL user tools of src/cli/saslpasswd.ts (tsvirt-saslpasswd,
// tsvirt-sasldblistusers) from the compiled modules (dist/, built by `tsc`).
module.exports = (mainName, prog) => {
  (async () => {
    const tools = await import('../dist/src/cli/saslpasswd.js');
    process.exitCode = await tools[mainName](process.argv.slice(2), tools.processIO());
  })().catch((err) => {
    process.stderr.write(`${prog}: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
};
