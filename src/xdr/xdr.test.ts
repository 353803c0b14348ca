import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  array, bool, char, charString, chars, double, enumOf, fixedArray, fixedCharString, fixedChars, fixedOpaque, fromXdr,
  hyper, hyperBig, int, named, namedTypes, opaque, optional, short, string, struct, toXdr, typedParam, uchar, uhyper,
  uhyperBig, uint, union, ushort, uuid, uuidFromString, uuidToString, voidCodec, XdrError, XdrReader, XdrWriter,
  type Codec, type Infer,
} from './index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function xdrError(kind: XdrError['kind'], re?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof XdrError, `expected XdrError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    if (re) assert.match(e.message, re);
    return true;
  };
}

/** Encodes, checks the bytes, decodes back, and checks every proper prefix fails as truncated. */
function roundTrip<T>(c: Codec<T>, v: T, expectHex: string, back: T = v): void {
  const b = toXdr(c, v);
  assert.equal(hex(b), expectHex.replace(/\s+/g, ''));
  assert.deepEqual(fromXdr(c, b), back);
  for (let n = 0; n < b.length; n++) {
    assert.throws(() => fromXdr(c, b.subarray(0, n)), xdrError('truncated'), `prefix ${n} of ${b.length}`);
  }
}

describe('XdrWriter / XdrReader primitives', () => {
  test('int, uint, hyper, uhyper, double, bool are big-endian and 4-byte aligned', () => {
    roundTrip(int, -2, 'fffffffe');
    roundTrip(int, 0x7fffffff, '7fffffff');
    roundTrip(uint, 0xffffffff, 'ffffffff');
    roundTrip(hyper, -1, 'ffffffffffffffff');
    roundTrip(hyper, Number.MIN_SAFE_INTEGER, 'ffe0000000000001');
    roundTrip(uhyper, Number.MAX_SAFE_INTEGER, '001fffffffffffff');
    roundTrip(uhyper, 9000000, '0000000000895440');
    roundTrip(double, 1.5, '3ff8000000000000');
    roundTrip(bool, true, '00000001');
    roundTrip(bool, false, '00000000');
  });

  test('uint takes negative 32-bit integers as their two\'s complement (flag words built with <<)', () => {
    assert.equal(hex(toXdr(uint, 1 << 31)), '80000000');
    assert.equal(fromXdr(uint, bytes('80000000')), 0x80000000);
  });

  test('out-of-range and non-integer numbers are refused, not wrapped', () => {
    assert.throws(() => toXdr(int, 2 ** 31), xdrError('value', /'2147483648' is not a 32-bit signed integer/));
    assert.throws(() => toXdr(int, 1.5), xdrError('value'));
    assert.throws(() => toXdr(uint, 2 ** 32), xdrError('value'));
    assert.throws(() => toXdr(uint, -(2 ** 31) - 1), xdrError('value'));
    assert.throws(() => toXdr(int, undefined as unknown as number), xdrError('value', /'undefined'/));
    assert.throws(() => toXdr(bool, 1 as unknown as boolean), xdrError('value'));
  });

  test('hyper/uhyper as numbers throw a clear error for values that are not safe integers', () => {
    assert.throws(() => toXdr(hyper, 2 ** 53), xdrError('value', /not a safe integer/));
    assert.throws(() => toXdr(uhyper, -1), xdrError('value'));
    assert.throws(() => toXdr(uhyper, 0.5), xdrError('value'));
    // 1795283215719562000: a real DOMAIN_GET_INFO cpuTime from libvirt 9.0's test driver
    const big = bytes('18ea2092a82f7b10');
    assert.throws(() => fromXdr(uhyper, big), xdrError('value', /1795283215719562000 is not a safe JS integer/));
    assert.throws(() => fromXdr(hyper, bytes('0020000000000000')), xdrError('value'));
    assert.equal(fromXdr(uhyperBig, big), 1795283215719562000n);
  });

  test('bigint variants cover the full 64-bit ranges and refuse anything outside', () => {
    roundTrip(hyperBig, -(2n ** 63n), '8000000000000000');
    roundTrip(hyperBig, 2n ** 63n - 1n, '7fffffffffffffff');
    roundTrip(uhyperBig, 2n ** 64n - 1n, 'ffffffffffffffff');
    assert.throws(() => toXdr(uhyperBig, -1n), xdrError('value'));
    assert.throws(() => toXdr(hyperBig, 2n ** 63n), xdrError('value'));
  });

  test('char, uchar, short, ushort take a whole word each (char sign-extended like xdr_char)', () => {
    roundTrip(char, -1, 'ffffffff');
    roundTrip(char, 0x80, 'ffffff80', -128);
    roundTrip(uchar, 200, '000000c8');
    roundTrip(short, -2, 'fffffffe');
    roundTrip(ushort, 65535, '0000ffff');
    assert.throws(() => toXdr(uchar, 256), xdrError('value'));
    // xdr_char/xdr_u_char truncate what they read
    assert.equal(fromXdr(uchar, bytes('00000101')), 1);
  });

  test('void is nothing at all', () => {
    assert.equal(toXdr(voidCodec, undefined).length, 0);
    assert.equal(fromXdr(voidCodec, new Uint8Array(0)), undefined);
  });

  test('reads never throw RangeError: every primitive on empty input is a typed truncation', () => {
    const r = (): XdrReader => new XdrReader(new Uint8Array(3));
    for (const f of [
      (x: XdrReader) => x.int(), (x: XdrReader) => x.uint(), (x: XdrReader) => x.hyper(), (x: XdrReader) => x.uhyper(),
      (x: XdrReader) => x.hyperBig(), (x: XdrReader) => x.uhyperBig(), (x: XdrReader) => x.double(),
      (x: XdrReader) => x.bool(), (x: XdrReader) => x.char(), (x: XdrReader) => x.present(),
      (x: XdrReader) => x.fixedOpaque(4), (x: XdrReader) => x.fixedChars(1),
    ]) {
      assert.throws(() => f(r()), xdrError('truncated'));
    }
  });

  test('an XdrError is a VirtError with VIR_ERR_RPC / VIR_FROM_RPC so it can cross the wire', () => {
    try {
      fromXdr(int, new Uint8Array(2));
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof VirtError);
      assert.equal(e.code, ErrorCode.RPC);
      assert.equal(e.domain, ErrorDomain.RPC);
    }
  });

  test('fromXdr refuses trailing bytes unless asked; assertEnd reports how many', () => {
    assert.throws(() => fromXdr(int, bytes('0000000100000000')), xdrError('trailing', /4 unexpected trailing bytes/));
    assert.equal(fromXdr(int, bytes('0000000100000000'), { allowTrailing: true }), 1);
  });

  test('the reader honours its window and never writes to the input', () => {
    const buf = bytes('ffffffff 00000007 ffffffff');
    const copy = buf.slice();
    const r = new XdrReader(buf, 4, 4);
    assert.equal(r.int(), 7);
    assert.equal(r.remaining, 0);
    assert.throws(() => r.int(), xdrError('truncated'));
    assert.deepEqual(buf, copy);
  });

  test('the writer grows, respects maxSize and refuses use after finish', () => {
    const w = new XdrWriter({ initialSize: 16 });
    for (let i = 0; i < 100; i++) w.int(i);
    assert.equal(w.finish().length, 400);
    assert.throws(() => w.int(1), /after finish/);
    const small = new XdrWriter({ maxSize: 8 });
    small.int(1);
    small.int(2);
    assert.throws(() => small.int(3), xdrError('limit'));
  });
});

