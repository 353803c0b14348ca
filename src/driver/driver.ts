/**
 * The driver contract.
 *
 * A driver connection's methods are named after libvirt's remote procedures
 * (REMOTE_PROC_DOMAIN_GET_XML_DESC → `domainGetXMLDesc`) and take and return
 * objects shaped like the procedure's `*_args` / `*_ret` structs in
 * remote_protocol.x, field names unchanged. That makes the remote driver a
 * mechanical forwarder and lets the daemon call any driver the same way.
 * Every method is optional: a missing one is "not supported" in exactly one
 * place (`callDriver`). UUIDs are canonical lower-case strings here; the wire
 * codec turns them into 16 raw bytes. `hyper` fields are JS numbers.
 */
import type { ParsedURI } from '../uri/index.js';
import type {
  ArgsOf, EventFamily, Lxc, Procedure, Qemu, Remote, RemoteArgs, RemoteRet, RemoteStream, RetOf, StreamDirection,
} from '../protocol/index.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { DriverStream } from './stream.js';
import { WRITE_METHODS } from './write-methods.js';

export {
  AttachedStream, bytesStreamDriver, readAllFrom, STREAM_CHUNK, StreamFlags, streamNoSupport,
  type DriverStream, type StreamChunk, type StreamDriver,
} from './stream.js';

export interface DomainRef { name: string; uuid: string; id: number }
export interface NetworkRef { name: string; uuid: string }
export interface StoragePoolRef { name: string; uuid: string }
export interface StorageVolRef { pool: string; name: string; key: string }
export interface InterfaceRef { name: string; mac: string }
export interface NodeDeviceRef { name: string }
export interface SnapshotRef { name: string; dom: DomainRef }
export interface CheckpointRef { name: string; dom: DomainRef }
/** remote_nonnull_secret: usageType is VIR_SECRET_USAGE_TYPE_* (0 none, 1 volume, 2 ceph, 3 iscsi, 4 tls, 5 vtpm). */
export interface SecretRef { uuid: string; usageType: number; usageID: string }

/** remote_typed_param: type is VIR_TYPED_PARAM_* (1 int … 7 string). */
export interface TypedParam { field: string; type: number; value: number | boolean | string }

/** remote_vcpu_info: `cpu_time` in nanoseconds, a bigint as it passes 2^53. */
export interface VcpuInfo { number: number; state: number; cpu_time: bigint; cpu: number }

/** remote_domain_stats_record. */
export interface DomainStatsRecord { dom: DomainRef; params: TypedParam[] }

export type Void = Promise<void>;

/** Events a driver connection delivers to its listeners. */
export type DriverEvent =
  | { kind: 'domain-lifecycle'; dom: DomainRef; event: number; detail: number }
  | { kind: 'domain-reboot'; dom: DomainRef }
  | { kind: 'network-lifecycle'; net: NetworkRef; event: number; detail: number }
  | { kind: 'storage-pool-lifecycle'; pool: StoragePoolRef; event: number; detail: number }
  | { kind: 'storage-pool-refresh'; pool: StoragePoolRef }
  | { kind: 'connection-closed'; reason: number }
  /** Any event of the table (protocol/events.ts): the object handle and the message's other fields. */
  | { kind: 'event'; family: EventFamily; eventID: number; obj: unknown; data: Record<string, unknown> };

/** A driver event in the table's terms, or null for connection-closed (not an event registration's). */
export function normalizeEvent(ev: DriverEvent):
  { family: EventFamily; eventID: number; obj: unknown; data: Record<string, unknown> } | null {
  switch (ev.kind) {
    case 'event': return ev;
    case 'domain-lifecycle': return { family: 'domain', eventID: 0, obj: ev.dom, data: { event: ev.event, detail: ev.detail } };
    case 'domain-reboot': return { family: 'domain', eventID: 1, obj: ev.dom, data: {} };
    case 'network-lifecycle': return { family: 'network', eventID: 0, obj: ev.net, data: { event: ev.event, detail: ev.detail } };
    case 'storage-pool-lifecycle':
      return { family: 'pool', eventID: 0, obj: ev.pool, data: { event: ev.event, detail: ev.detail } };
    case 'storage-pool-refresh': return { family: 'pool', eventID: 1, obj: ev.pool, data: {} };
    case 'connection-closed': return null;
  }
}

/** The key an event registration's object filter matches: the UUID, or a node device's name. */
export function eventObjectKey(obj: unknown): string {
  const o = obj as { uuid?: string; name?: string };
  return o.uuid ?? o.name ?? '';
}

