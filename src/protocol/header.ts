/**
 * The 24-byte message header of libvirt's RPC protocol (virNetMessageHeader
 * in virnetprotocol.x) and the constants that go in it.
 */
import {
  enumOf, hyper, int, named, struct, uint, XdrReader, XdrWriter, type Codec, type Infer,
} from '../xdr/index.js';
import { NetMessageLimit } from './limits.js';

/** Program numbers (§4). */
export const ProgramNumber = {
  REMOTE: 0x20008086,
  QEMU: 0x20008087,
  LXC: 0x00068000,
  KEEPALIVE: 0x6b656570,
  ADMIN: 0x06900690,
} as const;

/** virNetMessageType. */
export const MessageType = {
  /** client → daemon: `<proc>_args`. */
  CALL: 0,
  /** daemon → client: `<proc>_ret` (status OK) or `remote_error` (status ERROR). */
  REPLY: 1,
  /** daemon → client events, and keepalive in both directions. */
  MESSAGE: 2,
  /** stream data (CONTINUE), finish (OK) or abort/error (ERROR). */
  STREAM: 3,
  /** CALL followed by a 4-byte FD count; FDs travel out of band. */
  CALL_WITH_FDS: 4,
  /** REPLY followed by a 4-byte FD count. */
  REPLY_WITH_FDS: 5,
  /** a hole in a sparse stream: `virNetStreamHole`. */
  STREAM_HOLE: 6,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** virNetMessageStatus. */
export const MessageStatus = {
  OK: 0,
  ERROR: 1,
  CONTINUE: 2,
} as const;
export type MessageStatus = (typeof MessageStatus)[keyof typeof MessageStatus];

/**
 * virNetMessageHeader: prog, vers, proc, type, serial, status. Type and
 * status decode as plain ints (a peer may send values we do not know; the RPC
 * layer decides what to do with them) but only known values encode.
 */
export const header = named('virNetMessageHeader', struct({
  prog: uint,
  vers: uint,
  proc: int,
  type: enumOf('virNetMessageType', MessageType),
  serial: uint,
  status: enumOf('virNetMessageStatus', MessageStatus),
}));

/** A decoded message header. */
export type Header = Infer<typeof header>;

/** Size of the encoded header. */
export const HEADER_SIZE = NetMessageLimit.HEADER_MAX;

/** Encodes a header into 24 bytes. */
export function encodeHeader(h: Header): Uint8Array {
  const w = new XdrWriter({ initialSize: HEADER_SIZE });
  header.encode(w, h);
  return w.finish();
}

/** Decodes the header at the start of `bytes` (at least 24 bytes). */
export function decodeHeader(bytes: Uint8Array): Header {
  return header.decode(new XdrReader(bytes, 0, Math.min(bytes.length, HEADER_SIZE)));
}

/**
 * The payload of a STREAM_HOLE message (virNetStreamHole): skip `length`
 * bytes of the stream. `flags` is 0 today.
 */
export const streamHole: Codec<{ length: number; flags: number }> =
  named('virNetStreamHole', struct({ length: hyper, flags: uint }));
