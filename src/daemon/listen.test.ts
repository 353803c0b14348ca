import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { VirtError } from '../errors.js';
import {
  Listeners, parseMode, probeUnixSocket, resolveGroup, resolvePort, socketPaths, type ListenerClientInfo, type ListenOptions,
} from './listen.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirtd-listen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Accepted { socket: Socket; info: ListenerClientInfo }

/** Opens listeners whose accepted connections are queued for the test. */
async function open(t: TestContext, o: Omit<ListenOptions, 'onClient'>): Promise<{ l: Listeners; next: () => Promise<Accepted> }> {
  const queue: Accepted[] = [];
  const waiters: ((a: Accepted) => void)[] = [];
  const l = await Listeners.open({
    ...o,
    onClient: (socket, info) => {
      socket.on('error', () => {});
      const a = { socket, info };
      const w = waiters.shift();
      if (w) w(a);
      else queue.push(a);
    },
  });
  t.after(() => l.close());
  const next = (): Promise<Accepted> => {
    const a = queue.shift();
    return a ? Promise.resolve(a) : new Promise((r) => waiters.push(r));
  };
  return { l, next };
}

function dial(t: TestContext, target: string | { port: number; host: string }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = typeof target === 'string' ? connect(target) : connect(target.port, target.host);
    t.after(() => s.destroy());
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

function closed(s: Socket): Promise<void> {
  return new Promise((r) => {
    if (s.closed) r();
    else s.once('close', () => r());
    s.resume();
  });
}

describe('listeners: unix sockets', () => {
  test('created with their modes; read-only flag per socket; removed on close', async (t) => {
    const dir = tempDir(t);
    const rw = join(dir, 'libvirt-sock');
    const ro = join(dir, 'libvirt-sock-ro');
    const { l, next } = await open(t, {
      unix: [{ path: rw, mode: 0o700, readonly: false }, { path: ro, mode: 0o777, readonly: true }],
    });
    assert.ok(lstatSync(rw).isSocket());
    assert.equal(statSync(rw).mode & 0o777, 0o700);
    assert.equal(statSync(ro).mode & 0o777, 0o777);
    assert.deepEqual(l.unixPaths, [rw, ro]);

    await dial(t, rw);
    assert.deepEqual((await next()).info, { readonly: false, transport: 'unix', peer: rw });
    await dial(t, ro);
    assert.deepEqual((await next()).info, { readonly: true, transport: 'unix', peer: ro });
    assert.equal(l.clientCount, 2);

    await l.close();
    assert.equal(existsSync(rw), false);
    assert.equal(existsSync(ro), false);
  });

  test('unix_sock_group: the socket gets the group', async (t) => {
    const gid = process.getuid?.() === 0 ? 4242 : (process.getgroups?.() ?? []).find((g) => g !== 0 && g !== process.getgid?.());
    if (gid === undefined) {
      t.skip('no group to change to');
      return;
    }
    const path = join(tempDir(t), 'libvirt-sock');
    await open(t, { unix: [{ path, mode: 0o770, gid, readonly: false }] });
    assert.equal(statSync(path).gid, gid);
    assert.equal(statSync(path).mode & 0o777, 0o770);
  });

  test('a stale socket (nobody listening) is removed and reused', async (t) => {
    const path = join(tempDir(t), 'libvirt-sock');
    // What a killed daemon leaves: the socket file, nobody behind it.
    spawnSync(process.execPath, ['-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    assert.ok(lstatSync(path).isSocket());
    assert.equal(await probeUnixSocket(path), 'stale');

    const { next } = await open(t, { unix: [{ path, mode: 0o700, readonly: false }] });
    assert.equal(await probeUnixSocket(path), 'live');
    await dial(t, path);
    assert.equal((await next()).info.peer, path);
  });

  test('a socket another daemon serves is refused and left alone', async (t) => {
    const path = join(tempDir(t), 'libvirt-sock');
    const other = createServer((c) => c.destroy());
    await new Promise<void>((r) => other.listen(path, r));
    t.after(() => other.close());
    const ino = statSync(path).ino;
    assert.equal(await probeUnixSocket(path), 'live');
    await assert.rejects(Listeners.open({ unix: [{ path, mode: 0o700, readonly: false }], onClient: () => {} }), (err: unknown) => {
      assert.ok(err instanceof VirtError);
      assert.equal(err.message, `Failed to bind socket to '${path}': another daemon is already listening on it`);
      return true;
    });
    assert.equal(statSync(path).ino, ino);
    await dial(t, path);
  });

  test('a file that is not a socket is never removed', async (t) => {
    const path = join(tempDir(t), 'libvirt-sock');
    writeFileSync(path, 'precious');
    assert.equal(await probeUnixSocket(path), 'not-socket');
    await assert.rejects(Listeners.open({ unix: [{ path, mode: 0o700, readonly: false }], onClient: () => {} }), {
      message: `Failed to bind socket to '${path}': Address already in use`,
    });
    assert.ok(statSync(path).isFile());
  });

  test('a missing directory: libvirt\'s bind error', async (t) => {
    const path = join(tempDir(t), 'no', 'libvirt-sock');
    await assert.rejects(Listeners.open({ unix: [{ path, mode: 0o700, readonly: false }], onClient: () => {} }), {
      message: `Failed to bind socket to '${path}': No such file or directory`,
    });
  });

  test('if a later listener fails, the earlier ones are closed and removed', async (t) => {
    const dir = tempDir(t);
    const rw = join(dir, 'libvirt-sock');
    const bad = join(dir, 'no', 'libvirt-sock-ro');
    await assert.rejects(Listeners.open({
      unix: [{ path: rw, mode: 0o700, readonly: false }, { path: bad, mode: 0o777, readonly: true }],
      onClient: () => {},
    }));
    assert.equal(existsSync(rw), false);
    assert.equal(await probeUnixSocket(rw), 'absent');
  });
});

describe('listeners: tcp', () => {
  test('127.0.0.1 on port 0; peer as libvirt formats it', async (t) => {
    const { l, next } = await open(t, { tcp: [{ host: '127.0.0.1', port: 0 }] });
    const [a] = l.tcpAddresses;
    assert.equal(a!.address, '127.0.0.1');
    const s = await dial(t, { host: '127.0.0.1', port: a!.port });
    const got = await next();
    assert.deepEqual(got.info, { readonly: false, transport: 'tcp', peer: `127.0.0.1;${s.localPort}` });
  });

  test('IPv6 ::1, also written [::1]', async (t) => {
    for (const host of ['::1', '[::1]']) {
      let opened;
      try {
        opened = await open(t, { tcp: [{ host, port: 0 }] });
      } catch (err) {
        t.diagnostic(`no IPv6 loopback: ${(err as Error).message}`);
        return;
      }
      const [a] = opened.l.tcpAddresses;
      assert.equal(a!.address, '::1');
      await dial(t, { host: '::1', port: a!.port });
      assert.equal((await opened.next()).info.transport, 'tcp');
      await opened.l.close();
    }
  });

  test('a port in use: libvirt\'s message', async (t) => {
    const { l } = await open(t, { tcp: [{ host: '127.0.0.1', port: 0 }] });
    const port = l.tcpAddresses[0]!.port;
    await assert.rejects(Listeners.open({ tcp: [{ host: '127.0.0.1', port }], onClient: () => {} }), {
      message: 'Unable to bind to port: Address already in use',
    });
  });
});

describe('listeners: max_clients', () => {
  test('connections beyond the limit are closed at once; a freed slot is reused', async (t) => {
    const path = join(tempDir(t), 'libvirt-sock');
    const logged: string[] = [];
    const log = { debug() {}, info() {}, warn() {}, error: (m: string) => logged.push(m) };
    const { l, next } = await open(t, { unix: [{ path, mode: 0o700, readonly: false }], maxClients: 2, log });
    await dial(t, path);
    const first = await next();
    await dial(t, path);
    await next();
    assert.equal(l.clientCount, 2);

    const third = await dial(t, path);
    await closed(third);
    assert.equal(l.clientCount, 2);
    assert.deepEqual(logged, [`Too many active clients (2), dropping connection from ${path}`]);

    const gone = once(first.socket, 'close');
    first.socket.destroy();
    await gone;
    assert.equal(l.clientCount, 1);
    await dial(t, path);
    await next();
    assert.equal(l.clientCount, 2);
  });
});

describe('listeners: helpers', () => {
  test('parseMode: octal, whole string', () => {
    assert.equal(parseMode('0777'), 0o777);
    assert.equal(parseMode('700'), 0o700);
    assert.equal(parseMode(' 0770'), 0o770);
    for (const bad of ['abc', '0789', '', '0777x', '-1']) {
      assert.throws(() => parseMode(bad), { message: `Failed to parse mode '${bad}'` });
    }
  });

  test('resolveGroup: names from the group file, +N and plain numbers', (t) => {
    const file = join(tempDir(t), 'group');
    writeFileSync(file, 'root:x:0:\nlibvirt:x:142:alice\n12:x:7:\n');
    assert.equal(resolveGroup('libvirt', file), 142);
    assert.equal(resolveGroup('root', file), 0);
    assert.equal(resolveGroup('+99', file), 99);
    assert.equal(resolveGroup('12', file), 7, 'a name wins over a number');
    assert.equal(resolveGroup('500', file), 500);
    assert.throws(() => resolveGroup('nogroupxx', file), { message: "invalid argument: Failed to parse group 'nogroupxx'" });
  });

  test('resolvePort: numbers and /etc/services names', (t) => {
    const file = join(tempDir(t), 'services');
    writeFileSync(file, '# comment\nlibvirt 16509/tcp libvirtd # x\nfoo 1/udp\n');
    assert.equal(resolvePort('16509', null, file), 16509);
    assert.equal(resolvePort('0', null, file), 0);
    assert.equal(resolvePort('libvirt', null, file), 16509);
    assert.equal(resolvePort('libvirtd', null, file), 16509);
    assert.throws(() => resolvePort('foo', '127.0.0.1', file), {
      message: "Unable to resolve address '127.0.0.1' service 'foo': Servname not supported for ai_socktype",
    });
    assert.throws(() => resolvePort('70000', null, file));
  });

  test('socketPaths: virDaemonUnixSocketPaths', () => {
    assert.deepEqual(socketPaths({ privileged: true, unixSockDir: null }), {
      rw: '/var/run/libvirt/libvirt-sock', ro: '/var/run/libvirt/libvirt-sock-ro', dir: '/var/run/libvirt', dirMode: 0o755,
    });
    assert.deepEqual(socketPaths({ privileged: false, unixSockDir: null, env: { XDG_RUNTIME_DIR: '/run/user/7' } }), {
      rw: '/run/user/7/libvirt/libvirt-sock', ro: null, dir: '/run/user/7/libvirt', dirMode: 0o700,
    });
    assert.deepEqual(socketPaths({ privileged: true, unixSockDir: '/tmp/s' }), {
      rw: '/tmp/s/libvirt-sock', ro: '/tmp/s/libvirt-sock-ro', dir: '/tmp/s', dirMode: 0o755,
    });
    assert.equal(socketPaths({ privileged: false, unixSockDir: '/tmp/s' }).ro, null);
  });
});
