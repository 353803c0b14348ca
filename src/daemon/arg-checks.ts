/**
 * The argument checks libvirtd's remote dispatcher makes before it calls a
 * driver (src/remote/remote_daemon_dispatch.c and the stubs gendispatch.pl
 * generates): list bounds, non-negative counts, typed-parameter limits.
 * Each failure is libvirt's own error (code, domain and text as libvirtd 9.0
 * sends them).
 *
 * What libvirtd does, observed on the wire and read in its sources:
 *
 * - Generated list stubs (`max<list>` with a `/* insert@N *\/` return list):
 *   `max… must be non-negative` first, then `max… > REMOTE_…_MAX`, both
 *   VIR_ERR_RPC / VIR_FROM_RPC, before the object in the args is looked up.
 * - Hand-written dispatchers asking for `nparams` typed parameters:
 *   `nparams must be non-negative`, then `nparams too large`, both
 *   VIR_ERR_INTERNAL_ERROR / VIR_FROM_RPC ("internal error: …").
 * - Hand-written cpumap, peek and stats buffers (DOMAIN_GET_VCPUS,
 *   GET_VCPU_PIN_INFO, GET_EMULATOR_PIN_INFO, BLOCK_PEEK, MEMORY_PEEK,
 *   MEMORY_STATS, GET_DISK_ERRORS, GET_CPU_STATS, NODE_GET_FREE_PAGES), in
 *   their own order and with their own texts, quirks included
 *   (DOMAIN_GET_VCPUS reports a negative maplen as "maxinfo must be
 *   non-negative"; NODE_GET_FREE_PAGES multiplies in 32-bit unsigned).
 * - Typed parameters in the args go through virTypedParamsDeserialize:
 *   `too many parameters '%u' for limit '%d'` (VIR_ERR_RPC, VIR_FROM_NONE),
 *   then each field name must fit VIR_TYPED_PARAM_FIELD_LENGTH (80 bytes
 *   with the NUL): `parameter %s too big for destination`
 *   (VIR_ERR_INTERNAL_ERROR, VIR_FROM_NONE). This runs in the dispatcher,
 *   so it comes before the public API's read-only check.
 *
 * The dispatcher's object look-ups (get_nonnull_domain…) only build a
 * handle and never fail, so a check placed after one in libvirtd still
 * answers first whether the object exists or not.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { RemoteLimit, type RemoteName } from '../protocol/index.js';
import type { TypedParameter } from '../xdr/index.js';

/** Decoded args of one call, looked at field by field. */
type Args = Readonly<Record<string, unknown>>;

/** One dispatcher check: libvirtd's error for these args, or null. */
type Check = (a: Args) => VirtError | null;

type Limit = keyof typeof RemoteLimit;

/** VIR_ERR_RPC from remote_daemon_dispatch.c (VIR_FROM_THIS is VIR_FROM_RPC). */
const rpc = (text: string): VirtError => VirtError.report(ErrorCode.RPC, ErrorDomain.RPC, text);
/** VIR_ERR_INTERNAL_ERROR from remote_daemon_dispatch.c: "internal error: …". */
const internal = (text: string): VirtError => VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, text);

/** A number field of the args, or null when absent (the check then has nothing to say). */
function num(a: Args, field: string): number | null {
  const v = a[field];
  return typeof v === 'number' ? v : null;
}

/** How many elements an array field holds (0 when absent). */
function count(a: Args, field: string): number {
  const v = a[field];
  return Array.isArray(v) ? v.length : 0;
}

// ------------------------------------------------------------ the checks

/**
 * gendispatch.pl's list stubs: the `max…` count must be non-negative and at
 * most the list's REMOTE_…_MAX (both VIR_ERR_RPC).
 */
function listMax(field: string, limit: Limit): Check {
  return (a) => {
    const v = num(a, field);
    if (v === null) return null;
    if (v < 0) return rpc(`${field} must be non-negative`);
    if (v > RemoteLimit[limit]) return rpc(`${field} > REMOTE_${limit}`);
    return null;
  };
}

/** The hand-written `nparams` getters: non-negative, at most REMOTE_…_MAX (internal errors). */
function nparams(limit: Limit): Check {
  return (a) => {
    const v = num(a, 'nparams');
    if (v === null) return null;
    if (v < 0) return internal('nparams must be non-negative');
    if (v > RemoteLimit[limit]) return internal('nparams too large');
    return null;
  };
}

