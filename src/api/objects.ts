/**
 * The objects of a connection (virDomain, virNetwork, virStoragePool,
 * virStorageVol, virInterface, virNodeDevice, virDomainSnapshot,
 * virDomainCheckpoint, virSecret, virStream).
 * Each holds a reference on its connection until free() (or `using`), as
 * libvirt's objects do.
 */
import {
  DriverFeature, readOnlyDenial, TYPED_PARAM_STRING_OKAY, type DomainRef, type InterfaceRef, type NetworkRef,
  type NodeDeviceRef, type SnapshotRef, type StoragePoolRef, type StorageVolRef, type TypedParam, type VcpuInfo,
} from '../driver/driver.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { CheckpointRef, NetworkPortRef, NWFilterBindingRef, NWFilterRef, SecretRef } from '../protocol/index.js';
import type { Connection } from './connection.js';
import { ConnObject } from './conn-object.js';
import {
  DomainCheckpointMethods, DomainMethods, DomainSnapshotMethods, InterfaceMethods, NetworkMethods, NetworkPortMethods,
  NodeDeviceMethods, NWFilterBindingMethods, NWFilterMethods, SecretMethods, StoragePoolMethods, StorageVolMethods,
} from './generated.js';
import { registerObjects } from './object-registry.js';
import type { Stream } from './stream.js';

export { Stream } from './stream.js';

const hex = (u: string) => u;


export class Domain extends DomainMethods {
  constructor(conn: Connection, public ref: DomainRef) {
    super(conn);
  }

  /** virDomainGetName. */
  getName(): string { return this.ref.name; }
  /** virDomainGetUUIDString. */
  getUUIDString(): string { return hex(this.ref.uuid); }
  /** virDomainGetUUID: 16 raw bytes. */
  getUUID(): Uint8Array { return Buffer.from(this.ref.uuid.replace(/-/g, ''), 'hex'); }
  /** virDomainGetID: -1 (as unsigned, libvirt's (unsigned)-1) when not running. */
  getID(): number { return this.ref.id; }

  async getInfo() { return this.conn.call('domainGetInfo', { dom: this.ref }); }
  async getState(flags = 0) { return this.conn.call('domainGetState', { dom: this.ref, flags }); }
  async getXMLDesc(flags = 0): Promise<string> {
    return (await this.conn.call('domainGetXMLDesc', { dom: this.ref, flags })).xml;
  }
  async getOSType(): Promise<string> { return (await this.conn.call('domainGetOSType', { dom: this.ref })).type; }
  async getMaxMemory(): Promise<number> { return (await this.conn.call('domainGetMaxMemory', { dom: this.ref })).memory; }
  async getMaxVcpus(): Promise<number> { return (await this.conn.call('domainGetMaxVcpus', { dom: this.ref })).num; }
  async getAutostart(): Promise<boolean> { return (await this.conn.call('domainGetAutostart', { dom: this.ref })).autostart !== 0; }
  async setAutostart(on: boolean | number): Promise<void> {
    await this.conn.call('domainSetAutostart', { dom: this.ref, autostart: on ? 1 : 0 });
  }
  async isActive(): Promise<boolean> { return (await this.conn.call('domainIsActive', { dom: this.ref })).active !== 0; }
  async isPersistent(): Promise<boolean> { return (await this.conn.call('domainIsPersistent', { dom: this.ref })).persistent !== 0; }
  async isUpdated(): Promise<boolean> { return (await this.conn.call('domainIsUpdated', { dom: this.ref })).updated !== 0; }
  async hasManagedSaveImage(flags = 0): Promise<boolean> {
    return (await this.conn.call('domainHasManagedSaveImage', { dom: this.ref, flags })).result !== 0;
  }
  async getSecurityLabel() { return this.conn.call('domainGetSecurityLabel', { dom: this.ref }); }
  async getMessages(flags = 0): Promise<string[]> { return (await this.conn.call('domainGetMessages', { dom: this.ref, flags })).msgs; }

