/**
 * The "Snapshot" group (tools/virsh-snapshot.c).
 */
import type { Domain, DomainSnapshot } from '../../api/index.js';
import { ErrorCode } from '../../errors.js';
import { parseXml, type XmlElement } from '../../util/xml.js';
import { DOMAIN_OPT, type CmdDef, type ParsedCommand } from '../command.js';
import { escapeXml, strcasecmp, Table, treeLines, XmlBuffer } from '../format.js';
import { freeAll, optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { editFlow } from '../edit.js';
import { dumpXML, readFileAll } from '../util.js';
import { exclusive, stringToArray } from './domain.js';

/** virDomainSnapshotCreateFlags. */
const Create = {
  REDEFINE: 1, CURRENT: 2, NO_METADATA: 4, HALT: 8, DISK_ONLY: 16, REUSE_EXT: 32, QUIESCE: 64, ATOMIC: 128,
  LIVE: 256, VALIDATE: 512,
} as const;
/** virDomainSnapshotListFlags. */
const List = {
  ROOTS: 1, DESCENDANTS: 1, METADATA: 2, LEAVES: 4, NO_LEAVES: 8, NO_METADATA: 16, INACTIVE: 32, ACTIVE: 64,
  DISK_ONLY: 128, INTERNAL: 256, EXTERNAL: 512, TOPOLOGICAL: 1024,
} as const;
const FILTERS_STATUS = List.INACTIVE | List.ACTIVE | List.DISK_ONLY;
const FILTERS_LOCATION = List.INTERNAL | List.EXTERNAL;
/** virDomainSnapshotRevertFlags. */
const Revert = { RUNNING: 1, PAUSED: 2, FORCE: 4, RESET_NVRAM: 8 } as const;
/** virDomainSnapshotDeleteFlags. */
const Delete = { CHILDREN: 1, METADATA_ONLY: 2, CHILDREN_ONLY: 4 } as const;
/** VIR_DOMAIN_XML_SECURE. */
const XML_SECURE = 1;

/** virshSnapshotCreate: the helper of snapshot-create and snapshot-create-as (`from`: the XML file). */
async function snapshotCreate(ctl: Shell, dom: Domain, buffer: string, flags: number,
  from?: string): Promise<boolean> {
  let snap = await ctl.attempt(dom.snapshotCreateXML(buffer, flags));
  // --validate not understood: try again without it.
  if (snap === FAIL && ctl.lastErrorCode === ErrorCode.NO_SUPPORT) {
    flags &= ~Create.VALIDATE;
    snap = await ctl.attempt(dom.snapshotCreateXML(buffer, flags));
  }
  let halt = false;
  // Emulate --halt on servers that reject it.
  if (snap === FAIL && ctl.lastErrorCode === ErrorCode.INVALID_ARG && (flags & Create.HALT)) {
    ctl.resetError();
    const persistent = await ctl.attempt(dom.isPersistent());
    if (persistent === FAIL) {
      ctl.reportError();
      return false;
    }
    if (!persistent) {
      ctl.error('cannot halt after snapshot of transient domain');
      return false;
    }
    if (await ctl.attempt(dom.isActive()) === true) halt = true;
    flags &= ~Create.HALT;
    snap = await ctl.attempt(dom.snapshotCreateXML(buffer, flags));
  }
  if (snap === FAIL) return false;
  using s = snap;
  if (halt && await ctl.attempt(dom.destroy()) === FAIL) {
    ctl.reportError();
    return false;
  }
  ctl.printExtra(from !== undefined ? `Domain snapshot ${s.getName()} created from '${from}'`
    : `Domain snapshot ${s.getName()} created`);
  return true;
}

async function cmdSnapshotCreate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  const bits: [string, number][] = [['redefine', Create.REDEFINE], ['current', Create.CURRENT],
    ['no-metadata', Create.NO_METADATA], ['halt', Create.HALT], ['disk-only', Create.DISK_ONLY],
    ['reuse-external', Create.REUSE_EXT], ['quiesce', Create.QUIESCE], ['atomic', Create.ATOMIC],
    ['live', Create.LIVE], ['validate', Create.VALIDATE]];
  for (const [n, b] of bits) if (cmd.bool(n)) flags |= b;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const from = cmd.string(ctl, 'xmlfile');
  if (from === null) return false;
  let buffer = '<domainsnapshot/>';
  if (from !== undefined) {
    const text = readFileAll(ctl, from);
    if (text === null) return false;
    buffer = text;
  }
  return snapshotCreate(ctl, dom, buffer, flags, from);
}

