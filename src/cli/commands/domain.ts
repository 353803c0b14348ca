/**
 * The "Domain Management" group (tools/virsh-domain.c): the commands that
 * define, start, stop and change domains.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import type { Domain } from '../../api/index.js';
import { domainManagedSaveRemove } from '../../api/domain-save.js';
import {
  DomainMemoryModFlags, DomainModificationImpact, DomainUndefineFlags, DomainVcpuFlags, DomainXMLFlags,
} from '../../api/constants.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { AFFECT_OPTS, DOMAIN_OPT, type CmdDef, type ParsedCommand } from '../command.js';
import { BY_ID, BY_NAME, BY_UUID, optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { dumpXML, readFileAll, typedParamFromString, typedParamValue } from '../util.js';
import type { TypedParam, VcpuInfo } from '../../driver/driver.js';
import { formatFixed, padEnd } from '../format.js';
import { parseXml, type XmlElement } from '../../util/xml.js';

/** virDomainCreateFlags. */
const Start = { PAUSED: 1, AUTODESTROY: 2, BYPASS_CACHE: 4, FORCE_BOOT: 8, VALIDATE: 16, RESET_NVRAM: 32 } as const;
/** virDomainDestroyFlagsValues. */
const Destroy = { GRACEFUL: 1, REMOVE_LOGS: 2 } as const;
/** virDomainDefineFlags. */
const DEFINE_VALIDATE = 1;
/** virDomainShutdownFlagValues / virDomainRebootFlagValues (same bits). */
const SHUTDOWN_MODES: Record<string, number> = { acpi: 1, agent: 2, initctl: 4, signal: 8, paravirt: 16 };
/** VIR_DOMAIN_SNAPSHOT_LIST_METADATA. */
const SNAPSHOT_LIST_METADATA = 2;
/** VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS. */
const VOL_DELETE_WITH_SNAPSHOTS = 2;

/** VSH_EXCLUSIVE_OPTIONS_EXPR. */
export function exclusive(ctl: Shell, n1: string, v1: boolean, n2: string, v2: boolean): boolean {
  if (v1 && v2) {
    ctl.error(`Options --${n1} and --${n2} are mutually exclusive`);
    return false;
  }
  return true;
}

/** --config/--live/--current with VSH_EXCLUSIVE_OPTIONS_VAR(current, live) and (current, config). */
export function affectFlags(ctl: Shell, cmd: ParsedCommand): number | null {
  const current = cmd.bool('current');
  const config = cmd.bool('config');
  const live = cmd.bool('live');
  if (!exclusive(ctl, 'current', current, 'live', live)) return null;
  if (!exclusive(ctl, 'current', current, 'config', config)) return null;
  return (config ? DomainModificationImpact.CONFIG : 0) | (live ? DomainModificationImpact.LIVE : 0);
}

/** VSH_REQUIRE_OPTION_EXPR: `n1` needs `n2`. */
export function requires(ctl: Shell, n1: string, v1: boolean, n2: string, v2: boolean): boolean {
  if (v1 && !v2) {
    ctl.error(`Option --${n2} is required by option --${n1}`);
    return false;
  }
  return true;
}

/** A library call that fails because the API has no such entry point yet. */
function unsupported(api: string): VirtError {
  return VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.DOMAIN, api);
}

async function cmdAutostart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const autostart = !cmd.bool('disable');
  if (await ctl.attempt(dom.setAutostart(autostart)) === FAIL) {
    ctl.error(autostart ? `Failed to mark domain '${r.name}' as autostarted`
      : `Failed to unmark domain '${r.name}' as autostarted`);
    return false;
  }
  ctl.printExtra(autostart ? `Domain '${r.name}' marked as autostarted\n` : `Domain '${r.name}' unmarked as autostarted\n`);
  return true;
}

/** virshFetchPassFdsList: null after an error, else the descriptors (none without --pass-fds). */
export function passFds(ctl: Shell, cmd: ParsedCommand): number[] | null {
  const o = cmd.stringQuiet('pass-fds');
  if (o.rc <= 0) return [];
  const fds: number[] = [];
  for (const part of (o as { value: string }).value.split(',')) {
    const r = /^[ \t\n\v\f\r]*[+-]?\d+$/.test(part) ? Number(part) : NaN;
    if (!Number.isInteger(r) || r < -2147483648 || r > 2147483647) {
      ctl.error(`Unable to parse FD number '${part}'`);
      return null;
    }
    fds.push(r);
  }
  return fds;
}

async function cmdCreate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const buffer = readFileAll(ctl, from);
  if (buffer === null) return false;
  const fds = passFds(ctl, cmd);
  if (!fds) return false;
  let flags = 0;
  if (cmd.bool('paused')) flags |= Start.PAUSED;
  if (cmd.bool('autodestroy')) flags |= Start.AUTODESTROY;
  if (cmd.bool('validate')) flags |= Start.VALIDATE;
  if (cmd.bool('reset-nvram')) flags |= Start.RESET_NVRAM;
  const dom = fds.length > 0
    ? (ctl.saveError(unsupported('virDomainCreateXMLWithFiles')), FAIL)
    : await ctl.attempt(ctl.c.domainCreateXML(buffer, flags));
  if (dom === FAIL) {
    ctl.error(`Failed to create domain from ${from}`);
    return false;
  }
  using d = dom;
  ctl.printExtra(`Domain '${d.getName()}' created from ${from}\n`);
  return true;
}

