/**
 * tsvirsh and the tsvirt library against a private STOCK libvirtd running
 * its QEMU driver (qemu-harness.ts), judged by stock virsh and
 * libvirt-python on the same daemon, the same guest, the same moment.
 *
 * Every CLI scenario runs its commands through `virsh -c URI` and through
 * `node bin/tsvirsh.cjs -c URI`; stdout, stderr and exit status must be
 * equal after {@link normalise}, which masks only what legitimately differs
 * between two runs (each rule says why). A read-only command runs under
 * both back to back ({@link same}). A scenario that changes state is a
 * cycle: virsh runs all its steps, then tsvirsh the same steps from the
 * same state, compared step by step; waits inside a cycle (the guest seeing
 * a hot-plugged disk, the balloon reaching its target) happen in both runs.
 *
 * What costs a guest boot (shutdown, reboot: a cold boot takes 15–30 s
 * under TCG on this busy 2-core host, a boot after a reset 40–80 s) runs
 * on twins: virsh on NAME and tsvirsh on TWIN (same definition, another
 * name) at the same time, so the boots overlap. Both guests boot while the
 * first tests (pool and volumes, define/undefine of a third definition,
 * SPARE) run; after the ACPI shutdowns they start again while SPARE starts
 * and stops; the reboots come last and are acknowledged by the guests
 * themselves (`reboot: Power down` on their consoles, then libvirt's reboot
 * events), without waiting for the boot that follows.
 *
 * The library part asks tsvirt's library (the built dist/src/index.js) and
 * a libvirt-python script (python/domain_probe.py) the same questions about
 * NAME, and listens to the same reboot and balloon-change events.
 *
 * Needs root, QEMU, libvirtd, virsh and python3-libvirt: outside CI a
 * missing oracle, or a guest that cannot be built (no Debian mirror),
 * skips; under CI=true both fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { open, type Connection, type Domain } from '../../src/index.js';
import { TSVIRSH } from '../e2e/cli-cases.js';
import { ROOT, run, trackChild, type RunResult } from './harness.js';
import { isCI, PYTHON, requireOracles } from './oracle.js';
import {
  createDirPool, ensureTestGuest, guestXml, openConsole, POLKIT_NOTICE, startQemuLibvirtd, StreamSession, waitDomainState,
  type DirPool, type QemuLibvirtd, type TestGuest,
} from './qemu-harness.js';

/** The guest that virsh and tsvirsh both act on. */
const NAME = 'tsvirt-dom';
/** Its twin, for what needs a boot (reboot, shutdown): virsh acts on NAME, tsvirsh on TWIN at the same time. */
const TWIN = 'tsvirt-twin';
/** A third definition, never booted to a prompt: define/undefine and start/destroy. */
const SPARE = 'tsvirt-spare';
const UUIDS: Record<string, string> = {
  [NAME]: '5d8b4b86-3c5e-4c41-9d0b-7c1a3e6f2a10',
  [TWIN]: '5d8b4b86-3c5e-4c41-9d0b-7c1a3e6f2a11',
  [SPARE]: '5d8b4b86-3c5e-4c41-9d0b-7c1a3e6f2a12',
};
const MAC = '52:54:00:7a:51:01';
/** The pool that holds the guest's disks (made with stock virsh). */
const POOL = 'tsvirt-disks';
/** The pool the pool/volume cycle defines and removes, once per client. */
const CYCLE_POOL = 'tsvirt-cycle';
const PROBE = join(ROOT, 'test/interop/python/domain_probe.py');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- normalisation ----------------------------------------------------------

/** Statistics that change while the guest runs, by typed-parameter / memory-stat name. */
const VOLATILE_STAT = /^(?:cpu\.(?:time|user|system)|vcpu\.\d+\.(?:time|wait|delay)|balloon\.rss|rss|block\.\d+\.(?:rd|wr|fl)\.times)$/;

/**
 * What may differ between the virsh run and the tsvirsh run of the same
 * step, and why. `cmd` limits a rule to commands whose name matches.
 */
