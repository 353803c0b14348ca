/**
 * The `<devices>` part of a domain definition: parse-time defaults and the
 * implicit devices libvirt's generic domain code adds (src/conf/domain_conf.c:
 * virDomainDefPostParse, virDomainDefAddImplicitDevices), and the canonical
 * order virDomainDefFormat writes them in. Devices are kept as element trees
 * so that configuration we do not model still round-trips.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  canon, cloneNode, escapeLibvirt, formatNode, getAttr, hasAttr, kid, kids, node, removeKids, setAttr, type Spec, type XNode,
} from './domain-xml.js';

/** One device: its element name (the device kind) and its tree. */
export interface Device {
  kind: string;
  node: XNode;
  /** A console that only mirrors serial n (virDomainDefAddConsoleCompat). */
  aliasSerial?: boolean;
}

/** What device defaults depend on. */
export interface DeviceContext {
  osType: string;
  arch: string;
  virtType: string;
}

/** Device kinds in the order virDomainDefFormatInternal writes them. */
export const DEVICE_ORDER = [
  'disk', 'controller', 'lease', 'filesystem', 'interface', 'smartcard', 'serial', 'parallel',
  'console', 'channel', 'input', 'tpm', 'graphics', 'sound', 'audio', 'video', 'hostdev',
  'redirdev', 'redirfilter', 'hub', 'watchdog', 'memballoon', 'rng', 'nvram', 'panic', 'shmem',
  'memory', 'iommu', 'vsock',
] as const;

const DOM = ErrorDomain.DOMAIN;

function xmlError(detail: string): VirtError {
  return VirtError.report(ErrorCode.XML_ERROR, DOM, detail);
}

/** Integers as libvirt's virStrToLong_* with base 0: decimal, 0x hex, 0 octal. */
export function parseIntBase0(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t)) return parseInt(t, 16);
  if (/^[+-]?0[0-7]+$/.test(t)) return parseInt(t, 8);
  if (/^[+-]?\d+$/.test(t)) return parseInt(t, 10);
  return undefined;
}

function hex(n: number, width: number): string {
  return '0x' + n.toString(16).padStart(width, '0');
}

/** virDiskNameParse: "vdb" → 1, "sdaa" → 26; -1 for names with no known prefix. */
export function diskNameToIndex(name: string): number {
  const prefix = ['fd', 'hd', 'vd', 'sd', 'xvd', 'ubd'].find((p) => name.startsWith(p));
  if (prefix === undefined) return -1;
  let i = prefix.length;
  let idx = 0;
  let n = 0;
  while (i < name.length && name[i]! >= 'a' && name[i]! <= 'z') {
    idx = (idx + (n < 1 ? 0 : 1)) * 26 + (name.charCodeAt(i) - 97);
    i++;
    n++;
  }
  if (!/^\d*$/.test(name.slice(i))) return -1;
  return idx;
}

// ---------------------------------------------------------------------------
// Device addresses and the common <boot>/<alias>/<address> tail.

const ADDRESS_ATTRS: Record<string, readonly string[]> = {
  pci: ['type', 'domain', 'bus', 'slot', 'function', 'multifunction'],
  drive: ['type', 'controller', 'bus', 'target', 'unit'],
  'virtio-serial': ['type', 'controller', 'bus', 'port'],
  ccid: ['type', 'controller', 'slot'],
  usb: ['type', 'bus', 'port'],
  'spapr-vio': ['type', 'reg'],
  ccw: ['type', 'cssid', 'ssid', 'devno'],
  isa: ['type', 'iobase', 'irq'],
  dimm: ['type', 'slot', 'base'],
};

/** Normalises an `<address>` the way virDomainDeviceInfoFormat prints it. */
function normAddress(a: XNode): void {
  const type = getAttr(a, 'type');
  switch (type) {
    case 'pci': {
      const num = (k: string) => parseIntBase0(getAttr(a, k)) ?? 0;
      setAttr(a, 'domain', hex(num('domain'), 4));
      setAttr(a, 'bus', hex(num('bus'), 2));
      setAttr(a, 'slot', hex(num('slot'), 2));
      setAttr(a, 'function', hex(num('function'), 1));
      break;
    }
    case 'drive':
      for (const k of ['controller', 'bus', 'target', 'unit']) setAttr(a, k, parseIntBase0(getAttr(a, k)) ?? 0);
      break;
    case 'virtio-serial':
      for (const k of ['controller', 'bus']) setAttr(a, k, parseIntBase0(getAttr(a, k)) ?? 0);
      if (hasAttr(a, 'port')) setAttr(a, 'port', parseIntBase0(getAttr(a, 'port')) ?? 0);
      break;
    case 'ccid':
      for (const k of ['controller', 'slot']) setAttr(a, k, parseIntBase0(getAttr(a, k)) ?? 0);
      break;
    case 'ccw': {
      const num = (k: string) => parseIntBase0(getAttr(a, k)) ?? 0;
      setAttr(a, 'cssid', hex(num('cssid'), 1));
      setAttr(a, 'ssid', hex(num('ssid'), 1));
      setAttr(a, 'devno', hex(num('devno'), 4));
      break;
    }
    case 'spapr-vio':
      if (hasAttr(a, 'reg')) setAttr(a, 'reg', hex(parseIntBase0(getAttr(a, 'reg')) ?? 0, 8));
      break;
    case 'isa':
      if (hasAttr(a, 'iobase')) setAttr(a, 'iobase', hex(parseIntBase0(getAttr(a, 'iobase')) ?? 0, 1));
      if (hasAttr(a, 'irq')) setAttr(a, 'irq', hex(parseIntBase0(getAttr(a, 'irq')) ?? 0, 1));
      break;
    default:
      break;
  }
  canon(a, { attrs: ADDRESS_ATTRS[type ?? ''] ?? ['type'] });
}

