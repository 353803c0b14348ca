/**
 * The daemon serves any driver's streams, generically: a driver defined
 * here (an echo console, in-memory volumes with holes, drivers that fail
 * or stall on purpose) behind the daemon's server on a unix socket, driven
 * by the RPC client and by the library's Stream through the remote driver.
 * Both directions, holes both ways, packet split points, finish/abort and
 * their races, errors, and the bounds on what is buffered.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { open, StreamFlags } from '../api/index.js';
import type { Driver, DriverConnection, DriverStream, StreamChunk, StreamDriver } from '../driver/driver.js';
import { DriverRegistry } from '../driver/registry.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { encodeFrame, MessageStatus, MessageType, remote, streamHole } from '../protocol/index.js';
import { RpcClient, STREAM_CHUNK } from '../rpc/index.js';
import { STREAM_QUEUE_MAX } from '../rpc/stream.js';
import type { ParsedURI } from '../uri/index.js';
import { toXdr } from '../xdr/index.js';
import { DaemonServer } from './server.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A gate a test opens: driver operations wait on it. */
class Gate {
  #open = true;
  #waiters: (() => void)[] = [];
  close(): void { this.#open = false; }
  open(): void {
    this.#open = true;
    for (const w of this.#waiters.splice(0)) w();
  }
  wait(): Promise<void> {
    return this.#open ? Promise.resolve() : new Promise((r) => this.#waiters.push(r));
  }
}

/** What the driver saw, for the assertions. */
const seen = {
  sends: 0,
  recvs: 0,
  aborts: 0,
  finishes: 0,
  uploaded: [] as (number | { hole: number })[],
  uploadedBytes: [] as Uint8Array[],
};
const gate = new Gate();

/** The extents of the volume every download reads: data, hole, data, hole (split points around a packet). */
const VOLUME: (Uint8Array | { hole: number })[] = [
  Uint8Array.from({ length: STREAM_CHUNK + 1000 }, (_, i) => i & 0xff),
  { hole: 1 << 20 },
  new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
  { hole: 5 },
];
const VOLUME_BYTES = Buffer.concat(VOLUME.map((e) => (e instanceof Uint8Array ? e : new Uint8Array(e.hole))));

function fail(msg: string): VirtError {
  return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STORAGE, msg);
}

/** The echo console: what is sent comes back, through a queue of at most 4 chunks. */
function echoConsole(): StreamDriver {
  const q: Uint8Array[] = [];
  let reader: (() => void) | null = null;
  let room: (() => void) | null = null;
  let closed: VirtError | null = null;
  const wake = (): void => { reader?.(); reader = null; };
  return {
    async recv() {
      seen.recvs++;
      while (q.length === 0 && !closed) await new Promise<void>((r) => { reader = r; });
      if (q.length === 0) throw closed!;
      const c = q.shift()!;
      room?.();
      room = null;
      return c;
    },
    async send(d) {
      seen.sends++;
      await gate.wait();
      while (q.length >= 4 && !closed) await new Promise<void>((r) => { room = r; });
      if (closed) throw closed;
      q.push(d);
      wake();
    },
    async finish() { seen.finishes++; closed = fail('finished'); wake(); },
    async abort() { seen.aborts++; closed = fail('aborted'); wake(); room?.(); },
  };
}

/** A download: VOLUME's extents, or (offset 3) an error after the first chunk, or (offset 4) endless data. */
function download(offset: number): StreamDriver {
  let i = 0;
  let closed = false;
  return {
    async recv(): Promise<StreamChunk | null> {
      seen.recvs++;
      if (closed) throw fail('closed');
      if (offset === 3 && i === 1) throw fail('the disk went away');
      if (offset === 4) return new Uint8Array(STREAM_CHUNK).fill(i++ & 0xff);
      return VOLUME[i++] ?? null;
    },
    async finish() { seen.finishes++; closed = true; },
    async abort() { seen.aborts++; closed = true; },
  };
}

/** An upload into `seen`: (offset 1) fails its second write, (offset 2) fails at finish. */
function upload(offset: number): StreamDriver {
  let writes = 0;
  return {
    async send(d) {
      seen.sends++;
      await gate.wait();
      if (offset === 1 && ++writes === 2) throw fail('cannot write to stream: No space left on device');
      seen.uploaded.push(d.length);
      seen.uploadedBytes.push(Uint8Array.prototype.slice.call(d));
    },
    async sendHole(n) { seen.uploaded.push({ hole: n }); },
    async finish() {
      seen.finishes++;
      if (offset === 2) throw fail('cannot close volume');
    },
    async abort() { seen.aborts++; },
  };
}

const DOM = { name: 'd', uuid: '00000000-0000-0000-0000-000000000001', id: 1 };
const VOL = { pool: 'p', name: 'v', key: '/p/v' };

class StreamyDriver implements Driver {
  readonly name = 'streamy';
  accepts(uri: ParsedURI | null): boolean {
    return uri?.scheme === 'streamy';
  }
  async open(): Promise<DriverConnection> {
    return {
      connectClose: async () => undefined,
      connectGetType: async () => ({ type: 'STREAMY' }),
      domainLookupByName: async () => ({ dom: DOM }),
      storageVolLookupByKey: async () => ({ vol: VOL }),
      domainOpenConsole: async (_a, st: DriverStream) => st.attach(echoConsole()),
      domainOpenChannel: async (a) => {
        throw fail(`cannot find channel ${a.name ?? '<null>'}`);
      },
      storageVolDownload: async (a, st) => st.attach(download(a.offset)),
      storageVolUpload: async (a, st) => st.attach(upload(a.offset)),
    };
  }
}

let dir: string;
let sockPath: string;
let server: Server;
let daemon: DaemonServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tsvirtd-streams-'));
  sockPath = join(dir, 'sock');
  daemon = new DaemonServer({
    keepaliveInterval: 5, keepaliveCount: 5, maxClientRequests: 5, log: quiet,
    drivers: new DriverRegistry([new StreamyDriver()]),
  });
  server = createServer((s) => daemon.accept(s, { readonly: false, transport: 'unix', peer: 'test' }));
  await new Promise<void>((r) => server.listen(sockPath, r));
});

