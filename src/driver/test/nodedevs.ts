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
import { childrenNamed } from '../../conf/node-conf-util.js';
import { loadFamilyElement, parseDefinitionXml } from './node-host-file.js';

/** VIR_CONNECT_LIST_NODE_DEVICES_FILTERS_CAP as of libvirt 9.0 (system … vpd). */
export const LIST_NODE_DEVICES_FILTERS_CAP = 0x3fffff;

const T = ErrorDomain.TEST;
const D = ErrorDomain.NODEDEV;

/** The fc_host part of a scsi_host capability, if the device is an FC HBA. */
function fcCap(def: NodeDeviceDef) {
  for (const c of def.caps) if (c.type === 'scsi_host' && c.fc) return c;
  return undefined;
}

/** virNodeDeviceGetWWNs. */
function getWWNs(def: NodeDeviceDef): { wwnn: string | undefined; wwpn: string | undefined } {
  const c = fcCap(def);
  if (!c) throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, 'Device is not a fibre channel HBA');
  return { wwnn: c.fc!.wwnn, wwpn: c.fc!.wwpn };
}

/** virNodeDeviceFindFCParentHost: the parent must be able to create vports. */
function checkVportCapable(parent: NodeDeviceDef): void {
  if (!parent.caps.some((c) => c.type === 'scsi_host' && c.vportOps)) {
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `Parent device ${parent.name} is not capable of vport operations`);
  }
}

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

  /** virNodeDeviceObjListGetParentHost: by parent name, parent WWNs, fabric WWN, or any vport-capable host. */
  #checkParentHost(def: NodeDeviceDef): void {
    const devs = [...this.#devs.values()];
    let parent: NodeDeviceDef | undefined;
    if (def.parent !== undefined) {
      parent = this.#devs.get(def.parent);
    } else if (def.parentWwnn !== undefined && def.parentWwpn !== undefined) {
      parent = devs.find((d) => fcCap(d)?.fc?.wwnn === def.parentWwnn && fcCap(d)?.fc?.wwpn === def.parentWwpn);
    } else if (def.parentFabricWwn !== undefined) {
      parent = devs.find((d) => fcCap(d)?.fc?.fabricWwn === def.parentFabricWwn);
    } else {
      if (!devs.some((d) => d.caps.some((c) => c.type === 'scsi_host' && c.vportOps))) {
        throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, 'Could not find any vport capable device');
      }
      return;
    }
    if (!parent) throw VirtError.report(ErrorCode.INTERNAL_ERROR, D, `Could not find parent device for '${def.name}'`);
    checkVportCapable(parent);
  }

  /**
   * testNodeDeviceMockCreateVport: the new vHBA is a copy of scsi_host11
   * named scsi_host12 with the requested WWNs (replacing an earlier one).
   */
  #mockCreateVport(wwnn: string | undefined, wwpn: string | undefined): NodeDeviceDef {
    const model = this.#devs.get('scsi_host11');
    // libvirt fails here without an error of its own: virDispatchError's generic one is what callers see.
    if (!model) throw new VirtError(ErrorCode.INTERNAL_ERROR, 'An error occurred, but the cause is unknown');
    const def = structuredClone(model);
    def.name = 'scsi_host12';
    for (const c of def.caps) {
      if (c.type === 'scsi_host' && c.fc) c.fc = { ...c.fc, wwnn, wwpn };
      else if (c.type === 'scsi_host') { c.host++; c.uniqueId++; }
    }
    this.#devs.set(def.name, def);
    return def;
  }

  /** The contract methods this part implements. */
  methods(): Partial<DriverConnection> {
    return {
      nodeDeviceCreateXML: async ({ xml_desc, flags }) => {
        // VIR_NODE_DEVICE_CREATE_XML_VALIDATE asks for the RNG schema check, which tsvirt does not make.
        checkFlags(flags, 1, 'testNodeDeviceCreateXML', T);
        const def = parseNodeDeviceDef(parseDefinitionXml(xml_desc, '(node_device_definition)', D), true);
        const { wwnn, wwpn } = getWWNs(def);
        this.#checkParentHost(def);
        return { dev: { name: this.#mockCreateVport(wwnn, wwpn).name } };
      },
      // testNodeDeviceDestroy succeeds without doing anything for a device
      // that is no FC HBA or whose parent is gone: its failures there keep ret 0.
      nodeDeviceDestroy: async ({ name }) => {
        const def = this.#byName(name);
        if (!fcCap(def)) return;
        if (def.parent === undefined || !this.#devs.has(def.parent)) return;
        this.#devs.delete(name);
      },
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
