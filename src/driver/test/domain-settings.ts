/**
 * The test driver's calls that change other parts of a domain definition
 * (libvirt 9.0 src/test/test_driver.c): vCPU and emulator pinning,
 * IOThreads, title/description/metadata, perf events, lifecycle actions
 * and renaming.
 */
import type { DomainRef, DriverConnection, TypedParam } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { parseXml, type XmlElement } from '../../util/xml.js';
import {
  AffectFlags, DomainEventType as Ev, EventDefinedDetail, EventUndefinedDetail, DomainState as St,
  TypedParamType as T,
} from '../../conf/domain-constants.js';
import type { DomainDef } from '../../conf/domain-def.js';
import { cloneNode, getAttr, kid, kids, node, type XNode } from '../../conf/domain-xml.js';
import type { DomainObj } from './domains.js';
import { cpusetBits, hostCpuSet, validateTypedParams } from './domains.js';
import { formatBitmap, miscGet, miscSet } from './domain-tune.js';
import { iothreadStats, newIOThreadStat } from './iothread-stats.js';
import type { TestHost } from './host.js';

const TEST = ErrorDomain.TEST;
const DOM = ErrorDomain.DOMAIN;
const AFFECT = AffectFlags.LIVE | AffectFlags.CONFIG;

/** virDomainMetadataType. */
const Metadata = { DESCRIPTION: 0, TITLE: 1, ELEMENT: 2 } as const;

/** virPerfEventType, in order. */
export const PERF_EVENTS = [
  'cmt', 'mbmt', 'mbml', 'cpu_cycles', 'instructions', 'cache_references', 'cache_misses', 'branch_instructions',
  'branch_misses', 'bus_cycles', 'stalled_cycles_frontend', 'stalled_cycles_backend', 'ref_cpu_cycles', 'cpu_clock',
  'task_clock', 'page_faults', 'context_switches', 'cpu_migrations', 'page_faults_min', 'page_faults_maj',
  'alignment_faults', 'emulation_faults',
];

/** virDomainLifecycle and virDomainLifecycleAction names. */
const LIFECYCLE_TYPES = ['poweroff', 'reboot', 'crash'];
const LIFECYCLE_ACTIONS = ['', 'destroy', 'restart', 'rename-restart', 'preserve', 'coredump-destroy', 'coredump-restart'];

/** <cputune> children in virDomainCputuneDefFormat's order. */
const CPUTUNE_ORDER = ['shares', 'period', 'quota', 'global_period', 'global_quota', 'emulator_period',
  'emulator_quota', 'iothread_period', 'iothread_quota', 'vcpupin', 'emulatorpin', 'iothreadpin', 'vcpusched',
  'iothreadsched', 'emulatorsched', 'cachetune', 'memorytune'];

/** The bits set in a cpumap. */
function mapBits(map: Uint8Array): Set<number> {
  const bits = new Set<number>();
  map.forEach((b, i) => { for (let k = 0; k < 8; k++) if (b & (1 << k)) bits.add(i * 8 + k); });
  return bits;
}

/** A cpumap of `len` bytes with `bits` set. */
function bitsMap(bits: Iterable<number>, len: number): Uint8Array {
  const map = new Uint8Array(Math.max(0, len));
  for (const b of bits) if (b < len * 8) map[b >> 3]! |= 1 << (b & 7);
  return map;
}

/** Replaces `<cputune>` children called `name` (sorted by `key`) with `nodes`. */
function setCputune(def: DomainDef, name: string, nodes: XNode[]): void {
  const old = miscGet(def, 'cputune');
  const rest = (old?.children ?? []).filter((c) => c.name !== name);
  const all = [...rest, ...nodes];
  const rank = (n: XNode) => { const r = CPUTUNE_ORDER.indexOf(n.name); return r < 0 ? CPUTUNE_ORDER.length : r; };
  all.sort((a, b) => rank(a) - rank(b));
  miscSet(def, 'cputune', all.length ? node('cputune', old?.attrs ?? [], all) : null);
}

// ---------------------------------------------------------------------------
// IOThreads: `<iothreads>`, `<iothreadids>` and `<cputune><iothreadpin>`.

interface IOThread { id: number; autofill: boolean; cpuset?: string; poll?: Record<string, number> }

