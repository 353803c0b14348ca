import { XdrError } from './xdr-error.js';

const TWO_32 = 2 ** 32;
// ignoreBOM: a leading U+FEFF is content (libvirt passes those bytes on), not a marker to drop.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * A cursor over XDR bytes (RFC 4506, big-endian, 4-byte units).
 *
 * Every read checks the remaining length first and throws an `XdrError`
 * (`truncated` or `limit`), never a RangeError from the underlying view.
 * Byte results (`opaque`, `fixedOpaque`, `chars`) are copies: decoded values
 * own their bytes and the input buffer may be reused afterwards. The reader
 * never writes into the buffer it was handed.
 *
 * Lenient where libvirt's libtirpc decoder is lenient, so that we accept what
 * libvirt accepts: padding bytes are skipped unchecked (xdr_opaque), booleans
 * and pointer presence words treat any non-zero value as true (xdr_bool), and
 * `char`/`short` words are truncated to their width (xdr_char, xdr_short).
 */
export class XdrReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #end: number;
  #pos: number;

  constructor(bytes: Uint8Array, offset = 0, length = bytes.byteLength - offset) {
    if (offset < 0 || length < 0 || offset + length > bytes.byteLength) {
      throw new RangeError(`XdrReader window ${offset}+${length} is outside a ${bytes.byteLength}-byte buffer`);
    }
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = offset;
    this.#end = offset + length;
  }

  /** Current position, relative to the start of the buffer handed in. */
  get offset(): number { return this.#pos; }

  /** Bytes left to read. */
  get remaining(): number { return this.#end - this.#pos; }

  /** Throws `trailing` unless every byte has been consumed. */
  assertEnd(): void {
    if (this.#pos !== this.#end) {
      throw new XdrError('trailing', `${this.#end - this.#pos} unexpected trailing bytes after the XDR value`);
    }
  }

  #need(n: number, what: string): number {
    if (n > this.#end - this.#pos) {
      throw new XdrError('truncated',
        `truncated XDR data: '${what}' needs ${n} bytes but only ${this.#end - this.#pos} remain`);
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  /** XDR `int`: 32-bit two's complement. */
  int(): number { return this.#view.getInt32(this.#need(4, 'int')); }

  /** XDR `unsigned int`. */
  uint(): number { return this.#view.getUint32(this.#need(4, 'unsigned int')); }

  /** XDR `hyper` as a JS number; throws `value` if it is not a safe integer. */
  hyper(): number {
    const at = this.#need(8, 'hyper');
    const v = this.#view.getInt32(at) * TWO_32 + this.#view.getUint32(at + 4);
    if (!Number.isSafeInteger(v)) {
      throw new XdrError('value', `hyper value ${this.#view.getBigInt64(at)} is not a safe JS integer; decode it as a bigint`);
    }
    return v;
  }

  /** XDR `unsigned hyper` as a JS number; throws `value` if it is not a safe integer. */
  uhyper(): number {
    const at = this.#need(8, 'unsigned hyper');
    const v = this.#view.getUint32(at) * TWO_32 + this.#view.getUint32(at + 4);
    if (!Number.isSafeInteger(v)) {
      throw new XdrError('value',
        `unsigned hyper value ${this.#view.getBigUint64(at)} is not a safe JS integer; decode it as a bigint`);
    }
    return v;
  }

  /** XDR `hyper` as a bigint (exact). */
  hyperBig(): bigint { return this.#view.getBigInt64(this.#need(8, 'hyper')); }

  /** XDR `unsigned hyper` as a bigint (exact). */
  uhyperBig(): bigint { return this.#view.getBigUint64(this.#need(8, 'unsigned hyper')); }

  /** XDR `double`: IEEE 754 binary64. */
  double(): number { return this.#view.getFloat64(this.#need(8, 'double')); }

  /** XDR `bool`: any non-zero word is true, as libtirpc's xdr_bool decodes it. */
  bool(): boolean { return this.#view.getInt32(this.#need(4, 'bool')) !== 0; }

  /** XDR `char` (one 4-byte word, truncated to a signed byte as xdr_char does). */
  char(): number { return (this.#view.getInt32(this.#need(4, 'char')) << 24) >> 24; }

  /** XDR `unsigned char` (one 4-byte word, truncated to a byte). */
  uchar(): number { return this.#view.getUint32(this.#need(4, 'unsigned char')) & 0xff; }

  /** XDR `short` (one 4-byte word, truncated to 16 signed bits). */
  short(): number { return (this.#view.getInt32(this.#need(4, 'short')) << 16) >> 16; }

  /** XDR `unsigned short` (one 4-byte word, truncated to 16 bits). */
  ushort(): number { return this.#view.getUint32(this.#need(4, 'unsigned short')) & 0xffff; }

  /** Skips the zero padding that follows `n` bytes of opaque data. */
  padding(n: number): void {
    const pad = (4 - (n & 3)) & 3;
    if (pad) this.#need(pad, 'padding');
  }

  /** A length or count word, checked against `max` before anything is allocated. */
  count(max: number, what: string): number {
    const n = this.uint();
    if (n > max) throw new XdrError('limit', `${what} length ${n} exceeds maximum ${max}`);
    return n;
  }

  /** XDR `opaque[n]`: n bytes plus padding, copied. */
  fixedOpaque(n: number): Uint8Array {
    const at = this.#need(n, `opaque[${n}]`);
    this.padding(n);
    return this.#bytes.slice(at, at + n);
  }

  /** XDR `opaque<max>`: length word, bytes, padding; copied. */
  opaque(max: number): Uint8Array {
    return this.fixedOpaque(this.count(max, 'opaque'));
  }

  /** XDR `string<max>`: length word, UTF-8 bytes (no NUL), padding. */
  string(max: number): string {
    const n = this.count(max, 'string');
    const at = this.#need(n, `string<${max}>`);
    this.padding(n);
    // Short ASCII strings (names, paths, flags words) are the common case and
    // much cheaper to build by hand than through TextDecoder.
    if (n <= 64) {
      let ascii = '';
      for (let i = at; i < at + n; i++) {
        const c = this.#bytes[i]!;
        if (c >= 0x80) return utf8.decode(this.#bytes.subarray(at, at + n));
        ascii += String.fromCharCode(c);
      }
      return ascii;
    }
    return utf8.decode(this.#bytes.subarray(at, at + n));
  }

  /** XDR `char name[n]`: n words, one per byte (xdr_vector of xdr_char). */
  fixedChars(n: number): Uint8Array {
    const at = this.#need(n * 4, `char[${n}]`);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.#view.getUint32(at + i * 4) & 0xff;
    return out;
  }

  /** XDR `char name<max>`: count, then one word per byte (xdr_array of xdr_char). */
  chars(max: number): Uint8Array {
    return this.fixedChars(this.count(max, 'char array'));
  }

  /** The presence word of an optional `*T` (xdr_pointer): non-zero means present. */
  present(): boolean {
    return this.#view.getUint32(this.#need(4, 'optional')) !== 0;
  }

  /**
   * The count word of a variable array, checked against `max` and against
   * what can possibly remain (each element takes at least `minSize` bytes),
   * so a hostile count cannot make the caller loop or allocate needlessly.
   */
  arrayCount(max: number, minSize = 4): number {
    const n = this.count(max, 'array');
    if (minSize > 0 && n * minSize > this.#end - this.#pos) {
      throw new XdrError('truncated',
        `truncated XDR data: array of ${n} elements needs at least ${n * minSize} bytes but only ${this.#end - this.#pos} remain`);
    }
    return n;
  }

  /** Takes `n` raw bytes (no padding) as a copy, for stream payloads and the like. */
  raw(n: number): Uint8Array {
    const at = this.#need(n, 'raw bytes');
    return this.#bytes.slice(at, at + n);
  }
}
