/**
 * The client end of libvirt's RPC protocol over any byte stream.
 *
 * - Calls are numbered 0, 1, 2, … (the stock client's serials) and may be
 *   pipelined; replies are matched by serial in whatever order they come.
 * - MESSAGE packets of a known program are decoded with the program table
 *   and handed to the event handler; unknown ones are ignored.
 * - A call to a stream procedure (§15) registers its stream before the CALL
 *   goes out, so data that overtakes the REPLY is kept.
 * - An AbortSignal abandons a call: its promise rejects at once, and the
 *   reply, when it comes, is dropped (libvirt has no cancel message).
 */
import type { Duplex } from 'node:stream';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  argsToWire, decodeMsg, decodeRet, encodeFrameOf, errorFromPayload, lxc, MessageStatus, MessageType, qemu, remote,
  type ArgsOf, type Entry, type EventMessage, type Frame, type Header, type Procedure, type ProgramInfo,
  type RetOf,
} from '../protocol/index.js';
import { CloseReason, PacketChannel } from './channel.js';
import { ClientStream } from './stream.js';

export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface RpcClientOptions {
  /** Event messages (already decoded). */
  onEvent?: (entry: EventMessage, msg: unknown) => void;
  /** The connection ended; `error` says why when it was not a clean close. */
  onClose?: (reason: CloseReason, error: VirtError | null) => void;
  /** Programs whose MESSAGE packets are decoded (default: REMOTE, QEMU, LXC). */
  programs?: readonly ProgramInfo[];
}

interface Pending {
  proc: Procedure;
  resolve(body: Uint8Array): void;
  reject(e: VirtError): void;
  /** The caller gave up; drop the reply. */
  abandoned: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProc = Procedure<any, any, any, any>;

/** libvirt's text when a call is made on, or outlives, a closed connection. */
function closedError(cause: VirtError | null): VirtError {
  return cause ?? new VirtError(ErrorCode.INTERNAL_ERROR, 'internal error: client socket is closed', ErrorDomain.RPC,
    { str1: 'internal error: %s', str2: 'client socket is closed' });
}

export class RpcClient {
  readonly #channel: PacketChannel;
  readonly #pending = new Map<number, Pending>();
  readonly #streams = new Map<number, ClientStream>();
  readonly #programs: readonly ProgramInfo[];
  readonly #onEvent: RpcClientOptions['onEvent'];
  readonly #closeListeners: ((reason: CloseReason, error: VirtError | null) => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #serial = 0;
  #closeError: VirtError | null = null;
  #closed = false;

  constructor(stream: Duplex, opts: RpcClientOptions = {}) {
    this.#programs = opts.programs ?? [remote, qemu, lxc];
    this.#onEvent = opts.onEvent;
    if (opts.onClose) this.#closeListeners.push(opts.onClose);
    this.#channel = new PacketChannel(stream, {
      onFrame: (f) => this.#onFrame(f),
      onClose: (reason, error) => this.#onClose(reason, error),
      pauseIsOurs: true,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Calls in flight (for tests and diagnostics). */
  get pendingCalls(): number {
    return this.#pending.size;
  }

  /**
   * Resolves once no call that a caller still waits for is in flight (calls
   * given up by their callers do not count). libvirt's daemon may drop the
   * reply to CONNECT_CLOSE when another reply is written after it
   * (virNetServerClientDelayedClose), so the close must go out alone.
   */
  idle(): Promise<void> {
    if (this.#closed || !this.#waiting()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #waiting(): boolean {
    for (const [, p] of this.#pending) if (!p.abandoned) return true;
    return false;
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || (!this.#closed && this.#waiting())) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  onClose(cb: (reason: CloseReason, error: VirtError | null) => void): void {
    this.#closeListeners.push(cb);
  }

  /** Pings after `interval` idle seconds, gives up after `count` unanswered pings. */
  startKeepalive(interval: number, count: number): void {
    this.#channel.startKeepalive(interval, count);
  }

  stopKeepalive(): void {
    this.#channel.stopKeepalive();
  }

  /** Calls a procedure and resolves with its contract-side result. */
  async call<P extends AnyProc>(p: P, args: ArgsOf<P>, opts: CallOptions = {}): Promise<RetOf<P>> {
    if (p.stream) {
      throw new VirtError(ErrorCode.INTERNAL_ERROR, `internal error: ${p.name} opens a stream: use openStream()`,
        ErrorDomain.RPC);
    }
    const body = await this.#send(p, args, null, opts);
    return decodeRet(p, body) as RetOf<P>;
  }

  /**
   * Calls a stream procedure; resolves with the contract `ret` and the open
   * stream. Holes are allowed when the procedure is sparse and its flags
   * carry the sparse bit (VIR_STORAGE_VOL_{UP,DOWN}LOAD_SPARSE_STREAM = 1).
   */
  async openStream<P extends AnyProc>(p: P, args: ArgsOf<P>, opts: CallOptions = {}):
  Promise<{ ret: RetOf<P>; stream: ClientStream }> {
    const serial = this.#serial;
    const flags = (args as { flags?: number } | undefined)?.flags ?? 0;
    const stream = new ClientStream(this.#channel, p, serial, {
      allowHoles: p.sparse && (flags & 1) !== 0,
      onDone: () => this.#streams.delete(serial),
      flow: this.#flow,
    });
    const body = await this.#send(p, args, stream, opts);
    return { ret: decodeRet(p, body) as RetOf<P>, stream };
  }

  /**
   * Streams whose consumers fall behind stop the socket being read; it is
   * read again when none does (see STREAM_QUEUE_MAX).
   */
  readonly #flow = {
    pause: (): void => {
      if (this.#pausedStreams++ === 0) this.#channel.pause();
    },
    resume: (): void => {
      if (--this.#pausedStreams === 0) this.#channel.resume();
    },
  };

  #pausedStreams = 0;

  /** Closes the connection (reason CLIENT). Pending calls fail. */
  close(): void {
    this.#channel.close(CloseReason.CLIENT, null);
  }

  #send(p: AnyProc, args: unknown, stream: ClientStream | null, opts: CallOptions): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(closedError(this.#closeError));
    const signal = opts.signal;
    if (signal?.aborted) return Promise.reject(abortError(p, signal));
    const wireArgs = argsToWire(p, args as never);
    const serial = this.#serial;
    this.#serial = (this.#serial + 1) >>> 0;
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = (): void => {
        const pend = this.#pending.get(serial);
        if (!pend || pend.abandoned) return;
        pend.abandoned = true;
        this.#checkIdle();
        stream?.fail(abortError(p, signal!));
        reject(abortError(p, signal!));
      };
      const pending: Pending = {
        proc: p,
        abandoned: false,
        resolve: (b) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(b);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          stream?.fail(e);
          reject(e);
        },
      };
      this.#pending.set(serial, pending);
      if (stream) this.#streams.set(serial, stream);
      signal?.addEventListener('abort', onAbort, { once: true });
      const header: Header = {
        prog: p.prog, vers: p.vers, proc: p.number, type: MessageType.CALL, serial, status: MessageStatus.OK,
      };
      this.#channel.sendRaw(encodeFrameOf(header, p.args, wireArgs));
    });
  }

