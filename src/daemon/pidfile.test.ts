import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { VirtError } from '../errors.js';
import {
  ensureDirectory, isProcessAlive, PidFile, pidFilePath, readPidFile, userRuntimeDirectory,
} from './pidfile.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirtd-pid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('pidfile', () => {
  test('acquire writes the pid without a newline, 0644; release removes it', (t) => {
    const path = join(tempDir(t), 'd.pid');
    const p = PidFile.acquire(path, 4242);
    assert.equal(readFileSync(path, 'utf8'), '4242');
    assert.equal(statSync(path).mode & 0o777 & ~process.umask(), 0o644 & ~process.umask());
    p.release();
    assert.equal(existsSync(path), false);
    p.release();
  });

  test('no temp files are left behind', (t) => {
    const dir = tempDir(t);
    PidFile.acquire(join(dir, 'd.pid'));
    assert.deepEqual(readdirSync(dir), ['d.pid']);
  });

  test('a live holder is refused with libvirt\'s message', (t) => {
    const path = join(tempDir(t), 'd.pid');
    PidFile.acquire(path, process.pid);
    assert.throws(() => PidFile.acquire(path, 4242), (err: unknown) => {
      assert.ok(err instanceof VirtError);
      assert.equal(err.message, `Failed to acquire pid file '${path}': Resource temporarily unavailable`);
      assert.equal(err.int1, process.pid);
      return true;
    });
    assert.equal(readFileSync(path, 'utf8'), String(process.pid));
  });

  test('a dead holder, an empty or garbage file is stale and replaced', (t) => {
    const path = join(tempDir(t), 'd.pid');
    for (const content of [String(deadPid()), '', 'garbage\n', '0']) {
      writeFileSync(path, content);
      const p = PidFile.acquire(path, process.pid);
      assert.equal(readFileSync(path, 'utf8'), String(process.pid));
      p.release();
    }
  });

  test('our own pid in the file (a previous life) is not a holder', (t) => {
    const path = join(tempDir(t), 'd.pid');
    writeFileSync(path, String(process.pid));
    PidFile.acquire(path, process.pid).release();
  });

  test('release leaves a file that another daemon took over', (t) => {
    const path = join(tempDir(t), 'd.pid');
    const p = PidFile.acquire(path, 4242);
    writeFileSync(path, '4343');
    p.release();
    assert.equal(readFileSync(path, 'utf8'), '4343');
  });

  test('a missing directory: libvirt\'s open error', (t) => {
    const path = join(tempDir(t), 'no', 'd.pid');
    assert.throws(() => PidFile.acquire(path), {
      message: `Failed to open pid file '${path}': No such file or directory`,
    });
  });

  test('readPidFile and isProcessAlive', (t) => {
    const path = join(tempDir(t), 'd.pid');
    writeFileSync(path, ' 12\n');
    assert.equal(readPidFile(path), 12);
    writeFileSync(path, '12x');
    assert.equal(readPidFile(path), null);
    assert.equal(readPidFile(join(path, 'nope')), null);
    assert.equal(isProcessAlive(process.pid), true);
    assert.equal(isProcessAlive(deadPid()), false);
  });

  test('a zombie (killed, not yet reaped) is not alive, and its pidfile is taken over', (t) => {
    // libuv reaps children on the event loop: until this test yields, the exited child stays a zombie.
    const child = spawn('true');
    const pid = child.pid!;
    const stateOf = (): string => {
      const st = readFileSync(`/proc/${pid}/stat`, 'latin1');
      return st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3);
    };
    const deadline = Date.now() + 5000;
    while (stateOf() !== 'Z' && Date.now() < deadline) { /* wait for it to exit, without yielding */ }
    assert.equal(stateOf(), 'Z');
    assert.equal(isProcessAlive(pid), false);
    const path = join(tempDir(t), 'd.pid');
    writeFileSync(path, String(pid));
    PidFile.acquire(path, 4242).release();
  });

  test('default paths (virPidFileConstructPath)', () => {
    assert.equal(pidFilePath(true, {}), '/var/run/tsvirtd.pid');
    assert.equal(pidFilePath(false, { XDG_RUNTIME_DIR: '/run/user/1000' }), '/run/user/1000/libvirt/tsvirtd.pid');
    assert.equal(userRuntimeDirectory({ HOME: '/home/u' }), '/home/u/.cache/libvirt');
  });

  test('ensureDirectory creates with the mode asked, whatever the umask', (t) => {
    const dir = join(tempDir(t), 'a', 'b');
    const old = process.umask(0o077);
    try {
      ensureDirectory(dir, 0o755);
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(dir).mode & 0o777, 0o755);
    assert.equal(statSync(join(dir, '..')).mode & 0o777, 0o755);
    ensureDirectory(dir, 0o700);
    assert.equal(statSync(dir).mode & 0o777, 0o755, 'an existing directory is left alone');
  });
});
