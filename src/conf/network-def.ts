/**
 * Network XML (libvirt's network_conf.c): parse a `<network>` element into a
 * NetworkDef and format it back exactly as libvirt 9.0's
 * virNetworkDefFormatBuf prints it.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { escapeXml, parseXml, type XmlElement } from '../util/xml.js';
import { checkRange, formatAddr, ipPrefix, parseAddr, type SocketAddr } from './network-addr.js';
import { formatBandwidth, parseBandwidth, type NetDevBandwidth } from './netdev-bandwidth.js';
import { formatVlan, parseVlan, type NetDevVlan } from './netdev-vlan.js';
import {
  childrenNamed, firstChild, formatElement, generateUuid, parseInteger, parseTristate, parseUInt, parseUuid,
  prop, xpathAttr, xpathString,
} from './node-conf-util.js';

const D = ErrorDomain.NETWORK;

/** virNetworkForwardType, in libvirt's order. */
export const FORWARD_MODES = ['none', 'nat', 'route', 'open', 'bridge', 'private', 'vepa', 'passthrough', 'hostdev'] as const;
export type ForwardMode = (typeof FORWARD_MODES)[number];

export interface DhcpRange { start: SocketAddr; end: SocketAddr; lease?: DhcpLease | undefined }
export interface DhcpLease { expiry: bigint; unit: string }
export interface DhcpHost {
  mac?: string | undefined; id?: string | undefined; name?: string | undefined; ip?: SocketAddr | undefined;
  lease?: DhcpLease | undefined;
}

export interface NetworkIPDef {
  family?: string | undefined;
  address: SocketAddr;
  netmask?: SocketAddr | undefined;
  prefix: number;
  localPtr?: 'yes' | 'no' | undefined;
  ranges: DhcpRange[];
  hosts: DhcpHost[];
  hasDhcp: boolean;
  bootfile?: string | undefined;
  bootserver?: SocketAddr | undefined;
  tftproot?: string | undefined;
}

export interface DnsHost { ip: SocketAddr; names: string[] }
export interface DnsSrv {
  service?: string | undefined; protocol?: string | undefined; domain?: string | undefined; target?: string | undefined;
  port: number; priority: number; weight: number;
}
export interface DnsTxt { name: string; value?: string | undefined }

/** A `<portgroup>`; its virtualport is kept as given. */
export interface PortGroupDef {
  name: string;
  isDefault: boolean;
  trustGuestRxFilters?: 'yes' | 'no' | undefined;
  vlan?: NetDevVlan | undefined;
  virtualport?: XmlElement | undefined;
  bandwidth?: NetDevBandwidth | undefined;
}

export interface DnsDef {
  enable?: 'yes' | 'no' | undefined;
  forwardPlainNames?: 'yes' | 'no' | undefined;
  forwarders: { domain?: string | undefined; addr?: SocketAddr | undefined }[];
  hosts: DnsHost[];
  srvs: DnsSrv[];
  txts: DnsTxt[];
}

export interface NetworkDef {
  name: string;
  uuid: string;
  metadata?: XmlElement | undefined;
  ipv6nogw: boolean;
  trustGuestRxFilters?: 'yes' | 'no' | undefined;
  forward: {
    mode: ForwardMode;
    managed: boolean;
    ifs: string[];
    pciAddrs: XmlElement[];
    pf?: string | undefined;
    driver?: XmlElement | undefined;
    natAddr?: { start: SocketAddr; end: SocketAddr } | undefined;
    natPort?: { start: number; end: number } | undefined;
    natIPv6?: 'yes' | 'no' | undefined;
  };
  bridge?: string | undefined;
  bridgeZone?: string | undefined;
  stp: boolean;
  delay: bigint;
  macTableManager?: string | undefined;
  mtu?: number | undefined;
  mac?: string | undefined;
  domain?: { name?: string | undefined; localOnly?: 'yes' | 'no' | undefined } | undefined;
  dns?: DnsDef | undefined;
  vlan?: NetDevVlan | undefined;
  bandwidth?: NetDevBandwidth | undefined;
  port?: XmlElement | undefined;
  ips: NetworkIPDef[];
  routes: XmlElement[];
  virtualport?: XmlElement | undefined;
  portgroups: PortGroupDef[];
}

function xmlErr(msg: string): VirtError {
  return VirtError.report(ErrorCode.XML_ERROR, D, msg);
}

function unsupported(msg: string): VirtError {
  return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, D, msg);
}

/** virMacAddrParse: six hex pairs separated by `:` (or `-`), single digits allowed. */
export function parseMac(s: string): number[] | null {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    out.push(parseInt(p, 16));
  }
  return out;
}

