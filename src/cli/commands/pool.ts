/**
 * The "Storage Pool" group (tools/virsh-pool.c).
 */
import type { StoragePool } from '../../api/index.js';
import { ConnectListAllStoragePoolsFlags as L, StoragePoolState } from '../../api/constants.js';
import { ErrorCode } from '../../errors.js';
import type { CmdDef, OptDef, ParsedCommand } from '../command.js';
import { formatFixed, padEnd, prettyCapacity, prettySize, strcasecmp, Table, XmlBuffer } from '../format.js';
import { filterList, yesNoFilter, type ListFilter } from '../list-filter.js';
import { BY_NAME, BY_UUID, freeAll, optPool } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { dumpXML, readFileAll } from '../util.js';
import { exclusive, stringToArray } from './domain.js';

/** virStoragePoolCreateFlags. */
const Create = { WITH_BUILD: 1, WITH_BUILD_OVERWRITE: 2, WITH_BUILD_NO_OVERWRITE: 4 } as const;
/** virStoragePoolBuildFlags. */
const Build = { NO_OVERWRITE: 4, OVERWRITE: 8 } as const;
/** VIR_STORAGE_POOL_DEFINE_VALIDATE, VIR_STORAGE_XML_INACTIVE. */
const DEFINE_VALIDATE = 1;
const XML_INACTIVE = 1;
/** virStoragePoolType names, with their VIR_CONNECT_LIST_STORAGE_POOLS_* bits. */
const POOL_TYPES: Record<string, number> = {
  dir: 1 << 6, fs: 1 << 7, netfs: 1 << 8, logical: 1 << 9, disk: 1 << 10, iscsi: 1 << 11, 'iscsi-direct': 1 << 19,
  scsi: 1 << 12, mpath: 1 << 13, rbd: 1 << 14, sheepdog: 1 << 15, gluster: 1 << 16, zfs: 1 << 17, vstorage: 1 << 18,
};

const STATES = ['inactive', 'building', 'running', 'degraded', 'inaccessible'];

/** virshStoragePoolStateToString. */
function stateToString(state: number): string {
  return STATES[state] ?? 'unknown';
}

async function cmdPoolAutostart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optPool(ctl, cmd);
  if (!r) return false;
  using pool = r.pool;
  const autostart = !cmd.bool('disable');
  if (await ctl.attempt(pool.setAutostart(autostart)) === FAIL) {
    ctl.error(autostart ? `failed to mark pool ${r.name} as autostarted` : `failed to unmark pool ${r.name} as autostarted`);
    return false;
  }
  ctl.printExtra(autostart ? `Pool ${r.name} marked as autostarted\n` : `Pool ${r.name} unmarked as autostarted\n`);
  return true;
}

async function cmdPoolBuild(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optPool(ctl, cmd);
  if (!r) return false;
  using pool = r.pool;
  let flags = 0;
  if (cmd.bool('no-overwrite')) flags |= Build.NO_OVERWRITE;
  if (cmd.bool('overwrite')) flags |= Build.OVERWRITE;
  if (await ctl.attempt(pool.build(flags)) === FAIL) {
    ctl.error(`Failed to build pool ${r.name}`);
    return false;
  }
  ctl.printExtra(`Pool ${r.name} built\n`);
  return true;
}

/** The --build/--overwrite/--no-overwrite flags of pool-create, pool-create-as and pool-start. */
function createFlags(ctl: Shell, cmd: ParsedCommand): number | null {
  const build = cmd.bool('build');
  const overwrite = cmd.bool('overwrite');
  const noOverwrite = cmd.bool('no-overwrite');
  if (!exclusive(ctl, 'overwrite', overwrite, 'no-overwrite', noOverwrite)) return null;
  let flags = 0;
  if (build) flags |= Create.WITH_BUILD;
  if (overwrite) flags |= Create.WITH_BUILD_OVERWRITE;
  if (noOverwrite) flags |= Create.WITH_BUILD_NO_OVERWRITE;
  return flags;
}

async function cmdPoolCreate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const flags = createFlags(ctl, cmd);
  if (flags === null) return false;
  const buffer = readFileAll(ctl, from);
  if (buffer === null) return false;
  const pool = await ctl.attempt(ctl.c.storagePoolCreateXML(buffer, flags));
  if (pool === FAIL) {
    ctl.error(`Failed to create pool from ${from}`);
    return false;
  }
  using p = pool;
  ctl.printExtra(`Pool ${p.getName()} created from ${from}\n`);
  return true;
}

