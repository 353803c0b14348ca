/**
 * The "Domain Monitoring" group (tools/virsh-domain-monitor.c): list,
 * dominfo, domstate, domblkinfo, dommemstat, domstats, domtime.
 */
import type { Domain } from '../../api/index.js';
import { ConnectListAllDomainsFlags as L, DomainState } from '../../api/constants.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { parseXml, type XmlElement } from '../../util/xml.js';
import { AFFECT_OPTS, DOMAIN_OPT, type CmdDef, type ParsedCommand } from '../command.js';
import { formatFixed, padEnd, prettyCapacity, strcasecmp, Table } from '../format.js';
import { filterList, yesNoFilter, type ListFilter } from '../list-filter.js';
import { BY_ID, BY_NAME, BY_UUID, freeAll, lookupDomain, optDomain } from '../lookup.js';
import { typedParamValue } from '../util.js';
import { FAIL, type Shell } from '../shell.js';
import { affectFlags, exclusive } from './domain.js';

const STATES = ['no state', 'running', 'idle', 'paused', 'in shutdown', 'shut off', 'crashed', 'pmsuspended'];

/** virshDomainStateToString. */
export function stateToString(state: number): string {
  return STATES[state] ?? 'no state';
}

const REASONS: Record<number, string[]> = {
  [DomainState.NOSTATE]: ['unknown'],
  [DomainState.RUNNING]: ['unknown', 'booted', 'migrated', 'restored', 'from snapshot', 'unpaused',
    'migration canceled', 'save canceled', 'event wakeup', 'crashed', 'post-copy', 'post-copy failed'],
  [DomainState.BLOCKED]: ['unknown'],
  [DomainState.PAUSED]: ['unknown', 'user', 'migrating', 'saving', 'dumping', 'I/O error', 'watchdog',
    'from snapshot', 'shutting down', 'creating snapshot', 'crashed', 'starting up', 'post-copy', 'post-copy failed'],
  [DomainState.SHUTDOWN]: ['unknown', 'user'],
  [DomainState.SHUTOFF]: ['unknown', 'shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed',
    'from snapshot', 'daemon'],
  [DomainState.CRASHED]: ['unknown', 'panicked'],
  [DomainState.PMSUSPENDED]: ['unknown'],
};

/** virshDomainStateReasonToString. */
function reasonToString(state: number, reason: number): string {
  return REASONS[state]?.[reason] ?? 'unknown';
}

/**
 * virshDomainState: the state (and reason) from virDomainGetState, falling
 * back to virDomainGetInfo where that is unsupported. FAIL with the error
 * kept.
 */
export async function domainState(ctl: Shell, dom: Domain): Promise<{ state: number; reason: number } | typeof FAIL> {
  if (!ctl.useGetInfo) {
    const st = await ctl.attempt(dom.getState(0));
    if (st !== FAIL) return st;
    if (ctl.lastErrorCode !== ErrorCode.NO_SUPPORT) return FAIL;
    ctl.useGetInfo = true;
  }
  const info = await ctl.attempt(dom.getInfo());
  if (info === FAIL) return FAIL;
  return { state: info.state, reason: -1 };
}

function isInactiveId(id: number): boolean {
  return id === -1 || id === 0xffffffff;
}

