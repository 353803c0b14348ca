/**
 * The test driver's host interfaces (testInterface* in libvirt's
 * test_driver.c): those of the host definition, all active, plus defined
 * ones; define/undefine, start/stop and the change transactions
 * (begin/commit/rollback) of virInterfaceChange*.
 */
import type { DriverConnection, InterfaceRef } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { XmlElement } from '../../util/xml.js';
import type { TestHost } from './host.js';
import { formatInterfaceDef, interfaceMac, parseInterfaceDef, type InterfaceDef } from './interface-def.js';
import { childrenNamed } from '../../conf/node-conf-util.js';
import { loadFamilyElement, parseDefinitionXml } from './node-host-file.js';

/** virConnectListAllInterfacesFlags. */
export const ListInterfaces = { INACTIVE: 1, ACTIVE: 2 } as const;

const T = ErrorDomain.TEST;

interface InterfaceObj { def: InterfaceDef; active: boolean }

/**
 * What GLib's default log handler prints for a failed g_return_val_if_fail
 * in the process running the driver (`process` as no program name is set).
 */
function glibCritical(msg: string): void {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const time = `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
  process.stderr.write(`\n(process:${process.pid}): GLib-CRITICAL **: ${time}: ${msg}\n`);
}

/** VIR_INTERFACE_DEFINE_VALIDATE. */
const DEFINE_VALIDATE = 1;

/** virInterfaceDefParseString. */
function parseInterfaceXml(xml: string): InterfaceDef {
  return parseInterfaceDef(parseDefinitionXml(xml, '(interface_definition)', ErrorDomain.INTERFACE));
}

function invalidOperation(msg: string | null): VirtError {
  return VirtError.report(ErrorCode.OPERATION_INVALID, T, msg);
}

export class InterfaceStore {
  /** Keyed by name, in insertion order. */
  #objs = new Map<string, InterfaceObj>();
  /** The restore point of a running change transaction (privconn->backupIfaces), else null. */
  #backup: Map<string, InterfaceObj> | null = null;

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

  /** virInterfaceObjListAssignDef: a new inactive interface, or the same-named one's definition replaced. */
  #assign(def: InterfaceDef): InterfaceObj {
    const old = this.#objs.get(def.name);
    if (old) {
      old.def = def;
      return old;
    }
    const obj = { def, active: false };
    this.#objs.set(def.name, obj);
    return obj;
  }

  /**
   * virInterfaceObjListClone: every definition copied through a
   * format/parse cycle into new objects, which start inactive.
   */
  #clone(): Map<string, InterfaceObj> {
    const copy = new Map<string, InterfaceObj>();
    for (const [name, o] of this.#objs) copy.set(name, { def: parseInterfaceXml(formatInterfaceDef(o.def)), active: false });
    return copy;
  }

  #names(active: boolean): string[] {
    return [...this.#objs.values()].filter((o) => o.active === active).map((o) => o.def.name);
  }

  static #ref(o: InterfaceObj): InterfaceRef {
    return { name: o.def.name, mac: interfaceMac(o.def) };
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
        // which treats an interface without a MAC as matching any string
        // (after GLib's critical warning about the NULL).
        const found = [...this.#objs.values()].filter((o) => {
          if (o.def.mac !== undefined) return o.def.mac.toLowerCase() === mac.toLowerCase();
          glibCritical("g_ascii_strcasecmp: assertion 's1 != NULL' failed");
          return true;
        });
        if (found.length === 0) throw VirtError.report(ErrorCode.NO_INTERFACE, T, `no interface with matching mac '${mac}'`);
        if (found.length > 1) throw VirtError.report(ErrorCode.MULTIPLE_INTERFACES, T, null);
        return { iface: { name: found[0]!.def.name, mac } };
      },
      interfaceGetXMLDesc: async ({ iface, flags }) => {
        checkFlags(flags, 0, 'testInterfaceGetXMLDesc', T);
        return { xml: formatInterfaceDef(this.#byName(iface.name).def) };
      },
      interfaceIsActive: async ({ iface }) => ({ active: this.#byName(iface.name).active ? 1 : 0 }),
      connectNumOfInterfaces: async () => ({ num: this.#names(true).length }),
      connectListInterfaces: async ({ maxnames }) => ({ names: this.#names(true).slice(0, Math.max(0, maxnames)) }),
      connectNumOfDefinedInterfaces: async () => ({ num: this.#names(false).length }),
      connectListDefinedInterfaces: async ({ maxnames }) => ({ names: this.#names(false).slice(0, Math.max(0, maxnames)) }),
      interfaceDefineXML: async ({ xml, flags }) => {
        checkFlags(flags, DEFINE_VALIDATE, 'testInterfaceDefineXML', T);
        // (--validate's RELAX NG check against interface.rng is not done.)
        return { iface: InterfaceStore.#ref(this.#assign(parseInterfaceXml(xml))) };
      },
      interfaceUndefine: async ({ iface }) => {
        // testInterfaceUndefine removes a running interface too.
        this.#objs.delete(this.#byName(iface.name).def.name);
      },
      interfaceCreate: async ({ iface, flags }) => {
        checkFlags(flags, 0, 'testInterfaceCreate', T);
        const o = this.#byName(iface.name);
        if (o.active) throw invalidOperation(null);
        o.active = true;
      },
      interfaceDestroy: async ({ iface, flags }) => {
        checkFlags(flags, 0, 'testInterfaceDestroy', T);
        const o = this.#byName(iface.name);
        if (!o.active) throw invalidOperation(null);
        o.active = false;
      },
      interfaceChangeBegin: async ({ flags }) => {
        checkFlags(flags, 0, 'testInterfaceChangeBegin', T);
        if (this.#backup) throw invalidOperation('there is another transaction running.');
        this.#backup = this.#clone();
      },
      interfaceChangeCommit: async ({ flags }) => {
        checkFlags(flags, 0, 'testInterfaceChangeCommit', T);
        if (!this.#backup) throw invalidOperation('no transaction running, nothing to be committed.');
        this.#backup = null;
      },
      interfaceChangeRollback: async ({ flags }) => {
        checkFlags(flags, 0, 'testInterfaceChangeRollback', T);
        if (!this.#backup) throw invalidOperation('no transaction running, nothing to rollback.');
        this.#objs = this.#backup;
        this.#backup = null;
      },
    };
  }
}
