/**
 * `domcapabilities` (virConnectGetDomainCapabilities) for the QEMU driver:
 * libvirt's virQEMUCapsCacheLookupDefault picks emulator, arch, virt type
 * and machine; virQEMUCapsFillDomainCaps fills the document from the probed
 * {@link QemuCaps}; virDomainCapsFormat (src/conf/domain_capabilities.c)
 * prints it. Enum values print in libvirt's enum order, whatever order
 * they were set in.
 */
import { existsSync, readdirSync } from 'node:fs';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { findFileInPath } from '../../util/file-access.js';
import { findQemuBinary, hasFlag, hostArch, LIBVIRT_ARCHES, type QemuCaps } from './capabilities.js';
import { firmwareDirs, firmwareSupport } from './firmware.js';
import { dataFromQemuProps, decodeX86, loadCpuMap, modelVendor, type X86Map } from '../../cpu/x86.js';
import { type HostCpuModel, formatCpuModelFeatures } from './host-cpu.js';

export interface DomainCapsRequest {
  emulatorbin?: string | null;
  arch?: string | null;
  machine?: string | null;
  virttype?: string | null;
}

/** What the driver resolved the request to. */
export interface ResolvedDomainCaps {
  readonly caps: QemuCaps;
  readonly arch: string;
  readonly virttype: 'qemu' | 'kvm';
  readonly machine: string;
}

/** virDomainVirtType names. */
const VIRT_TYPES = ['none', 'qemu', 'kqemu', 'kvm', 'xen', 'lxc', 'uml', 'openvz', 'test', 'vmware', 'hyperv', 'vbox',
  'phyp', 'parallels', 'bhyve', 'vz', 'hvf'];

function invalidArg(msg: string): VirtError {
  return new VirtError(ErrorCode.INVALID_ARG, `invalid argument: ${msg}`, ErrorDomain.QEMU);
}

function isX86(a: string): boolean { return a === 'x86_64' || a === 'i686'; }
function isPPC(a: string): boolean { return a.startsWith('ppc'); }
function isARM(a: string): boolean { return a === 'armv6l' || a === 'armv7l' || a === 'armv7b' || a === 'aarch64'; }
function isS390(a: string): boolean { return a === 's390' || a === 's390x'; }

/** virQEMUCapsIsArchSupported. */
function archSupported(caps: QemuCaps, arch: string): boolean {
  if (arch === caps.arch) return true;
  if (caps.arch === 'x86_64' && arch === 'i686') return true;
  if (caps.arch === 'aarch64' && arch === 'armv7l') return true;
  if (caps.arch === 'armv7l' && arch === 'armv6l') return true;
  if (caps.arch === 'ppc64' && arch === 'ppc64le') return true;
  return false;
}

/** virQEMUCapsGetVirtType. */
export function capsVirtType(caps: QemuCaps): 'kvm' | 'qemu' | 'none' {
  if (hasFlag(caps, 'kvm')) return 'kvm';
  if (hasFlag(caps, 'tcg')) return 'qemu';
  return 'none';
}

/** The machines of one accelerator (virQEMUCapsGetAccel). */
export function accelOf(caps: QemuCaps, virttype: string) {
  return virttype === 'kvm' && caps.accel.kvm ? caps.accel.kvm : caps.accel.tcg;
}

/** virQEMUCapsGetCanonicalMachine: an alias → its machine; anything else as is. */
export function canonicalMachine(caps: QemuCaps, virttype: string, name: string): string {
  return accelOf(caps, virttype).machines.find((m) => m.alias === name)?.name ?? name;
}

/**
 * virQEMUCapsCacheLookupDefault + the checks of
 * virQEMUDriverGetDomainCapabilities, with libvirt's errors.
 * `load` gives the capabilities of a binary (the driver's cache).
 */