/** virshBuildPoolXML: the pool XML from pool-create-as/pool-define-as options. */
function buildPoolXML(ctl: Shell, cmd: ParsedCommand): { name: string; xml: string } | null {
  if (!exclusive(ctl, 'secret-usage', cmd.bool('secret-usage'), 'secret-uuid', cmd.bool('secret-uuid'))) return null;
  const names = ['name', 'type', 'source-host', 'source-path', 'source-dev', 'source-name', 'source-format', 'target',
    'auth-type', 'auth-username', 'secret-usage', 'secret-uuid', 'adapter-name', 'adapter-wwnn', 'adapter-wwpn',
    'adapter-parent', 'adapter-parent-wwnn', 'adapter-parent-wwpn', 'adapter-parent-fabric-wwn',
    'source-protocol-ver', 'source-initiator'];
  const v: Record<string, string | undefined> = {};
  for (const n of names) {
    const s = cmd.string(ctl, n);
    if (s === null) return null;
    v[n] = s;
  }
  const buf = new XmlBuffer();
  buf.add(`<pool type='${v['type']}'>\n`).indent(2);
  buf.add(`<name>${v['name']}</name>\n`);
  const wwnn = v['adapter-wwnn'];
  const wwpn = v['adapter-wwpn'];
  if (v['source-host'] || v['source-path'] || v['source-dev'] || v['source-initiator'] || v['source-format']
    || v['source-name'] || (wwnn && wwpn) || v['adapter-name']) {
    buf.add('<source>\n').indent(2);
    if (v['source-host']) buf.add(`<host name='${v['source-host']}'/>\n`);
    if (v['source-path']) buf.add(`<dir path='${v['source-path']}'/>\n`);
    if (v['source-dev']) buf.add(`<device path='${v['source-dev']}'/>\n`);
    if (v['source-initiator']) {
      buf.add('<initiator>\n').indent(2);
      buf.add(`<iqn name='${v['source-initiator']}'/>\n`);
      buf.indent(-2).add('</initiator>\n');
    }
    if (wwnn && wwpn) {
      let s = "<adapter type='fc_host'";
      if (v['adapter-parent']) s += ` parent='${v['adapter-parent']}'`;
      else if (v['adapter-parent-wwnn'] && v['adapter-parent-wwpn']) {
        s += ` parent_wwnn='${v['adapter-parent-wwnn']}' parent_wwpn='${v['adapter-parent-wwpn']}'`;
      } else if (v['adapter-parent-fabric-wwn']) s += ` parent_fabric_wwn='${v['adapter-parent-fabric-wwn']}'`;
      buf.add(`${s} wwnn='${wwnn}' wwpn='${wwpn}'/>\n`);
    } else if (v['adapter-name']) {
      buf.add(`<adapter type='scsi_host' name='${v['adapter-name']}'/>\n`);
    }
    if (v['auth-type'] && v['auth-username'] && (v['secret-usage'] || v['secret-uuid'])) {
      buf.add(`<auth type='${v['auth-type']}' username='${v['auth-username']}'>\n`).indent(2);
      if (v['secret-usage']) buf.add(`<secret usage='${v['secret-usage']}'/>\n`);
      else buf.add(`<secret uuid='${v['secret-uuid']}'/>\n`);
      buf.indent(-2).add('</auth>\n');
    }
    if (v['source-format']) buf.add(`<format type='${v['source-format']}'/>\n`);
    if (v['source-name']) buf.add(`<name>${v['source-name']}</name>\n`);
    if (v['source-protocol-ver']) buf.add(`<protocol ver='${v['source-protocol-ver']}'/>\n`);
    buf.indent(-2).add('</source>\n');
  }
  if (v['target']) {
    buf.add('<target>\n').indent(2);
    buf.add(`<path>${v['target']}</path>\n`);
    buf.indent(-2).add('</target>\n');
  }
  buf.indent(-2).add('</pool>\n');
  return { name: v['name']!, xml: buf.toString() };
}

async function cmdPoolCreateAs(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const printXML = cmd.bool('print-xml');
  const flags = createFlags(ctl, cmd);
  if (flags === null) return false;
  const built = buildPoolXML(ctl, cmd);
  if (!built) return false;
  if (printXML) {
    ctl.print(built.xml);
    return true;
  }
  const pool = await ctl.attempt(ctl.c.storagePoolCreateXML(built.xml, flags));
  if (pool === FAIL) {
    ctl.error(`Failed to create pool ${built.name}`);
    return false;
  }
  pool.free();
  ctl.printExtra(`Pool ${built.name} created\n`);
  return true;
}