/** The tail every device shares (virDomainDeviceInfoFormat). */
const INFO_KIDS = ['boot', 'alias', 'master', 'rom', 'acpi', 'address'] as const;

/**
 * Applies the common device-info rules: only user aliases ("ua-") survive an
 * inactive parse, and addresses are normalised.
 */
function normInfo(n: XNode): void {
  n.children = n.children.filter((c) => c.name !== 'alias' || (getAttr(c, 'name') ?? '').startsWith('ua-'));
  const a = kid(n, 'address');
  if (a) normAddress(a);
  for (const sa of kids(kid(n, 'source'), 'address')) if (hasAttr(sa, 'type')) normAddress(sa);
  const boot = kid(n, 'boot');
  if (boot) canon(boot, { attrs: ['order', 'loadparm'] });
}

// ---------------------------------------------------------------------------
// Formatting recipes per device kind.

const VIRTIO_OPTS = ['iommu', 'ats', 'packed', 'page_per_vq'];

const SOURCE_SPEC: Spec = {
  attrs: ['file', 'dev', 'dir', 'protocol', 'name', 'tls', 'query', 'pool', 'volume', 'mode',
    'type', 'path', 'index', 'startupPolicy'],
  kids: ['host', 'snapshot', 'config', 'auth', 'encryption', 'reservations', 'initiator', 'address',
    'slices', 'ssl', 'cookies', 'readahead', 'timeout', 'seclabel'],
};

const SPECS: Record<string, Spec> = {
  disk: {
    attrs: ['type', 'device', 'model', 'rawio', 'sgio', 'snapshot'],
    kids: [
      ['driver', { attrs: ['name', 'type', 'cache', 'error_policy', 'rerror_policy', 'io', 'ioeventfd',
        'event_idx', 'copy_on_read', 'discard', 'iothread', 'detect_zeroes', 'queues', 'queue_size',
        ...VIRTIO_OPTS], kids: ['metadata_cache', 'iothreads'] }],
      'auth', ['source', SOURCE_SPEC], 'backingStore', 'backenddomain',
      ['geometry', { attrs: ['cyls', 'heads', 'secs', 'trans'] }],
      ['blockio', { attrs: ['logical_block_size', 'physical_block_size', 'discard_granularity'] }],
      ['target', { attrs: ['dev', 'bus', 'tray', 'removable', 'rotation_rate'] }],
      'iotune', 'readonly', 'shareable', 'transient', 'serial', 'wwn', 'vendor', 'product',
      'encryption', ...INFO_KIDS,
    ],
  },
  controller: {
    attrs: ['type', 'index', 'model', 'ports', 'vectors', 'maxGrantFrames', 'maxEventChannels'],
    kids: ['model', ['driver', { attrs: ['queues', 'cmd_per_lun', 'max_sectors', 'ioeventfd', 'iothread',
      ...VIRTIO_OPTS] }], 'target', ...INFO_KIDS],
  },
  lease: { kids: ['lockspace', 'key', 'target'] },
  filesystem: {
    attrs: ['type', 'accessmode', 'model', 'multidevs', 'fmode', 'dmode'],
    kids: ['driver', 'binary', 'idmap', 'source', 'target', 'readonly', 'space_hard_limit',
      'space_soft_limit', ...INFO_KIDS],
  },
  interface: {
    attrs: ['type', 'managed', 'trustGuestRxFilters'],
    kids: [
      ['mac', { attrs: ['address', 'type', 'check'] }], 'source', 'vlan', 'virtualport', 'bandwidth', 'port',
      ['ip', { attrs: ['address', 'family', 'prefix', 'peer'] }],
      ['route', { attrs: ['family', 'address', 'netmask', 'prefix', 'gateway', 'metric'] }], 'script', 'downscript', 'backenddomain',
      ['target', { attrs: ['dev', 'managed'] }], 'guest', 'model', 'driver', 'backend', 'filterref',
      'tune', 'teaming', 'link', 'mtu', 'coalesce', ...INFO_KIDS,
    ],
  },
  smartcard: { attrs: ['mode', 'type'], kids: ['certificate', 'database', 'source', 'protocol', ...INFO_KIDS] },
  input: { attrs: ['type', 'bus', 'model'], kids: ['source', 'driver', ...INFO_KIDS] },
  tpm: { attrs: ['model'], kids: ['backend', ...INFO_KIDS] },
  sound: { attrs: ['model', 'multichannel'], kids: ['codec', 'audio', ...INFO_KIDS] },
  audio: { attrs: ['id', 'type', 'timerPeriod'], kids: ['input', 'output'] },
  video: {
    kids: [['driver', { attrs: ['name', ...VIRTIO_OPTS] }],
      ['model', { attrs: ['type', 'ram', 'vram', 'vram64', 'vgamem', 'heads', 'primary', 'blob'],
        kids: ['acceleration', 'resolution'] }], ...INFO_KIDS],
  },
  hostdev: { attrs: ['mode', 'type', 'managed', 'sgio', 'rawio', 'model', 'display', 'ramfb'],
    kids: ['driver', 'source', 'origstates', 'readonly', 'shareable', ...INFO_KIDS] },
  redirdev: { attrs: ['bus', 'type'], kids: ['source', 'protocol', ...INFO_KIDS] },
  hub: { attrs: ['type'], kids: INFO_KIDS },
  watchdog: { attrs: ['model', 'action'], kids: INFO_KIDS },
  memballoon: { attrs: ['model', 'autodeflate', 'freePageReporting'], kids: ['stats', 'driver', ...INFO_KIDS] },
  rng: { attrs: ['model'], kids: ['driver', 'rate', 'backend', ...INFO_KIDS] },
  panic: { attrs: ['model'], kids: INFO_KIDS },
  shmem: { attrs: ['name', 'role'], kids: ['model', 'size', 'server', 'msi', ...INFO_KIDS] },
  memory: { attrs: ['model', 'access', 'discard'], kids: ['uuid', 'source', 'target', ...INFO_KIDS] },
  iommu: { attrs: ['model'], kids: ['driver', ...INFO_KIDS] },
  vsock: { attrs: ['model'], kids: ['cid', 'driver', ...INFO_KIDS] },
};

