/**
 * Domain checkpoints for the test driver: the definition (checkpoint_conf.c's
 * virDomainCheckpointDefParse / virDomainCheckpointDefFormat, with the
 * domaincheckpoint.rng checks libvirt always applies), and libvirt 9.0's
 * testDomainCheckpoint* APIs over each domain's checkpoint list.
 */
import type { CheckpointRef, DomainRef, DriverConnection } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { parseXml, type XmlElement } from '../../util/xml.js';
import {
  copyDomainDef, domainDisks, formatDomainDef, parseDomainElement, type DomainDef,
} from '../../conf/domain-def.js';
import { escapeLibvirt } from '../../conf/domain-xml.js';
import type { DomainObj } from './domains.js';
import type { TestHost } from './host.js';
import { MomentList, MomentListFlags, type MomentObj } from './moment-list.js';
import { testXMLOption } from './domain-conf.js';

const TEST = ErrorDomain.TEST;
const CHK = ErrorDomain.DOMAIN_CHECKPOINT;

/** virDomainCheckpointCreateFlags. */
export const CheckpointCreateFlags = { REDEFINE: 1, QUIESCE: 2, REDEFINE_VALIDATE: 4 } as const;
/** virDomainCheckpointListFlags (DESCENDANTS shares ROOTS' bit for child listings). */
export const CheckpointListFlags = { ROOTS: 1, DESCENDANTS: 1, TOPOLOGICAL: 2, LEAVES: 4, NO_LEAVES: 8 } as const;
/** VIR_DOMAIN_CHECKPOINT_FILTERS_ALL. */
const CHECKPOINT_FILTERS_ALL = CheckpointListFlags.LEAVES | CheckpointListFlags.NO_LEAVES;
/** virDomainCheckpointDeleteFlags. */
export const CheckpointDeleteFlags = { CHILDREN: 1, METADATA_ONLY: 2, CHILDREN_ONLY: 4 } as const;
/** virDomainCheckpointXMLFlags. */
export const CheckpointXMLFlags = { SECURE: 1, NO_DOMAIN: 2, SIZE: 4 } as const;

/** virDomainCheckpointType names, indexed by number ('default' is never written). */
const CHECKPOINT_TYPES = ['default', 'no', 'bitmap'] as const;
const Type = { DEFAULT: 0, NONE: 1, BITMAP: 2 } as const;

/** One `<disks><disk>` of a checkpoint (virDomainCheckpointDiskDef). */
export interface CheckpointDiskDef {
  name: string;
  /** Index into CHECKPOINT_TYPES. */
  type: number;
  bitmap?: string;
}

/** A checkpoint definition (virDomainCheckpointDef). */
export interface CheckpointDef {
  name: string;
  description?: string;
  parent?: string;
  creationTime: number;
  disks: CheckpointDiskDef[];
  dom?: DomainDef;
}

/** A domain's checkpoints (virDomainCheckpointObjList). */
export type CheckpointList = MomentList<CheckpointDef>;
export type CheckpointObj = MomentObj<CheckpointDef>;

// ---------------------------------------------------------------------------
// domaincheckpoint.rng: libvirt validates every checkpoint document against
// it (virXMLParse with validation on). The checks below cover the schema's
// own elements; an embedded <domain> only needs its mandatory type.

const NAME_RE = /^[a-zA-Z0-9_-][a-zA-Z0-9_.-]*$/;
const DISK_TARGET_RE = /^(ioemu:)?(fd|hd|sd|vd|xvd|ubd)[a-zA-Z0-9_]+$/;
const ABS_PATH_RE = /^(\/|[a-zA-Z]:\\).+$/s;
const INTERLEAVE = ['name', 'description', 'creationTime', 'disks', 'domain', 'parent'];

function schemaError(detail: string): VirtError {
  const msg = `Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\n${detail}\n`;
  return new VirtError(ErrorCode.XML_INVALID_SCHEMA, `XML document failed to validate against schema: ${msg}`,
    ErrorDomain.XML, { str1: 'XML document failed to validate against schema: %s', str2: msg });
}

/** xsd:unsignedLong with the [0-9]+ pattern (whitespace collapsed first). */
function isUnsignedLong(s: string): boolean {
  const t = s.trim();
  return /^[0-9]+$/.test(t) && BigInt(t) <= 0xffffffffffffffffn;
}

