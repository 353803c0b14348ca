/**
 * A domain definition (virDomainDef), shared by the drivers: the fields
 * drivers act on are typed, everything else is kept as normalised element
 * trees. Parsing applies the defaults libvirt's generic code adds
 * (virDomainDefParseXML + virDomainDefPostParse) and the driver's own
 * through its DomainXMLOption (default arch, video model, namespace,
 * post-parse and validate hooks); formatting writes elements in
 * virDomainDefFormatInternal's order.
 */
import { randomUUID } from 'node:crypto';
import { parseUUIDText } from '../util/uuid.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { attrEntries, parseXml, parseXmlAsync, type XmlElement } from '../util/xml.js';
import {
  formatDevicesSteps, parseDevicesSteps, type Device, type Devices,
} from './domain-devices.js';
import {
  canon, cloneNode, escapeLibvirt, formatLibxml, formatNode, getAttr, hasAttr, kid, kids, node,
  formatLibxmlSteps, runSteps, runStepsAsync, setAttr, Slicer, toXNodeSteps, type Spec, type XNode,
} from './domain-xml.js';
import type { DomainXMLOption } from './domain-xml-option.js';

const DOM = ErrorDomain.DOMAIN;

/** `<vcpu>`: maximum and online counts, placement and cpuset. */
export interface VcpuDef {
  max: number;
  current: number;
  placement: string;
  cpuset?: string;
}

/** A parsed domain definition; `NS` is the type of the driver's namespace data. */
export interface DomainDef<NS = unknown> {
  virtType: string;
  /** -1 when inactive. */
  id: number;
  name: string;
  uuid: string;
  title?: string;
  description?: string;
  metadata?: XNode;
  maxMemory?: { kib: number; slots?: string };
  /** Total memory in KiB (`<memory>`). */
  memory: number;
  memoryDumpCore?: string;
  /** Balloon size in KiB (`<currentMemory>`). */
  currentMemory: number;
  vcpu: VcpuDef;
  osType: string;
  arch: string;
  /** The whole normalised `<os>` element (its `<type>` is rebuilt on format). */
  os: XNode;
  onPoweroff: string;
  onReboot: string;
  onCrash: string;
  /** Other top-level elements, normalised, formatted in canonical order. */
  misc: XNode[];
  devices: Devices;
  /** Whether `<cpu>` defines NUMA cells. */
  hasNuma: boolean;
  /** The driver's namespace data (DomainXMLOption.ns), when the document had any. */
  ns?: NS;
}

/** Top-level elements in the order virDomainDefFormatInternal writes them. */
const TOP_ORDER = [
  'name', 'uuid', 'genid', 'title', 'description', 'metadata', 'maxMemory', 'memory', 'currentMemory',
  'blkiotune', 'memtune', 'memoryBacking', 'vcpu', 'vcpus', 'iothreads', 'iothreadids', 'defaultiothread',
  'cputune', 'numatune', 'resource', 'sysinfo', 'bootloader', 'bootloader_args', 'os', 'idmap', 'features',
  'cpu', 'clock', 'on_poweroff', 'on_reboot', 'on_crash', 'on_lockfailure', 'pm', 'perf', 'devices',
  'seclabel', 'keywrap', 'launchSecurity',
] as const;

/** Elements kept as trees (everything in TOP_ORDER not handled by a typed field). */
const MISC = new Set<string>([
  'genid', 'blkiotune', 'memtune', 'memoryBacking', 'vcpus', 'iothreads', 'iothreadids', 'defaultiothread',
  'cputune', 'numatune', 'resource', 'sysinfo', 'bootloader', 'bootloader_args', 'idmap', 'features', 'cpu',
  'clock', 'on_lockfailure', 'pm', 'perf', 'seclabel', 'keywrap', 'launchSecurity',
]);

const FEATURE_ORDER = [
  'acpi', 'apic', 'pae', 'hap', 'viridian', 'privnet', 'hyperv', 'kvm', 'pvspinlock', 'capabilities', 'pmu',
  'vmport', 'gic', 'smm', 'ioapic', 'hpt', 'vmcoreinfo', 'htm', 'nested-hv', 'msrs', 'ccf-assist', 'xen',
  'cfpc', 'sbbc', 'ibs', 'tcg',
];
/** Features written as `<x state='on|off'/>` (a bare `<x/>` means on). */
const TRISTATE_FEATURES = ['hap', 'pmu', 'pvspinlock', 'vmport', 'vmcoreinfo', 'htm', 'nested-hv', 'ccf-assist', 'smm'];

