/**
 * Host interface XML (libvirt's interface_conf.c): ethernet, bridge, bond
 * and vlan interfaces, parsed and formatted as virInterfaceDefFormat does.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { escapeXml, type XmlElement } from '../../util/xml.js';
import { childrenNamed, firstChild, parseInt32, parseUInt, prop, xpathAttr } from '../../conf/node-conf-util.js';

const D = ErrorDomain.INTERFACE;
const TYPES = ['ethernet', 'bridge', 'bond', 'vlan'] as const;
type IfType = (typeof TYPES)[number];
const BOND_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'];
const LINK_STATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

export interface InterfaceProto {
  family: string;
  autoconf: boolean;
  dhcp: boolean;
  peerdns?: 'yes' | 'no' | undefined;
  ips: { address: string; prefix: number }[];
  gateway?: string | undefined;
}

export interface InterfaceDef {
  type: IfType;
  name: string;
  startmode?: string | undefined;
  mtu?: number | undefined;
  protos: InterfaceProto[];
  link?: { speed?: number | undefined; state?: string | undefined } | undefined;
  mac?: string | undefined;
  bridge?: { stp?: boolean | undefined; delay?: string | undefined; itfs: InterfaceDef[] } | undefined;
  bond?: {
    mode?: string | undefined;
    miimon?: { freq: number; downdelay: number; updelay: number; carrier?: string | undefined } | undefined;
    arpmon?: { interval: number; target: string; validate?: string | undefined } | undefined;
    itfs: InterfaceDef[];
  } | undefined;
  vlan?: { tag: string; dev: string } | undefined;
}

function xmlErr(msg: string): VirtError {
  return VirtError.report(ErrorCode.XML_ERROR, D, msg);
}

function intAttr(el: XmlElement | undefined, attr: string): number | undefined | null {
  const v = xpathAttr(el, attr);
  if (v === undefined) return undefined;
  return parseInt32(v);
}

function parseProto(el: XmlElement): InterfaceProto {
  const family = prop(el, 'family');
  if (family === undefined) throw xmlErr('protocol misses the family attribute');
  if (family !== 'ipv4' && family !== 'ipv6') throw xmlErr(`unsupported protocol family '${family}'`);
  const p: InterfaceProto = { family, autoconf: false, dhcp: false, ips: [] };
  p.gateway = xpathAttr(firstChild(el, 'route'), 'gateway');
  if (family === 'ipv6' && firstChild(el, 'autoconf')) p.autoconf = true;
  const dhcp = firstChild(el, 'dhcp');
  if (dhcp) {
    p.dhcp = true;
    const peer = prop(dhcp, 'peerdns');
    if (peer !== undefined) {
      if (peer !== 'yes' && peer !== 'no') {
        throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
          `Invalid value for attribute 'peerdns' in element 'dhcp': '${peer}'.`);
      }
      p.peerdns = peer;
    }
  }
  for (const ip of childrenNamed(el, 'ip')) {
    const address = prop(ip, 'address');
    if (address === undefined) continue;
    let prefix = 0;
    const pre = prop(ip, 'prefix');
    if (pre !== undefined) {
      const v = parseInt32(pre, 0);
      if (v === null) {
        throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
          `Invalid value for attribute 'prefix' in element 'ip': '${pre}'. Expected integer value`);
      }
      prefix = v;
    }
    p.ips.push({ address, prefix });
  }
  return p;
}

/** virInterfaceDefParseXML; `parent` is the enclosing interface type for nested ones. */
export function parseInterfaceDef(el: XmlElement, parent?: IfType): InterfaceDef {
  if (!parent && el.name !== 'interface') {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `expecting root element of 'interface', not '${el.name}'`);
  }
  const typeStr = prop(el, 'type');
  if (typeStr === undefined) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `Missing required attribute 'type' in element '${el.name}'`);
  }
  if (!(TYPES as readonly string[]).includes(typeStr)) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `Invalid value for attribute 'type' in element '${el.name}': '${typeStr}'.`);
  }
  const type = typeStr as IfType;
  if ((parent === 'bond' && type !== 'ethernet') || (parent === 'bridge' && type === 'bridge') ||
      parent === 'ethernet' || parent === 'vlan') {
    throw xmlErr(`interface has unsupported type '${type}'`);
  }
  const name = prop(el, 'name');
  if (name === undefined) throw xmlErr('interface has no name');
  const def: InterfaceDef = { type, name, protos: [] };
  if (!parent) {
    const mode = xpathAttr(el, 'mode', 'start');
    if (mode !== undefined) {
      if (!['onboot', 'hotplug', 'none'].includes(mode)) throw xmlErr(`unknown interface startmode ${mode}`);
      def.startmode = mode;
    }
    const mtu = xpathAttr(el, 'size', 'mtu');
    if (mtu !== undefined) {
      const v = parseUInt(mtu);
      if (v === null || v > 100000) throw xmlErr('interface mtu value is improper');
      def.mtu = v;
    }
    for (const p of childrenNamed(el, 'protocol')) def.protos.push(parseProto(p));
  }
  if (type !== 'bridge') {
    const lnk = firstChild(el, 'link');
    if (lnk) {
      def.link = {};
      const speed = prop(lnk, 'speed');
      if (speed !== undefined) {
        const v = parseUInt(speed);
        if (v === null) {
          throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
            `Invalid value for attribute 'speed' in element 'link': '${speed}'. Expected non-negative integer value`);
        }
        def.link.speed = v;
      }
      const state = prop(lnk, 'state');
      if (state !== undefined) {
        if (!LINK_STATES.includes(state)) {
          throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `Invalid value for attribute 'state' in element 'link': '${state}'.`);
        }
        def.link.state = state;
      }
    }
  }
  switch (type) {
    case 'ethernet':
      def.mac = xpathAttr(el, 'address', 'mac');
      break;
    case 'bridge': {
      const br = firstChild(el, 'bridge');
      if (!br) throw xmlErr('bridge interface misses the bridge element');
      const stp = prop(br, 'stp');
      def.bridge = { itfs: [], delay: prop(br, 'delay') };
      if (stp === 'on') def.bridge.stp = true;
      else if (stp === 'off') def.bridge.stp = false;
      // libvirt reports a bad stp value but carries on parsing.
      for (const i of childrenNamed(br, 'interface')) def.bridge.itfs.push(parseInterfaceDef(i, 'bridge'));
      break;
    }
    case 'bond': {
      const bond = firstChild(el, 'bond');
      if (!bond) throw xmlErr('bond interface misses the bond element');
      const mode = xpathAttr(bond, 'mode');
      if (mode !== undefined && !BOND_MODES.includes(mode)) throw xmlErr(`unknown bonding mode ${mode}`);
      def.bond = { mode, itfs: [] };
      for (const i of childrenNamed(bond, 'interface')) def.bond.itfs.push(parseInterfaceDef(i, 'bond'));
      const mii = firstChild(bond, 'miimon');
      const arp = firstChild(bond, 'arpmon');
      if (mii) {
        const freq = intAttr(mii, 'freq');
        if (freq === undefined || freq === null) throw xmlErr('bond interface miimon freq missing or invalid');
        const down = intAttr(mii, 'downdelay');
        if (down === null) throw xmlErr('bond interface miimon downdelay invalid');
        const up = intAttr(mii, 'updelay');
        if (up === null) throw xmlErr('bond interface miimon updelay invalid');
        const carrier = xpathAttr(mii, 'carrier');
        if (carrier !== undefined && carrier !== 'ioctl' && carrier !== 'netif') throw xmlErr(`unknown mii bonding carrier ${carrier}`);
        def.bond.miimon = { freq, downdelay: down ?? 0, updelay: up ?? 0, carrier };
      } else if (arp) {
        const interval = intAttr(arp, 'interval');
        if (interval === undefined || interval === null) throw xmlErr('bond interface arpmon interval missing or invalid');
        const target = xpathAttr(arp, 'target');
        if (target === undefined) throw xmlErr('bond interface arpmon target missing');
        const validate = xpathAttr(arp, 'validate');
        if (validate !== undefined && !['active', 'backup', 'all'].includes(validate)) throw xmlErr(`unknown arp bonding validate ${validate}`);
        def.bond.arpmon = { interval, target, validate };
      }
      break;
    }
    case 'vlan': {
      const vlan = firstChild(el, 'vlan');
      if (!vlan) throw xmlErr('vlan interface misses the vlan element');
      const tag = xpathAttr(vlan, 'tag');
      if (tag === undefined) throw xmlErr('vlan interface misses the tag attribute');
      const dev = xpathAttr(firstChild(vlan, 'interface'), 'name');
      if (dev === undefined) throw xmlErr('vlan interface misses name attribute');
      def.vlan = { tag, dev };
      break;
    }
  }
  return def;
}

