/**
 * The "Host and Hypervisor" commands about the node's pages, CPUs, memory
 * and power (tools/virsh-host.c): allocpages, freepages, maxvcpus,
 * node-memory-tune, nodecpustats, nodememstats, nodesevinfo, nodesuspend.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { nodeGetCPUStats, nodeGetMemoryStats } from '../../api/node-stats.js';
import type { TypedParam } from '../../driver/driver.js';
import { parseXml, type XmlElement } from '../../util/xml.js';
import { strToLong, type CmdDef, type ParsedCommand } from '../command.js';
import { formatFixed, padEnd, padStart } from '../format.js';
import { FAIL, type Shell } from '../shell.js';
import { typedParamValue } from '../util.js';
import { exclusive } from './domain.js';
import { select } from './host.js';

const UINT_MAX = 0xffffffffn;
/** VIR_NODE_ALLOC_PAGES_ADD, VIR_NODE_ALLOC_PAGES_SET. */
const ALLOC_PAGES_ADD = 0;
const ALLOC_PAGES_SET = 1;
/** VIR_TYPED_PARAM_UINT. */
const UINT = 2;

/** The capabilities document parsed, or null after virsh's error line. */
async function capabilities(ctl: Shell, fetchError: string, parseError: string, url: string): Promise<XmlElement | null> {
  const xml = await ctl.attempt(ctl.c.getCapabilities());
  if (xml === FAIL) {
    ctl.error(fetchError);
    return null;
  }
  try {
    return parseXml(xml, url);
  } catch (e) {
    ctl.saveError(e);
    ctl.error(parseError);
    return null;
  }
}

/** `/capabilities/host/topology/cells/cell` of a capabilities document. */
function numaCells(root: XmlElement): XmlElement[] {
  return root.name === 'capabilities' ? select(root, ['host', 'topology', 'cells', 'cell']) : [];
}

/** virStrToLong_ulp / virStrToLong_i on an attribute (absent fails too). */
function parseId(val: string | undefined, signed: boolean): number | null {
  if (val === undefined) return null;
  const v = signed ? strToLong(val, { signed: true, bits: 32 }) : strToLong(val, { signed: false, bits: 64 });
  return v === null ? null : Number(v);
}

/** vshCommandOptScaledInt of a page size, in KiB rounded up (VIR_DIV_UP). */
function pageSizeKiB(ctl: Shell, cmd: ParsedCommand, max: bigint): number | undefined | null {
  const bytes = cmd.scaledInt(ctl, 'pagesize', 1024n, max);
  if (bytes == null) return bytes;
  return Number((bytes + 1023n) / 1024n);
}

async function cmdAllocpages(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const all = cmd.bool('all');
  const cellno = cmd.bool('cellno');
  if (!exclusive(ctl, 'all', all, 'cellno', cellno)) return false;
  let startCell = -1;
  if (cellno) {
    const c = cmd.int(ctl, 'cellno');
    if (c === null) return false;
    startCell = c ?? -1;
  }
  const pageSize = pageSizeKiB(ctl, cmd, UINT_MAX * 1024n);
  if (pageSize == null) return false;
  const count = cmd.ulongLong(ctl, 'pagecount');
  if (count == null) return false;
  const flags = cmd.bool('add') ? ALLOC_PAGES_ADD : ALLOC_PAGES_SET;
  const alloc = (cell: number) => ctl.attempt(ctl.c.call('nodeAllocPages',
    { pageSizes: [pageSize], pageCounts: [Number(count)], startCell: cell, cellCount: 1, flags }));
  if (!all) return await alloc(startCell) !== FAIL;
  const root = await capabilities(ctl, 'unable to get node capabilities', 'unable to get node capabilities', '(capabilities)');
  if (!root) return false;
  for (const node of numaCells(root)) {
    const id = parseId(node.attrs['id'], false);
    if (id === null) {
      ctl.error('conversion from string failed');
      return false;
    }
    if (await alloc(id) === FAIL) return false;
  }
  return true;
}

/** The page sizes the capabilities list (host CPU's, else the cells'), sorted, without duplicates. */
function capsPageSizes(ctl: Shell, root: XmlElement): number[] | null {
  let nodes = root.name === 'capabilities' ? select(root, ['host', 'cpu', 'pages']) : [];
  if (nodes.length === 0) nodes = numaCells(root).flatMap((c) => c.children.filter((p) => p.name === 'pages'));
  if (nodes.length === 0) {
    ctl.error('could not get information about supported page sizes');
    return null;
  }
  const sizes: number[] = [];
  for (const n of nodes) {
    const val = n.attrs['size'];
    const v = val === undefined ? null : strToLong(val, { signed: false, bits: 32, rejectNegative: true });
    if (v === null) {
      ctl.error(`unable to parse page size: ${val ?? '(null)'}`);
      return null;
    }
    sizes.push(Number(v));
  }
  return [...new Set(sizes.sort((a, b) => a - b))];
}