const MISC_SPECS: Record<string, Spec> = {
  memoryBacking: { kids: ['hugepages', 'nosharepages', 'locked', 'source', 'access', 'allocation', 'discard'] },
  memtune: { kids: ['hard_limit', 'soft_limit', 'min_guarantee', 'swap_hard_limit'] },
  blkiotune: { kids: ['weight', 'device'] },
  cputune: {
    kids: ['shares', 'period', 'quota', 'global_period', 'global_quota', 'emulator_period', 'emulator_quota',
      'iothread_period', 'iothread_quota', 'vcpupin', 'emulatorpin', 'iothreadpin', 'vcpusched',
      'iothreadsched', 'emulatorsched', 'cachetune', 'memorytune'],
  },
  numatune: { kids: ['memory', 'memnode'] },
  features: { kids: FEATURE_ORDER },
  cpu: {
    attrs: ['mode', 'match', 'check', 'migratable'],
    kids: [['model', { attrs: ['fallback', 'vendor_id'] }], 'vendor',
      ['topology', { attrs: ['sockets', 'dies', 'cores', 'threads'] }], 'cache', 'maxphysaddr',
      ['feature', { attrs: ['policy', 'name'] }], 'numa'],
  },
  clock: {
    attrs: ['offset', 'adjustment', 'basis', 'timezone'],
    kids: [['timer', { attrs: ['name', 'present', 'tickpolicy', 'track', 'frequency', 'mode'] }]],
  },
  pm: { kids: ['suspend-to-mem', 'suspend-to-disk'] },
  seclabel: { attrs: ['type', 'model', 'relabel'], kids: ['label', 'imagelabel', 'baselabel'] },
};

const OS_SPEC: Spec = {
  attrs: ['firmware'],
  kids: ['type', 'firmware', 'init', 'initarg', 'initenv', 'initdir', 'inituser', 'initgroup',
    ['loader', { attrs: ['readonly', 'secure', 'type', 'stateless', 'format'] }],
    ['nvram', { attrs: ['template', 'format'] }], 'kernel', 'initrd', 'cmdline', 'dtb', 'root', 'acpi', 'boot',
    ['bootmenu', { attrs: ['enable', 'timeout'] }], ['bios', { attrs: ['useserial', 'rebootTimeout'] }], 'smbios'],
};

const VIRT_TYPES = ['none', 'qemu', 'kqemu', 'kvm', 'xen', 'lxc', 'uml', 'openvz', 'test', 'vmware', 'hyperv',
  'vbox', 'phyp', 'parallels', 'bhyve', 'vz', 'hvf'];
const OS_TYPES = ['hvm', 'xen', 'linux', 'exe', 'uml', 'xenpvh'];
const BOOT_DEVS = ['fd', 'cdrom', 'hd', 'network'];
const LIFECYCLE = ['destroy', 'restart', 'rename-restart', 'preserve'];
const CRASH_LIFECYCLE = [...LIFECYCLE, 'coredump-destroy', 'coredump-restart'];
const LOCKFAILURE = ['poweroff', 'restart', 'pause', 'ignore'];

/** virUUIDParse (util/uuid.ts). */
export const parseUUID = parseUUIDText;

/** virScaleInteger: the factor a unit suffix stands for. */
function unitScale(unit: string | undefined, defaultScale: number): number {
  if (unit === undefined || unit === '') return defaultScale;
  const u = unit.toLowerCase();
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1;
  let base: number;
  if (u.length === 1 || u.slice(1) === 'ib') base = 1024;
  else if (u[1] === 'b' && u.length === 2) base = 1000;
  else throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `unknown suffix '${unit}'`);
  const powers: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };
  const p = powers[u[0]!];
  if (p === undefined) throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `unknown suffix '${unit}'`);
  return base ** p;
}

/**
 * virDomainParseMemory: a scaled value (KiB by default) rounded up to whole
 * KiB. `where` names the element as libvirt's XPath does in errors.
 */
export function parseMemoryValue(n: XNode, where: string): number {
  const text = n.text;
  if (!/^\d+$/.test(text.trimStart())) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
      `Invalid value '${text}' for element or attribute '${where}'`);
  }
  const scale = unitScale(getAttr(n, 'unit'), 1024);
  return Math.ceil((Number(text.trimStart()) * scale) / 1024);
}

/** A cpuset normalised, or libvirt's error for one it cannot parse. */
function bitmapOrThrow(cpuset: string): string {
  const norm = normalizeCpuset(cpuset);
  if (norm === null) throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `Failed to parse bitmap '${cpuset}'`);
  return norm;
}

/** VIR_DOMAIN_CPUMASK_LEN: CPU numbers in a domain's cpusets stay below this. */
export const CPUMASK_LEN = 16384;

/**
 * virBitmapParse (with VIR_DOMAIN_CPUMASK_LEN bits) + virBitmapFormat:
 * "0-3,^2,5" → "0-1,3,5"; null when libvirt fails to parse it, including a
 * CPU number of 16384 or more (so "0-100000000" costs nothing).
 */
export function normalizeCpuset(s: string): string | null {
  const set = new Set<number>();
  for (const raw of s.split(',')) {
    const part = raw.trim();
    if (part === '') return null;
    const neg = part.startsWith('^');
    const body = neg ? part.slice(1) : part;
    const m = /^(\d+)(?:-(\d+))?$/.exec(body);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b >= CPUMASK_LEN) return null;
    for (let i = a; i <= b; i++) {
      if (neg) set.delete(i);
      else set.add(i);
    }
  }
  const sorted = [...set].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** How a domain document is parsed. */
export interface ParseOptions {
  /** The name libvirt gives the document in parse errors. */
  docName?: string;
  /** Namespace prefixes bound by ancestors (for `<domain>` inside `<node>`). */
  inheritedNs?: Record<string, string>;
  /**
   * Status XML (VIR_DOMAIN_DEF_PARSE_STATUS): the live fields a running
   * domain's definition has (the `id` attribute, device aliases, pty
   * paths) are kept instead of dropped. The test driver never sets it.
   */
  status?: boolean;
}