  /** virDomainCreate. Updates this handle's id, as the remote client does. */
  /** virDomainCreate (REMOTE_PROC_DOMAIN_CREATE when the driver has it, as read-only errors name it). */
  async create(): Promise<void> {
    if (!this.conn.driver.domainCreate) return this.createWithFlags(0);
    await this.conn.call('domainCreate', { dom: this.ref });
    this.ref = (await this.conn.call('domainLookupByUUID', { uuid: this.ref.uuid })).dom;
  }
  async createWithFlags(flags = 0): Promise<void> {
    if (flags === 0 && this.conn.driver.domainCreate && !this.conn.driver.domainCreateWithFlags) return this.create();
    this.ref = (await this.conn.call('domainCreateWithFlags', { dom: this.ref, flags })).dom;
  }
  async destroy(): Promise<void> { await this.destroyFlags(0); }
  async destroyFlags(flags = 0): Promise<void> {
    if (flags === 0 && this.conn.driver.domainDestroy) await this.conn.call('domainDestroy', { dom: this.ref });
    else await this.conn.call('domainDestroyFlags', { dom: this.ref, flags });
    this.ref = { ...this.ref, id: -1 };
  }
  async shutdown(): Promise<void> { await this.shutdownFlags(0); }
  async shutdownFlags(flags = 0): Promise<void> {
    if (flags === 0 && this.conn.driver.domainShutdown) await this.conn.call('domainShutdown', { dom: this.ref });
    else await this.conn.call('domainShutdownFlags', { dom: this.ref, flags });
  }
  async reboot(flags = 0): Promise<void> { await this.conn.call('domainReboot', { dom: this.ref, flags }); }
  async reset(flags = 0): Promise<void> { await this.conn.call('domainReset', { dom: this.ref, flags }); }
  async suspend(): Promise<void> { await this.conn.call('domainSuspend', { dom: this.ref }); }
  async resume(): Promise<void> { await this.conn.call('domainResume', { dom: this.ref }); }
  async undefine(): Promise<void> {
    if (this.conn.driver.domainUndefine) await this.conn.call('domainUndefine', { dom: this.ref });
    else await this.undefineFlags(0);
  }
  /** virDomainUndefineFlags (falls back to virDomainUndefine only for drivers without the flags call). */
  async undefineFlags(flags = 0): Promise<void> {
    if (flags === 0 && this.conn.driver.domainUndefine && !this.conn.driver.domainUndefineFlags) await this.undefine();
    else await this.conn.call('domainUndefineFlags', { dom: this.ref, flags });
  }
  async setMemory(kib: number): Promise<void> { await this.conn.call('domainSetMemory', { dom: this.ref, memory: kib }); }
  async setMemoryFlags(kib: number, flags = 0): Promise<void> {
    await this.conn.call('domainSetMemoryFlags', { dom: this.ref, memory: kib, flags });
  }
  async setMaxMemory(kib: number): Promise<void> { await this.conn.call('domainSetMaxMemory', { dom: this.ref, memory: kib }); }
  async setVcpus(n: number): Promise<void> { await this.conn.call('domainSetVcpus', { dom: this.ref, nvcpus: n }); }
  async setVcpusFlags(n: number, flags = 0): Promise<void> {
    await this.conn.call('domainSetVcpusFlags', { dom: this.ref, nvcpus: n, flags });
  }
  async getVcpusFlags(flags = 0): Promise<number> {
    return (await this.conn.call('domainGetVcpusFlags', { dom: this.ref, flags })).num;
  }
  /**
   * virDomainGetVcpus: up to `maxinfo` vCPUs and, with `maplen` > 0, each
   * one's CPU affinity map (maplen bytes per vCPU, bit n = host CPU n).
   */
  async getVcpus(maxinfo: number, maplen: number): Promise<{ info: VcpuInfo[]; cpumaps: Uint8Array[] }> {
    const r = await this.conn.call('domainGetVcpus', { dom: this.ref, maxinfo, maplen });
    const cpumaps: Uint8Array[] = [];
    for (let i = 0; maplen > 0 && i < maxinfo; i++) cpumaps.push(r.cpumaps.slice(i * maplen, (i + 1) * maplen));
    return { info: r.info, cpumaps };
  }
  /** virDomainMemoryStats: up to `nrStats` (tag, value) pairs, values in KiB except last_update (seconds). */
  async memoryStats(nrStats = 13, flags = 0): Promise<Array<{ tag: number; val: number }>> {
    return (await this.conn.call('domainMemoryStats', { dom: this.ref, maxStats: nrStats, flags })).stats;
  }
  /** virDomainGetBlockInfo for a disk target (`vda`) or source path. */
  async getBlockInfo(disk: string, flags = 0): Promise<{ capacity: number; allocation: number; physical: number }> {
    const r = await this.conn.call('domainGetBlockInfo', { dom: this.ref, path: disk, flags });
    return { capacity: r.capacity, allocation: r.allocation, physical: r.physical };
  }
  /** virDomainGetTime: the guest's clock. */
  async getTime(flags = 0): Promise<{ seconds: number; nseconds: number }> {
    return this.conn.call('domainGetTime', { dom: this.ref, flags });
  }
  async getSchedulerType(): Promise<{ type: string; nparams: number }> {
    return this.conn.call('domainGetSchedulerType', { dom: this.ref });
  }
  async getSchedulerParameters(): Promise<TypedParam[]> {
    const { nparams } = await this.getSchedulerType();
    return (await this.conn.call('domainGetSchedulerParameters', { dom: this.ref, nparams })).params;
  }
  async getSchedulerParametersFlags(flags = 0): Promise<TypedParam[]> {
    const { nparams } = await this.getSchedulerType();
    // Like libvirt's API entry point: string parameters are fine when the driver says so.
    const drv = this.conn.driver;
    if (drv.connectSupportsFeature
      && (await drv.connectSupportsFeature({ feature: DriverFeature.TYPED_PARAM_STRING })).supported) {
      flags |= TYPED_PARAM_STRING_OKAY;
    }
    return (await this.conn.call('domainGetSchedulerParametersFlags', { dom: this.ref, nparams, flags })).params;
  }
  async setSchedulerParameters(params: TypedParam[]): Promise<void> {
    await this.conn.call('domainSetSchedulerParameters', { dom: this.ref, params });
  }
  async setSchedulerParametersFlags(params: TypedParam[], flags = 0): Promise<void> {
    await this.conn.call('domainSetSchedulerParametersFlags', { dom: this.ref, params, flags });
  }