describe('strings and bytes', () => {
  test('string: length, UTF-8 bytes, zero padding; no NUL', () => {
    roundTrip(string, 'test:///default', '0000000f 746573743a2f2f2f64656661756c74 00');
    roundTrip(string, '', '00000000');
    roundTrip(string, 'héé', '00000005 68c3a9c3a9 000000');
    roundTrip(string(8), 'abcd', '00000004 61626364');
  });

  test('string max counts bytes and is checked before reading or allocating', () => {
    assert.throws(() => toXdr(string(3), 'abcd'), xdrError('limit', /string length 4 exceeds maximum 3/));
    assert.throws(() => toXdr(string(4), 'ééé'), xdrError('limit'));
    // a 4 GiB length word in a 4-byte buffer: limit error first, no allocation
    assert.throws(() => fromXdr(string, bytes('ffffffff')), xdrError('limit', /4294967295 exceeds maximum 4194304/));
    assert.throws(() => fromXdr(string(4), bytes('00000005 6161616161000000')), xdrError('limit'));
    assert.throws(() => fromXdr(string, bytes('00000005 61616161')), xdrError('truncated'));
  });

  test('default string limit is libvirt\'s REMOTE_STRING_MAX (4 MiB)', () => {
    assert.equal(string.shape, 'string<4194304>');
    const ok = 'x'.repeat(4194304);
    assert.equal(fromXdr(string, toXdr(string, ok)).length, 4194304);
    assert.throws(() => toXdr(string, ok + 'x'), xdrError('limit'));
  });

  test('opaque<max> and opaque[n] are byte-packed with padding; decoded bytes are copies', () => {
    roundTrip(opaque(8), new Uint8Array([1, 2, 3]), '00000003 010203 00');
    roundTrip(fixedOpaque(3), new Uint8Array([1, 2, 3]), '010203 00');
    assert.throws(() => toXdr(opaque(2), new Uint8Array(3)), xdrError('limit'));
    assert.throws(() => toXdr(fixedOpaque(2), new Uint8Array(3)), xdrError('value'));
    const src = bytes('00000002 aabb0000');
    const got = fromXdr(opaque(8), src);
    src[4] = 0;
    assert.equal(got[0], 0xaa, 'decoded opaque must not alias the input');
  });

  test('char arrays take one word per byte; bytes >= 0x80 are sign-extended as libtirpc does', () => {
    roundTrip(chars(4), new Uint8Array([0x61, 0xff]), '00000002 00000061 ffffffff');
    roundTrip(fixedChars(2), new Uint8Array([0x41, 0x80]), '00000041 ffffff80');
    assert.throws(() => toXdr(chars(1), new Uint8Array(2)), xdrError('limit'));
    // zero-extended input (another implementation) decodes to the same byte
    assert.deepEqual(fromXdr(chars(4), bytes('00000001 000000ff')), new Uint8Array([0xff]));
  });

  test('charString: NUL-terminated text in a char array, the NUL counted (security labels)', () => {
    roundTrip(charString(257), 'ab', '00000003 00000061 00000062 00000000');
    roundTrip(charString(257), '', '00000001 00000000');
    assert.throws(() => toXdr(charString(2), 'ab'), xdrError('limit'));
    assert.throws(() => toXdr(charString(8), 'a\0b'), xdrError('value'));
  });

  test('fixedCharString: char[n] zero-filled (NODE_GET_INFO.model)', () => {
    const c = fixedCharString(4);
    roundTrip(c, 'ab', '00000061 00000062 00000000 00000000');
    roundTrip(c, 'abcd', '00000061 00000062 00000063 00000064');
    assert.throws(() => toXdr(c, 'abcde'), xdrError('limit'));
  });

  test('uuid: 16 raw bytes on the wire, canonical lower-case string in JS', () => {
    roundTrip(uuid, '6695eb01-f6a4-8304-79aa-97f2502e193f', '6695eb01f6a4830479aa97f2502e193f');
    assert.deepEqual(fromXdr(uuid, toXdr(uuid, '6695EB01F6A4830479AA97F2502E193F')), '6695eb01-f6a4-8304-79aa-97f2502e193f');
    assert.throws(() => toXdr(uuid, 'not-a-uuid'), xdrError('value', /'not-a-uuid' is not a UUID/));
    assert.equal(uuidToString(uuidFromString('00000000-0000-0000-0000-0000000000ff')), '00000000-0000-0000-0000-0000000000ff');
  });
});

