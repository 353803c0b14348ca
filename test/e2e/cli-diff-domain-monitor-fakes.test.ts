/**
 * tsvirsh against stock virsh where the test driver never succeeds (guest
 * agent queries, job statistics, launch security, power management,
 * flag-based block statistics…): stock virsh runs with the fake libvirt
 * answers of fake-guest/answers.c preloaded, tsvirsh with the same answers
 * (fake-guest/answers.ts), and their output must be identical. Needs a C
 * compiler besides virsh; without one the cases skip (fail under CI=true).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { normalize, pool, ROOT, runProgram, type Case, type RunResult } from './cli-cases.js';
import { needVirsh, show, VIRSH, virshVersion } from './cli-diff.js';

const d = (...args: string[]) => ['-c', 'test:///default', ...args];
const ANSWERS = join(ROOT, 'dist/test/e2e/fake-guest/answers.js');

const CASES: Case[] = [
  { name: 'get-user-sshkeys', args: d('get-user-sshkeys', 'test', 'root') },
  { name: 'guestinfo', args: d('guestinfo', 'test', '--os') },
  { name: 'guestvcpus', args: d('guestvcpus test; guestvcpus test --cpulist 1 --enable') },
  { name: 'domlaunchsecinfo', args: d('domlaunchsecinfo', 'test') },
  {
    name: 'success-messages',
    args: d('dompmsuspend test mem; dompmwakeup test; domdirtyrate-calc test; domif-setlink test testnet0 down; '
      + 'domblkthreshold test vda 1; domjobabort test; domjobabort test --postcopy; set-user-sshkeys test root --reset; '
      + 'domsetlaunchsecstate test --secrethdr /dev/null --secret /dev/null'),
  },
  { name: 'success-messages-quiet', args: ['-q', ...d('dompmsuspend test mem; dompmwakeup test; domdirtyrate-calc test; domif-setlink test testnet0 down')] },
  { name: 'domblkstat-flags', args: d('domblkstat test vda; domblkstat test vda --human') },
  { name: 'domjobinfo-bounded', args: d('domjobinfo test; domjobinfo test --rawstats; domjobinfo test --completed --keep-completed; domjobinfo test --anystats') },
  { name: 'domjobinfo-none', args: d('domjobinfo test; domjobinfo test --anystats'), env: { FAKE_JOB_TYPE: '0' } },
  { name: 'domjobinfo-unbounded', args: d('domjobinfo test'), env: { FAKE_JOB_TYPE: '2' } },
  { name: 'domjobinfo-completed', args: d('domjobinfo test; domjobinfo test --completed'), env: { FAKE_JOB_TYPE: '3' } },
  { name: 'domjobinfo-failed', args: d('domjobinfo test --completed; domjobinfo test --anystats'), env: { FAKE_JOB_TYPE: '4' } },
];

/** Compiles answers.c into a preloadable library; null (with the reason) without a compiler. */
function buildAnswers(dir: string): { lib: string } | { error: string } {
  const lib = join(dir, 'answers.so');
  const r = spawnSync('cc', ['-shared', '-fPIC', '-o', lib, join(ROOT, 'test/e2e/fake-guest/answers.c')], { encoding: 'utf8' });
  if (r.error) return { error: `no C compiler: ${r.error.message}` };
  if (r.status !== 0) return { error: `cc failed: ${r.stderr}` };
  return { lib };
}

describe('tsvirsh matches virsh on calls the test driver never answers (fake answers)', () => {
  const version = virshVersion();
  const dir = mkdtempSync(join(tmpdir(), 'tsvirsh-fakes-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const built = version === null ? { error: 'no virsh' } : buildAnswers(dir);
  const results = new Map<string, { v: RunResult; ts: RunResult }>();

  before(async () => {
    if (!('lib' in built)) return;
    await pool(CASES, 4, async (c) => {
      const [v, ts] = await Promise.all([
        runProgram(VIRSH, c.args, { ...c, env: { ...c.env, LD_PRELOAD: built.lib } }),
        runProgram(process.execPath, [ANSWERS, ...c.args], c),
      ]);
      results.set(c.name, { v, ts });
    });
  });

  for (const c of CASES) {
    it(c.name, (t) => {
      if (!needVirsh(t, version)) return;
      if (!('lib' in built)) {
        if (process.env['CI'] === 'true') assert.fail(built.error);
        t.skip(built.error);
        return;
      }
      const { v, ts } = results.get(c.name)!;
      const want = { status: v.status, stdout: normalize(v.stdout, c), stderr: normalize(v.stderr, c) };
      const got = { status: ts.status, stdout: normalize(ts.stdout, c), stderr: normalize(ts.stderr, c) };
      assert.deepEqual(got, want, `args: ${JSON.stringify(c.args)}\nvirsh:\n${show(v)}\ntsvirsh:\n${show(ts)}`);
    });
  }
});
