/**
 * QEMU capabilities: what a `qemu-system-*` binary can do, probed over QMP
 * the way libvirt 9.0 probes it (src/qemu/qemu_capabilities.c
 * `virQEMUCapsInitQMPMonitor`), and cached per binary.
 *
 * ```ts
 * const bin = findQemuBinary('x86_64');                       // /usr/bin/qemu-system-x86_64
 * const caps = await loadQemuCaps(bin!, { cacheDir: '/var/cache/tsvirt/qemu/capabilities' });
 * caps.version;                       // 7002022
 * caps.accel.tcg.machines[0].name;    // pc-i440fx-7.2 (the default first)
 * hasFlag(caps, 'vnc');               // libvirt's QEMU_CAPS_* names
 * ```
 *
 * The probe runs `BIN -S -no-user-config -nodefaults -nographic -machine
 * none,accel=kvm:tcg -qmp unix:SOCK,server=on,wait=off` (qemu_process.c
 * `qemuProcessQMPLaunch`; `accel=tcg` when /dev/kvm is not usable, which is
 * what libvirt's `kvm:tcg` falls back to anyway), then asks query-version,
 * query-target, query-qmp-schema, query-commands, query-kvm, qom-list-types,
 * query-machines, query-cpu-definitions, query-tpm-models/-types,
 * query-command-line-options, query-migrate-capabilities,
 * query-sev-capabilities, query-sgx-capabilities and
 * query-cpu-model-expansion, and kills the process. With KVM usable it
 * probes a second time with `accel=tcg` for the TCG machine and CPU lists,
 * as `virQEMUCapsInitQMP` does.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { findFileInPath, isExecutable } from '../../util/file-access.js';
import { fileURLToPath } from 'node:url';
import { QmpClient, QmpCommandError } from './qmp.js';

/** A machine type as libvirt keeps it (virQEMUCapsMachineType). */
export interface QemuMachine {
  readonly name: string;
  readonly alias?: string;
  readonly maxCpus: number;
  readonly hotplugCpus: boolean;
  readonly isDefault: boolean;
  readonly defaultCPU?: string;
  readonly defaultRAMid?: string;
  readonly numaMemSupported: boolean;
  readonly deprecated: boolean;
}

/** One entry of query-cpu-definitions. */
export interface QemuCpuModel {
  readonly name: string;
  readonly typename?: string;
  /** undefined when QEMU did not say (no `unavailable-features`). */
  readonly usable?: boolean;
  readonly blockers: readonly string[];
  readonly deprecated: boolean;
}

/** A query-cpu-model-expansion result: the model and its properties. */
export interface QemuCpuModelInfo {
  readonly name: string;
  readonly props: Readonly<Record<string, boolean | number | string>>;
  /** Per boolean property: true = migratable, false = only without migratable=off (libvirt's migratability check). */
  readonly migratable?: Readonly<Record<string, boolean>>;
}

/** What one accelerator offers (virQEMUCapsAccel). */
export interface QemuAccelCaps {
  /** Ordered as libvirt orders them: the preferred/default machine first. */
  readonly machines: readonly QemuMachine[];
  readonly cpuModels: readonly QemuCpuModel[];
  /** Expansion of `max` (TCG) or `host` (KVM), when QEMU has query-cpu-model-expansion. */
  readonly hostCpu?: QemuCpuModelInfo;
}

/** The probed capabilities of one binary. */
export interface QemuCaps {
  /** Format of this object; a cache in another format is re-probed. */
  readonly format: number;
  readonly emulator: string;
  /** The binary's ctime in seconds when probed (libvirt's `qemuctime`). */
  readonly ctime: number;
  /** mtime of QEMU's module dir when probed, if it exists (`qemumoddirmtime`). */
  readonly modDirMtime?: number;
  /** The tsvirt build that probed (libvirt's `selfvers` + `selfctime`). */
  readonly selfStamp: string;
  /** libvirt arch name (`x86_64`, `i686`, …). */
  readonly arch: string;
  /** major * 1,000,000 + minor * 1,000 + micro. */
  readonly version: number;
  readonly package: string;
  /** libvirt's QEMU_CAPS_* names (the subset tsvirt derives), sorted. */
  readonly flags: readonly string[];
  readonly accel: { readonly tcg: QemuAccelCaps; readonly kvm?: QemuAccelCaps };
  /** Hyper-V enlightenments QEMU expands (virQEMUCapsProbeHypervCapabilities), libvirt's names. */
  readonly hypervFeatures?: readonly string[];
  readonly migrationCapabilities: readonly string[];
  readonly sev?: Record<string, unknown>;
  readonly sgx?: Record<string, unknown>;
}

const FORMAT = 2;

/** QEMU_MODDIR of Debian's QEMU build (libvirt's meson option qemu_moddir). */
export const QEMU_MODDIR = '/usr/lib/x86_64-linux-gnu/qemu';

