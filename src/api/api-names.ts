/**
 * The README's naming rule, as code: where each procedure of the REMOTE,
 * QEMU and LXC tables lands in the library. The generator
 * (scripts/gen-api.mjs) writes generated.ts from it, and api-coverage.test.ts
 * checks with it that every procedure is reachable.
 *
 * - The object is the first argument's handle (`dom` → Domain, `snap` →
 *   DomainSnapshot, …; node devices travel by name); no handle means the
 *   Connection.
 * - The method name is the contract name without the object's prefix
 *   (`domainGetXMLDesc` → `getXMLDesc`), or whole when it does not start
 *   with it (`storagePoolLookupByVolume` on a StorageVol). On the
 *   Connection, `connect` is dropped (`connectListAllDomains` →
 *   `listAllDomains`). QEMU/LXC calls keep their library's infix
 *   (virDomainQemuMonitorCommand → `dom.qemuMonitorCommand`).
 */
import type { Entry } from '../protocol/index.js';
import { contractName } from '../protocol/index.js';

export type ObjectKind =
  | 'Connection' | 'Domain' | 'DomainSnapshot' | 'DomainCheckpoint' | 'Network' | 'NetworkPort' | 'StoragePool'
  | 'StorageVol' | 'Interface' | 'NodeDevice' | 'Secret' | 'NWFilter' | 'NWFilterBinding';

/** Handle type (remote_protocol.x name) → the object it stands for. */
export const HANDLE_KINDS: Readonly<Record<string, Exclude<ObjectKind, 'Connection'>>> = {
  remote_nonnull_domain: 'Domain',
  remote_nonnull_domain_snapshot: 'DomainSnapshot',
  remote_nonnull_domain_checkpoint: 'DomainCheckpoint',
  remote_nonnull_network: 'Network',
  remote_nonnull_network_port: 'NetworkPort',
  remote_nonnull_storage_pool: 'StoragePool',
  remote_nonnull_storage_vol: 'StorageVol',
  remote_nonnull_interface: 'Interface',
  remote_nonnull_node_device: 'NodeDevice',
  remote_nonnull_secret: 'Secret',
  remote_nonnull_nwfilter: 'NWFilter',
  remote_nonnull_nwfilter_binding: 'NWFilterBinding',
};

/** Optional handle types (`remote_domain` = `*remote_nonnull_domain`). */
export const OPTIONAL_HANDLES: Readonly<Record<string, string>> = {
  remote_domain: 'remote_nonnull_domain',
  remote_network: 'remote_nonnull_network',
  remote_storage_pool: 'remote_nonnull_storage_pool',
  remote_node_device: 'remote_nonnull_node_device',
  remote_secret: 'remote_nonnull_secret',
};

/** Each object's name prefix in contract names. */
export const PREFIX: Readonly<Record<ObjectKind, string>> = {
  Connection: 'connect',
  Domain: 'domain',
  DomainSnapshot: 'domainSnapshot',
  DomainCheckpoint: 'domainCheckpoint',
  Network: 'network',
  NetworkPort: 'networkPort',
  StoragePool: 'storagePool',
  StorageVol: 'storageVol',
  Interface: 'interface',
  NodeDevice: 'nodeDevice',
  Secret: 'secret',
  NWFilter: 'nwfilter',
  NWFilterBinding: 'nwfilterBinding',
};

/** Node-device calls whose `name` names a device the call acts on (the others look one up or make one). */
const NODE_DEVICE_BY_NAME = (name: string): boolean => name.startsWith('nodeDevice')
  && !['nodeDeviceLookupByName', 'nodeDeviceLookupSCSIHostByWWN', 'nodeDeviceCreateXML', 'nodeDeviceDefineXML'].includes(name);

/**
 * Procedures with no method of their own, and why. Everything else is a
 * method (generated, or written by hand where libvirt's client does more
 * than one call or local work).
 */
