/**
 * Proves the interop harness: a private stock libvirtd answers virsh and
 * python over TCP and unix sockets, a private sshd accepts our key through
 * the PATH wrapper, and libvirt's ssh transport reaches the private libvirtd
 * through it. Outside CI missing oracles skip; under CI=true they fail.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { canConnect, run, startLibvirtd, startSshd, startTsvirtd, TSVIRTD, type Daemon, type Sshd } from './harness.js';
import { canUnshare, hasLibvirtd, hasSshd, hasVirsh, PYTHON, requireOracles } from './oracle.js';

const LIST_ALL = ' Id   Name   State\n----------------------\n 1    test   running\n\n';

function show(r: { status: number | null; stdout: string; stderr: string }): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

describe('interop harness', () => {
  let lvd: Daemon | undefined;
  let sshd: Sshd | undefined;
  // Failures to start are reported by the tests that need the service.
  let lvdError: unknown;
  let sshdError: unknown;

  before(async () => {
    await Promise.all([
      (async () => {
        if (!hasLibvirtd() || !canUnshare()) return;
        try { lvd = await startLibvirtd(); } catch (e) { lvdError = e; }
      })(),
      (async () => {
        if (!hasSshd()) return;
        try { sshd = await startSshd(); } catch (e) { sshdError = e; }
      })(),
    ]);
  });
  after(async () => {
    await Promise.all([lvd?.stop(), sshd?.stop()]);
  });

  function daemon(): Daemon {
    if (lvdError !== undefined) throw lvdError;
    assert.ok(lvd, 'libvirtd was not started');
    return lvd;
  }
  function server(): Sshd {
    if (sshdError !== undefined) throw sshdError;
    assert.ok(sshd, 'sshd was not started');
    return sshd;
  }

  it('virsh lists test:///default over tcp', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare')) return;
    const d = daemon();
    const r = await run('virsh', ['-c', d.tcpURI(), 'list', '--all']);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout, LIST_ALL);
  });

  it('virsh lists over the rw unix socket and reads over the ro one', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare')) return;
    const d = daemon();
    const [rw, ro] = await Promise.all([
      run('virsh', ['-c', d.unixURI(), 'list', '--all']),
      run('virsh', ['-r', '-c', d.unixURI('/default', 'test', { readonly: true }), 'domstate', 'test']),
    ]);
    assert.equal(rw.status, 0, show(rw));
    assert.equal(rw.stdout, LIST_ALL);
    assert.equal(ro.status, 0, show(ro));
    assert.equal(ro.stdout, 'running\n\n');
  });

  it('python libvirt lists domains over tcp', async (t) => {
    if (!requireOracles(t, 'python', 'libvirtd', 'unshare')) return;
    const d = daemon();
    const script = 'import sys, libvirt\n' +
      'c = libvirt.open(sys.argv[1])\n' +
      'print(sorted(dom.name() for dom in c.listAllDomains()), c.getURI())\n' +
      'c.close()\n';
    const r = await run(PYTHON, ['-c', script, d.tcpURI()]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout, `['test'] ${d.tcpURI()}\n`);
  });

  it('ssh through the PATH wrapper logs in with the private key and known_hosts', async (t) => {
    if (!requireOracles(t, 'sshd')) return;
    const s = server();
    const [direct, wrapped, strict] = await Promise.all([
      // By hand, with explicit options.
      run('ssh', ['-p', String(s.port), '-i', s.keyfile, '-o', `UserKnownHostsFile=${s.knownHosts}`,
        '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'IdentitiesOnly=yes',
        '-F', '/dev/null', `${s.user}@127.0.0.1`, 'echo', 'direct-ok']),
      // Through the wrapper: plain `ssh` from PATH, as libvirt runs it.
      run('ssh', ['-p', String(s.port), `${s.user}@127.0.0.1`, 'echo', 'wrapped-ok'], { env: s.env }),
      // The host key really is checked: an empty known_hosts is refused.
      run('ssh', ['-p', String(s.port), '-i', s.keyfile, '-o', 'UserKnownHostsFile=/dev/null',
        '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
        '-F', '/dev/null', `${s.user}@127.0.0.1`, 'true']),
    ]);
    assert.equal(direct.status, 0, show(direct));
    assert.equal(direct.stdout, 'direct-ok\n');
    assert.equal(wrapped.status, 0, show(wrapped));
    assert.equal(wrapped.stdout, 'wrapped-ok\n');
    assert.equal(strict.status, 255, show(strict));
    assert.match(strict.stderr, /Host key verification failed/);
  });

  it('virsh reaches the private libvirtd through the private sshd (test+ssh, nc -U)', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare', 'sshd', 'netcat')) return;
    const d = daemon();
    const s = server();
    const uri = d.sshURI(s);
    assert.equal(uri, `test+ssh://${s.user}@127.0.0.1:${s.port}/default?socket=${d.rwSocket}`);
    const [r, ro] = await Promise.all([
      run('virsh', ['-c', uri, 'list', '--all'], { env: s.env }),
      run('virsh', ['-r', '-c', d.sshURI(s, '/default', 'test', { readonly: true }), 'domstate', 'test'], { env: s.env }),
    ]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout, LIST_ALL);
    assert.equal(ro.status, 0, show(ro));
    assert.equal(ro.stdout, 'running\n\n');
  });

  it('virsh reaches the private libvirtd through libssh2 and libssh with keyfile= and known_hosts=', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare', 'sshd', 'netcat')) return;
    const d = daemon();
    const s = server();
    const [libssh2, libssh] = await Promise.all([
      run('virsh', ['-c', `${d.sshURI(s, '/default', 'test', { transport: 'libssh2' })}&sshauth=privkey`, 'list', '--all']),
      run('virsh', ['-c', d.sshURI(s, '/default', 'test', { transport: 'libssh' }), 'list', '--all']),
    ]);
    assert.equal(libssh2.status, 0, show(libssh2));
    assert.equal(libssh2.stdout, LIST_ALL);
    assert.equal(libssh.status, 0, show(libssh));
    assert.equal(libssh.stdout, LIST_ALL);
  });

  it('startTsvirtd starts our daemon with the same config and stops it', async (t) => {
    // Escape hatch while tsvirtd is being written (even in CI).
    if (!existsSync(TSVIRTD)) {
      t.skip(`${TSVIRTD} does not exist yet`);
      return;
    }
    const d = await startTsvirtd();
    try {
      assert.ok(await canConnect(d.rwSocket));
      assert.ok(await canConnect(d.roSocket));
      assert.ok(await canConnect(d.tcpPort));
      if (hasVirsh()) {
        const r = await run('virsh', ['-c', d.tcpURI(), 'list', '--all']);
        assert.equal(r.status, 0, show(r));
        assert.equal(r.stdout, LIST_ALL);
      }
    } finally {
      await d.stop();
    }
    assert.equal(await canConnect(d.rwSocket), false);
    assert.equal(existsSync(d.dir), false);
  });

  it('stop() ends libvirtd and removes its temp dir', async (t) => {
    if (!requireOracles(t, 'libvirtd', 'unshare')) return;
    const d = await startLibvirtd({ tcp: false });
    assert.equal(d.tcpPort, 0);
    assert.ok(await canConnect(d.rwSocket));
    await d.stop();
    assert.throws(() => process.kill(d.pid, 0), { code: 'ESRCH' });
    assert.equal(existsSync(d.dir), false);
    await d.stop(); // idempotent
  });
});
