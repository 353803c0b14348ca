/**
 * Storage pool and volume XML (libvirt's storage_conf.c): parse into defs and
 * format back as libvirt 9.0's virStoragePoolDefFormat /
 * virStorageVolDefFormat print them.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { escapeXml, type XmlElement } from '../util/xml.js';
import {
  childrenNamed, firstChild, formatElement, generateUuid, parseInt32, parseTristate, parseULL, parseUuid,
  prop, sanitizePath, scaleInteger, stringValue, xpathAttr, xpathString,
} from './node-conf-util.js';

const D = ErrorDomain.STORAGE;

/** virStoragePoolType, in libvirt's order (the index is the enum value). */
export const POOL_TYPES = [
  'dir', 'fs', 'netfs', 'logical', 'disk', 'iscsi', 'iscsi-direct', 'scsi', 'mpath',
  'rbd', 'sheepdog', 'gluster', 'zfs', 'vstorage',
] as const;
export type PoolType = (typeof POOL_TYPES)[number];

const SRC = { HOST: 1, DEVICE: 2, DIR: 4, ADAPTER: 8, NAME: 16, INITIATOR_IQN: 32, NETWORK: 64 } as const;

const FILE_FORMATS = [
  'none', 'raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop',
  'cow', 'qcow', 'qcow2', 'qed', 'vmdk',
];
const DISK_VOL_FORMATS = ['none', 'linux', 'fat16', 'fat32', 'linux-swap', 'linux-lvm', 'linux-raid', 'extended'];

interface PoolOptions {
  flags: number;
  /** Pool source formats and the default (index into the list). */
  formats?: readonly string[];
  defaultFormat?: number;
  /** Volume target formats: list, default, and whether names other than the list are accepted. */
  volFormats?: readonly string[];
  volDefault?: number;
}

const FS_FORMATS = ['auto', 'ext2', 'ext3', 'ext4', 'ufs', 'iso9660', 'udf', 'gfs', 'gfs2', 'vfat', 'hfs+', 'xfs', 'ocfs2', 'vmfs'];
const NETFS_FORMATS = ['auto', 'nfs', 'glusterfs', 'cifs'];
const DISK_FORMATS = ['unknown', 'dos', 'dvh', 'gpt', 'mac', 'bsd', 'pc98', 'sun', 'lvm2'];
const LOGICAL_FORMATS = ['unknown', 'lvm2'];

/** poolTypeInfo[] of storage_conf.c. */
const OPTIONS: Record<PoolType, PoolOptions> = {
  'logical': { flags: SRC.NAME | SRC.DEVICE, formats: LOGICAL_FORMATS, defaultFormat: 1 },
  'dir': { flags: 0, volFormats: FILE_FORMATS, volDefault: 1 },
  'fs': { flags: SRC.DEVICE, formats: FS_FORMATS, defaultFormat: 0, volFormats: FILE_FORMATS, volDefault: 1 },
  'netfs': { flags: SRC.HOST | SRC.DIR, formats: NETFS_FORMATS, defaultFormat: 0, volFormats: FILE_FORMATS, volDefault: 1 },
  'iscsi': { flags: SRC.HOST | SRC.DEVICE | SRC.INITIATOR_IQN },
  'iscsi-direct': { flags: SRC.HOST | SRC.DEVICE | SRC.NETWORK | SRC.INITIATOR_IQN },
  'scsi': { flags: SRC.ADAPTER },
  'rbd': { flags: SRC.HOST | SRC.NETWORK | SRC.NAME, volFormats: FILE_FORMATS, volDefault: 1 },
  'sheepdog': { flags: SRC.HOST | SRC.NETWORK | SRC.NAME },
  'gluster': { flags: SRC.HOST | SRC.NETWORK | SRC.NAME | SRC.DIR, volFormats: FILE_FORMATS, volDefault: 1 },
  'mpath': { flags: 0 },
  'disk': { flags: SRC.DEVICE, formats: DISK_FORMATS, defaultFormat: 0, volFormats: DISK_VOL_FORMATS, volDefault: 0 },
  'zfs': { flags: SRC.NAME | SRC.DEVICE },
  'vstorage': { flags: SRC.NAME, volFormats: FILE_FORMATS, volDefault: 1 },
};

export interface Perms { mode?: number | undefined; uid?: number | undefined; gid?: number | undefined; label?: string | undefined }

