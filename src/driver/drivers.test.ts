/**
 * Which driver serves which URI, in the library and in the daemon, from the
 * one list in drivers.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultDrivers, openDriver } from '../api/open.js';
import { DaemonServer } from '../daemon/server.js';
import { ErrorCode, isVirtError } from '../errors.js';
import { resolveConnectName } from '../uri/index.js';
import type { Driver, DriverConnection } from './driver.js';
import { DRIVERS, daemonDrivers, libraryDrivers, registryFor, type DriverEntry } from './drivers.js';
import type { DriverRegistry } from './registry.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The name of the driver `reg` picks for `name` (null: none claims it). */
function served(reg: DriverRegistry, name: string | null): string | null {
  const { uri } = resolveConnectName(name, { flags: 0, env: {}, config: null });
  return reg.find(uri)?.name ?? null;
}

test('the library asks test, then remote (last); the daemon serves test and QEMU', () => {
  assert.deepEqual(libraryDrivers().drivers.map((d) => d.name), ['test', 'remote']);
  assert.deepEqual(daemonDrivers().drivers.map((d) => d.name), ['test', 'QEMU']);
  assert.equal(DRIVERS.at(-1)!.name, 'remote');
  // Both sides build their default registries from the list.
  assert.deepEqual(defaultDrivers().drivers.map((d) => d.name), DRIVERS.filter((e) => e.library).map((e) => e.name));
  const server = new DaemonServer({ keepaliveInterval: -1, keepaliveCount: 0, maxClientRequests: 1, log: silent, clientConfig: null });
  assert.deepEqual(server.drivers.drivers.map((d) => d.name), DRIVERS.filter((e) => e.daemon).map((e) => e.name));
});

test('which driver serves which URI', () => {
  const lib = libraryDrivers();
  const daemon = daemonDrivers();
  const cases: Array<[string | null, string | null, string | null]> = [
    // [URI, library, daemon]
    ['test:///default', 'test', 'test'],
    ['test:///tmp/host.xml', 'test', 'test'],
    ['test+unix:///default', 'remote', null],
    ['test+tcp://127.0.0.1/default', 'remote', null],
    ['test://example.org/default', 'remote', null],
    // The QEMU driver is the daemon's; the library reaches it through remote.
    ['qemu:///system', 'remote', 'QEMU'],
    ['qemu:///session', 'remote', 'QEMU'],
    ['qemu+ssh://root@example.org/system', 'remote', null],
    ['foo:///', 'remote', null],
    // No URI: the library probes through remote (the daemon picks); the daemon's test driver does not probe.
    [null, 'remote', null],
  ];
  for (const [uri, inLib, inDaemon] of cases) {
    assert.equal(served(lib, uri), inLib, `library: ${uri}`);
    assert.equal(served(daemon, uri), inDaemon, `daemon: ${uri}`);
  }
});

test('a URI no daemon driver claims gets libvirt\'s "no connection driver available for X"', async () => {
  for (const uri of ['foo:///', 'qemu+ssh://h/system', 'test+unix:///default']) {
    await assert.rejects(openDriver(uri, null, 0, { drivers: daemonDrivers(), config: null }), (e: unknown) => isVirtError(e)
      && e.code === ErrorCode.NO_CONNECT && e.message === `no connection driver available for ${uri}`);
  }
});

test('a driver added to the list is used by the daemon, and by the library through remote', async () => {
  const opened: string[] = [];
  const qemuLike: Driver = {
    name: 'qemu',
    accepts: (uri) => uri !== null && uri.scheme === 'qemu' && !uri.server && !uri.transport
      && (uri.path === '/system' || uri.path === '/session'),
    async open(uri): Promise<DriverConnection> {
      opened.push(uri?.path ?? '');
      return { connectClose: async () => {} };
    },
  };
  const table: DriverEntry[] = [
    DRIVERS[0]!,
    { name: 'qemu', library: false, daemon: true, create: () => qemuLike },
    // In place of the real QEMU driver.
    ...DRIVERS.slice(1).filter((e) => e.name !== 'QEMU'),
  ];
  const daemon = registryFor('daemon', {}, table);
  const lib = registryFor('library', {}, table);
  assert.deepEqual(daemon.drivers.map((d) => d.name), ['test', 'qemu']);
  assert.deepEqual(lib.drivers.map((d) => d.name), ['test', 'remote']);
  assert.equal(served(daemon, 'qemu:///system'), 'qemu');
  assert.equal(served(daemon, 'qemu:///session'), 'qemu');
  assert.equal(served(daemon, 'qemu+ssh://h/system'), null);
  assert.equal(served(daemon, 'test:///default'), 'test');
  assert.equal(served(lib, 'qemu:///system'), 'remote');
  await (await openDriver('qemu:///session', null, 0, { drivers: daemon, config: null })).drv.connectClose();
  assert.deepEqual(opened, ['/session']);
});