/** virDomainDefParseString with VIR_DOMAIN_DEF_PARSE_INACTIVE. */
export function parseDomainXml<NS>(xml: string, xmlopt: DomainXMLOption<NS>, opts: ParseOptions = {}): DomainDef<NS> {
  const root = parseXml(xml, opts.docName ?? '(domain_definition)', ErrorDomain.DOMAIN);
  return parseDomainElement(root, xmlopt, opts);
}

/**
 * parseDomainXml with the XML and then the definition parsed in slices
 * (define and create calls: up to 4 MiB from a client).
 */
export async function parseDomainXmlAsync<NS>(xml: string, xmlopt: DomainXMLOption<NS>,
  opts: ParseOptions = {}): Promise<DomainDef<NS>> {
  const root = await parseXmlAsync(xml, opts.docName ?? '(domain_definition)', ErrorDomain.DOMAIN);
  return parseDomainElementAsync(root, xmlopt, opts);
}

/** parseDomainElement in slices of ~20 ms of work, the event loop turning between them. */
export function parseDomainElementAsync<NS>(el: XmlElement, xmlopt: DomainXMLOption<NS>,
  opts: ParseOptions = {}): Promise<DomainDef<NS>> {
  return runStepsAsync((s) => parseDomainElementSteps(el, xmlopt, opts, s));
}

/** The prefix the document binds to the driver's namespace `uri`, if any. */
function nsPrefixFor(el: XmlElement, inherited: Record<string, string>, uri: string): string | undefined {
  const bound: Record<string, string> = { ...inherited };
  for (const [k, v] of Object.entries(el.attrs)) if (k.startsWith('xmlns:')) bound[k.slice(6)] = v;
  return Object.keys(bound).find((p) => bound[p] === uri);
}

/** Parses a `<domain>` element (virDomainDefParseNode). */
export function parseDomainElement<NS>(el: XmlElement, xmlopt: DomainXMLOption<NS>, opts: ParseOptions = {}): DomainDef<NS> {
  return runSteps(parseDomainElementSteps(el, xmlopt, opts, new Slicer()));
}

/**
 * parseDomainElement pausing (yield) when `s` is due: while converting the
 * document's elements and between devices. Same result, same errors in
 * the same order.
 */