export interface PoolDef {
  type: PoolType;
  name: string;
  uuid: string;
  capacity: bigint;
  allocation: bigint;
  available: bigint;
  cow?: 'yes' | 'no' | undefined;
  source: {
    hosts: { name: string; port: number }[];
    devices: { path: string; partSeparator?: 'yes' | 'no' | undefined }[];
    dir?: string | undefined;
    adapter?: XmlElement | undefined;
    name?: string | undefined;
    iqn?: string | undefined;
    format?: number | undefined;
    auth?: XmlElement | undefined;
    protocolVer?: number | undefined;
    vendor?: string | undefined;
    product?: string | undefined;
  };
  targetPath?: string | undefined;
  perms: Perms;
  refreshAllocation?: string | undefined;
}

export interface VolDef {
  name: string;
  key?: string | undefined;
  /** virStorageVolType index (file, block, dir, network, netdir, ploop). */
  type: number;
  capacity: bigint;
  allocation: bigint;
  path?: string | undefined;
  format?: number | undefined;
  perms: Perms;
  compat?: string | undefined;
  clusterSize?: bigint | undefined;
  features?: string[] | undefined;
  encryption?: XmlElement | undefined;
  backing?: { path: string; format?: number | undefined; perms: Perms } | undefined;
}

export const VOL_TYPES = ['file', 'block', 'dir', 'network', 'netdir', 'ploop'] as const;

function xmlErr(msg: string): VirtError {
  return VirtError.report(ErrorCode.XML_ERROR, D, msg);
}

/** XPath number() then truncation, as virXPathLongLong("number(...)") does. */
function xpathNumber(el: XmlElement): number | null {
  const s = stringValue(el).trim();
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(s)) return null;
  return Math.trunc(Number(s));
}

/** virStorageDefParsePerms. */
function parsePerms(perm: XmlElement | undefined): Perms {
  if (!perm) return {};
  const p: Perms = {};
  const mode = xpathString(perm, 'mode');
  if (mode !== undefined) {
    const m = parseInt32(mode, 8);
    if (m === null || (m & ~0o777)) throw xmlErr('malformed octal mode');
    p.mode = m;
  }
  const owner = firstChild(perm, 'owner');
  if (owner) {
    const v = xpathNumber(owner);
    if (v === null || ((v < 0 || v > 0xffffffff) && v !== -1)) throw xmlErr('malformed owner element');
    if (v !== -1) p.uid = v;
  }
  const group = firstChild(perm, 'group');
  if (group) {
    const v = xpathNumber(group);
    if (v === null || ((v < 0 || v > 0xffffffff) && v !== -1)) throw xmlErr('malformed group element');
    if (v !== -1) p.gid = v;
  }
  p.label = xpathString(perm, 'label');
  return p;
}

function formatPerms(p: Perms, pad: string): string {
  if (p.mode === undefined && p.uid === undefined && p.gid === undefined && p.label === undefined) return '';
  let s = `${pad}<permissions>\n`;
  if (p.mode !== undefined) s += `${pad}  <mode>0${p.mode.toString(8)}</mode>\n`;
  if (p.uid !== undefined) s += `${pad}  <owner>${p.uid | 0}</owner>\n`;
  if (p.gid !== undefined) s += `${pad}  <group>${p.gid | 0}</group>\n`;
  if (p.label !== undefined) s += `${pad}  <label>${escapeXml(p.label)}</label>\n`;
  return s + `${pad}</permissions>\n`;
}

