/**
 * The client configuration file, libvirt.conf (virConfLoadConfig in
 * src/util/virconf.c): `/etc/libvirt/libvirt.conf` for root,
 * `$XDG_CONFIG_HOME/libvirt/libvirt.conf` for everyone else. A missing file
 * is simply an empty configuration.
 *
 * Settings are type-checked when they are read, not when the file is
 * loaded, because that is when libvirt checks them: a bad `uri_default` only
 * matters to a connection opened without a URI.
 */
import { existsSync } from 'node:fs';
import { getString, getStringList, parseConf, type Conf } from './conf.js';
import { DEFAULT_SYSCONFDIR, readConfigFile, userConfigDirectory } from './read-file.js';

/**
 * A loaded client configuration: the parsed file (null when there was none)
 * and typed accessors for the settings the client library uses.
 */
export class ClientConfig {
  /** The file it was read from, or would have been. */
  readonly path: string | null;
  /** The parsed file, or null when it does not exist. */
  readonly conf: Conf | null;

  constructor(path: string | null, conf: Conf | null) {
    this.path = path;
    this.conf = conf;
  }

  /** `uri_aliases`: a list of `alias=uri` strings, or null when unset. */
  uriAliases(): string[] | null { return getStringList(this.conf, 'uri_aliases', false); }
  /** `uri_default`: the URI to open when none is given, or null. */
  uriDefault(): string | null { return getString(this.conf, 'uri_default'); }
  /** `remote_mode`: auto|direct|legacy, read by the remote driver. */
  remoteMode(): string | null { return getString(this.conf, 'remote_mode'); }
  /** `remote_proxy`: auto|netcat|native, read by the remote driver. */
  remoteProxy(): string | null { return getString(this.conf, 'remote_proxy'); }
  /** `tls_priority`: the GnuTLS priority string for TLS connections. */
  tlsPriority(): string | null { return getString(this.conf, 'tls_priority'); }
}

/** Where to look; everything defaults to what libvirt does. */
export interface ClientConfigOptions {
  /** Read this file instead of the standard location. */
  path?: string;
  /** Directory holding `libvirt/…` for root (default `/etc`). */
  sysconfDir?: string;
}

/**
 * virConfLoadConfigPath: where the client file `name` lives for `uid`.
 */
export function clientConfigPath(name: string, env: NodeJS.ProcessEnv = process.env,
  uid: number = currentUid(), sysconfDir: string = DEFAULT_SYSCONFDIR): string {
  return uid === 0 ? `${sysconfDir}/libvirt/${name}` : `${userConfigDirectory(env)}/${name}`;
}

function currentUid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

/** Parses libvirt.conf text already in memory. */
export function parseClientConfig(text: string, filename: string): ClientConfig {
  return new ClientConfig(filename, parseConf(text, filename));
}

/**
 * virConfLoadConfig(&conf, "libvirt.conf"): loads the client configuration
 * for `uid`. A missing file gives an empty configuration.
 *
 * @throws VirtError CONF_SYNTAX for a malformed file, SYSTEM_ERROR when it
 *   exists but cannot be read.
 */
export function loadClientConfig(env: NodeJS.ProcessEnv = process.env, uid: number = currentUid(),
  options: ClientConfigOptions = {}): ClientConfig {
  const path = options.path ?? clientConfigPath('libvirt.conf', env, uid, options.sysconfDir);
  if (!existsSync(path)) return new ClientConfig(path, null);
  return parseClientConfig(readConfigFile(path), path);
}
