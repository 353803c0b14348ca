/**
 * `<interface type='bridge'>` and `type='network'` on tsvirtd's QEMU driver
 * against a private stock libvirtd, judged by stock virsh and iproute2.
 *
 * Both daemons run in one private network namespace (`ip netns add`) that
 * holds a bridge, so their taps meet on it: each guest's tap must be made
 * like libvirt's (name vnetN, MAC fe:…, the bridge's MTU, enslaved, up),
 * virsh's view (domiflist, the live `<interface>`) must be equal, the tap
 * must go away with the guest, and a missing bridge or network must fail
 * with libvirt's error. The two daemons share the namespace, so their taps
 * are vnet0 and vnet1 in whichever order: tap names are normalised.
 *
 * Needs root, QEMU, libvirtd and virsh: outside CI a missing oracle, or a
 * guest that cannot be built (no Debian mirror), skips; under CI=true both fail.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { guestXml, type QemuLibvirtd, type TestGuest } from './qemu-harness.js';
import { qemuPair } from './qemu-pair.js';
import type { QemuTsvirtd } from './qemu-tsvirtd.js';

const NETNS = `tsvirt-br-${process.pid}`;
const BRIDGE = 'tsvbr0';

const ip = (...args: string[]): string => execFileSync('ip', ['-n', NETNS, ...args], { encoding: 'utf8' });

/** Tap names differ only by which daemon came first. */
const normalise = (s: string): string => s.replace(/\bvnet\d+\b/g, 'vnetN');