/** virStoragePoolDefParseXML on a `<pool>` element. */
export function parsePoolDef(root: XmlElement): PoolDef {
  if (root.name !== 'pool') {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `expecting root element of 'pool', not '${root.name}'`);
  }
  const typeStr = prop(root, 'type');
  if (typeStr === undefined) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `Missing required attribute 'type' in element 'pool'`);
  }
  if (!(POOL_TYPES as readonly string[]).includes(typeStr)) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `Invalid value for attribute 'type' in element 'pool': '${typeStr}'.`);
  }
  const type = typeStr as PoolType;
  const opts = OPTIONS[type];
  const def: PoolDef = {
    type, name: '', uuid: '', capacity: 0n, allocation: 0n, available: 0n,
    source: { hosts: [], devices: [] }, perms: {},
  };
  const src = firstChild(root, 'source');
  if (src) {
    parseSource(src, def, opts);
  } else if (opts.formats) {
    def.source.format = opts.defaultFormat;
  }
  let name = xpathString(root, 'name');
  if (name === undefined && (opts.flags & SRC.NAME)) name = def.source.name;
  if (name === undefined) throw xmlErr('missing pool source name element');
  if (name.includes('/')) throw xmlErr(`name ${name} cannot contain '/'`);
  def.name = name;
  const uuid = xpathString(root, 'uuid');
  if (uuid === undefined) {
    def.uuid = generateUuid();
  } else {
    const u = parseUuid(uuid);
    if (!u) throw xmlErr('malformed uuid element');
    def.uuid = u;
  }
  const cow = firstChild(firstChild(root, 'features'), 'cow');
  const cowState = parseTristate(cow, 'state');
  if (cowState !== undefined) {
    if (type !== 'fs' && type !== 'dir') {
      throw VirtError.report(ErrorCode.NO_SUPPORT, D, "cow feature may only be used for 'fs' and 'dir' pools");
    }
    def.cow = cowState;
  }
  if ((opts.flags & SRC.HOST) && def.source.hosts.length === 0) throw xmlErr('missing storage pool source host name');
  if ((opts.flags & SRC.DIR) && def.source.dir === undefined) throw xmlErr('missing storage pool source path');
  if ((opts.flags & SRC.NAME) && def.source.name === undefined) def.source.name = def.name;
  if ((opts.flags & SRC.ADAPTER) && !def.source.adapter) {
    throw xmlErr('missing storage pool source adapter');
  }
  if (opts.flags === SRC.DEVICE && def.source.devices.length === 0) throw xmlErr('missing storage pool source device name');
  if (!(opts.flags & SRC.NETWORK)) {
    let target: string | undefined;
    if (type === 'logical') target = `/dev/${def.source.name}`;
    else if (type === 'zfs') target = `/dev/zvol/${def.source.name}`;
    else {
      target = xpathString(root, 'target', 'path');
      if (target === undefined) throw xmlErr('missing storage pool target path');
    }
    def.targetPath = sanitizePath(target);
    def.perms = parsePerms(firstChild(firstChild(root, 'target'), 'permissions'));
  }
  if (type === 'iscsi-direct' && def.source.iqn === undefined) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, 'missing initiator IQN');
  }
  const refresh = xpathAttr(firstChild(firstChild(root, 'refresh'), 'volume'), 'allocation');
  if (refresh !== undefined) {
    if (refresh !== 'default' && refresh !== 'capacity') {
      throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, `unknown storage pool volume refresh allocation type ${refresh}`);
    }
    def.refreshAllocation = refresh;
  }
  return def;
}

/**
 * virStoragePoolDefParseSourceString's parse of a `<source>` element for a
 * pool type index (-1 for an unknown type, as virStoragePoolTypeFromString
 * gives): the source part of a pool definition.
 */
export function parsePoolSource(src: XmlElement, typeIndex: number): PoolDef['source'] {
  const type = POOL_TYPES[typeIndex];
  if (type === undefined) {
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `missing backend for pool type ${typeIndex}`);
  }
  const def: PoolDef = {
    type, name: '', uuid: '', capacity: 0n, allocation: 0n, available: 0n,
    source: { hosts: [], devices: [] }, perms: {},
  };
  parseSource(src, def, OPTIONS[type]);
  return def.source;
}

function parseSource(src: XmlElement, def: PoolDef, opts: PoolOptions): void {
  const s = def.source;
  s.name = xpathString(src, 'name');
  if (def.type === 'rbd' && s.name === undefined) throw xmlErr("element 'name' is mandatory for RBD pool");
  if (opts.formats) {
    const f = xpathAttr(src, 'type', 'format');
    if (f === undefined) {
      s.format = opts.defaultFormat;
    } else {
      const i = opts.formats.indexOf(f);
      if (i < 0) throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, `unknown pool format type ${f}`);
      s.format = i;
    }
  }
  for (const h of childrenNamed(src, 'host')) {
    const name = prop(h, 'name');
    if (name === undefined) throw xmlErr('missing storage pool host name');
    let port = 0;
    const portStr = prop(h, 'port');
    if (portStr !== undefined) {
      const p = parseInt32(portStr);
      if (p === null) {
        throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
          `Invalid value for attribute 'port' in element 'host': '${portStr}'. Expected integer value`);
      }
      port = p;
    }
    s.hosts.push({ name, port });
  }
  const iqn = xpathAttr(firstChild(src, 'initiator'), 'name', 'iqn');
  if (iqn !== undefined) s.iqn = iqn;
  for (const d of childrenNamed(src, 'device')) {
    const path = prop(d, 'path');
    if (path === undefined) throw xmlErr('missing storage pool source device path');
    s.devices.push({ path, partSeparator: parseTristate(d, 'part_separator') });
  }
  const dir = xpathAttr(src, 'path', 'dir');
  if (dir !== undefined) s.dir = sanitizePath(dir);
  if (s.dir === undefined && def.type === 'gluster') s.dir = '/';
  s.adapter = firstChild(src, 'adapter');
  const auth = firstChild(src, 'auth');
  if (auth) {
    if (prop(auth, 'type') === undefined) {
      throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, 'storage pool missing auth type');
    }
    s.auth = auth;
  }
  const ver = xpathAttr(src, 'ver', 'protocol');
  if (ver !== undefined) {
    if (s.format !== 1 && s.format !== 0) {
      throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D,
        `storage pool protocol ver unsupported for pool type '${NETFS_FORMATS[s.format ?? 0] ?? ''}'`);
    }
    const v = parseULL(ver, 0);
    if (v === null || v > 0xffffffffn) throw xmlErr(`storage pool protocol ver '${ver}' is malformed`);
    s.protocolVer = Number(v);
  }
  s.vendor = xpathAttr(src, 'name', 'vendor');
  s.product = xpathAttr(src, 'name', 'product');
}

