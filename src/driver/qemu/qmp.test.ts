import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { QmpClient, QmpClosedError, QmpCommandError, QmpTimeoutError, type QmpEvent } from './qmp.js';
import { findQemuBinary } from './capabilities.js';

const GREETING = '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "test"}, "capabilities": ["oob"]}}\r\n';

/** One parsed command the fake server received. */
interface Cmd { execute: string; arguments?: Record<string, unknown>; id: string }

/**
 * A fake QMP server on a temp unix socket: greets, answers qmp_capabilities
 * itself, and hands every other command to `handle` with the socket.
 */
async function fakeQmp(t: TestContext, handle: (cmd: Cmd, s: Socket, raw: string) => void, opts: { greeting?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-qmp-test-'));
  const path = join(dir, 'qmp.sock');
  const received: string[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.write(opts.greeting ?? GREETING);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const raw = buf.slice(0, i + 1);
        buf = buf.slice(i + 1);
        received.push(raw);
        const cmd = JSON.parse(raw) as Cmd;
        if (cmd.execute === 'qmp_capabilities') s.write(`{"return": {}, "id": ${JSON.stringify(cmd.id)}}\r\n`);
        else handle(cmd, s, raw);
      }
    });
    s.on('error', () => { /* the client may go first */ });
  });
  await new Promise<void>((r) => server.listen(path, r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, received, sockets };
}

const reply = (s: Socket, id: string, ret: unknown) => s.write(`${JSON.stringify({ return: ret, id })}\r\n`);

describe('QmpClient against a fake QMP server', () => {
  it('reads the greeting, negotiates capabilities, and sends libvirt-N ids with CRLF', async (t) => {
    const srv = await fakeQmp(t, (c, s) => reply(s, c.id, { status: 'running', running: true }));
    const qmp = await QmpClient.connect(srv.path);
    t.after(() => qmp.close());
    assert.equal(qmp.greeting.version.qemu.major, 7);
    assert.deepEqual(qmp.greeting.capabilities, ['oob']);
    const r = await qmp.execute<{ status: string }>('query-status');
    assert.equal(r.status, 'running');
    await qmp.execute('balloon', { value: 268435456 });
    assert.deepEqual(srv.received, [
      '{"execute":"qmp_capabilities","id":"libvirt-1"}\r\n',
      '{"execute":"query-status","id":"libvirt-2"}\r\n',
      '{"execute":"balloon","arguments":{"value":268435456},"id":"libvirt-3"}\r\n',
    ]);
  });

  it('rejects a QMP error with its class and desc', async (t) => {
    const srv = await fakeQmp(t, (c, s) => s.write(`{"id": "${c.id}", "error": {"class": "DeviceNotFound", "desc": "Device 'x' not found"}}\r\n`));
    const qmp = await QmpClient.connect(srv.path);
    t.after(() => qmp.close());
    await assert.rejects(qmp.execute('device_del', { id: 'x' }), (e: unknown) => {
      assert.ok(e instanceof QmpCommandError);
      assert.equal(e.qmpClass, 'DeviceNotFound');
      assert.equal(e.desc, "Device 'x' not found");
      assert.equal(e.command, 'device_del');
      return true;
    });
  });

  it('matches replies to commands by id, whatever their order', async (t) => {
    const held: Cmd[] = [];
    const srv = await fakeQmp(t, (c, s) => {
      held.push(c);
      if (held.length === 3) for (const h of held.reverse()) reply(s, h.id, h.execute);
    });
    const qmp = await QmpClient.connect(srv.path);
    t.after(() => qmp.close());
    const got = await Promise.all(['a', 'b', 'c'].map((n) => qmp.execute(n)));
    assert.deepEqual(got, ['a', 'b', 'c']);
  });

  it('delivers events with their timestamps, in order, between replies', async (t) => {
    const srv = await fakeQmp(t, (c, s) => {
      s.write('{"timestamp": {"seconds": 1700000000, "microseconds": 123456}, "event": "STOP"}\r\n');
      s.write('{"timestamp": {"seconds": 1700000001, "microseconds": 7}, "event": "BALLOON_CHANGE", "data": {"actual": 209715200}}\r\n');
      reply(s, c.id, {});
    });
    const seen: QmpEvent[] = [];
    const qmp = await QmpClient.connect(srv.path, { onEvent: (e) => seen.push(e) });
    t.after(() => qmp.close());
    const second: string[] = [];
    const off = qmp.onEvent((e) => second.push(e.event));
    await qmp.execute('stop');
    off();
    assert.deepEqual(seen, [
      { event: 'STOP', data: {}, timestamp: { seconds: 1700000000, microseconds: 123456 } },
      { event: 'BALLOON_CHANGE', data: { actual: 209715200 }, timestamp: { seconds: 1700000001, microseconds: 7 } },
    ]);
    assert.deepEqual(second, ['STOP', 'BALLOON_CHANGE']);
  });

  it('reassembles lines split at every byte', async (t) => {
    const line = '{"return": {"name": "caf\u00e9 \u2603"}, "id": "libvirt-2"}\r\n';
    const bytes = Buffer.from(line);
    const srv = await fakeQmp(t, (_c, s) => {
      let i = 0;
      const step = () => {
        if (i >= bytes.length) return;
        s.write(bytes.subarray(i, i + 1));
        i++;
        setImmediate(step);
      };
      step();
    });
    const qmp = await QmpClient.connect(srv.path);
    t.after(() => qmp.close());
    assert.deepEqual(await qmp.execute('query-name'), { name: 'caf\u00e9 \u2603' });
  });

  it('fails pending commands when the monitor closes, and later ones at once', async (t) => {
    const srv = await fakeQmp(t, (_c, s) => s.end());
    let closedWith: Error | undefined;
    const qmp = await QmpClient.connect(srv.path, { onClose: (e) => { closedWith = e; } });
    await assert.rejects(qmp.execute('system_powerdown'), QmpClosedError);
    assert.ok(qmp.isClosed);
    assert.ok(closedWith instanceof QmpClosedError);
    assert.ok((await qmp.closed) instanceof QmpClosedError);
    await assert.rejects(qmp.execute('query-status'), QmpClosedError);
  });

  it('times a command out, drops its late reply, and stays usable', async (t) => {
    const late: Cmd[] = [];
    const srv = await fakeQmp(t, (c, s) => {
      if (c.execute === 'slow') { late.push(c); return; }
      for (const l of late.splice(0)) reply(s, l.id, 'late');
      reply(s, c.id, 'fast');
    });
    const qmp = await QmpClient.connect(srv.path, { commandTimeoutMs: 50 });
    t.after(() => qmp.close());
    await assert.rejects(qmp.execute('slow'), (e: unknown) => e instanceof QmpTimeoutError && e.command === 'slow');
    assert.equal(await qmp.execute('quick', undefined, { timeoutMs: 5000 }), 'fast');
  });

  it('drops a peer that sends an endless line instead of buffering it', async (t) => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const srv = await fakeQmp(t, (_c, s) => {
      s.write('{"return": "');
      const pump = () => {
        while (!s.destroyed && s.write(chunk)) { /* fill */ }
        if (!s.destroyed) s.once('drain', pump);
      };
      pump();
    });
    const qmp = await QmpClient.connect(srv.path, { maxLineBytes: 1024 * 1024 });
    await assert.rejects(qmp.execute('query-endless'), (e: unknown) =>
      e instanceof QmpClosedError && /longer than 1048576 bytes/.test(e.message));
    assert.ok(qmp.isClosed);
  });

  it('rejects a peer that does not greet', async (t) => {
    const srv = await fakeQmp(t, () => undefined, { greeting: '{"return": {}}\r\n' });
    await assert.rejects(QmpClient.connect(srv.path), (e: unknown) =>
      e instanceof QmpClosedError && /greeting/.test(e.message));
  });

  it('gives up on a silent peer after the handshake timeout', async (t) => {
    const srv = await fakeQmp(t, () => undefined, { greeting: '' });
    await assert.rejects(QmpClient.connect(srv.path, { handshakeTimeoutMs: 100 }), /no QMP greeting within 100 ms/);
  });

  it('close() fails what is still pending and is idempotent', async (t) => {
    const srv = await fakeQmp(t, () => undefined);
    const qmp = await QmpClient.connect(srv.path);
    const p = assert.rejects(qmp.execute('never'), QmpClosedError);
    await qmp.close();
    await qmp.close();
    await p;
    assert.equal(await qmp.closed, undefined);
  });
});

