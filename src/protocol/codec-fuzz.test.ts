/**
 * Codec-level fuzzing of every table entry (REMOTE, QEMU, LXC, KEEPALIVE)
 * and the framing codecs: decoding generated, mutated and random bytes
 * either succeeds or throws XdrError, never another exception, never slowly
 * (a count word must be checked against the bytes left before anything is
 * allocated or looped over); and a decoded value encodes and decodes back
 * equal. Inputs come from test/fuzz/generate.ts, seeded: set
 * TSVIRT_FUZZ_SEED to replay a seed printed by a failure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import {
  codecKind, entryCodecs, generate, mutate, Rng, subSeed,
} from '../../test/fuzz/generate.js';
import { fromXdr, string, toXdr, XdrError, type AnyCodec } from '../xdr/index.js';
import {
  decodeArgs, decodeMsg, decodeRet, encodeArgs, encodeRet, header, keepalive, lxc, qemu, remote, remoteError,
  streamHole, type Entry,
} from './index.js';

const SEED = process.env.TSVIRT_FUZZ_SEED !== undefined ? Number(process.env.TSVIRT_FUZZ_SEED) >>> 0 : 0xc0dec0de;
/** Generated inputs per codec and kind of input; TSVIRT_FUZZ_ROUNDS raises it for long local runs. */
const ROUNDS = Number(process.env.TSVIRT_FUZZ_ROUNDS ?? 6);
/** One decode of at most a few KiB taking longer than this means work per claimed (not present) element. */
const DECODE_BUDGET_MS = 200;
/** Payloads stay small here: the codec layer's checks do not depend on size. */
const BUDGET = 32 * 1024;

const ENTRIES: readonly Entry[] = [remote, qemu, lxc, keepalive].flatMap((p) => p.entries());
const FRAMING: [string, AnyCodec][] = [['header', header], ['remote_error', remoteError], ['stream_hole', streamHole]];

/** Every (label, codec) pair to fuzz. */
const CODECS: [string, AnyCodec][] = [
  ...ENTRIES.flatMap((e) => entryCodecs(e).map(({ role, codec }): [string, AnyCodec] => [`${e.prog.toString(16)}:${e.name}.${role}`, codec])),
  ...FRAMING,
];

let slowest = { ms: 0, label: '' };

/** Decodes `bytes`; fails the test on anything but success or XdrError, and on a slow decode. */
function decodeOnly(label: string, c: AnyCodec, bytes: Uint8Array, why: string): void {
  for (const allowTrailing of [true, false]) {
    const t0 = performance.now();
    try {
      fromXdr(c, bytes, { allowTrailing });
    } catch (e) {
      if (!(e instanceof XdrError)) {
        assert.fail(`${label}: decoding ${why} (${bytes.length} bytes, seed ${SEED}) threw ${String(e)}\n` +
          `bytes: ${Buffer.from(bytes.subarray(0, 256)).toString('hex')}`);
      }
    }
    const ms = performance.now() - t0;
    if (ms > slowest.ms) slowest = { ms, label: `${label} (${why}, ${bytes.length} bytes)` };
    assert.ok(ms < DECODE_BUDGET_MS, `${label}: decoding ${why} (${bytes.length} bytes) took ${ms.toFixed(1)} ms`);
  }
}

