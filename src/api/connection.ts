/**
 * virConnect: a reference-counted connection over one driver connection.
 * Methods follow libvirt's C API names with `vir` and the connection
 * argument dropped (virConnectListAllDomains → listAllDomains,
 * virDomainLookupByName → domainLookupByName).
 */
import {
  apiNameFor, callDriver, eventObjectKey, normalizeEvent, readOnlyDenial,
  type DomainRef, type DriverConnection, type DriverEvent, type DriverMethod,
  type InterfaceRef, type NetworkRef, type NodeDeviceRef, type SnapshotRef, type StoragePoolRef, type StorageVolRef,
  type TypedParam,
} from '../driver/driver.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { formatURI, type ParsedURI } from '../uri/index.js';
import { ConnectFlags, DomainXMLFlags } from './constants.js';
import { ConnectionMethods } from './generated.js';
import { formatUUIDBytes, parseUUIDText } from '../util/uuid.js';
import { LIB_VERSION } from '../version.js';
import { wrapObject, type ObjectTypes } from './object-registry.js';
import { EVENT_KINDS, eventFields, type EventFamily } from '../protocol/index.js';
import {
  Domain, DomainSnapshot, Interface, Network, NodeDevice, Secret, StoragePool, StorageVol, Stream,
} from './objects.js';

/** What a close callback receives: the connection and virConnectCloseReason (0 error, 1 EOF, 2 keepalive, 3 client). */
export type CloseCallback = (conn: Connection, reason: number) => void;

/** What a domain event listener receives. */
export type DomainEventCallback = (conn: Connection, dom: Domain, event: number, detail: number) => void;

