/**
 * The RPC client against the daemon's server over a real unix socket:
 * the handshake, replies, errors with libvirt's texts, pipelining,
 * read-only denial, events, the screenshot stream, keepalive, flow control.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VirtError } from '../errors.js';
import {
  encodeFrame, FrameDecoder, MessageStatus, MessageType, ProgramNumber, remote, type Frame,
} from '../protocol/index.js';
import { RpcClient } from '../rpc/index.js';
import { DaemonServer } from './server.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let dir: string;
let server: Server;
let daemon: DaemonServer;
let roSocket = '';

async function listen(path: string, readonly: boolean): Promise<Server> {
  const s = createServer((sock) => daemon.accept(sock, { readonly, transport: 'unix', peer: 'test' }));
  await new Promise<void>((r) => s.listen(path, r));
  return s;
}

function connect(path = join(dir, 'sock')): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path, () => resolve(s));
    s.once('error', reject);
  });
}

async function client(opts: ConstructorParameters<typeof RpcClient>[1] = {}, path?: string): Promise<RpcClient> {
  return new RpcClient(await connect(path), opts);
}

async function opened(name = 'test:///default', flags = 0, path?: string,
  opts: ConstructorParameters<typeof RpcClient>[1] = {}): Promise<RpcClient> {
  const c = await client(opts, path);
  await c.call(remote.connectOpen, { name, flags });
  return c;
}

/** Polls until `cond` holds (3 s at most): for what happens on the daemon's side of a socket. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `timed out waiting until ${what}`);
}

async function rejectsWith(p: Promise<unknown>, code: number, domain: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof VirtError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    assert.equal(e.domain, domain);
    return true;
  });
}

let ro: Server;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirtd-server-'));
  daemon = new DaemonServer({ keepaliveInterval: 5, keepaliveCount: 5, maxClientRequests: 5, log: quiet });
  server = await listen(join(dir, 'sock'), false);
  roSocket = join(dir, 'sock-ro');
  ro = await listen(roSocket, true);
});

after(async () => {
  await daemon.close();
  server.close();
  ro.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('daemon server', () => {
  it('answers the stock handshake', async () => {
    const c = await client();
    assert.deepEqual(await c.call(remote.authList, undefined), { types: [0] });
    assert.deepEqual(await c.call(remote.connectSupportsFeature, { feature: 10 }), { supported: 1 });
    await rejectsWith(c.call(remote.connectSupportsFeature, { feature: 14 }), 1, 7,
      'internal error: hypervisor connection not open');
    await c.call(remote.connectOpen, { name: 'test:///default', flags: 0 });
    for (const [feature, supported] of [[14, 1], [15, 1], [9, 1], [16, 1], [1, 0], [8, 1]] as const) {
      assert.deepEqual(await c.call(remote.connectSupportsFeature, { feature }), { supported }, `feature ${feature}`);
    }
    assert.deepEqual(await c.call(remote.connectGetURI, undefined), { uri: 'test:///default' });
    await rejectsWith(c.call(remote.connectOpen, { name: 'test:///default', flags: 0 }), 1, 7,
      'internal error: connection already open');
    await c.call(remote.connectClose, undefined);
    await until(() => c.closed, 'the daemon closes the socket after CONNECT_CLOSE');
  });

  it('probes when the name is empty, and reports unknown drivers as libvirt does', async () => {
    const c = await opened('');
    assert.deepEqual(await c.call(remote.connectGetURI, undefined), { uri: 'test:///default' });
    c.close();
    const d = await client();
    await rejectsWith(d.call(remote.connectOpen, { name: 'nosuch:///x', flags: 0 }), 5, 0,
      'no connection driver available for nosuch:///x');
    d.close();
  });

  it('forwards calls to the driver and carries its errors unchanged', async () => {
    const c = await opened();
    const { dom } = await c.call(remote.domainLookupByName, { name: 'test' });
    assert.equal(dom.name, 'test');
    assert.equal(dom.id, 1);
    const info = await c.call(remote.domainGetInfo, { dom });
    assert.equal(info.state, 1);
    assert.equal(info.nrVirtCpu, 2);
    await rejectsWith(c.call(remote.domainLookupByName, { name: 'nope' }), 42, 12,
      'Domain not found');
    await rejectsWith(c.call(remote.domainGetJobInfo, { dom }), 3, 20,
      'this function is not supported by the connection driver: virDomainGetJobInfo');
    c.close();
  });

  it('answers pipelined calls, each by its serial', async () => {
    const c = await opened();
    const names = ['test', 'nope', 'test', 'nope', 'test', 'test', 'nope', 'test'];
    const results = await Promise.allSettled(names.map((name) => c.call(remote.domainLookupByName, { name })));
    results.forEach((r, i) => assert.equal(r.status, names[i] === 'test' ? 'fulfilled' : 'rejected'));
    c.close();
  });

  it('denies what libvirt denies on read-only connections, from the flag and from the -ro socket', async () => {
    for (const c of [await opened('test:///default', 1), await opened('test:///default', 0, roSocket)]) {
      const { dom } = await c.call(remote.domainLookupByName, { name: 'test' });
      await rejectsWith(c.call(remote.domainSuspend, { dom }), 29, 20,
        'operation forbidden: read only access prevents virDomainSuspend');
      await rejectsWith(c.openStream(remote.domainScreenshot, { dom, screen: 0, flags: 0 }), 29, 20,
        'operation forbidden: read only access prevents virDomainScreenshot');
      await rejectsWith(c.call(remote.domainGetXMLDesc, { dom, flags: 1 }), 29, 20,
        'operation forbidden: virDomainGetXMLDesc with secure flag');
      assert.match((await c.call(remote.domainGetXMLDesc, { dom, flags: 2 })).xml, /<domain type='test'>/);
      assert.equal((await c.call(remote.nodeGetInfo, undefined)).cpus, 16);
      await c.call(remote.connectDomainEventCallbackRegisterAny, { eventID: 0, dom: null });
      c.close();
    }
  });

  it('answers protocol errors as libvirtd 9.0 does and keeps the connection', async () => {
    const sock = await connect();
    const dec = new FrameDecoder();
    const frames: Frame[] = [];
    sock.on('data', (b) => frames.push(...dec.push(b)));
    const call = (proc: number, serial: number, extra: Partial<{ prog: number; status: number }> = {},
      body?: Uint8Array): void => {
      sock.write(encodeFrame({
        prog: extra.prog ?? ProgramNumber.REMOTE, vers: 1, proc, type: MessageType.CALL, serial,
        status: (extra.status ?? 0) as 0,
      }, body));
    };
    call(444, 10);
    call(318, 11);
    call(3, 12, { prog: 0x12345 });
    call(1, 13, { status: 2 });
    call(1, 14, {}, new Uint8Array([0, 0, 0, 1, 0, 0, 0, 200]));
    call(4, 15);
    // A keepalive PING gets a PONG, whatever else is going on.
    sock.write(encodeFrame({ prog: ProgramNumber.KEEPALIVE, vers: 1, proc: 1, type: MessageType.MESSAGE, serial: 0,
      status: MessageStatus.OK }));
    await until(() => frames.length >= 7, 'six replies and a PONG');
    const errs = new Map(frames.filter((f) => f.header.type === MessageType.REPLY).map((f) => {
      const text = Buffer.from(f.body).toString('latin1');
      return [f.header.serial, text] as const;
    }));
    assert.match(errs.get(10)!, /unknown procedure: 444/);
    assert.match(errs.get(11)!, /unknown procedure: 318/);
    assert.match(errs.get(12)!, /Cannot find program 74565 version 1/);
    assert.match(errs.get(13)!, /Unexpected message status 2/);
    assert.match(errs.get(14)!, /Unable to decode message payload/);
    assert.match(errs.get(15)!, /hypervisor connection not open/);
    assert.ok(frames.some((f) => f.header.prog === ProgramNumber.KEEPALIVE && f.header.proc === 2), 'PONG');
    sock.destroy();
  });

  it('delivers lifecycle events to callback and legacy registrations', async () => {
    const events: { name: string; msg: unknown }[] = [];
    const c = await opened(`test://${join(process.cwd(), 'test/fixtures/cli/host.xml')}`, 0, undefined, {
      onEvent: (e, msg) => events.push({ name: e.name, msg }),
    });
    const { callbackID } = await c.call(remote.connectDomainEventCallbackRegisterAny, { eventID: 0, dom: null });
    await rejectsWith(c.call(remote.connectDomainEventCallbackRegisterAny, { eventID: 0, dom: null }), 8, 0,
      'invalid argument: event callback already tracked');
    await rejectsWith(c.call(remote.connectDomainEventCallbackRegisterAny, { eventID: 99, dom: null }), 1, 7,
      'internal error: unsupported event ID 99');
    const { domains } = await c.call(remote.connectListAllDomains, { need_results: 1, flags: 1 });
    const dom = domains[0]!;
    await c.call(remote.domainSuspend, { dom });
    await c.call(remote.domainResume, { dom });
    await until(() => events.length >= 2, 'two lifecycle events');
    assert.deepEqual(events.map((e) => e.name), ['domainEventCallbackLifecycle', 'domainEventCallbackLifecycle']);
    assert.deepEqual(events.map((e) => (e.msg as { msg: { event: number } }).msg.event), [3, 4]);
    assert.ok(events.every((e) => (e.msg as { callbackID: number }).callbackID === callbackID));
    await c.call(remote.connectDomainEventCallbackDeregisterAny, { callbackID });
    await rejectsWith(c.call(remote.connectDomainEventCallbackDeregisterAny, { callbackID }), 1, 7,
      `internal error: domain event callback ${callbackID} not registered`);
    c.close();
  });

  it('streams the screenshot and completes the finish handshake', async () => {
    const c = await opened();
    const { dom } = await c.call(remote.domainLookupByName, { name: 'test' });
    const shot = await c.openStream(remote.domainScreenshot, { dom, screen: 0, flags: 0 });
    assert.equal(shot.ret.mime, 'image/png');
    assert.equal(Buffer.from((await shot.stream.readAll()).subarray(1, 4)).toString(), 'PNG');
    await shot.stream.finish();
    const { stream } = await c.openStream(remote.domainScreenshot, { dom, screen: 0, flags: 0 });
    await stream.abort();
    assert.equal(c.pendingCalls, 0);
    // The connection is still good after the abort.
    assert.equal((await c.call(remote.domainLookupByName, { name: 'test' })).dom.id, 1);
    c.close();
  });

  it('idle() resolves once every call someone waits for has its reply, not counting abandoned ones', async () => {
    const c = await opened();
    let nothingInFlight = false;
    void c.idle().then(() => { nothingInFlight = true; });
    await new Promise((r) => setImmediate(r));
    assert.ok(nothingInFlight, 'idle() with nothing in flight resolves at once');
    const settled: string[] = [];
    const calls = ['test', 'test', 'nosuch'].map((name) =>
      c.call(remote.domainLookupByName, { name }).then(() => settled.push(name), () => settled.push(`!${name}`)));
    const gaveUp = new AbortController();
    const abandoned = c.call(remote.connectGetHostname, undefined, { signal: gaveUp.signal }).catch(() => 'aborted');
    gaveUp.abort();
    assert.equal(await abandoned, 'aborted');
    await c.idle();
    assert.deepEqual(settled, ['test', 'test', '!nosuch']);
    await Promise.all(calls);
    c.close();
    await c.idle();
  });

  it('keeps serving others while one client floods calls and never reads, or stalls mid-packet', async () => {
    await until(() => daemon.clientCount === 0, 'earlier clients are gone');
    // Flooder: thousands of pipelined calls, socket never read.
    const flood = await connect();
    flood.pause();
    const open = encodeFrame({ prog: ProgramNumber.REMOTE, vers: 1, proc: 1, type: MessageType.CALL, serial: 0,
      status: MessageStatus.OK }, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0]));
    flood.write(open);
    const getCaps = (serial: number) => encodeFrame({ prog: ProgramNumber.REMOTE, vers: 1, proc: 7,
      type: MessageType.CALL, serial, status: MessageStatus.OK });
    for (let i = 1; i < 3000; i++) flood.write(getCaps(i));
    // Staller: half a packet, then nothing.
    const stall = await connect();
    stall.write(new Uint8Array([0, 0, 1, 0, 0x20, 0, 0x80]));
    // Everyone else is answered promptly.
    const t0 = Date.now();
    const c = await opened();
    for (let i = 0; i < 20; i++) await c.call(remote.connectGetHostname, undefined);
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    c.close();
    flood.destroy();
    stall.destroy();
    await until(() => daemon.clientCount === 0, 'every session is released');
  });

  it('drops a client that sends a length word over 32 MiB, before allocating', async () => {
    const sock = await connect();
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.write(new Uint8Array([0x02, 0x00, 0x00, 0x05])); // 33554437
    await closed;
  });

  it('releases a client that hangs up in the middle of a stream', async () => {
    await until(() => daemon.clientCount === 0, 'earlier clients are gone');
    const c = await opened();
    const { dom } = await c.call(remote.domainLookupByName, { name: 'test' });
    const { stream } = await c.openStream(remote.domainScreenshot, { dom, screen: 0, flags: 0 });
    await stream.read();
    c.close();
    await until(() => daemon.clientCount === 0, 'the session is released');
  });

  it('answers a reply that does not encode with libvirtd\'s error, and keeps the client', async () => {
    const c = await opened();
    // A description just under REMOTE_STRING_MAX makes the XML above it.
    const big = 'd'.repeat(4194304 - 300);
    await c.call(remote.domainDefineXML, { xml: `<domain type='test'><name>huge</name><description>${big}</description>`
      + '<memory>1024</memory><os><type>hvm</type></os></domain>' });
    const { dom } = await c.call(remote.domainLookupByName, { name: 'huge' });
    await rejectsWith(c.call(remote.domainGetXMLDesc, { dom, flags: 0 }), 39, 7, 'Unable to encode message payload');
    assert.equal(typeof (await c.call(remote.connectGetLibVersion, undefined)).lib_ver, 'number');
    await c.call(remote.domainUndefine, { dom });
    c.close();
  });

  it('drops only the client whose error reply cannot be encoded', async () => {
    const c = await opened();
    const victim = await client();
    // "no connection driver available for URI '…'" around a name near the
    // string limit is past it: libvirtd gives up on that client.
    await assert.rejects(victim.call(remote.connectOpen, { name: 'x'.repeat(4194300), flags: 0 }));
    assert.equal(typeof (await c.call(remote.connectGetLibVersion, undefined)).lib_ver, 'number');
    c.close();
    victim.close();
  });

  it('drops a client that announces file descriptors it cannot pass', async () => {
    const sock = await connect();
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.write(encodeFrame({ prog: ProgramNumber.REMOTE, vers: 1, proc: remote.connectGetLibVersion.number,
      type: MessageType.CALL_WITH_FDS, serial: 1, status: MessageStatus.OK }, new Uint8Array(0), { numFds: 1 }));
    await closed;
    // With no FDs announced, CALL_WITH_FDS is an ordinary call (libvirtd answers it too).
    const ok = await connect();
    const dec = new FrameDecoder();
    const frames: Frame[] = [];
    ok.on('data', (b) => frames.push(...dec.push(b)));
    ok.write(encodeFrame({ prog: ProgramNumber.REMOTE, vers: 1, proc: remote.connectOpen.number,
      type: MessageType.CALL_WITH_FDS, serial: 1, status: MessageStatus.OK }, new Uint8Array(8), { numFds: 0 }));
    await until(() => frames.length === 1, 'the reply');
    assert.equal(frames[0]!.header.status, MessageStatus.OK);
    ok.destroy();
  });

  it('answers test:///dev/zero and a FIFO at once, without blocking other clients', async () => {
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    for (const path of ['/dev/zero', fifo]) {
      const c = await client();
      await rejectsWith(c.call(remote.connectOpen, { name: `test://${path}`, flags: 0 }), 35, 12,
        `${path}:1: Document is empty\n(null)\n^`);
      c.close();
    }
  });

  it('survives parallel clients that register pool events, send CONNECT_CLOSE and hang up (a libvirtd 9.0 crash)', async () => {
    await until(() => daemon.clientCount === 0, 'earlier clients are gone');
    const witness = await opened();
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 16 }, async () => {
        const sock = await connect();
        const header = (proc: number, serial: number) => ({ prog: ProgramNumber.REMOTE, vers: 1, proc,
          type: MessageType.CALL, serial, status: MessageStatus.OK });
        sock.write(encodeFrame(header(remote.connectOpen.number, 0), new Uint8Array(8)));
        // connectStoragePoolEventRegisterAny { eventID: 0 (lifecycle), pool: null }
        sock.write(encodeFrame(header(remote.connectStoragePoolEventRegisterAny.number, 1), new Uint8Array(8)));
        sock.write(encodeFrame(header(remote.connectClose.number, 2)));
        sock.destroy();
      }));
      // Something for the registrations that may still be there to deliver.
      const { pool } = await witness.call(remote.storagePoolLookupByName, { name: 'default-pool' });
      await witness.call(remote.storagePoolRefresh, { pool, flags: 0 });
    }
    assert.equal(typeof (await witness.call(remote.connectGetLibVersion, undefined)).lib_ver, 'number');
    witness.close();
    await until(() => daemon.clientCount === 0, 'every session is released');
  });

  it('stops reading a client that floods PINGs and never reads the PONGs', async () => {
    await until(() => daemon.clientCount === 0, 'earlier clients are gone');
    const sock = await connect();
    sock.pause();
    const ping = encodeFrame({ prog: ProgramNumber.KEEPALIVE, vers: 1, proc: 1, type: MessageType.MESSAGE, serial: 0,
      status: MessageStatus.OK });
    const burst = Buffer.concat(Array.from({ length: 4096 }, () => ping));
    // 64 MiB of PINGs offered: without a bound the daemon would queue as many PONG bytes.
    let offered = 0;
    const t0 = Date.now();
    while (offered < 64 * 1024 * 1024 && Date.now() - t0 < 3000) {
      if (!sock.write(burst)) await new Promise((r) => setTimeout(r, 5));
      offered += burst.length;
    }
    const heap = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const c = await opened();
    assert.equal(typeof (await c.call(remote.connectGetLibVersion, undefined)).lib_ver, 'number');
    c.close();
    // The socket stopped being read: what this process holds for it stays near the bound.
    assert.ok(sock.writableLength > 0, 'the flooder is no longer read');
    assert.ok(heap < 512 * 1024 * 1024, `heap ${heap >> 20} MiB`);
    sock.destroy();
    await until(() => daemon.clientCount === 0, 'the flooder is released');
  });

  it('counts clients and releases them when they go', async () => {
    await until(() => daemon.clientCount === 0, 'earlier clients are gone');
    const c = await opened();
    await until(() => daemon.clientCount === 1, 'the client is counted');
    c.close();
    await until(() => daemon.clientCount === 0, 'the client is released');
  });
});
