/**
 * Input generation for the fuzzers: a seeded PRNG, XDR payloads generated
 * from the codecs of the program tables, and byte/packet mutations.
 *
 * Generation works on the wire form, not on TS values. A codec only
 * describes its wire form (`shape`, `parts`, `minSize`; src/xdr/codec.ts),
 * and several codecs share a wire form but not a value type (`uuid` is
 * `opaque[16]` but a string; `hyper` may be a number or a bigint; `char<N>`
 * may be bytes or a C string; `mapped` codecs look like their inner codec).
 * Writing XDR directly from the shape sidesteps all of that, and lets the
 * hostile mode write what no value could encode to: counts over the
 * maximum, unknown union arms, unsafe hypers, invalid UTF-8.
 *
 * Everything is deterministic from the Rng's seed.
 */
import {
  FRAME_MAX, FRAME_MIN, HEADER_SIZE, MessageStatus, MessageType, ProgramNumber, type Entry,
} from '../../src/protocol/index.js';
import { XdrWriter, type AnyCodec } from '../../src/xdr/index.js';

// ------------------------------------------------------------------- PRNG

/** mulberry32: a small, fast, seedable 32-bit PRNG (plenty for fuzzing, not for crypto). */
export class Rng {
  #s: number;

  constructor(seed: number) {
    this.#s = seed >>> 0;
  }

  /** The next uint32. */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 0x100000000;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Picks by weight: `[[weight, value], …]`. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of items) total += w;
    let x = this.float() * total;
    for (const [w, v] of items) {
      if ((x -= w) < 0) return v;
    }
    return items[items.length - 1]![1];
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let v = this.next();
      for (let j = i; j < i + 4 && j < n; j++, v >>>= 8) out[j] = v & 0xff;
    }
    return out;
  }

  /** A new generator seeded from this one (so sub-steps do not shift each other's draws). */
  fork(): Rng {
    return new Rng(this.next());
  }
}

/** A well-mixed seed for input number `index` of a run with `seed` (splitmix32-style). */
export function subSeed(seed: number, index: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}

// ---------------------------------------------------------- codec structure

/** What a codec is, read back from its `shape`, `parts` and `definition`. */
export type CodecKind =
  | { kind: 'void' }
  | { kind: 'int' | 'uint' | 'hyper' | 'uhyper' | 'double' | 'bool' | 'char' | 'uchar' | 'short' | 'ushort' }
  | { kind: 'string' | 'opaque' | 'chars'; max: number }
  | { kind: 'fixedOpaque' | 'fixedChars'; n: number }
  | { kind: 'enum'; values: number[] }
  | { kind: 'named'; name: string; inner: AnyCodec }
  | { kind: 'optional'; inner: AnyCodec }
  | { kind: 'array'; elem: AnyCodec; max: number }
  | { kind: 'fixedArray'; elem: AnyCodec; n: number }
  | { kind: 'struct'; fields: [string, AnyCodec][] }
  | { kind: 'union'; arms: [number, AnyCodec][] };

const PRIMITIVES: Record<string, CodecKind> = {
  'void': { kind: 'void' },
  'int': { kind: 'int' },
  'unsigned int': { kind: 'uint' },
  'hyper': { kind: 'hyper' },
  'unsigned hyper': { kind: 'uhyper' },
  'double': { kind: 'double' },
  'bool': { kind: 'bool' },
  'char': { kind: 'char' },
  'unsigned char': { kind: 'uchar' },
  'short': { kind: 'short' },
  'unsigned short': { kind: 'ushort' },
};

const kinds = new WeakMap<AnyCodec, CodecKind>();

function unknownShape(c: AnyCodec): Error {
  return new Error(`fuzz generator does not understand codec shape '${c.shape}'`);
}

/** Reads struct field names back from `struct { <shape0> k0; <shape1> k1; }`. */
function structFields(c: AnyCodec): [string, AnyCodec][] {
  const s = c.shape;
  let at = 'struct { '.length;
  const out: [string, AnyCodec][] = [];
  for (const p of c.parts) {
    if (!s.startsWith(p.shape + ' ', at)) throw unknownShape(c);
    at += p.shape.length + 1;
    const semi = s.indexOf(';', at);
    if (semi < 0) throw unknownShape(c);
    out.push([s.slice(at, semi), p]);
    at = semi + 2;
  }
  return out;
}

