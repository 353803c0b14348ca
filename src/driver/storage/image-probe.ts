/**
 * Image header probing, as libvirt's storage_file_probe.c does it for the
 * storage driver: the format from the magic and version
 * (virStorageFileProbeFormatFromBuf), then capacity, cluster size, backing
 * file, backing format and qcow2 v3 features (virStorageFileProbeGetMetadata).
 * libvirt never runs `qemu-img info` for this.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** virStorageFileFormat: index = enum value (the dir pool's volume format names). */
export const FILE_FORMATS = [
  'none', 'raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop',
  'cow', 'qcow', 'qcow2', 'qed', 'vmdk',
] as const;

export const Fmt = {
  NONE: 0, RAW: 1, DIR: 2, BOCHS: 3, CLOOP: 4, DMG: 5, ISO: 6, VPC: 7, VDI: 8, FAT: 9, VHD: 10, PLOOP: 11,
  COW: 12, QCOW: 13, QCOW2: 14, QED: 15, VMDK: 16,
  /** VIR_STORAGE_FILE_AUTO (-1): probe. */
  AUTO: -1,
} as const;

/** VIR_STORAGE_MAX_HEADER: how much of a file is read for probing. */
export const MAX_HEADER = 0x8000;

/** virStorageFileFeature names, in enum order. */
export const FEATURES = ['lazy_refcounts', 'extended_l2'] as const;

interface TypeInfo {
  magicOffset: number;
  magic: Buffer | null;
  be: boolean;
  /** -1 no version check possible, -2 unversioned. */
  versionOffset: number;
  versionSize: number;
  versions: number[];
  /** -1: none (capacity comes from the file size). */
  sizeOffset: number;
  sizeMultiplier: number;
}

const m = (s: string): Buffer => Buffer.from(s, 'latin1');
const T = (magicOffset: number, magic: Buffer | null, be: boolean, versionOffset: number, versionSize: number,
  versions: number[], sizeOffset: number, sizeMultiplier = 1): TypeInfo =>
  ({ magicOffset, magic, be, versionOffset, versionSize, versions, sizeOffset, sizeMultiplier });

const QCOWX_HDR_VERSION = 4;
const QCOWX_HDR_BACKING_FILE_OFFSET = QCOWX_HDR_VERSION + 4;
const QCOWX_HDR_BACKING_FILE_SIZE = QCOWX_HDR_BACKING_FILE_OFFSET + 8;
const QCOWX_HDR_CLUSTER_BITS_OFFSET = QCOWX_HDR_BACKING_FILE_SIZE + 4;
const QCOWX_HDR_IMAGE_SIZE = QCOWX_HDR_CLUSTER_BITS_OFFSET + 4;
const QCOW2_HDR_CRYPT = QCOWX_HDR_IMAGE_SIZE + 8;
const QCOW2_HDR_TOTAL_SIZE = QCOW2_HDR_CRYPT + 4 + 4 + 8 + 8 + 4 + 4 + 8;
const QCOW2V3_HDR_FEATURES_INCOMPATIBLE = QCOW2_HDR_TOTAL_SIZE;
const QCOW2V3_HDR_FEATURES_COMPATIBLE = QCOW2V3_HDR_FEATURES_INCOMPATIBLE + 8;
const QCOW2V3_HDR_SIZE = QCOW2_HDR_TOTAL_SIZE + 8 + 8 + 8 + 4;
const QCOW2_EXT_BACKING_FORMAT = 0xe2792aca;
const QED_HDR_FEATURES_OFFSET = 16;
const QED_HDR_IMAGE_SIZE = QED_HDR_FEATURES_OFFSET + 32;
const QED_HDR_BACKING_FILE_OFFSET = QED_HDR_IMAGE_SIZE + 8;

