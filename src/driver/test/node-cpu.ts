/**
 * The host-CPU calls of libvirt 9.0's test driver that do not depend on the
 * host definition: testNodeGetCPUStats, testNodeGetFreePages and
 * testConnectGetCPUModelNames (virCPUGetModels over libvirt's CPU map).
 * testConnectBaselineCPU is reproduced for the cases that need no CPUID
 * data (see x86Baseline). The test driver has no virNodeAllocPages, virNodeGetMemoryStats,
 * virNodeGetMemoryParameters, virNodeGetSEVInfo, virConnectCompareCPU or
 * hypervisor-CPU calls, so neither does this.
 */
import type { DriverConnection } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { RemoteLimit } from '../../protocol/limits.js';
import { escapeXml, parseXml } from '../../util/xml.js';
import { CPU_MAP_DIR, decodeX86, intersectX86, loadCpuMap, modelFeatureNames, unionX86, type X86Data, type X86Map } from '../../cpu/x86.js';

const T = ErrorDomain.TEST;

/** testNodeGetCPUStats's fixed counters, in its order (VIR_NODE_CPU_STATS_USER, _KERNEL, _IDLE, _IOWAIT). */
const CPU_STATS: ReadonlyArray<{ field: string; value: bigint }> = [
  { field: 'user', value: 9797400000n },
  { field: 'kernel', value: 34678723400000n },
  { field: 'idle', value: 87264900000n },
  { field: 'iowait', value: 763600000n },
];

/** virArch names virArchFromString knows in libvirt 9.0 (VIR_ARCH_NONE has no name). */
export const ARCH_NAMES: readonly string[] = [
  'alpha', 'armv6l', 'armv7l', 'armv7b', 'aarch64', 'cris', 'i686', 'ia64', 'lm32', 'm68k', 'microblaze',
  'microblazeel', 'mips', 'mipsel', 'mips64', 'mips64el', 'openrisc', 'parisc', 'parisc64', 'ppc', 'ppcle',
  'ppc64', 'ppc64le', 'ppcemb', 'riscv32', 'riscv64', 's390', 's390x', 'sh4', 'sh4eb', 'sparc', 'sparc64',
  'unicore32', 'x86_64', 'xtensa', 'xtensaeb',
];

/** The x86 CPU map's models, in the map's order (what `virsh cpu-models x86_64` lists). */
const X86_MODELS = ('486 pentium pentium2 pentium3 pentiumpro coreduo n270 core2duo qemu32 kvm32 cpu64-rhel5 '
  + 'cpu64-rhel6 qemu64 kvm64 Conroe Penryn Nehalem Nehalem-IBRS Westmere Westmere-IBRS SandyBridge '
  + 'SandyBridge-IBRS IvyBridge IvyBridge-IBRS Haswell-noTSX Haswell-noTSX-IBRS Haswell Haswell-IBRS '
  + 'Broadwell-noTSX Broadwell-noTSX-IBRS Broadwell Broadwell-IBRS Skylake-Client Skylake-Client-IBRS '
  + 'Skylake-Client-noTSX-IBRS Skylake-Server Skylake-Server-IBRS Skylake-Server-noTSX-IBRS Cascadelake-Server '
  + 'Cascadelake-Server-noTSX Icelake-Client Icelake-Client-noTSX Icelake-Server Icelake-Server-noTSX Cooperlake '
  + 'Snowridge athlon phenom Opteron_G1 Opteron_G2 Opteron_G3 Opteron_G4 Opteron_G5 EPYC EPYC-IBPB EPYC-Rome '
  + 'EPYC-Milan Dhyana').split(' ');

/** The ppc64 CPU map's models. */
const PPC64_MODELS = ['POWER6', 'POWER7', 'POWER8', 'POWER9', 'POWER10', 'POWERPC_e5500', 'POWERPC_e6500'];

/**
 * The CPU drivers of libvirt 9.0 by architecture: the models their
 * getModels callback lists (empty for the arm and s390 drivers, which
 * accept any model).
 */
const CPU_DRIVER_MODELS: Readonly<Record<string, readonly string[]>> = {
  i686: X86_MODELS, x86_64: X86_MODELS,
  ppc64: PPC64_MODELS, ppc64le: PPC64_MODELS,
  armv6l: [], armv7l: [], armv7b: [], aarch64: [],
  s390: [], s390x: [],
};

/** The models virCPUGetModels lists for `arch`, or its "not supported by CPU driver" error. */
export function cpuDriverModels(arch: string): readonly string[] {
  const models = CPU_DRIVER_MODELS[arch];
  if (!models) {
    throw VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.CPU, `'${arch}' architecture is not supported by CPU driver`);
  }
  return models;
}

