/**
 * Domain snapshots for the test driver: the definition (snapshot_conf.c's
 * virDomainSnapshotDefParse / virDomainSnapshotDefFormat), and the list of
 * snapshots a domain owns: a MomentList with the snapshot filters.
 */
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { parseXml, type XmlElement } from '../../util/xml.js';
import { SnapshotListFlags } from '../../conf/domain-constants.js';
import {
  domainDisks, formatDomainDef, parseDomainElement, type DomainDef,
} from '../../conf/domain-def.js';
import { escapeLibvirt, getAttr, kid, toXNode, type XNode } from '../../conf/domain-xml.js';
import { MomentList, MomentListFlags, type MomentObj } from './moment-list.js';
import { testXMLOption } from './domain-conf.js';

const SNAP = ErrorDomain.DOMAIN_SNAPSHOT;

/** virDomainSnapshotState names, indexed by number. */
export const SNAPSHOT_STATES = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed',
  'pmsuspended', 'disk-snapshot'] as const;
/** The virDomainSnapshotState values the code branches on. */
export const SnapshotState = { RUNNING: 1, PAUSED: 3, SHUTOFF: 5, DISK_SNAPSHOT: 8 } as const;

/** virDomainSnapshotLocation names; '' is the unset default. */
export type SnapshotLocation = '' | 'no' | 'internal' | 'external' | 'manual';
const LOCATIONS: SnapshotLocation[] = ['no', 'internal', 'external', 'manual'];

/** One `<disks><disk>` of a snapshot. */
export interface SnapshotDiskDef {
  name: string;
  snapshot: SnapshotLocation;
  /** Storage type ('file', 'block', 'network'); only written when a path or format is set. */
  type: string;
  format?: string;
  /** The `<source>` element as given. */
  source?: XNode;
  path?: string;
}

/** A snapshot definition (virDomainSnapshotDef). */
export interface SnapshotDef {
  name: string;
  description?: string;
  /** Index into SNAPSHOT_STATES; 0 when unset. */
  state: number;
  parent?: string;
  creationTime: number;
  memory: SnapshotLocation;
  memoryFile?: string;
  disks: SnapshotDiskDef[];
  dom?: DomainDef;
  inactiveDom?: DomainDef;
}

/** virDomainSnapshotParseFlags that change parsing. */
export interface SnapshotParseOptions {
  redefine: boolean;
  /** Host-file snapshots carry `<active>` (VIR_DOMAIN_SNAPSHOT_PARSE_INTERNAL). */
  internal?: boolean;
}

function snapError(code: number, detail: string): VirtError {
  return VirtError.report(code, SNAP, detail);
}

function sourcePath(src: XNode | undefined): string | undefined {
  if (!src) return undefined;
  return getAttr(src, 'file') ?? getAttr(src, 'dev') ?? getAttr(src, 'name');
}

function parseDisk(d: XNode): SnapshotDiskDef {
  const name = getAttr(d, 'name');
  if (name === undefined) throw snapError(ErrorCode.INTERNAL_ERROR, 'missing name from disk snapshot element');
  const loc = getAttr(d, 'snapshot');
  let snapshot: SnapshotLocation = '';
  if (loc !== undefined) {
    if (!LOCATIONS.includes(loc as SnapshotLocation)) {
      throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
        `Invalid value for attribute 'snapshot' in element 'disk': '${loc}'.`);
    }
    snapshot = loc as SnapshotLocation;
  }
  const type = getAttr(d, 'type') ?? 'file';
  if (type === 'volume' || type === 'dir') {
    throw snapError(ErrorCode.XML_ERROR, `unsupported disk snapshot type '${type}'`);
  }
  const disk: SnapshotDiskDef = { name, snapshot, type };
  const src = kid(d, 'source');
  if (src) {
    disk.source = src;
    const p = sourcePath(src);
    if (p !== undefined) disk.path = p;
  }
  const fmt = getAttr(kid(d, 'driver'), 'type');
  if (fmt !== undefined) {
    if (['none', 'auto', 'raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop',
      'cow', 'qcow', 'qcow2', 'qed', 'vmdk', 'luks'].indexOf(fmt) <= 0) {
      throw snapError(ErrorCode.CONFIG_UNSUPPORTED, `unknown disk snapshot driver '${fmt}'`);
    }
    disk.format = fmt;
  }
  if (disk.path !== undefined && type === 'file' && !isAbsolute(disk.path)) {
    throw snapError(ErrorCode.XML_ERROR, `disk snapshot image path '${disk.path}' must be absolute`);
  }
  if (disk.snapshot === '' && (disk.path !== undefined || disk.format !== undefined)) disk.snapshot = 'external';
  return disk;
}