// ---- finding binaries -------------------------------------------------------

/** libvirt's arch names in virArch order (src/util/virarch.h), which is the order of <guest> in capabilities. */
export const LIBVIRT_ARCHES = [
  'alpha', 'armv6l', 'armv7l', 'armv7b', 'aarch64', 'cris', 'i686', 'ia64', 'lm32', 'm68k',
  'microblaze', 'microblazeel', 'mips', 'mipsel', 'mips64', 'mips64el', 'or32', 'parisc', 'parisc64',
  'ppc', 'ppcle', 'ppc64', 'ppc64le', 'ppcemb', 'riscv32', 'riscv64', 's390', 's390x', 'sh4', 'sh4eb',
  'sparc', 'sparc64', 'unicore32', 'x86_64', 'xtensa', 'xtensaeb',
] as const;

/** virQEMUCapsArchToString: the `qemu-system-%s` suffix for a libvirt arch. */
export function qemuArchName(arch: string): string {
  if (arch === 'i686') return 'i386';
  if (arch === 'armv6l' || arch === 'armv7l') return 'arm';
  return arch;
}

/** virQEMUCapsArchFromString: libvirt's arch for QEMU's target name (query-target). */
export function libvirtArchName(qemuArch: string): string {
  if (qemuArch === 'i386') return 'i686';
  if (qemuArch === 'arm') return 'armv7l';
  return qemuArch;
}

/** virQEMUCapsGuestIsNative. */
export function guestIsNative(host: string, guest: string): boolean {
  if (host === guest) return true;
  if (host === 'x86_64' && guest === 'i686') return true;
  if (host === 'aarch64' && guest === 'armv7l') return true;
  const ppc64 = (a: string) => a === 'ppc64' || a === 'ppc64le';
  return ppc64(host) && ppc64(guest);
}

/** The host's libvirt arch (virArchFromHost). */
export function hostArch(): string {
  switch (process.arch) {
    case 'x64': return 'x86_64';
    case 'ia32': return 'i686';
    case 'arm64': return 'aarch64';
    case 'arm': return 'armv7l';
    case 'ppc64': return 'ppc64le';
    case 's390x': return 's390x';
    case 'riscv64': return 'riscv64';
    default: return process.arch;
  }
}

/**
 * The emulator libvirt picks for a guest arch (virQEMUCapsGetDefaultEmulator):
 * `qemu-system-<arch>` in PATH, else the host's own binary for a native
 * guest (x86_64 runs i686), else `/usr/libexec/qemu-kvm` (RHEL) for a
 * native guest.
 */
export function findQemuBinary(guest: string, host = hostArch(), path = process.env['PATH'] ?? ''): string | undefined {
  // libvirtd's PATH always has the system dirs (virCommandAddEnvPassCommon);
  // keep them even when the caller's PATH is odd.
  const search = `${path}${delimiter}/usr/local/sbin${delimiter}/usr/local/bin${delimiter}/usr/sbin${delimiter}/usr/bin`;
  if (host === 'aarch64' && guest === 'armv7l') {
    const b = findFileInPath(`qemu-system-${qemuArchName(host)}`, search);
    if (b) return b;
  }
  const first = findFileInPath(`qemu-system-${qemuArchName(guest)}`, search);
  if (first) return first;
  let target = guestIsNative(host, guest) ? host : guest;
  if (target === 'ppc64le') target = 'ppc64';
  if (target !== guest) {
    const b = findFileInPath(`qemu-system-${qemuArchName(target)}`, search);
    if (b) return b;
  }
  if (guestIsNative(host, guest)) return findFileInPath('/usr/libexec/qemu-kvm');
  return undefined;
}

/**
 * Whether KVM is usable: /dev/kvm opens read-write (libvirt:
 * virQEMUCapsKVMUsable checks R_OK|W_OK as the QEMU user).
 */
export function isKvmUsable(device = '/dev/kvm'): boolean {
  try {
    closeSync(openSync(device, constants.O_RDWR));
    return true;
  } catch {
    return false;
  }
}

// ---- flags --------------------------------------------------------------------

