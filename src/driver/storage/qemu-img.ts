/**
 * The `qemu-img` command lines libvirt 9.0's storage driver runs
 * (storage_util.c virStorageBackendCreateQemuImgCmdFromVol,
 * storageBackendCreateQemuImgOpts, storageBackendResizeQemuImg), observed
 * on this machine as (reference/qemu-driver.md §5.2, §5.3):
 *
 *     /usr/bin/qemu-img create -f qcow2 -o compat=0.10 PATH 1048576K
 *     /usr/bin/qemu-img create -f qcow2 -b BACKING -o backing_fmt=qcow2,compat=0.10 PATH 1048576K
 *     /usr/bin/qemu-img convert -f raw -O qcow2 -o compat=0.10 INPUT PATH
 *     /usr/bin/qemu-img resize [--shrink] PATH BYTES
 *
 * and the helper that runs such tools (virCommandRun: the binary found on
 * PATH, stderr kept for the error).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { constants } from 'node:os';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { PoolDef } from '../../conf/storage-def.js';
import { findFileInPath } from '../../util/file-access.js';
import { FILE_FORMATS, Fmt } from './image-probe.js';
import { VolType, type DirVol } from './vol-def.js';

const D = ErrorDomain.STORAGE;

export interface ToolResult { status: number | null; signal?: number | null; stdout: string; stderr: string }

/** Runs a tool found on PATH; rejects (ENOENT) when there is none. */
export function runTool(name: string, args: string[], opts: { umask?: number } = {}): Promise<ToolResult> {
  const bin = findFileInPath(name);
  if (bin === undefined) {
    const e = new Error(`${name}: not found`) as NodeJS.ErrnoException;
    e.code = 'ENOENT';
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    // virCommandSetUmask(cmd, 0) for qemu-img: the mode is set after, as libvirt does.
    const old = opts.umask !== undefined ? process.umask(opts.umask) : undefined;
    let child;
    try {
      child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    } finally {
      if (old !== undefined) process.umask(old);
    }
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status, sig) => resolve({ status, signal: sig ? constants.signals[sig] : null, stdout, stderr }));
  });
}

function formatName(f: number): string {
  const s = FILE_FORMATS[f];
  if (s === undefined) throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `unknown storage vol type ${f}`);
  return s;
}

/**
 * virStorageBackendCreateQemuImgCmdFromVol (no encryption): `create` for a
 * new image, `convert` when cloning from `input`. Sizes go in KiB rounded
 * up; qcow2 gets compat=0.10 unless the XML asks for another.
 */
export function qemuImgCreateArgv(pool: PoolDef, vol: DirVol, input: DirVol | null, flags: number): string[] {
  const t = vol.target;
  const tool = findFileInPath('qemu-img');
  if (tool === undefined) {
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, 'creation of non-raw file images is not supported without qemu-img.');
  }
  if (t.encryption) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D,
      t.format === Fmt.QCOW || t.format === Fmt.QCOW2 ? 'creation of qcow2 encrypted image is not supported'
        : 'encrypted volumes are not supported by this storage driver');
  }
  if (input?.target.encryption) throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, 'encryption format of inputvol must be LUKS');
  const preallocate = (flags & 1) !== 0; // VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA
  let format = t.format === Fmt.NONE ? Fmt.RAW : t.format;
  if (vol.type === VolType.BLOCK || format === Fmt.ISO) format = Fmt.RAW;
  const type = formatName(format);
  if (preallocate && format !== Fmt.QCOW2) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, 'metadata preallocation only available with qcow2');
  }
  if (t.compat !== undefined && format !== Fmt.QCOW2) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, 'compatibility option only available with qcow2');
  }
  if (t.features !== undefined && format !== Fmt.QCOW2) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, 'format features only available with qcow2');
  }
  let inputPath: string | undefined;
  let inputFormat = '';
  if (input) {
    inputPath = input.target.path;
    let f = input.target.format;
    if (input.type === VolType.BLOCK || f === Fmt.ISO) f = Fmt.RAW;
    inputFormat = formatName(f);
  }
  let backingPath: string | undefined;
  let backingFormat = 0;
  if (vol.backing) {
    if (format === Fmt.RAW) throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, 'cannot set backing store for raw volume');
    backingPath = vol.backing.path;
    backingFormat = vol.backing.format;
    if (preallocate) throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, 'metadata preallocation conflicts with backing store');
    if (input?.backing && input.backing.path !== backingPath) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, 'a different backing store cannot be specified.');
    }
    formatName(backingFormat);
    const abs = backingPath.startsWith('/') ? backingPath : `${pool.targetPath ?? ''}/${backingPath}`;
    try {
      accessSync(abs, fsConstants.R_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : String(code);
      throw new VirtError(ErrorCode.SYSTEM_ERROR, `inaccessible backing store volume ${backingPath}: ${reason}`, D);
    }
  }
  const sizeK = (t.capacity + 1023n) / 1024n;
  const allocK = (t.allocation + 1023n) / 1024n;
  // A clone converts: the backing volume is ignored.
  if (inputPath !== undefined) backingPath = undefined;
  const argv = [tool];
  if (inputPath !== undefined) argv.push('convert', '-f', inputFormat, '-O', type);
  else argv.push('create', '-f', type);
  if (backingPath !== undefined) argv.push('-b', backingPath);
  const opts: string[] = [];
  if (backingPath !== undefined) opts.push(`backing_fmt=${formatName(backingFormat)}`);
  if (preallocate) opts.push(sizeK > allocK ? 'preallocation=metadata' : 'preallocation=falloc');
  if (t.nocow) opts.push('nocow=on');
  if (t.compat !== undefined) opts.push(`compat=${t.compat}`);
  else if (format === Fmt.QCOW2) opts.push('compat=0.10');
  if (t.clusterSize) opts.push(`cluster_size=${t.clusterSize}`);
  if (t.features && format === Fmt.QCOW2) {
    if (t.features.includes('lazy_refcounts')) {
      if (t.compat === '0.10') {
        throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, `lazy_refcounts not supported with compat level ${t.compat}`);
      }
      opts.push('lazy_refcounts');
    }
    if (t.features.includes('extended_l2')) {
      if (t.compat === '0.10') {
        throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, `'extended_l2' not supported with compat level ${t.compat}`);
      }
      opts.push('extended_l2=on');
    }
  }
  if (opts.length) argv.push('-o', opts.join(','));
  if (inputPath !== undefined) argv.push(inputPath);
  argv.push(t.path);
  if (inputPath === undefined && (sizeK || backingPath === undefined)) argv.push(`${sizeK}K`);
  return argv;
}

/** storageBackendResizeQemuImg (no encryption): the capacity rounded up to 512 bytes. */
export function qemuImgResizeArgv(vol: DirVol, capacity: bigint): string[] {
  const tool = findFileInPath('qemu-img');
  if (tool === undefined) throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, 'unable to find qemu-img');
  const rounded = ((capacity + 511n) / 512n) * 512n;
  const argv = [tool, 'resize'];
  if (rounded < vol.target.capacity) argv.push('--shrink');
  argv.push(vol.target.path, String(rounded));
  return argv;
}
