#!/usr/bin/env node
// Bundles tsvirsh into one CommonJS file and primes its V8 code cache.
// A CLI is started once per command, and Node spends most of a short run
// resolving and compiling modules: one file plus a code cache cuts that.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = `${root}dist/tsvirsh.cjs`;
await build({
  entryPoints: [`${root}dist/src/cli/main.js`],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile,
  // The in-process SSH transport loads ssh2 only when a +libssh URI is
  // opened; keeping it out of the bundle keeps every other start-up small.
  external: ['ssh2'],
  // import.meta is only read where the code checks for the bundle's own
  // require/__filename first (transport/index.ts, transport/libssh.ts).
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
});
rmSync(`${outfile}.cache`, { force: true });
// One representative run writes the cache with the functions it compiled.
const r = spawnSync(process.execPath, [`${root}bin/tsvirsh.cjs`, '-c', 'test:///default', 'list', '--all'],
  { encoding: 'utf8' });
if (r.status !== 0) {
  console.error(`bundle: priming run failed (${r.status}): ${r.stderr}`);
  process.exit(1);
}