export const NOT_METHODS: Readonly<Record<string, string>> = {
  connectOpen: 'open(), openReadOnly(), openAuth()',
  connectClose: 'Connection.close() (reference counted)',
  connectSupportsFeature: 'virConnectSupportsFeature is libvirt-internal; the library asks it where libvirt does',
  authList: 'the authentication handshake of open()',
  authSaslInit: 'the authentication handshake of open()',
  authSaslStart: 'the authentication handshake of open()',
  authSaslStep: 'the authentication handshake of open()',
  authPolkit: 'the authentication handshake of open()',
  connectDomainEventCallbackRegisterAny: 'how domainEventRegisterAny() registers with a daemon',
  connectDomainEventCallbackDeregisterAny: 'how domainEventDeregisterAny() deregisters with a daemon',
  domainMigratePrepare: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigratePerform: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigrateFinish: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigratePrepare2: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigrateFinish2: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigratePrepareTunnel: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigrateBegin3: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigratePrepare3: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigratePrepareTunnel3: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigratePerform3: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigrateFinish3: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigrateConfirm3: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigrateBegin3Params: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigratePrepare3Params: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigratePrepareTunnel3Params: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigratePerform3Params: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigrateFinish3Params: 'a step of migration (virDomainMigrate* drive the steps)',
  domainMigrateConfirm3Params: 'a step of migration (virDomainMigrate* drive the steps)',
  domainOpenGraphics: 'passes a file descriptor to the daemon, which Node sockets cannot send (SCM_RIGHTS)',
  domainOpenGraphicsFD: 'receives a file descriptor, which Node sockets cannot (SCM_RIGHTS)',
  domainFDAssociate: 'passes file descriptors to the daemon, which Node sockets cannot send (SCM_RIGHTS)',
  qemuDomainMonitorCommandWithFiles: 'passes file descriptors, which Node sockets cannot (SCM_RIGHTS); qemuMonitorCommand without files',
  lxcDomainOpenNamespace: 'receives namespace file descriptors, which Node sockets cannot (SCM_RIGHTS)',
};

/** Procedures whose library method is written by hand: they open a stream, or register events. */
export const HAND_WRITTEN_KINDS = ['stream', 'event registration'] as const;

export interface ApiPlace {
  /** The contract name (`domainGetXMLDesc`, `qemuDomainMonitorCommand`). */
  contract: string;
  kind: ObjectKind;
  method: string;
  /** The argument field holding the object itself (null on the Connection). */
  self: string | null;
}

/** A struct codec's fields, through named types. */
export function fieldsOf(c: { fields?: ReadonlyArray<readonly [string, { shape: string }]>; parts: readonly unknown[] }):
  ReadonlyArray<readonly [string, { shape: string }]> {
  let x: typeof c | undefined = c;
  while (x && !x.fields) x = x.parts[0] as typeof c | undefined;
  return x?.fields ?? [];
}

/** Where a procedure lands, or null for NOT_METHODS. */
export function placeOf(e: Entry): ApiPlace | null {
  if (e.kind !== 'call') return null;
  const contract = contractName(e);
  if (Object.hasOwn(NOT_METHODS, contract)) return null;
  const first = fieldsOf(e.args)[0];
  let kind: ObjectKind = 'Connection';
  let self: string | null = null;
  if (first && Object.hasOwn(HANDLE_KINDS, first[1].shape)) {
    kind = HANDLE_KINDS[first[1].shape]!;
    self = first[0];
  } else if (first && first[0] === 'name' && NODE_DEVICE_BY_NAME(e.name)) {
    kind = 'NodeDevice';
    self = 'name';
  }
  return { contract, kind, method: methodName(contract, kind), self };
}

function lowerFirst(s: string): string {
  return s[0]!.toLowerCase() + s.slice(1);
}

/** The method name of a contract name on an object of `kind`. */
export function methodName(contract: string, kind: ObjectKind): string {
  const q = /^(qemu|lxc)(Connect|Domain)(.+)$/.exec(contract);
  if (q) {
    const lib = q[1] === 'qemu' ? 'Qemu' : 'Lxc';
    const rest = q[3]!.replace(/^Domain/, '');
    // virDomainQemuMonitorCommand → dom.qemuMonitorCommand; virDomainQemuAttach → conn.domainQemuAttach;
    // virConnectDomainQemuMonitorEventRegister → conn.domainQemuMonitorEventRegister.
    if (kind === 'Domain') return lowerFirst(lib) + rest;
    return `domain${lib}${rest}`;
  }
  const prefix = PREFIX[kind];
  if (contract.startsWith(prefix) && contract.length > prefix.length && /[A-Z]/.test(contract[prefix.length]!)) {
    return lowerFirst(contract.slice(prefix.length));
  }
  return contract;
}
