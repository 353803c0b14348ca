/**
 * Reading a file whose path a client chose (a test host file, a `file=`
 * reference inside one) without letting it stall or bloat the process.
 *
 * - The file is opened O_NONBLOCK, so a FIFO without a writer, a tty or a
 *   socket never blocks the one event loop: what can be read at once is
 *   what the file holds (libxml2 would block a libvirtd worker thread
 *   there instead; nothing else of libvirtd waits on it).
 * - At most `maxBytes` are read. A regular file with more is refused with
 *   EFBIG, as virFileReadLimFD refuses it ("Failed to read file '…': File
 *   too large"); a device or FIFO yields its first SPECIAL_FILE_MAX bytes
 *   at most (libxml2 streams /dev/zero or /dev/urandom and stops at the
 *   first error, which lies in that prefix). That is a pipe's buffer, all
 *   a FIFO can hold without a blocking read; more only costs the event
 *   loop (decoding 1 MiB of /dev/urandom took 100-200 ms under load).
 * - A directory reads as empty, as libxml2 sees it (its read fails).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { strerrorOf } from './strerror.js';

/** libvirt's usual cap for a configuration or XML file (virsh's VSH_MAX_XML_FILE, virconf's MAX_CONFIG_FILE_SIZE). */
export const MAX_XML_FILE = 10 * 1024 * 1024;

/** What is read of a device, FIFO or socket, whatever the cap for files. */
export const SPECIAL_FILE_MAX = 64 * 1024;

/** An errno-style error, as Node's own fs errors are (`code` is the errno name). */
function errnoError(code: string, message: string): NodeJS.ErrnoException {
  const e = new Error(message) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/**
 * The file's bytes, read without blocking and with a cap.
 *
 * @throws NodeJS.ErrnoException from open/read (ENOENT, EACCES…), or with
 *   code `EFBIG` when a regular file holds more than `maxBytes`.
 */
export function readFileLimited(path: string, maxBytes: number = MAX_XML_FILE): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return Buffer.alloc(0);
    const regular = st.isFile();
    if (regular && st.size > maxBytes) throw errnoError('EFBIG', `EFBIG: file too large, read '${path}'`);
    // For a regular file, one byte more than allowed tells "grew past the cap" from "exactly the cap".
    const buf = Buffer.allocUnsafe(regular ? Math.min(maxBytes, st.size) + 1 : Math.min(maxBytes, SPECIAL_FILE_MAX));
    let have = 0;
    while (have < buf.length) {
      let n: number;
      try {
        n = readSync(fd, buf, have, buf.length - have, null);
      } catch (e) {
        // Nothing more right now (a FIFO or device without data): that is the content.
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw e;
      }
      if (n === 0) break;
      have += n;
    }
    if (regular && have > maxBytes) throw errnoError('EFBIG', `EFBIG: file too large, read '${path}'`);
    return buf.subarray(0, have);
  } finally {
    closeSync(fd);
  }
}

/**
 * The file as libxml2 reads an XML document from it: UTF-8 text; a first
 * byte of NUL is the end of input to xmlParseDocument, so /dev/zero is an
 * empty document, as libvirt reports it.
 */
export function readXmlFile(path: string, maxBytes: number = MAX_XML_FILE): string {
  const b = readFileLimited(path, maxBytes);
  return b[0] === 0 ? '' : b.toString('utf8');
}

/**
 * virFileReadAll's error for a file over the cap, or null for any other
 * failure (the caller words those as libvirt does for its case).
 */
export function tooLargeError(path: string, err: unknown): VirtError | null {
  if ((err as NodeJS.ErrnoException | null)?.code !== 'EFBIG') return null;
  return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
    `Failed to read file '${path}': ${strerrorOf('EFBIG')}`, { cause: err });
}