async function cmdDominfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  let ret = true;
  const line = (label: string, value: string) => ctl.print(`${padEnd(label, 15)} ${value}\n`);
  const id = dom.getID();
  line('Id:', isInactiveId(id) ? '-' : String(id));
  line('Name:', dom.getName());
  line('UUID:', dom.getUUIDString());
  const ostype = await ctl.attempt(dom.getOSType());
  if (ostype !== FAIL) line('OS Type:', ostype);
  const info = await ctl.attempt(dom.getInfo());
  if (info !== FAIL) {
    line('State:', stateToString(info.state));
    line('CPU(s):', String(info.nrVirtCpu));
    if (info.cpuTime !== 0) line('CPU time:', `${formatFixed(info.cpuTime / 1e9, 1)}s`);
    if (info.maxMem !== 0xffffffff) line('Max memory:', `${info.maxMem} KiB`);
    else line('Max memory:', 'no limit');
    line('Used memory:', `${info.memory} KiB`);
  } else {
    ret = false;
  }
  const persistent = await ctl.attempt(dom.isPersistent());
  ctl.debugMsg(0, `Domain persistent flag value: ${persistent === FAIL ? -1 : persistent ? 1 : 0}\n`);
  line('Persistent:', persistent === FAIL ? 'unknown' : persistent ? 'yes' : 'no');
  const autostart = await ctl.attempt(dom.getAutostart());
  if (autostart !== FAIL) line('Autostart:', autostart ? 'enable' : 'disable');
  const saved = await ctl.attempt(dom.hasManagedSaveImage(0));
  line('Managed save:', saved === FAIL ? 'unknown' : saved ? 'yes' : 'no');

  const secmodel = await ctl.attempt(ctl.c.nodeGetSecurityModel());
  if (secmodel === FAIL) {
    if (ctl.lastErrorCode !== ErrorCode.NO_SUPPORT) return false;
    ctl.resetError();
  } else if (secmodel.model !== '') {
    // Only an active security model has labels to show.
    line('Security model:', secmodel.model);
    line('Security DOI:', secmodel.doi);
    const label = await ctl.attempt(dom.getSecurityLabel());
    if (label === FAIL) return false;
    if (label.label !== '') {
      line('Security label:', `${label.label} (${label.enforcing ? 'enforcing' : 'permissive'})`);
    }
  }
  const messages = await ctl.attempt(dom.getMessages(0));
  if (messages !== FAIL) messages.forEach((m, i) => line(i === 0 ? 'Messages:' : '', m));
  return ret;
}

async function cmdDomstate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const showReason = cmd.bool('reason');
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const st = await domainState(ctl, dom);
  if (st === FAIL) return false;
  if (showReason) ctl.print(`${stateToString(st.state)} (${reasonToString(st.state, st.reason)})\n`);
  else ctl.print(`${stateToString(st.state)}\n`);
  return true;
}

/** virshDomainSorter: running domains by id first, then the others by name. */
function domainSorter(a: Domain, b: Domain): number {
  const ia = a.getID();
  const ib = b.getID();
  const inA = isInactiveId(ia);
  const inB = isInactiveId(ib);
  if (inA && inB) return strcasecmp(a.getName(), b.getName());
  if (!inA && !inB) return ia > ib ? 1 : ia < ib ? -1 : 0;
  return inA ? 1 : -1;
}

const FILTERS_ACTIVE = L.ACTIVE | L.INACTIVE;
const FILTERS_STATE = L.RUNNING | L.PAUSED | L.SHUTOFF | L.OTHER;
const FILTERS_CHECKPOINT = L.HAS_CHECKPOINT | L.NO_CHECKPOINT;

/**
 * virshDomainListCollect: virConnectListAllDomains, retried with only the
 * active/inactive bits (and the other filters applied here) when the
 * driver rejects the flags. Null after an error.
 */
async function collectDomains(ctl: Shell, flags: number): Promise<Domain[] | null> {
  const all = await ctl.attempt(ctl.c.listAllDomains(flags));
  if (all !== FAIL) return all.sort(domainSorter);
  if (ctl.lastErrorCode === ErrorCode.INVALID_ARG) {
    ctl.resetError();
    const list = await ctl.attempt(ctl.c.listAllDomains(flags & FILTERS_ACTIVE));
    if (list !== FAIL) {
      const kept = await filterList(ctl, list, flags, DOMAIN_FILTERS);
      if (kept) return kept.sort(domainSorter);
      return null;
    }
  }
  ctl.error('Failed to list domains');
  return null;
}

