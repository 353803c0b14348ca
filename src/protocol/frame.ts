/**
 * Packets on the wire: a 4-byte length word (counting itself), the 24-byte
 * header, for the *_WITH_FDS types a 4-byte FD count, then the payload.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { XdrReader, XdrWriter, type Codec } from '../xdr/index.js';
import { decodeHeader, header as headerCodec, HEADER_SIZE, MessageType, type Header } from './header.js';
import { FRAME_MAX, FRAME_MIN, NetMessageLimit } from './limits.js';

/** A whole received packet. `body` and `raw` share one buffer that nothing else references. */
export interface Frame {
  readonly header: Header;
  /** FD count of CALL_WITH_FDS / REPLY_WITH_FDS (the FDs themselves travel out of band); 0 otherwise. */
  readonly numFds: number;
  /** The payload: XDR args/ret/error/event, or raw stream bytes. */
  readonly body: Uint8Array;
  /** The whole packet, length word included. */
  readonly raw: Uint8Array;
}

/** Why the byte stream cannot be framed; the connection must be dropped (libvirt closes it). */
export class FrameError extends VirtError {
  override name = 'FrameError';
  constructor(message: string) {
    super(ErrorCode.RPC, message, ErrorDomain.RPC);
  }
}

/**
 * libvirt's length check (virNetMessageDecodeLength plus the header decode
 * that follows): `28 ≤ length ≤ 4 + VIR_NET_MESSAGE_MAX`. Observed on 9.0:
 * 33554436 is accepted, 33554437 and 3, 4, 20, 27 close the connection.
 */
export function checkFrameLength(length: number): void {
  if (length < FRAME_MIN) {
    throw new FrameError(`packet of ${length} bytes is too small, want at least ${FRAME_MIN}`);
  }
  if (length > FRAME_MAX) {
    throw new FrameError(`packet of ${length} bytes is too large, at most ${FRAME_MAX} allowed`);
  }
}

function hasFds(type: number): boolean {
  return type === MessageType.CALL_WITH_FDS || type === MessageType.REPLY_WITH_FDS;
}

/** Parses one whole packet (length word included). The result views `raw`; pass a buffer you own. */
export function decodeFrame(raw: Uint8Array): Frame {
  if (raw.length < 4) throw new FrameError(`packet of ${raw.length} bytes has no length word`);
  const length = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(0);
  checkFrameLength(length);
  if (length !== raw.length) {
    throw new FrameError(`packet length word says ${length} bytes but ${raw.length} were given`);
  }
  const header = decodeHeader(raw.subarray(4, 4 + HEADER_SIZE));
  let at = 4 + HEADER_SIZE;
  let numFds = 0;
  if (hasFds(header.type)) {
    // virNetMessageDecodeNumFDs: a full XDR uint, despite the .x comment saying int8.
    const r = new XdrReader(raw, at, raw.length - at);
    numFds = r.uint();
    if (numFds > NetMessageLimit.NUM_FDS_MAX) {
      throw new FrameError(`received too many FDs ${numFds}, expected ${NetMessageLimit.NUM_FDS_MAX} maximum`);
    }
    at += 4;
  }
  return { header, numFds, body: raw.subarray(at), raw };
}

export interface EncodeFrameOptions {
  /** FD count for CALL_WITH_FDS / REPLY_WITH_FDS (required for those types, ignored otherwise). */
  numFds?: number;
}

/** Builds one packet: length word, header, FD count when the type has one, payload. */
export function encodeFrame(header: Header, body: Uint8Array = new Uint8Array(0), opts: EncodeFrameOptions = {}): Uint8Array {
  const withFds = hasFds(header.type);
  const numFds = opts.numFds ?? 0;
  if (withFds && numFds > NetMessageLimit.NUM_FDS_MAX) {
    throw new FrameError(`too many FDs to send ${numFds}, at most ${NetMessageLimit.NUM_FDS_MAX}`);
  }
  const length = 4 + HEADER_SIZE + (withFds ? 4 : 0) + body.length;
  checkFrameLength(length);
  const w = new XdrWriter({ initialSize: length, maxSize: length });
  w.uint(length);
  headerCodec.encode(w, header);
  if (withFds) w.uint(numFds);
  w.raw(body);
  return w.finish();
}