async function freePages(ctl: Shell, sizes: number[], cell: number): Promise<number[] | null> {
  const r = await ctl.attempt(ctl.c.call('nodeGetFreePages', { pages: sizes, startCell: cell, cellCount: 1, flags: 0 }));
  return r === FAIL ? null : sizes.map((_, j) => r.counts[j] ?? 0);
}

async function cmdFreepages(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const all = cmd.bool('all');
  const cellno = cmd.bool('cellno');
  const pagesz = cmd.bool('pagesize');
  if (!exclusive(ctl, 'all', all, 'cellno', cellno)) return false;
  const kib = pageSizeKiB(ctl, cmd, UINT_MAX);
  if (kib === null) return false;
  if (!all) {
    if (!cellno) {
      ctl.error('missing cellno argument');
      return false;
    }
    const cell = cmd.int(ctl, 'cellno');
    if (cell == null) return false;
    if (cell < -1) {
      ctl.error('cell number must be non-negative integer or -1');
      return false;
    }
    if (!pagesz) {
      ctl.error('missing pagesize argument');
      return false;
    }
    const counts = await freePages(ctl, [kib ?? 0], cell);
    if (!counts) return false;
    ctl.print(`${kib ?? 0}KiB: ${BigInt.asIntN(64, BigInt(counts[0]!))}\n`);
    return true;
  }
  const root = await capabilities(ctl, 'unable to get node capabilities', 'unable to parse node capabilities', 'capabilities');
  if (!root) return false;
  const sizes = pagesz ? [kib ?? 0] : capsPageSizes(ctl, root);
  if (!sizes) return false;
  for (const node of numaCells(root)) {
    const val = node.attrs['id'];
    const cell = parseId(val, true);
    if (cell === null) {
      ctl.error(`unable to parse numa node id: ${val ?? '(null)'}`);
      return false;
    }
    const counts = await freePages(ctl, sizes, cell);
    if (!counts) return false;
    ctl.print(`Node ${cell}:\n`);
    sizes.forEach((s, j) => ctl.print(`${s}KiB: ${BigInt.asIntN(64, BigInt(counts[j]!))}\n`));
    ctl.print('\n');
  }
  return true;
}

async function cmdMaxvcpus(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const type = cmd.string(ctl, 'type');
  if (type === null) return false;
  let vcpus = -1;
  const caps = await ctl.attempt(ctl.c.getDomainCapabilities(null, null, null, type ?? null, 0));
  if (caps !== FAIL) {
    let root: XmlElement;
    try {
      root = parseXml(caps, '(domainCapabilities)');
    } catch (e) {
      ctl.saveError(e);
      return false;
    }
    // virXPathInt("string(./vcpu[1]/@max)"): left at -1 when absent or no int.
    const max = root.children.find((c) => c.name === 'vcpu')?.attrs['max'];
    const v = max === undefined ? null : strToLong(max, { signed: true, bits: 32 });
    if (v !== null) vcpus = Number(v);
  } else {
    ctl.resetError();
  }
  if (vcpus < 0) {
    const max = await ctl.attempt(ctl.c.getMaxVcpus(type ?? null));
    if (max === FAIL) return false;
    vcpus = max;
  }
  ctl.print(`${vcpus}\n`);
  return true;
}

const SHM_PARAMS = [
  ['shm-pages-to-scan', 'shm_pages_to_scan'],
  ['shm-sleep-millisecs', 'shm_sleep_millisecs'],
  ['shm-merge-across-nodes', 'shm_merge_across_nodes'],
] as const;

async function cmdNodeMemoryTune(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const params: TypedParam[] = [];
  for (const [opt, field] of SHM_PARAMS) {
    const v = cmd.uint(ctl, opt);
    if (v === null) return false;
    if (v !== undefined) params.push({ field, type: UINT, value: v });
  }
  if (params.length > 0) {
    if (await ctl.attempt(ctl.c.call('nodeSetMemoryParameters', { params, flags: 0 })) === FAIL) {
      ctl.error('Unable to change memory parameters');
      return false;
    }
    return true;
  }
  const count = await ctl.attempt(ctl.c.call('nodeGetMemoryParameters', { nparams: 0, flags: 0 }));
  if (count === FAIL) {
    ctl.error('Unable to get number of memory parameters');
    return false;
  }
  if (count.nparams === 0) return true;
  const got = await ctl.attempt(ctl.c.call('nodeGetMemoryParameters', { nparams: count.nparams, flags: 0 }));
  if (got === FAIL) {
    ctl.error('Unable to get memory parameters');
    return false;
  }
  ctl.print('Shared memory:\n');
  for (const p of got.params) ctl.print(`\t${padEnd(p.field, 15)} ${typedParamValue(p)}\n`);
  return true;
}