/** virMacAddrFormat. */
export function formatMac(b: number[]): string {
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function parseIp(netName: string, el: XmlElement): NetworkIPDef {
  const family = prop(el, 'family') || undefined;
  const address = xpathAttr(el, 'address');
  if (!address) throw xmlErr(`Missing required address attribute in network '${netName}'`);
  const addr = parseAddr(address);
  if (!addr) throw xmlErr(`Invalid address '${address}' in network '${netName}'`);
  const netmaskStr = xpathAttr(el, 'netmask');
  let netmask: SocketAddr | undefined;
  if (netmaskStr) {
    const nm = parseAddr(netmaskStr);
    if (!nm) throw xmlErr(`Invalid netmask '${netmaskStr}' in network '${netName}'`);
    netmask = nm;
  }
  let prefix = 0;
  const prefixStr = prop(el, 'prefix');
  if (prefixStr !== undefined) {
    const p = parseUInt(prefixStr);
    if (p === null) {
      throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
        `Invalid value for attribute 'prefix' in element 'ip': '${prefixStr}'. Expected non-negative integer value`);
    }
    prefix = p;
  }
  const localPtr = parseTristate(el, 'localPtr');
  if (family === undefined || family === 'ipv4') {
    if (addr.family !== 4) {
      throw unsupported(`${family === undefined ? 'no' : 'ipv4'} family specified for non-IPv4 address '${address}' in network '${netName}'`);
    }
    if (netmaskStr) {
      if (netmask!.family !== 4) {
        throw unsupported(`Invalid netmask '${netmaskStr}' for address '${address}' in network '${netName}' (both must be IPv4)`);
      }
      if (prefix > 0) throw unsupported(`Network '${netName}' IP address cannot have both a prefix and a netmask`);
    } else if (prefix > 32) {
      throw unsupported(`Invalid IPv4 prefix '${prefix}' in network '${netName}'`);
    }
  } else if (family === 'ipv6') {
    if (addr.family !== 6) {
      throw unsupported(`Family 'ipv6' specified for non-IPv6 address '${address}' in network '${netName}'`);
    }
    if (netmaskStr) throw unsupported(`netmask not allowed for IPv6 address '${address}' in network '${netName}'`);
    if (prefix > 128) throw unsupported(`Invalid IPv6 prefix '${prefix}' in network '${netName}'`);
  } else {
    throw xmlErr(`Unrecognized family '${family}' in network '${netName}'`);
  }
  const def: NetworkIPDef = { family, address: addr, netmask, prefix, localPtr, ranges: [], hosts: [], hasDhcp: false };
  const dhcp = firstChild(el, 'dhcp');
  if (dhcp) parseDhcp(netName, dhcp, def);
  if (firstChild(el, 'tftp')) {
    if (addr.family !== 4) throw unsupported(`Unsupported <tftp> element in an IPv6 element in network '${netName}'`);
    def.tftproot = xpathAttr(el, 'root', 'tftp');
  }
  return def;
}

function parseDhcp(netName: string, dhcp: XmlElement, def: NetworkIPDef): void {
  for (const r of childrenNamed(dhcp, 'range')) def.ranges.push(parseDhcpRange(netName, def, r));
  for (const h of childrenNamed(dhcp, 'host')) def.hosts.push(parseDhcpHost(netName, def, h, false));
  const bootp = firstChild(dhcp, 'bootp');
  if (bootp && def.address.family === 4) {
    const file = prop(bootp, 'file');
    if (file === undefined) {
      throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `Missing required attribute 'file' in element 'bootp'`);
    }
    def.bootfile = file;
    const server = prop(bootp, 'server');
    if (server !== undefined) {
      const a = parseAddr(server);
      if (!a) throw badSocketAddr(server);
      def.bootserver = a;
    }
  }
  def.hasDhcp = def.ranges.length > 0 || def.hosts.length > 0;
}

/** virNetworkDHCPRangeDefParseXML: a `<range>` of the `<ip>` element `ip`. */
export function parseDhcpRange(netName: string, ip: NetworkIPDef, r: XmlElement): DhcpRange {
  const start = prop(r, 'start');
  if (start === undefined) throw xmlErr(`Missing 'start' attribute in dhcp range for network '${netName}'`);
  const s = parseAddr(start);
  if (!s) throw badSocketAddr(start);
  const end = prop(r, 'end');
  if (end === undefined) throw xmlErr(`Missing 'end' attribute in dhcp range for network '${netName}'`);
  const e = parseAddr(end);
  if (!e) throw badSocketAddr(end);
  checkRange(s, e, ip.address, ipPrefix(ip.address, ip.netmask, ip.prefix));
  let lease: DhcpRange['lease'];
  const l = firstChild(r, 'lease');
  if (l) lease = parseLease(l);
  return { start: s, end: e, lease };
}

/**
 * virNetworkDHCPHostDefParseXML: a static `<host>` of the `<ip>` element
 * `ip`. With `partialOkay` (a delete's search pattern) one of name, mac or
 * ip is enough.
 */