  /** virDomainScreenshot: the image comes on `stream` (read it, then finish); returns the MIME type. */
  async screenshot(stream: Stream, screen = 0, flags = 0): Promise<string | null> {
    return (await this.conn.call('domainScreenshot', { dom: this.ref, screen, flags }, stream)).mime;
  }
  /**
   * virDomainOpenConsole: attaches `stream` to the console `devName` (the
   * first console or serial port when null). Flags: FORCE = 1, SAFE = 2.
   */
  async openConsole(devName: string | null, stream: Stream, flags = 0): Promise<void> {
    await this.conn.call('domainOpenConsole', { dom: this.ref, dev_name: devName, flags }, stream);
  }
  /** virDomainOpenChannel: attaches `stream` to the channel `name` (the first when null). Flags: FORCE = 1. */
  async openChannel(name: string | null, stream: Stream, flags = 0): Promise<void> {
    await this.conn.call('domainOpenChannel', { dom: this.ref, name, flags }, stream);
  }

  // snapshots
  /** @internal */ wrapSnapshot(ref: SnapshotRef): DomainSnapshot { return new DomainSnapshot(this.conn, ref); }
  /** virDomainSnapshotCreateXML, with the public API's flag checks. */
  async snapshotCreateXML(xml: string, flags = 0): Promise<DomainSnapshot> {
    const args = { dom: this.ref, xml_desc: xml, flags };
    denyReadOnly(this.conn, 'domainSnapshotCreateXML', args);
    requireFlag(flags, 'VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT', 2, 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE', 1,
      ErrorDomain.DOMAIN_SNAPSHOT);
    exclusiveFlags(flags, 'VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE', 1, 'VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA', 4,
      ErrorDomain.DOMAIN_SNAPSHOT);
    return this.wrapSnapshot((await this.conn.call('domainSnapshotCreateXML', args)).snap);
  }
  /** virDomainCheckpointCreateXML, with the public API's flag checks. */
  async checkpointCreateXML(xml: string, flags = 0): Promise<DomainCheckpoint> {
    const args = { dom: this.ref, xml_desc: xml, flags };
    denyReadOnly(this.conn, 'domainCheckpointCreateXML', args);
    requireFlag(flags, 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE', 4, 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE', 1,
      ErrorDomain.DOMAIN_CHECKPOINT);
    exclusiveFlags(flags, 'VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE', 1, 'VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE', 2,
      ErrorDomain.DOMAIN_CHECKPOINT);
    return new DomainCheckpoint(this.conn, (await this.conn.call('domainCheckpointCreateXML', args)).checkpoint);
  }
  async listAllSnapshots(flags = 0): Promise<DomainSnapshot[]> {
    return (await this.conn.call('domainListAllSnapshots', { dom: this.ref, need_results: 1, flags }))
      .snapshots.map((s) => this.wrapSnapshot(s));
  }
  async snapshotNum(flags = 0): Promise<number> { return (await this.conn.call('domainSnapshotNum', { dom: this.ref, flags })).num; }
  async snapshotListNames(maxnames = 16384, flags = 0): Promise<string[]> {
    return (await this.conn.call('domainSnapshotListNames', { dom: this.ref, maxnames, flags })).names;
  }
  async snapshotLookupByName(name: string, flags = 0): Promise<DomainSnapshot> {
    return this.wrapSnapshot((await this.conn.call('domainSnapshotLookupByName', { dom: this.ref, name, flags })).snap);
  }
  async snapshotCurrent(flags = 0): Promise<DomainSnapshot> {
    return this.wrapSnapshot((await this.conn.call('domainSnapshotCurrent', { dom: this.ref, flags })).snap);
  }
  async hasCurrentSnapshot(flags = 0): Promise<boolean> {
    return (await this.conn.call('domainHasCurrentSnapshot', { dom: this.ref, flags })).result !== 0;
  }
}