export function* parseDomainElementSteps<NS>(el: XmlElement, xmlopt: DomainXMLOption<NS>, opts: ParseOptions,
  s: Slicer): Generator<void, DomainDef<NS>, void> {
  if (el.name !== 'domain') {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `expecting root element of 'domain', not '${el.name}'`);
  }
  const status = opts.status === true;
  const prefix = xmlopt.ns ? nsPrefixFor(el, opts.inheritedNs ?? {}, xmlopt.ns.uri) : undefined;
  const root = yield* domainXNodeSteps(el, s);
  const virtType = getAttr(root, 'type');
  if (virtType === undefined) throw VirtError.report(ErrorCode.INTERNAL_ERROR, DOM, 'missing domain type attribute');
  if (!VIRT_TYPES.includes(virtType)) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, DOM, `invalid domain type ${virtType}`);
  }
  const first = (name: string) => kid(root, name);

  const nameEl = first('name');
  // libvirt takes element text as is: no trimming anywhere below.
  const name = nameEl ? nameEl.text : '';
  if (name === '') throw VirtError.report(ErrorCode.NO_NAME, DOM, null);
  if (name.includes('/')) throw VirtError.report(ErrorCode.XML_ERROR, DOM, `name ${name} cannot contain '/'`);

  let uuid: string;
  const uuidEl = first('uuid');
  if (uuidEl) {
    const u = parseUUID(uuidEl.text);
    if (u === null) throw VirtError.report(ErrorCode.INTERNAL_ERROR, DOM, 'malformed uuid element');
    uuid = u;
  } else {
    uuid = randomUUID();
  }

  const title = first('title')?.text;
  if (title !== undefined && title.includes('\n')) {
    throw VirtError.report(ErrorCode.XML_ERROR, DOM, "Domain title can't contain newlines");
  }
  const description = first('description')?.text;
  const metaEl = first('metadata');
  const metadata = metaEl ? sanitizeMetadata(metaEl, root, opts.inheritedNs ?? {}) : undefined;

  // Memory.
  let maxMemory: DomainDef['maxMemory'];
  const maxMemEl = first('maxMemory');
  if (maxMemEl) {
    const slots = getAttr(maxMemEl, 'slots');
    maxMemory = { kib: parseMemoryValue(maxMemEl, './maxMemory[1]') };
    if (slots !== undefined) maxMemory.slots = slots;
  }
  const memEl = first('memory');
  const memory = memEl ? parseMemoryValue(memEl, './memory[1]') : 0;
  const curEl = first('currentMemory');
  let currentMemory = curEl ? parseMemoryValue(curEl, './currentMemory[1]') : 0;

  // vCPUs.
  const vcpuEl = first('vcpu');
  const vcpu: VcpuDef = { max: 1, current: 1, placement: 'static' };
  if (vcpuEl) {
    // virXPathUInt: strtoul skips leading blanks, nothing may follow.
    const t = vcpuEl.text.trimStart();
    if (!/^\d+$/.test(t)) throw VirtError.report(ErrorCode.XML_ERROR, DOM, 'maximum vcpus count must be an integer');
    vcpu.max = Number(t);
    vcpu.current = vcpu.max;
    const cur = getAttr(vcpuEl, 'current');
    if (cur !== undefined) {
      if (!/^\d+$/.test(cur)) {
        throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
          `Invalid value for attribute 'current' in element 'vcpu': '${cur}'. Expected non-negative integer value`);
      }
      vcpu.current = Number(cur);
      if (vcpu.current > vcpu.max) {
        throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, DOM,
          'maximum vCPU count must not be less than current vCPU count');
      }
    }
    const cpuset = getAttr(vcpuEl, 'cpuset');
    if (cpuset !== undefined) {
      vcpu.cpuset = bitmapOrThrow(cpuset);
    }
    const placement = getAttr(vcpuEl, 'placement');
    if (placement !== undefined) {
      if (placement !== 'static' && placement !== 'auto') {
        throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
          `Invalid value for attribute 'placement' in element 'vcpu': '${placement}'.`);
      }
      vcpu.placement = placement;
    }
  }
  if (vcpu.max === 0) {
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, DOM, 'CPU IDs in <numa> exceed the <vcpu> count');
  }

  // OS.
  const osEl = first('os') ?? node('os');
  const typeEl = kid(osEl, 'type');
  const osTypeRaw = typeEl?.text;
  if (!osTypeRaw) throw VirtError.report(ErrorCode.XML_ERROR, DOM, 'an os <type> must be specified');
  if (!OS_TYPES.includes(osTypeRaw)) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, DOM, `unknown OS type '${osTypeRaw}'`);
  }
  const osType = osTypeRaw;
  const arch = getAttr(typeEl, 'arch') ?? xmlopt.defaultArch(osType, virtType);
  const machine = getAttr(typeEl, 'machine') ?? xmlopt.defaultMachine?.(osType, arch, virtType);
  const devEl = first('devices');
  let deviceBoot = false;
  for (const d of devEl?.children ?? []) {
    if (kid(d, 'boot') !== undefined) {
      deviceBoot = true;
      break;
    }
    if (s.due()) yield;
  }
  if (deviceBoot && kids(osEl, 'boot').length > 0) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, DOM,
      'per-device boot elements cannot be used together with os/boot elements');
  }
  const os = normalizeOs(osEl, osType, arch, machine, deviceBoot);

  // Lifecycle actions.
  const action = (elName: string, allowed: string[], def: string): string => {
    const e = first(elName);
    if (!e) return def;
    const v = e.text;
    if (!allowed.includes(v)) {
      throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, DOM, `unknown ${elName} action: ${v}`);
    }
    return v;
  };
  const onPoweroff = action('on_poweroff', LIFECYCLE, 'destroy');
  const onReboot = action('on_reboot', LIFECYCLE, 'restart');
  const onCrash = action('on_crash', CRASH_LIFECYCLE, 'destroy');

  const misc: XNode[] = [];
  const seen = new Set<string>();
  for (const c of root.children) {
    if (!MISC.has(c.name)) continue;
    const multi = c.name === 'seclabel' || c.name === 'sysinfo';
    if (!multi && seen.has(c.name)) continue;
    seen.add(c.name);
    const n = normalizeMisc(c, vcpu.max);
    if (n) misc.push(n);
  }
  fillIOThreadIds(misc);
  const lock = misc.find((m) => m.name === 'on_lockfailure');
  if (lock && !LOCKFAILURE.includes(lock.text)) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, DOM, `unknown on_lockfailure action: ${lock.text}`);
  }
  if (vcpu.placement === 'auto') {
    // virDomainDefPostParse: automatic vCPU placement implies automatic
    // memory placement.
    let nt = misc.find((m) => m.name === 'numatune');
    if (!nt) {
      nt = node('numatune');
      misc.push(nt);
    }
    let mem = kid(nt, 'memory');
    if (!mem) {
      mem = node('memory');
      nt.children.unshift(mem);
    }
    if (!hasAttr(mem, 'mode')) setAttr(mem, 'mode', 'strict');
    if (!hasAttr(mem, 'placement') && !hasAttr(mem, 'nodeset')) setAttr(mem, 'placement', 'auto');
    canon(mem, { attrs: ['mode', 'nodeset', 'placement'] });
  }
  const cpuEl = misc.find((m) => m.name === 'cpu');
  const hasNuma = kids(kid(cpuEl, 'numa'), 'cell').length > 0;

  if (osType === 'exe' && !kid(os, 'init')) {
    throw VirtError.report(ErrorCode.XML_ERROR, DOM, 'init binary must be specified');
  }

  const devices = yield* parseDevicesSteps(first('devices'), { osType, arch, virtType, machine, status }, xmlopt, s);

  // Post-parse memory checks (virDomainDefPostParseMemory).
  if (memory === 0) {
    throw VirtError.report(ErrorCode.XML_ERROR, DOM,
      'Memory size must be specified via <memory> or in the <numa> configuration');
  }
  if (currentMemory === 0 || currentMemory > memory) currentMemory = memory;

  const def: DomainDef<NS> = {
    virtType, id: status ? parseStatusId(getAttr(root, 'id')) : -1, name, uuid, memory, currentMemory, vcpu, osType, arch, os,
    onPoweroff, onReboot, onCrash, misc, devices, hasNuma,
  };
  if (title !== undefined) def.title = title;
  if (description !== undefined) def.description = description;
  if (metadata) def.metadata = metadata;
  if (maxMemory) def.maxMemory = maxMemory;
  const dumpCore = memEl ? getAttr(memEl, 'dumpCore') : undefined;
  if (dumpCore !== undefined) def.memoryDumpCore = dumpCore;
  if (prefix !== undefined) def.ns = xmlopt.ns!.parse(el, prefix);
  // The controller types the document wrote: a driver's implicit controllers go after them.
  const writtenControllerTypes = new Set(kids(first('devices'), 'controller').map((c) => getAttr(c, 'type') ?? 'ide'));
  xmlopt.postParse?.(def, { status, writtenControllerTypes });
  xmlopt.validate?.(def);
  return def;
}

