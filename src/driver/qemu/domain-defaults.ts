/**
 * The defaults libvirt's QEMU driver adds to a parsed domain definition, on
 * top of the generic ones the domain model applies (see
 * ../test/domain-devices.ts): the machine type and emulator of the host's
 * QEMU, the implicit controllers and devices (qemu_domain.c
 * qemuDomainDefPostParse / qemuDomainDefAddDefaultDevices), device aliases
 * (qemu_alias.c qemuAssignDeviceAliases) and PCI addresses, including the
 * pcie-root-ports a q35 machine gets (qemu_domain_address.c
 * qemuDomainAssignPCIAddresses). The result carries `<alias name=…/>` and
 * `<address type='pci' …/>` elements as libvirt's live XML does, so the
 * command line builder (command.ts) and a dumpxml can both read it.
 *
 * Facts: libvirt 9.0 with QEMU 7.2 on x86_64, as probed on Debian 12
 * (/work/shared/reference/qemu-driver.md §2).
 */
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { parseXml } from '../../util/xml.js';
import { parseDomainXml, type DomainDef } from '../../conf/domain-def.js';
import type { DeviceContext, DomainXMLOption } from '../../conf/domain-xml-option.js';
import { DEVICE_ORDER, diskNameToIndex, type Device } from '../../conf/domain-devices.js';
import { getAttr, hasAttr, kid, kids, node, setAttr, type XNode } from '../../conf/domain-xml.js';

/** What the command line and the defaults assume about the QEMU binary (its capabilities). */
export interface QemuHostCaps {
  /** The emulator used when `<emulator>` is absent. */
  emulator: string;
  /** Machine aliases (query-machines `alias`) to their versioned names. */
  machineAliases: Readonly<Record<string, string>>;
  /** The machine used when `<type machine>` is absent (the one marked default). */
  defaultMachine: string;
  /** The default CPU model of every machine here (defaultCPU qemu64-x86_64-cpu). */
  defaultCpu: string;
  /** The default RAM backend id (defaultRAMid). */
  defaultRamId: string;
}

/** QEMU 7.2 (Debian 12's qemu-system-x86_64) as libvirt 9.0 probed it. */
export const QEMU_7_2_X86_64: QemuHostCaps = {
  emulator: '/usr/bin/qemu-system-x86_64',
  machineAliases: { pc: 'pc-i440fx-7.2', q35: 'pc-q35-7.2' },
  defaultMachine: 'pc-i440fx-7.2',
  defaultCpu: 'qemu64',
  defaultRamId: 'pc.ram',
};

const QEMU = ErrorDomain.QEMU;

function unsupported(msg: string): VirtError {
  return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU, msg);
}

/** True for the q35 machine family. */
export function isQ35(machine: string): boolean {
  return machine === 'q35' || machine.startsWith('pc-q35');
}

/** The `<os><type machine>` of a definition. */
export function machineOf(def: DomainDef): string {
  return getAttr(kid(def.os, 'type'), 'machine') ?? '';
}

/** Devices of one kind, in definition order. */
export function devicesOf(def: DomainDef, kind: string): XNode[] {
  return def.devices.list.filter((d) => d.kind === kind).map((d) => d.node);
}

/** The `<alias name>` of a device after {@link applyQemuDefaults}. */
export function aliasOf(n: XNode): string {
  return getAttr(kid(n, 'alias'), 'name') ?? '';
}

function setAlias(n: XNode, name: string): void {
  let a = kid(n, 'alias');
  if (!a) {
    a = node('alias');
    // libvirt writes <alias> right before <address>.
    const at = n.children.findIndex((c) => c.name === 'address');
    if (at < 0) n.children.push(a);
    else n.children.splice(at, 0, a);
  }
  setAttr(a, 'name', name);
}

/** Options for {@link parseQemuDomainXml}. */
export interface QemuParseOptions {
  caps?: QemuHostCaps;
}

/**
 * The QEMU driver's XML options (its virDomainXMLOption): the host's arch
 * when none is written, qemuDomainDefaultVideoDevice's choice (VGA on
 * ppc64, virtio on ARM/RISC-V virt and s390, else cirrus, which QEMU 7.2
 * has) and qemuDomainChrDefPostParse's console target (sclp on s390, else
 * serial). The rest of the defaults are applied by applyQemuDefaults.
 */