async function cmdDefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.string(ctl, 'file');
  if (from == null) return false;
  const flags = cmd.bool('validate') ? DEFINE_VALIDATE : 0;
  const buffer = readFileAll(ctl, from);
  if (buffer === null) return false;
  let dom: Domain | typeof FAIL;
  if (!flags) {
    dom = await ctl.attempt(ctl.c.domainDefineXML(buffer));
  } else {
    dom = await ctl.attempt(ctl.c.domainDefineXMLFlags(buffer, flags));
    // Only --validate given and not understood: define without it.
    if (dom === FAIL && ctl.lastErrorCode === ErrorCode.NO_SUPPORT && flags === DEFINE_VALIDATE) {
      dom = await ctl.attempt(ctl.c.domainDefineXML(buffer));
    }
  }
  if (dom === FAIL) {
    ctl.error(`Failed to define domain from ${from}`);
    return false;
  }
  using d = dom;
  ctl.printExtra(`Domain '${d.getName()}' defined from ${from}\n`);
  return true;
}

/**
 * The shape of virsh's lifecycle commands: look the domain up, make one
 * call, then "Failed to <verb> domain 'X'" or "Domain 'X' <done>".
 */
async function domainAction(ctl: Shell, cmd: ParsedCommand, call: (dom: Domain) => Promise<unknown>,
  verb: string, done: string): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  if (await ctl.attempt(call(dom)) === FAIL) {
    ctl.error(`Failed to ${verb} domain '${r.name}'`);
    return false;
  }
  ctl.printExtra(`Domain '${r.name}' ${done}\n`);
  return true;
}

async function cmdDestroy(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  if (cmd.bool('graceful')) flags |= Destroy.GRACEFUL;
  if (cmd.bool('remove-logs')) flags |= Destroy.REMOVE_LOGS;
  return domainAction(ctl, cmd, (dom) => (flags ? dom.destroyFlags(flags) : dom.destroy()), 'destroy', 'destroyed');
}