/** Reads union tags back from `union switch (int type) { case k: <shape>; … }`. */
function unionArms(c: AnyCodec): [number, AnyCodec][] {
  const s = c.shape;
  let at = 'union switch (int type) { '.length;
  const out: [number, AnyCodec][] = [];
  for (const p of c.parts) {
    if (!s.startsWith('case ', at)) throw unknownShape(c);
    const colon = s.indexOf(':', at);
    const tag = Number(s.slice(at + 5, colon));
    if (!Number.isInteger(tag) || !s.startsWith(' ' + p.shape + ';', colon + 1)) throw unknownShape(c);
    out.push([tag, p]);
    at = colon + 1 + p.shape.length + 3;
  }
  return out;
}

/** Classifies a codec; throws for a shape the generator cannot produce (a test keeps that from happening). */
export function codecKind(c: AnyCodec): CodecKind {
  const known = kinds.get(c);
  if (known) return known;
  const k = classify(c);
  kinds.set(c, k);
  return k;
}

function classify(c: AnyCodec): CodecKind {
  const s = c.shape;
  if (c.definition !== undefined) {
    if (c.parts.length !== 1) throw unknownShape(c);
    return { kind: 'named', name: s, inner: c.parts[0]! };
  }
  const prim = PRIMITIVES[s];
  if (prim) return prim;
  let m: RegExpMatchArray | null;
  if (c.parts.length === 0) {
    if ((m = /^(string|opaque|char)<(\d+)>$/.exec(s))) {
      return { kind: m[1] === 'char' ? 'chars' : m[1] as 'string' | 'opaque', max: Number(m[2]) };
    }
    if ((m = /^(opaque|char)\[(\d+)\]$/.exec(s))) {
      return { kind: m[1] === 'char' ? 'fixedChars' : 'fixedOpaque', n: Number(m[2]) };
    }
    if (s.startsWith('enum {')) {
      return { kind: 'enum', values: [...s.matchAll(/= (-?\d+)/g)].map((x) => Number(x[1])) };
    }
    throw unknownShape(c);
  }
  if (s.startsWith('struct { ')) return { kind: 'struct', fields: structFields(c) };
  if (s.startsWith('union switch (int type) { ')) return { kind: 'union', arms: unionArms(c) };
  if (c.parts.length === 1) {
    const inner = c.parts[0]!;
    if (s === '*' + inner.shape) return { kind: 'optional', inner };
    if (s.startsWith(inner.shape) && (m = /^<(\d+)>$/.exec(s.slice(inner.shape.length)))) {
      return { kind: 'array', elem: inner, max: Number(m[1]) };
    }
    if (s.startsWith(inner.shape) && (m = /^\[(\d+)\]$/.exec(s.slice(inner.shape.length)))) {
      return { kind: 'fixedArray', elem: inner, n: Number(m[1]) };
    }
  }
  throw unknownShape(c);
}

/** Every codec a table entry uses: args and ret of calls, msg of events. */
export function entryCodecs(e: Entry): { role: 'args' | 'ret' | 'msg'; codec: AnyCodec }[] {
  return e.kind === 'call'
    ? [{ role: 'args', codec: e.args }, { role: 'ret', codec: e.ret }]
    : [{ role: 'msg', codec: e.msg }];
}

// ------------------------------------------------------------- byte output

/**
 * The XdrWriter with the few raw writes the generator needs. Its checked
 * writers are not used for counts, lengths and tags, which the hostile mode
 * sets to anything; `uint` takes any 32-bit pattern.
 */
export class Bytes extends XdrWriter {
  u32(v: number): void {
    this.uint(v >>> 0);
  }

  i32(v: number): void {
    this.int(v | 0);
  }

  u64(v: bigint): void {
    this.uhyperBig(BigInt.asUintN(64, v));
  }

  f64(v: number): void {
    this.double(v);
  }

  /** XDR padding after n bytes of opaque data. */
  pad(n: number): void {
    this.padding(n);
  }
}

// ------------------------------------------------------- interesting values