/** virStoragePoolDefFormat. */
export function formatPoolDef(def: PoolDef): string {
  const opts = OPTIONS[def.type];
  const p = '  ';
  let s = `<pool type='${def.type}'>\n`;
  s += `${p}<name>${escapeXml(def.name)}</name>\n`;
  s += `${p}<uuid>${def.uuid}</uuid>\n`;
  s += `${p}<capacity unit='bytes'>${def.capacity}</capacity>\n`;
  s += `${p}<allocation unit='bytes'>${def.allocation}</allocation>\n`;
  s += `${p}<available unit='bytes'>${def.available}</available>\n`;
  if (def.cow) s += `${p}<features>\n${p}  <cow state='${def.cow}'/>\n${p}</features>\n`;
  s += formatPoolSource(def, opts, 1);
  if (!['rbd', 'sheepdog', 'gluster', 'iscsi-direct'].includes(def.type)) {
    s += `${p}<target>\n`;
    if (def.targetPath !== undefined) s += `${p}  <path>${escapeXml(def.targetPath)}</path>\n`;
    s += formatPerms(def.perms, p + '  ');
    s += `${p}</target>\n`;
  }
  if (def.refreshAllocation) s += `${p}<refresh>\n${p}  <volume allocation='${def.refreshAllocation}'/>\n${p}</refresh>\n`;
  return s + '</pool>\n';
}

function formatPoolSource(def: PoolDef, opts: PoolOptions, depth: number): string {
  const src = def.source;
  const pad = '  '.repeat(depth);
  const p2 = pad + '  ';
  let s = `${pad}<source>\n`;
  if (opts.flags & SRC.HOST) {
    for (const h of src.hosts) s += `${p2}<host name='${escapeXml(h.name)}'${h.port ? ` port='${h.port}'` : ''}/>\n`;
  }
  if (opts.flags & SRC.DEVICE) {
    for (const d of src.devices) {
      s += `${p2}<device path='${escapeXml(d.path)}'${d.partSeparator ? ` part_separator='${d.partSeparator}'` : ''}/>\n`;
    }
  }
  if ((opts.flags & SRC.DIR) && src.dir !== undefined) s += `${p2}<dir path='${escapeXml(src.dir)}'/>\n`;
  if ((opts.flags & SRC.ADAPTER) && src.adapter) s += formatElement(src.adapter, depth + 1);
  if ((opts.flags & SRC.NAME) && src.name !== undefined) s += `${p2}<name>${escapeXml(src.name)}</name>\n`;
  if ((opts.flags & SRC.INITIATOR_IQN) && src.iqn !== undefined) {
    s += `${p2}<initiator>\n${p2}  <iqn name='${escapeXml(src.iqn)}'/>\n${p2}</initiator>\n`;
  }
  if (opts.formats) s += `${p2}<format type='${opts.formats[src.format ?? opts.defaultFormat ?? 0]}'/>\n`;
  if (src.auth) s += formatElement(src.auth, depth + 1);
  if (src.protocolVer) s += `${p2}<protocol ver='${src.protocolVer}'/>\n`;
  if (src.vendor !== undefined) s += `${p2}<vendor name='${escapeXml(src.vendor)}'/>\n`;
  if (src.product !== undefined) s += `${p2}<product name='${escapeXml(src.product)}'/>\n`;
  return s + `${pad}</source>\n`;
}

