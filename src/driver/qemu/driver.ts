/**
 * The QEMU driver (libvirt's src/qemu/qemu_driver.c): `qemu:///system` in a
 * privileged daemon, `qemu:///session` in a user's. Registered in the daemon
 * only (drivers.ts); the library reaches it through the remote driver.
 *
 * start(ctx) is qemuStateInitialize: paths, capabilities of the host's
 * emulator, status XML of running guests (re-adopted with their monitors,
 * process.ts), persistent configs, autostart once per host boot. stop()
 * leaves guests running, as libvirt does. Its connections also serve the
 * storage pool and volume procedures, and storage pool events, through the
 * daemon's storage driver (storage.ts), as libvirtd's hypervisor
 * connections do through its secondary storage driver.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedURI } from '../../uri/index.js';
import {
  GLOBAL_FEATURES, DriverFeature, type Driver, type DriverConnection, type DriverEvent, type DriverLogger, type DomainRef,
  type DriverStartContext, type OpenOptions,
} from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { parseDomainXml, parseDomainXmlAsync, formatDomainDef, type DomainDef } from '../../conf/domain-def.js';
import { getAttr, kid, type XNode } from '../../conf/domain-xml.js';
import type { DomainXMLOption } from '../../conf/domain-xml-option.js';
import { EventBus } from '../test/events.js';
import { getHostname } from '../test/node-hostname.js';
import {
  AffectFlags, DefineFlags, DestroyFlags, DomainEventType as Ev, DomainXMLFlags, EventDefinedDetail, EventStartedDetail,
  EventStoppedDetail, EventSuspendedDetail, EventUndefinedDetail, LIST_DOMAINS_FILTERS_ALL,
  MemoryFlags, RebootFlags, StartFlags, UndefineFlags,
} from '../../conf/domain-constants.js';
import { findQemuBinary, hostArch, loadQemuCaps, type QemuCaps } from './capabilities.js';
import { qemuCapsMethods } from './caps-methods.js';
import { qemuXMLOption } from './domain-conf.js';
import { matchesListFlags } from '../../conf/domain-obj.js';
import { QemuDomainObj, parseStatusXml, PausedReason, persistentXml, rewriteFile, RunningReason, ShutoffReason, St } from './domain-obj.js';
import {
  killPainfully, processCpuTimeNs, ptyPathOf, reconnectProcess, saveStatus, startProcess, stopProcess,
  type ProcessHost, type QemuConfig,
} from './process.js';
import { ConsoleFlags, ConsoleSessions } from './console.js';
import { aliasOf } from './domain-defaults.js';
import { startQemuStorage } from './storage.js';
import { chardevMethods } from './chardev.js';
import { screenshotMethods } from './screenshot.js';
import { qemuHotplugMethods } from './hotplug.js';
import { qemuStatsMethods } from './stats.js';
import { loadSecurityConfig, QemuSecurity, qemuConfFile } from './security-dac.js';
import { qemuStateDirs } from './state-dirs.js';
import type { StoragePoolDir } from '../storage/index.js';

const QEMU = ErrorDomain.QEMU;
const DOM = ErrorDomain.DOMAIN;

/** The directories of qemu_conf.c virQEMUDriverConfigNew for the daemon's base paths. */
export function qemuConfig(ctx: Pick<DriverStartContext, 'privileged' | 'paths'>): QemuConfig {
  const p = ctx.paths;
  if (ctx.privileged) {
    const lib = join(p.stateDir, 'qemu');
    return {
      privileged: true,
      configDir: join(p.configDir, 'qemu'),
      autostartDir: join(p.configDir, 'qemu', 'autostart'),
      stateDir: join(p.runDir, 'qemu'),
      libDir: lib,
      channelTargetDir: join(lib, 'channel', 'target'),
      cacheDir: join(p.cacheDir, 'qemu'),
      logDir: join(p.logDir, 'qemu'),
    };
  }
  const config = join(p.configDir, 'qemu');
  return {
    privileged: false,
    configDir: config,
    autostartDir: join(config, 'autostart'),
    stateDir: join(p.runDir, 'qemu', 'run'),
    libDir: join(config, 'lib'),
    channelTargetDir: join(config, 'channel', 'target'),
    cacheDir: join(p.cacheDir, 'qemu', 'cache'),
    logDir: join(p.cacheDir, 'qemu', 'log'),
  };
}

function notRunning(domain: number = DOM): VirtError {
  return VirtError.report(ErrorCode.OPERATION_INVALID, domain, 'domain is not running');
}

