/**
 * The ssh transports end to end, through a private OpenSSH sshd:
 *
 * - `test+ssh://USER@127.0.0.1:PORT/default?socket=SOCK`: the system ssh
 *   (the harness's PATH wrapper trusts the private sshd), which runs
 *   `nc -U SOCK` on the far side;
 * - `test+libssh2://…?socket=SOCK&keyfile=…&known_hosts=…&sshauth=privkey`
 *   and `test+libssh://…`: libvirt's in-process transports in stock virsh,
 *   our ssh2-based one in tsvirsh.
 *
 * Every client (stock virsh, tsvirsh) × transport × daemon (tsvirtd, stock
 * libvirtd) runs `list --all`, `dominfo test` and `-r destroy test`, and
 * must print what `virsh -c test:///default` prints locally.
 *
 * Plus `qemu+ssh://…/system?socket=SOCK` against tsvirtd, which the harness
 * starts on the host with the test driver only (TSVIRTD_DRIVERS=test): virsh
 * over ssh, and tsvirsh over tcp, ssh, libssh2 and libssh, must get what
 * stock virsh gets over TCP for `qemu:///system` (there "no connection driver
 * available for qemu:///system"; stock libvirtd opens it).
 *
 * One sshd, one tsvirtd and one libvirtd serve everything: these commands
 * change nothing (`-r destroy` is refused).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalize, pool, runProgram, show, TSVIRSH, type Case, type RunResult } from './cases.js';
import { startLibvirtd, startSshd, startTsvirtd, type Daemon, type Sshd } from './harness.js';
import { canUnshare, hasLibvirtd, hasNetcat, hasSshd, hasVirsh, requireOracles } from './oracle.js';

const VIRSH = 'virsh';
type Transport = 'ssh' | 'libssh2' | 'libssh';
const TRANSPORTS: Transport[] = ['ssh', 'libssh2', 'libssh'];

/** The commands each combination runs: a global option list and a command string. */
const COMMANDS: { name: string; opts: string[]; cmd: string }[] = [
  { name: 'list --all', opts: [], cmd: 'list --all' },
  { name: 'dominfo test', opts: [], cmd: 'dominfo test' },
  { name: '-r destroy test', opts: ['-r'], cmd: 'destroy test' },
];

interface Client { name: string; cmd: string; argv0: string[] }
const CLIENTS: Client[] = [
  { name: 'virsh', cmd: VIRSH, argv0: [] },
  { name: 'tsvirsh', cmd: process.execPath, argv0: [TSVIRSH] },
];

/** The URI for a daemon through sshd; libssh2 needs `sshauth=privkey` when no agent runs. */
function sshURI(d: Daemon, s: Sshd, transport: Transport, path = '/default', driver = 'test'): string {
  const uri = d.sshURI(s, path, driver, { transport });
  return transport === 'libssh2' ? `${uri}&sshauth=privkey` : uri;
}

/** The client environment: the PATH wrapper (system ssh) and the private HOME with .ssh/. */
function sshEnv(s: Sshd): Record<string, string> {
  return { PATH: s.pathWithWrapper, HOME: s.env['HOME']! };
}

function masked(r: RunResult, uri: string): RunResult {
  const c: Case = { name: '', args: [] };
  const m = (x: string) => normalize(x.split(uri).join('URI'), c);
  return { status: r.status, stdout: m(r.stdout), stderr: m(r.stderr) };
}

type Outcome = RunResult | { error: unknown };
const failed = (o: Outcome | undefined): o is { error: unknown } => o !== undefined && 'error' in o;

interface Combo { which: 'tsvirtd' | 'libvirtd'; client: Client; transport: Transport }
const COMBOS: Combo[] = (['tsvirtd', 'libvirtd'] as const).flatMap((which) =>
  CLIENTS.flatMap((client) => TRANSPORTS.map((transport) => ({ which, client, transport }))));
const comboName = (k: Combo) => `${k.client.name} → ${k.which} over ${k.transport}`;