/** qom-list-types names → libvirt flag (virQEMUCapsObjectTypes; the entries tsvirt uses). */
const OBJECT_TYPE_FLAGS: readonly (readonly [string, string])[] = [
  ['hda-duplex', 'hda-duplex'], ['hda-micro', 'hda-micro'], ['hda-output', 'hda-output'],
  ['ich9-intel-hda', 'ich9-intel-hda'], ['intel-hda', 'intel-hda'],
  ['piix3-usb-uhci', 'piix3-usb-uhci'], ['piix4-usb-uhci', 'piix4-usb-uhci'], ['usb-ehci', 'usb-ehci'],
  ['ich9-usb-ehci1', 'ich9-usb-ehci1'], ['vt82c686b-usb-uhci', 'vt82c686b-usb-uhci'], ['pci-ohci', 'pci-ohci'],
  ['nec-usb-xhci', 'nec-usb-xhci'], ['qemu-xhci', 'qemu-xhci'], ['usb-redir', 'usb-redir'], ['usb-hub', 'usb-hub'],
  ['ich9-ahci', 'ich9-ahci'], ['lsi53c895a', 'lsi'], ['virtio-scsi-pci', 'virtio-scsi-pci'],
  ['usb-storage', 'usb-storage'], ['usb-kbd', 'usb-kbd'], ['usb-mouse', 'usb-mouse'], ['usb-tablet', 'usb-tablet'],
  ['VGA', 'VGA'], ['cirrus-vga', 'cirrus-vga'], ['vmware-svga', 'vmware-svga'], ['qxl', 'qxl'], ['qxl-vga', 'device-qxl-vga'],
  ['virtio-gpu-pci', 'virtio-gpu'], ['virtio-gpu-device', 'virtio-gpu'], ['virtio-vga', 'virtio-vga'],
  ['bochs-display', 'bochs-display'], ['ramfb', 'ramfb'],
  ['virtio-rng-pci', 'virtio-rng'], ['virtio-rng-ccw', 'virtio-rng'], ['virtio-rng-device', 'virtio-rng'],
  ['rng-random', 'rng-random'], ['rng-egd', 'rng-egd'], ['rng-builtin', 'rng-builtin'],
  ['vfio-pci', 'vfio-pci'], ['virtio-net-pci', 'virtio-net'], ['e1000', 'e1000'], ['rtl8139', 'rtl8139'],
  ['virtio-balloon-pci', 'virtio-balloon'], ['pvpanic', 'pvpanic'], ['isa-serial', 'isa-serial'], ['pci-serial', 'pci-serial'],
  ['iothread', 'iothread'], ['memory-backend-ram', 'memory-backend-ram'], ['memory-backend-file', 'memory-backend-file'],
  ['memory-backend-memfd', 'memory-backend-memfd'], ['vmcoreinfo', 'vmcoreinfo'], ['vmgenid', 'vmgenid'],
  ['vhost-user-fs-device', 'vhost-user-fs'], ['vhost-vsock-device', 'vhost-vsock'], ['pcie-root-port', 'pcie-root-port'],
  ['pcie-pci-bridge', 'pcie-pci-bridge'], ['pci-bridge', 'pci-bridge'], ['i82801b11-bridge', 'dmi-to-pci-bridge'],
  ['ioh3420', 'ioh3420'], ['x3130-upstream', 'x3130-upstream'], ['xio3130-downstream', 'xio3130-downstream'],
  ['pxb', 'pxb'], ['pxb-pcie', 'pxb-pcie'], ['intel-iommu', 'intel-iommu'], ['virtio-iommu-pci', 'virtio-iommu-pci'],
  ['sev-guest', 'sev-guest'], ['sgx-epc', 'sgx-epc'], ['tpm-tis', 'tpm-tis'], ['tpm-crb', 'tpm-crb'],
  ['spapr-tpm-proxy', 'spapr-tpm-proxy'], ['tcg-accel', 'tcg'], ['secret', 'secret'], ['tls-creds-x509', 'tls-creds-x509'],
  ['virtio-serial-pci', 'virtio-serial'], ['virtconsole', 'virtconsole'], ['pc-dimm', 'pc-dimm'], ['nvdimm', 'nvdimm'],
  ['virtio-mmio', 'virtio-mmio'], ['virtio-keyboard-pci', 'virtio-keyboard'], ['virtio-mouse-pci', 'virtio-mouse'],
  ['virtio-tablet-pci', 'virtio-tablet'], ['ivshmem-plain', 'ivshmem-plain'], ['ivshmem-doorbell', 'ivshmem-doorbell'],
  ...[
    'virtio-blk-pci', 'virtio-net-pci', 'vhost-scsi-pci', 'virtio-rng-pci', 'virtio-9p-pci', 'virtio-balloon-pci',
    'vhost-vsock-pci', 'virtio-scsi-pci', 'virtio-serial-pci',
  ].flatMap((t) => [[`${t}-transitional`, 'virtio-pci-non-transitional'], [`${t}-non-transitional`, 'virtio-pci-non-transitional']] as const),
];

/** query-commands names → flag (virQEMUCapsCommands, plus the commands libvirt keys other flags on). */
const COMMAND_FLAGS: readonly (readonly [string, string])[] = [
  ['query-vnc', 'vnc'], ['rtc-reset-reinjection', 'rtc-reset-reinjection'],
  ['query-hotpluggable-cpus', 'query-hotpluggable-cpus'], ['query-cpu-model-expansion', 'query-cpu-model-expansion'],
  ['query-cpu-definitions', 'query-cpu-definitions'], ['query-cpu-model-baseline', 'query-cpu-model-baseline'],
  ['query-cpu-model-comparison', 'query-cpu-model-comparison'], ['block-export-add', 'block-export-add'],
  ['blockdev-reopen', 'blockdev-reopen'], ['set-action', 'set-action'], ['query-dirty-rate', 'query-dirty-rate'],
  ['sev-inject-launch-secret', 'sev-inject-launch-secret'], ['calc-dirty-rate', 'calc-dirty-rate'],
  ['query-stats', 'query-stats'], ['query-stats-schemas', 'query-stats-schemas'],
];

