/**
 * virStream: the library's stream, with libvirt's semantics and Node-native
 * adapters.
 *
 * A Stream is made by `conn.newStream(flags)` and handed to a
 * stream-opening call (`dom.openConsole`, `vol.upload`, `dom.screenshot`…),
 * which attaches the driver's side (driver/stream.ts). Then:
 *
 * - libvirt's calls: `send`, `recv` (with RECV_STOP_AT_HOLE), `sendHole`,
 *   `recvHole`, `finish`, `abort`, `sendAll`/`recvAll`,
 *   `sparseSendAll`/`sparseRecvAll`, and for VIR_STREAM_NONBLOCK streams
 *   the -2 "would block" answers and `eventAddCallback` (level-triggered,
 *   like the remote driver's stream events);
 * - Node's: `for await` over the data, `chunks()` over data and holes,
 *   `toReadable()`, `toWritable()`, `toDuplex()`, all with backpressure —
 *   nothing is read from the driver before it is asked for, and a write
 *   completes only when the driver has taken the data.
 */
import { Duplex, Readable, Writable } from 'node:stream';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  STREAM_CHUNK, streamNoSupport, type DriverStream, type StreamChunk, type StreamDriver,
} from '../driver/stream.js';
import type { Connection } from './connection.js';

/** virStreamFlags. */
export const StreamFlags = { NONBLOCK: 1 } as const;
/** virStreamRecvFlagsValues. */
export const StreamRecvFlags = { STOP_AT_HOLE: 1 } as const;
/** virStreamEventType. */
export const StreamEventType = { READABLE: 1, WRITABLE: 2, ERROR: 4, HANGUP: 8 } as const;

/** What send/recv return on a non-blocking stream that is not ready (libvirt's -2). */
export const STREAM_AGAIN = -2;
/** What recv with STOP_AT_HOLE returns at a hole (libvirt's -3); `recvHole()` then gives its length. */
export const STREAM_AT_HOLE = -3;

/** virStreamEventCallback. */
export type StreamEventCallback = (stream: Stream, events: number) => void;
/**
 * virStreamSourceFunc: the next bytes to send; empty or null at the end.
 * `nbytes` is a hint. The bytes are handed over as they are (not copied):
 * return a fresh buffer each time.
 */
export type StreamSourceFunc = (stream: Stream, nbytes: number) => Uint8Array | null | Promise<Uint8Array | null>;
/** virStreamSinkFunc: takes received bytes. */
export type StreamSinkFunc = (stream: Stream, data: Uint8Array) => void | Promise<void>;
/** virStreamSinkHoleFunc: a hole of `length` bytes was received. */
export type StreamSinkHoleFunc = (stream: Stream, length: number) => void | Promise<void>;
/** virStreamSourceHoleFunc: whether the source is in data or in a hole here, and for how long (0 at the end). */
export type StreamSourceHoleFunc = (stream: Stream) =>
{ inData: boolean; length: number } | Promise<{ inData: boolean; length: number }>;
/** virStreamSourceSkipFunc: skip `length` bytes of the source (the hole just sent). */
export type StreamSourceSkipFunc = (stream: Stream, length: number) => void | Promise<void>;

type State = 'new' | 'open' | 'finished' | 'aborted';

function invalid(detail: string): VirtError {
  return VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.STREAMS, detail);
}

function asVirtError(e: unknown): VirtError {
  return e instanceof VirtError ? e
    : VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS, e instanceof Error ? e.message : String(e));
}

export class Stream implements DriverStream, AsyncIterable<Uint8Array>, Disposable {
  readonly conn: Connection;
  readonly flags: number;
  #drv: StreamDriver | null = null;
  #state: State = 'new';
  #freed = false;
  // receive side: what the driver gave and the caller has not taken yet
  #head: Uint8Array | null = null;
  #hole = 0;
  #eof = false;
  #recvError: VirtError | null = null;
  #recvPending: Promise<void> | null = null;
  // send side (non-blocking sends run in the background, one at a time)
  #sendPending: Promise<void> | null = null;
  #sendError: VirtError | null = null;
  // events
  #cb: { events: number; fn: StreamEventCallback } | null = null;
  #cbScheduled = false;

  /** @internal Use conn.newStream(flags). */
  constructor(conn: Connection, flags = 0) {
    this.conn = conn;
    this.flags = flags;
    conn.ref();
  }

  // ---------------------------------------------------------------- DriverStream