/** fileTypeInfo[] of storage_file_probe.c (magic, version, size field). */
const TYPES: Record<number, TypeInfo> = {
  [Fmt.BOCHS]: T(0, null, false, 64, 4, [0x20000], 32 + 16 + 16 + 4 + 4 + 4 + 4 + 4),
  [Fmt.ISO]: T(32769, m('CD001'), false, -2, 0, [], -1),
  [Fmt.VPC]: T(0, m('conectix'), true, 12, 4, [0x10000], 8 + 4 + 4 + 8 + 4 + 4 + 2 + 2 + 4),
  [Fmt.VDI]: T(64, m('\x7f\x10\xda\xbe'), false, 68, 4, [0x00010001], 64 + 5 * 4 + 256 + 7 * 4),
  [Fmt.PLOOP]: T(0, m('WithouFreSpacExt'), false, -2, 0, [], 36, 512),
  [Fmt.COW]: T(0, m('OOOM'), true, 4, 4, [2], 4 + 4 + 1024 + 4),
  [Fmt.QCOW]: T(0, m('QFI'), true, 4, 4, [1], QCOWX_HDR_IMAGE_SIZE),
  [Fmt.QCOW2]: T(0, m('QFI'), true, 4, 4, [2, 3], QCOWX_HDR_IMAGE_SIZE),
  [Fmt.QED]: T(0, m('QED'), false, -2, 0, [], QED_HDR_IMAGE_SIZE),
  [Fmt.VMDK]: T(0, m('KDMV'), false, 4, 4, [1, 2, 3], 4 + 4 + 4, 512),
};

/** What a header says about an image. */
export interface ImageMeta {
  format: number;
  /** From the header; 0 when the format has none (the caller uses the file size). */
  capacity: bigint;
  clusterSize: bigint;
  /** The backing file name as stored, if any. */
  backingRaw?: string | undefined;
  /** The backing format from the header, or AUTO (probe it), or NONE. */
  backingFormat: number;
  /** qcow2 v3 only: the features bitmap (possibly empty). */
  features?: string[] | undefined;
  /** '1.1' for qcow2 v3. */
  compat?: string | undefined;
}

function u32(buf: Buffer, off: number, be: boolean): number {
  return be ? buf.readUInt32BE(off) : buf.readUInt32LE(off);
}

function matchesMagic(t: TypeInfo, buf: Buffer): boolean {
  if (!t.magic) return false;
  if (t.magicOffset + t.magic.length > buf.length) return false;
  return buf.subarray(t.magicOffset, t.magicOffset + t.magic.length).equals(t.magic);
}

function matchesVersion(t: TypeInfo, buf: Buffer): boolean {
  if (t.versionOffset === -1) return false;
  if (t.versionOffset === -2) return true;
  if (t.versionOffset + t.versionSize > buf.length) return false;
  const v = t.versionSize === 4 ? u32(buf, t.versionOffset, t.be)
    : t.be ? buf.readUInt16BE(t.versionOffset) : buf.readUInt16LE(t.versionOffset);
  return t.versions.includes(v | 0);
}

/** virStorageFileProbeFormatFromBuf: the first format whose magic and version match, else raw. */
export function probeFormat(buf: Buffer): number {
  for (let i = 0; i < FILE_FORMATS.length; i++) {
    const t = TYPES[i];
    if (t && matchesMagic(t, buf) && matchesVersion(t, buf)) return i;
  }
  return Fmt.RAW;
}

/** virStorageFileFormatTypeFromString. */
export function formatFromString(s: string): number {
  return (FILE_FORMATS as readonly string[]).indexOf(s);
}

function qcow2BackingFormat(buf: Buffer): number | null {
  const version = buf.readUInt32BE(QCOWX_HDR_VERSION);
  if (version < 2) return Fmt.AUTO;
  const start = version === 2 ? QCOW2_HDR_TOTAL_SIZE : buf.readUInt32BE(QCOW2V3_HDR_SIZE);
  const end = Number(buf.readBigUInt64BE(QCOWX_HDR_BACKING_FILE_OFFSET));
  if (end > buf.length) return null;
  let fmt: number = Fmt.AUTO;
  let off = start;
  while (off < buf.length - 8 && off < end - 8) {
    const magic = buf.readUInt32BE(off);
    const len = buf.readUInt32BE(off + 4);
    off += 8;
    if (off + len > buf.length) break;
    if (magic === QCOW2_EXT_BACKING_FORMAT) {
      fmt = formatFromString(buf.subarray(off, off + len).toString('latin1').replace(/\0.*$/s, ''));
      if (fmt <= Fmt.NONE) return null;
    } else if (magic === 0) {
      return fmt;
    }
    off += len;
  }
  return fmt;
}