describe('ssh transports against tsvirtd and a stock libvirtd', () => {
  let sshd: Sshd | undefined;
  let daemons: { tsvirtd?: Daemon; libvirtd?: Daemon } = {};
  let startError: unknown;
  const reference = new Map<string, RunResult>();
  /** By combo name: the outcome of each of COMMANDS. */
  const results = new Map<string, Outcome[]>();
  /** The qemu:///system opens per daemon, by label; the first is the reference. */
  const qemu: Record<'tsvirtd' | 'libvirtd', { label: string; r: Outcome }[]> = { tsvirtd: [], libvirtd: [] };

  function ready(which: 'tsvirtd' | 'libvirtd'): { s: Sshd; d: Daemon } {
    if (startError !== undefined) throw startError;
    const d = daemons[which];
    assert.ok(sshd && d, `${which} or sshd was not started`);
    return { s: sshd, d };
  }

  async function runCombo(k: Combo): Promise<Outcome[]> {
    const { s, d } = ready(k.which);
    const uri = sshURI(d, s, k.transport);
    const out: Outcome[] = [];
    // One at a time: sshd's MaxStartups drops connections beyond 10 pending.
    for (const cmd of COMMANDS) {
      const c: Case = { name: cmd.name, args: [...cmd.opts, '-c', uri, cmd.cmd], env: sshEnv(s) };
      try {
        out.push(masked(await runProgram(k.client.cmd, [...k.client.argv0, ...c.args], c), uri));
      } catch (error) {
        out.push({ error });
      }
    }
    return out;
  }

  async function runQemu(which: 'tsvirtd' | 'libvirtd'): Promise<void> {
    const { s, d } = ready(which);
    const [virsh, tsvirsh] = CLIENTS as [Client, Client];
    const opens: [Client, string][] = [
      [virsh, d.tcpURI('/system', 'qemu')],
      [virsh, sshURI(d, s, 'ssh', '/system', 'qemu')],
      [tsvirsh, d.tcpURI('/system', 'qemu')],
      ...TRANSPORTS.map((tr): [Client, string] => [tsvirsh, sshURI(d, s, tr, '/system', 'qemu')]),
    ];
    for (const [client, uri] of opens) {
      const c: Case = { name: 'qemu', args: ['-c', uri, 'uri'], env: sshEnv(s) };
      let r: Outcome;
      try {
        r = masked(await runProgram(client.cmd, [...client.argv0, ...c.args], c), uri);
      } catch (error) {
        r = { error };
      }
      qemu[which].push({ label: `${client.name} -c ${uri}`, r });
    }
  }

  before(async () => {
    if (!hasSshd() || !hasNetcat() || !hasVirsh()) return;
    const results0 = await Promise.allSettled([
      startSshd(),
      startTsvirtd(),
      hasLibvirtd() && canUnshare() ? startLibvirtd() : Promise.resolve(undefined),
      ...COMMANDS.map(async (k) => {
        const c: Case = { name: k.name, args: [...k.opts, '-c', 'test:///default', k.cmd] };
        const r = await runProgram(VIRSH, c.args, c);
        reference.set(k.name, { ...r, stdout: normalize(r.stdout, c), stderr: normalize(r.stderr, c) });
      }),
    ]);
    const [s, ts, lv] = results0;
    if (s.status === 'fulfilled') sshd = s.value;
    if (ts.status === 'fulfilled') daemons.tsvirtd = ts.value;
    if (lv.status === 'fulfilled') daemons.libvirtd = lv.value ?? undefined;
    startError = results0.find((r) => r.status === 'rejected')?.reason;
    if (startError !== undefined) return;
    // The combinations in parallel (3 at a time), the qemu opens alongside.
    await Promise.all([
      pool(COMBOS.filter((k) => daemons[k.which] !== undefined), 3, async (k) => {
        results.set(comboName(k), await runCombo(k));
      }),
      ...(['tsvirtd', 'libvirtd'] as const).filter((w) => daemons[w] !== undefined).map((w) =>
        runQemu(w).catch((error: unknown) => { qemu[w].push({ label: 'setup', r: { error } }); })),
    ]);
  });

  after(async () => {
    await Promise.all([sshd?.stop(), daemons.tsvirtd?.stop(), daemons.libvirtd?.stop()]);
    daemons = {};
  });

  for (const k of COMBOS) {
    it(comboName(k), (t) => {
      if (!requireOracles(t, 'virsh', 'sshd', 'netcat')) return;
      if (k.which === 'libvirtd' && !requireOracles(t, 'libvirtd', 'unshare')) return;
      ready(k.which);
      const got = results.get(comboName(k));
      assert.ok(got, 'the combination did not run');
      for (const [i, cmd] of COMMANDS.entries()) {
        const want = reference.get(cmd.name);
        const r: Outcome | undefined = got[i];
        assert.ok(want, 'no local reference');
        if (failed(r)) throw r.error;
        assert.ok(r, `${cmd.name} did not run`);
        assert.deepEqual(r, want, `${cmd.name}\nlocal virsh:\n${show(want)}\n${comboName(k)}:\n${show(r)}`);
      }
    });
  }

  const QEMU_TITLES = {
    tsvirtd: 'qemu+ssh:///system on tsvirtd answers what qemu+tcp:///system does (stock virsh over tcp is the reference)',
    libvirtd: 'qemu+ssh:///system on a stock libvirtd opens its QEMU driver through every ssh transport, as over tcp',
  } as const;
  for (const which of ['tsvirtd', 'libvirtd'] as const) {
    it(QEMU_TITLES[which], (t) => {
      if (!requireOracles(t, 'virsh', 'sshd', 'netcat')) return;
      if (which === 'libvirtd' && !requireOracles(t, 'libvirtd', 'unshare')) return;
      ready(which);
      const [ref, ...others] = qemu[which];
      assert.ok(ref && others.length === 2 + TRANSPORTS.length, `the qemu opens did not all run (${qemu[which].length})`);
      if (failed(ref.r)) throw ref.r.error;
      t.diagnostic(`${which} on qemu:///system: ${show(ref.r).replace(/\n/g, ' | ')}`);
      if (which === 'libvirtd') assert.equal(ref.r.status, 0, `stock libvirtd refused qemu:///system:\n${show(ref.r)}`);
      for (const o of others) {
        if (failed(o.r)) throw o.r.error;
        assert.deepEqual(o.r, ref.r, `${o.label}:\n${show(o.r)}\nreference (${ref.label}):\n${show(ref.r)}`);
      }
    });
  }
});