/** virshGenFileName: `<domain>-<local time>.<ext>` for an image of type `mime`. */
function screenshotFileName(dom: Domain, mime: string | null): string {
  const ext = mime === null || mime === 'image/x-portable-pixmap' ? '.ppm' : mime === 'image/png' ? '.png' : '';
  const t = new Date();
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${t.getFullYear()}-${p2(t.getMonth() + 1)}-${p2(t.getDate())}-`
    + `${p2(t.getHours())}:${p2(t.getMinutes())}:${p2(t.getSeconds())}`;
  return `${dom.getName()}-${stamp}${ext}`;
}

async function cmdScreenshot(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let file = cmd.string(ctl, 'file');
  if (file === null) return false;
  const screen = cmd.uint(ctl, 'screen');
  if (screen === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const st = dom.conn.newStream(0);
  try {
    const mime = await ctl.attempt(dom.screenshot(st, screen ?? 0, 0));
    if (mime === FAIL || mime === null) {
      ctl.error(`could not take a screenshot of ${r.name}`);
      return false;
    }
    file ??= screenshotFileName(dom, mime);
    // virsh: O_CREAT|O_EXCL first, so only a file it created is removed on failure.
    let fd: number;
    let created = false;
    try {
      fd = openSync(file, 'wx', 0o666);
      created = true;
    } catch (e) {
      try {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        fd = openSync(file, 'w', 0o666);
      } catch {
        ctl.error(`cannot create file ${file}`);
        return false;
      }
    }
    let ok = true;
    try {
      for await (const chunk of st) writeSync(fd, chunk);
    } catch {
      ctl.error(`could not receive data from domain ${r.name}`);
      ok = false;
    } finally {
      closeSync(fd);
    }
    if (ok && await ctl.attempt(st.finish()) === FAIL) {
      ctl.error(`cannot close stream on domain ${r.name}`);
      ok = false;
    }
    if (!ok) {
      if (created) rmSync(file, { force: true });
      return false;
    }
    ctl.printExtra(`Screenshot saved to ${file}, with type of ${mime}`);
    return true;
  } finally {
    st.free();
  }
}

/** virDomainGetID's "(unsigned)-1" for a domain that is not running. */
function isInactive(dom: Domain): boolean {
  const id = dom.getID();
  return id === -1 || id === 0xffffffff;
}

async function cmdDomid(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd, BY_NAME | BY_UUID);
  if (!r) return false;
  using dom = r.dom;
  ctl.print(isInactive(dom) ? '-\n' : `${dom.getID()}\n`);
  return true;
}

async function cmdDomname(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd, BY_ID | BY_UUID);
  if (!r) return false;
  using dom = r.dom;
  ctl.print(`${dom.getName()}\n`);
  return true;
}

async function cmdDomuuid(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd, BY_NAME | BY_ID);
  if (!r) return false;
  using dom = r.dom;
  ctl.print(`${dom.getUUIDString()}\n`);
  return true;
}

async function cmdDumpxml(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  if (cmd.bool('inactive')) flags |= DomainXMLFlags.INACTIVE;
  if (cmd.bool('security-info')) flags |= DomainXMLFlags.SECURE;
  if (cmd.bool('update-cpu')) flags |= DomainXMLFlags.UPDATE_CPU;
  if (cmd.bool('migratable')) flags |= DomainXMLFlags.MIGRATABLE;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const xpath = cmd.stringQuiet('xpath');
  if (xpath.rc < 0) return false;
  const xml = await ctl.attempt(dom.getXMLDesc(flags));
  if (xml === FAIL) return false;
  return dumpXML(ctl, xml, xpath.rc === 1 ? xpath.value : undefined, cmd.bool('wrap'));
}

/** The --mode list of shutdown and reboot. */
function parseModes(ctl: Shell, cmd: ParsedCommand, expecting: string): number | null {
  const mode = cmd.string(ctl, 'mode');
  if (mode === null) return null;
  let flags = 0;
  if (mode === undefined) return 0;
  for (const m of mode.split(',')) {
    const bit = SHUTDOWN_MODES[m];
    if (bit === undefined || !Object.hasOwn(SHUTDOWN_MODES, m)) {
      ctl.error(`Unknown mode ${m} value, expecting ${expecting}`);
      return null;
    }
    flags |= bit;
  }
  return flags;
}

async function cmdReboot(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = parseModes(ctl, cmd, "'acpi', 'agent', 'initctl', 'signal' or 'paravirt'");
  if (flags === null) return false;
  return domainAction(ctl, cmd, (dom) => dom.reboot(flags), 'reboot', 'is being rebooted');
}

async function cmdReset(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return domainAction(ctl, cmd, (dom) => dom.reset(0), 'reset', 'was reset');
}

async function cmdResume(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return domainAction(ctl, cmd, (dom) => dom.resume(), 'resume', 'resumed');
}

/** cmdSchedInfoUpdateOne: the new value typed like the current parameter. */
function schedUpdateOne(ctl: Shell, src: readonly TypedParam[], out: TypedParam[], field: string, value: string): boolean {
  const p = src.find((s) => s.field === field);
  if (!p) {
    ctl.error(`invalid scheduler option: ${field}`);
    return false;
  }
  const v = typedParamFromString(field, p.type, value);
  if (v instanceof VirtError) {
    ctl.saveError(v);
    return false;
  }
  out.push(v);
  return true;
}

/** cmdSchedInfoUpdate: --set pairs, then --cap and --weight. */
function schedUpdates(ctl: Shell, cmd: ParsedCommand, src: readonly TypedParam[]): TypedParam[] | null {
  const out: TypedParam[] = [];
  for (const set of cmd.argv()) {
    const eq = set.indexOf('=');
    if (eq < 0) {
      ctl.error('Invalid syntax for --set, expecting name=value');
      return null;
    }
    if (!schedUpdateOne(ctl, src, out, set.slice(0, eq), set.slice(eq + 1))) return null;
  }
  for (const name of ['cap', 'weight']) {
    const v = cmd.string(ctl, name);
    if (v === null) return null;
    if (v !== undefined && !schedUpdateOne(ctl, src, out, name, v)) return null;
  }
  return out;
}

async function cmdSchedinfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const current = cmd.bool('current');
  const both = DomainModificationImpact.CONFIG | DomainModificationImpact.LIVE;
  // Live and config cannot be queried at once; settle on current then.
  const queryflags = flags === both ? DomainModificationImpact.CURRENT : flags;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const type = await ctl.attempt(dom.getSchedulerType());
  if (type === FAIL) {
    ctl.print(`${padEnd('Scheduler', 15)}: Unknown\n`);
    return false;
  }
  ctl.print(`${padEnd('Scheduler', 15)}: ${type.type}\n`);
  if (!type.nparams) return false;
  const useFlags = flags !== 0 || current;
  const query = () => (useFlags ? dom.getSchedulerParametersFlags(queryflags) : dom.getSchedulerParameters());
  let params = await ctl.attempt(query());
  if (params === FAIL) return false;
  const updates = schedUpdates(ctl, cmd, params);
  if (!updates) return false;
  if (updates.length > 0) {
    const set = useFlags ? dom.setSchedulerParametersFlags(updates, flags) : dom.setSchedulerParameters(updates);
    if (await ctl.attempt(set) === FAIL) return false;
    params = await ctl.attempt(query());
    if (params === FAIL) return false;
  } else if (flags === both) {
    ctl.error('cannot query both live and config at once');
    return false;
  }
  for (const p of params) ctl.print(`${padEnd(p.field, 15)}: ${typedParamValue(p)}\n`);
  return true;
}

/** 'unsigned long' KiB on a 64-bit host, as setmem and setmaxmem allow. */
const ULONG_MAX = (1n << 64n) - 1n;

function memoryKiB(ctl: Shell, cmd: ParsedCommand): number | null {
  const bytes = cmd.scaledInt(ctl, 'size', 1024n, ULONG_MAX);
  if (bytes == null) return null;
  return Number((bytes + 1023n) / 1024n);
}

async function cmdSetmaxmem(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  // virDomainMemoryModFlags share the CURRENT/LIVE/CONFIG bits.
  const flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const kib = memoryKiB(ctl, cmd);
  if (kib === null) return false;
  if (await ctl.attempt(dom.setMemoryFlags(kib, flags | DomainMemoryModFlags.MAXIMUM)) === FAIL) {
    ctl.error('Unable to change MaxMemorySize');
    return false;
  }
  return true;
}

async function cmdSetmem(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = affectFlags(ctl, cmd);
  if (flags === null) return false;
  // No --config/--live/--current: the running domain.
  if (flags === 0 && !cmd.bool('current')) flags = DomainMemoryModFlags.LIVE;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const kib = memoryKiB(ctl, cmd);
  if (kib === null) return false;
  return await ctl.attempt(dom.setMemoryFlags(kib, flags)) !== FAIL;
}

async function cmdSetvcpus(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const maximum = cmd.bool('maximum');
  const config = cmd.bool('config');
  const live = cmd.bool('live');
  const current = cmd.bool('current');
  const guest = cmd.bool('guest');
  const hotpluggable = cmd.bool('hotpluggable');
  if (!exclusive(ctl, 'current', current, 'live', live)) return false;
  if (!exclusive(ctl, 'current', current, 'config', config)) return false;
  if (!exclusive(ctl, 'guest', guest, 'config', config)) return false;
  if (!requires(ctl, 'maximum', maximum, 'config', config)) return false;
  let flags: number = DomainVcpuFlags.CURRENT;
  if (config) flags |= DomainVcpuFlags.CONFIG;
  if (live) flags |= DomainVcpuFlags.LIVE;
  if (guest) flags |= DomainVcpuFlags.GUEST;
  if (maximum) flags |= DomainVcpuFlags.MAXIMUM;
  if (hotpluggable) flags |= DomainVcpuFlags.HOTPLUGGABLE;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const count = cmd.uint(ctl, 'count');
  if (count === null) return false;
  if (!count) {
    ctl.error("Can't set 0 processors for a VM");
    return false;
  }
  if (!current && flags === 0) return await ctl.attempt(dom.setVcpus(count)) !== FAIL;
  return await ctl.attempt(dom.setVcpusFlags(count, flags)) !== FAIL;
}

async function cmdShutdown(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = parseModes(ctl, cmd, "'acpi', 'agent', 'initctl', 'signal', or 'paravirt'");
  if (flags === null) return false;
  return domainAction(ctl, cmd, (dom) => (flags ? dom.shutdownFlags(flags) : dom.shutdown()), 'shutdown',
    'is being shutdown');
}

async function cmdStart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd, BY_NAME | BY_UUID);
  if (!r) return false;
  using dom = r.dom;
  if (!isInactive(dom)) {
    ctl.error('Domain is already active');
    return false;
  }
  const fds = passFds(ctl, cmd);
  if (!fds) return false;
  let flags = 0;
  if (cmd.bool('paused')) flags |= Start.PAUSED;
  if (cmd.bool('autodestroy')) flags |= Start.AUTODESTROY;
  if (cmd.bool('bypass-cache')) flags |= Start.BYPASS_CACHE;
  if (cmd.bool('force-boot')) flags |= Start.FORCE_BOOT;
  if (cmd.bool('reset-nvram')) flags |= Start.RESET_NVRAM;
  const create = (f: number) => (fds.length > 0
    ? Promise.reject(unsupported('virDomainCreateWithFiles'))
    : dom.createWithFlags(f));

  let started = false;
  if (flags & Start.FORCE_BOOT) {
    // Force boot can be emulated for servers that reject it.
    if (await ctl.attempt(create(flags)) !== FAIL) {
      started = true;
    } else {
      const code = ctl.lastErrorCode;
      if (code !== ErrorCode.NO_SUPPORT && code !== ErrorCode.INVALID_ARG) {
        ctl.reportError();
        return false;
      }
      ctl.resetError();
      const saved = await ctl.attempt(dom.hasManagedSaveImage(0));
      if (saved === FAIL) {
        ctl.resetError();
      } else if (saved && await ctl.attempt(domainManagedSaveRemove(dom, 0)) === FAIL) {
        ctl.reportError();
        return false;
      }
      flags &= ~Start.FORCE_BOOT;
    }
  }
  if (!started) {
    const rc = await ctl.attempt(fds.length > 0 || flags !== 0 ? create(flags) : dom.create());
    if (rc === FAIL) {
      ctl.error(`Failed to start domain '${dom.getName()}'`);
      return false;
    }
  }
  ctl.printExtra(`Domain '${dom.getName()}' started\n`);
  if (cmd.bool('console')) {
    ctl.saveError(unsupported('virDomainOpenConsole'));
    return false;
  }
  return true;
}

async function cmdSuspend(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  return domainAction(ctl, cmd, (dom) => dom.suspend(), 'suspend', 'suspended');
}

/** vshStringToArray: split on ',' with ',,' as an escaped comma. */
export function stringToArray(str: string): string[] {
  const tmp = str.split(',');
  const out = [tmp[0]!];
  let concat = false;
  for (const n of tmp.slice(1)) {
    if (concat) {
      out[out.length - 1] += `,${n}`;
      concat = false;
      continue;
    }
    if (n === '') concat = true;
    else out.push(n);
  }
  if (concat) out.push('');
  return out;
}

interface UndefineVolume { vol: import('../../api/index.js').StorageVol; source: string; target: string }

/** The first attribute among `names` on the element's `source` child (the XPath union virsh uses). */
function diskSource(disk: XmlElement): string | null {
  const src = disk.children.find((c) => c.name === 'source');
  if (!src) return null;
  for (const a of ['file', 'dir', 'name', 'dev', 'volume']) {
    const v = src.attrs[a];
    if (v !== undefined && v !== '') return v;
  }
  return null;
}

/** The storage volumes `undefine --storage/--remove-all-storage` would remove; null after an error. */
async function undefineVolumes(ctl: Shell, dom: Domain, volString: string | undefined): Promise<UndefineVolume[] | null> {
  const xml = await ctl.attempt(dom.getXMLDesc(0));
  if (xml === FAIL) {
    ctl.error('Failed to get domain description xml');
    return null;
  }
  let root: XmlElement;
  try {
    root = parseXml(xml, '(domain_definition)');
  } catch (e) {
    ctl.saveError(e);
    ctl.error('Failed to parse domain description xml');
    return null;
  }
  const wanted: (string | null)[] | null = volString !== undefined ? stringToArray(volString) : null;
  const vols: UndefineVolume[] = [];
  const devices = root.children.filter((c) => c.name === 'devices');
  for (const disk of devices.flatMap((d) => d.children.filter((c) => c.name === 'disk'))) {
    const target = disk.children.find((c) => c.name === 'target')?.attrs['dev'] ?? '';
    const source = diskSource(disk);
    if (source === null) continue;
    const src = disk.children.find((c) => c.name === 'source');
    const pool = src?.attrs['pool'] || null;
    if (wanted) {
      const j = wanted.findIndex((w) => w !== null && (w === target || w === source));
      if (j < 0) continue;
      wanted[j] = null;
    }
    let vol: import('../../api/index.js').StorageVol | typeof FAIL;
    if (pool) {
      const sp = await ctl.attempt(ctl.c.storagePoolLookupByName(pool));
      if (sp === FAIL) {
        ctl.error(`Storage pool '${pool}' for volume '${target}' not found.`);
        ctl.resetError();
        continue;
      }
      vol = await ctl.attempt(sp.storageVolLookupByName(source));
      sp.free();
    } else {
      vol = await ctl.attempt(ctl.c.storageVolLookupByPath(source));
    }
    if (vol === FAIL) {
      ctl.error(`Storage volume '${target}'(${source}) is not managed by libvirt. Remove it manually.\n`);
      ctl.resetError();
      continue;
    }
    vols.push({ vol, source, target });
  }
  if (wanted) {
    let missing = false;
    for (const w of wanted) {
      if (w === null) continue;
      ctl.error(`Volume '${w}' was not found in domain's definition.\n`);
      missing = true;
    }
    if (missing) {
      for (const v of vols) v.vol.free();
      return null;
    }
  }
  return vols;
}

