/**
 * Writes (or with `--check`, verifies) the wire snapshots of the program
 * tables under test/fixtures/wire/. Run after changing a table:
 *
 *     npx tsc -p tsconfig.json && node dist/src/protocol/gen-snapshot.js
 *
 * and review the diff: every changed line is a wire change.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { keepalive } from './keepalive.js';
import type { ProgramInfo } from './program.js';
import { lxc, qemu } from './qemu.js';
import { remote } from './remote.js';
import { formatSnapshot, programSnapshot } from './snapshot.js';

/** Snapshot files (relative to the repository root) and the tables they describe. */
export const SNAPSHOTS: ReadonlyArray<readonly [string, ProgramInfo]> = [
  ['test/fixtures/wire/remote-table.snapshot.json', remote],
  ['test/fixtures/wire/keepalive-table.snapshot.json', keepalive],
  ['test/fixtures/wire/qemu-table.snapshot.json', qemu],
  ['test/fixtures/wire/lxc-table.snapshot.json', lxc],
];

/** The repository root, from this module's location (src/protocol or dist/src/protocol). */
export function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.replace(/\/(dist\/)?src\/protocol\/?$/, '');
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  let stale = 0;
  for (const [rel, table] of SNAPSHOTS) {
    const path = `${repoRoot()}/${rel}`;
    const text = formatSnapshot(programSnapshot(table));
    let old = '';
    try { old = readFileSync(path, 'utf8'); } catch { /* missing: stale */ }
    if (old === text) continue;
    stale++;
    if (check) console.error(`${rel} is out of date; run node dist/src/protocol/gen-snapshot.js`);
    else { writeFileSync(path, text); console.log(`wrote ${rel}`); }
  }
  return check && stale ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
