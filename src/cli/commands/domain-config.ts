/**
 * The "Domain Management" commands that change a domain's configuration
 * (tools/virsh-domain.c): edit, device attach/detach/update, tuning,
 * pinning, IOThreads, description and metadata, rename, perf events and
 * lifecycle actions.
 */
import type { Connection, Domain } from '../../api/index.js';
import { DomainXMLFlags, TypedParameterType as TP } from '../../api/constants.js';
import type { TypedParam } from '../../driver/driver.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { AFFECT_OPTS, DOMAIN_OPT, type CmdDef, type OptDef, type ParsedCommand } from '../command.js';
import { editCommand, editString } from '../edit.js';
import { padEnd, Table } from '../format.js';
import { optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { readFileAll, typedParamValue } from '../util.js';
import { affectFlags, bitmapDataFormat, exclusive, nodeCPUCount } from './domain.js';

/** VIR_DOMAIN_DEFINE_VALIDATE. */
const DEFINE_VALIDATE = 1;

/** virshDomainDefine: with flags, falling back to plain define when only --validate is not understood. */
export async function domainDefine(conn: Connection, xml: string, flags: number): Promise<Domain> {
  if (!flags) return conn.domainDefineXML(xml);
  try {
    return await conn.domainDefineXMLFlags(xml, flags);
  } catch (e) {
    if ((e as { code?: number }).code === ErrorCode.NO_SUPPORT && flags === DEFINE_VALIDATE) {
      return conn.domainDefineXML(xml);
    }
    throw e;
  }
}

async function cmdEdit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  let defineFlags = cmd.bool('skip-validate') ? 0 : DEFINE_VALIDATE;
  const conn = ctl.c;
  return editCommand(ctl, {
    dump: () => dom.getXMLDesc(DomainXMLFlags.SECURE | DomainXMLFlags.INACTIVE),
    define: async (xml) => {
      using edited = await domainDefine(conn, xml, defineFlags);
      return edited.getName();
    },
    relax: () => { defineFlags &= ~DEFINE_VALIDATE; },
    unchangedMsg: `Domain '${dom.getName()}' XML configuration not changed.\n`,
    changedMsg: (name) => `Domain '${name ?? '(null)'}' XML configuration edited.\n`,
  });
}


// ---------------------------------------------------------------------------
// Shared pieces.

/** VIR_DOMAIN_AFFECT_LIVE / _CONFIG. */
const LIVE = 1;
const CONFIG = 2;
/** VIR_TYPED_PARAM_STRING_OKAY. */
const STRING_OKAY = 1 << 2;
/** VIR_DOMAIN_MEMORY_PARAM_UNLIMITED. */
const MEMORY_UNLIMITED = 9007199254740991;
/** VIR_DRV_FEATURE_TYPED_PARAM_STRING. */
const FEATURE_TYPED_PARAM_STRING = 9;

/** The libvirt API's own addition for the typed-parameter getters: string parameters welcome. */
async function stringOkay(conn: Connection, flags: number): Promise<number> {
  const drv = conn.driver;
  if (drv.connectSupportsFeature
    && (await drv.connectSupportsFeature({ feature: FEATURE_TYPED_PARAM_STRING })).supported) {
    return flags | STRING_OKAY;
  }
  return flags;
}

/** "%-15s: %s\n" for each parameter. */
function printParams(ctl: Shell, params: readonly TypedParam[], show: (p: TypedParam) => string = typedParamValue): void {
  for (const p of params) ctl.print(`${padEnd(p.field, 15)}: ${show(p)}\n`);
}

type ParamGetter = (nparams: number, flags: number) => Promise<{ params: TypedParam[]; nparams: number }>;

/**
 * The query half of the *tune commands: the count, then the values,
 * each failure with its own message.
 */
async function queryParams(ctl: Shell, get: ParamGetter, flags: number, what: string, whatAll = what):
  Promise<TypedParam[] | null> {
  const f = await stringOkay(ctl.c, flags);
  const count = await ctl.attempt(get(0, f));
  if (count === FAIL) {
    ctl.error(`Unable to get number of ${what} parameters`);
    return null;
  }
  if (count.nparams === 0) return [];
  const r = await ctl.attempt(get(count.nparams, f));
  if (r === FAIL) {
    ctl.error(`Unable to get ${whatAll} parameters`);
    return null;
  }
  return r.params;
}

/** virBitmapParse (libvirt's cpuset syntax) up to `max` bits: the bits, or null with libvirt's error kept. */
function bitmapParse(ctl: Shell, s: string, max: number): Set<number> | null {
  const bad = () => {
    ctl.saveError(VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `Failed to parse bitmap '${s}'`));
    return null;
  };
  const set = new Set<number>();
  const parts = s.split(',');
  for (const raw of parts) {
    const m = /^\s*(\^)?\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(raw);
    if (!m || (m[1] && m[3] !== undefined)) return bad();
    const lo = Number(m[2]);
    const hi = m[3] === undefined ? lo : Number(m[3]);
    if (hi < lo || hi >= max) return bad();
    for (let i = lo; i <= hi; i++) {
      if (m[1]) set.delete(i);
      else set.add(i);
    }
  }
  return set;
}

/** virshParseCPUList: a cpumap of VIR_CPU_MAPLEN(maxcpu) bytes, "r" for every CPU. */
function parseCPUList(ctl: Shell, cpulist: string, maxcpu: number): Uint8Array | null {
  let bits: Set<number>;
  if (cpulist[0] === 'r') {
    bits = new Set(Array.from({ length: maxcpu }, (_, i) => i));
  } else {
    const b = bitmapParse(ctl, cpulist, 1024);
    if (b === null || b.size === 0) {
      ctl.error(`Invalid cpulist '${cpulist}'`);
      return null;
    }
    const last = Math.max(...b);
    if (last >= maxcpu) {
      ctl.error(`CPU ${last} in cpulist '${cpulist}' exceed the maxcpu ${maxcpu}`);
      return null;
    }
    bits = b;
  }
  const map = new Uint8Array(Math.ceil(Math.max(maxcpu, 1) / 8));
  for (const b of bits) map[b >> 3]! |= 1 << (b & 7);
  // virBitmapToData: as many bytes as the bitmap's size needs.
  const size = cpulist[0] === 'r' ? maxcpu : Math.max(...bits) + 1;
  return map.slice(0, Math.max(1, Math.ceil(size / 8)));
}

// ---------------------------------------------------------------------------
// attach-device, detach-device, update-device, detach-device-alias

/** VIR_DOMAIN_DEVICE_MODIFY_FORCE. */
const DEVICE_MODIFY_FORCE = 4;