/** QAPI schema queries → flag (virQEMUCapsQMPSchemaQueries; the ones tsvirt uses). */
const SCHEMA_FLAGS: readonly (readonly [string, string])[] = [
  ['query-display-options/ret-type/+sdl', 'sdl'],
  ['query-display-options/ret-type/+egl-headless', 'egl-headless'],
  ['query-display-options/ret-type/+dbus', 'display-dbus'],
  ['migrate-set-parameters/arg-type/block-bitmap-mapping/bitmaps/transform', 'migration-param.block-bitmap-mapping'],
  ['query-hotpluggable-cpus/ret-type/props/die-id', 'smp-dies'],
  ['screendump/arg-type/device', 'screendump_device'],
  ['screendump/arg-type/format/^png', 'screenshot-format-png'],
  ['query-named-block-nodes/arg-type/flat', 'qmp-query-named-block-nodes-flat'],
  ['device_add/$json-cli-hotplug', 'device.json'],
  ['object-add/arg-type/qom-type/^secret', 'object.json'],
  ['netdev_add/arg-type/type/^dgram', 'netdev.json'],
  ['query-iothreads/ret-type/poll-max-ns', 'iothread.poll-max-ns'],
  ['chardev-add/arg-type/backend/+socket/data/reconnect', 'chardev-reconnect'],
];

/** query-command-line-options (option, param) → flag (virQEMUCapsCommandLine). */
const CMDLINE_FLAGS: readonly (readonly [string, string | undefined, string])[] = [
  ['fsdev', 'multidevs', 'fsdev.multidevs'], ['machine', 'hpet', 'machine.hpet'], ['sandbox', undefined, 'seccomp-sandbox'],
  ['spice', undefined, 'spice'], ['spice', 'gl', 'spice-gl'], ['spice', 'rendernode', 'spice-rendernode'],
  ['vnc', 'power-control', 'vnc-power-control'],
];

/** True if the capabilities have libvirt's flag `name` (e.g. 'vnc', 'tcg', 'kvm'). */
export function hasFlag(caps: QemuCaps, name: string): boolean {
  return caps.flags.includes(name);
}

// ---- the QAPI schema ------------------------------------------------------------

type SchemaEntry = Record<string, unknown> & { name: string; 'meta-type': string };

/**
 * virQEMUQAPISchemaPathExists, for the query forms tsvirt uses:
 * `command/arg-type|ret-type/member/+variant/^enumval/$feature`. Arrays are
 * flattened to their element type; alternates are tried member by member.
 */
export function schemaPathExists(query: string, schema: ReadonlyMap<string, SchemaEntry>): boolean {
  const parts = query.split('/');
  const head = schema.get(parts[0]!);
  if (head === undefined) return false;
  return walk(head, parts.slice(1), schema, 0);
}

function walk(entry: SchemaEntry, parts: string[], schema: ReadonlyMap<string, SchemaEntry>, depth: number): boolean {
  if (depth > 1000) return false;
  if (parts.length === 0) return true;
  const resolve = (t: unknown) => (typeof t === 'string' ? schema.get(t) : undefined);
  const meta = entry['meta-type'];
  if (meta === 'array') {
    const el = resolve(entry['element-type']);
    return el !== undefined && walk(el, parts, schema, depth + 1);
  }
  if (meta === 'alternate') {
    for (const m of (entry['members'] as { type: string }[] | undefined) ?? []) {
      const t = resolve(m.type);
      if (t && walk(t, parts, schema, depth + 1)) return true;
    }
    return false;
  }
  const [q, ...rest] = parts as [string, ...string[]];
  if (q.startsWith('^')) {
    const vals = (entry['values'] as string[] | undefined) ?? [];
    return meta === 'enum' && vals.includes(q.slice(1));
  }
  if (q.startsWith('$')) {
    return ((entry['features'] as string[] | undefined) ?? []).includes(q.slice(1));
  }
  if (meta === 'command' || meta === 'event') {
    const t = resolve(entry[q]);
    return t !== undefined && walk(t, rest, schema, depth + 1);
  }
  if (meta !== 'object') return false;
  if (q.startsWith('+')) {
    const v = ((entry['variants'] as { case: string; type: string }[] | undefined) ?? []).find((x) => x.case === q.slice(1));
    const t = v && resolve(v.type);
    return t !== undefined && walk(t, rest, schema, depth + 1);
  }
  const optional = q.startsWith('*');
  const name = optional ? q.slice(1) : q;
  const m = ((entry['members'] as { name: string; type: string; default?: unknown }[] | undefined) ?? []).find((x) => x.name === name);
  if (m === undefined || (optional && !('default' in m))) return false;
  const t = resolve(m.type);
  return t !== undefined && walk(t, rest, schema, depth + 1);
}

