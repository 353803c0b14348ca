/**
 * The host side of a guest's network interfaces at start and stop
 * (qemuProcessPrepareHost → qemuInterfaceBridgeConnect, and
 * qemuProcessStop's tap teardown):
 *
 * - `type='user'` needs nothing on the host;
 * - `type='bridge'` gets a tap named like libvirt's (`<target dev>` when
 *   given, else the first free `vnetN`) with the guest MAC's first byte
 *   turned to 0xfe, the bridge's MTU, enslaved to the bridge and up;
 * - `type='network'` fails as libvirtd without that network does, since
 *   tsvirtd has no network driver yet.
 *
 * libvirt opens /dev/net/tun itself and hands QEMU the tap's fd
 * (`-netdev tap,fd=N`); Node cannot issue TUNSETIFF, so the tap is made
 * persistent with iproute2 and QEMU attaches to it by name
 * (`-netdev tap,ifname=vnetN,script=no,downscript=no`). Because it is
 * persistent, the tap is deleted explicitly when the guest stops (libvirt's
 * vanishes with QEMU's fd).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { DomainDef } from '../../conf/domain-def.js';
import { getAttr, kid, type XNode } from '../../conf/domain-xml.js';
import { netIfname, setNetIfname } from '../../conf/domain-devices.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';

const run = promisify(execFile);

/** Names of taps this daemon made and has not deleted, so two starts never pick the same vnetN. */
const reserved = new Set<string>();

const SYS_NET = '/sys/class/net';

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

async function ip(...args: string[]): Promise<void> {
  try {
    await run('ip', args, { timeout: 10_000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
      `ip ${args.join(' ')} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/**
 * Checks every interface and makes the taps of bridge interfaces, writing
 * their names into the live definition (`<target dev>`). Returns the tap
 * name by interface alias for the command line. On failure the taps made
 * so far are deleted again.
 */
export async function prepareInterfaces(def: DomainDef, opts: { tapUser?: number } = {}): Promise<Record<string, string>> {
  const made: string[] = [];
  const byAlias: Record<string, string> = {};
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
      made.push(name);
      const mac = getAttr(kid(n, 'mac'), 'address') ?? '';
      await ip('tuntap', 'add', 'dev', name, 'mode', 'tap', 'vnet_hdr', ...(opts.tapUser !== undefined ? ['user', String(opts.tapUser)] : []));
      await ip('link', 'set', 'dev', name, 'address', `fe${mac.slice(2)}`, 'mtu', mtu);
      await ip('link', 'set', 'dev', name, 'master', bridge);
      await ip('link', 'set', 'dev', name, 'up');
      setNetIfname(n, name);
      byAlias[getAttr(kid(n, 'alias'), 'name') ?? ''] = name;
    }
  } catch (e) {
    await deleteTaps(made);
    throw e;
  }
  return byAlias;
}

/**
 * Deletes the taps of a stopped guest's bridge interfaces (the live
 * definition names them): all of them once its QEMU ran (also when an
 * earlier daemon made them), else only those this daemon made for it.
 */
export async function releaseInterfaces(def: DomainDef, started: boolean): Promise<void> {
  await deleteTaps(interfaces(def).filter((n) => getAttr(n, 'type') === 'bridge')
    .map((n) => netIfname(n)).filter((x): x is string => x !== undefined && (started || reserved.has(x))));
}

async function deleteTaps(names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (existsSync(`${SYS_NET}/${name}`)) await ip('link', 'del', 'dev', name).catch(() => undefined);
    reserved.delete(name);
  }
}
