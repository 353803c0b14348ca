/**
 * A volume of a file-backed pool with what libvirt learns from the disk
 * (virStorageVolDef + virStorageSource): sizes, permissions, timestamps,
 * probed format, backing store. The XML of the request is parsed by the
 * shared storage model (storage-def.ts); this adds the status part and
 * formats it as virStorageVolDefFormat does, with `<physical>` and
 * `<timestamps>`, which the test driver never prints.
 */
import { escapeXml } from '../../util/xml.js';
import type { Perms, VolDef } from '../../conf/storage-def.js';
import { formatElement } from '../../conf/node-conf-util.js';
import { FILE_FORMATS, Fmt } from './image-probe.js';

/** virStorageVolType. */
export const VolType = { FILE: 0, BLOCK: 1, DIR: 2, NETWORK: 3, NETDIR: 4, PLOOP: 5 } as const;
const VOL_TYPES = ['file', 'block', 'dir', 'network', 'netdir', 'ploop'] as const;

/** stat's times as libvirt prints them: seconds, and nanoseconds when not 0. */
export interface Timestamps { atime: bigint; mtime: bigint; ctime: bigint; btime: bigint }

/** virStorageSource, the parts a file volume has. */
export interface VolSource {
  path: string;
  format: number;
  capacity: bigint;
  allocation: bigint;
  physical: bigint;
  perms: Perms;
  timestamps?: Timestamps | undefined;
  compat?: string | undefined;
  clusterSize?: bigint | undefined;
  features?: string[] | undefined;
  encryption?: VolDef['encryption'];
  nocow?: boolean | undefined;
}

export interface DirVol {
  name: string;
  key: string;
  type: number;
  target: VolSource;
  backing?: VolSource | undefined;
  /** The request gave an <allocation> (target.has_allocation). */
  hasAllocation: boolean;
  /** A create/clone is running (voldef->building). */
  building: boolean;
  /** Streams and clones using it (voldef->in_use). */
  inUse: number;
}

/** The volume a create request asks for, from the shared model's parse. */
export function volFromDef(def: VolDef, hasAllocation: boolean): DirVol {
  const target: VolSource = {
    path: def.path ?? '', format: def.format ?? Fmt.RAW, capacity: def.capacity, allocation: def.allocation,
    physical: 0n, perms: { ...def.perms }, compat: def.compat, clusterSize: def.clusterSize,
    features: def.features, encryption: def.encryption,
  };
  const vol: DirVol = { name: def.name, key: def.key ?? '', type: def.type, target, hasAllocation, building: false, inUse: 0 };
  if (def.backing) {
    vol.backing = {
      path: def.backing.path, format: def.backing.format ?? Fmt.RAW, capacity: 0n, allocation: 0n, physical: 0n,
      perms: { ...def.backing.perms },
    };
  }
  return vol;
}

function ts(name: string, ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const nsec = ns % 1_000_000_000n;
  return `<${name}>${sec}${nsec ? '.' + String(nsec).padStart(9, '0') : ''}</${name}>`;
}

/** virStorageVolTargetDefFormat. */
function formatTarget(src: VolSource, tag: string): string {
  const p = '    ';
  let s = `  <${tag}>\n`;
  s += `${p}<path>${escapeXml(src.path)}</path>\n`;
  s += `${p}<format type='${FILE_FORMATS[src.format] ?? 'raw'}'/>\n`;
  const pm = src.perms;
  if (pm.mode !== undefined || pm.uid !== undefined || pm.gid !== undefined || pm.label !== undefined) {
    s += `${p}<permissions>\n`;
    if (pm.mode !== undefined) s += `${p}  <mode>0${pm.mode.toString(8)}</mode>\n`;
    if (pm.uid !== undefined) s += `${p}  <owner>${pm.uid | 0}</owner>\n`;
    if (pm.gid !== undefined) s += `${p}  <group>${pm.gid | 0}</group>\n`;
    if (pm.label !== undefined) s += `${p}  <label>${escapeXml(pm.label)}</label>\n`;
    s += `${p}</permissions>\n`;
  }
  if (src.timestamps) {
    const t = src.timestamps;
    s += `${p}<timestamps>\n`;
    for (const [n, v] of [['atime', t.atime], ['mtime', t.mtime], ['ctime', t.ctime], ['btime', t.btime]] as const) {
      s += `${p}  ${ts(n, v)}\n`;
    }
    s += `${p}</timestamps>\n`;
  }
  if (src.encryption) s += formatElement(src.encryption, 2);
  if (src.compat !== undefined) s += `${p}<compat>${escapeXml(src.compat)}</compat>\n`;
  if (src.clusterSize) s += `${p}<clusterSize unit='B'>${src.clusterSize}</clusterSize>\n`;
  if (src.features) {
    if (src.features.length === 0) s += `${p}<features/>\n`;
    else s += `${p}<features>\n` + src.features.map((f) => `${p}  <${f}/>\n`).join('') + `${p}</features>\n`;
  }
  return s + `  </${tag}>\n`;
}

/** virStorageVolDefFormat for a volume of a dir pool. */
export function formatDirVol(v: DirVol): string {
  let s = `<volume type='${VOL_TYPES[v.type] ?? 'file'}'>\n`;
  s += `  <name>${escapeXml(v.name)}</name>\n`;
  s += `  <key>${escapeXml(v.key)}</key>\n`;
  s += `  <capacity unit='bytes'>${v.target.capacity}</capacity>\n`;
  s += `  <allocation unit='bytes'>${v.target.allocation}</allocation>\n`;
  if (v.target.physical) s += `  <physical unit='bytes'>${v.target.physical}</physical>\n`;
  s += formatTarget(v.target, 'target');
  if (v.backing) s += formatTarget(v.backing, 'backingStore');
  return s + '</volume>\n';
}