export const qemuXMLOption: DomainXMLOption = {
  name: 'QEMU',
  defaultArch: () => 'x86_64',
  videoDefaultModel(ctx: DeviceContext): string {
    if (ctx.arch === 'ppc64' || ctx.arch === 'ppc64le') return 'vga';
    if (ctx.arch === 's390' || ctx.arch === 's390x' || ctx.arch === 'aarch64' || ctx.arch.startsWith('riscv')) return 'virtio';
    return 'cirrus';
  },
  consoleDefaultTargetType: (ctx: DeviceContext) => (ctx.arch === 's390' || ctx.arch === 's390x' ? 'sclp' : 'serial'),
};

/**
 * Parses a domain XML document and applies the QEMU driver's defaults
 * (virDomainDefParseString with the QEMU driver's parser config).
 */
export function parseQemuDomainXml(xml: string, opts: QemuParseOptions = {}): DomainDef {
  const def = parseDomainXml(xml, qemuXMLOption);
  // The generic model appends the controllers it implies (disk buses,
  // virtio-serial) after the written ones; the QEMU driver's own (USB, the
  // q35 SATA, the PCI root) go between the two, as libvirt adds them first.
  const root = parseXml(xml, '(domain_definition)', ErrorDomain.DOMAIN);
  const written = new Set<string>();
  for (const d of root.children) {
    if (d.name !== 'devices') continue;
    for (const c of d.children) if (c.name === 'controller') written.add(c.attrs['type'] ?? 'ide');
  }
  // Without an arch the QEMU driver picks the host's (virCapabilitiesDomainDataLookup),
  // where the generic model assumes i686.
  const osEl = root.children.find((c) => c.name === 'os');
  const typeEl = osEl?.children.find((c) => c.name === 'type');
  if (typeEl && typeEl.attrs['arch'] === undefined) {
    def.arch = 'x86_64';
    setAttr(kid(def.os, 'type')!, 'arch', 'x86_64');
  }
  applyQemuDefaults(def, { caps: opts.caps, writtenControllerTypes: written });
  return def;
}

/** Options for {@link applyQemuDefaults}. */
export interface QemuDefaultsOptions {
  caps?: QemuHostCaps;
  /**
   * Controller types the document itself wrote; the QEMU driver's implicit
   * controllers go after those and before the generic implied ones.
   */
  writtenControllerTypes?: ReadonlySet<string>;
  /**
   * Assign device aliases (default true). A definition being defined gets
   * every default but those: libvirt names devices only when they run.
   */
  aliases?: boolean;
}

/**
 * qemuDomainDefPostParse + qemuDomainAssignAddresses + qemuAssignDeviceAliases
 * on a definition from the generic parser. Mutates `def`.
 */
export function applyQemuDefaults(def: DomainDef, opts: QemuDefaultsOptions = {}): void {
  const caps = opts.caps ?? QEMU_7_2_X86_64;
  if (def.arch !== 'x86_64') throw unsupported(`this QEMU driver supports only x86_64 guests, not '${def.arch}'`);
  const typeEl = kid(def.os, 'type')!;
  const machine = getAttr(typeEl, 'machine');
  const full = machine === undefined ? caps.defaultMachine : (caps.machineAliases[machine] ?? machine);
  setAttr(typeEl, 'machine', full);
  if (def.devices.emulator === undefined) def.devices.emulator = caps.emulator;
  addDefaultDevices(def, isQ35(full), opts.writtenControllerTypes);
  if (opts.aliases ?? true) assignAliases(def, isQ35(full));
  assignPciAddresses(def, isQ35(full));
  assignOtherAddresses(def);
}

// ---- implicit devices ----------------------------------------------------------

function controllerNodes(def: DomainDef): Device[] {
  return def.devices.list.filter((d) => d.kind === 'controller');
}

/**
 * qemuDomainDefAddDefaultDevices for pc and q35 (USB controller, the q35
 * SATA, the PCI root), the default balloon, PS/2 inputs and audio, the
 * default CPU, serial target models. Controllers end up as libvirt lists
 * them: the written ones, then the QEMU driver's defaults, then the ones
 * the generic code implies (disk buses, virtio-serial).
 */
