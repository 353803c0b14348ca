/**
 * The base directories a daemon gives its drivers (DriverStartContext):
 * libvirt's build-time paths for a privileged daemon, the user's XDG
 * directories for a session one (virGetUserConfigDirectory,
 * virGetUserRuntimeDirectory, virGetUserCacheDirectory). Drivers add their
 * own names (`qemu/`, `storage/`) as qemu_conf.c / storage_driver.c do.
 */
import { homedir } from 'node:os';
import type { DriverPaths } from '../driver/driver.js';
import { userConfigDirectory } from '../config/read-file.js';
import { userRuntimeDirectory } from './pidfile.js';

/** The privileged daemon's directories (Debian's libvirt: --sysconfdir=/etc, --localstatedir=/var, /run). */
export const SYSTEM_DRIVER_PATHS: DriverPaths = {
  configDir: '/etc/libvirt',
  runDir: '/run/libvirt',
  stateDir: '/var/lib/libvirt',
  cacheDir: '/var/cache/libvirt',
  logDir: '/var/log/libvirt',
};

/** virGetUserCacheDirectory: `${XDG_CACHE_HOME:-$HOME/.cache}/libvirt`. */
function userCacheDirectory(env: NodeJS.ProcessEnv): string {
  return `${env.XDG_CACHE_HOME || `${env.HOME || homedir()}/.cache`}/libvirt`;
}

/** The directories drivers use in a daemon running privileged or as a user's session daemon. */
export function driverPaths(privileged: boolean, env: NodeJS.ProcessEnv = process.env): DriverPaths {
  if (privileged) return { ...SYSTEM_DRIVER_PATHS };
  const config = userConfigDirectory(env);
  const cache = userCacheDirectory(env);
  return { configDir: config, runDir: userRuntimeDirectory(env), stateDir: config, cacheDir: cache, logDir: cache };
}