/**
 * The definition's IOThreads (virDomainDef iothreadids): the listed ids,
 * then ids filled in up to the `<iothreads>` count (autofill, as
 * virDomainDefPostParseIOThreads does). Kept in a private element
 * (`#iothreads`, never formatted) once changed, as autofill is not in the
 * XML.
 */
function readIOThreads(def: DomainDef): IOThread[] {
  const priv = miscGet(def, '#iothreads');
  const pins = new Map<number, string>();
  for (const p of kids(miscGet(def, 'cputune'), 'iothreadpin')) {
    const cs = getAttr(p, 'cpuset');
    if (cs !== undefined) pins.set(Number(getAttr(p, 'iothread')), cs);
  }
  if (priv) {
    return priv.children.map((c) => {
      const t: IOThread = { id: Number(getAttr(c, 'id')), autofill: getAttr(c, 'autofill') === 'yes' };
      const cs = pins.get(t.id);
      if (cs !== undefined) t.cpuset = cs;
      return t;
    });
  }
  const list: IOThread[] = [];
  for (const c of kids(miscGet(def, 'iothreadids'), 'iothread')) {
    const id = Number(getAttr(c, 'id'));
    if (Number.isInteger(id) && id > 0 && !list.some((t) => t.id === id)) list.push({ id, autofill: false });
  }
  const count = Number(miscGet(def, 'iothreads')?.text.trim() ?? 0) || 0;
  for (let id = 1; list.length < count; id++) if (!list.some((t) => t.id === id)) list.push({ id, autofill: true });
  for (const t of list) {
    const cs = pins.get(t.id);
    if (cs !== undefined) t.cpuset = cs;
  }
  return list;
}

/** virDomainDefIOThreadsFormat and the `<iothreadpin>`s. */
function writeIOThreads(def: DomainDef, list: IOThread[]): void {
  miscSet(def, '#iothreads', node('#iothreads', [], list.map((t) =>
    node('iothread', [['id', t.id], ['autofill', t.autofill ? 'yes' : 'no']]))));
  miscSet(def, 'iothreads', list.length ? node('iothreads', [], [], String(list.length)) : null);
  const explicit = list.some((t) => !t.autofill);
  miscSet(def, 'iothreadids', explicit
    ? node('iothreadids', [], list.map((t) => node('iothread', [['id', t.id]]))) : null);
  setCputune(def, 'iothreadpin', list.filter((t) => t.cpuset !== undefined)
    .map((t) => node('iothreadpin', [['iothread', t.id], ['cpuset', t.cpuset]])));
}

/** The CPUs a thread of the domain may run on when not pinned: `<vcpu cpuset>`, else one per online vCPU. */
function defaultAffinity(def: DomainDef): Set<number> {
  if (def.vcpu.cpuset) return cpusetBits(def.vcpu.cpuset);
  return new Set(Array.from({ length: def.vcpu.current }, (_, i) => i));
}

// ---------------------------------------------------------------------------
// <metadata>

/** xmlValidateNCName, for ASCII names (libvirt's keys are). */
function isNCName(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9._-]*$/.test(s);
}

/** A parsed element as an XNode tree. */
function elementNode(el: XmlElement): XNode {
  return {
    name: el.name,
    attrs: Object.entries(el.attrs).map(([k, v]): [string, string] => [k, v]),
    children: el.children.map(elementNode),
    text: el.children.length ? '' : el.text,
  };
}

/** The namespace URI an element's prefix stands for, from its own declarations or `<metadata>`'s. */
function nsOf(n: XNode, meta: XNode): string | undefined {
  const prefix = n.name.includes(':') ? n.name.slice(0, n.name.indexOf(':')) : '';
  const decl = prefix === '' ? 'xmlns' : `xmlns:${prefix}`;
  return getAttr(n, decl) ?? getAttr(meta, decl);
}

