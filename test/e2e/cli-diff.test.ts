/**
 * The differential test: every case runs under stock `virsh` and under
 * tsvirsh, and stdout, stderr and the exit status must be identical
 * (after masking what differs between any two runs, see normalize()).
 * Without virsh the cases skip, except in CI (CI=true), where they fail.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { CASES, normalize, pool, runProgram, runTsvirsh, type RunResult } from './cli-cases.js';

const VIRSH = process.env['VIRSH'] ?? 'virsh';

function virshVersion(): string | null {
  const r = spawnSync(VIRSH, ['-v'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function show(r: RunResult): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

describe('tsvirsh matches virsh byte for byte', () => {
  const version = virshVersion();
  const results = new Map<string, { v: RunResult; ts: RunResult }>();

  before(async () => {
    if (version === null) return;
    await pool(CASES, 4, async (c) => {
      const [v, ts] = await Promise.all([runProgram(VIRSH, c.args, c), runTsvirsh(c)]);
      results.set(c.name, { v, ts });
    });
  });

  it(`uses virsh ${version ?? '(missing)'}`, (t) => {
    if (version === null) {
      if (process.env['CI'] === 'true') assert.fail(`CI=true but '${VIRSH}' cannot be run: install libvirt-clients`);
      t.skip(`'${VIRSH}' is not installed (Debian package libvirt-clients); differential test skipped`);
      return;
    }
    if (version !== '9.0.0') t.diagnostic(`virsh is ${version}, tsvirsh follows 9.0.0; differences may be expected`);
  });

  // tsvirsh lists only the commands it implements: every line it prints
  // must be one of virsh's, in virsh's order.
  for (const args of [['help'], ['-h'], ['help', 'domain'], ['help', 'pool']]) {
    it(`${args.join(' ')} lists a subset of virsh's lines in order`, async (t) => {
      if (version === null) {
        if (process.env['CI'] === 'true') assert.fail(`'${VIRSH}' is missing`);
        t.skip('virsh is not installed');
        return;
      }
      const c = { name: args.join(' '), args: ['-c', 'test:///default', ...args] };
      const [v, ts] = await Promise.all([runProgram(VIRSH, c.args, c), runTsvirsh(c)]);
      assert.equal(ts.status, v.status);
      assert.equal(ts.stderr, v.stderr);
      const theirs = v.stdout.split('\n');
      let at = 0;
      for (const line of ts.stdout.split('\n')) {
        const found = theirs.indexOf(line, at);
        assert.ok(found >= 0, `line not in virsh's output (or out of order): ${JSON.stringify(line)}`);
        at = line === '' ? found : found + 1;
      }
    });
  }

  for (const c of CASES) {
    it(c.name, c.todo ? { todo: c.todo } : {}, (t) => {
      const r = results.get(c.name);
      if (!r) {
        if (process.env['CI'] === 'true') assert.fail(`'${VIRSH}' is missing`);
        t.skip('virsh is not installed');
        return;
      }
      const { v, ts } = r;
      const want = { status: v.status, stdout: normalize(v.stdout, c), stderr: normalize(v.stderr, c) };
      const got = { status: ts.status, stdout: normalize(ts.stdout, c), stderr: normalize(ts.stderr, c) };
      assert.deepEqual(got, want, `args: ${JSON.stringify(c.args)}\nvirsh:\n${show(v)}\ntsvirsh:\n${show(ts)}`);
    });
  }
});
