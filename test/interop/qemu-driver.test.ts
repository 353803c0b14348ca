/**
 * tsvirtd's QEMU driver against a private stock libvirtd's, judged by stock
 * virsh and libvirt-python: the same guest scenario runs against both
 * daemons at the same time, one guest each — define, start, dominfo,
 * domstate, the console reaching the guest's prompt through the pty (virsh)
 * and both ways through libvirt-python, a disk hot-plugged and unplugged
 * while the guest watches, the guest's echo channel, a screenshot,
 * libvirt-python's own calls (python/guest_scenario.py: screenshot,
 * suspend/resume, setMemoryFlags, attach/detach, a dir pool with sparse
 * upload and download), suspend/resume, setmem through the balloon, reboot
 * acknowledged by the guest, ACPI shutdown, undefine — and every output must
 * be equal after {@link normalise}. The lifecycle and balloon events `virsh
 * event --all --loop` prints during the scenario are compared too.
 *
 * tsvirtd alone is then killed with SIGKILL while its guest runs: the
 * restarted daemon must find the guest running (same QEMU process), answer
 * for it, reopen its console and shut it down.
 *
 * Needs root, QEMU, libvirtd, virsh and python3-libvirt: outside CI a missing oracle, or a
 * guest that cannot be built (no Debian mirror), skips; under CI=true both fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ROOT, run, type RunResult } from './harness.js';
import {
  ECHO_CHANNEL, guestXml, openChannel, openConsole, POLKIT_NOTICE, type QemuLibvirtd, type TestGuest,
} from './qemu-harness.js';
import { qemuPair } from './qemu-pair.js';
import type { QemuTsvirtd } from './qemu-tsvirtd.js';
import { PYTHON } from './oracle.js';

const NAME = 'tsvirt-drv';
const UUID = '6a1f0c9e-4b7d-4e3a-9c2f-5d8e7b6a4c31';
/** A transient second guest on tsvirtd, for the kill -9 test. */
const SECOND = 'tsvirt-drv2';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** libvirt-python's part of the scenario. */
const SCENARIO = join(ROOT, 'test/interop/python/guest_scenario.py');

