/**
 * libvirt's x86 CPU driver, the parts `capabilities` and `domcapabilities`
 * need (src/cpu/cpu_x86.c): the CPU map (libvirt's own data files in
 * /usr/share/libvirt/cpu_map, read at run time), CPUID data as bit masks,
 * and x86Decode, which names a CPU after the cpu_map model that needs the
 * fewest extra features.
 *
 * ```ts
 * const map = loadCpuMap();                    // undefined without cpu_map
 * const host = decodeX86(map, readHostCpuid()!, { type: 'host' });    // { model: 'kvm64', features: […] }
 * const hm = decodeX86(map, dataFromQemuProps(map, props), { type: 'guest', models: qemuModels });
 * ```
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { children, parseXml, type XmlElement } from '../util/xml.js';
import type { QemuCpuModel } from '../driver/qemu/capabilities.js';
import type { CpuFeature } from '../driver/qemu/host-cpu.js';

/** Where libvirt's CPU map is installed (Debian: libvirt-daemon). */
export const CPU_MAP_DIR = '/usr/share/libvirt/cpu_map';

/** CPUID/MSR data: `cpuid:<leaf>:<subleaf>:<reg>` or `msr:<index>:<reg>` → 32-bit mask. */
export type X86Data = Map<string, number>;

export interface X86Feature { readonly name: string; readonly data: X86Data; readonly migratable: boolean }
export interface X86Vendor { readonly name: string; readonly data: X86Data }
export interface X86Model {
  readonly name: string;
  readonly vendor?: X86Vendor;
  readonly signatures: readonly { family: number; model: number; steppings?: readonly number[] }[];
  readonly data: X86Data;
  readonly removed: readonly string[];
  readonly decodeHost: boolean;
  readonly decodeGuest: boolean;
}
export interface X86Map {
  readonly vendors: readonly X86Vendor[];
  readonly features: readonly X86Feature[];
  readonly models: readonly X86Model[];
}

const REGS = ['eax', 'ebx', 'ecx', 'edx'] as const;

function num(s: string | undefined): number {
  if (s === undefined) return 0;
  return Number.parseInt(s, s.startsWith('0x') ? 16 : 10) >>> 0;
}

function add(data: X86Data, key: string, mask: number): void {
  if (mask === 0) return;
  data.set(key, ((data.get(key) ?? 0) | mask) >>> 0);
}

function addAll(data: X86Data, other: X86Data): void {
  for (const [k, v] of other) add(data, k, v);
}

function subtract(data: X86Data, other: X86Data): void {
  for (const [k, v] of other) {
    const cur = data.get(k);
    if (cur === undefined) continue;
    const n = (cur & ~v) >>> 0;
    if (n === 0) data.delete(k); else data.set(k, n);
  }
}

/** x86DataAdd into a new map: the bits of either. */
export function unionX86(a: X86Data, b: X86Data): X86Data {
  const out: X86Data = new Map(a);
  addAll(out, b);
  return out;
}

/** x86DataIntersect into a new map: the bits of both. */
export function intersectX86(a: X86Data, b: X86Data): X86Data {
  const out: X86Data = new Map();
  for (const [k, v] of a) {
    const m = (v & (b.get(k) ?? 0)) >>> 0;
    if (m !== 0) out.set(k, m);
  }
  return out;
}

function isSubset(data: X86Data, subset: X86Data): boolean {
  if (subset.size === 0) return false;
  for (const [k, v] of subset) if ((((data.get(k) ?? 0) & v) >>> 0) !== v) return false;
  return true;
}

function parseItems(el: XmlElement): X86Data {
  const data: X86Data = new Map();
  for (const c of children(el, 'cpuid')) {
    const leaf = num(c.attrs['eax_in']);
    const sub = num(c.attrs['ecx_in']);
    for (const r of REGS) add(data, `cpuid:${leaf}:${sub}:${r}`, num(c.attrs[r]));
  }
  for (const m of children(el, 'msr')) {
    const idx = num(m.attrs['index']);
    add(data, `msr:${idx}:eax`, num(m.attrs['eax']));
    add(data, `msr:${idx}:edx`, num(m.attrs['edx']));
  }
  return data;
}

function vendorData(str: string): X86Data {
  const b = Buffer.from(str, 'latin1');
  return new Map([
    ['cpuid:0:0:ebx', b.readUInt32LE(0)], ['cpuid:0:0:edx', b.readUInt32LE(4)], ['cpuid:0:0:ecx', b.readUInt32LE(8)],
  ]);
}

let cached: { dir: string; map: X86Map | undefined } | undefined;

