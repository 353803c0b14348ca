/**
 * virsh's `event` command (tools/virsh-domain-event.c): lists the domain
 * event types, or waits for domain events and prints them.
 */
import { parseUUID, type Domain, type Network, type NodeDevice, type Secret, type StoragePool } from '../../api/index.js';
import { EVENT_KINDS } from '../../protocol/index.js';
import type { CmdDef, ParsedCommand } from '../command.js';
import { optDomain, optNetwork, optPool } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import {
  formatDomainEvent, formatObjectEvent, lifecycleDetailString, lifecycleEventString, NETWORK_EVENTS, NODEDEV_EVENTS, POOL_EVENTS,
  SECRET_EVENTS, type ObjectEventFamily,
} from './event-print.js';

/** virshDomainEventCallbacks' names, indexed by VIR_DOMAIN_EVENT_ID_* (libvirt 9.0 has 27). */
export const EVENT_NAMES: readonly string[] = EVENT_KINDS.domain.map((k) => k.name);

export { lifecycleDetailString, lifecycleEventString };

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

/** vshCommandOptTimeoutToMs: undefined for none, null after an error. */
function optTimeout(ctl: Shell, cmd: ParsedCommand): number | undefined | null {
  const timeout = cmd.uint(ctl, 'timeout');
  if (timeout === null) return null;
  if (timeout !== undefined && (timeout === 0 || timeout > MAX_TIMEOUT)) {
    ctl.error(`Numeric value '${timeout}' for <timeout> option is malformed or out of range`);
    return null;
  }
  return timeout;
}

/** One registration of an event command: registers with `print`, returns the deregistration. */
type Register = (print: (msg: string) => void) => () => void;

/**
 * vshEventStart … vshEventWait … vshEventCleanup and the count line, shared by
 * every *-event command. `registers` run in order; a failing first one
 * fails the command, later ones may fail (an older server knows fewer events).
 */
async function waitForEvents(ctl: Shell, cmd: ParsedCommand, timeout: number | undefined, registers: Register[],
  firstMustWork = true): Promise<boolean> {
  const loop = cmd.bool('loop');
  const timestamp = cmd.bool('timestamp');
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
  const deregs: Array<() => void> = [];
  let timer: NodeJS.Timeout | null = null;
  const onSigint = (): void => finish!('interrupt');
  let ret = false;
  try {
    process.on('SIGINT', onSigint);
    // Without a timeout, this timer keeps the process waiting (virsh's event loop never ends by itself).
    timer = timeout !== undefined ? setTimeout(() => finish!('timeout'), timeout * 1000) : setInterval(() => {}, 1 << 30);
    for (const [i, register] of registers.entries()) {
      try {
        deregs.push(register(print));
      } catch (e) {
        if (i === 0 && firstMustWork) {
          ctl.saveError(e);
          return false;
        }
        ctl.resetError();
      }
    }
    try {
      await conn.eventsReady();
    } catch (e) {
      ctl.saveError(e);
      return false;
    }
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
    process.removeListener('SIGINT', onSigint);
    if (timer) clearInterval(timer);
    for (const dereg of deregs) {
      try {
        dereg();
      } catch (e) {
        ctl.saveError(e);
        ret = false;
      }
    }
  }
  return ret;
}

async function cmdEvent(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const all = cmd.bool('all');
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
  const timeout = optTimeout(ctl, cmd);
  if (timeout === null) return false;
  let dom: Domain | null = null;
  if (cmd.bool('domain')) {
    const r = await optDomain(ctl, cmd);
    if (!r) return false;
    dom = r.dom;
  }
  try {
    const conn = ctl.c;
    return await waitForEvents(ctl, cmd, timeout, ids.map((id): Register => (print) => {
      const cb = conn.domainEventRegisterAny(dom, id, (_c, d, ...fields) => {
        print(formatDomainEvent(id, EVENT_NAMES[id]!, d.getName(), fields));
      });
      return () => conn.domainEventDeregisterAny(cb);
    }));
  } finally {
    dom?.free();
  }
}

