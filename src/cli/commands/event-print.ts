/**
 * What virsh prints for each event (tools/virsh-domain-event.c and the
 * object event callbacks of virsh-network.c, virsh-pool.c, virsh-nodedev.c,
 * virsh-secret.c). A printer gets the event's fields in message order, as
 * the library's event callbacks do (protocol/events.ts).
 */
import type { TypedParam } from '../../driver/driver.js';
import { typedParamValue } from '../util.js';

const pick = (names: readonly string[], i: unknown, unknown = 'unknown'): string =>
  (typeof i === 'number' && names[i] !== undefined ? names[i]! : unknown);
const nullstr = (s: unknown): string => (s === null || s === undefined ? '<null>' : String(s));

const LIFECYCLE_EVENTS = [
  'Defined', 'Undefined', 'Started', 'Suspended', 'Resumed', 'Stopped', 'Shutdown', 'PMSuspended', 'Crashed',
];
const LIFECYCLE_DETAILS: readonly (readonly string[])[] = [
  ['Added', 'Updated', 'Renamed', 'Snapshot'],
  ['Removed', 'Renamed'],
  ['Booted', 'Migrated', 'Restored', 'Snapshot', 'Event wakeup'],
  ['Paused', 'Migrated', 'I/O Error', 'Watchdog', 'Restored', 'Snapshot', 'API error', 'Post-copy', 'Post-copy Error'],
  ['Unpaused', 'Migrated', 'Snapshot', 'Post-copy', 'Post-copy Error'],
  ['Shutdown', 'Destroyed', 'Crashed', 'Migrated', 'Saved', 'Failed', 'Snapshot'],
  ['Finished', 'Finished after guest request', 'Finished after host request'],
  ['Memory', 'Disk'],
  ['Panicked', 'Crashloaded'],
];

/** virshDomainEventToString. */
export function lifecycleEventString(event: number): string {
  return pick(LIFECYCLE_EVENTS, event);
}

/** virshDomainEventDetailToString. */
export function lifecycleDetailString(event: number, detail: number): string {
  return pick(LIFECYCLE_DETAILS[event] ?? [], detail);
}

const WATCHDOG = ['none', 'pause', 'reset', 'poweroff', 'shutdown', 'debug', 'inject-nmi'];
const IO_ERROR = ['none', 'pause', 'report'];
const GRAPHICS_PHASE = ['connect', 'initialize', 'disconnect'];
const GRAPHICS_ADDRESS = ['IPv4', 'IPv6', 'unix'];
/** virshDomainBlockJobToString (virsh-domain.c). */
const BLOCK_JOB_TYPE = ['Unknown job', 'Block Pull', 'Block Copy', 'Block Commit', 'Active Block Commit', 'Backup'];
const BLOCK_JOB_STATUS = ['completed', 'failed', 'canceled', 'ready'];
const DISK_CHANGE = ['changed', 'dropped'];
const TRAY_CHANGE = ['opened', 'closed'];
const AGENT_STATE = ['unknown', 'connected', 'disconnected'];
const AGENT_REASON = ['unknown', 'domain started', 'channel event'];
const METADATA_TYPE = ['description', 'title', 'element'];
const MEMORY_FAILURE_RECIPIENT = ['hypervisor', 'guest'];
const MEMORY_FAILURE_ACTION = ['ignore', 'inject', 'fatal', 'reset'];
const UNSUPPORTED = 'unsupported value';

function params(list: unknown): string {
  return (list as TypedParam[]).map((p) => `\t${p.field}: ${typedParamValue(p)}\n`).join('');
}

interface GraphicsAddress { family: number; node: string; service: string }

type DomainPrinter = (name: string, dom: string, f: readonly unknown[]) => string;

const generic: DomainPrinter = (name, dom) => `event '${name}' for domain '${dom}'\n`;
const blockJob: DomainPrinter = (name, dom, [disk, type, status]) =>
  `event '${name}' for domain '${dom}': ${pick(BLOCK_JOB_TYPE, type, 'Unknown job')} for ${String(disk)} `
  + `${pick(BLOCK_JOB_STATUS, status)}\n`;