/** virDomainSnapshotDefParseString / ParseNode. Returns the def and `<active>`. */
export function parseSnapshotXml(xml: string | XmlElement, opts: SnapshotParseOptions,
  inheritedNs?: Record<string, string>): { def: SnapshotDef; current: boolean } {
  const el = typeof xml === 'string' ? parseXml(xml, '(domain_snapshot)', ErrorDomain.DOMAIN_SNAPSHOT) : xml;
  if (el.name !== 'domainsnapshot') {
    if (typeof xml === 'string') {
      throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
        `expecting root element of 'domainsnapshot', not '${el.name}'`);
    }
    throw snapError(ErrorCode.XML_ERROR, 'domainsnapshot');
  }
  const root = toXNode(el);
  const text = (n: string) => {
    const c = kid(root, n);
    return c ? c.text : undefined;
  };
  const name = text('name');
  if (name === undefined && opts.redefine) throw snapError(ErrorCode.XML_ERROR, 'a redefined snapshot must have a name');
  const def: SnapshotDef = { name: name ?? '', state: 0, creationTime: 0, memory: '', disks: [] };
  const description = text('description');
  if (description !== undefined) def.description = description;
  let offline = false;
  if (opts.redefine) {
    const ct = text('creationTime')?.trim();
    if (ct === undefined || !/^-?\d+$/.test(ct)) {
      throw snapError(ErrorCode.INTERNAL_ERROR, 'missing creationTime from existing snapshot');
    }
    def.creationTime = Number(ct);
    const parentName = kid(kid(root, 'parent'), 'name')?.text;
    if (parentName !== undefined) def.parent = parentName;
    const state = text('state');
    if (state === undefined) throw snapError(ErrorCode.XML_ERROR, 'missing state from existing snapshot');
    const st = (SNAPSHOT_STATES as readonly string[]).indexOf(state);
    if (st <= 0) throw snapError(ErrorCode.CONFIG_UNSUPPORTED, `Invalid state '${state}' in domain snapshot XML`);
    def.state = st;
    offline = st === SnapshotState.SHUTOFF || st === SnapshotState.DISK_SNAPSHOT;
    const domEl = el.children.find((c) => c.name === 'domain');
    if (domEl && domEl.attrs['type'] !== undefined) {
      def.dom = parseDomainElement(domEl, testXMLOption, inheritedNs ? { inheritedNs } : {});
    }
    const inactiveEl = el.children.find((c) => c.name === 'inactiveDomain');
    if (inactiveEl) def.inactiveDom = parseDomainElement({ ...inactiveEl, name: 'domain' }, testXMLOption, {});
  } else {
    // virDomainMomentDefPostParse: creation time now, named after it by default.
    def.creationTime = Math.floor(Date.now() / 1000);
    if (name === undefined) def.name = String(def.creationTime);
  }

  const mem = kid(root, 'memory');
  if (mem) {
    const file = getAttr(mem, 'file');
    if (file !== undefined) def.memoryFile = file;
    const loc = getAttr(mem, 'snapshot');
    if (loc !== undefined) {
      if (!LOCATIONS.includes(loc as SnapshotLocation)) {
        throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
          `Invalid value for attribute 'snapshot' in element 'memory': '${loc}'.`);
      }
      def.memory = loc as SnapshotLocation;
    }
    if (def.memory === 'manual') throw snapError(ErrorCode.XML_ERROR, "'manual' memory snapshot mode not supported");
  }
  if (def.memory === '') {
    if (def.memoryFile !== undefined) def.memory = 'external';
    else if (opts.redefine) def.memory = offline ? 'no' : 'internal';
  }
  if (def.memoryFile !== undefined && def.memory !== 'external') {
    throw snapError(ErrorCode.XML_ERROR, `memory filename '${def.memoryFile}' requires external snapshot`);
  }
  if (def.memoryFile === undefined && def.memory === 'external') {
    throw snapError(ErrorCode.XML_ERROR, 'external memory snapshots require a filename');
  }
  if (offline && def.memory !== '' && def.memory !== 'no') {
    throw snapError(ErrorCode.XML_ERROR, 'memory state cannot be saved with offline or disk-only snapshot');
  }
  if (def.memoryFile !== undefined && !isAbsolute(def.memoryFile)) {
    throw snapError(ErrorCode.XML_ERROR, `memory snapshot file path (${def.memoryFile}) must be absolute`);
  }
  for (const d of kid(root, 'disks')?.children ?? []) def.disks.push(parseDisk(d));

  let current = false;
  if (opts.internal) {
    const active = text('active')?.trim();
    if (active === undefined || !/^-?\d+$/.test(active)) {
      throw snapError(ErrorCode.INTERNAL_ERROR, "Could not find 'active' element");
    }
    current = Number(active) !== 0;
  }
  return { def, current };
}

