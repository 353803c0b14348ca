/**
 * libvirt's domain enums the test driver needs, with libvirt's numbering
 * (include/libvirt/libvirt-domain.h, libvirt-domain-snapshot.h). The driver
 * layer cannot import `api/constants.ts` (imports point down), so the few
 * shared ones are repeated here.
 */

/** virDomainState. */
export const DomainState = {
  NOSTATE: 0, RUNNING: 1, BLOCKED: 2, PAUSED: 3, SHUTDOWN: 4, SHUTOFF: 5, CRASHED: 6, PMSUSPENDED: 7,
} as const;
export const DOMAIN_STATE_LAST = 8;

/** virDomainRunningReason. */
export const RunningReason = {
  UNKNOWN: 0, BOOTED: 1, MIGRATED: 2, RESTORED: 3, FROM_SNAPSHOT: 4, UNPAUSED: 5,
  MIGRATION_CANCELED: 6, SAVE_CANCELED: 7, WAKEUP: 8, CRASHED: 9, POSTCOPY: 10, POSTCOPY_FAILED: 11,
} as const;

/** virDomainPausedReason. */
export const PausedReason = {
  UNKNOWN: 0, USER: 1, MIGRATION: 2, SAVE: 3, DUMP: 4, IOERROR: 5, WATCHDOG: 6, FROM_SNAPSHOT: 7,
  SHUTTING_DOWN: 8, SNAPSHOT: 9, CRASHED: 10, STARTING_UP: 11, POSTCOPY: 12, POSTCOPY_FAILED: 13, API_ERROR: 14,
} as const;

/** virDomainShutoffReason. */
export const ShutoffReason = {
  UNKNOWN: 0, SHUTDOWN: 1, DESTROYED: 2, CRASHED: 3, MIGRATED: 4, SAVED: 5, FAILED: 6, FROM_SNAPSHOT: 7, DAEMON: 8,
} as const;

/** virDomainEventType. */
export const DomainEventType = {
  DEFINED: 0, UNDEFINED: 1, STARTED: 2, SUSPENDED: 3, RESUMED: 4, STOPPED: 5, SHUTDOWN: 6, PMSUSPENDED: 7, CRASHED: 8,
} as const;

export const EventDefinedDetail = { ADDED: 0, UPDATED: 1, RENAMED: 2, FROM_SNAPSHOT: 3 } as const;
export const EventUndefinedDetail = { REMOVED: 0, RENAMED: 1 } as const;
export const EventStartedDetail = { BOOTED: 0, MIGRATED: 1, RESTORED: 2, FROM_SNAPSHOT: 3, WAKEUP: 4 } as const;
export const EventSuspendedDetail = {
  PAUSED: 0, MIGRATED: 1, IOERROR: 2, WATCHDOG: 3, RESTORED: 4, FROM_SNAPSHOT: 5, API_ERROR: 6,
  POSTCOPY: 7, POSTCOPY_FAILED: 8,
} as const;
export const EventResumedDetail = { UNPAUSED: 0, MIGRATED: 1, FROM_SNAPSHOT: 2, POSTCOPY: 3, POSTCOPY_FAILED: 4 } as const;
export const EventStoppedDetail = {
  SHUTDOWN: 0, DESTROYED: 1, CRASHED: 2, MIGRATED: 3, SAVED: 4, FAILED: 5, FROM_SNAPSHOT: 6,
} as const;

/** virConnectListAllDomainsFlags. */
export const ListDomainsFlags = {
  ACTIVE: 1 << 0, INACTIVE: 1 << 1, PERSISTENT: 1 << 2, TRANSIENT: 1 << 3, RUNNING: 1 << 4,
  PAUSED: 1 << 5, SHUTOFF: 1 << 6, OTHER: 1 << 7, MANAGEDSAVE: 1 << 8, NO_MANAGEDSAVE: 1 << 9,
  AUTOSTART: 1 << 10, NO_AUTOSTART: 1 << 11, HAS_SNAPSHOT: 1 << 12, NO_SNAPSHOT: 1 << 13,
  HAS_CHECKPOINT: 1 << 14, NO_CHECKPOINT: 1 << 15,
} as const;
/** VIR_CONNECT_LIST_DOMAINS_FILTERS_ALL. */
export const LIST_DOMAINS_FILTERS_ALL = 0xffff;

/** virDomainXMLFlags. */
export const DomainXMLFlags = { SECURE: 1, INACTIVE: 2, UPDATE_CPU: 4, MIGRATABLE: 8 } as const;

