/**
 * The test driver's domain tuning calls (libvirt 9.0 src/test/test_driver.c):
 * memory, blkio, NUMA, block I/O and interface parameters. Each works on
 * the definition's elements as libvirt formats them (`<memtune>`,
 * `<blkiotune>`, `<numatune>`, a disk's `<iotune>`, an interface's
 * `<bandwidth>`), read into numbers and written back after a change.
 */
import type { DomainRef, DriverConnection, TypedParam } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { AffectFlags, TypedParamType as T } from '../../conf/domain-constants.js';
import type { DomainDef } from '../../conf/domain-def.js';
import { normalizeMac } from '../../conf/domain-devices.js';
import { getAttr, kid, node, setAttr, type XNode } from '../../conf/domain-xml.js';
import type { DomainObj, DomainStore } from './domains.js';
import { validateTypedParams } from './domains.js';

const TEST = ErrorDomain.TEST;
const AFFECT = AffectFlags.LIVE | AffectFlags.CONFIG;
/** VIR_TYPED_PARAM_STRING_OKAY. */
const STRING_OKAY = 1 << 2;
/** VIR_DOMAIN_MEMORY_PARAM_UNLIMITED. */
export const MEMORY_UNLIMITED = 9007199254740991;

/**
 * VIR_EXCLUSIVE_FLAGS_GOTO(LIVE, CONFIG) of the libvirt API entry points
 * (virDomainGetMemoryParameters & co), checked before the driver is asked.
 */
function apiExclusive(flags: number, api: string): void {
  if ((flags & AffectFlags.LIVE) && (flags & AffectFlags.CONFIG)) {
    throw new VirtError(ErrorCode.INVALID_ARG,
      "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive", ErrorDomain.DOMAIN,
      { str1: api, str2: 'flags', int1: 0, int2: 0 });
  }
}

// ---------------------------------------------------------------------------
// Top-level elements of a definition kept as trees (DomainDef.misc).

/** The definition's top-level element `name`, if any. */
export function miscGet(def: DomainDef, name: string): XNode | undefined {
  return def.misc.find((m) => m.name === name);
}

/** Replaces (or, with null, removes) the top-level element `name`. */
export function miscSet(def: DomainDef, name: string, n: XNode | null): void {
  const i = def.misc.findIndex((m) => m.name === name);
  if (n === null) {
    if (i >= 0) def.misc.splice(i, 1);
  } else if (i >= 0) {
    def.misc[i] = n;
  } else {
    def.misc.push(n);
  }
}

/** A leaf element with text. */
function leaf(name: string, text: string | number, attrs: Array<[string, string]> = []): XNode {
  return node(name, attrs, [], String(text));
}

/** The element's unsigned integer text as a bigint (values up to 2^64), or 0. */
function bigNum(n: XNode | undefined): bigint {
  const t = n?.text.trim() ?? '';
  return /^\d+$/.test(t) ? BigInt(t) : 0n;
}

/** The element's unsigned integer text, or 0. */
function num(n: XNode | undefined): number {
  if (!n) return 0;
  const v = Number(n.text.trim());
  return Number.isFinite(v) ? v : 0;
}

// ---------------------------------------------------------------------------
// <memtune>

interface Memtune { hard: number; soft: number; min: number; swap: number }

function readMemtune(def: DomainDef): Memtune {
  const m = miscGet(def, 'memtune');
  const lim = (name: string) => (kid(m, name) ? num(kid(m, name)) : MEMORY_UNLIMITED);
  return { hard: lim('hard_limit'), soft: lim('soft_limit'), min: num(kid(m, 'min_guarantee')), swap: lim('swap_hard_limit') };
}