async function deviceFromFile(ctl: Shell, cmd: ParsedCommand, action: 'attach' | 'detach' | 'update'): Promise<boolean> {
  const current = cmd.bool('current');
  const config = cmd.bool('config');
  const live = cmd.bool('live');
  const persistent = cmd.bool('persistent');
  if (!exclusive(ctl, 'persistent', persistent, 'current', current)) return false;
  if (!exclusive(ctl, 'current', current, 'live', live)) return false;
  if (!exclusive(ctl, 'current', current, 'config', config)) return false;
  let flags = (config || persistent ? CONFIG : 0) | (live ? LIVE : 0);
  if (action === 'update' && cmd.bool('force')) flags |= DEVICE_MODIFY_FORCE;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  if (persistent && (await ctl.attempt(dom.isActive())) === true) flags |= LIVE;
  const xml = readFileAll(ctl, from);
  if (xml === null) {
    ctl.reportError();
    return false;
  }
  const d = dom.ref;
  const call = action === 'update' ? ctl.c.call('domainUpdateDeviceFlags', { dom: d, xml, flags })
    : action === 'attach'
      ? (flags || current ? ctl.c.call('domainAttachDeviceFlags', { dom: d, xml, flags })
        : ctl.c.call('domainAttachDevice', { dom: d, xml }))
      : (flags || current ? ctl.c.call('domainDetachDeviceFlags', { dom: d, xml, flags })
        : ctl.c.call('domainDetachDevice', { dom: d, xml }));
  if (await ctl.attempt(call) === FAIL) {
    ctl.error(`Failed to ${action} device from ${from}`);
    return false;
  }
  ctl.printExtra(`Device ${action === 'attach' ? 'attached' : action === 'detach' ? 'detached' : 'updated'} successfully\n`);
  return true;
}

async function cmdDetachDeviceAlias(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const alias = cmd.string(ctl, 'alias');
  if (alias == null) return false;
  if (await ctl.attempt(ctl.c.call('domainDetachDeviceAlias', { dom: dom.ref, alias, flags })) === FAIL) {
    ctl.error(`Failed to detach device with alias ${alias}`);
    return false;
  }
  ctl.printExtra('Device detach request sent successfully\n');
  return true;
}

// ---------------------------------------------------------------------------
// memtune, blkiotune, numatune, blkdeviotune, domiftune

/** virshMemtuneGetSize: 1 with KiB (negative means unlimited), 0 absent, -1 bad. */
function memtuneSize(ctl: Shell, cmd: ParsedCommand, name: string): { rc: 1; kib: number } | { rc: 0 | -1 } {
  const o = cmd.stringQuiet(name);
  if (o.rc <= 0) return { rc: o.rc as 0 | -1 };
  const str = (o as { value: string }).value;
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)(.*)$/s.exec(str);
  if (!m) return { rc: -1 };
  const v = BigInt(m[1] === '-' ? `-${m[2]}` : m[2]!);
  if (v < -(1n << 63n) || v >= (1n << 63n)) return { rc: -1 };
  if (v < 0n) return { rc: 1, kib: MEMORY_UNLIMITED };
  const scaled = scaleSuffix(v, m[3]!, 1024n, (1n << 63n) - 1n);
  if (scaled instanceof VirtError) {
    ctl.saveError(scaled);
    return { rc: -1 };
  }
  return { rc: 1, kib: Number((scaled + 1023n) / 1024n) };
}

/** virScaleInteger. */
function scaleSuffix(value: bigint, suffix: string, scale: bigint, limit: bigint): bigint | VirtError {
  if (suffix !== '') {
    if (/^(b|byte|bytes)$/i.test(suffix)) {
      scale = 1n;
    } else {
      let base: bigint;
      if (suffix.length === 1 || suffix.slice(1).toLowerCase() === 'ib') base = 1024n;
      else if (suffix.length === 2 && suffix[1]!.toLowerCase() === 'b') base = 1000n;
      else return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `unknown suffix '${suffix}'`);
      const power = 'kmgtpe'.indexOf(suffix[0]!.toLowerCase());
      if (power < 0) return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `unknown suffix '${suffix}'`);
      scale = base ** BigInt(power + 1);
    }
  }
  if (value !== 0n && value > limit / scale) {
    return VirtError.report(ErrorCode.OVERFLOW, ErrorDomain.NONE, `value too large: ${value}${suffix}`);
  }
  return value * scale;
}

async function cmdMemtune(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const params: TypedParam[] = [];
  for (const [opt, field] of [['hard-limit', 'hard_limit'], ['soft-limit', 'soft_limit'],
    ['swap-hard-limit', 'swap_hard_limit'], ['min-guarantee', 'min_guarantee']] as const) {
    const v = memtuneSize(ctl, cmd, opt);
    if (v.rc < 0) {
      ctl.error(`Unable to parse integer parameter ${opt}`);
      return false;
    }
    if (v.rc === 1) params.push({ field, type: TP.ULLONG, value: (v as { kib: number }).kib });
  }
  if (params.length === 0) {
    const got = await queryParams(ctl, (nparams, f) => ctl.c.call('domainGetMemoryParameters', { dom: dom.ref, nparams, flags: f }),
      flags, 'memory');
    if (got === null) return false;
    printParams(ctl, got, (p) => (p.type === TP.ULLONG && p.value === MEMORY_UNLIMITED ? 'unlimited' : typedParamValue(p)));
    return true;
  }
  if (await ctl.attempt(ctl.c.call('domainSetMemoryParameters', { dom: dom.ref, params, flags })) === FAIL) {
    ctl.error('Unable to change memory parameters');
    return false;
  }
  return true;
}

async function cmdBlkiotune(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const params: TypedParam[] = [];
  const weight = cmd.int(ctl, 'weight');
  if (weight === null) return false;
  if (weight !== undefined) {
    if (weight <= 0) {
      ctl.error(`Invalid value of ${weight} for I/O weight`);
      return false;
    }
    params.push({ field: 'weight', type: TP.UINT, value: weight });
  }
  for (const [opt, field] of [['device-weights', 'device_weight'], ['device-read-iops-sec', 'device_read_iops_sec'],
    ['device-write-iops-sec', 'device_write_iops_sec'], ['device-read-bytes-sec', 'device_read_bytes_sec'],
    ['device-write-bytes-sec', 'device_write_bytes_sec']] as const) {
    const o = cmd.stringQuiet(opt);
    if (o.rc < 0) {
      ctl.error('Unable to parse string parameter');
      return false;
    }
    if (o.rc > 0) params.push({ field, type: TP.STRING, value: (o as { value: string }).value });
  }
  if (params.length === 0) {
    const got = await queryParams(ctl, (nparams, f) => ctl.c.call('domainGetBlkioParameters', { dom: dom.ref, nparams, flags: f }),
      flags, 'blkio');
    if (got === null) return false;
    printParams(ctl, got);
    return true;
  }
  if (await ctl.attempt(ctl.c.call('domainSetBlkioParameters', { dom: dom.ref, params, flags })) === FAIL) {
    ctl.error('Unable to change blkio parameters');
    return false;
  }
  return true;
}

/** virDomainNumatuneMemMode names. */
const NUMA_MODES = ['strict', 'preferred', 'interleave', 'restrictive'];

