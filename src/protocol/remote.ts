/**
 * The REMOTE program (0x20008086, version 1): every procedure and event
 * message of libvirt 9.0 (numbers 1..443), with libvirt's numbers, field
 * names and field order (remote_protocol.x), read-only permission and
 * priority (reference/libvirt-rpc.md §17/§18), and stream/FD use (§15/§16).
 *
 * Keys are libvirt's REMOTE_PROC_* names in lower camel case, the names the
 * driver contract uses (`REMOTE_PROC_DOMAIN_GET_XML_DESC` →
 * `remote.domainGetXMLDesc`); the trailing comment gives the C name to
 * grep for. Numbers only ever grow; the snapshot test
 * (test/fixtures/wire/remote-table.snapshot.json) shows every wire change.
 *
 * Wire type choices: `hyper`/`unsigned hyper` decode to JS numbers and throw
 * if a value is not a safe integer, except nanosecond counters that pass
 * 2^53 in practice (`remote_vcpu_info.cpu_time`, `remote_node_get_cpu_stats.value`,
 * DOMAIN_GET_INFO's `cpuTime`), which are bigints. `char<N>` arrays holding
 * C strings (security labels, models, DOIs) are strings; SASL tokens are bytes.
 */
import {
  array, char, charString, chars, fixedCharString, hyper, int, named, opaque, struct, typedParam, uchar,
  uhyper, uhyperBig, uint, ushort, uuid, XdrError, type Infer,
} from '../xdr/index.js';
import { ProgramNumber } from './header.js';
import { RemoteLimit as L } from './limits.js';
import { event, proc, program, type ArgsOf, type Override, type RetOf } from './program.js';
import {
  authType, checkpointRef, domainDiskError, domainFsinfo, domainInterface, domainIothreadInfo, domainMemoryStat, domainRef,
  domainSecurityLabel, domainStatsRecord, graphicsAddress, graphicsIdentity, interfaceRef, networkDhcpLease, networkPortRef,
  networkRef, nodeCpuStat, nodeDeviceRef, nodeMemoryStat, nwfilterBindingRef, nwfilterRef, optDomainRef, optNetworkRef,
  optNodeDeviceRef, optSecretRef, optStoragePoolRef, optStr, secretRef, snapshotRef, storagePoolRef, storageVolRef, str,
  vcpuInfo,
} from './remote-types.js';

// ------------------------------------------------ contract ↔ wire overrides

/** DOMAIN_GET_INFO ret; `cpuTime` in nanoseconds as a bigint (see the override). */
const domainGetInfoRet = struct({ state: uchar, maxMem: uhyper, memory: uhyper, nrVirtCpu: ushort, cpuTime: uhyperBig });
type DomainGetInfoWire = Infer<typeof domainGetInfoRet>;
type DomainGetInfo = Omit<DomainGetInfoWire, 'cpuTime'> & { cpuTime: number };

const domainGetInfoOverride: Override<{ dom: Infer<typeof domainRef> }, DomainGetInfoWire,
  { dom: Infer<typeof domainRef> }, DomainGetInfo> = {
  why: 'cpuTime counts nanoseconds and real daemons send values above 2^53 (the 9.0 test driver sent '
    + '1795283215719562000), so the wire keeps it exact as a bigint and the contract gets the nearest number',
  ret: {
    toWire(r) {
      if (!Number.isInteger(r.cpuTime) || r.cpuTime < 0) {
        throw new XdrError('value', `'${String(r.cpuTime)}' is not a non-negative integer for cpuTime`);
      }
      return { ret: { ...r, cpuTime: BigInt(r.cpuTime) } };
    },
    fromWire: (w) => ({ ...w, cpuTime: Number(w.cpuTime) }),
  },
};

/** DOMAIN_SCREENSHOT ret: only the MIME type; the image follows on the stream the call opens. */
const domainScreenshotRet = struct({ mime: optStr });

// ------------------------------------------------- legacy domain event msgs

/** `remote_domain_event_lifecycle_msg`: payload of DOMAIN_EVENT_LIFECYCLE (107), embedded in its callback form. */
const lifecycleMsg = named('remote_domain_event_lifecycle_msg', struct({ dom: domainRef, event: int, detail: int }));
/** `remote_domain_event_reboot_msg`: payload of DOMAIN_EVENT_REBOOT (169), embedded in its callback form. */
const rebootMsg = named('remote_domain_event_reboot_msg', struct({ dom: domainRef }));
/** `remote_domain_event_rtc_change_msg`: payload of DOMAIN_EVENT_RTC_CHANGE (170), embedded in its callback form. */
const rtcChangeMsg = named('remote_domain_event_rtc_change_msg', struct({ dom: domainRef, offset: hyper }));
/** `remote_domain_event_watchdog_msg`: payload of DOMAIN_EVENT_WATCHDOG (171), embedded in its callback form. */
const watchdogMsg = named('remote_domain_event_watchdog_msg', struct({ dom: domainRef, action: int }));
/** `remote_domain_event_io_error_msg`: payload of DOMAIN_EVENT_IO_ERROR (172), embedded in its callback form. */
const ioErrorMsg = named('remote_domain_event_io_error_msg', struct({
  dom: domainRef, srcPath: str, devAlias: str, action: int,
}));
/** `remote_domain_event_graphics_msg`: payload of DOMAIN_EVENT_GRAPHICS (173), embedded in its callback form. */
const graphicsMsg = named('remote_domain_event_graphics_msg', struct({
  dom: domainRef, phase: int, local: graphicsAddress, remote: graphicsAddress, authScheme: str,
  subject: array(graphicsIdentity, L.DOMAIN_EVENT_GRAPHICS_IDENTITY_MAX),
}));
/** `remote_domain_event_io_error_reason_msg`: payload of DOMAIN_EVENT_IO_ERROR_REASON (195), embedded in its callback form. */
const ioErrorReasonMsg = named('remote_domain_event_io_error_reason_msg', struct({
  dom: domainRef, srcPath: str, devAlias: str, action: int, reason: str,
}));
/** `remote_domain_event_control_error_msg`: payload of DOMAIN_EVENT_CONTROL_ERROR (224), embedded in its callback form. */
const controlErrorMsg = named('remote_domain_event_control_error_msg', struct({ dom: domainRef }));
/** `remote_domain_event_block_job_msg`: payload of DOMAIN_EVENT_BLOCK_JOB (241), embedded in its callback form. */
const blockJobMsg = named('remote_domain_event_block_job_msg', struct({
  dom: domainRef, path: str, type: int, status: int,
}));
/** `remote_domain_event_disk_change_msg`: payload of DOMAIN_EVENT_DISK_CHANGE (248), embedded in its callback form. */
const diskChangeMsg = named('remote_domain_event_disk_change_msg', struct({
  dom: domainRef, oldSrcPath: optStr, newSrcPath: optStr, devAlias: str, reason: int,
}));
/** `remote_domain_event_tray_change_msg`: payload of DOMAIN_EVENT_TRAY_CHANGE (268), embedded in its callback form. */
const trayChangeMsg = named('remote_domain_event_tray_change_msg', struct({
  dom: domainRef, devAlias: str, reason: int,
}));
/** `remote_domain_event_pmwakeup_msg`: payload of DOMAIN_EVENT_PMWAKEUP (269), embedded in its callback form. */
const pmWakeupMsg = named('remote_domain_event_pmwakeup_msg', struct({ dom: domainRef }));
/** `remote_domain_event_pmsuspend_msg`: payload of DOMAIN_EVENT_PMSUSPEND (270), embedded in its callback form. */
const pmSuspendMsg = named('remote_domain_event_pmsuspend_msg', struct({ dom: domainRef }));
/** `remote_domain_event_balloon_change_msg`: payload of DOMAIN_EVENT_BALLOON_CHANGE (276), embedded in its callback form. */
const balloonChangeMsg = named('remote_domain_event_balloon_change_msg', struct({ dom: domainRef, actual: uhyper }));
/** `remote_domain_event_pmsuspend_disk_msg`: payload of DOMAIN_EVENT_PMSUSPEND_DISK (292), embedded in its callback form. */
const pmSuspendDiskMsg = named('remote_domain_event_pmsuspend_disk_msg', struct({ dom: domainRef }));
/** `remote_domain_event_device_removed_msg`: payload of DOMAIN_EVENT_DEVICE_REMOVED (311), embedded in its callback form. */
const deviceRemovedMsg = named('remote_domain_event_device_removed_msg', struct({ dom: domainRef, devAlias: str }));

// ------------------------------------------------------------------ the table

