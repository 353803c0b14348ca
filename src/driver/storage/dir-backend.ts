/**
 * The `dir` pool backend (libvirt's virStorageBackendDirectory in
 * storage_backend_fs.c, with the local helpers of storage_util.c): build,
 * check, refresh and delete the pool's directory; create, refresh, clone,
 * resize, wipe and delete its volumes. Raw files are made here as libvirt
 * makes them (O_EXCL create, ftruncate to the capacity, fallocate of the
 * allocation); every other format through `qemu-img` with libvirt's
 * arguments (see qemu-img.ts).
 *
 * Node has no fallocate(2): the allocation is made with util-linux's
 * `fallocate -l N FILE` (the same syscall, mode 0, from offset 0), and where
 * that is unsupported by zero writes, as libvirt's safezero falls back.
 */
import {
  accessSync, chmodSync, chownSync, closeSync, constants, existsSync, fchmodSync, fchownSync, fstatSync, fsyncSync,
  ftruncateSync, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync, statfsSync, statSync, unlinkSync, writeSync,
  type BigIntStats,
} from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { strerror } from '../../util/strerror.js';
import type { PoolDef } from '../../conf/storage-def.js';
import { Fmt, probeFormat, probeHeader, readHeader } from './image-probe.js';
import { qemuImgCreateArgv, qemuImgResizeArgv, runTool, type ToolResult } from './qemu-img.js';
import { VolType, type DirVol, type VolSource } from './vol-def.js';

const D = ErrorDomain.STORAGE;
/** util/virfile.c and vircommand.c report from VIR_FROM_NONE. */
const U = ErrorDomain.NONE;
/** VIR_STORAGE_DEFAULT_POOL_PERM_MODE / VIR_STORAGE_DEFAULT_VOL_PERM_MODE. */
export const DEFAULT_POOL_MODE = 0o711;
export const DEFAULT_VOL_MODE = 0o600;

/** virStorageVolCreateFlags / Resize / Build flags used here. */
export const VolCreate = { PREALLOC_METADATA: 1, REFLINK: 2, VALIDATE: 4 } as const;
export const VolResize = { ALLOCATE: 1, DELTA: 2, SHRINK: 4 } as const;
export const PoolBuild = { NEW: 0, REPAIR: 1, RESIZE: 2, NO_OVERWRITE: 4, OVERWRITE: 8 } as const;

/** virReportSystemError: `<message>: <strerror>`, VIR_ERR_SYSTEM_ERROR with errno in int1. */
export function systemError(err: unknown, message: string, domain: number = D): VirtError {
  const e = err as NodeJS.ErrnoException;
  const errno = typeof e?.errno === 'number' ? Math.abs(e.errno) : -1;
  return new VirtError(ErrorCode.SYSTEM_ERROR, `${message}: ${strerror(err)}`, domain,
    { str1: '%s', str2: `${message}: ${strerror(err)}`, int1: errno }, { cause: err });
}

/** virCommandWait's error for a tool that failed: the command line, the status and what it printed on stderr. */
function childError(argv: string[], r: ToolResult): VirtError {
  const status = r.status !== null ? `exit status ${r.status}` : `fatal signal ${r.signal ?? 0}`;
  return VirtError.report(ErrorCode.INTERNAL_ERROR, U,
    `Child process (${argv.join(' ')}) unexpected ${status}${r.stderr ? ': ' + r.stderr : ''}`);
}

