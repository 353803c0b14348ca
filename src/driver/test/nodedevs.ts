/**
 * The test driver's node devices (testNodeDevice* / testNodeNumOfDevices /
 * testNodeListDevices / testConnectListAllNodeDevices in libvirt's
 * test_driver.c). In libvirt 9.0 listAll accepts only the capability filter
 * bits, so `virsh nodedev-list` (which passes VIR_CONNECT_LIST_NODE_DEVICES_ACTIVE)
 * fails with "unsupported flags (0x80000000) in function
 * testConnectListAllNodeDevices"; that is reproduced here.
 */
import type { DriverConnection, NodeDeviceRef } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { XmlElement } from '../../util/xml.js';
import type { TestHost } from './host.js';
import { CAP_TYPES, deviceCapNames, formatNodeDeviceDef, parseNodeDeviceDef, type NodeDeviceDef } from './nodedev-def.js';
import { childrenNamed } from './node-conf-util.js';
import { loadFamilyElement } from './node-host-file.js';

/** VIR_CONNECT_LIST_NODE_DEVICES_FILTERS_CAP as of libvirt 9.0 (system … vpd). */
export const LIST_NODE_DEVICES_FILTERS_CAP = 0x3fffff;

const T = ErrorDomain.TEST;

export class NodeDeviceStore {
  /** Keyed by name, in insertion order (libvirt's hash order is random per process). */
  readonly #devs = new Map<string, NodeDeviceDef>();

  constructor(readonly host: TestHost) {}

  /** testParseNodedevs: every `/node/device`, inline or `file=`. */
  load(root: XmlElement, baseDir: string): void {
    for (const el of childrenNamed(root, 'device')) {
      const def = parseNodeDeviceDef(loadFamilyElement(el, baseDir, 'device'));
      // virNodeDeviceObjListAssignDef replaces a device of the same name.
      this.#devs.set(def.name, def);
    }
  }

  #byName(name: string): NodeDeviceDef {
    const d = this.#devs.get(name);
    if (!d) throw VirtError.report(ErrorCode.NO_NODE_DEVICE, T, `no node device with matching name '${name}'`);
    return d;
  }

  #withCap(cap: string | null): NodeDeviceDef[] {
    const all = [...this.#devs.values()];
    return cap === null ? all : all.filter((d) => deviceCapNames(d).includes(cap));
  }

  /** The contract methods this part implements. */
  methods(): Partial<DriverConnection> {
    return {
      connectListAllNodeDevices: async ({ need_results, flags }) => {
        checkFlags(flags, LIST_NODE_DEVICES_FILTERS_CAP, 'testConnectListAllNodeDevices', T);
        const devices: NodeDeviceRef[] = [];
        for (const d of this.#devs.values()) {
          if (flags) {
            const names = deviceCapNames(d);
            if (!CAP_TYPES.some((c, i) => (flags & (1 << i)) && names.includes(c))) continue;
          }
          devices.push({ name: d.name });
        }
        return { devices: need_results ? devices : [], ret: devices.length };
      },
      nodeNumOfDevices: async ({ cap, flags }) => {
        checkFlags(flags, 0, 'testNodeNumOfDevices', T);
        return { num: this.#withCap(cap).length };
      },
      nodeListDevices: async ({ cap, maxnames, flags }) => {
        checkFlags(flags, 0, 'testNodeListDevices', T);
        return { names: this.#withCap(cap).slice(0, Math.max(0, maxnames)).map((d) => d.name) };
      },
      nodeDeviceLookupByName: async ({ name }) => ({ dev: { name: this.#byName(name).name } }),
      nodeDeviceGetXMLDesc: async ({ name, flags }) => {
        checkFlags(flags, 0, 'testNodeDeviceGetXMLDesc', T);
        return { xml: formatNodeDeviceDef(this.#byName(name)) };
      },
      nodeDeviceGetParent: async ({ name }) => {
        const def = this.#byName(name);
        if (def.parent === undefined) throw VirtError.report(ErrorCode.INTERNAL_ERROR, T, 'no parent for this device');
        return { parentName: def.parent };
      },
    };
  }
}