const CHR_SPEC: Spec = {
  attrs: ['type', 'tty'],
  kids: ['source', 'protocol', 'log', 'target', ...INFO_KIDS],
};

// ---------------------------------------------------------------------------
// Per-kind parse-time normalisation.

/** libvirt reads only the first of these children; later copies are dropped. */
function firstOnly(n: XNode, names: readonly string[]): void {
  const seen = new Set<string>();
  n.children = n.children.filter((c) => {
    if (!names.includes(c.name)) return true;
    if (seen.has(c.name)) return false;
    seen.add(c.name);
    return true;
  });
}

const DISK_BUSES = ['ide', 'fdc', 'scsi', 'virtio', 'xen', 'usb', 'uml', 'sata', 'sd'];
const DISK_DEVICES = ['disk', 'cdrom', 'floppy', 'lun'];
const DISK_TYPES = ['block', 'file', 'dir', 'network', 'volume', 'nvme', 'vhostuser', 'vhostvdpa'];

function normDisk(n: XNode): void {
  firstOnly(n, ['driver', 'source', 'target', 'serial', 'wwn', 'vendor', 'product', 'geometry', 'blockio',
    'iotune', 'boot', 'alias', 'address']);
  const type = getAttr(n, 'type') ?? 'file';
  if (!DISK_TYPES.includes(type)) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
      `Invalid value for attribute 'type' in element 'disk': '${type}'.`);
  }
  setAttr(n, 'type', type);
  const device = getAttr(n, 'device') ?? 'disk';
  if (!DISK_DEVICES.includes(device)) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
      `Invalid value for attribute 'device' in element 'disk': '${device}'.`);
  }
  setAttr(n, 'device', device);
  const src = kid(n, 'source');
  const target = kid(n, 'target');
  const srcPath = src ? (getAttr(src, 'file') ?? getAttr(src, 'dev') ?? getAttr(src, 'dir') ?? getAttr(src, 'name')
    ?? getAttr(src, 'volume')) : undefined;
  if (!target || !hasAttr(target, 'dev')) {
    // VIR_ERR_NO_TARGET has no template in errors.ts; virErrorMsg's text.
    throw new VirtError(ErrorCode.NO_TARGET,
      srcPath !== undefined ? `missing target information for device ${srcPath}` : 'missing target information', DOM,
      { str1: srcPath !== undefined ? 'missing target information for device %s' : 'missing target information',
        str2: srcPath ?? null });
  }
  // An empty <source file=''/> is no source at all; removable media with no
  // source are stored as type 'file' (virStorageSourceIsEmpty).
  if (src && srcPath === '' && src.children.length === 0 && !hasAttr(src, 'startupPolicy')) removeKids(n, 'source');
  if (!kid(n, 'source') && (type === 'block' || type === 'file') && device !== 'disk' && device !== 'lun') {
    setAttr(n, 'type', 'file');
  }
  if (device === 'cdrom' && !kid(n, 'readonly')) n.children.push(node('readonly'));
  normInfo(n);
}

/** The bus a disk gets when `<target>` names none (virDomainDiskDefPostParse). */
function diskDefaultBus(device: string, dst: string): string {
  if (device === 'floppy') return 'fdc';
  if (dst.startsWith('hd')) return 'ide';
  if (dst.startsWith('sd')) return 'scsi';
  if (dst.startsWith('vd')) return 'virtio';
  if (dst.startsWith('xvd')) return 'xen';
  if (dst.startsWith('ubd')) return 'uml';
  return 'ide';
}

/** virDomainDiskDefAssignAddress for controller-based buses. */
function diskAssignAddress(n: XNode, bus: string, dst: string): void {
  if (kid(n, 'address')) return;
  if (!['scsi', 'ide', 'sata', 'fdc'].includes(bus)) return;
  const idx = diskNameToIndex(dst);
  if (idx < 0) throw xmlError(`Unknown disk name '${dst}' and no address specified`);
  let controller = 0;
  let b = 0;
  let unit = 0;
  if (bus === 'scsi') { controller = Math.floor(idx / 7); unit = idx % 7; }
  else if (bus === 'ide') { controller = Math.floor(idx / 4); b = Math.floor((idx % 4) / 2); unit = idx % 2; }
  else if (bus === 'sata') { controller = Math.floor(idx / 6); unit = idx % 6; }
  else { controller = Math.floor(idx / 2); unit = idx % 2; }
  const addr = node('address', [['type', 'drive'], ['controller', controller], ['bus', b], ['target', 0], ['unit', unit]]);
  const at = n.children.findIndex((c) => c.name === 'address');
  if (at < 0) n.children.push(addr);
}

const MAC_RE = /^([0-9a-fA-F]{1,2}[:-]){5}[0-9a-fA-F]{1,2}$/;

/** virMacAddrParse + virMacAddrFormat: lower-case, two digits per byte. */
export function normalizeMac(mac: string): string | null {
  if (!MAC_RE.test(mac)) return null;
  return mac.split(/[:-]/).map((b) => b.toLowerCase().padStart(2, '0')).join(':');
}

