/**
 * virDomainMigrate3 and virDomainMigrateToURI3 up to the driver calls:
 * libvirt-domain.c's argument checks and its choice of protocol from the
 * drivers' features. The test driver offers no migration protocol, so
 * with it these end in libvirt's own errors before anything migrates;
 * drivers that do migrate need the multi-step protocol, not written yet.
 */
import type { TypedParam } from '../driver/driver.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { Connection } from './connection.js';
import { exclusiveFlags } from './domain-save.js';
import type { Domain } from './objects.js';

/** virDomainMigrateFlags. */
export const MigrateFlags = {
  LIVE: 1 << 0, PEER2PEER: 1 << 1, TUNNELLED: 1 << 2, PERSIST_DEST: 1 << 3, UNDEFINE_SOURCE: 1 << 4,
  PAUSED: 1 << 5, NON_SHARED_DISK: 1 << 6, NON_SHARED_INC: 1 << 7, CHANGE_PROTECTION: 1 << 8, UNSAFE: 1 << 9,
  OFFLINE: 1 << 10, COMPRESSED: 1 << 11, ABORT_ON_ERROR: 1 << 12, AUTO_CONVERGE: 1 << 13, RDMA_PIN_ALL: 1 << 14,
  POSTCOPY: 1 << 15, TLS: 1 << 16, PARALLEL: 1 << 17, NON_SHARED_SYNCHRONOUS_WRITES: 1 << 18,
  POSTCOPY_RESUME: 1 << 19, ZEROCOPY: 1 << 20,
} as const;

/** VIR_DRV_FEATURE_* numbers of the migration features. */
const Feature = {
  MIGRATION_V1: 1, MIGRATION_V2: 3, MIGRATION_P2P: 4, MIGRATION_DIRECT: 5, MIGRATION_V3: 6,
  MIGRATE_CHANGE_PROTECTION: 7, MIGRATION_OFFLINE: 12, MIGRATION_PARAMS: 13,
} as const;

/** The parameters the pre-params protocols can carry (virDomainMigrate3's compatParams). */
const COMPAT_PARAMS = new Set(['migrate_uri', 'destination_name', 'destination_xml', 'bandwidth']);

/** VIR_DRV_SUPPORTS_FEATURE: a driver without the call supports nothing. */
async function supports(conn: Connection, feature: number): Promise<boolean> {
  if (!conn.driver.connectSupportsFeature) return false;
  return (await conn.call('connectSupportsFeature', { feature })).supported !== 0;
}

/** virCheckReadOnlyGoto naming the public call (no single procedure stands for it). */
function readOnly(api: string): VirtError {
  return VirtError.report(ErrorCode.OPERATION_DENIED, ErrorDomain.DOMAIN, `read only access prevents ${api}`);
}

function unsupportedArg(msg: string): VirtError {
  return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, ErrorDomain.DOMAIN, msg);
}

/** virReportInvalidArg (no "invalid argument" prefix). */
function invalidArg(func: string, msg: string): VirtError {
  return new VirtError(ErrorCode.INVALID_ARG, msg, ErrorDomain.DOMAIN, { str1: func, str2: 'flags' });
}

const DISK_INC: [number, string, number, string] =
  [MigrateFlags.NON_SHARED_DISK, 'VIR_MIGRATE_NON_SHARED_DISK', MigrateFlags.NON_SHARED_INC, 'VIR_MIGRATE_NON_SHARED_INC'];

/** No driver here carries a migration through yet: libvirt's last resort error. */
function noMigration(api: string): VirtError {
  return VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.DOMAIN, api);
}

/** virDomainMigrate3: migrate `dom` to the host `dconn` is connected to. */
export async function domainMigrate3(dom: Domain, dconn: Connection, params: TypedParam[], flags: number):
  Promise<Domain> {
  const conn = dom.conn;
  if (conn.isReadOnly || dconn.isReadOnly) throw readOnly('virDomainMigrate3');
  exclusiveFlags(flags, 'virDomainMigrate3', DISK_INC);
  if (flags & MigrateFlags.PEER2PEER) {
    throw invalidArg('virDomainMigrate3', 'use virDomainMigrateToURI3 for peer-to-peer migration');
  }
  if (flags & MigrateFlags.TUNNELLED) {
    throw invalidArg('virDomainMigrate3', 'cannot perform tunnelled migration without using peer2peer flag');
  }
  if (flags & MigrateFlags.OFFLINE) {
    if (!(await supports(conn, Feature.MIGRATION_OFFLINE))) {
      throw unsupportedArg('offline migration is not supported by the source host');
    }
    if (!(await supports(dconn, Feature.MIGRATION_OFFLINE))) {
      throw unsupportedArg('offline migration is not supported by the destination host');
    }
  }
  if ((flags & MigrateFlags.CHANGE_PROTECTION) && !(await supports(conn, Feature.MIGRATE_CHANGE_PROTECTION))) {
    throw unsupportedArg('cannot enforce change protection');
  }
  const paramsBoth = (await supports(conn, Feature.MIGRATION_PARAMS)) && (await supports(dconn, Feature.MIGRATION_PARAMS));
  if (!paramsBoth && params.some((p) => !COMPAT_PARAMS.has(p.field))) {
    throw unsupportedArg('Migration APIs with extensible parameters are not supported but extended parameters were passed');
  }
  throw noMigration('virDomainMigrate3');
}

/** virDomainMigrateToURI3: peer-to-peer (the source connects to `dconnuri`) or direct migration. */
export async function domainMigrateToURI3(dom: Domain, dconnuri: string | null, _params: TypedParam[], flags: number):
  Promise<void> {
  const conn = dom.conn;
  if (conn.isReadOnly) throw readOnly('virDomainMigrateToURI3');
  exclusiveFlags(flags, 'virDomainMigrateToURI3', DISK_INC);
  // virDomainMigrateUnmanagedCheckCompat.
  if ((flags & MigrateFlags.OFFLINE) && !(await supports(conn, Feature.MIGRATION_OFFLINE))) {
    throw unsupportedArg('offline migration is not supported by the source host');
  }
  if (flags & MigrateFlags.PEER2PEER) {
    if (!(await supports(conn, Feature.MIGRATION_P2P))) {
      throw unsupportedArg('p2p migration is not supported by the source host');
    }
    if (dconnuri === null) throw invalidArg('virDomainMigrateToURI3', 'dconnuri in virDomainMigrateToURI3 must not be NULL');
  } else if (!(await supports(conn, Feature.MIGRATION_DIRECT))) {
    throw unsupportedArg('direct migration is not supported by the source host');
  }
  throw noMigration('virDomainMigrateToURI3');
}
