#!/usr/bin/env node
'use strict';
// Starts tsvirsh from the one-file bundle with a V8 code cache (see
// scripts/bundle.mjs); falls back to the compiled modules when there is no
// bundle, e.g. straight after `tsc`.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const bundle = path.join(__dirname, '..', 'dist', 'tsvirsh.cjs');
const cacheFile = `${bundle}.cache`;

function loadBundle() {
  let source;
  try {
    // A bundle older than the compiled modules is stale (tsc ran without
    // scripts/bundle.mjs): use the modules then.
    const modules = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
    if (fs.statSync(bundle).mtimeMs < fs.statSync(modules).mtimeMs) return null;
    source = fs.readFileSync(bundle, 'utf8');
  } catch {
    return null;
  }
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: bundle, cachedData },
  );
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, bundle, path.dirname(bundle));
  return { main: mod.exports.main, refreshCache: !cachedData || script.cachedDataRejected ? script : null };
}

function saveCache(script) {
  // Written after the run so it holds the functions the run compiled; a
  // read-only install simply goes without.
  try {
    const tmp = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, cacheFile);
  } catch {
    /* no cache this time */
  }
}

// Like virsh under `| head`: a closed pipe ends the program quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

(async () => {
  const loaded = loadBundle();
  const main = loaded ? loaded.main : (await import('../dist/src/cli/main.js')).main;
  process.exitCode = await main(process.argv.slice(2));
  if (loaded && loaded.refreshCache) saveCache(loaded.refreshCache);
})();
