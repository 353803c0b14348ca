/**
 * A bounded run of the tsvirtd fuzzer (test/fuzz/daemon-fuzz.ts): one fixed
 * seed, so a regression shows up the same way every time, and one random
 * seed, printed, so CI keeps exploring. Replay a failing seed or input with
 * `node dist/test/fuzz/cli.js --seed N [--index I]`. TSVIRT_FUZZ_SECONDS
 * sets the length of each run (default 18 s; with warm-up, draining and the
 * memory settle period the file takes about a minute).
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import { requireOracles } from '../interop/oracle.js';
import { formatResult, fuzzDaemon } from './daemon-fuzz.js';

const SECONDS = Number(process.env.TSVIRT_FUZZ_SECONDS ?? 18);
const FIXED_SEED = 0x7e57f00d;
const RANDOM_SEED = process.env.TSVIRT_FUZZ_SEED !== undefined ? Number(process.env.TSVIRT_FUZZ_SEED) >>> 0 : randomInt(0, 2 ** 32);

describe('tsvirtd under fuzzing', () => {
  for (const [what, seed] of [['fixed', FIXED_SEED], ['random', RANDOM_SEED]] as const) {
    it(`survives ${SECONDS} s of hostile clients (${what} seed ${seed})`, {
      timeout: (SECONDS + 90) * 1000,
    }, async (t) => {
      // The QEMU driver is fuzzed too where it can run in a namespace (always in CI).
      const qemu = requireOracles(null, 'qemu', 'pidns', 'virsh');
      if (!qemu) t.diagnostic('QEMU, virsh or namespaces are missing: the test driver alone is fuzzed');
      const r = await fuzzDaemon({ seed, seconds: SECONDS, qemu });
      for (const line of formatResult(r).split('\n')) t.diagnostic(line);
      assert.ok(r.ok, formatResult(r));
    });
  }
});