function errnoError(code: string): NodeJS.ErrnoException {
  const e = new Error(code) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

function perm(v: number | undefined): number {
  return v === undefined ? -1 : v;
}

// ---- pool -----------------------------------------------------------------

/** virStorageBackendFileSystemBuild for a dir pool (virStorageBackendBuildLocal). */
export function buildPool(def: PoolDef, flags: number): void {
  if ((flags & PoolBuild.OVERWRITE) && (flags & PoolBuild.NO_OVERWRITE)) {
    throw VirtError.report(ErrorCode.INVALID_ARG, D,
      "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive");
  }
  const path = def.targetPath ?? '';
  const slash = path.lastIndexOf('/');
  if (slash < 0) throw VirtError.report(ErrorCode.INVALID_ARG, D, `path '${path}' is not absolute`);
  if (slash > 0) {
    const parent = path.slice(0, slash);
    try {
      mkdirSync(parent, { recursive: true, mode: 0o777 });
    } catch (e) {
      throw systemError(e, `cannot create path '${parent}'`);
    }
  }
  let mode = def.perms.mode;
  if (mode === undefined && !existsSync(path)) mode = DEFAULT_POOL_MODE;
  dirCreate(path, mode, def.perms.uid, def.perms.gid);
  if (flags !== 0) {
    // virStorageBackendMakeFileSystem: a dir pool has no source device to format.
    throw VirtError.report(ErrorCode.OPERATION_INVALID, D, `No source device specified when formatting pool '${def.name}'`);
  }
}

/** virDirCreateNoFork with VIR_DIR_CREATE_ALLOW_EXIST. */
function dirCreate(path: string, mode: number | undefined, uid: number | undefined, gid: number | undefined): void {
  let created = false;
  try {
    if (!existsSync(path)) {
      try {
        mkdirSync(path, { mode: mode ?? 0o777 });
      } catch (e) {
        throw systemError(e, `failed to create directory '${path}'`, U);
      }
      created = true;
    }
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      throw systemError(e, `stat of '${path}' failed`, U);
    }
    if ((uid !== undefined && st.uid !== uid) || (gid !== undefined && st.gid !== gid)) {
      try {
        chownSync(path, perm(uid), perm(gid));
      } catch (e) {
        throw systemError(e, `cannot chown '${path}' to (${perm(uid) >>> 0}, ${perm(gid) >>> 0})`, U);
      }
    }
    if (mode !== undefined) {
      try {
        chmodSync(path, mode);
      } catch (e) {
        throw systemError(e, `cannot set mode of '${path}' to ${mode.toString(8).padStart(4, '0')}`, U);
      }
    }
  } catch (e) {
    if (created) try { rmdirSync(path); } catch { /* as libvirt: best effort */ }
    throw e;
  }
}

/** virStorageBackendFileSystemCheck: a dir pool is active when its directory exists. */
export function checkPool(def: PoolDef): boolean {
  return existsSync(def.targetPath ?? '');
}

/** virStorageBackendDeleteLocal. */
export function deletePool(def: PoolDef): void {
  try {
    rmdirSync(def.targetPath ?? '');
  } catch (e) {
    throw systemError(e, `failed to remove pool '${def.targetPath ?? ''}'`);
  }
}

/**
 * virStorageBackendRefreshLocal: every entry of the directory probed as a
 * volume (entries that cannot be opened are skipped), then the pool's
 * sizes from statvfs and its permissions from the directory.
 */
export function refreshPool(def: PoolDef): DirVol[] {
  const dir = def.targetPath ?? '';
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw systemError(e, `cannot open directory '${dir}'`, U);
  }
  const vols: DirVol[] = [];
  for (const name of names) {
    // virStringHasControlChars: such names are ignored with a warning.
    if (/[\x01-\x1f]/.test(name)) continue;
    const path = `${dir}/${name}`;
    const vol: DirVol = {
      name, key: path, type: VolType.FILE, hasAllocation: false, building: false, inUse: 0,
      target: { path, format: Fmt.RAW, capacity: 0n, allocation: 0n, physical: 0n, perms: {} },
    };
    if (refreshVolTargetUpdate(vol) === 'skip') continue;
    vols.push(vol);
  }
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw systemError(e, `cannot stat path '${dir}'`);
  }
  let fs;
  try {
    fs = statfsSync(dir, { bigint: true });
  } catch (e) {
    throw systemError(e, `cannot statvfs path '${dir}'`);
  }
  // f_frsize * f_blocks; available is f_bfree (not f_bavail) * f_frsize.
  def.capacity = fs.bsize * fs.blocks;
  def.available = fs.bfree * fs.bsize;
  def.allocation = def.capacity - def.available;
  def.perms = { mode: st.mode & 0o777, uid: st.uid, gid: st.gid };
  return vols;
}

// ---- volume info ----------------------------------------------------------

/**
 * virStorageBackendVolOpen's checks, then virStorageBackendUpdateVolTargetInfoFD:
 * sizes, permissions and timestamps from stat. Returns null for "ignore"
 * (with `noerror`: a missing file, a FIFO, a socket…).
 */
