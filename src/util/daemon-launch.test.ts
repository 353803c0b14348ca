import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { DAEMON_GLIBC_TUNABLES, DAEMON_SHEBANG, daemonEnv } from './daemon-launch.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const LAUNCHER = join(ROOT, 'bin', 'tsvirtd.cjs');

describe('daemon launch settings', () => {
  it('bin/tsvirtd.cjs carries them in its #! line', () => {
    assert.equal(readFileSync(LAUNCHER, 'utf8').split('\n')[0], DAEMON_SHEBANG);
  });

  it('the launcher runs directly through its #! line', () => {
    assert.match(execFileSync(LAUNCHER, ['-V'], { encoding: 'utf8' }), /^tsvirtd \(libvirt\) /);
  });

  it('adds the tunables unless the caller chose its own', () => {
    assert.equal(daemonEnv({ A: '1' }).GLIBC_TUNABLES, DAEMON_GLIBC_TUNABLES);
    assert.equal(daemonEnv({ A: '1' }).A, '1');
    assert.equal(daemonEnv({ GLIBC_TUNABLES: 'x' }).GLIBC_TUNABLES, 'x');
  });
});