async function cmdNumatune(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const params: TypedParam[] = [];
  const nodeset = cmd.string(ctl, 'nodeset');
  if (nodeset === null) return false;
  if (nodeset !== undefined) params.push({ field: 'numa_nodeset', type: TP.STRING, value: nodeset });
  const mode = cmd.string(ctl, 'mode');
  if (mode === null) return false;
  if (mode !== undefined) {
    // A name, or any number (base 0: the server may know newer modes).
    let m = NUMA_MODES.indexOf(mode);
    if (m < 0) {
      const n = parseIntBase0(mode);
      if (n === null) {
        ctl.error(`Invalid mode: ${mode}`);
        return false;
      }
      m = n;
    }
    params.push({ field: 'numa_mode', type: TP.INT, value: m });
  }
  if (params.length === 0) {
    const got = await queryParams(ctl, (nparams, f) => ctl.c.call('domainGetNumaParameters', { dom: dom.ref, nparams, flags: f }),
      flags, 'memory', 'numa');
    if (got === null) return false;
    printParams(ctl, got, (p) => (p.type === TP.INT && p.field === 'numa_mode'
      ? NUMA_MODES[p.value as number] ?? '(null)' : typedParamValue(p)));
    return true;
  }
  if (await ctl.attempt(ctl.c.call('domainSetNumaParameters', { dom: dom.ref, params, flags })) === FAIL) {
    ctl.error('Unable to change numa parameters');
    return false;
  }
  return true;
}

/** virStrToLong_i with base 0: decimal, 0x hex or 0 octal, the whole string. */
function parseIntBase0(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.exec(s);
  if (!m) return null;
  const body = m[2]!;
  let v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === '0' ? parseInt(body, 8)
    : Number(body);
  if (m[1] === '-') v = -v;
  return v >= -2147483648 && v <= 2147483647 ? v : null;
}

/** blkdeviotune's options: [option, parameter, scaled (bytes)]. */
const IOTUNE_OPTS: ReadonlyArray<[string, string, boolean]> = [
  ['total-bytes-sec', 'total_bytes_sec', true], ['read-bytes-sec', 'read_bytes_sec', true],
  ['write-bytes-sec', 'write_bytes_sec', true], ['total-iops-sec', 'total_iops_sec', false],
  ['read-iops-sec', 'read_iops_sec', false], ['write-iops-sec', 'write_iops_sec', false],
  ['total-bytes-sec-max', 'total_bytes_sec_max', true], ['read-bytes-sec-max', 'read_bytes_sec_max', true],
  ['write-bytes-sec-max', 'write_bytes_sec_max', true], ['total-iops-sec-max', 'total_iops_sec_max', false],
  ['read-iops-sec-max', 'read_iops_sec_max', false], ['write-iops-sec-max', 'write_iops_sec_max', false],
  ['size-iops-sec', 'size_iops_sec', false],
];
const IOTUNE_LENGTH_OPTS: ReadonlyArray<[string, string]> = [
  ['total-bytes-sec-max-length', 'total_bytes_sec_max_length'], ['read-bytes-sec-max-length', 'read_bytes_sec_max_length'],
  ['write-bytes-sec-max-length', 'write_bytes_sec_max_length'], ['total-iops-sec-max-length', 'total_iops_sec_max_length'],
  ['read-iops-sec-max-length', 'read_iops_sec_max_length'], ['write-iops-sec-max-length', 'write_iops_sec_max_length'],
];

async function cmdBlkdeviotune(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const disk = cmd.string(ctl, 'device');
  if (disk == null) return false;
  const params: TypedParam[] = [];
  const interror = () => {
    ctl.error('Unable to parse integer parameter');
    return false;
  };
  for (const [opt, field, scaled] of IOTUNE_OPTS) {
    const v = scaled ? cmd.scaledInt(ctl, opt, 1n, (1n << 64n) - 1n) : cmd.ulongLong(ctl, opt);
    if (v === null) return interror();
    if (v !== undefined) params.push({ field, type: TP.ULLONG, value: Number(v) });
  }
  const group = cmd.string(ctl, 'group-name');
  if (group === null) {
    ctl.error('Unable to parse group-name parameter');
    return false;
  }
  if (group !== undefined) params.push({ field: 'group_name', type: TP.STRING, value: group });
  for (const [opt, field] of IOTUNE_LENGTH_OPTS) {
    const v = cmd.ulongLong(ctl, opt);
    if (v === null) return interror();
    if (v !== undefined) params.push({ field, type: TP.ULLONG, value: Number(v) });
  }
  if (params.length === 0) {
    // virsh counts without the disk and reads with it.
    const got = await queryParams(ctl, (nparams, fl) => ctl.c.call('domainGetBlockIoTune',
      { dom: dom.ref, disk: nparams === 0 ? null : disk, nparams, flags: fl }), flags, 'block I/O throttle');
    if (got === null) return false;
    printParams(ctl, got);
    return true;
  }
  if (await ctl.attempt(ctl.c.call('domainSetBlockIoTune', { dom: dom.ref, disk, params, flags })) === FAIL) {
    ctl.error('Unable to change block I/O throttle');
    return false;
  }
  return true;
}

/** virshParseRateStr: "average,peak,burst[,floor]", empty fields 0. */
export function parseRate(ctl: Shell, str: string): Record<string, number> | null {
  const names = ['average', 'peak', 'burst', 'floor'];
  const parts = str.split(',');
  if (parts.length > 4) {
    ctl.error(`Rate string '${str}' has too many fields`);
    return null;
  }
  const r: Record<string, number> = { average: 0, peak: 0, burst: 0, floor: 0 };
  for (let i = 0; i < parts.length; i++) {
    const f = parts[i]!;
    if (f === '') continue;
    const v = /^[ \t\n\v\f\r]*\+?\d+$/.test(f) ? Number(f.trim()) : NaN;
    if (!(v >= 0 && v <= 0xffffffff)) {
      ctl.error(`field '${names[i]}' is malformed`);
      return null;
    }
    r[names[i]!] = v;
  }
  return r;
}