after(async () => {
  await daemon.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

function reset(): void {
  Object.assign(seen, { sends: 0, recvs: 0, aborts: 0, finishes: 0, uploaded: [], uploadedBytes: [] });
  gate.open();
}

async function rpc(): Promise<{ c: RpcClient; sock: Socket }> {
  const sock = await new Promise<Socket>((resolve, reject) => {
    const s = createConnection(sockPath, () => resolve(s));
    s.once('error', reject);
  });
  const c = new RpcClient(sock);
  await c.call(remote.connectOpen, { name: 'streamy:///', flags: 0 });
  return { c, sock };
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  for (let t = 0; t < ms && !cond(); t += 10) await sleep(10);
  assert.ok(cond(), `timed out waiting until ${what}`);
}

async function rejectsWith(p: Promise<unknown>, code: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof VirtError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    return true;
  });
}

describe('daemon streams, served from any driver', () => {
  it('download: data split into ≤ 262120-byte packets, holes kept with the sparse flag', async () => {
    reset();
    const { c } = await rpc();
    const { stream } = await c.openStream(remote.storageVolDownload, { vol: VOL, offset: 0, length: 0, flags: 1 });
    const got: (number | { hole: number })[] = [];
    for await (const ch of stream) got.push(ch instanceof Uint8Array ? ch.length : ch);
    await stream.finish();
    assert.deepEqual(got, [STREAM_CHUNK, 1000, { hole: 1 << 20 }, 10, { hole: 5 }]);
    assert.equal(seen.finishes, 1);
    c.close();
  });

  it('download without the sparse flag: holes arrive as zeroes, the bytes equal the volume', async () => {
    reset();
    const { c } = await rpc();
    const { stream } = await c.openStream(remote.storageVolDownload, { vol: VOL, offset: 0, length: 0, flags: 0 });
    const bytes = await stream.readAll();
    await stream.finish();
    assert.deepEqual(Buffer.from(bytes), VOLUME_BYTES);
    c.close();
  });

  it('the library Stream over the remote driver: recv splits, STOP_AT_HOLE, recvHole, sparseRecvAll', async () => {
    reset();
    await using conn = await open(`streamy+unix:///?socket=${sockPath}`);
    const vol = await conn.storageVolLookupByKey('/p/v');
    const st = conn.newStream(0);
    await vol.download(st, 0, 0, 1);
    const a = await st.recv(100);
    assert.ok(a instanceof Uint8Array && a.length === 100);
    const b = await st.recv(STREAM_CHUNK + 1000, 1);
    assert.ok(b instanceof Uint8Array && b.length === STREAM_CHUNK - 100, 'the rest of the first packet');
    assert.equal((await st.recv(5000, 1) as Uint8Array).length, 1000);
    assert.equal(await st.recv(10, 1), -3);
    assert.equal(await st.recvHole(), 1 << 20);
    const parts: Buffer[] = [];
    const holes: number[] = [];
    await st.sparseRecvAll((_s, d) => { parts.push(Buffer.from(d)); }, (_s, n) => { holes.push(n); });
    await st.finish();
    assert.deepEqual(Buffer.concat(parts), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    assert.deepEqual(holes, [5]);
    st.free();
    vol.free();
  });

  it('upload: data and holes reach the driver in order, finish is confirmed', async () => {
    reset();
    const { c } = await rpc();
    const { stream } = await c.openStream(remote.storageVolUpload, { vol: VOL, offset: 0, length: 0, flags: 1 });
    await stream.send(new Uint8Array(STREAM_CHUNK * 2 + 7).fill(9));
    await stream.sendHole(4096);
    await stream.send(new Uint8Array(3));
    await stream.finish();
    assert.deepEqual(seen.uploaded, [STREAM_CHUNK, STREAM_CHUNK, 7, { hole: 4096 }, 3]);
    c.close();
  });

  it('upload errors: a failed write is the stream\'s error (STREAM/ERROR), a failed finish rejects finish', async () => {
    reset();
    const { c } = await rpc();
    const { stream } = await c.openStream(remote.storageVolUpload, { vol: VOL, offset: 1, length: 0, flags: 0 });
    await stream.send(new Uint8Array(10));
    await stream.send(new Uint8Array(10));
    await until(() => seen.aborts === 1, 'the daemon aborts the driver\'s stream');
    await rejectsWith(stream.send(new Uint8Array(10)), 1, 'internal error: cannot write to stream: No space left on device');
    await rejectsWith(stream.finish(), 1, 'internal error: cannot write to stream: No space left on device');
    const second = await c.openStream(remote.storageVolUpload, { vol: VOL, offset: 2, length: 0, flags: 0 });
    await second.stream.send(new Uint8Array(10));
    await rejectsWith(second.stream.finish(), 1, 'internal error: cannot close volume');
    // The connection is still good.
    assert.deepEqual(await c.call(remote.connectGetType, undefined), { type: 'STREAMY' });
    c.close();
  });

  it('a download whose driver fails: STREAM/ERROR with the driver\'s error, the connection lives on', async () => {
    reset();
    const { c } = await rpc();
    const { stream } = await c.openStream(remote.storageVolDownload, { vol: VOL, offset: 3, length: 0, flags: 0 });
    // The error may overtake the first chunk: libvirt's client raises it before queued data too.
    await rejectsWith(stream.readAll(), 1, 'internal error: the disk went away');
    await rejectsWith(stream.finish(), 1, 'internal error: the disk went away');
    await stream.abort(); // nothing left to abort: resolves
    assert.deepEqual(await c.call(remote.connectGetType, undefined), { type: 'STREAMY' });
    c.close();
  });

  it('console: both directions at once, through a Duplex over the remote driver', async () => {
    reset();
    await using conn = await open(`streamy+unix:///?socket=${sockPath}`);
    const dom = await conn.domainLookupByName('d');
    const st = conn.newStream(0);
    await dom.openConsole(null, st, 0);
    const duplex = st.toDuplex();
    const got: Buffer[] = [];
    duplex.on('data', (b: Buffer) => got.push(b));
    const msg = Buffer.alloc(3 * STREAM_CHUNK + 123, 'x');
    await new Promise<void>((r, j) => duplex.write(msg, (e) => (e ? j(e) : r())));
    await until(() => Buffer.concat(got).length === msg.length, 'the echo is back');
    assert.deepEqual(Buffer.concat(got), msg);
    await new Promise<void>((r) => duplex.end(r));
    assert.equal(seen.finishes, 1);
    st.free();
    dom.free();
  });

  it('non-blocking console: send takes at once, recv says -2 until the echo is there, events fire', async () => {
    reset();
    await using conn = await open(`streamy+unix:///?socket=${sockPath}`);
    const dom = await conn.domainLookupByName('d');
    const st = conn.newStream(StreamFlags.NONBLOCK);
    await dom.openConsole('serial0', st, 1);
    assert.equal(await st.recv(64), -2);
    const events: number[] = [];
    const readable = new Promise<void>((r) => st.eventAddCallback(1, (_s, ev) => {
      events.push(ev);
      st.eventRemoveCallback();
      r();
    }));
    assert.equal(await st.send(Buffer.from('ping')), 4);
    await readable;
    assert.deepEqual(events, [1]);
    assert.deepEqual(Buffer.from(await st.recv(64) as Uint8Array).toString(), 'ping');
    await rejectsWith(st.sendAll(() => null), 55, 'Requested operation is not valid: data sources cannot be used for non-blocking streams');
    await st.abort();
    await until(() => seen.aborts === 1, 'the driver\'s stream is aborted');
    st.free();
    dom.free();
  });

  it('backpressure: a driver that does not take data stops the daemon reading the client', async () => {
    reset();
    const { c } = await rpc();
    const { stream } = await c.openStream(remote.storageVolUpload, { vol: VOL, offset: 0, length: 0, flags: 0 });
    gate.close();
    let sent = false;
    const big = stream.send(new Uint8Array(64 << 20)).then(() => { sent = true; }, () => undefined);
    await sleep(500);
    // One write is in the driver, a few packets wait in the daemon (max_client_requests),
    // the rest stays with the sender: the daemon stopped reading the socket.
    assert.equal(seen.sends, 1);
    assert.equal(sent, false);
    // Abort: the client stops sending; once the driver moves, the abort is confirmed.
    const t0 = Date.now();
    const aborted = stream.abort();
    gate.open();
    await aborted;
    await big;
    assert.equal(sent, false);
    assert.equal(seen.aborts, 1);
    assert.ok(seen.sends < 20, `the driver got ${seen.sends} writes, not 64 MiB`);
    assert.ok(Date.now() - t0 < 3000);
    c.close();
  });

  it('backpressure: a client that does not read its download stops the daemon pulling from the driver', async () => {
    reset();
    const { c } = await rpc();
    const { stream } = await c.openStream(remote.storageVolDownload, { vol: VOL, offset: 4, length: 0, flags: 0 });
    await sleep(500);
    const pulled = seen.recvs;
    // Our queue is bounded, and so is what sits in socket buffers: the driver is asked for little.
    assert.ok(stream.queuedBytes <= STREAM_QUEUE_MAX + STREAM_CHUNK, `queued ${stream.queuedBytes}`);
    assert.ok(pulled * STREAM_CHUNK < 64 << 20, `pulled ${pulled} chunks`);
    await sleep(300);
    assert.ok(seen.recvs - pulled <= 1, 'the daemon waits for the socket');
    // Reading resumes the flow.
    for (let i = 0; i < 40; i++) assert.ok((await stream.read()) instanceof Uint8Array);
    assert.ok(seen.recvs > pulled);
    await stream.abort();
    c.close();
  });

  it('finish racing with data in flight: the data is written first, then the finish is confirmed', async () => {
    reset();
    const { c } = await rpc();
    const { stream } = await c.openStream(remote.storageVolUpload, { vol: VOL, offset: 0, length: 0, flags: 0 });
    gate.close();
    const sends = [0, 1, 2, 3].map((i) => stream.send(new Uint8Array(1000).fill(i)));
    const fin = Promise.all(sends).then(() => stream.finish());
    await sleep(100);
    gate.open();
    await fin;
    assert.deepEqual(seen.uploadedBytes.map((b) => b[0]), [0, 1, 2, 3]);
    assert.equal(seen.finishes, 1);
    c.close();
  });

  it('a hole on a stream opened without the sparse flag ends that client only', async () => {
    reset();
    const { c, sock } = await rpc();
    const { stream } = await c.openStream(remote.storageVolUpload, { vol: VOL, offset: 0, length: 0, flags: 0 });
    await rejectsWith(stream.sendHole(10), 55, 'Requested operation is not valid: Skipping is not supported with this stream');
    // Sent by hand, as a broken client would.
    sock.write(encodeFrame({ prog: remote.prog, vers: remote.vers, proc: remote.storageVolUpload.number,
      type: MessageType.STREAM_HOLE, serial: stream.serial, status: MessageStatus.CONTINUE },
    toXdr(streamHole, { length: 10, flags: 0 })));
    await until(() => c.closed, 'the daemon drops the client');
    await until(() => seen.aborts === 1, 'its stream is aborted');
    const other = await rpc();
    assert.deepEqual(await other.c.call(remote.connectGetType, undefined), { type: 'STREAMY' });
    other.c.close();
  });

  it('a client that hangs up mid-stream: the driver\'s streams are aborted, the session released', async () => {
    reset();
    const { c } = await rpc();
    await c.openStream(remote.domainOpenConsole, { dom: DOM, dev_name: null, flags: 0 });
    await c.openStream(remote.storageVolDownload, { vol: VOL, offset: 4, length: 0, flags: 0 });
    c.close();
    await until(() => seen.aborts === 2, 'both driver streams are aborted');
    await until(() => daemon.clientCount === 0, 'the session is released');
  });

  it('an opening call that fails opens no stream; the error is the driver\'s', async () => {
    reset();
    const { c } = await rpc();
    await rejectsWith(c.openStream(remote.domainOpenChannel, { dom: DOM, name: 'nope', flags: 0 }), 1,
      'internal error: cannot find channel nope');
    await rejectsWith(c.openStream(remote.domainScreenshot, { dom: DOM, screen: 0, flags: 0 }), 3,
      'this function is not supported by the connection driver: virDomainScreenshot');
    c.close();
  });
});