async function cmdPoolDefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const flags = cmd.bool('validate') ? DEFINE_VALIDATE : 0;
  const buffer = readFileAll(ctl, from);
  if (buffer === null) return false;
  const pool = await ctl.attempt(ctl.c.storagePoolDefineXML(buffer, flags));
  if (pool === FAIL) {
    ctl.error(`Failed to define pool from ${from}`);
    return false;
  }
  using p = pool;
  ctl.printExtra(`Pool ${p.getName()} defined from ${from}\n`);
  return true;
}

async function cmdPoolDefineAs(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const printXML = cmd.bool('print-xml');
  const built = buildPoolXML(ctl, cmd);
  if (!built) return false;
  if (printXML) {
    ctl.print(built.xml);
    return true;
  }
  const pool = await ctl.attempt(ctl.c.storagePoolDefineXML(built.xml, 0));
  if (pool === FAIL) {
    ctl.error(`Failed to define pool ${built.name}`);
    return false;
  }
  pool.free();
  ctl.printExtra(`Pool ${built.name} defined\n`);
  return true;
}

/** pool-delete, pool-destroy, pool-refresh, pool-undefine: one call on the pool. */
async function simple(ctl: Shell, cmd: ParsedCommand, call: (p: StoragePool) => Promise<void>,
  failed: string, done: string): Promise<boolean> {
  const r = await optPool(ctl, cmd);
  if (!r) return false;
  using pool = r.pool;
  if (await ctl.attempt(call(pool)) === FAIL) {
    ctl.error(`Failed to ${failed} pool ${r.name}`);
    return false;
  }
  ctl.printExtra(`Pool ${r.name} ${done}\n`);
  return true;
}

function cmdPoolDelete(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return simple(ctl, cmd, (p) => p.delete(0), 'delete', 'deleted');
}

function cmdPoolDestroy(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return simple(ctl, cmd, (p) => p.destroy(), 'destroy', 'destroyed');
}

function cmdPoolRefresh(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return simple(ctl, cmd, (p) => p.refresh(0), 'refresh', 'refreshed');
}

function cmdPoolUndefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return simple(ctl, cmd, (p) => p.undefine(), 'undefine', 'has been undefined');
}

async function cmdPoolDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool('inactive') ? XML_INACTIVE : 0;
  const r = await optPool(ctl, cmd);
  if (!r) return false;
  using pool = r.pool;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const xml = await ctl.attempt(pool.getXMLDesc(flags));
  if (xml === FAIL) return false;
  return dumpXML(ctl, xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}

/** `%2.2lf %s` of vshPrettyCapacity. */
function prettyLine(val: number): string {
  const { value, unit } = prettyCapacity(val);
  return `${formatFixed(value, 2).padStart(2)} ${unit}`;
}

async function cmdPoolInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optPool(ctl, cmd);
  if (!r) return false;
  using pool = r.pool;
  const bytes = cmd.bool('bytes');
  const line = (label: string, value: string) => ctl.print(`${padEnd(label, 15)} ${value}\n`);
  line('Name:', pool.getName());
  line('UUID:', pool.getUUIDString());
  const info = await ctl.attempt(pool.getInfo());
  if (info === FAIL) return false;
  line('State:', stateToString(info.state));
  const persistent = await ctl.attempt(pool.isPersistent());
  ctl.debugMsg(0, `Pool persistent flag value: ${persistent === FAIL ? -1 : persistent ? 1 : 0}\n`);
  line('Persistent:', persistent === FAIL ? 'unknown' : persistent ? 'yes' : 'no');
  const autostart = await ctl.attempt(pool.getAutostart());
  line('Autostart:', autostart === FAIL ? 'no autostart' : autostart ? 'yes' : 'no');
  if (info.state === StoragePoolState.RUNNING || info.state === StoragePoolState.DEGRADED) {
    if (bytes) {
      line('Capacity:', String(info.capacity));
      line('Allocation:', String(info.allocation));
      line('Available:', String(info.available));
    } else {
      line('Capacity:', prettyLine(info.capacity));
      line('Allocation:', prettyLine(info.allocation));
      line('Available:', prettyLine(info.available));
    }
  }
  return true;
}

const FILTERS_ACTIVE = L.ACTIVE | L.INACTIVE;