async function cmdDomiftune(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const device = cmd.string(ctl, 'interface');
  if (device == null) return false;
  const inbound = cmd.string(ctl, 'inbound');
  if (inbound === null) return false;
  const outbound = cmd.string(ctl, 'outbound');
  if (outbound === null) return false;
  const params: TypedParam[] = [];
  const add = (field: string, value: number) => params.push({ field, type: TP.UINT, value });
  if (inbound !== undefined) {
    const rate = parseRate(ctl, inbound);
    if (!rate) return false;
    if (!rate['average'] && !rate['floor'] && (rate['peak'] || rate['burst'])) {
      ctl.error('either inbound average or floor is mandatory');
      return false;
    }
    add('inbound.average', rate['average']!);
    if (rate['peak']) add('inbound.peak', rate['peak']);
    if (rate['burst']) add('inbound.burst', rate['burst']);
    if (rate['floor']) add('inbound.floor', rate['floor']);
  }
  if (outbound !== undefined) {
    const rate = parseRate(ctl, outbound);
    if (!rate) return false;
    if (rate['floor']) {
      ctl.error('outbound floor is unsupported yet');
      return false;
    }
    if (!rate['average'] && (rate['peak'] || rate['burst'])) {
      ctl.error('outbound average is mandatory');
      return false;
    }
    add('outbound.average', rate['average']!);
    if (rate['peak']) add('outbound.peak', rate['peak']);
    if (rate['burst']) add('outbound.burst', rate['burst']);
  }
  if (params.length === 0) {
    const got = await queryParams(ctl, (nparams, fl) => ctl.c.call('domainGetInterfaceParameters',
      { dom: dom.ref, device, nparams, flags: fl }), flags, 'interface');
    if (got === null) return false;
    printParams(ctl, got);
    return true;
  }
  if (await ctl.attempt(ctl.c.call('domainSetInterfaceParameters', { dom: dom.ref, device, params, flags })) === FAIL) {
    ctl.error('Unable to set interface parameters');
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// vcpucount, vcpupin, emulatorpin, setvcpu, guest-agent-timeout

/** VIR_DOMAIN_VCPU_MAXIMUM / _GUEST. */
const VCPU_MAXIMUM = 4;
const VCPU_GUEST = 8;

/**
 * virshCPUCountCollect: the count; -1 when `checkState` and the domain
 * lacks the asked state (not running, not persistent); -2 after an error.
 */
async function cpuCountCollect(ctl: Shell, dom: Domain, flags: number, checkState: boolean): Promise<number> {
  if (checkState) {
    if (flags & LIVE) {
      const a = await ctl.attempt(dom.isActive());
      if (a !== true) return -1;
    }
    if (flags & CONFIG) {
      const p = await ctl.attempt(dom.isPersistent());
      if (p !== true) return -1;
    }
  }
  const count = await ctl.attempt(dom.getVcpusFlags(flags));
  if (count !== FAIL) return count;
  const code = ctl.lastErrorCode;
  if (code !== ErrorCode.NO_SUPPORT && code !== ErrorCode.INVALID_ARG) return -2;
  if (flags & VCPU_GUEST) {
    ctl.error('Failed to retrieve vCPU count from the guest');
    return -2;
  }
  let f = flags;
  if (!(f & (LIVE | CONFIG)) && (await ctl.attempt(dom.isActive())) === true) f |= LIVE;
  ctl.resetError();
  if (f & LIVE) {
    if (f & VCPU_MAXIMUM) {
      const n = await ctl.attempt(dom.getMaxVcpus());
      return n === FAIL ? -2 : n;
    }
    const info = await ctl.attempt(dom.getInfo());
    return info === FAIL ? -2 : info.nrVirtCpu;
  }
  const xml = await ctl.attempt(dom.getXMLDesc(DomainXMLFlags.INACTIVE));
  if (xml === FAIL) return -2;
  const vcpu = /<vcpu\b([^>]*)>\s*(\d+)\s*<\/vcpu>/.exec(xml);
  if (f & VCPU_MAXIMUM) {
    if (!vcpu) {
      ctl.error('Failed to retrieve maximum vcpu count');
      return -2;
    }
    return Number(vcpu[2]);
  }
  const cur = vcpu ? /\bcurrent='(\d+)'/.exec(vcpu[1]!) : null;
  if (!cur) {
    ctl.error('Failed to retrieve current vcpu count');
    return -2;
  }
  return Number(cur[1]);
}

async function cmdVcpucount(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const maximum = cmd.bool('maximum');
  let active = cmd.bool('active');
  const config = cmd.bool('config');
  const live = cmd.bool('live');
  let current = cmd.bool('current');
  const guest = cmd.bool('guest');
  const all = !maximum && !active && !current && !config && !live && !guest;
  // Before 0.9.4 --current meant the opposite of --maximum: '--current --live'
  // still means '--active --live'.
  if (current && !maximum && !active && (live || config)) {
    active = true;
    current = false;
  }
  if (!exclusive(ctl, 'current', current, 'live', live)) return false;
  if (!exclusive(ctl, 'current', current, 'config', config)) return false;
  if (!exclusive(ctl, 'active', active, 'maximum', maximum)) return false;
  if (!exclusive(ctl, 'guest', guest, 'config', config)) return false;
  if (!exclusive(ctl, 'live', live, 'config', config)) return false;
  let flags = 0;
  if (live) flags |= LIVE;
  if (config) flags |= CONFIG;
  if (maximum) flags |= VCPU_MAXIMUM;
  if (guest) flags |= VCPU_GUEST;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  if (all) {
    const confMax = await cpuCountCollect(ctl, dom, CONFIG | VCPU_MAXIMUM, true);
    const confCur = await cpuCountCollect(ctl, dom, CONFIG, true);
    const liveMax = await cpuCountCollect(ctl, dom, LIVE | VCPU_MAXIMUM, true);
    const liveCur = await cpuCountCollect(ctl, dom, LIVE, true);
    if (confMax === -2 || confCur === -2 || liveMax === -2 || liveCur === -2) return false;
    const row = (v: number, which: string, state: string) => {
      if (v > 0) ctl.print(`${padEnd(which, 12)} ${padEnd(state, 12)} ${String(v).padStart(3)}\n`);
    };
    row(confMax, 'maximum', 'config');
    row(liveMax, 'maximum', 'live');
    row(confCur, 'current', 'config');
    row(liveCur, 'current', 'live');
    return true;
  }
  const count = await cpuCountCollect(ctl, dom, flags, false);
  if (count < 0) return false;
  ctl.print(`${count}\n`);
  return true;
}

async function cmdVcpupin(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const current = cmd.bool('current');
  const live = (flags & LIVE) !== 0;
  const config = (flags & CONFIG) !== 0;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const cpulist = cmd.string(ctl, 'cpulist');
  if (cpulist === null) return false;
  if (cpulist === undefined && !exclusive(ctl, 'live', live, 'config', config)) return false;
  const vcpu = cmd.uint(ctl, 'vcpu');
  if (vcpu === null) return false;
  if (cpulist !== undefined && vcpu === undefined) {
    ctl.error('vcpupin: Missing vCPU number in pin mode.');
    return false;
  }
  const maxcpu = await nodeCPUCount(ctl);
  if (maxcpu === FAIL) return false;
  if (cpulist === undefined) return vcpuPinQuery(ctl, dom, vcpu, maxcpu, flags);
  const cpumap = parseCPUList(ctl, cpulist, maxcpu);
  if (!cpumap) return false;
  const call = flags === 0 && !current
    ? ctl.c.call('domainPinVcpu', { dom: dom.ref, vcpu: vcpu!, cpumap })
    : ctl.c.call('domainPinVcpuFlags', { dom: dom.ref, vcpu: vcpu!, cpumap, flags });
  return await ctl.attempt(call) !== FAIL;
}

/** virshVcpuPinQuery. */
async function vcpuPinQuery(ctl: Shell, dom: Domain, vcpu: number | undefined, maxcpu: number, flags: number): Promise<boolean> {
  let ncpus = await cpuCountCollect(ctl, dom, flags | VCPU_MAXIMUM, true);
  if (ncpus < 0) {
    if (ncpus === -1) {
      ctl.error(flags & LIVE ? 'cannot get vcpupin for offline domain' : 'cannot get vcpupin for transient domain');
    }
    return false;
  }
  if (vcpu !== undefined && vcpu >= ncpus) {
    const isLive = (flags & LIVE) !== 0 || (!(flags & CONFIG) && (await ctl.attempt(dom.isActive())) === true);
    ctl.error(isLive ? `vcpu ${vcpu} is out of range of live cpu count ${ncpus}`
      : `vcpu ${vcpu} is out of range of persistent cpu count ${ncpus}`);
    return false;
  }
  const maplen = Math.ceil(maxcpu / 8);
  const info = await ctl.attempt(ctl.c.call('domainGetVcpuPinInfo', { dom: dom.ref, ncpumaps: ncpus, maplen, flags }));
  if (info === FAIL) return true;
  ncpus = info.num;
  const table = new Table('VCPU', 'CPU Affinity');
  for (let i = 0; i < ncpus; i++) {
    if (vcpu !== undefined && i !== vcpu) continue;
    table.add(String(i), bitmapDataFormat(info.cpumaps.subarray(i * maplen, (i + 1) * maplen)));
  }
  ctl.print(table.render(!ctl.quiet, ctl.io.env));
  return true;
}

async function cmdEmulatorpin(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const current = cmd.bool('current');
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const cpulist = cmd.string(ctl, 'cpulist');
  if (cpulist === null) return false;
  const query = cpulist === undefined;
  const maxcpu = await nodeCPUCount(ctl);
  if (maxcpu === FAIL) return false;
  if (query) {
    const maplen = Math.ceil(maxcpu / 8);
    const got = await ctl.attempt(ctl.c.call('domainGetEmulatorPinInfo', { dom: dom.ref, maplen, flags }));
    if (got === FAIL) return false;
    if (got.ret >= 0) {
      ctl.printExtra('emulator: CPU Affinity\n');
      ctl.printExtra('----------------------------------\n');
      ctl.printExtra('       *: ');
      ctl.print(`${bitmapDataFormat(got.cpumaps, maplen * 8)}\n`);
    }
    return true;
  }
  const cpumap = parseCPUList(ctl, cpulist, maxcpu);
  if (!cpumap) return false;
  // Pinning without --config/--live/--current pins the running domain.
  const pinFlags = flags === 0 && !current ? LIVE : flags;
  return await ctl.attempt(ctl.c.call('domainPinEmulator', { dom: dom.ref, cpumap, flags: pinFlags })) !== FAIL;
}

async function cmdSetvcpu(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const enable = cmd.bool('enable');
  const disable = cmd.bool('disable');
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  if (!exclusive(ctl, 'enable', enable, 'disable', disable)) return false;
  if (!enable && !disable) {
    ctl.error('one of --enable, --disable is required');
    return false;
  }
  const vcpulist = cmd.string(ctl, 'vcpulist');
  if (vcpulist == null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const call = ctl.c.call('domainSetVcpu', { dom: dom.ref, cpumap: vcpulist, state: enable ? 1 : 0, flags });
  return await ctl.attempt(call) !== FAIL;
}

async function cmdGuestAgentTimeout(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const timeout = cmd.int(ctl, 'timeout');
  if (timeout === null) return false;
  // VIR_DOMAIN_AGENT_RESPONSE_TIMEOUT_BLOCK (-2) without --timeout.
  const call = ctl.c.call('domainAgentSetResponseTimeout', { dom: dom.ref, timeout: timeout ?? -2, flags: 0 });
  return await ctl.attempt(call) !== FAIL;
}

// ---------------------------------------------------------------------------
// iothreadinfo, iothreadpin, iothreadadd, iothreadset, iothreaddel

async function cmdIOThreadInfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const got = await ctl.attempt(ctl.c.call('domainGetIOThreadInfo', { dom: dom.ref, flags }));
  if (got === FAIL) {
    ctl.error('Unable to get domain IOThreads information');
    return false;
  }
  if (got.info.length === 0) {
    ctl.printExtra('No IOThreads found for the domain');
    return true;
  }
  const table = new Table('IOThread ID', 'CPU Affinity');
  for (const t of got.info) table.add(String(t.iothread_id), bitmapDataFormat(t.cpumap));
  ctl.print(table.render(!ctl.quiet, ctl.io.env));
  return true;
}

async function cmdIOThreadPin(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const id = cmd.uint(ctl, 'iothread');
  if (id == null) return false;
  const cpulist = cmd.string(ctl, 'cpulist');
  if (cpulist == null) return false;
  const maxcpu = await nodeCPUCount(ctl);
  if (maxcpu === FAIL) return false;
  const cpumap = parseCPUList(ctl, cpulist, maxcpu);
  if (!cpumap) return false;
  return await ctl.attempt(ctl.c.call('domainPinIOThread', { dom: dom.ref, iothreads_id: id, cpumap, flags })) !== FAIL;
}

/** iothreadadd/iothreaddel: a positive id. */
async function iothreadAddDel(ctl: Shell, cmd: ParsedCommand, add: boolean): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const id = cmd.int(ctl, 'id');
  if (id == null) return false;
  if (id <= 0) {
    ctl.error(`Invalid IOThread id value: '${id}'`);
    return false;
  }
  const call = add ? ctl.c.call('domainAddIOThread', { dom: dom.ref, iothread_id: id, flags })
    : ctl.c.call('domainDelIOThread', { dom: dom.ref, iothread_id: id, flags });
  return await ctl.attempt(call) !== FAIL;
}

async function cmdIOThreadSet(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const id = cmd.int(ctl, 'id');
  if (id == null) return false;
  if (id <= 0) {
    ctl.error(`Invalid IOThread id value: '${id}'`);
    return false;
  }
  const params: TypedParam[] = [];
  const maxNs = cmd.ulongLong(ctl, 'poll-max-ns');
  if (maxNs === null) return false;
  if (maxNs !== undefined) params.push({ field: 'poll_max_ns', type: TP.ULLONG, value: Number(maxNs) });
  for (const [opt, field] of [['poll-grow', 'poll_grow'], ['poll-shrink', 'poll_shrink']] as const) {
    const v = cmd.uint(ctl, opt);
    if (v === null) return false;
    if (v !== undefined) params.push({ field, type: TP.UINT, value: v });
  }
  for (const [opt, field] of [['thread-pool-min', 'thread_pool_min'], ['thread-pool-max', 'thread_pool_max']] as const) {
    const v = cmd.int(ctl, opt);
    if (v === null) return false;
    if (v !== undefined) params.push({ field, type: TP.INT, value: v });
  }
  if (params.length === 0) {
    ctl.error('Not enough arguments passed, nothing to set');
    return false;
  }
  const call = ctl.c.call('domainSetIOThreadParams', { dom: dom.ref, iothread_id: id, params, flags });
  return await ctl.attempt(call) !== FAIL;
}

// ---------------------------------------------------------------------------
// desc, metadata

/** virDomainMetadataType. */
const META_DESCRIPTION = 0;
const META_TITLE = 1;
const META_ELEMENT = 2;

/** virshGetDomainDescription: the text, "" when there is none, null after an error. */
async function getDescription(ctl: Shell, dom: Domain, title: boolean, flags: number): Promise<string | null> {
  const type = title ? META_TITLE : META_DESCRIPTION;
  const got = await ctl.attempt(ctl.c.call('domainGetMetadata', { dom: dom.ref, type, uri: null, flags }));
  if (got !== FAIL) return got.metadata;
  if (ctl.lastErrorCode === ErrorCode.NO_DOMAIN_METADATA) {
    ctl.resetError();
    return '';
  }
  if (ctl.lastErrorCode !== ErrorCode.NO_SUPPORT) return null;
  const xml = await ctl.attempt(dom.getXMLDesc(flags));
  if (xml === FAIL) return null;
  const m = new RegExp(`<${title ? 'title' : 'description'}>([^]*?)</`).exec(xml);
  return m ? unescapeXml(m[1]!) : '';
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|apos|quot);/g, (_, e: string) =>
    ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' })[e]!);
}