/** The filter simulation of virshDomainListCollect, in virsh's order. */
const DOMAIN_FILTERS: readonly ListFilter<Domain>[] = [
  yesNoFilter(L.PERSISTENT, L.TRANSIENT, 'Failed to get domain persistence info', (dom) => dom.isPersistent()),
  {
    bits: FILTERS_STATE,
    error: 'Failed to get domain state',
    async keep(ctl, dom, match) {
      const st = await ctl.attempt(dom.getState(0));
      if (st === FAIL) return FAIL;
      const s = st.state;
      return (match(L.RUNNING) && s === DomainState.RUNNING) || (match(L.PAUSED) && s === DomainState.PAUSED)
        || (match(L.SHUTOFF) && s === DomainState.SHUTOFF)
        || (match(L.OTHER) && s !== DomainState.RUNNING && s !== DomainState.PAUSED && s !== DomainState.SHUTOFF);
    },
  },
  yesNoFilter(L.AUTOSTART, L.NO_AUTOSTART, 'Failed to get domain autostart state', (dom) => dom.getAutostart()),
  yesNoFilter(L.MANAGEDSAVE, L.NO_MANAGEDSAVE, 'Failed to check for managed save image',
    (dom) => dom.hasManagedSaveImage(0)),
  yesNoFilter(L.HAS_SNAPSHOT, L.NO_SNAPSHOT, 'Failed to get snapshot count',
    async (dom) => (await dom.snapshotNum(0)) > 0),
  // No checkpoint API: virDomainListAllCheckpoints fails as unsupported.
  { bits: FILTERS_CHECKPOINT, error: 'Failed to get checkpoint count', keep: async () => FAIL },
];

/** virshGetDomainDescription(title): the <title> of the domain XML, or "". */
async function domainTitle(ctl: Shell, dom: Domain): Promise<string | null> {
  const xml = await ctl.attempt(dom.getXMLDesc(0));
  if (xml === FAIL) {
    ctl.error('Failed to get domain description xml');
    return null;
  }
  try {
    const root = parseXml(xml, '(domain_definition)');
    const title = root.children.find((c) => c.name === 'title');
    return title ? textOf(title) : '';
  } catch (e) {
    ctl.saveError(e);
    ctl.error('Failed to parse domain description xml');
    return null;
  }
}

function textOf(e: { text: string; children: readonly { text: string; children: readonly unknown[] }[] }): string {
  let s = e.text;
  for (const c of e.children) s += textOf(c as typeof e);
  return s;
}