/** The `id` attribute of a status XML's `<domain>` (virDomainDefParseIDs): -1 when absent. */
function parseStatusId(id: string | undefined): number {
  if (id === undefined) return -1;
  if (!/^-?\d+$/.test(id.trim())) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
      `Invalid value for attribute 'id' in element 'domain': '${id}'. Expected integer value`);
  }
  return Number(id.trim());
}

/**
 * virDomainDefPostParseIOThreads: ids up to the `<iothreads>` count are
 * filled in (autofill), and listed in `<iothreadids>` only beside ids the
 * XML gave. Which ids were filled in is kept in a `#iothreads` element,
 * never formatted, for the IOThread calls (domain-settings.ts).
 */
function fillIOThreadIds(misc: XNode[]): void {
  const countEl = misc.find((m) => m.name === 'iothreads');
  const idsEl = misc.find((m) => m.name === 'iothreadids');
  if (!countEl && !idsEl) return;
  const ids: Array<{ id: number; auto: boolean; el?: XNode }> = [];
  for (const t of kids(idsEl, 'iothread')) {
    const id = Number(getAttr(t, 'id'));
    if (Number.isInteger(id) && id > 0 && !ids.some((x) => x.id === id)) ids.push({ id, auto: false, el: t });
  }
  const count = Math.max(Number(countEl?.text.trim() ?? 0) || 0, ids.length);
  for (let id = 1; ids.length < count; id++) if (!ids.some((x) => x.id === id)) ids.push({ id, auto: true });
  const keep = misc.filter((m) => m.name !== 'iothreads' && m.name !== 'iothreadids');
  misc.length = 0;
  misc.push(...keep);
  if (ids.length === 0) return;
  misc.push(node('iothreads', [], [], String(ids.length)));
  if (ids.some((x) => !x.auto)) {
    misc.push(node('iothreadids', [], ids.map((x) => x.el ?? node('iothread', [['id', x.id]]))));
  }
  misc.push(node('#iothreads', [], ids.map((x) => node('iothread', [['id', x.id], ['autofill', x.auto ? 'yes' : 'no']]))));
}

/** Namespace declarations (`xmlns:p` → p, `xmlns` → '') made on one element. */
function nsDecls(n: XNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of n.attrs) {
    if (k === 'xmlns') out[''] = v;
    else if (k.startsWith('xmlns:')) out[k.slice(6)] = v;
  }
  return out;
}

/**
 * virXMLNodeSanitizeNamespaces on `<metadata>`: children without a namespace
 * go, and only the first child of each namespace stays. Namespaces the kept
 * subtree uses but that were declared further up are declared on
 * `<metadata>` itself, as libxml's copy of the node does.
 */
function sanitizeMetadata(meta: XNode, root: XNode, inherited: Record<string, string>): XNode {
  const outer = { ...inherited, ...nsDecls(root), ...nsDecls(meta) };
  const seen = new Set<string>();
  const needed = new Map<string, string>();
  const prefixOf = (name: string) => (name.includes(':') ? name.slice(0, name.indexOf(':')) : '');
  // `inner`: prefixes declared inside the kept subtree, on the way down.
  // One set per element that declares namespaces, not per element.
  const collect = (n: XNode, inner: ReadonlySet<string>) => {
    let here = inner;
    if (n.attrs.some(([k]) => k === 'xmlns' || k.startsWith('xmlns:'))) {
      here = new Set([...inner, ...Object.keys(nsDecls(n))]);
    }
    const p = prefixOf(n.name);
    if (!here.has(p) && p in outer && !needed.has(p)) needed.set(p, outer[p]!);
    for (const c of n.children) collect(c, here);
  };
  const kept: XNode[] = [];
  for (const c of meta.children) {
    const uri = { ...outer, ...nsDecls(c) }[prefixOf(c.name)];
    if (uri === undefined || uri === '' || seen.has(uri)) continue;
    seen.add(uri);
    kept.push(c);
  }
  const declared = nsDecls(meta);
  for (const c of kept) collect(c, new Set());
  const attrs: Array<[string, string]> = meta.attrs.filter(([k]) => k.startsWith('xmlns'));
  for (const [p, uri] of needed) {
    if (p in declared) continue;
    attrs.push([p === '' ? 'xmlns' : `xmlns:${p}`, uri]);
  }
  return { name: 'metadata', attrs, children: kept, text: '' };
}

/** formatLibxml of each (never changed) `<metadata>`, by depth. */
const formattedMetadata = new WeakMap<XNode, Map<number, string>>();

function metadataTexts(meta: XNode): Map<number, string> {
  let byDepth = formattedMetadata.get(meta);
  if (!byDepth) formattedMetadata.set(meta, byDepth = new Map());
  return byDepth;
}