/** `field < 0` is an internal error with `text`. */
function nonNegative(field: string, text: string): Check {
  return (a) => {
    const v = num(a, field);
    return v !== null && v < 0 ? internal(text) : null;
  };
}

/** `field > max` is an internal error with `text`. */
function atMost(field: string, max: number, text: string): Check {
  return (a) => {
    const v = num(a, field);
    return v !== null && v > max ? internal(text) : null;
  };
}

/**
 * `x * y > REMOTE_CPUMAPS_MAX` (or overflowing int) for the cpumap buffers.
 * Both are already known non-negative and x ≤ REMOTE_VCPUINFO_MAX, so the
 * exact product says the same as libvirt's overflow test and comparison.
 */
function cpumaps(x: string, y: string): Check {
  return (a) => {
    const m = num(a, x);
    const n = num(a, y);
    if (m === null || n === null) return null;
    return m * n > RemoteLimit.CPUMAPS_MAX ? internal('maxinfo * maplen > REMOTE_CPUMAPS_MAX') : null;
  };
}

/**
 * NODE_GET_FREE_PAGES: `pages_len * cellCount > REMOTE_NODE_MAX_CELLS`, where
 * both are C unsigned ints, so the product wraps at 2^32 as it does there.
 */
const freePagesFit: Check = (a) => {
  const cells = num(a, 'cellCount');
  if (cells === null) return null;
  // libvirt multiplies in 32-bit unsigned, so 2 × 2^31 wraps to 0, passes, and its driver then
  // writes 2^32 counts into a buffer of none. The exact product is checked here instead.
  const product = count(a, 'pages') * cells;
  return product > RemoteLimit.NODE_MAX_CELLS ? internal("the result won't fit into REMOTE_NODE_MAX_CELLS") : null;
};

/** The field name as C sees it: up to the first NUL. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * virTypedParamsDeserialize on the args' `params`: at most `limit` of them
 * (0: no limit), then every field name shorter than
 * VIR_TYPED_PARAM_FIELD_LENGTH bytes (virStrcpyStatic into the 80-byte field).
 */
function typedParams(limit: number): Check {
  return (a) => {
    const params = a['params'];
    if (!Array.isArray(params)) return null;
    if (limit && params.length > limit) {
      return VirtError.report(ErrorCode.RPC, ErrorDomain.NONE,
        `too many parameters '${params.length}' for limit '${limit}'`);
    }
    for (const p of params as readonly Partial<TypedParameter>[]) {
      if (typeof p?.field !== 'string') continue;
      const field = cString(p.field);
      if (Buffer.byteLength(field, 'utf8') >= RemoteLimit.TYPED_PARAM_FIELD_LENGTH) {
        return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, `parameter ${field} too big for destination`);
      }
    }
    return null;
  };
}

/** The *3Params migration dispatchers count their list themselves, then deserialize without a limit. */
const migrationParams: readonly Check[] = [
  (a) => {
    const n = count(a, 'params');
    const max = RemoteLimit.DOMAIN_MIGRATE_PARAM_LIST_MAX;
    return n > max ? rpc(`Too many migration parameters '${n}' for limit '${max}'`) : null;
  },
  typedParams(0),
];

/** An event ID outside [0, last) is an internal error naming the family. */
function eventID(last: number, family = ''): Check {
  return (a) => {
    const id = num(a, 'eventID');
    return id !== null && (id < 0 || id >= last) ? internal(`unsupported ${family}event ID ${id}`) : null;
  };
}

/** VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED + 1: the legacy REGISTER_ANY/DEREGISTER_ANY take no later IDs. */
const LEGACY_DOMAIN_EVENT_LAST = 16;

/**
 * libvirtd's checks by REMOTE procedure name, in the order it makes them.
 * The daemon's own procedures (event registration) are listed too, though
 * the session answers those before it calls {@link checkCallArgs}.
 */
