/**
 * The KEEPALIVE program (0x6b656570 "keep", version 1; libvirt-rpc.md §13):
 * PING and PONG, both type MESSAGE, status OK, serial 0, empty payload.
 * Either side may PING; the other answers PONG at once. Any packet at all
 * counts as a sign of life.
 */
import { voidCodec } from '../xdr/index.js';
import { encodeFrame } from './frame.js';
import { MessageStatus, MessageType, ProgramNumber, type Header } from './header.js';
import { event, program } from './program.js';

/** The KEEPALIVE program table. */
export const keepalive = program(ProgramNumber.KEEPALIVE, 1, {
  ping: event(1, voidCodec), // KEEPALIVE_PROC_PING
  pong: event(2, voidCodec), // KEEPALIVE_PROC_PONG
});

/** KEEPALIVE procedure numbers. */
export const KeepaliveProc = { PING: 1, PONG: 2 } as const;

function keepaliveHeader(proc: number): Header {
  return { prog: ProgramNumber.KEEPALIVE, vers: 1, proc, type: MessageType.MESSAGE, serial: 0, status: MessageStatus.OK };
}

/** The 28-byte PING packet. */
export function encodePing(): Uint8Array {
  return encodeFrame(keepaliveHeader(KeepaliveProc.PING));
}

/** The 28-byte PONG packet. */
export function encodePong(): Uint8Array {
  return encodeFrame(keepaliveHeader(KeepaliveProc.PONG));
}

/** Whether a header is a keepalive PING or PONG (program KEEPALIVE v1, type MESSAGE). */
export function keepaliveKind(h: Header): 'ping' | 'pong' | null {
  if (h.prog !== ProgramNumber.KEEPALIVE || h.vers !== 1 || h.type !== MessageType.MESSAGE) return null;
  return h.proc === KeepaliveProc.PING ? 'ping' : h.proc === KeepaliveProc.PONG ? 'pong' : null;
}
