/**
 * "Domain Management" commands about the running guest (tools/virsh-domain.c):
 * displays and consoles, filesystems, power management, keys and signals,
 * guest-agent queries, passwords and SSH keys, jobs, block thresholds,
 * launch security and dirty-rate calculation.
 */
import type { Domain } from '../../api/index.js';
import { domainGetLaunchSecurityInfo, domainSendProcessSignal } from '../../api/domain-guest.js';
import { ErrorCode } from '../../errors.js';
import { keycodeFromName, keycodeSetFromName, SEND_KEY_MAX_KEYS } from '../../util/keycodes.js';
import { parseMacAddr } from '../../util/mac.js';
import { parseURI } from '../../uri/index.js';
import type { XmlElement } from '../../util/xml.js';
import { DOMAIN_OPT, strToLong, type CmdDef, type ParsedCommand } from '../command.js';
import { formatFixed, padEnd, prettyCapacity, Table } from '../format.js';
import { optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { readFileAll, typedParamValue } from '../util.js';
import { exclusive, requires } from './domain.js';
import { domainXml, domainXmlFromDom, devicesOf, kids } from './dom-monitor.js';

/** VIR_DOMAIN_XML_SECURE, VIR_DOMAIN_XML_INACTIVE. */
const XML_SECURE = 1;
const XML_INACTIVE = 2;
/** VIR_DOMAIN_AFFECT_LIVE, VIR_DOMAIN_AFFECT_CONFIG. */
const AFFECT_LIVE = 1;
const AFFECT_CONFIG = 2;
const ULLONG_MAX = (1n << 64n) - 1n;

/** Looks the command's domain up and runs `fn` on it, freeing it afterwards. */
async function withDomain(ctl: Shell, cmd: ParsedCommand,
  fn: (dom: Domain, name: string) => Promise<boolean>): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  return fn(dom, r.name);
}

/** A call whose failure needs nothing but the library error. */
async function simpleCall(ctl: Shell, p: Promise<unknown>): Promise<boolean> {
  return (await ctl.attempt(p)) !== FAIL;
}

// ---- domblkthreshold ------------------------------------------------------

async function cmdDomblkthreshold(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const dev = cmd.string(ctl, 'dev');
  if (dev == null) return false;
  const threshold = cmd.scaledInt(ctl, 'threshold', 1n, ULLONG_MAX);
  if (threshold == null) return false;
  return withDomain(ctl, cmd, async (dom) => {
    return simpleCall(ctl, dom.conn.call('domainSetBlockThreshold',
      { dom: dom.ref, dev, threshold: Number(threshold), flags: 0 }));
  });
}

// ---- domif-setlink ----------------------------------------------------------

/** g_ascii_strcasecmp() == 0. */
function asciiCaseEqual(a: string, b: string): boolean {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return fold(a) === fold(b);
}

/** libxml2's escaping without an output encoding: markup characters, and non-ASCII as character references. */
function xmlEscape(s: string, attr: boolean): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '\r') out += '&#13;';
    else if (attr && ch === '"') out += '&quot;';
    else if (attr && ch === '\n') out += '&#10;';
    else if (attr && ch === '\t') out += '&#9;';
    else if (c > 0x7f) out += `&#x${c.toString(16).toUpperCase()};`;
    else out += ch;
  }
  return out;
}

/**
 * xmlNodeDump(format=0) of an element of libvirt's indented domain XML at
 * `depth`: the whitespace between the children is what libvirt wrote.
 * `append` is a child added after the last whitespace (xmlNewChild).
 */
function dumpNode(e: XmlElement, depth: number, append = ''): string {
  const attrs = Object.entries(e.attrs).map(([k, v]) => ` ${k}="${xmlEscape(v, true)}"`).join('');
  if (e.children.length === 0 && e.text === '' && append === '') return `<${e.name}${attrs}/>`;
  if (e.children.length === 0) return `<${e.name}${attrs}>${xmlEscape(e.text, false)}${append}</${e.name}>`;
  const pad = (d: number) => `\n${'  '.repeat(d)}`;
  const inner = e.children.map((c) => `${pad(depth + 1)}${dumpNode(c, depth + 1)}`).join('');
  return `<${e.name}${attrs}>${inner}${pad(depth)}${append}</${e.name}>`;
}

/** The interface element with its `<link state>` set as cmdDomIfSetLink sets it, dumped. */
function setLinkXml(iface: XmlElement, state: string): string {
  const link = iface.children.find((c) => c.name === 'link');
  if (link) {
    const changed: XmlElement = { ...link, attrs: { ...link.attrs, state } };
    const withLink: XmlElement = { ...iface, children: iface.children.map((c) => (c === link ? changed : c)) };
    return dumpNode(withLink, 2);
  }
  return dumpNode(iface, 2, `<link state="${xmlEscape(state, true)}"/>`);
}

async function cmdDomIfSetLink(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const iface = cmd.string(ctl, 'interface');
    if (iface == null) return false;
    const state = cmd.string(ctl, 'state');
    if (state == null) return false;
    const config = cmd.bool('config');
    if (state !== 'up' && state !== 'down') {
      ctl.error(`invalid link state '${state}'`);
      return false;
    }
    let flags = config ? AFFECT_CONFIG : AFFECT_LIVE;
    if ((await ctl.attempt(dom.isActive())) === false) flags = AFFECT_CONFIG;
    const root = await domainXmlFromDom(ctl, dom, config ? XML_INACTIVE : 0);
    if (!root) return false;
    const ifaces = root.name === 'domain' ? devicesOf(root, 'interface') : [];
    if (ifaces.length === 0) {
      ctl.error('Failed to extract interface information or no interfaces found');
      return false;
    }
    const [element, attr] = parseMacAddr(iface) ? ['mac', 'address'] : ['target', 'dev'];
    const hit = ifaces.find((n) => kids(n, element).some((c) => {
      const v = c.attrs[attr];
      return v !== undefined && asciiCaseEqual(v, iface);
    }));
    if (!hit) {
      ctl.error(`interface '${iface}' not found`);
      return false;
    }
    const xml = setLinkXml(hit, state);
    if (cmd.bool('print-xml')) {
      ctl.print(xml);
      return true;
    }
    if ((await ctl.attempt(dom.conn.call('domainUpdateDeviceFlags', { dom: dom.ref, xml, flags }))) === FAIL) {
      ctl.error('Failed to update interface link state');
      return false;
    }
    ctl.printExtra('Device updated successfully\n');
    return true;
  });
}

