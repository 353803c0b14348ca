/**
 * Device hot-plug and statistics of tsvirtd's QEMU driver against a
 * private stock libvirtd's, judged by stock virsh: one guest per daemon
 * (the tiny test guest, booted to its prompt so that it answers ACPI
 * unplug requests), the same commands on both at the same time, equal
 * outputs after {@link normalise} and {@link mask}.
 *
 * Hot-plug: attach-disk / detach-disk (live, --config, --persistent) of raw
 * virtio disks, SCSI disks (with the controller plugged first), the IDE and
 * SATA refusals, attach-device / detach-device with disk and `user`
 * interface XML, attach-interface with a network that does not exist, the
 * live XML of the plugged devices, domblklist / domiflist (live and
 * inactive), and the device-added / device-removed events.
 * Statistics: domblkstat, domblkinfo, domifstat, dommemstat, vcpuinfo,
 * vcpucount and domstats of the running guest and of a shut-off domain.
 *
 * Needs root, QEMU, libvirtd and virsh: outside CI a missing oracle, or a
 * guest that cannot be built, skips; under CI=true both fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import type { RunResult } from './harness.js';
import { guestXml, openConsole, type TestGuest } from './qemu-harness.js';
import { qemuPair } from './qemu-pair.js';

const NAME = 'tsvirt-dev';
const OFF = 'tsvirt-dev-off';
const UUID = '3d0b6a52-7c1e-4f0a-8e5b-2a9c4d6f8e11';
const OFF_UUID = '3d0b6a52-7c1e-4f0a-8e5b-2a9c4d6f8e12';
const MAC0 = '52:54:00:5e:00:10';
const MAC1 = '52:54:00:5e:00:11';
const MAC2 = '52:54:00:5e:00:12';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What differs between the two daemons' answers for reasons outside the devices. */
function normalise(s: string, tmp: string): string {
  // Each daemon's guest has its own files in its own dir.
  return s.replaceAll(tmp, '<tmp>').replace(/<tmp>\/(?:lv|td)\//g, '<tmp>/<d>/');
}

/**
 * Values that move with time or the guests' pace: counters, times, memory
 * the guest uses, the host CPU a vCPU last ran on. Allocation too: stock
 * libvirt's DAC driver keeps the owner it replaced in an xattr of each image
 * it labels, which takes a 4 KiB block on ext4 (tsvirt labels nothing).
 */
function mask(s: string): string {
  return s
    // domstats: counters and times; the structural keys keep their values.
    .replace(/^(\s+(?:cpu\.(?:time|user|system)|balloon\.(?:swap_in|swap_out|major_fault|minor_fault|unused|available|usable|last-update|disk_caches|rss)|vcpu\.\d+\.(?:time|wait|delay)|block\.\d+\.(?:rd|wr|fl)\.\w+|block\.\d+\.(?:allocation|physical)))=\d+$/gm, '$1=<n>')
    // domblkstat (plain and --human).
    .replace(/^(\S* (?:rd_req|rd_bytes|wr_req|wr_bytes|flush_operations|rd_total_times|wr_total_times|flush_total_times)) \d+$/gm, '$1 <n>')
    .replace(/^( [a-z ()]+:\s+)\d+$/gm, '$1<n>')
    // dommemstat.
    .replace(/^((?:swap_in|swap_out|major_fault|minor_fault|unused|available|usable|last_update|disk_caches|rss)) \d+$/gm, '$1 <n>')
    // vcpuinfo.
    .replace(/^(CPU:\s+)\d+$/gm, '$1<cpu>').replace(/^(CPU time:\s+)[\d.]+s$/gm, '$1<t>s')
    // domblkinfo.
    .replace(/^(Allocation:\s+)\d+$/gm, '$1<n>')
    .replace(/^( \S+\s+\d+\s+)\d+\s+(\d+)$/gm, '$1<n> $2');
}

/** The `<disk>`, `<interface>` and SCSI `<controller>` elements of a domain XML. */
function devicesOf(xml: string): string[] {
  return [...xml.matchAll(/^ {4}<(disk|interface|controller)\b[\s\S]*?^ {4}<\/\1>$/gm)].map((m) => m[0])
    .filter((x) => !x.startsWith('    <controller') || x.startsWith("    <controller type='scsi'"));
}

interface Side {
  readonly label: 'libvirtd' | 'tsvirtd';
  readonly uri: string;
  virsh(...args: string[]): Promise<RunResult>;
  readonly dir: string;
}

type Outcome = { status: number | null; stdout: string; stderr: string };

describe('QEMU driver: hot-plug and statistics, stock virsh against tsvirtd and libvirtd', { timeout: 900_000 }, () => {
  const pair = qemuPair({ prefix: 'tsvirt-qemu-devices-test-' });
  const tmp = pair.tmp;
  const events: Array<{ side: Side; out: string[]; stop: () => void }> = [];

  after(() => { for (const e of events) e.stop(); });

  function need(t: TestContext): { sides: [Side, Side]; guest: TestGuest } | undefined {
    const env = pair.need(t);
    if (!env) return undefined;
    const { lv, td, guest } = env;
    return {
      sides: [
        { label: 'libvirtd', uri: lv.uri, virsh: lv.virsh, dir: join(tmp, 'lv') },
        { label: 'tsvirtd', uri: td.uri, virsh: td.virsh, dir: join(tmp, 'td') },
      ],
      guest,
    };
  }

  /** Runs `virsh ARGS` on both sides at once; asserts equal (masked) outcomes; returns tsvirtd's. */
  async function both(sides: [Side, Side], ...args: string[]): Promise<Outcome> {
    const one = async (s: Side) => {
      const r = await s.virsh(...args.map((x) => x.replace('@DIR@', s.dir)));
      return { status: r.status, stdout: mask(normalise(r.stdout, tmp)), stderr: normalise(r.stderr, tmp) };
    };
    const [a, b] = args[0] === 'start' ? [await one(sides[0]), await one(sides[1])] : await Promise.all(sides.map(one));
    assert.deepEqual(b, a, `virsh ${args.join(' ')}: tsvirtd (actual) vs libvirtd (expected)`);
    return b!;
  }

  /** The plugged devices of the live (or inactive) XML, equal on both sides. */
  async function sameDevices(sides: [Side, Side], ...flags: string[]): Promise<string[]> {
    const [a, b] = await Promise.all(sides.map(async (s) => {
      const r = await s.virsh('dumpxml', ...flags, NAME);
      assert.equal(r.status, 0, r.stderr);
      return devicesOf(normalise(r.stdout, tmp));
    }));
    assert.deepEqual(b, a, `dumpxml ${flags.join(' ')}: plugged devices, tsvirtd (actual) vs libvirtd (expected)`);
    return b!;
  }

  it('boots one guest per daemon and defines a shut-off domain', async (t) => {
    const env = need(t);
    if (!env) return;
    const { sides } = env;
    for (const s of sides) {
      mkdirSync(s.dir, { mode: 0o711 });
      const file = (name: string, mib: number) => {
        const p = join(s.dir, name);
        writeFileSync(p, '');
        truncateSync(p, mib * 1024 * 1024);
        return p;
      };
      const disk = file('disk.raw', 16);
      for (const h of ['hot1.raw', 'hot2.raw', 'hot3.raw']) file(h, 8);
      const devices = `    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source file='${disk}'/>\n`
        + `      <target dev='vda' bus='virtio'/>\n    </disk>\n`
        + `    <interface type='user'>\n      <mac address='${MAC0}'/>\n      <model type='virtio'/>\n    </interface>\n`;
      writeFileSync(join(s.dir, `${NAME}.xml`), guestXml(NAME, { guest: env.guest, uuid: UUID, balloon: true, devices }));
      writeFileSync(join(s.dir, `${OFF}.xml`), guestXml(OFF, { guest: env.guest, uuid: OFF_UUID, balloon: true, devices }));
      writeFileSync(join(s.dir, 'nic1.xml'), `<interface type='user'>\n  <mac address='${MAC1}'/>\n  <model type='virtio'/>\n</interface>\n`);
      writeFileSync(join(s.dir, 'nic2.xml'), `<interface type='user'>\n  <mac address='${MAC2}'/>\n  <model type='e1000'/>\n</interface>\n`);
      writeFileSync(join(s.dir, 'disk3.xml'), `<disk type='file' device='disk'>\n  <driver name='qemu' type='raw'/>\n`
        + `  <source file='${join(s.dir, 'hot3.raw')}'/>\n  <target dev='vde' bus='virtio'/>\n</disk>\n`);
      const out: string[] = [];
      const child = spawn('virsh', ['-c', s.uri, 'event', '--all', '--loop'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.setEncoding('utf8').on('data', (d: string) => out.push(d));
      events.push({ side: s, out, stop: () => child.kill('SIGTERM') });
    }
    await sleep(500);
    await both(sides, 'define', `@DIR@/${NAME}.xml`);
    await both(sides, 'define', `@DIR@/${OFF}.xml`);
    await both(sides, 'start', NAME);
    await sameDevices(sides);
    // ACPI unplug and the balloon's statistics need the guest up.
    await Promise.all(sides.map(async (s) => {
      const con = await openConsole(s.uri, NAME);
      try {
        const ms = await con.waitPrompt({ timeoutMs: 240_000 });
        t.diagnostic(`${s.label}: prompt ${ms} ms after the console opened`);
      } finally {
        await con.close();
      }
    }));
  });

  it('attaches and detaches disks and interfaces with equal outputs, XML and events', async (t) => {
    const env = need(t);
    if (!env) return;
    const { sides } = env;
    await both(sides, 'attach-disk', NAME, '@DIR@/hot1.raw', 'vdb', '--live');
    await both(sides, 'attach-disk', NAME, '@DIR@/hot2.raw', 'vdc', '--persistent');
    await both(sides, 'attach-disk', NAME, '@DIR@/hot1.raw', 'vdd', '--config');
    await both(sides, 'attach-device', NAME, '@DIR@/disk3.xml');
    // The same target again: libvirt's validation of the whole definition.
    await both(sides, 'attach-disk', NAME, '@DIR@/hot3.raw', 'vdb');
    await both(sides, 'attach-device', NAME, '@DIR@/nic1.xml', '--live');
    await both(sides, 'attach-device', NAME, '@DIR@/nic2.xml', '--persistent');
    // tsvirtd has no network driver; libvirtd has no network named default.
    await both(sides, 'attach-interface', NAME, 'network', 'default');
    await both(sides, 'attach-interface', NAME, '--type', 'user', '--source', 'x');
    await both(sides, 'domblklist', NAME);
    await both(sides, 'domblklist', NAME, '--details');
    await both(sides, 'domblklist', NAME, '--inactive');
    await both(sides, 'domiflist', NAME);
    await both(sides, 'domiflist', NAME, '--inactive');
    const live = await sameDevices(sides);
    t.diagnostic(`${live.length} plugged devices in the live XML`);
    assert.equal(live.length, 7, live.join('\n'));

    await both(sides, 'detach-disk', NAME, 'vdb', '--live');
    await both(sides, 'detach-device', NAME, '@DIR@/disk3.xml');
    await both(sides, 'detach-disk', NAME, 'vdc', '--persistent');
    await both(sides, 'detach-disk', NAME, 'vdd', '--config');
    await both(sides, 'detach-device', NAME, '@DIR@/nic1.xml');
    await both(sides, 'detach-device', NAME, '@DIR@/nic2.xml', '--persistent');
    await both(sides, 'detach-disk', NAME, 'vdz');
    await both(sides, 'detach-device', NAME, '@DIR@/nic1.xml');
    await both(sides, 'domblklist', NAME);
    await both(sides, 'domblklist', NAME, '--inactive');
    await both(sides, 'domiflist', NAME);
    await both(sides, 'domiflist', NAME, '--inactive');
    // Only the disk and the NIC the guest started with are left.
    assert.equal((await sameDevices(sides)).length, 2);

    // A disk plugged again after its removal: new node names, the next slot.
    await both(sides, 'attach-disk', NAME, '@DIR@/hot1.raw', 'vdb');
    await sameDevices(sides);
    await both(sides, 'detach-disk', NAME, 'vdb');

    // SCSI: the lsilogic controller is plugged first; IDE cannot be
    // hot-plugged (QEMU says so); SATA needs a controller a pc lacks.
    await both(sides, 'attach-disk', NAME, '@DIR@/hot3.raw', 'sdb', '--targetbus', 'scsi');
    await both(sides, 'attach-disk', NAME, '@DIR@/hot2.raw', 'sdc', '--targetbus', 'scsi');
    await both(sides, 'attach-disk', NAME, '@DIR@/hot2.raw', 'hdb', '--targetbus', 'ide');
    await both(sides, 'attach-disk', NAME, '@DIR@/hot2.raw', 'sdd', '--targetbus', 'sata');
    await both(sides, 'domblklist', NAME);
    assert.equal((await sameDevices(sides)).length, 5);
    await both(sides, 'domblkstat', NAME, 'sdb');
    await both(sides, 'detach-disk', NAME, 'sdb');
    await both(sides, 'detach-disk', NAME, 'sdc');
    // The controller stays; the next disk takes the node index after the failed ones.
    await both(sides, 'attach-disk', NAME, '@DIR@/hot1.raw', 'vdb');
    assert.equal((await sameDevices(sides)).length, 4);
    await both(sides, 'detach-disk', NAME, 'vdb');

    await sleep(500);
    const lines = (s: Side) => events.find((e) => e.side.label === s.label)!.out.join('').split('\n')
      .filter((l) => /^event '(device-added|device-removed)'/.test(l));
    const tdEv = lines(sides[1]);
    t.diagnostic(`tsvirtd device events: ${tdEv.join('; ')}`);
    assert.ok(tdEv.length >= 16, tdEv.join('\n'));
    assert.deepEqual(tdEv, lines(sides[0]));
  });

  it('answers the statistics of a running and a shut-off domain as libvirtd does', async (t) => {
    const env = need(t);
    if (!env) return;
    const { sides } = env;
    // vcpuinfo sizes its affinity maps from the host's CPUs.
    await both(sides, 'nodeinfo');
    for (const dom of [NAME, OFF]) {
      await both(sides, 'domblkstat', dom, 'vda');
      await both(sides, 'domblkstat', dom, 'vda', '--human');
      await both(sides, 'domblkstat', dom, 'vdz');
      await both(sides, 'domblkstat', dom);
      await both(sides, 'domblkinfo', dom, 'vda');
      await both(sides, 'domblkinfo', dom, '--all');
      await both(sides, 'domblkinfo', dom, 'vdz');
      await both(sides, 'domifstat', dom, 'vnet0');
      await both(sides, 'domifstat', dom, MAC0);
      await both(sides, 'dommemstat', dom);
      await both(sides, 'vcpuinfo', dom);
      await both(sides, 'vcpucount', dom);
      await both(sides, 'domstats', dom);
      for (const group of ['--state', '--cpu-total', '--balloon', '--vcpu', '--interface', '--block']) {
        await both(sides, 'domstats', group, dom);
      }
    }
    await both(sides, 'domstats', '--list-inactive');
    const r = await both(sides, 'domstats', '--list-active', '--state');
    t.diagnostic(r.stdout.trim().replace(/\n\s*/g, ' '));
  });

  it('destroys and undefines the domains', async (t) => {
    const env = need(t);
    if (!env) return;
    const { sides } = env;
    await both(sides, 'destroy', NAME);
    await both(sides, 'undefine', NAME);
    await both(sides, 'undefine', OFF);
    await both(sides, 'list', '--all');
  });
});
