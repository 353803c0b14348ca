/**
 * The test host itself (libvirt's testDriver nodeInfo, cells and caps):
 * node info with `<cpu>`/`<memory>` overrides from a host file
 * (testParseNodeInfo), NUMA cells, free memory, the security model and the
 * capabilities document.
 */
import type { DriverConnection } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { XmlElement } from '../../util/xml.js';
import { defaultCells, formatCapabilities, SECURITY_MODEL, type TestCell } from './capabilities.js';
import type { TestHost } from './host.js';
import { DEFAULT_NUMA_ATTR } from './default-host.js';
import { firstChild, parseInteger, prop, xpathString } from '../../conf/node-conf-util.js';

/** virNodeInfo. `memory` is in KiB. */
export interface NodeInfo {
  model: string;
  memory: number;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
}

/** The test driver's defaultNodeInfo. */
export const DEFAULT_NODE_INFO: Readonly<NodeInfo> = {
  model: 'i686', memory: 3 * 1024 * 1024, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2,
};

const T = ErrorDomain.TEST;

/** What testNodeGetCPUMap reports: 8 CPUs, map 0x15 (CPUs 0, 2, 4), 3 online. */
export const TEST_CPUS_PRESENT = 8;
export const TEST_CPUMAP = 0x15;
export const TEST_CPUS_ONLINE = 3;

/** VIR_NODEINFO_MAXCPUS: nodes × sockets × cores × threads (what the test driver pins vCPUs to). */
export function maxCpus(info: NodeInfo): number {
  return info.nodes * info.sockets * info.cores * info.threads;
}

export class NodeState {
  info: NodeInfo = { ...DEFAULT_NODE_INFO };
  /** NUMA cells: testOpenDefault sets up two; hosts read from a file have none. */
  cells: TestCell[] = [];
  /** Built once when the host is opened, from the cells known then (testBuildCapabilities). */
  #caps = formatCapabilities([]);

  constructor(readonly host: TestHost) {}

  /** testParseNodeInfo on `/node/cpu/*` and `/node/memory`. */
  load(root: XmlElement, _baseDir: string): void {
    if (prop(root, DEFAULT_NUMA_ATTR) === 'yes') this.cells = defaultCells();
    this.#caps = formatCapabilities(this.cells);
    const cpu = firstChild(root, 'cpu');
    const num = (el: XmlElement | undefined, name: string, what: string): number | undefined => {
      const s = xpathString(el, name);
      if (s === undefined) return undefined;
      const v = parseInteger(s);
      if (v === null || v < -(2n ** 63n) || v >= 2n ** 63n) {
        throw VirtError.report(ErrorCode.XML_ERROR, T, `invalid node ${what} value`);
      }
      // virNodeInfo fields are C unsigned ints / unsigned long: wrap like C does.
      return Number(BigInt.asUintN(what === 'memory' ? 64 : 32, v));
    };
    const info = this.info;
    const nodes = num(cpu, 'nodes', 'cpu nodes');
    if (nodes !== undefined) info.nodes = nodes;
    const sockets = num(cpu, 'sockets', 'cpu sockets');
    if (sockets !== undefined) info.sockets = sockets;
    const cores = num(cpu, 'cores', 'cpu cores');
    if (cores !== undefined) info.cores = cores;
    const threads = num(cpu, 'threads', 'cpu threads');
    if (threads !== undefined) info.threads = threads;
    info.cpus = Number(BigInt.asUintN(32, BigInt(info.cores) * BigInt(info.threads) * BigInt(info.sockets) * BigInt(info.nodes)));
    const active = xpathString(cpu, 'active');
    if (active !== undefined) {
      const v = parseInteger(active);
      if (v === null) throw VirtError.report(ErrorCode.XML_ERROR, T, 'invalid node cpu active value');
      if (v < BigInt(info.cpus)) info.cpus = Number(BigInt.asUintN(32, v));
    }
    const mhz = num(cpu, 'mhz', 'cpu mhz');
    if (mhz !== undefined) info.mhz = mhz;
    const model = xpathString(cpu, 'model');
    if (model !== undefined) {
      if (Buffer.byteLength(model) >= 32) {
        throw VirtError.report(ErrorCode.INTERNAL_ERROR, T, `Model ${model} too big for destination`);
      }
      info.model = model;
    }
    const memory = num(root, 'memory', 'memory');
    if (memory !== undefined) info.memory = memory;
  }

  /** The contract methods this part implements. */
  methods(): Partial<DriverConnection> {
    return {
      nodeGetInfo: async () => ({ ...this.info }),
      // testNodeGetFreeMemory sums the cells' free memory into an unsigned int.
      nodeGetFreeMemory: async () => ({ freeMem: this.cells.reduce((a, c) => (a + c.freeMem) >>> 0, 0) }),
      nodeGetCellsFreeMemory: async ({ startCell, maxcells }) => {
        if (startCell >= this.cells.length || startCell < 0) {
          throw VirtError.report(ErrorCode.INVALID_ARG, T, 'Range exceeds available cells');
        }
        // testNodeGetCellsFreeMemory reports each cell's total memory.
        return { cells: this.cells.slice(startCell, startCell + Math.max(0, maxcells)).map((c) => c.mem) };
      },
      nodeGetSecurityModel: async () => ({ model: SECURITY_MODEL.model, doi: SECURITY_MODEL.doi }),
      // testNodeGetCPUMap: a fixed 8-CPU host with CPUs 0, 2 and 4 online,
      // whatever the host definition says. The daemon sends the map in
      // VIR_CPU_MAPLEN(8) = 1 byte, and nothing for what was not asked.
      nodeGetCPUMap: async ({ need_map, need_online, flags }) => {
        checkFlags(flags, 0, 'testNodeGetCPUMap', T);
        return {
          cpumap: need_map ? Uint8Array.of(TEST_CPUMAP) : new Uint8Array(0),
          online: need_online ? TEST_CPUS_ONLINE : 0,
          ret: TEST_CPUS_PRESENT,
        };
      },
      connectGetCapabilities: async () => ({ capabilities: this.#caps }),
    };
  }
}