/** A random MAC with libvirt's default prefix (virDomainNetGenerateMAC). */
export function generateMac(): string {
  const b = randomBytes(3);
  return ['52', '54', '00', ...[...b].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

const NET_TYPES = ['user', 'ethernet', 'vhostuser', 'server', 'client', 'mcast', 'network', 'bridge',
  'internal', 'direct', 'hostdev', 'udp', 'vdpa', 'null', 'vds'];

/** ifname prefixes libvirt reserves for generated names and drops from inactive XML. */
const GENERATED_IFNAME_PREFIXES = ['vnet', 'macvtap', 'macvlan'];

function normInterface(n: XNode): void {
  firstOnly(n, ['mac', 'source', 'target', 'model', 'driver', 'link', 'mtu', 'boot', 'alias', 'address',
    'virtualport', 'vlan', 'bandwidth', 'guest', 'backend', 'filterref', 'tune', 'teaming', 'coalesce']);
  const type = getAttr(n, 'type') ?? 'user';
  if (!NET_TYPES.includes(type)) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
      `Invalid value for attribute 'type' in element 'interface': '${type}'.`);
  }
  setAttr(n, 'type', type);
  let mac = kid(n, 'mac');
  if (mac && hasAttr(mac, 'address')) {
    const norm = normalizeMac(getAttr(mac, 'address')!);
    if (norm === null) throw xmlError(`unable to parse mac address '${getAttr(mac, 'address')}'`);
    setAttr(mac, 'address', norm);
  } else {
    removeKids(n, 'mac');
    mac = node('mac', [['address', generateMac()]]);
    n.children.unshift(mac);
  }
  const target = kid(n, 'target');
  if (target) {
    const dev = getAttr(target, 'dev');
    if (dev === undefined || GENERATED_IFNAME_PREFIXES.some((p) => dev.startsWith(p))) {
      setAttr(target, 'dev', undefined);
      if (target.attrs.length === 0 && target.children.length === 0) removeKids(n, 'target');
    }
  }
  const src = kid(n, 'source');
  if (src && type === 'network') setAttr(src, 'bridge', undefined);
  if (src && type === 'direct' && !hasAttr(src, 'mode')) setAttr(src, 'mode', 'vepa');
  const vport = kid(n, 'virtualport');
  if (vport && getAttr(vport, 'type') === 'openvswitch') {
    let params = kid(vport, 'parameters');
    if (!params) { params = node('parameters'); vport.children.push(params); }
    if (!hasAttr(params, 'interfaceid')) setAttr(params, 'interfaceid', randomUUID());
  }
  if (src) {
    const order: Record<string, string[]> = {
      vhostuser: ['type', 'path', 'mode'],
      direct: ['dev', 'mode'],
      network: ['network', 'portgroup', 'portid'],
      bridge: ['bridge'],
    };
    canon(src, { attrs: order[type] ?? ['address', 'port', 'dev', 'bridge', 'network', 'type', 'path', 'mode'] });
  }
  normInfo(n);
}

/** An interface's host-side device name (`<target dev>`), if any. */
export function netIfname(n: XNode): string | undefined {
  return getAttr(kid(n, 'target'), 'dev');
}

/** Sets an interface's `<target dev>`, keeping libvirt's child order. */
export function setNetIfname(n: XNode, ifname: string): void {
  let target = kid(n, 'target');
  if (!target) {
    target = node('target');
    n.children.push(target);
  }
  setAttr(target, 'dev', ifname);
  const spec = SPECS['interface'];
  canon(n, spec);
}

function normInput(n: XNode, ctx: DeviceContext): void {
  const type = getAttr(n, 'type');
  if (!hasAttr(n, 'bus') && type !== 'evdev') {
    let bus: string | undefined;
    if (ctx.osType === 'hvm') {
      const x86 = ['i686', 'x86_64', ''].includes(ctx.arch);
      if ((type === 'mouse' || type === 'keyboard') && x86) bus = 'ps2';
      else if (ctx.arch.startsWith('s390')) bus = 'virtio';
      else bus = 'usb';
    } else if (ctx.osType === 'xen' || ctx.osType === 'xenpvh') {
      bus = 'xen';
    }
    setAttr(n, 'bus', bus);
  }
  normInfo(n);
}

function normController(n: XNode): void {
  normInfo(n);
}

/** Default video RAM in KiB for a model (virDomainVideoDefaultRAM). */
function videoDefaults(model: XNode, ctx: DeviceContext): void {
  const type = getAttr(model, 'type');
  const vram = (): number | undefined => {
    switch (type) {
      case 'vga': case 'cirrus': case 'vmvga': return 16 * 1024;
      case 'xen': return 4 * 1024;
      case 'qxl': return 64 * 1024;
      case 'bochs': return 16 * 1024;
      default: return undefined;
    }
  };
  if (!hasAttr(model, 'vram') && ctx.virtType !== 'vbox') {
    const v = vram();
    if (v !== undefined) setAttr(model, 'vram', v);
  }
  if (type === 'qxl') {
    if (!hasAttr(model, 'ram')) setAttr(model, 'ram', 64 * 1024);
  }
  if (!hasAttr(model, 'heads') && type !== 'none') setAttr(model, 'heads', 1);
}

function normVideo(n: XNode, ctx: DeviceContext, isFirst: boolean): void {
  let model = kid(n, 'model');
  if (!model) {
    model = node('model');
    n.children.push(model);
  }
  if (!hasAttr(model, 'type')) {
    // testDomainDevicesDefPostParse picks the default model.
    let t = 'cirrus';
    if (ctx.osType === 'xen' || ctx.osType === 'linux') t = 'xen';
    else if (ctx.arch === 'ppc64' || ctx.arch === 'ppc64le') t = 'vga';
    setAttr(model, 'type', t);
  }
  videoDefaults(model, ctx);
  if (isFirst && getAttr(model, 'type') !== 'none') setAttr(model, 'primary', 'yes');
  else if (getAttr(model, 'primary') !== 'yes') setAttr(model, 'primary', undefined);
  normInfo(n);
}