/** The objects of test:///default (src/driver/test/default-host.ts), so calls reach deep into the driver. */
export const TEST_OBJECTS = {
  domain: { name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 1 },
  network: { name: 'default', uuid: 'dd8fe884-6c02-601e-7551-cca97df1c5df' },
  pool: { name: 'default-pool', uuid: 'dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566' },
  iface: { name: 'eth1', mac: 'aa:bb:cc:dd:ee:ff' },
  nodedevs: ['computer', 'scsi_host1', 'scsi_host2', 'scsi_host11'],
} as const;

const OBJECT_NAMES = ['test', 'default', 'default-pool', 'eth1', 'lo', 'vda', 'hda', 'virbr0', ...TEST_OBJECTS.nodedevs];

/** CONNECT_OPEN names worth trying; some of them are files a driver must not read blindly. */
export const URIS = [
  'test:///default', '', 'test:///', 'test://', 'test:///dev/zero', 'test:///dev/null', 'test:///dev/urandom',
  'test:///proc/self/status', 'test:///etc/passwd', 'test:///nonexistent.xml', 'test:///tmp', 'test:///default?x=%00',
  'qemu:///system', 'qemu:///session', 'lxc:///', 'xen://', 'remote:///', 'test+unix:///default', 'vbox:///session',
  'test:///default#frag', '%', ':', '///', 'test:///../../../../etc/shadow', 'test:///default'.padEnd(5000, '/'),
];

const INT_EDGES = [0, 1, -1, 2, 3, 7, 16, 255, 256, 1024, 4096, 16383, 16384, 16385, 65536, 0x7fffffff, -0x80000000,
  0x7ffffffe, -2, 1 << 30];
const UINT_EDGES = [0, 1, 2, 0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 16384, 16385, 65536, 0x10000000];
const HYPER_EDGES = [0n, 1n, -1n, 2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 32n, 2n ** 31n, 1n << 40n];
const HYPER_UNSAFE = [2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, -(2n ** 53n)];
const DOUBLE_EDGES = [0, -0, 1, -1, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 1e-310, 0.5];

const CODE_POINTS = [0xe9, 0x4e2d, 0x1f600, 0xfeff, 0x202e, 0x7f, 0x1, 0xfffd];

const utf8 = new TextEncoder();

