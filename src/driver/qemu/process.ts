/**
 * Starting, stopping and re-adopting QEMU processes (libvirt's
 * src/qemu/qemu_process.c: qemuProcessStart, qemuProcessStop,
 * qemuProcessKill, qemuProcessReconnect) and the monitor event handlers
 * (qemuProcessHandle*). Facts: reference/qemu-driver.md §1, §3.
 *
 * QEMU is spawned detached (its own session) with stdout/stderr on the
 * domain log opened O_APPEND — libvirt's `stdio_handler="file"` mode — so
 * it outlives the daemon; the daemon finds it again from the status XML.
 */
import { spawn } from 'node:child_process';
import { configureTaps, planInterfaces, releaseInterfaces, tapFdsOf, tapOpenerPrefix, type TapPlan } from './interface.js';
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, release } from 'node:os';
import { join } from 'node:path';
import type { DriverEvent, DriverLogger } from '../driver.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { copyDomainDef } from '../../conf/domain-def.js';
import { getAttr, kid, node, setAttr, type XNode } from '../../conf/domain-xml.js';
import type { DomainXMLOption } from '../../conf/domain-xml-option.js';
import { LIB_VERSION_STRING } from '../../version.js';
import { QmpClient, QmpCommandError, type QmpEvent } from './qmp.js';
import type { QemuCaps } from './capabilities.js';
import type { QemuSecurity } from './security-dac.js';
import { buildQemuCommandLine, commandToLogLines, domainShortName } from './command.js';
import { aliasOf, applyQemuDefaults } from './domain-defaults.js';
import { prepareChannelSources, refreshChannelStates, serialChanged, type ChardevInfo } from './chardev.js';
import { handleGuestPanic, type PanicHost } from './panic.js';
import { stampDiskIndexes } from './disk-index.js';
import { updateGuestCpu } from './guest-cpu.js';
import { findDomainCgroup, placeDomain, preparePartition, placeThreads, removeDomainCgroup } from './cgroup.js';
import {
  PausedReason, QemuDomainObj, REASON_NAMES, rewriteFile, RunningReason, ShutoffReason, St, statusXml, type ParsedStatus,
} from './domain-obj.js';
import {
  DomainEventType as Ev, EventResumedDetail, EventStartedDetail, EventStoppedDetail, EventSuspendedDetail,
} from '../../conf/domain-constants.js';

const QEMU = ErrorDomain.QEMU;

/** VIR_DOMAIN_EVENT_SHUTDOWN_* details. */
export const EventShutdownDetail = { FINISHED: 0, GUEST: 1, HOST: 2 } as const;

/** The QEMU driver's directories (virQEMUDriverConfig). */
export interface QemuConfig {
  privileged: boolean;
  /** Persistent XML: /etc/libvirt/qemu, or ~/.config/libvirt/qemu. */
  configDir: string;
  autostartDir: string;
  /** Status XML and pid files: /run/libvirt/qemu, or $XDG_RUNTIME_DIR/libvirt/qemu/run. */
  stateDir: string;
  /** Per-domain dirs: /var/lib/libvirt/qemu, or ~/.config/libvirt/qemu/lib. */
  libDir: string;
  channelTargetDir: string;
  /** /var/cache/libvirt/qemu, or ~/.cache/libvirt/qemu/cache. */
  cacheDir: string;
  /** Domain logs: /var/log/libvirt/qemu, or ~/.cache/libvirt/qemu/log. */
  logDir: string;
}

/** What the process code needs from the driver. */
export interface ProcessHost {
  readonly cfg: QemuConfig;
  readonly xmlopt: DomainXMLOption;
  readonly log: DriverLogger;
  emit(ev: DriverEvent): void;
  loadCaps(emulator: string): Promise<QemuCaps>;
  /** qemuDriverAllocateID. */
  allocateId(): number;
  /** A transient domain's object leaves the list (virDomainObjListRemove). */
  removeTransient(vm: QemuDomainObj): void;
  /** VNC ports handed out and not yet released. */
  readonly usedPorts: Set<number>;
  /** The security drivers (security-dac.ts): labels before spawn, restored after stop. */
  readonly security?: QemuSecurity;
}

// ---- small helpers ------------------------------------------------------------