// ---- domhostname --------------------------------------------------------------

/** virDomainGetHostnameFlags by --source name. */
const HOSTNAME_SOURCES: Record<string, number> = { agent: 2, lease: 1 };

async function cmdDomHostname(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const source = cmd.string(ctl, 'source');
    if (source === null) return false;
    let flags = 0;
    if (source !== undefined) {
      if (!Object.hasOwn(HOSTNAME_SOURCES, source)) {
        ctl.error(`Unknown data source '${source}'`);
        return false;
      }
      flags = HOSTNAME_SOURCES[source]!;
    }
    const r = await ctl.attempt(dom.conn.call('domainGetHostname', { dom: dom.ref, flags }));
    if (r === FAIL) {
      ctl.error('failed to get hostname');
      return false;
    }
    ctl.print(`${r.hostname}\n`);
    return true;
  });
}

// ---- domjobabort, domjobinfo -------------------------------------------------------

async function cmdDomjobabort(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    // VIR_DOMAIN_ABORT_JOB_POSTCOPY needs the flags variant of the call.
    if (cmd.bool('postcopy')) return simpleCall(ctl, dom.conn.call('domainAbortJobFlags', { dom: dom.ref, flags: 1 }));
    return simpleCall(ctl, dom.conn.call('domainAbortJob', { dom: dom.ref }));
  });
}

/** virDomainJobType and virDomainJobOperation names as virsh prints them. */
const JOB_TYPES = ['None', 'Bounded', 'Unbounded', 'Completed', 'Failed', 'Cancelled'];
const JOB_OPERATIONS = ['Unknown', 'Start', 'Save', 'Restore', 'Incoming migration', 'Outgoing migration', 'Snapshot',
  'Snapshot revert', 'Dump', 'Backup', 'Snapshot delete'];
const JobType = { NONE: 0, BOUNDED: 1, UNBOUNDED: 2, COMPLETED: 3 } as const;
/** VIR_DOMAIN_JOB_STATS_COMPLETED, VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED. */
const JOB_STATS_COMPLETED = 1;
const JOB_STATS_KEEP_COMPLETED = 2;

type Param = { field: string; value: number | boolean | string };

/** virDomainJobInfo's fields by the typed-parameter names GetJobStats uses for them. */
const JOB_INFO_FIELDS = {
  timeElapsed: 'time_elapsed', timeRemaining: 'time_remaining', dataTotal: 'data_total',
  dataProcessed: 'data_processed', dataRemaining: 'data_remaining', memTotal: 'memory_total',
  memProcessed: 'memory_processed', memRemaining: 'memory_remaining', fileTotal: 'disk_total',
  fileProcessed: 'disk_processed', fileRemaining: 'disk_remaining',
} as const;
type JobInfo = { type: number } & Record<keyof typeof JOB_INFO_FIELDS, number>;

/** `%-.3lf %s` of vshPrettyCapacity. */
function capacity(v: number): string {
  const p = prettyCapacity(v);
  return `${formatFixed(p.value, 3)} ${p.unit}`;
}

/** cmdDomjobinfo's report of a job after its type: the classic fields, then what only the typed parameters have. */
function printJobDetails(ctl: Shell, info: JobInfo, params: readonly Param[]): void {
  const line = (label: string, value: string) => ctl.print(`${padEnd(label, 17)} ${value}\n`);
  const num = (f: string): number | undefined => {
    const p = params.find((x) => x.field === f);
    return p === undefined ? undefined : Number(p.value);
  };
  const col = (v: number) => padEnd(String(v), 12);
  const ms = (v: number) => `${col(v)} ms`;
  const optional = (field: string, label: string, fmt: (v: number) => string, skipZero = false) => {
    const v = num(field);
    if (v !== undefined && !(skipZero && v === 0)) line(label, fmt(v));
  };
  line('Time elapsed:', ms(info.timeElapsed));
  optional('time_elapsed_net', 'Time elapsed w/o network:', ms);
  if (info.type === JobType.BOUNDED) line('Time remaining:', ms(info.timeRemaining));
  if (info.dataTotal || info.dataRemaining || info.dataProcessed) {
    line('Data processed:', capacity(info.dataProcessed));
    line('Data remaining:', capacity(info.dataRemaining));
    line('Data total:', capacity(info.dataTotal));
  }
  if (info.memTotal || info.memRemaining || info.memProcessed) {
    line('Memory processed:', capacity(info.memProcessed));
    line('Memory remaining:', capacity(info.memRemaining));
    line('Memory total:', capacity(info.memTotal));
    optional('memory_bps', 'Memory bandwidth:', (v) => `${capacity(v)}/s`, true);
    optional('memory_dirty_rate', 'Dirty rate:', (v) => `${col(v)} pages/s`);
    optional('memory_page_size', 'Page size:', (v) => `${col(v)} bytes`);
    optional('memory_iteration', 'Iteration:', col);
    optional('memory_postcopy_requests', 'Postcopy requests:', col);
  }
  if (info.fileTotal || info.fileRemaining || info.fileProcessed) {
    line('File processed:', capacity(info.fileProcessed));
    line('File remaining:', capacity(info.fileRemaining));
    line('File total:', capacity(info.fileTotal));
    optional('disk_bps', 'File bandwidth:', (v) => `${capacity(v)}/s`, true);
  }
  optional('memory_constant', 'Constant pages:', col);
  optional('memory_normal', 'Normal pages:', col);
  optional('memory_normal_bytes', 'Normal data:', capacity);
  optional('downtime', info.type === JobType.COMPLETED ? 'Total downtime:' : 'Expected downtime:', ms);
  optional('downtime_net', 'Downtime w/o network:', ms);
  optional('setup_time', 'Setup time:', ms);
  optional('compression_cache', 'Compression cache:', capacity);
  optional('compression_bytes', 'Compressed data:', capacity);
  // These four are printed 13 wide ("%-13llu").
  const col13 = (v: number) => padEnd(String(v), 13);
  optional('compression_pages', 'Compressed pages:', col13);
  optional('compression_cache_misses', 'Compression cache misses:', col13);
  optional('compression_overflow', 'Compression overflows:', col13);
  optional('auto_converge_throttle', 'Auto converge throttle:', col13);
  optional('disk_temp_used', 'Temporary disk space use:', capacity);
  optional('disk_temp_total', 'Temporary disk space total:', capacity);
  const errmsg = params.find((p) => p.field === 'errmsg');
  if (errmsg) line('Error message:', String(errmsg.value));
}