function normGraphics(n: XNode): void {
  const type = getAttr(n, 'type');
  const listens = kids(n, 'listen');
  const listenAttr = getAttr(n, 'listen');
  if (listenAttr !== undefined && listens.length === 0) {
    n.children.unshift(node('listen', [['type', 'address'], ['address', listenAttr]]));
  }
  for (const l of kids(n, 'listen')) {
    if (!hasAttr(l, 'type')) setAttr(l, 'type', hasAttr(l, 'network') ? 'network' : 'address');
    canon(l, { attrs: ['type', 'address', 'network', 'socket', 'autoGenerated'] });
  }
  const first = kids(n, 'listen')[0];
  if (first && getAttr(first, 'type') === 'address' && hasAttr(first, 'address')) {
    setAttr(n, 'listen', getAttr(first, 'address'));
  } else {
    setAttr(n, 'listen', undefined);
  }
  if (type === 'vnc') {
    const port = getAttr(n, 'port');
    const portNum = port === undefined ? -1 : parseInt(port, 10);
    let autoport = getAttr(n, 'autoport');
    if (port === undefined || portNum === -1) autoport = 'yes';
    if (autoport === undefined) autoport = 'no';
    setAttr(n, 'autoport', autoport);
    setAttr(n, 'port', autoport === 'yes' ? '-1' : String(portNum));
    if (kids(n, 'listen').length === 0 && !hasAttr(n, 'socket')) {
      n.children.unshift(node('listen', [['type', 'address']]));
    }
    canon(n, { attrs: ['type', 'socket', 'port', 'autoport', 'websocket', 'websocketGenerated', 'listen', 'keymap',
      'sharePolicy', 'powerControl', 'passwd', 'passwdValidTo', 'connected'] });
  } else if (type === 'spice') {
    const port = parseInt(getAttr(n, 'port') ?? '0', 10);
    const tlsPort = parseInt(getAttr(n, 'tlsPort') ?? '0', 10);
    let autoport = getAttr(n, 'autoport') === 'yes';
    if (port === -1 || tlsPort === -1) autoport = true;
    if (autoport) {
      setAttr(n, 'port', undefined);
      setAttr(n, 'tlsPort', undefined);
    }
    if (kids(n, 'listen').length === 0) {
      n.children.unshift(node('listen', [['type', autoport || port > 0 || tlsPort > 0 ? 'address' : 'none']]));
    }
    const ltype = getAttr(kids(n, 'listen')[0], 'type');
    if (ltype === 'address' || ltype === 'network') setAttr(n, 'autoport', autoport ? 'yes' : 'no');
    else { setAttr(n, 'autoport', undefined); setAttr(n, 'port', undefined); setAttr(n, 'tlsPort', undefined); }
    canon(n, { attrs: ['type', 'port', 'tlsPort', 'autoport', 'listen', 'keymap', 'defaultMode', 'passwd',
      'passwdValidTo', 'connected'], kids: ['listen', 'channel', 'image', 'jpeg', 'zlib', 'playback',
      'streaming', 'mouse', 'clipboard', 'filetransfer', 'gl'] });
  } else if (type === 'rdp') {
    const port = getAttr(n, 'port');
    if (port === undefined || port === '-1' || getAttr(n, 'autoport') === 'yes') {
      setAttr(n, 'autoport', 'yes');
      setAttr(n, 'port', 0);
    } else {
      setAttr(n, 'autoport', 'no');
    }
    if (kids(n, 'listen').length === 0) n.children.unshift(node('listen', [['type', 'address']]));
    canon(n, { attrs: ['type', 'port', 'autoport', 'replaceUser', 'multiUser', 'listen'] });
  } else if (type === 'sdl') {
    canon(n, { attrs: ['type', 'display', 'xauth', 'fullscreen'] });
  }
  normInfo(n);
}

const CHR_TYPES = ['null', 'vc', 'pty', 'dev', 'file', 'pipe', 'stdio', 'udp', 'tcp', 'unix', 'spicevmc',
  'spiceport', 'nmdm', 'qemu-vdagent', 'dbus'];

function normChr(n: XNode): void {
  const type = getAttr(n, 'type') ?? 'pty';
  if (!CHR_TYPES.includes(type)) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, DOM,
      `unknown type presented to host for character device: ${type}`);
  }
  setAttr(n, 'type', type);
  for (const s of kids(n, 'source')) {
    if (type === 'tcp' || type === 'udp' || type === 'unix') {
      if (!hasAttr(s, 'mode')) setAttr(s, 'mode', 'connect');
      canon(s, { attrs: ['mode', 'host', 'service', 'path', 'tls'] });
    } else {
      canon(s, { attrs: ['path', 'append', 'channel', 'master', 'slave', 'mode'] });
    }
  }
  // TCP character devices always state their protocol (CHR_SPEC orders it).
  if (type === 'tcp' && !kid(n, 'protocol')) n.children.push(node('protocol', [['type', 'raw']]));
  normInfo(n);
}

function chrSourceKey(n: XNode): string {
  const copy = cloneNode(n);
  copy.children = copy.children.filter((c) => c.name === 'source' || c.name === 'protocol' || c.name === 'log');
  copy.attrs = copy.attrs.filter(([k]) => k === 'type');
  return JSON.stringify(copy);
}

function chrTarget(n: XNode): XNode {
  let t = kid(n, 'target');
  if (!t) {
    t = node('target');
    n.children.push(t);
  }
  return t;
}

function normSound(n: XNode): void {
  const model = getAttr(n, 'model');
  if (model !== 'ich6' && model !== 'ich7' && model !== 'ich9') removeKids(n, 'codec');
  normInfo(n);
}

function normWatchdog(n: XNode): void {
  if (!hasAttr(n, 'action')) setAttr(n, 'action', 'reset');
  normInfo(n);
}

function normFilesystem(n: XNode): void {
  if (!hasAttr(n, 'type')) setAttr(n, 'type', 'mount');
  const type = getAttr(n, 'type');
  if (!hasAttr(n, 'accessmode') && (type === 'mount' || type === 'bind')) setAttr(n, 'accessmode', 'passthrough');
  normInfo(n);
}

