/**
 * CPU model commands of the "Host and Hypervisor" group (tools/virsh-host.c:
 * cpu-baseline, cpu-compare, cpu-models, hypervisor-cpu-baseline,
 * hypervisor-cpu-compare) and the domain group's cpu-stats
 * (tools/virsh-domain.c).
 */
import type { Domain } from '../../api/index.js';
import { TYPED_PARAM_STRING_OKAY, type TypedParam } from '../../driver/driver.js';
import { escapeXml, parseXml, type XmlElement } from '../../util/xml.js';
import { DOMAIN_OPT, type CmdDef, type OptDef, type ParsedCommand } from '../command.js';
import { padEnd, padStart } from '../format.js';
import { optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { readFileAll, typedParamValue } from '../util.js';

/** VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES / _MIGRATABLE, VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE / _VALIDATE_XML. */
const BASELINE_EXPAND_FEATURES = 1;
const BASELINE_MIGRATABLE = 2;
const COMPARE_FAIL_INCOMPATIBLE = 1;
const COMPARE_VALIDATE_XML = 2;
/** virCPUCompareResult. */
const CPU_COMPARE_INCOMPATIBLE = 0;
const CPU_COMPARE_IDENTICAL = 1;
const CPU_COMPARE_SUPERSET = 2;

/** An element as virXMLNodeToString prints it (text-only leaves, element-only parents). */
function nodeToString(el: XmlElement, name = el.name, attrs: Readonly<Record<string, string>> = el.attrs): string {
  const a = Object.entries(attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  const body = el.children.length > 0 ? el.children.map((c) => nodeToString(c)).join('') : escapeXml(el.text);
  return body === '' ? `<${name}${a}/>` : `<${name}${a}>${body}</${name}>`;
}

/**
 * vshExtractCPUDefXMLs: the `<cpu>` elements of a file holding CPU
 * definitions, domain XMLs, host capabilities or domain capabilities (whose
 * supported host-model mode becomes a bare `<cpu>`), in document order.
 */
function extractCPUDefXMLs(ctl: Shell, file: string): string[] | null {
  const buffer = readFileAll(ctl, file);
  if (buffer === null) return null;
  const end = buffer.startsWith('<?xml') ? buffer.indexOf('?>') : -1;
  const doc = end >= 0 ? buffer.slice(end + 2) : buffer;
  let root: XmlElement;
  try {
    root = parseXml(`<container>${doc}</container>`, file);
  } catch (e) {
    ctl.saveError(e);
    return null;
  }
  const kids = (el: XmlElement | undefined, name: string) => el ? el.children.filter((c) => c.name === name) : [];
  const cpus: string[] = [];
  for (const c of root.children) {
    if (c.name === 'cpu') cpus.push(nodeToString(c));
    else if (c.name === 'domain') for (const x of kids(c, 'cpu')) cpus.push(nodeToString(x));
    else if (c.name === 'capabilities') for (const h of kids(c, 'host')) for (const x of kids(h, 'cpu')) cpus.push(nodeToString(x));
    else if (c.name === 'domainCapabilities') {
      for (const cpu of kids(c, 'cpu')) {
        for (const m of kids(cpu, 'mode')) {
          if (m.attrs['name'] === 'host-model' && m.attrs['supported'] === 'yes') cpus.push(nodeToString(m, 'cpu', {}));
        }
      }
    }
  }
  if (cpus.length === 0) {
    ctl.error(`File '${file}' does not contain any <cpu> element or valid domain XML, host capabilities XML, or domain capabilities XML`);
    return null;
  }
  return cpus;
}

async function cmdCPUBaseline(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  if (cmd.bool('features')) flags |= BASELINE_EXPAND_FEATURES;
  if (cmd.bool('migratable')) flags |= BASELINE_MIGRATABLE;
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const list = extractCPUDefXMLs(ctl, from);
  if (!list) return false;
  const r = await ctl.attempt(ctl.c.call('connectBaselineCPU', { xmlCPUs: list, flags }));
  if (r === FAIL) return false;
  ctl.print(r.cpu);
  return true;
}

/** The compare flags of cpu-compare and hypervisor-cpu-compare. */
function compareFlags(cmd: ParsedCommand): number {
  return (cmd.bool('error') ? COMPARE_FAIL_INCOMPATIBLE : 0) | (cmd.bool('validate') ? COMPARE_VALIDATE_XML : 0);
}

/** Prints a virCPUCompareResult with the command's sentences; false for incompatible or an error. */
function printCompare(ctl: Shell, result: number | typeof FAIL, msgs: { incompatible: string; identical: string; superset: string; failed: string }): boolean {
  switch (result) {
    case CPU_COMPARE_INCOMPATIBLE:
      ctl.print(msgs.incompatible);
      return false;
    case CPU_COMPARE_IDENTICAL:
      ctl.print(msgs.identical);
      return true;
    case CPU_COMPARE_SUPERSET:
      ctl.print(msgs.superset);
      return true;
    default:
      ctl.error(msgs.failed);
      return false;
  }
}

async function cmdCPUCompare(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = compareFlags(cmd);
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const cpus = extractCPUDefXMLs(ctl, from);
  if (!cpus) return false;
  const r = await ctl.attempt(ctl.c.call('connectCompareCPU', { xml: cpus[0]!, flags }));
  return printCompare(ctl, r === FAIL ? FAIL : r.result, {
    incompatible: `CPU described in ${from} is incompatible with host CPU\n`,
    identical: `CPU described in ${from} is identical to host CPU\n`,
    superset: `Host CPU is a superset of CPU described in ${from}\n`,
    failed: `Failed to compare host CPU with ${from}`,
  });
}

async function cmdCPUModelNames(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const arch = cmd.string(ctl, 'arch');
  if (arch == null) return false;
  const r = await ctl.attempt(ctl.c.call('connectGetCPUModelNames', { arch, need_results: 1, flags: 0 }));
  if (r === FAIL) {
    ctl.error('failed to get CPU model names');
    return false;
  }
  if (r.ret === 0) ctl.printExtra('all CPU models are accepted\n');
  else for (const m of r.models) ctl.print(`${m}\n`);
  return true;
}

/** The hypervisor selection options of the hypervisor-cpu-* commands, or null after an error. */
function hypervisorOpts(ctl: Shell, cmd: ParsedCommand):
  { virttype: string | null; emulator: string | null; arch: string | null; machine: string | null } | null {
  const out: Record<string, string | null> = {};
  for (const n of ['virttype', 'emulator', 'arch', 'machine']) {
    const v = cmd.string(ctl, n);
    if (v === null) return null;
    out[n] = v ?? null;
  }
  return { virttype: out['virttype']!, emulator: out['emulator']!, arch: out['arch']!, machine: out['machine']! };
}

async function cmdHypervisorCPUCompare(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = compareFlags(cmd);
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const hv = hypervisorOpts(ctl, cmd);
  if (!hv) return false;
  const cpus = extractCPUDefXMLs(ctl, from);
  if (!cpus) return false;
  const r = await ctl.attempt(ctl.c.call('connectCompareHypervisorCPU', { ...hv, xmlCPU: cpus[0]!, flags }));
  return printCompare(ctl, r === FAIL ? FAIL : r.result, {
    incompatible: `CPU described in ${from} is incompatible with the CPU provided by hypervisor on the host\n`,
    identical: `CPU described in ${from} is identical to the CPU provided by hypervisor on the host\n`,
    superset: `The CPU provided by hypervisor on the host is a superset of CPU described in ${from}\n`,
    failed: `Failed to compare hypervisor CPU with ${from}`,
  });
}

async function cmdHypervisorCPUBaseline(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  if (cmd.bool('features')) flags |= BASELINE_EXPAND_FEATURES;
  if (cmd.bool('migratable')) flags |= BASELINE_MIGRATABLE;
  const from = cmd.string(ctl, 'file');
  if (from === null) return false;
  const hv = hypervisorOpts(ctl, cmd);
  if (!hv) return false;
  const model = cmd.string(ctl, 'model');
  if (model === null) return false;
  // VSH_ALTERNATIVE_OPTIONS_EXPR: exactly one of the two.
  if (from !== undefined && model !== undefined) {
    ctl.error('Options --file and --model are mutually exclusive');
    return false;
  }
  if (from === undefined && model === undefined) {
    ctl.error('Either --file or --model must be provided');
    return false;
  }
  const list = from !== undefined ? extractCPUDefXMLs(ctl, from) : [`<cpu><model>${model}</model></cpu>`];
  if (!list) return false;
  const r = await ctl.attempt(ctl.c.call('connectBaselineHypervisorCPU', { ...hv, xmlCPUs: list, flags }));
  if (r === FAIL) return false;
  ctl.print(r.cpu);
  return true;
}

/** vshCPUStatsPrintField: times in seconds.nanoseconds, the rest as typed values. */
function printCPUStat(ctl: Shell, p: TypedParam): void {
  const times = ['cpu_time', 'vcpu_time', 'user_time', 'system_time'];
  if (times.includes(p.field) && p.type === 4) {
    const v = BigInt(p.value as number);
    ctl.print(`\t${padEnd(p.field, 12)} ${padStart(String(v / 1000000000n), 9)}.${String(v % 1000000000n).padStart(9, '0')} seconds\n`);
  } else {
    ctl.print(`\t${padEnd(p.field, 12)} ${typedParamValue(p)}\n`);
  }
}

/** virDomainGetCPUStats over the RPC shape: the filled parameters and libvirt's return value. */
function getCPUStats(ctl: Shell, dom: Domain, nparams: number,
  startCpu: number, ncpus: number) {
  return ctl.attempt(ctl.c.call('domainGetCPUStats',
    { dom: dom.ref, nparams, start_cpu: startCpu, ncpus, flags: TYPED_PARAM_STRING_OKAY }));
}

async function cmdCPUStats(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  let showTotal = cmd.bool('total');
  let showPerCpu = false;
  const failed = () => {
    ctl.error(`Failed to retrieve CPU statistics for domain '${dom.getName()}'`);
    return false;
  };
  const start = cmd.int(ctl, 'start');
  if (start === null) return false;
  let cpu = 0;
  if (start !== undefined) {
    if (start < 0) {
      ctl.error('Invalid value for start CPU');
      return false;
    }
    cpu = start;
    showPerCpu = true;
  }
  const count = cmd.int(ctl, 'count');
  if (count === null) return false;
  let showCount = -1;
  if (count !== undefined) {
    if (count < 0) {
      ctl.error('Invalid value for number of CPUs to show');
      return false;
    }
    showCount = count;
    showPerCpu = true;
  }
  if (!showTotal && !showPerCpu) {
    showTotal = true;
    showPerCpu = true;
  }
  if (showPerCpu) {
    const max = await getCPUStats(ctl, dom, 0, 0, 0);
    if (max === FAIL) return failed();
    const maxId = max.nparams;
    if (cpu >= maxId) {
      ctl.error(`Start CPU ${cpu} is out of range (min: 0, max: ${maxId - 1})`);
      return false;
    }
    if (showCount > maxId) ctl.print(`Only ${maxId} CPUs available to show\n`);
    if (showCount < 0 || showCount > maxId - cpu) showCount = maxId - cpu;
    const per = await getCPUStats(ctl, dom, 0, 0, 1);
    if (per === FAIL) return failed();
    const nparams = per.nparams;
    if (nparams === 0) {
      ctl.print('No per-CPU stats available');
      if (!showTotal) return false;
    } else {
      while (showCount > 0) {
        const ncpus = Math.min(showCount, 128);
        const got = await getCPUStats(ctl, dom, nparams, cpu, ncpus);
        if (got === FAIL) return failed();
        // The RPC sends no empty slots: each CPU there is holds the returned count of values.
        const stride = got.nparams;
        for (let i = 0; i < ncpus; i++) {
          const slice = stride > 0 ? got.params.slice(i * stride, (i + 1) * stride) : [];
          if (slice.length === 0) continue;
          ctl.print(`CPU${cpu + i}:\n`);
          for (const p of slice) printCPUStat(ctl, p);
        }
        cpu += ncpus;
        showCount -= ncpus;
      }
      if (!showTotal) return true;
    }
  }
  const n = await getCPUStats(ctl, dom, 0, -1, 1);
  if (n === FAIL) return failed();
  if (n.nparams === 0) {
    ctl.print('No total stats available');
    return false;
  }
  const total = await getCPUStats(ctl, dom, n.nparams, -1, 1);
  if (total === FAIL) return failed();
  ctl.print('Total:\n');
  for (const p of total.params.slice(0, total.nparams)) printCPUStat(ctl, p);
  return true;
}

const FILE_OPT = (help: string): OptDef => ({ name: 'file', type: 'data', help, required: true });
const HYPERVISOR_OPTS: readonly OptDef[] = [
  { name: 'virttype', type: 'string', help: 'virtualization type (/domain/@type)' },
  { name: 'emulator', type: 'string', help: 'path to emulator binary (/domain/devices/emulator)' },
  { name: 'arch', type: 'string', help: 'CPU architecture (/domain/os/type/@arch)' },
  { name: 'machine', type: 'string', help: 'machine type (/domain/os/type/@machine)' },
];
const BASELINE_OPTS: readonly OptDef[] = [
  { name: 'features', type: 'bool', help: 'Show features that are part of the CPU model type' },
  { name: 'migratable', type: 'bool', help: 'Do not include features that block migration' },
];
const COMPARE_OPTS: readonly OptDef[] = [
  { name: 'error', type: 'bool', help: 'report error if CPUs are incompatible' },
  { name: 'validate', type: 'bool', help: 'validate the XML document against schema' },
];

/** These commands; index.ts places them in virsh's groups and order. */
export const hostCpuCommands: CmdDef[] = [
  {
    name: 'cpu-baseline',
    help: 'compute baseline CPU',
    desc: 'Compute baseline CPU for a set of given CPUs.',
    options: [FILE_OPT('file containing XML CPU descriptions'), ...BASELINE_OPTS],
    run: cmdCPUBaseline,
  },
  {
    name: 'cpu-compare',
    help: 'compare host CPU with a CPU described by an XML file',
    desc: 'compare CPU with host CPU',
    options: [FILE_OPT('file containing an XML CPU description'), ...COMPARE_OPTS],
    run: cmdCPUCompare,
  },
  {
    name: 'cpu-models',
    help: 'CPU models',
    desc: 'Get the CPU models for an arch.',
    options: [{ name: 'arch', type: 'data', help: 'architecture', required: true }],
    run: cmdCPUModelNames,
  },
  {
    name: 'hypervisor-cpu-baseline',
    help: 'compute baseline CPU usable by a specific hypervisor',
    desc: 'Compute baseline CPU for a set of given CPUs. The result will be tailored to the specified hypervisor.',
    options: [
      { name: 'file', type: 'string', help: 'file containing XML CPU descriptions' },
      ...HYPERVISOR_OPTS, ...BASELINE_OPTS,
      { name: 'model', type: 'string', help: 'Shortcut for calling the command with a single CPU model and no additional features' },
    ],
    run: cmdHypervisorCPUBaseline,
  },
  {
    name: 'hypervisor-cpu-compare',
    help: 'compare a CPU with the CPU created by a hypervisor on the host',
    desc: 'compare CPU with hypervisor CPU',
    options: [FILE_OPT('file containing an XML CPU description'), ...HYPERVISOR_OPTS, ...COMPARE_OPTS],
    run: cmdHypervisorCPUCompare,
  },
  {
    name: 'cpu-stats',
    help: 'show domain cpu statistics',
    desc: 'Display per-CPU and total statistics about the domain\'s CPUs',
    options: [
      DOMAIN_OPT,
      { name: 'total', type: 'bool', help: 'Show total statistics only' },
      { name: 'start', type: 'int', help: 'Show statistics from this CPU' },
      { name: 'count', type: 'int', help: 'Number of shown CPUs at most' },
    ],
    run: cmdCPUStats,
  },
];
