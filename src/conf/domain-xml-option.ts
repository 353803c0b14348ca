/**
 * What a driver adds to the shared domain XML model (libvirt's
 * virDomainXMLOption: the parser config with its post-parse and validate
 * callbacks, and the driver's private XML namespace). The model in
 * domain-def.ts / domain-devices.ts is libvirt's generic code
 * (src/conf/domain_conf.c); everything that differs between the test and
 * the QEMU driver comes through one of these objects.
 */
import type { XmlElement } from '../util/xml.js';
import type { DomainDef } from './domain-def.js';

/** What device defaults depend on. */
export interface DeviceContext {
  osType: string;
  arch: string;
  virtType: string;
  /** Machine type as written or defaulted (`<type machine=…>`). */
  machine?: string | undefined;
  /** Parsing status XML (VIR_DOMAIN_DEF_PARSE_STATUS): live-only fields are kept. */
  status: boolean;
}

/** A driver's own XML namespace in `<domain>` (virXMLNamespace). */
export interface DomainXMLNamespace<NS> {
  /** The namespace URI, e.g. `http://libvirt.org/schemas/domain/qemu/1.0`. */
  readonly uri: string;
  /** The prefix libvirt writes when formatting (`xmlns:qemu=…`). */
  readonly prefix: string;
  /** Parses the `<prefix:…>` children of `<domain>`; `prefix` is the one the document bound. */
  parse(domain: XmlElement, prefix: string): NS;
  /**
   * The driver's elements, written last inside `<domain>` at `depth`
   * (virDomainDefFormatInternal calls ns.format after everything else); no
   * format means the data is never written back (the test driver's).
   */
  format?(data: NS, depth: number): string;
}

/** The driver's device defaults (its devicesPostParseCallback). */
export interface DeviceXMLOption {
  /**
   * The video model of a `<video>` without one (the driver's devices
   * post-parse: testDomainDevicesDefPostParse, qemuDomainDeviceVideoDefPostParse).
   */
  videoDefaultModel(ctx: DeviceContext): string;
  /**
   * The target type of a `<console>` without one (qemuDomainChrDefPostParse
   * picks by architecture; the test driver has none of its own: 'serial').
   */
  consoleDefaultTargetType(ctx: DeviceContext): string;
}

/**
 * A driver's XML options. `NS` is the type of its namespace data (the
 * test driver's `<test:runstate>`…, QEMU's `<qemu:commandline>`).
 */
export interface DomainXMLOption<NS = unknown> extends DeviceXMLOption {
  /** The driver's name (for messages and debugging). */
  readonly name: string;
  /**
   * The architecture of a domain whose `<os><type>` names none (libvirt
   * takes it from the driver's capabilities: i686 for the test driver,
   * the host's for QEMU).
   */
  defaultArch(osType: string, virtType: string): string;
  /** The machine type when none is written (QEMU: the emulator's default); undefined leaves it out. */
  defaultMachine?(osType: string, arch: string, virtType: string): string | undefined;
  /** The driver's XML namespace, if it has one. */
  readonly ns?: DomainXMLNamespace<NS>;
  /**
   * After the generic parse and post-parse (domainPostParseCallback):
   * implicit controllers, emulator path, CPU defaults, whatever the driver
   * adds to every definition.
   */
  postParse?(def: DomainDef<NS>, ctx: { status: boolean; writtenControllerTypes: ReadonlySet<string> }): void;
  /**
   * Checks the parsed definition (domainValidateCallback), e.g. QEMU's
   * "virt type not supported by the emulator"; throws a VirtError.
   */
  validate?(def: DomainDef<NS>): void;
}