export async function resolveDomainCaps(req: DomainCapsRequest, load: (binary: string) => Promise<QemuCaps>): Promise<ResolvedDomainCaps> {
  const host = hostArch();
  let want: string | undefined;
  if (req.virttype) {
    if (!VIRT_TYPES.includes(req.virttype)) throw invalidArg(`unknown virttype: ${req.virttype}`);
    want = req.virttype;
  }
  let arch = host;
  if (req.arch) {
    if (!(LIBVIRT_ARCHES as readonly string[]).includes(req.arch)) throw invalidArg(`unknown architecture: ${req.arch}`);
    arch = req.arch;
  }
  const binary = req.emulatorbin || findQemuBinary(arch, host);
  if (!binary) {
    throw new VirtError(ErrorCode.CONFIG_UNSUPPORTED,
      `unsupported configuration: unable to find any emulator to serve '${req.arch ?? '(null)'}' architecture`, ErrorDomain.QEMU);
  }
  const caps = await load(binary);
  const fromCaps = caps.arch;
  if (fromCaps !== arch && !((isX86(arch) && isX86(fromCaps)) || (isPPC(arch) && isPPC(fromCaps)) ||
    (isARM(arch) && isARM(fromCaps)) || (isS390(arch) && isS390(fromCaps)))) {
    throw invalidArg(`architecture from emulator '${fromCaps}' doesn't match given architecture '${arch}'`);
  }
  const capsType = capsVirtType(caps);
  const virttype = want ?? capsType;
  if (virttype !== 'qemu' && capsType === 'qemu') {
    throw invalidArg(`the accel '${virttype === 'kvm' ? 'kvm' : virttype}' is not supported by '${binary}' on this host`);
  }
  let machine: string;
  const accel = accelOf(caps, virttype);
  if (req.machine) {
    machine = canonicalMachine(caps, virttype, req.machine);
    if (!accel.machines.some((m) => m.name === machine)) {
      throw invalidArg(`the machine '${machine}' is not supported by emulator '${binary}'`);
    }
  } else {
    machine = accel.machines[0]?.name ?? '';
  }
  // virQEMUDriverGetDomainCapabilities.
  if (!archSupported(caps, arch)) throw invalidArg(`Emulator '${caps.emulator}' does not support arch '${arch}'`);
  if (virttype !== 'qemu' && virttype !== 'kvm') {
    throw invalidArg(`Emulator '${caps.emulator}' does not support virt type '${virttype}'`);
  }
  return { caps, arch, virttype, machine };
}

// ---- the enums, in libvirt's enum order ----------------------------------------

const DISK_DEVICE = ['disk', 'cdrom', 'floppy', 'lun'];
const DISK_BUS = ['none', 'ide', 'fdc', 'scsi', 'virtio', 'xen', 'usb', 'uml', 'sata', 'sd'];
const DISK_MODEL = ['default', 'virtio', 'virtio-transitional', 'virtio-non-transitional'];
const GRAPHICS_TYPE = ['sdl', 'vnc', 'rdp', 'desktop', 'spice', 'egl-headless', 'dbus'];
const VIDEO_TYPE = ['default', 'vga', 'cirrus', 'vmvga', 'xen', 'vbox', 'qxl', 'parallels', 'virtio', 'gop', 'none', 'bochs', 'ramfb'];
const STARTUP_POLICY = ['default', 'mandatory', 'requisite', 'optional'];
const HOSTDEV_SUBSYS = ['usb', 'pci', 'scsi', 'scsi_host', 'mdev'];
const PCI_BACKEND = ['default', 'kvm', 'vfio', 'xen'];
const RNG_MODEL = ['virtio', 'virtio-transitional', 'virtio-non-transitional'];
const RNG_BACKEND = ['random', 'egd', 'builtin'];
const FS_DRIVER = ['default', 'path', 'handle', 'loop', 'nbd', 'ploop', 'virtiofs'];
const TPM_MODEL = ['default', 'tpm-tis', 'tpm-crb', 'tpm-spapr', 'spapr-tpm-proxy'];
const TPM_BACKEND = ['passthrough', 'emulator', 'external'];
const CHR_TYPE = ['null', 'vc', 'pty', 'dev', 'file', 'pipe', 'stdio', 'udp', 'tcp', 'unix', 'spicevmc', 'spiceport', 'nmdm', 'qemu-vdagent', 'dbus'];
const MEMORY_SOURCE = ['none', 'file', 'anonymous', 'memfd'];
const HYPERV = ['relaxed', 'vapic', 'spinlocks', 'vpindex', 'runtime', 'synic', 'stimer', 'reset', 'vendor_id',
  'frequencies', 'reenlightenment', 'tlbflush', 'ipi', 'evmcs', 'avic'];