const RULES: ReadonlyArray<{ re: RegExp; to: string | ((m: string, ...g: string[]) => string); cmd?: RegExp }> = [
  // A domain started again between the two runs gets the next id
  // (qemuDriverAllocateID counts up): dominfo, list rows, live XML, the
  // per-domain dirs named domain-ID-NAME.
  { re: /^(Id:\s+)\d+$/gm, to: '$1<id>' },
  { re: /^ \d+(?= +tsvirt-)/gm, to: ' <id>', cmd: /^list$/ },
  { re: /(<domain type='qemu' id=')\d+'/g, to: "$1<id>'" },
  { re: /\/domain-\d+-/g, to: '/domain-<id>-' },
  // A new QEMU gets a new pty for the serial console.
  { re: /\/dev\/pts\/\d+/g, to: '/dev/pts/<n>' },
  // The guest's vCPU keeps running (and QEMU keeps using memory) between
  // the two runs: CPU times, their stats, QEMU's RSS.
  { re: /^(CPU time:\s+)[\d.]+s$/gm, to: '$1<t>s' },
  // The host CPU a vCPU last ran on: the host's scheduler moves it.
  { re: /^(CPU:\s+)\d+$/gm, to: '$1<cpu>', cmd: /^vcpuinfo$/ },
  { re: /^(\s*)([\w.]+)=\d+$/gm, to: (m, sp, k) => (VOLATILE_STAT.test(k!) ? `${sp}${k}=<n>` : m), cmd: /^domstats$/ },
  { re: /^rss \d+$/gm, to: 'rss <n>', cmd: /^dommemstat$/ },
  // QEMU measures each request's duration: a disk attached again in the
  // second run is read again, in another time.
  { re: /^(\S* ?(?:rd|wr|flush)_total_times) \d+$/gm, to: '$1 <ns>' },
  { re: /^( total duration of \w+ \(ns\): +)\d+$/gm, to: '$1<ns>' },
  // A volume created again in the second run has other timestamps.
  { re: /<(atime|mtime|ctime)>[\d.]+<\/\1>/g, to: '<$1>…</$1>' },
  // The pool's filesystem is the host's, which other processes fill and
  // empty; and pool-define-as gives each definition a new UUID.
  { re: /^(Allocation|Available):( +).*$/gm, to: '$1:$2<host fs>', cmd: /^pool-/ },
  { re: /<(allocation|available) unit='bytes'>\d+<\/\1>/g, to: '<$1>…</$1>', cmd: /^pool-/ },
  { re: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, to: '<uuid>', cmd: /^pool-/ },
  // A screenshot without a file name is named after the current time.
  { re: new RegExp(`${NAME}-\\d{4}-\\d\\d-\\d\\d-\\d\\d:\\d\\d:\\d\\d\\.`, 'g'), to: `${NAME}-<time>.`, cmd: /^screenshot$/ },
];

/** `text` (a command's stdout or stderr) with {@link RULES} applied for command `cmd`. */
function normalise(text: string, cmd: string): string {
  let s = text;
  for (const r of RULES) {
    if (r.cmd && !r.cmd.test(cmd)) continue;
    s = typeof r.to === 'string' ? s.replace(r.re, r.to) : s.replace(r.re, r.to);
  }
  return s;
}

interface Outcome { status: number | null; stdout: string; stderr: string }

function outcome(r: RunResult, cmd: string): Outcome {
  return { status: r.status, stdout: normalise(r.stdout, cmd), stderr: normalise(r.stderr, cmd) };
}

function show(o: Outcome): string {
  return `exit ${o.status}\n--- stdout\n${o.stdout}--- stderr\n${o.stderr}`;
}

// ---- the clients ------------------------------------------------------------

type Client = 'virsh' | 'tsvirsh';
const CLIENTS: readonly Client[] = ['virsh', 'tsvirsh'];

/** A step of a cycle: a command line, or a wait both runs do at that point. */
type Step = string[] | ((who: Client) => Promise<void>);

/** An argument in a virsh command string (vshCommandStringParse): quoted unless plain. */
function quote(arg: string): string {
  return /^[\w./:=,@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

describe('tsvirsh and the library vs virsh and libvirt-python on a stock libvirtd with QEMU guests', { timeout: 900_000 }, () => {
  let guest: TestGuest | undefined;
  let guestError: unknown;
  let lv: QemuLibvirtd | undefined;
  let setupError: unknown;
  let disks: DirPool | undefined;
  const tmp = mkdtempSync(join(tmpdir(), 'tsvirt-qemu-domain-test-'));
  const t0 = Date.now();

  /** A definition of the guest under `name`, with its own disk (QEMU locks an image to one VM). */
  function domainXmlFile(name: string): string {
    const file = join(tmp, `${name}.xml`);
    writeFileSync(file, guestXml(name, {
      guest, uuid: UUIDS[name], video: true, balloon: true,
      // A loaded host can starve the kernel's IO-APIC timer check under TCG,
      // which then panics ("IO-APIC + timer doesn't work!") before the prompt.
      cmdline: 'console=ttyS0 quiet no_timer_check',
      devices: [
        `    <disk type='file' device='disk'>`,
        `      <driver name='qemu' type='raw'/>`,
        `      <source file='${join(disks!.path, `${name}.raw`)}'/>`,
        `      <target dev='vda' bus='virtio'/>`,
        `    </disk>`,
        // No host side to create (a tap would be the host's); domifstat then
        // gives libvirt's error for an interface without a host name.
        `    <interface type='user'>`,
        `      <mac address='${MAC}'/>`,
        `      <model type='virtio'/>`,
        `    </interface>`,
      ].join('\n'),
    }));
    return file;
  }

  before(async () => {
    if (!requireOracles(null, 'virsh', 'libvirtd', 'python', 'pidns', 'qemu')) return;
    await Promise.all([
      ensureTestGuest().then((g) => { guest = g; }, (e: unknown) => { guestError = e; }),
      startQemuLibvirtd().then((d) => { lv = d; }, (e: unknown) => { setupError = e; }),
    ]);
    if (!lv || !guest) return;
    try {
      mkdirSync(join(lv.dir, 'pools'), { recursive: true, mode: 0o711 });
      disks = await createDirPool(lv, POOL);
      for (const vol of [`${NAME}.raw`, `${TWIN}.raw`, `${SPARE}.raw`, 'hot.raw']) {
        await ok('vol-create-as', POOL, vol, '8M', '--format', 'raw');
      }
      // Both guests boot while the first tests (which need no guest) run.
      for (const n of [NAME, TWIN]) {
        await ok('define', domainXmlFile(n));
        await ok('start', n);
      }
    } catch (e) {
      setupError = e;
    }
  });
  after(async () => {
    await lv?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** The daemon and guest, or undefined when skipped (outside CI only). */
  function need(t: TestContext): { lv: QemuLibvirtd; guest: TestGuest } | undefined {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'python', 'pidns', 'qemu')) return undefined;
    if (guestError !== undefined) {
      if (isCI()) throw guestError;
      t.skip(`the test guest could not be built (${String((guestError as Error).message).split('\n')[0]}); skipped`);
      return undefined;
    }
    if (setupError !== undefined) throw setupError;
    assert.ok(lv && guest, 'libvirtd or the guest is missing');
    return { lv, guest };
  }

  function exec(who: Client, args: string[], opts: { cwd?: string } = {}): Promise<RunResult> {
    const argv = ['-c', lv!.uri, ...args];
    return who === 'virsh'
      ? run('virsh', argv, { timeoutMs: 120_000, cwd: opts.cwd })
      : run(process.execPath, [TSVIRSH, ...argv], { timeoutMs: 120_000, cwd: opts.cwd });
  }

  function assertSame(a: Outcome, b: Outcome, what: string): void {
    assert.deepEqual(b, a, `${what}\n== virsh:\n${show(a)}\n== tsvirsh:\n${show(b)}`);
  }

  /**
   * Runs commands in one virsh (or tsvirsh) session, `virsh -c URI "echo
   * @@step-0; CMD0; echo @@step-1; CMD1…"`: one process and connection for
   * all (each start costs a second on this busy host). Returns each
   * command's stdout (split at the echo markers, normalised for that
   * command), and the session's stderr and exit status (the last command's).
   */
  async function session(who: Client, cmds: string[][]): Promise<{ stdouts: string[]; rest: Outcome }> {
    const line = cmds.map((c, i) => `echo @@step-${i}; ${c.map(quote).join(' ')}`).join('; ');
    const r = await exec(who, [line]);
    const parts = r.stdout.split(/^@@step-\d+\n/m);
    const lead = parts.shift();
    assert.equal(lead, '', `${who}: output before the first marker: ${JSON.stringify(lead)}`);
    assert.equal(parts.length, cmds.length, `${who} ${line}: ${cmds.length} markers expected\n${r.stdout}`);
    const stdouts = parts.map((out, i) => normalise(out, cmds[i]![0]!));
    return { stdouts, rest: { status: r.status, stdout: '', stderr: normalise(r.stderr, '') } };
  }

  /** Compares two sessions' results command by command. */
  function compareSessions(cmds: string[][], a: Awaited<ReturnType<typeof session>>, b: Awaited<ReturnType<typeof session>>): void {
    cmds.forEach((c, i) => {
      assert.equal(b.stdouts[i], a.stdouts[i], `stdout of ${c.join(' ')}\n== virsh:\n${a.stdouts[i]}\n== tsvirsh:\n${b.stdouts[i]}`);
    });
    assertSame(a.rest, b.rest, `stderr and exit status of the session ${cmds.map((c) => c.join(' ')).join('; ')}`);
  }

  /** Read-only commands in one session under virsh, then under tsvirsh, on the same state: equal. */
  async function same(...cmds: string[][]): Promise<void> {
    compareSessions(cmds, await session('virsh', cmds), await session('tsvirsh', cmds));
  }

  /**
   * A cycle: every step under virsh, then every step under tsvirsh (the
   * steps must bring the state back), compared command by command. Runs of
   * commands between waits share a session.
   */
  async function cycle(steps: Step[]): Promise<void> {
    const runs: Array<string[][] | ((who: Client) => Promise<void>)> = [];
    for (const s of steps) {
      const last = runs[runs.length - 1];
      if (typeof s === 'function') runs.push(s);
      else if (Array.isArray(last)) last.push(s);
      else runs.push([s]);
    }
    const got: Record<Client, Array<Awaited<ReturnType<typeof session>>>> = { virsh: [], tsvirsh: [] };
    for (const who of CLIENTS) {
      for (const r of runs) {
        if (typeof r === 'function') await r(who);
        else got[who].push(await session(who, r));
      }
    }
    runs.filter((r): r is string[][] => typeof r !== 'function')
      .forEach((cmds, i) => compareSessions(cmds, got.virsh[i]!, got.tsvirsh[i]!));
  }

  /**
   * The twins: virsh acts on NAME while tsvirsh acts on TWIN, at the same
   * time, for what costs a guest boot (reboot, shutdown: 30–60 s each under
   * TCG on a busy host), so the boots overlap. The legitimate differences
   * are the name and UUID, mapped back before comparing (ids: RULES).
   */
  async function twins(args: (name: string) => string[]): Promise<void> {
    const [v, ts] = await Promise.all([exec('virsh', args(NAME)), exec('tsvirsh', args(TWIN))]);
    const a = args(NAME);
    const map = (text: string) => text.replaceAll(TWIN, NAME).replaceAll(UUIDS[TWIN]!, UUIDS[NAME]!);
    const back = (r: RunResult): RunResult => ({ ...r, stdout: map(r.stdout), stderr: map(r.stderr) });
    assertSame(outcome(v, a[0]!), outcome(back(ts), a[0]!), `virsh ${a.join(' ')} / tsvirsh ${args(TWIN).join(' ')}`);
  }

  /** Stock virsh, which must succeed (setup between scenarios). */
  async function ok(...args: string[]): Promise<string> {
    const r = await lv!.virsh(...args);
    assert.equal(r.status, 0, `virsh ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  /** Runs shell commands on a guest's console (libvirt-python's openConsole), once its prompt answers. */
  async function onGuest(name: string, ...cmds: string[]): Promise<Array<{ output: string; status: number }>> {
    // A console session that stays silent (seen once in CI after a hot-plug:
    // the stream opened, not one byte came back in 240 s, while a new
    // session answered at once) is dropped and opened again.
    let con = await openConsole(lv!.uri, name, { via: 'python' });
    for (let attempt = 1; ; attempt++) {
      try {
        await con.waitPrompt({ timeoutMs: 60_000 });
        break;
      } catch (e) {
        await con.kill();
        if (attempt === 4) throw e;
        con = await openConsole(lv!.uri, name, { via: 'python' });
      }
    }
    try {
      const out = [];
      for (const c of cmds) out.push(await con.run(c, { timeoutMs: 60_000 }));
      return out;
    } finally {
      await con.close();
    }
  }

  /**
   * Polls until NAME's balloon is at `kib`: QEMU's `actual` (dommemstat
   * asks it) and libvirt's copy (dominfo's Used memory, updated by QEMU's
   * BALLOON_CHANGE events, which QEMU sends at most once a second).
   */
  async function balloonAt(kib: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await ok('dommemstat', NAME) + await ok('dominfo', NAME);
      if (new RegExp(`^actual ${kib}$`, 'm').test(last) && new RegExp(`^Used memory: +${kib} KiB$`, 'm').test(last)) return;
      await sleep(250);
    }
    throw new Error(`balloon not at ${kib} KiB after ${timeoutMs} ms:\n${last}`);
  }

  /** Polls `virsh domblklist NAME` until `target` is gone (hot-unplug completes when the guest lets go). */
  async function diskGone(target: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await ok('domblklist', NAME);
      if (!new RegExp(`^ ${target} `, 'm').test(last)) return;
      await sleep(250);
    }
    throw new Error(`disk ${target} still attached after ${timeoutMs} ms:\n${last}`);
  }

  it('dir pool: pool-define-as/build/start, vol-create-as raw and qcow2, vol-info/dumpxml/list, vol-delete', async (t) => {
    const env = need(t);
    if (!env) return;
    const target = join(env.lv.dir, 'pools', CYCLE_POOL);
    const vol = (cmd: string, v: string) => [cmd, '--pool', CYCLE_POOL, v];
    await cycle([
      ['pool-define-as', CYCLE_POOL, 'dir', '--target', target],
      ['pool-build', CYCLE_POOL],
      ['pool-start', CYCLE_POOL],
      ['pool-start', CYCLE_POOL],
      ['pool-info', CYCLE_POOL],
      ['pool-dumpxml', CYCLE_POOL],
      ['vol-create-as', CYCLE_POOL, 'v.raw', '8M', '--format', 'raw'],
      ['vol-create-as', CYCLE_POOL, 'v.qcow2', '16M', '--format', 'qcow2'],
      ['vol-create-as', CYCLE_POOL, 'v.raw', '8M', '--format', 'raw'],
      vol('vol-info', 'v.raw'),
      vol('vol-info', 'v.qcow2'),
      ['vol-list', CYCLE_POOL, '--details'],
      vol('vol-dumpxml', 'v.raw'),
      vol('vol-dumpxml', 'v.qcow2'),
      vol('vol-delete', 'v.raw'),
      vol('vol-delete', 'v.qcow2'),
      vol('vol-info', 'v.raw'),
      ['vol-list', CYCLE_POOL],
      ['pool-destroy', CYCLE_POOL],
      ['pool-delete', CYCLE_POOL],
      ['pool-undefine', CYCLE_POOL],
      ['pool-info', CYCLE_POOL],
    ]);
  });

  it('define, the inactive domain, undefine, define again', async (t) => {
    if (!need(t)) return;
    const xml = domainXmlFile(SPARE);
    await cycle([
      ['define', xml],
      ['list', '--all'],
      ['dominfo', SPARE],
      ['domstate', '--reason', SPARE],
      ['domid', SPARE],
      ['domuuid', SPARE],
      ['dumpxml', '--inactive', SPARE],
      ['domblklist', SPARE, '--details'],
      ['domiflist', SPARE],
      ['vcpucount', SPARE],
      ['suspend', SPARE],
      ['undefine', SPARE],
      ['dominfo', SPARE],
    ]);
    await ok('define', xml);
  });

  it('the running guest: list, dominfo, domstate, domid, domuuid, live dumpxml, stats and device lists', async (t) => {
    if (!need(t)) return;
    const ms = Date.now();
    const [up] = await onGuest(NAME, 'hostname');
    assert.deepEqual(up, { output: 'tsvirt-guest\n', status: 0 });
    t.diagnostic(`guest prompt after ${Date.now() - ms} ms more; ${Date.now() - t0} ms into the file`);
    await same(
      ['list'], ['list', '--all', '--name'], ['dominfo', NAME], ['domstate', '--reason', NAME], ['domid', NAME],
      ['domuuid', NAME], ['dumpxml', NAME], ['vcpuinfo', NAME], ['vcpucount', NAME], ['dommemstat', NAME],
      ['domstats', NAME], ['domstats', '--raw', '--block', '--interface', '--balloon', NAME],
      ['domblklist', NAME, '--details'], ['domiflist', NAME],
      ['domblkstat', NAME, 'vda'], ['domblkstat', NAME, 'vda', '--human'], ['domblkstat', NAME],
      ['domblkstat', NAME, 'vdz'], ['domblkinfo', NAME, '--all'],
      ['domifstat', NAME, MAC], ['domifstat', NAME, 'vnet0'],
    );
    // What QEMU and its driver answer (or refuse: no guest agent, no VNC, cgroups).
    await same(
      ['schedinfo', NAME], ['memtune', NAME], ['blkiotune', NAME], ['numatune', NAME], ['vcpupin', NAME],
      ['emulatorpin', NAME], ['iothreadinfo', NAME], ['blkdeviotune', NAME, 'vda'], ['domiftune', NAME, MAC],
      ['domif-getlink', NAME, MAC], ['domblkerror', NAME], ['domcontrol', NAME], ['domjobinfo', NAME],
      ['domjobinfo', NAME, '--completed'], ['domdisplay', NAME], ['vncdisplay', NAME], ['ttyconsole', NAME],
      ['domifaddr', NAME], ['domifaddr', NAME, '--source', 'arp'], ['domtime', NAME], ['domhostname', NAME],
      ['domfsinfo', NAME], ['guestinfo', NAME], ['perf', NAME], ['desc', NAME], ['metadata', NAME, 'http://x'],
      ['snapshot-list', NAME], ['dommemstat', NAME, '--period', '0'], ['nodeinfo'], ['hostname'], ['nodecpumap'],
    );
  });

  it('suspend and resume', async (t) => {
    if (!need(t)) return;
    await cycle([
      ['suspend', NAME],
      ['domstate', '--reason', NAME],
      ['suspend', NAME],
      ['resume', NAME],
      ['domstate', '--reason', NAME],
      ['resume', NAME],
    ]);
  });

  it('setmem moves the balloon', async (t) => {
    if (!need(t)) return;
    await cycle([
      ['setmem', NAME, '100M', '--live'],
      () => balloonAt(102400),
      ['dommemstat', NAME],
      ['dominfo', NAME],
      ['setmem', NAME, '200M', '--live'],
      ['setmem', NAME, '128M'],
      () => balloonAt(131072),
    ]);
  });

  it('screenshot of the VGA display', async (t) => {
    if (!need(t)) return;
    const file = join(tmp, 'screen');
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    /** What a screenshot file is: PNG with its IHDR size, or its first bytes. */
    const kind = (f: string) => {
      const b = readFileSync(f);
      rmSync(f);
      return b.subarray(0, 8).equals(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'))
        ? `png ${b.readUInt32BE(16)}x${b.readUInt32BE(20)}`
        : `other ${JSON.stringify(b.subarray(0, 16).toString('latin1'))}`;
    };
    const got: Record<Client, unknown[]> = { virsh: [], tsvirsh: [] };
    for (const who of CLIENTS) {
      got[who].push(outcome(await exec(who, ['screenshot', NAME, file]), 'screenshot'), kind(file));
      // Without a file name: NAME-<time>.<ext> in the working directory.
      got[who].push(outcome(await exec(who, ['screenshot', NAME], { cwd }), 'screenshot'));
      const made = readdirSync(cwd);
      assert.equal(made.length, 1, `${who}: ${JSON.stringify(made)}`);
      got[who].push(kind(join(cwd, made[0]!)));
      got[who].push(outcome(await exec(who, ['screenshot', NAME, file, '--screen', '1']), 'screenshot'));
    }
    assert.deepEqual(got.tsvirsh, got.virsh);
    assert.match(String(got.virsh[1]), /^png \d+x\d+$/);
  });

  it('attach-disk and detach-disk hot-plug a raw volume of the dir pool', async (t) => {
    if (!need(t)) return;
    const hot = join(disks!.path, 'hot.raw');
    await cycle([
      ['attach-disk', NAME, hot, 'vdb', '--targetbus', 'virtio', '--live'],
      // The guest sees the disk (and has read its partition table).
      async () => {
        const [r] = await onGuest(NAME, 'while [ ! -e /sys/block/vdb ]; do sleep 0.2; done; cat /sys/block/vdb/size; sleep 1');
        assert.deepEqual(r, { output: '16384\n', status: 0 });
      },
      ['domblklist', NAME, '--details'],
      ['domblkinfo', NAME, 'vdb'],
      ['domblkstat', NAME, 'vdb'],
      ['attach-disk', NAME, hot, 'vdb', '--targetbus', 'virtio', '--live'],
      ['detach-disk', NAME, 'vdb', '--live'],
      () => diskGone('vdb'),
      ['domblklist', NAME],
      ['detach-disk', NAME, 'vdb', '--live'],
      // The persistent definition only: no guest involved.
      ['attach-disk', NAME, hot, 'vdc', '--targetbus', 'virtio', '--config'],
      ['domblklist', NAME, '--inactive'],
      ['detach-disk', NAME, 'vdc', '--config'],
    ]);
  });

  it('the library and libvirt-python read the same values', async (t) => {
    if (!need(t)) return;
    await using conn = await open(lv!.uri);
    const dom = await conn.domainLookupByName(NAME);
    const py = await run(PYTHON, [PROBE, lv!.uri, NAME, 'info'], { timeoutMs: 60_000 });
    assert.equal(py.status, 0, py.stderr);
    const ours = await libraryInfo(conn, dom);
    assert.deepEqual(masked(ours), masked(JSON.parse(py.stdout)));
    dom.free();
  });

  it('console: type a command, read its output', async (t) => {
    if (!need(t)) return;
    const n = 1_000_000 + (Date.now() % 8_000_000);
    const got: Record<Client, unknown> = { virsh: undefined, tsvirsh: undefined };
    for (const who of CLIENTS) {
      const argv = [...(who === 'virsh' ? ['virsh'] : [process.execPath, TSVIRSH]), '-c', lv!.uri, 'console', NAME];
      // virsh console wants a terminal: util-linux script gives it one (as openConsole does).
      const con = new StreamSession('virsh', 'script', ['-qfec', argv.map(quote).join(' '), '/dev/null']);
      try {
        // The banner is taken before anything is typed: until the client puts the
        // terminal in raw mode the pty echoes a typed CR as CRLF into the output.
        await con.waitFor('(Ctrl + ])\r\n', { timeoutMs: 30_000 });
        // On a terminal virsh starts pkttyagent, which prints POLKIT_NOTICE where no
        // polkit daemon runs (a property of the host; tsvirsh starts no agent).
        const shown = con.output.split(POLKIT_NOTICE).join('');
        const banner = shown.slice(0, shown.indexOf('\r\n', shown.indexOf('Escape character is ')) + 2);
        await con.waitPrompt({ timeoutMs: 60_000 });
        got[who] = { banner, echo: await con.run(`echo hi-${n}`), uname: await con.run('uname -r'), exit: await con.close() };
      } finally {
        await con.kill();
      }
    }
    assert.deepEqual(got.tsvirsh, got.virsh);
    // Without a terminal, and for a domain that is not there.
    await same(['console', NAME], ['console', 'nosuch'], ['console', NAME, '--devname', 'nosuch']);
  });

  it('shutdown: ACPI, the guests power off', async (t) => {
    if (!need(t)) return;
    await onGuest(TWIN, 'true'); // up (NAME answered before)
    await twins((n) => ['shutdown', n]);
    await Promise.all([NAME, TWIN].map((n) => waitDomainState(lv!, n, 'shut off (shutdown)', 120_000)));
    await twins((n) => ['domstate', '--reason', n]);
    await twins((n) => ['shutdown', n]);
  });

  it('start, and start and destroy another domain while the guests boot', async (t) => {
    if (!need(t)) return;
    await twins((n) => ['start', n]);
    await twins((n) => ['start', n]);
    await cycle([
      ['start', SPARE],
      ['domstate', '--reason', SPARE],
      ['destroy', SPARE],
      ['domstate', '--reason', SPARE],
      ['destroy', SPARE],
    ]);
  });

  it('event: reboots and balloon changes, seen alike by virsh and tsvirsh, the library and libvirt-python; reboot', async (t) => {
    if (!need(t)) return;
    const ms = Date.now();
    // Consoles on both guests, held across the reboot to see the guests power off.
    const consoles = await Promise.all([NAME, TWIN].map((n) => openConsole(lv!.uri, n, { via: 'python' })));
    try {
      await Promise.all(consoles.map((c) => c.waitPrompt({ timeoutMs: 240_000 })));
      t.diagnostic(`guests up again ${Date.now() - ms} ms into this test`);
      await eventsDuringReboot(t, consoles);
    } finally {
      await Promise.all(consoles.map((c) => c.close()));
    }
  });

  /**
   * Listeners: virsh and tsvirsh `event --all --loop`, the library and
   * domain_probe.py on NAME (reboot, balloon-change); stock virsh moves
   * NAME's balloon twice, then virsh reboots NAME and tsvirsh TWIN.
   */
  async function eventsDuringReboot(t: TestContext, consoles: StreamSession[]): Promise<void> {
    const socket = lv!.rwSocket;
    const base = await connections(socket);
    await using conn = await open(lv!.uri);
    const dom = await conn.domainLookupByName(NAME);
    const lib: Array<Record<string, unknown>> = [];
    const arrived = new Set<() => void>();
    const note = (e: Record<string, unknown>) => { lib.push(e); for (const w of arrived) w(); };
    conn.domainEventRegisterAny(dom, 1 /* reboot */, (_c, d: Domain) => note({ event: 'reboot', domain: d.getName() }));
    conn.domainEventRegisterAny(dom, 13 /* balloon-change */, (_c, d: Domain, actual: number) =>
      note({ event: 'balloon-change', domain: d.getName(), actual }));
    await dom.getInfo(); // replies come in order: the registrations are done
    const until = (test: (e: Record<string, unknown>) => boolean, what: string, ms = 90_000) => new Promise<void>((res, rej) => {
      const check = () => {
        if (lib.some(test)) { arrived.delete(check); clearTimeout(timer); res(); }
      };
      const timer = setTimeout(() => { arrived.delete(check); rej(new Error(`no ${what} event after ${ms} ms: ${JSON.stringify(lib)}`)); }, ms);
      arrived.add(check);
      check();
    });

    // Listeners end on SIGINT once everything has happened (--timeout is the backstop).
    const listenArgs = ['-c', lv!.uri, 'event', '--all', '--loop', '--timeout', '150'];
    const virshListener = listen('virsh', listenArgs);
    const tsvirshListener = listen(process.execPath, [TSVIRSH, ...listenArgs]);
    const python = listen(PYTHON, [PROBE, lv!.uri, NAME, 'events', '150'], true);
    try {
      // The library, both CLI listeners and the probe connected, then a moment for their registrations.
      await python.ready;
      const deadline = Date.now() + 30_000;
      while (await connections(socket) < base + 4 && Date.now() < deadline) await sleep(100);
      await sleep(1500);

      const tEvents = Date.now();
      await ok('setmem', NAME, '100M', '--live');
      await until((e) => e['event'] === 'balloon-change' && e['actual'] === 102400, 'balloon-change to 100 MiB');
      await ok('setmem', NAME, '128M', '--live');
      await until((e) => e['event'] === 'balloon-change' && e['actual'] === 131072, 'balloon-change to 128 MiB');
      const marks = consoles.map((c) => c.mark());
      await twins((n) => ['reboot', n]);
      // The guests acknowledge: each powers off on the ACPI button (libvirt
      // then resets it and sends the reboot events).
      await Promise.all(consoles.map((c, i) => c.waitFor('reboot: Power down', { from: marks[i], timeoutMs: 90_000 })));
      await until((e) => e['event'] === 'reboot', 'reboot');
      // libvirt sends a reboot event for each QEMU reset it sees: let them all arrive.
      await sleep(3000);
      t.diagnostic(`events caused in ${Date.now() - tEvents} ms`);
    } finally {
      virshListener.interrupt();
      tsvirshListener.interrupt();
      python.interrupt();
    }
    const [v, ts, p] = await Promise.all([virshListener.done, tsvirshListener.done, python.done]);
    assertSame(outcome(v, 'event'), outcome(ts, 'event'), 'event --all --loop');
    for (const n of [NAME, TWIN]) assert.match(v.stdout, new RegExp(`^event 'reboot' for domain '${n}'$`, 'm'));
    assert.match(v.stdout, new RegExp(`^event 'balloon-change' for domain '${NAME}': 102400KiB$`, 'm'));
    assert.equal(p.status, 0, p.stderr);
    assert.deepEqual(lib, p.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown));
    dom.free();
  }

  it('undefine and destroy', async (t) => {
    if (!need(t)) return;
    // Running: undefine leaves them transient; destroy ends them.
    await twins((n) => ['undefine', n]);
    await twins((n) => ['dominfo', n]);
    await twins((n) => ['destroy', n]);
    await twins((n) => ['undefine', n]);
    await same(['list', '--all']);
    t.diagnostic(`${Date.now() - t0} ms for the file`);
  });
});

// ---- the library side ------------------------------------------------------

/** VIR_DOMAIN_MEMORY_STAT_* tags by number: libvirt-python's dictionary keys. */
const MEMSTAT = ['swap_in', 'swap_out', 'major_fault', 'minor_fault', 'unused', 'available', 'actual', 'rss',
  'usable', 'last_update', 'disk_caches', 'hugetlb_pgalloc', 'hugetlb_pgfail'];

/** What domain_probe.py's `info` prints, asked through the tsvirt library. */
async function libraryInfo(conn: Connection, dom: Domain): Promise<unknown> {
  const st = await dom.getState();
  const i = await dom.getInfo();
  const stats = await dom.memoryStats();
  const vc = await dom.getVcpus(i.nrVirtCpu, 0);
  const xml = await dom.getXMLDesc();
  const targets = [...xml.matchAll(/<disk [^>]*>[\s\S]*?<target dev='([^']+)'/g)].map((m) => m[1]!);
  const blockStats: Record<string, number[]> = {};
  for (const d of targets) {
    const b = await dom.blockStats(d);
    blockStats[d] = [b.rd_req, b.rd_bytes, b.wr_req, b.wr_bytes, b.errs];
  }
  const all: Record<string, Record<string, unknown>> = {};
  for (const r of await conn.getAllDomainStats(0, 1 /* ACTIVE */)) {
    all[r.dom.getName()] = Object.fromEntries(r.params.map((p) => [p.field, p.value]));
    r.dom.free();
  }
  return {
    id: dom.getID(),
    uuid: dom.getUUIDString(),
    state: [st.state, st.reason],
    info: [i.state, i.maxMem, i.memory, i.nrVirtCpu, Number(i.cpuTime)],
    memoryStats: Object.fromEntries(stats.map((s) => [MEMSTAT[s.tag] ?? `tag${s.tag}`, s.val])),
    vcpus: vc.info.map((v) => [v.number, v.state, Number(v.cpu_time), v.cpu]),
    blockStats,
    allDomainStats: all,
  };
}

/** The probe's shape with the values that move while the guest runs masked (see VOLATILE_STAT). */
function masked(x: unknown): unknown {
  const o = JSON.parse(JSON.stringify(x)) as {
    info: unknown[]; vcpus: unknown[][]; memoryStats: Record<string, unknown>; allDomainStats: Record<string, Record<string, unknown>>;
  };
  o.info[4] = 'cpuTime';
  // The vCPU's time and the host CPU it last ran on (the scheduler moves it between the host's CPUs).
  for (const v of o.vcpus) [v[2], v[3]] = ['cpuTime', 'cpu'];
  for (const m of [o.memoryStats, ...Object.values(o.allDomainStats)]) {
    for (const k of Object.keys(m)) if (VOLATILE_STAT.test(k)) m[k] = '<n>';
  }
  return o;
}

// ---- listeners ----------------------------------------------------------------

interface Listener {
  /** Resolves when the python probe says it registered (immediately for others). */
  ready: Promise<void>;
  done: Promise<RunResult>;
  /** SIGINT (virsh and tsvirsh print 'event loop interrupted'); EOF on stdin for the probe. */
  interrupt(): void;
}

function listen(cmd: string, args: string[], isProbe = false): Listener {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const { stop } = trackChild(child);
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = isProbe ? new Promise<void>((r) => { markReady = r; }) : Promise.resolve();
  child.stdout!.on('data', (b: Buffer) => { stdout += b.toString('utf8'); });
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
    if (stderr.includes('domain_probe: ready')) markReady();
  });
  child.stdin!.on('error', () => undefined);
  const done = new Promise<RunResult>((res) => {
    child.once('close', (status, signal) => { markReady(); res({ status, signal, stdout, stderr }); });
  });
  const killer = setTimeout(() => { void stop(1000); }, 180_000);
  void done.then(() => clearTimeout(killer));
  return {
    ready,
    done,
    interrupt: () => {
      if (isProbe) child.stdin!.end();
      else child.kill('SIGINT');
    },
  };
}

/** Established connections on the daemon's unix socket (ss from iproute2). */
async function connections(socket: string): Promise<number> {
  const r = await run('ss', ['-Hx', 'state', 'established', 'src', socket]);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}