function addDefaultDevices(def: DomainDef, q35: boolean, written?: ReadonlySet<string>): void {
  const list = def.devices.list;
  const all = controllerNodes(def);
  const isWritten = (d: Device) => written === undefined || written.has(getAttr(d.node, 'type') ?? '');
  const find = (type: string, idx: string) => all.find((c) => getAttr(c.node, 'type') === type && getAttr(c.node, 'index') === idx);
  const defaults: Device[] = [];
  const takeOrAdd = (type: string, idx: string, make: () => XNode, fix?: (n: XNode) => void) => {
    const found = find(type, idx);
    if (found && isWritten(found)) {
      fix?.(found.node);
      return;
    }
    if (found) {
      fix?.(found.node);
      defaults.push(found);
    } else {
      defaults.push({ kind: 'controller', node: make() });
    }
  };
  const usbModel = q35 ? 'qemu-xhci' : 'piix3-uhci';
  if (!all.some((c) => getAttr(c.node, 'type') === 'usb')) {
    // virDomainDefAddUSBController: piix3-uhci on pc, qemu-xhci on q35.
    defaults.push({ kind: 'controller', node: node('controller', [['type', 'usb'], ['index', 0], ['model', usbModel]]) });
  } else {
    for (const c of all) {
      if (getAttr(c.node, 'type') === 'usb' && !hasAttr(c.node, 'model')) setAttr(c.node, 'model', usbModel);
    }
  }
  if (q35) takeOrAdd('sata', '0', () => node('controller', [['type', 'sata'], ['index', 0]]));
  takeOrAdd('pci', '0', () => node('controller', [['type', 'pci'], ['index', 0], ['model', q35 ? 'pcie-root' : 'pci-root']]),
    (n) => { if (!hasAttr(n, 'model')) setAttr(n, 'model', q35 ? 'pcie-root' : 'pci-root'); });
  const ordered = [
    ...all.filter(isWritten),
    ...defaults,
    ...all.filter((d) => !isWritten(d) && !defaults.includes(d)),
  ];
  const first = list.findIndex((d) => d.kind === 'controller');
  const rest = list.filter((d) => d.kind !== 'controller');
  const at = first >= 0 ? first : rest.findIndex((d) => d.kind !== 'disk');
  list.length = 0;
  list.push(...rest);
  list.splice(at < 0 ? list.length : at, 0, ...ordered);

  const insertBefore = (kinds: readonly string[], dev: Device) => {
    const i = list.findIndex((d) => kinds.includes(d.kind));
    if (i < 0) list.push(dev);
    else list.splice(i, 0, dev);
  };
  const after = (kind: string) => DEVICE_ORDER.slice(DEVICE_ORDER.indexOf(kind as typeof DEVICE_ORDER[number]) + 1);
  // qemuDomainDefAddImplicitInputDevice: x86 guests have a PS/2 mouse and keyboard.
  const inputs = devicesOf(def, 'input');
  for (const type of ['mouse', 'keyboard']) {
    if (inputs.some((i) => getAttr(i, 'type') === type && getAttr(i, 'bus') === 'ps2')) continue;
    const lastInput = list.map((d) => d.kind).lastIndexOf('input');
    const dev = { kind: 'input', node: node('input', [['type', type], ['bus', 'ps2']]) };
    if (lastInput >= 0) list.splice(lastInput + 1, 0, dev);
    else insertBefore(after('input'), dev);
  }
  // The implicit audio backend (qemuDomainDefAddDefaultAudioBackend): SPICE's
  // when the first display is SPICE, else none (qemu.conf's defaults keep
  // host audio away from VNC and headless guests).
  if (!list.some((d) => d.kind === 'audio')) {
    const spice = getAttr(devicesOf(def, 'graphics')[0], 'type') === 'spice';
    insertBefore(after('audio'), { kind: 'audio', node: node('audio', [['id', 1], ['type', spice ? 'spice' : 'none']]) });
  }
  if (!list.some((d) => d.kind === 'memballoon')) insertBefore(after('memballoon'), { kind: 'memballoon', node: node('memballoon', [['model', 'virtio']]) });

  for (const s of devicesOf(def, 'serial')) {
    // qemuDomainChrDefPostParse: an x86 serial port is an isa-serial.
    let t = kid(s, 'target');
    if (!t) {
      t = node('target');
      s.children.unshift(t);
    }
    if (!hasAttr(t, 'type')) t.attrs.unshift(['type', 'isa-serial']);
    if (!kid(t, 'model')) t.children.push(node('model', [['name', getAttr(t, 'type') ?? 'isa-serial']]));
  }
  for (const g of devicesOf(def, 'graphics')) {
    // virDomainGraphicsDefFormat writes no port for a VNC server on a unix
    // socket (the generic model adds port='-1' autoport='yes' regardless;
    // TODO move to src/conf when the model moves there).
    if (getAttr(g, 'type') === 'vnc' && getAttr(kid(g, 'listen'), 'type') === 'socket') {
      g.attrs = g.attrs.filter(([k]) => k !== 'port' && k !== 'autoport');
    }
  }
  for (const v of devicesOf(def, 'video')) {
    const m = kid(v, 'model');
    if (m && getAttr(m, 'type') === 'qxl' && !hasAttr(m, 'vgamem')) {
      // virDomainVideoDefaultRAM / qemuDomainDeviceVideoDefPostParse: qxl's VGA memory is 16 MiB.
      const at = m.attrs.findIndex(([k]) => k === 'heads');
      m.attrs.splice(at < 0 ? m.attrs.length : at, 0, ['vgamem', '16384']);
    }
  }
  // qemuDomainDefSetDefaultCPU: the machine's default CPU model, spelled out.
  let cpu = def.misc.find((m) => m.name === 'cpu');
  if (!cpu) {
    cpu = node('cpu');
    def.misc.push(cpu);
  }
  if ((getAttr(cpu, 'mode') ?? 'custom') === 'custom') {
    for (const [k, v] of [['mode', 'custom'], ['match', 'exact'], ['check', 'none']] as const) {
      if (!hasAttr(cpu, k)) setAttr(cpu, k, v);
    }
    cpu.attrs.sort((a, b) => ['mode', 'match', 'check', 'migratable'].indexOf(a[0]) - ['mode', 'match', 'check', 'migratable'].indexOf(b[0]));
    if (!kid(cpu, 'model')) {
      const model = node('model', [['fallback', 'forbid']]);
      model.text = QEMU_7_2_X86_64.defaultCpu;
      cpu.children.unshift(model);
    }
  }
  for (const d of devicesOf(def, 'disk')) {
    // qemuDomainDeviceDiskDefPostParse: the qemu driver, and raw unless told otherwise.
    let drv = kid(d, 'driver');
    if (!drv) {
      drv = node('driver');
      d.children.unshift(drv);
    }
    if (!hasAttr(drv, 'name')) drv.attrs.unshift(['name', 'qemu']);
    if (!hasAttr(drv, 'type')) drv.attrs.splice(1, 0, ['type', 'raw']);
  }
  for (const n of devicesOf(def, 'interface')) {
    // qemuDomainDeviceNetDefPostParse: the default NIC model on x86 is rtl8139.
    if (kid(n, 'model')) continue;
    const before = ['mac', 'source', 'virtualport', 'ip', 'route', 'script', 'downscript', 'backenddomain', 'target', 'guest'];
    let at = 0;
    n.children.forEach((c, i) => { if (before.includes(c.name)) at = i + 1; });
    n.children.splice(at, 0, node('model', [['type', 'rtl8139']]));
  }
}

