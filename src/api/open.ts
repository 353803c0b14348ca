/**
 * virConnectOpen, virConnectOpenReadOnly, virConnectOpenAuth: resolve the
 * name (defaults, aliases, legacy forms), then let the first driver that
 * claims the URI open it (virConnectOpenInternal).
 */
import type { ConnectAuth, Driver, DriverConnection } from '../driver/driver.js';
import { libraryDrivers } from '../driver/drivers.js';
import type { DriverRegistry } from '../driver/registry.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { loadClientConfig, type ClientConfig } from '../config/index.js';
import { resolveConnectName, type ParsedURI } from '../uri/index.js';
import { ConnectFlags } from './constants.js';
import { Connection } from './connection.js';

export interface ConnectOptions {
  /** Drivers to try, in order; defaults to the process-wide registry. */
  drivers?: DriverRegistry;
  /** Client configuration (libvirt.conf); defaults to the user's file. */
  config?: ClientConfig | null;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

let defaults: DriverRegistry | null = null;

/**
 * The process-wide default drivers: the library's of src/driver/drivers.ts.
 * One test driver per process, because libvirt shares `test:///default`
 * between all connections of a process.
 */
export function defaultDrivers(): DriverRegistry {
  defaults ??= libraryDrivers();
  return defaults;
}

/** virConnectOpenAuth. */
/**
 * virConnectOpenInternal below the public API: resolves the name (defaults,
 * aliases, legacy forms) and opens the first driver that claims it. The
 * daemon uses this to serve CONNECT_OPEN.
 */
export async function openDriver(name: string | null | undefined, auth: ConnectAuth | null | undefined,
  flags = 0, opts: ConnectOptions = {}): Promise<{ drv: DriverConnection; uri: ParsedURI | null }> {
  const env = opts.env ?? process.env;
  const config = opts.config !== undefined ? opts.config : loadClientConfig(env);
  const { uri } = resolveConnectName(name, { flags, env, config });
  const registry = opts.drivers ?? defaultDrivers();
  const driver: Driver | undefined = registry.find(uri);
  if (!driver) {
    throw VirtError.report(ErrorCode.NO_CONNECT, ErrorDomain.NONE, name ?? uri?.scheme ?? null);
  }
  await registry.ready(driver);
  const drv = await driver.open(uri, { flags, auth: auth ?? undefined, signal: opts.signal });
  return { drv, uri };
}

export async function openAuth(name: string | null | undefined, auth: ConnectAuth | null | undefined,
  flags = 0, opts: ConnectOptions = {}): Promise<Connection> {
  const { drv, uri } = await openDriver(name, auth, flags, opts);
  return new Connection(drv, uri, flags);
}

export function open(name?: string | null, opts?: ConnectOptions): Promise<Connection> {
  return openAuth(name, null, 0, opts);
}

/** virConnectOpenReadOnly. */
export function openReadOnly(name?: string | null, opts?: ConnectOptions): Promise<Connection> {
  return openAuth(name, null, ConnectFlags.RO, opts);
}
