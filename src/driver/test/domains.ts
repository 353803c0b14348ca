/**
 * The test driver's domains: libvirt 9.0's src/test/test_driver.c domain and
 * snapshot APIs over an in-memory list, with the same state changes, error
 * codes and messages, and lifecycle events.
 */
import { isAbsolute, join } from 'node:path';
import type { DomainRef, DomainStatsRecord, DriverConnection, SnapshotRef, TypedParam, VcpuInfo } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { children, parseXml, type XmlElement } from '../../util/xml.js';
import type { TestHost } from './host.js';
import {
  AffectFlags, DefineFlags, DestroyFlags, DomainEventType as Ev, DomainState as St, DomainXMLFlags,
  EventDefinedDetail, EventResumedDetail, EventStartedDetail, EventStoppedDetail, EventSuspendedDetail,
  EventUndefinedDetail, GetAllStatsFlags, LIST_DOMAINS_FILTERS_ALL, ListDomainsFlags as LF, MEMORY_STAT_NR, MemoryFlags,
  MemoryStatTag as MS, MessageType, PausedReason, RebootFlags, RunningReason, SNAPSHOT_FILTERS_ALL, ShutoffReason,
  SnapshotCreateFlags as SC, SnapshotDeleteFlags as SD, SnapshotListFlags as SL, SnapshotRevertFlags as SR,
  SnapshotXMLFlags, StartFlags, StatsTypes, TypedParamType, UndefineFlags, VcpuFlags, VcpuState,
} from '../../conf/domain-constants.js';
import {
  CPUMASK_LEN,
  copyDevicesAsync, copyDomainDef, formatDomainDef, formatDomainDefAsync, formatMetadataAhead,
  parseDomainElement, parseDomainXmlAsync, type DomainDef,
} from '../../conf/domain-def.js';
import type { Devices } from '../../conf/domain-devices.js';
import { getAttr, kid, kids, type XNode } from '../../conf/domain-xml.js';
import { readReferencedFile } from './node-host-file.js';
import { initIOThreadStats, iothreadStatsParams } from './iothread-stats.js';
import { maxCpus, type NodeInfo } from './node.js';
import { SCREENSHOT_MIME, testScreenshot } from './domain-screenshot.js';
import { bytesStreamDriver } from '../stream.js';
import {
  alignSnapshotDisks, formatSnapshotDef, parseSnapshotXml, SnapshotList, SnapshotState, type SnapshotDef,
  type SnapshotObj,
} from './snapshot.js';
import type { CheckpointDef } from './checkpoint.js';
import { MomentList } from './moment-list.js';
import { DomainObjBase, matchesListFlags } from '../../conf/domain-obj.js';
import { testXMLOption, generateIfnames } from './domain-conf.js';

const TEST = ErrorDomain.TEST;
const DOM = ErrorDomain.DOMAIN;
const SNAP = ErrorDomain.DOMAIN_SNAPSHOT;

/** testConnectGetMaxVcpus. */
const MAX_VCPUS = 32;

/**
 * Definitions with more devices than this are formatted (dumpxml) and
 * copied (start) in slices, with the event loop turning between them;
 * smaller ones at once, which is cheaper.
 */
const SLICED_DEVICES = 2000;

/** testDomainObjPrivateAlloc: the guest clock every domain object starts with (1989-11-17 15:32:00 UTC). */
const TEST_GUEST_TIME = 627319920;

/** testDomainGetBlockInfo's fixed answer (bytes). */
const BLOCK_INFO = { capacity: 1099506450432, allocation: 1099511627776, physical: 1099511627776 } as const;

/** The domain list filters testConnectGetAllDomainStats honours (active, persistent, state). */
const STATS_LIST_FILTERS = LF.ACTIVE | LF.INACTIVE | LF.PERSISTENT | LF.TRANSIENT | LF.RUNNING | LF.PAUSED
  | LF.SHUTOFF | LF.OTHER;
/** The stats groups the 9.0 test driver has workers for (IOTHREAD: see iothread-stats.ts). */
const STATS_SUPPORTED = StatsTypes.STATE | StatsTypes.IOTHREAD;

/** virDomainTaintFlags numbering and virDomainTaintMessage texts. */
const Taint = { HIGH_PRIVILEGES: 2, SHELL_SCRIPTS: 3, CDROM_PASSTHROUGH: 8, CUSTOM_DTB: 9, DEPRECATED_CONFIG: 12 };
const TAINT_MESSAGES: Record<number, string> = {
  0: 'custom configuration parameters specified',
  1: 'custom monitor control commands issued',
  2: 'running with undesirable elevated privileges',
  3: 'network configuration using opaque shell scripts',
  4: 'potentially unsafe disk format probing',
  5: 'managing externally launched configuration',
  6: 'potentially unsafe use of host CPU passthrough',
  7: 'configuration potentially modified by hook script',
  8: 'use of host cdrom passthrough',
  9: 'custom device tree blob used',
  10: 'custom guest agent control commands issued',
  11: 'hypervisor feature autodetection override',
  12: 'use of deprecated configuration settings',
  13: 'custom device configuration',
};

/** virDomainObj with the test driver's private data. */
export class DomainObj extends DomainObjBase {
  hasManagedSave = false;
  readonly snapshots = new SnapshotList();
  /** vm->checkpoints; the APIs are in checkpoint.ts. */
  readonly checkpoints = new MomentList<CheckpointDef>();
  taint = 0;
  readonly deprecations: string[] = [];
  /** The guest clock of virDomainGetTime (testDomainObjPrivate seconds/nseconds). */
  timeSeconds = TEST_GUEST_TIME;
  timeNseconds = 0;
}

/** virReportError with a code errors.ts has no template for. */
function rawError(code: number, domain: number, message: string, str1: string, detail: string | null): VirtError {
  return new VirtError(code, message, domain, { str1, str2: detail });
}

function notRunning(): VirtError {
  return VirtError.report(ErrorCode.OPERATION_INVALID, DOM, 'domain is not running');
}

/** The domain part of a test host (testDriver's `domains` list). */
export class DomainStore {
  readonly #objs: DomainObj[] = [];
  #nextId = 1;

  constructor(readonly host: TestHost) {}

  /** All domain objects, in definition order. */
  get objects(): readonly DomainObj[] {
    return this.#objs;
  }

  // -------------------------------------------------------------------------
  // Loading a host definition (testParseDomains).

  /** Loads this part of a `<node>` host definition (baseDir resolves relative file= references). */
  load(root: XmlElement, baseDir: string): void {
    const inheritedNs: Record<string, string> = {};
    for (const [k, v] of Object.entries(root.attrs)) if (k.startsWith('xmlns:')) inheritedNs[k.slice(6)] = v;
    for (const el of children(root, 'domain')) {
      const domEl = this.#maybeFromFile(el, baseDir);
      const def = parseDomainElement(domEl, testXMLOption, { inheritedNs });
      generateIfnames(def);
      const { obj } = this.#add(def, {});
      initIOThreadStats(obj, def);
      const ns = def.ns;
      this.#loadSnapshots(obj, ns?.snapshots ?? [], baseDir, inheritedNs);
      obj.persistent = !(ns?.transient ?? false);
      obj.hasManagedSave = ns?.hasManagedSave ?? false;
      const runstate = ns?.runstate ?? St.RUNNING;
      if (runstate !== St.SHUTOFF) this.#startState(obj, RunningReason.BOOTED);
      else this.#shutdownState(obj, ShutoffReason.UNKNOWN);
      obj.setState(runstate, 0);
      checkTaint(obj);
    }
  }

