/**
 * virNetworkUpdate's backend (virNetworkDefUpdateSection in libvirt's
 * network_conf.c): adds, deletes or modifies one entry of a section of a
 * network definition, given as an XML element. Works on the definition in
 * place; the caller works on a copy and keeps it only on success.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { parseXml, type XmlElement } from '../../util/xml.js';
import { formatAddr, type SocketAddr } from '../../conf/network-addr.js';
import {
  parseDhcpHost, parseDhcpRange, parseDnsHost, parseDnsSrv, parseDnsTxt, parsePortGroup,
  type DhcpHost, type DnsDef, type NetworkDef, type NetworkIPDef,
} from '../../conf/network-def.js';
import { prop } from '../../conf/node-conf-util.js';

const D = ErrorDomain.NETWORK;

/** virNetworkUpdateCommand. */
export const UpdateCommand = { NONE: 0, MODIFY: 1, DELETE: 2, ADD_LAST: 3, ADD_FIRST: 4 } as const;

/** virNetworkUpdateSection. */
export const UpdateSection = {
  NONE: 0, BRIDGE: 1, DOMAIN: 2, IP: 3, IP_DHCP_HOST: 4, IP_DHCP_RANGE: 5, FORWARD: 6,
  FORWARD_INTERFACE: 7, FORWARD_PF: 8, PORTGROUP: 9, DNS_HOST: 10, DNS_TXT: 11, DNS_SRV: 12,
} as const;

/** virNetworkUpdateFlags. */
export const UpdateFlags = { AFFECT_CURRENT: 0, AFFECT_LIVE: 1, AFFECT_CONFIG: 2 } as const;

const C = UpdateCommand;

function invalid(msg: string): VirtError {
  return VirtError.report(ErrorCode.OPERATION_INVALID, D, msg);
}

function unsupported(msg: string): VirtError {
  return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, D, msg);
}

/** virNetworkDefUpdateNoSupport. */
function noSupport(def: NetworkDef, section: string): VirtError {
  return unsupported(`can't update '${section}' section of network '${def.name}'`);
}

/** virNetworkDefUpdateUnknownCommand. */
function unknownCommand(command: number): VirtError {
  return unsupported(`unrecognized network update command code ${command}`);
}

/** virNetworkDefUpdateCheckElementName. */
function checkElementName(def: NetworkDef, node: XmlElement, section: string): void {
  if (node.name !== section) {
    throw VirtError.report(ErrorCode.XML_ERROR, D,
      `unexpected element <${node.name}>, expecting <${section}>, while updating network '${def.name}'`);
  }
}

function isAdd(command: number): boolean {
  return command === C.ADD_FIRST || command === C.ADD_LAST;
}

/** VIR_INSERT_ELEMENT at the front for add-first, at the end for add-last. */
function insert<T>(list: T[], command: number, item: T): void {
  if (command === C.ADD_FIRST) list.unshift(item);
  else list.push(item);
}

function addrEqual(a: SocketAddr | undefined, b: SocketAddr | undefined): boolean {
  return a !== undefined && b !== undefined && a.family === b.family && a.value === b.value;
}

/** virMacAddrCompare: case-insensitive, leading zeros of each byte ignored. */
function macCompare(p: string, q: string): number {
  let i = 0;
  let j = 0;
  const hex = (s: string, k: number) => /[0-9a-fA-F]/.test(s[k] ?? '');
  for (;;) {
    while (p[i] === '0' && hex(p, i + 1)) i++;
    while (q[j] === '0' && hex(q, j + 1)) j++;
    const c = (p[i] ?? '').toLowerCase();
    const d = (q[j] ?? '').toLowerCase();
    if (c === '' || d === '' || c !== d) return (c.charCodeAt(0) || 0) - (d.charCodeAt(0) || 0);
    i++;
    j++;
  }
}