/** Reads the x86 part of libvirt's CPU map (index.xml order), or undefined if it is not installed. */
export function loadCpuMap(dir = CPU_MAP_DIR): X86Map | undefined {
  if (cached?.dir === dir) return cached.map;
  let map: X86Map | undefined;
  try {
    const index = parseXml(readFileSync(join(dir, 'index.xml'), 'utf8'), 'index.xml');
    const arch = children(index, 'arch').find((a) => a.attrs['name'] === 'x86');
    const vendors: X86Vendor[] = [];
    const features: X86Feature[] = [];
    const models: X86Model[] = [];
    for (const inc of children(arch, 'include')) {
      const file = inc.attrs['filename']!;
      const doc = parseXml(readFileSync(join(dir, file), 'utf8'), file);
      for (const v of children(doc, 'vendor')) vendors.push({ name: v.attrs['name']!, data: vendorData(v.attrs['string']!) });
      for (const f of children(doc, 'feature')) {
        features.push({ name: f.attrs['name']!, data: parseItems(f), migratable: f.attrs['migratable'] !== 'no' });
      }
      for (const m of children(doc, 'model')) {
        const anc = children(m, 'model')[0]?.attrs['name'];
        const ancestor = anc === undefined ? undefined : models.find((x) => x.name === anc);
        const data: X86Data = new Map(ancestor?.data ?? []);
        const removed: string[] = [];
        for (const f of children(m, 'feature')) {
          const name = f.attrs['name']!;
          if (f.attrs['removed'] === 'yes') { removed.push(name); continue; }
          const feat = features.find((x) => x.name === name);
          if (feat) addAll(data, feat.data);
        }
        const sigEls = children(m, 'signature');
        const signatures = sigEls.length > 0
          ? sigEls.map((s) => ({
            family: num(s.attrs['family']), model: num(s.attrs['model']),
            ...(s.attrs['stepping'] !== undefined ? { steppings: parseRange(s.attrs['stepping']) } : {}),
          }))
          : (ancestor?.signatures ?? []);
        const vname = children(m, 'vendor')[0]?.attrs['name'];
        const vendor = vname !== undefined ? vendors.find((v) => v.name === vname) : ancestor?.vendor;
        const decode = children(m, 'decode')[0];
        models.push({
          name: m.attrs['name']!, ...(vendor ? { vendor } : {}), signatures, data, removed,
          decodeHost: decode?.attrs['host'] === 'on', decodeGuest: decode?.attrs['guest'] === 'on',
        });
      }
    }
    map = { vendors, features, models };
  } catch {
    map = undefined;
  }
  cached = { dir, map };
  return map;
}

function parseRange(s: string): number[] {
  const out: number[] = [];
  for (const p of s.split(',')) {
    const [a, b] = p.split('-').map(Number);
    if (b === undefined) out.push(a!); else for (let i = a!; i <= b; i++) out.push(i);
  }
  return out;
}

/** The vendor of a model (virCPUGetVendorForModel). */
export function modelVendor(map: X86Map, model: string): string | undefined {
  return map.models.find((m) => m.name === model)?.vendor?.name;
}

// ---- data sources -----------------------------------------------------------------

/**
 * The host's CPUID as libvirt's cpuidSet collects it (basic and extended
 * ranges; sub-leaves of leaf 7 up to its EAX, leaf 0xD sub-leaf 1), read
 * through the kernel's /dev/cpu/0/cpuid (root, `cpuid` module) since Node
 * cannot execute CPUID. Undefined when the device is not readable.
 */