async function cmdList(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const managed = cmd.bool('managed-save');
  const optTitle = cmd.bool('title');
  let optTable = cmd.bool('table');
  const optUUID = cmd.bool('uuid');
  const optName = cmd.bool('name');
  const optID = cmd.bool('id');
  let flags: number = L.ACTIVE;
  if (cmd.bool('inactive') || cmd.bool('state-shutoff')) flags = L.INACTIVE;
  if (cmd.bool('all')) flags = L.INACTIVE | L.ACTIVE;
  const filters: [string, number][] = [
    ['persistent', L.PERSISTENT], ['transient', L.TRANSIENT],
    ['with-managed-save', L.MANAGEDSAVE], ['without-managed-save', L.NO_MANAGEDSAVE],
    ['autostart', L.AUTOSTART], ['no-autostart', L.NO_AUTOSTART],
    ['with-snapshot', L.HAS_SNAPSHOT], ['without-snapshot', L.NO_SNAPSHOT],
    ['with-checkpoint', L.HAS_CHECKPOINT], ['without-checkpoint', L.NO_CHECKPOINT],
    ['state-running', L.RUNNING], ['state-paused', L.PAUSED], ['state-shutoff', L.SHUTOFF], ['state-other', L.OTHER],
  ];
  for (const [name, flag] of filters) if (cmd.bool(name)) flags |= flag;
  if (!exclusive(ctl, 'table', optTable, 'name', optName)) return false;
  if (!exclusive(ctl, 'table', optTable, 'uuid', optUUID)) return false;
  if (!exclusive(ctl, 'table', optTable, 'id', optID)) return false;
  if (!optUUID && !optName && !optID) optTable = true;

  const list = await collectDomains(ctl, flags);
  if (!list) return false;
  try {
    const table = optTable ? (optTitle ? new Table('Id', 'Name', 'State', 'Title') : new Table('Id', 'Name', 'State')) : null;
    for (const dom of list) {
      const id = dom.getID();
      const idBuf = isInactiveId(id) ? '-' : String(id);
      if (table) {
        const st = await domainState(ctl, dom);
        // The domain may have gone away meanwhile.
        if (st === FAIL) continue;
        let state = stateToString(st.state);
        if (managed && st.state === DomainState.SHUTOFF) {
          const m = await ctl.attempt(dom.hasManagedSaveImage(0));
          if (m !== FAIL && m) state = 'saved';
        }
        if (optTitle) {
          const title = await domainTitle(ctl, dom);
          if (title === null) return false;
          table.add(idBuf, dom.getName(), state, title);
        } else {
          table.add(idBuf, dom.getName(), state);
        }
        continue;
      }
      let sep = '';
      if (optUUID) {
        ctl.print(dom.getUUIDString());
        sep = ' ';
      }
      if (optID) {
        // IDs only: inactive domains have none to show.
        if (isInactiveId(id) && !optUUID && !optName) continue;
        ctl.print(`${sep}${idBuf}`);
        sep = ' ';
      }
      if (optName) {
        ctl.print(`${sep}${dom.getName()}`);
        sep = ' ';
      }
      ctl.print('\n');
    }
    if (table) ctl.print(table.render(!ctl.quiet, ctl.io.env));
    return true;
  } finally {
    freeAll(list);
  }
}

/** cmdDomblkinfoGet: the three sizes as virsh prints them. */
function blkinfoStrings(info: { capacity: number; allocation: number; physical: number }, human: boolean): string[] {
  const v = [info.capacity, info.allocation, info.physical];
  if (v.every((x) => x === 0)) return ['-', '-', '-'];
  if (!human) return v.map((x) => BigInt(x).toString());
  return v.map((x) => {
    const p = prettyCapacity(x);
    return `${formatFixed(p.value, 3)} ${p.unit}`;
  });
}

async function cmdDomblkinfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  if (!exclusive(ctl, 'all', cmd.bool('all'), 'device', cmd.bool('device'))) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const all = cmd.bool('all');
  const dev = cmd.stringQuiet('device');
  if (!all && dev.rc <= 0) {
    ctl.error("command 'domblkinfo' requires <device> option");
    return false;
  }
  const human = cmd.bool('human');
  if (!all) {
    const info = await ctl.attempt(dom.getBlockInfo((dev as { value: string }).value, 0));
    if (info === FAIL) return false;
    const [cap, alloc, phy] = blkinfoStrings(info, human);
    ctl.print(`${padEnd('Capacity:', 15)} ${cap}\n`);
    ctl.print(`${padEnd('Allocation:', 15)} ${alloc}\n`);
    ctl.print(`${padEnd('Physical:', 15)} ${phy}\n`);
    return true;
  }
  const active = await ctl.attempt(dom.isActive());
  ctl.resetError();
  // virshDomainGetXML looks the domain up again.
  const again = await optDomain(ctl, cmd);
  if (!again) return false;
  using dom2 = again.dom;
  const xml = await ctl.attempt(dom2.getXMLDesc(0));
  if (xml === FAIL) return false;
  let root: XmlElement;
  try {
    root = parseXml(xml, '(domain_definition)');
  } catch (e) {
    ctl.saveError(e);
    return false;
  }
  const table = new Table('Target', 'Capacity', 'Allocation', 'Physical');
  const disks = root.children.filter((c) => c.name === 'devices').flatMap((d) => d.children.filter((c) => c.name === 'disk'));
  for (const disk of disks) {
    const source = disk.children.find((c) => c.name === 'source');
    const target = disk.children.find((c) => c.name === 'target')?.attrs['dev'] ?? '';
    const protocol = source?.attrs['protocol'];
    let info = { capacity: 0, allocation: 0, physical: 0 };
    if (source) {
      const got = await ctl.attempt(dom.getBlockInfo(target, 0));
      if (got === FAIL) {
        if (protocol && active !== true && ctl.lastErrorCode === ErrorCode.INTERNAL_ERROR
          && ctl.lastError?.domain === ErrorDomain.STORAGE) {
          ctl.resetError();
        } else {
          return false;
        }
      } else {
        info = got;
      }
    }
    table.add(target, ...blkinfoStrings(info, human));
  }
  ctl.print(table.render(!ctl.quiet, ctl.io.env));
  return true;
}

