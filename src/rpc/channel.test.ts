/**
 * PacketChannel: framing over a real socket pair, PING answered with PONG,
 * keepalive timing and the close reasons.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  encodeFrame, encodePing, FrameDecoder, MessageStatus, MessageType, ProgramNumber, type Frame,
} from '../protocol/index.js';
import { CloseReason, PacketChannel } from './channel.js';

/** Two connected sockets over a temporary unix socket. */
async function socketPair(): Promise<{ a: Socket; b: Socket; done(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-chan-'));
  const path = join(dir, 's');
  const server = createServer();
  await new Promise<void>((r) => server.listen(path, r));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const a = createConnection(path);
  const b = await accepted;
  server.close();
  return { a, b, done: () => rmSync(dir, { recursive: true, force: true }) };
}

function collect(sock: Socket): Frame[] {
  const dec = new FrameDecoder();
  const out: Frame[] = [];
  sock.on('data', (d) => out.push(...dec.push(d)));
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('frames split across writes arrive whole; PING gets a PONG and is not passed on', async () => {
  const { a, b, done } = await socketPair();
  const got: Frame[] = [];
  const ch = new PacketChannel(b, { onFrame: (f) => got.push(f), onClose() {} });
  const seen = collect(a);
  const pkt = encodeFrame({ prog: ProgramNumber.REMOTE, vers: 1, proc: 3, type: MessageType.CALL, serial: 7,
    status: MessageStatus.OK }, new Uint8Array([1, 2, 3, 4]));
  for (const byte of pkt) a.write(new Uint8Array([byte]));
  a.write(encodePing());
  await sleep(50);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.header.serial, 7);
  assert.deepEqual([...got[0]!.body], [1, 2, 3, 4]);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.header.prog, ProgramNumber.KEEPALIVE);
  assert.equal(seen[0]!.header.proc, 2);
  ch.close();
  a.destroy();
  done();
});

test('a bad length word closes the channel with reason ERROR', async () => {
  const { a, b, done } = await socketPair();
  const closed: { reason: number; error: Error | null }[] = [];
  new PacketChannel(b, { onFrame() {}, onClose: (reason, error) => closed.push({ reason, error }) });
  a.write(new Uint8Array([0, 0, 0, 20]));
  await sleep(50);
  assert.equal(closed.length, 1);
  assert.equal(closed[0]!.reason, CloseReason.ERROR);
  assert.match(String(closed[0]!.error?.message), /too small/);
  a.destroy();
  done();
});

test('keepalive pings a silent peer `count` times, then closes with reason KEEPALIVE', async () => {
  const { a, b, done } = await socketPair();
  const pings = collect(a); // a never answers
  let reason: number | null = null;
  const started = Date.now();
  let elapsed = 0;
  const ch = new PacketChannel(b, {
    onFrame() {},
    onClose: (r) => {
      reason = r;
      elapsed = Date.now() - started;
    },
  });
  ch.startKeepalive(0.05, 3);
  const deadline = Date.now() + 3000;
  while (reason === null && Date.now() < deadline) await sleep(20);
  assert.equal(reason, CloseReason.KEEPALIVE);
  assert.equal(pings.filter((f) => f.header.prog === ProgramNumber.KEEPALIVE && f.header.proc === 1).length, 3);
  // interval × (count + 1) = 200 ms; a loaded machine may only be late, never early.
  assert.ok(elapsed >= 190 && elapsed < 2000, `closed after ${elapsed} ms`);
  a.destroy();
  done();
});

test('any packet from the peer counts as life: an answering peer is never dropped', async () => {
  const { a, b, done } = await socketPair();
  // The peer answers every PING with a PONG, through its own channel.
  const peer = new PacketChannel(a, { onFrame() {}, onClose() {} });
  let reason: number | null = null;
  const ch = new PacketChannel(b, { onFrame() {}, onClose: (r) => { reason = r; } });
  ch.startKeepalive(0.03, 1);
  await sleep(300);
  assert.equal(reason, null);
  assert.equal(ch.closed, false);
  ch.close();
  peer.close();
  done();
});

test('the peer hanging up is reason EOF', async () => {
  const { a, b, done } = await socketPair();
  let reason: number | null = null;
  new PacketChannel(b, { onFrame() {}, onClose: (r) => { reason = r; } });
  a.end();
  await sleep(50);
  assert.equal(reason, CloseReason.EOF);
  done();
});
