/**
 * A volume's file as the driver side of a stream: libvirt's
 * virFDStreamOpenBlockDevice (util/virfdstream.c) for vol-upload and
 * vol-download. No O_CREAT, no O_TRUNC; the file position starts at
 * `offset`; `length` (0 = no limit) bounds the transfer.
 *
 * - Upload: data is written at the position. Once `length` bytes came,
 *   more data is ENOSPC ("cannot write to stream: No space left on
 *   device"). A hole (sparse streams only; otherwise "unexpected stream
 *   hole") moves the position on and truncates the file there, so a
 *   trailing hole sets the file's length, as libvirt's lseek + ftruncate
 *   does; a block device gets zeroes written instead.
 * - Download: data from the position; with a sparse stream, holes are
 *   sent as holes. libvirt finds them with lseek(SEEK_DATA/SEEK_HOLE),
 *   which Node lacks: here a hole is a run of all-zero 4 KiB blocks. The
 *   bytes that arrive are the same; where they differ, we send holes
 *   where libvirt sends zeroes as data: zeroes written as data, and
 *   fallocated (unwritten) ranges whose pages are in the page cache,
 *   which ext4's SEEK_DATA reports as data (a fresh raw volume, once its
 *   header was read). Never the other way round.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { STREAM_CHUNK, type StreamChunk, type StreamDriver } from '../stream.js';
import { systemError as sysError } from './dir-backend.js';

/** virfdstream.c reports from VIR_FROM_STREAMS. */
const systemError = (e: unknown, m: string): VirtError => sysError(e, m, ErrorDomain.STREAMS);

const BLOCK = 4096;
const ZERO = Buffer.alloc(BLOCK);
/** How far ahead a sparse download reads to find where a data or hole run ends. */
const WINDOW = 1 << 20;

export interface FileStreamOptions {
  path: string;
  offset: number;
  length: number;
  sparse: boolean;
  /** Called once when the stream is finished or aborted (libvirt's internal close callback). */
  onClose?: () => void;
}

/** open(2) without O_CREAT/O_TRUNC, then fstat. Reads and writes are positional from `offset` (libvirt lseeks once). */
async function openFile(path: string, flags: 'r' | 'r+'): Promise<{ fh: FileHandle; isBlock: boolean }> {
  let fh: FileHandle;
  try {
    fh = await open(path, flags);
  } catch (e) {
    throw systemError(e, `Unable to open stream for '${path}'`);
  }
  try {
    const st = await fh.stat();
    return { fh, isBlock: st.isBlockDevice() };
  } catch (e) {
    await fh.close();
    throw systemError(e, `Unable to access stream for '${path}'`);
  }
}

function closer(fh: FileHandle, onClose?: () => void): () => Promise<void> {
  let closed = false;
  return async () => {
    if (closed) return;
    closed = true;
    await fh.close().catch(() => undefined);
    onClose?.();
  };
}

/** The upload side (virStorageBackendVolUploadLocal): the stream's bytes go into the file. */
export async function uploadStream(o: FileStreamOptions): Promise<StreamDriver> {
  const { fh, isBlock } = await openFile(o.path, 'r+');
  let pos = o.offset;
  let done = 0;
  let failed: VirtError | null = null;
  const close = closer(fh, o.onClose);
  const limit = (n: number): number => {
    if (!o.length) return n;
    return Math.min(n, o.length - done);
  };
  return {
    async send(data) {
      if (failed) throw failed;
      if (o.length && done === o.length) {
        const e = new Error('ENOSPC') as NodeJS.ErrnoException;
        e.code = 'ENOSPC';
        throw (failed = systemError(e, 'cannot write to stream'));
      }
      const n = limit(data.length);
      try {
        let off = 0;
        while (off < n) {
          const { bytesWritten } = await fh.write(data, off, n - off, pos);
          off += bytesWritten;
          pos += bytesWritten;
        }
      } catch (e) {
        throw (failed = systemError(e, `Unable to write ${o.path}`));
      }
      done += n;
    },
    async sendHole(length) {
      if (failed) throw failed;
      if (!o.sparse) throw (failed = VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS, 'unexpected stream hole'));
      const n = limit(length);
      done += n;
      try {
        if (isBlock) {
          const z = Buffer.alloc(Math.min(n, 1 << 20));
          let left = n;
          while (left > 0) {
            const k = Math.min(left, z.length);
            await fh.write(z, 0, k, pos);
            pos += k;
            left -= k;
          }
        } else {
          pos += n;
          await fh.truncate(pos);
        }
      } catch (e) {
        throw (failed = systemError(e, isBlock ? `Unable to write ${o.path}` : `unable to truncate ${o.path}`));
      }
    },
    async finish() {
      try {
        if (failed) throw failed;
      } finally {
        await close();
      }
    },
    async abort() {
      await close();
    },
  };
}

