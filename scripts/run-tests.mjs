#!/usr/bin/env node
// Runs the compiled test files (dist/**/*.test.js) and nothing else: a bare
// `node --test dist/` would also run every module that sits in a folder
// named `test` (the test driver's sources, the interop harness) as a "test".
// Extra arguments go to `node --test` (e.g. --test-concurrency=1).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) collect(p, out);
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = collect('dist', []).sort();
if (files.length === 0) {
  console.error('run-tests: no dist/**/*.test.js files; run the build first');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
