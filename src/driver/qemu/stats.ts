/**
 * Statistics of QEMU domains (libvirt's qemu_driver.c qemuDomainBlockStats*,
 * qemuDomainInterfaceStats, qemuDomainMemoryStats, qemuDomainGetBlockInfo,
 * qemuDomainGetVcpus, qemuDomainGetVcpuPinInfo and qemuConnectGetAllDomainStats
 * with its qemuDomainGetStats* workers), from QMP (`query-blockstats`,
 * `query-balloon`, `qom-get … guest-stats`, `query-dirty-rate`) and /proc.
 *
 * Keys, order and types as libvirt 9.0 sends them on this host (TCG;
 * reference/qemu-driver.md §3.6): a running domain gets state, cpu (with
 * cache.monitor.count and the haltpoll times), balloon (current, maximum,
 * then the guest's stats and rss), vcpu, net.count (`user` NICs have no
 * host device, so no per-NIC keys), block and dirtyrate; a shut-off one
 * state, cpu, balloon current/maximum, vcpu and block sizes from the files.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import type { DomainStatsRecord, DriverConnection, TypedParam, VcpuInfo } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { getAttr, kid, type XNode } from '../../conf/domain-xml.js';
import {
  AffectFlags, GetAllStatsFlags, ListDomainsFlags as LF, MEMORY_STAT_NR, MemoryStatTag as MS, StatsTypes,
  TypedParamType as T, VcpuState,
} from '../../conf/domain-constants.js';
import type { QemuState } from './driver.js';
import { matchesListFlags } from '../../conf/domain-obj.js';
import { St, type QemuDomainObj } from './domain-obj.js';
import { aliasOf } from './domain-defaults.js';
import type { QmpClient } from './qmp.js';
import { stampDiskIndexes } from './disk-index.js';
import { cgroupCpuTimes } from './cgroup.js';

const QEMU = ErrorDomain.QEMU;
const DOM = ErrorDomain.DOMAIN;

const STATS_LIST_FILTERS = LF.ACTIVE | LF.INACTIVE | LF.PERSISTENT | LF.TRANSIENT | LF.RUNNING | LF.PAUSED
  | LF.SHUTOFF | LF.OTHER;
/** The groups the QEMU driver has workers for (qemuDomainGetStatsWorkers). */
const STATS_SUPPORTED = StatsTypes.STATE | StatsTypes.CPU_TOTAL | StatsTypes.BALLOON | StatsTypes.VCPU
  | StatsTypes.INTERFACE | StatsTypes.BLOCK | StatsTypes.PERF | StatsTypes.IOTHREAD | StatsTypes.MEMORY
  | StatsTypes.DIRTYRATE | StatsTypes.VM;

/** sysconf(_SC_CLK_TCK) on Linux. */
const TICK_NS = 10_000_000;
/** VIR_TYPED_PARAM_STRING_OKAY. */
const TYPED_PARAM_STRING_OKAY = 4;
const PAGE_KIB = 4;

function notRunning(): VirtError {
  return VirtError.report(ErrorCode.OPERATION_INVALID, DOM, 'domain is not running');
}

/** The fields of /proc/…/stat after the command name (field 3 first). */
function procStat(path: string): string[] | undefined {
  try {
    const t = readFileSync(path, 'utf8');
    return t.slice(t.lastIndexOf(')') + 2).trim().split(/\s+/);
  } catch {
    return undefined;
  }
}

/** utime and stime of a process or thread, in ns (fields 14, 15). */
function cpuTimes(path: string): { user: number; system: number } {
  const f = procStat(path);
  return { user: Number(f?.[11] ?? 0) * TICK_NS, system: Number(f?.[12] ?? 0) * TICK_NS };
}

function disks(vm: QemuDomainObj): XNode[] {
  return vm.def.devices.list.filter((d) => d.kind === 'disk').map((d) => d.node);
}

function sourcePath(d: XNode): string | undefined {
  const src = kid(d, 'source');
  return getAttr(src, 'file') ?? getAttr(src, 'dev');
}

/** virDomainDiskByName: a target name or a source path. */
function diskByName(vm: QemuDomainObj, path: string): XNode | undefined {
  return disks(vm).find((d) => getAttr(kid(d, 'target'), 'dev') === path)
    ?? disks(vm).find((d) => sourcePath(d) === path);
}