function statTarget(src: VolSource, noerror: boolean): BigIntStats | null {
  let st: BigIntStats;
  try {
    st = lstatSync(src.path, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      if (noerror) return null;
      throw VirtError.report(ErrorCode.NO_STORAGE_VOL, D, `no storage vol with matching path '${src.path}'`);
    }
    throw systemError(e, `cannot stat file '${src.path}'`);
  }
  if (st.isFIFO() || st.isSocket()) {
    if (noerror) return null;
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, D,
      `Volume path '${src.path}' is a ${st.isFIFO() ? 'FIFO' : 'socket'}`);
  }
  try {
    st = statSync(src.path, { bigint: true });
    // virFileOpenAs(O_RDONLY): it must be readable.
    accessSync(src.path, constants.R_OK);
  } catch (e) {
    if (noerror) return null;
    throw systemError(e, `cannot open volume '${src.path}'`);
  }
  if (!st.isFile() && !st.isDirectory() && !st.isBlockDevice() && !st.isCharacterDevice()) {
    if (noerror) return null;
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `unexpected type for file '${src.path}'`);
  }
  if (st.isFile() || st.isDirectory() === false) {
    src.allocation = st.blocks * 512n;
    src.capacity = st.size;
    src.physical = st.size;
  }
  if (st.isDirectory()) {
    src.allocation = 0n;
    src.capacity = 0n;
    src.physical = 0n;
  }
  src.perms = { mode: Number(st.mode) & 0o777, uid: Number(st.uid), gid: Number(st.gid) };
  // btime is 0 on Linux (libvirt does not read statx's birth time).
  src.timestamps = { atime: st.atimeNs, mtime: st.mtimeNs, ctime: st.ctimeNs, btime: 0n };
  return st;
}

/**
 * storageBackendUpdateVolTargetInfo: stat, then the capacity from the
 * header for the volume's (known, not probed) format: a raw file's is its
 * size, other formats' the header's.
 */
function updateTargetInfo(src: VolSource, noerror: boolean): boolean {
  const st = statTarget(src, noerror);
  if (!st) return false;
  if (st.isFile() && src.format !== Fmt.NONE) {
    if (src.format === Fmt.RAW && !src.encryption) {
      src.capacity = src.physical;
    } else {
      let buf: Buffer;
      try {
        buf = readHeader(src.path);
      } catch (e) {
        throw systemError(e, `cannot read header '${src.path}'`);
      }
      const meta = probeHeader(buf, src.format);
      src.capacity = meta.capacity ? meta.capacity : src.physical;
    }
  }
  return true;
}

/** virStorageBackendVolRefreshLocal (virStorageBackendUpdateVolInfo): the volume and its backing file. */
export function refreshVol(vol: DirVol): void {
  updateTargetInfo(vol.target, false);
  if (vol.backing) updateTargetInfo(vol.backing, true);
}

/**
 * virStorageBackendRefreshVolTargetUpdate (storageBackendProbeTarget): the
 * format, capacity, backing store, cluster size and features probed from
 * the header, as pool refresh and wipe see a volume. 'skip' for entries
 * refresh ignores.
 */
export function refreshVolTargetUpdate(vol: DirVol): 'ok' | 'skip' {
  const t = vol.target;
  t.format = Fmt.RAW;
  const st = statTarget(t, true);
  if (!st) return 'skip';
  t.encryption = undefined;
  if (st.isDirectory()) {
    t.format = Fmt.DIR;
    vol.type = VolType.DIR;
    return 'ok';
  }
  let buf: Buffer;
  try {
    buf = readHeader(t.path);
  } catch (e) {
    throw systemError(e, `cannot read header '${t.path}'`);
  }
  const meta = probeHeader(buf);
  vol.backing = undefined;
  if (meta.backingRaw !== undefined) {
    const raw = meta.backingRaw;
    const path = raw.startsWith('/') ? raw : join(dirname(t.path), raw);
    const b: VolSource = { path, format: meta.backingFormat, capacity: 0n, allocation: 0n, physical: 0n, perms: {} };
    if (b.format === Fmt.AUTO) {
      try {
        b.format = probeFormat(readHeader(path));
      } catch {
        // "cannot probe backing volume format": logged, the format faked as raw.
        b.format = Fmt.RAW;
      }
    }
    vol.backing = b;
  }
  t.format = meta.format;
  if (meta.capacity) t.capacity = meta.capacity;
  if (meta.clusterSize > 0n) t.clusterSize = meta.clusterSize;
  t.features = meta.features;
  if (meta.compat) t.compat = meta.compat;
  if (t.format === Fmt.DIR) vol.type = VolType.DIR;
  if (t.format === Fmt.PLOOP) vol.type = VolType.PLOOP;
  if (vol.backing) {
    try {
      updateTargetInfo(vol.backing, false);
    } catch {
      // The backing file is unavailable: its sizes and owner stay unknown.
    }
  }
  return 'ok';
}