/** qcowXGetBackingStore: undefined for "invalid" (the probe then stops, keeping what it has). */
function qcowBacking(buf: Buffer): { raw?: string; format: number } | undefined {
  if (buf.length < QCOWX_HDR_BACKING_FILE_OFFSET + 12) return undefined;
  const off = Number(buf.readBigUInt64BE(QCOWX_HDR_BACKING_FILE_OFFSET));
  if (off > buf.length) return undefined;
  if (off === 0) return { format: Fmt.NONE };
  const size = buf.readUInt32BE(QCOWX_HDR_BACKING_FILE_SIZE);
  if (size === 0) return { format: Fmt.NONE };
  if (size > 1023 || off + size > buf.length) return undefined;
  const raw = buf.subarray(off, off + size).toString('latin1').replace(/\0.*$/s, '');
  const format = qcow2BackingFormat(buf);
  if (format === null) return undefined;
  return { raw, format };
}

function qedBacking(buf: Buffer): { raw?: string; format: number } | undefined {
  if (buf.length < QED_HDR_FEATURES_OFFSET + 8) return undefined;
  const flags = buf.readBigUInt64LE(QED_HDR_FEATURES_OFFSET);
  if (!(flags & 1n)) return { format: Fmt.NONE };
  if (buf.length < QED_HDR_BACKING_FILE_OFFSET + 8) return undefined;
  const off = buf.readUInt32LE(QED_HDR_BACKING_FILE_OFFSET);
  const size = buf.readUInt32LE(QED_HDR_BACKING_FILE_OFFSET + 4);
  if (off > buf.length) return undefined;
  if (size === 0) return { format: Fmt.NONE };
  if (off + size > buf.length) return undefined;
  // QED_F_BACKING_FORMAT_NO_PROBE says raw; otherwise libvirt probes "safely" (as AUTO here).
  return { raw: buf.subarray(off, off + size).toString('latin1'), format: flags & 4n ? Fmt.RAW : Fmt.AUTO };
}

/**
 * virStorageFileProbeGetMetadata on a header: `format` AUTO probes it
 * first. Formats without magic (raw, dir…) say nothing more.
 */
export function probeHeader(buf: Buffer, format: number = Fmt.AUTO): ImageMeta {
  const fmt = format === Fmt.AUTO ? probeFormat(buf) : format;
  const meta: ImageMeta = { format: fmt, capacity: 0n, clusterSize: 0n, backingFormat: Fmt.NONE };
  const t = TYPES[fmt];
  if (!t || !t.magic) return meta;
  if (t.sizeOffset !== -1) {
    if (t.sizeOffset + 8 > buf.length) return meta;
    const cap = t.be ? buf.readBigUInt64BE(t.sizeOffset) : buf.readBigUInt64LE(t.sizeOffset);
    if (cap > 0xffffffffffffffffn / BigInt(t.sizeMultiplier)) return meta;
    meta.capacity = cap * BigInt(t.sizeMultiplier);
  }
  if (fmt === Fmt.QCOW2 && QCOWX_HDR_CLUSTER_BITS_OFFSET + 4 <= buf.length) {
    const bits = buf.readInt32BE(QCOWX_HDR_CLUSTER_BITS_OFFSET);
    if (bits > 0) meta.clusterSize = 1n << BigInt(bits);
  }
  let backing: { raw?: string; format: number } | undefined;
  if (fmt === Fmt.QCOW || fmt === Fmt.QCOW2) backing = qcowBacking(buf);
  else if (fmt === Fmt.QED) backing = qedBacking(buf);
  else if (fmt === Fmt.VMDK || fmt === Fmt.COW) backing = { format: Fmt.NONE }; // descriptor backing: not probed here
  if (fmt === Fmt.QCOW || fmt === Fmt.QCOW2 || fmt === Fmt.QED) {
    if (backing === undefined) return meta;
    meta.backingRaw = backing.raw;
    meta.backingFormat = backing.format;
  }
  if (fmt === Fmt.QCOW2 && buf.readUInt32BE(QCOWX_HDR_VERSION) !== 2) {
    // qcow2GetFeatures: v3 headers carry feature bits (a short header is an error in libvirt; none here).
    if (buf.length >= QCOW2V3_HDR_SIZE) {
      const features: string[] = [];
      if (buf.readBigUInt64BE(QCOW2V3_HDR_FEATURES_COMPATIBLE) & 1n) features.push('lazy_refcounts');
      if (buf.readBigUInt64BE(QCOW2V3_HDR_FEATURES_INCOMPATIBLE) & (1n << 4n)) features.push('extended_l2');
      meta.features = features;
      meta.compat = '1.1';
    }
  }
  return meta;
}

/** Reads up to MAX_HEADER bytes of a file from its start (virFileReadHeaderFD). */
export function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(MAX_HEADER);
    const n = readSync(fd, buf, 0, MAX_HEADER, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
