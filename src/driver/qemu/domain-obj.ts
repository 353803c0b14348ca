/**
 * A QEMU domain object (virDomainObj + qemuDomainObjPrivate): its
 * definitions, state, the running QEMU's pid and monitor, and the files
 * libvirt keeps for it — the persistent XML (`<configDir>/NAME.xml`) and the
 * status XML (`<stateDir>/NAME.xml`, `<domstatus>`), both with libvirt's
 * "auto-generated file" comment (virDomainDefSave / virDomainObjSave via
 * virXMLSaveFile).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { children, escapeXml, parseXml } from '../../util/xml.js';
import { formatDomainDef, parseDomainElement, type DomainDef } from '../../conf/domain-def.js';
import { DomainObjBase } from '../../conf/domain-obj.js';
import type { DomainXMLOption } from '../../conf/domain-xml-option.js';
import type { QmpClient } from './qmp.js';
import { DomainState as St, PausedReason, RunningReason, ShutoffReason } from '../../conf/domain-constants.js';

export { St };

/** virDomainStateTypeToString. */
export const STATE_NAMES = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'];

/** virDomain*ReasonTypeToString, per state (the names status XML uses). */
export const REASON_NAMES: Record<number, readonly string[]> = {
  [St.NOSTATE]: ['unknown'],
  [St.RUNNING]: ['unknown', 'booted', 'migrated', 'restored', 'from snapshot', 'unpaused', 'migration canceled',
    'save canceled', 'wakeup', 'crashed', 'post-copy', 'post-copy failed'],
  [St.BLOCKED]: ['unknown'],
  [St.PAUSED]: ['unknown', 'user', 'migration', 'save', 'dump', 'ioerror', 'watchdog', 'from snapshot', 'shutdown',
    'snapshot', 'panicked', 'starting up', 'post-copy', 'post-copy failed', 'api error'],
  [St.SHUTDOWN]: ['unknown', 'user'],
  [St.SHUTOFF]: ['unknown', 'shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'from snapshot', 'daemon'],
  [St.CRASHED]: ['unknown', 'panicked'],
  [St.PMSUSPENDED]: ['unknown'],
};

export { PausedReason, RunningReason, ShutoffReason };

/** A running QEMU's runtime facts (qemuDomainObjPrivate), saved in the status XML. */
export interface QemuRuntime {
  pid: number;
  monitorPath: string;
  libDir: string;
  channelTargetDir: string;
  vcpuPids: number[];
}

/** virDomainObj with the QEMU driver's private data (qemuDomainObjPrivate). */
export class QemuDomainObj extends DomainObjBase {
  rt: QemuRuntime | null = null;
  monitor: QmpClient | null = null;
  /** QEMU said SHUTDOWN (priv->gotShutdown): an EOF then is a clean stop. */
  gotShutdown = false;
  /** A reboot through ACPI is in progress (priv->fakeReboot). */
  fakeReboot = false;
  /** destroy is killing it (priv->beingDestroyed): the EOF is the destroy's to handle. */
  beingDestroyed = false;
  /** The reason the next RESUME/STOP event stands for (priv->runningReason / pausedReason). */
  runningReason: number = RunningReason.UNKNOWN;
  pausedReason: number = PausedReason.UNKNOWN;
  /** Set once qemuProcessStop ran for this run, so EOF and destroy do not both stop it. */
  stopped = true;
  #job: Promise<unknown> = Promise.resolve();

  /** The persistent definition (newDef while running). */
  get persistentDef(): DomainDef {
    return this.newDef ?? this.def;
  }

  /**
   * Runs `fn` as a job (qemuDomainObjBeginJob): jobs of one domain run one
   * after the other, as libvirt's job lock makes them.
   */
  job<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#job.then(fn, fn);
    this.#job = run.catch(() => undefined);
    return run;
  }
}

/**
 * virXMLPickShellSafeComment: the first of the strings that a shell would
 * take as one word and an XML comment can hold (no `--`).
 */