async function cmdDomjobinfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  if (!requires(ctl, 'keep-completed', cmd.bool('keep-completed'), 'completed', cmd.bool('completed'))) return false;
  return withDomain(ctl, cmd, async (dom) => {
    const rawstats = cmd.bool('rawstats');
    const anystats = cmd.bool('anystats');
    const flags = (cmd.bool('completed') ? JOB_STATS_COMPLETED : 0)
      | (cmd.bool('keep-completed') ? JOB_STATS_KEEP_COMPLETED : 0);
    const stats = await ctl.attempt(dom.conn.call('domainGetJobStats', { dom: dom.ref, flags }));
    let info: JobInfo;
    let params: Param[] = [];
    if (stats !== FAIL) {
      params = stats.params;
      if (rawstats) {
        ctl.print(`Job type: ${stats.type}\n\n`);
        for (const p of stats.params) ctl.print(`${p.field}: ${typedParamValue(p)}\n`);
        return true;
      }
      const get = (f: string) => Number(params.find((p) => p.field === f)?.value ?? 0);
      info = { type: stats.type } as JobInfo;
      for (const [k, f] of Object.entries(JOB_INFO_FIELDS)) info[k as keyof typeof JOB_INFO_FIELDS] = get(f);
    } else {
      if (ctl.lastErrorCode !== ErrorCode.NO_SUPPORT) return false;
      if (flags !== 0 || rawstats) {
        ctl.error('Optional flags or --rawstats are not supported by the daemon');
        return false;
      }
      ctl.debugMsg(0, 'detailed statistics not supported\n');
      ctl.resetError();
      const legacy = await ctl.attempt(dom.conn.call('domainGetJobInfo', { dom: dom.ref }));
      if (legacy === FAIL) return false;
      info = legacy;
    }
    const line = (label: string, value: string) => ctl.print(`${padEnd(label, 17)} ${padEnd(value, 12)}\n`);
    line('Job type:', JOB_TYPES[info.type] ?? 'unknown');
    if (info.type === JobType.NONE) return true;
    const op = params.find((p) => p.field === 'operation');
    line('Operation:', JOB_OPERATIONS[op === undefined ? 0 : Number(op.value)] ?? 'unknown');
    // Only running jobs (and asked-for completed ones) have more to show, unless any is wanted.
    if (!anystats && info.type !== JobType.BOUNDED && info.type !== JobType.UNBOUNDED
      && (!(flags & JOB_STATS_COMPLETED) || info.type !== JobType.COMPLETED)) return true;
    printJobDetails(ctl, info, params);
    return true;
  });
}

// ---- domfsfreeze, domfsthaw, domfstrim, domfsinfo ------------------------------------------

async function cmdDomFSFreezeThaw(ctl: Shell, cmd: ParsedCommand, freeze: boolean): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const mountpoints = cmd.argv();
    const r = await ctl.attempt(dom.conn.call(freeze ? 'domainFSFreeze' : 'domainFSThaw',
      { dom: dom.ref, mountpoints, flags: 0 }));
    if (r === FAIL) {
      ctl.error(freeze ? 'Unable to freeze filesystems' : 'Unable to thaw filesystems');
      return false;
    }
    ctl.print(`${freeze ? 'Froze' : 'Thawed'} ${r.filesystems} filesystem(s)\n`);
    return true;
  });
}

async function cmdDomFSTrim(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const minimum = cmd.ulongLong(ctl, 'minimum');
    if (minimum === null) return false;
    const mountPoint = cmd.string(ctl, 'mountpoint');
    if (mountPoint === null) return false;
    const r = await ctl.attempt(dom.conn.call('domainFSTrim',
      { dom: dom.ref, mountPoint: mountPoint ?? null, minimum: Number(minimum ?? 0n), flags: 0 }));
    if (r === FAIL) {
      ctl.error('Unable to invoke fstrim');
      return false;
    }
    return true;
  });
}

async function cmdDomFSInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const r = await ctl.attempt(dom.conn.call('domainGetFSInfo', { dom: dom.ref, flags: 0 }));
    if (r === FAIL) {
      ctl.error('Unable to get filesystem information');
      return false;
    }
    if (r.ret === 0) {
      ctl.printExtra('No filesystems are mounted in the domain');
      return true;
    }
    const table = new Table('Mountpoint', 'Name', 'Type', 'Target');
    for (const fs of r.info) table.add(fs.mountpoint, fs.name, fs.fstype, fs.dev_aliases.join(','));
    ctl.print(table.render(!ctl.quiet, ctl.io.env));
    return true;
  });
}

// ---- domdisplay, vncdisplay, ttyconsole -------------------------------------------------------

/**
 * string(/domain/devices/graphics[@type=TYPE]/PATH) where PATH is `@attr`
 * or `listen/@attr`: the first such attribute in document order, null for
 * none or an empty string (virXPathString).
 */