const hasText = (e: XmlElement) => e.text.trim() !== '';
const isTextOnly = (e: XmlElement) => e.children.length === 0 && Object.keys(e.attrs).length === 0;

function validDisk(d: XmlElement): boolean {
  if (d.name !== 'disk' || d.children.length > 0 || hasText(d)) return false;
  const { name, checkpoint, bitmap, size, ...rest } = d.attrs;
  if (Object.keys(rest).length > 0 || name === undefined) return false;
  if (!DISK_TARGET_RE.test(name) && !ABS_PATH_RE.test(name)) return false;
  if (checkpoint === 'no') return bitmap === undefined && size === undefined;
  if (checkpoint !== undefined && checkpoint !== 'bitmap') return false;
  return size === undefined || isUnsignedLong(size);
}

function validChild(c: XmlElement): boolean {
  switch (c.name) {
    case 'name':
      return isTextOnly(c) && NAME_RE.test(c.text);
    case 'description':
      return isTextOnly(c);
    case 'creationTime':
      return isTextOnly(c) && isUnsignedLong(c.text);
    case 'disks':
      return Object.keys(c.attrs).length === 0 && !hasText(c) && c.children.length > 0 && c.children.every(validDisk);
    case 'parent': {
      const n = c.children[0];
      return Object.keys(c.attrs).length === 0 && !hasText(c) && c.children.length === 1
        && n!.name === 'name' && isTextOnly(n!) && NAME_RE.test(n!.text);
    }
    case 'domain':
      return c.attrs['type'] !== undefined;
    default:
      return false;
  }
}

/**
 * The first thing libxml2's RelaxNG validator reports for the document, in
 * its words: stray content, then the first interleave member that is
 * repeated or invalid (in document order).
 */
function validateSchema(root: XmlElement): void {
  const attr = Object.keys(root.attrs).find((a) => a !== 'xmlns' && !a.startsWith('xmlns:'));
  if (attr !== undefined) throw schemaError(`Invalid attribute ${attr} for element domaincheckpoint`);
  if (hasText(root)) throw schemaError('Element domaincheckpoint has extra content: text');
  const seen = new Set<string>();
  for (const c of root.children) {
    if (!INTERLEAVE.includes(c.name)) throw schemaError(`Element domaincheckpoint has extra content: ${c.name}`);
    if (seen.has(c.name) || !validChild(c)) {
      throw schemaError(`Extra element ${c.name} in interleave\nElement domaincheckpoint failed to validate content`);
    }
    seen.add(c.name);
  }
}

// ---------------------------------------------------------------------------
// Parsing and formatting.

/** virXPathString: the element's text, or undefined when missing or empty. */
function textOf(el: XmlElement | undefined): string | undefined {
  if (!el) return undefined;
  const all = (e: XmlElement): string => e.text + e.children.map(all).join('');
  const t = all(el);
  return t === '' ? undefined : t;
}

const kidEl = (el: XmlElement | undefined, name: string) => el?.children.find((c) => c.name === name);

/** virDomainCheckpointDefParseString. */
export function parseCheckpointXml(xml: string, redefine: boolean): CheckpointDef {
  const root = parseXml(xml, '(domain_checkpoint)', CHK);
  if (root.name !== 'domaincheckpoint') {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
      `expecting root element of 'domaincheckpoint', not '${root.name}'`);
  }
  validateSchema(root);
  const name = textOf(kidEl(root, 'name'));
  if (name === undefined && redefine) {
    throw VirtError.report(ErrorCode.XML_ERROR, CHK, 'a redefined checkpoint must have a name');
  }
  const def: CheckpointDef = { name: name ?? '', creationTime: 0, disks: [] };
  const description = textOf(kidEl(root, 'description'));
  if (description !== undefined) def.description = description;
  if (redefine) {
    const ct = textOf(kidEl(root, 'creationTime'))?.trim();
    if (ct === undefined || !/^[+-]?\d+$/.test(ct) || BigInt(ct) > 0x7fffffffffffffffn) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, CHK, 'missing creationTime from existing checkpoint');
    }
    def.creationTime = Number(ct);
    const parent = textOf(kidEl(kidEl(root, 'parent'), 'name'));
    if (parent !== undefined) def.parent = parent;
    const domEl = kidEl(root, 'domain');
    if (domEl) def.dom = parseDomainElement(domEl, testXMLOption, {});
  } else {
    // virDomainMomentDefPostParse: created now, named after the time by default.
    def.creationTime = Math.floor(Date.now() / 1000);
    if (name === undefined) def.name = String(def.creationTime);
  }
  for (const d of kidEl(root, 'disks')?.children ?? []) {
    const checkpoint = d.attrs['checkpoint'];
    const disk: CheckpointDiskDef = {
      name: d.attrs['name']!,
      type: checkpoint === undefined ? Type.BITMAP : CHECKPOINT_TYPES.indexOf(checkpoint as 'no'),
    };
    const bitmap = d.attrs['bitmap'];
    if (bitmap !== undefined) disk.bitmap = bitmap;
    def.disks.push(disk);
  }
  return def;
}