/** formatLibxml of a `<metadata>`, made once per depth. */
function formatMetadata(meta: XNode, depth: number): string {
  const byDepth = metadataTexts(meta);
  let text = byDepth.get(depth);
  if (text === undefined) byDepth.set(depth, text = formatLibxml(meta, depth));
  return text;
}

/**
 * Formats a definition's `<metadata>` ahead of its first dumpxml, a slice
 * at a time (define and create of a client's document: a million elements
 * take most of a second to format).
 */
export async function formatMetadataAhead(def: DomainDef): Promise<void> {
  const meta = def.metadata;
  if (!meta || metadataTexts(meta).has(1)) return;
  const text = await runStepsAsync((s) => formatLibxmlSteps(meta, 1, s));
  metadataTexts(meta).set(1, text);
}

/**
 * The `<domain>` element as mutable nodes, converting only what
 * virDomainDefParseNode reads: elements it does not know (unprefixed names
 * outside TOP_ORDER) are dropped unconverted, whatever they hold, and
 * `<metadata>` becomes an opaque copy with blank text between elements
 * dropped (as libvirt's copy of the node keeps it).
 */
function* domainXNodeSteps(el: XmlElement, s: Slicer): Generator<void, XNode, void> {
  const children: XNode[] = [];
  for (const c of el.children) {
    if (c.name === 'metadata') children.push(yield* toXNodeSteps(c, s, true));
    else if (TOP_KNOWN.has(c.name) || c.name.includes(':')) children.push(yield* toXNodeSteps(c, s));
  }
  return { name: el.name, attrs: attrEntries(el), children, text: el.text };
}

const TOP_KNOWN: ReadonlySet<string> = new Set(TOP_ORDER);

function normalizeOs(osEl: XNode, osType: string, arch: string, machine: string | undefined,
  deviceBoot: boolean): XNode {
  const os = cloneNode(osEl);
  // <type> is rebuilt on format; keep a placeholder for ordering.
  os.children = os.children.filter((c) => c.name !== 'type');
  os.children.unshift(node('type', [['arch', arch], ['machine', machine]], [], osType));
  for (const b of kids(os, 'boot')) {
    const dev = getAttr(b, 'dev');
    if (dev === undefined || !BOOT_DEVS.includes(dev)) {
      throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
        `Invalid value for attribute 'dev' in element 'boot': '${dev ?? ''}'.`);
    }
  }
  // Only four boot devices count (VIR_DOMAIN_BOOT_LAST).
  let nboot = 0;
  os.children = os.children.filter((c) => c.name !== 'boot' || ++nboot <= 4);
  if (osType === 'hvm' && nboot === 0 && !deviceBoot) {
    os.children.push(node('boot', [['dev', 'hd']]));
  }
  canon(os, OS_SPEC);
  const keep = new Set((OS_SPEC.kids ?? []).map((k) => (typeof k === 'string' ? k : k[0])));
  os.children = os.children.filter((c) => keep.has(c.name));
  return os;
}

const SCALED_MEMTUNE = ['hard_limit', 'soft_limit', 'min_guarantee', 'swap_hard_limit'];

function normalizeMisc(c: XNode, vcpuMax: number): XNode | null {
  const n = cloneNode(c);
  switch (n.name) {
    case 'cputune':
      // virDomainVcpuPinDefParseXML ignores pins of vCPUs the guest lacks.
      n.children = n.children.filter((k) => k.name !== 'vcpupin'
        || Number(getAttr(k, 'vcpu') ?? '0') < vcpuMax);
      for (const k of n.children) {
        const cs = getAttr(k, 'cpuset');
        if (cs !== undefined) setAttr(k, 'cpuset', bitmapOrThrow(cs));
      }
      break;
    case 'memtune':
      for (const k of n.children) {
        if (!SCALED_MEMTUNE.includes(k.name)) continue;
        k.text = String(parseMemoryValue(k, `./memtune/${k.name}`));
        k.attrs = [['unit', 'KiB']];
      }
      n.children = n.children.filter((k) => SCALED_MEMTUNE.includes(k.name));
      if (n.children.length === 0) return null;
      break;
    case 'features':
      for (const f of n.children) {
        if (TRISTATE_FEATURES.includes(f.name) && !hasAttr(f, 'state')) setAttr(f, 'state', 'on');
        if (f.name === 'hyperv' && !hasAttr(f, 'mode')) setAttr(f, 'mode', 'custom');
      }
      n.children = n.children.filter((f) => FEATURE_ORDER.includes(f.name));
      break;
    case 'cpu': {
      const model = kid(n, 'model');
      const mode = getAttr(n, 'mode') ?? (model ? 'custom' : undefined);
      if (mode !== undefined) setAttr(n, 'mode', mode);
      if (mode === 'custom' && model) {
        if (!hasAttr(n, 'match')) setAttr(n, 'match', 'exact');
        if (!hasAttr(model, 'fallback')) setAttr(model, 'fallback', 'allow');
      }
      for (const f of kids(n, 'feature')) if (!hasAttr(f, 'policy')) setAttr(f, 'policy', 'require');
      const topo = kid(n, 'topology');
      if (topo && !hasAttr(topo, 'dies')) setAttr(topo, 'dies', 1);
      for (const cell of kids(kid(n, 'numa'), 'cell')) {
        const mem = getAttr(cell, 'memory');
        if (mem !== undefined) {
          const kib = parseMemoryValue({ name: 'cell', attrs: [['unit', getAttr(cell, 'unit') ?? '']], children: [], text: mem },
            './cpu/numa/cell/@memory');
          setAttr(cell, 'memory', kib);
          setAttr(cell, 'unit', 'KiB');
        }
        const cpus = getAttr(cell, 'cpus');
        if (cpus !== undefined) setAttr(cell, 'cpus', bitmapOrThrow(cpus));
        canon(cell, { attrs: ['id', 'cpus', 'memory', 'unit', 'memAccess', 'discard'] });
      }
      break;
    }
    case 'clock':
      if (!hasAttr(n, 'offset')) setAttr(n, 'offset', 'utc');
      break;
    case 'vcpus': case 'iothreadids': case 'idmap': case 'sysinfo': case 'perf': case 'resource':
    case 'launchSecurity': case 'keywrap': case 'seclabel': case 'numatune':  case 'pm':
    case 'blkiotune': case 'memoryBacking': case 'genid': case 'defaultiothread':
      break;
    default:
      break;
  }
  if (n.name === 'genid') n.text = parseUUID(n.text) ?? n.text;
  return canon(n, MISC_SPECS[n.name]);
}

