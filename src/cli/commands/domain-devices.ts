/**
 * The "Domain Management" commands that build or pick device XML
 * (tools/virsh-domain.c): attach-disk, attach-interface, detach-disk,
 * detach-interface, change-media and update-memory-device. The XML they
 * send, or print with --print-xml, is virsh's own.
 */
import { statSync } from 'node:fs';
import type { Domain } from '../../api/index.js';
import { DomainXMLFlags } from '../../api/constants.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { AFFECT_OPTS, DOMAIN_OPT, type CmdDef, type OptDef, type ParsedCommand } from '../command.js';
import { optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { attr, elems, nodeToString, parseTree, setAttr, type XChild, type XElem } from '../xml-node.js';
import { affectFlags, exclusive, requires } from './domain.js';
import { parseRate } from './domain-config.js';

const LIVE = 1;
const CONFIG = 2;
/** VIR_DOMAIN_DEVICE_MODIFY_FORCE. */
const MODIFY_FORCE = 4;

/** --persistent/--current/--live/--config of the attach and detach commands. */
function deviceFlags(ctl: Shell, cmd: ParsedCommand): { flags: number; current: boolean; persistent: boolean } | null {
  const current = cmd.bool('current');
  const config = cmd.bool('config');
  const live = cmd.bool('live');
  const persistent = cmd.bool('persistent');
  if (!exclusive(ctl, 'persistent', persistent, 'current', current)) return null;
  if (!exclusive(ctl, 'current', current, 'live', live)) return null;
  if (!exclusive(ctl, 'current', current, 'config', config)) return null;
  return { flags: (config || persistent ? CONFIG : 0) | (live ? LIVE : 0), current, persistent };
}

/** Attaches (or detaches) `xml`, with the flags API when any flag (or --current) was given. */
async function sendDevice(ctl: Shell, dom: Domain, xml: string, f: { flags: number; current: boolean; persistent: boolean },
  detach: boolean): Promise<boolean> {
  let flags = f.flags;
  if (f.persistent && (await ctl.attempt(dom.isActive())) === true) flags |= LIVE;
  const d = dom.ref;
  const call = detach
    ? (flags || f.current ? ctl.c.call('domainDetachDeviceFlags', { dom: d, xml, flags })
      : ctl.c.call('domainDetachDevice', { dom: d, xml }))
    : (flags || f.current ? ctl.c.call('domainAttachDeviceFlags', { dom: d, xml, flags })
      : ctl.c.call('domainAttachDevice', { dom: d, xml }));
  return await ctl.attempt(call) !== FAIL;
}

/** virBufferEscapeString's escaping (attribute values virsh writes itself). */
function esc(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' }[c]!));
}

/** `<name attrs/>`, `<name attrs>` + indented children, or nothing (virXMLFormatElement). */
function element(name: string, attrs: string, children: string[], depth: number): string {
  const pad = '  '.repeat(depth);
  if (!attrs && children.length === 0) return '';
  if (children.length === 0) return `${pad}<${name}${attrs}/>\n`;
  return `${pad}<${name}${attrs}>\n${children.join('')}${pad}</${name}>\n`;
}

// ---------------------------------------------------------------------------
// attach-disk

/** strtoul-style: digits in `base` (0x allowed for 16) at the start; the value and the rest. */
function scanUnsigned(s: string, base: 10 | 16): { v: number; rest: string } | null {
  const m = (base === 16 ? /^\s*\+?(?:0[xX])?([0-9a-fA-F]+)/ : /^\s*\+?(\d+)/).exec(s);
  if (!m) return null;
  const v = parseInt(m[1]!, base);
  return v > 0xffffffff ? null : { v, rest: s.slice(m[0].length) };
}

/** str2*Address: numbers separated by any one character each. */
function scanAddress(s: string, bases: Array<10 | 16>): number[] | null {
  const out: number[] = [];
  let rest = s;
  for (let i = 0; i < bases.length; i++) {
    if (i > 0) {
      if (rest === '') return null;
      rest = rest.slice(1);
    }
    const r = scanUnsigned(rest, bases[i]!);
    if (!r) return null;
    out.push(r.v);
    rest = r.rest;
  }
  return out;
}

type DiskAddress = { type: 'pci' | 'ccw' | 'scsi' | 'ide' | 'usb' | 'sata'; n: number[] };

/** str2DiskAddress. */
function parseDiskAddress(str: string): DiskAddress | null {
  const colon = str.indexOf(':');
  if (colon < 0) return null;
  const type = str.slice(0, colon);
  const rest = str.slice(colon + 1);
  const bases: Record<string, Array<10 | 16>> = {
    pci: [16, 16, 16, 16], ccw: [16, 16, 16], scsi: [10, 10, 10], ide: [10, 10, 10], usb: [10, 10], sata: [10, 10, 10],
  };
  const b = bases[type];
  if (!b) return null;
  const n = scanAddress(rest, b);
  return n ? { type: type as DiskAddress['type'], n } : null;
}

const hex = (v: number, width: number) => v.toString(16).padStart(width, '0');

function diskAddressXml(a: DiskAddress, multifunction: boolean): string {
  const [x, y, z, w] = a.n as [number, number, number, number];
  switch (a.type) {
    case 'pci':
      return `<address type='pci' domain='0x${hex(x, 4)}' bus='0x${hex(y, 2)}' slot='0x${hex(z, 2)}' `
        + `function='0x${hex(w, 1)}'${multifunction ? " multifunction='on'" : ''}/>`;
    case 'ccw':
      return `<address type='ccw' cssid='0x${hex(x, 2)}' ssid='0x${hex(y, 1)}' devno='0x${hex(z, 4)}'/>`;
    case 'usb':
      return `<address type='usb' bus='${x}' port='${y}'/>`;
    default:
      return `<address type='drive' controller='${x}' bus='${y}' unit='${z}'/>`;
  }
}

/** virValidateWWN: 16 hex digits, optionally after 0x. */
function validWWN(wwn: string): boolean {
  const p = wwn.startsWith('0x') ? wwn.slice(2) : wwn;
  return /^[0-9a-fA-F]{16}$/.test(p);
}

async function cmdAttachDisk(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const f = deviceFlags(ctl, cmd);
  if (!f) return false;
  for (const o of ['source-host-name', 'source-host-transport', 'source-host-socket']) {
    if (!requires(ctl, o, cmd.bool(o), 'source-protocol', cmd.bool('source-protocol'))) return false;
  }
  if (!requires(ctl, 'source-host-socket', cmd.bool('source-host-socket'), 'source-host-transport',
    cmd.bool('source-host-transport'))) return false;
  if (!exclusive(ctl, 'source-host-name', cmd.bool('source-host-name'), 'source-host-socket',
    cmd.bool('source-host-socket'))) return false;
  const o: Record<string, string | undefined> = {};
  for (const name of ['source', 'target', 'driver', 'subdriver', 'type', 'mode', 'iothread', 'cache', 'io', 'serial',
    'wwn', 'address', 'targetbus', 'alias', 'sourcetype', 'source-protocol', 'source-host-name',
    'source-host-transport', 'source-host-socket']) {
    const v = cmd.string(ctl, name);
    if (v === null) return false;
    o[name] = v;
  }
  const source = o['source'];
  const target = o['target']!;
  let type: string | undefined;
  if (o['sourcetype'] !== undefined) {
    if (!['file', 'block', 'network'].includes(o['sourcetype'])) {
      ctl.error(`Unknown source type: '${o['sourcetype']}'`);
      return false;
    }
    type = o['sourcetype'];
  }
  if (type === undefined) {
    if (o['source-protocol'] !== undefined) type = 'network';
    else type = source !== undefined && source !== '' && isBlockDevice(source) ? 'block' : 'file';
  }
  if ((type === 'network') !== (o['source-protocol'] !== undefined)) {
    ctl.error('--source-protocol option requires --sourcetype network');
    return false;
  }
  const mode = o['mode'];
  if (mode !== undefined && mode !== 'readonly' && mode !== 'shareable') {
    ctl.error(`No support for ${mode} in command 'attach-disk'`);
    return false;
  }
  const wwn = o['wwn'];
  if (wwn !== undefined && !validWWN(wwn)) {
    ctl.saveError(VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, `Malformed wwn: ${wwn}`));
    return false;
  }
  const attr1 = (name: string, v: string | undefined) => (v === undefined ? '' : ` ${name}='${esc(v)}'`);
  const kids: string[] = [];
  kids.push(element('driver', attr1('name', o['driver']) + attr1('type', o['subdriver']) + attr1('iothread', o['iothread'])
    + attr1('cache', o['cache']) + attr1('io', o['io']), [], 1));
  if (type === 'network') {
    let hostName = o['source-host-name'];
    let port: string | undefined;
    if (hostName !== undefined && hostName.includes(':')) {
      port = hostName.slice(hostName.indexOf(':') + 1);
      hostName = hostName.slice(0, hostName.indexOf(':'));
    }
    const host = element('host', attr1('transport', o['source-host-transport']) + attr1('socket', o['source-host-socket'])
      + attr1('name', hostName) + attr1('port', port), [], 2);
    kids.push(element('source', attr1('protocol', o['source-protocol']) + attr1('name', source), host ? [host] : [], 1));
  } else {
    kids.push(element('source', attr1(type === 'block' ? 'dev' : 'file', source), [], 1));
  }
  kids.push(`  <target dev='${target}'${o['targetbus'] !== undefined ? ` bus='${o['targetbus']}'` : ''}/>\n`);
  if (mode !== undefined) kids.push(`  <${mode}/>\n`);
  if (o['serial'] !== undefined) kids.push(`  <serial>${o['serial']}</serial>\n`);
  if (o['alias'] !== undefined) kids.push(`  <alias name='${o['alias']}'/>\n`);
  if (wwn !== undefined) kids.push(`  <wwn>${wwn}</wwn>\n`);
  if (o['address'] !== undefined) {
    const a = parseDiskAddress(o['address']);
    if (!a) {
      ctl.error('Invalid address.');
      return false;
    }
    if (target.startsWith('vd') && a.type !== 'pci' && a.type !== 'ccw') {
      ctl.error('expecting a pci:0000.00.00.00 or ccw:00.0.0000 address.');
      return false;
    }
    if (target.startsWith('sd') && a.type !== 'scsi' && a.type !== 'usb' && a.type !== 'sata') {
      ctl.error('expecting a scsi:00.00.00 or usb:00.00 or sata:00.00.00 address.');
      return false;
    }
    if (target.startsWith('hd') && a.type !== 'ide') {
      ctl.error('expecting an ide:00.00.00 address.');
      return false;
    }
    kids.push(`  ${diskAddressXml(a, cmd.bool('multifunction'))}\n`);
  }
  const diskAttrs = ` type='${type}'${attr1('device', o['type'])}${cmd.bool('rawio') ? " rawio='yes'" : ''}`;
  const xml = `<disk${diskAttrs}>\n${kids.join('')}</disk>\n`;
  return attachBuilt(ctl, cmd, xml, f, 'disk');
}

