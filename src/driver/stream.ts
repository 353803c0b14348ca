/**
 * Streams in the driver contract.
 *
 * A stream-opening procedure (the REMOTE table's `stream: 'in'|'out'|'both'`)
 * is a contract method with a second argument, the caller's stream:
 * `domainOpenConsole(a, stream: DriverStream)`. Before it resolves, the
 * driver attaches its side of the stream, a {@link StreamDriver} (libvirt's
 * virStreamDriver: streamRecv, streamSend, streamSendHole, streamFinish,
 * streamAbort). Whoever holds the stream — the library's `Stream`, or the
 * daemon forwarding a client's stream — then pulls data from it and pushes
 * data into it. So any driver can serve a stream (the remote driver over an
 * RPC stream, the test driver from memory) and the daemon can forward any
 * of them without knowing which.
 *
 * Flow control is by promise: `recv()` is called for one chunk at a time,
 * and `send()` resolves only when the driver can take more. Neither side
 * holds more than a bounded amount of data on the other's behalf.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { STREAM_CHUNK, type StreamChunk } from '../rpc/stream.js';

export { STREAM_CHUNK, type StreamChunk };

/** virStreamFlags. */
export const StreamFlags = { NONBLOCK: 1 } as const;

/**
 * The driver's side of one stream. Calls of one method do not overlap (the
 * holder waits for each), but recv and send may run at the same time
 * (bidirectional streams). The holder hands over ownership of the bytes it
 * sends; the driver hands over ownership of the bytes it returns.
 */
export interface StreamDriver {
  /**
   * The next data, or a hole (`{ hole: n }`, sparse streams only), or null
   * at the end of the stream. Rejects with the stream's error.
   */
  recv?(): Promise<StreamChunk | null>;
  /** Takes data; resolves when the driver can take more. */
  send?(data: Uint8Array): Promise<void>;
  /** Skips `length` bytes (sparse streams only). */
  sendHole?(length: number): Promise<void>;
  /** No more data: flush, and report any error that is still pending (virStreamFinish). */
  finish(): Promise<void>;
  /** Drops the stream (virStreamAbort). Pending recv/send calls reject. */
  abort(): Promise<void>;
}

/** What a stream-opening contract method receives: the caller's stream, to attach the driver's side to. */
export interface DriverStream {
  /** virStreamNew's flags (NONBLOCK); the driver may ignore them. */
  readonly flags: number;
  /** Binds the driver's side; called once, before the opening method resolves. */
  attach(drv: StreamDriver): void;
}

/** libvirt's error for a stream operation the driver does not have (virReportUnsupportedError). */
export function streamNoSupport(api: string): VirtError {
  return VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.STREAMS, api);
}

/**
 * A read-only stream over bytes already in memory (the test driver's
 * screenshot, as testDomainScreenshot streams a file): chunks of at most
 * one packet, then the end.
 */
export function bytesStreamDriver(data: Uint8Array): StreamDriver {
  let at = 0;
  let closed = false;
  return {
    async recv() {
      if (closed) throw VirtError.report(ErrorCode.INVALID_STREAM, ErrorDomain.STREAMS, 'virStreamRecv');
      if (at >= data.length) return null;
      const c = data.subarray(at, at + STREAM_CHUNK);
      at += c.length;
      return c;
    },
    async finish() {
      closed = true;
    },
    async abort() {
      closed = true;
    },
  };
}

/**
 * A DriverStream that only remembers what was attached: for layers that
 * open a stream on someone else's behalf (the daemon, tests).
 */
export class AttachedStream implements DriverStream {
  #drv: StreamDriver | null = null;

  constructor(readonly flags = 0) {}

  attach(drv: StreamDriver): void {
    if (this.#drv) throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.STREAMS, 'stream is already in use');
    this.#drv = drv;
  }

  /** The driver's side, or null when the opening method attached none. */
  get driver(): StreamDriver | null {
    return this.#drv;
  }
}

/** Reads a driver's stream to its end (holes as zero bytes), then finishes it. For tests and small contents. */
export async function readAllFrom(drv: StreamDriver): Promise<Uint8Array> {
  if (!drv.recv) throw streamNoSupport('virStreamRecv');
  const parts: Uint8Array[] = [];
  for (let c = await drv.recv(); c !== null; c = await drv.recv()) {
    parts.push(c instanceof Uint8Array ? c : new Uint8Array(c.hole));
  }
  await drv.finish();
  return Buffer.concat(parts);
}