/** virDomainDefFormat flags. */
export interface FormatOptions {
  inactive: boolean;
  secure: boolean;
  /** Root element name (snapshots write `<inactiveDomain>`). */
  rootName?: string;
}

/** virDomainDefFormatInternal, starting at indentation `depth`. */
export function formatDomainDef<NS>(def: DomainDef<NS>, xmlopt: DomainXMLOption<NS>, opts: FormatOptions, depth = 0): string {
  return runSteps(formatDomainDefSteps(def, xmlopt, opts, depth, new Slicer()));
}

/**
 * formatDomainDef in slices of ~20 ms of work, the event loop turning
 * between them (dumpxml of a definition with thousands of devices). The
 * `<metadata>` is formatted ahead in slices too.
 */
export async function formatDomainDefAsync<NS>(def: DomainDef<NS>, xmlopt: DomainXMLOption<NS>, opts: FormatOptions,
  depth = 0): Promise<string> {
  if (def.metadata && depth === 0) await formatMetadataAhead(def);
  return runStepsAsync((s) => formatDomainDefSteps(def, xmlopt, opts, depth, s));
}

/**
 * formatDomainDef pausing (yield) between devices when `s` is due. The
 * devices are written first and everything else after the last pause, so
 * a sliced format reads the definition's other fields at one moment.
 */
export function* formatDomainDefSteps<NS>(def: DomainDef<NS>, xmlopt: DomainXMLOption<NS>, opts: FormatOptions,
  depth: number, s: Slicer): Generator<void, string, void> {
  const devOut: string[] = [];
  yield* formatDevicesSteps(def.devices, depth + 1, { secure: opts.secure }, devOut, s);
  const out: string[] = [];
  const pad = '  '.repeat(depth);
  const p1 = pad + '  ';
  const rootName = opts.rootName ?? 'domain';
  const idAttr = !opts.inactive && def.id !== -1 ? ` id='${def.id}'` : '';
  // virXMLNamespaceFormatNS: the driver's namespace is declared on the root when it has data to write.
  const nsFormat = def.ns !== undefined && xmlopt.ns?.format ? xmlopt.ns : undefined;
  const nsAttr = nsFormat ? ` xmlns:${nsFormat.prefix}='${escapeLibvirt(nsFormat.uri)}'` : '';
  out.push(`${pad}<${rootName} type='${escapeLibvirt(def.virtType)}'${idAttr}${nsAttr}>\n`);
  const misc = (name: string) => {
    for (const m of def.misc) if (m.name === name) formatNode(m, depth + 1, out);
  };
  for (const el of TOP_ORDER) {
    switch (el) {
      case 'name': out.push(`${p1}<name>${escapeLibvirt(def.name)}</name>\n`); break;
      case 'uuid': out.push(`${p1}<uuid>${def.uuid}</uuid>\n`); break;
      case 'title':
        if (def.title !== undefined && def.title !== '') out.push(`${p1}<title>${escapeLibvirt(def.title)}</title>\n`);
        break;
      case 'description':
        if (def.description !== undefined && def.description !== '') {
          out.push(`${p1}<description>${escapeLibvirt(def.description)}</description>\n`);
        }
        break;
      case 'metadata':
        if (def.metadata) out.push(`${p1}${formatMetadata(def.metadata, depth + 1)}\n`);
        break;
      case 'maxMemory':
        if (def.maxMemory) {
          const slots = def.maxMemory.slots !== undefined ? ` slots='${escapeLibvirt(def.maxMemory.slots)}'` : '';
          out.push(`${p1}<maxMemory${slots} unit='KiB'>${def.maxMemory.kib}</maxMemory>\n`);
        }
        break;
      case 'memory': {
        const dc = def.memoryDumpCore !== undefined ? ` dumpCore='${escapeLibvirt(def.memoryDumpCore)}'` : '';
        out.push(`${p1}<memory unit='KiB'${dc}>${def.memory}</memory>\n`);
        break;
      }
      case 'currentMemory': out.push(`${p1}<currentMemory unit='KiB'>${def.currentMemory}</currentMemory>\n`); break;
      case 'vcpu': {
        const v = def.vcpu;
        let a = ` placement='${v.placement}'`;
        if (v.cpuset !== undefined && v.cpuset !== '') a += ` cpuset='${v.cpuset}'`;
        if (v.current !== v.max) a += ` current='${v.current}'`;
        out.push(`${p1}<vcpu${a}>${v.max}</vcpu>\n`);
        break;
      }
      case 'os': {
        // virDomainDefFormat writes Xen paravirt guests of Xen domains as 'linux' (backcompat).
        if (def.virtType === 'xen' && def.osType === 'xen') {
          const os = cloneNode(def.os);
          const t = kid(os, 'type');
          if (t) t.text = 'linux';
          formatNode(os, depth + 1, out);
        } else {
          formatNode(def.os, depth + 1, out);
        }
        break;
      }
      case 'on_poweroff': out.push(`${p1}<on_poweroff>${def.onPoweroff}</on_poweroff>\n`); break;
      case 'on_reboot': out.push(`${p1}<on_reboot>${def.onReboot}</on_reboot>\n`); break;
      case 'on_crash': out.push(`${p1}<on_crash>${def.onCrash}</on_crash>\n`); break;
      case 'clock':
        if (def.misc.some((m) => m.name === 'clock')) misc('clock');
        else out.push(`${p1}<clock offset='utc'/>\n`);
        break;
      case 'devices': for (const piece of devOut) out.push(piece); break;
      default:
        misc(el);
    }
  }
  if (nsFormat) out.push(nsFormat.format!(def.ns as NS, depth + 1));
  out.push(`${pad}</${rootName}>\n`);
  return out.join('');
}