/** qemuDomainAssignVirtioSerialAddresses and qemuDomainAssignUSBAddresses, for channels and USB inputs. */
function assignOtherAddresses(def: DomainDef): void {
  const next = new Map<string, number>();
  for (const c of devicesOf(def, 'channel')) {
    if (getAttr(kid(c, 'target'), 'type') !== 'virtio') continue;
    const a = kid(c, 'address');
    if (getAttr(a, 'type') === 'virtio-serial' && hasAttr(a, 'port')) {
      const key = `${getAttr(a, 'controller') ?? '0'}.${getAttr(a, 'bus') ?? '0'}`;
      next.set(key, Math.max(next.get(key) ?? 1, Number(getAttr(a, 'port')) + 1));
    }
  }
  for (const c of devicesOf(def, 'channel')) {
    if (getAttr(kid(c, 'target'), 'type') !== 'virtio') continue;
    let a = kid(c, 'address');
    if (getAttr(a, 'type') === 'virtio-serial' && hasAttr(a, 'port')) continue;
    const ctrl = getAttr(a, 'controller') ?? '0';
    const bus = getAttr(a, 'bus') ?? '0';
    const key = `${ctrl}.${bus}`;
    const port = next.get(key) ?? 1;
    next.set(key, port + 1);
    if (a) c.children.splice(c.children.indexOf(a), 1);
    a = node('address', [['type', 'virtio-serial'], ['controller', ctrl], ['bus', bus], ['port', port]]);
    c.children.push(a);
  }
  // USB ports of usb.0 in the order libvirt visits devices
  // (virDomainDeviceInfoIterate: disks, …, inputs, …, redirdevs; observed).
  let usbPort = 1;
  const usbDisks = devicesOf(def, 'disk').filter((d) => getAttr(kid(d, 'target'), 'bus') === 'usb');
  for (const i of [...usbDisks, ...devicesOf(def, 'input'), ...devicesOf(def, 'redirdev')]) {
    if (i.name === 'disk' ? getAttr(kid(i, 'address'), 'type') === 'usb' : (getAttr(i, 'bus') !== 'usb' || kid(i, 'address'))) continue;
    for (const old of kids(i, 'address')) i.children.splice(i.children.indexOf(old), 1);
    i.children.push(node('address', [['type', 'usb'], ['bus', 0], ['port', usbPort++]]));
  }
}