/** virDomainMemtuneFormat: limits below "unlimited", a non-zero guarantee. */
function writeMemtune(def: DomainDef, t: Memtune): void {
  const kids: XNode[] = [];
  const kib = (name: string, v: number) => kids.push(leaf(name, v, [['unit', 'KiB']]));
  if (t.hard < MEMORY_UNLIMITED) kib('hard_limit', t.hard);
  if (t.soft < MEMORY_UNLIMITED) kib('soft_limit', t.soft);
  if (t.min) kib('min_guarantee', t.min);
  if (t.swap < MEMORY_UNLIMITED) kib('swap_hard_limit', t.swap);
  miscSet(def, 'memtune', kids.length ? node('memtune', [], kids) : null);
}

// ---------------------------------------------------------------------------
// <blkiotune>

/** virBlkioDevice: the fields in <device>'s order. */
const BLKIO_DEVICE_FIELDS = [
  ['weight', 'device_weight'], ['read_iops_sec', 'device_read_iops_sec'], ['write_iops_sec', 'device_write_iops_sec'],
  ['read_bytes_sec', 'device_read_bytes_sec'], ['write_bytes_sec', 'device_write_bytes_sec'],
] as const;

interface BlkioDevice { path: string; values: Record<string, bigint> }
interface Blkio { weight: number; devices: BlkioDevice[] }

function readBlkio(def: DomainDef): Blkio {
  const b = miscGet(def, 'blkiotune');
  const devices: BlkioDevice[] = [];
  for (const d of b?.children ?? []) {
    if (d.name !== 'device') continue;
    const values: Record<string, bigint> = {};
    for (const [el] of BLKIO_DEVICE_FIELDS) values[el] = bigNum(kid(d, el));
    devices.push({ path: kid(d, 'path')?.text ?? '', values });
  }
  return { weight: num(kid(b, 'weight')), devices };
}

/** virDomainDefBlkiotuneFormat: devices with nothing set are left out. */
function writeBlkio(def: DomainDef, b: Blkio): void {
  const kids: XNode[] = [];
  if (b.weight) kids.push(leaf('weight', b.weight));
  for (const d of b.devices) {
    const fields = BLKIO_DEVICE_FIELDS.filter(([el]) => d.values[el]).map(([el]) => leaf(el, String(d.values[el])));
    if (fields.length) kids.push(node('device', [], [leaf('path', d.path), ...fields]));
  }
  miscSet(def, 'blkiotune', kids.length ? node('blkiotune', [], kids) : null);
}

/** virDomainDriverParseBlkioDeviceStr: "path,value,path,value…". */
function parseBlkioDeviceStr(str: string, type: string): BlkioDevice[] {
  if (str === '') return [];
  const parts = str.split(',');
  if (parts.length % 2 !== 0) {
    throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `unable to parse blkio device '${type}' '${str}'`);
  }
  const field = BLKIO_DEVICE_FIELDS.find(([, param]) => param === type)![0];
  const out: BlkioDevice[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const path = parts[i]!;
    const value = parts[i + 1]!;
    // virStrToLong_uip / _ullp: unsigned, no sign, in range.
    const big = field === 'read_bytes_sec' || field === 'write_bytes_sec';
    const v = /^[ \t\n\v\f\r]*\+?\d+$/.test(value) ? BigInt(value.trim()) : -1n;
    if (v < 0n || v > (big ? (1n << 64n) - 1n : 0xffffffffn)) {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE,
        `invalid value '${value}' for parameter '${type}' of device '${path}'`);
    }
    out.push({ path, values: { [field]: v } });
  }
  return out;
}

/** virDomainDriverMergeBlkioDevice. */
function mergeBlkio(dest: BlkioDevice[], src: BlkioDevice[], type: string): void {
  const field = BLKIO_DEVICE_FIELDS.find(([, param]) => param === type)![0];
  for (const s of src) {
    const d = dest.find((x) => x.path === s.path);
    if (d) {
      d.values[field] = s.values[field]!;
    } else if (s.values[field]) {
      const values: Record<string, bigint> = {};
      for (const [el] of BLKIO_DEVICE_FIELDS) values[el] = 0n;
      values[field] = s.values[field]!;
      dest.push({ path: s.path, values });
    }
  }
}