export class DomainSnapshot extends DomainSnapshotMethods {
  constructor(conn: Connection, readonly ref: SnapshotRef) {
    super(conn);
  }
  getName(): string { return this.ref.name; }
  /** virDomainSnapshotGetDomain: a new handle on the parent domain. */
  getDomain(): Domain { return this.conn.wrapDomain(this.ref.dom); }
  async getXMLDesc(flags = 0): Promise<string> {
    return (await this.conn.call('domainSnapshotGetXMLDesc', { snap: this.ref, flags })).xml;
  }
  async getParent(flags = 0): Promise<DomainSnapshot> {
    return new DomainSnapshot(this.conn, (await this.conn.call('domainSnapshotGetParent', { snap: this.ref, flags })).snap);
  }
  async isCurrent(flags = 0): Promise<boolean> {
    return (await this.conn.call('domainSnapshotIsCurrent', { snap: this.ref, flags })).current !== 0;
  }
  async hasMetadata(flags = 0): Promise<boolean> {
    return (await this.conn.call('domainSnapshotHasMetadata', { snap: this.ref, flags })).metadata !== 0;
  }
  async listAllChildren(flags = 0): Promise<DomainSnapshot[]> {
    return (await this.conn.call('domainSnapshotListAllChildren', { snapshot: this.ref, need_results: 1, flags }))
      .snapshots.map((s) => new DomainSnapshot(this.conn, s));
  }
  /** virDomainSnapshotDelete (CHILDREN and CHILDREN_ONLY exclude each other, checked before the driver). */
  async delete(flags = 0): Promise<void> {
    denyReadOnly(this.conn, 'domainSnapshotDelete', {});
    exclusiveFlags(flags, 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN', 1, 'VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY', 4,
      ErrorDomain.DOMAIN_SNAPSHOT);
    await this.conn.call('domainSnapshotDelete', { snap: this.ref, flags });
  }
  /** virDomainRevertToSnapshot (RUNNING and PAUSED exclude each other, checked before the driver). */
  async revert(flags = 0): Promise<void> {
    denyReadOnly(this.conn, 'domainRevertToSnapshot', {});
    exclusiveFlags(flags, 'VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING', 1, 'VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED', 2,
      ErrorDomain.DOMAIN_SNAPSHOT);
    await this.conn.call('domainRevertToSnapshot', { snap: this.ref, flags });
  }
}