/** What may differ between the two daemons' answers, and why. */
function normalise(s: string, tmp: string): string {
  return s
    // Each daemon's guest has its own disk and definition file in its own dir.
    .replaceAll(tmp, '<tmp>').replace(/<tmp>\/(?:lv|td)\//g, '<tmp>/<d>/')
    // Domain ids count per daemon.
    .replace(/^(Id:\s+)\d+$/gm, '$1<id>')
    // The guest's CPU time keeps growing.
    .replace(/^(CPU time:\s+)[\d.]+s$/gm, '$1<t>s');
}

interface Side {
  readonly label: 'libvirtd' | 'tsvirtd';
  readonly uri: string;
  virsh(...args: string[]): Promise<RunResult>;
  readonly dir: string;
}

type Outcome = { status: number | null; stdout: string; stderr: string };

describe('QEMU driver: stock virsh against tsvirtd and against libvirtd', { timeout: 900_000 }, () => {
  const pair = qemuPair({ prefix: 'tsvirt-qemu-driver-test-', oracles: ['python'] });
  const tmp = pair.tmp;
  let lv: QemuLibvirtd | undefined;
  let td: QemuTsvirtd | undefined;

  function need(t: TestContext): { sides: [Side, Side]; guest: TestGuest } | undefined {
    const env = pair.need(t);
    if (!env) return undefined;
    ({ lv, td } = env);
    return {
      sides: [
        { label: 'libvirtd', uri: env.lv.uri, virsh: env.lv.virsh, dir: join(tmp, 'lv') },
        { label: 'tsvirtd', uri: env.td.uri, virsh: env.td.virsh, dir: join(tmp, 'td') },
      ],
      guest: env.guest,
    };
  }

  /** Runs `virsh ARGS` on both sides at once; asserts equal outcomes; returns tsvirtd's. */
  async function both(sides: [Side, Side], ...args: string[]): Promise<Outcome> {
    const one = async (s: Side) => {
      const r = await s.virsh(...args.map((x) => x.replace('@DIR@', s.dir)));
      return { status: r.status, stdout: normalise(r.stdout, tmp), stderr: normalise(r.stderr, tmp) };
    };
    // Two starts at once would race for the first free VNC port (both
    // daemons share the network namespace): one after the other, each
    // daemon's port allocator sees the other's QEMU.
    const [a, b] = args[0] === 'start' ? [await one(sides[0]), await one(sides[1])] : await Promise.all(sides.map(one));
    assert.deepEqual(b, a, `virsh ${args.join(' ')}: tsvirtd (actual) vs libvirtd (expected)`);
    return b!;
  }

  /** Polls `virsh ARGS` on one side until its stdout matches. */
  async function waitFor(s: Side, re: RegExp, timeoutMs: number, ...args: string[]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const r = await s.virsh(...args);
      last = r.stdout + r.stderr;
      if (re.test(r.stdout)) return;
      if (Date.now() > deadline) throw new Error(`${s.label}: virsh ${args.join(' ')} never matched ${re}: ${last}`);
      await sleep(250);
    }
  }

  const events: Array<{ side: Side; out: string[]; stop: () => void }> = [];

  it('runs the guest scenario with equal outputs', async (t) => {
    const env = need(t);
    if (!env) return;
    const { sides } = env;
    for (const s of sides) {
      mkdirSync(s.dir, { mode: 0o711 });
      const disk = join(s.dir, 'disk.raw');
      writeFileSync(disk, '');
      truncateSync(disk, 16 * 1024 * 1024);
      writeFileSync(join(s.dir, `${NAME}.xml`), guestXml(NAME, {
        guest: env.guest, uuid: UUID, balloon: true, vnc: true,
        devices: `    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source file='${disk}'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n`,
      }));
      // The events each daemon sends while the scenario runs.
      const out: string[] = [];
      const child = spawn('virsh', ['-c', s.uri, 'event', '--all', '--loop'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.setEncoding('utf8').on('data', (d: string) => out.push(d));
      events.push({ side: s, out, stop: () => child.kill('SIGTERM') });
    }
    await sleep(500);

    await both(sides, 'define', `@DIR@/${NAME}.xml`);
    await both(sides, 'start', NAME);
    await both(sides, 'dominfo', NAME);
    await both(sides, 'domstate', '--reason', NAME);
    await both(sides, 'list', '--all');

    // The console: both guests boot to their prompt, and answer the same.
    await Promise.all(sides.map(async (s) => {
      const con = await openConsole(s.uri, NAME);
      try {
        const banner = `Connected to domain '${NAME}'\r\nEscape character is ^] (Ctrl + ])\r\n`;
        assert.ok([banner, POLKIT_NOTICE + banner].some((b) => con.output.startsWith(b)), `${s.label}: ${JSON.stringify(con.output)}`);
        const ms = await con.waitPrompt({ timeoutMs: 180_000 });
        t.diagnostic(`${s.label}: prompt ${ms} ms after the console opened`);
        assert.deepEqual(await con.run('echo hi-$((6*7))'), { output: 'hi-42\n', status: 0 }, s.label);
        // The balloon driver must be up before setmem can be acknowledged.
        assert.deepEqual(await con.run('ls /sys/bus/virtio/drivers/virtio_balloon | grep -c virtio'), { output: '1\n', status: 0 }, s.label);
      } finally {
        assert.deepEqual(await con.close(), { status: 0, signal: null }, `${s.label}: ${con.output}`);
      }
    }));

    // The console again, through libvirt-python, while virsh hot-plugs a disk the guest must see.
    for (const s of sides) {
      const extra = join(s.dir, 'extra.raw');
      writeFileSync(extra, '');
      truncateSync(extra, 8 * 1024 * 1024);
    }
    const pyCons = await Promise.all(sides.map((s) => openConsole(s.uri, NAME, { via: 'python' })));
    try {
      await Promise.all(pyCons.map(async (con, i) => {
        await con.waitPrompt({ timeoutMs: 60_000 });
        assert.deepEqual(await con.run('echo py-$((6*7))'), { output: 'py-42\n', status: 0 }, sides[i]!.label);
      }));
      await both(sides, 'attach-disk', NAME, '@DIR@/extra.raw', 'vdb', '--live');
      await both(sides, 'domblklist', NAME);
      await both(sides, 'domblklist', NAME, '--inactive');
      await Promise.all(pyCons.map(async (con, i) => {
        // 8 MiB in 512-byte sectors, once the guest has probed it.
        assert.deepEqual(await con.run('for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/block/vdb ] && break; sleep 1; done; cat /sys/block/vdb/size'),
          { output: '16384\n', status: 0 }, sides[i]!.label);
      }));
      await both(sides, 'detach-disk', NAME, 'vdb', '--live');
      await Promise.all(sides.map((s) => waitFor(s, /^(?![\s\S]*\bvdb\b)[\s\S]*\bvda\b/, 60_000, 'domblklist', NAME)));
      await both(sides, 'domblklist', NAME);
    } finally {
      for (const [i, con] of pyCons.entries()) assert.deepEqual(await con.close(), { status: 0, signal: null }, `${sides[i]!.label}: ${con.stderr}`);
    }

    // The guest's echo channel, both ways, through libvirt-python.
    await Promise.all(sides.map(async (s) => {
      const ch = await openChannel(s.uri, NAME, ECHO_CHANNEL);
      try {
        ch.write('ping-tsvirt-channel\n');
        await ch.waitFor('ping-tsvirt-channel', { timeoutMs: 30_000 });
      } finally {
        assert.deepEqual(await ch.close(), { status: 0, signal: null }, `${s.label}: ${ch.stderr}`);
      }
    }));

    // A screenshot through virsh: the same message, and an image of the same format and size
    // (libvirt 9.0 asks QEMU 7.2 for PNG: signature and IHDR with width and height, 24 bytes).
    await both(sides, 'screenshot', NAME, '@DIR@/shot.img');
    const imgHead = (s: Side) => readFileSync(join(s.dir, 'shot.img')).subarray(0, 24).toString('hex');
    assert.equal(imgHead(sides[1]), imgHead(sides[0]));

    // libvirt-python's part of the scenario, and a pool with sparse transfers.
    for (const mode of ['live', 'pool']) {
      const [a, b] = await Promise.all(sides.map((s) => run(PYTHON, [SCENARIO, s.uri, mode === 'live' ? NAME : '-', mode, s.dir], { timeoutMs: 180_000 })));
      t.diagnostic(`libvirt-python ${mode}: ${b!.stdout.split('\n').length - 1} lines`);
      assert.equal(a!.status, 0, `libvirtd python ${mode}: ${a!.stderr}`);
      assert.deepEqual({ status: b!.status, stdout: b!.stdout, stderr: b!.stderr }, { status: a!.status, stdout: a!.stdout, stderr: a!.stderr },
        `libvirt-python ${mode}: tsvirtd (actual) vs libvirtd (expected)`);
    }

    await both(sides, 'suspend', NAME);
    await both(sides, 'domstate', '--reason', NAME);
    await both(sides, 'resume', NAME);
    await both(sides, 'domstate', '--reason', NAME);
    await both(sides, 'resume', NAME);

    await both(sides, 'setmem', NAME, '100M', '--live');
    await Promise.all(sides.map((s) => waitFor(s, /^Used memory:\s+102400 KiB$/m, 60_000, 'dominfo', NAME)));
    await both(sides, 'dominfo', NAME);
  });

  it('tsvirtd killed with SIGKILL: the restarted daemon re-adopts both running guests', async (t) => {
    const env = need(t);
    if (!env) return;
    const tsv = env.sides[1];
    // A second guest on tsvirtd alone, up to its prompt.
    const disk2 = join(tsv.dir, 'disk2.raw');
    writeFileSync(disk2, '');
    truncateSync(disk2, 16 * 1024 * 1024);
    writeFileSync(join(tsv.dir, `${SECOND}.xml`), guestXml(SECOND, {
      guest: env.guest, channels: [],
      devices: `    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source file='${disk2}'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n`,
    }));
    assert.equal((await tsv.virsh('create', join(tsv.dir, `${SECOND}.xml`))).status, 0);
    const con2 = await openConsole(tsv.uri, SECOND);
    try {
      await con2.waitPrompt({ timeoutMs: 180_000 });
    } finally {
      await con2.close();
    }
    const guests = [NAME, SECOND];
    const qemuPids = guests.map((g) => td!.domainPid(g));
    assert.ok(qemuPids.every((p) => p !== undefined), `no QEMU for a guest: ${qemuPids.join(', ')}`);
    const before = await Promise.all(guests.map((g) => tsv.virsh('dominfo', g)));
    const { oldPid, newPid } = await td!.kill9();
    t.diagnostic(`tsvirtd ${oldPid} killed, ${newPid} serves`);
    assert.deepEqual(guests.map((g) => td!.domainPid(g)), qemuPids, 'the guests\' QEMUs are the same processes');
    for (const [i, g] of guests.entries()) {
      const afterInfo = await tsv.virsh('dominfo', g);
      assert.equal(normalise(afterInfo.stdout, tmp), normalise(before[i]!.stdout, tmp));
    }
    assert.equal((await tsv.virsh('domstate', '--reason', NAME)).stdout, 'running (unpaused)\n\n');
    assert.equal((await tsv.virsh('domstate', '--reason', SECOND)).stdout, 'running (booted)\n\n');
    // Still manageable: both consoles reopen, suspend/resume work.
    for (const g of guests) {
      const con = await openConsole(tsv.uri, g);
      try {
        await con.waitPrompt({ timeoutMs: 60_000 });
        assert.deepEqual(await con.run('echo back-$((6*7))'), { output: 'back-42\n', status: 0 }, g);
      } finally {
        assert.deepEqual(await con.close(), { status: 0, signal: null }, con.output);
      }
    }
    // The transient second guest goes away with its QEMU.
    assert.equal((await tsv.virsh('destroy', SECOND)).status, 0);
    assert.equal((await tsv.virsh('dominfo', SECOND)).status, 1);
    assert.equal((await tsv.virsh('suspend', NAME)).status, 0);
    assert.equal((await tsv.virsh('domstate', '--reason', NAME)).stdout, 'paused (user)\n\n');
    assert.equal((await tsv.virsh('resume', NAME)).status, 0);
    // The events after the restart go to a new event stream: the old one ended with its daemon.
    const ev = events.find((e) => e.side.label === tsv.label);
    ev?.stop();
  });

  it('reboots the guests, shuts them down through ACPI and undefines them', async (t) => {
    const env = need(t);
    if (!env) return;
    const { sides } = env;
    // The guest acknowledges the reboot on its console and comes back to its prompt.
    await Promise.all(sides.map(async (s) => {
      const con = await openConsole(s.uri, NAME);
      try {
        await con.waitPrompt({ timeoutMs: 60_000 });
        const from = con.mark();
        const r = await s.virsh('reboot', NAME);
        assert.deepEqual({ status: r.status, stdout: r.stdout }, { status: 0, stdout: `Domain '${NAME}' is being rebooted\n\n` }, s.label);
        await con.waitFor('reboot: Power down', { from, timeoutMs: 120_000 });
        await con.waitPrompt({ timeoutMs: 240_000 });
      } finally {
        await con.close();
      }
    }));
    await both(sides, 'domstate', '--reason', NAME);
    await both(sides, 'shutdown', NAME);
    await Promise.all(sides.map((s) => waitFor(s, /^shut off \(shutdown\)$/m, 120_000, 'domstate', '--reason', NAME)));
    await both(sides, 'domstate', '--reason', NAME);
    await both(sides, 'dominfo', NAME);
    await both(sides, 'undefine', NAME);
    await both(sides, 'list', '--all');
    await both(sides, 'dominfo', NAME);
    for (const s of sides) {
      const log = s.label === 'libvirtd' ? lv!.domainLog(NAME) : td!.domainLog(NAME);
      assert.match(log, /: starting up libvirt version: 9\.0\.0, package: .*, qemu version: 7\./, s.label);
      assert.match(log, /shutting down, reason=shutdown/, s.label);
    }
    // The events of the scenario before the kill, as virsh prints them.
    for (const e of events) e.stop();
    await sleep(300);
    const lines = (side: Side) => events.find((e) => e.side.label === side.label)!.out.join('').split('\n')
      .filter((l) => l.startsWith('event '));
    const lvEvents = lines(sides[0]);
    const tdEvents = lines(sides[1]);
    // Balloon steps depend on the guest's pace: compare lifecycle events only.
    const lifecycle = (l: string[]) => l.filter((x) => x.includes("'lifecycle'"));
    // Up to the resume after the suspend: later events of tsvirtd went to a stream its SIGKILL ended.
    const cut = (l: string[]) => {
      const susp = l.findIndex((x) => x.includes('Suspended'));
      const res = susp < 0 ? -1 : l.slice(susp).findIndex((x) => x.includes('Resumed Unpaused'));
      return res < 0 ? l : l.slice(0, susp + res + 1);
    };
    const tdLife = cut(lifecycle(tdEvents));
    t.diagnostic(`tsvirtd lifecycle events: ${tdLife.map((x) => x.replace(/^event 'lifecycle' for domain '[^']*': /, '')).join(', ')}`);
    // Defined, Resumed/Started, Suspended, Resumed at least.
    assert.ok(tdLife.length >= 5, tdEvents.join('\n'));
    assert.deepEqual(tdLife, cut(lifecycle(lvEvents)));
    assert.ok(tdEvents.some((x) => x.includes("'balloon-change'") && x.endsWith('102400KiB')), tdEvents.join('\n'));
  });
});