/** The REMOTE program table. */
export const remote = program(ProgramNumber.REMOTE, 1, {
  connectOpen: proc(1, { // CONNECT_OPEN
    args: struct({ name: optStr, flags: uint }),
    priority: 'high',
    readonly: true,
  }),
  connectClose: proc(2, { priority: 'high', readonly: true }), // CONNECT_CLOSE
  connectGetType: proc(3, { ret: struct({ type: str }), priority: 'high', readonly: true }), // CONNECT_GET_TYPE
  connectGetVersion: proc(4, { // CONNECT_GET_VERSION
    ret: struct({ hv_ver: uhyper }),
    priority: 'high',
    readonly: true,
  }),
  connectGetMaxVcpus: proc(5, { // CONNECT_GET_MAX_VCPUS
    args: struct({ type: optStr }),
    ret: struct({ max_vcpus: int }),
    priority: 'high',
    readonly: true,
  }),
  nodeGetInfo: proc(6, { // NODE_GET_INFO
    ret: struct({
      model: fixedCharString(32), memory: uhyper, cpus: int, mhz: int, nodes: int, sockets: int, cores: int,
      threads: int,
    }),
    priority: 'high',
    readonly: true,
  }),
  connectGetCapabilities: proc(7, { ret: struct({ capabilities: str }), readonly: true }), // CONNECT_GET_CAPABILITIES
  domainAttachDevice: proc(8, { args: struct({ dom: domainRef, xml: str }) }), // DOMAIN_ATTACH_DEVICE
  domainCreate: proc(9, { args: struct({ dom: domainRef }) }), // DOMAIN_CREATE
  domainCreateXML: proc(10, { // DOMAIN_CREATE_XML
    args: struct({ xml_desc: str, flags: uint }),
    ret: struct({ dom: domainRef }),
  }),
  domainDefineXML: proc(11, { // DOMAIN_DEFINE_XML
    args: struct({ xml: str }),
    ret: struct({ dom: domainRef }),
    priority: 'high',
  }),
  domainDestroy: proc(12, { args: struct({ dom: domainRef }), priority: 'high' }), // DOMAIN_DESTROY
  domainDetachDevice: proc(13, { args: struct({ dom: domainRef, xml: str }) }), // DOMAIN_DETACH_DEVICE
  domainGetXMLDesc: proc(14, { // DOMAIN_GET_XML_DESC
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ xml: str }),
    readonly: 'flags',
  }),
  domainGetAutostart: proc(15, { // DOMAIN_GET_AUTOSTART
    args: struct({ dom: domainRef }),
    ret: struct({ autostart: int }),
    priority: 'high',
    readonly: true,
  }),
  domainGetInfo: proc(16, { // DOMAIN_GET_INFO
    args: struct({ dom: domainRef }),
    ret: domainGetInfoRet,
    readonly: true,
    override: domainGetInfoOverride,
  }),
  domainGetMaxMemory: proc(17, { // DOMAIN_GET_MAX_MEMORY
    args: struct({ dom: domainRef }),
    ret: struct({ memory: uhyper }),
    priority: 'high',
    readonly: true,
  }),
  domainGetMaxVcpus: proc(18, { // DOMAIN_GET_MAX_VCPUS
    args: struct({ dom: domainRef }),
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  domainGetOSType: proc(19, { // DOMAIN_GET_OS_TYPE
    args: struct({ dom: domainRef }),
    ret: struct({ type: str }),
    priority: 'high',
    readonly: true,
  }),
  domainGetVcpus: proc(20, { // DOMAIN_GET_VCPUS
    args: struct({ dom: domainRef, maxinfo: int, maplen: int }),
    ret: struct({ info: array(vcpuInfo, L.VCPUINFO_MAX), cpumaps: opaque(L.CPUMAPS_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  connectListDefinedDomains: proc(21, { // CONNECT_LIST_DEFINED_DOMAINS
    args: struct({ maxnames: int }),
    ret: struct({ names: array(str, L.DOMAIN_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  domainLookupByID: proc(22, { // DOMAIN_LOOKUP_BY_ID
    args: struct({ id: int }),
    ret: struct({ dom: domainRef }),
    priority: 'high',
    readonly: true,
  }),
  domainLookupByName: proc(23, { // DOMAIN_LOOKUP_BY_NAME
    args: struct({ name: str }),
    ret: struct({ dom: domainRef }),
    priority: 'high',
    readonly: true,
  }),
  domainLookupByUUID: proc(24, { // DOMAIN_LOOKUP_BY_UUID
    args: struct({ uuid: uuid }),
    ret: struct({ dom: domainRef }),
    priority: 'high',
    readonly: true,
  }),
  connectNumOfDefinedDomains: proc(25, { // CONNECT_NUM_OF_DEFINED_DOMAINS
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  domainPinVcpu: proc(26, { // DOMAIN_PIN_VCPU
    args: struct({ dom: domainRef, vcpu: uint, cpumap: opaque(L.CPUMAP_MAX) }),
  }),
  domainReboot: proc(27, { args: struct({ dom: domainRef, flags: uint }) }), // DOMAIN_REBOOT
  domainResume: proc(28, { args: struct({ dom: domainRef }) }), // DOMAIN_RESUME
  domainSetAutostart: proc(29, { // DOMAIN_SET_AUTOSTART
    args: struct({ dom: domainRef, autostart: int }),
    priority: 'high',
  }),
  domainSetMaxMemory: proc(30, { // DOMAIN_SET_MAX_MEMORY
    args: struct({ dom: domainRef, memory: uhyper }),
    priority: 'high',
  }),
  domainSetMemory: proc(31, { args: struct({ dom: domainRef, memory: uhyper }) }), // DOMAIN_SET_MEMORY
  domainSetVcpus: proc(32, { args: struct({ dom: domainRef, nvcpus: uint }) }), // DOMAIN_SET_VCPUS
  domainShutdown: proc(33, { args: struct({ dom: domainRef }) }), // DOMAIN_SHUTDOWN
  domainSuspend: proc(34, { args: struct({ dom: domainRef }) }), // DOMAIN_SUSPEND
  domainUndefine: proc(35, { args: struct({ dom: domainRef }), priority: 'high' }), // DOMAIN_UNDEFINE
  connectListDefinedNetworks: proc(36, { // CONNECT_LIST_DEFINED_NETWORKS
    args: struct({ maxnames: int }),
    ret: struct({ names: array(str, L.NETWORK_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  connectListDomains: proc(37, { // CONNECT_LIST_DOMAINS
    args: struct({ maxids: int }),
    ret: struct({ ids: array(int, L.DOMAIN_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  connectListNetworks: proc(38, { // CONNECT_LIST_NETWORKS
    args: struct({ maxnames: int }),
    ret: struct({ names: array(str, L.NETWORK_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  networkCreate: proc(39, { args: struct({ net: networkRef }) }), // NETWORK_CREATE
  networkCreateXML: proc(40, { args: struct({ xml: str }), ret: struct({ net: networkRef }) }), // NETWORK_CREATE_XML
  networkDefineXML: proc(41, { // NETWORK_DEFINE_XML
    args: struct({ xml: str }),
    ret: struct({ net: networkRef }),
    priority: 'high',
  }),
  networkDestroy: proc(42, { args: struct({ net: networkRef }), priority: 'high' }), // NETWORK_DESTROY
  networkGetXMLDesc: proc(43, { // NETWORK_GET_XML_DESC
    args: struct({ net: networkRef, flags: uint }),
    ret: struct({ xml: str }),
    priority: 'high',
    readonly: true,
  }),
  networkGetAutostart: proc(44, { // NETWORK_GET_AUTOSTART
    args: struct({ net: networkRef }),
    ret: struct({ autostart: int }),
    priority: 'high',
    readonly: true,
  }),
  networkGetBridgeName: proc(45, { // NETWORK_GET_BRIDGE_NAME
    args: struct({ net: networkRef }),
    ret: struct({ name: str }),
    priority: 'high',
    readonly: true,
  }),
  networkLookupByName: proc(46, { // NETWORK_LOOKUP_BY_NAME
    args: struct({ name: str }),
    ret: struct({ net: networkRef }),
    priority: 'high',
    readonly: true,
  }),
  networkLookupByUUID: proc(47, { // NETWORK_LOOKUP_BY_UUID
    args: struct({ uuid: uuid }),
    ret: struct({ net: networkRef }),
    priority: 'high',
    readonly: true,
  }),
  networkSetAutostart: proc(48, { // NETWORK_SET_AUTOSTART
    args: struct({ net: networkRef, autostart: int }),
    priority: 'high',
  }),
  networkUndefine: proc(49, { args: struct({ net: networkRef }), priority: 'high' }), // NETWORK_UNDEFINE
  connectNumOfDefinedNetworks: proc(50, { // CONNECT_NUM_OF_DEFINED_NETWORKS
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  connectNumOfDomains: proc(51, { // CONNECT_NUM_OF_DOMAINS
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  connectNumOfNetworks: proc(52, { // CONNECT_NUM_OF_NETWORKS
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  domainCoreDump: proc(53, { args: struct({ dom: domainRef, to: str, flags: uint }) }), // DOMAIN_CORE_DUMP
  domainRestore: proc(54, { args: struct({ from: str }) }), // DOMAIN_RESTORE
  domainSave: proc(55, { args: struct({ dom: domainRef, to: str }) }), // DOMAIN_SAVE
  domainGetSchedulerType: proc(56, { // DOMAIN_GET_SCHEDULER_TYPE
    args: struct({ dom: domainRef }),
    ret: struct({ type: str, nparams: int }),
    readonly: true,
  }),
  domainGetSchedulerParameters: proc(57, { // DOMAIN_GET_SCHEDULER_PARAMETERS
    args: struct({ dom: domainRef, nparams: int }),
    ret: struct({ params: array(typedParam, L.DOMAIN_SCHEDULER_PARAMETERS_MAX) }),
    readonly: true,
  }),
  domainSetSchedulerParameters: proc(58, { // DOMAIN_SET_SCHEDULER_PARAMETERS
    args: struct({ dom: domainRef, params: array(typedParam, L.DOMAIN_SCHEDULER_PARAMETERS_MAX) }),
  }),
  connectGetHostname: proc(59, { // CONNECT_GET_HOSTNAME
    ret: struct({ hostname: str }),
    priority: 'high',
    readonly: true,
  }),
  connectSupportsFeature: proc(60, { // CONNECT_SUPPORTS_FEATURE
    args: struct({ feature: int }),
    ret: struct({ supported: int }),
    priority: 'high',
    readonly: true,
  }),
  domainMigratePrepare: proc(61, { // DOMAIN_MIGRATE_PREPARE
    args: struct({ uri_in: optStr, flags: uhyper, dname: optStr, resource: uhyper }),
    ret: struct({ cookie: opaque(L.MIGRATE_COOKIE_MAX), uri_out: optStr }),
  }),
  domainMigratePerform: proc(62, { // DOMAIN_MIGRATE_PERFORM
    args: struct({
      dom: domainRef, cookie: opaque(L.MIGRATE_COOKIE_MAX), uri: str, flags: uhyper, dname: optStr, resource: uhyper,
    }),
  }),
  domainMigrateFinish: proc(63, { // DOMAIN_MIGRATE_FINISH
    args: struct({ dname: str, cookie: opaque(L.MIGRATE_COOKIE_MAX), uri: str, flags: uhyper }),
    ret: struct({ ddom: domainRef }),
  }),
  domainBlockStats: proc(64, { // DOMAIN_BLOCK_STATS
    args: struct({ dom: domainRef, path: str }),
    ret: struct({ rd_req: hyper, rd_bytes: hyper, wr_req: hyper, wr_bytes: hyper, errs: hyper }),
    readonly: true,
  }),
  domainInterfaceStats: proc(65, { // DOMAIN_INTERFACE_STATS
    args: struct({ dom: domainRef, device: str }),
    ret: struct({
      rx_bytes: hyper, rx_packets: hyper, rx_errs: hyper, rx_drop: hyper, tx_bytes: hyper, tx_packets: hyper,
      tx_errs: hyper, tx_drop: hyper,
    }),
    priority: 'high',
    readonly: true,
  }),
  authList: proc(66, { // AUTH_LIST
    ret: struct({ types: array(authType, L.AUTH_TYPE_LIST_MAX) }),
    priority: 'high',
    readonly: true,
    preAuth: true,
  }),
  authSaslInit: proc(67, { // AUTH_SASL_INIT
    ret: struct({ mechlist: str }),
    priority: 'high',
    readonly: true,
    preAuth: true,
  }),
  authSaslStart: proc(68, { // AUTH_SASL_START
    args: struct({ mech: str, nil: int, data: chars(L.AUTH_SASL_DATA_MAX) }),
    ret: struct({ complete: int, nil: int, data: chars(L.AUTH_SASL_DATA_MAX) }),
    priority: 'high',
    readonly: true,
    preAuth: true,
  }),
  authSaslStep: proc(69, { // AUTH_SASL_STEP
    args: struct({ nil: int, data: chars(L.AUTH_SASL_DATA_MAX) }),
    ret: struct({ complete: int, nil: int, data: chars(L.AUTH_SASL_DATA_MAX) }),
    priority: 'high',
    readonly: true,
    preAuth: true,
  }),
  authPolkit: proc(70, { // AUTH_POLKIT
    ret: struct({ complete: int }),
    priority: 'high',
    readonly: true,
    preAuth: true,
  }),
  connectNumOfStoragePools: proc(71, { // CONNECT_NUM_OF_STORAGE_POOLS
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  connectListStoragePools: proc(72, { // CONNECT_LIST_STORAGE_POOLS
    args: struct({ maxnames: int }),
    ret: struct({ names: array(str, L.STORAGE_POOL_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  connectNumOfDefinedStoragePools: proc(73, { // CONNECT_NUM_OF_DEFINED_STORAGE_POOLS
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  connectListDefinedStoragePools: proc(74, { // CONNECT_LIST_DEFINED_STORAGE_POOLS
    args: struct({ maxnames: int }),
    ret: struct({ names: array(str, L.STORAGE_POOL_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  connectFindStoragePoolSources: proc(75, { // CONNECT_FIND_STORAGE_POOL_SOURCES
    args: struct({ type: str, srcSpec: optStr, flags: uint }),
    ret: struct({ xml: str }),
  }),
  storagePoolCreateXML: proc(76, { // STORAGE_POOL_CREATE_XML
    args: struct({ xml: str, flags: uint }),
    ret: struct({ pool: storagePoolRef }),
  }),
  storagePoolDefineXML: proc(77, { // STORAGE_POOL_DEFINE_XML
    args: struct({ xml: str, flags: uint }),
    ret: struct({ pool: storagePoolRef }),
    priority: 'high',
  }),
  storagePoolCreate: proc(78, { args: struct({ pool: storagePoolRef, flags: uint }) }), // STORAGE_POOL_CREATE
  storagePoolBuild: proc(79, { args: struct({ pool: storagePoolRef, flags: uint }) }), // STORAGE_POOL_BUILD
  storagePoolDestroy: proc(80, { args: struct({ pool: storagePoolRef }), priority: 'high' }), // STORAGE_POOL_DESTROY
  storagePoolDelete: proc(81, { args: struct({ pool: storagePoolRef, flags: uint }) }), // STORAGE_POOL_DELETE
  storagePoolUndefine: proc(82, { args: struct({ pool: storagePoolRef }), priority: 'high' }), // STORAGE_POOL_UNDEFINE
  storagePoolRefresh: proc(83, { args: struct({ pool: storagePoolRef, flags: uint }) }), // STORAGE_POOL_REFRESH
  storagePoolLookupByName: proc(84, { // STORAGE_POOL_LOOKUP_BY_NAME
    args: struct({ name: str }),
    ret: struct({ pool: storagePoolRef }),
    priority: 'high',
    readonly: true,
  }),
  storagePoolLookupByUUID: proc(85, { // STORAGE_POOL_LOOKUP_BY_UUID
    args: struct({ uuid: uuid }),
    ret: struct({ pool: storagePoolRef }),
    priority: 'high',
    readonly: true,
  }),
  storagePoolLookupByVolume: proc(86, { // STORAGE_POOL_LOOKUP_BY_VOLUME
    args: struct({ vol: storageVolRef }),
    ret: struct({ pool: storagePoolRef }),
    priority: 'high',
    readonly: true,
  }),
  storagePoolGetInfo: proc(87, { // STORAGE_POOL_GET_INFO
    args: struct({ pool: storagePoolRef }),
    ret: struct({ state: uchar, capacity: uhyper, allocation: uhyper, available: uhyper }),
    priority: 'high',
    readonly: true,
  }),
  storagePoolGetXMLDesc: proc(88, { // STORAGE_POOL_GET_XML_DESC
    args: struct({ pool: storagePoolRef, flags: uint }),
    ret: struct({ xml: str }),
    priority: 'high',
    readonly: true,
  }),
  storagePoolGetAutostart: proc(89, { // STORAGE_POOL_GET_AUTOSTART
    args: struct({ pool: storagePoolRef }),
    ret: struct({ autostart: int }),
    priority: 'high',
    readonly: true,
  }),
  storagePoolSetAutostart: proc(90, { // STORAGE_POOL_SET_AUTOSTART
    args: struct({ pool: storagePoolRef, autostart: int }),
    priority: 'high',
  }),
  storagePoolNumOfVolumes: proc(91, { // STORAGE_POOL_NUM_OF_VOLUMES
    args: struct({ pool: storagePoolRef }),
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  storagePoolListVolumes: proc(92, { // STORAGE_POOL_LIST_VOLUMES
    args: struct({ pool: storagePoolRef, maxnames: int }),
    ret: struct({ names: array(str, L.STORAGE_VOL_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  storageVolCreateXML: proc(93, { // STORAGE_VOL_CREATE_XML
    args: struct({ pool: storagePoolRef, xml: str, flags: uint }),
    ret: struct({ vol: storageVolRef }),
  }),
  storageVolDelete: proc(94, { args: struct({ vol: storageVolRef, flags: uint }) }), // STORAGE_VOL_DELETE
  storageVolLookupByName: proc(95, { // STORAGE_VOL_LOOKUP_BY_NAME
    args: struct({ pool: storagePoolRef, name: str }),
    ret: struct({ vol: storageVolRef }),
    priority: 'high',
    readonly: true,
  }),
  storageVolLookupByKey: proc(96, { // STORAGE_VOL_LOOKUP_BY_KEY
    args: struct({ key: str }),
    ret: struct({ vol: storageVolRef }),
    priority: 'high',
    readonly: true,
  }),
  storageVolLookupByPath: proc(97, { // STORAGE_VOL_LOOKUP_BY_PATH
    args: struct({ path: str }),
    ret: struct({ vol: storageVolRef }),
    priority: 'high',
    readonly: true,
  }),
  storageVolGetInfo: proc(98, { // STORAGE_VOL_GET_INFO
    args: struct({ vol: storageVolRef }),
    ret: struct({ type: char, capacity: uhyper, allocation: uhyper }),
    priority: 'high',
    readonly: true,
  }),
  storageVolGetXMLDesc: proc(99, { // STORAGE_VOL_GET_XML_DESC
    args: struct({ vol: storageVolRef, flags: uint }),
    ret: struct({ xml: str }),
    priority: 'high',
    readonly: true,
  }),
  storageVolGetPath: proc(100, { // STORAGE_VOL_GET_PATH
    args: struct({ vol: storageVolRef }),
    ret: struct({ name: str }),
    priority: 'high',
    readonly: true,
  }),
  nodeGetCellsFreeMemory: proc(101, { // NODE_GET_CELLS_FREE_MEMORY
    args: struct({ startCell: int, maxcells: int }),
    ret: struct({ cells: array(uhyper, L.NODE_MAX_CELLS) }),
    priority: 'high',
    readonly: true,
  }),
  nodeGetFreeMemory: proc(102, { // NODE_GET_FREE_MEMORY
    ret: struct({ freeMem: uhyper }),
    priority: 'high',
    readonly: true,
  }),
  domainBlockPeek: proc(103, { // DOMAIN_BLOCK_PEEK
    args: struct({ dom: domainRef, path: str, offset: uhyper, size: uint, flags: uint }),
    ret: struct({ buffer: opaque(L.DOMAIN_BLOCK_PEEK_BUFFER_MAX) }),
  }),
  domainMemoryPeek: proc(104, { // DOMAIN_MEMORY_PEEK
    args: struct({ dom: domainRef, offset: uhyper, size: uint, flags: uint }),
    ret: struct({ buffer: opaque(L.DOMAIN_MEMORY_PEEK_BUFFER_MAX) }),
  }),
  connectDomainEventRegister: proc(105, { // CONNECT_DOMAIN_EVENT_REGISTER
    ret: struct({ cb_registered: int }),
    priority: 'high',
    readonly: true,
  }),
  connectDomainEventDeregister: proc(106, { // CONNECT_DOMAIN_EVENT_DEREGISTER
    ret: struct({ cb_registered: int }),
    priority: 'high',
    readonly: true,
  }),
  domainEventLifecycle: event(107, lifecycleMsg), // DOMAIN_EVENT_LIFECYCLE
  domainMigratePrepare2: proc(108, { // DOMAIN_MIGRATE_PREPARE2
    args: struct({ uri_in: optStr, flags: uhyper, dname: optStr, resource: uhyper, dom_xml: str }),
    ret: struct({ cookie: opaque(L.MIGRATE_COOKIE_MAX), uri_out: optStr }),
  }),
  domainMigrateFinish2: proc(109, { // DOMAIN_MIGRATE_FINISH2
    args: struct({ dname: str, cookie: opaque(L.MIGRATE_COOKIE_MAX), uri: str, flags: uhyper, retcode: int }),
    ret: struct({ ddom: domainRef }),
  }),
  connectGetURI: proc(110, { ret: struct({ uri: str }), priority: 'high', readonly: true }), // CONNECT_GET_URI
  nodeNumOfDevices: proc(111, { // NODE_NUM_OF_DEVICES
    args: struct({ cap: optStr, flags: uint }),
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  nodeListDevices: proc(112, { // NODE_LIST_DEVICES
    args: struct({ cap: optStr, maxnames: int, flags: uint }),
    ret: struct({ names: array(str, L.NODE_DEVICE_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  nodeDeviceLookupByName: proc(113, { // NODE_DEVICE_LOOKUP_BY_NAME
    args: struct({ name: str }),
    ret: struct({ dev: nodeDeviceRef }),
    priority: 'high',
    readonly: true,
  }),
  nodeDeviceGetXMLDesc: proc(114, { // NODE_DEVICE_GET_XML_DESC
    args: struct({ name: str, flags: uint }),
    ret: struct({ xml: str }),
    readonly: true,
  }),
  nodeDeviceGetParent: proc(115, { // NODE_DEVICE_GET_PARENT
    args: struct({ name: str }),
    ret: struct({ parentName: optStr }),
    priority: 'high',
    readonly: true,
  }),
  nodeDeviceNumOfCaps: proc(116, { // NODE_DEVICE_NUM_OF_CAPS
    args: struct({ name: str }),
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  nodeDeviceListCaps: proc(117, { // NODE_DEVICE_LIST_CAPS
    args: struct({ name: str, maxnames: int }),
    ret: struct({ names: array(str, L.NODE_DEVICE_CAPS_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  nodeDeviceDettach: proc(118, { args: struct({ name: str }) }), // NODE_DEVICE_DETTACH
  nodeDeviceReAttach: proc(119, { args: struct({ name: str }) }), // NODE_DEVICE_RE_ATTACH
  nodeDeviceReset: proc(120, { args: struct({ name: str }) }), // NODE_DEVICE_RESET
  domainGetSecurityLabel: proc(121, { // DOMAIN_GET_SECURITY_LABEL
    args: struct({ dom: domainRef }),
    ret: domainSecurityLabel,
    priority: 'high',
    readonly: true,
  }),
  nodeGetSecurityModel: proc(122, { // NODE_GET_SECURITY_MODEL
    ret: struct({ model: charString(L.SECURITY_MODEL_MAX), doi: charString(L.SECURITY_DOI_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  nodeDeviceCreateXML: proc(123, { // NODE_DEVICE_CREATE_XML
    args: struct({ xml_desc: str, flags: uint }),
    ret: struct({ dev: nodeDeviceRef }),
  }),
  nodeDeviceDestroy: proc(124, { args: struct({ name: str }), priority: 'high' }), // NODE_DEVICE_DESTROY
  storageVolCreateXMLFrom: proc(125, { // STORAGE_VOL_CREATE_XML_FROM
    args: struct({ pool: storagePoolRef, xml: str, clonevol: storageVolRef, flags: uint }),
    ret: struct({ vol: storageVolRef }),
  }),
  connectNumOfInterfaces: proc(126, { // CONNECT_NUM_OF_INTERFACES
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  connectListInterfaces: proc(127, { // CONNECT_LIST_INTERFACES
    args: struct({ maxnames: int }),
    ret: struct({ names: array(str, L.INTERFACE_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  interfaceLookupByName: proc(128, { // INTERFACE_LOOKUP_BY_NAME
    args: struct({ name: str }),
    ret: struct({ iface: interfaceRef }),
    priority: 'high',
    readonly: true,
  }),
  interfaceLookupByMACString: proc(129, { // INTERFACE_LOOKUP_BY_MAC_STRING
    args: struct({ mac: str }),
    ret: struct({ iface: interfaceRef }),
    priority: 'high',
    readonly: true,
  }),
  interfaceGetXMLDesc: proc(130, { // INTERFACE_GET_XML_DESC
    args: struct({ iface: interfaceRef, flags: uint }),
    ret: struct({ xml: str }),
    readonly: true,
  }),
  interfaceDefineXML: proc(131, { // INTERFACE_DEFINE_XML
    args: struct({ xml: str, flags: uint }),
    ret: struct({ iface: interfaceRef }),
    priority: 'high',
  }),
  interfaceUndefine: proc(132, { args: struct({ iface: interfaceRef }), priority: 'high' }), // INTERFACE_UNDEFINE
  interfaceCreate: proc(133, { args: struct({ iface: interfaceRef, flags: uint }) }), // INTERFACE_CREATE
  interfaceDestroy: proc(134, { // INTERFACE_DESTROY
    args: struct({ iface: interfaceRef, flags: uint }),
    priority: 'high',
  }),
  connectDomainXMLFromNative: proc(135, { // CONNECT_DOMAIN_XML_FROM_NATIVE
    args: struct({ nativeFormat: str, nativeConfig: str, flags: uint }),
    ret: struct({ domainXml: str }),
  }),
  connectDomainXMLToNative: proc(136, { // CONNECT_DOMAIN_XML_TO_NATIVE
    args: struct({ nativeFormat: str, domainXml: str, flags: uint }),
    ret: struct({ nativeConfig: str }),
  }),
  connectNumOfDefinedInterfaces: proc(137, { // CONNECT_NUM_OF_DEFINED_INTERFACES
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  connectListDefinedInterfaces: proc(138, { // CONNECT_LIST_DEFINED_INTERFACES
    args: struct({ maxnames: int }),
    ret: struct({ names: array(str, L.INTERFACE_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  connectNumOfSecrets: proc(139, { // CONNECT_NUM_OF_SECRETS
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  connectListSecrets: proc(140, { // CONNECT_LIST_SECRETS
    args: struct({ maxuuids: int }),
    ret: struct({ uuids: array(str, L.SECRET_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  secretLookupByUUID: proc(141, { // SECRET_LOOKUP_BY_UUID
    args: struct({ uuid: uuid }),
    ret: struct({ secret: secretRef }),
    priority: 'high',
    readonly: true,
  }),
  secretDefineXML: proc(142, { // SECRET_DEFINE_XML
    args: struct({ xml: str, flags: uint }),
    ret: struct({ secret: secretRef }),
    priority: 'high',
  }),
  secretGetXMLDesc: proc(143, { // SECRET_GET_XML_DESC
    args: struct({ secret: secretRef, flags: uint }),
    ret: struct({ xml: str }),
    priority: 'high',
    readonly: true,
  }),
  secretSetValue: proc(144, { // SECRET_SET_VALUE
    args: struct({ secret: secretRef, value: opaque(L.SECRET_VALUE_MAX), flags: uint }),
    priority: 'high',
  }),
  secretGetValue: proc(145, { // SECRET_GET_VALUE
    args: struct({ secret: secretRef, flags: uint }),
    ret: struct({ value: opaque(L.SECRET_VALUE_MAX) }),
    priority: 'high',
  }),
  secretUndefine: proc(146, { args: struct({ secret: secretRef }), priority: 'high' }), // SECRET_UNDEFINE
  secretLookupByUsage: proc(147, { // SECRET_LOOKUP_BY_USAGE
    args: struct({ usageType: int, usageID: str }),
    ret: struct({ secret: secretRef }),
    priority: 'high',
    readonly: true,
  }),
  domainMigratePrepareTunnel: proc(148, { // DOMAIN_MIGRATE_PREPARE_TUNNEL
    args: struct({ flags: uhyper, dname: optStr, resource: uhyper, dom_xml: str }),
    stream: 'out',
  }),
  connectIsSecure: proc(149, { ret: struct({ secure: int }), priority: 'high', readonly: true }), // CONNECT_IS_SECURE
  domainIsActive: proc(150, { // DOMAIN_IS_ACTIVE
    args: struct({ dom: domainRef }),
    ret: struct({ active: int }),
    priority: 'high',
    readonly: true,
  }),
  domainIsPersistent: proc(151, { // DOMAIN_IS_PERSISTENT
    args: struct({ dom: domainRef }),
    ret: struct({ persistent: int }),
    priority: 'high',
    readonly: true,
  }),
  networkIsActive: proc(152, { // NETWORK_IS_ACTIVE
    args: struct({ net: networkRef }),
    ret: struct({ active: int }),
    priority: 'high',
    readonly: true,
  }),
  networkIsPersistent: proc(153, { // NETWORK_IS_PERSISTENT
    args: struct({ net: networkRef }),
    ret: struct({ persistent: int }),
    priority: 'high',
    readonly: true,
  }),
  storagePoolIsActive: proc(154, { // STORAGE_POOL_IS_ACTIVE
    args: struct({ pool: storagePoolRef }),
    ret: struct({ active: int }),
    priority: 'high',
    readonly: true,
  }),
  storagePoolIsPersistent: proc(155, { // STORAGE_POOL_IS_PERSISTENT
    args: struct({ pool: storagePoolRef }),
    ret: struct({ persistent: int }),
    priority: 'high',
    readonly: true,
  }),
  interfaceIsActive: proc(156, { // INTERFACE_IS_ACTIVE
    args: struct({ iface: interfaceRef }),
    ret: struct({ active: int }),
    priority: 'high',
    readonly: true,
  }),
  connectGetLibVersion: proc(157, { // CONNECT_GET_LIB_VERSION
    ret: struct({ lib_ver: uhyper }),
    priority: 'high',
    readonly: true,
  }),
  connectCompareCPU: proc(158, { // CONNECT_COMPARE_CPU
    args: struct({ xml: str, flags: uint }),
    ret: struct({ result: int }),
    priority: 'high',
    readonly: true,
  }),
  domainMemoryStats: proc(159, { // DOMAIN_MEMORY_STATS
    args: struct({ dom: domainRef, maxStats: uint, flags: uint }),
    ret: struct({ stats: array(domainMemoryStat, L.DOMAIN_MEMORY_STATS_MAX) }),
    readonly: true,
  }),
  domainAttachDeviceFlags: proc(160, { // DOMAIN_ATTACH_DEVICE_FLAGS
    args: struct({ dom: domainRef, xml: str, flags: uint }),
  }),
  domainDetachDeviceFlags: proc(161, { // DOMAIN_DETACH_DEVICE_FLAGS
    args: struct({ dom: domainRef, xml: str, flags: uint }),
  }),
  connectBaselineCPU: proc(162, { // CONNECT_BASELINE_CPU
    args: struct({ xmlCPUs: array(str, L.CPU_BASELINE_MAX), flags: uint }),
    ret: struct({ cpu: str }),
    readonly: true,
  }),
  domainGetJobInfo: proc(163, { // DOMAIN_GET_JOB_INFO
    args: struct({ dom: domainRef }),
    ret: struct({
      type: int, timeElapsed: uhyper, timeRemaining: uhyper, dataTotal: uhyper, dataProcessed: uhyper,
      dataRemaining: uhyper, memTotal: uhyper, memProcessed: uhyper, memRemaining: uhyper, fileTotal: uhyper,
      fileProcessed: uhyper, fileRemaining: uhyper,
    }),
    readonly: true,
  }),
  domainAbortJob: proc(164, { args: struct({ dom: domainRef }) }), // DOMAIN_ABORT_JOB
  storageVolWipe: proc(165, { args: struct({ vol: storageVolRef, flags: uint }) }), // STORAGE_VOL_WIPE
  domainMigrateSetMaxDowntime: proc(166, { // DOMAIN_MIGRATE_SET_MAX_DOWNTIME
    args: struct({ dom: domainRef, downtime: uhyper, flags: uint }),
  }),
  connectDomainEventRegisterAny: proc(167, { // CONNECT_DOMAIN_EVENT_REGISTER_ANY
    args: struct({ eventID: int }),
    priority: 'high',
    readonly: true,
  }),
  connectDomainEventDeregisterAny: proc(168, { // CONNECT_DOMAIN_EVENT_DEREGISTER_ANY
    args: struct({ eventID: int }),
    priority: 'high',
    readonly: true,
  }),
  domainEventReboot: event(169, rebootMsg), // DOMAIN_EVENT_REBOOT
  domainEventRTCChange: event(170, rtcChangeMsg), // DOMAIN_EVENT_RTC_CHANGE
  domainEventWatchdog: event(171, watchdogMsg), // DOMAIN_EVENT_WATCHDOG
  domainEventIOError: event(172, ioErrorMsg), // DOMAIN_EVENT_IO_ERROR
  domainEventGraphics: event(173, graphicsMsg), // DOMAIN_EVENT_GRAPHICS
  domainUpdateDeviceFlags: proc(174, { // DOMAIN_UPDATE_DEVICE_FLAGS
    args: struct({ dom: domainRef, xml: str, flags: uint }),
  }),
  nwfilterLookupByName: proc(175, { // NWFILTER_LOOKUP_BY_NAME
    args: struct({ name: str }),
    ret: struct({ nwfilter: nwfilterRef }),
    priority: 'high',
    readonly: true,
  }),
  nwfilterLookupByUUID: proc(176, { // NWFILTER_LOOKUP_BY_UUID
    args: struct({ uuid: uuid }),
    ret: struct({ nwfilter: nwfilterRef }),
    priority: 'high',
    readonly: true,
  }),
  nwfilterGetXMLDesc: proc(177, { // NWFILTER_GET_XML_DESC
    args: struct({ nwfilter: nwfilterRef, flags: uint }),
    ret: struct({ xml: str }),
    priority: 'high',
    readonly: true,
  }),
  connectNumOfNWFilters: proc(178, { // CONNECT_NUM_OF_NWFILTERS
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  connectListNWFilters: proc(179, { // CONNECT_LIST_NWFILTERS
    args: struct({ maxnames: int }),
    ret: struct({ names: array(str, L.NWFILTER_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  nwfilterDefineXML: proc(180, { // NWFILTER_DEFINE_XML
    args: struct({ xml: str }),
    ret: struct({ nwfilter: nwfilterRef }),
    priority: 'high',
  }),
  nwfilterUndefine: proc(181, { args: struct({ nwfilter: nwfilterRef }), priority: 'high' }), // NWFILTER_UNDEFINE
  domainManagedSave: proc(182, { args: struct({ dom: domainRef, flags: uint }) }), // DOMAIN_MANAGED_SAVE
  domainHasManagedSaveImage: proc(183, { // DOMAIN_HAS_MANAGED_SAVE_IMAGE
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ result: int }),
    readonly: true,
  }),
  domainManagedSaveRemove: proc(184, { args: struct({ dom: domainRef, flags: uint }) }), // DOMAIN_MANAGED_SAVE_REMOVE
  domainSnapshotCreateXML: proc(185, { // DOMAIN_SNAPSHOT_CREATE_XML
    args: struct({ dom: domainRef, xml_desc: str, flags: uint }),
    ret: struct({ snap: snapshotRef }),
  }),
  domainSnapshotGetXMLDesc: proc(186, { // DOMAIN_SNAPSHOT_GET_XML_DESC
    args: struct({ snap: snapshotRef, flags: uint }),
    ret: struct({ xml: str }),
    priority: 'high',
    readonly: 'flags',
  }),
  domainSnapshotNum: proc(187, { // DOMAIN_SNAPSHOT_NUM
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  domainSnapshotListNames: proc(188, { // DOMAIN_SNAPSHOT_LIST_NAMES
    args: struct({ dom: domainRef, maxnames: int, flags: uint }),
    ret: struct({ names: array(str, L.DOMAIN_SNAPSHOT_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  domainSnapshotLookupByName: proc(189, { // DOMAIN_SNAPSHOT_LOOKUP_BY_NAME
    args: struct({ dom: domainRef, name: str, flags: uint }),
    ret: struct({ snap: snapshotRef }),
    priority: 'high',
    readonly: true,
  }),
  domainHasCurrentSnapshot: proc(190, { // DOMAIN_HAS_CURRENT_SNAPSHOT
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ result: int }),
    readonly: true,
  }),
  domainSnapshotCurrent: proc(191, { // DOMAIN_SNAPSHOT_CURRENT
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ snap: snapshotRef }),
    readonly: true,
  }),
  domainRevertToSnapshot: proc(192, { args: struct({ snap: snapshotRef, flags: uint }) }), // DOMAIN_REVERT_TO_SNAPSHOT
  domainSnapshotDelete: proc(193, { args: struct({ snap: snapshotRef, flags: uint }) }), // DOMAIN_SNAPSHOT_DELETE
  domainGetBlockInfo: proc(194, { // DOMAIN_GET_BLOCK_INFO
    args: struct({ dom: domainRef, path: str, flags: uint }),
    ret: struct({ allocation: uhyper, capacity: uhyper, physical: uhyper }),
    readonly: true,
  }),
  domainEventIOErrorReason: event(195, ioErrorReasonMsg), // DOMAIN_EVENT_IO_ERROR_REASON
  domainCreateWithFlags: proc(196, { // DOMAIN_CREATE_WITH_FLAGS
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ dom: domainRef }),
  }),
  domainSetMemoryParameters: proc(197, { // DOMAIN_SET_MEMORY_PARAMETERS
    args: struct({ dom: domainRef, params: array(typedParam, L.DOMAIN_MEMORY_PARAMETERS_MAX), flags: uint }),
  }),
  domainGetMemoryParameters: proc(198, { // DOMAIN_GET_MEMORY_PARAMETERS
    args: struct({ dom: domainRef, nparams: int, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_MEMORY_PARAMETERS_MAX), nparams: int }),
    readonly: true,
  }),
  domainSetVcpusFlags: proc(199, { // DOMAIN_SET_VCPUS_FLAGS
    args: struct({ dom: domainRef, nvcpus: uint, flags: uint }),
  }),
  domainGetVcpusFlags: proc(200, { // DOMAIN_GET_VCPUS_FLAGS
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ num: int }),
    readonly: 'flags',
  }),
  domainOpenConsole: proc(201, { // DOMAIN_OPEN_CONSOLE
    args: struct({ dom: domainRef, dev_name: optStr, flags: uint }),
    stream: 'both',
  }),
  domainIsUpdated: proc(202, { // DOMAIN_IS_UPDATED
    args: struct({ dom: domainRef }),
    ret: struct({ updated: int }),
    priority: 'high',
    readonly: true,
  }),
  connectGetSysinfo: proc(203, { // CONNECT_GET_SYSINFO
    args: struct({ flags: uint }),
    ret: struct({ sysinfo: str }),
    priority: 'high',
    readonly: true,
  }),
  domainSetMemoryFlags: proc(204, { // DOMAIN_SET_MEMORY_FLAGS
    args: struct({ dom: domainRef, memory: uhyper, flags: uint }),
  }),
  domainSetBlkioParameters: proc(205, { // DOMAIN_SET_BLKIO_PARAMETERS
    args: struct({ dom: domainRef, params: array(typedParam, L.DOMAIN_BLKIO_PARAMETERS_MAX), flags: uint }),
  }),
  domainGetBlkioParameters: proc(206, { // DOMAIN_GET_BLKIO_PARAMETERS
    args: struct({ dom: domainRef, nparams: int, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_BLKIO_PARAMETERS_MAX), nparams: int }),
    readonly: true,
  }),
  domainMigrateSetMaxSpeed: proc(207, { // DOMAIN_MIGRATE_SET_MAX_SPEED
    args: struct({ dom: domainRef, bandwidth: uhyper, flags: uint }),
  }),
  storageVolUpload: proc(208, { // STORAGE_VOL_UPLOAD
    args: struct({ vol: storageVolRef, offset: uhyper, length: uhyper, flags: uint }),
    stream: 'out',
    sparse: true,
  }),
  storageVolDownload: proc(209, { // STORAGE_VOL_DOWNLOAD
    args: struct({ vol: storageVolRef, offset: uhyper, length: uhyper, flags: uint }),
    stream: 'in',
    sparse: true,
  }),
  domainInjectNMI: proc(210, { args: struct({ dom: domainRef, flags: uint }) }), // DOMAIN_INJECT_NMI
  domainScreenshot: proc(211, { // DOMAIN_SCREENSHOT
    args: struct({ dom: domainRef, screen: uint, flags: uint }),
    ret: domainScreenshotRet,
    stream: 'in',
  }),
  domainGetState: proc(212, { // DOMAIN_GET_STATE
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ state: int, reason: int }),
    priority: 'high',
    readonly: true,
  }),
  domainMigrateBegin3: proc(213, { // DOMAIN_MIGRATE_BEGIN3
    args: struct({ dom: domainRef, xmlin: optStr, flags: uhyper, dname: optStr, resource: uhyper }),
    ret: struct({ cookie_out: opaque(L.MIGRATE_COOKIE_MAX), xml: str }),
  }),
  domainMigratePrepare3: proc(214, { // DOMAIN_MIGRATE_PREPARE3
    args: struct({
      cookie_in: opaque(L.MIGRATE_COOKIE_MAX), uri_in: optStr, flags: uhyper, dname: optStr, resource: uhyper,
      dom_xml: str,
    }),
    ret: struct({ cookie_out: opaque(L.MIGRATE_COOKIE_MAX), uri_out: optStr }),
  }),
  domainMigratePrepareTunnel3: proc(215, { // DOMAIN_MIGRATE_PREPARE_TUNNEL3
    args: struct({
      cookie_in: opaque(L.MIGRATE_COOKIE_MAX), flags: uhyper, dname: optStr, resource: uhyper, dom_xml: str,
    }),
    ret: struct({ cookie_out: opaque(L.MIGRATE_COOKIE_MAX) }),
    stream: 'out',
  }),
  domainMigratePerform3: proc(216, { // DOMAIN_MIGRATE_PERFORM3
    args: struct({
      dom: domainRef, xmlin: optStr, cookie_in: opaque(L.MIGRATE_COOKIE_MAX), dconnuri: optStr, uri: optStr,
      flags: uhyper, dname: optStr, resource: uhyper,
    }),
    ret: struct({ cookie_out: opaque(L.MIGRATE_COOKIE_MAX) }),
  }),
  domainMigrateFinish3: proc(217, { // DOMAIN_MIGRATE_FINISH3
    args: struct({
      dname: str, cookie_in: opaque(L.MIGRATE_COOKIE_MAX), dconnuri: optStr, uri: optStr, flags: uhyper,
      cancelled: int,
    }),
    ret: struct({ dom: domainRef, cookie_out: opaque(L.MIGRATE_COOKIE_MAX) }),
  }),
  domainMigrateConfirm3: proc(218, { // DOMAIN_MIGRATE_CONFIRM3
    args: struct({ dom: domainRef, cookie_in: opaque(L.MIGRATE_COOKIE_MAX), flags: uhyper, cancelled: int }),
  }),
  domainSetSchedulerParametersFlags: proc(219, { // DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS
    args: struct({ dom: domainRef, params: array(typedParam, L.DOMAIN_SCHEDULER_PARAMETERS_MAX), flags: uint }),
  }),
  interfaceChangeBegin: proc(220, { args: struct({ flags: uint }) }), // INTERFACE_CHANGE_BEGIN
  interfaceChangeCommit: proc(221, { args: struct({ flags: uint }) }), // INTERFACE_CHANGE_COMMIT
  interfaceChangeRollback: proc(222, { args: struct({ flags: uint }) }), // INTERFACE_CHANGE_ROLLBACK
  domainGetSchedulerParametersFlags: proc(223, { // DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS
    args: struct({ dom: domainRef, nparams: int, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_SCHEDULER_PARAMETERS_MAX) }),
    readonly: true,
  }),
  domainEventControlError: event(224, controlErrorMsg), // DOMAIN_EVENT_CONTROL_ERROR
  domainPinVcpuFlags: proc(225, { // DOMAIN_PIN_VCPU_FLAGS
    args: struct({ dom: domainRef, vcpu: uint, cpumap: opaque(L.CPUMAP_MAX), flags: uint }),
  }),
  domainSendKey: proc(226, { // DOMAIN_SEND_KEY
    args: struct({
      dom: domainRef, codeset: uint, holdtime: uint, keycodes: array(uint, L.DOMAIN_SEND_KEY_MAX), flags: uint,
    }),
  }),
  nodeGetCPUStats: proc(227, { // NODE_GET_CPU_STATS
    args: struct({ cpuNum: int, nparams: int, flags: uint }),
    ret: struct({ params: array(nodeCpuStat, L.NODE_CPU_STATS_MAX), nparams: int }),
    priority: 'high',
    readonly: true,
  }),
  nodeGetMemoryStats: proc(228, { // NODE_GET_MEMORY_STATS
    args: struct({ nparams: int, cellNum: int, flags: uint }),
    ret: struct({ params: array(nodeMemoryStat, L.NODE_MEMORY_STATS_MAX), nparams: int }),
    priority: 'high',
    readonly: true,
  }),
  domainGetControlInfo: proc(229, { // DOMAIN_GET_CONTROL_INFO
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ state: uint, details: uint, stateTime: uhyper }),
    priority: 'high',
    readonly: true,
  }),
  domainGetVcpuPinInfo: proc(230, { // DOMAIN_GET_VCPU_PIN_INFO
    args: struct({ dom: domainRef, ncpumaps: int, maplen: int, flags: uint }),
    ret: struct({ cpumaps: opaque(L.CPUMAPS_MAX), num: int }),
    readonly: true,
  }),
  domainUndefineFlags: proc(231, { // DOMAIN_UNDEFINE_FLAGS
    args: struct({ dom: domainRef, flags: uint }),
    priority: 'high',
  }),
  domainSaveFlags: proc(232, { // DOMAIN_SAVE_FLAGS
    args: struct({ dom: domainRef, to: str, dxml: optStr, flags: uint }),
  }),
  domainRestoreFlags: proc(233, { args: struct({ from: str, dxml: optStr, flags: uint }) }), // DOMAIN_RESTORE_FLAGS
  domainDestroyFlags: proc(234, { // DOMAIN_DESTROY_FLAGS
    args: struct({ dom: domainRef, flags: uint }),
    priority: 'high',
  }),
  domainSaveImageGetXMLDesc: proc(235, { // DOMAIN_SAVE_IMAGE_GET_XML_DESC
    args: struct({ file: str, flags: uint }),
    ret: struct({ xml: str }),
    priority: 'high',
  }),
  domainSaveImageDefineXML: proc(236, { // DOMAIN_SAVE_IMAGE_DEFINE_XML
    args: struct({ file: str, dxml: str, flags: uint }),
    priority: 'high',
  }),
  domainBlockJobAbort: proc(237, { // DOMAIN_BLOCK_JOB_ABORT
    args: struct({ dom: domainRef, path: str, flags: uint }),
  }),
  domainGetBlockJobInfo: proc(238, { // DOMAIN_GET_BLOCK_JOB_INFO
    args: struct({ dom: domainRef, path: str, flags: uint }),
    ret: struct({ found: int, type: int, bandwidth: uhyper, cur: uhyper, end: uhyper }),
    readonly: true,
  }),
  domainBlockJobSetSpeed: proc(239, { // DOMAIN_BLOCK_JOB_SET_SPEED
    args: struct({ dom: domainRef, path: str, bandwidth: uhyper, flags: uint }),
  }),
  domainBlockPull: proc(240, { // DOMAIN_BLOCK_PULL
    args: struct({ dom: domainRef, path: str, bandwidth: uhyper, flags: uint }),
  }),
  domainEventBlockJob: event(241, blockJobMsg), // DOMAIN_EVENT_BLOCK_JOB
  domainMigrateGetMaxSpeed: proc(242, { // DOMAIN_MIGRATE_GET_MAX_SPEED
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ bandwidth: uhyper }),
  }),
  domainBlockStatsFlags: proc(243, { // DOMAIN_BLOCK_STATS_FLAGS
    args: struct({ dom: domainRef, path: str, nparams: int, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_BLOCK_STATS_PARAMETERS_MAX), nparams: int }),
    readonly: true,
  }),
  domainSnapshotGetParent: proc(244, { // DOMAIN_SNAPSHOT_GET_PARENT
    args: struct({ snap: snapshotRef, flags: uint }),
    ret: struct({ snap: snapshotRef }),
    priority: 'high',
    readonly: true,
  }),
  domainReset: proc(245, { args: struct({ dom: domainRef, flags: uint }) }), // DOMAIN_RESET
  domainSnapshotNumChildren: proc(246, { // DOMAIN_SNAPSHOT_NUM_CHILDREN
    args: struct({ snap: snapshotRef, flags: uint }),
    ret: struct({ num: int }),
    priority: 'high',
    readonly: true,
  }),
  domainSnapshotListChildrenNames: proc(247, { // DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES
    args: struct({ snap: snapshotRef, maxnames: int, flags: uint }),
    ret: struct({ names: array(str, L.DOMAIN_SNAPSHOT_LIST_MAX) }),
    priority: 'high',
    readonly: true,
  }),
  domainEventDiskChange: event(248, diskChangeMsg), // DOMAIN_EVENT_DISK_CHANGE
  domainOpenGraphics: proc(249, { // DOMAIN_OPEN_GRAPHICS
    args: struct({ dom: domainRef, idx: uint, flags: uint }),
    fds: 'out',
  }),
  nodeSuspendForDuration: proc(250, { // NODE_SUSPEND_FOR_DURATION
    args: struct({ target: uint, duration: uhyper, flags: uint }),
  }),
  domainBlockResize: proc(251, { // DOMAIN_BLOCK_RESIZE
    args: struct({ dom: domainRef, disk: str, size: uhyper, flags: uint }),
  }),
  domainSetBlockIoTune: proc(252, { // DOMAIN_SET_BLOCK_IO_TUNE
    args: struct({
      dom: domainRef, disk: str, params: array(typedParam, L.DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX), flags: uint,
    }),
  }),
  domainGetBlockIoTune: proc(253, { // DOMAIN_GET_BLOCK_IO_TUNE
    args: struct({ dom: domainRef, disk: optStr, nparams: int, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX), nparams: int }),
    readonly: true,
  }),
  domainSetNumaParameters: proc(254, { // DOMAIN_SET_NUMA_PARAMETERS
    args: struct({ dom: domainRef, params: array(typedParam, L.DOMAIN_NUMA_PARAMETERS_MAX), flags: uint }),
  }),
  domainGetNumaParameters: proc(255, { // DOMAIN_GET_NUMA_PARAMETERS
    args: struct({ dom: domainRef, nparams: int, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_NUMA_PARAMETERS_MAX), nparams: int }),
    readonly: true,
  }),
  domainSetInterfaceParameters: proc(256, { // DOMAIN_SET_INTERFACE_PARAMETERS
    args: struct({
      dom: domainRef, device: str, params: array(typedParam, L.DOMAIN_INTERFACE_PARAMETERS_MAX), flags: uint,
    }),
  }),
  domainGetInterfaceParameters: proc(257, { // DOMAIN_GET_INTERFACE_PARAMETERS
    args: struct({ dom: domainRef, device: str, nparams: int, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_INTERFACE_PARAMETERS_MAX), nparams: int }),
    readonly: true,
  }),
  domainShutdownFlags: proc(258, { args: struct({ dom: domainRef, flags: uint }) }), // DOMAIN_SHUTDOWN_FLAGS
  storageVolWipePattern: proc(259, { // STORAGE_VOL_WIPE_PATTERN
    args: struct({ vol: storageVolRef, algorithm: uint, flags: uint }),
  }),
  storageVolResize: proc(260, { // STORAGE_VOL_RESIZE
    args: struct({ vol: storageVolRef, capacity: uhyper, flags: uint }),
  }),
  domainPMSuspendForDuration: proc(261, { // DOMAIN_PM_SUSPEND_FOR_DURATION
    args: struct({ dom: domainRef, target: uint, duration: uhyper, flags: uint }),
  }),
  domainGetCPUStats: proc(262, { // DOMAIN_GET_CPU_STATS
    args: struct({ dom: domainRef, nparams: uint, start_cpu: int, ncpus: uint, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_GET_CPU_STATS_MAX), nparams: int }),
    readonly: true,
  }),
  domainGetDiskErrors: proc(263, { // DOMAIN_GET_DISK_ERRORS
    args: struct({ dom: domainRef, maxerrors: uint, flags: uint }),
    ret: struct({ errors: array(domainDiskError, L.DOMAIN_DISK_ERRORS_MAX), nerrors: int }),
    readonly: true,
  }),
  domainSetMetadata: proc(264, { // DOMAIN_SET_METADATA
    args: struct({ dom: domainRef, type: int, metadata: optStr, key: optStr, uri: optStr, flags: uint }),
  }),
  domainGetMetadata: proc(265, { // DOMAIN_GET_METADATA
    args: struct({ dom: domainRef, type: int, uri: optStr, flags: uint }),
    ret: struct({ metadata: str }),
    readonly: true,
  }),
  domainBlockRebase: proc(266, { // DOMAIN_BLOCK_REBASE
    args: struct({ dom: domainRef, path: str, base: optStr, bandwidth: uhyper, flags: uint }),
  }),
  domainPMWakeup: proc(267, { args: struct({ dom: domainRef, flags: uint }) }), // DOMAIN_PM_WAKEUP
  domainEventTrayChange: event(268, trayChangeMsg), // DOMAIN_EVENT_TRAY_CHANGE
  domainEventPMWakeup: event(269, pmWakeupMsg), // DOMAIN_EVENT_PMWAKEUP
  domainEventPMSuspend: event(270, pmSuspendMsg), // DOMAIN_EVENT_PMSUSPEND
  domainSnapshotIsCurrent: proc(271, { // DOMAIN_SNAPSHOT_IS_CURRENT
    args: struct({ snap: snapshotRef, flags: uint }),
    ret: struct({ current: int }),
    readonly: true,
  }),
  domainSnapshotHasMetadata: proc(272, { // DOMAIN_SNAPSHOT_HAS_METADATA
    args: struct({ snap: snapshotRef, flags: uint }),
    ret: struct({ metadata: int }),
    readonly: true,
  }),
  connectListAllDomains: proc(273, { // CONNECT_LIST_ALL_DOMAINS
    args: struct({ need_results: int, flags: uint }),
    ret: struct({ domains: array(domainRef, L.DOMAIN_LIST_MAX), ret: uint }),
    priority: 'high',
    readonly: true,
  }),
  domainListAllSnapshots: proc(274, { // DOMAIN_LIST_ALL_SNAPSHOTS
    args: struct({ dom: domainRef, need_results: int, flags: uint }),
    ret: struct({ snapshots: array(snapshotRef, L.DOMAIN_SNAPSHOT_LIST_MAX), ret: int }),
    priority: 'high',
    readonly: true,
  }),
  domainSnapshotListAllChildren: proc(275, { // DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN
    args: struct({ snapshot: snapshotRef, need_results: int, flags: uint }),
    ret: struct({ snapshots: array(snapshotRef, L.DOMAIN_SNAPSHOT_LIST_MAX), ret: int }),
    priority: 'high',
    readonly: true,
  }),
  domainEventBalloonChange: event(276, balloonChangeMsg), // DOMAIN_EVENT_BALLOON_CHANGE
  domainGetHostname: proc(277, { // DOMAIN_GET_HOSTNAME
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ hostname: str }),
  }),
  domainGetSecurityLabelList: proc(278, { // DOMAIN_GET_SECURITY_LABEL_LIST
    args: struct({ dom: domainRef }),
    ret: struct({ labels: array(domainSecurityLabel, L.SECURITY_LABEL_LIST_MAX), ret: int }),
    priority: 'high',
    readonly: true,
  }),
  domainPinEmulator: proc(279, { // DOMAIN_PIN_EMULATOR
    args: struct({ dom: domainRef, cpumap: opaque(L.CPUMAP_MAX), flags: uint }),
  }),
  domainGetEmulatorPinInfo: proc(280, { // DOMAIN_GET_EMULATOR_PIN_INFO
    args: struct({ dom: domainRef, maplen: int, flags: uint }),
    ret: struct({ cpumaps: opaque(L.CPUMAPS_MAX), ret: int }),
    readonly: true,
  }),
  connectListAllStoragePools: proc(281, { // CONNECT_LIST_ALL_STORAGE_POOLS
    args: struct({ need_results: int, flags: uint }),
    ret: struct({ pools: array(storagePoolRef, L.STORAGE_POOL_LIST_MAX), ret: uint }),
    priority: 'high',
    readonly: true,
  }),
  storagePoolListAllVolumes: proc(282, { // STORAGE_POOL_LIST_ALL_VOLUMES
    args: struct({ pool: storagePoolRef, need_results: int, flags: uint }),
    ret: struct({ vols: array(storageVolRef, L.STORAGE_VOL_LIST_MAX), ret: uint }),
    priority: 'high',
    readonly: true,
  }),
  connectListAllNetworks: proc(283, { // CONNECT_LIST_ALL_NETWORKS
    args: struct({ need_results: int, flags: uint }),
    ret: struct({ nets: array(networkRef, L.NETWORK_LIST_MAX), ret: uint }),
    priority: 'high',
    readonly: true,
  }),
  connectListAllInterfaces: proc(284, { // CONNECT_LIST_ALL_INTERFACES
    args: struct({ need_results: int, flags: uint }),
    ret: struct({ ifaces: array(interfaceRef, L.INTERFACE_LIST_MAX), ret: uint }),
    priority: 'high',
    readonly: true,
  }),
  connectListAllNodeDevices: proc(285, { // CONNECT_LIST_ALL_NODE_DEVICES
    args: struct({ need_results: int, flags: uint }),
    ret: struct({ devices: array(nodeDeviceRef, L.NODE_DEVICE_LIST_MAX), ret: uint }),
    priority: 'high',
    readonly: true,
  }),
  connectListAllNWFilters: proc(286, { // CONNECT_LIST_ALL_NWFILTERS
    args: struct({ need_results: int, flags: uint }),
    ret: struct({ filters: array(nwfilterRef, L.NWFILTER_LIST_MAX), ret: uint }),
    priority: 'high',
    readonly: true,
  }),
  connectListAllSecrets: proc(287, { // CONNECT_LIST_ALL_SECRETS
    args: struct({ need_results: int, flags: uint }),
    ret: struct({ secrets: array(secretRef, L.SECRET_LIST_MAX), ret: uint }),
    priority: 'high',
    readonly: true,
  }),
  nodeSetMemoryParameters: proc(288, { // NODE_SET_MEMORY_PARAMETERS
    args: struct({ params: array(typedParam, L.NODE_MEMORY_PARAMETERS_MAX), flags: uint }),
  }),
  nodeGetMemoryParameters: proc(289, { // NODE_GET_MEMORY_PARAMETERS
    args: struct({ nparams: int, flags: uint }),
    ret: struct({ params: array(typedParam, L.NODE_MEMORY_PARAMETERS_MAX), nparams: int }),
    readonly: true,
  }),
  domainBlockCommit: proc(290, { // DOMAIN_BLOCK_COMMIT
    args: struct({ dom: domainRef, disk: str, base: optStr, top: optStr, bandwidth: uhyper, flags: uint }),
  }),
  networkUpdate: proc(291, { // NETWORK_UPDATE
    args: struct({ net: networkRef, command: uint, section: uint, parentIndex: int, xml: str, flags: uint }),
    priority: 'high',
  }),
  domainEventPMSuspendDisk: event(292, pmSuspendDiskMsg), // DOMAIN_EVENT_PMSUSPEND_DISK
  nodeGetCPUMap: proc(293, { // NODE_GET_CPU_MAP
    args: struct({ need_map: int, need_online: int, flags: uint }),
    ret: struct({ cpumap: opaque(L.CPUMAP_MAX), online: uint, ret: int }),
    readonly: true,
  }),
  domainFSTrim: proc(294, { // DOMAIN_FSTRIM
    args: struct({ dom: domainRef, mountPoint: optStr, minimum: uhyper, flags: uint }),
  }),
  domainSendProcessSignal: proc(295, { // DOMAIN_SEND_PROCESS_SIGNAL
    args: struct({ dom: domainRef, pid_value: hyper, signum: uint, flags: uint }),
  }),
  domainOpenChannel: proc(296, { // DOMAIN_OPEN_CHANNEL
    args: struct({ dom: domainRef, name: optStr, flags: uint }),
    stream: 'both',
  }),
  nodeDeviceLookupSCSIHostByWWN: proc(297, { // NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN
    args: struct({ wwnn: str, wwpn: str, flags: uint }),
    ret: struct({ dev: nodeDeviceRef }),
    priority: 'high',
    readonly: true,
  }),
  domainGetJobStats: proc(298, { // DOMAIN_GET_JOB_STATS
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ type: int, params: array(typedParam, L.DOMAIN_JOB_STATS_MAX) }),
    readonly: true,
  }),
  domainMigrateGetCompressionCache: proc(299, { // DOMAIN_MIGRATE_GET_COMPRESSION_CACHE
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ cacheSize: uhyper }),
    readonly: true,
  }),
  domainMigrateSetCompressionCache: proc(300, { // DOMAIN_MIGRATE_SET_COMPRESSION_CACHE
    args: struct({ dom: domainRef, cacheSize: uhyper, flags: uint }),
  }),
  nodeDeviceDetachFlags: proc(301, { // NODE_DEVICE_DETACH_FLAGS
    args: struct({ name: str, driverName: optStr, flags: uint }),
  }),
  domainMigrateBegin3Params: proc(302, { // DOMAIN_MIGRATE_BEGIN3_PARAMS
    args: struct({ dom: domainRef, params: array(typedParam, L.DOMAIN_MIGRATE_PARAM_LIST_MAX), flags: uint }),
    ret: struct({ cookie_out: opaque(L.MIGRATE_COOKIE_MAX), xml: str }),
  }),
  domainMigratePrepare3Params: proc(303, { // DOMAIN_MIGRATE_PREPARE3_PARAMS
    args: struct({
      params: array(typedParam, L.DOMAIN_MIGRATE_PARAM_LIST_MAX), cookie_in: opaque(L.MIGRATE_COOKIE_MAX),
      flags: uint,
    }),
    ret: struct({ cookie_out: opaque(L.MIGRATE_COOKIE_MAX), uri_out: optStr }),
  }),
  domainMigratePrepareTunnel3Params: proc(304, { // DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS
    args: struct({
      params: array(typedParam, L.DOMAIN_MIGRATE_PARAM_LIST_MAX), cookie_in: opaque(L.MIGRATE_COOKIE_MAX),
      flags: uint,
    }),
    ret: struct({ cookie_out: opaque(L.MIGRATE_COOKIE_MAX) }),
    // Not annotated @writestream in the .x (hand-written dispatcher), but it opens the tunnel stream (§15).
    stream: 'out',
  }),
  domainMigratePerform3Params: proc(305, { // DOMAIN_MIGRATE_PERFORM3_PARAMS
    args: struct({
      dom: domainRef, dconnuri: optStr, params: array(typedParam, L.DOMAIN_MIGRATE_PARAM_LIST_MAX),
      cookie_in: opaque(L.MIGRATE_COOKIE_MAX), flags: uint,
    }),
    ret: struct({ cookie_out: opaque(L.MIGRATE_COOKIE_MAX) }),
  }),
  domainMigrateFinish3Params: proc(306, { // DOMAIN_MIGRATE_FINISH3_PARAMS
    args: struct({
      params: array(typedParam, L.DOMAIN_MIGRATE_PARAM_LIST_MAX), cookie_in: opaque(L.MIGRATE_COOKIE_MAX),
      flags: uint, cancelled: int,
    }),
    ret: struct({ dom: domainRef, cookie_out: opaque(L.MIGRATE_COOKIE_MAX) }),
  }),
  domainMigrateConfirm3Params: proc(307, { // DOMAIN_MIGRATE_CONFIRM3_PARAMS
    args: struct({
      dom: domainRef, params: array(typedParam, L.DOMAIN_MIGRATE_PARAM_LIST_MAX),
      cookie_in: opaque(L.MIGRATE_COOKIE_MAX), flags: uint, cancelled: int,
    }),
  }),
  domainSetMemoryStatsPeriod: proc(308, { // DOMAIN_SET_MEMORY_STATS_PERIOD
    args: struct({ dom: domainRef, period: int, flags: uint }),
  }),
  domainCreateXMLWithFiles: proc(309, { // DOMAIN_CREATE_XML_WITH_FILES
    args: struct({ xml_desc: str, flags: uint }),
    ret: struct({ dom: domainRef }),
    fds: 'out',
  }),
  domainCreateWithFiles: proc(310, { // DOMAIN_CREATE_WITH_FILES
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ dom: domainRef }),
    fds: 'out',
  }),
  domainEventDeviceRemoved: event(311, deviceRemovedMsg), // DOMAIN_EVENT_DEVICE_REMOVED
  connectGetCPUModelNames: proc(312, { // CONNECT_GET_CPU_MODEL_NAMES
    args: struct({ arch: str, need_results: int, flags: uint }),
    ret: struct({ models: array(str, L.CONNECT_CPU_MODELS_MAX), ret: int }),
    readonly: true,
  }),
  connectNetworkEventRegisterAny: proc(313, { // CONNECT_NETWORK_EVENT_REGISTER_ANY
    args: struct({ eventID: int, net: optNetworkRef }),
    ret: struct({ callbackID: int }),
    priority: 'high',
    readonly: true,
  }),
  connectNetworkEventDeregisterAny: proc(314, { // CONNECT_NETWORK_EVENT_DEREGISTER_ANY
    args: struct({ callbackID: int }),
    priority: 'high',
    readonly: true,
  }),
  // NETWORK_EVENT_LIFECYCLE
  networkEventLifecycle: event(315, struct({ callbackID: int, net: networkRef, event: int, detail: int })),
  connectDomainEventCallbackRegisterAny: proc(316, { // CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY
    args: struct({ eventID: int, dom: optDomainRef }),
    ret: struct({ callbackID: int }),
    priority: 'high',
    readonly: true,
  }),
  connectDomainEventCallbackDeregisterAny: proc(317, { // CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY
    args: struct({ callbackID: int }),
    priority: 'high',
    readonly: true,
  }),
  // DOMAIN_EVENT_CALLBACK_LIFECYCLE
  domainEventCallbackLifecycle: event(318, struct({ callbackID: int, msg: lifecycleMsg })),
  domainEventCallbackReboot: event(319, struct({ callbackID: int, msg: rebootMsg })), // DOMAIN_EVENT_CALLBACK_REBOOT
  // DOMAIN_EVENT_CALLBACK_RTC_CHANGE
  domainEventCallbackRTCChange: event(320, struct({ callbackID: int, msg: rtcChangeMsg })),
  // DOMAIN_EVENT_CALLBACK_WATCHDOG
  domainEventCallbackWatchdog: event(321, struct({ callbackID: int, msg: watchdogMsg })),
  // DOMAIN_EVENT_CALLBACK_IO_ERROR
  domainEventCallbackIOError: event(322, struct({ callbackID: int, msg: ioErrorMsg })),
  // DOMAIN_EVENT_CALLBACK_GRAPHICS
  domainEventCallbackGraphics: event(323, struct({ callbackID: int, msg: graphicsMsg })),
  // DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON
  domainEventCallbackIOErrorReason: event(324, struct({ callbackID: int, msg: ioErrorReasonMsg })),
  // DOMAIN_EVENT_CALLBACK_CONTROL_ERROR
  domainEventCallbackControlError: event(325, struct({ callbackID: int, msg: controlErrorMsg })),
  // DOMAIN_EVENT_CALLBACK_BLOCK_JOB
  domainEventCallbackBlockJob: event(326, struct({ callbackID: int, msg: blockJobMsg })),
  // DOMAIN_EVENT_CALLBACK_DISK_CHANGE
  domainEventCallbackDiskChange: event(327, struct({ callbackID: int, msg: diskChangeMsg })),
  // DOMAIN_EVENT_CALLBACK_TRAY_CHANGE
  domainEventCallbackTrayChange: event(328, struct({ callbackID: int, msg: trayChangeMsg })),
  // DOMAIN_EVENT_CALLBACK_PMWAKEUP
  domainEventCallbackPMWakeup: event(329, struct({ callbackID: int, reason: int, msg: pmWakeupMsg })),
  // DOMAIN_EVENT_CALLBACK_PMSUSPEND
  domainEventCallbackPMSuspend: event(330, struct({ callbackID: int, reason: int, msg: pmSuspendMsg })),
  // DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE
  domainEventCallbackBalloonChange: event(331, struct({ callbackID: int, msg: balloonChangeMsg })),
  // DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK
  domainEventCallbackPMSuspendDisk: event(332, struct({ callbackID: int, reason: int, msg: pmSuspendDiskMsg })),
  // DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED
  domainEventCallbackDeviceRemoved: event(333, struct({ callbackID: int, msg: deviceRemovedMsg })),
  domainCoreDumpWithFormat: proc(334, { // DOMAIN_CORE_DUMP_WITH_FORMAT
    args: struct({ dom: domainRef, to: str, dumpformat: uint, flags: uint }),
  }),
  domainFSFreeze: proc(335, { // DOMAIN_FSFREEZE
    args: struct({ dom: domainRef, mountpoints: array(str, L.DOMAIN_FSFREEZE_MOUNTPOINTS_MAX), flags: uint }),
    ret: struct({ filesystems: int }),
  }),
  domainFSThaw: proc(336, { // DOMAIN_FSTHAW
    args: struct({ dom: domainRef, mountpoints: array(str, L.DOMAIN_FSFREEZE_MOUNTPOINTS_MAX), flags: uint }),
    ret: struct({ filesystems: int }),
  }),
  domainGetTime: proc(337, { // DOMAIN_GET_TIME
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ seconds: hyper, nseconds: uint }),
  }),
  domainSetTime: proc(338, { // DOMAIN_SET_TIME
    args: struct({ dom: domainRef, seconds: hyper, nseconds: uint, flags: uint }),
  }),
  // DOMAIN_EVENT_BLOCK_JOB_2
  domainEventBlockJob2: event(339, struct({ callbackID: int, dom: domainRef, dst: str, type: int, status: int })),
  nodeGetFreePages: proc(340, { // NODE_GET_FREE_PAGES
    args: struct({ pages: array(uint, L.NODE_MAX_CELLS), startCell: int, cellCount: uint, flags: uint }),
    ret: struct({ counts: array(uhyper, L.NODE_MAX_CELLS) }),
    priority: 'high',
    readonly: true,
  }),
  networkGetDHCPLeases: proc(341, { // NETWORK_GET_DHCP_LEASES
    args: struct({ net: networkRef, mac: optStr, need_results: int, flags: uint }),
    ret: struct({ leases: array(networkDhcpLease, L.NETWORK_DHCP_LEASES_MAX), ret: uint }),
    readonly: true,
  }),
  connectGetDomainCapabilities: proc(342, { // CONNECT_GET_DOMAIN_CAPABILITIES
    args: struct({ emulatorbin: optStr, arch: optStr, machine: optStr, virttype: optStr, flags: uint }),
    ret: struct({ capabilities: str }),
  }),
  domainOpenGraphicsFD: proc(343, { // DOMAIN_OPEN_GRAPHICS_FD
    args: struct({ dom: domainRef, idx: uint, flags: uint }),
    fds: 'in',
  }),
  connectGetAllDomainStats: proc(344, { // CONNECT_GET_ALL_DOMAIN_STATS
    args: struct({ doms: array(domainRef, L.DOMAIN_LIST_MAX), stats: uint, flags: uint }),
    ret: struct({ retStats: array(domainStatsRecord, L.DOMAIN_LIST_MAX) }),
    readonly: true,
  }),
  domainBlockCopy: proc(345, { // DOMAIN_BLOCK_COPY
    args: struct({
      dom: domainRef, path: str, destxml: str, params: array(typedParam, L.DOMAIN_BLOCK_COPY_PARAMETERS_MAX),
      flags: uint,
    }),
  }),
  domainEventCallbackTunable: event(346, struct({
    callbackID: int, dom: domainRef, params: array(typedParam, L.DOMAIN_EVENT_TUNABLE_MAX),
  })), // DOMAIN_EVENT_CALLBACK_TUNABLE
  nodeAllocPages: proc(347, { // NODE_ALLOC_PAGES
    args: struct({
      pageSizes: array(uint, L.NODE_MAX_CELLS), pageCounts: array(uhyper, L.NODE_MAX_CELLS), startCell: int,
      cellCount: uint, flags: uint,
    }),
    ret: struct({ ret: int }),
  }),
  // DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE
  domainEventCallbackAgentLifecycle: event(348, struct({ callbackID: int, dom: domainRef, state: int, reason: int })),
  domainGetFSInfo: proc(349, { // DOMAIN_GET_FSINFO
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ info: array(domainFsinfo, L.DOMAIN_FSINFO_MAX), ret: uint }),
  }),
  domainDefineXMLFlags: proc(350, { // DOMAIN_DEFINE_XML_FLAGS
    args: struct({ xml: str, flags: uint }),
    ret: struct({ dom: domainRef }),
    priority: 'high',
  }),
  domainGetIOThreadInfo: proc(351, { // DOMAIN_GET_IOTHREAD_INFO
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ info: array(domainIothreadInfo, L.IOTHREAD_INFO_MAX), ret: uint }),
    readonly: true,
  }),
  domainPinIOThread: proc(352, { // DOMAIN_PIN_IOTHREAD
    args: struct({ dom: domainRef, iothreads_id: uint, cpumap: opaque(L.CPUMAP_MAX), flags: uint }),
  }),
  domainInterfaceAddresses: proc(353, { // DOMAIN_INTERFACE_ADDRESSES
    args: struct({ dom: domainRef, source: uint, flags: uint }),
    ret: struct({ ifaces: array(domainInterface, L.DOMAIN_INTERFACE_MAX) }),
    readonly: 'flags',
  }),
  // DOMAIN_EVENT_CALLBACK_DEVICE_ADDED
  domainEventCallbackDeviceAdded: event(354, struct({ callbackID: int, dom: domainRef, devAlias: str })),
  domainAddIOThread: proc(355, { // DOMAIN_ADD_IOTHREAD
    args: struct({ dom: domainRef, iothread_id: uint, flags: uint }),
  }),
  domainDelIOThread: proc(356, { // DOMAIN_DEL_IOTHREAD
    args: struct({ dom: domainRef, iothread_id: uint, flags: uint }),
  }),
  domainSetUserPassword: proc(357, { // DOMAIN_SET_USER_PASSWORD
    args: struct({ dom: domainRef, user: optStr, password: optStr, flags: uint }),
  }),
  domainRename: proc(358, { // DOMAIN_RENAME
    args: struct({ dom: domainRef, new_name: optStr, flags: uint }),
    ret: struct({ retcode: int }),
  }),
  // DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION
  domainEventCallbackMigrationIteration: event(359, struct({ callbackID: int, dom: domainRef, iteration: int })),
  // Priority per libvirt-rpc.md §18 (9.6); the 2019 .x had no @priority on 360/361. Priority is not on the wire.
  connectRegisterCloseCallback: proc(360, { priority: 'high', readonly: true }), // CONNECT_REGISTER_CLOSE_CALLBACK
  connectUnregisterCloseCallback: proc(361, { priority: 'high', readonly: true }), // CONNECT_UNREGISTER_CLOSE_CALLBACK
  connectEventConnectionClosed: event(362, struct({ reason: int })), // CONNECT_EVENT_CONNECTION_CLOSED
  domainEventCallbackJobCompleted: event(363, struct({
    callbackID: int, dom: domainRef, params: array(typedParam, L.DOMAIN_JOB_STATS_MAX),
  })), // DOMAIN_EVENT_CALLBACK_JOB_COMPLETED
  domainMigrateStartPostCopy: proc(364, { // DOMAIN_MIGRATE_START_POST_COPY
    args: struct({ dom: domainRef, flags: uint }),
  }),
  domainGetPerfEvents: proc(365, { // DOMAIN_GET_PERF_EVENTS
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_PERF_EVENTS_MAX) }),
    readonly: true,
  }),
  domainSetPerfEvents: proc(366, { // DOMAIN_SET_PERF_EVENTS
    args: struct({ dom: domainRef, params: array(typedParam, L.DOMAIN_PERF_EVENTS_MAX), flags: uint }),
  }),
  // DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED
  domainEventCallbackDeviceRemovalFailed: event(367, struct({ callbackID: int, dom: domainRef, devAlias: str })),
  connectStoragePoolEventRegisterAny: proc(368, { // CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY
    args: struct({ eventID: int, pool: optStoragePoolRef }),
    ret: struct({ callbackID: int }),
    priority: 'high',
    readonly: true,
  }),
  connectStoragePoolEventDeregisterAny: proc(369, { // CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY
    args: struct({ callbackID: int }),
    priority: 'high',
    readonly: true,
  }),
  // STORAGE_POOL_EVENT_LIFECYCLE
  storagePoolEventLifecycle: event(370, struct({ callbackID: int, pool: storagePoolRef, event: int, detail: int })),
  domainGetGuestVcpus: proc(371, { // DOMAIN_GET_GUEST_VCPUS
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_GUEST_VCPU_PARAMS_MAX) }),
  }),
  domainSetGuestVcpus: proc(372, { // DOMAIN_SET_GUEST_VCPUS
    args: struct({ dom: domainRef, cpumap: str, state: int, flags: uint }),
  }),
  storagePoolEventRefresh: event(373, struct({ callbackID: int, pool: storagePoolRef })), // STORAGE_POOL_EVENT_REFRESH
  connectNodeDeviceEventRegisterAny: proc(374, { // CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY
    args: struct({ eventID: int, dev: optNodeDeviceRef }),
    ret: struct({ callbackID: int }),
    priority: 'high',
    readonly: true,
  }),
  connectNodeDeviceEventDeregisterAny: proc(375, { // CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY
    args: struct({ callbackID: int }),
    priority: 'high',
    readonly: true,
  }),
  // NODE_DEVICE_EVENT_LIFECYCLE
  nodeDeviceEventLifecycle: event(376, struct({ callbackID: int, dev: nodeDeviceRef, event: int, detail: int })),
  nodeDeviceEventUpdate: event(377, struct({ callbackID: int, dev: nodeDeviceRef })), // NODE_DEVICE_EVENT_UPDATE
  storageVolGetInfoFlags: proc(378, { // STORAGE_VOL_GET_INFO_FLAGS
    args: struct({ vol: storageVolRef, flags: uint }),
    ret: struct({ type: char, capacity: uhyper, allocation: uhyper }),
    priority: 'high',
    readonly: true,
  }),
  domainEventCallbackMetadataChange: event(379, struct({
    callbackID: int, dom: domainRef, type: int, nsuri: optStr,
  })), // DOMAIN_EVENT_CALLBACK_METADATA_CHANGE
  connectSecretEventRegisterAny: proc(380, { // CONNECT_SECRET_EVENT_REGISTER_ANY
    args: struct({ eventID: int, secret: optSecretRef }),
    ret: struct({ callbackID: int }),
    priority: 'high',
    readonly: true,
  }),
  connectSecretEventDeregisterAny: proc(381, { // CONNECT_SECRET_EVENT_DEREGISTER_ANY
    args: struct({ callbackID: int }),
    priority: 'high',
    readonly: true,
  }),
  // SECRET_EVENT_LIFECYCLE
  secretEventLifecycle: event(382, struct({ callbackID: int, secret: secretRef, event: int, detail: int })),
  secretEventValueChanged: event(383, struct({ callbackID: int, secret: secretRef })), // SECRET_EVENT_VALUE_CHANGED
  domainSetVcpu: proc(384, { // DOMAIN_SET_VCPU
    args: struct({ dom: domainRef, cpumap: str, state: int, flags: uint }),
  }),
  domainEventBlockThreshold: event(385, struct({
    callbackID: int, dom: domainRef, dev: str, path: optStr, threshold: uhyper, excess: uhyper,
  })), // DOMAIN_EVENT_BLOCK_THRESHOLD
  domainSetBlockThreshold: proc(386, { // DOMAIN_SET_BLOCK_THRESHOLD
    args: struct({ dom: domainRef, dev: str, threshold: uhyper, flags: uint }),
  }),
  domainMigrateGetMaxDowntime: proc(387, { // DOMAIN_MIGRATE_GET_MAX_DOWNTIME
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ downtime: uhyper }),
    readonly: true,
  }),
  domainManagedSaveGetXMLDesc: proc(388, { // DOMAIN_MANAGED_SAVE_GET_XML_DESC
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ xml: str }),
    readonly: 'flags',
  }),
  domainManagedSaveDefineXML: proc(389, { // DOMAIN_MANAGED_SAVE_DEFINE_XML
    args: struct({ dom: domainRef, dxml: optStr, flags: uint }),
  }),
  domainSetLifecycleAction: proc(390, { // DOMAIN_SET_LIFECYCLE_ACTION
    args: struct({ dom: domainRef, type: uint, action: uint, flags: uint }),
  }),
  storagePoolLookupByTargetPath: proc(391, { // STORAGE_POOL_LOOKUP_BY_TARGET_PATH
    args: struct({ path: str }),
    ret: struct({ pool: storagePoolRef }),
    priority: 'high',
    readonly: true,
  }),
  domainDetachDeviceAlias: proc(392, { // DOMAIN_DETACH_DEVICE_ALIAS
    args: struct({ dom: domainRef, alias: str, flags: uint }),
  }),
  connectCompareHypervisorCPU: proc(393, { // CONNECT_COMPARE_HYPERVISOR_CPU
    args: struct({ emulator: optStr, arch: optStr, machine: optStr, virttype: optStr, xmlCPU: str, flags: uint }),
    ret: struct({ result: int }),
  }),
  connectBaselineHypervisorCPU: proc(394, { // CONNECT_BASELINE_HYPERVISOR_CPU
    args: struct({
      emulator: optStr, arch: optStr, machine: optStr, virttype: optStr, xmlCPUs: array(str, L.CPU_BASELINE_MAX),
      flags: uint,
    }),
    ret: struct({ cpu: str }),
  }),
  nodeGetSEVInfo: proc(395, { // NODE_GET_SEV_INFO
    args: struct({ nparams: int, flags: uint }),
    ret: struct({ params: array(typedParam, L.NODE_SEV_INFO_MAX), nparams: int }),
  }),
  domainGetLaunchSecurityInfo: proc(396, { // DOMAIN_GET_LAUNCH_SECURITY_INFO
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_LAUNCH_SECURITY_INFO_PARAMS_MAX) }),
  }),
  nwfilterBindingLookupByPortDev: proc(397, { // NWFILTER_BINDING_LOOKUP_BY_PORT_DEV
    args: struct({ name: str }),
    ret: struct({ nwfilter: nwfilterBindingRef }),
    priority: 'high',
    readonly: true,
  }),
  nwfilterBindingGetXMLDesc: proc(398, { // NWFILTER_BINDING_GET_XML_DESC
    args: struct({ nwfilter: nwfilterBindingRef, flags: uint }),
    ret: struct({ xml: str }),
    priority: 'high',
    readonly: true,
  }),
  nwfilterBindingCreateXML: proc(399, { // NWFILTER_BINDING_CREATE_XML
    args: struct({ xml: str, flags: uint }),
    ret: struct({ nwfilter: nwfilterBindingRef }),
    priority: 'high',
  }),
  nwfilterBindingDelete: proc(400, { // NWFILTER_BINDING_DELETE
    args: struct({ nwfilter: nwfilterBindingRef }),
    priority: 'high',
  }),
  connectListAllNWFilterBindings: proc(401, { // CONNECT_LIST_ALL_NWFILTER_BINDINGS
    args: struct({ need_results: int, flags: uint }),
    ret: struct({ bindings: array(nwfilterBindingRef, L.NWFILTER_BINDING_LIST_MAX), ret: uint }),
    priority: 'high',
    readonly: true,
  }),
  domainSetIOThreadParams: proc(402, { // DOMAIN_SET_IOTHREAD_PARAMS
    args: struct({
      dom: domainRef, iothread_id: uint, params: array(typedParam, L.DOMAIN_IOTHREAD_PARAMS_MAX), flags: uint,
    }),
  }),
  connectGetStoragePoolCapabilities: proc(403, { // CONNECT_GET_STORAGE_POOL_CAPABILITIES
    args: struct({ flags: uint }),
    ret: struct({ capabilities: str }),
    readonly: true,
  }),
  networkListAllPorts: proc(404, { // NETWORK_LIST_ALL_PORTS
    args: struct({ network: networkRef, need_results: int, flags: uint }),
    ret: struct({ ports: array(networkPortRef, L.NETWORK_PORT_LIST_MAX), ret: uint }),
    priority: 'high',
    readonly: true,
  }),
  networkPortLookupByUUID: proc(405, { // NETWORK_PORT_LOOKUP_BY_UUID
    args: struct({ network: networkRef, uuid: uuid }),
    ret: struct({ port: networkPortRef }),
    priority: 'high',
    readonly: true,
  }),
  networkPortCreateXML: proc(406, { // NETWORK_PORT_CREATE_XML
    args: struct({ network: networkRef, xml: str, flags: uint }),
    ret: struct({ port: networkPortRef }),
  }),
  networkPortGetParameters: proc(407, { // NETWORK_PORT_GET_PARAMETERS
    args: struct({ port: networkPortRef, nparams: int, flags: uint }),
    ret: struct({ params: array(typedParam, L.NETWORK_PORT_PARAMETERS_MAX), nparams: int }),
    readonly: true,
  }),
  networkPortSetParameters: proc(408, { // NETWORK_PORT_SET_PARAMETERS
    args: struct({ port: networkPortRef, params: array(typedParam, L.NETWORK_PORT_PARAMETERS_MAX), flags: uint }),
  }),
  networkPortGetXMLDesc: proc(409, { // NETWORK_PORT_GET_XML_DESC
    args: struct({ port: networkPortRef, flags: uint }),
    ret: struct({ xml: str }),
    readonly: true,
  }),
  networkPortDelete: proc(410, { args: struct({ port: networkPortRef, flags: uint }) }), // NETWORK_PORT_DELETE
  domainCheckpointCreateXML: proc(411, { // DOMAIN_CHECKPOINT_CREATE_XML
    args: struct({ dom: domainRef, xml_desc: str, flags: uint }),
    ret: struct({ checkpoint: checkpointRef }),
  }),
  domainCheckpointGetXMLDesc: proc(412, { // DOMAIN_CHECKPOINT_GET_XML_DESC
    args: struct({ checkpoint: checkpointRef, flags: uint }),
    ret: struct({ xml: str }),
    readonly: 'flags',
  }),
  domainListAllCheckpoints: proc(413, { // DOMAIN_LIST_ALL_CHECKPOINTS
    args: struct({ dom: domainRef, need_results: int, flags: uint }),
    ret: struct({ checkpoints: array(checkpointRef, L.DOMAIN_CHECKPOINT_LIST_MAX), ret: int }),
    priority: 'high',
    readonly: true,
  }),
  domainCheckpointListAllChildren: proc(414, { // DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN
    args: struct({ checkpoint: checkpointRef, need_results: int, flags: uint }),
    ret: struct({ checkpoints: array(checkpointRef, L.DOMAIN_CHECKPOINT_LIST_MAX), ret: int }),
    priority: 'high',
    readonly: true,
  }),
  domainCheckpointLookupByName: proc(415, { // DOMAIN_CHECKPOINT_LOOKUP_BY_NAME
    args: struct({ dom: domainRef, name: str, flags: uint }),
    ret: struct({ checkpoint: checkpointRef }),
    priority: 'high',
    readonly: true,
  }),
  domainCheckpointGetParent: proc(416, { // DOMAIN_CHECKPOINT_GET_PARENT
    args: struct({ checkpoint: checkpointRef, flags: uint }),
    ret: struct({ parent: checkpointRef }),
    priority: 'high',
    readonly: true,
  }),
  domainCheckpointDelete: proc(417, { // DOMAIN_CHECKPOINT_DELETE
    args: struct({ checkpoint: checkpointRef, flags: uint }),
  }),
  domainGetGuestInfo: proc(418, { // DOMAIN_GET_GUEST_INFO
    args: struct({ dom: domainRef, types: uint, flags: uint }),
    ret: struct({ params: array(typedParam, L.DOMAIN_GUEST_INFO_PARAMS_MAX) }),
  }),
  connectSetIdentity: proc(419, { // CONNECT_SET_IDENTITY
    args: struct({ params: array(typedParam, L.CONNECT_IDENTITY_PARAMS_MAX), flags: uint }),
    readonly: true,
  }),
  domainAgentSetResponseTimeout: proc(420, { // DOMAIN_AGENT_SET_RESPONSE_TIMEOUT
    args: struct({ dom: domainRef, timeout: int, flags: uint }),
    ret: struct({ result: int }),
  }),
  domainBackupBegin: proc(421, { // DOMAIN_BACKUP_BEGIN
    args: struct({ dom: domainRef, backup_xml: str, checkpoint_xml: optStr, flags: uint }),
  }),
  domainBackupGetXMLDesc: proc(422, { // DOMAIN_BACKUP_GET_XML_DESC
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ xml: str }),
    priority: 'high',
    readonly: true,
  }),
  domainEventMemoryFailure: event(423, struct({
    callbackID: int, dom: domainRef, recipient: int, action: int, flags: uint,
  })), // DOMAIN_EVENT_MEMORY_FAILURE
  domainAuthorizedSSHKeysGet: proc(424, { // DOMAIN_AUTHORIZED_SSH_KEYS_GET
    args: struct({ dom: domainRef, user: str, flags: uint }),
    ret: struct({ keys: array(str, L.DOMAIN_AUTHORIZED_SSH_KEYS_MAX) }),
  }),
  domainAuthorizedSSHKeysSet: proc(425, { // DOMAIN_AUTHORIZED_SSH_KEYS_SET
    args: struct({ dom: domainRef, user: str, keys: array(str, L.DOMAIN_AUTHORIZED_SSH_KEYS_MAX), flags: uint }),
  }),
  domainGetMessages: proc(426, { // DOMAIN_GET_MESSAGES
    args: struct({ dom: domainRef, flags: uint }),
    ret: struct({ msgs: array(str, L.DOMAIN_MESSAGES_MAX) }),
    readonly: true,
  }),
  domainStartDirtyRateCalc: proc(427, { // DOMAIN_START_DIRTY_RATE_CALC
    args: struct({ dom: domainRef, seconds: int, flags: uint }),
  }),
  nodeDeviceDefineXML: proc(428, { // NODE_DEVICE_DEFINE_XML
    args: struct({ xml_desc: str, flags: uint }),
    ret: struct({ dev: nodeDeviceRef }),
  }),
  nodeDeviceUndefine: proc(429, { args: struct({ name: str, flags: uint }), priority: 'high' }), // NODE_DEVICE_UNDEFINE
  nodeDeviceCreate: proc(430, { args: struct({ name: str, flags: uint }), priority: 'high' }), // NODE_DEVICE_CREATE
  nwfilterDefineXMLFlags: proc(431, { // NWFILTER_DEFINE_XML_FLAGS
    args: struct({ xml: str, flags: uint }),
    ret: struct({ nwfilter: nwfilterRef }),
    priority: 'high',
  }),
  networkDefineXMLFlags: proc(432, { // NETWORK_DEFINE_XML_FLAGS
    args: struct({ xml: str, flags: uint }),
    ret: struct({ net: networkRef }),
    priority: 'high',
  }),
  nodeDeviceGetAutostart: proc(433, { // NODE_DEVICE_GET_AUTOSTART
    args: struct({ name: str }),
    ret: struct({ autostart: int }),
    priority: 'high',
    readonly: true,
  }),
  nodeDeviceSetAutostart: proc(434, { // NODE_DEVICE_SET_AUTOSTART
    args: struct({ name: str, autostart: int }),
    priority: 'high',
  }),
  nodeDeviceIsPersistent: proc(435, { // NODE_DEVICE_IS_PERSISTENT
    args: struct({ name: str }),
    ret: struct({ persistent: int }),
    priority: 'high',
    readonly: true,
  }),
  nodeDeviceIsActive: proc(436, { // NODE_DEVICE_IS_ACTIVE
    args: struct({ name: str }),
    ret: struct({ active: int }),
    priority: 'high',
    readonly: true,
  }),
  networkCreateXMLFlags: proc(437, { // NETWORK_CREATE_XML_FLAGS
    args: struct({ xml: str, flags: uint }),
    ret: struct({ net: networkRef }),
    priority: 'high',
  }),
  domainEventMemoryDeviceSizeChange: event(438, struct({
    callbackID: int, dom: domainRef, alias: str, size: uhyper,
  })), // DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE
  domainSetLaunchSecurityState: proc(439, { // DOMAIN_SET_LAUNCH_SECURITY_STATE
    args: struct({
      dom: domainRef, params: array(typedParam, L.DOMAIN_LAUNCH_SECURITY_STATE_PARAMS_MAX), flags: uint,
    }),
  }),
  domainSaveParams: proc(440, { // DOMAIN_SAVE_PARAMS
    args: struct({ dom: domainRef, params: array(typedParam, L.DOMAIN_SAVE_PARAMS_MAX), flags: uint }),
  }),
  domainRestoreParams: proc(441, { // DOMAIN_RESTORE_PARAMS
    args: struct({ params: array(typedParam, L.DOMAIN_SAVE_PARAMS_MAX), flags: uint }),
  }),
  domainAbortJobFlags: proc(442, { args: struct({ dom: domainRef, flags: uint }) }), // DOMAIN_ABORT_JOB_FLAGS
  domainFDAssociate: proc(443, { // DOMAIN_FD_ASSOCIATE
    args: struct({ dom: domainRef, name: str, flags: uint }),
    fds: 'out',
  }),
});

/** The REMOTE program table's type. */
export type Remote = typeof remote;
/** Names of the REMOTE program's entries. */
export type RemoteName = keyof typeof remote & string;
/** Contract-side args of a REMOTE procedure by name. */
export type RemoteArgs<N extends RemoteName> = ArgsOf<Remote[N]>;
/** Contract-side result of a REMOTE procedure by name. */
export type RemoteRet<N extends RemoteName> = RetOf<Remote[N]>;
/** The stream marker of a REMOTE procedure by name: 'in' | 'out' | 'both', or null when it opens none. */
export type RemoteStream<N extends RemoteName> = Remote[N] extends { readonly stream: infer S } ? S : null;
