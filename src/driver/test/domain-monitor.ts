/**
 * The test driver's guest-facing and statistics calls: what libvirt 9.0's
 * src/test/test_driver.c answers for block and interface statistics, disk
 * errors, interface addresses, the guest's hostname, control state,
 * filesystem freeze/thaw/trim and information, NMI, keys, process signals,
 * user passwords and launch security. The calls test_driver.c leaves out
 * (job info, PM suspend, guest info, SSH keys, dirty rate…) stay absent, so
 * they fail as libvirt's unsupported calls do.
 */
import type { DomainRef, DriverConnection } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { isKeycodeInSet, keycodeSetName } from '../../util/keycodes.js';
import { parseMacAddr } from '../../util/mac.js';
import { domainDisks } from '../../conf/domain-def.js';
import type { DomainDef } from '../../conf/domain-def.js';
import { getAttr, kid } from '../../conf/domain-xml.js';
import type { DomainObj } from './domains.js';
import type { TestHost } from './host.js';
import { formatAddr, ipPrefix, type SocketAddr } from '../../conf/network-addr.js';

const TEST = ErrorDomain.TEST;
const DOM = ErrorDomain.DOMAIN;

/** VIR_DOMAIN_PROCESS_SIGNAL_LAST. */
const PROCESS_SIGNAL_LAST = 65;
/** VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LAST. */
const IFACE_ADDR_SRC_LAST = 3;
/** VIR_DOMAIN_DISK_ERROR_LAST. */
const DISK_ERROR_LAST = 3;
/** VIR_DOMAIN_PASSWORD_ENCRYPTED. */
const PASSWORD_ENCRYPTED = 1;
/** VIR_DOMAIN_TIME_SYNC. */
const TIME_SYNC = 1;
/** virDomainControlState and virDomainControlErrorReason. */
const Control = { OK: 0, JOB: 1, OCCUPIED: 2, ERROR: 3 } as const;
/** virIPAddrType. */
const IP_ADDR_TYPE = { IPV4: 0, IPV6: 1 } as const;

/** The mount points testDomainGetFSInfo reports, in the order freeze/thaw know them. */
const MOUNTPOINTS = ['/', '/boot'] as const;

/** virDomainObjCheckActive. */
function checkActive(obj: DomainObj): void {
  if (!obj.isActive) throw VirtError.report(ErrorCode.OPERATION_INVALID, DOM, 'domain is not running');
}

/** g_get_real_time(): wall-clock microseconds, the base of the made-up statistics. */
function realTimeMicros(): bigint {
  return BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
}

function sameMac(a: number[], b: string | undefined): boolean {
  const m = b === undefined ? null : parseMacAddr(b);
  return m !== null && m.every((x, i) => x === a[i]);
}

/** The domain's `<interface>` elements, in definition order (def->nets). */
function domainNets(def: DomainDef) {
  return def.devices.list.filter((d) => d.kind === 'interface').map((d) => d.node);
}

/** virDomainNetFind: by MAC address when `device` parses as one, else by host-side name. */
function netFind(def: DomainDef, device: string) {
  const mac = parseMacAddr(device);
  const nets = domainNets(def);
  const found = mac
    ? nets.find((n) => sameMac(mac, getAttr(kid(n, 'mac'), 'address')))
    : nets.find((n) => getAttr(kid(n, 'target'), 'dev') === device);
  if (!found) throw VirtError.report(ErrorCode.INVALID_ARG, DOM, `'${device}' is not a known interface`);
  return found;
}

/** virDomainDiskIndexByName(def, name, false) >= 0: a target name, or an unambiguous source path. */
function hasDisk(def: DomainDef, name: string): boolean {
  const disks = domainDisks(def);
  if (!name.startsWith('/')) return disks.some((d) => d.dst === name);
  return disks.filter((d) => d.sourcePath === name).length === 1;
}

/** Adds to an address as testDomainInterfaceAddressFromNet does: IPv4 as a whole, IPv6 in its last byte only. */
function offsetAddr(a: SocketAddr, offset: number): SocketAddr {
  if (a.family === 4) return { family: 4, value: (a.value + BigInt(offset)) & 0xffffffffn };
  const last = (a.value + BigInt(offset)) & 0xffn;
  return { family: 6, value: (a.value & ~0xffn) | last };
}

/** Per-domain state of testDomainObjPrivate not kept on DomainObj: which of the two filesystems are frozen. */
interface GuestState { frozen: [boolean, boolean] }

/** The statistics and guest-agent calls of the test driver (a part of TestHost). */
export class DomainMonitor {
  readonly #guest = new WeakMap<DomainObj, GuestState>();

  constructor(readonly host: TestHost) {}

  /** Nothing of its own in a host file. */
  load(): void {}