function normHostdev(n: XNode): void {
  if ((getAttr(n, 'mode') ?? 'subsystem') === 'subsystem') {
    setAttr(n, 'mode', 'subsystem');
    setAttr(n, 'managed', getAttr(n, 'managed') === 'yes' ? 'yes' : 'no');
  }
  const src = kid(n, 'source');
  for (const a of kids(src, 'address')) {
    if (getAttr(n, 'type') === 'pci') {
      const num = (k: string) => parseIntBase0(getAttr(a, k)) ?? 0;
      setAttr(a, 'domain', hex(num('domain'), 4));
      setAttr(a, 'bus', hex(num('bus'), 2));
      setAttr(a, 'slot', hex(num('slot'), 2));
      setAttr(a, 'function', hex(num('function'), 1));
      canon(a, { attrs: ['domain', 'bus', 'slot', 'function'] });
    }
  }
  normInfo(n);
}

function normMemballoon(n: XNode): void {
  normInfo(n);
}

function normGeneric(n: XNode): void {
  normInfo(n);
}

/** A `<memory>` device: sizes are written in KiB. */
function normMemoryDevice(n: XNode): void {
  const toKiB = (e: XNode | undefined) => {
    if (!e) return;
    const t = e.text.trim();
    if (!/^\d+$/.test(t)) return;
    const unit = getAttr(e, 'unit');
    const scale = unit === undefined ? 1024 : unitBytes(unit);
    if (scale === undefined) return;
    e.text = String(Math.ceil((Number(t) * scale) / 1024));
    e.attrs = [['unit', 'KiB']];
  };
  const target = kid(n, 'target');
  for (const k of ['size', 'requested', 'current', 'block']) toKiB(kid(target, k));
  toKiB(kid(kid(target, 'label'), 'size'));
  if (target) canon(target, { kids: ['size', 'node', 'label', 'readonly', 'block', 'requested', 'current', 'address'] });
  toKiB(kid(kid(n, 'source'), 'pagesize'));
  normInfo(n);
}

/** virScaleInteger's units in bytes; undefined for an unknown one. */
function unitBytes(unit: string): number | undefined {
  const u = unit.toLowerCase();
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1;
  const p = ({ k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 } as Record<string, number>)[u[0] ?? ''];
  if (p === undefined) return undefined;
  if (u.length === 1 || u.slice(1) === 'ib') return 1024 ** p;
  if (u.length === 2 && u[1] === 'b') return 1000 ** p;
  return undefined;
}

/** `<redirfilter><usbdev>`: USB ids in upper-case hex, version as major.minor. */
function normRedirfilter(n: XNode): void {
  const up = (v: number, w: number) => '0x' + v.toString(16).toUpperCase().padStart(w, '0');
  for (const u of kids(n, 'usbdev')) {
    for (const [k, w] of [['class', 2], ['vendor', 4], ['product', 4]] as const) {
      const v = getAttr(u, k);
      if (v === undefined || v === '-1') continue;
      const num = parseIntBase0(v);
      if (num !== undefined) setAttr(u, k, up(num, w));
    }
    const ver = getAttr(u, 'version');
    if (ver !== undefined && ver !== '-1' && /^\d+(\.\d+)?$/.test(ver)) {
      const hundredths = Math.round(Number(ver) * 100);
      setAttr(u, 'version', `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`);
    }
    canon(u, { attrs: ['class', 'vendor', 'product', 'version', 'allow'] });
  }
}

// ---------------------------------------------------------------------------
// Parse and format the whole <devices> element.

/** The parsed devices of a domain, by kind, plus the emulator path. */
export interface Devices {
  emulator?: string;
  list: Device[];
}