async function cmdUndefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const managedSave = cmd.bool('managed-save');
  const snapshotsMetadata = cmd.bool('snapshots-metadata');
  const checkpointsMetadata = cmd.bool('checkpoints-metadata');
  const wipeStorage = cmd.bool('wipe-storage');
  const removeAllStorage = cmd.bool('remove-all-storage');
  const deleteSnapshots = cmd.bool('delete-storage-volume-snapshots');
  const nvram = cmd.bool('nvram');
  const keepNvram = cmd.bool('keep-nvram');
  const tpm = cmd.bool('tpm');
  const keepTpm = cmd.bool('keep-tpm');
  if (!requires(ctl, 'delete-storage-volume-snapshots', deleteSnapshots, 'remove-all-storage', removeAllStorage)) return false;
  if (!exclusive(ctl, 'nvram', nvram, 'keep-nvram', keepNvram)) return false;
  if (!exclusive(ctl, 'tpm', tpm, 'keep-tpm', keepTpm)) return false;
  const storage = cmd.stringQuiet('storage');
  const volString = storage.rc === 1 ? storage.value : undefined;
  if (!(volString !== undefined || removeAllStorage) && wipeStorage) {
    ctl.error("'--wipe-storage' requires '--storage <string>' or '--remove-all-storage'");
    return false;
  }
  const volFlags = deleteSnapshots ? VOL_DELETE_WITH_SNAPSHOTS : 0;
  let flags = 0;
  let managedSaveSafe = false;
  let snapshotsSafe = false;
  if (managedSave) {
    flags |= DomainUndefineFlags.MANAGED_SAVE;
    managedSaveSafe = true;
  }
  if (snapshotsMetadata) {
    flags |= DomainUndefineFlags.SNAPSHOTS_METADATA;
    snapshotsSafe = true;
  }
  if (checkpointsMetadata) flags |= DomainUndefineFlags.CHECKPOINTS_METADATA;
  if (nvram) flags |= DomainUndefineFlags.NVRAM;
  if (keepNvram) flags |= DomainUndefineFlags.KEEP_NVRAM;
  if (tpm) flags |= DomainUndefineFlags.TPM;
  if (keepTpm) flags |= DomainUndefineFlags.KEEP_TPM;

  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const name = r.name;
  const fail = () => {
    ctl.reportError();
    return false;
  };
  const running = await ctl.attempt(dom.isActive());
  if (running === FAIL) return fail();
  let hasManagedSave = 0;
  let hasSnapshots = 0;
  let hasSnapshotsMetadata = 0;
  if (!running) {
    // Managed save and snapshot metadata only stand in the way of inactive domains.
    const ms = await ctl.attempt(dom.hasManagedSaveImage(0));
    if (ms === FAIL) {
      if (ctl.lastErrorCode !== ErrorCode.NO_SUPPORT) return fail();
      ctl.resetError();
    } else {
      hasManagedSave = ms ? 1 : 0;
    }
    const ns = await ctl.attempt(dom.snapshotNum(0));
    if (ns === FAIL) {
      if (ctl.lastErrorCode !== ErrorCode.NO_SUPPORT) return fail();
      ctl.resetError();
    } else {
      hasSnapshots = ns;
    }
    if (hasSnapshots) {
      const nm = await ctl.attempt(dom.snapshotNum(SNAPSHOT_LIST_METADATA));
      if (nm === FAIL) {
        ctl.resetError();
        hasSnapshotsMetadata = hasSnapshots;
      } else {
        hasSnapshotsMetadata = nm;
        managedSaveSafe = snapshotsSafe = true;
      }
    }
  }
  if (!hasManagedSave) {
    flags &= ~DomainUndefineFlags.MANAGED_SAVE;
    managedSaveSafe = true;
  }
  if (hasSnapshots === 0) snapshotsSafe = true;
  if (hasSnapshotsMetadata === 0) {
    flags &= ~DomainUndefineFlags.SNAPSHOTS_METADATA;
    snapshotsSafe = true;
  }

  let vols: UndefineVolume[] = [];
  try {
    if (volString !== undefined || removeAllStorage) {
      if (running) {
        ctl.error('Storage volume deletion is supported only on stopped domains');
        return false;
      }
      if (volString !== undefined && removeAllStorage) {
        ctl.error('Specified both --storage and --remove-all-storage');
        return false;
      }
      const found = await undefineVolumes(ctl, dom, volString);
      if (!found) return false;
      vols = found;
    }

    let ok = false;
    let decided = false;
    if ((managedSaveSafe && snapshotsSafe) || nvram) {
      ok = await ctl.attempt(dom.undefineFlags(flags)) !== FAIL;
      const code = ctl.lastErrorCode;
      if (ok || nvram || (code !== ErrorCode.NO_SUPPORT && code !== ErrorCode.INVALID_ARG)) decided = true;
      else ctl.resetError();
    }
    if (!decided) {
      // The flags API is missing or unsafe: do it piece by piece.
      if (hasManagedSave) {
        if (!managedSave) {
          ctl.error('Refusing to undefine while domain managed save image exists');
          return false;
        }
        if (await ctl.attempt(domainManagedSaveRemove(dom, 0)) === FAIL) {
          ctl.reportError();
          return false;
        }
      }
      if (hasSnapshotsMetadata) {
        ctl.error(snapshotsMetadata ? `Unable to remove metadata of ${hasSnapshotsMetadata} snapshots`
          : `Refusing to undefine while ${hasSnapshotsMetadata} snapshots exist`);
        return false;
      }
      ok = await ctl.attempt(dom.undefine()) !== FAIL;
    }
    if (!ok) {
      ctl.error(`Failed to undefine domain '${name}'`);
      return false;
    }
    ctl.printExtra(`Domain '${name}' has been undefined\n`);

    let ret = true;
    for (const v of vols) {
      if (wipeStorage) {
        ctl.printExtra(`Wiping volume '${v.target}'(${v.source}) ... `);
        ctl.saveError(VirtError.report(ErrorCode.NO_SUPPORT, ErrorDomain.STORAGE, 'virStorageVolWipe'));
        ctl.error('Failed! Volume not removed.');
        ret = false;
        continue;
      }
      if (await ctl.attempt(v.vol.delete(volFlags)) === FAIL) {
        ctl.error(`Failed to remove storage volume '${v.target}'(${v.source})`);
        ret = false;
      } else {
        ctl.printExtra(`Volume '${v.target}'(${v.source}) removed.\n`);
      }
    }
    return ret;
  } finally {
    for (const v of vols) v.vol.free();
  }
}

