/**
 * The library's Stream over a driver side written here: libvirt's recv/send
 * semantics (partial reads, holes, -2/-3), the *All helpers, the Node
 * adapters and their backpressure, errors and the end of a stream.
 */
import assert from 'node:assert/strict';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import type { DriverConnection, StreamChunk, StreamDriver } from '../driver/driver.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { Connection } from './connection.js';
import { Stream, STREAM_AGAIN, STREAM_AT_HOLE, StreamFlags, StreamRecvFlags } from './stream.js';

function conn(): Connection {
  return new Connection({ connectClose: async () => undefined } as DriverConnection, null, 0);
}

/** A source of chunks, with counters; recv waits `delay` ms when given. */
function source(items: (StreamChunk | Error)[], delay = 0): StreamDriver & { recvs: number; finished: boolean; aborted: boolean } {
  const s = {
    recvs: 0, finished: false, aborted: false,
    async recv(): Promise<StreamChunk | null> {
      s.recvs++;
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const it = items.shift();
      if (it instanceof Error) throw it;
      return it ?? null;
    },
    async finish() { s.finished = true; },
    async abort() { s.aborted = true; },
  };
  return s;
}

/** A sink recording what it takes; each send waits for `gate()` when set. */
function sink(): StreamDriver & { got: (number | { hole: number })[]; bytes: Buffer[]; finished: boolean; aborted: boolean;
  hold: Promise<void> | null } {
  const s = {
    got: [] as (number | { hole: number })[], bytes: [] as Buffer[], finished: false, aborted: false,
    hold: null as Promise<void> | null,
    async send(d: Uint8Array) {
      if (s.hold) await s.hold;
      s.got.push(d.length);
      s.bytes.push(Buffer.from(d));
    },
    async sendHole(n: number) { s.got.push({ hole: n }); },
    async finish() { s.finished = true; },
    async abort() { s.aborted = true; },
  };
  return s;
}

test('recv: partial reads of one chunk, holes as zeroes or -3 with STOP_AT_HOLE, then EOF', async () => {
  const st = new Stream(conn());
  st.attach(source([new Uint8Array([1, 2, 3, 4, 5]), { hole: 6 }, new Uint8Array([9])]));
  assert.deepEqual(await st.recv(2), new Uint8Array([1, 2]));
  assert.deepEqual(await st.recv(10), new Uint8Array([3, 4, 5]));
  assert.equal(await st.recv(10, StreamRecvFlags.STOP_AT_HOLE), STREAM_AT_HOLE);
  assert.deepEqual(await st.recv(4), new Uint8Array(4), 'without the flag a hole reads as zeroes');
  assert.equal(await st.recvHole(), 2);
  assert.equal(await st.recvHole(), 0);
  assert.deepEqual(await st.recv(10), new Uint8Array([9]));
  assert.deepEqual(await st.recv(10), new Uint8Array(0), 'EOF');
  await st.finish();
  assert.equal(st.isFinished, true);
  await assert.rejects(st.recv(1), /stream is closed/);
  st.free();
});

test('a stream no call has opened: libvirt\'s "not supported"; a freed one: invalid stream', async () => {
  const st = new Stream(conn());
  await assert.rejects(st.recv(1), (e: unknown) => e instanceof VirtError && e.code === ErrorCode.NO_SUPPORT
    && e.message === 'this function is not supported by the connection driver: virStreamRecv');
  st.free();
  await assert.rejects(st.send(new Uint8Array(1)), (e: unknown) => e instanceof VirtError && e.code === ErrorCode.INVALID_STREAM);
});

test('non-blocking: recv answers -2 until data is there; send -2 while the previous one runs', async () => {
  const st = new Stream(conn(), StreamFlags.NONBLOCK);
  const drv = { ...source([new Uint8Array([7])], 50), ...sink() };
  let release!: () => void;
  drv.hold = new Promise((r) => { release = r; });
  st.attach(drv);
  assert.equal(await st.recv(10), STREAM_AGAIN);
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(await st.recv(10), new Uint8Array([7]));
  const buf = new Uint8Array([1, 2, 3]);
  assert.equal(await st.send(buf), 3);
  buf[0] = 99; // the caller may reuse its buffer at once
  assert.equal(await st.send(buf), STREAM_AGAIN);
  release();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(drv.bytes, [Buffer.from([1, 2, 3])]);
  await assert.rejects(st.recvAll(() => undefined), /data sinks cannot be used for non-blocking streams/);
  await st.abort();
  st.free();
});