// ---------------------------------------------------------------------------
// <numatune>

/** virDomainNumatuneMemMode. */
const NUMA_MODES = ['strict', 'preferred', 'interleave', 'restrictive'];

/** virBitmapParse as the NUMA calls use it: null when libvirt fails. */
function parseBitmap(s: string, max: number): Set<number> | null {
  const set = new Set<number>();
  let i = 0;
  const skip = () => { while (i < s.length && /\s/.test(s[i]!)) i++; };
  const number = (): number | null => {
    const m = /^\d+/.exec(s.slice(i));
    if (!m) return null;
    i += m[0].length;
    return Number(m[0]);
  };
  skip();
  if (i >= s.length) return null;
  while (i < s.length) {
    skip();
    const neg = s[i] === '^';
    if (neg) i++;
    const a = number();
    if (a === null || a >= max) return null;
    skip();
    if (neg) {
      set.delete(a);
    } else if (s[i] === '-') {
      i++;
      skip();
      const b = number();
      if (b === null || b >= max || b < a) return null;
      for (let k = a; k <= b; k++) set.add(k);
      skip();
    } else {
      set.add(a);
    }
    if (i < s.length) {
      if (s[i] !== ',') return null;
      i++;
      skip();
      if (i >= s.length) return null;
    }
  }
  return set;
}

/** virBitmapFormat. */
export function formatBitmap(bits: Iterable<number>): string {
  const sorted = [...new Set(bits)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** A bitmap string, or libvirt's error. */
export function bitmapOrError(s: string, max = 16384): Set<number> {
  const b = parseBitmap(s, max);
  if (b === null) throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `Failed to parse bitmap '${s}'`);
  return b;
}

// ---------------------------------------------------------------------------
// A disk's <iotune>

/** virDomainBlockIoTuneInfo in <iotune>'s element order (and GetBlockIoTune's). */
const IOTUNE_FIELDS = [
  'total_bytes_sec', 'read_bytes_sec', 'write_bytes_sec', 'total_iops_sec', 'read_iops_sec', 'write_iops_sec',
  'total_bytes_sec_max', 'read_bytes_sec_max', 'write_bytes_sec_max', 'total_iops_sec_max', 'read_iops_sec_max',
  'write_iops_sec_max', 'size_iops_sec', 'group_name', 'total_bytes_sec_max_length', 'read_bytes_sec_max_length',
  'write_bytes_sec_max_length', 'total_iops_sec_max_length', 'read_iops_sec_max_length', 'write_iops_sec_max_length',
] as const;

/** Where <iotune> goes among a disk's children (virDomainDiskDefFormat). */
const DISK_KIDS_BEFORE_IOTUNE = new Set(['driver', 'auth', 'source', 'backingStore', 'backenddomain', 'geometry',
  'blockio', 'target']);
/** Where <bandwidth> goes among an interface's children. */
const NET_KIDS_BEFORE_BANDWIDTH = new Set(['mac', 'source', 'vlan', 'virtualport']);

/** Puts `child` in place of `parent`'s element of that name, or after the last of `before`. */
function placeChild(parent: XNode, child: XNode | null, name: string, before: ReadonlySet<string>): void {
  const i = parent.children.findIndex((c) => c.name === name);
  if (i >= 0) {
    if (child) parent.children[i] = child;
    else parent.children.splice(i, 1);
    return;
  }
  if (!child) return;
  let at = 0;
  parent.children.forEach((c, k) => { if (before.has(c.name)) at = k + 1; });
  parent.children.splice(at, 0, child);
}

/** virDomainDiskByName: by target, or by source path. */
function diskByName(def: DomainDef, name: string): XNode | undefined {
  const disks = def.devices.list.filter((d) => d.kind === 'disk').map((d) => d.node);
  const byDst = disks.find((d) => getAttr(kid(d, 'target'), 'dev') === name);
  if (byDst) return byDst;
  return disks.find((d) => {
    const src = kid(d, 'source');
    return src !== undefined && (getAttr(src, 'file') ?? getAttr(src, 'dev') ?? getAttr(src, 'dir')
      ?? getAttr(src, 'volume')) === name;
  });
}

// ---------------------------------------------------------------------------
// An interface's <bandwidth>

const BW_IN = ['average', 'peak', 'burst', 'floor'] as const;
const BW_OUT = ['average', 'peak', 'burst'] as const;
/** <inbound>/<outbound> attribute order (virNetDevBandwidthRateFormat). */
const BW_ATTR_ORDER = ['average', 'peak', 'floor', 'burst'];

/** virDomainNetFind: by MAC address when it parses as one, else by device name. */
function netFind(def: DomainDef, device: string): XNode {
  const nets = def.devices.list.filter((d) => d.kind === 'interface').map((d) => d.node);
  const mac = normalizeMac(device);
  if (mac !== null) {
    const found = nets.find((n) => (getAttr(kid(n, 'mac'), 'address') ?? '').toLowerCase() === mac);
    if (found) return found;
  } else {
    const found = nets.find((n) => getAttr(kid(n, 'target'), 'dev') === device);
    if (found) return found;
  }
  throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, `'${device}' is not a known interface`);
}

