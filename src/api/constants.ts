/** Public libvirt constants, with libvirt's names (minus VIR_) and numbers. */

/** virConnectFlags. */
export const ConnectFlags = { RO: 1, NO_ALIASES: 2 } as const;

/** virDomainState. */
export const DomainState = {
  NOSTATE: 0, RUNNING: 1, BLOCKED: 2, PAUSED: 3, SHUTDOWN: 4, SHUTOFF: 5, CRASHED: 6, PMSUSPENDED: 7,
} as const;

/** virConnectListAllDomainsFlags. */
export const ConnectListAllDomainsFlags = {
  ACTIVE: 1 << 0, INACTIVE: 1 << 1, PERSISTENT: 1 << 2, TRANSIENT: 1 << 3, RUNNING: 1 << 4,
  PAUSED: 1 << 5, SHUTOFF: 1 << 6, OTHER: 1 << 7, MANAGEDSAVE: 1 << 8, NO_MANAGEDSAVE: 1 << 9,
  AUTOSTART: 1 << 10, NO_AUTOSTART: 1 << 11, HAS_SNAPSHOT: 1 << 12, NO_SNAPSHOT: 1 << 13,
  HAS_CHECKPOINT: 1 << 14, NO_CHECKPOINT: 1 << 15,
} as const;

/** virConnectListAllNetworksFlags. */
export const ConnectListAllNetworksFlags = {
  INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32,
} as const;

/** virConnectListAllStoragePoolsFlags (the state/persistence/autostart bits). */
export const ConnectListAllStoragePoolsFlags = {
  INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32,
} as const;

/** virConnectListAllInterfacesFlags. */
export const ConnectListAllInterfacesFlags = { INACTIVE: 1, ACTIVE: 2 } as const;

/** virDomainXMLFlags. */
export const DomainXMLFlags = { SECURE: 1, INACTIVE: 2, UPDATE_CPU: 4, MIGRATABLE: 8 } as const;

/** virDomainModificationImpact and friends. */
export const DomainModificationImpact = { CURRENT: 0, LIVE: 1, CONFIG: 2 } as const;
export const DomainVcpuFlags = { CURRENT: 0, LIVE: 1, CONFIG: 2, MAXIMUM: 4, GUEST: 8, HOTPLUGGABLE: 16 } as const;
export const DomainMemoryModFlags = { CURRENT: 0, LIVE: 1, CONFIG: 2, MAXIMUM: 4 } as const;

/** virDomainUndefineFlagsValues. */
export const DomainUndefineFlags = {
  MANAGED_SAVE: 1, SNAPSHOTS_METADATA: 2, NVRAM: 4, KEEP_NVRAM: 8, CHECKPOINTS_METADATA: 16, TPM: 32, KEEP_TPM: 64,
} as const;

/** virDomainEventID. */
export const DomainEventID = {
  LIFECYCLE: 0, REBOOT: 1, RTC_CHANGE: 2, WATCHDOG: 3, IO_ERROR: 4, GRAPHICS: 5, IO_ERROR_REASON: 6,
  CONTROL_ERROR: 7, BLOCK_JOB: 8, DISK_CHANGE: 9, TRAY_CHANGE: 10, PMWAKEUP: 11, PMSUSPEND: 12,
  BALLOON_CHANGE: 13, PMSUSPEND_DISK: 14, DEVICE_REMOVED: 15, BLOCK_JOB_2: 16, TUNABLE: 17,
  AGENT_LIFECYCLE: 18, DEVICE_ADDED: 19, MIGRATION_ITERATION: 20, JOB_COMPLETED: 21,
  DEVICE_REMOVAL_FAILED: 22, METADATA_CHANGE: 23, BLOCK_THRESHOLD: 24, MEMORY_FAILURE: 25,
  MEMORY_DEVICE_SIZE_CHANGE: 26,
} as const;

/** virDomainEventType. */
export const DomainEventType = {
  DEFINED: 0, UNDEFINED: 1, STARTED: 2, SUSPENDED: 3, RESUMED: 4, STOPPED: 5, SHUTDOWN: 6, PMSUSPENDED: 7, CRASHED: 8,
} as const;

/** virNetworkEventID / virStoragePoolEventID. */
export const NetworkEventID = { LIFECYCLE: 0, METADATA_CHANGE: 1 } as const;
export const StoragePoolEventID = { LIFECYCLE: 0, REFRESH: 1 } as const;

/** virStoragePoolState. */
export const StoragePoolState = { INACTIVE: 0, BUILDING: 1, RUNNING: 2, DEGRADED: 3, INACCESSIBLE: 4 } as const;

/** virStorageVolType. */
export const StorageVolType = { FILE: 0, BLOCK: 1, DIR: 2, NETWORK: 3, NETDIR: 4, PLOOP: 5 } as const;

/** virTypedParameterType. */
export const TypedParameterType = { INT: 1, UINT: 2, LLONG: 3, ULLONG: 4, DOUBLE: 5, BOOLEAN: 6, STRING: 7 } as const;

/** virConnectCloseReason. */
export const ConnectCloseReason = { ERROR: 0, EOF: 1, KEEPALIVE: 2, CLIENT: 3 } as const;
