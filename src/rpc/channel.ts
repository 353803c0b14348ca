/**
 * One RPC connection's byte stream cut into packets, in both directions,
 * with libvirt's keepalive. Both ends of the protocol (client.ts and the
 * daemon's server) sit on a PacketChannel; it knows nothing of calls.
 *
 * Keepalive (libvirt-rpc.md §13): a PING is answered with a PONG at once,
 * whatever else is going on. Any packet received counts as a sign of life.
 * Once `startKeepalive(interval, count)` is called, the channel sends a PING
 * after `interval` seconds of silence and every interval after that; after
 * `count` unanswered PINGs and one more interval it closes with reason
 * 'keepalive' (virKeepAliveTimerInternal).
 */
import type { Duplex } from 'node:stream';
import {
  encodeFrame, encodeFrameHead, encodePing, encodePong, FrameDecoder, keepaliveKind, MessageType, type Frame, type Header,
} from '../protocol/index.js';

/** Stream payloads from this size on are written as they are, after their header (no copy). */
const ZERO_COPY_BODY = 16 * 1024;

/** Why a channel closed, as virConnectCloseReason numbers it. */
export const CloseReason = { ERROR: 0, EOF: 1, KEEPALIVE: 2, CLIENT: 3 } as const;
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];

/** Bytes queued toward a peer past which it is no longer read until they drain. */
export const WRITE_BACKLOG_MAX = 4 * 1024 * 1024;

const PONG = encodePong();

/** `n` PONG packets back to back. */
function pongs(n: number): Uint8Array {
  if (n === 1) return PONG;
  const out = new Uint8Array(PONG.length * n);
  for (let i = 0; i < n; i++) out.set(PONG, i * PONG.length);
  return out;
}

export interface ChannelHandlers {
  /** Every packet except keepalive PING/PONG. */
  onFrame(frame: Frame): void;
  /** Once, when the channel is closed for whatever reason. */
  onClose(reason: CloseReason, error: Error | null): void;
  /**
   * Stop reading the peer while more than WRITE_BACKLOG_MAX bytes wait to
   * be written to it (the daemon's side: a client must read what it asks
   * for). Off for clients, which must keep reading replies while they write.
   */
  boundBacklog?: boolean;
  /**
   * pause() is this side's own flow control (a client whose stream consumer
   * lags): while paused, the peer's silence does not count for keepalive.
   */
  pauseIsOurs?: boolean;
}

export class PacketChannel {
  readonly #stream: Duplex;
  readonly #decoder = new FrameDecoder();
  readonly #handlers: ChannelHandlers;
  #closed = false;
  /** Reading stopped by the owner (flow control), or because our writes back up. */
  #paused = false;
  #writeBacklog = false;
  #drain: Promise<void> | null = null;
  #corked = false;
  // keepalive
  #kaTimer: NodeJS.Timeout | null = null;
  #kaInterval = 0;
  #kaCount = 0;
  #kaSent = 0;
  #lastRecv = Date.now();