  /** testParseXMLDocFromFile: `<x file='…'/>` stands for the file's root element. */
  #maybeFromFile(el: XmlElement, baseDir: string): XmlElement {
    const file = el.attrs['file'];
    if (file === undefined) return el;
    const path = isAbsolute(file) ? file : join(baseDir, file);
    return parseXml(readReferencedFile(path, ErrorDomain.XML), path, ErrorDomain.TEST);
  }

  #loadSnapshots(obj: DomainObj, nodes: XmlElement[], baseDir: string, ns: Record<string, string>): void {
    for (const n of nodes) {
      let el = this.#maybeFromFile(n, baseDir);
      const local = el.name.includes(':') ? el.name.slice(el.name.indexOf(':') + 1) : el.name;
      el = { ...el, name: local };
      const { def, current } = parseSnapshotXml(el, { redefine: true, internal: true }, ns);
      const snap = obj.snapshots.assign(def);
      if (current) {
        if (obj.snapshots.current) {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, 'more than one snapshot claims to be active');
        }
        obj.snapshots.current = snap;
      }
    }
    if (!obj.snapshots.updateRelations()) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, TEST,
        `Snapshots have inconsistent relations for domain ${obj.def.name}`);
    }
  }

  // -------------------------------------------------------------------------
  // The domain list (virdomainobjlist.c) and state helpers.

  #emit(obj: DomainObj, event: number, detail: number): void {
    this.host.events.emit({ kind: 'domain-lifecycle', dom: obj.ref(), event, detail });
  }

  /** testDomObjFromDomain: look up by UUID. */
  #resolve(dom: DomainRef): DomainObj {
    const obj = this.#objs.find((o) => o.def.uuid === dom.uuid);
    if (!obj) {
      throw VirtError.report(ErrorCode.NO_DOMAIN, TEST, `no domain with matching uuid '${dom.uuid}' (${dom.name})`);
    }
    return obj;
  }

  #remove(obj: DomainObj): void {
    const i = this.#objs.indexOf(obj);
    if (i >= 0) this.#objs.splice(i, 1);
  }

  /**
   * virDomainObjListAdd: a new object, or the new definition assigned to the
   * object with the same UUID and name. Returns the replaced definition.
   */
  #add(def: DomainDef, opts: { live?: boolean; checkLive?: boolean }): { obj: DomainObj; oldDef: DomainDef | null } {
    const byUuid = this.#objs.find((o) => o.def.uuid === def.uuid);
    if (byUuid) {
      if (byUuid.def.name !== def.name) {
        throw VirtError.report(ErrorCode.OPERATION_FAILED, DOM,
          `domain '${byUuid.def.name}' is already defined with uuid ${byUuid.def.uuid}`);
      }
      if (opts.checkLive) {
        if (byUuid.isActive) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM, `domain '${byUuid.def.name}' is already active`);
        }
        if (!byUuid.persistent) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM,
            `domain '${byUuid.def.name}' is already being started`);
        }
      }
      return { obj: byUuid, oldDef: assignDef(byUuid, def, !!opts.live) };
    }
    const byName = this.#objs.find((o) => o.def.name === def.name);
    if (byName) {
      throw VirtError.report(ErrorCode.OPERATION_FAILED, DOM,
        `domain '${def.name}' already exists with uuid ${byName.def.uuid}`);
    }
    const obj = new DomainObj(def);
    this.#objs.push(obj);
    return { obj, oldDef: null };
  }

  /**
   * testDomainStartState. `devices`: a copy of obj.def's devices made
   * ahead (in slices), used for the persistent config's copy.
   */
  #startState(obj: DomainObj, reason: number, devices?: Devices): void {
    obj.setState(St.RUNNING, reason);
    obj.def.id = this.#nextId++;
    // virDomainObjSetDefTransient: keep the persistent config aside.
    if (obj.persistent && !obj.newDef) {
      obj.newDef = copyDomainDef(obj.def, devices);
      obj.newDef.id = -1;
    }
    obj.hasManagedSave = false;
  }

  /**
   * testDomainShutdownState. Only virDomainObjRemoveTransientDef clears the
   * id: a transient domain keeps it (and shows it in its stop event) until
   * the caller drops the object.
   */
  #shutdownState(obj: DomainObj, reason: number): void {
    if (obj.newDef) {
      obj.def = obj.newDef;
      obj.newDef = null;
      obj.def.id = -1;
    }
    obj.setState(St.SHUTOFF, reason);
  }

  /** testDomainActionSetState: what a shutdown or reboot request turns into. */
  #actionSetState(obj: DomainObj, action: string): void {
    if (action === 'restart' || action === 'rename-restart') obj.setState(St.RUNNING, RunningReason.BOOTED);
    else obj.setState(St.SHUTOFF, ShutoffReason.SHUTDOWN);
  }

  /** virDomainObjUpdateModificationImpact; returns the flags with CURRENT resolved. */
  #modificationImpact(obj: DomainObj, flags: number): number {
    let f = flags;
    if ((f & (AffectFlags.LIVE | AffectFlags.CONFIG)) === AffectFlags.CURRENT) {
      f |= obj.isActive ? AffectFlags.LIVE : AffectFlags.CONFIG;
    }
    if (!obj.isActive && (f & AffectFlags.LIVE)) throw notRunning();
    if (!obj.persistent && (f & AffectFlags.CONFIG)) {
      throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM, 'transient domains do not have any persistent config');
    }
    return f;
  }

  /** virDomainObjGetOneDefState. */
  #oneDef(obj: DomainObj, flags: number): { def: DomainDef; live: boolean } {
    if ((flags & AffectFlags.LIVE) && (flags & AffectFlags.CONFIG)) {
      throw new VirtError(ErrorCode.INVALID_ARG,
        "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive", DOM,
        { str1: 'virDomainObjGetOneDefState', str2: 'flags', int1: 0, int2: 0 });
    }
    const f = this.#modificationImpact(obj, flags);
    const live = !!(f & AffectFlags.LIVE);
    if (obj.isActive && (f & AffectFlags.CONFIG)) return { def: obj.newDef!, live };
    return { def: obj.def, live };
  }

  /** virDomainObjGetDefs: the live and/or persistent definition to change. */
  #defs(obj: DomainObj, flags: number): { live: DomainDef | null; persistent: DomainDef | null } {
    const f = this.#modificationImpact(obj, flags);
    if (obj.isActive) {
      return {
        live: f & AffectFlags.LIVE ? obj.def : null,
        persistent: f & AffectFlags.CONFIG ? obj.newDef : null,
      };
    }
    return { live: null, persistent: obj.def };
  }

  /** The list filter, with what the test driver keeps per domain. */
  #matches(obj: DomainObj, flags: number): boolean {
    return matchesListFlags(obj, flags,
      { managedSave: obj.hasManagedSave, snapshots: obj.snapshots.size, checkpoints: obj.checkpoints.size });
  }

  // -------------------------------------------------------------------------
  // Snapshot helpers.

  #snapFromName(obj: DomainObj, name: string): SnapshotObj {
    const snap = obj.snapshots.find(name);
    if (!snap) {
      throw VirtError.report(ErrorCode.NO_DOMAIN_SNAPSHOT, TEST, `no domain snapshot with matching name '${name}'`);
    }
    return snap;
  }

  /**
   * A snapshot reference on the caller's domain reference, as
   * virGetDomainSnapshot(domain, …) is.
   */
  #snapRef(dom: DomainRef, name: string): SnapshotRef {
    return { name, dom };
  }

  // -------------------------------------------------------------------------
  // For the other domain parts (domain-tune.ts): the lookups and
  // definition pickers every test_driver.c domain call starts with.

  /** testDomObjFromDomain, for the other parts of the host (checkpoints, tuning, …). */
  lookup(dom: DomainRef): DomainObj {
    return this.#resolve(dom);
  }

  /** virDomainObjUpdateModificationImpact. */
  impact(obj: DomainObj, flags: number): number {
    return this.#modificationImpact(obj, flags);
  }

  /** virDomainObjGetOneDefState. */
  oneDef(obj: DomainObj, flags: number): { def: DomainDef; live: boolean } {
    return this.#oneDef(obj, flags);
  }

  /** virDomainObjGetDefs. */
  defs(obj: DomainObj, flags: number): { live: DomainDef | null; persistent: DomainDef | null } {
    return this.#defs(obj, flags);
  }

  /** Queues a lifecycle event for the domain. */
  emitLifecycle(obj: DomainObj, event: number, detail: number): void {
    this.#emit(obj, event, detail);
  }

  /** testDomainStartState (domain-save.ts: restore). */
  startState(obj: DomainObj, reason: number): void {
    this.#startState(obj, reason);
  }

  /** testDomainShutdownState (domain-save.ts: save, managed save, crash dump). */
  shutdownState(obj: DomainObj, reason: number): void {
    this.#shutdownState(obj, reason);
  }

  /** virDomainObjListAdd with VIR_DOMAIN_OBJ_LIST_ADD_LIVE | _CHECK_LIVE (domain-save.ts: restore). */
  addLive(def: DomainDef): DomainObj {
    return this.#add(def, { live: true, checkLive: true }).obj;
  }

  /** virDomainObjListRemove. */
  remove(obj: DomainObj): void {
    this.#remove(obj);
  }

  /** The contract methods this part implements. */
  methods(): Partial<DriverConnection> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const m: Partial<DriverConnection> = {
      async connectNumOfDomains() {
        return { num: self.#objs.filter((o) => o.isActive).length };
      },
      async connectListDomains({ maxids }) {
        return { ids: self.#objs.filter((o) => o.isActive).slice(0, Math.max(0, maxids)).map((o) => o.def.id) };
      },
      async connectNumOfDefinedDomains() {
        return { num: self.#objs.filter((o) => !o.isActive).length };
      },
      async connectListDefinedDomains({ maxnames }) {
        return { names: self.#objs.filter((o) => !o.isActive).slice(0, Math.max(0, maxnames)).map((o) => o.def.name) };
      },
      async connectListAllDomains({ need_results, flags }) {
        checkFlags(flags, LIST_DOMAINS_FILTERS_ALL, 'testConnectListAllDomains', TEST);
        const list = self.#objs.filter((o) => self.#matches(o, flags)).map((o) => o.ref());
        return { domains: need_results ? list : [], ret: list.length };
      },
      async connectGetAllDomainStats({ doms, stats, flags }) {
        checkFlags(flags, STATS_LIST_FILTERS | GetAllStatsFlags.NOWAIT | GetAllStatsFlags.BACKING
          | GetAllStatsFlags.ENFORCE_STATS, 'testConnectGetAllDomainStats', TEST);
        let want = stats >>> 0;
        if (want === 0) {
          want = STATS_SUPPORTED;
        } else if ((flags & GetAllStatsFlags.ENFORCE_STATS) && (want & ~STATS_SUPPORTED)) {
          throw VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, TEST,
            `Stats types bits 0x${((want & ~STATS_SUPPORTED) >>> 0).toString(16)} are not supported by this daemon`);
        }
        // virDomainObjListConvert skips domains that no longer exist; both paths then filter.
        const objs = doms.length > 0
          ? doms.flatMap((d) => self.#objs.filter((o) => o.def.uuid === d.uuid))
          : [...self.#objs];
        const retStats: DomainStatsRecord[] = [];
        for (const o of objs) {
          if (!self.#matches(o, flags & STATS_LIST_FILTERS)) continue;
          const params: TypedParam[] = [];
          if (want & StatsTypes.STATE) {
            params.push({ field: 'state.state', type: TypedParamType.INT, value: o.state },
              { field: 'state.reason', type: TypedParamType.INT, value: o.reason });
          }
          if ((want & StatsTypes.IOTHREAD) && o.isActive) params.push(...iothreadStatsParams(o));
          retStats.push({ dom: o.ref(), params });
        }
        return { retStats };
      },
      async domainLookupByID({ id }) {
        const obj = self.#objs.find((o) => o.isActive && o.def.id === id);
        if (!obj) throw VirtError.report(ErrorCode.NO_DOMAIN, TEST, null);
        return { dom: obj.ref() };
      },
      async domainLookupByName({ name }) {
        const obj = self.#objs.find((o) => o.def.name === name);
        if (!obj) throw VirtError.report(ErrorCode.NO_DOMAIN, TEST, null);
        return { dom: obj.ref() };
      },
      async domainLookupByUUID({ uuid }) {
        const obj = self.#objs.find((o) => o.def.uuid === uuid.toLowerCase());
        if (!obj) throw VirtError.report(ErrorCode.NO_DOMAIN, TEST, null);
        return { dom: obj.ref() };
      },

      async domainDefineXML({ xml }) {
        return m.domainDefineXMLFlags!({ xml, flags: 0 });
      },
      async domainDefineXMLFlags({ xml, flags }) {
        checkFlags(flags, DefineFlags.VALIDATE, 'testDomainDefineXMLFlags', TEST);
        const def = await parseDomainXmlAsync(xml, testXMLOption);
        await formatMetadataAhead(def);
        if (def.name.includes('\n')) {
          throw new VirtError(ErrorCode.XML_DETAIL, 'invalid char in name: \n', ErrorDomain.XML,
            { str1: '%s', str2: 'invalid char in name: \n' });
        }
        generateIfnames(def);
        const { obj, oldDef } = self.#add(def, {});
        obj.persistent = true;
        self.#emit(obj, Ev.DEFINED, oldDef ? EventDefinedDetail.UPDATED : EventDefinedDetail.ADDED);
        return { dom: obj.ref() };
      },
      async domainCreateXML({ xml_desc, flags }) {
        checkFlags(flags, StartFlags.VALIDATE, 'testDomainCreateXML', TEST);
        const def = await parseDomainXmlAsync(xml_desc, testXMLOption);
        await formatMetadataAhead(def);
        generateIfnames(def);
        const { obj } = self.#add(def, { live: true, checkLive: true });
        self.#startState(obj, RunningReason.BOOTED);
        self.#emit(obj, Ev.STARTED, EventStartedDetail.BOOTED);
        return { dom: obj.ref() };
      },
      async domainUndefine({ dom }) {
        return m.domainUndefineFlags!({ dom, flags: 0 });
      },
      async domainUndefineFlags({ dom, flags }) {
        checkFlags(flags, UndefineFlags.MANAGED_SAVE | UndefineFlags.SNAPSHOTS_METADATA, 'testDomainUndefineFlags', TEST);
        const obj = self.#resolve(dom);
        if (obj.hasManagedSave && !(flags & UndefineFlags.MANAGED_SAVE)) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST,
            'Refusing to undefine while domain managed save image exists');
        }
        const nsnap = obj.snapshots.size;
        if (!obj.isActive && nsnap > 0 && !(flags & UndefineFlags.SNAPSHOTS_METADATA)) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, `cannot delete inactive domain with ${nsnap} snapshots`);
        }
        self.#emit(obj, Ev.UNDEFINED, EventUndefinedDetail.REMOVED);
        obj.hasManagedSave = false;
        if (obj.isActive) obj.persistent = false;
        else self.#remove(obj);
      },
      async domainCreate({ dom }) {
        await m.domainCreateWithFlags!({ dom, flags: 0 });
      },
      async domainCreateWithFlags({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainCreateWithFlags', TEST);
        const check = () => {
          const o = self.#resolve(dom);
          if (o.state !== St.SHUTOFF) {
            throw VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, `Domain '${dom.name}' is already running`);
          }
          return o;
        };
        let obj = check();
        let devices: Devices | undefined;
        if (obj.persistent && !obj.newDef && obj.def.devices.list.length > SLICED_DEVICES) {
          // The persistent config's copy of many devices is made in slices;
          // the domain may change meanwhile, so look again after it.
          const from = obj.def.devices;
          const copy = await copyDevicesAsync(from);
          obj = check();
          if (obj.def.devices === from) devices = copy;
        }
        self.#startState(obj, RunningReason.BOOTED, devices);
        self.#emit(obj, Ev.STARTED, EventStartedDetail.BOOTED);
        return { dom: obj.ref() };
      },
      async domainDestroy({ dom }) {
        return m.domainDestroyFlags!({ dom, flags: 0 });
      },
      async domainDestroyFlags({ dom, flags }) {
        checkFlags(flags, DestroyFlags.GRACEFUL, 'testDomainDestroyFlags', TEST);
        const obj = self.#resolve(dom);
        if (!obj.isActive) throw notRunning();
        self.#shutdownState(obj, ShutoffReason.DESTROYED);
        self.#emit(obj, Ev.STOPPED, EventStoppedDetail.DESTROYED);
        if (!obj.persistent) self.#remove(obj);
      },
      async domainShutdown({ dom }) {
        return m.domainShutdownFlags!({ dom, flags: 0 });
      },
      async domainShutdownFlags({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainShutdownFlags', TEST);
        const obj = self.#resolve(dom);
        if (obj.state === St.SHUTOFF) {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, `domain '${dom.name}' not running`);
        }
        self.#powerAction(obj, obj.def.onPoweroff);
      },
      async domainReboot({ dom, flags }) {
        checkFlags(flags, RebootFlags.ACPI_POWER_BTN | RebootFlags.GUEST_AGENT | RebootFlags.INITCTL
          | RebootFlags.SIGNAL | RebootFlags.PARAVIRT, 'testDomainReboot', TEST);
        const obj = self.#resolve(dom);
        if (!obj.isActive) throw notRunning();
        self.#powerAction(obj, obj.def.onReboot);
      },
      async domainReset({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainReset', TEST);
        const obj = self.#resolve(dom);
        if (!obj.isActive) throw notRunning();
      },
      async domainSuspend({ dom }) {
        const obj = self.#resolve(dom);
        if (obj.state === St.SHUTOFF || obj.state === St.PAUSED) {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, `domain '${dom.name}' not running`);
        }
        obj.setState(St.PAUSED, PausedReason.USER);
        self.#emit(obj, Ev.SUSPENDED, EventSuspendedDetail.PAUSED);
      },
      async domainResume({ dom }) {
        const obj = self.#resolve(dom);
        if (obj.state !== St.PAUSED) {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, `domain '${dom.name}' not paused`);
        }
        obj.setState(St.RUNNING, RunningReason.UNPAUSED);
        self.#emit(obj, Ev.RESUMED, EventResumedDetail.UNPAUSED);
      },

      async domainGetInfo({ dom }) {
        const obj = self.#resolve(dom);
        return {
          state: obj.state,
          maxMem: obj.def.memory,
          memory: obj.def.currentMemory,
          nrVirtCpu: obj.def.vcpu.current,
          // g_get_real_time() * 1000: the wall clock in nanoseconds.
          cpuTime: Math.floor((performance.timeOrigin + performance.now()) * 1000) * 1000,
        };
      },
      async domainGetState({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainGetState', TEST);
        const obj = self.#resolve(dom);
        return { state: obj.state, reason: obj.reason };
      },
      async domainGetXMLDesc({ dom, flags }) {
        checkFlags(flags, DomainXMLFlags.SECURE | DomainXMLFlags.INACTIVE | DomainXMLFlags.MIGRATABLE,
          'testDomainGetXMLDesc', TEST);
        const obj = self.#resolve(dom);
        const inactive = !!(flags & DomainXMLFlags.INACTIVE);
        const def = inactive && obj.newDef ? obj.newDef : obj.def;
        const opts = { inactive, secure: !!(flags & DomainXMLFlags.SECURE) };
        // Many devices are formatted in slices (the definition as of the last one).
        if (def.devices.list.length > SLICED_DEVICES) return { xml: await formatDomainDefAsync(def, testXMLOption, opts) };
        return { xml: formatDomainDef(def, testXMLOption, opts) };
      },
      async domainGetOSType() {
        // testDomainGetOSType answers without looking the domain up.
        return { type: 'linux' };
      },
      async domainGetMaxMemory({ dom }) {
        return { memory: self.#resolve(dom).def.memory };
      },
      async domainGetMaxVcpus({ dom }) {
        return { num: (await m.domainGetVcpusFlags!({ dom, flags: AffectFlags.LIVE | VcpuFlags.MAXIMUM })).num };
      },
      async domainGetAutostart({ dom }) {
        return { autostart: self.#resolve(dom).autostart ? 1 : 0 };
      },
      async domainSetAutostart({ dom, autostart }) {
        self.#resolve(dom).autostart = autostart !== 0;
      },
      async domainIsActive({ dom }) {
        return { active: self.#resolve(dom).isActive ? 1 : 0 };
      },
      async domainIsPersistent({ dom }) {
        return { persistent: self.#resolve(dom).persistent ? 1 : 0 };
      },
      async domainIsUpdated() {
        return { updated: 0 };
      },
      async domainHasManagedSaveImage({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainHasManagedSaveImage', TEST);
        return { result: self.#resolve(dom).hasManagedSave ? 1 : 0 };
      },

      async domainSetMemory({ dom, memory }) {
        return m.domainSetMemoryFlags!({ dom, memory, flags: AffectFlags.LIVE });
      },
      async domainSetMaxMemory({ dom, memory }) {
        return m.domainSetMemoryFlags!({ dom, memory, flags: MemoryFlags.MAXIMUM });
      },
      async domainSetMemoryFlags({ dom, memory, flags }) {
        checkFlags(flags, AffectFlags.LIVE | AffectFlags.CONFIG | MemoryFlags.MAXIMUM, 'testDomainSetMemoryFlags', TEST);
        const obj = self.#resolve(dom);
        const { def, live } = self.#oneDef(obj, flags);
        if (flags & MemoryFlags.MAXIMUM) {
          if (live) {
            throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST,
              'cannot resize the maximum memory on an active domain');
          }
          if (def.hasNuma) {
            throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST,
              'initial memory size of a domain with NUMA nodes cannot be modified with this API');
          }
          if (def.maxMemory && def.maxMemory.kib && def.maxMemory.kib < memory) {
            throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST,
              'cannot set initial memory size greater than the maximum memory size');
          }
          def.memory = memory;
          if (def.currentMemory > memory) def.currentMemory = memory;
        } else {
          if (memory > def.memory) {
            throw VirtError.report(ErrorCode.INVALID_ARG, TEST, 'cannot set memory higher than max memory');
          }
          def.currentMemory = memory;
        }
      },
      async domainSetVcpus({ dom, nvcpus }) {
        return m.domainSetVcpusFlags!({ dom, nvcpus, flags: AffectFlags.LIVE });
      },
      async domainSetVcpusFlags({ dom, nvcpus, flags }) {
        checkFlags(flags, AffectFlags.LIVE | AffectFlags.CONFIG | VcpuFlags.MAXIMUM, 'testDomainSetVcpusFlags', TEST);
        if (nvcpus > MAX_VCPUS) {
          throw VirtError.report(ErrorCode.INVALID_ARG, TEST,
            `requested cpu amount exceeds maximum supported amount (${nvcpus} > ${MAX_VCPUS})`);
        }
        const obj = self.#resolve(dom);
        const { live, persistent } = self.#defs(obj, flags);
        if (live && live.vcpu.max < nvcpus) {
          throw VirtError.report(ErrorCode.INVALID_ARG, TEST,
            `requested cpu amount exceeds maximum (${nvcpus} > ${live.vcpu.max})`);
        }
        if (persistent && !(flags & VcpuFlags.MAXIMUM) && persistent.vcpu.max < nvcpus) {
          throw VirtError.report(ErrorCode.INVALID_ARG, TEST,
            `requested cpu amount exceeds maximum (${nvcpus} > ${persistent.vcpu.max})`);
        }
        if (live) live.vcpu.current = nvcpus;
        if (persistent) {
          if (flags & VcpuFlags.MAXIMUM) {
            // virDomainDefSetVcpusMax: new vCPUs are offline, dropped ones go.
            persistent.vcpu.max = nvcpus;
            persistent.vcpu.current = Math.min(persistent.vcpu.current, nvcpus);
          } else {
            persistent.vcpu.current = nvcpus;
          }
        }
      },
      async domainGetVcpusFlags({ dom, flags }) {
        checkFlags(flags, AffectFlags.LIVE | AffectFlags.CONFIG | VcpuFlags.MAXIMUM, 'testDomainGetVcpusFlags', TEST);
        const obj = self.#resolve(dom);
        const { def } = self.#oneDef(obj, flags);
        return { num: flags & VcpuFlags.MAXIMUM ? def.vcpu.max : def.vcpu.current };
      },
      async domainGetVcpuPinInfo({ dom, ncpumaps, maplen, flags }) {
        // testDomainGetVcpuPinInfo → virDomainDefGetVcpuPinInfoHelper: every vCPU up to
        // the maximum, its <vcpupin> set, else <vcpu cpuset>, else all host CPUs.
        checkFlags(flags, AffectFlags.LIVE | AffectFlags.CONFIG, 'testDomainGetVcpuPinInfo', TEST);
        const obj = self.#resolve(dom);
        const { def } = self.#oneDef(obj, flags);
        const allCpus = hostCpuSet(self.host.node.info);
        const defMask = def.vcpu.cpuset ? cpusetBits(def.vcpu.cpuset) : null;
        const pins = vcpuPins(def);
        const width = Math.max(0, maplen);
        const cpumaps = new Uint8Array(Math.max(0, ncpumaps) * width);
        const num = Math.min(ncpumaps, def.vcpu.max);
        for (let i = 0; i < num; i++) {
          const bits = pins.get(i) ?? defMask ?? allCpus;
          for (const b of bits) if (b < width * 8) cpumaps[i * width + (b >> 3)]! |= 1 << (b & 7);
        }
        return { cpumaps, num };
      },
      async domainGetVcpus({ dom, maxinfo, maplen }) {
        const obj = self.#resolve(dom);
        if (!obj.isActive) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, 'cannot list vcpus for an inactive domain');
        }
        const def = obj.def;
        // g_get_real_time() (microseconds) / 10 stands in for each vCPU's time.
        const cpuTime = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000)) / 10n;
        const allCpus = hostCpuSet(self.host.node.info);
        const defMask = def.vcpu.cpuset ? cpusetBits(def.vcpu.cpuset) : null;
        const pins = vcpuPins(def);
        const online = onlineVcpus(def);
        // The daemon's buffer: maxinfo maps of maplen bytes, all sent back.
        const width = Math.max(0, maplen);
        const cpumaps = new Uint8Array(Math.max(0, maxinfo) * width);
        const info: VcpuInfo[] = [];
        for (let i = 0; i < Math.min(maxinfo, def.vcpu.current); i++) {
          if (!online(i)) {
            info.push({ number: 0, state: 0, cpu_time: 0n, cpu: 0 });
            continue;
          }
          const bits = pins.get(i) ?? defMask ?? allCpus;
          for (const b of bits) if (b < width * 8) cpumaps[i * width + (b >> 3)]! |= 1 << (b & 7);
          info.push({ number: i, state: VcpuState.RUNNING, cpu_time: cpuTime, cpu: bits.size ? Math.max(...bits) : -1 });
        }
        return { info, cpumaps };
      },

      async domainGetSchedulerType() {
        return { type: 'fair', nparams: 1 };
      },
      async domainGetSchedulerParameters({ dom, nparams }) {
        return m.domainGetSchedulerParametersFlags!({ dom, nparams, flags: 0 });
      },
      async domainGetSchedulerParametersFlags({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainGetSchedulerParametersFlags', TEST);
        self.#resolve(dom);
        return { params: [{ field: 'weight', type: TypedParamType.UINT, value: 50 }] };
      },
      async domainSetSchedulerParameters({ dom, params }) {
        return m.domainSetSchedulerParametersFlags!({ dom, params, flags: 0 });
      },
      async domainSetSchedulerParametersFlags({ dom, params, flags }) {
        checkFlags(flags, 0, 'testDomainSetSchedulerParametersFlags', TEST);
        validateTypedParams(params, [['weight', TypedParamType.UINT]]);
        self.#resolve(dom);
        // libvirt's test driver accepts the weight and keeps reporting 50.
      },
      async domainGetSecurityLabel({ dom }) {
        const obj = self.#resolve(dom);
        return obj.isActive ? { label: 'libvirt-test', enforcing: 1 } : { label: '', enforcing: 0 };
      },
      async domainGetMessages({ dom, flags }) {
        checkFlags(flags, MessageType.DEPRECATION | MessageType.TAINTING, 'testDomainGetMessages', TEST);
        const obj = self.#resolve(dom);
        const msgs: string[] = [];
        if (!flags || (flags & MessageType.TAINTING)) {
          for (let i = 0; i < 32; i++) {
            if (obj.taint & (1 << i)) msgs.push(`tainted: ${TAINT_MESSAGES[i] ?? ''}`);
          }
        }
        if (!flags || (flags & MessageType.DEPRECATION)) {
          for (const d of obj.deprecations) msgs.push(`deprecated configuration: ${d}`);
        }
        return { msgs };
      },
      async domainMemoryStats({ dom, maxStats, flags }) {
        // virDomainMemoryStats: asking for none does nothing, and no more than STAT_NR are asked.
        if (maxStats === 0) return { stats: [] };
        const room = Math.min(maxStats, MEMORY_STAT_NR);
        checkFlags(flags, 0, 'testDomainMemoryStats', TEST);
        const obj = self.#resolve(dom);
        if (!obj.isActive) throw notRunning();
        const cur = obj.def.currentMemory;
        const stats: Array<{ tag: number; val: number }> = [];
        const balloon = obj.def.devices.list.some((d) => d.kind === 'memballoon' && getAttr(d.node, 'model') !== 'none');
        if (balloon) {
          const half = Math.trunc(cur / 2);
          const all: Array<[number, number]> = [
            [MS.ACTUAL_BALLOON, cur], [MS.SWAP_IN, 0], [MS.SWAP_OUT, 0], [MS.MAJOR_FAULT, 0], [MS.MINOR_FAULT, 0],
            [MS.UNUSED, half], [MS.AVAILABLE, cur], [MS.USABLE, half], [MS.LAST_UPDATE, TEST_GUEST_TIME],
            [MS.DISK_CACHES, Math.trunc(cur / 8)], [MS.HUGETLB_PGALLOC, 0], [MS.HUGETLB_PGFAIL, 0], [MS.RSS, half],
          ];
          for (const [tag, val] of all.slice(0, room)) stats.push({ tag, val });
        }
        return { stats };
      },
      async domainGetBlockInfo({ dom, path, flags }) {
        checkFlags(flags, 0, 'testDomainGetBlockInfo', TEST);
        const obj = self.#resolve(dom);
        const disk = diskByName(obj.def, path);
        if (!disk) throw VirtError.report(ErrorCode.INVALID_ARG, TEST, `invalid path ${path} not assigned to domain`);
        if (diskSourceEmpty(disk)) {
          throw VirtError.report(ErrorCode.INVALID_ARG, TEST, `disk '${path}' does not currently have a source assigned`);
        }
        return { ...BLOCK_INFO };
      },
      async domainGetTime({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainGetTime', TEST);
        const obj = self.#resolve(dom);
        if (obj.state !== St.RUNNING) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, 'domain is not running');
        }
        return { seconds: obj.timeSeconds, nseconds: obj.timeNseconds };
      },
      async domainScreenshot({ flags }, stream) {
        // testDomainScreenshot neither looks the domain up nor checks its state.
        checkFlags(flags, 0, 'testDomainScreenshot', TEST);
        stream.attach(bytesStreamDriver(testScreenshot()));
        return { mime: SCREENSHOT_MIME };
      },

      // ---------------------------------------------------------------------
      // Snapshots.

      async domainSnapshotCreateXML({ dom, xml_desc, flags }) {
        return { snap: self.#snapshotCreate(dom, xml_desc, flags) };
      },
      async domainListAllSnapshots({ dom, need_results, flags }) {
        checkFlags(flags, SL.ROOTS | SL.TOPOLOGICAL | SNAPSHOT_FILTERS_ALL, 'testDomainListAllSnapshots', TEST);
        const obj = self.#resolve(dom);
        const list = obj.snapshots.list(null, flags).map((s) => self.#snapRef(dom, s.def.name));
        return { snapshots: need_results ? list : [], ret: list.length };
      },
      async domainSnapshotNum({ dom, flags }) {
        checkFlags(flags, SL.ROOTS | SL.TOPOLOGICAL | SNAPSHOT_FILTERS_ALL, 'testDomainSnapshotNum', TEST);
        return { num: self.#resolve(dom).snapshots.list(null, flags).length };
      },
      async domainSnapshotListNames({ dom, maxnames, flags }) {
        checkFlags(flags, SL.ROOTS | SL.TOPOLOGICAL | SNAPSHOT_FILTERS_ALL, 'testDomainSnapshotListNames', TEST);
        const names = self.#resolve(dom).snapshots.list(null, flags).map((s) => s.def.name);
        return { names: names.slice(0, Math.max(0, maxnames)) };
      },
      async domainSnapshotListAllChildren({ snapshot, need_results, flags }) {
        checkFlags(flags, SL.DESCENDANTS | SL.TOPOLOGICAL | SNAPSHOT_FILTERS_ALL,
          'testDomainSnapshotListAllChildren', TEST);
        const obj = self.#resolve(snapshot.dom);
        const snap = self.#snapFromName(obj, snapshot.name);
        const list = obj.snapshots.list(snap, flags).map((s) => self.#snapRef(snapshot.dom, s.def.name));
        return { snapshots: need_results ? list : [], ret: list.length };
      },
      async domainSnapshotNumChildren({ snap, flags }) {
        checkFlags(flags, SL.DESCENDANTS | SL.TOPOLOGICAL | SNAPSHOT_FILTERS_ALL,
          'testDomainSnapshotNumChildren', TEST);
        const obj = self.#resolve(snap.dom);
        return { num: obj.snapshots.list(self.#snapFromName(obj, snap.name), flags).length };
      },
      async domainSnapshotListChildrenNames({ snap, maxnames, flags }) {
        checkFlags(flags, SL.DESCENDANTS | SL.TOPOLOGICAL | SNAPSHOT_FILTERS_ALL,
          'testDomainSnapshotListChildrenNames', TEST);
        const obj = self.#resolve(snap.dom);
        const names = obj.snapshots.list(self.#snapFromName(obj, snap.name), flags).map((s) => s.def.name);
        return { names: names.slice(0, Math.max(0, maxnames)) };
      },
      async domainSnapshotLookupByName({ dom, name, flags }) {
        checkFlags(flags, 0, 'testDomainSnapshotLookupByName', TEST);
        const obj = self.#resolve(dom);
        const snap = self.#snapFromName(obj, name);
        return { snap: self.#snapRef(dom, snap.def.name) };
      },
      async domainSnapshotGetXMLDesc({ snap, flags }) {
        checkFlags(flags, SnapshotXMLFlags.SECURE, 'testDomainSnapshotGetXMLDesc', TEST);
        const obj = self.#resolve(snap.dom);
        const s = self.#snapFromName(obj, snap.name);
        return { xml: formatSnapshotDef(s.def, snap.dom.uuid, !!(flags & SnapshotXMLFlags.SECURE)) };
      },
      async domainSnapshotGetParent({ snap, flags }) {
        checkFlags(flags, 0, 'testDomainSnapshotGetParent', TEST);
        const obj = self.#resolve(snap.dom);
        const s = self.#snapFromName(obj, snap.name);
        if (s.def.parent === undefined) {
          throw VirtError.report(ErrorCode.NO_DOMAIN_SNAPSHOT, TEST, `snapshot '${s.def.name}' does not have a parent`);
        }
        return { snap: { name: s.def.parent, dom: snap.dom } };
      },
      async domainSnapshotCurrent({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainSnapshotCurrent', TEST);
        const obj = self.#resolve(dom);
        const cur = obj.snapshots.current;
        if (!cur) {
          throw VirtError.report(ErrorCode.NO_DOMAIN_SNAPSHOT, TEST, 'the domain does not have a current snapshot');
        }
        return { snap: { name: cur.def.name, dom } };
      },
      async domainHasCurrentSnapshot({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainHasCurrentSnapshot', TEST);
        return { result: self.#resolve(dom).snapshots.current ? 1 : 0 };
      },
      async domainSnapshotIsCurrent({ snap, flags }) {
        checkFlags(flags, 0, 'testDomainSnapshotIsCurrent', TEST);
        const obj = self.#resolve(snap.dom);
        const s = self.#snapFromName(obj, snap.name);
        return { current: obj.snapshots.current === s ? 1 : 0 };
      },
      async domainSnapshotHasMetadata({ snap, flags }) {
        checkFlags(flags, 0, 'testDomainSnapshotHasMetadata', TEST);
        const obj = self.#resolve(snap.dom);
        self.#snapFromName(obj, snap.name);
        return { metadata: 1 };
      },
      async domainSnapshotDelete({ snap, flags }) {
        checkFlags(flags, SD.CHILDREN | SD.CHILDREN_ONLY, 'testDomainSnapshotDelete', TEST);
        const obj = self.#resolve(snap.dom);
        const s = self.#snapFromName(obj, snap.name);
        self.#snapshotDelete(obj, s, flags);
      },
      async domainRevertToSnapshot({ snap, flags }) {
        checkFlags(flags, SR.RUNNING | SR.PAUSED | SR.FORCE, 'testDomainRevertToSnapshot', TEST);
        const obj = self.#resolve(snap.dom);
        const s = self.#snapFromName(obj, snap.name);
        self.#snapshotRevert(obj, s, flags);
      },
    };
    return m;
  }

  /** The shared tail of shutdown and reboot: act on the configured action. */
  #powerAction(obj: DomainObj, action: string): void {
    this.#actionSetState(obj, action);
    if (obj.state === St.SHUTOFF) {
      this.#shutdownState(obj, ShutoffReason.SHUTDOWN);
      this.#emit(obj, Ev.STOPPED, EventStoppedDetail.SHUTDOWN);
      if (!obj.persistent) this.#remove(obj);
    }
  }

  /** testDomainSnapshotCreateXML. */
  #snapshotCreate(dom: DomainRef, xml: string, flags: number): SnapshotRef {
    checkFlags(flags, SC.REDEFINE | SC.CURRENT | SC.HALT | SC.QUIESCE | SC.ATOMIC | SC.LIVE | SC.VALIDATE,
      'testDomainSnapshotCreateXML', TEST);
    const redefine = !!(flags & SC.REDEFINE);
    const updateCurrent = !(redefine && !(flags & SC.CURRENT));
    const obj = this.#resolve(dom);
    if (obj.checkpoints.size > 0) {
      throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, TEST, 'cannot create snapshot while checkpoint exists');
    }
    if (!obj.persistent && (flags & SC.HALT)) {
      throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, 'cannot halt after transient domain snapshot');
    }
    const { def } = parseSnapshotXml(xml, { redefine });
    let snap: SnapshotObj | undefined;
    if (redefine) {
      snap = this.#snapshotRedefinePrep(obj, def);
    } else {
      def.dom = copyDomainDef(obj.def);
      def.dom.id = -1;
      // testDomainSnapshotAlignDisks.
      let loc: 'internal' | 'external' = 'internal';
      let match = true;
      def.state = obj.state;
      if (def.memory === 'external') {
        loc = 'external';
        match = false;
      } else {
        def.memory = def.state === SnapshotState.SHUTOFF ? 'no' : 'internal';
      }
      alignSnapshotDisks(def, def.dom, loc, match);
    }
    if (!snap) snap = obj.snapshots.assign(def);
    let ref = dom;
    if (!redefine) {
      const cur = obj.snapshots.current;
      if (cur) snap.def.parent = cur.def.name;
      else delete snap.def.parent;
      if ((flags & SC.HALT) && obj.isActive) {
        this.#shutdownState(obj, ShutoffReason.FROM_SNAPSHOT);
        this.#emit(obj, Ev.STOPPED, EventStoppedDetail.FROM_SNAPSHOT);
        // testDomainShutdownState resets the caller's domain id too.
        ref = { ...dom, id: -1 };
      }
    }
    if (updateCurrent) obj.snapshots.current = snap;
    obj.snapshots.linkParent(snap);
    return this.#snapRef(ref, snap.def.name);
  }

  /**
   * virDomainSnapshotRedefinePrep: checks a redefinition and, when the name
   * exists, puts the new definition into that snapshot (keeping children).
   */
  #snapshotRedefinePrep(obj: DomainObj, def: SnapshotDef): SnapshotObj | undefined {
    const list = obj.snapshots;
    list.checkCycles(def);
    const other = list.find(def.name);
    if (def.dom && def.dom.uuid !== obj.def.uuid) {
      throw VirtError.report(ErrorCode.INVALID_ARG, SNAP, `definition for snapshot ${def.name} must use uuid ${obj.def.uuid}`);
    }
    if (other) {
      const online = (s: number) => s === SnapshotState.RUNNING || s === SnapshotState.PAUSED;
      if (online(other.def.state) !== online(def.state)) {
        throw VirtError.report(ErrorCode.INVALID_ARG, SNAP,
          `cannot change between online and offline snapshot state in snapshot ${def.name}`);
      }
      if ((other.def.state === SnapshotState.DISK_SNAPSHOT) !== (def.state === SnapshotState.DISK_SNAPSHOT)) {
        throw VirtError.report(ErrorCode.INVALID_ARG, SNAP,
          `cannot change between disk only and full system in snapshot ${def.name}`);
      }
    }
    const dom = def.dom ?? other?.def.dom;
    if (!dom) throw VirtError.report(ErrorCode.INTERNAL_ERROR, SNAP, 'missing domain in snapshot');
    {
      const external = def.state === SnapshotState.DISK_SNAPSHOT || def.memory === 'external'
        || def.disks.some((d) => d.snapshot === 'external');
      alignSnapshotDisks(def, dom, external ? 'external' : 'internal', true);
    }
    if (other) {
      list.dropParent(other);
      other.def = def;
      return other;
    }
    return undefined;
  }

  /** testDomainSnapshotDelete. */
  #snapshotDelete(obj: DomainObj, snap: SnapshotObj, flags: number): void {
    const list = obj.snapshots;
    if (flags & (SD.CHILDREN | SD.CHILDREN_ONLY)) {
      let wasCurrent = false;
      for (const d of list.descendants(snap)) wasCurrent = list.remove(d) || wasCurrent;
      if (wasCurrent) list.current = snap;
    } else if (snap.children.length > 0) {
      for (const c of snap.children) {
        if (snap.parent) c.def.parent = snap.parent.def.name;
        else delete c.def.parent;
      }
      list.moveChildren(snap, snap.parent);
    }
    if (flags & SD.CHILDREN_ONLY) {
      snap.children = [];
      return;
    }
    list.dropParent(snap);
    if (list.current === snap) {
      const parent = snap.def.parent !== undefined ? list.find(snap.def.parent) ?? null : null;
      list.current = parent;
    }
    list.remove(snap);
  }

  /** testDomainRevertToSnapshot, with its nine state transitions. */
  #snapshotRevert(obj: DomainObj, snap: SnapshotObj, flags: number): void {
    const sdef = snap.def;
    const online = sdef.state === SnapshotState.RUNNING || sdef.state === SnapshotState.PAUSED;
    if (!obj.persistent && !online && (flags & (SR.RUNNING | SR.PAUSED)) === 0) {
      throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST,
        'transient domain needs to request run or pause to revert to inactive snapshot');
    }
    // libvirt 9.0 refuses a snapshot without a domain even with FORCE, and
    // has no "must respawn" check: FORCE changes nothing here.
    if (!sdef.dom) {
      throw revertRisky(`snapshot '${sdef.name}' lacks domain '${obj.def.name}' rollback info`);
    }
    obj.snapshots.current = null;
    const config = copyDomainDef(sdef.dom);
    config.id = -1;
    const events: Array<[number, number]> = [];

    if (online) {
      // libvirt 9.0's test driver restarts an active domain for any online
      // snapshot: stop (event now), then load as from shut off.
      if (obj.isActive) {
        this.#shutdownState(obj, ShutoffReason.FROM_SNAPSHOT);
        this.#emit(obj, Ev.STOPPED, EventStoppedDetail.FROM_SNAPSHOT);
      }
      assignDef(obj, config, false);
      this.#startState(obj, RunningReason.FROM_SNAPSHOT);
      events.push([Ev.STARTED, EventStartedDetail.FROM_SNAPSHOT]);
      if (!(flags & SR.RUNNING) && (sdef.state === SnapshotState.PAUSED || (flags & SR.PAUSED))) {
        obj.setState(St.PAUSED, PausedReason.FROM_SNAPSHOT);
        events.push([Ev.SUSPENDED, EventSuspendedDetail.FROM_SNAPSHOT]);
      }
    } else {
      assignDef(obj, config, false);
      let pending: [number, number] | null = null;
      if (obj.isActive) {
        this.#shutdownState(obj, ShutoffReason.FROM_SNAPSHOT);
        pending = [Ev.STOPPED, EventStoppedDetail.FROM_SNAPSHOT];
      }
      let second: [number, number] | null = null;
      if (flags & (SR.RUNNING | SR.PAUSED)) {
        // libvirt's test driver reports the start without starting the domain.
        if (pending) events.push(pending);
        pending = [Ev.STARTED, EventStartedDetail.FROM_SNAPSHOT];
        if (flags & SR.PAUSED) second = [Ev.SUSPENDED, EventSuspendedDetail.FROM_SNAPSHOT];
      }
      if (pending) events.push(pending);
      if (pending && second) events.push(second);
    }
    obj.snapshots.current = snap;
    for (const [e, d] of events) this.#emit(obj, e, d);
  }
}

/** virDomainObjAssignDef; returns the definition it replaced, if any. */
function assignDef(obj: DomainObj, def: DomainDef, live: boolean): DomainDef | null {
  if (obj.isActive) {
    const old = obj.newDef;
    obj.newDef = def;
    return old;
  }
  if (live) {
    if (!obj.newDef) obj.newDef = obj.def;
    obj.def = def;
    return null;
  }
  const old = obj.def;
  obj.def = def;
  return old;
}

function revertRisky(detail: string): VirtError {
  return rawError(ErrorCode.SNAPSHOT_REVERT_RISKY, TEST, `revert requires force: ${detail}`,
    'revert requires force: %s', detail);
}

/** virTypedParamsValidate against `keys` (field, type). */
export function validateTypedParams(params: TypedParam[], keys: Array<[string, number]>): void {
  const typeName = (t: number) => ['', 'int', 'uint', 'llong', 'ullong', 'double', 'boolean', 'string'][t] ?? '';
  const sorted = [...params].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  const sortedKeys = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let i = 0;
  let j = 0;
  while (i < sorted.length && j < sortedKeys.length) {
    const p = sorted[i]!;
    const [field, type] = sortedKeys[j]!;
    if (p.field !== field) {
      j++;
      continue;
    }
    if (i > 0 && sorted[i - 1]!.field === p.field) {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `parameter '${p.field}' occurs multiple times`);
    }
    if (p.type !== type) {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE,
        `invalid type '${typeName(p.type) || 'int'}' for parameter '${p.field}', expected '${typeName(type)}'`);
    }
    i++;
  }
  if (j === sortedKeys.length && i !== sorted.length) {
    throw VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, ErrorDomain.NONE,
      `parameter '${sorted[i]!.field}' not supported`);
  }
}

