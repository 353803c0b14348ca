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
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';

export interface DomainRef { name: string; uuid: string; id: number }
export interface NetworkRef { name: string; uuid: string }
export interface StoragePoolRef { name: string; uuid: string }
export interface StorageVolRef { pool: string; name: string; key: string }
export interface InterfaceRef { name: string; mac: string }
export interface NodeDeviceRef { name: string }
export interface SnapshotRef { name: string; dom: DomainRef }

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
  | { kind: 'connection-closed'; reason: number };

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

export interface Driver {
  readonly name: string;
  /**
   * Whether this driver claims the URI (virConnectOpenInternal asks each
   * registered driver in turn). `null` as the URI means "probe".
   */
  accepts(uri: ParsedURI | null): boolean;
  open(uri: ParsedURI | null, opts: OpenOptions): Promise<DriverConnection>;
}

/* eslint-disable @typescript-eslint/member-ordering */
export interface DriverConnection {
  /** The canonical URI of this connection (CONNECT_GET_URI). */
  connectGetURI?(): Promise<{ uri: string }>;
  connectClose(): Void;
  connectGetType?(): Promise<{ type: string }>;
  connectGetVersion?(): Promise<{ hv_ver: number }>;
  connectGetLibVersion?(): Promise<{ lib_ver: number }>;
  connectGetHostname?(): Promise<{ hostname: string }>;
  connectGetCapabilities?(): Promise<{ capabilities: string }>;
  connectGetSysinfo?(a: { flags: number }): Promise<{ sysinfo: string }>;
  connectGetMaxVcpus?(a: { type: string | null }): Promise<{ max_vcpus: number }>;
  connectIsSecure?(): Promise<{ secure: number }>;
  connectIsEncrypted?(): Promise<{ encrypted: number }>;
  connectIsAlive?(): Promise<{ alive: number }>;
  connectSupportsFeature?(a: { feature: number }): Promise<{ supported: number }>;
  /** virConnectSetKeepAlive (no wire procedure: the remote driver's own). ret 1 = the daemon cannot do keepalive. */
  connectSetKeepAlive?(a: { interval: number; count: number }): Promise<{ ret: number }>;
  connectGetDomainCapabilities?(a: { emulatorbin: string | null; arch: string | null; machine: string | null; virttype: string | null; flags: number }): Promise<{ capabilities: string }>;

  nodeGetInfo?(): Promise<{ model: string; memory: number; cpus: number; mhz: number; nodes: number; sockets: number; cores: number; threads: number }>;
  nodeGetFreeMemory?(): Promise<{ freeMem: number }>;
  nodeGetCellsFreeMemory?(a: { startCell: number; maxcells: number }): Promise<{ cells: number[] }>;
  nodeGetSecurityModel?(): Promise<{ model: string; doi: string }>;
  /** need_map/need_online ask for the map and the online count; `ret` is the number of host CPUs. */
  nodeGetCPUMap?(a: { need_map: number; need_online: number; flags: number }): Promise<{ cpumap: Uint8Array; online: number; ret: number }>;

