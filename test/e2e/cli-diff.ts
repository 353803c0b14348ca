/**
 * The differential check shared by the cli-diff*.test.ts files: every case
 * runs under stock `virsh` and under tsvirsh, and stdout, stderr and the exit
 * status must be identical (after masking what differs between any two runs,
 * see normalize()). Without virsh the cases skip, except in CI (CI=true),
 * where they fail.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { normalize, pool, runProgram, runTsvirsh, type Case, type RunResult } from './cli-cases.js';

export const VIRSH = process.env['VIRSH'] ?? 'virsh';

/** `virsh -v`, or null when virsh cannot be run. */
export function virshVersion(): string | null {
  const r = spawnSync(VIRSH, ['-v'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function show(r: RunResult): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** Skips (outside CI) or fails (CI=true) a test that needs virsh when it is missing. */
export function needVirsh(t: { skip(msg: string): void }, version: string | null): boolean {
  if (version !== null) return true;
  if (process.env['CI'] === 'true') assert.fail(`CI=true but '${VIRSH}' cannot be run: install libvirt-clients`);
  t.skip(`'${VIRSH}' is not installed (Debian package libvirt-clients); differential test skipped`);
  return false;
}

/** One describe() whose tests compare virsh and tsvirsh on each case (4 cases at a time). */
export function diffCases(title: string, cases: readonly Case[]): void {
  describe(title, () => {
    const version = virshVersion();
    const results = new Map<string, { v: RunResult; ts: RunResult }>();
    const names = new Set<string>();
    for (const c of cases) {
      if (names.has(c.name)) throw new Error(`duplicate case name ${c.name}`);
      names.add(c.name);
    }

    before(async () => {
      if (version === null) return;
      await pool(cases, 4, async (c) => {
        const [v, ts] = await Promise.all([runProgram(VIRSH, c.args, c), runTsvirsh(c)]);
        results.set(c.name, { v, ts });
      });
    });

    for (const c of cases) {
      it(c.name, c.todo ? { todo: c.todo } : {}, (t) => {
        if (!needVirsh(t, version)) return;
        const { v, ts } = results.get(c.name)!;
        const want = { status: v.status, stdout: normalize(v.stdout, c), stderr: normalize(v.stderr, c) };
        const got = { status: ts.status, stdout: normalize(ts.stdout, c), stderr: normalize(ts.stderr, c) };
        assert.deepEqual(got, want, `args: ${JSON.stringify(c.args)}\nvirsh:\n${show(v)}\ntsvirsh:\n${show(ts)}`);
      });
    }
  });
}