/** virshParseSnapshotMemspec. */
function memspec(ctl: Shell, buf: XmlBuffer, str: string): boolean {
  let snapshot: string | null = null;
  let file: string | null = null;
  for (const item of stringToArray(str)) {
    if (snapshot === null && item.startsWith('snapshot=')) snapshot = item.slice('snapshot='.length);
    else if (file === null && item.startsWith('file=')) file = item.slice('file='.length);
    else if (file === null && item.startsWith('/')) file = item;
    else {
      ctl.error(`unable to parse memspec: ${str}`);
      return false;
    }
  }
  let s = '<memory';
  if (snapshot !== null) s += ` snapshot='${escapeXml(snapshot)}'`;
  if (file !== null) s += ` file='${escapeXml(file)}'`;
  buf.add(`${s}/>\n`);
  return true;
}

/** virshParseSnapshotDiskspec. */
function diskspec(ctl: Shell, buf: XmlBuffer, str: string): boolean {
  const fail = () => {
    ctl.error(`unable to parse diskspec: ${str}`);
    return false;
  };
  const array = stringToArray(str);
  const name = array[0]!;
  let snapshot: string | null = null;
  let driver: string | null = null;
  let stype: string | null = null;
  let file: string | null = null;
  for (const item of array.slice(1)) {
    if (snapshot === null && item.startsWith('snapshot=')) snapshot = item.slice(9);
    else if (driver === null && item.startsWith('driver=')) driver = item.slice(7);
    else if (stype === null && item.startsWith('stype=')) stype = item.slice(6);
    else if (file === null && item.startsWith('file=')) file = item.slice(5);
    else return fail();
  }
  let s = `<disk name='${escapeXml(name)}'`;
  if (snapshot !== null) s += ` snapshot='${snapshot}'`;
  let isFile = true;
  if (stype !== null) {
    if (stype === 'block') {
      isFile = false;
    } else if (stype !== 'file') {
      ctl.error(`Unknown storage type: '${stype}'`);
      return fail();
    }
    s += ` type='${stype}'`;
  }
  if (driver !== null || file !== null) {
    buf.add(`${s}>\n`).indent(2);
    if (driver !== null) buf.add(`<driver type='${driver}'/>\n`);
    if (file !== null) buf.add(isFile ? `<source file='${escapeXml(file)}'/>\n` : `<source dev='${escapeXml(file)}'/>\n`);
    buf.indent(-2).add('</disk>\n');
  } else {
    buf.add(`${s}/>\n`);
  }
  return true;
}

async function cmdSnapshotCreateAs(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  const bits: [string, number][] = [['no-metadata', Create.NO_METADATA], ['halt', Create.HALT],
    ['disk-only', Create.DISK_ONLY], ['reuse-external', Create.REUSE_EXT], ['quiesce', Create.QUIESCE],
    ['atomic', Create.ATOMIC], ['live', Create.LIVE], ['validate', Create.VALIDATE]];
  for (const [n, b] of bits) if (cmd.bool(n)) flags |= b;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const name = cmd.string(ctl, 'name');
  if (name === null) return false;
  const desc = cmd.string(ctl, 'description');
  if (desc === null) return false;
  const buf = new XmlBuffer();
  buf.add('<domainsnapshot>\n').indent(2);
  if (name !== undefined) buf.add(`<name>${escapeXml(name)}</name>\n`);
  if (desc !== undefined) buf.add(`<description>${escapeXml(desc)}</description>\n`);
  const mem = cmd.string(ctl, 'memspec');
  if (mem === null) return false;
  if (mem !== undefined && !memspec(ctl, buf, mem)) return false;
  if (cmd.bool('diskspec')) {
    buf.add('<disks>\n').indent(2);
    for (const spec of cmd.argv()) if (!diskspec(ctl, buf, spec)) return false;
    buf.indent(-2).add('</disks>\n');
  }
  buf.indent(-2).add('</domainsnapshot>\n');
  const xml = buf.toString();
  if (cmd.bool('print-xml')) {
    ctl.print(`${xml}\n`);
    return true;
  }
  return snapshotCreate(ctl, dom, xml, flags);
}

/**
 * virshLookupSnapshot: `--<arg> name` or `--current` (both at once refused
 * when `exclusive`). Null after an error (reported).
 */