/** virNetworkIPDefByIndex: the `<ip>` whose DHCP part an update works on, or libvirt's error. */
function ipByIndex(def: NetworkDef, parentIndex: number): NetworkIPDef | VirtError {
  if (parentIndex >= 0) {
    return def.ips[parentIndex] ?? invalid(
      `couldn't update dhcp host entry - no <ip> element found at index ${parentIndex} in network '${def.name}'`);
  }
  // "the most appropriate": the one with DHCP, else the first IPv4, else the first IPv6.
  const ip = def.ips.find((i) => i.ranges.length || i.hosts.length)
    ?? def.ips.find((i) => i.address.family === 4) ?? def.ips.find((i) => i.address.family === 6);
  return ip ?? invalid(`couldn't update dhcp host entry - no <ip> element found in network '${def.name}'`);
}

/** virNetworkDefUpdateCheckMultiDHCP: DHCP on one address per family only. */
function checkMultiDhcp(def: NetworkDef, ipdef: NetworkIPDef): void {
  const family = ipdef.address.family;
  for (const ip of def.ips) {
    if (ip !== ipdef && ip.address.family === family && (ip.ranges.length || ip.hosts.length)) {
      throw invalid(`dhcp is supported only for a single ${family === 4 ? 'IPv4' : 'IPv6'} address on each network`);
    }
  }
}

function orThrow<T>(v: T | VirtError): T {
  if (v instanceof VirtError) throw v;
  return v;
}

function updateDhcpHost(def: NetworkDef, command: number, parentIndex: number, node: XmlElement): void {
  const found = ipByIndex(def, parentIndex);
  checkElementName(def, node, 'host');
  const ipdef = orThrow(found);
  const partialOkay = command === C.DELETE;
  const host = parseDhcpHost(def.name, ipdef, node, partialOkay);
  if (!partialOkay && ipdef.address.family !== host.ip?.family) {
    throw invalid("the address family of a host entry IP must match the address family of the dhcp element's parent");
  }
  const macMatches = (h: DhcpHost) => host.mac !== undefined && h.mac !== undefined && macCompare(host.mac, h.mac) === 0;
  const shown = () => [host.mac ?? 'unknown', host.name ?? '(null)', host.ip ? formatAddr(host.ip) : 'unknown'] as const;
  if (command === C.MODIFY) {
    const i = ipdef.hosts.findIndex((h) => macMatches(h) || addrEqual(host.ip, h.ip)
      || (host.name !== undefined && host.name === h.name));
    if (i < 0) {
      const [mac, name, ip] = shown();
      throw invalid(`couldn't locate an existing dhcp host entry with "mac='${mac}'" "name='${name}'" "ip='${ip}'" in network '${def.name}'`);
    }
    ipdef.hosts[i] = host;
  } else if (isAdd(command)) {
    checkMultiDhcp(def, ipdef);
    if (ipdef.hosts.some((h) => macMatches(h) || (host.name !== undefined && host.name === h.name) || addrEqual(host.ip, h.ip))) {
      const [mac, name, ip] = shown();
      throw invalid(`there is an existing dhcp host entry in network '${def.name}' that matches "<host mac='${mac}' name='${name}' ip='${ip}'/>"`);
    }
    insert(ipdef.hosts, command, host);
  } else if (command === C.DELETE) {
    // Every attribute given must match.
    const i = ipdef.hosts.findIndex((h) =>
      (host.mac === undefined || h.mac === undefined || macCompare(host.mac, h.mac) === 0)
      && (host.name === undefined || host.name === h.name)
      && (host.ip === undefined || addrEqual(host.ip, h.ip)));
    if (i < 0) throw invalid(`couldn't locate a matching dhcp host entry in network '${def.name}'`);
    ipdef.hosts.splice(i, 1);
  } else {
    throw unknownCommand(command);
  }
}