export function parseDhcpHost(netName: string, ip: NetworkIPDef, h: XmlElement, partialOkay: boolean): DhcpHost {
  const mac = prop(h, 'mac');
  if (mac !== undefined) {
    if (ip.address.family === 6) {
      throw xmlErr(`Invalid to specify MAC address '${mac}' in network '${netName}' IPv6 static host definition`);
    }
    const b = parseMac(mac);
    if (!b) throw xmlErr(`Cannot parse MAC address '${mac}' in network '${netName}'`);
    if (b[0]! & 1) throw xmlErr(`expected unicast mac address, found multicast '${mac}' in network '${netName}'`);
  }
  const id = prop(h, 'id');
  if (id !== undefined) {
    const bad = /[^0-9a-fA-F:]/.exec(id);
    if (bad) throw xmlErr(`Invalid character '${bad[0]}' in id '${id}' of network '${netName}'`);
  }
  const name = prop(h, 'name');
  if (name !== undefined && !/^[A-Za-z0-9]/.test(name)) {
    throw xmlErr(`Cannot use host name '${name}' in network '${netName}'`);
  }
  const ipStr = prop(h, 'ip');
  let addr: SocketAddr | undefined;
  if (ipStr !== undefined) {
    const a = parseAddr(ipStr);
    if (!a) throw xmlErr(`Invalid IP address in static host definition for network '${netName}'`);
    addr = a;
  }
  if (partialOkay) {
    // (libvirt 9.0's message ends with a space)
    if (mac === undefined && name === undefined && ipStr === undefined) {
      throw xmlErr(`At least one of name, mac, or ip attribute must be specified for static host definition in network '${netName}' `);
    }
  } else {
    if (ip.address.family === 6) {
      if (id === undefined && name === undefined) {
        throw xmlErr(`Static host definition in IPv6 network '${netName}' must have id or name attribute`);
      }
    } else if (mac === undefined && name === undefined) {
      throw xmlErr(`Static host definition in IPv4 network '${netName}' must have mac or name attribute`);
    }
    if (ipStr === undefined) throw xmlErr(`Missing IP address in static host definition for network '${netName}'`);
  }
  let lease: DhcpHost['lease'];
  const l = firstChild(h, 'lease');
  if (l) lease = parseLease(l);
  return { mac, id, name, ip: addr, lease };
}

function parseLease(l: XmlElement): DhcpLease | undefined {
  const expiry = prop(l, 'expiry');
  if (expiry === undefined) return undefined;
  const v = parseInteger(expiry);
  if (v === null || v < 0n) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
      `Invalid value for attribute 'expiry' in element 'lease': '${expiry}'. Expected non-negative integer value`);
  }
  const unit = prop(l, 'unit') ?? 'minutes';
  if (!['seconds', 'minutes', 'hours'].includes(unit)) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
      `Invalid value for attribute 'unit' in element 'lease': '${unit}'.`);
  }
  if (v > 0n && ((unit === 'seconds' && v < 120n) || (unit === 'minutes' && v < 2n))) {
    throw unsupported('The minimum lease time should be greater than 2 minutes');
  }
  return { expiry: v, unit };
}

function badSocketAddr(s: string): VirtError {
  return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
    `Cannot parse socket address '${s}': Name or service not known`);
}

function parseForward(netName: string, el: XmlElement, def: NetworkDef): void {
  const modeStr = xpathAttr(el, 'mode');
  let mode: ForwardMode = 'nat';
  if (modeStr !== undefined) {
    if (!(FORWARD_MODES as readonly string[]).includes(modeStr)) throw unsupported(`unknown forwarding type '${modeStr}'`);
    mode = modeStr as ForwardMode;
  }
  const fwd = def.forward;
  fwd.mode = mode;
  const managed = xpathAttr(el, 'managed');
  fwd.managed = managed !== undefined && managed.toLowerCase() === 'yes';
  fwd.driver = firstChild(el, 'driver');
  const ifNodes = childrenNamed(el, 'interface');
  const addrNodes = childrenNamed(el, 'address');
  const pfNodes = childrenNamed(el, 'pf');
  const natNodes = childrenNamed(el, 'nat');
  if (natNodes.length > 1) throw xmlErr(`Only one <nat> element is allowed in <forward> of network ${netName}`);
  if (natNodes.length === 1) parseNat(netName, natNodes[0]!, def);
  let dev = xpathAttr(el, 'dev');
  if (dev !== undefined && (addrNodes.length > 0 || pfNodes.length > 0)) {
    throw xmlErr(`the <forward> 'dev' attribute cannot be used when <address> or <pf> sub-elements are present in network ${netName}`);
  }
  if (ifNodes.length > 0 || dev !== undefined) {
    if (dev !== undefined) fwd.ifs.push(dev);
    ifNodes.forEach((n, i) => {
      const d = prop(n, 'dev');
      if (d === undefined) throw xmlErr(`Missing required dev attribute in <forward> <interface> element of network ${netName}`);
      if (i === 0 && dev !== undefined) {
        if (d !== dev) throw xmlErr(`<forward dev='${dev}'> must match first <interface dev='${d}'/> in network ${netName}`);
        return;
      }
      if (fwd.ifs.includes(d)) throw xmlErr(`interface '${d}' can only be listed once in network ${netName}`);
      fwd.ifs.push(d);
    });
  } else if (addrNodes.length > 0) {
    for (const a of addrNodes) {
      const type = prop(a, 'type');
      if (type === undefined) throw xmlErr(`missing address type in network ${netName}`);
      if (type !== 'pci') {
        if (type === 'none' || type === 'netdev') throw xmlErr(`unsupported address type '${type}' in network ${netName}`);
        throw unsupported(`unknown address type '${type}' in network ${netName}`);
      }
      fwd.pciAddrs.push(a);
    }
  } else if (pfNodes.length > 1) {
    throw xmlErr(`Only one <pf> element is allowed in <forward> of network ${netName}`);
  } else if (pfNodes.length === 1) {
    dev = prop(pfNodes[0], 'dev');
    if (dev === undefined) throw xmlErr(`Missing required dev attribute in <pf> element of network '${netName}'`);
    fwd.pf = dev;
  }
}

