/**
 * libvirt's storage driver (src/storage/storage_driver.c) with its `dir`
 * backend, as a value a daemon hosts next to a hypervisor driver: the
 * storage part of the driver contract (pools, volumes, upload/download
 * streams), persistent pool configs in `configDir` (NAME.xml, 0600, with
 * libvirt's warning comment) and autostart links in `autostartDir`, the
 * state of running pools in `stateDir` (`<poolstate>` files). libvirt's
 * dirs for a privileged daemon are /etc/libvirt/storage,
 * /etc/libvirt/storage/autostart and /run/libvirt/storage
 * ({@link SYSTEM_STORAGE_DIRS}); tests give temp dirs.
 *
 * ```ts
 * const storage = new StoragePoolDir({ configDir, autostartDir, stateDir });
 * await storage.load();                       // storageStateInitialize
 * Object.assign(connection, storage.methods()); // the storage* contract methods
 * ```
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, unlinkSync, writeFileSync, fsyncSync, openSync, closeSync, writeSync, fchmodSync } from 'node:fs';
import { join } from 'node:path';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { parseXml, type XmlElement } from '../../util/xml.js';
import type { DriverConnection, DriverEvent, StoragePoolRef, StorageVolRef } from '../driver.js';
import { sanitizePath } from '../../conf/node-conf-util.js';
import { parseDefinitionXml } from '../test/node-host-file.js';
import {
  formatPoolDef, parsePoolDef, parseVolDef, POOL_TYPES as POOL_TYPE_NAMES, poolTypeFlag, sourceConflicts, type PoolDef,
} from '../../conf/storage-def.js';
import {
  buildPool, checkPool, createVol, deletePool, deleteVol, PoolBuild, refreshPool, refreshVol, refreshVolTargetUpdate,
  resizeVol, systemError, VolCreate, VolResize, wipeVol, buildVol, WIPE_ALGORITHMS,
} from './dir-backend.js';
import { downloadStream, uploadStream } from './file-stream.js';
import { formatDirVol, volFromDef, type DirVol } from './vol-def.js';

const D = ErrorDomain.STORAGE;

/** Where a privileged libvirtd keeps its storage driver's files. */
export const SYSTEM_STORAGE_DIRS = {
  configDir: '/etc/libvirt/storage',
  autostartDir: '/etc/libvirt/storage/autostart',
  stateDir: '/run/libvirt/storage',
} as const;

export interface StoragePoolDirOptions {
  configDir: string;
  autostartDir: string;
  stateDir: string;
  /** Autostart pools on load() (virDriverShouldAutostart's first start). Default true. */
  autostart?: boolean;
}

/** virConnectListAllStoragePoolsFlags (state, persistence, autostart; bits 6-19 are pool types). */
const ListPools = { INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32 } as const;
/** virStoragePoolEventLifecycleType. */
export const PoolEvent = { DEFINED: 0, UNDEFINED: 1, STARTED: 2, STOPPED: 3, CREATED: 4, DELETED: 5 } as const;
const PoolCreate = { WITH_BUILD: 1, WITH_BUILD_OVERWRITE: 2, WITH_BUILD_NO_OVERWRITE: 4 } as const;
/** VIR_STORAGE_XML_INACTIVE. */
const XML_INACTIVE = 1;
/** VIR_STORAGE_VOL_GET_PHYSICAL. */
const GET_PHYSICAL = 1;
/** VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM = VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM. */
const SPARSE_STREAM = 1;

interface PoolObj {
  def: PoolDef;
  newDef: PoolDef | null;
  active: boolean;
  starting: boolean;
  autostart: boolean;
  configFile: string | null;
  autostartLink: string | null;
  vols: DirVol[];
  asyncjobs: number;
}

/**
 * virXMLSaveFile (virFileRewrite): the warning comment, then the XML,
 * written to NAME.new (0600), synced and renamed over NAME.
 */
function saveXmlFile(path: string, warnName: string | null, xml: string): void {
  const tmp = `${path}.new`;
  const N = ErrorDomain.NONE;
  let fd = -1;
  try {
    try {
      fd = openSync(tmp, 'w', 0o600);
      fchmodSync(fd, 0o600);
    } catch (e) {
      throw systemError(e, `Failed to create file '${tmp}'`, N);
    }
    try {
      writeSync(fd, '<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n'
        + 'OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n'
        + `  virsh pool-edit${warnName !== null ? ' ' + warnName : ''}\n`
        + 'or other application using the libvirt API.\n-->\n\n' + xml);
    } catch (e) {
      throw systemError(e, `cannot write data to file '${tmp}'`, ErrorDomain.XML);
    }
    try {
      fsyncSync(fd);
    } catch (e) {
      throw systemError(e, `cannot sync file '${tmp}'`, N);
    }
    closeSync(fd);
    fd = -1;
    try {
      renameSync(tmp, path);
    } catch (e) {
      throw systemError(e, `cannot rename file '${tmp}' as '${path}'`, N);
    }
  } finally {
    if (fd >= 0) closeSync(fd);
    try { unlinkSync(tmp); } catch { /* renamed */ }
  }
}

