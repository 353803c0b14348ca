/**
 * The library reaches every procedure of the REMOTE, QEMU and LXC tables:
 * each one is a method of the object api-names.ts places it on (generated
 * or written by hand), or is listed in NOT_METHODS with the reason. Also
 * checks that generated.ts is what scripts/gen-api.mjs makes of the tables.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { contractName, lxc, qemu, remote, type Entry } from '../protocol/index.js';
import { NOT_METHODS, placeOf, type ObjectKind } from './api-names.js';
import { Connection } from './connection.js';
import {
  Domain, DomainCheckpoint, DomainSnapshot, Interface, Network, NetworkPort, NodeDevice, NWFilter, NWFilterBinding, Secret,
  StoragePool, StorageVol,
} from './objects.js';

const CLASSES: Record<ObjectKind, { prototype: object }> = {
  Connection, Domain, DomainSnapshot, DomainCheckpoint, Network, NetworkPort, StoragePool, StorageVol, Interface, NodeDevice,
  Secret, NWFilter, NWFilterBinding,
};

const calls: Entry[] = [remote, qemu, lxc].flatMap((p) => p.entries()).filter((e) => e.kind === 'call');

describe('the library API covers the procedure tables', () => {
  test('every procedure is a method, or has a reason not to be', () => {
    const missing: string[] = [];
    let methods = 0;
    for (const e of calls) {
      const place = placeOf(e);
      if (!place) continue;
      const fn = (CLASSES[place.kind].prototype as Record<string, unknown>)[place.method];
      if (typeof fn === 'function') methods++;
      else missing.push(`${place.kind}.${place.method} (${place.contract})`);
    }
    assert.deepEqual(missing, []);
    assert.equal(methods + Object.keys(NOT_METHODS).length, calls.length);
    assert.ok(methods >= 366, `${methods} methods`);
  });

  test('every NOT_METHODS entry is a procedure of the tables', () => {
    const names = new Set(calls.map(contractName));
    for (const n of Object.keys(NOT_METHODS)) assert.ok(names.has(n), n);
  });

  test('no two procedures land on the same method', () => {
    const seen = new Map<string, string>();
    for (const e of calls) {
      const place = placeOf(e);
      if (!place) continue;
      const key = `${place.kind}.${place.method}`;
      assert.equal(seen.get(key), undefined, `${key}: ${seen.get(key)} and ${place.contract}`);
      seen.set(key, place.contract);
    }
  });

  test('generated.ts and write-methods.ts are up to date with the tables', () => {
    const script = fileURLToPath(new URL('../../../scripts/gen-api.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
});