function parseNat(netName: string, nat: XmlElement, def: NetworkDef): void {
  const fwd = def.forward;
  if (fwd.mode !== 'nat') {
    throw xmlErr(`The <nat> element can only be used when <forward> 'mode' is 'nat' in network ${netName}`);
  }
  fwd.natIPv6 = parseTristate(nat, 'ipv6');
  const addrs = childrenNamed(nat, 'address');
  if (addrs.length > 1) throw xmlErr(`Only one <address> element is allowed in <nat> in <forward> in network ${netName}`);
  if (addrs.length === 1) {
    const start = prop(addrs[0], 'start');
    if (start === undefined) throw xmlErr(`missing 'start' attribute in <address> element in <nat> in <forward> in network ${netName}`);
    const end = prop(addrs[0], 'end');
    if (end === undefined) throw xmlErr(`missing 'end' attribute in <address> element in <nat> in <forward> in network ${netName}`);
    const s = parseAddr(start, 4);
    if (!s) throw xmlErr(`Bad ipv4 start address '${start}' in <nat> in <forward> in network '${netName}'`);
    const e = parseAddr(end, 4);
    if (!e) throw xmlErr(`Bad ipv4 end address '${end}' in <nat> in <forward> in network '${netName}'`);
    checkRange(s, e, undefined, 0);
    fwd.natAddr = { start: s, end: e };
  }
  const ports = childrenNamed(nat, 'port');
  if (ports.length > 1) throw xmlErr(`Only one <port> element is allowed in <nat> in <forward> in network ${netName}`);
  if (ports.length === 1) {
    const p = ports[0]!;
    const s = parseUInt(xpathAttr(p, 'start') ?? 'x');
    if (s === null || s > 65535) {
      throw VirtError.report(ErrorCode.XML_DETAIL, D, `Missing or invalid 'start' attribute in <port> in <nat> in <forward> in network ${netName}`);
    }
    const e = parseUInt(xpathAttr(p, 'end') ?? 'x');
    if (e === null || e > 65535 || e < s) {
      throw VirtError.report(ErrorCode.XML_DETAIL, D, `Missing or invalid 'end' attribute in <port> in <nat> in <forward> in network ${netName}`);
    }
    fwd.natPort = { start: s, end: e };
  }
}

/** virNetworkDefParseXML on a `<network>` element. */
export function parseNetworkDef(root: XmlElement): NetworkDef {
  if (root.name !== 'network') {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `expecting root element of 'network', not '${root.name}'`);
  }
  const name = xpathString(root, 'name');
  if (name === undefined) throw VirtError.report(ErrorCode.NO_NAME, D, null);
  if (name.includes('/')) throw new VirtError(ErrorCode.XML_DETAIL, 'invalid char in name: /', ErrorDomain.XML, { str1: '%s', str2: 'invalid char in name: /' });
  const uuidStr = xpathString(root, 'uuid');
  let uuid: string;
  if (uuidStr === undefined) {
    uuid = generateUuid();
  } else {
    const u = parseUuid(uuidStr);
    if (!u) throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, 'malformed uuid element');
    uuid = u;
  }
  // libvirt 9.0 networks have no <title>/<description>: they are ignored.
  const def: NetworkDef = {
    name, uuid,
    ipv6nogw: false,
    forward: { mode: 'none', managed: false, ifs: [], pciAddrs: [] },
    stp: true,
    delay: 0n,
    ips: [],
    routes: [],
    portgroups: [],
  };
  const ipv6 = prop(root, 'ipv6');
  if (ipv6 !== undefined && ipv6 !== '') {
    if (ipv6 === 'yes') def.ipv6nogw = true;
    else if (ipv6 !== 'no') throw xmlErr(`Invalid ipv6 setting '${ipv6}' in network '${name}'`);
  }
  def.trustGuestRxFilters = parseTristate(root, 'trustGuestRxFilters');
  const dom = firstChild(root, 'domain');
  if (dom) {
    // (register= only exists from libvirt 9.x on, after 9.0.)
    def.domain = { name: prop(dom, 'name'), localOnly: parseTristate(dom, 'localOnly') };
  }
  const bandwidth = firstChild(root, 'bandwidth');
  if (bandwidth) def.bandwidth = parseBandwidth(bandwidth);
  const vlan = firstChild(root, 'vlan');
  if (vlan) def.vlan = parseVlan(vlan);
  def.port = firstChild(root, 'port');
  const bridgeEl = firstChild(root, 'bridge');
  def.bridge = xpathAttr(bridgeEl, 'name');
  def.bridgeZone = xpathAttr(bridgeEl, 'zone');
  const stp = xpathAttr(bridgeEl, 'stp');
  def.stp = !(stp === 'off');
  const delay = xpathAttr(bridgeEl, 'delay');
  if (delay !== undefined) {
    const v = parseInteger(delay);
    if (v === null || v < 0n) throw xmlErr(`Invalid delay value in network '${name}'`);
    def.delay = v;
  }
  const mtm = xpathAttr(bridgeEl, 'macTableManager');
  if (mtm !== undefined) {
    if (mtm !== 'kernel' && mtm !== 'libvirt') throw xmlErr(`Invalid macTableManager setting '${mtm}' in network '${name}'`);
    def.macTableManager = mtm;
  }
  const mac = xpathAttr(root, 'address', 'mac');
  if (mac !== undefined) {
    const b = parseMac(mac);
    if (!b) throw xmlErr(`Invalid bridge mac address '${mac}' in network '${name}'`);
    if (b[0]! & 1) throw xmlErr(`Invalid multicast bridge mac address '${mac}' in network '${name}'`);
    def.mac = formatMac(b);
  }
  const mtu = xpathAttr(root, 'size', 'mtu');
  if (mtu !== undefined) {
    const v = parseUInt(mtu);
    if (v === null) throw xmlErr(`Invalid mtu size '${mtu}' in network '${name}'`);
    def.mtu = v;
  }
  const dns = firstChild(root, 'dns');
  if (dns) def.dns = parseDns(name, dns);
  def.virtualport = virtualPort(firstChild(root, 'virtualport'), true);
  for (const pg of childrenNamed(root, 'portgroup')) def.portgroups.push(parsePortGroup(pg));
  for (const ip of childrenNamed(root, 'ip')) def.ips.push(parseIp(name, ip));
  def.routes = childrenNamed(root, 'route');
  const fwd = firstChild(root, 'forward');
  if (fwd) parseForward(name, fwd, def);
  validateForward(def, stp !== undefined);
  if (def.mtu && !['none', 'nat', 'route', 'open'].includes(def.forward.mode)) {
    throw xmlErr(`mtu size only allowed in open, route, nat, and isolated mode, not in ${def.forward.mode} (network '${name}')`);
  }
  const md = firstChild(root, 'metadata');
  if (md && md.children.length > 0) def.metadata = md;
  return def;
}