/** An enum: `<enum name='…'>` with the set values in the order of `all`. */
function enumXml(indent: string, name: string, all: readonly string[], set: Iterable<string>): string {
  const s = new Set(set);
  const vals = all.filter((v) => s.has(v));
  if (vals.length === 0) return `${indent}<enum name='${name}'/>\n`;
  return `${indent}<enum name='${name}'>\n${vals.map((v) => `${indent}  <value>${v}</value>\n`).join('')}${indent}</enum>\n`;
}

function i440fx(machine: string): boolean {
  return machine === 'pc' || machine.startsWith('pc-0.') || machine.startsWith('pc-1.') || machine.startsWith('pc-i440fx-') || machine.startsWith('rhel');
}

/** qemuDomainMachineHasBuiltinIDE. */
function hasBuiltinIDE(machine: string, arch: string): boolean {
  return (isX86(arch) && i440fx(machine)) || machine === 'malta' || machine === 'sun4u' || machine === 'g3beige';
}

/** virHostHasIOMMU: /sys/kernel/iommu_groups has an entry. */
export function hostHasIOMMU(): boolean {
  try { return readdirSync('/sys/kernel/iommu_groups').length > 0; } catch { return false; }
}

/** virTPMHasSwtpm: swtpm, swtpm_setup and swtpm_ioctl are all in PATH. */
function hasSwtpm(): boolean {
  return ['swtpm', 'swtpm_setup', 'swtpm_ioctl'].every((b) => findFileInPath(b) !== undefined);
}

export interface DomainCapsOptions {
  /**
   * The host-model CPU to report (virQEMUCapsGetHostModel …REPORTED), or
   * undefined for `<mode name='host-model' supported='no'/>`.
   */
  hostModel?: HostCpuModel;
  /** Model names the host's CPU driver knows (cpu_map), for the custom list; undefined = all QEMU's models. */
  knownModels?: ReadonlySet<string>;
  /** Vendor of a cpu_map model (virCPUGetVendorForModel). */
  modelVendor?: (model: string) => string | undefined;
  /** Firmware auto-selection results (qemuFirmwareGetSupported). */
  firmware?: { auto: ('bios' | 'efi')[]; loaders: string[]; secure: boolean };
}