/** virDomainModificationImpact, virDomainVcpuFlags, virDomainMemoryModFlags. */
export const AffectFlags = { CURRENT: 0, LIVE: 1, CONFIG: 2 } as const;
export const VcpuFlags = { MAXIMUM: 4, GUEST: 8, HOTPLUGGABLE: 16 } as const;
export const MemoryFlags = { MAXIMUM: 4 } as const;

/** virDomainUndefineFlagsValues. */
export const UndefineFlags = {
  MANAGED_SAVE: 1, SNAPSHOTS_METADATA: 2, NVRAM: 4, KEEP_NVRAM: 8, CHECKPOINTS_METADATA: 16, TPM: 32, KEEP_TPM: 64,
} as const;

/** virDomainDestroyFlagsValues, virDomainRebootFlagValues, virDomainCreateFlags, virDomainDefineFlags. */
export const DestroyFlags = { GRACEFUL: 1, REMOVE_LOGS: 2 } as const;
export const RebootFlags = { DEFAULT: 0, ACPI_POWER_BTN: 1, GUEST_AGENT: 2, INITCTL: 4, SIGNAL: 8, PARAVIRT: 16 } as const;
export const StartFlags = { PAUSED: 1, AUTODESTROY: 2, BYPASS_CACHE: 4, FORCE_BOOT: 8, VALIDATE: 16, RESET_NVRAM: 32 } as const;
export const DefineFlags = { VALIDATE: 1 } as const;

/** virDomainMessageType. */
export const MessageType = { DEPRECATION: 1, TAINTING: 2 } as const;

/** virDomainSnapshotCreateFlags. */
export const SnapshotCreateFlags = {
  REDEFINE: 1, CURRENT: 2, NO_METADATA: 4, HALT: 8, DISK_ONLY: 16, REUSE_EXT: 32, QUIESCE: 64,
  ATOMIC: 128, LIVE: 256, VALIDATE: 512,
} as const;

/** virDomainSnapshotListFlags (LIST_DESCENDANTS shares ROOTS' bit for child listings). */
export const SnapshotListFlags = {
  ROOTS: 1, DESCENDANTS: 1, METADATA: 2, LEAVES: 4, NO_LEAVES: 8, NO_METADATA: 16, INACTIVE: 32,
  ACTIVE: 64, DISK_ONLY: 128, INTERNAL: 256, EXTERNAL: 512, TOPOLOGICAL: 1024,
} as const;
/** VIR_DOMAIN_SNAPSHOT_FILTERS_ALL: leaves, metadata, status and location filters. */
export const SNAPSHOT_FILTERS_ALL = 4 | 8 | 2 | 16 | 32 | 64 | 128 | 256 | 512;

/** virDomainSnapshotDeleteFlags, virDomainSnapshotRevertFlags, virDomainSnapshotXMLFlags. */
export const SnapshotDeleteFlags = { CHILDREN: 1, METADATA_ONLY: 2, CHILDREN_ONLY: 4 } as const;
export const SnapshotRevertFlags = { RUNNING: 1, PAUSED: 2, FORCE: 4, RESET_NVRAM: 8 } as const;
export const SnapshotXMLFlags = { SECURE: 1 } as const;

/** virTypedParameterType. */
export const TypedParamType = { INT: 1, UINT: 2, LLONG: 3, ULLONG: 4, DOUBLE: 5, BOOLEAN: 6, STRING: 7 } as const;

/** virDomainMemoryStatTags, and VIR_DOMAIN_MEMORY_STAT_NR (how many a caller can get at most). */
export const MemoryStatTag = {
  SWAP_IN: 0, SWAP_OUT: 1, MAJOR_FAULT: 2, MINOR_FAULT: 3, UNUSED: 4, AVAILABLE: 5, ACTUAL_BALLOON: 6, RSS: 7,
  USABLE: 8, LAST_UPDATE: 9, DISK_CACHES: 10, HUGETLB_PGALLOC: 11, HUGETLB_PGFAIL: 12,
} as const;
export const MEMORY_STAT_NR = 13;

/** virVcpuState. */
export const VcpuState = { OFFLINE: 0, RUNNING: 1, BLOCKED: 2 } as const;

/** virDomainStatsTypes. */
export const StatsTypes = {
  STATE: 1, CPU_TOTAL: 2, BALLOON: 4, VCPU: 8, INTERFACE: 16, BLOCK: 32, PERF: 64, IOTHREAD: 128, MEMORY: 256,
  DIRTYRATE: 512, VM: 1024,
} as const;

/** virConnectGetAllDomainStatsFlags beyond the list filters (bit 31 as a negative int32, as JS bit ops give it). */
export const GetAllStatsFlags = { NOWAIT: 1 << 29, BACKING: 1 << 30, ENFORCE_STATS: 1 << 31 } as const;
