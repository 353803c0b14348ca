/**
 * Codec combinators: small values that know how to put one XDR type on the
 * wire and take it off again, composed the way rpcgen composes a .x file.
 *
 * ```ts
 * const dom = named('remote_nonnull_domain', struct({ name: string(), uuid, id: int }));
 * const args = struct({ dom, flags: uint });
 * type Args = Infer<typeof args>;   // { dom: { name: string; uuid: string; id: number }; flags: number }
 * ```
 *
 * Every codec also carries `shape`, a one-line description of its wire form
 * (`remote_nonnull_domain`, `string<4194304>`, `int<16384>`), which the
 * procedure-table snapshot uses so wire changes show up in review.
 */
import { XdrError, within } from './xdr-error.js';
import { XdrReader } from './xdr-reader.js';
import { XdrWriter, type XdrWriterOptions } from './xdr-writer.js';

/** libvirt's string limit (REMOTE_STRING_MAX = VIR_NET_MESSAGE_STRING_MAX): the default for `string`. */
export const DEFAULT_STRING_MAX = 4194304;

/** Encodes and decodes values of type `T`. */
export interface Codec<T> {
  /** One-line wire description; a named type shows only its name. */
  readonly shape: string;
  /** For named types, the shape of what the name stands for. */
  readonly definition?: string;
  /** The codecs this one is built from, to walk named types. */
  readonly parts: readonly AnyCodec[];
  /** The fewest bytes one value can take; bounds array counts before decoding. */
  readonly minSize: number;
  /** A struct's fields in wire order (name, codec); absent for other codecs. */
  readonly fields?: ReadonlyArray<readonly [string, AnyCodec]>;
  encode(w: XdrWriter, v: T): void;
  decode(r: XdrReader): T;
}

/** A codec of any type, for collections of codecs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCodec = Codec<any>;

/** The TypeScript type a codec encodes and decodes. */
export type Infer<C> = C extends Codec<infer T> ? T : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

function codec<T>(shape: string, minSize: number, parts: readonly AnyCodec[],
  encode: (w: XdrWriter, v: T) => void, decode: (r: XdrReader) => T): Codec<T> {
  return Object.freeze({ shape, parts, minSize, encode, decode });
}

// ---------------------------------------------------------------- primitives

/** XDR `int`. */
export const int: Codec<number> = codec('int', 4, [], (w, v) => w.int(v), (r) => r.int());
/** XDR `unsigned int`. Also takes negative 32-bit integers (flag words built with `<<`). */
export const uint: Codec<number> = codec('unsigned int', 4, [], (w, v) => w.uint(v), (r) => r.uint());
/** Aliases matching the style guide's examples. */
export const i32 = int;
export const u32 = uint;
/** XDR `hyper` as a JS number; encode and decode throw if the value is not a safe integer. */
export const hyper: Codec<number> = codec('hyper', 8, [], (w, v) => w.hyper(v), (r) => r.hyper());
/** XDR `unsigned hyper` as a JS number; encode and decode throw if the value is not a safe integer. */
export const uhyper: Codec<number> = codec('unsigned hyper', 8, [], (w, v) => w.uhyper(v), (r) => r.uhyper());
/** XDR `hyper` as a bigint (exact over the whole range). */
export const hyperBig: Codec<bigint> = codec('hyper', 8, [], (w, v) => w.hyperBig(v), (r) => r.hyperBig());
/** XDR `unsigned hyper` as a bigint (exact over the whole range). */
export const uhyperBig: Codec<bigint> = codec('unsigned hyper', 8, [], (w, v) => w.uhyperBig(v), (r) => r.uhyperBig());
/** XDR `double`. */
export const double: Codec<number> = codec('double', 8, [], (w, v) => w.double(v), (r) => r.double());
/** XDR `bool`. */
export const bool: Codec<boolean> = codec('bool', 4, [], (w, v) => w.bool(v), (r) => r.bool());
/** XDR `char` (a whole word on the wire). */
export const char: Codec<number> = codec('char', 4, [], (w, v) => w.char(v), (r) => r.char());
/** XDR `unsigned char` (a whole word on the wire). */
export const uchar: Codec<number> = codec('unsigned char', 4, [], (w, v) => w.uchar(v), (r) => r.uchar());
/** XDR `short` (a whole word on the wire). */
export const short: Codec<number> = codec('short', 4, [], (w, v) => w.short(v), (r) => r.short());
/** XDR `unsigned short` (a whole word on the wire). */
export const ushort: Codec<number> = codec('unsigned short', 4, [], (w, v) => w.ushort(v), (r) => r.ushort());