/** virXMLExtractNamespaceXML: the element of namespace `uri`, its prefix and declaration dropped. */
function extractNamespace(meta: XNode, uri: string): string | null {
  const found = meta.children.find((c) => nsOf(c, meta) === uri);
  if (!found) return null;
  // virXMLRemoveElementNamespace on every element of the namespace.
  const strip = (n: XNode, declared: Map<string, string>): XNode => {
    const here = new Map(declared);
    for (const [k, v] of n.attrs) if (k === 'xmlns' || k.startsWith('xmlns:')) here.set(k === 'xmlns' ? '' : k.slice(6), v);
    const prefix = n.name.includes(':') ? n.name.slice(0, n.name.indexOf(':')) : '';
    const name = here.get(prefix) === uri && prefix !== '' ? n.name.slice(prefix.length + 1) : n.name;
    return { name, attrs: n.attrs, children: n.children.map((c) => strip(c, here)), text: n.text };
  };
  const outer = new Map<string, string>();
  for (const [k, v] of meta.attrs) if (k.startsWith('xmlns')) outer.set(k === 'xmlns' ? '' : k.slice(6), v);
  const copy = strip(found, outer);
  // The root's declaration of that namespace goes.
  copy.attrs = copy.attrs.filter(([k, v]) => !((k === 'xmlns' || k.startsWith('xmlns:')) && v === uri));
  return formatXmlNodeDump(copy, 0);
}

/** xmlNodeDump with format=1: double quotes, two-space indent, no trailing newline. */
function formatXmlNodeDump(n: XNode, depth: number): string {
  const pad = '  '.repeat(depth);
  const attrs = n.attrs.map(([k, v]) => ` ${k}="${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')
    .replace(/>/g, '&gt;').replace(/"/g, '&quot;')}"`).join('');
  const text = n.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (n.children.length === 0) return n.text === '' ? `<${n.name}${attrs}/>` : `<${n.name}${attrs}>${text}</${n.name}>`;
  const inner = n.children.map((c) => `${pad}  ${formatXmlNodeDump(c, depth + 1)}`).join('\n');
  return `<${n.name}${attrs}>\n${inner}\n${pad}</${n.name}>`;
}

/** virDomainDefSetMetadata. */
function setMetadata(def: DomainDef, type: number, metadata: string | null, key: string | null, uri: string | null): void {
  if (type === Metadata.DESCRIPTION) {
    if (metadata !== null && metadata !== '') def.description = metadata;
    else delete def.description;
    return;
  }
  if (type === Metadata.TITLE) {
    if (metadata !== null && metadata !== '') def.title = metadata;
    else delete def.title;
    return;
  }
  let added: XNode | null = null;
  if (metadata !== null) {
    const root = elementNode(parseXml(metadata, '(metadata_xml)', ErrorDomain.XML));
    if (!isNCName(key ?? '')) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.XML, 'failed to validate prefix for a new XML namespace');
    }
    // virXMLInjectNamespace: the elements of the new subtree without a namespace get this one.
    const inject = (n: XNode, defaultNs: boolean): XNode => {
      const hasDefault = defaultNs || n.attrs.some(([k, v]) => k === 'xmlns' && v !== '');
      const named = n.name.includes(':') || hasDefault ? n.name : `${key}:${n.name}`;
      return { ...n, name: named, children: n.children.map((c) => inject(c, hasDefault)) };
    };
    const decls = root.attrs.filter(([k]) => k === 'xmlns' || k.startsWith('xmlns:'));
    const plain = root.attrs.filter(([k]) => k !== 'xmlns' && !k.startsWith('xmlns:'));
    added = { ...inject(root, false), attrs: [...decls, [`xmlns:${key}`, uri ?? ''], ...plain] };
  }
  // A new <metadata> each time: formatted copies of the old one stay valid.
  const meta = def.metadata ? cloneNode(def.metadata) : node('metadata');
  meta.children = meta.children.filter((c) => nsOf(c, meta) !== uri);
  if (added) meta.children.push(added);
  def.metadata = meta;
}

// ---------------------------------------------------------------------------

/** The test host's calls on a domain's pinning, IOThreads, metadata, perf events, lifecycle and name. */
export class DomainSettingsStore {
  constructor(private readonly host: TestHost) {}

  load(): void {
    // Nothing of its own: it works on the domains' definitions.
  }