// ---- aliases ----------------------------------------------------------------------

/** The drive address of a disk (controller, bus, target, unit). */
export function driveAddress(disk: XNode): { controller: number; bus: number; target: number; unit: number } {
  const a = kid(disk, 'address');
  const n = (k: string) => Number(getAttr(a, k) ?? '0');
  return { controller: n('controller'), bus: n('bus'), target: n('target'), unit: n('unit') };
}

/** qemuAssignDeviceAliases (qemu_alias.c) for the device kinds the command line knows. */
function assignAliases(def: DomainDef, q35: boolean): void {
  for (const d of devicesOf(def, 'disk')) {
    const t = kid(d, 'target');
    const bus = getAttr(t, 'bus') ?? '';
    const a = driveAddress(d);
    let alias: string;
    switch (bus) {
      case 'ide': alias = `ide${a.controller}-${a.bus}-${a.unit}`; break;
      case 'sata': alias = `sata${a.controller}-${a.bus}-${a.unit}`; break;
      case 'scsi': alias = `scsi${a.controller}-${a.bus}-${a.target}-${a.unit}`; break;
      case 'fdc': alias = `fdc${a.controller}-${a.bus}-${a.unit}`; break;
      case 'virtio': alias = `virtio-disk${diskNameToIndex(getAttr(t, 'dev') ?? '')}`; break;
      case 'usb': alias = `usb-disk${diskNameToIndex(getAttr(t, 'dev') ?? '')}`; break;
      default: alias = `${bus}-disk${diskNameToIndex(getAttr(t, 'dev') ?? '')}`;
    }
    setAlias(d, alias);
  }
  for (const c of devicesOf(def, 'controller')) {
    const type = getAttr(c, 'type') ?? '';
    const idx = Number(getAttr(c, 'index') ?? '0');
    const model = getAttr(c, 'model');
    let alias: string;
    if (type === 'pci') alias = model === 'pcie-root' ? 'pcie.0' : `pci.${idx}`;
    // q35's built-in AHCI (SATA 0) is QEMU's "ide".
    else if (type === 'ide' || (type === 'sata' && idx === 0 && q35)) alias = idx === 0 ? 'ide' : `ide${idx}`;
    else if (type === 'usb') alias = idx === 0 ? 'usb' : `usb${idx}`;
    else alias = `${type}${idx}`;
    setAlias(c, alias);
  }
  const simple: Array<[string, string]> = [
    ['interface', 'net'], ['serial', 'serial'], ['parallel', 'parallel'], ['channel', 'channel'],
    ['input', 'input'], ['video', 'video'], ['sound', 'sound'], ['rng', 'rng'], ['watchdog', 'watchdog'],
    ['hostdev', 'hostdev'], ['redirdev', 'redir'], ['smartcard', 'smartcard'], ['filesystem', 'fs'],
    ['shmem', 'shmem'],
  ];
  for (const [kind, prefix] of simple) devicesOf(def, kind).forEach((n, i) => setAlias(n, `${prefix}${i}`));
  const serials = devicesOf(def, 'serial');
  def.devices.list.filter((d) => d.kind === 'console').forEach((d, i) => {
    // A console that mirrors serial 0 shares its alias.
    const tt = getAttr(kid(d.node, 'target'), 'type');
    setAlias(d.node, i === 0 && (d.aliasSerial || tt === 'serial') && serials.length > 0 ? 'serial0' : `console${i}`);
  });
  for (const n of devicesOf(def, 'memballoon')) if (getAttr(n, 'model') !== 'none') setAlias(n, 'balloon0');
}

