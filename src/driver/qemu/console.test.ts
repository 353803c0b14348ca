/**
 * The console lock files of console.ts (conf/virchrdev.c
 * virChrdevLockFilePath / virChrdevLockFileCreate; qemu-driver.md §4.2).
 * Sessions on real guests: test/interop/qemu-chardev.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConsoleSessions, lockFilePath } from './console.js';

test('lock file names: the path after /dev with / as _', () => {
  assert.equal(lockFilePath('/dev/pts/0'), '/var/lock/LCK.._pts_0');
  assert.equal(lockFilePath('/dev/ttyS1', '/run/lock'), '/run/lock/LCK.._ttyS1');
  assert.equal(lockFilePath('/tmp/x/pty'), '/var/lock/LCK.._tmp_x_pty');
});

test('a lock held by a live process refuses the device; a stale one is replaced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-console-lock-'));
  try {
    const s = new ConsoleSessions(dir);
    const dev = join(dir, 'no-such-pty');
    const lock = lockFilePath(dev, dir);
    writeFileSync(lock, `${String(process.pid).padStart(10)}\n`);
    assert.throws(() => s.open(dev, false), {
      message: `operation failed: Requested device '${dev}' is locked by lock file '${lock}' held by process ${process.pid}`,
    });
    // A dead holder: the lock is taken over, and dropped again when the device cannot be opened.
    writeFileSync(lock, '2147483646\n');
    assert.throws(() => s.open(dev, false), /Unable to open tty/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
