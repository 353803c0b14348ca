/**
 * Migration (tools/virsh-domain.c): migrate and the migrate-* tuning
 * commands.
 */
import { openAuth, type Connection } from '../../api/index.js';
import { domainMigrate3, domainMigrateToURI3, MigrateFlags } from '../../api/domain-migrate.js';
import { TypedParameterType } from '../../api/constants.js';
import type { TypedParam } from '../../driver/driver.js';
import { defaultAuth } from '../auth.js';
import { DOMAIN_OPT, strToLong, type CmdDef, type OptDef, type ParsedCommand } from '../command.js';
import { formatFixed } from '../format.js';
import { optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { readFileAll } from '../util.js';
import { exclusive, requires } from './domain.js';
import { watchJob } from './domain-save.js';

/** VIR_DOMAIN_MIGRATE_MAX_SPEED_POSTCOPY. */
const MAX_SPEED_POSTCOPY = 1;

/** The typed-parameter names of virDomainMigrate3 (VIR_MIGRATE_PARAM_*). */
const P = {
  URI: 'migrate_uri', GRAPHICS_URI: 'graphics_uri', LISTEN_ADDRESS: 'listen_address', DISKS_PORT: 'disks_port',
  DISKS_URI: 'disks_uri', DEST_NAME: 'destination_name', MIGRATE_DISKS: 'migrate_disks', COMPRESSION: 'compression',
  MT_LEVEL: 'compression.mt.level', MT_THREADS: 'compression.mt.threads', MT_DTHREADS: 'compression.mt.dthreads',
  XBZRLE_CACHE: 'compression.xbzrle.cache', DEST_XML: 'destination_xml', PERSIST_XML: 'persistent_xml',
  AC_INITIAL: 'auto_converge.initial', AC_INCREMENT: 'auto_converge.increment',
  BANDWIDTH_POSTCOPY: 'bandwidth.postcopy', PARALLEL_CONNECTIONS: 'parallel.connections', BANDWIDTH: 'bandwidth',
  TLS_DESTINATION: 'tls.destination',
} as const;

/** The boolean options and the flag each sets, in virsh's order. */
const FLAG_OPTS: Array<[string, number]> = [
  ['live', MigrateFlags.LIVE], ['p2p', MigrateFlags.PEER2PEER], ['tunnelled', MigrateFlags.TUNNELLED],
  ['persistent', MigrateFlags.PERSIST_DEST], ['undefinesource', MigrateFlags.UNDEFINE_SOURCE],
  ['suspend', MigrateFlags.PAUSED], ['copy-storage-all', MigrateFlags.NON_SHARED_DISK],
  ['copy-storage-inc', MigrateFlags.NON_SHARED_INC], ['change-protection', MigrateFlags.CHANGE_PROTECTION],
  ['unsafe', MigrateFlags.UNSAFE], ['compressed', MigrateFlags.COMPRESSED],
  ['auto-converge', MigrateFlags.AUTO_CONVERGE], ['rdma-pin-all', MigrateFlags.RDMA_PIN_ALL],
  ['offline', MigrateFlags.OFFLINE], ['abort-on-error', MigrateFlags.ABORT_ON_ERROR],
  ['postcopy', MigrateFlags.POSTCOPY], ['postcopy-resume', MigrateFlags.POSTCOPY_RESUME],
  ['zerocopy', MigrateFlags.ZEROCOPY], ['tls', MigrateFlags.TLS], ['parallel', MigrateFlags.PARALLEL],
];

/** The typed parameters from the options, in doMigrate's order; null after an error. */
function migrateParams(ctl: Shell, cmd: ParsedCommand): TypedParam[] | null {
  const params: TypedParam[] = [];
  const str = (opt: string, field: string): boolean => {
    const v = cmd.string(ctl, opt);
    if (v === null) return false;
    if (v !== undefined) params.push({ field, type: TypedParameterType.STRING, value: v });
    return true;
  };
  const list = (opt: string, field: string): boolean => {
    const v = cmd.string(ctl, opt);
    if (v === null) return false;
    if (v !== undefined) for (const s of v.split(',')) params.push({ field, type: TypedParameterType.STRING, value: s });
    return true;
  };
  const int = (opt: string, field: string, keepZero = true): boolean => {
    const v = cmd.int(ctl, opt);
    if (v === null) return false;
    if (v !== undefined && (keepZero || v !== 0)) params.push({ field, type: TypedParameterType.INT, value: v });
    return true;
  };
  const ull = (opt: string, field: string): boolean => {
    const v = cmd.ulongLong(ctl, opt);
    if (v === null) return false;
    if (v !== undefined) params.push({ field, type: TypedParameterType.ULLONG, value: Number(v) });
    return true;
  };
  const file = (opt: string, field: string): boolean => {
    const v = cmd.string(ctl, opt);
    if (v === null) return false;
    if (v === undefined) return true;
    const xml = readFileAll(ctl, v);
    if (xml === null) {
      ctl.error(`cannot read file '${v}'`);
      return false;
    }
    params.push({ field, type: TypedParameterType.STRING, value: xml });
    return true;
  };
  const ok = str('migrateuri', P.URI) && str('graphicsuri', P.GRAPHICS_URI)
    && str('listen-address', P.LISTEN_ADDRESS) && int('disks-port', P.DISKS_PORT, false)
    && str('disks-uri', P.DISKS_URI) && str('dname', P.DEST_NAME) && list('migrate-disks', P.MIGRATE_DISKS)
    && list('comp-methods', P.COMPRESSION) && int('comp-mt-level', P.MT_LEVEL)
    && int('comp-mt-threads', P.MT_THREADS) && int('comp-mt-dthreads', P.MT_DTHREADS)
    && ull('comp-xbzrle-cache', P.XBZRLE_CACHE) && file('xml', P.DEST_XML) && file('persistent-xml', P.PERSIST_XML)
    && int('auto-converge-initial', P.AC_INITIAL) && int('auto-converge-increment', P.AC_INCREMENT)
    && ull('postcopy-bandwidth', P.BANDWIDTH_POSTCOPY) && int('parallel-connections', P.PARALLEL_CONNECTIONS)
    && ull('bandwidth', P.BANDWIDTH) && str('tls-destination', P.TLS_DESTINATION);
  return ok ? params : null;
}

/** doMigrate: the worker's own lookup, the parameters, and the migration call. */
async function doMigrate(ctl: Shell, cmd: ParsedCommand, dconn: Connection | null): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const desturi = cmd.string(ctl, 'desturi');
  if (desturi == null) return false;
  const params = migrateParams(ctl, cmd);
  if (!params) return false;
  let flags = 0;
  for (const [opt, bit] of FLAG_OPTS) if (cmd.bool(opt)) flags |= bit;
  if (cmd.bool('copy-storage-synchronous-writes')) {
    if (!(flags & (MigrateFlags.NON_SHARED_DISK | MigrateFlags.NON_SHARED_INC))) {
      ctl.error("'--copy-storage-synchronous-writes' requires one of '--copy-storage-all', 'copy-storage-inc'");
      return false;
    }
    flags |= MigrateFlags.NON_SHARED_SYNCHRONOUS_WRITES;
  }
  if ((flags & MigrateFlags.PEER2PEER) || cmd.bool('direct')) {
    return await ctl.attempt(domainMigrateToURI3(dom, desturi, params, flags)) !== FAIL;
  }
  const ddom = await ctl.attempt(domainMigrate3(dom, dconn!, params, flags));
  if (ddom === FAIL) return false;
  ddom.free();
  return true;
}