describe(`codec fuzzing (seed ${SEED}, ${ROUNDS} rounds)`, () => {
  it('every codec in the tables has a shape the generator understands', () => {
    const seen = new Set<AnyCodec>();
    const walk = (c: AnyCodec): void => {
      if (seen.has(c)) return;
      seen.add(c);
      codecKind(c);
      for (const p of c.parts) walk(p);
    };
    for (const [, c] of CODECS) walk(c);
    assert.ok(seen.size > 100, `only ${seen.size} codecs reachable`);
  });

  it('generated valid payloads decode, and the value encodes and decodes back equal', () => {
    CODECS.forEach(([label, c], i) => {
      const rng = new Rng(subSeed(SEED, i));
      for (let r = 0; r < ROUNDS; r++) {
        const bytes = generate(c, rng, { mode: 'valid', budget: BUDGET });
        let v: unknown;
        try {
          v = fromXdr(c, bytes);
        } catch (e) {
          assert.fail(`${label}: a generated valid payload does not decode (seed ${SEED}, codec ${i}, round ${r}): ${String(e)}`);
        }
        let again: Uint8Array;
        try {
          again = toXdr(c, v);
        } catch (e) {
          assert.fail(`${label}: a decoded value does not encode (seed ${SEED}, codec ${i}, round ${r}): ${String(e)}`);
        }
        assert.deepEqual(fromXdr(c, again), v, `${label}: round trip changed the value (seed ${SEED}, codec ${i}, round ${r})`);
      }
    });
  });

  it('contract-level round trip through the entries (overrides included)', () => {
    ENTRIES.forEach((e, i) => {
      if (e.kind !== 'call') return;
      const rng = new Rng(subSeed(SEED ^ 0x5a5a5a5a, i));
      for (let r = 0; r < ROUNDS; r++) {
        const a: unknown = decodeArgs(e, generate(e.args, rng, { mode: 'valid', budget: BUDGET }));
        assert.deepEqual(decodeArgs(e, encodeArgs(e, a as never)), a, `${e.name} args`);
        const ret: unknown = decodeRet(e, generate(e.ret, rng, { mode: 'valid', budget: BUDGET }));
        const enc: { body: Uint8Array; data?: Uint8Array } = encodeRet(e, ret as never);
        assert.deepEqual(decodeRet(e, enc.body, enc.data), ret, `${e.name} ret`);
      }
    });
  });

  it('hostile and mutated payloads and random bytes decode or throw XdrError, quickly', () => {
    CODECS.forEach(([label, c], i) => {
      const rng = new Rng(subSeed(SEED ^ 0x0badf00d, i));
      const donors: Uint8Array[] = [];
      for (let r = 0; r < ROUNDS; r++) donors.push(generate(c, rng, { mode: 'valid', budget: BUDGET }));
      for (let r = 0; r < ROUNDS * 4; r++) {
        decodeOnly(label, c, generate(c, rng, { mode: 'hostile', violation: 0.2, budget: BUDGET }), 'a hostile payload');
        decodeOnly(label, c, mutate(rng.pick(donors), rng, donors), 'a mutated payload');
      }
      for (let r = 0; r < ROUNDS; r++) decodeOnly(label, c, rng.bytes(rng.int(r % 2 ? 4096 : 64)), 'random bytes');
    });
    // Whole-entry decoders too (overrides convert after decoding).
    ENTRIES.forEach((e, i) => {
      const rng = new Rng(subSeed(SEED ^ 0x13579bdf, i));
      for (let r = 0; r < ROUNDS; r++) {
        const tries: [string, () => unknown, AnyCodec][] = e.kind === 'call'
          ? [['args', () => decodeArgs(e, mutate(generate(e.args, rng, { budget: BUDGET }), rng)), e.args],
            ['ret', () => decodeRet(e, mutate(generate(e.ret, rng, { budget: BUDGET }), rng)), e.ret]]
          : [['msg', () => decodeMsg(e, mutate(generate(e.msg, rng, { budget: BUDGET }), rng)), e.msg]];
        for (const [role, f] of tries) {
          try {
            f();
          } catch (err) {
            assert.ok(err instanceof XdrError, `${e.name}.${role}: threw ${String(err)} (seed ${SEED})`);
          }
        }
      }
    });
  });

  it('a huge count or length at any word of a valid encoding is refused before it is acted on', () => {
    const HUGE = [0xffffffff, 0x7fffffff, 0x40000000, 0x00400000, 0x00010000, 0x00004000];
    CODECS.forEach(([label, c], i) => {
      const rng = new Rng(subSeed(SEED ^ 0x2468ace0, i));
      const base = generate(c, rng, { mode: 'valid', budget: BUDGET });
      const words = Math.min(base.length >> 2, 96);
      for (let w = 0; w < words; w++) {
        for (const v of HUGE) {
          const b = base.slice();
          new DataView(b.buffer).setUint32(w * 4, v);
          decodeOnly(label, c, b, `word ${w} = 0x${v.toString(16)}`);
        }
      }
    });
  });

  it('a string that starts with U+FEFF decodes to itself (a BOM is content on the wire)', () => {
    for (const text of ['\ufeffx', '\ufeff' + 'y'.repeat(100)]) {
      assert.equal(fromXdr(string, toXdr(string, text)), text);
    }
  });

  it('reports the slowest decode', (t) => {
    t.diagnostic(`seed ${SEED}: ${CODECS.length} codecs; slowest decode ${slowest.ms.toFixed(2)} ms: ${slowest.label}`);
  });
});