  connectListAllDomains?(a: { need_results: number; flags: number }): Promise<{ domains: DomainRef[]; ret: number }>;
  connectNumOfDomains?(): Promise<{ num: number }>;
  connectListDomains?(a: { maxids: number }): Promise<{ ids: number[] }>;
  connectNumOfDefinedDomains?(): Promise<{ num: number }>;
  connectListDefinedDomains?(a: { maxnames: number }): Promise<{ names: string[] }>;
  domainLookupByID?(a: { id: number }): Promise<{ dom: DomainRef }>;
  domainLookupByName?(a: { name: string }): Promise<{ dom: DomainRef }>;
  domainLookupByUUID?(a: { uuid: string }): Promise<{ dom: DomainRef }>;
  domainDefineXML?(a: { xml: string }): Promise<{ dom: DomainRef }>;
  domainDefineXMLFlags?(a: { xml: string; flags: number }): Promise<{ dom: DomainRef }>;
  domainCreateXML?(a: { xml_desc: string; flags: number }): Promise<{ dom: DomainRef }>;
  domainUndefine?(a: { dom: DomainRef }): Void;
  domainUndefineFlags?(a: { dom: DomainRef; flags: number }): Void;
  domainCreate?(a: { dom: DomainRef }): Void;
  domainCreateWithFlags?(a: { dom: DomainRef; flags: number }): Promise<{ dom: DomainRef }>;
  domainDestroy?(a: { dom: DomainRef }): Void;
  domainDestroyFlags?(a: { dom: DomainRef; flags: number }): Void;
  domainShutdown?(a: { dom: DomainRef }): Void;
  domainShutdownFlags?(a: { dom: DomainRef; flags: number }): Void;
  domainReboot?(a: { dom: DomainRef; flags: number }): Void;
  domainReset?(a: { dom: DomainRef; flags: number }): Void;
  domainSuspend?(a: { dom: DomainRef }): Void;
  domainResume?(a: { dom: DomainRef }): Void;
  domainGetInfo?(a: { dom: DomainRef }): Promise<{ state: number; maxMem: number; memory: number; nrVirtCpu: number; cpuTime: number }>;
  domainGetState?(a: { dom: DomainRef; flags: number }): Promise<{ state: number; reason: number }>;
  domainGetXMLDesc?(a: { dom: DomainRef; flags: number }): Promise<{ xml: string }>;
  domainGetOSType?(a: { dom: DomainRef }): Promise<{ type: string }>;
  domainGetMaxMemory?(a: { dom: DomainRef }): Promise<{ memory: number }>;
  domainGetMaxVcpus?(a: { dom: DomainRef }): Promise<{ num: number }>;
  domainGetAutostart?(a: { dom: DomainRef }): Promise<{ autostart: number }>;
  domainSetAutostart?(a: { dom: DomainRef; autostart: number }): Void;
  domainIsActive?(a: { dom: DomainRef }): Promise<{ active: number }>;
  domainIsPersistent?(a: { dom: DomainRef }): Promise<{ persistent: number }>;
  domainIsUpdated?(a: { dom: DomainRef }): Promise<{ updated: number }>;
  domainHasManagedSaveImage?(a: { dom: DomainRef; flags: number }): Promise<{ result: number }>;
  domainSetMemory?(a: { dom: DomainRef; memory: number }): Void;
  domainSetMemoryFlags?(a: { dom: DomainRef; memory: number; flags: number }): Void;
  domainSetMaxMemory?(a: { dom: DomainRef; memory: number }): Void;
  domainSetVcpus?(a: { dom: DomainRef; nvcpus: number }): Void;
  domainSetVcpusFlags?(a: { dom: DomainRef; nvcpus: number; flags: number }): Void;
  domainGetVcpusFlags?(a: { dom: DomainRef; flags: number }): Promise<{ num: number }>;
  /** `cpumaps` holds maxinfo × maplen bytes (the daemon's buffer), one map of maplen bytes per vCPU. */
  domainGetVcpuPinInfo?(a: { dom: DomainRef; ncpumaps: number; maplen: number; flags: number }): Promise<{ cpumaps: Uint8Array; num: number }>;
  domainGetVcpus?(a: { dom: DomainRef; maxinfo: number; maplen: number }): Promise<{ info: VcpuInfo[]; cpumaps: Uint8Array }>;
  domainGetSchedulerType?(a: { dom: DomainRef }): Promise<{ type: string; nparams: number }>;
  domainGetSchedulerParameters?(a: { dom: DomainRef; nparams: number }): Promise<{ params: TypedParam[] }>;
  domainGetSchedulerParametersFlags?(a: { dom: DomainRef; nparams: number; flags: number }): Promise<{ params: TypedParam[] }>;
  domainSetSchedulerParameters?(a: { dom: DomainRef; params: TypedParam[] }): Void;
  domainSetSchedulerParametersFlags?(a: { dom: DomainRef; params: TypedParam[]; flags: number }): Void;
  domainGetSecurityLabel?(a: { dom: DomainRef }): Promise<{ label: string; enforcing: number }>;
  domainMemoryStats?(a: { dom: DomainRef; maxStats: number; flags: number }): Promise<{ stats: Array<{ tag: number; val: number }> }>;
  domainGetBlockInfo?(a: { dom: DomainRef; path: string; flags: number }): Promise<{ allocation: number; capacity: number; physical: number }>;
  domainGetTime?(a: { dom: DomainRef; flags: number }): Promise<{ seconds: number; nseconds: number }>;
  /** An empty `doms` means every domain (virConnectGetAllDomainStats), else those (virDomainListGetStats). */
  connectGetAllDomainStats?(a: { doms: DomainRef[]; stats: number; flags: number }): Promise<{ retStats: DomainStatsRecord[] }>;
  domainGetMessages?(a: { dom: DomainRef; flags: number }): Promise<{ msgs: string[] }>;
  domainScreenshot?(a: { dom: DomainRef; screen: number; flags: number }): Promise<{ mime: string | null; data: Uint8Array }>;