  constructor(stream: Duplex, handlers: ChannelHandlers) {
    this.#stream = stream;
    this.#handlers = handlers;
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    stream.on('end', () => this.close(CloseReason.EOF, null));
    stream.on('close', () => this.close(CloseReason.EOF, null));
    stream.on('error', (e: Error) => this.close(CloseReason.ERROR, e));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes queued for writing and not yet handed to the OS. */
  get pendingWrite(): number {
    return this.#stream.writableLength;
  }

  /** Sends one packet. Returns false when the write buffer is full (wait for `drained()`). */
  send(header: Header, body?: Uint8Array, written?: () => void): boolean {
    if (body && body.length >= ZERO_COPY_BODY && header.type === MessageType.STREAM && !this.#closed) {
      // Header and payload leave in one writev (the channel is corked for
      // the tick): copying 256 KiB of stream data per packet into a fresh
      // buffer cost more CPU than the rest of a transfer. The payload is the
      // caller's to give away (see StreamDriver.send).
      this.sendRaw(encodeFrameHead(header, body.length));
      return this.sendRaw(body, written);
    }
    return this.sendRaw(encodeFrame(header, body), written);
  }

  /**
   * Sends bytes that already form whole packets. `written` runs once they
   * have been handed to the OS (or dropped because the channel closed).
   */
  sendRaw(bytes: Uint8Array, written?: () => void): boolean {
    if (this.#closed) {
      written?.();
      return false;
    }
    // Packets written in the same tick (pipelined replies, events, stream
    // data) leave in one write(2).
    if (!this.#corked) {
      this.#corked = true;
      this.#stream.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#stream.uncork();
      });
    }
    return written ? this.#stream.write(bytes, () => written()) : this.#stream.write(bytes);
  }

  /** Resolves when the write buffer has room again (at once if it has). */
  drained(): Promise<void> {
    if (this.#closed || !this.#stream.writableNeedDrain) return Promise.resolve();
    // One pair of listeners however many writers wait (streams of a client
    // that does not read): all of them share the promise.
    return this.#drain ??= new Promise((resolve) => {
      const done = (): void => {
        this.#stream.off('drain', done);
        this.#stream.off('close', done);
        this.#drain = null;
        resolve();
      };
      this.#stream.on('drain', done);
      this.#stream.on('close', done);
    });
  }

  /** Stops reading the peer (flow control: too many requests in flight). */
  pause(): void {
    this.#paused = true;
    this.#applyReading();
  }

  resume(): void {
    if (this.#paused) this.#lastRecv = Date.now();
    this.#paused = false;
    this.#applyReading();
  }

  #applyReading(): void {
    if (this.#closed) return;
    if (this.#paused || this.#writeBacklog) this.#stream.pause();
    else this.#stream.resume();
  }

  /**
   * A peer that sends faster than it reads what it asked for (PINGs whose
   * PONGs it never takes, calls whose replies pile up) is not read again
   * until our queue toward it drains: what we hold for one peer stays
   * bounded by WRITE_BACKLOG_MAX plus one read.
   */
  #checkBacklog(): void {
    if (!this.#handlers.boundBacklog || this.#writeBacklog || this.#stream.writableLength <= WRITE_BACKLOG_MAX) return;
    this.#writeBacklog = true;
    this.#applyReading();
    this.#stream.once('drain', () => {
      this.#writeBacklog = false;
      this.#applyReading();
    });
  }

  /**
   * Arms keepalive: PING after `interval` seconds without receiving
   * anything, close after `count` unanswered PINGs plus one interval.
   * interval ≤ 0 disarms.
   */
  startKeepalive(interval: number, count: number): void {
    this.stopKeepalive();
    if (interval <= 0 || this.#closed) return;
    this.#kaInterval = interval * 1000;
    this.#kaCount = count;
    this.#kaSent = 0;
    this.#lastRecv = Date.now();
    this.#armKeepalive(this.#kaInterval);
  }

  stopKeepalive(): void {
    if (this.#kaTimer) clearTimeout(this.#kaTimer);
    this.#kaTimer = null;
    this.#kaInterval = 0;
  }

  /** Ends the channel: the stream is destroyed after pending writes are flushed. */
  close(reason: CloseReason = CloseReason.CLIENT, error: Error | null = null): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stopKeepalive();
    // Let what was already written (a CLOSE reply, a last error) reach the
    // peer before the socket goes; end() flushes, destroy() would drop it.
    if (reason === CloseReason.CLIENT && this.#stream.writable) {
      this.#stream.end();
      const t = setTimeout(() => this.#stream.destroy(), 2000);
      t.unref();
      this.#stream.once('close', () => clearTimeout(t));
      this.#stream.once('finish', () => this.#stream.destroy());
    } else {
      this.#stream.destroy();
    }
    this.#handlers.onClose(reason, error);
  }

  #armKeepalive(ms: number): void {
    this.#kaTimer = setTimeout(() => this.#keepaliveTick(), ms);
    this.#kaTimer.unref();
  }

  #keepaliveTick(): void {
    this.#kaTimer = null;
    if (this.#closed || this.#kaInterval === 0) return;
    const idle = Date.now() - this.#lastRecv;
    if (idle < this.#kaInterval) {
      this.#armKeepalive(this.#kaInterval - idle);
      return;
    }
    // Silence we caused by not reading (flow control) is not the peer's:
    // keep PINGing so it knows we are alive, but do not count its answers.
    if (this.#paused && this.#handlers.pauseIsOurs) this.#kaSent = 0;
    if (this.#kaSent >= this.#kaCount) {
      this.close(CloseReason.KEEPALIVE, new Error('connection closed due to keepalive timeout'));
      return;
    }
    this.#kaSent++;
    this.sendRaw(encodePing());
    this.#armKeepalive(this.#kaInterval);
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    this.#lastRecv = Date.now();
    this.#kaSent = 0;
    let frames: Frame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (e) {
      this.close(CloseReason.ERROR, e as Error);
      return;
    }
    // The PONGs for the PINGs of one read leave as one buffer: a flood of
    // PINGs costs one write per read, not one per PING.
    let pings = 0;
    for (const f of frames) {
      if (this.#closed) return;
      const ka = keepaliveKind(f.header);
      if (ka === 'ping') {
        pings++;
        continue;
      }
      if (ka === 'pong') continue;
      try {
        this.#handlers.onFrame(f);
      } catch (e) {
        // A handler that throws has lost track of this peer: end the channel,
        // not the process whose event loop delivered the data.
        this.close(CloseReason.ERROR, e instanceof Error ? e : new Error(String(e)));
        return;
      }
    }
    if (pings > 0 && !this.#closed) this.sendRaw(pongs(pings));
    this.#checkBacklog();
  }
}