/** The filter simulation of virshStoragePoolListCollect, in virsh's order. */
const POOL_FILTERS: readonly ListFilter<StoragePool>[] = [
  yesNoFilter(L.PERSISTENT, L.TRANSIENT, 'Failed to get pool persistence info', (pool) => pool.isPersistent()),
  yesNoFilter(L.AUTOSTART, L.NO_AUTOSTART, 'Failed to get pool autostart state', (pool) => pool.getAutostart()),
];

/** virshStoragePoolListCollect. */
async function collectPools(ctl: Shell, flags: number): Promise<StoragePool[] | null> {
  const sort = (l: StoragePool[]) => l.sort((a, b) => strcasecmp(a.getName(), b.getName()));
  const all = await ctl.attempt(ctl.c.listAllStoragePools(flags));
  if (all !== FAIL) return sort(all);
  if (ctl.lastErrorCode === ErrorCode.INVALID_ARG) {
    ctl.resetError();
    const list = await ctl.attempt(ctl.c.listAllStoragePools(flags & FILTERS_ACTIVE));
    if (list !== FAIL) {
      const kept = await filterList(ctl, list, flags, POOL_FILTERS);
      if (!kept) return null;
      return sort(kept);
    }
  }
  ctl.error('Failed to list pools');
  return null;
}

interface PoolText { state: string; autostart: string; persistent: string; capacity: string; allocation: string; available: string }

async function cmdPoolList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const details = cmd.bool('details');
  const inactive = cmd.bool('inactive');
  const all = cmd.bool('all');
  if (!exclusive(ctl, 'all', all, 'inactive', inactive)) return false;
  let flags: number = L.ACTIVE;
  if (inactive) flags = L.INACTIVE;
  if (all) flags = L.ACTIVE | L.INACTIVE;
  if (cmd.bool('autostart')) flags |= L.AUTOSTART;
  if (cmd.bool('no-autostart')) flags |= L.NO_AUTOSTART;
  if (cmd.bool('persistent')) flags |= L.PERSISTENT;
  if (cmd.bool('transient')) flags |= L.TRANSIENT;
  const uuid = cmd.bool('uuid');
  const name = cmd.bool('name');
  const type = cmd.string(ctl, 'type');
  if (type === null) return false;
  if (!exclusive(ctl, 'details', details, 'uuid', uuid)) return false;
  if (!exclusive(ctl, 'details', details, 'name', name)) return false;
  if (type !== undefined) {
    for (const t of stringToArray(type)) {
      const bit = Object.hasOwn(POOL_TYPES, t) ? POOL_TYPES[t] : undefined;
      if (bit === undefined) {
        ctl.error(`Invalid pool type '${t}'`);
        return false;
      }
      flags |= bit;
    }
  }
  const list = await collectPools(ctl, flags);
  if (!list) return false;
  try {
    const texts: PoolText[] = [];
    for (const pool of list) {
      const t: PoolText = { state: '', autostart: '', persistent: '', capacity: '', allocation: '', available: '' };
      const autostart = await ctl.attempt(pool.getAutostart());
      t.autostart = autostart === FAIL ? 'no autostart' : autostart ? 'yes' : 'no';
      if (details) {
        const persistent = await ctl.attempt(pool.isPersistent());
        ctl.debugMsg(0, `Persistent flag value: ${persistent === FAIL ? -1 : persistent ? 1 : 0}\n`);
        t.persistent = persistent === FAIL ? 'unknown' : persistent ? 'yes' : 'no';
      }
      const info = await ctl.attempt(pool.getInfo());
      if (info === FAIL) {
        ctl.error('Could not retrieve pool information');
        t.state = 'unknown';
        if (details) t.capacity = t.allocation = t.available = 'unknown';
      } else if (details) {
        t.state = stateToString(info.state);
        if (info.state === StoragePoolState.RUNNING || info.state === StoragePoolState.DEGRADED) {
          t.capacity = prettySize(info.capacity);
          t.allocation = prettySize(info.allocation);
          t.available = prettySize(info.available);
        } else {
          t.capacity = t.allocation = t.available = '-';
        }
      } else {
        // The C code tests the int, so an error reads as active.
        const active = await ctl.attempt(pool.isActive());
        t.state = active === false ? 'inactive' : 'active';
      }
      texts.push(t);
    }
    if (!details) {
      if (uuid || name) {
        for (const pool of list) {
          if (uuid) ctl.print(`${padEnd(pool.getUUIDString(), 36)}${name ? ' ' : '\n'}`);
          if (name) ctl.print(`${padEnd(pool.getName(), 20)}\n`);
        }
        return true;
      }
      const table = new Table('Name', 'State', 'Autostart');
      list.forEach((pool, i) => table.add(pool.getName(), texts[i]!.state, texts[i]!.autostart));
      ctl.print(table.render(!ctl.quiet, ctl.io.env));
      return true;
    }
    const table = new Table('Name', 'State', 'Autostart', 'Persistent', 'Capacity', 'Allocation', 'Available');
    list.forEach((pool, i) => {
      const t = texts[i]!;
      table.add(pool.getName(), t.state, t.autostart, t.persistent, t.capacity, t.allocation, t.available);
    });
    ctl.print(table.render(!ctl.quiet, ctl.io.env));
    return true;
  } finally {
    freeAll(list);
  }
}