export interface OpenOptions {
  /** VIR_CONNECT_* flags (RO = 1, NO_ALIASES = 2). */
  flags: number;
  /** The credential callback of virConnectOpenAuth, if any. */
  auth?: ConnectAuth | undefined;
  signal?: AbortSignal | undefined;
}

/** virConnectCredential. `result` is filled in by the callback. */
export interface ConnectCredential {
  type: number;
  prompt: string;
  challenge: string | null;
  defresult: string | null;
  result: string | null;
}

/** virConnectAuth: the credential types the callback can answer, and the callback. */
export interface ConnectAuth {
  credtype: readonly number[];
  cb: (creds: ConnectCredential[]) => number | void | Promise<number | void>;
}

/** Where a daemon's drivers keep their files: base directories, each driver under `<dir>/<its name>`. */
export interface DriverPaths {
  /** `/etc/libvirt`, or `$XDG_CONFIG_HOME/libvirt` (virGetUserConfigDirectory): persistent configs. */
  configDir: string;
  /** `/run/libvirt`, or `$XDG_RUNTIME_DIR/libvirt` (virGetUserRuntimeDirectory): status XML, pid files. */
  runDir: string;
  /** `/var/lib/libvirt`, or the config dir (a session keeps `qemu/lib` there): per-domain state. */
  stateDir: string;
  /** `/var/cache/libvirt`, or `$XDG_CACHE_HOME/libvirt` (virGetUserCacheDirectory). */
  cacheDir: string;
  /** `/var/log/libvirt`, or the cache dir (a session logs to `qemu/log` there). */
  logDir: string;
}

/** The log a driver writes to (the daemon's). */
export interface DriverLogger {
  debug(m: string): void;
  info(m: string): void;
  warn(m: string): void;
  error(m: string): void;
}

/** What a daemon gives its drivers at start-up (virStateInitialize's arguments). */
export interface DriverStartContext {
  /** Running as root: `qemu:///system`; otherwise a user's session daemon (`qemu:///session`). */
  privileged: boolean;
  mode: 'system' | 'session';
  paths: DriverPaths;
  log: DriverLogger;
  /**
   * The daemon's shutdown inhibition (libvirtd's daemonInhibitCallback):
   * `true` while the driver has something that must keep a daemon started
   * with --timeout alive (the QEMU driver: a running guest), `false` when
   * that is over. Calls come in pairs. Absent: nothing to inhibit.
   */
  inhibit?(active: boolean): void;
  /**
   * virPidFileAcquire(dir, "driver", getpid()): records the daemon's pid
   * in `<dir>/driver.pid`, so that a second daemon cannot run the same
   * driver state. Returns the release. Absent: no lock is taken.
   *
   * @throws VirtError `Failed to acquire pid file '<dir>/driver.pid':
   *   Resource temporarily unavailable` while another live daemon holds it.
   */
  lockStateDir?(dir: string): () => void;
}

export interface Driver {
  readonly name: string;
  /**
   * Whether this driver claims the URI (virConnectOpenInternal asks each
   * registered driver in turn). `null` as the URI means "probe".
   */
  accepts(uri: ParsedURI | null): boolean;
  open(uri: ParsedURI | null, opts: OpenOptions): Promise<DriverConnection>;
  /**
   * Daemon start (stateInitialize): load persistent configs and status,
   * reconnect to running guests, autostart. The daemon calls the drivers'
   * start in registration order before serving their connections; a
   * driver whose start fails is logged and not served, the others are.
   */
  start?(ctx: DriverStartContext): Promise<void>;
  /** Daemon stop (stateCleanup), in reverse order, after the clients are gone; guests keep running. */
  stop?(): Promise<void>;
}

/** The names of a program table's entries that are procedures (not events). */
type CallNames<P> = { [K in keyof P & string]: P[K] extends Procedure<any, any, any, any> ? K : never }[keyof P & string]; // eslint-disable-line @typescript-eslint/no-explicit-any
/** One contract method for a procedure: its contract args (none if void) and result. */
type ContractFn<P> = [ArgsOf<P>] extends [void] ? () => Promise<RetOf<P>> : (a: ArgsOf<P>) => Promise<RetOf<P>>;

/** The calls of the REMOTE program that are procedures, by table name. */
export type RemoteCallName = CallNames<Remote>;

/** The REMOTE procedures that open a stream (the table's `stream` marker). */
export type StreamCallName = { [K in RemoteCallName]: [RemoteStream<K>] extends [StreamDirection] ? K : never }[RemoteCallName];