/** virshDomainEventCallbacks: the printer of each VIR_DOMAIN_EVENT_ID_*, by ID. */
const DOMAIN_PRINTERS: readonly DomainPrinter[] = [
  (_n, dom, [event, detail]) => `event 'lifecycle' for domain '${dom}': ${lifecycleEventString(event as number)} `
    + `${lifecycleDetailString(event as number, detail as number)}\n`,
  generic,
  (_n, dom, [offset]) => `event 'rtc-change' for domain '${dom}': ${String(offset)}\n`,
  (_n, dom, [action]) => `event 'watchdog' for domain '${dom}': ${pick(WATCHDOG, action)}\n`,
  (_n, dom, [src, alias, action]) => `event 'io-error' for domain '${dom}': ${String(src)} (${String(alias)}) ${pick(IO_ERROR, action)}\n`,
  (_n, dom, [phase, local, remote, scheme, subject]) => {
    const l = local as GraphicsAddress;
    const r = remote as GraphicsAddress;
    let s = `event 'graphics' for domain '${dom}': ${pick(GRAPHICS_PHASE, phase)} `
      + `local[${pick(GRAPHICS_ADDRESS, l.family)} ${l.node} ${l.service}] `
      + `remote[${pick(GRAPHICS_ADDRESS, r.family)} ${r.node} ${r.service}] ${String(scheme)}\n`;
    for (const id of subject as Array<{ type: string; name: string }>) s += `\t${id.type}=${id.name}\n`;
    return s;
  },
  (_n, dom, [src, alias, action, reason]) => `event 'io-error' for domain '${dom}': ${String(src)} (${String(alias)}) `
    + `${pick(IO_ERROR, action)} due to ${String(reason)}\n`,
  generic,
  blockJob,
  (_n, dom, [oldSrc, newSrc, alias, reason]) => `event 'disk-change' for domain '${dom}' disk ${String(alias)}: `
    + `${nullstr(oldSrc)} -> ${nullstr(newSrc)}: ${pick(DISK_CHANGE, reason)}\n`,
  (_n, dom, [alias, reason]) => `event 'tray-change' for domain '${dom}' disk ${String(alias)}: ${pick(TRAY_CHANGE, reason)}\n`,
  generic,
  generic,
  (_n, dom, [actual]) => `event 'balloon-change' for domain '${dom}': ${String(actual)}KiB\n`,
  generic,
  (_n, dom, [alias]) => `event 'device-removed' for domain '${dom}': ${String(alias)}\n`,
  blockJob,
  (_n, dom, [list]) => `event 'tunable' for domain '${dom}':\n${params(list)}`,
  (_n, dom, [state, reason]) => `event 'agent-lifecycle' for domain '${dom}': state: '${pick(AGENT_STATE, state, UNSUPPORTED)}' `
    + `reason: '${pick(AGENT_REASON, reason, UNSUPPORTED)}'\n`,
  (_n, dom, [alias]) => `event 'device-added' for domain '${dom}': ${String(alias)}\n`,
  (_n, dom, [iteration]) => `event 'migration-iteration' for domain '${dom}': iteration: '${String(iteration)}'\n`,
  (_n, dom, [list]) => `event 'job-completed' for domain '${dom}':\n${params(list)}`,
  (_n, dom, [alias]) => `event 'device-removal-failed' for domain '${dom}': ${String(alias)}\n`,
  (_n, dom, [type, nsuri]) => `event 'metadata-change' for domain '${dom}': type ${pick(METADATA_TYPE, type, UNSUPPORTED)}, `
    + `uri ${nullstr(nsuri)}\n`,
  (_n, dom, [dev, path, threshold, excess]) => `event 'block-threshold' for domain '${dom}': dev: ${String(dev)}(${nullstr(path)}) `
    + `${String(threshold)} ${String(excess)}\n`,
  (_n, dom, [recipient, action, flags]) => `event 'memory-failure' for domain '${dom}':\n`
    + `recipient: ${pick(MEMORY_FAILURE_RECIPIENT, recipient, UNSUPPORTED)}\naction: ${pick(MEMORY_FAILURE_ACTION, action, UNSUPPORTED)}\n`
    + `flags:\n\taction required: ${(flags as number) & 1 ? 1 : 0}\n\trecursive: ${(flags as number) & 2 ? 1 : 0}\n`,
  (_n, dom, [alias, size]) => `event 'memory-device-size-change' for domain '${dom}':\nalias: ${String(alias)}\nsize: ${String(size)}\n`,
];

/** The line(s) virsh prints for domain event `eventID` named `name` with the event's fields. */
export function formatDomainEvent(eventID: number, name: string, dom: string, fields: readonly unknown[]): string {
  return (DOMAIN_PRINTERS[eventID] ?? generic)(name, dom, fields);
}

/** Object event families of virsh's *-event commands: what they print per event ID. */
export interface ObjectEventFamily {
  /** The object as virsh names it in the message (`network`, `storage pool`, …). */
  noun: string;
  /** Event names by ID (the --list output). */
  names: readonly string[];
  /** The lifecycle event strings, by event number. */
  lifecycle: readonly string[];
}

export const NETWORK_EVENTS: ObjectEventFamily = {
  noun: 'network', names: ['lifecycle'], lifecycle: ['Defined', 'Undefined', 'Started', 'Stopped'],
};
export const POOL_EVENTS: ObjectEventFamily = {
  noun: 'storage pool', names: ['lifecycle', 'refresh'],
  lifecycle: ['Defined', 'Undefined', 'Started', 'Stopped', 'Created', 'Deleted'],
};
export const NODEDEV_EVENTS: ObjectEventFamily = {
  noun: 'node device', names: ['lifecycle', 'update'], lifecycle: ['Created', 'Deleted', 'Defined', 'Undefined'],
};
export const SECRET_EVENTS: ObjectEventFamily = {
  noun: 'secret', names: ['lifecycle', 'value-changed'], lifecycle: ['Defined', 'Undefined'],
};

/** `event 'lifecycle' for network default: Started`; other IDs name only the event and the object. */
export function formatObjectEvent(fam: ObjectEventFamily, eventID: number, obj: string, fields: readonly unknown[]): string {
  const name = fam.names[eventID] ?? 'unknown';
  if (eventID === 0) return `event '${name}' for ${fam.noun} ${obj}: ${pick(fam.lifecycle, fields[0])}\n`;
  return `event '${name}' for ${fam.noun} ${obj}\n`;
}