function graphicsAttr(root: XmlElement, type: string, attr: string, sub: string | null = null): string | null {
  if (root.name !== 'domain') return null;
  for (const g of devicesOf(root, 'graphics')) {
    if (g.attrs['type'] !== type) continue;
    for (const e of sub === null ? [g] : kids(g, sub)) {
      const v = e.attrs[attr];
      if (v !== undefined) return v === '' ? null : v;
    }
  }
  return null;
}

/** virXPathInt on such an attribute: the value, or null when missing or not an int. */
function graphicsInt(root: XmlElement, type: string, attr: string): number | null {
  const v = graphicsAttr(root, type, attr);
  if (v === null) return null;
  const n = strToLong(v, { signed: true, bits: 32 });
  return n === null ? null : Number(n);
}

/** virSocketAddrParse + virSocketAddrIsWildcard: "0.0.0.0" or "::" in any numeric spelling. */
function isWildcardAddr(s: string): boolean {
  if (/^[0-9a-fA-FxX.]+$/.test(s) && !s.includes(':')) {
    // inet_aton: up to four parts, each decimal, octal or hex.
    const parts = s.split('.');
    if (parts.length > 4) return false;
    return parts.every((p) => /^(0[xX]0*|0+)$/.test(p) || p === '0');
  }
  if (!/^[0-9a-fA-F:]+$/.test(s) || !s.includes(':')) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  if (halves.length === 1 && groups.length !== 8) return false;
  if (halves.length === 2 && groups.length > 7) return false;
  return groups.every((g) => parseInt(g, 16) === 0);
}

async function cmdDomDisplay(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const all = cmd.bool('all');
  if (!exclusive(ctl, 'all', all, 'type', cmd.bool('type'))) return false;
  return withDomain(ctl, cmd, async (dom) => {
    if ((await ctl.attempt(dom.isActive())) === false) {
      ctl.error('Domain is not running');
      return false;
    }
    const type = cmd.string(ctl, 'type');
    if (type === null) return false;
    const root = await domainXmlFromDom(ctl, dom, cmd.bool('include-password') ? XML_SECURE : 0);
    if (!root) return false;
    let ret = false;
    let params = false;
    for (const scheme of ['vnc', 'spice', 'rdp']) {
      if (!all && type !== undefined && type !== scheme) continue;
      let port = graphicsInt(root, scheme, 'port') ?? 0;
      const tlsPort = graphicsInt(root, scheme, 'tlsPort') ?? 0;
      let listen = graphicsAttr(root, scheme, 'listen');
      const sockpath = graphicsAttr(root, scheme, 'type', 'listen') === 'socket'
        ? graphicsAttr(root, scheme, 'socket', 'listen') : null;
      if (!port && !tlsPort && !sockpath) continue;
      if (listen === null) {
        listen = graphicsAttr(root, scheme, 'address', 'listen');
      } else if (isWildcardAddr(listen)) {
        // Listening everywhere: the host of the connection URI, if it names one.
        const uri = await ctl.attempt(ctl.c.getURI());
        listen = uri === FAIL ? null : safeServer(uri);
        ctl.resetError();
      }
      const passwd = graphicsAttr(root, scheme, 'passwd');
      let out = sockpath ? `${scheme}+unix://` : `${scheme}://`;
      if (scheme === 'vnc' && passwd !== null) out += `:${passwd}@`;
      if (sockpath) out += sockpath;
      else if (listen === null) out += 'localhost';
      else if (listen.includes(':')) out += `[${listen}]`;
      else out += listen;
      if (port) {
        // VNC clients take the display number: port - 5900.
        if (scheme === 'vnc') port -= 5900;
        out += `:${port}`;
      }
      if (tlsPort) {
        out += `?tls-port=${tlsPort}`;
        params = true;
      }
      if (scheme === 'spice' && passwd !== null) {
        out += `${params ? '&' : '?'}password=${passwd}`;
        params = true;
      }
      ctl.print(out);
      ret = true;
      if (!all) break;
      ctl.print('\n');
    }
    if (!ret) {
      ctl.error(type !== undefined ? `No graphical display with type '${type}' found` : 'No graphical display found');
    }
    return ret;
  });
}

/** virURIParse(uri)->server, or null. */
function safeServer(uri: string): string | null {
  try {
    return parseURI(uri).server;
  } catch {
    return null;
  }
}

async function cmdVNCDisplay(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const active = await ctl.attempt(dom.isActive());
    if (active === FAIL) return false;
    if (!active) {
      ctl.error('Domain is not running');
      return false;
    }
    const root = await domainXmlFromDom(ctl, dom, 0);
    if (!root) return false;
    const port = graphicsInt(root, 'vnc', 'port');
    if (port === null) {
      ctl.error('Failed to get VNC port. Is this domain using VNC?');
      return false;
    }
    const listen = graphicsAttr(root, 'vnc', 'listen') ?? vncListenAddress(root);
    if (listen === null || listen === '0.0.0.0') ctl.print(`:${port - 5900}\n`);
    else ctl.print(`${listen}:${port - 5900}\n`);
    return true;
  });
}

/** string(/domain/devices/graphics[@type='vnc']/listen[@type='address']/@address). */
function vncListenAddress(root: XmlElement): string | null {
  for (const g of devicesOf(root, 'graphics')) {
    if (g.attrs['type'] !== 'vnc') continue;
    for (const l of kids(g, 'listen')) {
      if (l.attrs['type'] !== 'address') continue;
      const v = l.attrs['address'];
      if (v !== undefined) return v === '' ? null : v;
    }
  }
  return null;
}

async function cmdTTYConsole(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const root = await domainXml(ctl, cmd, 0);
  if (!root) return false;
  // string(/domain/devices/console/@tty); nothing is printed, nor any error, without one.
  const tty = root.name === 'domain'
    ? devicesOf(root, 'console').map((c) => c.attrs['tty']).find((t) => t !== undefined) : undefined;
  if (tty === undefined || tty === '') return false;
  ctl.print(`${tty}\n`);
  return true;
}