function parseSize(valueText: string, unit: string | undefined): bigint {
  const v = parseULL(valueText);
  if (v === null) throw xmlErr('malformed capacity element');
  return scaleInteger(v, unit, 1n, 0x7fffffffffffffffn, ErrorDomain.NONE);
}

function volFormatFromString(opts: PoolOptions, f: string): number {
  const list = opts.volFormats!;
  const i = list.indexOf(f);
  // virStorageVolumeFormatFromString refuses "none" for file formats.
  if (i < 0 || (list === FILE_FORMATS && i === 0)) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, `unknown volume format type ${f}`);
  }
  return i;
}

/** virStorageVolDefParseXML on a `<volume>` element, for a pool of `pool.type`. */
export function parseVolDef(pool: PoolDef, root: XmlElement): VolDef {
  if (root.name !== 'volume') {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `expecting root element of 'volume', not '${root.name}'`);
  }
  const opts = OPTIONS[pool.type];
  const name = xpathString(root, 'name');
  if (name === undefined) throw xmlErr('missing volume name element');
  const def: VolDef = { name, key: xpathString(root, 'key'), type: 0, capacity: 0n, allocation: 0n, perms: {} };
  const type = xpathAttr(root, 'type');
  if (type !== undefined) {
    const i = (VOL_TYPES as readonly string[]).indexOf(type);
    if (i < 0) throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, `unknown volume type '${type}'`);
    def.type = i;
  }
  const backing = xpathString(root, 'backingStore', 'path');
  if (backing !== undefined) {
    const bs = firstChild(root, 'backingStore');
    def.backing = { path: backing, perms: {} };
    if (opts.volFormats) {
      const f = xpathAttr(firstChild(bs, 'format'), 'type');
      def.backing.format = f === undefined ? opts.volDefault : volFormatFromString(opts, f);
    }
    def.backing.perms = parsePerms(firstChild(bs, 'permissions'));
  }
  const capacity = xpathString(root, 'capacity');
  if (capacity === undefined) throw xmlErr('missing capacity element');
  def.capacity = parseSize(capacity, xpathAttr(root, 'unit', 'capacity'));
  const allocation = xpathString(root, 'allocation');
  def.allocation = allocation !== undefined ? parseSize(allocation, xpathAttr(root, 'unit', 'allocation')) : def.capacity;
  const target = firstChild(root, 'target');
  def.path = xpathString(target, 'path');
  if (opts.volFormats) {
    const f = xpathAttr(firstChild(target, 'format'), 'type');
    def.format = f === undefined ? opts.volDefault : volFormatFromString(opts, f);
  }
  def.perms = parsePerms(firstChild(target, 'permissions'));
  def.encryption = firstChild(target, 'encryption');
  def.compat = xpathString(target, 'compat');
  if (def.compat !== undefined) {
    const parts = def.compat.split('.');
    if (parts.length < 2 || !/^\d+$/.test(parts[0]!) || !/^\d+$/.test(parts.slice(1).join('.'))) {
      throw xmlErr("forbidden characters in 'compat' attribute");
    }
  }
  const cs = firstChild(target, 'clusterSize');
  if (cs) {
    const v = parseULL(stringValue(cs));
    if (v === null) throw xmlErr("Invalid value for element or attribute './target/clusterSize'");
    def.clusterSize = scaleInteger(v, prop(cs, 'unit'), 1n, 0xffffffffffffffffn, ErrorDomain.NONE);
  }
  const features = firstChild(target, 'features');
  if (features) {
    if (def.compat === undefined) def.compat = '1.1';
    def.features = [];
    for (const f of features.children) {
      if (f.name !== 'lazy_refcounts' && f.name !== 'extended_l2') {
        throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, `unsupported feature ${f.name}`);
      }
      if (!def.features.includes(f.name)) def.features.push(f.name);
    }
    def.features.sort((a, b) => (a === 'lazy_refcounts' ? -1 : b === 'lazy_refcounts' ? 1 : 0));
  }
  return def;
}