interface BlockStatsEntry {
  qdev?: string;
  'node-name'?: string;
  stats: Record<string, number>;
}

/** The query-blockstats entry of a disk (by its qdev path, `/machine/peripheral/<alias>/…` or the alias). */
function blockEntry(list: BlockStatsEntry[], d: XNode): BlockStatsEntry | undefined {
  const alias = aliasOf(d);
  return list.find((e) => e.qdev === alias || (e.qdev ?? '').startsWith(`/machine/peripheral/${alias}/`));
}

interface NamedNode { 'node-name': string; image?: { 'virtual-size'?: number; 'actual-size'?: number } }

/** The node index of a disk's format node (`libvirt-N-format`). */
function nodeIndexOf(vm: QemuDomainObj, d: XNode): number {
  stampDiskIndexes(vm);
  return Number(getAttr(kid(d, 'source'), 'index') ?? 0);
}

/** A raw or qcow2 image's capacity, allocation and size on the host (shut-off domains). */
function fileSizes(d: XNode): { capacity: number; allocation: number; physical: number } | undefined {
  const p = sourcePath(d);
  if (p === undefined) return undefined;
  try {
    const st = statSync(p);
    let capacity = st.size;
    if (getAttr(kid(d, 'driver'), 'type') === 'qcow2') {
      const fd = openSync(p, 'r');
      try {
        const b = Buffer.alloc(32);
        readSync(fd, b, 0, 32, 0);
        capacity = Number(b.readBigUInt64BE(24));
      } finally {
        closeSync(fd);
      }
    }
    return { capacity, allocation: st.blocks * 512, physical: st.size };
  } catch {
    return undefined;
  }
}

/** qemuMonitorJSONGetMemoryStats: the guest's balloon stats (KiB where memory), then rss. */
async function memoryStats(vm: QemuDomainObj, mon: QmpClient): Promise<Array<{ tag: number; val: number }>> {
  const out: Array<{ tag: number; val: number }> = [];
  const balloon = vm.def.devices.list.find((d) => d.kind === 'memballoon' && getAttr(d.node, 'model') !== 'none');
  if (balloon) {
    const b = await mon.execute<{ actual: number }>('query-balloon');
    out.push({ tag: MS.ACTUAL_BALLOON, val: Math.floor(b.actual / 1024) });
    const g = await mon.execute<{ stats: Record<string, number>; 'last-update': number }>('qom-get',
      { path: `/machine/peripheral/${aliasOf(balloon.node)}`, property: 'guest-stats' }).catch(() => undefined);
    if (g) {
      const one = (key: string, tag: number, div: number) => {
        const v = key === 'last-update' ? g['last-update'] : g.stats[key];
        if (typeof v === 'number' && v >= 0) out.push({ tag, val: Math.floor(v / div) });
      };
      one('stat-swap-in', MS.SWAP_IN, 1024);
      one('stat-swap-out', MS.SWAP_OUT, 1024);
      one('stat-major-faults', MS.MAJOR_FAULT, 1);
      one('stat-minor-faults', MS.MINOR_FAULT, 1);
      one('stat-free-memory', MS.UNUSED, 1024);
      one('stat-total-memory', MS.AVAILABLE, 1024);
      one('stat-available-memory', MS.USABLE, 1024);
      one('last-update', MS.LAST_UPDATE, 1);
      one('stat-disk-caches', MS.DISK_CACHES, 1024);
      one('stat-htlb-pgalloc', MS.HUGETLB_PGALLOC, 1);
      one('stat-htlb-pgfail', MS.HUGETLB_PGFAIL, 1);
    }
  }
  const f = procStat(`/proc/${vm.rt?.pid ?? 0}/stat`);
  if (f) out.push({ tag: MS.RSS, val: Number(f[21] ?? 0) * PAGE_KIB });
  return out;
}