  /** testDomObjFromDomain. */
  #resolve(dom: DomainRef): DomainObj {
    const obj = this.host.domains.objects.find((o) => o.def.uuid === dom.uuid);
    if (!obj) {
      throw VirtError.report(ErrorCode.NO_DOMAIN, TEST, `no domain with matching uuid '${dom.uuid}' (${dom.name})`);
    }
    return obj;
  }

  #state(obj: DomainObj): GuestState {
    let s = this.#guest.get(obj);
    if (!s) this.#guest.set(obj, s = { frozen: [false, false] });
    return s;
  }

  /** testDomainInterfaceAddressFromNet: an address in the network's first DHCP range (or its own address). */
  #addressFromNet(network: string, offset: number): { type: number; addr: string; prefix: number } {
    const def = this.host.networks.lookupDef(network);
    if (!def) throw VirtError.report(ErrorCode.NO_NETWORK, TEST, `no network with matching name '${network}'`);
    const ip = def.ips[0];
    if (!ip) throw VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, `network '${network}' has no IP address`);
    const base = ip.ranges[0]?.start ?? ip.address;
    const ipv6 = ip.family === 'ipv6';
    return {
      type: ipv6 ? IP_ADDR_TYPE.IPV6 : IP_ADDR_TYPE.IPV4,
      addr: formatAddr(offsetAddr(base, offset)),
      prefix: ipPrefix(ip.address, ip.netmask, ip.prefix),
    };
  }

  /** testDomainFSFreeze/testDomainFSThaw: how many of the two filesystems change. */
  #freezeThaw(dom: DomainRef, mountpoints: readonly string[], freeze: boolean): number {
    const obj = this.#resolve(dom);
    checkActive(obj);
    const st = this.#state(obj);
    if (mountpoints.length === 0) {
      const changed = st.frozen.filter((f) => f !== freeze).length;
      st.frozen = [freeze, freeze];
      return changed;
    }
    const next: [boolean, boolean] = [...st.frozen];
    let changed = 0;
    for (const mp of mountpoints) {
      const i = MOUNTPOINTS.indexOf(mp as (typeof MOUNTPOINTS)[number]);
      if (i < 0) throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, `mount point not found: ${mp}`);
      if (next[i] !== freeze) {
        next[i] = freeze;
        changed++;
      }
    }
    st.frozen = next;
    return changed;
  }

  /** The contract methods this part implements. */
  methods(): Partial<DriverConnection> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      async domainBlockStats({ dom, path }) {
        if (path === '') {
          throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, TEST, 'summary statistics are not supported yet');
        }
        const obj = self.#resolve(dom);
        checkActive(obj);
        if (!hasDisk(obj.def, path)) throw VirtError.report(ErrorCode.INVALID_ARG, TEST, `invalid path: ${path}`);
        // No significance to these numbers: they only have to move.
        const base = realTimeMicros();
        const n = (x: bigint) => Number(x);
        return {
          rd_req: n(base / 10n), rd_bytes: n(base / 20n), wr_req: n(base / 30n), wr_bytes: n(base / 40n),
          errs: n(base / 2000000n),
        };
      },
      async domainInterfaceStats({ dom, device }) {
        const obj = self.#resolve(dom);
        checkActive(obj);
        netFind(obj.def, device);
        const base = realTimeMicros();
        const n = (x: bigint) => Number(x);
        return {
          rx_bytes: n(base / 10n), rx_packets: n(base / 100n), rx_errs: n(base / 1000000n), rx_drop: n(base / 2000000n),
          tx_bytes: n(base / 20n), tx_packets: n(base / 110n), tx_errs: n(base / 3000000n), tx_drop: n(base / 4000000n),
        };
      },
      async domainInterfaceAddresses({ dom, source, flags }) {
        checkFlags(flags, 0, 'testDomainInterfaceAddresses', TEST);
        if (source >= IFACE_ADDR_SRC_LAST) {
          throw VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, TEST, `Unknown IP address data source ${source}`);
        }
        const obj = self.#resolve(dom);
        checkActive(obj);
        const ifaces = domainNets(obj.def).map((net, i) => {
          const hwaddr = getAttr(kid(net, 'mac'), 'address') ?? null;
          const name = getAttr(kid(net, 'target'), 'dev') ?? '';
          // Different addresses per interface and per domain.
          const addr = getAttr(net, 'type') === 'network'
            ? self.#addressFromNet(getAttr(kid(net, 'source'), 'network') ?? '', 20 * (obj.def.id - 1) + i + 1)
            : { type: IP_ADDR_TYPE.IPV4, addr: `192.168.0.${1 + i}`, prefix: 24 };
          return { name, hwaddr, addrs: [addr] };
        });
        return { ifaces };
      },
      async domainGetHostname({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainGetHostname', TEST);
        const obj = self.#resolve(dom);
        checkActive(obj);
        return { hostname: `${dom.name}host` };
      },
      async domainGetControlInfo({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainGetControlInfo', TEST);
        const obj = self.#resolve(dom);
        checkActive(obj);
        // The guest clock (domtime) picks the state, so every state can be shown.
        const s = obj.timeSeconds;
        if (s > 0 && s < 10000) return { state: Control.JOB, details: 0, stateTime: s };
        if (s >= 10000 && s < 30000) return { state: Control.OCCUPIED, details: 0, stateTime: s - 10000 };
        if (s >= 30000 && s < 60000) return { state: Control.ERROR, details: s % 4, stateTime: s - 30000 };
        return { state: Control.OK, details: 0, stateTime: 0 };
      },
      async domainSetTime({ dom, seconds, nseconds, flags }) {
        checkFlags(flags, TIME_SYNC, 'testDomainSetTime', TEST);
        const obj = self.#resolve(dom);
        checkActive(obj);
        obj.timeSeconds = seconds;
        obj.timeNseconds = nseconds;
      },
      async domainGetDiskErrors({ dom, maxerrors, flags }) {
        checkFlags(flags, 0, 'testDomainGetDiskErrors', TEST);
        const obj = self.#resolve(dom);
        checkActive(obj);
        const disks = domainDisks(obj.def);
        // Asked for no entries, the driver says how many there could be.
        if (maxerrors === 0) return { errors: [], nerrors: disks.length };
        const errors = disks.slice(0, maxerrors).map((d, i) => ({ disk: d.dst, error: (i % (DISK_ERROR_LAST - 1)) + 1 }));
        return { errors, nerrors: errors.length };
      },
      async domainGetFSInfo({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainGetFSInfo', TEST);
        const obj = self.#resolve(dom);
        checkActive(obj);
        const disk = domainDisks(obj.def).find((d) => d.device === 'disk');
        if (!disk) return { info: [], ret: 0 };
        const info = MOUNTPOINTS.map((mountpoint, i) => ({
          mountpoint, name: `${disk.dst}${i + 1}`, fstype: 'ext4', dev_aliases: [disk.dst],
        }));
        return { info, ret: info.length };
      },
      async domainFSFreeze({ dom, mountpoints, flags }) {
        checkFlags(flags, 0, 'testDomainFSFreeze', TEST);
        return { filesystems: self.#freezeThaw(dom, mountpoints, true) };
      },
      async domainFSThaw({ dom, mountpoints, flags }) {
        checkFlags(flags, 0, 'testDomainFSThaw', TEST);
        return { filesystems: self.#freezeThaw(dom, mountpoints, false) };
      },
      async domainFSTrim({ dom, mountPoint, flags }) {
        checkFlags(flags, 0, 'testDomainFSTrim', TEST);
        const obj = self.#resolve(dom);
        checkActive(obj);
        if (mountPoint !== null && !(MOUNTPOINTS as readonly string[]).includes(mountPoint)) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, `mount point not found: ${mountPoint}`);
        }
      },
      async domainInjectNMI({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainInjectNMI', TEST);
        checkActive(self.#resolve(dom));
      },
      async domainSendKey({ dom, codeset, keycodes, flags }) {
        checkFlags(flags, 0, 'testDomainSendKey', TEST);
        checkActive(self.#resolve(dom));
        for (const k of keycodes) {
          if (!isKeycodeInSet(codeset, k)) {
            throw VirtError.report(ErrorCode.INTERNAL_ERROR, TEST,
              `invalid keycode ${k} of ${keycodeSetName(codeset) ?? '(null)'} codeset`);
          }
        }
      },
      async domainSendProcessSignal({ dom, pid_value, signum, flags }) {
        checkFlags(flags, 0, 'testDomainSendProcessSignal', TEST);
        if (pid_value !== 1) {
          throw VirtError.report(ErrorCode.INVALID_ARG, TEST, 'only sending a signal to pid 1 is supported');
        }
        if (signum >= PROCESS_SIGNAL_LAST) {
          throw VirtError.report(ErrorCode.INVALID_ARG, TEST, `signum value ${signum} is out of range`);
        }
        self.#resolve(dom);
      },
      async domainSetUserPassword({ dom, flags }) {
        checkFlags(flags, PASSWORD_ENCRYPTED, 'testDomainSetUserPassword', TEST);
        checkActive(self.#resolve(dom));
      },
      async domainGetLaunchSecurityInfo({ flags }) {
        // Neither the domain nor its state matter: there is never anything to report.
        checkFlags(flags, 0, 'testDomainGetLaunchSecurityInfo', TEST);
        return { params: [] };
      },
    };
  }
}