test('errors: the driver\'s error comes from recv, marks the stream aborted, and finish says so too', async () => {
  const err = VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS, 'boom');
  const st = new Stream(conn());
  const drv = source([new Uint8Array([1]), err]);
  st.attach(drv);
  assert.deepEqual(await st.recv(), new Uint8Array([1]));
  await assert.rejects(st.recv(), (e: unknown) => e === err);
  assert.equal(drv.aborted, true);
  await assert.rejects(st.finish(), /stream is closed/);
  st.free();
});

test('sendAll / sparseSendAll / recvAll / sparseRecvAll, with libvirt\'s section logic', async () => {
  const up = new Stream(conn());
  const drv = sink();
  up.attach(drv);
  const parts = [Buffer.from('ab'), Buffer.from('cde')];
  await up.sendAll(() => parts.shift() ?? null);
  // A source: 3 bytes of data, a 10-byte hole, 2 bytes of data, then the end.
  const file = [{ inData: true, length: 3 }, { inData: false, length: 10 }, { inData: true, length: 2 }, { inData: false, length: 0 }];
  const bytes = [Buffer.from('xyz'), Buffer.from('qr')];
  const skips: number[] = [];
  await up.sparseSendAll((_s, n) => {
    const b = bytes.shift();
    if (b) assert.ok(n >= b.length);
    return b ?? null;
  }, () => file.shift()!, (_s, n) => { skips.push(n); });
  await up.finish();
  assert.deepEqual(drv.got, [2, 3, 3, { hole: 10 }, 2]);
  assert.deepEqual(skips, [10]);
  assert.equal(drv.finished, true);
  up.free();

  const down = new Stream(conn());
  down.attach(source([new Uint8Array([1, 2]), { hole: 300000 }, new Uint8Array([3])]));
  const data: number[] = [];
  const holes: number[] = [];
  await down.sparseRecvAll((_s, d) => { data.push(...d); }, (_s, n) => { holes.push(n); });
  assert.deepEqual([data, holes], [[1, 2, 3], [300000]]);
  const plain = new Stream(conn());
  plain.attach(source([new Uint8Array([1]), { hole: 300000 }]));
  let total = 0;
  await plain.recvAll((_s, d) => { total += d.length; });
  assert.equal(total, 300001, 'recvAll reads holes as zeroes, a packet at a time');
  down.free();
  plain.free();
});

test('a handler that throws aborts the stream and the error comes back', async () => {
  const st = new Stream(conn());
  const drv = sink();
  st.attach(drv);
  await assert.rejects(st.sendAll(() => { throw new Error('disk on fire'); }), /disk on fire/);
  assert.equal(drv.aborted, true);
  st.free();
});

test('toReadable: pulls one chunk per read (backpressure), zeroes for holes, finishes at the end', async () => {
  const st = new Stream(conn());
  const drv = source([new Uint8Array(1000).fill(1), { hole: 600000 }, new Uint8Array([2])]);
  st.attach(drv);
  const r = st.toReadable({ highWaterMark: 1 });
  await new Promise((res) => setTimeout(res, 30));
  assert.ok(drv.recvs <= 2, `pulled ${drv.recvs} before anyone read`);
  const out: Buffer[] = [];
  await pipeline(r, new Writable({ write(c: Buffer, _e, cb) { out.push(c); cb(); } }));
  const all = Buffer.concat(out);
  assert.equal(all.length, 601001);
  assert.equal(all[0], 1);
  assert.equal(all[1000 + 600000], 2);
  assert.equal(all.subarray(1000, 601000).every((b) => b === 0), true);
  assert.equal(drv.finished, true);
  st.free();
});

test('toWritable: each write waits for the driver; end() finishes; a failed pipeline aborts', async () => {
  const st = new Stream(conn());
  const drv = sink();
  st.attach(drv);
  await pipeline(Readable.from([Buffer.from('a'), Buffer.from('bc')]), st.toWritable());
  assert.deepEqual(drv.got, [1, 2]);
  assert.equal(drv.finished, true);
  st.free();

  const st2 = new Stream(conn());
  const drv2 = sink();
  st2.attach(drv2);
  const failing = new Readable({ read() { this.destroy(new Error('source broke')); } });
  await assert.rejects(pipeline(failing, st2.toWritable()), /source broke/);
  assert.equal(drv2.aborted, true);
  st2.free();
});

test('free() on an open stream aborts it', async () => {
  const st = new Stream(conn());
  const drv = sink();
  st.attach(drv);
  st.free();
  assert.equal(drv.aborted, true);
});