  domainSnapshotCreateXML?(a: { dom: DomainRef; xml_desc: string; flags: number }): Promise<{ snap: SnapshotRef }>;
  domainListAllSnapshots?(a: { dom: DomainRef; need_results: number; flags: number }): Promise<{ snapshots: SnapshotRef[]; ret: number }>;
  domainSnapshotNum?(a: { dom: DomainRef; flags: number }): Promise<{ num: number }>;
  domainSnapshotListNames?(a: { dom: DomainRef; maxnames: number; flags: number }): Promise<{ names: string[] }>;
  domainSnapshotLookupByName?(a: { dom: DomainRef; name: string; flags: number }): Promise<{ snap: SnapshotRef }>;
  domainSnapshotGetXMLDesc?(a: { snap: SnapshotRef; flags: number }): Promise<{ xml: string }>;
  domainSnapshotGetParent?(a: { snap: SnapshotRef; flags: number }): Promise<{ snap: SnapshotRef }>;
  domainSnapshotCurrent?(a: { dom: DomainRef; flags: number }): Promise<{ snap: SnapshotRef }>;
  domainHasCurrentSnapshot?(a: { dom: DomainRef; flags: number }): Promise<{ result: number }>;
  domainSnapshotIsCurrent?(a: { snap: SnapshotRef; flags: number }): Promise<{ current: number }>;
  domainSnapshotHasMetadata?(a: { snap: SnapshotRef; flags: number }): Promise<{ metadata: number }>;
  domainSnapshotListAllChildren?(a: { snapshot: SnapshotRef; need_results: number; flags: number }): Promise<{ snapshots: SnapshotRef[]; ret: number }>;
  domainSnapshotDelete?(a: { snap: SnapshotRef; flags: number }): Void;
  domainRevertToSnapshot?(a: { snap: SnapshotRef; flags: number }): Void;

  connectListAllNetworks?(a: { need_results: number; flags: number }): Promise<{ nets: NetworkRef[]; ret: number }>;
  connectNumOfNetworks?(): Promise<{ num: number }>;
  connectListNetworks?(a: { maxnames: number }): Promise<{ names: string[] }>;
  connectNumOfDefinedNetworks?(): Promise<{ num: number }>;
  connectListDefinedNetworks?(a: { maxnames: number }): Promise<{ names: string[] }>;
  networkLookupByName?(a: { name: string }): Promise<{ net: NetworkRef }>;
  networkLookupByUUID?(a: { uuid: string }): Promise<{ net: NetworkRef }>;
  networkDefineXML?(a: { xml: string }): Promise<{ net: NetworkRef }>;
  networkCreateXML?(a: { xml: string }): Promise<{ net: NetworkRef }>;
  networkUndefine?(a: { net: NetworkRef }): Void;
  networkCreate?(a: { net: NetworkRef }): Void;
  networkDestroy?(a: { net: NetworkRef }): Void;
  networkGetXMLDesc?(a: { net: NetworkRef; flags: number }): Promise<{ xml: string }>;
  networkGetBridgeName?(a: { net: NetworkRef }): Promise<{ name: string }>;
  networkGetAutostart?(a: { net: NetworkRef }): Promise<{ autostart: number }>;
  networkSetAutostart?(a: { net: NetworkRef; autostart: number }): Void;
  networkIsActive?(a: { net: NetworkRef }): Promise<{ active: number }>;
  networkIsPersistent?(a: { net: NetworkRef }): Promise<{ persistent: number }>;

