/**
 * `vol-upload` and `vol-download`: virsh's cmdVolUpload / cmdVolDownload
 * (tools/virsh-volume.c) with the stream callbacks of tools/virsh-util.c.
 *
 * - `--sparse` sends / keeps holes. virsh finds a local file's holes with
 *   lseek(SEEK_DATA/SEEK_HOLE), which Node does not have: a sparse file's
 *   holes are found here as runs of zero blocks (4 KiB), and a file with
 *   no unallocated blocks at all is sent as data only, as virsh sends it.
 *   The bytes that arrive are the same; only zero blocks the source had
 *   allocated may end up as holes.
 * - A download writes data at its offset and makes a hole by moving on
 *   and truncating there (virshStreamSkip); on a block device it writes
 *   zeroes. A file the command created is removed when it fails.
 * - Progress: virsh 9.0 shows none. When stderr is a terminal we show a
 *   one-line counter there and erase it at the end, so what is left on
 *   the screen, and everything written to pipes and files, is virsh's.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import type { Stream } from '../../api/index.js';
import type { CmdDef, ParsedCommand } from '../command.js';
import { optVol } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';

/** VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM = VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM. */
const SPARSE_STREAM = 1;
const BLOCK = 4096;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
const WINDOW = 1 << 20;

/** The wire takes lengths as exact JS numbers; virsh's "-1 = everything" wraps to 2^64 - 1. */
function wireLength(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** A one-line transfer counter on stderr, only when stderr is a terminal. */
class Progress {
  #last = 0;
  #shown = false;
  constructor(private readonly ctl: Shell, private readonly label: string, private readonly total: number) {}

  get #tty(): boolean {
    return (this.ctl.io.stderr as { isTTY?: boolean }).isTTY === true;
  }

  update(done: number): void {
    if (!this.#tty) return;
    const now = Date.now();
    if (now - this.#last < 200) return;
    this.#last = now;
    const mib = (done / 1048576).toFixed(1);
    const pct = this.total > 0 ? ` [${String(Math.min(100, Math.floor((done * 100) / this.total))).padStart(3)} %]` : '';
    this.ctl.io.stderr.write(`\r${this.label}: ${mib} MiB${pct}`);
    this.#shown = true;
  }

  clear(): void {
    if (!this.#shown) return;
    this.ctl.io.stderr.write('\r\x1b[K');
    this.#shown = false;
  }
}

/**
 * A local file as a source: data from the current position, and — for
 * sparse sends — where the next data or hole section ends (virFileInData).
 */
class FileSource {
  #pos = 0;
  #win = Buffer.alloc(0);
  #winAt = 0;
  readonly #size: number;
  readonly #sparse: boolean;

  constructor(private readonly fd: number) {
    const st = fstatSync(fd);
    this.#size = st.isFile() ? st.size : 0;
    // A regular file with every block allocated has no hole to look for.
    this.#sparse = st.isFile() && st.blocks * 512 < st.size;
  }

  get position(): number {
    return this.#pos;
  }

  read(n: number): Uint8Array | null {
    if (n <= 0) return null;
    const buf = Buffer.allocUnsafe(n);
    const got = readSync(this.fd, buf, 0, n, this.#pos);
    this.#pos += got;
    return got === 0 ? null : buf.subarray(0, got);
  }

  skip(n: number): void {
    this.#pos += n;
  }

  /** virshStreamInData: are we in data or a hole, and for how many bytes (0 at the end). */
  section(): { inData: boolean; length: number } {
    const left = this.#size - this.#pos;
    if (left <= 0) return { inData: false, length: 0 };
    if (!this.#sparse) return { inData: true, length: left };
    const inData = !this.#zeroBlockAt(this.#pos);
    let end = this.#pos - (this.#pos % BLOCK) + BLOCK;
    while (end < this.#size && this.#zeroBlockAt(end) !== inData) end += BLOCK;
    return { inData, length: Math.min(end, this.#size) - this.#pos };
  }

  #zeroBlockAt(at: number): boolean {
    const start = at - (at % BLOCK);
    if (start < this.#winAt || start + BLOCK > this.#winAt + this.#win.length) {
      this.#winAt = start;
      const buf = Buffer.alloc(Math.min(WINDOW, Math.max(BLOCK, this.#size - start)));
      const got = readSync(this.fd, buf, 0, buf.length, start);
      this.#win = buf.subarray(0, got);
    }
    const b = this.#win.subarray(start - this.#winAt, start - this.#winAt + BLOCK);
    return b.length === BLOCK ? b.equals(ZERO_BLOCK) : b.every((x) => x === 0);
  }
}

/** The end of a transfer: the local file closed, then the stream finished (aborted when the close fails). */
async function closeThenFinish(ctl: Shell, fd: number, file: string, st: Stream, vol: string): Promise<boolean> {
  try {
    closeSync(fd);
  } catch {
    ctl.error(`cannot close file ${file}`);
    await st.abort().catch(() => undefined);
    return false;
  }
  if (await ctl.attempt(st.finish()) === FAIL) {
    ctl.error(`cannot close volume ${vol}`);
    return false;
  }
  return true;
}

async function cmdVolUpload(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const offset = cmd.ulongLong(ctl, 'offset');
  if (offset === null) return false;
  const length = cmd.ulongLongWrap(ctl, 'length');
  if (length === null) return false;
  const r = await optVol(ctl, cmd, 'vol', 'pool');
  if (!r) return false;
  using vol = r.vol;
  const file = cmd.string(ctl, 'file');
  if (file == null) return false;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    ctl.error(`cannot read ${file}`);
    return false;
  }
  let fdOpen = true;
  const st = vol.conn.newStream(0);
  try {
    let src: FileSource;
    try {
      src = new FileSource(fd);
    } catch {
      ctl.error(`unable to stat ${file}`);
      return false;
    }
    const flags = cmd.bool('sparse') ? SPARSE_STREAM : 0;
    if (await ctl.attempt(vol.upload(st, wireLength(offset ?? 0n), wireLength(length ?? 0n), flags)) === FAIL) {
      ctl.error(`cannot upload to volume ${r.name}`);
      return false;
    }
    const total = Number(length ?? 0n) > 0 ? Number(length) : fstatSync(fd).size;
    const progress = new Progress(ctl, 'Uploading', total);
    const source = (_s: Stream, n: number): Uint8Array | null => {
      const d = src.read(n);
      progress.update(src.position);
      return d;
    };
    const sent = flags
      ? await ctl.attempt(st.sparseSendAll(source, () => src.section(), (_s, n) => src.skip(n)))
      : await ctl.attempt(st.sendAll(source));
    progress.clear();
    if (sent === FAIL) {
      ctl.error(`cannot send data to volume ${r.name}`);
      return false;
    }
    fdOpen = false;
    if (!await closeThenFinish(ctl, fd, file, st, r.name)) return false;
    return true;
  } finally {
    if (fdOpen) closeSync(fd);
    st.free();
  }
}

/** Where downloaded bytes go: data at the current position, holes by seeking on (virshStreamSink / virshStreamSkip). */
class FileSink {
  #pos = 0;
  readonly #isBlock: boolean;

  constructor(private readonly fd: number) {
    this.#isBlock = fstatSync(fd).isBlockDevice();
  }

  get position(): number {
    return this.#pos;
  }

  write(d: Uint8Array): void {
    for (let at = 0; at < d.length;) at += writeSync(this.fd, d, at, d.length - at, this.#pos + at);
    this.#pos += d.length;
  }

  hole(n: number): void {
    if (this.#isBlock) {
      // Block devices read back what was written: write the zeroes, 1 MiB at a time.
      for (let left = n; left > 0; left -= WINDOW) this.write(Buffer.alloc(Math.min(left, WINDOW)));
      return;
    }
    this.#pos += n;
    ftruncateSync(this.fd, this.#pos);
  }
}

async function cmdVolDownload(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const offset = cmd.ulongLong(ctl, 'offset');
  if (offset === null) return false;
  const length = cmd.ulongLongWrap(ctl, 'length');
  if (length === null) return false;
  const r = await optVol(ctl, cmd, 'vol', 'pool');
  if (!r) return false;
  using vol = r.vol;
  const file = cmd.string(ctl, 'file');
  if (file == null) return false;
  const flags = cmd.bool('sparse') ? SPARSE_STREAM : 0;
  // O_CREAT|O_EXCL first, so that only a file this command created is removed on failure.
  let fd: number;
  let created = false;
  try {
    fd = openSync(file, 'wx', 0o666);
    created = true;
  } catch (e) {
    try {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      fd = openSync(file, 'w', 0o666);
    } catch {
      ctl.error(`cannot create ${file}`);
      return false;
    }
  }
  let ok = false;
  let fdOpen = true;
  const st = vol.conn.newStream(0);
  try {
    let sink: FileSink;
    try {
      sink = new FileSink(fd);
    } catch {
      ctl.error(`unable to stat ${file}`);
      return false;
    }
    if (await ctl.attempt(vol.download(st, wireLength(offset ?? 0n), wireLength(length ?? 0n), flags)) === FAIL) {
      ctl.error(`cannot download from volume ${r.name}`);
      return false;
    }
    const progress = new Progress(ctl, 'Downloading', Number(length ?? 0n));
    const got = await ctl.attempt(st.sparseRecvAll((_s, d) => {
      sink.write(d);
      progress.update(sink.position);
    }, (_s, n) => {
      sink.hole(n);
      progress.update(sink.position);
    }));
    progress.clear();
    if (got === FAIL) {
      ctl.error(`cannot receive data from volume ${r.name}`);
      return false;
    }
    fdOpen = false;
    if (!await closeThenFinish(ctl, fd, file, st, r.name)) return false;
    ok = true;
    return true;
  } finally {
    if (fdOpen) closeSync(fd);
    st.free();
    if (!ok && created) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  }
}

const VOL_OPT = { name: 'vol', type: 'data', help: 'vol name, key or path', required: true } as const;
const FILE_OPT = { name: 'file', type: 'data', help: 'file', required: true } as const;
const POOL_OPT = { name: 'pool', type: 'string', help: 'pool name or uuid' } as const;

export const volumeTransferCommands: CmdDef[] = [
  {
    name: 'vol-upload',
    help: 'upload file contents to a volume',
    desc: 'Upload file contents to a volume',
    options: [
      VOL_OPT, FILE_OPT, POOL_OPT,
      { name: 'offset', type: 'int', help: 'volume offset to upload to' },
      { name: 'length', type: 'int', help: 'amount of data to upload' },
      { name: 'sparse', type: 'bool', help: 'preserve sparseness of volume' },
    ],
    run: cmdVolUpload,
  },
  {
    name: 'vol-download',
    help: 'download volume contents to a file',
    desc: 'Download volume contents to a file',
    options: [
      VOL_OPT, FILE_OPT, POOL_OPT,
      { name: 'offset', type: 'int', help: 'volume offset to download from' },
      { name: 'length', type: 'int', help: 'amount of data to download' },
      { name: 'sparse', type: 'bool', help: 'preserve sparseness of volume' },
    ],
    run: cmdVolDownload,
  },
];