/** virDomainCheckpointDefAssignBitmapNames: bitmaps default to the checkpoint's name. */
function assignBitmapNames(def: CheckpointDef): void {
  for (const d of def.disks) if (d.type === Type.BITMAP && d.bitmap === undefined) d.bitmap = def.name;
}

/** virDomainDiskIndexByName: a target name, or (leading '/') an unambiguous source path. */
function diskIndexByName(disks: ReturnType<typeof domainDisks>, name: string): number {
  let candidate = -1;
  for (let i = 0; i < disks.length; i++) {
    const d = disks[i]!;
    if (!name.startsWith('/')) {
      if (d.dst === name) return i;
    } else if (d.sourcePath === name) {
      if (candidate >= 0) return -1;
      candidate = i;
    }
  }
  return candidate;
}

/**
 * virDomainCheckpointAlignDisks: one entry per domain disk, in domain
 * order. Without `<disks>` every writable disk gets a bitmap; with it, the
 * disks left out get none.
 */
export function alignCheckpointDisks(def: CheckpointDef): void {
  const dom = def.dom;
  if (!dom) throw VirtError.report(ErrorCode.INTERNAL_ERROR, CHK, 'missing domain in checkpoint');
  const disks = domainDisks(dom);
  if (def.disks.length > disks.length) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, CHK, 'too many disk checkpoint requests for domain');
  }
  if (disks.length === 0) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, CHK, 'domain must have at least one disk to perform checkpoints');
  }
  const fallback = def.disks.length === 0 ? Type.BITMAP : Type.NONE;
  const map = new Map<string, CheckpointDiskDef>();
  for (const cd of def.disks) {
    const idx = diskIndexByName(disks, cd.name);
    if (idx < 0) throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, CHK, `no disk named '${cd.name}'`);
    const dd = disks[idx]!;
    if (map.has(dd.dst)) throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, CHK, `disk '${cd.name}' specified twice`);
    map.set(dd.dst, cd);
    if ((!dd.hasSource || dd.readonly) && cd.type !== Type.NONE) {
      throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, CHK, `disk '${cd.name}' is empty or readonly`);
    }
    cd.name = dd.dst;
  }
  def.disks = disks.map((d) => map.get(d.dst)
    ?? { name: d.dst, type: !d.hasSource || d.readonly ? Type.NONE : fallback });
  assignBitmapNames(def);
}

/** virDomainCheckpointDefFormat with virDomainCheckpointFormatConvertXMLFlags. */
export function formatCheckpointDef(def: CheckpointDef, flags: number): string {
  const out: string[] = ['<domaincheckpoint>\n', `  <name>${escapeLibvirt(def.name)}</name>\n`];
  if (def.description !== undefined) out.push(`  <description>${escapeLibvirt(def.description)}</description>\n`);
  if (def.parent !== undefined) out.push(`  <parent>\n    <name>${escapeLibvirt(def.parent)}</name>\n  </parent>\n`);
  if (def.creationTime) out.push(`  <creationTime>${def.creationTime}</creationTime>\n`);
  if (def.disks.length > 0) {
    out.push('  <disks>\n');
    for (const d of def.disks) {
      let s = `    <disk name='${escapeLibvirt(d.name)}'`;
      if (d.type) s += ` checkpoint='${CHECKPOINT_TYPES[d.type]}'`;
      // The test driver never marks a size valid, so --size adds nothing.
      if (d.bitmap !== undefined) s += ` bitmap='${escapeLibvirt(d.bitmap)}'`;
      out.push(`${s}/>\n`);
    }
    out.push('  </disks>\n');
  }
  if (def.dom && !(flags & CheckpointXMLFlags.NO_DOMAIN)) {
    out.push(formatDomainDef(def.dom, testXMLOption, { inactive: true, secure: !!(flags & CheckpointXMLFlags.SECURE) }, 1));
  }
  out.push('</domaincheckpoint>\n');
  return out.join('');
}