/** Parses the children of `<devices>` (in document order) with libvirt's defaults. */
export function parseDevices(devs: XNode | undefined, ctx: DeviceContext): Devices {
  const out: Devices = { list: [] };
  if (!devs) return out;
  const byKind = new Map<string, XNode[]>();
  for (const c of devs.children) {
    if (c.name === 'emulator') {
      if (out.emulator === undefined) out.emulator = c.text;
      continue;
    }
    if (!(DEVICE_ORDER as readonly string[]).includes(c.name)) continue;
    const list = byKind.get(c.name) ?? [];
    list.push(c);
    byKind.set(c.name, list);
  }
  const get = (k: string): XNode[] => byKind.get(k) ?? [];

  // Disks: inserted as virDomainDiskInsert does, grouping by the bus
  // written in the XML (before defaults) and ordering by target index.
  const disks: XNode[] = [];
  const seenDst = new Map<string, XNode>();
  for (const d of get('disk')) {
    normDisk(d);
    const target = kid(d, 'target')!;
    const dst = getAttr(target, 'dev')!;
    const bus = getAttr(target, 'bus') ?? '';
    let insertAt = -1;
    for (let i = disks.length - 1; i >= 0; i--) {
      const t = kid(disks[i], 'target')!;
      const ob = getAttr(t, '__bus') ?? '';
      if (ob === bus) {
        if (diskNameToIndex(getAttr(t, 'dev')!) > diskNameToIndex(dst)) insertAt = i;
        else if (insertAt === -1) insertAt = i + 1;
      }
    }
    setAttr(target, '__bus', bus);
    if (insertAt < 0) disks.push(d);
    else disks.splice(insertAt, 0, d);
    const prev = seenDst.get(dst);
    if (prev) {
      const path = (x: XNode) => {
        const s = kid(x, 'source');
        return s ? (getAttr(s, 'file') ?? getAttr(s, 'dev') ?? getAttr(s, 'dir') ?? getAttr(s, 'name') ?? '') : '';
      };
      throw xmlError(`target '${dst}' duplicated for disk sources '${path(prev)}' and '${path(d)}'`);
    }
    seenDst.set(dst, d);
  }
  for (const d of disks) {
    const target = kid(d, 'target')!;
    setAttr(target, '__bus', undefined);
    const dst = getAttr(target, 'dev')!;
    let bus = getAttr(target, 'bus');
    if (bus === undefined) {
      bus = diskDefaultBus(getAttr(d, 'device')!, dst);
      setAttr(target, 'bus', bus);
    } else if (!DISK_BUSES.includes(bus)) {
      throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
        `Invalid value for attribute 'bus' in element 'target': '${bus}'.`);
    }
    diskAssignAddress(d, bus, dst);
    canon(d, SPECS['disk']);
    out.list.push({ kind: 'disk', node: d });
  }

  const controllers: XNode[] = [];
  const ctrlIndex = (c: XNode) => parseInt(getAttr(c, 'index') ?? '-1', 10);
  const addController = (c: XNode) => {
    // virDomainControllerInsertPreAlloced: after the last of its type,
    // before a same-type controller with a higher index; one without an
    // index yet goes after the last of its type.
    const type = getAttr(c, 'type');
    const idx = ctrlIndex(c);
    let insertAt = -1;
    for (let i = controllers.length - 1; i >= 0; i--) {
      const cur = controllers[i]!;
      if (getAttr(cur, 'type') !== type) continue;
      if (idx === -1) {
        insertAt = i + 1;
        break;
      }
      if (ctrlIndex(cur) > idx) insertAt = i;
      else if (insertAt === -1) insertAt = i + 1;
    }
    if (insertAt < 0) controllers.push(c);
    else controllers.splice(insertAt, 0, c);
  };
  for (const c of get('controller')) {
    normController(c);
    if (!hasAttr(c, 'type')) setAttr(c, 'type', 'ide');
    const idx = parseIntBase0(getAttr(c, 'index'));
    setAttr(c, 'index', idx ?? undefined);
    addController(c);
  }
  // Controllers without an index get the lowest free one of their type.
  for (const c of controllers) {
    if (hasAttr(c, 'index')) continue;
    const used = new Set(controllers.filter((x) => getAttr(x, 'type') === getAttr(c, 'type')).map(ctrlIndex));
    let i = 0;
    while (used.has(i)) i++;
    setAttr(c, 'index', i);
  }
  for (const c of controllers) canon(c, SPECS['controller']);
  const hasController = (type: string, idx: number) =>
    controllers.some((c) => getAttr(c, 'type') === type && getAttr(c, 'index') === String(idx));
  const maybeAddController = (type: string, idx: number) => {
    if (hasController(type, idx)) return;
    addController(node('controller', [['type', type], ['index', idx]]));
  };
  // virDomainDefAddDiskControllers: scsi, fdc, ide, sata in that order.
  for (const [ctype, bus] of [['scsi', 'scsi'], ['fdc', 'fdc'], ['ide', 'ide'], ['sata', 'sata']] as const) {
    let max = -1;
    for (const d of disks) {
      if (getAttr(kid(d, 'target'), 'bus') !== bus) continue;
      const a = kid(d, 'address');
      if (getAttr(a, 'type') !== 'drive') continue;
      max = Math.max(max, parseInt(getAttr(a, 'controller') ?? '0', 10));
    }
    for (const h of get('hostdev')) {
      if (ctype !== 'scsi' || getAttr(h, 'type') !== 'scsi') continue;
      const a = kid(h, 'address');
      if (getAttr(a, 'type') === 'drive') max = Math.max(max, parseInt(getAttr(a, 'controller') ?? '0', 10));
    }
    for (let i = 0; i <= max; i++) maybeAddController(ctype, i);
  }
  // virDomainDefMaybeAddVirtioSerialController.
  for (const c of [...get('channel'), ...get('console')]) {
    const t = kid(c, 'target');
    if (getAttr(t, 'type') !== 'virtio') continue;
    const a = kid(c, 'address');
    const idx = getAttr(a, 'type') === 'virtio-serial' ? (parseIntBase0(getAttr(a, 'controller')) ?? 0) : 0;
    maybeAddController('virtio-serial', idx);
  }
  // virDomainDefMaybeAddSmartcardController.
  const smartcards = get('smartcard');
  smartcards.forEach((s, i) => {
    let a = kid(s, 'address');
    if (!a) {
      a = node('address', [['type', 'ccid'], ['controller', 0], ['slot', i]]);
      s.children.push(a);
    }
    const idx = parseIntBase0(getAttr(a, 'controller')) ?? 0;
    maybeAddController('ccid', idx);
  });

  for (const c of controllers) out.list.push({ kind: 'controller', node: c });

  for (const kind of ['lease', 'filesystem'] as const) {
    for (const n of get(kind)) {
      if (kind === 'filesystem') normFilesystem(n);
      canon(n, SPECS[kind]);
      out.list.push({ kind, node: n });
    }
  }
  for (const n of get('interface')) {
    normInterface(n);
    canon(n, SPECS['interface']);
    out.list.push({ kind: 'interface', node: n });
  }
  for (const n of smartcards) {
    normGeneric(n);
    canon(n, SPECS['smartcard']);
    out.list.push({ kind: 'smartcard', node: n });
  }

  // Character devices.
  const serials = get('serial');
  const parallels = get('parallel');
  let consoles = get('console');
  const channels = get('channel');
  for (const list of [serials, parallels]) {
    list.forEach((c, i) => {
      normChr(c);
      const t = chrTarget(c);
      if (!hasAttr(t, 'port')) {
        let max = -1;
        for (let j = 0; j < i; j++) max = Math.max(max, parseInt(getAttr(kid(list[j], 'target'), 'port') ?? '-1', 10));
        setAttr(t, 'port', max + 1);
      }
      canon(t, { attrs: ['type', 'port'], kids: ['model'] });
    });
  }
  consoles.forEach((c, i) => {
    normChr(c);
    setAttr(chrTarget(c), 'port', i);
  });
  consoles.forEach((c, i) => {
    const t = chrTarget(c);
    if (i > 0 && getAttr(t, 'type') === 'serial') {
      throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, DOM, 'Only the first console can be a serial port');
    }
  });
  // virDomainDefAddConsoleCompat.
  const aliases = new Set<XNode>();
  const consoleIsSerial = (c: XNode) => {
    const tt = getAttr(kid(c, 'target'), 'type');
    return tt === undefined || tt === 'serial';
  };
  if (consoles.length > 0 && ctx.osType === 'hvm' && consoleIsSerial(consoles[0]!)) {
    const c0 = consoles[0]!;
    if (serials.length === 0) {
      const s = cloneNode(c0);
      s.name = 'serial';
      const t = chrTarget(s);
      t.attrs = [['port', '0']];
      t.children = [];
      serials.push(s);
    } else if (chrSourceKey(serials[0]!) !== chrSourceKey(c0)) {
      consoles[0] = node('console', [['type', 'pty']], [node('target', [['type', 'serial']])]);
    }
    consoles[0] = node('console', [['type', getAttr(consoles[0], 'type') ?? 'pty']],
      [node('target', [['type', 'serial'], ['port', 0]])]);
    aliases.add(consoles[0]);
  } else if (ctx.osType === 'hvm' && serials.length > 0) {
    const tt = getAttr(kid(serials[0], 'target'), 'type');
    if (tt === undefined || tt === 'isa-serial') {
      const stub = node('console', [['type', 'pty']], [node('target', [['type', 'serial'], ['port', 0]])]);
      aliases.add(stub);
      consoles = [stub, ...consoles];
    }
  }
  consoles.forEach((c) => {
    const t = chrTarget(c);
    // The test driver has no console default of its own: 'serial' for every OS type.
    if (!hasAttr(t, 'type')) setAttr(t, 'type', 'serial');
    canon(t, { attrs: ['type', 'port'] });
  });
  for (const c of channels) {
    normChr(c);
    const t = kid(c, 'target');
    if (t) canon(t, { attrs: ['type', 'name', 'state', 'address', 'port'] });
  }
  for (const [kind, list] of [['serial', serials], ['parallel', parallels], ['console', consoles],
    ['channel', channels]] as const) {
    for (const n of list) {
      canon(n, CHR_SPEC);
      out.list.push(aliases.has(n) ? { kind, node: n, aliasSerial: true } : { kind, node: n });
    }
  }

  for (const n of get('input')) {
    normInput(n, ctx);
    canon(n, SPECS['input']);
    out.list.push({ kind: 'input', node: n });
  }
  for (const n of get('tpm')) {
    normGeneric(n);
    canon(n, SPECS['tpm']);
    out.list.push({ kind: 'tpm', node: n });
  }
  const graphics = get('graphics');
  for (const n of graphics) {
    normGraphics(n);
    out.list.push({ kind: 'graphics', node: n });
  }
  for (const n of get('sound')) {
    normSound(n);
    canon(n, SPECS['sound']);
    out.list.push({ kind: 'sound', node: n });
  }
  for (const n of get('audio')) {
    canon(n, SPECS['audio']);
    out.list.push({ kind: 'audio', node: n });
  }
  // virDomainDefAddImplicitVideo: graphics without video get a default one.
  const videos = get('video');
  if (videos.length === 0 && graphics.length > 0) videos.push(node('video'));
  videos.forEach((n, i) => {
    normVideo(n, ctx, i === 0);
    canon(n, SPECS['video']);
    out.list.push({ kind: 'video', node: n });
  });
  for (const kind of ['hostdev', 'redirdev', 'redirfilter', 'hub', 'watchdog', 'memballoon', 'rng', 'nvram',
    'panic', 'shmem', 'memory', 'iommu', 'vsock'] as const) {
    for (const n of get(kind)) {
      if (kind === 'hostdev') normHostdev(n);
      else if (kind === 'watchdog') normWatchdog(n);
      else if (kind === 'memballoon') normMemballoon(n);
      else if (kind === 'redirfilter') normRedirfilter(n);
      else if (kind === 'memory') normMemoryDevice(n);
      else normGeneric(n);
      canon(n, SPECS[kind]);
      out.list.push({ kind, node: n });
    }
  }
  return out;
}