/** The contract methods these calls make up. */
export const NODE_CPU_METHODS: Partial<DriverConnection> = {
  // testNodeGetCPUStats: the count when asked for none, else the first nparams of four fixed counters,
  // whatever the CPU.
  async nodeGetCPUStats({ nparams, flags }) {
    checkFlags(flags, 0, 'testNodeGetCPUStats', T);
    if (nparams === 0) return { params: [], nparams: CPU_STATS.length };
    const params = CPU_STATS.slice(0, Math.max(0, nparams)).map((s) => ({ ...s }));
    return { params, nparams: params.length };
  },
  // testNodeGetFreePages: made-up counts, x = 2x + 7 from 6 on, whatever the page sizes and cells.
  async nodeGetFreePages({ pages, cellCount, flags }) {
    // virNodeGetFreePages checks these before any driver runs.
    for (const [what, n] of [['npages', pages.length], ['cellCount', cellCount]] as const) {
      if (n === 0) throw new VirtError(ErrorCode.INVALID_ARG, `${what} in virNodeGetFreePages must not be zero`, ErrorDomain.DOMAIN);
    }
    checkFlags(flags, 0, 'testNodeGetFreePages', T);
    // C fills a caller's array here; one that large cannot come over the wire, and a local
    // caller asking for billions would only stall the loop.
    if (pages.length * cellCount > RemoteLimit.NODE_MAX_CELLS) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "the result won't fit into REMOTE_NODE_MAX_CELLS");
    }
    const counts: number[] = [];
    let x = 6;
    for (let i = 0; i < cellCount; i++) {
      for (let j = 0; j < pages.length; j++) {
        x = (x * 2 + 7) | 0; // a C int
        counts.push(x < 0 ? Number(BigInt.asUintN(64, BigInt(x))) : x);
      }
    }
    return { counts };
  },
  // testConnectGetCPUModelNames.
  async connectGetCPUModelNames({ arch, need_results, flags }) {
    checkFlags(flags, 0, 'testConnectGetCPUModelNames', T);
    if (!ARCH_NAMES.includes(arch)) {
      throw VirtError.report(ErrorCode.INVALID_ARG, T, `cannot find architecture ${arch}`);
    }
    const models = cpuDriverModels(arch);
    return { models: need_results ? [...models] : [], ret: models.length };
  },
};

/** A host-type CPU definition as virCPUDefParseXML reads it, for the parts baseline looks at. */
interface HostCpu { arch: string; model: string; vendor: string | undefined; features: string[] }

/** VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES. */
const BASELINE_EXPAND_FEATURES = 1;

function cpuXmlError(msg: string): VirtError {
  return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.CPU, msg);
}

/** virCPUDefParseXML with VIR_CPU_TYPE_HOST on one `<cpu>` document. */
function parseHostCpu(xml: string): HostCpu {
  const root = parseXml(xml, '(CPU_definition)', ErrorDomain.CPU);
  if (root.name !== 'cpu') throw cpuXmlError("XML does not contain expected 'cpu' element");
  if (root.attrs['mode'] !== undefined) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.CPU, 'Attribute mode is only allowed for guest CPU');
  }
  const text = (name: string) => {
    const el = root.children.find((c) => c.name === name);
    return el && el.text !== '' ? el.text : undefined;
  };
  const arch = text('arch');
  if (arch === undefined) throw cpuXmlError('Missing CPU architecture');
  if (!ARCH_NAMES.includes(arch)) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.CPU, `Unknown architecture ${arch}`);
  }
  const model = text('model');
  if (model === undefined) throw cpuXmlError('Missing CPU model name');
  const features: string[] = [];
  for (const f of root.children.filter((c) => c.name === 'feature')) {
    const name = f.attrs['name'];
    if (name === undefined || name === '') throw cpuXmlError('Invalid CPU feature name');
    if (features.includes(name)) throw cpuXmlError(`CPU feature '${name}' specified more than once`);
    features.push(name);
  }
  return { arch, model, vendor: text('vendor'), features };
}

function formatBaseline(model: string, fallback: 'allow' | 'forbid', vendor: string | undefined): string {
  let s = "<cpu mode='custom' match='exact'>\n";
  s += `  <model fallback='${fallback}'>${escapeXml(model)}</model>\n`;
  if (vendor !== undefined) s += `  <vendor>${escapeXml(vendor)}</vendor>\n`;
  return `${s}</cpu>\n`;
}

/** x86 CPU vendors of the CPU map. */
const X86_VENDORS = ['Intel', 'AMD', 'Hygon'];

/**
 * x86Baseline: the CPUID data every CPU has (each CPU's model plus its
 * required features, intersected), decoded into the cpu_map model that
 * needs the fewest extra features. The CPU map is libvirt's own, read where
 * libvirt installs it; a baseline that reduces to one shared model without
 * features needs no map.
 */