/** virCheckReadOnlyGoto: comes before the public API's argument checks. */
function denyReadOnly(conn: Connection, method: string, args: unknown): void {
  if (!conn.isReadOnly) return;
  const denial = readOnlyDenial(method, args);
  if (denial) throw denial;
}

/** VIR_REQUIRE_FLAG_GOTO: libvirt's public API wants `required` with `flag`. */
function requireFlag(flags: number, name: string, flag: number, requiredName: string, required: number,
  domain: number): void {
  if ((flags & flag) && !(flags & required)) {
    const msg = `Flag '${requiredName}' is required by flag '${name}'`;
    throw new VirtError(ErrorCode.INVALID_ARG, msg, domain, { str1: msg, str2: null });
  }
}

/** VIR_EXCLUSIVE_FLAGS_GOTO: libvirt's public API rejects two flags together. */
function exclusiveFlags(flags: number, name1: string, flag1: number, name2: string, flag2: number, domain: number): void {
  if ((flags & flag1) && (flags & flag2)) {
    throw new VirtError(ErrorCode.INVALID_ARG, `Flags '${name1}' and '${name2}' are mutually exclusive`, domain,
      { str1: `Flags '${name1}' and '${name2}' are mutually exclusive`, str2: null });
  }
}

export class Network extends NetworkMethods {
  constructor(conn: Connection, readonly ref: NetworkRef) {
    super(conn);
  }
  getName(): string { return this.ref.name; }
  getUUIDString(): string { return this.ref.uuid; }
  async getXMLDesc(flags = 0): Promise<string> { return (await this.conn.call('networkGetXMLDesc', { net: this.ref, flags })).xml; }
  async getBridgeName(): Promise<string> { return (await this.conn.call('networkGetBridgeName', { net: this.ref })).name; }
  async getAutostart(): Promise<boolean> { return (await this.conn.call('networkGetAutostart', { net: this.ref })).autostart !== 0; }
  async setAutostart(on: boolean | number): Promise<void> {
    await this.conn.call('networkSetAutostart', { net: this.ref, autostart: on ? 1 : 0 });
  }
  async isActive(): Promise<boolean> { return (await this.conn.call('networkIsActive', { net: this.ref })).active !== 0; }
  async isPersistent(): Promise<boolean> { return (await this.conn.call('networkIsPersistent', { net: this.ref })).persistent !== 0; }
  async create(): Promise<void> { await this.conn.call('networkCreate', { net: this.ref }); }
  async destroy(): Promise<void> { await this.conn.call('networkDestroy', { net: this.ref }); }
  async undefine(): Promise<void> { await this.conn.call('networkUndefine', { net: this.ref }); }
}

