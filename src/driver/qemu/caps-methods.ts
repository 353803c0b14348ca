/**
 * The QEMU driver's capability calls (qemuConnectGetCapabilities,
 * qemuConnectGetDomainCapabilities) over the probe cache, ready to be
 * spread into the driver's connection:
 *
 * ```ts
 * const conn: DriverConnection = { ...qemuCapsMethods({ cacheDir, secModels }), … };
 * ```
 */
import type { DriverConnection } from '../driver.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { loadQemuCaps, type ProbeOptions, type QemuCaps } from './capabilities.js';
import { domainCapabilitiesXml, resolveDomainCaps } from './domain-capabilities.js';
import { formatCapabilities, guestArches, readHostInfo, type SecModel } from './host-capabilities.js';

export interface QemuCapsMethodsOptions extends ProbeOptions {
  /** The capabilities cache dir (privileged: <cacheDir>/qemu/capabilities). */
  cacheDir?: string;
  /** The security models of the driver (qemuSecModels(…)). */
  secModels: SecModel[];
  /** libvirtd.conf host_uuid, if set. */
  hostUuid?: string;
  /** libvirt's cpu_map dir (default /usr/share/libvirt/cpu_map). */
  cpuMapDir?: string;
  /** qemu:///system (true) or qemu:///session: session daemons also read ~/.config/qemu/firmware. */
  privileged?: boolean;
}

/** connectGetCapabilities and connectGetDomainCapabilities for the QEMU driver. */
export function qemuCapsMethods(o: QemuCapsMethodsOptions): Pick<DriverConnection, 'connectGetCapabilities' | 'connectGetDomainCapabilities'> {
  const load = (binary: string): Promise<QemuCaps> => loadQemuCaps(binary, o);
  return {
    async connectGetCapabilities() {
      const host = readHostInfo({ secModels: o.secModels, ...(o.hostUuid ? { uuid: o.hostUuid } : {}) });
      return { capabilities: formatCapabilities(host, await guestArches(load)) };
    },
    async connectGetDomainCapabilities(a) {
      if (a.flags !== 0) {
        throw new VirtError(ErrorCode.INVALID_ARG,
          `unsupported flags (0x${a.flags.toString(16)}) in function qemuConnectGetDomainCapabilities`, ErrorDomain.QEMU);
      }
      const r = await resolveDomainCaps(a, load);
      return { capabilities: domainCapabilitiesXml(r, o.cpuMapDir, { ...(o.privileged !== undefined ? { privileged: o.privileged } : {}) }) };
    },
  };
}