async function cmdMigrate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const b = (o: string) => cmd.bool(o);
  if (!exclusive(ctl, 'live', b('live'), 'offline', b('offline'))) return false;
  if (!exclusive(ctl, 'timeout-suspend', b('timeout-suspend'), 'timeout-postcopy', b('timeout-postcopy'))) return false;
  if (!requires(ctl, 'postcopy-after-precopy', b('postcopy-after-precopy'), 'postcopy', b('postcopy'))) return false;
  if (!requires(ctl, 'timeout-postcopy', b('timeout-postcopy'), 'postcopy', b('postcopy'))) return false;
  if (!requires(ctl, 'persistent-xml', b('persistent-xml'), 'persistent', b('persistent'))) return false;
  if (!requires(ctl, 'tls-destination', b('tls-destination'), 'tls', b('tls'))) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  r.dom.free();
  const timeout = cmd.uint(ctl, 'timeout');
  if (timeout === null) return false;
  if (timeout && !b('live')) {
    ctl.error('migrate: Unexpected timeout for offline migration');
    return false;
  }
  const desturi = cmd.string(ctl, 'desturi');
  if (desturi == null) return false;
  let dconn: Connection | null = null;
  if (!b('p2p') && !b('direct')) {
    // The client itself talks to the destination (virshConnect).
    try {
      dconn = await openAuth(desturi, defaultAuth(ctl.io), 0, { env: ctl.io.env });
    } catch (e) {
      ctl.saveError(e);
      return false;
    }
    try {
      await dconn.setKeepAlive(5, 6);
    } catch {
      // Not asked for on the command line: a connection without keepalive is fine.
    }
  }
  try {
    return await watchJob(ctl, b('verbose'), 'Migration', () => doMigrate(ctl, cmd, dconn));
  } finally {
    await dconn?.close().catch(() => 0);
  }
}

