/**
 * The client side of one RPC stream (libvirt-rpc.md §15): identified by the
 * serial and procedure of the call that opened it.
 *
 * Incoming: STREAM/CONTINUE packets carry raw bytes, an empty one is EOF,
 * STREAM_HOLE packets carry `{ length, flags }` (sparse streams only),
 * STREAM/OK confirms our finish or abort, STREAM/ERROR carries the daemon's
 * remote_error, and a REPLY/ERROR with the stream's serial is a failed
 * finish or a failed write on the daemon's side (remote_daemon_stream.c
 * answers those with virNetServerProgramSendReplyError).
 * Outgoing: data in packets of at most 262120 bytes, holes, finish
 * (STREAM/OK, empty) and abort (STREAM/ERROR, empty).
 *
 * Flow control: outgoing data waits for the socket to drain after each
 * packet; incoming data is queued up to STREAM_QUEUE_MAX bytes, past which
 * the stream asks its client to stop reading the socket until the consumer
 * catches up (libvirt's client queues without bound).
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  errorFromPayload, MessageStatus, MessageType, streamHole, type Frame, type Header, type Procedure,
} from '../protocol/index.js';
import { fromXdr, toXdr } from '../xdr/index.js';
import type { PacketChannel } from './channel.js';

/** VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX: the most data one STREAM packet carries. */
export const STREAM_CHUNK = 262120;

/**
 * Outgoing bytes of one stream that may wait in the socket's write queue
 * (not yet handed to the OS): past it, send() waits until half of it has
 * gone. Enough to keep the daemon fed while the caller fetches the next
 * chunk, and still bounded.
 */
export const STREAM_SEND_WINDOW = 8 * STREAM_CHUNK;

/** Queued incoming bytes past which the socket is no longer read (8 packets). */
export const STREAM_QUEUE_MAX = 8 * STREAM_CHUNK;

/** One item read from a stream: bytes, or a hole of `hole` bytes (sparse streams). */
export type StreamChunk = Uint8Array | { hole: number };

interface Waiter { resolve(): void; reject(e: VirtError): void }

/** How a stream tells its client that its queue is full (pause) or has room again (resume). */
export interface StreamFlow {
  pause(): void;
  resume(): void;
}

export interface ClientStreamOptions {
  /** Holes are allowed both ways (a sparse procedure opened with its sparse flag). */
  allowHoles?: boolean;
  /** Called once when the stream is over (finished, aborted, failed). */
  onDone?: () => void;
  flow?: StreamFlow;
}

function streamError(code: number, message: string): VirtError {
  return new VirtError(code, message, ErrorDomain.STREAMS);
}