function formatVolTarget(opts: PoolOptions, tag: string, path: string | undefined, format: number | undefined, perms: Perms, v?: VolDef): string {
  const p = '  ';
  let s = `${p}<${tag}>\n`;
  if (path !== undefined) s += `${p}  <path>${escapeXml(path)}</path>\n`;
  if (opts.volFormats) s += `${p}  <format type='${opts.volFormats[format ?? opts.volDefault ?? 0]}'/>\n`;
  s += formatPerms(perms, p + '  ');
  if (v) {
    if (v.encryption) s += formatElement(v.encryption, 2);
    if (v.compat !== undefined) s += `${p}  <compat>${escapeXml(v.compat)}</compat>\n`;
    if (v.clusterSize) s += `${p}  <clusterSize unit='B'>${v.clusterSize}</clusterSize>\n`;
    if (v.features) {
      if (v.features.length === 0) s += `${p}  <features/>\n`;
      else s += `${p}  <features>\n` + v.features.map((f) => `${p}    <${f}/>\n`).join('') + `${p}  </features>\n`;
    }
  }
  return s + `${p}</${tag}>\n`;
}

/** virStorageVolDefFormat. */
export function formatVolDef(pool: PoolDef, v: VolDef): string {
  const opts = OPTIONS[pool.type];
  const p = '  ';
  let s = `<volume type='${VOL_TYPES[v.type]}'>\n`;
  s += `${p}<name>${escapeXml(v.name)}</name>\n`;
  if (v.key !== undefined) s += `${p}<key>${escapeXml(v.key)}</key>\n`;
  s += `${p}<capacity unit='bytes'>${v.capacity}</capacity>\n`;
  s += `${p}<allocation unit='bytes'>${v.allocation}</allocation>\n`;
  s += formatVolTarget(opts, 'target', v.path, v.format, v.perms, v);
  if (v.backing) s += formatVolTarget(opts, 'backingStore', v.backing.path, v.backing.format, v.backing.perms);
  return s + '</volume>\n';
}

/** testStorageVolumeTypeForPool: the volume type virStorageVolGetInfo reports. */
export function volTypeForPool(type: PoolType): number {
  switch (type) {
    case 'dir': case 'fs': case 'netfs': case 'vstorage': return 0;
    case 'sheepdog': case 'iscsi-direct': case 'gluster': case 'rbd': return 3;
    default: return 1;
  }
}

/** VIR_CONNECT_LIST_STORAGE_POOLS_<TYPE> bit for a pool type. */
export function poolTypeFlag(type: PoolType): number {
  const order: PoolType[] = ['dir', 'fs', 'netfs', 'logical', 'disk', 'iscsi', 'scsi', 'mpath', 'rbd', 'sheepdog', 'gluster', 'zfs', 'vstorage', 'iscsi-direct'];
  return 1 << (6 + order.indexOf(type));
}

/** virStoragePoolObjSourceFindDuplicateCb: does `b` (being added) conflict with existing `a`? */
export function sourceConflicts(a: PoolDef, b: PoolDef): boolean {
  if (a.name === b.name) return false;
  const singleHost = (): boolean => {
    const ah = a.source.hosts;
    const bh = b.source.hosts;
    if (ah.length !== 1 && bh.length !== 1) return false;
    if (!ah[0] || !bh[0]) return false;
    if (bh[0].port && ah[0].port !== bh[0].port) return false;
    return ah[0].name === bh[0].name;
  };
  const sameDevices = (): boolean =>
    a.source.devices.some((d) => b.source.devices.some((e) => e.path === d.path));
  const deviceTypes: PoolType[] = ['iscsi', 'fs', 'logical', 'disk', 'zfs'];
  switch (a.type) {
    case 'dir':
      return b.type === 'dir' && a.targetPath === b.targetPath;
    case 'gluster':
      return b.type === a.type && a.source.name === b.source.name && a.source.dir === b.source.dir && singleHost();
    case 'netfs':
      return b.type === a.type && a.source.dir === b.source.dir && singleHost();
    case 'scsi':
      return b.type === a.type && !!a.source.adapter && !!b.source.adapter &&
        formatElement(a.source.adapter, 0) === formatElement(b.source.adapter, 0);
    case 'iscsi': case 'fs': case 'logical': case 'disk': case 'zfs':
      if (!deviceTypes.includes(b.type)) return false;
      if (a.type === 'iscsi') {
        if (b.type !== 'iscsi') return false;
        return sameDevices() && a.source.iqn === b.source.iqn;
      }
      if (b.type === 'iscsi') return false;
      return sameDevices();
    case 'sheepdog':
      return b.type === a.type && singleHost();
    case 'mpath':
      return b.type === a.type;
    case 'vstorage':
      return b.type === a.type && a.source.name === b.source.name;
    default:
      return false;
  }
}
