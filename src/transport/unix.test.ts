import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { planRemote } from '../driver/remote/plan.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { parseURI } from '../uri/index.js';
import { connectTransport } from './index.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-unix-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function echoServer(t: TestContext, path: string): Promise<Server> {
  const server = createServer((s) => s.pipe(s));
  server.listen(path);
  await once(server, 'listening');
  t.after(() => server.close());
  return server;
}

describe('unix transport', () => {
  it('connects to socket= and carries bytes both ways', async (t) => {
    const dir = tempDir(t);
    const path = join(dir, 'sock');
    await echoServer(t, path);
    const plan = planRemote(parseURI(`qemu:///system?socket=${path}`), { flags: 0, env: {}, uid: 1000 });
    const tr = await connectTransport(plan, {});
    t.after(() => tr.close());
    assert.equal(tr.kind, 'unix');
    assert.equal(tr.secure, true);
    assert.equal(tr.encrypted, false);
    tr.stream.write('ping');
    const [chunk] = await once(tr.stream, 'data') as [Buffer];
    assert.equal(chunk.toString(), 'ping');
  });

  it('reports a missing socket as libvirt does', async (t) => {
    const path = join(tempDir(t), 'nope');
    const plan = planRemote(parseURI(`qemu:///system?socket=${path}`), { flags: 0, env: {}, uid: 1000 });
    await assert.rejects(connectTransport(plan), (e: unknown) => {
      assert.ok(e instanceof VirtError);
      assert.equal(e.code, ErrorCode.SYSTEM_ERROR);
      assert.equal(e.domain, ErrorDomain.RPC);
      assert.equal(e.message, `Failed to connect socket to '${path}': No such file or directory`);
      return true;
    });
  });

  it('reports a refused socket (a file that is not a listening socket)', async (t) => {
    const path = join(tempDir(t), 'plain-file');
    writeFileSync(path, '');
    const plan = planRemote(parseURI(`qemu:///system?socket=${path}`), { flags: 0, env: {}, uid: 1000 });
    await assert.rejects(connectTransport(plan), (e: unknown) => e instanceof VirtError &&
      e.message === `Failed to connect socket to '${path}': Connection refused`);
  });

  it('autostarts the session daemon and retries until it listens', async (t) => {
    const runtime = tempDir(t);
    const env = { HOME: runtime, XDG_RUNTIME_DIR: runtime, PATH: process.env.PATH };
    const plan = planRemote(parseURI('test+unix:///default'), { flags: 0, env, uid: 1000 });
    assert.equal(plan.autostart, true);
    assert.equal(plan.socketPath, join(runtime, 'libvirt', 'libvirt-sock'));
    // A stand-in daemon: records its argv, listens late, echoes.
    const script = join(runtime, 'fake-daemon.cjs');
    writeFileSync(script, `
const net = require('node:net');
const fs = require('node:fs');
fs.writeFileSync(${JSON.stringify(join(runtime, 'argv.json'))}, JSON.stringify(process.argv.slice(2)));
setTimeout(() => {
  const srv = net.createServer((s) => s.pipe(s)).listen(${JSON.stringify(plan.socketPath)});
  setTimeout(() => { srv.close(); process.exit(0); }, 3000).unref();
  srv.on('connection', () => setTimeout(() => process.exit(0), 200));
}, 150);
`);
    const tr = await connectTransport(plan, { env, daemonCommand: [process.execPath, script] });
    t.after(() => tr.close());
    tr.stream.write('hi');
    const [chunk] = await once(tr.stream, 'data') as [Buffer];
    assert.equal(chunk.toString(), 'hi');
    assert.deepEqual(JSON.parse(readFileSync(join(runtime, 'argv.json'), 'utf8')), ['--timeout=120']);
    // The lock file is gone again.
    assert.equal(existsSync(join(runtime, 'libvirt', 'libvirtd.lock')), false);
  });

  it('does not autostart with LIBVIRT_AUTOSTART=0', async (t) => {
    const runtime = tempDir(t);
    const env = { HOME: runtime, XDG_RUNTIME_DIR: runtime, LIBVIRT_AUTOSTART: '0' };
    const plan = planRemote(parseURI('qemu:///session'), { flags: 0, env, uid: 1000 });
    const marker = join(runtime, 'started');
    const script = join(runtime, 'd.sh');
    writeFileSync(script, `#!/bin/sh\ntouch ${marker}\n`);
    chmodSync(script, 0o755);
    await assert.rejects(connectTransport(plan, { env, daemonCommand: [script] }),
      /^VirtError: Failed to connect socket to '.*libvirt-sock': No such file or directory$/);
    assert.equal(existsSync(marker), false);
  });

  it('fails fast when the daemon cannot be started', async (t) => {
    const runtime = tempDir(t);
    const env = { HOME: runtime, XDG_RUNTIME_DIR: runtime };
    const plan = planRemote(parseURI('qemu:///session'), { flags: 0, env, uid: 1000 });
    const started = Date.now();
    await assert.rejects(connectTransport(plan, { env, daemonCommand: [join(runtime, 'no-such-daemon')] }),
      /Failed to connect socket to '.*': No such file or directory/);
    assert.ok(Date.now() - started < 2000);
  });

  it('honours an AbortSignal while waiting for the daemon', async (t) => {
    const runtime = tempDir(t);
    const env = { HOME: runtime, XDG_RUNTIME_DIR: runtime };
    const plan = planRemote(parseURI('qemu:///session'), { flags: 0, env, uid: 1000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(
      connectTransport(plan, { env, signal: ac.signal, daemonCommand: ['/bin/sleep', '1'] }),
      (e: unknown) => e instanceof VirtError && e.code === ErrorCode.OPERATION_ABORTED);
  });
});
