/**
 * Event IDs ↔ event messages: the one table both ends route events with
 * (libvirt's remoteEvents[] in the remote driver and the daemon's
 * remoteRelay* functions). An event is normalised to
 * `{ family, eventID, obj, data }`: the object handle of its message and the
 * other fields in message order (callbackID and the nesting of the
 * `*_CALLBACK_*` domain messages removed), so the daemon can encode any
 * driver event for any registration style, and the client can decode any
 * message, without a switch per kind.
 */
import type { AnyCodec } from '../xdr/index.js';
import type { EventMessage } from './program.js';
import { qemu } from './qemu.js';
import { remote } from './remote.js';

export type EventFamily = 'domain' | 'network' | 'pool' | 'nodedev' | 'secret' | 'qemu';

/** One event ID: the message sent for callback registrations, and for legacy domain registrations (IDs 0…15). */
export interface EventKind {
  family: EventFamily;
  eventID: number;
  /** libvirt's VIR_*_EVENT_ID_* suffix, lower case with dashes, as virsh names events (`io-error-reason`). */
  name: string;
  callback: EventMessage;
  legacy: EventMessage | null;
}

const r = remote;

/** [eventID, virsh's name, callback message, legacy message] per domain event (VIR_DOMAIN_EVENT_ID_*). */
const DOMAIN: ReadonlyArray<readonly [string, EventMessage, EventMessage | null]> = [
  ['lifecycle', r.domainEventCallbackLifecycle, r.domainEventLifecycle],
  ['reboot', r.domainEventCallbackReboot, r.domainEventReboot],
  ['rtc-change', r.domainEventCallbackRTCChange, r.domainEventRTCChange],
  ['watchdog', r.domainEventCallbackWatchdog, r.domainEventWatchdog],
  ['io-error', r.domainEventCallbackIOError, r.domainEventIOError],
  ['graphics', r.domainEventCallbackGraphics, r.domainEventGraphics],
  ['io-error-reason', r.domainEventCallbackIOErrorReason, r.domainEventIOErrorReason],
  ['control-error', r.domainEventCallbackControlError, r.domainEventControlError],
  ['block-job', r.domainEventCallbackBlockJob, r.domainEventBlockJob],
  ['disk-change', r.domainEventCallbackDiskChange, r.domainEventDiskChange],
  ['tray-change', r.domainEventCallbackTrayChange, r.domainEventTrayChange],
  ['pm-wakeup', r.domainEventCallbackPMWakeup, r.domainEventPMWakeup],
  ['pm-suspend', r.domainEventCallbackPMSuspend, r.domainEventPMSuspend],
  ['balloon-change', r.domainEventCallbackBalloonChange, r.domainEventBalloonChange],
  ['pm-suspend-disk', r.domainEventCallbackPMSuspendDisk, r.domainEventPMSuspendDisk],
  ['device-removed', r.domainEventCallbackDeviceRemoved, r.domainEventDeviceRemoved],
  ['block-job-2', r.domainEventBlockJob2, null],
  ['tunable', r.domainEventCallbackTunable, null],
  ['agent-lifecycle', r.domainEventCallbackAgentLifecycle, null],
  ['device-added', r.domainEventCallbackDeviceAdded, null],
  ['migration-iteration', r.domainEventCallbackMigrationIteration, null],
  ['job-completed', r.domainEventCallbackJobCompleted, null],
  ['device-removal-failed', r.domainEventCallbackDeviceRemovalFailed, null],
  ['metadata-change', r.domainEventCallbackMetadataChange, null],
  ['block-threshold', r.domainEventBlockThreshold, null],
  ['memory-failure', r.domainEventMemoryFailure, null],
  ['memory-device-size-change', r.domainEventMemoryDeviceSizeChange, null],
];

function kinds(family: EventFamily, list: ReadonlyArray<readonly [string, EventMessage, EventMessage | null]>): EventKind[] {
  return list.map(([name, callback, legacy], eventID) => ({ family, eventID, name, callback, legacy }));
}