/** The QEMU driver's state (virQEMUDriver): one per daemon. */
export class QemuState implements ProcessHost {
  readonly cfg: QemuConfig;
  readonly xmlopt: DomainXMLOption;
  readonly log: DriverLogger;
  readonly events = new EventBus();
  readonly usedPorts = new Set<number>();
  readonly consoles = new ConsoleSessions();
  /** qemu.conf's security keys and the DAC driver (security-dac.ts). */
  readonly security: QemuSecurity;
  readonly #objs: QemuDomainObj[] = [];
  readonly #caps = new Map<string, QemuCaps>();
  #lastId = 0;
  readonly #inhibit: ((active: boolean) => void) | undefined;
  readonly #lockStateDir: ((dir: string) => () => void) | undefined;
  #unlock: (() => void) | null = null;
  /** Starts in progress: they hold the inhibition from their first step, as qemuProcessInit's nactive does. */
  #starting = 0;
  #inhibited = false;

  constructor(ctx: DriverStartContext) {
    this.cfg = qemuConfig(ctx);
    this.log = ctx.log;
    this.security = new QemuSecurity(loadSecurityConfig({ privileged: ctx.privileged, confFile: qemuConfFile(ctx.paths.configDir) }));
    this.#inhibit = ctx.inhibit?.bind(ctx);
    this.#lockStateDir = ctx.lockStateDir?.bind(ctx);
    this.xmlopt = qemuXMLOption((emu) => this.#caps.get(emu));
  }

  get capsCacheDir(): string {
    return join(this.cfg.cacheDir, 'capabilities');
  }

  async loadCaps(emulator: string): Promise<QemuCaps> {
    const have = this.#caps.get(emulator);
    if (have) return have;
    // The probe runs as QEMU's user too (virQEMUCapsNewForBinaryInternal's runUid/runGid).
    const runAs = this.security.runAs();
    const caps = await loadQemuCaps(emulator, {
      cacheDir: this.capsCacheDir, ...(runAs ? { ...runAs, argvPrefix: this.security.spawnPrefix(runAs) } : {}),
    });
    this.#caps.set(emulator, caps);
    return caps;
  }

  emit(ev: DriverEvent): void {
    this.events.emit(ev);
    // Every start and stop ends in a lifecycle event.
    this.syncInhibit();
  }

  /**
   * Holds the daemon's shutdown inhibition while a guest runs or starts
   * (qemu_process.c: the first of driver->nactive inhibits, the last
   * releases), so a session daemon started with --timeout does not exit
   * under its guests.
   */
  syncInhibit(): void {
    const active = this.#starting > 0 || this.#objs.some((o) => o.isActive);
    if (active === this.#inhibited) return;
    this.#inhibited = active;
    this.#inhibit?.(active);
  }

  /** Gives the inhibition and the driver lock back (daemon stop). */
  releaseInhibit(): void {
    if (this.#inhibited) {
      this.#inhibited = false;
      this.#inhibit?.(false);
    }
    this.#unlock?.();
    this.#unlock = null;
  }

  allocateId(): number {
    return ++this.#lastId;
  }

  removeTransient(vm: QemuDomainObj): void {
    const i = this.#objs.indexOf(vm);
    if (i >= 0) this.#objs.splice(i, 1);
  }

  get objects(): readonly QemuDomainObj[] {
    return this.#objs;
  }

  // ---- start-up (qemuStateInitialize) -------------------------------------------

  async init(): Promise<void> {
    for (const d of qemuStateDirs(this.cfg)) {
      mkdirSync(d.path, { recursive: true, mode: d.mode });
      // virDirCreate sets its mode whatever the umask.
      if (d.mode !== 0o777) chmodSync(d.path, d.mode);
    }
    // Security hook: the dirs QEMU itself writes in belong to its user.
    mkdirSync(this.cfg.channelTargetDir, { recursive: true, mode: 0o755 });
    this.security.chownDriverDirs([this.cfg.libDir, join(this.cfg.channelTargetDir, '..'), this.cfg.channelTargetDir, this.cfg.cacheDir]);
    // The driver lock: one daemon per state dir.
    this.#unlock = this.#lockStateDir?.(this.cfg.stateDir) ?? null;
    // Capabilities are probed (or read from the cache) when first needed:
    // before a document is parsed (#preloadCaps), so a daemon without
    // guests does not make its clients wait for a ~10 s probe.
    // Running guests first (virDomainObjListLoadAllConfigs on the state dir).
    const live: Array<[QemuDomainObj, ReturnType<typeof parseStatusXml>]> = [];
    for (const f of this.#xmlFiles(this.cfg.stateDir)) {
      try {
        const text = readFileSync(f, 'utf8');
        await this.#preloadCaps(text);
        const st = parseStatusXml(text, f, this.xmlopt);
        const vm = new QemuDomainObj(st.def);
        this.#objs.push(vm);
        this.#lastId = Math.max(this.#lastId, st.def.id);
        live.push([vm, st]);
      } catch (e) {
        this.log.error(`Failed to load status file ${f}: ${(e as Error).message}`);
      }
    }
    // Persistent configs.
    for (const f of this.#xmlFiles(this.cfg.configDir)) {
      try {
        const text = readFileSync(f, 'utf8');
        await this.#preloadCaps(text);
        const def = parseDomainXml(text, this.xmlopt, { docName: f });
        const running = this.#objs.find((o) => o.def.uuid === def.uuid);
        if (running) {
          running.newDef = def;
          running.persistent = true;
        } else {
          const vm = new QemuDomainObj(def);
          vm.persistent = true;
          this.#objs.push(vm);
        }
      } catch (e) {
        this.log.error(`Failed to load config file ${f}: ${(e as Error).message}`);
      }
    }
    for (const vm of this.#objs) vm.autostart = existsSync(join(this.cfg.autostartDir, `${vm.def.name}.xml`));
    // Re-adopt the running ones.
    await Promise.all(live.map(([vm, st]) => reconnectProcess(this, vm, st)));
    this.syncInhibit();
    // Autostart once per host boot (virDriverShouldAutostart's marker).
    const marker = join(this.cfg.stateDir, 'autostarted');
    if (!existsSync(marker)) {
      // virFileTouch(path, 0600).
      writeFileSync(marker, '', { mode: 0o600 });
      for (const vm of this.#objs.filter((o) => o.autostart && !o.isActive)) {
        await vm.job(() => this.start(vm, 0)).catch((e: unknown) => {
          this.log.error(`Failed to autostart VM '${vm.def.name}': ${(e as Error).message}`);
        });
      }
    }
  }

  #xmlFiles(dir: string): string[] {
    try {
      return readdirSync(dir).filter((f) => f.endsWith('.xml')).map((f) => join(dir, f));
    } catch {
      return [];
    }
  }

  /** Loads the capabilities of the emulator a document names, so post-parse can use them. */
  async #preloadCaps(xml: string): Promise<void> {
    const m = /<emulator>([^<]+)<\/emulator>/.exec(xml);
    const arch = /<type[^>]*\barch=['"]([^'"]+)['"]/.exec(xml)?.[1] ?? hostArch();
    const emu = m?.[1]?.trim() ?? findQemuBinary(arch);
    if (emu !== undefined && existsSync(emu)) await this.loadCaps(emu).catch(() => undefined);
  }

  // ---- the domain list --------------------------------------------------------

  /** qemuDomainObjFromDomain. */
  lookup(dom: DomainRef): QemuDomainObj {
    const vm = this.#objs.find((o) => o.def.uuid === dom.uuid);
    if (!vm) throw VirtError.report(ErrorCode.NO_DOMAIN, QEMU, `no domain with matching uuid '${dom.uuid}' (${dom.name})`);
    return vm;
  }

  /** virDomainObjListAdd. */
  add(def: DomainDef, opts: { live: boolean }): { vm: QemuDomainObj; old: DomainDef | null } {
    const byUuid = this.#objs.find((o) => o.def.uuid === def.uuid);
    if (byUuid) {
      if (byUuid.def.name !== def.name) {
        throw VirtError.report(ErrorCode.OPERATION_FAILED, DOM,
          `domain '${byUuid.def.name}' is already defined with uuid ${byUuid.def.uuid}`);
      }
      if (opts.live) {
        if (byUuid.isActive) throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM, `domain '${def.name}' is already active`);
        if (!byUuid.persistent) throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM, `domain '${def.name}' is already being started`);
        byUuid.def = def;
        return { vm: byUuid, old: null };
      }
      let old: DomainDef;
      if (byUuid.isActive) {
        old = byUuid.newDef ?? byUuid.def;
        byUuid.newDef = def;
      } else {
        old = byUuid.def;
        byUuid.def = def;
      }
      return { vm: byUuid, old: byUuid.persistent ? old : null };
    }
    const byName = this.#objs.find((o) => o.def.name === def.name);
    if (byName) {
      throw VirtError.report(ErrorCode.OPERATION_FAILED, DOM, `domain '${def.name}' already exists with uuid ${byName.def.uuid}`);
    }
    const vm = new QemuDomainObj(def);
    this.#objs.push(vm);
    return { vm, old: null };
  }

  async parse(xml: string): Promise<DomainDef> {
    await this.#preloadCaps(xml);
    return parseDomainXmlAsync(xml, this.xmlopt);
  }

  configFile(name: string): string {
    return join(this.cfg.configDir, `${name}.xml`);
  }

  autostartLink(name: string): string {
    return join(this.cfg.autostartDir, `${name}.xml`);
  }

  // ---- lifecycle ------------------------------------------------------------------

  /** qemuDomainObjStart + the STARTED event. */
  async start(vm: QemuDomainObj, flags: number): Promise<void> {
    if (vm.isActive) throw VirtError.report(ErrorCode.OPERATION_INVALID, QEMU, 'domain is already running');
    const paused = (flags & StartFlags.PAUSED) !== 0;
    this.#starting++;
    this.syncInhibit();
    try {
      await startProcess(this, vm, { paused });
    } finally {
      this.#starting--;
      this.syncInhibit();
    }
    this.emit({ kind: 'domain-lifecycle', dom: vm.ref(), event: Ev.STARTED, detail: EventStartedDetail.BOOTED });
    if (paused) {
      this.emit({ kind: 'domain-lifecycle', dom: vm.ref(), event: Ev.SUSPENDED, detail: EventSuspendedDetail.PAUSED });
    }
  }

  /** qemuDomainDestroyFlags. */
  async destroy(vm: QemuDomainObj, flags: number): Promise<void> {
    if (!vm.isActive) throw notRunning();
    vm.beingDestroyed = true;
    try {
      // qemuProcessBeginStopJob → qemuProcessKill(FORCE): SIGTERM, SIGKILL after 10 s.
      if (vm.rt) await killPainfully(vm.rt.pid, (flags & DestroyFlags.GRACEFUL) === 0);
      const ref = vm.ref();
      await stopProcess(this, vm, ShutoffReason.DESTROYED);
      this.emit({ kind: 'domain-lifecycle', dom: ref, event: Ev.STOPPED, detail: EventStoppedDetail.DESTROYED });
      if (!vm.persistent) this.removeTransient(vm);
    } finally {
      vm.beingDestroyed = false;
    }
  }
}

