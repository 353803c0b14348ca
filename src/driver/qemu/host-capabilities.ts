/**
 * The QEMU driver's `capabilities` document (virConnectGetCapabilities):
 * the `<host>` part read from this machine as libvirt reads it
 * (src/qemu/qemu_conf.c virQEMUDriverCreateCapabilities,
 * src/qemu/qemu_capabilities.c virQEMUCapsInit, src/conf/capabilities.c),
 * and one `<guest>` per architecture that has an emulator, from the probed
 * {@link QemuCaps}, printed as virCapabilitiesFormatXML prints them.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { findFileInPath } from '../../util/file-access.js';
import { findQemuBinary, hasFlag, hostArch, LIBVIRT_ARCHES, type QemuCaps } from './capabilities.js';
import { accelOf, hostHasIOMMU } from './domain-capabilities.js';
import { decodeX86, loadCpuMap, readHostCpuid } from '../../cpu/x86.js';
import { formatCpuModelFeatures, type HostCpuModel } from './host-cpu.js';

/** One host CPU in a NUMA cell (virCapsHostNUMACellCPU). */
export interface HostCellCpu { id: number; socketId: number; dieId: number; coreId: number; siblings: string }

/** A NUMA cell (virCapsHostNUMACell). Memory in KiB. */
export interface HostCell {
  id: number;
  memoryKiB: number;
  pages: { sizeKiB: number; avail: number }[];
  distances: { id: number; value: number }[];
  cpus: HostCellCpu[];
}

/** A security model line (virCapsHostSecModel). */
export interface SecModel { model: string; doi: string; baselabels?: { type: string; label: string }[] }

/** The `<host>` facts. */
export interface HostInfo {
  uuid: string;
  arch: string;
  cpu: HostCpuModel;
  pageSizesKiB: number[];
  powerManagement: string[];
  iommu: boolean;
  cells: HostCell[];
  secModels: SecModel[];
}

const SYS = '/sys/devices/system';