function rate(n: XNode | undefined, names: readonly string[]): Record<string, number> {
  const r: Record<string, number> = {};
  for (const k of names) r[k] = Number(getAttr(n, k) ?? 0) || 0;
  return r;
}

function rateNode(name: string, r: Record<string, number>): XNode {
  return node(name, BW_ATTR_ORDER.filter((k) => r[k]).map((k): [string, number] => [k, r[k]!]));
}

// ---------------------------------------------------------------------------

/** The test host's domain tuning calls. */
export class DomainTuneStore {
  constructor(private readonly domains: DomainStore) {}

  load(): void {
    // Nothing of its own: it works on the domains' definitions.
  }

  #def(dom: DomainRef, flags: number): { obj: DomainObj; def: DomainDef } {
    const obj = this.domains.lookup(dom);
    return { obj, def: this.domains.oneDef(obj, flags).def };
  }

  methods(): Partial<DriverConnection> {
    return {
      domainGetMemoryParameters: async ({ dom, nparams, flags }) => {
        apiExclusive(flags, 'virDomainGetMemoryParameters');
        checkFlags(flags, AFFECT | STRING_OKAY, 'testDomainGetMemoryParameters', TEST);
        if (nparams === 0) return { params: [], nparams: 3 };
        const { def } = this.#def(dom, flags & ~STRING_OKAY);
        const t = readMemtune(def);
        const params: TypedParam[] = [
          { field: 'hard_limit', type: T.ULLONG, value: t.hard },
          { field: 'soft_limit', type: T.ULLONG, value: t.soft },
          { field: 'swap_hard_limit', type: T.ULLONG, value: t.swap },
        ].slice(0, Math.max(0, nparams));
        return { params, nparams: params.length };
      },
      domainSetMemoryParameters: async ({ dom, params, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainSetMemoryParameters', TEST);
        validateTypedParams(params, [['hard_limit', T.ULLONG], ['soft_limit', T.ULLONG], ['swap_hard_limit', T.ULLONG]]);
        const { obj, def } = this.#def(dom, flags);
        const get = (f: string) => params.find((p) => p.field === f)?.value as number | undefined;
        const hard = get('hard_limit');
        const soft = get('soft_limit');
        const swap = get('swap_hard_limit');
        if (hard !== undefined || swap !== undefined) {
          // testDomainSetMemoryParameters compares with the live definition's limits.
          const cur = readMemtune(obj.def);
          if ((hard ?? cur.hard) > (swap ?? cur.swap)) {
            throw VirtError.report(ErrorCode.INVALID_ARG, TEST,
              'memory hard_limit tunable value must be lower than or equal to swap_hard_limit');
          }
        }
        const t = readMemtune(def);
        if (soft !== undefined) t.soft = soft;
        if (hard !== undefined) t.hard = hard;
        if (swap !== undefined) t.swap = swap;
        writeMemtune(def, t);
      },

      domainGetBlkioParameters: async ({ dom, nparams, flags }) => {
        apiExclusive(flags, 'virDomainGetBlkioParameters');
        checkFlags(flags, AFFECT | STRING_OKAY, 'testDomainGetBlkioParameters', TEST);
        if (nparams === 0) return { params: [], nparams: 6 };
        const { def } = this.#def(dom, flags & ~STRING_OKAY);
        const b = readBlkio(def);
        const params: TypedParam[] = [{ field: 'weight', type: T.UINT, value: b.weight }];
        for (const [el, param] of BLKIO_DEVICE_FIELDS) {
          const value = b.devices.filter((d) => d.values[el]).map((d) => `${d.path},${d.values[el]}`).join(',');
          params.push({ field: param, type: T.STRING, value });
        }
        const out = params.slice(0, Math.max(0, nparams));
        return { params: out, nparams: out.length };
      },
      domainSetBlkioParameters: async ({ dom, params, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainSetBlkioParameters', TEST);
        validateTypedParams(params, [['weight', T.UINT], ...BLKIO_DEVICE_FIELDS.map(([, p]): [string, number] => [p, T.STRING])]);
        const { def } = this.#def(dom, flags);
        const b = readBlkio(def);
        let failure: VirtError | null = null;
        for (const p of params) {
          try {
            if (p.field === 'weight') {
              b.weight = p.value as number;
            } else {
              mergeBlkio(b.devices, parseBlkioDeviceStr(p.value as string, p.field), p.field);
            }
          } catch (e) {
            // Each parameter is tried; the call fails with the last error.
            if (!(e instanceof VirtError)) throw e;
            failure = e;
          }
        }
        writeBlkio(def, b);
        if (failure) throw failure;
      },

      domainGetNumaParameters: async ({ dom, nparams, flags }) => {
        checkFlags(flags, AFFECT | STRING_OKAY, 'testDomainGetNumaParameters', TEST);
        if (nparams === 0) return { params: [], nparams: 2 };
        const { def } = this.#def(dom, flags & ~STRING_OKAY);
        const mem = kid(miscGet(def, 'numatune'), 'memory');
        const mode = Math.max(0, NUMA_MODES.indexOf(getAttr(mem, 'mode') ?? 'strict'));
        const params: TypedParam[] = [
          { field: 'numa_mode', type: T.INT, value: mode },
          { field: 'numa_nodeset', type: T.STRING, value: getAttr(mem, 'nodeset') ?? '' },
        ].slice(0, Math.max(0, nparams));
        return { params, nparams: params.length };
      },
      domainSetNumaParameters: async ({ dom, params, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainSetNumaParameters', TEST);
        validateTypedParams(params, [['numa_mode', T.INT], ['numa_nodeset', T.STRING]]);
        const { obj, def } = this.#def(dom, flags);
        let mode = -1;
        let nodeset: Set<number> | null = null;
        for (const p of params) {
          if (p.field === 'numa_mode') {
            mode = p.value as number;
            if (mode < 0 || mode >= NUMA_MODES.length) {
              throw VirtError.report(ErrorCode.INVALID_ARG, TEST, `unsupported numatune mode: '${mode}'`);
            }
          } else if (p.field === 'numa_nodeset') {
            nodeset = bitmapOrError(p.value as string);
            if (nodeset.size === 0) {
              throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, `Invalid nodeset of 'numatune': ${p.value}`);
            }
          }
        }
        const nt = miscGet(def, 'numatune');
        const mem = kid(nt, 'memory');
        if (obj.isActive && mode !== -1 && mem && NUMA_MODES.indexOf(getAttr(mem, 'mode') ?? 'strict') !== mode) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, "can't change numatune mode for running domain");
        }
        numatuneSet(def, mode, nodeset);
      },

      domainGetBlockIoTune: async ({ dom, disk, nparams, flags }) => {
        apiExclusive(flags, 'virDomainGetBlockIoTune');
        checkFlags(flags, AFFECT | STRING_OKAY, 'testDomainGetBlockIoTune', TEST);
        if (nparams === 0) return { params: [], nparams: IOTUNE_FIELDS.length };
        const { def } = this.#def(dom, flags & ~STRING_OKAY);
        const d = disk === null ? undefined : diskByName(def, disk);
        if (!d) {
          throw VirtError.report(ErrorCode.INVALID_ARG, TEST, `disk '${disk ?? ''}' was not found in the domain config`);
        }
        const io = kid(d, 'iotune');
        const params: TypedParam[] = IOTUNE_FIELDS.map((f) => (f === 'group_name'
          ? { field: f, type: T.STRING, value: kid(io, f)?.text ?? '' }
          : { field: f, type: T.ULLONG, value: num(kid(io, f)) })).slice(0, Math.max(0, nparams));
        return { params, nparams: params.length };
      },
      domainSetBlockIoTune: async ({ dom, disk, params, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainSetBlockIoTune', TEST);
        validateTypedParams(params, IOTUNE_FIELDS.map((f): [string, number] => [f, f === 'group_name' ? T.STRING : T.ULLONG]));
        const { def } = this.#def(dom, flags);
        const d = diskByName(def, disk);
        if (!d) throw VirtError.report(ErrorCode.INVALID_ARG, TEST, `missing persistent configuration for disk '${disk}'`);
        const io = kid(d, 'iotune');
        const info: Record<string, number | string> = {};
        for (const f of IOTUNE_FIELDS) info[f] = f === 'group_name' ? (kid(io, f)?.text ?? '') : num(kid(io, f));
        for (const p of params) {
          if (typeof p.value === 'number' && p.value > 1e15) {
            throw VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, TEST,
              'block I/O throttle limit value must be no more than 1000000000000000');
          }
          info[p.field] = p.value as number | string;
        }
        checkIotune(info);
        const kids = IOTUNE_FIELDS.filter((f) => info[f]).map((f) => leaf(f, info[f]!));
        placeChild(d, kids.length ? node('iotune', [], kids) : null, 'iotune', DISK_KIDS_BEFORE_IOTUNE);
      },

      domainGetInterfaceParameters: async ({ dom, device, nparams, flags }) => {
        checkFlags(flags, AFFECT | STRING_OKAY, 'testDomainGetInterfaceParameters', TEST);
        if (nparams === 0) return { params: [], nparams: 7 };
        const { def } = this.#def(dom, flags & ~STRING_OKAY);
        const bw = kid(netFind(def, device), 'bandwidth');
        const inb = rate(kid(bw, 'inbound'), BW_IN);
        const out = rate(kid(bw, 'outbound'), BW_OUT);
        const params: TypedParam[] = [
          ...BW_IN.map((k) => ({ field: `inbound.${k}`, type: T.UINT, value: inb[k]! })),
          ...BW_OUT.map((k) => ({ field: `outbound.${k}`, type: T.UINT, value: out[k]! })),
        ].slice(0, Math.max(0, nparams));
        return { params, nparams: params.length };
      },
      domainSetInterfaceParameters: async ({ dom, device, params, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainSetInterfaceParameters', TEST);
        validateTypedParams(params, [...BW_IN.map((k): [string, number] => [`inbound.${k}`, T.UINT]),
          ...BW_OUT.map((k): [string, number] => [`outbound.${k}`, T.UINT])]);
        const { def } = this.#def(dom, flags);
        const net = netFind(def, device);
        const given = (dir: string) => params.filter((p) => p.field.startsWith(`${dir}.`));
        const newRate = (dir: string, names: readonly string[]) => {
          const r: Record<string, number> = {};
          for (const k of names) r[k] = 0;
          for (const p of given(dir)) r[p.field.slice(dir.length + 1)] = p.value as number;
          return r;
        };
        const inb = newRate('inbound', BW_IN);
        const out = newRate('outbound', BW_OUT);
        // Average (or, inbound, floor) is mandatory: without it the direction is cleared.
        const bw = kid(net, 'bandwidth') ?? node('bandwidth');
        bw.children = bw.children.filter((c) => c.name !== '');
        const setDir = (dir: string, r: Record<string, number>, keep: boolean) => {
          if (keep) placeChild(bw, rateNode(dir, r), dir, dir === 'outbound' ? new Set(['inbound']) : new Set());
          else if (given(dir).length) placeChild(bw, null, dir, new Set());
        };
        setDir('inbound', inb, !!(inb['average'] || inb['floor']));
        setDir('outbound', out, !!out['average']);
        // An empty <bandwidth> stays, written open and closed (virNetDevBandwidthFormat).
        bw.children = bw.children.filter((c) => c.name !== '');
        if (bw.children.length === 0) bw.children.push(node(''));
        placeChild(net, bw, 'bandwidth', NET_KIDS_BEFORE_BANDWIDTH);
      },
    };
  }
}

