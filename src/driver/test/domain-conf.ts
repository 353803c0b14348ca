/**
 * The test driver's part of the domain XML model (test_driver.c:
 * testBuildXMLConfig with testDomainDevicesDefPostParse and the
 * `<test:…>` namespace, testDomainGenerateIfnames). The model itself is
 * the shared one in src/conf.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { XmlElement } from '../../util/xml.js';
import type { DomainDef } from '../../conf/domain-def.js';
import { netIfname, setNetIfname } from '../../conf/domain-devices.js';
import type { DeviceContext, DomainXMLOption } from '../../conf/domain-xml-option.js';

/** The test driver's XML namespace (testDomainDefNamespaceParse). */
export const TEST_NS_URI = 'http://libvirt.org/schemas/domain/test/1.0';

/** `<test:…>` data of a domain in a host file. */
export interface TestNamespaceData {
  runstate: number;
  transient: boolean;
  hasManagedSave: boolean;
  /** `<test:domainsnapshot>` elements, unparsed. */
  snapshots: XmlElement[];
}

/** A domain definition as the test driver parses it. */
export type TestDomainDef = DomainDef<TestNamespaceData>;

/** testDomainDefNamespaceParse. */
function parseTestNamespace(el: XmlElement, prefix: string): TestNamespaceData {
  const q = (local: string) => el.children.filter((c) => c.name === `${prefix}:${local}`);
  const ns: TestNamespaceData = { runstate: 1, transient: false, hasManagedSave: false, snapshots: q('domainsnapshot') };
  ns.transient = q('transient').length > 0;
  ns.hasManagedSave = q('hasmanagedsave').length > 0;
  const rs = q('runstate')[0];
  if (rs) {
    const t = rs.text.trimStart();
    if (!/^\d+$/.test(t)) throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.TEST, 'invalid runstate');
    const v = Number(t);
    if (v >= 8) throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.TEST, `runstate '${v}' out of range'`);
    ns.runstate = v;
  }
  if (ns.transient && ns.runstate === 5) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.TEST, "transient domain cannot have runstate 'shutoff'");
  }
  if (ns.hasManagedSave && ns.runstate !== 5) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.TEST,
      "domain with managedsave data can only have runstate 'shutoff'");
  }
  return ns;
}

/**
 * The test driver's XML options: any virt type libvirt knows, arch i686
 * when none is written (the test capabilities' first guest), the video
 * model testDomainDevicesDefPostParse picks, 'serial' consoles, and the
 * `<test:…>` namespace (parsed, never written back).
 */
export const testXMLOption: DomainXMLOption<TestNamespaceData> = {
  name: 'test',
  defaultArch: () => 'i686',
  videoDefaultModel(ctx: DeviceContext): string {
    if (ctx.osType === 'xen' || ctx.osType === 'linux') return 'xen';
    if (ctx.arch === 'ppc64' || ctx.arch === 'ppc64le') return 'vga';
    return 'cirrus';
  },
  // The test driver has no console default of its own: 'serial' for every OS type.
  consoleDefaultTargetType: () => 'serial',
  ns: { uri: TEST_NS_URI, prefix: 'test', parse: parseTestNamespace },
};

/**
 * testDomainGenerateIfnames: every interface without a target device gets
 * the first free "testnetN" name.
 */
export function generateIfnames(def: DomainDef): void {
  const nets = def.devices.list.filter((d) => d.kind === 'interface');
  const used = new Set<string>();
  for (const net of nets) {
    const ifname = netIfname(net.node);
    if (ifname !== undefined) used.add(ifname);
  }
  // Names are only ever added, so the first free "testnetN" only moves up.
  let i = 0;
  for (const net of nets) {
    if (netIfname(net.node) !== undefined) continue;
    while (i < 1024 && used.has(`testnet${i}`)) i++;
    if (i === 1024) throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.TEST, 'Exceeded max iface limit 1024');
    setNetIfname(net.node, `testnet${i}`);
    used.add(`testnet${i}`);
  }
}