/**
 * virDomainSnapshotAlignDisks: one entry per domain disk, in domain order,
 * with defaults filled in from the domain and `defaultLoc`.
 */
export function alignSnapshotDisks(def: SnapshotDef, dom: DomainDef, defaultLoc: SnapshotLocation,
  uniformInternal: boolean): void {
  const disks = domainDisks(dom);
  if (def.disks.length > disks.length) {
    throw snapError(ErrorCode.CONFIG_UNSUPPORTED, 'too many disk snapshot requests for domain');
  }
  const requireMatch = uniformInternal && defaultLoc === 'internal';
  if (disks.length === 0) return;
  const domSnapshot = (i: number): SnapshotLocation => {
    const d = disks[i]!;
    if (d.snapshot !== undefined) return d.snapshot as SnapshotLocation;
    return d.readonly ? 'no' : '';
  };
  const map = new Map<string, SnapshotDiskDef>();
  for (const sd of def.disks) {
    let idx = disks.findIndex((d) => d.dst === sd.name);
    if (idx < 0) idx = disks.findIndex((d) => d.sourcePath !== undefined && d.sourcePath === sd.name);
    if (idx < 0) throw snapError(ErrorCode.CONFIG_UNSUPPORTED, `no disk named '${sd.name}'`);
    const dd = disks[idx]!;
    if (map.has(dd.dst)) throw snapError(ErrorCode.CONFIG_UNSUPPORTED, `disk '${sd.name}' specified twice`);
    map.set(dd.dst, sd);
    const ds = domSnapshot(idx);
    if (sd.snapshot === '') {
      sd.snapshot = ds !== '' && (!requireMatch || ds === 'no') ? ds : defaultLoc;
    } else if (requireMatch && sd.snapshot !== defaultLoc && !(sd.snapshot === 'no' && ds === 'no')) {
      throw snapError(ErrorCode.CONFIG_UNSUPPORTED, `disk '${sd.name}' must use snapshot mode '${defaultLoc}'`);
    }
    if (sd.path !== undefined && sd.snapshot !== 'external') {
      throw snapError(ErrorCode.CONFIG_UNSUPPORTED,
        `file '${sd.path}' for disk '${sd.name}' requires use of external snapshot mode`);
    }
    sd.name = dd.dst;
  }
  def.disks = disks.map((d, i) => {
    const existing = map.get(d.dst);
    if (existing) return existing;
    let snapshot: SnapshotLocation = d.hasSource ? domSnapshot(i) : 'no';
    if (snapshot === '') snapshot = defaultLoc;
    return { name: d.dst, snapshot, type: 'file' };
  });
  // virDomainSnapshotDefAssignExternalNames.
  def.disks.forEach((sd, i) => {
    if (sd.snapshot !== 'external' || sd.path !== undefined) return;
    if (sd.type !== 'file') {
      throw snapError(ErrorCode.CONFIG_UNSUPPORTED,
        `cannot generate external snapshot name for disk '${sd.name}' on a '${sd.type}' device`);
    }
    const orig = disks[i]!.sourcePath;
    if (orig === undefined) {
      throw snapError(ErrorCode.CONFIG_UNSUPPORTED,
        `cannot generate external snapshot name for disk '${sd.name}' without source`);
    }
    let regular = false;
    try { regular = statSync(orig).isFile(); } catch { regular = false; }
    if (!regular) {
      throw snapError(ErrorCode.CONFIG_UNSUPPORTED,
        `source for disk '${sd.name}' is not a regular file; refusing to generate external snapshot name`);
    }
    const dot = orig.lastIndexOf('.');
    const base = dot >= 0 && !orig.slice(dot).includes('/') ? orig.slice(0, dot) : orig;
    sd.path = `${base}.${def.name}`;
    for (let j = 0; j < i; j++) {
      if (def.disks[j]!.path === sd.path) {
        throw snapError(ErrorCode.CONFIG_UNSUPPORTED,
          `cannot generate external snapshot name for disk '${sd.name}': collision with disk '${def.disks[j]!.name}'`);
      }
    }
  });
}

/** virDomainSnapshotDefIsExternal. */
export function isExternal(def: SnapshotDef): boolean {
  return def.memory === 'external' || def.disks.some((d) => d.snapshot === 'external');
}