function validateForward(def: NetworkDef, hasStp: boolean): void {
  const mode = def.forward.mode;
  const name = def.name;
  switch (mode) {
    case 'none':
      return;
    case 'route':
    case 'nat':
      if (def.ips.length === 0) throw xmlErr(`${mode} forwarding requested, but no IP address provided for network '${name}'`);
      if (def.forward.ifs.length + def.forward.pciAddrs.length > 1) {
        throw xmlErr(`multiple forwarding interfaces specified for network '${name}', only one is supported`);
      }
      return;
    case 'open':
      if (def.forward.ifs.length + def.forward.pciAddrs.length) {
        throw xmlErr(`forward dev not allowed for network '${name}' with forward mode='${mode}'`);
      }
      return;
    default:
      if (mode !== 'bridge') {
        if (def.bridge) throw xmlErr(`bridge name not allowed in ${mode} mode (network '${name}')`);
        if (def.bridgeZone) throw xmlErr(`bridge zone not allowed in ${mode} mode (network '${name}')`);
        if (def.macTableManager) throw xmlErr(`bridge macTableManager setting not allowed in ${mode} mode (network '${name}')`);
      }
      if (def.delay || hasStp || def.bridgeZone) {
        throw xmlErr(`bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in ${mode} (network '${name}')`);
      }
      if (def.bridge && (def.forward.ifs.length || def.forward.pciAddrs.length || def.forward.pf)) {
        throw xmlErr(`A network with forward mode='${mode}' can specify a bridge name or a forward dev, but not both (network '${name}')`);
      }
  }
}

function attr(name: string, v: string | undefined): string {
  return v === undefined ? '' : ` ${name}='${escapeXml(v)}'`;
}

function formatIp(ip: NetworkIPDef, pad: string): string {
  let s = `${pad}<ip`;
  if (ip.family) s += ` family='${ip.family}'`;
  s += ` address='${formatAddr(ip.address)}'`;
  if (ip.netmask) s += ` netmask='${formatAddr(ip.netmask)}'`;
  if (ip.prefix > 0) s += ` prefix='${ip.prefix}'`;
  if (ip.localPtr) s += ` localPtr='${ip.localPtr}'`;
  s += '>\n';
  const p2 = pad + '  ';
  if (ip.tftproot !== undefined) s += `${p2}<tftp root='${escapeXml(ip.tftproot)}'/>\n`;
  if (ip.ranges.length || ip.hosts.length) {
    s += `${p2}<dhcp>\n`;
    const p3 = p2 + '  ';
    for (const r of ip.ranges) {
      s += `${p3}<range start='${formatAddr(r.start)}' end='${formatAddr(r.end)}'`;
      s += formatLeaseTail(r.lease, 'range', p3);
    }
    for (const h of ip.hosts) {
      s += `${p3}<host${attr('mac', h.mac)}${attr('id', h.id)}${attr('name', h.name)}`;
      if (h.ip) s += ` ip='${formatAddr(h.ip)}'`;
      s += formatLeaseTail(h.lease, 'host', p3);
    }
    if (ip.bootfile !== undefined) {
      s += `${p3}<bootp file='${escapeXml(ip.bootfile)}'`;
      if (ip.bootserver) s += ` server='${formatAddr(ip.bootserver)}'`;
      s += '/>\n';
    }
    s += `${p2}</dhcp>\n`;
  }
  return s + `${pad}</ip>\n`;
}

/** The end of a `<range>` or `<host>` start tag: `/>`, or the `<lease>` child and the end tag. */
function formatLeaseTail(lease: DhcpLease | undefined, tag: string, pad: string): string {
  if (!lease) return '/>\n';
  const l = lease.expiry === 0n ? "<lease expiry='0'/>" : `<lease expiry='${lease.expiry}' unit='${lease.unit}'/>`;
  return `>\n${pad}  ${l}\n${pad}</${tag}>\n`;
}