/** XDR `void`: nothing on the wire. Also exported as `void`. */
export const voidCodec: Codec<void> = codec('void', 0, [], () => undefined, () => undefined);
export { voidCodec as void };

// ---------------------------------------------------------- strings & bytes

function makeString(max: number): Codec<string> {
  return codec(`string<${max}>`, 4, [], (w, v) => w.string(v, max), (r) => r.string(max));
}

/**
 * XDR `string<max>` (UTF-8, max in bytes). `string` itself is the codec for
 * libvirt's limit (4 MiB); `string(n)` makes one with another limit.
 */
export const string: Codec<string> & ((max?: number) => Codec<string>) = Object.freeze(Object.assign(
  (max: number = DEFAULT_STRING_MAX) => makeString(max),
  makeString(DEFAULT_STRING_MAX),
));

/** XDR `opaque<max>` ↔ bytes. */
export function opaque(max: number): Codec<Uint8Array> {
  return codec(`opaque<${max}>`, 4, [], (w, v) => w.opaque(v, max), (r) => r.opaque(max));
}

/** XDR `opaque[n]` ↔ exactly n bytes. */
export function fixedOpaque(n: number): Codec<Uint8Array> {
  return codec(`opaque[${n}]`, (n + 3) & ~3, [], (w, v) => w.fixedOpaque(v, n), (r) => r.fixedOpaque(n));
}

/**
 * XDR `char name<max>` ↔ bytes: one 4-byte word per byte, as libvirt sends
 * SASL tokens (`remote_auth_sasl_*.data`). Bytes ≥ 0x80 are sign-extended
 * on encode, as libtirpc's xdr_char does on the usual signed-char platforms.
 */
export function chars(max: number): Codec<Uint8Array> {
  return codec(`char<${max}>`, 4, [], (w, v) => w.chars(v, max), (r) => r.chars(max));
}

/** XDR `char name[n]` ↔ exactly n bytes, one word each. */
export function fixedChars(n: number): Codec<Uint8Array> {
  return codec(`char[${n}]`, n * 4, [], (w, v) => w.fixedChars(v, n), (r) => r.fixedChars(n));
}

const utf8Enc = new TextEncoder();
const utf8Dec = new TextDecoder('utf-8', { ignoreBOM: true });

function cText(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return utf8Dec.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/**
 * XDR `char name<max>` holding a NUL-terminated C string, ↔ the text.
 * libvirt sends strlen+1 characters (the NUL included) for security labels,
 * models and DOIs; an empty string is one NUL. Decoding stops at the first NUL.
 */
export function charString(max: number): Codec<string> {
  return codec(`char<${max}>`, 4, [],
    (w, v) => {
      if (typeof v !== 'string') throw new XdrError('value', `'${typeof v}' is not a string`);
      const b = utf8Enc.encode(v);
      if (b.includes(0)) throw new XdrError('value', `C string '${v}' contains a NUL character`);
      const withNul = new Uint8Array(b.length + 1);
      withNul.set(b);
      w.chars(withNul, max);
    },
    (r) => cText(r.chars(max)));
}

/**
 * XDR `char name[n]` holding a NUL-padded C string, ↔ the text (for
 * NODE_GET_INFO.model, `char model[32]`). Encodes the text and zero-fills the
 * rest; at most n bytes, so a full-length value has no NUL, as with strncpy.
 */
export function fixedCharString(n: number): Codec<string> {
  return codec(`char[${n}]`, n * 4, [],
    (w, v) => {
      if (typeof v !== 'string') throw new XdrError('value', `'${typeof v}' is not a string`);
      const b = utf8Enc.encode(v);
      if (b.length > n) throw new XdrError('limit', `char[${n}] string '${v}' takes ${b.length} bytes`);
      const buf = new Uint8Array(n);
      buf.set(b);
      w.fixedChars(buf, n);
    },
    (r) => cText(r.fixedChars(n)));
}

const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Canonical lower-case text form of 16 UUID bytes. */
export function uuidToString(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    out += HEX[b[i]!]!;
  }
  return out;
}

