/**
 * The client side of one RPC stream (libvirt-rpc.md §15): identified by the
 * serial and procedure of the call that opened it.
 *
 * Incoming: STREAM/CONTINUE packets carry raw bytes, an empty one is EOF,
 * STREAM_HOLE packets carry `{ length, flags }`, STREAM/OK confirms our
 * finish or abort, STREAM/ERROR carries the daemon's remote_error.
 * Outgoing: data in packets of at most 262120 bytes, holes, finish
 * (STREAM/OK, empty) and abort (STREAM/ERROR, empty).
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  errorFromPayload, MessageStatus, MessageType, streamHole, type Frame, type Header, type Procedure,
} from '../protocol/index.js';
import { fromXdr, toXdr } from '../xdr/index.js';
import type { PacketChannel } from './channel.js';

/** VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX: the most data one STREAM packet carries. */
export const STREAM_CHUNK = 262120;

/** One item read from a stream: bytes, or a hole of `hole` bytes (sparse streams). */
export type StreamChunk = Uint8Array | { hole: number };

interface Waiter { resolve(): void; reject(e: VirtError): void }

export class ClientStream {
  readonly #channel: PacketChannel;
  readonly #proc: Procedure;
  readonly #serial: number;
  readonly #onDone: () => void;
  readonly #queue: StreamChunk[] = [];
  #eof = false;
  #error: VirtError | null = null;
  #done = false;
  #readWaiter: Waiter | null = null;
  #confirmWaiter: Waiter | null = null;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(channel: PacketChannel, proc: Procedure<any, any, any, any>, serial: number, onDone: () => void) {
    this.#channel = channel;
    this.#proc = proc;
    this.#serial = serial;
    this.#onDone = onDone;
  }

  get serial(): number {
    return this.#serial;
  }

  /** Routes one STREAM / STREAM_HOLE packet of this stream (called by the client). */
  receive(f: Frame): void {
    if (this.#done) return; // after finish/abort: ignored, as libvirt does
    const h = f.header;
    if (h.type === MessageType.STREAM_HOLE) {
      try {
        const { length } = fromXdr(streamHole, f.body, { allowTrailing: true });
        this.#queue.push({ hole: length });
      } catch (e) {
        this.fail(e as VirtError);
        return;
      }
    } else if (h.status === MessageStatus.CONTINUE) {
      if (f.body.length === 0) this.#eof = true;
      else this.#queue.push(f.body);
    } else if (h.status === MessageStatus.OK) {
      this.#settle(null);
      return;
    } else {
      this.fail(errorFromPayload(f.body));
      return;
    }
    this.#wakeReader();
  }

  /** The next chunk, or null at EOF. Rejects with the stream's error. */
  async read(): Promise<StreamChunk | null> {
    for (;;) {
      const c = this.#queue.shift();
      if (c) return c;
      if (this.#error) throw this.#error;
      if (this.#eof) return null;
      await new Promise<void>((resolve, reject) => {
        this.#readWaiter = { resolve, reject };
      });
    }
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

  /** Sends data (upload / bidirectional streams), in ≤ 262120-byte packets. */
  async send(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; at += STREAM_CHUNK) {
      this.#check();
      this.#channel.send(this.#header(MessageType.STREAM, MessageStatus.CONTINUE), data.subarray(at, at + STREAM_CHUNK));
      await this.#channel.drained();
    }
  }

  /** Sends a hole (sparse upload). */
  sendHole(length: number): void {
    this.#check();
    this.#channel.send(this.#header(MessageType.STREAM_HOLE, MessageStatus.CONTINUE),
      toXdr(streamHole, { length, flags: 0 }));
  }

  /** Finish handshake: STREAM/OK out, the daemon's STREAM/OK (or error) back. */
  finish(): Promise<void> {
    return this.#endWith(MessageStatus.OK);
  }

  /** Abort: STREAM/ERROR with an empty payload; the daemon confirms with STREAM/OK. */
  abort(): Promise<void> {
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
    return new Promise<void>((resolve, reject) => {
      this.#confirmWaiter = { resolve, reject };
      this.#channel.send(this.#header(MessageType.STREAM, status));
    });
  }

  #settle(e: VirtError | null): void {
    this.#done = true;
    this.#onDone();
    const w = this.#confirmWaiter;
    this.#confirmWaiter = null;
    if (w) {
      if (e) w.reject(e);
      else w.resolve();
    }
    if (!e) this.#eof = true;
    this.#wakeReader();
  }

  #wakeReader(): void {
    const r = this.#readWaiter;
    this.#readWaiter = null;
    r?.resolve();
  }

  #check(): void {
    if (this.#error) throw this.#error;
    if (this.#done) throw new VirtError(ErrorCode.INVALID_STREAM, 'stream is closed', ErrorDomain.STREAMS);
  }

  #header(type: MessageType, status: MessageStatus): Header {
    return { prog: this.#proc.prog, vers: this.#proc.vers, proc: this.#proc.number, type, serial: this.#serial, status };
  }
}