  /** @internal Called by the driver of the stream-opening call. */
  attach(drv: StreamDriver): void {
    if (this.#drv || this.#state !== 'new') {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS, 'stream is already in use');
    }
    this.#drv = drv;
    this.#state = 'open';
    this.#schedule();
  }

  get isNonBlocking(): boolean {
    return (this.flags & StreamFlags.NONBLOCK) !== 0;
  }

  /** True once finish() succeeded. */
  get isFinished(): boolean {
    return this.#state === 'finished';
  }

  #driver(api: string): StreamDriver {
    if (this.#freed) throw VirtError.report(ErrorCode.INVALID_STREAM, ErrorDomain.STREAMS, api);
    // A stream no call has opened has no driver: virReportUnsupportedError.
    if (!this.#drv) throw streamNoSupport(api);
    if (this.#state !== 'open') throw invalid('stream is closed');
    return this.#drv;
  }

  /** An error ends the stream as aborted (virStreamSend/Recv: "the stream will be marked as aborted"). */
  #failed(e: unknown): VirtError {
    const err = asVirtError(e);
    if (this.#state === 'open') {
      this.#state = 'aborted';
      this.#drv?.abort().catch(() => undefined);
    }
    return err;
  }

  // ---------------------------------------------------------------- receive

  /** Whether what the driver gave is at hand (data, a hole, the end or an error). */
  get #ready(): boolean {
    return this.#head !== null || this.#hole > 0 || this.#eof || this.#recvError !== null;
  }

