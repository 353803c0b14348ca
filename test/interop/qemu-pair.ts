/**
 * The fixture the differential QEMU tests share: the test guest, a private
 * stock libvirtd and a tsvirtd, both with their QEMU drivers, started
 * together in the suite's `before` and stopped in its `after`, and a temp
 * dir that QEMU's user (libvirt-qemu) can reach.
 *
 * ```ts
 * describe('…', () => {
 *   const pair = qemuPair({ prefix: 'tsvirt-qemu-x-test-', oracles: ['python'] });
 *   it('…', async (t) => {
 *     const env = pair.need(t);   // undefined: skipped (outside CI only)
 *     if (!env) return;
 *     await env.lv.virsh(…); await env.td.virsh(…);
 *   });
 * });
 * ```
 *
 * Call it inside a `describe`: it registers that suite's hooks.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, type TestContext } from 'node:test';
import { ensureTestGuest, startQemuLibvirtd, type QemuDaemonOptions, type QemuLibvirtd, type TestGuest } from './qemu-harness.js';
import { startQemuTsvirtd, type QemuTsvirtd } from './qemu-tsvirtd.js';
import { isCI, ORACLES, requireOracles } from './oracle.js';

type OracleName = keyof typeof ORACLES;

/** What a test gets once everything is up. */
export interface QemuPairEnv {
  readonly guest: TestGuest;
  readonly lv: QemuLibvirtd;
  readonly td: QemuTsvirtd;
  /** The suite's temp dir (0711), removed after it. */
  readonly tmp: string;
}

export interface QemuPairOptions {
  /** The temp dir's name prefix. */
  prefix: string;
  /** Oracles beyond virsh, libvirtd, QEMU and PID namespaces (e.g. python). */
  oracles?: OracleName[];
  libvirtd?: QemuDaemonOptions;
  tsvirtd?: Parameters<typeof startQemuTsvirtd>[0];
  /** Runs before the daemons start (e.g. a network namespace they join); a throw fails every test. */
  setup?(): void | Promise<void>;
  /** Runs after the daemons stopped. */
  teardown?(): void | Promise<void>;
}

export interface QemuPair {
  readonly tmp: string;
  /**
   * Everything, or undefined after skipping `t` (outside CI, when an
   * oracle is missing or the guest cannot be built); under CI=true those
   * throw. A failed start throws.
   */
  need(t: TestContext): QemuPairEnv | undefined;
}

export function qemuPair(o: QemuPairOptions): QemuPair {
  const oracles: OracleName[] = ['virsh', 'libvirtd', 'pidns', 'qemu', ...(o.oracles ?? [])];
  const tmp = mkdtempSync(join(tmpdir(), o.prefix));
  // libvirt's QEMU runs as libvirt-qemu: it must reach the files under here.
  chmodSync(tmp, 0o711);
  let guest: TestGuest | undefined;
  let lv: QemuLibvirtd | undefined;
  let td: QemuTsvirtd | undefined;
  let setupError: unknown;
  let guestError: unknown;

  before(async () => {
    if (!oracles.every((n) => ORACLES[n].check())) return;
    try {
      await o.setup?.();
    } catch (e) {
      setupError = e;
      return;
    }
    await Promise.all([
      ensureTestGuest().then((g) => { guest = g; }, (e: unknown) => { guestError = e; }),
      startQemuLibvirtd(o.libvirtd).then((d) => { lv = d; }, (e: unknown) => { setupError ??= e; }),
      startQemuTsvirtd(o.tsvirtd).then((d) => { td = d; }, (e: unknown) => { setupError ??= e; }),
    ]);
  });
  after(async () => {
    await Promise.all([lv?.stop(), td?.stop()]);
    await o.teardown?.();
    rmSync(tmp, { recursive: true, force: true });
  });

  return {
    tmp,
    need(t) {
      if (!requireOracles(t, ...oracles)) return undefined;
      if (guestError !== undefined) {
        if (isCI()) throw guestError;
        t.skip(`the test guest could not be built (${String((guestError as Error).message).split('\n')[0]}); skipped`);
        return undefined;
      }
      if (setupError !== undefined) throw setupError;
      assert.ok(lv && td && guest);
      return { guest, lv, td, tmp };
    },
  };
}
