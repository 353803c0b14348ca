import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { XdrError } from '../xdr/index.js';
import {
  checkFrameLength, decodeFrame, decodeHeader, encodeFrame, encodeHeader, encodePing, encodePong, FRAME_MAX, FRAME_MIN,
  FrameDecoder, FrameError, fromVirtError, keepaliveKind, MessageStatus, MessageType, NetMessageLimit, ProgramNumber,
  remoteError, streamHole, toVirtError, type Frame, type Header,
} from './index.js';
import { fromXdr, toXdr } from '../xdr/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

const call = (proc: number, serial: number): Header => ({
  prog: ProgramNumber.REMOTE, vers: 1, proc, type: MessageType.CALL, serial, status: MessageStatus.OK,
});

/** Feeds `stream` to a fresh decoder cut at `cuts`, returning the frames' raw bytes. */
function feed(stream: Uint8Array, cuts: number[]): Frame[] {
  const d = new FrameDecoder();
  const out: Frame[] = [];
  let at = 0;
  for (const c of [...cuts, stream.length]) {
    out.push(...d.push(stream.subarray(at, c)));
    at = c;
  }
  d.end();
  return out;
}

describe('header', () => {
  test('24 bytes: prog, vers, proc, type, serial, status', () => {
    const h = call(66, 0);
    assert.equal(hex(encodeHeader(h)), '20008086' + '00000001' + '00000042' + '00000000' + '00000000' + '00000000');
    assert.deepEqual(decodeHeader(encodeHeader(h)), h);
  });

  test('constants are libvirt\'s', () => {
    assert.deepEqual(MessageType, {
      CALL: 0, REPLY: 1, MESSAGE: 2, STREAM: 3, CALL_WITH_FDS: 4, REPLY_WITH_FDS: 5, STREAM_HOLE: 6,
    });
    assert.deepEqual(MessageStatus, { OK: 0, ERROR: 1, CONTINUE: 2 });
    assert.equal(ProgramNumber.REMOTE, 536903814);
    assert.equal(ProgramNumber.KEEPALIVE, 1801807216);
  });

  test('unknown type/status values decode (the RPC layer drops them) but do not encode', () => {
    const raw = bytes('20008086 00000001 00000001 00000009 00000000 00000007');
    assert.equal(decodeHeader(raw).type, 9);
    assert.throws(() => encodeHeader({ ...call(1, 0), type: 9 }), XdrError);
  });

  test('STREAM_HOLE payload: hyper length, uint flags (12 bytes)', () => {
    assert.equal(hex(toXdr(streamHole, { length: 299008, flags: 0 })), '0000000000049000' + '00000000');
  });
});

describe('frame limits (libvirt: 28 <= length <= 4 + VIR_NET_MESSAGE_MAX)', () => {
  test('the bounds are 28 and 33554436', () => {
    assert.equal(FRAME_MIN, 28);
    assert.equal(FRAME_MAX, 33554436);
    assert.equal(NetMessageLimit.MAX, 33554432);
  });

  test('lengths libvirt 9.0 was seen closing the connection on are refused', () => {
    for (const n of [0, 3, 4, 20, 27, 33554437, 0xffffffff]) {
      assert.throws(() => checkFrameLength(n), FrameError, String(n));
    }
    checkFrameLength(28);
    checkFrameLength(33554436);
  });

  test('the decoder rejects a bad length word before allocating, and stays failed', () => {
    const d = new FrameDecoder();
    assert.throws(() => d.push(bytes('02000005')), (e: unknown) => e instanceof FrameError
      && /packet of 33554437 bytes is too large/.test(e.message));
    assert.throws(() => d.push(encodePing()), FrameError);
    const small = new FrameDecoder();
    assert.throws(() => small.push(bytes('0000001b')), /packet of 27 bytes is too small, want at least 28/);
  });

  test('a maximum-size length word is accepted and buffered', () => {
    const d = new FrameDecoder();
    assert.deepEqual(d.push(bytes('02000004 20008086')), []);
    assert.equal(d.buffered, 8);
    assert.throws(() => d.end(), /in the middle of a packet \(8 bytes buffered\)/);
  });

  test('a FrameError is a VirtError (RPC) so it can be reported like libvirt does', () => {
    const e = new FrameError('x');
    assert.ok(e instanceof VirtError);
    assert.equal(e.code, ErrorCode.RPC);
    assert.equal(e.domain, ErrorDomain.RPC);
  });
});

