/**
 * The test driver's virtual networks (testNetwork* in libvirt's
 * test_driver.c over virNetworkObjList): define/create/undefine/destroy,
 * lookups with the test driver's exact errors, XML and lifecycle events.
 */
import type { DriverConnection, NetworkRef } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { XmlElement } from '../../util/xml.js';
import type { TestHost } from './host.js';
import { copyNetworkDef, formatNetworkDef, parseNetworkDef, type NetworkDef } from '../../conf/network-def.js';
import { updateNetworkSection, UpdateFlags } from './network-update.js';
import { childrenNamed } from '../../conf/node-conf-util.js';
import { loadFamilyElement, parseDefinitionXml } from './node-host-file.js';

/** virConnectListAllNetworksFlags. */
export const ListNetworks = {
  INACTIVE: 1, ACTIVE: 2, PERSISTENT: 4, TRANSIENT: 8, AUTOSTART: 16, NO_AUTOSTART: 32,
} as const;

/** virNetworkEventLifecycleType. */
export const NetworkEvent = { DEFINED: 0, UNDEFINED: 1, STARTED: 2, STOPPED: 3 } as const;

const T = ErrorDomain.TEST;

interface NetworkObj {
  def: NetworkDef;
  /** The persistent definition saved while a live one is in `def`. */
  newDef: NetworkDef | null;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
}

export class NetworkStore {
  /** Keyed by UUID, in insertion order (libvirt's hash order is random per process). */
  readonly #objs = new Map<string, NetworkObj>();

  constructor(readonly host: TestHost) {}

  /** testParseNetworks: every `/node/network`, inline or `file=`, active and persistent. */
  load(root: XmlElement, baseDir: string): void {
    for (const el of childrenNamed(root, 'network')) {
      const node = loadFamilyElement(el, baseDir, 'network');
      const obj = this.#assign(parseNetworkDef(node), false, false);
      obj.active = true;
    }
  }

  /** Names of all networks, for other parts of the host (e.g. domain interfaces). */
  lookupDef(name: string): NetworkDef | undefined {
    return this.#findByName(name)?.def;
  }

  #findByName(name: string): NetworkObj | undefined {
    for (const o of this.#objs.values()) if (o.def.name === name) return o;
    return undefined;
  }