  /** Starts (or joins) one driver recv() unless something is at hand. */
  #fill(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    if (this.#recvPending) return this.#recvPending;
    const drv = this.#drv!;
    if (!drv.recv) {
      this.#recvError = streamNoSupport('virStreamRecv');
      return Promise.resolve();
    }
    this.#recvPending = drv.recv().then((c: StreamChunk | null) => {
      if (c === null) this.#eof = true;
      else if (c instanceof Uint8Array) {
        if (c.length > 0) this.#head = c;
      } else this.#hole += c.hole;
    }, (e: unknown) => {
      this.#recvError = asVirtError(e);
    }).finally(() => {
      this.#recvPending = null;
      this.#schedule();
    });
    return this.#recvPending;
  }

  /**
   * virStreamRecv / virStreamRecvFlags: up to `nbytes` bytes; an empty
   * array at the end of the stream (then call finish()). A non-blocking
   * stream answers STREAM_AGAIN (-2) when nothing is there yet; with
   * RECV_STOP_AT_HOLE, STREAM_AT_HOLE (-3) at a hole. Without that flag a
   * hole reads as zeroes.
   */
  async recv(nbytes = STREAM_CHUNK, flags = 0): Promise<Uint8Array | typeof STREAM_AGAIN | typeof STREAM_AT_HOLE> {
    this.#driver(flags ? 'virStreamRecvFlags' : 'virStreamRecv');
    if ((flags & ~StreamRecvFlags.STOP_AT_HOLE) !== 0) {
      throw new VirtError(ErrorCode.INVALID_ARG,
        `unsupported flags (0x${(flags & ~StreamRecvFlags.STOP_AT_HOLE).toString(16)}) in function virStreamRecvFlags`,
        ErrorDomain.STREAMS);
    }
    if (this.isNonBlocking) {
      void this.#fill();
      if (!this.#ready) return STREAM_AGAIN;
    } else {
      await this.#fill();
    }
    return this.#take(nbytes, (flags & StreamRecvFlags.STOP_AT_HOLE) !== 0);
  }

  #take(nbytes: number, stopAtHole: boolean): Uint8Array | typeof STREAM_AT_HOLE {
    if (this.#recvError) {
      const e = this.#recvError;
      throw this.#failed(e);
    }
    if (this.#hole > 0) {
      if (stopAtHole) return STREAM_AT_HOLE;
      const n = Math.min(nbytes, this.#hole);
      this.#hole -= n;
      return new Uint8Array(n);
    }
    const h = this.#head;
    if (h) {
      if (h.length <= nbytes) {
        this.#head = null;
        return h;
      }
      this.#head = h.subarray(nbytes);
      return h.subarray(0, nbytes);
    }
    return new Uint8Array(0); // EOF
  }

  /**
   * virStreamRecvHole: the length of the hole the stream is at (after recv
   * answered STREAM_AT_HOLE), 0 if it is at none. The hole is consumed.
   */
  async recvHole(flags = 0): Promise<number> {
    this.#driver('virStreamRecvHole');
    if (flags !== 0) {
      throw new VirtError(ErrorCode.INVALID_ARG, `unsupported flags (0x${flags.toString(16)}) in function virStreamRecvHole`,
        ErrorDomain.STREAMS);
    }
    const n = this.#hole;
    this.#hole = 0;
    return n;
  }

  // ---------------------------------------------------------------- send

  /**
   * virStreamSend: returns the number of bytes taken (all of them). A
   * non-blocking stream takes the data at once unless a previous send is
   * still going (then STREAM_AGAIN, -2); its errors come with the next call.
   */
  async send(data: Uint8Array): Promise<number | typeof STREAM_AGAIN> {
    const drv = this.#driver('virStreamSend');
    if (!drv.send) throw streamNoSupport('virStreamSend');
    this.#raiseSendError();
    if (this.isNonBlocking) {
      if (this.#sendPending) return STREAM_AGAIN;
      // The caller may reuse its buffer once we return, as in C.
      this.#sendPending = drv.send(Uint8Array.prototype.slice.call(data)).catch((e: unknown) => {
        this.#sendError = asVirtError(e);
      }).finally(() => {
        this.#sendPending = null;
        this.#schedule();
      });
      return data.length;
    }
    try {
      // The caller may reuse its buffer once we return, as in C; the driver keeps what it is given.
      await drv.send(Uint8Array.prototype.slice.call(data));
    } catch (e) {
      throw this.#failed(e);
    }
    return data.length;
  }

  #raiseSendError(): void {
    if (this.#sendError) throw this.#failed(this.#sendError);
  }

  /** virStreamSendHole: skip `length` bytes (sparse streams). */
  async sendHole(length: number, flags = 0): Promise<void> {
    const drv = this.#driver('virStreamSendHole');
    if (flags !== 0) {
      throw new VirtError(ErrorCode.INVALID_ARG, `unsupported flags (0x${flags.toString(16)}) in function virStreamSendHole`,
        ErrorDomain.STREAMS);
    }
    if (!Number.isSafeInteger(length) || length < 0) {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.STREAMS, 'length in virStreamSendHole must be non-negative');
    }
    if (!drv.sendHole) throw streamNoSupport('virStreamSendHole');
    await this.#sendPending;
    this.#raiseSendError();
    try {
      await drv.sendHole(length);
    } catch (e) {
      throw this.#failed(e);
    }
  }

  // ---------------------------------------------------------------- end

  /**
   * virStreamFinish: no more data from us; resolves once the other side
   * confirms, or rejects with the first error the stream met.
   */
  async finish(): Promise<void> {
    const drv = this.#driver('virStreamFinish');
    await this.#sendPending;
    this.#raiseSendError();
    if (this.#recvError) throw this.#failed(this.#recvError);
    this.#state = 'finished';
    this.#cb = null;
    try {
      await drv.finish();
    } catch (e) {
      this.#state = 'aborted';
      throw asVirtError(e);
    }
  }

  /** virStreamAbort: drops the stream; pending calls fail. */
  async abort(): Promise<void> {
    if (this.#freed) throw VirtError.report(ErrorCode.INVALID_STREAM, ErrorDomain.STREAMS, 'virStreamAbort');
    if (!this.#drv) throw streamNoSupport('virStreamAbort');
    if (this.#state === 'aborted' || this.#state === 'finished') return;
    this.#state = 'aborted';
    this.#cb = null;
    await this.#drv.abort();
  }

  /** virStreamFree: releases the connection reference; a stream still open is aborted first. */
  free(): void {
    if (this.#freed) return;
    if (this.#state === 'open') {
      this.#state = 'aborted';
      this.#drv?.abort().catch(() => undefined);
    }
    this.#freed = true;
    this.#cb = null;
    this.conn.unref();
  }

  [Symbol.dispose](): void {
    this.free();
  }

  // ---------------------------------------------------------------- events

  /**
   * virStreamEventAddCallback: `cb` runs while any of `events` holds
   * (READABLE: recv would not block; WRITABLE: send would not block;
   * ERROR), on the event loop, level-triggered as libvirt's remote streams.
   */
  eventAddCallback(events: number, cb: StreamEventCallback): void {
    this.#driver('virStreamEventAddCallback');
    if (this.#cb) throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS, 'multiple stream callbacks not supported');
    this.#cb = { events, fn: cb };
    this.#schedule();
  }

  /** virStreamEventUpdateCallback. */
  eventUpdateCallback(events: number): void {
    this.#driver('virStreamEventUpdateCallback');
    if (!this.#cb) throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS, 'no stream callback registered');
    this.#cb.events = events;
    this.#schedule();
  }

  /** virStreamEventRemoveCallback. */
  eventRemoveCallback(): void {
    this.#driver('virStreamEventRemoveCallback');
    if (!this.#cb) throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS, 'no stream callback registered');
    this.#cb = null;
  }

  #pendingEvents(): number {
    const cb = this.#cb;
    if (!cb || this.#state !== 'open') return 0;
    let ev = 0;
    if (cb.events & StreamEventType.READABLE) {
      void this.#fill();
      if (this.#ready && !this.#recvError) ev |= StreamEventType.READABLE;
    }
    if ((cb.events & StreamEventType.WRITABLE) && !this.#sendPending) ev |= StreamEventType.WRITABLE;
    if (this.#recvError || this.#sendError) ev |= StreamEventType.ERROR;
    return ev;
  }

  #schedule(): void {
    if (!this.#cb || this.#cbScheduled) return;
    this.#cbScheduled = true;
    setImmediate(() => {
      this.#cbScheduled = false;
      const cb = this.#cb;
      const ev = this.#pendingEvents();
      if (!cb || ev === 0) return; // a pending recv/send reschedules when it settles
      try {
        cb.fn(this, ev);
      } finally {
        this.#schedule();
      }
    });
  }

  // ---------------------------------------------------------------- all-at-once helpers

  #blockingOnly(what: 'sources' | 'sinks'): void {
    if (this.isNonBlocking) throw invalid(`data ${what} cannot be used for non-blocking streams`);
  }

  /**
   * virStreamSendAll: sends what `handler` returns until it returns nothing.
   * A handler error aborts the stream and is rethrown. Call finish() after.
   */
  async sendAll(handler: StreamSourceFunc): Promise<void> {
    this.#driver('virStreamSendAll');
    this.#blockingOnly('sources');
    for (;;) {
      let got: Uint8Array | null;
      try {
        got = await handler(this, STREAM_CHUNK);
      } catch (e) {
        await this.abort().catch(() => undefined);
        throw e;
      }
      if (!got || got.length === 0) return;
      await this.#blockingSend(got);
    }
  }

  /**
   * virStreamSparseSendAll: asks `holeHandler` where the source is; data
   * sections are sent from `handler`, holes with sendHole and then skipped
   * in the source with `skipHandler`.
   */
  async sparseSendAll(handler: StreamSourceFunc, holeHandler: StreamSourceHoleFunc,
    skipHandler: StreamSourceSkipFunc): Promise<void> {
    this.#driver('virStreamSparseSendAll');
    this.#blockingOnly('sources');
    let dataLen = 0;
    const user = async <T>(f: () => T | Promise<T>): Promise<T> => {
      try {
        return await f();
      } catch (e) {
        await this.abort().catch(() => undefined);
        throw e;
      }
    };
    for (;;) {
      if (dataLen === 0) {
        const { inData, length } = await user(() => holeHandler(this));
        if (!inData && length > 0) {
          await this.sendHole(length);
          await user(() => skipHandler(this, length));
          continue;
        }
        dataLen = length;
      }
      const want = Math.min(STREAM_CHUNK, dataLen);
      const got = await user(() => handler(this, want));
      if (!got || got.length === 0) return;
      await this.#blockingSend(got);
      dataLen = Math.max(0, dataLen - got.length);
    }
  }

  /** virStreamRecvAll: hands every received byte to `handler` until the end. Call finish() after. */
  async recvAll(handler: StreamSinkFunc): Promise<void> {
    this.#driver('virStreamRecvAll');
    this.#blockingOnly('sinks');
    for (;;) {
      const got = await this.recv(STREAM_CHUNK);
      if (typeof got === 'number' || got.length === 0) return;
      try {
        await handler(this, got);
      } catch (e) {
        await this.abort().catch(() => undefined);
        throw e;
      }
    }
  }

  /** virStreamSparseRecvAll: data to `handler`, holes to `holeHandler`. */
  async sparseRecvAll(handler: StreamSinkFunc, holeHandler: StreamSinkHoleFunc): Promise<void> {
    this.#driver('virStreamSparseRecvAll');
    this.#blockingOnly('sinks');
    for (;;) {
      const got = await this.recv(STREAM_CHUNK, StreamRecvFlags.STOP_AT_HOLE);
      try {
        if (got === STREAM_AT_HOLE) {
          await holeHandler(this, await this.recvHole());
          continue;
        }
        if (typeof got === 'number' || got.length === 0) return;
        await handler(this, got);
      } catch (e) {
        await this.abort().catch(() => undefined);
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------- Node adapters

  /** The next piece of data or hole, blocking whatever the stream's flags; null at the end. */
  async #next(sparse: boolean): Promise<StreamChunk | null> {
    this.#driver('virStreamRecv');
    await this.#fill();
    const got = this.#take(STREAM_CHUNK, sparse);
    if (got === STREAM_AT_HOLE) {
      const hole = this.#hole;
      this.#hole = 0;
      return { hole };
    }
    return got.length === 0 ? null : got;
  }

  /**
   * The received data up to the end of the stream (holes as zeroes). Does
   * not finish the stream: call finish() after the loop.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (let c = await this.#next(false); c !== null; c = await this.#next(false)) yield c as Uint8Array;
  }

  /** Data and holes (`{ hole: n }`) as they come, for sparse-aware consumers. */
  async *chunks(): AsyncGenerator<StreamChunk> {
    for (let c = await this.#next(true); c !== null; c = await this.#next(true)) yield c;
  }

  /**
   * A Readable of the stream's data (holes as zeroes). At the end the
   * stream is finished (unless `finish: false`); destroying the Readable
   * early aborts it.
   */
  toReadable(opts: { finish?: boolean; highWaterMark?: number } = {}): Readable {
    const finish = opts.finish ?? true;
    const r: Readable = new Readable({
      highWaterMark: opts.highWaterMark ?? STREAM_CHUNK,
      read: () => {
        this.#next(false).then(async (c) => {
          if (c === null) {
            if (finish) await this.finish();
            return null;
          }
          return c as Uint8Array;
        }).then((c) => { r.push(c); }, (e: unknown) => r.destroy(asVirtError(e)));
      },
      destroy: (err, cb) => {
        if (this.#state === 'open' && this.#drv) this.abort().then(() => cb(err), () => cb(err));
        else cb(err);
      },
    });
    return r;
  }

  /**
   * A Writable into the stream: each write completes when the driver has
   * taken it; end() finishes the stream; destroying it with an error aborts.
   */
  toWritable(opts: { highWaterMark?: number } = {}): Writable {
    return new Writable({
      highWaterMark: opts.highWaterMark ?? STREAM_CHUNK,
      write: (chunk: Uint8Array, _enc, cb) => {
        this.#blockingSend(chunk).then(() => cb(), (e: unknown) => cb(asVirtError(e)));
      },
      final: (cb) => {
        this.finish().then(() => cb(), (e: unknown) => cb(asVirtError(e)));
      },
      destroy: (err, cb) => {
        if (err && this.#state === 'open' && this.#drv) this.abort().then(() => cb(err), () => cb(err));
        else cb(err);
      },
    });
  }

  /**
   * A Duplex for bidirectional streams (console, channel): reads what the
   * other side sends, writes what it should get. end() finishes the stream
   * (libvirt has no half-close); the read side ends when the other side
   * ends its data or the stream is finished.
   */
  toDuplex(opts: { highWaterMark?: number } = {}): Duplex {
    const d: Duplex = new Duplex({
      readableHighWaterMark: opts.highWaterMark ?? STREAM_CHUNK,
      writableHighWaterMark: opts.highWaterMark ?? STREAM_CHUNK,
      read: () => {
        if (this.#state !== 'open') {
          d.push(null);
          return;
        }
        this.#next(false).then((c) => d.push(c), (e: unknown) => {
          if (this.#state === 'finished') d.push(null);
          else d.destroy(asVirtError(e));
        });
      },
      write: (chunk: Uint8Array, _enc, cb) => {
        this.#blockingSend(chunk).then(() => cb(), (e: unknown) => cb(asVirtError(e)));
      },
      final: (cb) => {
        this.finish().then(() => {
          cb();
          d.push(null);
        }, (e: unknown) => cb(asVirtError(e)));
      },
      destroy: (err, cb) => {
        if (this.#state === 'open' && this.#drv) this.abort().then(() => cb(err), () => cb(err));
        else cb(err);
      },
    });
    return d;
  }

  /** send() that waits, whatever the stream's flags (the Node adapters have their own backpressure). */
  async #blockingSend(data: Uint8Array): Promise<void> {
    const drv = this.#driver('virStreamSend');
    if (!drv.send) throw streamNoSupport('virStreamSend');
    await this.#sendPending;
    this.#raiseSendError();
    try {
      await drv.send(data);
    } catch (e) {
      throw this.#failed(e);
    }
  }
}