/** Formatting switches devices care about (VIR_DOMAIN_DEF_FORMAT_SECURE). */
export interface FormatDeviceOptions {
  secure: boolean;
}

/** Writes the `<devices>` element at `depth`. */
export function formatDevices(devs: Devices, depth: number, opts: FormatDeviceOptions, out: string[]): void {
  const pad = '  '.repeat(depth);
  out.push(`${pad}<devices>\n`);
  if (devs.emulator !== undefined) out.push(`${pad}  <emulator>${escapeText(devs.emulator)}</emulator>\n`);
  const serials = devs.list.filter((d) => d.kind === 'serial');
  let consoleIdx = 0;
  for (const kind of DEVICE_ORDER) {
    for (const d of devs.list) {
      if (d.kind !== kind) continue;
      let n = d.node;
      if (kind === 'console') {
        const i = consoleIdx++;
        const tt = getAttr(kid(n, 'target'), 'type');
        if (d.aliasSerial || (tt === 'serial' && i < serials.length)) {
          const s = serials[i];
          if (s) {
            n = cloneNode(s.node);
            n.name = 'console';
            const t = kid(n, 'target');
            if (t) { t.attrs = [['type', 'serial'], ['port', getAttr(t, 'port') ?? '0']]; t.children = []; }
            n.children = n.children.filter((c) => c.name !== 'address' && c.name !== 'alias');
          }
        }
      }
      if (kind === 'graphics' && !opts.secure) {
        n = cloneNode(n);
        setAttr(n, 'passwd', undefined);
      }
      formatNode(n, depth + 1, out);
    }
  }
  out.push(`${pad}</devices>\n`);
}

function escapeText(s: string): string {
  return escapeLibvirt(s);
}