/** virshCPUStats: the counters nodecpustats knows, with their labels (usage last). */
const CPU_FIELDS = ['user', 'kernel', 'idle', 'iowait', 'intr', 'utilization'];
const CPU_LABELS = ['user:', 'system:', 'idle:', 'iowait:', 'intr:', 'usage:'];
const USAGE = 5;

/** printf("%5.1lf"): 0/0 is x86's negative NaN, printed "-nan". */
function percent(x: number): string {
  return padStart(Number.isNaN(x) ? '-nan' : formatFixed(x, 1), 5);
}

async function cmdNodeCpuStats(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flagPercent = cmd.bool('percent');
  const cpu = cmd.int(ctl, 'cpu');
  if (cpu === null) return false;
  const cpuNum = cpu ?? -1;
  const count = await ctl.attempt(nodeGetCPUStats(ctl.c, cpuNum, 0));
  if (count === FAIL) {
    ctl.error('Unable to get number of cpu stats');
    return false;
  }
  if (count.nparams === 0) return true;
  const stats = new Array<bigint>(CPU_FIELDS.length).fill(0n);
  const present = new Array<boolean>(CPU_FIELDS.length).fill(false);
  for (let i = 0; i < 2; i++) {
    const got = await ctl.attempt(nodeGetCPUStats(ctl.c, cpuNum, count.nparams));
    if (got === FAIL) {
      ctl.error('Unable to get node cpu stats');
      return false;
    }
    for (const p of got.params) {
      const f = CPU_FIELDS.indexOf(p.field);
      if (f < 0) continue;
      if (i === 0) {
        stats[f] = p.value;
        present[f] = true;
      } else if (present[f]) {
        stats[f] = BigInt.asUintN(64, p.value - stats[f]!);
      }
    }
    if (present[USAGE] || !flagPercent) break;
    await sleep(1000);
  }
  if (!flagPercent) {
    for (let i = 0; i < USAGE; i++) {
      if (present[i]) ctl.print(`${padEnd(CPU_LABELS[i]!, 15)} ${padStart(String(stats[i]), 20)}\n`);
    }
  } else if (present[USAGE]) {
    ctl.print(`${padEnd('usage:', 15)} ${padStart(String(stats[USAGE]), 5)}%\n`);
    ctl.print(`${padEnd('idle:', 15)} ${padStart(String(BigInt.asUintN(64, 100n - stats[USAGE]!)), 5)}%\n`);
  } else {
    let total = 0;
    for (let i = 0; i < USAGE; i++) total += Number(stats[i]);
    ctl.print(`${padEnd('usage:', 15)} ${percent((Number(stats[0]) + Number(stats[1])) / total * 100)}%\n`);
    for (let i = 0; i < USAGE; i++) {
      if (present[i]) ctl.print(`${padEnd(CPU_LABELS[i]!, 15)} ${percent(Number(stats[i]) / total * 100)}%\n`);
    }
  }
  return true;
}

async function cmdNodeMemStats(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const cell = cmd.int(ctl, 'cell');
  if (cell === null) return false;
  const cellNum = cell ?? -1;
  const count = await ctl.attempt(nodeGetMemoryStats(ctl.c, cellNum, 0));
  if (count === FAIL) {
    ctl.error('Unable to get number of memory stats');
    return false;
  }
  if (count.nparams === 0) return true;
  const got = await ctl.attempt(nodeGetMemoryStats(ctl.c, cellNum, count.nparams));
  if (got === FAIL) {
    ctl.error('Unable to get memory stats');
    return false;
  }
  for (const p of got.params) ctl.print(`${padEnd(p.field, 7)}: ${padStart(String(p.value), 20)} KiB\n`);
  return true;
}

async function cmdNodeSevInfo(ctl: Shell, _cmd: ParsedCommand): Promise<boolean> {
  const got = await ctl.attempt(ctl.c.call('nodeGetSEVInfo', { nparams: 0, flags: 0 }));
  if (got === FAIL) {
    ctl.error('Unable to get host SEV information');
    return false;
  }
  for (const p of got.params) ctl.print(`${padEnd(p.field, 18)}: ${typedParamValue(p)}\n`);
  return true;
}