/** virInterfaceDefFormat (and the nested virInterfaceDefDevFormat). */
export function formatInterfaceDef(def: InterfaceDef, depth = 0, top = true): string {
  const pad = '  '.repeat(depth);
  const p = pad + '  ';
  let s = `${pad}<interface type='${def.type}' name='${escapeXml(def.name)}'>\n`;
  if (top) {
    if (def.startmode) s += `${p}<start mode='${def.startmode}'/>\n`;
    if (def.mtu) s += `${p}<mtu size='${def.mtu}'/>\n`;
    for (const pr of def.protos) {
      s += `${p}<protocol family='${pr.family}'>\n`;
      if (pr.autoconf) s += `${p}  <autoconf/>\n`;
      if (pr.dhcp) s += pr.peerdns ? `${p}  <dhcp peerdns='${pr.peerdns}'/>\n` : `${p}  <dhcp/>\n`;
      for (const ip of pr.ips) s += `${p}  <ip address='${ip.address}'${ip.prefix ? ` prefix='${ip.prefix}'` : ''}/>\n`;
      if (pr.gateway !== undefined) s += `${p}  <route gateway='${pr.gateway}'/>\n`;
      s += `${p}</protocol>\n`;
    }
  }
  if (def.type !== 'bridge' && def.link && (def.link.speed || def.link.state)) {
    s += `${p}<link`;
    if (def.link.speed) s += ` speed='${def.link.speed}'`;
    if (def.link.state) s += ` state='${def.link.state}'`;
    s += '/>\n';
  }
  switch (def.type) {
    case 'ethernet':
      if (def.mac !== undefined) s += `${p}<mac address='${def.mac}'/>\n`;
      break;
    case 'bridge': {
      const br = def.bridge!;
      s += `${p}<bridge`;
      if (br.stp !== undefined) s += br.stp ? " stp='on'" : " stp='off'";
      if (br.delay !== undefined) s += ` delay='${br.delay}'`;
      s += '>\n';
      for (const i of br.itfs) s += formatInterfaceDef(i, depth + 2, false);
      s += `${p}</bridge>\n`;
      break;
    }
    case 'bond': {
      const b = def.bond!;
      s += `${p}<bond${b.mode ? ` mode='${b.mode}'` : ''}>\n`;
      if (b.miimon) {
        s += `${p}  <miimon freq='${b.miimon.freq}'`;
        if (b.miimon.downdelay > 0) s += ` downdelay='${b.miimon.downdelay}'`;
        if (b.miimon.updelay > 0) s += ` updelay='${b.miimon.updelay}'`;
        if (b.miimon.carrier) s += ` carrier='${b.miimon.carrier}'`;
        s += '/>\n';
      } else if (b.arpmon) {
        s += `${p}  <arpmon interval='${b.arpmon.interval}' target='${b.arpmon.target}'`;
        if (b.arpmon.validate) s += ` validate='${b.arpmon.validate}'`;
        s += '/>\n';
      }
      for (const i of b.itfs) s += formatInterfaceDef(i, depth + 2, false);
      s += `${p}</bond>\n`;
      break;
    }
    case 'vlan':
      s += `${p}<vlan tag='${def.vlan!.tag}'>\n${p}  <interface name='${def.vlan!.dev}'/>\n${p}</vlan>\n`;
      break;
  }
  return s + `${pad}</interface>\n`;
}

/** The interface's MAC as the public API reports it (an empty string when unset). */
export function interfaceMac(def: InterfaceDef): string {
  return def.mac ?? '';
}

