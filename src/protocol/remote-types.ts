/**
 * Shared types of the REMOTE program (remote_protocol.x): strings, object
 * handles (libvirt-rpc.md §8), auth types and the helper structs used inside
 * args/ret/msg (§9). Named after libvirt's structs so the snapshot greps
 * alike.
 */
import {
  array, charString, enumOf, hyper, int, named, opaque, optional, string, struct, uhyper, uhyperBig, uint, uuid,
  type Codec, type Infer,
} from '../xdr/index.js';
import { typedParam } from '../xdr/typed-param.js';
import { RemoteLimit as L } from './limits.js';

/** `remote_nonnull_string`: `string<REMOTE_STRING_MAX>`. */
export const str: Codec<string> = named('remote_nonnull_string', string(L.STRING_MAX));
/** `remote_string`: an optional `remote_nonnull_string` (null ↔ absent). */
export const optStr: Codec<string | null> = named('remote_string', optional(str));

// ------------------------------------------------------------ object handles

/** `remote_nonnull_domain` (`id` is −1 for an inactive domain). */
export const domainRef = named('remote_nonnull_domain', struct({ name: str, uuid, id: int }));
/** `remote_nonnull_network`. */
export const networkRef = named('remote_nonnull_network', struct({ name: str, uuid }));
/** `remote_nonnull_network_port`. */
export const networkPortRef = named('remote_nonnull_network_port', struct({ net: networkRef, uuid }));
/** `remote_nonnull_nwfilter`. */
export const nwfilterRef = named('remote_nonnull_nwfilter', struct({ name: str, uuid }));
/** `remote_nonnull_nwfilter_binding`. */
export const nwfilterBindingRef = named('remote_nonnull_nwfilter_binding', struct({ portdev: str, filtername: str }));
/** `remote_nonnull_interface`. */
export const interfaceRef = named('remote_nonnull_interface', struct({ name: str, mac: str }));
/** `remote_nonnull_storage_pool`. */
export const storagePoolRef = named('remote_nonnull_storage_pool', struct({ name: str, uuid }));
/** `remote_nonnull_storage_vol` (`pool` is the pool's name). */
export const storageVolRef = named('remote_nonnull_storage_vol', struct({ pool: str, name: str, key: str }));
/** `remote_nonnull_node_device`. */
export const nodeDeviceRef = named('remote_nonnull_node_device', struct({ name: str }));
/** `remote_nonnull_secret`. */
export const secretRef = named('remote_nonnull_secret', struct({ uuid, usageType: int, usageID: str }));
/** `remote_nonnull_domain_snapshot`. */
export const snapshotRef = named('remote_nonnull_domain_snapshot', struct({ name: str, dom: domainRef }));
/** `remote_nonnull_domain_checkpoint`. */
export const checkpointRef = named('remote_nonnull_domain_checkpoint', struct({ name: str, dom: domainRef }));

/** `remote_domain` (optional handle). */
export const optDomainRef = named('remote_domain', optional(domainRef));
/** `remote_network`. */
export const optNetworkRef = named('remote_network', optional(networkRef));
/** `remote_storage_pool`. */
export const optStoragePoolRef = named('remote_storage_pool', optional(storagePoolRef));
/** `remote_node_device`. */
export const optNodeDeviceRef = named('remote_node_device', optional(nodeDeviceRef));
/** `remote_secret`. */
export const optSecretRef = named('remote_secret', optional(secretRef));

export type DomainRef = Infer<typeof domainRef>;
export type NetworkRef = Infer<typeof networkRef>;
export type NetworkPortRef = Infer<typeof networkPortRef>;
export type NWFilterRef = Infer<typeof nwfilterRef>;
export type NWFilterBindingRef = Infer<typeof nwfilterBindingRef>;
export type InterfaceRef = Infer<typeof interfaceRef>;
export type StoragePoolRef = Infer<typeof storagePoolRef>;
export type StorageVolRef = Infer<typeof storageVolRef>;
export type NodeDeviceRef = Infer<typeof nodeDeviceRef>;
export type SecretRef = Infer<typeof secretRef>;
export type SnapshotRef = Infer<typeof snapshotRef>;
export type CheckpointRef = Infer<typeof checkpointRef>;

// -------------------------------------------------------------------- auth

/** enum remote_auth_type. */
export const AuthType = { NONE: 0, SASL: 1, POLKIT: 2 } as const;
export const authType = enumOf('remote_auth_type', AuthType);

// ----------------------------------------------------------- helper structs

export { typedParam };

/**
 * `remote_vcpu_info`. `cpu_time` is a bigint: it counts nanoseconds and
 * passes 2^53 after 104 days of guest CPU time.
 */
export const vcpuInfo = named('remote_vcpu_info', struct({ number: uint, state: int, cpu_time: uhyperBig, cpu: int }));

/**
 * `remote_node_get_cpu_stats`. `value` is a bigint: host CPU times are
 * cumulative nanoseconds summed over all CPUs and exceed 2^53 on real hosts.
 */
export const nodeCpuStat = named('remote_node_get_cpu_stats', struct({ field: str, value: uhyperBig }));
/** `remote_node_get_memory_stats` (values in KiB). */
export const nodeMemoryStat = named('remote_node_get_memory_stats', struct({ field: str, value: uhyper }));
/** `remote_domain_disk_error`. */
export const domainDiskError = named('remote_domain_disk_error', struct({ disk: str, error: int }));
/** `remote_domain_memory_stat`. */
export const domainMemoryStat = named('remote_domain_memory_stat', struct({ tag: int, val: uhyper }));
/** `remote_domain_get_security_label_ret`, also the element of DOMAIN_GET_SECURITY_LABEL_LIST. */
export const domainSecurityLabel = named('remote_domain_get_security_label_ret',
  struct({ label: charString(L.SECURITY_LABEL_MAX), enforcing: int }));
/** `remote_domain_event_graphics_address`. */
export const graphicsAddress = named('remote_domain_event_graphics_address',
  struct({ family: int, node: str, service: str }));
/** `remote_domain_event_graphics_identity`. */
export const graphicsIdentity = named('remote_domain_event_graphics_identity', struct({ type: str, name: str }));
/** `remote_domain_fsinfo`. */
export const domainFsinfo = named('remote_domain_fsinfo', struct({
  mountpoint: str, name: str, fstype: str, dev_aliases: array(str, L.DOMAIN_FSINFO_DISKS_MAX),
}));
/** `remote_domain_ip_addr`. */
export const domainIpAddr = named('remote_domain_ip_addr', struct({ type: int, addr: str, prefix: uint }));
/** `remote_domain_interface`. */
export const domainInterface = named('remote_domain_interface', struct({
  name: str, hwaddr: optStr, addrs: array(domainIpAddr, L.DOMAIN_IP_ADDR_MAX),
}));
/** `remote_domain_iothread_info`. */
export const domainIothreadInfo = named('remote_domain_iothread_info',
  struct({ iothread_id: uint, cpumap: opaque(L.CPUMAP_MAX) }));
/** `remote_network_dhcp_lease`. */
export const networkDhcpLease = named('remote_network_dhcp_lease', struct({
  iface: str, expirytime: hyper, type: int, mac: optStr, iaid: optStr, ipaddr: str, prefix: uint,
  hostname: optStr, clientid: optStr,
}));
/** `remote_domain_stats_record`. */
export const domainStatsRecord = named('remote_domain_stats_record', struct({
  dom: domainRef, params: array(typedParam, L.CONNECT_GET_ALL_DOMAIN_STATS_MAX),
}));