async function cmdDesc(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const title = cmd.bool('title');
  const edit = cmd.bool('edit');
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  // VIR_DOMAIN_XML_INACTIVE for the query with --config.
  const queryflags = flags & CONFIG ? DomainXMLFlags.INACTIVE : 0;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const type = title ? META_TITLE : META_DESCRIPTION;
  const words = cmd.argv();
  let descArg: string | null = words.length ? words.join(' ').replace(/ +$/, '') : null;
  if (edit || descArg !== null) {
    const descDom = await getDescription(ctl, dom, title, queryflags);
    if (descDom === null) return false;
    descArg ??= descDom;
    let descNew: string;
    if (edit) {
      let edited = await editString(ctl, descArg);
      if (edited === null) return false;
      // Some editors end the file with a newline: not part of a title.
      if (title && edited.endsWith('\n')) edited = edited.slice(0, -1);
      if (edited === descDom) {
        ctl.printExtra(title ? 'Domain title not changed\n' : 'Domain description not changed\n');
        return true;
      }
      descNew = edited;
    } else {
      descNew = descArg;
    }
    const set = ctl.c.call('domainSetMetadata', { dom: dom.ref, type, metadata: descNew, key: null, uri: null, flags });
    if (await ctl.attempt(set) === FAIL) {
      ctl.error(title ? 'Failed to set new domain title' : 'Failed to set new domain description');
      return false;
    }
    ctl.printExtra(title ? 'Domain title updated successfully' : 'Domain description updated successfully');
    return true;
  }
  const desc = await getDescription(ctl, dom, title, queryflags);
  if (desc === null) return false;
  if (desc.length > 0) ctl.print(desc);
  else ctl.printExtra(title ? `No title for domain: ${dom.getName()}` : `No description for domain: ${dom.getName()}`);
  return true;
}