  connectListAllStoragePools?(a: { need_results: number; flags: number }): Promise<{ pools: StoragePoolRef[]; ret: number }>;
  connectNumOfStoragePools?(): Promise<{ num: number }>;
  connectListStoragePools?(a: { maxnames: number }): Promise<{ names: string[] }>;
  connectNumOfDefinedStoragePools?(): Promise<{ num: number }>;
  connectListDefinedStoragePools?(a: { maxnames: number }): Promise<{ names: string[] }>;
  storagePoolLookupByName?(a: { name: string }): Promise<{ pool: StoragePoolRef }>;
  storagePoolLookupByUUID?(a: { uuid: string }): Promise<{ pool: StoragePoolRef }>;
  storagePoolLookupByVolume?(a: { vol: StorageVolRef }): Promise<{ pool: StoragePoolRef }>;
  storagePoolDefineXML?(a: { xml: string; flags: number }): Promise<{ pool: StoragePoolRef }>;
  storagePoolCreateXML?(a: { xml: string; flags: number }): Promise<{ pool: StoragePoolRef }>;
  storagePoolBuild?(a: { pool: StoragePoolRef; flags: number }): Void;
  storagePoolUndefine?(a: { pool: StoragePoolRef }): Void;
  storagePoolCreate?(a: { pool: StoragePoolRef; flags: number }): Void;
  storagePoolDestroy?(a: { pool: StoragePoolRef }): Void;
  storagePoolDelete?(a: { pool: StoragePoolRef; flags: number }): Void;
  storagePoolRefresh?(a: { pool: StoragePoolRef; flags: number }): Void;
  storagePoolGetInfo?(a: { pool: StoragePoolRef }): Promise<{ state: number; capacity: number; allocation: number; available: number }>;
  storagePoolGetXMLDesc?(a: { pool: StoragePoolRef; flags: number }): Promise<{ xml: string }>;
  storagePoolGetAutostart?(a: { pool: StoragePoolRef }): Promise<{ autostart: number }>;
  storagePoolSetAutostart?(a: { pool: StoragePoolRef; autostart: number }): Void;
  storagePoolIsActive?(a: { pool: StoragePoolRef }): Promise<{ active: number }>;
  storagePoolIsPersistent?(a: { pool: StoragePoolRef }): Promise<{ persistent: number }>;
  storagePoolNumOfVolumes?(a: { pool: StoragePoolRef }): Promise<{ num: number }>;
  storagePoolListVolumes?(a: { pool: StoragePoolRef; maxnames: number }): Promise<{ names: string[] }>;
  storagePoolListAllVolumes?(a: { pool: StoragePoolRef; need_results: number; flags: number }): Promise<{ vols: StorageVolRef[]; ret: number }>;
  storageVolLookupByName?(a: { pool: StoragePoolRef; name: string }): Promise<{ vol: StorageVolRef }>;
  storageVolLookupByKey?(a: { key: string }): Promise<{ vol: StorageVolRef }>;
  storageVolLookupByPath?(a: { path: string }): Promise<{ vol: StorageVolRef }>;
  storageVolCreateXML?(a: { pool: StoragePoolRef; xml: string; flags: number }): Promise<{ vol: StorageVolRef }>;
  storageVolDelete?(a: { vol: StorageVolRef; flags: number }): Void;
  storageVolGetInfo?(a: { vol: StorageVolRef }): Promise<{ type: number; capacity: number; allocation: number }>;
  storageVolGetXMLDesc?(a: { vol: StorageVolRef; flags: number }): Promise<{ xml: string }>;
  storageVolGetPath?(a: { vol: StorageVolRef }): Promise<{ name: string }>;