async function cmdPoolName(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optPool(ctl, cmd, 'pool', BY_UUID);
  if (!r) return false;
  using pool = r.pool;
  ctl.print(`${pool.getName()}\n`);
  return true;
}

async function cmdPoolStart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optPool(ctl, cmd);
  if (!r) return false;
  using pool = r.pool;
  const flags = createFlags(ctl, cmd);
  if (flags === null) return false;
  if (await ctl.attempt(pool.create(flags)) === FAIL) {
    ctl.error(`Failed to start pool ${r.name}`);
    return false;
  }
  ctl.printExtra(`Pool ${r.name} started\n`);
  return true;
}

async function cmdPoolUuid(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optPool(ctl, cmd, 'pool', BY_NAME);
  if (!r) return false;
  using pool = r.pool;
  ctl.print(`${pool.getUUIDString()}\n`);
  return true;
}

/** The "Storage Pool" commands, in virsh's order. */
/** The arguments pool-create-as and pool-define-as share (virsh's OPTS_POOL_X_AS). */
const POOL_X_AS_OPTS: OptDef[] = [
  { name: 'name', type: 'data', help: 'name of the pool', required: true },
  { name: 'type', type: 'data', help: 'type of the pool', required: true },
  { name: 'print-xml', type: 'bool', help: 'print XML document, but don\'t define/create' },
  { name: 'source-host', type: 'string', help: 'source-host for underlying storage' },
  { name: 'source-path', type: 'string', help: 'source path for underlying storage' },
  { name: 'source-dev', type: 'string', help: 'source device for underlying storage' },
  { name: 'source-name', type: 'string', help: 'source name for underlying storage' },
  { name: 'target', type: 'string', help: 'target for underlying storage' },
  { name: 'source-format', type: 'string', help: 'format for underlying storage' },
  { name: 'auth-type', type: 'string', help: 'auth type to be used for underlying storage' },
  { name: 'auth-username', type: 'string', help: 'auth username to be used for underlying storage' },
  { name: 'secret-usage', type: 'string', help: 'auth secret usage to be used for underlying storage' },
  { name: 'secret-uuid', type: 'string', help: 'auth secret UUID to be used for underlying storage' },
  { name: 'adapter-name', type: 'string', help: 'adapter name to be used for underlying storage' },
  { name: 'adapter-wwnn', type: 'string', help: 'adapter wwnn to be used for underlying storage' },
  { name: 'adapter-wwpn', type: 'string', help: 'adapter wwpn to be used for underlying storage' },
  { name: 'adapter-parent', type: 'string', help: 'adapter parent scsi_hostN to be used for underlying vHBA storage' },
  { name: 'adapter-parent-wwnn', type: 'string', help: 'adapter parent scsi_hostN wwnn to be used for underlying vHBA storage' },
  { name: 'adapter-parent-wwpn', type: 'string', help: 'adapter parent scsi_hostN wwpn to be used for underlying vHBA storage' },
  { name: 'adapter-parent-fabric-wwn', type: 'string', help: 'adapter parent scsi_hostN fabric_wwn to be used for underlying vHBA storage' },
  { name: 'source-protocol-ver', type: 'string', help: 'nfsvers value for NFS pool mount option' },
  { name: 'source-initiator', type: 'string', help: 'initiator iqn for underlying storage' },
];

/** --build / --no-overwrite / --overwrite of the pool-create* and pool-start commands. */
const POOL_BUILD_OPTS: OptDef[] = [
  { name: 'build', type: 'bool', help: 'build the pool as normal' },
  { name: 'no-overwrite', type: 'bool', help: 'do not overwrite any existing data' },
  { name: 'overwrite', type: 'bool', help: 'overwrite any existing data' },
];

