/**
 * The storage driver a QEMU connection carries. In libvirtd the storage
 * driver is a secondary driver: a hypervisor connection (qemu:///system,
 * qemu:///session) serves the storage pool and volume procedures through
 * the daemon's one storage driver state. Here that state is a
 * {@link StoragePoolDir} (the `dir` backend), one per daemon, started with
 * the QEMU driver and stopped with it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DriverStartContext } from '../driver.js';
import { StoragePoolDir, type StoragePoolDirOptions } from '../storage/index.js';

/**
 * storageStateInitialize's dirs: /etc/libvirt/storage, its autostart dir
 * and /run/libvirt/storage for a privileged daemon; a session daemon's are
 * `storage` and `storage/autostart` in the user's config dir and
 * `storage/run` in the user's runtime dir.
 */
export function storageDirs(ctx: Pick<DriverStartContext, 'privileged' | 'paths'>): StoragePoolDirOptions {
  const config = join(ctx.paths.configDir, 'storage');
  return {
    configDir: config,
    autostartDir: join(config, 'autostart'),
    stateDir: ctx.privileged ? join(ctx.paths.runDir, 'storage') : join(ctx.paths.runDir, 'storage', 'run'),
  };
}

/** The started storage driver and the release of its driver lock. */
export interface QemuStorage {
  pools: StoragePoolDir;
  release(): void;
}

/**
 * Creates and loads the daemon's storage driver (storageStateInitialize:
 * the state dir and its driver.pid lock, pools from the state and config
 * dirs, autostart on the first start after boot). A failure is logged and
 * gives null: the hypervisor's connections are then served without
 * storage, whose procedures report "not supported".
 */
export async function startQemuStorage(ctx: DriverStartContext): Promise<QemuStorage | null> {
  const dirs = storageDirs(ctx);
  const storage = new StoragePoolDir(dirs);
  let release = (): void => {};
  try {
    mkdirSync(dirs.stateDir, { recursive: true, mode: 0o777 });
    release = ctx.lockStateDir?.(dirs.stateDir) ?? release;
    await storage.load();
    return { pools: storage, release };
  } catch (e) {
    release();
    ctx.log.error(`Failed to initialize the storage driver: ${(e as Error).message}`);
    return null;
  }
}