export class ClientStream {
  readonly #channel: PacketChannel;
  readonly #proc: Procedure;
  readonly #serial: number;
  readonly #opts: ClientStreamOptions;
  readonly #queue: StreamChunk[] = [];
  #queued = 0;
  #paused = false;
  #eof = false;
  #error: VirtError | null = null;
  #done = false;
  #readWaiter: Waiter | null = null;
  #confirmWaiter: Waiter | null = null;
  /** Bytes of ours still in the socket's write queue, and a send() waiting for them to go. */
  #unsent = 0;
  #sendWaiter: (() => void) | null = null;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(channel: PacketChannel, proc: Procedure<any, any, any, any, any>, serial: number,
    opts: ClientStreamOptions = {}) {
    this.#channel = channel;
    this.#proc = proc;
    this.#serial = serial;
    this.#opts = opts;
  }

  get serial(): number {
    return this.#serial;
  }

  /** Whether holes may travel on this stream. */
  get allowHoles(): boolean {
    return this.#opts.allowHoles === true;
  }

  /** Bytes received and not read yet. */
  get queuedBytes(): number {
    return this.#queued;
  }

  /** Routes one STREAM / STREAM_HOLE packet of this stream (called by the client). */
  receive(f: Frame): void {
    if (this.#done) return; // after finish/abort: ignored, as libvirt does
    const h = f.header;
    if (h.type === MessageType.STREAM_HOLE) {
      if (!this.allowHoles) {
        // virNetClientStreamHandleHole: the daemon broke the stream's contract.
        this.fail(streamError(ErrorCode.RPC, 'Unexpected stream hole'));
        return;
      }
      let length: number;
      try {
        ({ length } = fromXdr(streamHole, f.body, { allowTrailing: true }));
      } catch (e) {
        this.fail(e instanceof VirtError ? e : streamError(ErrorCode.RPC, String(e)));
        return;
      }
      if (length > 0) this.#push({ hole: length }, 0);
    } else if (h.status === MessageStatus.CONTINUE) {
      if (f.body.length === 0) this.#eof = true;
      else this.#push(f.body, f.body.length);
    } else if (h.status === MessageStatus.OK) {
      this.#settle(null);
      return;
    } else {
      this.fail(errorFromPayload(f.body));
      return;
    }
    this.#wakeReader();
  }

  /** A REPLY carrying this stream's serial: an error from the daemon's side of the stream. */
  receiveReply(f: Frame): void {
    if (this.#done) return;
    if (f.header.status === MessageStatus.OK) {
      this.#settle(null);
      return;
    }
    this.fail(errorFromPayload(f.body));
  }

  #push(c: StreamChunk, bytes: number): void {
    this.#queue.push(c);
    this.#queued += bytes;
    if (!this.#paused && this.#queued > STREAM_QUEUE_MAX) {
      this.#paused = true;
      this.#opts.flow?.pause();
    }
  }

  #shift(): StreamChunk | undefined {
    const c = this.#queue.shift();
    if (c instanceof Uint8Array) this.#queued -= c.length;
    if (this.#paused && this.#queued <= STREAM_QUEUE_MAX / 2) this.#unpause();
    return c;
  }

  #unpause(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#opts.flow?.resume();
  }

  /** Whether read() would resolve at once (data, a hole, EOF or an error is there). */
  get readable(): boolean {
    return this.#queue.length > 0 || this.#eof || this.#error !== null;
  }

  /** The next chunk, or null at EOF. Rejects with the stream's error. */
  async read(): Promise<StreamChunk | null> {
    for (;;) {
      const c = this.#shift();
      if (c) return c;
      if (this.#error) throw this.#error;
      if (this.#eof) return null;
      await new Promise<void>((resolve, reject) => {
        this.#readWaiter = { resolve, reject };
      });
    }
  }

  /** Same as read() (the StreamDriver shape). */
  recv(): Promise<StreamChunk | null> {
    return this.read();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<StreamChunk> {
    for (;;) {
      const c = await this.read();
      if (c === null) return;
      yield c;
    }
  }

  /** Reads to EOF; holes become zero bytes. */
  async readAll(opts: { signal?: AbortSignal | undefined } = {}): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let size = 0;
    const onAbort = (): void => this.fail(new VirtError(ErrorCode.OPERATION_ABORTED,
      'operation aborted: stream read aborted by the caller', ErrorDomain.STREAMS));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const c of this) {
        const bytes = c instanceof Uint8Array ? c : new Uint8Array(c.hole);
        parts.push(bytes);
        size += bytes.length;
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /**
   * Sends data (upload / bidirectional streams) in ≤ 262120-byte packets;
   * while more than STREAM_SEND_WINDOW bytes wait in the socket's queue, it
   * waits for the queue to drain.
   */
  async send(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; at += STREAM_CHUNK) {
      this.#check();
      const body = data.subarray(at, at + STREAM_CHUNK);
      this.#unsent += body.length;
      this.#channel.send(this.#header(MessageType.STREAM, MessageStatus.CONTINUE), body, () => {
        this.#unsent -= body.length;
        if (this.#unsent <= STREAM_SEND_WINDOW / 2) this.#wakeSender();
      });
      if (this.#unsent > STREAM_SEND_WINDOW) await new Promise<void>((r) => { this.#sendWaiter = r; });
    }
  }

  #wakeSender(): void {
    const w = this.#sendWaiter;
    this.#sendWaiter = null;
    w?.();
  }

  /** Sends a hole (sparse upload). */
  async sendHole(length: number): Promise<void> {
    this.#check();
    if (!this.allowHoles) {
      // remoteStreamSendHole → virNetClientStreamSendHole refuses it locally.
      throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.STREAMS,
        'Skipping is not supported with this stream');
    }
    if (length <= 0) return;
    this.#channel.send(this.#header(MessageType.STREAM_HOLE, MessageStatus.CONTINUE),
      toXdr(streamHole, { length, flags: 0 }));
    await this.#channel.drained();
  }

  /** Finish handshake: STREAM/OK out, the daemon's STREAM/OK (or error) back. */
  finish(): Promise<void> {
    return this.#endWith(MessageStatus.OK);
  }

  /**
   * Abort: STREAM/ERROR with an empty payload; the daemon confirms with
   * STREAM/OK. A stream that already failed has nothing left to abort.
   */
  abort(): Promise<void> {
    if (this.#error && !this.#done) this.#settle(this.#error);
    if (this.#done) return Promise.resolve();
    return this.#endWith(MessageStatus.ERROR);
  }

  /** Ends the stream with an error (daemon error, connection loss, caller abort). */
  fail(e: VirtError): void {
    if (this.#done) return;
    this.#error = e;
    this.#settle(e);
  }

  #endWith(status: MessageStatus): Promise<void> {
    if (this.#done) return this.#error ? Promise.reject(this.#error) : Promise.resolve();
    if (this.#error) return Promise.reject(this.#error);
    if (this.#confirmWaiter) {
      return Promise.reject(VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.STREAMS, 'stream is already closing'));
    }
    return new Promise<void>((resolve, reject) => {
      this.#confirmWaiter = { resolve, reject };
      this.#channel.send(this.#header(MessageType.STREAM, status));
    });
  }

  #settle(e: VirtError | null): void {
    if (!this.#done) {
      this.#done = true;
      this.#opts.onDone?.();
    }
    this.#queue.length = 0;
    this.#queued = 0;
    this.#unpause();
    const w = this.#confirmWaiter;
    this.#confirmWaiter = null;
    if (w) {
      if (e) w.reject(e);
      else w.resolve();
    }
    if (!e) this.#eof = true;
    this.#wakeReader();
    this.#wakeSender();
  }

  #wakeReader(): void {
    const r = this.#readWaiter;
    this.#readWaiter = null;
    r?.resolve();
  }

  #check(): void {
    if (this.#error) throw this.#error;
    if (this.#done || this.#confirmWaiter) {
      throw VirtError.report(ErrorCode.INVALID_STREAM, ErrorDomain.STREAMS, 'stream is closed');
    }
  }

  #header(type: MessageType, status: MessageStatus): Header {
    return { prog: this.#proc.prog, vers: this.#proc.vers, proc: this.#proc.number, type, serial: this.#serial, status };
  }
}
