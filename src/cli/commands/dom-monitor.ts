/**
 * More of the "Domain Monitoring" group (tools/virsh-domain-monitor.c):
 * domblkerror, domblklist, domblkstat, domcontrol, domif-getlink,
 * domifaddr, domiflist, domifstat. domblklist, domiflist and domif-getlink
 * only read the domain XML, with virsh's XPath expressions.
 */
import type { Domain } from '../../api/index.js';
import type { TypedParam } from '../../driver/driver.js';
import { ErrorCode } from '../../errors.js';
import { formatMacAddr, parseMacAddr } from '../../util/mac.js';
import { parseXml, type XmlElement } from '../../util/xml.js';
import { DOMAIN_OPT, type CmdDef, type ParsedCommand } from '../command.js';
import { formatFixed, padEnd, Table } from '../format.js';
import { optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { typedParamValue } from '../util.js';

/** VIR_DOMAIN_XML_INACTIVE. */
const XML_INACTIVE = 2;

/**
 * virshDomainGetXMLFromDom: the parsed domain XML, or null after printing
 * virsh's error.
 */
export async function domainXmlFromDom(ctl: Shell, dom: Domain, flags: number): Promise<XmlElement | null> {
  const xml = await ctl.attempt(dom.getXMLDesc(flags));
  if (xml === FAIL) {
    ctl.error('Failed to get domain description xml');
    return null;
  }
  try {
    return parseXml(xml, '(domain_definition)');
  } catch (e) {
    ctl.saveError(e);
    ctl.error('Failed to parse domain description xml');
    return null;
  }
}

/** virshDomainGetXML: looks the command's domain up, then as domainXmlFromDom. */
export async function domainXml(ctl: Shell, cmd: ParsedCommand, flags: number): Promise<XmlElement | null> {
  const r = await optDomain(ctl, cmd);
  if (!r) return null;
  using dom = r.dom;
  return domainXmlFromDom(ctl, dom, flags);
}

/** Child elements by name. */
export function kids(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** `./devices/<name>` from the root element. */
export function devicesOf(root: XmlElement, name: string): XmlElement[] {
  return kids(root, 'devices').flatMap((d) => kids(d, name));
}

/**
 * virXPathString("string(./a/@x|./a/@y…)"): the first of those attributes
 * in document order (the first `child` that has any, then attribute order),
 * null for none or an empty value.
 */
export function firstAttr(el: XmlElement, child: string, names: readonly string[]): string | null {
  for (const c of kids(el, child)) {
    for (const [k, v] of Object.entries(c.attrs)) if (names.includes(k)) return v === '' ? null : v;
  }
  return null;
}

/** virXPathString("string(./child/@attr)"), with its null for an empty string. */
export function attrOf(el: XmlElement, child: string | null, attr: string): string | null {
  const e = child === null ? el : kids(el, child)[0];
  const v = e?.attrs[attr];
  return v === undefined || v === '' ? null : v;
}

const DISK_ERRORS = ['no error', 'unspecified error', 'no space'];

async function cmdDomBlkError(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const call = (maxerrors: number) => dom.conn.call('domainGetDiskErrors', { dom: dom.ref, maxerrors, flags: 0 });
  const probe = await ctl.attempt(call(0));
  if (probe === FAIL) return false;
  let errors: { disk: string; error: number }[] = [];
  if (probe.nerrors > 0) {
    const got = await ctl.attempt(call(probe.nerrors));
    if (got === FAIL) return false;
    errors = got.errors.slice(0, got.nerrors);
  }
  if (errors.length === 0) {
    ctl.print('No errors found\n');
    return true;
  }
  for (const e of errors) ctl.print(`${e.disk}: ${DISK_ERRORS[e.error] ?? 'unknown error'}\n`);
  return true;
}

/** cmdDomblklist's nvme:// source: the PCI address and namespace of an NVMe disk. */
function nvmeSource(ctl: Shell, disk: XmlElement): string | null {
  const ns = attrOf(disk, 'source', 'namespace');
  const addr = kids(kids(disk, 'source')[0], 'address')[0];
  const field = (name: string): number | null => {
    const v = addr?.attrs[name];
    if (v === undefined) return 0;
    const m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(v);
    return m ? Number(m[1]!.startsWith('0') && !/^0[xX]/.test(m[1]!) ? parseInt(m[1]!, 8) : Number(m[1])) : null;
  };
  const [d, b, s, f] = ['domain', 'bus', 'slot', 'function'].map(field);
  if (ns === null || !addr || d == null || b == null || s == null || f == null) {
    ctl.error('Unable to query NVMe disk address');
    return null;
  }
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `nvme://${hex(d, 4)}:${hex(b, 2)}:${hex(s, 2)}.${f}/${ns}`;
}

async function cmdDomblklist(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool('inactive') ? XML_INACTIVE : 0;
  const details = cmd.bool('details');
  const root = await domainXml(ctl, cmd, flags);
  if (!root) return false;
  const table = details ? new Table('Type', 'Device', 'Target', 'Source') : new Table('Target', 'Source');
  for (const disk of devicesOf(root, 'disk')) {
    const type = attrOf(disk, null, 'type');
    const device = attrOf(disk, null, 'device');
    if (details && (type === null || device === null)) {
      ctl.print('unable to query block list details');
      return false;
    }
    const target = attrOf(disk, 'target', 'dev');
    if (target === null) {
      ctl.error('unable to query block list');
      return false;
    }
    let source: string | null;
    if (type === 'nvme') {
      source = nvmeSource(ctl, disk);
      if (source === null) return false;
    } else {
      source = firstAttr(disk, 'source', ['file', 'dev', 'dir', 'name', 'volume', 'path']);
    }
    if (details) table.add(type!, device!, target, source ?? '-');
    else table.add(target, source ?? '-');
  }
  ctl.print(table.render(!ctl.quiet, ctl.io.env));
  return true;
}

async function cmdDomiflist(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = cmd.bool('inactive') ? XML_INACTIVE : 0;
  const root = await domainXml(ctl, cmd, flags);
  if (!root) return false;
  const table = new Table('Interface', 'Type', 'Source', 'Model', 'MAC');
  for (const iface of devicesOf(root, 'interface')) {
    table.add(
      attrOf(iface, 'target', 'dev') ?? '-',
      attrOf(iface, null, 'type') ?? '',
      firstAttr(iface, 'source', ['bridge', 'dev', 'network', 'name', 'path']) ?? '-',
      attrOf(iface, 'model', 'type') ?? '-',
      attrOf(iface, 'mac', 'address') ?? '-',
    );
  }
  ctl.print(table.render(!ctl.quiet, ctl.io.env));
  return true;
}

/** virMacAddrParse + virMacAddrFormat: the canonical form of a MAC address, or null. */
export function canonicalMac(s: string): string | null {
  const b = parseMacAddr(s);
  return b ? formatMacAddr(b) : null;
}

async function cmdDomIfGetLink(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const iface = cmd.string(ctl, 'interface');
  if (iface == null) return false;
  const flags = cmd.bool('config') ? XML_INACTIVE : 0;
  const root = await domainXml(ctl, cmd, flags);
  if (!root) return false;
  const mac = canonicalMac(iface) ?? '';
  // /domain/devices/interface[(mac/@address = 'MAC') or (target/@dev = 'IFACE')]
  const found = root.name !== 'domain' ? [] : devicesOf(root, 'interface').filter((n) =>
    kids(n, 'mac').some((m) => m.attrs['address'] === mac) || kids(n, 'target').some((t) => t.attrs['dev'] === iface));
  if (found.length === 0) {
    ctl.error(mac ? `Interface (mac: ${mac}) not found.` : `Interface (dev: ${iface}) not found.`);
    return false;
  }
  if (found.length > 1) {
    ctl.error('multiple matching interfaces found');
    return false;
  }
  ctl.print(`${iface} ${attrOf(found[0]!, 'link', 'state') ?? 'up'}`);
  return true;
}

const CONTROL_STATES = ['ok', 'background job', 'occupied', 'error'];
const CONTROL_ERROR_REASONS = ['', 'unknown', 'monitor failure', 'internal (locking) error'];

async function cmdDomControl(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const info = await ctl.attempt(dom.conn.call('domainGetControlInfo', { dom: dom.ref, flags: 0 }));
  if (info === FAIL) return false;
  const state = CONTROL_STATES[info.state] ?? 'unknown';
  const OK = 0;
  const ERROR = 3;
  if (info.state !== OK && info.state !== ERROR) {
    ctl.print(`${state} (${formatFixed(info.stateTime / 1000, 3)}s)\n`);
  } else if (info.state === ERROR && info.details > 0) {
    ctl.print(`${state}: ${CONTROL_ERROR_REASONS[info.details] ?? 'unknown'}\n`);
  } else {
    ctl.print(`${state}\n`);
  }
  return true;
}

/** domblkstat_output: typed-parameter field, legacy name, human description. */
const BLKSTAT_FIELDS: ReadonlyArray<[string, string | null, string]> = [
  ['rd_operations', 'rd_req', 'number of read operations:'],
  ['rd_bytes', 'rd_bytes', 'number of bytes read:'],
  ['wr_operations', 'wr_req', 'number of write operations:'],
  ['wr_bytes', 'wr_bytes', 'number of bytes written:'],
  ['errs', 'errs', 'error count:'],
  ['flush_operations', null, 'number of flush operations:'],
  ['rd_total_times', null, 'total duration of reads (ns):'],
  ['wr_total_times', null, 'total duration of writes (ns):'],
  ['flush_total_times', null, 'total duration of flushes (ns):'],
];

/** printf("%s %-*s %s\n", device, human ? 31 : 0, field, value). */
function blkstatLine(device: string, field: string, value: string, human: boolean): string {
  return `${device} ${human ? padEnd(field, 31) : field} ${value}\n`;
}

async function cmdDomblkstat(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const human = cmd.bool('human');
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const opt = cmd.string(ctl, 'device');
  if (opt === null) return false;
  let device = opt ?? '';
  const flagsCall = (nparams: number) =>
    dom.conn.call('domainBlockStatsFlags', { dom: dom.ref, path: device, nparams, flags: 0 });
  const probe = await ctl.attempt(flagsCall(0));
  if (probe === FAIL) {
    // Older daemons only have virDomainBlockStats.
    if (ctl.lastErrorCode !== ErrorCode.NO_SUPPORT) return false;
    ctl.resetError();
    const st = await ctl.attempt(dom.conn.call('domainBlockStats', { dom: dom.ref, path: device }));
    if (st === FAIL) {
      ctl.error(`Failed to get block stats ${r.name} ${device}`);
      return false;
    }
    if (human) {
      ctl.print(`Device: ${device}\n`);
      device = '';
    }
    const legacy: Array<[number, number]> = [[0, st.rd_req], [1, st.rd_bytes], [2, st.wr_req], [3, st.wr_bytes], [4, st.errs]];
    for (const [i, v] of legacy) {
      const [, name, text] = BLKSTAT_FIELDS[i]!;
      if (v >= 0) ctl.print(blkstatLine(device, human ? text : name!, String(v), human));
    }
    return true;
  }
  const got = await ctl.attempt(flagsCall(probe.nparams));
  if (got === FAIL) {
    ctl.error(`Failed to get block stats for domain '${r.name}' device '${device}'`);
    return false;
  }
  if (human) {
    ctl.print(`Device: ${device}\n`);
    device = '';
  }
  const params: TypedParam[] = got.params.slice(0, got.nparams);
  const printed = new Set<TypedParam>();
  for (const [field, legacyName, text] of BLKSTAT_FIELDS) {
    const p = params.find((x) => x.field === field && !printed.has(x));
    if (!p) continue;
    printed.add(p);
    ctl.print(blkstatLine(device, human ? text : legacyName ?? field, typedParamValue(p), human));
  }
  for (const p of params) {
    if (printed.has(p) || p.field === '') continue;
    ctl.print(`${device} ${p.field} ${typedParamValue(p)}\n`);
  }
  return true;
}

async function cmdDomIfstat(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const device = cmd.string(ctl, 'interface');
  if (device == null) return false;
  const st = await ctl.attempt(dom.conn.call('domainInterfaceStats', { dom: dom.ref, device }));
  if (st === FAIL) {
    ctl.error(`Failed to get interface stats ${r.name} ${device}`);
    return false;
  }
  const fields = ['rx_bytes', 'rx_packets', 'rx_errs', 'rx_drop', 'tx_bytes', 'tx_packets', 'tx_errs', 'tx_drop'] as const;
  for (const f of fields) if (st[f] >= 0) ctl.print(`${device} ${f} ${st[f]}\n`);
  return true;
}

/** virDomainInterfaceAddressesSource names. */
const ADDR_SOURCES = ['lease', 'agent', 'arp'];

async function cmdDomIfAddr(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const full = cmd.bool('full');
  const ifaceName = cmd.string(ctl, 'interface');
  if (ifaceName === null) return false;
  const sourceStr = cmd.string(ctl, 'source');
  if (sourceStr === null) return false;
  let source = 0;
  if (sourceStr !== undefined) {
    source = ADDR_SOURCES.indexOf(sourceStr);
    if (source < 0) {
      ctl.error(`Unknown data source '${sourceStr}'`);
      return false;
    }
  }
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const got = await ctl.attempt(dom.conn.call('domainInterfaceAddresses', { dom: dom.ref, source, flags: 0 }));
  if (got === FAIL) {
    ctl.error('Failed to query for interfaces addresses');
    return false;
  }
  ctl.printExtra(` ${padEnd('Name', 10)} ${padEnd('MAC address', 20)} ${padEnd('Protocol', 8)}     Address\n`
    + `${'-'.repeat(49)}${'-'.repeat(30)}\n`);
  for (const iface of got.ifaces) {
    if (ifaceName !== undefined && ifaceName !== iface.name) continue;
    if (iface.addrs.length === 0) {
      ctl.print(` ${padEnd(iface.name, 10)} ${padEnd(iface.hwaddr ?? 'N/A', 17)}    ${padEnd('N/A', 12)} N/A\n`);
      continue;
    }
    iface.addrs.forEach((a, j) => {
      const type = a.type === 0 ? 'ipv4' : a.type === 1 ? 'ipv6' : '(null)';
      const addr = `${padEnd(type, 12)} ${a.addr}/${a.prefix}`;
      if (full || j === 0) ctl.print(` ${padEnd(iface.name, 10)} ${padEnd(iface.hwaddr ?? '', 17)}    ${addr}\n`);
      else ctl.print(` ${padEnd('-', 10)} ${padEnd('-', 17)}    ${addr}\n`);
    });
  }
  return true;
}

/** The monitoring commands of this file (placed in virsh's order by index.ts). */
export const domMonitorCommands: CmdDef[] = [
  {
    name: 'domblkerror',
    help: 'Show errors on block devices',
    desc: 'Show block device errors',
    options: [DOMAIN_OPT],
    run: cmdDomBlkError,
  },
  {
    name: 'domblklist',
    help: 'list all domain blocks',
    desc: 'Get the summary of block devices for a domain.',
    options: [
      DOMAIN_OPT,
      { name: 'inactive', type: 'bool', help: 'get inactive rather than running configuration' },
      { name: 'details', type: 'bool', help: 'additionally display the type and device value' },
    ],
    run: cmdDomblklist,
  },
  {
    name: 'domblkstat',
    help: 'get device block stats for a domain',
    desc: 'Get device block stats for a running domain. See man page or use --human for explanation of fields',
    options: [
      DOMAIN_OPT,
      { name: 'device', type: 'string', help: 'block device', emptyOk: true },
      { name: 'human', type: 'bool', help: 'print a more human readable output' },
    ],
    run: cmdDomblkstat,
  },
  {
    name: 'domcontrol',
    help: 'domain control interface state',
    desc: 'Returns state of a control interface to the domain.',
    options: [DOMAIN_OPT],
    run: cmdDomControl,
  },
  {
    name: 'domif-getlink',
    help: 'get link state of a virtual interface',
    desc: 'Get link state of a domain\'s virtual interface.',
    options: [
      DOMAIN_OPT,
      { name: 'interface', type: 'data', help: 'interface device (MAC Address)', required: true },
      { name: 'persistent', type: 'alias', help: 'config' },
      { name: 'config', type: 'bool', help: 'Get persistent interface state' },
    ],
    run: cmdDomIfGetLink,
  },
  {
    name: 'domifaddr',
    help: 'Get network interfaces\' addresses for a running domain',
    desc: 'Get network interfaces\' addresses for a running domain',
    options: [
      DOMAIN_OPT,
      { name: 'interface', type: 'string', help: 'network interface name' },
      { name: 'full', type: 'bool', help: 'always display names and MACs of interfaces' },
      { name: 'source', type: 'string', help: 'address source: \'lease\', \'agent\', or \'arp\'' },
    ],
    run: cmdDomIfAddr,
  },
  {
    name: 'domiflist',
    help: 'list all domain virtual interfaces',
    desc: 'Get the summary of virtual interfaces for a domain.',
    options: [
      DOMAIN_OPT,
      { name: 'inactive', type: 'bool', help: 'get inactive rather than running configuration' },
    ],
    run: cmdDomiflist,
  },
  {
    name: 'domifstat',
    help: 'get network interface stats for a domain',
    desc: 'Get network interface stats for a running domain.',
    options: [
      DOMAIN_OPT,
      { name: 'interface', type: 'data', help: 'interface device specified by name or MAC Address', required: true },
    ],
    run: cmdDomIfstat,
  },
];