/**
 * A deep copy (virDomainDefCopy keeps everything we model); the driver's
 * namespace data is shared. A plain recursive copy: the definition is
 * plain data (objects, arrays, strings, numbers), and structuredClone's
 * serialise-and-rebuild took most of a start with many devices.
 */
export function copyDomainDef<NS>(def: DomainDef<NS>, devices?: Devices): DomainDef<NS> {
  const copy: Record<string, unknown> = {};
  // <metadata> is never changed once parsed: copies share it (a million elements cost nothing to start).
  for (const [k, v] of Object.entries(def)) {
    if (k === 'ns') continue;
    copy[k] = k === 'metadata' ? v : k === 'devices' && devices ? devices : copyPlain(v);
  }
  if (def.ns) copy['ns'] = def.ns;
  return copy as unknown as DomainDef<NS>;
}

/**
 * A copy of a definition's devices as copyDomainDef makes it, pausing
 * (yield) between devices when `s` is due; pass it to copyDomainDef to
 * copy the rest (start of a domain with thousands of devices: the devices
 * in slices, the rest at once, after the last pause).
 */
export function* copyDevicesSteps(devs: Devices, s: Slicer): Generator<void, Devices, void> {
  const list: Device[] = new Array<Device>(devs.list.length);
  for (let i = 0; i < list.length; i++) {
    list[i] = copyPlain(devs.list[i]) as Device;
    if (s.due()) yield;
  }
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(devs)) copy[k] = k === 'list' ? list : copyPlain(v);
  return copy as unknown as Devices;
}

/** copyDevicesSteps in slices of ~20 ms of work, the event loop turning between them. */
export function copyDevicesAsync(devs: Devices): Promise<Devices> {
  return runStepsAsync((s) => copyDevicesSteps(devs, s));
}

function copyPlain(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(copyPlain);
  if (isXNode(v)) return cloneNode(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = copyPlain((v as Record<string, unknown>)[k]);
  return out;
}

function isXNode(v: object): v is XNode {
  const n = v as Partial<XNode>;
  if (typeof n.name !== 'string' || typeof n.text !== 'string' || !Array.isArray(n.attrs) || !Array.isArray(n.children)) {
    return false;
  }
  let keys = 0;
  for (const k in v) if (Object.hasOwn(v, k)) keys++;
  return keys === 4;
}

// ---------------------------------------------------------------------------
// Accessors the driver uses.

/** What snapshot code needs to know of a disk. */
export interface DiskInfo {
  dst: string;
  device: string;
  hasSource: boolean;
  sourcePath?: string;
  /** The disk's `snapshot` attribute, if written. */
  snapshot?: string;
  readonly: boolean;
}

/** The domain's disks, in definition order. */
export function domainDisks(def: DomainDef): DiskInfo[] {
  return def.devices.list.filter((d) => d.kind === 'disk').map((d) => {
    const src = kid(d.node, 'source');
    const path = src ? (getAttr(src, 'file') ?? getAttr(src, 'dev') ?? getAttr(src, 'dir') ?? getAttr(src, 'name')
      ?? getAttr(src, 'volume')) : undefined;
    const info: DiskInfo = {
      dst: getAttr(kid(d.node, 'target'), 'dev') ?? '',
      device: getAttr(d.node, 'device') ?? 'disk',
      hasSource: path !== undefined && path !== '',
      readonly: !!kid(d.node, 'readonly'),
    };
    if (path !== undefined && path !== '') info.sourcePath = path;
    const snap = getAttr(d.node, 'snapshot');
    if (snap !== undefined) info.snapshot = snap;
    return info;
  });
}