describe('QEMU driver: bridge and network interfaces on tsvirtd and on libvirtd', { timeout: 600_000 }, () => {
  let netnsMade = false;
  const pair = qemuPair({
    prefix: 'tsvirt-qemu-bridge-test-',
    libvirtd: { netns: NETNS },
    tsvirtd: { netns: NETNS },
    setup() {
      execFileSync('ip', ['netns', 'add', NETNS]);
      netnsMade = true;
      ip('link', 'set', 'lo', 'up');
      ip('link', 'add', BRIDGE, 'type', 'bridge');
      ip('link', 'set', BRIDGE, 'mtu', '1400', 'up');
    },
    teardown() {
      if (netnsMade) execFileSync('ip', ['netns', 'del', NETNS]);
    },
  });
  let guest: TestGuest | undefined;

  function need(t: TestContext): { daemons: [QemuLibvirtd, QemuTsvirtd]; guest: TestGuest } | undefined {
    const env = pair.need(t);
    if (!env) return undefined;
    guest = env.guest;
    return { daemons: [env.lv, env.td], guest: env.guest };
  }

  /** Runs virsh on both; asserts equal (normalised) outcomes; returns tsvirtd's. */
  async function both(d: [QemuLibvirtd, QemuTsvirtd], ...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const [a, b] = await Promise.all(d.map(async (x) => {
      const r = await x.virsh(...args);
      return { status: r.status, stdout: normalise(r.stdout), stderr: normalise(r.stderr) };
    }));
    assert.deepEqual(b, a, `virsh ${args.join(' ')}: tsvirtd (actual) vs libvirtd (expected)`);
    return b!;
  }

  function define(name: string, iface: string): string {
    const file = join(pair.tmp, `${name}.xml`);
    writeFileSync(file, guestXml(name, { guest: guest!, channels: [], devices: iface, uuid: '3f1b6c0e-8a57-4c1e-9d2a-6b0e5f4a7c01' }));
    return file;
  }

  /** The tap of a guest as `virsh domiflist` names it. */
  async function tapOf(d: QemuLibvirtd | QemuTsvirtd, name: string): Promise<string> {
    const m = /^\s*(vnet\d+)\s/m.exec((await d.virsh('domiflist', name)).stdout);
    assert.ok(m, `no tap in domiflist of ${name}`);
    return m[1]!;
  }

  it('a bridge interface gets a tap like libvirt\'s, which goes away with the guest', async (t) => {
    const env = need(t);
    if (!env) return;
    const { daemons } = env;
    const file = define('tsvirt-br', `    <interface type='bridge'>\n      <mac address='52:54:00:4b:52:01'/>\n      <source bridge='${BRIDGE}'/>\n      <model type='virtio'/>\n    </interface>\n`);
    await both(daemons, 'define', file);
    // One after the other: both pick the first free vnetN of the shared namespace.
    for (const d of daemons) {
      const r = await d.virsh('start', 'tsvirt-br');
      assert.equal(r.status, 0, `${d === daemons[0] ? 'libvirtd' : 'tsvirtd'}: ${r.stderr}`);
    }
    await both(daemons, 'domiflist', 'tsvirt-br');
    const ifaceXml = async (d: QemuLibvirtd | QemuTsvirtd) => normalise(/<interface[\s\S]*?<\/interface>/.exec((await d.virsh('dumpxml', 'tsvirt-br')).stdout)?.[0] ?? '');
    assert.equal(await ifaceXml(daemons[1]), await ifaceXml(daemons[0]));
    const taps = await Promise.all(daemons.map((d) => tapOf(d, 'tsvirt-br')));
    assert.notEqual(taps[0], taps[1]);
    // The host side: MAC with 0xfe first, the bridge's MTU, enslaved, up; a tap with vnet headers.
    const link = (tap: string) => {
      const j = JSON.parse(ip('-d', '-j', 'link', 'show', 'dev', tap)) as Array<Record<string, unknown>>;
      const l = j[0]!;
      const info = l['linkinfo'] as { info_kind?: string; info_data?: { type?: string; vnet_hdr?: boolean } } | undefined;
      return { address: l['address'], mtu: l['mtu'], master: l['master'], up: (l['flags'] as string[]).includes('UP'),
        kind: info?.info_kind, tunType: info?.info_data?.type, vnetHdr: info?.info_data?.vnet_hdr };
    };
    const lvLink = link(taps[0]!);
    t.diagnostic(`libvirtd's tap ${taps[0]}: ${JSON.stringify(lvLink)}`);
    assert.equal(lvLink.address, 'fe:54:00:4b:52:01');
    assert.deepEqual(link(taps[1]!), lvLink);
    await both(daemons, 'destroy', 'tsvirt-br');
    const names = JSON.parse(ip('-j', 'link', 'show')) as Array<{ ifname: string }>;
    assert.deepEqual(names.map((n) => n.ifname).filter((n) => n.startsWith('vnet')), [], 'taps left after destroy');
    await both(daemons, 'dumpxml', '--inactive', 'tsvirt-br');
    await both(daemons, 'undefine', 'tsvirt-br');
  });

  it('a missing bridge and a network interface fail as on libvirtd, and leave no tap', async (t) => {
    const env = need(t);
    if (!env) return;
    const { daemons } = env;
    await both(daemons, 'define', define('tsvirt-nobr', `    <interface type='bridge'>\n      <source bridge='nosuchbr'/>\n    </interface>\n`));
    await both(daemons, 'start', 'tsvirt-nobr');
    await both(daemons, 'undefine', 'tsvirt-nobr');
    // A good bridge first, then the network: the tap made for the first must be deleted again.
    await both(daemons, 'define', define('tsvirt-net', `    <interface type='bridge'>\n      <source bridge='${BRIDGE}'/>\n    </interface>\n`
      + `    <interface type='network'>\n      <source network='default'/>\n    </interface>\n`));
    await both(daemons, 'start', 'tsvirt-net');
    await both(daemons, 'domstate', '--reason', 'tsvirt-net');
    const names = JSON.parse(ip('-j', 'link', 'show')) as Array<{ ifname: string }>;
    assert.deepEqual(names.map((n) => n.ifname).filter((n) => n.startsWith('vnet')), [], 'taps left after a failed start');
    await both(daemons, 'undefine', 'tsvirt-net');
  });
});
