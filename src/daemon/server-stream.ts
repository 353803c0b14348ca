/**
 * The daemon's side of one client stream (remote_daemon_stream.c): moves
 * data between the client's STREAM packets and the driver's side of the
 * stream (a StreamDriver), for any stream procedure and either direction.
 *
 * Driver → client (`in`, `both`): one chunk is read from the driver, sent,
 * and the next is read only once the socket has taken it
 * (daemonStreamMessageFinished re-enables TX the same way). The end of the
 * driver's data is an empty CONTINUE packet; a driver error is a
 * STREAM/ERROR packet carrying it, and the stream is gone.
 *
 * Client → driver: packets are handled in order; each holds one of the
 * client's request slots until the driver has taken it, so a client that
 * uploads faster than the driver writes stops being read (libvirt's
 * nrequests throttling). A failed write is a STREAM/ERROR (as libvirtd
 * sends it), a failed finish a REPLY/ERROR with the stream's serial
 * (virNetServerProgramSendReplyError: the client waits for that reply), a
 * finish is confirmed with STREAM/OK, an abort with STREAM/OK at once (even
 * while a write is stuck in the driver). A hole on a stream that does not allow
 * holes ends the client, as libvirtd does.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  encodeFrameOf, fromVirtError, MessageStatus, MessageType, remoteError, streamHole,
  type Frame, type Header, type Procedure,
} from '../protocol/index.js';
import type { PacketChannel } from '../rpc/index.js';
import { STREAM_CHUNK } from '../rpc/index.js';
import type { StreamDriver } from '../driver/stream.js';
import { fromXdr, toXdr } from '../xdr/index.js';

/** What a stream needs from the session that owns it. */
export interface StreamHost {
  readonly channel: PacketChannel;
  /** Takes one request slot; the returned function gives it back. */
  hold(): () => void;
  /** The client broke the protocol: drop it. */
  drop(why: string): void;
  /** The stream is over; forget it. */
  done(serial: number): void;
  debug(msg: string): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyProc = Procedure<any, any, any, any, any>;

function asVirtError(e: unknown): VirtError {
  if (e instanceof VirtError) return e;
  return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS, e instanceof Error ? e.message : String(e));
}

export class ServerStream {
  readonly #host: StreamHost;
  readonly #proc: AnyProc;
  readonly #serial: number;
  readonly #drv: StreamDriver;
  readonly #allowHoles: boolean;
  /** Client → driver operations, run one after another. */
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(host: StreamHost, proc: AnyProc, serial: number, drv: StreamDriver, allowHoles: boolean) {
    this.#host = host;
    this.#proc = proc;
    this.#serial = serial;
    this.#drv = drv;
    this.#allowHoles = allowHoles;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The program and procedure the stream's packets must carry. */
  get prog(): number {
    return this.#proc.prog;
  }

  get procNumber(): number {
    return this.#proc.number;
  }

  /** Starts sending the driver's data, for streams that carry data to the client. */
  start(): void {
    if (this.#proc.stream === 'in' || this.#proc.stream === 'both') {
      this.#pump().catch((e: unknown) => this.#host.drop(`stream pump: ${String(e)}`));
    }
  }

  // ------------------------------------------------------------ driver → client

  #header(type: number, status: number): Header {
    return {
      prog: this.#proc.prog, vers: this.#proc.vers, proc: this.#proc.number,
      type: type as Header['type'], serial: this.#serial, status: status as Header['status'],
    };
  }