/** testDomainObjCheckTaint (run for domains loaded from a host definition). */
function checkTaint(obj: DomainObj): void {
  const def = obj.def;
  const taint = (bit: number) => { obj.taint |= 1 << bit; };
  for (const d of def.devices.list) {
    if (d.kind === 'disk') {
      if (getAttr(d.node, 'rawio') === 'yes') taint(Taint.HIGH_PRIVILEGES);
      const src = kid(d.node, 'source');
      if (getAttr(d.node, 'device') === 'cdrom' && getAttr(d.node, 'type') === 'block'
        && (getAttr(src, 'dev') ?? '') !== '') taint(Taint.CDROM_PASSTHROUGH);
    } else if (d.kind === 'hostdev') {
      if (getAttr(d.node, 'type') === 'scsi' && getAttr(d.node, 'rawio') === 'yes') taint(Taint.HIGH_PRIVILEGES);
    } else if (d.kind === 'interface') {
      if (kid(d.node, 'script')) taint(Taint.SHELL_SCRIPTS);
    }
  }
  const cpu = def.misc.find((x) => x.name === 'cpu');
  if (cpu && (getAttr(cpu, 'mode') ?? 'custom') === 'custom' && kid(cpu, 'model')?.text.trim() === 'Deprecated-Test') {
    taint(Taint.DEPRECATED_CONFIG);
    if (!obj.deprecations.includes('CPU model Deprecated-Test')) obj.deprecations.push('CPU model Deprecated-Test');
  }
  if (kid(def.os, 'dtb')) taint(Taint.CUSTOM_DTB);
}

