/**
 * TSVIRTD_DRIVERS (driver-select.ts) and the daemon's shutdown inhibition:
 * a driver that inhibits keeps a --timeout daemon alive, as libvirtd's
 * session daemon stays up while its guests run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Driver, DriverConnection, DriverStartContext } from '../driver/driver.js';
import { DRIVERS } from '../driver/drivers.js';
import { DriverRegistry } from '../driver/registry.js';
import { selectDaemonDrivers } from './driver-select.js';
import { main } from './main.js';

describe('TSVIRTD_DRIVERS', () => {
  const names = (env: NodeJS.ProcessEnv) => selectDaemonDrivers(env).drivers.map((d) => d.name);

  test('unset or empty: every daemon driver, in the table order', () => {
    const all = DRIVERS.filter((e) => e.daemon).map((e) => e.name);
    assert.deepEqual(all, ['test', 'QEMU']);
    assert.deepEqual(names({}), all);
    assert.deepEqual(names({ TSVIRTD_DRIVERS: ' ' }), all);
  });

  test('a list keeps those only, case-insensitively, in the table order', () => {
    assert.deepEqual(names({ TSVIRTD_DRIVERS: 'test' }), ['test']);
    assert.deepEqual(names({ TSVIRTD_DRIVERS: 'qemu' }), ['QEMU']);
    assert.deepEqual(names({ TSVIRTD_DRIVERS: 'QEMU, test,' }), ['test', 'QEMU']);
  });

  test('a name that is not a daemon driver is an error (remote lives in the library only)', () => {
    assert.throws(() => selectDaemonDrivers({ TSVIRTD_DRIVERS: 'test,remote' }),
      { message: "TSVIRTD_DRIVERS: unknown driver 'remote' (tsvirtd has test, qemu)" });
  });

  test('a driver left out gets no state initialization: TSVIRTD_DRIVERS=test creates no qemu/ or storage/ dirs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-drvsel-'));
    try {
      writeFileSync(join(dir, 'tsvirtd.conf'), `unix_sock_dir = "${join(dir, 'sock')}"\n`);
      // A session daemon, its XDG dirs in the temp dir; -t 1 ends it.
      const runOnce = async (sub: string, extra: NodeJS.ProcessEnv) => {
        const base = join(dir, sub);
        let err = '';
        const env = { HOME: base, XDG_RUNTIME_DIR: join(base, 'run'), XDG_CONFIG_HOME: join(base, 'config'), XDG_CACHE_HOME: join(base, 'cache'), ...extra };
        const code = await main(['-f', join(dir, 'tsvirtd.conf'), '-p', join(dir, `${sub}.pid`), '-t', '1'],
          { env, privileged: false, stderr: (t) => { err += t; } });
        assert.equal(code, 0, err);
        return ['config/libvirt/qemu', 'config/libvirt/storage', 'run/libvirt/qemu', 'run/libvirt/storage', 'cache/libvirt/qemu']
          .filter((d) => existsSync(join(base, d)));
      };
      assert.deepEqual(await runOnce('test-only', { TSVIRTD_DRIVERS: 'test' }), []);
      // The control: with every driver, their state init makes them (as libvirtd's does).
      assert.deepEqual(await runOnce('all', {}),
        ['config/libvirt/qemu', 'run/libvirt/qemu', 'run/libvirt/storage', 'cache/libvirt/qemu']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('tsvirtd refuses to start with an unknown driver, before creating anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-drvsel-'));
    try {
      writeFileSync(join(dir, 'tsvirtd.conf'), `unix_sock_dir = "${join(dir, 'run')}"\n`);
      let err = '';
      const code = await main(['-f', join(dir, 'tsvirtd.conf'), '-p', join(dir, 'pid')],
        { env: { TSVIRTD_DRIVERS: 'xen' }, privileged: false, stderr: (s) => { err += s; } });
      assert.equal(code, 1);
      assert.match(err, / error : TSVIRTD_DRIVERS: unknown driver 'xen' \(tsvirtd has test, qemu\)\n$/);
      assert.equal(existsSync(join(dir, 'run')), false);
      assert.equal(existsSync(join(dir, 'pid')), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A driver that inhibits shutdown from its start until `release()`. */
function inhibitingDriver(): { driver: Driver; release: () => void; started: Promise<void> } {
  let ctx: DriverStartContext | undefined;
  let began!: () => void;
  const started = new Promise<void>((r) => { began = r; });
  return {
    driver: {
      name: 'hold',
      accepts: (uri) => uri?.scheme === 'hold',
      async open(): Promise<DriverConnection> { return { connectClose: async () => {} }; },
      async start(c) {
        ctx = c;
        c.inhibit?.(true);
        began();
      },
    },
    release: () => ctx?.inhibit?.(false),
    started,
  };
}

test('--timeout: an inhibiting driver keeps the daemon up; it exits at the first tick after the release', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-inhibit-'));
  try {
    writeFileSync(join(dir, 'tsvirtd.conf'), `unix_sock_dir = "${join(dir, 'run')}"\n`);
    const hold = inhibitingDriver();
    const t0 = Date.now();
    let releasedAt = 0;
    const done = main(['-f', join(dir, 'tsvirtd.conf'), '-p', join(dir, 'pid'), '-t', '1'],
      { env: {}, privileged: false, drivers: new DriverRegistry([hold.driver]), stderr: () => {} });
    await hold.started;
    // Three timeouts pass inhibited.
    await new Promise((r) => setTimeout(r, 3200));
    releasedAt = Date.now();
    hold.release();
    assert.equal(await done, 0);
    const end = Date.now();
    assert.ok(releasedAt - t0 >= 3000, 'released too early');
    // The ticks run every second since start-up: the next one ends it.
    assert.ok(end - releasedAt <= 1500, `exited ${end - releasedAt} ms after the release`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