/** virNetworkDefFormat (flags 0). */
export function formatNetworkDef(def: NetworkDef): string {
  const p = '  ';
  let s = '<network';
  if (def.ipv6nogw) s += " ipv6='yes'";
  if (def.trustGuestRxFilters) s += ` trustGuestRxFilters='${def.trustGuestRxFilters}'`;
  s += '>\n';
  s += `${p}<name>${escapeXml(def.name)}</name>\n`;
  s += `${p}<uuid>${def.uuid}</uuid>\n`;
  if (def.metadata) s += formatMetadata(def.metadata, 1);
  const fwd = def.forward;
  if (fwd.mode !== 'none') {
    const dev = fwd.pf === undefined ? fwd.ifs[0] : undefined;
    s += `${p}<forward${attr('dev', dev)} mode='${fwd.mode}'`;
    if (fwd.mode === 'hostdev') s += fwd.managed ? " managed='yes'" : " managed='no'";
    const hasNat = fwd.natAddr || fwd.natPort || fwd.natIPv6;
    const short = !(fwd.ifs.length || fwd.pciAddrs.length || fwd.pf !== undefined || hasNat || fwd.driver);
    s += short ? '/>\n' : '>\n';
    const p2 = p + '  ';
    if (fwd.driver) s += formatElement(fwd.driver, 2);
    if (fwd.mode === 'nat' && hasNat) {
      s += `${p2}<nat`;
      if (fwd.natIPv6) s += ` ipv6='${fwd.natIPv6}'`;
      if (!fwd.natAddr && !fwd.natPort) {
        s += '/>\n';
      } else {
        s += '>\n';
        if (fwd.natAddr) s += `${p2}  <address start='${formatAddr(fwd.natAddr.start)}' end='${formatAddr(fwd.natAddr.end)}'/>\n`;
        if (fwd.natPort) {
          s += `${p2}  <port start='${fwd.natPort.start}'`;
          if (fwd.natPort.end) s += ` end='${fwd.natPort.end}'`;
          s += '/>\n';
        }
        s += `${p2}</nat>\n`;
      }
    }
    if (fwd.pf !== undefined) s += `${p2}<pf dev='${escapeXml(fwd.pf)}'/>\n`;
    for (const d of fwd.ifs) s += `${p2}<interface dev='${escapeXml(d)}'/>\n`;
    for (const a of fwd.pciAddrs) s += formatPciAddress(a, p2);
    if (!short) s += `${p}</forward>\n`;
  }
  const hasBridge = ['none', 'nat', 'route', 'open'].includes(fwd.mode);
  if (hasBridge || def.bridge || def.macTableManager) {
    s += `${p}<bridge${attr('name', def.bridge)}${attr('zone', def.bridgeZone)}`;
    if (hasBridge) s += ` stp='${def.stp ? 'on' : 'off'}' delay='${def.delay}'`;
    if (def.macTableManager) s += ` macTableManager='${def.macTableManager}'`;
    s += '/>\n';
  }
  if (def.mtu) s += `${p}<mtu size='${def.mtu}'/>\n`;
  if (def.mac) s += `${p}<mac address='${def.mac}'/>\n`;
  if (def.domain?.name !== undefined) {
    s += `${p}<domain name='${def.domain.name}'`;
    if (def.domain.localOnly) s += ` localOnly='${def.domain.localOnly}'`;
    s += '/>\n';
  }
  if (def.dns) s += formatDns(def.dns);
  s += formatVlan(def.vlan, '  ');
  s += formatBandwidth(def.bandwidth, '  ');
  const isolated = prop(def.port, 'isolated');
  if (isolated === 'yes' || isolated === 'no') s += `${p}<port isolated='${isolated}'/>\n`;
  for (const ip of def.ips) s += formatIp(ip, p);
  for (const r of def.routes) s += formatElement(r, 1);
  if (def.virtualport) s += formatElement(def.virtualport, 1);
  for (const pg of def.portgroups) s += formatPortGroup(pg);
  return s + '</network>\n';
}

function formatPciAddress(a: XmlElement, pad: string): string {
  const num = (k: string): number => {
    const v = prop(a, k);
    if (v === undefined) return 0;
    const n = parseInteger(v, 0);
    return n === null ? 0 : Number(n);
  };
  const hex = (n: number, w: number): string => '0x' + n.toString(16).padStart(w, '0');
  return `${pad}<address type='pci' domain='${hex(num('domain'), 4)}' bus='${hex(num('bus'), 2)}' slot='${hex(num('slot'), 2)}' function='${hex(num('function'), 1)}'/>\n`;
}

function parseDns(netName: string, el: XmlElement): DnsDef {
  const dns: DnsDef = {
    enable: parseTristate(el, 'enable'),
    forwardPlainNames: parseTristate(el, 'forwardPlainNames'),
    forwarders: [], hosts: [], srvs: [], txts: [],
  };
  for (const f of childrenNamed(el, 'forwarder')) {
    const addr = prop(f, 'addr');
    const fwd: DnsDef['forwarders'][number] = { domain: prop(f, 'domain') };
    if (addr !== undefined) {
      const a = parseAddr(addr);
      if (!a) throw xmlErr(`Invalid forwarder IP address '${addr}' in network '${netName}'`);
      fwd.addr = a;
      // (a forwarder port= only exists after libvirt 9.0)
    }
    if (addr === undefined && fwd.domain === undefined) {
      throw xmlErr('Invalid forwarder element, must contain at least one of addr or domain');
    }
    dns.forwarders.push(fwd);
  }
  for (const h of childrenNamed(el, 'host')) dns.hosts.push(parseDnsHost(netName, h, false) as DnsHost);
  for (const srv of childrenNamed(el, 'srv')) dns.srvs.push(parseDnsSrv(netName, srv, false));
  for (const t of childrenNamed(el, 'txt')) dns.txts.push(parseDnsTxt(netName, t, false));
  if (dns.enable === 'no' && (dns.forwarders.length || dns.hosts.length || dns.srvs.length || dns.txts.length)) {
    throw xmlErr(`Extra data in disabled network '${netName}'`);
  }
  return dns;
}