describe('combinators', () => {
  const dom = named('remote_nonnull_domain', struct({ name: string, uuid, id: int }));

  test('struct: fields in declaration order, nothing between them; optional and arrays', () => {
    const c = struct({ doms: array(dom, 2), ret: optional(uint) });
    const v: Infer<typeof c> = { doms: [{ name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 }], ret: null };
    roundTrip(c, v, '00000001 00000004 74657374 6695eb01f6a4830479aa97f2502e193f 00000001 00000000');
    roundTrip(optional(int), 5, '00000001 00000005');
  });

  test('optional: undefined encodes as absent, decodes as null; any non-zero presence word is present', () => {
    assert.equal(hex(toXdr(optional(int), undefined as unknown as null)), '00000000');
    assert.equal(fromXdr(optional(int), bytes('00000002 00000009')), 9);
  });

  test('array max is checked on encode and before decoding elements', () => {
    assert.throws(() => toXdr(array(int, 1), [1, 2]), xdrError('limit', /array length 2 exceeds maximum 1/));
    assert.throws(() => fromXdr(array(int, 1), bytes('00000002 00000001 00000002')), xdrError('limit'));
    // a count that cannot fit in what is left is a truncation, found before the loop
    assert.throws(() => fromXdr(array(int, 100000), bytes('0000ffff 00000001')), xdrError('truncated', /65535 elements/));
    roundTrip(fixedArray(int, 2), [1, -1], '00000001 ffffffff');
    assert.throws(() => toXdr(fixedArray(int, 2), [1]), xdrError('value'));
  });

  test('errors name the failing field', () => {
    const c = struct({ doms: array(dom, 4) });
    assert.throws(
      () => toXdr(c, { doms: [{ name: 'a', uuid: 'bad', id: 1 }] }),
      (e: unknown) => e instanceof XdrError && /'bad' is not a UUID at 'doms\[0\]\.uuid'/.test(e.message),
    );
    assert.throws(
      () => fromXdr(c, bytes('00000001 00000001 61000000 6695eb01f6a4830479aa97f2502e193f')),
      (e: unknown) => e instanceof XdrError && e.kind === 'truncated' && e.path.join('/') === 'doms/[0]/id',
    );
    assert.throws(() => toXdr(c, null as never), xdrError('value', /'null' is not a struct/));
  });

  test('union: discriminant then the arm; unknown discriminants fail both ways', () => {
    const u = union({ 1: int, 7: string });
    roundTrip(u, { type: 7, value: 'x' }, '00000007 00000001 78000000');
    roundTrip(u, { type: 1, value: -1 }, '00000001 ffffffff');
    assert.throws(() => fromXdr(u, bytes('00000002 00000000')), xdrError('union', /discriminant '2' has no arm/));
    assert.throws(() => toXdr(u, { type: 3, value: 0 } as never), xdrError('union'));
  });

  test('enumOf: a word; only members encode, any int decodes (rpcgen xdr_enum)', () => {
    const e = enumOf('remote_auth_type', { NONE: 0, SASL: 1, POLKIT: 2 });
    roundTrip(e, 2, '00000002');
    assert.throws(() => toXdr(e, 3), xdrError('value', /not a member of enum remote_auth_type/));
    assert.equal(fromXdr(e, bytes('00000009')), 9);
    assert.equal(e.shape, 'remote_auth_type');
    assert.equal(e.definition, 'enum { NONE = 0, SASL = 1, POLKIT = 2 }');
  });

  test('shapes describe the wire; named types are collected with their definitions', () => {
    const c = struct({ dom, flags: uint, names: array(string(8), 3) });
    assert.equal(c.shape, 'struct { remote_nonnull_domain dom; unsigned int flags; string<8><3> names; }');
    assert.deepEqual([...namedTypes([c])], [
      ['remote_nonnull_domain', 'struct { string<4194304> name; remote_uuid uuid; int id; }'],
      ['remote_uuid', 'opaque[16]'],
    ]);
  });
});