  #byName(name: string): NetworkObj {
    const o = this.#findByName(name);
    if (!o) throw VirtError.report(ErrorCode.NO_NETWORK, T, `no network with matching name '${name}'`);
    return o;
  }

  #byUuid(uuid: string): NetworkObj {
    const o = this.#objs.get(uuid);
    if (!o) throw VirtError.report(ErrorCode.NO_NETWORK, T, `no network with matching uuid '${uuid}'`);
    return o;
  }

  /** virNetworkObjAssignDef: add a new network or update the matching one. */
  #assign(def: NetworkDef, live: boolean, checkLive: boolean): NetworkObj {
    const existing = this.#objs.get(def.uuid);
    if (existing) {
      if (existing.def.name !== def.name) {
        throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.NETWORK,
          `network '${existing.def.name}' is already defined with uuid ${existing.def.uuid}`);
      }
      if (checkLive && existing.active) {
        throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.NETWORK,
          `network is already active as '${existing.def.name}'`);
      }
      // virNetworkObjUpdateAssignDef
      if (live) {
        if (existing.persistent && !existing.newDef) existing.newDef = existing.def;
        existing.def = def;
      } else {
        if (existing.active) {
          existing.newDef = def;
        } else if (!existing.persistent) {
          existing.newDef = def;
        } else {
          existing.newDef = null;
          existing.def = def;
        }
        existing.persistent = true;
      }
      return existing;
    }
    const byName = this.#findByName(def.name);
    if (byName) {
      throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.NETWORK,
        `network '${def.name}' already exists with uuid ${byName.def.uuid}`);
    }
    const obj: NetworkObj = { def, newDef: null, active: false, persistent: !live, autostart: false };
    this.#objs.set(def.uuid, obj);
    return obj;
  }

  #remove(obj: NetworkObj): void {
    this.#objs.delete(obj.def.uuid);
  }

  #emit(def: { name: string; uuid: string }, event: number): void {
    this.host.events.emit({ kind: 'network-lifecycle', net: { name: def.name, uuid: def.uuid }, event, detail: 0 });
  }

  static #ref(def: NetworkDef): NetworkRef {
    return { name: def.name, uuid: def.uuid };
  }

  /** Names of the active or the inactive networks (virNetworkObjListGetNames), in insertion order. */
  #names(active: boolean): string[] {
    return [...this.#objs.values()].filter((o) => o.active === active).map((o) => o.def.name);
  }

  /** The contract methods this part implements. */
  methods(): Partial<DriverConnection> {
    return {
      connectListAllNetworks: async ({ need_results, flags }) => {
        checkFlags(flags, 0x3f, 'testConnectListAllNetworks', T);
        const nets: NetworkRef[] = [];
        for (const o of this.#objs.values()) {
          if (!matchFlags(flags, o)) continue;
          nets.push(NetworkStore.#ref(o.def));
        }
        return { nets: need_results ? nets : [], ret: nets.length };
      },
      // testConnectNumOfNetworks & co: active (or inactive) networks, up to maxnames names.
      connectNumOfNetworks: async () => ({ num: this.#names(true).length }),
      connectListNetworks: async ({ maxnames }) => ({ names: this.#names(true).slice(0, Math.max(0, maxnames)) }),
      connectNumOfDefinedNetworks: async () => ({ num: this.#names(false).length }),
      connectListDefinedNetworks: async ({ maxnames }) => ({ names: this.#names(false).slice(0, Math.max(0, maxnames)) }),
      networkLookupByName: async ({ name }) => ({ net: NetworkStore.#ref(this.#byName(name).def) }),
      networkLookupByUUID: async ({ uuid }) => ({ net: NetworkStore.#ref(this.#byUuid(uuid).def) }),
      networkDefineXML: async ({ xml }) => {
        const def = parseNetworkDef(parseDefinitionXml(xml, '(network_definition)', ErrorDomain.NETWORK));
        const obj = this.#assign(def, false, false);
        this.#emit(obj.def, NetworkEvent.DEFINED);
        return { net: NetworkStore.#ref(obj.def) };
      },
      networkCreateXML: async ({ xml }) => {
        const def = parseNetworkDef(parseDefinitionXml(xml, '(network_definition)', ErrorDomain.NETWORK));
        const obj = this.#assign(def, true, true);
        obj.active = true;
        this.#emit(obj.def, NetworkEvent.STARTED);
        return { net: NetworkStore.#ref(obj.def) };
      },
      networkUndefine: async ({ net }) => {
        const obj = this.#byName(net.name);
        if (obj.active) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, T, `Network '${net.name}' is still running`);
        }
        this.#emit(net, NetworkEvent.UNDEFINED);
        this.#remove(obj);
      },
      networkCreate: async ({ net }) => {
        const obj = this.#byName(net.name);
        if (obj.active) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, T, `Network '${net.name}' is already running`);
        }
        obj.active = true;
        this.#emit(obj.def, NetworkEvent.STARTED);
      },
      networkDestroy: async ({ net }) => {
        // testNetworkDestroy does not check that the network is running.
        const obj = this.#byName(net.name);
        obj.active = false;
        this.#emit(obj.def, NetworkEvent.STOPPED);
        if (!obj.persistent) this.#remove(obj);
      },
      networkGetXMLDesc: async ({ net, flags }) => {
        checkFlags(flags, 0, 'testNetworkGetXMLDesc', T);
        return { xml: formatNetworkDef(this.#byName(net.name).def) };
      },
      networkGetBridgeName: async ({ net }) => {
        const def = this.#byName(net.name).def;
        if (!def.bridge) {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, T, `network '${def.name}' does not have a bridge name.`);
        }
        return { name: def.bridge };
      },
      networkGetAutostart: async ({ net }) => ({ autostart: this.#byName(net.name).autostart ? 1 : 0 }),
      networkSetAutostart: async ({ net, autostart }) => {
        this.#byName(net.name).autostart = autostart !== 0;
      },
      networkUpdate: async ({ net, command, section, parentIndex, xml, flags }) => {
        checkFlags(flags, UpdateFlags.AFFECT_LIVE | UpdateFlags.AFFECT_CONFIG, 'testNetworkUpdate', T);
        const obj = this.#byUuid(net.uuid);
        // AFFECT_CURRENT: the live state of a running network, else its config.
        if ((flags & (UpdateFlags.AFFECT_LIVE | UpdateFlags.AFFECT_CONFIG)) === UpdateFlags.AFFECT_CURRENT) {
          flags |= obj.active ? UpdateFlags.AFFECT_LIVE : UpdateFlags.AFFECT_CONFIG;
        }
        updateObj(obj, command, section, parentIndex, xml, flags);
      },
      networkIsActive: async ({ net }) => ({ active: this.#byUuid(net.uuid).active ? 1 : 0 }),
      networkIsPersistent: async ({ net }) => ({ persistent: this.#byUuid(net.uuid).persistent ? 1 : 0 }),
    };
  }
}

/** virNetworkObjMatch for the list filters. */
function matchFlags(flags: number, o: NetworkObj): boolean {
  const L = ListNetworks;
  if ((flags & (L.ACTIVE | L.INACTIVE)) &&
      !(((flags & L.ACTIVE) && o.active) || ((flags & L.INACTIVE) && !o.active))) return false;
  if ((flags & (L.PERSISTENT | L.TRANSIENT)) &&
      !(((flags & L.PERSISTENT) && o.persistent) || ((flags & L.TRANSIENT) && !o.persistent))) return false;
  if ((flags & (L.AUTOSTART | L.NO_AUTOSTART)) &&
      !(((flags & L.AUTOSTART) && o.autostart) || ((flags & L.NO_AUTOSTART) && !o.autostart))) return false;
  return true;
}

/** virNetworkObjConfigChangeSetup: the checks common to all updates. */
function configChangeSetup(obj: NetworkObj, flags: number): void {
  if (!obj.active && (flags & UpdateFlags.AFFECT_LIVE)) {
    throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.NETWORK, 'network is not running');
  }
  if (flags & UpdateFlags.AFFECT_CONFIG) {
    if (!obj.persistent) {
      throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.NETWORK,
        'cannot change persistent config of a transient network');
    }
    // virNetworkObjSetDefTransient: a running network keeps its config apart from the live definition.
    if (obj.active && !obj.newDef) obj.newDef = copyNetworkDef(obj.def);
  }
}

/**
 * virNetworkObjUpdate: applies the update to copies of the live and/or
 * persistent definitions, checks each with a format/parse cycle, and only
 * then replaces the originals.
 */
function updateObj(obj: NetworkObj, command: number, section: number, parentIndex: number, xml: string, flags: number): void {
  configChangeSetup(obj, flags);
  let live: NetworkDef | null = null;
  let config: NetworkDef | null = null;
  if (flags & UpdateFlags.AFFECT_LIVE) {
    live = copyNetworkDef(obj.def);
    updateNetworkSection(live, command, section, parentIndex, xml);
    copyNetworkDef(live);
  }
  if (flags & UpdateFlags.AFFECT_CONFIG) {
    config = copyNetworkDef(obj.newDef ?? obj.def);
    updateNetworkSection(config, command, section, parentIndex, xml);
    copyNetworkDef(config);
  }
  // virNetworkObjReplacePersistentDef
  if (config) {
    if (obj.active) obj.newDef = config;
    else obj.def = config;
  }
  if (live) obj.def = live;
}
