/**
 * TSVIRTD_DRIVERS: which of its drivers a tsvirtd serves. Unset (or empty),
 * every daemon driver of src/driver/drivers.ts, as libvirtd loads every
 * driver module it was built with. Set, a comma-separated list of driver
 * names (case-insensitive: `test`, `qemu`), and only those are registered,
 * started and served; a URI of another driver then gets libvirt's "no
 * connection driver available".
 *
 * libvirtd has no such switch (one uses the per-driver daemons,
 * virtqemud…, for that). It exists for whoever starts a tsvirtd that must
 * not run a driver's state initialization: the interop harness starts
 * test-driver daemons as root on the host, where the QEMU driver would
 * create /etc/libvirt/qemu, /run/libvirt/qemu, /etc/libvirt/storage… as
 * libvirtd's qemuStateInitialize and storageStateInitialize do.
 */
import { DRIVERS, type DriverEntry } from '../driver/drivers.js';
import { DriverRegistry } from '../driver/registry.js';

/** The environment variable. */
export const DRIVERS_ENV = 'TSVIRTD_DRIVERS';

/**
 * The registry a daemon with environment `env` serves.
 *
 * @throws Error naming the variable for a name that is not a daemon driver.
 */
export function selectDaemonDrivers(env: NodeJS.ProcessEnv, table: readonly DriverEntry[] = DRIVERS): DriverRegistry {
  const daemon = table.filter((e) => e.daemon);
  const spec = env[DRIVERS_ENV]?.trim() ?? '';
  if (spec === '') return new DriverRegistry(daemon.map((e) => e.create({})));
  const wanted = new Set<DriverEntry>();
  for (const raw of spec.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    const entry = daemon.find((e) => e.name.toLowerCase() === name.toLowerCase());
    if (!entry) {
      throw new Error(`${DRIVERS_ENV}: unknown driver '${name}' (tsvirtd has ${daemon.map((e) => e.name.toLowerCase()).join(', ')})`);
    }
    wanted.add(entry);
  }
  // In the table's order, whatever the list's.
  return new DriverRegistry(daemon.filter((e) => wanted.has(e)).map((e) => e.create({})));
}
