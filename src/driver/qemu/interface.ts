/**
 * The host side of a guest's network interfaces at start and stop
 * (qemuProcessPrepareHost → qemuInterfaceBridgeConnect):
 *
 * - `type='user'` needs nothing on the host;
 * - `type='bridge'` gets a tap named like libvirt's (`<target dev>` when
 *   given, else the first free `vnetN`), which QEMU receives as an open fd
 *   (`-netdev tap,fd=N`, as from libvirt), with the guest MAC's first byte
 *   turned to 0xfe, the bridge's MTU, enslaved to the bridge and up;
 * - `type='network'` fails as libvirtd without that network does, since
 *   tsvirtd has no network driver yet.
 *
 * Node cannot issue TUNSETIFF, and QEMU running as libvirt-qemu may not
 * open /dev/net/tun itself, so a few lines of python3 (the interpreter the
 * DAC driver already uses for xattrs) run first in QEMU's exec chain: they
 * open the taps, put them on the fd numbers the command line names, and
 * exec the rest (setpriv, QEMU). The taps are not persistent: like
 * libvirt's, they vanish with QEMU's fds. Once QEMU's monitor answers (and
 * before its CPUs run) the daemon sets MAC, MTU, bridge and link state with
 * iproute2.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { DomainDef } from '../../conf/domain-def.js';
import { getAttr, kid, type XNode } from '../../conf/domain-xml.js';
import { netIfname, setNetIfname } from '../../conf/domain-devices.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';

const run = promisify(execFile);

/** Names of taps this daemon gave out and its guests still hold, so two starts never pick the same vnetN. */
const reserved = new Set<string>();

const SYS_NET = '/sys/class/net';

/** The first fd number given to a tap (libvirt's land in the 20s–30s too). */
const FIRST_TAP_FD = 30;

/** One bridge interface's tap. */
export interface TapPlan {
  alias: string;
  name: string;
  /** The fd number QEMU finds it on. */
  fd: number;
  mac: string;
  bridge: string;
  mtu: string;
}

function interfaces(def: DomainDef): XNode[] {
  return def.devices.list.filter((d) => d.kind === 'interface').map((d) => d.node);
}

/** libvirt's auto-generated tap names, which it owns and may replace (virNetDevTapGenerateName). */
function isGeneratedName(name: string): boolean {
  return /^vnet\d+$/.test(name);
}

function freeTapName(): string {
  for (let i = 0; ; i++) {
    const name = `vnet${i}`;
    if (!reserved.has(name) && !existsSync(`${SYS_NET}/${name}`)) return name;
  }
}

/**
 * Checks every interface, picks and reserves the taps of bridge interfaces
 * and writes their names into the live definition (`<target dev>`).
 */
export function planInterfaces(def: DomainDef): TapPlan[] {
  const plans: TapPlan[] = [];
  try {
    for (const n of interfaces(def)) {
      const type = getAttr(n, 'type') ?? '';
      if (type === 'network') {
        const network = getAttr(kid(n, 'source'), 'network') ?? '';
        throw VirtError.report(ErrorCode.NO_NETWORK, ErrorDomain.NETWORK, `no network with matching name '${network}'`);
      }
      if (type !== 'bridge') continue;
      const bridge = getAttr(kid(n, 'source'), 'bridge') ?? '';
      // virNetDevGetMTU on the bridge comes first, with its errno text.
      let mtu: string;
      try {
        mtu = readFileSync(`${SYS_NET}/${bridge}/mtu`, 'utf8').trim();
      } catch {
        throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE, `Cannot get interface MTU on '${bridge}': No such device`);
      }
      const wanted = netIfname(n);
      const name = wanted !== undefined && !isGeneratedName(wanted) ? wanted : freeTapName();
      reserved.add(name);
      const mac = getAttr(kid(n, 'mac'), 'address') ?? '';
      plans.push({ alias: getAttr(kid(n, 'alias'), 'name') ?? '', name, fd: FIRST_TAP_FD + plans.length, mac, bridge, mtu });
      setNetIfname(n, name);
    }
  } catch (e) {
    for (const p of plans) reserved.delete(p.name);
    throw e;
  }
  return plans;
}

// TUNSETIFF with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR (virNetDevTapCreate's flags), onto fixed fd numbers.
const TAP_OPENER = [
  'import fcntl, os, struct, sys',
  'a = sys.argv[1:]',
  'i = a.index("--")',
  'for spec in a[:i]:',
  '    n, name = spec.split(":", 1)',
  '    f = os.open("/dev/net/tun", os.O_RDWR)',
  '    fcntl.ioctl(f, 0x400454ca, struct.pack("16sH", name.encode(), 0x0002 | 0x1000 | 0x4000))',
  '    os.dup2(f, int(n), inheritable=True)',
  '    os.close(f)',
  'os.execvp(a[i + 1], a[i + 1:])',
].join('\n');

/** The argv prefix that opens the planned taps for QEMU ([] without bridge interfaces). */
export function tapOpenerPrefix(plans: readonly TapPlan[]): string[] {
  if (plans.length === 0) return [];
  const python = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));
  if (python === undefined) {
    throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.QEMU, 'bridge interfaces need python3 to open their taps');
  }
  return [python, '-c', TAP_OPENER, ...plans.map((p) => `${p.fd}:${p.name}`), '--'];
}

/** The fd of each planned tap by interface alias, for the command line. */
export function tapFdsOf(plans: readonly TapPlan[]): Record<string, number> {
  return Object.fromEntries(plans.map((p) => [p.alias, p.fd]));
}

async function ip(...args: string[]): Promise<void> {
  try {
    await run('ip', args, { timeout: 10_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
      `ip ${args.join(' ')} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** MAC (0xfe first), MTU, bridge and link up for taps QEMU now holds. */
export async function configureTaps(plans: readonly TapPlan[]): Promise<void> {
  for (const p of plans) {
    await ip('link', 'set', 'dev', p.name, 'address', `fe${p.mac.slice(2)}`, 'mtu', p.mtu);
    await ip('link', 'set', 'dev', p.name, 'master', p.bridge);
    await ip('link', 'set', 'dev', p.name, 'up');
  }
}

/** A stopped guest's tap names are free again (the taps went with QEMU's fds). */
export function releaseInterfaces(def: DomainDef): void {
  for (const n of interfaces(def)) {
    const name = netIfname(n);
    if (getAttr(n, 'type') === 'bridge' && name !== undefined) reserved.delete(name);
  }
}