/** The contract methods of a QEMU connection over the driver's state. */
function connectionMethods(s: QemuState): Partial<DriverConnection> {
  const caps = qemuCapsMethods({
    cacheDir: s.capsCacheDir,
    secModels: s.security.secModels(),
    privileged: s.cfg.privileged,
  });
  const mon = (vm: QemuDomainObj) => {
    if (!vm.isActive || !vm.monitor) throw notRunning();
    return vm.monitor;
  };
  const qmpError = (e: unknown): VirtError => {
    if (e instanceof VirtError) return e;
    return VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, (e as Error).message);
  };
  const m: Partial<DriverConnection> = {
    ...caps,
    ...chardevMethods(s),
    ...screenshotMethods(s),
    ...qemuHotplugMethods(s),
    ...qemuStatsMethods(s),
    async connectGetType() { return { type: 'QEMU' }; },
    async connectGetVersion() {
      const emu = findQemuBinary(hostArch());
      const c = emu ? await s.loadCaps(emu) : undefined;
      return { hv_ver: c?.version ?? 0 };
    },
    async connectGetHostname() { return { hostname: await getHostname() }; },
    async connectIsSecure() { return { secure: 1 }; },
    async connectIsEncrypted() { return { encrypted: 0 }; },
    async connectIsAlive() { return { alive: 1 }; },
    async connectSupportsFeature({ feature }) {
      return { supported: GLOBAL_FEATURES.has(feature) || feature === DriverFeature.FD_PASSING ? 1 : 0 };
    },
    async connectGetMaxVcpus() { return { max_vcpus: 255 }; },
    async nodeGetSecurityModel() { return s.security.nodeModel(); },

    async connectNumOfDomains() { return { num: s.objects.filter((o) => o.isActive).length }; },
    async connectListDomains({ maxids }) {
      return { ids: s.objects.filter((o) => o.isActive).slice(0, Math.max(0, maxids)).map((o) => o.def.id) };
    },
    async connectNumOfDefinedDomains() { return { num: s.objects.filter((o) => !o.isActive).length }; },
    async connectListDefinedDomains({ maxnames }) {
      return { names: s.objects.filter((o) => !o.isActive).slice(0, Math.max(0, maxnames)).map((o) => o.def.name) };
    },
    async connectListAllDomains({ need_results, flags }) {
      checkFlags(flags, LIST_DOMAINS_FILTERS_ALL, 'qemuConnectListAllDomains', QEMU);
      const list = s.objects.filter((o) => matchesListFlags(o, flags)).map((o) => o.ref());
      return { domains: need_results ? list : [], ret: list.length };
    },
    async domainLookupByID({ id }) {
      const vm = s.objects.find((o) => o.isActive && o.def.id === id);
      if (!vm) throw VirtError.report(ErrorCode.NO_DOMAIN, QEMU, `no domain with matching id ${id}`);
      return { dom: vm.ref() };
    },
    async domainLookupByName({ name }) {
      const vm = s.objects.find((o) => o.def.name === name);
      if (!vm) throw VirtError.report(ErrorCode.NO_DOMAIN, QEMU, `no domain with matching name '${name}'`);
      return { dom: vm.ref() };
    },
    async domainLookupByUUID({ uuid }) {
      const vm = s.objects.find((o) => o.def.uuid === uuid.toLowerCase());
      if (!vm) throw VirtError.report(ErrorCode.NO_DOMAIN, QEMU, `no domain with matching uuid '${uuid.toLowerCase()}'`);
      return { dom: vm.ref() };
    },

    async domainDefineXML({ xml }) { return m.domainDefineXMLFlags!({ xml, flags: 0 }); },
    async domainDefineXMLFlags({ xml, flags }) {
      checkFlags(flags, DefineFlags.VALIDATE, 'qemuDomainDefineXMLFlags', QEMU);
      const def = await s.parse(xml);
      const { vm, old } = s.add(def, { live: false });
      const wasPersistent = vm.persistent;
      vm.persistent = true;
      rewriteFile(s.configFile(def.name), persistentXml(def, s.xmlopt));
      s.emit({ kind: 'domain-lifecycle', dom: vm.ref(), event: Ev.DEFINED,
        detail: old || wasPersistent ? EventDefinedDetail.UPDATED : EventDefinedDetail.ADDED });
      return { dom: vm.ref() };
    },
    async domainUndefine({ dom }) { return m.domainUndefineFlags!({ dom, flags: 0 }); },
    async domainUndefineFlags({ dom, flags }) {
      checkFlags(flags, UndefineFlags.MANAGED_SAVE | UndefineFlags.SNAPSHOTS_METADATA | UndefineFlags.NVRAM
        | UndefineFlags.KEEP_NVRAM | UndefineFlags.CHECKPOINTS_METADATA | UndefineFlags.TPM | UndefineFlags.KEEP_TPM,
      'qemuDomainUndefineFlags', QEMU);
      const vm = s.lookup(dom);
      return vm.job(async () => {
        if (!vm.persistent) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, QEMU, 'cannot undefine transient domain');
        }
        for (const f of [s.configFile(vm.def.name), s.autostartLink(vm.def.name)]) {
          try { unlinkSync(f); } catch { /* not there */ }
        }
        vm.autostart = false;
        s.emit({ kind: 'domain-lifecycle', dom: vm.ref(), event: Ev.UNDEFINED, detail: EventUndefinedDetail.REMOVED });
        if (vm.isActive) {
          vm.persistent = false;
          vm.newDef = null;
        } else {
          s.removeTransient(vm);
        }
      });
    },
    async domainCreate({ dom }) { await m.domainCreateWithFlags!({ dom, flags: 0 }); },
    async domainCreateWithFlags({ dom, flags }) {
      checkFlags(flags, StartFlags.PAUSED | StartFlags.AUTODESTROY | StartFlags.BYPASS_CACHE | StartFlags.FORCE_BOOT
        | StartFlags.RESET_NVRAM, 'qemuDomainCreateWithFlags', QEMU);
      const vm = s.lookup(dom);
      await vm.job(() => s.start(vm, flags));
      return { dom: vm.ref() };
    },
    async domainCreateXML({ xml_desc, flags }) {
      checkFlags(flags, StartFlags.PAUSED | StartFlags.AUTODESTROY | StartFlags.BYPASS_CACHE | StartFlags.VALIDATE
        | StartFlags.RESET_NVRAM, 'qemuDomainCreateXML', QEMU);
      const def = await s.parse(xml_desc);
      const { vm } = s.add(def, { live: true });
      try {
        await vm.job(() => s.start(vm, flags));
      } catch (e) {
        if (!vm.persistent) s.removeTransient(vm);
        throw e;
      }
      return { dom: vm.ref() };
    },
    async domainDestroy({ dom }) { return m.domainDestroyFlags!({ dom, flags: 0 }); },
    async domainDestroyFlags({ dom, flags }) {
      checkFlags(flags, DestroyFlags.GRACEFUL | DestroyFlags.REMOVE_LOGS, 'qemuDomainDestroyFlags', QEMU);
      const vm = s.lookup(dom);
      if (!vm.isActive) throw notRunning();
      // Kill first, outside the job: a stuck job must not block destroy (qemuProcessBeginStopJob).
      vm.beingDestroyed = true;
      if (vm.rt) { try { process.kill(vm.rt.pid, 'SIGTERM'); } catch { /* gone */ } }
      await vm.job(() => s.destroy(vm, flags));
    },
    async domainShutdown({ dom }) { return m.domainShutdownFlags!({ dom, flags: 0 }); },
    async domainShutdownFlags({ dom, flags }) {
      checkFlags(flags, RebootFlags.ACPI_POWER_BTN | RebootFlags.GUEST_AGENT, 'qemuDomainShutdownFlags', QEMU);
      const vm = s.lookup(dom);
      await vm.job(async () => {
        if (!vm.isActive) throw notRunning(QEMU);
        if (vm.state !== St.RUNNING) throw notRunning(QEMU);
        if (flags === RebootFlags.GUEST_AGENT) {
          throw VirtError.report(ErrorCode.AGENT_UNRESPONSIVE, QEMU, 'QEMU guest agent is not configured');
        }
        // qemuDomainShutdownFlagsMonitor: on_poweroff=restart makes it a reboot.
        vm.fakeReboot = vm.def.onPoweroff === 'restart';
        saveStatus(s, vm);
        await mon(vm).execute('system_powerdown').catch((e: unknown) => { throw qmpError(e); });
      });
    },
    async domainReboot({ dom, flags }) {
      checkFlags(flags, RebootFlags.ACPI_POWER_BTN | RebootFlags.GUEST_AGENT, 'qemuDomainReboot', QEMU);
      const vm = s.lookup(dom);
      await vm.job(async () => {
        if (!vm.isActive || vm.state !== St.RUNNING) throw notRunning(QEMU);
        if (flags === RebootFlags.GUEST_AGENT) {
          throw VirtError.report(ErrorCode.AGENT_UNRESPONSIVE, QEMU, 'QEMU guest agent is not configured');
        }
        // qemuDomainRebootMonitor: fakeReboot unless on_reboot says destroy/preserve.
        vm.fakeReboot = !(vm.def.onReboot === 'destroy' || vm.def.onReboot === 'preserve');
        saveStatus(s, vm);
        await mon(vm).execute('system_powerdown').catch((e: unknown) => { throw qmpError(e); });
      });
    },
    async domainReset({ dom, flags }) {
      checkFlags(flags, 0, 'qemuDomainReset', QEMU);
      const vm = s.lookup(dom);
      await vm.job(async () => {
        if (!vm.isActive) throw notRunning();
        await mon(vm).execute('system_reset').catch((e: unknown) => { throw qmpError(e); });
        // qemuDomainReset: a crashed (paused) guest is running again after a reset.
        if (vm.state === St.CRASHED) vm.setState(St.PAUSED, PausedReason.CRASHED);
      });
    },
    async domainSuspend({ dom }) {
      const vm = s.lookup(dom);
      await vm.job(async () => {
        if (!vm.isActive) throw notRunning();
        if (vm.state === St.PAUSED) return;
        vm.pausedReason = PausedReason.USER;
        await mon(vm).execute('stop').catch((e: unknown) => { throw qmpError(e); });
        if (vm.state === St.RUNNING) {
          vm.pausedReason = PausedReason.UNKNOWN;
          vm.setState(St.PAUSED, PausedReason.USER);
          s.emit({ kind: 'domain-lifecycle', dom: vm.ref(), event: Ev.SUSPENDED, detail: EventSuspendedDetail.PAUSED });
        }
        saveStatus(s, vm);
      });
    },
    async domainResume({ dom }) {
      const vm = s.lookup(dom);
      await vm.job(async () => {
        if (!vm.isActive) throw notRunning();
        if (vm.state === St.RUNNING) throw VirtError.report(ErrorCode.OPERATION_INVALID, QEMU, 'domain is already running');
        if (vm.state !== St.PAUSED) throw VirtError.report(ErrorCode.OPERATION_INVALID, QEMU, 'domain is not paused');
        vm.runningReason = RunningReason.UNPAUSED;
        await mon(vm).execute('cont').catch((e: unknown) => { throw qmpError(e); });
        if (vm.state === St.PAUSED) {
          vm.runningReason = RunningReason.UNKNOWN;
          vm.setState(St.RUNNING, RunningReason.UNPAUSED);
          s.emit({ kind: 'domain-lifecycle', dom: vm.ref(), event: Ev.RESUMED, detail: 0 });
        }
        saveStatus(s, vm);
      });
    },
    async domainSetMemory({ dom, memory }) { return m.domainSetMemoryFlags!({ dom, memory, flags: AffectFlags.LIVE }); },
    async domainSetMaxMemory({ dom, memory }) { return m.domainSetMemoryFlags!({ dom, memory, flags: MemoryFlags.MAXIMUM }); },
    async domainSetMemoryFlags({ dom, memory, flags }) {
      checkFlags(flags, AffectFlags.LIVE | AffectFlags.CONFIG | MemoryFlags.MAXIMUM, 'qemuDomainSetMemoryFlags', QEMU);
      const vm = s.lookup(dom);
      await vm.job(async () => {
        let f = flags;
        if ((f & (AffectFlags.LIVE | AffectFlags.CONFIG)) === 0) f |= vm.isActive ? AffectFlags.LIVE : AffectFlags.CONFIG;
        if ((f & AffectFlags.LIVE) && !vm.isActive) throw notRunning();
        if ((f & AffectFlags.CONFIG) && !vm.persistent) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM, 'transient domains do not have any persistent config');
        }
        const persistent = f & AffectFlags.CONFIG ? vm.persistentDef : null;
        if (f & MemoryFlags.MAXIMUM) {
          if (f & AffectFlags.LIVE) {
            throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU, 'cannot resize the maximum memory on an active domain');
          }
          persistent!.memory = memory;
          if (persistent!.currentMemory > memory) persistent!.currentMemory = memory;
        } else {
          const max = (f & AffectFlags.LIVE ? vm.def : persistent!).memory;
          if (memory > max) throw VirtError.report(ErrorCode.INVALID_ARG, QEMU, 'cannot set memory higher than max memory');
          if (f & AffectFlags.LIVE) {
            const balloon = vm.def.devices.list.find((d) => d.kind === 'memballoon');
            if (!balloon || getAttr(balloon.node, 'model') === 'none') {
              throw VirtError.report(ErrorCode.OPERATION_INVALID, QEMU,
                'Unable to change memory of active domain without the balloon device and guest OS balloon driver');
            }
            await mon(vm).execute('balloon', { value: memory * 1024 }).catch((e: unknown) => { throw qmpError(e); });
          }
          if (persistent) persistent.currentMemory = memory;
        }
        if (persistent) rewriteFile(s.configFile(vm.def.name), persistentXml(persistent, s.xmlopt));
      });
    },
    async domainGetInfo({ dom }) {
      const vm = s.lookup(dom);
      return {
        state: vm.state,
        maxMem: vm.def.memory,
        memory: vm.isActive ? vm.def.currentMemory : vm.def.memory,
        nrVirtCpu: vm.def.vcpu.current,
        cpuTime: vm.isActive && vm.rt ? processCpuTimeNs(vm.rt.pid) : 0,
      };
    },
    async domainGetState({ dom, flags }) {
      checkFlags(flags, 0, 'qemuDomainGetState', QEMU);
      const vm = s.lookup(dom);
      return { state: vm.state, reason: vm.reason };
    },
    async domainGetXMLDesc({ dom, flags }) {
      checkFlags(flags, DomainXMLFlags.SECURE | DomainXMLFlags.INACTIVE | DomainXMLFlags.UPDATE_CPU | DomainXMLFlags.MIGRATABLE,
        'qemuDomainGetXMLDesc', QEMU);
      const vm = s.lookup(dom);
      const inactive = (flags & DomainXMLFlags.INACTIVE) !== 0;
      const def = inactive ? vm.persistentDef : vm.def;
      return { xml: formatDomainDef(def, s.xmlopt, { inactive: inactive || !vm.isActive, secure: (flags & DomainXMLFlags.SECURE) !== 0 }) };
    },
    async domainGetOSType({ dom }) { return { type: s.lookup(dom).def.osType }; },
    async domainGetMaxMemory({ dom }) { return { memory: s.lookup(dom).def.memory }; },
    async domainGetAutostart({ dom }) { return { autostart: s.lookup(dom).autostart ? 1 : 0 }; },
    async domainSetAutostart({ dom, autostart }) {
      const vm = s.lookup(dom);
      if (!vm.persistent) throw VirtError.report(ErrorCode.OPERATION_INVALID, QEMU, 'cannot set autostart for transient domain');
      const link = s.autostartLink(vm.def.name);
      if (autostart && !vm.autostart) {
        mkdirSync(s.cfg.autostartDir, { recursive: true, mode: 0o755 });
        try { unlinkSync(link); } catch { /* none */ }
        symlinkSync(s.configFile(vm.def.name), link);
      } else if (!autostart && vm.autostart) {
        try { unlinkSync(link); } catch { /* none */ }
      }
      vm.autostart = !!autostart;
    },
    async domainIsActive({ dom }) { return { active: s.lookup(dom).isActive ? 1 : 0 }; },
    async domainIsPersistent({ dom }) { return { persistent: s.lookup(dom).persistent ? 1 : 0 }; },
    async domainIsUpdated({ dom }) { s.lookup(dom); return { updated: 0 }; },
    async domainHasManagedSaveImage({ dom, flags }) {
      checkFlags(flags, 0, 'qemuDomainHasManagedSaveImage', QEMU);
      s.lookup(dom);
      return { result: 0 };
    },
    async domainGetSecurityLabel({ dom }) {
      const vm = s.lookup(dom);
      return s.security.label(vm.def, vm.isActive);
    },
    async domainGetSecurityLabelList({ dom }) {
      const vm = s.lookup(dom);
      const labels = s.security.labelList(vm.def, vm.isActive);
      return { labels, ret: labels.length };
    },
    async domainGetVcpusFlags({ dom, flags }) {
      const vm = s.lookup(dom);
      return { num: flags & 4 ? vm.def.vcpu.max : vm.def.vcpu.current };
    },
    async domainGetMaxVcpus({ dom }) { return { num: s.lookup(dom).def.vcpu.max }; },
    async domainOpenConsole({ dom, dev_name, flags }, stream) {
      checkFlags(flags, ConsoleFlags.SAFE | ConsoleFlags.FORCE, 'qemuDomainOpenConsole', QEMU);
      const vm = s.lookup(dom);
      if (!vm.isActive) throw notRunning();
      const list = (kind: string) => vm.def.devices.list.filter((d) => d.kind === kind).map((d) => d.node);
      let chr;
      if (dev_name) {
        chr = [...list('console'), ...list('serial'), ...list('parallel')].find((n) => aliasOf(n) === dev_name);
      } else {
        chr = list('console')[0] ?? list('serial')[0];
      }
      if (!chr) throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, `cannot find character device ${dev_name ?? '<null>'}`);
      const path = (getAttr(chr, 'type') ?? 'pty') === 'pty' ? ptyPathOf(chr) ?? ptyOfSerial(vm, chr) : undefined;
      if (path === undefined) {
        throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, `character device ${aliasOf(chr) || (dev_name ?? '')} is not using a PTY`);
      }
      stream.attach(s.consoles.open(path, (flags & ConsoleFlags.FORCE) !== 0));
    },
  };
  return m;
}

