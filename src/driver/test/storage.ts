/**
 * The test driver's storage pools and volumes (testStoragePool* and
 * testStorageVol* in libvirt's test_driver.c). Pools get the test driver's
 * fixed 100 GiB capacity; volumes are bookkept against it. Volume upload,
 * download, wipe and resize are not implemented by the 9.0 test driver and
 * so have no method here.
 */
import type { DriverConnection, StoragePoolRef, StorageVolRef } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { XmlElement } from '../../util/xml.js';
import type { TestHost } from './host.js';
import { childrenNamed } from '../../conf/node-conf-util.js';
import { loadFamilyElement, parseDefinitionXml } from './node-host-file.js';
import {
  formatPoolDef, formatVolDef, parsePoolDef, parsePoolSource, parseVolDef, POOL_TYPES, poolTypeFlag, sourceConflicts,
  volTypeForPool, type PoolDef, type VolDef,
} from '../../conf/storage-def.js';

/** virConnectListAllStoragePoolsFlags (state, persistence, autostart; bits 6-19 are pool types). */
export const ListPools = {
  INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32,
} as const;

/** virStoragePoolEventLifecycleType. */
export const PoolEvent = { DEFINED: 0, UNDEFINED: 1, STARTED: 2, STOPPED: 3, CREATED: 4, DELETED: 5 } as const;

/** VIR_STORAGE_VOL_CREATE_VALIDATE: accepted, though the RNG schema check behind it is not made. */
const CREATE_VALIDATE = 4;

/** defaultPoolCap / defaultPoolAlloc of the test driver. */
export const DEFAULT_POOL_CAPACITY = 100n * 1024n * 1024n * 1024n;

const T = ErrorDomain.TEST;

interface PoolObj {
  def: PoolDef;
  newDef: PoolDef | null;
  active: boolean;
  autostart: boolean;
  /** virStoragePoolObj's configFile: set ('') for persistent pools, null for transient ones. */
  configFile: string | null;
  vols: VolDef[];
}

export class StorageStore {
  /** Keyed by UUID, in insertion order. */
  readonly #pools = new Map<string, PoolObj>();

  constructor(readonly host: TestHost) {}