async function cmdMetadata(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const edit = cmd.bool('edit');
  const rem = cmd.bool('remove');
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  if (!exclusive(ctl, 'edit', edit, 'set', cmd.bool('set'))) return false;
  if (!exclusive(ctl, 'remove', rem, 'set', cmd.bool('set'))) return false;
  if (!exclusive(ctl, 'remove', rem, 'edit', edit)) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const uri = cmd.string(ctl, 'uri');
  if (uri == null) return false;
  const key = cmd.string(ctl, 'key');
  if (key === null) return false;
  const set = cmd.string(ctl, 'set');
  if (set === null) return false;
  if ((set !== undefined || edit) && key === undefined) {
    ctl.error('namespace key is required when modifying metadata');
    return false;
  }
  const setMeta = (metadata: string | null) => ctl.c.call('domainSetMetadata',
    { dom: dom.ref, type: META_ELEMENT, metadata, key: key ?? null, uri, flags });
  if (set !== undefined || rem) {
    if (await ctl.attempt(setMeta(set ?? null)) === FAIL) return false;
    ctl.printExtra(rem ? 'Metadata removed\n' : 'Metadata modified\n');
    return true;
  }
  if (edit) {
    const getMeta = async () => {
      try {
        return (await ctl.c.call('domainGetMetadata', { dom: dom.ref, type: META_ELEMENT, uri, flags })).metadata;
      } catch (e) {
        if (!(e instanceof VirtError)) throw e;
        return '\n';
      }
    };
    const r2 = await editCommand(ctl, {
      dump: getMeta,
      define: async (xml) => { await setMeta(xml); },
      unchangedMsg: 'Metadata not changed',
      changedMsg: () => 'Metadata modified\n',
    });
    return r2;
  }
  const got = await ctl.attempt(ctl.c.call('domainGetMetadata', { dom: dom.ref, type: META_ELEMENT, uri, flags }));
  if (got === FAIL) return false;
  ctl.print(`${got.metadata}\n`);
  return true;
}

// ---------------------------------------------------------------------------
// perf, set-lifecycle-action, domrename

/** virshPrintPerfStatus (extra output: -q leaves it out). */
function printPerf(ctl: Shell, params: readonly TypedParam[]): void {
  for (const p of params) {
    if (p.type === TP.BOOLEAN) ctl.printExtra(`${padEnd(p.field, 15)}: ${p.value ? 'enabled' : 'disabled'}\n`);
  }
}

async function cmdPerf(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const enable = cmd.string(ctl, 'enable');
  if (enable === null) return false;
  const disable = cmd.string(ctl, 'disable');
  if (disable === null) return false;
  const params: TypedParam[] = [];
  for (const [list, on] of [[enable, true], [disable, false]] as const) {
    if (list === undefined) continue;
    for (const e of list.split(',')) if (e !== '') params.push({ field: e, type: TP.BOOLEAN, value: on });
  }
  if (params.length === 0) {
    const got = await ctl.attempt(ctl.c.call('domainGetPerfEvents', { dom: dom.ref, flags: await stringOkay(ctl.c, flags) }));
    if (got === FAIL) {
      ctl.error('Unable to get perf events');
      return false;
    }
    printPerf(ctl, got.params);
    return true;
  }
  if (await ctl.attempt(ctl.c.call('domainSetPerfEvents', { dom: dom.ref, params, flags })) === FAIL) {
    ctl.error('Unable to enable/disable perf events');
    return false;
  }
  printPerf(ctl, params);
  return true;
}

const LIFECYCLE_TYPES = ['poweroff', 'reboot', 'crash'];
const LIFECYCLE_ACTIONS = ['', 'destroy', 'restart', 'rename-restart', 'preserve', 'coredump-destroy', 'coredump-restart'];

