/**
 * `event` against stock virsh: the argument handling without a daemon, and
 * the events themselves over TCP, from tsvirtd and from a private stock
 * libvirtd. Both clients listen at once (`event --all --loop --timeout 3`)
 * while a third client (virsh) suspends, resumes, destroys and starts the
 * test domain; both must print the same events, count and status.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { normalize, runProgram, TSVIRSH, type Case, type RunResult } from '../e2e/cli-cases.js';
import { run, startLibvirtd, startTsvirtd, type Daemon } from './harness.js';
import { requireOracles } from './oracle.js';

/** bin/tsvirsh.cjs once the command table lists `event`; until then the stand-in that adds it. */
const TSVIRSH_ARGV = [TSVIRSH];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runTs(c: Case): Promise<RunResult> {
  return runProgram(process.execPath, [...TSVIRSH_ARGV, ...c.args], c);
}

function same(t: TestContext, c: Case, virsh: RunResult, ts: RunResult): void {
  const shown = (r: RunResult) => ({ stdout: normalize(r.stdout, c), stderr: normalize(r.stderr, c), status: r.status });
  assert.deepEqual(shown(ts), shown(virsh), `${c.name}: ${c.args.join(' ')}`);
  t.diagnostic(`${c.name}: status ${virsh.status}, ${virsh.stdout.split('\n').length} stdout lines`);
}

const d = (...args: string[]) => ['-c', 'test:///default', ...args];

/** Cases that end without waiting for anything. */
const PLAIN: Case[] = [
  { name: 'help-event', args: ['help', 'event'] },
  { name: 'event-list', args: d('event', '--list') },
  { name: 'event-no-args', args: d('event') },
  { name: 'event-unknown', args: d('event', '--event', 'nosuch') },
  { name: 'event-empty', args: d('event', '--event', '') },
  { name: 'event-exclusive', args: d('event --all --event lifecycle; event --list --all; event --list --event reboot') },
  { name: 'event-bad-timeout', args: d('event --all --timeout 0; event --all --timeout -1; event --all --timeout 2147484; event --all --timeout x') },
  { name: 'event-no-domain', args: d('event', '--domain', 'nosuch', '--all') },
  { name: 'event-timeout', args: d('event', 'test', '--event', 'reboot', '--timeout', '1', '--timestamp') },
];

describe('event without a daemon prints what virsh prints', () => {
  for (const c of PLAIN) {
    it(c.name, async (t) => {
      if (!requireOracles(t, 'virsh')) return;
      const [virsh, ts] = await Promise.all([runProgram('virsh', c.args, c), runTs(c)]);
      same(t, c, virsh, ts);
    });
  }
});

/** Established TCP connections to the daemon's port (ss from iproute2). */
async function established(port: number): Promise<number> {
  const r = await run('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

/** Both listeners at once, then the lifecycle changes from a third client. */
async function listen(t: TestContext, daemon: Daemon): Promise<void> {
  const uri = daemon.tcpURI();
  const c: Case = { name: 'event-loop', args: ['-c', uri, 'event', '--all', '--loop', '--timeout', '6'] };
  const listeners = Promise.all([runProgram('virsh', c.args, c), runTs(c)]);
  // Both listeners connected (counted on the daemon's port), then a margin for their registrations.
  const deadline = Date.now() + 4000;
  while (Date.now() < deadline && await established(daemon.tcpPort) < 2) await sleep(50);
  await sleep(700);
  const ctl: Case = { name: 'event-control', args: ['-c', uri, 'suspend test; resume test; destroy test; start test'] };
  const changed = await runProgram('virsh', ctl.args, ctl);
  assert.equal(changed.status, 0, changed.stderr);
  const [virsh, ts] = await listeners;
  assert.match(virsh.stdout, /events received: [1-9]/, 'virsh saw the events');
  same(t, c, virsh, ts);
}

describe('event over TCP prints what virsh prints', () => {
  it('from tsvirtd', async (t) => {
    if (!requireOracles(t, 'virsh')) return;
    await using daemon = await startTsvirtd();
    await listen(t, daemon);
  });

  it('from a stock libvirtd', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare')) return;
    await using daemon = await startLibvirtd();
    await listen(t, daemon);
  });
});
