/**
 * Node device XML (libvirt's node_device_conf.c, EXISTING_DEVICE mode):
 * parse `<device>` definitions from a test host file and format them as
 * virNodeDeviceDefFormat does. The common capabilities are modelled; the
 * rarer ones (mdev, ccw, css, vdpa, ap_*) are kept as parsed and re-emitted.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { escapeXml, type XmlElement } from '../../util/xml.js';
import {
  childrenNamed, firstChild, formatElement, parseInteger, parseUuid, prop, stringValue, xpathAttr, xpathString,
} from '../../conf/node-conf-util.js';

const D = ErrorDomain.NODEDEV;

/** virNodeDevCapType names, in libvirt's order (the index is the listAll flag bit). */
export const CAP_TYPES = [
  'system', 'pci', 'usb_device', 'usb', 'net', 'scsi_host', 'scsi_target', 'scsi', 'storage',
  'fc_host', 'vports', 'scsi_generic', 'drm', 'mdev_types', 'mdev', 'ccw', 'css', 'vdpa',
  'ap_card', 'ap_queue', 'ap_matrix', 'vpd',
] as const;

export type NodeDevCap =
  | { type: 'system'; product?: string | undefined; hw: { vendor?: string | undefined; version?: string | undefined; serial?: string | undefined; uuid: string }; fw: { vendor?: string | undefined; version?: string | undefined; releaseDate?: string | undefined } }
  | { type: 'pci'; klass: number; domain: number; bus: number; slot: number; function: number; product: number; productName?: string | undefined; vendor: number; vendorName?: string | undefined; iommuGroup?: XmlElement | undefined; numa?: number | undefined; pciExpress?: XmlElement | undefined; subcaps: XmlElement[] }
  | { type: 'usb_device'; bus: number; device: number; product: number; productName?: string | undefined; vendor: number; vendorName?: string | undefined }
  | { type: 'usb'; number: number; klass: number; subclass: number; protocol: number; description?: string | undefined }
  | { type: 'net'; ifname: string; address?: string | undefined; link?: XmlElement | undefined; features: string[]; subtype?: string | undefined }
  | { type: 'scsi_host'; host: number; uniqueId: number; fc?: { wwnn?: string | undefined; wwpn?: string | undefined; fabricWwn?: string | undefined } | undefined; vportOps: boolean }
  | { type: 'scsi_target'; target: string; rport?: { rport: string; wwpn: string } | undefined }
  | { type: 'scsi'; host: number; bus: number; target: number; lun: number; scsiType?: string | undefined }
  | { type: 'storage'; el: XmlElement }
  | { type: 'drm'; drmType: string }
  | { type: 'other'; name: string; el: XmlElement };

export interface NodeDeviceDef {
  name: string;
  /** `<parent wwnn= wwpn= fabric_wwn=>`: how a device to create names its vHBA parent. */
  parentWwnn?: string | undefined;
  parentWwpn?: string | undefined;
  parentFabricWwn?: string | undefined;
  sysfsPath?: string | undefined;
  devnode?: string | undefined;
  devlinks: string[];
  parent?: string | undefined;
  driver?: string | undefined;
  caps: NodeDevCap[];
}

function internal(msg: string): VirtError {
  return VirtError.report(ErrorCode.INTERNAL_ERROR, D, msg);
}

/** virXPathULong("number(./x[1])"): missing → -1, not a number → -2. */
function numberAt(el: XmlElement, name: string): number | -1 | -2 {
  const c = firstChild(el, name);
  if (!c) return -1;
  const s = stringValue(c).trim();
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(s)) return -2;
  return Math.trunc(Number(s));
}

function ulong(el: XmlElement, name: string, dev: string, missing: string, invalid: string): number {
  const v = numberAt(el, name);
  if (v === -1 && !firstChild(el, name)) throw internal(missing.replace('%s', dev));
  if (v === -2 || v < 0) throw internal(invalid.replace('%s', dev));
  return v;
}