/** virBitmapDataFormat: the set bits of a byte map as ranges ("0-3,6"). */
export function bitmapDataFormat(map: Uint8Array, nbits = map.length * 8): string {
  const isSet = (i: number) => ((map[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
  const parts: string[] = [];
  for (let i = 0; i < nbits; i++) {
    if (!isSet(i)) continue;
    let j = i;
    while (j + 1 < nbits && isSet(j + 1)) j++;
    parts.push(i === j ? String(i) : `${i}-${j}`);
    i = j;
  }
  return parts.join(',');
}

/** virBitmapParse of a cpuset ("0-3,^2,6"): the bits set, or null when malformed. */
function parseCpuset(s: string): Set<number> | null {
  const set = new Set<number>();
  for (const raw of s.split(',')) {
    const part = raw.trim();
    const m = /^(\^)?(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m || (m[1] && m[3] !== undefined)) return null;
    const lo = Number(m[2]);
    const hi = m[3] === undefined ? lo : Number(m[3]);
    if (hi < lo) return null;
    for (let i = lo; i <= hi; i++) {
      if (m[1]) set.delete(i);
      else set.add(i);
    }
  }
  return set;
}

/**
 * virshNodeGetCPUCount: the host's CPU count from virNodeGetCPUMap, else
 * from the node info; FAIL with the error kept.
 */
export async function nodeCPUCount(ctl: Shell): Promise<number | typeof FAIL> {
  const map = await ctl.attempt(ctl.c.nodeGetCPUMap(0));
  if (map !== FAIL) return map.cpus;
  ctl.resetError();
  const info = await ctl.attempt(ctl.c.nodeGetInfo());
  if (info === FAIL) return FAIL;
  return info.nodes * info.sockets * info.cores * info.threads;
}

/**
 * virDomainGetVcpuPinInfo with VIR_DOMAIN_AFFECT_CONFIG for an inactive
 * domain (the API has no such call): each vCPU's <vcpupin> cpuset, else the
 * <vcpu cpuset>, else every host CPU, from the persistent XML.
 */
async function vcpuPinInfoConfig(ctl: Shell, dom: Domain, ncpumaps: number, maplen: number, hostcpus: number):
  Promise<Uint8Array[] | typeof FAIL> {
  const xml = await ctl.attempt(dom.getXMLDesc(DomainXMLFlags.INACTIVE));
  if (xml === FAIL) return FAIL;
  let root: XmlElement;
  try {
    root = parseXml(xml, '(domain_definition)');
  } catch (e) {
    ctl.saveError(e);
    return FAIL;
  }
  const vcpu = root.children.find((c) => c.name === 'vcpu');
  const maxvcpus = vcpu ? Number(vcpu.text.trim()) || 1 : 1;
  const all = new Set<number>(Array.from({ length: hostcpus }, (_, i) => i));
  const defMask = vcpu?.attrs['cpuset'] !== undefined ? parseCpuset(vcpu.attrs['cpuset']) : null;
  const pins = new Map<number, Set<number>>();
  for (const tune of root.children.filter((c) => c.name === 'cputune')) {
    for (const pin of tune.children.filter((c) => c.name === 'vcpupin')) {
      const id = Number(pin.attrs['vcpu']);
      const set = pin.attrs['cpuset'] !== undefined ? parseCpuset(pin.attrs['cpuset']) : null;
      if (Number.isInteger(id) && set) pins.set(id, set);
    }
  }
  const maps: Uint8Array[] = [];
  for (let i = 0; i < maxvcpus && i < ncpumaps; i++) {
    const bits = pins.get(i) ?? defMask ?? all;
    const map = new Uint8Array(maplen);
    for (const b of bits) if (b < maplen * 8) map[b >> 3]! |= 1 << (b & 7);
    maps.push(map);
  }
  return maps;
}

const VCPU_STATES = ['offline', 'running', 'blocked'];

async function cmdVcpuinfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const pretty = cmd.bool('pretty');
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const maxcpu = await nodeCPUCount(ctl);
  if (maxcpu === FAIL) return false;
  const info = await ctl.attempt(dom.getInfo());
  if (info === FAIL) return false;
  const maplen = Math.ceil(maxcpu / 8);
  let vcpus: VcpuInfo[] | null = null;
  let cpumaps: Uint8Array[];
  const got = await ctl.attempt(dom.getVcpus(info.nrVirtCpu, maplen));
  if (got !== FAIL) {
    vcpus = got.info;
    cpumaps = got.cpumaps;
  } else {
    if (info.state !== 5 /* VIR_DOMAIN_SHUTOFF */) return false;
    ctl.resetError();
    const pins = await vcpuPinInfoConfig(ctl, dom, info.nrVirtCpu, maplen, maxcpu);
    if (pins === FAIL) return false;
    cpumaps = pins;
  }
  const ncpus = vcpus ? vcpus.length : cpumaps.length;
  const line = (label: string, value: string) => ctl.print(`${padEnd(label, 15)} ${value}\n`);
  for (let n = 0; n < ncpus; n++) {
    line('VCPU:', String(n));
    const v = vcpus?.[n];
    if (v) {
      line('CPU:', String(v.cpu));
      line('State:', VCPU_STATES[v.state] ?? 'no state');
      if (v.cpu_time !== 0n) line('CPU time:', `${formatFixed(Number(v.cpu_time) / 1e9, 1)}s`);
    } else {
      line('CPU:', 'N/A');
      line('State:', 'N/A');
      line('CPU time', 'N/A');
    }
    const map = cpumaps[n] ?? new Uint8Array(maplen);
    let aff: string;
    if (pretty) {
      aff = `${bitmapDataFormat(map, maplen * 8)} (out of ${maxcpu})`;
    } else {
      aff = '';
      for (let i = 0; i < maxcpu; i++) aff += (map[i >> 3]! & (1 << (i & 7))) !== 0 ? 'y' : '-';
    }
    line('CPU Affinity:', aff);
    if (n < ncpus - 1) ctl.print('\n');
  }
  return true;
}

/** The "Domain Management" commands, in virsh's order. */
export const domainCommands: CmdDef[] = [
  {
    name: 'autostart',
    help: 'autostart a domain',
    desc: 'Configure a domain to be automatically started at boot.',
    options: [
      DOMAIN_OPT,
      { name: 'disable', type: 'bool', help: 'disable autostarting' },
    ],
    run: cmdAutostart,
  },
  {
    name: 'create',
    help: 'create a domain from an XML file',
    desc: 'Create a domain.',
    options: [
      { name: 'file', type: 'data', help: 'file containing an XML domain description', required: true },
      { name: 'console', type: 'bool', help: 'attach to console after creation' },
      { name: 'paused', type: 'bool', help: 'leave the guest paused after creation' },
      { name: 'autodestroy', type: 'bool', help: 'automatically destroy the guest when virsh disconnects' },
      { name: 'pass-fds', type: 'string', help: 'pass file descriptors N,M,... to the guest' },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
      { name: 'reset-nvram', type: 'bool', help: 're-initialize NVRAM from its pristine template' },
    ],
    run: cmdCreate,
  },
  {
    name: 'define',
    help: 'define (but don\'t start) a domain from an XML file',
    desc: 'Define a domain.',
    options: [
      { name: 'file', type: 'data', help: 'file containing an XML domain description', required: true },
      { name: 'validate', type: 'bool', help: 'validate the XML against the schema' },
    ],
    run: cmdDefine,
  },
  {
    name: 'destroy',
    help: 'destroy (stop) a domain',
    desc: 'Forcefully stop a given domain, but leave its resources intact.',
    options: [
      DOMAIN_OPT,
      { name: 'graceful', type: 'bool', help: 'terminate gracefully' },
      { name: 'remove-logs', type: 'bool', help: 'remove domain logs' },
    ],
    run: cmdDestroy,
  },
  {
    name: 'domid',
    help: 'convert a domain name or UUID to domain id',
    desc: '',
    options: [
      { name: 'domain', type: 'data', help: 'domain name or uuid', required: true },
    ],
    run: cmdDomid,
  },
  {
    name: 'domname',
    help: 'convert a domain id or UUID to domain name',
    desc: '',
    options: [
      { name: 'domain', type: 'data', help: 'domain id or uuid', required: true },
    ],
    run: cmdDomname,
  },
  {
    name: 'domuuid',
    help: 'convert a domain name or id to domain UUID',
    desc: '',
    options: [
      { name: 'domain', type: 'data', help: 'domain id or name', required: true },
    ],
    run: cmdDomuuid,
  },
  {
    name: 'dumpxml',
    help: 'domain information in XML',
    desc: 'Output the domain information as an XML dump to stdout.',
    options: [
      DOMAIN_OPT,
      { name: 'inactive', type: 'bool', help: 'show inactive defined XML' },
      { name: 'security-info', type: 'bool', help: 'include security sensitive information in XML dump' },
      { name: 'update-cpu', type: 'bool', help: 'update guest CPU according to host CPU' },
      { name: 'migratable', type: 'bool', help: 'provide XML suitable for migrations' },
      { name: 'xpath', type: 'string', help: 'xpath expression to filter the XML document', reqOpt: true },
      { name: 'wrap', type: 'bool', help: 'wrap xpath results in an common root element' },
    ],
    run: cmdDumpxml,
  },
  {
    name: 'reboot',
    help: 'reboot a domain',
    desc: 'Run a reboot command in the target domain.',
    options: [
      DOMAIN_OPT,
      { name: 'mode', type: 'string', help: 'shutdown mode: acpi|agent|initctl|signal|paravirt' },
    ],
    run: cmdReboot,
  },
  {
    name: 'reset',
    help: 'reset a domain',
    desc: 'Reset the target domain as if by power button',
    options: [
      DOMAIN_OPT,
    ],
    run: cmdReset,
  },
  {
    name: 'resume',
    help: 'resume a domain',
    desc: 'Resume a previously suspended domain.',
    options: [
      DOMAIN_OPT,
    ],
    run: cmdResume,
  },
  {
    name: 'schedinfo',
    help: 'show/set scheduler parameters',
    desc: 'Show/Set scheduler parameters.',
    options: [
      DOMAIN_OPT,
      { name: 'weight', type: 'int', help: 'weight for XEN_CREDIT', reqOpt: true },
      { name: 'cap', type: 'int', help: 'cap for XEN_CREDIT', reqOpt: true },
      { name: 'current', type: 'bool', help: 'get/set current scheduler info' },
      { name: 'config', type: 'bool', help: 'get/set value to be used on next boot' },
      { name: 'live', type: 'bool', help: 'get/set value from running domain' },
      { name: 'set', type: 'argv', help: 'parameter=value' },
    ],
    run: cmdSchedinfo,
  },
  {
    name: 'screenshot',
    help: 'take a screenshot of a current domain console and store it into a file',
    desc: 'screenshot of a current domain console',
    options: [
      DOMAIN_OPT,
      { name: 'file', type: 'string', help: 'where to store the screenshot' },
      { name: 'screen', type: 'int', help: 'ID of a screen to take screenshot of' },
    ],
    run: cmdScreenshot,
  },
  {
    name: 'setmaxmem',
    help: 'change maximum memory limit',
    desc: 'Change the maximum memory allocation limit in the guest domain.',
    options: [
      DOMAIN_OPT,
      { name: 'kilobytes', type: 'alias', help: 'size' },
      { name: 'size', type: 'int', help: 'new maximum memory size, as scaled integer (default KiB)', required: true },
      ...AFFECT_OPTS,
    ],
    run: cmdSetmaxmem,
  },
  {
    name: 'setmem',
    help: 'change memory allocation',
    desc: 'Change the current memory allocation in the guest domain.',
    options: [
      DOMAIN_OPT,
      { name: 'kilobytes', type: 'alias', help: 'size' },
      { name: 'size', type: 'int', help: 'new memory size, as scaled integer (default KiB)', required: true },
      ...AFFECT_OPTS,
    ],
    run: cmdSetmem,
  },
  {
    name: 'setvcpus',
    help: 'change number of virtual CPUs',
    desc: 'Change the number of virtual CPUs in the guest domain.',
    options: [
      DOMAIN_OPT,
      { name: 'count', type: 'int', help: 'number of virtual CPUs', required: true },
      { name: 'maximum', type: 'bool', help: 'set maximum limit on next boot' },
      ...AFFECT_OPTS,
      { name: 'guest', type: 'bool', help: 'modify cpu state in the guest' },
      { name: 'hotpluggable', type: 'bool', help: 'make added vcpus hot(un)pluggable' },
    ],
    run: cmdSetvcpus,
  },
  {
    name: 'shutdown',
    help: 'gracefully shutdown a domain',
    desc: 'Run shutdown in the target domain.',
    options: [
      DOMAIN_OPT,
      { name: 'mode', type: 'string', help: 'shutdown mode: acpi|agent|initctl|signal|paravirt' },
    ],
    run: cmdShutdown,
  },
  {
    name: 'start',
    help: 'start a (previously defined) inactive domain',
    desc: 'Start a domain, either from the last managedsave\n    state, or via a fresh boot if no managedsave state\n    is present.',
    options: [
      { name: 'domain', type: 'data', help: 'name of the inactive domain', required: true },
      { name: 'console', type: 'bool', help: 'attach to console after creation' },
      { name: 'paused', type: 'bool', help: 'leave the guest paused after creation' },
      { name: 'autodestroy', type: 'bool', help: 'automatically destroy the guest when virsh disconnects' },
      { name: 'bypass-cache', type: 'bool', help: 'avoid file system cache when loading' },
      { name: 'force-boot', type: 'bool', help: 'force fresh boot by discarding any managed save' },
      { name: 'pass-fds', type: 'string', help: 'pass file descriptors N,M,... to the guest' },
      { name: 'reset-nvram', type: 'bool', help: 're-initialize NVRAM from its pristine template' },
    ],
    run: cmdStart,
  },
  {
    name: 'suspend',
    help: 'suspend a domain',
    desc: 'Suspend a running domain.',
    options: [
      DOMAIN_OPT,
    ],
    run: cmdSuspend,
  },
  {
    name: 'undefine',
    help: 'undefine a domain',
    desc: 'Undefine an inactive domain, or convert persistent to transient.',
    options: [
      DOMAIN_OPT,
      { name: 'managed-save', type: 'bool', help: 'remove domain managed state file' },
      { name: 'storage', type: 'string', help: 'remove associated storage volumes (comma separated list of targets or source paths) (see domblklist)' },
      { name: 'remove-all-storage', type: 'bool', help: 'remove all associated storage volumes (use with caution)' },
      { name: 'delete-snapshots', type: 'alias', help: 'delete-storage-volume-snapshots' },
      { name: 'delete-storage-volume-snapshots', type: 'bool', help: 'delete snapshots associated with volume(s), requires --remove-all-storage (must be supported by storage driver)' },
      { name: 'wipe-storage', type: 'bool', help: 'wipe data on the removed volumes' },
      { name: 'snapshots-metadata', type: 'bool', help: 'remove all domain snapshot metadata (vm must be inactive)' },
      { name: 'checkpoints-metadata', type: 'bool', help: 'remove all domain checkpoint metadata (vm must be inactive)' },
      { name: 'nvram', type: 'bool', help: 'remove nvram file' },
      { name: 'keep-nvram', type: 'bool', help: 'keep nvram file' },
      { name: 'tpm', type: 'bool', help: 'remove TPM state' },
      { name: 'keep-tpm', type: 'bool', help: 'keep TPM state' },
    ],
    run: cmdUndefine,
  },
  {
    name: 'vcpuinfo',
    help: 'detailed domain vcpu information',
    desc: 'Returns basic information about the domain virtual CPUs.',
    options: [
      DOMAIN_OPT,
      { name: 'pretty', type: 'bool', help: 'return human readable output' },
    ],
    run: cmdVcpuinfo,
  },
];