/** Every event of libvirt 9.0, per family, indexed by event ID. */
export const EVENT_KINDS: Readonly<Record<EventFamily, readonly EventKind[]>> = {
  domain: kinds('domain', DOMAIN),
  network: kinds('network', [['lifecycle', r.networkEventLifecycle, null]]),
  pool: kinds('pool', [['lifecycle', r.storagePoolEventLifecycle, null], ['refresh', r.storagePoolEventRefresh, null]]),
  nodedev: kinds('nodedev', [['lifecycle', r.nodeDeviceEventLifecycle, null], ['update', r.nodeDeviceEventUpdate, null]]),
  secret: kinds('secret', [['lifecycle', r.secretEventLifecycle, null], ['value-changed', r.secretEventValueChanged, null]]),
  qemu: kinds('qemu', [['monitor', qemu.domainMonitorEvent, null]]),
};

/** The handle field of each family's messages. */
export const HANDLE_FIELD: Readonly<Record<EventFamily, string>> = {
  domain: 'dom', network: 'net', pool: 'pool', nodedev: 'dev', secret: 'secret', qemu: 'dom',
};

/** A decoded event, whatever its message. */
export interface EventData {
  family: EventFamily;
  eventID: number;
  /** The registration it answers (null for legacy domain messages). */
  callbackID: number | null;
  /** The object handle (remote_nonnull_domain, …). */
  obj: unknown;
  /** The other fields, in message order. */
  data: Record<string, unknown>;
}

const byMessage = new Map<EventMessage, { kind: EventKind; legacy: boolean }>();
for (const list of Object.values(EVENT_KINDS)) {
  for (const k of list) {
    byMessage.set(k.callback, { kind: k, legacy: false });
    if (k.legacy) byMessage.set(k.legacy, { kind: k, legacy: true });
  }
}

function fieldsOf(c: AnyCodec): ReadonlyArray<readonly [string, AnyCodec]> {
  let x: AnyCodec | undefined = c;
  while (x && !x.fields) x = x.parts[0];
  return x?.fields ?? [];
}

function fieldNames(c: AnyCodec): string[] {
  return fieldsOf(c).map(([n]) => n);
}

/** Whether a callback message nests the legacy struct under `msg` (REMOTE_PROC_DOMAIN_EVENT_CALLBACK_*). */
function isNested(m: EventMessage): boolean {
  const f = fieldNames(m.msg);
  return f.length === 2 && f[0] === 'callbackID' && f[1] === 'msg';
}

/** The event an incoming message carries, or null for a message that is not an event of the table. */
export function eventOfMessage(entry: EventMessage, msg: unknown): EventData | null {
  const hit = byMessage.get(entry);
  if (!hit) return null;
  const m = msg as Record<string, unknown>;
  const callbackID = hit.legacy ? null : (m['callbackID'] as number);
  const body = !hit.legacy && isNested(entry) ? (m['msg'] as Record<string, unknown>) : m;
  const handle = HANDLE_FIELD[hit.kind.family];
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (k !== 'callbackID' && k !== handle) data[k] = v;
  return { family: hit.kind.family, eventID: hit.kind.eventID, callbackID, obj: body[handle], data };
}

/** The message for one event and one registration: callback style with its ID, or legacy (callbackID null). */
export function messageOfEvent(family: EventFamily, eventID: number, callbackID: number | null, obj: unknown,
  data: Record<string, unknown>): { entry: EventMessage; msg: unknown } | null {
  const kind = EVENT_KINDS[family][eventID];
  if (!kind) return null;
  const handle = HANDLE_FIELD[family];
  if (callbackID === null) {
    if (!kind.legacy) return null;
    return { entry: kind.legacy, msg: { [handle]: obj, ...data } };
  }
  const body = { [handle]: obj, ...data };
  return { entry: kind.callback, msg: isNested(kind.callback) ? { callbackID, msg: body } : { callbackID, ...body } };
}

/** The data fields of an event kind's message, in order (the callback arguments after the object). */
export function eventFields(family: EventFamily, eventID: number): string[] {
  const kind = EVENT_KINDS[family][eventID];
  if (!kind) return [];
  const handle = HANDLE_FIELD[family];
  const m = kind.callback;
  const names = isNested(m) ? fieldNames(fieldsOf(m.msg)[1]![1]) : fieldNames(m.msg);
  return names.filter((n) => n !== 'callbackID' && n !== handle);
}