/** virXPathULongHex on an `id` attribute. */
function hexId(el: XmlElement, name: string, dev: string, missing: string, invalid: string): number {
  const v = xpathAttr(firstChild(el, name), 'id');
  if (v === undefined) throw internal(missing.replace('%s', dev));
  const n = parseInteger(v, 16);
  if (n === null || n < 0n || n > 0xffffffffn) throw internal(invalid.replace('%s', dev));
  return Number(n);
}

function parseCap(dev: string, el: XmlElement, create: boolean): NodeDevCap {
  const type = prop(el, 'type');
  if (type === undefined) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `Missing required attribute 'type' in element 'capability'`);
  }
  if (!(CAP_TYPES as readonly string[]).includes(type)) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `Invalid value for attribute 'type' in element 'capability': '${type}'.`);
  }
  switch (type) {
    case 'system': {
      const hw = firstChild(el, 'hardware');
      const fw = firstChild(el, 'firmware');
      const uuidStr = xpathString(hw, 'uuid');
      if (uuidStr === undefined) throw internal(`no system UUID supplied for '${dev}'`);
      const uuid = parseUuid(uuidStr);
      if (!uuid) throw internal(`malformed uuid element for '${dev}'`);
      return {
        type, product: xpathString(el, 'product'),
        hw: { vendor: xpathString(hw, 'vendor'), version: xpathString(hw, 'version'), serial: xpathString(hw, 'serial'), uuid },
        fw: { vendor: xpathString(fw, 'vendor'), version: xpathString(fw, 'version'), releaseDate: xpathString(fw, 'release_date') },
      };
    }
    case 'pci': {
      let klass = -1;
      const k = xpathString(el, 'class');
      if (k !== undefined) {
        const v = parseInteger(k, 16);
        if (v === null || v > 0xffffffn || v < -0x80000000n) throw internal(`invalid PCI class supplied for '${dev}'`);
        klass = Number(v);
      }
      const c = {
        type, klass,
        domain: ulong(el, 'domain', dev, "no PCI domain ID supplied for '%s'", "invalid PCI domain ID supplied for '%s'"),
        bus: ulong(el, 'bus', dev, "no PCI bus ID supplied for '%s'", "invalid PCI bus ID supplied for '%s'"),
        slot: ulong(el, 'slot', dev, "no PCI slot ID supplied for '%s'", "invalid PCI slot ID supplied for '%s'"),
        function: ulong(el, 'function', dev, "no PCI function ID supplied for '%s'", "invalid PCI function ID supplied for '%s'"),
        vendor: hexId(el, 'vendor', dev, "no PCI vendor ID supplied for '%s'", "invalid PCI vendor ID supplied for '%s'"),
        product: hexId(el, 'product', dev, "no PCI product ID supplied for '%s'", "invalid PCI product ID supplied for '%s'"),
        vendorName: xpathString(el, 'vendor'),
        productName: xpathString(el, 'product'),
        iommuGroup: firstChild(el, 'iommuGroup'),
        pciExpress: firstChild(el, 'pci-express'),
        subcaps: childrenNamed(el, 'capability'),
      } as const;
      const numa = xpathAttr(firstChild(el, 'numa'), 'node');
      let numaNode: number | undefined;
      if (numa !== undefined) {
        const v = parseInteger(numa);
        if (v === null) throw internal(`invalid NUMA node ID supplied for '${dev}'`);
        numaNode = Number(v);
      }
      return { ...c, numa: numaNode, subcaps: [...c.subcaps] };
    }
    case 'usb_device':
      return {
        type,
        bus: ulong(el, 'bus', dev, "no USB bus number supplied for '%s'", "invalid USB bus number supplied for '%s'"),
        device: ulong(el, 'device', dev, "no USB device number supplied for '%s'", "invalid USB device number supplied for '%s'"),
        vendor: hexId(el, 'vendor', dev, "no USB vendor ID supplied for '%s'", "invalid USB vendor ID supplied for '%s'"),
        product: hexId(el, 'product', dev, "no USB product ID supplied for '%s'", "invalid USB product ID supplied for '%s'"),
        vendorName: xpathString(el, 'vendor'),
        productName: xpathString(el, 'product'),
      };
    case 'usb':
      return {
        type,
        number: ulong(el, 'number', dev, "no USB interface number supplied for '%s'", "invalid USB interface number supplied for '%s'"),
        klass: ulong(el, 'class', dev, "no USB interface class supplied for '%s'", "invalid USB interface class supplied for '%s'"),
        subclass: ulong(el, 'subclass', dev, "no USB interface subclass supplied for '%s'", "invalid USB interface subclass supplied for '%s'"),
        protocol: ulong(el, 'protocol', dev, "no USB interface protocol supplied for '%s'", "invalid USB interface protocol supplied for '%s'"),
        description: xpathString(el, 'description'),
      };
    case 'net': {
      const ifname = xpathString(el, 'interface');
      if (ifname === undefined) throw internal(`no network interface supplied for '${dev}'`);
      const features: string[] = [];
      for (const f of childrenNamed(el, 'feature')) {
        const n = prop(f, 'name');
        if (n === undefined) throw VirtError.report(ErrorCode.XML_ERROR, D, 'missing network device feature name');
        if (!NET_FEATURES.includes(n)) throw VirtError.report(ErrorCode.XML_ERROR, D, `unknown network device feature '${n}'`);
        if (!features.includes(n)) features.push(n);
      }
      features.sort((a, b) => NET_FEATURES.indexOf(a) - NET_FEATURES.indexOf(b));
      const sub = xpathAttr(firstChild(el, 'capability'), 'type');
      if (sub !== undefined && sub !== '80203' && sub !== '80211') {
        throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, `invalid network type supplied for '${dev}'`);
      }
      return { type, ifname, address: xpathString(el, 'address'), link: firstChild(el, 'link'), features, subtype: sub };
    }
    case 'scsi_host': {
      // A device to create gets its host number from the kernel: only existing ones carry it.
      let host = 0;
      let uniqueId = -1;
      if (!create) {
        host = ulong(el, 'host', dev, "no SCSI host ID supplied for '%s'", "invalid SCSI host ID supplied for '%s'");
        const u = numberAt(el, 'unique_id');
        if (u === -2) throw internal(`invalid unique_id supplied for '${dev}'`);
        if (firstChild(el, 'unique_id')) uniqueId = u;
      }
      const c: NodeDevCap = { type, host, uniqueId, vportOps: false };
      for (const sub of childrenNamed(el, 'capability')) {
        const t = prop(sub, 'type');
        if (t === undefined) throw internal(`missing SCSI host capability type for '${dev}'`);
        if (t === 'vport_ops') c.vportOps = true;
        else if (t === 'fc_host') {
          c.fc = { wwnn: xpathString(sub, 'wwnn'), wwpn: xpathString(sub, 'wwpn'), fabricWwn: xpathString(sub, 'fabric_wwn') };
          // A missing WWN would be generated for the virt type (virRandomGenerateWWN), which the
          // test driver has none of: that always fails.
          if (create && c.fc.wwnn === undefined) throw internal(`no WWNN supplied for '${dev}', and auto-generation failed`);
          if (create && c.fc.wwpn === undefined) throw internal(`no WWPN supplied for '${dev}', and auto-generation failed`);
        } else {
          throw internal(`unknown SCSI host capability type '${t}' for '${dev}'`);
        }
      }
      return c;
    }
    case 'scsi_target': {
      const target = xpathString(el, 'target');
      if (target === undefined) throw internal(`no target name supplied for '${dev}'`);
      const c: NodeDevCap = { type, target };
      for (const sub of childrenNamed(el, 'capability')) {
        const t = prop(sub, 'type');
        if (t === undefined) throw internal(`missing type for SCSI target capability for '${dev}'`);
        if (t !== 'fc_remote_port') throw internal(`unknown SCSI target capability type '${t}' for '${dev}'`);
        const rport = xpathString(sub, 'rport');
        if (rport === undefined) throw internal(`missing rport name for '${dev}'`);
        const wwpn = xpathString(sub, 'wwpn');
        if (wwpn === undefined) throw internal(`missing wwpn identifier for '${dev}'`);
        c.rport = { rport, wwpn };
      }
      return c;
    }
    case 'scsi':
      return {
        type,
        host: ulong(el, 'host', dev, "no SCSI host ID supplied for '%s'", "invalid SCSI host ID supplied for '%s'"),
        bus: ulong(el, 'bus', dev, "no SCSI bus ID supplied for '%s'", "invalid SCSI bus ID supplied for '%s'"),
        target: ulong(el, 'target', dev, "no SCSI target ID supplied for '%s'", "invalid SCSI target ID supplied for '%s'"),
        lun: ulong(el, 'lun', dev, "no SCSI LUN ID supplied for '%s'", "invalid SCSI LUN ID supplied for '%s'"),
        scsiType: xpathString(el, 'type'),
      };
    case 'storage':
      if (xpathString(el, 'block') === undefined) throw internal(`no block device path supplied for '${dev}'`);
      return { type, el };
    case 'drm': {
      const t = xpathString(el, 'type');
      if (t !== 'primary' && t !== 'control' && t !== 'render') {
        throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `unknown drm type '${t ?? ''}' for '${dev}'`);
      }
      return { type, drmType: t };
    }
    case 'mdev': case 'ccw': case 'css': case 'ap_card': case 'ap_queue': case 'ap_matrix':
      return { type: 'other', name: type, el };
    default:
      // fc_host, vports, mdev_types, scsi_generic, vdpa, vpd: not parseable at top level.
      throw internal(`unknown capability type '${CAP_TYPES.indexOf(type as (typeof CAP_TYPES)[number])}' for '${dev}'`);
  }
}