/** virXMLPickShellSafeComment. */
function shellSafe(...names: string[]): string | null {
  for (const n of names) {
    if (!/[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/.test(n) && !n.includes('--')) return n;
  }
  return null;
}

/** virStoragePoolSaveState's document: the pool XML inside `<poolstate>`, indented. */
function stateXml(def: PoolDef): string {
  const inner = formatPoolDef(def).split('\n').map((l) => (l === '' ? l : '  ' + l)).join('\n');
  return `<poolstate>\n${inner}</poolstate>\n`;
}

export class StoragePoolDir {
  readonly #pools = new Map<string, PoolObj>();
  readonly #listeners = new Set<(ev: DriverEvent) => void>();
  readonly #opts: StoragePoolDirOptions;
  #methods: Partial<DriverConnection> | null = null;

  constructor(opts: StoragePoolDirOptions) {
    this.#opts = opts;
  }

  /** Listens to the pools' lifecycle and refresh events; returns the unsubscribe function. */
  subscribe(listener: (ev: DriverEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(def: PoolDef, event: number | 'refresh'): void {
    const pool = { name: def.name, uuid: def.uuid };
    const ev: DriverEvent = event === 'refresh'
      ? { kind: 'storage-pool-refresh', pool }
      : { kind: 'storage-pool-lifecycle', pool, event, detail: 0 };
    for (const l of this.#listeners) l(ev);
  }

  #stateFile(def: PoolDef): string {
    return join(this.#opts.stateDir, `${def.name}.xml`);
  }

  // ---- startup ------------------------------------------------------------

  /**
   * storageStateInitialize: running pools from the state dir, persistent
   * ones from the config dir (autostart when their link exists), every
   * pool's state checked (a dir pool runs while its directory exists) and
   * refreshed, then autostart. Per-pool failures are skipped, as libvirt
   * logs and goes on.
   */
  async load(): Promise<void> {
    const { stateDir, configDir, autostartDir } = this.#opts;
    mkdirSync(stateDir, { recursive: true });
    for (const f of safeReaddir(stateDir)) {
      if (!f.endsWith('.xml')) continue;
      try {
        const doc = parseXml(readFileSync(join(stateDir, f), 'utf8'), join(stateDir, f), D);
        const node = doc.name === 'pool' ? doc : findPool(doc);
        if (!node) continue;
        const def = parsePoolDef(node);
        if (`${def.name}.xml` !== f) continue;
        const obj = this.#add(def, { checkLive: true });
        obj.active = true;
      } catch { /* logged by libvirt, skipped */ }
    }
    for (const f of safeReaddir(configDir)) {
      if (!f.endsWith('.xml')) continue;
      const path = join(configDir, f);
      try {
        const def = parsePoolDef(parseXml(readFileSync(path, 'utf8'), path, D));
        if (`${def.name}.xml` !== f) continue;
        const obj = this.#add(def, {});
        obj.configFile = path;
        obj.autostartLink = join(autostartDir, f);
        obj.autostart = linkPointsTo(obj.autostartLink, path);
      } catch { /* skipped */ }
    }
    for (const obj of [...this.#pools.values()]) {
      let active = checkPool(obj.def);
      if (active) {
        try {
          this.#refreshImpl(obj, this.#stateFile(obj.def));
        } catch {
          active = false;
        }
      } else {
        try { unlinkSync(this.#stateFile(obj.def)); } catch { /* none */ }
      }
      obj.active = active;
      if (!active) this.#updateInactive(obj);
    }
    // virDriverShouldAutostart: only on the first start after boot (the marker file).
    const marker = join(stateDir, 'autostarted');
    let autostart = this.#opts.autostart ?? true;
    if (existsSync(marker)) autostart = false;
    else writeFileSync(marker, '', { mode: 0o600 }); // virFileTouch(path, 0600)
    if (!autostart) return;
    for (const obj of [...this.#pools.values()]) {
      if (!obj.autostart || obj.active) continue;
      obj.starting = true;
      try {
        saveXmlFile(this.#stateFile(obj.def), shellSafe(obj.def.name, obj.def.uuid), stateXml(obj.def));
        this.#refreshImpl(obj, this.#stateFile(obj.def));
        obj.active = true;
      } catch { /* "Failed to autostart storage pool" */ }
      obj.starting = false;
      if (!obj.active) this.#updateInactive(obj);
    }
  }

  // ---- pool objects -------------------------------------------------------

  /** virStoragePoolObjListAdd (source duplicates, then uuid/name duplicates, then assign). */
  #add(def: PoolDef, o: { live?: boolean; checkLive?: boolean }): PoolObj {
    for (const other of this.#pools.values()) {
      if (sourceConflicts(other.def, def)) {
        throw VirtError.report(ErrorCode.OPERATION_FAILED, D, `Storage source conflict with pool: '${other.def.name}'`);
      }
    }
    const same = this.#pools.get(def.uuid);
    if (same) {
      if (same.def.name !== def.name) {
        throw VirtError.report(ErrorCode.OPERATION_FAILED, D, `pool '${same.def.name}' is already defined with uuid ${same.def.uuid}`);
      }
      if (o.checkLive) {
        if (same.active) throw VirtError.report(ErrorCode.OPERATION_INVALID, D, `pool is already active as '${same.def.name}'`);
        if (same.starting) throw VirtError.report(ErrorCode.OPERATION_INVALID, D, `pool '${same.def.name}' is starting up`);
      }
      if (same.active || same.starting) {
        same.newDef = def;
      } else {
        if (!same.newDef && o.live) same.newDef = same.def;
        same.def = def;
      }
      return same;
    }
    for (const other of this.#pools.values()) {
      if (other.def.name === def.name) {
        throw VirtError.report(ErrorCode.OPERATION_FAILED, D, `pool '${def.name}' already exists with uuid ${other.def.uuid}`);
      }
    }
    const obj: PoolObj = {
      def, newDef: null, active: false, starting: false, autostart: false, configFile: null, autostartLink: null,
      vols: [], asyncjobs: 0,
    };
    this.#pools.set(def.uuid, obj);
    return obj;
  }

  /** virStoragePoolUpdateInactive: transient pools go, persistent ones take their new definition. */
  #updateInactive(obj: PoolObj): void {
    if (obj.configFile === null) {
      this.#pools.delete(obj.def.uuid);
    } else if (obj.newDef) {
      obj.def = obj.newDef;
      obj.newDef = null;
    }
  }

  #byRef(ref: StoragePoolRef): PoolObj {
    const obj = this.#pools.get(ref.uuid);
    if (!obj) {
      throw VirtError.report(ErrorCode.NO_STORAGE_POOL, D, `no storage pool with matching uuid '${ref.uuid}' (${ref.name})`);
    }
    return obj;
  }

  #byName(name: string): PoolObj {
    for (const o of this.#pools.values()) if (o.def.name === name) return o;
    throw VirtError.report(ErrorCode.NO_STORAGE_POOL, D, `no storage pool with matching name '${name}'`);
  }

  static #ref(def: PoolDef): StoragePoolRef {
    return { name: def.name, uuid: def.uuid };
  }

  static #volRef(def: PoolDef, v: DirVol): StorageVolRef {
    return { pool: def.name, name: v.name, key: v.key };
  }

  #notActive(obj: PoolObj): never {
    throw VirtError.report(ErrorCode.OPERATION_INVALID, D, `storage pool '${obj.def.name}' is not active`);
  }

  #checkIdle(obj: PoolObj, activeWord: 'still active' | 'already active' | null): void {
    if (activeWord && obj.active) {
      throw VirtError.report(ErrorCode.OPERATION_INVALID, D, `storage pool '${obj.def.name}' is ${activeWord}`);
    }
    if (obj.starting) throw VirtError.report(ErrorCode.OPERATION_INVALID, D, `storage pool '${obj.def.name}' is starting up`);
  }

  #checkNoJobs(obj: PoolObj): void {
    if (obj.asyncjobs > 0) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `pool '${obj.def.name}' has asynchronous jobs running.`);
    }
  }

  /** storagePoolRefreshImpl: volumes cleared and re-read; on failure the state file goes. */
  #refreshImpl(obj: PoolObj, stateFile: string | null): void {
    obj.vols = [];
    try {
      obj.vols = refreshPool(obj.def);
    } catch (e) {
      obj.vols = [];
      if (stateFile) try { unlinkSync(stateFile); } catch { /* none */ }
      throw e;
    }
  }

  /** virStoragePoolObjSaveDef: NAME.xml in the config dir. */
  #saveDef(obj: PoolObj, def: PoolDef): void {
    if (obj.configFile === null) {
      try {
        mkdirSync(this.#opts.configDir, { recursive: true });
      } catch (e) {
        throw systemError(e, `cannot create config directory ${this.#opts.configDir}`);
      }
      obj.configFile = join(this.#opts.configDir, `${def.name}.xml`);
      obj.autostartLink = join(this.#opts.autostartDir, `${def.name}.xml`);
    }
    saveXmlFile(obj.configFile, shellSafe(def.name, def.uuid), formatPoolDef(def));
  }

  /** Starts a pool (storagePoolCreate / CreateXML after the checks): build if asked, state file, refresh. */
  #start(obj: PoolObj, flags: number): void {
    const buildFlags = flags & PoolCreate.WITH_BUILD_OVERWRITE ? PoolBuild.OVERWRITE
      : flags & PoolCreate.WITH_BUILD_NO_OVERWRITE ? PoolBuild.NO_OVERWRITE : 0;
    if (buildFlags || (flags & PoolCreate.WITH_BUILD)) buildPool(obj.def, buildFlags);
    const stateFile = this.#stateFile(obj.def);
    try {
      mkdirSync(this.#opts.stateDir, { recursive: true });
    } catch { /* saveXmlFile reports */ }
    saveXmlFile(stateFile, shellSafe(obj.def.name, obj.def.uuid), stateXml(obj.def));
    this.#refreshImpl(obj, stateFile);
  }

  #vol(obj: PoolObj, name: string): DirVol {
    const v = obj.vols.find((x) => x.name === name);
    if (!v) throw VirtError.report(ErrorCode.NO_STORAGE_VOL, D, `no storage vol with matching name '${name}'`);
    return v;
  }

  /** virStorageVolDefFromVol: the pool by name, active, and the volume in it. */
  #volFromRef(ref: StorageVolRef): { obj: PoolObj; vol: DirVol } {
    const obj = this.#byName(ref.pool);
    if (!obj.active) this.#notActive(obj);
    return { obj, vol: this.#vol(obj, ref.name) };
  }

  #checkVolIdle(vol: DirVol, inUse = true): void {
    if (inUse && vol.inUse) throw VirtError.report(ErrorCode.OPERATION_INVALID, D, `volume '${vol.name}' is still in use.`);
    if (vol.building) throw VirtError.report(ErrorCode.OPERATION_INVALID, D, `volume '${vol.name}' is still being allocated.`);
  }

  /**
   * virStorageVolDefParse with VIR_VOL_XML_PARSE_OPT_CAPACITY (a capacity
   * may be left out when there is a backing store) or NO_CAPACITY (clones).
   */
  #parseVol(obj: PoolObj, xml: string, capacity: 'opt' | 'none'): DirVol {
    const root = parseDefinitionXml(xml, '(storage_volume_definition)', D);
    const has = (n: string): boolean => root.children.some((c) => c.name === n);
    let el: XmlElement = root;
    const hasBacking = root.children.some((c) => c.name === 'backingStore' && c.children.some((p) => p.name === 'path'));
    if (root.name === 'volume' && !has('capacity') && (capacity === 'none' || hasBacking)) {
      el = { ...root, children: [...root.children, { name: 'capacity', attrs: {}, children: [], text: '0' }] };
    }
    const def = parseVolDef(obj.def, el);
    return volFromDef(def, has('allocation'));
  }

  /** Removes a volume from disk and from its pool (storageVolDeleteInternal). */
  #deleteVolInternal(obj: PoolObj, vol: DirVol, updateMeta: boolean): void {
    deleteVol(vol);
    if (updateMeta) {
      obj.def.allocation -= vol.target.allocation;
      obj.def.available += vol.target.allocation;
    }
    const i = obj.vols.indexOf(vol);
    if (i >= 0) obj.vols.splice(i, 1);
  }

  /** The pool refresh libvirt runs when an upload stream closes (virStorageVolPoolRefreshThread). */
  #refreshAfterUpload(poolName: string): void {
    let obj: PoolObj;
    try {
      obj = this.#byName(poolName);
    } catch {
      return;
    }
    if (obj.asyncjobs > 0) return;
    try {
      this.#refreshImpl(obj, null);
    } catch { /* "Failed to refresh storage pool" is only logged */ }
    this.#emit(obj.def, 'refresh');
  }

  // ---- the contract -------------------------------------------------------

  /** The storage methods of the driver contract. Built once; they close over this driver only. */
  methods(): Partial<DriverConnection> {
    return this.#methods ??= this.#buildMethods();
  }

  #buildMethods(): Partial<DriverConnection> {
    const names = (active: boolean): string[] =>
      [...this.#pools.values()].filter((o) => o.active === active).map((o) => o.def.name);
    return {
      connectListAllStoragePools: async ({ need_results, flags }) => {
        checkFlags(flags, 0xfffff, 'virConnectListAllStoragePools', D);
        const pools = [...this.#pools.values()].filter((o) => matchPool(flags, o)).map((o) => StoragePoolDir.#ref(o.def));
        return { pools: need_results ? pools : [], ret: pools.length };
      },
      connectNumOfStoragePools: async () => ({ num: names(true).length }),
      connectListStoragePools: async ({ maxnames }) => ({ names: names(true).slice(0, Math.max(0, maxnames)) }),
      connectNumOfDefinedStoragePools: async () => ({ num: names(false).length }),
      connectListDefinedStoragePools: async ({ maxnames }) => ({ names: names(false).slice(0, Math.max(0, maxnames)) }),
      storagePoolLookupByName: async ({ name }) => ({ pool: StoragePoolDir.#ref(this.#byName(name).def) }),
      storagePoolLookupByUUID: async ({ uuid }) => {
        const obj = this.#pools.get(uuid);
        if (!obj) throw VirtError.report(ErrorCode.NO_STORAGE_POOL, D, `no storage pool with matching uuid '${uuid}'`);
        return { pool: StoragePoolDir.#ref(obj.def) };
      },
      storagePoolLookupByVolume: async ({ vol }) => ({ pool: StoragePoolDir.#ref(this.#byName(vol.pool).def) }),
      storagePoolLookupByTargetPath: async ({ path }) => {
        const clean = sanitizePath(path);
        for (const o of this.#pools.values()) {
          if (o.active && o.def.targetPath === clean) return { pool: StoragePoolDir.#ref(o.def) };
        }
        throw VirtError.report(ErrorCode.NO_STORAGE_POOL, D, path === clean
          ? `no storage pool with matching target path '${path}'`
          : `no storage pool with matching target path '${path}' (${clean})`);
      },
      // storageConnectFindStoragePoolSources: the dir backend has no source discovery.
      connectFindStoragePoolSources: async ({ type }) => {
        if (!(POOL_TYPE_NAMES as readonly string[]).includes(type)) {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `unknown storage pool type ${type}`);
        }
        if (type !== 'dir') this.#requireDir({ type } as PoolDef);
        throw VirtError.report(ErrorCode.NO_SUPPORT, D, `pool type '${type}' does not support source discovery`);
      },
      storagePoolIsActive: async ({ pool }) => ({ active: this.#byRef(pool).active ? 1 : 0 }),
      storagePoolIsPersistent: async ({ pool }) => ({ persistent: this.#byRef(pool).configFile !== null ? 1 : 0 }),

      storagePoolDefineXML: async ({ xml, flags }) => {
        checkFlags(flags, 1, 'storagePoolDefineXML', D);
        const def = parsePoolDef(parseDefinitionXml(xml, '(storage_pool_definition)', D));
        // virXMLCheckIllegalChars("name", name, "\n"): the character itself goes into the message.
        if (def.name.includes('\n')) throw VirtError.report(ErrorCode.XML_DETAIL, ErrorDomain.XML, 'invalid char in name: \n');
        this.#requireDir(def);
        const existed = this.#pools.has(def.uuid);
        const obj = this.#add(def, {});
        try {
          this.#saveDef(obj, obj.newDef ?? obj.def);
        } catch (e) {
          if (!existed) this.#pools.delete(obj.def.uuid);
          throw e;
        }
        this.#emit(obj.def, PoolEvent.DEFINED);
        return { pool: StoragePoolDir.#ref(obj.def) };
      },
      storagePoolCreateXML: async ({ xml, flags }) => {
        checkFlags(flags, 7, 'storagePoolCreateXML', D);
        exclusiveBuild(flags);
        const def = parsePoolDef(parseDefinitionXml(xml, '(storage_pool_definition)', D));
        this.#requireDir(def);
        const obj = this.#add(def, { live: true, checkLive: true });
        obj.starting = true;
        try {
          this.#start(obj, flags);
          obj.active = true;
        } finally {
          obj.starting = false;
          if (!obj.active) this.#updateInactive(obj);
        }
        this.#emit(obj.def, PoolEvent.STARTED);
        return { pool: StoragePoolDir.#ref(obj.def) };
      },
      storagePoolUndefine: async ({ pool }) => {
        const obj = this.#byRef(pool);
        this.#checkIdle(obj, 'still active');
        this.#checkNoJobs(obj);
        if (obj.configFile === null) throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `no config file for ${obj.def.name}`);
        try {
          unlinkSync(obj.configFile);
        } catch {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `cannot remove config for ${obj.def.name}`);
        }
        if (obj.autostartLink) try { unlinkSync(obj.autostartLink); } catch { /* ENOENT is fine */ }
        this.#emit(obj.def, PoolEvent.UNDEFINED);
        this.#pools.delete(obj.def.uuid);
      },
      storagePoolCreate: async ({ pool, flags }) => {
        checkFlags(flags, 7, 'storagePoolCreate', D);
        exclusiveBuild(flags);
        const obj = this.#byRef(pool);
        this.#checkIdle(obj, 'already active');
        obj.starting = true;
        try {
          this.#start(obj, flags);
          obj.active = true;
        } finally {
          obj.starting = false;
          if (!obj.active) this.#updateInactive(obj);
        }
        this.#emit(obj.def, PoolEvent.STARTED);
      },
      storagePoolBuild: async ({ pool, flags }) => {
        const obj = this.#byRef(pool);
        this.#checkIdle(obj, 'already active');
        obj.starting = true;
        try {
          checkFlags(flags, PoolBuild.OVERWRITE | PoolBuild.NO_OVERWRITE, 'virStorageBackendFileSystemBuild', D);
          buildPool(obj.def, flags);
        } finally {
          obj.starting = false;
          this.#updateInactive(obj);
        }
        this.#emit(obj.def, PoolEvent.CREATED);
      },
      storagePoolDestroy: async ({ pool }) => {
        const obj = this.#byRef(pool);
        if (!obj.active) this.#notActive(obj);
        this.#checkIdle(obj, null);
        this.#checkNoJobs(obj);
        try { unlinkSync(this.#stateFile(obj.def)); } catch { /* none */ }
        obj.vols = [];
        this.#emit(obj.def, PoolEvent.STOPPED);
        obj.active = false;
        this.#updateInactive(obj);
      },
      storagePoolDelete: async ({ pool, flags }) => {
        const obj = this.#byRef(pool);
        this.#checkIdle(obj, 'still active');
        this.#checkNoJobs(obj);
        try { unlinkSync(this.#stateFile(obj.def)); } catch { /* none */ }
        checkFlags(flags, 0, 'virStorageBackendDeleteLocal', D);
        deletePool(obj.def);
        this.#emit(obj.def, PoolEvent.DELETED);
      },
      storagePoolRefresh: async ({ pool, flags }) => {
        checkFlags(flags, 0, 'storagePoolRefresh', D);
        const obj = this.#byRef(pool);
        if (!obj.active) this.#notActive(obj);
        this.#checkIdle(obj, null);
        this.#checkNoJobs(obj);
        try {
          this.#refreshImpl(obj, this.#stateFile(obj.def));
        } catch (e) {
          this.#emit(obj.def, PoolEvent.STOPPED);
          obj.active = false;
          this.#updateInactive(obj);
          throw e;
        }
        this.#emit(obj.def, 'refresh');
      },
      storagePoolGetInfo: async ({ pool }) => {
        const obj = this.#byRef(pool);
        return {
          state: obj.active ? 2 : 0,
          capacity: Number(obj.def.capacity),
          allocation: Number(obj.def.allocation),
          available: Number(obj.def.available),
        };
      },
      storagePoolGetXMLDesc: async ({ pool, flags }) => {
        checkFlags(flags, XML_INACTIVE, 'storagePoolGetXMLDesc', D);
        const obj = this.#byRef(pool);
        return { xml: formatPoolDef((flags & XML_INACTIVE) && obj.newDef ? obj.newDef : obj.def) };
      },
      storagePoolGetAutostart: async ({ pool }) => ({ autostart: this.#byRef(pool).autostart ? 1 : 0 }),
      storagePoolSetAutostart: async ({ pool, autostart }) => {
        const obj = this.#byRef(pool);
        if (obj.configFile === null) throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, 'pool has no config file');
        const want = autostart !== 0;
        if (want === obj.autostart) return;
        const link = obj.autostartLink!;
        if (want) {
          try {
            mkdirSync(this.#opts.autostartDir, { recursive: true });
          } catch (e) {
            throw systemError(e, `cannot create autostart directory ${this.#opts.autostartDir}`);
          }
          try {
            symlinkSync(obj.configFile, link);
          } catch (e) {
            throw systemError(e, `Failed to create symlink '${link}' to '${obj.configFile}'`);
          }
        } else {
          try {
            unlinkSync(link);
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            if (code !== 'ENOENT' && code !== 'ENOTDIR') throw systemError(e, `Failed to delete symlink '${link}'`);
          }
        }
        obj.autostart = want;
      },
      storagePoolNumOfVolumes: async ({ pool }) => {
        const obj = this.#byRef(pool);
        if (!obj.active) this.#notActive(obj);
        return { num: obj.vols.length };
      },
      storagePoolListVolumes: async ({ pool, maxnames }) => {
        const obj = this.#byRef(pool);
        if (!obj.active) this.#notActive(obj);
        return { names: obj.vols.slice(0, Math.max(0, maxnames)).map((v) => v.name) };
      },
      storagePoolListAllVolumes: async ({ pool, need_results, flags }) => {
        checkFlags(flags, 0, 'storagePoolListAllVolumes', D);
        const obj = this.#byRef(pool);
        if (!obj.active) this.#notActive(obj);
        const vols = obj.vols.map((v) => StoragePoolDir.#volRef(obj.def, v));
        return { vols: need_results ? vols : [], ret: vols.length };
      },

      storageVolLookupByName: async ({ pool, name }) => {
        const obj = this.#byRef(pool);
        if (!obj.active) this.#notActive(obj);
        return { vol: StoragePoolDir.#volRef(obj.def, this.#vol(obj, name)) };
      },
      storageVolLookupByKey: async ({ key }) => {
        for (const o of this.#pools.values()) {
          const v = o.active ? o.vols.find((x) => x.key === key) : undefined;
          if (v) return { vol: StoragePoolDir.#volRef(o.def, v) };
        }
        throw VirtError.report(ErrorCode.NO_STORAGE_VOL, D, `no storage vol with matching key ${key}`);
      },
      storageVolLookupByPath: async ({ path }) => {
        const clean = sanitizePath(path);
        for (const o of this.#pools.values()) {
          const v = o.active ? o.vols.find((x) => x.target.path === clean) : undefined;
          if (v) return { vol: StoragePoolDir.#volRef(o.def, v) };
        }
        throw VirtError.report(ErrorCode.NO_STORAGE_VOL, D, path === clean
          ? `no storage vol with matching path '${path}'` : `no storage vol with matching path '${path}' (${clean})`);
      },

      storageVolCreateXML: async ({ pool, xml, flags }) => {
        checkFlags(flags, VolCreate.PREALLOC_METADATA | VolCreate.VALIDATE, 'storageVolCreateXML', D);
        const obj = this.#byRef(pool);
        if (!obj.active) this.#notActive(obj);
        const vol = this.#parseVol(obj, xml, 'opt');
        if (obj.vols.some((v) => v.name === vol.name)) {
          throw VirtError.report(ErrorCode.STORAGE_VOL_EXIST, D, `'${vol.name}'`);
        }
        createVol(obj.def, vol);
        obj.vols.push(vol);
        obj.asyncjobs++;
        vol.building = true;
        try {
          await buildVol(obj.def, { ...vol, target: { ...vol.target } }, null, flags & ~VolCreate.VALIDATE);
        } catch (e) {
          obj.vols.splice(obj.vols.indexOf(vol), 1);
          throw e;
        } finally {
          vol.building = false;
          obj.asyncjobs--;
        }
        try {
          refreshVol(vol);
        } catch (e) {
          this.#deleteVolInternal(obj, vol, false);
          throw e;
        }
        obj.def.allocation += vol.target.allocation;
        obj.def.available -= vol.target.allocation;
        return { vol: StoragePoolDir.#volRef(obj.def, vol) };
      },
      storageVolCreateXMLFrom: async ({ pool, xml, clonevol, flags }) => {
        checkFlags(flags, VolCreate.PREALLOC_METADATA | VolCreate.REFLINK | VolCreate.VALIDATE, 'storageVolCreateXMLFrom', D);
        const obj = this.#pools.get(pool.uuid);
        if (!obj) {
          throw VirtError.report(ErrorCode.NO_STORAGE_POOL, D, `no storage pool with matching uuid '${pool.uuid}' (${pool.name})`);
        }
        let objsrc: PoolObj | null = null;
        if (pool.name !== clonevol.pool) {
          objsrc = [...this.#pools.values()].find((o) => o.def.name === clonevol.pool) ?? null;
          if (!objsrc) throw VirtError.report(ErrorCode.NO_STORAGE_POOL, D, `no storage pool with matching name '${clonevol.pool}'`);
        }
        if (!obj.active) this.#notActive(obj);
        if (objsrc && !objsrc.active) this.#notActive(objsrc);
        const src = (objsrc ?? obj).vols.find((v) => v.name === clonevol.name);
        if (!src) throw VirtError.report(ErrorCode.NO_STORAGE_VOL, D, `no storage vol with matching name '${clonevol.name}'`);
        const vol = this.#parseVol(obj, xml, 'none');
        if (obj.vols.some((v) => v.name === vol.name)) {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `storage volume name '${vol.name}' already in use.`);
        }
        if (vol.target.capacity < src.target.capacity) vol.target.capacity = src.target.capacity;
        if (!vol.hasAllocation) vol.target.allocation = vol.target.capacity;
        this.#checkVolIdle(src, false);
        refreshVol(src);
        createVol(obj.def, vol);
        const shadow: DirVol = { ...vol, target: { ...vol.target } };
        obj.vols.push(vol);
        obj.asyncjobs++;
        if (objsrc) objsrc.asyncjobs++;
        vol.building = true;
        src.inUse++;
        let failed: unknown = null;
        try {
          await buildVol(obj.def, shadow, src, flags & ~VolCreate.VALIDATE);
        } catch (e) {
          failed = e;
        } finally {
          src.inUse--;
          vol.building = false;
          obj.asyncjobs--;
          if (objsrc) objsrc.asyncjobs--;
        }
        if (failed === null) {
          try {
            refreshVol(vol);
          } catch (e) {
            failed = e;
          }
        }
        if (failed !== null) {
          try { this.#deleteVolInternal(obj, vol, false); } catch { /* the build's error wins */ }
          const i = obj.vols.indexOf(vol);
          if (i >= 0) obj.vols.splice(i, 1);
          throw failed;
        }
        obj.def.allocation += vol.target.allocation;
        obj.def.available -= vol.target.allocation;
        return { vol: StoragePoolDir.#volRef(obj.def, vol) };
      },
      storageVolDelete: async ({ vol: ref, flags }) => {
        const { obj, vol } = this.#volFromRef(ref);
        this.#checkVolIdle(vol);
        checkFlags(flags, 0, 'virStorageBackendVolDeleteLocal', D);
        this.#deleteVolInternal(obj, vol, true);
      },
      storageVolWipe: async ({ vol: ref, flags }) => this.#wipe(ref, 0, flags),
      storageVolWipePattern: async ({ vol: ref, algorithm, flags }) => this.#wipe(ref, algorithm, flags),
      storageVolResize: async ({ vol: ref, capacity, flags }) => {
        checkFlags(flags, VolResize.ALLOCATE | VolResize.DELTA | VolResize.SHRINK, 'storageVolResize', D);
        const { obj, vol } = this.#volFromRef(ref);
        this.#checkVolIdle(vol);
        const cap = BigInt(capacity);
        let abs: bigint;
        if (flags & VolResize.DELTA) {
          abs = flags & VolResize.SHRINK
            ? vol.target.capacity - (cap < vol.target.capacity ? cap : vol.target.capacity)
            : vol.target.capacity + cap;
          flags &= ~VolResize.DELTA;
        } else {
          abs = cap;
        }
        if (abs < vol.target.allocation) {
          throw VirtError.report(ErrorCode.INVALID_ARG, D, "can't shrink capacity below existing allocation");
        }
        if (abs < vol.target.capacity && !(flags & VolResize.SHRINK)) {
          throw VirtError.report(ErrorCode.INVALID_ARG, D,
            "Can't shrink capacity below current capacity unless shrink flag explicitly specified");
        }
        const delta = flags & VolResize.ALLOCATE ? abs - vol.target.allocation : 0n;
        if (delta > obj.def.available) {
          throw VirtError.report(ErrorCode.OPERATION_FAILED, D, 'Not enough space left in storage pool');
        }
        await resizeVol(vol, abs, flags);
        vol.target.capacity = abs;
        if (flags & VolResize.ALLOCATE) {
          vol.target.allocation = abs;
          obj.def.allocation += delta;
          obj.def.available -= delta;
        }
      },
      storageVolGetInfo: async ({ vol: ref }) => {
        const { vol } = this.#volFromRef(ref);
        refreshVol(vol);
        return { type: vol.type, capacity: Number(vol.target.capacity), allocation: Number(vol.target.allocation) };
      },
      storageVolGetInfoFlags: async ({ vol: ref, flags }) => {
        checkFlags(flags, GET_PHYSICAL, 'storageVolGetInfoFlags', D);
        const { vol } = this.#volFromRef(ref);
        refreshVol(vol);
        return {
          type: vol.type, capacity: Number(vol.target.capacity),
          allocation: Number(flags & GET_PHYSICAL ? vol.target.physical : vol.target.allocation),
        };
      },
      storageVolGetXMLDesc: async ({ vol: ref, flags }) => {
        checkFlags(flags, 0, 'storageVolGetXMLDesc', D);
        const { vol } = this.#volFromRef(ref);
        refreshVol(vol);
        return { xml: formatDirVol(vol) };
      },
      storageVolGetPath: async ({ vol: ref }) => ({ name: this.#volFromRef(ref).vol.target.path }),
      storageVolUpload: async ({ vol: ref, offset, length, flags }, stream) => {
        checkFlags(flags, SPARSE_STREAM, 'storageVolUpload', D);
        const { obj, vol } = this.#volFromRef(ref);
        this.#checkVolIdle(vol);
        checkFlags(flags, SPARSE_STREAM, 'virStorageBackendVolUploadLocal', D);
        obj.asyncjobs++;
        vol.inUse++;
        const poolName = obj.def.name;
        let drv;
        try {
          drv = await uploadStream({
            path: vol.target.path, offset, length, sparse: (flags & SPARSE_STREAM) !== 0,
            onClose: () => this.#refreshAfterUpload(poolName),
          });
        } finally {
          vol.inUse--;
          obj.asyncjobs--;
        }
        stream.attach(drv);
      },
      storageVolDownload: async ({ vol: ref, offset, length, flags }, stream) => {
        checkFlags(flags, SPARSE_STREAM, 'storageVolDownload', D);
        const { obj, vol } = this.#volFromRef(ref);
        this.#checkVolIdle(vol, false);
        obj.asyncjobs++;
        vol.inUse++;
        let drv;
        try {
          drv = await downloadStream({ path: vol.target.path, offset, length, sparse: (flags & SPARSE_STREAM) !== 0 });
        } finally {
          vol.inUse--;
          obj.asyncjobs--;
        }
        stream.attach(drv);
      },
    };
  }

  /** storageVolWipePattern: wipe, then re-probe the volume as pool refresh would. */
  async #wipe(ref: StorageVolRef, algorithm: number, flags: number): Promise<void> {
    checkFlags(flags, 0, 'storageVolWipePattern', D);
    if (algorithm >= WIPE_ALGORITHMS.length) {
      throw VirtError.report(ErrorCode.INVALID_ARG, D, `wiping algorithm ${algorithm} not supported`);
    }
    const { obj, vol } = this.#volFromRef(ref);
    this.#checkVolIdle(vol);
    obj.asyncjobs++;
    vol.inUse++;
    try {
      await wipeVol(vol, algorithm, flags);
    } finally {
      vol.inUse--;
      obj.asyncjobs--;
    }
    refreshVolTargetUpdate(vol);
  }

  /** virStorageBackendForType: only the dir backend is here. */
  #requireDir(def: PoolDef): void {
    if (def.type !== 'dir') {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `missing backend for pool type ${POOL_TYPE_NAMES.indexOf(def.type)} (${def.type})`);
    }
  }
}

function exclusiveBuild(flags: number): void {
  // VIR_EXCLUSIVE_FLAGS_RET(VIR_STORAGE_POOL_BUILD_OVERWRITE, VIR_STORAGE_POOL_BUILD_NO_OVERWRITE):
  // libvirt checks the build flag values (8 and 4) on the create flags.
  if ((flags & PoolBuild.OVERWRITE) && (flags & PoolBuild.NO_OVERWRITE)) {
    throw VirtError.report(ErrorCode.INVALID_ARG, D,
      "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive");
  }
}

/** virStoragePoolMatch for the list filters. */
function matchPool(flags: number, o: PoolObj): boolean {
  const L = ListPools;
  const persistent = o.configFile !== null;
  if ((flags & (L.ACTIVE | L.INACTIVE)) && !(((flags & L.ACTIVE) && o.active) || ((flags & L.INACTIVE) && !o.active))) return false;
  if ((flags & (L.PERSISTENT | L.TRANSIENT)) &&
      !(((flags & L.PERSISTENT) && persistent) || ((flags & L.TRANSIENT) && !persistent))) return false;
  if ((flags & (L.AUTOSTART | L.NO_AUTOSTART)) &&
      !(((flags & L.AUTOSTART) && o.autostart) || ((flags & L.NO_AUTOSTART) && !o.autostart))) return false;
  const typeBits = flags & 0xfffc0;
  if (typeBits && !(typeBits & poolTypeFlag(o.def.type))) return false;
  return true;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function findPool(el: XmlElement): XmlElement | undefined {
  for (const c of el.children) {
    if (c.name === 'pool') return c;
    const f = findPool(c);
    if (f) return f;
  }
  return undefined;
}

/** virFileLinkPointsTo. */
function linkPointsTo(link: string, target: string): boolean {
  try {
    return readlinkSync(link) === target;
  } catch {
    return false;
  }
}
