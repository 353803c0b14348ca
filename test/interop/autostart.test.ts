/**
 * Session mode: a non-root local connection goes to
 * $XDG_RUNTIME_DIR/libvirt/libvirt-sock and, when nothing listens there,
 * starts `tsvirtd --timeout=120` as libvirt starts libvirtd. The client
 * runs as `nobody` (setpriv), which needs root; CI runs as root.
 */
import assert from 'node:assert/strict';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireOracle } from './oracle.js';
import { ROOT, run } from './harness.js';

const NOBODY = 65534;
const TSVIRSH = join(ROOT, 'bin/tsvirsh.cjs');

function canSetpriv(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    return readFileSync('/usr/bin/setpriv').length > 0;
  } catch {
    return false;
  }
}

function asNobody(dir: string, args: string[], extra: Record<string, string> = {}) {
  return run('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups',
    'env', `HOME=${dir}`, `XDG_RUNTIME_DIR=${dir}`, `PATH=${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    ...Object.entries(extra).map(([k, v]) => `${k}=${v}`), process.execPath, TSVIRSH, ...args], { timeoutMs: 30_000 });
}

test('a session connection starts tsvirtd --timeout=120 and talks to it', async (t) => {
  if (!requireOracle(t, 'root and setpriv (util-linux)', canSetpriv, 'run as root on a system with util-linux')) return;
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-session-'));
  chownSync(dir, NOBODY, NOBODY);
  let pid = 0;
  try {
    const off = await asNobody(dir, ['-c', 'test+unix:///default', 'list'], { LIBVIRT_AUTOSTART: '0' });
    assert.equal(off.status, 1);
    assert.equal(off.stderr, 'error: failed to connect to the hypervisor\n'
      + `error: Failed to connect socket to '${dir}/libvirt/libvirt-sock': No such file or directory\n`);

    const r = await asNobody(dir, ['-c', 'test+unix:///default', 'uri; list']);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'test+unix:///default\n\n Id   Name   State\n----------------------\n 1    test   running\n\n');
    pid = Number(readFileSync(join(dir, 'libvirt', 'tsvirtd.pid'), 'utf8'));
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    assert.ok(cmdline.includes('--timeout=120'), cmdline.join(' '));
    assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`\\nUid:\\s+${NOBODY}\\s`));

    // A second client finds the running daemon instead of starting another.
    const again = await asNobody(dir, ['-c', 'test+unix:///default', 'domstate test']);
    assert.equal(again.stdout, 'running\n\n');
    assert.equal(Number(readFileSync(join(dir, 'libvirt', 'tsvirtd.pid'), 'utf8')), pid);
  } finally {
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  }
});