describe('encodeFrame / decodeFrame', () => {
  test('length counts itself; empty payload is 28 bytes', () => {
    const f = encodeFrame(call(2, 9));
    assert.equal(f.length, 28);
    assert.equal(hex(f.subarray(0, 4)), '0000001c');
    const d = decodeFrame(f);
    assert.deepEqual(d.header, call(2, 9));
    assert.equal(d.body.length, 0);
    assert.equal(d.numFds, 0);
  });

  test('*_WITH_FDS carry a 4-byte FD count between header and payload', () => {
    const h = { ...call(309, 4), type: MessageType.CALL_WITH_FDS };
    const f = encodeFrame(h, bytes('00000001'), { numFds: 2 });
    assert.equal(f.length, 36);
    assert.equal(hex(f.subarray(28, 32)), '00000002');
    const d = decodeFrame(f);
    assert.equal(d.numFds, 2);
    assert.equal(hex(d.body), '00000001');
    assert.throws(() => encodeFrame(h, new Uint8Array(0), { numFds: 33 }), FrameError);
    const tooMany = encodeFrame(h, new Uint8Array(0), { numFds: 32 });
    tooMany[31] = 33;
    assert.throws(() => decodeFrame(tooMany), /too many FDs 33/);
  });

  test('a length word that disagrees with the bytes is refused', () => {
    const f = encodeFrame(call(2, 0), bytes('00000000'));
    assert.throws(() => decodeFrame(f.subarray(0, 30)), /says 32 bytes but 30 were given/);
  });
});

describe('FrameDecoder', () => {
  const frames = [
    encodeFrame(call(66, 0)),
    encodeFrame(call(60, 1), bytes('0000000a')),
    encodeFrame({ ...call(1, 2) }, bytes('00000001 0000000f 746573743a2f2f2f64656661756c7400 00000000')),
    encodePing(),
    encodeFrame({ ...call(211, 7), type: MessageType.STREAM, status: MessageStatus.CONTINUE }, new Uint8Array(1000).fill(7)),
  ];
  const stream = Buffer.concat(frames);

  const check = (got: Frame[], label: string): void => {
    assert.equal(got.length, frames.length, label);
    got.forEach((f, i) => assert.equal(hex(f.raw), hex(frames[i]!), `${label}: frame ${i}`));
  };

  test('every single split point', () => {
    for (let c = 0; c <= stream.length; c++) check(feed(stream, [c]), `split ${c}`);
  });

  test('every pair of split points over the first 200 bytes', () => {
    for (let a = 0; a <= 200; a++) for (let b = a; b <= 200; b++) check(feed(stream, [a, b]), `split ${a},${b}`);
  });

  test('one byte at a time', () => {
    check(feed(stream, Array.from({ length: stream.length }, (_, i) => i)), 'bytewise');
  });

  test('it emits only whole frames and never holds on to the caller\'s chunk', () => {
    const d = new FrameDecoder();
    const chunk = Uint8Array.from(stream.subarray(0, 40));
    const got = d.push(chunk);
    assert.equal(got.length, 1);
    assert.equal(d.buffered, 12);
    chunk.fill(0xee);
    const rest = d.push(stream.subarray(40));
    assert.equal(hex(rest[0]!.raw), hex(frames[1]!));
    assert.equal(hex(got[0]!.raw), hex(frames[0]!));
  });
});

describe('keepalive', () => {
  test('PING and PONG are 28-byte MESSAGE packets of program "keep", serial 0', () => {
    assert.equal(hex(encodePing()), '0000001c' + '6b656570' + '00000001' + '00000001' + '00000002' + '00000000' + '00000000');
    assert.equal(hex(encodePong()), '0000001c' + '6b656570' + '00000001' + '00000002' + '00000002' + '00000000' + '00000000');
    assert.equal(keepaliveKind(decodeFrame(encodePing()).header), 'ping');
    assert.equal(keepaliveKind(decodeFrame(encodePong()).header), 'pong');
    assert.equal(keepaliveKind(call(1, 0)), null);
  });
});

describe('remote_error', () => {
  const wire = {
    code: 42, domain: 12, message: 'Domain not found', level: 2, dom: null,
    str1: 'Domain not found', str2: null, str3: null, int1: -1, int2: -1, net: null,
  };

  test('round-trips to a VirtError and back without loss', () => {
    const e = toVirtError(wire);
    assert.ok(e instanceof VirtError);
    assert.equal(e.code, 42);
    assert.equal(e.domain, 12);
    assert.equal(e.message, 'Domain not found');
    assert.equal(e.level, 2);
    assert.equal(e.str1, 'Domain not found');
    assert.equal(e.str2, null);
    assert.equal(e.int1, -1);
    assert.deepEqual(fromVirtError(e), wire);
    assert.deepEqual(fromXdr(remoteError, toXdr(remoteError, wire)), wire);
  });

  test('int1/int2 and str3 survive (unsupported-flags errors carry 0/0)', () => {
    const w = { ...wire, code: 8, str1: 'testConnectListAllNodeDevices', str2: 'flags', str3: 'x', int1: 0, int2: 0 };
    assert.deepEqual(fromVirtError(toVirtError(w)), w);
  });

  test('a missing message gets libvirt\'s text for the code', () => {
    assert.equal(toVirtError({ ...wire, message: null }).message, 'Domain not found');
  });

  test('a plain Error becomes an internal error; a non-error gets libvirt\'s "did not set virError"', () => {
    const e = fromVirtError(new Error('boom'));
    assert.equal(e.code, ErrorCode.INTERNAL_ERROR);
    assert.equal(e.domain, ErrorDomain.RPC);
    assert.equal(e.message, 'internal error: boom');
    assert.equal(e.str1, 'internal error: %s');
    assert.equal(e.str2, 'boom');
    assert.equal(fromVirtError('weird').message, 'Library function returned error but did not set virError');
  });
});
