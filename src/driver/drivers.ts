/**
 * Which driver serves a URI: the one list of drivers, in libvirt's order,
 * from which both the library (api/open.ts) and the daemon
 * (daemon/server.ts) build their registries. virConnectOpenInternal asks
 * the registered drivers in turn and the first that accepts the URI opens
 * it; the remote driver, which accepts everything, is last.
 *
 * As in libvirt, a driver is registered where it runs: the test driver in
 * both (libvirt.so embeds it; libvirtd serves test:/// to its clients),
 * hypervisor drivers with state (qemu) in the daemon only — the library
 * reaches them through the remote driver, which connects to the daemon
 * (auto-spawning a session daemon for qemu:///session) — and the remote
 * driver in the library only (libvirtd's declines every URI without a
 * server, and tsvirtd does not forward to another daemon).
 */
import type { ClientConfig } from '../config/index.js';
import type { Driver } from './driver.js';
import { DriverRegistry } from './registry.js';
import { RemoteDriver } from './remote/remote-driver.js';
import { TestDriver } from './test/index.js';
import { QemuDriver } from './qemu/driver.js';

/** What creating a driver may need. */
export interface DriverFactoryOptions {
  /** The client's libvirt.conf, for the remote driver (default: read from the environment). */
  config?: ClientConfig | null;
  env?: NodeJS.ProcessEnv;
}

/** One driver of the list. */
export interface DriverEntry {
  readonly name: string;
  /** Registered in the library (virConnectOpen in the client's process). */
  readonly library: boolean;
  /** Registered in the daemon (served to tsvirtd's clients, started and stopped with it). */
  readonly daemon: boolean;
  create(o: DriverFactoryOptions): Driver;
}

/**
 * The drivers in the order they are asked (libvirt registers test first,
 * the hypervisor drivers next, remote last). `qemu` goes before `remote`,
 * claiming qemu:///system and qemu:///session in the daemon.
 */
export const DRIVERS: readonly DriverEntry[] = [
  { name: 'test', library: true, daemon: true, create: () => new TestDriver() },
  // qemuStateDriver: a stateful hypervisor driver, in the daemon only.
  { name: 'QEMU', library: false, daemon: true, create: () => new QemuDriver() },
  {
    name: 'remote', library: true, daemon: false,
    create: (o) => new RemoteDriver({ ...(o.config !== undefined ? { config: o.config } : {}), ...(o.env ? { env: o.env } : {}) }),
  },
];

/** A registry of the entries of `table` registered where `where` says, in the table's order. */
export function registryFor(where: 'library' | 'daemon', o: DriverFactoryOptions = {},
  table: readonly DriverEntry[] = DRIVERS): DriverRegistry {
  return new DriverRegistry(table.filter((e) => e[where]).map((e) => e.create(o)));
}

/** The library's drivers (api/open.ts). */
export function libraryDrivers(o: DriverFactoryOptions = {}): DriverRegistry {
  return registryFor('library', o);
}

/** The daemon's drivers (daemon/server.ts). */
export function daemonDrivers(o: DriverFactoryOptions = {}): DriverRegistry {
  return registryFor('daemon', o);
}