/** virNetworkDNSDefFormat. */
function formatDns(dns: DnsDef): string {
  const p = '  ';
  const hasChildren = dns.forwarders.length || dns.hosts.length || dns.srvs.length || dns.txts.length;
  if (!dns.enable && !dns.forwardPlainNames && !hasChildren) return '';
  let s = `${p}<dns`;
  if (dns.enable) s += ` enable='${dns.enable}'`;
  if (dns.forwardPlainNames) s += ` forwardPlainNames='${dns.forwardPlainNames}'`;
  if (!hasChildren) return s + '/>\n';
  s += '>\n';
  for (const f of dns.forwarders) {
    s += `${p}  <forwarder${attr('domain', f.domain)}`;
    if (f.addr) s += ` addr='${formatAddr(f.addr)}'`;
    s += '/>\n';
  }
  for (const t of dns.txts) s += `${p}  <txt name='${escapeXml(t.name)}' value='${escapeXml(t.value ?? '')}'/>\n`;
  for (const srv of dns.srvs) {
    if (srv.service === undefined || srv.protocol === undefined) continue;
    s += `${p}  <srv service='${escapeXml(srv.service)}' protocol='${escapeXml(srv.protocol)}'`;
    s += attr('domain', srv.domain) + attr('target', srv.target);
    if (srv.port) s += ` port='${srv.port}'`;
    if (srv.priority) s += ` priority='${srv.priority}'`;
    if (srv.weight) s += ` weight='${srv.weight}'`;
    s += '/>\n';
  }
  for (const h of dns.hosts) {
    s += `${p}  <host ip='${formatAddr(h.ip)}'>\n`;
    for (const n of h.names) s += `${p}    <hostname>${escapeXml(n)}</hostname>\n`;
    s += `${p}  </host>\n`;
  }
  return s + `${p}</dns>\n`;
}

/** virXMLFormatMetadata: the copied node dumped by libxml2 (double-quoted attributes). */
function formatMetadata(el: XmlElement, depth: number): string {
  const pad = '  '.repeat(depth);
  const attrs = Object.entries(el.attrs)
    .map(([k, v]) => ` ${k}="${v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')}"`).join('');
  const text = el.text.trim();
  if (el.children.length === 0) {
    if (text === '') return `${pad}<${el.name}${attrs}/>\n`;
    return `${pad}<${el.name}${attrs}>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</${el.name}>\n`;
  }
  let s = `${pad}<${el.name}${attrs}>\n`;
  for (const c of el.children) s += formatMetadata(c, depth + 1);
  return s + `${pad}</${el.name}>\n`;
}

function detail(msg: string): VirtError {
  return VirtError.report(ErrorCode.XML_DETAIL, D, msg);
}

/**
 * virNetworkDNSHostDefParseXML: a DNS `<host>`. With `partialOkay` (a
 * delete's search pattern) either the ip or the hostnames may be missing.
 */
export function parseDnsHost(netName: string, h: XmlElement, partialOkay: boolean): { ip: SocketAddr | undefined; names: string[] } {
  const names = childrenNamed(h, 'hostname').map((n) => n.text);
  if (names.some((n) => n === '') || (names.length === 0 && !partialOkay)) {
    throw detail(`Missing hostname in network '${netName}' DNS HOST record`);
  }
  const ip = prop(h, 'ip');
  let addr: SocketAddr | undefined;
  if (ip !== undefined) {
    const a = parseAddr(ip);
    if (!a) throw detail(`Invalid IP address in network '${netName}' DNS HOST record`);
    addr = a;
  } else {
    if (!partialOkay) throw detail(`Missing IP address in network '${netName}' DNS HOST record`);
    if (names.length === 0) throw detail(`Missing ip and hostname in network '${netName}' DNS HOST record`);
  }
  return { ip: addr, names };
}

/** DNS_RECORD_LENGTH_SRV: 512 minus the overhead RFC 2782 mentions. */
const DNS_RECORD_LENGTH_SRV = 512 - 30;

/** virXPathUInt on an attribute: the value, undefined when absent, null when not a number. */
function uintAttr(el: XmlElement, name: string): number | undefined | null {
  const v = prop(el, name);
  if (v === undefined || v === '') return undefined;
  return parseUInt(v);
}