function read(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

function readInt(path: string): number | undefined {
  const s = read(path)?.trim();
  return s === undefined || s === '' ? undefined : Number.parseInt(s, 10);
}

/** Parses a kernel cpu list ("0-3,5") into ids. */
export function parseCpuList(s: string): number[] {
  const out: number[] = [];
  for (const part of s.trim().split(',')) {
    if (part === '') continue;
    const [a, b] = part.split('-').map((x) => Number.parseInt(x, 10));
    if (b === undefined) out.push(a!);
    else for (let i = a!; i <= b; i++) out.push(i);
  }
  return out;
}

/** virBitmapFormat: ids as ranges ("0-1,3"). */
export function formatCpuList(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function cpuInfo(id: number): HostCellCpu {
  const t = `${SYS}/cpu/cpu${id}/topology`;
  const sib = read(`${t}/thread_siblings_list`);
  return {
    id,
    socketId: readInt(`${t}/physical_package_id`) ?? 0,
    dieId: readInt(`${t}/die_id`) ?? 0,
    coreId: readInt(`${t}/core_id`) ?? 0,
    siblings: sib === undefined ? `${id}` : formatCpuList(parseCpuList(sib)),
  };
}

/** Hugepage sizes in KiB from a hugepages dir (`hugepages-2048kB`), sorted. */
function hugeSizes(dir: string): number[] {
  try {
    return readdirSync(dir).map((n) => /^hugepages-(\d+)kB$/.exec(n)?.[1]).filter((x): x is string => x !== undefined)
      .map(Number).sort((a, b) => a - b);
  } catch {
    return [];
  }
}

let pageKiB: number | undefined;

function systemPageKiB(): number {
  // Node has no sysconf; x86-64/aarch64 Linux kernels libvirt runs on use 4 KiB
  // unless the kernel says otherwise in /proc/self/smaps' KernelPageSize.
  // Read once: smaps is costly to produce for a big process, and the page
  // size cannot change while it runs.
  if (pageKiB === undefined) {
    const m = /KernelPageSize:\s+(\d+) kB/.exec(read('/proc/self/smaps') ?? '');
    pageKiB = m ? Number(m[1]) : 4;
  }
  return pageKiB;
}

/** virCapabilitiesHostNUMANewHost: real nodes from sysfs, else one fake cell. */
export function hostCells(): HostCell[] {
  const page = systemPageKiB();
  let nodes: number[] = [];
  const online = read(`${SYS}/node/online`);
  if (online !== undefined) nodes = parseCpuList(online);
  const cells: HostCell[] = [];
  for (const n of nodes) {
    const dir = `${SYS}/node/node${n}`;
    const cpus = read(`${dir}/cpulist`);
    if (cpus === undefined) continue;
    const memKiB = Number(/MemTotal:\s+(\d+) kB/.exec(read(`${dir}/meminfo`) ?? '')?.[1] ?? 0);
    const huge = hugeSizes(`${dir}/hugepages`);
    const hugeNr = huge.map((sz) => readInt(`${dir}/hugepages/hugepages-${sz}kB/nr_hugepages`) ?? 0);
    const hugeSumKiB = huge.reduce((acc, sz, i) => acc + sz * hugeNr[i]!, 0);
    const dist = (read(`${dir}/distance`) ?? '').trim().split(/\s+/).filter((x) => x !== '').map(Number);
    cells.push({
      id: n,
      memoryKiB: memKiB,
      pages: [{ sizeKiB: page, avail: Math.floor((memKiB - hugeSumKiB) / page) }, ...huge.map((sz, i) => ({ sizeKiB: sz, avail: hugeNr[i]! }))],
      distances: dist.map((value, i) => ({ id: nodes[i] ?? i, value })),
      cpus: parseCpuList(cpus).map(cpuInfo),
    });
  }
  if (cells.length > 0) return cells;
  // virCapabilitiesHostNUMAInitFake: one cell with every online CPU and all memory.
  const memKiB = Number(/MemTotal:\s+(\d+) kB/.exec(read('/proc/meminfo') ?? '')?.[1] ?? 0);
  const ids = parseCpuList(read(`${SYS}/cpu/online`) ?? '0');
  return [{ id: 0, memoryKiB: memKiB, pages: [], distances: [], cpus: ids.map(cpuInfo) }];
}

/** Host topology for the host CPU (virHostCPUGetInfo → virCPUProbeHost). */
export function hostTopology(): { sockets: number; dies: number; cores: number; threads: number } {
  const ids = parseCpuList(read(`${SYS}/cpu/online`) ?? '0');
  const infos = ids.map(cpuInfo);
  const sockets = new Set(infos.map((c) => c.socketId));
  let dies = 1;
  let cores = 1;
  let threads = 1;
  for (const s of sockets) {
    const inSocket = infos.filter((c) => c.socketId === s);
    dies = Math.max(dies, new Set(inSocket.map((c) => c.dieId)).size);
    cores = Math.max(cores, new Set(inSocket.map((c) => `${c.dieId}/${c.coreId}`)).size / Math.max(1, new Set(inSocket.map((c) => c.dieId)).size));
    for (const c of inSocket) threads = Math.max(threads, parseCpuList(c.siblings).length);
  }
  return { sockets: sockets.size, dies, cores, threads };
}

/** The host's page sizes (virNumaGetPages for the whole host): the system page, then hugepage sizes. */
export function hostPageSizes(): number[] {
  return [systemPageKiB(), ...hugeSizes('/sys/kernel/mm/hugepages')];
}

/**
 * virNodeSuspendGetTargetMask: systemd-logind over D-Bus first (not spoken
 * here), then pm-utils' `pm-is-supported`; nothing when neither answers.
 */
export function hostPowerManagement(): string[] {
  // libvirt too asks once per process (nodeSuspendTargetMask); the answer
  // comes from running a program, which must not happen on every call.
  if (powerManagement !== undefined) return powerManagement;
  const pm = findFileInPath('pm-is-supported');
  const out: string[] = [];
  if (pm !== undefined) {
    for (const [arg, name] of [['--suspend', 'suspend_mem'], ['--hibernate', 'suspend_disk'], ['--suspend-hybrid', 'suspend_hybrid']] as const) {
      if (spawnSync(pm, [arg], { stdio: 'ignore', timeout: 10_000 }).status === 0) out.push(name);
    }
  }
  return (powerManagement = out);
}
let powerManagement: string[] | undefined;

let generatedUuid: string | undefined;

/**
 * virGetHostUUID with host_uuid_source='smbios': the DMI product UUID, else
 * (as libvirt does when dmidecode cannot read it) a random UUID for the
 * life of the process.
 */
export function hostUuid(configured?: string): string {
  if (configured) return configured;
  for (const p of ['/sys/devices/virtual/dmi/id/product_uuid', '/sys/class/dmi/id/product_uuid']) {
    const u = read(p)?.trim().toLowerCase();
    if (u && /^[0-9a-f-]{36}$/.test(u) && !/^[0-]+$/.test(u.replace(/-/g, '0'))) return u;
  }
  return (generatedUuid ??= randomUUID());
}

/** /proc/cpuinfo's first processor entry as key → value. */
function procCpuinfo(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (read('/proc/cpuinfo') ?? '').split('\n')) {
    if (line.trim() === '') { if (Object.keys(out).length > 0) break; continue; }
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

const VENDORS: Readonly<Record<string, string>> = { GenuineIntel: 'Intel', AuthenticAMD: 'AMD', HygonGenuine: 'Hygon' };

/**
 * The parts of the host CPU tsvirt reads without libvirt's cpuid decoder:
 * vendor, signature, topology, maxphysaddr. `decoded` (model + features
 * from cpu_map) is merged in when available.
 */
export function hostCpu(decoded?: { model: string; features: string[] }): HostCpuModel {
  const info = procCpuinfo();
  const arch = hostArch();
  const x86 = arch === 'x86_64' || arch === 'i686';
  const bits = /(\d+) bits physical/.exec(info['address sizes'] ?? '')?.[1];
  const microcode = info['microcode'];
  return {
    ...(decoded ? { model: decoded.model } : {}),
    ...(x86 && info['vendor_id'] && VENDORS[info['vendor_id']] ? { vendor: VENDORS[info['vendor_id']] } : {}),
    ...(x86 && info['cpu family'] ? {
      signature: { family: Number(info['cpu family']), model: Number(info['model']), stepping: Number(info['stepping'] ?? 0) },
    } : {}),
    ...(x86 && microcode ? { microcode: Number.parseInt(microcode, microcode.startsWith('0x') ? 16 : 10) } : {}),
    topology: hostTopology(),
    ...(x86 && bits ? { maxPhysAddr: { mode: 'emulate' as const, bits: Number(bits) } } : {}),
    features: (decoded?.features ?? []).map((name) => ({ name })),
  };
}

/** The security models of the QEMU driver: the primary (e.g. `none`), then DAC with the qemu user's ids. */
export function qemuSecModels(o: { primary?: string; uid: number; gid: number }): SecModel[] {
  const label = `+${o.uid}:+${o.gid}`;
  const models: SecModel[] = [];
  if (o.primary && o.primary !== 'dac') models.push({ model: o.primary, doi: '0' });
  models.push({ model: 'dac', doi: '0', baselabels: [{ type: 'kvm', label }, { type: 'qemu', label }] });
  return models;
}

/** Reads the whole `<host>` from this machine. */
export function readHostInfo(o: { uuid?: string; secModels: SecModel[]; cpu?: HostCpuModel }): HostInfo {
  return {
    uuid: hostUuid(o.uuid),
    arch: hostArch(),
    cpu: o.cpu ?? probeHostCpu(),
    pageSizesKiB: hostPageSizes(),
    powerManagement: hostPowerManagement(),
    iommu: hostHasIOMMU(),
    cells: hostCells(),
    secModels: o.secModels,
  };
}

/** virArch word sizes (src/util/virarch.c). */
const WORDSIZE: Readonly<Record<string, number>> = {
  alpha: 64, armv6l: 32, armv7l: 32, armv7b: 32, aarch64: 64, cris: 32, i686: 32, ia64: 64, lm32: 32, m68k: 32,
  microblaze: 32, microblazeel: 32, mips: 32, mipsel: 32, mips64: 64, mips64el: 64, or32: 32, parisc: 32, parisc64: 64,
  ppc: 32, ppcle: 32, ppc64: 64, ppc64le: 64, ppcemb: 32, riscv32: 32, riscv64: 64, s390: 32, s390x: 64, sh4: 32,
  sh4eb: 32, sparc: 32, sparc64: 64, unicore32: 32, x86_64: 64, xtensa: 32, xtensaeb: 32,
};

/** A `<guest>`: the arch, its emulator and its probed capabilities. */
export interface GuestArch { arch: string; emulator: string; caps: QemuCaps }

/**
 * virQEMUCapsInit's loop: every arch whose default emulator exists and
 * probes (a binary that fails to probe is skipped, as libvirt skips it).
 */
export async function guestArches(load: (binary: string) => Promise<QemuCaps>, host = hostArch()): Promise<GuestArch[]> {
  const out: GuestArch[] = [];
  for (const arch of LIBVIRT_ARCHES) {
    const bin = findQemuBinary(arch, host);
    if (bin === undefined) continue;
    try {
      out.push({ arch, emulator: bin, caps: await load(bin) });
    } catch { /* virQEMUCapsInitGuest: "Ignore binary if extracting version info fails" */ }
  }
  return out;
}

/** virQEMUCapsGetMachineTypesCaps: aliases get `canonical`, and every canonical name has its own entry. */
function guestMachines(caps: QemuCaps): { name: string; canonical?: string; maxCpus: number; deprecated: boolean }[] {
  const accel = hasFlag(caps, 'kvm') ? accelOf(caps, 'kvm') : caps.accel.tcg;
  const list = accel.machines.map((m) => (m.alias !== undefined
    ? { name: m.alias, canonical: m.name, maxCpus: m.maxCpus, deprecated: m.deprecated }
    : { name: m.name, maxCpus: m.maxCpus, deprecated: m.deprecated }));
  for (let i = 0; i < list.length; i++) {
    const m = list[i]!;
    if (m.canonical === undefined) continue;
    if (!list.some((x) => x.name === m.canonical)) {
      list.splice(i, 0, { name: m.canonical, maxCpus: m.maxCpus, deprecated: m.deprecated });
      i++;
    }
  }
  return list;
}

function formatGuest(g: GuestArch): string {
  const { caps, arch } = g;
  let s = '  <guest>\n    <os_type>hvm</os_type>\n';
  s += `    <arch name='${arch}'>\n`;
  s += `      <wordsize>${WORDSIZE[arch] ?? 64}</wordsize>\n`;
  s += `      <emulator>${g.emulator}</emulator>\n`;
  for (const m of guestMachines(caps)) {
    s += `      <machine${m.canonical ? ` canonical='${m.canonical}'` : ''}${m.maxCpus > 0 ? ` maxCpus='${m.maxCpus}'` : ''}${m.deprecated ? " deprecated='yes'" : ''}>${m.name}</machine>\n`;
  }
  if (hasFlag(caps, 'tcg')) s += "      <domain type='qemu'/>\n";
  if (hasFlag(caps, 'kvm')) s += "      <domain type='kvm'/>\n";
  s += '    </arch>\n';
  // virCapsGuestFeatureInfos order: pae nonpae ia64_be acpi apic cpuselection deviceboot disksnapshot …
  const x86 = arch === 'x86_64' || arch === 'i686';
  s += '    <features>\n';
  if (arch === 'i686') s += '      <pae/>\n      <nonpae/>\n';
  if (x86 || arch === 'aarch64') s += "      <acpi default='on' toggle='yes'/>\n";
  if (x86) s += "      <apic default='on' toggle='no'/>\n";
  s += '      <cpuselection/>\n      <deviceboot/>\n';
  s += "      <disksnapshot default='on' toggle='no'/>\n";
  s += '    </features>\n';
  s += '  </guest>\n\n';
  return s;
}

function formatHost(h: HostInfo): string {
  let s = '  <host>\n';
  s += `    <uuid>${h.uuid}</uuid>\n`;
  s += '    <cpu>\n';
  s += `      <arch>${h.arch}</arch>\n`;
  s += formatCpuModelFeatures(h.cpu, '      ');
  for (const p of h.pageSizesKiB) s += `      <pages unit='KiB' size='${p}'/>\n`;
  s += '    </cpu>\n';
  if (h.powerManagement.length > 0) {
    s += `    <power_management>\n${h.powerManagement.map((p) => `      <${p}/>\n`).join('')}    </power_management>\n`;
  } else {
    s += '    <power_management/>\n';
  }
  s += `    <iommu support='${h.iommu ? 'yes' : 'no'}'/>\n`;
  s += '    <migration_features>\n      <live/>\n      <uri_transports>\n';
  s += '        <uri_transport>tcp</uri_transport>\n        <uri_transport>rdma</uri_transport>\n';
  s += '      </uri_transports>\n    </migration_features>\n';
  s += '    <topology>\n';
  s += `      <cells num='${h.cells.length}'>\n`;
  for (const c of h.cells) {
    s += `        <cell id='${c.id}'>\n`;
    if (c.memoryKiB) s += `          <memory unit='KiB'>${c.memoryKiB}</memory>\n`;
    for (const p of c.pages) s += `          <pages unit='KiB' size='${p.sizeKiB}'>${p.avail}</pages>\n`;
    if (c.distances.length > 0) {
      s += '          <distances>\n';
      for (const d of c.distances) s += `            <sibling id='${d.id}' value='${d.value}'/>\n`;
      s += '          </distances>\n';
    }
    s += `          <cpus num='${c.cpus.length}'>\n`;
    for (const cpu of c.cpus) {
      s += `            <cpu id='${cpu.id}' socket_id='${cpu.socketId}' die_id='${cpu.dieId}' core_id='${cpu.coreId}' siblings='${cpu.siblings}'/>\n`;
    }
    s += '          </cpus>\n';
    s += '        </cell>\n';
  }
  s += '      </cells>\n    </topology>\n';
  for (const m of h.secModels) {
    s += `    <secmodel>\n      <model>${m.model}</model>\n      <doi>${m.doi}</doi>\n`;
    for (const b of m.baselabels ?? []) s += `      <baselabel type='${b.type}'>${b.label}</baselabel>\n`;
    s += '    </secmodel>\n';
  }
  s += '  </host>\n\n';
  return s;
}

/** virCapabilitiesFormatXML of the QEMU driver's capabilities. */
export function formatCapabilities(host: HostInfo, guests: readonly GuestArch[]): string {
  return `<capabilities>\n\n${formatHost(host)}${guests.map(formatGuest).join('')}</capabilities>\n`;
}

/**
 * The host CPU as libvirt's virCPUProbeHost reports it: vendor, signature,
 * topology and maxphysaddr, plus the cpu_map model and extra features
 * decoded from the host's CPUID when libvirt's CPU map and
 * /dev/cpu/0/cpuid are available.
 */
export function probeHostCpu(mapDir?: string): HostCpuModel {
  // Once per map, as libvirt keeps the host CPU (virQEMUDriverGetHostCPU).
  const key = mapDir ?? '';
  let cpu = hostCpus.get(key);
  if (!cpu) hostCpus.set(key, cpu = probeHostCpuUncached(mapDir));
  return cpu;
}
const hostCpus = new Map<string, HostCpuModel>();

function probeHostCpuUncached(mapDir?: string): HostCpuModel {
  const arch = hostArch();
  if (arch !== 'x86_64' && arch !== 'i686') return hostCpu();
  const map = loadCpuMap(mapDir);
  const data = map && readHostCpuid(map);
  const dec = map && data ? decodeX86(map, data, { type: 'host' }) : undefined;
  return hostCpu(dec ? { model: dec.model, features: dec.features.map((f) => f.name) } : undefined);
}