/** virDomainMemoryStatTags' names in domstats (balloon.<name>). */
const MEM_STAT_NAMES: Record<number, string> = {
  [MS.SWAP_IN]: 'swap_in', [MS.SWAP_OUT]: 'swap_out', [MS.MAJOR_FAULT]: 'major_fault', [MS.MINOR_FAULT]: 'minor_fault',
  [MS.UNUSED]: 'unused', [MS.AVAILABLE]: 'available', [MS.USABLE]: 'usable', [MS.LAST_UPDATE]: 'last-update',
  [MS.DISK_CACHES]: 'disk_caches', [MS.HUGETLB_PGALLOC]: 'hugetlb_pgalloc', [MS.HUGETLB_PGFAIL]: 'hugetlb_pgfail',
  [MS.RSS]: 'rss',
};

/** virCapabilitiesGetNodeInfo on Linux: /proc/cpuinfo, /proc/meminfo and the sysfs topology. */
export function hostNodeInfo(): {
  model: string; memory: number; cpus: number; mhz: number; nodes: number; sockets: number; cores: number; threads: number;
} {
  const read = (p: string) => { try { return readFileSync(p, 'utf8'); } catch { return ''; } };
  const memory = Number(/^MemTotal:\s+(\d+)/m.exec(read('/proc/meminfo'))?.[1] ?? 0);
  const mhz = Math.floor(Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(read('/proc/cpuinfo'))?.[1] ?? 0));
  let online: number[] = [];
  for (const part of read('/sys/devices/system/cpu/online').trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) continue;
    for (let c = a; c <= (b ?? a); c++) online.push(c);
  }
  if (online.length === 0) online = cpus().map((_, i) => i);
  let nodes = 0;
  try { nodes = readdirSync('/sys/devices/system/node').filter((n) => /^node\d+$/.test(n)).length; } catch { /* none */ }
  nodes = Math.max(1, nodes);
  const topo = (c: number, f: string) => read(`/sys/devices/system/cpu/cpu${c}/topology/${f}`).trim();
  const sockets = new Set(online.map((c) => topo(c, 'physical_package_id'))).size;
  const cores = new Set(online.map((c) => `${topo(c, 'physical_package_id')}/${topo(c, 'core_id')}`)).size;
  const perNodeSockets = Math.max(1, Math.floor(sockets / nodes));
  const coresPerSocket = Math.max(1, Math.floor(cores / Math.max(1, sockets)));
  const threads = Math.max(1, Math.floor(online.length / (nodes * perNodeSockets * coresPerSocket)));
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  return { model: arch, memory, cpus: online.length, mhz, nodes, sockets: perNodeSockets, cores: coresPerSocket, threads };
}

function hostCpuCount(): number {
  return Math.max(1, cpus().length);
}

function allCpusMap(maplen: number): Uint8Array {
  const m = new Uint8Array(Math.max(0, maplen));
  for (let b = 0; b < hostCpuCount() && b < maplen * 8; b++) m[b >> 3]! |= 1 << (b & 7);
  return m;
}