// ---- volume creation ------------------------------------------------------

/** virStorageBackendVolCreateLocal: type, path and key of a new volume (nothing is created yet). */
export function createVol(def: PoolDef, vol: DirVol): void {
  if (vol.target.format === Fmt.DIR) vol.type = VolType.DIR;
  else if (vol.target.format === Fmt.PLOOP) vol.type = VolType.PLOOP;
  else vol.type = VolType.FILE;
  if (vol.name.includes('/')) {
    throw VirtError.report(ErrorCode.OPERATION_INVALID, D, `volume name '${vol.name}' cannot contain '/'`);
  }
  vol.target.path = `${def.targetPath ?? ''}/${vol.name}`;
  if (existsSync(vol.target.path)) {
    throw VirtError.report(ErrorCode.OPERATION_INVALID, D, `volume target path '${vol.target.path}' already exists`);
  }
  vol.key = vol.target.path;
}

/**
 * storageBackendVolBuildLocal: the function libvirt picks for the formats
 * (virStorageBackendGetBuildVolFromFunction for clones) and runs it.
 */
export async function buildVol(def: PoolDef, vol: DirVol, input: DirVol | null, flags: number): Promise<void> {
  const t = vol.target;
  if (input) {
    const needsTool = (vol.type === VolType.FILE && (t.format !== Fmt.RAW || t.encryption))
      || (input.type === VolType.FILE && (input.target.format !== Fmt.RAW || input.target.encryption));
    if (needsTool) return createQemuImg(def, vol, input, flags);
    if (vol.type === VolType.PLOOP) throw VirtError.report(ErrorCode.NO_SUPPORT, D, 'ploop volumes are not supported');
    return createRaw(vol, input, flags);
  }
  if (t.format === Fmt.RAW && !t.encryption) return createRaw(vol, null, flags);
  if (t.format === Fmt.DIR) return createFileDir(vol, flags);
  if (t.format === Fmt.PLOOP) throw VirtError.report(ErrorCode.NO_SUPPORT, D, 'ploop volumes are not supported');
  return createQemuImg(def, vol, null, flags);
}

/** createFileDir: a directory volume. */
function createFileDir(vol: DirVol, flags: number): void {
  checkVolFlags(flags, 0, 'createFileDir');
  if (vol.backing) throw VirtError.report(ErrorCode.NO_SUPPORT, D, 'backing storage not supported for directories volumes');
  dirCreate(vol.target.path, vol.target.perms.mode ?? DEFAULT_VOL_MODE, vol.target.perms.uid, vol.target.perms.gid);
}

function checkVolFlags(flags: number, allowed: number, func: string): void {
  const bad = (flags >>> 0) & ~allowed;
  if (bad) {
    throw new VirtError(ErrorCode.INVALID_ARG, `unsupported flags (0x${bad.toString(16)}) in function ${func}`, D,
      { str1: func, str2: 'flags', int1: 0, int2: 0 });
  }
}