  connectListAllInterfaces?(a: { need_results: number; flags: number }): Promise<{ ifaces: InterfaceRef[]; ret: number }>;
  interfaceLookupByName?(a: { name: string }): Promise<{ iface: InterfaceRef }>;
  interfaceLookupByMACString?(a: { mac: string }): Promise<{ iface: InterfaceRef }>;
  interfaceGetXMLDesc?(a: { iface: InterfaceRef; flags: number }): Promise<{ xml: string }>;
  interfaceIsActive?(a: { iface: InterfaceRef }): Promise<{ active: number }>;

  connectListAllNodeDevices?(a: { need_results: number; flags: number }): Promise<{ devices: NodeDeviceRef[]; ret: number }>;
  nodeNumOfDevices?(a: { cap: string | null; flags: number }): Promise<{ num: number }>;
  nodeListDevices?(a: { cap: string | null; maxnames: number; flags: number }): Promise<{ names: string[] }>;
  nodeDeviceLookupByName?(a: { name: string }): Promise<{ dev: NodeDeviceRef }>;
  nodeDeviceGetXMLDesc?(a: { name: string; flags: number }): Promise<{ xml: string }>;
  nodeDeviceGetParent?(a: { name: string }): Promise<{ parentName: string | null }>;

  /** Subscribe to this connection's events; returns the unsubscribe function. */
  subscribeEvents?(listener: (ev: DriverEvent) => void): () => void;
  /** Resolves once the events subscribed so far reach this connection (a daemon has registered them). */
  eventsReady?(): Promise<void>;
}
/* eslint-enable @typescript-eslint/member-ordering */

export type DriverMethod = Exclude<keyof DriverConnection, 'connectClose' | 'subscribeEvents' | 'eventsReady'>;

/**
 * The contract methods a read-only connection refuses (virCheckReadOnlyGoto
 * in libvirt's API files): the ones whose REMOTE table entry is not
 * read-only (remote.test.ts checks the two agree). Besides the read-only
 * check, drivers use it to know which calls may change state.
 */
export const WRITE_METHODS: ReadonlySet<string> = new Set([
  'domainDefineXML', 'domainDefineXMLFlags', 'domainCreateXML', 'domainUndefine', 'domainUndefineFlags',
  'domainCreate', 'domainCreateWithFlags', 'domainDestroy', 'domainDestroyFlags', 'domainShutdown',
  'domainShutdownFlags', 'domainReboot', 'domainReset', 'domainSuspend', 'domainResume', 'domainSetAutostart',
  'domainSetMemory', 'domainSetMemoryFlags', 'domainSetMaxMemory', 'domainSetVcpus', 'domainSetVcpusFlags',
  'domainSetSchedulerParameters', 'domainSetSchedulerParametersFlags', 'domainScreenshot', 'domainGetTime',
  'domainSnapshotCreateXML', 'domainSnapshotDelete', 'domainRevertToSnapshot',
  'networkDefineXML', 'networkCreateXML', 'networkUndefine', 'networkCreate', 'networkDestroy', 'networkSetAutostart',
  'storagePoolDefineXML', 'storagePoolCreateXML', 'storagePoolBuild', 'storagePoolUndefine', 'storagePoolCreate',
  'storagePoolDestroy', 'storagePoolDelete', 'storagePoolRefresh', 'storagePoolSetAutostart',
  'storageVolCreateXML', 'storageVolDelete', 'connectGetDomainCapabilities',
]);

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
  return 'vir' + method[0]!.toUpperCase() + method.slice(1);
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
  if (method.startsWith('domain') || method === 'connectGetDomainCapabilities') return ErrorDomain.DOMAIN;
  if (method.startsWith('network')) return ErrorDomain.NETWORK;
  if (method.startsWith('storage')) return ErrorDomain.STORAGE;
  if (method.startsWith('interface')) return ErrorDomain.INTERFACE;
  if (method.startsWith('nodeDevice') || method === 'nodeNumOfDevices' || method === 'nodeListDevices') return ErrorDomain.NODEDEV;
  return ErrorDomain.NONE;
}
