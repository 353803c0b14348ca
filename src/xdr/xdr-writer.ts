import { XdrError } from './xdr-error.js';

const TWO_32 = 2 ** 32;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const utf8 = new TextEncoder();

export interface XdrWriterOptions {
  /** First allocation in bytes (default 256); the buffer doubles as needed. */
  initialSize?: number;
  /** Refuse to grow beyond this many bytes (`limit` error). Default: no limit. */
  maxSize?: number;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : typeof v === 'number' ? String(v) : typeof v;
}

/**
 * An XDR encoder (RFC 4506) writing into a growing buffer.
 *
 * Values are checked, never silently wrapped: a non-integer, an out-of-range
 * number, a hyper that is not a safe JS integer, or a string longer than its
 * maximum throws an `XdrError` naming the value. The single deliberate
 * exception is `uint`, which also takes negative 32-bit integers and encodes
 * their two's complement, because flag words are built with JS bit operators
 * (`1 << 31` is negative in JS but is bit 31 of libvirt's `unsigned int`).
 */
export class XdrWriter {
  #buf: Uint8Array;
  #view: DataView;
  #len = 0;
  #sealed = false;
  readonly #max: number;

  constructor(opts: XdrWriterOptions = {}) {
    this.#max = opts.maxSize ?? Infinity;
    this.#buf = new Uint8Array(Math.max(16, Math.min(opts.initialSize ?? 256, this.#max)));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number { return this.#len; }

  /**
   * Makes room for n bytes and returns where they go. It may replace the
   * buffer and view, so call it before reading `#buf`/`#view`.
   */
  #reserve(n: number): number {
    if (this.#sealed) throw new Error('XdrWriter used after finish()');
    const need = this.#len + n;
    if (need > this.#max) {
      throw new XdrError('limit', `encoded XDR data would take ${need} bytes, more than the maximum ${this.#max}`);
    }
    if (need > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(Math.min(size, this.#max));
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    const at = this.#len;
    this.#len = need;
    return at;
  }

  /** XDR `int`. */
  int(v: number): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
      throw new XdrError('value', `'${typeName(v)}' is not a 32-bit signed integer`);
    }
    const at = this.#reserve(4);
    this.#view.setInt32(at, v);
  }

  /** XDR `unsigned int`; negative 32-bit integers are taken as their two's complement. */
  uint(v: number): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
      throw new XdrError('value', `'${typeName(v)}' is not a 32-bit unsigned integer`);
    }
    const at = this.#reserve(4);
    this.#view.setUint32(at, v >>> 0);
  }

  /** XDR `hyper` from a JS number, which must be a safe integer. */
  hyper(v: number): void {
    if (!Number.isSafeInteger(v)) throw new XdrError('value', `'${typeName(v)}' is not a safe integer for a hyper`);
    const hi = Math.floor(v / TWO_32);
    const at = this.#reserve(8);
    this.#view.setInt32(at, hi);
    this.#view.setUint32(at + 4, v - hi * TWO_32);
  }