/** virDomainMemoryStatTags, by tag, as dommemstat names them. */
const MEMSTAT_NAMES = ['swap_in', 'swap_out', 'major_fault', 'minor_fault', 'unused', 'available', 'actual', 'rss',
  'usable', 'last_update', 'disk_caches', 'hugetlb_pgalloc', 'hugetlb_pgfail'];

async function cmdDomMemStat(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const period = cmd.int(ctl, 'period');
  if (period === null) return false;
  if (period !== undefined) {
    if (period < 0) {
      ctl.error(`Invalid collection period value '${period}'`);
      return false;
    }
    // None of --config/--live/--current given and running: live (VIR_DOMAIN_AFFECT_LIVE), as virsh does.
    if (flags === 0 && !cmd.bool('current') && await dom.isActive().catch(() => false)) flags = 1;
    const set = await ctl.attempt(dom.conn.call('domainSetMemoryStatsPeriod', { dom: dom.ref, period, flags }));
    if (set === FAIL) {
      ctl.error('Unable to change balloon collection period.');
      return false;
    }
    return true;
  }
  const stats = await ctl.attempt(dom.memoryStats(MEMSTAT_NAMES.length, 0));
  if (stats === FAIL) {
    ctl.error(`Failed to get memory statistics for domain ${r.name}`);
    return false;
  }
  for (const st of stats) {
    const name = MEMSTAT_NAMES[st.tag];
    if (name !== undefined) ctl.print(`${name} ${BigInt(st.val)}\n`);
  }
  return true;
}

/** virDomainStatsTypes, by domstats option. */
const STATS_TYPES: [string, number][] = [
  ['state', 1], ['cpu-total', 2], ['balloon', 4], ['vcpu', 8], ['interface', 16], ['block', 32], ['perf', 64],
  ['iothread', 128], ['memory', 256], ['dirtyrate', 512], ['vm', 1024],
];
/** virConnectGetAllDomainStatsFlags, by domstats option. */
const STATS_FLAGS: [string, number][] = [
  ['list-active', 1], ['list-inactive', 2], ['list-persistent', 4], ['list-transient', 8], ['list-running', 16],
  ['list-paused', 32], ['list-shutoff', 64], ['list-other', 128], ['enforce', 1 << 31], ['backing', 1 << 30],
  ['nowait', 1 << 29],
];

async function cmdDomstats(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let stats = 0;
  let flags = 0;
  for (const [name, bit] of STATS_TYPES) if (cmd.bool(name)) stats |= bit;
  for (const [name, bit] of STATS_FLAGS) if (cmd.bool(name)) flags |= bit;
  const doms: Domain[] = [];
  try {
    if (cmd.bool('domain')) {
      for (const name of cmd.argv()) {
        const dom = await lookupDomain(ctl, name, BY_ID | BY_UUID | BY_NAME);
        if (!dom) return false;
        doms.push(dom);
      }
    }
    const records = await ctl.attempt(ctl.c.getAllDomainStats(stats, flags >>> 0, doms));
    if (records === FAIL) return false;
    try {
      records.forEach((rec, i) => {
        ctl.print(`Domain: '${rec.dom.getName()}'\n`);
        for (const p of rec.params) ctl.print(`  ${p.field}=${typedParamValue(p)}\n`);
        if (i < records.length - 1) ctl.print('\n');
      });
    } finally {
      freeAll(records.map((rec) => rec.dom));
    }
    return true;
  } finally {
    freeAll(doms);
  }
}