/** The domstats record of one domain (qemuDomainGetStats over the workers `want` selects). */
async function domainStats(s: QemuState, vm: QemuDomainObj, want: number): Promise<TypedParam[]> {
  const p: TypedParam[] = [];
  const add = (field: string, type: number, value: number | string) => p.push({ field, type, value });
  const mon = vm.isActive ? vm.monitor : null;
  if (want & StatsTypes.STATE) {
    add('state.state', T.INT, vm.state);
    add('state.reason', T.INT, vm.reason);
  }
  if (want & StatsTypes.CPU_TOTAL) {
    // qemuDomainGetStatsCpu: from the cgroup's cpuacct when the domain has one, else /proc.
    const cg = vm.isActive ? cgroupCpuTimes(vm) : undefined;
    const t = cg ?? (vm.isActive && vm.rt ? cpuTimes(`/proc/${vm.rt.pid}/stat`) : { user: 0, system: 0 });
    add('cpu.time', T.ULLONG, cg ? cg.total : t.user + t.system);
    add('cpu.user', T.ULLONG, t.user);
    add('cpu.system', T.ULLONG, t.system);
    if (vm.isActive) {
      add('cpu.cache.monitor.count', T.UINT, 0);
      add('cpu.haltpoll.success.time', T.ULLONG, 0);
      add('cpu.haltpoll.fail.time', T.ULLONG, 0);
    }
  }
  if (want & StatsTypes.BALLOON) {
    const ms = mon ? await memoryStats(vm, mon).catch(() => []) : [];
    const actual = ms.find((x) => x.tag === MS.ACTUAL_BALLOON)?.val ?? (vm.isActive ? vm.def.currentMemory : vm.def.currentMemory);
    add('balloon.current', T.ULLONG, actual);
    add('balloon.maximum', T.ULLONG, vm.def.memory);
    for (const x of ms) if (x.tag !== MS.ACTUAL_BALLOON) add(`balloon.${MEM_STAT_NAMES[x.tag]}`, T.ULLONG, x.val);
  }
  if (want & StatsTypes.VCPU) {
    add('vcpu.current', T.UINT, vm.def.vcpu.current);
    add('vcpu.maximum', T.UINT, vm.def.vcpu.max);
    if (vm.isActive && vm.rt) {
      vm.rt.vcpuPids.forEach((tid, i) => {
        const base = `/proc/${vm.rt!.pid}/task/${tid}`;
        const t = cpuTimes(`${base}/stat`);
        let delay = 0;
        try { delay = Number(readFileSync(`${base}/schedstat`, 'utf8').split(' ')[1] ?? 0); } catch { /* none */ }
        add(`vcpu.${i}.state`, T.INT, VcpuState.RUNNING);
        add(`vcpu.${i}.time`, T.ULLONG, t.user + t.system);
        add(`vcpu.${i}.wait`, T.ULLONG, 0);
        add(`vcpu.${i}.delay`, T.ULLONG, delay);
      });
    }
  }
  if ((want & StatsTypes.INTERFACE) && vm.isActive) {
    // Only NICs with a host-side device have counters; `user` ones have none.
    add('net.count', T.UINT, vm.def.devices.list.filter((d) => d.kind === 'interface').length);
  }
  if (want & StatsTypes.BLOCK) {
    const ds = disks(vm).filter((d) => kid(d, 'source') !== undefined);
    const count = ds.length;
    p.push({ field: 'block.count', type: T.UINT, value: count });
    let stats: BlockStatsEntry[] = [];
    let nodes: NamedNode[] = [];
    if (mon) {
      stats = await mon.execute<BlockStatsEntry[]>('query-blockstats').catch(() => []);
      nodes = await mon.execute<NamedNode[]>('query-named-block-nodes', { flat: true }).catch(() => []);
    }
    ds.forEach((d, i) => {
      const b = `block.${i}`;
      add(`${b}.name`, T.STRING, getAttr(kid(d, 'target'), 'dev') ?? '');
      const path = sourcePath(d);
      if (path !== undefined) add(`${b}.path`, T.STRING, path);
      if (mon) {
        const idx = nodeIndexOf(vm, d);
        add(`${b}.backingIndex`, T.UINT, idx);
        const st = blockEntry(stats, d)?.stats ?? {};
        const n = (k: string) => Number(st[k] ?? 0);
        add(`${b}.rd.reqs`, T.ULLONG, n('rd_operations'));
        add(`${b}.rd.bytes`, T.ULLONG, n('rd_bytes'));
        add(`${b}.rd.times`, T.ULLONG, n('rd_total_time_ns'));
        add(`${b}.wr.reqs`, T.ULLONG, n('wr_operations'));
        add(`${b}.wr.bytes`, T.ULLONG, n('wr_bytes'));
        add(`${b}.wr.times`, T.ULLONG, n('wr_total_time_ns'));
        add(`${b}.fl.reqs`, T.ULLONG, n('flush_operations'));
        add(`${b}.fl.times`, T.ULLONG, n('flush_total_time_ns'));
        const img = nodes.find((x) => x['node-name'] === `libvirt-${idx}-format`)?.image;
        add(`${b}.allocation`, T.ULLONG, n('wr_highest_offset'));
        add(`${b}.capacity`, T.ULLONG, img?.['virtual-size'] ?? 0);
        add(`${b}.physical`, T.ULLONG, img?.['actual-size'] ?? 0);
      } else {
        const f = fileSizes(d);
        if (f) {
          add(`${b}.allocation`, T.ULLONG, f.allocation);
          add(`${b}.capacity`, T.ULLONG, f.capacity);
          add(`${b}.physical`, T.ULLONG, f.physical);
        }
      }
    });
  }
  if ((want & StatsTypes.DIRTYRATE) && mon) {
    const r = await mon.execute<{ status: string; 'start-time': number; 'calc-time': number; mode?: string }>('query-dirty-rate')
      .catch(() => undefined);
    if (r) {
      const status = ['unstarted', 'measuring', 'measured'].indexOf(r.status);
      add('dirtyrate.calc_status', T.INT, Math.max(0, status));
      add('dirtyrate.calc_start_time', T.LLONG, r['start-time'] ?? 0);
      add('dirtyrate.calc_period', T.INT, r['calc-time'] ?? 0);
      add('dirtyrate.calc_mode', T.STRING, r.mode ?? 'page-sampling');
    }
  }
  void s;
  return p;
}