// ---- PCI addresses --------------------------------------------------------------

interface PciAddr { bus: number; slot: number; fn: number }

function setPciAddress(n: XNode, a: PciAddr): void {
  for (const old of kids(n, 'address')) n.children.splice(n.children.indexOf(old), 1);
  const hex = (v: number, w: number) => `0x${v.toString(16).padStart(w, '0')}`;
  n.children.push(node('address', [['type', 'pci'], ['domain', '0x0000'], ['bus', hex(a.bus, 2)], ['slot', hex(a.slot, 2)], ['function', hex(a.fn, 1)]]));
}

/** The PCI address of a device after {@link applyQemuDefaults}, if it has one. */
export function pciAddressOf(n: XNode): PciAddr | undefined {
  const a = kid(n, 'address');
  if (getAttr(a, 'type') !== 'pci') return undefined;
  return { bus: Number(getAttr(a, 'bus')), slot: Number(getAttr(a, 'slot')), fn: Number(getAttr(a, 'function') ?? '0') };
}

/** Devices needing a PCI slot, in qemuDomainAssignDevicePCISlots order. */
function pciConsumers(def: DomainDef, q35: boolean): XNode[] {
  const out: XNode[] = [];
  for (const n of devicesOf(def, 'filesystem')) out.push(n);
  for (const n of devicesOf(def, 'interface')) out.push(n);
  for (const n of devicesOf(def, 'sound')) if (!(q35 && getAttr(n, 'model') === 'ich9')) out.push(n);
  // Device controllers (USB, SCSI, virtio-serial; not IDE, FDC or the q35 SATA).
  for (const c of devicesOf(def, 'controller')) {
    const type = getAttr(c, 'type');
    const model = getAttr(c, 'model');
    if (type === 'usb' && (model === 'piix3-uhci' || model === 'none')) continue;
    if (type === 'usb' || type === 'scsi' || type === 'virtio-serial') out.push(c);
    // (the q35 SATA 0 has its fixed address already)
    if (type === 'sata' && !pciAddressOf(c)) out.push(c);
  }
  for (const n of devicesOf(def, 'disk')) if (getAttr(kid(n, 'target'), 'bus') === 'virtio') out.push(n);
  for (const n of devicesOf(def, 'memballoon')) if (getAttr(n, 'model') === 'virtio') out.push(n);
  for (const n of devicesOf(def, 'rng')) if (getAttr(n, 'model') === 'virtio') out.push(n);
  for (const n of devicesOf(def, 'watchdog')) if (getAttr(n, 'model') === 'i6300esb') out.push(n);
  for (const n of devicesOf(def, 'video').slice(1)) out.push(n);
  return out.filter((n) => !pciAddressOf(n));
}

/**
 * The function a USB2 controller takes in its slot (qemuDomainPCIAddressSetCreate's
 * USB sets: the EHCI master at function 7, its UHCI companions at 0–2).
 */