  #obj(dom: DomainRef): DomainObj {
    return this.host.domains.lookup(dom);
  }

  #oneDef(dom: DomainRef, flags: number): DomainDef {
    return this.host.domains.oneDef(this.#obj(dom), flags).def;
  }

  /** testDomainPinVcpuFlags: the live definition of a running domain only. */
  #pinVcpu(dom: DomainRef, vcpu: number, cpumap: Uint8Array, flags: number): void {
    checkFlags(flags, 0, 'testDomainPinVcpuFlags', TEST);
    const obj = this.#obj(dom);
    if (!obj.isActive) {
      throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, 'cannot pin vcpus on an inactive domain');
    }
    const def = obj.def;
    if (vcpu >= def.vcpu.current) {
      throw VirtError.report(ErrorCode.INVALID_ARG, TEST, `requested vcpu '${vcpu}' is not present in the domain`);
    }
    const pins = kids(miscGet(def, 'cputune'), 'vcpupin').filter((p) => Number(getAttr(p, 'vcpu')) !== vcpu);
    pins.push(node('vcpupin', [['vcpu', vcpu], ['cpuset', formatBitmap(mapBits(cpumap))]]));
    pins.sort((a, b) => Number(getAttr(a, 'vcpu')) - Number(getAttr(b, 'vcpu')));
    setCputune(def, 'vcpupin', pins);
  }

  #iothread(dom: DomainRef, id: number, flags: number, func: string, add: boolean): void {
    checkFlags(flags, AFFECT, func, TEST);
    if (id === 0) throw VirtError.report(ErrorCode.INVALID_ARG, TEST, 'invalid value of 0 for iothread_id');
    const obj = this.#obj(dom);
    const def = this.host.domains.oneDef(obj, flags).def;
    const list = readIOThreads(def);
    const at = list.findIndex((t) => t.id === id);
    if (add) {
      if (at >= 0) throw VirtError.report(ErrorCode.INVALID_ARG, DOM, `an IOThread is already using iothread_id '${id}'`);
      list.push({ id, autofill: false });
    } else {
      if (at < 0) throw VirtError.report(ErrorCode.INVALID_ARG, DOM, `cannot find IOThread '${id}' in iothreadids list`);
      for (const d of def.devices.list) {
        if (d.kind === 'disk' && Number(getAttr(kid(d.node, 'driver'), 'iothread')) === id) {
          throw VirtError.report(ErrorCode.INVALID_ARG, DOM,
            `cannot remove IOThread ${id} since it is being used by disk '${getAttr(kid(d.node, 'target'), 'dev') ?? ''}'`);
        }
      }
      list.splice(at, 1);
    }
    writeIOThreads(def, list);
    // The polling values follow every addition and removal, whichever definition changed.
    const stats = iothreadStats(obj);
    if (add) stats.push(newIOThreadStat(id));
    else if (stats.some((t) => t.id === id)) stats.splice(stats.findIndex((t) => t.id === id), 1);
  }

  methods(): Partial<DriverConnection> {
    return {
      domainPinVcpu: async ({ dom, vcpu, cpumap }) => this.#pinVcpu(dom, vcpu, cpumap, 0),
      domainPinVcpuFlags: async ({ dom, vcpu, cpumap, flags }) => this.#pinVcpu(dom, vcpu, cpumap, flags),

      domainPinEmulator: async ({ dom, cpumap, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainPinEmulator', TEST);
        const def = this.#oneDef(dom, flags);
        const bits = mapBits(cpumap);
        if (bits.size === 0) throw VirtError.report(ErrorCode.INVALID_ARG, TEST, 'Empty cpu list for pinning');
        setCputune(def, 'emulatorpin', [node('emulatorpin', [['cpuset', formatBitmap(bits)]])]);
      },
      domainGetEmulatorPinInfo: async ({ dom, maplen, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainGetEmulatorPinInfo', TEST);
        const def = this.#oneDef(dom, flags);
        const pin = getAttr(kid(miscGet(def, 'cputune'), 'emulatorpin'), 'cpuset');
        const bits = pin !== undefined ? cpusetBits(pin)
          : def.vcpu.cpuset ? cpusetBits(def.vcpu.cpuset) : hostCpuSet(this.host.node.info);
        return { cpumaps: bitsMap(bits, maplen), ret: 1 };
      },

      domainAddIOThread: async ({ dom, iothread_id, flags }) => {
        this.#iothread(dom, iothread_id, flags, 'testDomainAddIOThread', true);
      },
      domainDelIOThread: async ({ dom, iothread_id, flags }) => {
        this.#iothread(dom, iothread_id, flags, 'testDomainDelIOThread', false);
      },
      domainPinIOThread: async ({ dom, iothreads_id, cpumap, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainPinIOThread', TEST);
        const def = this.#oneDef(dom, flags);
        const bits = mapBits(cpumap);
        if (bits.size === 0) {
          throw VirtError.report(ErrorCode.INVALID_ARG, TEST, 'Empty iothread cpumap list for pinning');
        }
        const list = readIOThreads(def);
        const t = list.find((x) => x.id === iothreads_id);
        if (!t) throw VirtError.report(ErrorCode.INVALID_ARG, TEST, `iothreadid ${iothreads_id} not found`);
        t.cpuset = formatBitmap(bits);
        t.autofill = false;
        writeIOThreads(def, list);
      },
      domainGetIOThreadInfo: async ({ dom, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainGetIOThreadInfo', TEST);
        const def = this.#oneDef(dom, flags);
        const list = readIOThreads(def);
        const info = list.map((t) => {
          const bits = t.cpuset !== undefined ? cpusetBits(t.cpuset) : defaultAffinity(def);
          const len = Math.ceil((Math.max(def.vcpu.current, ...bits) + 1) / 8);
          return { iothread_id: t.id, cpumap: bitsMap(bits, len) };
        });
        return { info, ret: info.length };
      },
      domainSetIOThreadParams: async ({ dom, iothread_id, params, flags }) => {
        checkFlags(flags, AffectFlags.LIVE, 'testDomainSetIOThreadParams', TEST);
        if (iothread_id === 0) throw VirtError.report(ErrorCode.INVALID_ARG, TEST, 'invalid value of 0 for iothread_id');
        validateTypedParams(params, [['poll_max_ns', T.ULLONG], ['poll_grow', T.UINT], ['poll_shrink', T.UINT]]);
        const obj = this.#obj(dom);
        const def = this.host.domains.oneDef(obj, flags).def;
        const list = readIOThreads(def);
        if (!list.some((t) => t.id === iothread_id)) {
          throw VirtError.report(ErrorCode.INVALID_ARG, TEST, `cannot find IOThread '${iothread_id}' in iothreadids`);
        }
        // Kept beside the definition (never in the XML); an IOThread the list lacks fails without a reason.
        const stat = iothreadStats(obj).find((t) => t.id === iothread_id);
        if (!stat) throw new VirtError(ErrorCode.INTERNAL_ERROR, 'An error occurred, but the cause is unknown', TEST);
        for (const p of params) {
          if (p.field === 'poll_max_ns') stat.pollMaxNs = p.value as number;
          else if (p.field === 'poll_grow') stat.pollGrow = p.value as number;
          else if (p.field === 'poll_shrink') stat.pollShrink = p.value as number;
        }
      },

      domainGetMetadata: async ({ dom, type, uri, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainGetMetadata', TEST);
        const obj = this.#obj(dom);
        if (type < 0 || type > Metadata.ELEMENT) {
          throw VirtError.report(ErrorCode.INVALID_ARG, DOM, `unknown metadata type '${type}'`);
        }
        const def = this.host.domains.oneDef(obj, flags).def;
        let value: string | null | undefined = type === Metadata.DESCRIPTION ? def.description
          : type === Metadata.TITLE ? def.title : null;
        if (type === Metadata.ELEMENT && def.metadata) value = extractNamespace(def.metadata, uri ?? '');
        if (value === null || value === undefined) {
          throw VirtError.report(ErrorCode.NO_DOMAIN_METADATA, DOM, 'Requested metadata element is not present');
        }
        return { metadata: value };
      },
      domainSetMetadata: async ({ dom, type, metadata, key, uri, flags }) => {
        checkApiMetadata(type, metadata, key, uri);
        checkFlags(flags, AFFECT, 'testDomainSetMetadata', TEST);
        const obj = this.#obj(dom);
        if (type < 0 || type > Metadata.ELEMENT) {
          throw VirtError.report(ErrorCode.INVALID_ARG, DOM, `unknown metadata type '${type}'`);
        }
        const { live, persistent } = this.host.domains.defs(obj, flags);
        if (live) setMetadata(live, type, metadata, key, uri);
        if (persistent) setMetadata(persistent, type, metadata, key, uri);
      },

      domainGetPerfEvents: async ({ dom, flags }) => {
        checkFlags(flags, AFFECT | (1 << 2), 'testDomainGetPerfEvents', TEST);
        const def = this.#oneDef(dom, flags & ~(1 << 2));
        const on = new Set(kids(miscGet(def, 'perf'), 'event').filter((e) => getAttr(e, 'enabled') === 'yes')
          .map((e) => getAttr(e, 'name')));
        return { params: PERF_EVENTS.map((e): TypedParam => ({ field: e, type: T.BOOLEAN, value: on.has(e) })) };
      },
      domainSetPerfEvents: async ({ dom, params, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainSetPerfEvents', TEST);
        validateTypedParams(params, PERF_EVENTS.map((e): [string, number] => [e, T.BOOLEAN]));
        const def = this.#oneDef(dom, flags);
        const state = new Map<string, string>();
        for (const e of kids(miscGet(def, 'perf'), 'event')) state.set(getAttr(e, 'name') ?? '', getAttr(e, 'enabled') ?? '');
        for (const p of params) state.set(p.field, p.value ? 'yes' : 'no');
        const events = PERF_EVENTS.filter((e) => state.has(e))
          .map((e) => node('event', [['name', e], ['enabled', state.get(e)]]));
        miscSet(def, 'perf', events.length ? node('perf', [], events) : null);
      },

      domainSetLifecycleAction: async ({ dom, type, action, flags }) => {
        checkFlags(flags, AFFECT, 'testDomainSetLifecycleAction', TEST);
        const typeName = LIFECYCLE_TYPES[type];
        const actionName = LIFECYCLE_ACTIONS[action];
        if (typeName !== undefined && actionName !== undefined && action >= 5 && type !== 2) {
          // virDomainDefLifecycleActionAllowed: only crashes may dump core.
          throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, DOM,
            `Lifecycle event '${typeName}' doesn't support '${actionName}' action`);
        }
        const { live, persistent } = this.host.domains.defs(this.#obj(dom), flags);
        for (const def of [live, persistent]) {
          if (!def || typeName === undefined || !actionName) continue;
          if (type === 0) def.onPoweroff = actionName;
          else if (type === 1) def.onReboot = actionName;
          else def.onCrash = actionName;
        }
      },

      domainRename: async ({ dom, new_name, flags }) => {
        if (new_name === null) {
          throw VirtError.report(ErrorCode.INVALID_ARG, DOM, 'new_name in virDomainRename must not be NULL');
        }
        checkFlags(flags, 0, 'testDomainRename', TEST);
        const obj = this.#obj(dom);
        if (obj.isActive) throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, 'cannot rename active domain');
        if (!obj.persistent) throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, 'cannot rename a transient domain');
        if (obj.state !== St.SHUTOFF) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, 'domain has to be shutoff before renaming');
        }
        // virDomainObjListRename.
        if (obj.def.name === new_name) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM, "Can't rename domain to itself");
        }
        if (this.host.domains.objects.some((o) => o.def.name === new_name)) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM, `domain with name '${new_name}' already exists`);
        }
        if (new_name.includes('/')) {
          throw VirtError.report(ErrorCode.XML_ERROR, TEST, `name ${new_name} cannot contain '/'`);
        }
        this.host.domains.emitLifecycle(obj, Ev.UNDEFINED, EventUndefinedDetail.RENAMED);
        obj.def.name = new_name;
        this.host.domains.emitLifecycle(obj, Ev.DEFINED, EventDefinedDetail.RENAMED);
        return { retcode: 0 };
      },
    };
  }
}

/** virDomainSetMetadata's own argument checks. */
function checkApiMetadata(type: number, metadata: string | null, key: string | null, uri: string | null): void {
  const arg = (name: string, must: string) => VirtError.report(ErrorCode.INVALID_ARG, DOM,
    `${name} in virDomainSetMetadata ${must}`);
  if (type === Metadata.TITLE && metadata !== null && metadata.includes('\n')) {
    throw new VirtError(ErrorCode.INVALID_ARG, "metadata title can't contain newlines", DOM);
  }
  if (type === Metadata.TITLE || type === Metadata.DESCRIPTION) {
    if (uri !== null) throw arg('uri', 'must be NULL');
    if (key !== null) throw arg('key', 'must be NULL');
  } else if (type === Metadata.ELEMENT) {
    if (uri === null) throw arg('uri', 'must not be NULL');
    if (metadata !== null && key === null) throw arg('key', 'must not be NULL');
  }
}