/** The statistics procedures of a QEMU connection. */
export function qemuStatsMethods(s: QemuState): Partial<DriverConnection> {
  const running = (vm: QemuDomainObj): QmpClient => {
    if (!vm.isActive || !vm.monitor) throw notRunning();
    return vm.monitor;
  };
  /** qemuDomainBlocksStatsGather for one disk: the query-blockstats counters. */
  const blockStats = async (vm: QemuDomainObj, path: string): Promise<Record<string, number>> => {
    const mon = running(vm);
    if (path === '') {
      // No disk named: the sum over all of them.
      const list = await mon.execute<BlockStatsEntry[]>('query-blockstats');
      const sum: Record<string, number> = {};
      for (const e of list) for (const [k, v] of Object.entries(e.stats)) if (typeof v === 'number') sum[k] = (sum[k] ?? 0) + v;
      return sum;
    }
    const d = diskByName(vm, path);
    if (!d) throw VirtError.report(ErrorCode.INVALID_ARG, QEMU, `invalid path: ${path}`);
    const list = await mon.execute<BlockStatsEntry[]>('query-blockstats');
    return blockEntry(list, d)?.stats ?? {};
  };
  const m: Partial<DriverConnection> = {
    // virsh vcpuinfo sizes its CPU maps from the host's CPU count.
    async nodeGetInfo() { return hostNodeInfo(); },
    async domainBlockStats({ dom, path }) {
      const vm = s.lookup(dom);
      const st = await vm.job(() => blockStats(vm, path));
      const n = (k: string) => Number(st[k] ?? 0);
      return { rd_req: n('rd_operations'), rd_bytes: n('rd_bytes'), wr_req: n('wr_operations'), wr_bytes: n('wr_bytes'), errs: -1 };
    },
    async domainBlockStatsFlags({ dom, path, nparams, flags }) {
      checkFlags(flags, TYPED_PARAM_STRING_OKAY, 'qemuDomainBlockStatsFlags', QEMU);
      const vm = s.lookup(dom);
      const st = await vm.job(() => blockStats(vm, path));
      const n = (k: string) => Number(st[k] ?? 0);
      const all: TypedParam[] = [
        ['rd_operations', 'rd_operations'], ['rd_bytes', 'rd_bytes'], ['wr_operations', 'wr_operations'],
        ['wr_bytes', 'wr_bytes'], ['flush_operations', 'flush_operations'],
        ['rd_total_times', 'rd_total_time_ns'], ['wr_total_times', 'wr_total_time_ns'],
        ['flush_total_times', 'flush_total_time_ns'],
      ].map(([field, key]) => ({ field: field!, type: T.LLONG, value: n(key!) }));
      if (nparams === 0) return { params: [], nparams: all.length };
      return { params: all.slice(0, nparams), nparams: Math.min(nparams, all.length) };
    },
    async domainInterfaceStats({ dom, device }) {
      const vm = s.lookup(dom);
      if (!vm.isActive) throw notRunning();
      const nics = vm.def.devices.list.filter((d) => d.kind === 'interface').map((d) => d.node);
      const byMac = nics.find((n) => (getAttr(kid(n, 'mac'), 'address') ?? '').toLowerCase() === device.toLowerCase());
      if (byMac) throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, 'Interface name not provided');
      // `user` NICs have no host device (<target dev>): nothing to read counters from.
      throw VirtError.report(ErrorCode.INVALID_ARG, QEMU, `'${device}' is not a known interface`);
    },
    async domainMemoryStats({ dom, maxStats, flags }) {
      checkFlags(flags, 0, 'qemuDomainMemoryStats', QEMU);
      const vm = s.lookup(dom);
      if (maxStats === 0) return { stats: [] };
      return vm.job(async () => {
        const mon = running(vm);
        const all = await memoryStats(vm, mon).catch((e: unknown) => {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, (e as Error).message);
        });
        return { stats: all.slice(0, Math.min(maxStats, MEMORY_STAT_NR)) };
      });
    },
    async domainGetBlockInfo({ dom, path, flags }) {
      checkFlags(flags, 0, 'qemuDomainGetBlockInfo', QEMU);
      const vm = s.lookup(dom);
      const d = diskByName(vm, path);
      if (!d) throw VirtError.report(ErrorCode.INVALID_ARG, QEMU, `invalid path ${path} not assigned to domain`);
      const f = fileSizes(d);
      if (!f) throw VirtError.report(ErrorCode.INVALID_ARG, QEMU, `disk '${path}' does not currently have a source assigned`);
      return f;
    },
    async domainGetVcpus({ dom, maxinfo, maplen }) {
      const vm = s.lookup(dom);
      if (!vm.isActive || !vm.rt) {
        throw VirtError.report(ErrorCode.OPERATION_INVALID, QEMU, 'cannot retrieve vcpu information for inactive domain');
      }
      const width = Math.max(0, maplen);
      const cpumaps = new Uint8Array(Math.max(0, maxinfo) * width);
      const info: VcpuInfo[] = [];
      const n = Math.min(maxinfo, vm.def.vcpu.current);
      for (let i = 0; i < n; i++) {
        const tid = vm.rt.vcpuPids[i];
        const path = `/proc/${vm.rt.pid}/task/${tid ?? vm.rt.pid}/stat`;
        const t = cpuTimes(path);
        const f = procStat(path);
        info.push({ number: i, state: VcpuState.RUNNING, cpu_time: BigInt(t.user + t.system), cpu: Number(f?.[36] ?? -1) });
        cpumaps.set(allCpusMap(width), i * width);
      }
      return { info, cpumaps };
    },
    async domainGetVcpuPinInfo({ dom, ncpumaps, maplen, flags }) {
      checkFlags(flags, AffectFlags.LIVE | AffectFlags.CONFIG, 'qemuDomainGetVcpuPinInfo', QEMU);
      const vm = s.lookup(dom);
      const def = flags & AffectFlags.CONFIG ? vm.persistentDef : vm.def;
      const width = Math.max(0, maplen);
      const num = Math.min(ncpumaps, def.vcpu.max);
      const cpumaps = new Uint8Array(Math.max(0, ncpumaps) * width);
      for (let i = 0; i < num; i++) cpumaps.set(allCpusMap(width), i * width);
      return { cpumaps, num };
    },
    async connectGetAllDomainStats({ doms, stats, flags }) {
      checkFlags(flags, STATS_LIST_FILTERS | GetAllStatsFlags.NOWAIT | GetAllStatsFlags.BACKING
        | GetAllStatsFlags.ENFORCE_STATS, 'qemuConnectGetAllDomainStats', QEMU);
      let want = stats >>> 0;
      if (want === 0) {
        want = STATS_SUPPORTED;
      } else if ((flags & GetAllStatsFlags.ENFORCE_STATS) && (want & ~STATS_SUPPORTED)) {
        throw VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, QEMU,
          `Stats types bits 0x${((want & ~STATS_SUPPORTED) >>> 0).toString(16)} are not supported by this daemon`);
      }
      const objs = doms.length > 0 ? doms.flatMap((d) => s.objects.filter((o) => o.def.uuid === d.uuid)) : [...s.objects];
      const retStats: DomainStatsRecord[] = [];
      for (const o of objs) {
        if (!matchesListFlags(o, flags & STATS_LIST_FILTERS)) continue;
        const params = await o.job(() => domainStats(s, o, want));
        retStats.push({ dom: o.ref(), params });
      }
      return { retStats };
    },
  };
  return m;
}