function usbFunction(n: XNode): number {
  if (n.name !== 'controller' || getAttr(n, 'type') !== 'usb') return 0;
  const m = /^ich9-(?:ehci1|uhci([123]))$/.exec(getAttr(n, 'model') ?? '');
  if (!m) return 0;
  return m[1] === undefined ? 7 : Number(m[1]) - 1;
}

function primaryVideo(def: DomainDef): XNode | undefined {
  const v = devicesOf(def, 'video')[0];
  const t = getAttr(kid(v, 'model'), 'type');
  return v && t !== 'none' ? v : undefined;
}

function assignPciAddresses(def: DomainDef, q35: boolean): void {
  const video = primaryVideo(def);
  for (const c of devicesOf(def, 'controller')) {
    if (getAttr(c, 'type') === 'usb' && getAttr(c, 'model') === 'piix3-uhci' && !pciAddressOf(c)) {
      // Function 2 of the PIIX3 at slot 1.
      setPciAddress(c, { bus: 0, slot: 1, fn: 2 });
    }
    if (q35 && getAttr(c, 'type') === 'sata' && getAttr(c, 'index') === '0' && !pciAddressOf(c)) {
      setPciAddress(c, { bus: 0, slot: 0x1f, fn: 2 });
    }
    if (!q35 && getAttr(c, 'type') === 'ide' && getAttr(c, 'index') === '0' && !pciAddressOf(c)) {
      // Function 1 of the PIIX3.
      setPciAddress(c, { bus: 0, slot: 1, fn: 1 });
    }
  }
  for (const n of devicesOf(def, 'sound')) {
    // q35's ICH9 HDA sits at its fixed place on pcie.0 (00:1b.0).
    if (q35 && getAttr(n, 'model') === 'ich9' && !pciAddressOf(n)) setPciAddress(n, { bus: 0, slot: 0x1b, fn: 0 });
  }
  const consumers = pciConsumers(def, q35);
  if (!q35) {
    // i440fx: slot 0 host bridge, slot 1 PIIX3, slot 2 the primary video.
    const used = new Set<number>([0, 1]);
    if (video && !pciAddressOf(video)) setPciAddress(video, { bus: 0, slot: 2, fn: 0 });
    if (video) used.add(pciAddressOf(video)!.slot);
    for (const n of [...devicesOf(def, 'controller'), ...def.devices.list.map((d) => d.node)]) {
      const a = pciAddressOf(n);
      if (a && a.bus === 0) used.add(a.slot);
    }
    let slot = 1;
    for (const n of consumers) {
      while (used.has(slot)) slot++;
      if (slot > 31) throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, 'No more available PCI slots');
      used.add(slot);
      setPciAddress(n, { bus: 0, slot, fn: usbFunction(n) });
    }
    return;
  }
  // q35: slot 0 host bridge, 0x1f the ICH9 functions, slot 1 the primary
  // video. Every PCIe endpoint sits behind a pcie-root-port of its own;
  // conventional PCI devices share a pcie-to-pci-bridge (slots 1–31) behind
  // one root port. Controllers get indexes in the order devices first need
  // them, then one spare root port is left for hotplug. The root ports
  // fill the functions of the first free slots of pcie.0, eight per slot.
  const used = new Set<number>([0, 0x1f]);
  if (video && !pciAddressOf(video)) setPciAddress(video, { bus: 0, slot: 1, fn: 0 });
  if (video) used.add(pciAddressOf(video)!.slot);
  let nextIndex = 1;
  for (const c of devicesOf(def, 'controller')) {
    if (getAttr(c, 'type') === 'pci') nextIndex = Math.max(nextIndex, Number(getAttr(c, 'index')) + 1);
  }
  // First pass (libvirt's dry run with growing buses): which controllers
  // the devices need, in the order they first need them. A conventional
  // device's first need is a root port and the bridge in it.
  const added: XNode[] = [];
  const rootPorts: XNode[] = [];
  const newRootPort = (): number => {
    const idx = nextIndex++;
    const rp = node('controller', [['type', 'pci'], ['index', idx], ['model', 'pcie-root-port']]);
    rp.children.push(node('model', [['name', 'pcie-root-port']]));
    rp.children.push(node('target', [['chassis', idx], ['port', '']]));
    setAlias(rp, `pci.${idx}`);
    added.push(rp);
    rootPorts.push(rp);
    return idx;
  };
  const bridges: Array<{ node: XNode; index: number; nextSlot: number }> = [];
  const plan: Array<{ dev: XNode; bridge?: (typeof bridges)[number] }> = [];
  for (const n of consumers) {
    if (isConventionalPci(n)) {
      let br = bridges[bridges.length - 1];
      if (!br || br.nextSlot > 31) {
        newRootPort();
        const idx = nextIndex++;
        const bn = node('controller', [['type', 'pci'], ['index', idx], ['model', 'pcie-to-pci-bridge']]);
        bn.children.push(node('model', [['name', 'pcie-pci-bridge']]));
        setAlias(bn, `pci.${idx}`);
        added.push(bn);
        br = { node: bn, index: idx, nextSlot: 1 };
        bridges.push(br);
      }
      br.nextSlot++;
      plan.push({ dev: n, bridge: br });
    } else {
      newRootPort();
      plan.push({ dev: n });
    }
  }
  // Second pass: controllers are placed before devices, so each bridge
  // takes the lowest free root port; the devices then take the rest in order.
  const freePorts = rootPorts.map((rp) => Number(getAttr(rp, 'index')));
  for (const br of bridges) {
    setPciAddress(br.node, { bus: freePorts.shift()!, slot: 0, fn: 0 });
    br.nextSlot = 1;
  }
  for (const { dev, bridge } of plan) {
    if (bridge) setPciAddress(dev, { bus: bridge.index, slot: bridge.nextSlot++, fn: usbFunction(dev) });
    else setPciAddress(dev, { bus: freePorts.shift()!, slot: 0, fn: 0 });
  }
  // One spare root port for hotplug, when any are needed at all.
  if (rootPorts.length > 0) newRootPort();
  let slot = 1;
  let fn = 8;
  for (const rp of rootPorts) {
    if (fn === 8) {
      while (used.has(slot)) slot++;
      used.add(slot);
      fn = 0;
    }
    setAttr(kid(rp, 'target')!, 'port', `0x${(slot * 8 + fn).toString(16)}`);
    setPciAddress(rp, { bus: 0, slot, fn });
    // The first function of a slot with more than one is multifunction.
    if (fn === 0 && rootPorts.length > rootPorts.indexOf(rp) + 1) setAttr(kid(rp, 'address')!, 'multifunction', 'on');
    fn++;
  }
  const list = def.devices.list;
  // Added after the definition's controllers (virDomainDefAddController).
  const lastCtrl = list.map((d) => d.kind).lastIndexOf('controller');
  list.splice(lastCtrl + 1, 0, ...added.map((n) => ({ kind: 'controller', node: n })));
}