/**
 * One optional method per procedure, typed from the tables: the contract
 * args and result of `remote.<name>` (after its override, if any), and of
 * the QEMU and LXC programs' procedures under `qemu…`/`lxc…` names
 * (QEMU_PROC_DOMAIN_MONITOR_COMMAND → `qemuDomainMonitorCommand`, see
 * contractName in protocol/). A procedure that opens a stream also gets the
 * caller's stream, to which the driver attaches its side (stream.ts).
 */
export type TableContract =
  & {
    [K in RemoteCallName]?: [RemoteStream<K>] extends [StreamDirection]
      ? (a: RemoteArgs<K>, stream: DriverStream) => Promise<RemoteRet<K>>
      : ContractFn<Remote[K]>;
  }
  & { [K in CallNames<Qemu> as `qemu${Capitalize<K>}`]?: ContractFn<Qemu[K]> }
  & { [K in CallNames<Lxc> as `lxc${Capitalize<K>}`]?: ContractFn<Lxc[K]> };

/* eslint-disable @typescript-eslint/member-ordering */
export interface DriverConnection extends TableContract {
  connectClose(): Void;
  /** virConnectIsEncrypted (no wire procedure: the remote driver knows its transport). */
  connectIsEncrypted?(): Promise<{ encrypted: number }>;
  /** virConnectIsAlive (no wire procedure). */
  connectIsAlive?(): Promise<{ alive: number }>;
  /** virConnectSetKeepAlive (no wire procedure: the remote driver's own). ret 1 = the daemon cannot do keepalive. */
  connectSetKeepAlive?(a: { interval: number; count: number }): Promise<{ ret: number }>;
  /** Subscribe to this connection's events; returns the unsubscribe function. */
  subscribeEvents?(listener: (ev: DriverEvent) => void): () => void;
  /** Resolves once the events subscribed so far reach this connection (a daemon has registered them). */
  eventsReady?(): Promise<void>;
  /**
   * Interest in one event kind starts (counted): a driver that must ask for
   * events (the remote driver asks its daemon) does so on the first. Drivers
   * without it deliver every event to subscribers anyway.
   */
  eventRegister?(family: EventFamily, eventID: number): Promise<void>;
  /** Interest in one event kind ends (the last one deregisters). */
  eventDeregister?(family: EventFamily, eventID: number): Promise<void>;
  /** Whether the driver has events of a family at all (absent: all; the remote driver learns it from its daemon). */
  supportsEvents?(family: EventFamily): boolean;
}
/* eslint-enable @typescript-eslint/member-ordering */

export type DriverMethod = Exclude<keyof DriverConnection, 'connectClose' | 'subscribeEvents' | 'eventsReady' | 'eventRegister' | 'eventDeregister' | 'supportsEvents'>;

/**
 * The contract methods a read-only connection refuses (virCheckReadOnlyGoto
 * in libvirt's API files): the REMOTE table's read-only column, generated
 * into write-methods.ts. Besides the read-only check, drivers use it to know
 * which calls may change state.
 */
export { WRITE_METHODS };

/**
 * Calls a read-only connection may make except with certain arguments
 * (libvirt-rpc.md §17 point 3): what they are refused with then.
 */
const READ_ONLY_IF: Readonly<Record<string, (a: { flags?: number; source?: number }) => 'secure' | 'denied' | null>> = {
  // VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_MIGRATABLE
  domainGetXMLDesc: (a) => ((a.flags ?? 0) & (1 | 8) ? 'secure' : null),
  domainSnapshotGetXMLDesc: (a) => ((a.flags ?? 0) & 1 ? 'secure' : null),
  domainCheckpointGetXMLDesc: (a) => ((a.flags ?? 0) & 1 ? 'secure' : null),
  domainManagedSaveGetXMLDesc: (a) => ((a.flags ?? 0) & 1 ? 'secure' : null),
  domainGetVcpusFlags: (a) => ((a.flags ?? 0) & 8 ? 'denied' : null), // VIR_DOMAIN_VCPU_GUEST
  domainInterfaceAddresses: (a) => (a.source === 1 ? 'denied' : null), // ..._SRC_AGENT
};

/**
 * virCheckReadOnlyGoto and its flag-dependent variants: the error a
 * read-only connection gets for this call, or null when it is allowed.
 * `write` says whether the call is refused outright (default: WRITE_METHODS).
 */