/** The download side (virStorageBackendVolDownloadLocal): the file's bytes, holes as holes when sparse. */
export async function downloadStream(o: FileStreamOptions): Promise<StreamDriver> {
  const { fh, isBlock } = await openFile(o.path, 'r');
  let pos = o.offset;
  let done = 0;
  let ended = false;
  let win: Buffer = Buffer.alloc(0);
  let winAt = 0;
  const close = closer(fh, o.onClose);
  const left = (): number => (o.length ? o.length - done : Number.MAX_SAFE_INTEGER);

  const readAt = async (at: number, n: number): Promise<Buffer> => {
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    try {
      while (got < n) {
        const { bytesRead } = await fh.read(buf, got, n - got, at + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (e) {
      throw systemError(e, `Unable to read ${o.path}`);
    }
    return buf.subarray(0, got);
  };

  /** Whether the 4 KiB block holding `at` (clipped to the file's end) is all zero; null past the end. */
  const zeroBlockAt = async (at: number): Promise<boolean | null> => {
    const start = at - (at % BLOCK);
    if (start < winAt || start + BLOCK > winAt + win.length) {
      winAt = start;
      win = await readAt(start, WINDOW);
    }
    const b = win.subarray(start - winAt, start - winAt + BLOCK);
    if (b.length === 0) return null;
    return b.length === BLOCK ? b.equals(ZERO) : b.every((x) => x === 0);
  };

  /** virFileInData at `pos`: in data or not, and how long the run is (0 at the end). */
  const section = async (): Promise<{ inData: boolean; length: number }> => {
    const first = await zeroBlockAt(pos);
    if (first === null) return { inData: false, length: 0 };
    const inData = !first;
    let end = pos - (pos % BLOCK) + BLOCK;
    const stop = pos + Math.min(left(), 64 * WINDOW);
    for (;;) {
      if (end >= stop) break;
      const z = await zeroBlockAt(end);
      if (z === null) break;
      if (z === inData) break;
      end += BLOCK;
    }
    const fileEnd = winAt + win.length;
    return { inData, length: Math.max(0, Math.min(end, fileEnd, stop) - pos) };
  };

  let dataLeft = 0;
  return {
    async recv(): Promise<StreamChunk | null> {
      if (ended) return null;
      if (o.length && done >= o.length) {
        ended = true;
        return null;
      }
      if (o.sparse && !isBlock && dataLeft === 0) {
        const s = await section();
        if (s.length === 0) {
          ended = true;
          return null;
        }
        if (!s.inData) {
          const n = Math.min(s.length, left());
          pos += n;
          done += n;
          return { hole: n };
        }
        dataLeft = s.length;
      }
      let n = Math.min(STREAM_CHUNK, left());
      if (o.sparse && !isBlock) n = Math.min(n, dataLeft);
      const data = await readAt(pos, n);
      if (data.length === 0) {
        ended = true;
        return null;
      }
      pos += data.length;
      done += data.length;
      if (o.sparse && !isBlock) dataLeft -= data.length;
      return data;
    },
    async finish() {
      await close();
    },
    async abort() {
      await close();
    },
  };
}