/** virNetDevFeature names, in enum order. */
const NET_FEATURES = ['rx', 'tx', 'sg', 'tso', 'gso', 'gro', 'lro', 'rxvlan', 'txvlan', 'ntuple', 'rxhash', 'rdma', 'txudptnl', 'switchdev'];

/**
 * virNodeDeviceDefParseXML on a `<device>` element: EXISTING_DEVICE for a
 * host file, CREATE_DEVICE (`create`) for virNodeDeviceCreateXML, where the
 * name is always 'new device'.
 */
export function parseNodeDeviceDef(root: XmlElement, create = false): NodeDeviceDef {
  if (root.name !== 'device') {
    throw VirtError.report(ErrorCode.XML_ERROR, D, `unexpected root element <${root.name}> expecting <device>`);
  }
  const name = create ? 'new device' : xpathString(root, 'name');
  if (name === undefined) throw VirtError.report(ErrorCode.NO_NAME, D, null);
  const def: NodeDeviceDef = { name, sysfsPath: xpathString(root, 'path'), devlinks: [], caps: [] };
  for (const dn of childrenNamed(root, 'devnode')) {
    const t = prop(dn, 'type');
    if (t === undefined) {
      throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `Missing required attribute 'type' in element 'devnode'`);
    }
    if (t === 'dev') def.devnode = stringValue(dn);
    else if (t === 'link') def.devlinks.push(stringValue(dn));
    else throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `Invalid value for attribute 'type' in element 'devnode': '${t}'.`);
  }
  def.parent = xpathString(root, 'parent');
  const parentEl = firstChild(root, 'parent');
  const pwwnn = xpathAttr(parentEl, 'wwnn');
  const pwwpn = xpathAttr(parentEl, 'wwpn');
  if (pwwnn !== undefined && pwwpn === undefined) {
    throw VirtError.report(ErrorCode.XML_ERROR, D, `when providing parent wwnn='${pwwnn}', the wwpn must also be provided`);
  }
  if (pwwnn === undefined && pwwpn !== undefined) {
    throw VirtError.report(ErrorCode.XML_ERROR, D, `when providing parent wwpn='${pwwpn}', the wwnn must also be provided`);
  }
  def.parentWwnn = pwwnn;
  def.parentWwpn = pwwpn;
  def.parentFabricWwn = xpathAttr(parentEl, 'fabric_wwn');
  // <driver> is filled from sysfs by the real node device driver; the parser ignores it.
  const caps = childrenNamed(root, 'capability');
  if (caps.length === 0) throw internal(`no device capabilities for '${name}'`);
  for (const c of caps) def.caps.push(parseCap(name, c, create));
  return def;
}