function updateDhcpRange(def: NetworkDef, command: number, parentIndex: number, node: XmlElement): void {
  const found = ipByIndex(def, parentIndex);
  checkElementName(def, node, 'range');
  const ipdef = orThrow(found);
  if (command === C.MODIFY) throw unsupported('dhcp ranges cannot be modified, only added or deleted');
  const range = parseDhcpRange(def.name, ipdef, node);
  if (ipdef.address.family !== range.start.family) {
    throw invalid("the address family of a dhcp range must match the address family of the dhcp element's parent");
  }
  const i = ipdef.ranges.findIndex((r) => addrEqual(range.start, r.start) && addrEqual(range.end, r.end));
  if (isAdd(command)) {
    checkMultiDhcp(def, ipdef);
    if (i >= 0) {
      throw invalid(`there is an existing dhcp range entry in network '${def.name}' that matches "<range start='${formatAddr(range.start)}' end='${formatAddr(range.end)}'/>"`);
    }
    insert(ipdef.ranges, command, range);
  } else if (command === C.DELETE) {
    if (i < 0) throw invalid(`couldn't locate a matching dhcp range entry in network '${def.name}'`);
    ipdef.ranges.splice(i, 1);
  } else {
    throw unknownCommand(command);
  }
}

function updateForwardInterface(def: NetworkDef, command: number, node: XmlElement): void {
  checkElementName(def, node, 'interface');
  if (command === C.MODIFY) throw unsupported('forward interface entries cannot be modified, only added or deleted');
  const dev = prop(node, 'dev');
  if (dev === undefined) throw VirtError.report(ErrorCode.XML_ERROR, D, 'missing dev attribute in <interface> element');
  const ifs = def.forward.ifs;
  const i = ifs.indexOf(dev);
  if (isAdd(command)) {
    if (i >= 0) {
      throw invalid(`there is an existing interface entry in network '${def.name}' that matches "<interface dev='${dev}'>"`);
    }
    insert(ifs, command, dev);
  } else if (command === C.DELETE) {
    if (i < 0) throw invalid(`couldn't find an interface entry in network '${def.name}' matching <interface dev='${dev}'>`);
    // (no domain of the test driver ever holds a connection to it)
    ifs.splice(i, 1);
  } else {
    throw unknownCommand(command);
  }
}

function updatePortGroup(def: NetworkDef, command: number, node: XmlElement): void {
  checkElementName(def, node, 'portgroup');
  const pg = parsePortGroup(node);
  const foundName = def.portgroups.findIndex((p) => p.name === pg.name);
  // The last default one, as libvirt's loop keeps overwriting it.
  let foundDefault = -1;
  def.portgroups.forEach((p, i) => { if (p.isDefault) foundDefault = i; });
  if (foundName < 0 && (command === C.MODIFY || command === C.DELETE)) {
    throw invalid(`couldn't find a portgroup entry in network '${def.name}' matching <portgroup name='${pg.name}'>`);
  } else if (foundName >= 0 && isAdd(command)) {
    throw invalid(`there is an existing portgroup entry in network '${def.name}' that matches "<portgroup name='${pg.name}'>"`);
  }
  if (command !== C.DELETE && pg.isDefault && foundDefault >= 0 && foundDefault !== foundName) {
    throw invalid(`a different portgroup entry in network '${def.name}' is already set as the default. Only one default is allowed.`);
  }
  if (command === C.MODIFY) def.portgroups[foundName] = pg;
  else if (isAdd(command)) insert(def.portgroups, command, pg);
  else if (command === C.DELETE) def.portgroups.splice(foundName, 1);
  else throw unknownCommand(command);
}

function dnsOf(def: NetworkDef): DnsDef {
  return def.dns ??= { forwarders: [], hosts: [], srvs: [], txts: [] };
}

function updateDnsHost(def: NetworkDef, command: number, node: XmlElement): void {
  if (command === C.MODIFY) throw unsupported('DNS HOST records cannot be modified, only added or deleted');
  checkElementName(def, node, 'host');
  const add = isAdd(command);
  const host = parseDnsHost(def.name, node, !add);
  const dns = dnsOf(def);
  let foundCt = 0;
  let foundIdx = -1;
  dns.hosts.forEach((h, i) => {
    // An add checks the address only: one name on several addresses is fine.
    const match = addrEqual(host.ip, h.ip) || (!add && host.names.some((n) => h.names.includes(n)));
    if (match) {
      foundCt++;
      foundIdx = i;
    }
  });
  if (add) {
    if (foundCt > 0) throw invalid(`there is already at least one DNS HOST record with a matching field in network ${def.name}`);
    insert(dns.hosts, command, { ip: host.ip!, names: host.names });
  } else if (command === C.DELETE) {
    if (foundCt === 0) throw invalid(`couldn't locate a matching DNS HOST record in network ${def.name}`);
    if (foundCt > 1) throw invalid(`multiple matching DNS HOST records were found in network ${def.name}`);
    dns.hosts.splice(foundIdx, 1);
  } else {
    throw unknownCommand(command);
  }
}