/** What distinguishes net-event, pool-event, nodedev-event and secret-event. */
interface ObjectEventCommand {
  family: ObjectEventFamily;
  /** The filter option (--network, --pool, --device, --secret). */
  option: string;
  /**
   * Looks the filter object up: the object, null to listen to every object
   * (net-event, pool-event and secret-event go on after a failed lookup, as
   * virsh 9.0 does), or FAIL to stop (nodedev-event).
   */
  lookup(ctl: Shell, cmd: ParsedCommand): Promise<{ free(): void } | null | typeof FAIL>;
  register(conn: Shell['c'], obj: { free(): void } | null, eventID: number,
    cb: (obj: { ref: unknown }, fields: unknown[]) => void): number;
  deregister(conn: Shell['c'], id: number): void;
  objName(obj: { ref: unknown }): string;
}

async function cmdObjectEvent(ctl: Shell, cmd: ParsedCommand, spec: ObjectEventCommand): Promise<boolean> {
  if (cmd.bool('list')) {
    for (const n of spec.family.names) ctl.print(`${n}\n`);
    return true;
  }
  const eventName = cmd.string(ctl, 'event');
  if (eventName === null) return false;
  if (eventName === undefined) {
    ctl.error('either --list or --event <type> is required');
    return false;
  }
  const id = spec.family.names.indexOf(eventName);
  if (id < 0) {
    ctl.error(`unknown event type ${eventName}`);
    return false;
  }
  const timeout = optTimeout(ctl, cmd);
  if (timeout === null) return false;
  let obj: { free(): void } | null = null;
  if (cmd.bool(spec.option)) {
    const r = await spec.lookup(ctl, cmd);
    if (r === FAIL) return false;
    obj = r;
  }
  try {
    const conn = ctl.c;
    return await waitForEvents(ctl, cmd, timeout, [(print) => {
      const cb = spec.register(conn, obj, id, (o, fields) => print(formatObjectEvent(spec.family, id, spec.objName(o), fields)));
      return () => spec.deregister(conn, cb);
    }]);
  } finally {
    obj?.free();
  }
}

const NETWORK_EVENT: ObjectEventCommand = {
  family: NETWORK_EVENTS,
  option: 'network',
  async lookup(ctl, cmd) {
    return (await optNetwork(ctl, cmd))?.net ?? null;
  },
  register: (conn, obj, id, cb) => conn.networkEventRegisterAny(obj as Network | null, id, (_c, n, ...f) => cb(n, f)),
  deregister: (conn, id) => conn.networkEventDeregisterAny(id),
  objName: (o) => (o.ref as { name: string }).name,
};

const POOL_EVENT: ObjectEventCommand = {
  family: POOL_EVENTS,
  option: 'pool',
  async lookup(ctl, cmd) {
    return (await optPool(ctl, cmd))?.pool ?? null;
  },
  register: (conn, obj, id, cb) => conn.storagePoolEventRegisterAny(obj as StoragePool | null, id, (_c, p, ...f) => cb(p, f)),
  deregister: (conn, id) => conn.storagePoolEventDeregisterAny(id),
  objName: (o) => (o.ref as { name: string }).name,
};

const NODEDEV_EVENT: ObjectEventCommand = {
  family: NODEDEV_EVENTS,
  option: 'device',
  async lookup(ctl, cmd) {
    const name = cmd.string(ctl, 'device');
    if (name == null) return FAIL;
    const dev = await ctl.attempt(ctl.c.nodeDeviceLookupByName(name));
    if (dev === FAIL) {
      ctl.error(`Could not find matching device '${name}'`);
      return FAIL;
    }
    return dev;
  },
  register: (conn, obj, id, cb) => conn.nodeDeviceEventRegisterAny(obj as NodeDevice | null, id, (_c, d, ...f) => cb(d, f)),
  deregister: (conn, id) => conn.nodeDeviceEventDeregisterAny(id),
  objName: (o) => (o.ref as { name: string }).name,
};

const SECRET_EVENT: ObjectEventCommand = {
  family: SECRET_EVENTS,
  option: 'secret',
  async lookup(ctl, cmd) {
    const v = cmd.string(ctl, 'secret');
    if (v == null) return FAIL;
    const s = await ctl.attempt(async () => ctl.c.secretLookupByUUID(parseUUID(v, 'virSecretLookupByUUIDString')));
    if (s === FAIL) {
      ctl.error(`failed to get secret '${v}'`);
      return null;
    }
    return s;
  },
  register: (conn, obj, id, cb) => conn.secretEventRegisterAny(obj as Secret | null, id, (_c, s, ...f) => cb(s, f)),
  deregister: (conn, id) => conn.secretEventDeregisterAny(id),
  objName: (o) => (o.ref as { uuid: string }).uuid,
};