function esc(s: string): string {
  return escapeXml(s);
}

function hex(n: number, w: number): string {
  return '0x' + n.toString(16).padStart(w, '0');
}

function formatCapBody(c: NodeDevCap, p: string): string {
  let s = '';
  switch (c.type) {
    case 'system':
      if (c.product !== undefined) s += `${p}<product>${esc(c.product)}</product>\n`;
      s += `${p}<hardware>\n`;
      if (c.hw.vendor !== undefined) s += `${p}  <vendor>${esc(c.hw.vendor)}</vendor>\n`;
      if (c.hw.version !== undefined) s += `${p}  <version>${esc(c.hw.version)}</version>\n`;
      if (c.hw.serial !== undefined) s += `${p}  <serial>${esc(c.hw.serial)}</serial>\n`;
      s += `${p}  <uuid>${c.hw.uuid}</uuid>\n${p}</hardware>\n`;
      s += `${p}<firmware>\n`;
      if (c.fw.vendor !== undefined) s += `${p}  <vendor>${esc(c.fw.vendor)}</vendor>\n`;
      if (c.fw.version !== undefined) s += `${p}  <version>${esc(c.fw.version)}</version>\n`;
      if (c.fw.releaseDate !== undefined) s += `${p}  <release_date>${esc(c.fw.releaseDate)}</release_date>\n`;
      s += `${p}</firmware>\n`;
      break;
    case 'pci':
      if (c.klass >= 0) s += `${p}<class>0x${c.klass.toString(16).padStart(6, '0')}</class>\n`;
      s += `${p}<domain>${c.domain}</domain>\n${p}<bus>${c.bus}</bus>\n${p}<slot>${c.slot}</slot>\n${p}<function>${c.function}</function>\n`;
      s += `${p}<product id='${hex(c.product, 4)}'` + (c.productName !== undefined ? `>${esc(c.productName)}</product>\n` : '/>\n');
      s += `${p}<vendor id='${hex(c.vendor, 4)}'` + (c.vendorName !== undefined ? `>${esc(c.vendorName)}</vendor>\n` : '/>\n');
      for (const sub of c.subcaps) s += formatElement(sub, p.length / 2);
      if (c.iommuGroup) s += formatElement(c.iommuGroup, p.length / 2);
      if (c.numa !== undefined && c.numa >= 0) s += `${p}<numa node='${c.numa}'/>\n`;
      if (c.pciExpress) s += formatElement(c.pciExpress, p.length / 2);
      break;
    case 'usb_device':
      s += `${p}<bus>${c.bus}</bus>\n${p}<device>${c.device}</device>\n`;
      s += `${p}<product id='${hex(c.product, 4)}'` + (c.productName !== undefined ? `>${esc(c.productName)}</product>\n` : ' />\n');
      s += `${p}<vendor id='${hex(c.vendor, 4)}'` + (c.vendorName !== undefined ? `>${esc(c.vendorName)}</vendor>\n` : ' />\n');
      break;
    case 'usb':
      s += `${p}<number>${c.number}</number>\n${p}<class>${c.klass}</class>\n${p}<subclass>${c.subclass}</subclass>\n${p}<protocol>${c.protocol}</protocol>\n`;
      if (c.description !== undefined) s += `${p}<description>${esc(c.description)}</description>\n`;
      break;
    case 'net': {
      s += `${p}<interface>${esc(c.ifname)}</interface>\n`;
      if (c.address !== undefined) s += `${p}<address>${esc(c.address)}</address>\n`;
      const speed = prop(c.link, 'speed');
      const state = prop(c.link, 'state');
      if (c.link && (speed || state)) s += `${p}<link${speed ? ` speed='${speed}'` : ''}${state ? ` state='${state}'` : ''}/>\n`;
      for (const f of c.features) s += `${p}<feature name='${f}'/>\n`;
      if (c.subtype !== undefined) s += `${p}<capability type='${c.subtype}'/>\n`;
      break;
    }
    case 'scsi_host':
      s += `${p}<host>${c.host}</host>\n`;
      if (c.uniqueId !== -1) s += `${p}<unique_id>${c.uniqueId}</unique_id>\n`;
      if (c.fc) {
        s += `${p}<capability type='fc_host'>\n`;
        if (c.fc.wwnn !== undefined) s += `${p}  <wwnn>${esc(c.fc.wwnn)}</wwnn>\n`;
        if (c.fc.wwpn !== undefined) s += `${p}  <wwpn>${esc(c.fc.wwpn)}</wwpn>\n`;
        if (c.fc.fabricWwn !== undefined) s += `${p}  <fabric_wwn>${esc(c.fc.fabricWwn)}</fabric_wwn>\n`;
        s += `${p}</capability>\n`;
      }
      if (c.vportOps) {
        // max_vports/vports come from sysfs, which the test driver never reads.
        s += `${p}<capability type='vport_ops'>\n${p}  <max_vports>0</max_vports>\n${p}  <vports>0</vports>\n${p}</capability>\n`;
      }
      break;
    case 'scsi_target':
      s += `${p}<target>${esc(c.target)}</target>\n`;
      if (c.rport) {
        s += `${p}<capability type='fc_remote_port'>\n${p}  <rport>${c.rport.rport}</rport>\n${p}  <wwpn>${c.rport.wwpn}</wwpn>\n${p}</capability>\n`;
      }
      break;
    case 'scsi':
      s += `${p}<host>${c.host}</host>\n${p}<bus>${c.bus}</bus>\n${p}<target>${c.target}</target>\n${p}<lun>${c.lun}</lun>\n`;
      if (c.scsiType !== undefined) s += `${p}<type>${esc(c.scsiType)}</type>\n`;
      break;
    case 'storage':
      for (const ch of c.el.children) s += formatElement(ch, p.length / 2);
      break;
    case 'drm':
      s += `${p}<type>${c.drmType}</type>\n`;
      break;
    case 'other':
      for (const ch of c.el.children) s += formatElement(ch, p.length / 2);
      break;
  }
  return s;
}