function uuidBytes(s: string): Uint8Array {
  const hex = s.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * A path that climbs out of any working directory. It must land somewhere
 * harmless: the daemon runs as root, and libvirt's test driver writes a
 * save image to whatever path domainSave names (an earlier
 * `../../../etc/passwd` here overwrote a host's /etc/passwd).
 */
export const TRAVERSAL = `${'../'.repeat(16)}tmp/tsvirt-fuzz-traversal`;

let bigA: Uint8Array | null = null;
/** n bytes of 'A' (shared, read-only: Bytes.raw copies it). */
function manyA(n: number): Uint8Array {
  if (!bigA || bigA.length < n) bigA = new Uint8Array(Math.max(n, 4194305)).fill(0x41);
  return bigA.subarray(0, n);
}

/** XML documents for `xml`/`xmlDesc` fields: valid definitions of new objects, and parser attacks. */
function xmlText(rng: Rng, budgetLeft: number): string {
  const budget = Math.max(0, budgetLeft);
  const n = rng.next().toString(36);
  const options: (() => string)[] = [
    () => `<domain type='test'><name>fz-${n}</name><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`,
    () => `<domain type='test'><name>test</name><uuid>${TEST_OBJECTS.domain.uuid}</uuid><memory>1</memory><os><type>hvm</type></os></domain>`,
    () => `<network><name>fz-${n}</name><bridge name='fz${n.slice(0, 8)}'/></network>`,
    () => `<pool type='dir'><name>fz-${n}</name><target><path>/fz-${n}</path></target></pool>`,
    () => `<volume><name>fz-${n}.img</name><capacity unit='G'>${rng.int(100000)}</capacity></volume>`,
    () => `<interface type='ethernet' name='fz${n.slice(0, 8)}'><mac address='52:54:00:00:00:${(rng.int(256)).toString(16).padStart(2, '0')}'/></interface>`,
    () => `<secret ephemeral='no' private='yes'><uuid>${randomUuidText(rng)}</uuid><usage type='volume'><volume>/fz/${n}</volume></usage></secret>`,
    () => `<domainsnapshot><name>fz-${n}</name></domainsnapshot>`,
    () => `<nwfilter name='fz-${n}'><rule action='drop' direction='in'/></nwfilter>`,
    () => `<device><name>fz_${n}</name><parent>scsi_host1</parent><capability type='scsi_host'><capability type='fc_host'/></capability></device>`,
    () => `<disk type='file' device='disk'><source file='/fz/${n}'/><target dev='vdz' bus='virtio'/></disk>`,
    () => `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">`
      + `<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">`
      + `<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>`
      + `<domain type='test'><name>&f;</name></domain>`,
    () => `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///dev/zero">]><domain type='test'><name>&x;</name></domain>`,
    () => {
      const depth = Math.min(rng.pick([100, 1000, 10000, 100000]), Math.floor(budget / 8));
      return '<a>'.repeat(depth) + '</a>'.repeat(depth);
    },
    () => `<domain type='test' ${Array.from({ length: Math.min(5000, budget >> 6) }, (_, i) => `a${i}='${i}'`).join(' ')}>`,
    () => rng.pick(['<', '<domain', '<domain>', '</domain>', '<?xml', '<!--', '<![CDATA[', '&', '&#0;', '&#xffffffff;',
      "<domain type='test'><name></name></domain>", "<domain type='kvm'/>", '<domain><name>x</name><name>y</name></domain>']),
  ];
  return rng.pick(options)();
}

function randomUuidText(rng: Rng): string {
  const b = rng.bytes(16);
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// --------------------------------------------------------------- generator

export interface GenOptions {
  /**
   * `valid` writes bytes that decode: counts within their maximum, union arms
   * that exist, safe hypers, enum members, valid UTF-8, NUL-terminated
   * `char<N>`. `hostile` also writes what must be refused.
   */
  mode?: 'valid' | 'hostile';
  /** In hostile mode, the chance per count/tag/number of breaking a rule. Default 0.05. */
  violation?: number;
  /** Bytes the payload may take; big strings and long arrays only where they fit. Default 1 MiB. */
  budget?: number;
  /** Use names and UUIDs of test:///default's objects (so calls reach the driver). Default true. */
  objects?: boolean;
}

/** Named types that are only another name for a string or a UUID. */
const ALIASES = new Set(['remote_nonnull_string', 'remote_string', 'remote_uuid']);

/** Stop generating here: a hostile payload that ends early. */
class Truncate {
  readonly truncated = true;
}

class Generator {
  readonly out = new Bytes();
  readonly #rng: Rng;
  readonly #hostile: boolean;
  readonly #violation: number;
  readonly #objects: boolean;
  #budget: number;

  constructor(rng: Rng, o: GenOptions) {
    this.#rng = rng;
    this.#hostile = o.mode === 'hostile';
    this.#violation = this.#hostile ? (o.violation ?? 0.05) : 0;
    this.#objects = o.objects ?? true;
    this.#budget = o.budget ?? 1 << 20;
  }

  #violate(): boolean {
    return this.#hostile && this.#rng.chance(this.#violation);
  }

  #spent(n: number): void {
    this.#budget -= n;
  }

  value(c: AnyCodec, owner: string | null, field: string | null): void {
    const k = codecKind(c);
    const rng = this.#rng;
    const w = this.out;
    if (this.#violate() && rng.chance(0.1)) throw new Truncate();
    switch (k.kind) {
      case 'void': return;
      case 'int': case 'char': case 'short': w.i32(this.#int(field)); return;
      case 'uint': case 'uchar': case 'ushort': w.u32(this.#uint(field)); return;
      case 'bool': w.u32(this.#violate() ? rng.pick([2, 0xffffffff]) : rng.int(2)); return;
      case 'hyper': case 'uhyper': {
        let v: bigint;
        if (this.#violate()) v = rng.pick(HYPER_UNSAFE);
        else if (rng.chance(0.3)) v = rng.pick(HYPER_EDGES);
        else v = BigInt(rng.int(1 << 20));
        if (k.kind === 'uhyper' && v < 0n && !this.#hostile) v = -v;
        w.u64(v);
        return;
      }
      case 'double': w.f64(rng.chance(0.5) ? rng.pick(DOUBLE_EDGES) : (rng.float() - 0.5) * 2 ** rng.int(80)); return;
      case 'enum': w.i32(this.#violate() ? rng.pick(INT_EDGES) : rng.pick(k.values)); return;
      case 'string': this.#string(k.max, owner, field); return;
      case 'opaque': {
        const n = this.#length(k.max, 1);
        w.u32(n.word);
        const bytes = rng.bytes(n.fill);
        w.raw(bytes);
        w.pad(bytes.length);
        this.#spent(bytes.length);
        return;
      }
      case 'fixedOpaque': {
        // remote_uuid is the only opaque[16] in the tables: real UUIDs of the owner's object half the time.
        const real = k.n === 16 && this.#objects && rng.chance(0.6) ? this.#uuidFor(owner) : null;
        const b = real ?? rng.bytes(k.n);
        w.raw(b);
        w.pad(k.n);
        return;
      }
      case 'chars': {
        const n = this.#length(k.max, 4);
        w.u32(n.word);
        // NUL-terminated ASCII: valid for both byte arrays and C strings (charString).
        for (let i = 0; i < n.fill; i++) w.u32(i === n.fill - 1 ? 0 : 0x20 + rng.int(95));
        this.#spent(n.fill * 4);
        return;
      }
      case 'fixedChars':
        for (let i = 0; i < k.n; i++) w.u32(rng.chance(0.5) ? 0x20 + rng.int(95) : 0);
        return;
      case 'named':
        // Aliases of strings and UUIDs keep the owner: it says which object a name or UUID belongs to.
        this.value(k.inner, ALIASES.has(k.name) ? owner : k.name, field);
        return;
      case 'optional': {
        const present = rng.chance(0.6);
        w.u32(present ? (this.#hostile && rng.chance(0.1) ? rng.pick([2, 0xffffffff]) : 1) : 0);
        if (present) this.value(k.inner, owner, field);
        return;
      }
      case 'array': {
        const n = this.#length(k.max, Math.max(4, k.elem.minSize));
        w.u32(n.word);
        for (let i = 0; i < n.fill; i++) this.value(k.elem, owner, field);
        return;
      }
      case 'fixedArray':
        for (let i = 0; i < k.n; i++) this.value(k.elem, owner, field);
        return;
      case 'struct':
        for (const [name, fc] of k.fields) this.value(fc, owner, name);
        return;
      case 'union': {
        if (this.#violate()) {
          w.i32(rng.pick([-1, 0, 8, 99, 0x7fffffff]));
          return;
        }
        const [tag, arm] = rng.pick(k.arms);
        w.i32(tag);
        this.value(arm, owner, field);
        return;
      }
    }
  }

  /**
   * A count word and how many elements to write after it. Valid: mostly
   * small, sometimes the maximum when it fits the budget. Hostile: over the
   * maximum, huge, or a big count with nothing after it.
   */
  #length(max: number, unit: number): { word: number; fill: number } {
    const rng = this.#rng;
    if (this.#violate()) {
      const word = rng.pick([max + 1, 0xffffffff, 0x7fffffff, 0x40000000, max, Math.max(0, max - 1)]);
      return { word, fill: 0 };
    }
    let n: number;
    const r = rng.float();
    if (r < 0.25) n = 0;
    else if (r < 0.85) n = Math.min(max, rng.range(1, 4));
    else if (r < 0.95) n = Math.min(max, rng.range(5, 64));
    else n = max;
    if (n * unit > this.#budget) n = Math.max(0, Math.min(max, Math.floor(this.#budget / unit / 2)));
    this.#spent(n * unit);
    return { word: n, fill: n };
  }

  #int(field: string | null): number {
    const rng = this.#rng;
    if (field === 'flags') return rng.chance(0.6) ? 0 : rng.chance(0.5) ? 1 << rng.int(32) : rng.pick(INT_EDGES);
    if (field === 'id' && this.#objects && rng.chance(0.5)) return rng.pick([TEST_OBJECTS.domain.id, -1, 0]);
    if (field === 'eventID' || field === 'feature') return rng.chance(0.8) ? rng.int(30) : rng.pick(INT_EDGES);
    const r = rng.float();
    if (r < 0.3) return 0;
    if (r < 0.6) return rng.int(17);
    if (r < 0.85) return rng.pick(INT_EDGES);
    return rng.next() | 0;
  }

  #uint(field: string | null): number {
    const rng = this.#rng;
    if (field === 'flags') return rng.chance(0.6) ? 0 : rng.chance(0.5) ? (1 << rng.int(32)) >>> 0 : rng.pick(UINT_EDGES);
    const r = rng.float();
    if (r < 0.3) return 0;
    if (r < 0.6) return rng.int(17);
    if (r < 0.85) return rng.pick(UINT_EDGES);
    return rng.next();
  }

  #uuidFor(owner: string | null): Uint8Array | null {
    const o = TEST_OBJECTS;
    switch (owner) {
      case 'remote_nonnull_domain': case 'remote_domain': return uuidBytes(o.domain.uuid);
      case 'remote_nonnull_network': case 'remote_network': return uuidBytes(o.network.uuid);
      case 'remote_nonnull_storage_pool': case 'remote_storage_pool': return uuidBytes(o.pool.uuid);
      default: return uuidBytes(this.#rng.pick([o.domain.uuid, o.network.uuid, o.pool.uuid]));
    }
  }

  /** The text for a string field: object names where the owner or field says so, else a mix. */
  #text(owner: string | null, field: string | null): string {
    const rng = this.#rng;
    const o = TEST_OBJECTS;
    if (this.#objects && rng.chance(0.7)) {
      switch (`${owner ?? ''}.${field ?? ''}`) {
        case 'remote_nonnull_domain.name': case 'remote_domain.name': return o.domain.name;
        case 'remote_nonnull_network.name': case 'remote_network.name': return o.network.name;
        case 'remote_nonnull_storage_pool.name': case 'remote_storage_pool.name': return o.pool.name;
        case 'remote_nonnull_storage_vol.pool': return o.pool.name;
        case 'remote_nonnull_interface.name': return o.iface.name;
        case 'remote_nonnull_interface.mac': return o.iface.mac;
        case 'remote_nonnull_node_device.name': case 'remote_node_device.name': return rng.pick(o.nodedevs);
        default: break;
      }
      if (field === 'name' || field === 'pool' || field === 'dev' || field === 'parent') return rng.pick(OBJECT_NAMES);
      if (field === 'mac' || field === 'macstr') return o.iface.mac;
      if (field === 'uuid' || field === 'usageID') return rng.pick([o.domain.uuid, o.network.uuid, o.pool.uuid]);
    }
    if (field !== null && /xml|Xml|XML/.test(field) && rng.chance(0.8)) return xmlText(rng, this.#budget);
    if ((field === 'uri' || field === 'dconnuri' || field === 'name') && rng.chance(0.3)) return rng.pick(URIS);
    const r = rng.float();
    if (r < 0.15) return '';
    if (r < 0.35) return rng.pick(OBJECT_NAMES);
    if (r < 0.45) return rng.pick(['/dev/zero', '/dev/null', '/', '/tmp', '/default-pool/x.img', TRAVERSAL,
      '%s%s%n', 'a'.repeat(79), 'a'.repeat(80), 'a'.repeat(256), 'vda', 'hda', 'vnet0', 'qemu', 'kvm', 'test']);
    if (r < 0.55) return xmlText(rng, this.#budget);
    if (r < 0.65) return rng.pick(URIS);
    if (r < 0.75) {
      const cps = Array.from({ length: rng.range(1, 20) }, () => rng.pick(CODE_POINTS));
      return String.fromCodePoint(...cps);
    }
    let s = '';
    for (let i = rng.range(1, 40); i > 0; i--) s += String.fromCharCode(0x21 + rng.int(94));
    return s;
  }

  #string(max: number, owner: string | null, field: string | null): void {
    const rng = this.#rng;
    const w = this.out;
    if (this.#violate()) {
      const r = rng.float();
      if (r < 0.4) { // a length over the maximum, or a huge one, with nothing after it
        w.u32(rng.pick([max + 1, 0xffffffff, 0x7fffffff]));
        return;
      }
      if (r < 0.6 && max + 1 <= this.#budget) { // one byte too many, all there
        w.u32(max + 1);
        w.raw(manyA(max + 1));
        w.pad(max + 1);
        this.#spent(max + 1);
        return;
      }
      // invalid UTF-8 and embedded NULs
      const b = rng.bytes(rng.range(1, 32));
      b[0] = rng.pick([0xff, 0xc0, 0x80, 0xed, 0]);
      w.u32(b.length);
      w.raw(b);
      w.pad(b.length);
      return;
    }
    if (this.#hostile && rng.chance(0.01) && max <= this.#budget) { // the longest allowed string
      w.u32(max);
      w.raw(manyA(max));
      w.pad(max);
      this.#spent(max);
      return;
    }
    let b = utf8.encode(this.#text(owner, field));
    if (b.length > max || b.length > Math.max(64, this.#budget)) b = b.subarray(0, 0);
    w.u32(b.length);
    w.raw(b);
    w.pad(b.length);
    this.#spent(b.length);
  }
}

/**
 * Generates one XDR payload for `codec`. Valid mode: the bytes decode with
 * the codec (a test checks this for every table entry). Hostile mode:
 * sometimes they must not.
 */
export function generate(codec: AnyCodec, rng: Rng, opts: GenOptions = {}): Uint8Array {
  const g = new Generator(rng, opts);
  try {
    g.value(codec, null, null);
  } catch (e) {
    if (!(e instanceof Truncate)) throw e;
  }
  return g.out.finish();
}

// --------------------------------------------------------------- mutations

const WORDS = [0, 1, 2, 3, 4, 0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0x00010000, 0x00400000, 0x00400001,
  16384, 16385, 65536, 28, 27];

/** One random change to `bytes` (a copy is returned): bit flips, words, cuts, extensions, repeats. */
export function mutateBytes(bytes: Uint8Array, rng: Rng, donors: readonly Uint8Array[] = []): Uint8Array {
  const b = bytes;
  const op = rng.int(9);
  switch (op) {
    case 0: { // flip a few bits
      const out = b.slice();
      if (out.length === 0) return rng.bytes(4);
      for (let i = rng.range(1, 8); i > 0; i--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
      return out;
    }
    case 1: { // an interesting word at a word boundary (counts, lengths, tags, presence words)
      const out = b.length >= 4 ? b.slice() : new Uint8Array(4);
      const at = rng.int(out.length >> 2) << 2;
      new DataView(out.buffer).setUint32(at, rng.pick(WORDS));
      return out;
    }
    case 2: return b.slice(0, rng.int(b.length + 1)); // truncate
    case 3: { // extend with junk or zeros
      const extra = rng.chance(0.5) ? rng.bytes(rng.range(1, 64)) : new Uint8Array(rng.range(1, 4096));
      const out = new Uint8Array(b.length + extra.length);
      out.set(b);
      out.set(extra, b.length);
      return out;
    }
    case 4: { // delete a range
      if (b.length === 0) return b.slice();
      const at = rng.int(b.length);
      const n = rng.range(1, Math.min(64, b.length - at));
      const out = new Uint8Array(b.length - n);
      out.set(b.subarray(0, at));
      out.set(b.subarray(at + n), at);
      return out;
    }
    case 5: { // repeat a range
      if (b.length === 0) return b.slice();
      const at = rng.int(b.length);
      const n = rng.range(1, Math.min(256, b.length - at));
      const times = rng.range(1, 16);
      const out = new Uint8Array(b.length + n * times);
      out.set(b.subarray(0, at + n));
      for (let i = 0; i < times; i++) out.set(b.subarray(at, at + n), at + n * (i + 1));
      out.set(b.subarray(at + n), at + n * (times + 1));
      return out;
    }
    case 6: { // splice another encoding in
      if (donors.length === 0) return rng.bytes(rng.int(64));
      const d = rng.pick(donors);
      const cut = rng.int(b.length + 1);
      const from = rng.int(d.length + 1);
      const out = new Uint8Array(cut + d.length - from);
      out.set(b.subarray(0, cut));
      out.set(d.subarray(from), cut);
      return out;
    }
    case 7: { // random bytes over a range
      const out = b.slice();
      if (out.length === 0) return out;
      const at = rng.int(out.length);
      out.set(rng.bytes(Math.min(out.length - at, rng.range(1, 16))), at);
      return out;
    }
    default: return rng.bytes(rng.int(128)); // pure noise
  }
}

/** A few mutations in a row. */
export function mutate(bytes: Uint8Array, rng: Rng, donors: readonly Uint8Array[] = []): Uint8Array {
  let out = bytes;
  for (let i = rng.range(1, 3); i > 0; i--) out = mutateBytes(out, rng, donors);
  return out;
}

// ------------------------------------------------------------------ packets

/** The fields of a packet header, with no checks (any int in any field). */
export interface RawHeader {
  prog: number;
  vers: number;
  proc: number;
  type: number;
  serial: number;
  status: number;
}

/** A packet as it goes on the wire: length word (the true length unless `length` lies), header, [numFds], payload. */
export function packet(h: RawHeader, body: Uint8Array = new Uint8Array(0), o: { numFds?: number; length?: number } = {}): Uint8Array {
  const w = new Bytes();
  const withFds = h.type === MessageType.CALL_WITH_FDS || h.type === MessageType.REPLY_WITH_FDS;
  const len = 4 + HEADER_SIZE + (withFds ? 4 : 0) + body.length;
  w.u32(o.length ?? len);
  w.u32(h.prog);
  w.u32(h.vers);
  w.i32(h.proc);
  w.i32(h.type);
  w.u32(h.serial);
  w.i32(h.status);
  if (withFds) w.u32(o.numFds ?? 0);
  w.raw(body);
  return w.finish();
}

/** The header of a CALL of `e` (REMOTE/QEMU/LXC). */
export function callHeader(e: Entry, serial: number): RawHeader {
  return { prog: e.prog, vers: e.vers, proc: e.number, type: MessageType.CALL, serial, status: MessageStatus.OK };
}

const PROGS = [ProgramNumber.REMOTE, ProgramNumber.QEMU, ProgramNumber.LXC, ProgramNumber.KEEPALIVE, ProgramNumber.ADMIN,
  ProgramNumber.REMOTE + 2, 0, 0xffffffff];

/**
 * Breaks one packet: a field of the header (prog, vers, proc, type, serial,
 * status), the length word (a lie, small or huge), or the payload (with the
 * length word then fixed up, or not). Returns the new bytes and what was done.
 */
export function mutatePacket(pkt: Uint8Array, rng: Rng, donors: readonly Uint8Array[] = []): { bytes: Uint8Array; what: string } {
  const out = pkt.length >= FRAME_MIN ? pkt.slice() : packet({ prog: 0, vers: 0, proc: 0, type: 0, serial: 0, status: 0 });
  const dv = new DataView(out.buffer);
  const field = rng.weighted<string>([[1, 'prog'], [1, 'vers'], [2, 'proc'], [2, 'type'], [1, 'serial'], [1, 'status'],
    [2, 'length'], [6, 'payload']]);
  switch (field) {
    case 'prog': dv.setUint32(4, rng.pick(PROGS)); break;
    case 'vers': dv.setUint32(8, rng.pick([0, 2, 0xffffffff, 1])); break;
    case 'proc': dv.setInt32(12, rng.pick([0, -1, 444, 9999, 0x7fffffff, 107, 318, 1, 66, 2, rng.int(450)])); break;
    case 'type': dv.setInt32(16, rng.pick([1, 2, 3, 4, 5, 6, 7, -1, 99])); break;
    case 'serial': dv.setUint32(20, rng.pick([0, 1, 0xffffffff, rng.next()])); break;
    case 'status': dv.setInt32(24, rng.pick([1, 2, 3, -1])); break;
    case 'length': {
      const real = out.length;
      dv.setUint32(0, rng.pick([0, 3, 4, 20, 27, 28, real - 1, real + 1, real + 4096, FRAME_MAX, FRAME_MAX + 1,
        0xffffffff, 0x80000000]) >>> 0);
      return { bytes: out, what: `length=${dv.getUint32(0)}` };
    }
    default: {
      const body = mutate(out.subarray(FRAME_MIN), rng, donors);
      const fixLength = rng.chance(0.85);
      const merged = new Uint8Array(FRAME_MIN + body.length);
      merged.set(out.subarray(0, FRAME_MIN));
      merged.set(body, FRAME_MIN);
      if (fixLength) new DataView(merged.buffer).setUint32(0, merged.length);
      return { bytes: merged, what: fixLength ? 'payload' : 'payload,length-stale' };
    }
  }
  return { bytes: out, what: field };
}