/**
 * The length word and header of a packet whose `bodyLength`-byte payload
 * goes out separately (stream data: written after this without a copy).
 * Not for the *_WITH_FDS types.
 */
export function encodeFrameHead(header: Header, bodyLength: number): Uint8Array {
  if (hasFds(header.type)) throw new FrameError('encodeFrameHead does not build packets that carry FDs');
  const length = 4 + HEADER_SIZE + bodyLength;
  checkFrameLength(length);
  const w = new XdrWriter({ initialSize: 4 + HEADER_SIZE, maxSize: 4 + HEADER_SIZE });
  w.uint(length);
  headerCodec.encode(w, header);
  return w.finish();
}

/**
 * Builds one packet whose payload is `codec`'s encoding of `value`, written
 * straight after the header into the packet's own buffer (no separate
 * payload buffer to copy). Not for the *_WITH_FDS types.
 */
export function encodeFrameOf<T>(header: Header, codec: Codec<T>, value: T): Uint8Array {
  if (hasFds(header.type)) throw new FrameError('encodeFrameOf does not build packets that carry FDs');
  const w = new XdrWriter({ initialSize: 512, maxSize: FRAME_MAX });
  w.uint(0); // the length word, set below
  headerCodec.encode(w, header);
  codec.encode(w, value);
  const out = w.finish();
  checkFrameLength(out.length);
  new DataView(out.buffer, out.byteOffset, 4).setUint32(0, out.length);
  return out;
}

/**
 * Cuts a byte stream into packets. Feed it chunks as they arrive; it returns
 * the packets completed by each chunk, in order, and keeps the rest.
 *
 * The length word is checked before anything is allocated for the packet,
 * then exactly one buffer of that size is allocated and filled, so a peer
 * cannot make us buffer more than one maximum-size packet. A bad length
 * poisons the decoder: the stream has lost its framing and libvirt drops the
 * connection, so every later `push` throws the same error.
 */
export class FrameDecoder {
  readonly #lenWord = new Uint8Array(4);
  #lenHave = 0;
  #frame: Uint8Array | null = null;
  #have = 0;
  #failed: FrameError | null = null;

  /** Bytes held that do not yet form a whole packet. */
  get buffered(): number {
    return this.#frame ? this.#have : this.#lenHave;
  }

  /** Adds bytes; returns the packets they complete. Never keeps a reference to `chunk`. */
  push(chunk: Uint8Array): Frame[] {
    if (this.#failed) throw this.#failed;
    const out: Frame[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (!this.#frame) {
        const take = Math.min(4 - this.#lenHave, chunk.length - i);
        this.#lenWord.set(chunk.subarray(i, i + take), this.#lenHave);
        this.#lenHave += take;
        i += take;
        if (this.#lenHave < 4) break;
        const length = new DataView(this.#lenWord.buffer).getUint32(0);
        try {
          checkFrameLength(length);
        } catch (e) {
          this.#failed = e as FrameError;
          throw e;
        }
        // Unpooled and not zero-filled: every byte is written below before
        // the packet is used, and zeroing 256 KiB per stream packet showed.
        this.#frame = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
        this.#frame.set(this.#lenWord);
        this.#have = 4;
        this.#lenHave = 0;
      }
      const frame = this.#frame;
      const take = Math.min(frame.length - this.#have, chunk.length - i);
      frame.set(chunk.subarray(i, i + take), this.#have);
      this.#have += take;
      i += take;
      if (this.#have === frame.length) {
        this.#frame = null;
        this.#have = 0;
        try {
          out.push(decodeFrame(frame));
        } catch (e) {
          this.#failed = e as FrameError;
          throw e;
        }
      }
    }
    return out;
  }

  /** Throws if the stream ended inside a packet. */
  end(): void {
    if (this.#failed) throw this.#failed;
    if (this.buffered > 0) {
      throw new FrameError(`connection closed in the middle of a packet (${this.buffered} bytes buffered)`);
    }
  }
}