/** virNetworkDNSSrvDefParseXML; `partialOkay` lets service and protocol be missing. */
export function parseDnsSrv(netName: string, el: XmlElement, partialOkay: boolean): DnsSrv {
  const service = prop(el, 'service');
  if (service === undefined && !partialOkay) {
    throw detail(`missing required service attribute in DNS SRV record of network '${netName}'`);
  }
  if (service !== undefined) {
    if (Buffer.byteLength(service) > DNS_RECORD_LENGTH_SRV) {
      throw detail(`service attribute '${service}' in network '${netName}' is too long, limit is ${DNS_RECORD_LENGTH_SRV} bytes`);
    }
    if (!/^[A-Za-z0-9_\-+/*]*$/.test(service)) {
      throw detail(`invalid character in service attribute '${service}' in DNS SRV record of network '${netName}'`);
    }
  }
  const protocol = prop(el, 'protocol');
  if (protocol === undefined && !partialOkay) {
    throw detail(`missing required protocol attribute in DNS SRV record '${service ?? '(null)'}' of network '${netName}'`);
  }
  if (protocol !== undefined && !/^[A-Za-z0-9\-+/]*$/.test(protocol)) {
    throw detail(`invalid character in protocol attribute '${protocol}' in DNS SRV record of network '${netName}'`);
  }
  const target = prop(el, 'target');
  const srv: DnsSrv = { service, protocol, domain: prop(el, 'domain'), target, port: 0, priority: 0, weight: 0 };
  const svc = service ?? '(null)';
  const checks: Array<[keyof DnsSrv & ('port' | 'priority' | 'weight'), string, number]> = [
    ['port', 'invalid DNS SRV port attribute', 1], ['priority', 'Invalid DNS SRV priority attribute', 0],
    ['weight', 'invalid DNS SRV weight attribute', 0],
  ];
  for (const [key, bad, min] of checks) {
    const v = uintAttr(el, key);
    if (v !== undefined && v !== null && target === undefined) {
      throw detail(`DNS SRV ${key} attribute not permitted without target for service '${svc}' in network '${netName}'`);
    }
    if (v === null || (v !== undefined && (v < min || v > 65535))) {
      throw detail(`${bad} for service '${svc}' in network '${netName}'`);
    }
    srv[key] = v ?? 0;
  }
  return srv;
}

/** virNetworkDNSTxtDefParseXML; `partialOkay` lets the value be missing. */
export function parseDnsTxt(netName: string, t: XmlElement, partialOkay: boolean): DnsTxt {
  const name = prop(t, 'name');
  if (name === undefined) throw detail(`missing required name attribute in DNS TXT record of network ${netName}`);
  if (/[ ,]/.test(name)) throw detail(`prohibited character in DNS TXT record name '${name}' of network ${netName}`);
  const value = prop(t, 'value');
  if (value === undefined && !partialOkay) {
    throw detail(`missing required value attribute in DNS TXT record named '${name}' of network ${netName}`);
  }
  return { name, value };
}

/** virNetworkPortGroupParseXML. */
export function parsePortGroup(el: XmlElement): PortGroupDef {
  const name = xpathAttr(el, 'name');
  if (name === undefined) throw xmlErr('Missing required name attribute in portgroup');
  const isDefault = xpathAttr(el, 'default');
  const pg: PortGroupDef = {
    name,
    isDefault: isDefault !== undefined && isDefault.toLowerCase() === 'yes',
    trustGuestRxFilters: parseTristate(el, 'trustGuestRxFilters'),
    virtualport: virtualPort(firstChild(el, 'virtualport')),
  };
  const bandwidth = firstChild(el, 'bandwidth');
  if (bandwidth) pg.bandwidth = parseBandwidth(bandwidth);
  // (the vlan is parsed last, as in virNetworkPortGroupParseXML)
  const vlan = firstChild(el, 'vlan');
  if (vlan) pg.vlan = parseVlan(vlan);
  return pg;
}

/** virPortGroupDefFormat (9.0 writes an end tag even for an empty portgroup). */
function formatPortGroup(pg: PortGroupDef): string {
  let s = `  <portgroup name='${escapeXml(pg.name)}'`;
  if (pg.isDefault) s += " default='yes'";
  if (pg.trustGuestRxFilters) s += ` trustGuestRxFilters='${pg.trustGuestRxFilters}'`;
  s += '>\n';
  s += formatVlan(pg.vlan, '    ');
  if (pg.virtualport) s += formatElement(pg.virtualport, 2);
  s += formatBandwidth(pg.bandwidth, '    ');
  return s + '  </portgroup>\n';
}

/** virNetworkDefCopy: a deep copy through a format/parse cycle, which also revalidates the definition. */
export function copyNetworkDef(def: NetworkDef): NetworkDef {
  return parseNetworkDef(parseXml(formatNetworkDef(def), '(network_definition)', D));
}

/** virNetDevVPortProfile types (none excluded). */
const VPORT_TYPES = ['802.1Qbg', '802.1Qbh', 'openvswitch', 'midonet'];

/**
 * A `<virtualport>` kept as given after virNetDevVPortProfileParse's type
 * checks (a network's own needs a type), except one without a type or any
 * parameter, which virNetDevVPortProfileFormat leaves out.
 */
function virtualPort(el: XmlElement | undefined, requireType = false): XmlElement | undefined {
  if (!el) return undefined;
  const type = prop(el, 'type');
  if (type !== undefined && !VPORT_TYPES.includes(type)) {
    throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.NONE, `unknown virtualport type ${type}`);
  }
  if (type === undefined && requireType) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.NONE, 'missing required virtualport type');
  }
  const params = firstChild(el, 'parameters');
  const empty = type === undefined && (!params || Object.keys(params.attrs).length === 0);
  return empty ? undefined : el;
}