describe('QmpClient against a real QEMU', () => {
  it('talks to qemu-system-x86_64 -machine none', { timeout: 60_000 }, async (t) => {
    const bin = findQemuBinary('x86_64');
    if (bin === undefined) {
      if (process.env['CI'] === 'true') throw new Error('CI=true but qemu-system-x86_64 is not installed');
      t.skip('qemu-system-x86_64 is not installed; skipped');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-qmp-real-'));
    const sock = join(dir, 'qmp.sock');
    const qemu = spawn(bin, ['-machine', 'none', '-nodefaults', '-nographic', '-qmp', `unix:${sock},server=on,wait=off`],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    qemu.stderr.on('data', (d) => { stderr += String(d); });
    const exited = new Promise<number | null>((r) => qemu.on('exit', (code) => r(code)));
    t.after(() => {
      if (qemu.exitCode === null && qemu.signalCode === null) qemu.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(sock), `QEMU made no QMP socket: ${stderr}`);
    const events: QmpEvent[] = [];
    const qmp = await QmpClient.connect(sock, { onEvent: (e) => events.push(e) });
    assert.equal(typeof qmp.greeting.version.qemu.major, 'number');
    const v = await qmp.execute<{ qemu: { major: number } }>('query-version');
    assert.equal(v.qemu.major, qmp.greeting.version.qemu.major);
    const st = await qmp.execute<{ status: string }>('query-status');
    assert.equal(typeof st.status, 'string');
    await assert.rejects(qmp.execute('no-such-command'), (e: unknown) =>
      e instanceof QmpCommandError && e.qmpClass === 'CommandNotFound' && /no-such-command/.test(e.desc));
    // quit: QEMU answers, emits SHUTDOWN, then closes the socket.
    const before = Date.now() / 1000;
    await qmp.execute('quit');
    assert.ok((await qmp.closed) instanceof QmpClosedError);
    assert.equal(await exited, 0);
    const shutdown = events.find((e) => e.event === 'SHUTDOWN');
    assert.ok(shutdown, `no SHUTDOWN event in ${JSON.stringify(events)}`);
    assert.equal(shutdown.data['reason'], 'host-qmp-quit');
    assert.ok(Math.abs(shutdown.timestamp.seconds - before) < 60);
  });
});