  #onFrame(f: Frame): void {
    const h = f.header;
    switch (h.type) {
      case MessageType.REPLY:
      case MessageType.REPLY_WITH_FDS:
        this.#onReply(f);
        return;
      case MessageType.MESSAGE:
        this.#onMessage(f);
        return;
      case MessageType.STREAM:
      case MessageType.STREAM_HOLE:
        this.#streams.get(h.serial)?.receive(f);
        return;
      default:
        // Unknown types from the daemon: ignore, as the daemon ignores ours.
    }
  }

  #onReply(f: Frame): void {
    const h = f.header;
    const pend = this.#pending.get(h.serial);
    if (!pend) {
      // A failed finish, or a write the daemon could not complete, comes back
      // as a REPLY with the stream's serial (virNetServerProgramSendReplyError).
      const s = this.#streams.get(h.serial);
      if (s) {
        s.receiveReply(f);
        return;
      }
    }
    if (!pend || pend.proc.prog !== h.prog || pend.proc.vers !== h.vers) {
      // virNetClientCallDispatchReply: a reply nobody waits for is a protocol violation.
      this.#channel.close(CloseReason.ERROR, new VirtError(ErrorCode.RPC,
        `Unexpected reply with serial ${h.serial}`, ErrorDomain.RPC));
      return;
    }
    this.#pending.delete(h.serial);
    if (this.#idleWaiters.length > 0) setImmediate(() => this.#checkIdle());
    if (h.status === MessageStatus.OK) {
      if (pend.abandoned) {
        // The stream the abandoned call opened is of no use to anyone.
        const s = this.#streams.get(h.serial);
        if (s) void s.abort().catch(() => undefined);
        return;
      }
      pend.resolve(f.body);
      return;
    }
    this.#streams.delete(h.serial);
    if (pend.abandoned) return;
    pend.reject(errorFromPayload(f.body));
  }

  #onMessage(f: Frame): void {
    const h = f.header;
    const prog = this.#programs.find((p) => p.prog === h.prog && p.vers === h.vers);
    const entry: Entry | undefined = prog?.byNumber(h.proc);
    if (!entry || entry.kind !== 'event' || !this.#onEvent) return;
    let msg: unknown;
    try {
      msg = decodeMsg(entry, f.body);
    } catch {
      return; // libvirt logs and drops an event it cannot decode
    }
    this.#onEvent(entry, msg);
  }

  #onClose(reason: CloseReason, error: Error | null): void {
    if (this.#closed) return;
    this.#closed = true;
    let cause: VirtError | null = null;
    if (reason === CloseReason.KEEPALIVE) {
      cause = new VirtError(ErrorCode.INTERNAL_ERROR, 'internal error: connection closed due to keepalive timeout',
        ErrorDomain.RPC, { str1: 'internal error: %s', str2: 'connection closed due to keepalive timeout' });
    } else if (error instanceof VirtError) {
      cause = error;
    } else if (reason !== CloseReason.CLIENT) {
      const detail = error?.message ?? 'Input/output error';
      cause = new VirtError(ErrorCode.SYSTEM_ERROR, `End of file while reading data: ${detail}`, ErrorDomain.RPC,
        { str1: '%s', str2: `End of file while reading data: ${detail}` });
    }
    this.#closeError = cause;
    const err = closedError(cause);
    for (const [, p] of this.#pending) if (!p.abandoned) p.reject(err);
    this.#pending.clear();
    this.#checkIdle();
    for (const [, s] of this.#streams) s.fail(err);
    this.#streams.clear();
    for (const cb of this.#closeListeners) cb(reason, cause);
  }
}

function abortError(p: AnyProc, signal: AbortSignal): VirtError {
  const why = signal.reason instanceof Error ? signal.reason.message : 'aborted by the caller';
  return new VirtError(ErrorCode.OPERATION_ABORTED, `operation aborted: ${p.name}: ${why}`, ErrorDomain.RPC,
    { str1: 'operation aborted: %s', str2: `${p.name}: ${why}` });
}