export const poolCommands: CmdDef[] = [
  {
    name: 'pool-autostart',
    help: 'autostart a pool',
    desc: 'Configure a pool to be automatically started at boot.',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
      { name: 'disable', type: 'bool', help: 'disable autostarting' },
    ],
    run: cmdPoolAutostart,
  },
  {
    name: 'pool-build',
    help: 'build a pool',
    desc: 'Build a given pool.',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
      { name: 'no-overwrite', type: 'bool', help: 'do not overwrite any existing data' },
      { name: 'overwrite', type: 'bool', help: 'overwrite any existing data' },
    ],
    run: cmdPoolBuild,
  },
  {
    name: 'pool-create-as',
    help: 'create a pool from a set of args',
    desc: 'Create a pool.',
    options: [
      ...POOL_X_AS_OPTS,
      ...POOL_BUILD_OPTS,
    ],
    run: cmdPoolCreateAs,
  },
  {
    name: 'pool-create',
    help: 'create a pool from an XML file',
    desc: 'Create a pool.',
    options: [
      { name: 'file', type: 'data', help: 'file containing an XML pool description', required: true },
      ...POOL_BUILD_OPTS,
    ],
    run: cmdPoolCreate,
  },
  {
    name: 'pool-define-as',
    help: 'define a pool from a set of args',
    desc: 'Define a pool.',
    options: [
      ...POOL_X_AS_OPTS,
    ],
    run: cmdPoolDefineAs,
  },
  {
    name: 'pool-define',
    help: 'define an inactive persistent storage pool or modify an existing persistent one from an XML file',
    desc: 'Define or modify a persistent storage pool.',
    options: [
      { name: 'file', type: 'data', help: 'file containing an XML pool description', required: true },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    run: cmdPoolDefine,
  },
  {
    name: 'pool-delete',
    help: 'delete a pool',
    desc: 'Delete a given pool.',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
    ],
    run: cmdPoolDelete,
  },
  {
    name: 'pool-destroy',
    help: 'destroy (stop) a pool',
    desc: 'Forcefully stop a given pool. Raw data in the pool is untouched',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
    ],
    run: cmdPoolDestroy,
  },
  {
    name: 'pool-dumpxml',
    help: 'pool information in XML',
    desc: 'Output the pool information as an XML dump to stdout.',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
      { name: 'inactive', type: 'bool', help: 'show inactive defined XML' },
      { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
      { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
    ],
    run: cmdPoolDumpxml,
  },
  {
    name: 'pool-info',
    help: 'storage pool information',
    desc: 'Returns basic information about the storage pool.',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
      { name: 'bytes', type: 'bool', help: 'Return pool info in bytes' },
    ],
    run: cmdPoolInfo,
  },
  {
    name: 'pool-list',
    help: 'list pools',
    desc: 'Returns list of pools.',
    options: [
      { name: 'inactive', type: 'bool', help: 'list inactive pools' },
      { name: 'all', type: 'bool', help: 'list inactive & active pools' },
      { name: 'transient', type: 'bool', help: 'list transient pools' },
      { name: 'persistent', type: 'bool', help: 'list persistent pools' },
      { name: 'autostart', type: 'bool', help: 'list pools with autostart enabled' },
      { name: 'no-autostart', type: 'bool', help: 'list pools with autostart disabled' },
      { name: 'type', type: 'string', help: 'only list pool of specified type(s) (if supported)' },
      { name: 'details', type: 'bool', help: 'display extended details for pools' },
      { name: 'uuid', type: 'bool', help: 'list UUID of active pools only' },
      { name: 'name', type: 'bool', help: 'list name of active pools only' },
    ],
    run: cmdPoolList,
  },
  {
    name: 'pool-name',
    help: 'convert a pool UUID to pool name',
    desc: '',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
    ],
    run: cmdPoolName,
  },
  {
    name: 'pool-refresh',
    help: 'refresh a pool',
    desc: 'Refresh a given pool.',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
    ],
    run: cmdPoolRefresh,
  },
  {
    name: 'pool-start',
    help: 'start a (previously defined) inactive pool',
    desc: 'Start a pool.',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
      ...POOL_BUILD_OPTS,
    ],
    run: cmdPoolStart,
  },
  {
    name: 'pool-undefine',
    help: 'undefine an inactive pool',
    desc: 'Undefine the configuration for an inactive pool.',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
    ],
    run: cmdPoolUndefine,
  },
  {
    name: 'pool-uuid',
    help: 'convert a pool name to pool UUID',
    desc: '',
    options: [
      { name: 'pool', type: 'data', help: 'pool name or uuid', required: true },
    ],
    run: cmdPoolUuid,
  },
];