function hexVal(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

/** 16 bytes of a UUID given as text (canonical dashes optional, either case). */
export function uuidFromString(s: string): Uint8Array {
  if (typeof s !== 'string' || !UUID_RE.test(s)) throw new XdrError('value', `'${String(s)}' is not a UUID`);
  const out = new Uint8Array(16);
  for (let i = 0, j = 0; i < 16; i++) {
    if (s.charCodeAt(j) === 45) j++; // '-'
    out[i] = (hexVal(s.charCodeAt(j)) << 4) | hexVal(s.charCodeAt(j + 1));
    j += 2;
  }
  return out;
}

/**
 * libvirt's `remote_uuid` (`opaque[16]`, 16 raw bytes on the wire) ↔ the
 * canonical lower-case string `6695eb01-f6a4-8304-79aa-97f2502e193f`.
 */
export const uuid: Codec<string> = named('remote_uuid', codec('opaque[16]', 16, [],
  (w, v) => w.fixedOpaque(uuidFromString(v), 16),
  (r) => uuidToString(r.fixedOpaque(16))));

// ----------------------------------------------------------------- combinators

/** Gives `c` a name: its shape becomes the name, its definition the old shape. */
export function named<T>(name: string, c: Codec<T>): Codec<T> {
  return Object.freeze({
    shape: name, definition: c.shape, parts: [c], minSize: c.minSize,
    encode: c.encode, decode: c.decode,
  });
}

/** The value type of a struct made of `F`'s codecs. */
export type StructOf<F extends Record<string, AnyCodec>> = Simplify<{ -readonly [K in keyof F]: Infer<F[K]> }>;

/** An XDR struct: the fields in declaration (object key) order, nothing between them. */
export function struct<F extends Record<string, AnyCodec>>(fields: F): Codec<StructOf<F>> {
  const entries = Object.entries(fields);
  const shape = `struct { ${entries.map(([k, c]) => `${c.shape} ${k};`).join(' ')} }`;
  return withFields(entries, codec<StructOf<F>>(shape, entries.reduce((n, [, c]) => n + c.minSize, 0), entries.map(([, c]) => c),
    (w, v) => {
      if (v === null || typeof v !== 'object') throw new XdrError('value', `'${v === null ? 'null' : typeof v}' is not a struct`);
      const o = v as Record<string, unknown>;
      for (let i = 0; i < entries.length; i++) {
        const [k, c] = entries[i]!;
        try {
          c.encode(w, o[k]);
        } catch (e) {
          throw e instanceof XdrError ? e.within(k) : e;
        }
      }
    },
    (r) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < entries.length; i++) {
        const [k, c] = entries[i]!;
        try {
          o[k] = c.decode(r);
        } catch (e) {
          throw e instanceof XdrError ? e.within(k) : e;
        }
      }
      return o as StructOf<F>;
    }));
}

function withFields<T>(entries: ReadonlyArray<readonly [string, AnyCodec]>, c: Codec<T>): Codec<T> {
  return Object.freeze({ ...c, fields: Object.freeze(entries.map((e) => Object.freeze([e[0], e[1]] as const))) });
}

/** XDR optional-data `*T`: a presence word, then T if present. Absent ↔ `null` (`undefined` encodes as absent). */
export function optional<T>(c: Codec<T>): Codec<T | null> {
  return codec<T | null>(`*${c.shape}`, 4, [c],
    (w, v) => {
      w.present(v != null);
      if (v != null) c.encode(w, v);
    },
    (r) => (r.present() ? c.decode(r) : null));
}

/** XDR variable array `T<max>`: a count word (≤ max), then the elements. */
export function array<T>(c: Codec<T>, max: number): Codec<T[]> {
  return codec<T[]>(`${c.shape}<${max}>`, 4, [c],
    (w, v) => {
      if (!Array.isArray(v)) throw new XdrError('value', `'${typeof v}' is not an array`);
      w.arrayCount(v.length, max);
      for (let i = 0; i < v.length; i++) {
        try {
          c.encode(w, v[i] as T);
        } catch (e) {
          throw e instanceof XdrError ? e.within(`[${i}]`) : e;
        }
      }
    },
    (r) => {
      const n = r.arrayCount(max, c.minSize);
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) {
        try {
          out[i] = c.decode(r);
        } catch (e) {
          throw e instanceof XdrError ? e.within(`[${i}]`) : e;
        }
      }
      return out;
    });
}

/** XDR fixed array `T[n]`: exactly n elements, no count word. */
export function fixedArray<T>(c: Codec<T>, n: number): Codec<T[]> {
  return codec<T[]>(`${c.shape}[${n}]`, c.minSize * n, [c],
    (w, v) => {
      if (!Array.isArray(v)) throw new XdrError('value', `'${typeof v}' is not an array`);
      if (v.length !== n) throw new XdrError('value', `fixed array of ${n} given ${v.length} elements`);
      for (let i = 0; i < n; i++) within(`[${i}]`, () => c.encode(w, v[i] as T));
    },
    (r) => {
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = within(`[${i}]`, () => c.decode(r));
      return out;
    });
}