/** virDomainSnapshotDefFormat. */
export function formatSnapshotDef(def: SnapshotDef, uuid: string, secure: boolean,
  internal?: { current: boolean }): string {
  const out: string[] = ['<domainsnapshot>\n'];
  out.push(`  <name>${escapeLibvirt(def.name)}</name>\n`);
  if (def.description !== undefined) out.push(`  <description>${escapeLibvirt(def.description)}</description>\n`);
  if (def.state) out.push(`  <state>${SNAPSHOT_STATES[def.state]}</state>\n`);
  if (def.parent !== undefined) out.push(`  <parent>\n    <name>${escapeLibvirt(def.parent)}</name>\n  </parent>\n`);
  if (def.creationTime) out.push(`  <creationTime>${def.creationTime}</creationTime>\n`);
  if (def.memory !== '') {
    const file = def.memoryFile !== undefined ? ` file='${escapeLibvirt(def.memoryFile)}'` : '';
    out.push(`  <memory snapshot='${def.memory}'${file}/>\n`);
  }
  if (def.disks.length > 0) {
    out.push('  <disks>\n');
    for (const d of def.disks) {
      let attrs = ` name='${escapeLibvirt(d.name)}'`;
      if (d.snapshot !== '') attrs += ` snapshot='${d.snapshot}'`;
      if (d.path !== undefined || d.format !== undefined) {
        attrs += ` type='${escapeLibvirt(d.type)}'`;
        out.push(`    <disk${attrs}>\n`);
        if (d.format !== undefined) out.push(`      <driver type='${escapeLibvirt(d.format)}'/>\n`);
        if (d.path !== undefined) {
          const key = d.type === 'block' ? 'dev' : d.type === 'network' ? 'name' : 'file';
          out.push(`      <source ${key}='${escapeLibvirt(d.path)}'/>\n`);
        }
        out.push('    </disk>\n');
      } else {
        out.push(`    <disk${attrs}/>\n`);
      }
    }
    out.push('  </disks>\n');
  }
  if (def.dom) out.push(formatDomainDef(def.dom, testXMLOption, { inactive: true, secure }, 1));
  else out.push(`  <domain>\n    <uuid>${uuid}</uuid>\n  </domain>\n`);
  if (def.inactiveDom) {
    out.push(formatDomainDef(def.inactiveDom, testXMLOption, { inactive: true, secure, rootName: 'inactiveDomain' }, 1));
  }
  if (internal) out.push(`  <active>${internal.current ? 1 : 0}</active>\n`);
  out.push('</domainsnapshot>\n');
  return out.join('');
}

// ---------------------------------------------------------------------------
// The snapshot tree (virDomainSnapshotObjList over virDomainMomentObjList).

/** A snapshot in its domain's tree. */
export type SnapshotObj = MomentObj<SnapshotDef>;

/** A domain's snapshots (virDomainSnapshotObjList). */
export class SnapshotList extends MomentList<SnapshotDef> {
  /**
   * virDomainSnapshotObjListGetNames / virDomainListSnapshots: the snapshots
   * under `from` (null: the whole list) that pass the filters.
   */
  list(from: SnapshotObj | null, flags: number): SnapshotObj[] {
    const F = SnapshotListFlags;
    const M = MomentListFlags;
    // virDomainSnapshotObjListGetNames' translation into the common flags.
    const map: Array<[number, number]> = [[F.ROOTS, M.ROOTS], [F.TOPOLOGICAL, M.TOPOLOGICAL], [F.LEAVES, M.LEAVES],
      [F.NO_LEAVES, M.NO_LEAVES], [F.METADATA, M.METADATA], [F.NO_METADATA, M.NO_METADATA]];
    let common = 0;
    for (const [s, m] of map) if (flags & s) common |= m;
    return this.collect(from, common, (def) => snapshotFilter(def, flags));
  }
}

/** virDomainSnapshotFilter: status and location filters. */
function snapshotFilter(def: SnapshotDef, flags: number): boolean {
  const F = SnapshotListFlags;
  const status = F.INACTIVE | F.ACTIVE | F.DISK_ONLY;
  if (flags & status) {
    if (!(flags & F.INACTIVE) && def.state === SnapshotState.SHUTOFF) return false;
    if (!(flags & F.DISK_ONLY) && def.state === SnapshotState.DISK_SNAPSHOT) return false;
    if (!(flags & F.ACTIVE) && def.state !== SnapshotState.SHUTOFF && def.state !== SnapshotState.DISK_SNAPSHOT) {
      return false;
    }
  }
  const loc = F.INTERNAL | F.EXTERNAL;
  if ((flags & loc) !== loc) {
    if ((flags & F.INTERNAL) && isExternal(def)) return false;
    if ((flags & F.EXTERNAL) && !isExternal(def)) return false;
  }
  return true;
}