/**
 * Devices that are conventional PCI, not PCI Express
 * (qemuDomainDeviceCalculatePCIConnectFlags): on q35 they need a
 * pcie-to-pci-bridge.
 */
function isConventionalPci(n: XNode): boolean {
  switch (n.name) {
    case 'interface': {
      const model = getAttr(kid(n, 'model'), 'type') ?? 'rtl8139';
      return model !== 'virtio' && model !== 'e1000e' && !model.startsWith('virtio');
    }
    case 'controller': {
      const type = getAttr(n, 'type');
      if (type === 'usb') return !['qemu-xhci', 'nec-xhci'].includes(getAttr(n, 'model') ?? '');
      return type === 'sata';
    }
    case 'sound':
      return true;
    case 'watchdog':
      return true;
    case 'video':
      return getAttr(kid(n, 'model'), 'type') !== 'virtio';
    default:
      return false;
  }
}

/**
 * Removes the aliases {@link applyQemuDefaults} gave, for formatting an
 * inactive definition: libvirt writes `<alias>` only for a running domain
 * (user aliases, `ua-…`, are kept).
 */
export function dropAliases(def: DomainDef): void {
  const strip = (n: XNode) => {
    n.children = n.children.filter((c) => c.name !== 'alias' || (getAttr(c, 'name') ?? '').startsWith('ua-'));
  };
  for (const d of def.devices.list) strip(d.node);
}
