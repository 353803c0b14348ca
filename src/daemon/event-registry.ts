/**
 * One client's event registrations (libvirt-rpc.md §14) and the MESSAGE
 * packets a driver event turns into for it.
 *
 * Callback IDs come from one counter per client connection shared by every
 * family and style, as libvirt's driver-side counter is for a private
 * connection. A registration is unique per (family, eventID, object
 * filter); legacy registrations have no filter and clash with a
 * callback-style one for the same event and no filter, as in libvirt.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { eventObjectKey, normalizeEvent, type DriverEvent } from '../driver/driver.js';
import { messageOfEvent, type EventMessage } from '../protocol/index.js';

export type Family = 'domain' | 'network' | 'pool' | 'nodedev' | 'secret';
/** callback: `*_CALLBACK_*` messages with a callbackID; any: legacy REGISTER_ANY (167); lifecycle: legacy REGISTER (105). */
export type Style = 'callback' | 'any' | 'lifecycle';

interface Registration {
  id: number;
  family: Family;
  eventID: number;
  /** UUID (or node device name) the registration is limited to; null = all objects. */
  filter: string | null;
  style: Style;
}

/** VIR_*_EVENT_ID_LAST of libvirt 9.0 per family. */
const EVENT_ID_LAST: Record<Family, number> = { domain: 27, network: 1, pool: 2, nodedev: 2, secret: 2 };
/** Legacy REGISTER_ANY (167) takes only the IDs that have an old-style message: 0 … DEVICE_REMOVED (15). */
const LEGACY_ANY_LAST = 16;

const FAMILY_TEXT: Record<Family, string> = {
  domain: 'domain', network: 'network', pool: 'storage pool', nodedev: 'node device', secret: 'secret',
};

function internal(detail: string): VirtError {
  return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, detail);
}

export interface OutgoingEvent {
  entry: EventMessage;
  msg: unknown;
}

export class EventRegistry {
  readonly #regs: Registration[] = [];
  #next = 0;

  get size(): number {
    return this.#regs.length;
  }

  /** Registers; returns the callback ID. */
  add(family: Family, eventID: number, filter: string | null, style: Style): number {
    const last = style === 'any' ? LEGACY_ANY_LAST : EVENT_ID_LAST[family];
    if (!Number.isInteger(eventID) || eventID < 0 || eventID >= last) {
      throw internal(`unsupported event ID ${eventID}`);
    }
    if (this.#regs.some((r) => r.family === family && r.eventID === eventID && r.filter === filter)) {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, 'event callback already tracked');
    }
    const id = this.#next++;
    this.#regs.push({ id, family, eventID, filter, style });
    return id;
  }

  /** Deregisters a callback-style registration by ID. */
  removeCallback(family: Family, callbackID: number): void {
    const i = this.#regs.findIndex((r) => r.family === family && r.style === 'callback' && r.id === callbackID);
    if (i < 0) throw internal(`${FAMILY_TEXT[family]} event callback ${callbackID} not registered`);
    this.#regs.splice(i, 1);
  }

  /** Deregisters a legacy domain registration by event ID. */
  removeLegacy(style: 'any' | 'lifecycle', eventID: number): void {
    const i = this.#regs.findIndex((r) => r.family === 'domain' && r.style === style && r.eventID === eventID);
    if (i < 0) throw internal(`domain event ${eventID} not registered`);
    this.#regs.splice(i, 1);
  }

  /** The messages one driver event produces for this client (routed by protocol/events.ts). */
  messagesFor(ev: DriverEvent): OutgoingEvent[] {
    const n = normalizeEvent(ev);
    if (!n || n.family === 'qemu') return []; // connection-closed is the session's (close callback)
    const key = eventObjectKey(n.obj);
    const out: OutgoingEvent[] = [];
    for (const r of this.#regs) {
      if (r.family !== n.family || r.eventID !== n.eventID || (r.filter !== null && r.filter !== key)) continue;
      const m = messageOfEvent(n.family, n.eventID, r.style === 'callback' ? r.id : null, n.obj, n.data);
      if (m) out.push(m);
    }
    return out;
  }
}