export class StoragePool extends StoragePoolMethods {
  constructor(conn: Connection, readonly ref: StoragePoolRef) {
    super(conn);
  }
  getName(): string { return this.ref.name; }
  getUUIDString(): string { return this.ref.uuid; }
  async getInfo() { return this.conn.call('storagePoolGetInfo', { pool: this.ref }); }
  async getXMLDesc(flags = 0): Promise<string> { return (await this.conn.call('storagePoolGetXMLDesc', { pool: this.ref, flags })).xml; }
  async getAutostart(): Promise<boolean> { return (await this.conn.call('storagePoolGetAutostart', { pool: this.ref })).autostart !== 0; }
  async setAutostart(on: boolean | number): Promise<void> {
    await this.conn.call('storagePoolSetAutostart', { pool: this.ref, autostart: on ? 1 : 0 });
  }
  async isActive(): Promise<boolean> { return (await this.conn.call('storagePoolIsActive', { pool: this.ref })).active !== 0; }
  async isPersistent(): Promise<boolean> { return (await this.conn.call('storagePoolIsPersistent', { pool: this.ref })).persistent !== 0; }
  async build(flags = 0): Promise<void> { await this.conn.call('storagePoolBuild', { pool: this.ref, flags }); }
  async create(flags = 0): Promise<void> { await this.conn.call('storagePoolCreate', { pool: this.ref, flags }); }
  async destroy(): Promise<void> { await this.conn.call('storagePoolDestroy', { pool: this.ref }); }
  async delete(flags = 0): Promise<void> { await this.conn.call('storagePoolDelete', { pool: this.ref, flags }); }
  async undefine(): Promise<void> { await this.conn.call('storagePoolUndefine', { pool: this.ref }); }
  async refresh(flags = 0): Promise<void> { await this.conn.call('storagePoolRefresh', { pool: this.ref, flags }); }
  async numOfVolumes(): Promise<number> { return (await this.conn.call('storagePoolNumOfVolumes', { pool: this.ref })).num; }
  async listVolumes(maxnames = 16384): Promise<string[]> {
    return (await this.conn.call('storagePoolListVolumes', { pool: this.ref, maxnames })).names;
  }
  async listAllVolumes(flags = 0): Promise<StorageVol[]> {
    return (await this.conn.call('storagePoolListAllVolumes', { pool: this.ref, need_results: 1, flags }))
      .vols.map((v) => this.conn.wrapStorageVol(v));
  }
  async storageVolLookupByName(name: string): Promise<StorageVol> {
    return this.conn.wrapStorageVol((await this.conn.call('storageVolLookupByName', { pool: this.ref, name })).vol);
  }
  async storageVolCreateXML(xml: string, flags = 0): Promise<StorageVol> {
    return this.conn.wrapStorageVol((await this.conn.call('storageVolCreateXML', { pool: this.ref, xml, flags })).vol);
  }
}

export class StorageVol extends StorageVolMethods {
  constructor(conn: Connection, readonly ref: StorageVolRef) {
    super(conn);
  }
  getName(): string { return this.ref.name; }
  getKey(): string { return this.ref.key; }
  async getInfo() { return this.conn.call('storageVolGetInfo', { vol: this.ref }); }
  async getXMLDesc(flags = 0): Promise<string> { return (await this.conn.call('storageVolGetXMLDesc', { vol: this.ref, flags })).xml; }
  async getPath(): Promise<string> { return (await this.conn.call('storageVolGetPath', { vol: this.ref })).name; }
  async delete(flags = 0): Promise<void> { await this.conn.call('storageVolDelete', { vol: this.ref, flags }); }
  /**
   * virStorageVolUpload: `stream` then takes `length` bytes (0 = to the
   * end) for the volume from `offset`. Flags: SPARSE_STREAM = 1 (holes may be sent).
   */
  async upload(stream: Stream, offset = 0, length = 0, flags = 0): Promise<void> {
    await this.conn.call('storageVolUpload', { vol: this.ref, offset, length, flags }, stream);
  }
  /**
   * virStorageVolDownload: `stream` then gives `length` bytes (0 = to the
   * end) of the volume from `offset`. Flags: SPARSE_STREAM = 1 (holes come as holes).
   */
  async download(stream: Stream, offset = 0, length = 0, flags = 0): Promise<void> {
    await this.conn.call('storageVolDownload', { vol: this.ref, offset, length, flags }, stream);
  }
  /** virStoragePoolLookupByVolume. */
  async storagePoolLookupByVolume(): Promise<StoragePool> {
    return this.conn.wrapStoragePool((await this.conn.call('storagePoolLookupByVolume', { vol: this.ref })).pool);
  }
}

export class Interface extends InterfaceMethods {
  constructor(conn: Connection, readonly ref: InterfaceRef) {
    super(conn);
  }
  getName(): string { return this.ref.name; }
  getMACString(): string { return this.ref.mac; }
  async getXMLDesc(flags = 0): Promise<string> { return (await this.conn.call('interfaceGetXMLDesc', { iface: this.ref, flags })).xml; }
  async isActive(): Promise<boolean> { return (await this.conn.call('interfaceIsActive', { iface: this.ref })).active !== 0; }
}

