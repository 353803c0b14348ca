/**
 * The remote driver through the public API, against the daemon's server
 * in this process over a unix socket: the same objects and errors as the
 * embedded driver, events, the close callback, aborted calls.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { open, openReadOnly, type Connection } from '../../api/index.js';
import { DaemonServer } from '../../daemon/server.js';
import { VirtError } from '../../errors.js';
import { withSignal } from '../call-context.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let dir: string;
let sockPath: string;
let server: Server;
let daemon: DaemonServer;
const sockets = new Set<Socket>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirt-remote-'));
  sockPath = join(dir, 'sock');
  daemon = new DaemonServer({ keepaliveInterval: 5, keepaliveCount: 5, maxClientRequests: 5, log: quiet });
  server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    daemon.accept(s, { readonly: false, transport: 'unix', peer: 'test' });
  });
  await new Promise<void>((r) => server.listen(sockPath, r));
});

after(async () => {
  await daemon.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const uri = (path = '/default') => `test+unix://${path}?socket=${sockPath}`;

async function errorOf(p: Promise<unknown>): Promise<VirtError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof VirtError, String(e));
    return e;
  }
  assert.fail('expected a VirtError');
}

test('a remote connection works like the embedded one', async () => {
  await using conn = await open(uri());
  assert.equal(await conn.getURI(), uri());
  assert.equal(await conn.getType(), 'TEST');
  assert.equal(await conn.getLibVersion(), 9_000_000);
  const dom = await conn.domainLookupByName('test');
  assert.equal(dom.getID(), 1);
  assert.match(await dom.getXMLDesc(), /<name>test<\/name>/);
  assert.equal(await conn.isSecure(), true, 'unix sockets are secure');
  assert.equal(await conn.isEncrypted(), false);
  assert.equal(await conn.isAlive(), true);
  const e = await errorOf(conn.domainLookupByName('nope'));
  assert.deepEqual([e.code, e.domain, e.message], [42, 12, 'Domain not found']);
  dom.free();
});

test('read-only remote connections are denied by the daemon with libvirt\'s error', async () => {
  await using conn = await openReadOnly(uri());
  const dom = await conn.domainLookupByName('test');
  const e = await errorOf(dom.suspend());
  assert.deepEqual([e.code, e.domain, e.message], [29, 20, 'operation forbidden: read only access prevents virDomainSuspend']);
  dom.free();
});

test('lifecycle events arrive through the daemon', async () => {
  await using conn = await open(uri(join(process.cwd(), 'test/fixtures/cli/host.xml')));
  const seen: string[] = [];
  const id = conn.domainEventRegisterAny(null, 0, (_c, d, event, detail) => seen.push(`${d.getName()} ${event} ${detail}`));
  const [first] = await conn.listAllDomains(1);
  assert.ok(first);
  await conn.eventsReady(); // the daemon has the registration
  await first.suspend();
  await first.resume();
  for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(seen, [`${first.getName()} 3 0`, `${first.getName()} 4 0`]);
  conn.domainEventDeregisterAny(id);
  first.free();
});

test('the screenshot crosses the stream', async () => {
  await using conn = await open(uri());
  const dom = await conn.domainLookupByName('test');
  const st = conn.newStream();
  assert.equal(await dom.screenshot(st), 'image/png');
  const parts: Uint8Array[] = [];
  for await (const c of st) parts.push(c);
  await st.finish();
  const png = Buffer.concat(parts);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  st.free();
  dom.free();
});

test('the close callback reports EOF when the daemon drops the connection', async () => {
  const conn: Connection = await open(uri());
  const reasons: number[] = [];
  conn.registerCloseCallback((_c, reason) => reasons.push(reason));
  await conn.eventsReady();
  for (const s of sockets) s.destroy();
  for (let i = 0; i < 100 && reasons.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(reasons, [1]);
  assert.equal(await conn.isAlive(), false);
  const e = await errorOf(conn.getType());
  assert.equal(e.code, 38);
  assert.match(e.message, /^End of file while reading data/);
  await conn.close();
});

test('an aborted call rejects at once and leaves the connection usable', async () => {
  await using conn = await open(uri());
  const ac = new AbortController();
  ac.abort(new Error('user gave up'));
  const e = await errorOf(withSignal(ac.signal, () => conn.getHostname()));
  assert.equal(e.code, 78);
  assert.match(e.message, /user gave up/);
  assert.equal(typeof (await conn.getHostname()), 'string');
});

test('a daemon that is not there fails as libvirt words it', async () => {
  const e = await errorOf(open(`test+unix:///default?socket=${join(dir, 'nothing')}`));
  assert.equal(e.code, 38);
  assert.match(e.message, /^Failed to connect socket to '.*nothing': No such file or directory$/);
});