/** The value type of a union with arms `A`: `{ type: tag, value }` for each arm. */
export type UnionOf<A extends Record<number, AnyCodec>> =
  { [K in keyof A & number]: { type: K; value: Infer<A[K]> } }[keyof A & number];

/**
 * XDR discriminated union `switch (int type) { case k: T_k … }` ↔
 * `{ type: k, value }`. A discriminant with no arm fails with a `union` error
 * (there is no default arm, as in every libvirt union).
 */
export function union<A extends Record<number, AnyCodec>>(arms: A): Codec<UnionOf<A>> {
  const table = new Map<number, AnyCodec>(Object.entries(arms).map(([k, c]) => [Number(k), c]));
  const shape = `union switch (int type) { ${[...table].map(([k, c]) => `case ${k}: ${c.shape};`).join(' ')} }`;
  const min = 4 + Math.min(...[...table.values()].map((c) => c.minSize));
  return codec<UnionOf<A>>(shape, min, [...table.values()],
    (w, v) => {
      const arm = v == null ? undefined : table.get(v.type);
      if (!arm) throw new XdrError('union', `union discriminant '${String(v?.type)}' has no arm`);
      w.int(v.type);
      within(`<${v.type}>`, () => arm.encode(w, v.value));
    },
    (r) => {
      const type = r.int();
      const arm = table.get(type);
      if (!arm) throw new XdrError('union', `union discriminant '${type}' has no arm`);
      return { type, value: within(`<${type}>`, () => arm.decode(r)) } as UnionOf<A>;
    });
}

/**
 * An XDR enum (a 4-byte int) with its named values. Encoding refuses numbers
 * that are not members; decoding accepts any int, as rpcgen's xdr_enum does,
 * so newer peers' values pass through.
 */
export function enumOf<E extends Record<string, number>>(name: string, values: E): Codec<number> {
  const members = new Set(Object.values(values));
  const def = `enum { ${Object.entries(values).map(([k, v]) => `${k} = ${v}`).join(', ')} }`;
  return named(name, codec<number>(def, 4, [],
    (w, v) => {
      if (!members.has(v)) throw new XdrError('value', `'${String(v)}' is not a member of enum ${name}`);
      w.int(v);
    },
    (r) => r.int()));
}

/**
 * A codec whose TS value is a transformation of another codec's value, same
 * wire form. `to` maps our value to the inner one before encoding, `from`
 * maps the decoded inner value back.
 */
export function mapped<T, U>(c: Codec<U>, to: (v: T) => U, from: (u: U) => T): Codec<T> {
  return Object.freeze({
    shape: c.shape, definition: c.definition, parts: c.parts, minSize: c.minSize,
    encode: (w: XdrWriter, v: T) => c.encode(w, to(v)),
    decode: (r: XdrReader) => from(c.decode(r)),
  });
}

// -------------------------------------------------------------------- helpers

/** Encodes one value to bytes. */
export function toXdr<T>(c: Codec<T>, v: T, opts?: XdrWriterOptions): Uint8Array {
  const w = new XdrWriter(opts);
  c.encode(w, v);
  return w.finish();
}

export interface FromXdrOptions {
  /** Accept bytes after the value (libvirt ignores trailing payload bytes). Default false. */
  allowTrailing?: boolean;
}

/** Decodes one value from the whole of `bytes`. */
export function fromXdr<T>(c: Codec<T>, bytes: Uint8Array, opts: FromXdrOptions = {}): T {
  const r = new XdrReader(bytes);
  const v = c.decode(r);
  if (!opts.allowTrailing) r.assertEnd();
  return v;
}

/** Every named codec reachable from `roots`, name → definition (for snapshots and docs). */
export function namedTypes(roots: Iterable<AnyCodec>): Map<string, string> {
  const out = new Map<string, string>();
  const seen = new Set<AnyCodec>();
  const walk = (c: AnyCodec): void => {
    if (seen.has(c)) return;
    seen.add(c);
    if (c.definition !== undefined) {
      const prev = out.get(c.shape);
      if (prev !== undefined && prev !== c.definition) {
        throw new Error(`two different types are named '${c.shape}': ${prev} / ${c.definition}`);
      }
      out.set(c.shape, c.definition);
    }
    for (const p of c.parts) walk(p);
  };
  for (const c of roots) walk(c);
  return out;
}