const CHECKS = {
  // gendispatch.pl list stubs
  connectListDomains: [listMax('maxids', 'DOMAIN_LIST_MAX')],
  connectListDefinedDomains: [listMax('maxnames', 'DOMAIN_LIST_MAX')],
  connectListNetworks: [listMax('maxnames', 'NETWORK_LIST_MAX')],
  connectListDefinedNetworks: [listMax('maxnames', 'NETWORK_LIST_MAX')],
  connectListStoragePools: [listMax('maxnames', 'STORAGE_POOL_LIST_MAX')],
  connectListDefinedStoragePools: [listMax('maxnames', 'STORAGE_POOL_LIST_MAX')],
  storagePoolListVolumes: [listMax('maxnames', 'STORAGE_VOL_LIST_MAX')],
  nodeListDevices: [listMax('maxnames', 'NODE_DEVICE_LIST_MAX')],
  nodeDeviceListCaps: [listMax('maxnames', 'NODE_DEVICE_CAPS_LIST_MAX')],
  connectListInterfaces: [listMax('maxnames', 'INTERFACE_LIST_MAX')],
  connectListDefinedInterfaces: [listMax('maxnames', 'INTERFACE_LIST_MAX')],
  connectListSecrets: [listMax('maxuuids', 'SECRET_LIST_MAX')],
  connectListNWFilters: [listMax('maxnames', 'NWFILTER_LIST_MAX')],
  domainSnapshotListNames: [listMax('maxnames', 'DOMAIN_SNAPSHOT_LIST_MAX')],
  domainSnapshotListChildrenNames: [listMax('maxnames', 'DOMAIN_SNAPSHOT_LIST_MAX')],
  nodeGetCellsFreeMemory: [listMax('maxcells', 'NODE_MAX_CELLS')],

  // hand-written typed-parameter getters
  domainGetSchedulerParameters: [nparams('DOMAIN_SCHEDULER_PARAMETERS_MAX')],
  domainGetSchedulerParametersFlags: [nparams('DOMAIN_SCHEDULER_PARAMETERS_MAX')],
  domainGetMemoryParameters: [nparams('DOMAIN_MEMORY_PARAMETERS_MAX')],
  domainGetNumaParameters: [nparams('DOMAIN_NUMA_PARAMETERS_MAX')],
  domainGetBlkioParameters: [nparams('DOMAIN_BLKIO_PARAMETERS_MAX')],
  domainGetBlockIoTune: [nparams('DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX')],
  domainGetInterfaceParameters: [nparams('DOMAIN_INTERFACE_PARAMETERS_MAX')],
  domainBlockStatsFlags: [nparams('DOMAIN_BLOCK_STATS_PARAMETERS_MAX')],
  nodeGetCPUStats: [nparams('NODE_CPU_STATS_MAX')],
  nodeGetMemoryStats: [nparams('NODE_MEMORY_STATS_MAX')],
  nodeGetMemoryParameters: [nparams('NODE_MEMORY_PARAMETERS_MAX')],
  // nparams and ncpus are unsigned here; the limit is the node's, not DOMAIN_GET_CPU_STATS_MAX.
  domainGetCPUStats: [
    atMost('nparams', RemoteLimit.NODE_CPU_STATS_MAX, 'nparams too large'),
    atMost('ncpus', RemoteLimit.DOMAIN_GET_CPU_STATS_NCPUS_MAX, 'ncpus too large'),
  ],

  // hand-written buffers
  domainGetVcpus: [
    nonNegative('maxinfo', 'maxinfo must be non-negative'),
    nonNegative('maplen', 'maxinfo must be non-negative'), // sic: libvirt names maxinfo here too
    atMost('maxinfo', RemoteLimit.VCPUINFO_MAX, 'maxinfo > REMOTE_VCPUINFO_MAX'),
    cpumaps('maxinfo', 'maplen'),
  ],
  domainGetVcpuPinInfo: [
    nonNegative('ncpumaps', 'ncpumaps must be non-negative'),
    nonNegative('maplen', 'maplen must be non-negative'),
    atMost('ncpumaps', RemoteLimit.VCPUINFO_MAX, 'ncpumaps > REMOTE_VCPUINFO_MAX'),
    cpumaps('ncpumaps', 'maplen'),
  ],
  domainGetEmulatorPinInfo: [nonNegative('maplen', 'maplen must be non-negative')],
  domainBlockPeek: [atMost('size', RemoteLimit.DOMAIN_BLOCK_PEEK_BUFFER_MAX, 'size > maximum buffer size')],
  domainMemoryPeek: [atMost('size', RemoteLimit.DOMAIN_MEMORY_PEEK_BUFFER_MAX, 'size > maximum buffer size')],
  domainMemoryStats: [
    atMost('maxStats', RemoteLimit.DOMAIN_MEMORY_STATS_MAX, 'maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX'),
  ],
  domainGetDiskErrors: [atMost('maxerrors', RemoteLimit.DOMAIN_DISK_ERRORS_MAX, 'maxerrors too large')],
  nodeGetFreePages: [freePagesFit],
  domainAuthorizedSSHKeysSet: [(a) => {
    const n = count(a, 'keys');
    const max = RemoteLimit.DOMAIN_AUTHORIZED_SSH_KEYS_MAX;
    // 9.0's text, typo included ("liit"); the XDR bound makes it unreachable from the wire.
    return n > max ? internal(`Number of keys ${n}, which exceeds max liit: ${max}`) : null;
  }],

  // typed parameters in the args (generated stubs pass the XDR bound as the limit)
  domainSetSchedulerParameters: [typedParams(RemoteLimit.DOMAIN_SCHEDULER_PARAMETERS_MAX)],
  domainSetSchedulerParametersFlags: [typedParams(RemoteLimit.DOMAIN_SCHEDULER_PARAMETERS_MAX)],
  domainSetMemoryParameters: [typedParams(RemoteLimit.DOMAIN_MEMORY_PARAMETERS_MAX)],
  domainSetBlkioParameters: [typedParams(RemoteLimit.DOMAIN_BLKIO_PARAMETERS_MAX)],
  domainSetBlockIoTune: [typedParams(RemoteLimit.DOMAIN_BLOCK_IO_TUNE_PARAMETERS_MAX)],
  domainSetNumaParameters: [typedParams(RemoteLimit.DOMAIN_NUMA_PARAMETERS_MAX)],
  domainSetInterfaceParameters: [typedParams(RemoteLimit.DOMAIN_INTERFACE_PARAMETERS_MAX)],
  nodeSetMemoryParameters: [typedParams(RemoteLimit.NODE_MEMORY_PARAMETERS_MAX)],
  domainBlockCopy: [typedParams(RemoteLimit.DOMAIN_BLOCK_COPY_PARAMETERS_MAX)],
  domainSetPerfEvents: [typedParams(RemoteLimit.DOMAIN_PERF_EVENTS_MAX)],
  domainSetIOThreadParams: [typedParams(RemoteLimit.DOMAIN_IOTHREAD_PARAMS_MAX)],
  networkPortSetParameters: [typedParams(RemoteLimit.NETWORK_PORT_PARAMETERS_MAX)],
  domainSetLaunchSecurityState: [typedParams(RemoteLimit.DOMAIN_LAUNCH_SECURITY_STATE_PARAMS_MAX)],
  domainSaveParams: [typedParams(RemoteLimit.DOMAIN_SAVE_PARAMS_MAX)],
  domainRestoreParams: [typedParams(RemoteLimit.DOMAIN_SAVE_PARAMS_MAX)],
  connectSetIdentity: [typedParams(RemoteLimit.CONNECT_IDENTITY_PARAMS_MAX)],
  domainMigrateBegin3Params: migrationParams,
  domainMigratePrepare3Params: migrationParams,
  domainMigratePrepareTunnel3Params: migrationParams,
  domainMigratePerform3Params: migrationParams,
  domainMigrateFinish3Params: migrationParams,
  domainMigrateConfirm3Params: migrationParams,

  // event registration (VIR_*_EVENT_ID_LAST of 9.0)
  connectDomainEventRegisterAny: [eventID(LEGACY_DOMAIN_EVENT_LAST)],
  connectDomainEventDeregisterAny: [eventID(LEGACY_DOMAIN_EVENT_LAST)],
  connectDomainEventCallbackRegisterAny: [eventID(27)],
  connectNetworkEventRegisterAny: [eventID(1, 'network ')],
  connectStoragePoolEventRegisterAny: [eventID(2, 'storage pool ')],
  connectNodeDeviceEventRegisterAny: [eventID(2, 'node device ')],
  connectSecretEventRegisterAny: [eventID(2, 'secret ')],
} as const satisfies Partial<Record<RemoteName, readonly Check[]>>;

/** By name, so that inherited object keys ("constructor") are never mistaken for entries. */
const TABLE: ReadonlyMap<string, readonly Check[]> = new Map(Object.entries(CHECKS));

/** The procedures libvirtd checks before calling the driver, for tests and docs. */
export const CHECKED_PROCEDURES: readonly string[] = [...TABLE.keys()];

/**
 * Returns libvirtd's error for `args` of procedure `name` (a REMOTE table
 * key), or null when the dispatcher would call the driver.
 */
export function checkCallArgs(name: string, args: unknown): VirtError | null {
  const checks = TABLE.get(name);
  if (!checks || args === null || typeof args !== 'object') return null;
  for (const check of checks) {
    const err = check(args as Args);
    if (err) return err;
  }
  return null;
}