export class NodeDevice extends NodeDeviceMethods {
  constructor(conn: Connection, readonly ref: NodeDeviceRef) {
    super(conn);
  }
  getName(): string { return this.ref.name; }
  async getXMLDesc(flags = 0): Promise<string> {
    return (await this.conn.call('nodeDeviceGetXMLDesc', { name: this.ref.name, flags })).xml;
  }
  async getParent(): Promise<string | null> {
    return (await this.conn.call('nodeDeviceGetParent', { name: this.ref.name })).parentName;
  }
}


export class DomainCheckpoint extends DomainCheckpointMethods {
  constructor(conn: Connection, readonly ref: CheckpointRef) {
    super(conn);
  }

  /** virDomainCheckpointGetName. */
  getName(): string { return this.ref.name; }
  /** virDomainCheckpointGetDomain: a new reference to the checkpoint's domain. */
  getDomain(): Domain { return new Domain(this.conn, this.ref.dom); }
  /** virDomainCheckpointDelete (CHILDREN and CHILDREN_ONLY exclude each other, checked before the driver). */
  async delete(flags = 0): Promise<void> {
    denyReadOnly(this.conn, 'domainCheckpointDelete', {});
    exclusiveFlags(flags, 'VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN', 1, 'VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY', 4,
      ErrorDomain.DOMAIN_CHECKPOINT);
    await this.conn.call('domainCheckpointDelete', { checkpoint: this.ref, flags });
  }
}

export class NetworkPort extends NetworkPortMethods {
  constructor(conn: Connection, readonly ref: NetworkPortRef) {
    super(conn);
  }

  /** virNetworkPortGetUUIDString. */
  getUUIDString(): string { return this.ref.uuid; }
  /** virNetworkPortGetNetwork: a new reference to the port's network. */
  getNetwork(): Network { return new Network(this.conn, this.ref.net); }
}

export class Secret extends SecretMethods {
  constructor(conn: Connection, readonly ref: SecretRef) {
    super(conn);
  }

  /** virSecretGetUUIDString. */
  getUUIDString(): string { return this.ref.uuid; }
  /** virSecretGetUsageType (VIR_SECRET_USAGE_TYPE_*). */
  getUsageType(): number { return this.ref.usageType; }
  /** virSecretGetUsageID. */
  getUsageID(): string { return this.ref.usageID; }
}

export class NWFilter extends NWFilterMethods {
  constructor(conn: Connection, readonly ref: NWFilterRef) {
    super(conn);
  }

  /** virNWFilterGetName. */
  getName(): string { return this.ref.name; }
  /** virNWFilterGetUUIDString. */
  getUUIDString(): string { return this.ref.uuid; }
}

export class NWFilterBinding extends NWFilterBindingMethods {
  constructor(conn: Connection, readonly ref: NWFilterBindingRef) {
    super(conn);
  }

  /** virNWFilterBindingGetPortDev. */
  getPortDev(): string { return this.ref.portdev; }
  /** virNWFilterBindingGetFilterName. */
  getFilterName(): string { return this.ref.filtername; }
}

registerObjects({
  Domain: (c, r) => new Domain(c, r),
  DomainSnapshot: (c, r) => new DomainSnapshot(c, r),
  DomainCheckpoint: (c, r) => new DomainCheckpoint(c, r),
  Network: (c, r) => new Network(c, r),
  NetworkPort: (c, r) => new NetworkPort(c, r),
  StoragePool: (c, r) => new StoragePool(c, r),
  StorageVol: (c, r) => new StorageVol(c, r),
  Interface: (c, r) => new Interface(c, r),
  NodeDevice: (c, r) => new NodeDevice(c, r),
  Secret: (c, r) => new Secret(c, r),
  NWFilter: (c, r) => new NWFilter(c, r),
  NWFilterBinding: (c, r) => new NWFilterBinding(c, r),
});
