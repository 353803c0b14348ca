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
  { name: 'object-event-lists', args: d('net-event --list; pool-event --list; nodedev-event --list; secret-event --list') },
  // One invocation each: virsh 9.0 hangs when these follow each other in one session.
  { name: 'net-event-no-event', args: d('net-event') },
  { name: 'net-event-unknown', args: d('net-event --event nosuch') },
  { name: 'net-event-timeout-0', args: d('net-event --event lifecycle --timeout 0') },
  { name: 'net-event-no-network', args: d('net-event --network nosuch --event lifecycle --timeout 1') },
  { name: 'pool-event-bad-timeout', args: d('pool-event --event refresh --timeout x') },
  { name: 'pool-event-no-pool', args: d('pool-event --event lifecycle --pool nosuch --timeout 1') },
  { name: 'nodedev-event-no-device', args: d('nodedev-event --device nosuch --event lifecycle --timeout 1') },
  { name: 'nodedev-event-timeout', args: d('nodedev-event --device computer --event update --timeout 1') },
  { name: 'secret-event-unsupported', args: d('secret-event --event lifecycle --timeout 1; secret-event --secret abc --event value-changed') },
  { name: 'qemu-monitor-event-unsupported', args: d('qemu-monitor-event --timeout 1; qemu-monitor-event --domain nosuch; '
    + 'qemu-monitor-event --timeout 0; qemu-monitor-event --event x --regex --no-case --pretty --timeout 1') },
  { name: 'event-help', args: d('help net-event; help pool-event; help nodedev-event; help secret-event; help qemu-monitor-event') },
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

/**
 * Each listener under both programs at once, then the changes from another
 * client (virsh); every listener pair must print the same.
 */
async function listen(t: TestContext, daemon: Daemon, listeners: string[][], control: string): Promise<void> {
  const uri = daemon.tcpURI();
  const cases: Case[] = listeners.map((args, i) => ({ name: `listener-${i}`, args: ['-c', uri, ...args] }));
  const running = cases.map((c) => Promise.all([runProgram('virsh', c.args, c), runTs(c)]));
  // Every listener connected (counted on the daemon's port), then a margin for their registrations.
  const deadline = Date.now() + 6000;
  while (Date.now() < deadline && await established(daemon.tcpPort) < 2 * cases.length) await sleep(50);
  await sleep(700);
  const ctl: Case = { name: 'event-control', args: ['-c', uri, control] };
  const changed = await runProgram('virsh', ctl.args, ctl);
  assert.equal(changed.status, 0, changed.stderr);
  for (const [i, c] of cases.entries()) {
    const [virsh, ts] = await running[i]!;
    assert.match(virsh.stdout, /events received: [1-9]/, `virsh saw the events of ${c.args.slice(2).join(' ')}`);
    same(t, c, virsh, ts);
  }
}

const DOMAIN_LISTENERS = [['event', '--all', '--loop', '--timeout', '6']];
const DOMAIN_CONTROL = 'suspend test; resume test; destroy test; start test';
const OBJECT_LISTENERS = [
  ['net-event', '--event', 'lifecycle', '--loop', '--timeout', '6'],
  ['net-event', '--network', 'default', '--event', 'lifecycle', '--timeout', '6'],
  ['pool-event', '--event', 'lifecycle', '--loop', '--timeout', '6'],
  ['pool-event', '--pool', 'default-pool', '--event', 'refresh', '--loop', '--timeout', '6'],
];
const OBJECT_CONTROL = 'net-destroy default; net-start default; pool-destroy default-pool; pool-start default-pool; '
  + 'pool-refresh default-pool';

describe('event over TCP prints what virsh prints', () => {
  it('domain events from tsvirtd', async (t) => {
    if (!requireOracles(t, 'virsh')) return;
    await using daemon = await startTsvirtd();
    await listen(t, daemon, DOMAIN_LISTENERS, DOMAIN_CONTROL);
  });

  it('domain events from a stock libvirtd', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare')) return;
    await using daemon = await startLibvirtd();
    await listen(t, daemon, DOMAIN_LISTENERS, DOMAIN_CONTROL);
  });

  it('network and storage pool events from tsvirtd', async (t) => {
    if (!requireOracles(t, 'virsh')) return;
    await using daemon = await startTsvirtd();
    await listen(t, daemon, OBJECT_LISTENERS, OBJECT_CONTROL);
  });

  it('network and storage pool events from a stock libvirtd', async (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare')) return;
    await using daemon = await startLibvirtd();
    await listen(t, daemon, OBJECT_LISTENERS, OBJECT_CONTROL);
  });
});