/** A normalised cpuset (`0-3,6`) as the set of CPU numbers in it. */
export function cpusetBits(cpuset: string): Set<number> {
  const bits = new Set<number>();
  for (const part of cpuset.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const to = m[2] === undefined ? Number(m[1]) : Number(m[2]);
    for (let i = Number(m[1]); i <= to; i++) bits.add(i);
  }
  return bits;
}

/**
 * Every host CPU, as a set of CPU numbers: libvirt's cpumaps are bitmaps of
 * VIR_DOMAIN_CPUMASK_LEN bits at most, so a host file claiming more CPUs
 * does not make every call build a set of millions.
 */
export function hostCpuSet(info: NodeInfo): Set<number> {
  return new Set(Array.from({ length: Math.min(maxCpus(info), CPUMASK_LEN) }, (_, i) => i));
}

/** `<cputune><vcpupin vcpu='n' cpuset='…'/>`: each pinned vCPU's CPUs (virDomainVcpuDef cpumask). */
export function vcpuPins(def: DomainDef): Map<number, Set<number>> {
  const pins = new Map<number, Set<number>>();
  for (const tune of def.misc.filter((x) => x.name === 'cputune')) {
    for (const pin of kids(tune, 'vcpupin')) {
      const id = Number(getAttr(pin, 'vcpu') ?? 'NaN');
      const cpuset = getAttr(pin, 'cpuset');
      if (Number.isInteger(id) && cpuset !== undefined && !pins.has(id)) pins.set(id, cpusetBits(cpuset));
    }
  }
  return pins;
}