  /** XDR `unsigned hyper` from a JS number, which must be a non-negative safe integer. */
  uhyper(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new XdrError('value', `'${typeName(v)}' is not a non-negative safe integer for an unsigned hyper`);
    }
    const hi = Math.floor(v / TWO_32);
    const at = this.#reserve(8);
    this.#view.setUint32(at, hi);
    this.#view.setUint32(at + 4, v - hi * TWO_32);
  }

  /** XDR `hyper` from a bigint in the signed 64-bit range. */
  hyperBig(v: bigint): void {
    if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) {
      throw new XdrError('value', `'${String(v)}' is not a signed 64-bit bigint`);
    }
    const at = this.#reserve(8);
    this.#view.setBigInt64(at, v);
  }

  /** XDR `unsigned hyper` from a bigint in the unsigned 64-bit range. */
  uhyperBig(v: bigint): void {
    if (typeof v !== 'bigint' || v < 0n || v > UINT64_MAX) {
      throw new XdrError('value', `'${String(v)}' is not an unsigned 64-bit bigint`);
    }
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, v);
  }

  /** XDR `double`. */
  double(v: number): void {
    if (typeof v !== 'number') throw new XdrError('value', `'${typeName(v)}' is not a number for a double`);
    const at = this.#reserve(8);
    this.#view.setFloat64(at, v);
  }

  /** XDR `bool` (0 or 1). */
  bool(v: boolean): void {
    if (typeof v !== 'boolean') throw new XdrError('value', `'${typeName(v)}' is not a boolean`);
    const at = this.#reserve(4);
    this.#view.setInt32(at, v ? 1 : 0);
  }

  /** XDR `char`: one word, sign-extended as libtirpc's xdr_char does; takes -128..255. */
  char(v: number): void {
    if (!Number.isInteger(v) || v < -128 || v > 255) throw new XdrError('value', `'${typeName(v)}' is not a char`);
    const at = this.#reserve(4);
    this.#view.setInt32(at, (v << 24) >> 24);
  }

  /** XDR `unsigned char`: one word. */
  uchar(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new XdrError('value', `'${typeName(v)}' is not an unsigned char`);
    const at = this.#reserve(4);
    this.#view.setUint32(at, v);
  }

  /** XDR `short`: one word, sign-extended; takes -32768..65535. */
  short(v: number): void {
    if (!Number.isInteger(v) || v < -32768 || v > 65535) throw new XdrError('value', `'${typeName(v)}' is not a short`);
    const at = this.#reserve(4);
    this.#view.setInt32(at, (v << 16) >> 16);
  }

  /** XDR `unsigned short`: one word. */
  ushort(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 65535) {
      throw new XdrError('value', `'${typeName(v)}' is not an unsigned short`);
    }
    const at = this.#reserve(4);
    this.#view.setUint32(at, v);
  }

  /** Zero bytes up to the next multiple of 4 after `n` bytes of data. */
  padding(n: number): void {
    const pad = (4 - (n & 3)) & 3;
    if (pad) {
      const at = this.#reserve(pad);
      this.#buf.fill(0, at, this.#len);
    }
  }

  /** XDR `opaque[n]`: exactly n bytes, then padding. */
  fixedOpaque(v: Uint8Array, n: number): void {
    if (!(v instanceof Uint8Array)) throw new XdrError('value', `'${typeName(v)}' is not a Uint8Array`);
    if (v.length !== n) throw new XdrError('value', `opaque[${n}] given ${v.length} bytes`);
    const at = this.#reserve(n);
    this.#buf.set(v, at);
    this.padding(n);
  }

  /** XDR `opaque<max>`: length word, bytes, padding. */
  opaque(v: Uint8Array, max: number): void {
    if (!(v instanceof Uint8Array)) throw new XdrError('value', `'${typeName(v)}' is not a Uint8Array`);
    if (v.length > max) throw new XdrError('limit', `opaque length ${v.length} exceeds maximum ${max}`);
    this.uint(v.length);
    this.fixedOpaque(v, v.length);
  }

  /** XDR `string<max>`: length word, UTF-8 bytes, padding. `max` counts bytes. */
  string(v: string, max: number): void {
    if (typeof v !== 'string') throw new XdrError('value', `'${typeName(v)}' is not a string`);
    if (v.length <= 64 && v.length <= max) {
      // ASCII fast path: no TextEncoder allocation for short names and paths.
      let ascii = true;
      for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) >= 0x80) { ascii = false; break; }
      if (ascii) {
        this.uint(v.length);
        const at = this.#reserve(v.length);
        for (let i = 0; i < v.length; i++) this.#buf[at + i] = v.charCodeAt(i);
        this.padding(v.length);
        return;
      }
    }
    const bytes = utf8.encode(v);
    if (bytes.length > max) throw new XdrError('limit', `string length ${bytes.length} exceeds maximum ${max}`);
    this.uint(bytes.length);
    const at = this.#reserve(bytes.length);
    this.#buf.set(bytes, at);
    this.padding(bytes.length);
  }

  /** XDR `char name[n]`: n words, each byte sign-extended (xdr_vector of xdr_char). */
  fixedChars(v: Uint8Array, n: number): void {
    if (!(v instanceof Uint8Array)) throw new XdrError('value', `'${typeName(v)}' is not a Uint8Array`);
    if (v.length !== n) throw new XdrError('value', `char[${n}] given ${v.length} bytes`);
    const at = this.#reserve(n * 4);
    for (let i = 0; i < n; i++) this.#view.setInt32(at + i * 4, (v[i]! << 24) >> 24);
  }

  /** XDR `char name<max>`: count, then one sign-extended word per byte. */
  chars(v: Uint8Array, max: number): void {
    if (!(v instanceof Uint8Array)) throw new XdrError('value', `'${typeName(v)}' is not a Uint8Array`);
    if (v.length > max) throw new XdrError('limit', `char array length ${v.length} exceeds maximum ${max}`);
    this.uint(v.length);
    this.fixedChars(v, v.length);
  }

  /** The presence word of an optional `*T`. */
  present(isPresent: boolean): void {
    const at = this.#reserve(4);
    this.#view.setUint32(at, isPresent ? 1 : 0);
  }

  /** The count word of a variable array, checked against `max`. */
  arrayCount(n: number, max: number): void {
    if (n > max) throw new XdrError('limit', `array length ${n} exceeds maximum ${max}`);
    this.uint(n);
  }

  /** Raw bytes, no length and no padding (stream payloads, pre-encoded bodies). */
  raw(v: Uint8Array): void {
    const at = this.#reserve(v.length);
    this.#buf.set(v, at);
  }

  /** Overwrites a big-endian uint at `offset` (e.g. a length word reserved earlier). */
  patchUint(offset: number, v: number): void {
    if (offset < 0 || offset + 4 > this.#len) throw new RangeError(`patchUint offset ${offset} outside written data`);
    this.#view.setUint32(offset, v >>> 0);
  }

  /**
   * The encoded bytes. The writer is sealed afterwards; the result is a view
   * of the writer's own buffer, which nothing else references.
   */
  finish(): Uint8Array {
    this.#sealed = true;
    return this.#buf.subarray(0, this.#len);
  }
}