/** virTimeStringNow: `2026-12-04 10:22:04.798+0000`. */
export function logTimestamp(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} `
    + `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}+0000`;
}

function logPath(h: ProcessHost, name: string): string {
  return join(h.cfg.logDir, `${name}.log`);
}

function appendLog(h: ProcessHost, name: string, text: string): void {
  try {
    // Made at the first log line (0777 less the umask, as libvirt's session makes it).
    mkdirSync(h.cfg.logDir, { recursive: true, mode: 0o777 });
    appendFileSync(logPath(h, name), text, { mode: 0o600 });
  } catch (e) {
    h.log.warn(`Unable to write to domain log of '${name}': ${(e as Error).message}`);
  }
}

/** Whether `pid` is a live process (a zombie counts as gone: its parent just has not reaped it). */
export function isProcessAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** User + system CPU time of a process in nanoseconds (qemuGetProcessInfo: /proc/PID/stat). */
export function processCpuTimeNs(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the comm.
    const ticks = Number(f[11]) + Number(f[12]);
    return Math.round(ticks * 1e9 / 100);
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * virProcessKillPainfullyDelay: SIGTERM, then (with `force`) SIGKILL after
 * 10 s, polling every 200 ms; gives up after 15 s (40 s with force).
 */
export async function killPainfully(pid: number, force: boolean): Promise<void> {
  const deadline = Date.now() + (force ? 40_000 : 15_000);
  const killAt = Date.now() + 10_000;
  let signal: NodeJS.Signals = 'SIGTERM';
  try { process.kill(pid, signal); } catch { return; }
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) {
      throw new VirtError(ErrorCode.SYSTEM_ERROR,
        `Failed to terminate process ${pid} with ${signal}: Device or resource busy`, QEMU);
    }
    if (force && signal === 'SIGTERM' && Date.now() >= killAt) {
      signal = 'SIGKILL';
      try { process.kill(pid, signal); } catch { return; }
    }
    await sleep(200);
  }
}

/** A free TCP port from 5900 up (virPortAllocatorAcquire over the VNC range). */
async function allocateVncPort(used: Set<number>): Promise<number> {
  for (let port = 5900; port < 65536; port++) {
    if (used.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
    });
    if (free) {
      used.add(port);
      return port;
    }
  }
  throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, 'Unable to find an unused port in range \'display\' (5900-65535)');
}

function emitLifecycle(h: ProcessHost, vm: QemuDomainObj, event: number, detail: number): void {
  h.emit({ kind: 'domain-lifecycle', dom: vm.ref(), event, detail });
}

/** qemuDomainSaveStatus. */
export function saveStatus(h: ProcessHost, vm: QemuDomainObj): void {
  if (!vm.rt) return;
  try {
    rewriteFile(join(h.cfg.stateDir, `${vm.def.name}.xml`), statusXml(vm, h.xmlopt));
  } catch (e) {
    h.log.warn(`Failed to save status on vm ${vm.def.name}: ${(e as Error).message}`);
  }
}

function pidFilePath(h: ProcessHost, name: string): string {
  return join(h.cfg.stateDir, `${name}.pid`);
}

// ---- live definition updates ---------------------------------------------------

/** query-chardev: `pty:/dev/pts/N` of each `char<alias>` into the live definition's sources. */
function applyPtyPaths(vm: QemuDomainObj, info: Array<{ label: string; filename: string }>): void {
  const ptys = new Map<string, string>();
  for (const c of info) {
    if (c.label.startsWith('char') && c.filename.startsWith('pty:')) ptys.set(c.label.slice(4), c.filename.slice(4));
  }
  for (const d of vm.def.devices.list) {
    if (d.kind !== 'serial' && d.kind !== 'console' && d.kind !== 'channel' && d.kind !== 'parallel') continue;
    if ((getAttr(d.node, 'type') ?? 'pty') !== 'pty') continue;
    const alias = aliasOf(d.node);
    const path = alias === '' ? undefined : ptys.get(alias);
    if (path === undefined) continue;
    setSourcePath(d.node, path);
    if (d.kind === 'console') setAttr(d.node, 'tty', path);
  }
}

function setSourcePath(n: XNode, path: string): void {
  let src = kid(n, 'source');
  if (!src) {
    src = node('source');
    n.children.unshift(src);
  }
  setAttr(src, 'path', path);
}

/** The pty path of a chardev device in the live definition. */
export function ptyPathOf(n: XNode): string | undefined {
  return getAttr(kid(n, 'source'), 'path');
}

// ---- the monitor ------------------------------------------------------------------

/** qemuConnectMonitor: connect, negotiate, listen for events and EOF. */
async function connectMonitor(h: ProcessHost, vm: QemuDomainObj, path: string): Promise<QmpClient> {
  const mon = await QmpClient.connect(path, {
    onEvent: (ev) => handleEvent(h, vm, ev),
    onClose: () => { void handleMonitorEOF(h, vm, mon); },
  });
  vm.monitor = mon;
  return mon;
}

/**
 * qemuProcessWaitForMonitor: QEMU creates the socket once it is set up;
 * poll until we connect, or QEMU is gone (the log then says why).
 */
async function waitForMonitor(h: ProcessHost, vm: QemuDomainObj, path: string, exited: () => boolean,
  logFrom: number): Promise<QmpClient> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited() || !isProcessAlive(vm.rt!.pid)) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU,
        `process exited while connecting to monitor: ${qemuLogSince(h, vm.def.name, logFrom)}`);
    }
    try {
      return await connectMonitor(h, vm, path);
    } catch (e) {
      if (Date.now() >= deadline) {
        throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU,
          `unable to connect to monitor socket '${path}': ${(e as Error).message}`);
      }
    }
    await sleep(50);
  }
}

function qemuLogSince(h: ProcessHost, name: string, from: number): string {
  try {
    return readFileSync(logPath(h, name)).subarray(from).toString('utf8').trim();
  } catch {
    return '';
  }
}

function handleEvent(h: ProcessHost, vm: QemuDomainObj, ev: QmpEvent): void {
  if (!vm.isActive) return;
  switch (ev.event) {
    case 'SHUTDOWN': {
      // qemuProcessHandleShutdown.
      vm.gotShutdown = true;
      if (vm.state === St.SHUTDOWN) return;
      // A fake reboot's shutdown is transient: no state change, no event (the
      // domain stays running with its reason), unless on_poweroff is not destroy.
      if (vm.fakeReboot && vm.def.onPoweroff === 'destroy') {
        shutdownOrReboot(h, vm);
        return;
      }
      vm.setState(St.SHUTDOWN, 0);
      const guest = ev.data['guest'];
      const detail = guest === true ? EventShutdownDetail.GUEST : guest === false ? EventShutdownDetail.HOST
        : EventShutdownDetail.FINISHED;
      emitLifecycle(h, vm, Ev.SHUTDOWN, detail);
      saveStatus(h, vm);
      shutdownOrReboot(h, vm);
      return;
    }
    case 'STOP': {
      // qemuProcessHandleStop: only a running domain becomes paused here.
      if (vm.state !== St.RUNNING) return;
      // With -no-shutdown QEMU stops after a SHUTDOWN; libvirt ignores that STOP.
      if (vm.gotShutdown) return;
      const reason = vm.pausedReason === PausedReason.UNKNOWN ? PausedReason.UNKNOWN : vm.pausedReason;
      vm.pausedReason = PausedReason.UNKNOWN;
      vm.setState(St.PAUSED, reason);
      emitLifecycle(h, vm, Ev.SUSPENDED, EventSuspendedDetail.PAUSED);
      saveStatus(h, vm);
      return;
    }
    case 'RESUME': {
      // qemuProcessHandleResume.
      if (vm.state !== St.PAUSED) return;
      const reason = vm.runningReason === RunningReason.UNKNOWN ? RunningReason.UNPAUSED : vm.runningReason;
      vm.runningReason = RunningReason.UNKNOWN;
      vm.setState(St.RUNNING, reason);
      emitLifecycle(h, vm, Ev.RESUMED, EventResumedDetail.UNPAUSED);
      saveStatus(h, vm);
      return;
    }
    case 'RESET': {
      // qemuProcessHandleReset: ignored while starting up.
      if (vm.state === St.PAUSED && vm.reason === PausedReason.STARTING_UP) return;
      h.emit({ kind: 'domain-reboot', dom: vm.ref() });
      return;
    }
    case 'GUEST_PANICKED':
      handleGuestPanic(panicHost(h), vm, ev.data);
      return;
    case 'VSERPORT_CHANGE':
      // qemuProcessHandleSerialChanged: the guest opened or closed a virtio port.
      if (serialChanged(vm.def, ev.data)) saveStatus(h, vm);
      return;
    case 'BALLOON_CHANGE': {
      // qemuProcessHandleBalloonChange: the guest reached a new size (bytes → KiB).
      const actual = Math.floor(Number(ev.data['actual'] ?? 0) / 1024);
      vm.def.currentMemory = actual;
      h.emit({ kind: 'event', family: 'domain', eventID: 13, obj: vm.ref(), data: { actual } });
      saveStatus(h, vm);
      return;
    }
    default:
  }
}

/** The process code's side of panic handling (panic.ts). */
function panicHost(h: ProcessHost): PanicHost {
  return {
    emit: (ev) => h.emit(ev),
    saveStatus: (vm) => saveStatus(h, vm),
    stop: (vm, reason) => {
      // qemuProcessStop closes the monitor before it kills QEMU: the
      // SHUTDOWN (host-signal) QEMU then says is never seen.
      const mon = vm.monitor;
      vm.monitor = null;
      mon?.destroy();
      return stopProcess(h, vm, reason);
    },
    reboot: (vm) => shutdownOrReboot(h, vm),
    removeTransient: (vm) => h.removeTransient(vm),
    appendLog: (vm, text) => appendLog(h, vm.def.name, text),
  };
}

/** qemuProcessShutdownOrReboot: a fake reboot, else SIGTERM without waiting. */
function shutdownOrReboot(h: ProcessHost, vm: QemuDomainObj): void {
  const restart = vm.def.onPoweroff === 'restart' || vm.def.onPoweroff === 'rename-restart';
  if (vm.fakeReboot || restart) {
    void vm.job(() => fakeReboot(h, vm)).catch((e: unknown) => {
      h.log.error(`Failed to do fake reboot of ${vm.def.name}: ${(e as Error).message}`);
      if (vm.rt) { try { process.kill(vm.rt.pid, 'SIGTERM'); } catch { /* gone */ } }
    });
    return;
  }
  if (!vm.beingDestroyed && vm.rt) {
    try { process.kill(vm.rt.pid, 'SIGTERM'); } catch { /* already gone */ }
  }
}

/** qemuProcessFakeReboot: system_reset, cont, running again. */
async function fakeReboot(h: ProcessHost, vm: QemuDomainObj): Promise<void> {
  if (!vm.isActive || !vm.monitor) return;
  await vm.monitor.execute('system_reset');
  vm.fakeReboot = false;
  if (!vm.isActive) return;
  // A guest rebooted after a panic (on_crash=restart) runs again as "crashed".
  const reason = vm.state === St.CRASHED ? RunningReason.CRASHED : RunningReason.BOOTED;
  vm.runningReason = reason;
  await vm.monitor.execute('cont');
  vm.gotShutdown = false;
  // qemuProcessStartCPUs leaves the state to the RESUME handler, which only moves a paused
  // domain: one that never left running (its STOP was ignored) keeps its reason.
  if (vm.state !== St.RUNNING) vm.setState(St.RUNNING, reason);
  vm.runningReason = RunningReason.UNKNOWN;
  emitLifecycle(h, vm, Ev.RESUMED, EventResumedDetail.UNPAUSED);
  saveStatus(h, vm);
}

/** qemuProcessHandleMonitorEOF → processMonitorEOFEvent. */
async function handleMonitorEOF(h: ProcessHost, vm: QemuDomainObj, mon: QmpClient): Promise<void> {
  if (vm.monitor !== mon) return;
  await vm.job(async () => {
    if (vm.monitor !== mon || vm.stopped || vm.beingDestroyed) return;
    const clean = vm.gotShutdown;
    h.log.debug(`Monitor connection to ${vm.def.name} ended (${clean ? 'shutdown' : 'crashed'})`);
    const ref = vm.ref();
    await stopProcess(h, vm, clean ? ShutoffReason.SHUTDOWN : ShutoffReason.CRASHED);
    h.emit({ kind: 'domain-lifecycle', dom: ref, event: Ev.STOPPED, detail: clean ? EventStoppedDetail.SHUTDOWN : EventStoppedDetail.FAILED });
    if (!vm.persistent) h.removeTransient(vm);
  });
}

// ---- start ------------------------------------------------------------------------

export interface StartOptions {
  paused: boolean;
}

/**
 * qemuProcessStart: id, live definition, per-domain dirs, command line,
 * QEMU, monitor, pty paths, vCPU threads, balloon, `cont`. The caller
 * emits STARTED; on failure everything is undone (qemuProcessStop with
 * reason failed) and the error is thrown.
 */
export async function startProcess(h: ProcessHost, vm: QemuDomainObj, opts: StartOptions): Promise<void> {
  await h.loadCaps(vm.def.devices.emulator!);
  const id = h.allocateId();
  // virDomainObjSetDefTransient: the live definition is a copy.
  if (vm.persistent && vm.newDef === null) {
    vm.newDef = vm.def;
    vm.def = copyDomainDef(vm.def);
  }
  vm.def.id = id;
  vm.setState(St.PAUSED, PausedReason.STARTING_UP);
  vm.stopped = false;
  vm.gotShutdown = false;
  vm.fakeReboot = false;
  vm.beingDestroyed = false;
  vm.runningReason = RunningReason.UNKNOWN;
  vm.pausedReason = PausedReason.UNKNOWN;
  const short = domainShortName(vm.def, id);
  const libDir = join(h.cfg.libDir, `domain-${short}`);
  const channelTargetDir = join(h.cfg.channelTargetDir, `domain-${short}`);
  const monitorPath = join(libDir, 'monitor.sock');
  vm.rt = { pid: 0, monitorPath, libDir, channelTargetDir, vcpuPids: [] };
  let taps: TapPlan[] = [];
  try {
    // qemuProcessPrepareDomain: the implicit devices, PCI/drive addresses and aliases
    // the command line names (idempotent on an already defaulted definition).
    applyQemuDefaults(vm.def);
    prepareChannelSources(vm.def, channelTargetDir);
    const ports: number[] = [];
    for (const g of vm.def.devices.list.filter((d) => d.kind === 'graphics')) {
      const autoport = getAttr(g.node, 'autoport') === 'yes' || Number(getAttr(g.node, 'port') ?? -1) < 0;
      if (getAttr(g.node, 'type') === 'vnc' && autoport) {
        const port = await allocateVncPort(h.usedPorts);
        ports.push(port);
        setAttr(g.node, 'port', port);
      }
    }
    mkdirSync(libDir, { recursive: true, mode: 0o750 });
    mkdirSync(channelTargetDir, { recursive: true, mode: 0o750 });
    // qemuDomainMasterKeyCreate: 32 random bytes QEMU reads as masterKey0.
    writeFileSync(join(libDir, 'master-key.aes'), randomBytes(32), { mode: 0o600 });
    // qemuProcessPrepareHost's interfaces: the taps QEMU gets as fds.
    taps = planInterfaces(vm.def);
    // Security hook (security-dac.ts): the label, the per-domain dirs and the
    // guest's files for QEMU's user; the argv prefix that runs QEMU as it.
    const runAs = await h.security?.beforeSpawn(vm.def, {
      paths: [libDir, channelTargetDir, join(libDir, 'master-key.aes')],
    }) ?? [];
    const cmd = buildQemuCommandLine(vm.def, {
      id, privileged: h.cfg.privileged, libDir, channelTargetDir, monitor: { path: monitorPath }, graphicsPorts: ports, tapFds: tapFdsOf(taps),
    });
    const caps = await h.loadCaps(vm.def.devices.emulator!);
    // qemuLogOperation: header, then the environment and argv.
    const v = caps.version;
    const qemuVersion = `${Math.floor(v / 1_000_000)}.${Math.floor(v / 1000) % 1000}.${v % 1000}${caps.package}`;
    appendLog(h, vm.def.name, `${logTimestamp()}: starting up libvirt version: ${LIB_VERSION_STRING}, package: tsvirt, `
      + `qemu version: ${qemuVersion}, kernel: ${release()}, hostname: ${hostname()}\n${commandToLogLines(cmd)}\n`);
    // qemuInitCgroup (cgroup.ts), which libvirt runs in the forked child before exec: the live
    // definition's partition, which must exist (but /machine).
    if (h.cfg.privileged) preparePartition(vm.def);
    const logFd = openSync(logPath(h, vm.def.name), 'a', 0o600);
    let logFrom = 0;
    try { logFrom = readFileSync(logPath(h, vm.def.name)).length; } catch { /* empty */ }
    let exited = false;
    let child;
    try {
      const argv = [...tapOpenerPrefix(taps), ...runAs, ...cmd.argv];
      child = spawn(argv[0]!, argv.slice(1), {
        env: Object.fromEntries(cmd.env), detached: true, stdio: ['ignore', logFd, logFd], cwd: '/',
      });
    } finally {
      closeSync(logFd);
    }
    const spawned = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!));
      child.once('error', (e) => reject(VirtError.report(ErrorCode.SYSTEM_ERROR, QEMU,
        `Cannot run ${cmd.argv[0]}: ${e.message}`)));
    });
    child.once('exit', () => { exited = true; });
    child.unref();
    vm.rt.pid = spawned;
    // qemuSetupCgroup (cgroup.ts): the privileged daemon places QEMU in its groups.
    const cgroup = h.cfg.privileged ? placeDomain(vm, vm.def, id, spawned) : undefined;
    // virPidFileWritePath: the pid, no newline.
    writeFileSync(pidFilePath(h, vm.def.name), String(spawned), { mode: 0o644 });
    saveStatus(h, vm);
    const mon = await waitForMonitor(h, vm, monitorPath, () => exited, logFrom);
    await configureTaps(taps);
    await mon.execute('query-migrate-capabilities').catch(() => undefined);
    const chardevs = await mon.execute<ChardevInfo[]>('query-chardev');
    applyPtyPaths(vm, chardevs);
    refreshChannelStates(vm.def, chardevs);
    const cpus = await mon.execute<Array<{ 'thread-id': number; 'qom-path'?: string }>>('query-cpus-fast').catch(() => []);
    vm.rt.vcpuPids = cpus.map((c) => c['thread-id']);
    if (cgroup) placeThreads(cgroup, spawned, vm.rt.vcpuPids);
    const qomPath = cpus[0]?.['qom-path'];
    if (qomPath !== undefined) await updateGuestCpu(mon, vm.def, qomPath);
    stampDiskIndexes(vm);
    const balloon = vm.def.devices.list.find((d) => d.kind === 'memballoon');
    if (balloon && getAttr(balloon.node, 'model') !== 'none') {
      // qemuProcessSetupBalloon: the balloon target is the current memory.
      await mon.execute('balloon', { value: vm.def.currentMemory * 1024 });
    }
    saveStatus(h, vm);
    if (opts.paused) {
      vm.setState(St.PAUSED, PausedReason.USER);
    } else {
      // qemuProcessStartCPUs: the RESUME event (or this) makes it running (booted).
      vm.runningReason = RunningReason.BOOTED;
      await mon.execute('cont');
      if (vm.state === St.PAUSED) {
        vm.setState(St.RUNNING, RunningReason.BOOTED);
        emitLifecycle(h, vm, Ev.RESUMED, EventResumedDetail.UNPAUSED);
      }
    }
    saveStatus(h, vm);
  } catch (e) {
    await stopProcess(h, vm, ShutoffReason.FAILED).catch(() => undefined);
    throw e instanceof VirtError ? e : VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU,
      e instanceof QmpCommandError ? `unable to execute QEMU command '${e.command}': ${e.desc}` : (e as Error).message);
  }
}

/** The lifecycle event detail of a start (EventStartedDetail.BOOTED). */
export const STARTED_BOOTED = { event: Ev.STARTED, detail: EventStartedDetail.BOOTED };

// ---- stop -------------------------------------------------------------------------

/**
 * qemuProcessStop: log the reason, make sure QEMU is gone, close the
 * monitor, remove pid file, status XML and per-domain dirs, and go back to
 * the persistent definition in state shut off (reason). Events are the
 * caller's.
 */
export async function stopProcess(h: ProcessHost, vm: QemuDomainObj, reason: number, opts: { kill?: boolean } = {}): Promise<void> {
  if (vm.stopped) return;
  vm.stopped = true;
  const name = vm.def.name;
  appendLog(h, name, `${logTimestamp()}: shutting down, reason=${REASON_NAMES[St.SHUTOFF]![reason] ?? 'unknown'}\n`);
  const rt = vm.rt;
  if (rt && rt.pid > 0 && opts.kill !== false) await killPainfully(rt.pid, true).catch((e: unknown) => h.log.warn((e as Error).message));
  const mon = vm.monitor;
  vm.monitor = null;
  mon?.destroy();
  // qemuRemoveCgroup (cgroup.ts).
  for (const err of await removeDomainCgroup(vm)) h.log.warn(err);
  // Security hook (security-dac.ts): give the guest's files back.
  await h.security?.afterStop(vm.def).catch((e: unknown) => h.log.warn(`Unable to restore security labels of ${name}: ${(e as Error).message}`));
  for (const f of [pidFilePath(h, name), join(h.cfg.stateDir, `${name}.xml`)]) {
    try { unlinkSync(f); } catch { /* not there */ }
  }
  releaseInterfaces(vm.def);
  if (rt) {
    rmSync(rt.libDir, { recursive: true, force: true });
    rmSync(rt.channelTargetDir, { recursive: true, force: true });
  }
  for (const g of vm.def.devices.list.filter((d) => d.kind === 'graphics')) {
    const port = Number(getAttr(g.node, 'port') ?? -1);
    if (getAttr(g.node, 'autoport') === 'yes') h.usedPorts.delete(port);
  }
  vm.rt = null;
  if (vm.newDef) {
    vm.def = vm.newDef;
    vm.newDef = null;
  }
  vm.def.id = -1;
  vm.setState(St.SHUTOFF, reason);
}

// ---- reconnect -----------------------------------------------------------------------

function cmdlineHas(pid: number, needle: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(needle);
  } catch {
    return false;
  }
}

/**
 * qemuProcessReconnect: re-adopt a QEMU found in the status XML. Its
 * monitor is connected again and asked for its state; a QEMU that is gone
 * (or cannot be reached) is stopped as crashed, one that shut down while
 * the daemon was away is finished off.
 */
export async function reconnectProcess(h: ProcessHost, vm: QemuDomainObj, st: ParsedStatus): Promise<void> {
  vm.rt = st.rt;
  vm.setState(st.state, st.reason);
  vm.stopped = false;
  vm.fakeReboot = st.fakeReboot;
  vm.gotShutdown = st.gotShutdown;
  const pid = st.rt.pid;
  // A pid that now belongs to another process must never be killed.
  let isOurs = false;
  try {
    isOurs = isProcessAlive(pid) && cmdlineHas(pid, `guest=${vm.def.name.replace(/,/g, ',,')},debug-threads=on`);
    if (!isOurs) throw new Error(`QEMU process ${pid} is gone`);
    // qemuConnectCgroup (cgroup.ts): its groups, for stats and removal at stop.
    if (h.cfg.privileged) findDomainCgroup(vm, vm.def, pid);
    const mon = await connectMonitor(h, vm, st.rt.monitorPath);
    await mon.execute('query-migrate-capabilities').catch(() => undefined);
    // qemuProcessUpdateState.
    const status = await mon.execute<{ status: string; running: boolean }>('query-status');
    if (status.status === 'shutdown' || status.status === 'guest-panicked') {
      // It shut down (with -no-shutdown it waits paused) while we were away.
      vm.gotShutdown = true;
      if (vm.state !== St.SHUTDOWN) vm.setState(St.SHUTDOWN, 0);
      try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
    } else if (status.running && vm.state !== St.RUNNING) {
      vm.setState(St.RUNNING, RunningReason.UNPAUSED);
    } else if (!status.running && vm.state === St.RUNNING) {
      vm.setState(St.PAUSED, PausedReason.UNKNOWN);
    }
    const cpus = await mon.execute<Array<{ 'thread-id': number }>>('query-cpus-fast').catch(() => []);
    if (cpus.length > 0) vm.rt.vcpuPids = cpus.map((c) => c['thread-id']);
    const chardevs = await mon.execute<ChardevInfo[]>('query-chardev');
    applyPtyPaths(vm, chardevs);
    refreshChannelStates(vm.def, chardevs);
    for (const g of vm.def.devices.list.filter((d) => d.kind === 'graphics')) {
      if (getAttr(g.node, 'autoport') === 'yes') h.usedPorts.add(Number(getAttr(g.node, 'port') ?? -1));
    }
    saveStatus(h, vm);
  } catch (e) {
    h.log.error(`Failed to reconnect to domain ${vm.def.name}: ${(e as Error).message}`);
    const ref = vm.ref();
    // qemuProcessReconnect's error path: with -no-shutdown, a lost monitor means it crashed.
    await stopProcess(h, vm, ShutoffReason.CRASHED, { kill: isOurs });
    h.emit({ kind: 'domain-lifecycle', dom: ref, event: Ev.STOPPED, detail: EventStoppedDetail.FAILED });
    if (!vm.persistent) h.removeTransient(vm);
  }
}