/** virDomainCapsFormat of virQEMUCapsFillDomainCaps. */
export function formatDomainCapabilities(r: ResolvedDomainCaps, opts: DomainCapsOptions = {}): string {
  const { caps, arch, virttype, machine } = r;
  const f = (n: string) => hasFlag(caps, n);
  const accel = accelOf(caps, virttype);
  const mach = accel.machines.find((m) => m.name === machine);
  let s = '<domainCapabilities>\n';
  s += `  <path>${escapeXml(caps.emulator)}</path>\n`;
  s += `  <domain>${virttype}</domain>\n`;
  if (machine) s += `  <machine>${machine}</machine>\n`;
  s += `  <arch>${arch}</arch>\n`;
  // KVM caps the count at the host's KVM_CAP_MAX_VCPUS; tsvirt has no ioctl, so it keeps the machine's.
  if (mach && mach.maxCpus) s += `  <vcpu max='${mach.maxCpus}'/>\n`;
  s += `  <iothreads supported='${f('iothread') ? 'yes' : 'no'}'/>\n`;

  // <os>
  const fw = opts.firmware ?? { auto: [], loaders: [], secure: false };
  s += "  <os supported='yes'>\n";
  s += enumXml('    ', 'firmware', ['bios', 'efi'], fw.auto);
  s += "    <loader supported='yes'>\n";
  // virQEMUCapsFillDomainLoaderCaps: existing images, each once.
  for (const l of [...new Set(fw.loaders)]) if (existsSync(l)) s += `      <value>${escapeXml(l)}</value>\n`;
  s += enumXml('      ', 'type', ['rom', 'pflash'], ['rom', 'pflash']);
  s += enumXml('      ', 'readonly', ['yes', 'no'], ['yes', 'no']);
  s += enumXml('      ', 'secure', ['yes', 'no'], fw.secure ? ['yes', 'no'] : ['no']);
  s += '    </loader>\n';
  s += '  </os>\n';

  // <cpu>
  s += '  <cpu>\n';
  const accelerated = virttype !== 'qemu';
  if (accelerated && guestNative(hostArch(), caps.arch)) {
    s += "    <mode name='host-passthrough' supported='yes'>\n";
    s += enumXml('      ', 'hostPassthroughMigratable', ['on', 'off'], f('cpu.migratable') ? ['on', 'off'] : ['off']);
    s += '    </mode>\n';
  } else {
    s += "    <mode name='host-passthrough' supported='no'/>\n";
  }
  if (f('cpu-max')) {
    s += "    <mode name='maximum' supported='yes'>\n";
    s += enumXml('      ', 'maximumMigratable', ['on', 'off'], ['on', 'off']);
    s += '    </mode>\n';
  } else {
    s += "    <mode name='maximum' supported='no'/>\n";
  }
  if (opts.hostModel) {
    s += "    <mode name='host-model' supported='yes'>\n";
    s += formatCpuModelFeatures(opts.hostModel, '      ');
    s += '    </mode>\n';
  } else {
    s += "    <mode name='host-model' supported='no'/>\n";
  }
  const custom = accel.cpuModels.filter((m) => m.name !== 'host' && (opts.knownModels ? opts.knownModels.has(m.name) : true));
  if (custom.length > 0) {
    s += "    <mode name='custom' supported='yes'>\n";
    for (const m of custom) {
      const usable = m.usable === undefined ? 'unknown' : m.usable ? 'yes' : 'no';
      const vendor = opts.modelVendor?.(m.name);
      s += `      <model usable='${usable}'${m.deprecated ? " deprecated='yes'" : ''} vendor='${vendor ?? 'unknown'}'>${m.name}</model>\n`;
    }
    s += '    </mode>\n';
  } else {
    s += "    <mode name='custom' supported='no'/>\n";
  }
  s += '  </cpu>\n';

  // <memoryBacking>
  s += "  <memoryBacking supported='yes'>\n";
  s += enumXml('    ', 'sourceType', MEMORY_SOURCE, ['file', 'anonymous', ...(f('memory-backend-memfd') ? ['memfd'] : [])]);
  s += '  </memoryBacking>\n';

  s += '  <devices>\n';
  const pseries = arch.startsWith('ppc64') && machine.startsWith('pseries');
  const diskBus = ['scsi', 'virtio'];
  if (!pseries) diskBus.push('fdc');
  if (hasBuiltinIDE(machine, arch)) diskBus.push('ide');
  if (f('usb-storage')) diskBus.push('usb');
  if (f('ich9-ahci')) diskBus.push('sata');
  s += "    <disk supported='yes'>\n";
  s += enumXml('      ', 'diskDevice', DISK_DEVICE, ['disk', 'cdrom', 'lun', ...(pseries ? [] : ['floppy'])]);
  s += enumXml('      ', 'bus', DISK_BUS, diskBus);
  s += enumXml('      ', 'model', DISK_MODEL, ['virtio', ...(f('virtio-pci-non-transitional') ? ['virtio-transitional', 'virtio-non-transitional'] : [])]);
  s += '    </disk>\n';

  const gfx: string[] = [];
  if (f('sdl')) gfx.push('sdl');
  if (f('vnc')) gfx.push('vnc');
  if (f('spice')) gfx.push('spice');
  if (f('egl-headless')) gfx.push('egl-headless');
  if (f('display-dbus')) gfx.push('dbus');
  s += "    <graphics supported='yes'>\n" + enumXml('      ', 'type', GRAPHICS_TYPE, gfx) + '    </graphics>\n';

  const video = ['none'];
  for (const [flag, v] of [['VGA', 'vga'], ['cirrus-vga', 'cirrus'], ['vmware-svga', 'vmvga'], ['qxl', 'qxl'],
    ['virtio-gpu', 'virtio'], ['bochs-display', 'bochs'], ['ramfb', 'ramfb']] as const) if (f(flag)) video.push(v);
  s += "    <video supported='yes'>\n" + enumXml('      ', 'modelType', VIDEO_TYPE, video) + '    </video>\n';

  const subsys = ['pci', 'scsi'];
  if (['piix3-usb-uhci', 'piix4-usb-uhci', 'usb-ehci', 'ich9-usb-ehci1', 'vt82c686b-usb-uhci', 'pci-ohci', 'nec-usb-xhci', 'qemu-xhci'].some(f)) subsys.push('usb');
  const vfio = hostHasIOMMU() && existsSync('/dev/vfio/vfio') && f('vfio-pci');
  s += "    <hostdev supported='yes'>\n";
  s += enumXml('      ', 'mode', ['subsystem', 'capabilities'], ['subsystem']);
  s += enumXml('      ', 'startupPolicy', STARTUP_POLICY, ['default', 'mandatory', 'requisite', 'optional']);
  s += enumXml('      ', 'subsysType', HOSTDEV_SUBSYS, subsys);
  s += enumXml('      ', 'capsType', ['storage', 'misc', 'net'], []);
  s += enumXml('      ', 'pciBackend', PCI_BACKEND, vfio ? ['default', 'vfio'] : []);
  s += '    </hostdev>\n';

  const rngModel = f('virtio-rng') ? ['virtio', ...(f('virtio-pci-non-transitional') ? ['virtio-transitional', 'virtio-non-transitional'] : [])] : [];
  const rngBackend = [['rng-egd', 'egd'], ['rng-random', 'random'], ['rng-builtin', 'builtin']].filter(([fl]) => f(fl!)).map(([, v]) => v!);
  s += "    <rng supported='yes'>\n" + enumXml('      ', 'model', RNG_MODEL, rngModel) + enumXml('      ', 'backendModel', RNG_BACKEND, rngBackend) + '    </rng>\n';

  s += "    <filesystem supported='yes'>\n" + enumXml('      ', 'driverType', FS_DRIVER, ['path', 'handle', ...(f('vhost-user-fs') ? ['virtiofs'] : [])]) + '    </filesystem>\n';

  const tpmModel = [['tpm-tis', 'tpm-tis'], ['tpm-crb', 'tpm-crb'], ['tpm-spapr', 'tpm-spapr'], ['spapr-tpm-proxy', 'spapr-tpm-proxy']]
    .filter(([fl]) => f(fl!)).map(([, v]) => v!);
  const tpmBackend = f('tpm-passthrough') ? ['passthrough'] : [];
  if (hasSwtpm() && f('tpm-emulator')) tpmBackend.push('emulator', 'external');
  if (tpmModel.length > 0) {
    // backendVersion needs `swtpm_setup --print-capabilities`; only reported with swtpm.
    s += "    <tpm supported='yes'>\n" + enumXml('      ', 'model', TPM_MODEL, tpmModel) + enumXml('      ', 'backendModel', TPM_BACKEND, tpmBackend) + '    </tpm>\n';
  } else {
    s += "    <tpm supported='no'/>\n";
  }

  if (f('usb-redir')) s += "    <redirdev supported='yes'>\n" + enumXml('      ', 'bus', ['usb'], ['usb']) + '    </redirdev>\n';
  else s += "    <redirdev supported='no'/>\n";

  s += "    <channel supported='yes'>\n" + enumXml('      ', 'type', CHR_TYPE, ['pty', 'unix', ...(f('spice') ? ['spicevmc'] : [])]) + '    </channel>\n';
  s += '  </devices>\n';

  // <features>: gic, then the simple ones in virDomainCapsFeature order, sev, sgx, hyperv.
  s += '  <features>\n';
  s += "    <gic supported='no'/>\n";
  s += `    <vmcoreinfo supported='${f('vmcoreinfo') ? 'yes' : 'no'}'/>\n`;
  s += `    <genid supported='${f('vmgenid') ? 'yes' : 'no'}'/>\n`;
  s += "    <backingStoreInput supported='yes'/>\n";
  s += `    <backup supported='${f('incremental-backup') ? 'yes' : 'no'}'/>\n`;
  if (isS390(caps.arch)) s += "    <s390-pv supported='no'/>\n";
  // SEV needs KVM with SEV enabled; QEMU answers query-sev-capabilities only then.
  if (caps.sev && accelerated) {
    s += "    <sev supported='yes'>\n";
    s += `      <cbitpos>${Number(caps.sev['cbitpos'])}</cbitpos>\n`;
    s += `      <reducedPhysBits>${Number(caps.sev['reduced-phys-bits'])}</reducedPhysBits>\n`;
    s += '    </sev>\n';
  } else {
    s += "    <sev supported='no'/>\n";
  }
  s += "    <sgx supported='no'/>\n";
  if (caps.hypervFeatures) {
    s += "    <hyperv supported='yes'>\n" + enumXml('      ', 'features', HYPERV, caps.hypervFeatures) + '    </hyperv>\n';
  }
  s += '  </features>\n';
  s += '</domainCapabilities>\n';
  return s;
}