/** testDomainSetBlockIoTune's consistency checks. */
function checkIotune(info: Record<string, number | string>): void {
  const n = (f: string) => Number(info[f] ?? 0);
  const bad = (msg: string) => VirtError.report(ErrorCode.INVALID_ARG, TEST, msg);
  for (const [total, rd, wr, what] of [
    ['total_bytes_sec', 'read_bytes_sec', 'write_bytes_sec', 'bytes_sec'],
    ['total_iops_sec', 'read_iops_sec', 'write_iops_sec', 'iops_sec'],
    ['total_bytes_sec_max', 'read_bytes_sec_max', 'write_bytes_sec_max', 'bytes_sec_max'],
    ['total_iops_sec_max', 'read_iops_sec_max', 'write_iops_sec_max', 'iops_sec_max'],
  ] as const) {
    if (n(total) && (n(rd) || n(wr))) throw bad(`total and read/write of ${what} cannot be set at the same time`);
  }
  for (const f of ['total_bytes_sec', 'read_bytes_sec', 'write_bytes_sec', 'total_iops_sec', 'read_iops_sec',
    'write_iops_sec']) {
    if (n(f) > n(`${f}_max`)) throw bad(`${f} cannot be set higher than ${f}_max `);
  }
}

/** virDomainNumatuneSet for the memory element (placement left to libvirt's default rules). */
function numatuneSet(def: DomainDef, mode: number, nodeset: Set<number> | null): void {
  if (mode === -1 && !nodeset) return;
  const old = miscGet(def, 'numatune');
  const oldMem = kid(old, 'memory');
  let modeName = getAttr(oldMem, 'mode') ?? 'strict';
  let set = getAttr(oldMem, 'nodeset');
  let placement = oldMem ? (getAttr(oldMem, 'placement') ?? (set !== undefined ? 'static' : 'auto')) : null;
  if (mode !== -1) modeName = NUMA_MODES[mode]!;
  if (nodeset) {
    set = formatBitmap(nodeset);
    placement = 'static';
  }
  // A first setting without a nodeset: placement 'static' (the domain's vCPU placement is static).
  if (placement === null) placement = def.vcpu.placement === 'static' ? 'static' : 'auto';
  if (placement === 'static' && set === undefined) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
      "nodeset for NUMA memory tuning must be set if 'placement' is 'static'");
  }
  const mem = node('memory', [['mode', modeName]]);
  if (placement === 'static') setAttr(mem, 'nodeset', set);
  else setAttr(mem, 'placement', placement);
  const nt = node('numatune', [], [mem, ...(old?.children.filter((c) => c.name !== 'memory') ?? [])]);
  miscSet(def, 'numatune', nt);
}