describe('typedParam (remote_typed_param)', () => {
  test('all seven types round-trip: field, type word, value', () => {
    roundTrip(typedParam, { field: 'weight', type: 2, value: 50 }, '00000006 776569676874 0000 00000002 00000032');
    roundTrip(typedParam, { field: 'a', type: 1, value: -1 }, '00000001 61000000 00000001 ffffffff');
    roundTrip(typedParam, { field: 'a', type: 3, value: -2 }, '00000001 61000000 00000003 fffffffffffffffe');
    roundTrip(typedParam, { field: 'a', type: 4, value: 2 ** 40 }, '00000001 61000000 00000004 0000010000000000');
    roundTrip(typedParam, { field: 'a', type: 5, value: 0.5 }, '00000001 61000000 00000005 3fe0000000000000');
    roundTrip(typedParam, { field: 'a', type: 6, value: true }, '00000001 61000000 00000006 00000001');
    roundTrip(typedParam, { field: 'a', type: 7, value: 'on' }, '00000001 61000000 00000007 00000002 6f6e0000');
  });

  test('BOOLEAN also encodes from 0/1 numbers; bad values and types are refused', () => {
    assert.equal(hex(toXdr(typedParam, { field: 'a', type: 6, value: 0 })), '0000000161000000' + '00000006' + '00000000');
    assert.throws(() => toXdr(typedParam, { field: 'cap', type: 2, value: 'x' }),
      xdrError('value', /typed parameter 'cap' of type 2 needs a number/));
    assert.throws(() => toXdr(typedParam, { field: 'a', type: 8, value: 1 }), xdrError('union'));
    assert.throws(() => fromXdr(typedParam, bytes('00000001 61000000 00000000 00000000')), xdrError('union', /type '0'/));
    assert.throws(() => fromXdr(typedParam, bytes('00000001 61000000 00000004 0020000000000000')), xdrError('value'));
  });
});