function x86Baseline(cpus: HostCpu[], flags: number): string {
  for (const c of cpus) {
    if (!X86_MODELS.includes(c.model)) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.CPU, `Unknown CPU model ${c.model}`);
    }
    if (c.vendor !== undefined && !X86_VENDORS.includes(c.vendor)) {
      throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.CPU, `Unknown CPU vendor ${c.vendor}`);
    }
  }
  const first = cpus[0]!;
  // The vendor is kept only when every CPU names it, and the same one.
  const vendor = cpus.every((c) => c.vendor !== undefined && c.vendor === first.vendor) ? first.vendor : undefined;
  const sameModel = cpus.every((c) => c.model === first.model);
  const named = cpus.filter((c) => c.vendor !== undefined);
  if (named.some((c) => c.vendor !== named[0]!.vendor)) {
    throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.CPU, 'CPU vendors do not match');
  }
  const map = loadCpuMap();
  if (!map) {
    // Without the map only the baseline of one shared model without features is known.
    if (sameModel && cpus.every((c) => c.features.length === 0) && !(flags & BASELINE_EXPAND_FEATURES)) {
      return formatBaseline(first.model, 'forbid', vendor);
    }
    throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.CPU, `libvirt's CPU map is not installed in ${CPU_MAP_DIR}`);
  }
  let base: X86Data | undefined;
  for (const c of cpus) {
    const data = cpuData(map, c);
    base = base === undefined ? data : intersectX86(base, data);
  }
  if (!base || base.size === 0) throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.CPU, 'CPUs are incompatible');
  const v = vendor === undefined ? undefined : map.vendors.find((x) => x.name === vendor);
  // CPUs of one model keep it (x86Decode's preferred model, with fallback forbid).
  const decoded = decodeX86(map, v ? unionX86(base, v.data) : base,
    { type: 'guest', ...(sameModel ? { preferred: first.model } : {}) });
  if (!decoded) throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.CPU, 'CPUs are incompatible');
  let features = decoded.features.map((f) => ({ name: f.name, policy: f.policy ?? 'require' }));
  if (flags & BASELINE_EXPAND_FEATURES) {
    // virCPUx86ExpandFeatures: the model's own features listed too, then all sorted by name.
    for (const name of modelFeatureNames(map, decoded.model)) {
      if (!features.some((f) => f.name === name)) features.push({ name, policy: 'require' });
    }
    features = features.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  let s = formatBaseline(decoded.model, sameModel && decoded.model === first.model ? 'forbid' : 'allow', vendor).replace(/<\/cpu>\n$/, '');
  for (const f of features) s += `  <feature policy='${f.policy}' name='${escapeXml(f.name)}'/>\n`;
  return `${s}</cpu>\n`;
}

/** x86ModelFromCPU with the required features: the model's CPUID data and each listed feature's. */
function cpuData(map: X86Map, c: HostCpu): X86Data {
  const model = map.models.find((m) => m.name === c.model);
  if (!model) throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.CPU, `Unknown CPU model ${c.model}`);
  let data: X86Data = new Map(model.data);
  for (const name of c.features) {
    const f = map.features.find((x) => x.name === name);
    if (!f) throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.CPU, `Unknown CPU feature ${name}`);
    data = unionX86(data, f.data);
  }
  return data;
}

/** testConnectBaselineCPU: virCPUBaseline for the first CPU's architecture. */
function baselineCpu(xmlCPUs: readonly string[], flags: number): string {
  checkFlags(flags, BASELINE_EXPAND_FEATURES, 'testConnectBaselineCPU', T);
  const cpus = xmlCPUs.map(parseHostCpu);
  if (cpus.length === 0) throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.CPU, 'no CPUs given');
  const arch = cpus[0]!.arch;
  switch (arch) {
    case 'i686': case 'x86_64':
      return x86Baseline(cpus, flags);
    case 'ppc64': case 'ppc64le': {
      for (const c of cpus) {
        if (!PPC64_MODELS.includes(c.model)) {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.CPU, `Unknown CPU model ${c.model}`);
        }
      }
      if (cpus.some((c) => c.model !== cpus[0]!.model)) {
        throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.CPU, 'CPUs are incompatible');
      }
      return formatBaseline(cpus[0]!.model, 'forbid', undefined);
    }
    case 'armv6l': case 'armv7l': case 'armv7b': case 'aarch64':
      // The arm driver takes the first CPU's model as it is.
      return formatBaseline(cpus[0]!.model, 'allow', undefined);
    case 's390': case 's390x':
      throw VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.CPU, `cannot compute baseline CPU of ${arch} architecture`);
    default:
      throw VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.CPU, `'${arch}' architecture is not supported by CPU driver`);
  }
}

/** The baseline call, added to the connection methods. */
export const BASELINE_METHODS: Partial<DriverConnection> = {
  async connectBaselineCPU({ xmlCPUs, flags }) {
    return { cpu: baselineCpu(xmlCPUs, flags) };
  },
};