// ---------------------------------------------------------------------------
// The checkpoint APIs of the test driver.

/** The checkpoint part of a test host: no state of its own (each domain keeps its list). */
export class CheckpointStore {
  constructor(readonly host: TestHost) {}

  /** Host files cannot describe checkpoints (testOpenParse reads none). */
  load(): void {}

  /** testCheckpointObjFromName. */
  #find(obj: DomainObj, name: string): CheckpointObj {
    const chk = obj.checkpoints.find(name);
    if (!chk) {
      throw VirtError.report(ErrorCode.NO_DOMAIN_CHECKPOINT, TEST, `no domain checkpoint with matching name '${name}'`);
    }
    return chk;
  }

  /** testDomainCheckpointCreateXML. */
  #create(dom: DomainRef, xml: string, flags: number): CheckpointRef {
    checkFlags(flags, CheckpointCreateFlags.REDEFINE | CheckpointCreateFlags.QUIESCE,
      'testDomainCheckpointCreateXML', TEST);
    const redefine = !!(flags & CheckpointCreateFlags.REDEFINE);
    let updateCurrent = !redefine;
    const obj = this.host.domains.lookup(dom);
    if (obj.snapshots.size > 0) {
      throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, TEST, 'cannot create checkpoint while snapshot exists');
    }
    if (!obj.isActive) {
      throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, TEST, 'cannot create checkpoint for inactive domain');
    }
    const def = parseCheckpointXml(xml, redefine);
    const list = obj.checkpoints;
    let chk: CheckpointObj;
    if (redefine) {
      updateCurrent = this.#redefinePrep(obj, def) || updateCurrent;
      // virDomainCheckpointRedefineCommit: an existing checkpoint keeps its children.
      const other = list.find(def.name);
      if (other) {
        list.dropParent(other);
        other.def = def;
        chk = other;
      } else {
        chk = list.assign(def);
      }
    } else {
      def.dom = copyDomainDef(obj.def);
      def.dom.id = -1;
      alignCheckpointDisks(def);
      chk = list.assign(def);
    }
    const current = list.current;
    if (current && !redefine) chk.def.parent = current.def.name;
    if (updateCurrent) list.current = chk;
    list.linkParent(chk);
    return { name: chk.def.name, dom };
  }

  /** virDomainCheckpointRedefinePrep; true when the redefined checkpoint becomes current. */
  #redefinePrep(obj: DomainObj, def: CheckpointDef): boolean {
    const list = obj.checkpoints;
    list.checkCycles(def);
    if (def.dom) {
      if (def.dom.uuid !== obj.def.uuid) {
        throw VirtError.report(ErrorCode.INVALID_ARG, CHK,
          `definition for checkpoint ${def.name} must use uuid ${obj.def.uuid}`);
      }
      alignCheckpointDisks(def);
    } else {
      assignBitmapNames(def);
    }
    let update = false;
    const parent = def.parent !== undefined ? list.find(def.parent) : undefined;
    if (parent && parent === list.current) update = true;
    // The first redefined checkpoint becomes current.
    if (list.current === null) update = true;
    return update;
  }

  /** testDomainCheckpointDelete. */
  #delete(obj: DomainObj, chk: CheckpointObj, flags: number): void {
    const D = CheckpointDeleteFlags;
    const list = obj.checkpoints;
    if (flags & (D.CHILDREN | D.CHILDREN_ONLY)) {
      let wasCurrent = false;
      for (const d of list.descendants(chk)) wasCurrent = list.remove(d) || wasCurrent;
      if (wasCurrent) list.current = chk;
    } else if (chk.children.length > 0) {
      for (const c of chk.children) {
        if (chk.parent) c.def.parent = chk.parent.def.name;
        else delete c.def.parent;
      }
      list.moveChildren(chk, chk.parent);
    }
    if (flags & D.CHILDREN_ONLY) {
      chk.children = [];
      return;
    }
    list.dropParent(chk);
    if (list.current === chk) {
      list.current = chk.def.parent !== undefined ? list.find(chk.def.parent) ?? null : null;
    }
    list.remove(chk);
  }

  /** virDomainListCheckpoints: the public listing flags in the common ones. */
  #list(obj: DomainObj, from: CheckpointObj | null, flags: number): CheckpointObj[] {
    const F = CheckpointListFlags;
    const M = MomentListFlags;
    let common = 0;
    for (const [c, m] of [[F.ROOTS, M.ROOTS], [F.TOPOLOGICAL, M.TOPOLOGICAL], [F.LEAVES, M.LEAVES],
      [F.NO_LEAVES, M.NO_LEAVES]] as const) if (flags & c) common |= m;
    return obj.checkpoints.collect(from, common);
  }

  /** The contract methods this part implements. */
  methods(): Partial<DriverConnection> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const lookup = (dom: DomainRef) => self.host.domains.lookup(dom);
    return {
      async domainCheckpointCreateXML({ dom, xml_desc, flags }) {
        return { checkpoint: self.#create(dom, xml_desc, flags) };
      },
      async domainListAllCheckpoints({ dom, need_results, flags }) {
        checkFlags(flags, CheckpointListFlags.ROOTS | CheckpointListFlags.TOPOLOGICAL | CHECKPOINT_FILTERS_ALL,
          'testDomainListAllCheckpoints', TEST);
        const list = self.#list(lookup(dom), null, flags).map((c) => ({ name: c.def.name, dom }));
        return { checkpoints: need_results ? list : [], ret: list.length };
      },
      async domainCheckpointListAllChildren({ checkpoint, need_results, flags }) {
        checkFlags(flags, CheckpointListFlags.DESCENDANTS | CheckpointListFlags.TOPOLOGICAL | CHECKPOINT_FILTERS_ALL,
          'testDomainCheckpointListAllChildren', TEST);
        const obj = lookup(checkpoint.dom);
        const chk = self.#find(obj, checkpoint.name);
        const list = self.#list(obj, chk, flags).map((c) => ({ name: c.def.name, dom: checkpoint.dom }));
        return { checkpoints: need_results ? list : [], ret: list.length };
      },
      async domainCheckpointLookupByName({ dom, name, flags }) {
        checkFlags(flags, 0, 'testDomainCheckpointLookupByName', TEST);
        const chk = self.#find(lookup(dom), name);
        return { checkpoint: { name: chk.def.name, dom } };
      },
      async domainCheckpointGetParent({ checkpoint, flags }) {
        checkFlags(flags, 0, 'testDomainCheckpointGetParent', TEST);
        const chk = self.#find(lookup(checkpoint.dom), checkpoint.name);
        if (chk.def.parent === undefined) {
          throw VirtError.report(ErrorCode.NO_DOMAIN_CHECKPOINT, TEST,
            `checkpoint '${chk.def.name}' does not have a parent`);
        }
        return { parent: { name: chk.def.parent, dom: checkpoint.dom } };
      },
      async domainCheckpointGetXMLDesc({ checkpoint, flags }) {
        const X = CheckpointXMLFlags;
        checkFlags(flags, X.SECURE | X.NO_DOMAIN | X.SIZE, 'testDomainCheckpointGetXMLDesc', TEST);
        const obj = lookup(checkpoint.dom);
        const chk = self.#find(obj, checkpoint.name);
        if ((flags & X.SIZE) && !obj.isActive) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN, 'domain is not running');
        }
        return { xml: formatCheckpointDef(chk.def, flags) };
      },
      async domainCheckpointDelete({ checkpoint, flags }) {
        const D = CheckpointDeleteFlags;
        checkFlags(flags, D.CHILDREN | D.METADATA_ONLY | D.CHILDREN_ONLY, 'testDomainCheckpointDelete', TEST);
        const obj = lookup(checkpoint.dom);
        self.#delete(obj, self.#find(obj, checkpoint.name), flags);
      },
    };
  }
}