/** g_date_time_format(g_date_time_new_from_unix_utc(s), "%Y-%m-%d %H:%M:%S"). */
function utcTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} `
    + `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

async function cmdDomTime(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const now = cmd.bool('now');
  const pretty = cmd.bool('pretty');
  const sync = cmd.bool('sync');
  if (!exclusive(ctl, 'time', cmd.bool('time'), 'now', now)) return false;
  if (!exclusive(ctl, 'time', cmd.bool('time'), 'sync', sync)) return false;
  if (!exclusive(ctl, 'now', now, 'sync', sync)) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const time = cmd.longLong(ctl, 'time');
  if (time === null) return false;
  if (time !== undefined || now || sync) {
    const seconds = now ? Math.floor(Date.now() / 1000) : Number(time ?? 0n);
    // VIR_DOMAIN_TIME_SYNC.
    const flags = sync ? 1 : 0;
    return (await ctl.attempt(dom.conn.call('domainSetTime', { dom: dom.ref, seconds, nseconds: 0, flags }))) !== FAIL;
  }
  const t = await ctl.attempt(dom.getTime(0));
  if (t === FAIL) return false;
  ctl.print(pretty ? `Time: ${utcTime(t.seconds)}` : `Time: ${t.seconds}`);
  return true;
}

/** The "Domain Monitoring" commands, in virsh's order. */
export const monitorCommands: CmdDef[] = [
  {
    name: 'domblkinfo',
    help: 'domain block device size information',
    desc: 'Get block device size info for a domain.',
    options: [
      DOMAIN_OPT,
      { name: 'device', type: 'string', help: 'block device' },
      { name: 'human', type: 'bool', help: 'Human readable output' },
      { name: 'all', type: 'bool', help: 'display all block devices info' },
    ],
    run: cmdDomblkinfo,
  },
  {
    name: 'dominfo',
    help: 'domain information',
    desc: 'Returns basic information about the domain.',
    options: [
      DOMAIN_OPT,
    ],
    run: cmdDominfo,
  },
  {
    name: 'dommemstat',
    help: 'get memory statistics for a domain',
    desc: 'Get memory statistics for a running domain.',
    options: [
      DOMAIN_OPT,
      { name: 'period', type: 'int', help: 'period in seconds to set collection', reqOpt: true },
      ...AFFECT_OPTS,
    ],
    run: cmdDomMemStat,
  },
  {
    name: 'domstate',
    help: 'domain state',
    desc: 'Returns state about a domain.',
    options: [
      DOMAIN_OPT,
      { name: 'reason', type: 'bool', help: 'also print reason for the state' },
    ],
    run: cmdDomstate,
  },
  {
    name: 'domstats',
    help: 'get statistics about one or multiple domains',
    desc: 'Gets statistics about one or more (or all) domains',
    options: [
      { name: 'state', type: 'bool', help: 'report domain state' },
      { name: 'cpu-total', type: 'bool', help: 'report domain physical cpu usage' },
      { name: 'balloon', type: 'bool', help: 'report domain balloon statistics' },
      { name: 'vcpu', type: 'bool', help: 'report domain virtual cpu information' },
      { name: 'interface', type: 'bool', help: 'report domain network interface information' },
      { name: 'block', type: 'bool', help: 'report domain block device statistics' },
      { name: 'perf', type: 'bool', help: 'report domain perf event statistics' },
      { name: 'iothread', type: 'bool', help: 'report domain IOThread information' },
      { name: 'memory', type: 'bool', help: 'report domain memory usage' },
      { name: 'dirtyrate', type: 'bool', help: 'report domain dirty rate information' },
      { name: 'vm', type: 'bool', help: 'report hypervisor-specific statistics' },
      { name: 'list-active', type: 'bool', help: 'list only active domains' },
      { name: 'list-inactive', type: 'bool', help: 'list only inactive domains' },
      { name: 'list-persistent', type: 'bool', help: 'list only persistent domains' },
      { name: 'list-transient', type: 'bool', help: 'list only transient domains' },
      { name: 'list-running', type: 'bool', help: 'list only running domains' },
      { name: 'list-paused', type: 'bool', help: 'list only paused domains' },
      { name: 'list-shutoff', type: 'bool', help: 'list only shutoff domains' },
      { name: 'list-other', type: 'bool', help: 'list only domains in other states' },
      { name: 'raw', type: 'bool', help: 'do not pretty-print the fields' },
      { name: 'enforce', type: 'bool', help: 'enforce requested stats parameters' },
      { name: 'backing', type: 'bool', help: 'add backing chain information to block stats' },
      { name: 'nowait', type: 'bool', help: 'report only stats that are accessible instantly' },
      { name: 'domain', type: 'argv', help: 'list of domains to get stats for' },
    ],
    run: cmdDomstats,
  },
  {
    name: 'domtime',
    help: 'domain time',
    desc: 'Gets or sets the domain\'s system time',
    options: [
      DOMAIN_OPT,
      { name: 'now', type: 'bool', help: 'set to the time of the host running virsh' },
      { name: 'pretty', type: 'bool', help: 'print domain\'s time in human readable form' },
      { name: 'sync', type: 'bool', help: 'instead of setting given time, synchronize from domain\'s RTC' },
      { name: 'time', type: 'int', help: 'time to set' },
    ],
    run: cmdDomTime,
  },
  {
    name: 'list',
    help: 'list domains',
    desc: 'Returns list of domains.',
    options: [
      { name: 'inactive', type: 'bool', help: 'list inactive domains' },
      { name: 'all', type: 'bool', help: 'list inactive & active domains' },
      { name: 'transient', type: 'bool', help: 'list transient domains' },
      { name: 'persistent', type: 'bool', help: 'list persistent domains' },
      { name: 'with-snapshot', type: 'bool', help: 'list domains with existing snapshot' },
      { name: 'without-snapshot', type: 'bool', help: 'list domains without a snapshot' },
      { name: 'with-checkpoint', type: 'bool', help: 'list domains with existing checkpoint' },
      { name: 'without-checkpoint', type: 'bool', help: 'list domains without a checkpoint' },
      { name: 'state-running', type: 'bool', help: 'list domains in running state' },
      { name: 'state-paused', type: 'bool', help: 'list domains in paused state' },
      { name: 'state-shutoff', type: 'bool', help: 'list domains in shutoff state' },
      { name: 'state-other', type: 'bool', help: 'list domains in other states' },
      { name: 'autostart', type: 'bool', help: 'list domains with autostart enabled' },
      { name: 'no-autostart', type: 'bool', help: 'list domains with autostart disabled' },
      { name: 'with-managed-save', type: 'bool', help: 'list domains with managed save state' },
      { name: 'without-managed-save', type: 'bool', help: 'list domains without managed save' },
      { name: 'uuid', type: 'bool', help: 'list uuid\'s only' },
      { name: 'name', type: 'bool', help: 'list domain names only' },
      { name: 'id', type: 'bool', help: 'list domain IDs only' },
      { name: 'table', type: 'bool', help: 'list table (default)' },
      { name: 'managed-save', type: 'bool', help: 'mark inactive domains with managed save state' },
      { name: 'title', type: 'bool', help: 'show domain title' },
    ],
    run: cmdList,
  },
];