function updateDnsSrv(def: NetworkDef, command: number, node: XmlElement): void {
  if (command === C.MODIFY) throw unsupported('DNS SRV records cannot be modified, only added or deleted');
  checkElementName(def, node, 'srv');
  const add = isAdd(command);
  const srv = parseDnsSrv(def.name, node, !add);
  const dns = dnsOf(def);
  const same = (a: string | undefined, b: string | undefined) => a === undefined || a === b;
  let foundCt = 0;
  let foundIdx = -1;
  dns.srvs.forEach((s, i) => {
    if (same(srv.domain, s.domain) && same(srv.service, s.service) && same(srv.protocol, s.protocol)
      && same(srv.target, s.target)) {
      foundCt++;
      foundIdx = i;
    }
  });
  if (add) {
    if (foundCt > 0) throw invalid(`there is already at least one DNS SRV record matching all specified fields in network ${def.name}`);
    insert(dns.srvs, command, srv);
  } else if (command === C.DELETE) {
    if (foundCt === 0) throw invalid(`couldn't locate a matching DNS SRV record in network ${def.name}`);
    if (foundCt > 1) throw invalid(`multiple DNS SRV records matching all specified fields were found in network ${def.name}`);
    dns.srvs.splice(foundIdx, 1);
  } else {
    throw unknownCommand(command);
  }
}

function updateDnsTxt(def: NetworkDef, command: number, node: XmlElement): void {
  if (command === C.MODIFY) throw unsupported('DNS TXT records cannot be modified, only added or deleted');
  checkElementName(def, node, 'txt');
  const add = isAdd(command);
  const txt = parseDnsTxt(def.name, node, !add);
  const dns = dnsOf(def);
  const i = dns.txts.findIndex((t) => t.name === txt.name);
  if (add) {
    if (i >= 0) throw invalid(`there is already a DNS TXT record with name '${txt.name}' in network ${def.name}`);
    insert(dns.txts, command, txt);
  } else if (command === C.DELETE) {
    if (i < 0) throw invalid(`couldn't locate a matching DNS TXT record in network ${def.name}`);
    dns.txts.splice(i, 1);
  } else {
    throw unknownCommand(command);
  }
}

/** virNetworkDefUpdateSection: applies one update to `def` (in place) or throws libvirt's error. */
export function updateNetworkSection(def: NetworkDef, command: number, section: number, parentIndex: number, xml: string): void {
  const node = parseXml(xml, 'network_update_xml', D);
  const S = UpdateSection;
  switch (section) {
    case S.BRIDGE: throw noSupport(def, 'bridge');
    case S.DOMAIN: throw noSupport(def, 'domain');
    case S.IP: throw noSupport(def, 'ip');
    case S.IP_DHCP_HOST: return updateDhcpHost(def, command, parentIndex, node);
    case S.IP_DHCP_RANGE: return updateDhcpRange(def, command, parentIndex, node);
    case S.FORWARD: throw noSupport(def, 'forward');
    case S.FORWARD_INTERFACE: return updateForwardInterface(def, command, node);
    case S.FORWARD_PF: throw noSupport(def, 'forward pf');
    case S.PORTGROUP: return updatePortGroup(def, command, node);
    case S.DNS_HOST: return updateDnsHost(def, command, node);
    case S.DNS_TXT: return updateDnsTxt(def, command, node);
    case S.DNS_SRV: return updateDnsSrv(def, command, node);
    default: throw unsupported("can't update unrecognized section of network");
  }
}