async function cmdSetLifecycleAction(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const typeStr = cmd.string(ctl, 'type');
  if (typeStr == null) return false;
  const actionStr = cmd.string(ctl, 'action');
  if (actionStr == null) return false;
  const type = LIFECYCLE_TYPES.indexOf(typeStr);
  if (type < 0) {
    ctl.error(`Invalid lifecycle type '${typeStr}'.`);
    return false;
  }
  const action = actionStr === '' ? -1 : LIFECYCLE_ACTIONS.indexOf(actionStr);
  if (action < 0) {
    ctl.error(`Invalid lifecycle action '${actionStr}'.`);
    return false;
  }
  if (await ctl.attempt(ctl.c.call('domainSetLifecycleAction', { dom: dom.ref, type, action, flags })) === FAIL) {
    ctl.error('Unable to change lifecycle action.');
    return false;
  }
  return true;
}

async function cmdDomrename(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const newName = cmd.string(ctl, 'new-name');
  if (newName == null) return false;
  if (await ctl.attempt(ctl.c.call('domainRename', { dom: dom.ref, new_name: newName, flags: 0 })) === FAIL) return false;
  ctl.printExtra('Domain successfully renamed\n');
  return true;
}

// ---------------------------------------------------------------------------
// The command table.

const PERSISTENT_OPT: OptDef = { name: 'persistent', type: 'bool', help: 'make live change persistent' };
const FILE_OPT: OptDef = { name: 'file', type: 'data', help: 'XML file', required: true };

const b = (name: string, help: string): OptDef => ({ name, type: 'bool', help });
const str = (name: string, help: string): OptDef => ({ name, type: 'string', help });
const int = (name: string, help: string): OptDef => ({ name, type: 'int', help });
const data = (name: string, help: string): OptDef => ({ name, type: 'data', help, required: true });
const DEVICE_AFFECT: readonly OptDef[] = [PERSISTENT_OPT, ...AFFECT_OPTS];
/** desc and metadata word --live/--config/--current their own way. */
const META_AFFECT: readonly OptDef[] = [
  b('live', 'modify/get running state'), b('config', 'modify/get persistent configuration'),
  b('current', 'modify/get current state configuration'),
];
const tuneDesc = (what: string, cmd: string, thing = `${what} parameters`) =>
  `Get or set the current ${thing} for a guest domain.\n    To get the ${thing === 'perf events' ? 'perf events list' : thing} use following command: \n\n    virsh # ${cmd} <domain>`;