/** A console that mirrors a serial port (target type serial) uses that serial's pty. */
function ptyOfSerial(vm: QemuDomainObj, console: XNode): string | undefined {
  if (console.name !== 'console' || (getAttr(kid(console, 'target'), 'type') ?? 'serial') !== 'serial') return undefined;
  const port = getAttr(kid(console, 'target'), 'port') ?? '0';
  const serial = vm.def.devices.list.find((d) => d.kind === 'serial' && (getAttr(kid(d.node, 'target'), 'port') ?? '0') === port);
  return serial ? ptyPathOf(serial.node) : undefined;
}

/** `qemu:///system` and `qemu:///session`, served by the daemon. */
export class QemuDriver implements Driver {
  readonly name = 'QEMU';
  #state: QemuState | null = null;
  #methods: Partial<DriverConnection> | null = null;
  /** The storage driver its connections carry (libvirt's secondary storage driver). */
  #storage: StoragePoolDir | null = null;
  #releaseStorage: (() => void) | null = null;
  #privileged = false;

  accepts(uri: ParsedURI | null): boolean {
    return uri !== null && uri.scheme === 'qemu' && !uri.server && !uri.transport;
  }

  async start(ctx: DriverStartContext): Promise<void> {
    const state = new QemuState(ctx);
    this.#privileged = ctx.privileged;
    try {
      await state.init();
    } catch (e) {
      state.releaseInhibit();
      throw e;
    }
    const storage = await startQemuStorage(ctx);
    this.#state = state;
    this.#storage = storage?.pools ?? null;
    this.#releaseStorage = storage?.release ?? null;
    this.#methods = { ...storage?.pools.methods(), ...connectionMethods(state) };
  }