async function lookupSnapshot(ctl: Shell, cmd: ParsedCommand, arg: string, dom: Domain, exclusive = true):
  Promise<{ snap: DomainSnapshot; name: string } | null> {
  const current = cmd.bool('current');
  const snapname = cmd.string(ctl, arg);
  if (snapname === null) return null;
  if (exclusive && current && snapname !== undefined) {
    ctl.error(`--${arg} and --current are mutually exclusive`);
    return null;
  }
  let snap: DomainSnapshot | typeof FAIL;
  if (snapname !== undefined) {
    snap = await ctl.attempt(dom.snapshotLookupByName(snapname, 0));
  } else if (current) {
    snap = await ctl.attempt(dom.snapshotCurrent(0));
  } else {
    ctl.error(`--${arg} or --current is required`);
    return null;
  }
  if (snap === FAIL) {
    ctl.reportError();
    return null;
  }
  return { snap, name: snap.getName() };
}

async function cmdSnapshotDelete(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const found = await lookupSnapshot(ctl, cmd, 'snapshotname', dom);
  if (!found) return false;
  using snap = found.snap;
  let flags = 0;
  if (cmd.bool('children')) flags |= Delete.CHILDREN;
  if (cmd.bool('children-only')) flags |= Delete.CHILDREN_ONLY;
  if (cmd.bool('metadata')) flags |= Delete.METADATA_ONLY;
  if (await ctl.attempt(snap.delete(flags)) === FAIL) {
    ctl.error(`Failed to delete snapshot ${found.name}`);
    return false;
  }
  ctl.printExtra(flags & Delete.CHILDREN_ONLY ? `Domain snapshot ${found.name} children deleted\n`
    : `Domain snapshot ${found.name} deleted\n`);
  return true;
}

async function cmdSnapshotDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool('security-info') ? XML_SECURE : 0;
  const name = cmd.string(ctl, 'snapshotname');
  if (name == null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const snap = await ctl.attempt(dom.snapshotLookupByName(name, 0));
  if (snap === FAIL) return false;
  using s = snap;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const xml = await ctl.attempt(s.getXMLDesc(flags));
  if (xml === FAIL) return false;
  return dumpXML(ctl, xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}

/** The text of the element at a child path, or null (virXPathString gives NULL for ""). */
function xpathString(root: XmlElement, path: string[]): string | null {
  let cur: XmlElement | undefined = root;
  for (const name of path) cur = cur?.children.find((c) => c.name === name);
  if (!cur) return null;
  const text = allText(cur);
  return text === '' ? null : text;
}

function allText(e: XmlElement): string {
  return e.text + e.children.map(allText).join('');
}

function parseSnapshotXml(ctl: Shell, xml: string): XmlElement | null {
  try {
    const root = parseXml(xml, '(domain_snapshot)');
    return root.name === 'domainsnapshot' ? root : null;
  } catch (e) {
    ctl.saveError(e);
    return null;
  }
}

/** virshGetSnapshotParent: the parent's name, null for a root; FAIL after reporting. */
async function snapshotParent(ctl: Shell, snap: DomainSnapshot): Promise<string | null | typeof FAIL> {
  const parent = await ctl.attempt(snap.getParent(0));
  if (parent !== FAIL) {
    const name = parent.getName();
    parent.free();
    ctl.resetError();
    return name;
  }
  if (ctl.lastErrorCode === ErrorCode.NO_DOMAIN_SNAPSHOT) {
    ctl.resetError();
    return null;
  }
  // The API failed otherwise: scrape the XML instead.
  const xml = await ctl.attempt(snap.getXMLDesc(0));
  const root = xml === FAIL ? null : parseSnapshotXml(ctl, xml);
  if (!root) {
    ctl.reportError();
    ctl.error('unable to determine if snapshot has parent');
    return FAIL;
  }
  ctl.resetError();
  return xpathString(root, ['parent', 'name']);
}

/** virshSnapshotFilter: the status/location filters done from the snapshot XML. */
async function snapshotFilter(ctl: Shell, snap: DomainSnapshot, flags: number): Promise<number> {
  const xml = await ctl.attempt(snap.getXMLDesc(0));
  if (xml === FAIL) return -1;
  const root = parseSnapshotXml(ctl, xml);
  if (!root) return -1;
  const state = xpathString(root, ['state']);
  if (state === null) {
    ctl.error('unable to perform snapshot filtering');
    return -1;
  }
  if (state === 'disk-snapshot') return (flags & List.DISK_ONLY) && (flags & List.EXTERNAL) ? 1 : 0;
  if (!(flags & List.INTERNAL)) return 0;
  if (state === 'shutoff') return flags & List.INACTIVE ? 1 : 0;
  return flags & List.ACTIVE ? 1 : 0;
}

interface SnapEntry { snap: DomainSnapshot; parent: string | null }

/** virshSnapshotListCollect, with the listing APIs of libvirt 1.0.1 and later. */
async function collectSnapshots(ctl: Shell, dom: Domain, from: DomainSnapshot | null, origFlags: number,
  tree: boolean): Promise<SnapEntry[] | null> {
  let flags = origFlags;
  let filterFallback = false;
  const list = () => (from ? from.listAllChildren(flags) : dom.listAllSnapshots(flags));
  let snaps = await ctl.attempt(list());
  if (snaps === FAIL && ctl.lastErrorCode === ErrorCode.INVALID_ARG && (flags & (FILTERS_STATUS | FILTERS_LOCATION))) {
    flags &= ~(FILTERS_STATUS | FILTERS_LOCATION);
    ctl.resetError();
    filterFallback = true;
    snaps = await ctl.attempt(list());
  }
  if (snaps === FAIL) return null;
  const entries: SnapEntry[] = snaps.map((snap) => ({ snap, parent: null }));
  const release = () => entries.forEach((e) => e.snap.free());
  if (tree) {
    for (const e of entries) {
      const p = await snapshotParent(ctl, e.snap);
      if (p === FAIL) {
        release();
        return null;
      }
      e.parent = p;
    }
    if (from) entries.push({ snap: dom.wrapSnapshot(from.ref), parent: null });
  }
  let kept = entries;
  if (filterFallback) {
    kept = [];
    const all = origFlags | FILTERS_STATUS | FILTERS_LOCATION;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const m = await snapshotFilter(ctl, e.snap, all);
      if (m < 0) {
        freeAll(kept.map((k) => k.snap));
        freeAll(entries.slice(i).map((k) => k.snap));
        return null;
      }
      if (m) kept.push(e);
      else e.snap.free();
    }
  }
  if (!(origFlags & List.TOPOLOGICAL)) kept.sort((a, b) => strcasecmp(a.snap.getName(), b.snap.getName()));
  return kept;
}