// ---- probing ------------------------------------------------------------------

export interface ProbeOptions {
  /** Force `accel=tcg` (default: `kvm:tcg` when /dev/kvm is usable). */
  onlyTcg?: boolean;
  /** Run QEMU as this uid/gid (libvirt runs the probe as the qemu.conf user). */
  uid?: number;
  gid?: number;
  /**
   * Runs QEMU through this argv prefix instead of spawn's uid/gid, which
   * drop supplementary groups (security-dac.ts QemuSecurity.spawnPrefix:
   * setpriv with the user's groups, so kvm membership counts).
   */
  argvPrefix?: string[];
  /** Whole-probe timeout (default 60 s; a cold probe takes ~1–10 s on a busy host). */
  timeoutMs?: number;
  /** /dev/kvm, for tests. */
  kvmDevice?: string;
}

/** hv-* property names QEMU uses → libvirt's names (virDomainHyperv). */
const HYPERV_NAMES = ['relaxed', 'vapic', 'spinlocks', 'vpindex', 'runtime', 'synic', 'stimer', 'reset',
  'vendor_id', 'frequencies', 'reenlightenment', 'tlbflush', 'ipi', 'evmcs', 'avic'];

interface RawMachine {
  name: string; alias?: string; 'is-default'?: boolean; 'cpu-max': number; 'hotpluggable-cpus': boolean;
  'numa-mem-supported'?: boolean; deprecated?: boolean; 'default-cpu-type'?: string; 'default-ram-id'?: string;
}

interface RawCpuDef {
  name: string; typename?: string; 'unavailable-features'?: string[]; deprecated?: boolean;
}

