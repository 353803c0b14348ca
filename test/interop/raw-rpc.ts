/**
 * A raw-packet RPC client for tests: connects to a daemon's unix socket and
 * sends CALLs built from a program table entry and args, or from raw body
 * bytes (for payloads no well-behaved client would send), and reads frames
 * back one at a time with a timeout. Nothing is interpreted behind the
 * test's back: no keepalive, no serial matching, no retries.
 */
import { createConnection, type Socket } from 'node:net';
import {
  encodeArgs, encodeFrame, errorFromPayload, FrameDecoder, MessageStatus, MessageType, type Frame, type Header,
  type Procedure,
} from '../../src/protocol/index.js';

/** What {@link RawRpcClient.next} can give: a frame, or why there is none. */
export type NextFrame = Frame | 'timeout' | 'closed';

/** The parts of a libvirt error reply the differential tests compare. */
export interface ErrorReply {
  code: number;
  domain: number;
  message: string;
}

/** Header fields a test may override on a CALL (a wrong program, status, type…). */
export type HeaderOverrides = Partial<Header>;

/** Waits for whoever is reading: resolves the oldest pending `next()`. */
type Waiter = () => void;

/** One connection to a daemon, speaking raw packets. */
export class RawRpcClient {
  readonly #sock: Socket;
  readonly #decoder = new FrameDecoder();
  readonly #frames: Frame[] = [];
  readonly #waiters: Waiter[] = [];
  #closed = false;
  #serial = 1;

  private constructor(sock: Socket) {
    this.#sock = sock;
    sock.on('data', (chunk: Buffer) => {
      try {
        this.#frames.push(...this.#decoder.push(chunk));
      } catch {
        // A frame we cannot parse: treat the stream as over, as libvirt's client would.
        sock.destroy();
      }
      this.#wake();
    });
    sock.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    sock.on('error', () => { /* 'close' follows */ });
  }

  /** Connects to the unix socket at `path`. */
  static connect(path: string, timeoutMs = 5000): Promise<RawRpcClient> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(path);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect ${path}: timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeListener('error', reject);
        resolve(new RawRpcClient(sock));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** True once the daemon (or we) closed the connection. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Sends a CALL of `p` with `args` encoded by the table. Returns its serial. */
  send<WA, WR, CA, CR>(p: Procedure<WA, WR, CA, CR>, args: CA, header: HeaderOverrides = {}): number {
    return this.sendBody(p, encodeArgs(p, args), header);
  }

  /** Sends a CALL of `p` whose payload is `body`, byte for byte. Returns its serial. */
  sendBody(p: Pick<Procedure, 'prog' | 'vers' | 'number'>, body: Uint8Array, header: HeaderOverrides = {}): number {
    const serial = header.serial ?? this.#serial++;
    const h: Header = {
      prog: p.prog, vers: p.vers, proc: p.number, type: MessageType.CALL, serial, status: MessageStatus.OK, ...header,
    };
    this.sendRaw(encodeFrame(h, body));
    return serial;
  }

  /** Writes `bytes` as they are (a whole packet, part of one, or garbage). */
  sendRaw(bytes: Uint8Array): void {
    this.#sock.write(bytes);
  }

  /** Sends a CALL and reads the next frame. */
  async call<WA, WR, CA, CR>(p: Procedure<WA, WR, CA, CR>, args: CA, timeoutMs = 5000): Promise<NextFrame> {
    this.send(p, args);
    return this.next(timeoutMs);
  }

  /** The next frame from the daemon, 'closed' if the connection ended first, or 'timeout'. */
  async next(timeoutMs = 5000): Promise<NextFrame> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0 && !this.#closed) {
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          const i = this.#waiters.indexOf(wake);
          if (i >= 0) this.#waiters.splice(i, 1);
          resolve();
        }, left);
        const wake: Waiter = () => {
          clearTimeout(timer);
          resolve();
        };
        this.#waiters.push(wake);
      });
    }
    return this.#frames.shift() ?? 'closed';
  }

  /** Closes the connection. */
  close(): void {
    this.#closed = true;
    this.#sock.destroy();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** The error in a REPLY frame with status ERROR, or null for anything else. */
export function errorReply(f: NextFrame): ErrorReply | null {
  if (typeof f === 'string' || f.header.type !== MessageType.REPLY || f.header.status !== MessageStatus.ERROR) return null;
  const e = errorFromPayload(f.body);
  return { code: e.code, domain: e.domain, message: e.message };
}

/** A one-line description of a reply, for assertion messages and logs. */
export function describeReply(f: NextFrame): string {
  if (typeof f === 'string') return f.toUpperCase();
  const e = errorReply(f);
  if (e) return `error code=${e.code} domain=${e.domain} ${JSON.stringify(e.message)}`;
  return `type=${f.header.type} status=${f.header.status} body=${f.body.length} bytes`;
}