function shellSafe(...candidates: string[]): string | undefined {
  return candidates.find((s) => !/[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/.test(s) && !s.includes('--'));
}

/** virXMLSaveFile's warning comment, as libvirt writes it above saved definitions (name, else UUID). */
export function savedFileHeader(name: string, uuid: string): string {
  const id = shellSafe(name, uuid);
  return '<!--\n'
    + 'WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n'
    + 'OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n'
    + `  virsh edit${id === undefined ? '' : ` ${id}`}\n`
    + 'or other application using the libvirt API.\n'
    + '-->\n\n';
}

/** Writes `text` to `path` atomically with `mode` (virFileRewrite). */
export function rewriteFile(path: string, text: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = `${path}.new`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

/** The persistent config file's text (virDomainDefSave with VIR_DOMAIN_DEF_FORMAT_SECURE). */
export function persistentXml(def: DomainDef, xmlopt: DomainXMLOption): string {
  return savedFileHeader(def.name, def.uuid) + formatDomainDef(def, xmlopt, { inactive: true, secure: true });
}

/** The status file's text (virDomainObjFormat with qemuDomainObjPrivateXMLFormat, the parts tsvirt keeps). */
export function statusXml(vm: QemuDomainObj, xmlopt: DomainXMLOption): string {
  const rt = vm.rt!;
  const e = escapeXml;
  const lines = [
    `<domstatus state='${STATE_NAMES[vm.state]}' reason='${REASON_NAMES[vm.state]?.[vm.reason] ?? 'unknown'}' pid='${rt.pid}'>`,
    `  <monitor path='${e(rt.monitorPath)}' type='unix'/>`,
  ];
  if (rt.vcpuPids.length > 0) {
    lines.push('  <vcpus>');
    rt.vcpuPids.forEach((p, i) => lines.push(`    <vcpu id='${i}' pid='${p}'/>`));
    lines.push('  </vcpus>');
  }
  lines.push(`  <libDir path='${e(rt.libDir)}'/>`, `  <channelTargetDir path='${e(rt.channelTargetDir)}'/>`);
  if (vm.fakeReboot) lines.push('  <fakereboot/>');
  if (vm.gotShutdown) lines.push('  <gotShutdown/>');
  return `${savedFileHeader(vm.def.name, vm.def.uuid)}${lines.join('\n')}\n`
    + formatDomainDef(vm.def, xmlopt, { inactive: false, secure: true }, 1)
    + '</domstatus>\n';
}

/** A status file read back (virDomainObjParseFile with VIR_DOMAIN_DEF_PARSE_STATUS). */
export interface ParsedStatus {
  def: DomainDef;
  state: number;
  reason: number;
  rt: QemuRuntime;
  fakeReboot: boolean;
  gotShutdown: boolean;
}

export function parseStatusXml(text: string, path: string, xmlopt: DomainXMLOption): ParsedStatus {
  const root = parseXml(text, path, ErrorDomain.DOMAIN);
  if (root.name !== 'domstatus') {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.DOMAIN, `expecting root element of 'domstatus', not '${root.name}'`);
  }
  const state = Math.max(0, STATE_NAMES.indexOf(root.attrs['state'] ?? ''));
  const reason = Math.max(0, REASON_NAMES[state]?.indexOf(root.attrs['reason'] ?? '') ?? 0);
  const pid = Number(root.attrs['pid'] ?? 0);
  const one = (n: string) => children(root, n)[0];
  const domEl = one('domain');
  if (!domEl) throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.DOMAIN, 'no domain config');
  const def = parseDomainElement(domEl, xmlopt, { status: true });
  const vcpuPids = children(one('vcpus'), 'vcpu')
    .map((v) => Number(v.attrs['pid'] ?? 0));
  return {
    def, state, reason,
    rt: {
      pid,
      monitorPath: one('monitor')?.attrs['path'] ?? '',
      libDir: one('libDir')?.attrs['path'] ?? '',
      channelTargetDir: one('channelTargetDir')?.attrs['path'] ?? '',
      vcpuPids,
    },
    fakeReboot: one('fakereboot') !== undefined,
    gotShutdown: one('gotShutdown') !== undefined,
  };
}