/** storageBackendCreateRaw + createRawFile. */
async function createRaw(vol: DirVol, input: DirVol | null, flags: number): Promise<void> {
  checkVolFlags(flags, VolCreate.PREALLOC_METADATA | VolCreate.REFLINK, 'storageBackendCreateRaw');
  if (flags & VolCreate.PREALLOC_METADATA) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, 'metadata preallocation is not supported for raw volumes');
  }
  if (vol.backing) throw VirtError.report(ErrorCode.NO_SUPPORT, D, 'backing storage not supported for raw volumes');
  if (vol.target.encryption) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, 'storage pool does not support encrypted volumes');
  }
  const t = vol.target;
  const mode = t.perms.mode ?? DEFAULT_VOL_MODE;
  let fd: number;
  try {
    fd = openSync(t.path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (e) {
    throw systemError(e, `Failed to create file '${t.path}'`);
  }
  try {
    // virFileOpenAs with FORCE_MODE | FORCE_OWNER.
    try {
      const st = fstatSync(fd);
      if ((t.perms.uid !== undefined && st.uid !== t.perms.uid) || (t.perms.gid !== undefined && st.gid !== t.perms.gid)) {
        fchownSync(fd, perm(t.perms.uid), perm(t.perms.gid));
      }
      fchmodSync(fd, mode);
    } catch (e) {
      throw systemError(e, `Failed to create file '${t.path}'`);
    }
    await createRawFile(fd, vol, input, (flags & VolCreate.REFLINK) !== 0);
  } catch (e) {
    try { closeSync(fd); } catch { /* closed below otherwise */ }
    fd = -1;
    try { unlinkSync(t.path); } catch { /* virFileRemove */ }
    throw e;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

async function createRawFile(fd: number, vol: DirVol, input: DirVol | null, reflink: boolean): Promise<void> {
  const t = vol.target;
  // A clone whose allocation is below the source's capacity stays sparse.
  let needAlloc = !(input && t.allocation < input.target.capacity);
  try {
    ftruncateSync(fd, Number(t.capacity));
  } catch (e) {
    throw systemError(e, `cannot extend file '${t.path}'`);
  }
  if (t.allocation && needAlloc) {
    const r = await fallocate(t.path, t.allocation);
    if (r === 'ok') needAlloc = false;
    else if (r !== 'unsupported') throw systemError(r, `cannot allocate ${t.allocation} bytes in file '${t.path}'`);
  }
  let pos = 0n;
  if (input) {
    if (reflink) {
      throw systemError(errnoError('EOPNOTSUPP'), `failed to clone files from '${input.target.path}'`);
    }
    const copied = await copyToFd(vol, input, fd, input.target.capacity, !needAlloc);
    pos = copied;
  }
  if (needAlloc && t.allocation > pos) {
    try {
      zeroFill(fd, pos, t.allocation - pos);
    } catch (e) {
      throw systemError(e, `cannot fill file '${t.path}'`);
    }
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    throw systemError(e, `cannot sync data to file '${t.path}'`);
  }
}

/** `fallocate -l LEN PATH`: fallocate(fd, 0, 0, len). 'unsupported' for ENOSYS/EOPNOTSUPP (or no tool). */
async function fallocate(path: string, len: bigint): Promise<'ok' | 'unsupported' | NodeJS.ErrnoException> {
  const r = await runTool('fallocate', ['-l', String(len), path]).catch(() => null);
  if (r === null) return 'unsupported';
  if (r.status === 0) return 'ok';
  if (/not supported|not implemented/i.test(r.stderr)) return 'unsupported';
  const m = /fallocate failed: (.*)$/m.exec(r.stderr);
  const e = new Error(m?.[1] ?? r.stderr.trim()) as NodeJS.ErrnoException;
  if (m?.[1] === 'No space left on device') e.code = 'ENOSPC';
  return e;
}

/** safezero's fallback: write zero blocks from `offset` for `len` bytes. */
function zeroFill(fd: number, offset: bigint, len: bigint): void {
  const block = Buffer.alloc(1 << 20);
  let at = offset;
  const end = offset + len;
  while (at < end) {
    const n = Number(end - at < BigInt(block.length) ? end - at : BigInt(block.length));
    writeSync(fd, block, 0, n, Number(at));
    at += BigInt(n);
  }
}

/**
 * virStorageBackendCopyToFD: reads the source in 1 MiB pieces and writes
 * it in blocks of the target's st_blksize (at least 4 KiB), skipping zero
 * blocks when `sparse`. Returns how many bytes were copied.
 */
async function copyToFd(vol: DirVol, input: DirVol, fd: number, total: bigint, sparse: boolean): Promise<bigint> {
  const src = input.target.path;
  let inFh;
  try {
    inFh = await openAsync(src, 'r');
  } catch (e) {
    throw systemError(e, `could not open input path '${src}'`);
  }
  try {
    const wbytes = Math.max(4096, Number(fstatSync(fd).blksize) || 0);
    const zero = Buffer.alloc(wbytes);
    const buf = Buffer.alloc(1 << 20);
    let remain = total;
    let rpos = 0;
    let wpos = 0;
    for (;;) {
      const want = remain < BigInt(buf.length) ? Number(remain) : buf.length;
      let got: number;
      try {
        got = want === 0 ? 0 : (await inFh.read(buf, 0, want, rpos)).bytesRead;
      } catch (e) {
        throw systemError(e, `failed reading from file '${src}'`);
      }
      if (got === 0) break;
      rpos += got;
      remain -= BigInt(got);
      for (let off = 0; off < got; off += wbytes) {
        const piece = buf.subarray(off, Math.min(got, off + wbytes));
        if (!(sparse && piece.equals(zero.subarray(0, piece.length)))) {
          try {
            writeSync(fd, piece, 0, piece.length, wpos);
          } catch (e) {
            throw systemError(e, `failed writing to file '${vol.target.path}'`);
          }
        }
        wpos += piece.length;
      }
    }
    try {
      fsyncSync(fd);
    } catch (e) {
      throw systemError(e, `cannot sync data to file '${vol.target.path}'`);
    }
    return total - remain;
  } finally {
    await inFh.close();
  }
}

/** storageBackendCreateQemuImg + virStorageBackendCreateExecCommand (local pools). */
async function createQemuImg(def: PoolDef, vol: DirVol, input: DirVol | null, flags: number): Promise<void> {
  checkVolFlags(flags, VolCreate.PREALLOC_METADATA, 'storageBackendCreateQemuImg');
  const argv = qemuImgCreateArgv(def, vol, input, flags);
  const t = vol.target;
  const r = await runTool(argv[0]!, argv.slice(1), { umask: 0 });
  if (r.status !== 0) {
    throw childError(argv, r);
  }
  let created = true;
  try {
    let st;
    try {
      st = statSync(t.path);
    } catch (e) {
      created = false;
      throw systemError(e, `failed to create ${t.path}`);
    }
    const uid = t.perms.uid !== undefined && t.perms.uid !== st.uid ? t.perms.uid : -1;
    const gid = t.perms.gid !== undefined && t.perms.gid !== st.gid ? t.perms.gid : -1;
    if (uid !== -1 || gid !== -1) {
      try {
        chownSync(t.path, uid, gid);
      } catch (e) {
        throw systemError(e, `cannot chown ${t.path} to (${uid >>> 0}, ${gid >>> 0})`);
      }
    }
    const mode = t.perms.mode ?? DEFAULT_VOL_MODE;
    if (mode !== (st.mode & 0o777)) {
      try {
        chmodSync(t.path, mode);
      } catch (e) {
        throw systemError(e, `cannot set mode of '${t.path}' to ${mode.toString(8).padStart(4, '0')}`);
      }
    }
  } catch (e) {
    if (created) try { unlinkSync(t.path); } catch { /* virFileRemove */ }
    throw e;
  }
}

// ---- delete, resize, wipe -------------------------------------------------

/** virStorageBackendVolDeleteLocal. */
export function deleteVol(vol: DirVol): void {
  if (vol.type !== VolType.FILE && vol.type !== VolType.DIR) {
    throw VirtError.report(ErrorCode.NO_SUPPORT, D, `removing block or network volumes is not supported: ${vol.target.path}`);
  }
  try {
    if (vol.type === VolType.FILE) unlinkSync(vol.target.path);
    else rmdirSync(vol.target.path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw systemError(e, vol.type === VolType.FILE
        ? `cannot unlink file '${vol.target.path}'` : `cannot remove directory '${vol.target.path}'`);
    }
  }
}

/** virStorageBackendVolResizeLocal: ftruncate for raw (virFileResize), `qemu-img resize` for the rest. */
export async function resizeVol(vol: DirVol, capacity: bigint, flags: number): Promise<void> {
  checkVolFlags(flags, VolResize.ALLOCATE | VolResize.SHRINK, 'virStorageBackendVolResizeLocal');
  const preAllocate = (flags & VolResize.ALLOCATE) !== 0;
  const t = vol.target;
  if (t.format === Fmt.RAW && !t.encryption) {
    let fd: number;
    try {
      fd = openSync(t.path, 'r+');
    } catch (e) {
      throw systemError(e, `Unable to open '${t.path}'`, U);
    }
    try {
      if (preAllocate) {
        // virFileAllocate(fd, 0, capacity)
        const r = await fallocate(t.path, capacity);
        if (r === 'unsupported') {
          const size = BigInt(fstatSync(fd).size);
          if (capacity > size) zeroFill(fd, size, capacity - size);
        } else if (r !== 'ok') {
          throw systemError(r, `Failed to pre-allocate space for file '${t.path}'`, U);
        }
      }
      try {
        ftruncateSync(fd, Number(capacity));
      } catch (e) {
        throw systemError(e, `Failed to truncate file '${t.path}'`, U);
      }
    } finally {
      closeSync(fd);
    }
    return;
  }
  if (preAllocate) {
    throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, D,
      t.format === Fmt.RAW ? 'preallocate is only supported for an unencrypted raw volume' : 'preallocate is only supported for raw type volume');
  }
  if (t.encryption) throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, 'resize of encrypted images is not supported');
  const argv = qemuImgResizeArgv(vol, capacity);
  const r = await runTool(argv[0]!, argv.slice(1));
  if (r.status !== 0) {
    throw childError(argv, r);
  }
}

/** virStorageVolWipeAlgorithm names (their index is the value). */
export const WIPE_ALGORITHMS = ['zero', 'nnsa', 'dod', 'bsi', 'gutmann', 'schneier', 'pfitzner7', 'pfitzner33', 'random', 'trim'] as const;

/**
 * virStorageBackendVolWipeLocal → storageBackendVolWipeLocalFile: the zero
 * algorithm truncates a sparse file to 0 and back to its size, and
 * otherwise writes `allocation` zero bytes from the start (in st_blksize
 * pieces); other algorithms run scrub(1).
 */
export async function wipeVol(vol: DirVol, algorithm: number, flags: number): Promise<void> {
  checkVolFlags(flags, 0, 'virStorageBackendVolWipeLocal');
  const path = vol.target.path;
  let fh;
  try {
    fh = await openAsync(path, 'r+');
  } catch (e) {
    throw systemError(e, `Failed to open storage volume with path '${path}'`);
  }
  try {
    let st;
    try {
      st = await fh.stat();
    } catch (e) {
      throw systemError(e, `Failed to stat storage volume with path '${path}'`);
    }
    const alg = WIPE_ALGORITHMS[algorithm];
    if (alg === 'trim') throw VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, D, "'trim' algorithm not supported");
    if (alg === undefined) throw VirtError.report(ErrorCode.INVALID_ARG, D, `unsupported algorithm ${algorithm}`);
    if (alg !== 'zero') {
      const r = await runTool('scrub', ['-f', '-p', alg, path]).catch((e: unknown) => {
        throw systemError(e, 'Cannot find scrub');
      });
      if (r.status !== 0) {
        throw childError(['scrub', '-f', '-p', alg, path], r);
      }
      return;
    }
    if (st.isFile() && st.blocks < Math.floor(st.size / 512)) {
      try {
        await fh.truncate(0);
      } catch (e) {
        throw systemError(e, `Failed to truncate volume with path '${path}' to 0 bytes`);
      }
      try {
        await fh.truncate(st.size);
      } catch (e) {
        throw systemError(e, `Failed to truncate volume with path '${path}' to ${st.size} bytes`);
      }
      return;
    }
    const piece = Buffer.alloc(Math.max(512, st.blksize || 4096));
    let remaining = vol.target.allocation;
    let at = 0;
    while (remaining > 0n) {
      const n = remaining < BigInt(piece.length) ? Number(remaining) : piece.length;
      try {
        await fh.write(piece, 0, n, at);
      } catch (e) {
        throw systemError(e, `Failed to write ${n} bytes to storage volume with path '${path}'`);
      }
      at += n;
      remaining -= BigInt(n);
    }
    try {
      await fh.datasync();
    } catch (e) {
      throw systemError(e, `cannot sync data to volume with path '${path}'`);
    }
  } finally {
    await fh.close();
  }
}