async function cmdMigrateSetMaxDowntime(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const downtime = cmd.ulongLong(ctl, 'downtime');
  if (downtime == null) return false;
  if (downtime < 1n) {
    ctl.error('migrate: Invalid downtime');
    return false;
  }
  const call = dom.conn.call('domainMigrateSetMaxDowntime', { dom: dom.ref, downtime: Number(downtime), flags: 0 });
  return await ctl.attempt(call) !== FAIL;
}

async function cmdMigrateGetMaxDowntime(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const got = await ctl.attempt(dom.conn.call('domainMigrateGetMaxDowntime', { dom: dom.ref, flags: 0 }));
  if (got === FAIL) return false;
  ctl.print(`${got.downtime}\n`);
  return true;
}

/** vshPrettyCapacity. */
function prettyCapacity(n: number): [number, string] {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1 && n >= 1024 ** (i + 1)) {
    v /= 1024;
    i++;
  }
  return [n / 1024 ** i, units[i]!];
}

async function cmdMigrateCompCache(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const size = cmd.ulongLong(ctl, 'size');
  if (size === null) return false;
  if (size !== undefined) {
    const call = dom.conn.call('domainMigrateSetCompressionCache', { dom: dom.ref, cacheSize: Number(size), flags: 0 });
    if (await ctl.attempt(call) === FAIL) return false;
  }
  const got = await ctl.attempt(dom.conn.call('domainMigrateGetCompressionCache', { dom: dom.ref, flags: 0 }));
  if (got === FAIL) return false;
  const [value, unit] = prettyCapacity(got.cacheSize);
  ctl.print(`Compression cache: ${formatFixed(value, 3)} ${unit}\n`);
  return true;
}

async function cmdMigrateSetSpeed(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  // vshCommandOptULWrap: an unsigned long where negative numbers wrap around.
  const raw = cmd.opts.find((o) => o.def.name === 'bandwidth')?.data ?? '';
  const bandwidth = strToLong(raw, { signed: false, bits: 64 });
  if (bandwidth === null) {
    ctl.error(`Numeric value '${raw}' for <bandwidth> option is malformed or out of range`);
    return false;
  }
  const bw = Number(bandwidth);
  const flags = cmd.bool('postcopy') ? MAX_SPEED_POSTCOPY : 0;
  return await ctl.attempt(dom.conn.call('domainMigrateSetMaxSpeed', { dom: dom.ref, bandwidth: bw, flags })) !== FAIL;
}

async function cmdMigrateGetSpeed(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const flags = cmd.bool('postcopy') ? MAX_SPEED_POSTCOPY : 0;
  const got = await ctl.attempt(dom.conn.call('domainMigrateGetMaxSpeed', { dom: dom.ref, flags }));
  if (got === FAIL) return false;
  ctl.print(`${got.bandwidth}\n`);
  return true;
}

async function cmdMigratePostcopy(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  return await ctl.attempt(dom.conn.call('domainMigrateStartPostCopy', { dom: dom.ref, flags: 0 })) !== FAIL;
}

const B = (name: string, help: string): OptDef => ({ name, type: 'bool', help });
const S = (name: string, help: string): OptDef => ({ name, type: 'string', help });
const I = (name: string, help: string): OptDef => ({ name, type: 'int', help });