function guestNative(host: string, guest: string): boolean {
  return host === guest || (host === 'x86_64' && guest === 'i686') || (host === 'aarch64' && guest === 'armv7l') ||
    (host.startsWith('ppc64') && guest.startsWith('ppc64'));
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

/**
 * The host-model CPU of domcapabilities (virQEMUCapsInitHostCPUModel →
 * virQEMUCapsInitCPUModelX86): QEMU's expansion of `max`/`host` decoded
 * against the cpu_map models QEMU offers, `fallback='forbid'`. Undefined
 * when the arch is not native, QEMU gave no expansion, or there is no map.
 */
export function hostModelCpu(r: ResolvedDomainCaps, map: X86Map | undefined): HostCpuModel | undefined {
  const { caps, virttype } = r;
  if (!map || !guestNative(hostArch(), caps.arch) || !isX86(caps.arch)) return undefined;
  const accel = accelOf(caps, virttype);
  if (!accel.hostCpu) return undefined;
  const data = dataFromQemuProps(map, accel.hostCpu.props);
  const dec = decodeX86(map, data, { type: 'guest', models: accel.cpuModels });
  if (!dec) return undefined;
  return { model: dec.model, fallback: 'forbid', ...(dec.vendor ? { vendor: dec.vendor } : {}), features: dec.features };
}

/** domcapabilities for a resolved request, with the host-model CPU and cpu_map's model list and vendors. */
export function domainCapabilitiesXml(r: ResolvedDomainCaps, mapDir?: string,
  o: { privileged?: boolean; firmwareDirs?: readonly string[] } = {}): string {
  const map = isX86(r.caps.arch) ? loadCpuMap(mapDir) : undefined;
  const hm = hostModelCpu(r, map);
  const dirs = o.firmwareDirs ?? firmwareDirs(o.privileged ?? process.getuid?.() === 0);
  return formatDomainCapabilities(r, {
    firmware: firmwareSupport(r.machine, r.arch, dirs),
    ...(hm ? { hostModel: hm } : {}),
    ...(map ? { knownModels: new Set(map.models.map((m) => m.name)), modelVendor: (n: string) => modelVendor(map, n) } : {}),
  });
}