  /** testParseStorage: `/node/pool` elements (inline or `file=`) and their `<volume>` children. */
  load(root: XmlElement, baseDir: string): void {
    for (const el of childrenNamed(root, 'pool')) {
      const node = loadFamilyElement(el, baseDir, 'pool');
      const obj = this.#add(parsePoolDef(node), false);
      setDefaults(obj);
      obj.active = true;
      // `/node/pool[i]/volume`: after a file= reference was replaced, that
      // is the referenced document's own <pool>.
      for (const ve of childrenNamed(node, 'volume')) {
        const vnode = loadFamilyElement(ve, baseDir, 'volume');
        const vol = parseVolDef(obj.def, vnode);
        if (vol.path === undefined) vol.path = `${obj.def.targetPath ?? '(null)'}/${vol.name}`;
        if (vol.key === undefined) vol.key = vol.path;
        if (obj.vols.some((v) => v.name === vol.name || v.key === vol.key || v.path === vol.path)) {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, `Duplicate hash table key '${vol.key}'`);
        }
        obj.vols.push(vol);
        obj.def.allocation += vol.allocation;
        obj.def.available = obj.def.capacity - obj.def.allocation;
      }
    }
  }

  #findByName(name: string): PoolObj | undefined {
    for (const o of this.#pools.values()) if (o.def.name === name) return o;
    return undefined;
  }

  #byName(name: string): PoolObj {
    const o = this.#findByName(name);
    if (!o) throw VirtError.report(ErrorCode.NO_STORAGE_POOL, T, `no storage pool with matching name '${name}'`);
    return o;
  }

  #activeByName(name: string): PoolObj {
    const o = this.#byName(name);
    if (!o.active) throw VirtError.report(ErrorCode.OPERATION_INVALID, T, `storage pool '${name}' is not active`);
    return o;
  }

  #inactiveByName(name: string): PoolObj {
    const o = this.#byName(name);
    if (o.active) throw VirtError.report(ErrorCode.OPERATION_INVALID, T, `storage pool '${name}' is active`);
    return o;
  }

  #byUuid(uuid: string): PoolObj {
    const o = this.#pools.get(uuid);
    if (!o) throw VirtError.report(ErrorCode.NO_STORAGE_POOL, T, `no storage pool with matching uuid '${uuid}'`);
    return o;
  }

  /** virStoragePoolObjListAdd. */
  #add(def: PoolDef, checkLive: boolean): PoolObj {
    for (const o of this.#pools.values()) {
      if (sourceConflicts(o.def, def)) {
        throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.STORAGE,
          `Storage source conflict with pool: '${o.def.name}'`);
      }
    }
    const same = this.#pools.get(def.uuid);
    if (same) {
      if (same.def.name !== def.name) {
        throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.STORAGE,
          `pool '${same.def.name}' is already defined with uuid ${same.def.uuid}`);
      }
      if (checkLive && same.active) {
        throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.STORAGE,
          `pool is already active as '${same.def.name}'`);
      }
      // virStoragePoolObjAssignDef
      if (same.active) same.newDef = def;
      else same.def = def;
      return same;
    }
    const byName = this.#findByName(def.name);
    if (byName) {
      throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.STORAGE,
        `pool '${def.name}' already exists with uuid ${byName.def.uuid}`);
    }
    const obj: PoolObj = { def, newDef: null, active: false, autostart: false, configFile: null, vols: [] };
    this.#pools.set(def.uuid, obj);
    return obj;
  }

  #remove(obj: PoolObj): void {
    this.#pools.delete(obj.def.uuid);
  }

  #emit(p: { name: string; uuid: string }, event: number): void {
    this.host.events.emit({ kind: 'storage-pool-lifecycle', pool: { name: p.name, uuid: p.uuid }, event, detail: 0 });
  }

  static #ref(def: PoolDef): StoragePoolRef {
    return { name: def.name, uuid: def.uuid };
  }

  static #volRef(pool: PoolDef, v: VolDef): StorageVolRef {
    return { pool: pool.name, name: v.name, key: v.key ?? '' };
  }

  #vol(obj: PoolObj, name: string): VolDef {
    const v = obj.vols.find((x) => x.name === name);
    if (!v) throw VirtError.report(ErrorCode.NO_STORAGE_VOL, T, `no storage vol with matching name '${name}'`);
    return v;
  }

  /**
   * virStorageVolDefParseString in `obj`'s pool, then the name check of
   * testStorageVolCreateXML*. The test driver hands its flags to the parser,
   * which (after the schema check VALIDATE asks for) refuses VALIDATE itself.
   */
  #parseNewVol(obj: PoolObj, xml: string, flags: number): VolDef {
    const doc = parseDefinitionXml(xml, '(storage_volume_definition)', ErrorDomain.STORAGE);
    checkFlags(flags, 0, 'virStorageVolDefParseXML', ErrorDomain.STORAGE);
    const vol = parseVolDef(obj.def, doc);
    if (obj.vols.some((v) => v.name === vol.name)) {
      throw VirtError.report(ErrorCode.OPERATION_FAILED, T, 'storage vol already exists');
    }
    return vol;
  }

  /** The space check, path, key and bookkeeping of testStorageVolCreateXML*. */
  #addVol(obj: PoolObj, vol: VolDef): StorageVolRef {
    const def = obj.def;
    if (def.allocation + vol.allocation > def.capacity) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, T, `Not enough free space in pool for volume '${vol.name}'`);
    }
    vol.path = `${def.targetPath ?? '(null)'}/${vol.name}`;
    vol.key = vol.path;
    if (obj.vols.some((v) => v.key === vol.key || v.path === vol.path)) {
      throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, `Duplicate hash table key '${vol.key}'`);
    }
    obj.vols.push(vol);
    def.allocation += vol.allocation;
    def.available = def.capacity - def.allocation;
    return StorageStore.#volRef(def, vol);
  }

  /** Names of the active or the inactive pools (virStoragePoolObjGetNames), in insertion order. */
  #names(active: boolean): string[] {
    return [...this.#pools.values()].filter((o) => o.active === active).map((o) => o.def.name);
  }

  /** The contract methods this part implements. */
  methods(): Partial<DriverConnection> {
    return {
      connectListAllStoragePools: async ({ need_results, flags }) => {
        checkFlags(flags, 0xfffff, 'testConnectListAllStoragePools', T);
        const pools: StoragePoolRef[] = [];
        for (const o of this.#pools.values()) {
          if (matchPool(flags, o)) pools.push(StorageStore.#ref(o.def));
        }
        return { pools: need_results ? pools : [], ret: pools.length };
      },
      // testConnectNumOfStoragePools & co: active (or inactive) pools, up to maxnames names.
      connectNumOfStoragePools: async () => ({ num: this.#names(true).length }),
      connectListStoragePools: async ({ maxnames }) => ({ names: this.#names(true).slice(0, Math.max(0, maxnames)) }),
      connectNumOfDefinedStoragePools: async () => ({ num: this.#names(false).length }),
      connectListDefinedStoragePools: async ({ maxnames }) => ({
        names: this.#names(false).slice(0, Math.max(0, maxnames)),
      }),
      storagePoolLookupByName: async ({ name }) => ({ pool: StorageStore.#ref(this.#byName(name).def) }),
      storagePoolLookupByUUID: async ({ uuid }) => ({ pool: StorageStore.#ref(this.#byUuid(uuid).def) }),
      storagePoolLookupByVolume: async ({ vol }) => ({ pool: StorageStore.#ref(this.#byName(vol.pool).def) }),
      storagePoolDefineXML: async ({ xml, flags }) => {
        checkFlags(flags, 1, 'testStoragePoolDefineXML', T);
        const def = parsePoolDef(parseDefinitionXml(xml, '(storage_pool_definition)', ErrorDomain.STORAGE));
        def.capacity = DEFAULT_POOL_CAPACITY;
        def.allocation = 0n;
        def.available = DEFAULT_POOL_CAPACITY;
        const obj = this.#add(def, false);
        this.#emit(obj.def, PoolEvent.DEFINED);
        setDefaults(obj);
        return { pool: StorageStore.#ref(obj.def) };
      },
      storagePoolCreateXML: async ({ xml, flags }) => {
        checkFlags(flags, 0, 'testStoragePoolCreateXML', T);
        const def = parsePoolDef(parseDefinitionXml(xml, '(storage_pool_definition)', ErrorDomain.STORAGE));
        const obj = this.#add(def, true);
        setDefaults(obj);
        // A pool created from XML is transient: destroying it removes it.
        obj.configFile = null;
        obj.active = true;
        this.#emit(obj.def, PoolEvent.STARTED);
        return { pool: StorageStore.#ref(obj.def) };
      },
      storagePoolBuild: async ({ pool, flags }) => {
        checkFlags(flags, 0, 'testStoragePoolBuild', T);
        this.#inactiveByName(pool.name);
        this.#emit(pool, PoolEvent.CREATED);
      },
      storagePoolUndefine: async ({ pool }) => {
        const obj = this.#inactiveByName(pool.name);
        this.#emit(pool, PoolEvent.UNDEFINED);
        this.#remove(obj);
      },
      storagePoolCreate: async ({ pool, flags }) => {
        checkFlags(flags, 0, 'testStoragePoolCreate', T);
        const obj = this.#inactiveByName(pool.name);
        obj.active = true;
        this.#emit(pool, PoolEvent.STARTED);
      },
      storagePoolDestroy: async ({ pool }) => {
        const obj = this.#activeByName(pool.name);
        obj.active = false;
        this.#emit(obj.def, PoolEvent.STOPPED);
        if (obj.configFile === null) this.#remove(obj);
      },
      storagePoolDelete: async ({ pool, flags }) => {
        checkFlags(flags, 0, 'testStoragePoolDelete', T);
        this.#inactiveByName(pool.name);
        this.#emit(pool, PoolEvent.DELETED);
      },
      storagePoolRefresh: async ({ pool, flags }) => {
        checkFlags(flags, 0, 'testStoragePoolRefresh', T);
        const obj = this.#activeByName(pool.name);
        this.host.events.emit({ kind: 'storage-pool-refresh', pool: { name: obj.def.name, uuid: obj.def.uuid } });
      },
      storagePoolGetInfo: async ({ pool }) => {
        const obj = this.#byName(pool.name);
        return {
          state: obj.active ? 2 : 0,
          capacity: Number(obj.def.capacity),
          allocation: Number(obj.def.allocation),
          available: Number(obj.def.available),
        };
      },
      storagePoolGetXMLDesc: async ({ pool, flags }) => {
        checkFlags(flags, 0, 'testStoragePoolGetXMLDesc', T);
        return { xml: formatPoolDef(this.#byName(pool.name).def) };
      },
      storagePoolGetAutostart: async ({ pool }) => {
        const obj = this.#byName(pool.name);
        return { autostart: obj.configFile !== null && obj.autostart ? 1 : 0 };
      },
      storagePoolSetAutostart: async ({ pool, autostart }) => {
        const obj = this.#byName(pool.name);
        if (obj.configFile === null) throw VirtError.report(ErrorCode.INVALID_ARG, T, 'pool has no config file');
        obj.autostart = autostart !== 0;
      },
      storagePoolIsActive: async ({ pool }) => ({ active: this.#byUuid(pool.uuid).active ? 1 : 0 }),
      storagePoolIsPersistent: async ({ pool }) => ({ persistent: this.#byUuid(pool.uuid).configFile !== null ? 1 : 0 }),
      storagePoolNumOfVolumes: async ({ pool }) => ({ num: this.#activeByName(pool.name).vols.length }),
      storagePoolListVolumes: async ({ pool, maxnames }) => ({
        names: this.#activeByName(pool.name).vols.slice(0, Math.max(0, maxnames)).map((v) => v.name),
      }),
      storagePoolListAllVolumes: async ({ pool, need_results, flags }) => {
        checkFlags(flags, 0, 'testStoragePoolListAllVolumes', T);
        const obj = this.#byUuid(pool.uuid);
        if (!obj.active) throw VirtError.report(ErrorCode.OPERATION_INVALID, T, 'storage pool is not active');
        const vols = obj.vols.map((v) => StorageStore.#volRef(obj.def, v));
        return { vols: need_results ? vols : [], ret: vols.length };
      },
      storageVolLookupByName: async ({ pool, name }) => {
        const obj = this.#activeByName(pool.name);
        return { vol: StorageStore.#volRef(obj.def, this.#vol(obj, name)) };
      },
      storageVolLookupByKey: async ({ key }) => {
        for (const o of this.#pools.values()) {
          if (!o.active) continue;
          const v = o.vols.find((x) => x.key === key);
          if (v) return { vol: StorageStore.#volRef(o.def, v) };
        }
        throw VirtError.report(ErrorCode.NO_STORAGE_VOL, T, `no storage vol with matching key '${key}'`);
      },
      storageVolLookupByPath: async ({ path }) => {
        for (const o of this.#pools.values()) {
          if (!o.active) continue;
          const v = o.vols.find((x) => x.path === path);
          if (v) return { vol: StorageStore.#volRef(o.def, v) };
        }
        throw VirtError.report(ErrorCode.NO_STORAGE_VOL, T, `no storage vol with matching path '${path}'`);
      },
      storageVolCreateXML: async ({ pool, xml, flags }) => {
        checkFlags(flags, CREATE_VALIDATE, 'testStorageVolCreateXML', T);
        const obj = this.#activeByName(pool.name);
        const vol = this.#parseNewVol(obj, xml, flags);
        return { vol: this.#addVol(obj, vol) };
      },
      // testStorageVolCreateXMLFrom: like CreateXML, once the volume to copy is
      // found by name in the target pool (not in its own).
      storageVolCreateXMLFrom: async ({ pool, xml, clonevol, flags }) => {
        checkFlags(flags, CREATE_VALIDATE, 'testStorageVolCreateXMLFrom', T);
        const obj = this.#activeByName(pool.name);
        const vol = this.#parseNewVol(obj, xml, flags);
        if (!obj.vols.some((v) => v.name === clonevol.name)) {
          throw VirtError.report(ErrorCode.NO_STORAGE_VOL, T, `no storage vol with matching name '${clonevol.name}'`);
        }
        return { vol: this.#addVol(obj, vol) };
      },
      connectFindStoragePoolSources: async ({ type, srcSpec, flags }) => {
        checkFlags(flags, 0, 'testConnectFindStoragePoolSources', T);
        return { xml: findPoolSources(type, srcSpec) };
      },
      storageVolDelete: async ({ vol, flags }) => {
        checkFlags(flags, 0, 'testStorageVolDelete', T);
        const obj = this.#activeByName(vol.pool);
        const v = this.#vol(obj, vol.name);
        obj.def.allocation -= v.allocation;
        obj.def.available = obj.def.capacity - obj.def.allocation;
        obj.vols.splice(obj.vols.indexOf(v), 1);
      },
      storageVolGetInfo: async ({ vol }) => {
        const obj = this.#activeByName(vol.pool);
        const v = this.#vol(obj, vol.name);
        return { type: volTypeForPool(obj.def.type), capacity: Number(v.capacity), allocation: Number(v.allocation) };
      },
      storageVolGetXMLDesc: async ({ vol, flags }) => {
        checkFlags(flags, 0, 'testStorageVolGetXMLDesc', T);
        const obj = this.#activeByName(vol.pool);
        return { xml: formatVolDef(obj.def, this.#vol(obj, vol.name)) };
      },
      storageVolGetPath: async ({ vol }) => {
        const obj = this.#activeByName(vol.pool);
        return { name: this.#vol(obj, vol.name).path ?? '' };
      },
    };
  }
}

/** testStoragePoolObjSetDefaults: the fixed capacity and a (fake) config file. */
function setDefaults(obj: PoolObj): void {
  obj.def.capacity = DEFAULT_POOL_CAPACITY;
  obj.def.allocation = 0n;
  obj.def.available = DEFAULT_POOL_CAPACITY;
  obj.configFile = '';
}

/** virStoragePoolMatch for the list filters. */
function matchPool(flags: number, o: PoolObj): boolean {
  const L = ListPools;
  const persistent = o.configFile !== null;
  if ((flags & (L.ACTIVE | L.INACTIVE)) &&
      !(((flags & L.ACTIVE) && o.active) || ((flags & L.INACTIVE) && !o.active))) return false;
  if ((flags & (L.PERSISTENT | L.TRANSIENT)) &&
      !(((flags & L.PERSISTENT) && persistent) || ((flags & L.TRANSIENT) && !persistent))) return false;
  if ((flags & (L.AUTOSTART | L.NO_AUTOSTART)) &&
      !(((flags & L.AUTOSTART) && o.autostart) || ((flags & L.NO_AUTOSTART) && !o.autostart))) return false;
  const typeBits = flags & 0xfffc0;
  if (typeBits && !(typeBits & poolTypeFlag(o.def.type))) return false;
  return true;
}

/** defaultPoolSourcesLogicalXML of the test driver. */
const LOGICAL_SOURCES = `<sources>
  <source>
    <device path='/dev/sda20'/>
    <name>testvg1</name>
    <format type='lvm2'/>
  </source>
  <source>
    <device path='/dev/sda21'/>
    <name>testvg2</name>
    <format type='lvm2'/>
  </source>
</sources>
`;

/** defaultPoolSourcesNetFSXML, with the host asked about (put in as given, as its printf does). */
function netfsSources(host: string): string {
  return `<sources>
  <source>
    <host name='${host}'/>
    <dir path='/testshare'/>
    <format type='nfs'/>
  </source>
</sources>
`;
}

/**
 * testConnectFindStoragePoolSources: canned answers for logical and netfs.
 * Its `!pool_type` test also turns away 'dir' (type 0) as unknown, while a
 * really unknown type (-1) goes on to the source parse and the switch.
 */
function findPoolSources(type: string, srcSpec: string | null): string {
  const typeIndex = (POOL_TYPES as readonly string[]).indexOf(type);
  if (typeIndex === 0) throw VirtError.report(ErrorCode.INTERNAL_ERROR, T, `unknown storage pool type ${type}`);
  let source: PoolDef['source'] | null = null;
  if (srcSpec !== null) {
    const doc = parseDefinitionXml(srcSpec, '(storage_source_specification)', ErrorDomain.STORAGE);
    if (doc.name !== 'source') {
      throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `expecting root element of 'source', not '${doc.name}'`);
    }
    source = parsePoolSource(doc, typeIndex);
  }
  switch (type) {
    case 'logical':
      return LOGICAL_SOURCES;
    case 'netfs': {
      const host = source?.hosts[0]?.name;
      if (host === undefined) throw VirtError.report(ErrorCode.INVALID_ARG, T, 'hostname must be specified for netfs sources');
      return netfsSources(host);
    }
    default:
      throw VirtError.report(ErrorCode.NO_SUPPORT, T, `pool type '${type}' does not support source discovery`);
  }
}
