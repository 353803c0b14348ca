/**
 * tsvirsh against a stock libvirtd: every CLI case that opens a `test://`
 * URI (test/e2e/cli-cases.ts) runs against a private stock libvirtd over
 * TCP and the read-write unix socket (plus the read-only socket for `-r`
 * cases), under stock virsh and under tsvirsh (our remote driver and
 * transports). tsvirsh must print exactly what virsh prints against that
 * same daemon: stdout, stderr, exit status, after cli-diff's normalization
 * (cases.ts maps the URIs back, which changes nothing here since both
 * clients use the same ones).
 *
 * Four libvirtds (one per worker) serve the cases, every run strictly one
 * client after another: libvirtd frees test:///default when its last client
 * closes, so each client starts from the built-in host (see daemonPool).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  casePaths, daemonPool, normalized, REMOTE_CASES, runRemote, show, targetsOf, transportsOf, TSVIRSH, type Case, type RunResult,
} from './cases.js';
import { startLibvirtd, type Daemon } from './harness.js';
import { canUnshare, hasLibvirtd, hasVirsh, requireOracles } from './oracle.js';

const VIRSH = 'virsh';
const WORKERS = 4;

/**
 * Known differences of tsvirsh's remote path that are not ours to fix, by
 * case name, with the reason (node:test todo); CASES' own `todo` (a CLI
 * difference) applies as well.
 */
const REMOTE_TODO: Record<string, string> = {};

type Outcome = RunResult | { error: unknown };
const failed = (o: Outcome | undefined): o is { error: unknown } => o !== undefined && 'error' in o;

interface Pair { virsh: Outcome; tsvirsh: Outcome }

/** Runs the case on every transport of `d`: virsh, then tsvirsh, one client at a time. */
async function runCase(d: Daemon | { startError: unknown }, c: Case): Promise<Map<string, Pair>> {
  const out = new Map<string, Pair>();
  if ('startError' in d) {
    for (const tr of transportsOf(c)) out.set(tr, { virsh: { error: d.startError }, tsvirsh: { error: d.startError } });
    return out;
  }
  const ts = targetsOf(d);
  const paths = casePaths(c);
  const one = async (cmd: string, argv0: string[], tr: string): Promise<Outcome> => {
    try {
      return normalized(await runRemote(cmd, argv0, c, ts[tr]!), c, ts[tr]!, paths);
    } catch (error) {
      return { error };
    }
  };
  for (const tr of transportsOf(c)) {
    const virsh = await one(VIRSH, [], tr);
    const tsvirsh = await one(process.execPath, [TSVIRSH], tr);
    out.set(tr, { virsh, tsvirsh });
  }
  return out;
}

describe('tsvirsh against a stock libvirtd prints what virsh prints', () => {
  const results = new Map<string, Map<string, Pair>>();
  let elapsed = 0;

  before(async () => {
    if (!hasVirsh() || !hasLibvirtd() || !canUnshare()) return;
    const t0 = Date.now();
    await daemonPool(() => startLibvirtd(), REMOTE_CASES, WORKERS, async (d, c) => {
      results.set(c.name, await runCase(d, c));
    });
    elapsed = Date.now() - t0;
  });

  it('ran every case', (t) => {
    if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare')) return;
    assert.equal(results.size, REMOTE_CASES.length);
    t.diagnostic(`${REMOTE_CASES.length} cases on ${[...results.values()].reduce((n, m) => n + m.size, 0)} transports in ${elapsed} ms`);
  });

  for (const c of REMOTE_CASES) {
    for (const tr of transportsOf(c)) {
      const todo = c.todo ?? REMOTE_TODO[c.name];
      it(`${c.name} [${tr}]`, todo ? { todo } : {}, (t) => {
        if (!requireOracles(t, 'virsh', 'libvirtd', 'unshare')) return;
        const r = results.get(c.name)?.get(tr);
        assert.ok(r, 'the case did not run');
        if (failed(r.virsh)) throw r.virsh.error;
        if (failed(r.tsvirsh)) throw r.tsvirsh.error;
        assert.deepEqual(r.tsvirsh, r.virsh,
          `args: ${JSON.stringify(c.args)}\nvirsh → libvirtd over ${tr}:\n${show(r.virsh)}\ntsvirsh → libvirtd over ${tr}:\n${show(r.tsvirsh)}`);
      });
    }
  }
});
