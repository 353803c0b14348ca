/**
 * What every driver keeps per domain (libvirt's virDomainObj, the part the
 * drivers share): the live and persistent definitions, the state with its
 * reason, persistence and autostart. Drivers extend it with their own
 * private data (libvirt's vm->privateData).
 */
import type { DomainRef } from '../driver/driver.js';
import type { DomainDef } from './domain-def.js';
import { DomainState, ListDomainsFlags as LF, ShutoffReason } from './domain-constants.js';

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

/** What a driver without managed saves, snapshots or checkpoints reports to the filter. */
const NOTHING_KEPT = { managedSave: false, snapshots: 0, checkpoints: 0 } as const;

/**
 * virDomainObjListFilter: whether a domain passes virConnectListAllDomains'
 * filter flags (also the stats calls' list filters). Each group of flags
 * (active/inactive, persistent/transient, …) keeps the domain if any flag
 * of the group matches it; a group with no flag set keeps every domain.
 */
export function matchesListFlags(o: DomainObjBase, flags: number,
  kept: { managedSave: boolean; snapshots: number; checkpoints: number } = NOTHING_KEPT): boolean {
  const any = (mask: number) => (flags & mask) !== 0;
  /** The group `yes | no` set, and neither the `yes` flag matching `is` nor the `no` flag matching `!is`. */
  const fails = (yes: number, no: number, is: boolean) => any(yes | no) && !((any(yes) && is) || (any(no) && !is));
  if (fails(LF.ACTIVE, LF.INACTIVE, o.isActive)) return false;
  if (fails(LF.PERSISTENT, LF.TRANSIENT, o.persistent)) return false;
  if (any(LF.RUNNING | LF.PAUSED | LF.SHUTOFF | LF.OTHER)) {
    const { RUNNING, PAUSED, SHUTOFF } = DomainState;
    const st = o.state;
    if (!((any(LF.RUNNING) && st === RUNNING) || (any(LF.PAUSED) && st === PAUSED) || (any(LF.SHUTOFF) && st === SHUTOFF)
      || (any(LF.OTHER) && st !== RUNNING && st !== PAUSED && st !== SHUTOFF))) return false;
  }
  if (fails(LF.MANAGEDSAVE, LF.NO_MANAGEDSAVE, kept.managedSave)) return false;
  if (fails(LF.AUTOSTART, LF.NO_AUTOSTART, o.autostart)) return false;
  if (fails(LF.HAS_SNAPSHOT, LF.NO_SNAPSHOT, kept.snapshots > 0)) return false;
  if (fails(LF.HAS_CHECKPOINT, LF.NO_CHECKPOINT, kept.checkpoints > 0)) return false;
  return true;
}
