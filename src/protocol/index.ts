/**
 * libvirt's RPC protocol: message header, framing, program tables (REMOTE,
 * KEEPALIVE), remote_error. No I/O here; rpc/ moves the bytes.
 */
export {
  decodeHeader, encodeHeader, header, HEADER_SIZE, MessageStatus, MessageType, ProgramNumber, streamHole,
  type Header,
} from './header.js';
export {
  checkFrameLength, decodeFrame, encodeFrame, encodeFrameHead, encodeFrameOf, FrameDecoder, FrameError, type EncodeFrameOptions, type Frame,
} from './frame.js';
export { FRAME_MAX, FRAME_MIN, NetMessageLimit, RemoteLimit } from './limits.js';
export { errorFromPayload, fromVirtError, remoteError, toVirtError, type RemoteError } from './error.js';
export { encodePing, encodePong, keepalive, KeepaliveProc, keepaliveKind } from './keepalive.js';
export {
  argsFromWire, argsToWire, decodeArgs, decodeMsg, decodeRet, encodeArgs, encodeMsg, encodeRet, event, proc, program,
  retFromWire, retToWire,
} from './program.js';
export type {
  ArgsOf, Entry, EventDef, EventMessage, MsgOf, Override, ProcDef, ProcOptions, Procedure, Program, ProgramInfo,
  ReadOnly, RetOf, StreamDirection, WireArgsOf, WireRetOf,
} from './program.js';
export * from './remote-types.js';
export { remote, type Remote, type RemoteArgs, type RemoteName, type RemoteRet, type RemoteStream } from './remote.js';
export { contractName, entryOfContractName, lxc, qemu, type Lxc, type Qemu } from './qemu.js';
export { formatSnapshot, programSnapshot, type EntrySnapshot, type ProgramSnapshot } from './snapshot.js';
export {
  EVENT_KINDS, eventFields, eventOfMessage, HANDLE_FIELD, messageOfEvent, type EventData, type EventFamily, type EventKind,
} from './events.js';
