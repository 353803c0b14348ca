/**
 * virsh's `event` command (tools/virsh-domain-event.c): lists the domain
 * event types, or waits for domain events and prints them.
 */
import type { Domain } from '../../api/index.js';
import type { CmdDef, ParsedCommand } from '../command.js';
import { optDomain } from '../lookup.js';
import type { Shell } from '../shell.js';

/** virshDomainEventCallbacks' names, indexed by VIR_DOMAIN_EVENT_ID_* (libvirt 9.0 has 27). */
export const EVENT_NAMES: readonly string[] = [
  'lifecycle', 'reboot', 'rtc-change', 'watchdog', 'io-error', 'graphics', 'io-error-reason',
  'control-error', 'block-job', 'disk-change', 'tray-change', 'pm-wakeup', 'pm-suspend',
  'balloon-change', 'pm-suspend-disk', 'device-removed', 'block-job-2', 'tunable',
  'agent-lifecycle', 'device-added', 'migration-iteration', 'job-completed',
  'device-removal-failed', 'metadata-change', 'block-threshold', 'memory-failure',
  'memory-device-size-change',
];

/** The IDs virsh prints with virshEventGenericPrint: `event 'NAME' for domain 'DOM'`. */
const GENERIC_IDS = new Set([1, 7]);

/** virshDomainEvent: the lifecycle event names, by virDomainEventType. */
const LIFECYCLE_EVENTS: readonly string[] = [
  'Defined', 'Undefined', 'Started', 'Suspended', 'Resumed', 'Stopped', 'Shutdown', 'PMSuspended', 'Crashed',
];

/** virshDomainEventDetailToString's tables, by virDomainEventType. */
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
  return LIFECYCLE_EVENTS[event] ?? 'unknown';
}

/** virshDomainEventDetailToString. */
export function lifecycleDetailString(event: number, detail: number): string {
  return LIFECYCLE_DETAILS[event]?.[detail] ?? 'unknown';
}

/** virTimeStringNowRaw: `YYYY-MM-DD hh:mm:ss.mmm+0000`, in UTC. */
function timestampNow(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} `
    + `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}+0000`;
}

/** The largest --timeout whose milliseconds fit an int (vshCommandOptTimeoutToMs). */
const MAX_TIMEOUT = Math.floor(2147483647 / 1000);

type WaitResult = 'done' | 'timeout' | 'interrupt';

async function cmdEvent(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const all = cmd.bool('all');
  const loop = cmd.bool('loop');
  const timestamp = cmd.bool('timestamp');
  const list = cmd.bool('list');
  for (const [a, va, b, vb] of [['all', all, 'event', cmd.bool('event')], ['list', list, 'all', all],
    ['list', list, 'event', cmd.bool('event')]] as const) {
    if (va && vb) {
      ctl.error(`Options --${a} and --${b} are mutually exclusive`);
      return false;
    }
  }
  if (list) {
    for (const n of EVENT_NAMES) ctl.print(`${n}\n`);
    return true;
  }
  const eventName = cmd.string(ctl, 'event');
  if (eventName === null) return false;
  if (eventName === undefined && !all) {
    ctl.error('one of --list, --all, or --event <type> is required');
    return false;
  }
  const ids = EVENT_NAMES.flatMap((n, i) => (eventName === undefined || n === eventName ? [i] : []));
  if (ids.length === 0) {
    ctl.error(`unknown event type ${eventName}`);
    return false;
  }
  const timeout = cmd.uint(ctl, 'timeout');
  if (timeout === null) return false;
  if (timeout !== undefined && (timeout === 0 || timeout > MAX_TIMEOUT)) {
    ctl.error(`Numeric value '${timeout}' for <timeout> option is malformed or out of range`);
    return false;
  }
  let dom: Domain | null = null;
  if (cmd.bool('domain')) {
    const r = await optDomain(ctl, cmd);
    if (!r) return false;
    dom = r.dom;
  }

  const conn = ctl.c;
  let count = 0;
  let finish: ((r: WaitResult) => void) | null = null;
  const waited = new Promise<WaitResult>((resolve) => {
    finish = resolve;
  });
  /** virshEventPrintf: one-shot listeners print only the first event. */
  const print = (msg: string): void => {
    if (!loop && count > 0) return;
    ctl.print(timestamp ? `${timestampNow()}: ${msg}` : msg);
    count++;
    if (!loop) finish!('done');
  };
  const registered: number[] = [];
  let timer: NodeJS.Timeout | null = null;
  const onSigint = (): void => finish!('interrupt');
  let ret = false;
  try {
    // vshEventStart: Ctrl-C and the timeout end the wait from here on.
    process.on('SIGINT', onSigint);
    // Without a timeout, this timer keeps the process waiting (virsh's event loop never ends by itself).
    timer = timeout !== undefined ? setTimeout(() => finish!('timeout'), timeout * 1000) : setInterval(() => {}, 1 << 30);
    for (const [i, id] of ids.entries()) {
      const name = EVENT_NAMES[id]!;
      try {
        registered.push(conn.domainEventRegisterAny(dom, id, (_c, d, event, detail) => {
          if (id === 0) {
            print(`event 'lifecycle' for domain '${d.getName()}': ${lifecycleEventString(event)} `
              + `${lifecycleDetailString(event, detail)}\n`);
          } else if (GENERIC_IDS.has(id)) {
            print(`event '${name}' for domain '${d.getName()}'\n`);
          }
          // The drivers deliver no other event kinds yet.
        }));
      } catch (e) {
        // Only the first registration must succeed: an older server may
        // know fewer events.
        if (i === 0) {
          ctl.saveError(e);
          return false;
        }
        ctl.resetError();
      }
    }
    await conn.eventsReady();
    switch (await waited) {
      case 'interrupt':
        ctl.print('event loop interrupted\n');
        break;
      case 'timeout':
        ctl.print('event loop timed out\n');
        break;
      case 'done':
        break;
    }
    ctl.print(`events received: ${count}\n`);
    ret = count > 0;
  } finally {
    // vshEventCleanup, then the deregistrations.
    process.removeListener('SIGINT', onSigint);
    if (timer) clearInterval(timer);
    for (const id of registered) {
      try {
        conn.domainEventDeregisterAny(id);
      } catch (e) {
        ctl.saveError(e);
        ret = false;
      }
    }
    dom?.free();
  }
  return ret;
}

export const eventCommand: CmdDef = {
  name: 'event',
  help: 'Domain Events',
  desc: 'List event types, or wait for domain events to occur',
  options: [
    { name: 'domain', type: 'string', help: 'filter by domain name, id or uuid' },
    { name: 'event', type: 'string', help: 'which event type to wait for' },
    { name: 'all', type: 'bool', help: 'wait for all events instead of just one type' },
    { name: 'loop', type: 'bool', help: 'loop until timeout or interrupt, rather than one-shot' },
    { name: 'timeout', type: 'int', help: 'timeout seconds' },
    { name: 'list', type: 'bool', help: 'list valid event types' },
    { name: 'timestamp', type: 'bool', help: 'show timestamp for each printed event' },
  ],
  run: cmdEvent,
};

/** virsh's "Domain Events" group (help keyword 'events'). */
export const eventCommands: CmdDef[] = [eventCommand];
