/**
 * A domain's pty console as a stream (qemu_driver.c qemuDomainOpenConsole
 * over conf/virchrdev.c virChrdevOpen and virFDStreamOpenPTY): one session
 * per pty, FORCE takes it over, the pty is put in raw mode, bytes flow both
 * ways until the guest side ends (QEMU exits) or the client finishes.
 * Reference: qemu-driver.md §4.2.
 */
import { constants, openSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';
import type { StreamDriver } from '../stream.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';

const QEMU = ErrorDomain.QEMU;

/** virDomainConsoleFlags. */
export const ConsoleFlags = { FORCE: 1, SAFE: 2 } as const;

/** One open console: what FORCE aborts. */
interface Session { abort(err: VirtError): void }

/** The console sessions of a driver, by pty path (virChrdevs' hash). */
export class ConsoleSessions {
  readonly #open = new Map<string, Session>();

  /**
   * Opens `path` for a new session. Busy without `force`: libvirt's
   * "Active console session exists for this domain"; with it, the old
   * session fails with an I/O error and this one takes over.
   */
  open(path: string, force: boolean): StreamDriver {
    const old = this.#open.get(path);
    if (old) {
      if (!force) {
        throw VirtError.report(ErrorCode.OPERATION_FAILED, QEMU, 'Active console session exists for this domain');
      }
      old.abort(VirtError.report(ErrorCode.RPC, ErrorDomain.STREAMS, 'stream had I/O failure'));
    }
    let rfd: number;
    let wfd: number;
    try {
      rfd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
      wfd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
    } catch (e) {
      throw new VirtError(ErrorCode.SYSTEM_ERROR, `Unable to open tty ${path}: ${(e as Error).message}`, ErrorDomain.STREAMS);
    }
    const input = new ReadStream(rfd);
    // virFDStreamOpenPTY: cfmakeraw, so the guest's bytes pass untouched.
    input.setRawMode(true);
    const output = new WriteStream(wfd);
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
    // A pty whose other side went away reads EIO: the guest side ended.
    const end = () => { ended = true; wake(); };
    input.on('end', end);
    input.on('close', end);
    input.on('error', end);
    output.on('error', () => undefined);
    const self = this;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      if (self.#open.get(path) === session) self.#open.delete(path);
      input.destroy();
      output.destroy();
    };
    const session: Session = {
      abort(err) {
        failed = err;
        close();
        wake();
      },
    };
    this.#open.set(path, session);
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
