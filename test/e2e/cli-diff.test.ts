/**
 * The differential test: every case runs under stock `virsh` and under
 * tsvirsh, and stdout, stderr and the exit status must be identical
 * (after masking what differs between any two runs, see normalize()).
 * Without virsh the test skips, except in CI (CI=true), where it fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CASES, normalize, pool, runProgram, runTsvirsh, type Case, type RunResult } from './cli-cases.js';

const VIRSH = process.env['VIRSH'] ?? 'virsh';

function virshVersion(): string | null {
  const r = spawnSync(VIRSH, ['-v'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function show(r: RunResult): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

test('tsvirsh matches virsh byte for byte', async (t) => {
  const version = virshVersion();
  if (version === null) {
    if (process.env['CI'] === 'true') assert.fail(`CI=true but '${VIRSH}' cannot be run: install libvirt-clients`);
    t.skip(`'${VIRSH}' is not installed (Debian package libvirt-clients); differential test skipped`);
    return;
  }
  if (version !== '9.0.0') t.diagnostic(`virsh is ${version}, tsvirsh follows 9.0.0; differences may be expected`);

  const results = await pool(CASES, 4, async (c: Case) => {
    const [v, ts] = await Promise.all([runProgram(VIRSH, c.args, c), runTsvirsh(c)]);
    return { c, v, ts };
  });
  for (const { c, v, ts } of results) {
    await t.test(c.name, () => {
      const want = { status: v.status, stdout: normalize(v.stdout, c), stderr: normalize(v.stderr, c) };
      const got = { status: ts.status, stdout: normalize(ts.stdout, c), stderr: normalize(ts.stderr, c) };
      assert.deepEqual(got, want, `args: ${JSON.stringify(c.args)}\nvirsh:\n${show(v)}\ntsvirsh:\n${show(ts)}`);
    });
  }
});
