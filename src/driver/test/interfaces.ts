/**
 * The test driver's host interfaces (testInterface* in libvirt's
 * test_driver.c): those of the host definition, all active. The driver
 * contract covers listing, lookups, XML and state.
 */
import type { DriverConnection, InterfaceRef } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { XmlElement } from '../../util/xml.js';
import type { TestHost } from './host.js';
import { formatInterfaceDef, interfaceMac, parseInterfaceDef, type InterfaceDef } from './interface-def.js';
import { childrenNamed } from './node-conf-util.js';
import { loadFamilyElement } from './node-host-file.js';

/** virConnectListAllInterfacesFlags. */
export const ListInterfaces = { INACTIVE: 1, ACTIVE: 2 } as const;

const T = ErrorDomain.TEST;

interface InterfaceObj { def: InterfaceDef; active: boolean }

export class InterfaceStore {
  /** Keyed by name, in insertion order. */
  readonly #objs = new Map<string, InterfaceObj>();

  constructor(readonly host: TestHost) {}

  /** testParseInterfaces: every `/node/interface`, set active. */
  load(root: XmlElement, baseDir: string): void {
    for (const el of childrenNamed(root, 'interface')) {
      const def = parseInterfaceDef(loadFamilyElement(el, baseDir, 'interface'));
      // virInterfaceObjListAssignDef replaces an interface of the same name.
      const old = this.#objs.get(def.name);
      if (old) old.def = def;
      else this.#objs.set(def.name, { def, active: false });
      this.#objs.get(def.name)!.active = true;
    }
  }

  #byName(name: string): InterfaceObj {
    const o = this.#objs.get(name);
    if (!o) throw VirtError.report(ErrorCode.NO_INTERFACE, T, `no interface with matching name '${name}'`);
    return o;
  }

  /** The contract methods this part implements. */
  methods(): Partial<DriverConnection> {
    return {
      connectListAllInterfaces: async ({ need_results, flags }) => {
        checkFlags(flags, 3, 'testConnectListAllInterfaces', T);
        const ifaces: InterfaceRef[] = [];
        for (const o of this.#objs.values()) {
          if ((flags & 3) && !(((flags & ListInterfaces.ACTIVE) && o.active) || ((flags & ListInterfaces.INACTIVE) && !o.active))) continue;
          ifaces.push({ name: o.def.name, mac: interfaceMac(o.def) });
        }
        return { ifaces: need_results ? ifaces : [], ret: ifaces.length };
      },
      interfaceLookupByName: async ({ name }) => {
        const o = this.#byName(name);
        return { iface: { name: o.def.name, mac: interfaceMac(o.def) } };
      },
      interfaceLookupByMACString: async ({ mac }) => {
        // virInterfaceObjListFindByMACString compares with g_ascii_strcasecmp,
        // which treats an interface without a MAC as matching any string.
        const found = [...this.#objs.values()].filter((o) => o.def.mac === undefined || o.def.mac.toLowerCase() === mac.toLowerCase());
        if (found.length === 0) throw VirtError.report(ErrorCode.NO_INTERFACE, T, `no interface with matching mac '${mac}'`);
        if (found.length > 1) throw VirtError.report(ErrorCode.MULTIPLE_INTERFACES, T, null);
        return { iface: { name: found[0]!.def.name, mac } };
      },
      interfaceGetXMLDesc: async ({ iface, flags }) => {
        checkFlags(flags, 0, 'testInterfaceGetXMLDesc', T);
        return { xml: formatInterfaceDef(this.#byName(iface.name).def) };
      },
      interfaceIsActive: async ({ iface }) => ({ active: this.#byName(iface.name).active ? 1 : 0 }),
    };
  }
}