/**
 * Which vCPUs are online: `<vcpus>` says per vCPU (enabled='yes'); without
 * it the first `current` ones are. A predicate, not an array of `max`
 * entries: a definition may claim 100 million vCPUs, and a caller asks
 * about at most REMOTE_VCPUINFO_MAX of them.
 */
function onlineVcpus(def: DomainDef): (i: number) => boolean {
  const vcpus = def.misc.find((x) => x.name === 'vcpus');
  if (!vcpus) return (i) => i < def.vcpu.current;
  const enabled = new Set<number>();
  for (const v of kids(vcpus, 'vcpu')) {
    const id = Number(getAttr(v, 'id') ?? 'NaN');
    if (Number.isInteger(id) && id >= 0 && id < def.vcpu.max && getAttr(v, 'enabled') === 'yes') enabled.add(id);
  }
  return (i) => enabled.has(i);
}

/** virDomainDiskGetSource: the source path of a disk (undefined for volume, nvme, vhost-user). */
function diskSourcePath(disk: XNode): string | undefined {
  const src = kid(disk, 'source');
  switch (getAttr(disk, 'type') ?? 'file') {
    case 'file': return getAttr(src, 'file');
    case 'block': return getAttr(src, 'dev');
    case 'dir': return getAttr(src, 'dir');
    case 'network': return getAttr(src, 'name');
    default: return undefined;
  }
}

/**
 * virDomainDiskByName without probing: a name without a leading '/' is a
 * target (`vda`), else a source path that must match exactly one disk.
 */
function diskByName(def: DomainDef, name: string): XNode | undefined {
  const disks = def.devices.list.filter((d) => d.kind === 'disk').map((d) => d.node);
  if (!name.startsWith('/')) return disks.find((d) => getAttr(kid(d, 'target'), 'dev') === name);
  const matches = disks.filter((d) => diskSourcePath(d) === name);
  return matches.length === 1 ? matches[0] : undefined;
}

/** virStorageSourceIsEmpty: a local disk without a path, or a network disk without a protocol. */
function diskSourceEmpty(disk: XNode): boolean {
  const type = getAttr(disk, 'type') ?? 'file';
  if ((type === 'file' || type === 'block' || type === 'dir') && diskSourcePath(disk) === undefined) return true;
  if (type === 'network' && getAttr(kid(disk, 'source'), 'protocol') === undefined) return true;
  return false;
}