// ---- dompmsuspend, dompmwakeup, inject-nmi -----------------------------------------------------

/** virNodeSuspendTarget by name. */
const SUSPEND_TARGETS = ['mem', 'disk', 'hybrid'];

async function cmdDomPMSuspend(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const duration = cmd.ulongLong(ctl, 'duration');
    if (duration === null) return false;
    const target = cmd.string(ctl, 'target');
    if (target == null) return false;
    const t = SUSPEND_TARGETS.indexOf(target);
    if (t < 0) {
      ctl.error('Invalid target');
      return false;
    }
    const r = await ctl.attempt(dom.conn.call('domainPMSuspendForDuration',
      { dom: dom.ref, target: t, duration: Number(duration ?? 0n), flags: 0 }));
    if (r === FAIL) {
      ctl.error(`Domain '${dom.getName()}' could not be suspended`);
      return false;
    }
    ctl.printExtra(`Domain '${dom.getName()}' successfully suspended`);
    return true;
  });
}

async function cmdDomPMWakeup(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    if ((await ctl.attempt(dom.conn.call('domainPMWakeup', { dom: dom.ref, flags: 0 }))) === FAIL) {
      ctl.error(`Domain '${dom.getName()}' could not be woken up`);
      return false;
    }
    ctl.printExtra(`Domain '${dom.getName()}' successfully woken up`);
    return true;
  });
}

async function cmdInjectNMI(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, (dom) => simpleCall(ctl, dom.conn.call('domainInjectNMI', { dom: dom.ref, flags: 0 })));
}

// ---- send-key, send-process-signal ------------------------------------------------------------

/** virshKeyCodeGetInt: a number in C notation (decimal, 0x hex, 0 octal) up to 0xffff, or -1. */
function keycodeNumber(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return -1;
  const body = m[2]!;
  let v = /^0[xX]/.test(body) ? BigInt(body) : body.length > 1 && body.startsWith('0') ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
  // virStrToLong_ui takes "-N" as its 32-bit two's complement.
  if (m[1] === '-') v = (0x100000000n - v) & 0xffffffffn;
  if (v > 0xffffn) return -1;
  return Number(v);
}

async function cmdSendKey(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const q = cmd.stringQuiet('codeset');
    let codesetName = q.rc > 0 ? (q as { value: string }).value : 'linux';
    const holdtime = cmd.uint(ctl, 'holdtime');
    if (holdtime === null) return false;
    // The qnum codeset used to be called rfb.
    if (codesetName === 'rfb') codesetName = 'qnum';
    const codeset = keycodeSetFromName(codesetName);
    if (codeset < 0) {
      ctl.error(`unknown codeset: '${codesetName}'`);
      return false;
    }
    const keycodes: number[] = [];
    for (const key of cmd.argv()) {
      if (keycodes.length === SEND_KEY_MAX_KEYS) {
        ctl.error('too many keycodes');
        return false;
      }
      let k = keycodeNumber(key);
      if (k < 0) k = keycodeFromName(codeset, key);
      if (k < 0) {
        ctl.error(`invalid keycode: '${key}'`);
        return false;
      }
      keycodes.push(k);
    }
    return simpleCall(ctl, dom.conn.call('domainSendKey',
      { dom: dom.ref, codeset, holdtime: holdtime ?? 0, keycodes, flags: 0 }));
  });
}

/** virDomainProcessSignal names, by number. */
const SIGNAL_NAMES = [
  'nop', 'hup', 'int', 'quit', 'ill', 'trap', 'abrt', 'bus', 'fpe', 'kill',
  'usr1', 'segv', 'usr2', 'pipe', 'alrm', 'term', 'stkflt', 'chld', 'cont', 'stop',
  'tstp', 'ttin', 'ttou', 'urg', 'xcpu', 'xfsz', 'vtalrm', 'prof', 'winch', 'poll',
  'pwr', 'sys', ...Array.from({ length: 33 }, (_, i) => `rt${i}`),
];

/** getSignalNumber: a decimal number, or a name with or without "sig"/"sig_", in any case. */
function signalNumber(name: string): number {
  let p = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const n = strToLong(p, { signed: true, bits: 32 });
  if (n !== null) return Number(n);
  if (p.startsWith('sig_')) p = p.slice(4);
  else if (p.startsWith('sig')) p = p.slice(3);
  return SIGNAL_NAMES.indexOf(p);
}

async function cmdSendProcessSignal(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const pid = cmd.longLong(ctl, 'pid');
    if (pid == null) return false;
    const signame = cmd.string(ctl, 'signame');
    if (signame == null) return false;
    const signum = signalNumber(signame);
    if (signum < 0) {
      ctl.error(`malformed signal name: ${signame}`);
      return false;
    }
    return simpleCall(ctl, domainSendProcessSignal(dom, Number(pid), signum, 0));
  });
}

// ---- guestinfo, guestvcpus ----------------------------------------------------------------------

/** virDomainGuestInfoTypes by option. */
const GUEST_INFO_TYPES: ReadonlyArray<[string, number]> = [
  ['user', 1], ['os', 2], ['timezone', 4], ['hostname', 8], ['filesystem', 16], ['disk', 32], ['interface', 64],
];

async function cmdGuestInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    let types = 0;
    for (const [name, bit] of GUEST_INFO_TYPES) if (cmd.bool(name)) types |= bit;
    const r = await ctl.attempt(dom.conn.call('domainGetGuestInfo', { dom: dom.ref, types, flags: 0 }));
    if (r === FAIL) return false;
    for (const p of r.params) ctl.print(`${padEnd(p.field, 20)}: ${typedParamValue(p)}\n`);
    return true;
  });
}