/** g_date_time_format(local, "%Y-%m-%d %H:%M:%S %z"). */
export function localTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} `
    + `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${sign}${p2(Math.floor(abs / 60))}${p2(abs % 60)}`;
}

async function cmdSnapshotList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const tree = cmd.bool('tree');
  const name = cmd.bool('name');
  const from = cmd.bool('from');
  const parent = cmd.bool('parent');
  const roots = cmd.bool('roots');
  const current = cmd.bool('current');
  if (!exclusive(ctl, 'tree', tree, 'name', name)) return false;
  if (!exclusive(ctl, 'parent', parent, 'roots', roots)) return false;
  if (!exclusive(ctl, 'parent', parent, 'tree', tree)) return false;
  if (!exclusive(ctl, 'roots', roots, 'tree', tree)) return false;
  if (!exclusive(ctl, 'roots', roots, 'from', from)) return false;
  if (!exclusive(ctl, 'roots', roots, 'current', current)) return false;
  let flags = 0;
  const filters: [string, number][] = [['leaves', List.LEAVES], ['no-leaves', List.NO_LEAVES],
    ['inactive', List.INACTIVE], ['active', List.ACTIVE], ['disk-only', List.DISK_ONLY],
    ['internal', List.INTERNAL], ['external', List.EXTERNAL]];
  for (const [opt, flag] of filters) {
    if (!cmd.bool(opt)) continue;
    if (tree) {
      ctl.error(`--${opt} and --tree are mutually exclusive`);
      return false;
    }
    flags |= flag;
  }
  if (cmd.bool('topological')) flags |= List.TOPOLOGICAL;
  if (roots) flags |= List.ROOTS;
  if (cmd.bool('metadata')) flags |= List.METADATA;
  if (cmd.bool('no-metadata')) flags |= List.NO_METADATA;
  if (cmd.bool('descendants')) {
    if (!from && !current) {
      ctl.error('--descendants requires either --from or --current');
      return false;
    }
    flags |= List.DESCENDANTS;
  }
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  let start: DomainSnapshot | null = null;
  if (from || current) {
    const found = await lookupSnapshot(ctl, cmd, 'from', dom);
    if (!found) return false;
    start = found.snap;
  }
  try {
    const list = await collectSnapshots(ctl, dom, start, flags, tree);
    if (!list) return false;
    try {
      if (tree) {
        const names = list.map((e) => e.snap.getName());
        const parents = list.map((e) => e.parent);
        for (let i = 0; i < list.length; i++) if (parents[i] === null) ctl.print(treeLines(names, parents, i));
        return true;
      }
      const table = name ? null
        : parent ? new Table('Name', 'Creation Time', 'State', 'Parent') : new Table('Name', 'Creation Time', 'State');
      for (const { snap } of list) {
        const snapName = snap.getName();
        if (name) {
          ctl.print(`${snapName}\n`);
          continue;
        }
        const xml = await ctl.attempt(snap.getXMLDesc(0));
        if (xml === FAIL) continue;
        const root = parseSnapshotXml(ctl, xml);
        if (!root) continue;
        const parentSnap = parent ? xpathString(root, ['parent', 'name']) : null;
        const state = xpathString(root, ['state']);
        if (state === null) continue;
        const created = xpathString(root, ['creationTime']);
        if (created === null || !/^[ \t\n\v\f\r]*[+-]?\d+$/.test(created)) continue;
        const when = localTime(Number(created));
        if (parent) table!.add(snapName, when, state, parentSnap ?? '');
        else table!.add(snapName, when, state);
      }
      if (table) ctl.print(table.render(!ctl.quiet, ctl.io.env));
      return true;
    } finally {
      freeAll(list.map((e) => e.snap));
    }
  } finally {
    start?.free();
  }
}

async function cmdSnapshotEdit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const renameOkay = cmd.bool('rename');
  const cloneOkay = cmd.bool('clone');
  if (!exclusive(ctl, 'rename', renameOkay, 'clone', cloneOkay)) return false;
  let defineFlags: number = Create.REDEFINE;
  if (cmd.bool('current') && cmd.bool('snapshotname')) defineFlags |= Create.CURRENT;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const found = await lookupSnapshot(ctl, cmd, 'snapshotname', dom, false);
  if (!found) return false;
  using snap = found.snap;
  const name = found.name;
  const ok = await snapshotEdit(ctl, dom, snap, name, defineFlags, renameOkay, cloneOkay);
  if (!ok) ctl.error(`Failed to update ${name}`);
  return ok;
}

/** The edit and what follows it: a new name is refused, cloned, or renamed to. */
async function snapshotEdit(ctl: Shell, dom: Domain, snap: DomainSnapshot, name: string, defineFlags: number,
  renameOkay: boolean, cloneOkay: boolean): Promise<boolean> {
  // EDIT_DEFINE looks for a disk-only state in the document as last read, not the edited one.
  let doc = '';
  const r = await editFlow(ctl, {
    dump: async () => (doc = await snap.getXMLDesc(XML_SECURE)),
    define: (xml) => dom.snapshotCreateXML(xml,
      doc.includes('<state>disk-snapshot</state>') ? defineFlags | Create.DISK_ONLY : defineFlags),
    redefineUnchanged: (defineFlags & Create.CURRENT) !== 0,
  });
  if (r.kind === 'failed') return false;
  if (r.kind === 'unchanged') {
    ctl.printExtra(`Snapshot ${name} XML configuration not changed.\n`);
    return true;
  }
  // virsh 9.0 goes on with a NULL snapshot here and crashes; tsvirsh stops.
  if (r.value === null) return false;
  using edited = r.value;
  const editedName = edited.getName();
  if (editedName === name) {
    ctl.printExtra(`Snapshot ${name} edited.\n`);
    return true;
  }
  if (cloneOkay) {
    ctl.printExtra(`Snapshot ${name} cloned to ${editedName}.\n`);
    return true;
  }
  if (await ctl.attempt((renameOkay ? snap : edited).delete(Delete.METADATA_ONLY)) === FAIL) {
    ctl.reportError();
    ctl.error(`Failed to clean up ${renameOkay ? name : editedName}`);
    return false;
  }
  if (!renameOkay) {
    ctl.error(`Must use --rename or --clone to change ${name} to ${editedName}`);
    return false;
  }
  return true;
}

async function cmdSnapshotCurrent(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool('security-info') ? XML_SECURE : 0;
  if (!exclusive(ctl, 'name', cmd.bool('name'), 'snapshotname', cmd.bool('snapshotname'))) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  // virsh reports whatever library error is left once it gives up.
  const ok = await snapshotCurrent(ctl, cmd, dom, r.name, flags);
  if (!ok) ctl.reportError();
  return ok;
}

async function snapshotCurrent(ctl: Shell, cmd: ParsedCommand, dom: Domain, domname: string,
  flags: number): Promise<boolean> {
  const snapshotname = cmd.string(ctl, 'snapshotname');
  if (snapshotname === null) return false;
  if (snapshotname !== undefined) {
    const snap = await ctl.attempt(dom.snapshotLookupByName(snapshotname, 0));
    if (snap === FAIL) return false;
    using s = snap;
    const xml = await ctl.attempt(s.getXMLDesc(XML_SECURE));
    if (xml === FAIL) return false;
    let createFlags = Create.REDEFINE | Create.CURRENT;
    if (xml.includes('<state>disk-snapshot</state>')) createFlags |= Create.DISK_ONLY;
    const again = await ctl.attempt(dom.snapshotCreateXML(xml, createFlags));
    if (again === FAIL) return false;
    again.free();
    ctl.printExtra(`Snapshot ${snapshotname} set as current`);
    return true;
  }
  const current = await ctl.attempt(dom.hasCurrentSnapshot(0));
  if (current === FAIL) return false;
  if (!current) {
    ctl.error(`domain '${domname}' has no current snapshot`);
    return false;
  }
  const snap = await ctl.attempt(dom.snapshotCurrent(0));
  if (snap === FAIL) return false;
  using s = snap;
  if (cmd.bool('name')) {
    ctl.print(s.getName());
    return true;
  }
  const xml = await ctl.attempt(s.getXMLDesc(flags));
  if (xml === FAIL) return false;
  ctl.print(xml);
  return true;
}

/** snapshot-info's Location: from `<memory>` and the disks, or (older XML) the disk-only state. */
function isExternalSnapshot(root: XmlElement, state: string): boolean {
  const memory = root.children.find((c) => c.name === 'memory');
  if (!memory) return state === 'disk-snapshot';
  if (memory.attrs['snapshot'] === 'external') return true;
  const disks = root.children.filter((c) => c.name === 'disks').flatMap((d) => d.children);
  return disks.some((d) => d.name === 'disk' && d.attrs['snapshot'] === 'external');
}

async function cmdSnapshotInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const found = await lookupSnapshot(ctl, cmd, 'snapshotname', dom);
  if (!found) return false;
  using snap = found.snap;
  const line = (label: string, value: string | number) => ctl.print(`${label.padEnd(15)} ${value}\n`);
  line('Name:', found.name);
  line('Domain:', dom.getName());
  // Whether it is current is worth a fallback on servers without the API.
  let current = await ctl.attempt(snap.isCurrent(0));
  if (current === FAIL) {
    const other = await ctl.attempt(dom.snapshotCurrent(0));
    ctl.resetError();
    current = other !== FAIL && other.getName() === found.name;
    if (other !== FAIL) other.free();
  }
  line('Current:', current ? 'yes' : 'no');
  const xml = await ctl.attempt(snap.getXMLDesc(0));
  if (xml === FAIL) return false;
  const root = parseSnapshotXml(ctl, xml);
  if (!root) return false;
  const state = xpathString(root, ['state']);
  if (state === null) {
    ctl.error('unexpected problem reading snapshot xml');
    return false;
  }
  line('State:', state);
  line('Location:', isExternalSnapshot(root, state) ? 'external' : 'internal');
  line('Parent:', xpathString(root, ['parent', 'name']) ?? '-');
  const children = await ctl.attempt(ctl.c.call('domainSnapshotNumChildren', { snap: snap.ref, flags: 0 }));
  if (children === FAIL) {
    if (ctl.lastErrorCode !== ErrorCode.NO_SUPPORT) return false;
    ctl.resetError();
    return true;
  }
  line('Children:', children.num);
  const descendants = await ctl.attempt(ctl.c.call('domainSnapshotNumChildren',
    { snap: snap.ref, flags: List.DESCENDANTS }));
  if (descendants === FAIL) return false;
  line('Descendants:', descendants.num);
  // Metadata; the fallback relies on metadata once being all or nothing.
  let metadata: boolean | number | typeof FAIL = await ctl.attempt(snap.hasMetadata(0));
  if (metadata === FAIL) {
    metadata = await ctl.attempt(dom.snapshotNum(List.METADATA));
    ctl.resetError();
  }
  if (metadata !== FAIL) line('Metadata:', metadata ? 'yes' : 'no');
  return true;
}

async function cmdSnapshotParent(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const found = await lookupSnapshot(ctl, cmd, 'snapshotname', dom);
  if (!found) return false;
  using snap = found.snap;
  const parent = await snapshotParent(ctl, snap);
  if (parent === FAIL) return false;
  if (parent === null) {
    ctl.error(`snapshot '${found.name}' has no parent`);
    return false;
  }
  ctl.print(parent);
  return true;
}

async function cmdSnapshotRevert(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  if (cmd.bool('running')) flags |= Revert.RUNNING;
  if (cmd.bool('paused')) flags |= Revert.PAUSED;
  if (cmd.bool('reset-nvram')) flags |= Revert.RESET_NVRAM;
  // --force only goes in when the server says the revert is risky, so
  // servers that reverted unsafely by default and reject the flag still work.
  const force = cmd.bool('force');
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const found = await lookupSnapshot(ctl, cmd, 'snapshotname', dom);
  if (!found) return false;
  using snap = found.snap;
  let result = await ctl.attempt(snap.revert(flags));
  if (result === FAIL && force && ctl.lastErrorCode === ErrorCode.SNAPSHOT_REVERT_RISKY) {
    flags |= Revert.FORCE;
    ctl.resetError();
    result = await ctl.attempt(snap.revert(flags));
  }
  if (result === FAIL) {
    ctl.error(`Failed to revert snapshot ${found.name}`);
    return false;
  }
  ctl.printExtra(`Domain snapshot ${found.name} reverted\n`);
  return true;
}

/** The "Snapshot" commands, in virsh's order. */
export const snapshotCommands: CmdDef[] = [
  {
    name: 'snapshot-create',
    help: 'Create a snapshot from XML',
    desc: 'Create a snapshot (disk and RAM) from XML',
    options: [
      DOMAIN_OPT,
      { name: 'xmlfile', type: 'string', help: 'domain snapshot XML' },
      { name: 'redefine', type: 'bool', help: 'redefine metadata for existing snapshot' },
      { name: 'current', type: 'bool', help: 'with redefine, set current snapshot' },
      { name: 'no-metadata', type: 'bool', help: 'take snapshot but create no metadata' },
      { name: 'halt', type: 'bool', help: 'halt domain after snapshot is created' },
      { name: 'disk-only', type: 'bool', help: 'capture disk state but not vm state' },
      { name: 'reuse-external', type: 'bool', help: 'reuse any existing external files' },
      { name: 'quiesce', type: 'bool', help: 'quiesce guest\'s file systems' },
      { name: 'atomic', type: 'bool', help: 'require atomic operation' },
      { name: 'live', type: 'bool', help: 'take a live snapshot' },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    run: cmdSnapshotCreate,
  },
  {
    name: 'snapshot-current',
    help: 'Get or set the current snapshot',
    desc: 'Get or set the current snapshot',
    options: [
      DOMAIN_OPT,
      { name: 'name', type: 'bool', help: 'list the name, rather than the full xml' },
      { name: 'security-info', type: 'bool', help: 'include security sensitive information in XML dump' },
      { name: 'snapshotname', type: 'string', help: 'name of existing snapshot to make current' },
    ],
    run: cmdSnapshotCurrent,
  },
  {
    name: 'snapshot-edit',
    help: 'edit XML for a snapshot',
    desc: 'Edit the domain snapshot XML for a named snapshot',
    options: [
      DOMAIN_OPT,
      { name: 'snapshotname', type: 'string', help: 'snapshot name' },
      { name: 'current', type: 'bool', help: 'also set edited snapshot as current' },
      { name: 'rename', type: 'bool', help: 'allow renaming an existing snapshot' },
      { name: 'clone', type: 'bool', help: 'allow cloning to new name' },
    ],
    run: cmdSnapshotEdit,
  },
  {
    name: 'snapshot-info',
    help: 'snapshot information',
    desc: 'Returns basic information about a snapshot.',
    options: [
      DOMAIN_OPT,
      { name: 'snapshotname', type: 'string', help: 'snapshot name' },
      { name: 'current', type: 'bool', help: 'info on current snapshot' },
    ],
    run: cmdSnapshotInfo,
  },
  {
    name: 'snapshot-parent',
    help: 'Get the name of the parent of a snapshot',
    desc: 'Extract the snapshot\'s parent, if any',
    options: [
      DOMAIN_OPT,
      { name: 'snapshotname', type: 'string', help: 'find parent of snapshot name' },
      { name: 'current', type: 'bool', help: 'find parent of current snapshot' },
    ],
    run: cmdSnapshotParent,
  },
  {
    name: 'snapshot-revert',
    help: 'Revert a domain to a snapshot',
    desc: 'Revert domain to snapshot',
    options: [
      DOMAIN_OPT,
      { name: 'snapshotname', type: 'string', help: 'snapshot name' },
      { name: 'current', type: 'bool', help: 'revert to current snapshot' },
      { name: 'running', type: 'bool', help: 'after reverting, change state to running' },
      { name: 'paused', type: 'bool', help: 'after reverting, change state to paused' },
      { name: 'force', type: 'bool', help: 'try harder on risky reverts' },
      { name: 'reset-nvram', type: 'bool', help: 're-initialize NVRAM from its pristine template' },
    ],
    run: cmdSnapshotRevert,
  },
  {
    name: 'snapshot-create-as',
    help: 'Create a snapshot from a set of args',
    desc: 'Create a snapshot (disk and RAM) from arguments',
    options: [
      DOMAIN_OPT,
      { name: 'name', type: 'string', help: 'name of snapshot' },
      { name: 'description', type: 'string', help: 'description of snapshot' },
      { name: 'print-xml', type: 'bool', help: 'print XML document rather than create' },
      { name: 'no-metadata', type: 'bool', help: 'take snapshot but create no metadata' },
      { name: 'halt', type: 'bool', help: 'halt domain after snapshot is created' },
      { name: 'disk-only', type: 'bool', help: 'capture disk state but not vm state' },
      { name: 'reuse-external', type: 'bool', help: 'reuse any existing external files' },
      { name: 'quiesce', type: 'bool', help: 'quiesce guest\'s file systems' },
      { name: 'atomic', type: 'bool', help: 'require atomic operation' },
      { name: 'live', type: 'bool', help: 'take a live snapshot' },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
      { name: 'memspec', type: 'string', help: 'memory attributes: [file=]name[,snapshot=type]', reqOpt: true },
      { name: 'diskspec', type: 'argv', help: 'disk attributes: disk[,snapshot=type][,driver=type][,stype=type][,file=name]' },
    ],
    run: cmdSnapshotCreateAs,
  },
  {
    name: 'snapshot-delete',
    help: 'Delete a domain snapshot',
    desc: 'Snapshot Delete',
    options: [
      DOMAIN_OPT,
      { name: 'snapshotname', type: 'string', help: 'snapshot name' },
      { name: 'current', type: 'bool', help: 'delete current snapshot' },
      { name: 'children', type: 'bool', help: 'delete snapshot and all children' },
      { name: 'children-only', type: 'bool', help: 'delete children but not snapshot' },
      { name: 'metadata', type: 'bool', help: 'delete only libvirt metadata, leaving snapshot contents behind' },
    ],
    run: cmdSnapshotDelete,
  },
  {
    name: 'snapshot-dumpxml',
    help: 'Dump XML for a domain snapshot',
    desc: 'Snapshot Dump XML',
    options: [
      DOMAIN_OPT,
      { name: 'snapshotname', type: 'data', help: 'snapshot name', required: true },
      { name: 'security-info', type: 'bool', help: 'include security sensitive information in XML dump' },
      { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
      { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
    ],
    run: cmdSnapshotDumpxml,
  },
  {
    name: 'snapshot-list',
    help: 'List snapshots for a domain',
    desc: 'Snapshot List',
    options: [
      DOMAIN_OPT,
      { name: 'parent', type: 'bool', help: 'add a column showing parent snapshot' },
      { name: 'roots', type: 'bool', help: 'list only snapshots without parents' },
      { name: 'leaves', type: 'bool', help: 'list only snapshots without children' },
      { name: 'no-leaves', type: 'bool', help: 'list only snapshots that are not leaves (with children)' },
      { name: 'metadata', type: 'bool', help: 'list only snapshots that have metadata that would prevent undefine' },
      { name: 'no-metadata', type: 'bool', help: 'list only snapshots that have no metadata managed by libvirt' },
      { name: 'inactive', type: 'bool', help: 'filter by snapshots taken while inactive' },
      { name: 'active', type: 'bool', help: 'filter by snapshots taken while active (full system snapshots)' },
      { name: 'disk-only', type: 'bool', help: 'filter by disk-only snapshots' },
      { name: 'internal', type: 'bool', help: 'filter by internal snapshots' },
      { name: 'external', type: 'bool', help: 'filter by external snapshots' },
      { name: 'tree', type: 'bool', help: 'list snapshots in a tree' },
      { name: 'from', type: 'string', help: 'limit list to children of given snapshot' },
      { name: 'current', type: 'bool', help: 'limit list to children of current snapshot' },
      { name: 'descendants', type: 'bool', help: 'with --from, list all descendants' },
      { name: 'name', type: 'bool', help: 'list snapshot names only' },
      { name: 'topological', type: 'bool', help: 'sort list topologically rather than by name' },
    ],
    run: cmdSnapshotList,
  },
];

