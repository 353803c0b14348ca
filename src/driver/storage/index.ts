/**
 * libvirt's storage driver with the `dir` backend. A hypervisor driver's
 * connection (qemu:///system) gets the storage methods from
 * {@link StoragePoolDir.methods}; {@link storageConnection} makes a whole
 * connection of them for hosts and tests that want storage alone.
 */
import type { DriverConnection } from '../driver.js';
import type { StoragePoolDir } from './storage-pool-dir.js';

export { StoragePoolDir, SYSTEM_STORAGE_DIRS, PoolEvent, type StoragePoolDirOptions } from './storage-pool-dir.js';
export { formatDirVol, type DirVol, type VolSource } from './vol-def.js';
export { probeHeader, probeFormat, FILE_FORMATS } from './image-probe.js';

/** A connection that has the storage driver's methods and events, and nothing else. */
export function storageConnection(storage: StoragePoolDir): DriverConnection {
  const unsubs = new Set<() => void>();
  return {
    ...storage.methods(),
    connectClose: async () => {
      for (const u of unsubs) u();
      unsubs.clear();
    },
    subscribeEvents: (listener) => {
      const u = storage.subscribe(listener);
      unsubs.add(u);
      return () => {
        u();
        unsubs.delete(u);
      };
    },
  };
}