  async #pump(): Promise<void> {
    const ch = this.#host.channel;
    const recv = this.#drv.recv?.bind(this.#drv);
    while (!this.#closed && !ch.closed) {
      let c;
      try {
        if (!recv) throw VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.STREAMS, 'virStreamRecv');
        c = await recv();
      } catch (e) {
        if (this.#closed) return;
        this.#sendStreamError(e);
        return;
      }
      if (this.#closed) return;
      if (c === null) {
        // The empty CONTINUE: end of data. The client answers with finish or abort.
        ch.send(this.#header(MessageType.STREAM, MessageStatus.CONTINUE));
        return;
      }
      if (c instanceof Uint8Array) {
        for (let at = 0; at < c.length && !this.#closed; at += STREAM_CHUNK) {
          ch.send(this.#header(MessageType.STREAM, MessageStatus.CONTINUE), c.subarray(at, at + STREAM_CHUNK));
          await ch.drained();
        }
      } else if (this.#allowHoles) {
        ch.send(this.#header(MessageType.STREAM_HOLE, MessageStatus.CONTINUE), toXdr(streamHole, { length: c.hole, flags: 0 }));
        await ch.drained();
      } else {
        // A driver's hole on a stream opened without the sparse flag: the client reads zeroes.
        for (let left = c.hole; left > 0 && !this.#closed; left -= STREAM_CHUNK) {
          ch.send(this.#header(MessageType.STREAM, MessageStatus.CONTINUE), new Uint8Array(Math.min(left, STREAM_CHUNK)));
          await ch.drained();
        }
      }
    }
  }

  /** The driver's side failed: STREAM/ERROR with its error, abort, forget the stream. */
  #sendStreamError(e: unknown): void {
    const err = asVirtError(e);
    this.#host.debug(`stream ${this.#serial}: ${err.message}`);
    this.#close();
    this.#host.channel.sendRaw(this.#encodeError(MessageType.STREAM, err));
  }

  #encodeError(type: number, err: VirtError): Uint8Array {
    const h = this.#header(type, MessageStatus.ERROR);
    try {
      return encodeFrameOf(h, remoteError, fromVirtError(err));
    } catch {
      return encodeFrameOf(h, remoteError, fromVirtError(VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS,
        'stream error does not encode')));
    }
  }

  // ------------------------------------------------------------ client → driver

  /** One STREAM or STREAM_HOLE packet from the client for this stream. */
  receive(f: Frame): void {
    if (this.#closed) return;
    const h = f.header;
    if (h.type === MessageType.STREAM && h.status === MessageStatus.ERROR) {
      this.#abortRequested();
      return;
    }
    if (h.type === MessageType.STREAM_HOLE && !this.#allowHoles) {
      // daemonStreamHandleHole: "Unexpected stream hole" is fatal for the client.
      this.#close();
      this.#host.drop('unexpected stream hole');
      return;
    }
    const release = this.#host.hold();
    this.#chain = this.#chain.then(() => this.#handle(f)).then(release, (e: unknown) => {
      release();
      this.#host.drop(`stream packet: ${String(e)}`);
    });
  }

  async #handle(f: Frame): Promise<void> {
    if (this.#closed) return;
    const h = f.header;
    try {
      if (h.type === MessageType.STREAM_HOLE) {
        const { length } = fromXdr(streamHole, f.body, { allowTrailing: true });
        if (!this.#drv.sendHole) throw VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.STREAMS, 'virStreamSendHole');
        await this.#drv.sendHole(length);
        return;
      }
      if (h.status === MessageStatus.CONTINUE) {
        if (f.body.length === 0) return;
        if (!this.#drv.send) throw VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.STREAMS, 'virStreamSend');
        await this.#drv.send(f.body);
        return;
      }
      if (h.status === MessageStatus.OK) {
        // daemonStreamHandleFinish.
        this.#close(false);
        await this.#drv.finish();
        this.#host.channel.send(this.#header(MessageType.STREAM, MessageStatus.OK));
        return;
      }
      throw new VirtError(ErrorCode.RPC, `stream aborted with unexpected status ${h.status}`, ErrorDomain.STREAMS);
    } catch (e) {
      if (this.#closed && h.status !== MessageStatus.OK) return; // aborted meanwhile
      const err = asVirtError(e);
      this.#host.debug(`stream ${this.#serial}: ${err.message}`);
      this.#close();
      // A finish the client waits for gets a REPLY (daemonStreamHandleFinish); a write that
      // failed, a STREAM/ERROR, which is what libvirtd 9.0 sends (observed: an upload past
      // its length) and all a stock client can take while nothing of its waits for a reply.
      const type = h.type === MessageType.STREAM && h.status !== MessageStatus.CONTINUE ? MessageType.REPLY : MessageType.STREAM;
      this.#host.channel.sendRaw(this.#encodeError(type, err));
    }
  }

  /** daemonStreamHandleAbort: abort the driver's side and confirm with an empty STREAM/OK. */
  #abortRequested(): void {
    this.#close(false);
    const release = this.#host.hold();
    this.#drv.abort().then(() => {
      this.#host.channel.send(this.#header(MessageType.STREAM, MessageStatus.OK));
    }, (e: unknown) => {
      this.#host.channel.sendRaw(this.#encodeError(MessageType.REPLY, asVirtError(e)));
    }).finally(release);
  }

  /** The client went away (or the session ends): abort the driver's side. */
  close(): void {
    this.#close();
  }

  /** Marks the stream closed; `abort` also aborts the driver's side (not for finish). */
  #close(abort = true): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#host.done(this.#serial);
    if (abort) this.#drv.abort().catch(() => undefined);
  }
}