export function readHostCpuid(map: X86Map, device = '/dev/cpu/0/cpuid'): X86Data | undefined {
  let fd: number;
  try { fd = openSync(device, 'r'); } catch { return undefined; }
  try {
    const buf = Buffer.alloc(16);
    const call = (leaf: number, sub: number) => {
      readSync(fd, buf, 0, 16, BigInt(leaf) | (BigInt(sub) << 32n));
      return { eax: buf.readUInt32LE(0), ebx: buf.readUInt32LE(4), ecx: buf.readUInt32LE(8), edx: buf.readUInt32LE(12) };
    };
    const data: X86Data = new Map();
    const put = (leaf: number, sub: number, r: Record<string, number>) => {
      for (const reg of REGS) add(data, `cpuid:${leaf}:${sub}:${reg}`, r[reg]!);
    };
    const maxBasic = call(0, 0).eax;
    const maxExt = call(0x80000000, 0).eax;
    // The leaves and sub-leaves the map (and the vendor/signature) refer to.
    const wanted = new Set<string>(['0:0', '1:0']);
    for (const f of map.features) for (const k of f.data.keys()) if (k.startsWith('cpuid:')) wanted.add(k.split(':').slice(1, 3).join(':'));
    const leaf7max = maxBasic >= 7 ? call(7, 0).eax : 0;
    for (const w of wanted) {
      const [leaf, sub] = w.split(':').map(Number) as [number, number];
      const inRange = leaf >= 0x80000000 ? leaf <= maxExt : leaf <= maxBasic;
      if (!inRange) continue;
      if (leaf === 7 && sub > leaf7max) continue;
      if (leaf === 0xd && sub > 1) continue;
      put(leaf, sub, call(leaf, sub));
    }
    return data;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** QEMU's spelling → libvirt's (virQEMUCapsCPUFeaturesX86). */
const FROM_QEMU: Readonly<Record<string, string>> = {
  'cmp-legacy': 'cmp_legacy', 'ds-cpl': 'ds_cpl', 'fxsr-opt': 'fxsr_opt', 'kvm-pv-eoi': 'kvm_pv_eoi',
  'kvm-pv-unhalt': 'kvm_pv_unhalt', 'lahf-lm': 'lahf_lm', 'nodeid-msr': 'nodeid_msr', pclmulqdq: 'pclmuldq',
  'perfctr-core': 'perfctr_core', 'perfctr-nb': 'perfctr_nb', 'tsc-adjust': 'tsc_adjust',
};

/** libvirt's name of a QEMU CPU property (virQEMUCapsCPUFeatureFromQEMU). */
export function featureFromQemu(name: string): string {
  return FROM_QEMU[name] ?? name;
}

/**
 * virQEMUCapsGetCPUModelX86Data: the CPUID data a query-cpu-model-expansion
 * result stands for (true booleans as features, `vendor`, family/model/stepping).
 */
export function dataFromQemuProps(map: X86Map, props: Readonly<Record<string, boolean | number | string>>,
  opts: { migratable?: Readonly<Record<string, boolean>>; onlyMigratable?: boolean } = {}): X86Data {
  const data: X86Data = new Map();
  let family = 0;
  let model = 0;
  let stepping = 0;
  for (const [qname, v] of Object.entries(props)) {
    const name = featureFromQemu(qname);
    if (typeof v === 'boolean') {
      if (!v || (opts.onlyMigratable && opts.migratable?.[qname] === false)) continue;
      const f = map.features.find((x) => x.name === name);
      if (f) addAll(data, f.data);
    } else if (typeof v === 'string') {
      if (name === 'vendor' && v.length === 12) addAll(data, vendorData(v));
    } else if (name === 'family') family = v;
    else if (name === 'model') model = v;
    else if (name === 'stepping') stepping = v;
  }
  add(data, 'cpuid:1:0:eax', makeSignature(family, model, stepping));
  return data;
}

/** x86MakeSignature. */
function makeSignature(family: number, model: number, stepping: number): number {
  let sig = 0;
  let fam = family;
  if (fam > 0xf) { sig |= (fam - 0xf) << 20; fam = 0xf; }
  sig |= (model >> 4) << 16;
  sig |= fam << 8;
  sig |= (model & 0xf) << 4;
  sig |= stepping & 0xf;
  return sig >>> 0;
}

function signatureFrom(sig: number): { family: number; model: number; stepping: number } {
  return { family: ((sig >>> 20) & 0xff) + ((sig >>> 8) & 0xf), model: ((sig >>> 12) & 0xf0) + ((sig >>> 4) & 0xf), stepping: sig & 0xf };
}

function signaturesMatch(m: X86Model, sig: number): boolean {
  const s = signatureFrom(sig);
  return m.signatures.some((x) => x.family === s.family && x.model === s.model && (!x.steppings || x.steppings.includes(s.stepping)));
}

// ---- x86Decode ------------------------------------------------------------------------

export interface DecodedCpu {
  model: string;
  vendor?: string;
  signature: { family: number; model: number; stepping: number };
  features: CpuFeature[];
}

interface Candidate { model: X86Model; features: CpuFeature[] }

/** x86DataToCPUFeatures: every map feature contained in `data`, in map order (removing it from `data`). */
function toFeatures(map: X86Map, data: X86Data, policy: CpuFeature['policy']): CpuFeature[] {
  const out: CpuFeature[] = [];
  for (const f of map.features) {
    if (isSubset(data, f.data)) {
      subtract(data, f.data);
      out.push(policy ? { name: f.name, policy } : { name: f.name });
    }
  }
  return out;
}

/** The names of the map features a model's CPUID data contains (virCPUx86ExpandFeatures' source). */
export function modelFeatureNames(map: X86Map, model: string): string[] {
  const m = map.models.find((x) => x.name === model);
  return m ? toFeatures(map, new Map(m.data), undefined).map((f) => f.name) : [];
}

const BASE_PENALTY = 2;

/**
 * virCPUx86CompareCandidateFeatureList. For guest definitions each disabled
 * feature costs a growing penalty (2, 3, …). libvirt's loop runs `i` up to
 * the *shrinking* count of enabled features, so disabled features listed
 * past that bound are counted as enabled ones: kept as is, since it decides
 * which model wins (EPYC rather than Opteron_G3 for QEMU's TCG `max`).
 */
function better(current: Candidate, cand: Candidate, guest: boolean): boolean {
  const score = (feats: CpuFeature[]) => {
    let enabled = feats.length;
    let disabled = 0;
    if (guest) {
      let penalty = BASE_PENALTY;
      for (let i = 0; i < enabled; i++) {
        if (feats[i]!.policy === 'disable') { enabled--; disabled += penalty; penalty++; }
      }
    }
    return { total: enabled + disabled, disabled };
  };
  const c = score(current.features);
  const n = score(cand.features);
  return n.total < c.total || (n.total === c.total && n.disabled < c.disabled);
}

/**
 * x86Decode: the cpu_map model (walked newest first) that describes `input`
 * with the fewest extra features, preferring models whose signature
 * matches, unless `preferred` names a model. `type: 'host'` is the host CPU of `capabilities` (no disabled
 * features allowed, no policies printed); `'guest'` the host-model CPU of
 * `domcapabilities`, restricted to the hypervisor's `models`, whose
 * blockers become disabled features.
 */
export function decodeX86(map: X86Map, input: X86Data,
  opts: { type: 'host' | 'guest'; models?: readonly QemuCpuModel[]; preferred?: string }): DecodedCpu | undefined {
  const data: X86Data = new Map(input);
  const vendor = map.vendors.find((v) => isSubset(data, v.data));
  if (vendor) subtract(data, vendor.data);
  const signature = (data.get('cpuid:1:0:eax') ?? 0) & 0x0fff3fff;
  // x86DataFilterTSX: broken TSX on some Intel models.
  if (vendor?.name === 'Intel') {
    const s = signatureFrom(signature);
    if (s.family === 6 && ((s.model === 63 && s.stepping < 4) || s.model === 60 || s.model === 69 || s.model === 70)) {
      for (const n of ['hle', 'rtm']) { const f = map.features.find((x) => x.name === n); if (f) subtract(data, f.data); }
    }
  }
  const guest = opts.type === 'guest';
  let best: Candidate | undefined;
  for (let i = map.models.length - 1; i >= 0; i--) {
    const model = map.models[i]!;
    const hv = opts.models?.find((m) => m.name === model.name);
    if (opts.models && !hv) continue;
    if (vendor && model.vendor && vendor !== model.vendor) continue;
    if (!guest && !model.decodeHost) continue;
    if (guest && !model.decodeGuest) continue;
    // x86DataToCPU
    const copy: X86Data = new Map(data);
    const modelData: X86Data = new Map(model.data);
    subtract(copy, model.data);
    subtract(modelData, data);
    for (const b of hv?.blockers ?? []) {
      const f = map.features.find((x) => x.name === featureFromQemu(b));
      if (f && !isSubset(copy, f.data)) addAll(modelData, f.data);
    }
    const features = [...toFeatures(map, copy, guest ? 'require' : undefined), ...toFeatures(map, modelData, 'disable')];
    if (guest) {
      for (const r of model.removed) if (!features.some((f) => f.name === r)) features.push({ name: r, policy: 'disable' });
    } else if (features.some((f) => f.policy === 'disable')) {
      continue;
    }
    const cand: Candidate = { model, features };
    // The caller's preferred model wins outright (x86Baseline of CPUs that share a model).
    if (model.name === opts.preferred) { best = cand; break; }
    if (best === undefined) { best = cand; continue; }
    if (signature) {
      const cur = signaturesMatch(best.model, signature);
      const nxt = signaturesMatch(model, signature);
      if (cur && !nxt) continue;
      if (!cur && nxt) { best = cand; continue; }
    }
    if (better(best, cand, guest)) best = cand;
  }
  if (!best) return undefined;
  return {
    model: best.model.name,
    ...(vendor ? { vendor: vendor.name } : {}),
    signature: signatureFrom(signature),
    features: best.features,
  };
}
