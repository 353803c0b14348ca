/**
 * Console and channel streams of a domain (qemu_driver.c
 * qemuDomainOpenConsole / qemuDomainOpenChannel over conf/virchrdev.c
 * virChrdevOpen, virFDStreamOpenPTY and virFDStreamConnectUNIX): one
 * session per host path (a pty, or the unix socket QEMU listens on), FORCE
 * takes it over, a pty is put in raw mode, bytes flow both ways until the
 * guest side ends (QEMU exits) or the client finishes.
 * Reference: qemu-driver.md §4.2.
 */
import { closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { ReadStream, WriteStream } from 'node:tty';
import type { Readable, Writable } from 'node:stream';
import type { StreamDriver } from '../stream.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';

const QEMU = ErrorDomain.QEMU;

/** virDomainConsoleFlags. */
export const ConsoleFlags = { FORCE: 1, SAFE: 2 } as const;
/** virDomainChannelFlags. */
export const ChannelFlags = { FORCE: 1 } as const;

/** One open session: what FORCE aborts. */
interface Session { abort(err: VirtError): void }

/** What a session is of: the busy errors differ (qemuDomainOpenConsole / qemuDomainOpenChannel). */
export type SessionKind = 'console' | 'channel';

const BUSY: Record<SessionKind, string> = {
  console: 'Active console session exists for this domain',
  channel: 'Active channel stream exists for this domain',
};

/** virChrdevLockFilePath: `/dev/pts/0` → `<dir>/LCK.._pts_0`. */
export function lockFilePath(dev: string, dir = '/var/lock'): string {
  const name = (dev.startsWith('/dev') ? dev.slice(4) : dev).replace(/\//g, '_');
  return `${dir}/LCK..${name}`.replace(/\/{2,}/g, '/');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The console and channel sessions of a driver, by host path (virChrdevs'
 * hash). A pty session also holds a UUCP-style lock file
 * (`/var/lock/LCK.._pts_N` with the daemon's pid, virChrdevLockFileCreate)
 * while it is open.
 */
export class ConsoleSessions {
  readonly #open = new Map<string, Session>();

  constructor(readonly lockDir = '/var/lock') {}

  /** virChrdevLockFileCreate; returns the lock's path, or null when a session daemon may not write there. */
  #lock(dev: string): string | null {
    const path = lockFilePath(dev, this.lockDir);
    let holder = NaN;
    try { holder = Number(readFileSync(path, 'utf8').trim()); } catch { /* none */ }
    if (Number.isInteger(holder) && holder > 0 && pidAlive(holder)) {
      throw VirtError.report(ErrorCode.OPERATION_FAILED, QEMU,
        `Requested device '${dev}' is locked by lock file '${path}' held by process ${holder}`);
    }
    try { unlinkSync(path); } catch { /* stale or none */ }
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'EACCES' && process.geteuid?.() !== 0) return null;
      throw new VirtError(ErrorCode.SYSTEM_ERROR,
        `Couldn't create lock file for device '${dev}' in path '${path}': ${err.message}`, QEMU);
    }
    try {
      writeSync(fd, `${String(process.pid).padStart(10)}\n`);
    } finally {
      closeSync(fd);
    }
    return path;
  }

  /** Whether a session holds `path`. */
  isOpen(path: string): boolean {
    return this.#open.has(path);
  }

  /**
   * Busy without `force`: libvirt's "Active … exists for this domain";
   * with it, the old session fails with an I/O error and a new one may start.
   */
  #takeOver(path: string, force: boolean, kind: SessionKind): void {
    const old = this.#open.get(path);
    if (!old) return;
    if (!force) throw VirtError.report(ErrorCode.OPERATION_FAILED, QEMU, BUSY[kind]);
    old.abort(VirtError.report(ErrorCode.RPC, ErrorDomain.STREAMS, 'stream had I/O failure'));
  }

  /** A pty console (or pty serial/parallel): virFDStreamOpenPTY. */
  open(path: string, force: boolean, kind: SessionKind = 'console'): StreamDriver {
    this.#takeOver(path, force, kind);
    const lock = this.#lock(path);
    const unlock = () => { if (lock) { try { unlinkSync(lock); } catch { /* gone */ } } };
    let rfd: number;
    let wfd: number;
    try {
      rfd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
      wfd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
    } catch (e) {
      unlock();
      throw new VirtError(ErrorCode.SYSTEM_ERROR, `Unable to open tty ${path}: ${(e as Error).message}`, ErrorDomain.STREAMS);
    }
    const input = new ReadStream(rfd);
    // virFDStreamOpenPTY: cfmakeraw, so the guest's bytes pass untouched.
    input.setRawMode(true);
    const output = new WriteStream(wfd);
    return this.#session(path, input, output, () => { input.destroy(); output.destroy(); unlock(); });
  }

  /** A unix socket chardev QEMU listens on (virFDStreamConnectUNIX). */
  async openUnix(path: string, force: boolean, kind: SessionKind = 'channel'): Promise<StreamDriver> {
    this.#takeOver(path, force, kind);
    const sock = connect(path);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('error', (e) => reject(new VirtError(ErrorCode.SYSTEM_ERROR,
        `Unable to connect to UNIX socket '${path}': ${e.message.replace(/^connect \w+ .*$/, 'Connection refused')}`,
        ErrorDomain.STREAMS)));
    });
    // A session opened meanwhile (two opens racing) is taken over the same way.
    this.#takeOver(path, force, kind);
    return this.#session(path, sock, sock, () => sock.destroy());
  }

  #session(path: string, input: Readable, output: Writable, destroy: () => void): StreamDriver {
    const queue: Buffer[] = [];
    let ended = false;
    let failed: VirtError | null = null;
    let waiter: (() => void) | null = null;
    const wake = () => { const w = waiter; waiter = null; w?.(); };
    input.on('data', (b: Buffer) => {
      queue.push(b);
      if (queue.length > 16) input.pause();
      wake();
    });
    // A pty whose other side went away reads EIO, a socket EOF: the guest side ended.
    const end = () => { ended = true; wake(); };
    input.on('end', end);
    input.on('close', end);
    input.on('error', end);
    output.on('error', () => undefined);
    const sessions = this.#open;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      if (sessions.get(path) === session) sessions.delete(path);
      destroy();
    };
    const session: Session = {
      abort(err) {
        failed = err;
        close();
        wake();
      },
    };
    sessions.set(path, session);
    return {
      async recv() {
        for (;;) {
          if (failed) throw failed;
          const b = queue.shift();
          if (b) {
            if (queue.length <= 4) input.resume();
            return b;
          }
          if (ended || closed) {
            close();
            return null;
          }
          await new Promise<void>((r) => { waiter = r; });
        }
      },
      async send(data) {
        if (failed) throw failed;
        if (closed) throw VirtError.report(ErrorCode.RPC, ErrorDomain.STREAMS, 'stream had I/O failure');
        await new Promise<void>((resolve) => {
          if (output.write(Buffer.from(data))) resolve();
          else output.once('drain', () => resolve());
        });
      },
      async finish() { close(); },
      async abort() { close(); },
    };
  }
}
