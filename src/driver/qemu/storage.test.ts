/**
 * The storage driver of QEMU connections: its dirs (libvirt's
 * storageStateInitialize) and a QEMU driver started on temp dirs serving
 * pool procedures and pool events through its connections. The same
 * against stock libvirtd through virsh is test/interop/qemu-storage.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SYSTEM_DRIVER_PATHS, driverPaths } from '../../daemon/driver-paths.js';
import type { DriverEvent } from '../driver.js';
import { parseURI } from '../../uri/index.js';
import { QemuDriver } from './driver.js';
import { storageDirs } from './storage.js';

test('the system daemon keeps storage pool files where libvirtd does', () => {
  assert.deepEqual(storageDirs({ privileged: true, paths: SYSTEM_DRIVER_PATHS }), {
    configDir: '/etc/libvirt/storage',
    autostartDir: '/etc/libvirt/storage/autostart',
    stateDir: '/run/libvirt/storage',
  });
});

test('a session daemon keeps them in the user\'s config and runtime dirs', () => {
  const env = { HOME: '/home/u', XDG_CONFIG_HOME: '/home/u/.config', XDG_CACHE_HOME: '/home/u/.cache', XDG_RUNTIME_DIR: '/run/user/1000' };
  assert.deepEqual(storageDirs({ privileged: false, paths: driverPaths(false, env) }), {
    configDir: '/home/u/.config/libvirt/storage',
    autostartDir: '/home/u/.config/libvirt/storage/autostart',
    stateDir: '/run/user/1000/libvirt/storage/run',
  });
});

test('a qemu:///session connection serves storage pools and their events; stop ends the driver', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tsvirt-qemu-storage-unit-'));
  try {
    const paths = {
      configDir: join(root, 'config'), runDir: join(root, 'run'), stateDir: join(root, 'config'),
      cacheDir: join(root, 'cache'), logDir: join(root, 'cache'),
    };
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const driver = new QemuDriver();
    await driver.start({ privileged: false, mode: 'session', paths, log: quiet });
    const uri = parseURI('qemu:///session');
    const conn = await driver.open(uri, { flags: 0 });
    const events: DriverEvent[] = [];
    conn.subscribeEvents!((e) => events.push(e));
    const target = join(root, 'pool');
    const { pool } = await conn.storagePoolDefineXML!({
      xml: `<pool type='dir'><name>p</name><target><path>${target}</path></target></pool>`, flags: 0,
    });
    assert.equal(pool.name, 'p');
    assert.ok(existsSync(join(paths.configDir, 'storage', 'p.xml')), 'config file in the session config dir');
    await conn.storagePoolBuild!({ pool, flags: 0 });
    await conn.storagePoolCreate!({ pool, flags: 0 });
    assert.ok(existsSync(join(paths.runDir, 'storage', 'run', 'p.xml')), 'state file in the session state dir');
    assert.deepEqual((await conn.connectListStoragePools!({ maxnames: 10 })).names, ['p']);
    assert.deepEqual(events.map((e) => e.kind === 'storage-pool-lifecycle' ? e.event : e.kind), [0, 4, 2]); // Defined, Created (built), Started
    // The QEMU part is still there next to the storage part.
    assert.deepEqual(await conn.connectGetType!(), { type: 'QEMU' });
    await conn.connectClose!();
    await conn.storagePoolDestroy!({ pool });
    assert.equal(events.length, 3, 'no events after the connection closed');
    await driver.stop();
    await assert.rejects(driver.open(uri, { flags: 0 }), /not active/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