/** Runs one QEMU process and collects what libvirt's probe collects. */
async function probeOnce(binary: string, opts: ProbeOptions, accel: 'kvm:tcg' | 'tcg', tcgOnly: boolean): Promise<ProbeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-qemu-probe-'));
  const sock = join(dir, 'qmp.monitor');
  // QEMU, run as the qemu user, creates its monitor socket here (libvirt uses its libDir).
  if (opts.uid !== undefined || opts.gid !== undefined) chownSync(dir, opts.uid ?? -1, opts.gid ?? -1);
  const machine = `none,accel=${accel}`;
  const prefix = opts.argvPrefix ?? [];
  const argv = [...prefix, binary, '-S', '-no-user-config', '-nodefaults', '-nographic', '-machine', machine,
    '-qmp', `unix:${sock},server=on,wait=off`];
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(opts.uid !== undefined && prefix.length === 0 ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined && prefix.length === 0 ? { gid: opts.gid } : {}),
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: dir },
  });
  let stderr = '';
  child.stderr.on('data', (d) => { if (stderr.length < 65536) stderr += String(d); });
  let exited = false;
  const exit = new Promise<void>((r) => child.on('exit', () => { exited = true; r(); }));
  child.on('error', () => { exited = true; });
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let qmp: QmpClient | undefined;
  try {
    while (qmp === undefined) {
      if (exited) throw new Error(`Failed to start QEMU binary ${binary} for probing: ${stderr.trim() || 'unknown error'}`);
      if (Date.now() > deadline) throw new Error(`QEMU binary ${binary} made no QMP socket in time`);
      if (existsSync(sock)) {
        try {
          qmp = await QmpClient.connect(sock, { commandTimeoutMs: Math.max(1000, deadline - Date.now()) });
          break;
        } catch { /* not listening yet */ }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return await collect(qmp, tcgOnly);
  } finally {
    await qmp?.close().catch(() => undefined);
    if (!exited) child.kill('SIGKILL');
    await exit;
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ProbeResult {
  version: number; package: string; arch: string; flags: Set<string>;
  machines: QemuMachine[]; cpuModels: QemuCpuModel[]; hostCpu?: QemuCpuModelInfo;
  hypervFeatures?: string[]; migrationCapabilities: string[];
  sev?: Record<string, unknown>; sgx?: Record<string, unknown>;
}

/** Optional commands: a QMP error (e.g. no SEV here) is "not supported", not a failure. */
async function tryExecute<T>(qmp: QmpClient, cmd: string, args?: Record<string, unknown>): Promise<T | undefined> {
  try {
    return await qmp.execute<T>(cmd, args);
  } catch (e) {
    if (e instanceof QmpCommandError) return undefined;
    throw e;
  }
}

async function collect(qmp: QmpClient, tcgOnly: boolean): Promise<ProbeResult> {
  const flags = new Set<string>();
  const v = await qmp.execute<{ qemu: { major: number; minor: number; micro: number }; package: string }>('query-version');
  const version = v.qemu.major * 1_000_000 + v.qemu.minor * 1000 + v.qemu.micro;
  const target = await qmp.execute<{ arch: string }>('query-target');
  const arch = libvirtArchName(target.arch);
  const isX86 = arch === 'x86_64' || arch === 'i686';

  if (!tcgOnly) {
    const schemaList = await qmp.execute<SchemaEntry[]>('query-qmp-schema');
    const schema = new Map(schemaList.map((e) => [e.name, e]));
    for (const [q, f] of SCHEMA_FLAGS) if (schemaPathExists(q, schema)) flags.add(f);
    const commands = new Set((await qmp.execute<{ name: string }[]>('query-commands')).map((c) => c.name));
    for (const [c, f] of COMMAND_FLAGS) if (commands.has(c)) flags.add(f);
    const kvm = await qmp.execute<{ enabled: boolean; present: boolean }>('query-kvm');
    if (kvm.enabled && kvm.present) flags.add('kvm');
    const types = new Set((await qmp.execute<{ name: string }[]>('qom-list-types')).map((t) => t.name));
    for (const [t, f] of OBJECT_TYPE_FLAGS) if (types.has(t)) flags.add(f);
    // virQEMUCapsObjectPropsMaxCPU (only for the x86_64 type name, as libvirt's table has it).
    if (types.has('max-x86_64-cpu')) {
      const props = new Set((await qmp.execute<{ name: string }[]>('qom-list-properties', { typename: 'max-x86_64-cpu' })).map((p) => p.name));
      if (props.has('unavailable-features')) flags.add('cpu-unavailable-features');
      if (props.has('migratable')) flags.add('cpu.migratable');
    }
  }

  const rawMachines = await qmp.execute<RawMachine[]>('query-machines');
  const machines = orderMachines(rawMachines, arch);

  let cpuModels: QemuCpuModel[] = [];
  if (tcgOnly || flags.has('query-cpu-definitions')) {
    const defs = await qmp.execute<RawCpuDef[]>('query-cpu-definitions');
    cpuModels = defs.map((d) => ({
      name: d.name,
      ...(d.typename !== undefined ? { typename: d.typename } : {}),
      ...(d['unavailable-features'] !== undefined ? { usable: d['unavailable-features'].length === 0 } : {}),
      blockers: d['unavailable-features'] ?? [],
      deprecated: d.deprecated === true,
    }));
    if (!tcgOnly && cpuModels.some((c) => c.name === 'max')) flags.add('cpu-max');
  }

  const out: ProbeResult = { version, package: v.package, arch, flags, machines, cpuModels, migrationCapabilities: [] };

  if (!tcgOnly) {
    const tpmModels = (await tryExecute<string[]>(qmp, 'query-tpm-models')) ?? [];
    for (const [m, f] of [['tpm-tis', 'tpm-tis'], ['tpm-crb', 'tpm-crb'], ['tpm-spapr', 'tpm-spapr']] as const) {
      if (tpmModels.includes(m)) flags.add(f);
    }
    const tpmTypes = (await tryExecute<string[]>(qmp, 'query-tpm-types')) ?? [];
    if (tpmTypes.includes('passthrough')) flags.add('tpm-passthrough');
    if (tpmTypes.includes('emulator')) flags.add('tpm-emulator');
    const opts = await qmp.execute<{ option: string; parameters: { name: string }[] }[]>('query-command-line-options');
    for (const [o, p, f] of CMDLINE_FLAGS) {
      const e = opts.find((x) => x.option === o);
      if (e && (p === undefined || e.parameters.some((x) => x.name === p))) flags.add(f);
    }
    const mig = (await tryExecute<{ capability: string }[]>(qmp, 'query-migrate-capabilities')) ?? [];
    out.migrationCapabilities = mig.map((m) => m.capability);
    if (out.migrationCapabilities.includes('rdma-pin-all')) flags.add('migrate-rdma');
    const sev = await tryExecute<Record<string, unknown>>(qmp, 'query-sev-capabilities');
    if (sev) out.sev = sev;
    const sgx = await tryExecute<Record<string, unknown>>(qmp, 'query-sgx-capabilities');
    if (sgx) out.sgx = sgx;
    // virQEMUCapsInitProcessCaps / …Interlock.
    if (isX86 && flags.has('query-cpu-model-expansion')) flags.add('cpu-cache');
    if (flags.has('blockdev-reopen') && flags.has('migration-param.block-bitmap-mapping')) flags.add('incremental-backup');
  }

  if (tcgOnly || flags.has('query-cpu-model-expansion')) {
    const accelerated = flags.has('kvm') && !tcgOnly;
    const model = accelerated ? 'host' : 'max';
    // libvirt: x86 with canonical feature names (QEMU >= 4.1) uses a static expansion.
    const type = isX86 ? 'static' : 'full';
    const expand = (props?: Record<string, unknown>) => tryExecute<{ model: { name: string; props?: Record<string, boolean | number | string> } }>(
      qmp, 'query-cpu-model-expansion', { type, model: props ? { name: model, props } : { name: model } });
    const mig = await expand();
    if (mig) {
      const props = { ...(mig.model.props ?? {}) };
      const migratable: Record<string, boolean> = {};
      if (isX86) {
        // virQEMUCapsProbeQMPHostCPU: a second expansion with migratable=off
        // marks the features only a non-migratable CPU has.
        const nm = await expand({ migratable: false });
        for (const [k, val] of Object.entries(nm?.model.props ?? {})) {
          if (typeof props[k] !== 'boolean' || typeof val !== 'boolean') continue;
          if (props[k]) migratable[k] = true;
          else if (val) { props[k] = true; migratable[k] = false; }
        }
      }
      out.hostCpu = { name: mig.model.name, props, ...(isX86 ? { migratable } : {}) };
    }
    // libvirt 9.0 decides "accelerated" before it has seen tcg-accel, so its
    // type is VIR_DOMAIN_VIRT_NONE (not QEMU) on a TCG-only host and the
    // Hyper-V probe runs there too (virQEMUCapsInitQMPMonitor →
    // virQEMUCapsProbeQMPHostCPU): so it does here, in the first pass only.
    if (!tcgOnly && isX86) {
      const full = await tryExecute<{ model: { props?: Record<string, boolean | number | string> } }>(qmp,
        'query-cpu-model-expansion', { type: 'full', model: { name: model, props: { migratable: false, 'hv-passthrough': true } } });
      const hv: string[] = [];
      for (const [k, val] of Object.entries(full?.model.props ?? {})) {
        if (!k.startsWith('hv-')) continue;
        const n = k.slice(3);
        const name = HYPERV_NAMES.includes(n) ? n : n.replace(/-/g, '_');
        if (!HYPERV_NAMES.includes(name)) continue;
        if (val === true || (typeof val === 'number' && val > 0) || (typeof val === 'string')) hv.push(name);
      }
      if (hv.length > 0) out.hypervFeatures = HYPERV_NAMES.filter((n) => hv.includes(n));
    }
  }
  return out;
}

/** preferredMachines[] of qemu_capabilities.c for the arches tsvirt runs. */
const PREFERRED_MACHINE: Readonly<Record<string, string>> = { i686: 'pc', x86_64: 'pc' };

/**
 * virQEMUCapsProbeQMPMachineTypes: QEMU's order without `none`, then the
 * preferred machine (libvirt's historical default, `pc` on x86), else
 * QEMU's default, moved to the front.
 */
function orderMachines(raw: readonly RawMachine[], arch: string): QemuMachine[] {
  const list: QemuMachine[] = [];
  let preferred = -1;
  let def = -1;
  const want = PREFERRED_MACHINE[arch];
  for (const m of raw) {
    if (m.name === 'none') continue;
    list.push({
      name: m.name,
      ...(m.alias !== undefined ? { alias: m.alias } : {}),
      maxCpus: m['cpu-max'],
      hotplugCpus: m['hotpluggable-cpus'],
      isDefault: m['is-default'] === true,
      ...(m['default-cpu-type'] !== undefined ? { defaultCPU: m['default-cpu-type'] } : {}),
      ...(m['default-ram-id'] !== undefined ? { defaultRAMid: m['default-ram-id'] } : {}),
      numaMemSupported: m['numa-mem-supported'] === true,
      deprecated: m.deprecated === true,
    });
    if (want !== undefined && (m.alias === want || m.name === want)) preferred = list.length - 1;
    if (m['is-default']) def = list.length - 1;
  }
  if (preferred === -1) preferred = def;
  if (preferred > 0) list.unshift(...list.splice(preferred, 1));
  return list;
}

/** A stamp of this tsvirt build: a cache written by another build is re-probed (libvirt: selfctime + selfvers). */
export function selfStamp(): string {
  let ctime = 0;
  try { ctime = Math.floor(statSync(fileURLToPath(import.meta.url)).ctimeMs / 1000); } catch { /* bundled */ }
  return `tsvirt-caps-${FORMAT}:${ctime}`;
}

function ctimeOf(path: string): number {
  return Math.floor(statSync(path).ctimeMs / 1000);
}

function modDirMtime(): number | undefined {
  try { return Math.floor(statSync(QEMU_MODDIR).mtimeMs / 1000); } catch { return undefined; }
}

/**
 * Probes `binary` (virQEMUCapsNewForBinaryInternal): one run with
 * `accel=kvm:tcg` (or `tcg` when /dev/kvm is unusable), and a second,
 * TCG-only run when KVM was enabled in the first.
 */
export async function probeQemuCaps(binary: string, opts: ProbeOptions = {}): Promise<QemuCaps> {
  if (!isExecutable(binary)) throw new Error(`QEMU binary ${binary} is not executable`);
  const ctime = ctimeOf(binary);
  // libvirt always asks for kvm:tcg first; QEMU falls back to TCG (with a
  // warning on stderr) where /dev/kvm is missing.
  const first = await probeOnce(binary, opts, opts.onlyTcg ? 'tcg' : 'kvm:tcg', false);
  const hasKvm = first.flags.has('kvm');
  let tcg: QemuAccelCaps = { machines: first.machines, cpuModels: first.cpuModels, ...(first.hostCpu ? { hostCpu: first.hostCpu } : {}) };
  let kvm: QemuAccelCaps | undefined;
  if (hasKvm) {
    kvm = tcg;
    const second = await probeOnce(binary, opts, 'tcg', true);
    tcg = { machines: second.machines, cpuModels: second.cpuModels, ...(second.hostCpu ? { hostCpu: second.hostCpu } : {}) };
  }
  const mt = modDirMtime();
  return {
    format: FORMAT,
    emulator: binary,
    ctime,
    ...(mt !== undefined ? { modDirMtime: mt } : {}),
    selfStamp: selfStamp(),
    arch: first.arch,
    version: first.version,
    package: first.package,
    flags: [...first.flags].sort(),
    accel: { tcg, ...(kvm ? { kvm } : {}) },
    ...(first.hypervFeatures ? { hypervFeatures: first.hypervFeatures } : {}),
    migrationCapabilities: first.migrationCapabilities,
    ...(first.sev ? { sev: first.sev } : {}),
    ...(first.sgx ? { sgx: first.sgx } : {}),
  };
}

// ---- the cache ----------------------------------------------------------------

/**
 * The cache file of `binary` in `cacheDir`: `<sha256 hex of the path>.json`.
 *
 * libvirt keeps `/var/cache/libvirt/qemu/capabilities/<sha256>.xml` in its
 * own `<qemuCaps>` format (virQEMUCapsFormatCache), which is a dump of its
 * internal flag bitmap and CPU data structures. tsvirt caches its own
 * object as JSON under the same naming scheme in a tsvirt cache dir instead:
 * sharing libvirt's file would mean reproducing every one of libvirt's ~400
 * flags, and a stock libvirtd reading our file (or we theirs) would misread
 * a half-compatible dump. The `.json` suffix keeps both side by side.
 */
export function cacheFileFor(cacheDir: string, binary: string): string {
  return join(cacheDir, `${createHash('sha256').update(binary).digest('hex')}.json`);
}

/**
 * Whether a cached entry still describes `binary` (virQEMUCapsIsValid): same
 * binary ctime, same QEMU module dir mtime, same tsvirt build, and KVM
 * usable now exactly when it was when probed.
 */
export function isCacheValid(caps: QemuCaps, binary: string, opts: { kvmDevice?: string; host?: string } = {}): boolean {
  if (caps.format !== FORMAT || caps.emulator !== binary) return false;
  if (caps.selfStamp !== selfStamp()) return false;
  let ctime: number;
  try { ctime = ctimeOf(binary); } catch { return false; }
  if (ctime !== caps.ctime) return false;
  if (modDirMtime() !== caps.modDirMtime) return false;
  if (guestIsNative(opts.host ?? hostArch(), caps.arch)) {
    if (isKvmUsable(opts.kvmDevice) !== caps.flags.includes('kvm')) return false;
  }
  return true;
}

export interface LoadOptions extends ProbeOptions {
  /** Where cache files live; omitted = no cache. */
  cacheDir?: string;
}

const inflight = new Map<string, Promise<QemuCaps>>();

/**
 * The capabilities of `binary`: from the cache when valid, else probed and
 * written back (atomically, 0600 as libvirt's). Concurrent calls for one
 * binary share one probe.
 */
export function loadQemuCaps(binary: string, opts: LoadOptions = {}): Promise<QemuCaps> {
  const key = `${opts.cacheDir ?? ''}\0${binary}`;
  let p = inflight.get(key);
  if (p === undefined) {
    p = loadUncached(binary, opts).finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

async function loadUncached(binary: string, opts: LoadOptions): Promise<QemuCaps> {
  const file = opts.cacheDir === undefined ? undefined : cacheFileFor(opts.cacheDir, binary);
  if (file !== undefined) {
    try {
      const cached = JSON.parse(readFileSync(file, 'utf8')) as QemuCaps;
      if (isCacheValid(cached, binary, opts)) return cached;
    } catch { /* missing or unreadable: probe */ }
  }
  const caps = await probeQemuCaps(binary, opts);
  if (file !== undefined) {
    mkdirSync(opts.cacheDir!, { recursive: true, mode: 0o755 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(caps, null, 1)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  }
  return caps;
}
