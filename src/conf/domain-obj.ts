/**
 * What every driver keeps per domain (libvirt's virDomainObj, the part the
 * drivers share): the live and persistent definitions, the state with its
 * reason, persistence and autostart. Drivers extend it with their own
 * private data (libvirt's vm->privateData).
 */
import type { DomainRef } from '../driver/driver.js';
import type { DomainDef } from './domain-def.js';
import { DomainState, ShutoffReason } from './domain-constants.js';

export class DomainObjBase {
  /** The live definition while running, else the persistent one. */
  def: DomainDef;
  /** The persistent definition while a persistent domain runs (vm->newDef). */
  newDef: DomainDef | null = null;
  state: number = DomainState.SHUTOFF;
  reason: number = ShutoffReason.UNKNOWN;
  persistent = false;
  autostart = false;

  constructor(def: DomainDef) {
    this.def = def;
  }

  /** virDomainObjIsActive: a running domain has an id. */
  get isActive(): boolean {
    return this.def.id !== -1;
  }

  ref(): DomainRef {
    return { name: this.def.name, uuid: this.def.uuid, id: this.def.id };
  }

  /** virDomainObjSetState. */
  setState(state: number, reason: number): void {
    this.state = state;
    this.reason = reason;
  }
}