/** The end of attach-disk and attach-interface: the XML they built, printed (--print-xml) or attached. */
async function attachBuilt(ctl: Shell, cmd: ParsedCommand, xml: string, f: Parameters<typeof sendDevice>[3],
  kind: 'disk' | 'interface'): Promise<boolean> {
  if (cmd.bool('print-xml')) {
    ctl.print(xml);
    return true;
  }
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  if (!(await sendDevice(ctl, dom, xml, f, false))) {
    ctl.error(`Failed to attach ${kind}`);
    return false;
  }
  ctl.printExtra(`${kind === 'disk' ? 'Disk' : 'Interface'} attached successfully\n`);
  return true;
}

function isBlockDevice(path: string): boolean {
  try {
    return statSync(path).isBlockDevice();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// attach-interface

/** virDomainNetType names attach-interface knows how to describe. */
const NET_TYPES = ['user', 'ethernet', 'vhostuser', 'server', 'client', 'mcast', 'network', 'bridge', 'internal',
  'direct', 'hostdev', 'udp', 'vdpa', 'null', 'vds'];

/** virPCIDeviceAddressParse: domain:bus:slot.function, hex. */
function parsePciAddress(s: string): number[] | null {
  return scanAddress(s, [16, 16, 16, 16]);
}

async function cmdAttachInterface(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const f = deviceFlags(ctl, cmd);
  if (!f) return false;
  const o: Record<string, string | undefined> = {};
  for (const name of ['type', 'source', 'target', 'mac', 'script', 'model', 'alias', 'inbound', 'outbound',
    'source-mode']) {
    const v = cmd.string(ctl, name);
    if (v === null) return false;
    o[name] = v;
  }
  const type = o['type']!;
  const source = o['source']!;
  if (!NET_TYPES.includes(type)) {
    ctl.error(`No support for ${type} in command 'attach-interface'`);
    return false;
  }
  const sourceMode = o['source-mode'];
  if (sourceMode !== undefined && sourceMode !== 'server' && sourceMode !== 'client') {
    ctl.error(`Invalid source mode: ${sourceMode}`);
    return false;
  }
  let inbound: Record<string, number> | null = null;
  let outbound: Record<string, number> | null = null;
  if (o['inbound'] !== undefined) {
    inbound = parseRate(ctl, o['inbound']);
    if (!inbound) return false;
    if (!inbound['average'] && !inbound['floor']) {
      ctl.error('either inbound average or floor is mandatory');
      return false;
    }
  }
  if (o['outbound'] !== undefined) {
    outbound = parseRate(ctl, o['outbound']);
    if (!outbound) return false;
    if (!outbound['average']) {
      ctl.error('outbound average is mandatory');
      return false;
    }
    if (outbound['floor']) {
      ctl.error('outbound floor is unsupported yet');
      return false;
    }
  }
  let xml = `<interface type='${type}'${cmd.bool('managed') ? " managed='yes'" : ''}>\n`;
  switch (type) {
    case 'network':
    case 'bridge':
      xml += `  <source ${type}='${source}'/>\n`;
      break;
    case 'direct':
      xml += `  <source dev='${source}'/>\n`;
      break;
    case 'hostdev': {
      const a = parsePciAddress(source);
      if (!a) {
        ctl.error(`cannot parse pci address '${source}' for network interface`);
        return false;
      }
      xml += `  <source>\n    <address type='pci' domain='0x${hex(a[0]!, 4)}' bus='0x${hex(a[1]!, 2)}' `
        + `slot='0x${hex(a[2]!, 2)}' function='0x${a[3]}'/>\n  </source>\n`;
      break;
    }
    case 'vhostuser':
      if (sourceMode === undefined) {
        ctl.error('source-mode is mandatory');
        return false;
      }
      xml += `  <source type='unix' path='${source}' mode='${sourceMode}'/>\n`;
      break;
    default:
      ctl.error(`No support for ${type} in command 'attach-interface'`);
      return false;
  }
  if (o['target'] !== undefined) xml += `  <target dev='${o['target']}'/>\n`;
  if (o['mac'] !== undefined) xml += `  <mac address='${o['mac']}'/>\n`;
  if (o['script'] !== undefined) xml += `  <script path='${o['script']}'/>\n`;
  if (o['model'] !== undefined) xml += `  <model type='${o['model']}'/>\n`;
  if (o['alias'] !== undefined) xml += `  <alias name='${o['alias']}'/>\n`;
  if (inbound || outbound) {
    xml += '  <bandwidth>\n';
    const rate = (name: string, r: Record<string, number>, keys: string[]) => {
      xml += `    <${name}${keys.filter((k) => r[k]).map((k) => ` ${k}='${r[k]}'`).join('')}/>\n`;
    };
    if (inbound) rate('inbound', inbound, ['average', 'peak', 'burst', 'floor']);
    if (outbound) rate('outbound', outbound, ['average', 'peak', 'burst']);
    xml += '  </bandwidth>\n';
  }
  xml += '</interface>\n';
  return attachBuilt(ctl, cmd, xml, f, 'interface');
}

// ---------------------------------------------------------------------------
// detach-disk, detach-interface, change-media, update-memory-device

/** The domain's XML as a tree (inactive with --config), or null with the error kept. */
async function domainTree(ctl: Shell, dom: Domain, inactive: boolean): Promise<XElem | null> {
  const xml = await ctl.attempt(dom.getXMLDesc(inactive ? DomainXMLFlags.INACTIVE : 0));
  if (xml === FAIL) return null;
  return parseTree(xml);
}

function devices(root: XElem, name: string): XElem[] {
  return elems(elems(root, 'devices')[0], name);
}

/** A deep copy. */
function copyElem(e: XElem): XElem {
  return {
    kind: 'elem', name: e.name, attrs: e.attrs.map(([k, v]): [string, string] => [k, v]),
    children: e.children.map((c): XChild => (c.kind === 'elem' ? copyElem(c) : { ...c })),
  };
}

/** virshFindDisk: by source path or target; `changeable` only looks at CD-ROMs and floppies. */
function findDisk(ctl: Shell, root: XElem, path: string, changeable: boolean): XElem | null {
  for (const disk of devices(root, 'disk')) {
    if (changeable) {
      const device = attr(disk, 'device');
      if (device !== 'cdrom' && device !== 'floppy') continue;
    }
    for (const c of elems(disk)) {
      let v: string | undefined;
      if (c.name === 'source') v = attr(c, 'file') ?? attr(c, 'dev') ?? attr(c, 'dir') ?? attr(c, 'name');
      else if (c.name === 'target') v = attr(c, 'dev');
      if (v === path) {
        // virshDiskDropBackingStore: the chain is not needed.
        const copy = copyElem(disk);
        copy.children = copy.children.filter((k) => k.kind !== 'elem' || k.name !== 'backingStore');
        return copy;
      }
    }
  }
  ctl.error(`No disk found whose source path or target is ${path}`);
  return null;
}

async function cmdDetachDisk(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const f = deviceFlags(ctl, cmd);
  if (!f) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const target = cmd.string(ctl, 'target');
  if (target == null) return false;
  const root = await domainTree(ctl, dom, f.flags === CONFIG);
  if (!root) return false;
  const disk = findDisk(ctl, root, target, false);
  if (!disk) return false;
  const xml = nodeToString(disk);
  if (cmd.bool('print-xml')) {
    ctl.print(xml);
    return true;
  }
  if (!(await sendDevice(ctl, dom, xml, f, true))) {
    ctl.error('Failed to detach disk');
    return false;
  }
  ctl.printExtra('Disk detached successfully\n');
  return true;
}

/** virMacAddrCompare: both must parse, compared as numbers. */
function sameMac(a: string | undefined, b: string): boolean {
  const parse = (s: string | undefined) => {
    if (s === undefined) return null;
    const parts = s.split(/[:-]/);
    if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return null;
    return parts.map((p) => parseInt(p, 16)).join(':');
  };
  const x = parse(a);
  return x !== null && x === parse(b);
}

async function cmdDetachInterface(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const f = deviceFlags(ctl, cmd);
  if (!f) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const printXml = cmd.bool('print-xml');
  const cleanup = () => {
    ctl.error('Failed to detach interface');
    return false;
  };
  // Past the domain's XML, --print-xml leaves the failure message out.
  const failed = () => (printXml ? false : cleanup());
  const type = cmd.string(ctl, 'type');
  if (type == null) return cleanup();
  const mac = cmd.string(ctl, 'mac');
  if (mac === null) return cleanup();
  const root = await domainTree(ctl, dom, (f.flags & CONFIG) !== 0);
  if (!root) return cleanup();
  const nets = devices(root, 'interface').filter((n) => attr(n, 'type') === type);
  if (nets.length === 0) {
    ctl.error(mac !== undefined ? `No interface with MAC address ${mac} was found` : `No interface found whose type is ${type}`);
    return failed();
  }
  let match: XElem | undefined;
  if (mac !== undefined) {
    for (const n of nets) {
      const m = elems(n, 'mac')[0];
      if (!m || !sameMac(attr(m, 'address'), mac)) continue;
      if (match) {
        ctl.error(`Domain has multiple interfaces matching MAC address ${mac}. You must use detach-device and specify the device pci address to remove it.`);
        return failed();
      }
      match = n;
    }
    if (!match) {
      ctl.error(`No interface with MAC address ${mac} was found`);
      return failed();
    }
  } else {
    if (nets.length > 1) {
      ctl.error(`Domain has ${nets.length} interfaces. Please specify which one to detach using --mac`);
      return failed();
    }
    match = nets[0]!;
  }
  const xml = nodeToString(match);
  if (printXml) {
    ctl.print(xml);
    return true;
  }
  if (!(await sendDevice(ctl, dom, xml, f, true))) return failed();
  ctl.printExtra('Interface detached successfully\n');
  return true;
}

/** virshUpdateDiskXML: the CD-ROM or floppy with its media ejected, inserted or replaced. */
function updateDiskXML(ctl: Shell, disk: XElem, newSource: string | undefined, block: boolean, target: string,
  kind: 'eject' | 'insert' | 'update'): string | null {
  const device = attr(disk, 'device');
  if (device !== 'cdrom' && device !== 'floppy') {
    ctl.error(`The disk device '${target}' is not removable`);
    return null;
  }
  let source: XElem | undefined;
  let targetNode: XElem | undefined;
  let textNode: XChild | undefined;
  for (const c of disk.children) {
    if (!targetNode && c.kind === 'text') textNode = c;
    if (c.kind !== 'elem') continue;
    if (!source && c.name === 'source') source = c;
    else if (!targetNode && c.name === 'target') targetNode = c;
    if (source && targetNode) break;
  }
  let src = newSource;
  if (kind === 'eject') {
    if (!source) {
      ctl.error(`The disk device '${target}' doesn't have media`);
      return null;
    }
    block = false;
    src = undefined;
  } else if (src === undefined) {
    ctl.error('New disk media source was not specified');
    return null;
  }
  let startupPolicy: string | undefined;
  if (source) {
    const path = attr(source, 'file') ?? attr(source, 'dev') ?? attr(source, 'dir') ?? attr(source, 'pool')
      ?? attr(source, 'name');
    if (path !== undefined && kind === 'insert') {
      ctl.error(`The disk device '${target}' already has media`);
      return null;
    }
    startupPolicy = attr(source, 'startupPolicy');
    disk.children.splice(disk.children.indexOf(source), 1);
  }
  setAttr(disk, 'type', block ? 'block' : 'file');
  if (src !== undefined) {
    const s: XElem = { kind: 'elem', name: 'source', attrs: [[block ? 'dev' : 'file', src]], children: [] };
    if (startupPolicy !== undefined) s.attrs.push(['startupPolicy', startupPolicy]);
    // Before <target>, with a copy of the indentation before it.
    const at = targetNode ? disk.children.indexOf(targetNode) : disk.children.length;
    const add: XChild[] = [s];
    if (textNode && targetNode && textNode.kind === 'text') add.push({ kind: 'text', text: textNode.text });
    disk.children.splice(at, 0, ...add);
  }
  return nodeToString(disk);
}

async function cmdChangeMedia(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let eject = cmd.bool('eject');
  const insert = cmd.bool('insert');
  let update = cmd.bool('update');
  const block = cmd.bool('block');
  if (!exclusive(ctl, 'eject', eject, 'insert', insert)) return false;
  if (!exclusive(ctl, 'eject', eject, 'update', update)) return false;
  if (!exclusive(ctl, 'insert', insert, 'update', update)) return false;
  if (!exclusive(ctl, 'eject', eject, 'block', block)) return false;
  const source = cmd.string(ctl, 'source');
  if (source === null) return false;
  if (update && source === undefined) {
    // An update without a source is an eject.
    update = false;
    eject = true;
  }
  let kind: 'eject' | 'insert' | 'update' = 'update';
  let done = 'Successfully updated media.';
  if (eject) { kind = 'eject'; done = 'Successfully ejected media.'; }
  if (insert) { kind = 'insert'; done = 'Successfully inserted media.'; }
  if (update || (!eject && !insert)) { kind = 'update'; done = 'Successfully updated media.'; }
  let flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  if (cmd.bool('force')) flags |= MODIFY_FORCE;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const path = cmd.string(ctl, 'path');
  if (path == null) return false;
  const root = await domainTree(ctl, dom, (flags & CONFIG) !== 0);
  if (!root) return false;
  const disk = findDisk(ctl, root, path, true);
  if (!disk) return false;
  const xml = updateDiskXML(ctl, disk, source, block, path, kind);
  if (xml === null) return false;
  if (cmd.bool('print-xml')) {
    ctl.print(xml);
    return true;
  }
  if (await ctl.attempt(ctl.c.call('domainUpdateDeviceFlags', { dom: dom.ref, xml, flags })) === FAIL) {
    ctl.error(`Failed to complete action ${kind} on media`);
    return false;
  }
  ctl.print(done);
  return true;
}

async function cmdUpdateMemoryDevice(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  if (!exclusive(ctl, 'node', cmd.bool('node'), 'alias', cmd.bool('alias'))) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const alias = cmd.string(ctl, 'alias');
  if (alias === null) return false;
  const node = cmd.uint(ctl, 'node');
  if (node === null) return false;
  const size = cmd.scaledInt(ctl, 'requested-size', 1024n, (1n << 64n) - 1n);
  if (size === null) return false;
  const root = await domainTree(ctl, dom, (flags & CONFIG) !== 0);
  if (!root) return false;
  let mems = devices(root, 'memory');
  if (alias !== undefined) {
    mems = mems.filter((m) => elems(m, 'alias').some((a) => attr(a, 'name') === alias));
  } else if (node !== undefined) {
    mems = mems.filter((m) => elems(elems(m, 'target')[0], 'node').some((n) => {
      const text = n.children.map((c) => (c.kind === 'text' ? c.text : '')).join('');
      return Number(text) === node;
    }));
  }
  if (mems.length === 0) {
    ctl.error('no memory device found');
    return false;
  }
  if (mems.length > 1) {
    ctl.error('multiple memory devices found, use --alias or --node to select one');
    return false;
  }
  const mem = copyElem(mems[0]!);
  if (size !== undefined) {
    const requested = elems(elems(mem, 'target')[0], 'requested')[0];
    if (!requested) {
      ctl.error('virtio-mem device is missing <requested/>');
      return false;
    }
    requested.children = [{ kind: 'text', text: String((size + 1023n) / 1024n) }];
    setAttr(requested, 'unit', 'KiB');
  }
  const xml = nodeToString(mem);
  if (cmd.bool('print-xml')) {
    ctl.print(xml);
    return true;
  }
  if (await ctl.attempt(ctl.c.call('domainUpdateDeviceFlags', { dom: dom.ref, xml, flags })) === FAIL) return false;
  ctl.printExtra('Memory device updated successfully\n');
  return true;
}

// ---------------------------------------------------------------------------

const b = (name: string, help: string): OptDef => ({ name, type: 'bool', help });
const str = (name: string, help: string): OptDef => ({ name, type: 'string', help });
const data = (name: string, help: string): OptDef => ({ name, type: 'data', help, required: true });
const PERSISTENT: OptDef = b('persistent', 'make live change persistent');

export const domainDeviceCommands: CmdDef[] = [
  {
    name: 'attach-disk',
    help: 'attach disk device',
    desc: 'Attach new disk device.',
    options: [
      DOMAIN_OPT, { ...data('source', 'source of disk device or name of network disk'), emptyOk: true },
      data('target', 'target of disk device'), str('targetbus', 'target bus of disk device'),
      str('driver', 'driver of disk device'), str('subdriver', 'subdriver of disk device'),
      str('iothread', 'IOThread to be used by supported device'), str('cache', 'cache mode of disk device'),
      str('io', 'io policy of disk device'), str('type', 'target device type'),
      { name: 'shareable', type: 'alias', help: 'mode=shareable' },
      str('mode', 'mode of device reading and writing'), str('sourcetype', 'type of source (block|file|network)'),
      str('serial', 'serial of disk device'), str('wwn', 'wwn of disk device'),
      str('alias', 'custom alias name of disk device'), b('rawio', 'needs rawio capability'),
      str('address', 'address of disk device'), b('multifunction', 'use multifunction pci under specified address'),
      b('print-xml', 'print XML document rather than attach the disk'),
      str('source-protocol', 'protocol used by disk device source'),
      str('source-host-name', 'host name for source of disk device'),
      str('source-host-transport', 'host transport for source of disk device'),
      str('source-host-socket', 'host socket for source of disk device'),
      PERSISTENT, ...AFFECT_OPTS,
    ],
    run: cmdAttachDisk,
  },
  {
    name: 'attach-interface',
    help: 'attach network interface',
    desc: 'Attach new network interface.',
    options: [
      DOMAIN_OPT, data('type', 'network interface type'), data('source', 'source of network interface'),
      str('target', 'target network name'), str('mac', 'MAC address'),
      str('script', 'script used to bridge network interface'), str('model', 'model type'),
      str('alias', 'custom alias name of interface device'), str('inbound', "control domain's incoming traffics"),
      str('outbound', "control domain's outgoing traffics"), PERSISTENT, ...AFFECT_OPTS,
      b('print-xml', 'print XML document rather than attach the interface'),
      b('managed', 'libvirt will automatically detach/attach the device from/to host'),
      str('source-mode', 'mode attribute of <source/> element'),
    ],
    run: cmdAttachInterface,
  },
  {
    name: 'detach-disk',
    help: 'detach disk device',
    desc: 'Detach disk device.',
    options: [DOMAIN_OPT, data('target', 'target of disk device'), PERSISTENT, ...AFFECT_OPTS,
      b('print-xml', 'print XML document rather than detach the disk')],
    run: cmdDetachDisk,
  },
  {
    name: 'detach-interface',
    help: 'detach network interface',
    desc: 'Detach network interface.',
    options: [DOMAIN_OPT, data('type', 'network interface type'), str('mac', 'MAC address'), PERSISTENT,
      ...AFFECT_OPTS, b('print-xml', 'print XML document rather than detach the interface')],
    run: cmdDetachInterface,
  },
  {
    name: 'change-media',
    help: 'Change media of CD or floppy drive',
    desc: 'Change media of CD or floppy drive.',
    options: [
      DOMAIN_OPT, data('path', 'Fully-qualified path or target of disk device'), str('source', 'source of the media'),
      b('eject', 'Eject the media'), b('insert', 'Insert the media'), b('update', 'Update the media'),
      b('current', 'can be either or both of --live and --config, depends on implementation hypervisor driver'),
      b('live', 'alter live configuration of running domain'),
      b('config', 'alter persistent configuration, effect observed on next boot'), b('force', 'force media changing'),
      b('print-xml', 'print XML document rather than change media'), b('block', 'source media is a block device'),
    ],
    run: cmdChangeMedia,
  },
  {
    name: 'update-memory-device',
    help: 'update memory device of a domain',
    desc: 'Update values of a memory device of a domain',
    options: [
      DOMAIN_OPT, ...AFFECT_OPTS, b('print-xml', 'print updated memory device XML instead of executing the change'),
      str('alias', 'memory device alias'), { name: 'node', type: 'int', help: 'memory device target node' },
      { name: 'requested-size', type: 'int', help: 'new value of <requested/> size, as scaled integer (default KiB)' },
    ],
    run: cmdUpdateMemoryDevice,
  },
];