/** The migration commands of the "Domain Management" group. */
export const domainMigrateCommands: CmdDef[] = [
  {
    name: 'migrate',
    help: 'migrate domain to another host',
    desc: 'Migrate domain to another host.  Add --live for live migration.',
    options: [
      DOMAIN_OPT,
      {
        name: 'desturi', type: 'data', required: true,
        help: 'connection URI of the destination host as seen from the client(normal migration) or source(p2p migration)',
      },
      B('live', 'live migration'),
      B('offline', 'offline migration'),
      B('p2p', 'peer-2-peer migration'),
      B('direct', 'direct migration'),
      B('tunnelled', 'tunnelled migration'),
      B('persistent', 'persist VM on destination'),
      B('undefinesource', 'undefine VM on source'),
      B('suspend', 'do not restart the domain on the destination host'),
      B('copy-storage-all', 'migration with non-shared storage with full disk copy'),
      B('copy-storage-inc', 'migration with non-shared storage with incremental copy (same base image shared between source and destination)'),
      B('copy-storage-synchronous-writes', 'force guest disk writes to be synchronously written to the destination to improve storage migration convergence'),
      B('change-protection', 'prevent any configuration changes to domain until migration ends'),
      B('unsafe', 'force migration even if it may be unsafe'),
      B('verbose', 'display the progress of migration'),
      B('compressed', 'compress repeated pages during live migration'),
      B('auto-converge', 'force convergence during live migration'),
      B('rdma-pin-all', 'pin all memory before starting RDMA live migration'),
      B('abort-on-error', 'abort on soft errors during migration'),
      B('postcopy', 'enable post-copy migration; switch to it using migrate-postcopy command'),
      B('postcopy-after-precopy', 'automatically switch to post-copy migration after one pass of pre-copy'),
      B('postcopy-resume', 'resume failed post-copy migration'),
      B('zerocopy', 'use zero-copy mechanism for migrating memory pages'),
      S('migrateuri', 'migration URI, usually can be omitted'),
      S('graphicsuri', 'graphics URI to be used for seamless graphics migration'),
      S('listen-address', 'listen address that destination should bind to for incoming migration'),
      S('dname', 'rename to new name during migration (if supported)'),
      I('timeout', 'run action specified by --timeout-* option (suspend by default) if live migration exceeds timeout (in seconds)'),
      B('timeout-suspend', 'suspend the guest after timeout'),
      B('timeout-postcopy', 'switch to post-copy after timeout'),
      S('xml', 'filename containing updated XML for the target'),
      S('migrate-disks', 'comma separated list of disks to be migrated'),
      I('disks-port', 'port to use by target server for incoming disks migration'),
      S('disks-uri', 'URI to use for disks migration (overrides --disks-port)'),
      S('comp-methods', 'comma separated list of compression methods to be used'),
      I('comp-mt-level', 'compress level for multithread compression'),
      I('comp-mt-threads', 'number of compression threads for multithread compression'),
      I('comp-mt-dthreads', 'number of decompression threads for multithread compression'),
      I('comp-xbzrle-cache', 'page cache size for xbzrle compression'),
      I('auto-converge-initial', 'initial CPU throttling rate for auto-convergence'),
      I('auto-converge-increment', 'CPU throttling rate increment for auto-convergence'),
      S('persistent-xml', 'filename containing updated persistent XML for the target'),
      B('tls', 'use TLS for migration'),
      I('postcopy-bandwidth', 'post-copy migration bandwidth limit in MiB/s'),
      B('parallel', 'enable parallel migration'),
      I('parallel-connections', 'number of connections for parallel migration'),
      I('bandwidth', 'migration bandwidth limit in MiB/s'),
      S('tls-destination', 'override the destination host name used for TLS verification'),
    ],
    run: cmdMigrate,
  },
  {
    name: 'migrate-setmaxdowntime',
    help: 'set maximum tolerable downtime',
    desc: 'Set maximum tolerable downtime of a domain which is being live-migrated to another host.',
    options: [
      DOMAIN_OPT,
      { name: 'downtime', type: 'int', help: 'maximum tolerable downtime (in milliseconds) for migration', required: true },
    ],
    run: cmdMigrateSetMaxDowntime,
  },
  {
    name: 'migrate-getmaxdowntime',
    help: 'get maximum tolerable downtime',
    desc: 'Get maximum tolerable downtime of a domain which is being live-migrated to another host.',
    options: [DOMAIN_OPT],
    run: cmdMigrateGetMaxDowntime,
  },
  {
    name: 'migrate-compcache',
    help: 'get/set compression cache size',
    desc: 'Get/set size of the cache (in bytes) used for compressing repeatedly transferred memory pages during live migration.',
    options: [
      DOMAIN_OPT,
      { name: 'size', type: 'int', help: 'requested size of the cache (in bytes) used for compression', reqOpt: true },
    ],
    run: cmdMigrateCompCache,
  },
  {
    name: 'migrate-setspeed',
    help: 'Set the maximum migration bandwidth',
    desc: 'Set the maximum migration bandwidth (in MiB/s) for a domain which is being migrated to another host.',
    options: [
      DOMAIN_OPT,
      { name: 'bandwidth', type: 'int', help: 'migration bandwidth limit in MiB/s', required: true },
      B('postcopy', 'set post-copy migration bandwidth'),
    ],
    run: cmdMigrateSetSpeed,
  },
  {
    name: 'migrate-getspeed',
    help: 'Get the maximum migration bandwidth',
    desc: 'Get the maximum migration bandwidth (in MiB/s) for a domain.',
    options: [DOMAIN_OPT, B('postcopy', 'get post-copy migration bandwidth')],
    run: cmdMigrateGetSpeed,
  },
  {
    name: 'migrate-postcopy',
    help: 'Switch running migration from pre-copy to post-copy',
    desc: 'Switch running migration from pre-copy to post-copy. The migration must have been started with --postcopy option.',
    options: [DOMAIN_OPT],
    run: cmdMigratePostcopy,
  },
];