export function readOnlyDenial(method: string, args: unknown, write = WRITE_METHODS.has(method)): VirtError | null {
  const verdict = write ? 'denied' : READ_ONLY_IF[method]?.((args ?? {}) as { flags?: number }) ?? null;
  if (verdict === null) return null;
  const api = apiNameFor(method);
  return VirtError.report(ErrorCode.OPERATION_DENIED, errorDomainFor(method),
    verdict === 'secure' ? `${api} with secure flag` : `read only access prevents ${api}`);
}

/** VIR_DRV_FEATURE_* (libvirt_internal.h): the numbers CONNECT_SUPPORTS_FEATURE asks about. */
export const DriverFeature = {
  FD_PASSING: 8, TYPED_PARAM_STRING: 9, PROGRAM_KEEPALIVE: 10, REMOTE_EVENT_CALLBACK: 14, REMOTE_CLOSE_CALLBACK: 15,
  NETWORK_UPDATE_HAS_CORRECT_ORDER: 16,
} as const;

/** The features every 9.x hypervisor driver reports (libvirt's "global" features). */
export const GLOBAL_FEATURES: ReadonlySet<number> =
  new Set([DriverFeature.TYPED_PARAM_STRING, DriverFeature.NETWORK_UPDATE_HAS_CORRECT_ORDER]);

/** VIR_TYPED_PARAM_STRING_OKAY: string typed parameters may come back. */
export const TYPED_PARAM_STRING_OKAY = 1 << 2;

/** Maps a contract method to libvirt's public API name, for error texts. */
export function publicName(method: string): string {
  // libvirt spells the network filter APIs virNWFilter…
  return ('vir' + method[0]!.toUpperCase() + method.slice(1)).replace(/^virNwfilter/, 'virNWFilter');
}

/**
 * Calls a driver method; a method the driver lacks is libvirt's
 * "this function is not supported by the connection driver: virX".
 */
export async function callDriver<M extends DriverMethod>(
  conn: DriverConnection,
  method: M,
  ...args: Parameters<NonNullable<DriverConnection[M]>>
): Promise<Awaited<ReturnType<NonNullable<DriverConnection[M]>>>> {
  const fn = conn[method] as ((...a: unknown[]) => Promise<unknown>) | undefined;
  if (typeof fn !== 'function') {
    throw VirtError.report(ErrorCode.NO_SUPPORT, errorDomainFor(method), apiNameFor(method));
  }
  return (await fn.apply(conn, args)) as Awaited<ReturnType<NonNullable<DriverConnection[M]>>>;
}

/** Contract method → the libvirt public function named in its errors (`virDomainDestroy`). */
export function apiNameFor(method: string): string {
  // libvirt-qemu.so / libvirt-lxc.so name theirs virDomainQemu…, virConnectDomainQemu…, virDomainLxc….
  const m = /^(qemu|lxc)(Connect|Domain)(.*)$/.exec(method);
  if (m) {
    const lib = m[1] === 'qemu' ? 'Qemu' : 'Lxc';
    return m[2] === 'Connect' ? `virConnectDomain${lib}${m[3]!.replace(/^Domain/, '')}` : `virDomain${lib}${m[3]}`;
  }
  return publicName(method);
}

/**
 * The error domain of the libvirt API file a method belongs to (the
 * VIR_FROM_THIS of libvirt-domain.c, libvirt-network.c, …), used for the
 * errors the API layer raises itself: unsupported, read-only denied.
 */
export function errorDomainFor(method: string): number {
  if (method.startsWith('domainSnapshot') || method === 'domainListAllSnapshots'
    || method === 'domainHasCurrentSnapshot' || method === 'domainRevertToSnapshot') return ErrorDomain.DOMAIN_SNAPSHOT;
  if (method.startsWith('domainCheckpoint') || method === 'domainListAllCheckpoints') return ErrorDomain.DOMAIN_CHECKPOINT;
  if (method.startsWith('domain') || method === 'connectGetDomainCapabilities') return ErrorDomain.DOMAIN;
  if (method.startsWith('network')) return ErrorDomain.NETWORK;
  if (method.startsWith('secret') || /^connect(NumOf|List|ListAll)Secrets$/.test(method)) return ErrorDomain.SECRET;
  if (method.startsWith('storage')) return ErrorDomain.STORAGE;
  if (method.startsWith('interface')) return ErrorDomain.INTERFACE;
  if (/^nwfilter|NWFilter/.test(method)) return ErrorDomain.NWFILTER;
  if (method.startsWith('nodeDevice') || method === 'nodeNumOfDevices' || method === 'nodeListDevices') return ErrorDomain.NODEDEV;
  return ErrorDomain.NONE;
}