/** Options shared by the object *-event commands after the filter option. */
const OBJECT_EVENT_OPTS: CmdDef['options'] = [
  { name: 'event', type: 'string', help: 'which event type to wait for' },
  { name: 'loop', type: 'bool', help: 'loop until timeout or interrupt, rather than one-shot' },
  { name: 'timeout', type: 'int', help: 'timeout seconds' },
  { name: 'list', type: 'bool', help: 'list valid event types' },
  { name: 'timestamp', type: 'bool', help: 'show timestamp for each printed event' },
];

function objectEventCommand(name: string, help: string, what: string, option: string, optHelp: string,
  spec: ObjectEventCommand): CmdDef {
  return {
    name,
    help,
    desc: `List event types, or wait for ${what} events to occur`,
    options: [{ name: option, type: 'string', help: optHelp }, ...OBJECT_EVENT_OPTS],
    run: (ctl, cmd) => cmdObjectEvent(ctl, cmd, spec),
  };
}

/** virsh's qemu-monitor-event line (virshEventQemuPrint); with --pretty the details are indented JSON. */
function qemuEventLine(event: string, seconds: number, micros: number, dom: string, details: string | null,
  pretty: boolean): string {
  let str = details;
  if (pretty && details) {
    try {
      str = JSON.stringify(JSON.parse(details), null, 4);
    } catch { /* printed as received */ }
  }
  return `event ${event} at ${seconds}.${String(micros).padStart(6, '0')} for domain '${dom}': ${str ?? '<null>'}\n`;
}

async function cmdQemuMonitorEvent(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const event = cmd.string(ctl, 'event');
  if (event === null) return false;
  const timeout = optTimeout(ctl, cmd);
  if (timeout === null) return false;
  const pretty = cmd.bool('pretty');
  const flags = (cmd.bool('regex') ? 1 : 0) | (cmd.bool('no-case') ? 2 : 0);
  let dom: Domain | null = null;
  if (cmd.bool('domain')) {
    const r = await optDomain(ctl, cmd);
    if (!r) return false;
    dom = r.dom;
  }
  try {
    const conn = ctl.c;
    return await waitForEvents(ctl, cmd, timeout, [(print) => {
      const id = conn.domainQemuMonitorEventRegister(dom, event ?? null, (_c, d, name, seconds, micros, details) => {
        print(qemuEventLine(name as string, seconds as number, micros as number, d.getName(), details as string | null, pretty));
      }, flags);
      return () => conn.domainQemuMonitorEventDeregister(id);
    }]);
  } finally {
    dom?.free();
  }
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

export const qemuMonitorEventCommand: CmdDef = {
  name: 'qemu-monitor-event',
  help: 'QEMU Monitor Events',
  desc: 'Listen for QEMU Monitor Events',
  options: [
    { name: 'domain', type: 'string', help: 'filter by domain name, id or uuid' },
    { name: 'event', type: 'string', help: 'filter by event name' },
    { name: 'pretty', type: 'bool', help: 'pretty-print any JSON output' },
    { name: 'loop', type: 'bool', help: 'loop until timeout or interrupt, rather than one-shot' },
    { name: 'timeout', type: 'int', help: 'timeout seconds' },
    { name: 'regex', type: 'bool', help: 'treat event as a regex rather than literal filter' },
    { name: 'no-case', type: 'bool', help: 'treat event case-insensitively' },
    { name: 'timestamp', type: 'bool', help: 'show timestamp for each printed event' },
  ],
  run: cmdQemuMonitorEvent,
};

/** The event commands of every group: event, net-event, pool-event, nodedev-event, secret-event, qemu-monitor-event. */
export const eventCommands: CmdDef[] = [
  eventCommand,
  objectEventCommand('net-event', 'Network Events', 'network', 'network', 'filter by network name or uuid', NETWORK_EVENT),
  objectEventCommand('pool-event', 'Storage Pool Events', 'storage pool', 'pool', 'filter by storage pool name or uuid', POOL_EVENT),
  objectEventCommand('nodedev-event', 'Node Device Events', 'node device', 'device', 'filter by node device name', NODEDEV_EVENT),
  objectEventCommand('secret-event', 'Secret Events', 'secret', 'secret', 'filter by secret name or uuid', SECRET_EVENT),
  qemuMonitorEventCommand,
];