/** virNodeSuspendTarget names. */
const SUSPEND_TARGETS = ['mem', 'disk', 'hybrid'];

async function cmdNodeSuspend(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const target = cmd.string(ctl, 'target');
  if (target == null) return false;
  const duration = cmd.longLong(ctl, 'duration');
  if (duration == null) return false;
  const t = SUSPEND_TARGETS.indexOf(target);
  if (t < 0) {
    ctl.error('Invalid target');
    return false;
  }
  if (duration < 0n) {
    ctl.error('Invalid duration');
    return false;
  }
  const r = await ctl.attempt(ctl.c.call('nodeSuspendForDuration', { target: t, duration: Number(duration), flags: 0 }));
  if (r === FAIL) {
    ctl.error('The host was not suspended');
    return false;
  }
  return true;
}

/** These commands; index.ts places them in virsh's "Host and Hypervisor" order. */
export const hostNodeCommands: CmdDef[] = [
  {
    name: 'allocpages',
    help: 'Manipulate pages pool size',
    desc: 'Allocate or free some pages in the pool for NUMA cell.',
    options: [
      { name: 'pagesize', type: 'int', help: 'page size (in kibibytes)', required: true },
      { name: 'pagecount', type: 'int', help: 'page count', required: true },
      { name: 'cellno', type: 'int', help: 'NUMA cell number' },
      { name: 'add', type: 'bool', help: 'instead of setting new pool size add pages to it' },
      { name: 'all', type: 'bool', help: 'set on all NUMA cells' },
    ],
    run: cmdAllocpages,
  },
  {
    name: 'freepages',
    help: 'NUMA free pages',
    desc: 'display available free pages for the NUMA cell.',
    options: [
      { name: 'cellno', type: 'int', help: 'NUMA cell number' },
      { name: 'pagesize', type: 'int', help: 'page size (in kibibytes)' },
      { name: 'all', type: 'bool', help: 'show free pages for all NUMA cells' },
    ],
    run: cmdFreepages,
  },
  {
    name: 'maxvcpus',
    help: 'connection vcpu maximum',
    desc: 'Show maximum number of virtual CPUs for guests on this connection.',
    options: [
      { name: 'type', type: 'string', help: 'domain type' },
    ],
    run: cmdMaxvcpus,
  },
  {
    name: 'node-memory-tune',
    help: 'Get or set node memory parameters',
    desc: 'Get or set node memory parameters\n    To get the memory parameters, use following command: \n\n    virsh # node-memory-tune',
    options: [
      { name: 'shm-pages-to-scan', type: 'int', help: 'number of pages to scan before the shared memory service goes to sleep' },
      { name: 'shm-sleep-millisecs', type: 'int', help: 'number of millisecs the shared memory service should sleep before next scan' },
      { name: 'shm-merge-across-nodes', type: 'int', help: 'Specifies if pages from different numa nodes can be merged' },
    ],
    run: cmdNodeMemoryTune,
  },
  {
    name: 'nodecpustats',
    help: 'Prints cpu stats of the node.',
    desc: 'Returns cpu stats of the node, in nanoseconds.',
    options: [
      { name: 'cpu', type: 'int', help: 'prints specified cpu statistics only.' },
      { name: 'percent', type: 'bool', help: 'prints by percentage during 1 second.' },
    ],
    run: cmdNodeCpuStats,
  },
  {
    name: 'nodememstats',
    help: 'Prints memory stats of the node.',
    desc: 'Returns memory stats of the node, in kilobytes.',
    options: [
      { name: 'cell', type: 'int', help: 'prints specified cell statistics only.' },
    ],
    run: cmdNodeMemStats,
  },
  {
    name: 'nodesevinfo',
    help: 'node SEV information',
    desc: 'Returns basic SEV information about the node.',
    options: [],
    run: cmdNodeSevInfo,
  },
  {
    name: 'nodesuspend',
    help: 'suspend the host node for a given time duration',
    desc: 'Suspend the host node for a given time duration and attempt to resume thereafter.',
    options: [
      { name: 'target', type: 'data', help: 'mem(Suspend-to-RAM), disk(Suspend-to-Disk), hybrid(Hybrid-Suspend)', required: true },
      { name: 'duration', type: 'int', help: 'Suspend duration in seconds, at least 60', required: true },
    ],
    run: cmdNodeSuspend,
  },
];