/** What any event listener receives: the connection, the object, then the event's fields in message order. */
export type EventCallback<O> = (conn: Connection, obj: O, ...fields: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

interface EventRegistration {
  id: number;
  family: EventFamily;
  eventID: number;
  /** UUID (node device: name) of the one object it is for; null = all. */
  key: string | null;
  cb: EventCallback<object>;
  /** The callback of virConnectDomainEventRegister, which deregisters by callback. */
  legacy: DomainEventCallback | null;
  /** QEMU monitor events: the event-name filter. */
  match: ((name: string) => boolean) | null;
}

/** The object each event family's handle becomes. */
const OBJECT_KIND = {
  domain: 'Domain', network: 'Network', pool: 'StoragePool', nodedev: 'NodeDevice', secret: 'Secret', qemu: 'Domain',
} as const satisfies Record<EventFamily, keyof ObjectTypes>;

export class Connection extends ConnectionMethods implements AsyncDisposable {
  readonly #drv: DriverConnection;
  readonly #uri: ParsedURI | null;
  readonly #flags: number;
  #refs = 1;
  #closing: Promise<void> | null = null;
  #eventCallbacks: EventRegistration[] = [];
  readonly #pendingRegistrations = new Set<Promise<void>>();
  #nextCallbackId = 0;
  #unsubscribe: (() => void) | null = null;
  #closeCb: CloseCallback | null = null;
  #closeUnsubscribe: (() => void) | null = null;

  /** @internal Use open(), openReadOnly() or openAuth(). */
  constructor(drv: DriverConnection, uri: ParsedURI | null, flags: number) {
    super();
    this.#drv = drv;
    this.#uri = uri;
    this.#flags = flags;
  }

  /** True for connections opened read-only. */
  get isReadOnly(): boolean {
    return (this.#flags & ConnectFlags.RO) !== 0;
  }

  /** @internal The driver connection, for layers that forward calls (the daemon). */
  get driver(): DriverConnection {
    return this.#drv;
  }

  /**
   * Calls the driver, applying the checks libvirt's public API does first:
   * a closed connection and, on read-only connections, the write calls.
   * @internal
   */
  async call<M extends DriverMethod>(method: M, ...args: Parameters<NonNullable<DriverConnection[M]>>):
    Promise<Awaited<ReturnType<NonNullable<DriverConnection[M]>>>> {
    if (this.#refs <= 0) {
      throw VirtError.report(ErrorCode.INVALID_CONN, ErrorDomain.NONE, apiNameFor(method));
    }
    if (this.isReadOnly) {
      const denial = readOnlyDenial(method, args[0]);
      if (denial) throw denial;
    }
    return callDriver(this.#drv, method, ...args);
  }

  /** virConnectRef. */
  ref(): this {
    this.#refs++;
    return this;
  }

  /** @internal Drops one reference; the last one closes the driver connection. */
  unref(): number {
    if (this.#refs <= 0) return 0;
    this.#refs--;
    if (this.#refs === 0) {
      this.#unsubscribe?.();
      this.#unsubscribe = null;
      this.#closing = this.#drv.connectClose();
    }
    return this.#refs;
  }

  /**
   * virConnectClose: drops the caller's reference and returns how many are
   * left (objects still alive hold theirs). At zero the driver connection is
   * closed and this resolves once it is.
   */
  async close(): Promise<number> {
    if (this.#refs <= 0) {
      throw VirtError.report(ErrorCode.INVALID_CONN, ErrorDomain.NONE, 'virConnectClose');
    }
    const left = this.unref();
    if (left === 0) await this.#closing;
    return left;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#refs > 0) await this.close();
  }

  // ---- the connection itself -------------------------------------------

  /** virConnectGetURI: the URI this connection was opened with, canonicalised. */
  async getURI(): Promise<string> {
    if (this.#uri) return formatURI(this.#uri);
    return (await this.call('connectGetURI')).uri;
  }

  async getType(): Promise<string> { return (await this.call('connectGetType')).type; }
  async getVersion(): Promise<number> { return (await this.call('connectGetVersion')).hv_ver; }
  async getLibVersion(): Promise<number> {
    if (this.#drv.connectGetLibVersion) return (await this.call('connectGetLibVersion')).lib_ver;
    return LIB_VERSION;
  }
  async getHostname(): Promise<string> { return (await this.call('connectGetHostname')).hostname; }
  async getCapabilities(): Promise<string> { return (await this.call('connectGetCapabilities')).capabilities; }
  async getSysinfo(flags = 0): Promise<string> { return (await this.call('connectGetSysinfo', { flags })).sysinfo; }
  async getMaxVcpus(type: string | null = null): Promise<number> {
    return (await this.call('connectGetMaxVcpus', { type })).max_vcpus;
  }
  async getDomainCapabilities(emulatorbin: string | null = null, arch: string | null = null,
    machine: string | null = null, virttype: string | null = null, flags = 0): Promise<string> {
    return (await this.call('connectGetDomainCapabilities', { emulatorbin, arch, machine, virttype, flags })).capabilities;
  }
  /**
   * virConnectSetKeepAlive: ping the daemon after `interval` idle seconds,
   * give up after `count` unanswered pings (interval ≤ 0 turns it off).
   * Returns 1 when the daemon cannot do keepalive. Only remote connections
   * have it; others fail with NO_SUPPORT, as in libvirt.
   */
  async setKeepAlive(interval: number, count: number): Promise<number> {
    return (await this.call('connectSetKeepAlive', { interval, count })).ret;
  }
  async isSecure(): Promise<boolean> { return (await this.call('connectIsSecure')).secure !== 0; }
  async isEncrypted(): Promise<boolean> { return (await this.call('connectIsEncrypted')).encrypted !== 0; }
  async isAlive(): Promise<boolean> {
    if (this.#refs <= 0) return false;
    return (await this.call('connectIsAlive')).alive !== 0;
  }

  // ---- host node ---------------------------------------------------------

  async nodeGetInfo() { return this.call('nodeGetInfo'); }
  /** virNodeGetFreeMemory: 0 from the driver is a failure, with libvirt's generic error when none was raised. */
  async nodeGetFreeMemory(): Promise<number> {
    const { freeMem } = await this.call('nodeGetFreeMemory');
    if (freeMem === 0) {
      throw new VirtError(ErrorCode.INTERNAL_ERROR, 'An error occurred, but the cause is unknown', ErrorDomain.NONE);
    }
    return freeMem;
  }
  async nodeGetCellsFreeMemory(startCell: number, maxCells: number): Promise<number[]> {
    return (await this.call('nodeGetCellsFreeMemory', { startCell, maxcells: maxCells })).cells;
  }
  async nodeGetSecurityModel() { return this.call('nodeGetSecurityModel'); }
  /** virNodeGetCPUMap: the number of host CPUs, which are online (bit n = CPU n) and how many. */
  async nodeGetCPUMap(flags = 0): Promise<{ cpus: number; cpumap: Uint8Array; online: number }> {
    const r = await this.call('nodeGetCPUMap', { need_map: 1, need_online: 1, flags });
    return { cpus: r.ret, cpumap: r.cpumap, online: r.online };
  }

  // ---- domains -----------------------------------------------------------

  /** @internal */ wrapDomain(ref: DomainRef): Domain { return new Domain(this, ref); }

  async listAllDomains(flags = 0): Promise<Domain[]> {
    const r = await this.call('connectListAllDomains', { need_results: 1, flags });
    return r.domains.map((d) => this.wrapDomain(d));
  }
  async numOfDomains(): Promise<number> { return (await this.call('connectNumOfDomains')).num; }
  async listDomains(maxids = 16384): Promise<number[]> { return (await this.call('connectListDomains', { maxids })).ids; }
  async numOfDefinedDomains(): Promise<number> { return (await this.call('connectNumOfDefinedDomains')).num; }
  async listDefinedDomains(maxnames = 16384): Promise<string[]> {
    return (await this.call('connectListDefinedDomains', { maxnames })).names;
  }
  async domainLookupByID(id: number): Promise<Domain> {
    return this.wrapDomain((await this.call('domainLookupByID', { id })).dom);
  }
  async domainLookupByName(name: string): Promise<Domain> {
    return this.wrapDomain((await this.call('domainLookupByName', { name })).dom);
  }
  async domainLookupByUUIDString(uuid: string): Promise<Domain> {
    return this.wrapDomain((await this.call('domainLookupByUUID', { uuid: parseUUID(uuid, 'virDomainLookupByUUIDString') })).dom);
  }
  async domainLookupByUUID(uuid: Uint8Array | string): Promise<Domain> {
    return this.domainLookupByUUIDString(typeof uuid === 'string' ? uuid : formatUUIDBytes(uuid));
  }
  async domainDefineXML(xml: string): Promise<Domain> {
    return this.wrapDomain((await this.call('domainDefineXML', { xml })).dom);
  }
  async domainDefineXMLFlags(xml: string, flags = 0): Promise<Domain> {
    if (flags === 0 && !this.#drv.domainDefineXMLFlags) return this.domainDefineXML(xml);
    return this.wrapDomain((await this.call('domainDefineXMLFlags', { xml, flags })).dom);
  }
  async domainCreateXML(xml: string, flags = 0): Promise<Domain> {
    return this.wrapDomain((await this.call('domainCreateXML', { xml_desc: xml, flags })).dom);
  }
  /**
   * virConnectGetAllDomainStats, or with `domains` virDomainListGetStats:
   * each domain with its `stats` groups (VIR_DOMAIN_STATS_*, 0 = all the
   * driver has) as typed parameters.
   */
  async getAllDomainStats(stats = 0, flags = 0, domains: Domain[] = []): Promise<Array<{ dom: Domain; params: TypedParam[] }>> {
    const r = await this.call('connectGetAllDomainStats', { doms: domains.map((d) => d.ref), stats, flags });
    return r.retStats.map((s) => ({ dom: this.wrapDomain(s.dom), params: s.params }));
  }

  // ---- networks ----------------------------------------------------------

  /** @internal */ wrapNetwork(ref: NetworkRef): Network { return new Network(this, ref); }

  async listAllNetworks(flags = 0): Promise<Network[]> {
    return (await this.call('connectListAllNetworks', { need_results: 1, flags })).nets.map((n) => this.wrapNetwork(n));
  }
  async numOfNetworks(): Promise<number> { return (await this.call('connectNumOfNetworks')).num; }
  async listNetworks(maxnames = 16384): Promise<string[]> { return (await this.call('connectListNetworks', { maxnames })).names; }
  async numOfDefinedNetworks(): Promise<number> { return (await this.call('connectNumOfDefinedNetworks')).num; }
  async listDefinedNetworks(maxnames = 16384): Promise<string[]> {
    return (await this.call('connectListDefinedNetworks', { maxnames })).names;
  }
  async networkLookupByName(name: string): Promise<Network> {
    return this.wrapNetwork((await this.call('networkLookupByName', { name })).net);
  }
  async networkLookupByUUIDString(uuid: string): Promise<Network> {
    return this.wrapNetwork((await this.call('networkLookupByUUID', { uuid: parseUUID(uuid, 'virNetworkLookupByUUIDString') })).net);
  }
  async networkDefineXML(xml: string): Promise<Network> {
    return this.wrapNetwork((await this.call('networkDefineXML', { xml })).net);
  }
  async networkCreateXML(xml: string): Promise<Network> {
    return this.wrapNetwork((await this.call('networkCreateXML', { xml })).net);
  }

  // ---- storage -----------------------------------------------------------

  /** @internal */ wrapStoragePool(ref: StoragePoolRef): StoragePool { return new StoragePool(this, ref); }
  /** @internal */ wrapStorageVol(ref: StorageVolRef): StorageVol { return new StorageVol(this, ref); }

  async listAllStoragePools(flags = 0): Promise<StoragePool[]> {
    return (await this.call('connectListAllStoragePools', { need_results: 1, flags })).pools.map((p) => this.wrapStoragePool(p));
  }
  async numOfStoragePools(): Promise<number> { return (await this.call('connectNumOfStoragePools')).num; }
  async listStoragePools(maxnames = 16384): Promise<string[]> {
    return (await this.call('connectListStoragePools', { maxnames })).names;
  }
  async numOfDefinedStoragePools(): Promise<number> { return (await this.call('connectNumOfDefinedStoragePools')).num; }
  async listDefinedStoragePools(maxnames = 16384): Promise<string[]> {
    return (await this.call('connectListDefinedStoragePools', { maxnames })).names;
  }
  async storagePoolLookupByName(name: string): Promise<StoragePool> {
    return this.wrapStoragePool((await this.call('storagePoolLookupByName', { name })).pool);
  }
  async storagePoolLookupByUUIDString(uuid: string): Promise<StoragePool> {
    return this.wrapStoragePool((await this.call('storagePoolLookupByUUID',
      { uuid: parseUUID(uuid, 'virStoragePoolLookupByUUIDString') })).pool);
  }
  async storagePoolDefineXML(xml: string, flags = 0): Promise<StoragePool> {
    return this.wrapStoragePool((await this.call('storagePoolDefineXML', { xml, flags })).pool);
  }
  async storagePoolCreateXML(xml: string, flags = 0): Promise<StoragePool> {
    return this.wrapStoragePool((await this.call('storagePoolCreateXML', { xml, flags })).pool);
  }
  async storageVolLookupByKey(key: string): Promise<StorageVol> {
    return this.wrapStorageVol((await this.call('storageVolLookupByKey', { key })).vol);
  }
  async storageVolLookupByPath(path: string): Promise<StorageVol> {
    return this.wrapStorageVol((await this.call('storageVolLookupByPath', { path })).vol);
  }

  // ---- interfaces and node devices --------------------------------------

  async listAllInterfaces(flags = 0): Promise<Interface[]> {
    return (await this.call('connectListAllInterfaces', { need_results: 1, flags })).ifaces.map((i) => new Interface(this, i));
  }
  async interfaceLookupByName(name: string): Promise<Interface> {
    return new Interface(this, (await this.call('interfaceLookupByName', { name })).iface);
  }
  async interfaceLookupByMACString(mac: string): Promise<Interface> {
    return new Interface(this, (await this.call('interfaceLookupByMACString', { mac })).iface);
  }
  async listAllNodeDevices(flags = 0): Promise<NodeDevice[]> {
    return (await this.call('connectListAllNodeDevices', { need_results: 1, flags })).devices.map((d) => new NodeDevice(this, d));
  }
  async nodeNumOfDevices(cap: string | null = null, flags = 0): Promise<number> {
    return (await this.call('nodeNumOfDevices', { cap, flags })).num;
  }
  async nodeListDevices(cap: string | null = null, maxnames = 65536, flags = 0): Promise<string[]> {
    return (await this.call('nodeListDevices', { cap, maxnames, flags })).names;
  }
  async nodeDeviceLookupByName(name: string): Promise<NodeDevice> {
    return new NodeDevice(this, (await this.call('nodeDeviceLookupByName', { name })).dev);
  }

  // ---- streams -----------------------------------------------------------

  /** virStreamNew. */
  newStream(flags = 0): Stream {
    return new Stream(this, flags);
  }

  // ---- events ------------------------------------------------------------

  /**
   * virConnectDomainEventRegisterAny: `cb(conn, dom, ...)` gets the event's
   * fields in libvirt's callback order (lifecycle: event, detail; rtc-change:
   * offset; …, see protocol/events.ts), for every domain or only `dom`.
   */
  domainEventRegisterAny(dom: Domain | null, eventID: number, cb: EventCallback<Domain>): number {
    return this.#addEventCallback('domain', dom, eventID, cb as EventCallback<object>, 'virConnectDomainEventRegisterAny');
  }

  /** virConnectDomainEventDeregisterAny. */
  domainEventDeregisterAny(callbackID: number): void {
    this.#removeEventCallback('domain', callbackID);
  }

  /** virConnectDomainEventRegister: the old lifecycle-only registration, keyed by the callback. */
  domainEventRegister(cb: DomainEventCallback): void {
    if (this.#eventCallbacks.some((c) => c.legacy === cb)) {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, 'event callback already tracked');
    }
    const id = this.#addEventCallback('domain', null, 0, cb as EventCallback<object>, 'virConnectDomainEventRegister');
    this.#eventCallbacks.find((c) => c.id === id)!.legacy = cb;
  }

  /** virConnectDomainEventDeregister. */
  domainEventDeregister(cb: DomainEventCallback): void {
    const c = this.#eventCallbacks.find((x) => x.legacy === cb);
    if (!c) throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, 'event callback function not found');
    this.#removeEventCallback('domain', c.id);
  }

  /** virConnectNetworkEventRegisterAny: `cb(conn, net, event, detail)` for lifecycle (0). */
  networkEventRegisterAny(net: Network | null, eventID: number, cb: EventCallback<Network>): number {
    return this.#addEventCallback('network', net, eventID, cb as EventCallback<object>, 'virConnectNetworkEventRegisterAny');
  }

  /** virConnectNetworkEventDeregisterAny. */
  networkEventDeregisterAny(callbackID: number): void {
    this.#removeEventCallback('network', callbackID);
  }

  /** virConnectStoragePoolEventRegisterAny: lifecycle (0: event, detail) and refresh (1). */
  storagePoolEventRegisterAny(pool: StoragePool | null, eventID: number, cb: EventCallback<StoragePool>): number {
    return this.#addEventCallback('pool', pool, eventID, cb as EventCallback<object>, 'virConnectStoragePoolEventRegisterAny');
  }

  /** virConnectStoragePoolEventDeregisterAny. */
  storagePoolEventDeregisterAny(callbackID: number): void {
    this.#removeEventCallback('pool', callbackID);
  }

  /** virConnectNodeDeviceEventRegisterAny: lifecycle (0: event, detail) and update (1). */
  nodeDeviceEventRegisterAny(dev: NodeDevice | null, eventID: number, cb: EventCallback<NodeDevice>): number {
    return this.#addEventCallback('nodedev', dev, eventID, cb as EventCallback<object>, 'virConnectNodeDeviceEventRegisterAny');
  }

  /** virConnectNodeDeviceEventDeregisterAny. */
  nodeDeviceEventDeregisterAny(callbackID: number): void {
    this.#removeEventCallback('nodedev', callbackID);
  }

  /** virConnectSecretEventRegisterAny: lifecycle (0: event, detail) and value-changed (1). */
  secretEventRegisterAny(secret: Secret | null, eventID: number, cb: EventCallback<Secret>): number {
    return this.#addEventCallback('secret', secret, eventID, cb as EventCallback<object>, 'virConnectSecretEventRegisterAny');
  }

  /** virConnectSecretEventDeregisterAny. */
  secretEventDeregisterAny(callbackID: number): void {
    this.#removeEventCallback('secret', callbackID);
  }

  /**
   * virConnectDomainQemuMonitorEventRegister: `cb(conn, dom, event, seconds,
   * micros, details)` for QEMU monitor events named `event` (all if null;
   * a regular expression with flag REGEX = 1, NOCASE = 2 ignores case).
   */
  domainQemuMonitorEventRegister(dom: Domain | null, event: string | null, cb: EventCallback<Domain>, flags = 0): number {
    const api = 'virConnectDomainQemuMonitorEventRegister';
    if (flags & ~3) throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `unsupported flags (0x${(flags & ~3).toString(16)}) in function ${api}`);
    let match: ((name: string) => boolean) | null = null;
    if (event !== null) {
      if (flags & 1) {
        let re: RegExp;
        try {
          re = new RegExp(event, flags & 2 ? 'i' : '');
        } catch {
          throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `failed to compile regex '${event}'`);
        }
        match = (n) => re.test(n);
      } else {
        match = flags & 2 ? (n) => n.toLowerCase() === event.toLowerCase() : (n) => n === event;
      }
    }
    const id = this.#addEventCallback('qemu', dom, 0, cb as EventCallback<object>, api);
    if (match) this.#eventCallbacks.find((c) => c.id === id)!.match = match;
    return id;
  }

  /** virConnectDomainQemuMonitorEventDeregister. */
  domainQemuMonitorEventDeregister(callbackID: number): void {
    this.#removeEventCallback('qemu', callbackID);
  }

  /**
   * Resolves once the callbacks registered so far can fire: over a daemon,
   * registration is asynchronous (libvirt's is a synchronous RPC).
   */
  async eventsReady(): Promise<void> {
    await Promise.all(this.#pendingRegistrations);
    await this.#drv.eventsReady?.();
  }

  #addEventCallback(family: EventFamily, obj: { ref: unknown } | null, eventID: number, cb: EventCallback<object>,
    api: string): number {
    if (this.#refs <= 0) throw VirtError.report(ErrorCode.INVALID_CONN, ErrorDomain.NONE, api);
    const last = EVENT_KINDS[family].length;
    if (family !== 'qemu' && (!Number.isInteger(eventID) || eventID < 0 || eventID >= last)) {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `eventID in ${api} must be less than ${last}`);
    }
    if (!this.#drv.subscribeEvents || this.#drv.supportsEvents?.(family) === false) {
      throw VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.NONE, api);
    }
    this.#unsubscribe ??= this.#drv.subscribeEvents((ev) => this.#dispatch(ev));
    const id = this.#nextCallbackId++;
    this.#eventCallbacks.push({ id, family, eventID, key: obj ? eventObjectKey(obj.ref) : null, cb, legacy: null, match: null });
    if (this.#drv.eventRegister) {
      const p = this.#drv.eventRegister(family, eventID);
      this.#pendingRegistrations.add(p);
      const done = (): void => { this.#pendingRegistrations.delete(p); };
      p.then(done, done);
    }
    return id;
  }

  #removeEventCallback(family: EventFamily, callbackID: number): void {
    const i = this.#eventCallbacks.findIndex((c) => c.id === callbackID && c.family === family);
    if (i < 0) {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE,
        `could not find event callback ${callbackID} for deletion`);
    }
    const [c] = this.#eventCallbacks.splice(i, 1);
    this.#drv.eventDeregister?.(family, c!.eventID).catch(() => undefined);
    if (this.#eventCallbacks.length === 0) {
      this.#unsubscribe?.();
      this.#unsubscribe = null;
    }
  }

  /**
   * virConnectRegisterCloseCallback: `cb` runs once when the connection
   * ends other than by close() — the daemon went away (EOF), keepalive
   * timed out, or an I/O error — with virConnectCloseReason.
   */
  registerCloseCallback(cb: CloseCallback): void {
    if (this.#refs <= 0) throw VirtError.report(ErrorCode.INVALID_CONN, ErrorDomain.NONE, 'virConnectRegisterCloseCallback');
    if (this.#closeCb) {
      throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.NONE, 'A close callback is already registered');
    }
    if (!this.#drv.subscribeEvents) return; // a local driver never closes under the caller
    this.#closeCb = cb;
    this.#closeUnsubscribe = this.#drv.subscribeEvents((ev) => {
      if (ev.kind !== 'connection-closed' || this.#closeCb !== cb) return;
      this.#closeCb = null;
      this.#closeUnsubscribe?.();
      this.#closeUnsubscribe = null;
      cb(this, ev.reason);
    });
  }

  /** virConnectUnregisterCloseCallback. */
  unregisterCloseCallback(cb: CloseCallback): void {
    if (this.#closeCb !== cb) {
      throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.NONE, 'A different callback was requested');
    }
    this.#closeCb = null;
    this.#closeUnsubscribe?.();
    this.#closeUnsubscribe = null;
  }

  #dispatch(ev: DriverEvent): void {
    const n = normalizeEvent(ev);
    if (!n) return;
    const key = eventObjectKey(n.obj);
    const fields = eventFields(n.family, n.eventID);
    const args = fields.map((f) => n.data[f]);
    for (const c of [...this.#eventCallbacks]) {
      if (c.family !== n.family || c.eventID !== n.eventID || (c.key !== null && c.key !== key)) continue;
      if (c.match && !c.match(String(n.data['event']))) continue;
      const obj = wrapObject(OBJECT_KIND[n.family], this, n.obj as never);
      try {
        c.cb(this, obj, ...args);
      } finally {
        obj.free();
      }
    }
  }
}

/** libvirt 9.0.0, the version this stack is compatible with (virConnectGetLibVersion). */
export { LIB_VERSION };

/**
 * virUUIDParse for the library's *LookupByUUIDString: the canonical form, or
 * libvirt's INVALID_ARG naming the API.
 */
export function parseUUID(text: string, api = 'virUUIDParse'): string {
  const u = parseUUIDText(text);
  if (u === null) {
    // virReportInvalidArg: the message is the text alone, without "invalid argument: ".
    throw new VirtError(ErrorCode.INVALID_ARG, `uuidstr in ${api} must be a valid UUID`, ErrorDomain.NONE,
      { str1: api, str2: 'uuidstr' });
  }
  return u;
}

export { formatUUIDBytes };

export type { SnapshotRef, InterfaceRef, NodeDeviceRef };
export { DomainSnapshot, DomainXMLFlags };