  async stop(): Promise<void> {
    this.#state?.releaseInhibit();
    this.#releaseStorage?.();
    this.#releaseStorage = null;
    // virStateCleanup: guests keep running; only our monitor connections close.
    for (const vm of this.#state?.objects ?? []) {
      const mon = vm.monitor;
      vm.monitor = null;
      await mon?.close().catch(() => undefined);
    }
    this.#state = null;
    this.#storage = null;
    this.#methods = null;
  }

  async open(uri: ParsedURI | null, opts: OpenOptions): Promise<DriverConnection> {
    checkFlags(opts.flags, 1 | 2, 'qemuConnectOpen', QEMU);
    const state = this.#state;
    const storage = this.#storage;
    if (!state || !this.#methods) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, 'qemu state driver is not active');
    }
    const path = uri?.path ?? '';
    if (this.#privileged) {
      if (path !== '/system' && path !== '/session') {
        throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, `unexpected QEMU URI path '${path}', try qemu:///system`);
      }
    } else if (path !== '/session') {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, `unexpected QEMU URI path '${path}', try qemu:///session`);
    }
    const conn = Object.create(this.#methods) as DriverConnection;
    const unsubs: Array<() => void> = [];
    conn.subscribeEvents = (listener) => {
      const us = [state.events.subscribe(listener)];
      if (storage) us.push(storage.subscribe(listener));
      const u = () => { for (const x of us) x(); };
      unsubs.push(u);
      return u;
    };
    conn.connectClose = async () => {
      for (const u of unsubs.splice(0)) u();
    };
    return conn;
  }
}