async function cmdGuestVcpus(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const enable = cmd.bool('enable');
  const disable = cmd.bool('disable');
  if (!exclusive(ctl, 'enable', enable, 'disable', disable)) return false;
  if (!requires(ctl, 'enable', enable, 'cpulist', cmd.bool('cpulist'))) return false;
  if (!requires(ctl, 'disable', disable, 'cpulist', cmd.bool('cpulist'))) return false;
  const cpulist = cmd.string(ctl, 'cpulist');
  if (cpulist === null) return false;
  if (cpulist !== undefined && !(enable || disable)) {
    ctl.error('One of options --enable or --disable is required by option --cpulist');
    return false;
  }
  return withDomain(ctl, cmd, async (dom) => {
    if (enable || disable) {
      return simpleCall(ctl, dom.conn.call('domainSetGuestVcpus',
        { dom: dom.ref, cpumap: cpulist!, state: enable ? 1 : 0, flags: 0 }));
    }
    const r = await ctl.attempt(dom.conn.call('domainGetGuestVcpus', { dom: dom.ref, flags: 0 }));
    if (r === FAIL) return false;
    for (const p of r.params) ctl.print(`${padEnd(p.field, 15)}: ${typedParamValue(p)}\n`);
    return true;
  });
}

// ---- get-user-sshkeys, set-user-sshkeys, set-user-password ------------------------------------

async function cmdGetUserSSHKeys(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const user = cmd.string(ctl, 'user');
    if (user == null) return false;
    const r = await ctl.attempt(dom.conn.call('domainAuthorizedSSHKeysGet', { dom: dom.ref, user, flags: 0 }));
    if (r === FAIL) return false;
    for (const k of r.keys) ctl.print(k);
    return true;
  });
}

/** virDomainAuthorizedSSHKeysSetFlags. */
const SSH_KEYS_APPEND = 1;
const SSH_KEYS_REMOVE = 2;

async function cmdSetUserSSHKeys(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const reset = cmd.bool('reset');
  const remove = cmd.bool('remove');
  if (!requires(ctl, 'remove', remove, 'file', cmd.bool('file'))) return false;
  if (!exclusive(ctl, 'reset', reset, 'remove', remove)) return false;
  return withDomain(ctl, cmd, async (dom) => {
    const user = cmd.string(ctl, 'user');
    if (user == null) return false;
    const from = cmd.string(ctl, 'file');
    if (from === null) return false;
    let flags = 0;
    if (remove) {
      flags |= SSH_KEYS_REMOVE;
    } else if (!reset) {
      flags |= SSH_KEYS_APPEND;
      if (from === undefined) {
        ctl.error('Option --file is required');
        return false;
      }
    }
    let keys: string[] = [];
    if (from !== undefined) {
      const buffer = readFileAll(ctl, from);
      if (buffer === null) return false;
      // g_strsplit(buffer, "\n", -1): an empty file has no keys at all.
      keys = buffer === '' ? [] : buffer.split('\n');
      if (keys.length === 0) {
        ctl.error(`File ${from} contains no keys`);
        return false;
      }
    }
    return simpleCall(ctl, dom.conn.call('domainAuthorizedSSHKeysSet', { dom: dom.ref, user, keys, flags }));
  });
}

async function cmdSetUserPassword(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  // VIR_DOMAIN_PASSWORD_ENCRYPTED.
  const flags = cmd.bool('encrypted') ? 1 : 0;
  const user = cmd.string(ctl, 'user');
  if (user == null) return false;
  const password = cmd.string(ctl, 'password');
  if (password == null) return false;
  return withDomain(ctl, cmd, async (dom, name) => {
    const r = await ctl.attempt(dom.conn.call('domainSetUserPassword', { dom: dom.ref, user, password, flags }));
    if (r === FAIL) return false;
    ctl.printExtra(`Password set successfully for ${user} in ${name}`);
    return true;
  });
}

// ---- domlaunchsecinfo, domsetlaunchsecstate, domdirtyrate-calc ----------------------------------

async function cmdDomLaunchSecInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const params = await ctl.attempt(domainGetLaunchSecurityInfo(dom, 0));
    if (params === FAIL) {
      ctl.error('Unable to get launch security parameters');
      return false;
    }
    for (const p of params) ctl.print(`${padEnd(p.field, 15)}: ${typedParamValue(p)}\n`);
    return true;
  });
}

/** The most virsh reads of a launch secret file (64 KiB). */
const SECRET_FILE_MAX = 64 * 1024;

async function cmdDomSetLaunchSecState(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const hdrFile = cmd.string(ctl, 'secrethdr');
    if (hdrFile === null) return false;
    const secFile = cmd.string(ctl, 'secret');
    if (secFile === null) return false;
    if (hdrFile === undefined || secFile === undefined) {
      ctl.error('Both secret and the secret header are required');
      return false;
    }
    const hdr = readFileAll(ctl, hdrFile, SECRET_FILE_MAX);
    if (hdr === null) return false;
    const sec = readFileAll(ctl, secFile, SECRET_FILE_MAX);
    if (sec === null) return false;
    const STRING = 7;
    const ULLONG = 4;
    const params = [
      { field: 'sev-secret-header', type: STRING, value: hdr },
      { field: 'sev-secret', type: STRING, value: sec },
    ];
    const addr = cmd.ulongLong(ctl, 'set-address');
    if (addr === null) return false;
    if (addr !== undefined) params.push({ field: 'sev-secret-set-address', type: ULLONG, value: Number(addr) as never });
    const r = await ctl.attempt(dom.conn.call('domainSetLaunchSecurityState', { dom: dom.ref, params, flags: 0 }));
    if (r === FAIL) {
      ctl.error('Unable to set launch security state');
      return false;
    }
    return true;
  });
}

/** virshDomainDirtyRateCalcMode names and the virDomainDirtyRateCalcFlags each stands for. */
const DIRTYRATE_MODES: Record<string, number> = { 'page-sampling': 0, 'dirty-bitmap': 1, 'dirty-ring': 2 };

