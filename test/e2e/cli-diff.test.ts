/**
 * tsvirsh against stock virsh: the general cases of cli-cases.ts, and help
 * listings (tsvirsh lists a subset of virsh's lines, in virsh's order).
 * Group-specific cases live in cli-diff-<group>.test.ts files.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CASES, runProgram, runTsvirsh } from './cli-cases.js';
import { diffCases, needVirsh, VIRSH, virshVersion } from './cli-diff.js';

describe('tsvirsh help lists a subset of virsh\'s lines in order', () => {
  const version = virshVersion();
  it(`uses virsh ${version ?? '(missing)'}`, (t) => {
    if (!needVirsh(t, version)) return;
    if (version !== '9.0.0') t.diagnostic(`virsh is ${version}, tsvirsh follows 9.0.0; differences may be expected`);
  });

  for (const args of [['help'], ['-h'], ['help', 'domain'], ['help', 'pool']]) {
    it(args.join(' '), async (t) => {
      if (!needVirsh(t, version)) return;
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
});

diffCases('tsvirsh matches virsh byte for byte', CASES);