export const domainConfigCommands: CmdDef[] = [
  {
    name: 'edit',
    help: 'edit XML configuration for a domain',
    desc: 'Edit the XML configuration for a domain.',
    options: [DOMAIN_OPT, b('skip-validate', 'skip validation of the XML against the schema')],
    run: cmdEdit,
  },
  {
    name: 'attach-device',
    help: 'attach device from an XML file',
    desc: 'Attach device from an XML <file>.',
    options: [DOMAIN_OPT, FILE_OPT, ...DEVICE_AFFECT],
    run: (ctl, cmd) => deviceFromFile(ctl, cmd, 'attach'),
  },
  {
    name: 'detach-device',
    help: 'detach device from an XML file',
    desc: 'Detach device from an XML <file>',
    options: [DOMAIN_OPT, FILE_OPT, ...DEVICE_AFFECT],
    run: (ctl, cmd) => deviceFromFile(ctl, cmd, 'detach'),
  },
  {
    name: 'update-device',
    help: 'update device from an XML file',
    desc: 'Update device from an XML <file>.',
    options: [DOMAIN_OPT, FILE_OPT, ...DEVICE_AFFECT, b('force', 'force device update')],
    run: (ctl, cmd) => deviceFromFile(ctl, cmd, 'update'),
  },
  {
    name: 'detach-device-alias',
    help: 'detach device from an alias',
    desc: 'Detach device identified by the given alias from a domain',
    options: [DOMAIN_OPT, data('alias', 'device alias'), ...AFFECT_OPTS],
    run: cmdDetachDeviceAlias,
  },
  {
    name: 'blkiotune',
    help: 'Get or set blkio parameters',
    desc: tuneDesc('blkio', 'blkiotune'),
    options: [
      DOMAIN_OPT, int('weight', 'IO Weight'),
      str('device-weights', 'per-device IO Weights, in the form of /path/to/device,weight,...'),
      str('device-read-iops-sec', 'per-device read I/O limit per second, in the form of /path/to/device,read_iops_sec,...'),
      str('device-write-iops-sec', 'per-device write I/O limit per second, in the form of /path/to/device,write_iops_sec,...'),
      str('device-read-bytes-sec', 'per-device bytes read per second, in the form of /path/to/device,read_bytes_sec,...'),
      str('device-write-bytes-sec', 'per-device bytes wrote per second, in the form of /path/to/device,write_bytes_sec,...'),
      ...AFFECT_OPTS,
    ],
    run: cmdBlkiotune,
  },
  {
    name: 'blkdeviotune',
    help: 'Set or query a block device I/O tuning parameters.',
    desc: 'Set or query disk I/O parameters such as block throttling.',
    options: [
      DOMAIN_OPT, data('device', 'block device'),
      int('total-bytes-sec', 'total throughput limit, as scaled integer (default bytes)'),
      int('read-bytes-sec', 'read throughput limit, as scaled integer (default bytes)'),
      int('write-bytes-sec', 'write throughput limit, as scaled integer (default bytes)'),
      int('total-iops-sec', 'total I/O operations limit per second'),
      int('read-iops-sec', 'read I/O operations limit per second'),
      int('write-iops-sec', 'write I/O operations limit per second'),
      int('total-bytes-sec-max', 'total max, as scaled integer (default bytes)'),
      int('read-bytes-sec-max', 'read max, as scaled integer (default bytes)'),
      int('write-bytes-sec-max', 'write max, as scaled integer (default bytes)'),
      int('total-iops-sec-max', 'total I/O operations max'),
      int('read-iops-sec-max', 'read I/O operations max'),
      int('write-iops-sec-max', 'write I/O operations max'),
      int('size-iops-sec', 'I/O size in bytes'),
      str('group-name', 'group name to share I/O quota between multiple drives'),
      int('total-bytes-sec-max-length', 'duration in seconds to allow total max bytes'),
      int('read-bytes-sec-max-length', 'duration in seconds to allow read max bytes'),
      int('write-bytes-sec-max-length', 'duration in seconds to allow write max bytes'),
      int('total-iops-sec-max-length', 'duration in seconds to allow total I/O operations max'),
      int('read-iops-sec-max-length', 'duration in seconds to allow read I/O operations max'),
      int('write-iops-sec-max-length', 'duration in seconds to allow write I/O operations max'),
      ...AFFECT_OPTS,
    ],
    run: cmdBlkdeviotune,
  },
  {
    name: 'desc',
    help: "show or set domain's description or title",
    desc: 'Allows setting or modifying the description or title of a domain.',
    options: [
      DOMAIN_OPT, ...META_AFFECT, b('title', 'modify/get the title instead of description'),
      b('edit', 'open an editor to modify the description'), { name: 'new-desc', type: 'argv', help: 'message' },
    ],
    run: cmdDesc,
  },
  {
    name: 'domiftune',
    help: 'get/set parameters of a virtual interface',
    desc: "Get/set parameters of a domain's virtual interface.",
    options: [
      DOMAIN_OPT, data('interface', 'interface device (MAC Address)'),
      str('inbound', "control domain's incoming traffics"), str('outbound', "control domain's outgoing traffics"),
      ...AFFECT_OPTS,
    ],
    run: cmdDomiftune,
  },
  {
    name: 'domrename',
    help: 'rename a domain',
    desc: 'Rename an inactive domain.',
    options: [{ ...DOMAIN_OPT, help: 'domain name or uuid' }, data('new-name', 'new domain name')],
    run: cmdDomrename,
  },
  {
    name: 'iothreadinfo',
    help: 'view domain IOThreads',
    desc: 'Returns basic information about the domain IOThreads.',
    options: [DOMAIN_OPT, ...AFFECT_OPTS],
    run: cmdIOThreadInfo,
  },
  {
    name: 'iothreadpin',
    help: 'control domain IOThread affinity',
    desc: 'Pin domain IOThreads to host physical CPUs.',
    options: [DOMAIN_OPT, { ...int('iothread', 'IOThread ID number'), required: true },
      data('cpulist', 'host cpu number(s) to set'), ...AFFECT_OPTS],
    run: cmdIOThreadPin,
  },
  {
    name: 'iothreadadd',
    help: 'add an IOThread to the guest domain',
    desc: 'Add an IOThread to the guest domain.',
    options: [DOMAIN_OPT, { ...int('id', 'iothread for the new IOThread'), required: true }, ...AFFECT_OPTS],
    run: (ctl, cmd) => iothreadAddDel(ctl, cmd, true),
  },
  {
    name: 'iothreadset',
    help: 'modifies an existing IOThread of the guest domain',
    desc: 'Modifies an existing IOThread of the guest domain.',
    options: [
      DOMAIN_OPT, { ...int('id', 'iothread id of existing IOThread'), required: true },
      int('poll-max-ns', 'set the maximum IOThread polling time in ns'),
      int('poll-grow', 'set the value to increase the IOThread polling time'),
      int('poll-shrink', 'set the value for reduction of the IOThread polling time'),
      int('thread-pool-min', 'lower boundary for worker thread pool'),
      int('thread-pool-max', 'upper boundary for worker thread pool'),
      ...AFFECT_OPTS,
    ],
    run: cmdIOThreadSet,
  },
  {
    name: 'iothreaddel',
    help: 'delete an IOThread from the guest domain',
    desc: 'Delete an IOThread from the guest domain.',
    options: [DOMAIN_OPT, { ...int('id', 'iothread_id for the IOThread to delete'), required: true }, ...AFFECT_OPTS],
    run: (ctl, cmd) => iothreadAddDel(ctl, cmd, false),
  },
  {
    name: 'memtune',
    help: 'Get or set memory parameters',
    desc: tuneDesc('memory', 'memtune'),
    options: [
      DOMAIN_OPT, int('hard-limit', 'Max memory, as scaled integer (default KiB)'),
      int('soft-limit', 'Memory during contention, as scaled integer (default KiB)'),
      int('swap-hard-limit', 'Max memory plus swap, as scaled integer (default KiB)'),
      int('min-guarantee', 'Min guaranteed memory, as scaled integer (default KiB)'),
      ...AFFECT_OPTS,
    ],
    run: cmdMemtune,
  },
  {
    name: 'perf',
    help: 'Get or set perf event',
    desc: tuneDesc('perf', 'perf', 'perf events'),
    options: [DOMAIN_OPT, str('enable', 'perf events which will be enabled'),
      str('disable', 'perf events which will be disabled'), ...AFFECT_OPTS],
    run: cmdPerf,
  },
  {
    name: 'metadata',
    help: "show or set domain's custom XML metadata",
    desc: 'Shows or modifies the XML metadata of a domain.',
    options: [
      DOMAIN_OPT, data('uri', 'URI of the namespace'), ...META_AFFECT,
      b('edit', 'use an editor to change the metadata'), str('key', 'key to be used as a namespace identifier'),
      str('set', 'new metadata to set'), b('remove', 'remove the metadata corresponding to an uri'),
    ],
    run: cmdMetadata,
  },
  {
    name: 'numatune',
    help: 'Get or set numa parameters',
    desc: tuneDesc('numa', 'numatune'),
    options: [
      DOMAIN_OPT,
      str('mode', 'NUMA mode, one of strict, preferred and interleave \nor a number from the virDomainNumatuneMemMode enum'),
      str('nodeset', 'NUMA node selections to set'), ...AFFECT_OPTS,
    ],
    run: cmdNumatune,
  },
  {
    name: 'guest-agent-timeout',
    help: 'Set the guest agent timeout',
    desc: 'Set the number of seconds to wait for a response from the guest agent.',
    options: [DOMAIN_OPT, int('timeout', 'timeout seconds.')],
    run: cmdGuestAgentTimeout,
  },
  {
    name: 'set-lifecycle-action',
    help: 'change lifecycle actions',
    desc: 'Change lifecycle actions for the guest domain.',
    options: [DOMAIN_OPT, data('type', 'lifecycle type to modify'), data('action', 'lifecycle action to set'),
      ...AFFECT_OPTS],
    run: cmdSetLifecycleAction,
  },
  {
    name: 'vcpucount',
    help: 'domain vcpu counts',
    desc: 'Returns the number of virtual CPUs used by the domain.',
    options: [
      DOMAIN_OPT, b('maximum', 'get maximum count of vcpus'), b('active', 'get number of currently active vcpus'),
      b('live', 'get value from running domain'), b('config', 'get value to be used on next boot'),
      b('current', 'get value according to current domain state'),
      b('guest', 'retrieve vcpu count from the guest instead of the hypervisor'),
    ],
    run: cmdVcpucount,
  },
  {
    name: 'vcpupin',
    help: 'control or query domain vcpu affinity',
    desc: 'Pin domain VCPUs to host physical CPUs.',
    options: [DOMAIN_OPT, int('vcpu', 'vcpu number'),
      { ...str('cpulist', 'host cpu number(s) to set, or omit option to query'), emptyOk: true },
      ...AFFECT_OPTS],
    run: cmdVcpupin,
  },
  {
    name: 'emulatorpin',
    help: 'control or query domain emulator affinity',
    desc: 'Pin domain emulator threads to host physical CPUs.',
    options: [DOMAIN_OPT, { ...str('cpulist', 'host cpu number(s) to set, or omit option to query'), emptyOk: true },
      ...AFFECT_OPTS],
    run: cmdEmulatorpin,
  },
  {
    name: 'setvcpu',
    help: 'attach/detach vcpu or groups of threads',
    desc: 'Add or remove vcpus',
    options: [DOMAIN_OPT, data('vcpulist', 'ids of vcpus to manipulate'), b('enable', 'enable cpus specified by cpumap'),
      b('disable', 'disable cpus specified by cpumap'), ...AFFECT_OPTS],
    run: cmdSetvcpu,
  },
];
