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
import type { DriverEvent } from '../driver/driver.js';
import { remote, type EventMessage } from '../protocol/index.js';

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

  /** The messages one driver event produces for this client. */
  messagesFor(ev: DriverEvent): OutgoingEvent[] {
    const out: OutgoingEvent[] = [];
    const match = (family: Family, eventID: number, key: string): Registration[] =>
      this.#regs.filter((r) => r.family === family && r.eventID === eventID && (r.filter === null || r.filter === key));
    switch (ev.kind) {
      case 'domain-lifecycle':
        for (const r of match('domain', 0, ev.dom.uuid)) {
          const body = { dom: ev.dom, event: ev.event, detail: ev.detail };
          out.push(r.style === 'callback'
            ? { entry: remote.domainEventCallbackLifecycle, msg: { callbackID: r.id, msg: body } }
            : { entry: remote.domainEventLifecycle, msg: body });
        }
        break;
      case 'domain-reboot':
        for (const r of match('domain', 1, ev.dom.uuid)) {
          out.push(r.style === 'callback'
            ? { entry: remote.domainEventCallbackReboot, msg: { callbackID: r.id, msg: { dom: ev.dom } } }
            : { entry: remote.domainEventReboot, msg: { dom: ev.dom } });
        }
        break;
      case 'network-lifecycle':
        for (const r of match('network', 0, ev.net.uuid)) {
          out.push({
            entry: remote.networkEventLifecycle,
            msg: { callbackID: r.id, net: ev.net, event: ev.event, detail: ev.detail },
          });
        }
        break;
      case 'storage-pool-lifecycle':
        for (const r of match('pool', 0, ev.pool.uuid)) {
          out.push({
            entry: remote.storagePoolEventLifecycle,
            msg: { callbackID: r.id, pool: ev.pool, event: ev.event, detail: ev.detail },
          });
        }
        break;
      case 'storage-pool-refresh':
        for (const r of match('pool', 1, ev.pool.uuid)) {
          out.push({ entry: remote.storagePoolEventRefresh, msg: { callbackID: r.id, pool: ev.pool } });
        }
        break;
      case 'connection-closed':
        break; // handled by the session (close callback), not a registration
    }
    return out;
  }
}