/** virNodeDeviceDefFormat. */
export function formatNodeDeviceDef(def: NodeDeviceDef): string {
  const p = '  ';
  let s = '<device>\n';
  s += `${p}<name>${esc(def.name)}</name>\n`;
  if (def.sysfsPath !== undefined) s += `${p}<path>${esc(def.sysfsPath)}</path>\n`;
  if (def.devnode !== undefined) s += `${p}<devnode type='dev'>${esc(def.devnode)}</devnode>\n`;
  for (const l of def.devlinks) s += `${p}<devnode type='link'>${esc(l)}</devnode>\n`;
  if (def.parent !== undefined) s += `${p}<parent>${esc(def.parent)}</parent>\n`;
  if (def.driver !== undefined) s += `${p}<driver>\n${p}  <name>${esc(def.driver)}</name>\n${p}</driver>\n`;
  for (const c of def.caps) {
    const t = c.type === 'other' ? c.name : c.type;
    s += `${p}<capability type='${t}'>\n`;
    s += formatCapBody(c, p + '  ');
    s += `${p}</capability>\n`;
  }
  return s + '</device>\n';
}

/** The capability names a device answers to (virNodeDeviceObjHasCap, nested ones included). */
export function deviceCapNames(def: NodeDeviceDef): string[] {
  const out: string[] = [];
  for (const c of def.caps) {
    const t = c.type === 'other' ? c.name : c.type;
    out.push(t);
    if (c.type === 'scsi_host') {
      if (c.fc) out.push('fc_host');
      if (c.vportOps) out.push('vports');
    }
    if (c.type === 'pci') {
      for (const sub of c.subcaps) {
        const st = prop(sub, 'type');
        if (st === 'mdev_types' || st === 'vpd') out.push(st);
      }
    }
    if (c.type === 'other' && (c.name === 'css' || c.name === 'ap_matrix')) {
      if (childrenNamed(c.el, 'capability').some((x) => prop(x, 'type') === 'mdev_types')) out.push('mdev_types');
    }
  }
  return out;
}