async function cmdDomDirtyRateCalc(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return withDomain(ctl, cmd, async (dom) => {
    const seconds = cmd.int(ctl, 'seconds');
    if (seconds === null) return false;
    const mode = cmd.string(ctl, 'mode');
    if (mode === null) return false;
    let flags = 0;
    if (mode !== undefined) {
      if (!Object.hasOwn(DIRTYRATE_MODES, mode)) {
        ctl.error(`Unknown calculation mode '${mode}'`);
        return false;
      }
      flags = DIRTYRATE_MODES[mode]!;
    }
    const r = await ctl.attempt(dom.conn.call('domainStartDirtyRateCalc', { dom: dom.ref, seconds: seconds ?? 1, flags }));
    if (r === FAIL) return false;
    ctl.printExtra('Start to calculate domain\'s memory dirty rate successfully.\n');
    return true;
  });
}

// ---- the table ----------------------------------------------------------------------------------

/** The commands of this file (placed in virsh's groups and order by index.ts). */
export const domGuestCommands: CmdDef[] = [
  {
    name: 'domblkthreshold',
    help: 'set the threshold for block-threshold event for a given block device or it\'s backing chain element',
    desc: 'set threshold for block-threshold event for a block device',
    options: [
      DOMAIN_OPT,
      { name: 'dev', type: 'data', help: 'device to set threshold for', required: true },
      { name: 'threshold', type: 'int', help: 'threshold as a scaled number (by default bytes)', required: true },
    ],
    run: cmdDomblkthreshold,
  },
  {
    name: 'domdisplay',
    help: 'domain display connection URI',
    desc: 'Output the IP address and port number for the graphical display.',
    options: [
      DOMAIN_OPT,
      { name: 'include-password', type: 'bool', help: 'includes the password into the connection URI if available' },
      { name: 'type', type: 'string', help: 'select particular graphical display (e.g. "vnc", "spice", "rdp", "dbus")' },
      { name: 'all', type: 'bool', help: 'show all possible graphical displays' },
    ],
    run: cmdDomDisplay,
  },
  {
    name: 'domfsfreeze',
    help: 'Freeze domain\'s mounted filesystems.',
    desc: 'Freeze domain\'s mounted filesystems.',
    options: [DOMAIN_OPT, { name: 'mountpoint', type: 'argv', help: 'mountpoint path to be frozen' }],
    run: (ctl, cmd) => cmdDomFSFreezeThaw(ctl, cmd, true),
  },
  {
    name: 'domfsthaw',
    help: 'Thaw domain\'s mounted filesystems.',
    desc: 'Thaw domain\'s mounted filesystems.',
    options: [DOMAIN_OPT, { name: 'mountpoint', type: 'argv', help: 'mountpoint path to be thawed' }],
    run: (ctl, cmd) => cmdDomFSFreezeThaw(ctl, cmd, false),
  },
  {
    name: 'domfsinfo',
    help: 'Get information of domain\'s mounted filesystems.',
    desc: 'Get information of domain\'s mounted filesystems.',
    options: [DOMAIN_OPT],
    run: cmdDomFSInfo,
  },
  {
    name: 'domfstrim',
    help: 'Invoke fstrim on domain\'s mounted filesystems.',
    desc: 'Invoke fstrim on domain\'s mounted filesystems.',
    options: [
      DOMAIN_OPT,
      { name: 'minimum', type: 'int', help: 'Just a hint to ignore contiguous free ranges smaller than this (Bytes)' },
      { name: 'mountpoint', type: 'string', help: 'which mount point to trim' },
    ],
    run: cmdDomFSTrim,
  },
  {
    name: 'domhostname',
    help: 'print the domain\'s hostname',
    desc: '',
    options: [DOMAIN_OPT, { name: 'source', type: 'string', help: 'address source: \'lease\' or \'agent\'' }],
    run: cmdDomHostname,
  },
  {
    name: 'domif-setlink',
    help: 'set link state of a virtual interface',
    desc: 'Set link state of a domain\'s virtual interface. This command wraps usage of update-device command.',
    options: [
      DOMAIN_OPT,
      { name: 'interface', type: 'data', help: 'interface device (MAC Address)', required: true },
      { name: 'state', type: 'data', help: 'new state of the device', required: true },
      { name: 'persistent', type: 'alias', help: 'config' },
      { name: 'config', type: 'bool', help: 'affect next boot' },
      { name: 'print-xml', type: 'bool', help: 'print XML document rather than set the interface link state' },
    ],
    run: cmdDomIfSetLink,
  },
  {
    name: 'domjobabort',
    help: 'abort active domain job',
    desc: 'Aborts the currently running domain job',
    options: [DOMAIN_OPT, { name: 'postcopy', type: 'bool', help: 'interrupt post-copy migration' }],
    run: cmdDomjobabort,
  },
  {
    name: 'domjobinfo',
    help: 'domain job information',
    desc: 'Returns information about jobs running on a domain.',
    options: [
      DOMAIN_OPT,
      { name: 'completed', type: 'bool', help: 'return statistics of a recently completed job' },
      { name: 'keep-completed', type: 'bool', help: 'don\'t destroy statistics of a recently completed job when reading' },
      { name: 'anystats', type: 'bool', help: 'print statistics for any kind of job (even failed ones)' },
      { name: 'rawstats', type: 'bool', help: 'print the raw data returned by libvirt' },
    ],
    run: cmdDomjobinfo,
  },
  {
    name: 'domlaunchsecinfo',
    help: 'Get domain launch security info',
    desc: 'Get the launch security parameters for a guest domain',
    options: [DOMAIN_OPT],
    run: cmdDomLaunchSecInfo,
  },
  {
    name: 'domsetlaunchsecstate',
    help: 'Set domain launch security state',
    desc: 'Set a secret in the guest domain\'s memory',
    options: [
      DOMAIN_OPT,
      { name: 'secrethdr', type: 'string', help: 'path to file containing the secret header', reqOpt: true },
      { name: 'secret', type: 'string', help: 'path to file containing the secret', reqOpt: true },
      {
        name: 'set-address', type: 'int',
        help: 'physical address within the guest domain\'s memory to set the secret',
      },
    ],
    run: cmdDomSetLaunchSecState,
  },
  {
    name: 'dompmsuspend',
    help: 'suspend a domain gracefully using power management functions',
    desc: 'Suspends a running domain using guest OS\'s power management. '
      + '(Note: This requires a guest agent configured and running in the guest OS).',
    options: [
      DOMAIN_OPT,
      { name: 'target', type: 'data', help: 'mem(Suspend-to-RAM), disk(Suspend-to-Disk), hybrid(Hybrid-Suspend)', required: true },
      { name: 'duration', type: 'int', help: 'duration in seconds', reqOpt: true },
    ],
    run: cmdDomPMSuspend,
  },
  {
    name: 'dompmwakeup',
    help: 'wakeup a domain from pmsuspended state',
    desc: 'Wakeup a domain that was previously suspended by power management.',
    options: [DOMAIN_OPT],
    run: cmdDomPMWakeup,
  },
  {
    name: 'get-user-sshkeys',
    help: 'list authorized SSH keys for given user (via agent)',
    desc: 'Use the guest agent to query authorized SSH keys for given user',
    options: [DOMAIN_OPT, { name: 'user', type: 'data', help: 'user to list authorized keys for', required: true }],
    run: cmdGetUserSSHKeys,
  },
  {
    name: 'inject-nmi',
    help: 'Inject NMI to the guest',
    desc: 'Inject NMI to the guest domain.',
    options: [DOMAIN_OPT],
    run: cmdInjectNMI,
  },
  {
    name: 'send-key',
    help: 'Send keycodes to the guest',
    desc: 'Send keycodes (integers or symbolic names) to the guest',
    options: [
      DOMAIN_OPT,
      { name: 'codeset', type: 'string', help: 'the codeset of keycodes, default:linux', reqOpt: true },
      { name: 'holdtime', type: 'int', help: 'the time (in milliseconds) how long the keys will be held', reqOpt: true },
      { name: 'keycode', type: 'argv', help: 'the key code', required: true },
    ],
    run: cmdSendKey,
  },
  {
    name: 'send-process-signal',
    help: 'Send signals to processes',
    desc: 'Send signals to processes in the guest',
    options: [
      DOMAIN_OPT,
      { name: 'pid', type: 'data', help: 'the process ID', required: true },
      { name: 'signame', type: 'data', help: 'the signal number or name', required: true },
    ],
    run: cmdSendProcessSignal,
  },
  {
    name: 'set-user-sshkeys',
    help: 'manipulate authorized SSH keys file for given user (via agent)',
    desc: 'Append, reset or remove specified key from the authorized keys file for given user',
    options: [
      DOMAIN_OPT,
      { name: 'user', type: 'data', help: 'user to set authorized keys for', required: true },
      { name: 'file', type: 'string', help: 'optional file to read keys from' },
      { name: 'reset', type: 'bool', help: 'clear out authorized keys file before adding new keys' },
      { name: 'remove', type: 'bool', help: 'remove keys from the authorized keys file' },
    ],
    run: cmdSetUserSSHKeys,
  },
  {
    name: 'set-user-password',
    help: 'set the user password inside the domain',
    desc: 'changes the password of the specified user inside the domain',
    options: [
      DOMAIN_OPT,
      { name: 'user', type: 'data', help: 'the username', required: true },
      { name: 'password', type: 'data', help: 'the new password', required: true },
      { name: 'encrypted', type: 'bool', help: 'the password is already encrypted' },
    ],
    run: cmdSetUserPassword,
  },
  {
    name: 'ttyconsole',
    help: 'tty console',
    desc: 'Output the device for the TTY console.',
    options: [DOMAIN_OPT],
    run: cmdTTYConsole,
  },
  {
    name: 'vncdisplay',
    help: 'vnc display',
    desc: 'Output the IP address and port number for the VNC display.',
    options: [DOMAIN_OPT],
    run: cmdVNCDisplay,
  },
  {
    name: 'guestvcpus',
    help: 'query or modify state of vcpu in the guest (via agent)',
    desc: 'Use the guest agent to query or set cpu state from guest\'s point of view',
    options: [
      DOMAIN_OPT,
      { name: 'cpulist', type: 'string', help: 'list of cpus to enable or disable' },
      { name: 'enable', type: 'bool', help: 'enable cpus specified by cpulist' },
      { name: 'disable', type: 'bool', help: 'disable cpus specified by cpulist' },
    ],
    run: cmdGuestVcpus,
  },
  {
    name: 'guestinfo',
    help: 'query information about the guest (via agent)',
    desc: 'Use the guest agent to query various information from guest\'s point of view',
    options: [
      DOMAIN_OPT,
      { name: 'user', type: 'bool', help: 'report active users' },
      { name: 'os', type: 'bool', help: 'report operating system information' },
      { name: 'timezone', type: 'bool', help: 'report timezone information' },
      { name: 'hostname', type: 'bool', help: 'report hostname' },
      { name: 'filesystem', type: 'bool', help: 'report filesystem information' },
      { name: 'disk', type: 'bool', help: 'report disk information' },
      { name: 'interface', type: 'bool', help: 'report interface information' },
    ],
    run: cmdGuestInfo,
  },
  {
    name: 'domdirtyrate-calc',
    help: 'Calculate a vm\'s memory dirty rate',
    desc: 'Calculate memory dirty rate of a domain in order to decide whether it\'s proper to be migrated out or not.\n'
      + 'The calculated dirty rate information is available by calling \'domstats --dirtyrate\'.',
    options: [
      DOMAIN_OPT,
      {
        name: 'seconds', type: 'int',
        help: 'calculate memory dirty rate within specified seconds, the supported value range from 1 to 60, default to 1.',
      },
      {
        name: 'mode', type: 'string',
        help: 'dirty page rate calculation mode, either of these 3 options \'page-sampling, dirty-bitmap, dirty-ring\' can be specified.',
      },
    ],
    run: cmdDomDirtyRateCalc,
  },
];
